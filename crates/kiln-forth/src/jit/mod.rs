//! The Forth JIT tier: colon definitions compiled to native code through
//! `kiln-jit` (Cranelift), entered from the interpreter and interoperating
//! with it both ways.
//!
//! * With the tier on (`Options::jit` / `kiln forth --jit=auto|always`),
//!   every colon definition starts with `Op::JitEntry { id }`. In the
//!   dispatch loop it counts calls down ([`HOT_CALLS`], or 1 for
//!   definitions that contain a loop) and then asks the driver to compile
//!   (`Event::JitCompile`); once compiled it hands over (`Event::Jit`),
//!   the driver runs the native code and performs the definition's `EXIT`.
//!   `always` compiles at `;`.
//! * `analyze.rs` decides whether a definition can be compiled and with
//!   which static stack depths; `codegen.rs` lowers it (stack slots and DO
//!   loop parameters in registers, native calls between compiled
//!   definitions, inlined primitives and bounds-checked memory); `rt.rs`
//!   holds the runtime helpers native code calls.
//! * Definitions that cannot be compiled (EXECUTE, CATCH, locals, DOES>,
//!   data-dependent depths…) stay interpreted; compiled code calls them
//!   through the interpreter, and they call compiled code through
//!   `JitEntry`.
//! * Exactness: compiled code refuses to start (DEOPT) unless its stack
//!   accesses fit, so under- and overflow errors are raised by the
//!   interpreter exactly where they would be; memory faults, division by
//!   zero and THROW raise the same codes at the same op; fuel is counted
//!   down on calls and backward branches as in the interpreter (a call
//!   that finds the countdown at zero counts again after the refill, as
//!   the interpreter re-executes it).

mod analyze;
mod codegen;
mod rt;

use crate::error::{Throw, code};
use crate::isa::{JitId, Op};
use crate::memory::Cell;
use crate::system::Forth;
use crate::vm::{JitSlot, JitState};
use analyze::{Callee, Sig};
use kiln_jit::types::I64;
use kiln_jit::{Code, FuncId, Jit};
use rustc_hash::FxHashMap;
use std::fmt;
use std::str::FromStr;

/// When colon definitions are compiled to native code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum JitMode {
    /// Never: everything runs in the threaded-code interpreter.
    #[default]
    Off,
    /// Hot definitions: after [`HOT_CALLS`] calls, or at the first call
    /// for a definition that contains a loop.
    Auto,
    /// Every colon definition, at `;`.
    Always,
}

impl FromStr for JitMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(JitMode::Off),
            "auto" => Ok(JitMode::Auto),
            "always" => Ok(JitMode::Always),
            _ => Err(format!(
                "unknown JIT mode '{s}' (expected off, auto or always)"
            )),
        }
    }
}

impl fmt::Display for JitMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JitMode::Off => "off",
            JitMode::Auto => "auto",
            JitMode::Always => "always",
        })
    }
}

/// Calls of a loop-free definition before `auto` compiles it.
pub const HOT_CALLS: u32 = 16;

/// Native return value: an exception was raised (details in the context).
pub(crate) const THROWN: i64 = -1;
/// Native return value: refused to start; run the definition interpreted.
pub(crate) const DEOPT: i64 = -2;
/// Native return value of a register entry: the fuel ran out at the call
/// into it (code and countdown in the context, its inputs written to the
/// data stack); the caller raises the error at its call op. Only native
/// callers see it (the memory entry never lets the countdown run out).
pub(crate) const FUEL_OUT: i64 = -3;

/// Native stack compiled code may use below the outermost entry, bytes.
/// Past it a definition refuses to start and runs interpreted instead.
const NATIVE_STACK: usize = 512 << 10;

