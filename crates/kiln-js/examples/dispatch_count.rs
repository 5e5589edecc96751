//! Register vs accumulator, measured on real programs: runs each JS file
//! with the `op-stats` feature (every executed instruction replayed through
//! `kiln_js::acc_model`) and prints executed register instructions, the
//! accumulator model's count for the same execution, and both encodings'
//! static code size.
//!
//! `cargo run --release -p kiln-js --features op-stats --example dispatch_count -- FILE.js...`
//! (an AWFY bundle runs its default iterations; prepend
//! `globalThis.AWFY_ITERATIONS = 1;` to shorten it).

use kiln_js::Engine;
use kiln_js::acc_model::static_counts;

fn main() {
    println!(
        "{:<14} {:>13} {:>13} {:>6} {:>11} {:>11} {:>9} {:>9} {:>6}",
        "program", "reg_exec", "acc_exec", "ratio", "ldar", "star", "reg_B", "acc_B", "B_ratio"
    );
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let name = std::path::Path::new(&path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let code = kiln_js::compile(&path, &text, false, false, false).expect("compiles");
        let st = static_counts(&code);
        let mut e = Engine::new();
        e.vm.output = Some(String::new());
        // A failed run still executed what it counted; say so.
        let verified = match e.eval(&path, &text, false) {
            Ok(_) => "",
            Err(err) => {
                eprintln!("{path}: {err}");
                " (error)"
            }
        };
        let d = std::mem::take(&mut e.vm.acc_model).finish();
        println!(
            "{:<14} {:>13} {:>13} {:>6.2} {:>11} {:>11} {:>9} {:>9} {:>6.2}{verified}",
            name,
            d.reg_ops,
            d.acc_ops,
            d.acc_ops as f64 / d.reg_ops as f64,
            d.ldar,
            d.star,
            st.reg_bytes,
            st.acc_bytes,
            st.acc_bytes as f64 / st.reg_bytes as f64
        );
    }
}
