//! `RegExp` (ECMA-262 §22.2) on the `regress` engine, matching over UTF-16
//! code units, plus the `Symbol.match/replace/search/split/matchAll` protocol.

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let rp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.regexp_proto = Some(rp);
    let c = make_ctor(vm, "RegExp", 2, regexp_ctor, rp);
    let species = vm.realm.sym_species.expect("species");
    def_getter(vm, c, PropKey::Sym(species), super::function::return_this);
    vm.def_fn(rp, "exec", 1, exec);
    vm.def_fn(rp, "test", 1, test);
    vm.def_fn(rp, "toString", 0, to_string);
    def_getter(vm, rp, key("source"), source);
    def_getter(vm, rp, key("flags"), flags);
    for (n, f) in [
        ("global", (|vm, t, _, _| flag(vm, t, b'g')) as NativeFn),
        ("ignoreCase", |vm, t, _, _| flag(vm, t, b'i')),
        ("multiline", |vm, t, _, _| flag(vm, t, b'm')),
        ("dotAll", |vm, t, _, _| flag(vm, t, b's')),
        ("unicode", |vm, t, _, _| flag(vm, t, b'u')),
        ("unicodeSets", |vm, t, _, _| flag(vm, t, b'v')),
        ("sticky", |vm, t, _, _| flag(vm, t, b'y')),
        ("hasIndices", |vm, t, _, _| flag(vm, t, b'd')),
    ] {
        def_getter(vm, rp, key(n), f);
    }
    let r = vm.realm.clone();
    def_sym_fn(
        vm,
        rp,
        r.sym_match.expect("s"),
        "[Symbol.match]",
        1,
        sym_match,
    );
    def_sym_fn(
        vm,
        rp,
        r.sym_match_all.expect("s"),
        "[Symbol.matchAll]",
        1,
        sym_match_all,
    );
    def_sym_fn(
        vm,
        rp,
        r.sym_replace.expect("s"),
        "[Symbol.replace]",
        2,
        sym_replace,
    );
    def_sym_fn(
        vm,
        rp,
        r.sym_search.expect("s"),
        "[Symbol.search]",
        1,
        sym_search,
    );
    def_sym_fn(
        vm,
        rp,
        r.sym_split.expect("s"),
        "[Symbol.split]",
        2,
        sym_split,
    );
}

/// RegExpCreate (§22.2.3.1) from pattern and flags values.
pub fn regexp_create(vm: &mut Vm, p: &Value, f: &Value) -> Res<Value> {
    let proto = vm.realm.regexp_proto.expect("regexp proto");
    alloc(vm, proto, p, f)
}

fn alloc(vm: &mut Vm, proto: ObjId, p: &Value, f: &Value) -> Res<Value> {
    let src = match p {
        Value::Undefined => JsStr::from_str(""),
        v => vm.to_string(v)?,
    };
    let fl = match f {
        Value::Undefined => JsStr::from_str(""),
        v => vm.to_string(v)?,
    };
    let ft = fl.to_rust();
    let mut seen = Vec::new();
    for ch in ft.chars() {
        if !"dgimsuvy".contains(ch) || seen.contains(&ch) {
            return vm.throw(
                ErrorKind::Syntax,
                &format!("Invalid regular expression flags '{ft}'"),
            );
        }
        seen.push(ch);
    }
    if seen.contains(&'u') && seen.contains(&'v') {
        return vm.throw(
            ErrorKind::Syntax,
            &format!("Invalid regular expression flags '{ft}'"),
        );
    }
    let engine_flags: String = ft.chars().filter(|c| "imsuv".contains(*c)).collect();
    let re = match regress::Regex::with_flags(&src.to_rust(), engine_flags.as_str()) {
        Ok(r) => r,
        Err(e) => {
            return vm.throw(
                ErrorKind::Syntax,
                &format!("Invalid regular expression: /{src}/{ft}: {e}"),
            );
        }
    };
    let o = vm
        .heap
        .alloc(Some(proto), Class::RegExp(Box::new((src, fl, Some(re)))));
    vm.heap
        .add_prop(o, key("lastIndex"), Value::Num(0.0), WRITABLE);
    Ok(Value::Obj(o))
}

