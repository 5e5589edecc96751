//! The dispatch loop: one `match` over [`Op`], hot state in locals, every
//! fallible instruction reporting through one helper that attaches the
//! instruction's source span.

use super::{EvalCtx, EvalError, Scope, Vm, max_items, push_constant};
use crate::check::TypeRef;
use crate::compile::NO_BLOCK;
use crate::functions::{self, Func};
use crate::isa::Op;
use crate::model::TypeId;
use crate::nav;
use crate::ops::{self, Arith};
use crate::value::Value;
use kiln_core::LimitExceeded;

impl<'a> Vm<'a> {
    /// Runs block `b`; on success exactly one more collection is on the stack.
    pub(super) fn run_block(&mut self, ctx: &EvalCtx<'a>, b: u32) -> Result<(), EvalError> {
        self.depth += 1;
        if self.depth > ctx.limits.max_depth {
            self.depth -= 1;
            return Err(EvalError {
                message: LimitExceeded::Depth.to_string(),
                span: Default::default(),
            });
        }
        let r = self.run_block_inner(ctx, b);
        self.depth -= 1;
        r
    }

    fn run_block_inner(&mut self, ctx: &EvalCtx<'a>, b: u32) -> Result<(), EvalError> {
        let program = ctx.program;
        let code = &program.blocks[b as usize];
        let ops = &code.ops;
        let mut pc = 0usize;
        // One helper turns an op's error message into an EvalError with its span.
        let fail = |pc: usize, message: String| EvalError {
            message,
            span: code.spans.get(pc).copied().unwrap_or_default(),
        };
        loop {
            let op = ops[pc];
            let at = pc;
            pc += 1;
            ctx.consume(1).map_err(|m| fail(at, m))?;
            match op {
                Op::Empty => self.open(),
                Op::Const { k } => {
                    self.open();
                    push_constant(&program.consts[k.0 as usize], &mut self.stack);
                }
                Op::This => {
                    self.open();
                    let s = self.scope();
                    let range = s.this_start as usize..(s.this_start + s.this_len) as usize;
                    self.stack.extend_from_slice(&self.scope_items[range]);
                }
                Op::Index => {
                    self.open();
                    let i = self.scope().index;
                    self.stack.push(Value::Integer(i));
                }
                Op::Total => {
                    self.open();
                    let s = self.scope();
                    let range = s.total_start as usize..(s.total_start + s.total_len) as usize;
                    self.stack.extend_from_slice(&self.scope_items[range]);
                }
                Op::EnvVar { name } => {
                    let name = &program.names[name.0 as usize];
                    self.open();
                    self.push_env(ctx, name).map_err(|m| fail(at, m))?;
                }
                Op::LoadVar { slot } => {
                    self.open();
                    let items = &self.slots[slot.0 as usize];
                    self.stack.extend_from_slice(items);
                }
                Op::Nav { site } => {
                    let site = &program.sites[site.0 as usize];
                    let start = self.top_start();
                    let end = self.stack.len();
                    for i in start..end {
                        let item = self.stack[i].clone();
                        nav::children_at_site(ctx.model, &item, site, &mut self.stack);
                    }
                    self.stack.drain(start..end);
                    self.check_size(ctx).map_err(|m| fail(at, m))?;
                }
                Op::Path { p } => {
                    let start = self.top_start();
                    for &site in &program.paths[p.0 as usize] {
                        let site = &program.sites[site as usize];
                        let end = self.stack.len();
                        for i in start..end {
                            let item = self.stack[i].clone();
                            nav::children_at_site(ctx.model, &item, site, &mut self.stack);
                        }
                        self.stack.drain(start..end);
                    }
                    self.check_size(ctx).map_err(|m| fail(at, m))?;
                }
                Op::NavThis { site } => {
                    let site = &program.sites[site.0 as usize];
                    self.open();
                    let s = self.scope();
                    for i in s.this_start..s.this_start + s.this_len {
                        let item = self.scope_items[i as usize].clone();
                        nav::children_at_site(ctx.model, &item, site, &mut self.stack);
                    }
                }
                Op::RootType { ty, site } => {
                    let site = &program.sites[site.0 as usize];
                    let t = known_type(ctx, u32::from(ty.0));
                    self.open();
                    let s = self.scope();
                    for i in s.this_start..s.this_start + s.this_len {
                        let item = self.scope_items[i as usize].clone();
                        if t.is_some_and(|t| ops::is_type(ctx.model, &item, t)) {
                            self.stack.push(item);
                        } else {
                            nav::children_at_site(ctx.model, &item, site, &mut self.stack);
                        }
                    }
                }
                Op::Eq | Op::Ne => {
                    let (a, b) = self.top2();
                    let r = ops::equals(ctx.model, &self.stack[a.clone()], &self.stack[b]);
                    let r = if op == Op::Ne { r.map(|x| !x) } else { r };
                    self.replace2(a.start, r.map(Value::Boolean));
                }
                Op::Equiv | Op::NotEquiv => {
                    let (a, b) = self.top2();
                    ctx.consume((a.len() as u64).saturating_mul(b.len() as u64))
                        .map_err(|m| fail(at, m))?;
                    let r = ops::equivalent(ctx.model, &self.stack[a.clone()], &self.stack[b]);
                    self.replace2(
                        a.start,
                        Some(Value::Boolean(if op == Op::Equiv { r } else { !r })),
                    );
                }
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let (a, b) = self.top2();
                    let symbol = match op {
                        Op::Lt => "<",
                        Op::Le => "<=",
                        Op::Gt => ">",
                        _ => ">=",
                    };
                    let ord =
                        ops::compare(ctx.model, &self.stack[a.clone()], &self.stack[b], symbol)
                            .map_err(|m| fail(at, m))?;
                    let r = ord.map(|o| match op {
                        Op::Lt => o.is_lt(),
                        Op::Le => o.is_le(),
                        Op::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    });
                    self.replace2(a.start, r.map(Value::Boolean));
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div | Op::IntDiv | Op::Mod => {
                    let arith = match op {
                        Op::Add => Arith::Add,
                        Op::Sub => Arith::Sub,
                        Op::Mul => Arith::Mul,
                        Op::Div => Arith::Div,
                        Op::IntDiv => Arith::IntDiv,
                        _ => Arith::Mod,
                    };
                    let (a, b) = self.top2();
                    let r = ops::arith(ctx.model, arith, &self.stack[a.clone()], &self.stack[b])
                        .map_err(|m| fail(at, m))?;
                    if let Some(v) = &r {
                        charge_string(ctx, v).map_err(|m| fail(at, m))?;
                    }
                    self.replace2(a.start, r);
                }
                Op::Concat => {
                    let (a, b) = self.top2();
                    let r = ops::concat(ctx.model, &self.stack[a.clone()], &self.stack[b])
                        .map_err(|m| fail(at, m))?;
                    charge_string(ctx, &r).map_err(|m| fail(at, m))?;
                    self.replace2(a.start, Some(r));
                }
                Op::Union => {
                    let (a, b) = self.top2();
                    // Deduplication compares each item with the kept ones.
                    let n = (a.len() + b.len()) as u64;
                    ctx.consume(n.saturating_mul(n) / 2)
                        .map_err(|m| fail(at, m))?;
                    let mut out = std::mem::take(&mut self.out);
                    out.clear();
                    ops::union(ctx.model, &self.stack[a.clone()], &self.stack[b], &mut out);
                    self.frames.pop();
                    self.stack.truncate(a.start);
                    self.stack.append(&mut out);
                    self.out = out;
                }
                Op::In | Op::Contains => {
                    let (a, b) = self.top2();
                    let (x, y) = if op == Op::In {
                        (a.clone(), b)
                    } else {
                        (b, a.clone())
                    };
                    let symbol = if op == Op::In { "in" } else { "contains" };
                    let r = ops::membership(ctx.model, &self.stack[x], &self.stack[y], symbol)
                        .map_err(|m| fail(at, m))?;
                    self.replace2(a.start, r.map(Value::Boolean));
                }
                Op::And | Op::Or | Op::Xor | Op::Implies => {
                    let (a, b) = self.top2();
                    let word = match op {
                        Op::And => "and",
                        Op::Or => "or",
                        Op::Xor => "xor",
                        _ => "implies",
                    };
                    let x = ops::to_bool(ctx.model, &self.stack[a.clone()], word)
                        .map_err(|m| fail(at, m))?;
                    let y =
                        ops::to_bool(ctx.model, &self.stack[b], word).map_err(|m| fail(at, m))?;
                    self.replace2(a.start, ops::logic(word, x, y).map(Value::Boolean));
                }
                Op::AndShort { off } => {
                    if self.top_is_bool(ctx, false) {
                        pc += off.0 as usize;
                    }
                }
                Op::OrShort { off } => {
                    if self.top_is_bool(ctx, true) {
                        pc += off.0 as usize;
                    }
                }
                Op::ImpliesShort { off } => {
                    if self.top_is_bool(ctx, false) {
                        let start = self.top_start();
                        self.stack.truncate(start);
                        self.stack.push(Value::Boolean(true));
                        pc += off.0 as usize;
                    }
                }
                Op::Neg => {
                    let start = self.top_start();
                    let r =
                        ops::negate(ctx.model, &self.stack[start..]).map_err(|m| fail(at, m))?;
                    self.stack.truncate(start);
                    self.stack.extend(r);
                }
                Op::Is { ty } => {
                    let t = self
                        .type_operand(ctx, u32::from(ty.0))
                        .map_err(|m| fail(at, m))?;
                    let start = self.top_start();
                    let r = match &self.stack[start..] {
                        [] => None,
                        [v] => Some(t.is_some_and(|t| ops::is_type(ctx.model, v, t))),
                        items => {
                            return Err(fail(
                                at,
                                format!("'is' expects a single item but got {}", items.len()),
                            ));
                        }
                    };
                    self.stack.truncate(start);
                    self.stack.extend(r.map(Value::Boolean));
                }
                Op::As { ty } => {
                    let t = self
                        .type_operand(ctx, u32::from(ty.0))
                        .map_err(|m| fail(at, m))?;
                    let start = self.top_start();
                    let keep = match &self.stack[start..] {
                        [] => false,
                        [v] => t.is_some_and(|t| ops::is_exact_type(ctx.model, v, t)),
                        items => {
                            return Err(fail(
                                at,
                                format!("'as' expects a single item but got {}", items.len()),
                            ));
                        }
                    };
                    if !keep {
                        self.stack.truncate(start);
                    }
                }
                Op::OfType { ty } => {
                    let t = self
                        .type_operand(ctx, u32::from(ty.0))
                        .map_err(|m| fail(at, m))?;
                    let start = self.top_start();
                    let mut w = start;
                    for i in start..self.stack.len() {
                        if t.is_some_and(|t| ops::is_exact_type(ctx.model, &self.stack[i], t)) {
                            self.stack.swap(w, i);
                            w += 1;
                        }
                    }
                    self.stack.truncate(w);
                }
                Op::IndexAt => {
                    let (a, b) = self.top2();
                    let index = match &self.stack[b.clone()] {
                        [] => None,
                        [v] => match v.to_system(ctx.model) {
                            Some(Value::Integer(i) | Value::Long(i)) => Some(i),
                            _ => return Err(fail(at, "an index must be an Integer".into())),
                        },
                        items => {
                            return Err(fail(
                                at,
                                format!(
                                    "an index must be a single Integer, got {} items",
                                    items.len()
                                ),
                            ));
                        }
                    };
                    let picked = index
                        .and_then(|i| usize::try_from(i).ok())
                        .filter(|&i| i < a.len())
                        .map(|i| self.stack[a.start + i].clone());
                    self.replace2(a.start, picked);
                }
                Op::Call { f, argc } => {
                    let Some(func) = Func::from_index(f.0) else {
                        return Err(fail(at, "internal error: bad function index".into()));
                    };
                    self.call(ctx, func, argc.0 as usize)
                        .map_err(|m| fail(at, m))?;
                    self.check_size(ctx).map_err(|m| fail(at, m))?;
                }
                Op::Where { body } => self
                    .op_where(ctx, body.0)
                    .map_err(|e| attach(e, &fail, at))?,
                Op::Select { body } => {
                    self.op_select(ctx, body.0)
                        .map_err(|e| attach(e, &fail, at))?;
                    self.check_size(ctx).map_err(|m| fail(at, m))?;
                }
                Op::FirstWhere { body } => self
                    .op_first_where(ctx, body.0)
                    .map_err(|e| attach(e, &fail, at))?,
                Op::Exists { body } => self
                    .op_exists_all(ctx, body.0, true)
                    .map_err(|e| attach(e, &fail, at))?,
                Op::All { body } => self
                    .op_exists_all(ctx, body.0, false)
                    .map_err(|e| attach(e, &fail, at))?,
                Op::Scoped { f, argc, lazy } => {
                    let Some(func) = Func::from_index(f.0) else {
                        return Err(fail(at, "internal error: bad function index".into()));
                    };
                    self.scoped(ctx, func, argc.0 as usize, lazy.0)
                        .map_err(|e| attach(e, &fail, at))?;
                    self.check_size(ctx).map_err(|m| fail(at, m))?;
                }
                Op::DefineVar { slot, body } => {
                    let start = self.top_start();
                    let value: Vec<Value<'a>> = if body.0 == NO_BLOCK {
                        self.stack[start..].to_vec()
                    } else {
                        let input: Vec<Value<'a>> = self.stack[start..].to_vec();
                        self.run_lazy(ctx, body.0, &input)
                            .map_err(|e| attach(e, &fail, at))?
                    };
                    self.slots[slot.0 as usize] = value;
                }
                Op::DefineDynVar { body } => {
                    let name_start = self.top_start();
                    let name = match &self.stack[name_start..] {
                        [v] => v.as_str().map(str::to_string),
                        _ => None,
                    };
                    let Some(name) = name else {
                        return Err(fail(
                            at,
                            "defineVariable: the name must be a single String".into(),
                        ));
                    };
                    self.stack.truncate(name_start);
                    self.frames.pop();
                    if crate::check::is_system_variable(&name) {
                        return Err(fail(
                            at,
                            format!("defineVariable cannot redefine the system variable %{name}"),
                        ));
                    }
                    let start = self.top_start();
                    let input: Vec<Value<'a>> = self.stack[start..].to_vec();
                    let value = if body.0 == NO_BLOCK {
                        input
                    } else {
                        self.run_lazy(ctx, body.0, &input)
                            .map_err(|e| attach(e, &fail, at))?
                    };
                    self.dynamic.push((name, value));
                }
                Op::New { i } => {
                    let inst = &program.instances[i.0 as usize];
                    let mut fields = Vec::with_capacity(inst.fields.len());
                    for (name, b) in &inst.fields {
                        self.run_block(ctx, *b).map_err(|e| attach(e, &fail, at))?;
                        let start = self.top_start();
                        let items = self.stack.split_off(start);
                        self.frames.pop();
                        if !items.is_empty() {
                            fields.push((name.clone(), items));
                        }
                    }
                    let obj = crate::value::Object {
                        type_name: inst.type_name.clone(),
                        ty: inst.ty,
                        fields,
                    };
                    self.open();
                    self.stack.push(Value::Object(std::sync::Arc::new(obj)));
                }
                Op::Fail { k } => {
                    let msg = match &program.consts[k.0 as usize] {
                        crate::compile::Constant::String(s) => s.to_string(),
                        other => format!("{other:?}"),
                    };
                    return Err(fail(at, msg));
                }
                Op::Return => return Ok(()),
            }
        }
    }

    #[inline]
    fn open(&mut self) {
        self.frames.push(self.stack.len() as u32);
    }

    #[inline]
    pub(super) fn top_start(&self) -> usize {
        self.frames.last().map_or(0, |&s| s as usize)
    }

    #[inline]
    pub(super) fn scope(&self) -> Scope {
        self.scopes.last().copied().unwrap_or(Scope {
            this_start: 0,
            this_len: 0,
            index: 0,
            total_start: 0,
            total_len: 0,
            base: 0,
        })
    }

    /// The ranges of the two top collections (a below b).
    #[inline]
    fn top2(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let n = self.frames.len();
        let b = self.frames[n - 1] as usize;
        let a = self.frames[n - 2] as usize;
        (a..b, b..self.stack.len())
    }

    /// Replaces the two top collections (the lower starting at `a`) by `r`.
    #[inline]
    fn replace2(&mut self, a: usize, r: Option<Value<'a>>) {
        self.frames.pop();
        self.stack.truncate(a);
        self.stack.extend(r);
    }

    fn top_is_bool(&self, ctx: &EvalCtx<'a>, want: bool) -> bool {
        let start = self.top_start();
        match &self.stack[start..] {
            [v] => matches!(v.to_system(ctx.model), Some(Value::Boolean(b)) if b == want),
            _ => false,
        }
    }

    fn check_size(&self, ctx: &EvalCtx<'a>) -> Result<(), String> {
        if self.stack.len() > max_items(&ctx.limits) {
            return Err(LimitExceeded::Memory.to_string());
        }
        Ok(())
    }

    /// The type an operand names; `None` for a type nothing can be an instance of.
    fn type_operand(&self, ctx: &EvalCtx<'a>, i: u32) -> Result<Option<TypeId>, String> {
        match ctx.program.types.get(i as usize) {
            Some(TypeRef::Known(t)) => Ok(Some(*t)),
            Some(TypeRef::Nothing(_)) => Ok(None),
            Some(TypeRef::Unknown(n)) => Err(format!("unknown type '{n}'")),
            None => Err("internal error: bad type index".into()),
        }
    }

    fn push_env(&mut self, ctx: &EvalCtx<'a>, name: &str) -> Result<(), String> {
        let item = match name {
            "context" => ctx.context.map(Value::Node),
            "resource" => ctx.resource.map(Value::Node),
            "rootResource" => ctx.root_resource.map(Value::Node),
            _ => {
                if let Some((_, items)) = self.dynamic.iter().rev().find(|(n, _)| n == name) {
                    self.stack.extend_from_slice(items);
                    return Ok(());
                }
                if let Some(items) = ctx.variables.and_then(|v| v.get(name)) {
                    self.stack.extend_from_slice(items);
                    return Ok(());
                }
                if crate::check::is_system_variable(name) {
                    return Err(format!("%{name} is not available in this environment"));
                }
                return Err(format!("undefined variable %{name}"));
            }
        };
        self.stack.extend(item);
        Ok(())
    }

    /// `Call`: pops `argc` argument collections and the input, pushes f(input, args).
    fn call(&mut self, ctx: &EvalCtx<'a>, f: Func, argc: usize) -> Result<(), String> {
        let argc = argc.min(4);
        let input_frame = self.frames.len() - argc - 1;
        let end = self.stack.len();
        let frames = &self.frames[input_frame..];
        let start_of = |i: usize| frames[i] as usize;
        let end_of = |i: usize| {
            if i == argc {
                end
            } else {
                frames[i + 1] as usize
            }
        };
        let input_start = start_of(0);
        let input = &self.stack[input_start..end_of(0)];
        let mut args: [&[Value<'a>]; 4] = [&[]; 4];
        for (i, arg) in args.iter_mut().enumerate().take(argc) {
            *arg = &self.stack[start_of(i + 1)..end_of(i + 1)];
        }
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let r = functions::call(ctx, f, input, &args[..argc], &mut out);
        self.frames.truncate(input_frame + 1);
        self.stack.truncate(input_start);
        self.stack.append(&mut out);
        self.out = out;
        r
    }
}

/// Strings built by operators count against the limits: fuel in proportion
/// to their length, and no string longer than the memory limit.
#[inline]
fn charge_string(ctx: &EvalCtx<'_>, v: &Value<'_>) -> Result<(), String> {
    if let Value::String(s) = v {
        if s.len() > ctx.limits.max_memory {
            return Err(format!(
                "string of {} bytes exceeds the memory limit",
                s.len()
            ));
        }
        ctx.consume(s.len() as u64 / 64)?;
    }
    Ok(())
}

fn known_type(ctx: &EvalCtx<'_>, i: u32) -> Option<TypeId> {
    match ctx.program.types.get(i as usize) {
        Some(TypeRef::Known(t)) => Some(*t),
        _ => None,
    }
}

/// Errors from nested blocks keep their own span; only span-less errors get the op's.
fn attach(e: EvalError, fail: &impl Fn(usize, String) -> EvalError, at: usize) -> EvalError {
    if e.span == kiln_core::Span::default() {
        fail(at, e.message)
    } else {
        e
    }
}
