//! `Object` and `Object.prototype` (ECMA-262 §20.1).

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto.expect("object proto");
    let c = make_ctor(vm, "Object", 1, object_ctor, op);
    for (n, l, f) in [
        ("keys", 1, keys as NativeFn),
        ("values", 1, values),
        ("entries", 1, entries),
        ("assign", 2, assign),
        ("freeze", 1, freeze_fn),
        ("isFrozen", 1, is_frozen),
        ("seal", 1, seal_fn),
        ("isSealed", 1, is_sealed),
        ("preventExtensions", 1, prevent_extensions),
        ("isExtensible", 1, is_extensible),
        ("getPrototypeOf", 1, get_prototype_of),
        ("setPrototypeOf", 2, set_prototype_of),
        ("create", 2, create),
        ("defineProperty", 3, define_property),
        ("defineProperties", 2, define_properties),
        ("getOwnPropertyNames", 1, get_own_property_names),
        ("getOwnPropertySymbols", 1, get_own_property_symbols),
        ("getOwnPropertyDescriptor", 2, get_own_property_descriptor),
        ("getOwnPropertyDescriptors", 1, get_own_property_descriptors),
        ("is", 2, is),
        ("fromEntries", 1, from_entries),
    ] {
        vm.def_fn(c, n, l, f);
    }
    for (n, l, f) in [
        ("hasOwnProperty", 1, has_own_property as NativeFn),
        ("isPrototypeOf", 1, is_prototype_of),
        ("propertyIsEnumerable", 1, property_is_enumerable),
        ("toString", 0, to_string),
        ("toLocaleString", 0, to_locale_string),
        ("valueOf", 0, value_of),
    ] {
        vm.def_fn(op, n, l, f);
    }
    let g = vm.native("get __proto__", 0, proto_get, false);
    let s = vm.native("set __proto__", 1, proto_set, false);
    let acc = vm
        .heap
        .alloc(None, Class::Accessor(Value::Obj(g), Value::Obj(s)));
    vm.heap.add_prop(
        op,
        key("__proto__"),
        Value::Obj(acc),
        ACCESSOR | CONFIGURABLE,
    );
}

fn object_ctor(vm: &mut Vm, this: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    if is_construct(&this) {
        let nt = vm.native_new_target.clone();
        if !matches!(nt, Value::Obj(o) if o == callee) && !nt.is_undefined() {
            let p = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Object)?;
            return Ok(Value::Obj(vm.heap.alloc(Some(p), Class::Ordinary)));
        }
    }
    let v = arg(args, 0);
    if v.is_nullish() {
        return Ok(Value::Obj(vm.new_object()));
    }
    Ok(Value::Obj(vm.to_object(&v)?))
}

/// EnumerableOwnProperties (§7.3.23): kind 0 keys, 1 values, 2 entries.
pub(crate) fn enumerable_own(vm: &mut Vm, o: ObjId, kind: u8) -> Res<Vec<Value>> {
    let mut out = Vec::new();
    for k in vm.own_keys(o) {
        let PropKey::Str(s) = &k else { continue };
        if vm
            .get_own_property(o, &k)
            .is_some_and(|d| d.enumerable == Some(true))
        {
            match kind {
                0 => out.push(Value::Str(s.clone())),
                1 => out.push(vm.get(o, &k, &Value::Obj(o))?),
                _ => {
                    let v = vm.get(o, &k, &Value::Obj(o))?;
                    let pair = vm.new_array(vec![Value::Str(s.clone()), v]);
                    out.push(Value::Obj(pair));
                }
            }
        }
    }
    Ok(out)
}

fn keys(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let v = enumerable_own(vm, o, 0)?;
    Ok(Value::Obj(vm.new_array(v)))
}
fn values(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let v = enumerable_own(vm, o, 1)?;
    Ok(Value::Obj(vm.new_array(v)))
}
fn entries(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let v = enumerable_own(vm, o, 2)?;
    Ok(Value::Obj(vm.new_array(v)))
}

fn assign(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let to = vm.to_object(&arg(args, 0))?;
    for src in args.iter().skip(1) {
        if src.is_nullish() {
            continue;
        }
        let from = vm.to_object(src)?;
        for k in vm.own_keys(from) {
            if vm
                .get_own_property(from, &k)
                .is_some_and(|d| d.enumerable == Some(true))
            {
                let v = vm.get(from, &k, &Value::Obj(from))?;
                if !vm.set(to, k, v, &Value::Obj(to))? {
                    return vm.type_err("Cannot assign to read only property");
                }
            }
        }
    }
    Ok(Value::Obj(to))
}

