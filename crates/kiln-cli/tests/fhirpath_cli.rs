//! The `kiln fhirpath eval` contract, tested on the built binary: output
//! lines, `--typed`, `--var`, `--explain`, stdin, and every exit status.

mod common;

use common::{kiln, run, run_stdin};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Output, Stdio};

fn temp_file(name: &str, content: &str) -> PathBuf {
    common::temp_file("cli-test", name, content)
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/fhir")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

#[test]
fn main_job_on_the_shipped_patients() {
    let file = examples().join("patients.ndjson");
    let o = run(&[
        "fhirpath",
        "eval",
        "Patient.name.where(use='official').given",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 200, "one line per resource");
    assert_eq!(lines[0], r#"["Andrew29"]"#);
    assert_eq!(lines[1], r#"["Micheal721","Omar359"]"#);
}

#[test]
fn typed_output_matches_the_suite_format() {
    let o = run(&[
        "fhirpath",
        "eval",
        "--typed",
        "(1.50 | 'a' | @2014-01 | @T10:30 | 5.4 'mg' | true)",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        r#"[{"type":"decimal","value":"1.50"},{"type":"string","value":"a"},{"type":"date","value":"@2014-01"},{"type":"time","value":"@T10:30"},{"type":"Quantity","value":"5.4 'mg'"},{"type":"boolean","value":"true"}]"#
    );
    let file = examples().join("patients.ndjson");
    let o = run(&[
        "fhirpath",
        "eval",
        "--typed",
        "Patient.gender | Patient.birthDate",
        file.to_str().unwrap(),
    ]);
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        r#"[{"type":"code","value":"male"},{"type":"date","value":"@1943-03-17"}]"#
    );
}

#[test]
fn no_file_evaluates_once_without_input() {
    let o = run(&["fhirpath", "eval", "1 + 2 * 3"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "[7]\n");
}

#[test]
fn syntax_error_exits_3_with_a_caret() {
    let o = run(&["fhirpath", "eval", "Patient.name.where(use = )"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.contains("<expr>:1:26: error:"), "{err}");
    assert!(
        err.contains("1 | Patient.name.where(use = )\n  |                          ^"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn semantic_error_exits_4() {
    let o = run(&["fhirpath", "eval", "Patient.name.frobnicate()"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("unknown function 'frobnicate'"));
    let o = run(&["fhirpath", "eval", "--strict", "Patient.name.given1"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("no element 'given1'"), "{}", stderr(&o));
}

#[test]
fn usage_error_exits_2() {
    assert_eq!(run(&["fhirpath", "eval"]).status.code(), Some(2));
    assert_eq!(
        run(&["fhirpath", "eval", "--bogus", "1"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["fhirpath", "eval", "--var", "novalue", "1"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn missing_file_exits_1() {
    let o = run(&["fhirpath", "eval", "1", "/nonexistent/file.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/file.json"));
}

#[test]
fn ndjson_errors_keep_other_lines() {
    let f = temp_file(
        "mixed.ndjson",
        "{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"A\"]}]}\n{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"B\",\"C\"]}]}\n{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"D\"]}]}\n",
    );
    // Line 2 has two given names: single() fails there only.
    let o = run(&[
        "fhirpath",
        "eval",
        "Patient.name.given.single()",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(stdout(&o), "[\"A\"]\n[\"D\"]\n");
    let err = stderr(&o);
    assert!(
        err.contains("mixed.ndjson:2: evaluation failed") && err.contains("single"),
        "{err}"
    );

    let f = temp_file(
        "broken.ndjson",
        "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\n\n{\"resourceType\":\"Patient\",\"id\":\"3\"}\n",
    );
    let o = run(&["fhirpath", "eval", "id", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "[\"1\"]\n[\"3\"]\n");
    assert!(
        stderr(&o).contains("broken.ndjson:2: invalid JSON"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stdin_ndjson_and_pretty_json() {
    let o = run_stdin(
        &["fhirpath", "eval", "id", "-"],
        "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n",
    );
    assert_eq!(stdout(&o), "[\"a\"]\n[\"b\"]\n");
    let o = run_stdin(
        &["fhirpath", "eval", "id", "-"],
        "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p\"\n}\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "[\"p\"]\n");
}

#[test]
fn variables_and_bundles() {
    let bundle = examples().join("bundle-ned-hintz.json");
    let o = run(&[
        "fhirpath",
        "eval",
        "--var",
        "code=\"8302-2\"",
        "--var",
        "codes=[\"x\",\"8302-2\"]",
        "entry.resource.ofType(Observation).where(code.coding.code = %code and code.coding.code in %codes).count()",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "[4]\n");
    let o = run(&["fhirpath", "eval", "%undefined", bundle.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn explain_prints_the_listing() {
    let o = run(&[
        "fhirpath",
        "eval",
        "--explain",
        "name.where(use = 'official').given",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("NavThis") && out.contains("Where") && out.contains("'official'"),
        "{out}"
    );
}

/// NDJSON is read as a stream: ~130 MB through stdin keeps the peak resident
/// set far below the input size (measured from /proc while the process runs).
#[cfg(target_os = "linux")]
#[test]
fn ndjson_memory_stays_bounded() {
    use std::io::{BufRead, BufReader};
    let patients = std::fs::read_to_string(examples().join("patients.ndjson")).expect("sample");
    let lines: Vec<&str> = patients.lines().collect();
    let mut child = kiln()
        .args(["fhirpath", "eval", "Patient.name.given.first()", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiln runs");
    let out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || BufReader::new(out).lines().count());
    let mut stdin = child.stdin.take().expect("stdin");
    let mut written = 0usize;
    let mut count = 0usize;
    while written < 130 << 20 {
        for l in &lines {
            stdin.write_all(l.as_bytes()).expect("write");
            stdin.write_all(b"\n").expect("write");
            written += l.len() + 1;
            count += 1;
        }
    }
    stdin.flush().expect("flush");
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).expect("proc status");
    let hwm_kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    drop(stdin);
    let status = child.wait().expect("exit");
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        reader.join().expect("reader"),
        count,
        "one output line per input line"
    );
    assert!(
        hwm_kb < 64 * 1024,
        "peak RSS {hwm_kb} kB for {} MB of NDJSON",
        written >> 20
    );
}

#[test]
fn trace_writes_to_stderr() {
    let o = run(&["fhirpath", "eval", "(1 | 2).trace('nums').count()"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "[2]\n");
    assert!(stderr(&o).contains("trace: nums: [1,2]"), "{}", stderr(&o));
}

#[test]
fn threads_keep_input_order() {
    let file = examples().join("observations.ndjson");
    let expr = "Observation.id & ':' & Observation.value.ofType(Quantity).value.toString()";
    let one = run(&[
        "fhirpath",
        "eval",
        "--threads",
        "1",
        expr,
        file.to_str().unwrap(),
    ]);
    let four = run(&[
        "fhirpath",
        "eval",
        "--threads",
        "4",
        expr,
        file.to_str().unwrap(),
    ]);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(stdout(&one).lines().count(), 267);
    assert_eq!(stdout(&one), stdout(&four));
}

#[test]
fn many_expressions_in_one_pass() {
    let exprs = temp_file(
        "index.tsv",
        "# search-parameter style index\nfamily\tPatient.name.family\nbirthdate\tPatient.birthDate\n\ngender\tPatient.gender\n",
    );
    let file = examples().join("patients.ndjson");
    let o = run(&[
        "fhirpath",
        "eval",
        "--expressions",
        exprs.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        r#"{"family":["Goldner995"],"birthdate":["1943-03-17"],"gender":["male"]}"#
    );
    let bad = temp_file("bad.tsv", "x\tPatient.name.(\n");
    let o = run(&["fhirpath", "eval", "--expressions", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("bad.tsv:1:"), "{}", stderr(&o));
}

#[test]
fn lines_longer_than_a_chunk() {
    // A 3 MB line between small ones: chunks are cut at newlines, never inside a line.
    let big = "x".repeat(3 << 20);
    let text = format!("{{\"id\":\"a\"}}\n{{\"id\":\"b\",\"note\":\"{big}\"}}\n{{\"id\":\"c\"}}\n");
    let f = temp_file("long.ndjson", &text);
    for threads in ["1", "2"] {
        let o = run(&[
            "fhirpath",
            "eval",
            "--threads",
            threads,
            "id | note.length()",
            f.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("[\"a\"]\n[\"b\",{}]\n[\"c\"]\n", 3 << 20)
        );
    }
}

#[test]
fn error_line_numbers_agree_across_chunks_and_threads() {
    // ~2.5 MB over several 1 MB chunks, blank lines and bad lines in
    // different chunks: both modes name the same lines.
    let mut text = String::new();
    let mut bad = Vec::new();
    for i in 1..=40_000 {
        if i % 9_999 == 0 {
            text.push_str("{broken\n");
            bad.push(i);
        } else if i % 7_001 == 0 {
            text.push('\n');
        } else {
            text.push_str(&format!(
                "{{\"resourceType\":\"Patient\",\"id\":\"p{i}\",\"active\":true}}\n"
            ));
        }
    }
    let f = temp_file("lines.ndjson", &text);
    let mut seen = Vec::new();
    for threads in ["1", "2"] {
        let o = run(&[
            "fhirpath",
            "eval",
            "--threads",
            threads,
            "id",
            f.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        for line in &bad {
            assert!(
                err.contains(&format!("lines.ndjson:{line}: ")),
                "{threads}: {err}"
            );
        }
        seen.push((stdout(&o), err));
    }
    assert_eq!(seen[0], seen[1]);
}
