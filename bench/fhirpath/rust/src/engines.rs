//! The engines under test: Kiln, tlq-fhirpath and octofhir-fhirpath behind the
//! `Engine` trait, each through its public API the way a user indexing many
//! resources would use it.

use crate::engine::{Engine, Sink, next_line};
use crate::measure::Pass;
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

// ---------------------------------------------------------------- Kiln

/// Kiln's FHIRPath through its public API (`Expression`, `Document`, `Vm`).
/// End to end it parses each line as `kiln fhirpath eval` does: with
/// `Document::reparse_projected` and the expression's projection (members the
/// expression can never reach are skipped), or with `--full-parse`'s
/// `Document::reparse` when `full_parse` is set.
pub struct Kiln {
    options: kiln_fhirpath::CompileOptions,
    full_parse: bool,
    /// The document each input is parsed into before a compacted copy of it
    /// is kept (see `prepare_for`).
    scratch: std::cell::RefCell<kiln_fhirpath::Document>,
}

impl Kiln {
    /// R4, default options (what `kiln fhirpath eval` uses).
    pub fn new(full_parse: bool) -> Kiln {
        Kiln {
            options: kiln_fhirpath::CompileOptions::default(),
            full_parse,
            scratch: std::cell::RefCell::default(),
        }
    }
}

impl Engine for Kiln {
    type Compiled = kiln_fhirpath::Expression;
    type Input = kiln_fhirpath::Document;

    fn compile(&self, expr: &str) -> Result<Self::Compiled, String> {
        kiln_fhirpath::Expression::compile(expr, &self.options).map_err(|e| e.render("<expr>"))
    }

    fn prepare(&self, line: &str) -> Result<Self::Input, String> {
        kiln_fhirpath::Document::parse(line).map_err(|e| e.to_string())
    }

    /// Kiln's default: the tape keeps only what the expression can reach
    /// (`Document::reparse_projected`, as `kiln fhirpath eval` parses); the
    /// `kiln-full` engine prepares whole documents.
    fn prepares_per_expression(&self) -> bool {
        !self.full_parse
    }

    fn prepare_for(&self, c: &Self::Compiled, line: &str) -> Result<Self::Input, String> {
        // Parsed resources held in memory keep only the bytes their nodes use
        // (`Document::compacted`): each line is parsed into one reused scratch
        // document and a compacted copy is kept, so the held documents lie in
        // memory one after another in input order.
        let mut scratch = self.scratch.borrow_mut();
        scratch
            .reparse_str(line, c.projection())
            .map_err(|e| e.to_string())?;
        Ok(scratch.compacted())
    }

    fn eval_pass(&self, c: &Self::Compiled, inputs: &[Self::Input]) -> Pass {
        let mut pass = Pass::default();
        let mut vm = kiln_fhirpath::Vm::new();
        let mut out = Vec::new();
        let options = kiln_fhirpath::EvalOptions::default();
        for doc in inputs {
            out.clear();
            match c.evaluate(Some(doc), &options, &mut vm, &mut out) {
                Ok(()) => pass.items += out.len() as u64,
                Err(e) => pass.fail(|| e.message.clone()),
            }
        }
        pass.inputs = inputs.len() as u64;
        pass
    }

    fn e2e_pass(&self, c: &Self::Compiled, reader: &mut dyn BufRead, sink: &mut Sink) -> Pass {
        let mut pass = Pass::default();
        let mut doc = kiln_fhirpath::Document::default();
        let mut stash: kiln_fhirpath::Vm<'static> = kiln_fhirpath::Vm::new();
        let mut out_stash: Vec<kiln_fhirpath::Value<'static>> = Vec::new();
        let mut rendered = String::new();
        let everything = kiln_fhirpath::reach::Projection::everything();
        let projection = if self.full_parse {
            &everything
        } else {
            c.projection()
        };
        // Lines are read as `kiln fhirpath eval` reads them
        // (`ndjson::for_each_line`: parsed in place from the reader's buffer
        // when they lie wholly inside it), their bytes validated once by
        // `Document::reparse_bytes` and copied into the document's own buffer.
        let mut process = |raw: &[u8]| {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            pass.inputs += 1;
            if let Err(e) = doc.reparse_bytes(raw, projection) {
                pass.fail(|| format!("json: {e}"));
                return;
            }
            let mut vm = std::mem::take(&mut stash).recycle();
            let mut out = kiln_fhirpath::recycle_values(std::mem::take(&mut out_stash));
            match c.evaluate(
                Some(&doc),
                &kiln_fhirpath::EvalOptions::default(),
                &mut vm,
                &mut out,
            ) {
                Ok(()) => {
                    pass.items += out.len() as u64;
                    rendered.clear();
                    kiln_fhirpath::output::write_json_array(c.model(), &out, &mut rendered);
                    sink.line(rendered.as_bytes());
                }
                Err(e) => pass.fail(|| e.message.clone()),
            }
            out_stash = kiln_fhirpath::recycle_values(out);
            stash = vm.recycle();
        };
        let mut spill = Vec::new();
        let read = kiln_fhirpath::ndjson::for_each_line(reader, &mut spill, &mut process);
        if let Err(e) = read {
            pass.fail(|| format!("read: {e}"));
        }
        pass
    }
}