/// SetIntegrityLevel frozen (§7.3.15).
pub(crate) fn freeze(vm: &mut Vm, o: ObjId) {
    set_integrity(vm, o, true);
}

fn set_integrity(vm: &mut Vm, o: ObjId, frozen: bool) {
    if let Class::Array(_) = vm.heap.get(o).class {
        // move elements into the shape so attributes can be recorded
        let _ = vm.define_own_property(
            o,
            key("length"),
            PropDesc {
                writable: frozen.then_some(false),
                ..PropDesc::default()
            },
        );
    }
    vm.heap.get_mut(o).extensible = false;
    for k in vm.own_keys(o) {
        let mut d = PropDesc {
            configurable: Some(false),
            ..PropDesc::default()
        };
        if frozen && vm.get_own_property(o, &k).is_some_and(|d| d.is_data()) {
            d.writable = Some(false);
        }
        let _ = vm.define_own_property(o, k, d);
    }
}

fn test_integrity(vm: &mut Vm, o: ObjId, frozen: bool) -> bool {
    if vm.heap.get(o).extensible {
        return false;
    }
    for k in vm.own_keys(o) {
        if let Some(d) = vm.get_own_property(o, &k) {
            if d.configurable == Some(true) {
                return false;
            }
            if frozen && d.is_data() && d.writable == Some(true) {
                return false;
            }
        }
    }
    true
}

fn freeze_fn(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let v = arg(args, 0);
    if let Value::Obj(o) = v {
        freeze(vm, o);
    }
    Ok(v)
}
fn seal_fn(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let v = arg(args, 0);
    if let Value::Obj(o) = v {
        set_integrity(vm, o, false);
    }
    Ok(v)
}
fn is_frozen(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(match arg(args, 0) {
        Value::Obj(o) => test_integrity(vm, o, true),
        _ => true,
    }))
}
fn is_sealed(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(match arg(args, 0) {
        Value::Obj(o) => test_integrity(vm, o, false),
        _ => true,
    }))
}
fn prevent_extensions(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let v = arg(args, 0);
    if let Value::Obj(o) = v {
        vm.heap.get_mut(o).extensible = false;
    }
    Ok(v)
}
fn is_extensible(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(match arg(args, 0) {
        Value::Obj(o) => vm.heap.get(o).extensible,
        _ => false,
    }))
}

fn get_prototype_of(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    Ok(vm.heap.proto(o).map_or(Value::Null, Value::Obj))
}

/// OrdinarySetPrototypeOf (§10.1.2.1): false when not extensible or a cycle would form.
pub(crate) fn set_proto_checked(vm: &mut Vm, o: ObjId, p: Option<ObjId>) -> bool {
    if vm.heap.proto(o) == p {
        return true;
    }
    if !vm.heap.get(o).extensible {
        return false;
    }
    let mut q = p;
    while let Some(x) = q {
        if x == o {
            return false;
        }
        q = vm.heap.proto(x);
    }
    vm.heap.set_proto(o, p);
    true
}

fn set_prototype_of(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let v = arg(args, 0);
    if v.is_nullish() {
        return vm.type_err("Object.setPrototypeOf called on null or undefined");
    }
    let p = match arg(args, 1) {
        Value::Obj(p) => Some(p),
        Value::Null => None,
        _ => return vm.type_err("Object prototype may only be an Object or null"),
    };
    if let Value::Obj(o) = v
        && !set_proto_checked(vm, o, p)
    {
        return vm.type_err("Cannot set prototype (cyclic or not extensible)");
    }
    Ok(v)
}

fn create(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let p = match arg(args, 0) {
        Value::Obj(p) => Some(p),
        Value::Null => None,
        _ => return vm.type_err("Object prototype may only be an Object or null"),
    };
    let o = vm.heap.alloc(p, Class::Ordinary);
    let props = arg(args, 1);
    if !props.is_undefined() {
        define_props(vm, o, &props)?;
    }
    Ok(Value::Obj(o))
}

