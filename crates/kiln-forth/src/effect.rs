//! Stack effects: `( in -- out )` with light typing, parsing from standard
//! notation (Forth 2012 §2.2.2, §3.1 data types), composition with
//! unification, display, and the declared-vs-inferred rule.
//!
//! An [`Effect`] is a fixed-size `Copy` value (no allocation): up to
//! [`MAX_ITEMS`] typed input and output cells, return-stack counts, and a
//! `dynamic` mark for effects that depend on data (`?DUP`, `PICK`, `EXECUTE`
//! of an unknown xt) — those get a row variable (`..a`) instead of a count.
//! Items are concrete kinds (`n`, `u`, `flag`, `char`, `addr`, `xt`, `d`,
//! `x`) or type variables, so `dup` is `( x1 -- x1 x1 )` and `dup *`
//! composes to `( n -- n )`. Types are shown, never enforced: only depths
//! decide whether a declaration is wrong.

use std::fmt;

/// Most cells an effect tracks on either side.
pub const MAX_ITEMS: usize = 16;

/// A stack item: a concrete kind (below [`VAR0`]) or a type variable.
pub type Ty = u8;

/// Any cell.
pub const X: Ty = 0;
/// A signed number.
pub const N: Ty = 1;
/// An unsigned number.
pub const U: Ty = 2;
/// A flag.
pub const FLAG: Ty = 3;
/// A character.
pub const CHAR: Ty = 4;
/// An address.
pub const ADDR: Ty = 5;
/// An execution token.
pub const XT: Ty = 6;
/// The low cell of a double.
pub const DLO: Ty = 7;
/// The high cell of a double.
pub const DHI: Ty = 8;
/// First type-variable number.
pub const VAR0: Ty = 32;

const KIND_NAMES: [&str; 9] = ["x", "n", "u", "flag", "char", "addr", "xt", "d", "d"];

/// A stack effect.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C, align(8))]
pub struct Effect {
    ins: [Ty; MAX_ITEMS],
    outs: [Ty; MAX_ITEMS],
    n_in: u8,
    n_out: u8,
    /// Return-stack cells consumed.
    pub r_in: u8,
    /// Return-stack cells produced.
    pub r_out: u8,
    /// The depth after the effect depends on data (a row variable).
    pub dynamic: bool,
    /// Number of distinct type variables (they are `VAR0..VAR0 + n_vars`).
    n_vars: u8,
}

impl Default for Effect {
    fn default() -> Self {
        Effect::EMPTY
    }
}

impl Effect {
    /// `( -- )`.
    pub const EMPTY: Effect = Effect {
        ins: [X; MAX_ITEMS],
        outs: [X; MAX_ITEMS],
        n_in: 0,
        n_out: 0,
        r_in: 0,
        r_out: 0,
        dynamic: false,
        n_vars: 0,
    };

    /// An effect with the given typed inputs and outputs (deepest first).
    /// Items past [`MAX_ITEMS`] make it dynamic.
    pub fn new(ins: &[Ty], outs: &[Ty]) -> Effect {
        let mut e = Effect::EMPTY;
        let (ni, no) = (ins.len().min(MAX_ITEMS), outs.len().min(MAX_ITEMS));
        e.ins[..ni].copy_from_slice(&ins[..ni]);
        e.outs[..no].copy_from_slice(&outs[..no]);
        e.n_in = ni as u8;
        e.n_out = no as u8;
        e.dynamic = ins.len() > MAX_ITEMS || outs.len() > MAX_ITEMS;
        e.normalize();
        e
    }

    /// `( x1 … xn -- y1 … ym )` with untyped cells.
    pub fn counts(n_in: usize, n_out: usize) -> Effect {
        let mut e = Effect::EMPTY;
        e.n_in = n_in.min(MAX_ITEMS) as u8;
        e.n_out = n_out.min(MAX_ITEMS) as u8;
        e.dynamic = n_in > MAX_ITEMS || n_out > MAX_ITEMS;
        e
    }

    /// A dynamic effect that consumes at least `n_in` cells.
    pub fn dynamic(n_in: usize) -> Effect {
        let mut e = Effect::counts(n_in, 0);
        e.dynamic = true;
        e
    }

    /// The same effect with return-stack counts.
    pub fn with_r(mut self, r_in: u8, r_out: u8) -> Effect {
        self.r_in = r_in;
        self.r_out = r_out;
        self
    }

    /// Input items, deepest first.
    pub fn inputs(&self) -> &[Ty] {
        &self.ins[..self.n_in as usize]
    }

    /// Output items, deepest first.
    pub fn outputs(&self) -> &[Ty] {
        &self.outs[..self.n_out as usize]
    }

    /// Number of input cells.
    pub fn n_in(&self) -> usize {
        self.n_in as usize
    }