/// What compiled code reads and writes besides the stacks (field offsets
/// are the `CTX_*` constants; `#[repr(C)]`).
#[repr(C)]
pub(crate) struct JitCtx {
    pub ds: *mut Cell,
    pub mem: *mut u8,
    pub mem_len: i64,
    pub tick: i64,
    pub throw: i64,
    pub fault: i64,
    pub throw_sp: i64,
    pub stack_floor: u64,
    pub forth: *mut Forth,
}

pub(crate) const CTX_TICK: i32 = 24;
pub(crate) const CTX_THROW: i32 = 32;
pub(crate) const CTX_FAULT: i32 = 40;
pub(crate) const CTX_THROW_SP: i32 = 48;
pub(crate) const CTX_STACK_FLOOR: i32 = 56;

/// One colon definition known to the tier.
struct Def {
    xt: u32,
    cfa: u32,
    /// One past its code (0 until `;`).
    end: u32,
    func: Option<(FuncId, Sig)>,
    code: Option<Code>,
    busy: bool,
    /// Compiled with accumulator introduction (`analyze::accumulations`).
    accumulating: bool,
    /// Why it stays interpreted.
    refused: Option<String>,
}

/// The tier's state inside a [`Forth`].
pub(crate) struct JitTier {
    jit: Option<Jit>,
    broken: bool,
    defs: Vec<Def>,
    by_cfa: FxHashMap<u32, u32>,
    pub(crate) ctx: Box<JitCtx>,
    sigs: Option<codegen::Sigs>,
    /// Data-stack and main-memory addresses compiled code was built for.
    layout: Option<(i64, i64, i64)>,
    log: bool,
}

impl Default for JitTier {
    fn default() -> Self {
        JitTier {
            jit: None,
            broken: false,
            defs: Vec::new(),
            by_cfa: FxHashMap::default(),
            ctx: Box::new(JitCtx {
                ds: std::ptr::null_mut(),
                mem: std::ptr::null_mut(),
                mem_len: 0,
                tick: 0,
                throw: 0,
                fault: 0,
                throw_sp: 0,
                stack_floor: 0,
                forth: std::ptr::null_mut(),
            }),
            sigs: None,
            layout: None,
            log: std::env::var_os("KILN_JIT_LOG").is_some(),
        }
    }
}

/// Counts of the tier's work (for tests and `--jit` diagnostics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Definitions with the JIT prologue.
    pub definitions: usize,
    /// Definitions compiled to native code.
    pub compiled: usize,
    /// Definitions that stay interpreted (not compilable).
    pub refused: usize,
    /// Compiled definitions whose accumulating self-calls (`… RECURSE + ;`)
    /// became a loop (accumulator introduction, see ARCHITECTURE.md).
    pub accumulating: usize,
}

pub(crate) fn has_backward_branch(ops: &[Op], start: u32) -> bool {
    ops.iter().enumerate().any(|(i, op)| {
        !matches!(op, Op::Call { .. } | Op::TailCall { .. } | Op::Does { .. })
            && op.target().is_some_and(|t| t <= start + i as u32)
    })
}

impl Forth {
    /// The tier's counts so far.
    pub fn jit_stats(&self) -> JitStats {
        JitStats {
            definitions: self.jit.defs.len(),
            compiled: self.jit.defs.iter().filter(|d| d.code.is_some()).count(),
            refused: self.jit.defs.iter().filter(|d| d.refused.is_some()).count(),
            accumulating: self.jit.defs.iter().filter(|d| d.accumulating).count(),
        }
    }

    /// Why definition `xt` is not compiled (`None` when it is, or when the
    /// tier never looked at it).
    pub fn jit_refusal(&self, xt: u32) -> Option<&str> {
        self.jit
            .defs
            .iter()
            .find(|d| d.xt == xt)
            .and_then(|d| d.refused.as_deref())
    }

