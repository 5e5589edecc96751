//! Fuzz target: any text evaluated by the JavaScript engine (output
//! captured, tight fuel and heap limits) ends in a value, a SyntaxError or
//! a thrown exception, never a panic or a hang; the realm stays usable.
#![no_main]
use kiln_js::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let mut e = Engine::new();
    e.vm.output = Some(String::new());
    e.vm.fuel = 1_000_000;
    e.vm.max_objects = 200_000;
    let _ = e.eval("<fuzz>", &src, true);
    let _ = e.take_output();
    e.vm.fuel = 1_000_000;
    let _ = e.eval("<fuzz>", "1 + 1", true);
});
