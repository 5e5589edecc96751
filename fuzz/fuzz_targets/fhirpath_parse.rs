//! Fuzz target: the FHIRPath lexer, parser and checker never panic, and every
//! diagnostic renders, on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let parsed = kiln_fhirpath::parser::parse(src);
        for d in &parsed.diagnostics {
            let _ = d.render("<expr>", src);
        }
        let _ = kiln_fhirpath::Expression::compile(src, &kiln_fhirpath::CompileOptions::default());
    }
});
