//! `Map` and `Set` (ECMA-262 §24.1, §24.2) over insertion-ordered
//! SameValueZero hash storage ([`MapData`]), and their iterators.

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    let it = vm.realm.sym_iterator.expect("iterator");
    let species = vm.realm.sym_species.expect("species");

    let mp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.map_proto = Some(mp);
    let mc = make_ctor(vm, "Map", 0, map_ctor, mp);
    def_getter(vm, mc, PropKey::Sym(species), super::function::return_this);
    vm.def_fn(mp, "get", 1, map_get);
    vm.def_fn(mp, "set", 2, map_set);
    vm.def_fn(mp, "has", 1, has);
    vm.def_fn(mp, "delete", 1, delete);
    vm.def_fn(mp, "clear", 0, clear);
    vm.def_fn(mp, "forEach", 1, for_each);
    vm.def_fn(mp, "keys", 0, |vm, t, _, _| iter(vm, t, 4));
    vm.def_fn(mp, "values", 0, |vm, t, _, _| iter(vm, t, 5));
    let e = vm.def_fn(mp, "entries", 0, |vm, t, _, _| iter(vm, t, 6));
    vm.heap
        .add_prop(mp, PropKey::Sym(it), Value::Obj(e), METHOD_ATTRS);
    def_getter(vm, mp, key("size"), size);
    vm.heap
        .add_prop(mp, PropKey::Sym(tag), Value::str("Map"), CONFIGURABLE);
    let mip = vm.heap.alloc(vm.realm.iterator_proto, Class::Ordinary);
    vm.realm.map_iter_proto = Some(mip);
    vm.def_fn(mip, "next", 0, iter_next);
    vm.heap.add_prop(
        mip,
        PropKey::Sym(tag),
        Value::str("Map Iterator"),
        CONFIGURABLE,
    );

    let sp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.set_proto = Some(sp);
    let sc = make_ctor(vm, "Set", 0, set_ctor, sp);
    def_getter(vm, sc, PropKey::Sym(species), super::function::return_this);
    vm.def_fn(sp, "add", 1, set_add);
    vm.def_fn(sp, "has", 1, has);
    vm.def_fn(sp, "delete", 1, delete);
    vm.def_fn(sp, "clear", 0, clear);
    vm.def_fn(sp, "forEach", 1, for_each);
    vm.def_fn(sp, "entries", 0, |vm, t, _, _| iter(vm, t, 8));
    let v = vm.def_fn(sp, "values", 0, |vm, t, _, _| iter(vm, t, 7));
    vm.heap
        .add_prop(sp, key("keys"), Value::Obj(v), METHOD_ATTRS);
    vm.heap
        .add_prop(sp, PropKey::Sym(it), Value::Obj(v), METHOD_ATTRS);
    def_getter(vm, sp, key("size"), size);
    vm.heap
        .add_prop(sp, PropKey::Sym(tag), Value::str("Set"), CONFIGURABLE);
    let sip = vm.heap.alloc(vm.realm.iterator_proto, Class::Ordinary);
    vm.realm.set_iter_proto = Some(sip);
    vm.def_fn(sip, "next", 0, iter_next);
    vm.heap.add_prop(
        sip,
        PropKey::Sym(tag),
        Value::str("Set Iterator"),
        CONFIGURABLE,
    );
}

fn data(vm: &mut Vm, this: &Value, want_set: bool) -> Res<ObjId> {
    if let Value::Obj(o) = this {
        match (&vm.heap.get(*o).class, want_set) {
            (Class::Map(_), false) | (Class::Set(_), true) => return Ok(*o),
            _ => {}
        }
    }
    vm.type_err(if want_set {
        "Method Set.prototype called on incompatible receiver"
    } else {
        "Method Map.prototype called on incompatible receiver"
    })
}

fn md(vm: &mut Vm, o: ObjId) -> &mut MapData {
    match &mut vm.heap.get_mut(o).class {
        Class::Map(m) | Class::Set(m) => m,
        _ => unreachable!("checked by data()"),
    }
}

fn either(vm: &mut Vm, this: &Value) -> Res<ObjId> {
    if let Value::Obj(o) = this
        && matches!(vm.heap.get(*o).class, Class::Map(_) | Class::Set(_))
    {
        return Ok(*o);
    }
    vm.type_err("Method called on incompatible receiver")
}

fn norm(v: &Value) -> Value {
    match v {
        Value::Num(n) if *n == 0.0 => Value::Num(0.0),
        v => v.clone(),
    }
}

fn insert(vm: &mut Vm, o: ObjId, k: Value, v: Value) {
    let mk = MapKey::of(&k);
    let m = md(vm, o);
    if let Some(&i) = m.index.get(&mk) {
        if let Some(e) = &mut m.entries[i] {
            e.1 = v;
        }
        return;
    }
    m.index.insert(mk, m.entries.len());
    m.entries.push(Some((norm(&k), v)));
    m.size += 1;
}

