//! The stack-effect checker as source pairs: a definition and what check
//! mode reports for it (the inferred effect, or the error and its notes),
//! plus the text API and the per-op depths a JIT reads.

use kiln_forth::infer::{compose, infer, verify, verify_str};
use kiln_forth::{Forth, Options};

fn checker(strict: bool) -> Forth {
    Forth::with_options(Options {
        capture_output: true,
        check: true,
        check_strict: strict,
        input: Some(Vec::new()),
        ..Options::default()
    })
}

/// Compiles `src` in check mode; returns "NAME EFFECT" or "NAME error: MSG" for its last definition.
fn check_with(strict: bool, src: &str) -> String {
    let mut f = checker(strict);
    f.interpret("<test>", src).expect("source runs");
    let r = f
        .check_reports()
        .last()
        .expect("a colon definition")
        .clone();
    match &r.error {
        None => format!("{} {}", r.word, r.inferred.unwrap_or_default()),
        Some(e) => format!("{} error: {e}", r.word),
    }
}

fn check(src: &str) -> String {
    check_with(false, src)
}

#[test]
fn straight_line_and_declarations() {
    assert_eq!(check(": SQ ( n -- n ) DUP * ;"), "SQ ( n -- n )");
    assert_eq!(check(": SW ( a b -- b a ) SWAP ;"), "SW ( x1 x2 -- x2 x1 )");
    assert_eq!(
        check(": BAD ( n -- ) DUP * ;"),
        "BAD error: stack effect declaration is wrong"
    );
    // A declaration may name cells the code passes through.
    assert_eq!(check(": KEEP ( addr -- addr ) ;"), "KEEP ( -- )");
    assert_eq!(check(": D2 ( d -- d ) D2* ;"), "D2 ( d -- d )");
    assert_eq!(check(": DPLUS ( d1 d2 -- d3 ) D+ ;"), "DPLUS ( d d -- d )");
}

#[test]
fn control_flow() {
    assert_eq!(
        check(": ABS2 ( n -- u ) DUP 0< IF NEGATE THEN ;"),
        "ABS2 ( n -- n )"
    );
    assert_eq!(
        check(": BR ( f -- n ) IF 1 ELSE 2 3 THEN ;"),
        "BR error: branches leave different stack depths"
    );
    // Without a declaration the effect is dynamic, not rejected…
    assert_eq!(check(": BR2 IF 1 THEN ;"), "BR2 ( ..a -- ..b )");
    // …unless strict.
    assert_eq!(
        check_with(true, ": BR2 IF 1 THEN ;"),
        "BR2 error: branches leave different stack depths"
    );
    assert_eq!(
        check(": W ( n -- ) BEGIN DUP WHILE 1- REPEAT DROP ;"),
        "W ( x -- )"
    );
    assert_eq!(
        check(": U ( n -- n ) BEGIN 1+ DUP 10 > UNTIL ;"),
        "U ( n -- n )"
    );
    assert_eq!(check(": LP ( n -- ) 0 DO I . LOOP ;"), "LP ( n -- )");
    assert_eq!(
        check(": LV ( -- ) 10 0 DO I 5 = IF LEAVE THEN LOOP ;"),
        "LV ( -- )"
    );
    assert_eq!(check(": QL ( n -- ) 0 ?DO I DROP 2 +LOOP ;"), "QL ( n -- )");
    assert_eq!(check(": LD ( n -- ) 0 DO I LOOP ;"), "LD ( ..a -- ..b )");
    assert_eq!(
        check(": C ( n -- m ) CASE 1 OF 10 ENDOF 2 OF 20 ENDOF 0 SWAP ENDCASE ;"),
        "C ( n -- n )"
    );
    assert_eq!(
        check(": EX ( n -- n ) DUP 0= IF EXIT THEN 1- ;"),
        "EX ( x -- x )"
    );
    assert_eq!(
        check(": AB ( n -- n ) DUP 0< IF ABORT THEN ;"),
        "AB ( n -- n )"
    );
}