/// ToPropertyDescriptor (§6.2.6.5).
pub(crate) fn to_property_descriptor(vm: &mut Vm, v: &Value) -> Res<PropDesc> {
    let Value::Obj(o) = v else {
        return vm.type_err("Property description must be an object");
    };
    let o = *o;
    let mut d = PropDesc::default();
    let field = |vm: &mut Vm, n: &str| -> Res<Option<Value>> {
        if vm.has_property(o, &key(n))? {
            Ok(Some(vm.get(o, &key(n), &Value::Obj(o))?))
        } else {
            Ok(None)
        }
    };
    d.enumerable = field(vm, "enumerable")?.map(|v| v.truthy());
    d.configurable = field(vm, "configurable")?.map(|v| v.truthy());
    d.value = field(vm, "value")?;
    d.writable = field(vm, "writable")?.map(|v| v.truthy());
    d.get = field(vm, "get")?;
    d.set = field(vm, "set")?;
    for f in [&d.get, &d.set].into_iter().flatten() {
        if !f.is_undefined() && !vm.is_callable(f) {
            return vm.type_err("Getter/setter must be a function");
        }
    }
    if (d.get.is_some() || d.set.is_some()) && (d.value.is_some() || d.writable.is_some()) {
        return vm.type_err("Invalid property descriptor. Cannot both specify accessors and a value or writable attribute");
    }
    Ok(d)
}

/// FromPropertyDescriptor (§6.2.6.4).
pub(crate) fn from_property_descriptor(vm: &mut Vm, d: &PropDesc) -> Value {
    let o = vm.new_object();
    let put = |vm: &mut Vm, n: &str, v: Value| vm.heap.add_prop(o, key(n), v, DEFAULT_ATTRS);
    if let Some(v) = &d.value {
        put(vm, "value", v.clone());
    }
    if let Some(w) = d.writable {
        put(vm, "writable", Value::Bool(w));
    }
    if let Some(g) = &d.get {
        put(vm, "get", g.clone());
    }
    if let Some(s) = &d.set {
        put(vm, "set", s.clone());
    }
    if let Some(e) = d.enumerable {
        put(vm, "enumerable", Value::Bool(e));
    }
    if let Some(c) = d.configurable {
        put(vm, "configurable", Value::Bool(c));
    }
    Value::Obj(o)
}

fn define_property(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(o) = arg(args, 0) else {
        return vm.type_err("Object.defineProperty called on non-object");
    };
    let k = vm.to_key(&arg(args, 1))?;
    let d = to_property_descriptor(vm, &arg(args, 2))?;
    vm.define_or_throw(o, k, d)?;
    Ok(Value::Obj(o))
}

fn define_props(vm: &mut Vm, o: ObjId, props: &Value) -> Res<()> {
    let p = vm.to_object(props)?;
    let mut descs = Vec::new();
    for k in vm.own_keys(p) {
        if vm
            .get_own_property(p, &k)
            .is_some_and(|d| d.enumerable == Some(true))
        {
            let dv = vm.get(p, &k, &Value::Obj(p))?;
            descs.push((k, to_property_descriptor(vm, &dv)?));
        }
    }
    for (k, d) in descs {
        vm.define_or_throw(o, k, d)?;
    }
    Ok(())
}

fn define_properties(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(o) = arg(args, 0) else {
        return vm.type_err("Object.defineProperties called on non-object");
    };
    define_props(vm, o, &arg(args, 1))?;
    Ok(Value::Obj(o))
}

