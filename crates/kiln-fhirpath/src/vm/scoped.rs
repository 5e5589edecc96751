//! Scoped functions (spec §"Scoped Functions"): the VM runs their lambda
//! blocks with `$this`, `$index` and `$total` set — `where`, `select`,
//! `exists`, `all` (each with its own opcode) and `sort`, `repeat`,
//! `repeatAll`, `iif`, `coalesce`, `trace` and `aggregate` (through
//! `Scoped`).

use super::{EvalCtx, EvalError, Scope, Vm};
use crate::compile::ArgSlot;
use crate::functions::Func;
use crate::ops;
use crate::value::Value;
use kiln_core::{LimitExceeded, Span};
use std::cmp::Ordering;

fn err(message: impl Into<String>) -> EvalError {
    EvalError {
        message: message.into(),
        span: Span::default(),
    }
}

impl<'a> Vm<'a> {
    #[inline]
    fn tick(&mut self, ctx: &EvalCtx<'a>) -> Result<(), EvalError> {
        ctx.consume(1).map_err(err)
    }

    /// Pushes a scope whose `$this` is `item` and `$index` is `index`; `$total` is inherited.
    #[inline]
    fn enter_item(&mut self, item: Value<'a>, index: i64) {
        let outer = self.scope();
        let base = self.scope_items.len() as u32;
        self.scope_items.push(item);
        self.scopes.push(Scope {
            this_start: base,
            this_len: 1,
            index,
            total_start: outer.total_start,
            total_len: outer.total_len,
            base,
        });
    }

    /// Pushes a scope whose `$this` is the collection `items`; `$index` and `$total` are inherited.
    fn enter_collection(&mut self, items: &[Value<'a>]) {
        let outer = self.scope();
        let base = self.scope_items.len() as u32;
        self.scope_items.extend_from_slice(items);
        self.scopes.push(Scope {
            this_start: base,
            this_len: items.len() as u32,
            index: outer.index,
            total_start: outer.total_start,
            total_len: outer.total_len,
            base,
        });
    }

    #[inline]
    fn leave(&mut self) {
        if let Some(s) = self.scopes.pop() {
            self.scope_items.truncate(s.base as usize);
        }
    }

    /// Pops the top collection and reads it as a singleton Boolean.
    fn pop_bool(&mut self, ctx: &EvalCtx<'a>, what: &str) -> Result<Option<bool>, EvalError> {
        let start = self.top_start();
        let r = ops::to_bool(ctx.model, &self.stack[start..], what).map_err(err);
        self.stack.truncate(start);
        self.frames.pop();
        r
    }

    /// Pops the top collection into a vector.
    fn pop_vec(&mut self) -> Vec<Value<'a>> {
        let start = self.top_start();
        let v = self.stack.split_off(start);
        self.frames.pop();
        v
    }

    /// Runs `body` with `$this` = `item`, leaving its result on the stack.
    #[inline]
    fn run_for_item(
        &mut self,
        ctx: &EvalCtx<'a>,
        body: u32,
        item: Value<'a>,
        index: i64,
    ) -> Result<(), EvalError> {
        self.tick(ctx)?;
        self.enter_item(item, index);
        let r = self.run_block(ctx, body);
        self.leave();
        r
    }

    /// Runs `body` with `$this` = the collection `input` and returns its result.
    pub(super) fn run_lazy(
        &mut self,
        ctx: &EvalCtx<'a>,
        body: u32,
        input: &[Value<'a>],
    ) -> Result<Vec<Value<'a>>, EvalError> {
        self.tick(ctx)?;
        self.enter_collection(input);
        let r = self.run_block(ctx, body);
        self.leave();
        r?;
        Ok(self.pop_vec())
    }

    /// The criteria `body` for the `index`-th item: its filter predicate
    /// when it has one that decides, else the block run as a lambda.
    #[inline]
    fn criteria(
        &mut self,
        ctx: &EvalCtx<'a>,
        body: u32,
        item: Value<'a>,
        index: i64,
        what: &str,
    ) -> Result<Option<bool>, EvalError> {
        if let Some(Some(p)) = ctx.program.preds.get(body as usize)
            && let Some(r) = self.eval_pred(ctx, p, &item)
        {
            return Ok(r);
        }
        self.run_for_item(ctx, body, item, index)?;
        self.pop_bool(ctx, what)
    }

    /// `where(criteria)`: keeps the items for which the criteria is true.
    pub(super) fn op_where(&mut self, ctx: &EvalCtx<'a>, body: u32) -> Result<(), EvalError> {
        let start = self.top_start();
        let end = self.stack.len();
        for i in start..end {
            let item = self.stack[i].clone();
            if self.criteria(ctx, body, item, (i - start) as i64, "where() criteria")? == Some(true)
            {
                let v = self.stack[i].clone();
                self.stack.push(v);
            }
        }
        self.stack.drain(start..end);
        Ok(())
    }