// ---------------------------------------------------------------- tlq-fhirpath

/// tlq-fhirpath 0.1.10: bytecode plans over lazily read `serde_json` values,
/// typed with the R4 StructureDefinitions read from local files (its own
/// loader would download the package).
pub struct Tlq {
    engine: tlq_fhirpath::Engine,
}

impl Tlq {
    /// Loads `profiles-types.json` and `profiles-resources.json` from `defs`.
    pub fn new(defs: &Path) -> Result<Tlq, String> {
        let mut resources = Vec::new();
        for name in ["profiles-types.json", "profiles-resources.json"] {
            let path = defs.join(name);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let bundle: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let Some(entries) = bundle.get("entry").and_then(|e| e.as_array()) else {
                return Err(format!("{}: not a Bundle", path.display()));
            };
            for entry in entries {
                if let Some(r) = entry.get("resource") {
                    resources.push(r.clone());
                }
            }
        }
        let manifest: tlq_fhir_package::PackageManifest = serde_json::from_value(
            serde_json::json!({"name": "hl7.fhir.r4.core", "version": "4.0.1", "author": "HL7",
                               "fhirVersions": ["4.0.1"]}),
        )
        .map_err(|e| format!("manifest: {e}"))?;
        let package = tlq_fhir_package::FhirPackage::new(manifest, resources, Vec::new());
        let context = tlq_fhir_context::DefaultFhirContext::new(package);
        Ok(Tlq {
            engine: tlq_fhirpath::Engine::new(Arc::new(context), None),
        })
    }

    fn context(line: &str) -> Result<tlq_fhirpath::Context, String> {
        let json: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        Ok(tlq_fhirpath::Context::new(
            tlq_fhirpath::Value::from_json_root(Arc::new(json)),
        ))
    }
}

fn tlq_render(items: &tlq_fhirpath::Collection, out: &mut Vec<u8>) {
    use tlq_fhirpath::ToJson;
    let array = serde_json::Value::Array(items.iter().filter_map(|v| v.to_json()).collect());
    serde_json::to_writer(out, &array).expect("writing to a Vec");
}

impl Engine for Tlq {
    type Compiled = Arc<tlq_fhirpath::vm::Plan>;
    type Input = tlq_fhirpath::Context;

    fn compile(&self, expr: &str) -> Result<Self::Compiled, String> {
        self.engine.compile(expr, None).map_err(|e| e.to_string())
    }

    fn prepare(&self, line: &str) -> Result<Self::Input, String> {
        Tlq::context(line)
    }

    fn eval_pass(&self, c: &Self::Compiled, inputs: &[Self::Input]) -> Pass {
        let mut pass = Pass::default();
        for ctx in inputs {
            match self.engine.evaluate(c, ctx) {
                Ok(items) => pass.items += items.len() as u64,
                Err(e) => pass.fail(|| e.to_string()),
            }
        }
        pass.inputs = inputs.len() as u64;
        pass
    }

