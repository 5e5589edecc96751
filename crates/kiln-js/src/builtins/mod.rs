//! The core built-ins (ECMA-262 §19–§28): realm setup (`install`), the
//! global object's functions, and the helpers the VM calls into (for-in,
//! arguments objects, class setup, template objects). Each group of
//! built-ins lives in its own file.

mod array;
mod error;
mod function;
mod inspect;
mod json;
mod map_set;
mod number_math;
mod object;
mod promise;
mod regexp;
mod string;

pub use array::{array_iter_next, array_values};
pub use error::error_summary;
pub use inspect::{inspect, inspect_repl};
pub use promise::{
    async_resume_err, async_resume_ok, get_async_iterator, new_promise, perform_then,
    promise_resolve, reject_promise, resolve_promise,
};
pub use regexp::regexp_create;

use crate::compiler::Code;
use crate::heap::*;
use crate::value::*;
use crate::vm::{ErrorKind, PropDesc, Vm};
use num_bigint::BigInt;

pub(crate) type Res<T> = Result<T, Value>;

/// Argument `i` or undefined.
#[inline]
pub(crate) fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

/// Private slot `i` of native function `callee`.
pub(crate) fn slot(vm: &Vm, callee: ObjId, i: usize) -> Value {
    match &vm.heap.get(callee).class {
        Class::Function(f) => match &f.kind {
            FuncKind::Native { slots, .. } => slots.get(i).cloned().unwrap_or_default(),
            _ => Value::Undefined,
        },
        _ => Value::Undefined,
    }
}

/// True when a native was entered through \[\[Construct\]\] (`this` is the Empty marker).
#[inline]
pub(crate) fn is_construct(this: &Value) -> bool {
    this.is_hole()
}

/// The string key `s`.
pub(crate) fn key(s: &str) -> PropKey {
    PropKey::from_str(s)
}

/// Creates a constructor `name` whose `prototype` is `proto`, binds it on the global object.
pub(crate) fn make_ctor(vm: &mut Vm, name: &str, len: u32, f: NativeFn, proto: ObjId) -> ObjId {
    let c = vm.native(name, len, f, true);
    vm.heap.add_prop(c, key("prototype"), Value::Obj(proto), 0);
    vm.heap
        .add_prop(proto, key("constructor"), Value::Obj(c), METHOD_ATTRS);
    let g = vm.realm.global.expect("global");
    vm.heap.add_prop(g, key(name), Value::Obj(c), METHOD_ATTRS);
    c
}

/// Defines a getter `name` on `obj`.
pub(crate) fn def_getter(vm: &mut Vm, obj: ObjId, name: PropKey, f: NativeFn) {
    let label = match &name {
        PropKey::Str(s) => format!("get {s}"),
        PropKey::Sym(s) => format!(
            "get [{}]",
            vm.heap.symbols[s.0 as usize]
                .description
                .as_ref()
                .map(|d| d.to_rust())
                .unwrap_or_default()
        ),
    };
    let g = vm.native(&label, 0, f, false);
    let acc = vm
        .heap
        .alloc(None, Class::Accessor(Value::Obj(g), Value::Undefined));
    vm.heap
        .add_prop(obj, name, Value::Obj(acc), ACCESSOR | CONFIGURABLE);
}

/// Defines a symbol-keyed method.
pub(crate) fn def_sym_fn(vm: &mut Vm, obj: ObjId, sym: SymId, name: &str, len: u32, f: NativeFn) {
    let fo = vm.native(name, len, f, false);
    vm.heap
        .add_prop(obj, PropKey::Sym(sym), Value::Obj(fo), METHOD_ATTRS);
}

