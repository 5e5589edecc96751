//! PLB programs that exercise the async machinery: `coro-prime-sieve`
//! (a chain of async generators, one per prime, each `await`ing the previous
//! one's `next()`) prints the first 200 primes exactly as expected. Skips
//! (and says so) when `../shared/js-bench/plb` is absent.

use kiln_js::Engine;
use std::path::Path;

#[test]
fn coro_prime_sieve_200() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/js-bench/plb/coro-prime-sieve");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let h = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let src = std::fs::read_to_string(dir.join("1.js")).expect("program");
            let expected = std::fs::read_to_string(dir.join("200_out")).expect("expected output");
            let mut e = Engine::new();
            // As the CLI: a deep nesting budget bounded by the thread's stack.
            e.vm.max_native_depth = 100_000;
            e.vm.max_stack_bytes = 128 << 20;
            e.vm.output = Some(String::new());
            e.eval(
                "argv.js",
                "globalThis.process = { argv: ['kiln', '1.js', '200'] };",
                false,
            )
            .expect("setup");
            if let Err(err) = e.eval("1.js", &src, false) {
                panic!("coro-prime-sieve failed: {err}");
            }
            assert_eq!(e.take_output(), expected);
        })
        .expect("thread");
    h.join()
        .expect("coro-prime-sieve prints the first 200 primes");
}

#[test]
fn deep_generator_nesting_is_a_range_error_not_a_crash() {
    // With the default limits a 1000-deep chain of async generators stops
    // with a RangeError (rejecting the promise), not a Rust stack overflow.
    let h = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let mut e = Engine::new();
            e.vm.output = Some(String::new());
            e.eval(
                "t.js",
                "async function* g(n) { if (n > 0) { for await (const x of g(n - 1)) yield x; } else yield 1; }
                 (async () => { try { for await (const x of g(1000)) print(x); } catch (err) { print(err.name); } })();",
                false,
            )
            .expect("runs");
            e.take_output()
        })
        .expect("thread");
    assert_eq!(h.join().expect("no crash"), "RangeError\n");
}

#[test]
fn unhandled_rejection_is_reported_handled_one_is_not() {
    let mut e = Engine::new();
    e.vm.output = Some(String::new());
    match e.eval(
        "t.js",
        "async function f() { throw new TypeError('boom'); } f();",
        false,
    ) {
        Err(kiln_js::JsError::Runtime { message, report }) => {
            assert_eq!(message, "TypeError: boom");
            assert!(
                report.contains("Uncaught (in promise) TypeError: boom"),
                "{report}"
            );
        }
        other => panic!("expected an unhandled rejection, got {other:?}"),
    }
    let mut e = Engine::new();
    e.vm.output = Some(String::new());
    e.eval(
        "t.js",
        "const p = Promise.reject(1); p.catch(v => print('caught', v));",
        false,
    )
    .expect("a rejection handled in the same turn is not reported");
    assert_eq!(e.take_output(), "caught 1\n");
}
