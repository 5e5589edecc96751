//! Direct evaluation of filter predicates ([`crate::pred::Pred`]) on one
//! item, for `where`, `exists`, `all` and `where(…).first()`.
//!
//! Navigation results go on top of the VM's item stack as scratch space and
//! are truncated away, so evaluation allocates nothing. Whenever the tree
//! cannot decide by itself — an operator error, the item limit, fuel — it
//! answers `None` ("run the block") and the caller runs the lambda's
//! bytecode for that item, which produces the same result or the error with
//! its source span.

use super::{EvalCtx, Vm, max_items, push_constant};
use crate::compile::Constant;
use crate::nav;
use crate::ops;
use crate::pred::{CmpOp, LogicOp, Pred};
use crate::value::Value;

/// A predicate's answer: `Some(result)` (a singleton Boolean or empty), or
/// `None` when the block must be run instead.
type Answer = Option<Option<bool>>;

impl<'a> Vm<'a> {
    /// Evaluates `p` with `$this` = `item`.
    pub(super) fn eval_pred(&mut self, ctx: &EvalCtx<'a>, p: &'a Pred, item: &Value<'a>) -> Answer {
        ctx.consume(1).ok()?;
        match p {
            Pred::Compare {
                path,
                op,
                k,
                const_first,
            } => {
                let base = self.stack.len();
                let r = self.compare(ctx, path, *op, *k, *const_first, item, base);
                self.stack.truncate(base);
                r
            }
            Pred::Exists(path) | Pred::Empty(path) => {
                let base = self.stack.len();
                let r = self.navigate(ctx, item, path, base);
                let found = self.stack.len() > base;
                self.stack.truncate(base);
                r?;
                Some(Some(found == matches!(p, Pred::Exists(_))))
            }
            Pred::ExistsWhere(path, body) | Pred::AllWhere(path, body) => {
                let any = matches!(p, Pred::ExistsWhere(..));
                let base = self.stack.len();
                let r = self.quantify(ctx, item, path, body, any, base);
                self.stack.truncate(base);
                r
            }
            Pred::Logic(op, a, b) => {
                let x = self.eval_pred(ctx, a, item)?;
                // The short circuits of the bytecode (AndShort, OrShort, ImpliesShort).
                match (op, x) {
                    (LogicOp::And, Some(false)) => return Some(Some(false)),
                    (LogicOp::Or, Some(true)) => return Some(Some(true)),
                    (LogicOp::Implies, Some(false)) => return Some(Some(true)),
                    _ => {}
                }
                let y = self.eval_pred(ctx, b, item)?;
                Some(ops::logic(op.word(), x, y))
            }
            Pred::Not(a) => Some(self.eval_pred(ctx, a, item)?.map(|b| !b)),
        }
    }

    /// Pushes the items `path` reaches from `item` (at `base`); `None` past the item limit.
    fn navigate(
        &mut self,
        ctx: &EvalCtx<'a>,
        item: &Value<'a>,
        path: &'a [u32],
        base: usize,
    ) -> Option<()> {
        let sites = &ctx.program.sites;
        let Some((&first, rest)) = path.split_first() else {
            self.stack.push(item.clone());
            return Some(());
        };
        nav::children_at_site(ctx.model, item, sites.get(first as usize)?, &mut self.stack);
        for &s in rest {
            let site = sites.get(s as usize)?;
            let end = self.stack.len();
            for i in base..end {
                let it = self.stack[i].clone();
                nav::children_at_site(ctx.model, &it, site, &mut self.stack);
            }
            self.stack.drain(base..end);
        }
        (self.stack.len() <= max_items(&ctx.limits)).then_some(())
    }

    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        ctx: &EvalCtx<'a>,
        path: &'a [u32],
        op: CmpOp,
        k: u32,
        const_first: bool,
        item: &Value<'a>,
        base: usize,
    ) -> Answer {
        self.navigate(ctx, item, path, base)?;
        let konst = ctx.program.consts.get(k as usize)?;
        // `path = 'text'` (the commonest filter: `system = 'http://loinc.org'`)
        // compares the string in place, as `ops::equals` would: empty is
        // empty, several items against one is unequal, one string element
        // against the string compares the texts.
        if let (CmpOp::Eq | CmpOp::Ne, Constant::String(text)) = (op, konst) {
            let found = self.stack.len() - base;
            let eq = match found {
                0 => return Some(None),
                1 => self.stack[base].system_str(ctx.model).map(|s| s == &**text),
                _ => Some(false),
            };
            if let Some(eq) = eq {
                return Some(Some(eq == (op == CmpOp::Eq)));
            }
        }
        let mid = self.stack.len();
        push_constant(konst, &mut self.stack);
        let (left, right) = if const_first {
            (mid..self.stack.len(), base..mid)
        } else {
            (base..mid, mid..self.stack.len())
        };
        let (a, b) = (&self.stack[left], &self.stack[right]);
        let model = ctx.model;
        Some(match op {
            CmpOp::Eq => ops::equals(model, a, b),
            CmpOp::Ne => ops::equals(model, a, b).map(|x| !x),
            CmpOp::Equiv | CmpOp::NotEquiv => {
                ctx.consume((a.len() as u64).saturating_mul(b.len() as u64))
                    .ok()?;
                Some(ops::equivalent(model, a, b) == (op == CmpOp::Equiv))
            }
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                let symbol = match op {
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    _ => ">=",
                };
                // An incomparable pair is an error: the block reports it with its span.
                let ord = ops::compare(model, a, b, symbol).ok()?;
                ord.map(|o| match op {
                    CmpOp::Lt => o.is_lt(),
                    CmpOp::Le => o.is_le(),
                    CmpOp::Gt => o.is_gt(),
                    _ => o.is_ge(),
                })
            }
        })
    }

    /// `path.exists(body)` (`any`) or `path.all(body)`.
    fn quantify(
        &mut self,
        ctx: &EvalCtx<'a>,
        item: &Value<'a>,
        path: &'a [u32],
        body: &'a Pred,
        any: bool,
        base: usize,
    ) -> Answer {
        self.navigate(ctx, item, path, base)?;
        let end = self.stack.len();
        for i in base..end {
            let it = self.stack[i].clone();
            let b = self.eval_pred(ctx, body, &it)?;
            if any && b == Some(true) {
                return Some(Some(true));
            }
            if !any && b != Some(true) {
                return Some(Some(false));
            }
        }
        Some(Some(!any))
    }
}