/// Installs every built-in into a fresh VM.
pub fn install(vm: &mut Vm) {
    // Well-known symbols.
    let mut sym = |d: &str| Some(vm.heap.new_symbol(Some(JsStr::from_str(d)), false));
    let r = &mut vm.realm;
    r.sym_iterator = sym("Symbol.iterator");
    r.sym_async_iterator = sym("Symbol.asyncIterator");
    r.sym_has_instance = sym("Symbol.hasInstance");
    r.sym_to_primitive = sym("Symbol.toPrimitive");
    r.sym_to_string_tag = sym("Symbol.toStringTag");
    r.sym_species = sym("Symbol.species");
    r.sym_is_concat_spreadable = sym("Symbol.isConcatSpreadable");
    r.sym_unscopables = sym("Symbol.unscopables");
    r.sym_match = sym("Symbol.match");
    r.sym_match_all = sym("Symbol.matchAll");
    r.sym_replace = sym("Symbol.replace");
    r.sym_search = sym("Symbol.search");
    r.sym_split = sym("Symbol.split");

    let op = vm.heap.alloc(None, Class::Ordinary);
    vm.realm.object_proto = Some(op);
    let fp = vm.heap.alloc(
        Some(op),
        Class::Function(Box::new(Func {
            kind: FuncKind::Native {
                f: |_, _, _, _| Ok(Value::Undefined),
                slots: Vec::new(),
            },
            ctor: false,
            derived: false,
            class_ctor: false,
            home: None,
            fields: None,
            strict: true,
        })),
    );
    vm.realm.function_proto = Some(fp);
    vm.heap
        .add_prop(fp, key("length"), Value::Num(0.0), CONFIGURABLE);
    vm.heap
        .add_prop(fp, key("name"), Value::str(""), CONFIGURABLE);
    let g = vm.heap.alloc(Some(op), Class::Ordinary);
    vm.realm.global = Some(g);
    vm.heap
        .add_prop(g, key("globalThis"), Value::Obj(g), METHOD_ATTRS);
    vm.heap.add_prop(g, key("NaN"), Value::Num(f64::NAN), 0);
    vm.heap
        .add_prop(g, key("Infinity"), Value::Num(f64::INFINITY), 0);
    vm.heap.add_prop(g, key("undefined"), Value::Undefined, 0);

    object::install(vm);
    function::install(vm);
    error::install(vm);
    array::install(vm);
    string::install(vm);
    number_math::install(vm);
    json::install(vm);
    map_set::install(vm);
    promise::install(vm);
    regexp::install(vm);
    object::install_reflect(vm);

    vm.def_fn(g, "parseInt", 2, number_math::parse_int);
    vm.def_fn(g, "parseFloat", 1, number_math::parse_float);
    vm.def_fn(g, "isNaN", 1, number_math::global_is_nan);
    vm.def_fn(g, "isFinite", 1, number_math::global_is_finite);
    vm.def_fn(g, "print", 1, print);
    let console = vm.new_object();
    vm.def_fn(console, "log", 0, console_log);
    vm.def_fn(console, "error", 0, console_log);
    vm.def_fn(console, "warn", 0, console_log);
    vm.def_fn(console, "info", 0, console_log);
    vm.heap
        .add_prop(g, key("console"), Value::Obj(console), METHOD_ATTRS);
}

/// Writes a line to the VM's output sink (stdout unless capturing).
pub fn write_line(vm: &mut Vm, line: &str) {
    match &mut vm.output {
        Some(buf) => {
            // Captured output is bounded (runaway scripts under test).
            if buf.len() < (4 << 20) {
                buf.push_str(line);
                buf.push('\n');
            }
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.write_all(b"\n");
        }
    }
}

fn print(vm: &mut Vm, _this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut parts = Vec::new();
    for a in args {
        parts.push(vm.to_string(a)?.to_rust());
    }
    write_line(vm, &parts.join(" "));
    Ok(Value::Undefined)
}

fn console_log(vm: &mut Vm, _this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut parts = Vec::new();
    for a in args {
        parts.push(match a {
            Value::Str(s) => s.to_rust(),
            v => inspect(vm, v),
        });
    }
    write_line(vm, &parts.join(" "));
    Ok(Value::Undefined)
}

// ----- helpers the VM calls -----------------------------------------------------------

/// StringToBigInt (§7.1.14): None when the text is not a valid integer literal.
pub fn string_to_bigint(s: &str) -> Option<BigInt> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if t.is_empty() {
        return Some(BigInt::ZERO);
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            return BigInt::parse_bytes(&b[2..], radix)
                .filter(|_| b[2..].iter().all(|c| c.is_ascii_alphanumeric()));
        }
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v = BigInt::parse_bytes(digits.as_bytes(), 10)?;
    Some(if neg { -v } else { v })
}

/// The Number nearest to a BigInt.
pub fn bigint_to_f64(b: &BigInt) -> f64 {
    num_traits::ToPrimitive::to_f64(b).unwrap_or(f64::NAN)
}

