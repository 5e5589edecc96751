//! The `kiln js` contract, tested on the built binary: scripts, `-e`,
//! `--explain`, uncaught errors as `file:line:col` with a stack trace and a
//! non-zero exit, and the REPL on piped input (multi-line input continued
//! like node's REPL).

mod common;

use common::{run, run_stdin};
use std::path::PathBuf;
use std::process::Output;

fn temp_file(name: &str, content: &str) -> PathBuf {
    common::temp_file("js-cli", name, content)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn script_prints_with_node_like_formatting() {
    let f = temp_file(
        "ok.js",
        "console.log({a: 1, b: 'x', c: [1, 2]}, 0.1 + 0.2, 10n ** 20n);\n",
    );
    let o = run(&["js", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{ a: 1, b: 'x', c: [ 1, 2 ] } 0.30000000000000004 100000000000000000000n\n"
    );
}

#[test]
fn uncaught_error_has_position_stack_and_exit_status() {
    let f = temp_file(
        "throws.js",
        "function f() {\n  throw new TypeError(\"boom\");\n}\nf();\n",
    );
    let o = run(&["js", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(5));
    let err = stderr(&o);
    assert!(err.contains("throws.js:2:9"), "{err}");
    assert!(err.contains("Uncaught TypeError: boom"), "{err}");
    assert!(err.contains("at f ("), "{err}");
}

#[test]
fn syntax_error_exits_3() {
    let o = run(&["js", "-e", "let = ;"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
}

#[test]
fn explain_lists_bytecode() {
    let o = run(&["js", "--explain", "-e", "let a = 1; a + 2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Add"), "{}", stdout(&o));
}

#[test]
fn repl_continues_incomplete_input() {
    // An open bracket, a trailing operator and an open `if` all continue on
    // the next line; a complete line is evaluated at once.
    let o = run_stdin(
        &["js"],
        "let x = {a: 1,\nb: [1, 2]}\nx.b.length\n1 +\n2\nif (x.a)\n  'yes'\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\n2\n"), "{out}");
    assert!(out.contains("\n3\n"), "{out}");
    assert!(out.contains("'yes'"), "{out}");
    assert_eq!(stderr(&o), "", "{out}");
}

#[test]
fn repl_reports_errors_and_goes_on() {
    // A blank line ends an input that is still incomplete, reporting it.
    let o = run_stdin(&["js"], "1 +\n\nnope\n40 + 2\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(err.contains("ReferenceError"), "{err}");
    assert!(stdout(&o).contains("42"), "{}", stdout(&o));
}
