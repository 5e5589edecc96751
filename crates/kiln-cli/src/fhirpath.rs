//! `kiln fhirpath eval [--typed] [--strict] [--var NAME=JSON]... [--explain] EXPRESSION [FILE]...`
//! and `kiln fhirpath eval --expressions FILE [FILE]...`.
//!
//! FILE is `.json` (one resource, e.g. a Bundle), `.ndjson` (one resource per
//! line, read as a stream) or `-` (stdin; NDJSON when its first line is a
//! complete JSON value, else one document). Without FILE the expression is
//! evaluated once with no input. stdout gets one line per input resource: a
//! JSON array of the result collection (FHIR JSON, or `{"type","value"}`
//! items with `--typed`); with `--expressions` (one `name<TAB>expression` a
//! line) a JSON object keyed by name. A malformed NDJSON line or a failing
//! evaluation is reported on stderr as `FILE:LINE: …`, prints nothing on
//! stdout, and does not stop the other lines; the exit status is then 5 if
//! some evaluation failed, else 1.
//!
//! NDJSON is processed by `--threads N` workers (default: all cores): a
//! reader hands out batches of lines, workers parse and evaluate them, and
//! the writer puts results back in input order. At most a few batches are in
//! flight, so memory stays bounded however large the file.

use crate::exit;
use clap::{Args, Subcommand, ValueEnum};
use crossbeam_channel::{Receiver, Sender, bounded};
use kiln_core::Diagnostic;
use kiln_fhirpath::json::write_json_string;
use kiln_fhirpath::output::{write_json_array, write_typed_array};
use kiln_fhirpath::reach::Projection;
use kiln_fhirpath::{
    CompileOptions, Document, ErrorKind, EvalOptions, Expression, FhirVersion, Value, Variables,
    Vm, recycle_values,
};
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// FHIRPath subcommands.
#[derive(Subcommand, Debug)]
pub enum FhirpathCommand {
    /// Evaluate an expression over FHIR JSON (files, NDJSON streams or stdin).
    Eval(EvalArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Version {
    R4,
    R5,
}

/// Arguments of `kiln fhirpath eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Print each item as {"type": T, "value": V} (types and texts as the official suite writes them).
    #[arg(long)]
    typed: bool,
    /// Strict model checks: paths the FHIR model does not define are errors (exit 4).
    #[arg(long)]
    strict: bool,
    /// Define %NAME as a JSON value (an array gives a collection); repeatable.
    #[arg(long = "var", value_name = "NAME=JSON")]
    vars: Vec<String>,
    /// Print the bytecode listing instead of evaluating.
    #[arg(long)]
    explain: bool,
    /// FHIR version of the data.
    #[arg(long, value_enum, default_value = "r4")]
    fhir_version: Version,
    /// The resource type of every input, for sharper static checks (e.g. Patient).
    #[arg(long = "type", value_name = "TYPE")]
    context_type: Option<String>,
    /// Accept choice elements written with their type suffix (Observation.valueQuantity).
    #[arg(long)]
    allow_choice_suffix: bool,
    /// Evaluate many expressions in one pass: FILE has one `name<TAB>expression` a line; each
    /// resource gives one JSON object keyed by name. EXPRESSION is then omitted.
    #[arg(long, value_name = "FILE")]
    expressions: Option<PathBuf>,
    /// Worker threads for NDJSON input (default: all cores). Output stays in input order.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Show a progress bar on stderr (default: when stderr is a terminal and the input is a large file).
    #[arg(long, overrides_with = "no_progress")]
    progress: bool,
    /// Never show a progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Parse and validate every member of the input; by default members the
    /// expressions can never reach are skipped, not built.
    #[arg(long)]
    full_parse: bool,
    /// The FHIRPath expression, then input files (.json, .ndjson, or - for stdin).
    #[arg(value_name = "EXPRESSION [FILE]")]
    args: Vec<String>,
}

/// Runs a `kiln fhirpath` subcommand and returns the exit status.
pub fn run(cmd: FhirpathCommand) -> u8 {
    match cmd {
        FhirpathCommand::Eval(args) => eval(args),
    }
}

/// The compiled expressions of one run: a single unnamed one, or named ones.
#[derive(Clone)]
struct Job {
    exprs: Vec<(Option<String>, Expression)>,
    typed: bool,
    /// What the inputs are parsed into: the union of the expressions' projections.
    projection: Projection,
}

impl Job {
    /// Evaluates every expression over `doc` and appends the output line (with
    /// its newline) to `out`; on failure returns the message to report.
    /// `vm` and `results` are buffers kept between calls.
    fn render(
        &self,
        doc: Option<&Document>,
        vars: &Variables<'_>,
        vm: &mut Vm<'static>,
        results: &mut Vec<Value<'static>>,
        out: &mut String,
    ) -> Result<(), String> {
        let start = out.len();
        let named = self.exprs.first().is_some_and(|(n, _)| n.is_some());
        if named {
            out.push('{');
        }
        for (i, (name, expr)) in self.exprs.iter().enumerate() {
            let mut local = std::mem::take(vm).recycle();
            let mut result = recycle_values(std::mem::take(results));
            let options = EvalOptions {
                variables: Some(vars),
                ..EvalOptions::default()
            };
            let outcome = expr.evaluate(doc, &options, &mut local, &mut result);
            if let Err(e) = outcome {
                *vm = local.recycle();
                *results = recycle_values(result);
                out.truncate(start);
                let diag = Diagnostic::error(e.message.clone(), e.span);
                let label = name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                return Err(format!(
                    "evaluation failed{label}\n{}",
                    diag.render("<expr>", expr.source())
                ));
            }
            if let Some(n) = name {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(n, out);
                out.push(':');
            }
            let model = expr.model();
            if self.typed {
                write_typed_array(model, &result, out);
            } else {
                write_json_array(model, &result, out);
            }
            *results = recycle_values(result);
            *vm = local.recycle();
        }
        if named {
            out.push('}');
        }
        out.push('\n');
        Ok(())
    }
}

fn eval(args: EvalArgs) -> u8 {
    let mut positional = args.args.iter();
    let single = if args.expressions.is_some() {
        None
    } else {
        match positional.next() {
            Some(e) => Some(e.clone()),
            None => {
                eprintln!(
                    "error: missing EXPRESSION (or --expressions FILE)\n\nUsage: kiln fhirpath eval [OPTIONS] EXPRESSION [FILE]..."
                );
                return exit::USAGE;
            }
        }
    };
    let files: Vec<PathBuf> = positional.map(PathBuf::from).collect();

    // Variables: parse every --var value first (their documents outlive all evaluations).
    let mut var_docs: Vec<(String, Document)> = Vec::new();
    for v in &args.vars {
        let Some((name, json)) = v.split_once('=') else {
            eprintln!("error: --var expects NAME=JSON, got '{v}'");
            return exit::USAGE;
        };
        let name = name.trim_start_matches('%');
        match Document::parse(json) {
            Ok(doc) => var_docs.push((name.to_string(), doc)),
            Err(e) => {
                eprintln!("error: --var {name}: {e}");
                return exit::USAGE;
            }
        }
    }
    let options = CompileOptions {
        version: match args.fhir_version {
            Version::R4 => FhirVersion::R4,
            Version::R5 => FhirVersion::R5,
        },
        strict: args.strict,
        lenient_choice: args.allow_choice_suffix,
        context_type: args.context_type.clone(),
        variables: var_docs.iter().map(|(n, _)| n.clone()).collect(),
        ..CompileOptions::default()
    };

    // The expressions: one from the command line, or a name<TAB>expression file.
    let sources: Vec<(Option<String>, String, String)> = match (&single, &args.expressions) {
        (Some(e), _) => vec![(None, e.clone(), "<expr>".to_string())],
        (None, Some(path)) => match read_expressions(path) {
            Ok(list) => list,
            Err(code) => return code,
        },
        (None, None) => return exit::USAGE,
    };
    let mut exprs = Vec::with_capacity(sources.len());
    for (name, src, origin) in &sources {
        match Expression::compile(src, &options) {
            Ok(e) => exprs.push((name.clone(), e)),
            Err(err) => {
                eprint!("{}", err.render(origin));
                return match err.kind {
                    ErrorKind::Syntax => exit::SYNTAX,
                    ErrorKind::Semantic => exit::STATIC,
                };
            }
        }
    }
    if args.explain {
        for (name, e) in &exprs {
            if let Some(n) = name {
                println!("# {n}");
            }
            print!("{}", e.explain());
        }
        return exit::OK;
    }
    let mut projection = Projection::default();
    for (_, e) in &exprs {
        projection.merge(e.projection());
    }
    if args.full_parse {
        projection = Projection::everything();
    }
    let job = Job {
        exprs,
        typed: args.typed,
        projection,
    };

    let model = job.exprs[0].1.model();
    let mut variables = Variables::new();
    for (name, doc) in &var_docs {
        let root = kiln_fhirpath::nav::root_item(model, doc);
        let items: Vec<Value<'_>> = match (&root, doc.kind(doc.root())) {
            (Value::Node(n), kiln_fhirpath::json::Kind::Array) => doc
                .children(doc.root())
                .map(|c| {
                    Value::Node(kiln_fhirpath::value::Node {
                        doc: n.doc,
                        value: c,
                        ext: kiln_fhirpath::json::NONE,
                        ty: kiln_fhirpath::nav::resource_type_of(model, doc, c)
                            .unwrap_or(kiln_fhirpath::model::TypeId::ANY),
                    })
                })
                .collect(),
            _ => vec![root],
        };
        variables.set(name.clone(), items);
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let progress = if args.no_progress {
        Progress::Never
    } else if args.progress {
        Progress::Always
    } else {
        Progress::Auto
    };
    let stdout = io::stdout();
    let mut runner = Runner {
        job: &job,
        variables: &variables,
        stash: Vm::new(),
        results: Vec::new(),
        line: String::new(),
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        status: exit::OK,
        threads,
        progress,
    };
    if files.is_empty() {
        runner.evaluate(None, "<no input>", None);
    } else {
        for f in &files {
            runner.source(f);
        }
    }
    if let Err(e) = runner.out.flush()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("error: writing output: {e}");
        return exit::INPUT;
    }
    runner.status
}

