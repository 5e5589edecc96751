//! `Array`, `Array.prototype` and array iterators (ECMA-262 §23.1).
//! Methods are generic over array-likes; dense arrays take fast paths.

use super::*;
use crate::slot::Slot;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let ap = vm.heap.alloc(
        op,
        Class::Array(ArrayData {
            dense: Vec::new(),
            len: 0,
            len_writable: true,
            sparse: false,
        }),
    );
    vm.realm.array_proto = Some(ap);
    let c = make_ctor(vm, "Array", 1, array_ctor, ap);
    vm.realm.array_ctor = Some(c);
    vm.def_fn(c, "isArray", 1, is_array);
    vm.def_fn(c, "of", 0, of);
    vm.def_fn(c, "from", 1, from);
    let species = vm.realm.sym_species.expect("species");
    def_getter(vm, c, PropKey::Sym(species), super::function::return_this);
    for (n, l, f) in [
        ("push", 1, push as NativeFn),
        ("pop", 0, pop),
        ("shift", 0, shift),
        ("unshift", 1, unshift),
        ("slice", 2, slice),
        ("splice", 2, splice),
        ("concat", 1, concat),
        ("join", 1, join),
        ("toString", 0, to_string),
        ("toLocaleString", 0, to_string),
        ("reverse", 0, reverse),
        ("indexOf", 1, index_of),
        ("lastIndexOf", 1, last_index_of),
        ("includes", 1, includes),
        ("find", 1, find),
        ("findIndex", 1, find_index),
        ("findLast", 1, find_last),
        ("findLastIndex", 1, find_last_index),
        ("filter", 1, filter),
        ("map", 1, map),
        ("forEach", 1, for_each),
        ("some", 1, some),
        ("every", 1, every),
        ("reduce", 1, reduce),
        ("reduceRight", 1, reduce_right),
        ("sort", 1, sort),
        ("fill", 1, fill),
        ("keys", 0, keys),
        ("entries", 0, entries),
        ("flat", 0, flat),
        ("flatMap", 1, flat_map),
        ("at", 1, at),
        ("copyWithin", 2, copy_within),
    ] {
        vm.def_fn(ap, n, l, f);
    }
    let vf = vm.def_fn(ap, "values", 0, array_values);
    let it = vm.realm.sym_iterator.expect("iterator");
    vm.heap
        .add_prop(ap, PropKey::Sym(it), Value::Obj(vf), METHOD_ATTRS);
    let aip = vm.heap.alloc(vm.realm.iterator_proto, Class::Ordinary);
    vm.realm.array_iter_proto = Some(aip);
    vm.def_fn(aip, "next", 0, array_iter_next);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap.add_prop(
        aip,
        PropKey::Sym(tag),
        Value::str("Array Iterator"),
        CONFIGURABLE,
    );
}

/// The key of index `i` (canonical numeric string beyond 2^32-2).
pub(crate) fn idx_key(i: f64) -> PropKey {
    if i < 4294967295.0 {
        PropKey::from_index(i as u32)
    } else {
        PropKey::Str(JsStr::from_str(&number_to_string(i)))
    }
}

/// Get(o, i) with a dense fast path.
pub(crate) fn get_i(vm: &mut Vm, o: ObjId, i: f64) -> Res<Value> {
    vm.tick(4)?;
    if let Class::Array(a) = &vm.heap.get(o).class
        && let Some(v) = a.dense.get(i as usize)
        && !v.is_hole()
        && i < 4294967295.0
    {
        return Ok(v.load());
    }
    vm.get(o, &idx_key(i), &Value::Obj(o))
}

/// Set(o, i, v, true).
pub(crate) fn set_i(vm: &mut Vm, o: ObjId, i: f64, v: Value) -> Res<()> {
    vm.tick(4)?;
    vm.put(&Value::Obj(o), idx_key(i), v, true)
}

