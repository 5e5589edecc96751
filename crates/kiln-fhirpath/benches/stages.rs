//! criterion benches of each FHIRPath stage on the shipped Synthea sample:
//! lexing+parsing, compiling (parse + check + fold + bytecode), JSON parsing,
//! evaluation over pre-parsed resources, and NDJSON end to end.
//! Run: `cargo bench -p kiln-fhirpath --bench stages`.

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};
use std::path::PathBuf;

const PATIENT_EXPRS: &[&str] = &[
    "Patient.name.given",
    "Patient.name.where(use='official').family.first()",
    "Patient.telecom.where(system='phone').value",
    "Patient.birthDate < @1980-01-01",
];
const OBSERVATION_EXPRS: &[&str] = &[
    "Observation.value.ofType(Quantity).where(value > 100).unit",
    "Observation.code.coding.where(system='http://loinc.org').code",
];

fn sample(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fhir")
        .join(name);
    std::fs::read_to_string(p).expect("sample data")
}

fn docs(text: &str) -> Vec<Document> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| Document::parse(l).expect("json"))
        .collect()
}

fn parse_and_compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    for src in PATIENT_EXPRS.iter().chain(OBSERVATION_EXPRS) {
        g.bench_with_input(BenchmarkId::new("parse", src), src, |b, s| {
            b.iter(|| kiln_fhirpath::parser::parse(black_box(s)))
        });
        g.bench_with_input(BenchmarkId::new("compile", src), src, |b, s| {
            b.iter(|| {
                Expression::compile(black_box(s), &CompileOptions::default()).expect("compiles")
            })
        });
    }
    g.finish();
}

fn json(c: &mut Criterion) {
    let text = sample("patients.ndjson");
    let lines: Vec<&str> = text.lines().collect();
    let mut g = c.benchmark_group("json");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("kiln tape, 200 patients", |b| {
        let mut doc = Document::default();
        b.iter(|| {
            for l in &lines {
                doc.reparse((*l).to_string()).expect("json");
            }
        })
    });
    g.bench_function("serde_json Value, 200 patients", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(serde_json::from_str::<serde_json::Value>(l).expect("json"));
            }
        })
    });
    g.finish();
}

fn evaluate(c: &mut Criterion) {
    let patients = docs(&sample("patients.ndjson"));
    let observations = docs(&sample("observations.ndjson"));
    let mut g = c.benchmark_group("evaluate");
    for (set, exprs) in [
        (&patients, PATIENT_EXPRS),
        (&observations, OBSERVATION_EXPRS),
    ] {
        g.throughput(Throughput::Elements(set.len() as u64));
        for src in exprs {
            let expr = Expression::compile(src, &CompileOptions::default()).expect("compiles");
            g.bench_function(*src, |b| {
                let mut vm = Vm::new();
                let mut out = Vec::new();
                b.iter(|| {
                    for d in set.iter() {
                        out.clear();
                        expr.evaluate(Some(d), &EvalOptions::default(), &mut vm, &mut out)
                            .expect("evaluates");
                        black_box(out.len());
                    }
                })
            });
        }
    }
    g.finish();
}

/// (b) in process: NDJSON text → parse (projected) → evaluate → rendered lines,
/// beside the time to merely parse the same text with serde_json.
fn end_to_end(c: &mut Criterion) {
    let text = sample("patients.ndjson");
    let mut g = c.benchmark_group("ndjson end to end");
    g.throughput(Throughput::Bytes(text.len() as u64));
    let expr = Expression::compile(
        "Patient.name.where(use='official').family.first()",
        &CompileOptions::default(),
    )
    .expect("compiles");
    g.bench_function("kiln: parse + evaluate + render", |b| {
        let mut doc = Document::default();
        let mut out = String::new();
        b.iter(|| {
            out.clear();
            for line in text.lines() {
                doc.reparse_projected(line.to_string(), expr.projection())
                    .expect("json");
                let mut vm = Vm::new();
                let mut items = Vec::new();
                expr.evaluate(Some(&doc), &EvalOptions::default(), &mut vm, &mut items)
                    .expect("evaluates");
                out.push_str(&kiln_fhirpath::output::render_json_array(
                    expr.model(),
                    &items,
                ));
                out.push('\n');
            }
            black_box(out.len())
        })
    });
    g.bench_function("serde_json: parse only", |b| {
        b.iter(|| {
            for line in text.lines() {
                black_box(serde_json::from_str::<serde_json::Value>(line).expect("json"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, parse_and_compile, json, evaluate, end_to_end);
criterion_main!(benches);
