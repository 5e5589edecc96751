//! criterion benches for verified words from specifications (issue 5 §3):
//! for each seed operation (duplicate, square, swap, add, subtract, literal
//! add, sum of squares) the effect check of its body against its spec and
//! one execution of the generated word on the VM; composing two spec
//! effects; generation plus verification of one whole spec; and the spec
//! store: rkyv archive access against JSON parsing for 5,000 specs.
//!
//! Run: `cargo bench -p kiln-forth --bench wordgen`.

use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use kiln_forth::infer::verify;
use kiln_forth::wordgen::store::{self, StoreBytes};
use kiln_forth::wordgen::{Generator, Spec, compose_effects};

fn spec(word: &str, ins: &[&str], outs: &[&str], hint: &str, cases: &[(&[i64], &[i64])]) -> Spec {
    let items = |v: &[&str]| {
        v.iter()
            .map(|n| format!(r#"{{"name":"{n}","type":"n"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    let nums = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let tc: Vec<String> = cases
        .iter()
        .map(|(i, o)| format!(r#"{{"input":[{}],"output":[{}]}}"#, nums(i), nums(o)))
        .collect();
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!(r#","implementation":{hint}"#)
    };
    Spec::from_json(&format!(
        r#"{{"word":"{word}","description":"bench","stack_effect":{{"inputs":[{}],"outputs":[{}]}},"test_cases":[{}]{hint}}}"#,
        items(ins),
        items(outs),
        tc.join(",")
    ))
    .expect("bench spec")
}

fn seed() -> Vec<(&'static str, Spec, Vec<i64>)> {
    vec![
        (
            "duplicate",
            spec(
                "dup2",
                &["x"],
                &["x", "x"],
                r#"{"pattern":"primitive","params":{"op":"dup"}}"#,
                &[(&[4], &[4, 4])],
            ),
            vec![4],
        ),
        (
            "square",
            spec(
                "square",
                &["n"],
                &["n2"],
                r#"{"pattern":"duplicate-transform","params":{"op":"*"}}"#,
                &[(&[3], &[9]), (&[-4], &[16])],
            ),
            vec![7],
        ),
        (
            "swap",
            spec(
                "exch",
                &["a", "b"],
                &["b", "a"],
                r#"{"pattern":"primitive","params":{"op":"swap"}}"#,
                &[(&[1, 2], &[2, 1])],
            ),
            vec![1, 2],
        ),
        (
            "add",
            spec(
                "add",
                &["a", "b"],
                &["s"],
                r#"{"pattern":"primitive","params":{"op":"+"}}"#,
                &[(&[2, 3], &[5])],
            ),
            vec![2, 3],
        ),
        (
            "subtract",
            spec(
                "sub",
                &["a", "b"],
                &["d"],
                r#"{"pattern":"primitive","params":{"op":"-"}}"#,
                &[(&[5, 3], &[2])],
            ),
            vec![5, 3],
        ),
        (
            "literal add",
            spec(
                "add5",
                &["n"],
                &["m"],
                r#"{"pattern":"literal-op","params":{"op":"+","n":5}}"#,
                &[(&[1], &[6])],
            ),
            vec![1],
        ),
        (
            "sum of squares",
            spec(
                "sumsq",
                &["a", "b"],
                &["s"],
                r#"{"pattern":"map-combine","params":{"f":"square","op":"+"}}"#,
                &[(&[3, 4], &[25])],
            ),
            vec![3, 4],
        ),
    ]
}

fn ops(c: &mut Criterion) {
    let mut g = Generator::new();
    let seed = seed();
    let mut grp = c.benchmark_group("wordgen-ops");
    for (name, s, input) in &seed {
        let w = g.generate(s).expect("seed spec generates");
        let declared = s.effect();
        let body = w.body.clone();
        grp.bench_function(BenchmarkId::new("verify", name), |b| {
            b.iter(|| verify(black_box(&body), black_box(&declared)))
        });
        grp.bench_function(BenchmarkId::new("run", name), |b| {
            b.iter(|| g.run(black_box(&w), black_box(input)).map(|s| s.len()))
        });
    }
    let add = seed[3].1.effect();
    let square = seed[1].1.effect();
    grp.bench_function("compose add;square", |b| {
        b.iter(|| compose_effects(black_box(&add), black_box(&square)))
    });
    grp.finish();

    let mut grp = c.benchmark_group("wordgen-generate");
    for (name, s, _) in [&seed[1], &seed[6]] {
        grp.bench_function(BenchmarkId::new("generate+verify (hint)", name), |b| {
            b.iter(|| g.generate(black_box(s)).map(|w| w.cases))
        });
    }
    let searched = spec("dbl", &["n"], &["m"], "", &[(&[4], &[8]), (&[-1], &[-2])]);
    grp.bench_function("generate+verify by search (double, no hint)", |b| {
        b.iter(|| g.generate(black_box(&searched)).map(|w| w.tried))
    });
    let text = serde_json::to_string(&seed[1].1).expect("json");
    grp.bench_function("parse+generate+verify square (JSON text)", |b| {
        b.iter(|| {
            let s = Spec::from_json(black_box(&text)).expect("valid");
            g.generate(&s).map(|w| w.cases)
        })
    });
    grp.finish();
}

fn store_vs_json(c: &mut Criterion) {
    const N: usize = 5000;
    let base = seed();
    let specs: Vec<Spec> = (0..N)
        .map(|i| {
            let mut s = base[i % base.len()].1.clone();
            s.word = format!("w{i}");
            s
        })
        .collect();
    let texts: Vec<String> = specs
        .iter()
        .map(|s| serde_json::to_string(s).expect("json"))
        .collect();
    let bytes = StoreBytes::from_slice(&store::build(&specs).expect("store"));
    let mut grp = c.benchmark_group("spec-store-5000");
    grp.sample_size(20);
    grp.bench_function("JSON: parse+validate 5000 specs", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| Spec::from_json(black_box(t)).map_or(0, |s| s.test_cases.len()))
                .sum::<usize>()
        })
    });
    grp.bench_function("rkyv: validate archive, read 5000 specs", |b| {
        b.iter(|| {
            let st = black_box(&bytes).access().expect("valid");
            st.iter().map(|s| s.test_cases.len()).sum::<usize>()
        })
    });
    let st = bytes.access().expect("valid");
    grp.bench_function("rkyv: find one spec by name (validated store)", |b| {
        b.iter(|| st.find(black_box("w4321")).map(|s| s.test_cases.len()))
    });
    grp.finish();
}

criterion_group!(benches, ops, store_vs_json);
criterion_main!(benches);
