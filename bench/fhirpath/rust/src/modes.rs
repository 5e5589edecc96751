//! The measuring modes shared by every engine: (a) evaluation over prepared
//! inputs, (b) NDJSON end to end, (c) compile time, one streaming pass; the
//! command line, the rows file and the JSON printed on stdout.

use crate::engine::{Engine, Sink};
use crate::measure::{Budget, Pass, per_call, run_passes};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One benchmark row from the harness's rows file.
pub struct Row {
    pub id: String,
    pub expr: String,
    pub dataset: String,
    pub e2e: bool,
}

/// Command-line options (all modes share one flat set).
#[derive(Default)]
pub struct Opts {
    pub mode: String,
    pub engine: String,
    pub rows: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub defs: Option<PathBuf>,
    pub limit: Option<usize>,
    pub budget: f64,
    pub min_passes: usize,
    pub row: Option<String>,
    pub expr: Option<String>,
    pub file: Option<PathBuf>,
}

fn parse_args() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        mode: args
            .next()
            .ok_or("usage: peer-bench MODE [options] (see the source)")?,
        budget: 1.0,
        min_passes: 3,
        ..Opts::default()
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--engine" => o.engine = value()?,
            "--rows" => o.rows = Some(value()?.into()),
            "--data" => o.data = Some(value()?.into()),
            "--defs" => o.defs = Some(value()?.into()),
            "--limit" => o.limit = Some(value()?.parse().map_err(|e| format!("--limit: {e}"))?),
            "--budget" => o.budget = value()?.parse().map_err(|e| format!("--budget: {e}"))?,
            "--min-passes" => {
                o.min_passes = value()?.parse().map_err(|e| format!("--min-passes: {e}"))?;
            }
            "--row" => o.row = Some(value()?),
            "--expr" => o.expr = Some(value()?),
            "--file" => o.file = Some(value()?.into()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

pub fn load_rows(o: &Opts) -> Result<Vec<Row>, String> {
    let path = o.rows.as_ref().ok_or("--rows is required")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: Json = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let rows = json.as_array().ok_or("rows file: expected an array")?;
    let mut out = Vec::new();
    for r in rows {
        let s = |k: &str| {
            r.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let row = Row {
            id: s("id"),
            expr: s("expr"),
            dataset: s("dataset"),
            e2e: r.get("e2e").and_then(Json::as_bool).unwrap_or(false),
        };
        if o.row.as_ref().is_none_or(|only| *only == row.id) {
            out.push(row);
        }
    }
    // Group rows by dataset so each dataset is prepared once.
    out.sort_by(|a, b| a.dataset.cmp(&b.dataset));
    Ok(out)
}

fn dataset_path(o: &Opts, dataset: &str) -> Result<PathBuf, String> {
    let dir = o.data.as_ref().ok_or("--data is required")?;
    Ok(dir.join(format!("{dataset}.ndjson")))
}

fn read_lines(path: &Path, limit: Option<usize>) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(limit.unwrap_or(usize::MAX))
        .map(str::to_owned)
        .collect())
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = p.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".into()
    }
}

fn pass_json(p: &Pass) -> Json {
    json!({
        "items": p.items,
        "errors": p.errors,
        "first_error": p.first_error,
        "inputs": p.inputs,
        "out_bytes": p.out_bytes,
    })
}

/// A dataset's name, its lines, and its resources in an engine's input form
/// (empty for engines that prepare per expression).
type Prepared<I> = (String, Vec<String>, Result<Vec<I>, String>);

