//! `kiln-fhirpath`: FHIRPath (HL7 FHIRPath N1 2.0.0 plus the 3.0.0 additions
//! the official R5 suite tests) over FHIR R4/R5 JSON.
//!
//! The crate owns the whole pipeline, source → tokens → AST → checks →
//! folding → bytecode → VM:
//!
//! * [`lexer`] and [`parser`]: text to an arena AST ([`ast`]) with spans; never panics.
//! * [`model`]: the FHIR R4/R5 type model generated from the FHIR definitions (see `model/README.md`).
//! * [`check`]: name resolution, variable scoping, static types, strict-mode path checks.
//! * [`compile`]: constant folding and bytecode for the instruction set in [`isa`].
//! * [`vm`]: the evaluator, over documents parsed by [`json`] and navigated by [`nav`].
//! * [`functions`], [`ops`]: the function catalogue and the operators, on the
//!   value types of [`value`], [`numeric`], [`quantity`] and [`temporal`].
//! * [`reach`]: which document paths an expression can reach (drives lazy JSON parsing).
//! * [`output`]: FHIR JSON and typed rendering of results.
//!
//! Start with [`Expression::compile`] and [`Expression::evaluate`].
#![deny(missing_docs)]

pub mod ast;
pub mod calendar;
pub mod check;
pub mod compile;
pub mod engine;
pub mod functions;
pub mod isa;
pub mod json;
pub mod lexer;
pub mod model;
pub mod nav;
pub mod ndjson;
pub mod numeric;
pub mod ops;
pub mod output;
pub mod parser;
pub mod pred;
pub mod quantity;
pub mod reach;
pub mod temporal;
pub mod value;
pub mod vm;

pub use engine::{CompileError, CompileOptions, ErrorKind, EvalOptions, Expression};
pub use json::Document;
pub use model::{FhirVersion, Model};
pub use value::Value;
pub use vm::{EvalError, Variables, Vm, recycle_values};
