//! The dispatch loop: one `match` over [`Op`], hot state (pc, stack
//! pointers, the stacks themselves) in locals, short opcode bodies.
//!
//! The data stack lives in memory (`ds[..n]`, no top-of-stack register: a
//! cached top turns every push/pop pair into a store→load dependency); the
//! innermost DO loop's index and limit live in locals (`li`, `ll`) while
//! cached, so a loop iteration touches no memory. Every way out of the loop
//! goes through one place (`break` with an [`Event`]), after which the
//! loop parameters, the pc and the stack pointers are synced back to
//! [`Hot`]; a faulting op leaves `pc` one past itself, so the driver
//! reports `pc - 1`, and changes no state before it fails. Fuel and interrupts are checked through a
//! countdown on calls and backward jumps (`tick!`). Stack indices are
//! masked with the (power-of-two) stack size and every pop is preceded by
//! an explicit depth check, so the loop needs no `unsafe` and no bounds
//! checks.

use super::{DS_MAX, DS_SIZE, Event, Hot, JitState, RS_MAX, RS_SIZE};
use crate::error::code;
use crate::isa::Op;
use crate::memory::Cell;

const DM: usize = DS_SIZE - 1;
const RM: usize = RS_SIZE - 1;

/// Runs code from `*pc` until something needs the driver. `floor` is the
/// return-stack depth below which this entry into the VM may not pop;
/// `tick` counts down calls and backward jumps to the next budget check.
pub(crate) fn dispatch(hot: &mut Hot, pc_io: &mut u32, floor: usize, tick: &mut u32) -> Event {
    let Hot {
        ds,
        sp: sp_io,
        rs,
        rp: rp_io,
        locals,
        frames,
        code,
        mem,
        consts,
        xts,
        jit,
    } = hot;
    let ds: &mut [Cell; DS_SIZE] = ds;
    let rs: &mut [Cell; RS_SIZE] = rs;
    let code: &[Op] = code;
    let mut n = *sp_io;
    let mut rp = *rp_io;
    let mut pc = *pc_io as usize;
    let mut t = *tick;
    // The innermost DO loop's index and limit, cached while `lrp != 0`:
    // their return-stack slots rs[lrp-1] (index) and rs[lrp-2] (limit) are
    // stale until spilled.
    let mut li: Cell = 0;
    let mut ll: Cell = 0;
    let mut lrp: usize = 0;
    // `floor` is not consulted per op: popping below it is caught when the
    // code reaches `Halt` with the return stack at another depth (-25), and
    // the stacks are masked, so it is memory-safe meanwhile.
    let _ = floor;

    // The cell `k` below the top (0 = the top).
    macro_rules! s {
        ($k:expr) => {
            ds[(n.wrapping_sub(1 + $k)) & DM]
        };
    }
    macro_rules! r {
        ($i:expr) => {
            rs[($i) & RM]
        };
    }
    macro_rules! fail {
        ($c:expr) => {
            break Event::Throw($c)
        };
    }
    macro_rules! need {
        ($k:expr) => {
            if n < $k {
                fail!(code::STACK_UNDERFLOW);
            }
        };
    }
    macro_rules! room {
        ($k:expr) => {
            if n + $k > DS_MAX {
                fail!(code::STACK_OVERFLOW);
            }
        };
    }
    macro_rules! push {
        ($v:expr) => {{
            let v: Cell = $v;
            room!(1);
            ds[n & DM] = v;
            n += 1;
        }};
    }
    macro_rules! rpush {
        ($v:expr) => {{
            let v: Cell = $v;
            if rp >= RS_MAX {
                fail!(code::RSTACK_OVERFLOW);
            }
            r!(rp) = v;
            rp += 1;
        }};
    }
    macro_rules! rpop {
        () => {{
            if rp == 0 {
                fail!(code::RSTACK_UNDERFLOW);
            }
            rp -= 1;
            r!(rp)
        }};
    }
    macro_rules! loop_params {
        ($k:expr) => {
            if rp < $k {
                fail!(code::NO_LOOP);
            }
        };
    }
    // Write the cached loop parameters back to the return stack.
    macro_rules! write_back {
        () => {
            if lrp != 0 {
                r!(lrp - 1) = li;
                r!(lrp - 2) = ll;
            }
        };
    }
    // Write them back and stop caching.
    macro_rules! spill {
        () => {
            write_back!();
            lrp = 0;
        };
    }
    // Spill when the cached slots are among the top `k` return-stack cells.
    macro_rules! sync_top {
        ($k:expr) => {
            if lrp != 0 && lrp + $k > rp {
                spill!();
            }
        };
    }
    // Make the loop parameters on top of the return stack the cached ones.
    macro_rules! lparams {
        () => {
            if lrp != rp {
                write_back!();
                loop_params!(2);
                li = r!(rp - 1);
                ll = r!(rp - 2);
                lrp = rp;
            }
        };
    }
    // Fuel/interrupt countdown on calls and backward jumps. A call checks
    // before it changes anything (the driver resumes on the call itself); a
    // jump checks after it completed (the driver resumes at the target).
    macro_rules! tick {
        () => {
            t = t.wrapping_sub(1);
            if t == 0 {
                pc -= 1;
                break Event::Tick;
            }
        };
    }
    macro_rules! tick_after {
        () => {
            t = t.wrapping_sub(1);
            if t == 0 {
                break Event::Tick;
            }
        };
    }
    macro_rules! mem_try {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => fail!(e.0),
            }
        };
    }
    // ( a b -- f(a, b) )
    macro_rules! binop {
        (|$a:ident, $b:ident| $e:expr) => {{
            need!(2);
            let $b = s!(0);
            let $a = s!(1);
            s!(1) = $e;
            n -= 1;
        }};
    }
    macro_rules! unop {
        (|$a:ident| $e:expr) => {{
            need!(1);
            let $a = s!(0);
            s!(0) = $e;
        }};
    }
    macro_rules! flag {
        ($e:expr) => {
            if $e { -1 } else { 0 }
        };
    }
    macro_rules! jump {
        ($to:expr) => {{
            let to = $to.0 as usize;
            let back = to < pc;
            pc = to;
            if back {
                tick_after!();
            }
        }};
    }
    macro_rules! plus_loop {
        ($step:expr, $to:expr) => {{
            let step: Cell = $step;
            let d = li.wrapping_sub(ll);
            let nd = d.wrapping_add(step);
            if ((d ^ nd) & (d ^ step)) < 0 {
                rp -= 2;
                lrp = 0;
            } else {
                li = li.wrapping_add(step);
                jump!($to);
            }
        }};
    }
    macro_rules! pop1 {
        () => {{
            need!(1);
            n -= 1;
            ds[n & DM]
        }};
    }
    macro_rules! pop2 {
        () => {{
            need!(2);
            n -= 2;
            (ds[n & DM], ds[(n + 1) & DM])
        }};
    }

    let event = loop {
        let Some(&op) = code.get(pc) else {
            fail!(code::INVALID_ADDRESS);
        };
        pc += 1;
        match op {
            Op::Halt => {
                pc -= 1;
                break Event::Halt;
            }
            Op::Nop => {}
            Op::JitEntry { id } => {
                if let Some(s) = jit.get_mut(id.0 as usize) {
                    match s.state {
                        JitState::Ready => break Event::Jit(id.0),
                        JitState::Counting => {
                            s.countdown = s.countdown.saturating_sub(1);
                            if s.countdown == 0 {
                                break Event::JitCompile(id.0);
                            }
                        }
                        JitState::Interpreted => {}
                    }
                }
            }
            Op::Lit { v } => push!(v.0 as Cell),
            Op::LitK { k } => match consts.get(k.0 as usize) {
                Some(&v) => push!(v),
                None => fail!(code::INVALID_ADDRESS),
            },
            Op::Call { to } => {
                tick!();
                rpush!(pc as Cell);
                pc = to.0 as usize;
            }
            Op::TailCall { to } => {
                tick!();
                pc = to.0 as usize;
            }
            Op::Exit => {
                sync_top!(1);
                let a = rpop!();
                pc = a as usize;
            }
            Op::Branch { to } => jump!(to),
            Op::ZBranch { to } => {
                if pop1!() == 0 {
                    jump!(to);
                }
            }
            Op::Execute => {
                need!(1);
                let Some(&cfa) = xts.get(s!(0) as u64 as usize) else {
                    fail!(code::INVALID_ADDRESS);
                };
                tick!();
                n -= 1;
                rpush!(pc as Cell);
                pc = cfa as usize;
            }
            Op::Sys { id } => break Event::Sys(id.0),
            Op::Catch => break Event::Catch,
            Op::CatchEnd => break Event::CatchEnd,
            Op::Throw => {
                let c = pop1!();
                if c != 0 {
                    fail!(c);
                }
            }
            Op::Does { to } => break Event::Does(to.0),
            Op::Dup => {
                need!(1);
                push!(s!(0));
            }
            Op::Drop => {
                need!(1);
                n -= 1;
            }
            Op::Swap => {
                need!(2);
                ds.swap((n - 1) & DM, (n - 2) & DM);
            }
            Op::Over => {
                need!(2);
                push!(s!(1));
            }
            Op::Rot => {
                need!(3);
                let a = s!(2);
                s!(2) = s!(1);
                s!(1) = s!(0);
                s!(0) = a;
            }
            Op::MinusRot => {
                need!(3);
                let c = s!(0);
                s!(0) = s!(1);
                s!(1) = s!(2);
                s!(2) = c;
            }
            Op::Nip => {
                need!(2);
                s!(1) = s!(0);
                n -= 1;
            }
            Op::Tuck => {
                need!(2);
                room!(1);
                let (a, b) = (s!(1), s!(0));
                s!(1) = b;
                s!(0) = a;
                ds[n & DM] = b;
                n += 1;
            }
            Op::TwoDup => {
                need!(2);
                room!(2);
                ds[n & DM] = s!(1);
                ds[(n + 1) & DM] = s!(0);
                n += 2;
            }
            Op::TwoDrop => {
                need!(2);
                n -= 2;
            }
            Op::TwoSwap => {
                need!(4);
                ds.swap((n - 1) & DM, (n - 3) & DM);
                ds.swap((n - 2) & DM, (n - 4) & DM);
            }
            Op::TwoOver => {
                need!(4);
                room!(2);
                ds[n & DM] = s!(3);
                ds[(n + 1) & DM] = s!(2);
                n += 2;
            }
            Op::QDup => {
                need!(1);
                let x = s!(0);
                if x != 0 {
                    push!(x);
                }
            }
            Op::Pick => {
                need!(1);
                let u = s!(0) as u64;
                if u >= (n - 1) as u64 {
                    fail!(code::STACK_UNDERFLOW);
                }
                s!(0) = s!(1 + u as usize);
            }
            Op::Roll => {
                need!(1);
                let u = s!(0) as u64;
                if u >= (n - 1) as u64 {
                    fail!(code::STACK_UNDERFLOW);
                }
                n -= 1;
                let u = u as usize;
                if let Some(w) = ds.get_mut(n - 1 - u..n) {
                    w.rotate_left(1);
                }
            }
            Op::Depth => push!(n as Cell),
            Op::ToR => {
                need!(1);
                rpush!(s!(0));
                n -= 1;
            }
            Op::RFrom => {
                room!(1);
                sync_top!(1);
                let x = rpop!();
                push!(x);
            }
            Op::RFetch => {
                sync_top!(1);
                if rp == 0 {
                    fail!(code::RSTACK_UNDERFLOW);
                }
                push!(r!(rp - 1));
            }
            Op::RDrop => {
                sync_top!(1);
                let _ = rpop!();
            }
            Op::TwoToR => {
                need!(2);
                if rp + 2 > RS_MAX {
                    fail!(code::RSTACK_OVERFLOW);
                }
                r!(rp) = s!(1);
                r!(rp + 1) = s!(0);
                rp += 2;
                n -= 2;
            }
            Op::TwoRFrom | Op::TwoRFetch => {
                sync_top!(2);
                if rp < 2 {
                    fail!(code::RSTACK_UNDERFLOW);
                }
                room!(2);
                ds[n & DM] = r!(rp - 2);
                ds[(n + 1) & DM] = r!(rp - 1);
                n += 2;
                if op == Op::TwoRFrom {
                    rp -= 2;
                }
            }
            Op::Add => binop!(|a, b| a.wrapping_add(b)),
            Op::Sub => binop!(|a, b| a.wrapping_sub(b)),
            Op::Mul => binop!(|a, b| a.wrapping_mul(b)),
            Op::Div => {
                need!(2);
                if s!(0) == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                binop!(|a, b| a.wrapping_div(b))
            }
            Op::Mod => {
                need!(2);
                if s!(0) == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                binop!(|a, b| a.wrapping_rem(b))
            }
            Op::DivMod => {
                need!(2);
                let (a, b) = (s!(1), s!(0));
                if b == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                s!(1) = a.wrapping_rem(b);
                s!(0) = a.wrapping_div(b);
            }
            Op::StarSlash | Op::StarSlashMod => {
                need!(3);
                let c = s!(0) as i128;
                if c == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                let p = s!(2) as i128 * s!(1) as i128;
                let q = p / c;
                if q != q as i64 as i128 {
                    fail!(code::OUT_OF_RANGE);
                }
                if op == Op::StarSlash {
                    s!(2) = q as i64;
                    n -= 2;
                } else {
                    s!(2) = (p % c) as i64;
                    s!(1) = q as i64;
                    n -= 1;
                }
            }
            Op::Negate => unop!(|a| a.wrapping_neg()),
            Op::Abs => unop!(|a| a.wrapping_abs()),
            Op::Min => binop!(|a, b| a.min(b)),
            Op::Max => binop!(|a, b| a.max(b)),
            Op::OnePlus => unop!(|a| a.wrapping_add(1)),
            Op::OneMinus => unop!(|a| a.wrapping_sub(1)),
            Op::TwoStar => unop!(|a| a.wrapping_shl(1)),
            Op::TwoSlash => unop!(|a| a >> 1),
            Op::LShift => binop!(|a, b| if (b as u64) < 64 { a << b } else { 0 }),
            Op::RShift => binop!(|a, b| if (b as u64) < 64 {
                ((a as u64) >> b) as i64
            } else {
                0
            }),
            Op::And => binop!(|a, b| a & b),
            Op::Or => binop!(|a, b| a | b),
            Op::Xor => binop!(|a, b| a ^ b),
            Op::Invert => unop!(|a| !a),
            Op::UmStar => {
                need!(2);
                let p = (s!(1) as u64 as u128) * (s!(0) as u64 as u128);
                s!(1) = p as i64;
                s!(0) = (p >> 64) as i64;
            }
            Op::MStar => {
                need!(2);
                let p = (s!(1) as i128) * (s!(0) as i128);
                s!(1) = p as i64;
                s!(0) = (p >> 64) as i64;
            }
            Op::UmSlashMod => {
                need!(3);
                let u = s!(0) as u64 as u128;
                let ud = ((s!(1) as u64 as u128) << 64) | s!(2) as u64 as u128;
                if u == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                let q = ud / u;
                if q > u64::MAX as u128 {
                    fail!(code::OUT_OF_RANGE);
                }
                s!(2) = (ud % u) as i64;
                s!(1) = q as i64;
                n -= 1;
            }
            Op::SmSlashRem | Op::FmSlashMod => {
                need!(3);
                let d = s!(0) as i128;
                let dd = ((s!(1) as i128) << 64) | s!(2) as u64 as i128;
                if d == 0 {
                    fail!(code::DIV_BY_ZERO);
                }
                let (mut q, mut r) = match (dd.checked_div(d), dd.checked_rem(d)) {
                    (Some(q), Some(r)) => (q, r),
                    _ => fail!(code::OUT_OF_RANGE),
                };
                if op == Op::FmSlashMod && r != 0 && ((r < 0) != (d < 0)) {
                    q -= 1;
                    r += d;
                }
                if q != q as i64 as i128 {
                    fail!(code::OUT_OF_RANGE);
                }
                s!(2) = r as i64;
                s!(1) = q as i64;
                n -= 1;
            }
            Op::DPlus | Op::DMinus => {
                need!(4);
                let b = ((s!(0) as i128) << 64) | s!(1) as u64 as i128;
                let a = ((s!(2) as i128) << 64) | s!(3) as u64 as i128;
                let r = if op == Op::DPlus {
                    a.wrapping_add(b)
                } else {
                    a.wrapping_sub(b)
                };
                s!(3) = r as i64;
                s!(2) = (r >> 64) as i64;
                n -= 2;
            }
            Op::SToD => {
                need!(1);
                push!(if s!(0) < 0 { -1 } else { 0 });
            }
            Op::Eq => binop!(|a, b| flag!(a == b)),
            Op::Ne => binop!(|a, b| flag!(a != b)),
            Op::Lt => binop!(|a, b| flag!(a < b)),
            Op::Gt => binop!(|a, b| flag!(a > b)),
            Op::ULt => binop!(|a, b| flag!((a as u64) < (b as u64))),
            Op::UGt => binop!(|a, b| flag!((a as u64) > (b as u64))),
            Op::ZeroEq => unop!(|a| flag!(a == 0)),
            Op::ZeroNe => unop!(|a| flag!(a != 0)),
            Op::ZeroLt => unop!(|a| flag!(a < 0)),
            Op::ZeroGt => unop!(|a| flag!(a > 0)),
            Op::Within => {
                need!(3);
                let (x, lo, hi) = (s!(2), s!(1), s!(0));
                s!(2) = flag!((x.wrapping_sub(lo) as u64) < (hi.wrapping_sub(lo) as u64));
                n -= 2;
            }
            Op::Fetch => {
                need!(1);
                s!(0) = mem_try!(mem.fetch(s!(0)));
            }
            Op::Store => {
                need!(2);
                mem_try!(mem.store(s!(0), s!(1)));
                n -= 2;
            }
            Op::CFetch => {
                need!(1);
                s!(0) = mem_try!(mem.cfetch(s!(0))) as Cell;
            }
            Op::CStore => {
                need!(2);
                mem_try!(mem.cstore(s!(0), s!(1) as u8));
                n -= 2;
            }
            Op::PlusStore => {
                need!(2);
                let a = s!(0);
                let v = mem_try!(mem.fetch(a));
                mem_try!(mem.store(a, v.wrapping_add(s!(1))));
                n -= 2;
            }
            Op::TwoFetch => {
                need!(1);
                room!(1);
                let (x2, x1) = mem_try!(mem.fetch2(s!(0)));
                s!(0) = x1;
                ds[n & DM] = x2;
                n += 1;
            }
            Op::TwoStore => {
                need!(3);
                mem_try!(mem.store2(s!(0), s!(1), s!(2)));
                n -= 3;
            }
            Op::Do => {
                need!(2);
                if rp + 2 > RS_MAX {
                    fail!(code::RSTACK_OVERFLOW);
                }
                write_back!();
                ll = s!(1);
                li = s!(0);
                n -= 2;
                rp += 2;
                lrp = rp;
            }
            Op::QDo { to } => {
                need!(2);
                if rp + 2 > RS_MAX {
                    fail!(code::RSTACK_OVERFLOW);
                }
                let (limit, start) = (s!(1), s!(0));
                n -= 2;
                if start == limit {
                    pc = to.0 as usize;
                } else {
                    write_back!();
                    ll = limit;
                    li = start;
                    rp += 2;
                    lrp = rp;
                }
            }
            Op::Loop { to } => {
                lparams!();
                li = li.wrapping_add(1);
                if li == ll {
                    rp -= 2;
                    lrp = 0;
                } else {
                    jump!(to);
                }
            }
            Op::AddLitLoop { v, to } => {
                need!(1);
                lparams!();
                s!(0) = s!(0).wrapping_add(v.0 as Cell);
                li = li.wrapping_add(1);
                if li == ll {
                    rp -= 2;
                    lrp = 0;
                } else {
                    jump!(to);
                }
            }
            Op::PlusLoop { to } => {
                need!(1);
                lparams!();
                let step = pop1!();
                plus_loop!(step, to);
            }
            Op::DupPlusLoop { to } => {
                need!(1);
                lparams!();
                plus_loop!(s!(0), to);
            }
            Op::PlusLoopLit { v, to } => {
                lparams!();
                plus_loop!(v.0 as Cell, to);
            }
            Op::Leave { to } => {
                sync_top!(2);
                loop_params!(2);
                rp -= 2;
                pc = to.0 as usize;
            }
            Op::Unloop => {
                sync_top!(2);
                loop_params!(2);
                rp -= 2;
            }
            Op::I => {
                lparams!();
                push!(li);
            }
            Op::J => {
                sync_top!(4);
                loop_params!(3);
                push!(r!(rp - 3));
            }
            Op::LocalsEnter { n: count } => {
                let k = count.0 as usize;
                need!(k);
                if locals.len() + k > super::LOCALS_MAX {
                    fail!(code::RSTACK_OVERFLOW);
                }
                frames.push(locals.len());
                for j in 0..k {
                    locals.push(ds[(n - k + j) & DM]);
                }
                n -= k;
            }
            Op::LocalsLeave => {
                if let Some(base) = frames.pop() {
                    locals.truncate(base);
                }
            }
            Op::LocalGet { i } => {
                let base = frames.last().copied().unwrap_or(usize::MAX);
                match locals.get(base.wrapping_add(i.0 as usize)) {
                    Some(&v) => push!(v),
                    None => fail!(code::INVALID_ADDRESS),
                }
            }
            Op::LocalSet { i } => {
                need!(1);
                let base = frames.last().copied().unwrap_or(usize::MAX);
                match locals.get_mut(base.wrapping_add(i.0 as usize)) {
                    Some(slot) => {
                        *slot = ds[(n - 1) & DM];
                        n -= 1;
                    }
                    None => fail!(code::INVALID_ADDRESS),
                }
            }
            Op::AddLit { v } => unop!(|a| a.wrapping_add(v.0 as Cell)),
            Op::MulLit { v } => unop!(|a| a.wrapping_mul(v.0 as Cell)),
            Op::AndLit { v } => unop!(|a| a & v.0 as Cell),
            Op::EqLit { v } => unop!(|a| flag!(a == v.0 as Cell)),
            Op::LtLit { v } => unop!(|a| flag!(a < v.0 as Cell)),
            Op::GtLit { v } => unop!(|a| flag!(a > v.0 as Cell)),
            Op::FetchLit { v } => {
                let x = mem_try!(mem.fetch(v.0 as Cell));
                push!(x);
            }
            Op::StoreLit { v } => {
                need!(1);
                mem_try!(mem.store(v.0 as Cell, s!(0)));
                n -= 1;
            }
            Op::PlusStoreLit { v } => {
                need!(1);
                let a = v.0 as Cell;
                let x = mem_try!(mem.fetch(a));
                mem_try!(mem.store(a, x.wrapping_add(s!(0))));
                n -= 1;
            }
            Op::IAdd => {
                need!(1);
                lparams!();
                s!(0) = s!(0).wrapping_add(li);
            }
            Op::IFetch => {
                lparams!();
                let x = mem_try!(mem.fetch(li));
                push!(x);
            }
            Op::ICFetch => {
                lparams!();
                let x = mem_try!(mem.cfetch(li));
                push!(x as Cell);
            }
            Op::IStore => {
                need!(1);
                lparams!();
                mem_try!(mem.store(li, s!(0)));
                n -= 1;
            }
            Op::ICStore => {
                need!(1);
                lparams!();
                mem_try!(mem.cstore(li, s!(0) as u8));
                n -= 1;
            }
            Op::ICStoreLit { v } => {
                lparams!();
                mem_try!(mem.cstore(li, v.0 as u8));
            }
            Op::ITwoFetch => {
                lparams!();
                room!(2);
                let (x2, x1) = mem_try!(mem.fetch2(li));
                ds[n & DM] = x1;
                ds[(n + 1) & DM] = x2;
                n += 2;
            }
            Op::ITwoStore => {
                need!(2);
                lparams!();
                mem_try!(mem.store2(li, s!(0), s!(1)));
                n -= 2;
            }
            Op::OverAdd => {
                need!(2);
                s!(0) = s!(0).wrapping_add(s!(1));
            }
            Op::OverFetch => {
                need!(2);
                let x = mem_try!(mem.fetch(s!(1)));
                push!(x);
            }
            Op::SwapOver => {
                need!(2);
                room!(1);
                let (a, b) = (s!(1), s!(0));
                s!(1) = b;
                s!(0) = a;
                ds[n & DM] = b;
                n += 1;
            }
            Op::RFromAdd => {
                need!(1);
                sync_top!(1);
                let x = rpop!();
                s!(0) = s!(0).wrapping_add(x);
            }
            Op::DupZBranch { to } => {
                need!(1);
                if s!(0) == 0 {
                    jump!(to);
                }
            }
            Op::NzBranch { to } => {
                if pop1!() != 0 {
                    jump!(to);
                }
            }
            Op::EqBranch { to } => {
                let (a, b) = pop2!();
                if a != b {
                    jump!(to);
                }
            }
            Op::NeBranch { to } => {
                let (a, b) = pop2!();
                if a == b {
                    jump!(to);
                }
            }
            Op::LtBranch { to } => {
                let (a, b) = pop2!();
                if a >= b {
                    jump!(to);
                }
            }
            Op::GtBranch { to } => {
                let (a, b) = pop2!();
                if a <= b {
                    jump!(to);
                }
            }
            Op::ULtBranch { to } => {
                let (a, b) = pop2!();
                if (a as u64) >= (b as u64) {
                    jump!(to);
                }
            }
            Op::LitLtBranch { v, to } => {
                if pop1!() >= v.0 as Cell {
                    jump!(to);
                }
            }
            Op::LitGtBranch { v, to } => {
                if pop1!() <= v.0 as Cell {
                    jump!(to);
                }
            }
            Op::LitEqBranch { v, to } => {
                if pop1!() != v.0 as Cell {
                    jump!(to);
                }
            }
            Op::DropLit { v } => {
                need!(1);
                s!(0) = v.0 as Cell;
            }
            Op::DupAddLit { v } => {
                need!(1);
                push!(s!(0).wrapping_add(v.0 as Cell));
            }
            Op::UnderAddLit { v } => {
                need!(2);
                s!(1) = s!(1).wrapping_add(v.0 as Cell);
            }
            Op::SwapAddLit { v } => {
                need!(2);
                let (a, b) = (s!(1), s!(0));
                s!(1) = b;
                s!(0) = a.wrapping_add(v.0 as Cell);
            }
            Op::RAdd => {
                need!(1);
                sync_top!(1);
                if rp == 0 {
                    fail!(code::RSTACK_UNDERFLOW);
                }
                r!(rp - 1) = r!(rp - 1).wrapping_add(s!(0));
                n -= 1;
            }
            Op::ICFetchZBr { to } => {
                lparams!();
                if mem_try!(mem.cfetch(li)) == 0 {
                    jump!(to);
                }
            }
            Op::LitUnder { v } => {
                need!(1);
                room!(1);
                ds[n & DM] = s!(0);
                s!(0) = v.0 as Cell;
                n += 1;
            }
            Op::OverFetch2 => {
                need!(2);
                room!(2);
                let x = mem_try!(mem.fetch(s!(1)));
                let y = mem_try!(mem.fetch(s!(0)));
                ds[n & DM] = x;
                ds[(n + 1) & DM] = y;
                n += 2;
            }
            Op::OverFetchMul => {
                need!(2);
                let x = mem_try!(mem.fetch(s!(1)));
                let y = mem_try!(mem.fetch(s!(0)));
                push!(x.wrapping_mul(y));
            }
            Op::AddLit2 { a, b } => {
                need!(2);
                s!(1) = s!(1).wrapping_add(a.0 as Cell);
                s!(0) = s!(0).wrapping_add(b.0 as Cell);
            }
            Op::ITwoGtBranch { to } => {
                lparams!();
                let (x2, x1) = mem_try!(mem.fetch2(li));
                if x1 <= x2 {
                    jump!(to);
                }
            }
            Op::ISwap2 => {
                lparams!();
                let (x2, x1) = mem_try!(mem.fetch2(li));
                mem_try!(mem.store2(li, x1, x2));
            }
            Op::DropLitExit { v } => {
                need!(1);
                s!(0) = v.0 as Cell;
                sync_top!(1);
                let a = rpop!();
                pc = a as usize;
            }
            Op::AddExit => {
                need!(2);
                s!(1) = s!(1).wrapping_add(s!(0));
                n -= 1;
                sync_top!(1);
                let a = rpop!();
                pc = a as usize;
            }
            Op::DupLitLtBr { v, to } => {
                need!(1);
                if s!(0) >= v.0 as Cell {
                    jump!(to);
                }
            }
        }
    };
    if lrp != 0 {
        r!(lrp - 1) = li;
        r!(lrp - 2) = ll;
    }
    *sp_io = n;
    *rp_io = rp;
    *pc_io = pc as u32;
    *tick = t;
    event
}
