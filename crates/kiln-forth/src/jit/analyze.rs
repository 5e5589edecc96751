//! Static depth analysis of a colon definition for the JIT: the data- and
//! return-stack depth before every reachable op (relative to entry), the
//! cells consumed below entry, the maximum depths, and the exit depth. A
//! definition whose depths depend on data (a merge with two depths, `?DUP`
//! outside `?DUP IF`, `PICK`, `EXECUTE`), that uses the return stack below
//! its own entry, or that uses an op the JIT does not lower, is refused and
//! stays interpreted. The JIT keeps every stack slot in a register
//! (a Cranelift variable) on the strength of this analysis.

use crate::infer::sys_effect;
use crate::isa::Op;
use crate::words::SysWord;

/// A callee's stack effect in cells: consumes `k`, produces `m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sig {
    pub k: u32,
    pub m: u32,
}

/// The result of analysing one definition.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The body's ops (`code[start..end]`).
    pub ops: Vec<Op>,
    /// Code index of `ops[0]`.
    pub start: u32,
    /// Per op: `(data depth, return depth)` before it, relative to entry;
    /// `None` when unreachable.
    pub at: Vec<Option<(i32, u32)>>,
    /// Ops that start a basic block (branch targets and loop heads).
    pub block_start: Vec<bool>,
    /// Ops fused into the previous one (`?DUP IF`'s branch).
    pub skip: Vec<bool>,
    /// Per op: the lowest data depth it reads or writes (its depth before
    /// minus the cells it consumes), relative to entry.
    pub low: Vec<i32>,
    /// Cells consumed below the entry depth.
    pub n_in: u32,
    /// Highest depth reached, relative to entry (≥ 0).
    pub max_d: i32,
    /// Highest return-stack use including a pushed return address at calls.
    pub max_rd: u32,
    /// The definition's effect as a callee.
    pub sig: Sig,
}

/// What a call site calls.
pub(crate) enum Callee {
    /// A callee whose effect is known.
    Known(Sig),
    /// The definition itself (RECURSE).
    SelfCall,
    /// Unknown effect: the caller cannot be compiled.
    Unknown,
}

enum Ctl {
    Next,
    Jump(u32),
    Cond(u32),
    /// `?DO`: the branch skips the loop (no loop parameters).
    QDo(u32),
    /// `LOOP`/`+LOOP`: the branch keeps the parameters, the exit drops them.
    LoopEnd(u32),
    /// `LEAVE`: drop the parameters and jump.
    Leave(u32),
    Exit,
    /// `?DUP IF`: the fall-through keeps x, the branch consumed it.
    QDupIf(u32),
}

struct Info {
    k: u32,
    m: u32,
    /// Return-stack cells needed (read or popped) and the change.
    rneed: u32,
    rdelta: i32,
    call: bool,
    ctl: Ctl,
}

