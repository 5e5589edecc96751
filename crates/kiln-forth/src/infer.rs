//! Stack-effect inference and verification (the FastForth design):
//!
//! * over compiled code: [`Forth::infer_word`] walks a definition's ops in
//!   code order — the compiler emits structured control flow, so every
//!   forward branch target comes after its sources and every backward
//!   branch goes to a loop head already seen — merging the abstract states
//!   of joining paths (their depths must agree, or it is an error),
//!   tracking the return stack (`>R`/`R>` and DO loops must balance at
//!   every EXIT), and using callee effects (inferred on demand and memoized
//!   in the header). Recursion uses the declared effect, else the effect of
//!   the non-recursive paths, and is then re-checked. Data-dependent words
//!   (`?DUP`, `PICK`, `EXECUTE` of an unknown xt) make the result dynamic.
//! * over text: [`infer`], [`verify`] and [`compose`] work on sequences of
//!   built-in words and numbers without a VM (the fast API the JSON-spec
//!   generator and the JIT's stack caching use).
//!
//! `check_definition` (check mode, `kiln forth check`) compares each colon
//! definition with its stack comment and records a [`CheckReport`].

use crate::dict::{Kind, Loc, NONE};
use crate::effect::{ADDR, Composer, DHI, DLO, Effect, FLAG, N, Packed, PackedEffect, X, XT};
use crate::isa::Op;
use crate::system::{CheckReport, Definition, Forth};
use crate::words::{OP_WORDS, SysWord};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::OnceLock;

/// Why an effect could not be inferred exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A definition's code is wrong whatever the data: the return stack is
    /// unbalanced at EXIT, R> pops what no >R pushed, a declaration does
    /// not match.
    Error,
    /// Two paths join with different depths (`IF 1 THEN`): an error when
    /// the definition declares a fixed effect, else a dynamic effect.
    Branches,
    /// A loop body changes the depth (`0 DO I LOOP`): the effect depends on
    /// the trip count, so it is dynamic.
    Loop,
    /// Control flow the walk cannot follow (a backward branch into code it
    /// has not reached, e.g. CS-ROLL tricks): dynamic.
    Unstructured,
}

/// Why inference failed, or why the effect is dynamic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectError {
    /// What kind of problem.
    pub cause: Cause,
    /// One-line message.
    pub message: String,
    /// The op (code index) where it was found, when over compiled code.
    pub pc: Option<u32>,
    /// Extra lines (e.g. the effects of two disagreeing branches).
    pub notes: Vec<String>,
}

impl std::fmt::Display for EffectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EffectError {}

/// The result of inferring a definition.
#[derive(Clone, Debug)]
pub struct Inferred {
    /// The effect of the whole definition.
    pub effect: Effect,
    /// For each op of the body (`cfa..end`): the data-stack depth before
    /// it, relative to the entry depth (`None` where unreachable or after a
    /// dynamic op). A JIT can map these depths to registers.
    pub depths: Vec<Option<i32>>,
    /// Why the effect is dynamic, when a path problem (not a data-dependent
    /// word) made it so.
    pub why: Option<EffectError>,
}

thread_local! {
    static PARSED: RefCell<FxHashMap<&'static str, Effect>> = RefCell::new(FxHashMap::default());
}

/// Parses a static effect string once per thread (dynamic when unparsable).
fn fx(s: &'static str) -> Effect {
    PARSED.with(|m| {
        if let Some(e) = m.borrow().get(s) {
            return *e;
        }
        let e = Effect::parse(s).unwrap_or(Effect::dynamic(0));
        m.borrow_mut().insert(s, e);
        e
    })
}

