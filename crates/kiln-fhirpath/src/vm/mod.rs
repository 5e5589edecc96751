//! The FHIRPath virtual machine: evaluates a [`Program`] over FHIR JSON.
//!
//! The VM is a stack of collections kept in one item vector (`stack`) with a
//! vector of frame starts (`frames`): pushing a collection is pushing its
//! items, popping is truncating. Lambda bodies run re-entrantly with a scope
//! (`$this`, `$index`, `$total`) pushed on `scopes`. All buffers live in a
//! [`Vm`] that is reused from one evaluation to the next, so a warm
//! evaluation of a path/`where`/`exists` expression allocates nothing but
//! its result.
//!
//! Resource limits (`kiln_core::Limits`): fuel is drawn per instruction and
//! per lambda iteration, the item stack is bounded, and block nesting is
//! bounded by the parser's nesting limit.

mod path;
mod pred;
mod run;
mod scoped;

pub use path::SimplePath;

use crate::compile::{Constant, Program};
use crate::model::Model;
use crate::temporal::DateTime;
use crate::value::{Node, Str, Value};
use kiln_core::{LimitExceeded, Limits, Span};
use rustc_hash::FxHashMap;
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

/// Values supplied by the caller for `%name` variables (`--var NAME=JSON`).
#[derive(Default, Debug, Clone)]
pub struct Variables<'a> {
    map: FxHashMap<String, Vec<Value<'a>>>,
}

impl<'a> Variables<'a> {
    /// No variables.
    pub fn new() -> Self {
        Variables::default()
    }

    /// Sets `%name` to `items`.
    pub fn set(&mut self, name: impl Into<String>, items: Vec<Value<'a>>) {
        self.map.insert(name.into(), items);
    }

    /// The items of `%name`.
    pub fn get(&self, name: &str) -> Option<&[Value<'a>]> {
        self.map.get(name).map(Vec::as_slice)
    }

    /// The names defined.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

/// Where `trace()` output goes: called with the trace name and the traced
/// collection rendered as JSON.
pub type TraceSink<'a> = &'a (dyn Fn(&str, &str) + Sync);

/// Everything an evaluation reads besides its own stack: the model, the
/// program, the context items and variables, the clock and the trace sink.
pub struct EvalCtx<'a> {
    /// The FHIR model.
    pub model: &'a Model,
    /// The compiled expression.
    pub program: &'a Program,
    /// `%context` and the initial `$this` (none when evaluating without input).
    pub context: Option<Node<'a>>,
    /// `%resource`.
    pub resource: Option<Node<'a>>,
    /// `%rootResource`.
    pub root_resource: Option<Node<'a>>,
    /// Caller-supplied variables.
    pub variables: Option<&'a Variables<'a>>,
    /// `now()` is fixed for the whole evaluation (spec §"now()").
    pub now: Cell<Option<DateTime>>,
    /// `trace()` output; `None` writes to stderr.
    pub trace: Option<TraceSink<'a>>,
    /// Resource limits.
    pub limits: Limits,
    /// Steps left: drawn per instruction, per lambda item and by functions
    /// in proportion to their work (set from `limits.fuel` by [`Vm::evaluate`]).
    pub fuel: Cell<u64>,
}

impl fmt::Debug for EvalCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvalCtx")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl<'a> EvalCtx<'a> {
    /// The evaluation's `now()`, read from the clock on first use.
    pub fn now(&self) -> DateTime {
        if let Some(n) = self.now.get() {
            return n;
        }
        let n = DateTime::now();
        self.now.set(Some(n));
        n
    }

    /// Takes `n` steps from the evaluation's budget.
    ///
    /// # Errors
    /// When the budget is exhausted (a runaway or oversized evaluation).
    #[inline]
    pub fn consume(&self, n: u64) -> Result<(), String> {
        match self.fuel.get().checked_sub(n) {
            Some(left) => {
                self.fuel.set(left);
                Ok(())
            }
            None => Err(LimitExceeded::Fuel.to_string()),
        }
    }

    /// Writes a `trace()` line.
    pub fn trace(&self, name: &str, items: &[Value<'a>]) {
        let rendered = crate::output::render_json_array(self.model, items);
        match self.trace {
            Some(sink) => sink(name, &rendered),
            None => eprintln!("trace: {name}: {rendered}"),
        }
    }
}

/// An execution error: what went wrong and where in the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    /// The message.
    pub message: String,
    /// The part of the expression that failed.
    pub span: Span,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

#[derive(Clone, Copy, Debug)]
struct Scope {
    this_start: u32,
    this_len: u32,
    index: i64,
    total_start: u32,
    total_len: u32,
    /// `scope_items.len()` when the scope was entered; leaving truncates to it.
    base: u32,
}

/// Reusable evaluation state (stacks and scratch buffers). Keep one per
/// thread and pass it to every evaluation to avoid allocating.
#[derive(Default)]
pub struct Vm<'a> {
    stack: Vec<Value<'a>>,
    frames: Vec<u32>,
    scope_items: Vec<Value<'a>>,
    scopes: Vec<Scope>,
    slots: Vec<Vec<Value<'a>>>,
    /// Variables bound by `defineVariable` with a computed name, most recent last.
    dynamic: Vec<(String, Vec<Value<'a>>)>,
    out: Vec<Value<'a>>,
    depth: u32,
}

impl fmt::Debug for Vm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Vm({} items, {} frames)",
            self.stack.len(),
            self.frames.len()
        )
    }
}

