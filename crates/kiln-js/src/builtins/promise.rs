//! `Promise` (ECMA-262 §27.2) with the VM's job queue, the hooks async
//! functions use to await, async generators (§27.6) and async-from-sync
//! iterators (§27.1.4).

use super::*;
use crate::slot::Slot;
use crate::vm::Suspend;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let pp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.promise_proto = Some(pp);
    let c = make_ctor(vm, "Promise", 1, promise_ctor, pp);
    vm.realm.promise_ctor = Some(c);
    vm.def_fn(pp, "then", 2, then);
    vm.def_fn(pp, "catch", 1, catch);
    vm.def_fn(pp, "finally", 1, finally);
    vm.def_fn(c, "resolve", 1, static_resolve);
    vm.def_fn(c, "reject", 1, static_reject);
    vm.def_fn(c, "all", 1, |vm, t, a, _| combinator(vm, t, a, 0));
    vm.def_fn(c, "allSettled", 1, |vm, t, a, _| combinator(vm, t, a, 1));
    vm.def_fn(c, "any", 1, |vm, t, a, _| combinator(vm, t, a, 2));
    vm.def_fn(c, "race", 1, |vm, t, a, _| combinator(vm, t, a, 3));
    let species = vm.realm.sym_species.expect("species");
    def_getter(vm, c, PropKey::Sym(species), super::function::return_this);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap
        .add_prop(pp, PropKey::Sym(tag), Value::str("Promise"), CONFIGURABLE);
    let agp = vm
        .realm
        .async_generator_proto
        .expect("async generator proto");
    vm.def_fn(agp, "next", 1, |vm, t, a, _| {
        ag_enqueue(vm, t, 0, arg(a, 0))
    });
    vm.def_fn(agp, "return", 1, |vm, t, a, _| {
        ag_enqueue(vm, t, 2, arg(a, 0))
    });
    vm.def_fn(agp, "throw", 1, |vm, t, a, _| {
        ag_enqueue(vm, t, 1, arg(a, 0))
    });
}

/// A new pending promise with `%Promise.prototype%`.
pub fn new_promise(vm: &mut Vm) -> ObjId {
    vm.heap
        .alloc(vm.realm.promise_proto, Class::Promise(Box::default()))
}

fn is_promise(vm: &Vm, v: &Value) -> Option<ObjId> {
    match v {
        Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::Promise(_)) => Some(*o),
        _ => None,
    }
}

/// CreateResolvingFunctions (§27.2.1.3): (resolve, reject) sharing one "already resolved" cell.
fn resolving_functions(vm: &mut Vm, p: ObjId) -> (Value, Value) {
    let cell = vm.heap.alloc(None, Class::Cell(Slot::boolean(false)));
    let r = vm.native_with(
        "",
        1,
        resolve_fn,
        false,
        vec![Value::Obj(p), Value::Obj(cell)],
    );
    let j = vm.native_with(
        "",
        1,
        reject_fn,
        false,
        vec![Value::Obj(p), Value::Obj(cell)],
    );
    (Value::Obj(r), Value::Obj(j))
}

fn take_once(vm: &mut Vm, callee: ObjId) -> Option<ObjId> {
    let (Value::Obj(p), Value::Obj(cell)) = (slot(vm, callee, 0), slot(vm, callee, 1)) else {
        return None;
    };
    if let Class::Cell(v) = &mut vm.heap.get_mut(cell).class {
        if v.truthy() {
            return None;
        }
        *v = Slot::boolean(true);
    }
    Some(p)
}

fn resolve_fn(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    if let Some(p) = take_once(vm, callee) {
        resolve_promise(vm, p, arg(args, 0));
    }
    Ok(Value::Undefined)
}
fn reject_fn(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    if let Some(p) = take_once(vm, callee) {
        reject_promise(vm, p, arg(args, 0));
    }
    Ok(Value::Undefined)
}