fn has_i(vm: &mut Vm, o: ObjId, i: f64) -> Res<bool> {
    vm.tick(4)?;
    if let Class::Array(a) = &vm.heap.get(o).class
        && let Some(v) = a.dense.get(i as usize)
        && !v.is_hole()
    {
        return Ok(true);
    }
    vm.has_property(o, &idx_key(i))
}

fn set_len(vm: &mut Vm, o: ObjId, n: f64) -> Res<()> {
    vm.put(&Value::Obj(o), key("length"), Value::Num(n), true)
}

fn this_obj(vm: &mut Vm, this: &Value) -> Res<(ObjId, f64)> {
    let o = vm.to_object(this)?;
    let n = vm.length_of(&Value::Obj(o))?;
    Ok((o, n))
}

/// Relative index argument (§23.1.3 slice etc.): clamps into `0..=len`.
fn rel(vm: &mut Vm, v: &Value, len: f64, default: f64) -> Res<f64> {
    if v.is_undefined() {
        return Ok(default);
    }
    let r = vm.to_integer_or_inf(v)?;
    Ok(if r < 0.0 {
        (len + r).max(0.0)
    } else {
        r.min(len)
    })
}

fn array_ctor(vm: &mut Vm, this: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let nt = if is_construct(&this) {
        vm.native_new_target.clone()
    } else {
        Value::Obj(callee)
    };
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Array)?;
    let a = vm.new_array(Vec::new());
    vm.heap.set_proto(a, Some(proto));
    if args.len() == 1 {
        if let Value::Num(n) = args[0] {
            if n < 0.0 || n != to_uint32(n) as f64 {
                return range_err(vm, "Invalid array length");
            }
            if let Class::Array(d) = &mut vm.heap.get_mut(a).class {
                d.len = n as u32;
                if n <= 1_000_000.0 {
                    d.dense = (0..n as usize).map(|_| Slot::hole()).collect();
                }
            }
        } else if let Class::Array(d) = &mut vm.heap.get_mut(a).class {
            d.dense.push(Slot::of(args[0].clone()));
            d.len = 1;
        }
    } else if let Class::Array(d) = &mut vm.heap.get_mut(a).class {
        d.dense = crate::slot::slots_of(args);
        d.len = args.len() as u32;
    }
    Ok(Value::Obj(a))
}

fn is_array(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(vm.is_array(&arg(args, 0))))
}

fn of(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Obj(vm.new_array(args.to_vec())))
}

fn from(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let items = arg(args, 0);
    let f = arg(args, 1);
    let this_arg = arg(args, 2);
    if !f.is_undefined() && !vm.is_callable(&f) {
        return vm.type_err("Array.from: mapper is not a function");
    }
    if items.is_nullish() {
        return vm.type_err("Array.from requires an array-like or iterable");
    }
    let it = PropKey::Sym(vm.realm.sym_iterator.expect("iterator"));
    let vals = if vm.get_method(&items, &it)?.is_some() {
        vm.iterate_to_vec(&items)?
    } else {
        let o = vm.to_object(&items)?;
        let n = vm.length_of(&Value::Obj(o))?;
        let mut v = Vec::new();
        for i in 0..n as u64 {
            v.push(get_i(vm, o, i as f64)?);
        }
        v
    };
    let a = vm.new_array(Vec::new());
    vm.temp_roots.push(Value::Obj(a));
    let r = (|| {
        for (i, v) in vals.into_iter().enumerate() {
            let v = if f.is_undefined() {
                v
            } else {
                vm.call(&f, this_arg.clone(), &[v, Value::Num(i as f64)])?
            };
            array_push(vm, a, v);
        }
        Ok(Value::Obj(a))
    })();
    vm.temp_roots.pop();
    r
}

/// Appends to a dense array.
pub(crate) fn array_push(vm: &mut Vm, a: ObjId, v: Value) {
    if let Class::Array(d) = &mut vm.heap.get_mut(a).class {
        d.dense.push(Slot::of(v));
        d.len = d.dense.len() as u32;
    }
}

