//! Differential test of the JIT tier: random small programs, built from
//! the core word sets (stack, arithmetic, comparison, memory, IF/ELSE,
//! DO/LOOP, `DUP +LOOP` with run-time steps of either sign, I-addressed
//! memory in loops that fault at some iteration (including the loops the
//! JIT versions: ranges leaving memory at the top, run-time steps of either
//! sign, LEAVE, long loops crossing fuel refills), BEGIN/UNTIL, >R/R>, calls
//! (compiled-to-compiled ones pass cells in registers), RECURSE,
//! accumulating recursion (`… RECURSE op ;`, turned into a loop by the
//! JIT; deep enough to overflow the data stack, or to run out of fuel),
//! CATCH/THROW, output), run
//! with `--jit=off` and `--jit=always`; the output, the final data stack and
//! the error (if any) must be identical. The generator is seeded, so a
//! failure names the seed and the program; `KILN_DIFF_CASES=N` runs more.

use kiln_forth::jit::JitMode;
use kiln_forth::{Forth, Options};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A word defined so far: name, cells consumed, cells produced.
struct Def {
    name: String,
    k: usize,
    m: usize,
}

const LITS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "10",
    "100",
    "-5",
    "255",
    "64",
    "63",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
];

/// (text, consumed, produced) of straight-line words.
const OPS: &[(&str, usize, usize)] = &[
    ("DUP", 1, 2),
    ("DROP", 1, 0),
    ("SWAP", 2, 2),
    ("OVER", 2, 3),
    ("ROT", 3, 3),
    ("-ROT", 3, 3),
    ("NIP", 2, 1),
    ("TUCK", 2, 3),
    ("2DUP", 2, 4),
    ("2DROP", 2, 0),
    ("2SWAP", 4, 4),
    ("2OVER", 4, 6),
    ("+", 2, 1),
    ("-", 2, 1),
    ("*", 2, 1),
    ("/", 2, 1),
    ("MOD", 2, 1),
    ("/MOD", 2, 2),
    ("*/", 3, 1),
    ("*/MOD", 3, 2),
    ("NEGATE", 1, 1),
    ("ABS", 1, 1),
    ("MIN", 2, 1),
    ("MAX", 2, 1),
    ("1+", 1, 1),
    ("1-", 1, 1),
    ("2*", 1, 1),
    ("2/", 1, 1),
    ("LSHIFT", 2, 1),
    ("RSHIFT", 2, 1),
    ("AND", 2, 1),
    ("OR", 2, 1),
    ("XOR", 2, 1),
    ("INVERT", 1, 1),
    ("=", 2, 1),
    ("<>", 2, 1),
    ("<", 2, 1),
    (">", 2, 1),
    ("U<", 2, 1),
    ("U>", 2, 1),
    ("0=", 1, 1),
    ("0<>", 1, 1),
    ("0<", 1, 1),
    ("0>", 1, 1),
    ("WITHIN", 3, 1),
    ("S>D", 1, 2),
    ("UM*", 2, 2),
    ("M*", 2, 2),
    ("D+", 4, 2),
    ("D-", 4, 2),
    ("SM/REM", 3, 2),
    ("FM/MOD", 3, 2),
    ("UM/MOD", 3, 2),
    ("7 AND", 1, 1),
    ("3 +", 1, 1),
    (".", 1, 0),
];

struct Gen<'a> {
    rng: &'a mut Rng,
    defs: &'a [Def],
    /// Inside a definition that may RECURSE with this effect.
    recurse: Option<(usize, usize)>,
    loops: usize,
}

