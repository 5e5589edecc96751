//! System words: everything the dispatch loop hands to Rust (`Op::Sys`) —
//! output, pictured numerics, parsing, defining and compiling words, the
//! input source, strings, doubles, memory allocation, search order, tools,
//! facility. One `match` over [`SysWord`]; file and block words are in
//! `files.rs` and `blocks.rs`. Section numbers are Forth 2012's.

use crate::compiler::MAX_LOCALS;
use crate::dict::{Kind, Snapshot};
use crate::error::{Throw, code};
use crate::isa::{Op, Target};
use crate::layout;
use crate::memory::{Cell, UCell};
use crate::numeric::{self, format_i128, format_u128};
use crate::system::Forth;
use crate::vm::{DS_MAX, RS_MAX};
use crate::words::{COMPILE_ONLY, IMMEDIATE, SysWord};

fn flag(b: bool) -> Cell {
    if b { -1 } else { 0 }
}

impl Forth {
    fn base(&self) -> Result<u32, Throw> {
        let b = self.hot.mem.fetch(layout::BASE)?;
        if (2..=36).contains(&b) {
            Ok(b as u32)
        } else {
            Err(Throw(code::INVALID_NUMERIC))
        }
    }

    fn pop(&mut self) -> Result<Cell, Throw> {
        self.hot.pop()
    }

    fn push(&mut self, v: Cell) -> Result<(), Throw> {
        self.hot.push(v)
    }

    fn pop_string(&mut self) -> Result<Vec<u8>, Throw> {
        let (a, n) = self.hot.pop_string()?;
        Ok(self.hot.mem.bytes(a, n)?.to_vec())
    }

    fn emit_bytes(&mut self, b: &[u8]) {
        self.out.write(b);
    }

    fn hold(&mut self, c: u8) -> Result<(), Throw> {
        if self.hld <= layout::HOLD_BUF {
            return Err(Throw(code::PICTURED_OVERFLOW));
        }
        self.hld -= 1;
        self.hot.mem.cstore(self.hld, c)
    }

    fn right_justify(&mut self, s: String, width: Cell) {
        let pad = (width.max(0) as usize).saturating_sub(s.len());
        let mut line = " ".repeat(pad.min(1 << 16));
        line.push_str(&s);
        self.emit_bytes(line.as_bytes());
    }

    fn is_compiling(&self) -> bool {
        self.compiling()
    }

    fn set_state(&mut self, on: bool) -> Result<(), Throw> {
        self.hot.mem.store(layout::STATE, if on { -1 } else { 0 })
    }

    /// Runs system word `w` with the whole system at hand. Words that
    /// nest (run more Forth from Rust) go through a small frame of their
    /// own, so that deep nesting does not stack up `sys_flat`'s frame.
    pub(crate) fn sys(&mut self, w: SysWord) -> Result<(), Throw> {
        use SysWord as S;
        match w {
            S::Evaluate => {
                let (a, n) = self.hot.pop_string()?;
                self.evaluate(a, n)
            }
            S::Included | S::Include | S::Required | S::Require | S::IncludeFile => {
                self.include_word(w)
            }
            S::Load | S::Thru => self.load_word(w),
            S::TraverseWordlist => {
                let wid = self.pop()?;
                let wid = self.wid_index(wid)?;
                let xt = self.pop()?;
                for nt in self.dict.chain(wid) {
                    self.push(nt as Cell)?;
                    self.execute(xt as u32)?;
                    if self.pop()? == 0 {
                        break;
                    }
                }
                Ok(())
            }
            _ => self.sys_flat(w),
        }
    }

