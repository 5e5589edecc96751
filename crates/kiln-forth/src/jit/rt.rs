//! The runtime side of compiled Forth code: `extern "C"` helpers that
//! native code calls for what it does not inline — memory outside the
//! main region (segments, invalid addresses → THROW -9), mixed-precision
//! arithmetic, system words, calls into the interpreter, and the fuel
//! check. Each helper gets the [`JitCtx`] pointer and reaches the whole
//! [`Forth`] through it; each returns a status the native code checks.

use super::{JitCtx, THROWN};
use crate::error::{Throw, code};
use crate::isa::Op;
use crate::memory::Cell;
use crate::system::Forth;
use crate::vm::TICK;
use crate::words::SysWord;

/// `rt_mem` kinds.
pub(crate) const MEM_FETCH: i64 = 0;
pub(crate) const MEM_STORE: i64 = 1;
pub(crate) const MEM_CFETCH: i64 = 2;
pub(crate) const MEM_CSTORE: i64 = 3;
pub(crate) const MEM_PLUS_STORE: i64 = 4;
pub(crate) const MEM_STORE2: i64 = 5;

/// Two results in `rax:rdx` (System V), matching a Cranelift signature with two `i64` returns.
#[repr(C)]
pub(crate) struct Pair(i64, i64);

/// The [`Forth`] behind a context.
///
/// # Safety
/// `ctx` must be the context of a live `Forth` whose native code is
/// running now (set by `jit_enter`), with no other reference to that
/// `Forth` in use while the result lives.
unsafe fn forth<'a>(ctx: *mut JitCtx) -> &'a mut Forth {
    // SAFETY: per this function's contract, `ctx` is valid and its `forth`
    // field points to the running system, which nobody else touches while
    // native code (and so this helper) runs.
    unsafe { &mut *(*ctx).forth }
}

/// Re-derives the context's pointers from the system (after Rust code ran).
fn refresh(f: &mut Forth) {
    let me: *mut Forth = f;
    let ds = f.hot.ds.as_mut_ptr();
    let mem = f.hot.mem.main.as_mut_ptr();
    let len = f.hot.mem.main.len() as i64;
    let tick = f.tick as i64;
    let c = &mut f.jit.ctx;
    c.forth = me;
    c.ds = ds;
    c.mem = mem;
    c.mem_len = len;
    c.tick = tick;
}

/// A memory access the inline fast path could not do.
pub(crate) unsafe extern "C" fn rt_mem(
    ctx: *mut JitCtx,
    kind: i64,
    addr: i64,
    v0: i64,
    v1: i64,
) -> Pair {
    // SAFETY: called only by native code of the system `ctx` belongs to.
    let f = unsafe { forth(ctx) };
    let m = &mut f.hot.mem;
    let r: Result<Cell, Throw> = match kind {
        MEM_FETCH => m.fetch(addr),
        MEM_STORE => m.store(addr, v0).map(|_| 0),
        MEM_CFETCH => m.cfetch(addr).map(Cell::from),
        MEM_CSTORE => m.cstore(addr, v0 as u8).map(|_| 0),
        MEM_PLUS_STORE => m
            .fetch(addr)
            .and_then(|x| m.store(addr, x.wrapping_add(v0)))
            .map(|_| 0),
        MEM_STORE2 => m.store2(addr, v0, v1).map(|_| 0),
        _ => Err(Throw(code::INVALID_ADDRESS)),
    };
    match r {
        Ok(v) => Pair(v, 0),
        Err(e) => Pair(0, e.0),
    }
}

/// The `rt_arith` code of an op.
pub(crate) fn arith_code(op: Op) -> i64 {
    match op {
        Op::StarSlash => 0,
        Op::StarSlashMod => 1,
        Op::UmSlashMod => 2,
        Op::SmSlashRem => 3,
        Op::FmSlashMod => 4,
        Op::DPlus => 5,
        _ => 6,
    }
}

