//! The Forth 2012 test suite (vendored in `tests/conformance/forth2012`)
//! run as `runtests.fth` runs it, as a ratchet against the committed
//! `summary.json` and `expected-failures.txt`.
//!
//! Each line of `runtests.fth` is interpreted on its own in a scratch copy
//! of the suite (the block and file tests write files), so a file that
//! aborts is recorded in group `files` and the run goes on. Once
//! `tester.fr` is loaded, `T{` and `}T` are wrapped to print one marker per
//! executed test (file, line, pass/fail by whether `#ERRORS` grew); tests
//! executed in a loop get `#2`, `#3`… suffixes. `prelimtest.fth` has no
//! tester: its 57 checks print `Error #n` when they fail and its 23
//! `Pass #n` messages must appear.
//!
//! `UPDATE_EXPECT=1 cargo test -p kiln-forth --test conformance` accepts a
//! change; `KILN_SUITE_VERBOSE=1` prints the suite's output.
//!
//! The suite also runs with the JIT tier compiling every definition
//! (`JitMode::Always`): its per-test results and its whole output must be
//! identical to the interpreter's.

use kiln_core::ratchet::{self, CaseResult, Outcome};
use kiln_forth::jit::JitMode;
use kiln_forth::{Forth, Options};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HOOK: &str = r#"
VARIABLE KILN-ERR0  VARIABLE KILN-LINE  CREATE KILN-FILE 2 CELLS ALLOT
: T{  #ERRORS @ KILN-ERR0 !  SOURCELINE# KILN-LINE !  SOURCEFILENAME KILN-FILE 2!  T{ ;
: }T  }T  BASE @ >R DECIMAL
   CR ." @@KILN-TEST " KILN-FILE 2@ TYPE SPACE KILN-LINE @ 0 .R SPACE
   #ERRORS @ KILN-ERR0 @ = IF ." pass" ELSE ." FAIL" THEN CR
   R> BASE ! ;
"#;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/forth2012")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch dir");
    for e in std::fs::read_dir(from).expect("suite dir").flatten() {
        let p = e.path();
        if p.is_file() {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy suite file");
        }
    }
}

fn group_of(file: &str) -> &'static str {
    match file {
        "prelimtest.fth" => "prelim",
        "core.fr" => "core",
        "coreplustest.fth" => "core-plus",
        "utilities.fth" => "utilities",
        "coreexttest.fth" => "core-ext",
        "blocktest.fth" => "block",
        "doubletest.fth" => "double",
        "exceptiontest.fth" => "exception",
        "facilitytest.fth" => "facility",
        "filetest.fth" => "file",
        "localstest.fth" => "locals",
        "memorytest.fth" => "memory",
        "toolstest.fth" => "tools",
        "searchordertest.fth" => "search-order",
        "stringtest.fth" => "string",
        _ => "other",
    }
}

fn prelim_cases(out: &str, results: &mut Vec<CaseResult>) {
    for n in 1..=57 {
        let marker = format!("Error #{n}");
        let failed = out.match_indices(&marker).any(|(i, _)| {
            !out[i + marker.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        });
        results.push(CaseResult {
            group: "prelim".into(),
            name: format!("check-{n:02}"),
            outcome: if failed {
                Outcome::Fail(format!("printed {marker}"))
            } else {
                Outcome::Pass
            },
        });
    }
    for n in 1..=23 {
        let marker = format!("Pass #{n}:");
        results.push(CaseResult {
            group: "prelim".into(),
            name: format!("pass-message-{n:02}"),
            outcome: if out.contains(&marker) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("'{marker}' not printed"))
            },
        });
    }
}

