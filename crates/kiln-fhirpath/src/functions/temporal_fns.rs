//! Date/time utility functions (spec §5.10: `now`, `today`, `timeOfDay`,
//! `lowBoundary`, `highBoundary`, `precision`, the `…Of()` component
//! functions) and the interval functions `duration`/`difference` (§5.11).

use super::{Func, singleton};
use crate::calendar::CalendarUnit;
use crate::numeric;
use crate::ops;
use crate::temporal::{Date, DateTime, Time};
use crate::value::Value;
use crate::vm::EvalCtx;
use rust_decimal::Decimal;
use std::sync::Arc;

/// Calls a date/time function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let what = format!("{}()", f.name());
    match f {
        Func::Now => {
            out.push(Value::DateTime(ctx.now()));
            return Ok(());
        }
        Func::Today => {
            out.push(Value::Date(ctx.now().to_date()));
            return Ok(());
        }
        Func::TimeOfDay => {
            out.extend(ctx.now().time_of().map(Value::Time));
            return Ok(());
        }
        _ => {}
    }
    let Some(item) = singleton(input, &what)? else {
        return Ok(());
    };
    let Some(v) = item.to_system(ctx.model) else {
        return Err(format!(
            "{what} cannot be applied to {}",
            ops::type_name(ctx.model, item)
        ));
    };
    let int = |x: Option<i64>| x.map(Value::Integer);
    let result: Option<Value<'a>> = match f {
        Func::LowBoundary | Func::HighBoundary => {
            let p = match args.first() {
                Some(a) => crate::functions::subsetting::int_arg(ctx, a, &what)?,
                None => None,
            };
            let low = f == Func::LowBoundary;
            match &v {
                Value::Integer(_) | Value::Long(_) | Value::Decimal(_) => {
                    let d = match &v {
                        Value::Decimal(d) => *d,
                        Value::Integer(i) | Value::Long(i) => Decimal::from(*i),
                        _ => Decimal::ZERO,
                    };
                    let r = if low {
                        numeric::decimal_low_boundary(&d, p)
                    } else {
                        numeric::decimal_high_boundary(&d, p)
                    };
                    r.map(Value::Decimal)
                }
                Value::Quantity(q) => {
                    let r = if low {
                        q.low_boundary(p)
                    } else {
                        q.high_boundary(p)
                    };
                    r.map(|q| Value::Quantity(Arc::new(q)))
                }
                Value::Date(d) => (if low {
                    d.low_boundary(p)
                } else {
                    d.high_boundary(p)
                })
                .map(Value::Date),
                Value::DateTime(d) => (if low {
                    d.low_boundary(p)
                } else {
                    d.high_boundary(p)
                })
                .map(Value::DateTime),
                Value::Time(t) => (if low {
                    t.low_boundary(p)
                } else {
                    t.high_boundary(p)
                })
                .map(Value::Time),
                _ => return Err(format!("{what} expects a number, quantity, date or time")),
            }
        }
        Func::Precision => match &v {
            Value::Decimal(d) => Some(Value::Integer(numeric::decimal_precision(d))),
            Value::Integer(_) | Value::Long(_) => Some(Value::Integer(0)),
            Value::Quantity(q) => Some(Value::Integer(q.precision())),
            Value::Date(d) => Some(Value::Integer(d.precision_digits())),
            Value::DateTime(d) => Some(Value::Integer(d.precision_digits())),
            Value::Time(t) => Some(Value::Integer(t.precision_digits())),
            Value::String(s) => Some(Value::Integer(s.chars().count() as i64)),
            _ => None,
        },
        Func::YearOf | Func::MonthOf | Func::DayOf => match &v {
            Value::Date(d) => int(match f {
                Func::YearOf => d.year_of(),
                Func::MonthOf => d.month_of(),
                _ => d.day_of(),
            }),
            Value::DateTime(d) => int(match f {
                Func::YearOf => d.year_of(),
                Func::MonthOf => d.month_of(),
                _ => d.day_of(),
            }),
            _ => return Err(format!("{what} expects a Date or DateTime")),
        },
        Func::HourOf | Func::MinuteOf | Func::SecondOf | Func::MillisecondOf => match &v {
            Value::DateTime(d) => int(match f {
                Func::HourOf => d.hour_of(),
                Func::MinuteOf => d.minute_of(),
                Func::SecondOf => d.second_of(),
                _ => d.millisecond_of(),
            }),
            Value::Time(t) => int(match f {
                Func::HourOf => t.hour_of(),
                Func::MinuteOf => t.minute_of(),
                Func::SecondOf => t.second_of(),
                _ => t.millisecond_of(),
            }),
            Value::Date(_) => None,
            _ => return Err(format!("{what} expects a DateTime or Time")),
        },
        Func::TimezoneOffsetOf => match &v {
            Value::DateTime(d) => d.timezone_offset_of().map(Value::Decimal),
            Value::Date(_) => None,
            _ => return Err(format!("{what} expects a DateTime")),
        },
        Func::DateOf => match &v {
            Value::DateTime(d) => Some(Value::Date(d.date_of())),
            Value::Date(d) => Some(Value::Date(*d)),
            _ => return Err(format!("{what} expects a DateTime")),
        },
        Func::TimeOf => match &v {
            Value::DateTime(d) => d.time_of().map(Value::Time),
            _ => return Err(format!("{what} expects a DateTime")),
        },
        Func::Duration | Func::Difference => {
            let Some(other) = singleton(args.first().copied().unwrap_or(&[]), &what)? else {
                return Ok(());
            };
            let Some(unit_item) = singleton(args.get(1).copied().unwrap_or(&[]), &what)? else {
                return Ok(());
            };
            let unit_text = unit_item
                .as_str()
                .ok_or_else(|| format!("{what}: the precision must be a String"))?;
            let unit = CalendarUnit::from_keyword(unit_text)
                .ok_or_else(|| format!("{what}: unknown precision '{unit_text}'"))?;
            let other = other
                .to_system(ctx.model)
                .ok_or_else(|| format!("{what} expects a date or time argument"))?;
            let dur = f == Func::Duration;
            let r = match (&v, &other) {
                (Value::Date(a), Value::Date(b)) => {
                    if dur {
                        a.duration(b, unit)
                    } else {
                        a.difference(b, unit)
                    }
                }
                (Value::Date(_) | Value::DateTime(_), Value::Date(_) | Value::DateTime(_)) => {
                    let a = as_dt(&v);
                    let b = as_dt(&other);
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            if dur {
                                a.duration(&b, unit)
                            } else {
                                a.difference(&b, unit)
                            }
                        }
                        _ => None,
                    }
                }
                (Value::Time(a), Value::Time(b)) => {
                    if dur {
                        a.duration(b, unit)
                    } else {
                        a.difference(b, unit)
                    }
                }
                _ => return Err(format!("{what} expects two dates, dateTimes or times")),
            };
            int(r)
        }
        _ => {
            return Err(format!(
                "internal error: {} is not a date/time function",
                f.name()
            ));
        }
    };
    out.extend(result);
    let _: Option<(Date, Time)> = None;
    Ok(())
}

fn as_dt(v: &Value<'_>) -> Option<DateTime> {
    match v {
        Value::Date(d) => Some(DateTime::from(*d)),
        Value::DateTime(d) => Some(*d),
        _ => None,
    }
}
