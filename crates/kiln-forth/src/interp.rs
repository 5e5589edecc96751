//! The outer interpreter: input sources (text and files, EVALUATE strings,
//! blocks), REFILL, SAVE-INPUT/RESTORE-INPUT, parsing (PARSE-NAME, PARSE,
//! WORD) and the interpret/compile loop (Forth 2012 §3.4, 6.1.2050 QUIT's
//! text interpreter, 11.6.1.1717 INCLUDE-FILE).
//!
//! Every source's current line lives in data space (SOURCE returns it) and
//! `>IN` is a cell at a fixed address, so programs may read and move both;
//! the interpreter re-reads them before every word.

use crate::dict::{Loc, NONE};
use crate::error::{Throw, code};
use crate::layout;
use crate::memory::Cell;
use crate::numeric;
use crate::system::{Forth, Text};
use crate::words::COMPILE_ONLY;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What an input source reads from.
#[derive(Clone, Debug)]
pub(crate) enum SrcKind {
    /// A registered text, read line by line: a file (`fileid` > 0) or user
    /// input (`fileid` 0: command-line text, a REPL line).
    Text {
        text: u32,
        fileid: Cell,
        /// Byte offset of the next line.
        next: usize,
        /// 1-based number of the current line.
        line: u32,
        /// Byte offset of the current line.
        line_start: usize,
        /// The line buffer (a system segment) and its capacity.
        seg: Cell,
        cap: usize,
    },
    /// An EVALUATEd string (SOURCE-ID -1).
    Evaluate,
    /// A block being LOADed.
    Block { blk: Cell },
}

/// One entry of the input-source stack.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub kind: SrcKind,
    pub buf: Cell,
    pub len: Cell,
    pub saved_to_in: Cell,
    pub saved_blk: Cell,
}

const SAVE_TEXT: Cell = 1;
const SAVE_EVAL: Cell = 2;
const SAVE_BLOCK: Cell = 3;

impl Forth {
    pub(crate) fn to_in(&self) -> Cell {
        self.hot.mem.fetch(layout::TO_IN).unwrap_or(0)
    }

    pub(crate) fn set_to_in(&mut self, v: Cell) {
        let _ = self.hot.mem.store(layout::TO_IN, v);
    }

    pub(crate) fn push_source(&mut self, kind: SrcKind, buf: Cell, len: Cell) -> Result<(), Throw> {
        if self.inputs.len() >= self.options.limits.max_depth as usize {
            return Err(Throw(code::RSTACK_OVERFLOW));
        }
        let blk = match kind {
            SrcKind::Block { blk } => blk,
            _ => 0,
        };
        let saved_to_in = self.to_in();
        let saved_blk = self.hot.mem.fetch(layout::BLK).unwrap_or(0);
        self.inputs.push(Source {
            kind,
            buf,
            len,
            saved_to_in,
            saved_blk,
        });
        self.set_to_in(0);
        let _ = self.hot.mem.store(layout::BLK, blk);
        Ok(())
    }

    pub(crate) fn pop_source(&mut self) {
        if let Some(s) = self.inputs.pop() {
            if let SrcKind::Text { seg, .. } = s.kind
                && seg != 0
            {
                let _ = self.hot.mem.free_any(seg, true);
            }
            self.set_to_in(s.saved_to_in);
            let _ = self.hot.mem.store(layout::BLK, s.saved_blk);
        }
    }

    /// SOURCE: the current input buffer.
    pub(crate) fn source(&mut self) -> (Cell, Cell) {
        let Some(s) = self.inputs.last() else {
            return (0, 0);
        };
        match s.kind {
            SrcKind::Block { blk } => match self.block_addr(blk, true) {
                Ok(a) => (a, 1024),
                Err(_) => (0, 0),
            },
            _ => (s.buf, s.len),
        }
    }

    /// SOURCE-ID.
    pub(crate) fn source_id(&self) -> Cell {
        match self.inputs.last().map(|s| &s.kind) {
            Some(SrcKind::Text { fileid, .. }) => *fileid,
            Some(SrcKind::Evaluate) => -1,
            _ => 0,
        }
    }