/// (a): per row, compile once, prepare every resource of the row's dataset,
/// then time evaluation passes.
fn mode_a<E: Engine>(e: &E, o: &Opts) -> Result<Json, String> {
    let rows = load_rows(o)?;
    let budget = Budget {
        time: Duration::from_secs_f64(o.budget),
        min_passes: o.min_passes,
        max_passes: 200,
    };
    let mut results = BTreeMap::new();
    // The dataset whose inputs are prepared, and those inputs (or why they are not).
    let mut current: Option<Prepared<E::Input>> = None;
    for row in &rows {
        if current.as_ref().is_none_or(|(d, _, _)| *d != row.dataset) {
            drop(current.take()); // free the previous dataset's inputs first
            let lines = read_lines(&dataset_path(o, &row.dataset)?, o.limit)?;
            let t = Instant::now();
            let prepared = if e.prepares_per_expression() {
                Ok(Vec::new())
            } else {
                catch_unwind(AssertUnwindSafe(|| {
                    lines
                        .iter()
                        .map(|l| e.prepare(l))
                        .collect::<Result<Vec<_>, _>>()
                }))
                .unwrap_or_else(|p| Err(panic_message(p)))
            };
            eprintln!(
                "  prepared {} {} inputs in {:.1} s",
                lines.len(),
                row.dataset,
                t.elapsed().as_secs_f64()
            );
            current = Some((row.dataset.clone(), lines, prepared));
        }
        let (lines, inputs) = match &current {
            Some((_, lines, Ok(inputs))) => (lines, inputs),
            Some((_, _, Err(err))) => {
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "input", "error": err}),
                );
                continue;
            }
            None => unreachable!(),
        };
        let compiled = match catch_unwind(AssertUnwindSafe(|| e.compile(&row.expr))) {
            Ok(Ok(c)) => c,
            Ok(Err(err)) => {
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
            Err(p) => {
                let err = panic_message(p);
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
        };
        // Engines whose input form depends on the expression prepare it now (not timed).
        let own: Vec<E::Input>;
        let inputs: &[E::Input] = if e.prepares_per_expression() {
            match catch_unwind(AssertUnwindSafe(|| {
                lines
                    .iter()
                    .map(|l| e.prepare_for(&compiled, l))
                    .collect::<Result<Vec<_>, _>>()
            }))
            .unwrap_or_else(|p| Err(panic_message(p)))
            {
                Ok(v) => {
                    own = v;
                    &own
                }
                Err(err) => {
                    results.insert(
                        row.id.clone(),
                        json!({"ok": false, "stage": "input", "error": err}),
                    );
                    continue;
                }
            }
        } else {
            inputs
        };
        let timed = catch_unwind(AssertUnwindSafe(|| {
            run_passes(budget, || e.eval_pass(&compiled, inputs))
        }));
        match timed {
            Ok(t) => {
                let n = inputs.len().max(1) as f64;
                let med = t.median();
                let all_failed = t.last.errors > 0 && t.last.errors == inputs.len() as u64;
                results.insert(
                    row.id.clone(),
                    json!({
                        "ok": !all_failed,
                        "stage": if all_failed { Some("eval") } else { None },
                        "error": if all_failed { t.last.first_error.clone() } else { None },
                        "us_per_input": med / n * 1e6,
                        "resources": inputs.len(),
                        "passes": t.passes.len(),
                        "pass_seconds": t.passes,
                        "last": pass_json(&t.last),
                    }),
                );
            }
            Err(p) => {
                let err = panic_message(p);
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "eval", "error": err}),
                );
            }
        }
        eprintln!("  a {}: done", row.id);
    }
    Ok(json!({"mode": "a", "rows": results}))
}

/// (b): per end-to-end row, the whole NDJSON text (already in memory) →
/// parsed → evaluated → rendered into a sink.
fn mode_b<E: Engine>(e: &E, o: &Opts) -> Result<Json, String> {
    let rows: Vec<Row> = load_rows(o)?
        .into_iter()
        .filter(|r| r.e2e || o.row.is_some())
        .collect();
    let budget = Budget {
        time: Duration::from_secs_f64(o.budget),
        min_passes: o.min_passes,
        max_passes: 50,
    };
    let mut results = BTreeMap::new();
    for row in &rows {
        let path = dataset_path(o, &row.dataset)?;
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let compiled = match catch_unwind(AssertUnwindSafe(|| e.compile(&row.expr))) {
            Ok(Ok(c)) => c,
            Ok(Err(err)) => {
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
            Err(p) => {
                let err = panic_message(p);
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
        };
        let timed = catch_unwind(AssertUnwindSafe(|| {
            run_passes(budget, || {
                let mut sink = Sink::default();
                let mut reader = text.as_bytes();
                let mut p = e.e2e_pass(&compiled, &mut reader, &mut sink);
                p.out_bytes = sink.finish();
                p
            })
        }));
        match timed {
            Ok(t) => {
                let n = t.last.inputs.max(1) as f64;
                let med = t.median();
                results.insert(
                    row.id.clone(),
                    json!({
                        "ok": t.last.errors < t.last.inputs,
                        "us_per_input": med / n * 1e6,
                        "seconds": med,
                        "bytes": text.len(),
                        "mb_per_s": text.len() as f64 / med / 1e6,
                        "resources": t.last.inputs,
                        "passes": t.passes.len(),
                        "pass_seconds": t.passes,
                        "last": pass_json(&t.last),
                    }),
                );
            }
            Err(p) => {
                let err = panic_message(p);
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "eval", "error": err}),
                );
            }
        }
        eprintln!("  b {}: done", row.id);
    }
    Ok(json!({"mode": "b", "rows": results}))
}