/// The promise resolve function's steps (§27.2.1.3.2) for promise `p`.
pub fn resolve_promise(vm: &mut Vm, p: ObjId, v: Value) {
    if matches!(v, Value::Obj(o) if o == p) {
        let e = vm.make_error(ErrorKind::Type, "Chaining cycle detected for promise");
        return reject_promise(vm, p, e);
    }
    let Value::Obj(_) = v else {
        return settle(vm, p, 1, v);
    };
    let then = match vm.get_str(&v, "then") {
        Ok(t) => t,
        Err(e) => return reject_promise(vm, p, e),
    };
    if !vm.is_callable(&then) {
        return settle(vm, p, 1, v);
    }
    let job = vm.native_with("", 0, thenable_job, false, vec![Value::Obj(p), v, then]);
    vm.jobs.push_back((Value::Obj(job), Vec::new()));
}

fn thenable_job(vm: &mut Vm, _: Value, _: &[Value], callee: ObjId) -> Res<Value> {
    let (Value::Obj(p), thenable, then) = (
        slot(vm, callee, 0),
        slot(vm, callee, 1),
        slot(vm, callee, 2),
    ) else {
        return Ok(Value::Undefined);
    };
    let (res, rej) = resolving_functions(vm, p);
    if let Err(e) = vm.call(&then, thenable, &[res, rej.clone()]) {
        vm.call(&rej, Value::Undefined, &[e])?;
    }
    Ok(Value::Undefined)
}

/// RejectPromise (§27.2.1.7).
pub fn reject_promise(vm: &mut Vm, p: ObjId, e: Value) {
    settle(vm, p, 2, e);
}

fn settle(vm: &mut Vm, p: ObjId, state: u8, v: Value) {
    let reactions = match &mut vm.heap.get_mut(p).class {
        Class::Promise(d) if d.state == 0 => {
            d.state = state;
            d.result = v.clone();
            if state == 2 && !d.handled {
                vm.rejections.push(p);
            }
            std::mem::take(&mut d.reactions)
        }
        _ => return,
    };
    for r in reactions {
        enqueue_reaction(vm, &r, state, v.clone());
    }
}

fn enqueue_reaction(vm: &mut Vm, r: &[Value; 4], state: u8, v: Value) {
    let handler = if state == 1 {
        r[0].clone()
    } else {
        r[1].clone()
    };
    let job = vm.native_with(
        "",
        1,
        reaction_job,
        false,
        vec![
            handler,
            r[2].clone(),
            r[3].clone(),
            Value::Num(state as f64),
        ],
    );
    vm.jobs.push_back((Value::Obj(job), vec![v]));
}

/// NewPromiseReactionJob (§27.2.2.1).
fn reaction_job(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let handler = slot(vm, callee, 0);
    let (res, rej) = (slot(vm, callee, 1), slot(vm, callee, 2));
    let state = slot(vm, callee, 3);
    let v = arg(args, 0);
    let r = if vm.is_callable(&handler) {
        vm.call(&handler, Value::Undefined, &[v])
    } else if matches!(state, Value::Num(n) if n == 1.0) {
        Ok(v)
    } else {
        Err(v)
    };
    match r {
        Ok(x) if !res.is_undefined() => {
            vm.call(&res, Value::Undefined, &[x])?;
        }
        Err(e) if !rej.is_undefined() => {
            vm.call(&rej, Value::Undefined, &[e])?;
        }
        Err(e) => return Err(e),
        _ => {}
    }
    Ok(Value::Undefined)
}

/// PerformPromiseThen (§27.2.5.4.1); `cap` is the derived promise's (resolve, reject).
pub fn perform_then(
    vm: &mut Vm,
    p: ObjId,
    on_ok: Value,
    on_err: Value,
    cap: Option<(Value, Value)>,
) {
    let (res, rej) = cap.unwrap_or((Value::Undefined, Value::Undefined));
    let on_ok = if vm.is_callable(&on_ok) {
        on_ok
    } else {
        Value::Undefined
    };
    let on_err = if vm.is_callable(&on_err) {
        on_err
    } else {
        Value::Undefined
    };
    let r = [on_ok, on_err, res, rej];
    let (state, v) = match &mut vm.heap.get_mut(p).class {
        Class::Promise(d) => {
            d.handled = true;
            if d.state == 0 {
                d.reactions.push(r);
                return;
            }
            (d.state, d.result.clone())
        }
        _ => return,
    };
    enqueue_reaction(vm, &r, state, v);
}

