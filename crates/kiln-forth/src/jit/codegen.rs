//! Lowering one analysed colon definition ([`Plan`]) to Cranelift IR
//! through `kiln-jit`.
//!
//! Every compiled definition with static effect `k -> m` is two functions:
//!
//! * the **register entry** ([`build`], Cranelift's `tail` convention, only
//!   native code calls it): `fn(sp, rp, tick, in_1 … in_k) -> (status,
//!   out_1 … out_m)`, inputs and outputs deepest cell first (the context,
//!   [`super::JitCtx`], is a constant address in the code). `sp` is the
//!   data-stack depth at the call (the inputs included, they are not in
//!   memory), `rp` the return-stack depth including the caller's return
//!   address, `tick` the fuel countdown: already counted for this call if
//!   the definition has loops, counted by the entry itself if it is
//!   loop-free ([`counts_own_call`]). `status` is the updated fuel
//!   countdown (≥ 0) on return, [`THROWN`] after an exception (code,
//!   faulting op, depth and fuel in the context; every frame's live cells
//!   written to the data stack on the way out), [`FUEL_OUT`] when a
//!   loop-free entry found the fuel exhausted (the caller raises it at its
//!   call), or [`DEOPT`] when it refused to start (a stack would overflow,
//!   or native stack is short) having changed nothing but writing its
//!   inputs to the data stack: the caller then writes its other cells and
//!   runs the definition in the interpreter, which raises the exact error;
//! * the **memory entry** ([`build_entry`], the C convention, what
//!   `jit_enter` calls): `fn(ctx, sp, rp, tick) -> (sp' | THROWN | DEOPT,
//!   tick)` with the cells in `Hot::ds`: checks the inputs are there,
//!   loads them, calls the register entry and stores the results.
//!
//! Inside, every stack slot is a Cranelift variable (so values live in
//! registers, "stack caching" from the static depths of [`Plan`]), the
//! return stack too (DO loop index and limit, `>R` values); cells are
//! written to memory only around calls into the runtime (and the
//! interpreter) and on exception exits. Memory accesses are inlined with one unsigned
//! bounds check against the main region; anything else (segments, invalid
//! addresses) takes a cold call into the runtime, which raises the same
//! THROW codes as the interpreter. Counted loops chosen by
//! [`analyze::version`] are emitted twice: a copy without the checks of
//! their index- and induction-variable-addressed accesses (and without the
//! fuel test on the back edge), entered when one test at the `DO` proves
//! them unnecessary, and the ordinary checked copy otherwise. Accumulating
//! self-calls (`… RECURSE + ;`, [`analyze::accumulations`]) become jumps
//! back to the body with an accumulator ([`Gen::accumulate`]).

use super::analyze::{self, Plan, Sig};
use super::rt;
use super::{CTX_FAULT, CTX_STACK_FLOOR, CTX_THROW, CTX_THROW_SP};
use super::{CTX_TICK, DEOPT, FUEL_OUT, THROWN};
use crate::isa::Op;
use crate::memory::{Cell, GUARD};
use crate::vm::{DS_MAX, RS_MAX};
use kiln_jit::condcodes::IntCC;
use kiln_jit::ir::{StackSlot, StackSlotData, StackSlotKind};
use kiln_jit::types::{I8, I64};
use kiln_jit::{Block, Builder, FuncId, InstBuilder, JitError, MemFlagsData, Signature, Value};
use kiln_jit::{Variable, lower};
use rustc_hash::FxHashMap;

/// What codegen needs besides the plan.
pub(crate) struct Env<'a> {
    /// 64-bit literals (`LitK`).
    pub consts: &'a [Cell],
    /// Code index of each native callee's entry (this definition's
    /// included) → its function and effect.
    /// The flag: the callee counts the fuel for calls into it
    /// ([`counts_own_call`]).
    pub callees: &'a FxHashMap<u32, (FuncId, Sig, bool)>,
    /// The runtime helpers' signatures.
    pub sigs: &'a Sigs,
    /// Address of the data stack's cell 0 (`Hot::ds`, a box that never moves).
    pub ds_base: i64,
    /// Address and length of the main memory region (never reallocated;
    /// `jit_enter` checks that before running compiled code).
    pub mem_base: i64,
    /// See `mem_base`.
    pub mem_len: i64,
    /// Address of the system's [`super::JitCtx`] (a box that never moves):
    /// a constant in the code rather than a register live everywhere.
    pub ctx: i64,
}

/// Signatures of the runtime helpers (`rt.rs`).
pub(crate) struct Sigs {
    /// `rt_mem(ctx, kind, addr, v0, v1) -> (value, code)`.
    pub mem: Signature,
    /// `rt_arith(ctx, op, cells) -> code`.
    pub arith: Signature,
    /// `rt_sys` / `rt_call_interp`: `(ctx, what, sp, rp) -> sp | THROWN`.
    pub call: Signature,
    /// `rt_tick(ctx) -> code`.
    pub tick: Signature,
}

enum Code {
    Const(i64),
    Dyn(Value),
}

struct Gen<'a, 'b, 'c> {
    b: &'a mut Builder<'b>,
    plan: &'c Plan,
    env: &'c Env<'c>,
    vars: Vec<Variable>,
    rvars: Vec<Variable>,
    tick: Variable,
    /// The entry's `sp` and `rp`: in a stack slot (see [`Gen::sp0`]) or,
    /// in definitions that call others, variables (an accumulating
    /// self-call moves them on by one level, see [`Gen::accumulate`]).
    frame: Result<StackSlot, (Variable, Variable)>,
    /// Accumulator introduction ([`analyze::accumulations`]): the
    /// accumulator and its operator; every exit returns `acc op result`.
    acc: Option<(Variable, analyze::AccOp)>,
    /// The accumulating self-calls (op index → operator).
    acc_sites: Vec<(usize, analyze::AccOp)>,
    /// The shared exception exit (returns [`THROWN`]), made on first use.
    thrown: Option<Block>,
    blocks: Vec<Option<Block>>,
    /// The step of the `+LOOP` being lowered, when it is a constant.
    const_step: Option<i64>,
    /// `DUP +LOOP`s with a loop-invariant step (by op index): the stack
    /// slot holding the exit test's adjusted limit and `|step|`, computed
    /// at the `DO`. (A stack slot, not a variable: Cranelift would sink
    /// the computation into the loop, its LICM stopping at constants.)
    loop_inv: FxHashMap<usize, StackSlot>,
    d: i32,
    rd: u32,
    /// Code index of the op being lowered (reported on faults).
    pc: u32,
    /// Block maps of the versioned loop bodies being lowered (innermost
    /// last): `(first op, last op, blocks)`; ops outside every range use
    /// `blocks`.
    maps: Vec<(usize, usize, Vec<Option<Block>>)>,
    /// The fast copies of versioned loops being lowered (innermost last).
    fast: Vec<FastLoop>,
    /// The current op's index-addressed access is proven in range: no check.
    raw: bool,
    /// The cells an unchecked `ITwoGtBranch` at this op index loaded (an
    /// `ISwap2` right after it, on its fall-through, reuses them).
    last2: Option<(usize, Value, Value)>,
}

/// A versioned loop's unchecked copy being lowered (see [`analyze::version`]).
struct FastLoop {
    /// Return depth inside the body: `I` at this depth is the loop's index,
    /// proven in range for the accesses it addresses.
    level: u32,
    /// Op index of the body's first op (the back edge's target).
    head: usize,
    /// The back edge only counts the fuel down (the test at the `DO`
    /// proved it cannot reach zero in the loop).
    no_tick: bool,
    /// Ops whose induction-variable addresses the test proved in range.
    iv_ops: Vec<usize>,
}

/// Accesses to the context and the data stack: in bounds (checked at entry).
fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Accesses to Forth memory (after their bounds check; maybe unaligned).
fn mflags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// The effect of a definition's register entry: `(sp, rp, tick, in_1 …
/// in_k)` → `(status, out_1 … out_m)` (deepest cell first).
pub(crate) fn fast_types(sig: Sig) -> (Vec<kiln_jit::Type>, Vec<kiln_jit::Type>) {
    (vec![I64; 3 + sig.k as usize], vec![I64; 1 + sig.m as usize])
}

/// Whether the register entry of the definition with body `ops` (at code
/// index `start`) counts the fuel for a call into it, in its entry test
/// (loop-free definitions: fewer instructions per call), or its native
/// callers count it before calling (definitions with loops: the register
/// allocator places their loops' fuel countdown better when it arrives
/// counted; measured on bubble sort, see ARCHITECTURE.md).
pub(crate) fn counts_own_call(ops: &[Op], start: u32) -> bool {
    !super::has_backward_branch(ops, start)
}

