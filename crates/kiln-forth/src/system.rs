//! [`Forth`]: one Forth system (dictionary, stacks, memory, input sources,
//! files, blocks) and its public API: create, interpret text, include
//! files, read the stack and the output, list code.
//!
//! The outer interpreter is in `interp.rs`, the compiler in `compiler.rs`,
//! system words in `sys.rs`, the VM driver here (`run_code`) around the
//! dispatch loop in `vm/run.rs`.

use crate::blocks::Blocks;
use crate::diag::ErrorSite;
use crate::dict::{Dictionary, Kind, Loc, NONE, Word};
use crate::error::{Throw, code};
use crate::files::Files;
use crate::interp::Source;
use crate::isa::{Imm, K, Op};
use crate::layout;
use crate::memory::{Cell, Memory};
use crate::vm::{Budget, CATCH_END_PC, CatchFrame, Event, HALT_PC, Hot, TICK, run};
use crate::words::{OP_WORDS, SysWord};
use kiln_core::Limits;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// How to build a [`Forth`] system.
#[derive(Clone, Debug)]
pub struct Options {
    /// Size of the main memory region (system buffers plus data space), bytes.
    pub memory: usize,
    /// Fuel (steps between budget checks count as one tick of [`TICK`] each),
    /// nesting depth of EVALUATE/INCLUDE/execution from Rust, and the
    /// ALLOCATE heap size (`max_memory`).
    pub limits: Limits,
    /// Directory that relative file names (INCLUDED, OPEN-FILE, the block
    /// file) resolve against; `None` for the process's working directory.
    pub cwd: Option<PathBuf>,
    /// Collect output in memory ([`Forth::take_output`]) instead of writing stdout.
    pub capture_output: bool,
    /// Text that KEY and ACCEPT read instead of stdin.
    pub input: Option<Vec<u8>>,
    /// Infer and verify every colon definition's stack effect at `;`
    /// (`kiln forth check`); findings accumulate in [`Forth::check_reports`].
    pub check: bool,
    /// With `check`: also reject effects that depend on data through
    /// control flow (unbalanced branches, loops that change the depth).
    pub check_strict: bool,
    /// The block file (7 Block); default `blocks.fb` in `cwd`.
    pub block_file: Option<PathBuf>,
    /// The native-code tier (`kiln forth --jit`): off, hot words, or every word.
    pub jit: crate::jit::JitMode,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory: 16 << 20,
            limits: Limits {
                fuel: u64::MAX,
                max_depth: 256,
                max_memory: 1 << 30,
            },
            cwd: None,
            capture_output: false,
            input: None,
            check: false,
            check_strict: false,
            block_file: None,
            jit: crate::jit::JitMode::Off,
        }
    }
}

/// A registered source text (a file, a command-line string, a REPL line),
/// kept for diagnostics and for re-reading lines (SAVE-INPUT).
#[derive(Clone, Debug)]
pub struct Text {
    /// The name shown in diagnostics (a path, `<expr>`, `<stdin>`).
    pub name: String,
    /// The text.
    pub text: Rc<str>,
}

/// A colon definition being compiled.
#[derive(Clone, Debug)]
pub(crate) struct Definition {
    pub xt: u32,
    /// Data-stack depth when it began (control-flow items live above it).
    pub cs_base: usize,
    /// Local names (upper-cased) and slots.
    pub locals: Vec<(Vec<u8>, u16)>,
    /// A locals frame is active in the code being compiled.
    pub has_frame: bool,
    /// Pending (LOCAL) names in declaration order.
    pub pending_locals: Vec<Vec<u8>>,
    /// The stack comment right after the name, and where it is.
    pub comment: Option<(String, Loc)>,
    /// Where the code of the current part (colon or DOES>) starts.
    pub part_start: u32,
}

/// Where output goes.
pub(crate) struct Output {
    pub buf: Vec<u8>,
    pub capture: bool,
}