fn info(
    op: Op,
    next: Option<Op>,
    callee: &dyn Fn(u32) -> Callee,
    self_sig: Option<Sig>,
) -> Option<Info> {
    let i = |k: u32, m: u32| Info {
        k,
        m,
        rneed: 0,
        rdelta: 0,
        call: false,
        ctl: Ctl::Next,
    };
    let r = |k: u32, m: u32, rneed: u32, rdelta: i32| Info {
        k,
        m,
        rneed,
        rdelta,
        call: false,
        ctl: Ctl::Next,
    };
    let c = |k: u32, m: u32, ctl: Ctl| Info {
        k,
        m,
        rneed: 0,
        rdelta: 0,
        call: false,
        ctl,
    };
    let call_sig = |to: u32| match callee(to) {
        Callee::Known(s) => Some(s),
        Callee::SelfCall => self_sig,
        Callee::Unknown => None,
    };
    Some(match op {
        Op::Nop | Op::JitEntry { .. } => i(0, 0),
        Op::Lit { .. } | Op::LitK { .. } | Op::Depth => i(0, 1),
        Op::Call { to } => {
            let s = call_sig(to.0)?;
            Info {
                k: s.k,
                m: s.m,
                rneed: 0,
                rdelta: 0,
                call: true,
                ctl: Ctl::Next,
            }
        }
        Op::TailCall { to } => {
            let s = call_sig(to.0)?;
            Info {
                k: s.k,
                m: s.m,
                rneed: 0,
                rdelta: 0,
                call: true,
                ctl: Ctl::Exit,
            }
        }
        Op::Exit => c(0, 0, Ctl::Exit),
        Op::AddExit => c(2, 1, Ctl::Exit),
        Op::DropLitExit { .. } => c(1, 1, Ctl::Exit),
        Op::Branch { to } => c(0, 0, Ctl::Jump(to.0)),
        Op::ZBranch { to } | Op::NzBranch { to } => c(1, 0, Ctl::Cond(to.0)),
        Op::DupZBranch { to } => c(1, 1, Ctl::Cond(to.0)),
        Op::EqBranch { to }
        | Op::NeBranch { to }
        | Op::LtBranch { to }
        | Op::GtBranch { to }
        | Op::ULtBranch { to } => c(2, 0, Ctl::Cond(to.0)),
        Op::LitLtBranch { to, .. } | Op::LitGtBranch { to, .. } | Op::LitEqBranch { to, .. } => {
            c(1, 0, Ctl::Cond(to.0))
        }
        Op::DupLitLtBr { to, .. } => c(1, 1, Ctl::Cond(to.0)),
        Op::QDup => match next {
            Some(Op::ZBranch { to }) => c(1, 1, Ctl::QDupIf(to.0)),
            _ => return None,
        },
        Op::Sys { id } => {
            let w = SysWord::from_u16(id.0)?;
            let e = sys_effect(w)?;
            if e.dynamic || e.r_in != 0 || e.r_out != 0 {
                return None;
            }
            Info {
                k: e.n_in() as u32,
                m: e.n_out() as u32,
                rneed: 0,
                rdelta: 0,
                call: true,
                ctl: Ctl::Next,
            }
        }
        Op::Throw => i(1, 0),
        Op::Dup => i(1, 2),
        Op::Drop => i(1, 0),
        Op::Swap => i(2, 2),
        Op::Over => i(2, 3),
        Op::Rot | Op::MinusRot => i(3, 3),
        Op::Nip => i(2, 1),
        Op::Tuck => i(2, 3),
        Op::TwoDup => i(2, 4),
        Op::TwoDrop => i(2, 0),
        Op::TwoSwap => i(4, 4),
        Op::TwoOver => i(4, 6),
        Op::ToR => r(1, 0, 0, 1),
        Op::RFrom => r(0, 1, 1, -1),
        Op::RFetch => r(0, 1, 1, 0),
        Op::TwoToR => r(2, 0, 0, 2),
        Op::TwoRFrom => r(0, 2, 2, -2),
        Op::TwoRFetch => r(0, 2, 2, 0),
        Op::RDrop => r(0, 0, 1, -1),
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
        | Op::Xor
        | Op::Eq
        | Op::Ne
        | Op::Lt
        | Op::Gt
        | Op::ULt
        | Op::UGt => i(2, 1),
        Op::DivMod | Op::UmStar | Op::MStar => i(2, 2),
        Op::StarSlash => i(3, 1),
        Op::StarSlashMod | Op::UmSlashMod | Op::SmSlashRem | Op::FmSlashMod => i(3, 2),
        Op::DPlus | Op::DMinus => i(4, 2),
        Op::SToD => i(1, 2),
        Op::Negate
        | Op::Abs
        | Op::OnePlus
        | Op::OneMinus
        | Op::TwoStar
        | Op::TwoSlash
        | Op::Invert
        | Op::ZeroEq
        | Op::ZeroNe
        | Op::ZeroLt
        | Op::ZeroGt => i(1, 1),
        Op::Within => i(3, 1),
        Op::Fetch | Op::CFetch => i(1, 1),
        Op::Store | Op::CStore | Op::PlusStore => i(2, 0),
        Op::TwoFetch => i(1, 2),
        Op::TwoStore => i(3, 0),
        Op::Do => r(2, 0, 0, 2),
        Op::QDo { to } => c(2, 0, Ctl::QDo(to.0)),
        Op::Loop { to } | Op::PlusLoopLit { to, .. } => Info {
            rneed: 2,
            ..c(0, 0, Ctl::LoopEnd(to.0))
        },
        Op::PlusLoop { to } => Info {
            rneed: 2,
            ..c(1, 0, Ctl::LoopEnd(to.0))
        },
        Op::DupPlusLoop { to } | Op::AddLitLoop { to, .. } => Info {
            rneed: 2,
            ..c(1, 1, Ctl::LoopEnd(to.0))
        },
        Op::Leave { to } => Info {
            rneed: 2,
            ..c(0, 0, Ctl::Leave(to.0))
        },
        Op::Unloop => r(0, 0, 2, -2),
        Op::I => r(0, 1, 2, 0),
        Op::J => r(0, 1, 3, 0),
        Op::AddLit { .. }
        | Op::MulLit { .. }
        | Op::AndLit { .. }
        | Op::EqLit { .. }
        | Op::LtLit { .. }
        | Op::GtLit { .. }
        | Op::DropLit { .. } => i(1, 1),
        Op::FetchLit { .. } => i(0, 1),
        Op::StoreLit { .. } | Op::PlusStoreLit { .. } => i(1, 0),
        Op::IAdd => r(1, 1, 2, 0),
        Op::IFetch | Op::ICFetch => r(0, 1, 2, 0),
        Op::IStore | Op::ICStore => r(1, 0, 2, 0),
        Op::ITwoFetch => r(0, 2, 2, 0),
        Op::ITwoStore => r(2, 0, 2, 0),
        Op::ICStoreLit { .. } | Op::ISwap2 => r(0, 0, 2, 0),
        Op::OverAdd | Op::UnderAddLit { .. } | Op::SwapAddLit { .. } | Op::AddLit2 { .. } => {
            i(2, 2)
        }
        Op::OverFetch | Op::SwapOver | Op::OverFetchMul => i(2, 3),
        Op::OverFetch2 => i(2, 4),
        Op::RFromAdd => r(1, 1, 1, -1),
        Op::RAdd => r(1, 0, 1, 0),
        Op::DupAddLit { .. } | Op::LitUnder { .. } => i(1, 2),
        Op::ICFetchZBr { to } => Info {
            rneed: 2,
            ..c(0, 0, Ctl::Cond(to.0))
        },
        Op::ITwoGtBranch { to } => Info {
            rneed: 2,
            ..c(0, 0, Ctl::Cond(to.0))
        },
        Op::Halt
        | Op::Execute
        | Op::Catch
        | Op::CatchEnd
        | Op::Pick
        | Op::Roll
        | Op::LocalsEnter { .. }
        | Op::LocalsLeave
        | Op::LocalGet { .. }
        | Op::LocalSet { .. }
        | Op::Does { .. } => return None,
    })
}

