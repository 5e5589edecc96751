//! Timing: warm-up, repeated passes until a time budget is spent, medians.

use std::time::{Duration, Instant};

/// What one pass over the inputs produced (the same for every engine, so the
/// harness can cross-check result sizes).
#[derive(Clone, Debug, Default)]
pub struct Pass {
    /// Result items over all inputs of the pass.
    pub items: u64,
    /// Inputs whose evaluation failed.
    pub errors: u64,
    /// The first failure's message.
    pub first_error: Option<String>,
    /// Bytes of rendered output (end-to-end passes only).
    pub out_bytes: u64,
    /// Inputs seen (end-to-end passes count lines).
    pub inputs: u64,
}

impl Pass {
    /// Records one failed input.
    pub fn fail(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }
}

/// How long to keep measuring.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Keep running passes until this much time was measured…
    pub time: Duration,
    /// …and at least this many passes ran…
    pub min_passes: usize,
    /// …but never more than this many.
    pub max_passes: usize,
}

/// The pass times of one measurement.
#[derive(Clone, Debug)]
pub struct Timings {
    /// Seconds per measured pass, in run order.
    pub passes: Vec<f64>,
    /// The last pass's counters.
    pub last: Pass,
}

impl Timings {
    /// The median pass time in seconds.
    pub fn median(&self) -> f64 {
        median(&self.passes)
    }
}

/// The median of `xs` (0 when empty).
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `pass` once to warm up (caches, branch predictors, allocator), then
/// repeatedly within `budget`, timing each pass.
pub fn run_passes(budget: Budget, mut pass: impl FnMut() -> Pass) -> Timings {
    let warm = Instant::now();
    let mut last = pass();
    // A second warm-up pass for quick passes, so lazily built peer caches settle.
    if warm.elapsed() < Duration::from_millis(200) {
        last = pass();
    }
    let mut passes = Vec::new();
    let mut spent = Duration::ZERO;
    while passes.len() < budget.max_passes
        && (passes.len() < budget.min_passes || spent < budget.time)
    {
        let t = Instant::now();
        last = pass();
        let d = t.elapsed();
        spent += d;
        passes.push(d.as_secs_f64());
    }
    Timings { passes, last }
}

/// Times an operation of a few microseconds: batches of `batch` calls, with
/// `batch` grown until one batch takes at least 10 ms (at most `max_batch`),
/// then `batches` batches; returns the median seconds per call.
pub fn per_call(batches: usize, max_batch: usize, mut op: impl FnMut()) -> f64 {
    for _ in 0..3 {
        op();
    }
    let mut batch = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            op();
        }
        if t.elapsed() >= Duration::from_millis(10) || batch >= max_batch {
            break;
        }
        batch = (batch * 4).min(max_batch);
    }
    let mut per = Vec::with_capacity(batches);
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..batch {
            op();
        }
        per.push(t.elapsed().as_secs_f64() / batch as f64);
    }
    median(&per)
}
