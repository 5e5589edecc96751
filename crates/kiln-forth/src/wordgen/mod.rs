//! Verified words generated from JSON specifications (the FastForth
//! workflow): a [`Spec`] names a word, its stack effect and test cases; the
//! [`Generator`] instantiates a pattern template ([`patterns`]), compiles
//! it in a private sandboxed [`Forth`] system, checks the inferred stack
//! effect ([`Forth::infer_word`]) against the spec, and runs every test
//! case on the VM under fuel and depth limits. [`store`] archives many
//! specs with rkyv for zero-copy loading.
//!
//! ```
//! use kiln_forth::wordgen::{Generator, Spec};
//! let spec = Spec::from_json(r#"{
//!   "word": "square",
//!   "stack_effect": { "inputs": [{"name": "n", "type": "n"}],
//!                     "outputs": [{"name": "n*n", "type": "n"}] },
//!   "test_cases": [ {"input": [3], "output": [9]}, {"input": [-4], "output": [16]} ]
//! }"#).unwrap();
//! let mut g = Generator::new();
//! let w = g.generate(&spec).unwrap();
//! assert_eq!(w.source(), ": square ( n -- n*n ) dup * ;");
//! assert_eq!(g.run(&w, &[7]).unwrap(), [49]);
//! ```
//!
//! Without an `implementation` hint the generator tries the searchable
//! patterns whose instantiations fit the spec's shape, cheapest first, and
//! keeps the first that passes every test (at most
//! [`GenOptions::max_candidates`] are compiled).

pub mod patterns;
pub mod spec;
pub mod store;

pub use spec::{Implementation, Item, Param, Spec, SpecError, StackEffect, TestCase};

use crate::effect::{Effect, N, Ty, U, X};
use crate::error::{Throw, code};
use crate::memory::Cell;
use crate::vm::TICK;
use crate::{Forth, Options};
use patterns::{ParamKind, Pattern};
use std::fmt;

/// Limits for generation.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// VM steps one test case may take (checked every [`TICK`] steps).
    pub fuel_per_case: u64,
    /// VM steps all test cases of one specification may take together
    /// (over all candidates when searching).
    pub fuel_per_spec: u64,
    /// Most candidates compiled and tested when a spec has no hint.
    pub max_candidates: usize,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            fuel_per_case: 1 << 24,
            fuel_per_spec: 1 << 26,
            max_candidates: 256,
        }
    }
}

/// A generated, verified word.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The spec's word name.
    pub word: String,
    /// The pattern id (`compose` for a composition).
    pub pattern: &'static str,
    /// Parameter values as chosen (names, not code).
    pub params: Vec<(String, String)>,
    /// The body (Forth text between the stack comment and `;`).
    pub body: String,
    /// The stack comment with the spec's item names.
    pub comment: String,
    /// The inferred effect of the compiled word.
    pub effect: Effect,
    /// Test cases run and passed.
    pub cases: usize,
    /// Candidates compiled before this one was found (1 with a hint).
    pub tried: usize,
    xt: u32,
    internal: String,
    epoch: u64,
}

impl Generated {
    /// The colon definition: `: square ( n -- n*n ) dup * ;`.
    pub fn source(&self) -> String {
        format!(": {} {} {} ;", self.word, self.comment, self.body)
    }
}

/// A composition of two verified words and the composed word.
#[derive(Clone, Debug)]
pub struct Composition {
    /// The first word (runs first).
    pub first: Generated,
    /// The second word.
    pub second: Generated,
    /// `: first-second ( … ) first second ;`, its effect inferred and checked.
    pub word: Generated,
}

/// What a test case produced instead of the expected stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The stack it left (deepest first).
    Stack(Vec<i64>),
    /// The THROW code it raised (-10 division by zero, fuel, overflow, …).
    Throw(i64),
}

/// One failed test case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFailure {
    /// Index in `test_cases`.
    pub index: usize,
    /// The input stack.
    pub input: Vec<i64>,
    /// The expected stack.
    pub expected: Vec<i64>,
    /// What happened.
    pub got: Outcome,
}

