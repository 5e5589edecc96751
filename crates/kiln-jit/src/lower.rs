//! Small lowering helpers that more than one language front end needs:
//! boolean-to-mask conversion, range checks for bounds-checked memory, calls
//! to host (runtime) functions by address, and wrapping-safe division.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Signature, Value, types};
use cranelift_frontend::FunctionBuilder;

/// Turns an `i8` condition (0 or 1, as `icmp` produces) into an `i64` mask:
/// all ones (-1) when true, 0 when false — Forth's flag, and the shape a
/// `band`-based select needs.
pub fn bool_to_mask(b: &mut FunctionBuilder<'_>, cond: Value) -> Value {
    let w = b.ins().uextend(types::I64, cond);
    b.ins().ineg(w)
}

/// An `i8` condition: `lo <= addr` and `addr + size <= end`, computed
/// without overflow as one unsigned compare `addr - lo <= end - lo - size`
/// (the caller guarantees `end >= lo + size`). Addresses are `i64`.
pub fn in_bounds(
    b: &mut FunctionBuilder<'_>,
    addr: Value,
    lo: Value,
    end: Value,
    size: i64,
) -> Value {
    let off = b.ins().isub(addr, lo);
    let room = b.ins().isub(end, lo);
    let room = b.ins().iadd_imm_s(room, -size);
    b.ins().icmp(IntCC::UnsignedLessThanOrEqual, off, room)
}

/// Calls a host function at address `f` (an `extern "C"` function of
/// signature `sig`) and returns its results. This is how compiled code
/// calls back into the runtime: no symbol table, the address is a constant.
pub fn call_host(
    b: &mut FunctionBuilder<'_>,
    sig: &Signature,
    f: usize,
    args: &[Value],
) -> Vec<Value> {
    let sref = b.import_signature(sig.clone());
    let callee = b.ins().iconst(types::I64, f as i64);
    let call = b.ins().call_indirect(sref, callee, args);
    b.inst_results(call).to_vec()
}

/// Loads an `i64` from `base + off` (plain, possibly unaligned; the
/// caller has checked the address).
pub fn load_i64(b: &mut FunctionBuilder<'_>, base: Value, off: i32) -> Value {
    b.ins().load(types::I64, MemFlagsData::new(), base, off)
}

/// Stores an `i64` to `base + off` (the caller has checked the address).
pub fn store_i64(b: &mut FunctionBuilder<'_>, v: Value, base: Value, off: i32) {
    b.ins().store(MemFlagsData::new(), v, base, off);
}

/// Wrapping signed division and remainder (`a / b`, `a rem b`, truncating)
/// that never trap on `i64::MIN / -1` (the result wraps to `i64::MIN`, the
/// remainder is 0), as Rust's `wrapping_div`/`wrapping_rem` define. The
/// caller must have ruled out `b == 0`.
pub fn wrapping_sdiv_srem(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> (Value, Value) {
    // With y == -1 divide by 1 and negate instead: no overflow trap.
    let is_m1 = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
    let one = b.ins().iconst(types::I64, 1);
    let d = b.ins().select(is_m1, one, y);
    let q = b.ins().sdiv(x, d);
    let r = b.ins().srem(x, d);
    let nq = b.ins().ineg(q);
    let zero = b.ins().iconst(types::I64, 0);
    let q = b.ins().select(is_m1, nq, q);
    let r = b.ins().select(is_m1, zero, r);
    (q, r)
}
