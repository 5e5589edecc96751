//! The compiler: appending code with the superinstruction peephole
//! (`emit`), COMPILE, for every kind of word, defining words' headers and
//! code fields, control structures (Forth 2012 §3.2.3.2 control-flow stack),
//! locals (13), DOES> and `;`.
//!
//! Control-flow stack items live on the data stack as tagged cells (one
//! cell each, so CS-PICK and CS-ROLL are PICK and ROLL); a tag that does not
//! match what a word expects throws -22 (control structure mismatch).

use crate::dict::{Kind, NONE, Word};
use crate::error::{Throw, code};
use crate::isa::{Count, Imm, Op, Slot, Small, Target};
use crate::layout;
use crate::memory::Cell;
use crate::system::{Definition, Forth};
use crate::words::{HIDDEN, OP_WORDS};

/// Control-flow stack item kinds.
pub(crate) mod cs {
    pub const ORIG: i64 = 1;
    pub const DEST: i64 = 2;
    pub const DO: i64 = 3;
    pub const CASE: i64 = 4;
    pub const OF: i64 = 5;
    pub const ENDOF: i64 = 6;
}

const CS_TAG: i64 = 0x4B49_4C00;
/// Most locals one definition may declare (`#LOCALS`).
pub const MAX_LOCALS: usize = 64;
/// Longest definition name (`/COUNTED-STRING`-bounded).
pub const MAX_NAME: usize = 255;

fn cs_item(kind: i64, pc: u32) -> Cell {
    ((CS_TAG | kind) << 32) | pc as Cell
}

fn cs_decode(v: Cell) -> Option<(i64, u32)> {
    let hi = v >> 32;
    (hi & !0xFF == CS_TAG).then_some((hi & 0xFF, v as u32))
}

fn small(v: Imm) -> Option<Small> {
    i16::try_from(v.0).ok().map(Small)
}