fn push(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if let Value::Obj(o) = this
        && let Class::Array(d) = &mut vm.heap.get_mut(o).class
        && !d.sparse
        && d.len_writable
        && d.dense.len() == d.len as usize
        && vm.heap.get(o).extensible
    {
        let Class::Array(d) = &mut vm.heap.get_mut(o).class else {
            unreachable!()
        };
        d.dense.extend(args.iter().cloned().map(Slot::of));
        d.len = d.dense.len() as u32;
        return Ok(Value::Num(d.len as f64));
    }
    let (o, mut n) = this_obj(vm, &this)?;
    if n + args.len() as f64 > 9007199254740991.0 {
        return vm.type_err("Pushing would exceed the maximum array length");
    }
    for a in args {
        set_i(vm, o, n, a.clone())?;
        n += 1.0;
    }
    set_len(vm, o, n)?;
    Ok(Value::Num(n))
}

fn pop(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    if let Value::Obj(o) = this
        && let Class::Array(d) = &mut vm.heap.get_mut(o).class
        && !d.sparse
        && d.len_writable
        && d.dense.len() == d.len as usize
        && d.dense.last().is_some_and(|v| !v.is_hole())
    {
        let v = d.dense.pop().unwrap_or_default();
        d.len -= 1;
        return Ok(v.into_value());
    }
    let (o, n) = this_obj(vm, &this)?;
    if n == 0.0 {
        set_len(vm, o, 0.0)?;
        return Ok(Value::Undefined);
    }
    let v = get_i(vm, o, n - 1.0)?;
    if !vm.delete(o, &idx_key(n - 1.0))? {
        return vm.type_err("Cannot delete array element");
    }
    set_len(vm, o, n - 1.0)?;
    Ok(v)
}

fn shift(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    if let Value::Obj(o) = this
        && let Class::Array(d) = &mut vm.heap.get_mut(o).class
        && !d.sparse
        && d.len_writable
        && d.dense.len() == d.len as usize
        && !d.dense.iter().any(|v| v.is_hole())
    {
        if d.dense.is_empty() {
            return Ok(Value::Undefined);
        }
        let v = d.dense.remove(0);
        d.len -= 1;
        return Ok(v.into_value());
    }
    let (o, n) = this_obj(vm, &this)?;
    if n == 0.0 {
        set_len(vm, o, 0.0)?;
        return Ok(Value::Undefined);
    }
    let first = get_i(vm, o, 0.0)?;
    for k in 1..n as u64 {
        let k = k as f64;
        if has_i(vm, o, k)? {
            let v = get_i(vm, o, k)?;
            set_i(vm, o, k - 1.0, v)?;
        } else if !vm.delete(o, &idx_key(k - 1.0))? {
            return vm.type_err("Cannot delete array element");
        }
    }
    vm.delete(o, &idx_key(n - 1.0))?;
    set_len(vm, o, n - 1.0)?;
    Ok(first)
}

fn unshift(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let c = args.len() as f64;
    if c > 0.0 {
        if n + c > 9007199254740991.0 {
            return vm.type_err("Unshift would exceed the maximum array length");
        }
        let mut k = n;
        while k > 0.0 {
            if has_i(vm, o, k - 1.0)? {
                let v = get_i(vm, o, k - 1.0)?;
                set_i(vm, o, k + c - 1.0, v)?;
            } else {
                vm.delete(o, &idx_key(k + c - 1.0))?;
            }
            k -= 1.0;
        }
        for (j, a) in args.iter().enumerate() {
            set_i(vm, o, j as f64, a.clone())?;
        }
    }
    set_len(vm, o, n + c)?;
    Ok(Value::Num(n + c))
}

