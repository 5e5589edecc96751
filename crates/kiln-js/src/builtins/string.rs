//! `String` (§22.1), `Symbol` (§20.4) and `Boolean` (§20.3). Strings are
//! UTF-16 code-unit sequences; case mapping goes through Rust's Unicode tables.

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let sp = vm.heap.alloc(op, Class::String(JsStr::from_str("")));
    vm.heap.add_prop(sp, key("length"), Value::Num(0.0), 0);
    vm.realm.string_proto = Some(sp);
    let c = make_ctor(vm, "String", 1, string_ctor, sp);
    vm.def_fn(c, "fromCharCode", 1, from_char_code);
    vm.def_fn(c, "fromCodePoint", 1, from_code_point);
    vm.def_fn(c, "raw", 1, raw);
    for (n, l, f) in [
        ("charAt", 1, char_at as NativeFn),
        ("charCodeAt", 1, char_code_at),
        ("codePointAt", 1, code_point_at),
        ("indexOf", 1, index_of),
        ("lastIndexOf", 1, last_index_of),
        ("includes", 1, includes),
        ("startsWith", 1, starts_with),
        ("endsWith", 1, ends_with),
        ("slice", 2, slice),
        ("substring", 2, substring),
        ("substr", 2, substr),
        ("toUpperCase", 0, to_upper),
        ("toLowerCase", 0, to_lower),
        ("toLocaleUpperCase", 0, to_upper),
        ("toLocaleLowerCase", 0, to_lower),
        ("trim", 0, trim),
        ("trimStart", 0, trim_start),
        ("trimEnd", 0, trim_end),
        ("padStart", 1, pad_start),
        ("padEnd", 1, pad_end),
        ("repeat", 1, repeat),
        ("split", 2, split),
        ("concat", 1, concat),
        ("at", 1, at),
        ("localeCompare", 1, locale_compare),
        ("normalize", 0, normalize),
        ("replace", 2, replace),
        ("replaceAll", 2, replace_all),
        ("match", 1, match_),
        ("matchAll", 1, match_all),
        ("search", 1, search),
        ("toString", 0, value_of),
        ("valueOf", 0, value_of),
    ] {
        vm.def_fn(sp, n, l, f);
    }
    let it = vm.realm.sym_iterator.expect("iterator");
    def_sym_fn(vm, sp, it, "[Symbol.iterator]", 0, string_iterator);
    let sip = vm.heap.alloc(vm.realm.iterator_proto, Class::Ordinary);
    vm.realm.string_iter_proto = Some(sip);
    vm.def_fn(sip, "next", 0, string_iter_next);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap.add_prop(
        sip,
        PropKey::Sym(tag),
        Value::str("String Iterator"),
        CONFIGURABLE,
    );

    // Symbol
    let syp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.symbol_proto = Some(syp);
    let sc = make_ctor(vm, "Symbol", 0, symbol_ctor, syp);
    vm.def_fn(sc, "for", 1, symbol_for);
    vm.def_fn(sc, "keyFor", 1, symbol_key_for);
    let r = vm.realm.clone();
    for (n, s) in [
        ("iterator", r.sym_iterator),
        ("asyncIterator", r.sym_async_iterator),
        ("hasInstance", r.sym_has_instance),
        ("toPrimitive", r.sym_to_primitive),
        ("toStringTag", r.sym_to_string_tag),
        ("species", r.sym_species),
        ("isConcatSpreadable", r.sym_is_concat_spreadable),
        ("unscopables", r.sym_unscopables),
        ("match", r.sym_match),
        ("matchAll", r.sym_match_all),
        ("replace", r.sym_replace),
        ("search", r.sym_search),
        ("split", r.sym_split),
    ] {
        vm.def_val(sc, n, Value::Sym(s.expect("symbol")), 0);
    }
    vm.def_fn(syp, "toString", 0, symbol_to_string);
    vm.def_fn(syp, "valueOf", 0, symbol_value_of);
    def_getter(vm, syp, key("description"), symbol_description);
    let tp = r.sym_to_primitive.expect("toPrimitive");
    let f = vm.native("[Symbol.toPrimitive]", 1, symbol_value_of, false);
    vm.heap
        .add_prop(syp, PropKey::Sym(tp), Value::Obj(f), CONFIGURABLE);
    vm.heap
        .add_prop(syp, PropKey::Sym(tag), Value::str("Symbol"), CONFIGURABLE);

    // Boolean
    let bp = vm.heap.alloc(op, Class::Boolean(false));
    vm.realm.boolean_proto = Some(bp);
    make_ctor(vm, "Boolean", 1, boolean_ctor, bp);
    vm.def_fn(bp, "toString", 0, boolean_to_string);
    vm.def_fn(bp, "valueOf", 0, boolean_value_of);
}