    /// Number of output cells.
    pub fn n_out(&self) -> usize {
        self.n_out as usize
    }

    /// Net change of the data-stack depth.
    pub fn net(&self) -> i32 {
        self.n_out as i32 - self.n_in as i32
    }

    /// Net change of the return-stack depth.
    pub fn r_net(&self) -> i32 {
        self.r_out as i32 - self.r_in as i32
    }

    /// `self` followed by `next` (Factor's composition): the inputs `next`
    /// needs beyond `self`'s outputs become extra inputs; items are unified
    /// pairwise so shared type variables take the kinds they meet. No
    /// allocation: a few dozen bytes of arrays on the stack.
    pub fn then(&self, next: &Effect) -> Effect {
        if self.is_identity() {
            return *next;
        }
        if next.is_identity() {
            return *self;
        }
        let mut subst = Subst::new();
        // Normalized effects number their variables below 32, so `next`'s
        // are moved to 32.. to keep them apart from `self`'s.
        let shift = |t: Ty| if t >= VAR0 { t.saturating_add(32) } else { t };
        let need = next.n_in as usize;
        let have = self.n_out as usize;
        let extra = need.saturating_sub(have);
        if self.n_in as usize + extra > MAX_ITEMS
            || have.saturating_sub(need) + next.n_out as usize > MAX_ITEMS
        {
            let mut e = Effect::counts(
                self.n_in as usize + extra,
                (have + extra - need + next.n_out as usize).min(MAX_ITEMS),
            );
            e.dynamic = true;
            return e;
        }
        let mut e = Effect::EMPTY;
        let mut stack = [X; 2 * MAX_ITEMS];
        for ((d, s), &t) in e.ins[..extra]
            .iter_mut()
            .zip(&mut stack[..extra])
            .zip(&next.ins[..extra])
        {
            *d = shift(t);
            *s = *d;
        }
        let n_in = extra + self.n_in as usize;
        e.ins[extra..n_in].copy_from_slice(self.inputs());
        stack[extra..extra + have].copy_from_slice(self.outputs());
        let mut sp = extra + have;
        for k in (0..need).rev() {
            sp -= 1;
            subst.unify(stack[sp], shift(next.ins[k]));
        }
        for &t in next.outputs() {
            stack[sp] = shift(t);
            sp += 1;
        }
        e.n_in = n_in as u8;
        e.n_out = sp as u8;
        for t in &mut e.ins[..n_in] {
            *t = subst.resolve(*t);
        }
        for (d, &t) in e.outs[..sp].iter_mut().zip(&stack[..sp]) {
            *d = subst.resolve(t);
        }
        let r_extra = next.r_in.saturating_sub(self.r_out);
        e.r_in = self.r_in.saturating_add(r_extra);
        e.r_out = (self.r_out + r_extra - next.r_in).saturating_add(next.r_out);
        e.dynamic = self.dynamic || next.dynamic;
        e.normalize();
        e
    }

    /// `( -- )` with nothing on the return stack and not dynamic.
    fn is_identity(&self) -> bool {
        self.n_in == 0 && self.n_out == 0 && self.r_in == 0 && self.r_out == 0 && !self.dynamic
    }

    /// The number of distinct type variables (every constructor leaves an
    /// effect normalized: its variables are `VAR0..VAR0 + n_vars`).
    fn var_count(&self) -> u8 {
        self.n_vars
    }

    /// Renumbers type variables by first appearance (so equal effects compare equal).
    fn normalize(&mut self) {
        let mut map = [0u8; Subst::VARS];
        let mut next = VAR0;
        let n_in = self.n_in as usize;
        let n_out = self.n_out as usize;
        for t in self.ins[..n_in]
            .iter_mut()
            .chain(self.outs[..n_out].iter_mut())
        {
            if *t >= VAR0 {
                let i = (*t - VAR0) as usize % Subst::VARS;
                if map[i] == 0 {
                    map[i] = next;
                    next = next.saturating_add(1);
                }
                *t = map[i];
            }
        }
        self.n_vars = next - VAR0;
    }

    /// Widens `self` with `k` pass-through cells at the bottom (for merging paths).
    pub fn widen(&self, k: usize) -> Effect {
        if k == 0 {
            return *self;
        }
        if self.n_in as usize + k > MAX_ITEMS || self.n_out as usize + k > MAX_ITEMS {
            let mut e = Effect::counts(self.n_in as usize + k, self.n_out as usize + k);
            e.dynamic = true;
            e.r_in = self.r_in;
            e.r_out = self.r_out;
            return e;
        }
        let mut e = *self;
        let base = self.var_count();
        e.ins = [X; MAX_ITEMS];
        e.outs = [X; MAX_ITEMS];
        for j in 0..k {
            e.ins[j] = VAR0.saturating_add(base + j as u8);
            e.outs[j] = e.ins[j];
        }
        e.ins[k..k + self.n_in as usize].copy_from_slice(self.inputs());
        e.outs[k..k + self.n_out as usize].copy_from_slice(self.outputs());
        e.n_in += k as u8;
        e.n_out += k as u8;
        e.normalize();
        e
    }