/// CopyDataProperties (§7.3.25) from `src` onto object `dst`, skipping `excluded`.
pub fn copy_data_properties(
    vm: &mut Vm,
    dst: &Value,
    src: &Value,
    excluded: &[PropKey],
) -> Res<()> {
    if src.is_nullish() {
        return Ok(());
    }
    let Value::Obj(d) = dst else {
        return Ok(());
    };
    let from = vm.to_object(src)?;
    for k in vm.own_keys(from) {
        if excluded.contains(&k) {
            continue;
        }
        if let Some(desc) = vm.get_own_property(from, &k)
            && desc.enumerable == Some(true)
        {
            let v = vm.get(from, &k, &Value::Obj(from))?;
            vm.create_data_property(*d, k, v)?;
        }
    }
    Ok(())
}

/// The for-in key iterator over `v` (§14.7.5.9 EnumerateObjectProperties).
pub fn for_in_iterator(vm: &mut Vm, v: &Value) -> Res<Value> {
    let mut keys = Vec::new();
    if !v.is_nullish() {
        let o = vm.to_object(v)?;
        keys.push(Value::Obj(o));
        let mut seen = rustc_hash::FxHashSet::default();
        let mut cur = Some(o);
        while let Some(c) = cur {
            for k in vm.own_keys(c) {
                if let PropKey::Str(s) = &k {
                    if !seen.insert(s.clone()) {
                        continue;
                    }
                    if vm
                        .get_own_property(c, &k)
                        .is_some_and(|d| d.enumerable == Some(true))
                    {
                        keys.push(Value::Str(s.clone()));
                    }
                }
            }
            cur = vm.heap.proto(c);
        }
    }
    Ok(Value::Obj(vm.heap.alloc(None, Class::ForIn(keys, 1))))
}

/// The next for-in key (skipping keys deleted meanwhile), or None.
pub fn for_in_next(vm: &mut Vm, it: ObjId) -> Res<Option<Value>> {
    loop {
        let (obj, k) = match &mut vm.heap.get_mut(it).class {
            Class::ForIn(keys, pos) => {
                if *pos >= keys.len() {
                    return Ok(None);
                }
                *pos += 1;
                (keys[0].clone(), keys[*pos - 1].clone())
            }
            _ => return Ok(None),
        };
        let (Value::Obj(o), Value::Str(s)) = (&obj, &k) else {
            return Ok(None);
        };
        if vm.has_property(*o, &PropKey::Str(s.clone()))? {
            return Ok(Some(k));
        }
    }
}

/// CreateUnmappedArgumentsObject (§10.4.4.6); `callee` is set for sloppy functions.
pub fn make_arguments(vm: &mut Vm, args: Vec<Value>, callee: Option<ObjId>, strict: bool) -> ObjId {
    let o = vm.heap.alloc(vm.realm.object_proto, Class::Arguments);
    let n = args.len();
    for (i, a) in args.into_iter().enumerate() {
        vm.heap
            .add_prop(o, PropKey::from_index(i as u32), a, DEFAULT_ATTRS);
    }
    vm.heap
        .add_prop(o, key("length"), Value::Num(n as f64), METHOD_ATTRS);
    if let (Some(ap), Some(it)) = (vm.realm.array_proto, vm.realm.sym_iterator)
        && let Some(v) = vm
            .heap
            .find(ap, &key("values"))
            .map(|(s, _)| vm.heap.get(ap).slots[s as usize].load())
    {
        vm.heap.add_prop(o, PropKey::Sym(it), v, METHOD_ATTRS);
    }
    if strict {
        let t = vm
            .realm
            .throw_type_error
            .map_or(Value::Undefined, Value::Obj);
        let acc = vm.heap.alloc(None, Class::Accessor(t.clone(), t));
        vm.heap
            .add_prop(o, key("callee"), Value::Obj(acc), ACCESSOR);
    } else if let Some(c) = callee {
        vm.heap
            .add_prop(o, key("callee"), Value::Obj(c), METHOD_ATTRS);
    }
    o
}

