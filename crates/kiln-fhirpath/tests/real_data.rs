//! Results on the real Synthea resources shipped in `examples/fhir/`: choice
//! types, extensions, references resolved inside a Bundle, date/times with
//! time zones, quantities with unit conversion. Every expected figure was
//! computed independently from the JSON (Python over the same files).

use kiln_fhirpath::output::render_json_array;
use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};
use std::path::PathBuf;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/fhir")
}

fn ndjson(name: &str) -> Vec<Document> {
    let text = std::fs::read_to_string(examples().join(name)).expect("sample data");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Document::parse(l).expect("valid JSON"))
        .collect()
}

fn compile(src: &str) -> Expression {
    Expression::compile(src, &CompileOptions::default()).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// The rendered results of `src` on every document, one string per document.
fn eval_all(src: &str, docs: &[Document]) -> Vec<String> {
    let expr = compile(src);
    docs.iter()
        .map(|d| {
            let mut vm = Vm::new();
            let mut out = Vec::new();
            expr.evaluate(Some(d), &EvalOptions::default(), &mut vm, &mut out)
                .unwrap_or_else(|e| panic!("{src}: {e}"));
            render_json_array(expr.model(), &out)
        })
        .collect()
}

fn count_true(src: &str, docs: &[Document]) -> usize {
    eval_all(src, docs)
        .iter()
        .filter(|r| *r == "[true]")
        .count()
}

fn total_items(src: &str, docs: &[Document]) -> usize {
    let expr = compile(src);
    docs.iter()
        .map(|d| {
            let mut vm = Vm::new();
            let mut out = Vec::new();
            expr.evaluate(Some(d), &EvalOptions::default(), &mut vm, &mut out)
                .expect("evaluates");
            out.len()
        })
        .sum()
}

#[test]
fn choice_types() {
    let obs = ndjson("observations.ndjson");
    assert_eq!(obs.len(), 267);
    assert_eq!(total_items("Observation.value.ofType(Quantity)", &obs), 229);
    assert_eq!(count_true("Observation.value is CodeableConcept", &obs), 19);
    assert_eq!(total_items("Observation.value", &obs), 229 + 19);
    // The suffixed JSON name is not a FHIRPath path (spec §"Paths and polymorphic items").
    assert!(Expression::compile("Observation.valueQuantity", &CompileOptions::default()).is_err());
}

#[test]
fn quantities_compare_across_units() {
    let obs = ndjson("observations.ndjson");
    // 19 body heights recorded in cm; 13 exceed 166 cm = 1.66 m.
    let heights = "Observation.where(code.coding.code = '8302-2')";
    assert_eq!(total_items(heights, &obs), 19);
    assert_eq!(count_true(&format!("{heights}.value > 1.66 'm'"), &obs), 13);
    assert_eq!(
        count_true(&format!("{heights}.value > 1660 'mm'"), &obs),
        13
    );
    // mg/dL values: 48 of them, the largest 192.47859790857038.
    let mgdl = eval_all(
        "Observation.value.ofType(Quantity).where(unit = 'mg/dL').value",
        &obs,
    );
    let values: Vec<f64> = mgdl
        .iter()
        .filter(|r| *r != "[]")
        .map(|r| r.trim_matches(['[', ']']).parse::<f64>().expect("number"))
        .collect();
    assert_eq!(values.len(), 48);
    assert_eq!(
        values.iter().cloned().fold(f64::MIN, f64::max),
        192.47859790857038
    );
    // Blood-pressure components: 38, of which 10 above 120 mm[Hg].
    assert_eq!(total_items("Observation.component", &obs), 38);
    assert_eq!(
        total_items("Observation.component.where(value > 120 'mm[Hg]')", &obs),
        10
    );
}

#[test]
fn date_times_with_time_zones() {
    let obs = ndjson("observations.ndjson");
    assert_eq!(
        count_true("Observation.effective < @2015-01-01T00:00:00Z", &obs),
        76
    );
    // Offsets are normalised: midnight at +05:00 is 19:00 UTC the day before.
    assert_eq!(
        count_true("Observation.effective >= @2016-01-01T00:00:00+05:00", &obs),
        139
    );
    assert_eq!(
        eval_all("Observation.issued", &obs[..1]),
        [r#"["2012-03-07T20:15:35.565+00:00"]"#]
    );
    assert_eq!(
        eval_all(
            "Observation.issued.hourOf() | Observation.issued.millisecondOf()",
            &obs[..1]
        ),
        ["[20,565]"]
    );
}

#[test]
fn extensions_on_patients() {
    let pats = ndjson("patients.ndjson");
    assert_eq!(pats.len(), 200);
    let first = &pats[..1];
    assert_eq!(
        eval_all(
            "Patient.extension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex').value",
            first
        ),
        [r#"["M"]"#]
    );
    assert_eq!(
        eval_all(
            "Patient.extension(%`ext-patient-birthPlace`).value.ofType(Address).city",
            first
        ),
        [r#"["Novosibirsk"]"#]
    );
    let race = "Patient.extension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race').extension('ombCategory').value.display contains 'White'";
    assert_eq!(count_true(race, &pats), 184);
    assert_eq!(count_true("Patient.gender = 'female'", &pats), 100);
    assert_eq!(count_true("Patient.birthDate < @1950", &pats), 33);
}

#[test]
fn primitive_extensions_merge_with_values() {
    let doc = Document::parse(
        r#"{"resourceType":"Patient","birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]},
            "name":[{"given":["Jim",null],"_given":[null,{"extension":[{"url":"http://example.org/nick","valueString":"J"}]}]}]}"#,
    )
    .expect("valid JSON");
    let docs = [doc];
    assert_eq!(
        eval_all("birthDate.extension(%`ext-patient-birthTime`).value", &docs),
        [r#"["1974-12-25T14:35:45-05:00"]"#]
    );
    assert_eq!(eval_all("birthDate", &docs), [r#"["1974-12-25"]"#]);
    assert_eq!(eval_all("name.given.count()", &docs), ["[2]"]);
    assert_eq!(
        eval_all("name.given.select(hasValue())", &docs),
        ["[true,false]"]
    );
    assert_eq!(
        eval_all("name.given[1].extension.value", &docs),
        [r#"["J"]"#]
    );
}

#[test]
fn references_resolve_inside_a_bundle() {
    let text = std::fs::read_to_string(examples().join("bundle-ned-hintz.json")).expect("bundle");
    let docs = [Document::parse(text).expect("valid JSON")];
    assert_eq!(
        eval_all(
            "entry.resource.ofType(Observation).subject.resolve().distinct().name.given",
            &docs
        ),
        [r#"["Ned"]"#]
    );
    assert_eq!(
        eval_all(
            "entry.resource.ofType(Observation).all(subject.resolve() is Patient)",
            &docs
        ),
        ["[true]"]
    );
    assert_eq!(
        eval_all(
            "entry.resource.ofType(Encounter).first().serviceProvider.resolve().name",
            &docs
        ),
        [r#"["SIGNATURE HEALTHCARE BROCKTON HOSPITAL"]"#]
    );
    assert_eq!(
        eval_all("entry.resource.ofType(Observation).count()", &docs),
        ["[35]"]
    );
}

#[test]
fn contained_references_and_resource_variables() {
    let doc = Document::parse(
        r##"{"resourceType":"MedicationRequest","id":"m1","contained":[{"resourceType":"Medication","id":"med","code":{"text":"aspirin"}}],
            "medicationReference":{"reference":"#med"},"subject":{"reference":"Patient/p1"}}"##,
    )
    .expect("valid JSON");
    let docs = [doc];
    assert_eq!(
        eval_all("medication.resolve().code.text", &docs),
        [r#"["aspirin"]"#]
    );
    assert_eq!(
        eval_all("%resource.id | %rootResource.id | %context.id", &docs),
        [r#"["m1"]"#]
    );
    assert_eq!(eval_all("subject.getReferenceKey()", &docs), [r#"["p1"]"#]);
}

#[test]
fn instance_selectors_build_elements() {
    let pats = ndjson("patients.ndjson");
    assert_eq!(
        eval_all(
            "Patient.select(Coding { system: 'http://hl7.org/fhir/administrative-gender', code: gender })",
            &pats[..1]
        ),
        [r#"[{"system":"http://hl7.org/fhir/administrative-gender","code":"male"}]"#]
    );
    let none: [Document; 1] = [Document::parse("{}").expect("json")];
    assert_eq!(
        eval_all(
            "CodeableConcept { coding: Coding { code: 'a' } | Coding { code: 'b' } }.coding.code",
            &none
        ),
        [r#"["a","b"]"#]
    );
    assert_eq!(eval_all("Period {:}", &none), ["[{}]"]);
    assert_eq!(
        eval_all("code { value: 'final' } = 'final'", &none),
        ["[true]"]
    );
    assert_eq!(
        eval_all("Quantity { value: 5, unit: 'mg' } = 5 'mg'", &none),
        ["[true]"]
    );
    assert_eq!(eval_all("Coding { code: {} }", &none), ["[{}]"]);
}

/// A union of type-named branches over resources of alternating types: each
/// branch's site sees a type it matches and types it does not (its inline
/// cache then holds "no such element" entries), and a root that does hold a
/// member named like a resource type is still navigated into.
#[test]
fn type_named_union_branches_over_mixed_resources() {
    let src = "AllergyIntolerance.patient | Observation.status | Patient.gender";
    let docs: Vec<Document> = [
        r#"{"resourceType":"Observation","status":"final"}"#,
        r#"{"resourceType":"Patient","gender":"female"}"#,
        r#"{"resourceType":"Observation","status":"amended","AllergyIntolerance":{"patient":{"reference":"Patient/1"}}}"#,
        r#"{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/2"}}"#,
        r#"{"resourceType":"Patient","gender":"male","Observation":{"status":"x"}}"#,
    ]
    .iter()
    .map(|t| Document::parse(*t).expect("valid JSON"))
    .collect();
    let got = eval_all(src, &docs);
    assert_eq!(
        got,
        [
            r#"["final"]"#,
            r#"["female"]"#,
            r#"[{"reference":"Patient/1"},"amended"]"#,
            r#"[{"reference":"Patient/2"}]"#,
            r#"["x","male"]"#,
        ]
    );
    // Twice over, so every site meets each type with its cache already filled.
    assert_eq!(eval_all(src, &docs), got);
}

/// A union whose result is not returned still deduplicates by deep equality,
/// so projected parsing must keep the united items whole: on the shipped
/// Patients (several with two distinct names) every expression gives the
/// same results on projected documents as on fully parsed ones. (Projected
/// documents once kept the names empty here and `union` merged them.)
#[test]
fn union_results_consumed_by_functions_match_full_parse() {
    let text = std::fs::read_to_string(examples().join("patients.ndjson")).expect("sample data");
    for src in [
        "((name) | (name)).select(true)",
        "(name | telecom).count()",
        "name.union(name).count()",
        "(name | name.where(use = 'official')).exists()",
    ] {
        let expr = compile(src);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let full = Document::parse(line).expect("valid JSON");
            let mut lazy = Document::default();
            lazy.reparse_projected(line.to_string(), expr.projection())
                .expect("valid JSON");
            let run = |d: &Document| {
                let mut vm = Vm::new();
                let mut out = Vec::new();
                expr.evaluate(Some(d), &EvalOptions::default(), &mut vm, &mut out)
                    .expect("evaluates");
                render_json_array(expr.model(), &out)
            };
            assert_eq!(run(&lazy), run(&full), "{src} on {line}");
        }
    }
}