impl Gen<'_> {
    /// Appends code starting at depth `d` (cells available); returns the new depth.
    fn seq(&mut self, out: &mut String, mut d: usize, len: usize, nest: usize) -> usize {
        for _ in 0..len {
            d = self.item(out, d, nest);
        }
        d
    }

    /// Brings the depth from `d` to `want` with literals or DROPs.
    fn fix(out: &mut String, mut d: usize, want: usize) {
        while d < want {
            out.push_str(" 1");
            d += 1;
        }
        while d > want {
            out.push_str(" DROP");
            d -= 1;
        }
    }

    fn item(&mut self, out: &mut String, d: usize, nest: usize) -> usize {
        let r = self.rng.below(100);
        // A rare unchecked op: may underflow (the interpreter's error must be kept).
        if self.rng.chance(2) {
            let (t, k, m) = OPS[self.rng.below(OPS.len() as u64) as usize];
            out.push(' ');
            out.push_str(t);
            return (d + m).saturating_sub(k);
        }
        if d == 0 || r < 22 {
            let l = LITS[self.rng.below(LITS.len() as u64) as usize];
            out.push(' ');
            out.push_str(l);
            return d + 1;
        }
        if r < 70 {
            for _ in 0..8 {
                let (t, k, m) = OPS[self.rng.below(OPS.len() as u64) as usize];
                if k <= d {
                    out.push(' ');
                    out.push_str(t);
                    return d - k + m;
                }
            }
            out.push_str(" DUP");
            return d + 1;
        }
        match r {
            70..=74 if nest < 3 => {
                // IF … ELSE … THEN with balanced arms
                out.push_str(" IF");
                let a = {
                    let n = 1 + self.rng.below(3) as usize;
                    self.seq(out, d - 1, n, nest + 1)
                };
                out.push_str(" ELSE");
                let b = {
                    let n = 1 + self.rng.below(3) as usize;
                    self.seq(out, d - 1, n, nest + 1)
                };
                Self::fix(out, b, a);
                out.push_str(" THEN");
                a
            }
            75..=78 if nest < 3 && self.loops < 2 => {
                // a counted loop with a balanced body
                self.loops += 1;
                let n = self.rng.below(6);
                let step: i64 = [1, 1, 2, 3, -1, -2, 5][self.rng.below(7) as usize];
                let plus = self.rng.chance(40);
                let (lim, start) = if self.rng.chance(20) {
                    (n, n)
                } else if plus && step < 0 {
                    (0, n + 1)
                } else {
                    (n + 1, 0)
                };
                let word = if self.rng.chance(30) { "?DO" } else { "DO" };
                out.push_str(&format!(" {lim} {start} {word} I"));
                let e = {
                    let n = 1 + self.rng.below(3) as usize;
                    self.seq(out, d + 1, n, nest + 1)
                };
                Self::fix(out, e, d);
                if plus && self.rng.chance(50) {
                    // a step computed at run time (not fused into the op)
                    out.push_str(&format!(" {step} 1 * +LOOP"));
                } else if plus {
                    out.push_str(&format!(" {step} +LOOP"));
                } else {
                    out.push_str(" LOOP");
                }
                self.loops -= 1;
                d
            }
            79..=80 if nest < 3 => {
                // BEGIN … UNTIL with a counter on the return stack
                let n = 1 + self.rng.below(4);
                out.push_str(&format!(" {n} >R BEGIN"));
                let e = {
                    let n = 1 + self.rng.below(2) as usize;
                    self.seq(out, d, n, nest + 1)
                };
                Self::fix(out, e, d);
                out.push_str(" R> 1- DUP >R 0= UNTIL R> DROP");
                d
            }
            81..=85 => {
                // memory: the buffer BUF holds 8 cells
                let i = self.rng.below(8);
                match self.rng.below(6) {
                    0 => {
                        out.push_str(&format!(" BUF {i} CELLS + !"));
                        d - 1
                    }
                    1 => {
                        out.push_str(&format!(" BUF {i} CELLS + @"));
                        d + 1
                    }
                    2 => {
                        out.push_str(&format!(" BUF {i} + C!"));
                        d - 1
                    }
                    3 => {
                        out.push_str(&format!(" BUF {i} + C@"));
                        d + 1
                    }
                    4 => {
                        out.push_str(&format!(" BUF {i} CELLS + +!"));
                        d - 1
                    }
                    // an address that may be invalid (-9)
                    _ => {
                        out.push_str(" 7 AND CELLS BUF + @");
                        d
                    }
                }
            }
            86..=90 if !self.defs.is_empty() => {
                let w = &self.defs[self.rng.below(self.defs.len() as u64) as usize];
                if w.k <= d {
                    out.push(' ');
                    out.push_str(&w.name);
                    d - w.k + w.m
                } else {
                    out.push_str(" 0");
                    d + 1
                }
            }
            91..=92 => {
                out.push_str(" >R");
                let e = self.seq(out, d - 1, 1, nest + 1);
                Self::fix(out, e, d - 1);
                out.push_str(" R>");
                d
            }
            93 if d >= 1 => {
                out.push_str(" DUP 3 AND IF DUP THROW THEN");
                d
            }
            94 => {
                if let Some((k, m)) = self.recurse
                    && d > k
                    && nest < 2
                {
                    // recursion guarded by a decreasing counter on top
                    out.push_str(" DUP 0> IF 1- RECURSE ELSE THEN");
                    let _ = m;
                    return d;
                }
                out.push_str(" 1");
                d + 1
            }
            95..=96 if nest < 3 && self.loops < 2 => {
                // DUP +LOOP with a step computed at run time, positive or
                // negative (the JIT specialises an invariant step by its
                // sign); the body may or may not touch the step's cell.
                self.loops += 1;
                let n = 1 + self.rng.below(9) as i64;
                let step: i64 = [1, 2, 3, -1, -2, -3][self.rng.below(6) as usize];
                let (lim, start) = if step > 0 { (n, 0) } else { (0, n) };
                out.push_str(&format!(" {step} 1 * {lim} {start} DO I"));
                let e = {
                    let n = 1 + self.rng.below(3) as usize;
                    self.seq(out, d + 2, n, nest + 1)
                };
                Self::fix(out, e, d + 1);
                out.push_str(" DUP +LOOP DROP");
                self.loops -= 1;
                d
            }
            97 if self.loops < 2 => {
                // A counted loop addressing memory with I that leaves valid
                // memory at some iteration (THROW -9 at that iteration), or
                // one that stays inside BUF.
                if self.rng.chance(50) {
                    let n = 1 + self.rng.below(4) * 8;
                    out.push_str(&format!(" 0 {} DO I @ DROP I C@ DROP -8 +LOOP", 4096 + n));
                } else {
                    out.push_str(" BUF 8 CELLS + BUF DO I I ! I @ DROP 1 I C! CELL +LOOP");
                }
                d
            }
            98 if self.loops < 2 => {
                // Loops the JIT versions (index-addressed accesses checked
                // once at the DO): ranges that leave memory at the top at
                // some iteration, run-time steps of either sign, LEAVE,
                // and long loops whose fuel countdown crosses a refill (or
                // runs out: the error and the stack must match).
                let end = "HERE UNUSED +";
                let acc = [
                    "I C@ DROP",
                    "I @ DROP",
                    "0 I C!",
                    "I 2@ 2DROP",
                    "7 I !",
                    "I 2@ I 2!",
                ][self.rng.below(6) as usize];
                match self.rng.below(8) {
                    6 => {
                        // pointers carried on the stack (induction
                        // variables), leaving memory at either end at some
                        // iteration or staying inside BUF
                        let n = [2, 4, 8, 9][self.rng.below(4) as usize];
                        let top = format!("{end} 24 -");
                        let (p, step) = [
                            ("BUF", "CELL+"),
                            ("BUF 7 CELLS +", "8 -"),
                            (top.as_str(), "CELL+"),
                            ("4104", "-8 +"),
                            ("BUF 3 +", "1+"),
                        ][self.rng.below(5) as usize];
                        let a = [
                            "DUP @ DROP",
                            "7 OVER !",
                            "DUP C@ DROP",
                            "1 OVER +!",
                            "DUP 3 + @ DROP",
                        ][self.rng.below(5) as usize];
                        out.push_str(&format!(" {p} {n} 0 DO {a} {step} LOOP DROP"));
                    }
                    7 => {
                        // a dot product step with a sum on the return stack
                        let n = [2, 4, 8, 9][self.rng.below(4) as usize];
                        out.push_str(&format!(
                            " BUF BUF 0 {n} 0 DO >R OVER @ OVER @ * R> + >R SWAP CELL+ SWAP 8 + R> LOOP >R 2DROP R> ."
                        ));
                    }
                    0 | 1 => {
                        let lo = [3, 16, 24, 40][self.rng.below(4) as usize];
                        let hi = [-8, -1, 0, 5][self.rng.below(4) as usize];
                        let step = if self.rng.chance(50) {
                            "LOOP"
                        } else {
                            "8 +LOOP"
                        };
                        out.push_str(&format!(" {end} {hi} + {end} {lo} - DO {acc} {step}"));
                    }
                    2 => {
                        let step: i64 = [1, 3, 8, -1, -8, 16][self.rng.below(6) as usize];
                        let (lim, start) = if step > 0 {
                            (
                                format!(
                                    "{end} {}",
                                    ["8 -", "4 +", "16 -"][self.rng.below(3) as usize]
                                ),
                                format!("{end} 40 -"),
                            )
                        } else {
                            (
                                format!("{end} 40 -"),
                                format!(
                                    "{end} {}",
                                    ["16 -", "1 -", "0 +"][self.rng.below(3) as usize]
                                ),
                            )
                        };
                        out.push_str(&format!(
                            " {step} 1 * {lim} {start} DO {acc} DUP +LOOP DROP"
                        ));
                    }
                    3 => {
                        let at = self.rng.below(9);
                        out.push_str(&format!(
                            " BUF 8 CELLS + BUF DO {acc} I BUF {at} CELLS + = IF LEAVE THEN CELL +LOOP"
                        ));
                    }
                    4 => {
                        let n = [100, 20000, 40000][self.rng.below(3) as usize];
                        out.push_str(&format!(" 0 {n} 0 DO I + LOOP DROP"));
                    }
                    _ => {
                        if self.rng.chance(30) {
                            out.push_str(" 0 BEGIN 5000 0 DO I + LOOP AGAIN");
                        } else {
                            out.push_str(" BUF 64 + BUF DO I C@ DROP LOOP");
                        }
                    }
                }
                d
            }
            _ => {
                out.push_str(" DEPTH DROP");
                d
            }
        }
    }
}