    fn e2e_pass(&self, c: &Self::Compiled, reader: &mut dyn BufRead, sink: &mut Sink) -> Pass {
        let mut pass = Pass::default();
        let mut line = String::new();
        while next_line(reader, &mut line, &mut pass) {
            let ctx = match Tlq::context(&line) {
                Ok(ctx) => ctx,
                Err(e) => {
                    pass.fail(|| format!("json: {e}"));
                    continue;
                }
            };
            match self.engine.evaluate(c, &ctx) {
                Ok(items) => {
                    pass.items += items.len() as u64;
                    tlq_render(&items, sink.buf());
                    sink.end_line();
                }
                Err(e) => pass.fail(|| e.to_string()),
            }
        }
        pass
    }
}

// ---------------------------------------------------------------- octofhir-fhirpath

/// octofhir-fhirpath 0.4.57 with the R4 model of octofhir-fhirschema's
/// embedded schemas. Its API is async: a single-threaded tokio runtime drives
/// it, one `block_on` per pass (not per resource). Each resource becomes a
/// `FhirPathValue::resource_from_arc` (its JSON → node conversion) in an
/// `EvaluationContext::new`, as octofhir's own benches do: the engine's
/// `prepare_context` gives the same results but measured 3–4× slower end to
/// end here (it weighs and caches every root).
pub struct Octo {
    rt: tokio::runtime::Runtime,
    engine: octofhir_fhirpath::FhirPathEngine,
    provider: Arc<dyn octofhir_fhirpath::ModelProvider + Send + Sync>,
}

impl Octo {
    /// The engine with the standard function registry and the embedded R4 schemas.
    pub fn new() -> Result<Octo, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?;
        let provider: Arc<dyn octofhir_fhirpath::ModelProvider + Send + Sync> =
            Arc::new(octofhir_fhirschema::EmbeddedSchemaProvider::r4());
        let engine = rt
            .block_on(octofhir_fhirpath::FhirPathEngine::new(
                Arc::new(octofhir_fhirpath::create_function_registry()),
                provider.clone(),
            ))
            .map_err(|e| e.to_string())?;
        Ok(Octo {
            rt,
            engine,
            provider,
        })
    }

    fn context(&self, line: &str) -> Result<octofhir_fhirpath::EvaluationContext, String> {
        let json: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        Ok(octofhir_fhirpath::EvaluationContext::new(
            octofhir_fhirpath::Collection::single(
                octofhir_fhirpath::FhirPathValue::resource_from_arc(Arc::new(json)),
            ),
            self.provider.clone(),
            None,
            None,
            None,
        ))
    }
}

fn octo_render(items: &octofhir_fhirpath::Collection, out: &mut Vec<u8>) {
    let array = serde_json::Value::Array(items.iter().map(|v| v.to_json_value()).collect());
    serde_json::to_writer(out, &array).expect("writing to a Vec");
}

impl Engine for Octo {
    type Compiled = Arc<octofhir_fhirpath::CompiledPlan>;
    type Input = octofhir_fhirpath::EvaluationContext;

    fn compile(&self, expr: &str) -> Result<Self::Compiled, String> {
        self.engine.compile_plan(expr).map_err(|e| e.to_string())
    }

    fn prepare(&self, line: &str) -> Result<Self::Input, String> {
        self.context(line)
    }

    fn eval_pass(&self, c: &Self::Compiled, inputs: &[Self::Input]) -> Pass {
        self.rt.block_on(async {
            let mut pass = Pass::default();
            for ctx in inputs {
                match self.engine.evaluate_plan(c, ctx).await {
                    Ok(r) => pass.items += r.value.len() as u64,
                    Err(e) => pass.fail(|| e.to_string()),
                }
            }
            pass.inputs = inputs.len() as u64;
            pass
        })
    }

    fn e2e_pass(&self, c: &Self::Compiled, reader: &mut dyn BufRead, sink: &mut Sink) -> Pass {
        self.rt.block_on(async {
            let mut pass = Pass::default();
            let mut line = String::new();
            while next_line(reader, &mut line, &mut pass) {
                let ctx = match self.context(&line) {
                    Ok(ctx) => ctx,
                    Err(e) => {
                        pass.fail(|| format!("json: {e}"));
                        continue;
                    }
                };
                match self.engine.evaluate_plan(c, &ctx).await {
                    Ok(r) => {
                        pass.items += r.value.len() as u64;
                        octo_render(&r.value, sink.buf());
                        sink.end_line();
                    }
                    Err(e) => pass.fail(|| e.to_string()),
                }
            }
            pass
        })
    }
}