/// The data-stack effect of a straight-line op (`None` for ops whose
/// effect depends on data or on the callee, and control-flow ops).
pub fn op_effect(op: Op) -> Option<Effect> {
    let n1 = Effect::new(&[N], &[N]);
    Some(match op {
        Op::Halt | Op::Nop | Op::JitEntry { .. } | Op::LocalsLeave | Op::Unloop | Op::RDrop => {
            Effect::EMPTY
        }
        Op::Lit { .. } | Op::LitK { .. } | Op::I | Op::J | Op::Depth => Effect::new(&[], &[N]),
        Op::Throw => Effect::new(&[N], &[]),
        Op::Dup => fx("( x -- x x )"),
        Op::Drop => fx("( x -- )"),
        Op::Swap => fx("( x1 x2 -- x2 x1 )"),
        Op::Over => fx("( x1 x2 -- x1 x2 x1 )"),
        Op::Rot => fx("( x1 x2 x3 -- x2 x3 x1 )"),
        Op::MinusRot => fx("( x1 x2 x3 -- x3 x1 x2 )"),
        Op::Nip => fx("( x1 x2 -- x2 )"),
        Op::Tuck => fx("( x1 x2 -- x2 x1 x2 )"),
        Op::TwoDup => fx("( x1 x2 -- x1 x2 x1 x2 )"),
        Op::TwoDrop => fx("( x1 x2 -- )"),
        Op::TwoSwap => fx("( x1 x2 x3 x4 -- x3 x4 x1 x2 )"),
        Op::TwoOver => fx("( x1 x2 x3 x4 -- x1 x2 x3 x4 x1 x2 )"),
        Op::ToR => Effect::new(&[X], &[]).with_r(0, 1),
        Op::RFrom => Effect::new(&[], &[X]).with_r(1, 0),
        Op::RFetch => Effect::new(&[], &[X]).with_r(1, 1),
        Op::TwoToR => Effect::new(&[X, X], &[]).with_r(0, 2),
        Op::TwoRFrom => Effect::new(&[], &[X, X]).with_r(2, 0),
        Op::TwoRFetch => Effect::new(&[], &[X, X]).with_r(2, 2),
        Op::Add
        | Op::Sub
        | Op::Mul
        | Op::Div
        | Op::Mod
        | Op::Min
        | Op::Max
        | Op::LShift
        | Op::RShift
        | Op::And
        | Op::Or
        | Op::Xor => Effect::new(&[N, N], &[N]),
        Op::DivMod => Effect::new(&[N, N], &[N, N]),
        Op::StarSlash => Effect::new(&[N, N, N], &[N]),
        Op::StarSlashMod => Effect::new(&[N, N, N], &[N, N]),
        Op::Negate
        | Op::Abs
        | Op::OnePlus
        | Op::OneMinus
        | Op::TwoStar
        | Op::TwoSlash
        | Op::Invert
        | Op::AddLit { .. }
        | Op::MulLit { .. }
        | Op::AndLit { .. }
        | Op::IAdd => n1,
        Op::UmStar | Op::MStar => Effect::new(&[N, N], &[DLO, DHI]),
        Op::UmSlashMod | Op::SmSlashRem | Op::FmSlashMod => Effect::new(&[DLO, DHI, N], &[N, N]),
        Op::DPlus | Op::DMinus => Effect::new(&[DLO, DHI, DLO, DHI], &[DLO, DHI]),
        Op::SToD => Effect::new(&[N], &[DLO, DHI]),
        Op::Eq | Op::Ne | Op::Lt | Op::Gt | Op::ULt | Op::UGt => Effect::new(&[N, N], &[FLAG]),
        Op::ZeroEq
        | Op::ZeroNe
        | Op::ZeroLt
        | Op::ZeroGt
        | Op::EqLit { .. }
        | Op::LtLit { .. }
        | Op::GtLit { .. } => Effect::new(&[N], &[FLAG]),
        Op::Within => Effect::new(&[N, N, N], &[FLAG]),
        Op::Fetch => Effect::new(&[ADDR], &[X]),
        Op::Store => Effect::new(&[X, ADDR], &[]),
        Op::CFetch => Effect::new(&[ADDR], &[N]),
        Op::CStore => Effect::new(&[N, ADDR], &[]),
        Op::PlusStore => Effect::new(&[N, ADDR], &[]),
        Op::TwoFetch => Effect::new(&[ADDR], &[X, X]),
        Op::TwoStore => Effect::new(&[X, X, ADDR], &[]),
        Op::FetchLit { .. } | Op::IFetch | Op::ICFetch => Effect::new(&[], &[X]),
        Op::ICStoreLit { .. } => Effect::EMPTY,
        Op::StoreLit { .. } | Op::PlusStoreLit { .. } | Op::IStore | Op::ICStore => {
            Effect::new(&[X], &[])
        }
        Op::ITwoFetch => Effect::new(&[], &[X, X]),
        Op::ITwoStore => Effect::new(&[X, X], &[]),
        Op::OverAdd => fx("( x1 n1 -- x1 n2 )"),
        Op::OverFetch => Effect::new(&[ADDR, X], &[ADDR, X, X]),
        Op::SwapOver => fx("( x1 x2 -- x2 x1 x2 )"),
        Op::RFromAdd => Effect::new(&[N], &[N]).with_r(1, 0),
        Op::DropLit { .. } => Effect::new(&[X], &[N]),
        Op::DupAddLit { .. } => Effect::new(&[N], &[N, N]),
        Op::SwapAddLit { .. } => fx("( x1 n1 -- n1 x1 )"),
        Op::RAdd => Effect::new(&[N], &[]).with_r(1, 1),
        Op::LitUnder { .. } => fx("( x1 -- n x1 )"),
        Op::OverFetch2 => fx("( a1 a2 -- a1 a2 x x )"),
        Op::OverFetchMul => fx("( a1 a2 -- a1 a2 n )"),
        Op::AddLit2 { .. } => Effect::new(&[N, N], &[N, N]),
        Op::ISwap2 => Effect::EMPTY,
        Op::UnderAddLit { .. } => fx("( n1 x1 -- n2 x1 )"),
        Op::LocalGet { .. } => Effect::new(&[], &[X]),
        Op::LocalSet { .. } => Effect::new(&[X], &[]),
        Op::LocalsEnter { n } => Effect::counts(n.0 as usize, 0),
        Op::Does { .. } => Effect::EMPTY,
        Op::Sys { id } => return SysWord::from_u16(id.0).and_then(sys_effect),
        Op::Execute
        | Op::Catch
        | Op::CatchEnd
        | Op::Pick
        | Op::Roll
        | Op::QDup
        | Op::Call { .. }
        | Op::TailCall { .. }
        | Op::Exit
        | Op::AddExit
        | Op::DropLitExit { .. }
        | Op::Branch { .. }
        | Op::ZBranch { .. }
        | Op::Do
        | Op::QDo { .. }
        | Op::Loop { .. }
        | Op::PlusLoop { .. }
        | Op::PlusLoopLit { .. }
        | Op::DupPlusLoop { .. }
        | Op::ICFetchZBr { .. }
        | Op::ITwoGtBranch { .. }
        | Op::AddLitLoop { .. }
        | Op::Leave { .. }
        | Op::DupZBranch { .. }
        | Op::NzBranch { .. }
        | Op::EqBranch { .. }
        | Op::NeBranch { .. }
        | Op::LtBranch { .. }
        | Op::GtBranch { .. }
        | Op::ULtBranch { .. }
        | Op::LitLtBranch { .. }
        | Op::LitGtBranch { .. }
        | Op::LitEqBranch { .. }
        | Op::DupLitLtBr { .. } => return None,
    })
}

/// The run-time effect of a system word (`None` when it depends on data or
/// on parsing, as for EVALUATE or the control-structure words).
pub fn sys_effect(w: SysWord) -> Option<Effect> {
    let e = fx(w.effect());
    (!e.dynamic).then_some(e)
}

/// A built-in word's effect, and the same compiled for the fast path.
struct Entry {
    effect: Effect,
    packed: PackedEffect,
}

impl Entry {
    fn new(effect: Effect) -> Entry {
        Entry {
            effect,
            packed: PackedEffect::new(&effect),
        }
    }
}

