//! `kiln-jit`: Kiln's shared native-code layer over Cranelift — the JIT
//! module and its code memory, function declaration and finalisation,
//! calls back into the runtime, and lowering helpers more than one language
//! needs. It knows no language: a language crate (today `kiln-forth`)
//! builds Cranelift IR through [`Jit::define`] and calls the finished code
//! through [`Code`].
//!
//! Code memory is managed by `cranelift-jit`: functions are written into
//! pages that are writable but not executable, and [`Jit::finalize`] flips
//! them to read+execute (W^X — never writable and executable at once).
//! Every function compiled between two finalisations becomes callable
//! together, so mutually-referencing functions can be defined before the
//! flip. Memory is released when the [`Jit`] is dropped; the owner must not
//! call code of a dropped `Jit` (the language runtime owns both).
//!
//! ```
//! use kiln_jit::{InstBuilder, Jit, types::I64};
//! let mut jit = Jit::new().unwrap();
//! let sig = jit.signature(&[I64, I64, I64], &[I64]);
//! let f = jit.declare("add3", &sig).unwrap();
//! jit.define(f, &sig, |b| {
//!     let p = b.params().to_vec();
//!     let s = b.fb.ins().iadd(p[0], p[1]);
//!     let s = b.fb.ins().iadd(s, p[2]);
//!     b.fb.ins().return_(&[s]);
//!     Ok(())
//! }).unwrap();
//! jit.finalize().unwrap();
//! let code = jit.code(f);
//! // SAFETY: `add3` was defined above with signature (i64, i64, i64) -> i64
//! // in the default (System V / host C) calling convention, and `jit` is alive.
//! let r = unsafe { code.call3(1, 2, 3) };
//! assert_eq!(r, 6);
//! ```
#![deny(missing_docs)]

pub mod lower;

pub use cranelift_codegen::ir::{
    self, AbiParam, Block, FuncRef, InstBuilder, MemFlagsData, Signature, Type, Value, condcodes,
    types,
};
pub use cranelift_frontend::{FunctionBuilder, Variable};
pub use cranelift_module::FuncId;

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};
use std::fmt;

/// Why compiling or finalising failed (a Cranelift verifier/codegen error,
/// or a host the native backend does not support). The language runtime
/// treats any of these as "keep interpreting this function".
#[derive(Debug, Clone)]
pub struct JitError(pub String);

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "jit: {}", self.0)
    }
}

impl std::error::Error for JitError {}

fn err(e: impl fmt::Display) -> JitError {
    JitError(e.to_string())
}

/// One JIT module: the Cranelift target ISA, the code memory and the
/// reusable compilation contexts.
pub struct Jit {
    module: Option<JITModule>,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    defined: usize,
    dump: bool,
}

/// What [`Jit::define`]'s closure builds a function with: the Cranelift
/// function builder (positioned in the entry block, whose parameters are the
/// function's) plus access to other declared functions.
pub struct Builder<'a> {
    /// The Cranelift function builder.
    pub fb: FunctionBuilder<'a>,
    module: &'a mut JITModule,
    entry: Block,
}

impl Builder<'_> {
    /// The function's parameters (the entry block's parameters).
    pub fn params(&self) -> &[Value] {
        self.fb.block_params(self.entry)
    }

    /// A reference to a function declared in the same [`Jit`] (defined or
    /// not yet: recursion and calls to functions defined before the next
    /// [`Jit::finalize`] both work), for `call`.
    pub fn func_ref(&mut self, id: FuncId) -> FuncRef {
        self.module.declare_func_in_func(id, self.fb.func)
    }

    /// The pointer type of the target (`I64` on the 64-bit hosts Kiln supports).
    pub fn ptr_type(&self) -> Type {
        self.module.target_config().pointer_type()
    }
}

/// The address of a finalised function. Calling it is `unsafe`: the caller
/// must use the signature the function was defined with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub *const u8);

