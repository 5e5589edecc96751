//! The official FHIRPath test suite (R5 and R4 copies, vendored in
//! `tests/conformance/fhirpath-r5` and `-r4`) run as a ratchet against the
//! committed `summary.json` and `expected-failures.txt`.
//!
//! Each case is compiled with the suite's mode (`strict`, `lenient`), the
//! input resource's type as context type, and evaluated over the JSON form
//! of its input file. A case passes when the outcome matches exactly: the
//! same error category for `invalid="syntax|semantic|execution"`, otherwise
//! the same items, each with the type and text the suite writes (see
//! `output::typed_name`/`typed_text`), in any order unless `ordered="true"`.
//!
//! Skipped, with the reason recorded: terminology (`mode="tx"`) and CDA
//! cases. Two inputs the suite ships only as XML were converted to JSON by
//! hand (see `tests/conformance/README.md`).
//!
//! Run `UPDATE_EXPECT=1 cargo test -p kiln-fhirpath --test conformance` to
//! accept a change; `KILN_SUITE_VERBOSE=1` prints every failure.

use kiln_core::ratchet::{self, CaseResult, Outcome};
use kiln_fhirpath::output::{typed_name, typed_text};
use kiln_fhirpath::{
    CompileOptions, Document, ErrorKind, EvalOptions, Expression, FhirVersion, Vm,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

struct Case {
    group: String,
    name: String,
    expression: String,
    invalid: Option<String>,
    input: Option<String>,
    mode: Option<String>,
    ordered: bool,
    predicate: bool,
    outputs: Vec<(String, String)>,
}

fn suite_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance")
        .join(name)
}

fn load_cases(xml_path: &Path) -> Vec<Case> {
    let text =
        std::fs::read_to_string(xml_path).unwrap_or_else(|e| panic!("{}: {e}", xml_path.display()));
    let doc = roxmltree::Document::parse(&text).expect("suite XML parses");
    let mut cases = Vec::new();
    for group in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("group"))
    {
        let gname = group.attribute("name").unwrap_or("?").to_string();
        for t in group.children().filter(|n| n.has_tag_name("test")) {
            let expr = t.children().find(|n| n.has_tag_name("expression"));
            let Some(expr) = expr else { continue };
            let outputs = t
                .children()
                .filter(|n| n.has_tag_name("output"))
                .map(|o| {
                    (
                        o.attribute("type").unwrap_or("").to_string(),
                        o.text().unwrap_or("").to_string(),
                    )
                })
                .collect();
            cases.push(Case {
                group: gname.clone(),
                name: t.attribute("name").unwrap_or("?").to_string(),
                expression: expr.text().unwrap_or("").to_string(),
                invalid: expr.attribute("invalid").map(str::to_string),
                input: t.attribute("inputfile").map(str::to_string),
                mode: t.attribute("mode").map(str::to_string),
                ordered: t.attribute("ordered") == Some("true"),
                predicate: t.attribute("predicate") == Some("true"),
                outputs,
            });
        }
    }
    cases
}

/// The JSON file standing for a suite input (`patient-example.xml` → `patient-example.json`).
fn json_input(dir: &Path, name: &str) -> Option<PathBuf> {
    let stem = name.trim_end_matches(".xml").trim_end_matches(".json");
    let p = dir.join("input").join(format!("{stem}.json"));
    p.exists().then_some(p)
}