/// The superinstruction for `prev` followed by `op`, if there is one.
fn fuse(prev: Op, op: Op) -> Option<Op> {
    Some(match (prev, op) {
        (Op::Lit { v }, Op::Add) => Op::AddLit { v },
        (Op::Lit { v }, Op::Sub) if v.0 != i32::MIN => Op::AddLit { v: Imm(-v.0) },
        (Op::Lit { v }, Op::Mul) => Op::MulLit { v },
        (Op::Lit { v }, Op::And) => Op::AndLit { v },
        (Op::Lit { v }, Op::Eq) => Op::EqLit { v },
        (Op::Lit { v }, Op::Lt) => Op::LtLit { v },
        (Op::Lit { v }, Op::Gt) => Op::GtLit { v },
        (Op::Lit { v }, Op::Fetch) => Op::FetchLit { v },
        (Op::Lit { v }, Op::Store) => Op::StoreLit { v },
        (Op::Lit { v }, Op::PlusStore) => Op::PlusStoreLit { v },
        (Op::Lit { v }, Op::PlusLoop { to }) => Op::PlusLoopLit { v: small(v)?, to },
        (Op::Dup, Op::PlusLoop { to }) => Op::DupPlusLoop { to },
        (Op::Lit { v }, Op::ICStore) => Op::ICStoreLit { v },
        (Op::AddLit { v: a }, Op::AddLit { v: b }) => Op::AddLit {
            v: Imm(a.0.checked_add(b.0)?),
        },
        (Op::I, Op::Add) => Op::IAdd,
        (Op::I, Op::Fetch) => Op::IFetch,
        (Op::I, Op::CFetch) => Op::ICFetch,
        (Op::I, Op::Store) => Op::IStore,
        (Op::I, Op::CStore) => Op::ICStore,
        (Op::I, Op::TwoFetch) => Op::ITwoFetch,
        (Op::I, Op::TwoStore) => Op::ITwoStore,
        (Op::Over, Op::Add) => Op::OverAdd,
        (Op::Over, Op::Fetch) => Op::OverFetch,
        (Op::Swap, Op::Over) => Op::SwapOver,
        (Op::RFrom, Op::Add) => Op::RFromAdd,
        (Op::Dup, Op::ZBranch { to }) => Op::DupZBranch { to },
        (Op::ZeroEq, Op::ZBranch { to }) => Op::NzBranch { to },
        (Op::Eq, Op::ZBranch { to }) => Op::EqBranch { to },
        (Op::Ne, Op::ZBranch { to }) => Op::NeBranch { to },
        (Op::Lt, Op::ZBranch { to }) => Op::LtBranch { to },
        (Op::Gt, Op::ZBranch { to }) => Op::GtBranch { to },
        (Op::ULt, Op::ZBranch { to }) => Op::ULtBranch { to },
        (Op::EqLit { v }, Op::ZBranch { to }) => Op::LitEqBranch { v: small(v)?, to },
        (Op::LtLit { v }, Op::ZBranch { to }) => Op::LitLtBranch { v: small(v)?, to },
        (Op::GtLit { v }, Op::ZBranch { to }) => Op::LitGtBranch { v: small(v)?, to },
        (Op::Dup, Op::LitLtBranch { v, to }) => Op::DupLitLtBr { v, to },
        (Op::Drop, Op::Lit { v }) => Op::DropLit { v },
        (Op::Dup, Op::AddLit { v }) => Op::DupAddLit { v },
        (Op::Dup, Op::OnePlus) => Op::DupAddLit { v: Imm(1) },
        (Op::Dup, Op::OneMinus) => Op::DupAddLit { v: Imm(-1) },
        (Op::Add, Op::Exit) => Op::AddExit,
        (Op::DropLit { v }, Op::Exit) => Op::DropLitExit { v },
        (Op::Swap, Op::AddLit { v }) => Op::SwapAddLit { v },
        (Op::Swap, Op::OnePlus) => Op::SwapAddLit { v: Imm(1) },
        (Op::Swap, Op::OneMinus) => Op::SwapAddLit { v: Imm(-1) },
        (Op::AddLit { v }, Op::Loop { to }) => Op::AddLitLoop { v: small(v)?, to },
        (Op::ICFetch, Op::ZBranch { to }) => Op::ICFetchZBr { to },
        (Op::OverFetch, Op::OverFetch) => Op::OverFetch2,
        (Op::OverFetch2, Op::Mul) => Op::OverFetchMul,
        (Op::UnderAddLit { v: a }, Op::AddLit { v: b }) => Op::AddLit2 {
            a: small(a)?,
            b: small(b)?,
        },
        (Op::ITwoFetch, Op::GtBranch { to }) => Op::ITwoGtBranch { to },
        (Op::Lit { v }, Op::Swap) => Op::LitUnder { v },
        (Op::RFromAdd, Op::ToR) => Op::RAdd,
        _ => return None,
    })
}

/// True when a colon body may be copied into its callers: short, straight
/// line, no return-stack or locals use, no system words.
fn inlinable(body: &[Op]) -> bool {
    let Some((last, ops)) = body.split_last() else {
        return false;
    };
    matches!(*last, Op::Exit | Op::AddExit | Op::DropLitExit { .. })
        && ops.len() <= 6
        && ops
            .iter()
            .all(|op| op.target().is_none() && !op.uses_return_stack() && *op != Op::Execute)
}

impl Forth {
    /// Appends `op` to the code, fusing it with the previous op when a
    /// superinstruction exists and no branch targets the previous op.
    pub(crate) fn emit(&mut self, op: Op) {
        let n = self.hot.code.len();
        // `Swap; AddLit v; Swap` → `UnderAddLit v` (a three-op pattern).
        if op == Op::Swap
            && n > self.barrier
            && let Op::SwapAddLit { v } = self.hot.code[n - 1]
        {
            self.hot.code.truncate(n - 1);
            self.locs.truncate(n - 1);
            self.emit(Op::UnderAddLit { v });
            return;
        }
        // `ITwoFetch; Swap; ITwoStore` → `ISwap2`.
        if op == Op::ITwoStore
            && n >= 2 + self.barrier
            && self.hot.code[n - 2] == Op::ITwoFetch
            && self.hot.code[n - 1] == Op::Swap
        {
            self.hot.code.truncate(n - 2);
            self.locs.truncate(n - 2);
            self.emit(Op::ISwap2);
            return;
        }
        if n > self.barrier
            && let Some(f) = fuse(self.hot.code[n - 1], op)
        {
            self.hot.code.pop();
            self.locs.pop();
            self.emit(f);
            return;
        }
        self.push_raw(op);
    }