/// NewPromiseCapability(C) (§27.2.1.5): (promise, resolve, reject).
fn new_capability(vm: &mut Vm, c: &Value) -> Res<(Value, Value, Value)> {
    if c.as_obj() == vm.realm.promise_ctor || c.is_undefined() {
        let p = new_promise(vm);
        let (r, j) = resolving_functions(vm, p);
        return Ok((Value::Obj(p), r, j));
    }
    if !vm.is_constructor(c) {
        return vm.type_err("Promise capability constructor is not a constructor");
    }
    let rec = vm.heap.alloc(None, Class::Ordinary);
    vm.heap
        .add_prop(rec, key("resolve"), Value::Undefined, DEFAULT_ATTRS);
    vm.heap
        .add_prop(rec, key("reject"), Value::Undefined, DEFAULT_ATTRS);
    let exec = vm.native_with("", 2, capability_executor, false, vec![Value::Obj(rec)]);
    let p = vm.construct(c, &[Value::Obj(exec)], c)?;
    let r = vm.heap.get(rec).slots[0].load();
    let j = vm.heap.get(rec).slots[1].load();
    if !vm.is_callable(&r) || !vm.is_callable(&j) {
        return vm.type_err("Promise resolve or reject function is not callable");
    }
    Ok((p, r, j))
}

fn capability_executor(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let Value::Obj(rec) = slot(vm, callee, 0) else {
        return Ok(Value::Undefined);
    };
    if !vm.heap.get(rec).slots[0].is_undefined() || !vm.heap.get(rec).slots[1].is_undefined() {
        return vm.type_err("Promise executor has already been invoked");
    }
    vm.heap.get_mut(rec).slots[0] = Slot::of(arg(args, 0));
    vm.heap.get_mut(rec).slots[1] = Slot::of(arg(args, 1));
    Ok(Value::Undefined)
}

fn promise_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !is_construct(&this) {
        return vm.type_err("Promise constructor cannot be invoked without 'new'");
    }
    let exec = arg(args, 0);
    if !vm.is_callable(&exec) {
        return vm.type_err("Promise resolver is not a function");
    }
    let nt = vm.native_new_target.clone();
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Promise)?;
    let p = vm.heap.alloc(Some(proto), Class::Promise(Box::default()));
    let (r, j) = resolving_functions(vm, p);
    if let Err(e) = vm.call_rooted(&exec, Value::Undefined, &[r, j.clone()], &[Value::Obj(p)]) {
        vm.call(&j, Value::Undefined, &[e])?;
    }
    Ok(Value::Obj(p))
}

fn species_ctor(vm: &mut Vm, o: &Value) -> Res<Value> {
    let c = vm.get_str(o, "constructor")?;
    if c.is_undefined() {
        return Ok(Value::Obj(vm.realm.promise_ctor.expect("Promise")));
    }
    if !matches!(c, Value::Obj(_)) {
        return vm.type_err("object.constructor is not an object");
    }
    let sp = PropKey::Sym(vm.realm.sym_species.expect("species"));
    let s = vm.get_v(&c, &sp)?;
    if s.is_nullish() {
        return Ok(Value::Obj(vm.realm.promise_ctor.expect("Promise")));
    }
    if vm.is_constructor(&s) {
        return Ok(s);
    }
    vm.type_err("object.constructor[Symbol.species] is not a constructor")
}