    /// REFILL (6.2.2125, 7.6.2.2125, 11.6.2.2125).
    pub(crate) fn refill(&mut self) -> Result<bool, Throw> {
        let Some(s) = self.inputs.last() else {
            return Ok(false);
        };
        match s.kind.clone() {
            SrcKind::Evaluate => Ok(false),
            SrcKind::Block { blk } => {
                let n = blk + 1;
                if let Some(SrcKind::Block { blk }) = self.inputs.last_mut().map(|s| &mut s.kind) {
                    *blk = n;
                }
                let _ = self.hot.mem.store(layout::BLK, n);
                self.set_to_in(0);
                Ok(true)
            }
            SrcKind::Text { text, next, .. } => {
                let t = self.texts[text as usize].text.clone();
                if next >= t.len() {
                    return Ok(false);
                }
                self.load_line(&t, next)?;
                Ok(true)
            }
        }
    }

    /// Makes the line starting at byte `start` of the current text source current.
    fn load_line(&mut self, t: &str, start: usize) -> Result<(), Throw> {
        let bytes = t.as_bytes();
        let end = memchr_nl(&bytes[start..]).map_or(bytes.len(), |i| start + i);
        let mut line = &bytes[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let line_no = bytes[..start].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let Some(src) = self.inputs.last_mut() else {
            return Ok(());
        };
        let SrcKind::Text {
            next,
            line: ln,
            line_start,
            seg,
            cap,
            ..
        } = &mut src.kind
        else {
            return Ok(());
        };
        if *seg == 0 || *cap < line.len() {
            let want = line.len().max(256).next_power_of_two();
            if *seg == 0 {
                *seg = self
                    .hot
                    .mem
                    .allocate(want as u64, true)
                    .ok_or(Throw(code::ALLOCATE))?;
            } else {
                self.hot.mem.grow_system(*seg, want)?;
            }
            *cap = want;
        }
        *next = end + 1;
        *ln = line_no;
        *line_start = start;
        let (seg, len) = (*seg, line.len());
        src.buf = seg;
        src.len = len as Cell;
        self.hot.mem.write(seg, line)?;
        self.set_to_in(0);
        Ok(())
    }

    /// Skips delimiters and parses a blank-delimited name; `(addr, 0)` at
    /// the end of the buffer. Moves >IN past the name and one delimiter.
    pub(crate) fn parse_name(&mut self) -> Result<(Cell, usize), Throw> {
        let (buf, len) = self.source();
        let len = len.max(0) as usize;
        let mut i = (self.to_in().max(0) as usize).min(len);
        let bytes = self.hot.mem.bytes(buf, len)?;
        while i < len && bytes[i] <= b' ' {
            i += 1;
        }
        let start = i;
        while i < len && bytes[i] > b' ' {
            i += 1;
        }
        let end = i;
        if i < len {
            i += 1;
        }
        self.set_to_in(i as Cell);
        self.note_word_loc(start, end - start);
        Ok((buf + start as Cell, end - start))
    }

    /// Parses up to `delim` (PARSE): no leading skip; >IN moves past the delimiter.
    pub(crate) fn parse_delim(&mut self, delim: u8) -> Result<(Cell, usize), Throw> {
        let (buf, len) = self.source();
        let len = len.max(0) as usize;
        let start = (self.to_in().max(0) as usize).min(len);
        let bytes = self.hot.mem.bytes(buf, len)?;
        let is_delim = |b: u8| {
            if delim == b' ' { b <= b' ' } else { b == delim }
        };
        let mut i = start;
        while i < len && !is_delim(bytes[i]) {
            i += 1;
        }
        let end = i;
        if i < len {
            i += 1;
        }
        self.set_to_in(i as Cell);
        Ok((buf + start as Cell, end - start))
    }

    /// True when the last PARSE found its delimiter (used by multi-line `(`).
    pub(crate) fn parse_delim_found(&mut self, delim: u8) -> Result<(Cell, usize, bool), Throw> {
        let (buf, len) = self.source();
        let len = len.max(0) as usize;
        let start = (self.to_in().max(0) as usize).min(len);
        let bytes = self.hot.mem.bytes(buf, len)?;
        let found = bytes[start..].iter().position(|&b| b == delim);
        let (end, next) = match found {
            Some(i) => (start + i, start + i + 1),
            None => (len, len),
        };
        self.set_to_in(next as Cell);
        Ok((buf + start as Cell, end - start, found.is_some()))
    }

    fn note_word_loc(&mut self, start: usize, len: usize) {
        if let Some(Source {
            kind: SrcKind::Text {
                text, line_start, ..
            },
            ..
        }) = self.inputs.last()
        {
            self.word_loc = Loc {
                text: *text,
                offset: (*line_start + start) as u32,
                len: len as u32,
            };
        }
    }

    /// Interprets the current source until its buffer is exhausted.
    pub(crate) fn interpret_buffer(&mut self) -> Result<(), Throw> {
        loop {
            let (addr, len) = self.parse_name()?;
            if len == 0 {
                return Ok(());
            }
            self.interpret_word(addr, len)?;
        }
    }

    /// Interprets the current source, refilling until it ends.
    pub(crate) fn interpret_source(&mut self) -> Result<(), Throw> {
        loop {
            self.interpret_buffer()?;
            if !self.refill()? {
                return Ok(());
            }
        }
    }

    /// Interprets or compiles one word (the text interpreter, §3.4).
    pub(crate) fn interpret_word(&mut self, addr: Cell, len: usize) -> Result<(), Throw> {
        let name = self.hot.mem.bytes(addr, len)?.to_vec();
        let compiling = self.compiling();
        if compiling && let Some(slot) = self.find_local(&name) {
            self.emit(crate::isa::Op::LocalGet {
                i: crate::isa::Slot(slot),
            });
            return Ok(());
        }
        if let Some(xt0) = self.dict.find(&name) {
            let flags = self.dict.words[xt0 as usize].flags;
            let xt = self.dict.resolve(xt0);
            if compiling && flags & crate::words::IMMEDIATE == 0 {
                return self.compile_xt(xt);
            }
            if !compiling && flags & COMPILE_ONLY != 0 {
                return Err(Throw(code::COMPILE_ONLY));
            }
            return self.execute(xt);
        }
        let base = self.hot.mem.fetch(layout::BASE)?;
        match numeric::parse_number(&name, base) {
            Some((v, false)) => {
                if compiling {
                    let op = self.lit_op(v as Cell);
                    self.emit(op);
                    Ok(())
                } else {
                    self.hot.push(v as Cell)
                }
            }
            Some((v, true)) => {
                if compiling {
                    let lo = self.lit_op(v as Cell);
                    let hi = self.lit_op((v >> 64) as Cell);
                    self.emit(lo);
                    self.emit(hi);
                    Ok(())
                } else {
                    self.hot.push_double(v)
                }
            }
            None => Err(Throw(code::UNDEFINED)),
        }
    }

    /// Registers a source text; returns its index.
    pub(crate) fn add_text(&mut self, name: &str, text: &str) -> u32 {
        self.texts.push(Text {
            name: name.to_string(),
            text: Rc::from(text),
        });
        (self.texts.len() - 1) as u32
    }

    /// Interprets a registered text as a source with SOURCE-ID `fileid`.
    pub(crate) fn run_text(&mut self, text: u32, fileid: Cell) -> Result<(), Throw> {
        self.push_source(
            SrcKind::Text {
                text,
                fileid,
                next: 0,
                line: 0,
                line_start: 0,
                seg: 0,
                cap: 0,
            },
            0,
            0,
        )?;
        let t = self.texts[text as usize].text.clone();
        let r = if t.is_empty() {
            Ok(())
        } else {
            self.load_line(&t, 0).and_then(|_| self.interpret_source())
        };
        self.pop_source();
        r
    }

    /// Interprets `text` as user input (SOURCE-ID 0) named `name`.
    pub(crate) fn interpret_text(&mut self, name: &str, text: &str) -> Result<(), Throw> {
        let t = self.add_text(name, text);
        self.run_text(t, 0)
    }

    /// EVALUATE (6.1.1360).
    pub(crate) fn evaluate(&mut self, addr: Cell, len: usize) -> Result<(), Throw> {
        self.hot.mem.bytes(addr, len)?;
        self.push_source(SrcKind::Evaluate, addr, len as Cell)?;
        let r = self.interpret_buffer();
        self.pop_source();
        r
    }

    /// Resolves a file name: relative names against the including file's
    /// directory first, then the working directory.
    pub(crate) fn resolve_path(&self, name: &str) -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            return p.to_path_buf();
        }
        for s in self.inputs.iter().rev() {
            if let SrcKind::Text { text, fileid, .. } = s.kind
                && fileid > 0
            {
                if let Some(dir) = Path::new(&self.texts[text as usize].name).parent() {
                    let cand = dir.join(p);
                    if cand.exists() {
                        return cand;
                    }
                }
                break;
            }
        }
        self.cwd.join(p)
    }

    /// INCLUDED (11.6.1.1718) of a resolved path.
    pub(crate) fn include_path(&mut self, path: &Path) -> Result<(), Throw> {
        let bytes = std::fs::read(path).map_err(|_| Throw(code::NO_FILE))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.included.contains(&canon) {
            self.included.push(canon);
        }
        let name = path.display().to_string();
        let t = self.add_text(&name, &text);
        let fileid = self.files.next_source_id();
        self.run_text(t, fileid)
    }

    /// SAVE-INPUT (6.2.2182): a tag, the source's identity and position.
    pub(crate) fn save_input(&mut self) -> Result<(), Throw> {
        let to_in = self.to_in();
        let items: Vec<Cell> = match self.inputs.last().map(|s| (&s.kind, s.buf)) {
            Some((
                SrcKind::Text {
                    text,
                    line_start,
                    line,
                    ..
                },
                _,
            )) => vec![
                *text as Cell,
                *line_start as Cell,
                *line as Cell,
                to_in,
                SAVE_TEXT,
            ],
            Some((SrcKind::Block { blk }, _)) => vec![*blk, to_in, SAVE_BLOCK],
            Some((SrcKind::Evaluate, buf)) => vec![buf, to_in, SAVE_EVAL],
            None => vec![0, to_in, 0],
        };
        for &v in &items {
            self.hot.push(v)?;
        }
        self.hot.push(items.len() as Cell)
    }

    /// RESTORE-INPUT (6.2.2148): true when it could not restore.
    pub(crate) fn restore_input(&mut self) -> Result<bool, Throw> {
        let n = self.hot.pop()?;
        if !(0..=16).contains(&n) {
            return Err(Throw(code::STACK_UNDERFLOW));
        }
        let mut items = vec![0; n as usize];
        for k in (0..n as usize).rev() {
            items[k] = self.hot.pop()?;
        }
        let Some(&tag) = items.last() else {
            return Ok(true);
        };
        let kind = self.inputs.last().map(|s| s.kind.clone());
        match (tag, kind, items.len()) {
            (SAVE_TEXT, Some(SrcKind::Text { text, .. }), 5) if items[0] == text as Cell => {
                let t = self.texts[text as usize].text.clone();
                let start = (items[1].max(0) as usize).min(t.len());
                self.load_line(&t, start)?;
                self.set_to_in(items[3]);
                Ok(false)
            }
            (SAVE_BLOCK, Some(SrcKind::Block { .. }), 3) => {
                if let Some(SrcKind::Block { blk }) = self.inputs.last_mut().map(|s| &mut s.kind) {
                    *blk = items[0];
                }
                let _ = self.hot.mem.store(layout::BLK, items[0]);
                self.set_to_in(items[1]);
                Ok(false)
            }
            (SAVE_EVAL, Some(SrcKind::Evaluate), 3)
                if self.inputs.last().is_some_and(|s| s.buf == items[0]) =>
            {
                self.set_to_in(items[1]);
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    /// The file name and line of the innermost text source (SOURCEFILENAME, SOURCELINE#).
    pub(crate) fn current_text_position(&self) -> Option<(u32, u32)> {
        self.inputs.iter().rev().find_map(|s| match s.kind {
            SrcKind::Text { text, line, .. } => Some((text, line)),
            _ => None,
        })
    }

    /// Finds a word by name for `'`, POSTPONE and friends.
    ///
    /// # Errors
    /// -16 for an empty name, -13 when not found.
    pub(crate) fn find_parsed(&mut self) -> Result<u32, Throw> {
        let (addr, len) = self.parse_name()?;
        if len == 0 {
            return Err(Throw(code::ZERO_LENGTH_NAME));
        }
        let name = self.hot.mem.bytes(addr, len)?.to_vec();
        match self.dict.find(&name) {
            Some(xt) => Ok(xt),
            None => Err(Throw(code::UNDEFINED)),
        }
    }

    /// The word whose code contains `pc`, if any (the definition in
    /// progress included).
    pub(crate) fn owner_of(&self, pc: u32) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        for (xt, w) in self.dict.words.iter().enumerate() {
            if w.cfa <= pc && pc < w.end && best.is_none_or(|(c, _)| w.cfa >= c) {
                best = Some((w.cfa, xt as u32));
            }
        }
        if best.is_none()
            && let Some(d) = &self.def
            && pc >= self.dict.words.get(d.xt as usize).map_or(NONE, |w| w.cfa)
        {
            return Some(d.xt);
        }
        best.map(|(_, xt)| xt)
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}