/// Analyses `ops` (the body after the `JitEntry`, at code index `start`)
/// of the definition at `cfa`. `callee` gives the effect of a call target.
/// Self-recursion is solved by iteration: the exits reached without a
/// recursive call give a first guess of the effect, which is then checked.
pub(crate) fn analyze(
    ops: &[Op],
    start: u32,
    cfa: u32,
    callee: &dyn Fn(u32) -> Callee,
) -> Result<Plan, String> {
    let mut guess: Option<Sig> = None;
    for _ in 0..4 {
        let p = run(ops, start, cfa, callee, guess)?;
        match p {
            Pass::Done(plan) if guess.is_none_or(|g| g == plan.sig) => return Ok(*plan),
            Pass::Done(plan) => guess = Some(plan.sig),
            Pass::Guess(s) => guess = Some(s),
        }
    }
    Err("recursive definition with no stable stack effect".into())
}

enum Pass {
    Done(Box<Plan>),
    Guess(Sig),
}

fn run(
    ops: &[Op],
    start: u32,
    cfa: u32,
    callee: &dyn Fn(u32) -> Callee,
    self_sig: Option<Sig>,
) -> Result<Pass, String> {
    let n = ops.len();
    let end = start + n as u32;
    let mut at: Vec<Option<(i32, u32)>> = vec![None; n];
    let mut block_start = vec![false; n];
    let mut skip = vec![false; n];
    let mut low = vec![0i32; n];
    let mut min_d = 0i32;
    let mut max_d = 0i32;
    let mut max_rd = 0u32;
    let mut out: Option<i32> = None;
    let mut unresolved_self = false;
    let mut work: Vec<usize> = Vec::new();
    if n == 0 {
        return Err("empty body".into());
    }
    at[0] = Some((0, 0));
    work.push(0);
    let idx = |t: u32| -> Result<usize, String> {
        if t >= start && t < end {
            Ok((t - start) as usize)
        } else if t == cfa {
            // A branch back to the entry (BEGIN at the start) re-runs the
            // JitEntry, a no-op: the body's first op.
            Ok(0)
        } else {
            Err(format!("branch target {t} outside the definition"))
        }
    };
    macro_rules! flow {
        ($j:expr, $st:expr) => {{
            let j: usize = $j;
            let st: (i32, u32) = $st;
            match at[j] {
                None => {
                    at[j] = Some(st);
                    work.push(j);
                }
                Some(s) if s == st => {}
                Some(s) => {
                    return Err(format!(
                        "depths differ at a merge (code {}): {:?} and {:?}",
                        start as usize + j,
                        s,
                        st
                    ));
                }
            }
        }};
    }
    while let Some(pc) = work.pop() {
        let Some((d, rd)) = at[pc] else { continue };
        let op = ops[pc];
        if skip[pc] {
            return Err("a branch into ?DUP IF".into());
        }
        let next = ops.get(pc + 1).copied();
        if matches!(op, Op::Call { to } | Op::TailCall { to } if to.0 == cfa || to.0 == cfa + 1)
            && self_sig.is_none()
        {
            unresolved_self = true;
            continue;
        }
        let Some(inf) = info(op, next, callee, self_sig) else {
            return Err(format!("{op:?} is not compiled"));
        };
        if rd < inf.rneed {
            return Err("return stack used below the definition's entry".into());
        }
        let below = d - inf.k as i32;
        low[pc] = below;
        min_d = min_d.min(below);
        let d2 = below + inf.m as i32;
        max_d = max_d.max(d2).max(d);
        let rd2 = rd as i32 + inf.rdelta;
        if rd2 < 0 {
            return Err("return stack used below the definition's entry".into());
        }
        let rd2 = rd2 as u32;
        max_rd = max_rd.max(rd2).max(rd + inf.call as u32);
        let fall = pc + 1;
        let need_fall = |f: usize| -> Result<usize, String> {
            if f < n {
                Ok(f)
            } else {
                Err("falls off the end of the definition".into())
            }
        };
        match inf.ctl {
            Ctl::Next => flow!(need_fall(fall)?, (d2, rd2)),
            Ctl::Exit => {
                if rd2 != 0 {
                    return Err("EXIT with items on the return stack".into());
                }
                match out {
                    None => out = Some(d2),
                    Some(o) if o == d2 => {}
                    Some(_) => return Err("exits at different depths".into()),
                }
            }
            Ctl::Jump(t) => {
                let j = idx(t)?;
                block_start[j] = true;
                flow!(j, (d2, rd2));
            }
            Ctl::Cond(t) => {
                let j = idx(t)?;
                block_start[j] = true;
                flow!(j, (d2, rd2));
                flow!(need_fall(fall)?, (d2, rd2));
            }
            Ctl::QDupIf(t) => {
                // ?DUP IF: nonzero → x kept, continue after the branch; zero → x consumed.
                let j = idx(t)?;
                block_start[j] = true;
                skip[need_fall(fall)?] = true;
                flow!(j, (d - 1, rd));
                let f2 = need_fall(fall + 1)?;
                block_start[f2] = true;
                flow!(f2, (d, rd));
            }
            Ctl::QDo(t) => {
                let j = idx(t)?;
                block_start[j] = true;
                flow!(j, (d2, rd));
                let f = need_fall(fall)?;
                block_start[f] = true;
                flow!(f, (d2, rd + 2));
                max_rd = max_rd.max(rd + 2);
            }
            Ctl::LoopEnd(t) => {
                let j = idx(t)?;
                block_start[j] = true;
                flow!(j, (d2, rd));
                let f = need_fall(fall)?;
                block_start[f] = true;
                flow!(f, (d2, rd - 2));
            }
            Ctl::Leave(t) => {
                let j = idx(t)?;
                block_start[j] = true;
                flow!(j, (d2, rd - 2));
            }
        }
        if matches!(op, Op::Do) {
            // The loop body starts a block (its head is a branch target anyway).
            if let Some(b) = block_start.get_mut(fall) {
                *b = true;
            }
        }
    }
    let Some(out) = out else {
        if unresolved_self {
            return Err("recursion with no base case reached".into());
        }
        return Err("never returns".into());
    };
    let n_in = (-min_d) as u32;
    let sig = Sig {
        k: n_in,
        m: (n_in as i32 + out) as u32,
    };
    if unresolved_self {
        return Ok(Pass::Guess(sig));
    }
    Ok(Pass::Done(Box::new(Plan {
        ops: ops.to_vec(),
        start,
        at,
        block_start,
        skip,
        low,
        n_in,
        max_d,
        max_rd,
        sig,
    })))
}