/// Builds the register entry ("fast ABI", see the module docs) for `plan` into `b`.
pub(crate) fn build(b: &mut Builder<'_>, plan: &Plan, env: &Env<'_>) -> Result<(), JitError> {
    let p = b.params().to_vec();
    let (sp, rp, tick0) = (p[0], p[1], p[2]);
    let nslots = (plan.n_in as i32 + plan.max_d).max(0) as usize;
    let vars: Vec<Variable> = (0..nslots).map(|_| b.fb.declare_var(I64)).collect();
    let rvars: Vec<Variable> = (0..plan.max_rd as usize + 1)
        .map(|_| b.fb.declare_var(I64))
        .collect();
    let tick = b.fb.declare_var(I64);
    // The entry depths and inputs as variables: the slow entry path
    // reloads them after its runtime call rather than keeping the
    // parameters live across it (which would cost callee-saved registers
    // on every call).
    let (spv, rpv) = (b.fb.declare_var(I64), b.fb.declare_var(I64));
    b.fb.def_var(spv, sp);
    b.fb.def_var(rpv, rp);
    for (i, v) in vars.iter().enumerate().take(plan.n_in as usize) {
        b.fb.def_var(*v, p[3 + i]);
    }

    // Entry checks: refuse (DEOPT) unless every stack access fits, and
    // count the fuel for this call (the caller does not: `Gen::call`).
    // The caller guarantees the inputs (they are its registers, or the
    // entry wrapper checked); one test covers the common case:
    // (DS_MAX - max_d - sp) | (RS_MAX - max_rd - rp) | (tick - 2) < 0.
    let deopt = b.fb.create_block();
    b.fb.set_cold_block(deopt);
    let dsroom = b.fb.ins().iconst(I64, DS_MAX as i64 - plan.max_d as i64);
    let dsroom = b.fb.ins().isub(dsroom, sp);
    let rsroom = b.fb.ins().iconst(I64, RS_MAX as i64 - plan.max_rd as i64);
    let rsroom = b.fb.ins().isub(rsroom, rp);
    let room = b.fb.ins().bor(dsroom, rsroom);
    let counts = counts_own_call(&plan.ops, plan.start);
    let k = plan.sig.k as i64;
    let both = if counts {
        let tk = b.fb.ins().iadd_imm_s(tick0, -2);
        b.fb.ins().bor(room, tk)
    } else {
        room
    };
    let c1 = b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, both, 0);
    let ok1 = b.fb.create_block();
    let slow = b.fb.create_block();
    if counts {
        b.fb.set_cold_block(slow);
        b.fb.ins().brif(c1, slow, &[], ok1, &[]);
    } else {
        // A callee with loops: only the overflow test (its caller counted the call).
        b.fb.def_var(tick, tick0);
        b.fb.ins().brif(c1, deopt, &[], ok1, &[]);
    }
    let floor_blk = b.fb.create_block();
    // The tick variable holds the countdown before this call is counted
    // until the body starts (which counts it): one definition on the hot
    // path, which keeps the register allocator from adding moves to the
    // loops.
    b.fb.switch_to_block(ok1);
    b.fb.def_var(tick, tick0);
    b.fb.ins().jump(floor_blk, &[]);
    // Slow: the countdown runs out at this call (refill it, or raise the
    // fuel error at the caller's call: FUEL_OUT, the inputs written to
    // the data stack), and/or a stack could overflow (DEOPT).
    if counts {
        b.fb.switch_to_block(slow);
        b.fb.def_var(tick, tick0);
        let t1 = b.fb.ins().iadd_imm_s(tick0, -1);
        let out = b.fb.ins().icmp_imm_s(IntCC::SignedLessThanOrEqual, t1, 0);
        let refill = b.fb.create_block();
        let s2 = b.fb.create_block();
        b.fb.ins().brif(out, refill, &[], s2, &[]);
        b.fb.switch_to_block(refill);
        // The inputs go to the data stack first (the caller's cells there are
        // not read before it writes them): nothing else stays live across
        // the runtime call.
        if k > 0 {
            let ds = b.fb.ins().iconst(I64, env.ds_base - 8 * k);
            let off = b.fb.ins().ishl_imm_s(sp, 3);
            let dsb = b.fb.ins().iadd(ds, off);
            for i in 0..k as usize {
                b.fb.ins().store(flags(), p[3 + i], dsb, (i * 8) as i32);
            }
        }
        let save =
            b.fb.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        b.fb.ins().stack_store(I64, sp, save, 0);
        b.fb.ins().stack_store(I64, rp, save, 8);
        let ctx = b.fb.ins().iconst(I64, env.ctx);
        let code = lower::call_host(
            &mut b.fb,
            &env.sigs.tick,
            rt::rt_tick as *const () as usize,
            &[ctx],
        )[0];
        let failed = b.fb.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
        let fuel_out = b.fb.create_block();
        let refilled = b.fb.create_block();
        b.fb.ins().brif(failed, fuel_out, &[], refilled, &[]);
        b.fb.switch_to_block(fuel_out);
        let ctx = b.fb.ins().iconst(I64, env.ctx);
        b.fb.ins().store(flags(), code, ctx, CTX_THROW);
        let r = b.fb.ins().iconst(I64, FUEL_OUT);
        let mut rets = vec![r];
        rets.extend(std::iter::repeat_n(r, plan.sig.m as usize));
        b.fb.ins().return_(&rets);
        b.fb.switch_to_block(refilled);
        let sp1 = b.fb.ins().stack_load(I64, I64, save, 0);
        let rp1 = b.fb.ins().stack_load(I64, I64, save, 8);
        b.fb.def_var(spv, sp1);
        b.fb.def_var(rpv, rp1);
        if k > 0 {
            let ds = b.fb.ins().iconst(I64, env.ds_base - 8 * k);
            let off = b.fb.ins().ishl_imm_s(sp1, 3);
            let dsb = b.fb.ins().iadd(ds, off);
            for (i, v) in vars.iter().enumerate().take(k as usize) {
                let x = b.fb.ins().load(I64, flags(), dsb, (i * 8) as i32);
                b.fb.def_var(*v, x);
            }
        }
        // The refill (the body counts this call again: the interpreter
        // re-executes it).
        let ctx = b.fb.ins().iconst(I64, env.ctx);
        let t = b.fb.ins().load(I64, flags(), ctx, CTX_TICK);
        b.fb.def_var(tick, t);
        b.fb.ins().jump(s2, &[]);
        b.fb.switch_to_block(s2);
        let (sp2, rp2) = (b.fb.use_var(spv), b.fb.use_var(rpv));
        let dsroom = b.fb.ins().iconst(I64, DS_MAX as i64 - plan.max_d as i64);
        let dsroom = b.fb.ins().isub(dsroom, sp2);
        let rsroom = b.fb.ins().iconst(I64, RS_MAX as i64 - plan.max_rd as i64);
        let rsroom = b.fb.ins().isub(rsroom, rp2);
        let room = b.fb.ins().bor(dsroom, rsroom);
        let c2 = b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, room, 0);
        b.fb.ins().brif(c2, deopt, &[], floor_blk, &[]);
    }
    b.fb.switch_to_block(floor_blk);
    let body = b.fb.create_block();
    // Only a definition that calls others can nest native frames.
    let calls = plan
        .ops
        .iter()
        .any(|op| matches!(op, Op::Call { .. } | Op::TailCall { .. }));
    if calls {
        let ctx = b.fb.ins().iconst(I64, env.ctx);
        let floor = b.fb.ins().load(I64, flags(), ctx, CTX_STACK_FLOOR);
        let here = b.fb.ins().get_stack_pointer(I64);
        let c4 = b.fb.ins().icmp(IntCC::UnsignedLessThan, here, floor);
        b.fb.ins().brif(c4, deopt, &[], body, &[]);
    } else {
        b.fb.ins().jump(body, &[]);
    }
    b.fb.switch_to_block(deopt);
    // For the caller's refusal path: the countdown (this call counted)
    // and the inputs on the data stack (so they need not stay live in the
    // caller across the call).
    let ctx = b.fb.ins().iconst(I64, env.ctx);
    let t = b.fb.use_var(tick);
    let t = b.fb.ins().iadd_imm_s(t, -1);
    b.fb.ins().store(flags(), t, ctx, CTX_TICK);
    if k > 0 {
        let sp = b.fb.use_var(spv);
        let ds = b.fb.ins().iconst(I64, env.ds_base - 8 * k);
        let off = b.fb.ins().ishl_imm_s(sp, 3);
        let dsb = b.fb.ins().iadd(ds, off);
        for (i, v) in vars.iter().enumerate().take(k as usize) {
            let x = b.fb.use_var(*v);
            b.fb.ins().store(flags(), x, dsb, (i * 8) as i32);
        }
    }
    let r = b.fb.ins().iconst(I64, DEOPT);
    let mut rets = vec![r];
    rets.extend(std::iter::repeat_n(r, plan.sig.m as usize));
    b.fb.ins().return_(&rets);

    b.fb.switch_to_block(body);
    if counts {
        let t = b.fb.use_var(tick);
        let t1 = b.fb.ins().iadd_imm_s(t, -1);
        b.fb.def_var(tick, t1);
    } else {
        b.fb.def_var(tick, tick0);
    }
    let frame = if calls {
        // Needed around every call anyway: keep them in registers.
        Err((spv, rpv))
    } else {
        let f =
            b.fb.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        let (sp, rp) = (b.fb.use_var(spv), b.fb.use_var(rpv));
        b.fb.ins().stack_store(I64, sp, f, 0);
        b.fb.ins().stack_store(I64, rp, f, 8);
        Ok(f)
    };
    let acc_sites = analyze::accumulations(plan);
    let acc = acc_sites.first().map(|&(_, op)| {
        let v = b.fb.declare_var(I64);
        let id = b.fb.ins().iconst(I64, op.identity());
        b.fb.def_var(v, id);
        (v, op)
    });

    let mut g = Gen {
        b,
        plan,
        env,
        vars,
        rvars,
        tick,
        frame,
        acc,
        acc_sites,
        thrown: None,
        blocks: vec![None; plan.ops.len()],
        const_step: None,
        loop_inv: FxHashMap::default(),
        d: 0,
        rd: 0,
        pc: plan.start,
        maps: Vec::new(),
        fast: Vec::new(),
        raw: false,
        last2: None,
    };
    let first = g.block_at(0);
    g.b.fb.ins().jump(first, &[]);
    let terminated = g.lower_range(0, plan.ops.len(), true)?;
    if !terminated {
        return Err(JitError("falls off the end".into()));
    }
    g.finish_thrown();
    Ok(())
}

/// Builds the memory-ABI entry the interpreter calls (see the module docs):
/// checks the inputs are there, loads them, calls the register entry
/// `fast` and stores its results.
pub(crate) fn build_entry(
    b: &mut Builder<'_>,
    plan: &Plan,
    env: &Env<'_>,
    fast: FuncId,
) -> Result<(), JitError> {
    let p = b.params().to_vec();
    let (ctx, sp, rp, tick0) = (p[0], p[1], p[2], p[3]);
    let (k, m) = (plan.sig.k as i64, plan.sig.m as i64);
    let deopt = b.fb.create_block();
    b.fb.set_cold_block(deopt);
    // One unsigned compare: k <= sp and sp + max_d <= DS_MAX.
    let below = b.fb.ins().iadd_imm_s(sp, -k);
    let c1 = b.fb.ins().icmp_imm_s(
        IntCC::UnsignedGreaterThan,
        below,
        DS_MAX as i64 - plan.max_d as i64 - k,
    );
    let ok = b.fb.create_block();
    b.fb.ins().brif(c1, deopt, &[], ok, &[]);
    b.fb.switch_to_block(deopt);
    let r = b.fb.ins().iconst(I64, DEOPT);
    b.fb.ins().return_(&[r, tick0]);
    b.fb.switch_to_block(ok);
    let ds = b.fb.ins().iconst(I64, env.ds_base);
    let off = b.fb.ins().ishl_imm_s(below, 3);
    let dsb = b.fb.ins().iadd(ds, off);
    // The interpreter counted the call already; a register entry that
    // counts its calls counts it again.
    let t = if counts_own_call(&plan.ops, plan.start) {
        b.fb.ins().iadd_imm_s(tick0, 1)
    } else {
        tick0
    };
    let mut args = vec![sp, rp, t];
    for i in 0..k {
        args.push(b.fb.ins().load(I64, flags(), dsb, (i * 8) as i32));
    }
    let f = b.func_ref(fast);
    let call = b.fb.ins().call(f, &args);
    let res = b.fb.inst_results(call).to_vec();
    let st = res[0];
    let neg = b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, st, 0);
    let bad = b.fb.create_block();
    b.fb.set_cold_block(bad);
    let good = b.fb.create_block();
    b.fb.ins().brif(neg, bad, &[], good, &[]);
    b.fb.switch_to_block(bad);
    // DEOPT: nothing changed, the fuel is as it came; THROWN: the fuel is in the context.
    let t = b.fb.ins().load(I64, flags(), ctx, CTX_TICK);
    let is_deopt = b.fb.ins().icmp_imm_s(IntCC::Equal, st, DEOPT);
    let t = b.fb.ins().select(is_deopt, tick0, t);
    b.fb.ins().return_(&[st, t]);
    b.fb.switch_to_block(good);
    for (i, &x) in res[1..].iter().enumerate() {
        b.fb.ins().store(flags(), x, dsb, (i * 8) as i32);
    }
    let nsp = b.fb.ins().iadd_imm_s(below, m);
    b.fb.ins().return_(&[nsp, st]);
    Ok(())
}