    /// Emits the prologue of a new colon definition `xt` (at its code entry).
    pub(crate) fn jit_prologue(&mut self, xt: u32) {
        if self.options.jit == crate::jit::JitMode::Off {
            return;
        }
        let id = self.jit.defs.len() as u32;
        let cfa = self.hot.code.len() as u32;
        self.jit.defs.push(Def {
            xt,
            cfa,
            end: 0,
            func: None,
            code: None,
            busy: false,
            accumulating: false,
            refused: None,
        });
        self.jit.by_cfa.insert(cfa, id);
        self.hot.jit.push(JitSlot {
            countdown: HOT_CALLS,
            state: JitState::Counting,
        });
        self.push_raw(Op::JitEntry { id: JitId(id) });
        self.barrier = self.hot.code.len();
    }

    /// Length of the JIT prologue at code index `cfa` (0 or 1).
    pub(crate) fn jit_prologue_len(&self, cfa: u32) -> u32 {
        matches!(self.hot.code.get(cfa as usize), Some(Op::JitEntry { .. })) as u32
    }

    /// `;` finished definition `xt`: compile it now (`always`) or mark
    /// looping definitions hot (`auto`).
    pub(crate) fn jit_defined(&mut self, xt: u32) {
        let Some(w) = self.dict.words.get(xt as usize) else {
            return;
        };
        let (cfa, end) = (w.cfa, w.end);
        let Some(Op::JitEntry { id }) = self.hot.code.get(cfa as usize).copied() else {
            return;
        };
        let id = id.0 as usize;
        if self.jit.defs[id].end != 0 {
            return;
        }
        self.jit.defs[id].end = end;
        match self.options.jit {
            JitMode::Always => {
                self.jit_compile(id);
            }
            JitMode::Auto => {
                let ops = &self.hot.code[cfa as usize + 1..end as usize];
                if has_backward_branch(ops, cfa + 1) {
                    self.hot.jit[id].countdown = 1;
                }
            }
            JitMode::Off => {}
        }
    }

    /// `JitEntry` found definition `id` hot: compile it, and run it if that worked.
    pub(crate) fn jit_hot(&mut self, id: u32, pc: &mut u32) -> Result<(), Throw> {
        if self.jit_compile(id as usize) {
            self.jit_enter(id, pc)
        } else {
            Ok(())
        }
    }

    /// Compiles definition `id` (and first the definitions it calls).
    fn jit_compile(&mut self, id: usize) -> bool {
        match self.hot.jit[id].state {
            JitState::Ready => return true,
            JitState::Interpreted => return false,
            JitState::Counting => {}
        }
        let def = &self.jit.defs[id];
        if def.busy || def.end == 0 || self.jit.broken {
            return false;
        }
        let (cfa, end) = (def.cfa, def.end);
        self.jit.defs[id].busy = true;
        let callees: Vec<u32> = self.hot.code[cfa as usize + 1..end as usize]
            .iter()
            .filter_map(|op| match *op {
                Op::Call { to } | Op::TailCall { to } if to.0 != cfa && to.0 != cfa + 1 => {
                    Some(to.0)
                }
                _ => None,
            })
            .collect();
        for c in callees {
            if let Some(cid) = self.jit_callee(c) {
                self.jit_compile(cid as usize);
            }
        }
        let r = self.jit_compile_one(id);
        self.jit.defs[id].busy = false;
        match r {
            Ok(code) => {
                self.jit.defs[id].code = Some(code);
                self.hot.jit[id].state = JitState::Ready;
                true
            }
            Err(why) => {
                if self.jit.log {
                    let name = self.dict.words[self.jit.defs[id].xt as usize].name.clone();
                    eprintln!("jit: {name}: stays interpreted: {why}");
                }
                self.jit.defs[id].refused = Some(why);
                self.hot.jit[id].state = JitState::Interpreted;
                false
            }
        }
    }

    /// The definition a call to code index `to` enters: at its `JitEntry`
    /// or just past it (RECURSE).
    fn jit_callee(&self, to: u32) -> Option<u32> {
        let t = &self.jit.by_cfa;
        t.get(&to)
            .or_else(|| to.checked_sub(1).and_then(|p| t.get(&p)))
            .copied()
    }

