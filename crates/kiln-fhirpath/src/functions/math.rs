//! Math functions (spec §5.8), aggregates `sum`/`min`/`max`/`avg` (§7) and
//! `comparable()` (§6.2.5).

use super::{Func, singleton};
use crate::numeric;
use crate::ops;
use crate::quantity::{self, Quantity};
use crate::value::Value;
use crate::vm::EvalCtx;
use rust_decimal::Decimal;
use std::sync::Arc;

fn number<'a>(ctx: &EvalCtx<'a>, v: &Value<'a>, what: &str) -> Result<Value<'a>, String> {
    match v.to_system(ctx.model) {
        Some(n @ (Value::Integer(_) | Value::Long(_) | Value::Decimal(_) | Value::Quantity(_))) => {
            Ok(n)
        }
        _ => Err(format!(
            "{what} expects a number but got {}",
            ops::type_name(ctx.model, v)
        )),
    }
}

fn as_decimal(v: &Value<'_>) -> Option<Decimal> {
    match v {
        Value::Integer(i) | Value::Long(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

fn quantity(q: Quantity) -> Value<'static> {
    Value::Quantity(Arc::new(q))
}

/// Calls a math or aggregate function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let what = format!("{}()", f.name());
    match f {
        Func::Sum | Func::Min | Func::Max | Func::Avg => return aggregate(ctx, f, input, out),
        Func::Comparable => {
            let (Some(a), Some(b)) = (
                singleton(input, &what)?,
                singleton(args.first().copied().unwrap_or(&[]), &what)?,
            ) else {
                return Ok(());
            };
            match (a.to_system(ctx.model), b.to_system(ctx.model)) {
                (Some(Value::Quantity(x)), Some(Value::Quantity(y))) => {
                    out.push(Value::Boolean(quantity::comparable(&x, &y)))
                }
                _ => return Err("comparable() expects Quantities".into()),
            }
            return Ok(());
        }
        _ => {}
    }
    let Some(item) = singleton(input, &what)? else {
        return Ok(());
    };
    let v = number(ctx, item, &what)?;
    let overflow = || format!("{what}: result out of range");
    let result: Option<Value<'a>> = match (f, &v) {
        (Func::Abs, Value::Integer(i)) => {
            let i = i32::try_from(*i).map_err(|_| overflow())?;
            Some(Value::Integer(i64::from(
                numeric::integer_abs(i).ok_or_else(overflow)?,
            )))
        }
        (Func::Abs, Value::Long(i)) => Some(Value::Long(i.checked_abs().ok_or_else(overflow)?)),
        (Func::Abs, Value::Decimal(d)) => Some(Value::Decimal(d.abs())),
        (Func::Abs, Value::Quantity(q)) => Some(quantity(q.abs())),
        (Func::Ceiling | Func::Floor | Func::Truncate, Value::Integer(_) | Value::Long(_)) => {
            Some(v.clone())
        }
        (Func::Ceiling | Func::Floor | Func::Truncate, Value::Decimal(d)) => {
            let r = match f {
                Func::Ceiling => numeric::decimal_ceiling(d),
                Func::Floor => numeric::decimal_floor(d),
                _ => numeric::decimal_truncate(d),
            };
            Some(Value::Integer(i64::from(r.ok_or_else(overflow)?)))
        }
        (Func::Ceiling, Value::Quantity(q)) => Some(quantity(q.ceiling())),
        (Func::Floor, Value::Quantity(q)) => Some(quantity(q.floor())),
        (Func::Truncate, Value::Quantity(q)) => Some(quantity(q.truncate())),
        (Func::Round, Value::Quantity(q)) => {
            let p = precision_arg(ctx, args, &what)?;
            Some(quantity(
                q.round(p.unwrap_or(0))
                    .map_err(|e| format!("{what}: {e}"))?,
            ))
        }
        (Func::Round, _) => {
            let p = precision_arg(ctx, args, &what)?;
            let d = as_decimal(&v).ok_or_else(|| format!("{what} expects a number"))?;
            Some(Value::Decimal(
                numeric::decimal_round(&d, p.unwrap_or(0)).map_err(|e| format!("{what}: {e}"))?,
            ))
        }
        (Func::Exp | Func::Ln | Func::Sqrt, Value::Quantity(_)) => {
            return Err(format!("{what} expects a number but got a Quantity"));
        }
        (Func::Exp, _) => as_decimal(&v)
            .and_then(|d| numeric::decimal_exp(&d))
            .map(Value::Decimal),
        (Func::Ln, _) => as_decimal(&v)
            .and_then(|d| numeric::decimal_ln(&d))
            .map(Value::Decimal),
        (Func::Sqrt, _) => as_decimal(&v)
            .and_then(|d| numeric::decimal_sqrt(&d))
            .map(Value::Decimal),
        (Func::Log, _) => {
            let Some(base) = singleton(args.first().copied().unwrap_or(&[]), &what)? else {
                return Ok(());
            };
            let base = number(ctx, base, &what)?;
            let (Some(d), Some(b)) = (as_decimal(&v), as_decimal(&base)) else {
                return Err(format!("{what} expects numbers"));
            };
            numeric::decimal_log(&d, &b)
                .map_err(|e| format!("{what}: {e}"))?
                .map(Value::Decimal)
        }
        (Func::Power, _) => {
            let Some(e) = singleton(args.first().copied().unwrap_or(&[]), &what)? else {
                return Ok(());
            };
            let e = number(ctx, e, &what)?;
            match (&v, &e) {
                (Value::Integer(b), Value::Integer(x)) => match numeric::integer_power(*b, *x) {
                    Some(r) if i32::try_from(r).is_ok() => Some(Value::Integer(r)),
                    _ => numeric::decimal_power(&Decimal::from(*b), &Decimal::from(*x))
                        .map(Value::Decimal),
                },
                (Value::Integer(b) | Value::Long(b), Value::Integer(x) | Value::Long(x)) => {
                    match numeric::integer_power(*b, *x) {
                        Some(r) => Some(Value::Long(r)),
                        None => numeric::decimal_power(&Decimal::from(*b), &Decimal::from(*x))
                            .map(Value::Decimal),
                    }
                }
                _ => match (as_decimal(&v), as_decimal(&e)) {
                    (Some(b), Some(x)) => numeric::decimal_power(&b, &x).map(Value::Decimal),
                    _ => return Err(format!("{what} expects numbers")),
                },
            }
        }
        _ => {
            return Err(format!(
                "{what} cannot be applied to {}",
                ops::type_name(ctx.model, item)
            ));
        }
    };
    out.extend(result);
    Ok(())
}

