//! The VM's state and the driver around the dispatch loop: entering code
//! from Rust, system-word calls, CATCH frames, fuel and interrupts.
//!
//! Hot state (stacks, code, memory) lives in [`Hot`], which the dispatch
//! loop (`run.rs`) borrows as separate locals; everything the loop cannot do
//! itself (system words, CATCH/THROW, DOES>, fuel checks) makes it return an
//! [`Event`] to [`Vm::run_code`], which handles it with the whole VM at hand
//! and re-enters the loop.

pub(crate) mod run;

use crate::error::{Throw, code};
use crate::isa::Op;
use crate::memory::{Cell, Memory};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Data-stack capacity in cells (a power of two; indices are masked).
pub const DS_SIZE: usize = 1 << 12;
/// Usable data-stack depth (STACK-CELLS); pushing past it throws -3.
pub const DS_MAX: usize = DS_SIZE - 16;
/// Return-stack capacity in cells (a power of two).
pub const RS_SIZE: usize = 1 << 14;
/// Usable return-stack depth (RETURN-STACK-CELLS); past it throws -5.
pub const RS_MAX: usize = RS_SIZE - 16;
/// Maximum number of locals cells alive at once.
pub const LOCALS_MAX: usize = 1 << 16;
/// Steps between two checks of the interrupt flag and the fuel budget.
pub const TICK: u32 = 1 << 14;

/// Code address 0 holds `Halt`: the return address the VM pushes when Rust enters code.
pub const HALT_PC: u32 = 0;
/// Code address 1 holds `CatchEnd`: the return address of a CATCHed xt.
pub const CATCH_END_PC: u32 = 1;

/// An active CATCH (9.6.1.0875): what THROW restores.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CatchFrame {
    pub sp: usize,
    pub rp: usize,
    pub frames: usize,
    pub locals: usize,
    pub inputs: usize,
    pub level: u32,
    pub resume: u32,
    pub state: Cell,
}

/// The state the dispatch loop works on.
pub(crate) struct Hot {
    pub ds: Box<[Cell; DS_SIZE]>,
    pub sp: usize,
    pub rs: Box<[Cell; RS_SIZE]>,
    pub rp: usize,
    /// Locals of all active frames, and each frame's base index.
    pub locals: Vec<Cell>,
    pub frames: Vec<usize>,
    pub code: Vec<Op>,
    pub mem: Memory,
    /// 64-bit literals (`LitK`).
    pub consts: Vec<Cell>,
    /// Code entry of each execution token.
    pub xts: Vec<u32>,
    /// The JIT tier's per-definition state, indexed by `Op::JitEntry`'s id.
    pub jit: Vec<JitSlot>,
}

/// What `Op::JitEntry` does for one definition (see `crate::jit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JitState {
    /// Not compiled yet: count calls down to a compile attempt.
    Counting,
    /// Compiled: run the native code.
    Ready,
    /// Not compilable (or compilation failed): stay interpreted.
    Interpreted,
}

/// One definition's JIT state as the dispatch loop sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JitSlot {
    /// Calls left before a compile attempt (while `Counting`).
    pub countdown: u32,
    /// See [`JitState`].
    pub state: JitState,
}

/// Why the dispatch loop returned to the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// `Halt` reached: the entered code returned.
    Halt,
    /// A system word to run with the whole VM.
    Sys(u16),
    /// CATCH: push a frame and execute the xt on the stack.
    Catch,
    /// The CATCHed xt returned normally.
    CatchEnd,
    /// DOES>: retarget the latest CREATEd word to the code at the address.
    Does(u32),
    /// The tick budget ran out: check the interrupt flag and fuel.
    Tick,
    /// An exception was raised (the pc is synced).
    Throw(i64),
    /// `JitEntry` of a compiled definition: run its native code (pc is past the entry).
    Jit(u32),
    /// `JitEntry` whose call count ran out: try to compile it, then run it.
    JitCompile(u32),
}