    fn jit_compile_one(&mut self, id: usize) -> Result<Code, String> {
        let (cfa, end) = (self.jit.defs[id].cfa, self.jit.defs[id].end);
        let ops = &self.hot.code[cfa as usize + 1..end as usize];
        // Callees: compiled definitions by code entry.
        let mut callees: FxHashMap<u32, (FuncId, Sig, bool)> = FxHashMap::default();
        for op in ops {
            if let Op::Call { to } | Op::TailCall { to } = *op
                && let Some(cid) = self.jit_callee(to.0)
                && let Some(f) = self.jit.defs[cid as usize].func
                && self.jit.defs[cid as usize].code.is_some()
            {
                let d = &self.jit.defs[cid as usize];
                let body = &self.hot.code[d.cfa as usize + 1..d.end as usize];
                callees.insert(to.0, (f.0, f.1, codegen::counts_own_call(body, d.cfa + 1)));
            }
        }
        let lookup = |to: u32| -> Callee {
            if to == cfa || to == cfa + 1 {
                Callee::SelfCall
            } else {
                match callees.get(&to) {
                    Some(&(_, s, _)) => Callee::Known(s),
                    None => Callee::Unknown,
                }
            }
        };
        let plan = analyze::analyze(ops, cfa + 1, cfa, &lookup)?;
        if self.jit.jit.is_none() {
            // Codegen places loop-invariant work itself (at DO, in stack
            // slots); Cranelift's mid-end would sink it back into the loops
            // (measured: equal or faster on all four benchmark kernels).
            match Jit::with_optimizer(false) {
                Ok(j) => {
                    let sig = |p: &[kiln_jit::Type], r: &[kiln_jit::Type]| j.signature(p, r);
                    self.jit.sigs = Some(codegen::Sigs {
                        mem: sig(&[I64; 5], &[I64, I64]),
                        arith: sig(&[I64; 3], &[I64]),
                        call: sig(&[I64; 4], &[I64]),
                        tick: sig(&[I64], &[I64]),
                    });
                    let mut j = j;
                    j.set_dump(std::env::var_os("KILN_JIT_DUMP").is_some());
                    self.jit.jit = Some(j);
                }
                Err(e) => {
                    self.jit.broken = true;
                    return Err(e.to_string());
                }
            }
        }
        let tier = &mut self.jit;
        let (Some(jit), Some(sigs)) = (tier.jit.as_mut(), tier.sigs.as_ref()) else {
            return Err("no JIT".into());
        };
        // Two functions: the register entry (native callers) and the
        // memory-ABI entry (the interpreter), which wraps it.
        let (fp, fr) = codegen::fast_types(plan.sig);
        let fsig = jit.internal_signature(&fp, &fr);
        let fid = jit
            .declare(&format!("forth_{id}"), &fsig)
            .map_err(|e| e.to_string())?;
        let sig = jit.signature(&[I64; 4], &[I64, I64]);
        let eid = jit
            .declare(&format!("forth_{id}_entry"), &sig)
            .map_err(|e| e.to_string())?;
        let counts = codegen::counts_own_call(&plan.ops, plan.start);
        callees.insert(cfa, (fid, plan.sig, counts));
        callees.insert(cfa + 1, (fid, plan.sig, counts));
        let layout = (
            self.hot.ds.as_ptr() as i64,
            self.hot.mem.main.as_ptr() as i64,
            self.hot.mem.main.len() as i64,
        );
        if *tier.layout.get_or_insert(layout) != layout {
            return Err("memory moved".into());
        }
        let env = codegen::Env {
            consts: &self.hot.consts,
            callees: &callees,
            sigs,
            ds_base: layout.0,
            mem_base: layout.1,
            mem_len: layout.2,
            ctx: &*tier.ctx as *const JitCtx as i64,
        };
        jit.define(fid, &fsig, |b| codegen::build(b, &plan, &env))
            .map_err(|e| e.to_string())?;
        jit.define(eid, &sig, |b| codegen::build_entry(b, &plan, &env, fid))
            .map_err(|e| e.to_string())?;
        jit.finalize().map_err(|e| e.to_string())?;
        tier.defs[id].func = Some((fid, plan.sig));
        let acc = analyze::accumulations(&plan);
        tier.defs[id].accumulating = !acc.is_empty();
        if tier.log
            && let Some(&(_, op)) = acc.first()
        {
            let name = &self.dict.words[tier.defs[id].xt as usize].name;
            eprintln!(
                "jit: {name}: {} self-call(s) into a loop with a {op:?} accumulator",
                acc.len()
            );
        }
        Ok(jit.code(eid))
    }