/// Why generation failed.
#[derive(Clone, Debug)]
pub enum GenError {
    /// The spec is invalid (unknown pattern, bad parameter): exit status 1.
    Spec(SpecError),
    /// The generated word's inferred effect disagrees with the spec, or it
    /// does not compile: exit status 4.
    Effect(Box<EffectFailure>),
    /// Test cases failed: exit status 5.
    Tests(Box<TestsFailure>),
}

/// The details of [`GenError::Effect`].
#[derive(Clone, Debug)]
pub struct EffectFailure {
    /// The word.
    pub word: String,
    /// The pattern and body tried (`None` when no candidate fits).
    pub candidate: Option<(&'static str, String)>,
    /// The spec's effect.
    pub declared: Effect,
    /// The inferred effect, when inference succeeded.
    pub inferred: Option<Effect>,
    /// What disagrees.
    pub message: String,
    /// More lines (the two effects, the pattern search).
    pub notes: Vec<String>,
}

/// The details of [`GenError::Tests`].
#[derive(Clone, Debug)]
pub struct TestsFailure {
    /// The word.
    pub word: String,
    /// The pattern and body.
    pub candidate: (&'static str, String),
    /// How many cases failed, of how many.
    pub failed: usize,
    /// Cases run.
    pub total: usize,
    /// The first failures (at most ten).
    pub failures: Vec<CaseFailure>,
    /// More lines (the pattern search).
    pub notes: Vec<String>,
}

impl GenError {
    /// The `kiln` exit status for this error (`../shared/DESIGN.md`): 1, 4 or 5.
    pub fn status(&self) -> u8 {
        match self {
            GenError::Spec(_) => 1,
            GenError::Effect(_) => 4,
            GenError::Tests(_) => 5,
        }
    }
}

fn stack_text(s: &[i64]) -> String {
    let items: Vec<String> = s.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(" "))
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::Spec(e) => write!(f, "invalid specification: {e}"),
            GenError::Effect(x) => {
                let EffectFailure {
                    word,
                    candidate,
                    declared,
                    inferred,
                    message,
                    notes,
                } = &**x;
                writeln!(f, "stack-effect error in '{word}': {message}")?;
                if let Some((p, body)) = candidate {
                    writeln!(f, "  pattern:  {p}")?;
                    writeln!(f, "  body:     {body}")?;
                }
                writeln!(f, "  spec:     {declared}")?;
                if let Some(i) = inferred {
                    writeln!(f, "  inferred: {i}")?;
                }
                for n in notes {
                    writeln!(f, "  note: {n}")?;
                }
                Ok(())
            }
            GenError::Tests(x) => {
                let TestsFailure {
                    word,
                    candidate: (p, body),
                    failed,
                    total,
                    failures,
                    notes,
                } = &**x;
                writeln!(f, "'{word}' fails {failed} of {total} test case(s)")?;
                writeln!(f, "  pattern:  {p}")?;
                writeln!(f, "  body:     {body}")?;
                for c in failures {
                    let got = match &c.got {
                        Outcome::Stack(s) => format!("got {}", stack_text(s)),
                        Outcome::Throw(n) => {
                            format!("threw {n} ({})", crate::error::message(*n))
                        }
                    };
                    writeln!(
                        f,
                        "  test_cases[{}]: input {} expected {}, {got}",
                        c.index,
                        stack_text(&c.input),
                        stack_text(&c.expected)
                    )?;
                }
                if *failed > failures.len() {
                    writeln!(f, "  … and {} more", failed - failures.len())?;
                }
                for n in notes {
                    writeln!(f, "  note: {n}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for GenError {}

impl From<SpecError> for GenError {
    fn from(e: SpecError) -> Self {
        GenError::Spec(e)
    }
}

fn spec_err(path: impl Into<String>, message: impl Into<String>) -> GenError {
    GenError::Spec(SpecError {
        path: path.into(),
        line_col: None,
        message: message.into(),
    })
}

/// Where the sandbox's dictionary and code stood after start-up.
struct Mark {
    words: usize,
    code: usize,
    consts: usize,
    texts: usize,
    here: Cell,
    latest: u32,
}

/// Code the sandbox may accumulate before it is rolled back to its mark.
const ROLLBACK_OPS: usize = 1 << 16;

/// A candidate body for a spec.
struct Candidate {
    pattern: &'static Pattern,
    params: Vec<(String, String)>,
    body: String,
}

enum Verdict {
    Pass(Generated),
    Effect(GenError),
    Tests(GenError, usize),
}

/// Generates and verifies words. Owns a private [`Forth`] system (output
/// captured, no input, small heap) in which candidates are compiled under
/// internal names and run; its code is rolled back to the start-up state
/// now and then, which invalidates earlier [`Generated`] values for
/// [`Generator::run`] (they keep their source text).
pub struct Generator {
    forth: Forth,
    options: GenOptions,
    mark: Mark,
    epoch: u64,
    serial: u64,
    /// Fuel left for the spec being generated.
    spec_fuel: u64,
}

impl Default for Generator {
    fn default() -> Self {
        Generator::new()
    }
}

impl Generator {
    /// A generator with default limits.
    pub fn new() -> Generator {
        Generator::with_options(GenOptions::default())
    }

    /// A generator with the given limits.
    pub fn with_options(options: GenOptions) -> Generator {
        let forth = Forth::with_options(Options {
            memory: 1 << 20,
            limits: kiln_core::Limits {
                fuel: options.fuel_per_case,
                max_depth: 64,
                max_memory: 1 << 20,
            },
            cwd: Some(std::env::temp_dir()),
            capture_output: true,
            input: Some(Vec::new()),
            ..Options::default()
        });
        let _ = patterns::table();
        let mark = Mark {
            words: forth.dict.words.len(),
            code: forth.hot.code.len(),
            consts: forth.hot.consts.len(),
            texts: forth.texts.len(),
            here: forth.here,
            latest: forth.latest,
        };
        Generator {
            forth,
            options,
            mark,
            epoch: 0,
            serial: 0,
            spec_fuel: 0,
        }
    }

    /// Generates the word `spec` describes, checks its effect and runs its
    /// test cases.
    ///
    /// # Errors
    /// [`GenError::Spec`] for an unknown pattern or a bad parameter (the
    /// spec itself is assumed valid: [`Spec::from_json`] validates);
    /// [`GenError::Effect`] when the effect disagrees; [`GenError::Tests`]
    /// when a test case fails.
    pub fn generate(&mut self, spec: &Spec) -> Result<Generated, GenError> {
        self.maybe_rollback();
        self.generate_inner(spec)
    }

    fn generate_inner(&mut self, spec: &Spec) -> Result<Generated, GenError> {
        spec.validate()?;
        self.spec_fuel = self.options.fuel_per_spec;
        if let Some(imp) = &spec.implementation {
            let cand = hinted(spec, imp)?;
            return match self.evaluate(spec, cand, 1) {
                Verdict::Pass(g) => Ok(g),
                Verdict::Effect(e) | Verdict::Tests(e, _) => Err(e),
            };
        }
        self.search(spec)
    }

    fn search(&mut self, spec: &Spec) -> Result<Generated, GenError> {
        let declared = spec.effect();
        let cands = search_candidates(spec);
        let considered = cands.len();
        let mut tried = 0;
        let mut best: Option<(GenError, usize)> = None;
        for cand in cands {
            // Straight-line bodies are checked with the text API first
            // (no compilation); control structures need the compiler.
            if patterns::straight_line(&cand.body)
                && let Ok(e) = crate::infer::infer(&cand.body)
                && !declared.admits(&e)
            {
                continue;
            }
            if tried >= self.options.max_candidates {
                break;
            }
            tried += 1;
            match self.evaluate(spec, cand, tried) {
                Verdict::Pass(g) => return Ok(g),
                Verdict::Effect(_) => {}
                Verdict::Tests(e, failed) => {
                    if best.as_ref().is_none_or(|(_, f)| failed < *f) {
                        best = Some((e, failed));
                    }
                }
            }
            if self.spec_fuel == 0 {
                break;
            }
        }
        let note = format!(
            "no `implementation` hint: searched {considered} candidate(s) of the patterns {}, \
             compiled {tried} that the text check could not rule out",
            patterns::table()
                .iter()
                .filter(|(p, _)| p.searchable)
                .map(|(p, _)| p.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
        match best {
            Some((GenError::Tests(mut t), _)) => {
                t.notes.push(format!(
                    "closest candidate shown; {}",
                    note.trim_start_matches("no `implementation` hint: ")
                ));
                Err(GenError::Tests(t))
            }
            _ => Err(GenError::Effect(Box::new(EffectFailure {
                word: spec.word.clone(),
                candidate: None,
                declared,
                inferred: None,
                message: format!("no pattern produces {declared}"),
                notes: vec![note],
            }))),
        }
    }

    /// Compiles a candidate, checks its effect, runs the tests.
    fn evaluate(&mut self, spec: &Spec, cand: Candidate, tried: usize) -> Verdict {
        let declared = spec.effect();
        let comment = spec.stack_comment();
        let effect_err = |message: String, inferred: Option<Effect>, notes: Vec<String>| {
            Verdict::Effect(GenError::Effect(Box::new(EffectFailure {
                word: spec.word.clone(),
                candidate: Some((cand.pattern.id, cand.body.clone())),
                declared,
                inferred,
                message,
                notes,
            })))
        };
        let (xt, internal) = match self.define(&comment, &cand.body) {
            Ok(x) => x,
            Err(e) => return effect_err(format!("the body does not compile: {e}"), None, vec![]),
        };
        let inferred = match self.forth.infer_word(xt) {
            Ok(i) => i,
            Err(e) => {
                return effect_err(
                    format!("the effect cannot be inferred: {}", e.message),
                    None,
                    e.notes,
                );
            }
        };
        let eff = inferred.effect;
        if eff.dynamic {
            let why = inferred.why.map(|w| w.message);
            return effect_err(
                "the effect depends on the data (a fixed effect is required)".into(),
                Some(eff),
                why.into_iter().collect(),
            );
        }
        if !declared.admits(&eff) {
            return effect_err(
                format!(
                    "the depth changes by {} but the spec's by {}",
                    eff.net(),
                    declared.net()
                ),
                Some(eff),
                vec![],
            );
        }
        if let Some(msg) = type_conflict(&declared, &eff) {
            return effect_err(msg, Some(eff), vec![]);
        }
        let mut failures = Vec::new();
        let mut failed = 0;
        for (i, t) in spec.test_cases.iter().enumerate() {
            let got = self.run_case(xt, &t.input);
            let ok = matches!(&got, Ok(s) if **s == t.output[..]);
            if !ok {
                failed += 1;
                if failures.len() < 10 {
                    failures.push(CaseFailure {
                        index: i,
                        input: t.input.clone(),
                        expected: t.output.clone(),
                        got: match got {
                            Ok(s) => Outcome::Stack(s.to_vec()),
                            Err(Throw(n)) => Outcome::Throw(n),
                        },
                    });
                }
            }
        }
        if failed > 0 {
            return Verdict::Tests(
                GenError::Tests(Box::new(TestsFailure {
                    word: spec.word.clone(),
                    candidate: (cand.pattern.id, cand.body),
                    failed,
                    total: spec.test_cases.len(),
                    failures,
                    notes: vec![],
                })),
                failed,
            );
        }
        Verdict::Pass(Generated {
            word: spec.word.clone(),
            pattern: cand.pattern.id,
            params: cand.params,
            body: cand.body,
            comment,
            effect: eff,
            cases: spec.test_cases.len(),
            tried,
            xt,
            internal,
            epoch: self.epoch,
        })
    }

    /// Defines `: GEN#k comment body ;` in the sandbox.
    fn define(&mut self, comment: &str, body: &str) -> Result<(u32, String), String> {
        self.serial += 1;
        let internal = format!("GEN#{}", self.serial);
        let text = format!(": {internal} {comment} {body} ;");
        let r = self.forth.interpret("<gen>", &text);
        let _ = self.forth.take_output();
        match r {
            Ok(()) if !self.forth.compiling() => Ok((self.forth.latest, internal)),
            Ok(()) => {
                self.forth.reset();
                Err("the definition is not closed".into())
            }
            Err(e) => Err(e.message),
        }
    }

    /// Runs `xt` on `input` under the per-case and per-spec fuel.
    fn run_case(&mut self, xt: u32, input: &[i64]) -> Result<&[Cell], Throw> {
        let f = &mut self.forth;
        f.hot.sp = 0;
        f.hot.rp = 0;
        f.hot.locals.clear();
        f.hot.frames.clear();
        f.catches.clear();
        let given = self.options.fuel_per_case.min(self.spec_fuel);
        if given < TICK as u64 {
            return Err(Throw(code::FUEL));
        }
        f.budget.fuel = given;
        f.tick = TICK;
        let mut r = Ok(());
        for &v in input {
            r = f.hot.push(v);
            if r.is_err() {
                break;
            }
        }
        if r.is_ok() {
            r = f.execute(xt);
        }
        // Fuel is charged per TICK steps; charge the partial tick too.
        let used = given - f.budget.fuel + (TICK - f.tick.min(TICK)) as u64;
        self.spec_fuel = self.spec_fuel.saturating_sub(used);
        let f = &mut self.forth;
        f.err = None;
        f.abort_msg = None;
        let _ = f.take_output();
        r.map(|()| f.stack())
    }

    /// Runs a generated word on `input` and returns the stack it leaves
    /// (deepest first), under [`GenOptions::fuel_per_case`].
    ///
    /// # Errors
    /// The THROW the word raised; -13 (undefined word) when the generator
    /// has been rolled back since `g` was generated.
    pub fn run(&mut self, g: &Generated, input: &[i64]) -> Result<&[Cell], Throw> {
        if g.epoch != self.epoch {
            return Err(Throw(code::UNDEFINED));
        }
        self.spec_fuel = self.options.fuel_per_case;
        self.run_case(g.xt, input)
    }

    /// Generates `a` and `b`, checks that `a`'s outputs line up with `b`'s
    /// inputs, defines `: name ( a-inputs -- b-outputs ) a b ;` (default
    /// name `a-b`), checks its inferred effect against the composition of
    /// the two spec effects, and runs it on each of `a`'s test inputs: the
    /// expected stack is `b`'s test case for `a`'s expected output when
    /// there is one, else what `b` leaves on it.
    ///
    /// # Errors
    /// As [`Generator::generate`] for either word; [`GenError::Effect`]
    /// when the effects do not line up or the composed effect disagrees;
    /// [`GenError::Tests`] when the composed word fails a case.
    pub fn compose(
        &mut self,
        a: &Spec,
        b: &Spec,
        name: Option<&str>,
    ) -> Result<Composition, GenError> {
        self.maybe_rollback();
        let name = name.map_or_else(|| format!("{}-{}", a.word, b.word), str::to_owned);
        let joined = compose_effects(&a.effect(), &b.effect()).map_err(|message| {
            GenError::Effect(Box::new(EffectFailure {
                word: name.clone(),
                candidate: None,
                declared: a.effect(),
                inferred: Some(b.effect()),
                message,
                notes: vec![format!(
                    "'{}' is {} and '{}' is {}",
                    a.word,
                    a.effect(),
                    b.word,
                    b.effect()
                )],
            }))
        })?;
        let ga = self.generate_inner(a)?;
        let gb = self.generate_inner(b)?;
        let mut comp = a.clone();
        comp.word = name.clone();
        comp.stack_effect.outputs = b.stack_effect.outputs.clone();
        comp.implementation = None;
        comp.test_cases.clear();
        self.spec_fuel = self.options.fuel_per_spec;
        for t in &a.test_cases {
            let expected = match b.test_cases.iter().find(|u| u.input == t.output) {
                Some(u) => u.output.clone(),
                None => match self.run_case(gb.xt, &t.output) {
                    Ok(s) => s.to_vec(),
                    // b rejects a's output (e.g. division by zero): no expectation.
                    Err(_) => continue,
                },
            };
            comp.test_cases.push(TestCase {
                input: t.input.clone(),
                output: expected,
            });
        }
        comp.validate()?;
        let cand = Candidate {
            pattern: &COMPOSE,
            params: vec![],
            body: format!("{} {}", ga.internal, gb.internal),
        };
        let mut word = match self.evaluate(&comp, cand, 1) {
            Verdict::Pass(g) => g,
            Verdict::Effect(e) | Verdict::Tests(e, _) => return Err(rename(e, &ga, &gb)),
        };
        if !joined.admits(&word.effect) {
            return Err(GenError::Effect(Box::new(EffectFailure {
                word: name,
                candidate: Some(("compose", format!("{} {}", a.word, b.word))),
                declared: joined,
                inferred: Some(word.effect),
                message: "the composed word's effect is not the composition of the specs".into(),
                notes: vec![],
            })));
        }
        word.body = format!("{} {}", a.word, b.word);
        Ok(Composition {
            first: ga,
            second: gb,
            word,
        })
    }

    fn maybe_rollback(&mut self) {
        let f = &mut self.forth;
        if f.hot.code.len() < self.mark.code + ROLLBACK_OPS
            && f.texts.len() < self.mark.texts + 4096
        {
            return;
        }
        let m = &self.mark;
        f.reset();
        f.dict.words.truncate(m.words);
        f.hot.xts.truncate(m.words);
        f.dict.rebuild();
        f.hot.code.truncate(m.code);
        f.locs.truncate(m.code);
        f.hot.consts.truncate(m.consts);
        f.texts.truncate(m.texts);
        f.here = m.here;
        f.latest = m.latest;
        f.barrier = f.hot.code.len();
        f.name_strings.retain(|&xt, _| (xt as usize) < m.words);
        self.epoch += 1;
    }
}

const COMPOSE: Pattern = Pattern {
    id: "compose",
    summary: "two verified words in sequence",
    template: "",
    params: &[],
    searchable: false,
};

/// Replaces internal names in an error's body by the public ones.
fn rename(mut e: GenError, a: &Generated, b: &Generated) -> GenError {
    let fix = |s: &mut String| {
        *s = s
            .replace(&a.internal, &a.word)
            .replace(&b.internal, &b.word)
    };
    match &mut e {
        GenError::Effect(x) => {
            if let Some((_, body)) = &mut x.candidate {
                fix(body);
            }
        }
        GenError::Tests(x) => fix(&mut x.candidate.1),
        GenError::Spec(_) => {}
    }
    e
}

fn concrete(t: Ty) -> bool {
    t != X && t < crate::effect::VAR0
}

fn compatible(a: Ty, b: Ty) -> bool {
    !concrete(a) || !concrete(b) || a == b || matches!((a, b), (N, U) | (U, N))
}

/// A declared output whose kind clearly contradicts the inferred one
/// (`flag` declared, `n` inferred from `+`): only concrete kinds other than
/// n/u are compared, so `x`, type variables and numbers always agree.
fn type_conflict(declared: &Effect, inferred: &Effect) -> Option<String> {
    let (d, i) = (declared.outputs(), inferred.outputs());
    let k = d.len().min(i.len());
    for j in 0..k {
        let (dt, it) = (d[d.len() - k + j], i[i.len() - k + j]);
        if !compatible(dt, it) {
            let show = |t: Ty| {
                Effect::new(&[], &[t])
                    .to_string()
                    .trim_start_matches("( -- ")
                    .trim_end_matches(" )")
                    .to_string()
            };
            return Some(format!(
                "output {} is declared {} but the word leaves {}",
                d.len() - k + j,
                show(dt),
                show(it)
            ));
        }
    }
    None
}

/// Composes two spec effects when `a`'s outputs line up with `b`'s inputs:
/// the same number of cells and no conflicting kinds.
///
/// # Errors
/// A count or kind mismatch, as one line.
pub fn compose_effects(a: &Effect, b: &Effect) -> Result<Effect, String> {
    if a.n_out() != b.n_in() {
        return Err(format!(
            "the first word leaves {} item(s) but the second takes {}",
            a.n_out(),
            b.n_in()
        ));
    }
    for (k, (&x, &y)) in a.outputs().iter().zip(b.inputs()).enumerate() {
        if !compatible(x, y) {
            return Err(format!("item {k}: the kinds of output and input differ"));
        }
    }
    Ok(a.then(b))
}

/// The candidate a hint names, with parameters resolved.
fn hinted(spec: &Spec, imp: &Implementation) -> Result<Candidate, GenError> {
    let table = patterns::table();
    let Some((pattern, instantiate)) = table.get(imp.pattern.as_str()) else {
        return Err(spec_err(
            "implementation.pattern",
            format!(
                "unknown pattern `{}`; known: {}",
                imp.pattern,
                table.ids().join(", ")
            ),
        ));
    };
    for p in &imp.params {
        if !pattern.params.iter().any(|q| q.name == p.key) {
            let names: Vec<&str> = pattern.params.iter().map(|q| q.name).collect();
            return Err(spec_err(
                format!("implementation.params.{}", p.key),
                format!(
                    "pattern `{}` has no parameter `{}` (it takes: {})",
                    pattern.id,
                    p.key,
                    names.join(", ")
                ),
            ));
        }
    }
    let mut names = Vec::new();
    let mut codes = Vec::new();
    for ps in pattern.params {
        let given = imp.param(ps.name).or(ps.default);
        let value = match (given, ps.kind) {
            (Some(v), _) => v.to_owned(),
            (None, ParamKind::Number) => solve_number(spec, pattern, imp).ok_or_else(|| {
                spec_err(
                    format!("implementation.params.{}", ps.name),
                    format!(
                        "parameter `{}` is missing and cannot be solved from the first test case",
                        ps.name
                    ),
                )
            })?,
            (None, _) => {
                return Err(spec_err(
                    format!("implementation.params.{}", ps.name),
                    format!("pattern `{}` needs parameter `{}`", pattern.id, ps.name),
                ));
            }
        };
        let code = patterns::resolve(ps, &value)
            .map_err(|m| spec_err(format!("implementation.params.{}", ps.name), m))?;
        names.push((ps.name.to_owned(), value));
        codes.push(code);
    }
    let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    let body = instantiate(&refs);
    patterns::check_body(&body).map_err(|m| spec_err("implementation", m))?;
    Ok(Candidate {
        pattern,
        params: names,
        body,
    })
}

/// `literal-op`'s `n` from the first test case `( … x -- … y )`.
fn solve_number(spec: &Spec, pattern: &Pattern, imp: &Implementation) -> Option<String> {
    let op = imp
        .param("op")
        .or_else(|| pattern.params.iter().find(|p| p.name == "op")?.default)?;
    let t = spec.test_cases.first()?;
    let (&x, &y) = (t.input.last()?, t.output.last()?);
    patterns::solve_literal(op, x, y).map(|n| n.to_string())
}

/// Candidates for a spec without a hint: every searchable pattern with
/// every combination of choices (numbers solved from the first test case).
fn search_candidates(spec: &Spec) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (pattern, instantiate) in patterns::table().iter() {
        if !pattern.searchable {
            continue;
        }
        // Enumerate the cartesian product of parameter choices.
        let mut combos: Vec<Vec<(String, String)>> = vec![vec![]];
        for ps in pattern.params {
            let values: Vec<(String, String)> = match ps.kind {
                ParamKind::Choice(ch) => ch
                    .iter()
                    .map(|(n, c)| ((*n).to_owned(), (*c).to_owned()))
                    .collect(),
                ParamKind::Number | ParamKind::Code => vec![],
            };
            if values.is_empty() {
                // Numbers are solved per combination below.
                for c in &mut combos {
                    c.push((ps.name.to_owned(), String::new()));
                }
                continue;
            }
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push(v.clone());
                        c
                    })
                })
                .collect();
        }
        'combo: for combo in combos {
            let mut names: Vec<(String, String)> = Vec::new();
            let mut codes = Vec::new();
            for (ps, (value, code)) in pattern.params.iter().zip(combo) {
                names.push((ps.name.to_owned(), value));
                codes.push(code);
            }
            for (i, ps) in pattern.params.iter().enumerate() {
                if let ParamKind::Number = ps.kind {
                    let op = names
                        .iter()
                        .find(|(k, _)| k == "op")
                        .map(|(_, v)| v.as_str());
                    let n = spec
                        .test_cases
                        .first()
                        .and_then(|t| Some((*t.input.last()?, *t.output.last()?)))
                        .and_then(|(x, y)| patterns::solve_literal(op?, x, y));
                    let Some(n) = n else { continue 'combo };
                    names[i].1 = n.to_string();
                    codes[i] = n.to_string();
                }
            }
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            out.push(Candidate {
                pattern,
                params: names,
                body: instantiate(&refs),
            });
        }
    }
    out
}
