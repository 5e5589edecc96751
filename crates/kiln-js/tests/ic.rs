//! Polymorphic inline caches: sites that see several shapes return the right
//! values, and entries are invalidated by shape changes, deletes, prototype
//! mutation, accessor redefinition, read-only and non-extensible objects;
//! `Vm::ic_stats` shows hits on a 3-shape site.

use kiln_js::Engine;

fn engine() -> Engine {
    let mut e = Engine::new();
    e.vm.output = Some(String::new());
    e.vm.fuel = 50_000_000;
    e
}

/// Runs `src` in a fresh engine and returns what it printed.
fn run(src: &str) -> String {
    let mut e = engine();
    if let Err(err) = e.eval("t.js", src, false) {
        panic!("{err}");
    }
    e.take_output()
}

#[test]
fn three_shape_site_hits() {
    let mut e = engine();
    e.eval(
        "setup.js",
        "function getX(o) { return o.x; }
         var objs = [{ x: 1, a: 0 }, { b: 0, x: 2 }, { c: 0, d: 0, x: 3 }];",
        false,
    )
    .expect("setup");
    let before = e.vm.ic_stats;
    e.eval(
        "hot.js",
        "var s = 0; for (var i = 0; i < 3000; i++) s += getX(objs[i % 3]); print(s);",
        false,
    )
    .expect("hot");
    let after = e.vm.ic_stats;
    assert_eq!(e.take_output(), "6000\n");
    let (hits, misses) = (after.hits - before.hits, after.misses - before.misses);
    // The three shapes miss once each (one more for the `objs` get); every other access hits.
    assert!(hits >= 3000 - 3, "hits {hits}, misses {misses}");
    assert!(misses <= 8, "hits {hits}, misses {misses}");
}

#[test]
fn megamorphic_site_still_correct() {
    let mut e = engine();
    e.eval(
        "setup.js",
        "function getX(o) { return o.x; }
         var objs = [];
         for (var k = 0; k < 6; k++) { var o = {}; o['p' + k] = k; o.x = k; objs.push(o); }",
        false,
    )
    .expect("setup");
    let before = e.vm.ic_stats;
    e.eval(
        "hot.js",
        "var s = 0; for (var i = 0; i < 600; i++) s += getX(objs[i % 6]); print(s);",
        false,
    )
    .expect("hot");
    let after = e.vm.ic_stats;
    assert_eq!(e.take_output(), "1500\n");
    // Four shapes stay cached; the other two take the generic path every time.
    let misses = after.misses - before.misses;
    assert!((200..=220).contains(&misses), "misses {misses}");
}

#[test]
fn shape_changes_and_deletes() {
    let out = run("
        function getX(o) { return o.x; }
        function setX(o, v) { o.x = v; }
        var a = { x: 1 }, b = { y: 0, x: 2 };
        var r = [];
        for (var i = 0; i < 3; i++) { r.push(getX(a), getX(b)); }
        a.z = 9; r.push(getX(a));                // new shape, same slot
        delete a.x; r.push(String(getX(a)));     // dictionary shape, no x
        a.x = 5; r.push(getX(a));
        setX(b, 7); setX(b, 8); r.push(getX(b));
        delete b.y; setX(b, 10); r.push(getX(b), Object.keys(b).join());
        print(r.join(' '));
    ");
    assert_eq!(out, "1 2 1 2 1 2 1 undefined 5 8 10 x\n");
}

#[test]
fn prototype_chain_mutation_invalidates() {
    let out = run("
        class A { m() { return 'A'; } }
        class B extends A {}
        class C extends B {}
        function call(o) { return o.m(); }
        var c = new C(), b = new B(), r = [];
        for (var i = 0; i < 3; i++) r.push(call(c) + call(b));
        B.prototype.m = function () { return 'B'; };   // shadows A's, depth 1
        r.push(call(c) + call(b));
        C.prototype.m = function () { return 'C'; };   // shadows on C.prototype
        r.push(call(c) + call(b));
        delete C.prototype.m; delete B.prototype.m;
        r.push(call(c) + call(b));
        A.prototype.m = function () { return 'a'; };   // value change in the holder
        r.push(call(c) + call(b));
        Object.setPrototypeOf(B.prototype, { m() { return 'P'; } });
        r.push(call(c) + call(b));
        print(r.join(' '));
    ");
    assert_eq!(out, "AA AA AA BB CB AA aa PP\n");
}

#[test]
fn accessor_redefinition_invalidates() {
    let out = run("
        var proto = { v: 1 };
        var o = Object.create(proto), own = { v: 2 };
        function get(x) { return x.v; }
        var r = [];
        for (var i = 0; i < 3; i++) r.push(get(o), get(own));
        Object.defineProperty(proto, 'v', { get() { return 'g'; }, configurable: true });
        Object.defineProperty(own, 'v', { get() { return 'h'; } });
        r.push(get(o), get(own));
        Object.defineProperty(proto, 'v', { value: 3 });
        r.push(get(o));
        print(r.join(' '));
    ");
    assert_eq!(out, "1 2 1 2 1 2 g h 3\n");
}

#[test]
fn add_property_transitions_respect_setters_read_only_and_extensibility() {
    let out = run("
        function P() {}
        function make() { var o = new P(); o.a = 1; o.b = 2; return o; }
        var r = [];
        for (var i = 0; i < 3; i++) { var o = make(); r.push(o.a + o.b); }
        var log = [];
        Object.defineProperty(P.prototype, 'b', { set(v) { log.push(v); }, configurable: true });
        var o2 = make();
        r.push(Object.keys(o2).join(), log.join());
        delete P.prototype.b;
        Object.defineProperty(P.prototype, 'a', { value: 0, writable: false, configurable: true });
        var o3 = make();
        r.push(Object.keys(o3).join(), o3.a);
        delete P.prototype.a;
        var o4 = new P(); Object.preventExtensions(o4);
        function setA(o) { o.a = 1; }
        var o5 = new P(); setA(o5); setA(o4);
        r.push(Object.keys(o5).join(), Object.keys(o4).length);
        print(r.join(' '));
    ");
    assert_eq!(out, "3 3 3 a 2 b 0 a 0\n");
}

#[test]
fn adding_to_a_prototype_through_a_transition_site_is_seen() {
    // The same site adds `m` to an ordinary object, then to a prototype:
    // the second must go through the slow path so chain entries see it.
    let out = run("
        function addM(o, f) { o.m = f; }
        function call(o) { return o.m ? o.m() : '-'; }
        var Q = {}; var inst = Object.create(Q);
        var r = [call(inst), call(inst)];
        addM({}, null); addM({}, null);
        addM(Q, function () { return 'q'; });
        r.push(call(inst));
        print(r.join(' '));
    ");
    assert_eq!(out, "- - q\n");
}