/// For the counted loop started by the `DO`/`?DO` at `ops[do_i]`: when it
/// ends in `DUP +LOOP` (the step is the cell under the loop's own cells)
/// and nothing in the loop can change that cell, returns the index of the
/// `+LOOP` and the step's slot (depth relative to entry, 0-based: the
/// cell at relative depth `p` is slot `n_in + p`). Codegen then computes
/// the loop's exit test constants once at the `DO` (see `codegen::loop_end`).
///
/// "Nothing can change it": every op of the body touches only cells above
/// the step (`low`), and no branch from outside the body enters it.
pub(crate) fn invariant_step(plan: &Plan, do_i: usize) -> Option<(usize, i32)> {
    let body = plan.start + do_i as u32 + 1;
    let (d_do, _) = plan.at[do_i]?;
    let end = (do_i + 1..plan.ops.len()).find(|&j| {
        matches!(plan.ops[j], Op::Loop { to } | Op::PlusLoop { to } | Op::DupPlusLoop { to }
            | Op::PlusLoopLit { to, .. } | Op::AddLitLoop { to, .. } if to.0 == body)
    })?;
    if !matches!(plan.ops[end], Op::DupPlusLoop { .. }) {
        return None;
    }
    let (d_end, _) = plan.at[end]?;
    let p = d_end - 1;
    if p >= d_do - 2 || p < -(plan.n_in as i32) {
        return None;
    }
    for j in do_i + 1..end {
        if plan.at[j].is_some() && plan.low[j] <= p {
            return None;
        }
    }
    let inside = body..=plan.start + end as u32;
    for (j, op) in plan.ops.iter().enumerate() {
        if (do_i + 1..=end).contains(&j) || matches!(op, Op::Call { .. } | Op::TailCall { .. }) {
            continue;
        }
        if op.target().is_some_and(|t| inside.contains(&t)) {
            return None;
        }
    }
    Some((end, p))
}