fn string_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = match args.first() {
        None => JsStr::from_str(""),
        Some(Value::Sym(s)) if !is_construct(&this) => {
            let d = vm.heap.symbols[s.0 as usize].description.clone();
            return Ok(Value::str(&format!(
                "Symbol({})",
                d.map(|d| d.to_rust()).unwrap_or_default()
            )));
        }
        Some(v) => vm.to_string(v)?,
    };
    if !is_construct(&this) {
        return Ok(Value::Str(s));
    }
    let nt = vm.native_new_target.clone();
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::String)?;
    let n = s.len();
    let o = vm.heap.alloc(Some(proto), Class::String(s));
    vm.heap.add_prop(o, key("length"), Value::Num(n as f64), 0);
    Ok(Value::Obj(o))
}

/// RequireObjectCoercible(this) then ToString.
pub(crate) fn this_str(vm: &mut Vm, this: &Value) -> Res<JsStr> {
    if this.is_nullish() {
        return vm.type_err("String.prototype method called on null or undefined");
    }
    vm.to_string(this)
}

fn from_char_code(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut u = Vec::new();
    for a in args {
        u.push(to_uint32(vm.to_number(a)?) as u16);
    }
    Ok(Value::Str(JsStr::from_units(u)))
}

fn from_code_point(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut u = Vec::new();
    for a in args {
        let n = vm.to_number(a)?;
        if n.fract() != 0.0 || !(0.0..=1114111.0).contains(&n) {
            return range_err(vm, &format!("Invalid code point {}", number_to_string(n)));
        }
        push_code_point(&mut u, n as u32);
    }
    Ok(Value::Str(JsStr::from_units(u)))
}

/// UTF16EncodeCodePoint.
pub(crate) fn push_code_point(u: &mut Vec<u16>, cp: u32) {
    if cp < 0x10000 {
        u.push(cp as u16);
    } else {
        let c = cp - 0x10000;
        u.push(0xD800 + (c >> 10) as u16);
        u.push(0xDC00 + (c & 0x3FF) as u16);
    }
}

/// CodePointAt (§11.1.4): (code point, code units).
pub(crate) fn code_point_at_units(u: &[u16], i: usize) -> (u32, usize) {
    let a = u[i];
    if (0xD800..0xDC00).contains(&a)
        && let Some(&b) = u.get(i + 1)
        && (0xDC00..0xE000).contains(&b)
    {
        return (
            0x10000 + (((a as u32) - 0xD800) << 10) + (b as u32 - 0xDC00),
            2,
        );
    }
    (a as u32, 1)
}

fn raw(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let cooked = vm.to_object(&arg(args, 0))?;
    let r = vm.get_str(&Value::Obj(cooked), "raw")?;
    let r = vm.to_object(&r)?;
    let n = vm.length_of(&Value::Obj(r))?;
    let mut out = Vec::new();
    for i in 0..n as u64 {
        let s = super::array::get_i(vm, r, i as f64)?;
        out.extend_from_slice(vm.to_string(&s)?.units());
        if i + 1 < n as u64
            && let Some(sub) = args.get(i as usize + 1)
        {
            out.extend_from_slice(vm.to_string(sub)?.units());
        }
    }
    Ok(Value::Str(JsStr::from_units(out)))
}

