//! `Function`, `Function.prototype` (§20.2), %ThrowTypeError%, the
//! iterator prototype and generator objects (§27.1, §27.3, §27.5).

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let fp = vm.realm.function_proto.expect("function proto");
    let fc = make_ctor(vm, "Function", 1, function_ctor, fp);
    let _ = fc;
    vm.def_fn(fp, "call", 1, call);
    vm.def_fn(fp, "apply", 2, apply);
    vm.def_fn(fp, "bind", 1, bind);
    vm.def_fn(fp, "toString", 0, to_string);
    let hi = vm.realm.sym_has_instance.expect("hasInstance");
    let f = vm.native("[Symbol.hasInstance]", 1, has_instance, false);
    vm.heap.add_prop(fp, PropKey::Sym(hi), Value::Obj(f), 0);

    let tte = vm.native("", 0, throw_type_error, false);
    vm.heap.get_mut(tte).extensible = false;
    for k in ["length", "name"] {
        if let Some((s, _)) = vm.heap.find(tte, &key(k)) {
            vm.heap.set_attrs(tte, s, 0);
        }
    }
    vm.realm.throw_type_error = Some(tte);
    let acc = vm
        .heap
        .alloc(None, Class::Accessor(Value::Obj(tte), Value::Obj(tte)));
    vm.heap
        .add_prop(fp, key("caller"), Value::Obj(acc), ACCESSOR | CONFIGURABLE);
    vm.heap.add_prop(
        fp,
        key("arguments"),
        Value::Obj(acc),
        ACCESSOR | CONFIGURABLE,
    );

    // %IteratorPrototype%
    let op = vm.realm.object_proto;
    let ip = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.iterator_proto = Some(ip);
    let it = vm.realm.sym_iterator.expect("iterator");
    def_sym_fn(vm, ip, it, "[Symbol.iterator]", 0, return_this);
    let aip = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.async_iterator_proto = Some(aip);
    let ait = vm.realm.sym_async_iterator.expect("asyncIterator");
    def_sym_fn(vm, aip, ait, "[Symbol.asyncIterator]", 0, return_this);

    let tag = vm.realm.sym_to_string_tag.expect("tag");
    // Generators.
    let gp = vm.heap.alloc(Some(ip), Class::Ordinary);
    vm.realm.generator_proto = Some(gp);
    vm.def_fn(gp, "next", 1, gen_next);
    vm.def_fn(gp, "return", 1, gen_return);
    vm.def_fn(gp, "throw", 1, gen_throw);
    vm.heap
        .add_prop(gp, PropKey::Sym(tag), Value::str("Generator"), CONFIGURABLE);
    let gfp = vm.heap.alloc(Some(fp), Class::Ordinary);
    vm.realm.generator_fn_proto = Some(gfp);
    vm.heap
        .add_prop(gfp, key("prototype"), Value::Obj(gp), CONFIGURABLE);
    vm.heap
        .add_prop(gp, key("constructor"), Value::Obj(gfp), CONFIGURABLE);
    vm.heap.add_prop(
        gfp,
        PropKey::Sym(tag),
        Value::str("GeneratorFunction"),
        CONFIGURABLE,
    );
    // Async functions and async generators.
    let afp = vm.heap.alloc(Some(fp), Class::Ordinary);
    vm.realm.async_fn_proto = Some(afp);
    vm.heap.add_prop(
        afp,
        PropKey::Sym(tag),
        Value::str("AsyncFunction"),
        CONFIGURABLE,
    );
    let agp = vm.heap.alloc(Some(aip), Class::Ordinary);
    vm.realm.async_generator_proto = Some(agp);
    vm.heap.add_prop(
        agp,
        PropKey::Sym(tag),
        Value::str("AsyncGenerator"),
        CONFIGURABLE,
    );
    let agfp = vm.heap.alloc(Some(fp), Class::Ordinary);
    vm.realm.async_generator_fn_proto = Some(agfp);
    vm.heap
        .add_prop(agfp, key("prototype"), Value::Obj(agp), CONFIGURABLE);
    vm.heap
        .add_prop(agp, key("constructor"), Value::Obj(agfp), CONFIGURABLE);
    vm.heap.add_prop(
        agfp,
        PropKey::Sym(tag),
        Value::str("AsyncGeneratorFunction"),
        CONFIGURABLE,
    );
}

pub(crate) fn return_this(_: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(this)
}

fn throw_type_error(vm: &mut Vm, _: Value, _: &[Value], _: ObjId) -> Res<Value> {
    vm.type_err("'caller', 'callee', and 'arguments' properties may not be accessed on strict mode functions or the arguments objects for calls to them")
}

/// CreateDynamicFunction (§20.2.1.1.1) for plain functions: compiles
/// `(function anonymous(params\n) {\nbody\n})`.
fn function_ctor(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut params = Vec::new();
    for a in args.iter().take(args.len().saturating_sub(1)) {
        params.push(vm.to_string(a)?.to_rust());
    }
    let body = match args.last() {
        Some(b) => vm.to_string(b)?.to_rust(),
        None => String::new(),
    };
    let src = format!(
        "(function anonymous({}\n) {{\n{body}\n}})",
        params.join(",")
    );
    match crate::compile("<Function>", &src, false, false, true) {
        Ok(code) => vm.run_script(code),
        Err(e) => {
            let msg = match e {
                crate::JsError::Syntax { message, .. } => message,
                crate::JsError::Runtime { message, .. } => message,
            };
            vm.throw(ErrorKind::Syntax, &msg)
        }
    }
}

