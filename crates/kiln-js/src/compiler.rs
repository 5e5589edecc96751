//! Bytecode compiler: oxc AST → [`Code`] for the register VM, with the
//! scope analysis it needs.
//!
//! Scope analysis (per function, before its body is compiled):
//! * `var` names and top-level function declarations are hoisted to the
//!   function scope; `let`/`const`/`class` names get a register at their
//!   block's entry, holding the uninitialised marker until declared (TDZ).
//! * A name that any nested function (or arrow, class method, field
//!   initialiser) refers to is *boxed*: its register holds a cell object
//!   and closures capture the cell (Lua-style upvalues, but cells are heap
//!   objects so generators and closures can outlive frames). `this`,
//!   `arguments`, `new.target` and the home object are synthetic bindings
//!   (`%this`, ...) so arrows capture them the same way.
//! * Names not found in any enclosing function are global: script-level
//!   `let`/`const`/`class` in the global lexical table, everything else
//!   on the global object.
//!
//! Registers: bindings are allocated at block entry, temporaries above them
//! stack-wise; a block's registers are reused after it ends.

use crate::isa::{Argc, Cap, FnIdx, Ic, Imm, Jump, K, Op, Reg};
use crate::value::{JsStr, Value};
use oxc_ast::ast::*;
use oxc_ast_visit::{Visit, walk};
use oxc_syntax::operator::{
    AssignmentOperator, BinaryOperator, LogicalOperator, UnaryOperator, UpdateOperator,
};
use oxc_syntax::scope::ScopeFlags;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::rc::Rc;

/// How a closure obtains captured cell `i`: from a register of the
/// creating frame (which holds a cell) or from the creator's own captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapSrc {
    /// The creating frame's register (holding a cell).
    Reg(u16),
    /// The creating closure's captured cell.
    Cap(u16),
}

/// What kind of function a [`Code`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    /// Script or eval top level.
    Script,
    /// `function` declaration or expression.
    Normal,
    /// Arrow function (lexical `this`).
    Arrow,
    /// Object or class method, getter or setter (no \[\[Construct\]\]).
    Method,
    /// Base class constructor.
    ClassCtor,
    /// Derived class constructor.
    DerivedCtor,
}

pub use crate::ic::{IcEntry, IcSite};

/// Source text and line starts, shared by all code of one script.
#[derive(Debug)]
pub struct Source {
    /// File name for diagnostics and stack traces.
    pub name: String,
    /// The text.
    pub text: String,
    line_starts: Vec<u32>,
}

impl Source {
    /// Wraps a script's text.
    pub fn new(name: &str, text: &str) -> Source {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        Source {
            name: name.into(),
            text: text.into(),
            line_starts,
        }
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, off: u32) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&s| s <= off).max(1);
        let start = self.line_starts[line - 1] as usize;
        let end = (off as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(0, |s| s.chars().count()) + 1;
        (line as u32, col as u32)
    }
}

/// A compiled function (or script): instructions, constants, nested
/// functions and the capture list its closures are built from.
#[derive(Debug)]
pub struct Code {
    /// Function name (`""` for anonymous).
    pub name: JsStr,
    /// Instructions.
    pub ops: Vec<Op>,
    /// Source byte offset of each instruction.
    pub spans: Vec<u32>,
    /// Constants (numbers and strings), deduplicated.
    pub consts: Vec<Value>,
    /// Nested functions.
    pub funcs: Vec<Rc<Code>>,
    /// How closures of this code capture their cells.
    pub captures: Vec<CapSrc>,
    /// Registers needed.
    pub nregs: u16,
    /// The `length` property (formal parameters before the first default/rest).
    pub length: u32,
    /// Kind.
    pub kind: FnKind,
    /// `function*`.
    pub is_gen: bool,
    /// `async`.
    pub is_async: bool,
    /// Strict mode code.
    pub strict: bool,
    /// Inline caches (one per property/global site; see [`crate::ic`]).
    pub ics: Vec<IcSite>,
    /// Template literal sites: cooked strings (None = invalid escape) and raw strings.
    pub templates: Vec<(Vec<Option<JsStr>>, Vec<JsStr>)>,
    /// Cached template objects per site.
    pub template_cache: RefCell<Vec<Option<crate::value::ObjId>>>,
    /// The script text.
    pub source: Rc<Source>,
    /// Byte range of the function's source text (Function.prototype.toString).
    pub range: (u32, u32),
}

impl Code {
    /// Pushes objects this code keeps alive (cached template objects) onto a GC mark stack.
    pub fn consts_objs(&self, out: &mut Vec<crate::value::ObjId>) {
        out.extend(self.template_cache.borrow().iter().flatten().copied());
        for f in &self.funcs {
            f.consts_objs(out);
        }
    }

    /// The `--explain` listing of this function and its nested functions.
    pub fn listing(&self, out: &mut String) {
        use std::fmt::Write as _;
        let name = if self.name.is_empty() {
            "<anonymous>".to_string()
        } else {
            self.name.to_rust()
        };
        let _ = writeln!(
            out,
            "function {name} ({:?}{}{}{}) regs={} consts={} ics={}",
            self.kind,
            if self.is_gen { ", generator" } else { "" },
            if self.is_async { ", async" } else { "" },
            if self.strict { ", strict" } else { "" },
            self.nregs,
            self.consts.len(),
            self.ics.len()
        );
        kiln_core::isa::write_listing(out, &self.ops, |_, o| match o.kind {
            "K" => self.consts.get(o.raw as usize).map(|v| match v {
                Value::Str(s) => format!("{:?}", s.to_rust()),
                Value::Num(n) => crate::value::number_to_string(*n),
                other => format!("{other:?}"),
            }),
            "FnIdx" => self
                .funcs
                .get(o.raw as usize)
                .map(|f| format!("fn {}", f.name)),
            _ => None,
        });
        for f in &self.funcs {
            out.push('\n');
            f.listing(out);
        }
    }
}

/// A compile error (early error the parser did not report, or a limit).
#[derive(Debug, Clone)]
pub struct CompileError {
    /// Message.
    pub message: String,
    /// Byte offset.
    pub offset: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BKind {
    Var,
    Let,
    Const,
    /// Function's own name in a named function expression (assignments ignored/throw in strict).
    FnName,
}

#[derive(Clone, Copy, Debug)]
struct Binding {
    reg: u16,
    kind: BKind,
    boxed: bool,
}

#[derive(Default)]
struct Scope {
    names: FxHashMap<String, Binding>,
}

enum Ctx<'a> {
    /// A breakable statement (loop, switch, labelled block) with its labels.
    Break {
        labels: Vec<String>,
        is_loop: bool,
        breaks: Vec<usize>,
        continues: Vec<usize>,
    },
    /// Inside a try block or catch with a handler pushed.
    Try,
    /// Inside a try/catch protected by a finally block.
    Finally(&'a BlockStatement<'a>),
    /// Inside a for-of body: the iterator record register (handler pushed too).
    Iter(u16),
}

struct FnState<'a> {
    code: Code,
    scopes: Vec<Scope>,
    next: u16,
    captured: FxHashSet<String>,
    caps: Vec<(String, CapSrc, BKind)>,
    ctx: Vec<Ctx<'a>>,
    const_index: FxHashMap<ConstKey, u32>,
    completion: Option<u16>,
    /// Binding of the synthetic `%this` in derived constructors (cell or reg).
    label_set: Vec<String>,
}

#[derive(PartialEq, Eq, Hash)]
enum ConstKey {
    Num(u64),
    Str(JsStr),
    Big(String),
}

/// Collects the names referenced from functions nested in the one being compiled.
struct CaptureScan {
    depth: u32,
    arrow_only: Vec<bool>,
    names: FxHashSet<String>,
    uses_arguments: bool,
    uses_this: bool,
}

impl CaptureScan {
    fn in_arrow_chain(&self) -> bool {
        self.depth > 0 && self.arrow_only.iter().all(|a| *a)
    }
}

impl<'a> Visit<'a> for CaptureScan {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if self.depth > 0 {
            self.names.insert(it.name.to_string());
        }
        if it.name == "arguments" && (self.depth == 0 || self.in_arrow_chain()) {
            self.uses_arguments = true;
            if self.depth > 0 {
                self.names.insert("%args".into());
            }
        }
    }
    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        if self.depth > 0 {
            self.names.insert(it.name.to_string());
        }
    }
    fn visit_this_expression(&mut self, _it: &ThisExpression) {
        if self.depth == 0 || self.in_arrow_chain() {
            self.uses_this = true;
        }
        if self.in_arrow_chain() {
            self.names.insert("%this".into());
        }
    }
    fn visit_super(&mut self, _it: &Super) {
        if self.depth == 0 || self.in_arrow_chain() {
            self.uses_this = true;
        }
        if self.in_arrow_chain() {
            self.names.insert("%this".into());
            self.names.insert("%home".into());
            self.names.insert("%nt".into());
        }
    }
    fn visit_new_target(&mut self, _it: &NewTarget) {
        if self.in_arrow_chain() {
            self.names.insert("%nt".into());
        }
    }
    fn visit_private_identifier(&mut self, it: &PrivateIdentifier<'a>) {
        if self.depth > 0 {
            self.names.insert(format!("#{}", it.name));
        }
    }
    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        self.depth += 1;
        self.arrow_only.push(false);
        walk::walk_function(self, it, flags);
        self.arrow_only.pop();
        self.depth -= 1;
    }
    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.depth += 1;
        self.arrow_only.push(true);
        walk::walk_arrow_function_expression(self, it);
        self.arrow_only.pop();
        self.depth -= 1;
    }
    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        self.visit_property_key(&it.key);
        self.depth += 1;
        self.arrow_only.push(false);
        if let Some(v) = &it.value {
            self.visit_expression(v);
        }
        self.arrow_only.pop();
        self.depth -= 1;
    }
    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        self.depth += 1;
        self.arrow_only.push(false);
        walk::walk_static_block(self, it);
        self.arrow_only.pop();
        self.depth -= 1;
    }
    fn visit_class(&mut self, it: &Class<'a>) {
        // Class bodies capture the class's own name binding and private names.
        if let Some(id) = &it.id
            && self.depth > 0
        {
            self.names.insert(id.name.to_string());
        }
        walk::walk_class(self, it);
    }
}

const MAX_DEPTH: u32 = 400;

/// Compiles a parsed program into the script's top-level [`Code`].
pub struct Compiler<'a> {
    fns: Vec<FnState<'a>>,
    source: Rc<Source>,
    depth: u32,
    error: Option<CompileError>,
    /// Whether top-level code records completion values (REPL, eval).
    pub want_completion: bool,
    /// Compile the script as strict code (test262 `onlyStrict` runs).
    pub force_strict: bool,
    cur_span: u32,
}

type R<T> = Result<T, CompileError>;

fn is_strict_directives(d: &[Directive]) -> bool {
    d.iter().any(|d| d.directive == "use strict")
}

