//! Subsetting (spec §5.3) and combining (§5.4) functions.

use super::{Func, singleton};
use crate::ops;
use crate::value::Value;
use crate::vm::EvalCtx;

/// Reads an Integer argument (`skip(n)`, `take(n)`); `None` when empty.
pub(crate) fn int_arg(
    ctx: &EvalCtx<'_>,
    arg: &[Value<'_>],
    what: &str,
) -> Result<Option<i64>, String> {
    match singleton(arg, what)? {
        None => Ok(None),
        Some(v) => match v.to_system(ctx.model) {
            Some(Value::Integer(i) | Value::Long(i)) => Ok(Some(i)),
            _ => Err(format!(
                "{what} expects an Integer but got {}",
                ops::type_name(ctx.model, v)
            )),
        },
    }
}

/// Calls a subsetting or combining function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let model = ctx.model;
    let arg = |i: usize| args.get(i).copied().unwrap_or(&[]);
    if matches!(f, Func::Intersect | Func::Exclude | Func::Union) {
        // These compare items pairwise: charge the work up front.
        let n = (input.len() + arg(0).len()) as u64;
        ctx.consume(n.saturating_mul(n))?;
    }
    match f {
        Func::Single => {
            if let Some(v) = singleton(input, "single()")? {
                out.push(v.clone());
            }
        }
        Func::First => out.extend(input.first().cloned()),
        Func::Last => out.extend(input.last().cloned()),
        Func::Tail => out.extend(input.iter().skip(1).cloned()),
        Func::Skip => {
            if let Some(n) = int_arg(ctx, arg(0), "skip()")? {
                let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
                out.extend(input.iter().skip(n).cloned());
            }
        }
        Func::Take => {
            if let Some(n) = int_arg(ctx, arg(0), "take()")? {
                let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
                out.extend(input.iter().take(n).cloned());
            }
        }
        Func::Intersect => {
            let start = out.len();
            for v in input {
                if arg(0)
                    .iter()
                    .any(|o| ops::item_equals(model, v, o) == Some(true))
                    && !out[start..]
                        .iter()
                        .any(|u| ops::item_equals(model, u, v) == Some(true))
                {
                    out.push(v.clone());
                }
            }
        }
        Func::Exclude => {
            for v in input {
                if !arg(0)
                    .iter()
                    .any(|o| ops::item_equals(model, v, o) == Some(true))
                {
                    out.push(v.clone());
                }
            }
        }
        Func::Union => ops::union(model, input, arg(0), out),
        Func::Combine => {
            out.extend(input.iter().cloned());
            out.extend(arg(0).iter().cloned());
        }
        _ => {
            return Err(format!(
                "internal error: {} is not a subsetting function",
                f.name()
            ));
        }
    }
    Ok(())
}
