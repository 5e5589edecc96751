//! Every Are-We-Fast-Yet bundle (`../shared/js-bench/awfy/bundled`) runs
//! and verifies its own result on Kiln, at a small inner size that has a
//! known answer. Skips (and says so) when the directory is absent.

use kiln_js::Engine;
use std::path::Path;

const BENCHES: [(&str, u32); 14] = [
    ("Bounce", 2),
    ("CD", 2),
    ("DeltaBlue", 20),
    ("Havlak", 1),
    ("Json", 1),
    ("List", 2),
    ("Mandelbrot", 1),
    ("NBody", 1),
    ("Permute", 2),
    ("Queens", 2),
    ("Richards", 1),
    ("Sieve", 2),
    ("Storage", 2),
    ("Towers", 2),
];

#[test]
fn awfy_bundles_run_and_verify() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/js-bench/awfy/bundled");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let h = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            for (name, inner) in BENCHES {
                let src = std::fs::read_to_string(dir.join(format!("{name}.js"))).expect("bundle");
                let mut e = Engine::new();
                e.vm.output = Some(String::new());
                e.eval(
                    "setup.js",
                    &format!("globalThis.AWFY_ITERATIONS = 1; globalThis.AWFY_INNER = {inner};"),
                    false,
                )
                .expect("setup");
                if let Err(err) = e.eval(&format!("{name}.js"), &src, false) {
                    panic!("{name} failed: {err}");
                }
                let out = e.take_output();
                assert!(
                    out.contains(&format!("{name}: iterations=1")),
                    "{name} output: {out}"
                );
            }
        })
        .expect("thread");
    h.join().expect("AWFY bundles verify");
}