fn precision_arg(
    ctx: &EvalCtx<'_>,
    args: &[&[Value<'_>]],
    what: &str,
) -> Result<Option<i64>, String> {
    match args.first() {
        Some(a) => crate::functions::subsetting::int_arg(ctx, a, what),
        None => Ok(None),
    }
}

/// Below this many items the generic path is as fast as the vectorised one.
const VECTOR_MIN: usize = 32;

/// Vectorised `sum`/`min`/`max`/`avg` over a collection that is all Integer
/// or all Decimal (System values or FHIR numbers): the numbers are unpacked
/// once into a flat buffer, then reduced eight lanes at a time (a loop LLVM
/// turns into SIMD adds). Returns `None` when the collection is mixed or of
/// another type, or a decimal result would not fit — the scalar path then
/// decides, so results are identical.
fn aggregate_vectorised<'a>(ctx: &EvalCtx<'a>, f: Func, input: &[Value<'a>]) -> Option<Value<'a>> {
    let first = input.first()?.to_system(ctx.model)?;
    match first {
        Value::Integer(_) => {
            let mut ints: Vec<i64> = Vec::with_capacity(input.len());
            for v in input {
                match v.to_system(ctx.model)? {
                    Value::Integer(i) => ints.push(i),
                    _ => return None,
                }
            }
            match f {
                Func::Sum => {
                    let total = lanes_sum_i64(&ints);
                    // Integer is 32-bit: an overflowing sum is left to the scalar path.
                    i32::try_from(total)
                        .ok()
                        .map(|t| Value::Integer(i64::from(t)))
                }
                Func::Min => ints.iter().copied().min().map(Value::Integer),
                Func::Max => ints.iter().copied().max().map(Value::Integer),
                _ => numeric::decimal_avg(&Decimal::from(lanes_sum_i64(&ints)), ints.len())
                    .map(Value::Decimal),
            }
        }
        Value::Decimal(_) => {
            // Mantissas at a common scale; i128 has room for 2^31 96-bit values.
            let mut mantissas: Vec<i128> = Vec::with_capacity(input.len());
            let mut scales: Vec<u32> = Vec::with_capacity(input.len());
            for v in input {
                match v.to_system(ctx.model)? {
                    Value::Decimal(d) => {
                        mantissas.push(d.mantissa());
                        scales.push(d.scale());
                    }
                    _ => return None,
                }
            }
            let scale = scales.iter().copied().max()?;
            for (m, s) in mantissas.iter_mut().zip(&scales) {
                *m = m.checked_mul(10i128.checked_pow(scale - s)?)?;
            }
            match f {
                Func::Sum | Func::Avg => {
                    let total = mantissas.iter().try_fold(0i128, |a, &m| a.checked_add(m))?;
                    let sum = Decimal::try_from_i128_with_scale(total, scale).ok()?;
                    if f == Func::Sum {
                        Some(Value::Decimal(sum))
                    } else {
                        numeric::decimal_avg(&sum, mantissas.len()).map(Value::Decimal)
                    }
                }
                // min/max return the original item (its own scale), like the scalar path:
                // the first of equal minima, the first of equal maxima.
                Func::Min | Func::Max => {
                    let mut best = 0;
                    for (i, m) in mantissas.iter().enumerate() {
                        if (f == Func::Min && *m < mantissas[best])
                            || (f == Func::Max && *m > mantissas[best])
                        {
                            best = i;
                        }
                    }
                    input[best].to_system(ctx.model)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Sum of `xs` in eight independent lanes (vectorisable; wrapping is safe
/// because callers bound the magnitude: Integers are 32-bit).
fn lanes_sum_i64(xs: &[i64]) -> i64 {
    let mut lanes = [0i64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, x) in lanes.iter_mut().zip(c) {
            *l = l.wrapping_add(*x);
        }
    }
    lanes
        .iter()
        .chain(rest)
        .fold(0i64, |a, x| a.wrapping_add(*x))
}

/// `sum()`, `min()`, `max()`, `avg()` (spec §7.2–7.5).
fn aggregate<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    if input.is_empty() {
        return Ok(());
    }
    if input.len() >= VECTOR_MIN
        && let Some(v) = aggregate_vectorised(ctx, f, input)
    {
        out.push(v);
        return Ok(());
    }
    let what = format!("{}()", f.name());
    let items: Vec<Value<'a>> = input
        .iter()
        .map(|v| {
            v.to_system(ctx.model)
                .ok_or_else(|| format!("{what} cannot aggregate {}", ops::type_name(ctx.model, v)))
        })
        .collect::<Result<_, _>>()?;
    match f {
        Func::Min | Func::Max => {
            let mut best = items[0].clone();
            for v in &items[1..] {
                let o = ops::compare_items(ctx.model, v, &best)?;
                match o {
                    Some(o) if (f == Func::Min && o.is_lt()) || (f == Func::Max && o.is_gt()) => {
                        best = v.clone()
                    }
                    Some(_) => {}
                    None => return Ok(()),
                }
            }
            out.push(best);
        }
        Func::Sum | Func::Avg => {
            let mut acc: Value<'a> = items[0].clone();
            for v in &items[1..] {
                let Some(next) = ops::arith(
                    ctx.model,
                    numeric::Arith::Add,
                    std::slice::from_ref(&acc),
                    std::slice::from_ref(v),
                )?
                else {
                    // Overflow (or incompatible quantities): the sum is empty (spec §6.6).
                    return Ok(());
                };
                acc = next;
            }
            if !matches!(
                acc,
                Value::Integer(_) | Value::Long(_) | Value::Decimal(_) | Value::Quantity(_)
            ) {
                return Err(format!("{what} expects numbers or quantities"));
            }
            if f == Func::Sum {
                out.push(acc);
            } else {
                let n = Decimal::from(items.len() as i64);
                let avg = match acc {
                    Value::Quantity(q) => q.div_number(&n).map(quantity),
                    other => as_decimal(&other)
                        .and_then(|d| numeric::decimal_avg(&d, items.len()))
                        .map(Value::Decimal),
                };
                out.extend(avg);
            }
        }
        _ => {}
    }
    Ok(())
}