fn get_own_property_names(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let ks: Vec<Value> = vm
        .own_keys(o)
        .into_iter()
        .filter_map(|k| match k {
            PropKey::Str(s) => Some(Value::Str(s)),
            _ => None,
        })
        .collect();
    Ok(Value::Obj(vm.new_array(ks)))
}
fn get_own_property_symbols(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let ks: Vec<Value> = vm
        .own_keys(o)
        .into_iter()
        .filter_map(|k| match k {
            PropKey::Sym(s) if !vm.is_private(s) => Some(Value::Sym(s)),
            _ => None,
        })
        .collect();
    Ok(Value::Obj(vm.new_array(ks)))
}
fn get_own_property_descriptor(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let k = vm.to_key(&arg(args, 1))?;
    match vm.get_own_property(o, &k) {
        Some(d) => Ok(from_property_descriptor(vm, &d)),
        None => Ok(Value::Undefined),
    }
}
fn get_own_property_descriptors(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let r = vm.new_object();
    for k in vm.own_keys(o) {
        if let Some(d) = vm.get_own_property(o, &k) {
            let dv = from_property_descriptor(vm, &d);
            vm.create_data_property(r, k, dv)?;
        }
    }
    Ok(Value::Obj(r))
}
fn is(_: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(crate::vm::same_value(
        &arg(args, 0),
        &arg(args, 1),
    )))
}
fn from_entries(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let it = arg(args, 0);
    if it.is_nullish() {
        return vm.type_err("Object.fromEntries requires an iterable");
    }
    let items = vm.iterate_to_vec(&it)?;
    let o = vm.new_object();
    for e in items {
        if !matches!(e, Value::Obj(_)) {
            return vm.type_err("Iterator value is not an entry object");
        }
        let k = vm.get_v(&e, &PropKey::from_index(0))?;
        let v = vm.get_v(&e, &PropKey::from_index(1))?;
        let k = vm.to_key(&k)?;
        vm.create_data_property(o, k, v)?;
    }
    Ok(Value::Obj(o))
}

fn has_own_property(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let k = vm.to_key(&arg(args, 0))?;
    let o = vm.to_object(&this)?;
    Ok(Value::Bool(vm.get_own_property(o, &k).is_some()))
}
fn is_prototype_of(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(mut v) = arg(args, 0) else {
        return Ok(Value::Bool(false));
    };
    let o = vm.to_object(&this)?;
    while let Some(p) = vm.heap.proto(v) {
        if p == o {
            return Ok(Value::Bool(true));
        }
        v = p;
    }
    Ok(Value::Bool(false))
}
fn property_is_enumerable(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let k = vm.to_key(&arg(args, 0))?;
    let o = vm.to_object(&this)?;
    Ok(Value::Bool(
        vm.get_own_property(o, &k)
            .is_some_and(|d| d.enumerable == Some(true)),
    ))
}

/// Object.prototype.toString (§20.1.3.6).
pub(crate) fn to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let tag = match &this {
        Value::Undefined => return Ok(Value::str("[object Undefined]")),
        Value::Null => return Ok(Value::str("[object Null]")),
        _ => {
            let o = vm.to_object(&this)?;
            let builtin = match &vm.heap.get(o).class {
                Class::Array(_) => "Array",
                Class::Function(_) => "Function",
                Class::Error => "Error",
                Class::Boolean(_) => "Boolean",
                Class::Number(_) => "Number",
                Class::String(_) => "String",
                Class::Date(_) => "Date",
                Class::RegExp(_) => "RegExp",
                Class::Arguments => "Arguments",
                _ => "Object",
            };
            let ts = PropKey::Sym(vm.realm.sym_to_string_tag.expect("tag"));
            match vm.get(o, &ts, &this)? {
                Value::Str(s) => s.to_rust(),
                _ => builtin.to_string(),
            }
        }
    };
    Ok(Value::str(&format!("[object {tag}]")))
}
fn to_locale_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let f = vm.get_str(&this, "toString")?;
    vm.call(&f, this, &[])
}
fn value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Obj(vm.to_object(&this)?))
}
fn proto_get(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    Ok(vm.heap.proto(o).map_or(Value::Null, Value::Obj))
}
fn proto_set(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if this.is_nullish() {
        return vm.type_err("Object.prototype.__proto__ called on null or undefined");
    }
    let p = match arg(args, 0) {
        Value::Obj(p) => Some(p),
        Value::Null => None,
        _ => return Ok(Value::Undefined),
    };
    if let Value::Obj(o) = this
        && !set_proto_checked(vm, o, p)
    {
        return vm.type_err("Cyclic __proto__ value");
    }
    Ok(Value::Undefined)
}

fn has_own(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&arg(args, 0))?;
    let k = vm.to_key(&arg(args, 1))?;
    Ok(Value::Bool(vm.get_own_property(o, &k).is_some()))
}

