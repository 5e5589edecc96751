//! The JSON specification of a word (the FastForth spec format): its
//! serde/rkyv data types, parsing with the path of the offending field,
//! and semantic validation with limits.
//!
//! ```json
//! {
//!   "word": "square",
//!   "description": "Squares a number.",
//!   "stack_effect": {
//!     "inputs":  [{ "name": "n", "type": "n" }],
//!     "outputs": [{ "name": "n*n", "type": "n" }]
//!   },
//!   "properties": ["square(n) >= 0 when no overflow"],
//!   "test_cases": [{ "input": [3], "output": [9] }, { "input": [-4], "output": [16] }],
//!   "implementation": { "pattern": "duplicate-transform", "params": { "op": "*" } }
//! }
//! ```
//!
//! Fields (unknown fields are errors, so are duplicates):
//! * `word` (required): the name, 1–31 bytes, no whitespace or control characters.
//! * `description`, `properties` (optional): documentation, kept and printed.
//! * `stack_effect` (required): `inputs` and `outputs`, deepest item first, at
//!   most [`MAX_ITEMS`] each; an item is `{ "name": …, "type": … }` where
//!   `type` (default `x`) is one of [`TYPE_NAMES`].
//! * `test_cases` (required, 1 to [`MAX_TEST_CASES`]): `input` and `output`
//!   stacks (deepest first) whose lengths match the stack effect; a value is
//!   a signed 64-bit integer or `true`/`false` (Forth flags -1 and 0).
//! * `implementation` (optional): `pattern` (an id of `wordgen::patterns`) and
//!   `params` (an object of strings, integers or booleans).

use crate::effect::{ADDR, CHAR, Effect, FLAG, MAX_ITEMS, N, Ty, U, X, XT};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Most test cases a specification may carry.
pub const MAX_TEST_CASES: usize = 10_000;
/// Largest specification file accepted, bytes.
pub const MAX_SPEC_BYTES: usize = 1 << 20;
/// Longest word or item name, bytes (Forth 2012 §3.3.1.2: 31 characters).
pub const MAX_NAME: usize = 31;
/// The accepted item types and the effect kinds they mean.
pub const TYPE_NAMES: &[(&str, Ty)] = &[
    ("x", X),
    ("any", X),
    ("cell", X),
    ("n", N),
    ("int", N),
    ("integer", N),
    ("u", U),
    ("unsigned", U),
    ("flag", FLAG),
    ("bool", FLAG),
    ("boolean", FLAG),
    ("char", CHAR),
    ("addr", ADDR),
    ("a-addr", ADDR),
    ("c-addr", ADDR),
    ("xt", XT),
];

/// A word's specification. See the module docs for the JSON form.
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The word's name.
    pub word: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Its stack effect, with item names and types.
    pub stack_effect: StackEffect,
    /// Properties the word has (documentation).
    #[serde(default)]
    pub properties: Vec<String>,
    /// Input stack → expected output stack pairs.
    pub test_cases: Vec<TestCase>,
    /// An optional hint: which pattern to instantiate, with parameters.
    #[serde(default)]
    pub implementation: Option<Implementation>,
}

/// `( inputs -- outputs )`, deepest item first.
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct StackEffect {
    /// Items consumed.
    pub inputs: Vec<Item>,
    /// Items produced.
    pub outputs: Vec<Item>,
}

/// One stack item.
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its name in the stack comment (`n1`, `flag`).
    pub name: String,
    /// Its type, one of [`TYPE_NAMES`] (default `x`).
    #[serde(rename = "type", default = "default_type")]
    pub ty: String,
}

fn default_type() -> String {
    "x".into()
}

/// One test: the stack before and after executing the word (deepest first).
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// The data stack the word starts with.
    #[serde(deserialize_with = "cells")]
    pub input: Vec<i64>,
    /// The data stack it must leave.
    #[serde(deserialize_with = "cells")]
    pub output: Vec<i64>,
}

/// A pattern hint.
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Implementation {
    /// The pattern id (`duplicate-transform`, `accumulate-loop`, …).
    pub pattern: String,
    /// Template parameters by name (values as text: `"*"`, `"5"`).
    #[serde(default, deserialize_with = "params", serialize_with = "ser_params")]
    pub params: Vec<Param>,
}

/// One template parameter.
#[derive(
    Clone,
    Debug,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct Param {
    /// Its name.
    pub key: String,
    /// Its value as text.
    pub value: String,
}

impl Implementation {
    /// The value of parameter `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    }
}

