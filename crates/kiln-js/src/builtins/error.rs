//! `Error` and the NativeError constructors (ECMA-262 §20.5).

use super::*;
use crate::vm::ProtoKind;

const NAMES: [&str; 6] = [
    "TypeError",
    "ReferenceError",
    "SyntaxError",
    "RangeError",
    "EvalError",
    "URIError",
];

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let ep = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.error_proto = Some(ep);
    let ec = make_ctor(vm, "Error", 1, error_ctor, ep);
    let _ = ec;
    vm.def_val(ep, "name", Value::str("Error"), METHOD_ATTRS);
    vm.def_val(ep, "message", Value::str(""), METHOD_ATTRS);
    vm.def_fn(ep, "toString", 0, to_string);
    let mut protos = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let p = vm.heap.alloc(Some(ep), Class::Ordinary);
        let c = make_ctor(vm, name, 1, native_error_ctor, p);
        if let Class::Function(f) = &mut vm.heap.get_mut(c).class
            && let FuncKind::Native { slots, .. } = &mut f.kind
        {
            slots.push(Value::Num(i as f64));
        }
        vm.heap.set_proto(c, Some(ec));
        vm.def_val(p, "name", Value::str(name), METHOD_ATTRS);
        vm.def_val(p, "message", Value::str(""), METHOD_ATTRS);
        protos.push(p);
    }
    vm.realm.error_protos = protos;
}

fn build(vm: &mut Vm, this: &Value, args: &[Value], callee: ObjId, kind: ProtoKind) -> Res<Value> {
    let nt = if is_construct(this) {
        vm.native_new_target.clone()
    } else {
        Value::Obj(callee)
    };
    let proto = vm.get_prototype_from_ctor(&nt, kind)?;
    let o = vm.heap.alloc(Some(proto), Class::Error);
    let msg = arg(args, 0);
    if !msg.is_undefined() {
        let m = vm.to_string(&msg)?;
        vm.heap
            .add_prop(o, key("message"), Value::Str(m), METHOD_ATTRS);
    }
    if let Value::Obj(opts) = arg(args, 1)
        && vm.has_property(opts, &key("cause"))?
    {
        let c = vm.get_str(&Value::Obj(opts), "cause")?;
        vm.heap.add_prop(o, key("cause"), c, METHOD_ATTRS);
    }
    let head = {
        let name = vm.get_str(&Value::Obj(o), "name")?;
        let name = vm.to_string(&name)?.to_rust();
        let m = match &msg {
            Value::Undefined => String::new(),
            v => vm.to_string(v)?.to_rust(),
        };
        if m.is_empty() {
            name
        } else {
            format!("{name}: {m}")
        }
    };
    let stack = vm.stack_trace();
    vm.heap.add_prop(
        o,
        key("stack"),
        Value::str(&format!("{head}\n{stack}")),
        METHOD_ATTRS,
    );
    Ok(Value::Obj(o))
}

fn error_ctor(vm: &mut Vm, this: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    build(vm, &this, args, callee, ProtoKind::Error(6))
}

fn native_error_ctor(vm: &mut Vm, this: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let i = match slot(vm, callee, 0) {
        Value::Num(n) => n as usize,
        _ => 6,
    };
    build(vm, &this, args, callee, ProtoKind::Error(i))
}

/// Error.prototype.toString (§20.5.3.4).
fn to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("Error.prototype.toString called on non-object");
    }
    let name = vm.get_str(&this, "name")?;
    let name = if name.is_undefined() {
        "Error".to_string()
    } else {
        vm.to_string(&name)?.to_rust()
    };
    let msg = vm.get_str(&this, "message")?;
    let msg = if msg.is_undefined() {
        String::new()
    } else {
        vm.to_string(&msg)?.to_rust()
    };
    Ok(Value::str(&if name.is_empty() {
        msg
    } else if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    }))
}

/// `Name: message` of a thrown value for error reports (never throws).
pub fn error_summary(vm: &mut Vm, v: &Value) -> String {
    let n = vm.temp_roots.len();
    vm.temp_roots.push(v.clone());
    let s = match v {
        Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::Error) => {
            to_string(vm, v.clone(), &[], *o)
                .ok()
                .and_then(|s| match s {
                    Value::Str(s) => Some(s.to_rust()),
                    _ => None,
                })
                .unwrap_or_else(|| "Error".into())
        }
        Value::Str(s) => s.to_rust(),
        Value::Obj(_) => {
            let name = vm.get_str(v, "name").ok().filter(|n| !n.is_undefined());
            let msg = vm.get_str(v, "message").ok().filter(|n| !n.is_undefined());
            match (name, msg) {
                (Some(Value::Str(n)), Some(Value::Str(m))) => format!("{n}: {m}"),
                (Some(Value::Str(n)), None) => n.to_rust(),
                _ => super::inspect(vm, v),
            }
        }
        other => super::inspect(vm, other),
    };
    vm.temp_roots.truncate(n);
    s
}