/// The `Reflect` namespace (§28.1).
pub(super) fn install_reflect(vm: &mut Vm) {
    let r = vm.new_object();
    let g = vm.realm.global.expect("global");
    vm.heap
        .add_prop(g, key("Reflect"), Value::Obj(r), METHOD_ATTRS);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap
        .add_prop(r, PropKey::Sym(tag), Value::str("Reflect"), CONFIGURABLE);
    for (n, l, f) in [
        ("apply", 3, reflect_apply as NativeFn),
        ("construct", 2, reflect_construct),
        ("defineProperty", 3, reflect_define_property),
        ("deleteProperty", 2, reflect_delete_property),
        ("get", 2, reflect_get),
        ("getOwnPropertyDescriptor", 2, reflect_gopd),
        ("getPrototypeOf", 1, reflect_get_prototype_of),
        ("has", 2, reflect_has),
        ("isExtensible", 1, reflect_is_extensible),
        ("ownKeys", 1, reflect_own_keys),
        ("preventExtensions", 1, reflect_prevent_extensions),
        ("set", 3, reflect_set),
        ("setPrototypeOf", 2, reflect_set_prototype_of),
    ] {
        vm.def_fn(r, n, l, f);
    }
    let c = vm
        .heap
        .find(g, &key("Object"))
        .map(|(s, _)| vm.heap.get(g).slots[s as usize].load());
    if let Some(Value::Obj(c)) = c {
        vm.def_fn(c, "hasOwn", 2, has_own);
    }
}

fn target(vm: &mut Vm, args: &[Value]) -> Res<ObjId> {
    match arg(args, 0) {
        Value::Obj(o) => Ok(o),
        _ => vm.type_err("Reflect method called on non-object"),
    }
}
fn reflect_apply(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let f = arg(args, 0);
    if !vm.is_callable(&f) {
        return vm.type_err("Reflect.apply target is not callable");
    }
    let list = super::function::list_from_array_like(vm, &arg(args, 2))?;
    vm.call(&f, arg(args, 1), &list)
}
fn reflect_construct(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let f = arg(args, 0);
    if !vm.is_constructor(&f) {
        return vm.type_err("Reflect.construct target is not a constructor");
    }
    let nt = if args.len() > 2 {
        arg(args, 2)
    } else {
        f.clone()
    };
    if !vm.is_constructor(&nt) {
        return vm.type_err("Reflect.construct newTarget is not a constructor");
    }
    let list = super::function::list_from_array_like(vm, &arg(args, 1))?;
    vm.construct(&f, &list, &nt)
}
fn reflect_define_property(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    let d = to_property_descriptor(vm, &arg(args, 2))?;
    Ok(Value::Bool(vm.define_own_property(o, k, d)?))
}
fn reflect_delete_property(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    Ok(Value::Bool(vm.delete(o, &k)?))
}
fn reflect_get(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    let recv = if args.len() > 2 {
        arg(args, 2)
    } else {
        Value::Obj(o)
    };
    vm.get(o, &k, &recv)
}
fn reflect_gopd(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    match vm.get_own_property(o, &k) {
        Some(d) => Ok(from_property_descriptor(vm, &d)),
        None => Ok(Value::Undefined),
    }
}
fn reflect_get_prototype_of(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    Ok(vm.heap.proto(o).map_or(Value::Null, Value::Obj))
}
fn reflect_has(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    Ok(Value::Bool(vm.has_property(o, &k)?))
}
fn reflect_is_extensible(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    Ok(Value::Bool(vm.heap.get(o).extensible))
}
fn reflect_own_keys(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let ks: Vec<Value> = vm
        .own_keys(o)
        .into_iter()
        .filter(|k| !matches!(k, PropKey::Sym(s) if vm.is_private(*s)))
        .map(|k| vm.key_value(&k))
        .collect();
    Ok(Value::Obj(vm.new_array(ks)))
}
fn reflect_prevent_extensions(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    vm.heap.get_mut(o).extensible = false;
    Ok(Value::Bool(true))
}
fn reflect_set(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let k = vm.to_key(&arg(args, 1))?;
    let recv = if args.len() > 3 {
        arg(args, 3)
    } else {
        Value::Obj(o)
    };
    Ok(Value::Bool(vm.set(o, k, arg(args, 2), &recv)?))
}
fn reflect_set_prototype_of(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = target(vm, args)?;
    let p = match arg(args, 1) {
        Value::Obj(p) => Some(p),
        Value::Null => None,
        _ => return vm.type_err("Object prototype may only be an Object or null"),
    };
    Ok(Value::Bool(set_proto_checked(vm, o, p)))
}