fn run_case(
    case: &Case,
    version: FhirVersion,
    docs: &HashMap<String, Option<Document>>,
) -> Outcome {
    if let Some(mode) = &case.mode {
        match mode.as_str() {
            "tx" => return Outcome::Skip("needs a terminology server (%terminologies)".into()),
            "cda" => return Outcome::Skip("CDA input and model (ccda.xml)".into()),
            _ => {}
        }
    }
    let doc = match &case.input {
        None => None,
        Some(name) => match docs.get(name) {
            Some(Some(doc)) => Some(doc),
            _ => return Outcome::Skip(format!("input {name} has no JSON form")),
        },
    };
    let context_type = doc.and_then(|d| {
        d.get(d.root(), "resourceType")
            .and_then(|r| d.str(r))
            .map(str::to_string)
    });
    let mode = case.mode.as_deref().unwrap_or("");
    let options = CompileOptions {
        version,
        strict: mode == "strict",
        lenient_choice: mode.contains("lenient"),
        context_type,
        ..CompileOptions::default()
    };
    let expected_kind = case.invalid.as_deref();
    let expr = match Expression::compile(&case.expression, &options) {
        Ok(e) => e,
        Err(err) => {
            let got = match err.kind {
                ErrorKind::Syntax => "syntax",
                ErrorKind::Semantic => "semantic",
            };
            return if expected_kind == Some(got) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "{got} error: {}",
                    err.diagnostics
                        .first()
                        .map_or(String::new(), |d| d.message.clone())
                ))
            };
        }
    };
    let mut vm = Vm::new();
    let mut result = Vec::new();
    let trace = |_: &str, _: &str| {};
    let eval_opts = EvalOptions {
        trace: Some(&trace),
        ..EvalOptions::default()
    };
    let outcome = expr.evaluate(doc, &eval_opts, &mut vm, &mut result);
    // Filter predicates must not change anything either: compile again with
    // every lambda left to the bytecode and compare results (or failure).
    if expr.program().preds.iter().any(Option::is_some) {
        let plain = Expression::compile(
            &case.expression,
            &CompileOptions {
                predicates: false,
                ..options.clone()
            },
        )
        .expect("compiles without predicates too");
        let mut vm2 = Vm::new();
        let mut again = Vec::new();
        let plain_outcome = plain.evaluate(doc, &eval_opts, &mut vm2, &mut again);
        let render =
            |r: &Result<(), kiln_fhirpath::EvalError>, items: &[kiln_fhirpath::Value]| match r {
                Ok(()) => kiln_fhirpath::output::render_typed_array(expr.model(), items),
                Err(e) => format!("error: {}", e.message),
            };
        let (with, without) = (render(&outcome, &result), render(&plain_outcome, &again));
        if with != without {
            return Outcome::Fail(format!("filter predicates differ: {with} vs {without}"));
        }
    }
    match (outcome, expected_kind) {
        (Err(_), Some("execution")) => return Outcome::Pass,
        (Err(e), _) => return Outcome::Fail(format!("execution error: {}", e.message)),
        (Ok(()), Some(kind)) => {
            let got = kiln_fhirpath::output::render_typed_array(expr.model(), &result);
            return Outcome::Fail(format!("expected a {kind} error, got {got}"));
        }
        (Ok(()), None) => {}
    }
    // Lazy parsing must not change anything: re-parse the input keeping only
    // what the expression can reach, compact it (`Document::compact`),
    // evaluate again, and compare.
    if let Some(d) = doc {
        let mut projected = Document::default();
        if projected
            .reparse_projected(d.text().to_string(), expr.projection())
            .is_ok()
        {
            projected.compact();
            let mut vm2 = Vm::new();
            let mut again = Vec::new();
            let full = kiln_fhirpath::output::render_typed_array(expr.model(), &result);
            match expr.evaluate(Some(&projected), &eval_opts, &mut vm2, &mut again) {
                Ok(()) => {
                    let lazy = kiln_fhirpath::output::render_typed_array(expr.model(), &again);
                    if lazy != full {
                        return Outcome::Fail(format!("projected parse differs: {lazy} vs {full}"));
                    }
                }
                Err(e) => return Outcome::Fail(format!("projected parse fails: {}", e.message)),
            }
        } else {
            return Outcome::Fail("projected parse rejected the input".into());
        }
    }
    let model = expr.model();
    let mut actual: Vec<(String, String)> = result
        .iter()
        .map(|v| {
            (
                typed_name(model, v),
                typed_text(model, v).unwrap_or_else(|| {
                    kiln_fhirpath::output::render_json_array(model, std::slice::from_ref(v))
                }),
            )
        })
        .collect();
    if case.predicate {
        let b = match result.as_slice() {
            [] => None,
            [kiln_fhirpath::Value::Boolean(b)] => Some(*b),
            _ => Some(true),
        };
        actual = b
            .map(|b| ("boolean".to_string(), b.to_string()))
            .into_iter()
            .collect();
    }
    if outputs_match(&case.outputs, &actual, case.ordered) {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("expected {:?}, got {:?}", case.outputs, actual))
    }
}

fn item_matches(expected: &(String, String), actual: &(String, String)) -> bool {
    let (et, ev) = expected;
    let (at, av) = actual;
    let type_ok = et.is_empty()
        || et == at
        || matches!(
            (et.as_str(), at.as_str()),
            ("date", "dateTime") | ("dateTime", "date")
        );
    type_ok && ev == av
}

fn outputs_match(
    expected: &[(String, String)],
    actual: &[(String, String)],
    ordered: bool,
) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    if ordered {
        return expected.iter().zip(actual).all(|(e, a)| item_matches(e, a));
    }
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let hit = actual
            .iter()
            .enumerate()
            .position(|(i, a)| !used[i] && item_matches(e, a));
        if let Some(i) = hit {
            used[i] = true;
        }
        hit.is_some()
    })
}

fn run_suite(dir_name: &str, file: &str, version: FhirVersion) {
    let dir = suite_dir(dir_name);
    let cases = load_cases(&dir.join(file));
    let mut docs: HashMap<String, Option<Document>> = HashMap::new();
    for name in cases.iter().filter_map(|c| c.input.clone()) {
        docs.entry(name.clone()).or_insert_with(|| {
            let path = json_input(&dir, &name)?;
            let text = std::fs::read_to_string(&path).expect("input readable");
            Some(Document::parse(text).expect("input JSON parses"))
        });
    }
    let results: Vec<CaseResult> = cases
        .iter()
        .map(|c| {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run_case(c, version, &docs)
            }))
            .unwrap_or_else(|_| Outcome::Fail("PANIC".into()));
            CaseResult {
                group: c.group.clone(),
                name: c.name.clone(),
                outcome,
            }
        })
        .collect();
    let passed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skip(_)))
        .count();
    eprintln!(
        "{dir_name}: {passed}/{} passed ({:.1}%), {skipped} skipped, {} failed",
        results.len(),
        100.0 * passed as f64 / results.len() as f64,
        results.len() - passed - skipped
    );
    if std::env::var("KILN_SUITE_VERBOSE").is_ok() {
        for r in &results {
            if let Outcome::Fail(m) = &r.outcome {
                let c = cases
                    .iter()
                    .find(|c| c.name == r.name && c.group == r.group);
                eprintln!(
                    "FAIL {}: {}\n     {}",
                    r.id(),
                    c.map_or("", |c| c.expression.trim()),
                    m
                );
            }
        }
    }
    let header = format!(
        "Cases of the official FHIRPath suite ({file}) that do not pass, with the reason.\nRegenerate with: UPDATE_EXPECT=1 cargo test -p kiln-fhirpath --test conformance"
    );
    if let Err(report) = ratchet::check(&dir, &results, &header) {
        panic!("{dir_name} ratchet:\n{report}");
    }
}

#[test]
fn official_suite_r5() {
    run_suite("fhirpath-r5", "tests-fhir-r5.xml", FhirVersion::R5);
}

#[test]
fn official_suite_r4() {
    run_suite("fhirpath-r4", "tests-fhir-r4.xml", FhirVersion::R4);
}
