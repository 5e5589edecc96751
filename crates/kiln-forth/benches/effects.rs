//! criterion benches for the stack-effect API (issue 4 §3): infer a
//! snippet, verify it against a declaration, compose two effects. The
//! FastForth report gives 130–680 ns for the same calls; the target is
//! under 100 ns for snippets of up to five words.
//!
//! Run: `cargo bench -p kiln-forth --bench effects`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use kiln_forth::Effect;
use kiln_forth::infer::{compose, infer, verify, verify_str};

fn effects(c: &mut Criterion) {
    let snippets = [
        "dup *",
        "over + swap",
        "rot rot swap drop nip",
        "dup 1 + swap 2 *",
    ];
    // Warm the built-in effect table outside the timed loops.
    let _ = infer("dup");
    let mut g = c.benchmark_group("stack-effect");
    g.bench_function("infer 'dup *'", |b| b.iter(|| infer(black_box("dup *"))));
    g.bench_function("infer 'over + swap'", |b| {
        b.iter(|| infer(black_box("over + swap")))
    });
    g.bench_function("infer 5 words 'rot rot swap drop nip'", |b| {
        b.iter(|| infer(black_box(snippets[2])))
    });
    let n_n = Effect::parse("( n -- n )").unwrap();
    let n_nn = Effect::parse("( n -- n n )").unwrap();
    g.bench_function("verify 'dup *' ( n -- n )", |b| {
        b.iter(|| verify(black_box("dup *"), black_box(&n_n)))
    });
    g.bench_function("verify 5 words", |b| {
        b.iter(|| verify(black_box("dup 1 + swap 2 *"), black_box(&n_nn)))
    });
    g.bench_function(
        "verify_str 'dup *' '( n -- n )' (parses the declaration)",
        |b| b.iter(|| verify_str(black_box("dup *"), black_box("( n -- n )"))),
    );
    let a = infer("dup *").unwrap();
    let b2 = infer("over + swap").unwrap();
    g.bench_function("compose", |b| {
        b.iter(|| compose(black_box(&a), black_box(&b2)))
    });
    g.finish();
}

criterion_group!(benches, effects);
criterion_main!(benches);
