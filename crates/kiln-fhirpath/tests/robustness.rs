//! Bad input never panics or hangs: property tests over the parser, the JSON
//! reader and the evaluator, the parse → print → parse round trip, agreement
//! of the JSON reader with `serde_json`, and the resource limits.

use kiln_core::Limits;
use kiln_fhirpath::parser::{parse, unparse};
use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};
use proptest::prelude::*;

const PATIENT: &str = r#"{"resourceType":"Patient","id":"p","active":true,"birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"u","valueString":"x"}]},
"name":[{"use":"official","family":"Chalmers","given":["Peter","James"]},{"use":"usual","given":["Jim"]}],
"telecom":[{"system":"phone","value":"555","use":"home"}],"multipleBirthInteger":3,
"contained":[{"resourceType":"Observation","id":"o","valueQuantity":{"value":1.50,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}]}"#;

/// Generated FHIRPath text from a small grammar: paths, literals, operators, functions.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("name".to_string()),
        Just("given".to_string()),
        Just("Patient".to_string()),
        Just("birthDate".to_string()),
        Just("telecom".to_string()),
        Just("contained".to_string()),
        Just("$this".to_string()),
        Just("$index".to_string()),
        Just("%resource".to_string()),
        Just("{}".to_string()),
        Just("true".to_string()),
        (-1000i64..1000).prop_map(|i| i.to_string()),
        (0u32..100000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        "[a-z ]{0,5}".prop_map(|s| format!("'{s}'")),
        Just("@2014-01-25".to_string()),
        Just("@2014-01-25T10:30:00+02:00".to_string()),
        Just("@T10:30".to_string()),
        Just("5 'mg'".to_string()),
        Just("3 days".to_string()),
        Just("10L".to_string()),
    ];
    leaf.prop_recursive(5, 40, 3, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("div"),
            Just("mod"),
            Just("&"),
            Just("|"),
            Just("="),
            Just("!="),
            Just("~"),
            Just("<"),
            Just(">="),
            Just("and"),
            Just("or"),
            Just("xor"),
            Just("implies"),
            Just("in"),
            Just("contains")
        ];
        let func = prop_oneof![
            Just("first()"),
            Just("count()"),
            Just("exists()"),
            Just("empty()"),
            Just("distinct()"),
            Just("toString()"),
            Just("length()"),
            Just("not()"),
            Just("children()"),
            Just("descendants()"),
            Just("single()"),
            Just("tail()"),
            Just("upper()"),
            Just("toInteger()"),
            Just("hasValue()"),
            Just("type()"),
            Just("sum()"),
            Just("abs()"),
            Just("lowBoundary()"),
            Just("precision()")
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a}) {o} ({b})")),
            (inner.clone(), func).prop_map(|(a, f)| format!("({a}).{f}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}).where({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}).select({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})[{b}]")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("iif({a}, {b}, {c})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("({a}).aggregate($total + {b}, 0)")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}).substring({b})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("({a}) is Integer")),
            inner
                .clone()
                .prop_map(|a| format!("({a}).ofType(HumanName)")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}).repeat({b})")),
        ]
    })
}

fn evaluate(src: &str, doc: &Document, limits: Limits) {
    if let Ok(expr) = Expression::compile(src, &CompileOptions::default()) {
        let mut vm = Vm::new();
        let mut out = Vec::new();
        let quiet = |_: &str, _: &str| {};
        let opts = EvalOptions {
            limits: Some(limits),
            trace: Some(&quiet),
            ..EvalOptions::default()
        };
        // Errors are fine; panics and hangs are not.
        let _ = expr.evaluate(Some(doc), &opts, &mut vm, &mut out);
    }
}