    /// Marks the current code position as a branch target.
    pub(crate) fn label(&mut self) -> u32 {
        self.barrier = self.hot.code.len();
        self.barrier as u32
    }

    /// COMPILE, (6.2.0945): appends the execution semantics of `xt`.
    pub(crate) fn compile_xt(&mut self, xt: u32) -> Result<(), Throw> {
        let xt = self.dict.resolve(xt);
        let Some(w) = self.dict.words.get(xt as usize) else {
            return Err(Throw(code::INVALID_ADDRESS));
        };
        let (cfa, end, body) = (w.cfa, w.end, w.body);
        match w.kind.clone() {
            Kind::Ops(i) => {
                for &op in OP_WORDS[i as usize].1 {
                    self.emit(op);
                }
            }
            Kind::Sys(s) => self.emit(s.op()),
            Kind::Colon => {
                let hidden = w.flags & HIDDEN != 0;
                let body_ops = self.hot.code.get(cfa as usize..end as usize).unwrap_or(&[]);
                let body_ops = match body_ops.split_first() {
                    Some((Op::JitEntry { .. }, rest)) => rest,
                    _ => body_ops,
                };
                if !hidden && inlinable(body_ops) {
                    let mut ops = body_ops[..body_ops.len() - 1].to_vec();
                    match body_ops.last() {
                        Some(Op::AddExit) => ops.push(Op::Add),
                        Some(&Op::DropLitExit { v }) => ops.push(Op::DropLit { v }),
                        _ => {}
                    }
                    for op in ops {
                        self.emit(op);
                    }
                } else {
                    self.emit(Op::Call { to: Target(cfa) });
                }
            }
            Kind::Create => {
                let op = self.lit_op(body);
                self.emit(op);
            }
            Kind::Does(to) => {
                let op = self.lit_op(body);
                self.emit(op);
                self.emit(Op::Call { to: Target(to) });
            }
            Kind::Constant(v) => {
                let op = self.lit_op(v);
                self.emit(op);
            }
            Kind::TwoConstant(a, b) => {
                let (a, b) = (self.lit_op(a), self.lit_op(b));
                self.emit(a);
                self.emit(b);
            }
            Kind::Value => {
                let op = self.lit_op(body);
                self.emit(op);
                self.emit(Op::Fetch);
            }
            Kind::TwoValue => {
                let op = self.lit_op(body);
                self.emit(op);
                self.emit(Op::TwoFetch);
            }
            Kind::Defer | Kind::Marker(_) => self.emit(Op::Call { to: Target(cfa) }),
            Kind::Field(off) => {
                let op = self.lit_op(off);
                self.emit(op);
                self.emit(Op::Add);
            }
            Kind::Synonym(t) => return self.compile_xt(t),
        }
        Ok(())
    }

    /// Parses a name for a definition.
    ///
    /// # Errors
    /// -16 for an empty name, -19 for one longer than 255 bytes.
    pub(crate) fn parse_def_name(&mut self) -> Result<Vec<u8>, Throw> {
        let (addr, len) = self.parse_name()?;
        if len == 0 {
            return Err(Throw(code::ZERO_LENGTH_NAME));
        }
        if len > MAX_NAME {
            return Err(Throw(code::NAME_TOO_LONG));
        }
        Ok(self.hot.mem.bytes(addr, len)?.to_vec())
    }