impl<'a> Compiler<'a> {
    /// A compiler for one script.
    pub fn new(source: Rc<Source>) -> Compiler<'a> {
        Compiler {
            fns: Vec::new(),
            source,
            depth: 0,
            error: None,
            want_completion: false,
            force_strict: false,
            cur_span: 0,
        }
    }

    fn new_fn(&self, name: &str, kind: FnKind, strict: bool, range: (u32, u32)) -> FnState<'a> {
        FnState {
            code: Code {
                name: JsStr::from_str(name),
                ops: Vec::new(),
                spans: Vec::new(),
                consts: Vec::new(),
                funcs: Vec::new(),
                captures: Vec::new(),
                nregs: 0,
                length: 0,
                kind,
                is_gen: false,
                is_async: false,
                strict,
                ics: Vec::new(),
                templates: Vec::new(),
                template_cache: RefCell::new(Vec::new()),
                source: self.source.clone(),
                range,
            },
            scopes: vec![Scope::default()],
            next: 0,
            captured: FxHashSet::default(),
            caps: Vec::new(),
            ctx: Vec::new(),
            const_index: FxHashMap::default(),
            completion: None,
            label_set: Vec::new(),
        }
    }

    /// Compiles a script (`module` compiles as strict top-level code; imports are not supported).
    ///
    /// # Errors
    /// Early errors not caught by the parser, nesting beyond the limit.
    pub fn compile_script(mut self, program: &'a Program<'a>) -> R<Rc<Code>> {
        let strict = self.force_strict
            || is_strict_directives(&program.directives)
            || program.source_type.is_module();
        let f = self.new_fn("", FnKind::Script, strict, (0, program.span.end));
        self.fns.push(f);
        let mut scan = CaptureScan {
            depth: 0,
            arrow_only: vec![],
            names: FxHashSet::default(),
            uses_arguments: false,
            uses_this: false,
        };
        for s in &program.body {
            scan.visit_statement(s);
        }
        self.f().captured = scan.names;
        if self.want_completion {
            let r = self.alloc();
            self.emit(Op::LoadUndef { dst: Reg(r) });
            self.f().completion = Some(r);
        }
        // Global declarations.
        let mut vars = Vec::new();
        for s in &program.body {
            collect_vars(s, &mut vars);
        }
        for v in &vars {
            let k = self.kstr(v);
            self.emit(Op::DeclGlobalVar { k, flags: Imm(0) });
        }
        for s in &program.body {
            if let Some(d) = s.as_declaration() {
                match d {
                    Declaration::VariableDeclaration(vd)
                        if vd.kind != VariableDeclarationKind::Var =>
                    {
                        let mut names = Vec::new();
                        for d in &vd.declarations {
                            pattern_names(&d.id, &mut names);
                        }
                        for n in names {
                            let k = self.kstr(&n);
                            let c = (vd.kind == VariableDeclarationKind::Const) as i32;
                            self.emit(Op::DeclGlobalLex { k, flags: Imm(c) });
                        }
                    }
                    Declaration::ClassDeclaration(c) => {
                        if let Some(id) = &c.id {
                            let k = self.kstr(&id.name);
                            self.emit(Op::DeclGlobalLex { k, flags: Imm(0) });
                        }
                    }
                    _ => {}
                }
            }
        }
        for s in &program.body {
            if let Statement::FunctionDeclaration(fd) = s {
                let r = self.alloc();
                self.function(fd, Reg(r), None)?;
                let name = fd
                    .id
                    .as_ref()
                    .map(|i| i.name.to_string())
                    .unwrap_or_default();
                let k = self.kstr(&name);
                self.emit(Op::DeclGlobalVar { k, flags: Imm(1) });
                self.emit(Op::SetGlobal {
                    src: Reg(r),
                    k,
                    strict: Imm(0),
                });
                self.free_to(r);
            }
        }
        self.statements(&program.body, true)?;
        let r = match self.f().completion {
            Some(c) => c,
            None => {
                let r = self.alloc();
                self.emit(Op::LoadUndef { dst: Reg(r) });
                r
            }
        };
        self.emit(Op::Return { src: Reg(r) });
        let f = self.fns.pop().expect("script state");
        if let Some(e) = self.error {
            return Err(e);
        }
        Ok(Rc::new(finish(f)))
    }

    // ----- helpers -------------------------------------------------------

    fn f(&mut self) -> &mut FnState<'a> {
        self.fns.last_mut().expect("function state")
    }

    fn emit(&mut self, op: Op) -> usize {
        let span = self.cur_span;
        let f = self.f();
        f.code.ops.push(op);
        f.code.spans.push(span);
        f.code.ops.len() - 1
    }

    fn here(&mut self) -> u32 {
        self.f().code.ops.len() as u32
    }

    fn patch(&mut self, at: usize, to: u32) {
        let op = &mut self.f().code.ops[at];
        match op {
            Op::Jump { to: t }
            | Op::JumpIfTrue { to: t, .. }
            | Op::JumpIfFalse { to: t, .. }
            | Op::JumpIfNullish { to: t, .. }
            | Op::JumpIfNotUndef { to: t, .. }
            | Op::TryEnter { to: t, .. }
            | Op::IterNext { done: t, .. }
            | Op::IterUnpack { done: t, .. }
            | Op::ForInNext { done: t, .. } => *t = Jump(to),
            _ => {}
        }
    }

    fn patch_here(&mut self, at: usize) {
        let h = self.here();
        self.patch(at, h);
    }

    fn alloc(&mut self) -> u16 {
        let f = self.f();
        let r = f.next;
        f.next += 1;
        if f.next > f.code.nregs {
            f.code.nregs = f.next;
        }
        if f.next >= u16::MAX - 8 && self.error.is_none() {
            self.error = Some(CompileError {
                message: "function too large (register limit)".into(),
                offset: self.cur_span,
            });
        }
        r
    }

    fn alloc_n(&mut self, n: u16) -> u16 {
        let r = self.f().next;
        for _ in 0..n {
            self.alloc();
        }
        r
    }

    fn free_to(&mut self, r: u16) {
        self.f().next = r;
    }

    fn konst(&mut self, key: ConstKey, v: Value) -> K {
        let f = self.f();
        if let Some(&i) = f.const_index.get(&key) {
            return K(i);
        }
        let i = f.code.consts.len() as u32;
        f.code.consts.push(v);
        f.const_index.insert(key, i);
        K(i)
    }

    fn kstr(&mut self, s: &str) -> K {
        let j = JsStr::from_str(s);
        self.konst(ConstKey::Str(j.clone()), Value::Str(j))
    }

    fn knum(&mut self, n: f64) -> K {
        self.konst(ConstKey::Num(n.to_bits()), Value::Num(n))
    }

    fn ic(&mut self) -> Ic {
        let f = self.f();
        f.code.ics.push(IcSite::default());
        Ic(f.code.ics.len() as u32 - 1)
    }

    fn err<T>(&self, msg: &str, span: Span) -> R<T> {
        Err(CompileError {
            message: msg.into(),
            offset: span.start,
        })
    }

    fn enter(&mut self, span: Span) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep", span);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn load_num(&mut self, dst: Reg, n: f64) {
        if n.fract() == 0.0 && n.abs() < 1e9 && !(n == 0.0 && n.is_sign_negative()) {
            self.emit(Op::LoadInt {
                dst,
                v: Imm(n as i32),
            });
        } else {
            let k = self.knum(n);
            self.emit(Op::LoadK { dst, k });
        }
    }

    fn load_str(&mut self, dst: Reg, s: &str) {
        let k = self.kstr(s);
        self.emit(Op::LoadK { dst, k });
    }

    // ----- scopes ----------------------------------------------------------

    fn declare(&mut self, name: &str, kind: BKind) -> Binding {
        let boxed = self.f().captured.contains(name);
        if let Some(b) = self
            .f()
            .scopes
            .last()
            .and_then(|s| s.names.get(name))
            .copied()
        {
            return b;
        }
        let reg = self.alloc();
        let b = Binding { reg, kind, boxed };
        self.f()
            .scopes
            .last_mut()
            .expect("scope")
            .names
            .insert(name.to_string(), b);
        if boxed {
            self.emit(Op::NewCell { dst: Reg(reg) });
        } else if kind == BKind::Var {
            self.emit(Op::LoadUndef { dst: Reg(reg) });
        } else {
            self.emit(Op::LoadEmpty { dst: Reg(reg) });
        }
        if boxed && kind == BKind::Var {
            let t = self.alloc();
            self.emit(Op::LoadUndef { dst: Reg(t) });
            self.emit(Op::SetCell {
                cell: Reg(reg),
                src: Reg(t),
            });
            self.free_to(t);
        }
        b
    }

    fn is_script_top(&self) -> bool {
        self.fns.len() == 1 && self.fns[0].scopes.len() == 1
    }

    /// Resolves `name` from function `fi`: a local binding, a capture index, or global.
    fn resolve_in(&mut self, fi: usize, name: &str) -> Resolved {
        for s in self.fns[fi].scopes.iter().rev() {
            if let Some(b) = s.names.get(name) {
                return Resolved::Local(*b);
            }
        }
        if let Some(i) = self.fns[fi].caps.iter().position(|c| c.0 == name) {
            return Resolved::Cap(i as u16, self.fns[fi].caps[i].2);
        }
        if fi == 0 {
            return Resolved::Global;
        }
        match self.resolve_in(fi - 1, name) {
            Resolved::Global => Resolved::Global,
            Resolved::Local(b) => {
                if !b.boxed {
                    // Analysis guarantees boxing of captured names; a miss is a bug, but
                    // fall back to global rather than crash.
                    return Resolved::Global;
                }
                let i = self.fns[fi].caps.len();
                self.fns[fi]
                    .caps
                    .push((name.into(), CapSrc::Reg(b.reg), b.kind));
                Resolved::Cap(i as u16, b.kind)
            }
            Resolved::Cap(pi, kind) => {
                let i = self.fns[fi].caps.len();
                self.fns[fi].caps.push((name.into(), CapSrc::Cap(pi), kind));
                Resolved::Cap(i as u16, kind)
            }
        }
    }

    fn resolve(&mut self, name: &str) -> Resolved {
        let fi = self.fns.len() - 1;
        self.resolve_in(fi, name)
    }

    fn load_var(&mut self, name: &str, dst: Reg, span: Span, typeof_: bool) {
        match self.resolve(name) {
            Resolved::Local(b) => {
                if b.boxed {
                    self.emit(Op::GetCell {
                        dst,
                        cell: Reg(b.reg),
                    });
                } else if b.reg != dst.0 {
                    self.emit(Op::Mov {
                        dst,
                        src: Reg(b.reg),
                    });
                }
                if b.kind != BKind::Var && b.kind != BKind::FnName || b.boxed {
                    let k = self.kstr(name);
                    self.emit(Op::CheckTdz { src: dst, k });
                }
            }
            Resolved::Cap(i, _) => {
                self.emit(Op::GetCap { dst, idx: Cap(i) });
                let k = self.kstr(name);
                self.emit(Op::CheckTdz { src: dst, k });
            }
            Resolved::Global => {
                let _ = span;
                let k = self.kstr(name);
                let ic = self.ic();
                if typeof_ {
                    self.emit(Op::GetGlobalOpt { dst, k, ic });
                } else {
                    self.emit(Op::GetGlobal { dst, k, ic });
                }
            }
        }
    }

    /// Stores `src` into `name`. `init` = declaration initialisation (no TDZ/const checks).
    fn store_var(&mut self, name: &str, src: Reg, init: bool) {
        match self.resolve(name) {
            Resolved::Local(b) => {
                if !init {
                    if b.kind == BKind::Const || b.kind == BKind::Let {
                        let t = self.alloc();
                        if b.boxed {
                            self.emit(Op::GetCell {
                                dst: Reg(t),
                                cell: Reg(b.reg),
                            });
                        } else {
                            self.emit(Op::Mov {
                                dst: Reg(t),
                                src: Reg(b.reg),
                            });
                        }
                        let k = self.kstr(name);
                        self.emit(Op::CheckTdz { src: Reg(t), k });
                        self.free_to(t);
                    }
                    if b.kind == BKind::Const {
                        let k = self.kstr(name);
                        self.emit(Op::ThrowConst { k });
                        return;
                    }
                    if b.kind == BKind::FnName {
                        if self.f().code.strict {
                            let k = self.kstr(name);
                            self.emit(Op::ThrowConst { k });
                        }
                        return;
                    }
                }
                if b.boxed {
                    self.emit(Op::SetCell {
                        cell: Reg(b.reg),
                        src,
                    });
                } else if b.reg != src.0 {
                    self.emit(Op::Mov {
                        dst: Reg(b.reg),
                        src,
                    });
                }
            }
            Resolved::Cap(i, kind) => {
                if !init {
                    if kind == BKind::Const || kind == BKind::Let {
                        let t = self.alloc();
                        self.emit(Op::GetCap {
                            dst: Reg(t),
                            idx: Cap(i),
                        });
                        let k = self.kstr(name);
                        self.emit(Op::CheckTdz { src: Reg(t), k });
                        self.free_to(t);
                    }
                    if kind == BKind::Const {
                        let k = self.kstr(name);
                        self.emit(Op::ThrowConst { k });
                        return;
                    }
                    if kind == BKind::FnName {
                        if self.f().code.strict {
                            let k = self.kstr(name);
                            self.emit(Op::ThrowConst { k });
                        }
                        return;
                    }
                }
                self.emit(Op::SetCap { idx: Cap(i), src });
            }
            Resolved::Global => {
                let k = self.kstr(name);
                if init {
                    self.emit(Op::InitGlobalLex { src, k });
                } else {
                    let strict = self.f().code.strict as i32;
                    self.emit(Op::SetGlobal {
                        src,
                        k,
                        strict: Imm(strict),
                    });
                }
            }
        }
    }

    fn push_scope(&mut self) {
        self.f().scopes.push(Scope::default());
    }

    fn pop_scope(&mut self) {
        self.f().scopes.pop();
    }

    /// Declares the lexical names of `stmts` in the current (new) scope and hoists function declarations.
    fn hoist_block(&mut self, stmts: &'a [Statement<'a>]) -> R<()> {
        for s in stmts {
            match s {
                Statement::VariableDeclaration(vd) if vd.kind != VariableDeclarationKind::Var => {
                    let kind = if vd.kind == VariableDeclarationKind::Const {
                        BKind::Const
                    } else {
                        BKind::Let
                    };
                    let mut names = Vec::new();
                    for d in &vd.declarations {
                        pattern_names(&d.id, &mut names);
                    }
                    for n in names {
                        self.declare(&n, kind);
                    }
                }
                Statement::ClassDeclaration(c) => {
                    if let Some(id) = &c.id {
                        self.declare(&id.name, BKind::Let);
                    }
                }
                Statement::FunctionDeclaration(fd) => {
                    if let Some(id) = &fd.id {
                        self.declare(&id.name, BKind::Var);
                    }
                }
                _ => {}
            }
        }
        for s in stmts {
            if let Statement::FunctionDeclaration(fd) = s
                && let Some(id) = &fd.id
            {
                let t = self.alloc();
                self.function(fd, Reg(t), None)?;
                self.store_var(&id.name, Reg(t), true);
                self.free_to(t);
            }
        }
        Ok(())
    }

    // ----- statements ---------------------------------------------------------

    fn statements(&mut self, stmts: &'a [Statement<'a>], top: bool) -> R<()> {
        for s in stmts {
            if top && matches!(s, Statement::FunctionDeclaration(_)) {
                continue;
            }
            self.statement(s)?;
        }
        Ok(())
    }

    fn block(&mut self, stmts: &'a [Statement<'a>]) -> R<()> {
        let mark = self.f().next;
        self.push_scope();
        self.hoist_block(stmts)?;
        for s in stmts {
            if matches!(s, Statement::FunctionDeclaration(_)) {
                continue;
            }
            self.statement(s)?;
        }
        self.pop_scope();
        self.free_to(mark);
        Ok(())
    }

    fn statement(&mut self, s: &'a Statement<'a>) -> R<()> {
        self.enter(s.span())?;
        self.cur_span = s.span().start;
        let mark = self.f().next;
        let r = self.statement_inner(s);
        let to = mark.max(self.f().next.min(mark));
        self.free_to(to);
        self.f().next = mark;
        self.leave();
        r
    }

    fn statement_inner(&mut self, s: &'a Statement<'a>) -> R<()> {
        match s {
            Statement::BlockStatement(b) => self.block(&b.body),
            Statement::EmptyStatement(_) | Statement::DebuggerStatement(_) => Ok(()),
            Statement::ExpressionStatement(e) => {
                if let Some(c) = self.f().completion
                    && self.fns.len() == 1
                {
                    self.expr(&e.expression, Reg(c))
                } else {
                    let t = self.alloc();
                    self.expr(&e.expression, Reg(t))
                }
            }
            Statement::VariableDeclaration(vd) => self.var_decl(vd),
            Statement::FunctionDeclaration(_) => Ok(()),
            Statement::ClassDeclaration(c) => {
                let t = self.alloc();
                self.class(c, Reg(t), None)?;
                if let Some(id) = &c.id {
                    self.store_var(&id.name, Reg(t), true);
                }
                Ok(())
            }
            Statement::ReturnStatement(r) => {
                let t = self.alloc();
                match &r.argument {
                    Some(e) => self.expr(e, Reg(t))?,
                    None => {
                        self.emit(Op::LoadUndef { dst: Reg(t) });
                    }
                }
                if self.f().code.is_async && self.f().code.is_gen {
                    // return in async generators awaits its operand
                    self.emit(Op::Await {
                        dst: Reg(t),
                        src: Reg(t),
                    });
                    self.resume_check(Reg(t))?;
                }
                self.emit_return(Reg(t))
            }
            Statement::IfStatement(i) => {
                let t = self.alloc();
                self.expr(&i.test, Reg(t))?;
                let j = self.emit(Op::JumpIfFalse {
                    src: Reg(t),
                    to: Jump(0),
                });
                self.free_to(t);
                self.sub_statement(&i.consequent)?;
                if let Some(alt) = &i.alternate {
                    let j2 = self.emit(Op::Jump { to: Jump(0) });
                    self.patch_here(j);
                    self.sub_statement(alt)?;
                    self.patch_here(j2);
                } else {
                    self.patch_here(j);
                }
                Ok(())
            }
            Statement::WhileStatement(w) => {
                let labels = std::mem::take(&mut self.f().label_set);
                let top = self.here();
                let t = self.alloc();
                self.expr(&w.test, Reg(t))?;
                let j = self.emit(Op::JumpIfFalse {
                    src: Reg(t),
                    to: Jump(0),
                });
                self.free_to(t);
                self.f().ctx.push(Ctx::Break {
                    labels,
                    is_loop: true,
                    breaks: vec![],
                    continues: vec![],
                });
                self.sub_statement(&w.body)?;
                let ctx = self.f().ctx.pop();
                self.patch_continues(ctx.as_ref(), top);
                self.emit(Op::LoopHint);
                self.emit(Op::Jump { to: Jump(top) });
                self.patch_here(j);
                self.patch_breaks(ctx);
                Ok(())
            }
            Statement::DoWhileStatement(w) => {
                let labels = std::mem::take(&mut self.f().label_set);
                let top = self.here();
                self.f().ctx.push(Ctx::Break {
                    labels,
                    is_loop: true,
                    breaks: vec![],
                    continues: vec![],
                });
                self.sub_statement(&w.body)?;
                let ctx = self.f().ctx.pop();
                let cont = self.here();
                self.patch_continues(ctx.as_ref(), cont);
                let t = self.alloc();
                self.expr(&w.test, Reg(t))?;
                self.emit(Op::LoopHint);
                self.emit(Op::JumpIfTrue {
                    src: Reg(t),
                    to: Jump(top),
                });
                self.free_to(t);
                self.patch_breaks(ctx);
                Ok(())
            }
            Statement::ForStatement(fs) => self.for_stmt(fs),
            Statement::ForInStatement(fs) => self.for_in(fs),
            Statement::ForOfStatement(fs) => self.for_of(fs),
            Statement::BreakStatement(b) => {
                let label = b.label.as_ref().map(|l| l.name.to_string());
                self.jump_out(label.as_deref(), false, b.span)
            }
            Statement::ContinueStatement(c) => {
                let label = c.label.as_ref().map(|l| l.name.to_string());
                self.jump_out(label.as_deref(), true, c.span)
            }
            Statement::ThrowStatement(t) => {
                let r = self.alloc();
                self.expr(&t.argument, Reg(r))?;
                self.cur_span = t.span.start;
                self.emit(Op::Throw { src: Reg(r) });
                Ok(())
            }
            Statement::TryStatement(t) => self.try_stmt(t),
            Statement::SwitchStatement(sw) => self.switch(sw),
            Statement::LabeledStatement(l) => {
                let mut labels = std::mem::take(&mut self.f().label_set);
                labels.push(l.label.name.to_string());
                let is_loop = matches!(
                    l.body,
                    Statement::ForStatement(_)
                        | Statement::ForInStatement(_)
                        | Statement::ForOfStatement(_)
                        | Statement::WhileStatement(_)
                        | Statement::DoWhileStatement(_)
                        | Statement::LabeledStatement(_)
                );
                if is_loop {
                    self.f().label_set = labels;
                    self.statement(&l.body)
                } else {
                    self.f().ctx.push(Ctx::Break {
                        labels,
                        is_loop: false,
                        breaks: vec![],
                        continues: vec![],
                    });
                    self.sub_statement(&l.body)?;
                    let ctx = self.f().ctx.pop();
                    self.patch_breaks(ctx);
                    Ok(())
                }
            }
            Statement::WithStatement(w) => self.err("'with' statements are not supported", w.span),
            _ => {
                if let Some(m) = s.as_module_declaration() {
                    return self.module_decl(m);
                }
                self.err("unsupported statement", s.span())
            }
        }
    }

    fn module_decl(&mut self, m: &'a ModuleDeclaration<'a>) -> R<()> {
        match m {
            ModuleDeclaration::ExportDeclaration(e) => match &e.declaration {
                Declaration::VariableDeclaration(vd) => self.var_decl(vd),
                Declaration::ClassDeclaration(c) => {
                    let t = self.alloc();
                    self.class(c, Reg(t), None)?;
                    if let Some(id) = &c.id {
                        self.store_var(&id.name, Reg(t), true);
                    }
                    Ok(())
                }
                _ => Ok(()),
            },
            ModuleDeclaration::ExportNamedDeclaration(_) => Ok(()),
            ModuleDeclaration::ExportDefaultDeclaration(e) => {
                let t = self.alloc();
                match &e.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                        self.function(f, Reg(t), None)?
                    }
                    ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                        self.class(c, Reg(t), None)?
                    }
                    other => {
                        if let Some(e) = other.as_expression() {
                            self.expr(e, Reg(t))?;
                        }
                    }
                }
                Ok(())
            }
            _ => self.err("import/export of other modules is not supported", m.span()),
        }
    }

    fn sub_statement(&mut self, s: &'a Statement<'a>) -> R<()> {
        // A statement in a position where a declaration makes its own scope.
        match s {
            Statement::FunctionDeclaration(_) | Statement::ClassDeclaration(_) => {
                self.block(std::slice::from_ref(s))
            }
            Statement::VariableDeclaration(vd) if vd.kind != VariableDeclarationKind::Var => {
                self.block(std::slice::from_ref(s))
            }
            _ => self.statement(s),
        }
    }

    fn patch_breaks(&mut self, ctx: Option<Ctx<'a>>) {
        if let Some(Ctx::Break { breaks, .. }) = ctx {
            for b in breaks {
                self.patch_here(b);
            }
        }
    }

    fn patch_continues(&mut self, ctx: Option<&Ctx<'a>>, to: u32) {
        if let Some(Ctx::Break { continues, .. }) = ctx {
            let cs = continues.clone();
            for c in cs {
                self.patch(c, to);
            }
        }
    }

    /// `break` / `continue`: unwind handlers, run finally blocks, close iterators, jump.
    fn jump_out(&mut self, label: Option<&str>, cont: bool, span: Span) -> R<()> {
        let n = self.f().ctx.len();
        let mut target = None;
        for i in (0..n).rev() {
            if let Ctx::Break {
                labels, is_loop, ..
            } = &self.f().ctx[i]
            {
                let hit = match label {
                    Some(l) => labels.iter().any(|x| x == l),
                    None => *is_loop,
                };
                let hit = hit || (label.is_none() && !cont && *is_loop);
                if hit && (!cont || *is_loop) {
                    target = Some(i);
                    break;
                }
                if label.is_none() && !cont {
                    // plain `break` also targets switch statements
                    if labels.iter().any(|l| l == "%switch") {
                        target = Some(i);
                        break;
                    }
                }
            }
        }
        let Some(t) = target else {
            return self.err("illegal break/continue", span);
        };
        self.unwind_to(t + 1)?;
        let j = self.emit(Op::Jump { to: Jump(0) });
        if let Ctx::Break {
            breaks, continues, ..
        } = &mut self.f().ctx[t]
        {
            if cont {
                continues.push(j);
            } else {
                breaks.push(j);
            }
        }
        Ok(())
    }

    /// Emits the exits of every context above depth `to`: pop handlers, inline finally blocks, close iterators.
    fn unwind_to(&mut self, to: usize) -> R<()> {
        let n = self.f().ctx.len();
        let mut i = n;
        while i > to {
            i -= 1;
            let action = match &self.f().ctx[i] {
                Ctx::Try => 1,
                Ctx::Finally(_) => 2,
                Ctx::Iter(_) => 3,
                Ctx::Break { .. } => 0,
            };
            match action {
                1 => {
                    self.emit(Op::TryExit);
                }
                2 => {
                    self.emit(Op::TryExit);
                    let Ctx::Finally(b) = self.f().ctx[i] else {
                        unreachable!()
                    };
                    // Compile the finally body with the contexts outside it.
                    let saved: Vec<Ctx<'a>> = self.f().ctx.drain(i..).collect();
                    let r = self.block(&b.body);
                    self.f().ctx.extend(saved);
                    r?;
                }
                3 => {
                    let Ctx::Iter(it) = self.f().ctx[i] else {
                        unreachable!()
                    };
                    self.emit(Op::TryExit);
                    self.emit(Op::IterClose { iter: Reg(it) });
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn emit_return(&mut self, r: Reg) -> R<()> {
        if self.f().code.kind == FnKind::DerivedCtor {
            let j = self.emit(Op::JumpIfNotUndef {
                src: r,
                to: Jump(0),
            });
            self.load_var("%this", r, Span::default(), false);
            self.patch_here(j);
        }
        // Copy to a fresh register: finally blocks may clobber temporaries.
        self.unwind_to(0)?;
        self.emit(Op::Return { src: r });
        Ok(())
    }

    fn var_decl(&mut self, vd: &'a VariableDeclaration<'a>) -> R<()> {
        let is_var = vd.kind == VariableDeclarationKind::Var;
        for d in &vd.declarations {
            self.cur_span = d.span.start;
            match &d.init {
                Some(init) => {
                    let t = self.alloc();
                    if let BindingPattern::BindingIdentifier(id) = &d.id {
                        self.named_expr(init, Reg(t), &id.name)?;
                    } else {
                        self.expr(init, Reg(t))?;
                    }
                    self.bind_pattern(&d.id, Reg(t), !is_var)?;
                    self.free_to(t);
                }
                None => {
                    if !is_var && let BindingPattern::BindingIdentifier(id) = &d.id {
                        let t = self.alloc();
                        self.emit(Op::LoadUndef { dst: Reg(t) });
                        self.store_var(&id.name, Reg(t), true);
                        self.free_to(t);
                    }
                }
            }
        }
        Ok(())
    }

    fn for_stmt(&mut self, fs: &'a ForStatement<'a>) -> R<()> {
        let labels = std::mem::take(&mut self.f().label_set);
        let mark = self.f().next;
        self.push_scope();
        let mut per_iter: Vec<String> = Vec::new();
        if let Some(init) = &fs.init {
            match init {
                ForStatementInit::VariableDeclaration(vd) => {
                    if vd.kind != VariableDeclarationKind::Var {
                        let kind = if vd.kind == VariableDeclarationKind::Const {
                            BKind::Const
                        } else {
                            BKind::Let
                        };
                        let mut names = Vec::new();
                        for d in &vd.declarations {
                            pattern_names(&d.id, &mut names);
                        }
                        for n in &names {
                            let b = self.declare(n, kind);
                            if b.boxed {
                                per_iter.push(n.clone());
                            }
                        }
                    }
                    self.var_decl(vd)?;
                }
                other => {
                    let t = self.alloc();
                    if let Some(e) = other.as_expression() {
                        self.expr(e, Reg(t))?;
                    }
                    self.free_to(t);
                }
            }
        }
        self.copy_cells(&per_iter);
        let top = self.here();
        let mut exit = None;
        if let Some(test) = &fs.test {
            let t = self.alloc();
            self.expr(test, Reg(t))?;
            exit = Some(self.emit(Op::JumpIfFalse {
                src: Reg(t),
                to: Jump(0),
            }));
            self.free_to(t);
        }
        self.f().ctx.push(Ctx::Break {
            labels,
            is_loop: true,
            breaks: vec![],
            continues: vec![],
        });
        self.sub_statement(&fs.body)?;
        let ctx = self.f().ctx.pop();
        let cont = self.here();
        self.patch_continues(ctx.as_ref(), cont);
        self.copy_cells(&per_iter);
        if let Some(u) = &fs.update {
            let t = self.alloc();
            self.expr(u, Reg(t))?;
            self.free_to(t);
        }
        self.emit(Op::LoopHint);
        self.emit(Op::Jump { to: Jump(top) });
        if let Some(e) = exit {
            self.patch_here(e);
        }
        self.patch_breaks(ctx);
        self.pop_scope();
        self.free_to(mark);
        Ok(())
    }

    /// Gives boxed per-iteration bindings fresh cells holding their current values.
    fn copy_cells(&mut self, names: &[String]) {
        for n in names {
            if let Resolved::Local(b) = self.resolve(n) {
                let t = self.alloc();
                self.emit(Op::GetCell {
                    dst: Reg(t),
                    cell: Reg(b.reg),
                });
                self.emit(Op::NewCell { dst: Reg(b.reg) });
                self.emit(Op::SetCell {
                    cell: Reg(b.reg),
                    src: Reg(t),
                });
                self.free_to(t);
            }
        }
    }

    /// Binds the loop variable of for-in/of from `val`; declares per-iteration lexical bindings.
    fn for_left(&mut self, left: &'a ForStatementLeft<'a>, val: Reg) -> R<()> {
        match left {
            ForStatementLeft::VariableDeclaration(vd) => {
                let d = &vd.declarations[0];
                if vd.kind != VariableDeclarationKind::Var {
                    let kind = if vd.kind == VariableDeclarationKind::Const {
                        BKind::Const
                    } else {
                        BKind::Let
                    };
                    let mut names = Vec::new();
                    pattern_names(&d.id, &mut names);
                    for n in &names {
                        self.declare(n, kind);
                    }
                }
                self.bind_pattern(&d.id, val, vd.kind != VariableDeclarationKind::Var)
            }
            other => {
                let t = other.as_assignment_target().expect("assignment target");
                self.assign_target(t, val)
            }
        }
    }

    fn for_in(&mut self, fs: &'a ForInStatement<'a>) -> R<()> {
        let labels = std::mem::take(&mut self.f().label_set);
        let mark = self.f().next;
        let it = self.alloc();
        // TDZ scope for the right-hand side.
        self.push_scope();
        if let ForStatementLeft::VariableDeclaration(vd) = &fs.left {
            if vd.kind != VariableDeclarationKind::Var {
                let mut names = Vec::new();
                pattern_names(&vd.declarations[0].id, &mut names);
                for n in &names {
                    self.declare(n, BKind::Let);
                }
            } else if let Some(init) = &vd.declarations[0].init {
                // Annex B: for (var x = init in obj)
                let t = self.alloc();
                self.expr(init, Reg(t))?;
                self.bind_pattern(&vd.declarations[0].id, Reg(t), false)?;
                self.free_to(t);
            }
        }
        self.expr(&fs.right, Reg(it))?;
        self.pop_scope();
        self.emit(Op::ForInPrep {
            dst: Reg(it),
            src: Reg(it),
        });
        let top = self.here();
        let v = self.alloc();
        let next = self.emit(Op::ForInNext {
            dst: Reg(v),
            iter: Reg(it),
            done: Jump(0),
        });
        self.push_scope();
        self.for_left(&fs.left, Reg(v))?;
        self.f().ctx.push(Ctx::Break {
            labels,
            is_loop: true,
            breaks: vec![],
            continues: vec![],
        });
        self.sub_statement(&fs.body)?;
        let ctx = self.f().ctx.pop();
        self.pop_scope();
        self.patch_continues(ctx.as_ref(), top);
        self.emit(Op::LoopHint);
        self.emit(Op::Jump { to: Jump(top) });
        self.patch_here(next);
        self.patch_breaks(ctx);
        self.free_to(mark);
        Ok(())
    }

    fn for_of(&mut self, fs: &'a ForOfStatement<'a>) -> R<()> {
        let labels = std::mem::take(&mut self.f().label_set);
        let mark = self.f().next;
        let it = self.alloc_n(3);
        self.push_scope();
        if let ForStatementLeft::VariableDeclaration(vd) = &fs.left
            && vd.kind != VariableDeclarationKind::Var
        {
            let mut names = Vec::new();
            pattern_names(&vd.declarations[0].id, &mut names);
            for n in &names {
                self.declare(n, BKind::Let);
            }
        }
        let src = self.alloc();
        self.expr(&fs.right, Reg(src))?;
        self.pop_scope();
        self.emit(Op::GetIter {
            dst: Reg(it),
            src: Reg(src),
            kind: Imm(fs.r#await as i32),
        });
        let top = self.here();
        let v = self.alloc();
        let next = self.emit(Op::IterNext {
            dst: Reg(v),
            iter: Reg(it),
            done: Jump(0),
        });
        let mut unpack = None;
        if fs.r#await {
            self.emit(Op::Await {
                dst: Reg(v),
                src: Reg(v),
            });
            self.resume_check(Reg(v))?;
            unpack = Some(self.emit(Op::IterUnpack {
                dst: Reg(v),
                iter: Reg(it),
                done: Jump(0),
            }));
        }
        let exc = self.alloc();
        let handler = self.emit(Op::TryEnter {
            to: Jump(0),
            exc: Reg(exc),
        });
        self.f().ctx.push(Ctx::Iter(it));
        self.push_scope();
        self.for_left(&fs.left, Reg(v))?;
        self.f().ctx.push(Ctx::Break {
            labels,
            is_loop: true,
            breaks: vec![],
            continues: vec![],
        });
        self.sub_statement(&fs.body)?;
        let ctx = self.f().ctx.pop();
        self.pop_scope();
        self.f().ctx.pop();
        let cont = self.here();
        self.patch_continues(ctx.as_ref(), cont);
        self.emit(Op::TryExit);
        self.emit(Op::LoopHint);
        self.emit(Op::Jump { to: Jump(top) });
        // Exception in the body: close the iterator, rethrow.
        self.patch_here(handler);
        self.emit(Op::IterClose { iter: Reg(it) });
        self.emit(Op::Throw { src: Reg(exc) });
        self.patch_here(next);
        if let Some(u) = unpack {
            self.patch_here(u);
        }
        if let Some(Ctx::Break { breaks, .. }) = ctx {
            // `break` paths already popped the handler and closed the iterator.
            for b in breaks {
                self.patch_here(b);
            }
        }
        self.free_to(mark);
        Ok(())
    }

    fn try_stmt(&mut self, t: &'a TryStatement<'a>) -> R<()> {
        let mark = self.f().next;
        let fexc = self.alloc();
        let mut fin_handler = None;
        if let Some(fin) = &t.finalizer {
            fin_handler = Some(self.emit(Op::TryEnter {
                to: Jump(0),
                exc: Reg(fexc),
            }));
            self.f().ctx.push(Ctx::Finally(fin));
        }
        if let Some(h) = &t.handler {
            let exc = self.alloc();
            let j = self.emit(Op::TryEnter {
                to: Jump(0),
                exc: Reg(exc),
            });
            self.f().ctx.push(Ctx::Try);
            self.block(&t.block.body)?;
            self.f().ctx.pop();
            self.emit(Op::TryExit);
            let skip = self.emit(Op::Jump { to: Jump(0) });
            self.patch_here(j);
            self.push_scope();
            if let Some(p) = &h.param {
                let mut names = Vec::new();
                pattern_names(&p.pattern, &mut names);
                for n in &names {
                    self.declare(n, BKind::Let);
                }
                self.bind_pattern(&p.pattern, Reg(exc), true)?;
            }
            self.block(&h.body.body)?;
            self.pop_scope();
            self.patch_here(skip);
        } else {
            self.block(&t.block.body)?;
        }
        if let (Some(fin), Some(fh)) = (&t.finalizer, fin_handler) {
            self.f().ctx.pop();
            self.emit(Op::TryExit);
            self.block(&fin.body)?;
            let skip = self.emit(Op::Jump { to: Jump(0) });
            self.patch_here(fh);
            self.block(&fin.body)?;
            self.emit(Op::Throw { src: Reg(fexc) });
            self.patch_here(skip);
        }
        self.free_to(mark);
        Ok(())
    }

    fn switch(&mut self, sw: &'a SwitchStatement<'a>) -> R<()> {
        let mut labels = std::mem::take(&mut self.f().label_set);
        labels.push("%switch".into());
        let mark = self.f().next;
        let d = self.alloc();
        self.expr(&sw.discriminant, Reg(d))?;
        self.push_scope();
        let all: Vec<&'a Statement<'a>> =
            sw.cases.iter().flat_map(|c| c.consequent.iter()).collect();
        // Hoist lexical declarations of all cases into one scope.
        for s in &all {
            self.hoist_block(std::slice::from_ref(*s))?;
        }
        let t = self.alloc();
        let mut jumps = Vec::new();
        for c in &sw.cases {
            if let Some(test) = &c.test {
                self.expr(test, Reg(t))?;
                self.emit(Op::StrictEq {
                    dst: Reg(t),
                    a: Reg(d),
                    b: Reg(t),
                });
                jumps.push(Some(self.emit(Op::JumpIfTrue {
                    src: Reg(t),
                    to: Jump(0),
                })));
            } else {
                jumps.push(None);
            }
        }
        let to_default = self.emit(Op::Jump { to: Jump(0) });
        self.f().ctx.push(Ctx::Break {
            labels,
            is_loop: false,
            breaks: vec![],
            continues: vec![],
        });
        let mut default_at = None;
        for (i, c) in sw.cases.iter().enumerate() {
            match jumps[i] {
                Some(j) => self.patch_here(j),
                None => default_at = Some(self.here()),
            }
            for s in &c.consequent {
                if matches!(s, Statement::FunctionDeclaration(_)) {
                    continue;
                }
                self.statement(s)?;
            }
        }
        let ctx = self.f().ctx.pop();
        match default_at {
            Some(at) => self.patch(to_default, at),
            None => self.patch_here(to_default),
        }
        self.patch_breaks(ctx);
        self.pop_scope();
        self.free_to(mark);
        Ok(())
    }

    // ----- patterns -----------------------------------------------------------

    /// Binds pattern `p` to the value in `val`; `init` for declarations.
    fn bind_pattern(&mut self, p: &'a BindingPattern<'a>, val: Reg, init: bool) -> R<()> {
        match p {
            BindingPattern::BindingIdentifier(id) => {
                self.store_var(&id.name, val, init);
                Ok(())
            }
            BindingPattern::AssignmentPattern(ap) => {
                let t = self.alloc();
                self.emit(Op::Mov {
                    dst: Reg(t),
                    src: val,
                });
                let j = self.emit(Op::JumpIfNotUndef {
                    src: Reg(t),
                    to: Jump(0),
                });
                if let BindingPattern::BindingIdentifier(id) = &ap.left {
                    self.named_expr(&ap.right, Reg(t), &id.name)?;
                } else {
                    self.expr(&ap.right, Reg(t))?;
                }
                self.patch_here(j);
                self.bind_pattern(&ap.left, Reg(t), init)?;
                self.free_to(t);
                Ok(())
            }
            BindingPattern::ObjectPattern(op) => {
                let mark = self.f().next;
                self.require_object_coercible(val);
                let keys = self.alloc_n(op.properties.len() as u16 + 1);
                let v = self.alloc();
                for (i, prop) in op.properties.iter().enumerate() {
                    let kr = Reg(keys + i as u16);
                    self.prop_key(&prop.key, prop.computed, kr)?;
                    self.emit(Op::GetElem {
                        dst: Reg(v),
                        obj: val,
                        key: kr,
                    });
                    self.bind_pattern(&prop.value, Reg(v), init)?;
                }
                if let Some(rest) = &op.rest {
                    self.emit(Op::NewObject { dst: Reg(v) });
                    self.emit(Op::CopyProps {
                        dst: Reg(v),
                        src: val,
                        excl: Reg(keys),
                        n: Argc(op.properties.len() as u16),
                    });
                    self.bind_pattern(&rest.argument, Reg(v), init)?;
                }
                self.free_to(mark);
                Ok(())
            }
            BindingPattern::ArrayPattern(ap) => {
                let mark = self.f().next;
                let it = self.alloc_n(3);
                self.emit(Op::GetIter {
                    dst: Reg(it),
                    src: val,
                    kind: Imm(0),
                });
                let exc = self.alloc();
                let h = self.emit(Op::TryEnter {
                    to: Jump(0),
                    exc: Reg(exc),
                });
                self.f().ctx.push(Ctx::Try);
                let v = self.alloc();
                for el in &ap.elements {
                    let j = self.emit(Op::IterNext {
                        dst: Reg(v),
                        iter: Reg(it),
                        done: Jump(0),
                    });
                    let j2 = self.emit(Op::Jump { to: Jump(0) });
                    self.patch_here(j);
                    self.emit(Op::LoadUndef { dst: Reg(v) });
                    self.patch_here(j2);
                    if let Some(el) = el {
                        self.bind_pattern(el, Reg(v), init)?;
                    }
                }
                if let Some(rest) = &ap.rest {
                    let arr = self.alloc();
                    self.emit(Op::NewArray { dst: Reg(arr) });
                    let top = self.here();
                    let j = self.emit(Op::IterNext {
                        dst: Reg(v),
                        iter: Reg(it),
                        done: Jump(0),
                    });
                    self.emit(Op::ArrayPush {
                        arr: Reg(arr),
                        src: Reg(v),
                    });
                    self.emit(Op::Jump { to: Jump(top) });
                    self.patch_here(j);
                    self.bind_pattern(&rest.argument, Reg(arr), init)?;
                }
                self.f().ctx.pop();
                self.emit(Op::TryExit);
                self.emit(Op::IterClose { iter: Reg(it) });
                let skip = self.emit(Op::Jump { to: Jump(0) });
                self.patch_here(h);
                self.emit(Op::IterClose { iter: Reg(it) });
                self.emit(Op::Throw { src: Reg(exc) });
                self.patch_here(skip);
                self.free_to(mark);
                Ok(())
            }
        }
    }

    fn require_object_coercible(&mut self, val: Reg) {
        let j = self.emit(Op::JumpIfNullish {
            src: val,
            to: Jump(0),
        });
        let j2 = self.emit(Op::Jump { to: Jump(0) });
        self.patch_here(j);
        let k = self.kstr("cannot destructure undefined or null");
        self.emit(Op::ThrowError { kind: Imm(0), k });
        self.patch_here(j2);
    }

    /// Assignment to an assignment target (simple or pattern).
    fn assign_target(&mut self, t: &'a AssignmentTarget<'a>, val: Reg) -> R<()> {
        match t {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.store_var(&id.name, val, false);
                Ok(())
            }
            AssignmentTarget::StaticMemberExpression(m) => {
                let o = self.alloc();
                if matches!(m.object, Expression::Super(_)) {
                    let th = self.alloc();
                    self.load_var("%this", Reg(th), m.span, false);
                    self.load_str(Reg(o), &m.property.name);
                    self.emit(Op::SetSuper {
                        key: Reg(o),
                        src: val,
                        this: Reg(th),
                    });
                    return Ok(());
                }
                self.expr(&m.object, Reg(o))?;
                let k = self.kstr(&m.property.name);
                let ic = self.ic();
                self.emit(Op::SetProp {
                    obj: Reg(o),
                    k,
                    src: val,
                    ic,
                });
                Ok(())
            }
            AssignmentTarget::ComputedMemberExpression(m) => {
                let o = self.alloc();
                let k = self.alloc();
                self.expr(&m.object, Reg(o))?;
                self.expr(&m.expression, Reg(k))?;
                self.emit(Op::SetElem {
                    obj: Reg(o),
                    key: Reg(k),
                    src: val,
                });
                Ok(())
            }
            AssignmentTarget::PrivateFieldExpression(m) => {
                let o = self.alloc();
                let k = self.alloc();
                self.expr(&m.object, Reg(o))?;
                self.load_var(&format!("#{}", m.field.name), Reg(k), m.span, false);
                self.emit(Op::SetElem {
                    obj: Reg(o),
                    key: Reg(k),
                    src: val,
                });
                Ok(())
            }
            AssignmentTarget::ObjectAssignmentTarget(op) => {
                let mark = self.f().next;
                self.require_object_coercible(val);
                let keys = self.alloc_n(op.properties.len() as u16 + 1);
                let v = self.alloc();
                for (i, prop) in op.properties.iter().enumerate() {
                    let kr = Reg(keys + i as u16);
                    match prop {
                        AssignmentTargetProperty::AssignmentTargetPropertyIdentifier(p) => {
                            self.load_str(kr, &p.binding.name);
                            self.emit(Op::GetElem {
                                dst: Reg(v),
                                obj: val,
                                key: kr,
                            });
                            if let Some(init) = &p.init {
                                let j = self.emit(Op::JumpIfNotUndef {
                                    src: Reg(v),
                                    to: Jump(0),
                                });
                                self.named_expr(init, Reg(v), &p.binding.name)?;
                                self.patch_here(j);
                            }
                            self.store_var(&p.binding.name, Reg(v), false);
                        }
                        AssignmentTargetProperty::AssignmentTargetPropertyProperty(p) => {
                            self.prop_key(&p.name, p.computed, kr)?;
                            self.emit(Op::GetElem {
                                dst: Reg(v),
                                obj: val,
                                key: kr,
                            });
                            self.assign_maybe_default(&p.binding, Reg(v))?;
                        }
                    }
                }
                if let Some(rest) = &op.rest {
                    self.emit(Op::NewObject { dst: Reg(v) });
                    self.emit(Op::CopyProps {
                        dst: Reg(v),
                        src: val,
                        excl: Reg(keys),
                        n: Argc(op.properties.len() as u16),
                    });
                    self.assign_target(&rest.target, Reg(v))?;
                }
                self.free_to(mark);
                Ok(())
            }
            AssignmentTarget::ArrayAssignmentTarget(ap) => {
                let mark = self.f().next;
                let it = self.alloc_n(3);
                self.emit(Op::GetIter {
                    dst: Reg(it),
                    src: val,
                    kind: Imm(0),
                });
                let exc = self.alloc();
                let h = self.emit(Op::TryEnter {
                    to: Jump(0),
                    exc: Reg(exc),
                });
                self.f().ctx.push(Ctx::Try);
                let v = self.alloc();
                for el in &ap.elements {
                    let j = self.emit(Op::IterNext {
                        dst: Reg(v),
                        iter: Reg(it),
                        done: Jump(0),
                    });
                    let j2 = self.emit(Op::Jump { to: Jump(0) });
                    self.patch_here(j);
                    self.emit(Op::LoadUndef { dst: Reg(v) });
                    self.patch_here(j2);
                    if let Some(el) = el {
                        self.assign_maybe_default(el, Reg(v))?;
                    }
                }
                if let Some(rest) = &ap.rest {
                    let arr = self.alloc();
                    self.emit(Op::NewArray { dst: Reg(arr) });
                    let top = self.here();
                    let j = self.emit(Op::IterNext {
                        dst: Reg(v),
                        iter: Reg(it),
                        done: Jump(0),
                    });
                    self.emit(Op::ArrayPush {
                        arr: Reg(arr),
                        src: Reg(v),
                    });
                    self.emit(Op::Jump { to: Jump(top) });
                    self.patch_here(j);
                    self.assign_target(&rest.target, Reg(arr))?;
                }
                self.f().ctx.pop();
                self.emit(Op::TryExit);
                self.emit(Op::IterClose { iter: Reg(it) });
                let skip = self.emit(Op::Jump { to: Jump(0) });
                self.patch_here(h);
                self.emit(Op::IterClose { iter: Reg(it) });
                self.emit(Op::Throw { src: Reg(exc) });
                self.patch_here(skip);
                self.free_to(mark);
                Ok(())
            }
            _ => self.err("unsupported assignment target", t.span()),
        }
    }

    fn assign_maybe_default(&mut self, t: &'a AssignmentTargetMaybeDefault<'a>, v: Reg) -> R<()> {
        match t {
            AssignmentTargetMaybeDefault::AssignmentTargetWithDefault(d) => {
                let j = self.emit(Op::JumpIfNotUndef {
                    src: v,
                    to: Jump(0),
                });
                if let AssignmentTarget::AssignmentTargetIdentifier(id) = &d.binding {
                    self.named_expr(&d.init, v, &id.name)?;
                } else {
                    self.expr(&d.init, v)?;
                }
                self.patch_here(j);
                self.assign_target(&d.binding, v)
            }
            other => {
                let t = other.as_assignment_target().expect("target");
                self.assign_target(t, v)
            }
        }
    }

    fn prop_key(&mut self, key: &'a PropertyKey<'a>, computed: bool, dst: Reg) -> R<()> {
        match key {
            PropertyKey::StaticIdentifier(id) if !computed => {
                self.load_str(dst, &id.name);
            }
            PropertyKey::PrivateIdentifier(p) => {
                self.load_var(&format!("#{}", p.name), dst, p.span, false);
            }
            other => {
                let e = other.as_expression().expect("key expression");
                match e {
                    Expression::StringLiteral(s) => {
                        if computed {
                            self.expr(e, dst)?;
                        } else {
                            self.load_str(dst, &s.value);
                        }
                    }
                    Expression::NumericLiteral(n) if !computed => {
                        let s = crate::value::number_to_string(n.value);
                        self.load_str(dst, &s);
                    }
                    Expression::BigIntLiteral(b) if !computed => {
                        let v = parse_bigint(&b.value);
                        self.load_str(dst, &v.to_string());
                    }
                    _ => {
                        self.expr(e, dst)?;
                        self.emit(Op::ToKey { dst, src: dst });
                    }
                }
            }
        }
        Ok(())
    }

    // ----- expressions ---------------------------------------------------------

    /// Compiles `e` with a name for anonymous functions/classes (NamedEvaluation).
    fn named_expr(&mut self, e: &'a Expression<'a>, dst: Reg, name: &str) -> R<()> {
        match e {
            Expression::FunctionExpression(f) if f.id.is_none() => {
                self.function(f, dst, Some(name))
            }
            Expression::ArrowFunctionExpression(a) => self.arrow(a, dst, Some(name)),
            Expression::ClassExpression(c) if c.id.is_none() => self.class(c, dst, Some(name)),
            Expression::ParenthesizedExpression(p) => self.named_expr(&p.expression, dst, name),
            _ => self.expr(e, dst),
        }
    }

    /// Compiles `e` into a register: a local's own register when safe, else a new temporary.
    fn expr_any(&mut self, e: &'a Expression<'a>) -> R<Reg> {
        if let Expression::Identifier(id) = e
            && let Resolved::Local(b) = self.resolve(&id.name)
            && !b.boxed
            && b.kind == BKind::Var
        {
            return Ok(Reg(b.reg));
        }
        let t = self.alloc();
        self.expr(e, Reg(t))?;
        Ok(Reg(t))
    }

    fn is_simple(e: &Expression) -> bool {
        matches!(
            e,
            Expression::NumericLiteral(_)
                | Expression::StringLiteral(_)
                | Expression::Identifier(_)
                | Expression::BooleanLiteral(_)
                | Expression::NullLiteral(_)
        )
    }

    fn expr(&mut self, e: &'a Expression<'a>, dst: Reg) -> R<()> {
        self.enter(e.span())?;
        let mark = self.f().next;
        let saved_span = self.cur_span;
        self.cur_span = e.span().start;
        let r = self.expr_inner(e, dst);
        self.cur_span = saved_span;
        self.free_to(mark);
        self.leave();
        r
    }

    fn expr_inner(&mut self, e: &'a Expression<'a>, dst: Reg) -> R<()> {
        match e {
            Expression::NumericLiteral(n) => self.load_num(dst, n.value),
            Expression::StringLiteral(s) => {
                if s.lone_surrogates {
                    let units = decode_lone_surrogates(&s.value);
                    let j = JsStr::from_units(units);
                    let k = self.konst(ConstKey::Str(j.clone()), Value::Str(j));
                    self.emit(Op::LoadK { dst, k });
                } else {
                    self.load_str(dst, &s.value);
                }
            }
            Expression::BooleanLiteral(b) => {
                self.emit(if b.value {
                    Op::LoadTrue { dst }
                } else {
                    Op::LoadFalse { dst }
                });
            }
            Expression::NullLiteral(_) => {
                self.emit(Op::LoadNull { dst });
            }
            Expression::BigIntLiteral(b) => {
                let v = parse_bigint(&b.value);
                let s = v.to_string();
                let k = self.konst(ConstKey::Big(s.clone()), Value::BigInt(Rc::new(v)));
                self.emit(Op::LoadBigInt { dst, k });
            }
            Expression::RegExpLiteral(r) => {
                let pat = self.kstr(&r.regex.pattern.text);
                let flags = r.regex.flags.to_string();
                // flags constant must follow the pattern constant
                let f = self.f();
                let pk = f.code.consts.len() as u32;
                f.code.consts.push(f.code.consts[pat.0 as usize].clone());
                f.code.consts.push(Value::str(&flags));
                self.emit(Op::RegExp {
                    dst,
                    pattern: K(pk),
                });
            }
            Expression::TemplateLiteral(t) => {
                self.load_str(dst, "");
                let tmp = self.alloc();
                for (i, q) in t.quasis.iter().enumerate() {
                    let cooked = q
                        .value
                        .cooked
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default();
                    if !cooked.is_empty() {
                        self.load_str(Reg(tmp), &cooked);
                        self.emit(Op::Add {
                            dst,
                            a: dst,
                            b: Reg(tmp),
                        });
                    }
                    if let Some(x) = t.expressions.get(i) {
                        self.expr(x, Reg(tmp))?;
                        self.emit(Op::ToStr {
                            dst: Reg(tmp),
                            src: Reg(tmp),
                        });
                        self.emit(Op::Add {
                            dst,
                            a: dst,
                            b: Reg(tmp),
                        });
                    }
                }
            }
            Expression::Identifier(id) => {
                if id.name == "undefined" && matches!(self.resolve("undefined"), Resolved::Global) {
                    self.emit(Op::LoadUndef { dst });
                } else if id.name == "arguments" && self.has_arguments_binding() {
                    self.load_var("%args", dst, id.span, false);
                } else {
                    self.load_var(&id.name, dst, id.span, false);
                }
            }
            Expression::ThisExpression(t) => self.load_this(dst, t.span),
            Expression::ParenthesizedExpression(p) => self.expr(&p.expression, dst)?,
            Expression::SequenceExpression(s) => {
                for x in &s.expressions {
                    self.expr(x, dst)?;
                }
            }
            Expression::ArrayExpression(a) => {
                let arr = self.alloc();
                self.emit(Op::NewArray { dst: Reg(arr) });
                let t = self.alloc();
                for el in &a.elements {
                    match el {
                        ArrayExpressionElement::SpreadElement(s) => {
                            self.expr(&s.argument, Reg(t))?;
                            self.emit(Op::ArraySpread {
                                arr: Reg(arr),
                                src: Reg(t),
                            });
                        }
                        ArrayExpressionElement::Elision(_) => {
                            self.emit(Op::ArrayHole { arr: Reg(arr) });
                        }
                        other => {
                            let x = other.as_expression().expect("element");
                            self.expr(x, Reg(t))?;
                            self.emit(Op::ArrayPush {
                                arr: Reg(arr),
                                src: Reg(t),
                            });
                        }
                    }
                }
                self.emit(Op::Mov { dst, src: Reg(arr) });
            }
            Expression::ObjectExpression(o) => self.object(o, dst)?,
            Expression::FunctionExpression(f) => self.function(f, dst, None)?,
            Expression::ArrowFunctionExpression(a) => self.arrow(a, dst, None)?,
            Expression::ClassExpression(c) => self.class(c, dst, None)?,
            Expression::UnaryExpression(u) => self.unary(u, dst)?,
            Expression::BinaryExpression(b) => {
                if b.operator == BinaryOperator::In
                    && let Expression::PrivateInExpression(_) = &b.left
                {
                    unreachable!()
                }
                let a = if Self::is_simple(&b.right) {
                    self.expr_any(&b.left)?
                } else {
                    let t = self.alloc();
                    self.expr(&b.left, Reg(t))?;
                    Reg(t)
                };
                let r = self.expr_any(&b.right)?;
                self.cur_span = b.span.start;
                self.binop(b.operator, dst, a, r);
            }
            Expression::PrivateInExpression(p) => {
                let o = self.alloc();
                self.expr(&p.right, Reg(o))?;
                let k = self.alloc();
                self.load_var(&format!("#{}", p.left.name), Reg(k), p.span, false);
                self.emit(Op::In {
                    dst,
                    a: Reg(k),
                    b: Reg(o),
                });
            }
            Expression::LogicalExpression(l) => {
                self.expr(&l.left, dst)?;
                let j = match l.operator {
                    LogicalOperator::And => self.emit(Op::JumpIfFalse {
                        src: dst,
                        to: Jump(0),
                    }),
                    LogicalOperator::Or => self.emit(Op::JumpIfTrue {
                        src: dst,
                        to: Jump(0),
                    }),
                    LogicalOperator::Coalesce => {
                        let j = self.emit(Op::JumpIfNullish {
                            src: dst,
                            to: Jump(0),
                        });
                        let j2 = self.emit(Op::Jump { to: Jump(0) });
                        self.patch_here(j);
                        j2
                    }
                };
                self.expr(&l.right, dst)?;
                self.patch_here(j);
            }
            Expression::ConditionalExpression(c) => {
                let t = self.alloc();
                self.expr(&c.test, Reg(t))?;
                let j = self.emit(Op::JumpIfFalse {
                    src: Reg(t),
                    to: Jump(0),
                });
                self.expr(&c.consequent, dst)?;
                let j2 = self.emit(Op::Jump { to: Jump(0) });
                self.patch_here(j);
                self.expr(&c.alternate, dst)?;
                self.patch_here(j2);
            }
            Expression::AssignmentExpression(a) => self.assign(a, dst)?,
            Expression::UpdateExpression(u) => self.update(u, dst)?,
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::PrivateFieldExpression(_) => {
                let m = e.as_member_expression().expect("member");
                self.member(m, dst, None)?;
            }
            Expression::CallExpression(c) => self.call(c, dst, None)?,
            Expression::ChainExpression(c) => {
                let mut nullish = Vec::new();
                match &c.expression {
                    ChainElement::CallExpression(call) => {
                        self.call(call, dst, Some(&mut nullish))?
                    }
                    other => {
                        let m = other.as_member_expression().expect("chain member");
                        self.member(m, dst, Some(&mut nullish))?;
                    }
                }
                if !nullish.is_empty() {
                    let j = self.emit(Op::Jump { to: Jump(0) });
                    for n in nullish {
                        self.patch_here(n);
                    }
                    self.emit(Op::LoadUndef { dst });
                    self.patch_here(j);
                }
            }
            Expression::NewExpression(n) => {
                let argc = n.arguments.len() as u16;
                let has_spread = n
                    .arguments
                    .iter()
                    .any(|a| matches!(a, Argument::SpreadElement(_)));
                let base = self.alloc_n(2 + if has_spread { 1 } else { argc });
                self.expr(&n.callee, Reg(base))?;
                if has_spread {
                    self.spread_args(&n.arguments, Reg(base + 2))?;
                    self.cur_span = n.span.start;
                    self.emit(Op::NewSpread {
                        dst,
                        func: Reg(base),
                        args: Reg(base + 2),
                    });
                } else {
                    for (i, a) in n.arguments.iter().enumerate() {
                        let x = a.as_expression().expect("argument");
                        self.expr(x, Reg(base + 2 + i as u16))?;
                    }
                    self.cur_span = n.span.start;
                    self.emit(Op::New {
                        dst,
                        func: Reg(base),
                        argc: Argc(argc),
                    });
                }
            }
            Expression::TaggedTemplateExpression(t) => {
                let argc = t.quasi.expressions.len() as u16 + 1;
                let base = self.alloc_n(2 + argc);
                self.callee_and_this(&t.tag, Reg(base), None)?;
                let cooked: Vec<Option<JsStr>> = t
                    .quasi
                    .quasis
                    .iter()
                    .map(|q| q.value.cooked.as_ref().map(|c| JsStr::from_str(c)))
                    .collect();
                let raws: Vec<JsStr> = t
                    .quasi
                    .quasis
                    .iter()
                    .map(|q| {
                        JsStr::from_str(&q.value.raw.replace("\r\n", "\n").replace('\r', "\n"))
                    })
                    .collect();
                let f = self.f();
                f.code.templates.push((cooked, raws));
                f.code.template_cache.borrow_mut().push(None);
                let k = K(f.code.templates.len() as u32 - 1);
                self.emit(Op::Template {
                    dst: Reg(base + 2),
                    k,
                });
                for (i, x) in t.quasi.expressions.iter().enumerate() {
                    self.expr(x, Reg(base + 3 + i as u16))?;
                }
                self.emit(Op::Call {
                    dst,
                    func: Reg(base),
                    argc: Argc(argc),
                });
            }
            Expression::AwaitExpression(a) => {
                self.expr(&a.argument, dst)?;
                self.emit(Op::Await { dst, src: dst });
                self.resume_check(dst)?;
            }
            Expression::YieldExpression(y) => {
                if y.delegate {
                    self.yield_star(y, dst)?;
                } else {
                    match &y.argument {
                        Some(a) => self.expr(a, dst)?,
                        None => {
                            self.emit(Op::LoadUndef { dst });
                        }
                    }
                    if self.f().code.is_async {
                        self.emit(Op::Await { dst, src: dst });
                        self.resume_check(dst)?;
                    }
                    self.emit(Op::Yield { dst, src: dst });
                    self.resume_check(dst)?;
                }
            }
            Expression::NewTarget(m) => self.load_var("%nt", dst, m.span, false),
            Expression::ImportMeta(m) => {
                return self.err("import.meta is not supported", m.span);
            }
            Expression::Super(s) => return self.err("'super' keyword unexpected here", s.span),
            Expression::ImportExpression(i) => {
                return self.err("dynamic import is not supported", i.span);
            }
            _ => return self.err("unsupported expression", e.span()),
        }
        Ok(())
    }

    fn has_arguments_binding(&mut self) -> bool {
        // `arguments` refers to the implicit object unless a binding shadows it.
        match self.resolve("arguments") {
            Resolved::Global => !matches!(self.resolve("%args"), Resolved::Global),
            _ => false,
        }
    }

    fn load_this(&mut self, dst: Reg, span: Span) {
        match self.resolve("%this") {
            Resolved::Global => {
                self.emit(Op::LoadThis { dst });
            }
            _ => {
                self.load_var("%this", dst, span, false);
            }
        }
    }

    /// After a Yield/Await: resume kind 1 rethrows, 2 returns (running finally blocks).
    fn resume_check(&mut self, v: Reg) -> R<()> {
        let k = self.alloc();
        self.emit(Op::ResumeKind { dst: Reg(k) });
        let j = self.emit(Op::JumpIfFalse {
            src: Reg(k),
            to: Jump(0),
        });
        let one = self.alloc();
        self.emit(Op::LoadInt {
            dst: Reg(one),
            v: Imm(1),
        });
        self.emit(Op::StrictEq {
            dst: Reg(one),
            a: Reg(k),
            b: Reg(one),
        });
        let j2 = self.emit(Op::JumpIfFalse {
            src: Reg(one),
            to: Jump(0),
        });
        self.emit(Op::Throw { src: v });
        self.patch_here(j2);
        // return: async generators await the value first
        self.unwind_to(0)?;
        self.emit(Op::Return { src: v });
        self.patch_here(j);
        self.free_to(k);
        Ok(())
    }

    fn yield_star(&mut self, y: &'a YieldExpression<'a>, dst: Reg) -> R<()> {
        // Delegation as a bytecode loop over the inner iterator's next/throw/return.
        let mark = self.f().next;
        let it = self.alloc_n(3);
        let v = self.alloc();
        if let Some(a) = &y.argument {
            self.expr(a, Reg(v))?;
        }
        self.emit(Op::GetIter {
            dst: Reg(it),
            src: Reg(v),
            kind: Imm(0),
        });
        let kind = self.alloc();
        self.emit(Op::LoadInt {
            dst: Reg(kind),
            v: Imm(0),
        });
        self.emit(Op::LoadUndef { dst: Reg(v) });
        let top = self.here();
        // call: base = [method, this=iter, arg]
        let base = self.alloc_n(3);
        let name = self.alloc();
        let t = self.alloc();
        // pick method by kind
        self.load_str(Reg(name), "next");
        self.emit(Op::LoadInt {
            dst: Reg(t),
            v: Imm(1),
        });
        self.emit(Op::StrictEq {
            dst: Reg(t),
            a: Reg(kind),
            b: Reg(t),
        });
        let j1 = self.emit(Op::JumpIfFalse {
            src: Reg(t),
            to: Jump(0),
        });
        self.load_str(Reg(name), "throw");
        self.patch_here(j1);
        self.emit(Op::LoadInt {
            dst: Reg(t),
            v: Imm(2),
        });
        self.emit(Op::StrictEq {
            dst: Reg(t),
            a: Reg(kind),
            b: Reg(t),
        });
        let j2 = self.emit(Op::JumpIfFalse {
            src: Reg(t),
            to: Jump(0),
        });
        self.load_str(Reg(name), "return");
        self.patch_here(j2);
        self.emit(Op::Mov {
            dst: Reg(base + 1),
            src: Reg(it),
        });
        self.emit(Op::GetElem {
            dst: Reg(base),
            obj: Reg(it),
            key: Reg(name),
        });
        let has = self.emit(Op::JumpIfNullish {
            src: Reg(base),
            to: Jump(0),
        });
        self.emit(Op::Mov {
            dst: Reg(base + 2),
            src: Reg(v),
        });
        self.emit(Op::Call {
            dst: Reg(t),
            func: Reg(base),
            argc: Argc(1),
        });
        if self.f().code.is_async {
            self.emit(Op::Await {
                dst: Reg(t),
                src: Reg(t),
            });
            self.resume_check(Reg(t))?;
        }
        // result must be an object
        self.emit(Op::TypeOf {
            dst: Reg(name),
            src: Reg(t),
        });
        let done = self.alloc();
        let kd = self.kstr("done");
        let ic = self.ic();
        self.emit(Op::GetProp {
            dst: Reg(done),
            obj: Reg(t),
            k: kd,
            ic,
        });
        let not_done = self.emit(Op::JumpIfFalse {
            src: Reg(done),
            to: Jump(0),
        });
        let kv = self.kstr("value");
        let ic = self.ic();
        self.emit(Op::GetProp {
            dst,
            obj: Reg(t),
            k: kv,
            ic,
        });
        // done: if kind == return, return value; else result
        self.emit(Op::LoadInt {
            dst: Reg(done),
            v: Imm(2),
        });
        self.emit(Op::StrictEq {
            dst: Reg(done),
            a: Reg(kind),
            b: Reg(done),
        });
        let j3 = self.emit(Op::JumpIfFalse {
            src: Reg(done),
            to: Jump(0),
        });
        self.unwind_to(0)?;
        self.emit(Op::Return { src: dst });
        self.patch_here(j3);
        let end = self.emit(Op::Jump { to: Jump(0) });
        self.patch_here(not_done);
        if self.f().code.is_async {
            let kv = self.kstr("value");
            let ic = self.ic();
            self.emit(Op::GetProp {
                dst: Reg(v),
                obj: Reg(t),
                k: kv,
                ic,
            });
            self.emit(Op::Yield {
                dst: Reg(v),
                src: Reg(v),
            });
        } else {
            // yield the inner result object as is
            self.emit(Op::YieldRaw {
                dst: Reg(v),
                src: Reg(t),
            });
        }
        self.emit(Op::ResumeKind { dst: Reg(kind) });
        self.emit(Op::Jump { to: Jump(top) });
        // method missing
        self.patch_here(has);
        // throw with no `throw`: close iterator, TypeError; return with no `return`: return v
        self.emit(Op::LoadInt {
            dst: Reg(t),
            v: Imm(2),
        });
        self.emit(Op::StrictEq {
            dst: Reg(t),
            a: Reg(kind),
            b: Reg(t),
        });
        let j4 = self.emit(Op::JumpIfFalse {
            src: Reg(t),
            to: Jump(0),
        });
        self.unwind_to(0)?;
        self.emit(Op::Return { src: Reg(v) });
        self.patch_here(j4);
        self.emit(Op::IterClose { iter: Reg(it) });
        let k = self.kstr("iterator does not have a throw method");
        self.emit(Op::ThrowError { kind: Imm(0), k });
        self.patch_here(end);
        self.free_to(mark);
        Ok(())
    }

    fn binop(&mut self, op: BinaryOperator, dst: Reg, a: Reg, b: Reg) {
        use BinaryOperator as B;
        let o = match op {
            B::Addition => Op::Add { dst, a, b },
            B::Subtraction => Op::Sub { dst, a, b },
            B::Multiplication => Op::Mul { dst, a, b },
            B::Division => Op::Div { dst, a, b },
            B::Remainder => Op::Mod { dst, a, b },
            B::Exponential => Op::Exp { dst, a, b },
            B::ShiftLeft => Op::Shl { dst, a, b },
            B::ShiftRight => Op::Shr { dst, a, b },
            B::ShiftRightZeroFill => Op::UShr { dst, a, b },
            B::BitwiseAnd => Op::BitAnd { dst, a, b },
            B::BitwiseOR => Op::BitOr { dst, a, b },
            B::BitwiseXOR => Op::BitXor { dst, a, b },
            B::Equality => Op::Eq { dst, a, b },
            B::Inequality => Op::Ne { dst, a, b },
            B::StrictEquality => Op::StrictEq { dst, a, b },
            B::StrictInequality => Op::StrictNe { dst, a, b },
            B::LessThan => Op::Lt { dst, a, b },
            B::LessEqualThan => Op::Le { dst, a, b },
            B::GreaterThan => Op::Gt { dst, a, b },
            B::GreaterEqualThan => Op::Ge { dst, a, b },
            B::In => Op::In { dst, a, b },
            B::Instanceof => Op::InstanceOf { dst, a, b },
        };
        self.emit(o);
    }

    fn unary(&mut self, u: &'a UnaryExpression<'a>, dst: Reg) -> R<()> {
        match u.operator {
            UnaryOperator::Typeof => {
                if let Expression::Identifier(id) = &u.argument {
                    if id.name == "arguments" && self.has_arguments_binding() {
                        self.load_var("%args", dst, id.span, false);
                    } else {
                        self.load_var(&id.name, dst, id.span, true);
                    }
                } else {
                    self.expr(&u.argument, dst)?;
                }
                self.emit(Op::TypeOf { dst, src: dst });
            }
            UnaryOperator::Delete => match &u.argument {
                Expression::StaticMemberExpression(m) => {
                    let o = self.alloc();
                    let k = self.alloc();
                    self.expr(&m.object, Reg(o))?;
                    if matches!(m.object, Expression::Super(_)) {
                        let k = self.kstr("unsupported reference to 'super'");
                        self.emit(Op::ThrowError { kind: Imm(1), k });
                        return Ok(());
                    }
                    self.load_str(Reg(k), &m.property.name);
                    self.emit(Op::Delete {
                        dst,
                        obj: Reg(o),
                        key: Reg(k),
                    });
                }
                Expression::ComputedMemberExpression(m) => {
                    let o = self.alloc();
                    let k = self.alloc();
                    if matches!(m.object, Expression::Super(_)) {
                        self.expr(&m.expression, Reg(k))?;
                        let k = self.kstr("unsupported reference to 'super'");
                        self.emit(Op::ThrowError { kind: Imm(1), k });
                        return Ok(());
                    }
                    self.expr(&m.object, Reg(o))?;
                    self.expr(&m.expression, Reg(k))?;
                    self.emit(Op::Delete {
                        dst,
                        obj: Reg(o),
                        key: Reg(k),
                    });
                }
                Expression::Identifier(id) => {
                    if matches!(self.resolve(&id.name), Resolved::Global) {
                        let o = self.alloc();
                        let k = self.alloc();
                        self.emit(Op::LoadThis { dst: Reg(o) });
                        // global object: `this` at script level; use globalThis lookup
                        let gk = self.kstr("globalThis");
                        let ic = self.ic();
                        self.emit(Op::GetGlobal {
                            dst: Reg(o),
                            k: gk,
                            ic,
                        });
                        self.load_str(Reg(k), &id.name);
                        self.emit(Op::Delete {
                            dst,
                            obj: Reg(o),
                            key: Reg(k),
                        });
                    } else {
                        self.emit(Op::LoadFalse { dst });
                    }
                }
                _ => {
                    self.expr(&u.argument, dst)?;
                    self.emit(Op::LoadTrue { dst });
                }
            },
            _ => {
                self.expr(&u.argument, dst)?;
                let o = match u.operator {
                    UnaryOperator::UnaryNegation => Op::Neg { dst, src: dst },
                    UnaryOperator::UnaryPlus => Op::ToNumber { dst, src: dst },
                    UnaryOperator::LogicalNot => Op::Not { dst, src: dst },
                    UnaryOperator::BitwiseNot => Op::BitNot { dst, src: dst },
                    UnaryOperator::Void => Op::LoadUndef { dst },
                    _ => Op::Nop,
                };
                self.emit(o);
            }
        }
        Ok(())
    }

    fn assign(&mut self, a: &'a AssignmentExpression<'a>, dst: Reg) -> R<()> {
        use AssignmentOperator as A;
        if a.operator == A::Assign {
            match &a.left {
                AssignmentTarget::AssignmentTargetIdentifier(id) => {
                    // Resolve the reference before evaluating the right-hand side (strict-mode unresolvable refs).
                    self.named_expr(&a.right, dst, &id.name)?;
                    self.store_var(&id.name, dst, false);
                }
                AssignmentTarget::StaticMemberExpression(m)
                    if !matches!(m.object, Expression::Super(_)) =>
                {
                    let o = self.alloc();
                    self.expr(&m.object, Reg(o))?;
                    self.expr(&a.right, dst)?;
                    let k = self.kstr(&m.property.name);
                    let ic = self.ic();
                    self.cur_span = a.span.start;
                    self.emit(Op::SetProp {
                        obj: Reg(o),
                        k,
                        src: dst,
                        ic,
                    });
                }
                AssignmentTarget::ComputedMemberExpression(m)
                    if !matches!(m.object, Expression::Super(_)) =>
                {
                    let o = self.alloc();
                    let k = self.alloc();
                    self.expr(&m.object, Reg(o))?;
                    self.expr(&m.expression, Reg(k))?;
                    self.emit(Op::ToKey {
                        dst: Reg(k),
                        src: Reg(k),
                    });
                    self.expr(&a.right, dst)?;
                    self.cur_span = a.span.start;
                    self.emit(Op::SetElem {
                        obj: Reg(o),
                        key: Reg(k),
                        src: dst,
                    });
                }
                AssignmentTarget::PrivateFieldExpression(m) => {
                    let o = self.alloc();
                    let k = self.alloc();
                    self.expr(&m.object, Reg(o))?;
                    self.load_var(&format!("#{}", m.field.name), Reg(k), m.span, false);
                    self.expr(&a.right, dst)?;
                    self.emit(Op::SetElem {
                        obj: Reg(o),
                        key: Reg(k),
                        src: dst,
                    });
                }
                AssignmentTarget::ComputedMemberExpression(m) => {
                    let k = self.alloc();
                    let th = self.alloc();
                    self.load_this(Reg(th), m.span);
                    self.expr(&m.expression, Reg(k))?;
                    self.emit(Op::ToKey {
                        dst: Reg(k),
                        src: Reg(k),
                    });
                    self.expr(&a.right, dst)?;
                    self.emit(Op::SetSuper {
                        key: Reg(k),
                        src: dst,
                        this: Reg(th),
                    });
                }
                other => {
                    let v = self.alloc();
                    self.expr(&a.right, Reg(v))?;
                    self.assign_target(other, Reg(v))?;
                    self.emit(Op::Mov { dst, src: Reg(v) });
                }
            }
            return Ok(());
        }
        let bin = match a.operator {
            A::Addition => Some(BinaryOperator::Addition),
            A::Subtraction => Some(BinaryOperator::Subtraction),
            A::Multiplication => Some(BinaryOperator::Multiplication),
            A::Division => Some(BinaryOperator::Division),
            A::Remainder => Some(BinaryOperator::Remainder),
            A::Exponential => Some(BinaryOperator::Exponential),
            A::ShiftLeft => Some(BinaryOperator::ShiftLeft),
            A::ShiftRight => Some(BinaryOperator::ShiftRight),
            A::ShiftRightZeroFill => Some(BinaryOperator::ShiftRightZeroFill),
            A::BitwiseOR => Some(BinaryOperator::BitwiseOR),
            A::BitwiseXOR => Some(BinaryOperator::BitwiseXOR),
            A::BitwiseAnd => Some(BinaryOperator::BitwiseAnd),
            _ => None,
        };
        // Read-modify-write: get reference parts, old value.
        let simple = a.left.as_simple_assignment_target().expect("simple target");
        let (o, k) = self.ref_parts(simple)?;
        self.ref_get(simple, o, k, dst)?;
        match bin {
            Some(op) => {
                let r = self.alloc();
                self.expr(&a.right, Reg(r))?;
                self.binop(op, dst, dst, Reg(r));
                self.ref_set(simple, o, k, dst)?;
            }
            None => {
                let j = match a.operator {
                    A::LogicalAnd => self.emit(Op::JumpIfFalse {
                        src: dst,
                        to: Jump(0),
                    }),
                    A::LogicalOr => self.emit(Op::JumpIfTrue {
                        src: dst,
                        to: Jump(0),
                    }),
                    _ => {
                        let j = self.emit(Op::JumpIfNullish {
                            src: dst,
                            to: Jump(0),
                        });
                        let j2 = self.emit(Op::Jump { to: Jump(0) });
                        self.patch_here(j);
                        j2
                    }
                };
                if let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = simple {
                    self.named_expr(&a.right, dst, &id.name)?;
                } else {
                    self.expr(&a.right, dst)?;
                }
                self.ref_set(simple, o, k, dst)?;
                self.patch_here(j);
            }
        }
        Ok(())
    }

    fn ref_parts(&mut self, t: &'a SimpleAssignmentTarget<'a>) -> R<(Reg, Reg)> {
        let o = self.alloc();
        let k = self.alloc();
        match t {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(_) => {}
            SimpleAssignmentTarget::StaticMemberExpression(m) => {
                if matches!(m.object, Expression::Super(_)) {
                    self.load_this(Reg(o), m.span);
                } else {
                    self.expr(&m.object, Reg(o))?;
                }
                self.load_str(Reg(k), &m.property.name);
            }
            SimpleAssignmentTarget::ComputedMemberExpression(m) => {
                if matches!(m.object, Expression::Super(_)) {
                    self.load_this(Reg(o), m.span);
                } else {
                    self.expr(&m.object, Reg(o))?;
                }
                self.expr(&m.expression, Reg(k))?;
                self.emit(Op::ToKey {
                    dst: Reg(k),
                    src: Reg(k),
                });
            }
            SimpleAssignmentTarget::PrivateFieldExpression(m) => {
                self.expr(&m.object, Reg(o))?;
                self.load_var(&format!("#{}", m.field.name), Reg(k), m.span, false);
            }
            _ => return self.err("invalid assignment target", t.span()),
        }
        Ok((Reg(o), Reg(k)))
    }

    fn is_super_target(t: &SimpleAssignmentTarget) -> bool {
        match t {
            SimpleAssignmentTarget::StaticMemberExpression(m) => {
                matches!(m.object, Expression::Super(_))
            }
            SimpleAssignmentTarget::ComputedMemberExpression(m) => {
                matches!(m.object, Expression::Super(_))
            }
            _ => false,
        }
    }

    fn ref_get(&mut self, t: &'a SimpleAssignmentTarget<'a>, o: Reg, k: Reg, dst: Reg) -> R<()> {
        match t {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.load_var(&id.name, dst, id.span, false)
            }
            _ if Self::is_super_target(t) => {
                self.emit(Op::GetSuper {
                    dst,
                    key: k,
                    this: o,
                });
            }
            _ => {
                self.emit(Op::GetElem {
                    dst,
                    obj: o,
                    key: k,
                });
            }
        }
        Ok(())
    }

    fn ref_set(&mut self, t: &'a SimpleAssignmentTarget<'a>, o: Reg, k: Reg, v: Reg) -> R<()> {
        match t {
            SimpleAssignmentTarget::AssignmentTargetIdentifier(id) => {
                self.store_var(&id.name, v, false)
            }
            _ if Self::is_super_target(t) => {
                self.emit(Op::SetSuper {
                    key: k,
                    src: v,
                    this: o,
                });
            }
            _ => {
                self.emit(Op::SetElem {
                    obj: o,
                    key: k,
                    src: v,
                });
            }
        }
        Ok(())
    }

    fn update(&mut self, u: &'a UpdateExpression<'a>, dst: Reg) -> R<()> {
        let (o, k) = self.ref_parts(&u.argument)?;
        let old = self.alloc();
        self.ref_get(&u.argument, o, k, Reg(old))?;
        self.emit(Op::ToNumeric {
            dst: Reg(old),
            src: Reg(old),
        });
        let new = self.alloc();
        if u.operator == UpdateOperator::Increment {
            self.emit(Op::Inc {
                dst: Reg(new),
                src: Reg(old),
            });
        } else {
            self.emit(Op::Dec {
                dst: Reg(new),
                src: Reg(old),
            });
        }
        self.ref_set(&u.argument, o, k, Reg(new))?;
        self.emit(Op::Mov {
            dst,
            src: Reg(if u.prefix { new } else { old }),
        });
        Ok(())
    }

    fn member(
        &mut self,
        m: &'a MemberExpression<'a>,
        dst: Reg,
        mut nullish: Option<&mut Vec<usize>>,
    ) -> R<()> {
        match m {
            MemberExpression::StaticMemberExpression(s) => {
                if matches!(s.object, Expression::Super(_)) {
                    let th = self.alloc();
                    let k = self.alloc();
                    self.load_this(Reg(th), s.span);
                    self.load_str(Reg(k), &s.property.name);
                    self.emit(Op::GetSuper {
                        dst,
                        key: Reg(k),
                        this: Reg(th),
                    });
                    return Ok(());
                }
                let o = self.chain_obj(&s.object, nullish.as_deref_mut())?;
                if s.optional
                    && let Some(n) = nullish
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                let k = self.kstr(&s.property.name);
                let ic = self.ic();
                self.cur_span = s.property.span.start;
                self.emit(Op::GetProp { dst, obj: o, k, ic });
            }
            MemberExpression::ComputedMemberExpression(c) => {
                if matches!(c.object, Expression::Super(_)) {
                    let th = self.alloc();
                    let k = self.alloc();
                    self.load_this(Reg(th), c.span);
                    self.expr(&c.expression, Reg(k))?;
                    self.emit(Op::ToKey {
                        dst: Reg(k),
                        src: Reg(k),
                    });
                    self.emit(Op::GetSuper {
                        dst,
                        key: Reg(k),
                        this: Reg(th),
                    });
                    return Ok(());
                }
                let o = self.chain_obj(&c.object, nullish.as_deref_mut())?;
                if c.optional
                    && let Some(n) = nullish
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                let o2 = self.alloc();
                self.emit(Op::Mov {
                    dst: Reg(o2),
                    src: o,
                });
                let k = self.expr_any(&c.expression)?;
                self.cur_span = c.span.start;
                self.emit(Op::GetElem {
                    dst,
                    obj: Reg(o2),
                    key: k,
                });
            }
            MemberExpression::PrivateFieldExpression(p) => {
                let o = self.chain_obj(&p.object, nullish.as_deref_mut())?;
                if p.optional
                    && let Some(n) = nullish
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                let k = self.alloc();
                self.load_var(&format!("#{}", p.field.name), Reg(k), p.span, false);
                self.emit(Op::GetElem {
                    dst,
                    obj: o,
                    key: Reg(k),
                });
            }
        }
        Ok(())
    }

    /// Compiles the object part of a member in an optional chain.
    fn chain_obj(&mut self, e: &'a Expression<'a>, nullish: Option<&mut Vec<usize>>) -> R<Reg> {
        let t = self.alloc();
        match (e, nullish) {
            (Expression::CallExpression(c), Some(n)) => self.call(c, Reg(t), Some(n))?,
            (e, Some(n)) if e.as_member_expression().is_some() => {
                self.member(e.as_member_expression().expect("member"), Reg(t), Some(n))?
            }
            (e, _) => self.expr(e, Reg(t))?,
        }
        Ok(Reg(t))
    }

    /// Compiles a callee into `base` and its `this` into `base+1`.
    fn callee_and_this(
        &mut self,
        callee: &'a Expression<'a>,
        base: Reg,
        mut nullish: Option<&mut Vec<usize>>,
    ) -> R<()> {
        let this = Reg(base.0 + 1);
        match callee {
            Expression::StaticMemberExpression(s) if !matches!(s.object, Expression::Super(_)) => {
                let o = self.chain_obj(&s.object, nullish.as_deref_mut())?;
                if s.optional
                    && let Some(n) = nullish.as_deref_mut()
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                self.emit(Op::Mov { dst: this, src: o });
                let k = self.kstr(&s.property.name);
                let ic = self.ic();
                self.cur_span = s.property.span.start;
                self.emit(Op::GetProp {
                    dst: base,
                    obj: this,
                    k,
                    ic,
                });
            }
            Expression::ComputedMemberExpression(c)
                if !matches!(c.object, Expression::Super(_)) =>
            {
                let o = self.chain_obj(&c.object, nullish.as_deref_mut())?;
                if c.optional
                    && let Some(n) = nullish.as_deref_mut()
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                self.emit(Op::Mov { dst: this, src: o });
                let k = self.alloc();
                self.expr(&c.expression, Reg(k))?;
                self.emit(Op::GetElem {
                    dst: base,
                    obj: this,
                    key: Reg(k),
                });
            }
            Expression::PrivateFieldExpression(p) => {
                let o = self.chain_obj(&p.object, nullish.as_deref_mut())?;
                if p.optional
                    && let Some(n) = nullish.as_deref_mut()
                {
                    n.push(self.emit(Op::JumpIfNullish {
                        src: o,
                        to: Jump(0),
                    }));
                }
                self.emit(Op::Mov { dst: this, src: o });
                let k = self.alloc();
                self.load_var(&format!("#{}", p.field.name), Reg(k), p.span, false);
                self.emit(Op::GetElem {
                    dst: base,
                    obj: this,
                    key: Reg(k),
                });
            }
            Expression::StaticMemberExpression(_) | Expression::ComputedMemberExpression(_) => {
                // super.m(): this = this
                self.member(callee.as_member_expression().expect("member"), base, None)?;
                self.load_this(this, callee.span());
            }
            Expression::ParenthesizedExpression(p)
                if p.expression.as_member_expression().is_some() =>
            {
                self.callee_and_this(&p.expression, base, nullish)?;
            }
            Expression::ChainExpression(_) => {
                self.expr(callee, base)?;
                self.emit(Op::LoadUndef { dst: this });
            }
            other => {
                match (other, nullish) {
                    (Expression::CallExpression(c), Some(n)) => self.call(c, base, Some(n))?,
                    (o, _) => self.expr(o, base)?,
                }
                self.emit(Op::LoadUndef { dst: this });
            }
        }
        Ok(())
    }

    fn spread_args(&mut self, args: &'a [Argument<'a>], arr: Reg) -> R<()> {
        self.emit(Op::NewArray { dst: arr });
        let t = self.alloc();
        for a in args {
            match a {
                Argument::SpreadElement(s) => {
                    self.expr(&s.argument, Reg(t))?;
                    self.emit(Op::ArraySpread { arr, src: Reg(t) });
                }
                other => {
                    self.expr(other.as_expression().expect("arg"), Reg(t))?;
                    self.emit(Op::ArrayPush { arr, src: Reg(t) });
                }
            }
        }
        self.free_to(t);
        Ok(())
    }

    fn call(
        &mut self,
        c: &'a CallExpression<'a>,
        dst: Reg,
        mut nullish: Option<&mut Vec<usize>>,
    ) -> R<()> {
        let argc = c.arguments.len() as u16;
        let has_spread = c
            .arguments
            .iter()
            .any(|a| matches!(a, Argument::SpreadElement(_)));
        if let Expression::Super(_) = &c.callee {
            let arr = self.alloc();
            self.spread_args(&c.arguments, Reg(arr))?;
            self.cur_span = c.span.start;
            self.emit(Op::SuperCall {
                dst,
                args: Reg(arr),
            });
            // bind this (throws if already bound), then run field initialisers
            let t = self.alloc();
            self.load_var_raw("%this", Reg(t));
            let k = self.kstr("Super constructor may only be called once");
            self.emit(Op::ThrowIfBound { src: Reg(t), k });
            self.store_var("%this", dst, true);
            self.emit(Op::InitFields { this: dst });
            return Ok(());
        }
        let base = self.alloc_n(2 + if has_spread { 1 } else { argc });
        self.callee_and_this(&c.callee, Reg(base), nullish.as_deref_mut())?;
        if c.optional
            && let Some(n) = nullish
        {
            n.push(self.emit(Op::JumpIfNullish {
                src: Reg(base),
                to: Jump(0),
            }));
        }
        if has_spread {
            self.spread_args(&c.arguments, Reg(base + 2))?;
            self.cur_span = c.span.start;
            self.emit(Op::CallSpread {
                dst,
                func: Reg(base),
                args: Reg(base + 2),
            });
        } else {
            for (i, a) in c.arguments.iter().enumerate() {
                self.expr(a.as_expression().expect("arg"), Reg(base + 2 + i as u16))?;
            }
            self.cur_span = c.span.start;
            self.emit(Op::Call {
                dst,
                func: Reg(base),
                argc: Argc(argc),
            });
        }
        Ok(())
    }

    /// Loads a binding without a TDZ check (empty stays empty).
    fn load_var_raw(&mut self, name: &str, dst: Reg) {
        match self.resolve(name) {
            Resolved::Local(b) => {
                if b.boxed {
                    self.emit(Op::GetCell {
                        dst,
                        cell: Reg(b.reg),
                    });
                } else {
                    self.emit(Op::Mov {
                        dst,
                        src: Reg(b.reg),
                    });
                }
            }
            Resolved::Cap(i, _) => {
                self.emit(Op::GetCap { dst, idx: Cap(i) });
            }
            Resolved::Global => {
                self.emit(Op::LoadThis { dst });
            }
        }
    }

    fn object(&mut self, o: &'a ObjectExpression<'a>, dst: Reg) -> R<()> {
        let obj = self.alloc();
        self.emit(Op::NewObject { dst: Reg(obj) });
        let k = self.alloc();
        let v = self.alloc();
        for p in &o.properties {
            match p {
                ObjectPropertyKind::SpreadProperty(s) => {
                    self.expr(&s.argument, Reg(v))?;
                    self.emit(Op::CopyProps {
                        dst: Reg(obj),
                        src: Reg(v),
                        excl: Reg(k),
                        n: Argc(0),
                    });
                }
                ObjectPropertyKind::ObjectProperty(p) => {
                    // __proto__: value sets the prototype
                    if !p.computed
                        && !p.shorthand
                        && !p.method
                        && p.kind == PropertyKind::Init
                        && prop_key_is(&p.key, "__proto__")
                    {
                        self.expr(&p.value, Reg(v))?;
                        self.load_str(Reg(k), "__proto__");
                        self.emit(Op::SetElem {
                            obj: Reg(obj),
                            key: Reg(k),
                            src: Reg(v),
                        });
                        continue;
                    }
                    self.prop_key(&p.key, p.computed, Reg(k))?;
                    match p.kind {
                        PropertyKind::Init => {
                            if p.method {
                                if let Expression::FunctionExpression(f) = &p.value {
                                    self.method(f, Reg(v), FnKind::Method)?;
                                    self.emit(Op::SetHome {
                                        f: Reg(v),
                                        obj: Reg(obj),
                                    });
                                    self.emit(Op::SetFnName {
                                        f: Reg(v),
                                        key: Reg(k),
                                        prefix: Imm(0),
                                    });
                                }
                            } else if is_anonymous_fn(&p.value) {
                                self.expr(&p.value, Reg(v))?;
                                self.emit(Op::SetFnName {
                                    f: Reg(v),
                                    key: Reg(k),
                                    prefix: Imm(0),
                                });
                            } else {
                                self.expr(&p.value, Reg(v))?;
                            }
                            self.emit(Op::DefineField {
                                obj: Reg(obj),
                                key: Reg(k),
                                src: Reg(v),
                            });
                        }
                        PropertyKind::Get | PropertyKind::Set => {
                            if let Expression::FunctionExpression(f) = &p.value {
                                self.method(f, Reg(v), FnKind::Method)?;
                            }
                            let kind = if p.kind == PropertyKind::Get { 1 } else { 2 };
                            self.emit(Op::SetHome {
                                f: Reg(v),
                                obj: Reg(obj),
                            });
                            self.emit(Op::SetFnName {
                                f: Reg(v),
                                key: Reg(k),
                                prefix: Imm(kind),
                            });
                            self.emit(Op::DefineAccessor {
                                obj: Reg(obj),
                                key: Reg(k),
                                src: Reg(v),
                                kind: Imm(kind),
                            });
                        }
                    }
                }
            }
        }
        self.emit(Op::Mov { dst, src: Reg(obj) });
        Ok(())
    }

    // ----- functions and classes ------------------------------------------------

    fn function(&mut self, f: &'a Function<'a>, dst: Reg, name: Option<&str>) -> R<()> {
        let kind = FnKind::Normal;
        let own_name = f.id.as_ref().map(|i| i.name.to_string());
        let nm = own_name
            .clone()
            .or(name.map(String::from))
            .unwrap_or_default();
        let self_name = if f.r#type == FunctionType::FunctionExpression {
            own_name
        } else {
            None
        };
        let code = self.compile_fn(
            &nm,
            kind,
            f.generator,
            f.r#async,
            &f.params,
            FnBody::Block(f.body.as_deref()),
            self_name.as_deref(),
            f.span,
            None,
        )?;
        self.emit_closure(code, dst);
        Ok(())
    }

    fn method(&mut self, f: &'a Function<'a>, dst: Reg, kind: FnKind) -> R<()> {
        let code = self.compile_fn(
            "",
            kind,
            f.generator,
            f.r#async,
            &f.params,
            FnBody::Block(f.body.as_deref()),
            None,
            f.span,
            None,
        )?;
        self.emit_closure(code, dst);
        Ok(())
    }

    fn arrow(&mut self, a: &'a ArrowFunctionExpression<'a>, dst: Reg, name: Option<&str>) -> R<()> {
        let body = match &a.body {
            ArrowFunctionBody::FunctionBody(b) => FnBody::Block(Some(b)),
            other => FnBody::Expr(other.as_expression().expect("arrow body")),
        };
        let code = self.compile_fn(
            name.unwrap_or(""),
            FnKind::Arrow,
            false,
            a.r#async,
            &a.params,
            body,
            None,
            a.span,
            None,
        )?;
        self.emit_closure(code, dst);
        Ok(())
    }

    fn emit_closure(&mut self, code: Code, dst: Reg) {
        let f = self.f();
        f.code.funcs.push(Rc::new(code));
        let i = f.code.funcs.len() as u32 - 1;
        self.emit(Op::Closure { dst, f: FnIdx(i) });
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_fn(
        &mut self,
        name: &str,
        kind: FnKind,
        is_gen: bool,
        is_async: bool,
        params: &'a FormalParameters<'a>,
        body: FnBody<'a>,
        self_name: Option<&str>,
        span: Span,
        class_fields: Option<&'a ClassBody<'a>>,
    ) -> R<Code> {
        self.enter(span)?;
        let parent_strict = self.f().code.strict;
        let directives_strict = match &body {
            FnBody::Block(Some(b)) => is_strict_directives(&b.directives),
            _ => false,
        };
        let strict = parent_strict
            || directives_strict
            || matches!(kind, FnKind::ClassCtor | FnKind::DerivedCtor);
        let mut st = self.new_fn(name, kind, strict, (span.start, span.end));
        st.code.is_gen = is_gen;
        st.code.is_async = is_async;
        // capture analysis over params and body
        let mut scan = CaptureScan {
            depth: 0,
            arrow_only: vec![],
            names: FxHashSet::default(),
            uses_arguments: false,
            uses_this: false,
        };
        scan.visit_formal_parameters(params);
        match &body {
            FnBody::Block(Some(b)) => scan.visit_function_body(b),
            FnBody::Expr(e) => scan.visit_expression(e),
            FnBody::Block(None) => {}
            FnBody::Stmts(s) => {
                for x in *s {
                    scan.visit_statement(x);
                }
            }
        }
        if let Some(cb) = class_fields {
            for el in &cb.body {
                if let ClassElement::PropertyDefinition(p) = el
                    && !p.r#static
                    && let Some(v) = &p.value
                {
                    scan.visit_expression(v);
                }
            }
        }
        let mut captured = scan.names;
        if kind == FnKind::DerivedCtor {
            // super() may appear inside arrows: keep `this` in a cell.
            captured.insert("%this".into());
        }
        st.captured = captured;
        self.fns.push(st);
        let mut length = 0u32;
        let mut seen_default = false;
        for p in &params.items {
            if p.initializer.is_some() || matches!(p.pattern, BindingPattern::AssignmentPattern(_))
            {
                seen_default = true;
            }
            if !seen_default {
                length += 1;
            }
        }
        self.f().code.length = length;
        let r = self.fn_body(
            kind,
            params,
            body,
            self_name,
            scan.uses_arguments,
            scan.uses_this,
        );
        let st = self.fns.pop().expect("fn state");
        self.leave();
        r?;
        Ok(finish(st))
    }

    fn fn_body(
        &mut self,
        kind: FnKind,
        params: &'a FormalParameters<'a>,
        body: FnBody<'a>,
        self_name: Option<&str>,
        uses_arguments: bool,
        _uses_this: bool,
    ) -> R<()> {
        // Synthetic bindings.
        if kind != FnKind::Arrow {
            if let Some(n) = self_name {
                let b = self.declare(n, BKind::FnName);
                let t = self.alloc();
                self.emit(Op::LoadCallee { dst: Reg(t) });
                if b.boxed {
                    self.emit(Op::SetCell {
                        cell: Reg(b.reg),
                        src: Reg(t),
                    });
                } else {
                    self.emit(Op::Mov {
                        dst: Reg(b.reg),
                        src: Reg(t),
                    });
                }
                self.free_to(t);
            }
            self.push_scope();
            // Declare every synthetic binding before taking the temporary:
            // `free_to(t)` below releases every register from `t` up, so a
            // binding declared after it would lose its register (a captured
            // `new.target` cell was then overwritten by the first parameter).
            let this_b = self.declare("%this", BKind::Var);
            let home_b = self
                .f()
                .captured
                .contains("%home")
                .then(|| self.declare("%home", BKind::Var));
            let nt = self.declare("%nt", BKind::Var);
            let args_b = uses_arguments.then(|| self.declare("%args", BKind::Var));
            let t = self.alloc();
            if kind == FnKind::DerivedCtor {
                self.emit(Op::LoadEmpty { dst: Reg(t) });
            } else {
                self.emit(Op::LoadThis { dst: Reg(t) });
            }
            self.set_binding(this_b, Reg(t));
            if let Some(b) = home_b {
                self.emit(Op::LoadHome { dst: Reg(t) });
                self.set_binding(b, Reg(t));
            }
            self.emit(Op::LoadNewTarget { dst: Reg(t) });
            self.set_binding(nt, Reg(t));
            if let Some(b) = args_b {
                self.emit(Op::LoadArguments { dst: Reg(t) });
                self.set_binding(b, Reg(t));
            }
            self.free_to(t);
        }
        // Parameters.
        let simple = params.items.iter().all(|p| {
            matches!(p.pattern, BindingPattern::BindingIdentifier(_)) && p.initializer.is_none()
        }) && params.rest.is_none();
        let mut pnames = Vec::new();
        for p in &params.items {
            pattern_names(&p.pattern, &mut pnames);
        }
        if let Some(r) = &params.rest {
            pattern_names(&r.rest.argument, &mut pnames);
        }
        let pkind = if simple { BKind::Var } else { BKind::Let };
        for n in &pnames {
            self.declare(n, pkind);
        }
        let t = self.alloc();
        for (i, p) in params.items.iter().enumerate() {
            self.emit(Op::LoadArg {
                dst: Reg(t),
                i: Imm(i as i32),
            });
            if let Some(init) = &p.initializer {
                let j = self.emit(Op::JumpIfNotUndef {
                    src: Reg(t),
                    to: Jump(0),
                });
                if let BindingPattern::BindingIdentifier(id) = &p.pattern {
                    self.named_expr(init, Reg(t), &id.name)?;
                } else {
                    self.expr(init, Reg(t))?;
                }
                self.patch_here(j);
            }
            self.bind_pattern(&p.pattern, Reg(t), true)?;
        }
        if let Some(r) = &params.rest {
            self.emit(Op::LoadRest {
                dst: Reg(t),
                from: Imm(params.items.len() as i32),
            });
            self.bind_pattern(&r.rest.argument, Reg(t), true)?;
        }
        self.free_to(t);
        if kind == FnKind::ClassCtor {
            let t = self.alloc();
            self.emit(Op::LoadThis { dst: Reg(t) });
            self.emit(Op::InitFields { this: Reg(t) });
            self.free_to(t);
        }
        // Body scope: vars (distinct from params when parameters are not simple), functions, lexicals.
        let stmts: &'a [Statement<'a>] = match &body {
            FnBody::Block(Some(b)) => &b.statements,
            FnBody::Stmts(s) => s,
            _ => &[],
        };
        self.push_scope();
        let mut vars = Vec::new();
        for s in stmts {
            collect_vars(s, &mut vars);
        }
        for v in &vars {
            if v == "arguments" && uses_arguments {
                // `var arguments` keeps the arguments object as its value
                let b = self.declare(v, BKind::Var);
                let t = self.alloc();
                self.load_var("%args", Reg(t), Span::default(), false);
                self.set_binding(b, Reg(t));
                self.free_to(t);
                continue;
            }
            let in_params = pnames.contains(v);
            let b = self.declare(v, BKind::Var);
            if in_params {
                // copy the parameter value into the var binding of the body scope
                let t = self.alloc();
                self.f().scopes.last_mut().expect("scope").names.remove(v);
                self.load_var(v, Reg(t), Span::default(), false);
                self.f()
                    .scopes
                    .last_mut()
                    .expect("scope")
                    .names
                    .insert(v.clone(), b);
                self.set_binding(b, Reg(t));
                self.free_to(t);
            }
        }
        if self.f().code.is_gen || self.f().code.is_async && !self.f().code.is_gen {
            // generators suspend after argument binding; async functions start eagerly
        }
        if self.f().code.is_gen {
            self.emit(Op::GenStart);
        }
        match body {
            FnBody::Expr(e) => {
                let r = self.alloc();
                self.expr(e, Reg(r))?;
                self.emit(Op::Return { src: Reg(r) });
            }
            _ => {
                self.hoist_block(stmts)?;
                self.statements(stmts, false)?;
                let r = self.alloc();
                if kind == FnKind::DerivedCtor {
                    self.load_var("%this", Reg(r), Span::default(), false);
                } else {
                    self.emit(Op::LoadUndef { dst: Reg(r) });
                }
                self.emit(Op::Return { src: Reg(r) });
            }
        }
        Ok(())
    }

    fn set_binding(&mut self, b: Binding, v: Reg) {
        if b.boxed {
            self.emit(Op::SetCell {
                cell: Reg(b.reg),
                src: v,
            });
        } else {
            self.emit(Op::Mov {
                dst: Reg(b.reg),
                src: v,
            });
        }
    }

    fn class(&mut self, c: &'a Class<'a>, dst: Reg, name: Option<&str>) -> R<()> {
        let mark = self.f().next;
        let cname =
            c.id.as_ref()
                .map(|i| i.name.to_string())
                .or(name.map(String::from))
                .unwrap_or_default();
        self.push_scope();
        let saved_strict = self.f().code.strict;
        self.f().code.strict = true;
        // class-scope bindings: the inner name, private names, computed field keys
        if let Some(id) = &c.id {
            self.force_boxed_declare(&id.name, BKind::Const);
        }
        let mut privates = Vec::new();
        for el in &c.body.body {
            let key = match el {
                ClassElement::MethodDefinition(m) => Some(&m.key),
                ClassElement::PropertyDefinition(p) => Some(&p.key),
                ClassElement::AccessorProperty(a) => Some(&a.key),
                _ => None,
            };
            if let Some(PropertyKey::PrivateIdentifier(p)) = key {
                let n = format!("#{}", p.name);
                if !privates.contains(&n) {
                    privates.push(n);
                }
            }
        }
        let t = self.alloc();
        for n in &privates {
            let b = self.force_boxed_declare(n, BKind::Const);
            let k = self.kstr(n);
            self.emit(Op::NewPrivate { dst: Reg(t), k });
            self.set_binding(b, Reg(t));
        }
        let sup = self.alloc();
        let has_heritage = c.heritage.is_some();
        if let Some(h) = &c.heritage {
            self.expr(&h.expression, Reg(sup))?;
        }
        // field keys evaluated at class definition time
        let mut field_keys = Vec::new();
        let ctor_def = c.body.body.iter().find_map(|el| match el {
            ClassElement::MethodDefinition(m) if m.kind == MethodDefinitionKind::Constructor => {
                Some(m)
            }
            _ => None,
        });
        let kind = if has_heritage {
            FnKind::DerivedCtor
        } else {
            FnKind::ClassCtor
        };
        let ctor = self.alloc();
        let code = match ctor_def {
            Some(m) => self.compile_fn(
                &cname,
                kind,
                false,
                false,
                &m.value.params,
                FnBody::Block(m.value.body.as_deref()),
                None,
                c.span,
                None,
            )?,
            None => self.default_ctor(&cname, kind, c.span)?,
        };
        self.emit_closure(code, Reg(ctor));
        let proto = self.alloc();
        self.emit(Op::MakeClass {
            dst: Reg(proto),
            ctor: Reg(ctor),
            sup: Reg(sup),
            flags: Imm(has_heritage as i32),
        });
        let k = self.alloc();
        let v = self.alloc();
        let mut statics: Vec<&'a ClassElement<'a>> = Vec::new();
        let mut instance_fields: Vec<(&'a PropertyDefinition<'a>, Option<String>)> = Vec::new();
        let mut private_methods: Vec<&'a MethodDefinition<'a>> = Vec::new();
        for el in &c.body.body {
            match el {
                ClassElement::MethodDefinition(m) => {
                    if m.kind == MethodDefinitionKind::Constructor {
                        continue;
                    }
                    if let PropertyKey::PrivateIdentifier(_) = &m.key
                        && !m.r#static
                    {
                        private_methods.push(m);
                        continue;
                    }
                    let target = if m.r#static { ctor } else { proto };
                    self.prop_key(&m.key, m.computed, Reg(k))?;
                    self.method(&m.value, Reg(v), FnKind::Method)?;
                    self.emit(Op::SetHome {
                        f: Reg(v),
                        obj: Reg(target),
                    });
                    let kind = match m.kind {
                        MethodDefinitionKind::Get => 1,
                        MethodDefinitionKind::Set => 2,
                        _ => 0,
                    };
                    self.emit(Op::SetFnName {
                        f: Reg(v),
                        key: Reg(k),
                        prefix: Imm(kind),
                    });
                    if kind == 0 {
                        self.emit(Op::DefineMethod {
                            obj: Reg(target),
                            key: Reg(k),
                            src: Reg(v),
                        });
                    } else {
                        self.emit(Op::DefineAccessor {
                            obj: Reg(target),
                            key: Reg(k),
                            src: Reg(v),
                            kind: Imm(kind + 4),
                        });
                    }
                }
                ClassElement::PropertyDefinition(p) => {
                    let key_name = if p.computed {
                        let n = format!("%fk{}", field_keys.len());
                        field_keys.push(n.clone());
                        let b = self.force_boxed_declare(&n, BKind::Var);
                        self.prop_key(&p.key, true, Reg(k))?;
                        self.set_binding(b, Reg(k));
                        Some(n)
                    } else {
                        None
                    };
                    if p.r#static {
                        statics.push(el);
                        if let Some(n) = key_name {
                            // remember for the static initialiser
                            let _ = n;
                        }
                    } else {
                        instance_fields.push((p, key_name));
                    }
                }
                ClassElement::StaticBlock(_) => statics.push(el),
                ClassElement::AccessorProperty(a) => {
                    return self.err("class accessor properties are not supported", a.span);
                }
                _ => {}
            }
        }
        // instance field initialiser: a method run with this = the new object
        if !instance_fields.is_empty() || !private_methods.is_empty() {
            let code = self.field_init_fn(&instance_fields, &private_methods, c.span)?;
            self.emit_closure(code, Reg(v));
            self.emit(Op::SetHome {
                f: Reg(v),
                obj: Reg(proto),
            });
            self.emit(Op::SetFields {
                ctor: Reg(ctor),
                init: Reg(v),
            });
        }
        if let Some(id) = &c.id {
            self.store_var(&id.name, Reg(ctor), true);
        }
        // static fields and blocks, in order, with this = the constructor
        if !statics.is_empty() {
            let code = self.static_init_fn(&statics, c.span, &field_keys, &c.body.body)?;
            let base = self.alloc_n(2);
            self.emit_closure(code, Reg(base));
            self.emit(Op::SetHome {
                f: Reg(base),
                obj: Reg(ctor),
            });
            self.emit(Op::Mov {
                dst: Reg(base + 1),
                src: Reg(ctor),
            });
            self.emit(Op::Call {
                dst: Reg(v),
                func: Reg(base),
                argc: Argc(0),
            });
        }
        self.emit(Op::Mov {
            dst,
            src: Reg(ctor),
        });
        self.f().code.strict = saved_strict;
        self.pop_scope();
        self.free_to(mark);
        Ok(())
    }

    fn force_boxed_declare(&mut self, name: &str, kind: BKind) -> Binding {
        self.f().captured.insert(name.to_string());
        self.declare(name, kind)
    }

    fn default_ctor(&mut self, name: &str, kind: FnKind, span: Span) -> R<Code> {
        // constructor(...args) { super(...args); } for derived classes; empty otherwise.
        let mut st = self.new_fn(name, kind, true, (span.start, span.end));
        st.captured.insert("%this".into());
        self.fns.push(st);
        let r: R<()> = (|| {
            self.push_scope();
            let this_b = self.declare("%this", BKind::Var);
            let t = self.alloc();
            if kind == FnKind::DerivedCtor {
                self.emit(Op::LoadEmpty { dst: Reg(t) });
                self.set_binding(this_b, Reg(t));
                let arr = self.alloc();
                self.emit(Op::LoadRest {
                    dst: Reg(arr),
                    from: Imm(0),
                });
                self.emit(Op::SuperCall {
                    dst: Reg(t),
                    args: Reg(arr),
                });
                self.set_binding(this_b, Reg(t));
                self.emit(Op::InitFields { this: Reg(t) });
            } else {
                self.emit(Op::LoadThis { dst: Reg(t) });
                self.set_binding(this_b, Reg(t));
                self.emit(Op::InitFields { this: Reg(t) });
            }
            self.emit(Op::Return { src: Reg(t) });
            Ok(())
        })();
        let st = self.fns.pop().expect("fn state");
        r?;
        Ok(finish(st))
    }

    fn field_init_fn(
        &mut self,
        fields: &[(&'a PropertyDefinition<'a>, Option<String>)],
        private_methods: &[&'a MethodDefinition<'a>],
        span: Span,
    ) -> R<Code> {
        let mut st = self.new_fn("", FnKind::Method, true, (span.start, span.end));
        let mut scan = CaptureScan {
            depth: 0,
            arrow_only: vec![],
            names: FxHashSet::default(),
            uses_arguments: false,
            uses_this: false,
        };
        for (p, _) in fields {
            if let Some(v) = &p.value {
                scan.visit_expression(v);
            }
        }
        st.captured = scan.names;
        self.fns.push(st);
        let r: R<()> = (|| {
            self.push_scope();
            let this_b = self.declare("%this", BKind::Var);
            let th = self.alloc();
            self.emit(Op::LoadThis { dst: Reg(th) });
            self.set_binding(this_b, Reg(th));
            if self.f().captured.contains("%home") {
                let b = self.declare("%home", BKind::Var);
                let t = self.alloc();
                self.emit(Op::LoadHome { dst: Reg(t) });
                self.set_binding(b, Reg(t));
            }
            let nt = self.declare("%nt", BKind::Var);
            let t = self.alloc();
            self.emit(Op::LoadUndef { dst: Reg(t) });
            self.set_binding(nt, Reg(t));
            let k = self.alloc();
            let v = self.alloc();
            for m in private_methods {
                self.prop_key(&m.key, false, Reg(k))?;
                self.method(&m.value, Reg(v), FnKind::Method)?;
                self.emit(Op::SetHome {
                    f: Reg(v),
                    obj: Reg(th),
                });
                let kind = match m.kind {
                    MethodDefinitionKind::Get => 5,
                    MethodDefinitionKind::Set => 6,
                    _ => 0,
                };
                self.emit(Op::SetFnName {
                    f: Reg(v),
                    key: Reg(k),
                    prefix: Imm(kind % 4),
                });
                if kind == 0 {
                    self.emit(Op::DefineMethod {
                        obj: Reg(th),
                        key: Reg(k),
                        src: Reg(v),
                    });
                } else {
                    self.emit(Op::DefineAccessor {
                        obj: Reg(th),
                        key: Reg(k),
                        src: Reg(v),
                        kind: Imm(kind),
                    });
                }
            }
            for (p, key_name) in fields {
                match key_name {
                    Some(n) => self.load_var(n, Reg(k), p.span, false),
                    None => self.prop_key(&p.key, false, Reg(k))?,
                }
                match &p.value {
                    Some(e) => {
                        self.expr(e, Reg(v))?;
                        if is_anonymous_fn(e) {
                            self.emit(Op::SetFnName {
                                f: Reg(v),
                                key: Reg(k),
                                prefix: Imm(0),
                            });
                        }
                    }
                    None => {
                        self.emit(Op::LoadUndef { dst: Reg(v) });
                    }
                }
                self.emit(Op::DefineField {
                    obj: Reg(th),
                    key: Reg(k),
                    src: Reg(v),
                });
            }
            self.emit(Op::Return { src: Reg(th) });
            Ok(())
        })();
        let st = self.fns.pop().expect("fn state");
        r?;
        Ok(finish(st))
    }

    fn static_init_fn(
        &mut self,
        statics: &[&'a ClassElement<'a>],
        span: Span,
        _field_keys: &[String],
        all: &'a [ClassElement<'a>],
    ) -> R<Code> {
        let mut st = self.new_fn("", FnKind::Method, true, (span.start, span.end));
        let mut scan = CaptureScan {
            depth: 0,
            arrow_only: vec![],
            names: FxHashSet::default(),
            uses_arguments: false,
            uses_this: false,
        };
        for el in statics {
            match el {
                ClassElement::PropertyDefinition(p) => {
                    if let Some(v) = &p.value {
                        scan.visit_expression(v);
                    }
                }
                ClassElement::StaticBlock(b) => {
                    for s in &b.body {
                        scan.visit_statement(s);
                    }
                }
                _ => {}
            }
        }
        st.captured = scan.names;
        self.fns.push(st);
        // computed keys: find each static field's key binding by position among computed fields
        let mut key_index: FxHashMap<*const PropertyDefinition, String> = FxHashMap::default();
        let mut n = 0;
        for el in all {
            if let ClassElement::PropertyDefinition(p) = el
                && p.computed
            {
                key_index.insert(&**p as *const _, format!("%fk{n}"));
                n += 1;
            }
        }
        let r: R<()> = (|| {
            self.push_scope();
            let this_b = self.declare("%this", BKind::Var);
            let th = self.alloc();
            self.emit(Op::LoadThis { dst: Reg(th) });
            self.set_binding(this_b, Reg(th));
            if self.f().captured.contains("%home") {
                let b = self.declare("%home", BKind::Var);
                let t = self.alloc();
                self.emit(Op::LoadHome { dst: Reg(t) });
                self.set_binding(b, Reg(t));
            }
            let nt = self.declare("%nt", BKind::Var);
            let t = self.alloc();
            self.emit(Op::LoadUndef { dst: Reg(t) });
            self.set_binding(nt, Reg(t));
            let k = self.alloc();
            let v = self.alloc();
            for el in statics {
                match el {
                    ClassElement::PropertyDefinition(p) => {
                        match key_index.get(&(&**p as *const _)) {
                            Some(n) => {
                                let n = n.clone();
                                self.load_var(&n, Reg(k), p.span, false)
                            }
                            None => self.prop_key(&p.key, false, Reg(k))?,
                        }
                        match &p.value {
                            Some(e) => {
                                self.expr(e, Reg(v))?;
                                if is_anonymous_fn(e) {
                                    self.emit(Op::SetFnName {
                                        f: Reg(v),
                                        key: Reg(k),
                                        prefix: Imm(0),
                                    });
                                }
                            }
                            None => {
                                self.emit(Op::LoadUndef { dst: Reg(v) });
                            }
                        }
                        self.emit(Op::DefineField {
                            obj: Reg(th),
                            key: Reg(k),
                            src: Reg(v),
                        });
                    }
                    ClassElement::StaticBlock(b) => {
                        // a static block is its own var scope
                        self.push_scope();
                        let mut vars = Vec::new();
                        for s in &b.body {
                            collect_vars(s, &mut vars);
                        }
                        for n in &vars {
                            self.declare(n, BKind::Var);
                        }
                        self.block(&b.body)?;
                        self.pop_scope();
                    }
                    _ => {}
                }
            }
            self.emit(Op::Return { src: Reg(th) });
            Ok(())
        })();
        let st = self.fns.pop().expect("fn state");
        r?;
        Ok(finish(st))
    }
}