fn slice(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let k = rel(vm, &arg(args, 0), n, 0.0)?;
    let end = rel(vm, &arg(args, 1), n, n)?;
    let mut out = Vec::new();
    let mut i = k;
    while i < end {
        out.push(if has_i(vm, o, i)? {
            get_i(vm, o, i)?
        } else {
            Value::Empty
        });
        i += 1.0;
    }
    Ok(Value::Obj(vm.new_array(out)))
}

fn splice(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let start = rel(vm, &arg(args, 0), n, 0.0)?;
    let del = if args.is_empty() {
        0.0
    } else if args.len() == 1 {
        n - start
    } else {
        vm.to_integer_or_inf(&args[1])?.clamp(0.0, n - start)
    };
    let items: Vec<Value> = args.iter().skip(2).cloned().collect();
    let ic = items.len() as f64;
    let mut removed = Vec::new();
    for i in 0..del as u64 {
        let i = start + i as f64;
        removed.push(if has_i(vm, o, i)? {
            get_i(vm, o, i)?
        } else {
            Value::Empty
        });
    }
    let ra = vm.new_array(removed);
    vm.temp_roots.push(Value::Obj(ra));
    let r = (|| {
        if ic < del {
            let mut k = start;
            while k < n - del {
                let (from, to) = (k + del, k + ic);
                if has_i(vm, o, from)? {
                    let v = get_i(vm, o, from)?;
                    set_i(vm, o, to, v)?;
                } else {
                    vm.delete(o, &idx_key(to))?;
                }
                k += 1.0;
            }
            let mut k = n;
            while k > n - del + ic {
                vm.delete(o, &idx_key(k - 1.0))?;
                k -= 1.0;
            }
        } else if ic > del {
            let mut k = n - del;
            while k > start {
                let (from, to) = (k + del - 1.0, k + ic - 1.0);
                if has_i(vm, o, from)? {
                    let v = get_i(vm, o, from)?;
                    set_i(vm, o, to, v)?;
                } else {
                    vm.delete(o, &idx_key(to))?;
                }
                k -= 1.0;
            }
        }
        for (j, it) in items.into_iter().enumerate() {
            set_i(vm, o, start + j as f64, it)?;
        }
        set_len(vm, o, n - del + ic)?;
        Ok(Value::Obj(ra))
    })();
    vm.temp_roots.pop();
    r
}

fn is_spreadable(vm: &mut Vm, v: &Value) -> Res<bool> {
    let Value::Obj(o) = v else { return Ok(false) };
    let k = PropKey::Sym(vm.realm.sym_is_concat_spreadable.expect("spreadable"));
    let s = vm.get(*o, &k, v)?;
    if !s.is_undefined() {
        return Ok(s.truthy());
    }
    Ok(vm.is_array(v))
}

fn concat(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    let mut out = Vec::new();
    let mut all = vec![Value::Obj(o)];
    all.extend_from_slice(args);
    for e in all {
        if is_spreadable(vm, &e)? {
            let Value::Obj(eo) = e else { unreachable!() };
            let n = vm.length_of(&e)?;
            for i in 0..n as u64 {
                let i = i as f64;
                out.push(if has_i(vm, eo, i)? {
                    get_i(vm, eo, i)?
                } else {
                    Value::Empty
                });
            }
        } else {
            out.push(e);
        }
    }
    Ok(Value::Obj(vm.new_array(out)))
}

fn join(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let sep = match arg(args, 0) {
        Value::Undefined => JsStr::from_str(","),
        v => vm.to_string(&v)?,
    };
    if vm.native_depth > 100 {
        return Ok(Value::str(""));
    }
    let mut out: Vec<u16> = Vec::new();
    for i in 0..n as u64 {
        if i > 0 {
            out.extend_from_slice(sep.units());
        }
        let v = get_i(vm, o, i as f64)?;
        if !v.is_nullish() {
            out.extend_from_slice(vm.to_string(&v)?.units());
        }
        if out.len() > 1 << 26 {
            return range_err(vm, "Invalid string length");
        }
    }
    Ok(Value::Str(JsStr::from_units(out)))
}