    /// Adds a header whose code starts at the current end of the code.
    pub(crate) fn add_header(&mut self, name: &[u8], kind: Kind, hidden: bool) -> u32 {
        let cfa = self.hot.code.len() as u32;
        let xt = self.dict.add(
            Word {
                name: String::from_utf8_lossy(name).into(),
                wid: 0,
                link: NONE,
                flags: 0,
                kind,
                cfa,
                end: cfa,
                body: 0,
                effect: None,
                declared: None,
                loc: self.word_loc,
            },
            hidden,
        );
        self.hot.xts.push(cfa);
        self.latest = xt;
        self.barrier = cfa as usize;
        xt
    }

    /// Finishes a non-colon word's code field.
    pub(crate) fn end_code(&mut self, xt: u32) {
        let end = self.hot.code.len() as u32;
        if let Some(w) = self.dict.words.get_mut(xt as usize) {
            w.end = end;
        }
        self.barrier = end as usize;
    }

    /// CREATE (6.1.1000) and the words built on it: a header whose code
    /// pushes the (aligned) data-field address.
    pub(crate) fn create(&mut self, kind: Kind) -> Result<u32, Throw> {
        let name = self.parse_def_name()?;
        self.align();
        let body = self.here;
        let xt = self.add_header(&name, kind.clone(), false);
        self.dict.words[xt as usize].body = body;
        match kind {
            Kind::Value => {
                let op = self.lit_op(body);
                self.push_raw(op);
                self.push_raw(Op::Fetch);
            }
            Kind::TwoValue => {
                let op = self.lit_op(body);
                self.push_raw(op);
                self.push_raw(Op::TwoFetch);
            }
            Kind::Defer => {
                let op = self.lit_op(body);
                self.push_raw(op);
                self.push_raw(Op::Fetch);
                self.push_raw(Op::Execute);
            }
            _ => {
                let op = self.lit_op(body);
                self.push_raw(op);
            }
        }
        self.push_raw(Op::Exit);
        self.end_code(xt);
        Ok(xt)
    }

    /// A header whose code pushes constants (CONSTANT, 2CONSTANT) or adds an offset (+FIELD).
    pub(crate) fn define_code_word(&mut self, kind: Kind) -> Result<u32, Throw> {
        let name = self.parse_def_name()?;
        let xt = self.add_header(&name, kind.clone(), false);
        match kind {
            Kind::Constant(v) => {
                let op = self.lit_op(v);
                self.push_raw(op);
            }
            Kind::TwoConstant(a, b) => {
                let (a, b) = (self.lit_op(a), self.lit_op(b));
                self.push_raw(a);
                self.push_raw(b);
            }
            Kind::Field(off) => {
                let op = self.lit_op(off);
                self.push_raw(op);
                self.push_raw(Op::Add);
            }
            _ => {}
        }
        self.push_raw(Op::Exit);
        self.end_code(xt);
        Ok(xt)
    }

    /// ALIGN (6.1.0705).
    pub(crate) fn align(&mut self) {
        self.here = (self.here + 7) & !7;
    }

    /// ALLOT (6.1.0710) of `n` address units (negative gives space back).
    ///
    /// # Errors
    /// -8 when the data space would overflow or go below its start.
    pub(crate) fn allot(&mut self, n: Cell) -> Result<(), Throw> {
        let new = self.here.checked_add(n).ok_or(Throw(code::DICT_OVERFLOW))?;
        if new < layout::DATA_START || new as u64 > self.hot.mem.main_len() {
            return Err(Throw(code::DICT_OVERFLOW));
        }
        self.here = new;
        Ok(())
    }

    /// `,` (6.1.0150).
    pub(crate) fn comma(&mut self, x: Cell) -> Result<(), Throw> {
        let a = self.here;
        self.allot(8)?;
        self.hot.mem.store(a, x)
    }