    /// Parses standard notation: `( n1 n2 -- n3 )`, optionally followed by
    /// `( R: x -- )`. Names decide kinds (`n`, `u`, `flag`, `char`,
    /// `c-addr`/`a-addr`/`addr`, `xt`, `d`/`ud` = two cells, anything else a
    /// cell); a name used twice is one type variable. Alternatives (`|`)
    /// with different depths, `i*x`-style and `...` items make the effect
    /// dynamic; quoted parse items (`"name"`) are skipped.
    ///
    /// # Errors
    /// `None` when the text has no `--`.
    pub fn parse(text: &str) -> Option<Effect> {
        let (data, rs) = split_groups(text);
        let mut e = parse_group(data?)?;
        if let Some(r) = rs
            && let Some((a, b)) = r.split_once("--")
        {
            e.r_in = count_items(a) as u8;
            e.r_out = count_items(b) as u8;
        }
        Some(e)
    }

    /// True when a declaration `self` is compatible with the inferred
    /// `inferred`: same net depth change and at least as many inputs (a
    /// declaration may name cells the code passes through untouched).
    /// Dynamic effects always match.
    pub fn admits(&self, inferred: &Effect) -> bool {
        if self.dynamic || inferred.dynamic {
            return true;
        }
        self.net() == inferred.net() && self.n_in >= inferred.n_in
    }
}

fn split_groups(text: &str) -> (Option<&str>, Option<&str>) {
    let mut data = None;
    let mut rs = None;
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let close = after.find(')').unwrap_or(after.len());
        let inner = after[..close].trim();
        if let Some(r) = inner.strip_prefix("R:") {
            rs = Some(r);
        } else if inner.starts_with("C:") || inner.starts_with("F:") {
        } else if data.is_none() {
            data = Some(inner.strip_prefix("S:").unwrap_or(inner));
        }
        rest = &after[close.min(after.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1.min(rest.len())..];
    }
    if data.is_none() && !text.contains('(') {
        data = Some(text);
    }
    (data, rs)
}

fn count_items(s: &str) -> usize {
    s.split_whitespace()
        .filter(|t| !t.starts_with('"'))
        .map(cells_of)
        .sum()
}

fn cells_of(name: &str) -> usize {
    if is_double(name) { 2 } else { 1 }
}

/// The name without a leading sign and trailing digits or primes (`+n1` → `n`).
fn base_name(name: &str) -> &str {
    name.trim_start_matches(['+', '-'])
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '\'')
}

fn is_double(name: &str) -> bool {
    let b = base_name(name);
    ["d", "ud", "xd", "dx"]
        .iter()
        .any(|d| b.eq_ignore_ascii_case(d))
}

fn kind_of(name: &str) -> Ty {
    let b = base_name(name);
    let is = |names: &[&str]| names.iter().any(|n| b.eq_ignore_ascii_case(n));
    if is(&[
        "n", "len", "count", "ior", "wid", "fileid", "fam", "nt", "blk",
    ]) {
        N
    } else if is(&["u"]) {
        U
    } else if is(&["flag", "f", "true", "false"]) {
        FLAG
    } else if is(&["char", "c", "ch"]) {
        CHAR
    } else if is(&["addr", "a-addr", "c-addr", "a", "adr", "ptr"]) {
        ADDR
    } else if is(&["xt"]) {
        XT
    } else {
        X
    }
}

fn is_variadic(tok: &str) -> bool {
    tok.contains('*')
        || tok.contains("..")
        || tok.contains(',')
        || tok == "?"
        || tok == "xu"
        || tok == "xn"
        || tok.ends_with("*x")
}

/// Up to 32 whitespace-separated stack items of one side (quoted parse
/// items skipped); `None` past 32.
fn items(s: &str) -> Option<([&str; 32], usize)> {
    let mut out = [""; 32];
    let mut n = 0;
    for t in s.split_whitespace() {
        if t.starts_with('"') || t.ends_with('"') {
            continue;
        }
        *out.get_mut(n)? = t;
        n += 1;
    }
    Some((out, n))
}

fn depth_of(items: &[&str]) -> usize {
    items.iter().map(|t| cells_of(t)).sum()
}