/// Appends a whitespace suffix that is unique for `n`, so peers that cache
/// compiled plans by source text (tlq, octofhir) really compile every time.
fn unique_source(buf: &mut String, expr: &str, mut n: u64) {
    buf.clear();
    buf.push_str(expr);
    buf.push(' ');
    loop {
        buf.push([' ', '\t', '\n'][(n % 3) as usize]);
        n /= 3;
        if n == 0 {
            break;
        }
    }
}

/// (c): compile time per expression (parse + check + compile), each call on a
/// never-seen source text.
fn mode_c<E: Engine>(e: &E, o: &Opts) -> Result<Json, String> {
    let rows = load_rows(o)?;
    let mut results = BTreeMap::new();
    let mut n = 0u64;
    let mut buf = String::new();
    // Total time per row ~ 7 batches of >= 10 ms, scaled by the budget.
    let batches = ((o.budget * 7.0).round() as usize).clamp(3, 15);
    for row in &rows {
        match catch_unwind(AssertUnwindSafe(|| e.compile(&row.expr).map(|_| ()))) {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
            Err(p) => {
                let err = panic_message(p);
                results.insert(
                    row.id.clone(),
                    json!({"ok": false, "stage": "compile", "error": err}),
                );
                continue;
            }
        }
        let secs = per_call(batches, 2000, || {
            unique_source(&mut buf, &row.expr, n);
            n += 1;
            drop(std::hint::black_box(e.compile(&buf)));
        });
        results.insert(
            row.id.clone(),
            json!({"ok": true, "us_per_compile": secs * 1e6}),
        );
    }
    Ok(json!({"mode": "c", "rows": results}))
}

/// One streaming pass over a (large) NDJSON file, read with a 64 KiB buffer.
fn mode_stream<E: Engine>(e: &E, o: &Opts) -> Result<Json, String> {
    let expr = o.expr.as_deref().ok_or("--expr is required")?;
    let path = o.file.as_ref().ok_or("--file is required")?;
    let compiled = e.compile(expr)?;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut sink = Sink::default();
    let t = Instant::now();
    let mut p = e.e2e_pass(&compiled, &mut reader, &mut sink);
    let secs = t.elapsed().as_secs_f64();
    p.out_bytes = sink.finish();
    Ok(json!({
        "mode": "stream",
        "seconds": secs,
        "bytes": bytes,
        "mb_per_s": bytes as f64 / secs / 1e6,
        "us_per_input": secs / p.inputs.max(1) as f64 * 1e6,
        "last": pass_json(&p),
        "vm_hwm_kb": vm_hwm_kb(),
    }))
}

/// Peak resident set size of this process so far (Linux `VmHWM`), in KiB.
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn dispatch<E: Engine>(e: &E, o: &Opts) -> Result<Json, String> {
    match o.mode.as_str() {
        "a" => mode_a(e, o),
        "b" => mode_b(e, o),
        "c" => mode_c(e, o),
        "stream" => mode_stream(e, o),
        m => Err(format!("unknown mode {m}")),
    }
}

/// Parses the command line, runs `run` and prints its JSON (adding the engine
/// name and wall time); failures are reported on stderr with exit status 1.
pub fn main_with(run: impl FnOnce(&Opts) -> Result<Json, String>) -> ExitCode {
    // Failures are reported in the JSON; keep peers' panic messages short.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        eprintln!("  (panic{at})");
    }));
    let started = Instant::now();
    let result = parse_args().and_then(|o| {
        let mut out = run(&o)?;
        out["engine"] = json!(o.engine);
        out["wall_seconds"] = json!(started.elapsed().as_secs_f64());
        Ok(out)
    });
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
