//! Slow paths of the operators (ECMA-262 §13.15.3 ApplyStringOrNumericBinaryOperator,
//! §7.2.13 IsLessThan, §13.10.2 InstanceofOperator) for the dispatch loop.

use crate::heap::{Class, FuncKind};
use crate::value::*;
use crate::vm::Vm;
use num_bigint::BigInt;
use std::rc::Rc;

type Res<T> = Result<T, Value>;

/// Number `%` (truncating remainder).
pub fn fmod(x: f64, y: f64) -> f64 {
    if y.is_infinite() && x.is_finite() {
        return x;
    }
    x % y
}

/// Number `**` (§6.1.6.1.3).
pub fn pow(x: f64, y: f64) -> f64 {
    if y.is_nan() || (x.abs() == 1.0 && y.is_infinite()) {
        return f64::NAN;
    }
    x.powf(y)
}

fn numerics(vm: &mut Vm, a: &Value, b: &Value) -> Res<(Value, Value)> {
    let x = vm.to_numeric(a)?;
    let y = vm.to_numeric(b)?;
    match (&x, &y) {
        (Value::BigInt(_), Value::Num(_)) | (Value::Num(_), Value::BigInt(_)) => {
            vm.type_err("Cannot mix BigInt and other types, use explicit conversions")
        }
        _ => Ok((x, y)),
    }
}

macro_rules! arith {
    ($name:ident, $num:expr, $big:expr) => {
        /// Slow path of the operator.
        pub fn $name(vm: &mut Vm, a: &Value, b: &Value) -> Res<Value> {
            match numerics(vm, a, b)? {
                (Value::Num(x), Value::Num(y)) => Ok(Value::Num($num(x, y))),
                (Value::BigInt(x), Value::BigInt(y)) => $big(vm, &x, &y),
                _ => unreachable!(),
            }
        }
    };
}

fn big(v: BigInt) -> Res<Value> {
    Ok(Value::BigInt(Rc::new(v)))
}

arith!(
    sub,
    |x: f64, y: f64| x - y,
    |_vm: &mut Vm, x: &BigInt, y: &BigInt| big(x - y)
);
arith!(
    mul,
    |x: f64, y: f64| x * y,
    |_vm: &mut Vm, x: &BigInt, y: &BigInt| big(x * y)
);
arith!(
    div,
    |x: f64, y: f64| x / y,
    |vm: &mut Vm, x: &BigInt, y: &BigInt| {
        if *y == BigInt::ZERO {
            return vm.throw(crate::vm::ErrorKind::Range, "Division by zero");
        }
        big(x / y)
    }
);
arith!(rem, fmod, |vm: &mut Vm, x: &BigInt, y: &BigInt| {
    if *y == BigInt::ZERO {
        return vm.throw(crate::vm::ErrorKind::Range, "Division by zero");
    }
    big(x % y)
});
arith!(exp, pow, |vm: &mut Vm, x: &BigInt, y: &BigInt| {
    if y.sign() == num_bigint::Sign::Minus {
        return vm.throw(crate::vm::ErrorKind::Range, "Exponent must be non-negative");
    }
    let e: u32 = match u32::try_from(y) {
        Ok(e) => e,
        Err(_) => return vm.throw(crate::vm::ErrorKind::Range, "Maximum BigInt size exceeded"),
    };
    big(num_traits::Pow::pow(x, e))
});
arith!(
    shl,
    |x: f64, y: f64| (to_int32(x).wrapping_shl(to_uint32(y) & 31)) as f64,
    |vm: &mut Vm, x: &BigInt, y: &BigInt| {
        let s: i64 = i64::try_from(y).unwrap_or(i64::MAX);
        if s > 1 << 20 {
            return vm.throw(crate::vm::ErrorKind::Range, "Maximum BigInt size exceeded");
        }
        big(if s >= 0 {
            x << s as usize
        } else {
            x >> (-s) as usize
        })
    }
);
arith!(
    shr,
    |x: f64, y: f64| (to_int32(x) >> (to_uint32(y) & 31)) as f64,
    |vm: &mut Vm, x: &BigInt, y: &BigInt| {
        let s: i64 = i64::try_from(y).unwrap_or(i64::MAX);
        if s < -(1 << 20) {
            return vm.throw(crate::vm::ErrorKind::Range, "Maximum BigInt size exceeded");
        }
        big(if s >= 0 {
            x >> s as usize
        } else {
            x << (-s) as usize
        })
    }
);
arith!(
    ushr,
    |x: f64, y: f64| (to_uint32(x) >> (to_uint32(y) & 31)) as f64,
    |vm: &mut Vm, _x: &BigInt, _y: &BigInt| vm
        .type_err("BigInts have no unsigned right shift, use >> instead")
);
arith!(
    bitand,
    |x: f64, y: f64| (to_int32(x) & to_int32(y)) as f64,
    |_vm: &mut Vm, x: &BigInt, y: &BigInt| big(x & y)
);
arith!(
    bitor,
    |x: f64, y: f64| (to_int32(x) | to_int32(y)) as f64,
    |_vm: &mut Vm, x: &BigInt, y: &BigInt| big(x | y)
);
arith!(
    bitxor,
    |x: f64, y: f64| (to_int32(x) ^ to_int32(y)) as f64,
    |_vm: &mut Vm, x: &BigInt, y: &BigInt| big(x ^ y)
);