    #[inline(never)]
    fn sys_flat(&mut self, w: SysWord) -> Result<(), Throw> {
        use SysWord as S;
        match w {
            S::Emit => {
                let c = self.pop()?;
                self.emit_bytes(&[c as u8]);
            }
            S::Type => {
                let s = self.pop_string()?;
                self.emit_bytes(&s);
            }
            S::Cr => self.emit_bytes(b"\n"),
            S::Space => self.emit_bytes(b" "),
            S::Spaces => {
                let n = self.pop()?;
                let s = " ".repeat(n.clamp(0, 1 << 16) as usize);
                self.emit_bytes(s.as_bytes());
            }
            S::Dot => {
                let n = self.pop()?;
                let s = format_i128(n as i128, self.base()?) + " ";
                self.emit_bytes(s.as_bytes());
            }
            S::UDot => {
                let n = self.pop()?;
                let s = format_u128(n as UCell as u128, self.base()?) + " ";
                self.emit_bytes(s.as_bytes());
            }
            S::DotR => {
                let w = self.pop()?;
                let n = self.pop()?;
                let s = format_i128(n as i128, self.base()?);
                self.right_justify(s, w);
            }
            S::UDotR => {
                let w = self.pop()?;
                let n = self.pop()?;
                let s = format_u128(n as UCell as u128, self.base()?);
                self.right_justify(s, w);
            }
            S::DDot => {
                let d = self.hot.pop_double()?;
                let s = format_i128(d, self.base()?) + " ";
                self.emit_bytes(s.as_bytes());
            }
            S::DDotR => {
                let w = self.pop()?;
                let d = self.hot.pop_double()?;
                let s = format_i128(d, self.base()?);
                self.right_justify(s, w);
            }
            S::Question => {
                let a = self.pop()?;
                let v = self.hot.mem.fetch(a)?;
                let s = format_i128(v as i128, self.base()?) + " ";
                self.emit_bytes(s.as_bytes());
            }
            S::DotS => {
                let base = self.base()?;
                let mut s = format!("<{}> ", self.hot.sp);
                for &v in self.hot.stack() {
                    s.push_str(&format_i128(v as i128, base));
                    s.push(' ');
                }
                self.emit_bytes(s.as_bytes());
            }
            S::Key | S::Ekey => match self.read_key() {
                Some(c) => self.push(c as Cell)?,
                None => return Err(Throw(-57)),
            },
            S::KeyQ | S::EkeyQ => {
                let r = self.key_ready();
                self.push(flag(r))?;
            }
            S::EkeyToChar => {
                let x = self.pop()?;
                self.push(x)?;
                self.push(flag((0..256).contains(&x)))?;
            }
            S::EmitQ => self.push(-1)?,
            S::Accept => {
                let n = self.pop()?;
                let a = self.pop()?;
                let n = n.max(0) as usize;
                self.hot.mem.bytes(a, n)?;
                let mut line = Vec::new();
                while line.len() < n {
                    match self.read_key() {
                        Some(b'\n') | None => break,
                        Some(b'\r') => {}
                        Some(c) => line.push(c),
                    }
                }
                self.hot.mem.write(a, &line)?;
                self.push(line.len() as Cell)?;
            }
            S::LessNum => self.hld = layout::HOLD_BUF + layout::HOLD_SIZE,
            S::Num => {
                let base = self.base()? as u128;
                let ud = self.hot.pop_double()? as u128;
                self.hold(numeric::digit_char((ud % base) as u32))?;
                self.hot.push_double((ud / base) as i128)?;
            }
            S::NumS => {
                let base = self.base()? as u128;
                let mut ud = self.hot.pop_double()? as u128;
                loop {
                    self.hold(numeric::digit_char((ud % base) as u32))?;
                    ud /= base;
                    if ud == 0 {
                        break;
                    }
                }
                self.hot.push_double(0)?;
            }
            S::NumGreater => {
                self.hot.pop_double()?;
                let end = layout::HOLD_BUF + layout::HOLD_SIZE;
                self.push(self.hld)?;
                self.push(end - self.hld)?;
            }
            S::Hold => {
                let c = self.pop()?;
                self.hold(c as u8)?;
            }
            S::Holds => {
                let s = self.pop_string()?;
                for &c in s.iter().rev() {
                    self.hold(c)?;
                }
            }
            S::Sign => {
                if self.pop()? < 0 {
                    self.hold(b'-')?;
                }
            }
            S::ToNumber => {
                let (a, n) = self.hot.pop_string()?;
                let ud = self.hot.pop_double()? as u128;
                let base = self.base()?;
                let text = self.hot.mem.bytes(a, n)?;
                let (v, used) = numeric::to_number(ud, text, base);
                self.hot.push_double(v as i128)?;
                self.push(a + used as Cell)?;
                self.push((n - used) as Cell)?;
            }
            S::Decimal => self.hot.mem.store(layout::BASE, 10)?,
            S::Hex => self.hot.mem.store(layout::BASE, 16)?,
            S::Here => self.push(self.here)?,
            S::Allot => {
                let n = self.pop()?;
                self.allot(n)?;
            }
            S::Comma => {
                let x = self.pop()?;
                self.comma(x)?;
            }
            S::CComma => {
                let c = self.pop()?;
                let a = self.here;
                self.allot(1)?;
                self.hot.mem.cstore(a, c as u8)?;
            }
            S::Align => self.align(),
            S::Unused => self.push(self.hot.mem.main_len() as Cell - self.here)?,
            S::Create => {
                self.create(Kind::Create)?;
            }
            S::Variable => {
                self.create(Kind::Create)?;
                self.comma(0)?;
            }
            S::TwoVariable => {
                self.create(Kind::Create)?;
                self.comma(0)?;
                self.comma(0)?;
            }
            S::BufferColon => {
                let u = self.pop()?;
                self.create(Kind::Create)?;
                self.allot(u)?;
            }
            S::Constant => {
                let x = self.pop()?;
                self.define_code_word(Kind::Constant(x))?;
            }
            S::TwoConstant => {
                let x2 = self.pop()?;
                let x1 = self.pop()?;
                self.define_code_word(Kind::TwoConstant(x1, x2))?;
            }
            S::Value => {
                let x = self.pop()?;
                self.create(Kind::Value)?;
                self.comma(x)?;
            }
            S::TwoValue => {
                let x2 = self.pop()?;
                let x1 = self.pop()?;
                self.create(Kind::TwoValue)?;
                self.comma(x2)?;
                self.comma(x1)?;
            }
            S::Defer => {
                self.create(Kind::Defer)?;
                let x = self.unset_defer as Cell;
                self.comma(x)?;
            }
            S::Colon => self.begin_colon(false)?,
            S::NoName => self.begin_colon(true)?,
            S::Semicolon => self.end_colon()?,
            S::Immediate => match self.dict.words.get_mut(self.latest as usize) {
                Some(w) => w.flags |= IMMEDIATE,
                None => return Err(Throw(code::UNDEFINED)),
            },
            S::Tick => {
                let xt = self.find_parsed()?;
                let xt = self.dict.resolve(xt);
                self.push(xt as Cell)?;
            }
            S::BracketTick => {
                let xt = self.find_parsed()?;
                let xt = self.dict.resolve(xt);
                let op = self.lit_op(xt as Cell);
                self.emit(op);
            }
            S::Find => {
                let a = self.pop()?;
                let n = self.hot.mem.cfetch(a)? as usize;
                let name = self.hot.mem.bytes(a + 1, n)?.to_vec();
                match self.dict.find(&name) {
                    Some(xt0) if n > 0 => {
                        let imm = self.dict.words[xt0 as usize].immediate();
                        let xt = self.dict.resolve(xt0);
                        self.push(xt as Cell)?;
                        self.push(if imm { 1 } else { -1 })?;
                    }
                    _ => {
                        self.push(a)?;
                        self.push(0)?;
                    }
                }
            }
            S::ToBody => {
                let xt = self.pop()?;
                let xt = self.dict.resolve(xt as u32);
                match self.dict.words.get(xt as usize) {
                    Some(w) if w.body != 0 => {
                        let b = w.body;
                        self.push(b)?;
                    }
                    _ => return Err(Throw(code::NOT_CREATED)),
                }
            }
            S::Marker => {
                let snap = Snapshot {
                    words: self.dict.words.len(),
                    code: self.hot.code.len(),
                    here: self.here,
                    wordlists: self.dict.lists.len(),
                    order: self.dict.order.clone(),
                    current: self.dict.current,
                    consts: self.hot.consts.len(),
                };
                let name = self.parse_def_name()?;
                let xt = self.add_header(&name, Kind::Marker(Box::new(snap)), false);
                let op = self.lit_op(xt as Cell);
                self.push_raw(op);
                self.push_raw(SysWord::MarkerRt.op());
                self.push_raw(Op::Exit);
                self.end_code(xt);
            }
            S::MarkerRt => {
                let xt = self.pop()?;
                let snap = match self.dict.words.get(xt as usize).map(|w| &w.kind) {
                    Some(Kind::Marker(s)) => (**s).clone(),
                    _ => return Err(Throw(code::INVALID_FORGET)),
                };
                self.restore_snapshot(&snap);
            }
            S::Forget => {
                let xt = self.find_parsed()?;
                let w = &self.dict.words[xt as usize];
                if w.cfa < self.barrier_builtin() {
                    return Err(Throw(code::INVALID_FORGET));
                }
                let snap = Snapshot {
                    words: xt as usize,
                    code: w.cfa as usize,
                    here: if w.body != 0 { w.body } else { self.here },
                    wordlists: self.dict.lists.len(),
                    order: self.dict.order.clone(),
                    current: self.dict.current,
                    consts: self.hot.consts.len(),
                };
                self.restore_snapshot(&snap);
            }
            S::Synonym => {
                let name = self.parse_def_name()?;
                let old = self.find_parsed()?;
                let flags = self.dict.words[old as usize].flags & (IMMEDIATE | COMPILE_ONLY);
                let old = self.dict.resolve(old);
                let xt = self.add_header(&name, Kind::Synonym(old), false);
                self.dict.words[xt as usize].flags |= flags;
                let cfa = self.dict.words[old as usize].cfa;
                self.hot.xts[xt as usize] = cfa;
                self.dict.words[xt as usize].cfa = cfa;
            }
            S::DeferFetch => {
                let xt = self.pop()?;
                let body = self.defer_body(xt)?;
                let v = self.hot.mem.fetch(body)?;
                self.push(v)?;
            }
            S::DeferStore => {
                let xt = self.pop()?;
                let x = self.pop()?;
                let body = self.defer_body(xt)?;
                self.hot.mem.store(body, x)?;
            }
            S::Is => {
                let body = self.parsed_defer_body()?;
                if self.is_compiling() {
                    let op = self.lit_op(body);
                    self.emit(op);
                    self.emit(Op::Store);
                } else {
                    let x = self.pop()?;
                    self.hot.mem.store(body, x)?;
                }
            }
            S::ActionOf => {
                let body = self.parsed_defer_body()?;
                if self.is_compiling() {
                    let op = self.lit_op(body);
                    self.emit(op);
                    self.emit(Op::Fetch);
                } else {
                    let v = self.hot.mem.fetch(body)?;
                    self.push(v)?;
                }
            }
            S::To => self.compile_or_store_to()?,
            S::Word => {
                let d = self.pop()? as u8;
                let (buf, len) = self.source();
                let len = len.max(0) as usize;
                let mut i = (self.to_in().max(0) as usize).min(len);
                let bytes = self.hot.mem.bytes(buf, len)?.to_vec();
                let is_d = |b: u8| if d == b' ' { b <= b' ' } else { b == d };
                while i < len && is_d(bytes[i]) {
                    i += 1;
                }
                let start = i;
                while i < len && !is_d(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                if i < len {
                    i += 1;
                }
                self.set_to_in(i as Cell);
                if word.len() > 255 {
                    return Err(Throw(code::PARSED_OVERFLOW));
                }
                let wb = layout::WORD_BUF;
                self.hot.mem.cstore(wb, word.len() as u8)?;
                self.hot.mem.write(wb + 1, word)?;
                self.hot.mem.cstore(wb + 1 + word.len() as Cell, b' ')?;
                self.push(wb)?;
            }
            S::Parse => {
                let d = self.pop()? as u8;
                let (a, n) = self.parse_delim(d)?;
                self.push(a)?;
                self.push(n as Cell)?;
            }
            S::ParseName => {
                let (a, n) = self.parse_name()?;
                self.push(a)?;
                self.push(n as Cell)?;
            }
            S::Char | S::BracketChar => {
                let (a, n) = self.parse_name()?;
                if n == 0 {
                    return Err(Throw(code::ZERO_LENGTH_NAME));
                }
                let c = self.hot.mem.cfetch(a)? as Cell;
                if w == S::Char {
                    self.push(c)?;
                } else {
                    self.emit(Op::Lit {
                        v: crate::isa::Imm(c as i32),
                    });
                }
            }
            S::Paren => self.paren()?,
            S::Backslash => {
                let (_, len) = self.source();
                if self.hot.mem.fetch(layout::BLK)? != 0 {
                    let i = self.to_in();
                    self.set_to_in((((i - 1).max(0) / 64) + 1) * 64);
                } else {
                    self.set_to_in(len);
                }
            }
            S::DotParen => {
                let (a, n) = self.parse_delim(b')')?;
                let s = self.hot.mem.bytes(a, n)?.to_vec();
                self.emit_bytes(&s);
            }
            S::Source => {
                let (a, n) = self.source();
                self.push(a)?;
                self.push(n)?;
            }
            S::Refill => {
                let r = self.refill()?;
                self.push(flag(r))?;
            }
            S::SaveInput => self.save_input()?,
            S::RestoreInput => {
                let r = self.restore_input()?;
                self.push(flag(r))?;
            }
            S::SourceId => {
                let id = self.source_id();
                self.push(id)?;
            }
            S::Literal => {
                let x = self.pop()?;
                let op = self.lit_op(x);
                self.emit(op);
            }
            S::TwoLiteral => {
                let x2 = self.pop()?;
                let x1 = self.pop()?;
                let (a, b) = (self.lit_op(x1), self.lit_op(x2));
                self.emit(a);
                self.emit(b);
            }
            S::SLiteral => {
                let s = self.pop_string()?;
                self.compile_string(&s)?;
            }
            S::Postpone => {
                let xt0 = self.find_parsed()?;
                let imm = self.dict.words[xt0 as usize].immediate();
                let xt = self.dict.resolve(xt0);
                if imm {
                    self.compile_xt(xt)?;
                } else {
                    let op = self.lit_op(xt as Cell);
                    self.emit(op);
                    self.emit(SysWord::CompileComma.op());
                }
            }
            S::BracketCompile => {
                let xt = self.find_parsed()?;
                self.compile_xt(xt)?;
            }
            S::CompileComma => {
                let xt = self.pop()?;
                if xt < 0 || xt as usize >= self.dict.words.len() {
                    return Err(Throw(code::INVALID_ADDRESS));
                }
                self.compile_xt(xt as u32)?;
            }
            S::LeftBracket => self.set_state(false)?,
            S::RightBracket => self.set_state(true)?,
            S::Recurse => {
                let Some(d) = &self.def else {
                    return Err(Throw(code::INVALID_RECURSION));
                };
                // Through the JIT prologue, if the part starts after one.
                let to = d.part_start;
                let to = to - to.checked_sub(1).map_or(0, |p| self.jit_prologue_len(p));
                self.emit(Op::Call { to: Target(to) });
            }
            S::DoesGreater => self.compile_does()?,
            S::Exit => {
                if self.def.as_ref().is_some_and(|d| d.has_frame) {
                    self.emit(Op::LocalsLeave);
                }
                self.emit(Op::Exit);
            }
            S::If
            | S::Else
            | S::Then
            | S::Begin
            | S::While
            | S::Repeat
            | S::Until
            | S::Again
            | S::Ahead
            | S::Do
            | S::QDo
            | S::Loop
            | S::PlusLoop
            | S::Leave
            | S::Case
            | S::Of
            | S::EndOf
            | S::EndCase => self.control(w)?,
            S::CsPick => {
                let u = self.pop()?;
                let v = self.hot.peek(u.max(0) as usize)?;
                self.push(v)?;
            }
            S::CsRoll => {
                let u = self.pop()?;
                let u = u.max(0) as usize;
                self.hot.need(u + 1)?;
                let sp = self.hot.sp;
                self.hot.ds[sp - 1 - u..sp].rotate_left(1);
            }
            S::SQuote | S::SBackslashQuote => {
                let s = if w == S::SQuote {
                    let (a, n) = self.parse_delim(b'"')?;
                    self.hot.mem.bytes(a, n)?.to_vec()
                } else {
                    self.parse_escaped()?
                };
                if self.is_compiling() {
                    self.compile_string(&s)?;
                } else {
                    if s.len() as Cell > layout::SQ_SIZE {
                        return Err(Throw(code::PARSED_OVERFLOW));
                    }
                    let a = layout::SQ_BUF + self.sq_next as Cell * layout::SQ_SIZE;
                    self.sq_next ^= 1;
                    self.hot.mem.write(a, &s)?;
                    self.push(a)?;
                    self.push(s.len() as Cell)?;
                }
            }
            S::DotQuote => {
                let (a, n) = self.parse_delim(b'"')?;
                let s = self.hot.mem.bytes(a, n)?.to_vec();
                if self.is_compiling() {
                    self.compile_string(&s)?;
                    self.emit(SysWord::Type.op());
                } else {
                    self.emit_bytes(&s);
                }
            }
            S::CQuote => {
                let (a, n) = self.parse_delim(b'"')?;
                if n > 255 {
                    return Err(Throw(code::PARSED_OVERFLOW));
                }
                let mut s = vec![n as u8];
                s.extend_from_slice(self.hot.mem.bytes(a, n)?);
                let addr = self.pool_string(&s)?;
                let op = self.lit_op(addr);
                self.emit(op);
            }
            S::AbortQuote => {
                let (a, n) = self.parse_delim(b'"')?;
                let s = self.hot.mem.bytes(a, n)?.to_vec();
                self.compile_string(&s)?;
                self.emit(SysWord::AbortQuoteRt.op());
            }
            S::AbortQuoteRt => {
                let s = self.pop_string()?;
                let x = self.pop()?;
                if x != 0 {
                    self.abort_msg = Some(String::from_utf8_lossy(&s).into_owned());
                    return Err(Throw(code::ABORT_QUOTE));
                }
            }
            S::BraceColon => self.brace_locals()?,
            S::LocalsBar => {
                let mut names = Vec::new();
                loop {
                    let (a, n) = self.parse_name()?;
                    if n == 0 {
                        if !self.refill()? {
                            return Err(Throw(code::UNEXPECTED_EOF));
                        }
                        continue;
                    }
                    let name = self.hot.mem.bytes(a, n)?.to_vec();
                    if name == b"|" {
                        break;
                    }
                    names.push(name);
                }
                names.reverse();
                self.declare_locals(&names, &[])?;
            }
            S::ParenLocal => {
                let s = self.pop_string()?;
                if s.is_empty() {
                    self.finish_paren_locals()?;
                } else {
                    match &mut self.def {
                        Some(d) if d.pending_locals.len() < MAX_LOCALS => d.pending_locals.push(s),
                        Some(_) => return Err(Throw(code::UNSUPPORTED)),
                        None => return Err(Throw(code::COMPILE_ONLY)),
                    }
                }
            }
            S::BracketIf => {
                if self.pop()? == 0 {
                    self.skip_conditional(true)?;
                }
            }
            S::BracketElse => self.skip_conditional(false)?,
            S::BracketThen => {}
            S::BracketDefined | S::BracketUndefined => {
                let (a, n) = self.parse_name()?;
                let name = self.hot.mem.bytes(a, n)?.to_vec();
                let found = n > 0 && self.dict.find(&name).is_some();
                self.push(flag(found == (w == S::BracketDefined)))?;
            }
            S::Quit => return Err(Throw(code::QUIT)),
            S::Bye => {
                self.bye = true;
                return Err(Throw(code::BYE));
            }
            S::EnvironmentQ => {
                let q = self.pop_string()?;
                self.environment(&q)?;
            }
            S::Move => {
                let u = self.pop()?;
                let dst = self.pop()?;
                let src = self.pop()?;
                if u > 0 {
                    self.hot.mem.copy(src, dst, u as usize)?;
                }
            }
            S::CMove | S::CMoveUp => {
                let u = self.pop()?;
                let dst = self.pop()?;
                let src = self.pop()?;
                if u > 0 {
                    let u = u as usize;
                    self.hot.mem.bytes(src, u)?;
                    self.hot.mem.bytes(dst, u)?;
                    for k in 0..u {
                        let k = if w == S::CMove { k } else { u - 1 - k };
                        let c = self.hot.mem.cfetch(src + k as Cell)?;
                        self.hot.mem.cstore(dst + k as Cell, c)?;
                    }
                }
            }
            S::Fill | S::Erase | S::Blank => {
                let c = match w {
                    S::Fill => self.pop()? as u8,
                    S::Erase => 0,
                    _ => b' ',
                };
                let u = self.pop()?;
                let a = self.pop()?;
                if u > 0 {
                    self.hot.mem.bytes_mut(a, u as usize)?.fill(c);
                }
            }
            S::Compare => {
                let b = self.pop_string()?;
                let a = self.pop_string()?;
                let r = match a.cmp(&b) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                };
                self.push(r)?;
            }
            S::Search => {
                let needle = self.pop_string()?;
                let (a, n) = self.hot.pop_string()?;
                let hay = self.hot.mem.bytes(a, n)?;
                let pos = if needle.is_empty() {
                    Some(0)
                } else {
                    hay.windows(needle.len()).position(|w| w == needle)
                };
                match pos {
                    Some(i) => {
                        self.push(a + i as Cell)?;
                        self.push((n - i) as Cell)?;
                        self.push(-1)?;
                    }
                    None => {
                        self.push(a)?;
                        self.push(n as Cell)?;
                        self.push(0)?;
                    }
                }
            }
            S::MinusTrailing => {
                let (a, n) = self.hot.pop_string()?;
                let s = self.hot.mem.bytes(a, n)?;
                let k = s.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
                self.push(a)?;
                self.push(k as Cell)?;
            }
            S::Unescape => {
                let dst = self.pop()?;
                let s = self.pop_string()?;
                let mut out = Vec::with_capacity(s.len() * 2);
                for &c in &s {
                    out.push(c);
                    if c == b'%' {
                        out.push(b'%');
                    }
                }
                self.hot.mem.write(dst, &out)?;
                self.push(dst)?;
                self.push(out.len() as Cell)?;
            }
            S::Substitute => self.substitute()?,
            S::Replaces => {
                let name = self.pop_string()?;
                let text = self.pop_string()?;
                let key = name.to_ascii_uppercase();
                match self.replacements.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => *v = text,
                    None => self.replacements.push((key, text)),
                }
            }
            S::DAbs => {
                let d = self.hot.pop_double()?;
                self.hot.push_double(d.wrapping_abs())?;
            }
            S::DTwoStar => {
                let d = self.hot.pop_double()?;
                self.hot.push_double(d.wrapping_shl(1))?;
            }
            S::DTwoSlash => {
                let d = self.hot.pop_double()?;
                self.hot.push_double(d >> 1)?;
            }
            S::DZeroLess => {
                let d = self.hot.pop_double()?;
                self.push(flag(d < 0))?;
            }
            S::DZeroEq => {
                let d = self.hot.pop_double()?;
                self.push(flag(d == 0))?;
            }
            S::DLess | S::DEq | S::DULess | S::DMax | S::DMin => {
                let b = self.hot.pop_double()?;
                let a = self.hot.pop_double()?;
                match w {
                    S::DLess => self.push(flag(a < b))?,
                    S::DEq => self.push(flag(a == b))?,
                    S::DULess => self.push(flag((a as u128) < (b as u128)))?,
                    S::DMax => self.hot.push_double(a.max(b))?,
                    _ => self.hot.push_double(a.min(b))?,
                }
            }
            S::MStarSlash => {
                let n2 = self.pop()?;
                let n1 = self.pop()?;
                let d1 = self.hot.pop_double()?;
                if n2 == 0 {
                    return Err(Throw(code::DIV_BY_ZERO));
                }
                let r = m_star_slash(d1, n1, n2).ok_or(Throw(code::OUT_OF_RANGE))?;
                self.hot.push_double(r)?;
            }
            S::TwoRot => {
                self.hot.need(6)?;
                let sp = self.hot.sp;
                self.hot.ds[sp - 6..sp].rotate_left(2);
            }
            S::Allocate => {
                let u = self.pop()?;
                match self.hot.mem.allocate(u as UCell, false) {
                    Some(a) => {
                        self.push(a)?;
                        self.push(0)?;
                    }
                    None => {
                        self.push(0)?;
                        self.push(code::ALLOCATE)?;
                    }
                }
            }
            S::Free => {
                let a = self.pop()?;
                let r = self.hot.mem.free(a);
                self.push(if r.is_ok() { 0 } else { code::FREE })?;
            }
            S::Resize => {
                let u = self.pop()?;
                let a = self.pop()?;
                match self.hot.mem.resize(a, u as UCell) {
                    Ok(a2) => {
                        self.push(a2)?;
                        self.push(0)?;
                    }
                    Err(e) => {
                        self.push(a)?;
                        self.push(e.0)?;
                    }
                }
            }
            S::Evaluate
            | S::TraverseWordlist
            | S::Included
            | S::Include
            | S::Required
            | S::Require
            | S::IncludeFile => return Err(Throw(code::UNSUPPORTED)),
            S::RO
            | S::WO
            | S::RW
            | S::Bin
            | S::OpenFile
            | S::CreateFile
            | S::CloseFile
            | S::DeleteFile
            | S::RenameFile
            | S::ReadFile
            | S::ReadLine
            | S::WriteFile
            | S::WriteLine
            | S::FilePosition
            | S::RepositionFile
            | S::FileSize
            | S::ResizeFile
            | S::FileStatus
            | S::FlushFile => self.file_word(w)?,
            S::Load | S::Thru => return Err(Throw(code::UNSUPPORTED)),
            S::Block
            | S::Buffer
            | S::Update
            | S::SaveBuffers
            | S::EmptyBuffers
            | S::Flush
            | S::List => self.block_word(w)?,
            S::ForthWordlist => self.push(1)?,
            S::GetOrder => {
                let order = self.dict.order.clone();
                for &wid in order.iter().rev() {
                    self.push(wid as Cell + 1)?;
                }
                self.push(order.len() as Cell)?;
            }
            S::SetOrder => {
                let n = self.pop()?;
                if n == -1 {
                    self.dict.order = vec![0];
                } else if !(0..=16).contains(&n) {
                    return Err(Throw(code::SEARCH_OVERFLOW));
                } else {
                    let mut order = Vec::new();
                    for _ in 0..n {
                        let wid = self.pop()?;
                        order.push(self.wid_index(wid)?);
                    }
                    self.dict.order = order;
                }
            }
            S::GetCurrent => self.push(self.dict.current as Cell + 1)?,
            S::SetCurrent => {
                let wid = self.pop()?;
                self.dict.current = self.wid_index(wid)?;
            }
            S::Wordlist => {
                let i = self.dict.new_list();
                self.push(i as Cell + 1)?;
            }
            S::SearchWordlist => {
                let wid = self.pop()?;
                let wid = self.wid_index(wid)?;
                let name = self.pop_string()?;
                match self.dict.find_in(&name, wid) {
                    Some(xt0) if !name.is_empty() => {
                        let imm = self.dict.words[xt0 as usize].immediate();
                        let xt = self.dict.resolve(xt0);
                        self.push(xt as Cell)?;
                        self.push(if imm { 1 } else { -1 })?;
                    }
                    _ => self.push(0)?,
                }
            }
            S::Definitions => {
                if let Some(&w) = self.dict.order.first() {
                    self.dict.current = w;
                }
            }
            S::Also => {
                if self.dict.order.len() >= 16 {
                    return Err(Throw(code::SEARCH_OVERFLOW));
                }
                let top = self.dict.order.first().copied().unwrap_or(0);
                self.dict.order.insert(0, top);
            }
            S::Only => self.dict.order = vec![0],
            S::Forth => match self.dict.order.first_mut() {
                Some(w) => *w = 0,
                None => self.dict.order.push(0),
            },
            S::Previous => {
                if self.dict.order.is_empty() {
                    return Err(Throw(code::SEARCH_UNDERFLOW));
                }
                self.dict.order.remove(0);
            }
            S::Order => {
                let mut s = String::new();
                for &w in &self.dict.order {
                    s.push_str(&self.wid_name(w));
                    s.push(' ');
                }
                s.push_str(&format!(" {}", self.wid_name(self.dict.current)));
                self.emit_bytes(s.as_bytes());
            }
            S::Dump => {
                let u = self.pop()?;
                let a = self.pop()?;
                let bytes = self.hot.mem.bytes(a, u.max(0) as usize)?.to_vec();
                let mut s = String::new();
                for (i, chunk) in bytes.chunks(16).enumerate() {
                    s.push_str(&format!("\n{:016X}: ", a as u64 + i as u64 * 16));
                    for b in chunk {
                        s.push_str(&format!("{b:02X} "));
                    }
                    s.push(' ');
                    for &b in chunk {
                        s.push(if (32..127).contains(&b) {
                            b as char
                        } else {
                            '.'
                        });
                    }
                }
                s.push('\n');
                self.emit_bytes(s.as_bytes());
            }
            S::See => {
                let xt = self.find_parsed()?;
                let s = self.explain_word(self.dict.resolve(xt));
                self.emit_bytes(s.as_bytes());
            }
            S::Words => {
                let wid = self.dict.order.first().copied().unwrap_or(0);
                let mut s = String::new();
                for xt in self.dict.chain(wid) {
                    s.push_str(&self.dict.words[xt as usize].name);
                    s.push(' ');
                }
                s.push('\n');
                self.emit_bytes(s.as_bytes());
            }
            S::NToR => {
                let n = self.pop()?;
                if !(0..=DS_MAX as Cell).contains(&n) {
                    return Err(Throw(code::STACK_UNDERFLOW));
                }
                self.hot.need(n as usize)?;
                let sp = self.hot.sp;
                let items: Vec<Cell> = self.hot.ds[sp - n as usize..sp].to_vec();
                self.hot.sp -= n as usize;
                for v in items {
                    self.hot.rpush(v)?;
                }
                self.hot.rpush(n)?;
            }
            S::NRFrom => {
                let n = self.rpop()?;
                if !(0..=RS_MAX as Cell).contains(&n) || self.hot.rp < self.floor + n as usize {
                    return Err(Throw(code::RSTACK_UNDERFLOW));
                }
                let rp = self.hot.rp;
                let items: Vec<Cell> = self.hot.rs[rp - n as usize..rp].to_vec();
                self.hot.rp -= n as usize;
                for v in items {
                    self.push(v)?;
                }
                self.push(n)?;
            }
            S::NameToCompile => {
                let nt = self.pop()?;
                let w = self.nt_word(nt)?;
                let imm = self.dict.words[w as usize].immediate();
                let xt = self.dict.resolve(w);
                self.push(xt as Cell)?;
                let action = if imm { "EXECUTE" } else { "COMPILE," };
                let a = self.dict.find(action.as_bytes()).unwrap_or(0);
                self.push(a as Cell)?;
            }
            S::NameToInterpret => {
                let nt = self.pop()?;
                let w = self.nt_word(nt)?;
                let co = self.dict.words[w as usize].flags & COMPILE_ONLY != 0;
                let xt = self.dict.resolve(w);
                self.push(if co { 0 } else { xt as Cell })?;
            }
            S::NameToString => {
                let nt = self.pop()?;
                let w = self.nt_word(nt)?;
                let name = self.dict.words[w as usize].name.clone();
                let a = self.name_string(w, name.as_bytes())?;
                self.push(a)?;
                self.push(name.len() as Cell)?;
            }
            S::AtXy => {
                let y = self.pop()?;
                let x = self.pop()?;
                let s = format!("\x1b[{};{}H", y.max(0) + 1, x.max(0) + 1);
                self.emit_bytes(s.as_bytes());
            }
            S::Page => self.emit_bytes(b"\x1b[2J\x1b[H"),
            S::Ms => {
                let u = self.pop()?;
                self.out.flush();
                std::thread::sleep(std::time::Duration::from_millis(u.clamp(0, 1 << 31) as u64));
            }
            S::TimeDate => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()) as i64;
                let (y, m, d) = civil_from_days(secs.div_euclid(86400));
                let t = secs.rem_euclid(86400);
                for v in [t % 60, (t / 60) % 60, t / 3600, d, m, y] {
                    self.push(v)?;
                }
            }
            S::BeginStructure => {
                let xt = self.define_code_word(Kind::Constant(0))?;
                // The size is patched in by END-STRUCTURE: force a wide literal slot.
                let cfa = self.dict.words[xt as usize].cfa as usize;
                self.hot.code[cfa] = Op::LitK {
                    k: crate::isa::K(self.hot.consts.len() as u32),
                };
                self.hot.consts.push(0);
                self.struct_xt.push(xt);
                self.push(xt as Cell)?;
                self.push(0)?;
            }
            S::EndStructure => {
                let n = self.pop()?;
                let xt = self.pop()?;
                if self.struct_xt.pop() != Some(xt as u32) {
                    return Err(Throw(code::CONTROL_MISMATCH));
                }
                let cfa = self.dict.words[xt as usize].cfa as usize;
                if let Op::LitK { k } = self.hot.code[cfa] {
                    self.hot.consts[k.0 as usize] = n;
                }
                self.dict.words[xt as usize].kind = Kind::Constant(n);
            }
            S::PlusField | S::FieldColon | S::CFieldColon => {
                let size = match w {
                    S::PlusField => self.pop()?,
                    S::FieldColon => 8,
                    _ => 1,
                };
                let mut off = self.pop()?;
                if w == S::FieldColon {
                    off = (off + 7) & !7;
                }
                self.define_code_word(Kind::Field(off))?;
                self.push(off + size)?;
            }
            S::SourceLine => {
                let line = self.current_text_position().map_or(0, |(_, l)| l);
                self.push(line as Cell)?;
            }
            S::SourceFilename => {
                let name = self
                    .current_text_position()
                    .map(|(t, _)| self.texts[t as usize].name.clone())
                    .unwrap_or_default();
                let a = self.pool_string(name.as_bytes())?;
                self.push(a)?;
                self.push(name.len() as Cell)?;
            }
            S::Utime => {
                let us = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros()) as i128;
                self.hot.push_double(us)?;
            }
            S::Cputime => {
                let us = cpu_time_us();
                self.hot.push_double(us as i128)?;
                self.hot.push_double(0)?;
            }
        }
        Ok(())
    }

    fn rpop(&mut self) -> Result<Cell, Throw> {
        if self.hot.rp <= self.floor {
            return Err(Throw(code::RSTACK_UNDERFLOW));
        }
        self.hot.rp -= 1;
        Ok(self.hot.rs[self.hot.rp])
    }

    fn barrier_builtin(&self) -> u32 {
        self.dict
            .words
            .iter()
            .find(|w| matches!(w.kind, Kind::Colon))
            .map_or(u32::MAX, |w| w.cfa)
    }

    fn restore_snapshot(&mut self, s: &Snapshot) {
        // Code and 64-bit literals are kept: the marker's own code may be
        // running, and nothing can reach the abandoned code any more.
        self.dict.words.truncate(s.words);
        self.hot.xts.truncate(s.words);
        self.here = s.here;
        self.dict.lists.truncate(s.wordlists.max(1));
        self.dict.order = s
            .order
            .iter()
            .copied()
            .filter(|&w| (w as usize) < self.dict.lists.len())
            .collect();
        self.dict.current = if (s.current as usize) < self.dict.lists.len() {
            s.current
        } else {
            0
        };
        self.dict.rebuild();
        self.latest = (self.dict.words.len() as u32).saturating_sub(1);
        self.barrier = self.hot.code.len();
        self.name_strings.retain(|&xt, _| (xt as usize) < s.words);
    }

    fn defer_body(&self, xt: Cell) -> Result<Cell, Throw> {
        let xt = self.dict.resolve(xt as u32);
        match self.dict.words.get(xt as usize) {
            Some(w) if w.kind == Kind::Defer => Ok(w.body),
            _ => Err(Throw(code::INVALID_NAME)),
        }
    }

    fn wid_index(&self, wid: Cell) -> Result<u32, Throw> {
        let i = wid - 1;
        if i >= 0 && (i as usize) < self.dict.lists.len() {
            Ok(i as u32)
        } else {
            Err(Throw(code::INVALID_ADDRESS))
        }
    }

    fn wid_name(&self, w: u32) -> String {
        if w == 0 {
            "FORTH".into()
        } else {
            format!("wordlist#{}", w + 1)
        }
    }

    fn nt_word(&self, nt: Cell) -> Result<u32, Throw> {
        if nt >= 0 && (nt as usize) < self.dict.words.len() {
            Ok(nt as u32)
        } else {
            Err(Throw(code::INVALID_ADDRESS))
        }
    }

    fn name_string(&mut self, xt: u32, name: &[u8]) -> Result<Cell, Throw> {
        if let Some(&a) = self.name_strings.get(&xt) {
            return Ok(a);
        }
        let a = self.pool_string(name)?;
        self.name_strings.insert(xt, a);
        Ok(a)
    }

    /// `(`: a comment, continued over lines in a file; the first one right
    /// after a definition's name is kept as its stack comment.
    fn paren(&mut self) -> Result<(), Throw> {
        let start_loc = self.word_loc;
        let (a, n, mut found) = self.parse_delim_found(b')')?;
        let mut text = self.hot.mem.bytes(a, n)?.to_vec();
        while !found
            && matches!(self.inputs.last().map(|s| &s.kind), Some(crate::interp::SrcKind::Text { fileid, .. }) if *fileid != 0)
        {
            if !self.refill()? {
                break;
            }
            let (a, n, f) = self.parse_delim_found(b')')?;
            text.push(b' ');
            text.extend_from_slice(self.hot.mem.bytes(a, n)?);
            found = f;
        }
        let code_len = self.hot.code.len() as u32;
        let prologue = code_len
            .checked_sub(1)
            .map_or(0, |c| self.jit_prologue_len(c));
        if let Some(d) = &mut self.def
            && d.comment.is_none()
            && d.part_start == code_len
            && self
                .dict
                .words
                .get(d.xt as usize)
                .is_some_and(|w| w.cfa + prologue == code_len)
        {
            d.comment = Some((String::from_utf8_lossy(&text).into_owned(), start_loc));
        }
        Ok(())
    }

    /// Parses an S\" string up to the closing quote, processing escapes (6.2.2266).
    fn parse_escaped(&mut self) -> Result<Vec<u8>, Throw> {
        let (buf, len) = self.source();
        let len = len.max(0) as usize;
        let mut i = (self.to_in().max(0) as usize).min(len);
        let bytes = self.hot.mem.bytes(buf, len)?.to_vec();
        let mut out = Vec::new();
        while i < len && bytes[i] != b'"' {
            let c = bytes[i];
            i += 1;
            if c != b'\\' || i >= len {
                out.push(c);
                continue;
            }
            let e = bytes[i];
            i += 1;
            match e {
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'e' => out.push(27),
                b'f' => out.push(12),
                b'l' | b'n' => out.push(10),
                b'm' => out.extend_from_slice(b"\r\n"),
                b'q' | b'"' => out.push(b'"'),
                b'r' => out.push(13),
                b't' => out.push(9),
                b'v' => out.push(11),
                b'z' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'x' => {
                    let h = |k: usize| bytes.get(k).and_then(|&c| numeric::digit(c, 16));
                    match (h(i), h(i + 1)) {
                        (Some(a), Some(b)) => {
                            out.push((a * 16 + b) as u8);
                            i += 2;
                        }
                        _ => out.push(b'x'),
                    }
                }
                other => out.push(other),
            }
        }
        if i < len {
            i += 1;
        }
        self.set_to_in(i as Cell);
        Ok(out)
    }

    /// `{:` (13.6.2.0086): args, `|` vals, `--` outputs (ignored), `:}`.
    fn brace_locals(&mut self) -> Result<(), Throw> {
        let mut args = Vec::new();
        let mut vals = Vec::new();
        let mut mode = 0;
        loop {
            let (a, n) = self.parse_name()?;
            if n == 0 {
                if !self.refill()? {
                    return Err(Throw(code::UNEXPECTED_EOF));
                }
                continue;
            }
            let name = self.hot.mem.bytes(a, n)?.to_vec();
            match &name[..] {
                b":}" => break,
                b"|" if mode == 0 => mode = 1,
                b"--" => mode = 2,
                _ if mode == 2 => {}
                _ if mode == 1 => vals.push(name),
                _ => args.push(name),
            }
        }
        self.declare_locals(&args, &vals)
    }

    /// Skips words up to the matching `[ELSE]` (when `to_else`) or `[THEN]`
    /// (15.6.2.2531 [ELSE]), across lines.
    fn skip_conditional(&mut self, to_else: bool) -> Result<(), Throw> {
        let mut depth = 0usize;
        loop {
            let (a, n) = self.parse_name()?;
            if n == 0 {
                if !self.refill()? {
                    return Ok(());
                }
                continue;
            }
            let w = self.hot.mem.bytes(a, n)?.to_ascii_uppercase();
            match &w[..] {
                b"[IF]" => depth += 1,
                b"[ELSE]" if depth == 0 && to_else => return Ok(()),
                b"[THEN]" => {
                    if depth == 0 {
                        return Ok(());
                    }
                    depth -= 1;
                }
                _ => {}
            }
        }
    }

    /// ENVIRONMENT? (6.1.1345).
    fn environment(&mut self, q: &[u8]) -> Result<(), Throw> {
        let q = q.to_ascii_uppercase();
        let vals: Vec<Cell> = match &q[..] {
            b"/COUNTED-STRING" => vec![255],
            b"/HOLD" => vec![layout::HOLD_SIZE],
            b"/PAD" => vec![layout::PAD_SIZE],
            b"ADDRESS-UNIT-BITS" => vec![8],
            b"FLOORED" => vec![0],
            b"MAX-CHAR" => vec![255],
            b"MAX-D" => vec![-1, i64::MAX],
            b"MAX-N" => vec![i64::MAX],
            b"MAX-U" => vec![-1],
            b"MAX-UD" => vec![-1, -1],
            b"RETURN-STACK-CELLS" => vec![RS_MAX as Cell],
            b"STACK-CELLS" => vec![DS_MAX as Cell],
            b"#LOCALS" => vec![MAX_LOCALS as Cell],
            b"WORDLISTS" => vec![64],
            _ => {
                return self.push(0);
            }
        };
        for v in vals {
            self.push(v)?;
        }
        self.push(-1)
    }

    /// SUBSTITUTE (17.6.2.2255): `%name%` → its REPLACES text, `%%` → `%`.
    fn substitute(&mut self) -> Result<(), Throw> {
        let cap = self.pop()?;
        let dst = self.pop()?;
        let src = self.pop_string()?;
        let mut out = Vec::new();
        let mut count: Cell = 0;
        let mut i = 0;
        while i < src.len() {
            let c = src[i];
            if c != b'%' {
                out.push(c);
                i += 1;
                continue;
            }
            if src.get(i + 1) == Some(&b'%') {
                out.push(b'%');
                i += 2;
                continue;
            }
            let rest = &src[i + 1..];
            match rest.iter().position(|&b| b == b'%') {
                Some(end) => {
                    let key = rest[..end].to_ascii_uppercase();
                    if let Some((_, v)) = self.replacements.iter().find(|(k, _)| *k == key) {
                        out.extend_from_slice(v);
                        count += 1;
                        i += end + 2;
                    } else {
                        out.push(b'%');
                        i += 1;
                    }
                }
                None => {
                    out.push(b'%');
                    i += 1;
                }
            }
        }
        if out.len() as Cell > cap.max(0) {
            self.push(dst)?;
            self.push(0)?;
            return self.push(-1);
        }
        self.hot.mem.write(dst, &out)?;
        self.push(dst)?;
        self.push(out.len() as Cell)?;
        self.push(count)
    }
}