    /// `:` (6.1.0450) and :NONAME (6.2.0455).
    pub(crate) fn begin_colon(&mut self, noname: bool) -> Result<(), Throw> {
        if self.def.is_some() {
            return Err(Throw(code::COMPILER_NESTING));
        }
        let xt = if noname {
            let xt = self.add_header(b"", Kind::Colon, true);
            self.hot.push(xt as Cell)?;
            xt
        } else {
            let name = self.parse_def_name()?;
            self.add_header(&name, Kind::Colon, true)
        };
        self.jit_prologue(xt);
        self.def = Some(Definition {
            xt,
            cs_base: self.hot.sp,
            locals: Vec::new(),
            has_frame: false,
            pending_locals: Vec::new(),
            comment: None,
            part_start: self.hot.code.len() as u32,
        });
        self.leaves.clear();
        self.hot.mem.store(layout::STATE, -1)
    }

    /// `;` (6.1.0460).
    pub(crate) fn end_colon(&mut self) -> Result<(), Throw> {
        let Some(def) = self.def.clone() else {
            return Err(Throw(code::CONTROL_MISMATCH));
        };
        let open_cs = (def.cs_base.min(self.hot.sp)..self.hot.sp)
            .any(|i| cs_decode(self.hot.ds[i]).is_some());
        if open_cs || !self.leaves.is_empty() || self.hot.sp < def.cs_base {
            self.abandon_definition();
            return Err(Throw(code::CONTROL_MISMATCH));
        }
        if !def.pending_locals.is_empty() {
            self.finish_paren_locals()?;
        }
        if self.def.as_ref().is_some_and(|d| d.has_frame) {
            self.emit(Op::LocalsLeave);
        }
        self.emit(Op::Exit);
        let end = self.hot.code.len() as u32;
        let start = self.dict.words[def.xt as usize].cfa;
        self.thread_branches(start, end);
        self.dict.words[def.xt as usize].end = end;
        if !self.dict.words[def.xt as usize].name.is_empty() {
            self.dict.reveal(def.xt);
        } else {
            self.dict.words[def.xt as usize].flags &= !HIDDEN;
        }
        self.def = None;
        self.barrier = end as usize;
        self.hot.mem.store(layout::STATE, 0)?;
        if self.options.check {
            self.check_definition(def.xt, &def);
        }
        self.jit_defined(def.xt);
        Ok(())
    }

    /// Jump threading over a finished definition `start..end`: a branch to
    /// an unconditional branch goes straight to its target, and an
    /// unconditional branch to `Exit` becomes `Exit`.
    fn thread_branches(&mut self, start: u32, end: u32) {
        for pc in start..end {
            let op = self.hot.code[pc as usize];
            let Some(mut t) = op.target() else { continue };
            if matches!(op, Op::Call { .. } | Op::TailCall { .. } | Op::Does { .. }) {
                continue;
            }
            for _ in 0..8 {
                match self.hot.code.get(t as usize) {
                    Some(Op::Branch { to }) if (start..end).contains(&to.0) && to.0 != t => {
                        t = to.0
                    }
                    _ => break,
                }
            }
            let code = &mut self.hot.code;
            if op.target() != Some(t) {
                code[pc as usize].set_target(t);
            }
            if matches!(op, Op::Branch { .. }) && code.get(t as usize) == Some(&Op::Exit) {
                code[pc as usize] = Op::Exit;
            }
        }
        // `Add; Exit` where the Exit is also a branch target (so the
        // peephole could not fuse them): the Add returns itself and the
        // Exit stays for the branches.
        for pc in start..end.saturating_sub(1) {
            let code = &mut self.hot.code;
            match (code[pc as usize], code[pc as usize + 1]) {
                (Op::Add, Op::Exit) => code[pc as usize] = Op::AddExit,
                (Op::DropLit { v }, Op::Exit) => code[pc as usize] = Op::DropLitExit { v },
                _ => {}
            }
        }
    }

