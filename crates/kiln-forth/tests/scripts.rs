//! Script tests: every `tests/scripts/*.fth` file runs line by line in one
//! Forth system, with expectations inline:
//!
//! * `CODE \ expect: TEXT` — the line's output, trimmed, is `TEXT`;
//! * `CODE \ stack: 1 2 3` — afterwards the data stack is exactly that
//!   (bottom first; empty for nothing) and is then emptied;
//! * `CODE \ error: -13` — the line fails with that THROW code (and the
//!   system resets, as after ABORT);
//! * `CODE \ error-text: SUBSTRING` — the rendered diagnostic contains it;
//! * any other line must run without error (its output is ignored).
//!
//! Lines interpret one at a time, so definitions may span lines. Every
//! script runs on both tiers: interpreted and with the JIT compiling every
//! definition (`--jit=always`).

use kiln_forth::jit::JitMode;
use kiln_forth::{Forth, Options};
use std::path::Path;

fn run_script(path: &Path, jit: JitMode) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("script");
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let name = if jit == JitMode::Off {
        name
    } else {
        format!("{name} (--jit={jit})")
    };
    let mut f = Forth::with_options(Options {
        capture_output: true,
        input: Some(b"typed input\n".to_vec()),
        cwd: Some(std::env::temp_dir()),
        limits: kiln_core::Limits {
            fuel: 2_000_000_000,
            max_depth: 64,
            max_memory: 1 << 24,
        },
        jit,
        ..Options::default()
    });
    let mut failures = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        let (code, marker) = match line
            .find("\\ expect:")
            .or_else(|| line.find("\\ stack:"))
            .or_else(|| line.find("\\ error:"))
            .or_else(|| line.find("\\ error-text:"))
        {
            Some(p) => (&line[..p], Some(line[p + 2..].trim())),
            None => (line, None),
        };
        let r = f.interpret(&at, code);
        let out = String::from_utf8_lossy(&f.take_output()).trim().to_string();
        match (marker, r) {
            (Some(m), r) if m.starts_with("error:") || m.starts_with("error-text:") => {
                let want = m.split_once(':').map(|x| x.1.trim()).unwrap_or("");
                match r {
                    Ok(()) => failures.push(format!("{at}: expected an error ({want}), got none")),
                    Err(e) if m.starts_with("error:") => {
                        if want.parse::<i64>().ok() != Some(e.code) {
                            failures.push(format!(
                                "{at}: expected THROW {want}, got {}: {}",
                                e.code, e.message
                            ));
                        }
                    }
                    Err(e) => {
                        if !e.rendered.contains(want) {
                            failures
                                .push(format!("{at}: diagnostic lacks '{want}':\n{}", e.rendered));
                        }
                    }
                }
            }
            (_, Err(e)) => failures.push(format!("{at}: unexpected error:\n{}", e.rendered)),
            (Some(m), Ok(())) if m.starts_with("expect:") => {
                let want = m["expect:".len()..].trim();
                if out != want {
                    failures.push(format!("{at}: expected output '{want}', got '{out}'"));
                }
            }
            (Some(m), Ok(())) if m.starts_with("stack:") => {
                let want: Vec<i64> = m["stack:".len()..]
                    .split_whitespace()
                    .map(|t| t.parse().expect("stack expectation is numbers"))
                    .collect();
                if f.stack() != want.as_slice() {
                    failures.push(format!(
                        "{at}: expected stack {want:?}, got {:?}",
                        f.stack()
                    ));
                }
                f.reset();
            }
            _ => {}
        }
    }
    if let Err(e) = f.finish() {
        failures.push(format!("{name}: {}", e.message));
    }
    failures
}

#[test]
fn scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scripts dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "fth"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "script files missing");
    let mut failures = Vec::new();
    for p in &files {
        failures.extend(run_script(p, JitMode::Off));
        failures.extend(run_script(p, JitMode::Always));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