fn then(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Some(p) = is_promise(vm, &this) else {
        return vm.type_err("Promise.prototype.then called on incompatible receiver");
    };
    let c = species_ctor(vm, &this)?;
    let (np, r, j) = new_capability(vm, &c)?;
    perform_then(vm, p, arg(args, 0), arg(args, 1), Some((r, j)));
    Ok(np)
}
fn catch(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let t = vm.get_str(&this, "then")?;
    vm.call(&t, this, &[Value::Undefined, arg(args, 0)])
}
fn finally(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("Promise.prototype.finally called on non-object");
    }
    let f = arg(args, 0);
    let c = species_ctor(vm, &this)?;
    let (ok, err) = if vm.is_callable(&f) {
        let a = vm.native_with(
            "",
            1,
            finally_fn,
            false,
            vec![f.clone(), c.clone(), Value::Bool(true)],
        );
        let b = vm.native_with("", 1, finally_fn, false, vec![f, c, Value::Bool(false)]);
        (Value::Obj(a), Value::Obj(b))
    } else {
        (f.clone(), f)
    };
    let t = vm.get_str(&this, "then")?;
    vm.call(&t, this, &[ok, err])
}
fn finally_fn(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let (f, c, ok) = (
        slot(vm, callee, 0),
        slot(vm, callee, 1),
        slot(vm, callee, 2),
    );
    let r = vm.call(&f, Value::Undefined, &[])?;
    let p = promise_resolve_c(vm, &c, r)?;
    let v = arg(args, 0);
    let k = vm.native_with("", 0, value_thunk, false, vec![v, ok]);
    let t = vm.get_str(&p, "then")?;
    vm.call(&t, p, &[Value::Obj(k)])
}
fn value_thunk(vm: &mut Vm, _: Value, _: &[Value], callee: ObjId) -> Res<Value> {
    let v = slot(vm, callee, 0);
    if slot(vm, callee, 1).truthy() {
        Ok(v)
    } else {
        Err(v)
    }
}

/// PromiseResolve(C, x) (§27.2.4.7.1).
fn promise_resolve_c(vm: &mut Vm, c: &Value, x: Value) -> Res<Value> {
    if is_promise(vm, &x).is_some() {
        let xc = vm.get_str(&x, "constructor")?;
        if crate::vm::same_value(&xc, c) {
            return Ok(x);
        }
    }
    let (p, r, _) = new_capability(vm, c)?;
    vm.call(&r, Value::Undefined, &[x])?;
    Ok(p)
}

/// PromiseResolve(%Promise%, v) for `await`.
pub fn promise_resolve(vm: &mut Vm, v: Value) -> Res<ObjId> {
    let c = Value::Obj(vm.realm.promise_ctor.expect("Promise"));
    match promise_resolve_c(vm, &c, v)? {
        Value::Obj(p) => Ok(p),
        _ => vm.type_err("not a promise"),
    }
}

fn static_resolve(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("Promise.resolve called on non-object");
    }
    promise_resolve_c(vm, &this, arg(args, 0))
}
fn static_reject(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let (p, _, j) = new_capability(vm, &this)?;
    vm.call(&j, Value::Undefined, &[arg(args, 0)])?;
    Ok(p)
}

/// Promise.all / allSettled / any / race (§27.2.4.1–5); kind 0..3 in that order.
fn combinator(vm: &mut Vm, c: Value, args: &[Value], kind: u8) -> Res<Value> {
    let (p, res, rej) = new_capability(vm, &c)?;
    let base = vm.temp_roots.len();
    vm.temp_roots.extend([p.clone(), res.clone(), rej.clone()]);
    let r = combinator_body(vm, &c, &arg(args, 0), kind, &res, &rej);
    vm.temp_roots.truncate(base);
    if let Err(e) = r {
        vm.call(&rej, Value::Undefined, &[e])?;
    }
    Ok(p)
}

