//! FHIRPath operators on collections (spec §6 "Operations"): equality and
//! equivalence (§6.1), comparison (§6.2), membership (§6.4), Boolean logic
//! (§6.5), math (§6.6) and date/time arithmetic (§6.6.7).
//!
//! Every operator first applies the spec's rules for empty and multi-item
//! operands; item-level helpers (`item_equals`, `item_equivalent`,
//! `compare_items`) work on System values, converting FHIR primitive nodes
//! on the fly without copying their text.

use crate::json::{Document, Kind, NodeId};
use crate::model::{Model, TypeId};
use crate::numeric;
use crate::quantity::{self, Quantity, Unit};
use crate::temporal::{self, DateTime};
use crate::value::{Node, Str, Value};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::sync::Arc;

/// An execution error message.
pub type OpResult<T> = Result<T, String>;

/// Human-readable name of an item's type, for messages.
pub fn type_name(model: &Model, v: &Value<'_>) -> String {
    let t = v.type_id();
    let info = model.type_info(t);
    match info.namespace {
        crate::model::Namespace::System => format!("System.{}", info.name),
        crate::model::Namespace::Fhir => format!("FHIR.{}", info.name),
    }
}

/// A number item as a Decimal (Integer and Long convert implicitly, spec §"Conversion").
fn as_decimal(v: &Value<'_>) -> Option<Decimal> {
    match v {
        Value::Integer(i) | Value::Long(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

fn to_sys<'a>(model: &Model, v: &Value<'a>) -> Option<Value<'a>> {
    v.to_system(model)
}

/// True for a node or object that has no System value (`converted`, its
/// [`Value::to_system`], is `None`): a complex element.
fn is_complex(v: &Value<'_>, converted: &Option<Value<'_>>) -> bool {
    matches!(v, Value::Node(_) | Value::Object(_)) && converted.is_none()
}

/// `=` on two items: `Some(true/false)`, or `None` when the result is
/// uncertain (date/times of different precision, incomparable quantities).
pub fn item_equals(model: &Model, a: &Value<'_>, b: &Value<'_>) -> Option<bool> {
    // The common case (a string element against a string) compares the text in place.
    if let (Some(x), Some(y)) = (a.system_str(model), b.system_str(model)) {
        return Some(x == y);
    }
    let (sa, sb) = (to_sys(model, a), to_sys(model, b));
    if is_complex(a, &sa) || is_complex(b, &sb) {
        return Some(complex_equal(model, a, b, false));
    }
    let (Some(a), Some(b)) = (sa, sb) else {
        // Extension-only primitives have no value to compare.
        return None;
    };
    match (&a, &b) {
        (Value::String(x), Value::String(y)) => Some(**x == **y),
        (Value::Boolean(x), Value::Boolean(y)) => Some(x == y),
        (Value::Integer(x) | Value::Long(x), Value::Integer(y) | Value::Long(y)) => Some(x == y),
        (Value::Decimal(_), Value::Integer(_) | Value::Long(_) | Value::Decimal(_))
        | (Value::Integer(_) | Value::Long(_), Value::Decimal(_)) => {
            Some(as_decimal(&a)? == as_decimal(&b)?)
        }
        (Value::Date(_) | Value::DateTime(_), Value::Date(_) | Value::DateTime(_)) => {
            let (x, y) = (as_datetime(&a)?, as_datetime(&b)?);
            temporal::datetime_equals(&x, &y)
        }
        (Value::Time(x), Value::Time(y)) => temporal::time_equals(x, y),
        (Value::Quantity(x), Value::Quantity(y)) => quantity::equals(x, y),
        _ => Some(false),
    }
}

fn as_datetime(v: &Value<'_>) -> Option<DateTime> {
    match v {
        Value::Date(d) => Some(DateTime::from(*d)),
        Value::DateTime(d) => Some(*d),
        _ => None,
    }
}

/// `~` on two items (spec §6.1.3): never uncertain.
pub fn item_equivalent(model: &Model, a: &Value<'_>, b: &Value<'_>) -> bool {
    if let (Some(x), Some(y)) = (a.system_str(model), b.system_str(model)) {
        return normalize_ws_lower(x) == normalize_ws_lower(y);
    }
    let (sa, sb) = (to_sys(model, a), to_sys(model, b));
    if is_complex(a, &sa) || is_complex(b, &sb) {
        return complex_equal(model, a, b, true);
    }
    let (Some(a), Some(b)) = (sa, sb) else {
        return false;
    };
    match (&a, &b) {
        (Value::String(x), Value::String(y)) => normalize_ws_lower(x) == normalize_ws_lower(y),
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Integer(x) | Value::Long(x), Value::Integer(y) | Value::Long(y)) => x == y,
        (Value::Decimal(_), Value::Integer(_) | Value::Long(_) | Value::Decimal(_))
        | (Value::Integer(_) | Value::Long(_), Value::Decimal(_)) => {
            match (as_decimal(&a), as_decimal(&b)) {
                (Some(x), Some(y)) => numeric::decimal_equivalent(&x, &y),
                _ => false,
            }
        }
        (Value::Date(_) | Value::DateTime(_), Value::Date(_) | Value::DateTime(_)) => {
            match (as_datetime(&a), as_datetime(&b)) {
                (Some(x), Some(y)) => temporal::datetime_equivalent(&x, &y),
                _ => false,
            }
        }
        (Value::Time(x), Value::Time(y)) => temporal::time_equivalent(x, y),
        (Value::Quantity(x), Value::Quantity(y)) => quantity::equivalent(x, y),
        _ => false,
    }
}

