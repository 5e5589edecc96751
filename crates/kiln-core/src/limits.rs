//! Resource limits for running untrusted code: fuel (steps), nesting depth and memory.

use std::fmt;

/// Bounds on one evaluation or run. Every VM checks fuel on backward jumps
/// and calls, depth on calls and nesting, and memory where it allocates
/// collections or strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of steps (instructions, loop iterations); `u64::MAX` for none.
    pub fuel: u64,
    /// Maximum nesting depth (calls, recursion, parser nesting).
    pub max_depth: u32,
    /// Maximum bytes a run may hold in its own structures (collections, strings).
    pub max_memory: usize,
}

impl Default for Limits {
    /// Generous defaults for trusted batch work: 10^9 steps, depth 512, 1 GiB.
    fn default() -> Self {
        Limits {
            fuel: 1_000_000_000,
            max_depth: 512,
            max_memory: 1 << 30,
        }
    }
}

impl Limits {
    /// No limits other than the depth that protects the native stack.
    pub fn unlimited() -> Self {
        Limits {
            fuel: u64::MAX,
            max_depth: 512,
            max_memory: usize::MAX,
        }
    }
}

/// Which limit a run hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitExceeded {
    /// The step budget ran out (a runaway loop or an oversized input).
    Fuel,
    /// Nesting went deeper than `max_depth`.
    Depth,
    /// The run tried to hold more than `max_memory` bytes.
    Memory,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitExceeded::Fuel => "step budget exhausted",
            LimitExceeded::Depth => "nesting too deep",
            LimitExceeded::Memory => "memory limit exceeded",
        })
    }
}

impl std::error::Error for LimitExceeded {}

/// A step counter drawn down from [`Limits::fuel`].
#[derive(Clone, Copy, Debug)]
pub struct Fuel(u64);

impl Fuel {
    /// A budget of `steps`.
    pub fn new(steps: u64) -> Fuel {
        Fuel(steps)
    }

    /// Takes `n` steps from the budget; errors when it would go below zero.
    #[inline]
    pub fn consume(&mut self, n: u64) -> Result<(), LimitExceeded> {
        match self.0.checked_sub(n) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => Err(LimitExceeded::Fuel),
        }
    }

    /// Steps left.
    pub fn remaining(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuel_runs_out() {
        let mut f = Fuel::new(3);
        assert!(f.consume(2).is_ok());
        assert_eq!(f.consume(2), Err(LimitExceeded::Fuel));
        assert_eq!(f.remaining(), 1);
    }
}