enum FnBody<'a> {
    Block(Option<&'a FunctionBody<'a>>),
    Expr(&'a Expression<'a>),
    #[allow(dead_code)]
    Stmts(&'a [Statement<'a>]),
}

#[derive(Clone, Copy)]
enum Resolved {
    Local(Binding),
    Cap(u16, BKind),
    Global,
}

fn finish(st: FnState) -> Code {
    let mut code = st.code;
    code.captures = st.caps.iter().map(|c| c.1).collect();
    if code.nregs < st.next {
        code.nregs = st.next;
    }
    code
}

fn is_anonymous_fn(e: &Expression) -> bool {
    match e {
        Expression::FunctionExpression(f) => f.id.is_none(),
        Expression::ArrowFunctionExpression(_) => true,
        Expression::ClassExpression(c) => c.id.is_none(),
        Expression::ParenthesizedExpression(p) => is_anonymous_fn(&p.expression),
        _ => false,
    }
}

fn prop_key_is(k: &PropertyKey, name: &str) -> bool {
    match k {
        PropertyKey::StaticIdentifier(id) => id.name == name,
        PropertyKey::StringLiteral(s) => s.value == name,
        _ => false,
    }
}

fn parse_bigint(s: &str) -> num_bigint::BigInt {
    let t = s.trim_end_matches('n').replace('_', "");
    let (radix, digits) = if let Some(r) = t.strip_prefix("0x").or(t.strip_prefix("0X")) {
        (16, r.to_string())
    } else if let Some(r) = t.strip_prefix("0o").or(t.strip_prefix("0O")) {
        (8, r.to_string())
    } else if let Some(r) = t.strip_prefix("0b").or(t.strip_prefix("0B")) {
        (2, r.to_string())
    } else {
        (10, t.clone())
    };
    num_bigint::BigInt::parse_bytes(digits.as_bytes(), radix).unwrap_or_default()
}