/// The `+` operator (§13.15.3).
pub fn add(vm: &mut Vm, a: &Value, b: &Value) -> Res<Value> {
    let x = vm.to_primitive(a, "default")?;
    let y = vm.to_primitive(b, "default")?;
    if matches!(x, Value::Str(_)) || matches!(y, Value::Str(_)) {
        let xs = vm.to_string(&x)?;
        let ys = vm.to_string(&y)?;
        if xs.len() + ys.len() > (1 << 26) {
            return vm.throw(crate::vm::ErrorKind::Range, "Invalid string length");
        }
        return Ok(Value::Str(xs.concat(&ys)));
    }
    match numerics(vm, &x, &y)? {
        (Value::Num(p), Value::Num(q)) => Ok(Value::Num(p + q)),
        (Value::BigInt(p), Value::BigInt(q)) => big(&*p + &*q),
        _ => unreachable!(),
    }
}

/// IsLessThan (§7.2.13): Some(bool) or None for undefined (NaN).
pub fn less(vm: &mut Vm, a: &Value, b: &Value, left_first: bool) -> Res<Option<bool>> {
    let (px, py) = if left_first {
        let x = vm.to_primitive(a, "number")?;
        let y = vm.to_primitive(b, "number")?;
        (x, y)
    } else {
        let y = vm.to_primitive(b, "number")?;
        let x = vm.to_primitive(a, "number")?;
        (x, y)
    };
    if let (Value::Str(x), Value::Str(y)) = (&px, &py) {
        return Ok(Some(x.units() < y.units()));
    }
    match (&px, &py) {
        (Value::BigInt(x), Value::Str(y)) => {
            return Ok(crate::builtins::string_to_bigint(&y.to_rust()).map(|y| **x < y));
        }
        (Value::Str(x), Value::BigInt(y)) => {
            return Ok(crate::builtins::string_to_bigint(&x.to_rust()).map(|x| x < **y));
        }
        _ => {}
    }
    let nx = vm.to_numeric(&px)?;
    let ny = vm.to_numeric(&py)?;
    Ok(match (&nx, &ny) {
        (Value::Num(x), Value::Num(y)) => {
            if x.is_nan() || y.is_nan() {
                None
            } else {
                Some(x < y)
            }
        }
        (Value::BigInt(x), Value::BigInt(y)) => Some(x < y),
        (Value::BigInt(x), Value::Num(y)) => {
            if y.is_nan() {
                None
            } else if y.is_infinite() {
                Some(*y > 0.0)
            } else {
                Some(bigint_cmp_f64(x, *y) == std::cmp::Ordering::Less)
            }
        }
        (Value::Num(x), Value::BigInt(y)) => {
            if x.is_nan() {
                None
            } else if x.is_infinite() {
                Some(*x < 0.0)
            } else {
                Some(bigint_cmp_f64(y, *x) == std::cmp::Ordering::Greater)
            }
        }
        _ => None,
    })
}

fn bigint_cmp_f64(x: &BigInt, y: f64) -> std::cmp::Ordering {
    let fl = y.floor();
    let yb = BigInt::from(fl as i128);
    match x.cmp(&yb) {
        std::cmp::Ordering::Equal => {
            if y > fl {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Equal
            }
        }
        o => o,
    }
}

/// InstanceofOperator (§13.10.2).
pub fn instance_of(vm: &mut Vm, v: &Value, target: &Value) -> Res<bool> {
    if !matches!(target, Value::Obj(_)) {
        return vm.type_err("Right-hand side of 'instanceof' is not an object");
    }
    let hi = PropKey::Sym(vm.realm.sym_has_instance.expect("@@hasInstance"));
    if let Some(h) = vm.get_method(target, &hi)? {
        let r = vm.call(&h, target.clone(), std::slice::from_ref(v))?;
        return Ok(r.truthy());
    }
    if !vm.is_callable(target) {
        return vm.type_err("Right-hand side of 'instanceof' is not callable");
    }
    ordinary_has_instance(vm, target, v)
}

/// OrdinaryHasInstance (§7.3.21).
pub fn ordinary_has_instance(vm: &mut Vm, c: &Value, v: &Value) -> Res<bool> {
    if !vm.is_callable(c) {
        return Ok(false);
    }
    let co = c.as_obj().expect("callable");
    if let Class::Function(f) = &vm.heap.get(co).class
        && let FuncKind::Bound { target, .. } = f.kind
    {
        return instance_of(vm, v, &Value::Obj(target));
    }
    let &Value::Obj(mut o) = v else {
        return Ok(false);
    };
    let p = vm.get_str(c, "prototype")?;
    let Value::Obj(p) = p else {
        return vm.type_err("Function has non-object prototype in instanceof check");
    };
    loop {
        match vm.heap.proto(o) {
            Some(q) if q == p => return Ok(true),
            Some(q) => o = q,
            None => return Ok(false),
        }
    }
}