impl Gen<'_, '_, '_> {
    /// The block map entry of op `i` (the innermost versioned copy's
    /// map containing it, else the main one).
    fn map_entry(&mut self, i: usize) -> &mut Option<Block> {
        match self
            .maps
            .iter_mut()
            .rev()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&i))
        {
            Some((lo, _, m)) => &mut m[i - *lo],
            None => &mut self.blocks[i],
        }
    }

    fn block_at(&mut self, i: usize) -> Block {
        if let Some(b) = *self.map_entry(i) {
            return b;
        }
        let b = self.b.fb.create_block();
        *self.map_entry(i) = Some(b);
        b
    }

    /// Lowers ops `lo..hi` in order; `terminated` says whether the current
    /// block already ended. Returns whether the last one ended its block.
    fn lower_range(
        &mut self,
        lo: usize,
        hi: usize,
        mut terminated: bool,
    ) -> Result<bool, JitError> {
        let plan = self.plan;
        for i in lo..hi {
            let Some((d, rd)) = plan.at[i] else {
                terminated = true;
                continue;
            };
            if plan.skip[i] {
                continue;
            }
            // A block someone already branches to (a versioned loop's
            // fast copy jumps to the op after the loop) starts here too.
            if plan.block_start[i] || terminated || i == 0 || self.map_entry(i).is_some() {
                let blk = self.block_at(i);
                if !terminated {
                    self.b.fb.ins().jump(blk, &[]);
                }
                self.b.fb.switch_to_block(blk);
            }
            self.d = d;
            self.rd = rd;
            self.pc = plan.start + i as u32;
            terminated = self.op(i)?;
        }
        Ok(terminated)
    }

    /// Whether an access addressed by `I` at the current return depth is
    /// proven in range (inside a versioned loop's fast copy).
    fn unchecked(&self) -> bool {
        self.fast.iter().any(|f| f.level == self.rd)
    }

    /// After a `DO`/`?DO` at op `i` (its cells on the return stack):
    /// versions the loop when [`analyze::version`] allows: tests whether
    /// every index the loop can take is in range for its index-addressed
    /// accesses (and the fuel cannot run out in it), branches to an
    /// unchecked copy of the body if so and to the ordinary one (lowered
    /// next by the caller) if not. Returns false when it emitted nothing.
    fn version_loop(&mut self, i: usize, limit: Value, start: Value) -> Result<bool, JitError> {
        let Some(v) = analyze::version(self.plan, i) else {
            return Ok(false);
        };
        if self.fast.len() >= 2 {
            return Ok(false);
        }
        let ok = self.version_test(&v, limit, start);
        let fast_head = self.b.fb.create_block();
        let slow_pre = self.b.fb.create_block();
        let slow_head = self.block_at(i + 1);
        match ok {
            Some(ok) => self.b.fb.ins().brif(ok, fast_head, &[], slow_pre, &[]),
            None => self.b.fb.ins().jump(fast_head, &[]),
        };
        // The checked copy's loop-invariant exit test (only it needs one).
        self.b.fb.switch_to_block(slow_pre);
        self.loop_params(i, limit);
        self.b.fb.ins().jump(slow_head, &[]);
        let mut map = vec![None; v.end - i];
        map[0] = Some(fast_head);
        self.maps.push((i + 1, v.end, map));
        self.fast.push(FastLoop {
            level: self.rd,
            head: i + 1,
            no_tick: v.no_tick,
            iv_ops: v.iv_ops.clone(),
        });
        let saved = (self.d, self.rd, self.pc);
        let r = self.lower_range(i + 1, v.end + 1, true);
        self.fast.pop();
        self.maps.pop();
        if !r? {
            let after = self.block_at(v.end + 1);
            self.b.fb.ins().jump(after, &[]);
        }
        (self.d, self.rd, self.pc) = saved;
        Ok(true)
    }

    /// The versioning test (an `i8` condition; `None` when it folds to
    /// true, constant parts are folded): the indices lie in one
    /// interval `lo..=hi` with `lo <= hi` (step > 0 and start < limit: the
    /// loop visits start..limit-1; step < 0 and limit <= start: it visits
    /// limit..start), both ends in the main region for the accesses'
    /// size, and, for `no_tick`, `hi - lo < tick * |step|` (then at most
    /// `tick` iterations run, so the fuel test on the back edge cannot
    /// fire: the countdown is in 1..=TICK and |step| < 2^40, no overflow).
    fn version_test(&mut self, v: &analyze::Version, limit: Value, start: Value) -> Option<Value> {
        let mut conds = Vec::new();
        let lm1 = match self.konst(limit) {
            Some(l) => self.iconst(l.wrapping_sub(1)),
            None => self.b.fb.ins().iadd_imm_s(limit, -1),
        };
        let (lo, hi, mag) = match v.step {
            analyze::LoopStep::Const(c) if c > 0 => {
                self.cond(&mut conds, IntCC::SignedLessThan, start, limit);
                let mag = self.iconst(c);
                (start, lm1, mag)
            }
            analyze::LoopStep::Const(c) => {
                self.cond(&mut conds, IntCC::SignedLessThanOrEqual, limit, start);
                let mag = self.iconst(c.wrapping_neg());
                (limit, start, mag)
            }
            analyze::LoopStep::Inv(p) => {
                // Only a positive step takes the fast copy (one test:
                // 0 < step < 2^40), whose back edge then uses the
                // positive-step exit test.
                let step = self
                    .b
                    .fb
                    .use_var(self.vars[(self.plan.n_in as i32 + p) as usize]);
                let sm1 = self.b.fb.ins().iadd_imm_s(step, -1);
                let bound = self.iconst((1 << 40) - 1);
                self.cond(&mut conds, IntCC::UnsignedLessThan, sm1, bound);
                self.cond(&mut conds, IntCC::SignedLessThan, start, limit);
                (start, lm1, step)
            }
        };
        if v.size > 0 {
            for a in [lo, hi] {
                let room = self.iconst(self.env.mem_len - GUARD as i64 - v.size);
                let off = match self.konst(a) {
                    Some(k) => self.iconst(k.wrapping_sub(GUARD as i64)),
                    None => self.b.fb.ins().iadd_imm_s(a, -(GUARD as i64)),
                };
                self.cond(&mut conds, IntCC::UnsignedLessThanOrEqual, off, room);
            }
        }
        if !v.ivs.is_empty() {
            // LOOP (step 1, start < limit): n - 1 = limit - 1 - start
            // iterations after the first, below 2^32; an access at
            // v0 + off + k * step (|off|, |step| < 2^31) is in range for
            // every k when it is at both ends (no wrap-around).
            let n1 = self.b.fb.ins().isub(lm1, start);
            let bound = self.iconst(1 << 32);
            self.cond(&mut conds, IntCC::UnsignedLessThan, n1, bound);
            for a in v.ivs.clone() {
                let v0 = self.b.fb.use_var(self.vars[a.slot]);
                let first = self.b.fb.ins().iadd_imm_s(v0, a.off);
                let span = self.b.fb.ins().imul_imm_s(n1, a.step);
                let last = self.b.fb.ins().iadd(first, span);
                for x in [first, last] {
                    let room = self.iconst(self.env.mem_len - GUARD as i64 - a.size);
                    let off = self.b.fb.ins().iadd_imm_s(x, -(GUARD as i64));
                    self.cond(&mut conds, IntCC::UnsignedLessThanOrEqual, off, room);
                }
            }
        }
        if v.no_tick {
            let span = match (self.konst(hi), self.konst(lo)) {
                (Some(h), Some(l)) => self.iconst(h.wrapping_sub(l)),
                _ => self.b.fb.ins().isub(hi, lo),
            };
            let t = self.b.fb.use_var(self.tick);
            let room = self.b.fb.ins().imul(t, mag);
            self.cond(&mut conds, IntCC::UnsignedLessThan, span, room);
        }
        let mut ok: Option<Value> = None;
        for c in conds {
            ok = Some(match ok {
                Some(o) => self.b.fb.ins().band(o, c),
                None => c,
            });
        }
        ok
    }

    /// The value of `v` when it is a constant (`iconst`) of this function.
    fn konst(&self, v: Value) -> Option<i64> {
        use kiln_jit::ir::{InstructionData, Opcode, ValueDef};
        let dfg = &self.b.fb.func.dfg;
        match dfg.value_def(v) {
            ValueDef::Result(inst, _) => match dfg.insts[inst] {
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    imm,
                } => Some(imm.bits()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Adds the condition `a cc b` to `conds`, folded when both are
    /// constants (a condition that is always true is left out; one that
    /// is always false becomes a constant 0).
    fn cond(&mut self, conds: &mut Vec<Value>, cc: IntCC, a: Value, b: Value) {
        if let (Some(x), Some(y)) = (self.konst(a), self.konst(b)) {
            let holds = match cc {
                IntCC::SignedLessThan => x < y,
                IntCC::SignedLessThanOrEqual => x <= y,
                IntCC::UnsignedLessThan => (x as u64) < (y as u64),
                IntCC::UnsignedLessThanOrEqual => (x as u64) <= (y as u64),
                _ => false,
            };
            if !holds {
                let z = self.b.fb.ins().iconst(I8, 0);
                conds.push(z);
            }
            return;
        }
        conds.push(self.b.fb.ins().icmp(cc, a, b));
    }

    /// The fuel countdown on a backward branch to `to`: only counted down
    /// on a versioned loop's fast back edge (see [`FastLoop::no_tick`]),
    /// else tested too ([`Gen::tick_check`]).
    fn back_tick(&mut self, to: u32) {
        let head = to.wrapping_sub(self.plan.start) as usize;
        if self.fast.iter().any(|f| f.no_tick && f.head == head) {
            let t = self.b.fb.use_var(self.tick);
            let t1 = self.b.fb.ins().iadd_imm_s(t, -1);
            self.b.fb.def_var(self.tick, t1);
        } else {
            self.tick_check(to, false);
        }
    }

    fn target(&mut self, to: u32) -> Block {
        let i = if to == self.plan.start - 1 {
            0
        } else {
            (to - self.plan.start) as usize
        };
        self.block_at(i)
    }

    /// The context pointer, a constant materialised where used (mostly
    /// cold paths).
    fn ctx(&mut self) -> Value {
        self.b.fb.ins().iconst(I64, self.env.ctx)
    }

    /// The data-stack depth at entry (absolute, in cells). In a definition
    /// without calls, the entry depths live in a stack slot, loaded where
    /// used: they are needed on cold paths only there, and kept out of
    /// registers the hot loops have more.
    fn sp0(&mut self) -> Value {
        match self.frame {
            Ok(f) => self.b.fb.ins().stack_load(I64, I64, f, 0),
            Err((sp, _)) => self.b.fb.use_var(sp),
        }
    }

    /// The return-stack depth at entry.
    fn rp0(&mut self) -> Value {
        match self.frame {
            Ok(f) => self.b.fb.ins().stack_load(I64, I64, f, 8),
            Err((_, rp)) => self.b.fb.use_var(rp),
        }
    }

    fn slot(&self, k: u32) -> usize {
        (self.plan.n_in as i32 + self.d - 1 - k as i32) as usize
    }

    fn peek(&mut self, k: u32) -> Value {
        let v = self.vars[self.slot(k)];
        self.b.fb.use_var(v)
    }

    fn set(&mut self, k: u32, x: Value) {
        let v = self.vars[self.slot(k)];
        self.b.fb.def_var(v, x);
    }

    fn push(&mut self, x: Value) {
        self.d += 1;
        self.set(0, x);
    }

    fn pop(&mut self) -> Value {
        let x = self.peek(0);
        self.d -= 1;
        x
    }

    fn r(&mut self, k: u32) -> Value {
        let v = self.rvars[(self.rd - 1 - k) as usize];
        self.b.fb.use_var(v)
    }

    fn set_r(&mut self, k: u32, x: Value) {
        let v = self.rvars[(self.rd - 1 - k) as usize];
        self.b.fb.def_var(v, x);
    }

    fn iconst(&mut self, v: i64) -> Value {
        self.b.fb.ins().iconst(I64, v)
    }

    fn mask(&mut self, c: Value) -> Value {
        lower::bool_to_mask(&mut self.b.fb, c)
    }

    /// The absolute data-stack depth at the current op.
    fn sp_value(&mut self) -> Value {
        {
            let sp0 = self.sp0();
            self.b.fb.ins().iadd_imm_s(sp0, self.d as i64)
        }
    }

    /// The host address of Forth address `addr` in the main region.
    fn mem_addr(&mut self, addr: Value) -> Value {
        let m = self.iconst(self.env.mem_base);
        self.b.fb.ins().iadd(m, addr)
    }

    /// The host address of this definition's first stack slot in memory
    /// (the data stack's cell `sp0 - n_in`; recomputed where needed, which
    /// keeps it out of registers on the hot paths).
    fn dsb(&mut self) -> Value {
        let base = self.env.ds_base - 8 * self.plan.n_in as i64;
        let sp0 = self.sp0();
        let off = self.b.fb.ins().ishl_imm_s(sp0, 3);
        self.b.fb.ins().iadd_imm_s(off, base)
    }

    /// Writes every live slot to the data stack in memory.
    fn flush(&mut self) {
        let n = (self.plan.n_in as i32 + self.d).max(0) as usize;
        self.flush_below(n);
    }

    /// Writes slots `0..n` (from the bottom) to the data stack in memory.
    fn flush_below(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let dsb = self.dsb();
        for i in 0..n {
            let x = self.b.fb.use_var(self.vars[i]);
            self.b.fb.ins().store(flags(), x, dsb, (i * 8) as i32);
        }
    }

    /// Reloads the top `m` slots from memory.
    fn reload_top(&mut self, m: u32) {
        if m == 0 {
            return;
        }
        let dsb = self.dsb();
        for k in 0..m {
            let s = self.slot(k);
            let x = self.b.fb.ins().load(I64, flags(), dsb, (s * 8) as i32);
            self.b.fb.def_var(self.vars[s], x);
        }
    }

    /// Jumps to the shared exception exit: returns [`THROWN`] (code,
    /// faulting op, depth, fuel and the stack cells are in the context and
    /// memory already).
    fn ret_thrown(&mut self) {
        let blk = match self.thrown {
            Some(b) => b,
            None => {
                let b = self.b.fb.create_block();
                self.b.fb.set_cold_block(b);
                self.thrown = Some(b);
                b
            }
        };
        self.b.fb.ins().jump(blk, &[]);
    }

    /// Emits the shared exception exit's body (after the whole body).
    fn finish_thrown(&mut self) {
        if let Some(b) = self.thrown {
            self.b.fb.switch_to_block(b);
            let r = self.iconst(THROWN);
            let mut rets = vec![r];
            rets.extend(std::iter::repeat_n(r, self.plan.sig.m as usize));
            self.b.fb.ins().return_(&rets);
        }
    }

    fn store_tick(&mut self) {
        let t = self.b.fb.use_var(self.tick);
        let ctx = self.ctx();
        self.b.fb.ins().store(flags(), t, ctx, CTX_TICK);
    }

    fn load_tick(&mut self) {
        let ctx = self.ctx();
        let t = self.b.fb.ins().load(I64, flags(), ctx, CTX_TICK);
        self.b.fb.def_var(self.tick, t);
    }

    /// Runs definition `to` in the interpreter (`rt_call_interp`) with the
    /// data and return stacks at `sp`/`rp` (its inputs and every live cell
    /// already in memory, the countdown stored), leaves through the
    /// exception exit if it threw, and returns the countdown it left.
    fn call_interp(&mut self, to: u32, sp: Value, rp: Value) -> Value {
        let cfa = self.iconst(to as i64);
        let ctx = self.ctx();
        let r = lower::call_host(
            &mut self.b.fb,
            &self.env.sigs.call,
            rt::rt_call_interp as *const () as usize,
            &[ctx, cfa, sp, rp],
        )[0];
        self.propagate_if_neg(r);
        let ctx = self.ctx();
        self.b.fb.ins().load(I64, flags(), ctx, CTX_TICK)
    }

    /// Emits the exception exit in the current block.
    fn emit_throw(&mut self, code: Code) {
        self.flush();
        let c = match code {
            Code::Const(c) => self.iconst(c),
            Code::Dyn(v) => v,
        };
        let ctx = self.ctx();
        self.b.fb.ins().store(flags(), c, ctx, CTX_THROW);
        let pc = self.iconst(self.pc as i64);
        self.b.fb.ins().store(flags(), pc, ctx, CTX_FAULT);
        let sp = self.sp_value();
        self.b.fb.ins().store(flags(), sp, ctx, CTX_THROW_SP);
        self.store_tick();
        self.ret_thrown();
    }

    /// Throws `code` when `cond` (an `i8` condition) holds; continues otherwise.
    fn fail_if(&mut self, cond: Value, code: Code) {
        let cold = self.b.fb.create_block();
        self.b.fb.set_cold_block(cold);
        let cont = self.b.fb.create_block();
        self.b.fb.ins().brif(cond, cold, &[], cont, &[]);
        self.b.fb.switch_to_block(cold);
        self.emit_throw(code);
        self.b.fb.switch_to_block(cont);
    }

    /// Propagates an exception from the runtime (`r < 0`): it already
    /// recorded code, fault, depth and fuel, and the stack is in memory.
    fn propagate_if_neg(&mut self, r: Value) {
        let neg = self.b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
        let cold = self.b.fb.create_block();
        self.b.fb.set_cold_block(cold);
        let cont = self.b.fb.create_block();
        self.b.fb.ins().brif(neg, cold, &[], cont, &[]);
        self.b.fb.switch_to_block(cold);
        self.ret_thrown();
        self.b.fb.switch_to_block(cont);
    }

    /// The fuel/interrupt countdown on calls and backward branches; a
    /// fault is reported at `at` (the call, or the branch's target, as the
    /// interpreter does). After a refill, a call (`call`) counts itself
    /// again, as the interpreter re-executes a call that found the
    /// countdown at zero (a branch is not re-executed).
    fn tick_check(&mut self, at: u32, call: bool) {
        let t = self.b.fb.use_var(self.tick);
        let t1 = self.b.fb.ins().iadd_imm_s(t, -1);
        self.b.fb.def_var(self.tick, t1);
        let z = self
            .b
            .fb
            .ins()
            .icmp_imm_s(IntCC::SignedLessThanOrEqual, t1, 0);
        let cold = self.b.fb.create_block();
        self.b.fb.set_cold_block(cold);
        let cont = self.b.fb.create_block();
        self.b.fb.ins().brif(z, cold, &[], cont, &[]);
        self.b.fb.switch_to_block(cold);
        self.refill_tick(at);
        if call {
            let t = self.b.fb.use_var(self.tick);
            let t1 = self.b.fb.ins().iadd_imm_s(t, -1);
            self.b.fb.def_var(self.tick, t1);
        }
        self.b.fb.ins().jump(cont, &[]);
        self.b.fb.switch_to_block(cont);
    }

    /// The countdown reached zero: the runtime refills it from the fuel
    /// budget (the tick variable becomes [`crate::vm::TICK`]) or the fuel
    /// error (or an interrupt) is raised at `at`.
    fn refill_tick(&mut self, at: u32) {
        let ctx = self.ctx();
        let code = lower::call_host(
            &mut self.b.fb,
            &self.env.sigs.tick,
            rt::rt_tick as *const () as usize,
            &[ctx],
        )[0];
        self.load_tick();
        let bad = self.b.fb.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
        let pc = std::mem::replace(&mut self.pc, at);
        self.fail_if(bad, Code::Dyn(code));
        self.pc = pc;
    }

    /// `GUARD <= addr && addr + size <= len` as one unsigned compare
    /// against a constant (the region's length is fixed).
    fn in_main(&mut self, addr: Value, size: i64) -> Value {
        let off = self.b.fb.ins().iadd_imm_s(addr, -(GUARD as i64));
        let room = self.env.mem_len - GUARD as i64 - size;
        self.b
            .fb
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, off, room)
    }

    /// The slow path of a memory access: the runtime does it (or throws).
    fn rt_mem(&mut self, kind: i64, addr: Value, v0: Value, v1: Value) -> Value {
        let ctx = self.ctx();
        let k = self.iconst(kind);
        let r = lower::call_host(
            &mut self.b.fb,
            &self.env.sigs.mem,
            rt::rt_mem as *const () as usize,
            &[ctx, k, addr, v0, v1],
        );
        let (v, code) = (r[0], r[1]);
        let bad = self.b.fb.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
        self.fail_if(bad, Code::Dyn(code));
        v
    }

    /// An unchecked cell (`size` 8) or byte (1) load from data-space address `addr`.
    fn load_unchecked(&mut self, addr: Value, size: i64) -> Value {
        let p = self.mem_addr(addr);
        if size == 8 {
            self.b.fb.ins().load(I64, mflags(), p, 0)
        } else {
            self.b.fb.ins().uload8(I64, mflags(), p, 0)
        }
    }

    /// An unchecked cell (`size` 8) or byte (1) store of `x` at data-space address `addr`.
    fn store_unchecked(&mut self, addr: Value, x: Value, size: i64) {
        let p = self.mem_addr(addr);
        let x = if size == 8 {
            x
        } else {
            self.b.fb.ins().ireduce(I8, x)
        };
        self.b.fb.ins().store(mflags(), x, p, 0);
    }

    /// A cell (`size` 8) or byte (1) fetch with THROW -9 outside valid memory.
    fn fetch(&mut self, addr: Value, size: i64) -> Value {
        if self.raw {
            return self.load_unchecked(addr, size);
        }
        let ok = self.in_main(addr, size);
        let fast = self.b.fb.create_block();
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let join = self.b.fb.create_block();
        let v = self.b.fb.append_block_param(join, I64);
        self.b.fb.ins().brif(ok, fast, &[], slow, &[]);
        self.b.fb.switch_to_block(fast);
        let x = self.load_unchecked(addr, size);
        self.b.fb.ins().jump(join, &[x.into()]);
        self.b.fb.switch_to_block(slow);
        let zero = self.iconst(0);
        let y = self.rt_mem(
            if size == 8 {
                rt::MEM_FETCH
            } else {
                rt::MEM_CFETCH
            },
            addr,
            zero,
            zero,
        );
        self.b.fb.ins().jump(join, &[y.into()]);
        self.b.fb.switch_to_block(join);
        v
    }

    fn store(&mut self, addr: Value, x: Value, size: i64) {
        if self.raw {
            return self.store_unchecked(addr, x, size);
        }
        let ok = self.in_main(addr, size);
        let fast = self.b.fb.create_block();
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let join = self.b.fb.create_block();
        self.b.fb.ins().brif(ok, fast, &[], slow, &[]);
        self.b.fb.switch_to_block(fast);
        self.store_unchecked(addr, x, size);
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(slow);
        let zero = self.iconst(0);
        self.rt_mem(
            if size == 8 {
                rt::MEM_STORE
            } else {
                rt::MEM_CSTORE
            },
            addr,
            x,
            zero,
        );
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(join);
    }

    fn plus_store(&mut self, addr: Value, n: Value) {
        let ok = self.in_main(addr, 8);
        let fast = self.b.fb.create_block();
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let join = self.b.fb.create_block();
        self.b.fb.ins().brif(ok, fast, &[], slow, &[]);
        self.b.fb.switch_to_block(fast);
        let p = self.mem_addr(addr);
        let x = self.b.fb.ins().load(I64, mflags(), p, 0);
        let y = self.b.fb.ins().iadd(x, n);
        self.b.fb.ins().store(mflags(), y, p, 0);
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(slow);
        let zero = self.iconst(0);
        self.rt_mem(rt::MEM_PLUS_STORE, addr, n, zero);
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(join);
    }

    /// 2@'s fetch: (cell at addr, cell at addr + 8).
    fn fetch2(&mut self, addr: Value) -> (Value, Value) {
        if self.raw {
            let p = self.mem_addr(addr);
            let x0 = self.b.fb.ins().load(I64, mflags(), p, 0);
            let x1 = self.b.fb.ins().load(I64, mflags(), p, 8);
            return (x0, x1);
        }
        let ok = self.in_main(addr, 16);
        let fast = self.b.fb.create_block();
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let join = self.b.fb.create_block();
        let v0 = self.b.fb.append_block_param(join, I64);
        let v1 = self.b.fb.append_block_param(join, I64);
        self.b.fb.ins().brif(ok, fast, &[], slow, &[]);
        self.b.fb.switch_to_block(fast);
        let p = self.mem_addr(addr);
        let x0 = self.b.fb.ins().load(I64, mflags(), p, 0);
        let x1 = self.b.fb.ins().load(I64, mflags(), p, 8);
        self.b.fb.ins().jump(join, &[x0.into(), x1.into()]);
        self.b.fb.switch_to_block(slow);
        let zero = self.iconst(0);
        let y0 = self.rt_mem(rt::MEM_FETCH, addr, zero, zero);
        let a8 = self.b.fb.ins().iadd_imm_s(addr, 8);
        let y1 = self.rt_mem(rt::MEM_FETCH, a8, zero, zero);
        self.b.fb.ins().jump(join, &[y0.into(), y1.into()]);
        self.b.fb.switch_to_block(join);
        (v0, v1)
    }

    /// 2!'s store: `x0` at addr, `x1` at addr + 8 (nothing stored on a fault).
    fn store2(&mut self, addr: Value, x0: Value, x1: Value) {
        if self.raw {
            let p = self.mem_addr(addr);
            self.b.fb.ins().store(mflags(), x0, p, 0);
            self.b.fb.ins().store(mflags(), x1, p, 8);
            return;
        }
        let ok = self.in_main(addr, 16);
        let fast = self.b.fb.create_block();
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let join = self.b.fb.create_block();
        self.b.fb.ins().brif(ok, fast, &[], slow, &[]);
        self.b.fb.switch_to_block(fast);
        let p = self.mem_addr(addr);
        self.b.fb.ins().store(mflags(), x0, p, 0);
        self.b.fb.ins().store(mflags(), x1, p, 8);
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(slow);
        self.rt_mem(rt::MEM_STORE2, addr, x0, x1);
        self.b.fb.ins().jump(join, &[]);
        self.b.fb.switch_to_block(join);
    }

    /// Returns the outputs (the `m` live slots) and the fuel; with an
    /// accumulator, the one output folded into it.
    fn exit(&mut self) {
        let t = self.b.fb.use_var(self.tick);
        let mut rets = vec![t];
        for i in 0..self.plan.sig.m as usize {
            rets.push(self.b.fb.use_var(self.vars[i]));
        }
        if let Some((acc, op)) = self.acc {
            let a = self.b.fb.use_var(acc);
            rets[1] = self.acc_op(op, a, rets[1]);
        }
        self.b.fb.ins().return_(&rets);
    }

    fn acc_op(&mut self, op: analyze::AccOp, a: Value, b: Value) -> Value {
        use analyze::AccOp;
        let ins = self.b.fb.ins();
        match op {
            AccOp::Add => ins.iadd(a, b),
            AccOp::Mul => ins.imul(a, b),
            AccOp::And => ins.band(a, b),
            AccOp::Or => ins.bor(a, b),
            AccOp::Xor => ins.bxor(a, b),
        }
    }

    /// The entry test of the register entry ([`build`]) for a definition
    /// entered at depths `sp`, `rp`: true (an `i8`) when a stack could
    /// overflow in the body, `((DS_MAX - max_d - sp) | (RS_MAX - max_rd -
    /// rp)) < 0`.
    fn overflow_test(&mut self, sp: Value, rp: Value) -> Value {
        let both = self.overflow_room(sp, rp);
        self.b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, both, 0)
    }

    /// `(DS_MAX - max_d - sp) | (RS_MAX - max_rd - rp)`: negative when a
    /// stack could overflow (see [`Gen::overflow_test`]).
    fn overflow_room(&mut self, sp: Value, rp: Value) -> Value {
        let fb = &mut self.b.fb;
        let dsroom = fb.ins().iconst(I64, DS_MAX as i64 - self.plan.max_d as i64);
        let dsroom = fb.ins().isub(dsroom, sp);
        let rsroom = fb
            .ins()
            .iconst(I64, RS_MAX as i64 - self.plan.max_rd as i64);
        let rsroom = fb.ins().isub(rsroom, rp);
        fb.ins().bor(dsroom, rsroom)
    }

    /// An accumulating self-call `RECURSE op EXIT` ([`analyze::accumulations`])
    /// at op `i`, live stack `x a_1 … a_k`: instead of calling, folds `x`
    /// into the accumulator and runs the body again on `a_1 … a_k` as the
    /// next recursion level would, in this native frame.
    ///
    /// Exactness: the fuel is counted down as by the call; the level's
    /// entry depths (`sp`, `rp` variables) move on by one cell each, as
    /// the callee's would (the pending `x` below its inputs, its return
    /// address), so the next level's overflow test, `DEPTH`, callees and
    /// exception exits see the depths of the recursion; `x` is written to
    /// the data stack in memory at its depth, where the recursion's frame
    /// would write it on an exception exit (memory above the depth is not
    /// observable otherwise). If the next level could overflow a stack,
    /// it runs in the interpreter as a refused callee would (which raises
    /// the error exactly), and its result is folded in and returned.
    fn accumulate(&mut self, to: u32, op: analyze::AccOp) {
        let Some((acc, _)) = self.acc else { return };
        let Err((spv, rpv)) = self.frame else {
            return;
        };
        // The next level's depths, and one test for its overflow and the
        // fuel (as at the register entry): the common case only counts
        // the fuel down and moves on.
        let sp = self.sp_value();
        let rp0 = self.rp0();
        let rp = self.b.fb.ins().iadd_imm_s(rp0, 1);
        let room = self.overflow_room(sp, rp);
        let t = self.b.fb.use_var(self.tick);
        let tk = self.b.fb.ins().iadd_imm_s(t, -2);
        let room = self.b.fb.ins().bor(room, tk);
        let bad = self.b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, room, 0);
        let slow = self.b.fb.create_block();
        self.b.fb.set_cold_block(slow);
        let fast = self.b.fb.create_block();
        self.b.fb.ins().brif(bad, slow, &[], fast, &[]);
        self.b.fb.switch_to_block(fast);
        let t1 = self.b.fb.ins().iadd_imm_s(t, -1);
        self.b.fb.def_var(self.tick, t1);
        self.acc_step(op, acc, (spv, rpv), (sp, rp));
        let head = self.block_at(0);
        self.b.fb.ins().jump(head, &[]);
        // Slow: count the call (refill or the fuel error at this op, the
        // level's cells still as the call found them), then go on, or run
        // the next level in the interpreter if it could overflow: its
        // inputs in memory, its result folded in.
        self.b.fb.switch_to_block(slow);
        self.tick_check(self.pc, true);
        let (sp, rp) = (self.sp_value(), self.rp0());
        let rp = self.b.fb.ins().iadd_imm_s(rp, 1);
        self.acc_step(op, acc, (spv, rpv), (sp, rp));
        let bad = self.overflow_test(sp, rp);
        let cold = self.b.fb.create_block();
        self.b.fb.set_cold_block(cold);
        self.b.fb.ins().brif(bad, cold, &[], head, &[]);
        self.b.fb.switch_to_block(cold);
        self.d = 0;
        self.flush();
        self.store_tick();
        let t = self.call_interp(to, sp, rp);
        let dsb = self.dsb();
        let v = self.b.fb.ins().load(I64, flags(), dsb, 0);
        let a = self.b.fb.use_var(acc);
        let v = self.acc_op(op, a, v);
        self.b.fb.ins().return_(&[t, v]);
    }

    /// The step of [`Gen::accumulate`] to the next level (at data depth 1,
    /// `x a_1 … a_k`): `x` to memory at its depth and into the
    /// accumulator, the entry depths to `sp`/`rp`, the inputs to `a_i`.
    fn acc_step(
        &mut self,
        op: analyze::AccOp,
        acc: Variable,
        (spv, rpv): (Variable, Variable),
        (sp, rp): (Value, Value),
    ) {
        let k = self.plan.sig.k;
        let x = self.peek(k);
        let dsb = self.dsb();
        self.b.fb.ins().store(flags(), x, dsb, 0);
        let a = self.b.fb.use_var(acc);
        let a = self.acc_op(op, a, x);
        self.b.fb.def_var(acc, a);
        let args: Vec<Value> = (0..k).rev().map(|j| self.peek(j)).collect();
        self.b.fb.def_var(spv, sp);
        self.b.fb.def_var(rpv, rp);
        for (j, &x) in args.iter().enumerate() {
            self.b.fb.def_var(self.vars[j], x);
        }
    }

    /// Calls another definition with effect k → m: a compiled one through
    /// its register entry (arguments and results in registers), anything
    /// else (or a compiled one that refuses to start) through the
    /// interpreter with the stack in memory. The fuel countdown travels in
    /// registers between compiled definitions and through the context to
    /// the interpreter.
    ///
    /// A compiled callee counts the fuel for the call itself (in its entry,
    /// refilling the countdown if it runs out there); if the fuel is
    /// exhausted it returns [`FUEL_OUT`] and the caller raises the error
    /// at the call, with its own cells and the callee's inputs on the
    /// stack, as the interpreter would.
    fn call(&mut self, to: u32, k: u32, m: u32, tail: bool) {
        let native = self.env.callees.get(&to).copied();
        let counts = native.is_some_and(|n| n.2);
        if !counts {
            self.tick_check(self.pc, true);
        }
        let cont = self.b.fb.create_block();
        let tv = self.b.fb.append_block_param(cont, I64);
        let outs: Vec<Value> = (0..m)
            .map(|_| self.b.fb.append_block_param(cont, I64))
            .collect();
        if let Some((fid, _, false)) = native {
            // A callee with loops: the caller counted the call (above);
            // refused, the callee runs in the interpreter.
            let t = self.b.fb.use_var(self.tick);
            let st = self.native_call(fid, k, tail, t, cont);
            let is_deopt = self.b.fb.ins().icmp_imm_s(IntCC::Equal, st, DEOPT);
            let refused = self.b.fb.create_block();
            let prop = self.b.fb.create_block();
            self.b.fb.ins().brif(is_deopt, refused, &[], prop, &[]);
            self.b.fb.switch_to_block(prop);
            // The callee wrote its own cells; ours below its inputs follow.
            let n = (self.plan.n_in as i32 + self.d - k as i32).max(0) as usize;
            self.flush_below(n);
            self.ret_thrown();
            self.b.fb.switch_to_block(refused);
            self.flush_below(n);
        } else if let Some((fid, _, true)) = native {
            let t = self.b.fb.use_var(self.tick);
            let st = self.native_call(fid, k, tail, t, cont);
            let is_deopt = self.b.fb.ins().icmp_imm_s(IntCC::Equal, st, DEOPT);
            let refused = self.b.fb.create_block();
            let other = self.b.fb.create_block();
            self.b.fb.ins().brif(is_deopt, refused, &[], other, &[]);
            self.b.fb.switch_to_block(other);
            // The callee wrote its own cells (FUEL_OUT: its inputs); ours
            // below its inputs follow.
            let n = (self.plan.n_in as i32 + self.d - k as i32).max(0) as usize;
            self.flush_below(n);
            let is_fuel = self.b.fb.ins().icmp_imm_s(IntCC::Equal, st, FUEL_OUT);
            let fuel = self.b.fb.create_block();
            let prop = self.b.fb.create_block();
            self.b.fb.ins().brif(is_fuel, fuel, &[], prop, &[]);
            self.b.fb.switch_to_block(prop);
            self.ret_thrown();
            // The fuel ran out at this call (code and countdown in the
            // context already): the fault is this op, at this depth.
            self.b.fb.switch_to_block(fuel);
            let ctx = self.ctx();
            let pc = self.iconst(self.pc as i64);
            self.b.fb.ins().store(flags(), pc, ctx, CTX_FAULT);
            let sp = self.sp_value();
            self.b.fb.ins().store(flags(), sp, ctx, CTX_THROW_SP);
            self.ret_thrown();
            // Refused (the call counted, the countdown in the context, the
            // inputs on the data stack): a stack could overflow; the
            // interpreter raises it exactly.
            self.b.fb.switch_to_block(refused);
            self.load_tick();
            self.flush_below(n);
        } else {
            self.flush();
        }
        self.store_tick();
        let sp = self.sp_value();
        let rp0 = self.rp0();
        let rp = self
            .b
            .fb
            .ins()
            .iadd_imm_s(rp0, self.rd as i64 + if tail { 0 } else { 1 });
        let t = self.call_interp(to, sp, rp);
        let mut args: Vec<kiln_jit::ir::BlockArg> = vec![t.into()];
        if m > 0 {
            let dsb = self.dsb();
            let first = self.plan.n_in as i32 + self.d - k as i32;
            for j in 0..m as i32 {
                let x = self.b.fb.ins().load(I64, flags(), dsb, (first + j) * 8);
                args.push(x.into());
            }
        }
        self.b.fb.ins().jump(cont, &args);
        self.b.fb.switch_to_block(cont);
        self.b.fb.def_var(self.tick, tv);
        self.d = self.d - k as i32 + m as i32;
        for (j, &x) in outs.iter().enumerate() {
            self.set(m - 1 - j as u32, x);
        }
    }

    /// One call of compiled definition `fid` through its register entry
    /// with fuel countdown `t` (the top `k` cells as arguments): jumps to
    /// `cont` with `(status, outputs)` on success, else continues in a
    /// new cold block and returns the status ([`THROWN`] or [`DEOPT`]).
    fn native_call(&mut self, fid: FuncId, k: u32, tail: bool, t: Value, cont: Block) -> Value {
        let sp = self.sp_value();
        let rp0 = self.rp0();
        let rp = self
            .b
            .fb
            .ins()
            .iadd_imm_s(rp0, self.rd as i64 + if tail { 0 } else { 1 });
        let f = self.b.func_ref(fid);
        let mut args = vec![sp, rp, t];
        for j in (0..k).rev() {
            args.push(self.peek(j));
        }
        let call = self.b.fb.ins().call(f, &args);
        let res = self.b.fb.inst_results(call).to_vec();
        let st = res[0];
        let neg = self.b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, st, 0);
        let cold = self.b.fb.create_block();
        self.b.fb.set_cold_block(cold);
        let ok: Vec<kiln_jit::ir::BlockArg> = res.iter().map(|&v| v.into()).collect();
        self.b.fb.ins().brif(neg, cold, &[], cont, &ok);
        self.b.fb.switch_to_block(cold);
        st
    }

    fn sys(&mut self, id: u16, k: u32, m: u32) {
        self.flush();
        self.store_tick();
        let sp = self.sp_value();
        let rp0 = self.rp0();
        let rp = self.b.fb.ins().iadd_imm_s(rp0, self.rd as i64);
        let ctx = self.ctx();
        let w = self.iconst(id as i64);
        let r = lower::call_host(
            &mut self.b.fb,
            &self.env.sigs.call,
            rt::rt_sys as *const () as usize,
            &[ctx, w, sp, rp],
        )[0];
        self.propagate_if_neg(r);
        self.d = self.d - k as i32 + m as i32;
        self.reload_top(m);
        self.load_tick();
    }

    /// Runs a double-cell/mixed-precision op in the runtime on the stack in memory.
    fn arith(&mut self, op: Op, k: u32, m: u32) {
        // Only the inputs need to be in memory.
        let first = self.slot(k - 1);
        let dsb = self.dsb();
        for s in first..first + k as usize {
            let x = self.b.fb.use_var(self.vars[s]);
            self.b.fb.ins().store(flags(), x, dsb, (s * 8) as i32);
        }
        let ctx = self.ctx();
        let which = self.iconst(rt::arith_code(op));
        let cells = self.b.fb.ins().iadd_imm_s(dsb, (first * 8) as i64);
        let code = lower::call_host(
            &mut self.b.fb,
            &self.env.sigs.arith,
            rt::rt_arith as *const () as usize,
            &[ctx, which, cells],
        )[0];
        let bad = self.b.fb.ins().icmp_imm_s(IntCC::NotEqual, code, 0);
        self.fail_if(bad, Code::Dyn(code));
        self.d = self.d - k as i32 + m as i32;
        self.reload_top(m);
    }

    fn binop(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let b = self.peek(0);
        let a = self.peek(1);
        let r = f(self, a, b);
        self.d -= 1;
        self.set(0, r);
    }

    fn unop(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.peek(0);
        let r = f(self, a);
        self.set(0, r);
    }

    fn cmp(&mut self, cc: IntCC) {
        self.binop(|g, a, b| {
            let c = g.b.fb.ins().icmp(cc, a, b);
            g.mask(c)
        });
    }

    fn cmp0(&mut self, cc: IntCC) {
        self.unop(|g, a| {
            let c = g.b.fb.ins().icmp_imm_s(cc, a, 0);
            g.mask(c)
        });
    }

    fn cmp_imm(&mut self, cc: IntCC, v: i64) {
        self.unop(|g, a| {
            let c = g.b.fb.ins().icmp_imm_s(cc, a, v);
            g.mask(c)
        });
    }

    /// Branches to `to` when `cond` holds, else falls through.
    fn branch_if(&mut self, cond: Value, to: u32) {
        let back = to <= self.pc;
        let fall = self.b.fb.create_block();
        if back {
            let taken = self.b.fb.create_block();
            self.b.fb.ins().brif(cond, taken, &[], fall, &[]);
            self.b.fb.switch_to_block(taken);
            self.back_tick(to);
            let t = self.target(to);
            self.b.fb.ins().jump(t, &[]);
        } else {
            let t = self.target(to);
            self.b.fb.ins().brif(cond, t, &[], fall, &[]);
        }
        self.b.fb.switch_to_block(fall);
    }

    fn jump(&mut self, to: u32) {
        if to <= self.pc {
            self.back_tick(to);
        }
        let t = self.target(to);
        self.b.fb.ins().jump(t, &[]);
    }

    fn shift(&mut self, left: bool) {
        self.binop(|g, x, u| {
            let big =
                g.b.fb
                    .ins()
                    .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, u, 64);
            let s = if left {
                g.b.fb.ins().ishl(x, u)
            } else {
                g.b.fb.ins().ushr(x, u)
            };
            let zero = g.iconst(0);
            g.b.fb.ins().select(big, zero, s)
        });
    }

    /// The end of a counted loop: `step` added to the index (None: +1, LOOP).
    fn loop_end(&mut self, i: usize, step: Option<Value>, to: u32) {
        let idx = self.r(0);
        let limit = self.r(1);
        let inv = self.loop_inv.get(&i).copied();
        // In a versioned loop's fast copy a run-time step is positive.
        let fast_pos = self
            .fast
            .last()
            .is_some_and(|f| f.head + self.plan.start as usize == to as usize);
        let done = match step {
            Some(step) if fast_pos && self.const_step.is_none() => {
                let n = self.b.fb.ins().iadd(idx, step);
                self.set_r(0, n);
                let nd = self.b.fb.ins().isub(n, limit);
                self.b.fb.ins().icmp(IntCC::UnsignedLessThan, nd, step)
            }
            Some(step) if inv.is_some() => {
                // The general test below with the step's sign known at the
                // DO: crossing iff new index - limit' <u |step|, where
                // limit' = limit + (step < 0 ? step : 0) (see `loop_params`).
                let slot = inv.unwrap_or_else(|| unreachable!());
                let l2 = self.b.fb.ins().stack_load(I64, I64, slot, 0);
                let mag = self.b.fb.ins().stack_load(I64, I64, slot, 8);
                let n = self.b.fb.ins().iadd(idx, step);
                self.set_r(0, n);
                let t = self.b.fb.ins().isub(n, l2);
                self.b.fb.ins().icmp(IntCC::UnsignedLessThan, t, mag)
            }
            None => {
                let n = self.b.fb.ins().iadd_imm_s(idx, 1);
                self.set_r(0, n);
                self.b.fb.ins().icmp(IntCC::Equal, n, limit)
            }
            Some(step) if self.const_step.is_some_and(|c| c > 0) => {
                // A positive constant step crosses the limit boundary iff
                // 0 <= idx + step - limit < step (unsigned): the general
                // test below, specialised.
                let c = self.const_step.unwrap_or(1);
                let n = self.b.fb.ins().iadd(idx, step);
                self.set_r(0, n);
                let nd = self.b.fb.ins().isub(n, limit);
                self.b.fb.ins().icmp_imm_s(IntCC::UnsignedLessThan, nd, c)
            }
            Some(step) => {
                // The standard's test, "the index crossed the boundary
                // between limit-1 and limit", is ((d ^ nd) & (d ^ step)) < 0
                // with d = index - limit, nd = d + step. Equivalently (and
                // with the sign test hoisted out of loops where the step is
                // invariant): (step < 0 ? d : nd) <u |step|.
                let d = self.b.fb.ins().isub(idx, limit);
                let nd = self.b.fb.ins().iadd(d, step);
                let neg = self.b.fb.ins().icmp_imm_s(IntCC::SignedLessThan, step, 0);
                let x = self.b.fb.ins().select(neg, d, nd);
                let mag = self.b.fb.ins().iabs(step);
                let n = self.b.fb.ins().iadd(idx, step);
                self.set_r(0, n);
                self.b.fb.ins().icmp(IntCC::UnsignedLessThan, x, mag)
            }
        };
        let exit = self.b.fb.create_block();
        let again = self.b.fb.create_block();
        self.b.fb.ins().brif(done, exit, &[], again, &[]);
        self.b.fb.switch_to_block(again);
        self.jump(to);
        self.b.fb.switch_to_block(exit);
        self.rd -= 2;
    }

    /// At the `DO` of loop `do_i` (its cells popped): when the loop's step
    /// is invariant ([`analyze::invariant_step`]), computes its exit test's
    /// constants once: limit' = limit + min(step, 0) and |step|.
    fn loop_params(&mut self, do_i: usize, limit: Value) {
        let Some((end, p)) = analyze::invariant_step(self.plan, do_i) else {
            return;
        };
        let step = self
            .b
            .fb
            .use_var(self.vars[(self.plan.n_in as i32 + p) as usize]);
        let zero = self.iconst(0);
        let adj = self.b.fb.ins().smin(step, zero);
        let l2 = self.b.fb.ins().iadd(limit, adj);
        let mag = self.b.fb.ins().iabs(step);
        let slot = match self.loop_inv.get(&end) {
            Some(&v) => v,
            None => self.b.fb.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                16,
                3,
            )),
        };
        self.b.fb.ins().stack_store(I64, l2, slot, 0);
        self.b.fb.ins().stack_store(I64, mag, slot, 8);
        self.loop_inv.insert(end, slot);
    }

    /// Lowers op `i`; returns true when it ended the block (no fall-through).
    fn op(&mut self, i: usize) -> Result<bool, JitError> {
        let op = self.plan.ops[i];
        self.raw = matches!(
            op,
            Op::IFetch
                | Op::ICFetch
                | Op::IStore
                | Op::ICStore
                | Op::ICStoreLit { .. }
                | Op::ITwoFetch
                | Op::ITwoStore
                | Op::ICFetchZBr { .. }
                | Op::ITwoGtBranch { .. }
                | Op::ISwap2
        ) && self.unchecked()
            || self.fast.iter().any(|f| f.iv_ops.contains(&i));
        let r = self.op_inner(i, op);
        self.raw = false;
        if !matches!(op, Op::ITwoGtBranch { .. }) {
            self.last2 = None;
        }
        r
    }

    fn op_inner(&mut self, i: usize, op: Op) -> Result<bool, JitError> {
        let ins_add = |g: &mut Self, a: Value, v: i64| g.b.fb.ins().iadd_imm_s(a, v);
        match op {
            Op::Nop | Op::JitEntry { .. } => {}
            Op::Lit { v } => {
                let x = self.iconst(v.0 as i64);
                self.push(x);
            }
            Op::LitK { k } => {
                let Some(&v) = self.env.consts.get(k.0 as usize) else {
                    return Err(JitError("bad constant index".into()));
                };
                let x = self.iconst(v);
                self.push(x);
            }
            Op::Depth => {
                let x = self.sp_value();
                self.push(x);
            }
            Op::Call { to } => {
                if let Some(&(_, aop)) = self.acc_sites.iter().find(|s| s.0 == i) {
                    self.accumulate(to.0, aop);
                    return Ok(true);
                }
                let s = self.plan_sig_of_call(i, to.0)?;
                self.call(to.0, s.0, s.1, false);
            }
            Op::TailCall { to } => {
                let s = self.plan_sig_of_call(i, to.0)?;
                self.call(to.0, s.0, s.1, true);
                self.exit();
                return Ok(true);
            }
            Op::Exit => {
                self.exit();
                return Ok(true);
            }
            Op::AddExit => {
                self.binop(|g, a, b| g.b.fb.ins().iadd(a, b));
                self.exit();
                return Ok(true);
            }
            Op::DropLitExit { v } => {
                let x = self.iconst(v.0 as i64);
                self.set(0, x);
                self.exit();
                return Ok(true);
            }
            Op::Branch { to } => {
                self.jump(to.0);
                return Ok(true);
            }
            Op::ZBranch { to } => {
                let x = self.pop();
                let z = self.b.fb.ins().icmp_imm_s(IntCC::Equal, x, 0);
                self.branch_if(z, to.0);
            }
            Op::NzBranch { to } => {
                let x = self.pop();
                let z = self.b.fb.ins().icmp_imm_s(IntCC::NotEqual, x, 0);
                self.branch_if(z, to.0);
            }
            Op::DupZBranch { to } => {
                let x = self.peek(0);
                let z = self.b.fb.ins().icmp_imm_s(IntCC::Equal, x, 0);
                self.branch_if(z, to.0);
            }
            Op::QDup => {
                // Fused with the following ZBranch (see analyze).
                let Some(Op::ZBranch { to }) = self.plan.ops.get(i + 1).copied() else {
                    return Err(JitError("?DUP without IF".into()));
                };
                let x = self.peek(0);
                let z = self.b.fb.ins().icmp_imm_s(IntCC::Equal, x, 0);
                // Zero: x is consumed (depth d-1 at the target); nonzero: kept.
                let t = self.target(to.0);
                let after = self.block_at(i + 2);
                self.b.fb.ins().brif(z, t, &[], after, &[]);
                return Ok(true);
            }
            Op::EqBranch { to }
            | Op::NeBranch { to }
            | Op::LtBranch { to }
            | Op::GtBranch { to }
            | Op::ULtBranch { to } => {
                let b = self.pop();
                let a = self.pop();
                let cc = match op {
                    Op::EqBranch { .. } => IntCC::NotEqual,
                    Op::NeBranch { .. } => IntCC::Equal,
                    Op::LtBranch { .. } => IntCC::SignedGreaterThanOrEqual,
                    Op::GtBranch { .. } => IntCC::SignedLessThanOrEqual,
                    _ => IntCC::UnsignedGreaterThanOrEqual,
                };
                let c = self.b.fb.ins().icmp(cc, a, b);
                self.branch_if(c, to.0);
            }
            Op::LitLtBranch { v, to } | Op::LitGtBranch { v, to } | Op::LitEqBranch { v, to } => {
                let a = self.pop();
                let cc = match op {
                    Op::LitLtBranch { .. } => IntCC::SignedGreaterThanOrEqual,
                    Op::LitGtBranch { .. } => IntCC::SignedLessThanOrEqual,
                    _ => IntCC::NotEqual,
                };
                let c = self.b.fb.ins().icmp_imm_s(cc, a, v.0 as i64);
                self.branch_if(c, to.0);
            }
            Op::DupLitLtBr { v, to } => {
                let a = self.peek(0);
                let c = self
                    .b
                    .fb
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, a, v.0 as i64);
                self.branch_if(c, to.0);
            }
            Op::Sys { id } => {
                let (k, m) = self.sys_sig(id.0)?;
                self.sys(id.0, k, m);
            }
            Op::Throw => {
                let n = self.pop();
                let c = self.b.fb.ins().icmp_imm_s(IntCC::NotEqual, n, 0);
                self.fail_if(c, Code::Dyn(n));
            }
            Op::Dup => {
                let x = self.peek(0);
                self.push(x);
            }
            Op::Drop => self.d -= 1,
            Op::Swap => {
                let (a, b) = (self.peek(1), self.peek(0));
                self.set(1, b);
                self.set(0, a);
            }
            Op::Over => {
                let a = self.peek(1);
                self.push(a);
            }
            Op::Rot => {
                let (a, b, c) = (self.peek(2), self.peek(1), self.peek(0));
                self.set(2, b);
                self.set(1, c);
                self.set(0, a);
            }
            Op::MinusRot => {
                let (a, b, c) = (self.peek(2), self.peek(1), self.peek(0));
                self.set(2, c);
                self.set(1, a);
                self.set(0, b);
            }
            Op::Nip => {
                let b = self.pop();
                self.set(0, b);
            }
            Op::Tuck => {
                let (a, b) = (self.peek(1), self.peek(0));
                self.set(1, b);
                self.set(0, a);
                self.push(b);
            }
            Op::TwoDup => {
                let (a, b) = (self.peek(1), self.peek(0));
                self.push(a);
                self.push(b);
            }
            Op::TwoDrop => self.d -= 2,
            Op::TwoSwap => {
                let (a, b, c, d) = (self.peek(3), self.peek(2), self.peek(1), self.peek(0));
                self.set(3, c);
                self.set(2, d);
                self.set(1, a);
                self.set(0, b);
            }
            Op::TwoOver => {
                let (a, b) = (self.peek(3), self.peek(2));
                self.push(a);
                self.push(b);
            }
            Op::ToR => {
                let x = self.pop();
                self.rd += 1;
                self.set_r(0, x);
            }
            Op::RFrom => {
                let x = self.r(0);
                self.rd -= 1;
                self.push(x);
            }
            Op::RFetch => {
                let x = self.r(0);
                self.push(x);
            }
            Op::TwoToR => {
                let b = self.pop();
                let a = self.pop();
                self.rd += 2;
                self.set_r(1, a);
                self.set_r(0, b);
            }
            Op::TwoRFrom | Op::TwoRFetch => {
                let (a, b) = (self.r(1), self.r(0));
                if op == Op::TwoRFrom {
                    self.rd -= 2;
                }
                self.push(a);
                self.push(b);
            }
            Op::RDrop => self.rd -= 1,
            Op::Add => self.binop(|g, a, b| g.b.fb.ins().iadd(a, b)),
            Op::Sub => self.binop(|g, a, b| g.b.fb.ins().isub(a, b)),
            Op::Mul => self.binop(|g, a, b| g.b.fb.ins().imul(a, b)),
            Op::And => self.binop(|g, a, b| g.b.fb.ins().band(a, b)),
            Op::Or => self.binop(|g, a, b| g.b.fb.ins().bor(a, b)),
            Op::Xor => self.binop(|g, a, b| g.b.fb.ins().bxor(a, b)),
            Op::Min => self.binop(|g, a, b| g.b.fb.ins().smin(a, b)),
            Op::Max => self.binop(|g, a, b| g.b.fb.ins().smax(a, b)),
            Op::Div | Op::Mod | Op::DivMod => {
                let b = self.peek(0);
                let z = self.b.fb.ins().icmp_imm_s(IntCC::Equal, b, 0);
                self.fail_if(z, Code::Const(crate::error::code::DIV_BY_ZERO));
                let a = self.peek(1);
                let (q, r) = lower::wrapping_sdiv_srem(&mut self.b.fb, a, b);
                match op {
                    Op::Div => {
                        self.d -= 1;
                        self.set(0, q);
                    }
                    Op::Mod => {
                        self.d -= 1;
                        self.set(0, r);
                    }
                    _ => {
                        self.set(1, r);
                        self.set(0, q);
                    }
                }
            }
            Op::UmStar | Op::MStar => {
                let (a, b) = (self.peek(1), self.peek(0));
                let lo = self.b.fb.ins().imul(a, b);
                let hi = if op == Op::UmStar {
                    self.b.fb.ins().umulhi(a, b)
                } else {
                    self.b.fb.ins().smulhi(a, b)
                };
                self.set(1, lo);
                self.set(0, hi);
            }
            Op::StarSlash => self.arith(op, 3, 1),
            Op::StarSlashMod | Op::UmSlashMod | Op::SmSlashRem | Op::FmSlashMod => {
                self.arith(op, 3, 2)
            }
            Op::DPlus | Op::DMinus => self.arith(op, 4, 2),
            Op::SToD => {
                let x = self.peek(0);
                let s = self.b.fb.ins().sshr_imm_s(x, 63);
                self.push(s);
            }
            Op::Eq => self.cmp(IntCC::Equal),
            Op::Ne => self.cmp(IntCC::NotEqual),
            Op::Lt => self.cmp(IntCC::SignedLessThan),
            Op::Gt => self.cmp(IntCC::SignedGreaterThan),
            Op::ULt => self.cmp(IntCC::UnsignedLessThan),
            Op::UGt => self.cmp(IntCC::UnsignedGreaterThan),
            Op::ZeroEq => self.cmp0(IntCC::Equal),
            Op::ZeroNe => self.cmp0(IntCC::NotEqual),
            Op::ZeroLt => self.cmp0(IntCC::SignedLessThan),
            Op::ZeroGt => self.cmp0(IntCC::SignedGreaterThan),
            Op::Negate => self.unop(|g, a| g.b.fb.ins().ineg(a)),
            Op::Abs => self.unop(|g, a| g.b.fb.ins().iabs(a)),
            Op::OnePlus => self.unop(|g, a| ins_add(g, a, 1)),
            Op::OneMinus => self.unop(|g, a| ins_add(g, a, -1)),
            Op::TwoStar => self.unop(|g, a| g.b.fb.ins().ishl_imm_s(a, 1)),
            Op::TwoSlash => self.unop(|g, a| g.b.fb.ins().sshr_imm_s(a, 1)),
            Op::Invert => self.unop(|g, a| g.b.fb.ins().bnot(a)),
            Op::LShift => self.shift(true),
            Op::RShift => self.shift(false),
            Op::Within => {
                let (x, lo, hi) = (self.peek(2), self.peek(1), self.peek(0));
                let a = self.b.fb.ins().isub(x, lo);
                let b = self.b.fb.ins().isub(hi, lo);
                let c = self.b.fb.ins().icmp(IntCC::UnsignedLessThan, a, b);
                let m = self.mask(c);
                self.d -= 2;
                self.set(0, m);
            }
            Op::Fetch | Op::CFetch => {
                let a = self.peek(0);
                let x = self.fetch(a, if op == Op::Fetch { 8 } else { 1 });
                self.set(0, x);
            }
            Op::Store | Op::CStore => {
                let (x, a) = (self.peek(1), self.peek(0));
                self.store(a, x, if op == Op::Store { 8 } else { 1 });
                self.d -= 2;
            }
            Op::PlusStore => {
                let (n, a) = (self.peek(1), self.peek(0));
                self.plus_store(a, n);
                self.d -= 2;
            }
            Op::TwoFetch => {
                let a = self.peek(0);
                let (x2, x1) = self.fetch2(a);
                self.set(0, x1);
                self.push(x2);
            }
            Op::TwoStore => {
                let (x1, x2, a) = (self.peek(2), self.peek(1), self.peek(0));
                self.store2(a, x2, x1);
                self.d -= 3;
            }
            Op::Do => {
                let (limit, start) = (self.peek(1), self.peek(0));
                self.d -= 2;
                self.rd += 2;
                self.set_r(1, limit);
                self.set_r(0, start);
                if self.version_loop(i, limit, start)? {
                    return Ok(true);
                }
                self.loop_params(i, limit);
            }
            Op::QDo { to } => {
                let (limit, start) = (self.peek(1), self.peek(0));
                self.d -= 2;
                let eq = self.b.fb.ins().icmp(IntCC::Equal, limit, start);
                self.rd += 2;
                self.set_r(1, limit);
                self.set_r(0, start);
                let t = self.target(to.0);
                let body = self.b.fb.create_block();
                self.b.fb.ins().brif(eq, t, &[], body, &[]);
                self.b.fb.switch_to_block(body);
                if !self.version_loop(i, limit, start)? {
                    self.loop_params(i, limit);
                    let head = self.block_at(i + 1);
                    self.b.fb.ins().jump(head, &[]);
                }
                return Ok(true);
            }
            Op::Loop { to } => self.loop_end(i, None, to.0),
            Op::PlusLoop { to } => {
                let step = self.pop();
                self.loop_end(i, Some(step), to.0);
            }
            Op::DupPlusLoop { to } => {
                let step = self.peek(0);
                self.loop_end(i, Some(step), to.0);
            }
            Op::PlusLoopLit { v, to } => {
                let step = self.iconst(v.0 as i64);
                self.const_step = Some(v.0 as i64);
                self.loop_end(i, Some(step), to.0);
                self.const_step = None;
            }
            Op::AddLitLoop { v, to } => {
                self.unop(|g, a| ins_add(g, a, v.0 as i64));
                self.loop_end(i, None, to.0);
            }
            Op::Leave { to } => {
                self.rd -= 2;
                let t = self.target(to.0);
                self.b.fb.ins().jump(t, &[]);
                return Ok(true);
            }
            Op::Unloop => self.rd -= 2,
            Op::I => {
                let x = self.r(0);
                self.push(x);
            }
            Op::J => {
                let x = self.r(2);
                self.push(x);
            }
            Op::AddLit { v } => self.unop(|g, a| ins_add(g, a, v.0 as i64)),
            Op::MulLit { v } => self.unop(|g, a| g.b.fb.ins().imul_imm_s(a, v.0 as i64)),
            Op::AndLit { v } => self.unop(|g, a| g.b.fb.ins().band_imm_s(a, v.0 as i64)),
            Op::EqLit { v } => self.cmp_imm(IntCC::Equal, v.0 as i64),
            Op::LtLit { v } => self.cmp_imm(IntCC::SignedLessThan, v.0 as i64),
            Op::GtLit { v } => self.cmp_imm(IntCC::SignedGreaterThan, v.0 as i64),
            Op::FetchLit { v } => {
                let a = self.iconst(v.0 as i64);
                let x = self.fetch(a, 8);
                self.push(x);
            }
            Op::StoreLit { v } => {
                let x = self.peek(0);
                let a = self.iconst(v.0 as i64);
                self.store(a, x, 8);
                self.d -= 1;
            }
            Op::PlusStoreLit { v } => {
                let x = self.peek(0);
                let a = self.iconst(v.0 as i64);
                self.plus_store(a, x);
                self.d -= 1;
            }
            Op::IAdd => {
                let i = self.r(0);
                self.unop(|g, a| g.b.fb.ins().iadd(a, i));
            }
            Op::IFetch | Op::ICFetch => {
                let a = self.r(0);
                let x = self.fetch(a, if op == Op::IFetch { 8 } else { 1 });
                self.push(x);
            }
            Op::IStore | Op::ICStore => {
                let a = self.r(0);
                let x = self.peek(0);
                self.store(a, x, if op == Op::IStore { 8 } else { 1 });
                self.d -= 1;
            }
            Op::ICStoreLit { v } => {
                let a = self.r(0);
                let x = self.iconst(v.0 as i64);
                self.store(a, x, 1);
            }
            Op::ITwoFetch => {
                let a = self.r(0);
                let (x2, x1) = self.fetch2(a);
                self.push(x1);
                self.push(x2);
            }
            Op::ITwoStore => {
                let a = self.r(0);
                let (s0, s1) = (self.peek(0), self.peek(1));
                self.store2(a, s0, s1);
                self.d -= 2;
            }
            Op::OverAdd => {
                let a = self.peek(1);
                self.unop(|g, b| g.b.fb.ins().iadd(b, a));
            }
            Op::OverFetch => {
                let a = self.peek(1);
                let x = self.fetch(a, 8);
                self.push(x);
            }
            Op::SwapOver => {
                let (a, b) = (self.peek(1), self.peek(0));
                self.set(1, b);
                self.set(0, a);
                self.push(b);
            }
            Op::RFromAdd => {
                let x = self.r(0);
                self.rd -= 1;
                self.unop(|g, a| g.b.fb.ins().iadd(a, x));
            }
            Op::RAdd => {
                let x = self.pop();
                let r = self.r(0);
                let s = self.b.fb.ins().iadd(r, x);
                self.set_r(0, s);
            }
            Op::DropLit { v } => {
                let x = self.iconst(v.0 as i64);
                self.set(0, x);
            }
            Op::DupAddLit { v } => {
                let a = self.peek(0);
                let x = ins_add(self, a, v.0 as i64);
                self.push(x);
            }
            Op::UnderAddLit { v } => {
                let a = self.peek(1);
                let x = ins_add(self, a, v.0 as i64);
                self.set(1, x);
            }
            Op::SwapAddLit { v } => {
                let (a, b) = (self.peek(1), self.peek(0));
                let x = ins_add(self, a, v.0 as i64);
                self.set(1, b);
                self.set(0, x);
            }
            Op::LitUnder { v } => {
                let a = self.peek(0);
                let x = self.iconst(v.0 as i64);
                self.set(0, x);
                self.push(a);
            }
            Op::ICFetchZBr { to } => {
                let a = self.r(0);
                let x = self.fetch(a, 1);
                let z = self.b.fb.ins().icmp_imm_s(IntCC::Equal, x, 0);
                self.branch_if(z, to.0);
            }
            Op::OverFetch2 | Op::OverFetchMul => {
                let (a1, a0) = (self.peek(1), self.peek(0));
                let x = self.fetch(a1, 8);
                let y = self.fetch(a0, 8);
                if op == Op::OverFetch2 {
                    self.push(x);
                    self.push(y);
                } else {
                    let p = self.b.fb.ins().imul(x, y);
                    self.push(p);
                }
            }
            Op::AddLit2 { a, b } => {
                let (x, y) = (self.peek(1), self.peek(0));
                let x = ins_add(self, x, a.0 as i64);
                let y = ins_add(self, y, b.0 as i64);
                self.set(1, x);
                self.set(0, y);
            }
            Op::ITwoGtBranch { to } => {
                let a = self.r(0);
                let (x2, x1) = self.fetch2(a);
                let c = self.b.fb.ins().icmp(IntCC::SignedLessThanOrEqual, x1, x2);
                self.branch_if(c, to.0);
                if self.raw {
                    self.last2 = Some((i, x2, x1));
                }
            }
            Op::ISwap2 => {
                let a = self.r(0);
                // Right after an unchecked `ITwoGtBranch`, on its
                // fall-through only (no other way in): the same two cells,
                // nothing stored since.
                let (x2, x1) = match self.last2 {
                    Some((j, x2, x1)) if self.raw && j + 1 == i && !self.plan.block_start[i] => {
                        (x2, x1)
                    }
                    _ => self.fetch2(a),
                };
                self.store2(a, x1, x2);
            }
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
            | Op::Does { .. } => return Err(JitError(format!("{op:?} is not compiled"))),
        }
        Ok(false)
    }

    fn plan_sig_of_call(&self, _i: usize, to: u32) -> Result<(u32, u32), JitError> {
        match self.env.callees.get(&to) {
            Some(&(_, s, _)) => Ok((s.k, s.m)),
            None => Err(JitError("callee is not compiled".into())),
        }
    }

    fn sys_sig(&self, id: u16) -> Result<(u32, u32), JitError> {
        let w = crate::words::SysWord::from_u16(id).ok_or_else(|| JitError("bad sys".into()))?;
        let e = crate::infer::sys_effect(w).ok_or_else(|| JitError("dynamic sys".into()))?;
        Ok((e.n_in() as u32, e.n_out() as u32))
    }
}
