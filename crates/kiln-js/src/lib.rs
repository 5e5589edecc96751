//! Kiln's JavaScript engine: `oxc_parser` front end (plus `oxc_semantic`'s
//! early errors), Kiln's own register bytecode compiler (`compiler.rs`,
//! instruction set in `isa.rs`), one dispatch loop (`vm/run.rs`), objects
//! with hidden classes and inline caches, a mark-sweep collector
//! (`heap.rs`) and the core built-ins (`builtins/`).
//!
//! Entry points: [`Engine`] (a realm that evaluates scripts and drains the
//! job queue) and [`explain`] (the `--explain` bytecode listing).

#![warn(missing_docs)]
// Style lints this crate opts out of, each for a reason: native functions are
// identified by address (`fn_to_numeric_cast`); `from_str` constructors are
// infallible, unlike `FromStr` (`should_implement_trait`); the VM's tuple
// returns are local (`type_complexity`).
#![allow(
    clippy::fn_to_numeric_cast,
    clippy::ptr_eq,
    clippy::should_implement_trait,
    clippy::type_complexity,
    clippy::redundant_closure_call,
    clippy::collapsible_match,
    dead_code
)]

pub mod acc_model;
pub mod builtins;
pub mod compiler;
pub mod heap;
pub mod ic;
pub mod isa;
pub mod ops;
pub mod slot;
pub mod value;
pub mod vm;

use std::rc::Rc;

pub use slot::Slot;
pub use value::Value;
pub use vm::Vm;

/// Maximum source nesting depth accepted by the compiler (deeper input is a
/// SyntaxError instead of a Rust stack overflow).
pub const MAX_NESTING: u32 = 400;

/// Why evaluating a script failed.
#[derive(Debug, Clone)]
pub enum JsError {
    /// Early (parse or static semantic) error: message, file, 1-based line and column.
    Syntax {
        /// What is wrong.
        message: String,
        /// Script name.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column (characters).
        col: u32,
    },
    /// An uncaught exception: the rendered report (`file:line:col`, message, stack).
    Runtime {
        /// `Name: message` of the thrown value.
        message: String,
        /// The full report (location line, message, stack trace).
        report: String,
    },
}

impl std::fmt::Display for JsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsError::Syntax {
                message,
                file,
                line,
                col,
            } => write!(f, "{file}:{line}:{col}: SyntaxError: {message}"),
            JsError::Runtime { report, .. } => f.write_str(report),
        }
    }
}

/// A JavaScript realm with its VM.
pub struct Engine {
    /// The VM (heap, realm, job queue).
    pub vm: Vm,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// Parses and compiles `text` into top-level [`compiler::Code`].
///
/// # Errors
/// [`JsError::Syntax`] for parse errors, early errors and nesting beyond [`MAX_NESTING`].
pub fn compile(
    name: &str,
    text: &str,
    strict: bool,
    module: bool,
    want_completion: bool,
) -> Result<Rc<compiler::Code>, JsError> {
    use oxc_allocator::Allocator;
    use oxc_span::SourceType;
    let source = Rc::new(compiler::Source::new(name, text));
    let syntax = |off: u32, message: String| {
        let (line, col) = source.line_col(off);
        JsError::Syntax {
            message,
            file: name.to_string(),
            line,
            col,
        }
    };
    if let Some(off) = nesting_too_deep(text) {
        return Err(syntax(off, "nesting too deep".into()));
    }
    let alloc = Allocator::default();
    let st = if module {
        SourceType::mjs()
    } else {
        SourceType::cjs()
    };
    let ret = oxc_parser::Parser::new(&alloc, text, st).parse();
    if let Some(e) = ret.diagnostics.first() {
        let off = e.labels.first().map_or(0, |l| l.offset());
        return Err(syntax(off, e.message.to_string()));
    }
    if ret.panicked {
        return Err(syntax(0, "unrecoverable parse error".into()));
    }
    let sem = oxc_semantic::SemanticBuilder::new()
        .with_check_syntax_error(true)
        .build(&ret.program);
    if let Some(e) = sem.diagnostics.first() {
        let off = e.labels.first().map_or(0, |l| l.offset());
        return Err(syntax(off, e.message.to_string()));
    }
    let program = ret.program;
    let mut c = compiler::Compiler::new(source.clone());
    c.want_completion = want_completion;
    c.force_strict = strict;
    c.compile_script(&program)
        .map_err(|e| syntax(e.offset, e.message))
}

/// Cheap pre-pass: the byte offset where bracket nesting exceeds [`MAX_NESTING`].
fn nesting_too_deep(text: &str) -> Option<u32> {
    let mut depth: u32 = 0;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i as u32);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The `--explain` listing of a script: every function's instructions.
///
/// # Errors
/// [`JsError::Syntax`] when the script does not compile.
pub fn explain(name: &str, text: &str) -> Result<String, JsError> {
    let code = compile(name, text, false, false, false)?;
    let mut out = String::new();
    code.listing(&mut out);
    Ok(out)
}

impl Engine {
    /// A fresh realm with all built-ins.
    pub fn new() -> Engine {
        Engine { vm: Vm::new() }
    }

