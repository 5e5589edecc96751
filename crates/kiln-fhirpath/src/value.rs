//! FHIRPath values: the items of a collection.
//!
//! An item is either a System value computed by the expression (Boolean,
//! String, Integer, Long, Decimal, Date, DateTime, Time, Quantity), an
//! element of a FHIR JSON document ([`Node`]: a reference into the
//! document's tape plus its FHIR type — nothing is copied out of the
//! document), or a constructed object (type reflection results and instance
//! selectors). Values borrow from the documents and the compiled program for
//! the lifetime `'a` of an evaluation; owned strings and quantities are
//! reference-counted so that cloning an item never copies text.

use crate::json::{Document, Kind, NONE, NodeId};
use crate::model::{Model, TypeId, TypeKind};
use crate::numeric;
use crate::quantity::Quantity;
use crate::temporal::{Date, DateTime, Time};
use rust_decimal::Decimal;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A string value: borrowed from a document or the program, or shared.
#[derive(Clone)]
pub enum Str<'a> {
    /// Text owned elsewhere for the whole evaluation.
    Borrowed(&'a str),
    /// Text computed during evaluation.
    Shared(Arc<str>),
}

impl Deref for Str<'_> {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match self {
            Str::Borrowed(s) => s,
            Str::Shared(s) => s,
        }
    }
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl From<String> for Str<'_> {
    fn from(s: String) -> Self {
        Str::Shared(s.into())
    }
}

/// An element of a FHIR JSON document: the JSON value node (`value`, or
/// [`NONE`] for a primitive that has only extensions), the `_name`
/// primitive-extension node (`ext`, or `NONE`), and the element's FHIR type.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    /// The document the element lives in.
    pub doc: &'a Document,
    /// The JSON value node, or `NONE`.
    pub value: NodeId,
    /// The JSON object of the `_name` sibling (id/extension of a primitive), or `NONE`.
    pub ext: NodeId,
    /// The element's type in the model; [`TypeId::ANY`] when the model does not know it.
    pub ty: TypeId,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if self.value != NONE {
            self.doc.write_json(self.value, &mut s);
        }
        write!(f, "Node({:?}: {s})", self.ty)
    }
}

impl<'a> Node<'a> {
    /// The JSON kind of the value node (`None` for an extension-only primitive).
    #[inline]
    pub fn kind(&self) -> Option<Kind> {
        (self.value != NONE).then(|| self.doc.kind(self.value))
    }

    /// True when the element carries a primitive value (spec `hasValue()`).
    pub fn has_primitive_value(&self) -> bool {
        matches!(
            self.kind(),
            Some(Kind::String | Kind::Number | Kind::True | Kind::False)
        )
    }

    /// The string value, when the JSON value is a string.
    #[inline]
    pub fn str(&self) -> Option<&'a str> {
        if self.value == NONE {
            None
        } else {
            self.doc.str(self.value)
        }
    }
}

/// A constructed object with named fields: `type()` results (`SimpleTypeInfo`,
/// `ClassInfo`) and instance selectors (`Quantity { value: 1, unit: 'g' }`).
#[derive(Clone, Debug)]
pub struct Object<'a> {
    /// The object's type name as `type().name` would report it.
    pub type_name: Box<str>,
    /// The type, when the model knows it.
    pub ty: TypeId,
    /// Fields in order; each holds a collection.
    pub fields: Vec<(Box<str>, Vec<Value<'a>>)>,
}