/// Reads `name<TAB>expression` lines (blank lines and `#` comments ignored).
fn read_expressions(path: &Path) -> Result<Vec<(Option<String>, String, String)>, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        exit::INPUT
    })?;
    let mut list = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, expr)) = line.split_once('\t') else {
            eprintln!(
                "error: {}:{}: expected `name<TAB>expression`",
                path.display(),
                i + 1
            );
            return Err(exit::USAGE);
        };
        list.push((
            Some(name.trim().to_string()),
            expr.to_string(),
            format!("{}:{}", path.display(), i + 1),
        ));
    }
    if list.is_empty() {
        eprintln!("error: {}: no expressions", path.display());
        return Err(exit::USAGE);
    }
    Ok(list)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Progress {
    Auto,
    Always,
    Never,
}

/// Files smaller than this never get an automatic progress bar.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

struct Runner<'e, W: Write> {
    job: &'e Job,
    variables: &'e Variables<'e>,
    /// Evaluation buffers kept between documents.
    stash: Vm<'static>,
    results: Vec<Value<'static>>,
    line: String,
    out: W,
    status: u8,
    threads: usize,
    progress: Progress,
}

/// What a worker returns for one batch: the output text and the error reports, in line order.
struct BatchResult {
    index: u64,
    output: String,
    /// The chunk's buffer, handed back for reuse.
    chunk: Vec<u8>,
    /// Exit code, line within the chunk (0-based) and message of each error;
    /// the writer adds the file name and the line number (it alone knows
    /// how many lines came before the chunk).
    errors: Vec<(u8, usize, String)>,
    /// Lines in the chunk (its last line counts even without a newline).
    lines: usize,
    bytes: u64,
}

