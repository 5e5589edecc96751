//! Register vs accumulator, measured: a cost model that replays the
//! register instructions the VM executes (or a function's code, statically)
//! and counts what an accumulator encoding of the same code (V8 Ignition's
//! style) would need: the instruction itself plus the `Ldar`/`Star` moves
//! each register instruction implies, minus the moves a peephole removes.
//!
//! The model, per instruction, in execution order:
//! - the *accumulator input* is the operand named `src` if there is one
//!   (stores, returns, branches, unary ops), else the first register operand
//!   that is not `dst` (`a` of `a + b`, `obj` of `obj.k`); the other register
//!   operands stay register operands (Ignition's `Add r1`, `CallProperty r0..`);
//! - a `Ldar` is needed unless the accumulator already holds that register
//!   (it was the previous instruction's `dst`, or was just loaded);
//! - a result (`dst`) is left in the accumulator; a `Star dst` is needed
//!   unless the very next instruction consumes `dst` as its accumulator input
//!   (then the result never needs a register). This is optimistic for the
//!   accumulator machine: it elides the store even when `dst` is read again
//!   later, so the counts are a lower bound on its instruction count;
//! - `LoadInt` whose register is the next instruction's second operand is
//!   folded into an immediate form (`AddSmi`) and costs nothing;
//! - `Mov` stays one instruction (Ignition has `Mov`); calls, returns and
//!   throws forget what the accumulator holds.
//!
//! Bytes: our instructions are fixed-width `size_of::<Op>()`; the
//! accumulator encoding is counted Ignition-style, one byte of opcode plus
//! one byte per operand (registers, constant and cache indices under 256),
//! and two bytes per `Ldar`/`Star`.

use crate::isa::Op;
use kiln_core::isa::Instruction;

/// Counts for one run (dynamic) or one code listing (static).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccCounts {
    /// Register instructions executed (or present).
    pub reg_ops: u64,
    /// The same code in the accumulator model: instructions incl. `Ldar`/`Star`.
    pub acc_ops: u64,
    /// `Ldar` moves in `acc_ops`.
    pub ldar: u64,
    /// `Star` moves in `acc_ops`.
    pub star: u64,
    /// Bytes of the register code (fixed-width instructions).
    pub reg_bytes: u64,
    /// Bytes of the accumulator code (one byte per opcode and operand).
    pub acc_bytes: u64,
}

/// What the accumulator machine holds in one frame.
#[derive(Clone, Copy, Debug, Default)]
struct FrameState {
    acc: Option<i64>,
    pending_star: Option<i64>,
    pending_loadint: Option<i64>,
}

/// The replay state: totals plus one accumulator state per frame depth, so a
/// callee's instructions do not disturb its caller's accumulator.
#[derive(Debug, Default)]
pub struct AccModel {
    /// Totals so far.
    pub counts: AccCounts,
    frames: Vec<FrameState>,
}

/// (accumulator input, result register, other register operands, non-register operands).
fn roles(op: &Op) -> (Option<i64>, Option<i64>, Vec<i64>, usize) {
    let ops = op.operands();
    let dst = ops
        .iter()
        .find(|o| o.field == "dst" && o.kind == "Reg")
        .map(|o| o.raw);
    let regs: Vec<_> = ops
        .iter()
        .filter(|o| o.kind == "Reg" && o.field != "dst")
        .collect();
    let acc_in = regs
        .iter()
        .find(|o| o.field == "src")
        .or(regs.first())
        .map(|o| o.raw);
    let others = regs
        .iter()
        .map(|o| o.raw)
        .filter(|r| Some(*r) != acc_in)
        .collect();
    let non_reg = ops.iter().filter(|o| o.kind != "Reg").count();
    (acc_in, dst, others, non_reg)
}

impl AccModel {
    /// Accounts for one instruction executed at frame depth `depth` and
    /// instruction index `pc` (`pc == 0` starts a fresh activation).
    pub fn step_at(&mut self, depth: usize, pc: usize, op: &Op) {
        if self.frames.len() <= depth {
            self.frames.resize(depth + 1, FrameState::default());
        }
        if pc == 0 {
            let mut st = std::mem::take(&mut self.frames[depth]);
            Self::flush_star(&mut self.counts, &mut st, None);
        }
        let mut st = self.frames[depth];
        Self::step_state(&mut self.counts, &mut st, op);
        self.frames[depth] = st;
    }

