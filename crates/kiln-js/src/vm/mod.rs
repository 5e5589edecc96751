//! The VM: frames, the realm's intrinsics, the object internal methods
//! (ECMA-262 §10.1 ordinary objects, §10.4.2 arrays), type conversions
//! (§7.1), calls and construction, generators and async functions, the
//! job queue and garbage collection. The dispatch loop is `run.rs`.

mod run;

use crate::compiler::{Code, FnKind};
use crate::heap::*;
use crate::slot::Slot;
use crate::value::*;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// One activation: registers, program counter and call state.
#[derive(Debug)]
pub struct Frame {
    /// The running code.
    pub code: Rc<Code>,
    /// Registers.
    pub regs: Vec<Slot>,
    /// Next instruction.
    pub pc: usize,
    /// `this` (Empty in a derived constructor before `super()`).
    pub this: Value,
    /// The function object running (None for scripts).
    pub callee: Option<ObjId>,
    /// Captured cells of the closure.
    pub caps: Rc<[ObjId]>,
    /// Arguments as passed.
    pub args: Vec<Value>,
    /// `new.target`.
    pub new_target: Value,
    /// Exception handlers: (handler pc, register for the exception).
    pub handlers: Vec<(u32, u16)>,
    /// Caller register receiving the result; None for an entry frame (returns to Rust).
    pub ret: Option<u16>,
    /// A \[\[Construct\]\] activation (result fix-up on return).
    pub construct: bool,
    /// Resume kind after Yield/Await: 0 next, 1 throw, 2 return.
    pub resume_kind: u8,
}

impl Frame {
    /// Pushes the objects this frame references onto a GC mark stack.
    pub fn trace(&self, out: &mut Vec<ObjId>) {
        out.extend(self.regs.iter().filter_map(Slot::as_obj));
        let mut push = |v: &Value| {
            if let Value::Obj(o) = v {
                out.push(*o);
            }
        };
        self.args.iter().for_each(&mut push);
        push(&self.this);
        push(&self.new_target);
        out.extend(self.callee);
        out.extend(self.caps.iter().copied());
        self.code.consts_objs(out);
    }
}

/// A property descriptor (§6.2.6); absent fields are `None`.
#[derive(Clone, Debug, Default)]
pub struct PropDesc {
    /// \[\[Value\]\]
    pub value: Option<Value>,
    /// \[\[Get\]\]
    pub get: Option<Value>,
    /// \[\[Set\]\]
    pub set: Option<Value>,
    /// \[\[Writable\]\]
    pub writable: Option<bool>,
    /// \[\[Enumerable\]\]
    pub enumerable: Option<bool>,
    /// \[\[Configurable\]\]
    pub configurable: Option<bool>,
}

impl PropDesc {
    /// A data descriptor with all fields.
    pub fn data(v: Value, attrs: u8) -> PropDesc {
        PropDesc {
            value: Some(v),
            get: None,
            set: None,
            writable: Some(attrs & WRITABLE != 0),
            enumerable: Some(attrs & ENUMERABLE != 0),
            configurable: Some(attrs & CONFIGURABLE != 0),
        }
    }
    /// IsAccessorDescriptor.
    pub fn is_accessor(&self) -> bool {
        self.get.is_some() || self.set.is_some()
    }
    /// IsDataDescriptor.
    pub fn is_data(&self) -> bool {
        self.value.is_some() || self.writable.is_some()
    }
}

/// The realm's intrinsic objects and well-known symbols.
#[derive(Debug, Default, Clone)]
#[allow(missing_docs)]
pub struct Intrinsics {
    pub global: Option<ObjId>,
    pub object_proto: Option<ObjId>,
    pub function_proto: Option<ObjId>,
    pub array_proto: Option<ObjId>,
    pub string_proto: Option<ObjId>,
    pub number_proto: Option<ObjId>,
    pub boolean_proto: Option<ObjId>,
    pub symbol_proto: Option<ObjId>,
    pub bigint_proto: Option<ObjId>,
    pub error_proto: Option<ObjId>,
    pub error_protos: Vec<ObjId>,
    pub iterator_proto: Option<ObjId>,
    pub async_iterator_proto: Option<ObjId>,
    pub array_iter_proto: Option<ObjId>,
    pub string_iter_proto: Option<ObjId>,
    pub map_iter_proto: Option<ObjId>,
    pub set_iter_proto: Option<ObjId>,
    pub generator_proto: Option<ObjId>,
    pub generator_fn_proto: Option<ObjId>,
    pub async_fn_proto: Option<ObjId>,
    pub async_generator_proto: Option<ObjId>,
    pub async_generator_fn_proto: Option<ObjId>,
    pub promise_proto: Option<ObjId>,
    pub promise_ctor: Option<ObjId>,
    pub map_proto: Option<ObjId>,
    pub set_proto: Option<ObjId>,
    pub regexp_proto: Option<ObjId>,
    pub date_proto: Option<ObjId>,
    pub array_ctor: Option<ObjId>,
    pub throw_type_error: Option<ObjId>,
    pub sym_iterator: Option<SymId>,
    pub sym_async_iterator: Option<SymId>,
    pub sym_has_instance: Option<SymId>,
    pub sym_to_primitive: Option<SymId>,
    pub sym_to_string_tag: Option<SymId>,
    pub sym_species: Option<SymId>,
    pub sym_is_concat_spreadable: Option<SymId>,
    pub sym_unscopables: Option<SymId>,
    pub sym_match: Option<SymId>,
    pub sym_match_all: Option<SymId>,
    pub sym_replace: Option<SymId>,
    pub sym_search: Option<SymId>,
    pub sym_split: Option<SymId>,
}

/// Error kinds for [`Vm::throw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// TypeError
    Type = 0,
    /// ReferenceError
    Reference = 1,
    /// SyntaxError
    Syntax = 2,
    /// RangeError
    Range = 3,
    /// EvalError
    Eval = 4,
    /// URIError
    Uri = 5,
    /// Error
    Error = 6,
}

/// Maximum JavaScript call depth before a RangeError.
pub const MAX_FRAMES: usize = 4000;
/// Default maximum nesting of Rust-level re-entries (native → JS calls,
/// generator resumptions); see [`Vm::max_native_depth`].
pub const MAX_NATIVE_DEPTH: usize = 120;
/// Default Rust stack budget of one VM entry, in bytes: none (the default
/// [`MAX_NATIVE_DEPTH`] alone bounds the stack); see [`Vm::max_stack_bytes`].
pub const MAX_STACK_BYTES: usize = usize::MAX;

/// Why the base frame of a `run` stopped without returning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suspend {
    /// Ran to a `return`.
    None,
    /// Generator start (after argument binding).
    Start,
    /// `yield` (value wrapped in an iterator result by the caller).
    Yield,
    /// `yield*` forwarding an inner result as is.
    YieldRaw,
    /// `await`.
    Await,
}

/// The virtual machine and its realm.
pub struct Vm {
    /// The heap.
    pub heap: Heap,
    /// Intrinsics.
    pub realm: Intrinsics,
    /// Active frames.
    pub frames: Vec<Frame>,
    /// Global lexical bindings (script-level let/const/class): value and mutability.
    pub global_lex: FxHashMap<JsStr, (Value, bool)>,
    /// Pending jobs (promise reactions): function and arguments.
    pub jobs: std::collections::VecDeque<(Value, Vec<Value>)>,
    /// Symbol registry (`Symbol.for`).
    pub registry: FxHashMap<JsStr, SymId>,
    /// Output sink for `console.log` / `print` (None = stdout).
    pub output: Option<String>,
    /// Instruction budget left (decremented on back edges and calls).
    pub fuel: u64,
    /// Embedder hook called every 2^16 fuel units; returning false stops the run.
    pub interrupt: Option<Box<dyn FnMut() -> bool>>,
    pub(crate) native_depth: usize,
    pub(crate) suspend: Suspend,
    /// Values held by native code across calls into JS (GC roots).
    pub temp_roots: Vec<Value>,
    /// Collections run.
    pub gc_count: usize,
    gc_threshold: usize,
    /// Extra host data: `$262`-style agents etc. may store values here (rooted).
    pub host_roots: Vec<Value>,
    pub(crate) templates: Vec<ObjId>,
    /// The frame of the generator/async function that just suspended.
    pub(crate) saved_frame: Option<Frame>,
    /// The last generator resume yielded an inner iterator result as is (`yield*`).
    pub raw_yield: bool,
    /// new.target of the native constructor being entered (`this` is Empty for construct calls).
    pub native_new_target: Value,
    /// Heap size limit in objects; exceeding it throws a RangeError (memory limit for untrusted code).
    pub max_objects: usize,
    /// `Math.random` state (xorshift64*).
    pub rng_state: u64,
    /// Property-site inline-cache hits and misses (see [`crate::ic`]).
    pub ic_stats: crate::ic::IcStats,
    /// Empty register/argument vectors of returned frames, reused by the next
    /// calls so that a call does not allocate (see ARCHITECTURE.md, frames).
    pub(crate) vec_pool: Vec<Vec<Value>>,
    /// Emptied register vectors of returned frames (same bounds as `vec_pool`).
    pub(crate) reg_pool: Vec<Vec<Slot>>,
    /// Maximum nesting of Rust-level re-entries (each native → JS call and
    /// generator resumption nests the dispatch loop); deeper is a RangeError.
    /// Default [`MAX_NATIVE_DEPTH`]; embedders running on a big stack may raise
    /// it (the CLI does), [`Vm::max_stack_bytes`] still bounds the Rust stack.
    pub max_native_depth: usize,
    /// Rust stack the VM may use below its outermost entry, in bytes (measured
    /// from stack addresses); more is a RangeError, never a stack overflow.
    /// Default [`MAX_STACK_BYTES`]; set it well under the thread's stack size
    /// when raising `max_native_depth`.
    pub max_stack_bytes: usize,
    stack_base: usize,
    /// Promises rejected while no handler was attached (HostPromiseRejectionTracker,
    /// §27.2.1.9); [`crate::Engine::eval`] reports those still unhandled after the job queue drains.
    pub rejections: Vec<ObjId>,
    /// Register vs accumulator replay of every executed instruction.
    #[cfg(feature = "op-stats")]
    pub acc_model: crate::acc_model::AccModel,
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vm")
            .field("frames", &self.frames.len())
            .finish()
    }
}