fn regexp_ctor(vm: &mut Vm, this: Value, args: &[Value], callee: ObjId) -> Res<Value> {
    let (mut p, mut f) = (arg(args, 0), arg(args, 1));
    let p_is_re = matches!(&p, Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::RegExp(_)));
    if !is_construct(&this) && p_is_re && f.is_undefined() {
        let c = vm.get_str(&p, "constructor")?;
        if matches!(c, Value::Obj(o) if o == callee) {
            return Ok(p);
        }
    }
    if let Value::Obj(o) = &p
        && let Class::RegExp(d) = &vm.heap.get(*o).class
    {
        let (s, fl) = (d.0.clone(), d.1.clone());
        p = Value::Str(s);
        if f.is_undefined() {
            f = Value::Str(fl);
        }
    }
    let nt = if is_construct(&this) {
        vm.native_new_target.clone()
    } else {
        Value::Obj(callee)
    };
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::RegExp)?;
    alloc(vm, proto, &p, &f)
}

fn this_re(vm: &mut Vm, this: &Value) -> Res<ObjId> {
    match this {
        Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::RegExp(_)) => Ok(*o),
        _ => vm.type_err("RegExp method called on incompatible receiver"),
    }
}

fn flags_of(vm: &Vm, o: ObjId) -> String {
    match &vm.heap.get(o).class {
        Class::RegExp(d) => d.1.to_rust(),
        _ => String::new(),
    }
}

fn flag(vm: &mut Vm, this: Value, c: u8) -> Res<Value> {
    match &this {
        Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::RegExp(_)) => {
            Ok(Value::Bool(flags_of(vm, *o).contains(c as char)))
        }
        Value::Obj(o) if Some(*o) == vm.realm.regexp_proto => Ok(Value::Undefined),
        _ => vm.type_err("RegExp flag getter called on incompatible receiver"),
    }
}

fn source(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    match &this {
        Value::Obj(o) if Some(*o) == vm.realm.regexp_proto => Ok(Value::str("(?:)")),
        _ => {
            let o = this_re(vm, &this)?;
            let Class::RegExp(d) = &vm.heap.get(o).class else {
                unreachable!()
            };
            let s = d.0.to_rust();
            if s.is_empty() {
                return Ok(Value::str("(?:)"));
            }
            let mut out = String::new();
            let mut esc = false;
            let mut class = false;
            for ch in s.chars() {
                match ch {
                    '/' if !esc && !class => out.push_str("\\/"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\u{2028}' => out.push_str("\\u2028"),
                    '\u{2029}' => out.push_str("\\u2029"),
                    c => out.push(c),
                }
                if !esc {
                    if ch == '[' {
                        class = true;
                    } else if ch == ']' {
                        class = false;
                    }
                }
                esc = ch == '\\' && !esc;
            }
            Ok(Value::str(&out))
        }
    }
}

fn flags(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype.flags getter called on non-object");
    }
    let mut out = String::new();
    for (c, n) in [
        ('d', "hasIndices"),
        ('g', "global"),
        ('i', "ignoreCase"),
        ('m', "multiline"),
        ('s', "dotAll"),
        ('u', "unicode"),
        ('v', "unicodeSets"),
        ('y', "sticky"),
    ] {
        if vm.get_str(&this, n)?.truthy() {
            out.push(c);
        }
    }
    Ok(Value::str(&out))
}

fn to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype.toString called on non-object");
    }
    let s = vm.get_str(&this, "source")?;
    let s = vm.to_string(&s)?;
    let f = vm.get_str(&this, "flags")?;
    let f = vm.to_string(&f)?;
    Ok(Value::str(&format!("/{s}/{f}")))
}

fn set_last_index(vm: &mut Vm, r: &Value, n: f64) -> Res<()> {
    vm.put(r, key("lastIndex"), Value::Num(n), true)
}

