//! `Number` (§21.1), `Math` (§21.3), `BigInt` (§21.2), `Date` basics
//! (§21.4: time values, `Date.now`, UTC getters) and the global number
//! functions (`parseInt`, `parseFloat`, `isNaN`, `isFinite`).

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let op = vm.realm.object_proto;
    let np = vm.heap.alloc(op, Class::Number(0.0));
    vm.realm.number_proto = Some(np);
    let c = make_ctor(vm, "Number", 1, number_ctor, np);
    for (n, v) in [
        ("MAX_SAFE_INTEGER", 9007199254740991.0),
        ("MIN_SAFE_INTEGER", -9007199254740991.0),
        ("EPSILON", f64::EPSILON),
        ("MAX_VALUE", f64::MAX),
        ("MIN_VALUE", 5e-324),
        ("POSITIVE_INFINITY", f64::INFINITY),
        ("NEGATIVE_INFINITY", f64::NEG_INFINITY),
        ("NaN", f64::NAN),
    ] {
        vm.def_val(c, n, Value::Num(v), 0);
    }
    for (n, l, f) in [
        ("isInteger", 1, is_integer as NativeFn),
        ("isSafeInteger", 1, is_safe_integer),
        ("isFinite", 1, is_finite),
        ("isNaN", 1, is_nan),
        ("parseFloat", 1, parse_float),
        ("parseInt", 2, parse_int),
    ] {
        vm.def_fn(c, n, l, f);
    }
    for (n, l, f) in [
        ("toString", 1, to_string as NativeFn),
        ("toLocaleString", 0, to_string),
        ("valueOf", 0, value_of),
        ("toFixed", 1, to_fixed),
        ("toPrecision", 1, to_precision),
        ("toExponential", 1, to_exponential),
    ] {
        vm.def_fn(np, n, l, f);
    }

    let m = vm.new_object();
    let g = vm.realm.global.expect("global");
    vm.heap
        .add_prop(g, key("Math"), Value::Obj(m), METHOD_ATTRS);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap
        .add_prop(m, PropKey::Sym(tag), Value::str("Math"), CONFIGURABLE);
    for (n, v) in [
        ("PI", std::f64::consts::PI),
        ("E", std::f64::consts::E),
        ("LN2", std::f64::consts::LN_2),
        ("LN10", std::f64::consts::LN_10),
        ("LOG2E", std::f64::consts::LOG2_E),
        ("LOG10E", std::f64::consts::LOG10_E),
        ("SQRT2", std::f64::consts::SQRT_2),
        ("SQRT1_2", std::f64::consts::FRAC_1_SQRT_2),
    ] {
        vm.def_val(m, n, Value::Num(v), 0);
    }
    macro_rules! math1 {
        ($($name:literal => $f:expr),* $(,)?) => {
            $(
                vm.def_fn(m, $name, 1, |vm, _, args, _| {
                    let x = vm.to_number(&arg(args, 0))?;
                    let f: fn(f64) -> f64 = $f;
                    Ok(Value::Num(f(x)))
                });
            )*
        };
    }
    math1! {
        "abs" => f64::abs, "floor" => f64::floor, "ceil" => f64::ceil,
        "sqrt" => f64::sqrt, "cbrt" => f64::cbrt, "sin" => f64::sin, "cos" => f64::cos,
        "tan" => f64::tan, "asin" => f64::asin, "acos" => f64::acos, "atan" => f64::atan,
        "sinh" => f64::sinh, "cosh" => f64::cosh, "tanh" => f64::tanh,
        "asinh" => f64::asinh, "acosh" => f64::acosh, "atanh" => f64::atanh,
        "exp" => f64::exp, "expm1" => f64::exp_m1, "log" => f64::ln, "log1p" => f64::ln_1p,
        "log2" => f64::log2, "log10" => f64::log10,
        "trunc" => |x| x.trunc(),
        "sign" => |x| if x.is_nan() || x == 0.0 { x } else { x.signum() },
        "fround" => |x| x as f32 as f64,
        "clz32" => |x| to_uint32(x).leading_zeros() as f64,
        "round" => |x| {
            if !x.is_finite() || x == 0.0 { return x; }
            if x > 0.0 && x < 0.5 { return 0.0; }
            if (-0.5..0.0).contains(&x) { return -0.0; }
            (x + 0.5).floor()
        },
    }
    vm.def_fn(m, "max", 2, |vm, _, args, _| {
        let mut r = f64::NEG_INFINITY;
        let mut nan = false;
        for a in args {
            let x = vm.to_number(a)?;
            if x.is_nan() {
                nan = true;
            } else if x > r || (x == 0.0 && r == 0.0 && r.is_sign_negative()) {
                r = x;
            }
        }
        Ok(Value::Num(if nan { f64::NAN } else { r }))
    });
    vm.def_fn(m, "min", 2, |vm, _, args, _| {
        let mut r = f64::INFINITY;
        let mut nan = false;
        for a in args {
            let x = vm.to_number(a)?;
            if x.is_nan() {
                nan = true;
            } else if x < r || (x == 0.0 && r == 0.0 && x.is_sign_negative()) {
                r = x;
            }
        }
        Ok(Value::Num(if nan { f64::NAN } else { r }))
    });
    vm.def_fn(m, "pow", 2, |vm, _, args, _| {
        let x = vm.to_number(&arg(args, 0))?;
        let y = vm.to_number(&arg(args, 1))?;
        Ok(Value::Num(crate::ops::pow(x, y)))
    });
    vm.def_fn(m, "atan2", 2, |vm, _, args, _| {
        let y = vm.to_number(&arg(args, 0))?;
        let x = vm.to_number(&arg(args, 1))?;
        Ok(Value::Num(y.atan2(x)))
    });
    vm.def_fn(m, "imul", 2, |vm, _, args, _| {
        let a = to_int32(vm.to_number(&arg(args, 0))?);
        let b = to_int32(vm.to_number(&arg(args, 1))?);
        Ok(Value::Num(a.wrapping_mul(b) as f64))
    });
    vm.def_fn(m, "hypot", 2, |vm, _, args, _| {
        let mut xs = Vec::new();
        for a in args {
            xs.push(vm.to_number(a)?);
        }
        if xs.iter().any(|x| x.is_infinite()) {
            return Ok(Value::Num(f64::INFINITY));
        }
        Ok(Value::Num(xs.iter().map(|x| x * x).sum::<f64>().sqrt()))
    });
    vm.def_fn(m, "random", 0, |vm, _, _, _| {
        // xorshift64*: deterministic per VM, good enough for benchmarks and tests.
        let mut x = vm.rng_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        vm.rng_state = x;
        let r = x.wrapping_mul(0x2545F4914F6CDD1D) >> 11;
        Ok(Value::Num(r as f64 / (1u64 << 53) as f64))
    });

    // BigInt
    let bp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.bigint_proto = Some(bp);
    let bc = make_ctor(vm, "BigInt", 1, bigint_ctor, bp);
    vm.def_fn(bc, "asIntN", 2, bigint_as_int_n);
    vm.def_fn(bc, "asUintN", 2, bigint_as_uint_n);
    vm.def_fn(bp, "toString", 0, bigint_to_string);
    vm.def_fn(bp, "valueOf", 0, bigint_value_of);
    vm.def_fn(bp, "toLocaleString", 0, bigint_to_string);
    vm.heap
        .add_prop(bp, PropKey::Sym(tag), Value::str("BigInt"), CONFIGURABLE);

    // Date
    let dp = vm.heap.alloc(op, Class::Ordinary);
    vm.realm.date_proto = Some(dp);
    let dc = make_ctor(vm, "Date", 7, date_ctor, dp);
    vm.def_fn(dc, "now", 0, |_, _, _, _| Ok(Value::Num(now_ms())));
    vm.def_fn(dc, "UTC", 7, |vm, _, args, _| date_from_parts(vm, args));
    vm.def_fn(dp, "getTime", 0, date_get_time);
    vm.def_fn(dp, "valueOf", 0, date_get_time);
    macro_rules! date_get {
        ($($name:literal => $f:expr),* $(,)?) => {
            $(
                vm.def_fn(dp, $name, 0, |vm, this, _, _| {
                    let t = this_date(vm, &this)?;
                    if t.is_nan() { return Ok(Value::Num(f64::NAN)); }
                    let f: fn(f64) -> f64 = $f;
                    Ok(Value::Num(f(t)))
                });
            )*
        };
    }
    date_get! {
        "getFullYear" => |t| ymd(t).0, "getUTCFullYear" => |t| ymd(t).0,
        "getMonth" => |t| ymd(t).1, "getUTCMonth" => |t| ymd(t).1,
        "getDate" => |t| ymd(t).2, "getUTCDate" => |t| ymd(t).2,
        "getDay" => |t| ((t / 86400000.0).floor() + 4.0).rem_euclid(7.0),
        "getUTCDay" => |t| ((t / 86400000.0).floor() + 4.0).rem_euclid(7.0),
        "getHours" => |t| (t / 3600000.0).floor().rem_euclid(24.0),
        "getUTCHours" => |t| (t / 3600000.0).floor().rem_euclid(24.0),
        "getMinutes" => |t| (t / 60000.0).floor().rem_euclid(60.0),
        "getUTCMinutes" => |t| (t / 60000.0).floor().rem_euclid(60.0),
        "getSeconds" => |t| (t / 1000.0).floor().rem_euclid(60.0),
        "getUTCSeconds" => |t| (t / 1000.0).floor().rem_euclid(60.0),
        "getMilliseconds" => |t| t.rem_euclid(1000.0),
        "getUTCMilliseconds" => |t| t.rem_euclid(1000.0),
        "getTimezoneOffset" => |_| 0.0,
    }
    vm.def_fn(dp, "toISOString", 0, date_to_iso);
    vm.def_fn(dp, "toJSON", 1, date_to_iso);
    vm.def_fn(dp, "toString", 0, date_to_iso);
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

