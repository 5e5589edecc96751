//! Conversion functions (spec §5.5): `toX()` and `convertsToX()` for
//! Boolean, Integer, Long, Decimal, Quantity, String, Date, DateTime, Time.
//! Every `convertsToX()` is "`toX()` yields a value".

use super::{Func, singleton};
use crate::numeric;
use crate::quantity::Quantity;
use crate::temporal::{self, Date, DateTime, Time};
use crate::value::Value;
use crate::vm::EvalCtx;
use rust_decimal::Decimal;
use std::sync::Arc;

/// Calls a conversion function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let Some(item) = singleton(input, f.name())? else {
        return Ok(());
    };
    // `convertsToX()` is "`toX()` yields a value".
    let probe = matches!(
        f,
        Func::ConvertsToBoolean
            | Func::ConvertsToInteger
            | Func::ConvertsToLong
            | Func::ConvertsToDecimal
            | Func::ConvertsToQuantity
            | Func::ConvertsToString
            | Func::ConvertsToDate
            | Func::ConvertsToDateTime
            | Func::ConvertsToTime
    );
    let Some(v) = item.to_system(ctx.model) else {
        // Complex elements convert to nothing (`convertsTo…` is false).
        if probe && !matches!(item, Value::Node(n) if n.kind().is_none()) {
            out.push(Value::Boolean(false));
        }
        return Ok(());
    };
    let format = match args.first() {
        Some(a) => match singleton(a, f.name())? {
            Some(fv) => Some(
                fv.as_str()
                    .ok_or_else(|| format!("{}(): the format must be a String", f.name()))?
                    .to_string(),
            ),
            None => None,
        },
        None => None,
    };
    let converted: Option<Value<'a>> = match f {
        Func::ToBoolean | Func::ConvertsToBoolean => to_boolean(&v).map(Value::Boolean),
        Func::ToInteger | Func::ConvertsToInteger => to_integer(&v).map(Value::Integer),
        Func::ToLong | Func::ConvertsToLong => to_long(&v).map(Value::Long),
        Func::ToDecimal | Func::ConvertsToDecimal => to_decimal(&v).map(Value::Decimal),
        Func::ToQuantity | Func::ConvertsToQuantity => {
            let q = to_quantity(&v);
            match (q, format.as_deref()) {
                (Some(q), Some(unit)) => q.convert_to(unit).map(|q| Value::Quantity(Arc::new(q))),
                (q, _) => q.map(|q| Value::Quantity(Arc::new(q))),
            }
        }
        Func::ToString | Func::ConvertsToString => to_string(&v).map(Value::string),
        Func::ToDate | Func::ConvertsToDate => to_date(&v, format.as_deref()).map(Value::Date),
        Func::ToDateTime | Func::ConvertsToDateTime => {
            to_datetime(&v, format.as_deref()).map(Value::DateTime)
        }
        Func::ToTime | Func::ConvertsToTime => to_time(&v).map(Value::Time),
        _ => {
            return Err(format!(
                "internal error: {} is not a conversion function",
                f.name()
            ));
        }
    };
    if probe {
        out.push(Value::Boolean(converted.is_some()));
    } else {
        out.extend(converted);
    }
    Ok(())
}

/// `toBoolean()` (§5.5.2).
fn to_boolean(v: &Value<'_>) -> Option<bool> {
    match v {
        Value::Boolean(b) => Some(*b),
        Value::Integer(i) | Value::Long(i) => match i {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        },
        Value::Decimal(d) => {
            if *d == Decimal::ONE {
                Some(true)
            } else if d.is_zero() {
                Some(false)
            } else {
                None
            }
        }
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" | "1.0" => Some(true),
            "false" | "f" | "no" | "n" | "0" | "0.0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `toInteger()` (§5.5.3).
fn to_integer(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Long(i) => i32::try_from(*i).ok().map(i64::from),
        Value::Boolean(b) => Some(i64::from(*b)),
        Value::String(s) => numeric::string_to_integer(s).map(i64::from),
        _ => None,
    }
}

/// `toLong()` (§5.5.4).
fn to_long(v: &Value<'_>) -> Option<i64> {
    match v {
        Value::Integer(i) | Value::Long(i) => Some(*i),
        Value::Boolean(b) => Some(i64::from(*b)),
        Value::String(s) => numeric::string_to_long(s),
        _ => None,
    }
}

/// `toDecimal()` (§5.5.7).
fn to_decimal(v: &Value<'_>) -> Option<Decimal> {
    match v {
        Value::Integer(i) | Value::Long(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) => Some(*d),
        Value::Boolean(b) => Some(if *b {
            Decimal::new(10, 1)
        } else {
            Decimal::new(0, 1)
        }),
        Value::String(s) => numeric::string_to_decimal(s),
        _ => None,
    }
}

/// `toQuantity()` without a unit (§5.5.8).
fn to_quantity(v: &Value<'_>) -> Option<Quantity> {
    match v {
        Value::Integer(i) | Value::Long(i) => Some(Quantity::from_number(Decimal::from(*i))),
        Value::Decimal(d) => Some(Quantity::from_number(*d)),
        Value::Quantity(q) => Some((**q).clone()),
        Value::Boolean(b) => Some(Quantity::from_number(if *b {
            Decimal::new(10, 1)
        } else {
            Decimal::new(0, 1)
        })),
        Value::String(s) => Quantity::parse_string(s),
        _ => None,
    }
}

/// `toString()` (§5.5.9).
pub(crate) fn to_string(v: &Value<'_>) -> Option<String> {
    Some(match v {
        Value::String(s) => s.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) | Value::Long(i) => i.to_string(),
        Value::Decimal(d) => numeric::format_decimal(d),
        Value::Date(d) => d.to_fhir_string(),
        Value::DateTime(d) => d.to_fhir_string(),
        Value::Time(t) => t.to_fhir_string(),
        Value::Quantity(q) => q.to_literal(),
        Value::Node(_) | Value::Object(_) => return None,
    })
}

/// `toDate([format])` (§5.5.5).
fn to_date(v: &Value<'_>, format: Option<&str>) -> Option<Date> {
    match v {
        Value::Date(d) => Some(*d),
        Value::DateTime(d) => Some(d.to_date()),
        Value::String(s) => match format {
            Some(f) => temporal::parse_date_with_format(s, f),
            None => Date::parse(s),
        },
        _ => None,
    }
}

/// `toDateTime([format])` (§5.5.6).
fn to_datetime(v: &Value<'_>, format: Option<&str>) -> Option<DateTime> {
    match v {
        Value::Date(d) => Some(DateTime::from(*d)),
        Value::DateTime(d) => Some(*d),
        Value::String(s) => match format {
            Some(f) => temporal::parse_datetime_with_format(s, f),
            None => DateTime::parse(s),
        },
        _ => None,
    }
}

/// `toTime()` (§5.5.11).
fn to_time(v: &Value<'_>) -> Option<Time> {
    match v {
        Value::Time(t) => Some(*t),
        Value::String(s) => Time::parse(s),
        _ => None,
    }
}
