//! `kiln fhirpath eval [--typed] [--strict] [--var NAME=JSON]... [--explain] EXPRESSION [FILE]...`
//!
//! FILE is `.json` (one resource, e.g. a Bundle), `.ndjson` (one resource per
//! line, read as a stream) or `-` (stdin; NDJSON when its first line is a
//! complete JSON value, else one document). Without FILE the expression is
//! evaluated once with no input. stdout gets one line per input resource: a
//! JSON array of the result collection (FHIR JSON, or `{"type","value"}`
//! items with `--typed`). A malformed NDJSON line or a failing evaluation is
//! reported on stderr as `FILE:LINE: …`, prints nothing on stdout, and does
//! not stop the other lines; the exit status is then 5 if some evaluation
//! failed, else 1.

use crate::exit;
use clap::{Args, Subcommand, ValueEnum};
use kiln_core::Diagnostic;
use kiln_fhirpath::output::{render_json_array, render_typed_array};
use kiln_fhirpath::{
    CompileOptions, Document, ErrorKind, EvalOptions, Expression, FhirVersion, Value, Variables, Vm,
};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
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
    /// The FHIRPath expression.
    expression: String,
    /// Input files: .json, .ndjson, or - for stdin.
    files: Vec<PathBuf>,
}

/// Runs a `kiln fhirpath` subcommand and returns the exit status.
pub fn run(cmd: FhirpathCommand) -> u8 {
    match cmd {
        FhirpathCommand::Eval(args) => eval(args),
    }
}

fn eval(args: EvalArgs) -> u8 {
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
    let expr = match Expression::compile(&args.expression, &options) {
        Ok(e) => e,
        Err(err) => {
            eprint!("{}", err.render("<expr>"));
            return match err.kind {
                ErrorKind::Syntax => exit::SYNTAX,
                ErrorKind::Semantic => exit::STATIC,
            };
        }
    };
    if args.explain {
        print!("{}", expr.explain());
        return exit::OK;
    }
    let model = expr.model();
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
    let stdout = io::stdout();
    let mut runner = Runner {
        expr: &expr,
        typed: args.typed,
        variables: &variables,
        stash: Vm::new(),
        out: BufWriter::with_capacity(1 << 16, stdout.lock()),
        status: exit::OK,
    };
    if args.files.is_empty() {
        runner.evaluate(None, "<no input>", None);
    } else {
        for f in &args.files {
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

struct Runner<'e, W: Write> {
    expr: &'e Expression,
    typed: bool,
    variables: &'e Variables<'e>,
    /// Evaluation buffers kept between documents.
    stash: Vm<'static>,
    out: W,
    status: u8,
}

impl<W: Write> Runner<'_, W> {
    fn input_error(&mut self, message: String) {
        eprintln!("{message}");
        if self.status == exit::OK {
            self.status = exit::INPUT;
        }
    }

    /// Evaluates over one document (or none) and writes its result line.
    fn evaluate(&mut self, doc: Option<&Document>, origin: &str, line: Option<usize>) {
        let mut vm = std::mem::take(&mut self.stash).recycle();
        let mut result = Vec::new();
        let options = EvalOptions {
            variables: Some(self.variables),
            ..EvalOptions::default()
        };
        match self.expr.evaluate(doc, &options, &mut vm, &mut result) {
            Ok(()) => {
                let model = self.expr.model();
                let text = if self.typed {
                    render_typed_array(model, &result)
                } else {
                    render_json_array(model, &result)
                };
                if writeln!(self.out, "{text}").is_err() {
                    // stdout closed (e.g. piped into `head`): stop quietly.
                    std::process::exit(i32::from(self.status));
                }
            }
            Err(e) => {
                let at = match line {
                    Some(l) => format!("{origin}:{l}"),
                    None => origin.to_string(),
                };
                let diag = Diagnostic::error(e.message.clone(), e.span);
                eprint!(
                    "{at}: evaluation failed\n{}",
                    diag.render("<expr>", self.expr.source())
                );
                self.status = exit::RUNTIME;
            }
        }
        drop(result);
        self.stash = vm.recycle();
    }

    fn source(&mut self, path: &Path) {
        let name = path.display().to_string();
        if name == "-" {
            let stdin = io::stdin();
            let mut reader = BufReader::with_capacity(1 << 16, stdin.lock());
            self.sniffed(&mut reader, "<stdin>");
            return;
        }
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => return self.input_error(format!("error: {name}: {e}")),
        };
        let mut reader = BufReader::with_capacity(1 << 16, file);
        match path.extension().and_then(|e| e.to_str()) {
            Some("ndjson") | Some("jsonl") => self.ndjson(&mut reader, &name, String::new(), 0),
            Some("json") => self.whole(&mut reader, &name, String::new()),
            _ => self.sniffed(&mut reader, &name),
        }
    }

    /// Decides between NDJSON and one document from the first non-blank line.
    fn sniffed(&mut self, reader: &mut dyn BufRead, name: &str) {
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
            self.ndjson(reader, name, first, skipped)
        } else {
            self.whole(reader, name, first)
        }
    }

    fn whole(&mut self, reader: &mut dyn BufRead, name: &str, mut text: String) {
        if let Err(e) = reader.read_to_string(&mut text) {
            return self.input_error(format!("error: {name}: {e}"));
        }
        match Document::parse(text) {
            Ok(doc) => self.evaluate(Some(&doc), name, None),
            Err(e) => self.input_error(format!("error: {name}: {e}")),
        }
    }

    /// One resource per line, streamed: memory stays bounded by the longest line.
    fn ndjson(&mut self, reader: &mut dyn BufRead, name: &str, first: String, skipped: usize) {
        let mut doc = Document::default();
        let mut line_no = skipped;
        let mut pending = Some(first).filter(|f| !f.is_empty());
        let mut buf = String::new();
        loop {
            let line = match pending.take() {
                Some(l) => l,
                None => {
                    buf.clear();
                    match reader.read_line(&mut buf) {
                        Ok(0) => return,
                        Ok(_) => std::mem::take(&mut buf),
                        Err(e) => {
                            return self.input_error(format!("error: {name}:{}: {e}", line_no + 1));
                        }
                    }
                }
            };
            line_no += 1;
            let trimmed = line.trim_end_matches(['\n', '\r']);
            if trimmed.trim().is_empty() {
                continue;
            }
            let text = if trimmed.len() == line.len() {
                line
            } else {
                trimmed.to_string()
            };
            match doc.reparse(text) {
                Ok(()) => self.evaluate(Some(&doc), name, Some(line_no)),
                Err(e) => self.input_error(format!("error: {name}:{line_no}: {e}")),
            }
        }
    }
}