/// The step of a counted loop chosen for versioning ([`version`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopStep {
    /// A nonzero constant (`LOOP` is 1).
    Const(i64),
    /// `DUP +LOOP` with the step in data slot `p` (relative to entry),
    /// untouched by the body ([`invariant_step`]).
    Inv(i32),
}

/// A counted loop whose body codegen emits twice (loop versioning): a
/// copy without the index-addressed bounds checks (and, when `no_tick`,
/// without the fuel test on the back edge), entered when a test at the
/// `DO` proves every index the loop can take is in range (and the fuel
/// cannot run out inside it), and the ordinary checked copy otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Version {
    /// Op index of the loop's end (`LOOP`, `+LOOP`…).
    pub end: usize,
    /// The step.
    pub step: LoopStep,
    /// Largest access size in bytes (1, 8 or 16) of the body's accesses
    /// addressed by this loop's own index (`I C@`, `I 2@`…); 0 when none.
    pub size: i64,
    /// The body makes no call (compiled, interpreted or system word) and
    /// has no backward branch but the loop's own: the fuel countdown falls
    /// by exactly one per iteration, so the fast copy's back edge need not
    /// test it when the trip count is known to be below it.
    pub no_tick: bool,
    /// Accesses through induction variables (a `LOOP` with step 1 whose
    /// straight-line body adds a constant to a stack cell each iteration).
    pub ivs: Vec<IvAccess>,
    /// Ops whose every address is an induction variable's (unchecked in
    /// the fast copy).
    pub iv_ops: Vec<usize>,
}

/// An access at `slot + off` where stack slot `slot` (index into the
/// frame's slots) holds `v0 + k * step` in iteration `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IvAccess {
    /// Frame slot (0 = deepest input).
    pub slot: usize,
    /// Constant added to the slot's value to form the address.
    pub off: i64,
    /// The slot's increment per iteration (|step| < 2^31).
    pub step: i64,
    /// Bytes accessed.
    pub size: i64,
}

/// Body length (ops) above which a loop is not versioned (code growth).
const VERSION_MAX_OPS: usize = 96;