impl<W: Write> Runner<'_, W> {
    fn input_error(&mut self, message: String) {
        eprintln!("{message}");
        if self.status == exit::OK {
            self.status = exit::INPUT;
        }
    }

    fn write(&mut self, text: &str) {
        if self.out.write_all(text.as_bytes()).is_err() {
            // stdout closed (e.g. piped into `head`): stop quietly.
            let _ = io::stderr().flush();
            std::process::exit(i32::from(self.status));
        }
    }

    /// Evaluates over one document (or none) and writes its result line.
    fn evaluate(&mut self, doc: Option<&Document>, origin: &str, line: Option<usize>) {
        self.line.clear();
        let mut buf = std::mem::take(&mut self.line);
        match self.job.render(
            doc,
            self.variables,
            &mut self.stash,
            &mut self.results,
            &mut buf,
        ) {
            Ok(()) => self.write(&buf),
            Err(msg) => {
                let at = match line {
                    Some(l) => format!("{origin}:{l}"),
                    None => origin.to_string(),
                };
                eprint!("{at}: {msg}");
                self.status = exit::RUNTIME;
            }
        }
        self.line = buf;
    }

    fn source(&mut self, path: &Path) {
        let name = path.display().to_string();
        if name == "-" {
            let stdin = io::stdin();
            let mut reader = BufReader::with_capacity(1 << 16, stdin.lock());
            self.sniffed(&mut reader, "<stdin>", None);
            return;
        }
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.input_error(format!("error: {name}: {e}")),
        };
        let size = file.metadata().map(|m| m.len()).ok();
        let mut reader = BufReader::with_capacity(1 << 16, file);
        match path.extension().and_then(|e| e.to_str()) {
            Some("ndjson") | Some("jsonl") => {
                self.ndjson(&mut reader, &name, String::new(), 0, size)
            }
            Some("json") => self.whole(&mut reader, &name, String::new()),
            _ => self.sniffed(&mut reader, &name, size),
        }
    }

    /// Decides between NDJSON and one document from the first non-blank line.
    fn sniffed(&mut self, reader: &mut dyn BufRead, name: &str, size: Option<u64>) {
        let mut first = String::new();
        let mut skipped = 0;
        loop {
            first.clear();
            match reader.read_line(&mut first) {
                Ok(0) => return,
                Ok(_) if first.trim().is_empty() => skipped += 1,
                Ok(_) => break,
                Err(e) => return self.input_error(format!("error: {name}: {e}")),
            }
        }
        if Document::parse(first.trim_end()).is_ok() {
            self.ndjson(reader, name, first, skipped, size)
        } else {
            self.whole(reader, name, first)
        }
    }

    fn whole(&mut self, reader: &mut dyn BufRead, name: &str, mut text: String) {
        if let Err(e) = reader.read_to_string(&mut text) {
            return self.input_error(format!("error: {name}: {e}"));
        }
        let mut doc = Document::default();
        match doc.reparse_projected(text, &self.job.projection) {
            Ok(()) => self.evaluate(Some(&doc), name, None),
            Err(e) => self.input_error(format!("error: {name}: {e}")),
        }
    }

    fn progress_bar(&self, size: Option<u64>) -> Option<indicatif::ProgressBar> {
        let show = match self.progress {
            Progress::Never => false,
            Progress::Always => true,
            Progress::Auto => {
                io::stderr().is_terminal() && size.is_some_and(|s| s >= PROGRESS_MIN_BYTES)
            }
        };
        if !show {
            return None;
        }
        let bar = match size {
            Some(s) => indicatif::ProgressBar::new(s),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    }

    /// One resource per line, streamed: memory stays bounded by the batches in flight.
    fn ndjson(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        first: String,
        skipped: usize,
        size: Option<u64>,
    ) {
        let bar = self.progress_bar(size);
        if self.threads <= 1 {
            self.ndjson_sequential(reader, name, first, skipped, bar.as_ref());
        } else {
            self.ndjson_parallel(reader, name, first, skipped, bar.as_ref());
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    }

    fn ndjson_sequential(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        first: String,
        skipped: usize,
        bar: Option<&indicatif::ProgressBar>,
    ) {
        let mut doc = Document::default();
        let mut line_no = skipped;
        let mut process = |raw: &[u8]| {
            line_no += 1;
            if let Some(b) = bar {
                b.inc(raw.len() as u64 + 1);
            }
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            match doc.reparse_bytes(raw, &self.job.projection) {
                Ok(()) => self.evaluate(Some(&doc), name, Some(line_no)),
                Err(e) => self.input_error(format!("error: {name}:{line_no}: {e}")),
            }
        };
        if !first.is_empty() {
            process(
                first
                    .as_bytes()
                    .strip_suffix(b"\n")
                    .unwrap_or(first.as_bytes()),
            );
        }
        let mut spill = Vec::new();
        let read = kiln_fhirpath::ndjson::for_each_line(reader, &mut spill, &mut process);
        if let Err(e) = read {
            self.input_error(format!("error: {name}:{}: {e}", line_no + 1));
        }
    }

    /// Reader (this thread) → workers → this thread writing in order.
    ///
    /// The reader only does I/O: it hands out chunks of about 256 KiB cut at a
    /// newline, with the number of their first line. Workers split, validate
    /// (UTF-8) and parse the lines into a reused document, evaluate, and
    /// render the chunk's output into one string; this thread writes those
    /// strings in chunk order. At most `3 × threads` chunks are in flight.
    /// Chunk and output buffers circulate between this thread and the
    /// workers instead of being allocated per chunk (fresh megabyte buffers
    /// cost a page fault per 4 KiB: 0.25 s of system time per GB).
    fn ndjson_parallel(
        &mut self,
        reader: &mut dyn BufRead,
        name: &str,
        first: String,
        skipped: usize,
        bar: Option<&indicatif::ProgressBar>,
    ) {
        let threads = self.threads;
        let job = self.job;
        let variables = self.variables;
        type Work = (u64, Vec<u8>, String);
        let (work_tx, work_rx): (Sender<Work>, Receiver<Work>) = bounded(threads * 2);
        let (done_tx, done_rx): (Sender<BatchResult>, Receiver<BatchResult>) = bounded(threads * 2);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                scope.spawn(move || worker(job, variables, work_rx, done_tx));
            }
            drop(work_rx);
            drop(done_tx);
            let mut next_to_write: u64 = 0;
            let mut pending: BTreeMap<u64, BatchResult> = BTreeMap::new();
            let mut index: u64 = 0;
            let mut line_no = skipped + 1;
            // Bytes read past the last newline of the previous chunk.
            let mut carry: Vec<u8> = first.into_bytes();
            let mut free_chunks: Vec<Vec<u8>> = Vec::new();
            let mut free_outputs: Vec<String> = Vec::new();
            let mut eof = false;
            let mut read_error: Option<String> = None;
            let mut in_flight: u64 = 0;
            while !eof || in_flight > 0 {
                if !eof && in_flight < (threads * 3) as u64 {
                    let mut chunk = free_chunks.pop().unwrap_or_default();
                    chunk.clear();
                    chunk.reserve(carry.len() + CHUNK_BYTES);
                    chunk.extend_from_slice(&carry);
                    carry.clear();
                    // Read at least a chunk's worth of new bytes (a line longer
                    // than a chunk keeps growing the chunk until its newline).
                    let goal = chunk.len() + CHUNK_BYTES;
                    // Reads go straight into the chunk (a `BufReader` with an
                    // empty buffer passes large reads through).
                    while chunk.len() < goal {
                        let want = (goal - chunk.len()) as u64;
                        match (&mut *reader).take(want).read_to_end(&mut chunk) {
                            Ok(0) => {
                                eof = true;
                                break;
                            }
                            Ok(_) => {}
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => {
                                read_error = Some(format!("error: {name}: {e}"));
                                eof = true;
                                break;
                            }
                        }
                    }
                    if !eof {
                        // Cut after the last newline; the rest starts the next chunk.
                        match memchr_last_newline(&chunk) {
                            Some(cut) => {
                                carry.extend_from_slice(&chunk[cut + 1..]);
                                chunk.truncate(cut + 1);
                            }
                            None => {
                                std::mem::swap(&mut carry, &mut chunk);
                                free_chunks.push(chunk);
                                continue;
                            }
                        }
                    }
                    if !chunk.is_empty() {
                        // The workers count the chunk's lines (this thread only
                        // reads and writes, so it never scans the bytes).
                        let output = free_outputs.pop().unwrap_or_default();
                        if work_tx.send((index, chunk, output)).is_err() {
                            break;
                        }
                        index += 1;
                        in_flight += 1;
                    }
                    while let Ok(r) = done_rx.try_recv() {
                        in_flight -= 1;
                        pending.insert(r.index, r);
                    }
                } else {
                    match done_rx.recv() {
                        Ok(r) => {
                            in_flight -= 1;
                            pending.insert(r.index, r);
                        }
                        Err(_) => break,
                    }
                }
                while let Some(r) = pending.remove(&next_to_write) {
                    for (code, at, msg) in &r.errors {
                        let line = line_no + at;
                        if *code == exit::INPUT {
                            eprintln!("error: {name}:{line}: {msg}");
                        } else {
                            eprint!("{name}:{line}: {msg}");
                        }
                        if *code == exit::RUNTIME || self.status == exit::OK {
                            self.status = *code;
                        }
                    }
                    line_no += r.lines;
                    self.write(&r.output);
                    if let Some(b) = bar {
                        b.inc(r.bytes);
                    }
                    free_chunks.push(r.chunk);
                    free_outputs.push(r.output);
                    next_to_write += 1;
                }
            }
            drop(work_tx);
            if let Some(e) = read_error {
                self.input_error(e);
            }
        });
    }
}

