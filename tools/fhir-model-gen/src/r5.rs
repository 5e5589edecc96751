//! Reader for FHIR R5: fhirpath.js's compact model facts (`fhir-context/r5/*.json` of
//! HL7/fhirpath.js), which list every element path of every type:
//! - `type2Parent.json`: type → base type (the roots, here only `Base`, appear only as values);
//! - `path2Type.json`: element path → type name, `System.<Name>`, or `{code, refType}` for
//!   References; inherited elements are listed again under each type (`Patient.id`), and
//!   `Extension.value[x]` is also listed expanded (`Extension.valueAge`);
//! - `choiceTypePaths.json`: choice element path (without `[x]`) → allowed types as JSON key
//!   suffixes (`Boolean`, `CodeableConcept`);
//! - `pathsDefinedElsewhere.json`: contentReference element path → the path defining its type;
//! - `path2Repeating.json`: the repeating element paths (contentReference elements are missing:
//!   those nesting their own ancestor repeat, the others repeat like the element they reference;
//!   checked against R4, where this rule misjudges 3 of 56).
//!
//! The facts carry no definition order, so types and elements come out sorted by name, each type
//! followed by its backbone types in path order. They carry no `abstract` flags or kinds either:
//! primitives are the lower-case type names, resources the descendants of `Resource`, and the
//! abstract types are the fixed list [`ABSTRACT`]. fhirpath.js records `integer64.value` as
//! `System.Integer`; the model maps it to `System.Long` (FHIRPath 3.0's 64-bit integer).

use crate::{COMMAND, ElementDef, ElementTy, Error, Kind, ModelDef, TypeDef, err, load_json};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// The abstract types of the R5 hierarchy (FHIR R5 §"Base", §"Datatypes", §"Resource"); the
/// compact facts do not record abstractness.
pub const ABSTRACT: [&str; 8] = [
    "Base",
    "Element",
    "BackboneElement",
    "DataType",
    "PrimitiveType",
    "BackboneType",
    "Resource",
    "DomainResource",
];