    /// Drops the definition in progress (after an error): it stays hidden.
    pub(crate) fn abandon_definition(&mut self) {
        if let Some(d) = self.def.take() {
            let end = self.hot.code.len() as u32;
            if let Some(w) = self.dict.words.get_mut(d.xt as usize) {
                w.end = end;
            }
        }
        self.leaves.clear();
        self.barrier = self.hot.code.len();
        let _ = self.hot.mem.store(layout::STATE, 0);
    }

    /// DOES> (6.1.1250), compilation: ends the defining part, starts the
    /// code the defined words run.
    pub(crate) fn compile_does(&mut self) -> Result<(), Throw> {
        if self.def.as_ref().is_some_and(|d| d.has_frame) {
            self.emit(Op::LocalsLeave);
        }
        let to = self.hot.code.len() as u32 + 2;
        self.push_raw(Op::Does { to: Target(to) });
        self.push_raw(Op::Exit);
        self.label();
        if let Some(d) = &mut self.def {
            d.locals.clear();
            d.has_frame = false;
            d.part_start = to;
        }
        Ok(())
    }

    /// DOES>, run time: the latest CREATEd word pushes its body and runs the code at `to`.
    pub(crate) fn does(&mut self, to: u32) -> Result<(), Throw> {
        let xt = self.latest;
        let Some(w) = self.dict.words.get_mut(xt as usize) else {
            return Err(Throw(code::NOT_CREATED));
        };
        if !matches!(w.kind, Kind::Create | Kind::Does(_)) {
            return Err(Throw(code::NOT_CREATED));
        }
        w.kind = Kind::Does(to);
        w.effect = None;
        let cfa = w.cfa as usize;
        match self.hot.code.get_mut(cfa + 1) {
            Some(op @ (Op::Exit | Op::Branch { .. })) => *op = Op::Branch { to: Target(to) },
            _ => return Err(Throw(code::NOT_CREATED)),
        }
        Ok(())
    }

    // ---- control-flow stack ----

    pub(crate) fn cs_push(&mut self, kind: i64, pc: u32) -> Result<(), Throw> {
        self.hot.push(cs_item(kind, pc))
    }

    pub(crate) fn cs_pop(&mut self, kind: i64) -> Result<u32, Throw> {
        let v = self
            .hot
            .peek(0)
            .map_err(|_| Throw(code::CONTROL_MISMATCH))?;
        match cs_decode(v) {
            Some((k, pc)) if k == kind => {
                self.hot.pop()?;
                Ok(pc)
            }
            _ => Err(Throw(code::CONTROL_MISMATCH)),
        }
    }

    fn cs_peek_kind(&self) -> Option<i64> {
        self.hot.peek(0).ok().and_then(cs_decode).map(|(k, _)| k)
    }

    /// Points the forward branch at `at` to the current position.
    pub(crate) fn resolve(&mut self, at: u32) {
        let here = self.label();
        if let Some(op) = self.hot.code.get_mut(at as usize) {
            op.set_target(here);
        }
    }

    fn forward(&mut self, op: Op) -> u32 {
        self.emit(op);
        (self.hot.code.len() - 1) as u32
    }