/// oxc encodes lone surrogates in string literal values as `\u{FFFD}` followed
/// by four hex digits; decode them back to code units.
fn decode_lone_surrogates(s: &str) -> Vec<u16> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{FFFD}' {
            let hex: String = chars.clone().take(4).collect();
            if hex.len() == 4
                && let Ok(v) = u16::from_str_radix(&hex, 16)
            {
                for _ in 0..4 {
                    chars.next();
                }
                if hex == "fffd" {
                    out.push(0xFFFD);
                } else {
                    out.push(v);
                }
                continue;
            }
        }
        let mut buf = [0u16; 2];
        out.extend_from_slice(c.encode_utf16(&mut buf));
    }
    out
}

/// Names bound by a pattern.
fn pattern_names(p: &BindingPattern, out: &mut Vec<String>) {
    match p {
        BindingPattern::BindingIdentifier(id) => out.push(id.name.to_string()),
        BindingPattern::AssignmentPattern(a) => pattern_names(&a.left, out),
        BindingPattern::ObjectPattern(o) => {
            for prop in &o.properties {
                pattern_names(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                pattern_names(&r.argument, out);
            }
        }
        BindingPattern::ArrayPattern(a) => {
            for el in a.elements.iter().flatten() {
                pattern_names(el, out);
            }
            if let Some(r) = &a.rest {
                pattern_names(&r.argument, out);
            }
        }
    }
}

/// `var` names declared by a statement (not entering nested functions).
fn collect_vars(s: &Statement, out: &mut Vec<String>) {
    let push = |names: Vec<String>, out: &mut Vec<String>| {
        for n in names {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    };
    match s {
        Statement::VariableDeclaration(vd) if vd.kind == VariableDeclarationKind::Var => {
            let mut names = Vec::new();
            for d in &vd.declarations {
                pattern_names(&d.id, &mut names);
            }
            push(names, out);
        }
        Statement::BlockStatement(b) => b.body.iter().for_each(|s| collect_vars(s, out)),
        Statement::IfStatement(i) => {
            collect_vars(&i.consequent, out);
            if let Some(a) = &i.alternate {
                collect_vars(a, out);
            }
        }
        Statement::ForStatement(f) => {
            if let Some(ForStatementInit::VariableDeclaration(vd)) = &f.init
                && vd.kind == VariableDeclarationKind::Var
            {
                let mut names = Vec::new();
                for d in &vd.declarations {
                    pattern_names(&d.id, &mut names);
                }
                push(names, out);
            }
            collect_vars(&f.body, out);
        }
        Statement::ForInStatement(f) => {
            if let ForStatementLeft::VariableDeclaration(vd) = &f.left
                && vd.kind == VariableDeclarationKind::Var
            {
                let mut names = Vec::new();
                for d in &vd.declarations {
                    pattern_names(&d.id, &mut names);
                }
                push(names, out);
            }
            collect_vars(&f.body, out);
        }
        Statement::ForOfStatement(f) => {
            if let ForStatementLeft::VariableDeclaration(vd) = &f.left
                && vd.kind == VariableDeclarationKind::Var
            {
                let mut names = Vec::new();
                for d in &vd.declarations {
                    pattern_names(&d.id, &mut names);
                }
                push(names, out);
            }
            collect_vars(&f.body, out);
        }
        Statement::WhileStatement(w) => collect_vars(&w.body, out),
        Statement::DoWhileStatement(w) => collect_vars(&w.body, out),
        Statement::LabeledStatement(l) => collect_vars(&l.body, out),
        Statement::TryStatement(t) => {
            t.block.body.iter().for_each(|s| collect_vars(s, out));
            if let Some(h) = &t.handler {
                h.body.body.iter().for_each(|s| collect_vars(s, out));
            }
            if let Some(f) = &t.finalizer {
                f.body.iter().for_each(|s| collect_vars(s, out));
            }
        }
        Statement::SwitchStatement(sw) => {
            for c in &sw.cases {
                c.consequent.iter().for_each(|s| collect_vars(s, out));
            }
        }
        Statement::ExportDeclaration(e) => {
            if let Declaration::VariableDeclaration(vd) = &e.declaration
                && vd.kind == VariableDeclarationKind::Var
            {
                let mut names = Vec::new();
                for d in &vd.declarations {
                    pattern_names(&d.id, &mut names);
                }
                push(names, out);
            }
        }
        _ => {}
    }
}

use oxc_span::{GetSpan, Span};
