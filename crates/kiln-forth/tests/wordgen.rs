//! Words generated from specifications: every shipped example spec
//! generates and passes, the deliberately failing ones fail with the right
//! error, hostile specs give clear errors (never a panic or hang),
//! composition checks effects, the rkyv store round-trips, and a proptest
//! checks that generated words satisfy random test cases of known functions.

use kiln_forth::wordgen::store::{self, StoreBytes};
use kiln_forth::wordgen::{GenError, GenOptions, Generator, Outcome, Spec};
use proptest::prelude::*;
use std::path::PathBuf;

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/forth/specs")
}

fn load(name: &str) -> Spec {
    let text = std::fs::read_to_string(specs_dir().join(name)).expect("spec file");
    Spec::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_generates_and_passes() {
    let mut g = Generator::new();
    let files = json_files(&specs_dir());
    assert!(files.len() >= 15);
    let mut patterns = std::collections::BTreeSet::new();
    for f in files {
        let spec = Spec::from_json(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let w = g
            .generate(&spec)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert_eq!(w.cases, spec.test_cases.len());
        // The generated word really computes the test cases.
        for t in &spec.test_cases {
            assert_eq!(
                g.run(&w, &t.input).unwrap(),
                &t.output[..],
                "{}",
                w.source()
            );
        }
        patterns.insert(w.pattern);
    }
    for p in [
        "primitive",
        "duplicate-transform",
        "literal-op",
        "conditional-negate",
        "map-combine",
        "accumulate-loop",
        "recursive-reduction",
        "code",
    ] {
        assert!(patterns.contains(p), "no example for pattern {p}");
    }
}

#[test]
fn generated_sources() {
    let mut g = Generator::new();
    let src = |g: &mut Generator, f: &str| g.generate(&load(f)).unwrap().source();
    assert_eq!(src(&mut g, "square.json"), ": square ( n -- n*n ) dup * ;");
    assert_eq!(src(&mut g, "add5.json"), ": add5 ( n -- n+5 ) 5 + ;");
    assert_eq!(
        src(&mut g, "sum-of-squares.json"),
        ": sum-of-squares ( a b -- a*a+b*b ) swap dup * swap dup * + ;"
    );
    assert_eq!(
        src(&mut g, "abs.json"),
        ": absolute ( n -- |n| ) dup 0< if negate then ;"
    );
    // Found by search (no hint).
    assert_eq!(src(&mut g, "swap.json"), ": exchange ( a b -- b a ) swap ;");
    assert_eq!(src(&mut g, "double.json"), ": double ( n -- 2n ) 2* ;");
    assert_eq!(
        src(&mut g, "is-negative.json"),
        ": negative? ( n -- flag ) 0< ;"
    );
}

#[test]
fn control_flow_patterns_are_found_by_search() {
    let mut g = Generator::new();
    let mut s = load("factorial.json");
    s.implementation = None;
    let w = g.generate(&s).unwrap();
    assert_eq!(w.pattern, "recursive-reduction", "{}", w.source());
    let mut s = load("sum-squares-to-n.json");
    s.implementation = None;
    let w = g.generate(&s).unwrap();
    assert_eq!(w.body, "0 swap 1+ 1 ?do i dup * + loop");
}

fn fails(name: &str) -> GenError {
    let mut g = Generator::new();
    g.generate(&load(&format!("failing/{name}")))
        .expect_err("must fail")
}

#[test]
fn wrong_effect_is_status_4() {
    let e = fails("wrong-effect.json");
    assert_eq!(e.status(), 4, "{e}");
    let text = e.to_string();
    assert!(text.contains("stack-effect error in 'square'"), "{text}");
    assert!(text.contains("spec:     ( n -- n )"), "{text}");
    assert!(text.contains("inferred: ( x1 -- x1 x1 )"), "{text}");
}

#[test]
fn wrong_test_is_status_5() {
    let e = fails("wrong-test.json");
    assert_eq!(e.status(), 5);
    let text = e.to_string();
    assert!(text.contains("fails 1 of 2"), "{text}");
    assert!(
        text.contains("test_cases[1]: input [4] expected [15], got [16]"),
        "{text}"
    );
}

#[test]
fn runaway_and_deep_recursion_stop() {
    let t = std::time::Instant::now();
    let e = fails("runaway.json");
    assert_eq!(e.status(), 5);
    match &e {
        GenError::Tests(x) => {
            assert_eq!(
                x.failures[0].got,
                Outcome::Throw(kiln_forth::error::code::FUEL)
            )
        }
        e => panic!("{e}"),
    }
    let e = fails("deep-recursion.json");
    match &e {
        GenError::Tests(t) => {
            assert_eq!(t.failed, 1);
            assert_eq!(
                t.failures[0].got,
                Outcome::Throw(kiln_forth::error::code::STACK_OVERFLOW)
            );
        }
        e => panic!("{e}"),
    }
    assert!(t.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn no_pattern_fits_is_status_4() {
    let e = fails("no-pattern.json");
    assert_eq!(e.status(), 4);
    assert!(e.to_string().contains("no pattern produces"), "{e}");
}

#[test]
fn invalid_specs_name_the_field() {
    for (file, path, msg) in [
        ("huge-number.json", "test_cases[0].output[0]", "not a cell"),
        ("duplicate-field.json", "", "duplicate field `word`"),
    ] {
        let text = std::fs::read_to_string(specs_dir().join("failing").join(file)).unwrap();
        let e = Spec::from_json(&text).unwrap_err();
        assert!(e.path.contains(path), "{file}: {e}");
        assert!(e.message.contains(msg), "{file}: {e}");
        assert!(e.line_col.is_some(), "{file}: {e}");
    }
    let e = fails("hostile-body.json");
    assert_eq!(e.status(), 1);
    assert!(e.to_string().contains("`;` is not allowed"), "{e}");
}

fn base() -> Spec {
    load("square.json")
}

#[test]
fn hostile_hints_are_spec_errors() {
    let mut g = Generator::new();
    let mut s = base();
    s.implementation.as_mut().unwrap().pattern = "nope".into();
    let e = g.generate(&s).unwrap_err();
    assert_eq!(e.status(), 1);
    assert!(e.to_string().contains("unknown pattern `nope`"), "{e}");
    let mut s = base();
    s.implementation.as_mut().unwrap().params[0].value = "emit".into();
    let e = g.generate(&s).unwrap_err();
    assert!(e.to_string().contains("not a choice of `op`"), "{e}");
    let mut s = base();
    s.implementation.as_mut().unwrap().params[0].key = "opp".into();
    let e = g.generate(&s).unwrap_err();
    assert!(e.to_string().contains("has no parameter `opp`"), "{e}");
    // Unbalanced control flow in a code body: does not compile (status 4).
    let mut s = base();
    let imp = s.implementation.as_mut().unwrap();
    imp.pattern = "code".into();
    imp.params[0].key = "body".into();
    imp.params[0].value = "dup if".into();
    let e = g.generate(&s).unwrap_err();
    assert_eq!(e.status(), 4, "{e}");
    // Division by zero in a test case is a failure, not a crash.
    let mut s = base();
    s.implementation.as_mut().unwrap().params[0].value = "/".into();
    s.test_cases[0].input = vec![0];
    let e = g.generate(&s).unwrap_err();
    assert!(
        e.to_string().contains("threw -10 (division by zero)"),
        "{e}"
    );
    // An infinite loop in a body stops on fuel.
    let mut s = base();
    let imp = s.implementation.as_mut().unwrap();
    imp.pattern = "code".into();
    imp.params[0].key = "body".into();
    imp.params[0].value = "begin dup 0= until".into();
    s.test_cases = vec![kiln_forth::wordgen::TestCase {
        input: vec![5],
        output: vec![5],
    }];
    let e = g.generate(&s).unwrap_err();
    assert!(e.to_string().contains("threw -") || e.status() == 4, "{e}");
    // The generator is still usable.
    assert!(g.generate(&base()).is_ok());
}

#[test]
fn many_failing_cases_share_one_budget() {
    // Thousands of runaway cases: the per-spec fuel ends them quickly.
    let mut s = load("failing/runaway.json");
    let t0 = s.test_cases[0].clone();
    s.test_cases = vec![t0; 5000];
    let mut g = Generator::with_options(GenOptions {
        fuel_per_case: 1 << 22,
        fuel_per_spec: 1 << 24,
        ..GenOptions::default()
    });
    let t = std::time::Instant::now();
    let e = g.generate(&s).unwrap_err();
    assert!(matches!(&e, GenError::Tests(t) if t.failed == 5000), "{e}");
    assert!(t.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn composition_checks_effects() {
    let mut g = Generator::new();
    let c = g
        .compose(&load("add.json"), &load("square.json"), None)
        .unwrap();
    assert_eq!(c.word.source(), ": add-square ( a b -- n*n ) add square ;");
    assert_eq!(c.word.effect.to_string(), "( n n -- n )");
    assert_eq!(g.run(&c.word, &[2, 3]).unwrap(), [25]);
    // square leaves one item; add takes two: no line-up.
    let e = g
        .compose(&load("square.json"), &load("add.json"), None)
        .unwrap_err();
    assert_eq!(e.status(), 4);
    assert!(
        e.to_string()
            .contains("leaves 1 item(s) but the second takes 2"),
        "{e}"
    );
}

#[test]
fn many_generations_roll_back() {
    let mut g = Generator::new();
    let s = base();
    let first = g.generate(&s).unwrap();
    for _ in 0..20_000 {
        g.generate(&s).unwrap();
    }
    // The sandbox was rolled back at least once: old handles are stale.
    assert!(g.run(&first, &[3]).is_err());
    let w = g.generate(&s).unwrap();
    assert_eq!(g.run(&w, &[3]).unwrap(), [9]);
}

#[test]
fn store_round_trip_of_examples() {
    let specs: Vec<Spec> = json_files(&specs_dir())
        .iter()
        .map(|f| Spec::from_json(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect();
    let path = std::env::temp_dir().join(format!("kiln-specs-{}.kfs", std::process::id()));
    store::write(&path, &specs).unwrap();
    let bytes = StoreBytes::read(&path).unwrap();
    let st = bytes.access().unwrap();
    assert_eq!(st.len(), specs.len());
    let mut g = Generator::new();
    for (i, want) in specs.iter().enumerate() {
        let s = st.spec(i).unwrap();
        assert_eq!(&s, want);
        g.generate(&s).unwrap();
    }
    assert_eq!(st.find("gcd").unwrap().word.as_str(), "gcd");
    std::fs::remove_file(&path).ok();
}

fn spec_with(word: &str, pattern: Option<&str>, n_in: usize, cases: Vec<(Vec<i64>, i64)>) -> Spec {
    let items: Vec<String> = (0..n_in).map(|i| format!(r#"{{"name":"x{i}"}}"#)).collect();
    let tc: Vec<String> = cases
        .iter()
        .map(|(i, o)| {
            let i: Vec<String> = i.iter().map(i64::to_string).collect();
            format!(r#"{{"input":[{}],"output":[{o}]}}"#, i.join(","))
        })
        .collect();
    let imp = pattern.map_or(String::new(), |p| format!(r#","implementation":{p}"#));
    Spec::from_json(&format!(
        r#"{{"word":"{word}","stack_effect":{{"inputs":[{}],"outputs":[{{"name":"r"}}]}},"test_cases":[{}]{imp}}}"#,
        items.join(","),
        tc.join(",")
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Specs whose test cases come from a Rust model of the function: the
    /// generated word satisfies them all, and agrees with the model on a
    /// fresh input it was not tested on.
    #[test]
    fn generated_words_satisfy_their_specs(
        xs in proptest::collection::vec(-1000i64..1000, 1..6),
        k in -50i64..50,
        fresh in -1000i64..1000,
        which in 0usize..5,
    ) {
        type Model = fn(i64, i64) -> i64;
        let (hint, model): (Option<&str>, Model) = match which {
            0 => (Some(r#"{"pattern":"duplicate-transform","params":{"op":"*"}}"#), |x, _| x.wrapping_mul(x)),
            1 => (Some(r#"{"pattern":"literal-op","params":{"op":"+"}}"#), |x, k| x.wrapping_add(k)),
            2 => (Some(r#"{"pattern":"conditional-negate"}"#), |x, _| x.abs()),
            3 => (Some(r#"{"pattern":"accumulate-loop","params":{"term":"square"}}"#), |x, _| {
                (1..=x.clamp(0, 60)).map(|i| i * i).sum()
            }),
            _ => (None, |x, k| x.wrapping_add(k)),
        };
        let xs: Vec<i64> = if which == 3 { xs.iter().map(|x| x.rem_euclid(60)).collect() } else { xs };
        let cases: Vec<(Vec<i64>, i64)> = xs.iter().map(|&x| (vec![x], model(x, k))).collect();
        let spec = spec_with("w", hint, 1, cases);
        let mut g = Generator::new();
        let w = g.generate(&spec).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for t in &spec.test_cases {
            prop_assert_eq!(g.run(&w, &t.input).unwrap(), &t.output[..]);
        }
        let fresh = if which == 3 { fresh.rem_euclid(60) } else { fresh };
        // A literal solved from one case generalizes; a search over
        // arithmetic may pick any function agreeing on the cases, so only
        // hinted patterns are compared off the cases.
        if which != 4 || xs.len() > 1 {
            let got = g.run(&w, &[fresh]).unwrap().to_vec();
            if which != 4 {
                prop_assert_eq!(got, vec![model(fresh, k)]);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Mangled specifications (a span of the text replaced by random
    /// characters) parse to a clear error or generate under small limits:
    /// never a panic or a hang.
    #[test]
    fn mangled_specs_never_panic(
        which in 0usize..4,
        at in 0usize..400,
        len in 0usize..12,
        junk in "[ -~]{0,12}",
    ) {
        let file = ["square.json", "gcd.json", "sum-to-n.json", "swap.json"][which];
        let text = std::fs::read_to_string(specs_dir().join(file)).unwrap();
        let at = at.min(text.len());
        let end = (at + len).min(text.len());
        if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
            return Ok(());
        }
        let mangled = format!("{}{}{}", &text[..at], junk, &text[end..]);
        if let Ok(spec) = Spec::from_json(&mangled) {
            let mut g = Generator::with_options(GenOptions {
                fuel_per_case: 1 << 18,
                fuel_per_spec: 1 << 20,
                max_candidates: 16,
            });
            let _ = g.generate(&spec);
        }
        let _ = StoreBytes::from_slice(mangled.as_bytes()).access().map(|s| s.len());
    }
}