/// Generated filters: a collection, then `where`/`exists`/`all`/`where(…).first()`
/// with a criteria from the shapes filter predicates take ([`kiln_fhirpath::pred`])
/// and a few they do not.
fn filter() -> impl Strategy<Value = String> {
    let path = prop_oneof![
        Just("use"),
        Just("family"),
        Just("given"),
        Just("system"),
        Just("value"),
        Just("$this"),
        Just("period.start"),
        Just("valueQuantity.value"),
        Just("valueQuantity.unit"),
        Just("extension.url"),
        Just("id"),
        Just("name.given"),
        Just("birthDate"),
        Just("active"),
    ];
    let literal = prop_oneof![
        Just("'official'"),
        Just("'usual'"),
        Just("'phone'"),
        Just("'Jim'"),
        Just("'OFFICIAL '"),
        Just("'mg'"),
        Just("1"),
        Just("1.5"),
        Just("3"),
        Just("true"),
        Just("@1974-12-25"),
        Just("@1974"),
        Just("1.5 'mg'"),
        Just("'555'"),
    ];
    let cmp = prop_oneof![
        Just("="),
        Just("!="),
        Just("~"),
        Just("!~"),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">="),
    ];
    let leaf = prop_oneof![
        (path.clone(), cmp.clone(), literal.clone()).prop_map(|(p, o, l)| format!("{p} {o} {l}")),
        (literal, cmp, path.clone()).prop_map(|(l, o, p)| format!("{l} {o} {p}")),
        path.clone().prop_map(|p| format!("{p}.exists()")),
        path.clone().prop_map(|p| format!("{p}.empty()")),
        path.clone().prop_map(|p| format!("{p}.count() = 1")),
        Just("$index = 0".to_string()),
    ];
    let criteria = leaf.prop_recursive(3, 12, 2, move |inner| {
        let logic = prop_oneof![Just("and"), Just("or"), Just("xor"), Just("implies")];
        prop_oneof![
            (inner.clone(), logic, inner.clone()).prop_map(|(a, o, b)| format!("({a}) {o} ({b})")),
            inner.clone().prop_map(|a| format!("({a}).not()")),
            (path.clone(), inner.clone()).prop_map(|(p, a)| format!("{p}.exists({a})")),
            (path.clone(), inner).prop_map(|(p, a)| format!("{p}.all({a})")),
        ]
    });
    let collection = prop_oneof![
        Just("name"),
        Just("telecom"),
        Just("contained"),
        Just("name.given"),
        Just("Patient"),
        Just("birthDate"),
        Just("(name | telecom)"),
    ];
    let form = prop_oneof![
        Just("where(C)"),
        Just("exists(C)"),
        Just("all(C)"),
        Just("where(C).first()"),
        Just("where(C).exists()"),
    ];
    (collection, form, criteria).prop_map(|(c, f, p)| format!("{c}.{}", f.replace('C', &p)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in "\\PC{0,60}") {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_fhirpath_like_text(s in "[a-z$%@'`.()\\[\\]{}0-9+*/&|=!~<>, \\-]{0,80}") {
        let r = parse(&s);
        if r.ast.root.is_none() {
            prop_assert!(!r.diagnostics.is_empty());
            // Every diagnostic renders, whatever its span.
            let _ = r.diagnostics[0].render("<expr>", &s);
        }
    }

    #[test]
    fn print_and_reparse_is_stable(src in expression()) {
        let first = parse(&src);
        prop_assert!(first.diagnostics.is_empty(), "{src}: {:?}", first.diagnostics);
        let printed = unparse(&first.ast, first.ast.root.unwrap());
        let second = parse(&printed);
        prop_assert!(second.diagnostics.is_empty(), "{printed}: {:?}", second.diagnostics);
        prop_assert_eq!(&printed, &unparse(&second.ast, second.ast.root.unwrap()));
    }

    #[test]
    fn evaluation_never_panics(src in expression()) {
        let doc = Document::parse(PATIENT).unwrap();
        evaluate(&src, &doc, Limits { fuel: 200_000, max_depth: 128, max_memory: 8 << 20 });
    }

    #[test]
    fn projected_parsing_gives_the_same_results(src in expression()) {
        let Ok(expr) = Expression::compile(&src, &CompileOptions::default()) else { return Ok(()) };
        let full = Document::parse(PATIENT).unwrap();
        let mut lazy = Document::default();
        lazy.reparse_projected(PATIENT.to_string(), expr.projection()).unwrap();
        let limits = Limits { fuel: 200_000, max_depth: 128, max_memory: 8 << 20 };
        let quiet = |_: &str, _: &str| {};
        let opts = EvalOptions { limits: Some(limits), trace: Some(&quiet), ..EvalOptions::default() };
        let run = |d: &Document| {
            let mut vm = Vm::new();
            let mut out = Vec::new();
            expr.evaluate(Some(d), &opts, &mut vm, &mut out).map(|()| kiln_fhirpath::output::render_typed_array(expr.model(), &out)).map_err(|e| e.message)
        };
        prop_assert_eq!(run(&full), run(&lazy), "{}\nprojection:\n{}", src, expr.projection().describe());
    }

    #[test]
    fn filter_predicates_give_the_same_results(src in filter()) {
        let Ok(expr) = Expression::compile(&src, &CompileOptions::default()) else { return Ok(()) };
        let plain = Expression::compile(&src, &CompileOptions { predicates: false, ..CompileOptions::default() }).unwrap();
        let doc = Document::parse(PATIENT).unwrap();
        let limits = Limits { fuel: 200_000, max_depth: 128, max_memory: 8 << 20 };
        let opts = EvalOptions { limits: Some(limits), ..EvalOptions::default() };
        let run = |e: &Expression| {
            let mut vm = Vm::new();
            let mut out = Vec::new();
            e.evaluate(Some(&doc), &opts, &mut vm, &mut out).map(|()| kiln_fhirpath::output::render_typed_array(e.model(), &out)).map_err(|e| e.message)
        };
        prop_assert_eq!(run(&expr), run(&plain), "{}", src);
    }

    #[test]
    fn vectorised_aggregates_match_exact_arithmetic(ints in prop::collection::vec(any::<i32>(), 32..300), cents in prop::collection::vec(-10_000_000i64..10_000_000, 32..300)) {
        use rust_decimal::Decimal;
        let decs: Vec<Decimal> = cents.iter().map(|c| Decimal::new(*c, 2)).collect();
        let json = format!(
            r#"{{"ints":[{}],"decs":[{}]}}"#,
            ints.iter().map(i32::to_string).collect::<Vec<_>>().join(","),
            decs.iter().map(Decimal::to_string).collect::<Vec<_>>().join(",")
        );
        let doc = Document::parse(json).unwrap();
        let run = |src: &str| {
            let expr = Expression::compile(src, &CompileOptions::default()).unwrap();
            let mut vm = Vm::new();
            let mut out = Vec::new();
            expr.evaluate(Some(&doc), &EvalOptions::default(), &mut vm, &mut out).unwrap();
            kiln_fhirpath::output::render_json_array(expr.model(), &out)
        };
        let total: i64 = ints.iter().map(|&i| i64::from(i)).sum();
        let want_sum = if i32::try_from(total).is_ok() { format!("[{total}]") } else { "[]".to_string() };
        prop_assert_eq!(run("ints.sum()"), want_sum);
        prop_assert_eq!(run("ints.min()"), format!("[{}]", ints.iter().min().unwrap()));
        prop_assert_eq!(run("ints.max()"), format!("[{}]", ints.iter().max().unwrap()));
        let dsum: Decimal = decs.iter().sum();
        let out = run("decs.sum()");
        let got: Decimal = out.trim_matches(['[', ']']).parse().unwrap();
        prop_assert_eq!(got, dsum);
        let out = run("decs.max()");
        let got: Decimal = out.trim_matches(['[', ']']).parse().unwrap();
        prop_assert_eq!(got, *decs.iter().max().unwrap());
    }

    #[test]
    fn json_reader_never_panics(s in "\\PC{0,80}") {
        let _ = Document::parse(s.as_str());
    }

    #[test]
    fn json_reader_agrees_with_serde(v in json_value()) {
        let text = v.to_string();
        let doc = Document::parse(text.as_str()).expect("serde_json's output is valid JSON");
        let mut back = String::new();
        doc.write_json(doc.root(), &mut back);
        // Numbers keep their text and strings are escaped the same way, so the texts are identical.
        prop_assert_eq!(back, text);
    }

    #[test]
    fn json_reader_rejects_what_serde_rejects(s in "[\\[\\]{}\",:0-9a-z.eE+\\- \\\\]{0,40}") {
        let ours = Document::parse(s.as_str()).is_ok();
        let theirs = serde_json::from_str::<serde_json::Value>(&s).is_ok();
        prop_assert_eq!(ours, theirs, "{}", s);
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
        (-1e9f64..1e9).prop_map(|f| serde_json::json!(f)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn runaway_expressions_hit_the_limits() {
    let doc = Document::parse(PATIENT).unwrap();
    let expr = Expression::compile("name.repeatAll($this)", &CompileOptions::default()).unwrap();
    let mut vm = Vm::new();
    let mut out = Vec::new();
    let opts = EvalOptions {
        limits: Some(Limits {
            fuel: 1_000_000,
            max_depth: 64,
            max_memory: 16 << 20,
        }),
        ..EvalOptions::default()
    };
    let err = expr
        .evaluate(Some(&doc), &opts, &mut vm, &mut out)
        .unwrap_err();
    assert!(
        err.message.contains("budget") || err.message.contains("memory"),
        "{}",
        err.message
    );
    // Quadratic blow-up through nested selects is stopped by fuel.
    let expr = Expression::compile(
        "(1|2|3|4|5|6|7|8|9|10).select((1|2|3|4|5|6|7|8|9|10).select((1|2|3|4|5|6|7|8|9|10).select((1|2|3|4|5|6|7|8|9|10).select($this))))",
        &CompileOptions::default(),
    )
    .unwrap();
    let opts = EvalOptions {
        limits: Some(Limits {
            fuel: 10_000,
            max_depth: 64,
            max_memory: 16 << 20,
        }),
        ..EvalOptions::default()
    };
    let err = expr
        .evaluate(Some(&doc), &opts, &mut vm, &mut out)
        .unwrap_err();
    assert!(err.message.contains("budget"), "{}", err.message);
}

#[test]
fn hostile_numbers_and_nesting_are_clean_errors() {
    for src in [
        "99999999999999999999999999999999999",
        "1.99999999999999999999999999999999999999",
        "2147483648 * 2147483647",
    ] {
        if let Ok(expr) = Expression::compile(src, &CompileOptions::default()) {
            let mut vm = Vm::new();
            let mut out = Vec::new();
            let _ = expr.evaluate(None, &EvalOptions::default(), &mut vm, &mut out);
        }
    }
    assert!(
        Expression::compile(
            &("(".repeat(5000) + "1" + &")".repeat(5000)),
            &CompileOptions::default()
        )
        .is_err()
    );
    let deep = "[".repeat(100_000);
    assert!(Document::parse(deep).is_err());
    let doc = Document::parse(
        r#"{"resourceType":"Observation","valueQuantity":{"value":1e999999,"unit":"mg"}}"#,
    )
    .unwrap();
    evaluate("Observation.value > 5 'mg'", &doc, Limits::default());
    evaluate("Observation.value.value + 1", &doc, Limits::default());
    // Integer overflow yields empty, not a wrapped value.
    let expr = Expression::compile("2147483647 + 1", &CompileOptions::default()).unwrap();
    let mut vm = Vm::new();
    let mut out = Vec::new();
    expr.evaluate(None, &EvalOptions::default(), &mut vm, &mut out)
        .unwrap();
    assert!(out.is_empty());
}

#[test]
fn quadratic_work_and_string_growth_are_bounded() {
    let doc = Document::parse(PATIENT).unwrap();
    let limits = Limits {
        fuel: 5_000_000,
        max_depth: 64,
        max_memory: 1 << 20,
    };
    for src in [
        // ~250k items deduplicated pairwise.
        "(name | name | telecom).repeatAll($this).distinct().count()",
        // Each replace triples the string: 3^14 bytes is past the 1 MiB limit.
        "'ab'.replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').replace('', 'ab').length()",
        "('x' & 'x' & 'x').repeatAll($this & $this).count()",
    ] {
        let expr = Expression::compile(src, &CompileOptions::default()).unwrap();
        let mut vm = Vm::new();
        let mut out = Vec::new();
        let r = expr.evaluate(
            Some(&doc),
            &EvalOptions {
                limits: Some(limits),
                ..EvalOptions::default()
            },
            &mut vm,
            &mut out,
        );
        assert!(r.is_err(), "{src} should hit a limit, got {out:?}");
    }
}

/// Renders `expr` over `text` parsed in full and parsed with the expression's
/// projection (then compacted), for comparing the two.
fn full_and_projected(expr: &str, text: &str) -> (String, String, bool) {
    let expr = Expression::compile(expr, &CompileOptions::default()).expect("compiles");
    let full = Document::parse(text).expect("json");
    let mut lazy = Document::default();
    lazy.reparse_projected(text.to_string(), expr.projection())
        .expect("json");
    lazy.compact();
    let render = |d: &Document| {
        let mut out = Vec::new();
        expr.evaluate(Some(d), &EvalOptions::default(), &mut Vm::new(), &mut out)
            .expect("evaluates");
        kiln_fhirpath::output::render_json_array(expr.model(), &out)
    };
    let any_raw = (0..lazy.len() as u32).any(|n| lazy.is_raw(n));
    (render(&full), render(&lazy), any_raw)
}

#[test]
fn raw_objects_print_exactly_as_built_ones() {
    let text = "{ \"resourceType\" : \"Patient\", \"identifier\" : [ { \"system\" : \"urn:x\" ,\n\t\"value\":\"a\\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\\n\", \"period\": {\"start\" : \"2020\"},\"x\": [1.50, -0, 2e3, true, false, null, {}, []] } , {\"value\":\"plain é\"} ], \"name\":[{\"family\":\"F\"}] }";
    let (full, lazy, any_raw) = full_and_projected("Patient.identifier", text);
    assert!(any_raw, "the identifiers are kept raw");
    assert_eq!(full, lazy);
    assert!(full.contains(r#""value":"a\"b\\c/dé😀\n""#), "{full}");
    // Selected, indexed and counted raw elements.
    for e in [
        "Patient.identifier.first()",
        "Patient.identifier[1]",
        "Patient.identifier.last()",
    ] {
        let (full, lazy, any_raw) = full_and_projected(e, text);
        assert!(any_raw, "{e}");
        assert_eq!(full, lazy, "{e}");
    }
    let (full, lazy, _) = full_and_projected("Patient.identifier.count()", text);
    assert_eq!((full.as_str(), lazy.as_str()), ("[2]", "[2]"));
}

#[test]
fn raw_objects_are_still_validated() {
    let expr = Expression::compile("Patient.identifier", &CompileOptions::default()).unwrap();
    for bad in [
        r#"{"resourceType":"Patient","identifier":[{"value":tru}]}"#,
        r#"{"resourceType":"Patient","identifier":[{"value":"a\x"}]}"#,
        r#"{"resourceType":"Patient","identifier":[{"value":01}]}"#,
        r#"{"resourceType":"Patient","identifier":[{"value":"a",}]}"#,
    ] {
        let mut d = Document::default();
        assert!(
            d.reparse_projected(bad.to_string(), expr.projection())
                .is_err(),
            "{bad}"
        );
        assert!(Document::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Raw objects print as built ones for any string content and spacing.
    #[test]
    fn raw_objects_print_as_built_for_any_strings(
        v in "[a-z\"\\\\/é😀\n\t\u{1}]{0,12}",
        ws in "[ \n\t]{0,3}",
    ) {
        let esc = serde_json::to_string(&v).unwrap();
        let text = format!(r#"{{"resourceType":"Patient","identifier":[{ws}{{{ws}"value"{ws}:{ws}{esc}{ws},"system":"s"}}{ws}]}}"#);
        let (full, lazy, any_raw) = full_and_projected("Patient.identifier", &text);
        prop_assert!(any_raw);
        prop_assert_eq!(full, lazy);
    }
}