impl Code {
    /// Calls a function of signature `(i64, i64, i64) -> i64` in the host's
    /// C calling convention.
    ///
    /// # Safety
    /// The function must have been defined with exactly that signature by a
    /// [`Jit`] that is still alive and finalised, and whatever the function
    /// does with its arguments (e.g. dereferencing them as pointers) must be
    /// valid for these values.
    pub unsafe fn call3(self, a: i64, b: i64, c: i64) -> i64 {
        // SAFETY: the caller guarantees that `self.0` is a finalised function
        // with this signature in the C calling convention (see `# Safety`).
        let f: extern "C" fn(i64, i64, i64) -> i64 = unsafe { std::mem::transmute(self.0) };
        f(a, b, c)
    }
}

/// Two `i64` results, as a function with signature `(…) -> (i64, i64)`
/// returns them in the host's C calling convention (`rax:rdx` on System V).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair(pub i64, pub i64);

impl Code {
    /// Calls a function of signature `(i64, i64, i64, i64) -> (i64, i64)`
    /// in the host's C calling convention.
    ///
    /// # Safety
    /// As [`Code::call3`], for this signature.
    pub unsafe fn call4_2(self, a: i64, b: i64, c: i64, d: i64) -> Pair {
        // SAFETY: the caller guarantees that `self.0` is a finalised function
        // with this signature in the C calling convention (see `# Safety`).
        let f: extern "C" fn(i64, i64, i64, i64) -> Pair = unsafe { std::mem::transmute(self.0) };
        f(a, b, c, d)
    }
}

impl Jit {
    /// A JIT for the host machine, optimising for speed.
    ///
    /// # Errors
    /// The host is not supported by Cranelift's native backend, or a flag was refused.
    pub fn new() -> Result<Jit, JitError> {
        Jit::with_optimizer(true)
    }

    /// A JIT for the host machine; `optimize: false` turns Cranelift's
    /// mid-end (e-graph rewrites, GVN, code motion) off (`opt_level=none`):
    /// instructions stay in the blocks the builder put them in. A language
    /// front end that already places loop-invariant work outside its loops
    /// can be faster that way, because the e-graph sinks pure values to
    /// their uses and its loop-invariant code motion does not hoist values
    /// that depend on (rematerialised) constants. Register allocation and
    /// instruction selection are the same either way.
    ///
    /// # Errors
    /// As [`Jit::new`].
    pub fn with_optimizer(optimize: bool) -> Result<Jit, JitError> {
        let mut flags = settings::builder();
        flags
            .set("opt_level", if optimize { "speed" } else { "none" })
            .map_err(err)?;
        flags.set("use_colocated_libcalls", "false").map_err(err)?;
        flags.set("is_pic", "false").map_err(err)?;
        // Functions with more results than return registers (see
        // `Jit::internal_signature`) return the rest through memory.
        flags
            .set("enable_multi_ret_implicit_sret", "true")
            .map_err(err)?;
        let isa = cranelift_native::builder()
            .map_err(err)?
            .finish(settings::Flags::new(flags))
            .map_err(err)?;
        let module = JITModule::new(JITBuilder::with_isa(
            isa,
            cranelift_module::default_libcall_names(),
        ));
        Ok(Jit {
            ctx: module.make_context(),
            module: Some(module),
            fctx: FunctionBuilderContext::new(),
            defined: 0,
            dump: false,
        })
    }

    fn module(&self) -> &JITModule {
        self.module
            .as_ref()
            .unwrap_or_else(|| unreachable!("module is only taken in Drop"))
    }

    fn module_mut(&mut self) -> &mut JITModule {
        self.module
            .as_mut()
            .unwrap_or_else(|| unreachable!("module is only taken in Drop"))
    }

    /// A signature in the host's C calling convention with these parameter
    /// and return types (at most two returns, which the System V ABI returns
    /// in `rax:rdx`).
    pub fn signature(&self, params: &[Type], returns: &[Type]) -> Signature {
        let mut s = self.module().make_signature();
        s.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        s.returns.extend(returns.iter().map(|&t| AbiParam::new(t)));
        s
    }

