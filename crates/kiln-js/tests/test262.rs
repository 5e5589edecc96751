//! test262 (`../shared/test262`: all of `test/language` plus the 13
//! built-ins folders) run in-process over two threads, as a ratchet against
//! `tests/conformance/test262/{summary.json,expected-failures.txt}`.
//!
//! Per `INTERPRETING.md`: `assert.js` and `sta.js` (and `doneprintHandle.js`
//! for `async` tests) are evaluated as scripts before the test, then the
//! `includes`; tests run strict and sloppy unless `onlyStrict`, `noStrict`
//! or `raw` say otherwise (both runs must pass); `negative` tests must fail
//! in the stated phase with the stated error constructor; `async` tests
//! pass when `$DONE` prints `Test262:AsyncTestComplete`; `module` tests run
//! as module code. A test tagged with a feature listed in
//! `skip-features.txt` is skipped. Each run has an instruction budget, so a
//! runaway test fails instead of hanging. A group is a directory two levels
//! down (`language/expressions`, `built-ins/Array`).
//!
//! `UPDATE_EXPECT=1 cargo test -p kiln-js --test test262` accepts a change;
//! `KILN_TEST262_FILTER=substring` runs a subset without checking the
//! ratchet (prints failures).

// The front-matter parser reads clearer with nested ifs.
#![allow(clippy::collapsible_if)]

use kiln_core::ratchet::{self, CaseResult, Outcome};
use kiln_js::{Engine, JsError, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const FUEL: u64 = 5_000_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test262")
}

fn ratchet_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/test262")
}

#[derive(Default, Debug)]
struct Meta {
    flags: Vec<String>,
    includes: Vec<String>,
    features: Vec<String>,
    negative: Option<(String, String)>,
}

fn list(v: &str) -> Vec<String> {
    v.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parses the YAML front matter (the subset test262 uses).
fn meta(src: &str) -> Meta {
    let mut m = Meta::default();
    let Some(a) = src.find("/*---") else { return m };
    let Some(b) = src[a..].find("---*/") else {
        return m;
    };
    let y = &src[a + 5..a + b];
    let lines: Vec<&str> = y.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim_start();
        let indent = l.len() - t.len();
        if indent == 0 {
            if let Some((k, v)) = t.split_once(':') {
                let v = v.trim();
                let mut items = Vec::new();
                if v.starts_with('[') {
                    items = list(v);
                } else if v.is_empty() {
                    // block list or mapping
                    let mut j = i + 1;
                    let mut map = HashMap::new();
                    while j < lines.len()
                        && (lines[j].starts_with(' ') || lines[j].trim().is_empty())
                    {
                        let s = lines[j].trim();
                        if let Some(x) = s.strip_prefix("- ") {
                            items.push(x.trim().to_string());
                        } else if let Some((mk, mv)) = s.split_once(':') {
                            map.insert(mk.trim().to_string(), mv.trim().to_string());
                        }
                        j += 1;
                    }
                    if k == "negative" {
                        m.negative = Some((
                            map.get("phase").cloned().unwrap_or_default(),
                            map.get("type").cloned().unwrap_or_default(),
                        ));
                    }
                }
                match k {
                    "flags" => m.flags = items,
                    "includes" => m.includes = items,
                    "features" => m.features = items,
                    _ => {}
                }
            }
        }
        i += 1;
    }
    m
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "js")
            && !p.to_string_lossy().contains("_FIXTURE")
        {
            out.push(p);
        }
    }
}

struct Harness {
    files: HashMap<String, String>,
}

impl Harness {
    fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }
}

/// The name of the constructor of a thrown value (`e.constructor.name`).
fn error_name(engine: &mut Engine, e: &Value) -> String {
    let vm = &mut engine.vm;
    let Ok(c) = vm.get_str(e, "constructor") else {
        return String::new();
    };
    match vm.get_str(&c, "name") {
        Ok(Value::Str(s)) => s.to_rust(),
        _ => String::new(),
    }
}

/// One run of a test (strict or sloppy); Err(message) on failure.
fn run_once(h: &Harness, src: &str, m: &Meta, strict: bool) -> Result<(), String> {
    let mut engine = Engine::new();
    engine.vm.output = Some(String::new());
    engine.vm.fuel = FUEL;
    engine.vm.max_objects = 3_000_000;
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(10_000);
    engine.vm.interrupt = Some(Box::new(move || std::time::Instant::now() < deadline));
    kiln_js::builtins::install_test262_host(&mut engine.vm);
    let raw = m.flags.iter().any(|f| f == "raw");
    let is_async = m.flags.iter().any(|f| f == "async");
    let module = m.flags.iter().any(|f| f == "module");
    let mut pre: Vec<&str> = Vec::new();
    if !raw {
        pre.push("assert.js");
        pre.push("sta.js");
    }
    if is_async {
        pre.push("doneprintHandle.js");
    }
    for i in &m.includes {
        pre.push(i.as_str());
    }
    for name in pre {
        let Some(text) = h.get(name) else {
            return Err(format!("missing harness file {name}"));
        };
        if let Err(e) = engine.eval_raw(name, text, strict, false) {
            let msg = match e {
                Ok(s) => s.to_string(),
                Err(v) => engine.runtime_error(&v).to_string(),
            };
            return Err(format!("harness {name} failed: {msg}"));
        }
    }
    let r = engine.eval_raw("test.js", src, strict, module);
    let r = match r {
        Ok(_) => engine.vm.run_jobs().map_err(Err),
        Err(e) => Err(e),
    };
    match (&m.negative, r) {
        (Some((phase, ty)), Err(Ok(JsError::Syntax { message, .. }))) => {
            if (phase == "parse" || phase == "resolution") && ty == "SyntaxError" {
                Ok(())
            } else {
                Err(format!(
                    "expected {phase} {ty}, got early SyntaxError: {message}"
                ))
            }
        }
        (Some((phase, ty)), Err(Err(v))) => {
            let n = error_name(&mut engine, &v);
            if (phase == "runtime" || phase == "resolution") && &n == ty {
                Ok(())
            } else {
                let msg = engine.runtime_error(&v).to_string();
                Err(format!(
                    "expected {phase} {ty}, got runtime {n}: {}",
                    first_line(&msg, 1)
                ))
            }
        }
        (Some((phase, ty)), Ok(())) | (Some((phase, ty)), Err(Ok(JsError::Runtime { .. }))) => {
            Err(format!("expected {phase} {ty}, but the test completed"))
        }
        (None, Err(Ok(e))) => Err(format!(
            "unexpected early error: {}",
            first_line(&e.to_string(), 0)
        )),
        (None, Err(Err(v))) => {
            let msg = engine.runtime_error(&v).to_string();
            Err(format!("uncaught: {}", first_line(&msg, 1)))
        }
        (None, Ok(())) => {
            if is_async {
                let out = engine.take_output();
                if out.contains("Test262:AsyncTestComplete") {
                    Ok(())
                } else if let Some(l) = out.lines().find(|l| l.contains("Test262:AsyncTestFailure"))
                {
                    Err(l.to_string())
                } else {
                    Err("async test did not call $DONE".into())
                }
            } else {
                Ok(())
            }
        }
    }
}

