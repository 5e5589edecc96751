//! `fhir-model-gen` command line: `fhir-model-gen --shared <DIR> --out <DIR>`.
//!
//! Reads the FHIR definitions under `<shared>/fhir-definitions` and writes `r4.model`, `r5.model`
//! and the source licences into `<out>` (see the library docs for the format). Exit status: 0 ok,
//! 1 generation or I/O error, 2 usage error.

use std::path::PathBuf;
use std::process::ExitCode;

/// Usage text printed by `--help` and on usage errors.
const USAGE: &str = "usage: fhir-model-gen --shared <DIR> --out <DIR>";

fn main() -> ExitCode {
    let mut shared: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.to_str() {
            Some("--shared") => &mut shared,
            Some("--out") => &mut out,
            Some("-h" | "--help") => {
                println!(
                    "{USAGE}\n  from the repository root: {}",
                    fhir_model_gen::COMMAND
                );
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("fhir-model-gen: unexpected argument {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match args.next() {
            Some(v) => *slot = Some(PathBuf::from(v)),
            None => {
                eprintln!("fhir-model-gen: {arg:?} needs a value\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(shared), Some(out)) = (shared, out) else {
        eprintln!("fhir-model-gen: --shared and --out are required\n{USAGE}");
        return ExitCode::from(2);
    };
    match fhir_model_gen::run(&shared, &out) {
        Ok(()) => {
            eprintln!("fhir-model-gen: wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fhir-model-gen: {e}");
            ExitCode::from(1)
        }
    }
}