impl Hot {
    pub(crate) fn new(mem: Memory) -> Hot {
        let ds: Box<[Cell; DS_SIZE]> = vec![0; DS_SIZE]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("DS_SIZE cells"));
        let rs: Box<[Cell; RS_SIZE]> = vec![0; RS_SIZE]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("RS_SIZE cells"));
        Hot {
            ds,
            sp: 0,
            rs,
            rp: 0,
            locals: Vec::new(),
            frames: Vec::new(),
            code: vec![Op::Halt, Op::CatchEnd],
            mem,
            consts: Vec::new(),
            xts: Vec::new(),
            jit: Vec::new(),
        }
    }

    /// Pushes a cell (for system words).
    ///
    /// # Errors
    /// -3 when the stack is full.
    #[inline]
    pub fn push(&mut self, v: Cell) -> Result<(), Throw> {
        if self.sp >= DS_MAX {
            return Err(Throw(code::STACK_OVERFLOW));
        }
        self.ds[self.sp] = v;
        self.sp += 1;
        Ok(())
    }

    /// Pops a cell (for system words).
    ///
    /// # Errors
    /// -4 when the stack is empty.
    #[inline]
    pub fn pop(&mut self) -> Result<Cell, Throw> {
        if self.sp == 0 {
            return Err(Throw(code::STACK_UNDERFLOW));
        }
        self.sp -= 1;
        Ok(self.ds[self.sp])
    }

    /// The cell `i` below the top (0 = top) without popping.
    ///
    /// # Errors
    /// -4 when the stack is not that deep.
    pub fn peek(&self, i: usize) -> Result<Cell, Throw> {
        if i >= self.sp {
            return Err(Throw(code::STACK_UNDERFLOW));
        }
        Ok(self.ds[self.sp - 1 - i])
    }

    /// Fails with -4 unless the stack holds at least `n` cells.
    ///
    /// # Errors
    /// -4 when it holds fewer.
    pub fn need(&self, n: usize) -> Result<(), Throw> {
        if self.sp < n {
            Err(Throw(code::STACK_UNDERFLOW))
        } else {
            Ok(())
        }
    }

    /// Pushes onto the return stack.
    ///
    /// # Errors
    /// -5 when it is full.
    pub fn rpush(&mut self, v: Cell) -> Result<(), Throw> {
        if self.rp >= RS_MAX {
            return Err(Throw(code::RSTACK_OVERFLOW));
        }
        self.rs[self.rp] = v;
        self.rp += 1;
        Ok(())
    }

    /// Pops a double (the high cell is on top): `( lo hi -- )` returns `lo + hi·2^64`.
    ///
    /// # Errors
    /// -4 when fewer than two cells are on the stack.
    pub fn pop_double(&mut self) -> Result<i128, Throw> {
        let hi = self.pop()?;
        let lo = self.pop()?;
        Ok(((hi as i128) << 64) | (lo as u64 as i128))
    }

    /// Pushes a double as two cells, low cell first.
    ///
    /// # Errors
    /// -3 when the stack is full.
    pub fn push_double(&mut self, d: i128) -> Result<(), Throw> {
        self.push(d as i64)?;
        self.push((d >> 64) as i64)
    }

    /// Pops `( c-addr u )` and checks the range.
    ///
    /// # Errors
    /// -4 on underflow, -9 when the range is invalid.
    pub fn pop_string(&mut self) -> Result<(Cell, usize), Throw> {
        let u = self.pop()?;
        let a = self.pop()?;
        if u < 0 || !self.mem.valid(a, u as usize) {
            return Err(Throw(code::INVALID_ADDRESS));
        }
        Ok((a, u as usize))
    }

    /// The data stack's contents, bottom first.
    pub fn stack(&self) -> &[Cell] {
        &self.ds[..self.sp]
    }
}

/// Counters that bound a run: remaining fuel and the interrupt flag.
pub(crate) struct Budget {
    pub fuel: u64,
    pub interrupt: Arc<AtomicBool>,
}

impl Budget {
    /// Called every [`TICK`] steps.
    pub fn tick(&mut self) -> Result<(), Throw> {
        if self.interrupt.swap(false, Ordering::Relaxed) {
            return Err(Throw(code::USER_INTERRUPT));
        }
        match self.fuel.checked_sub(TICK as u64) {
            Some(f) => {
                self.fuel = f;
                Ok(())
            }
            None => {
                self.fuel = 0;
                Err(Throw(code::FUEL))
            }
        }
    }
}