/// Runs the suite with `jit`: the per-test results and the output.
fn run_suite(jit: JitMode) -> (Vec<CaseResult>, String) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch = std::env::temp_dir().join(format!(
        "kiln-forth-suite-{}-{jit}-{run}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(&suite_dir(), &scratch);
    let mut forth = Forth::with_options(Options {
        capture_output: true,
        input: Some(b"hello\n".to_vec()),
        cwd: Some(scratch.clone()),
        block_file: Some(scratch.join("blocks.fb")),
        jit,
        ..Options::default()
    });
    let runtests = std::fs::read_to_string(scratch.join("runtests.fth")).expect("runtests.fth");
    let mut results = Vec::new();
    let mut out = String::new();
    let mut prelim_out = String::new();
    for line in runtests.lines() {
        let r = forth.interpret("runtests.fth", line);
        let chunk = String::from_utf8_lossy(&forth.take_output()).into_owned();
        let included = line
            .split('"')
            .nth(1)
            .map(str::trim)
            .filter(|_| line.contains("INCLUDED"));
        if let Some(file) = included {
            if file == "prelimtest.fth" {
                prelim_out.push_str(&chunk);
            }
            results.push(CaseResult {
                group: "files".into(),
                name: file.to_string(),
                outcome: match &r {
                    Ok(()) => Outcome::Pass,
                    Err(e) => Outcome::Fail(e.message.clone()),
                },
            });
        }
        out.push_str(&chunk);
        if let Err(e) = &r {
            out.push_str(&format!("\n[kiln] {}\n", e.message));
        }
        if included == Some("tester.fr") {
            forth.interpret("<harness>", HOOK).expect("harness hook");
        }
    }
    if std::env::var_os("KILN_SUITE_VERBOSE").is_some() {
        eprintln!("{out}");
    }
    prelim_cases(&prelim_out, &mut results);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut since_last = String::new();
    for line in out.lines() {
        let Some(rest) = line.strip_prefix("@@KILN-TEST ") else {
            since_last.push_str(line);
            since_last.push('\n');
            continue;
        };
        let mut parts = rest.rsplitn(3, ' ');
        let status = parts.next().unwrap_or("");
        let lineno = parts.next().unwrap_or("0");
        let file = parts.next().unwrap_or("?");
        let file = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(file)
            .to_string();
        let key = format!("{file}:{lineno}");
        let k = seen.entry(key.clone()).or_insert(0);
        *k += 1;
        let name = if *k == 1 {
            format!("{file}:L{lineno:0>4}")
        } else {
            format!("{file}:L{lineno:0>4}#{k}")
        };
        let outcome = if status == "pass" {
            Outcome::Pass
        } else {
            let msg = since_last
                .lines()
                .rev()
                .find(|l| l.contains("INCORRECT RESULT") || l.contains("WRONG NUMBER"))
                .unwrap_or("failed")
                .trim()
                .to_string();
            Outcome::Fail(msg)
        };
        results.push(CaseResult {
            group: group_of(&file).into(),
            name,
            outcome,
        });
        since_last.clear();
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if jit != JitMode::Off {
        let stats = forth.jit_stats();
        assert!(
            stats.compiled > 100,
            "the JIT compiled only {stats:?} definitions"
        );
        eprintln!("JIT: {stats:?}");
    }
    let out = out.replace(scratch.to_str().unwrap_or("?"), "<suite>");
    (results, out)
}

#[test]
fn forth2012_suite() {
    let (results, out) = run_suite(JitMode::Off);
    let tests = results
        .iter()
        .filter(|r| r.group != "files" && r.group != "prelim")
        .count();
    assert!(tests > 1500, "the suite ran only {tests} tests:\n{out}");
    let header = "Forth 2012 test suite (tests/conformance/forth2012): cases that do not pass.\n\
                  Regenerate with UPDATE_EXPECT=1 cargo test -p kiln-forth --test conformance";
    if let Err(report) = ratchet::check(&suite_dir(), &results, header) {
        panic!("{report}");
    }
}

#[test]
fn forth2012_suite_is_identical_under_the_jit() {
    let (off, out_off) = run_suite(JitMode::Off);
    let (jit, out_jit) = run_suite(JitMode::Always);
    let show = |r: &[CaseResult]| {
        r.iter()
            .map(|c| format!("{} {} {:?}", c.group, c.name, c.outcome))
            .collect::<Vec<_>>()
    };
    let (a, b) = (show(&off), show(&jit));
    let diff: Vec<String> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| format!("off:    {x}\nalways: {y}"))
        .take(20)
        .collect();
    assert!(
        diff.is_empty() && a.len() == b.len(),
        "results differ under --jit=always ({} vs {} cases):\n{}",
        a.len(),
        b.len(),
        diff.join("\n")
    );
    if out_off != out_jit {
        let first = out_off
            .lines()
            .zip(out_jit.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let ctx = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "output differs under --jit=always at line {first}:\n--- off\n{}\n--- always\n{}",
            ctx(&out_off),
            ctx(&out_jit)
        );
    }
}
