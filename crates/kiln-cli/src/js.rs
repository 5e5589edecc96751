//! `kiln js FILE`, `kiln js -e CODE`, `kiln js --explain FILE` and `kiln js`
//! (REPL): argument plumbing, the REPL's line editing / history / multi-line
//! input, Ctrl-C, exit codes. The engine is `kiln_js::Engine`.
//!
//! Exit status: 0 ok; 1 unreadable FILE; 3 syntax (early) error; 5 uncaught
//! exception (report on stderr: `file:line:col`, `Uncaught Name: message`,
//! stack trace).

use crate::exit;
use clap::Args;
use kiln_js::{Engine, JsError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Arguments of `kiln js`.
#[derive(Args, Debug)]
pub struct JsArgs {
    /// Script to run.
    file: Option<PathBuf>,
    /// Evaluate CODE (after FILE, if given).
    #[arg(short = 'e', long = "eval", value_name = "CODE")]
    eval: Vec<String>,
    /// Print the bytecode listing of FILE (or CODE) instead of running it.
    #[arg(long)]
    explain: bool,
}

fn status_of(e: &JsError) -> u8 {
    match e {
        JsError::Syntax { .. } => exit::SYNTAX,
        JsError::Runtime { .. } => exit::RUNTIME,
    }
}

/// Runs `kiln js …` and returns the exit status. The engine runs on a
/// thread with a large stack so deeply nested input hits the engine's own
/// limits, never the process stack.
pub fn run(args: JsArgs) -> u8 {
    let h = std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || run_inner(args));
    match h.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: the JavaScript engine thread failed");
            exit::RUNTIME
        }
    }
}

fn run_inner(args: JsArgs) -> u8 {
    let mut sources = Vec::new();
    if let Some(f) = &args.file {
        match std::fs::read_to_string(f) {
            Ok(t) => sources.push((f.display().to_string(), t)),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return exit::INPUT;
            }
        }
    }
    for (i, c) in args.eval.iter().enumerate() {
        sources.push((
            format!(
                "<eval{}>",
                if i == 0 { String::new() } else { i.to_string() }
            ),
            c.clone(),
        ));
    }
    if args.explain {
        for (name, text) in &sources {
            match kiln_js::explain(name, text) {
                Ok(l) => print!("{l}"),
                Err(e) => {
                    eprintln!("{e}");
                    return status_of(&e);
                }
            }
        }
        return exit::OK;
    }
    let mut engine = Engine::new();
    // This thread has 512 MB of stack: allow deep Rust-level nesting (each
    // native → JS call and generator resumption nests the dispatch loop; a
    // chain of 200 async generators nests 400 deep), bounded by measured stack use.
    engine.vm.max_native_depth = 100_000;
    engine.vm.max_stack_bytes = 384 << 20;
    let flag = Arc::new(AtomicBool::new(false));
    let f2 = flag.clone();
    let _ = ctrlc::set_handler(move || f2.store(true, Ordering::Relaxed));
    engine.vm.interrupt = Some(Box::new(move || !flag.swap(false, Ordering::Relaxed)));
    if sources.is_empty() {
        return repl(&mut engine);
    }
    for (name, text) in &sources {
        if let Err(e) = engine.eval(name, text, false) {
            eprint!("{e}");
            if matches!(e, JsError::Syntax { .. }) {
                eprintln!();
            }
            return status_of(&e);
        }
    }
    exit::OK
}

/// Whether `text` is an incomplete script, to be continued on the next line
/// (as node's REPL does): unclosed brackets, strings or templates, or a
/// syntax error at the very end of the input (`1 +`, `if (x)`, `a.`).
fn incomplete(text: &str) -> bool {
    if open_brackets_or_template(text) {
        return true;
    }
    let Err(kiln_js::JsError::Syntax { line, col, .. }) =
        kiln_js::compile("<repl>", text, false, false, true)
    else {
        return false;
    };
    // The error is at the end when nothing but whitespace follows its position.
    let Some(rest) = text
        .split('\n')
        .nth(line.saturating_sub(1) as usize)
        .map(|l| {
            l.chars()
                .skip(col.saturating_sub(1) as usize)
                .collect::<String>()
        })
    else {
        return true;
    };
    let after: String = text
        .split('\n')
        .skip(line as usize)
        .collect::<Vec<_>>()
        .join("\n");
    rest.trim().is_empty() && after.trim().is_empty()
}

/// Unclosed brackets, strings or template literals (a quick scan, before parsing).
fn open_brackets_or_template(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut esc = false;
    for c in text.chars() {
        if let Some(q) = quote {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth > 0 || quote == Some('`')
}

fn repl(engine: &mut Engine) -> u8 {
    use rustyline::error::ReadlineError;
    let mut rl = match rustyline::DefaultEditor::new() {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return exit::INPUT;
        }
    };
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kiln_js_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("Kiln JavaScript — Ctrl-D to leave, Ctrl-C interrupts a running script.");
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() { "> " } else { "... " };
        match rl.readline(prompt) {
            Ok(line) => {
                let blank = line.trim().is_empty();
                buf.push_str(&line);
                buf.push('\n');
                // A blank line ends the input even if it is still incomplete
                // (the error is then reported), so a typo cannot trap the user.
                if !blank && incomplete(&buf) {
                    continue;
                }
                let text = std::mem::take(&mut buf);
                let _ = rl.add_history_entry(text.trim_end());
                match engine.eval("<repl>", &text, true) {
                    Ok(v) => println!("{}", engine.inspect_repl(&v)),
                    Err(e) => {
                        eprint!("{e}");
                        if matches!(e, JsError::Syntax { .. }) {
                            eprintln!();
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                buf.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    exit::OK
}
