//! The public entry points: compile an expression once ([`Expression::compile`]),
//! evaluate it many times ([`Expression::evaluate`]), from any thread.
//!
//! ```
//! use kiln_fhirpath::{CompileOptions, Document, Expression};
//! let expr = Expression::compile("Patient.name.where(use = 'official').given", &CompileOptions::default()).unwrap();
//! let doc = Document::parse(r#"{"resourceType":"Patient","name":[{"use":"official","given":["Peter","James"]}]}"#).unwrap();
//! let result = expr.evaluate_json(&doc).unwrap();
//! assert_eq!(result, r#"["Peter","James"]"#);
//! ```

use crate::check::{self, CheckOptions};
use crate::compile::{self, Program};
use crate::json::Document;
use crate::model::{FhirVersion, Model};
use crate::nav;
use crate::parser;
use crate::value::Value;
use crate::vm::{EvalCtx, EvalError, TraceSink, Variables, Vm};
use kiln_core::{Diagnostic, Limits};
use std::cell::Cell;
use std::fmt;

/// How to compile an expression.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Which FHIR model types the data (R4 by default).
    pub version: FhirVersion,
    /// Strict model checks: unknown paths are semantic errors (spec §"Type safety and strict evaluation").
    pub strict: bool,
    /// Accept choice elements with their type suffix (`Observation.valueQuantity`).
    pub lenient_choice: bool,
    /// The resource type of the context, when known (sharper static checks).
    pub context_type: Option<String>,
    /// Names of `%variables` the caller will supply.
    pub variables: Vec<String>,
    /// Fold constant sub-expressions (on by default).
    pub fold: bool,
    /// Evaluate filter lambdas (`where(use = 'official')`) as direct
    /// predicates where they qualify ([`crate::pred`]; on by default). Off,
    /// every lambda runs as bytecode — the same results, for comparison.
    pub predicates: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            version: FhirVersion::R4,
            strict: false,
            lenient_choice: false,
            context_type: None,
            variables: Vec::new(),
            fold: true,
            predicates: true,
        }
    }
}

/// Which phase rejected an expression (the CLI maps these to exit codes 3 and 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not FHIRPath.
    Syntax,
    /// The expression is well-formed but invalid: unknown function, wrong arity, type errors, unknown paths in strict mode.
    Semantic,
}

/// Why an expression did not compile, with diagnostics pointing into the source.
#[derive(Clone, Debug)]
pub struct CompileError {
    /// Syntax or semantic.
    pub kind: ErrorKind,
    /// One or more diagnostics (spans into `source`).
    pub diagnostics: Vec<Diagnostic>,
    /// The expression text.
    pub source: String,
}

impl CompileError {
    /// Renders every diagnostic with a caret excerpt; `file` names the source (`<expr>`).
    pub fn render(&self, file: &str) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(file, &self.source))
            .collect()
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render("<expr>"))
    }
}

impl std::error::Error for CompileError {}

/// A compiled FHIRPath expression: immutable, `Send + Sync`, reusable.
#[derive(Clone, Debug)]
pub struct Expression {
    program: Program,
    model: &'static Model,
    projection: crate::reach::Projection,
    /// The program as a plain navigation path, when it is one (run by [`Vm::evaluate_path`]).
    simple: Option<crate::vm::SimplePath>,
}

/// Per-evaluation settings.
#[derive(Clone, Copy, Default)]
pub struct EvalOptions<'a> {
    /// Values of `%variables`.
    pub variables: Option<&'a Variables<'a>>,
    /// Where `trace()` writes (stderr when `None`).
    pub trace: Option<TraceSink<'a>>,
    /// Resource limits; `Limits::default()` when `None`.
    pub limits: Option<Limits>,
}