/// Built-in words' effects by upper-cased name: names of up to 8 bytes
/// packed into a `u64` key of a small open-addressing table (one multiply
/// and usually one probe) giving an index into a dense array of entries,
/// longer names in a hash map.
struct Table {
    keys: Box<[u64; TABLE]>,
    /// The compiled effect of the word in each slot: read at the same
    /// index as the key, not through `idx` (one dependent load fewer).
    packed: Box<[PackedEffect; TABLE]>,
    idx: Box<[u16; TABLE]>,
    entries: Vec<Entry>,
    long: FxHashMap<Box<[u8]>, usize>,
    number: Entry,
}

const TABLE: usize = 1024;

/// Longest built-in name looked up in [`Table::long`] (longer tokens are
/// not built-ins).
const LONG: usize = 32;

fn slot(k: u64) -> usize {
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize
}

impl Table {
    /// The slot of key `k`.
    #[inline(always)]
    fn find(&self, k: u64) -> Option<usize> {
        let mut i = slot(k);
        loop {
            match self.keys[i] {
                0 => return None,
                key if key == k => return Some(i),
                _ => i = (i + 1) % TABLE,
            }
        }
    }

    #[inline(always)]
    fn get(&self, k: u64) -> Option<&Entry> {
        self.entries.get(self.idx[self.find(k)?] as usize)
    }

    fn insert(&mut self, k: u64, e: Effect) {
        let mut i = slot(k);
        while self.keys[i] != 0 && self.keys[i] != k {
            i = (i + 1) % TABLE;
        }
        let entry = Entry::new(e);
        self.packed[i] = entry.packed;
        if self.keys[i] == k {
            self.entries[self.idx[i] as usize] = entry;
            return;
        }
        self.keys[i] = k;
        self.idx[i] = self.entries.len() as u16;
        self.entries.push(entry);
    }

    /// A name of more than 8 bytes, upper-cased into a buffer on the stack.
    #[cold]
    fn get_long(&self, name: &[u8]) -> Option<&Entry> {
        let mut buf = [0u8; LONG];
        let up = buf.get_mut(..name.len())?;
        for (d, &c) in up.iter_mut().zip(name) {
            *d = c.to_ascii_uppercase();
        }
        self.entries.get(*self.long.get(&*up)?)
    }
}

/// Packs an upper-cased name of 1 to 8 bytes into a nonzero `u64`.
fn pack(name: &[u8]) -> Option<u64> {
    if name.is_empty() || name.len() > 8 || name.contains(&0) {
        return None;
    }
    let mut k = 0u64;
    for (i, &c) in name.iter().enumerate() {
        k |= (c.to_ascii_uppercase() as u64) << (8 * i);
    }
    Some(k)
}

fn builtin_effects() -> &'static Table {
    static MAP: OnceLock<Table> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut t = Table {
            keys: Box::new([0; TABLE]),
            packed: Box::new([PackedEffect::default(); TABLE]),
            idx: Box::new([0; TABLE]),
            entries: Vec::new(),
            long: FxHashMap::default(),
            number: Entry::new(Effect::new(&[], &[N])),
        };
        let names = OP_WORDS
            .iter()
            .map(|&(name, _, _, eff)| (name, eff))
            .chain(SysWord::ALL.iter().map(|w| (w.name(), w.effect())));
        for (name, eff) in names {
            let e = Effect::parse(eff).unwrap_or(Effect::dynamic(0));
            match pack(name.as_bytes()) {
                Some(k) => t.insert(k, e),
                None => {
                    let key: Box<[u8]> = name.to_ascii_uppercase().into_bytes().into();
                    let i = *t.long.entry(key).or_insert(t.entries.len());
                    if i == t.entries.len() {
                        t.entries.push(Entry::new(e));
                    } else {
                        t.entries[i] = Entry::new(e);
                    }
                }
            }
        }
        t
    })
}

/// Forth's blanks between words: the bytes `split_ascii_whitespace` splits on.
#[inline(always)]
fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0C' | b'\r')
}

/// The entry of one token: a built-in word (`key` is its upper-cased
/// bytes packed by [`pack`] when it has at most 8 bytes and no NUL) or a
/// single-cell number in base 10 (borrowed from the table: copying effects
/// around costs more than composing them).
#[inline(always)]
fn token_entry(table: &'static Table, tok: &[u8], key: Option<u64>) -> Option<&'static Entry> {
    let found = match key {
        Some(k) => table.get(k),
        None if tok.len() > 8 => table.get_long(tok),
        None => None,
    };
    found.or_else(|| {
        crate::numeric::parse_number(tok, 10)
            .filter(|&(_, double)| !double)
            .map(|_| &table.number)
    })
}

/// True for `[-]digits` (a single-cell decimal number of up to 18
/// digits: no overflow question), the common case of a number in a body.
#[inline(always)]
fn is_decimal(tok: &[u8]) -> bool {
    let digits = tok.strip_prefix(b"-").unwrap_or(tok);
    !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit)
}

