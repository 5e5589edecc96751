//! Tree navigation (spec §5.9), reflection (§10.2 `type()`), `pathname()`
//! (§5.10) and the FHIR-specific functions of FHIR's "FHIRPath" page:
//! `extension(url)`, `hasValue()`, `getValue()`, `resolve()`, `conformsTo()`,
//! plus SQL-on-FHIR's `getResourceKey()`/`getReferenceKey()`.
//!
//! `resolve()` finds references inside the document being evaluated:
//! `#id` in the containing resource's `contained`, and `Type/id`, absolute
//! URLs or `urn:uuid:` full URLs among a Bundle's entries. Terminology
//! functions (`memberOf`, `subsumes`, `subsumedBy`) and profile-dependent
//! ones (`elementDefinition`, `slice`, `checkModifiers`) need
//! services Kiln does not bundle and signal an error saying so.

use super::{Func, singleton};
use crate::json::{Document, Kind, NONE, NodeId};
use crate::model::{Model, Namespace, TypeId, TypeKind};
use crate::nav;
use crate::ops;
use crate::value::{Node, Object, Value};
use crate::vm::EvalCtx;
use std::sync::Arc;

/// Calls a FHIR or navigation function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let model = ctx.model;
    let arg_str = |i: usize| -> Result<Option<String>, String> {
        match args.get(i).map(|a| singleton(a, f.name())) {
            Some(Ok(Some(v))) => match v.as_str() {
                Some(s) => Ok(Some(s.to_string())),
                None => Err(format!("{}() expects a String argument", f.name())),
            },
            Some(Err(e)) => Err(e),
            _ => Ok(None),
        }
    };
    match f {
        Func::Children => {
            for v in input {
                nav::children(model, v, out);
            }
        }
        Func::Descendants => {
            for v in input {
                nav::descendants(model, v, out);
                ctx.consume(out.len() as u64)?;
            }
        }
        Func::Extension => {
            let Some(url) = arg_str(0)? else {
                return Ok(());
            };
            let mut exts = Vec::new();
            for v in input {
                nav::children_named(model, v, "extension", &mut exts);
            }
            for e in exts {
                let mut u = Vec::new();
                nav::children_named(model, &e, "url", &mut u);
                if u.iter().any(|x| x.as_str() == Some(url.as_str())) {
                    out.push(e);
                }
            }
        }
        Func::HasValue => {
            let has = matches!(input, [Value::Node(n)] if n.has_primitive_value() && model.type_info(n.ty).kind != TypeKind::Complex)
                || matches!(input, [v] if !v.is_node() && !matches!(v, Value::Object(_)));
            out.push(Value::Boolean(has));
        }
        Func::GetValue => {
            if let [v @ Value::Node(n)] = input
                && n.has_primitive_value()
            {
                out.extend(v.to_system(model).filter(|s| !s.is_node()));
            }
        }
        Func::Resolve => {
            for v in input {
                resolve(ctx, v, out);
            }
        }
        Func::ConformsTo => {
            let Some(url) = arg_str(0)? else {
                return Ok(());
            };
            let Some(name) = url.strip_prefix("http://hl7.org/fhir/StructureDefinition/") else {
                return Err(format!(
                    "conformsTo(): unknown profile '{url}' (only core FHIR profiles can be checked)"
                ));
            };
            let Some(t) = model.resolve_type(Some("FHIR"), name) else {
                return Err(format!("conformsTo(): unknown profile '{url}'"));
            };
            for v in input {
                out.push(Value::Boolean(model.is_subtype_of(v.type_id(), t)));
            }
        }
        Func::MemberOf | Func::Subsumes | Func::SubsumedBy => {
            return Err(format!(
                "{}() needs a terminology service, which is not configured",
                f.name()
            ));
        }
        Func::HtmlChecks => {
            let Some(v) = singleton(input, "htmlChecks()")? else {
                return Ok(());
            };
            let Some(text) = v.as_str() else {
                return Ok(());
            };
            let is_div =
                matches!(v, Value::Node(n) if model.type_info(n.ty).name.as_ref() == "xhtml");
            out.push(Value::Boolean(super::html::html_checks(text, is_div)));
        }
        Func::ElementDefinition | Func::Slice | Func::CheckModifiers => {
            return Err(format!(
                "{}() needs profile definitions, which are not loaded",
                f.name()
            ));
        }
        Func::GetResourceKey => {
            for v in input {
                let mut ids = Vec::new();
                nav::children_named(model, v, "id", &mut ids);
                out.extend(ids.into_iter().filter_map(|i| i.to_system(model)));
            }
        }
        Func::GetReferenceKey => {
            let want = match args.first() {
                Some(a) => type_name_arg(a),
                None => None,
            };
            for v in input {
                let mut refs = Vec::new();
                nav::children_named(model, v, "reference", &mut refs);
                for r in refs {
                    let Some(text) = r.as_str() else { continue };
                    let mut parts = text.rsplitn(3, '/');
                    let (Some(id), Some(ty)) = (parts.next(), parts.next()) else {
                        continue;
                    };
                    if want.as_deref().is_none_or(|w| w == ty) {
                        out.push(Value::string(id));
                    }
                }
            }
        }
        Func::Type => {
            for v in input {
                out.push(Value::Object(Arc::new(type_info_object(model, v))));
            }
        }
        Func::Pathname => {
            for v in input {
                if let Value::Node(n) = v
                    && let Some(p) = pathname(model, n)
                {
                    out.push(Value::string(p));
                }
            }
        }
        _ => {
            return Err(format!(
                "internal error: {} is not a FHIR function",
                f.name()
            ));
        }
    }
    let _ = ops::type_name;
    Ok(())
}

