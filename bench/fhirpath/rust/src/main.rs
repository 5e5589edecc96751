//! `peer-bench`: measures Kiln's FHIRPath and the Rust peers (tlq-fhirpath,
//! octofhir-fhirpath) on the harness's rows and data, printing JSON on stdout.
//!
//! ```text
//! peer-bench a      --engine E --rows ROWS.json --data DIR [--limit N] [--budget S] [--min-passes N] [--row ID]
//! peer-bench b      --engine E --rows ROWS.json --data DIR [--budget S] [--min-passes N] [--row ID]
//! peer-bench c      --engine E --rows ROWS.json [--budget S] [--row ID]
//! peer-bench stream --engine E --expr EXPR --file FILE.ndjson
//! peer-bench parse-rate --rows ROWS.json
//! ```
//! E is `kiln`, `kiln-full` (end to end with a full parse, like `--full-parse`),
//! `tlq` (needs `--defs DIR`, the R4 definitions) or `octofhir`.
//! The serde_json baseline is the separate `serde-baseline` package, so that
//! tlq's `preserve_order` feature does not change the stock serde_json it measures.
//! (a) evaluation over pre-parsed inputs, (b) NDJSON text → rendered results,
//! (c) compile time; see `bench/fhirpath/README.md`.

mod engine;
mod engines;
mod measure;
mod modes;

use engine::Engine;
use engines::{Kiln, Octo, Tlq};
use measure::{median, per_call};
use modes::{Opts, dispatch, load_rows};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Kiln only: expressions parsed (and compiled) per second.
fn mode_parse_rate(o: &Opts) -> Result<Json, String> {
    let rows = load_rows(o)?;
    let kiln = Kiln::new(false);
    let mut per_row = BTreeMap::new();
    let mut parse_all = Vec::new();
    let mut compile_all = Vec::new();
    for row in &rows {
        let parse = per_call(7, 1 << 20, || {
            drop(std::hint::black_box(kiln_fhirpath::parser::parse(
                std::hint::black_box(&row.expr),
            )));
        });
        let compile = per_call(7, 1 << 16, || {
            drop(std::hint::black_box(
                kiln.compile(std::hint::black_box(&row.expr)),
            ));
        });
        parse_all.push(parse);
        compile_all.push(compile);
        per_row.insert(
            row.id.clone(),
            json!({"parse_per_s": 1.0 / parse, "compile_per_s": 1.0 / compile}),
        );
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    Ok(json!({
        "mode": "parse-rate",
        "rows": per_row,
        "parse_per_s_mean_time": 1.0 / mean(&parse_all),
        "compile_per_s_mean_time": 1.0 / mean(&compile_all),
        "parse_per_s_median_row": median(&parse_all.iter().map(|s| 1.0 / s).collect::<Vec<_>>()),
    }))
}

fn run(o: &Opts) -> Result<Json, String> {
    match (o.mode.as_str(), o.engine.as_str()) {
        ("parse-rate", _) => mode_parse_rate(o),
        (_, "kiln") => dispatch(&Kiln::new(false), o),
        (_, "kiln-full") => dispatch(&Kiln::new(true), o),
        (_, "tlq") => {
            let defs = o
                .defs
                .as_ref()
                .ok_or("--defs DIR (the R4 definitions) is required for tlq")?;
            dispatch(&Tlq::new(defs)?, o)
        }
        (_, "octofhir") => dispatch(&Octo::new()?, o),
        (_, other) => Err(format!(
            "unknown engine '{other}' (kiln, kiln-full, tlq, octofhir)"
        )),
    }
}

fn main() -> ExitCode {
    modes::main_with(run)
}
