//! `kiln-forth`: a Forth 2012 system — threaded bytecode with
//! superinstructions, the standard word sets, and static stack-effect
//! inference and verification.
//!
//! * [`isa`]: the instruction set (one `kiln_core::define_isa!` block); the
//!   dispatch loop is `vm/run.rs`, its driver `vm/mod.rs` and [`system`].
//! * [`words`]: the table of built-in words (op sequences and system words)
//!   with their flags and stack effects; `sys.rs`, `files.rs`,
//!   `blocks.rs` implement the system words.
//! * [`Forth`]: a system — dictionary ([`dict`]), byte-addressed bounds-checked
//!   memory ([`memory`]), the outer interpreter (`interp.rs`) and compiler
//!   (`compiler.rs`).
//! * [`effect`] and [`infer`]: stack effects, their inference over compiled
//!   code (check mode, [`Forth::infer_word`]) and the text API
//!   ([`infer::infer`], [`infer::verify`], [`infer::compose`]).
//!
//! ```
//! let mut f = kiln_forth::Forth::with_options(kiln_forth::Options {
//!     capture_output: true,
//!     ..Default::default()
//! });
//! f.interpret("<doc>", ": sq ( n -- n ) dup * ; 7 sq .").unwrap();
//! assert_eq!(f.take_output(), b"49 ");
//! assert_eq!(kiln_forth::infer::infer("dup *").unwrap().to_string(), "( n -- n )");
//! ```
//!
//! Adding a word: a primitive that is one VM op (or a fixed op sequence)
//! goes in `words::OP_WORDS`; anything else is a `SysWord` line in
//! `words.rs` plus its arm in `sys.rs`. Adding an opcode: see [`isa`].
#![deny(missing_docs)]

mod blocks;
mod compiler;
mod diag;
pub mod dict;
pub mod effect;
pub mod error;
mod files;
pub mod infer;
mod interp;
pub mod isa;
pub mod jit;
pub mod layout;
mod listing;
pub mod memory;
pub mod numeric;
mod sys;
pub mod system;
pub mod vm;
pub mod wordgen;
pub mod words;

pub use diag::ForthError;
pub use effect::Effect;
pub use error::Throw;
pub use system::{CheckReport, Forth, Options};

use std::path::Path;

impl Forth {
    /// Interprets `text` as user input (SOURCE-ID 0); `name` labels it in
    /// diagnostics (`<expr>`, `<stdin>`). An uncaught exception resets the
    /// stacks and compilation state (as ABORT does) and is returned.
    ///
    /// # Errors
    /// The uncaught exception, with its location rendered. BYE is not an
    /// error: it returns `Ok` and [`Forth::bye_requested`] turns true.
    pub fn interpret(&mut self, name: &str, text: &str) -> Result<(), ForthError> {
        let r = self.interpret_text(name, text);
        self.conclude(r)
    }

    /// Interprets a file (INCLUDED).
    ///
    /// # Errors
    /// As [`Forth::interpret`]; a missing file is -38 (non-existent file).
    pub fn include(&mut self, path: &Path) -> Result<(), ForthError> {
        let r = self.include_path(path);
        self.conclude(r)
    }

    /// Fails if a colon definition is still open (the text ended inside
    /// it): -39, unexpected end of file, at the definition's name.
    ///
    /// # Errors
    /// The unterminated definition.
    pub fn finish(&mut self) -> Result<(), ForthError> {
        let Some(d) = self.def.clone() else {
            return Ok(());
        };
        let loc = self.word_loc(d.xt);
        let name = self.dict.words[d.xt as usize].name.to_string();
        self.reset();
        let message =
            format!("unexpected end of file (-39): definition of '{name}' is not closed with ';'");
        Err(ForthError {
            code: error::code::UNEXPECTED_EOF,
            rendered: self.render_at(loc, &message, &[]),
            message,
        })
    }

    fn conclude(&mut self, r: Result<(), Throw>) -> Result<(), ForthError> {
        match r {
            Ok(()) => Ok(()),
            Err(Throw(error::code::BYE)) => {
                self.out.flush();
                Ok(())
            }
            Err(e) => {
                let err = self.make_error(e);
                self.reset();
                Err(err)
            }
        }
    }
}