/// Days from civil date (Howard Hinnant's algorithm): days since 1970-01-01.
fn days_from_civil(y: f64, m: f64, d: f64) -> f64 {
    let y = if m <= 2.0 { y - 1.0 } else { y };
    let era = (y / 400.0).floor();
    let yoe = y - era * 400.0;
    let mp = (m + 9.0) % 12.0;
    let doy = ((153.0 * mp + 2.0) / 5.0).floor() + d - 1.0;
    let doe = yoe * 365.0 + (yoe / 4.0).floor() - (yoe / 100.0).floor() + doy;
    era * 146097.0 + doe - 719468.0
}

/// (year, month 0-11, day 1-31) of a time value.
fn ymd(t: f64) -> (f64, f64, f64) {
    let z = (t / 86400000.0).floor() + 719468.0;
    let era = (z / 146097.0).floor();
    let doe = z - era * 146097.0;
    let yoe = ((doe - (doe / 1460.0).floor() + (doe / 36524.0).floor() - (doe / 146096.0).floor())
        / 365.0)
        .floor();
    let y = yoe + era * 400.0;
    let doy = doe - (365.0 * yoe + (yoe / 4.0).floor() - (yoe / 100.0).floor());
    let mp = ((5.0 * doy + 2.0) / 153.0).floor();
    let d = doy - ((153.0 * mp + 2.0) / 5.0).floor() + 1.0;
    let m = if mp < 10.0 { mp + 3.0 } else { mp - 9.0 };
    (if m <= 2.0 { y + 1.0 } else { y }, m - 1.0, d)
}

