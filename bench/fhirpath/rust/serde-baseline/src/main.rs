//! `serde-baseline`: the floor of the end-to-end figures — stock `serde_json`
//! parsing each NDJSON line into a `serde_json::Value`, nothing else. Its own
//! package (built alone with `-p`) so that no peer's serde_json features
//! (tlq enables `preserve_order`) change what it measures. Same modes and
//! options as `peer-bench` (`b` and `stream`); the shared code is included.
//!
//! ```text
//! serde-baseline b      --rows ROWS.json --data DIR [--budget S] [--min-passes N] [--row ID]
//! serde-baseline stream --file FILE.ndjson
//! ```

// The sink's writing half is used by the engines, not by the baseline.
#[allow(dead_code)]
#[path = "../../src/engine.rs"]
mod engine;
#[path = "../../src/measure.rs"]
mod measure;
#[path = "../../src/modes.rs"]
mod modes;

use engine::{Engine, Sink, next_line};
use measure::Pass;
use std::io::BufRead;
use std::process::ExitCode;

/// The floor for end-to-end figures: `serde_json` parses each line into a
/// `serde_json::Value` and nothing else happens.
pub struct SerdeParse;

impl Engine for SerdeParse {
    type Compiled = ();
    type Input = ();

    fn compile(&self, _expr: &str) -> Result<(), String> {
        Ok(())
    }

    fn prepare(&self, _line: &str) -> Result<(), String> {
        Ok(())
    }

    fn eval_pass(&self, _c: &(), inputs: &[()]) -> Pass {
        Pass {
            inputs: inputs.len() as u64,
            ..Pass::default()
        }
    }

    fn e2e_pass(&self, _c: &(), reader: &mut dyn BufRead, _sink: &mut Sink) -> Pass {
        let mut pass = Pass::default();
        let mut line = String::new();
        while next_line(reader, &mut line, &mut pass) {
            match serde_json::from_str::<serde_json::Value>(&line) {
                Ok(v) => drop(std::hint::black_box(v)),
                Err(e) => pass.fail(|| format!("json: {e}")),
            }
        }
        pass
    }
}

fn main() -> ExitCode {
    modes::main_with(|o| match o.mode.as_str() {
        "b" | "stream" => modes::dispatch(&SerdeParse, o),
        m => Err(format!(
            "serde-baseline: mode {m} is not measured here (b, stream)"
        )),
    })
}
