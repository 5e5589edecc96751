//! The `Engine` trait every measured engine implements, the result `Sink` and
//! the NDJSON line reader they share (no engine dependencies here: the
//! serde_json baseline crate includes this file too).

use crate::measure::Pass;
use std::io::BufRead;

/// Where end-to-end passes render their results: one JSON array per input
/// line. Flushed (counted and cleared) every MiB so memory stays bounded.
#[derive(Default)]
pub struct Sink {
    buf: Vec<u8>,
    /// Bytes rendered so far.
    pub total: u64,
}

impl Sink {
    /// Appends one result line.
    pub fn line(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
        self.buf.push(b'\n');
        self.flush_if_full();
    }

    /// The buffer to render into directly; call [`Sink::end_line`] after.
    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Ends a line rendered with [`Sink::buf`].
    pub fn end_line(&mut self) {
        self.buf.push(b'\n');
        self.flush_if_full();
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= 1 << 20 {
            self.total += self.buf.len() as u64;
            self.buf.clear();
        }
    }

    /// Counts what is still buffered.
    pub fn finish(&mut self) -> u64 {
        self.total += self.buf.len() as u64;
        self.buf.clear();
        self.total
    }
}

/// One FHIRPath engine (or the parse-only baseline).
pub trait Engine {
    /// A compiled expression.
    type Compiled;
    /// One resource in the engine's own input form (parsed, context built).
    type Input;
    /// Parses and compiles `expr`.
    fn compile(&self, expr: &str) -> Result<Self::Compiled, String>;
    /// Turns one NDJSON line into the engine's input form.
    fn prepare(&self, line: &str) -> Result<Self::Input, String>;
    /// Whether inputs are prepared for one compiled expression (Kiln's
    /// projected tape) rather than once per dataset.
    fn prepares_per_expression(&self) -> bool {
        false
    }
    /// Turns one NDJSON line into the input form for `c` (defaults to [`Engine::prepare`]).
    fn prepare_for(&self, _c: &Self::Compiled, line: &str) -> Result<Self::Input, String> {
        self.prepare(line)
    }
    /// Evaluates `c` over every input (the inputs are already prepared).
    fn eval_pass(&self, c: &Self::Compiled, inputs: &[Self::Input]) -> Pass;
    /// NDJSON → results: reads each line, parses it, evaluates `c`, renders
    /// the result as a JSON array line into `sink`.
    fn e2e_pass(&self, c: &Self::Compiled, reader: &mut dyn BufRead, sink: &mut Sink) -> Pass;
}

/// Reads the next non-blank line (without its line break) into `line`;
/// false at the end of input.
pub fn next_line(reader: &mut dyn BufRead, line: &mut String, pass: &mut Pass) -> bool {
    loop {
        line.clear();
        match reader.read_line(line) {
            Ok(0) => return false,
            Ok(_) => {
                while line.ends_with(['\n', '\r']) {
                    line.pop();
                }
                if !line.trim().is_empty() {
                    pass.inputs += 1;
                    return true;
                }
            }
            Err(e) => {
                pass.fail(|| format!("read: {e}"));
                return false;
            }
        }
    }
}
