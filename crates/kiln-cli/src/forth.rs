//! `kiln forth [FILE]... [-e CODE]...`, `kiln forth` (REPL),
//! `kiln forth check FILE...` and `kiln forth gen SPEC...` (`forth_gen.rs`): argument plumbing, the REPL's line editing
//! and Ctrl-C, exit codes. The Forth system is `kiln_forth::Forth`.
//!
//! Files run first, in order, then each `-e` text. Exit status: 0 ok
//! (also after BYE); 1 a FILE that cannot be read; 3 an uncaught error in
//! the program text (undefined word, control-structure mismatch, unexpected
//! end of file); 4 stack-effect errors (`check`); 5 any other uncaught
//! THROW.

use crate::exit;
use clap::{Args, Subcommand};

#[path = "forth_gen.rs"]
mod forth_gen;
use kiln_forth::{Forth, ForthError, Options};
use std::path::PathBuf;

/// Arguments of `kiln forth`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForthArgs {
    #[command(subcommand)]
    command: Option<ForthCommand>,
    /// Forth source files, run in order.
    files: Vec<PathBuf>,
    /// Evaluate CODE after the files (repeatable).
    #[arg(short = 'e', long = "eval", value_name = "CODE")]
    eval: Vec<String>,
    /// After loading, print the bytecode listing of every word defined.
    #[arg(long)]
    explain: bool,
    /// Native-code tier: off (interpret), auto (hot definitions), always (every definition at `;`).
    #[arg(long, value_name = "MODE", default_value = "auto")]
    jit: kiln_forth::jit::JitMode,
}

/// `kiln forth` subcommands.
#[derive(Subcommand, Debug)]
pub enum ForthCommand {
    /// Infer every colon definition's stack effect and check it against its stack comment.
    Check {
        /// Forth source files (they are loaded: interpretation-time code runs).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print only the errors, not the inferred effect of every definition.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Generate verified words from JSON specifications (pattern templates, effect check, test cases).
    Gen(forth_gen::GenArgs),
}

fn status_of(e: &ForthError) -> u8 {
    if e.code == kiln_forth::error::code::NO_FILE && e.message.contains("(-38)") {
        exit::RUNTIME
    } else if e.is_syntax() {
        exit::SYNTAX
    } else {
        exit::RUNTIME
    }
}

fn load(forth: &mut Forth, files: &[PathBuf], eval: &[String]) -> u8 {
    for f in files {
        if !f.is_file() {
            eprintln!("error: cannot read {}", f.display());
            return exit::INPUT;
        }
        let r = forth.include(f).and_then(|_| forth.finish());
        if let Err(e) = r {
            forth.flush();
            eprint!("{e}");
            return status_of(&e);
        }
        if forth.bye_requested() {
            return exit::OK;
        }
    }
    for code in eval {
        let r = forth.interpret("<expr>", code).and_then(|_| forth.finish());
        if let Err(e) = r {
            forth.flush();
            eprint!("{e}");
            return status_of(&e);
        }
        if forth.bye_requested() {
            return exit::OK;
        }
    }
    exit::OK
}

/// Runs `kiln forth …` and returns the exit status.
pub fn run(args: ForthArgs) -> u8 {
    match args.command {
        Some(ForthCommand::Check { files, quiet }) => return check(&files, quiet),
        Some(ForthCommand::Gen(g)) => return forth_gen::run(g),
        None => {}
    }
    let mut forth = Forth::with_options(Options {
        jit: args.jit,
        ..Options::default()
    });
    let flag = forth.interrupt_handle();
    let _ = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed));
    if args.files.is_empty() && args.eval.is_empty() {
        return repl(&mut forth);
    }
    let status = load(&mut forth, &args.files, &args.eval);
    if args.explain {
        print!("{}", forth.explain());
    }
    forth.flush();
    status
}

fn check(files: &[PathBuf], quiet: bool) -> u8 {
    let mut forth = Forth::with_options(Options {
        check: true,
        capture_output: true,
        input: Some(Vec::new()),
        ..Options::default()
    });
    let status = load(&mut forth, files, &[]);
    let _ = forth.take_output();
    let mut errors = 0;
    for r in forth.check_reports() {
        let text = forth.render_report(r);
        if r.error.is_some() {
            errors += 1;
            eprint!("{text}");
        } else if !quiet {
            print!("{text}");
        }
    }
    if status != exit::OK {
        return status;
    }
    if errors > 0 {
        eprintln!("{errors} stack-effect error(s)");
        exit::STATIC
    } else {
        exit::OK
    }
}

fn repl(forth: &mut Forth) -> u8 {
    use rustyline::error::ReadlineError;
    let mut rl = match rustyline::DefaultEditor::new() {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return exit::INPUT;
        }
    };
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kiln_forth_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("Kiln Forth 2012 — BYE or Ctrl-D to leave, Ctrl-C interrupts a running word.");
    loop {
        let prompt = if forth.compiling() { "] " } else { "" };
        match rl.readline(prompt) {
            Ok(line) => {
                let _ = rl.add_history_entry(line.as_str());
                match forth.interpret("<stdin>", &line) {
                    Ok(()) => {
                        forth.flush();
                        if forth.bye_requested() {
                            break;
                        }
                        if forth.compiling() {
                            println!(" compiled");
                        } else {
                            println!(" ok");
                        }
                    }
                    Err(e) => {
                        forth.flush();
                        eprint!("{e}");
                    }
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::INPUT;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    exit::OK
}