fn combinator_body(
    vm: &mut Vm,
    c: &Value,
    iterable: &Value,
    kind: u8,
    res: &Value,
    rej: &Value,
) -> Res<()> {
    let resolve = vm.get_str(c, "resolve")?;
    if !vm.is_callable(&resolve) {
        return vm.type_err("Promise resolve is not a function");
    }
    let (it, next) = vm.get_iterator(iterable)?;
    vm.temp_roots.push(it.clone());
    let values = Value::Obj(vm.new_array(Vec::new()));
    vm.temp_roots.push(values.clone());
    let counter = Value::Obj(vm.heap.alloc(None, Class::Cell(Slot::num(1.0))));
    vm.temp_roots.push(counter.clone());
    let mut i = 0u32;
    while let Some(item) = vm.iter_step(&it, &next)? {
        let step = (|| {
            if let Value::Obj(a) = values {
                super::array::array_push(vm, a, Value::Undefined);
            }
            let np = vm.call(&resolve, c.clone(), &[item])?;
            let elem = |vm: &mut Vm, k: u8| {
                let done = vm.heap.alloc(None, Class::Cell(Slot::boolean(false)));
                Value::Obj(vm.native_with(
                    "",
                    1,
                    element_fn,
                    false,
                    vec![
                        values.clone(),
                        Value::Num(i as f64),
                        counter.clone(),
                        res.clone(),
                        rej.clone(),
                        Value::Num(k as f64),
                        Value::Obj(done),
                    ],
                ))
            };
            let (ok, err) = match kind {
                0 => (elem(vm, 0), rej.clone()),
                1 => {
                    let a = elem(vm, 1);
                    let b = elem(vm, 2);
                    (a, b)
                }
                2 => (res.clone(), elem(vm, 3)),
                _ => (res.clone(), rej.clone()),
            };
            if kind != 3 {
                bump(vm, &counter, 1.0);
            }
            let t = vm.get_str(&np, "then")?;
            vm.call(&t, np, &[ok, err])?;
            Ok(())
        })();
        if let Err(e) = step {
            let _ = vm.iter_close(&it);
            return Err(e);
        }
        i += 1;
    }
    if kind != 3 && bump(vm, &counter, -1.0) == 0.0 {
        finish_all(vm, kind, &values, res, rej)?;
    }
    Ok(())
}

fn bump(vm: &mut Vm, counter: &Value, d: f64) -> f64 {
    if let Value::Obj(c) = counter
        && let Class::Cell(cell) = &mut vm.heap.get_mut(*c).class
        && let Some(n) = cell.as_num()
    {
        *cell = Slot::num(n + d);
        return n + d;
    }
    0.0
}

fn finish_all(vm: &mut Vm, kind: u8, values: &Value, res: &Value, rej: &Value) -> Res<()> {
    if kind == 2 {
        let e = vm.make_error(ErrorKind::Error, "All promises were rejected");
        if let Value::Obj(eo) = e {
            vm.heap
                .add_prop(eo, key("errors"), values.clone(), METHOD_ATTRS);
            vm.heap
                .add_prop(eo, key("name"), Value::str("AggregateError"), METHOD_ATTRS);
        }
        vm.call(rej, Value::Undefined, &[e])?;
    } else {
        vm.call(res, Value::Undefined, std::slice::from_ref(values))?;
    }
    Ok(())
}

fn element_fn(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let Value::Obj(done) = slot(vm, callee, 6) else {
        return Ok(Value::Undefined);
    };
    if let Class::Cell(v) = &mut vm.heap.get_mut(done).class {
        if v.truthy() {
            return Ok(Value::Undefined);
        }
        *v = Slot::boolean(true);
    }
    let (values, idx, counter) = (
        slot(vm, callee, 0),
        slot(vm, callee, 1),
        slot(vm, callee, 2),
    );
    let (res, rej) = (slot(vm, callee, 3), slot(vm, callee, 4));
    let k = match slot(vm, callee, 5) {
        Value::Num(n) => n as u8,
        _ => 0,
    };
    let x = arg(args, 0);
    let v = match k {
        1 | 2 => {
            let o = vm.new_object();
            let st = if k == 1 { "fulfilled" } else { "rejected" };
            vm.heap
                .add_prop(o, key("status"), Value::str(st), DEFAULT_ATTRS);
            vm.heap.add_prop(
                o,
                key(if k == 1 { "value" } else { "reason" }),
                x,
                DEFAULT_ATTRS,
            );
            Value::Obj(o)
        }
        _ => x,
    };
    let Value::Num(i) = idx else {
        return Ok(Value::Undefined);
    };
    if let Value::Obj(a) = values {
        vm.create_data_property(a, PropKey::from_index(i as u32), v)?;
    }
    if bump(vm, &counter, -1.0) == 0.0 {
        let kind = match k {
            0 => 0,
            3 => 2,
            _ => 1,
        };
        finish_all(vm, kind, &values, &res, &rej)?;
    }
    Ok(Value::Undefined)
}