/// d1 × n1 / n2 with a triple-cell intermediate, truncated toward zero.
fn m_star_slash(d1: i128, n1: i64, n2: i64) -> Option<i128> {
    let neg = (d1 < 0) ^ (n1 < 0) ^ (n2 < 0);
    let a = d1.unsigned_abs();
    let b = n1.unsigned_abs() as u128;
    let c = n2.unsigned_abs() as u128;
    // 256-bit product of a (128 bits) and b (64 bits) as two 128-bit halves.
    let lo_a = a & u64::MAX as u128;
    let hi_a = a >> 64;
    let p0 = lo_a * b;
    let p1 = hi_a * b + (p0 >> 64);
    let lo = (p0 & u64::MAX as u128) | (p1 << 64);
    let hi = p1 >> 64;
    // Long division of (hi:lo) by c, bit by bit over the 192 significant bits.
    let mut rem: u128 = 0;
    let mut q: u128 = 0;
    for bit in (0..192).rev() {
        let b = if bit >= 128 {
            (hi >> (bit - 128)) & 1
        } else {
            (lo >> bit) & 1
        };
        rem = (rem << 1) | b;
        let qbit = rem >= c;
        if qbit {
            rem -= c;
        }
        if bit >= 128 {
            if qbit {
                return None;
            }
        } else {
            q |= (qbit as u128) << bit;
        }
    }
    if neg {
        (q <= 1u128 << 127).then(|| (q as i128).wrapping_neg())
    } else {
        i128::try_from(q).ok()
    }
}

/// Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// CPU time of this process in microseconds (Linux `/proc/self/schedstat`;
/// 0 where unavailable).
fn cpu_time_us() -> u64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |ns| ns / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triple_cell_scaling() {
        assert_eq!(m_star_slash(5, 7, 11), Some(3));
        assert_eq!(m_star_slash(-5, 7, 11), Some(-3));
        let max = i128::MAX;
        assert_eq!(m_star_slash(max, i64::MAX, i64::MAX), Some(max));
        assert_eq!(m_star_slash(max, 2, 1), None);
    }

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }
}
