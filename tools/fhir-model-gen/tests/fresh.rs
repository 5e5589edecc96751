//! Freshness check: regenerating from `../shared` (a sibling of the repo root) reproduces the
//! committed `crates/kiln-fhirpath/model/` files byte for byte. Skipped, with a message, when the
//! FHIR definitions are not there.

use std::fs;
use std::path::PathBuf;

#[test]
fn committed_model_files_are_fresh() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    if !shared.join("fhir-definitions").is_dir() {
        eprintln!(
            "skipped: {} not found; cannot check crates/kiln-fhirpath/model/ for freshness",
            shared.join("fhir-definitions").display()
        );
        return;
    }
    let out = std::env::temp_dir().join(format!("fhir-model-gen-fresh-{}", std::process::id()));
    fhir_model_gen::run(&shared, &out).expect("generation succeeds");
    let committed = root.join("crates/kiln-fhirpath/model");
    let mut names: Vec<_> = fs::read_dir(&out)
        .expect("read temp dir")
        .map(|e| e.expect("dir entry").file_name())
        .collect();
    names.sort();
    let mut stale = Vec::new();
    for name in &names {
        let fresh = fs::read(out.join(name)).expect("read generated file");
        if fs::read(committed.join(name)).ok() != Some(fresh) {
            stale.push(name.to_string_lossy().into_owned());
        }
    }
    fs::remove_dir_all(&out).expect("remove temp dir");
    assert_eq!(
        names.len(),
        4,
        "expected r4.model, r5.model and two licence files"
    );
    assert!(
        stale.is_empty(),
        "stale or missing in crates/kiln-fhirpath/model/: {stale:?}; regenerate with \
         `cargo run -p fhir-model-gen -- --shared ../shared --out crates/kiln-fhirpath/model`"
    );
}