    /// A signature in Cranelift's `tail` calling convention, for functions
    /// only compiled code calls (never Rust): up to six integer
    /// parameters and eight integer results travel in registers (x86-64),
    /// more go through the stack. Use [`Jit::signature`] for anything Rust
    /// calls through [`Code`].
    pub fn internal_signature(&self, params: &[Type], returns: &[Type]) -> Signature {
        let mut s = self.signature(params, returns);
        s.call_conv = cranelift_codegen::isa::CallConv::Tail;
        s
    }

    /// Declares a function (to be defined with [`Jit::define`]). Names must
    /// be unique within the `Jit`.
    ///
    /// # Errors
    /// The name is taken with another signature.
    pub fn declare(&mut self, name: &str, sig: &Signature) -> Result<FuncId, JitError> {
        self.module_mut()
            .declare_function(name, Linkage::Local, sig)
            .map_err(err)
    }

    /// Defines function `id`: `build` emits its body with the builder
    /// positioned in the entry block; blocks are sealed and the function is
    /// verified and compiled afterwards. The code becomes callable at the
    /// next [`Jit::finalize`].
    ///
    /// # Errors
    /// `build`'s own error, or a Cranelift verifier/codegen error.
    pub fn define(
        &mut self,
        id: FuncId,
        sig: &Signature,
        build: impl FnOnce(&mut Builder<'_>) -> Result<(), JitError>,
    ) -> Result<(), JitError> {
        let Jit {
            module,
            ctx,
            fctx,
            dump,
            ..
        } = self;
        let dump = *dump;
        let module = module
            .as_mut()
            .unwrap_or_else(|| unreachable!("module is only taken in Drop"));
        ctx.clear();
        ctx.func.signature = sig.clone();
        ctx.func.name = ir::UserFuncName::user(0, id.as_u32());
        let config = module.target_config();
        let mut fb = FunctionBuilder::new(&mut ctx.func, fctx);
        let entry = fb.create_block();
        fb.append_block_params_for_function_params(entry);
        fb.switch_to_block(entry);
        let mut b = Builder {
            fb,
            module: &mut *module,
            entry,
        };
        let r = build(&mut b);
        let Builder { mut fb, .. } = b;
        if let Err(e) = r {
            // Start the next function from fresh contexts.
            let _ = fb;
            *fctx = FunctionBuilderContext::new();
            ctx.clear();
            return Err(e);
        }
        fb.seal_all_blocks();
        fb.finalize(config);
        ctx.set_disasm(dump);
        let r = module.define_function(id, ctx).map_err(|e| match e {
            cranelift_module::ModuleError::Compilation(c) => JitError(format!("{c:?}")),
            e => err(e),
        });
        if dump
            && let Some(c) = ctx.compiled_code()
            && let Some(v) = &c.vcode
        {
            eprintln!("; function {}\n{v}", id.as_u32());
        }
        ctx.clear();
        r?;
        self.defined += 1;
        Ok(())
    }

    /// Makes every function defined since the last call executable (the
    /// pages turn from read+write to read+execute) and resolves calls
    /// between them.
    ///
    /// # Errors
    /// The OS refused to change page protections.
    pub fn finalize(&mut self) -> Result<(), JitError> {
        self.module_mut().finalize_definitions().map_err(err)
    }

    /// The entry address of finalised function `id`.
    pub fn code(&self, id: FuncId) -> Code {
        Code(self.module().get_finalized_function(id))
    }

    /// Print each function's machine code (disassembly) to stderr as it
    /// is compiled (for `KILN_JIT_DUMP`-style debugging switches).
    pub fn set_dump(&mut self, on: bool) {
        self.dump = on;
    }

    /// Number of functions defined so far.
    pub fn defined(&self) -> usize {
        self.defined
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // The owner of a `Jit` (a language runtime) never keeps running
            // code or code pointers of it past its drop (see the crate docs).
            // SAFETY: so no function of this module runs after this.
            unsafe { m.free_memory() };
        }
    }
}

