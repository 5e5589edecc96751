//! Filter predicates: the lambda bodies of `where`, `exists`, `all` and
//! `where(…).first()` that are built only from member paths, comparisons
//! with constants, the Boolean operators, `not()`, `exists()`, `empty()`
//! and nested `exists(…)`/`all(…)` — `use = 'official'`,
//! `system = 'http://loinc.org' and code = '8302-2'`, `value > 100`.
//!
//! Such a body is recognised in its compiled bytecode (a symbolic run of the
//! block, so the compiler's own site resolution and folding are reused) and
//! turned into a small [`Pred`] tree. The VM evaluates that tree directly on
//! each item — no scope push, no block dispatch, no collection frames — and
//! falls back to running the block whenever the tree cannot decide on its
//! own (an operator error, a limit), so results and errors are exactly those
//! of the bytecode. This is the seed's "superinstructions" applied to whole
//! lambda bodies: a specialised tier for the shape most filters have.

use crate::compile::{Constant, Program};
use crate::functions::Func;
use crate::isa::Op;

/// A comparison operator of [`Pred::Compare`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `~`
    Equiv,
    /// `!~`
    NotEquiv,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A Boolean connective of [`Pred::Logic`] (spec §6.5, three-valued).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicOp {
    /// `and`
    And,
    /// `or`
    Or,
    /// `xor`
    Xor,
    /// `implies`
    Implies,
}

impl LogicOp {
    /// The operator's keyword, as [`crate::ops::logic`] takes it.
    pub fn word(self) -> &'static str {
        match self {
            LogicOp::And => "and",
            LogicOp::Or => "or",
            LogicOp::Xor => "xor",
            LogicOp::Implies => "implies",
        }
    }
}

/// A predicate over one item (`$this`). Paths are site indices into
/// [`Program::sites`], navigated from `$this` in order (an empty path is
/// `$this` itself). Evaluation yields `Some(true/false)` or `None` (empty),
/// as the bytecode's singleton Boolean would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pred {
    /// `path op constant` (or `constant op path` when `const_first`).
    Compare {
        /// The member path.
        path: Box<[u32]>,
        /// The operator.
        op: CmpOp,
        /// The constant's index in [`Program::consts`] (a single item).
        k: u32,
        /// The constant is the left operand.
        const_first: bool,
    },
    /// `path.exists()`
    Exists(Box<[u32]>),
    /// `path.empty()`
    Empty(Box<[u32]>),
    /// `path.exists(body)` (also `path.where(body).exists()`).
    ExistsWhere(Box<[u32]>, Box<Pred>),
    /// `path.all(body)`
    AllWhere(Box<[u32]>, Box<Pred>),
    /// `a and b`, `a or b`, `a xor b`, `a implies b`.
    Logic(LogicOp, Box<Pred>, Box<Pred>),
    /// `p.not()`
    Not(Box<Pred>),
}

/// A value of the symbolic run: what an instruction left on the stack.
enum Sym {
    Path(Vec<u32>),
    Const(u32),
    Pred(Pred),
}

/// The predicate block `block` of `program` computes, or `None` when the
/// block uses anything else (variables, `$index`, functions other than
/// `exists()`/`empty()`/`not()`, arithmetic, …).
pub fn derive(program: &Program, block: usize) -> Option<Pred> {
    derive_depth(program, block, 0)
}

