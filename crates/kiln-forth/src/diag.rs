//! Uncaught exceptions as diagnostics: where an error happened (the word
//! being interpreted, and the compiled op that failed inside a definition)
//! and its rendering through `kiln_core::Diagnostic` as
//! `file:line:col: error: message` with a caret excerpt.

use crate::dict::{Loc, NONE};
use crate::error::{self, Throw, code};
use crate::system::Forth;
use kiln_core::{Diagnostic, Span};
use std::fmt;

/// What was noted when an exception was first raised.
#[derive(Clone, Debug)]
pub(crate) struct ErrorSite {
    /// The word being interpreted.
    pub at: Loc,
    /// The op that failed, when it was in compiled code.
    pub pc: Option<u32>,
}

/// An exception that no CATCH caught, ready to report.
#[derive(Clone, Debug)]
pub struct ForthError {
    /// The THROW code (table 9.1 for system errors).
    pub code: i64,
    /// One-line message (`division by zero (-10) in 'FOO'`).
    pub message: String,
    /// `file:line:col: error: …` with a caret excerpt and notes, or just
    /// `error: …` when no source location is known.
    pub rendered: String,
}

impl ForthError {
    /// True for errors in the program text rather than in running it
    /// (undefined word, control-structure mismatch, …): the CLI exits 3.
    pub fn is_syntax(&self) -> bool {
        error::is_syntax(self.code)
    }
}

impl fmt::Display for ForthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl std::error::Error for ForthError {}

impl Forth {
    /// Records where exception `e` arose, unless a site is already recorded.
    pub(crate) fn note_error(&mut self, e: Throw, pc: Option<u32>) {
        if self.err.is_none() {
            let _ = e;
            self.err = Some(ErrorSite {
                at: self.word_loc,
                pc,
            });
        }
    }

    /// `file:line:col` of a location, if known.
    pub fn describe_loc(&self, loc: Loc) -> Option<String> {
        let t = self.texts.get(loc.text as usize)?;
        let (line, col) = kiln_core::diagnostic::line_col(&t.text, loc.offset as usize);
        Some(format!("{}:{line}:{col}", t.name))
    }

    /// Renders a diagnostic at `loc` (or a plain `error:` line).
    pub(crate) fn render_at(&self, loc: Loc, message: &str, notes: &[String]) -> String {
        match self.texts.get(loc.text as usize) {
            Some(t) if loc.text != NONE => {
                let mut d =
                    Diagnostic::error(message, Span::new(loc.offset, loc.offset + loc.len.max(1)));
                for n in notes {
                    d = d.with_note(n.clone());
                }
                d.render(&t.name, &t.text)
            }
            _ => {
                let mut s = format!("error: {message}\n");
                for n in notes {
                    s.push_str(&format!("  = note: {n}\n"));
                }
                s
            }
        }
    }

    /// Turns an uncaught exception into a [`ForthError`] and clears the record.
    pub(crate) fn make_error(&mut self, e: Throw) -> ForthError {
        self.note_error(e, None);
        let site = self.err.take().unwrap_or(ErrorSite {
            at: self.word_loc,
            pc: None,
        });
        let word_text = self
            .texts
            .get(site.at.text as usize)
            .and_then(|t| {
                t.text
                    .get(site.at.offset as usize..(site.at.offset + site.at.len) as usize)
            })
            .unwrap_or("")
            .to_string();
        let mut message = match e.0 {
            code::UNDEFINED if !word_text.is_empty() => format!("undefined word '{word_text}'"),
            code::ABORT_QUOTE => match self.abort_msg.take() {
                Some(m) => format!("aborted: {m}"),
                None => "aborted".to_string(),
            },
            n => format!("{} ({n})", error::message(n)),
        };
        let mut loc = site.at;
        let mut notes = Vec::new();
        if let Some(pc) = site.pc
            && let Some(xt) = self.owner_of(pc)
            && let Some(w) = self.dict.words.get(xt as usize)
            && w.loc != Loc::NONE
        {
            let name = if w.name.is_empty() {
                ":NONAME".to_string()
            } else {
                w.name.to_string()
            };
            message.push_str(&format!(" in '{name}'"));
            if let Some(&op_loc) = self.locs.get(pc as usize)
                && op_loc.text != NONE
            {
                if let Some(at) = self.describe_loc(site.at)
                    && op_loc != site.at
                {
                    notes.push(format!("while interpreting '{word_text}' at {at}"));
                }
                loc = op_loc;
            }
        }
        let rendered = self.render_at(loc, &message, &notes);
        ForthError {
            code: e.0,
            message,
            rendered,
        }
    }
}