    /// `where(criteria).first()`: the first item for which the criteria is
    /// true, without evaluating the criteria on the items after it.
    pub(super) fn op_first_where(&mut self, ctx: &EvalCtx<'a>, body: u32) -> Result<(), EvalError> {
        let start = self.top_start();
        let end = self.stack.len();
        let mut found = None;
        for i in start..end {
            let item = self.stack[i].clone();
            if self.criteria(ctx, body, item, (i - start) as i64, "where() criteria")? == Some(true)
            {
                found = Some(i);
                break;
            }
        }
        match found {
            Some(i) => {
                self.stack.swap(start, i);
                self.stack.truncate(start + 1);
            }
            None => self.stack.truncate(start),
        }
        Ok(())
    }

    /// `select(projection)`: concatenates the projection of every item.
    pub(super) fn op_select(&mut self, ctx: &EvalCtx<'a>, body: u32) -> Result<(), EvalError> {
        let start = self.top_start();
        let end = self.stack.len();
        for i in start..end {
            let item = self.stack[i].clone();
            self.run_for_item(ctx, body, item, (i - start) as i64)?;
            // Keep the projection's items where they are: drop only its frame.
            self.frames.pop();
        }
        self.stack.drain(start..end);
        Ok(())
    }

    /// `exists(criteria)` (`any == true`) and `all(criteria)` (`any == false`), stopping early.
    pub(super) fn op_exists_all(
        &mut self,
        ctx: &EvalCtx<'a>,
        body: u32,
        any: bool,
    ) -> Result<(), EvalError> {
        let start = self.top_start();
        let end = self.stack.len();
        let what = if any {
            "exists() criteria"
        } else {
            "all() criteria"
        };
        let mut result = !any;
        for i in start..end {
            let item = self.stack[i].clone();
            let b = self.criteria(ctx, body, item, (i - start) as i64, what)?;
            if any && b == Some(true) {
                result = true;
                break;
            }
            if !any && b != Some(true) {
                result = false;
                break;
            }
        }
        self.stack.truncate(start);
        self.stack.push(Value::Boolean(result));
        Ok(())
    }

    /// `Scoped`: functions whose arguments include blocks.
    pub(super) fn scoped(
        &mut self,
        ctx: &EvalCtx<'a>,
        f: Func,
        argc: usize,
        lazy: u32,
    ) -> Result<(), EvalError> {
        let layout = &ctx.program.lazies[lazy as usize];
        // Take the eager arguments and the input off the stack.
        let mut eager: Vec<Vec<Value<'a>>> = Vec::with_capacity(argc);
        for _ in 0..argc {
            eager.push(self.pop_vec());
        }
        eager.reverse();
        let input = self.pop_vec();
        let blocks: Vec<(u32, bool)> = layout
            .iter()
            .filter_map(|a| match a {
                ArgSlot::Block { block, descending } => Some((*block, *descending)),
                ArgSlot::Eager(_) => None,
            })
            .collect();
        let result = match f {
            Func::Exists => vec![Value::Boolean(!input.is_empty())],
            Func::Sort => self.sort(ctx, input, &blocks)?,
            Func::Repeat | Func::RepeatAll => self.repeat(
                ctx,
                input,
                blocks.first().map_or(0, |b| b.0),
                f == Func::Repeat,
            )?,
            Func::Iif => self.iif(ctx, &input, &blocks)?,
            Func::Coalesce => {
                let mut found = Vec::new();
                for (b, _) in &blocks {
                    self.tick(ctx)?;
                    self.run_block(ctx, *b)?;
                    let items = self.pop_vec();
                    if !items.is_empty() {
                        found = items;
                        break;
                    }
                }
                found
            }
            Func::Trace => {
                let name = eager
                    .first()
                    .and_then(|n| n.first())
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                match blocks.first() {
                    Some((b, _)) => {
                        let mut projected = Vec::new();
                        for (i, item) in input.iter().enumerate() {
                            self.run_for_item(ctx, *b, item.clone(), i as i64)?;
                            projected.extend(self.pop_vec());
                        }
                        ctx.trace(&name, &projected);
                    }
                    None => ctx.trace(&name, &input),
                }
                input
            }
            Func::Aggregate => {
                let body = blocks.first().map_or(0, |b| b.0);
                let mut total = eager.into_iter().next().unwrap_or_default();
                for (i, item) in input.into_iter().enumerate() {
                    self.tick(ctx)?;
                    let base = self.scope_items.len() as u32;
                    let outer = self.scope();
                    self.scope_items.push(item);
                    self.scope_items.extend_from_slice(&total);
                    self.scopes.push(Scope {
                        this_start: base,
                        this_len: 1,
                        index: i as i64,
                        total_start: base + 1,
                        total_len: total.len() as u32,
                        base,
                    });
                    let _ = outer;
                    let r = self.run_block(ctx, body);
                    self.leave();
                    r?;
                    total = self.pop_vec();
                }
                total
            }
            _ => {
                return Err(err(format!(
                    "internal error: {}() is not a scoped function",
                    f.name()
                )));
            }
        };
        self.frames.push(self.stack.len() as u32);
        self.stack.extend(result);
        Ok(())
    }