/// RegExpBuiltinExec (§22.2.7.2).
fn builtin_exec(vm: &mut Vm, o: ObjId, s: &JsStr) -> Res<Value> {
    let r = Value::Obj(o);
    let li = vm.get_str(&r, "lastIndex")?;
    let mut last = vm.to_length(&li)?;
    let fl = flags_of(vm, o);
    let (global, sticky) = (fl.contains('g'), fl.contains('y'));
    if !global && !sticky {
        last = 0.0;
    }
    if last > s.len() as f64 {
        if global || sticky {
            set_last_index(vm, &r, 0.0)?;
        }
        return Ok(Value::Null);
    }
    let m = match &vm.heap.get(o).class {
        Class::RegExp(d) => {
            d.2.as_ref()
                .and_then(|re| re.find_from_utf16(s.units(), last as usize).next())
        }
        _ => None,
    };
    let m = match m {
        Some(m) if !sticky || m.range.start == last as usize => m,
        _ => {
            if global || sticky {
                set_last_index(vm, &r, 0.0)?;
            }
            return Ok(Value::Null);
        }
    };
    if global || sticky {
        set_last_index(vm, &r, m.range.end as f64)?;
    }
    let sub = |a: usize, b: usize| Value::Str(JsStr::from_units(s.units()[a..b].to_vec()));
    let mut items = vec![sub(m.range.start, m.range.end)];
    for c in &m.captures {
        items.push(c.as_ref().map_or(Value::Undefined, |c| sub(c.start, c.end)));
    }
    let a = vm.new_array(items);
    vm.heap.add_prop(
        a,
        key("index"),
        Value::Num(m.range.start as f64),
        DEFAULT_ATTRS,
    );
    vm.heap
        .add_prop(a, key("input"), Value::Str(s.clone()), DEFAULT_ATTRS);
    let named: Vec<(String, Option<regress::Range>)> =
        m.named_groups().map(|(n, r)| (n.to_string(), r)).collect();
    let groups = if named.is_empty() {
        Value::Undefined
    } else {
        let g = vm.heap.alloc(None, Class::Ordinary);
        for (n, r) in named {
            let v = r.map_or(Value::Undefined, |r| sub(r.start, r.end));
            vm.heap.add_prop(g, key(&n), v, DEFAULT_ATTRS);
        }
        Value::Obj(g)
    };
    vm.heap.add_prop(a, key("groups"), groups, DEFAULT_ATTRS);
    Ok(Value::Obj(a))
}

fn exec(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = this_re(vm, &this)?;
    let s = vm.to_string(&arg(args, 0))?;
    builtin_exec(vm, o, &s)
}

/// RegExpExec (§22.2.7.1): a user `exec` if present, else the built-in.
fn regexp_exec(vm: &mut Vm, r: &Value, s: &JsStr) -> Res<Value> {
    let e = vm.get_str(r, "exec")?;
    if vm.is_callable(&e) {
        let is_builtin = matches!(&e, Value::Obj(f) if matches!(&vm.heap.get(*f).class,
            Class::Function(func) if matches!(func.kind, FuncKind::Native { f, .. } if f as *const () as usize == exec as *const () as usize)));
        if !is_builtin {
            let res = vm.call(&e, r.clone(), &[Value::Str(s.clone())])?;
            if !matches!(res, Value::Obj(_) | Value::Null) {
                return vm.type_err("exec result must be an object or null");
            }
            return Ok(res);
        }
    }
    let o = this_re(vm, r)?;
    builtin_exec(vm, o, s)
}

fn test(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype.test called on non-object");
    }
    let s = vm.to_string(&arg(args, 0))?;
    Ok(Value::Bool(!matches!(
        regexp_exec(vm, &this, &s)?,
        Value::Null
    )))
}

fn advance(s: &JsStr, i: f64, unicode: bool) -> f64 {
    if !unicode || i + 1.0 >= s.len() as f64 {
        return i + 1.0;
    }
    i + super::string::code_point_at_units(s.units(), i as usize).1 as f64
}

fn is_unicode(vm: &mut Vm, r: &Value) -> Res<bool> {
    let f = vm.get_str(r, "flags")?;
    let f = vm.to_string(&f)?.to_rust();
    Ok(f.contains('u') || f.contains('v'))
}