/// Strings for `~`: case-insensitive with whitespace runs collapsed (spec §6.1.3 "String").
fn normalize_ws_lower(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Structural equality of complex elements: same child names, equal children in order.
fn complex_equal(model: &Model, a: &Value<'_>, b: &Value<'_>, equivalent: bool) -> bool {
    if !matches!(a, Value::Node(_) | Value::Object(_))
        || !matches!(b, Value::Node(_) | Value::Object(_))
    {
        return false;
    }
    if let (Value::Node(x), Value::Node(y)) = (a, b) {
        // The same element of the same document is equal to itself.
        if std::ptr::eq(x.doc, y.doc) && x.value == y.value && x.ext == y.ext {
            return true;
        }
        // Compare member names too, not only child values.
        return json_equal(model, x, y, equivalent);
    }
    let mut ca = Vec::new();
    let mut cb = Vec::new();
    crate::nav::children(model, a, &mut ca);
    crate::nav::children(model, b, &mut cb);
    ca.len() == cb.len()
        && ca.iter().zip(&cb).all(|(x, y)| {
            if equivalent {
                item_equivalent(model, x, y)
            } else {
                item_equals(model, x, y) == Some(true)
            }
        })
}

fn json_equal(model: &Model, a: &Node<'_>, b: &Node<'_>, equivalent: bool) -> bool {
    let pair = |x: NodeId, y: NodeId| json_node_equal(a.doc, x, b.doc, y, equivalent);
    let ok_value = match (a.value, b.value) {
        (crate::json::NONE, crate::json::NONE) => true,
        (x, y) if x != crate::json::NONE && y != crate::json::NONE => pair(x, y),
        _ => false,
    };
    let ok_ext = match (a.ext, b.ext) {
        (crate::json::NONE, crate::json::NONE) => true,
        (x, y) if x != crate::json::NONE && y != crate::json::NONE => pair(x, y),
        _ => false,
    };
    let _ = model;
    ok_value && ok_ext
}

fn json_node_equal(da: &Document, a: NodeId, db: &Document, b: NodeId, equivalent: bool) -> bool {
    let (ka, kb) = (da.kind(a), db.kind(b));
    if ka != kb {
        return false;
    }
    match ka {
        Kind::Null | Kind::True | Kind::False => true,
        Kind::Number => match (
            da.number_text(a).and_then(numeric::parse_decimal),
            db.number_text(b).and_then(numeric::parse_decimal),
        ) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        Kind::String => {
            let (x, y) = (da.str(a).unwrap_or(""), db.str(b).unwrap_or(""));
            if equivalent {
                normalize_ws_lower(x) == normalize_ws_lower(y)
            } else {
                x == y
            }
        }
        Kind::Array => {
            da.child_count(a) == db.child_count(b)
                && da
                    .children(a)
                    .zip(db.children(b))
                    .all(|(x, y)| json_node_equal(da, x, db, y, equivalent))
        }
        Kind::Object => {
            // Member order is not significant in JSON; `id` is ignored for equivalence.
            // For `=` the member count is the object's child count (no walk
            // over the members, so unequal shapes are told apart from the two
            // object nodes alone).
            let members = |d: &Document, n: NodeId| -> usize {
                if !equivalent {
                    return d.child_count(n) as usize;
                }
                d.children(n).filter(|&c| d.key(c) != Some("id")).count()
            };
            members(da, a) == members(db, b)
                && da.children(a).all(|c| {
                    let Some(k) = da.key(c) else { return false };
                    if equivalent && k == "id" {
                        return true;
                    }
                    db.get(b, k)
                        .is_some_and(|other| json_node_equal(da, c, db, other, equivalent))
                })
        }
    }
}

/// `=` on collections (spec §6.1.1): empty if either side is empty; false
/// when sizes differ; otherwise item-wise in order.
pub fn equals(model: &Model, a: &[Value<'_>], b: &[Value<'_>]) -> Option<bool> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a.len() != b.len() {
        return Some(false);
    }
    let mut uncertain = false;
    for (x, y) in a.iter().zip(b) {
        match item_equals(model, x, y) {
            Some(false) => return Some(false),
            None => uncertain = true,
            Some(true) => {}
        }
    }
    if uncertain { None } else { Some(true) }
}