fn parse_group(g: &str) -> Option<Effect> {
    let (lhs, rhs) = g.split_once("--")?;
    let mut lhs_alts = lhs.split('|');
    let lhs0 = lhs_alts.next().unwrap_or("");
    let mut dynamic = lhs_alts.next().is_some();
    let mut alts = rhs.split('|');
    let (ins, n_ins) = items(lhs0)?;
    let (outs, n_outs) = items(alts.next().unwrap_or(""))?;
    let (ins, outs) = (&ins[..n_ins], &outs[..n_outs]);
    let d0 = depth_of(outs);
    for a in alts {
        let (o, k) = items(a)?;
        if depth_of(&o[..k]) != d0 {
            dynamic = true;
        }
    }
    if ins.iter().chain(outs).any(|t| is_variadic(t)) {
        dynamic = true;
    }
    if dynamic {
        // Variadic items count for nothing; the effect keeps the fixed part.
        let mut e = Effect::EMPTY;
        let mut k = 0;
        for t in ins.iter().filter(|t| !is_variadic(t)) {
            for _ in 0..cells_of(t) {
                if k < MAX_ITEMS {
                    e.ins[k] = kind_of(t);
                    k += 1;
                }
            }
        }
        e.n_in = k as u8;
        e.dynamic = true;
        return Some(e);
    }
    // A name used twice (usually once on each side) is one type variable.
    let all = |i: usize| {
        if i < ins.len() {
            ins[i]
        } else {
            outs[i - ins.len()]
        }
    };
    let total = ins.len() + outs.len();
    let shared = |t: &str| (0..total).filter(|&i| all(i) == t).count() > 1;
    // Type variables are numbered by the first position of their name.
    let mut names = [0usize; 32];
    let mut n_names = 0;
    let mut ty_of = |pos: usize, half: usize| -> Ty {
        let t = all(pos);
        if is_double(t) {
            return if half == 0 { DLO } else { DHI };
        }
        if !shared(t) {
            return kind_of(t);
        }
        let idx = match names[..n_names].iter().position(|&i| all(i) == t) {
            Some(i) => i,
            None => {
                names[n_names.min(31)] = pos;
                n_names = (n_names + 1).min(32);
                n_names - 1
            }
        };
        VAR0 + idx as u8
    };
    let mut e = Effect::EMPTY;
    let mut k = 0;
    for (pos, t) in ins.iter().enumerate() {
        for h in 0..cells_of(t) {
            if k >= MAX_ITEMS {
                return Some(Effect::counts(depth_of(ins), d0));
            }
            e.ins[k] = ty_of(pos, h);
            k += 1;
        }
    }
    e.n_in = k as u8;
    let mut k = 0;
    for (pos, t) in outs.iter().enumerate() {
        for h in 0..cells_of(t) {
            if k >= MAX_ITEMS {
                return Some(Effect::counts(depth_of(ins), d0));
            }
            e.outs[k] = ty_of(ins.len() + pos, h);
            k += 1;
        }
    }
    e.n_out = k as u8;
    e.normalize();
    Some(e)
}

/// Composes a sequence of effects in one pass: a symbolic stack whose
/// items are always fully resolved (binding a type variable rewrites its
/// few occurrences in place, so there is no substitution chain to follow),
/// one normalization at the end — cheaper than folding [`Effect::then`]
/// pairwise, and the same result (a property test checks it). About ten
/// instructions per stack item moved; no allocation.
pub struct Composer {
    /// Inputs, deepest first, in `ins[ins_lo..MAX_ITEMS]` (later words'
    /// extra inputs are deeper, so they are prepended).
    ins: [Ty; MAX_ITEMS],
    ins_lo: usize,
    /// The items the sequence leaves so far, `stack[..hi]`, deepest first.
    stack: [Ty; 3 * MAX_ITEMS],
    hi: usize,
    /// The next fresh type variable.
    next_var: Ty,
    r_in: u8,
    r: u8,
    dynamic: bool,
    overflow: bool,
}

impl Default for Composer {
    fn default() -> Self {
        Composer::new()
    }
}

/// An unbound local variable of the effect being pushed.
const UNSET: Ty = 0xFF;

/// What each variable of the effect being pushed is bound to.
type Locals = [Ty; 2 * MAX_ITEMS];

impl Composer {
    /// An empty sequence, `( -- )`.
    #[inline]
    pub fn new() -> Composer {
        Composer {
            ins: [X; MAX_ITEMS],
            ins_lo: MAX_ITEMS,
            stack: [X; 3 * MAX_ITEMS],
            hi: 0,
            next_var: VAR0,
            r_in: 0,
            r: 0,
            dynamic: false,
            overflow: false,
        }
    }

    /// Replaces type variable `v` by `t` everywhere it occurs (the
    /// sequence's inputs and stack, and the bindings of the effect being
    /// pushed). Out of line: the hot loop stays small.
    #[inline(never)]
    fn subst(&mut self, v: Ty, t: Ty, local: &mut [Ty]) {
        fn replace(items: &mut [Ty], v: Ty, t: Ty) {
            for x in items {
                if *x == v {
                    *x = t;
                }
            }
        }
        replace(&mut self.ins[self.ins_lo..], v, t);
        replace(&mut self.stack[..self.hi], v, t);
        replace(local, v, t);
    }

