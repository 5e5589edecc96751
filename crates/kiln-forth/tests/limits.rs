//! Bad input never panics or hangs: runaway loops stop on fuel or an
//! interrupt, unbounded recursion (colon, EVALUATE, INCLUDE) stops with a
//! THROW, oversized requests fail cleanly, and random programs built from
//! the whole vocabulary only ever end in an error, never a panic.

use kiln_forth::error::code;
use kiln_forth::{Forth, Options};
use std::time::{Duration, Instant};

fn forth(fuel: u64) -> Forth {
    Forth::with_options(Options {
        capture_output: true,
        input: Some(Vec::new()),
        cwd: Some(std::env::temp_dir()),
        limits: kiln_core::Limits {
            fuel,
            max_depth: 64,
            max_memory: 1 << 24,
        },
        ..Options::default()
    })
}

#[test]
fn runaway_loop_runs_out_of_fuel() {
    let mut f = forth(10_000_000);
    let t = Instant::now();
    let e = f.interpret("<t>", ": SPIN BEGIN AGAIN ; SPIN").unwrap_err();
    assert_eq!(e.code, code::FUEL);
    assert!(e.rendered.contains("in 'SPIN'"), "{}", e.rendered);
    assert!(t.elapsed() < Duration::from_secs(20));
    // The system is usable afterwards.
    f.interpret("<t>", "1 2 +").unwrap();
    assert_eq!(f.stack(), [3]);
}

#[test]
fn interrupt_stops_a_running_word() {
    let mut f = forth(u64::MAX);
    let flag = f.interrupt_handle();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let e = f
        .interpret("<t>", ": SPIN 0 BEGIN 1+ AGAIN ; SPIN")
        .unwrap_err();
    h.join().unwrap();
    assert_eq!(e.code, code::USER_INTERRUPT);
}

#[test]
fn unbounded_recursion_is_an_error() {
    let mut f = forth(u64::MAX);
    let e = f.interpret("<t>", ": R RECURSE ; R").unwrap_err();
    assert_eq!(e.code, code::RSTACK_OVERFLOW);
    let e = f.interpret("<t>", ": E S\" E\" EVALUATE ; E").unwrap_err();
    assert_eq!(e.code, code::RSTACK_OVERFLOW);
    let path = std::env::temp_dir().join(format!("kiln-self-include-{}.fth", std::process::id()));
    std::fs::write(&path, format!("S\" {}\" INCLUDED\n", path.display())).unwrap();
    let e = f.include(&path).unwrap_err();
    assert_eq!(e.code, code::RSTACK_OVERFLOW);
    let _ = std::fs::remove_file(&path);
    let e = f.interpret("<t>", ": D 1 RECURSE ; D").unwrap_err();
    assert!(e.code == code::STACK_OVERFLOW || e.code == code::RSTACK_OVERFLOW);
}

#[test]
fn default_nesting_limit_fits_a_test_thread_stack() {
    // Test threads have 2 MiB of stack; the default depth limit must fit
    // in that even in a debug build.
    let mut f = Forth::with_options(Options {
        capture_output: true,
        ..Options::default()
    });
    let e = f.interpret("<t>", ": E S\" E\" EVALUATE ; E").unwrap_err();
    assert_eq!(e.code, code::RSTACK_OVERFLOW);
    let e = f
        .interpret("<t>", "DEFER CC : C2 ['] CC CATCH THROW ; ' C2 IS CC CC")
        .unwrap_err();
    assert!(
        e.code == code::RSTACK_OVERFLOW || e.code == code::EXCEPTION_OVERFLOW,
        "{}",
        e.message
    );
}

#[test]
fn oversized_requests_fail_cleanly() {
    let mut f = forth(u64::MAX);
    assert_eq!(
        f.interpret("<t>", "-1 ALLOT").unwrap_err().code,
        code::DICT_OVERFLOW
    );
    assert_eq!(
        f.interpret("<t>", "1000000000000 ALLOT").unwrap_err().code,
        code::DICT_OVERFLOW
    );
    f.interpret("<t>", "100000000 ALLOCATE").unwrap();
    assert_eq!(f.stack()[1], code::ALLOCATE);
    f.reset();
    assert_eq!(
        f.interpret("<t>", "HERE 100000000000 0 FILL")
            .unwrap_err()
            .code,
        code::INVALID_ADDRESS
    );
    assert_eq!(
        f.interpret("<t>", "HERE -5 TYPE").unwrap_err().code,
        code::INVALID_ADDRESS
    );
    let deep: String = ": NEST ".to_string() + &"1 IF ".repeat(5000) + &"THEN ".repeat(5000) + ";";
    assert_eq!(
        f.interpret("<t>", &deep).unwrap_err().code,
        code::STACK_OVERFLOW
    );
    let long_name = format!(": {} ;", "X".repeat(300));
    assert_eq!(
        f.interpret("<t>", &long_name).unwrap_err().code,
        code::NAME_TOO_LONG
    );
    assert_eq!(
        f.interpret("<t>", ": UNCLOSED 1 2")
            .and_then(|_| f.finish())
            .unwrap_err()
            .code,
        code::UNEXPECTED_EOF
    );
}

/// A tiny deterministic PRNG (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_programs_never_panic() {
    let vocab: Vec<&str> = kiln_forth::words::OP_WORDS
        .iter()
        .map(|w| w.0)
        .chain(kiln_forth::words::SysWord::NAMES.iter().copied())
        .filter(|w| {
            // Words that touch the outside world or end the run.
            !matches!(
                *w,
                "BYE"
                    | "KEY"
                    | "EKEY"
                    | "ACCEPT"
                    | "MS"
                    | "DELETE-FILE"
                    | "RENAME-FILE"
                    | "CREATE-FILE"
                    | "OPEN-FILE"
                    | "INCLUDED"
                    | "INCLUDE"
                    | "REQUIRED"
                    | "REQUIRE"
                    | "INCLUDE-FILE"
                    | "WRITE-FILE"
                    | "WRITE-LINE"
                    | "RESIZE-FILE"
                    | "FLUSH"
                    | "SAVE-BUFFERS"
                    | "UPDATE"
                    | "LOAD"
                    | "THRU"
                    | "BLOCK"
                    | "BUFFER"
                    | "LIST"
                    | "PAGE"
                    | "AT-XY"
            )
        })
        .collect();
    let extra = [
        "0", "1", "-1", "8", "1000", ":", ";", "X", "Y", "\"", ")", "HERE", "PAD",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let mut f = forth(200_000);
        let n = 5 + rng.next() % 40;
        let mut prog = String::new();
        for _ in 0..n {
            let k = rng.next() as usize;
            let w = if k.is_multiple_of(5) {
                extra[k / 5 % extra.len()]
            } else {
                vocab[k % vocab.len()]
            };
            prog.push_str(w);
            prog.push(' ');
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = f.interpret("<fuzz>", &prog);
            let _ = f.interpret("<fuzz>", "1 2 + DROP");
        }));
        assert!(r.is_ok(), "round {round} panicked on: {prog}");
    }
}