    /// The control-structure words (6.1.1700 IF … 6.2.0873 CASE).
    pub(crate) fn control(&mut self, w: crate::words::SysWord) -> Result<(), Throw> {
        use crate::words::SysWord as S;
        let zb = Op::ZBranch { to: Target(0) };
        let br = Op::Branch { to: Target(0) };
        match w {
            S::If => {
                let o = self.forward(zb);
                self.cs_push(cs::ORIG, o)?;
            }
            S::Ahead => {
                let o = self.forward(br);
                self.cs_push(cs::ORIG, o)?;
            }
            S::Then => {
                let o = self.cs_pop(cs::ORIG)?;
                self.resolve(o);
            }
            S::Else => {
                let o1 = self.cs_pop(cs::ORIG)?;
                let o2 = self.forward(br);
                self.cs_push(cs::ORIG, o2)?;
                self.resolve(o1);
            }
            S::Begin => {
                let d = self.label();
                self.cs_push(cs::DEST, d)?;
            }
            S::Until => {
                let d = self.cs_pop(cs::DEST)?;
                self.emit(Op::ZBranch { to: Target(d) });
            }
            S::Again => {
                let d = self.cs_pop(cs::DEST)?;
                self.emit(Op::Branch { to: Target(d) });
            }
            S::While => {
                let d = self.cs_pop(cs::DEST)?;
                let o = self.forward(zb);
                self.cs_push(cs::ORIG, o)?;
                self.cs_push(cs::DEST, d)?;
            }
            S::Repeat => {
                let d = self.cs_pop(cs::DEST)?;
                self.emit(Op::Branch { to: Target(d) });
                let o = self.cs_pop(cs::ORIG)?;
                self.resolve(o);
            }
            S::Do | S::QDo => {
                let mut pending = Vec::new();
                if w == S::QDo {
                    let q = self.forward(Op::QDo { to: Target(0) });
                    pending.push(q);
                } else {
                    self.emit(Op::Do);
                }
                let body = self.label();
                self.leaves.push(pending);
                self.cs_push(cs::DO, body)?;
            }
            S::Loop | S::PlusLoop => {
                let body = self.cs_pop(cs::DO)?;
                let Some(pending) = self.leaves.pop() else {
                    return Err(Throw(code::CONTROL_MISMATCH));
                };
                if w == S::Loop {
                    self.emit(Op::Loop { to: Target(body) });
                } else {
                    self.emit(Op::PlusLoop { to: Target(body) });
                }
                let after = self.label();
                for at in pending {
                    if let Some(op) = self.hot.code.get_mut(at as usize) {
                        op.set_target(after);
                    }
                }
            }
            S::Leave => {
                if self.leaves.is_empty() {
                    return Err(Throw(code::CONTROL_MISMATCH));
                }
                let at = self.forward(Op::Leave { to: Target(0) });
                if let Some(l) = self.leaves.last_mut() {
                    l.push(at);
                }
            }
            S::Case => self.cs_push(cs::CASE, 0)?,
            S::Of => {
                self.emit(Op::Over);
                self.emit(Op::Eq);
                let o = self.forward(zb);
                self.emit(Op::Drop);
                self.cs_push(cs::OF, o)?;
            }
            S::EndOf => {
                let o = self.cs_pop(cs::OF)?;
                let e = self.forward(br);
                self.cs_push(cs::ENDOF, e)?;
                self.resolve(o);
            }
            S::EndCase => {
                self.emit(Op::Drop);
                while self.cs_peek_kind() == Some(cs::ENDOF) {
                    let e = self.cs_pop(cs::ENDOF)?;
                    self.resolve(e);
                }
                self.cs_pop(cs::CASE)?;
                self.label();
            }
            _ => return Err(Throw(code::UNSUPPORTED)),
        }
        Ok(())
    }

    // ---- locals ----

    /// The slot of local `name` in the definition being compiled.
    pub(crate) fn find_local(&self, name: &[u8]) -> Option<u16> {
        let d = self.def.as_ref()?;
        d.locals
            .iter()
            .rev()
            .find(|(n, _)| n.len() == name.len() && n.eq_ignore_ascii_case(name))
            .map(|&(_, s)| s)
    }

    /// Declares locals and compiles the frame: `args` are taken from the
    /// stack (`args[0]` the deepest cell), `vals` start at 0.
    pub(crate) fn declare_locals(
        &mut self,
        args: &[Vec<u8>],
        vals: &[Vec<u8>],
    ) -> Result<(), Throw> {
        let Some(d) = self.def.as_ref() else {
            return Err(Throw(code::COMPILE_ONLY));
        };
        if d.has_frame {
            return Err(Throw(code::UNSUPPORTED));
        }
        let n = args.len() + vals.len();
        if n > MAX_LOCALS {
            return Err(Throw(code::UNSUPPORTED));
        }
        for _ in vals {
            self.emit(Op::Lit { v: Imm(0) });
        }
        self.emit(Op::LocalsEnter { n: Count(n as u16) });
        if let Some(d) = &mut self.def {
            d.has_frame = true;
            for (slot, name) in args.iter().chain(vals).enumerate() {
                d.locals.push((name.to_ascii_uppercase(), slot as u16));
            }
        }
        Ok(())
    }