impl Output {
    pub fn write(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if !self.capture && self.buf.len() > 1 << 14 {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        if !self.capture && !self.buf.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&self.buf);
            let _ = out.flush();
            self.buf.clear();
        }
    }
}

/// One stack-effect finding of check mode.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The word's name (`:NONAME` for nameless ones).
    pub word: String,
    /// The span reported (the definition's name, or the offending op).
    pub loc: Loc,
    /// The declared effect text, if there was a stack comment.
    pub declared: Option<String>,
    /// The inferred effect, if inference succeeded.
    pub inferred: Option<String>,
    /// `None` for an accepted definition, else the error message.
    pub error: Option<String>,
    /// Notes (e.g. the depths of two disagreeing branches).
    pub notes: Vec<String>,
}

/// A Forth 2012 system.
pub struct Forth {
    pub(crate) hot: Hot,
    pub(crate) dict: Dictionary,
    /// Per-op source locations, parallel to the code.
    pub(crate) locs: Vec<Loc>,
    /// No peephole fusion with ops before this code index (a branch target).
    pub(crate) barrier: usize,
    pub(crate) here: Cell,
    /// The most recent definition (IMMEDIATE, DOES>).
    pub(crate) latest: u32,
    pub(crate) def: Option<Definition>,
    /// Pending LEAVE (and ?DO) branches, one list per open DO.
    pub(crate) leaves: Vec<Vec<u32>>,
    pub(crate) inputs: Vec<Source>,
    pub(crate) texts: Vec<Text>,
    pub(crate) catches: Vec<CatchFrame>,
    pub(crate) level: u32,
    pub(crate) floor: usize,
    pub(crate) tick: u32,
    pub(crate) budget: Budget,
    pub(crate) out: Output,
    pub(crate) input: Option<VecDeque<u8>>,
    pub(crate) files: Files,
    pub(crate) blocks: Blocks,
    /// Pictured numeric output pointer.
    pub(crate) hld: Cell,
    /// Which S" buffer the next interpreted string uses.
    pub(crate) sq_next: usize,
    /// Literal-string pool: current segment, used, capacity.
    pub(crate) pool: (Cell, usize, usize),
    pub(crate) err: Option<ErrorSite>,
    pub(crate) abort_msg: Option<String>,
    pub(crate) options: Options,
    pub(crate) cwd: PathBuf,
    pub(crate) included: Vec<PathBuf>,
    /// Location of the word being interpreted (for errors and code locations).
    pub(crate) word_loc: Loc,
    pub(crate) reports: Vec<CheckReport>,
    pub(crate) bye: bool,
    /// xt of the word an unset DEFER executes.
    pub(crate) unset_defer: u32,
    /// Structure being defined by BEGIN-STRUCTURE (its xt).
    pub(crate) struct_xt: Vec<u32>,
    /// REPLACES definitions for SUBSTITUTE (upper-cased name, text).
    pub(crate) replacements: Vec<(Vec<u8>, Vec<u8>)>,
    /// NAME>STRING copies of names in memory, by xt.
    pub(crate) name_strings: rustc_hash::FxHashMap<u32, Cell>,
    /// The JIT tier (`jit/`).
    pub(crate) jit: crate::jit::JitTier,
}

impl Forth {
    /// A system with the built-in word sets and default options.
    pub fn new() -> Forth {
        Forth::with_options(Options::default())
    }