type Res<T> = Result<T, Value>;

impl Vm {
    /// A VM with a fresh realm (all built-ins installed).
    pub fn new() -> Vm {
        let mut vm = Vm {
            heap: Heap::default(),
            realm: Intrinsics::default(),
            frames: Vec::new(),
            global_lex: FxHashMap::default(),
            jobs: Default::default(),
            registry: FxHashMap::default(),
            output: None,
            fuel: u64::MAX,
            interrupt: None,
            native_depth: 0,
            suspend: Suspend::None,
            temp_roots: Vec::new(),
            gc_count: 0,
            gc_threshold: 200_000,
            host_roots: Vec::new(),
            templates: Vec::new(),
            saved_frame: None,
            ic_stats: crate::ic::IcStats::default(),
            vec_pool: Vec::new(),
            reg_pool: Vec::new(),
            max_native_depth: MAX_NATIVE_DEPTH,
            max_stack_bytes: MAX_STACK_BYTES,
            stack_base: 0,
            rejections: Vec::new(),
            #[cfg(feature = "op-stats")]
            acc_model: Default::default(),
            raw_yield: false,
            native_new_target: Value::Undefined,
            rng_state: 0x9E37_79B9_7F4A_7C15,
            max_objects: 50_000_000,
        };
        crate::builtins::install(&mut vm);
        vm
    }

    /// Runs compiled top-level code (a script) to completion.
    ///
    /// # Errors
    /// The thrown value of an uncaught exception.
    pub fn run_script(&mut self, code: Rc<Code>) -> Res<Value> {
        let n = code.nregs as usize;
        let global = Value::Obj(self.realm.global.expect("global"));
        let frame = Frame {
            code,
            regs: (0..n).map(|_| Slot::undef()).collect(),
            pc: 0,
            this: global,
            callee: None,
            caps: Rc::from(Vec::new()),
            args: Vec::new(),
            new_target: Value::Undefined,
            handlers: Vec::new(),
            ret: None,
            construct: false,
            resume_kind: 0,
        };
        if self.frames.len() >= MAX_FRAMES || self.native_too_deep() {
            return self.throw(ErrorKind::Range, "Maximum call stack size exceeded");
        }
        self.frames.push(frame);
        let base = self.frames.len() - 1;
        self.native_depth += 1;
        let r = self.run(base);
        self.native_depth -= 1;
        r
    }

    // ----- errors ----------------------------------------------------------------

    /// A new error object of `kind` with `msg` (not thrown).
    pub fn make_error(&mut self, kind: ErrorKind, msg: &str) -> Value {
        let proto = if kind == ErrorKind::Error {
            self.realm.error_proto
        } else {
            self.realm.error_protos.get(kind as usize).copied()
        };
        let o = self.heap.alloc(proto, Class::Error);
        self.heap.add_prop(
            o,
            PropKey::from_str("message"),
            Value::str(msg),
            METHOD_ATTRS,
        );
        let stack = self.stack_trace();
        let name = match kind {
            ErrorKind::Type => "TypeError",
            ErrorKind::Reference => "ReferenceError",
            ErrorKind::Syntax => "SyntaxError",
            ErrorKind::Range => "RangeError",
            ErrorKind::Eval => "EvalError",
            ErrorKind::Uri => "URIError",
            ErrorKind::Error => "Error",
        };
        self.heap.add_prop(
            o,
            PropKey::from_str("stack"),
            Value::str(&format!("{name}: {msg}\n{stack}")),
            METHOD_ATTRS,
        );
        Value::Obj(o)
    }

    /// `Err(new kind(msg))`.
    pub fn throw<T>(&mut self, kind: ErrorKind, msg: &str) -> Res<T> {
        Err(self.make_error(kind, msg))
    }

    /// TypeError shorthand.
    pub fn type_err<T>(&mut self, msg: &str) -> Res<T> {
        self.throw(ErrorKind::Type, msg)
    }

    /// The current call stack, innermost first, as `    at name (file:line:col)` lines.
    pub fn stack_trace(&self) -> String {
        let mut s = String::new();
        for f in self.frames.iter().rev().take(16) {
            let off = f
                .code
                .spans
                .get(f.pc.saturating_sub(1))
                .copied()
                .unwrap_or(0);
            let (l, c) = f.code.source.line_col(off);
            let name = if f.code.name.is_empty() {
                if f.code.kind == FnKind::Script {
                    "<script>".to_string()
                } else {
                    "<anonymous>".to_string()
                }
            } else {
                f.code.name.to_rust()
            };
            s.push_str(&format!("    at {name} ({}:{l}:{c})\n", f.code.source.name));
        }
        s
    }

    // ----- allocation helpers ----------------------------------------------------

    /// A new ordinary object with `Object.prototype`.
    pub fn new_object(&mut self) -> ObjId {
        self.maybe_gc_hint();
        self.heap.alloc(self.realm.object_proto, Class::Ordinary)
    }

    /// A new array holding `items`.
    pub fn new_array(&mut self, items: Vec<Value>) -> ObjId {
        let len = items.len() as u32;
        self.heap.alloc(
            self.realm.array_proto,
            Class::Array(ArrayData {
                dense: items.into_iter().map(Slot::of).collect(),
                len,
                len_writable: true,
                sparse: false,
            }),
        )
    }

    fn maybe_gc_hint(&mut self) {}

    /// Collects garbage if enough was allocated and no native frame could hold unrooted handles.
    pub fn maybe_gc(&mut self) {
        if self.heap.allocated < self.gc_threshold || self.native_depth > 1 {
            return;
        }
        self.gc();
    }

    /// Asks for a collection at the next safe point.
    pub fn request_gc(&mut self) {
        self.heap.allocated = usize::MAX / 2;
    }

    /// Runs a full collection now. Callers must ensure every live handle is rooted.
    pub fn gc(&mut self) {
        let mut roots: Vec<Value> = Vec::new();
        let mut extra: Vec<ObjId> = Vec::new();
        for f in &self.frames {
            f.trace(&mut extra);
        }
        for (v, _) in self.global_lex.values() {
            roots.push(v.clone());
        }
        for (f, args) in &self.jobs {
            roots.push(f.clone());
            roots.extend(args.iter().cloned());
        }
        roots.extend(self.temp_roots.iter().cloned());
        roots.extend(self.host_roots.iter().cloned());
        roots.extend(self.rejections.iter().map(|&p| Value::Obj(p)));
        extra.extend(self.templates.iter().copied());
        let r = self.realm.clone();
        for o in [
            r.global,
            r.object_proto,
            r.function_proto,
            r.array_proto,
            r.promise_ctor,
            r.throw_type_error,
        ]
        .into_iter()
        .flatten()
        {
            extra.push(o);
        }
        self.heap.collect(&roots, &extra);
        self.gc_count += 1;
        self.gc_threshold = (self.heap.live * 2).max(200_000);
    }

    /// Creates a native function object.
    pub fn native(&mut self, name: &str, length: u32, f: NativeFn, ctor: bool) -> ObjId {
        self.native_with(name, length, f, ctor, Vec::new())
    }

    /// Creates a native function object with private slots.
    pub fn native_with(
        &mut self,
        name: &str,
        length: u32,
        f: NativeFn,
        ctor: bool,
        slots: Vec<Value>,
    ) -> ObjId {
        let o = self.heap.alloc(
            self.realm.function_proto,
            Class::Function(Box::new(Func {
                kind: FuncKind::Native { f, slots },
                ctor,
                derived: false,
                class_ctor: false,
                home: None,
                fields: None,
                strict: true,
            })),
        );
        self.heap.add_prop(
            o,
            PropKey::from_str("length"),
            Value::Num(length as f64),
            CONFIGURABLE,
        );
        self.heap
            .add_prop(o, PropKey::from_str("name"), Value::str(name), CONFIGURABLE);
        o
    }