fn construct(vm: &mut Vm, this: &Value, args: &[Value], set: bool) -> Res<Value> {
    if !is_construct(this) {
        return vm.type_err(if set {
            "Constructor Set requires 'new'"
        } else {
            "Constructor Map requires 'new'"
        });
    }
    let nt = vm.native_new_target.clone();
    let kind = if set {
        crate::vm::ProtoKind::Set
    } else {
        crate::vm::ProtoKind::Map
    };
    let proto = vm.get_prototype_from_ctor(&nt, kind)?;
    let class = if set {
        Class::Set(Box::default())
    } else {
        Class::Map(Box::default())
    };
    let o = vm.heap.alloc(Some(proto), class);
    let src = arg(args, 0);
    if src.is_nullish() {
        return Ok(Value::Obj(o));
    }
    vm.temp_roots.push(Value::Obj(o));
    let r = (|| {
        let adder = vm.get_str(&Value::Obj(o), if set { "add" } else { "set" })?;
        if !vm.is_callable(&adder) {
            return vm.type_err("adder is not a function");
        }
        let (it, next) = vm.get_iterator(&src)?;
        vm.temp_roots.push(it.clone());
        while let Some(item) = vm.iter_step(&it, &next)? {
            let r = if set {
                vm.call(&adder, Value::Obj(o), &[item])
            } else if !matches!(item, Value::Obj(_)) {
                vm.type_err("Iterator value is not an entry object")
            } else {
                (|| {
                    let k = vm.get_v(&item, &PropKey::from_index(0))?;
                    let v = vm.get_v(&item, &PropKey::from_index(1))?;
                    vm.call(&adder, Value::Obj(o), &[k, v])
                })()
            };
            if let Err(e) = r {
                let _ = vm.iter_close(&it);
                return Err(e);
            }
        }
        Ok(Value::Obj(o))
    })();
    vm.temp_roots.pop();
    r
}

fn map_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    construct(vm, &this, args, false)
}
fn set_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    construct(vm, &this, args, true)
}
fn map_get(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = data(vm, &this, false)?;
    let mk = MapKey::of(&arg(args, 0));
    let m = md(vm, o);
    Ok(m.index
        .get(&mk)
        .and_then(|&i| m.entries[i].as_ref())
        .map_or(Value::Undefined, |e| e.1.clone()))
}
fn map_set(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = data(vm, &this, false)?;
    insert(vm, o, arg(args, 0), arg(args, 1));
    Ok(this)
}
fn set_add(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = data(vm, &this, true)?;
    let k = arg(args, 0);
    insert(vm, o, k.clone(), k);
    Ok(this)
}
fn has(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = either(vm, &this)?;
    let mk = MapKey::of(&arg(args, 0));
    Ok(Value::Bool(md(vm, o).index.contains_key(&mk)))
}
fn delete(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = either(vm, &this)?;
    let mk = MapKey::of(&arg(args, 0));
    let m = md(vm, o);
    Ok(Value::Bool(match m.index.remove(&mk) {
        Some(i) => {
            m.entries[i] = None;
            m.size -= 1;
            true
        }
        None => false,
    }))
}
fn clear(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = either(vm, &this)?;
    let m = md(vm, o);
    for e in m.entries.iter_mut() {
        *e = None;
    }
    m.index.clear();
    m.size = 0;
    Ok(Value::Undefined)
}
fn size(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = either(vm, &this)?;
    Ok(Value::Num(md(vm, o).size as f64))
}
fn for_each(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = either(vm, &this)?;
    let f = arg(args, 0);
    if !vm.is_callable(&f) {
        return vm.type_err("forEach callback is not a function");
    }
    let t = arg(args, 1);
    let mut i = 0;
    loop {
        let e = {
            let m = md(vm, o);
            if i >= m.entries.len() {
                break;
            }
            m.entries[i].clone()
        };
        i += 1;
        if let Some((k, v)) = e {
            vm.call(&f, t.clone(), &[v, k, this.clone()])?;
        }
    }
    Ok(Value::Undefined)
}
fn iter(vm: &mut Vm, this: Value, kind: u8) -> Res<Value> {
    let o = data(vm, &this, kind >= 7)?;
    let proto = if kind >= 7 {
        vm.realm.set_iter_proto
    } else {
        vm.realm.map_iter_proto
    };
    Ok(super::array::make_iter(vm, proto, Value::Obj(o), kind))
}
fn iter_next(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(it) = this else {
        return vm.type_err("next called on incompatible receiver");
    };
    let (t, pos, kind) = match &vm.heap.get(it).class {
        Class::Iter(t, p, k) if *k >= 4 => (t.clone(), *p, *k),
        _ => return vm.type_err("next called on incompatible receiver"),
    };
    let Value::Obj(o) = t else {
        return Ok(vm.iter_result(Value::Undefined, true));
    };
    let mut p = pos;
    let found = {
        let m = md(vm, o);
        let mut f = None;
        while p < m.entries.len() {
            p += 1;
            if let Some(e) = &m.entries[p - 1] {
                f = Some(e.clone());
                break;
            }
        }
        f
    };
    match found {
        Some((k, v)) => {
            if let Class::Iter(_, pp, _) = &mut vm.heap.get_mut(it).class {
                *pp = p;
            }
            let r = match kind {
                4 | 7 => k,
                5 => v,
                _ => Value::Obj(vm.new_array(vec![k, v])),
            };
            Ok(vm.iter_result(r, false))
        }
        None => {
            if let Class::Iter(t, _, _) = &mut vm.heap.get_mut(it).class {
                *t = Value::Undefined;
            }
            Ok(vm.iter_result(Value::Undefined, true))
        }
    }
}