impl fmt::Debug for Jit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jit")
            .field("defined", &self.defined)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::I64;

    #[test]
    fn recursion_and_host_calls() {
        extern "C" fn host_double(x: i64) -> i64 {
            x * 2
        }
        let mut jit = Jit::new().unwrap();
        let sig = jit.signature(&[I64, I64, I64], &[I64]);
        let host_sig = jit.signature(&[I64], &[I64]);
        // f(n, _, _) = n <= 0 ? 0 : host_double(n) + f(n - 1)
        let f = jit.declare("f", &sig).unwrap();
        jit.define(f, &sig, |b| {
            let n = b.params()[0];
            let me = b.func_ref(f);
            let base = b.fb.create_block();
            let rec = b.fb.create_block();
            let c =
                b.fb.ins()
                    .icmp_imm_s(condcodes::IntCC::SignedLessThanOrEqual, n, 0);
            b.fb.ins().brif(c, base, &[], rec, &[]);
            b.fb.switch_to_block(base);
            let z = b.fb.ins().iconst(I64, 0);
            b.fb.ins().return_(&[z]);
            b.fb.switch_to_block(rec);
            let d = lower::call_host(
                &mut b.fb,
                &host_sig,
                host_double as *const () as usize,
                &[n],
            );
            let m = b.fb.ins().iadd_imm_s(n, -1);
            let call = b.fb.ins().call(me, &[m, m, m]);
            let r = b.fb.inst_results(call)[0];
            let s = b.fb.ins().iadd(d[0], r);
            b.fb.ins().return_(&[s]);
            Ok(())
        })
        .unwrap();
        jit.finalize().unwrap();
        // SAFETY: `f` has signature (i64, i64, i64) -> i64 and `jit` is alive.
        let r = unsafe { jit.code(f).call3(10, 0, 0) };
        assert_eq!(r, 110);
        assert_eq!(jit.defined(), 1);
    }

    #[test]
    fn verifier_errors_are_errors_not_panics() {
        let mut jit = Jit::new().unwrap();
        let sig = jit.signature(&[I64, I64, I64], &[I64]);
        let f = jit.declare("bad", &sig).unwrap();
        // A block without a terminator fails verification.
        let r = jit.define(f, &sig, |b| {
            let p = b.params()[0];
            b.fb.ins().iadd(p, p);
            let other = b.fb.create_block();
            b.fb.ins().jump(other, &[]);
            b.fb.switch_to_block(other);
            b.fb.ins().return_(&[p]);
            Ok(())
        });
        assert!(r.is_ok());
        let g = jit.declare("fails", &sig).unwrap();
        let r = jit.define(g, &sig, |_| Err(JitError("refused".into())));
        assert!(r.is_err());
        // The contexts are reusable after a failure.
        let h = jit.declare("ok", &sig).unwrap();
        jit.define(h, &sig, |b| {
            let p = b.params()[1];
            b.fb.ins().return_(&[p]);
            Ok(())
        })
        .unwrap();
        jit.finalize().unwrap();
        // SAFETY: `ok` has signature (i64, i64, i64) -> i64 and `jit` is alive.
        assert_eq!(unsafe { jit.code(h).call3(1, 7, 3) }, 7);
    }

    #[test]
    fn two_results() {
        let mut jit = Jit::new().unwrap();
        let sig = jit.signature(&[I64, I64, I64, I64], &[I64, I64]);
        let f = jit.declare("swap_sum", &sig).unwrap();
        jit.define(f, &sig, |b| {
            let p = b.params().to_vec();
            let s = b.fb.ins().iadd(p[0], p[1]);
            let t = b.fb.ins().isub(p[2], p[3]);
            b.fb.ins().return_(&[t, s]);
            Ok(())
        })
        .unwrap();
        jit.finalize().unwrap();
        // SAFETY: `swap_sum` has signature (i64 ×4) -> (i64, i64) and `jit` is alive.
        let r = unsafe { jit.code(f).call4_2(1, 2, 10, 3) };
        assert_eq!(r, Pair(7, 3));
    }

    #[test]
    fn internal_calls_return_many_values() {
        // rot3 (internal, tail convention): (a, b, c, d) -> (d, a, b, c, a + d),
        // five results; outer (C convention) calls it and folds them.
        for optimize in [true, false] {
            internal_calls(Jit::with_optimizer(optimize).unwrap());
        }
    }

    fn internal_calls(mut jit: Jit) {
        let isig = jit.internal_signature(&[I64; 4], &[I64; 5]);
        let inner = jit.declare("rot3", &isig).unwrap();
        jit.define(inner, &isig, |b| {
            let p = b.params().to_vec();
            let s = b.fb.ins().iadd(p[0], p[3]);
            b.fb.ins().return_(&[p[3], p[0], p[1], p[2], s]);
            Ok(())
        })
        .unwrap();
        let sig = jit.signature(&[I64; 4], &[I64, I64]);
        let outer = jit.declare("outer", &sig).unwrap();
        jit.define(outer, &sig, |b| {
            let p = b.params().to_vec();
            let f = b.func_ref(inner);
            let call = b.fb.ins().call(f, &p);
            let r = b.fb.inst_results(call).to_vec();
            // r0*10000 + r1*1000 + r2*100 + r3*10, and r4
            let mut acc = b.fb.ins().iconst(I64, 0);
            for &x in &r[..4] {
                let t = b.fb.ins().imul_imm_s(acc, 10);
                acc = b.fb.ins().iadd(t, x);
            }
            b.fb.ins().return_(&[acc, r[4]]);
            Ok(())
        })
        .unwrap();
        jit.finalize().unwrap();
        // SAFETY: `outer` has signature (i64 ×4) -> (i64, i64) and `jit` is alive.
        let r = unsafe { jit.code(outer).call4_2(1, 2, 3, 4) };
        assert_eq!(r, Pair(4123, 5));
    }

    #[test]
    fn lowering_helpers() {
        let mut jit = Jit::new().unwrap();
        let sig = jit.signature(&[I64, I64, I64], &[I64]);
        // g(a, lo, len) = in_bounds(a, lo, len, 8) ? mask(a < lo + 100) : 7
        let g = jit.declare("g", &sig).unwrap();
        jit.define(g, &sig, |b| {
            let p = b.params().to_vec();
            let ok = lower::in_bounds(&mut b.fb, p[0], p[1], p[2], 8);
            let yes = b.fb.create_block();
            let no = b.fb.create_block();
            b.fb.ins().brif(ok, yes, &[], no, &[]);
            b.fb.switch_to_block(yes);
            let hi = b.fb.ins().iadd_imm_s(p[1], 100);
            let c = b.fb.ins().icmp(condcodes::IntCC::SignedLessThan, p[0], hi);
            let m = lower::bool_to_mask(&mut b.fb, c);
            b.fb.ins().return_(&[m]);
            b.fb.switch_to_block(no);
            let seven = b.fb.ins().iconst(I64, 7);
            b.fb.ins().return_(&[seven]);
            Ok(())
        })
        .unwrap();
        jit.finalize().unwrap();
        let code = jit.code(g);
        // SAFETY: `g` has signature (i64, i64, i64) -> i64 and `jit` is alive.
        let call = |a, lo, len| unsafe { code.call3(a, lo, len) };
        assert_eq!(call(50, 16, 1000), -1);
        assert_eq!(call(500, 16, 1000), 0);
        assert_eq!(call(15, 16, 1000), 7);
        assert_eq!(call(992, 16, 1000), 0);
        assert_eq!(call(993, 16, 1000), 7);
        assert_eq!(call(-8, 16, 1000), 7);
    }
}