fn time_clip(t: f64) -> f64 {
    if !t.is_finite() || t.abs() > 8.64e15 {
        f64::NAN
    } else {
        to_integer(t)
    }
}

fn date_from_parts(vm: &mut Vm, args: &[Value]) -> Res<Value> {
    let mut p = [f64::NAN, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    for (i, a) in args.iter().take(7).enumerate() {
        p[i] = vm.to_number(a)?;
    }
    if p.iter().any(|x| !x.is_finite()) {
        return Ok(Value::Num(f64::NAN));
    }
    let mut y = to_integer(p[0]);
    if (0.0..=99.0).contains(&y) {
        y += 1900.0;
    }
    let m = to_integer(p[1]);
    let ym = y + (m / 12.0).floor();
    let mn = m.rem_euclid(12.0);
    let day = days_from_civil(ym, mn + 1.0, 1.0) + to_integer(p[2]) - 1.0;
    let t = day * 86400000.0
        + to_integer(p[3]) * 3600000.0
        + to_integer(p[4]) * 60000.0
        + to_integer(p[5]) * 1000.0
        + to_integer(p[6]);
    Ok(Value::Num(time_clip(t)))
}

fn date_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if !is_construct(&this) {
        let t = now_ms();
        return date_to_iso(vm, Value::Num(t), &[], ObjId(0));
    }
    let t = match args.len() {
        0 => now_ms(),
        1 => match &args[0] {
            Value::Obj(o) if matches!(vm.heap.get(*o).class, Class::Date(_)) => {
                match vm.heap.get(*o).class {
                    Class::Date(t) => t,
                    _ => unreachable!(),
                }
            }
            v => {
                let p = vm.to_primitive(v, "default")?;
                match p {
                    Value::Str(s) => parse_iso(&s.to_rust()),
                    p => time_clip(vm.to_number(&p)?),
                }
            }
        },
        _ => match date_from_parts(vm, args)? {
            Value::Num(t) => t,
            _ => f64::NAN,
        },
    };
    let nt = vm.native_new_target.clone();
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Date)?;
    Ok(Value::Obj(vm.heap.alloc(Some(proto), Class::Date(t))))
}

