//! Rendering results: as FHIR JSON (the CLI's default) and as typed items
//! (`--typed`: `{"type": T, "value": V}`, with `T` and `V` written the way
//! the official test suite writes its `<output>` elements).

use crate::json::{Kind, write_json_string};
use crate::model::{Model, Namespace, TypeId, TypeKind};
use crate::numeric;
use crate::quantity::{Quantity, Unit};
use crate::value::{Node, Value};
use std::fmt::Write as _;

/// Renders a collection as a JSON array of FHIR JSON values.
pub fn render_json_array(model: &Model, items: &[Value<'_>]) -> String {
    let mut out = String::new();
    write_json_array(model, items, &mut out);
    out
}

/// Appends a collection to `out` as a JSON array of FHIR JSON values (as
/// [`render_json_array`], into a buffer the caller reuses).
pub fn write_json_array(model: &Model, items: &[Value<'_>], out: &mut String) {
    out.push('[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(model, v, out);
    }
    out.push(']');
}

/// Writes one item as FHIR JSON: elements as they appear in the document,
/// System values as JSON scalars (dates as strings without `@`, decimals with
/// their precision), Quantities as FHIR Quantity objects.
pub fn write_json(model: &Model, v: &Value<'_>, out: &mut String) {
    match v {
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(i) | Value::Long(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Decimal(d) => out.push_str(&numeric::format_decimal(d)),
        Value::String(s) => write_json_string(s, out),
        Value::Date(d) => write_json_string(&d.to_fhir_string(), out),
        Value::DateTime(d) => write_json_string(&d.to_fhir_string(), out),
        Value::Time(t) => write_json_string(&t.to_fhir_string(), out),
        Value::Quantity(q) => write_quantity_json(q, out),
        Value::Node(n) => write_node_json(n, out),
        Value::Object(o) => {
            out.push('{');
            for (i, (name, items)) in o.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(name, out);
                out.push(':');
                match items.as_slice() {
                    [one] => write_json(model, one, out),
                    many => out.push_str(&render_json_array(model, many)),
                }
            }
            out.push('}');
        }
    }
}

fn write_node_json(n: &Node<'_>, out: &mut String) {
    if n.value != crate::json::NONE {
        n.doc.write_json(n.value, out);
    } else if n.ext != crate::json::NONE {
        n.doc.write_json(n.ext, out);
    } else {
        out.push_str("null");
    }
}

fn write_quantity_json(q: &Quantity, out: &mut String) {
    let _ = write!(out, "{{\"value\":{}", numeric::format_decimal(&q.value));
    match &q.unit {
        Unit::Ucum(code) => {
            out.push_str(",\"unit\":");
            write_json_string(code, out);
            out.push_str(",\"system\":\"http://unitsofmeasure.org\",\"code\":");
            write_json_string(code, out);
        }
        Unit::Calendar { unit, plural } => {
            out.push_str(",\"unit\":");
            write_json_string(
                if *plural {
                    unit.plural()
                } else {
                    unit.keyword()
                },
                out,
            );
            if let Some(code) = unit.definite_ucum() {
                out.push_str(",\"system\":\"http://unitsofmeasure.org\",\"code\":");
                write_json_string(code, out);
            }
        }
    }
    out.push('}');
}

/// The type name the official suite writes for an item: System types in
/// lower camel case (`boolean`, `dateTime`, `Quantity`), FHIR types by
/// their FHIR name (`code`, `HumanName`).
pub fn typed_name(model: &Model, v: &Value<'_>) -> String {
    let t = v.type_id();
    let info = model.type_info(t);
    match (info.namespace, t) {
        (Namespace::System, TypeId::QUANTITY) => "Quantity".into(),
        (Namespace::System, TypeId::DATETIME) => "dateTime".into(),
        (Namespace::System, _) => {
            let name = info.name.to_string();
            let mut c = name.chars();
            match c.next() {
                Some(first) => first.to_lowercase().collect::<String>() + c.as_str(),
                None => name,
            }
        }
        (Namespace::Fhir, _) => {
            if let Value::Object(o) = v {
                o.type_name.to_string()
            } else {
                info.name.to_string()
            }
        }
    }
}

/// The text the official suite writes for a primitive item (`true`, `1.50`,
/// `@2014-01-01`, `@T10:30`, `5.4 'mg'`); `None` for complex elements.
pub fn typed_text(model: &Model, v: &Value<'_>) -> Option<String> {
    match v {
        Value::Node(n) => {
            let kind = model.type_info(n.ty).kind;
            if matches!(
                kind,
                TypeKind::Complex | TypeKind::Resource | TypeKind::Backbone
            ) {
                return None;
            }
            match n.kind()? {
                Kind::String => {
                    let s = n.str()?;
                    let sys = model.type_info(n.ty).system;
                    Some(match sys {
                        Some(TypeId::DATE | TypeId::DATETIME) => format!("@{s}"),
                        Some(TypeId::TIME) => format!("@T{s}"),
                        _ => s.to_string(),
                    })
                }
                Kind::Number => n.doc.number_text(n.value).map(str::to_string),
                Kind::True => Some("true".into()),
                Kind::False => Some("false".into()),
                _ => None,
            }
        }
        Value::Boolean(b) => Some(b.to_string()),
        Value::Integer(i) | Value::Long(i) => Some(i.to_string()),
        Value::Decimal(d) => Some(numeric::format_decimal(d)),
        Value::String(s) => Some(s.to_string()),
        Value::Date(d) => Some(d.to_literal()),
        Value::DateTime(d) => Some(d.to_literal()),
        Value::Time(t) => Some(t.to_literal()),
        Value::Quantity(q) => Some(q.to_literal()),
        Value::Object(_) => None,
    }
}

/// Renders a collection for `--typed`: `[{"type":"string","value":"Peter"},…]`;
/// complex elements carry their FHIR JSON object as the value.
pub fn render_typed_array(model: &Model, items: &[Value<'_>]) -> String {
    let mut out = String::new();
    write_typed_array(model, items, &mut out);
    out
}

/// Appends [`render_typed_array`]'s text to `out`.
pub fn write_typed_array(model: &Model, items: &[Value<'_>], out: &mut String) {
    out.push('[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"type\":");
        write_json_string(&typed_name(model, v), out);
        out.push_str(",\"value\":");
        match typed_text(model, v) {
            Some(text) => write_json_string(&text, out),
            None => write_json(model, v, out),
        }
        out.push('}');
    }
    out.push(']');
}
