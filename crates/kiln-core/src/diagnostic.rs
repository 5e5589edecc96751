//! Diagnostics with source spans, and the one renderer all Kiln languages use.
//!
//! A rendered diagnostic reads like rustc's and like every other Kiln tool:
//!
//! ```text
//! <expr>:1:13: error: expected an expression, found ')'
//!   |
//! 1 | Patient.name)
//!   |             ^
//! ```

use crate::span::Span;
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The source is rejected.
    Error,
    /// The source is accepted but probably wrong.
    Warning,
}

impl Severity {
    /// The lowercase word printed before the message (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One message about a piece of source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The main message, one line, lowercase first word, no trailing period.
    pub message: String,
    /// The offending source range (bytes).
    pub span: Span,
    /// Extra lines printed after the excerpt as `= note: ...`.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span,
            notes: Vec::new(),
        }
    }

    /// Adds a `= note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// 1-based line and column (in characters) of the span's start in `source`.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start as usize)
    }

    /// Renders `file:line:col: severity: message`, then the source line with a
    /// caret (`^^^`) under the span, then the notes. `file` names the source
    /// (`<expr>` for command-line text). Never panics, whatever the span.
    pub fn render(&self, file: &str, source: &str) -> String {
        let start = (self.span.start as usize).min(source.len());
        let start = floor_char_boundary(source, start);
        let end = floor_char_boundary(source, (self.span.end as usize).clamp(start, source.len()));
        let (line, col) = line_col(source, start);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{file}:{line}:{col}: {}: {}",
            self.severity.as_str(),
            self.message
        );
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = source[line_start..line_end].trim_end_matches('\r');
        let gutter = line.to_string();
        let pad = " ".repeat(gutter.len());
        let shown: String = text
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let caret_col = source[line_start..start].chars().count();
        let caret_end = end.min(line_start + text.len()).max(start);
        let caret_len = source[start..caret_end].chars().count().max(1);
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{gutter} | {shown}");
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(caret_col),
            "^".repeat(caret_len)
        );
        for note in &self.notes {
            let _ = writeln!(out, "{pad} = note: {note}");
        }
        out
    }
}

/// 1-based (line, column) of byte offset `offset` in `source`; the column counts characters.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_caret_under_span() {
        let d = Diagnostic::error("expected an expression, found ')'", Span::new(12, 13));
        assert_eq!(
            d.render("<expr>", "Patient.name)"),
            "<expr>:1:13: error: expected an expression, found ')'\n  |\n1 | Patient.name)\n  |             ^\n"
        );
    }

    #[test]
    fn second_line_and_notes() {
        let src = "a +\n  foo(1";
        let d = Diagnostic::error("unclosed call", Span::new(6, 11)).with_note("add ')'");
        let r = d.render("f.fhirpath", src);
        assert!(
            r.starts_with("f.fhirpath:2:3: error: unclosed call\n"),
            "{r}"
        );
        assert!(
            r.contains("2 |   foo(1\n  |   ^^^^^\n  = note: add ')'\n"),
            "{r}"
        );
    }

    #[test]
    fn hostile_spans_do_not_panic() {
        let src = "é€";
        for (s, e) in [(0, 99), (1, 2), (99, 100), (3, 1)] {
            let _ = Diagnostic::error("x", Span { start: s, end: e }).render("f", src);
        }
        let _ = Diagnostic::error("x", Span::new(0, 0)).render("f", "");
    }
}
