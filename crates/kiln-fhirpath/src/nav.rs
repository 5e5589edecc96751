//! Path navigation over FHIR JSON, guided by the FHIR model (spec §"Path
//! selection", FHIR's JSON representation rules).
//!
//! * Repeating elements are JSON arrays; each element becomes one item.
//! * Primitive extensions live in a `_name` sibling (an object, or an array
//!   aligned with the `name` array, `null` where absent) and are merged with
//!   the value into one item; a primitive with only `_name` is still an item
//!   (it has no value).
//! * Choice elements (`value[x]`) are navigated by their base name
//!   (`Observation.value` finds `valueQuantity`, typed `Quantity`).
//! * Elements typed `Resource` (contained resources, `Bundle.entry.resource`)
//!   take their concrete type from the JSON `resourceType` property.
//! * Properties the model does not know are still navigated, untyped, so that
//!   non-strict evaluation works on any JSON.

use crate::compile::NavSite;
use crate::json::{Document, KeyProbe, Kind, NONE, NodeId};
use crate::model::{ElementType, Model, TypeId, TypeKind};
use crate::value::{Node, Value};

/// The item for the root of `doc`, typed by its `resourceType` (or untyped).
pub fn root_item<'a>(model: &Model, doc: &'a Document) -> Value<'a> {
    Value::Node(root_node(model, doc))
}

/// The element at the root of `doc`, typed by its `resourceType` (or
/// untyped); the type is computed once per document and model release.
#[inline]
pub fn root_node<'a>(model: &Model, doc: &'a Document) -> Node<'a> {
    let root = doc.root();
    let key = match model.version() {
        crate::model::FhirVersion::R4 => 4,
        crate::model::FhirVersion::R5 => 5,
    };
    let ty = TypeId(doc.cached_root(key, || {
        resource_type_of(model, doc, root).unwrap_or(TypeId::ANY).0
    }));
    Node {
        doc,
        value: root,
        ext: NONE,
        ty,
    }
}

/// The item for the root of `doc`, typed without the per-document cache.
pub fn root_item_uncached<'a>(model: &Model, doc: &'a Document) -> Value<'a> {
    let root = doc.root();
    Value::Node(Node {
        doc,
        value: root,
        ext: NONE,
        ty: resource_type_of(model, doc, root).unwrap_or(TypeId::ANY),
    })
}

/// The model type named by the `resourceType` property of object `n`.
pub fn resource_type_of(model: &Model, doc: &Document, n: NodeId) -> Option<TypeId> {
    const RESOURCE_TYPE: KeyProbe = KeyProbe::new("resourceType");
    let rt = doc.get_probe(n, "resourceType", &RESOURCE_TYPE)?;
    let (name, prefix) = doc.str_with_prefix(rt)?;
    model.resource_type_with_prefix(name, prefix)
}

/// The object whose members are the children of `node`: the value object for
/// complex elements, the `_name` object for primitives.
#[inline]
fn member_object(node: &Node<'_>) -> Option<NodeId> {
    match node.kind() {
        Some(Kind::Object) => Some(node.value),
        _ if node.ext != NONE && node.doc.kind(node.ext) == Kind::Object => Some(node.ext),
        _ => None,
    }
}

/// Appends the children of `item` at a compiled navigation site: the
/// element is resolved by [`NavSite::element_for`] (compile-time resolution
/// or inline cache) and the member found with the site's prepared key probe;
/// items the model does not type go through the untyped path of
/// [`children_named`].
#[inline]
pub fn children_at_site<'a>(
    model: &Model,
    item: &Value<'a>,
    site: &NavSite,
    out: &mut Vec<Value<'a>>,
) {
    let Value::Node(node) = item else {
        return children_named(model, item, &site.name, out);
    };
    let Some(obj) = member_object(node) else {
        return;
    };
    match site.element_for(model, node.ty) {
        Some(elem) => {
            let element = model.element_by_id(elem);
            push_element(
                model,
                node.doc,
                obj,
                &site.name,
                &site.probe,
                &element.ty,
                out,
            );
        }
        None => push_unknown(model, node, obj, &site.name, &site.probe, out),
    }
}

/// Appends the `name` children of `item` to `out` (spec §"Path selection").
pub fn children_named<'a>(model: &Model, item: &Value<'a>, name: &str, out: &mut Vec<Value<'a>>) {
    match item {
        Value::Node(node) => {
            let Some(obj) = member_object(node) else {
                return;
            };
            let probe = KeyProbe::new(name);
            let element = if node.ty == TypeId::ANY {
                None
            } else {
                model.element(node.ty, name)
            };
            match element.map(|e| &e.ty) {
                Some(ty) => push_element(model, node.doc, obj, name, &probe, ty, out),
                None => push_unknown(model, node, obj, name, &probe, out),
            }
        }
        Value::Object(o) => {
            if let Some((_, items)) = o.fields.iter().find(|(n, _)| n.as_ref() == name) {
                out.extend(items.iter().cloned());
            }
        }
        _ => {}
    }
}