/// Runs exec repeatedly (global semantics); returns the result objects.
fn all_results(vm: &mut Vm, r: &Value, s: &JsStr, global: bool) -> Res<Vec<Value>> {
    let mut out = Vec::new();
    let unicode = global && is_unicode(vm, r)?;
    if global {
        set_last_index(vm, r, 0.0)?;
    }
    let base = vm.temp_roots.len();
    let res = (|| {
        loop {
            let m = regexp_exec(vm, r, s)?;
            if matches!(m, Value::Null) {
                break;
            }
            vm.temp_roots.push(m.clone());
            out.push(m.clone());
            if !global {
                break;
            }
            let ms = vm.get_v(&m, &PropKey::from_index(0))?;
            if vm.to_string(&ms)?.is_empty() {
                let li = vm.get_str(r, "lastIndex")?;
                let li = vm.to_length(&li)?;
                set_last_index(vm, r, advance(s, li, unicode))?;
            }
        }
        Ok(())
    })();
    vm.temp_roots.truncate(base);
    res.map(|_| out)
}

fn sym_match(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype[Symbol.match] called on non-object");
    }
    let s = vm.to_string(&arg(args, 0))?;
    let f = vm.get_str(&this, "flags")?;
    let global = vm.to_string(&f)?.to_rust().contains('g');
    if !global {
        return regexp_exec(vm, &this, &s);
    }
    let rs = all_results(vm, &this, &s, true)?;
    if rs.is_empty() {
        return Ok(Value::Null);
    }
    let mut ms = Vec::new();
    for m in rs {
        let v = vm.get_v(&m, &PropKey::from_index(0))?;
        ms.push(Value::Str(vm.to_string(&v)?));
    }
    Ok(Value::Obj(vm.new_array(ms)))
}

fn sym_match_all(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype[Symbol.matchAll] called on non-object");
    }
    let s = vm.to_string(&arg(args, 0))?;
    let f = vm.get_str(&this, "flags")?;
    let f = vm.to_string(&f)?;
    let o = this_re(vm, &this)?;
    let src = match &vm.heap.get(o).class {
        Class::RegExp(d) => Value::Str(d.0.clone()),
        _ => Value::Undefined,
    };
    let clone = regexp_create(vm, &src, &Value::Str(f.clone()))?;
    let li = vm.get_str(&this, "lastIndex")?;
    let li = vm.to_length(&li)?;
    set_last_index(vm, &clone, li)?;
    let global = f.to_rust().contains('g');
    let rs = if global {
        let mut out = Vec::new();
        let unicode = is_unicode(vm, &clone)?;
        loop {
            let m = regexp_exec(vm, &clone, &s)?;
            if matches!(m, Value::Null) {
                break;
            }
            vm.temp_roots.push(m.clone());
            out.push(m.clone());
            let ms = vm.get_v(&m, &PropKey::from_index(0))?;
            if vm.to_string(&ms)?.is_empty() {
                let li = vm.get_str(&clone, "lastIndex")?;
                let li = vm.to_length(&li)?;
                set_last_index(vm, &clone, advance(&s, li, unicode))?;
            }
        }
        let n = vm.temp_roots.len() - out.len();
        vm.temp_roots.truncate(n);
        out
    } else {
        let m = regexp_exec(vm, &clone, &s)?;
        if matches!(m, Value::Null) {
            vec![]
        } else {
            vec![m]
        }
    };
    let a = vm.new_array(rs);
    super::array::array_values(vm, Value::Obj(a), &[], a)
}

fn sym_search(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype[Symbol.search] called on non-object");
    }
    let s = vm.to_string(&arg(args, 0))?;
    let prev = vm.get_str(&this, "lastIndex")?;
    if !crate::vm::same_value(&prev, &Value::Num(0.0)) {
        set_last_index(vm, &this, 0.0)?;
    }
    let m = regexp_exec(vm, &this, &s)?;
    let cur = vm.get_str(&this, "lastIndex")?;
    if !crate::vm::same_value(&cur, &prev) {
        vm.put(&this, key("lastIndex"), prev, true)?;
    }
    if matches!(m, Value::Null) {
        return Ok(Value::Num(-1.0));
    }
    vm.get_str(&m, "index")
}