    /// Creates a closure of `code` with captured cells.
    pub fn closure(&mut self, code: Rc<Code>, caps: Rc<[ObjId]>) -> ObjId {
        let r = &self.realm;
        let proto = match (code.is_gen, code.is_async) {
            (true, false) => r.generator_fn_proto,
            (false, true) => r.async_fn_proto,
            (true, true) => r.async_generator_fn_proto,
            _ => r.function_proto,
        };
        let ctor = matches!(
            code.kind,
            FnKind::Normal | FnKind::ClassCtor | FnKind::DerivedCtor
        ) && !code.is_gen
            && !code.is_async;
        let strict = code.strict;
        let length = code.length;
        let name = code.name.clone();
        let kind = code.kind;
        let (is_gen, is_async) = (code.is_gen, code.is_async);
        let o = self.heap.alloc(
            proto,
            Class::Function(Box::new(Func {
                kind: FuncKind::Closure { code, caps },
                ctor,
                derived: kind == FnKind::DerivedCtor,
                class_ctor: matches!(kind, FnKind::ClassCtor | FnKind::DerivedCtor),
                home: None,
                fields: None,
                strict,
            })),
        );
        self.heap.add_prop(
            o,
            PropKey::from_str("length"),
            Value::Num(length as f64),
            CONFIGURABLE,
        );
        self.heap
            .add_prop(o, PropKey::from_str("name"), Value::Str(name), CONFIGURABLE);
        if is_gen {
            let pp = if is_async {
                self.realm.async_generator_proto
            } else {
                self.realm.generator_proto
            };
            let p = self.heap.alloc(pp, Class::Ordinary);
            self.heap
                .add_prop(o, PropKey::from_str("prototype"), Value::Obj(p), WRITABLE);
        } else if kind == FnKind::Normal && !is_async {
            let p = self.new_object();
            self.heap.add_prop(
                p,
                PropKey::from_str("constructor"),
                Value::Obj(o),
                METHOD_ATTRS,
            );
            self.heap
                .add_prop(o, PropKey::from_str("prototype"), Value::Obj(p), WRITABLE);
        }
        o
    }

    /// Defines a built-in method `name` on `obj`.
    pub fn def_fn(&mut self, obj: ObjId, name: &str, length: u32, f: NativeFn) -> ObjId {
        let fo = self.native(name, length, f, false);
        self.heap
            .add_prop(obj, PropKey::from_str(name), Value::Obj(fo), METHOD_ATTRS);
        fo
    }

    /// Defines a data property with attributes (used for built-ins).
    pub fn def_val(&mut self, obj: ObjId, name: &str, v: Value, attrs: u8) {
        self.heap.add_prop(obj, PropKey::from_str(name), v, attrs);
    }

    // ----- type tests ---------------------------------------------------------------