/// Bytes per chunk handed to a worker.
const CHUNK_BYTES: usize = 1 << 18;

/// Index of the last `\n` in `bytes`.
fn memchr_last_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', bytes)
}

/// A worker: splits chunks into lines, parses and evaluates them, and renders
/// each chunk's output into one string.
fn worker(
    job: &Job,
    variables: &Variables<'_>,
    work: Receiver<(u64, Vec<u8>, String)>,
    done: Sender<BatchResult>,
) {
    // A copy of the job per worker: the navigation sites' inline caches are
    // then written by this thread only (no cache line bouncing between cores
    // on polymorphic sites such as a Bundle's `entry.resource.code`).
    let job = &job.clone();
    let mut doc = Document::default();
    let mut vm: Vm<'static> = Vm::new();
    let mut results: Vec<Value<'static>> = Vec::new();
    while let Ok((index, chunk, mut output)) = work.recv() {
        output.clear();
        let mut errors = Vec::new();
        let mut start = 0;
        let mut lines = 0;
        let ends = memchr::memchr_iter(b'\n', &chunk).chain(std::iter::once(chunk.len()));
        for (i, end) in ends.enumerate() {
            if end == chunk.len() && start == end {
                // The chunk ended with its newline: no line after it.
                break;
            }
            lines = i + 1;
            let raw = &chunk[start.min(end)..end];
            start = end + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match doc.reparse_bytes(raw, &job.projection) {
                Ok(()) => {
                    if let Err(msg) =
                        job.render(Some(&doc), variables, &mut vm, &mut results, &mut output)
                    {
                        errors.push((exit::RUNTIME, i, msg));
                    }
                }
                Err(e) => errors.push((exit::INPUT, i, e.to_string())),
            }
        }
        let bytes = chunk.len() as u64;
        if done
            .send(BatchResult {
                index,
                output,
                chunk,
                errors,
                lines,
                bytes,
            })
            .is_err()
        {
            return;
        }
    }
}
