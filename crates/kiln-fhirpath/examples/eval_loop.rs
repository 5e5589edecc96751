//! Evaluates one expression over an NDJSON file's resources, `N` times, for
//! instruction-count profiling of the evaluation alone:
//!
//! ```text
//! cargo build --release -p kiln-fhirpath --example eval_loop
//! valgrind --tool=callgrind --toggle-collect=eval_loop::evaluate_all \
//!   target/release/examples/eval_loop "Patient.name.given" examples/fhir/patients.ndjson 10
//! ```
//!
//! Set `FULL_PARSE=1` to parse whole documents instead of their projections,
//! `PARSE_ONLY=1` to profile parsing (`eval_loop::parse_all`), `NO_FOLD=1` to
//! compile without constant folding, `NO_PRED=1` without filter predicates, `COMPACT=1` to
//! compact each parsed document (`Document::compact`), `FRESH_VM=1` to use a new `Vm` and
//! result vector for every evaluation instead of reusing them, `HELD=1` to print the
//! nodes and text bytes each held document keeps.

use kiln_fhirpath::{CompileOptions, Document, EvalOptions, Expression, Vm};

#[inline(never)]
fn parse_all(expr: &Expression, lines: &[&str], full: bool) -> Vec<Document> {
    let compact = std::env::var("COMPACT").is_ok();
    let mut scratch = Document::default();
    lines
        .iter()
        .map(|l| {
            if compact {
                // Parse into one scratch document, keep a compacted copy (as
                // the benchmark harness holds documents).
                let everything = kiln_fhirpath::reach::Projection::everything();
                let projection = if full { &everything } else { expr.projection() };
                scratch.reparse_str(l, projection).expect("json");
                return scratch.compacted();
            }
            let mut d = Document::default();
            if full {
                d.reparse((*l).to_string()).expect("json");
            } else {
                d.reparse_projected((*l).to_string(), expr.projection())
                    .expect("json");
            }
            d
        })
        .collect()
}

#[inline(never)]
fn evaluate_all(expr: &Expression, docs: &[Document], times: usize, fresh: bool) -> usize {
    let mut vm = Vm::new();
    let mut out = Vec::new();
    let mut n = 0;
    for _ in 0..times {
        for d in docs {
            if fresh {
                vm = Vm::new();
                out = Vec::new();
            }
            out.clear();
            expr.evaluate(Some(d), &EvalOptions::default(), &mut vm, &mut out)
                .expect("evaluates");
            n += out.len();
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(src), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: eval_loop EXPRESSION FILE.ndjson [TIMES]");
        std::process::exit(2);
    };
    let times: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(1);
    let options = CompileOptions {
        fold: std::env::var("NO_FOLD").is_err(),
        predicates: std::env::var("NO_PRED").is_err(),
        ..CompileOptions::default()
    };
    let expr = Expression::compile(src, &options).unwrap_or_else(|e| {
        eprint!("{}", e.render("<expr>"));
        std::process::exit(3)
    });
    let text = std::fs::read_to_string(file).expect("input file");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let full = std::env::var("FULL_PARSE").is_ok();
    let docs = parse_all(&expr, &lines, full);
    if std::env::var("PARSE_ONLY").is_ok() {
        for _ in 1..times {
            std::hint::black_box(parse_all(&expr, &lines, full));
        }
        return;
    }
    if std::env::var("HELD").is_ok() {
        let nodes: usize = docs.iter().map(Document::len).sum();
        let text: usize = docs.iter().map(|d| d.text().len()).sum();
        println!(
            "held: {} documents, {:.1} nodes and {:.0} text bytes per document",
            docs.len(),
            nodes as f64 / docs.len() as f64,
            text as f64 / docs.len() as f64
        );
    }
    let started = std::time::Instant::now();
    let n = evaluate_all(&expr, &docs, times, std::env::var("FRESH_VM").is_ok());
    let ns = started.elapsed().as_nanos() as f64 / (docs.len() * times) as f64;
    println!(
        "{} resources x {times}: {n} items, {ns:.0} ns per evaluation",
        docs.len()
    );
}