#[cold]
fn unknown_word(tok: &[u8]) -> EffectError {
    EffectError {
        cause: Cause::Error,
        message: format!("unknown word '{}'", String::from_utf8_lossy(tok)),
        pc: None,
        notes: Vec::new(),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// ASCII upper case of 8 packed bytes at once (bytes outside `a..=z`,
/// including non-ASCII ones, are unchanged).
#[inline(always)]
fn upper8(w: u64) -> u64 {
    let low7 = w & !HIGHS;
    let ge_a = low7 + ONES * (0x80 - b'a' as u64);
    let gt_z = low7 + ONES * (0x80 - b'z' as u64 - 1);
    let lower = ge_a & !gt_z & !w & HIGHS;
    w ^ (lower >> 2)
}

/// The blank-separated tokens of a text (those of `split_ascii_whitespace`),
/// each with its packed key ([`pack`]'s value: `None` for tokens of more
/// than 8 bytes or with a NUL byte). Tokens of up to 7 bytes are cut and
/// upper-cased 8 bytes at a time (SWAR: the first byte `<= b' '` ends the
/// token; a control character that is not a blank falls back to the byte
/// loop).
struct Tokens<'a> {
    b: &'a [u8],
    i: usize,
    /// A text shorter than 8 bytes, little-endian, zero-padded (so every
    /// 8-byte load is in bounds).
    short: u64,
}

impl Tokens<'_> {
    /// Up to 8 bytes from `i`, little-endian, zero past the end of the
    /// text (one load: near the end, the last 8 bytes shifted down).
    #[inline(always)]
    fn load8(&self, i: usize) -> u64 {
        let b = self.b;
        let n = b.len();
        if n < 8 {
            return self.short >> (8 * i.min(7)) as u32;
        }
        let at = i.min(n - 8);
        let s = &b[at..at + 8];
        let w = u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]);
        // `i - at` is at most 7 (i < n).
        w >> (8 * (i - at)) as u32
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = (&'a [u8], Option<u64>);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.b;
        let n = b.len();
        let mut i = self.i;
        while i < n && is_blank(b[i]) {
            i += 1;
        }
        if i >= n {
            self.i = i;
            return None;
        }
        let w = self.load8(i);
        // High bit set in each byte `<= 0x20` (exact for the lowest such
        // byte; bytes >= 0x80 never match).
        let small = w.wrapping_sub(ONES * 0x21) & !w & HIGHS;
        let len = (small.trailing_zeros() / 8) as usize;
        if len > 0 && len < 8 && (i + len >= n || is_blank(b[i + len])) {
            let k = upper8(w & ((1u64 << (8 * len)) - 1));
            // Past the blank that ends it.
            self.i = i + len + 1;
            return Some((&b[i..i + len], Some(k)));
        }
        let start = i;
        while i < n && !is_blank(b[i]) {
            i += 1;
        }
        self.i = i;
        let tok = &b[start..i];
        Some((tok, pack(tok)))
    }
}

#[inline(always)]
fn tokens(words: &str) -> Tokens<'_> {
    let b = words.as_bytes();
    let mut short = 0u64;
    if b.len() < 8 {
        for (k, &c) in b.iter().enumerate() {
            short |= (c as u64) << (8 * k);
        }
    }
    Tokens { b, i: 0, short }
}

/// Infers the effect of a sequence of built-in words and decimal numbers
/// (`"dup *"` → `( n -- n )`): one scan of the text, one table probe per
/// word, one [`Composer`](crate::effect::Composer) step per word; no
/// allocation unless it fails.
///
/// # Errors
/// An unknown word.
pub fn infer(words: &str) -> Result<Effect, EffectError> {
    infer_inline(words)
}

#[inline(always)]
fn infer_inline(words: &str) -> Result<Effect, EffectError> {
    let table = builtin_effects();
    let mut p = Packed::new();
    for (tok, key) in tokens(words) {
        let packed = match key.and_then(|k| table.find(k)) {
            Some(i) => &table.packed[i],
            None if is_decimal(tok) => &table.number.packed,
            None => match token_entry(table, tok, key) {
                Some(x) => &x.packed,
                None => return Err(unknown_word(tok)),
            },
        };
        if !p.push(packed) {
            return infer_general(words);
        }
    }
    Ok(p.finish())
}

/// [`infer`] for any sequence: the slice-based [`Composer`] (effects the
/// packed fast path does not take, more than 16 items), then for long
/// sequences a pairwise fold (each step renormalizes its variables).
#[inline(never)]
fn infer_general(words: &str) -> Result<Effect, EffectError> {
    let table = builtin_effects();
    let mut c = Composer::new();
    for (tok, key) in tokens(words) {
        match token_entry(table, tok, key) {
            Some(x) => c.push(&x.effect),
            None => return Err(unknown_word(tok)),
        }
    }
    if !c.overflowed() {
        return Ok(c.finish());
    }
    let mut e = Effect::EMPTY;
    for (tok, key) in tokens(words) {
        e = e.then(
            &token_entry(table, tok, key)
                .ok_or_else(|| unknown_word(tok))?
                .effect,
        );
    }
    Ok(e)
}

/// Infers `words` and checks it against a declared effect: the same net
/// depth change and no more inputs than declared.
///
/// # Errors
/// An unknown word, or a mismatch (message and notes give both effects).
pub fn verify(words: &str, declared: &Effect) -> Result<Effect, EffectError> {
    let inferred = infer_inline(words)?;
    if declared.admits(&inferred) {
        Ok(inferred)
    } else {
        Err(mismatch(declared, &inferred))
    }
}

/// [`verify`] against a declaration in standard notation (`( n -- n )`).
///
/// # Errors
/// An unknown word, an unparsable declaration, or a mismatch.
pub fn verify_str(words: &str, declared: &str) -> Result<Effect, EffectError> {
    let decl = Effect::parse(declared).ok_or_else(|| EffectError {
        cause: Cause::Error,
        message: format!("not a stack effect: {declared}"),
        pc: None,
        notes: Vec::new(),
    })?;
    verify(words, &decl)
}

/// The effect of `a` followed by `b`.
pub fn compose(a: &Effect, b: &Effect) -> Effect {
    a.then(b)
}

#[cold]
fn mismatch(decl: &Effect, inferred: &Effect) -> EffectError {
    EffectError {
        cause: Cause::Error,
        message: "stack effect declaration is wrong".into(),
        pc: None,
        notes: vec![format!("declared {decl}"), format!("inferred {inferred}")],
    }
}

/// Abstract state: the effect from the entry to here, and the return-stack depth.
#[derive(Clone, Copy)]
struct St {
    e: Effect,
    r: i32,
}

impl St {
    fn depth(&self) -> i32 {
        self.e.net()
    }
}

enum Step {
    Next(St),
    Dynamic,
}

fn err(message: impl Into<String>, pc: u32) -> EffectError {
    cause_err(Cause::Error, message, pc)
}

fn cause_err(cause: Cause, message: impl Into<String>, pc: u32) -> EffectError {
    EffectError {
        cause,
        message: message.into(),
        pc: Some(pc),
        notes: Vec::new(),
    }
}