    /// A system built with `options`.
    pub fn with_options(options: Options) -> Forth {
        let mem = Memory::new(options.memory, options.limits.max_memory);
        let cwd = options
            .cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let block_file = options
            .block_file
            .clone()
            .unwrap_or_else(|| cwd.join("blocks.fb"));
        let mut f = Forth {
            hot: Hot::new(mem),
            dict: Dictionary::new(),
            locs: vec![Loc::NONE, Loc::NONE],
            barrier: 2,
            here: layout::DATA_START,
            latest: NONE,
            def: None,
            leaves: Vec::new(),
            inputs: Vec::new(),
            texts: Vec::new(),
            catches: Vec::new(),
            level: 0,
            floor: 0,
            tick: TICK,
            budget: Budget {
                fuel: options.limits.fuel,
                interrupt: Arc::new(AtomicBool::new(false)),
            },
            out: Output {
                buf: Vec::new(),
                capture: options.capture_output,
            },
            input: options.input.clone().map(VecDeque::from),
            files: Files::default(),
            blocks: Blocks::new(block_file),
            hld: layout::HOLD_BUF + layout::HOLD_SIZE,
            sq_next: 0,
            pool: (0, 0, 0),
            err: None,
            abort_msg: None,
            options,
            cwd,
            included: Vec::new(),
            word_loc: Loc::NONE,
            reports: Vec::new(),
            bye: false,
            unset_defer: 0,
            struct_xt: Vec::new(),
            replacements: Vec::new(),
            name_strings: Default::default(),
            jit: crate::jit::JitTier::default(),
        };
        let _ = f.hot.mem.store(layout::BASE, 10);
        f.install_builtins();
        f
    }

    fn install_builtins(&mut self) {
        for (i, &(name, ops, flags, _)) in OP_WORDS.iter().enumerate() {
            let cfa = self.hot.code.len() as u32;
            for &op in ops {
                self.push_raw(op);
            }
            self.push_raw(Op::Exit);
            self.add_builtin(name, Kind::Ops(i as u16), flags, cfa);
        }
        for &w in SysWord::ALL {
            let cfa = self.hot.code.len() as u32;
            self.push_raw(w.op());
            self.push_raw(Op::Exit);
            let flags = SysWord::FLAGS[w as usize];
            self.add_builtin(w.name(), Kind::Sys(w), flags, cfa);
        }
        self.barrier = self.hot.code.len();
        // The few words most simply written in Forth itself.
        let prelude = concat!(
            ": (UNSET-DEFER) -21 THROW ;\n",
            ": 2NIP 2SWAP 2DROP ;\n",
            ": 2TUCK 2SWAP 2OVER ;\n",
        );
        let check = std::mem::replace(&mut self.options.check, false);
        let r = self.interpret_text("<prelude>", prelude);
        debug_assert!(r.is_ok(), "prelude: {r:?}");
        self.options.check = check;
        self.unset_defer = self.dict.find(b"(UNSET-DEFER)").unwrap_or(0);
    }

    fn add_builtin(&mut self, name: &str, kind: Kind, flags: u8, cfa: u32) {
        let end = self.hot.code.len() as u32;
        let xt = self.dict.add(
            Word {
                name: name.into(),
                wid: 0,
                link: NONE,
                flags,
                kind,
                cfa,
                end,
                body: 0,
                effect: None,
                declared: None,
                loc: Loc::NONE,
            },
            false,
        );
        self.hot.xts.push(cfa);
        debug_assert_eq!(xt as usize + 1, self.hot.xts.len());
    }

    /// Appends an op without peephole fusion (code fields, patched code).
    pub(crate) fn push_raw(&mut self, op: Op) {
        self.hot.code.push(op);
        self.locs.push(self.word_loc);
    }

    /// An op that pushes `v`: `Lit` when it fits 32 bits, else `LitK`.
    pub(crate) fn lit_op(&mut self, v: Cell) -> Op {
        if v == v as i32 as Cell {
            Op::Lit { v: Imm(v as i32) }
        } else {
            let k = match self.hot.consts.iter().position(|&c| c == v) {
                Some(i) => i,
                None => {
                    self.hot.consts.push(v);
                    self.hot.consts.len() - 1
                }
            };
            Op::LitK { k: K(k as u32) }
        }
    }