    /// `iif(criterion, true-result [, otherwise-result])` (spec §5.5.1).
    fn iif(
        &mut self,
        ctx: &EvalCtx<'a>,
        input: &[Value<'a>],
        blocks: &[(u32, bool)],
    ) -> Result<Vec<Value<'a>>, EvalError> {
        if input.len() > 1 {
            return Err(err(format!(
                "iif() expects an input of at most one item but got {}",
                input.len()
            )));
        }
        let Some(&(criterion, _)) = blocks.first() else {
            return Ok(Vec::new());
        };
        let c = self.run_lazy(ctx, criterion, input)?;
        let chosen = match ops::to_bool(ctx.model, &c, "iif() criterion").map_err(err)? {
            Some(true) => blocks.get(1),
            _ => blocks.get(2),
        };
        match chosen {
            Some(&(b, _)) => self.run_lazy(ctx, b, input),
            None => Ok(Vec::new()),
        }
    }

    /// `repeat(projection)` / `repeatAll(projection)` (spec §5.2.4–5): applies
    /// the projection to the input, then to what it produced, until nothing new
    /// appears. `repeat` drops items already in the result; `repeatAll` keeps
    /// duplicates and relies on the fuel limit to stop cycles.
    fn repeat(
        &mut self,
        ctx: &EvalCtx<'a>,
        input: Vec<Value<'a>>,
        body: u32,
        distinct: bool,
    ) -> Result<Vec<Value<'a>>, EvalError> {
        let mut result: Vec<Value<'a>> = Vec::new();
        let mut frontier = input;
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for item in frontier {
                self.run_for_item(ctx, body, item, 0)?;
                let produced = self.pop_vec();
                if distinct {
                    // Each new item is compared with the result so far.
                    let work = (produced.len() as u64).saturating_mul(result.len() as u64 + 1);
                    ctx.consume(work).map_err(err)?;
                }
                for v in produced {
                    if distinct
                        && result
                            .iter()
                            .any(|r| ops::item_equals(ctx.model, r, &v) == Some(true))
                    {
                        continue;
                    }
                    result.push(v.clone());
                    next.push(v);
                }
                if result.len() > super::max_items(&ctx.limits) {
                    return Err(err(LimitExceeded::Memory.to_string()));
                }
            }
            frontier = next;
        }
        Ok(result)
    }

    /// `sort([keySelector [asc|desc], ...])` (spec §5.2.3): a stable sort by
    /// each key in turn; empty keys sort first in either direction; items whose
    /// keys cannot be ordered keep their relative order.
    fn sort(
        &mut self,
        ctx: &EvalCtx<'a>,
        input: Vec<Value<'a>>,
        keys: &[(u32, bool)],
    ) -> Result<Vec<Value<'a>>, EvalError> {
        let mut keyed: Vec<(Vec<Option<Value<'a>>>, Value<'a>)> = Vec::with_capacity(input.len());
        for (i, item) in input.into_iter().enumerate() {
            let mut ks = Vec::with_capacity(keys.len().max(1));
            if keys.is_empty() {
                ks.push(Some(item.clone()));
            }
            for (b, _) in keys {
                self.run_for_item(ctx, *b, item.clone(), i as i64)?;
                let v = self.pop_vec();
                if v.len() > 1 {
                    return Err(err(format!(
                        "a sort key must be a single item but got {}",
                        v.len()
                    )));
                }
                ks.push(v.into_iter().next());
            }
            keyed.push((ks, item));
        }
        let mut failure: Option<String> = None;
        let directions: Vec<bool> = if keys.is_empty() {
            vec![false]
        } else {
            keys.iter().map(|k| k.1).collect()
        };
        keyed.sort_by(|(a, _), (b, _)| {
            for ((x, y), desc) in a.iter().zip(b).zip(&directions) {
                // Empty keys come first whatever the direction (the suite's testSort10).
                let o = match (x, y) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => {
                        let o = match ops::compare_items(ctx.model, x, y) {
                            Ok(o) => o.unwrap_or(Ordering::Equal),
                            Err(e) => {
                                failure.get_or_insert(e);
                                Ordering::Equal
                            }
                        };
                        if *desc { o.reverse() } else { o }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        if let Some(e) = failure {
            return Err(err(e));
        }
        Ok(keyed.into_iter().map(|(_, v)| v).collect())
    }
}
