//! Fuzz target: any expression that compiles evaluates (or errors) under
//! tight limits without panicking, over a resource exercising primitives,
//! extensions, choices and contained resources.
#![no_main]
use kiln_core::Limits;
use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};
use libfuzzer_sys::fuzz_target;

const PATIENT: &str = r#"{"resourceType":"Patient","id":"p","active":true,"birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"u","valueString":"x"}]},"name":[{"use":"official","family":"Chalmers","given":["Peter","James"]},{"use":"usual","given":["Jim"]}],"telecom":[{"system":"phone","value":"555"}],"contained":[{"resourceType":"Observation","id":"o","valueQuantity":{"value":1.50,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(expr) = Expression::compile(src, &CompileOptions::default()) else { return };
    let doc = Document::parse(PATIENT).expect("fixture");
    let quiet = |_: &str, _: &str| {};
    let opts = EvalOptions {
        limits: Some(Limits { fuel: 100_000, max_depth: 64, max_memory: 4 << 20 }),
        trace: Some(&quiet),
        ..EvalOptions::default()
    };
    let mut vm = Vm::new();
    let mut out = Vec::new();
    let _ = expr.evaluate(Some(&doc), &opts, &mut vm, &mut out);
});