fn merge(a: St, b: St, pc: u32) -> Result<St, EffectError> {
    if a.depth() != b.depth() || a.r != b.r {
        let mut e = cause_err(Cause::Branches, "branches leave different stack depths", pc);
        e.notes.push(format!("one path: {}", a.e));
        e.notes.push(format!("another:  {}", b.e));
        if a.r != b.r {
            e.notes
                .push(format!("return-stack depths {} and {}", a.r, b.r));
        }
        return Err(e);
    }
    let (ka, kb) = (a.e.n_in(), b.e.n_in());
    let wa = a.e.widen(kb.saturating_sub(ka));
    Ok(St { e: wa, r: a.r })
}

impl Forth {
    /// The effect of executing word `xt` (memoized for colon definitions).
    pub(crate) fn word_effect(&mut self, xt: u32, busy: &mut Vec<u32>) -> Option<Effect> {
        let xt = self.dict.resolve(xt);
        let w = self.dict.words.get(xt as usize)?;
        if let Some(e) = w.effect {
            return Some(e);
        }
        let e = match w.kind.clone() {
            Kind::Ops(i) => Effect::parse(OP_WORDS[i as usize].3),
            Kind::Sys(s) => sys_effect(s),
            Kind::Create => Some(Effect::new(&[], &[ADDR])),
            Kind::Constant(_) | Kind::Value => Some(Effect::new(&[], &[X])),
            Kind::TwoConstant(..) | Kind::TwoValue => Some(Effect::new(&[], &[X, X])),
            Kind::Field(_) => Some(Effect::new(&[ADDR], &[ADDR])),
            Kind::Does(to) => {
                let start = to;
                let end = w.end.max(to);
                let body = self.infer_range(start, end, NONE, None, busy).ok()?;
                Some(Effect::new(&[], &[ADDR]).then(&body.effect))
            }
            Kind::Colon => {
                if w.flags & crate::words::INFERRED != 0 {
                    return None;
                }
                if busy.contains(&xt) || busy.len() > 128 || w.flags & crate::words::HIDDEN != 0 {
                    return None;
                }
                busy.push(xt);
                let r = self.infer_colon(xt, None, busy);
                busy.pop();
                let e = r.ok().map(|i| i.effect).filter(|e| !e.dynamic);
                let w = &mut self.dict.words[xt as usize];
                w.effect = e;
                w.flags |= crate::words::INFERRED;
                e
            }
            Kind::Defer | Kind::Marker(_) | Kind::Synonym(_) => None,
        };
        e.filter(|e| !e.dynamic)
    }

    fn call_effect(
        &mut self,
        to: u32,
        me: u32,
        guess: Option<Effect>,
        busy: &mut Vec<u32>,
    ) -> Result<Option<Effect>, ()> {
        if me != NONE
            && self
                .dict
                .words
                .get(me as usize)
                .is_some_and(|w| w.cfa == to)
        {
            return guess.map(Some).ok_or(());
        }
        // A call targets a colon definition's entry or a DOES> body.
        let callee = self
            .dict
            .words
            .iter()
            .rposition(|w| w.cfa == to && matches!(w.kind, Kind::Colon));
        if let Some(xt) = callee {
            return Ok(self.word_effect(xt as u32, busy));
        }
        let does = self
            .dict
            .words
            .iter()
            .rposition(|w| matches!(w.kind, Kind::Does(t) if t == to));
        if let Some(xt) = does {
            let end = self.dict.words[xt].end.max(to);
            let _ = end;
            let owner = self.owner_of(to);
            let end = owner.map_or(to, |o| self.dict.words[o as usize].end);
            return Ok(self
                .infer_range(to, end, NONE, None, busy)
                .ok()
                .map(|i| i.effect)
                .filter(|e| !e.dynamic));
        }
        Ok(None)
    }

    /// Infers a colon definition's effect (the body `cfa..end`).
    ///
    /// # Errors
    /// Branches with different depths, unbalanced return-stack use, loops
    /// that change the depth, inconsistent recursion.
    pub fn infer_word(&mut self, xt: u32) -> Result<Inferred, EffectError> {
        let declared = self.declared_effect(xt);
        let mut busy = vec![xt];
        self.infer_colon(xt, declared, &mut busy)
    }

    fn declared_effect(&self, xt: u32) -> Option<Effect> {
        self.dict
            .words
            .get(xt as usize)
            .and_then(|w| w.declared.as_deref())
            .and_then(Effect::parse)
            .filter(|e| !e.dynamic)
    }

    fn infer_colon(
        &mut self,
        xt: u32,
        declared: Option<Effect>,
        busy: &mut Vec<u32>,
    ) -> Result<Inferred, EffectError> {
        let w = &self.dict.words[xt as usize];
        let (start, end) = (w.cfa, w.end);
        let declared = declared.or_else(|| self.declared_effect(xt));
        let dynamic = |e: EffectError| -> Result<Inferred, EffectError> {
            if e.cause == Cause::Error {
                return Err(e);
            }
            Ok(Inferred {
                effect: Effect::dynamic(0),
                depths: Vec::new(),
                why: Some(e),
            })
        };
        let first = match self.infer_range(start, end, xt, declared, busy) {
            Ok(w) => w,
            Err(e) => return dynamic(e),
        };
        if declared.is_some() || !first.recursive {
            return Ok(first.into());
        }
        // Recursive without a declaration: re-run with the effect of the
        // non-recursive paths and insist on the same result.
        let guess = (!first.effect.dynamic).then_some(first.effect);
        let second = match self.infer_range(start, end, xt, guess, busy) {
            Ok(w) => w,
            Err(e) => return dynamic(e),
        };
        if second.effect.net() != first.effect.net() && !second.effect.dynamic {
            return dynamic(EffectError {
                cause: Cause::Branches,
                message: "recursive calls change the definition's stack effect".into(),
                pc: None,
                notes: vec![
                    format!("without recursion: {}", first.effect),
                    format!("with recursion:    {}", second.effect),
                ],
            });
        }
        Ok(second.into())
    }