/// A type argument given as a name (`getReferenceKey(Patient)` compiles the
/// identifier as a path, so accept a string too).
fn type_name_arg(a: &[Value<'_>]) -> Option<String> {
    a.first().and_then(|v| v.as_str().map(str::to_string))
}

/// `type()`: a `SimpleTypeInfo` for primitives, a `ClassInfo` for the rest (spec §10.2).
fn type_info_object<'a>(model: &Model, v: &Value<'a>) -> Object<'a> {
    let t = v.type_id();
    let info = model.type_info(t);
    let ns = match info.namespace {
        Namespace::System => "System",
        Namespace::Fhir => "FHIR",
    };
    let base = info.base.map(|b| {
        let bi = model.type_info(b);
        let bns = match bi.namespace {
            Namespace::System => "System",
            Namespace::Fhir => "FHIR",
        };
        format!("{bns}.{}", bi.name)
    });
    let simple = matches!(info.kind, TypeKind::System | TypeKind::Primitive);
    let s = |x: &str| vec![Value::string(x)];
    let mut fields = vec![("namespace".into(), s(ns)), ("name".into(), s(&info.name))];
    if let Some(b) = base {
        fields.push(("baseType".into(), s(&b)));
    }
    Object {
        type_name: if simple {
            "SimpleTypeInfo".into()
        } else {
            "ClassInfo".into()
        },
        ty: TypeId::ANY,
        fields,
    }
}

/// The nearest enclosing object (at or above `n`) that is a resource.
fn containing_resource(doc: &Document, mut n: NodeId) -> Option<NodeId> {
    loop {
        if doc.kind(n) == Kind::Object && doc.get(n, "resourceType").is_some() {
            return Some(n);
        }
        n = doc.parent(n)?;
    }
}

/// `resolve()` for one reference (a string or a `Reference` element).
fn resolve<'a>(ctx: &EvalCtx<'a>, v: &Value<'a>, out: &mut Vec<Value<'a>>) {
    let model = ctx.model;
    let (doc, at, reference) = match v {
        Value::Node(n) => {
            if let Some(s) = n.str() {
                (n.doc, n.value, s.to_string())
            } else if n.value != NONE && n.doc.kind(n.value) == Kind::Object {
                match n.doc.get(n.value, "reference").and_then(|r| n.doc.str(r)) {
                    Some(s) => (n.doc, n.value, s.to_string()),
                    None => return,
                }
            } else {
                return;
            }
        }
        _ => return,
    };
    let typed = |node: NodeId| {
        Value::Node(Node {
            doc,
            value: node,
            ext: NONE,
            ty: nav::resource_type_of(model, doc, node).unwrap_or(TypeId::ANY),
        })
    };
    if let Some(id) = reference.strip_prefix('#') {
        // A contained resource of the resource holding the reference.
        let mut r = containing_resource(doc, at);
        while let Some(res) = r {
            if let Some(contained) = doc.get(res, "contained") {
                for c in doc.children(contained) {
                    if doc.get(c, "id").and_then(|i| doc.str(i)) == Some(id) {
                        out.push(typed(c));
                        return;
                    }
                }
            }
            if id.is_empty() {
                out.push(typed(res));
                return;
            }
            r = doc.parent(res).and_then(|p| containing_resource(doc, p));
        }
        return;
    }
    // Bundle entries: match fullUrl, else Type/id at the end of the reference.
    let root = doc.root();
    let Some(entries) = doc.get(root, "entry") else {
        return;
    };
    let tail: Vec<&str> = reference.rsplitn(3, '/').collect();
    let type_id = match tail.as_slice() {
        [id, ty, ..] => Some((*ty, *id)),
        _ => None,
    };
    for e in doc.children(entries) {
        let Some(res) = doc.get(e, "resource") else {
            continue;
        };
        let full = doc.get(e, "fullUrl").and_then(|u| doc.str(u));
        let matched = full == Some(reference.as_str())
            || type_id.is_some_and(|(ty, id)| {
                doc.get(res, "resourceType").and_then(|t| doc.str(t)) == Some(ty)
                    && doc.get(res, "id").and_then(|i| doc.str(i)) == Some(id)
            });
        if matched {
            out.push(typed(res));
            return;
        }
    }
}

/// `pathname()`: `Patient.name[0].given[1]` for a node of the evaluated document.
fn pathname(model: &Model, n: &Node<'_>) -> Option<String> {
    let doc = n.doc;
    let mut node = if n.value != NONE { n.value } else { n.ext };
    let mut parts: Vec<String> = Vec::new();
    loop {
        let parent = doc.parent(node);
        match parent {
            None => {
                let rt = doc
                    .get(node, "resourceType")
                    .and_then(|r| doc.str(r))
                    .unwrap_or("");
                parts.push(rt.to_string());
                break;
            }
            Some(p) if doc.kind(p) == Kind::Array => {
                let idx = doc.position(node);
                let key = doc.key(p)?.trim_start_matches('_').to_string();
                parts.push(format!("{key}[{idx}]"));
                node = doc.parent(p)?;
            }
            Some(p) => {
                parts.push(doc.key(node)?.trim_start_matches('_').to_string());
                node = p;
            }
        }
    }
    parts.reverse();
    let _ = model;
    Some(parts.join("."))
}
