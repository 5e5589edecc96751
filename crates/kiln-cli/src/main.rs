//! The `kiln` binary: argument parsing, file/stdin plumbing and exit codes
//! for Kiln's languages. No language logic lives here.
//!
//! Exit status (`../shared/DESIGN.md`): 0 ok; 1 input or I/O error; 2 usage;
//! 3 syntax error; 4 static (semantic) error; 5 runtime error.

mod fhirpath;
mod forth;
mod js;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Kiln: one runtime for FHIRPath, JavaScript and Forth.
#[derive(Parser, Debug)]
#[command(name = "kiln", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// FHIRPath over FHIR JSON.
    Fhirpath {
        #[command(subcommand)]
        command: fhirpath::FhirpathCommand,
    },
    /// Forth 2012: run files, evaluate code, open a REPL, or check stack effects.
    Forth(forth::ForthArgs),
    /// JavaScript: run a script, evaluate code, print bytecode, or open a REPL.
    Js(js::JsArgs),
}

/// Exit statuses shared by every `kiln` subcommand.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Input or I/O error.
    pub const INPUT: u8 = 1;
    /// Usage error (bad flags).
    pub const USAGE: u8 = 2;
    /// Syntax error in the program or expression.
    pub const SYNTAX: u8 = 3;
    /// Static (semantic, type, stack-effect) error.
    pub const STATIC: u8 = 4;
    /// Runtime error.
    pub const RUNTIME: u8 = 5;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Fhirpath { command } => fhirpath::run(command),
        Command::Forth(args) => forth::run(args),
        Command::Js(args) => js::run(args),
    };
    ExitCode::from(code)
}
