//! Limits: runaway recursion, deep nesting, endless loops and the
//! embedder's interrupt hook end in a JavaScript error (RangeError or
//! SyntaxError), never a crash or hang; plus small end-to-end scripts.

use kiln_js::{Engine, JsError};

/// Runs `f` on a thread with a large stack, as the CLI does.
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

fn eval(src: &'static str) -> Result<String, JsError> {
    big_stack(move || {
        let mut e = Engine::new();
        e.vm.output = Some(String::new());
        e.vm.fuel = 50_000_000;
        e.eval("t.js", src, false)?;
        Ok(e.take_output())
    })
}

fn runtime_message(r: Result<String, JsError>) -> String {
    match r {
        Err(JsError::Runtime { message, .. }) => message,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn deep_recursion_is_a_range_error() {
    let m = runtime_message(eval("function f(n) { return f(n + 1) + 1; } f(0);"));
    assert!(m.starts_with("RangeError"), "{m}");
}

#[test]
fn deep_recursion_through_natives_is_a_range_error() {
    let m = runtime_message(eval("function f() { return [1].map(f); } f();"));
    assert!(m.starts_with("RangeError"), "{m}");
}

#[test]
fn recursion_error_is_catchable() {
    let out =
        eval("function f() { f(); } try { f(); } catch (e) { print(e instanceof RangeError); }")
            .expect("runs");
    assert_eq!(out, "true\n");
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    let src: &'static str =
        Box::leak(format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_boxed_str());
    match eval(src) {
        Err(JsError::Syntax { message, .. }) => assert!(message.contains("nesting"), "{message}"),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn runaway_loop_exhausts_fuel() {
    let m = runtime_message(eval("for (;;) {}"));
    assert!(m.contains("budget"), "{m}");
}

#[test]
fn interrupt_hook_stops_a_script() {
    let r = big_stack(|| {
        let mut e = Engine::new();
        let mut calls = 0;
        e.vm.interrupt = Some(Box::new(move || {
            calls += 1;
            calls < 3
        }));
        e.eval("t.js", "while (true) {}", false).map(|_| ())
    });
    match r {
        Err(JsError::Runtime { message, .. }) => {
            assert!(message.contains("interrupted"), "{message}")
        }
        other => panic!("expected interruption, got {other:?}"),
    }
}

#[test]
fn uncaught_error_reports_location_and_stack() {
    let r = eval("function g() { null.x; }\ng();");
    match r {
        Err(JsError::Runtime { report, message }) => {
            assert!(message.starts_with("TypeError"), "{message}");
            assert!(report.starts_with("t.js:1:"), "{report}");
            assert!(report.contains("at g (t.js:1:"), "{report}");
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

#[test]
fn scripts_print_like_node() {
    let out = eval(
        r#"
        class P { constructor(x) { this.x = x; } }
        console.log([1, 'a', {b: null}], new P(2), new Map([[1, 2]]));
        const {a, ...rest} = {a: 1, b: 2, c: 3};
        console.log(a, rest, `${a + 1}`, 0.1 + 0.2, -0, 2n ** 64n);
        async function f() { return (await 20) + 1; }
        f().then(v => console.log('async', v));
        function* g() { yield* [1, 2]; }
        console.log([...g()].map(x => x * 2).join());
        console.log(JSON.stringify({k: [1, "s", true]}), "a-b-c".split("-"), /b+/.exec("abbc")[0]);
    "#,
    )
    .expect("runs");
    assert_eq!(
        out,
        "[ 1, 'a', { b: null } ] P { x: 2 } Map(1) { 1 => 2 }\n\
         1 { b: 2, c: 3 } 2 0.30000000000000004 -0 18446744073709551616n\n\
         2,4\n\
         {\"k\":[1,\"s\",true]} [ 'a', 'b', 'c' ] bb\n\
         async 21\n"
    );
}

#[test]
fn gc_collects_cycles() {
    big_stack(|| {
        let mut e = Engine::new();
        e.eval(
            "t.js",
            "for (let i = 0; i < 300000; i++) { const a = {}; const b = {a}; a.b = b; }",
            false,
        )
        .expect("runs");
        e.vm.gc();
        assert!(e.vm.gc_count >= 1);
        assert!(
            e.vm.heap.live < 100_000,
            "live objects after GC: {}",
            e.vm.heap.live
        );
    });
}

/// Found by the `js_eval` fuzz target (a test262 file as seed): a function
/// with parameters whose arrow captures `new.target` or `arguments` lost the
/// captured cell's register to the first parameter (an `unreachable!` panic
/// in `GetCap`). Each must now evaluate normally.
#[test]
fn captured_new_target_and_arguments_survive_parameters() {
    let out = eval(
        "function m(x) { return () => new.target; }\n\
         console.log(m()(), new m(1)() === m);\n\
         function n(x, y) { return () => arguments[0] + x + y; }\n\
         console.log(n(5, 1)());\n\
         var C = class { async #m(x) { return async () => new.target; } async m(x) { return this.#m(x); } };\n\
         new C().m(1).then(f => f()).then(r => console.log('async', r));",
    )
    .expect("runs");
    assert_eq!(out, "undefined true\n11\nasync undefined\n");
}

/// `super` inside arrow functions refers to the enclosing method's home
/// object (arrows have none of their own), at any arrow depth, in class and
/// object-literal methods. It used to throw "'super' keyword unexpected here".
#[test]
fn super_inside_arrows_uses_the_enclosing_method() {
    let out = eval(
        "class B { g() { return 'B.g'; } }\n\
         class C extends B { g() { const h = () => () => super.g(); return h()(); } }\n\
         console.log(new C().g());\n\
         const o = { __proto__: { v: 7 }, m() { return [1, 2].map(() => super.v); } };\n\
         console.log(o.m().join());",
    )
    .expect("runs");
    assert_eq!(out, "B.g\n7,7\n");
}