/// Parses the ECMA-262 date-time string format (§21.4.1.32), UTC only.
fn parse_iso(s: &str) -> f64 {
    let b = s.as_bytes();
    let num = |a: usize, n: usize| -> Option<f64> {
        let t = s.get(a..a + n)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse::<f64>().ok())?
    };
    let Some(y) = num(0, 4) else { return f64::NAN };
    let mo = if b.get(4) == Some(&b'-') {
        num(5, 2).unwrap_or(f64::NAN)
    } else {
        1.0
    };
    let d = if b.get(7) == Some(&b'-') {
        num(8, 2).unwrap_or(f64::NAN)
    } else {
        1.0
    };
    let (mut h, mut mi, mut sec, mut ms) = (0.0, 0.0, 0.0, 0.0);
    if b.get(10) == Some(&b'T') {
        h = num(11, 2).unwrap_or(f64::NAN);
        mi = num(14, 2).unwrap_or(f64::NAN);
        if b.get(16) == Some(&b':') {
            sec = num(17, 2).unwrap_or(f64::NAN);
            if b.get(19) == Some(&b'.') {
                ms = num(20, 3).unwrap_or(f64::NAN);
            }
        }
    }
    let t =
        days_from_civil(y, mo, d) * 86400000.0 + h * 3600000.0 + mi * 60000.0 + sec * 1000.0 + ms;
    time_clip(t)
}

fn this_date(vm: &mut Vm, this: &Value) -> Res<f64> {
    match this {
        Value::Obj(o) => match vm.heap.get(*o).class {
            Class::Date(t) => Ok(t),
            _ => vm.type_err("this is not a Date object."),
        },
        _ => vm.type_err("this is not a Date object."),
    }
}
fn date_get_time(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Num(this_date(vm, &this)?))
}
fn date_to_iso(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    let t = match this {
        Value::Num(t) => t,
        _ => this_date(vm, &this)?,
    };
    if t.is_nan() {
        return range_err(vm, "Invalid time value");
    }
    Ok(Value::str(&iso(t)))
}

/// The ISO 8601 text of a (valid) time value.
pub(crate) fn iso(t: f64) -> String {
    let (y, m, d) = ymd(t);
    let ms = t.rem_euclid(86400000.0);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        y,
        m + 1.0,
        d,
        (ms / 3600000.0).floor(),
        (ms / 60000.0).floor() % 60.0,
        (ms / 1000.0).floor() % 60.0,
        ms % 1000.0
    )
}