/// Most items the VM holds at once (a guard against runaway expressions such
/// as `repeatAll` over a cycle); counted against `Limits::max_memory`.
fn max_items(limits: &Limits) -> usize {
    (limits.max_memory / std::mem::size_of::<Value<'_>>()).max(1024)
}

impl<'a> Vm<'a> {
    /// A VM with empty buffers.
    pub fn new() -> Self {
        Vm::default()
    }

    /// Evaluates `ctx.program` and appends the result collection to `result`.
    ///
    /// # Errors
    /// [`EvalError`] for execution errors (spec: "signal an error to the
    /// calling environment") and exhausted limits.
    pub fn evaluate(
        &mut self,
        ctx: &EvalCtx<'a>,
        result: &mut Vec<Value<'a>>,
    ) -> Result<(), EvalError> {
        // The buffers are empty unless an earlier evaluation was abandoned
        // (clearing a vector of items is a call even when it is empty).
        if !self.stack.is_empty() || !self.scope_items.is_empty() {
            self.stack.clear();
            self.scope_items.clear();
        }
        self.frames.clear();
        self.scopes.clear();
        if self.slots.len() != ctx.program.slots as usize {
            self.slots.resize_with(ctx.program.slots as usize, Vec::new);
        }
        self.dynamic.clear();
        ctx.fuel.set(ctx.limits.fuel);
        self.depth = 0;
        let this_start = self.scope_items.len() as u32;
        if let Some(c) = ctx.context {
            self.scope_items.push(Value::Node(c));
        }
        self.scopes.push(Scope {
            this_start,
            this_len: self.scope_items.len() as u32 - this_start,
            index: 0,
            total_start: 0,
            total_len: 0,
            base: this_start,
        });
        let outcome = self.run_block(ctx, 0);
        if outcome.is_ok() {
            let start = self.frames.last().map_or(0, |&s| s as usize);
            if start == 0 {
                // The result is the whole stack: one block move.
                result.append(&mut self.stack);
            } else {
                result.extend(self.stack.drain(start..));
            }
        }
        if !self.stack.is_empty() {
            self.stack.clear();
        }
        if !self.scope_items.is_empty() {
            self.scope_items.clear();
        }
        self.frames.clear();
        for s in &mut self.slots {
            s.clear();
        }
        outcome
    }

    /// Forgets the lifetime of the buffers so that a `Vm` can be kept across
    /// evaluations of different documents (the buffers are empty between
    /// evaluations; their capacity is kept).
    pub fn recycle<'b>(self) -> Vm<'b> {
        let empty = recycle_values;
        Vm {
            stack: empty(self.stack),
            frames: self.frames,
            scope_items: empty(self.scope_items),
            scopes: self.scopes,
            slots: Vec::new(),
            dynamic: Vec::new(),
            out: empty(self.out),
            depth: 0,
        }
    }
}

/// Empties a result vector and gives it a new lifetime, keeping its
/// allocation, so one vector can receive the results of evaluations over
/// many documents (as [`Vm::recycle`] does for the VM's buffers). The
/// in-place collect of an empty iterator reuses the buffer.
pub fn recycle_values<'x, 'y>(mut v: Vec<Value<'x>>) -> Vec<Value<'y>> {
    v.clear();
    v.into_iter().map(|_| Value::Boolean(false)).collect()
}

/// Runs a program that reads no input (a folding candidate) and returns its
/// result as constants, or `None` if it fails or yields non-constant items.
pub fn evaluate_constant(program: &Program, model: &Model) -> Option<Vec<Constant>> {
    let ctx = EvalCtx {
        model,
        program,
        context: None,
        resource: None,
        root_resource: None,
        variables: None,
        now: Cell::new(None),
        trace: None,
        limits: Limits {
            fuel: 100_000,
            max_depth: 64,
            max_memory: 1 << 20,
        },
        fuel: Cell::new(0),
    };
    let mut vm = Vm::new();
    let mut result = Vec::new();
    vm.evaluate(&ctx, &mut result).ok()?;
    if result.len() > 64 {
        return None;
    }
    result
        .into_iter()
        .map(|v| {
            Some(match v {
                Value::Boolean(b) => Constant::Boolean(b),
                Value::Integer(i) => Constant::Integer(i),
                Value::Long(i) => Constant::Long(i),
                Value::Decimal(d) => Constant::Decimal(d),
                Value::String(s) => Constant::String((*s).into()),
                Value::Date(d) => Constant::Date(d),
                Value::DateTime(d) => Constant::DateTime(d),
                Value::Time(t) => Constant::Time(t),
                Value::Quantity(q) => Constant::Quantity(q),
                Value::Node(_) | Value::Object(_) => return None,
            })
        })
        .collect()
}

/// The items a constant stands for.
pub(crate) fn push_constant<'a>(c: &'a Constant, out: &mut Vec<Value<'a>>) {
    match c {
        Constant::Boolean(b) => out.push(Value::Boolean(*b)),
        Constant::Integer(i) => out.push(Value::Integer(*i)),
        Constant::Long(i) => out.push(Value::Long(*i)),
        Constant::Decimal(d) => out.push(Value::Decimal(*d)),
        Constant::String(s) => out.push(Value::String(Str::Borrowed(s))),
        Constant::Date(d) => out.push(Value::Date(*d)),
        Constant::DateTime(d) => out.push(Value::DateTime(*d)),
        Constant::Time(t) => out.push(Value::Time(*t)),
        Constant::Quantity(q) => out.push(Value::Quantity(Arc::clone(q))),
        Constant::Collection(items) => {
            for i in items {
                push_constant(i, out);
            }
        }
    }
}