    fn infer_range(
        &mut self,
        start: u32,
        end: u32,
        me: u32,
        guess: Option<Effect>,
        busy: &mut Vec<u32>,
    ) -> Result<Walk, EffectError> {
        let n = end.saturating_sub(start) as usize;
        let mut pending: Vec<Option<St>> = vec![None; n + 1];
        let mut seen: Vec<Option<St>> = vec![None; n + 1];
        let mut exit: Option<St> = None;
        let mut cur = Some(St {
            e: Effect::EMPTY,
            r: 0,
        });
        let mut recursive = false;
        let mut prev_lit: Option<i64> = None;
        let mut dynamic = false;
        for pc in start..end {
            let k = (pc - start) as usize;
            if let Some(inc) = pending[k].take() {
                cur = Some(match cur {
                    Some(c) => merge(c, inc, pc)?,
                    None => inc,
                });
                prev_lit = None;
            }
            let Some(st) = cur else {
                continue;
            };
            seen[k] = Some(st);
            let op = self.hot.code[pc as usize];
            let lit = match op {
                Op::Lit { v } => Some(v.0 as i64),
                Op::LitK { k } => self.hot.consts.get(k.0 as usize).copied(),
                _ => None,
            };
            let mut forward = |to: u32, s: St| -> Result<(), EffectError> {
                if to < start || to > end {
                    return Err(err("branch leaves the definition", pc));
                }
                let i = (to - start) as usize;
                if to <= pc {
                    let Some(head) = seen[i] else {
                        return Err(cause_err(
                            Cause::Unstructured,
                            "backward branch into code not reached yet",
                            pc,
                        ));
                    };
                    if head.depth() != s.depth() || head.r != s.r {
                        let mut e = cause_err(Cause::Loop, "loop body changes the stack depth", pc);
                        e.notes.push(format!("at the loop head: {}", head.e));
                        e.notes.push(format!("at the loop end:  {}", s.e));
                        return Err(e);
                    }
                    return Ok(());
                }
                pending[i] = Some(match pending[i] {
                    Some(p) => merge(p, s, to)?,
                    None => s,
                });
                Ok(())
            };
            let apply = |st: St, e: &Effect| -> Result<St, EffectError> {
                let r = st.r - e.r_in as i32;
                if r < 0 {
                    return Err(err("return stack underflow: R> without matching >R", pc));
                }
                Ok(St {
                    e: st.e.then(&e.with_r(0, 0)),
                    r: r + e.r_out as i32,
                })
            };
            let pop = |st: St, ins: &[u8]| St {
                e: st.e.then(&Effect::new(ins, &[])),
                r: st.r,
            };
            let step: Step = match op {
                Op::Call { to } | Op::TailCall { to } => {
                    match self.call_effect(to.0, me, guess, busy) {
                        Ok(Some(e)) => {
                            let s = apply(st, &e)?;
                            if matches!(op, Op::TailCall { .. }) {
                                exit = Some(match exit {
                                    Some(x) => merge(x, s, pc)?,
                                    None => s,
                                });
                                cur = None;
                                prev_lit = None;
                                continue;
                            }
                            Step::Next(s)
                        }
                        Ok(None) => Step::Dynamic,
                        Err(()) => {
                            recursive = true;
                            cur = None;
                            continue;
                        }
                    }
                }
                Op::Execute => match prev_lit {
                    Some(x) if x >= 0 && (x as usize) < self.dict.words.len() => {
                        match self.word_effect(x as u32, busy) {
                            Some(e) => Step::Next(apply(pop(st, &[XT]), &e)?),
                            None => Step::Dynamic,
                        }
                    }
                    _ => Step::Dynamic,
                },
                Op::Throw if prev_lit.is_some_and(|v| v != 0) => {
                    cur = None;
                    prev_lit = None;
                    continue;
                }
                Op::Exit | Op::Halt | Op::AddExit | Op::DropLitExit { .. } => {
                    let st = match op {
                        Op::AddExit => apply(st, &Effect::new(&[N, N], &[N]))?,
                        Op::DropLitExit { .. } => apply(st, &Effect::new(&[X], &[N]))?,
                        _ => st,
                    };
                    if st.r != 0 {
                        return Err(err(
                            format!("return stack not balanced at EXIT ({} cells left)", st.r),
                            pc,
                        ));
                    }
                    exit = Some(match exit {
                        Some(x) => merge(x, st, pc)?,
                        None => st,
                    });
                    cur = None;
                    prev_lit = None;
                    continue;
                }
                Op::Branch { to } => {
                    forward(to.0, st)?;
                    cur = None;
                    prev_lit = None;
                    continue;
                }
                Op::ICFetchZBr { to } | Op::ITwoGtBranch { to } => {
                    if st.r < 1 {
                        return Err(err("I outside a DO loop", pc));
                    }
                    forward(to.0, st)?;
                    Step::Next(st)
                }
                Op::ZBranch { to } | Op::NzBranch { to } => {
                    let s = pop(st, &[X]);
                    forward(to.0, s)?;
                    Step::Next(s)
                }
                Op::LitLtBranch { to, .. }
                | Op::LitGtBranch { to, .. }
                | Op::LitEqBranch { to, .. } => {
                    let s = pop(st, &[N]);
                    forward(to.0, s)?;
                    Step::Next(s)
                }
                Op::EqBranch { to }
                | Op::NeBranch { to }
                | Op::LtBranch { to }
                | Op::GtBranch { to }
                | Op::ULtBranch { to } => {
                    let s = pop(st, &[N, N]);
                    forward(to.0, s)?;
                    Step::Next(s)
                }
                Op::DupZBranch { to } | Op::DupLitLtBr { to, .. } => {
                    let ty = if matches!(op, Op::DupZBranch { .. }) {
                        X
                    } else {
                        N
                    };
                    let s = apply(st, &Effect::new(&[ty], &[ty]))?;
                    forward(to.0, s)?;
                    Step::Next(s)
                }
                Op::Do => Step::Next(apply(st, &Effect::new(&[N, N], &[]).with_r(0, 2))?),
                Op::QDo { to } => {
                    let s = pop(st, &[N, N]);
                    forward(to.0, s)?;
                    Step::Next(St { e: s.e, r: s.r + 2 })
                }
                Op::Loop { to }
                | Op::AddLitLoop { to, .. }
                | Op::PlusLoop { to }
                | Op::PlusLoopLit { to, .. }
                | Op::DupPlusLoop { to } => {
                    let s = if matches!(op, Op::AddLitLoop { .. }) {
                        apply(st, &Effect::new(&[N], &[N]))?
                    } else {
                        st
                    };
                    let s = if matches!(op, Op::PlusLoop { .. }) {
                        pop(s, &[N])
                    } else {
                        s
                    };
                    forward(to.0, s)?;
                    if s.r < 2 {
                        return Err(err("LOOP without loop parameters", pc));
                    }
                    Step::Next(St { e: s.e, r: s.r - 2 })
                }
                Op::Leave { to } => {
                    if st.r < 2 {
                        return Err(err("LEAVE without loop parameters", pc));
                    }
                    forward(
                        to.0,
                        St {
                            e: st.e,
                            r: st.r - 2,
                        },
                    )?;
                    cur = None;
                    prev_lit = None;
                    continue;
                }
                Op::Unloop => {
                    if st.r < 2 {
                        return Err(err("UNLOOP without loop parameters", pc));
                    }
                    Step::Next(St {
                        e: st.e,
                        r: st.r - 2,
                    })
                }
                Op::I
                | Op::IAdd
                | Op::IFetch
                | Op::ICFetch
                | Op::IStore
                | Op::ICStore
                | Op::ITwoFetch
                | Op::ITwoStore
                | Op::ICStoreLit { .. }
                | Op::ISwap2
                    if st.r < 1 =>
                {
                    return Err(err("I outside a DO loop", pc));
                }
                _ => match op_effect(op) {
                    Some(e) if !e.dynamic => Step::Next(apply(st, &e)?),
                    _ => Step::Dynamic,
                },
            };
            match step {
                Step::Next(s) => cur = Some(s),
                Step::Dynamic => {
                    dynamic = true;
                    break;
                }
            }
            prev_lit = lit;
        }
        let depths: Vec<Option<i32>> = seen[..n]
            .iter()
            .map(|s| if dynamic { None } else { s.map(|s| s.depth()) })
            .collect();
        if dynamic {
            let consumed = exit.map_or(0, |s| s.e.n_in());
            return Ok(Walk {
                effect: Effect::dynamic(consumed),
                depths,
                recursive,
            });
        }
        let effect = match exit {
            Some(s) => s.e,
            None => Effect::dynamic(0),
        };
        Ok(Walk {
            effect,
            depths,
            recursive,
        })
    }