/// Fulfilment callback of an `await` in async function `slots[0]`.
pub fn async_resume_ok(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    if let Value::Obj(g) = slot(vm, callee, 0) {
        vm.async_step(g, 0, arg(args, 0));
    }
    Ok(Value::Undefined)
}
/// Rejection callback of an `await` in async function `slots[0]`.
pub fn async_resume_err(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    if let Value::Obj(g) = slot(vm, callee, 0) {
        vm.async_step(g, 1, arg(args, 0));
    }
    Ok(Value::Undefined)
}

// ----- async generators ------------------------------------------------------------

fn ag_enqueue(vm: &mut Vm, this: Value, kind: u8, v: Value) -> Res<Value> {
    let p = new_promise(vm);
    let g = match this {
        Value::Obj(g) if matches!(&vm.heap.get(g).class, Class::Generator(d) if d.is_async_gen) => {
            g
        }
        _ => {
            let e = vm.make_error(ErrorKind::Type, "not an async generator");
            reject_promise(vm, p, e);
            return Ok(Value::Obj(p));
        }
    };
    let idle = match &mut vm.heap.get_mut(g).class {
        Class::Generator(d) => {
            d.queue.push((kind, v, p));
            d.queue.len() == 1 && !d.awaiting && d.state != 2
        }
        _ => false,
    };
    if idle {
        ag_drain(vm, g, None);
    }
    Ok(Value::Obj(p))
}

/// Runs queued requests of async generator `g`; `resume` continues an await.
fn ag_drain(vm: &mut Vm, g: ObjId, mut resume: Option<(u8, Value)>) {
    loop {
        let front = match &vm.heap.get(g).class {
            Class::Generator(d) if !d.awaiting => d.queue.first().cloned(),
            _ => None,
        };
        let Some((kind, v, p)) = front else { return };
        let (k, val) = resume.take().unwrap_or((kind, v));
        let r = vm.generator_resume(g, k, val);
        let awaiting = vm.suspend == Suspend::Await;
        match r {
            Ok((x, false)) if awaiting => {
                if let Class::Generator(d) = &mut vm.heap.get_mut(g).class {
                    d.awaiting = true;
                }
                match promise_resolve(vm, x) {
                    Ok(pp) => {
                        let ok = vm.native_with("", 1, ag_await_ok, false, vec![Value::Obj(g)]);
                        let err = vm.native_with("", 1, ag_await_err, false, vec![Value::Obj(g)]);
                        perform_then(vm, pp, Value::Obj(ok), Value::Obj(err), None);
                    }
                    Err(e) => {
                        if let Class::Generator(d) = &mut vm.heap.get_mut(g).class {
                            d.awaiting = false;
                        }
                        resume = Some((1, e));
                        continue;
                    }
                }
                return;
            }
            Ok((x, done)) => {
                pop_front(vm, g);
                let r = vm.iter_result(x, done);
                resolve_promise(vm, p, r);
            }
            Err(e) => {
                pop_front(vm, g);
                reject_promise(vm, p, e);
            }
        }
    }
}