/// Whether (and how) the counted loop whose `DO`/`?DO` is op `do_i` is
/// versioned: its step is constant or loop-invariant, no op in the body
/// touches the loop's own return-stack cells (so `I` at the loop's
/// return depth is its index), and it either addresses memory by its
/// index or can drop its fuel test. Source: loop versioning for bounds-check
/// elimination (e.g. Würthinger et al., "Array bounds check elimination
/// for the Java HotSpot client compiler", PPPJ 2007, section 4).
pub(crate) fn version(plan: &Plan, do_i: usize) -> Option<Version> {
    let body = plan.start + do_i as u32 + 1;
    let (_, rd_do) = plan.at[do_i]?;
    let level = rd_do + 2;
    let end = (do_i + 1..plan.ops.len()).find(|&j| {
        matches!(plan.ops[j], Op::Loop { to } | Op::PlusLoop { to } | Op::DupPlusLoop { to }
            | Op::PlusLoopLit { to, .. } | Op::AddLitLoop { to, .. } if to.0 == body)
    })?;
    if end - do_i > VERSION_MAX_OPS {
        return None;
    }
    let step = match plan.ops[end] {
        Op::Loop { .. } | Op::AddLitLoop { .. } => LoopStep::Const(1),
        Op::PlusLoopLit { v, .. } if v.0 != 0 => LoopStep::Const(v.0 as i64),
        Op::DupPlusLoop { .. } => LoopStep::Inv(invariant_step(plan, do_i)?.1),
        _ => return None,
    };
    let mut size = 0;
    let mut no_tick = !matches!(step, LoopStep::Const(c) if c.unsigned_abs() >= 1 << 40);
    for j in do_i + 1..end {
        let Some((_, rd)) = plan.at[j] else {
            continue;
        };
        let op = plan.ops[j];
        // Return-stack cells this op pops or rewrites.
        let pops = match op {
            Op::RFrom | Op::RDrop | Op::RFromAdd | Op::RAdd => 1,
            Op::TwoRFrom | Op::Unloop => 2,
            _ => 0,
        };
        if rd < level + pops && pops > 0 {
            return None;
        }
        if matches!(op, Op::Call { .. } | Op::TailCall { .. } | Op::Sys { .. })
            || op
                .target()
                .is_some_and(|t| t <= plan.start + j as u32 && !matches!(op, Op::Leave { .. }))
        {
            no_tick = false;
        }
        if rd == level {
            let s = match op {
                Op::ICFetch | Op::ICStore | Op::ICStoreLit { .. } | Op::ICFetchZBr { .. } => 1,
                Op::IFetch | Op::IStore => 8,
                Op::ITwoFetch | Op::ITwoStore | Op::ITwoGtBranch { .. } | Op::ISwap2 => 16,
                _ => 0,
            };
            size = size.max(s);
        }
    }
    let (ivs, iv_ops) = if step == LoopStep::Const(1) {
        induction(plan, do_i, end).unwrap_or_default()
    } else {
        Default::default()
    };
    (size > 0 || no_tick || !ivs.is_empty()).then_some(Version {
        end,
        step,
        size,
        no_tick,
        ivs,
        iv_ops,
    })
}

/// A cell's value in [`induction`]'s symbolic run of a loop body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    /// Slot `.0`'s value at the loop head plus `.1`.
    Iv(usize, i64),
    Other,
}