    /// Appends `e` to the sequence.
    #[inline]
    pub fn push(&mut self, e: &Effect) {
        self.dynamic |= e.dynamic;
        if e.r_in | e.r_out != 0 {
            let r_extra = e.r_in.saturating_sub(self.r);
            self.r_in = self.r_in.saturating_add(r_extra);
            self.r = (self.r + r_extra - e.r_in).saturating_add(e.r_out);
        }
        let need = e.n_in as usize;
        let n_out = e.n_out as usize;
        let nv = e.n_vars as usize;
        // Fast paths: the stack holds all of `e`'s inputs, the 16-byte
        // block copies stay inside `stack`, and `e` is all kinds or takes
        // distinct variables (a normalized effect's inputs are distinct
        // variables exactly when the last is variable number `need - 1`).
        if need <= self.hi
            && self.hi + MAX_ITEMS <= self.stack.len()
            && self.hi - need + n_out <= 2 * MAX_ITEMS + (MAX_ITEMS - self.ins_lo)
            && self.next_var as usize + nv < UNSET as usize
        {
            let base = self.hi - need;
            if nv == 0 {
                // `( n n -- n )`: variables met on the stack take the kinds
                // (topmost first, as in the general path).
                for k in (0..need).rev() {
                    let s = self.stack[base + k];
                    if s >= VAR0 {
                        self.subst(s, e.ins[k], &mut []);
                    }
                }
                self.stack[base..base + MAX_ITEMS].copy_from_slice(&e.outs);
                self.hi = base + n_out;
                return;
            }
            if need == 0 || e.ins[need - 1] == VAR0 + need as Ty - 1 {
                // A shuffle such as `( x1 x2 -- x2 x1 )`: the variables
                // bind to the stack items they meet.
                let mut locals: Locals = [UNSET; 2 * MAX_ITEMS];
                locals[..MAX_ITEMS].copy_from_slice(&self.stack[base..base + MAX_ITEMS]);
                locals[need..].fill(UNSET);
                let local = &mut locals[..nv.min(2 * MAX_ITEMS)];
                for k in 0..n_out {
                    let t = self.item(e.outs[k], local);
                    self.stack[base + k] = t;
                }
                self.hi = base + n_out;
                return;
            }
        }
        self.push_general(e);
    }

    /// [`Composer::push`] for any effect (inputs below the stack, repeated
    /// variables, overflow); the return-stack counts are done.
    fn push_general(&mut self, e: &Effect) {
        let need = e.n_in as usize;
        let popped = need.min(self.hi);
        let extra = need - popped;
        // `e` is normalized: its variables are `VAR0..VAR0 + n_vars`.
        if self.next_var as usize + e.var_count() as usize >= UNSET as usize
            || extra > self.ins_lo
            || self.hi - popped + e.n_out as usize > 2 * MAX_ITEMS + (self.ins_lo - extra)
        {
            self.overflow = true;
            return;
        }
        let mut locals: Locals = [UNSET; 2 * MAX_ITEMS];
        let local = &mut locals[..(e.n_vars as usize).min(2 * MAX_ITEMS)];
        // Pop from the top, matching `e`'s inputs from the last down.
        for k in (extra..need).rev() {
            self.hi -= 1;
            let s = self.stack[self.hi];
            let t = e.ins[k];
            if t < VAR0 {
                // A variable meets a kind; two kinds stay as they are
                // (types are shown, never enforced).
                if s >= VAR0 {
                    self.subst(s, t, local);
                }
                continue;
            }
            let j = (t - VAR0) as usize;
            let Some(&l) = local.get(j) else { continue };
            if l == UNSET {
                local[j] = s;
            } else if l != s {
                // `e` uses one variable twice: unify what met it.
                if l >= VAR0 {
                    self.subst(l, s, local);
                } else if s >= VAR0 {
                    self.subst(s, l, local);
                }
            }
        }
        // Inputs below everything so far become inputs of the sequence.
        for k in (0..extra).rev() {
            let t = self.item(e.ins[k], local);
            self.ins_lo -= 1;
            self.ins[self.ins_lo] = t;
        }
        for &t in e.outputs() {
            let t = self.item(t, local);
            self.stack[self.hi] = t;
            self.hi += 1;
        }
    }

    /// The item for `e`'s item `t`: a concrete kind, or the item bound to
    /// `e`'s local variable (a fresh variable on first use).
    #[inline(always)]
    fn item(&mut self, t: Ty, local: &mut [Ty]) -> Ty {
        if t < VAR0 {
            return t;
        }
        // Not normalized (cannot happen): an unrelated cell.
        let Some(l) = local.get_mut((t - VAR0) as usize) else {
            return X;
        };
        if *l == UNSET {
            *l = self.next_var;
            self.next_var += 1;
        }
        *l
    }