/// Appends member `name` of `obj` when the model defines no element `name`
/// on the node's type: a JSON key the model knows directly (`valueQuantity`)
/// keeps its type; anything else is navigated untyped.
#[cold]
fn push_unknown<'a>(
    model: &Model,
    node: &Node<'a>,
    obj: NodeId,
    name: &str,
    probe: &KeyProbe,
    out: &mut Vec<Value<'a>>,
) {
    // Look in the document first: a name the model does not define is
    // usually absent, and then no model lookup is needed.
    let (value, ext) = node.doc.get_with_extension_probe(obj, name, probe);
    if value == NONE && ext == NONE {
        return;
    }
    let ty = if node.ty == TypeId::ANY {
        TypeId::ANY
    } else {
        model
            .json_key(node.ty, name)
            .map_or(TypeId::ANY, |(_, t)| t)
    };
    push_items(model, node.doc, value, ext, ty, out);
}

/// Appends the children of `obj` for element `name` of type `ty` (a single type or a choice).
#[inline(always)]
fn push_element<'a>(
    model: &Model,
    doc: &'a Document,
    obj: NodeId,
    name: &str,
    probe: &KeyProbe,
    ty: &ElementType,
    out: &mut Vec<Value<'a>>,
) {
    match ty {
        ElementType::Single(t) => push_member(model, doc, obj, name, probe, *t, out),
        ElementType::Choice(choices) => push_choice(model, doc, obj, name, choices, out),
    }
}

/// Appends the members `name<Suffix>` of `obj` for a choice element (`value[x]`).
fn push_choice<'a>(
    model: &Model,
    doc: &'a Document,
    obj: NodeId,
    name: &str,
    choices: &[crate::model::ChoiceType],
    out: &mut Vec<Value<'a>>,
) {
    for c in doc.children(obj) {
        let Some(key) = doc.key(c) else { continue };
        let Some(suffix) = key.strip_prefix(name) else {
            continue;
        };
        if let Some(choice) = choices.iter().find(|ch| ch.suffix.as_ref() == suffix) {
            push_member(model, doc, obj, key, &KeyProbe::new(key), choice.ty, out);
        }
    }
}

/// Appends the items of JSON member `key` of object `obj` (merging `_key`), typed `ty`.
#[inline(always)]
fn push_member<'a>(
    model: &Model,
    doc: &'a Document,
    obj: NodeId,
    key: &str,
    probe: &KeyProbe,
    ty: TypeId,
    out: &mut Vec<Value<'a>>,
) {
    let (value, ext) = doc.get_with_extension_probe(obj, key, probe);
    push_items(model, doc, value, ext, ty, out);
}

/// Appends the items of a member's value node `value` and its `_key`
/// sibling `ext` (either may be `NONE`): one item for a single value, one
/// per position for arrays.
#[inline(always)]
fn push_items<'a>(
    model: &Model,
    doc: &'a Document,
    value: NodeId,
    ext: NodeId,
    ty: TypeId,
    out: &mut Vec<Value<'a>>,
) {
    let vk = if value == NONE {
        Kind::Null
    } else {
        doc.kind(value)
    };
    if ext == NONE {
        // The common case: no primitive extension.
        match vk {
            Kind::Null => {}
            Kind::Array => push_array(model, doc, value, NONE, ty, out),
            Kind::Object => out.push(Value::Node(Node {
                doc,
                value,
                ext: NONE,
                ty: refine_object(model, doc, value, ty),
            })),
            _ => out.push(Value::Node(Node {
                doc,
                value,
                ext: NONE,
                ty,
            })),
        }
        return;
    }
    let ek = doc.kind(ext);
    if vk == Kind::Array || ek == Kind::Array {
        return push_array(model, doc, value, ext, ty, out);
    }
    let v = if vk != Kind::Null { value } else { NONE };
    let e = if ek == Kind::Object { ext } else { NONE };
    if v != NONE || e != NONE {
        out.push(Value::Node(Node {
            doc,
            value: v,
            ext: e,
            ty: refine(model, doc, v, ty),
        }));
    }
}