/// A specification that could not be read, parsed or validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The path of the offending field (`test_cases[2].input[0]`), empty for
    /// the whole document.
    pub path: String,
    /// Line and column in the JSON text, when known.
    pub line_col: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((l, c)) = self.line_col {
            write!(f, "{l}:{c}: ")?;
        }
        if !self.path.is_empty() && self.path != "." {
            write!(f, "at `{}`: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecError {}

fn fail(path: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError {
        path: path.into(),
        line_col: None,
        message: message.into(),
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell: an integer from -2^63 to 2^63-1, or true/false")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| {
            E::custom(format!(
                "{v} does not fit a cell (a signed 64-bit integer, at most {})",
                i64::MAX
            ))
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Err(E::custom(format!(
            "{v} is not a cell: cells are integers (from -2^63 to 2^63-1)"
        )))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<i64, E> {
        Ok(if v { -1 } else { 0 })
    }
}

struct Cell(i64);

impl<'de> serde::Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        d.deserialize_any(CellVisitor).map(Cell)
    }
}

fn cells<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let v: Vec<Cell> = serde::Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|c| c.0).collect())
}

struct ParamValue(String);

impl<'de> serde::Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ParamValue, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, an integer or a boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
                CellVisitor.visit_u64::<E>(v).map(|v| v.to_string())
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
                Ok(if v { "-1" } else { "0" }.into())
            }
        }
        d.deserialize_any(V).map(ParamValue)
    }
}

fn params<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Param>, D::Error> {
    struct M;
    impl<'de> Visitor<'de> for M {
        type Value = Vec<Param>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of parameters")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Vec<Param>, A::Error> {
            let mut out: Vec<Param> = Vec::new();
            while let Some(key) = m.next_key::<String>()? {
                if out.iter().any(|p| p.key == key) {
                    return Err(de::Error::custom(format!("duplicate parameter `{key}`")));
                }
                let ParamValue(value) = m.next_value()?;
                out.push(Param { key, value });
            }
            Ok(out)
        }
    }
    d.deserialize_map(M)
}

fn ser_params<S: serde::Serializer>(p: &[Param], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(p.len()))?;
    for p in p {
        m.serialize_entry(&p.key, &p.value)?;
    }
    m.end()
}

/// The effect kind of a type name (see [`TYPE_NAMES`]).
pub fn type_kind(name: &str) -> Option<Ty> {
    TYPE_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, t)| t)
}