    /// The effect of the whole sequence.
    pub fn finish(&self) -> Effect {
        let n_in = MAX_ITEMS - self.ins_lo;
        let n_out = self.hi;
        if self.overflow || n_out > MAX_ITEMS {
            let mut e = Effect::counts(n_in, n_out);
            e.dynamic = true;
            return e;
        }
        let mut e = Effect::EMPTY;
        e.ins[..n_in].copy_from_slice(&self.ins[self.ins_lo..]);
        e.outs[..n_out].copy_from_slice(&self.stack[..n_out]);
        e.n_in = n_in as u8;
        e.n_out = n_out as u8;
        e.r_in = self.r_in;
        e.r_out = self.r;
        e.dynamic = self.dynamic;
        renumber(&mut e);
        e
    }

    /// True when the sequence outgrew the composer's tables (then fold
    /// with [`Effect::then`] instead).
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
}

/// Renumbers the type variables of `e` (any numbers `VAR0..=254`) by
/// first appearance and sets `n_vars` (a 256-byte map: one probe per item).
fn renumber(e: &mut Effect) {
    let mut map = [0 as Ty; 256];
    let mut next = VAR0;
    let (n_in, n_out) = (e.n_in as usize, e.n_out as usize);
    for t in e.ins[..n_in].iter_mut().chain(e.outs[..n_out].iter_mut()) {
        if *t >= VAR0 {
            let m = &mut map[*t as usize];
            if *m == 0 {
                *m = next;
                next += 1;
            }
            *t = *m;
        }
    }
    e.n_vars = next - VAR0;
}

/// An effect compiled for [`Packed`], the composer of the text fast path.
/// Only "linear" effects qualify: no type variable repeated among the
/// inputs, no output variable that is not an input, at most
/// [`PACKED_ITEMS`] items a side — every built-in word but a few. Items
/// are listed top first.
#[derive(Clone, Copy, Debug, Default)]
pub struct PackedEffect {
    /// False when the effect does not qualify (use [`Composer`]).
    pub ok: bool,
    need: u8,
    n_out: u8,
    r_in: u8,
    r_out: u8,
    dynamic: bool,
    /// Outputs are all concrete kinds: `outs` is their bytes.
    outs_const: bool,
    /// `0xFF` bytes where an input (top first) is a concrete kind.
    conc_mask: u64,
    /// Those kinds.
    conc: u64,
    /// Concrete outputs (top first), when `outs_const`.
    outs: u64,
    /// For each output (top first): the index (top first) of the input
    /// it copies, or `0x80 | kind`.
    src: [u8; PACKED_ITEMS],
}

impl PackedEffect {
    /// Compiles a normalized effect.
    pub fn new(e: &Effect) -> PackedEffect {
        let (need, n_out) = (e.n_in as usize, e.n_out as usize);
        if need > PACKED_ITEMS || n_out > PACKED_ITEMS {
            return PackedEffect::default();
        }
        let mut p = PackedEffect {
            need: need as u8,
            n_out: n_out as u8,
            r_in: e.r_in,
            r_out: e.r_out,
            dynamic: e.dynamic,
            outs_const: true,
            ..PackedEffect::default()
        };
        let mut pos = [UNSET; 2 * MAX_ITEMS];
        for k in 0..need {
            let t = e.ins[need - 1 - k];
            if t < VAR0 {
                p.conc_mask |= 0xFF << (8 * k);
                p.conc |= (t as u64) << (8 * k);
            } else {
                let j = (t - VAR0) as usize % (2 * MAX_ITEMS);
                if pos[j] != UNSET {
                    return PackedEffect::default();
                }
                pos[j] = k as u8;
            }
        }
        for k in 0..n_out {
            let t = e.outs[n_out - 1 - k];
            p.src[k] = if t < VAR0 {
                p.outs |= (t as u64) << (8 * k);
                0x80 | t
            } else {
                p.outs_const = false;
                match pos[(t - VAR0) as usize % (2 * MAX_ITEMS)] {
                    UNSET => return PackedEffect::default(),
                    i => i,
                }
            };
        }
        p.ok = true;
        p
    }
}

const ONES64: u64 = u64::MAX / 0xFF;

/// Most items [`Packed`] keeps on either side (one byte each in a `u64`).
pub const PACKED_ITEMS: usize = 8;
const LOW7: u64 = ONES64 * 0x7F;