fn sym_replace(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !matches!(this, Value::Obj(_)) {
        return vm.type_err("RegExp.prototype[Symbol.replace] called on non-object");
    }
    let s = vm.to_string(&arg(args, 0))?;
    let rep = arg(args, 1);
    let functional = vm.is_callable(&rep);
    let rep_s = if functional {
        JsStr::from_str("")
    } else {
        vm.to_string(&rep)?
    };
    let f = vm.get_str(&this, "flags")?;
    let global = vm.to_string(&f)?.to_rust().contains('g');
    let results = all_results(vm, &this, &s, global)?;
    let base = vm.temp_roots.len();
    vm.temp_roots.extend(results.iter().cloned());
    let r = (|| {
        let mut out: Vec<u16> = Vec::new();
        let mut next = 0usize;
        for m in results {
            let n = vm.length_of(&m)?;
            let n = (n as usize).max(1);
            let matched = vm.get_v(&m, &PropKey::from_index(0))?;
            let matched = vm.to_string(&matched)?;
            let pos = vm.get_str(&m, "index")?;
            let pos = vm.to_integer_or_inf(&pos)?.clamp(0.0, s.len() as f64) as usize;
            let mut caps = Vec::new();
            for i in 1..n {
                let c = vm.get_v(&m, &PropKey::from_index(i as u32))?;
                caps.push(if c.is_undefined() {
                    c
                } else {
                    Value::Str(vm.to_string(&c)?)
                });
            }
            let groups = vm.get_str(&m, "groups")?;
            let replacement = if functional {
                let mut a = vec![Value::Str(matched.clone())];
                a.extend(caps.iter().cloned());
                a.push(Value::Num(pos as f64));
                a.push(Value::Str(s.clone()));
                if !groups.is_undefined() {
                    a.push(groups.clone());
                }
                let v = vm.call(&rep, Value::Undefined, &a)?;
                vm.to_string(&v)?.units().to_vec()
            } else {
                let g = if groups.is_undefined() {
                    groups
                } else {
                    Value::Obj(vm.to_object(&groups)?)
                };
                super::string::get_substitution(
                    vm,
                    matched.units(),
                    s.units(),
                    pos,
                    &caps,
                    &g,
                    rep_s.units(),
                )?
            };
            if pos >= next {
                out.extend_from_slice(&s.units()[next..pos]);
                out.extend_from_slice(&replacement);
                next = pos + matched.len();
            }
        }
        if next < s.len() {
            out.extend_from_slice(&s.units()[next..]);
        }
        Ok(Value::Str(JsStr::from_units(out)))
    })();
    vm.temp_roots.truncate(base);
    r
}

fn sym_split(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let o = this_re(vm, &this)?;
    let s = vm.to_string(&arg(args, 0))?;
    let lim = match arg(args, 1) {
        Value::Undefined => u32::MAX,
        v => to_uint32(vm.to_number(&v)?),
    };
    let mut parts = Vec::new();
    if lim == 0 {
        return Ok(Value::Obj(vm.new_array(parts)));
    }
    let size = s.len();
    let sub = |a: usize, b: usize| Value::Str(JsStr::from_units(s.units()[a..b].to_vec()));
    let find = |vm: &Vm, q: usize| match &vm.heap.get(o).class {
        Class::RegExp(d) => {
            d.2.as_ref()
                .and_then(|re| re.find_from_utf16(s.units(), q).next())
        }
        _ => None,
    };
    if size == 0 {
        if find(vm, 0).is_none() {
            parts.push(Value::Str(s.clone()));
        }
        return Ok(Value::Obj(vm.new_array(parts)));
    }
    let (mut p, mut q) = (0usize, 0usize);
    while q < size {
        let Some(m) = find(vm, q) else { break };
        if m.range.start >= size {
            break;
        }
        if m.range.end == p || m.range.end == m.range.start && m.range.start == p {
            q = m.range.start + 1;
            continue;
        }
        parts.push(sub(p, m.range.start));
        if parts.len() as u32 >= lim {
            return Ok(Value::Obj(vm.new_array(parts)));
        }
        for c in &m.captures {
            parts.push(c.as_ref().map_or(Value::Undefined, |c| sub(c.start, c.end)));
            if parts.len() as u32 >= lim {
                return Ok(Value::Obj(vm.new_array(parts)));
            }
        }
        p = m.range.end;
        q = if m.range.end == m.range.start {
            p + 1
        } else {
            p
        };
    }
    parts.push(sub(p.min(size), size));
    Ok(Value::Obj(vm.new_array(parts)))
}
