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
                acc = ops::arith(
                    ctx.model,
                    numeric::Arith::Add,
                    std::slice::from_ref(&acc),
                    std::slice::from_ref(v),
                )?
                .ok_or_else(|| format!("{what}: the items cannot be added"))?;
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