fn derive_depth(program: &Program, block: usize, depth: u32) -> Option<Pred> {
    // Nested lambdas are rare beyond two levels; the bound keeps this linear.
    if depth > 8 {
        return None;
    }
    let code = program.blocks.get(block)?;
    let mut stack: Vec<Sym> = Vec::new();
    let path = |s: Option<Sym>| match s {
        Some(Sym::Path(p)) => Some(p),
        _ => None,
    };
    let pred = |s: Option<Sym>| match s {
        Some(Sym::Pred(p)) => Some(p),
        _ => None,
    };
    for &op in &code.ops {
        match op {
            Op::This => stack.push(Sym::Path(Vec::new())),
            Op::NavThis { site } => stack.push(Sym::Path(vec![site.0])),
            Op::Nav { site } => {
                let mut p = path(stack.pop())?;
                p.push(site.0);
                stack.push(Sym::Path(p));
            }
            Op::Path { p: steps } => {
                let mut p = path(stack.pop())?;
                p.extend_from_slice(program.paths.get(steps.0 as usize)?);
                stack.push(Sym::Path(p));
            }
            Op::Const { k } => {
                if matches!(program.consts.get(k.0 as usize)?, Constant::Collection(_)) {
                    return None;
                }
                stack.push(Sym::Const(k.0));
            }
            Op::Eq | Op::Ne | Op::Equiv | Op::NotEquiv | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let cmp = match op {
                    Op::Eq => CmpOp::Eq,
                    Op::Ne => CmpOp::Ne,
                    Op::Equiv => CmpOp::Equiv,
                    Op::NotEquiv => CmpOp::NotEquiv,
                    Op::Lt => CmpOp::Lt,
                    Op::Le => CmpOp::Le,
                    Op::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let (b, a) = (stack.pop()?, stack.pop()?);
                let (path, k, const_first) = match (a, b) {
                    (Sym::Path(p), Sym::Const(k)) => (p, k, false),
                    (Sym::Const(k), Sym::Path(p)) => (p, k, true),
                    _ => return None,
                };
                stack.push(Sym::Pred(Pred::Compare {
                    path: path.into(),
                    op: cmp,
                    k,
                    const_first,
                }));
            }
            // Straight-line, the short-circuit ops leave the left operand for
            // the connective that follows; the evaluator short-circuits alike.
            Op::AndShort { .. } | Op::OrShort { .. } | Op::ImpliesShort { .. } => {}
            Op::And | Op::Or | Op::Xor | Op::Implies => {
                let logic = match op {
                    Op::And => LogicOp::And,
                    Op::Or => LogicOp::Or,
                    Op::Xor => LogicOp::Xor,
                    _ => LogicOp::Implies,
                };
                let (b, a) = (pred(stack.pop())?, pred(stack.pop())?);
                stack.push(Sym::Pred(Pred::Logic(logic, Box::new(a), Box::new(b))));
            }
            Op::Call { f, argc } if argc.0 == 0 => {
                let f = *Func::ALL.get(f.0 as usize)?;
                let top = stack.pop();
                stack.push(Sym::Pred(match f {
                    Func::Exists => Pred::Exists(path(top)?.into()),
                    Func::Empty => Pred::Empty(path(top)?.into()),
                    Func::Not => Pred::Not(Box::new(pred(top)?)),
                    _ => return None,
                }));
            }
            Op::Exists { body } | Op::All { body } => {
                let p = path(stack.pop())?;
                let inner = Box::new(derive_depth(program, body.0 as usize, depth + 1)?);
                stack.push(Sym::Pred(match op {
                    Op::Exists { .. } => Pred::ExistsWhere(p.into(), inner),
                    _ => Pred::AllWhere(p.into(), inner),
                }));
            }
            Op::Return => {
                return match (stack.pop(), stack.is_empty()) {
                    (Some(Sym::Pred(p)), true) => Some(p),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{CompileOptions, Expression};

    /// The predicate of the first lambda block of `src`.
    fn lambda_pred(src: &str) -> Option<Pred> {
        let e = Expression::compile(src, &CompileOptions::default()).expect("compiles");
        let p = e.program();
        (1..p.blocks.len()).find_map(|b| p.preds[b].clone())
    }

    #[test]
    fn recognises_the_common_filters() {
        for src in [
            "Patient.name.where(use = 'official')",
            "Patient.telecom.where(system = 'phone').value",
            "Patient.name.where(use = 'official').family.first()",
            "Observation.value.ofType(Quantity).where(value > 100).unit",
            "Observation.code.coding.where('http://loinc.org' = system)",
            "entry.resource.ofType(Observation).where(code.coding.exists(system='http://loinc.org' and code='8302-2'))",
            "Patient.name.where(given.exists() and family.empty().not())",
            "Patient.name.all(use = 'official' or use ~ 'usual' implies period.exists())",
            "Patient.name.where($this.use != 'old')",
        ] {
            assert!(lambda_pred(src).is_some(), "{src}");
        }
    }

    #[test]
    fn leaves_other_bodies_to_the_vm() {
        for src in [
            "Patient.name.where($index = 0)",
            "Patient.name.where(given.count() > 1)",
            "Patient.name.where(use = %resource.id)",
            "Patient.name.where(given)",
            "Patient.name.where(use in ('a' | 'b'))",
            "Patient.name.where(family & 'x' = 'yx')",
        ] {
            assert_eq!(lambda_pred(src), None, "{src}");
        }
    }

    #[test]
    fn a_conjunction_becomes_one_tree() {
        let p = lambda_pred("Observation.code.coding.exists(system = 'a' and code = 'b')")
            .expect("a predicate");
        let Pred::Logic(LogicOp::And, a, b) = p else {
            panic!("not an and: {p:?}")
        };
        assert!(matches!(
            *a,
            Pred::Compare {
                op: CmpOp::Eq,
                const_first: false,
                ..
            }
        ));
        assert!(matches!(*b, Pred::Compare { op: CmpOp::Eq, .. }));
    }
}
