//! `fhir-model-gen`: builds the compact FHIR model files that `kiln-fhirpath` embeds
//! (`crates/kiln-fhirpath/model/r4.model` and `r5.model`) from the FHIR definitions in `../shared`.
//!
//! Pipeline: one reader per source ([`r4`] reads the R4 StructureDefinition bundles, [`r5`] reads
//! fhirpath.js's compact R5 facts) builds a [`ModelDef`]; [`finish`] applies the rules both share
//! (inherited elements dropped, Quantity mapping, validation); [`write_model`] prints the format
//! below. [`run`] does all of it and writes the files plus the source licences they carry.
//!
//! # The `.model` format (version 1)
//!
//! Line-oriented UTF-8 text; `#` starts a comment line; blank lines are ignored.
//! The first non-comment line is `kiln-fhir-model 1 <R4|R5>`. Then one block per type:
//!
//! ```text
//! Patient resource :DomainResource       type line: name, kind, then optional
//!  name HumanName *                       `:Base`, `abstract`, `=SystemType`
//!  birthDate date                         element line (leading space): name, type, `*` = repeats
//!  deceased[x] boolean|dateTime           choice element: `[x]` name, `|`-separated FHIR types
//!  contact @ *                            `@` = the backbone type named `<owner>.<element>`
//! Patient.contact backbone :BackboneElement      (backbone types are named by their path)
//! ```
//!
//! Kinds are `primitive`, `complex`, `resource` and `backbone`. A FHIR type without `:Base` derives
//! from `System.Any`. `=String` etc. names the System type a FHIR primitive's value converts to
//! (and `=Quantity` marks FHIR Quantity and its specialisations). Element types are FHIR type names
//! or `System.<Name>` (e.g. `Element.id` is `System.String`). Only a type's *own* elements are
//! listed; inherited ones come from the base chain. Primitive `value` elements are not listed (the
//! primitive itself is the value; `=System` records its type). The JSON key of a choice is the
//! element name followed by the type name with its first letter upper-cased (`valueDateTime`).

#![deny(missing_docs)]

pub mod r4;
pub mod r5;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::Path;

/// The command that regenerates the committed files, run from the repository root.
pub const COMMAND: &str =
    "cargo run -p fhir-model-gen -- --shared ../shared --out crates/kiln-fhirpath/model";

/// The System types a FHIR element or primitive may name (FHIRPath spec §"Literals", plus `Any`).
pub const SYSTEM_TYPES: [&str; 10] = [
    "Any", "Boolean", "String", "Integer", "Long", "Decimal", "Date", "DateTime", "Time",
    "Quantity",
];

/// A generation failure: a missing or malformed source file, or source data the model cannot
/// express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Builds an [`Error`] from anything string-like.
pub(crate) fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// What kind of type a [`TypeDef`] is (the `kind` word of a type line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A FHIR primitive type (`string`, `code`, `dateTime`, …).
    Primitive,
    /// A FHIR complex data type (`HumanName`, `Quantity`, `Element`, …).
    Complex,
    /// A resource (`Patient`, the abstract `Resource` and `DomainResource`, …).
    Resource,
    /// An inline backbone element type, named by its path (`Patient.contact`).
    Backbone,
}

impl Kind {
    /// The word used for this kind in the file format.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Primitive => "primitive",
            Kind::Complex => "complex",
            Kind::Resource => "resource",
            Kind::Backbone => "backbone",
        }
    }
}

/// One type of the model being generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDef {
    /// FHIR type name (`Patient`, `string`) or backbone path (`Patient.contact`).
    pub name: String,
    /// Primitive, complex, resource or backbone.
    pub kind: Kind,
    /// The base type's name; `None` for a root (which derives from `System.Any`).
    pub base: Option<String>,
    /// Whether the type is abstract (`Resource`, `Element`, …).
    pub is_abstract: bool,
    /// The System type name the value converts to (`String` for `code`, `Quantity` for `Age`).
    pub system: Option<String>,
    /// The type's own elements (not the inherited ones), in output order.
    pub elements: Vec<ElementDef>,
}

impl TypeDef {
    /// A type with no elements and no System mapping.
    pub fn new(
        name: impl Into<String>,
        kind: Kind,
        base: Option<String>,
        is_abstract: bool,
    ) -> Self {
        TypeDef {
            name: name.into(),
            kind,
            base,
            is_abstract,
            system: None,
            elements: Vec::new(),
        }
    }
}

/// One element of a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementDef {
    /// The element name without `[x]` (`value` for `value[x]`).
    pub name: String,
    /// Its type or, for a choice element, its allowed types.
    pub ty: ElementTy,
    /// Whether it repeats (`max` = `*`).
    pub many: bool,
}