#[test]
fn return_stack_must_balance() {
    assert_eq!(
        check(": RS ( x -- ) >R ;"),
        "RS error: return stack not balanced at EXIT (1 cells left)"
    );
    assert_eq!(
        check(": RS2 R> DROP ;"),
        "RS2 error: return stack underflow: R> without matching >R"
    );
    assert_eq!(check(": OK ( a b -- b ) >R DROP R> ;"), "OK ( x x -- x )");
    assert_eq!(
        check(": U2 ( -- ) 10 0 DO I . UNLOOP EXIT LOOP ;"),
        "U2 ( -- )"
    );
}

#[test]
fn recursion_and_calls() {
    assert_eq!(
        check(": FIB DUP 2 < IF DROP 1 ELSE DUP 1- RECURSE SWAP 2 - RECURSE + THEN ;"),
        "FIB ( n -- n )"
    );
    assert_eq!(
        check(": DN ( n -- ) DUP IF 1- RECURSE ELSE DROP THEN ;"),
        "DN ( x -- )"
    );
    assert_eq!(
        check(": SQ DUP * ; : QUAD ( n -- n ) SQ SQ ;"),
        "QUAD ( n -- n )"
    );
    assert_eq!(check(": EX ['] DUP EXECUTE ;"), "EX ( x1 -- x1 x1 )");
    assert_eq!(check(": EX2 ( xt -- ) EXECUTE ;"), "EX2 ( ..a -- ..b )");
    assert_eq!(check(": PK ( a b -- a b a ) 1 PICK ;"), "PK ( ..a -- ..b )");
    assert_eq!(
        check(": CONST CREATE , DOES> @ ; 5 CONST FIVE : U FIVE 1+ ;"),
        "U ( -- n )"
    );
    assert_eq!(check("VARIABLE V : GET V @ ;"), "GET ( -- x )");
}

#[test]
fn mismatch_reports_like_factor() {
    let mut f = checker(false);
    f.interpret("<test>", ": BAD ( a b -- c )\n  DUP ;")
        .unwrap();
    let r = &f.check_reports()[0];
    let text = f.render_report(r);
    assert!(
        text.starts_with("<test>:1:3: error: stack effect declaration is wrong for 'BAD'"),
        "{text}"
    );
    assert!(text.contains("= note: declared ( a b -- c )"), "{text}");
    assert!(text.contains("= note: inferred ( x1 -- x1 x1 )"), "{text}");
}

#[test]
fn depths_for_a_jit() {
    let mut f = Forth::with_options(Options {
        capture_output: true,
        ..Options::default()
    });
    f.interpret("<t>", ": T ( a b -- c ) OVER + SWAP DROP ;")
        .unwrap();
    let xt = f.find("T").unwrap();
    let inf = f.infer_word(xt).unwrap();
    assert_eq!(inf.effect.to_string(), "( x n -- n )");
    let body = f.word_body(xt).unwrap();
    assert_eq!(inf.depths.len(), body.len());
    assert_eq!(inf.depths[0], Some(0));
    assert_eq!(inf.depths.last().copied().flatten(), Some(-1));
}

#[test]
fn text_api() {
    assert_eq!(infer("dup *").unwrap().to_string(), "( n -- n )");
    assert_eq!(infer("2dup + -rot").unwrap().n_out(), 3);
    assert_eq!(infer(">r r>").unwrap().to_string(), "( x -- x )");
    assert!(infer("?dup").unwrap().dynamic);
    assert!(infer("0 pick").unwrap().dynamic);
    assert!(verify_str("swap drop", "( a b -- b )").is_ok());
    assert!(verify_str("swap", "( a b -- a )").is_err());
    let decl = kiln_forth::Effect::parse("( n -- n )").unwrap();
    assert!(verify("dup *", &decl).is_ok());
    assert!(verify("dup", &decl).is_err());
    let e = compose(&infer("over").unwrap(), &infer("+").unwrap());
    assert_eq!(e.to_string(), "( n n -- n n )");
    assert!(infer("nosuchword").is_err());
}
