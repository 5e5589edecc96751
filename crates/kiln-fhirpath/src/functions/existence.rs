//! Existence functions (spec §5.1) and `not()` (§6.5.3).

use super::{Func, singleton};
use crate::ops;
use crate::value::Value;
use crate::vm::EvalCtx;

/// Calls an existence function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let model = ctx.model;
    let b = |v: bool| Value::Boolean(v);
    match f {
        Func::Empty => out.push(b(input.is_empty())),
        Func::Exists => out.push(b(!input.is_empty())),
        Func::AllTrue | Func::AnyTrue | Func::AllFalse | Func::AnyFalse => {
            let mut flags = Vec::with_capacity(input.len());
            for v in input {
                match v.to_system(model) {
                    Some(Value::Boolean(x)) => flags.push(x),
                    _ => {
                        return Err(format!(
                            "{}() expects Booleans but got {}",
                            f.name(),
                            ops::type_name(model, v)
                        ));
                    }
                }
            }
            out.push(b(match f {
                Func::AllTrue => flags.iter().all(|&x| x),
                Func::AnyTrue => flags.iter().any(|&x| x),
                Func::AllFalse => flags.iter().all(|&x| !x),
                _ => flags.iter().any(|&x| !x),
            }));
        }
        Func::SubsetOf | Func::SupersetOf => {
            let other = args.first().copied().unwrap_or(&[]);
            ctx.consume((input.len() as u64).saturating_mul(other.len() as u64))?;
            let (small, big) = if f == Func::SubsetOf {
                (input, other)
            } else {
                (other, input)
            };
            out.push(b(small.iter().all(|x| {
                big.iter()
                    .any(|y| ops::item_equals(model, x, y) == Some(true))
            })));
        }
        Func::Count => out.push(Value::Integer(input.len() as i64)),
        Func::Distinct => {
            ctx.consume((input.len() as u64).saturating_pow(2) / 2)?;
            distinct(ctx, input, out)
        }
        Func::IsDistinct => {
            ctx.consume((input.len() as u64).saturating_pow(2) / 2)?;
            let mut d = Vec::new();
            distinct(ctx, input, &mut d);
            out.push(b(d.len() == input.len()));
        }
        Func::Not => {
            if let Some(v) = ops::to_bool(model, input, "not()")? {
                out.push(b(!v));
            }
            let _ = singleton(input, "not()")?;
        }
        _ => {
            return Err(format!(
                "internal error: {} is not an existence function",
                f.name()
            ));
        }
    }
    Ok(())
}

/// Appends the items of `input` without duplicates (`=` decides), keeping first occurrences.
pub(crate) fn distinct<'a>(ctx: &EvalCtx<'a>, input: &[Value<'a>], out: &mut Vec<Value<'a>>) {
    let start = out.len();
    for v in input {
        if !out[start..]
            .iter()
            .any(|u| ops::item_equals(ctx.model, u, v) == Some(true))
        {
            out.push(v.clone());
        }
    }
}