/// The type of an [`ElementDef`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementTy {
    /// One type: a FHIR type name, a backbone path or `System.<Name>`.
    Single(String),
    /// A choice (`value[x]`): the allowed FHIR type names, in source order.
    Choice(Vec<String>),
}

/// A whole model: its FHIR version, provenance comment lines and types in output order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelDef {
    /// `R4` or `R5`.
    pub version: &'static str,
    /// Comment lines (without `# `) written at the top of the file.
    pub comments: Vec<String>,
    /// All FHIR types, backbones right after the type that declares them.
    pub types: Vec<TypeDef>,
}

/// Upper-cases the first character: the JSON key suffix of a choice type
/// (`dateTime` → `DateTime`).
pub fn choice_suffix(type_name: &str) -> String {
    let mut chars = type_name.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Applies the rules shared by both readers and validates the result:
/// - elements a type inherits (an ancestor has an element of that name) are dropped;
/// - a primitive without its own `value` type takes its nearest ancestor's System type;
/// - `Quantity` and its descendants get `=Quantity`;
/// - names are unique, bases exist and do not cycle, element types exist, every primitive has a
///   System type, and no two JSON keys of a type (inherited ones included) collide.
pub fn finish(mut model: ModelDef) -> Result<ModelDef, Error> {
    // FHIR defines the logical id `Resource.id` as the primitive `id` (R4 and R5, §Resource); the
    // definitions encode it as `System.String` (its value's representation), which would make
    // `contained.id` a plain string where the official suite (testContainedId) expects `id`.
    for t in model.types.iter_mut().filter(|t| t.name == "Resource") {
        for e in t.elements.iter_mut().filter(|e| e.name == "id") {
            e.ty = ElementTy::Single("id".into());
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, t) in model.types.iter().enumerate() {
        if SYSTEM_TYPES.contains(&t.name.as_str()) && t.name != "Quantity" {
            // FHIR and System names may overlap (`Quantity`), but no FHIR type is named `String`.
            return Err(err(format!("FHIR type `{}` shadows a System type", t.name)));
        }
        if index.insert(t.name.clone(), i).is_some() {
            return Err(err(format!("type `{}` defined twice", t.name)));
        }
    }
    // Ancestor chains (excluding the type itself), checked for missing bases and cycles.
    let mut ancestors: Vec<Vec<usize>> = Vec::with_capacity(model.types.len());
    for t in &model.types {
        let mut chain = Vec::new();
        let mut cur = t.base.clone();
        while let Some(b) = cur {
            let &bi = index
                .get(&b)
                .ok_or_else(|| err(format!("type `{}`: base `{b}` is not defined", t.name)))?;
            if chain.contains(&bi) || chain.len() > model.types.len() {
                return Err(err(format!("type `{}`: base chain cycles", t.name)));
            }
            chain.push(bi);
            cur = model.types[bi].base.clone();
        }
        ancestors.push(chain);
    }
    // Drop inherited elements (readers may list them again under the derived type).
    let raw_names: Vec<HashSet<String>> = model
        .types
        .iter()
        .map(|t| t.elements.iter().map(|e| e.name.clone()).collect())
        .collect();
    for (i, t) in model.types.iter_mut().enumerate() {
        t.elements
            .retain(|e| !ancestors[i].iter().any(|&a| raw_names[a].contains(&e.name)));
    }
    // A primitive that does not declare its own `value` converts like its nearest ancestor that
    // does (`positiveInt` → `integer`).
    let systems: Vec<Option<String>> = model
        .types
        .iter()
        .zip(&ancestors)
        .map(|(t, anc)| match &t.system {
            None if t.kind == Kind::Primitive => {
                anc.iter().find_map(|&a| model.types[a].system.clone())
            }
            own => own.clone(),
        })
        .collect();
    for (t, system) in model.types.iter_mut().zip(systems) {
        t.system = system;
    }
    // Quantity and its specialisations convert to System.Quantity.
    if let Some(&q) = index.get("Quantity") {
        for (i, t) in model.types.iter_mut().enumerate() {
            if i == q || ancestors[i].contains(&q) {
                t.system = Some("Quantity".to_string());
            }
        }
    }
    // Validation.
    for (i, t) in model.types.iter().enumerate() {
        if t.kind == Kind::Primitive && t.system.is_none() {
            return Err(err(format!(
                "primitive `{}` has no System value type",
                t.name
            )));
        }
        if let Some(s) = &t.system
            && !SYSTEM_TYPES.contains(&s.as_str())
        {
            return Err(err(format!("type `{}`: unknown System type `{s}`", t.name)));
        }
        let mut keys: HashSet<String> = HashSet::new();
        let own_and_inherited = ancestors[i].iter().rev().chain(std::iter::once(&i));
        for &owner in own_and_inherited {
            for e in &model.types[owner].elements {
                let new_keys: Vec<String> = match &e.ty {
                    ElementTy::Single(ty) => {
                        check_type_ref(&index, ty, true)
                            .map_err(|m| err(format!("{}.{}: {m}", t.name, e.name)))?;
                        vec![e.name.clone()]
                    }
                    ElementTy::Choice(tys) => {
                        if tys.is_empty() {
                            return Err(err(format!("{}.{}: empty choice", t.name, e.name)));
                        }
                        let mut ks = vec![e.name.clone()];
                        for ty in tys {
                            check_type_ref(&index, ty, false)
                                .map_err(|m| err(format!("{}.{}: {m}", t.name, e.name)))?;
                            ks.push(format!("{}{}", e.name, choice_suffix(ty)));
                        }
                        ks
                    }
                };
                for k in new_keys {
                    if !keys.insert(k.clone()) {
                        return Err(err(format!(
                            "type `{}`: name or JSON key `{k}` is ambiguous",
                            t.name
                        )));
                    }
                }
            }
        }
        for e in &t.elements {
            let ok = !e.name.is_empty()
                && e.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(err(format!(
                    "{}: element name `{}` is not an identifier",
                    t.name, e.name
                )));
            }
        }
    }
    Ok(model)
}

/// Checks that an element type names a defined FHIR type, or (when `allow_system`) a System type.
fn check_type_ref(
    index: &HashMap<String, usize>,
    ty: &str,
    allow_system: bool,
) -> Result<(), String> {
    if let Some(sys) = ty.strip_prefix("System.") {
        if allow_system && SYSTEM_TYPES.contains(&sys) {
            return Ok(());
        }
        return Err(format!("System type `{ty}` not allowed here"));
    }
    if index.contains_key(ty) {
        Ok(())
    } else {
        Err(format!("type `{ty}` is not defined"))
    }
}

/// Prints a finished model in the `.model` format described in the crate docs.
pub fn write_model(model: &ModelDef) -> String {
    let mut out = String::with_capacity(256 * 1024);
    for c in &model.comments {
        out.push_str("# ");
        out.push_str(c);
        out.push('\n');
    }
    out.push_str("kiln-fhir-model 1 ");
    out.push_str(model.version);
    out.push('\n');
    for t in &model.types {
        out.push('\n');
        out.push_str(&t.name);
        out.push(' ');
        out.push_str(t.kind.word());
        if let Some(b) = &t.base {
            out.push_str(" :");
            out.push_str(b);
        }
        if t.is_abstract {
            out.push_str(" abstract");
        }
        if let Some(s) = &t.system {
            out.push_str(" =");
            out.push_str(s);
        }
        out.push('\n');
        for e in &t.elements {
            out.push(' ');
            out.push_str(&e.name);
            match &e.ty {
                ElementTy::Single(ty) => {
                    let backbone = ty
                        .strip_prefix(t.name.as_str())
                        .and_then(|r| r.strip_prefix('.'));
                    out.push(' ');
                    out.push_str(if backbone == Some(e.name.as_str()) {
                        "@"
                    } else {
                        ty
                    });
                }
                ElementTy::Choice(tys) => {
                    out.push_str("[x] ");
                    out.push_str(&tys.join("|"));
                }
            }
            if e.many {
                out.push_str(" *");
            }
            out.push('\n');
        }
    }
    out
}

/// Generates every output file from the definitions under `shared` (the `../shared` directory):
/// `(file name, contents)` pairs for `r4.model`, `r5.model` and the two source licences.
pub fn generate(shared: &Path) -> Result<Vec<(&'static str, Vec<u8>)>, Error> {
    let defs = shared.join("fhir-definitions");
    let r4 = finish(r4::read(&defs.join("r4"))?)?;
    let r5 = finish(r5::read(&defs.join("r5-compact-model"))?)?;
    let copy = |p: &Path| fs::read(p).map_err(|e| err(format!("{}: {e}", p.display())));
    Ok(vec![
        ("r4.model", write_model(&r4).into_bytes()),
        ("r5.model", write_model(&r5).into_bytes()),
        (
            "LICENSE-fhirpath.js.md",
            copy(&defs.join("r5-compact-model/LICENSE-fhirpath.js.md"))?,
        ),
        (
            "LICENSE-packaging-Apache-2.0.txt",
            copy(&defs.join("LICENSE-packaging-Apache-2.0.txt"))?,
        ),
    ])
}

/// Generates every output file (see [`generate`]) and writes them into `out` (created if missing).
pub fn run(shared: &Path, out: &Path) -> Result<(), Error> {
    let files = generate(shared)?;
    fs::create_dir_all(out).map_err(|e| err(format!("{}: {e}", out.display())))?;
    for (name, bytes) in files {
        let path = out.join(name);
        fs::write(&path, bytes).map_err(|e| err(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// Reads and parses a JSON file.
pub(crate) fn load_json(path: &Path) -> Result<serde_json::Value, Error> {
    let text = fs::read_to_string(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| err(format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type with the given elements.
    fn ty(name: &str, kind: Kind, base: Option<&str>, elements: Vec<ElementDef>) -> TypeDef {
        TypeDef {
            elements,
            ..TypeDef::new(name, kind, base.map(str::to_string), false)
        }
    }

    /// A single-typed element.
    fn one(name: &str, ty: &str, many: bool) -> ElementDef {
        ElementDef {
            name: name.to_string(),
            ty: ElementTy::Single(ty.to_string()),
            many,
        }
    }

    #[test]
    fn suffixes() {
        assert_eq!(choice_suffix("dateTime"), "DateTime");
        assert_eq!(choice_suffix("Quantity"), "Quantity");
        assert_eq!(choice_suffix(""), "");
    }

    #[test]
    fn finish_drops_inherited_and_maps_quantity_and_primitives() {
        let model = ModelDef {
            version: "R4",
            comments: vec!["c".to_string()],
            types: vec![
                ty(
                    "Element",
                    Kind::Complex,
                    None,
                    vec![one("id", "System.String", false)],
                ),
                TypeDef {
                    system: Some("Integer".into()),
                    ..ty("integer", Kind::Primitive, Some("Element"), vec![])
                },
                ty(
                    "positiveInt",
                    Kind::Primitive,
                    Some("integer"),
                    vec![one("id", "System.String", false)],
                ),
                ty(
                    "Quantity",
                    Kind::Complex,
                    Some("Element"),
                    vec![one("value", "integer", false)],
                ),
                ty(
                    "Age",
                    Kind::Complex,
                    Some("Quantity"),
                    vec![one("value", "integer", false)],
                ),
                ty("P", Kind::Resource, None, vec![one("c", "P.c", true)]),
                ty(
                    "P.c",
                    Kind::Backbone,
                    Some("Element"),
                    vec![ElementDef {
                        name: "v".to_string(),
                        ty: ElementTy::Choice(vec!["integer".to_string(), "Quantity".to_string()]),
                        many: false,
                    }],
                ),
            ],
        };
        let m = finish(model).expect("valid");
        assert!(m.types[2].elements.is_empty(), "inherited id dropped");
        assert!(m.types[4].elements.is_empty(), "inherited value dropped");
        assert_eq!(m.types[2].system.as_deref(), Some("Integer"));
        assert_eq!(m.types[4].system.as_deref(), Some("Quantity"));
        assert_eq!(m.types[5].system, None);
        let text = write_model(&m);
        assert_eq!(
            text,
            "# c\nkiln-fhir-model 1 R4\n\nElement complex\n id System.String\n\n\
             integer primitive :Element =Integer\n\npositiveInt primitive :integer =Integer\n\n\
             Quantity complex :Element =Quantity\n value integer\n\n\
             Age complex :Quantity =Quantity\n\n\
             P resource\n c @ *\n\nP.c backbone :Element\n v[x] integer|Quantity\n"
        );
    }

    #[test]
    fn finish_rejects_bad_models() {
        let base = |types| ModelDef {
            version: "R4",
            comments: vec![],
            types,
        };
        let cases = [
            vec![ty("A", Kind::Complex, Some("B"), vec![])],
            vec![ty("A", Kind::Complex, Some("A"), vec![])],
            vec![
                ty("A", Kind::Complex, None, vec![]),
                ty("A", Kind::Complex, None, vec![]),
            ],
            vec![ty("A", Kind::Complex, None, vec![one("x", "B", false)])],
            vec![ty(
                "A",
                Kind::Complex,
                None,
                vec![one("x", "System.Str", false)],
            )],
            vec![ty("a", Kind::Primitive, None, vec![])],
            vec![ty("A", Kind::Complex, None, vec![one("x-y", "A", false)])],
            vec![ty(
                "A",
                Kind::Complex,
                None,
                vec![
                    ElementDef {
                        name: "v".into(),
                        ty: ElementTy::Choice(vec!["A".into()]),
                        many: false,
                    },
                    one("vA", "A", false),
                ],
            )],
        ];
        for types in cases {
            assert!(finish(base(types.clone())).is_err(), "{types:?}");
        }
    }
}