    /// IsCallable.
    pub fn is_callable(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if matches!(self.heap.get(*o).class, Class::Function(_)))
    }

    /// IsConstructor.
    pub fn is_constructor(&self, v: &Value) -> bool {
        match v {
            Value::Obj(o) => match &self.heap.get(*o).class {
                Class::Function(f) => match &f.kind {
                    FuncKind::Bound { target, .. } => self.is_constructor(&Value::Obj(*target)),
                    _ => f.ctor,
                },
                _ => false,
            },
            _ => false,
        }
    }

    /// IsArray (no proxies).
    pub fn is_array(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if matches!(self.heap.get(*o).class, Class::Array(_)))
    }

    /// typeof (§13.5.3).
    pub fn type_of(&self, v: &Value) -> &'static str {
        match v {
            Value::Undefined | Value::Empty => "undefined",
            Value::Null => "object",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Sym(_) => "symbol",
            Value::BigInt(_) => "bigint",
            Value::Obj(_) => {
                if self.is_callable(v) {
                    "function"
                } else {
                    "object"
                }
            }
        }
    }

    // ----- own properties -------------------------------------------------------------

    /// \[\[GetOwnProperty\]\] (§10.1.5.1, arrays, string wrappers).
    pub fn get_own_property(&self, o: ObjId, key: &PropKey) -> Option<PropDesc> {
        let obj = self.heap.get(o);
        match &obj.class {
            Class::Array(a) => {
                if let Some(i) = key.as_index() {
                    if !a.sparse && (i as usize) < a.dense.len() {
                        let v = &a.dense[i as usize];
                        if v.is_hole() {
                            return None;
                        }
                        return Some(PropDesc::data(v.load(), DEFAULT_ATTRS));
                    }
                } else if matches!(key, PropKey::Str(s) if s.units() == [108, 101, 110, 103, 116, 104])
                {
                    return Some(PropDesc::data(
                        Value::Num(a.len as f64),
                        if a.len_writable { WRITABLE } else { 0 },
                    ));
                }
            }
            Class::String(s) => {
                if let Some(i) = key.as_index() {
                    if (i as usize) < s.len() {
                        let c = s.units()[i as usize];
                        return Some(PropDesc::data(
                            Value::Str(JsStr::from_units(vec![c])),
                            ENUMERABLE,
                        ));
                    }
                } else if matches!(key, PropKey::Str(k) if k.units() == [108, 101, 110, 103, 116, 104])
                {
                    return Some(PropDesc::data(Value::Num(s.len() as f64), 0));
                }
            }
            _ => {}
        }
        let (slot, attrs) = self.heap.find(o, key)?;
        let v = &obj.slots[slot as usize];
        if attrs & ACCESSOR != 0 {
            if let Some(p) = v.as_obj()
                && let Class::Accessor(g, s) = &self.heap.get(p).class
            {
                return Some(PropDesc {
                    value: None,
                    get: Some(g.clone()),
                    set: Some(s.clone()),
                    writable: None,
                    enumerable: Some(attrs & ENUMERABLE != 0),
                    configurable: Some(attrs & CONFIGURABLE != 0),
                });
            }
            return None;
        }
        Some(PropDesc::data(v.load(), attrs))
    }

    /// \[\[DefineOwnProperty\]\] (§10.1.6.3 ValidateAndApplyPropertyDescriptor; §10.4.2.1 arrays).
    pub fn define_own_property(&mut self, o: ObjId, key: PropKey, desc: PropDesc) -> Res<bool> {
        // Arrays: length and indices.
        if let Class::Array(a) = &self.heap.get(o).class {
            let is_len =
                matches!(&key, PropKey::Str(s) if s.units() == [108, 101, 110, 103, 116, 104]);
            if is_len {
                return self.array_set_length(o, desc);
            }
            if let Some(i) = key.as_index() {
                let (len, len_writable, sparse, dense_len) =
                    (a.len, a.len_writable, a.sparse, a.dense.len());
                if i >= len && !len_writable {
                    return Ok(false);
                }
                let default_data = !desc.is_accessor()
                    && desc.writable != Some(false)
                    && desc.enumerable != Some(false)
                    && desc.configurable != Some(false);
                let existing = self.get_own_property(o, &key);
                if !sparse && (i as usize) < dense_len && existing.is_some() && default_data
                    || !sparse
                        && existing.is_none()
                        && default_data
                        && desc.writable.is_some()
                        && desc.enumerable.is_some()
                        && desc.configurable.is_some()
                        && (i as usize) <= dense_len + 64
                        && self.heap.get(o).extensible
                {
                    if let Class::Array(a) = &mut self.heap.get_mut(o).class {
                        let i = i as usize;
                        if i >= a.dense.len() {
                            a.dense.resize(i + 1, Slot::hole());
                        }
                        if let Some(v) = desc.value {
                            a.dense[i] = Slot::of(v);
                        } else if a.dense[i].is_hole() {
                            a.dense[i] = Slot::undef();
                        }
                        if i as u32 >= a.len {
                            a.len = i as u32 + 1;
                        }
                    }
                    return Ok(true);
                }
                if !sparse {
                    self.array_make_sparse(o);
                }
                let ok = self.ordinary_define(o, key, desc)?;
                if ok
                    && let Class::Array(a) = &mut self.heap.get_mut(o).class
                    && i >= a.len
                {
                    a.len = i + 1;
                }
                return Ok(ok);
            }
        }
        if let Class::String(s) = &self.heap.get(o).class {
            let is_len =
                matches!(&key, PropKey::Str(k) if k.units() == [108, 101, 110, 103, 116, 104]);
            let in_range = key.as_index().is_some_and(|i| (i as usize) < s.len());
            if is_len || in_range {
                let cur = self.get_own_property(o, &key).expect("string prop");
                return Ok(compatible_unchanged(&cur, &desc, self));
            }
        }
        self.ordinary_define(o, key, desc)
    }

    fn array_make_sparse(&mut self, o: ObjId) {
        let dense = match &mut self.heap.get_mut(o).class {
            Class::Array(a) => {
                a.sparse = true;
                std::mem::take(&mut a.dense)
            }
            _ => return,
        };
        for (i, v) in dense.into_iter().enumerate() {
            if !v.is_hole() {
                self.heap.add_prop(
                    o,
                    PropKey::from_index(i as u32),
                    v.into_value(),
                    DEFAULT_ATTRS,
                );
            }
        }
    }

    fn array_set_length(&mut self, o: ObjId, desc: PropDesc) -> Res<bool> {
        let (len, writable) = match &self.heap.get(o).class {
            Class::Array(a) => (a.len, a.len_writable),
            _ => unreachable!(),
        };
        if desc.configurable == Some(true) || desc.enumerable == Some(true) || desc.is_accessor() {
            return Ok(false);
        }
        let new_len = match &desc.value {
            Some(v) => {
                let n = self.to_number(v)?;
                let n32 = to_uint32(n);
                let n2 = self.to_number(v)?;
                if n32 as f64 != n2 {
                    return self.throw(ErrorKind::Range, "Invalid array length");
                }
                n32
            }
            None => len,
        };
        if !writable {
            if desc.writable == Some(true) {
                return Ok(false);
            }
            return Ok(new_len == len);
        }
        let mut ok = true;
        if new_len < len {
            // delete from the end; stop at a non-configurable element
            let sparse = matches!(&self.heap.get(o).class, Class::Array(a) if a.sparse);
            if !sparse {
                if let Class::Array(a) = &mut self.heap.get_mut(o).class {
                    a.dense.truncate(new_len as usize);
                    a.len = new_len;
                }
            } else {
                let mut idx: Vec<u32> = self
                    .heap
                    .shape_keys(o)
                    .iter()
                    .filter_map(|(k, _)| k.as_index())
                    .filter(|&i| i >= new_len)
                    .collect();
                idx.sort_unstable_by(|a, b| b.cmp(a));
                let mut final_len = new_len;
                for i in idx {
                    let k = PropKey::from_index(i);
                    if let Some((_, attrs)) = self.heap.find(o, &k) {
                        if attrs & CONFIGURABLE == 0 {
                            final_len = i + 1;
                            ok = false;
                            break;
                        }
                        self.heap.remove_prop(o, &k);
                    }
                }
                if let Class::Array(a) = &mut self.heap.get_mut(o).class {
                    a.len = final_len;
                }
            }
        } else if let Class::Array(a) = &mut self.heap.get_mut(o).class {
            a.len = new_len;
        }
        if desc.writable == Some(false)
            && let Class::Array(a) = &mut self.heap.get_mut(o).class
        {
            a.len_writable = false;
        }
        Ok(ok)
    }

    fn ordinary_define(&mut self, o: ObjId, key: PropKey, desc: PropDesc) -> Res<bool> {
        let current = self.get_own_property(o, &key);
        let Some(cur) = current else {
            if !self.heap.get(o).extensible {
                return Ok(false);
            }
            let mut attrs = 0;
            if desc.enumerable == Some(true) {
                attrs |= ENUMERABLE;
            }
            if desc.configurable == Some(true) {
                attrs |= CONFIGURABLE;
            }
            if desc.is_accessor() {
                let pair = self.heap.alloc(
                    None,
                    Class::Accessor(
                        desc.get.unwrap_or(Value::Undefined),
                        desc.set.unwrap_or(Value::Undefined),
                    ),
                );
                self.heap
                    .add_prop(o, key, Value::Obj(pair), attrs | ACCESSOR);
            } else {
                if desc.writable == Some(true) {
                    attrs |= WRITABLE;
                }
                self.heap
                    .add_prop(o, key, desc.value.unwrap_or(Value::Undefined), attrs);
            }
            return Ok(true);
        };
        if cur.configurable == Some(false) {
            if desc.configurable == Some(true) {
                return Ok(false);
            }
            if desc.enumerable.is_some() && desc.enumerable != cur.enumerable {
                return Ok(false);
            }
            if (desc.is_accessor() || desc.is_data()) && desc.is_accessor() != cur.is_accessor() {
                return Ok(false);
            }
            if cur.is_accessor() {
                if let Some(g) = &desc.get
                    && !same_value(g, cur.get.as_ref().expect("getter"))
                {
                    return Ok(false);
                }
                if let Some(s) = &desc.set
                    && !same_value(s, cur.set.as_ref().expect("setter"))
                {
                    return Ok(false);
                }
            } else if cur.writable == Some(false) {
                if desc.writable == Some(true) {
                    return Ok(false);
                }
                if let Some(v) = &desc.value
                    && !same_value(v, cur.value.as_ref().expect("value"))
                {
                    return Ok(false);
                }
            }
        }
        // Apply.
        let Some((slot, old_attrs)) = self.heap.find(o, &key) else {
            return Ok(true);
        };
        let mut attrs = old_attrs & !ACCESSOR;
        if let Some(e) = desc.enumerable {
            attrs = if e {
                attrs | ENUMERABLE
            } else {
                attrs & !ENUMERABLE
            };
        }
        if let Some(c) = desc.configurable {
            attrs = if c {
                attrs | CONFIGURABLE
            } else {
                attrs & !CONFIGURABLE
            };
        }
        if desc.is_accessor() {
            let (g0, s0) = if cur.is_accessor() {
                (
                    cur.get.clone().unwrap_or_default(),
                    cur.set.clone().unwrap_or_default(),
                )
            } else {
                (Value::Undefined, Value::Undefined)
            };
            let pair = self.heap.alloc(
                None,
                Class::Accessor(desc.get.unwrap_or(g0), desc.set.unwrap_or(s0)),
            );
            attrs &= !WRITABLE;
            self.heap.set_attrs(o, slot, attrs | ACCESSOR);
            self.heap.get_mut(o).slots[slot as usize] = Slot::obj(pair);
        } else if desc.is_data() || !cur.is_accessor() {
            if cur.is_accessor() {
                attrs &= !WRITABLE;
                self.heap.get_mut(o).slots[slot as usize] = Slot::undef();
            }
            if let Some(w) = desc.writable {
                attrs = if w {
                    attrs | WRITABLE
                } else {
                    attrs & !WRITABLE
                };
            }
            if let Some(v) = desc.value {
                self.heap.get_mut(o).slots[slot as usize] = Slot::of(v);
            }
            self.heap.set_attrs(o, slot, attrs);
        } else {
            self.heap.set_attrs(o, slot, attrs | ACCESSOR);
        }
        Ok(true)
    }

    /// DefinePropertyOrThrow.
    pub fn define_or_throw(&mut self, o: ObjId, key: PropKey, desc: PropDesc) -> Res<()> {
        if self.define_own_property(o, key, desc)? {
            Ok(())
        } else {
            self.type_err("Cannot redefine property")
        }
    }

    /// CreateDataProperty (§7.3.5).
    pub fn create_data_property(&mut self, o: ObjId, key: PropKey, v: Value) -> Res<bool> {
        // Fast path: absent key on an extensible ordinary object.
        if matches!(self.heap.get(o).class, Class::Ordinary)
            && self.heap.get(o).extensible
            && self.heap.find(o, &key).is_none()
        {
            self.heap.add_prop(o, key, v, DEFAULT_ATTRS);
            return Ok(true);
        }
        self.define_own_property(o, key, PropDesc::data(v, DEFAULT_ATTRS))
    }

    /// \[\[Delete\]\] (§10.1.10).
    pub fn delete(&mut self, o: ObjId, key: &PropKey) -> Res<bool> {
        match &mut self.heap.get_mut(o).class {
            Class::Array(a) if !a.sparse => {
                if let Some(i) = key.as_index() {
                    let i = i as usize;
                    if i < a.dense.len() {
                        if i + 1 == a.dense.len() {
                            a.dense.pop();
                        } else {
                            a.dense[i] = Slot::hole();
                        }
                    }
                    return Ok(true);
                }
                if matches!(key, PropKey::Str(s) if s.units() == [108, 101, 110, 103, 116, 104]) {
                    return Ok(false);
                }
            }
            Class::Array(_) => {
                if matches!(key, PropKey::Str(s) if s.units() == [108, 101, 110, 103, 116, 104]) {
                    return Ok(false);
                }
            }
            Class::String(s) => {
                let s = s.clone();
                if key.as_index().is_some_and(|i| (i as usize) < s.len())
                    || matches!(key, PropKey::Str(k) if k.units() == [108, 101, 110, 103, 116, 104])
                {
                    return Ok(false);
                }
            }
            _ => {}
        }
        match self.heap.find(o, key) {
            None => Ok(true),
            Some((_, attrs)) if attrs & CONFIGURABLE != 0 => {
                self.heap.remove_prop(o, key);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// \[\[OwnPropertyKeys\]\] (§10.1.11): indices ascending, strings, symbols.
    pub fn own_keys(&self, o: ObjId) -> Vec<PropKey> {
        let mut idx: Vec<u32> = Vec::new();
        let mut strs = Vec::new();
        let mut syms = Vec::new();
        match &self.heap.get(o).class {
            Class::Array(a) => {
                for (i, v) in a.dense.iter().enumerate() {
                    if !v.is_hole() {
                        idx.push(i as u32);
                    }
                }
            }
            Class::String(s) => idx.extend(0..s.len() as u32),
            _ => {}
        }
        for (k, _) in self.heap.shape_keys(o) {
            match k {
                PropKey::Str(s) => match s.as_index() {
                    Some(i) => idx.push(i),
                    None => strs.push(k.clone()),
                },
                PropKey::Sym(s) => {
                    if !self.is_private(*s) {
                        syms.push(k.clone())
                    }
                }
            }
        }
        idx.sort_unstable();
        idx.dedup();
        let mut out: Vec<PropKey> = idx.into_iter().map(PropKey::from_index).collect();
        if matches!(self.heap.get(o).class, Class::Array(_) | Class::String(_)) {
            out.push(PropKey::from_str("length"));
        }
        out.extend(strs);
        out.extend(syms);
        out
    }

    /// Whether symbol `s` is a class private name.
    pub fn is_private(&self, s: SymId) -> bool {
        self.heap.symbols[s.0 as usize]
            .description
            .as_ref()
            .is_some_and(|d| d.units().first() == Some(&(b'#' as u16)))
            && !self.heap.symbols[s.0 as usize].registered
            && self.private_syms_contains(s)
    }

    fn private_syms_contains(&self, s: SymId) -> bool {
        !self.heap.symbols[s.0 as usize].registered
            && PRIVATE_MARK.with(|p| p.borrow().contains(&(self as *const Vm as usize, s.0)))
    }

    /// Creates a private name symbol.
    pub fn new_private(&mut self, desc: JsStr) -> SymId {
        let s = self.heap.new_symbol(Some(desc), false);
        PRIVATE_MARK.with(|p| p.borrow_mut().insert((self as *const Vm as usize, s.0)));
        s
    }

    // ----- property access ------------------------------------------------------------

    /// \[\[Get\]\] on an object with a receiver (§10.1.8).
    pub fn get(&mut self, o: ObjId, key: &PropKey, receiver: &Value) -> Res<Value> {
        let mut cur = o;
        let mut depth = 0;
        loop {
            if let Some(v) = self.get_own_fast(cur, key) {
                return Ok(v);
            }
            if let Some((slot, attrs)) = self.heap.find(cur, key) {
                let v = self.heap.get(cur).slots[slot as usize].load();
                if attrs & ACCESSOR != 0 {
                    let getter = match &v {
                        Value::Obj(p) => match &self.heap.get(*p).class {
                            Class::Accessor(g, _) => g.clone(),
                            _ => Value::Undefined,
                        },
                        _ => Value::Undefined,
                    };
                    if getter.is_undefined() {
                        return Ok(Value::Undefined);
                    }
                    return self.call(&getter, receiver.clone(), &[]);
                }
                return Ok(v);
            }
            match self.heap.proto(cur) {
                Some(p) => cur = p,
                None => {
                    if let PropKey::Sym(s) = key
                        && self.is_private(*s)
                    {
                        return self.type_err("Cannot read private member from an object whose class did not declare it");
                    }
                    return Ok(Value::Undefined);
                }
            }
            depth += 1;
            if depth > 100_000 {
                return self.throw(ErrorKind::Range, "prototype chain too long");
            }
        }
    }

    /// Exotic own values not in the shape (array elements, string indices, length).
    #[inline]
    fn get_own_fast(&self, o: ObjId, key: &PropKey) -> Option<Value> {
        match &self.heap.get(o).class {
            Class::Array(_) | Class::String(_) => {
                let d = self.get_own_property(o, key)?;
                if d.is_accessor() {
                    return None;
                }
                d.value
            }
            _ => None,
        }
    }

    /// GetV: property of any value (primitives use their prototype).
    pub fn get_v(&mut self, v: &Value, key: &PropKey) -> Res<Value> {
        match v {
            Value::Obj(o) => self.get(*o, key, v),
            Value::Str(s) => {
                if let Some(i) = key.as_index() {
                    if (i as usize) < s.len() {
                        return Ok(Value::Str(JsStr::from_units(vec![s.units()[i as usize]])));
                    }
                } else if matches!(key, PropKey::Str(k) if k.units() == [108, 101, 110, 103, 116, 104])
                {
                    return Ok(Value::Num(s.len() as f64));
                }
                let p = self.realm.string_proto.expect("String.prototype");
                self.get(p, key, v)
            }
            Value::Undefined | Value::Null | Value::Empty => {
                let k = self.key_text(key);
                self.type_err(&format!(
                    "Cannot read properties of {} (reading '{k}')",
                    if v.is_undefined() || v.is_hole() {
                        "undefined"
                    } else {
                        "null"
                    }
                ))
            }
            _ => {
                let p = self.proto_of_primitive(v).expect("primitive proto");
                self.get(p, key, v)
            }
        }
    }

    /// Display text of a key (for messages).
    pub fn key_text(&self, key: &PropKey) -> String {
        match key {
            PropKey::Str(s) => s.to_rust(),
            PropKey::Sym(s) => format!(
                "Symbol({})",
                self.heap.symbols[s.0 as usize]
                    .description
                    .as_ref()
                    .map(|d| d.to_rust())
                    .unwrap_or_default()
            ),
        }
    }

    fn proto_of_primitive(&self, v: &Value) -> Option<ObjId> {
        match v {
            Value::Bool(_) => self.realm.boolean_proto,
            Value::Num(_) => self.realm.number_proto,
            Value::Str(_) => self.realm.string_proto,
            Value::Sym(_) => self.realm.symbol_proto,
            Value::BigInt(_) => self.realm.bigint_proto,
            _ => None,
        }
    }

    /// \[\[Set\]\] (§10.1.9 OrdinarySet) with receiver; returns success.
    pub fn set(&mut self, o: ObjId, key: PropKey, v: Value, receiver: &Value) -> Res<bool> {
        // Fast path: own writable data property in the shape, receiver is o.
        if let Value::Obj(r) = receiver
            && *r == o
            && let Some((slot, attrs)) = self.heap.find(o, &key)
            && attrs & (ACCESSOR | WRITABLE) == WRITABLE
        {
            self.heap.get_mut(o).slots[slot as usize] = Slot::of(v);
            return Ok(true);
        }
        // Arrays: dense fast path.
        if let Value::Obj(r) = receiver
            && *r == o
            && let Class::Array(a) = &mut self.heap.get_mut(o).class
            && !a.sparse
            && let Some(i) = key.as_index()
        {
            let i = i as usize;
            if i < a.dense.len() && !a.dense[i].is_hole() {
                a.dense[i] = Slot::of(v);
                return Ok(true);
            }
        }
        let mut cur = o;
        let own_desc = loop {
            if let Some(d) = self.get_own_property(cur, &key) {
                break Some(d);
            }
            match self.heap.proto(cur) {
                Some(p) => cur = p,
                None => break None,
            }
        };
        let own_desc = own_desc.unwrap_or(PropDesc::data(Value::Undefined, DEFAULT_ATTRS));
        if own_desc.is_accessor() {
            let setter = own_desc.set.unwrap_or_default();
            if setter.is_undefined() {
                return Ok(false);
            }
            self.call(&setter, receiver.clone(), &[v])?;
            return Ok(true);
        }
        if own_desc.writable == Some(false) {
            return Ok(false);
        }
        let Value::Obj(r) = receiver else {
            return Ok(false);
        };
        let r = *r;
        if let PropKey::Sym(s) = &key
            && self.is_private(*s)
            && self.get_own_property(r, &key).is_none()
        {
            return self.type_err(
                "Cannot write private member to an object whose class did not declare it",
            );
        }
        match self.get_own_property(r, &key) {
            Some(ex) => {
                if ex.is_accessor() || ex.writable == Some(false) {
                    return Ok(false);
                }
                self.define_own_property(
                    r,
                    key,
                    PropDesc {
                        value: Some(v),
                        ..Default::default()
                    },
                )
            }
            None => self.define_own_property(r, key, PropDesc::data(v, DEFAULT_ATTRS)),
        }
    }

    /// PutValue on any base value: `strict` throws on failure.
    pub fn put(&mut self, base: &Value, key: PropKey, v: Value, strict: bool) -> Res<()> {
        let ok = match base {
            Value::Obj(o) => self.set(*o, key.clone(), v, base)?,
            Value::Undefined | Value::Null | Value::Empty => {
                let k = self.key_text(&key);
                return self.type_err(&format!(
                    "Cannot set properties of {} (setting '{k}')",
                    if base.is_undefined() {
                        "undefined"
                    } else {
                        "null"
                    }
                ));
            }
            _ => {
                let p = self.proto_of_primitive(base).expect("proto");
                self.set(p, key.clone(), v, base)?
            }
        };
        if !ok && strict {
            let k = self.key_text(&key);
            return self.type_err(&format!("Cannot assign to read only property '{k}'"));
        }
        Ok(())
    }

    /// HasProperty (§7.3.12).
    pub fn has_property(&mut self, o: ObjId, key: &PropKey) -> Res<bool> {
        let mut cur = o;
        loop {
            if self.get_own_property(cur, key).is_some() {
                return Ok(true);
            }
            match self.heap.proto(cur) {
                Some(p) => cur = p,
                None => return Ok(false),
            }
        }
    }

    /// Get(O, "name") with Rust text.
    pub fn get_str(&mut self, v: &Value, name: &str) -> Res<Value> {
        self.get_v(v, &PropKey::from_str(name))
    }

    /// GetMethod (§7.3.11): undefined/null → None; non-callable → TypeError.
    pub fn get_method(&mut self, v: &Value, key: &PropKey) -> Res<Option<Value>> {
        let f = self.get_v(v, key)?;
        if f.is_nullish() {
            return Ok(None);
        }
        if !self.is_callable(&f) {
            let k = self.key_text(key);
            return self.type_err(&format!("{k} is not a function"));
        }
        Ok(Some(f))
    }

    // ----- conversions ---------------------------------------------------------------

    /// ToPrimitive (§7.1.1); `hint` "default", "number" or "string".
    pub fn to_primitive(&mut self, v: &Value, hint: &str) -> Res<Value> {
        let Value::Obj(_) = v else {
            return Ok(v.clone());
        };
        let tp = PropKey::Sym(self.realm.sym_to_primitive.expect("@@toPrimitive"));
        if let Some(f) = self.get_method(v, &tp)? {
            let r = self.call(&f, v.clone(), &[Value::str(hint)])?;
            if matches!(r, Value::Obj(_)) {
                return self.type_err("Cannot convert object to primitive value");
            }
            return Ok(r);
        }
        let order = if hint == "string" {
            ["toString", "valueOf"]
        } else {
            ["valueOf", "toString"]
        };
        for m in order {
            let f = self.get_str(v, m)?;
            if self.is_callable(&f) {
                let r = self.call(&f, v.clone(), &[])?;
                if !matches!(r, Value::Obj(_)) {
                    return Ok(r);
                }
            }
        }
        self.type_err("Cannot convert object to primitive value")
    }

    /// ToNumber (§7.1.4).
    pub fn to_number(&mut self, v: &Value) -> Res<f64> {
        Ok(match v {
            Value::Num(n) => *n,
            Value::Undefined | Value::Empty => f64::NAN,
            Value::Null => 0.0,
            Value::Bool(b) => *b as u8 as f64,
            Value::Str(s) => string_to_number(s.units()),
            Value::Sym(_) => return self.type_err("Cannot convert a Symbol value to a number"),
            Value::BigInt(_) => return self.type_err("Cannot convert a BigInt value to a number"),
            Value::Obj(_) => {
                let p = self.to_primitive(v, "number")?;
                return self.to_number(&p);
            }
        })
    }

    /// ToNumeric (§7.1.3): a Number or a BigInt value.
    pub fn to_numeric(&mut self, v: &Value) -> Res<Value> {
        match v {
            Value::Num(_) | Value::BigInt(_) => Ok(v.clone()),
            Value::Obj(_) => {
                let p = self.to_primitive(v, "number")?;
                self.to_numeric(&p)
            }
            _ => Ok(Value::Num(self.to_number(v)?)),
        }
    }

    /// ToString (§7.1.17).
    pub fn to_string(&mut self, v: &Value) -> Res<JsStr> {
        Ok(match v {
            Value::Str(s) => s.clone(),
            Value::Num(n) => JsStr::from_str(&number_to_string(*n)),
            Value::Undefined | Value::Empty => JsStr::from_str("undefined"),
            Value::Null => JsStr::from_str("null"),
            Value::Bool(b) => JsStr::from_str(if *b { "true" } else { "false" }),
            Value::BigInt(b) => JsStr::from_str(&b.to_string()),
            Value::Sym(_) => return self.type_err("Cannot convert a Symbol value to a string"),
            Value::Obj(_) => {
                let p = self.to_primitive(v, "string")?;
                return self.to_string(&p);
            }
        })
    }

    /// ToPropertyKey (§7.1.19).
    pub fn to_key(&mut self, v: &Value) -> Res<PropKey> {
        match v {
            Value::Str(s) => Ok(PropKey::Str(s.clone())),
            Value::Sym(s) => Ok(PropKey::Sym(*s)),
            Value::Num(n) if *n >= 0.0 && n.fract() == 0.0 && *n < 4294967295.0 => {
                Ok(PropKey::from_index(*n as u32))
            }
            Value::Obj(_) => {
                let p = self.to_primitive(v, "string")?;
                self.to_key(&p)
            }
            _ => Ok(PropKey::Str(self.to_string(v)?)),
        }
    }

    /// The value form of a property key.
    pub fn key_value(&self, k: &PropKey) -> Value {
        match k {
            PropKey::Str(s) => Value::Str(s.clone()),
            PropKey::Sym(s) => Value::Sym(*s),
        }
    }

    /// ToObject (§7.1.18).
    pub fn to_object(&mut self, v: &Value) -> Res<ObjId> {
        let (proto, class) = match v {
            Value::Obj(o) => return Ok(*o),
            Value::Undefined | Value::Null | Value::Empty => {
                return self.type_err("Cannot convert undefined or null to object");
            }
            Value::Bool(b) => (self.realm.boolean_proto, Class::Boolean(*b)),
            Value::Num(n) => (self.realm.number_proto, Class::Number(*n)),
            Value::Str(s) => (self.realm.string_proto, Class::String(s.clone())),
            Value::Sym(s) => (self.realm.symbol_proto, Class::Symbol(*s)),
            Value::BigInt(_) => (self.realm.bigint_proto, Class::BigInt(v.clone())),
        };
        Ok(self.heap.alloc(proto, class))
    }

    /// ToLength (§7.1.20).
    pub fn to_length(&mut self, v: &Value) -> Res<f64> {
        let n = to_integer(self.to_number(v)?);
        Ok(n.clamp(0.0, 9007199254740991.0))
    }

    /// LengthOfArrayLike.
    pub fn length_of(&mut self, o: &Value) -> Res<f64> {
        if let Value::Obj(id) = o
            && let Class::Array(a) = &self.heap.get(*id).class
        {
            return Ok(a.len as f64);
        }
        let l = self.get_str(o, "length")?;
        self.to_length(&l)
    }

    /// ToIntegerOrInfinity of a value.
    pub fn to_integer_or_inf(&mut self, v: &Value) -> Res<f64> {
        Ok(to_integer(self.to_number(v)?))
    }

    // ----- calls ------------------------------------------------------------------------

    /// Call(f, this, args) (§7.3.14).
    pub fn call(&mut self, f: &Value, this: Value, args: &[Value]) -> Res<Value> {
        let Value::Obj(fo) = f else {
            return self.type_err("not a function");
        };
        let fo = *fo;
        let func = match &self.heap.get(fo).class {
            Class::Function(func) => (**func).clone(),
            _ => return self.type_err("not a function"),
        };
        match func.kind {
            FuncKind::Native { f: nf, .. } => {
                if self.native_too_deep() {
                    return self.throw(ErrorKind::Range, "Maximum call stack size exceeded");
                }
                self.native_depth += 1;
                let r = nf(self, this, args, fo);
                self.native_depth -= 1;
                r
            }
            FuncKind::Bound {
                target,
                this: bthis,
                args: bargs,
            } => {
                let mut all = bargs.clone();
                all.extend_from_slice(args);
                self.call(&Value::Obj(target), bthis, &all)
            }
            FuncKind::Closure { code, caps } => {
                if func.class_ctor {
                    return self.type_err("Class constructor cannot be invoked without 'new'");
                }
                let frame =
                    self.make_frame(code, caps, fo, this, args.to_vec(), Value::Undefined)?;
                self.run_frame(frame, fo)
            }
        }
    }

    /// Whether one more Rust-level re-entry would exceed
    /// [`Vm::max_native_depth`] or [`Vm::max_stack_bytes`] (the outermost
    /// entry, at depth 0, records the stack base).
    pub(crate) fn native_too_deep(&mut self) -> bool {
        let marker = 0u8;
        let here = std::hint::black_box(&marker) as *const u8 as usize;
        if self.native_depth == 0 {
            self.stack_base = here;
            return false;
        }
        self.native_depth > self.max_native_depth
            || self.stack_base.abs_diff(here) > self.max_stack_bytes
    }

    /// An empty value vector, from the pool of returned frames when possible.
    #[inline]
    pub(crate) fn take_vec(&mut self) -> Vec<Value> {
        self.vec_pool.pop().unwrap_or_default()
    }

    /// Returns a finished frame's register and argument vectors to the pool
    /// (emptied; oversized ones are freed, the pool is bounded).
    #[inline]
    pub(crate) fn recycle_frame(&mut self, f: Frame) {
        let Frame {
            mut regs, mut args, ..
        } = f;
        if self.reg_pool.len() < 256 && regs.capacity() <= 1024 {
            regs.clear();
            self.reg_pool.push(regs);
        }
        if self.vec_pool.len() < 256 && args.capacity() <= 1024 {
            args.clear();
            self.vec_pool.push(args);
        }
    }

    /// Builds a frame for a closure call (this coercion for sloppy functions).
    pub(crate) fn make_frame(
        &mut self,
        code: Rc<Code>,
        caps: Rc<[ObjId]>,
        callee: ObjId,
        this: Value,
        args: Vec<Value>,
        new_target: Value,
    ) -> Res<Frame> {
        if self.frames.len() >= MAX_FRAMES {
            return self.throw(ErrorKind::Range, "Maximum call stack size exceeded");
        }
        let this = if code.strict || code.kind == FnKind::Arrow {
            this
        } else {
            match this {
                Value::Undefined | Value::Null => Value::Obj(self.realm.global.expect("global")),
                Value::Obj(_) | Value::Empty => this,
                other => Value::Obj(self.to_object(&other)?),
            }
        };
        let n = code.nregs as usize;
        let mut regs = self.reg_pool.pop().unwrap_or_default();
        regs.resize(n, Slot::undef());
        Ok(Frame {
            code,
            regs,
            pc: 0,
            this,
            callee: Some(callee),
            caps,
            args,
            new_target,
            handlers: Vec::new(),
            ret: None,
            construct: false,
            resume_kind: 0,
        })
    }

    /// Runs a fresh closure frame to completion from Rust, handling generator/async starts.
    pub(crate) fn run_frame(&mut self, frame: Frame, callee: ObjId) -> Res<Value> {
        let (is_gen, is_async) = (frame.code.is_gen, frame.code.is_async);
        if is_gen {
            return self.start_generator(frame, callee, is_async);
        }
        if is_async {
            return self.start_async(frame);
        }
        if self.native_too_deep() {
            return self.throw(ErrorKind::Range, "Maximum call stack size exceeded");
        }
        self.frames.push(frame);
        let base = self.frames.len() - 1;
        self.native_depth += 1;
        let r = self.run(base);
        self.native_depth -= 1;
        r
    }

    /// Construct(f, args, newTarget) (§7.3.15).
    pub fn construct(&mut self, f: &Value, args: &[Value], new_target: &Value) -> Res<Value> {
        if !self.is_constructor(f) {
            return self.type_err("not a constructor");
        }
        let fo = f.as_obj().expect("ctor");
        let func = match &self.heap.get(fo).class {
            Class::Function(func) => (**func).clone(),
            _ => unreachable!(),
        };
        match func.kind {
            FuncKind::Native { f: nf, .. } => {
                // Native constructors read new.target from `this` = Empty marker + temp slot.
                self.native_depth += 1;
                self.native_new_target = new_target.clone();
                let r = nf(self, Value::Empty, args, fo);
                self.native_depth -= 1;
                r
            }
            FuncKind::Bound {
                target,
                args: bargs,
                ..
            } => {
                let mut all = bargs.clone();
                all.extend_from_slice(args);
                let nt = if matches!(new_target, Value::Obj(o) if *o == fo) {
                    Value::Obj(target)
                } else {
                    new_target.clone()
                };
                self.construct(&Value::Obj(target), &all, &nt)
            }
            FuncKind::Closure { code, caps } => {
                let this = if func.derived {
                    Value::Empty
                } else {
                    let proto = self.get_prototype_from_ctor(new_target, ProtoKind::Object)?;
                    Value::Obj(self.heap.alloc(Some(proto), Class::Ordinary))
                };
                let mut frame =
                    self.make_frame(code, caps, fo, this, args.to_vec(), new_target.clone())?;
                frame.construct = true;
                self.frames.push(frame);
                let base = self.frames.len() - 1;
                if self.native_too_deep() {
                    self.frames.pop();
                    return self.throw(ErrorKind::Range, "Maximum call stack size exceeded");
                }
                self.native_depth += 1;
                let r = self.run(base);
                self.native_depth -= 1;
                r
            }
        }
    }

    /// GetPrototypeFromConstructor (§10.1.14).
    pub fn get_prototype_from_ctor(&mut self, ctor: &Value, fallback: ProtoKind) -> Res<ObjId> {
        if let Value::Obj(_) = ctor {
            let p = self.get_str(ctor, "prototype")?;
            if let Value::Obj(p) = p {
                return Ok(p);
            }
        }
        Ok(self.fallback_proto(fallback))
    }

    /// The intrinsic prototype for `kind`.
    pub fn fallback_proto(&self, kind: ProtoKind) -> ObjId {
        let r = &self.realm;
        match kind {
            ProtoKind::Object => r.object_proto,
            ProtoKind::Array => r.array_proto,
            ProtoKind::Error(i) => {
                if i == 6 {
                    r.error_proto
                } else {
                    r.error_protos.get(i).copied()
                }
            }
            ProtoKind::Map => r.map_proto,
            ProtoKind::Set => r.set_proto,
            ProtoKind::Promise => r.promise_proto,
            ProtoKind::Boolean => r.boolean_proto,
            ProtoKind::Number => r.number_proto,
            ProtoKind::String => r.string_proto,
            ProtoKind::Function => r.function_proto,
            ProtoKind::RegExp => r.regexp_proto,
            ProtoKind::Date => r.date_proto,
        }
        .expect("intrinsic")
    }

    /// Calls `f` as the callback of a native and keeps `keep` rooted meanwhile.
    pub fn call_rooted(
        &mut self,
        f: &Value,
        this: Value,
        args: &[Value],
        keep: &[Value],
    ) -> Res<Value> {
        let n = self.temp_roots.len();
        self.temp_roots.extend_from_slice(keep);
        let r = self.call(f, this, args);
        self.temp_roots.truncate(n);
        r
    }

    // ----- iteration -----------------------------------------------------------------

    /// GetIterator (§7.4.2): (iterator, next method).
    pub fn get_iterator(&mut self, v: &Value) -> Res<(Value, Value)> {
        let key = PropKey::Sym(self.realm.sym_iterator.expect("@@iterator"));
        let Some(m) = self.get_method(v, &key).or_else(|e| {
            if matches!(v, Value::Undefined | Value::Null) {
                Ok(None)
            } else {
                Err(e)
            }
        })?
        else {
            return self.type_err("object is not iterable");
        };
        let it = self.call(&m, v.clone(), &[])?;
        if !matches!(it, Value::Obj(_)) {
            return self.type_err("Result of the Symbol.iterator method is not an object");
        }
        let next = self.get_str(&it, "next")?;
        Ok((it, next))
    }

    /// IteratorStep: Some(value) or None when done.
    pub fn iter_step(&mut self, it: &Value, next: &Value) -> Res<Option<Value>> {
        self.tick(4)?;
        let r = self.call(next, it.clone(), &[])?;
        if !matches!(r, Value::Obj(_)) {
            return self.type_err("iterator result is not an object");
        }
        let done = self.get_str(&r, "done")?;
        if done.truthy() {
            return Ok(None);
        }
        Ok(Some(self.get_str(&r, "value")?))
    }

    /// IteratorClose for a normal completion (errors of `return` propagate).
    pub fn iter_close(&mut self, it: &Value) -> Res<()> {
        let ret = self.get_method(it, &PropKey::from_str("return"))?;
        if let Some(f) = ret {
            let r = self.call(&f, it.clone(), &[])?;
            if !matches!(r, Value::Obj(_)) {
                return self.type_err("iterator return() result is not an object");
            }
        }
        Ok(())
    }

    /// Collects an iterable into a vector.
    pub fn iterate_to_vec(&mut self, v: &Value) -> Res<Vec<Value>> {
        // Fast path: arrays with the original iterator.
        if let Value::Obj(o) = v
            && let Class::Array(a) = &self.heap.get(*o).class
            && !a.sparse
            && self.array_iter_pristine(*o)
        {
            return Ok(a
                .dense
                .iter()
                .map(|x| {
                    if x.is_hole() {
                        Value::Undefined
                    } else {
                        x.load()
                    }
                })
                .chain(std::iter::repeat_n(
                    Value::Undefined,
                    (a.len as usize).saturating_sub(a.dense.len()),
                ))
                .collect());
        }
        let (it, next) = self.get_iterator(v)?;
        let mut out = Vec::new();
        let n = self.temp_roots.len();
        self.temp_roots.push(it.clone());
        let r = (|| {
            while let Some(x) = self.iter_step(&it, &next)? {
                self.temp_roots.push(x.clone());
                out.push(x);
            }
            Ok(())
        })();
        self.temp_roots.truncate(n);
        r.map(|_| out)
    }

    /// Whether array `o` iterates with the built-in iterator (no own or modified @@iterator / next).
    pub fn array_iter_pristine(&self, o: ObjId) -> bool {
        let key = PropKey::Sym(self.realm.sym_iterator.expect("@@iterator"));
        if self.heap.find(o, &key).is_some() {
            return false;
        }
        let Some(ap) = self.heap.proto(o) else {
            return false;
        };
        if Some(ap) != self.realm.array_proto {
            return false;
        }
        let Some((slot, _)) = self.heap.find(ap, &key) else {
            return false;
        };
        let f = &self.heap.get(ap).slots[slot as usize];
        let Some(fo) = f.as_obj() else { return false };
        let is_values = matches!(&self.heap.get(fo).class, Class::Function(func)
            if matches!(func.kind, FuncKind::Native { f, .. } if f as *const () as usize == crate::builtins::array_values as *const () as usize));
        if !is_values {
            return false;
        }
        // %ArrayIteratorPrototype%.next untouched
        let Some(aip) = self.realm.array_iter_proto else {
            return false;
        };
        match self.heap.find(aip, &PropKey::from_str("next")) {
            Some((slot, _)) => {
                let f = &self.heap.get(aip).slots[slot as usize];
                matches!(f.as_obj(), Some(fo) if matches!(&self.heap.get(fo).class, Class::Function(func)
                    if matches!(func.kind, FuncKind::Native { f, .. } if f as *const () as usize == crate::builtins::array_iter_next as *const () as usize)))
            }
            None => false,
        }
    }

    /// CreateIterResultObject.
    pub fn iter_result(&mut self, v: Value, done: bool) -> Value {
        let o = self.new_object();
        self.heap
            .add_prop(o, PropKey::from_str("value"), v, DEFAULT_ATTRS);
        self.heap.add_prop(
            o,
            PropKey::from_str("done"),
            Value::Bool(done),
            DEFAULT_ATTRS,
        );
        Value::Obj(o)
    }

    // ----- generators and async functions ---------------------------------------------

    fn start_generator(&mut self, frame: Frame, callee: ObjId, is_async: bool) -> Res<Value> {
        let proto_default = if is_async {
            self.realm.async_generator_proto
        } else {
            self.realm.generator_proto
        };
        let p = self.get_str(&Value::Obj(callee), "prototype")?;
        let proto = match p {
            Value::Obj(p) => Some(p),
            _ => proto_default,
        };
        // Run argument binding up to GenStart.
        self.frames.push(frame);
        let base = self.frames.len() - 1;
        self.native_depth += 1;
        let r = self.run(base);
        self.native_depth -= 1;
        r?;
        let frame = self.saved_frame.take().expect("suspended generator frame");
        let g = self.heap.alloc(
            proto,
            Class::Generator(Box::new(GenData {
                frame: Some(Box::new(frame)),
                state: 0,
                promise: None,
                queue: Vec::new(),
                is_async_gen: is_async,
                awaiting: false,
            })),
        );
        Ok(Value::Obj(g))
    }

    /// Resumes generator `g` with (kind, value): returns (value, done) or throws.
    pub fn generator_resume(&mut self, g: ObjId, kind: u8, v: Value) -> Res<(Value, bool)> {
        let (state, frame) = match &mut self.heap.get_mut(g).class {
            Class::Generator(d) => (d.state, d.frame.take()),
            _ => return self.type_err("not a generator"),
        };
        if state == 2 {
            if let Class::Generator(d) = &mut self.heap.get_mut(g).class {
                d.frame = frame;
            }
            return self.type_err("Generator is already running");
        }
        let Some(mut frame) = frame.filter(|_| state != 3) else {
            return match kind {
                1 => Err(v),
                2 => Ok((v, true)),
                _ => Ok((Value::Undefined, true)),
            };
        };
        if state == 0 && kind != 0 {
            self.set_gen_state(g, 3);
            return match kind {
                1 => Err(v),
                _ => Ok((v, true)),
            };
        }
        self.set_gen_state(g, 2);
        frame.resume_kind = kind;
        if state == 1 {
            // deliver the value into the Yield's destination register
            if let Some(
                crate::isa::Op::Yield { dst, .. }
                | crate::isa::Op::YieldRaw { dst, .. }
                | crate::isa::Op::Await { dst, .. },
            ) = frame.code.ops.get(frame.pc - 1).copied()
            {
                frame.regs[dst.0 as usize] = Slot::of(v);
            }
        }
        self.frames.push(*frame);
        let base = self.frames.len() - 1;
        self.native_depth += 1;
        let r = self.run(base);
        self.native_depth -= 1;
        match r {
            Ok(v) => {
                if let Some(f) = self.saved_frame.take() {
                    let raw = self.suspend == Suspend::YieldRaw;
                    if let Class::Generator(d) = &mut self.heap.get_mut(g).class {
                        d.frame = Some(Box::new(f));
                        d.state = 1;
                    }
                    self.raw_yield = raw;
                    Ok((v, false))
                } else {
                    self.set_gen_state(g, 3);
                    Ok((v, true))
                }
            }
            Err(e) => {
                self.set_gen_state(g, 3);
                Err(e)
            }
        }
    }

    fn set_gen_state(&mut self, g: ObjId, s: u8) {
        if let Class::Generator(d) = &mut self.heap.get_mut(g).class {
            d.state = s;
            if s == 3 {
                d.frame = None;
            }
        }
    }

    fn start_async(&mut self, frame: Frame) -> Res<Value> {
        let promise = crate::builtins::new_promise(self);
        let g = self.heap.alloc(
            None,
            Class::Generator(Box::new(GenData {
                frame: Some(Box::new(frame)),
                state: 0,
                promise: Some(promise),
                queue: Vec::new(),
                is_async_gen: false,
                awaiting: false,
            })),
        );
        self.async_step(g, 0, Value::Undefined);
        Ok(Value::Obj(promise))
    }

    /// Runs async function `g` until its next await or completion.
    pub fn async_step(&mut self, g: ObjId, kind: u8, v: Value) {
        let (frame, promise) = match &mut self.heap.get_mut(g).class {
            Class::Generator(d) => (d.frame.take(), d.promise),
            _ => return,
        };
        let (Some(mut frame), Some(promise)) = (frame, promise) else {
            return;
        };
        frame.resume_kind = kind;
        if frame.pc > 0
            && let Some(crate::isa::Op::Await { dst, .. }) =
                frame.code.ops.get(frame.pc - 1).copied()
        {
            frame.regs[dst.0 as usize] = Slot::of(v);
        }
        self.frames.push(*frame);
        let base = self.frames.len() - 1;
        self.native_depth += 1;
        let r = self.run(base);
        self.native_depth -= 1;
        match r {
            Ok(v) => {
                if let Some(f) = self.saved_frame.take() {
                    if let Class::Generator(d) = &mut self.heap.get_mut(g).class {
                        d.frame = Some(Box::new(f));
                    }
                    // await v: resume on settlement
                    self.await_value(g, v);
                } else {
                    crate::builtins::resolve_promise(self, promise, v);
                }
            }
            Err(e) => crate::builtins::reject_promise(self, promise, e),
        }
    }

    fn await_value(&mut self, g: ObjId, v: Value) {
        let p = match crate::builtins::promise_resolve(self, v) {
            Ok(p) => p,
            Err(e) => {
                self.async_step(g, 1, e);
                return;
            }
        };
        let on_ok = self.native_with(
            "",
            1,
            crate::builtins::async_resume_ok,
            false,
            vec![Value::Obj(g)],
        );
        let on_err = self.native_with(
            "",
            1,
            crate::builtins::async_resume_err,
            false,
            vec![Value::Obj(g)],
        );
        crate::builtins::perform_then(self, p, Value::Obj(on_ok), Value::Obj(on_err), None);
    }

    /// Runs queued jobs until the queue is empty.
    pub fn run_jobs(&mut self) -> Res<()> {
        while let Some((f, args)) = self.jobs.pop_front() {
            self.call(&f, Value::Undefined, &args)?;
            self.maybe_gc();
        }
        Ok(())
    }

    // ----- equality ------------------------------------------------------------------

    /// IsLooselyEqual (§7.2.14).
    pub fn loose_eq(&mut self, a: &Value, b: &Value) -> Res<bool> {
        use Value::*;
        Ok(match (a, b) {
            (Undefined | Null | Empty, Undefined | Null | Empty) => true,
            (Undefined | Null | Empty, _) | (_, Undefined | Null | Empty) => false,
            (Num(_), Str(s)) => strict_eq(a, &Num(string_to_number(s.units()))),
            (Str(s), Num(_)) => strict_eq(&Num(string_to_number(s.units())), b),
            (BigInt(x), Str(s)) | (Str(s), BigInt(x)) => {
                match crate::builtins::string_to_bigint(&s.to_rust()) {
                    Some(y) => **x == y,
                    None => false,
                }
            }
            (Bool(x), _) => return self.loose_eq(&Num(*x as u8 as f64), b),
            (_, Bool(y)) => return self.loose_eq(a, &Num(*y as u8 as f64)),
            (Obj(_), Num(_) | Str(_) | BigInt(_) | Sym(_)) => {
                let p = self.to_primitive(a, "default")?;
                return self.loose_eq(&p, b);
            }
            (Num(_) | Str(_) | BigInt(_) | Sym(_), Obj(_)) => {
                let p = self.to_primitive(b, "default")?;
                return self.loose_eq(a, &p);
            }
            (BigInt(x), Num(y)) | (Num(y), BigInt(x)) => {
                y.is_finite()
                    && y.fract() == 0.0
                    && crate::builtins::bigint_to_f64(x) == *y
                    && num_bigint::BigInt::from(*y as i128) == **x
            }
            _ => strict_eq(a, b),
        })
    }
}

thread_local! {
    static PRIVATE_MARK: std::cell::RefCell<rustc_hash::FxHashSet<(usize, u32)>> = Default::default();
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new()
    }
}

/// Which intrinsic prototype GetPrototypeFromConstructor falls back to.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub enum ProtoKind {
    Object,
    Array,
    Error(usize),
    Map,
    Set,
    Promise,
    Boolean,
    Number,
    String,
    Function,
    RegExp,
    Date,
}

