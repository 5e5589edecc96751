//! Fuzz target: any bytes read as a word specification (JSON) or as a spec
//! store (rkyv) end in a generated word or a clear error, never a panic or
//! a hang (tight fuel per test case and per spec).
#![no_main]
use kiln_forth::wordgen::store::StoreBytes;
use kiln_forth::wordgen::{GenOptions, Generator, Spec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut g = Generator::with_options(GenOptions {
        fuel_per_case: 1 << 18,
        fuel_per_spec: 1 << 20,
        max_candidates: 32,
    });
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(spec) = Spec::from_json(text)
    {
        let _ = g.generate(&spec);
    }
    if let Ok(store) = StoreBytes::from_slice(data).access() {
        for i in 0..store.len().min(4) {
            if let Ok(spec) = store.spec(i) {
                let _ = g.generate(&spec);
            }
        }
    }
});