    /// Accounts for one instruction of straight-line code (depth 0).
    pub fn step(&mut self, op: &Op) {
        self.step_at(0, 1, op);
    }

    fn step_state(c: &mut AccCounts, st: &mut FrameState, op: &Op) {
        c.reg_ops += 1;
        c.reg_bytes += std::mem::size_of::<Op>() as u64;
        if let Op::Mov { dst, .. } = op {
            Self::flush_star(c, st, None);
            st.pending_loadint = None;
            c.acc_ops += 1;
            c.acc_bytes += 3;
            if st.acc == Some(dst.0 as i64) {
                st.acc = None;
            }
            return;
        }
        let (acc_in, dst, others, non_reg) = roles(op);
        // An immediate folded into this instruction costs nothing.
        if let Some(t) = st.pending_loadint.take()
            && others.contains(&t)
        {
            c.acc_ops -= 1;
            c.acc_bytes -= 2;
            if st.pending_star == Some(t) {
                st.pending_star = None;
            }
        }
        Self::flush_star(c, st, acc_in);
        if let Some(a) = acc_in
            && st.acc != Some(a)
        {
            c.ldar += 1;
            c.acc_ops += 1;
            c.acc_bytes += 2;
        }
        c.acc_ops += 1;
        c.acc_bytes += 1 + others.len() as u64 + non_reg as u64;
        st.acc = acc_in;
        if let Op::LoadInt { dst, .. } = op {
            st.pending_loadint = Some(dst.0 as i64);
        }
        if let Some(d) = dst {
            st.acc = Some(d);
            st.pending_star = Some(d);
        }
    }

    /// Charges the deferred `Star` unless `next_in` consumes it from the accumulator.
    fn flush_star(c: &mut AccCounts, st: &mut FrameState, next_in: Option<i64>) {
        if let Some(d) = st.pending_star.take()
            && next_in != Some(d)
        {
            c.star += 1;
            c.acc_ops += 1;
            c.acc_bytes += 2;
        }
    }

    /// Ends a replay (charges pending `Star`s) and returns the totals.
    pub fn finish(mut self) -> AccCounts {
        for st in &mut self.frames {
            Self::flush_star(&mut self.counts, st, None);
        }
        self.counts
    }
}

/// Static counts over every function of `code` (instructions in code order).
pub fn static_counts(code: &crate::compiler::Code) -> AccCounts {
    let mut m = AccModel::default();
    fn walk(m: &mut AccModel, code: &crate::compiler::Code) {
        for (pc, op) in code.ops.iter().enumerate() {
            m.step_at(0, pc, op);
        }
        for f in &code.funcs {
            walk(m, f);
        }
    }
    walk(&mut m, code);
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::{Imm, Reg};

    #[test]
    fn sum_loop_costs() {
        // s = s + i (locals r0, r1): Ldar r0; Add r1; Star r0 -> 3 vs 1.
        let mut m = AccModel::default();
        m.step(&Op::Add {
            dst: Reg(0),
            a: Reg(0),
            b: Reg(1),
        });
        let c = m.finish();
        assert_eq!((c.reg_ops, c.acc_ops, c.ldar, c.star), (1, 3, 1, 1));
    }

    #[test]
    fn chained_temporaries_stay_in_the_accumulator() {
        // t = a * b; r = t + c: Ldar a; Mul b; Add c; Star r -> 4 vs 2.
        let mut m = AccModel::default();
        m.step(&Op::Mul {
            dst: Reg(5),
            a: Reg(0),
            b: Reg(1),
        });
        m.step(&Op::Add {
            dst: Reg(2),
            a: Reg(5),
            b: Reg(3),
        });
        let c = m.finish();
        assert_eq!((c.reg_ops, c.acc_ops), (2, 4));
    }

    #[test]
    fn small_integer_operand_is_folded() {
        // t = 1; i = i + t: Ldar i; AddSmi 1; Star i -> 3 vs 2.
        let mut m = AccModel::default();
        m.step(&Op::LoadInt {
            dst: Reg(4),
            v: Imm(1),
        });
        m.step(&Op::Add {
            dst: Reg(1),
            a: Reg(1),
            b: Reg(4),
        });
        let c = m.finish();
        assert_eq!((c.reg_ops, c.acc_ops), (2, 3));
    }
}