fn program(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut text = String::from("CREATE BUF 8 CELLS ALLOT BUF 8 CELLS 0 FILL\n");
    let mut defs: Vec<Def> = Vec::new();
    let n = 2 + rng.below(4) as usize;
    for w in 0..n {
        let k = rng.below(3) as usize;
        let mut body = String::new();
        let len = 2 + rng.below(7) as usize;
        let m = {
            let mut g = Gen {
                rng: &mut rng,
                defs: &defs,
                recurse: None,
                loops: 0,
            };
            g.seq(&mut body, k, len, 0)
        };
        let name = format!("W{w}");
        text.push_str(&format!(": {name}{body} ;\n"));
        defs.push(Def { name, k, m });
    }
    // a recursive word: ( x n -- x' n' ) counting n down
    text.push_str(": RW DUP 0> IF 1- SWAP 3 * 1+ 65535 AND SWAP RECURSE THEN ;\n");
    defs.push(Def {
        name: "RW".into(),
        k: 2,
        m: 2,
    });
    // An accumulating recursive word ( n -- r ) or ( a n -- r ): every
    // path ends in an exit or in `RECURSE op ;` with x computed before the
    // call (the JIT turns those calls into a loop), sometimes fib-shaped;
    // x comes from random code (calls, output, DEPTH, THROW, memory). Big
    // arguments overflow the data stack at some depth, fib-shaped ones
    // may run out of fuel.
    let k = 1 + rng.below(2) as usize;
    let op = ["+", "*", "AND", "OR", "XOR"][rng.below(5) as usize];
    let lim = 1 + rng.below(3);
    let mut x = String::new();
    {
        let mut g = Gen {
            rng: &mut rng,
            defs: &defs,
            recurse: None,
            loops: 1,
        };
        let len = 1 + g.rng.below(4) as usize;
        let e = g.seq(&mut x, k, len, 1);
        Gen::fix(&mut x, e, 1);
    }
    let dec = ["1-", "2 -", "3 -"][rng.below(3) as usize];
    let text_aw = if k == 1 {
        let base = ["DROP 1", "", "3 *", "DROP -1"][rng.below(4) as usize];
        if rng.chance(30) {
            format!(
                ": AW DUP {lim} < IF {base} EXIT THEN DUP >R{x} DROP R> DUP 1- RECURSE SWAP 2 - RECURSE {op} ;\n"
            )
        } else {
            format!(": AW DUP {lim} < IF {base} EXIT THEN DUP >R{x} R> {dec} RECURSE {op} ;\n")
        }
    } else {
        let base = ["NIP", "DROP", "+", "*"][rng.below(4) as usize];
        format!(": AW DUP {lim} < IF {base} EXIT THEN 2DUP >R >R{x} R> R> {dec} RECURSE {op} ;\n")
    };
    text.push_str(&text_aw);
    defs.push(Def {
        name: "AW".into(),
        k,
        m: 1,
    });
    // main: a few calls, some under CATCH
    let mut main = String::new();
    let mut d = 0;
    let mut g = Gen {
        rng: &mut rng,
        defs: &defs,
        recurse: None,
        loops: 0,
    };
    let len = 3 + g.rng.below(5) as usize;
    d = g.seq(&mut main, d, len, 0);
    let _ = d;
    text.push_str(&format!(": MAIN{main} ;\n"));
    text.push_str("' MAIN CATCH . DEPTH .\n");
    text.push_str("MAIN\n");
    text
}