/// `~` on collections (spec §6.1.3): both empty is true; otherwise same size
/// and every item of `a` has an equivalent in `b`, in any order.
pub fn equivalent(model: &Model, a: &[Value<'_>], b: &[Value<'_>]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if let ([x], [y]) = (a, b) {
        return item_equivalent(model, x, y);
    }
    let mut used = vec![false; b.len()];
    'outer: for x in a {
        for (j, y) in b.iter().enumerate() {
            if !used[j] && item_equivalent(model, x, y) {
                used[j] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// Ordering of two single items for `<`, `<=`, `>`, `>=`, `min`, `max`,
/// `sort`: `Ok(None)` when the order is uncertain (partial dates,
/// incomparable quantities).
///
/// # Errors
/// When the items' types cannot be compared (spec §6.2: "If the operands are
/// of different types, the evaluation will end and signal an error").
pub fn compare_items(model: &Model, a: &Value<'_>, b: &Value<'_>) -> OpResult<Option<Ordering>> {
    let (sa, sb) = (to_sys(model, a), to_sys(model, b));
    if is_complex(a, &sa) || is_complex(b, &sb) {
        return Err(format!(
            "cannot compare {} with {}",
            type_name(model, a),
            type_name(model, b)
        ));
    }
    let (Some(sa), Some(sb)) = (sa, sb) else {
        return Ok(None);
    };
    Ok(match (&sa, &sb) {
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Integer(x) | Value::Long(x), Value::Integer(y) | Value::Long(y)) => Some(x.cmp(y)),
        (Value::Decimal(_), Value::Integer(_) | Value::Long(_) | Value::Decimal(_))
        | (Value::Integer(_) | Value::Long(_), Value::Decimal(_)) => {
            as_decimal(&sa).zip(as_decimal(&sb)).map(|(x, y)| x.cmp(&y))
        }
        (Value::Date(_) | Value::DateTime(_), Value::Date(_) | Value::DateTime(_)) => {
            let (x, y) = (as_datetime(&sa), as_datetime(&sb));
            x.zip(y)
                .and_then(|(x, y)| temporal::datetime_compare(&x, &y))
        }
        (Value::Time(x), Value::Time(y)) => temporal::time_compare(x, y),
        (Value::Quantity(x), Value::Quantity(y)) => quantity::compare(x, y),
        (Value::Boolean(x), Value::Boolean(y)) => Some(x.cmp(y)),
        _ => {
            return Err(format!(
                "cannot compare {} with {}",
                type_name(model, a),
                type_name(model, b)
            ));
        }
    })
}

/// `<`, `<=`, `>`, `>=` on collections: empty when either side is empty or the
/// order is uncertain.
///
/// # Errors
/// More than one item on a side, or incomparable types.
pub fn compare(
    model: &Model,
    a: &[Value<'_>],
    b: &[Value<'_>],
    op: &str,
) -> OpResult<Option<Ordering>> {
    let (Some(x), Some(y)) = (single(a, op)?, single(b, op)?) else {
        return Ok(None);
    };
    compare_items(model, x, y)
}

fn single<'c, 'a>(items: &'c [Value<'a>], op: &str) -> OpResult<Option<&'c Value<'a>>> {
    match items {
        [] => Ok(None),
        [x] => Ok(Some(x)),
        _ => Err(format!(
            "operator '{op}' expects a single item on each side but got {}",
            items.len()
        )),
    }
}

/// The singleton-Boolean reading of a collection (spec §"Singleton
/// Evaluation of Collections"): empty → `None`; one Boolean → its value; one
/// item of another type → `true`.
///
/// # Errors
/// More than one item.
pub fn to_bool(model: &Model, items: &[Value<'_>], what: &str) -> OpResult<Option<bool>> {
    match items {
        [] => Ok(None),
        [v] => Ok(Some(match v {
            Value::Boolean(b) => *b,
            Value::Node(n) if matches!(n.kind(), Some(Kind::True | Kind::False)) => {
                n.kind() == Some(Kind::True)
            }
            Value::Node(n) if n.kind().is_none() => return Ok(None),
            _ => {
                let _ = model;
                true
            }
        })),
        _ => Err(format!(
            "{what} expects a single Boolean but got {} items",
            items.len()
        )),
    }
}

/// Three-valued `and`, `or`, `xor`, `implies` (spec §6.5).
pub fn logic(op: &str, a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match op {
        "and" => match (a, b) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        "or" => match (a, b) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        "xor" => match (a, b) {
            (Some(x), Some(y)) => Some(x != y),
            _ => None,
        },
        _ => match (a, b) {
            (Some(false), _) | (_, Some(true)) => Some(true),
            (Some(true), Some(false)) => Some(false),
            _ => None,
        },
    }
}

/// Appends `a | b` without duplicates (spec §6.4.1 union: `=` decides duplicates).
pub fn union<'a>(model: &Model, a: &[Value<'a>], b: &[Value<'a>], out: &mut Vec<Value<'a>>) {
    let start = out.len();
    for v in a.iter().chain(b) {
        if !out[start..]
            .iter()
            .any(|u| item_equals(model, u, v) == Some(true))
        {
            out.push(v.clone());
        }
    }
}

/// `a in b` (spec §6.4.2): empty when `a` is empty; otherwise whether `b` holds an item equal to `a`.
///
/// # Errors
/// When `a` has more than one item.
pub fn membership(
    model: &Model,
    a: &[Value<'_>],
    b: &[Value<'_>],
    op: &str,
) -> OpResult<Option<bool>> {
    let Some(x) = single(a, op)? else {
        return Ok(None);
    };
    Ok(Some(
        b.iter().any(|y| item_equals(model, x, y) == Some(true)),
    ))
}

/// `&`: string concatenation where empty counts as `''` (spec §6.6.8).
///
/// # Errors
/// Multiple items or non-string operands.
pub fn concat<'a>(model: &Model, a: &[Value<'a>], b: &[Value<'a>]) -> OpResult<Value<'a>> {
    let text = |items: &[Value<'a>]| -> OpResult<String> {
        match single(items, "&")? {
            None => Ok(String::new()),
            Some(v) => match to_sys(model, v) {
                Some(Value::String(s)) => Ok(s.to_string()),
                _ => Err(format!(
                    "operator '&' expects strings but got {}",
                    type_name(model, v)
                )),
            },
        }
    };
    let mut s = text(a)?;
    s.push_str(&text(b)?);
    Ok(Value::string(s))
}

pub use crate::numeric::Arith;

fn arith_symbol(op: Arith) -> &'static str {
    match op {
        Arith::Add => "+",
        Arith::Sub => "-",
        Arith::Mul => "*",
        Arith::Div => "/",
        Arith::IntDiv => "div",
        Arith::Mod => "mod",
    }
}

/// Binary math (spec §6.6) on collections: empty when either side is empty.
///
/// # Errors
/// Multiple items, operand types without this operator, or an invalid
/// date/time arithmetic unit (`@2019 + 1 'mo'`).
pub fn arith<'a>(
    model: &Model,
    op: Arith,
    a: &[Value<'a>],
    b: &[Value<'a>],
) -> OpResult<Option<Value<'a>>> {
    let (Some(x), Some(y)) = (single(a, arith_symbol(op))?, single(b, arith_symbol(op))?) else {
        return Ok(None);
    };
    let bad = || {
        format!(
            "operator '{}' cannot be applied to {} and {}",
            arith_symbol(op),
            type_name(model, x),
            type_name(model, y)
        )
    };
    let (sx, sy) = (to_sys(model, x), to_sys(model, y));
    if is_complex(x, &sx) || is_complex(y, &sy) {
        return Err(bad());
    }
    let (Some(sx), Some(sy)) = (sx, sy) else {
        return Ok(None);
    };
    use Value::*;
    Ok(match (&sx, &sy) {
        (Integer(p), Integer(q)) => numeric::integer_arith(op, *p, *q).map(|r| match r {
            numeric::IntResult::Integer(i) => Integer(i),
            numeric::IntResult::Decimal(d) => Decimal(d),
        }),
        (Integer(p) | Long(p), Integer(q) | Long(q)) => {
            numeric::long_arith(op, *p, *q).map(|r| match r {
                numeric::IntResult::Integer(i) => Long(i),
                numeric::IntResult::Decimal(d) => Decimal(d),
            })
        }
        (Decimal(_) | Integer(_) | Long(_), Decimal(_) | Integer(_) | Long(_)) => {
            let (p, q) = (
                as_decimal(&sx).ok_or_else(bad)?,
                as_decimal(&sy).ok_or_else(bad)?,
            );
            numeric::decimal_arith(op, p, q).map(Decimal)
        }
        (String(p), String(q)) if op == Arith::Add => {
            Some(Value::string(format!("{}{}", &**p, &**q)))
        }
        (Quantity(p), Quantity(q)) => match op {
            Arith::Add => quantity::add(p, q),
            Arith::Sub => quantity::sub(p, q),
            Arith::Mul => quantity::mul(p, q),
            Arith::Div => quantity::div(p, q),
            _ => return Err(bad()),
        }
        .map(|q| Quantity(Arc::new(q))),
        (Quantity(p), Decimal(_) | Integer(_) | Long(_))
            if matches!(op, Arith::Mul | Arith::Div) =>
        {
            let n = as_decimal(&sy).ok_or_else(bad)?;
            let q = quantity::Quantity::new(n, Unit::Ucum("1".into()));
            if op == Arith::Mul {
                quantity::mul(p, &q)
            } else {
                quantity::div(p, &q)
            }
            .map(|q| Quantity(Arc::new(q)))
        }
        (Decimal(_) | Integer(_) | Long(_), Quantity(q)) if op == Arith::Mul => {
            let n = as_decimal(&sx).ok_or_else(bad)?;
            quantity::mul(&quantity::Quantity::new(n, Unit::Ucum("1".into())), q)
                .map(|q| Quantity(Arc::new(q)))
        }
        (Decimal(_) | Integer(_) | Long(_), Quantity(q)) if op == Arith::Div => {
            let n = as_decimal(&sx).ok_or_else(bad)?;
            quantity::Quantity::number_div(&n, q).map(|q| Quantity(Arc::new(q)))
        }
        (Date(_) | DateTime(_) | Time(_), Quantity(q)) if matches!(op, Arith::Add | Arith::Sub) => {
            return date_arith(model, op, &sx, q).map(Some);
        }
        _ => return Err(bad()),
    })
}

/// `date ± quantity` (spec §6.6.7): the quantity must be a calendar duration
/// or a definite UCUM time unit (`'a'` and `'mo'` are rejected).
fn date_arith<'a>(model: &Model, op: Arith, d: &Value<'a>, q: &Quantity) -> OpResult<Value<'a>> {
    let unit = match &q.unit {
        Unit::Calendar { unit, .. } => *unit,
        Unit::Ucum(code) => crate::calendar::CalendarUnit::from_definite_ucum(code).ok_or_else(|| {
            format!("cannot add a quantity in '{code}' to a {}: the unit must be a calendar duration", type_name(model, d))
        })?,
    };
    let amount = if op == Arith::Sub { -q.value } else { q.value };
    let out_of_range = || "date/time arithmetic result is out of range".to_string();
    Ok(match d {
        Value::Date(x) => Value::Date(x.add(amount, unit).ok_or_else(out_of_range)?),
        Value::DateTime(x) => Value::DateTime(x.add(amount, unit).ok_or_else(out_of_range)?),
        Value::Time(x) => Value::Time(x.add(amount, unit).ok_or_else(out_of_range)?),
        _ => return Err(out_of_range()),
    })
}

/// Unary minus (spec §6.7): negates numbers and quantities.
///
/// # Errors
/// Multiple items or a non-numeric operand.
pub fn negate<'a>(model: &Model, a: &[Value<'a>]) -> OpResult<Option<Value<'a>>> {
    let Some(x) = single(a, "-")? else {
        return Ok(None);
    };
    Ok(match to_sys(model, x) {
        Some(Value::Integer(i)) => {
            numeric::integer_neg(i32::try_from(i).map_err(|_| "integer out of range")?)
                .map(|v| Value::Integer(i64::from(v)))
        }
        Some(Value::Long(i)) => Some(Value::Long(i.checked_neg().ok_or("long overflow")?)),
        Some(Value::Decimal(d)) => Some(Value::Decimal(numeric::decimal_neg(&d))),
        Some(Value::Quantity(q)) => Some(Value::Quantity(Arc::new(q.neg()))),
        _ => {
            return Err(format!(
                "unary '-' cannot be applied to {}",
                type_name(model, x)
            ));
        }
    })
}

/// Whether `v` is of type `ty` (spec §6.3 `is`): subtypes count; FHIR
/// primitives are not instances of System types and vice versa, except that
/// untyped JSON values report their System type.
pub fn is_type(model: &Model, v: &Value<'_>, ty: TypeId) -> bool {
    let t = v.type_id();
    model.is_subtype_of(t, ty)
}

/// Whether `v` is an instance of `ty` for `as` and `ofType()`: like
/// [`is_type`], except that FHIR primitive types match exactly (a `code` is
/// not returned by `as(string)`, as the official suite's testInheritance
/// cases require, although `code is string` is true).
pub fn is_exact_type(model: &Model, v: &Value<'_>, ty: TypeId) -> bool {
    if model.type_info(ty).kind == crate::model::TypeKind::Primitive {
        v.type_id() == ty
    } else {
        is_type(model, v, ty)
    }
}

/// A string value borrowed for the evaluation.
pub fn str_value<'a>(s: &'a str) -> Value<'a> {
    Value::String(Str::Borrowed(s))
}