fn char_at(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let i = vm.to_integer_or_inf(&arg(args, 0))?;
    Ok(Value::Str(if i >= 0.0 && (i as usize) < s.len() {
        JsStr::from_units(vec![s.units()[i as usize]])
    } else {
        JsStr::from_str("")
    }))
}
fn char_code_at(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let i = vm.to_integer_or_inf(&arg(args, 0))?;
    Ok(Value::Num(if i >= 0.0 && (i as usize) < s.len() {
        s.units()[i as usize] as f64
    } else {
        f64::NAN
    }))
}
fn code_point_at(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let i = vm.to_integer_or_inf(&arg(args, 0))?;
    Ok(if i >= 0.0 && (i as usize) < s.len() {
        Value::Num(code_point_at_units(s.units(), i as usize).0 as f64)
    } else {
        Value::Undefined
    })
}

/// StringIndexOf (§6.1.4.1).
pub(crate) fn find_units(h: &[u16], n: &[u16], from: usize) -> Option<usize> {
    if n.is_empty() {
        return (from <= h.len()).then_some(from);
    }
    if n.len() > h.len() {
        return None;
    }
    (from..=h.len() - n.len()).find(|&i| &h[i..i + n.len()] == n)
}

fn is_regexp(vm: &mut Vm, v: &Value) -> Res<bool> {
    let Value::Obj(o) = v else { return Ok(false) };
    let m = PropKey::Sym(vm.realm.sym_match.expect("match"));
    let r = vm.get(*o, &m, v)?;
    if !r.is_undefined() {
        return Ok(r.truthy());
    }
    Ok(matches!(vm.heap.get(*o).class, Class::RegExp(_)))
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let t = vm.to_string(&arg(args, 0))?;
    let p = vm
        .to_integer_or_inf(&arg(args, 1))?
        .clamp(0.0, s.len() as f64) as usize;
    Ok(Value::Num(
        find_units(s.units(), t.units(), p).map_or(-1.0, |i| i as f64),
    ))
}
fn last_index_of(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let t = vm.to_string(&arg(args, 0))?;
    let n = vm.to_number(&arg(args, 1))?;
    let p = if n.is_nan() {
        f64::INFINITY
    } else {
        to_integer(n)
    };
    let (h, nd) = (s.units(), t.units());
    if nd.len() > h.len() {
        return Ok(Value::Num(-1.0));
    }
    let start = p.clamp(0.0, (h.len() - nd.len()) as f64) as usize;
    for i in (0..=start).rev() {
        if &h[i..i + nd.len()] == nd {
            return Ok(Value::Num(i as f64));
        }
    }
    Ok(Value::Num(-1.0))
}
fn includes(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    if is_regexp(vm, &arg(args, 0))? {
        return vm.type_err(
            "First argument to String.prototype.includes must not be a regular expression",
        );
    }
    let t = vm.to_string(&arg(args, 0))?;
    let p = vm
        .to_integer_or_inf(&arg(args, 1))?
        .clamp(0.0, s.len() as f64) as usize;
    Ok(Value::Bool(find_units(s.units(), t.units(), p).is_some()))
}
fn starts_with(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    if is_regexp(vm, &arg(args, 0))? {
        return vm.type_err(
            "First argument to String.prototype.startsWith must not be a regular expression",
        );
    }
    let t = vm.to_string(&arg(args, 0))?;
    let p = vm
        .to_integer_or_inf(&arg(args, 1))?
        .clamp(0.0, s.len() as f64) as usize;
    Ok(Value::Bool(s.units()[p..].starts_with(t.units())))
}
fn ends_with(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    if is_regexp(vm, &arg(args, 0))? {
        return vm.type_err(
            "First argument to String.prototype.endsWith must not be a regular expression",
        );
    }
    let t = vm.to_string(&arg(args, 0))?;
    let e = match arg(args, 1) {
        Value::Undefined => s.len(),
        v => vm.to_integer_or_inf(&v)?.clamp(0.0, s.len() as f64) as usize,
    };
    Ok(Value::Bool(s.units()[..e].ends_with(t.units())))
}
fn sub(s: &JsStr, a: usize, b: usize) -> Value {
    Value::Str(JsStr::from_units(s.units()[a..b.max(a)].to_vec()))
}
fn slice(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let n = s.len() as f64;
    let r = |x: f64| if x < 0.0 { (n + x).max(0.0) } else { x.min(n) };
    let a = r(vm.to_integer_or_inf(&arg(args, 0))?);
    let b = match arg(args, 1) {
        Value::Undefined => n,
        v => r(vm.to_integer_or_inf(&v)?),
    };
    Ok(sub(&s, a as usize, b as usize))
}
fn substring(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let n = s.len() as f64;
    let a = vm.to_integer_or_inf(&arg(args, 0))?.clamp(0.0, n);
    let b = match arg(args, 1) {
        Value::Undefined => n,
        v => vm.to_integer_or_inf(&v)?.clamp(0.0, n),
    };
    Ok(sub(&s, a.min(b) as usize, a.max(b) as usize))
}
fn substr(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let n = s.len() as f64;
    let a = vm.to_integer_or_inf(&arg(args, 0))?;
    let a = if a < 0.0 { (n + a).max(0.0) } else { a.min(n) };
    let l = match arg(args, 1) {
        Value::Undefined => n,
        v => vm.to_integer_or_inf(&v)?,
    };
    let e = (a + l.max(0.0)).min(n);
    Ok(sub(&s, a as usize, e as usize))
}
fn to_upper(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(Value::str(&s.to_rust().to_uppercase()))
}
fn to_lower(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(Value::str(&s.to_rust().to_lowercase()))
}
fn trim(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(Value::Str(JsStr::from_units(
        trim_units(s.units()).to_vec(),
    )))
}
fn trim_start(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(Value::Str(JsStr::from_units(
        trim_start_units(s.units()).to_vec(),
    )))
}
fn trim_end(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(Value::Str(JsStr::from_units(
        trim_end_units(s.units()).to_vec(),
    )))
}
fn pad(vm: &mut Vm, this: Value, args: &[Value], start: bool) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let max = vm.to_length(&arg(args, 0))?;
    if max <= s.len() as f64 {
        return Ok(Value::Str(s));
    }
    let fill = match arg(args, 1) {
        Value::Undefined => JsStr::from_str(" "),
        v => vm.to_string(&v)?,
    };
    if fill.is_empty() {
        return Ok(Value::Str(s));
    }
    if max > (1 << 26) as f64 {
        return range_err(vm, "Invalid string length");
    }
    let need = max as usize - s.len();
    let f: Vec<u16> = fill.units().iter().copied().cycle().take(need).collect();
    let mut out = Vec::with_capacity(max as usize);
    if start {
        out.extend_from_slice(&f);
        out.extend_from_slice(s.units());
    } else {
        out.extend_from_slice(s.units());
        out.extend_from_slice(&f);
    }
    Ok(Value::Str(JsStr::from_units(out)))
}
fn pad_start(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    pad(vm, this, args, true)
}
fn pad_end(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    pad(vm, this, args, false)
}
fn repeat(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let n = vm.to_integer_or_inf(&arg(args, 0))?;
    if n < 0.0 || n == f64::INFINITY {
        return range_err(vm, "Invalid count value");
    }
    if s.len() as f64 * n > (1 << 26) as f64 {
        return range_err(vm, "Invalid string length");
    }
    Ok(Value::Str(JsStr::from_units(s.units().repeat(n as usize))))
}
fn concat(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let mut out = s.units().to_vec();
    for a in args {
        out.extend_from_slice(vm.to_string(a)?.units());
    }
    Ok(Value::Str(JsStr::from_units(out)))
}
fn at(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let r = vm.to_integer_or_inf(&arg(args, 0))?;
    let k = if r < 0.0 { s.len() as f64 + r } else { r };
    if k < 0.0 || k >= s.len() as f64 {
        return Ok(Value::Undefined);
    }
    Ok(sub(&s, k as usize, k as usize + 1))
}
fn locale_compare(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    let t = vm.to_string(&arg(args, 0))?;
    Ok(Value::Num(match s.to_rust().cmp(&t.to_rust()) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}
fn normalize(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    if let Value::Str(f) = arg(args, 0)
        && !["NFC", "NFD", "NFKC", "NFKD"].contains(&f.to_rust().as_str())
    {
        return range_err(
            vm,
            "The normalization form should be one of NFC, NFD, NFKC, NFKD.",
        );
    }
    Ok(Value::Str(s))
}

/// Delegates to `v[sym]` when `v` is an object with that method (§22.1.3 replace/split/match...).
fn delegate(
    vm: &mut Vm,
    v: &Value,
    sym: Option<SymId>,
    this: &Value,
    rest: &[Value],
) -> Res<Option<Value>> {
    if v.is_nullish() {
        return Ok(None);
    }
    if !matches!(v, Value::Obj(_)) {
        return Ok(None);
    }
    let k = PropKey::Sym(sym.expect("symbol"));
    if let Some(m) = vm.get_method(v, &k)? {
        let mut a = vec![this.clone()];
        a.extend_from_slice(rest);
        return Ok(Some(vm.call(&m, v.clone(), &a)?));
    }
    Ok(None)
}

/// GetSubstitution (§22.1.3.19.1): expands `$$ $& $` $' $n $nn $<name>`.
pub(crate) fn get_substitution(
    vm: &mut Vm,
    matched: &[u16],
    s: &[u16],
    pos: usize,
    caps: &[Value],
    groups: &Value,
    rep: &[u16],
) -> Res<Vec<u16>> {
    let mut out = Vec::new();
    let mut i = 0;
    let d = |c: u16| {
        (b'0' as u16..=b'9' as u16)
            .contains(&c)
            .then(|| (c - b'0' as u16) as usize)
    };
    while i < rep.len() {
        let c = rep[i];
        if c != b'$' as u16 || i + 1 >= rep.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = rep[i + 1];
        match n {
            0x24 => {
                out.push(0x24);
                i += 2;
            }
            0x26 => {
                out.extend_from_slice(matched);
                i += 2;
            }
            0x60 => {
                out.extend_from_slice(&s[..pos.min(s.len())]);
                i += 2;
            }
            0x27 => {
                let e = (pos + matched.len()).min(s.len());
                out.extend_from_slice(&s[e..]);
                i += 2;
            }
            0x3C if !groups.is_undefined() => {
                let rest = &rep[i + 2..];
                if let Some(end) = rest.iter().position(|&c| c == b'>' as u16) {
                    let name = JsStr::from_units(rest[..end].to_vec());
                    let v = vm.get_v(groups, &PropKey::Str(name))?;
                    if !v.is_undefined() {
                        out.extend_from_slice(vm.to_string(&v)?.units());
                    }
                    i += 3 + end;
                } else {
                    out.extend_from_slice(&rep[i..i + 2]);
                    i += 2;
                }
            }
            _ => {
                let m = caps.len();
                let one = d(n);
                let two = rep
                    .get(i + 2)
                    .and_then(|&c| d(c))
                    .and_then(|t| one.map(|o| o * 10 + t));
                let (idx, used) = match (one, two) {
                    (_, Some(t)) if t >= 1 && t <= m => (Some(t), 3),
                    (Some(o), _) if o >= 1 && o <= m => (Some(o), 2),
                    _ => (None, 0),
                };
                match idx {
                    Some(k) => {
                        let v = caps[k - 1].clone();
                        if !v.is_undefined() {
                            out.extend_from_slice(vm.to_string(&v)?.units());
                        }
                        i += used;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}

fn replace_gen(vm: &mut Vm, this: Value, args: &[Value], all: bool) -> Res<Value> {
    if this.is_nullish() {
        return vm.type_err("String.prototype.replace called on null or undefined");
    }
    let pat = arg(args, 0);
    let rep = arg(args, 1);
    if all && is_regexp(vm, &pat)? {
        let flags = vm.get_str(&pat, "flags")?;
        let f = vm.to_string(&flags)?;
        if !f.units().contains(&(b'g' as u16)) {
            return vm.type_err("replaceAll must be called with a global RegExp");
        }
    }
    let sym = vm.realm.sym_replace;
    if let Some(r) = delegate(vm, &pat, sym, &this, std::slice::from_ref(&rep))? {
        return Ok(r);
    }
    let s = vm.to_string(&this)?;
    let p = vm.to_string(&pat)?;
    let functional = vm.is_callable(&rep);
    let rep_s = if functional {
        JsStr::from_str("")
    } else {
        vm.to_string(&rep)?
    };
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(i) = find_units(s.units(), p.units(), from) {
        positions.push(i);
        if !all {
            break;
        }
        from = i + p.len().max(1);
        if from > s.len() {
            break;
        }
    }
    let mut out = Vec::new();
    let mut last = 0;
    for pos in positions {
        out.extend_from_slice(&s.units()[last..pos]);
        let r = if functional {
            let v = vm.call(
                &rep,
                Value::Undefined,
                &[
                    Value::Str(p.clone()),
                    Value::Num(pos as f64),
                    Value::Str(s.clone()),
                ],
            )?;
            vm.to_string(&v)?.units().to_vec()
        } else {
            get_substitution(
                vm,
                p.units(),
                s.units(),
                pos,
                &[],
                &Value::Undefined,
                rep_s.units(),
            )?
        };
        out.extend_from_slice(&r);
        last = pos + p.len();
    }
    out.extend_from_slice(&s.units()[last..]);
    Ok(Value::Str(JsStr::from_units(out)))
}
fn replace(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    replace_gen(vm, this, args, false)
}
fn replace_all(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    replace_gen(vm, this, args, true)
}

fn split(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if this.is_nullish() {
        return vm.type_err("String.prototype.split called on null or undefined");
    }
    let sep = arg(args, 0);
    let sym = vm.realm.sym_split;
    if let Some(r) = delegate(vm, &sep, sym, &this, &[arg(args, 1)])? {
        return Ok(r);
    }
    let s = vm.to_string(&this)?;
    let lim = match arg(args, 1) {
        Value::Undefined => u32::MAX,
        v => to_uint32(vm.to_number(&v)?),
    };
    let r = vm.to_string(&sep)?;
    let mut parts = Vec::new();
    if lim == 0 {
        return Ok(Value::Obj(vm.new_array(parts)));
    }
    if sep.is_undefined() {
        parts.push(Value::Str(s));
        return Ok(Value::Obj(vm.new_array(parts)));
    }
    let (h, n) = (s.units(), r.units());
    if n.is_empty() {
        for &c in h.iter().take(lim as usize) {
            parts.push(Value::Str(JsStr::from_units(vec![c])));
        }
        return Ok(Value::Obj(vm.new_array(parts)));
    }
    let mut last = 0;
    while let Some(i) = find_units(h, n, last) {
        parts.push(Value::Str(JsStr::from_units(h[last..i].to_vec())));
        if parts.len() as u32 >= lim {
            return Ok(Value::Obj(vm.new_array(parts)));
        }
        last = i + n.len();
    }
    parts.push(Value::Str(JsStr::from_units(h[last..].to_vec())));
    Ok(Value::Obj(vm.new_array(parts)))
}

fn regexp_method(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    sym: Option<SymId>,
    flags: &str,
) -> Res<Value> {
    if this.is_nullish() {
        return vm.type_err("String.prototype method called on null or undefined");
    }
    let pat = arg(args, 0);
    if let Some(r) = delegate(vm, &pat, sym, &this, &[])? {
        return Ok(r);
    }
    let s = vm.to_string(&this)?;
    let p = if pat.is_undefined() {
        Value::str("")
    } else {
        Value::Str(vm.to_string(&pat)?)
    };
    let re = regexp_create(vm, &p, &Value::str(flags))?;
    let k = PropKey::Sym(sym.expect("symbol"));
    let m = vm.get_v(&re, &k)?;
    vm.call(&m, re, &[Value::Str(s)])
}
fn match_(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = vm.realm.sym_match;
    regexp_method(vm, this, args, s, "")
}
fn match_all(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let pat = arg(args, 0);
    if is_regexp(vm, &pat)? {
        let flags = vm.get_str(&pat, "flags")?;
        let f = vm.to_string(&flags)?;
        if !f.units().contains(&(b'g' as u16)) {
            return vm.type_err("matchAll must be called with a global RegExp");
        }
    }
    let s = vm.realm.sym_match_all;
    regexp_method(vm, this, args, s, "g")
}
fn search(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = vm.realm.sym_search;
    regexp_method(vm, this, args, s, "")
}

fn value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    match &this {
        Value::Str(_) => Ok(this),
        Value::Obj(o) => match &vm.heap.get(*o).class {
            Class::String(s) => Ok(Value::Str(s.clone())),
            _ => vm.type_err("String.prototype.valueOf requires that 'this' be a String"),
        },
        _ => vm.type_err("String.prototype.valueOf requires that 'this' be a String"),
    }
}

fn string_iterator(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_str(vm, &this)?;
    Ok(super::array::make_iter(
        vm,
        vm.realm.string_iter_proto,
        Value::Str(s),
        3,
    ))
}
fn string_iter_next(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let Value::Obj(it) = this else {
        return vm.type_err("next called on incompatible receiver");
    };
    let (t, pos) = match &vm.heap.get(it).class {
        Class::Iter(t, p, 3) => (t.clone(), *p),
        _ => return vm.type_err("next called on incompatible receiver"),
    };
    let Value::Str(s) = t else {
        return Ok(vm.iter_result(Value::Undefined, true));
    };
    if pos >= s.len() {
        if let Class::Iter(t, _, _) = &mut vm.heap.get_mut(it).class {
            *t = Value::Undefined;
        }
        return Ok(vm.iter_result(Value::Undefined, true));
    }
    let (_, n) = code_point_at_units(s.units(), pos);
    if let Class::Iter(_, p, _) = &mut vm.heap.get_mut(it).class {
        *p += n;
    }
    let v = sub(&s, pos, pos + n);
    Ok(vm.iter_result(v, false))
}

fn symbol_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if is_construct(&this) {
        return vm.type_err("Symbol is not a constructor");
    }
    let d = match arg(args, 0) {
        Value::Undefined => None,
        v => Some(vm.to_string(&v)?),
    };
    Ok(Value::Sym(vm.heap.new_symbol(d, false)))
}
fn symbol_for(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let k = vm.to_string(&arg(args, 0))?;
    if let Some(s) = vm.registry.get(&k) {
        return Ok(Value::Sym(*s));
    }
    let s = vm.heap.new_symbol(Some(k.clone()), true);
    vm.registry.insert(k, s);
    Ok(Value::Sym(s))
}
fn symbol_key_for(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let Value::Sym(s) = arg(args, 0) else {
        return vm.type_err("Symbol.keyFor: argument is not a symbol");
    };
    let d = &vm.heap.symbols[s.0 as usize];
    Ok(if d.registered {
        d.description.clone().map_or(Value::Undefined, Value::Str)
    } else {
        Value::Undefined
    })
}
fn this_symbol(vm: &mut Vm, this: &Value) -> Res<SymId> {
    match this {
        Value::Sym(s) => Ok(*s),
        Value::Obj(o) => match vm.heap.get(*o).class {
            Class::Symbol(s) => Ok(s),
            _ => vm.type_err("not a Symbol"),
        },
        _ => vm.type_err("not a Symbol"),
    }
}
/// SymbolDescriptiveString (§20.4.3.3.1).
pub(crate) fn symbol_descriptive(vm: &Vm, s: SymId) -> String {
    let d = vm.heap.symbols[s.0 as usize]
        .description
        .as_ref()
        .map(|d| d.to_rust())
        .unwrap_or_default();
    format!("Symbol({d})")
}
fn symbol_to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_symbol(vm, &this)?;
    Ok(Value::str(&symbol_descriptive(vm, s)))
}
fn symbol_value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Sym(this_symbol(vm, &this)?))
}
fn symbol_description(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let s = this_symbol(vm, &this)?;
    Ok(vm.heap.symbols[s.0 as usize]
        .description
        .clone()
        .map_or(Value::Undefined, Value::Str))
}

fn boolean_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let b = arg(args, 0).truthy();
    if !is_construct(&this) {
        return Ok(Value::Bool(b));
    }
    let nt = vm.native_new_target.clone();
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Boolean)?;
    Ok(Value::Obj(vm.heap.alloc(Some(proto), Class::Boolean(b))))
}
fn this_bool(vm: &mut Vm, this: &Value) -> Res<bool> {
    match this {
        Value::Bool(b) => Ok(*b),
        Value::Obj(o) => match vm.heap.get(*o).class {
            Class::Boolean(b) => Ok(b),
            _ => vm.type_err("not a Boolean"),
        },
        _ => vm.type_err("not a Boolean"),
    }
}
fn boolean_to_string(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let b = this_bool(vm, &this)?;
    Ok(Value::str(if b { "true" } else { "false" }))
}
fn boolean_value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(this_bool(vm, &this)?))
}