/// Reads the R5 model from `dir` (the `fhir-definitions/r5-compact-model` directory).
pub fn read(dir: &Path) -> Result<ModelDef, Error> {
    let type2parent = string_map(
        &load_json(&dir.join("type2Parent.json"))?,
        "type2Parent.json",
    )?;
    let path2type_json = load_json(&dir.join("path2Type.json"))?;
    let choices_json = load_json(&dir.join("choiceTypePaths.json"))?;
    let elsewhere = string_map(
        &load_json(&dir.join("pathsDefinedElsewhere.json"))?,
        "pathsDefinedElsewhere.json",
    )?;
    let repeating: HashSet<String> = load_json(&dir.join("path2Repeating.json"))?
        .as_array()
        .ok_or_else(|| err("path2Repeating.json: not an array"))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| err("path2Repeating.json: not a string"))
        })
        .collect::<Result<_, _>>()?;

    let mut path2type: BTreeMap<String, String> = BTreeMap::new();
    for (path, v) in path2type_json
        .as_object()
        .ok_or_else(|| err("path2Type.json: not an object"))?
    {
        let ty = match v {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o["code"]
                .as_str()
                .ok_or_else(|| err(format!("path2Type.json: {path}: no code")))?,
            _ => return Err(err(format!("path2Type.json: {path}: unexpected value"))),
        };
        path2type.insert(path.clone(), ty.to_string());
    }
    let mut choices: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, v) in choices_json
        .as_object()
        .ok_or_else(|| err("choiceTypePaths.json: not an object"))?
    {
        let suffixes = v
            .as_array()
            .ok_or_else(|| err(format!("choiceTypePaths.json: {path}: not an array")))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| err(format!("choiceTypePaths.json: {path}")))
            })
            .collect::<Result<_, _>>()?;
        choices.insert(path.clone(), suffixes);
    }

    // Named types: every key and value of type2Parent.
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (k, v) in &type2parent {
        names.insert(k);
        names.insert(v);
    }
    let is_resource = |name: &str| {
        let mut t = name.to_string();
        loop {
            if t == "Resource" {
                break true;
            }
            match type2parent.get(&t) {
                Some(p) => t.clone_from(p),
                None => break false,
            }
        }
    };
    let choice_type = |suffix: &str| -> Result<String, Error> {
        if names.contains(suffix) {
            return Ok(suffix.to_string());
        }
        let mut chars = suffix.chars();
        let lower = chars
            .next()
            .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
            .unwrap_or_default();
        if names.contains(lower.as_str()) {
            Ok(lower)
        } else {
            Err(err(format!("choice suffix `{suffix}` names no type")))
        }
    };

    // All element paths, with what defines each; sorted so children follow their parent.
    let expanded: HashSet<String> = choices
        .iter()
        .flat_map(|(p, sufs)| sufs.iter().map(move |s| format!("{p}{s}")))
        .collect();
    let mut element_paths: BTreeMap<&str, ElementTy> = BTreeMap::new();
    for (path, ty) in &path2type {
        if !expanded.contains(path) {
            element_paths.insert(path, ElementTy::Single(ty.clone()));
        }
    }
    for (path, sufs) in &choices {
        let tys = sufs
            .iter()
            .map(|s| choice_type(s))
            .collect::<Result<_, _>>()?;
        if element_paths.insert(path, ElementTy::Choice(tys)).is_some() {
            return Err(err(format!(
                "{path}: both a choice and a single-typed element"
            )));
        }
    }
    for (path, target) in &elsewhere {
        if element_paths
            .insert(path, ElementTy::Single(target.clone()))
            .is_some()
        {
            return Err(err(format!("{path}: both defined elsewhere and typed")));
        }
    }
    let has_children: HashSet<&str> = element_paths
        .keys()
        .filter_map(|p| p.rsplit_once('.').map(|(a, _)| a))
        .collect();

    let mut types: Vec<TypeDef> = names
        .iter()
        .map(|&n| {
            let kind = if n.starts_with(|c: char| c.is_ascii_lowercase()) {
                Kind::Primitive
            } else if is_resource(n) {
                Kind::Resource
            } else {
                Kind::Complex
            };
            TypeDef::new(n, kind, type2parent.get(n).cloned(), ABSTRACT.contains(&n))
        })
        .collect();
    let named: HashMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    // Backbone types, created in path order (parents before children).
    let mut backbones: BTreeMap<String, TypeDef> = BTreeMap::new();
    for (path, ty) in &element_paths {
        if let ElementTy::Single(t) = ty
            && (t == "BackboneElement" || t == "Element")
            && has_children.contains(path)
        {
            backbones.insert(
                path.to_string(),
                TypeDef::new(*path, Kind::Backbone, Some(t.clone()), false),
            );
        }
    }
    for (path, ty) in element_paths {
        let (parent, name) = path
            .rsplit_once('.')
            .ok_or_else(|| err(format!("{path}: not an element path")))?;
        let mut ty = ty;
        if let ElementTy::Single(t) = &ty
            && backbones.contains_key(path)
        {
            debug_assert!(t == "BackboneElement" || t == "Element");
            ty = ElementTy::Single(path.to_string());
        }
        let owner = if let Some(&i) = named.get(parent) {
            &mut types[i]
        } else {
            backbones
                .get_mut(parent)
                .ok_or_else(|| err(format!("{path}: owner `{parent}` is not a type")))?
        };
        if owner.kind == Kind::Primitive && name == "value" {
            let ElementTy::Single(t) = &ty else {
                return Err(err(format!("{path}: a choice")));
            };
            let sys = t
                .strip_prefix("System.")
                .ok_or_else(|| err(format!("{path}: not a System type")))?;
            owner.system = Some(
                if owner.name == "integer64" {
                    "Long"
                } else {
                    sys
                }
                .to_string(),
            );
            continue;
        }
        let many = match elsewhere.get(path) {
            // path2Repeating omits contentReference elements: a recursive one
            // (`Questionnaire.item.item`) nests a tree and repeats; another one
            // (`Bundle.entry.link`) repeats like its target.
            Some(target) => path.starts_with(&format!("{target}.")) || repeating.contains(target),
            None => repeating.contains(path),
        };
        owner.elements.push(ElementDef {
            name: name.to_string(),
            ty,
            many,
        });
    }
    // Output order: each named type followed by its backbones (grouped by root type, path order).
    let mut by_root: BTreeMap<String, Vec<TypeDef>> = BTreeMap::new();
    for (path, t) in backbones {
        let root = path.split('.').next().unwrap_or(&path).to_string();
        by_root.entry(root).or_default().push(t);
    }
    let mut out = Vec::with_capacity(types.len() + by_root.values().map(Vec::len).sum::<usize>());
    for t in types {
        let mine = by_root.remove(&t.name);
        out.push(t);
        out.extend(mine.into_iter().flatten());
    }
    if let Some(root) = by_root.keys().next() {
        return Err(err(format!("backbones under `{root}` belong to no type")));
    }
    Ok(ModelDef {
        version: "R5",
        comments: vec![
            "Kiln FHIR model: FHIR R5 types and elements.".to_string(),
            format!("Generated by tools/fhir-model-gen: `{COMMAND}`"),
            "from fhir-definitions/r5-compact-model/*.json (HL7/fhirpath.js fhir-context/r5,"
                .to_string(),
            "BSD-style licence: LICENSE-fhirpath.js.md). Do not edit.".to_string(),
        ],
        types: out,
    })
}

/// A JSON object whose values are all strings, as a sorted map.
fn string_map(v: &Value, file: &str) -> Result<BTreeMap<String, String>, Error> {
    v.as_object()
        .ok_or_else(|| err(format!("{file}: not an object")))?
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_string()))
                .ok_or_else(|| err(format!("{file}: {k}: not a string")))
        })
        .collect()
}