fn first_line(s: &str, n: usize) -> String {
    s.lines().nth(n).unwrap_or("").chars().take(200).collect()
}

fn run_test(h: &Harness, skip: &[String], path: &Path) -> Outcome {
    let Ok(src) = std::fs::read_to_string(path) else {
        return Outcome::Skip("not UTF-8".into());
    };
    let m = meta(&src);
    if let Some(f) = m.features.iter().find(|f| skip.contains(f)) {
        return Outcome::Skip(format!("feature {f}"));
    }
    let only_strict = m.flags.iter().any(|f| f == "onlyStrict");
    let no_strict = m.flags.iter().any(|f| f == "noStrict" || f == "raw");
    let module = m.flags.iter().any(|f| f == "module");
    let modes: &[bool] = if module || only_strict {
        &[true]
    } else if no_strict {
        &[false]
    } else {
        &[false, true]
    };
    for &strict in modes {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_once(h, &src, &m, strict && !module)
        }));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => {
                return Outcome::Fail(format!("{}{msg}", if strict { "[strict] " } else { "" }));
            }
            Err(_) => return Outcome::Fail("engine panicked".into()),
        }
    }
    Outcome::Pass
}

fn group_and_name(rel: &Path) -> (String, String) {
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let g = parts.len().min(2);
    (parts[..g].join("/"), parts[g..].join("/"))
}

#[test]
fn test262() {
    let root = root();
    let test_dir = root.join("test");
    if !test_dir.is_dir() {
        eprintln!("skipped: {} is absent (CI provides it)", root.display());
        return;
    }
    let skip: Vec<String> = std::fs::read_to_string(ratchet_dir().join("skip-features.txt"))
        .expect("skip-features.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let mut files = HashMap::new();
    for e in std::fs::read_dir(root.join("harness"))
        .expect("harness")
        .flatten()
    {
        if let Ok(t) = std::fs::read_to_string(e.path()) {
            files.insert(e.file_name().to_string_lossy().into_owned(), t);
        }
    }
    let h = Harness { files };
    let mut paths = Vec::new();
    collect(&test_dir, &mut paths);
    let filter = std::env::var("KILN_TEST262_FILTER").ok();
    if let Some(f) = &filter {
        paths.retain(|p| p.to_string_lossy().contains(f.as_str()));
    }
    std::panic::set_hook(Box::new(|_| {}));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, CaseResult)>> = Mutex::new(Vec::new());
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = paths.get(i) else { break };
                        let rel = p.strip_prefix(&test_dir).unwrap_or(p);
                        let (group, name) = group_and_name(rel);
                        if std::env::var_os("KILN_TEST262_TRACE").is_some() {
                            eprintln!("start {}", rel.display());
                        }
                        let t0 = std::time::Instant::now();
                        let outcome = run_test(&h, &skip, p);
                        let dt = t0.elapsed().as_secs_f64();
                        if dt > 1.0 && std::env::var_os("KILN_TEST262_SLOW").is_some() {
                            eprintln!("slow {dt:.1}s {}", rel.display());
                        }
                        results.lock().expect("results").push((
                            i,
                            CaseResult {
                                group,
                                name,
                                outcome,
                            },
                        ));
                    }
                })
                .expect("worker thread");
        }
    });
    let _ = std::panic::take_hook();
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|r| r.0);
    let results: Vec<CaseResult> = results.into_iter().map(|r| r.1).collect();
    let pass = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skip(_)))
        .count();
    let total = results.len();
    eprintln!(
        "test262: {pass} passed of {total} ({:.1}%), {skipped} skipped, {:.1}% of those run; {:.0}s",
        100.0 * pass as f64 / total.max(1) as f64,
        100.0 * pass as f64 / (total - skipped).max(1) as f64,
        start.elapsed().as_secs_f64()
    );
    if filter.is_some() {
        for r in &results {
            if let Outcome::Fail(m) = &r.outcome {
                eprintln!("FAIL {}: {m}", r.id());
            }
        }
        return;
    }
    let header = "test262 (../shared/test262: test/language + 13 built-ins folders), run by crates/kiln-js/tests/test262.rs";
    if let Err(report) = ratchet::check(&ratchet_dir(), &results, header) {
        panic!("{report}");
    }
}