fn to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    let f = vm.get_str(&Value::Obj(o), "join")?;
    if vm.is_callable(&f) {
        return vm.call(&f, Value::Obj(o), &[]);
    }
    super::object::to_string(vm, Value::Obj(o), &[], o)
}

fn reverse(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let mut lo = 0.0;
    while lo < (n / 2.0).floor() {
        let hi = n - lo - 1.0;
        let (le, he) = (has_i(vm, o, lo)?, has_i(vm, o, hi)?);
        let lv = if le {
            get_i(vm, o, lo)?
        } else {
            Value::Undefined
        };
        let hv = if he {
            get_i(vm, o, hi)?
        } else {
            Value::Undefined
        };
        if he {
            set_i(vm, o, lo, hv)?;
        } else {
            vm.delete(o, &idx_key(lo))?;
        }
        if le {
            set_i(vm, o, hi, lv)?;
        } else {
            vm.delete(o, &idx_key(hi))?;
        }
        lo += 1.0;
    }
    Ok(Value::Obj(o))
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let t = arg(args, 0);
    let mut i = rel(vm, &arg(args, 1), n, 0.0)?;
    while i < n {
        if has_i(vm, o, i)? && crate::vm::strict_eq(&get_i(vm, o, i)?, &t) {
            return Ok(Value::Num(i));
        }
        i += 1.0;
    }
    Ok(Value::Num(-1.0))
}

fn last_index_of(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let t = arg(args, 0);
    let mut i = if args.len() > 1 {
        let r = vm.to_integer_or_inf(&args[1])?;
        if r < 0.0 { n + r } else { r.min(n - 1.0) }
    } else {
        n - 1.0
    };
    while i >= 0.0 {
        if has_i(vm, o, i)? && crate::vm::strict_eq(&get_i(vm, o, i)?, &t) {
            return Ok(Value::Num(i));
        }
        i -= 1.0;
    }
    Ok(Value::Num(-1.0))
}

fn includes(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let t = arg(args, 0);
    let mut i = rel(vm, &arg(args, 1), n, 0.0)?;
    while i < n {
        if crate::vm::same_value_zero(&get_i(vm, o, i)?, &t) {
            return Ok(Value::Bool(true));
        }
        i += 1.0;
    }
    Ok(Value::Bool(false))
}

fn callback(vm: &mut Vm, args: &[Value]) -> Res<(Value, Value)> {
    let f = arg(args, 0);
    if !vm.is_callable(&f) {
        return vm.type_err("callback is not a function");
    }
    Ok((f, arg(args, 1)))
}

/// Shared loop of find/findIndex/findLast/findLastIndex: (index, value) of the first hit.
fn find_gen(vm: &mut Vm, this: Value, args: &[Value], rev: bool) -> Res<Option<(f64, Value)>> {
    let (o, n) = this_obj(vm, &this)?;
    let (f, t) = callback(vm, args)?;
    for j in 0..n as u64 {
        let i = if rev { n - 1.0 - j as f64 } else { j as f64 };
        let v = get_i(vm, o, i)?;
        let r = vm.call(&f, t.clone(), &[v.clone(), Value::Num(i), Value::Obj(o)])?;
        if r.truthy() {
            return Ok(Some((i, v)));
        }
    }
    Ok(None)
}
fn find(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(find_gen(vm, this, args, false)?.map_or(Value::Undefined, |x| x.1))
}
fn find_index(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Num(
        find_gen(vm, this, args, false)?.map_or(-1.0, |x| x.0),
    ))
}
fn find_last(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(find_gen(vm, this, args, true)?.map_or(Value::Undefined, |x| x.1))
}
fn find_last_index(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Num(
        find_gen(vm, this, args, true)?.map_or(-1.0, |x| x.0),
    ))
}