    /// The end of a (LOCAL) sequence: the first declared local takes the top cell.
    pub(crate) fn finish_paren_locals(&mut self) -> Result<(), Throw> {
        let names = match &mut self.def {
            Some(d) => std::mem::take(&mut d.pending_locals),
            None => return Err(Throw(code::COMPILE_ONLY)),
        };
        let rev: Vec<Vec<u8>> = names.into_iter().rev().collect();
        self.declare_locals(&rev, &[])
    }

    /// TO (6.2.2295, 13.6.1.2295) for the name that follows.
    pub(crate) fn compile_or_store_to(&mut self) -> Result<(), Throw> {
        let (addr, len) = self.parse_name()?;
        if len == 0 {
            return Err(Throw(code::ZERO_LENGTH_NAME));
        }
        let name = self.hot.mem.bytes(addr, len)?.to_vec();
        let compiling = self.compiling();
        if compiling && let Some(slot) = self.find_local(&name) {
            self.emit(Op::LocalSet { i: Slot(slot) });
            return Ok(());
        }
        let xt = self
            .dict
            .find(&name)
            .map(|x| self.dict.resolve(x))
            .ok_or(Throw(code::UNDEFINED))?;
        let w = &self.dict.words[xt as usize];
        let (kind, body) = (w.kind.clone(), w.body);
        let two = match kind {
            Kind::Value => false,
            Kind::TwoValue => true,
            _ => return Err(Throw(code::INVALID_NAME)),
        };
        if compiling {
            let op = self.lit_op(body);
            self.emit(op);
            self.emit(if two { Op::TwoStore } else { Op::Store });
        } else if two {
            let x2 = self.hot.pop()?;
            let x1 = self.hot.pop()?;
            self.hot.mem.store(body, x2)?;
            self.hot.mem.store(body + 8, x1)?;
        } else {
            let x = self.hot.pop()?;
            self.hot.mem.store(body, x)?;
        }
        Ok(())
    }

    /// The body of the DEFER named next (IS, ACTION-OF).
    pub(crate) fn parsed_defer_body(&mut self) -> Result<Cell, Throw> {
        let xt = self.find_parsed()?;
        let xt = self.dict.resolve(xt);
        let w = &self.dict.words[xt as usize];
        match w.kind {
            Kind::Defer => Ok(w.body),
            _ => Err(Throw(code::INVALID_NAME)),
        }
    }

    /// Stores `bytes` in the literal-string pool (outside the data space,
    /// so compiled strings never interleave with a CREATEd structure).
    pub(crate) fn pool_string(&mut self, bytes: &[u8]) -> Result<Cell, Throw> {
        let (seg, used, cap) = self.pool;
        let (seg, used) = if seg == 0 || used + bytes.len() > cap {
            let cap = (bytes.len() + 8).max(1 << 16);
            let seg = self
                .hot
                .mem
                .allocate(cap as u64, true)
                .ok_or(Throw(code::DICT_OVERFLOW))?;
            self.pool = (seg, 0, cap);
            (seg, 0)
        } else {
            (seg, used)
        };
        let addr = seg + used as Cell;
        self.hot.mem.write(addr, bytes)?;
        self.pool.1 = (used + bytes.len() + 7) & !7;
        Ok(addr)
    }

    /// Compiles code that pushes a string's address and length.
    pub(crate) fn compile_string(&mut self, bytes: &[u8]) -> Result<(), Throw> {
        let a = self.pool_string(bytes)?;
        let (a, n) = (self.lit_op(a), self.lit_op(bytes.len() as Cell));
        self.emit(a);
        self.emit(n);
        Ok(())
    }
}