/// One item of a FHIRPath collection.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    /// System.Boolean.
    Boolean(bool),
    /// System.Integer (32-bit range, held in an `i64`).
    Integer(i64),
    /// System.Long (64-bit).
    Long(i64),
    /// System.Decimal (exact, keeps its scale).
    Decimal(Decimal),
    /// System.String.
    String(Str<'a>),
    /// System.Date.
    Date(Date),
    /// System.DateTime.
    DateTime(DateTime),
    /// System.Time.
    Time(Time),
    /// System.Quantity.
    Quantity(Arc<Quantity>),
    /// A FHIR element in a document.
    Node(Node<'a>),
    /// A constructed object.
    Object(Arc<Object<'a>>),
}

impl<'a> Value<'a> {
    /// A string value from computed text.
    pub fn string(s: impl Into<Arc<str>>) -> Value<'a> {
        Value::String(Str::Shared(s.into()))
    }

    /// The value's type: a System type for System values, the element's FHIR
    /// type for nodes. Untyped JSON (unknown to the model) reports the System
    /// type of its JSON value.
    pub fn type_id(&self) -> TypeId {
        match self {
            Value::Boolean(_) => TypeId::BOOLEAN,
            Value::Integer(_) => TypeId::INTEGER,
            Value::Long(_) => TypeId::LONG,
            Value::Decimal(_) => TypeId::DECIMAL,
            Value::String(_) => TypeId::STRING,
            Value::Date(_) => TypeId::DATE,
            Value::DateTime(_) => TypeId::DATETIME,
            Value::Time(_) => TypeId::TIME,
            Value::Quantity(_) => TypeId::QUANTITY,
            Value::Node(n) => {
                if n.ty != TypeId::ANY {
                    return n.ty;
                }
                match n.kind() {
                    Some(Kind::String) => TypeId::STRING,
                    Some(Kind::True | Kind::False) => TypeId::BOOLEAN,
                    Some(Kind::Number) => {
                        if n.doc
                            .number_text(n.value)
                            .is_some_and(|t| t.contains(['.', 'e', 'E']))
                        {
                            TypeId::DECIMAL
                        } else {
                            TypeId::INTEGER
                        }
                    }
                    _ => TypeId::ANY,
                }
            }
            Value::Object(o) => o.ty,
        }
    }

    /// True for a FHIR element node.
    pub fn is_node(&self) -> bool {
        matches!(self, Value::Node(_))
    }

    /// The System value of a primitive item: System values are returned as
    /// they are; a FHIR primitive node (string, code, date, integer, …) is
    /// converted according to its type (`date` → Date, `decimal` → Decimal
    /// keeping the JSON text's precision, …); a FHIR Quantity element becomes
    /// a System Quantity. Complex nodes, extension-only primitives and
    /// values whose text does not parse give `None`.
    pub fn to_system(&self, model: &Model) -> Option<Value<'a>> {
        match self {
            Value::Node(n) => node_to_system(n, model),
            // A primitive built by an instance selector (`code { value: 'final' }`) stands for its value.
            Value::Object(o) if model.type_info(o.ty).kind == TypeKind::Primitive => {
                match o
                    .fields
                    .iter()
                    .find(|(n, _)| n.as_ref() == "value")
                    .map(|(_, v)| v.as_slice())
                {
                    Some([v]) => v.to_system(model),
                    _ => None,
                }
            }
            Value::Object(o) if o.type_name.as_ref() == "Quantity" => {
                object_quantity(o).map(|q| Value::Quantity(Arc::new(q)))
            }
            v => Some(v.clone()),
        }
    }

    /// The text of a string-typed item (System.String or a FHIR string-like
    /// primitive such as `code`, `uri`, `id`, `markdown`), without copying.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Node(n) if n.kind() == Some(Kind::String) => n.str(),
            _ => None,
        }
    }
}

/// The System type a node's FHIR type converts to (`None` for an untyped node).
#[inline]
fn node_system(n: &Node<'_>, model: &Model) -> Option<TypeId> {
    if n.ty == TypeId::ANY {
        return None;
    }
    let info = model.type_info(n.ty);
    if info.kind == TypeKind::System {
        Some(n.ty)
    } else {
        info.system
    }
}