/// Shared loop of the iteration methods that skip holes: calls `each(value, index, result)`.
fn each_present(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    mut each: impl FnMut(&mut Vm, Value, f64, Value) -> Res<bool>,
) -> Res<()> {
    let (o, n) = this_obj(vm, &this)?;
    let (f, t) = callback(vm, args)?;
    let mut i = 0.0;
    while i < n {
        if has_i(vm, o, i)? {
            let v = get_i(vm, o, i)?;
            let r = vm.call(&f, t.clone(), &[v.clone(), Value::Num(i), Value::Obj(o)])?;
            if !each(vm, v, i, r)? {
                break;
            }
        }
        i += 1.0;
    }
    Ok(())
}

fn filter(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let a = vm.new_array(Vec::new());
    vm.temp_roots.push(Value::Obj(a));
    let r = each_present(vm, this, args, |vm, v, _, r| {
        if r.truthy() {
            array_push(vm, a, v);
        }
        Ok(true)
    });
    vm.temp_roots.pop();
    r.map(|_| Value::Obj(a))
}
fn map(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let n = vm.length_of(&this).unwrap_or(0.0);
    if n > 4294967295.0 {
        return range_err(vm, "Invalid array length");
    }
    let a = vm.new_array(Vec::new());
    if let Class::Array(d) = &mut vm.heap.get_mut(a).class {
        d.len = n.min(4294967295.0) as u32;
        d.dense = (0..(n as usize).min(1 << 24))
            .map(|_| Slot::hole())
            .collect();
    }
    vm.temp_roots.push(Value::Obj(a));
    let r = each_present(vm, this, args, |vm, _, i, r| {
        vm.create_data_property(a, idx_key(i), r)?;
        Ok(true)
    });
    vm.temp_roots.pop();
    r.map(|_| Value::Obj(a))
}
fn for_each(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    each_present(vm, this, args, |_, _, _, _| Ok(true))?;
    Ok(Value::Undefined)
}
fn some(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut found = false;
    each_present(vm, this, args, |_, _, _, r| {
        found = r.truthy();
        Ok(!found)
    })?;
    Ok(Value::Bool(found))
}
fn every(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut all = true;
    each_present(vm, this, args, |_, _, _, r| {
        all = r.truthy();
        Ok(all)
    })?;
    Ok(Value::Bool(all))
}

fn reduce_gen(vm: &mut Vm, this: Value, args: &[Value], rev: bool) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let f = arg(args, 0);
    if !vm.is_callable(&f) {
        return vm.type_err("reducer is not a function");
    }
    let idx = |j: f64| if rev { n - 1.0 - j } else { j };
    let mut j = 0.0;
    let mut acc = if args.len() > 1 {
        args[1].clone()
    } else {
        loop {
            if j >= n {
                return vm.type_err("Reduce of empty array with no initial value");
            }
            if has_i(vm, o, idx(j))? {
                let v = get_i(vm, o, idx(j))?;
                j += 1.0;
                break v;
            }
            j += 1.0;
        }
    };
    while j < n {
        let i = idx(j);
        if has_i(vm, o, i)? {
            let v = get_i(vm, o, i)?;
            acc = vm.call(
                &f,
                Value::Undefined,
                &[acc, v, Value::Num(i), Value::Obj(o)],
            )?;
        }
        j += 1.0;
    }
    Ok(acc)
}
fn reduce(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    reduce_gen(vm, this, args, false)
}
fn reduce_right(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    reduce_gen(vm, this, args, true)
}