/// [`push_items`] when the value or its `_key` sibling is an array: walks
/// both in lockstep (no temporary vectors).
#[inline(never)]
fn push_array<'a>(
    model: &Model,
    doc: &'a Document,
    value: NodeId,
    ext: NodeId,
    ty: TypeId,
    out: &mut Vec<Value<'a>>,
) {
    let is_array = |n: NodeId| n != NONE && doc.kind(n) == Kind::Array;
    let mut values = if is_array(value) {
        Some(doc.children(value))
    } else {
        None
    };
    let mut exts = if is_array(ext) {
        Some(doc.children(ext))
    } else {
        None
    };
    // Only objects may be resources; the type's kind is looked up once.
    let may_be_resource = ty == TypeId::ANY || model.type_info(ty).kind == TypeKind::Resource;
    if exts.is_none() && !may_be_resource {
        // The common case: an array of elements of a known type, no `_key` sibling.
        if let Some(values) = values {
            out.reserve(values.len());
            for v in values {
                if doc.kind(v) != Kind::Null {
                    out.push(Value::Node(Node {
                        doc,
                        value: v,
                        ext: NONE,
                        ty,
                    }));
                }
            }
        }
        return;
    }
    loop {
        let v = values.as_mut().and_then(Iterator::next);
        let e = exts.as_mut().and_then(Iterator::next);
        if v.is_none() && e.is_none() {
            return;
        }
        let v = v.filter(|&v| doc.kind(v) != Kind::Null).unwrap_or(NONE);
        let e = e.filter(|&e| doc.kind(e) == Kind::Object).unwrap_or(NONE);
        if v != NONE || e != NONE {
            let t = if may_be_resource {
                refine(model, doc, v, ty)
            } else {
                ty
            };
            out.push(Value::Node(Node {
                doc,
                value: v,
                ext: e,
                ty: t,
            }));
        }
    }
}

/// [`refine`] for a node known to be an object.
#[inline(always)]
fn refine_object(model: &Model, doc: &Document, v: NodeId, ty: TypeId) -> TypeId {
    if ty == TypeId::ANY || model.type_info(ty).kind == TypeKind::Resource {
        return resource_type_of(model, doc, v).unwrap_or(ty);
    }
    ty
}

/// A `Resource`-typed element takes the type its `resourceType` names.
#[inline]
fn refine(model: &Model, doc: &Document, v: NodeId, ty: TypeId) -> TypeId {
    if v != NONE
        && doc.kind(v) == Kind::Object
        && (ty == TypeId::ANY || model.type_info(ty).kind == TypeKind::Resource)
        && let Some(t) = resource_type_of(model, doc, v)
    {
        return t;
    }
    ty
}

/// Appends every child element of `item` (spec `children()`), in document order.
pub fn children<'a>(model: &Model, item: &Value<'a>, out: &mut Vec<Value<'a>>) {
    match item {
        Value::Node(node) => {
            let Some(obj) = member_object(node) else {
                return;
            };
            let doc = node.doc;
            for c in doc.children(obj) {
                let Some(key) = doc.key(c) else { continue };
                if key == "resourceType" || key == "fhir_comments" {
                    continue;
                }
                if let Some(base) = key.strip_prefix('_') {
                    // Extension-only primitives; those with a value were merged below.
                    if doc.get(obj, base).is_none() {
                        let ty = typed_key(model, node.ty, base);
                        push_items(model, doc, NONE, c, ty, out);
                    }
                    continue;
                }
                let ty = typed_key(model, node.ty, key);
                let ext = doc
                    .children(obj)
                    .find(|&e| {
                        doc.key(e).is_some_and(|k| {
                            k.len() == key.len() + 1 && k.starts_with('_') && &k[1..] == key
                        })
                    })
                    .unwrap_or(NONE);
                push_items(model, doc, c, ext, ty, out);
            }
        }
        Value::Object(o) => {
            for (_, items) in &o.fields {
                out.extend(items.iter().cloned());
            }
        }
        _ => {}
    }
}

fn typed_key(model: &Model, owner: TypeId, key: &str) -> TypeId {
    if owner == TypeId::ANY {
        return TypeId::ANY;
    }
    model.json_key(owner, key).map_or(TypeId::ANY, |(_, t)| t)
}

/// Appends every descendant of `item` (spec `descendants()`): its children,
/// then their children, level by level (the spec leaves the order open).
pub fn descendants<'a>(model: &Model, item: &Value<'a>, out: &mut Vec<Value<'a>>) {
    let mut i = out.len();
    children(model, item, out);
    while i < out.len() {
        let next = out[i].clone();
        children(model, &next, out);
        i += 1;
    }
}