    /// Check mode: infers a finished colon definition, compares it with
    /// its stack comment and records a report.
    ///
    /// Errors: a declared effect that the inferred one contradicts, paths
    /// with different depths in a definition that declares a fixed effect,
    /// return-stack imbalance. Effects that depend on data (data-dependent
    /// words, loops that change the depth, unbalanced branches without a
    /// declaration) are reported as dynamic, not rejected — unless
    /// `Options::check_strict`.
    pub(crate) fn check_definition(&mut self, xt: u32, def: &Definition) {
        if let Some((c, _)) = &def.comment {
            self.dict.words[xt as usize].declared = Some(c.clone());
        }
        let declared = def
            .comment
            .as_ref()
            .and_then(|(c, _)| Effect::parse(c))
            .filter(|d| !d.dynamic);
        let name = match &self.dict.words[xt as usize].name {
            n if n.is_empty() => ":NONAME".to_string(),
            n => n.to_string(),
        };
        let loc = self.dict.words[xt as usize].loc;
        let result = self.infer_word(xt);
        let mut report = CheckReport {
            word: name,
            loc,
            declared: def
                .comment
                .as_ref()
                .map(|(c, _)| format!("( {} )", c.trim())),
            inferred: None,
            error: None,
            notes: Vec::new(),
        };
        let strict = self.options.check_strict;
        let usable;
        let mut at_pc = None;
        match result {
            Ok(inf) => {
                report.inferred = Some(inf.effect.to_string());
                match inf.why {
                    Some(why) if (why.cause == Cause::Branches && declared.is_some()) || strict => {
                        report.error = Some(why.message);
                        report.notes = why.notes;
                        if let Some(d) = &report.declared {
                            report.notes.push(format!("declared {d}"));
                        }
                        at_pc = why.pc;
                        usable = declared;
                    }
                    Some(why) => {
                        report.notes.push(format!("dynamic: {}", why.message));
                        usable = declared;
                    }
                    None => match declared {
                        Some(d) if !d.admits(&inf.effect) => {
                            report.error = Some("stack effect declaration is wrong".into());
                            report.notes = vec![
                                format!("declared {}", report.declared.clone().unwrap_or_default()),
                                format!("inferred {}", inf.effect),
                            ];
                            usable = Some(d);
                        }
                        Some(d) if inf.effect.dynamic => usable = Some(d),
                        _ => usable = Some(inf.effect),
                    },
                }
            }
            Err(e) => {
                at_pc = e.pc;
                report.error = Some(e.message);
                report.notes = e.notes;
                usable = declared;
            }
        }
        if let Some(pc) = at_pc
            && let Some(&l) = self.locs.get(pc as usize)
            && l.text != NONE
        {
            report.loc = l;
        }
        let w = &mut self.dict.words[xt as usize];
        w.effect = usable.filter(|e| !e.dynamic);
        w.flags |= crate::words::INFERRED;
        self.reports.push(report);
    }

    /// Renders a check report as a diagnostic (errors) or an info line.
    pub fn render_report(&self, r: &CheckReport) -> String {
        match &r.error {
            Some(msg) => self.render_at(r.loc, &format!("{msg} for '{}'", r.word), &r.notes),
            None => {
                let at = self
                    .describe_loc(r.loc)
                    .unwrap_or_else(|| "<unknown>".into());
                let mut line = format!(
                    "{at}: {} {}",
                    r.word,
                    r.inferred.as_deref().unwrap_or("( ? )")
                );
                for n in &r.notes {
                    line.push_str(&format!("  ({n})"));
                }
                line.push('\n');
                line
            }
        }
    }