/// SortCompare (§23.1.3.30.2) with an optional comparator.
pub(crate) fn sort_compare(
    vm: &mut Vm,
    f: &Value,
    x: &Value,
    y: &Value,
) -> Res<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    match (x.is_undefined(), y.is_undefined()) {
        (true, true) => return Ok(Equal),
        (true, false) => return Ok(Greater),
        (false, true) => return Ok(Less),
        _ => {}
    }
    if !f.is_undefined() {
        let v = vm.call(f, Value::Undefined, &[x.clone(), y.clone()])?;
        let n = vm.to_number(&v)?;
        return Ok(if n < 0.0 {
            Less
        } else if n > 0.0 {
            Greater
        } else {
            Equal
        });
    }
    if let (Value::Num(a), Value::Num(b)) = (x, y)
        && a.fract() == 0.0
        && b.fract() == 0.0
        && *a >= 0.0
        && *b >= 0.0
        && *a < 1e15
        && *b < 1e15
    {
        return Ok(number_to_string(*a).cmp(&number_to_string(*b)));
    }
    let a = vm.to_string(x)?;
    let b = vm.to_string(y)?;
    Ok(a.units().cmp(b.units()))
}

/// A stable merge sort whose comparator may throw.
pub(crate) fn merge_sort(vm: &mut Vm, v: &mut Vec<Value>, f: &Value) -> Res<()> {
    if v.len() < 2 {
        return Ok(());
    }
    let mut right = v.split_off(v.len() / 2);
    merge_sort(vm, v, f)?;
    merge_sort(vm, &mut right, f)?;
    let left = std::mem::take(v);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if sort_compare(vm, f, &right[j], &left[i])? == std::cmp::Ordering::Less {
            v.push(right[j].clone());
            j += 1;
        } else {
            v.push(left[i].clone());
            i += 1;
        }
    }
    v.extend_from_slice(&left[i..]);
    v.extend_from_slice(&right[j..]);
    Ok(())
}

fn sort(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let f = arg(args, 0);
    if !f.is_undefined() && !vm.is_callable(&f) {
        return vm.type_err("The comparison function must be either a function or undefined");
    }
    let (o, n) = this_obj(vm, &this)?;
    let mut items = Vec::new();
    for i in 0..n as u64 {
        if has_i(vm, o, i as f64)? {
            items.push(get_i(vm, o, i as f64)?);
        }
    }
    let base = vm.temp_roots.len();
    vm.temp_roots.extend(items.iter().cloned());
    let r = merge_sort(vm, &mut items, &f);
    vm.temp_roots.truncate(base);
    r?;
    let cnt = items.len() as f64;
    for (i, v) in items.into_iter().enumerate() {
        set_i(vm, o, i as f64, v)?;
    }
    let mut i = cnt;
    while i < n {
        vm.delete(o, &idx_key(i))?;
        i += 1.0;
    }
    Ok(Value::Obj(o))
}

fn fill(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let v = arg(args, 0);
    let mut k = rel(vm, &arg(args, 1), n, 0.0)?;
    let end = rel(vm, &arg(args, 2), n, n)?;
    while k < end {
        set_i(vm, o, k, v.clone())?;
        k += 1.0;
    }
    Ok(Value::Obj(o))
}

fn copy_within(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let mut to = rel(vm, &arg(args, 0), n, 0.0)?;
    let mut from = rel(vm, &arg(args, 1), n, 0.0)?;
    let fin = rel(vm, &arg(args, 2), n, n)?;
    let mut count = (fin - from).min(n - to);
    let dir = if from < to && to < from + count {
        from += count - 1.0;
        to += count - 1.0;
        -1.0
    } else {
        1.0
    };
    while count > 0.0 {
        if has_i(vm, o, from)? {
            let v = get_i(vm, o, from)?;
            set_i(vm, o, to, v)?;
        } else {
            vm.delete(o, &idx_key(to))?;
        }
        from += dir;
        to += dir;
        count -= 1.0;
    }
    Ok(Value::Obj(o))
}

fn at(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let r = vm.to_integer_or_inf(&arg(args, 0))?;
    let k = if r < 0.0 { n + r } else { r };
    if k < 0.0 || k >= n {
        return Ok(Value::Undefined);
    }
    get_i(vm, o, k)
}