/// The memory accesses of a straight-line loop body (ops `do_i+1..end`)
/// whose addresses are induction variables: stack cells that the body
/// returns to the same slot plus a constant each iteration. Symbolic
/// execution over the stack ops; any op it does not model makes the cells
/// it touches (from `Plan::low` up) unknown, and any branch, or return-stack
/// op below the loop's cells, gives up. Returns the accesses and the ops
/// all of whose addresses are among them.
#[allow(clippy::type_complexity)]
fn induction(plan: &Plan, do_i: usize, end: usize) -> Option<(Vec<IvAccess>, Vec<usize>)> {
    let n_in = plan.n_in as i32;
    let (d_do, rd_do) = plan.at[do_i]?;
    let (d0, _) = plan.at[do_i + 1]?;
    let level = rd_do + 2;
    let mut ds: Vec<Sym> = (0..(n_in + d0) as usize).map(|s| Sym::Iv(s, 0)).collect();
    let mut rs: Vec<Sym> = Vec::new();
    let _ = d_do;
    // Candidate accesses: (op, slot sym, size).
    let mut acc: Vec<(usize, Sym, i64)> = Vec::new();
    let mut others: Vec<usize> = Vec::new();
    let add = |x: Sym, v: i64| match x {
        Sym::Iv(s, o) => o.checked_add(v).map_or(Sym::Other, |o| Sym::Iv(s, o)),
        Sym::Other => Sym::Other,
    };
    for j in do_i + 1..end {
        let (d, rd) = plan.at[j]?;
        let op = plan.ops[j];
        if op.target().is_some() || plan.skip[j] {
            return None;
        }
        let top = (n_in + d) as usize;
        if ds.len() != top {
            return None;
        }
        let pk = |ds: &Vec<Sym>, k: usize| ds[top - 1 - k];
        match op {
            Op::Dup => ds.push(pk(&ds, 0)),
            Op::Drop => {
                ds.pop();
            }
            Op::Swap => ds.swap(top - 1, top - 2),
            Op::Over => ds.push(pk(&ds, 1)),
            Op::Nip => {
                ds.remove(top - 2);
            }
            Op::TwoDrop => ds.truncate(top - 2),
            Op::ToR => rs.push(ds.pop()?),
            Op::RFrom if rd > level => ds.push(rs.pop()?),
            Op::RFetch if rd > level => ds.push(*rs.last()?),
            Op::RAdd if rd > level => {
                ds.pop();
                *rs.last_mut()? = Sym::Other;
            }
            Op::RFromAdd if rd > level => {
                rs.pop();
                ds[top - 1] = Sym::Other;
            }
            Op::AddLit { v } => ds[top - 1] = add(ds[top - 1], v.0 as i64),
            Op::OnePlus => ds[top - 1] = add(ds[top - 1], 1),
            Op::OneMinus => ds[top - 1] = add(ds[top - 1], -1),
            Op::AddLit2 { a, b } => {
                ds[top - 2] = add(ds[top - 2], a.0 as i64);
                ds[top - 1] = add(ds[top - 1], b.0 as i64);
            }
            Op::Fetch | Op::CFetch => {
                acc.push((j, pk(&ds, 0), if op == Op::Fetch { 8 } else { 1 }));
                ds[top - 1] = Sym::Other;
            }
            Op::TwoFetch => {
                acc.push((j, pk(&ds, 0), 16));
                ds[top - 1] = Sym::Other;
                ds.push(Sym::Other);
            }
            Op::OverFetch => {
                acc.push((j, pk(&ds, 1), 8));
                ds.push(Sym::Other);
            }
            Op::OverFetch2 | Op::OverFetchMul => {
                acc.push((j, pk(&ds, 1), 8));
                acc.push((j, pk(&ds, 0), 8));
                ds.push(Sym::Other);
                if op == Op::OverFetch2 {
                    ds.push(Sym::Other);
                }
            }
            Op::Store | Op::CStore | Op::PlusStore => {
                let size = if op == Op::CStore { 1 } else { 8 };
                acc.push((j, pk(&ds, 0), size));
                ds.truncate(top - 2);
            }
            Op::TwoStore => {
                acc.push((j, pk(&ds, 0), 16));
                ds.truncate(top - 3);
            }
            Op::RFrom
            | Op::RFetch
            | Op::RAdd
            | Op::RFromAdd
            | Op::TwoToR
            | Op::TwoRFrom
            | Op::TwoRFetch
            | Op::RDrop
            | Op::Unloop
            | Op::Leave { .. } => return None,
            _ => {
                // Unmodelled: the cells it touches become unknown.
                let (d1, _) = plan.at.get(j + 1).copied().flatten()?;
                let low = (n_in + plan.low[j]).max(0) as usize;
                if low > ds.len() {
                    return None;
                }
                ds.truncate(low);
                ds.resize((n_in + d1) as usize, Sym::Other);
                others.push(j);
            }
        }
    }
    // The loop's end (`LOOP`, or `n + LOOP` fused) must leave the head's depth.
    if let Op::AddLitLoop { v, .. } = plan.ops[end] {
        let t = ds.len().checked_sub(1)?;
        ds[t] = add(ds[t], v.0 as i64);
    }
    if ds.len() != (n_in + d0) as usize || !rs.is_empty() {
        return None;
    }
    let mut ivs = Vec::new();
    let mut ops: Vec<usize> = acc.iter().map(|a| a.0).collect();
    ops.dedup();
    ops.retain(|&j| {
        acc.iter().filter(|a| a.0 == j).all(|&(_, sym, size)| {
            let Sym::Iv(slot, off) = sym else {
                return false;
            };
            let Sym::Iv(s2, step) = ds[slot] else {
                return false;
            };
            if s2 != slot || step.unsigned_abs() >= 1 << 31 || off.unsigned_abs() >= 1 << 31 {
                return false;
            }
            ivs.push(IvAccess {
                slot,
                off,
                step,
                size,
            });
            true
        })
    });
    let _ = others;
    Some((ivs, ops))
}