fn number_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let n = match args.first() {
        None => 0.0,
        Some(v) => match vm.to_numeric(v)? {
            Value::BigInt(b) => bigint_to_f64(&b),
            Value::Num(n) => n,
            _ => f64::NAN,
        },
    };
    if !is_construct(&this) {
        return Ok(Value::Num(n));
    }
    let nt = vm.native_new_target.clone();
    let proto = vm.get_prototype_from_ctor(&nt, crate::vm::ProtoKind::Number)?;
    Ok(Value::Obj(vm.heap.alloc(Some(proto), Class::Number(n))))
}

fn is_integer(_: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(
        matches!(arg(args, 0), Value::Num(n) if n.is_finite() && n.trunc() == n),
    ))
}
fn is_safe_integer(_: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(
        matches!(arg(args, 0), Value::Num(n) if n.is_finite() && n.trunc() == n && n.abs() <= 9007199254740991.0),
    ))
}
fn is_finite(_: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(
        matches!(arg(args, 0), Value::Num(n) if n.is_finite()),
    ))
}
fn is_nan(_: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(
        matches!(arg(args, 0), Value::Num(n) if n.is_nan()),
    ))
}
/// Global `isNaN` (§19.2.3).
pub(super) fn global_is_nan(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(vm.to_number(&arg(args, 0))?.is_nan()))
}
/// Global `isFinite` (§19.2.2).
pub(super) fn global_is_finite(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Bool(vm.to_number(&arg(args, 0))?.is_finite()))
}

