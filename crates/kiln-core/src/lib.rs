//! `kiln-core`: the machinery every Kiln language shares.
//!
//! It owns source spans and diagnostics (one renderer for every language:
//! `file:line:col` plus a caret excerpt), the string interner ([`Sym`]), the
//! hash-deduplicated constant pool, typed index arenas, resource [`Limits`]
//! (fuel, depth, memory) and the [`define_isa!`] macro through which each
//! language declares its instruction set exactly once.
//!
//! Architecture invariant: this crate depends on no language crate and knows
//! nothing of any language (see `../shared/DESIGN.md`, "Dependencies point one
//! way").
#![deny(missing_docs)]

pub mod arena;
pub mod diagnostic;
pub mod interner;
pub mod isa;
pub mod limits;
pub mod pool;
pub mod ratchet;
pub mod span;

pub use arena::{Arena, Idx};
pub use diagnostic::{Diagnostic, Severity};
pub use interner::{Interner, Sym};
pub use isa::{Instruction, OperandValue};
pub use limits::{LimitExceeded, Limits};
pub use pool::{ConstIdx, ConstPool};
pub use span::Span;
