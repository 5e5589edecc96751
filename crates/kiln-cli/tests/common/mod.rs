//! Helpers shared by the CLI contract tests: run the built `kiln` binary
//! with arguments (and piped stdin), and write temporary input files.
#![allow(dead_code)] // each test file uses its own subset

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The built `kiln` binary.
pub fn kiln() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
}

/// Runs `kiln ARGS…` to completion.
pub fn run(args: &[&str]) -> Output {
    kiln().args(args).output().expect("kiln runs")
}

/// Runs `kiln ARGS…` with `input` on stdin.
pub fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = kiln()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiln runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("kiln finishes")
}

/// A path `name` in a per-process temporary directory `kiln-{tag}-{pid}`.
pub fn temp_path(tag: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Writes `content` to [`temp_path`]`(tag, name)` and returns the path.
pub fn temp_file(tag: &str, name: &str, content: &str) -> PathBuf {
    let p = temp_path(tag, name);
    std::fs::write(&p, content).expect("write temp file");
    p
}