    /// The interrupt flag: setting it makes the running code throw -28
    /// (user interrupt) at its next call or backward jump.
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.budget.interrupt.clone()
    }

    /// The data stack, bottom first.
    pub fn stack(&self) -> &[Cell] {
        self.hot.stack()
    }

    /// Empties the data and return stacks and leaves compilation state
    /// (what the REPL does after an uncaught error, like ABORT).
    pub fn reset(&mut self) {
        self.hot.sp = 0;
        self.hot.rp = 0;
        self.hot.locals.clear();
        self.hot.frames.clear();
        self.catches.clear();
        self.inputs.clear();
        self.level = 0;
        self.abandon_definition();
        let _ = self.hot.mem.store(layout::STATE, 0);
        self.err = None;
        self.abort_msg = None;
    }

    /// Takes the captured output (with `capture_output`), or flushes stdout.
    pub fn take_output(&mut self) -> Vec<u8> {
        if self.out.capture {
            std::mem::take(&mut self.out.buf)
        } else {
            self.out.flush();
            Vec::new()
        }
    }

    /// Flushes buffered output to stdout.
    pub fn flush(&mut self) {
        self.out.flush();
    }

    /// True once BYE ran.
    pub fn bye_requested(&self) -> bool {
        self.bye
    }

    /// True while compiling (STATE is nonzero).
    pub fn compiling(&self) -> bool {
        self.hot.mem.fetch(layout::STATE).unwrap_or(0) != 0
    }

    /// Stack-effect findings so far (check mode).
    pub fn check_reports(&self) -> &[CheckReport] {
        &self.reports
    }

    /// The registered source texts (for rendering locations).
    pub fn texts(&self) -> &[Text] {
        &self.texts
    }

    /// The whole code vector; a word's body is `code()[cfa..end]` (see [`Forth::word`]).
    pub fn code(&self) -> &[Op] {
        &self.hot.code
    }

    /// The 64-bit literal pool `LitK` indexes.
    pub fn constants(&self) -> &[Cell] {
        &self.hot.consts
    }

    /// Looks a word up in the search order: its execution token.
    pub fn find(&mut self, name: &str) -> Option<u32> {
        self.dict
            .find(name.as_bytes())
            .map(|x| self.dict.resolve(x))
    }

    /// The header of execution token `xt`.
    pub fn word(&self, xt: u32) -> Option<&Word> {
        self.dict.words.get(xt as usize)
    }

    /// The compiled body of a word: its ops from the code entry to the end
    /// of its definition (for a JIT or a disassembler). Calls inside it
    /// target other bodies by absolute code index.
    pub fn word_body(&self, xt: u32) -> Option<&[Op]> {
        let w = self.dict.words.get(xt as usize)?;
        self.hot.code.get(w.cfa as usize..w.end as usize)
    }

    /// The data-space address HERE.
    pub fn here(&self) -> Cell {
        self.here
    }

    /// Reads `len` bytes of memory.
    ///
    /// # Errors
    /// -9 when the range is invalid.
    pub fn memory(&self, addr: Cell, len: usize) -> Result<&[u8], Throw> {
        self.hot.mem.bytes(addr, len)
    }

    // ---- the VM driver ----

    /// Runs code from `entry` until it returns; handles system words, CATCH
    /// frames, DOES>, fuel and interrupts.
    pub(crate) fn run_code(&mut self, entry: u32) -> Result<(), Throw> {
        if self.level >= self.options.limits.max_depth {
            return Err(Throw(code::RSTACK_OVERFLOW));
        }
        let floor = self.hot.rp;
        self.hot.rpush(HALT_PC as Cell)?;
        self.level += 1;
        let level = self.level;
        let saved_floor = self.floor;
        self.floor = floor;
        let mut pc = entry;
        let res = loop {
            let ev = run::dispatch(&mut self.hot, &mut pc, floor, &mut self.tick);
            let r = match ev {
                Event::Halt => {
                    if self.hot.rp == floor {
                        break Ok(());
                    }
                    Err(Throw(code::RSTACK_IMBALANCE))
                }
                Event::Sys(id) => match SysWord::from_u16(id) {
                    Some(w) => self.sys(w),
                    None => Err(Throw(code::UNSUPPORTED)),
                },
                Event::Catch => self.catch(&mut pc, level),
                Event::CatchEnd => self.catch_end(&mut pc, level),
                Event::Does(to) => self.does(to),
                Event::Tick => {
                    self.tick = TICK;
                    self.budget.tick()
                }
                Event::Throw(n) => Err(Throw(n)),
                Event::Jit(id) => self.jit_enter(id, &mut pc),
                Event::JitCompile(id) => self.jit_hot(id, &mut pc),
            };
            if let Err(e) = r {
                let fault = if ev == Event::Tick {
                    pc
                } else {
                    pc.saturating_sub(1)
                };
                self.note_error(e, Some(fault));
                if e.0 != code::BYE
                    && let Some(f) = self.catches.last().copied()
                    && f.level == level
                {
                    self.catches.pop();
                    self.restore_catch(&f);
                    if self.hot.push(e.0).is_err() {
                        break Err(Throw(code::STACK_OVERFLOW));
                    }
                    pc = f.resume;
                    continue;
                }
                break Err(e);
            }
        };
        self.level -= 1;
        self.floor = saved_floor;
        if res.is_err() {
            self.hot.rp = floor;
            self.catches.retain(|f| f.level < level);
        }
        res
    }

    fn restore_catch(&mut self, f: &CatchFrame) {
        self.hot.sp = f.sp;
        self.hot.rp = f.rp;
        self.hot.frames.truncate(f.frames);
        self.hot.locals.truncate(f.locals);
        while self.inputs.len() > f.inputs {
            self.pop_source();
        }
        let _ = self.hot.mem.store(layout::STATE, f.state);
        self.err = None;
        self.abort_msg = None;
    }

    fn catch(&mut self, pc: &mut u32, level: u32) -> Result<(), Throw> {
        let xt = self.hot.pop()?;
        let Some(&cfa) = self.hot.xts.get(xt as u64 as usize) else {
            return Err(Throw(code::INVALID_ADDRESS));
        };
        if self.catches.len() >= 1024 {
            return Err(Throw(code::EXCEPTION_OVERFLOW));
        }
        self.catches.push(CatchFrame {
            sp: self.hot.sp,
            rp: self.hot.rp,
            frames: self.hot.frames.len(),
            locals: self.hot.locals.len(),
            inputs: self.inputs.len(),
            level,
            resume: *pc,
            state: self.hot.mem.fetch(layout::STATE).unwrap_or(0),
        });
        self.hot.rpush(CATCH_END_PC as Cell)?;
        *pc = cfa;
        Ok(())
    }

    fn catch_end(&mut self, pc: &mut u32, level: u32) -> Result<(), Throw> {
        match self.catches.last().copied() {
            Some(f) if f.level == level => {
                self.catches.pop();
                *pc = f.resume;
                self.hot.push(0)
            }
            _ => Err(Throw(code::RSTACK_IMBALANCE)),
        }
    }

    /// Executes `xt` (from Rust: the interpreter, EXECUTE of system words).
    pub(crate) fn execute(&mut self, xt: u32) -> Result<(), Throw> {
        let xt = self.dict.resolve(xt);
        let Some(w) = self.dict.words.get(xt as usize) else {
            return Err(Throw(code::INVALID_ADDRESS));
        };
        match w.kind {
            Kind::Sys(s) => self.sys(s),
            _ => {
                let cfa = w.cfa;
                self.run_code(cfa)
            }
        }
    }

    /// Reads one byte for KEY (from the configured input, else stdin).
    pub(crate) fn read_key(&mut self) -> Option<u8> {
        self.out.flush();
        if let Some(q) = &mut self.input {
            return q.pop_front();
        }
        let mut b = [0u8; 1];
        match std::io::stdin().lock().read(&mut b) {
            Ok(1) => Some(b[0]),
            _ => None,
        }
    }

    /// True when KEY would not wait.
    pub(crate) fn key_ready(&self) -> bool {
        self.input.as_ref().is_some_and(|q| !q.is_empty())
    }
}

impl Default for Forth {
    fn default() -> Self {
        Forth::new()
    }
}