impl Spec {
    /// Parses and validates a specification from JSON text.
    ///
    /// # Errors
    /// Malformed JSON, a missing, unknown, duplicate or ill-typed field
    /// (with its path and line:column), a number that does not fit a cell,
    /// or a failed [`Spec::validate`] rule.
    pub fn from_json(text: &str) -> Result<Spec, SpecError> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(fail(
                "",
                format!(
                    "the specification is {} bytes; at most {MAX_SPEC_BYTES} are accepted",
                    text.len()
                ),
            ));
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let spec: Spec = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let line_col = (inner.line() > 0).then(|| (inner.line(), inner.column()));
            // serde_json appends " at line L column C"; we print it in front.
            let mut message = inner.to_string();
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            SpecError {
                path,
                line_col,
                message,
            }
        })?;
        de.end().map_err(|e| SpecError {
            path: String::new(),
            line_col: Some((e.line(), e.column())),
            message: "trailing characters after the specification".into(),
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks the rules serde cannot: names, types, counts and lengths.
    ///
    /// # Errors
    /// The first violated rule, with the path of its field.
    pub fn validate(&self) -> Result<(), SpecError> {
        check_name("word", &self.word)?;
        let se = &self.stack_effect;
        for (side, items) in [("inputs", &se.inputs), ("outputs", &se.outputs)] {
            if items.len() > MAX_ITEMS {
                return Err(fail(
                    format!("stack_effect.{side}"),
                    format!("{} items; at most {MAX_ITEMS} are supported", items.len()),
                ));
            }
            for (i, it) in items.iter().enumerate() {
                check_name(&format!("stack_effect.{side}[{i}].name"), &it.name)?;
                if it.name.contains(['(', ')']) || it.name == "--" {
                    return Err(fail(
                        format!("stack_effect.{side}[{i}].name"),
                        "item names cannot contain parentheses or be `--`",
                    ));
                }
                if type_kind(&it.ty).is_none() {
                    let known: Vec<&str> = TYPE_NAMES.iter().map(|t| t.0).collect();
                    return Err(fail(
                        format!("stack_effect.{side}[{i}].type"),
                        format!("unknown type `{}`; known: {}", it.ty, known.join(", ")),
                    ));
                }
            }
        }
        if self.test_cases.is_empty() {
            return Err(fail(
                "test_cases",
                "at least one test case is needed to verify the word",
            ));
        }
        if self.test_cases.len() > MAX_TEST_CASES {
            return Err(fail(
                "test_cases",
                format!(
                    "{} test cases; at most {MAX_TEST_CASES} are accepted",
                    self.test_cases.len()
                ),
            ));
        }
        for (i, t) in self.test_cases.iter().enumerate() {
            for (side, got, want) in [
                ("input", t.input.len(), se.inputs.len()),
                ("output", t.output.len(), se.outputs.len()),
            ] {
                if got != want {
                    return Err(fail(
                        format!("test_cases[{i}].{side}"),
                        format!("{got} value(s), but stack_effect.{side}s declares {want} item(s)"),
                    ));
                }
            }
        }
        if let Some(imp) = &self.implementation
            && imp.pattern.trim().is_empty()
        {
            return Err(fail("implementation.pattern", "the pattern id is empty"));
        }
        Ok(())
    }

    /// The declared effect, typed (`( n n -- n )`).
    pub fn effect(&self) -> Effect {
        let kinds = |items: &[Item]| -> Vec<Ty> {
            items
                .iter()
                .map(|i| type_kind(&i.ty).unwrap_or(X))
                .collect()
        };
        Effect::new(
            &kinds(&self.stack_effect.inputs),
            &kinds(&self.stack_effect.outputs),
        )
    }

    /// The stack comment with the spec's item names (`( a b -- sum )`).
    pub fn stack_comment(&self) -> String {
        let mut s = String::from("(");
        for i in &self.stack_effect.inputs {
            s.push(' ');
            s.push_str(&i.name);
        }
        s.push_str(" --");
        for o in &self.stack_effect.outputs {
            s.push(' ');
            s.push_str(&o.name);
        }
        s.push_str(" )");
        s
    }
}

fn check_name(path: &str, name: &str) -> Result<(), SpecError> {
    if name.is_empty() {
        return Err(fail(path, "the name is empty"));
    }
    if name.len() > MAX_NAME {
        return Err(fail(
            path,
            format!("the name is {} bytes long; at most {MAX_NAME}", name.len()),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail(
            path,
            format!(
                "the name contains {c:?}; names cannot contain whitespace or control characters"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"word":"square","stack_effect":{"inputs":[{"name":"n","type":"n"}],
        "outputs":[{"name":"n2","type":"n"}]},"test_cases":[{"input":[3],"output":[9]}],
        "implementation":{"pattern":"duplicate-transform","params":{"op":"*"}}}"#;

    #[test]
    fn parses_a_spec() {
        let s = Spec::from_json(SQUARE).unwrap();
        assert_eq!(s.word, "square");
        assert_eq!(s.effect().to_string(), "( n -- n )");
        assert_eq!(s.stack_comment(), "( n -- n2 )");
        assert_eq!(s.implementation.unwrap().param("op"), Some("*"));
    }

    #[test]
    fn errors_name_the_field() {
        let e = Spec::from_json(&SQUARE.replace("[3]", "[1e30]")).unwrap_err();
        assert_eq!(e.path, "test_cases[0].input[0]");
        assert!(e.message.contains("not a cell"), "{e}");
        let e = Spec::from_json(&SQUARE.replace("[3]", "[18446744073709551615]")).unwrap_err();
        assert!(e.message.contains("does not fit a cell"), "{e}");
        let e = Spec::from_json(&SQUARE.replace("\"word\":\"square\",", "")).unwrap_err();
        assert!(e.message.contains("missing field `word`"), "{e}");
        let e =
            Spec::from_json(&SQUARE.replace("\"word\"", "\"word\":\"x\",\"word\"")).unwrap_err();
        assert!(e.message.contains("duplicate field `word`"), "{e}");
        let e =
            Spec::from_json(&SQUARE.replace("\"n2\",\"type\":\"n\"", "\"n2\",\"type\":\"float\""))
                .unwrap_err();
        assert_eq!(e.path, "stack_effect.outputs[0].type");
        let e = Spec::from_json(&SQUARE.replace("\"output\":[9]", "\"output\":[9,9]")).unwrap_err();
        assert_eq!(e.path, "test_cases[0].output");
        let e = Spec::from_json(&SQUARE.replace("\"square\"", "\"\"")).unwrap_err();
        assert_eq!(e.path, "word");
        let e = Spec::from_json("{\"word\": ").unwrap_err();
        assert!(e.line_col.is_some(), "{e}");
        let e = Spec::from_json(&SQUARE.replace("\"description\"", "")).map(|_| ());
        assert!(e.is_ok());
        let e = Spec::from_json(&SQUARE.replace("\"word\"", "\"wrod\"")).unwrap_err();
        assert!(e.message.contains("unknown field `wrod`"), "{e}");
    }

    #[test]
    fn booleans_are_flags() {
        let s = Spec::from_json(&SQUARE.replace("[9]", "[true]")).unwrap();
        assert_eq!(s.test_cases[0].output, [-1]);
    }
}