    /// Runs definition `id`'s native code (the dispatch loop reached its
    /// `JitEntry`; `pc` is just past it), then performs its EXIT. A
    /// refusal to start leaves `pc` alone: the interpreter runs the body.
    pub(crate) fn jit_enter(&mut self, id: u32, pc: &mut u32) -> Result<(), Throw> {
        let Some(code) = self.jit.defs.get(id as usize).and_then(|d| d.code) else {
            return Ok(());
        };
        let layout = (
            self.hot.ds.as_ptr() as i64,
            self.hot.mem.main.as_ptr() as i64,
            self.hot.mem.main.len() as i64,
        );
        if self.jit.layout != Some(layout) {
            // Compiled code addresses the stack and memory directly; they
            // never move, but if they did, interpreting stays correct.
            return Ok(());
        }
        let (sp, rp) = (self.hot.sp, self.hot.rp);
        let me: *mut Forth = self;
        let ds = self.hot.ds.as_mut_ptr();
        let mem = self.hot.mem.main.as_mut_ptr();
        let mem_len = self.hot.mem.main.len() as i64;
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as u64;
        let c = &mut *self.jit.ctx;
        c.forth = me;
        c.ds = ds;
        c.mem = mem;
        c.mem_len = mem_len;
        let tick = self.tick as i64;
        c.tick = tick;
        let outer = c.stack_floor == 0;
        if outer {
            c.stack_floor = here.saturating_sub(NATIVE_STACK as u64).max(1);
        }
        let ctx: *mut JitCtx = c;
        // Compiled code only touches `ds[..DS_MAX]` and the main memory
        // region inside their bounds (checked in the code) and reaches the
        // rest of the system only through the `rt` helpers, while this
        // function holds no other reference into it.
        // SAFETY: `code` was compiled by this system's live `Jit` with
        // signature (ctx, sp, rp, tick) -> (r, tick); `ctx` is this system's context.
        let kiln_jit::Pair(r, tick) =
            unsafe { code.call4_2(ctx as i64, sp as i64, rp as i64, tick) };
        let c = &mut *self.jit.ctx;
        if outer {
            c.stack_floor = 0;
        }
        self.tick = tick.clamp(1, crate::vm::TICK as i64) as u32;
        // Runtime calls inside set the depth for nested code; the return
        // stack is back where it was.
        self.hot.rp = rp;
        match r {
            DEOPT => Ok(()),
            r if r >= 0 => {
                self.hot.sp = r as usize;
                if self.hot.rp == 0 {
                    return Err(Throw(code::RSTACK_UNDERFLOW));
                }
                self.hot.rp -= 1;
                *pc = self.hot.rs[self.hot.rp] as u32;
                Ok(())
            }
            _ => {
                let (e, sp, fault) = (c.throw, c.throw_sp, c.fault);
                self.hot.sp = (sp.max(0) as usize).min(crate::vm::DS_MAX);
                self.hot.rp = rp;
                *pc = fault as u32 + 1;
                Err(Throw(e))
            }
        }
    }
}