fn compatible_unchanged(cur: &PropDesc, desc: &PropDesc, _vm: &Vm) -> bool {
    if desc.configurable == Some(true) || desc.is_accessor() {
        return false;
    }
    if desc.enumerable.is_some() && desc.enumerable != cur.enumerable {
        return false;
    }
    if desc.writable == Some(true) && cur.writable == Some(false) {
        return false;
    }
    if let Some(v) = &desc.value
        && !same_value(v, cur.value.as_ref().expect("value"))
    {
        return false;
    }
    true
}

/// IsStrictlyEqual (§7.2.15).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Undefined | Empty, Undefined | Empty) | (Null, Null) => true,
        (Bool(x), Bool(y)) => x == y,
        (Num(x), Num(y)) => x == y,
        (Str(x), Str(y)) => Rc::ptr_eq(&x.0, &y.0) || x.0 == y.0,
        (Sym(x), Sym(y)) => x == y,
        (Obj(x), Obj(y)) => x == y,
        (BigInt(x), BigInt(y)) => x == y,
        _ => false,
    }
}

/// SameValue (§7.2.10).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => {
            (x.is_nan() && y.is_nan()) || (x == y && x.is_sign_negative() == y.is_sign_negative())
        }
        _ => strict_eq(a, b),
    }
}

/// SameValueZero (§7.2.11).
pub fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => (x.is_nan() && y.is_nan()) || x == y,
        _ => strict_eq(a, b),
    }
}