/// `w` with every byte equal to `v` replaced by `t`.
#[inline(always)]
fn replace_byte(w: u64, v: Ty, t: Ty) -> u64 {
    let x = w ^ (ONES64 * v as u64);
    // High bit of each byte set exactly where `x`'s byte is zero.
    let zero = !(((x & LOW7) + LOW7) | x | LOW7);
    let mask = (zero >> 7) * 0xFF;
    w ^ ((w ^ (ONES64 * t as u64)) & mask)
}

/// The bytes below `n` (`n <= 8`).
#[inline(always)]
fn low_bytes(n: usize) -> u64 {
    u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0)
}

/// The text fast path's composer: the symbolic stack and the inputs live
/// in two `u64` registers (one byte per item, top first), so a step is a
/// few shifts and masks; binding a variable to a kind rewrites its bytes
/// with a SWAR compare. Handles sequences of [`PackedEffect`]s of up to
/// [`PACKED_ITEMS`] items a side and 200 type variables; [`Packed::push`] returns false
/// past that (redo the sequence with [`Composer`]). Same results as
/// [`Composer`] (a property test checks it).
pub struct Packed {
    stack: u64,
    depth: usize,
    ins: u64,
    n_ins: usize,
    next_var: Ty,
    r_in: u8,
    r: u8,
    dynamic: bool,
}

impl Default for Packed {
    fn default() -> Self {
        Packed::new()
    }
}

impl Packed {
    /// An empty sequence, `( -- )`.
    #[inline(always)]
    pub fn new() -> Packed {
        Packed {
            stack: 0,
            depth: 0,
            ins: 0,
            n_ins: 0,
            next_var: VAR0,
            r_in: 0,
            r: 0,
            dynamic: false,
        }
    }

    /// Appends `p`; false when it does not fit (see [`Packed`]).
    #[inline(always)]
    pub fn push(&mut self, p: &PackedEffect) -> bool {
        let need = p.need as usize;
        if !p.ok || self.next_var >= UNSET - 2 * MAX_ITEMS as Ty {
            return false;
        }
        if need > self.depth {
            // Inputs below everything so far: they become the sequence's
            // inputs (kinds as given, fresh variables for variables).
            let extra = need - self.depth;
            if self.n_ins + extra > PACKED_ITEMS {
                return false;
            }
            let mut add = 0u64;
            for k in self.depth..need {
                let kind = (p.conc >> (8 * k)) as u8;
                let t = if (p.conc_mask >> (8 * k)) as u8 != 0 {
                    kind
                } else {
                    self.next_var += 1;
                    self.next_var - 1
                };
                add |= (t as u64) << (8 * (k - self.depth));
            }
            self.stack |= add << (8 * self.depth);
            self.ins |= add << (8 * self.n_ins);
            self.depth = need;
            self.n_ins += extra;
        }
        let rest = self.depth - need;
        if rest + p.n_out as usize > PACKED_ITEMS {
            return false;
        }
        // Variables met by concrete inputs take their kinds (topmost first).
        let keep = low_bytes(need);
        let mut vars = self.stack & keep & p.conc_mask & (ONES64 * 0xE0);
        while vars != 0 {
            let k = vars.trailing_zeros() as usize / 8;
            let v = (self.stack >> (8 * k)) as u8;
            if v >= VAR0 {
                let t = (p.conc >> (8 * k)) as u8;
                self.stack = replace_byte(self.stack, v, t);
                self.ins = replace_byte(self.ins, v, t);
            }
            vars &= !(0xFF << (8 * k));
        }
        let popped = self.stack & keep;
        let new = if p.outs_const {
            p.outs
        } else {
            let mut new = 0u64;
            for k in 0..p.n_out as usize {
                let s = p.src[k];
                let t = if s & 0x80 != 0 {
                    s & 0x7F
                } else {
                    (popped >> (8 * (s as u32 & 7))) as u8
                };
                new |= (t as u64) << (8 * k);
            }
            new
        };
        let below = self.stack.checked_shr(8 * need as u32).unwrap_or(0);
        self.stack = below.checked_shl(8 * p.n_out as u32).unwrap_or(0) | new;
        self.depth = rest + p.n_out as usize;
        self.dynamic |= p.dynamic;
        if p.r_in | p.r_out != 0 {
            let r_extra = p.r_in.saturating_sub(self.r);
            self.r_in = self.r_in.saturating_add(r_extra);
            self.r = (self.r + r_extra - p.r_in).saturating_add(p.r_out);
        }
        true
    }