fn call(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !vm.is_callable(&this) {
        return vm.type_err("Function.prototype.call called on non-function");
    }
    let t = arg(args, 0);
    vm.call(&this, t, args.get(1..).unwrap_or(&[]))
}

/// CreateListFromArrayLike (§7.3.18).
pub(crate) fn list_from_array_like(vm: &mut Vm, v: &Value) -> Res<Vec<Value>> {
    if v.is_nullish() {
        return Ok(Vec::new());
    }
    let Value::Obj(o) = v else {
        return vm.type_err("CreateListFromArrayLike called on non-object");
    };
    if let Class::Array(a) = &vm.heap.get(*o).class
        && !a.sparse
        && a.dense.len() == a.len as usize
        && !a.dense.iter().any(|x| x.is_hole())
    {
        return Ok(crate::slot::values_of(&a.dense));
    }
    let n = vm.length_of(v)?;
    if n > 1e7 {
        return range_err(vm, "Too many arguments");
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as u32 {
        out.push(vm.get_v(v, &PropKey::from_index(i))?);
    }
    Ok(out)
}

fn apply(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !vm.is_callable(&this) {
        return vm.type_err("Function.prototype.apply called on non-function");
    }
    let list = list_from_array_like(vm, &arg(args, 1))?;
    vm.call(&this, arg(args, 0), &list)
}

fn bind(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(target) = this else {
        return vm.type_err("Bind must be called on a function");
    };
    if !vm.is_callable(&this) {
        return vm.type_err("Bind must be called on a function");
    }
    let bargs: Vec<Value> = args.iter().skip(1).cloned().collect();
    let nb = bargs.len() as f64;
    let ctor = vm.is_constructor(&this);
    let proto = vm.heap.proto(target);
    let o = vm.heap.alloc(
        proto,
        Class::Function(Box::new(Func {
            kind: FuncKind::Bound {
                target,
                this: arg(args, 0),
                args: bargs,
            },
            ctor,
            derived: false,
            class_ctor: false,
            home: None,
            fields: None,
            strict: true,
        })),
    );
    let mut len = 0.0;
    if vm.get_own_property(target, &key("length")).is_some()
        && let Value::Num(l) = vm.get_str(&this, "length")?
    {
        {
            len = if l == f64::INFINITY {
                l
            } else if l == f64::NEG_INFINITY {
                0.0
            } else {
                (to_integer(l) - nb).max(0.0)
            };
        }
    }
    vm.heap
        .add_prop(o, key("length"), Value::Num(len), CONFIGURABLE);
    let name = match vm.get_str(&this, "name")? {
        Value::Str(s) => s.to_rust(),
        _ => String::new(),
    };
    vm.heap.add_prop(
        o,
        key("name"),
        Value::str(&format!("bound {name}")),
        CONFIGURABLE,
    );
    Ok(Value::Obj(o))
}

fn to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(o) = this else {
        return vm.type_err("Function.prototype.toString requires that 'this' be a Function");
    };
    let text = match &vm.heap.get(o).class {
        Class::Function(f) => match &f.kind {
            FuncKind::Closure { code, .. } => {
                let (a, b) = code.range;
                code.source
                    .text
                    .get(a as usize..b as usize)
                    .map(str::to_string)
                    .unwrap_or_else(|| "function () { [native code] }".into())
            }
            _ => {
                let name = match vm.heap.find(o, &key("name")) {
                    Some((s, _)) => match &vm.heap.get(o).slots[s as usize].load() {
                        Value::Str(s) => s.to_rust(),
                        _ => String::new(),
                    },
                    None => String::new(),
                };
                format!("function {name}() {{ [native code] }}")
            }
        },
        _ => return vm.type_err("Function.prototype.toString requires that 'this' be a Function"),
    };
    Ok(Value::str(&text))
}

fn has_instance(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(crate::ops::ordinary_has_instance(
        vm,
        &this,
        &arg(args, 0),
    )?))
}

fn gen_resume(vm: &mut Vm, this: Value, kind: u8, v: Value) -> Res<Value> {
    let g = match this {
        Value::Obj(g) if matches!(&vm.heap.get(g).class, Class::Generator(d) if !d.is_async_gen && d.promise.is_none()) => {
            g
        }
        _ => return vm.type_err("next method called on incompatible receiver"),
    };
    let (val, done) = vm.generator_resume(g, kind, v)?;
    if !done && vm.raw_yield {
        vm.raw_yield = false;
        return Ok(val);
    }
    Ok(vm.iter_result(val, done))
}

fn gen_next(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    gen_resume(vm, this, 0, arg(args, 0))
}
fn gen_return(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    gen_resume(vm, this, 2, arg(args, 0))
}
fn gen_throw(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    gen_resume(vm, this, 1, arg(args, 0))
}
