//! The `kiln forth gen` contract, tested on the built binary: generated
//! words on stdout, reports on stderr, exit statuses 0/1/2/4/5, spec
//! directories, composition, and rkyv spec stores (write, read, reject).

mod common;

use common::run;
use std::path::PathBuf;
use std::process::Output;

fn temp(name: &str) -> PathBuf {
    common::temp_path("forth-gen-cli", name)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn spec(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/forth/specs")
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

#[test]
fn prints_the_verified_word() {
    let o = run(&["forth", "gen", &spec("square.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(": square ( n -- n*n ) dup * ;\n"), "{out}");
    assert!(
        out.contains(
            "\\ pattern duplicate-transform op=*; effect ( n -- n ); 4 test case(s) passed"
        ),
        "{out}"
    );
    assert!(
        out.contains("\\ property: square(n) >= 0 unless it overflows\n"),
        "{out}"
    );
    let o = run(&["forth", "gen", "-q", &spec("factorial.json")]);
    assert_eq!(
        stdout(&o),
        ": factorial ( n -- n! ) dup 2 < if drop 1 else dup 1- recurse * then ;\n"
    );
}

#[test]
fn generated_words_run_in_kiln_forth() {
    let o = run(&["forth", "gen", "-q", &spec("gcd.json"), &spec("fib.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let src = temp("gen.fs");
    std::fs::write(&src, stdout(&o)).unwrap();
    let o = run(&[
        "forth",
        src.to_str().unwrap(),
        "-e",
        "48 36 gcd . 15 fib . cr",
    ]);
    assert_eq!(stdout(&o), "12 610 \n", "{}", stderr(&o));
}

#[test]
fn a_directory_generates_every_spec() {
    let o = run(&["forth", "gen", "-q", &spec("")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).lines().count() >= 15, "{}", stdout(&o));
}

#[test]
fn effect_mismatch_is_exit_4() {
    let o = run(&["forth", "gen", &spec("failing/wrong-effect.json")]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(err.contains("stack-effect error in 'square'"), "{err}");
    assert!(err.contains("inferred: ( x1 -- x1 x1 )"), "{err}");
    let o = run(&["forth", "gen", &spec("failing/no-pattern.json")]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
}

#[test]
fn failing_test_is_exit_5() {
    let o = run(&["forth", "gen", &spec("failing/wrong-test.json")]);
    assert_eq!(o.status.code(), Some(5));
    let err = stderr(&o);
    assert!(
        err.contains("test_cases[1]: input [4] expected [15], got [16]"),
        "{err}"
    );
    let o = run(&["forth", "gen", &spec("failing/runaway.json")]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("step budget exhausted"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn invalid_or_missing_spec_is_exit_1() {
    let o = run(&["forth", "gen", &spec("failing/huge-number.json")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("huge-number.json:4:66: at `test_cases[0].output[0]`"),
        "{err}"
    );
    let o = run(&["forth", "gen", "/no/such/spec.json"]);
    assert_eq!(o.status.code(), Some(1));
    let bad = temp("bad.json");
    std::fs::write(&bad, "{ \"word\": \"x\", ").unwrap();
    let o = run(&["forth", "gen", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.json:1:"), "{}", stderr(&o));
    let o = run(&["forth", "gen", &spec("failing/hostile-body.json")]);
    assert_eq!(o.status.code(), Some(1));
    // Several specs: every one is reported, the largest status wins.
    let o = run(&[
        "forth",
        "gen",
        &spec("failing/wrong-test.json"),
        &spec("failing/wrong-effect.json"),
        &spec("square.json"),
    ]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stdout(&o).contains(": square"), "{}", stdout(&o));
    // No spec at all is a usage error.
    assert_eq!(run(&["forth", "gen"]).status.code(), Some(2));
}

#[test]
fn compose_two_specs() {
    let o = run(&[
        "forth",
        "gen",
        "-q",
        "--compose",
        &spec("add.json"),
        &spec("square.json"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        ": add ( a b -- sum ) + ;\n: square ( n -- n*n ) dup * ;\n: add-square ( a b -- n*n ) add square ;\n"
    );
    let o = run(&[
        "forth",
        "gen",
        "--compose",
        &spec("square.json"),
        &spec("add.json"),
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("the second takes 2"), "{}", stderr(&o));
    let o = run(&["forth", "gen", "--compose", &spec("square.json")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn stores_are_written_and_read() {
    let store = temp("specs.kfs");
    let s = store.to_str().unwrap();
    let o = run(&["forth", "gen", "--write-store", s, &spec("")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("archived 16 specification(s)"),
        "{}",
        stdout(&o)
    );
    let o = run(&["forth", "gen", "--store", s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(": sum-of-squares ( a b -- a*a+b*b ) swap dup * swap dup * + ;"));
    assert!(
        stderr(&o).contains("16 word(s) generated and verified, 0 failed"),
        "{}",
        stderr(&o)
    );
    // A file that is not a store is rejected with exit 1, never a crash.
    let o = run(&["forth", "gen", "--store", &spec("square.json")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a valid spec store"),
        "{}",
        stderr(&o)
    );
    // Invalid specs are not archived.
    let o = run(&[
        "forth",
        "gen",
        "--write-store",
        s,
        &spec("failing/huge-number.json"),
    ]);
    assert_eq!(o.status.code(), Some(1));
}