    /// The effect of the whole sequence (variables renumbered by first
    /// appearance, as [`Composer::finish`] does).
    #[inline(always)]
    pub fn finish(&self) -> Effect {
        let mut e = Effect::EMPTY;
        e.n_in = self.n_ins as u8;
        e.n_out = self.depth as u8;
        // Top first to deepest first: reverse the bytes, drop the padding.
        let deepest_first = |w: u64, n: usize| {
            w.swap_bytes()
                .checked_shr(8 * (PACKED_ITEMS - n) as u32)
                .unwrap_or(0)
                .to_le_bytes()
        };
        e.ins[..PACKED_ITEMS].copy_from_slice(&deepest_first(self.ins, self.n_ins));
        e.outs[..PACKED_ITEMS].copy_from_slice(&deepest_first(self.stack, self.depth));
        e.r_in = self.r_in;
        e.r_out = self.r;
        e.dynamic = self.dynamic;
        if (self.ins | self.stack) & (ONES64 * 0xE0) != 0 {
            renumber(&mut e);
        }
        e
    }
}

/// Type-variable bindings for one composition.
struct Subst {
    /// `map[i]` is what variable `VAR0 + i` is bound to, `FREE` when unbound.
    map: [Ty; Subst::VARS],
}

impl Subst {
    const VARS: usize = 64;
    const FREE: Ty = 0xFF;

    fn new() -> Subst {
        Subst {
            map: [Subst::FREE; Subst::VARS],
        }
    }

    fn resolve(&self, mut t: Ty) -> Ty {
        for _ in 0..Subst::VARS {
            if t < VAR0 {
                break;
            }
            match self.map[(t - VAR0) as usize % Subst::VARS] {
                Subst::FREE => break,
                n => t = n,
            }
        }
        t
    }

    fn unify(&mut self, a: Ty, b: Ty) {
        let (a, b) = (self.resolve(a), self.resolve(b));
        if a == b {
            return;
        }
        if a >= VAR0 {
            self.map[(a - VAR0) as usize % Subst::VARS] = b;
        } else if b >= VAR0 {
            self.map[(b - VAR0) as usize % Subst::VARS] = a;
        }
        // Two different concrete kinds: Forth does not care; keep both.
    }
}

fn item_names(items: &[Ty]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let t = items[i];
        if t == DLO && items.get(i + 1) == Some(&DHI) {
            out.push("d".to_string());
            i += 2;
            continue;
        }
        if t >= VAR0 {
            out.push(format!("x{}", t - VAR0 + 1));
        } else {
            out.push(KIND_NAMES.get(t as usize).unwrap_or(&"x").to_string());
        }
        i += 1;
    }
    out
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ins = item_names(self.inputs());
        let outs = item_names(self.outputs());
        f.write_str("(")?;
        if self.dynamic {
            f.write_str(" ..a")?;
        }
        for i in &ins {
            write!(f, " {i}")?;
        }
        f.write_str(" --")?;
        if self.dynamic {
            f.write_str(" ..b")?;
        }
        for o in &outs {
            write!(f, " {o}")?;
        }
        f.write_str(" )")?;
        if self.r_in > 0 || self.r_out > 0 {
            write!(f, " ( R: {} -- {} )", self.r_in, self.r_out)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Effect {
        Effect::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(p("( x1 x2 -- x2 x1 )").to_string(), "( x1 x2 -- x2 x1 )");
        assert_eq!(p("( n1 n2 -- n3 )").to_string(), "( n n -- n )");
        assert_eq!(p("( d1 d2 -- d3 )").n_in(), 4);
        assert_eq!(p("( d1 d2 -- d3 )").to_string(), "( d d -- d )");
        assert!(p("( x -- 0 | x x )").dynamic);
        assert!(!p("( c-addr -- c-addr 0 | xt 1 | xt -1 )").dynamic);
        assert!(p("( i*x xt -- j*x )").dynamic);
        assert_eq!(p("( \"name\" -- xt )").n_in(), 0);
        let r = p("( x -- ) ( R: -- x )");
        assert_eq!((r.n_in(), r.n_out(), r.r_in, r.r_out), (1, 0, 0, 1));
    }

    #[test]
    fn composition_unifies() {
        let dup = p("( x -- x x )");
        let mul = p("( n1 n2 -- n3 )");
        assert_eq!(dup.then(&mul).to_string(), "( n -- n )");
        let swap = p("( x1 x2 -- x2 x1 )");
        assert_eq!(swap.then(&swap).to_string(), "( x1 x2 -- x1 x2 )");
        let drop = p("( x -- )");
        assert_eq!(drop.then(&drop).to_string(), "( x x -- )");
        let lit = p("( -- n )");
        assert_eq!(lit.then(&mul).to_string(), "( n -- n )");
        let over = p("( x1 x2 -- x1 x2 x1 )");
        assert_eq!(over.then(&mul).n_out(), 2);
    }

    #[test]
    fn declarations_may_name_pass_through_cells() {
        let decl = p("( a -- a )");
        assert!(decl.admits(&Effect::EMPTY));
        assert!(!p("( a -- )").admits(&Effect::EMPTY));
        assert!(!Effect::EMPTY.admits(&p("( a -- )")));
    }
}
