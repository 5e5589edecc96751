//! The `kiln forth` contract, tested on the built binary: files in order,
//! `-e`, BYE, the REPL on piped input, `check`, `--explain`, diagnostics on
//! stderr as `file:line:col`, and every exit status.

mod common;

use common::{run, run_stdin};
use std::path::PathBuf;
use std::process::Output;

fn temp_file(name: &str, content: &str) -> PathBuf {
    common::temp_file("forth-cli", name, content)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn eval_prints_to_stdout() {
    let o = run(&["forth", "-e", ": sq dup * ; 12 sq . cr"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "144 \n");
}

#[test]
fn files_run_in_order_then_eval() {
    let a = temp_file("a.fs", ": greet .\" hello \" ;\n");
    let b = temp_file("b.fs", "greet 2 3 + .\n");
    let o = run(&[
        "forth",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-e",
        "greet bye",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "hello 5 hello ");
}

#[test]
fn runtime_error_is_exit_5_with_location() {
    let f = temp_file(
        "div.fs",
        ": half 2 / ;\n: bad ( n -- n ) 0 / ;\n10 half .\n7 bad .\n",
    );
    let o = run(&["forth", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(stdout(&o), "5 ");
    let err = stderr(&o);
    assert!(
        err.contains("div.fs:2:20: error: division by zero (-10) in 'bad'"),
        "{err}"
    );
    assert!(err.contains("while interpreting 'bad' at"), "{err}");
    assert!(err.contains("div.fs:4:3"), "{err}");
}

#[test]
fn undefined_word_is_exit_3() {
    let o = run(&["forth", "-e", "1 2 frobnicate"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.starts_with("<expr>:1:5: error: undefined word 'frobnicate'"),
        "{err}"
    );
    assert!(err.contains("^^^^^^^^^^"), "{err}");
}

#[test]
fn unterminated_definition_is_exit_3() {
    let f = temp_file("open.fs", ": never-closed 1 2\n");
    let o = run(&["forth", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("unexpected end of file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn missing_file_is_exit_1_and_bad_flag_exit_2() {
    let o = run(&["forth", "/no/such/file.fs"]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["forth", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn uncaught_throw_and_abort_quote() {
    let o = run(&["forth", "-e", "42 throw"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("uncaught exception 42"),
        "{}",
        stderr(&o)
    );
    let o = run(&["forth", "-e", ": chk abort\" out of range\" ; 1 chk"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("aborted: out of range"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bye_stops_with_status_0() {
    let o = run(&["forth", "-e", "1 . bye 2 ."]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "1 ");
}

#[test]
fn repl_reads_lines_from_stdin() {
    let o = run_stdin(&["forth"], ": sq dup * ;\n7 sq .\nnope\n3 4 + .\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("49  ok"), "{out}");
    assert!(out.contains("7  ok"), "{out}");
    assert!(
        stderr(&o).contains("undefined word 'nope'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_reports_effects_and_mismatches() {
    let good = temp_file(
        "good.fs",
        ": sq ( n -- n ) dup * ;\n: quad ( n -- n ) sq sq ;\n",
    );
    let o = run(&["forth", "check", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("good.fs:1:3: sq ( n -- n )"), "{out}");
    assert!(out.contains("good.fs:2:3: quad ( n -- n )"), "{out}");

    let bad = temp_file(
        "bad.fs",
        ": ok ( a -- a a ) dup ;\n: wrong ( a b -- c ) dup ;\n",
    );
    let o = run(&["forth", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(
        err.contains("bad.fs:2:3: error: stack effect declaration is wrong for 'wrong'"),
        "{err}"
    );
    assert!(err.contains("= note: declared ( a b -- c )"), "{err}");
    assert!(err.contains("= note: inferred ( x1 -- x1 x1 )"), "{err}");
}

#[test]
fn explain_lists_bytecode() {
    let o = run(&["forth", "--explain", "-e", ": sq ( n -- n ) dup * ;"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains(": sq"), "{out}");
    assert!(out.contains("  0000  Dup"), "{out}");
    assert!(out.contains("  0001  Mul"), "{out}");
    assert!(out.contains("  0002  Exit"), "{out}");
}