fn arith(which: i64, c: &mut [Cell]) -> Result<(), i64> {
    // Same formulas as the interpreter (vm/run.rs); `c` holds the inputs,
    // deepest first, and receives the outputs.
    match which {
        0 | 1 => {
            let (a, b, d) = (c[0] as i128, c[1] as i128, c[2] as i128);
            if d == 0 {
                return Err(code::DIV_BY_ZERO);
            }
            let p = a * b;
            let q = p / d;
            let r = p % d;
            if q != q as i64 as i128 {
                return Err(code::OUT_OF_RANGE);
            }
            if which == 0 {
                c[0] = q as i64;
            } else {
                c[0] = r as i64;
                c[1] = q as i64;
            }
        }
        2 => {
            let u = c[2] as u64 as u128;
            let ud = ((c[1] as u64 as u128) << 64) | c[0] as u64 as u128;
            if u == 0 {
                return Err(code::DIV_BY_ZERO);
            }
            let q = ud / u;
            if q > u64::MAX as u128 {
                return Err(code::OUT_OF_RANGE);
            }
            c[0] = (ud % u) as i64;
            c[1] = q as i64;
        }
        3 | 4 => {
            let d = c[2] as i128;
            let dd = ((c[1] as i128) << 64) | c[0] as u64 as i128;
            if d == 0 {
                return Err(code::DIV_BY_ZERO);
            }
            let (mut q, mut r) = match (dd.checked_div(d), dd.checked_rem(d)) {
                (Some(q), Some(r)) => (q, r),
                _ => return Err(code::OUT_OF_RANGE),
            };
            if which == 4 && r != 0 && ((r < 0) != (d < 0)) {
                q -= 1;
                r += d;
            }
            if q != q as i64 as i128 {
                return Err(code::OUT_OF_RANGE);
            }
            c[0] = r as i64;
            c[1] = q as i64;
        }
        _ => {
            let b = ((c[3] as i128) << 64) | c[2] as u64 as i128;
            let a = ((c[1] as i128) << 64) | c[0] as u64 as i128;
            let r = if which == 5 {
                a.wrapping_add(b)
            } else {
                a.wrapping_sub(b)
            };
            c[0] = r as i64;
            c[1] = (r >> 64) as i64;
        }
    }
    Ok(())
}

/// Mixed-precision arithmetic on the cells at `cells` (inputs deepest
/// first; 3 cells, or 4 for D+ and D-). Returns 0 or a THROW code.
pub(crate) unsafe extern "C" fn rt_arith(_ctx: *mut JitCtx, which: i64, cells: *mut i64) -> i64 {
    let n = if which >= 5 { 4 } else { 3 };
    // SAFETY: native code passes the address of `n` live data-stack cells
    // it has just written (inside `Hot::ds`, checked at function entry).
    let c = unsafe { std::slice::from_raw_parts_mut(cells, n) };
    match arith(which, c) {
        Ok(()) => 0,
        Err(e) => e,
    }
}

/// Finishes a runtime call: the new depth, or THROWN with the exception
/// recorded in the context.
fn conclude(f: &mut Forth, r: Result<(), Throw>, at: i64) -> i64 {
    let sp = f.hot.sp as i64;
    refresh(f);
    match r {
        Ok(()) => sp,
        Err(e) => {
            let c = &mut f.jit.ctx;
            c.throw = e.0;
            c.throw_sp = sp;
            c.fault = at;
            THROWN
        }
    }
}

/// Runs system word `id` with the stacks at depths `sp`/`rp`.
pub(crate) unsafe extern "C" fn rt_sys(ctx: *mut JitCtx, id: i64, sp: i64, rp: i64) -> i64 {
    // SAFETY: called only by native code of the system `ctx` belongs to.
    let f = unsafe { forth(ctx) };
    let at = f.jit.ctx.fault;
    f.tick = f.jit.ctx.tick.clamp(1, TICK as i64) as u32;
    f.hot.sp = sp as usize;
    f.hot.rp = rp as usize;
    let r = match SysWord::from_u16(id as u16) {
        Some(w) => f.sys(w),
        None => Err(Throw(code::UNSUPPORTED)),
    };
    conclude(f, r, at)
}

/// Runs the definition at code index `cfa` in the interpreter (a callee
/// that is not compiled, or whose native code refused to start).
pub(crate) unsafe extern "C" fn rt_call_interp(
    ctx: *mut JitCtx,
    cfa: i64,
    sp: i64,
    rp: i64,
) -> i64 {
    // SAFETY: called only by native code of the system `ctx` belongs to.
    let f = unsafe { forth(ctx) };
    f.tick = f.jit.ctx.tick.clamp(1, TICK as i64) as u32;
    f.hot.sp = sp as usize;
    f.hot.rp = rp as usize;
    let r = f.run_code(cfa as u32);
    conclude(f, r, cfa)
}

/// The fuel/interrupt check (the countdown reached zero).
pub(crate) unsafe extern "C" fn rt_tick(ctx: *mut JitCtx) -> i64 {
    // SAFETY: called only by native code of the system `ctx` belongs to.
    let f = unsafe { forth(ctx) };
    f.tick = TICK;
    let r = f.budget.tick();
    f.jit.ctx.tick = TICK as i64;
    match r {
        Ok(()) => 0,
        Err(e) => e.0,
    }
}