/// The operator of an accumulating self-call ([`accumulations`]): an
/// associative primitive on wrapping cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AccOp {
    /// `+` (identity 0).
    Add,
    /// `*` (identity 1).
    Mul,
    /// `AND` (identity -1, all bits set).
    And,
    /// `OR` (identity 0).
    Or,
    /// `XOR` (identity 0).
    Xor,
}

impl AccOp {
    /// The operator's identity element: `identity op x = x`.
    pub(crate) fn identity(self) -> i64 {
        match self {
            AccOp::Add | AccOp::Or | AccOp::Xor => 0,
            AccOp::Mul => 1,
            AccOp::And => -1,
        }
    }
}

/// Self-calls whose result is combined with the cell below by an
/// associative operator and returned at once (`… RECURSE + ;`): the
/// candidates of accumulator introduction (`codegen::Gen::accumulate`).
/// Returns `(op index of the call, operator)` for each, in order; empty
/// unless the definition qualifies as a whole.
///
/// A definition qualifies when its effect is `k -> 1` (so `n_in = k`),
/// and a call site qualifies when
/// * it is a non-tail call of the definition itself (`RECURSE` or its
///   own name), outside any `DO` loop and with nothing on the return stack
///   (return depth 0);
/// * exactly one cell lies under the callee's inputs, the operand `x`
///   (data depth 1 relative to entry: the live stack is `x a_1 … a_k`);
/// * the next ops are `+ EXIT` (fused `AddExit`), or one of `+ * AND OR
///   XOR` followed by `EXIT`;
/// * its operator is the first qualifying site's (one accumulator).
///
/// Then `x op f(a)` is what that path returns, and since `op` is
/// associative on wrapping cells, a chain of such calls returning `v` at
/// the end computes `x_0 op (x_1 op (… op v))` = `((x_0 op x_1) op …) op
/// v`: the call can become a jump back to the body's first op with the
/// inputs replaced and `x` folded into an accumulator. Nothing else about
/// the body matters: codegen keeps every observable effect of the
/// recursion (fuel, depth limits, the cells `x` on the data stack in
/// memory, the depths seen by callees and by exceptions).
pub(crate) fn accumulations(plan: &Plan) -> Vec<(usize, AccOp)> {
    if plan.sig.m != 1 || plan.sig.k != plan.n_in {
        return Vec::new();
    }
    let cfa = plan.start - 1;
    let mut sites = Vec::new();
    for (i, op) in plan.ops.iter().enumerate() {
        let Op::Call { to } = *op else { continue };
        if to.0 != cfa && to.0 != plan.start {
            continue;
        }
        if plan.at[i] != Some((1, 0)) || plan.skip.get(i + 1) != Some(&false) {
            continue;
        }
        let aop = match (plan.ops.get(i + 1), plan.ops.get(i + 2)) {
            (Some(Op::AddExit), _) => AccOp::Add,
            (Some(Op::Add), Some(Op::Exit)) => AccOp::Add,
            (Some(Op::Mul), Some(Op::Exit)) => AccOp::Mul,
            (Some(Op::And), Some(Op::Exit)) => AccOp::And,
            (Some(Op::Or), Some(Op::Exit)) => AccOp::Or,
            (Some(Op::Xor), Some(Op::Exit)) => AccOp::Xor,
            _ => continue,
        };
        if matches!(plan.ops[i + 1], Op::AddExit) || plan.skip.get(i + 2) == Some(&false) {
            sites.push((i, aop));
        }
    }
    // One accumulator, one operator: sites with another operator stay
    // real calls (their callee starts a fresh accumulator).
    if let Some(&(_, first)) = sites.first() {
        sites.retain(|&(_, o)| o == first);
    }
    sites
}