    /// The location of a word's definition.
    pub fn word_loc(&self, xt: u32) -> Loc {
        self.dict
            .words
            .get(xt as usize)
            .map_or(Loc::NONE, |w| w.loc)
    }
}

struct Walk {
    effect: Effect,
    depths: Vec<Option<i32>>,
    recursive: bool,
}

impl From<Walk> for Inferred {
    fn from(w: Walk) -> Inferred {
        Inferred {
            effect: w.effect,
            depths: w.depths,
            why: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every built-in name, plus numbers and unknown words.
    fn vocabulary() -> Vec<String> {
        let mut v: Vec<String> = OP_WORDS
            .iter()
            .map(|w| w.0.to_string())
            .chain(SysWord::ALL.iter().map(|w| w.name().to_string()))
            .collect();
        v.extend(["1", "-7", "$ff", "'a'", "0", "1.", "frob", "dupe"].map(String::from));
        v
    }

    /// The reference: each token's effect composed with the slice-based
    /// [`Composer`], or folded pairwise with [`Effect::then`].
    fn reference(words: &str, fold: bool) -> Result<Effect, EffectError> {
        let table = builtin_effects();
        let mut c = Composer::new();
        let mut e = Effect::EMPTY;
        for tok in words.split_ascii_whitespace() {
            let x = token_entry(table, tok.as_bytes(), pack(tok.as_bytes()))
                .ok_or_else(|| unknown_word(tok.as_bytes()))?;
            c.push(&x.effect);
            e = e.then(&x.effect);
        }
        Ok(if fold || c.overflowed() {
            e
        } else {
            c.finish()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The packed fast path, the slice composer and the pairwise fold
        /// agree on every sequence of built-in words (any case, any
        /// blanks).
        #[test]
        fn fast_path_matches_reference(
            picks in proptest::collection::vec((0usize..10_000, 0u8..4, 0u8..6), 0..24)
        ) {
            let vocab = vocabulary();
            let mut text = String::new();
            for &(i, case, blank) in &picks {
                let w = &vocab[i % vocab.len()];
                text.push_str(&match case {
                    0 => w.to_ascii_lowercase(),
                    1 => w.to_ascii_uppercase(),
                    _ => w.clone(),
                });
                text.push_str(["  ", " ", "\t", "\n", "\r\n", " \x0C "][blank as usize]);
            }
            let fast = infer(&text);
            prop_assert_eq!(&fast, &reference(&text, false), "{}", text);
            // The fold gives up (a dynamic effect) when a step passes 16
            // items, the composers only past 32 in the middle of a
            // sequence; elsewhere all three agree.
            if let (Ok(a), Ok(b)) = (&fast, &reference(&text, true))
                && !a.dynamic
                && !b.dynamic
            {
                prop_assert_eq!(a, b, "{}", text);
            }
        }

        /// The tokenizer cuts exactly where `split_ascii_whitespace` does,
        /// and its keys are [`pack`]'s, on any bytes (control characters,
        /// NUL, UTF-8).
        #[test]
        fn tokens_match_split(text in "[ a-zA-Z0-9+*\\-\t\n\r\x00-\x1f\x0b\x0c\u{e9}\u{2014}]{0,40}") {
            let ours: Vec<(&[u8], Option<u64>)> = tokens(&text).collect();
            let want: Vec<(&[u8], Option<u64>)> = text
                .split_ascii_whitespace()
                .map(|t| (t.as_bytes(), pack(t.as_bytes())))
                .collect();
            prop_assert_eq!(ours, want);
        }
    }

    #[test]
    fn fast_path_edges() {
        // Past the packed path's 8 items, and non-linear effects: same
        // answers through the general composer.
        let deep = "1 2 3 4 5 6 7 8 9 10 + + + + + + + + +";
        assert_eq!(infer(deep).unwrap().to_string(), "( -- n )");
        assert_eq!(infer(deep).unwrap(), reference(deep, false).unwrap());
        let wide = "2swap 2swap 2over 2over 2drop 2drop 2drop 2drop";
        assert_eq!(infer(wide).unwrap(), reference(wide, false).unwrap());
        assert_eq!(infer("DUP\t*").unwrap().to_string(), "( n -- n )");
        assert!(infer("dup\0 *").is_err());
        assert_eq!(infer("").unwrap(), Effect::EMPTY);
        assert_eq!(infer(" \n ").unwrap(), Effect::EMPTY);
        let e = infer("swap frob").unwrap_err();
        assert_eq!(e.message, "unknown word 'frob'");
        let long = "dup ".repeat(40) + &"drop ".repeat(40);
        assert_eq!(infer(&long).unwrap(), reference(&long, false).unwrap());
    }

    #[test]
    fn snippets() {
        assert_eq!(infer("dup *").unwrap().to_string(), "( n -- n )");
        assert_eq!(infer("swap drop").unwrap().to_string(), "( x x1 -- x1 )");
        assert_eq!(infer("2 +").unwrap().to_string(), "( n -- n )");
        assert_eq!(infer("over over").unwrap().n_out(), 4);
        assert!(infer("?dup").unwrap().dynamic);
        assert!(infer("frob").is_err());
        assert!(verify_str("dup *", "( n -- n )").is_ok());
        let e = verify_str("dup", "( n -- )").unwrap_err();
        assert_eq!(e.notes, ["declared ( n -- )", "inferred ( x1 -- x1 x1 )"]);
        let a = infer("dup").unwrap();
        let b = infer("*").unwrap();
        assert_eq!(compose(&a, &b), infer("dup *").unwrap());
        assert_eq!(
            infer(">r r>").unwrap().to_string(),
            infer("")
                .unwrap()
                .then(&infer(">r r>").unwrap())
                .to_string()
        );
    }
}