fn pop_front(vm: &mut Vm, g: ObjId) {
    if let Class::Generator(d) = &mut vm.heap.get_mut(g).class
        && !d.queue.is_empty()
    {
        d.queue.remove(0);
    }
}

fn ag_await(vm: &mut Vm, callee: ObjId, kind: u8, v: Value) {
    if let Value::Obj(g) = slot(vm, callee, 0) {
        if let Class::Generator(d) = &mut vm.heap.get_mut(g).class {
            d.awaiting = false;
        }
        ag_drain(vm, g, Some((kind, v)));
    }
}
fn ag_await_ok(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    ag_await(vm, callee, 0, arg(args, 0));
    Ok(Value::Undefined)
}
fn ag_await_err(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    ag_await(vm, callee, 1, arg(args, 0));
    Ok(Value::Undefined)
}

// ----- async iteration -----------------------------------------------------------------

/// GetIterator(v, async) (§7.4.3): an async iterator, wrapping a sync one if needed.
pub fn get_async_iterator(vm: &mut Vm, v: &Value) -> Res<(Value, Value)> {
    let ak = PropKey::Sym(vm.realm.sym_async_iterator.expect("asyncIterator"));
    if let Some(m) = vm.get_method(v, &ak)? {
        let it = vm.call(&m, v.clone(), &[])?;
        if !matches!(it, Value::Obj(_)) {
            return vm.type_err("Result of the Symbol.asyncIterator method is not an object");
        }
        let next = vm.get_str(&it, "next")?;
        return Ok((it, next));
    }
    let (sit, snext) = vm.get_iterator(v)?;
    let w = vm
        .heap
        .alloc(vm.realm.async_iterator_proto, Class::Ordinary);
    let next = vm.native_with(
        "next",
        1,
        afs_step,
        false,
        vec![sit.clone(), snext, Value::Num(0.0)],
    );
    let ret = vm.native_with(
        "return",
        1,
        afs_step,
        false,
        vec![sit, Value::Undefined, Value::Num(2.0)],
    );
    vm.heap
        .add_prop(w, key("next"), Value::Obj(next), METHOD_ATTRS);
    vm.heap
        .add_prop(w, key("return"), Value::Obj(ret), METHOD_ATTRS);
    Ok((Value::Obj(w), Value::Obj(next)))
}

/// %AsyncFromSyncIteratorPrototype% next / return (§27.1.4.2).
fn afs_step(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let (sit, snext, kind) = (
        slot(vm, callee, 0),
        slot(vm, callee, 1),
        slot(vm, callee, 2),
    );
    let derived = new_promise(vm);
    let r = (|| {
        let f = if matches!(kind, Value::Num(n) if n == 2.0) {
            match vm.get_method(&sit, &key("return"))? {
                Some(f) => f,
                None => return Ok(None),
            }
        } else {
            snext
        };
        let r = vm.call(&f, sit.clone(), args.get(..1).unwrap_or(&[]))?;
        if !matches!(r, Value::Obj(_)) {
            return vm.type_err("iterator result is not an object");
        }
        let done = vm.get_str(&r, "done")?.truthy();
        let value = vm.get_str(&r, "value")?;
        Ok(Some((done, value)))
    })();
    match r {
        Ok(None) => {
            let res = vm.iter_result(arg(args, 0), true);
            resolve_promise(vm, derived, res);
        }
        Ok(Some((done, value))) => match promise_resolve(vm, value) {
            Ok(p) => {
                let (res, rej) = resolving_functions(vm, derived);
                let unwrap = vm.native_with("", 1, afs_unwrap, false, vec![Value::Bool(done)]);
                perform_then(vm, p, Value::Obj(unwrap), rej.clone(), Some((res, rej)));
            }
            Err(e) => reject_promise(vm, derived, e),
        },
        Err(e) => reject_promise(vm, derived, e),
    }
    Ok(Value::Obj(derived))
}
fn afs_unwrap(vm: &mut Vm, _: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let done = slot(vm, callee, 0).truthy();
    Ok(vm.iter_result(arg(args, 0), done))
}