    /// Evaluates a script, then runs the job queue. Returns the completion value
    /// (only meaningful with `want_completion`).
    ///
    /// # Errors
    /// Syntax errors before running; an uncaught exception (with report).
    pub fn eval(
        &mut self,
        name: &str,
        text: &str,
        want_completion: bool,
    ) -> Result<Value, JsError> {
        let code = compile(name, text, false, false, want_completion)?;
        let r = self.vm.run_script(code);
        let r = r.and_then(|v| self.vm.run_jobs().map(|_| v));
        let v = r.map_err(|e| self.runtime_error(&e))?;
        match self.unhandled_rejection() {
            Some(e) => {
                let err = self.runtime_error(&e);
                let JsError::Runtime { message, report } = err else {
                    return Err(err);
                };
                Err(JsError::Runtime {
                    report: report.replacen("Uncaught ", "Uncaught (in promise) ", 1),
                    message,
                })
            }
            None => Ok(v),
        }
    }

    /// The reason of the first promise rejected without a handler that still
    /// has none (node reports these as an uncaught error after the job queue
    /// drains); clears the tracker.
    pub fn unhandled_rejection(&mut self) -> Option<Value> {
        let tracked = std::mem::take(&mut self.vm.rejections);
        tracked
            .into_iter()
            .find_map(|p| match &self.vm.heap.get(p).class {
                heap::Class::Promise(d) if !d.handled => Some(d.result.clone()),
                _ => None,
            })
    }

    /// Evaluates without draining jobs and returns the raw thrown value on error.
    ///
    /// # Errors
    /// `Err(Ok(syntax))` for early errors, `Err(Err(value))` for a thrown value.
    pub fn eval_raw(
        &mut self,
        name: &str,
        text: &str,
        strict: bool,
        module: bool,
    ) -> Result<Value, Result<JsError, Value>> {
        let code = compile(name, text, strict, module, false).map_err(Ok)?;
        self.vm.run_script(code).map_err(Err)
    }

    /// Renders an uncaught exception like node: location, `Name: message`, stack.
    pub fn runtime_error(&mut self, e: &Value) -> JsError {
        let message = builtins::error_summary(&mut self.vm, e);
        let stack = match e {
            Value::Obj(_) => match self.vm.get_str(e, "stack") {
                Ok(Value::Str(s)) => s.to_rust(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let loc = stack
            .lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_prefix("at ")
                    .and_then(|r| r.rsplit_once('('))
                    .map(|(_, p)| p.trim_end_matches(')').to_string())
            })
            .unwrap_or_else(|| "<unknown>".into());
        let trace: String = stack
            .lines()
            .filter(|l| l.trim_start().starts_with("at "))
            .map(|l| format!("{l}\n"))
            .collect();
        let report = format!("{loc}\nUncaught {message}\n{trace}");
        JsError::Runtime { message, report }
    }

    /// Output captured by `console.log` / `print` when capturing is on.
    pub fn take_output(&mut self) -> String {
        self.vm
            .output
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Formats a value like node's REPL echo (strings quoted).
    pub fn inspect_repl(&mut self, v: &Value) -> String {
        builtins::inspect_repl(&mut self.vm, v)
    }

    /// Formats a value like `console.log`.
    pub fn inspect(&mut self, v: &Value) -> String {
        builtins::inspect(&mut self.vm, v)
    }
}