impl<'a> Value<'a> {
    /// The text of an item that [`Value::to_system`] turns into a System
    /// String — a String, or a JSON string node whose type is string-like
    /// (`string`, `code`, `uri`, `id`, … or untyped) — without converting it;
    /// `None` for every other item (dates, numbers, complex elements, …).
    #[inline]
    pub fn system_str(&self, model: &Model) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Node(n) if n.kind() == Some(Kind::String) => match node_system(n, model) {
                None | Some(TypeId::STRING) => n.str(),
                _ => None,
            },
            _ => None,
        }
    }
}

fn node_to_system<'a>(n: &Node<'a>, model: &Model) -> Option<Value<'a>> {
    let kind = n.kind()?;
    let system = node_system(n, model);
    if system == Some(TypeId::QUANTITY) {
        return node_quantity(n, model).map(|q| Value::Quantity(Arc::new(q)));
    }
    match (kind, system) {
        (Kind::String, Some(TypeId::DATE)) => n.str().and_then(Date::parse).map(Value::Date),
        (Kind::String, Some(TypeId::DATETIME)) => {
            n.str().and_then(DateTime::parse).map(Value::DateTime)
        }
        (Kind::String, Some(TypeId::TIME)) => n.str().and_then(Time::parse).map(Value::Time),
        (Kind::String, Some(TypeId::DECIMAL)) => {
            n.str().and_then(numeric::parse_decimal).map(Value::Decimal)
        }
        (Kind::String, Some(TypeId::LONG)) => n.str().and_then(|s| s.parse().ok()).map(Value::Long),
        (Kind::String, Some(TypeId::INTEGER)) => {
            n.str().and_then(|s| s.parse().ok()).map(Value::Integer)
        }
        (Kind::String, _) => n.str().map(|s| Value::String(Str::Borrowed(s))),
        (Kind::True, _) => Some(Value::Boolean(true)),
        (Kind::False, _) => Some(Value::Boolean(false)),
        (Kind::Number, _) => {
            let text = n.doc.number_text(n.value)?;
            let integral = !text.contains(['.', 'e', 'E']);
            match system {
                Some(TypeId::INTEGER) if integral => text.parse().ok().map(Value::Integer),
                Some(TypeId::LONG) if integral => text.parse().ok().map(Value::Long),
                None if integral => text.parse::<i64>().ok().map(Value::Integer),
                _ => numeric::parse_decimal(text).map(Value::Decimal),
            }
        }
        _ => None,
    }
}

/// A FHIR Quantity element (or one of its specialisations) as a System Quantity.
fn node_quantity(n: &Node<'_>, _model: &Model) -> Option<Quantity> {
    let doc = n.doc;
    if n.kind() != Some(Kind::Object) {
        return None;
    }
    let value_node = doc.get(n.value, "value")?;
    let value = match doc.kind(value_node) {
        Kind::Number => numeric::parse_decimal(doc.number_text(value_node)?)?,
        Kind::String => numeric::parse_decimal(doc.str(value_node)?)?,
        _ => return None,
    };
    let field = |k: &str| doc.get(n.value, k).and_then(|c| doc.str(c));
    Some(Quantity::from_fhir(
        value,
        field("unit"),
        field("system"),
        field("code"),
    ))
}

fn object_quantity(o: &Object<'_>) -> Option<Quantity> {
    let field = |k: &str| {
        o.fields
            .iter()
            .find(|(n, _)| n.as_ref() == k)
            .and_then(|(_, v)| v.first())
    };
    let value = match field("value")? {
        Value::Decimal(d) => *d,
        Value::Integer(i) | Value::Long(i) => Decimal::from(*i),
        _ => return None,
    };
    let text = |k: &str| field(k).and_then(|v| v.as_str().map(str::to_string));
    let (unit, system, code) = (text("unit"), text("system"), text("code"));
    Some(Quantity::from_fhir(
        value,
        unit.as_deref(),
        system.as_deref(),
        code.as_deref(),
    ))
}