/// `parseFloat` (§19.2.4): the longest prefix that is a StrDecimalLiteral.
pub(super) fn parse_float(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = vm.to_string(&arg(args, 0))?;
    let t = String::from_utf16_lossy(trim_start_units(s.units()));
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if t[i..].starts_with("Infinity") {
        return Ok(Value::Num(if b.first() == Some(&b'-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i > ds;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits |= i > fs;
    }
    if !digits {
        return Ok(Value::Num(f64::NAN));
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let es = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > es {
            i = j;
        }
    }
    let text = t[..i].trim_end_matches('.');
    let text = if text.ends_with('.') || text.is_empty() {
        "0"
    } else {
        text
    };
    Ok(Value::Num(text.parse::<f64>().unwrap_or(f64::NAN)))
}

/// `parseInt` (§19.2.5).
pub(super) fn parse_int(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let s = vm.to_string(&arg(args, 0))?;
    let mut r = to_int32(vm.to_number(&arg(args, 1))?);
    let t = String::from_utf16_lossy(trim_start_units(s.units()));
    let mut t = t.as_str();
    let neg = t.starts_with('-');
    if t.starts_with('-') || t.starts_with('+') {
        t = &t[1..];
    }
    let mut strip = true;
    if r != 0 {
        if !(2..=36).contains(&r) {
            return Ok(Value::Num(f64::NAN));
        }
        if r != 16 {
            strip = false;
        }
    } else {
        r = 10;
    }
    if strip && (t.starts_with("0x") || t.starts_with("0X")) {
        t = &t[2..];
        r = 16;
    }
    let end = t
        .char_indices()
        .find(|(_, c)| c.to_digit(r as u32).is_none())
        .map_or(t.len(), |(i, _)| i);
    let digits = &t[..end];
    if digits.is_empty() {
        return Ok(Value::Num(f64::NAN));
    }
    let v = if r == 10 {
        digits.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        digits.chars().fold(0.0, |acc, c| {
            acc * r as f64 + c.to_digit(r as u32).unwrap_or(0) as f64
        })
    };
    Ok(Value::Num(if neg { -v } else { v }))
}

fn this_num(vm: &mut Vm, this: &Value) -> Res<f64> {
    match this {
        Value::Num(n) => Ok(*n),
        Value::Obj(o) => match vm.heap.get(*o).class {
            Class::Number(n) => Ok(n),
            _ => vm.type_err("Number.prototype method called on incompatible receiver"),
        },
        _ => vm.type_err("Number.prototype method called on incompatible receiver"),
    }
}
fn to_string(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let n = this_num(vm, &this)?;
    let r = match arg(args, 0) {
        Value::Undefined => 10.0,
        v => vm.to_integer_or_inf(&v)?,
    };
    if !(2.0..=36.0).contains(&r) {
        return range_err(vm, "toString() radix must be between 2 and 36");
    }
    Ok(Value::str(&number_to_string_radix(n, r as u32)))
}
fn value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::Num(this_num(vm, &this)?))
}
fn to_fixed(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let x = this_num(vm, &this)?;
    let f = vm.to_integer_or_inf(&arg(args, 0))?;
    if !(0.0..=100.0).contains(&f) {
        return range_err(vm, "toFixed() digits argument must be between 0 and 100");
    }
    if !x.is_finite() || x.abs() >= 1e21 {
        return Ok(Value::str(&number_to_string(x)));
    }
    let s = format!("{:.*}", f as usize, x);
    let s = if s.starts_with('-') && s[1..].bytes().all(|c| c == b'0' || c == b'.') {
        s[1..].to_string()
    } else {
        s
    };
    Ok(Value::str(&s))
}
/// (digits, exponent) of x rounded to p significant digits.
fn sig_digits(x: f64, p: usize) -> (String, i32) {
    let s = format!("{:.*e}", p - 1, x.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    (m.replace('.', ""), e.parse().unwrap_or(0))
}
fn to_exponential(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let x = this_num(vm, &this)?;
    let fv = arg(args, 0);
    let f = vm.to_integer_or_inf(&fv)?;
    if !x.is_finite() {
        return Ok(Value::str(&number_to_string(x)));
    }
    if !(0.0..=100.0).contains(&f) {
        return range_err(vm, "toExponential() argument must be between 0 and 100");
    }
    let (d, e) = if fv.is_undefined() {
        let s = number_to_string(x.abs());
        let (m, e) = sig_digits(x, 17);
        let _ = s;
        let m = m.trim_end_matches('0').to_string();
        let m = if m.is_empty() { "0".to_string() } else { m };
        // shortest round-trip digits via ryu
        let short = format!("{:e}", x.abs());
        let (sm, se) = short.split_once('e').unwrap_or((&short, "0"));
        let sm = sm.replace('.', "");
        if sm.len() <= m.len() {
            (sm, se.parse().unwrap_or(e))
        } else {
            (m, e)
        }
    } else {
        sig_digits(x, f as usize + 1)
    };
    let mant = if d.len() > 1 {
        format!("{}.{}", &d[..1], &d[1..])
    } else {
        d
    };
    let sign = if x < 0.0 { "-" } else { "" };
    let es = if e >= 0 {
        format!("+{e}")
    } else {
        e.to_string()
    };
    Ok(Value::str(&format!("{sign}{mant}e{es}")))
}
fn to_precision(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let x = this_num(vm, &this)?;
    if arg(args, 0).is_undefined() {
        return Ok(Value::str(&number_to_string(x)));
    }
    let p = vm.to_integer_or_inf(&arg(args, 0))?;
    if !x.is_finite() {
        return Ok(Value::str(&number_to_string(x)));
    }
    if !(1.0..=100.0).contains(&p) {
        return range_err(vm, "toPrecision() argument must be between 1 and 100");
    }
    let p = p as usize;
    let sign = if x < 0.0 { "-" } else { "" };
    if x == 0.0 {
        let z = if p > 1 {
            format!("0.{}", "0".repeat(p - 1))
        } else {
            "0".into()
        };
        return Ok(Value::str(&z));
    }
    let (d, e) = sig_digits(x, p);
    let s = if e < -6 || e >= p as i32 {
        let mant = if d.len() > 1 {
            format!("{}.{}", &d[..1], &d[1..])
        } else {
            d
        };
        let es = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        format!("{mant}e{es}")
    } else if e >= 0 {
        let e = e as usize;
        if e + 1 >= d.len() {
            d
        } else {
            format!("{}.{}", &d[..e + 1], &d[e + 1..])
        }
    } else {
        format!("0.{}{}", "0".repeat((-e - 1) as usize), d)
    };
    Ok(Value::str(&format!("{sign}{s}")))
}

fn bigint_ctor(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    if is_construct(&this) {
        return vm.type_err("BigInt is not a constructor");
    }
    let p = vm.to_primitive(&arg(args, 0), "number")?;
    if let Value::Num(n) = p {
        if !n.is_finite() || n.trunc() != n {
            return range_err(
                vm,
                "The number cannot be converted to a BigInt because it is not an integer",
            );
        }
        let b = num_bigint::BigInt::from(n as i128);
        let b = if n.abs() < 1.7e38 {
            b
        } else {
            // exact conversion of large integral doubles
            let bits = n.to_bits();
            let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
            let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
            let m = num_bigint::BigInt::from(mant);
            let m = if exp >= 0 {
                m << exp as usize
            } else {
                m >> (-exp) as usize
            };
            if n < 0.0 { -m } else { m }
        };
        return Ok(Value::BigInt(std::rc::Rc::new(b)));
    }
    to_bigint(vm, &p).map(|b| Value::BigInt(std::rc::Rc::new(b)))
}

/// ToBigInt (§7.1.13).
pub(crate) fn to_bigint(vm: &mut Vm, v: &Value) -> Res<BigInt> {
    let p = vm.to_primitive(v, "number")?;
    match p {
        Value::BigInt(b) => Ok((*b).clone()),
        Value::Bool(b) => Ok(BigInt::from(b as u8)),
        Value::Str(s) => match string_to_bigint(&s.to_rust()) {
            Some(b) => Ok(b),
            None => vm.throw(
                ErrorKind::Syntax,
                &format!("Cannot convert {s} to a BigInt"),
            ),
        },
        Value::Num(_) | Value::Undefined | Value::Null => {
            vm.type_err("Cannot convert value to a BigInt")
        }
        _ => vm.type_err("Cannot convert value to a BigInt"),
    }
}
fn as_n(vm: &mut Vm, args: &[Value], signed: bool) -> Res<Value> {
    let bits = vm.to_integer_or_inf(&arg(args, 0))?;
    if !(0.0..=9007199254740991.0).contains(&bits) {
        return range_err(vm, "Invalid value: not (convertible to) a safe integer");
    }
    let b = to_bigint(vm, &arg(args, 1))?;
    if bits > 1e6 {
        return Ok(Value::BigInt(std::rc::Rc::new(b)));
    }
    let m = BigInt::from(1) << bits as usize;
    let mut r = ((b % &m) + &m) % &m;
    if signed && bits > 0.0 && r >= (BigInt::from(1) << (bits as usize - 1)) {
        r -= m;
    }
    Ok(Value::BigInt(std::rc::Rc::new(r)))
}
fn bigint_as_int_n(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    as_n(vm, args, true)
}
fn bigint_as_uint_n(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    as_n(vm, args, false)
}
fn this_bigint(vm: &mut Vm, this: &Value) -> Res<std::rc::Rc<BigInt>> {
    match this {
        Value::BigInt(b) => Ok(b.clone()),
        Value::Obj(o) => match &vm.heap.get(*o).class {
            Class::BigInt(Value::BigInt(b)) => Ok(b.clone()),
            _ => vm.type_err("not a BigInt"),
        },
        _ => vm.type_err("not a BigInt"),
    }
}
fn bigint_to_string(vm: &mut Vm, this: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let b = this_bigint(vm, &this)?;
    let r = match arg(args, 0) {
        Value::Undefined => 10.0,
        v => vm.to_integer_or_inf(&v)?,
    };
    if !(2.0..=36.0).contains(&r) {
        return range_err(vm, "toString() radix must be between 2 and 36");
    }
    Ok(Value::str(&b.to_str_radix(r as u32)))
}
fn bigint_value_of(vm: &mut Vm, this: Value, _: &[Value], _: ObjId) -> Res<Value> {
    Ok(Value::BigInt(this_bigint(vm, &this)?))
}