fn flatten_into(
    vm: &mut Vm,
    out: ObjId,
    src: ObjId,
    n: f64,
    depth: f64,
    f: Option<(&Value, &Value)>,
) -> Res<()> {
    for i in 0..n as u64 {
        let i = i as f64;
        if !has_i(vm, src, i)? {
            continue;
        }
        let mut v = get_i(vm, src, i)?;
        if let Some((f, t)) = f {
            v = vm.call(f, t.clone(), &[v, Value::Num(i), Value::Obj(src)])?;
        }
        if depth > 0.0 && vm.is_array(&v) {
            let Value::Obj(vo) = v else { unreachable!() };
            let vn = vm.length_of(&v)?;
            if vm.native_depth > 100 {
                return range_err(vm, "Maximum call stack size exceeded");
            }
            vm.native_depth += 1;
            let r = flatten_into(vm, out, vo, vn, depth - 1.0, None);
            vm.native_depth -= 1;
            r?;
        } else {
            array_push(vm, out, v);
        }
    }
    Ok(())
}

fn flat(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let d = match arg(args, 0) {
        Value::Undefined => 1.0,
        v => vm.to_integer_or_inf(&v)?.max(0.0),
    };
    let a = vm.new_array(Vec::new());
    vm.temp_roots.push(Value::Obj(a));
    let r = flatten_into(vm, a, o, n, d, None);
    vm.temp_roots.pop();
    r.map(|_| Value::Obj(a))
}

fn flat_map(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (o, n) = this_obj(vm, &this)?;
    let (f, t) = callback(vm, args)?;
    let a = vm.new_array(Vec::new());
    vm.temp_roots.push(Value::Obj(a));
    let r = flatten_into(vm, a, o, n, 1.0, Some((&f, &t)));
    vm.temp_roots.pop();
    r.map(|_| Value::Obj(a))
}

/// A new iterator object over `target` (kind: 0 keys, 1 values, 2 entries).
pub(crate) fn make_iter(vm: &mut Vm, proto: Option<ObjId>, target: Value, kind: u8) -> Value {
    Value::Obj(vm.heap.alloc(proto, Class::Iter(target, 0, kind)))
}

fn keys(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    Ok(make_iter(vm, vm.realm.array_iter_proto, Value::Obj(o), 0))
}
fn entries(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    Ok(make_iter(vm, vm.realm.array_iter_proto, Value::Obj(o), 2))
}

/// `Array.prototype.values` / `[Symbol.iterator]` (§23.1.3.38).
pub fn array_values(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let o = vm.to_object(&this)?;
    Ok(make_iter(vm, vm.realm.array_iter_proto, Value::Obj(o), 1))
}

/// `%ArrayIteratorPrototype%.next` (§23.1.5.2.1).
pub fn array_iter_next(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(it) = this else {
        return vm.type_err("next called on incompatible receiver");
    };
    let (target, pos, kind) = match &vm.heap.get(it).class {
        Class::Iter(t, p, k) if *k < 3 => (t.clone(), *p, *k),
        _ => return vm.type_err("next called on incompatible receiver"),
    };
    let Value::Obj(o) = target else {
        return Ok(vm.iter_result(Value::Undefined, true));
    };
    let n = match &vm.heap.get(o).class {
        Class::Array(a) => a.len as f64,
        _ => vm.length_of(&Value::Obj(o))?,
    };
    if pos as f64 >= n {
        if let Class::Iter(t, _, _) = &mut vm.heap.get_mut(it).class {
            *t = Value::Undefined;
        }
        return Ok(vm.iter_result(Value::Undefined, true));
    }
    if let Class::Iter(_, p, _) = &mut vm.heap.get_mut(it).class {
        *p += 1;
    }
    let v = match kind {
        0 => Value::Num(pos as f64),
        1 => get_i(vm, o, pos as f64)?,
        _ => {
            let v = get_i(vm, o, pos as f64)?;
            Value::Obj(vm.new_array(vec![Value::Num(pos as f64), v]))
        }
    };
    Ok(vm.iter_result(v, false))
}