/// ClassDefinitionEvaluation's prototype setup (§15.7.14 steps 5–8, 12–16):
/// returns the new prototype object.
pub fn make_class(vm: &mut Vm, ctor: &Value, sup: &Value, has_heritage: bool) -> Res<ObjId> {
    let (proto_parent, ctor_parent) = if !has_heritage {
        (vm.realm.object_proto, vm.realm.function_proto)
    } else if matches!(sup, Value::Null) {
        (None, vm.realm.function_proto)
    } else if !vm.is_constructor(sup) {
        return vm.type_err("Class extends value is not a constructor or null");
    } else {
        match vm.get_str(sup, "prototype")? {
            Value::Obj(p) => (Some(p), sup.as_obj()),
            Value::Null => (None, sup.as_obj()),
            _ => return vm.type_err("Class extends value does not have valid prototype property"),
        }
    };
    let Value::Obj(c) = ctor else {
        return vm.type_err("class constructor is not an object");
    };
    let proto = vm.heap.alloc(proto_parent, Class::Ordinary);
    vm.heap.set_proto(*c, ctor_parent);
    let pk = key("prototype");
    if let Some((s, _)) = vm.heap.find(*c, &pk) {
        vm.heap.get_mut(*c).slots[s as usize] = crate::slot::Slot::obj(proto);
        vm.heap.set_attrs(*c, s, 0);
    } else {
        vm.heap.add_prop(*c, pk, Value::Obj(proto), 0);
    }
    vm.heap
        .add_prop(proto, key("constructor"), ctor.clone(), METHOD_ATTRS);
    Ok(proto)
}

/// GetTemplateObject (§13.2.8.4): the frozen strings array of site `k`, cached per site.
pub fn template_object(vm: &mut Vm, code: &Code, k: usize) -> ObjId {
    if let Some(Some(o)) = code.template_cache.borrow().get(k) {
        return *o;
    }
    let (cooked, raw) = code.templates[k].clone();
    let cooked: Vec<Value> = cooked
        .into_iter()
        .map(|c| c.map_or(Value::Undefined, Value::Str))
        .collect();
    let raw: Vec<Value> = raw.into_iter().map(Value::Str).collect();
    let ro = vm.new_array(raw);
    object::freeze(vm, ro);
    let co = vm.new_array(cooked);
    vm.heap.add_prop(co, key("raw"), Value::Obj(ro), 0);
    object::freeze(vm, co);
    let mut cache = code.template_cache.borrow_mut();
    if cache.len() <= k {
        cache.resize(k + 1, None);
    }
    cache[k] = Some(co);
    vm.templates.push(co);
    co
}

/// A data descriptor helper for built-ins: `{value, writable, enumerable, configurable}`.
pub(crate) fn data_desc(v: Value, w: bool, e: bool, c: bool) -> PropDesc {
    PropDesc {
        value: Some(v),
        get: None,
        set: None,
        writable: Some(w),
        enumerable: Some(e),
        configurable: Some(c),
    }
}

/// Throws a RangeError.
pub(crate) fn range_err<T>(vm: &mut Vm, msg: &str) -> Res<T> {
    vm.throw(ErrorKind::Range, msg)
}

/// ISO text of a time value for `inspect`.
pub(crate) fn number_math_iso(t: f64) -> Option<String> {
    t.is_finite().then(|| number_math::iso(t))
}

/// Installs test262's `$262` host object (INTERPRETING.md "Host-Defined
/// Functions"): `global`, `gc()`, `evalScript(text)`; no `createRealm`,
/// `detachArrayBuffer` or `agent`.
pub fn install_test262_host(vm: &mut Vm) {
    let h = vm.new_object();
    let g = vm.realm.global.expect("global");
    vm.heap
        .add_prop(h, key("global"), Value::Obj(g), METHOD_ATTRS);
    vm.def_fn(h, "gc", 0, |vm, _, _, _| {
        vm.request_gc();
        Ok(Value::Undefined)
    });
    vm.def_fn(h, "evalScript", 1, |vm, _, args, _| {
        let Value::Str(s) = arg(args, 0) else {
            return vm.type_err("evalScript expects a string");
        };
        match crate::compile("<evalScript>", &s.to_rust(), false, false, false) {
            Ok(code) => vm.run_script(code),
            Err(e) => vm.throw(ErrorKind::Syntax, &e.to_string()),
        }
    });
    vm.heap
        .add_prop(g, key("$262"), Value::Obj(h), METHOD_ATTRS);
}