impl fmt::Debug for EvalOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvalOptions")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Expression {
    /// Parses, checks, folds and compiles `source`.
    ///
    /// # Errors
    /// [`CompileError`] with the syntax or semantic diagnostics.
    pub fn compile(source: &str, options: &CompileOptions) -> Result<Expression, CompileError> {
        let parsed = parser::parse(source);
        if !parsed.diagnostics.is_empty() {
            return Err(CompileError {
                kind: ErrorKind::Syntax,
                diagnostics: parsed.diagnostics,
                source: source.into(),
            });
        }
        let model = Model::get(options.version);
        let context_type = options
            .context_type
            .as_deref()
            .and_then(|t| model.resolve_type(None, t));
        let analysis = check::check(
            &parsed.ast,
            &CheckOptions {
                model,
                strict: options.strict,
                lenient_choice: options.lenient_choice,
                context_type,
                variables: options.variables.clone(),
            },
        );
        if !analysis.diagnostics.is_empty() {
            return Err(CompileError {
                kind: ErrorKind::Semantic,
                diagnostics: analysis.diagnostics,
                source: source.into(),
            });
        }
        let program = compile::compile(
            &parsed.ast,
            &analysis,
            model,
            source,
            options.fold,
            options.predicates,
        );
        let projection = crate::reach::project(&parsed.ast, &analysis, model);
        let simple = crate::vm::SimplePath::detect(&program);
        Ok(Expression {
            program,
            model,
            projection,
            simple,
        })
    }

    /// The bytecode listing (`--explain`).
    pub fn explain(&self) -> String {
        self.program.listing()
    }

    /// The parts of a document this expression can reach: parse inputs with
    /// [`Document::reparse_projected`] to skip everything else.
    pub fn projection(&self) -> &crate::reach::Projection {
        &self.projection
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The FHIR model the expression was compiled against.
    pub fn model(&self) -> &'static Model {
        self.model
    }

    /// The expression's source text.
    pub fn source(&self) -> &str {
        &self.program.source
    }

    /// Evaluates over `input` (a resource, Bundle or any JSON; `None` to
    /// evaluate without input), appending the result to `result`. `vm` holds
    /// reusable buffers.
    ///
    /// # Errors
    /// [`EvalError`]: an execution error with the span of the failing part.
    pub fn evaluate<'a>(
        &'a self,
        input: Option<&'a Document>,
        options: &EvalOptions<'a>,
        vm: &mut Vm<'a>,
        result: &mut Vec<Value<'a>>,
    ) -> Result<(), EvalError> {
        if let Some(d) = input
            && d.is_projected()
            && d.len() >= crate::json::WARM_MIN_NODES
        {
            d.warm();
        }
        let root = input
            .filter(|d| !d.is_empty())
            .map(|d| nav::root_node(self.model, d));
        let limits = options.limits.unwrap_or_default();
        if let Some(path) = &self.simple
            && vm.evaluate_path(self.model, &self.program, path, root, &limits, result)
        {
            return Ok(());
        }
        let ctx = EvalCtx {
            model: self.model,
            program: &self.program,
            context: root,
            resource: root,
            root_resource: root,
            variables: options.variables,
            now: Cell::new(None),
            trace: options.trace,
            limits,
            fuel: Cell::new(0),
        };
        vm.evaluate(&ctx, result)
    }

    /// Evaluates over `doc` and renders the result as a JSON array (convenience for tests and one-off use).
    ///
    /// # Errors
    /// As [`Expression::evaluate`].
    pub fn evaluate_json(&self, doc: &Document) -> Result<String, EvalError> {
        let mut vm = Vm::new();
        let mut out = Vec::new();
        self.evaluate(Some(doc), &EvalOptions::default(), &mut vm, &mut out)?;
        Ok(crate::output::render_json_array(self.model, &out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// The plain-path fast path (`Vm::evaluate_path`) gives the general VM's
    /// results, and leaves limit errors to it.
    #[test]
    fn plain_paths_agree_with_the_general_vm() {
        let doc = Document::parse(
            r#"{"resourceType":"Patient","name":[{"given":["A","B"],"family":"F"},{"given":["C"]}],
               "identifier":[{"value":"1"},{"value":"2"}],"active":true,"_active":{"id":"x"},
               "contact":[{"name":{"given":["D"]}}],"deceasedBoolean":false}"#,
        )
        .unwrap();
        let run = |e: &Expression, opts: &EvalOptions<'_>| {
            let mut out = Vec::new();
            e.evaluate(Some(&doc), opts, &mut Vm::new(), &mut out)
                .map(|()| crate::output::render_typed_array(e.model(), &out))
                .map_err(|e| e.message)
        };
        let opts = EvalOptions::default();
        for src in [
            "Patient.name.given",
            "Patient.name",
            "Patient.identifier.value",
            "Patient.active",
            "Patient",
            "name.given",
            "name",
            "Patient.contact.name.given",
            "Patient.deceased",
            "Patient.missing",
            "Observation.status",
            "Patient.name.given.extension",
        ] {
            let fast = Expression::compile(src, &CompileOptions::default()).unwrap();
            assert!(fast.simple.is_some(), "{src} is a plain path");
            let general = Expression {
                simple: None,
                ..fast.clone()
            };
            assert_eq!(run(&fast, &opts), run(&general, &opts), "{src}");
            assert!(
                fast.evaluate(None, &opts, &mut Vm::new(), &mut Vec::new())
                    .is_ok()
            );
            // Limits: the fast path declines and the general VM reports.
            for limits in [
                kiln_core::Limits {
                    fuel: 1,
                    ..Default::default()
                },
                kiln_core::Limits {
                    max_depth: 0,
                    ..Default::default()
                },
            ] {
                let o = EvalOptions {
                    limits: Some(limits),
                    ..EvalOptions::default()
                };
                assert_eq!(run(&fast, &o), run(&general, &o), "{src} {limits:?}");
            }
        }
        for src in ["Patient.name.first()", "name.where(given = 'A')", "1 + 1"] {
            let e = Expression::compile(src, &CompileOptions::default()).unwrap();
            assert!(e.simple.is_none(), "{src} is not a plain path");
        }
    }

    #[test]
    fn expression_is_send_and_sync() {
        assert_send_sync::<Expression>();
        assert_send_sync::<Document>();
    }
}