#[derive(Debug)]
struct Run {
    compiled: usize,
    accumulating: usize,
    output: String,
    stack: Vec<i64>,
    error: Option<String>,
}

fn run(text: &str, jit: JitMode) -> Run {
    // `n n DO` loops 2^64 times: fuel bounds it (identically on both tiers).
    let mut f = Forth::with_options(Options {
        capture_output: true,
        input: Some(Vec::new()),
        jit,
        limits: kiln_core::Limits {
            fuel: 1 << 22,
            max_depth: 64,
            max_memory: 1 << 20,
        },
        ..Options::default()
    });
    let r = f.interpret("<diff>", text);
    Run {
        compiled: f.jit_stats().compiled,
        accumulating: f.jit_stats().accumulating,
        output: String::from_utf8_lossy(&f.take_output()).into_owned(),
        stack: f.stack().to_vec(),
        error: r.err().map(|e| e.to_string()),
    }
}

#[test]
fn random_programs_agree_on_both_tiers() {
    let cases: u64 = std::env::var("KILN_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let mut compiled = 0;
    let mut accumulating = 0;
    for seed in 1..=cases {
        let text = program(seed);
        let a = run(&text, JitMode::Off);
        let b = run(&text, JitMode::Always);
        let ctx = || format!("seed {seed}, program:\n{text}");
        assert_eq!(a.output, b.output, "output differs; {}", ctx());
        assert_eq!(a.stack, b.stack, "stack differs; {}", ctx());
        assert_eq!(a.error, b.error, "error differs; {}", ctx());
        compiled += b.compiled;
        accumulating += b.accumulating;
    }
    eprintln!("{cases} programs: {compiled} definitions compiled, {accumulating} accumulating");
    // … and the accumulating recursion (AW) on most programs.
    assert!(
        accumulating as u64 > cases / 3,
        "only {accumulating} accumulating definitions"
    );
    // The generator must exercise compiled code, not only the fallback.
    assert!(
        compiled as u64 > cases * 2,
        "only {compiled} definitions compiled"
    );
}

#[test]
fn deep_recursion_and_runaway_loops_are_bounded_when_compiled() {
    // Return-stack overflow is the standard THROW, as interpreted.
    let text = ": DEEP 1+ RECURSE ; 0 DEEP";
    let a = run(text, JitMode::Off);
    let b = run(text, JitMode::Always);
    assert_eq!(a.error, b.error);
    assert!(
        b.error.as_deref().unwrap_or("").contains("(-5)"),
        "{:?}",
        b.error
    );
    // Compiled-to-compiled calls (cells in registers) that overflow the
    // data stack, or the return stack first, with cells of every frame
    // still in registers: the same error and stack as interpreted.
    for text in [
        ": GROW DUP 0> IF 1- DUP RECURSE THEN ; 100000 GROW",
        ": GROW2 DUP 0> IF 1- 7 SWAP RECURSE + THEN ; : TOP 5000 GROW2 ; TOP",
        ": F2 DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ; \
         : DIVE ( n -- n' ) DUP 0= IF 0 / THEN 1- 9 F2 DROP DUP 0< 0= IF RECURSE THEN ; \
         : TRY 30 ['] DIVE CATCH . DEPTH . 12 ; TRY",
    ] {
        let a = run(text, JitMode::Off);
        let b = run(text, JitMode::Always);
        assert_eq!(a.error, b.error, "{text}");
        assert_eq!(a.stack, b.stack, "{text}");
        assert_eq!(a.output, b.output, "{text}");
        assert!(b.compiled >= 1, "{text}");
    }
    // Fuel bounds a runaway loop in compiled code.
    let mut f = Forth::with_options(Options {
        capture_output: true,
        jit: JitMode::Always,
        limits: kiln_core::Limits {
            fuel: 1 << 20,
            max_depth: 64,
            max_memory: 1 << 20,
        },
        ..Options::default()
    });
    let e = f
        .interpret("<loop>", ": SPIN BEGIN 1 DROP AGAIN ; SPIN")
        .expect_err("fuel runs out");
    assert!(f.jit_stats().compiled >= 1);
    let fuel = kiln_forth::error::code::FUEL;
    assert_eq!(e.code, fuel, "{e}");
    // Memory faults raise -9 at the faulting op.
    let text = ": BAD 0 @ ; BAD";
    assert_eq!(
        run(text, JitMode::Off).error,
        run(text, JitMode::Always).error
    );
}

#[test]
fn auto_mode_compiles_what_gets_hot() {
    let mut f = Forth::with_options(Options {
        capture_output: true,
        jit: JitMode::Auto,
        ..Options::default()
    });
    let fib = ": FIB DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ;";
    f.interpret("<auto>", fib).unwrap();
    f.interpret("<auto>", ": SQ DUP * ;  : SUM 0 SWAP 0 DO I + LOOP ;")
        .unwrap();
    assert_eq!(f.jit_stats().compiled, 0, "nothing runs yet");
    // A loop-free word turns hot after HOT_CALLS calls; RECURSE counts.
    f.interpret("<auto>", "3 SQ DROP 3 SQ DROP").unwrap();
    assert_eq!(f.jit_stats().compiled, 0);
    f.interpret("<auto>", "20 FIB").unwrap();
    assert_eq!(f.stack(), &[10946]);
    assert_eq!(f.jit_stats().compiled, 1, "FIB compiled while recursing");
    // A word with a loop compiles at its first call.
    f.interpret("<auto>", "100 SUM").unwrap();
    assert_eq!(f.stack(), &[10946, 4950]);
    assert_eq!(f.jit_stats().compiled, 2);
    // Off: nothing is ever compiled.
    let mut g = Forth::with_options(Options {
        capture_output: true,
        ..Options::default()
    });
    g.interpret("<off>", fib).unwrap();
    g.interpret("<off>", "20 FIB").unwrap();
    assert_eq!(g.stack(), &[10946]);
    assert_eq!(g.jit_stats().definitions, 0);
}

#[test]
fn versioned_loops_fault_at_the_same_iteration() {
    // Loops the JIT versions (one range test at the DO, an unchecked copy
    // of the body when it passes): each leaves valid memory at some
    // iteration, so the checked copy must run and fault exactly where the
    // interpreter does, with the same stack and output.
    let text = "CREATE BUF 8 CELLS ALLOT BUF 8 CELLS 0 FILL
        : END HERE UNUSED + ;
        : P1 END 24 - 9 0 DO DUP @ . CELL+ LOOP DROP ;
        : P2 4104 9 0 DO DUP @ . -8 + LOOP DROP ;
        : P3 END 8 + END 24 - DO I C@ . LOOP ;
        : P4 END END 40 - DO I 2@ + . 8 +LOOP ;
        : P5 ( step -- ) END 40 - END 1 - DO 1 I C! DUP +LOOP DROP ;
        : P6 ( step -- ) END END 40 - DO 0 I ! DUP +LOOP DROP ;
        : P7 BUF BUF 0 9 0 DO >R OVER @ OVER @ * R> + >R SWAP CELL+ SWAP 8 + R> LOOP ;
        : P8 BUF 8 CELLS + BUF DO 3 I ! CELL +LOOP BUF 8 0 DO DUP @ . CELL+ LOOP DROP ;
        : P9 ( lim start -- ) DO I 2@ > IF I 2@ SWAP I 2! THEN CELL +LOOP ;
        : SHOW BUF 8 0 DO DUP @ . CELL+ LOOP DROP ;
        : FILLB BUF 8 0 DO I 5 * 7 AND OVER ! CELL+ LOOP DROP ;
        : RUN ( xt -- ) CATCH . DEPTH . CR ;
        : P10 END END 32 - P9 ;
        FILLB BUF 7 CELLS + BUF P9 SHOW ' P10 RUN
        ' P1 RUN ' P2 RUN ' P3 RUN ' P4 RUN -8 ' P5 RUN 3 ' P6 RUN 8 ' P6 RUN ' P7 RUN ' P8 RUN
        END 40 - 1 P6 DEPTH .";
    let a = run(text, JitMode::Off);
    let b = run(text, JitMode::Always);
    assert_eq!(a.output, b.output);
    assert_eq!(a.stack, b.stack);
    assert_eq!(a.error, b.error);
    assert!(a.output.matches("-9 ").count() >= 5, "{}", a.output);
    assert!(b.compiled >= 9);
}

/// Runs `text` on both tiers with `fuel`; asserts identical output, stack
/// and error; returns the compiled run's statistics and result.
fn both(text: &str, fuel: u64) -> (kiln_forth::jit::JitStats, Run) {
    both_then(text, fuel, "")
}

/// [`both`], then (even after an error) `after` on the same system, whose
/// stack is compared too.
fn both_then(text: &str, fuel: u64, after: &str) -> (kiln_forth::jit::JitStats, Run) {
    let go = |jit| {
        let mut f = Forth::with_options(Options {
            capture_output: true,
            input: Some(Vec::new()),
            jit,
            limits: kiln_core::Limits {
                fuel,
                max_depth: 64,
                max_memory: 1 << 20,
            },
            ..Options::default()
        });
        let mut r = f.interpret("<acc>", text);
        if !after.is_empty() {
            let r2 = f.interpret("<after>", after);
            r = r.and(r2);
        }
        let run = Run {
            compiled: f.jit_stats().compiled,
            accumulating: f.jit_stats().accumulating,
            output: String::from_utf8_lossy(&f.take_output()).into_owned(),
            stack: f.stack().to_vec(),
            error: r.err().map(|e| e.to_string()),
        };
        (f.jit_stats(), run)
    };
    let (_, a) = go(JitMode::Off);
    let (stats, b) = go(JitMode::Always);
    assert_eq!(a.output, b.output, "output differs: {text}");
    assert_eq!(a.stack, b.stack, "stack differs: {text}");
    assert_eq!(a.error, b.error, "error differs: {text}");
    (stats, b)
}

#[test]
fn accumulating_recursion_keeps_results_limits_and_stacks() {
    // Every operator, with x computed before the call; the results.
    for (text, want) in [
        (": S DUP 0= IF EXIT THEN DUP 1- RECURSE + ; 100 S", 5050),
        (
            ": F DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE * ; 20 F",
            2432902008176640000,
        ),
        (
            ": F DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE * ; 30 F",
            -8764578968847253504,
        ),
        (
            ": A DUP 0= IF INVERT EXIT THEN DUP 1 OR SWAP 1- RECURSE AND ; 9 A",
            1,
        ),
        (
            ": O DUP 0= IF EXIT THEN 1 OVER LSHIFT SWAP 1- RECURSE OR ; 10 O",
            2046,
        ),
        (
            ": X DUP 0= IF EXIT THEN DUP 3 * SWAP 1- RECURSE XOR ; 50 X",
            69,
        ),
        // two accumulating sites; fib; a TailCall exit folded too
        (
            ": FIB DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ; 25 FIB",
            121393,
        ),
        (
            ": G 5 + ; : T DUP 0= IF G EXIT THEN DUP 1- RECURSE + ; 10 T",
            60,
        ),
        // k = 2 and k = 0
        (
            ": P ( a n -- s ) DUP 0= IF DROP EXIT THEN OVER >R 1- R> -ROT RECURSE + ; 7 4 P",
            35,
        ),
        (
            "VARIABLE C 5 C ! : Z C @ DUP 0= IF EXIT THEN DROP -1 C +! 10 RECURSE + ; Z",
            50,
        ),
    ] {
        let (stats, r) = both(text, 1 << 30);
        assert_eq!(r.error, None, "{text}");
        assert_eq!(r.stack.last(), Some(&want), "{text}");
        assert!(stats.compiled >= 1, "{text}");
        assert!(stats.accumulating >= 1, "{text}: not transformed");
    }
    // Mixed operators: one accumulator (the `*` site stays a call).
    let (stats, r) = both(
        ": M DUP 3 < IF EXIT THEN DUP 1 AND IF DUP 1- RECURSE + EXIT THEN DUP 1- RECURSE * ; 12 M",
        1 << 30,
    );
    assert_eq!(stats.accumulating, 1);
    assert_eq!(r.error, None);
    // Data-stack overflow at the same depth, the pending x cells on the
    // stack as the recursion leaves them (with and without CATCH).
    for text in [
        ": S DUP 0= IF EXIT THEN DUP 3 * SWAP 1- RECURSE + ; 5000 S",
        ": S DUP 0= IF EXIT THEN DUP 3 * SWAP 1- RECURSE + ; : T 5000 ['] S CATCH . DEPTH . ; T",
        ": S DUP 0= IF EXIT THEN DUP >R >R 1 2 3 DROP 2DROP R> R> 1- RECURSE + ; 4090 S",
    ] {
        let (stats, r) = both(text, 1 << 30);
        assert!(stats.accumulating >= 1, "{text}");
        assert!(
            r.error.as_deref().unwrap_or(&r.output).contains("-3"),
            "{text}: {r:?}"
        );
    }
    // Return-stack overflow first: called under a deep (real) recursion.
    let text = ": S DUP 0= IF EXIT THEN DUP 7 XOR SWAP 1- RECURSE + ; \
                : DEEP DUP 0= IF DROP 3000 S EXIT THEN 1- RECURSE 0 + ; 15000 DEEP";
    let (stats, r) = both(text, 1 << 30);
    assert!(stats.accumulating >= 1);
    assert!(r.error.as_deref().unwrap_or("").contains("(-5)"), "{r:?}");
    // THROW deep inside, caught: the cells the recursion left (x = 3n
    // overwrote the input cell) and the depth.
    let text = ": S DUP 5 = IF 99 THROW THEN DUP 0= IF EXIT THEN DUP 3 * SWAP 1- RECURSE + ; \
                : T 10 ['] S CATCH . DEPTH . . ; T 10 S";
    let (_, r) = both(text, 1 << 30);
    assert!(r.output.starts_with("99 1 30 "), "{r:?}");
    // Callees see the recursion's depth (DEPTH, output at every level).
    let text = ": SHOW DEPTH . ; : S DUP 0= IF EXIT THEN SHOW DUP 2 * SWAP 1- RECURSE + ; 1 2 20 S";
    let (stats, r) = both(text, 1 << 30);
    assert!(stats.accumulating >= 1 && stats.compiled >= 2);
    assert!(r.output.contains("21 22 "), "{r:?}");
    // Fuel runs out mid-recursion (the pending cells stay on the stack),
    // at several budgets.
    // The call count N at that point must match exactly (a refill after
    // a call that found the countdown at zero counts that call again, as
    // the interpreter re-executes it).
    for fuel in [1 << 16, 1 << 20, 3 << 20, (3 << 20) + 12345] {
        let text = "VARIABLE N : FIB 1 N +! DUP 2 < IF DROP 1 EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ; 40 FIB";
        let (stats, r) = both_then(text, fuel, "N @");
        assert!(stats.accumulating >= 1);
        assert!(r.error.is_some(), "{fuel}");
        assert!(r.stack.len() == 1 && r.stack[0] > 1000, "{fuel}: {r:?}");
        // Calls between compiled words in a loop (the callee counts the
        // call; a refusal for fuel makes the caller refill and call again).
        let text = "VARIABLE N : INC 1 N +! ; : TWO INC INC ; : SPIN BEGIN TWO INC AGAIN ; SPIN";
        let (stats, r) = both_then(text, fuel, "N @");
        assert!(stats.compiled >= 3);
        assert!(r.error.is_some(), "{fuel}");
        assert!(r.stack.len() == 1 && r.stack[0] > 1000, "{fuel}: {r:?}");
    }
}
