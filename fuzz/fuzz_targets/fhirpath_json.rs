//! Fuzz target: the JSON tape reader never panics, and what it accepts
//! round-trips through its writer.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(doc) = kiln_fhirpath::Document::parse(text) {
            let mut out = String::new();
            doc.write_json(doc.root(), &mut out);
            let again = kiln_fhirpath::Document::parse(out.as_str()).expect("writer output parses");
            let mut out2 = String::new();
            again.write_json(again.root(), &mut out2);
            assert_eq!(out, out2);
        }
    }
});
