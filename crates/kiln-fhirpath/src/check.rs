//! Static checks: name resolution, arity, variable scoping and static types
//! (spec §"Type safety and strict evaluation", §"Compile-time checks").
//!
//! The checker walks the tree once, with the type of `$this` known where the
//! caller gave a context type, and records per node: the function it calls,
//! the variable it reads, the type its type specifier names and its static
//! type (a type, or unknown, plus "may hold many items" and "order not
//! defined"). It reports as semantic errors:
//!
//! * unknown functions, wrong argument counts, type-specifier arguments that
//!   are not type names;
//! * undefined `%variables`, `defineVariable` names that redefine a variable
//!   in scope or a system variable, variables used outside their scope;
//! * choice elements written with a type suffix (`Observation.valueQuantity`)
//!   unless polymorphic names are allowed (the suite's `lenient` mode);
//! * string functions applied to an input statically known not to be a
//!   String, an `iif` criterion that can hold several items, date/time
//!   arithmetic with a non-Quantity operand;
//! * in strict mode: paths the model does not define, non-Boolean `iif`
//!   criteria, and order-dependent functions on `children()`/`descendants()`.

use crate::ast::*;
use crate::functions::{ArgKind, Func};
use crate::model::{ElementType, Model, Namespace, TypeId, TypeKind};
use kiln_core::{Diagnostic, Span};

/// What the checker knows of an expression's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SType {
    /// The item type, when known.
    pub ty: Option<TypeId>,
    /// The collection may hold more than one item.
    pub many: bool,
    /// The collection's order is not defined (`children()`, `descendants()`).
    pub unordered: bool,
    /// The collection is always empty (`{}`).
    pub empty: bool,
}

impl SType {
    fn one(t: TypeId) -> SType {
        SType {
            ty: Some(t),
            ..SType::default()
        }
    }
    fn unknown_many() -> SType {
        SType {
            ty: None,
            many: true,
            ..SType::default()
        }
    }
    fn with_many(self, many: bool) -> SType {
        SType { many, ..self }
    }
}

/// How an `%name` reference is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarRef {
    /// A `defineVariable` slot.
    Slot(u16),
    /// A variable supplied by the environment (`%context`, `%resource`, user variables).
    Env(String),
}

/// A type specifier: resolved, or the text of an unknown type (an execution
/// error when reached, as the suite expects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeRef {
    /// A type of the model or the System namespace.
    Known(TypeId),
    /// A name no namespace defines.
    Unknown(String),
    /// A name the explicit namespace (`System.Patient`) does not define: nothing is of that type.
    Nothing(String),
}

/// Per-node results of the checker.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// Static type of the node's result.
    pub ty: SType,
    /// The function a `Function` node calls.
    pub func: Option<Func>,
    /// The variable an `EnvVar` node reads.
    pub var: Option<VarRef>,
    /// The slot a `defineVariable` call writes.
    pub slot: Option<u16>,
    /// The type a `TypeOp`, `ofType`/`is`/`as` call or instance selector names.
    pub type_ref: Option<TypeRef>,
    /// For a root `Identifier` that names a type: that type.
    pub root_type: Option<TypeId>,
    /// For an `Identifier`: the static type of the `$this` it navigates from.
    pub focus: Option<TypeId>,
}

/// Options of a check.
#[derive(Clone, Debug)]
pub struct CheckOptions<'m> {
    /// The FHIR model.
    pub model: &'m Model,
    /// Report paths the model does not define (the suite's `mode="strict"`).
    pub strict: bool,
    /// Accept choice elements written with their type suffix (`valueQuantity`).
    pub lenient_choice: bool,
    /// The type of the context (`%context`, initial `$this`), when known.
    pub context_type: Option<TypeId>,
    /// Names of variables the caller will supply (`--var NAME=…`).
    pub variables: Vec<String>,
}

/// The checker's output.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Per-node info, indexed by `ExprId::raw()`.
    pub info: Vec<Info>,
    /// Number of `defineVariable` slots used.
    pub slots: u16,
    /// Semantic errors.
    pub diagnostics: Vec<Diagnostic>,
}

/// Scope marker for a `defineVariable` whose name is computed at run time.
const DYNAMIC: &str = "*dynamic*";

/// Variables the environment always defines (spec §"Environment variables",
/// FHIR's additions), which `defineVariable` may not redefine.
pub fn is_system_variable(name: &str) -> bool {
    matches!(
        name,
        "context"
            | "resource"
            | "rootResource"
            | "ucum"
            | "sct"
            | "loinc"
            | "terminologies"
            | "factory"
            | "server"
    ) || name.starts_with("vs-")
        || name.starts_with("ext-")
}

#[derive(Clone)]
struct Cx<'v> {
    focus: SType,
    /// `$total` is defined (inside aggregate).
    has_total: bool,
    vars: &'v [(String, u16)],
}

/// Checks `ast` and returns what it found.
pub fn check(ast: &Ast, opts: &CheckOptions<'_>) -> Analysis {
    let mut c = Checker {
        ast,
        opts,
        info: vec![Info::default(); ast.exprs.len()],
        slots: 0,
        diags: Vec::new(),
    };
    if let Some(root) = ast.root {
        let cx = Cx {
            focus: SType {
                ty: opts.context_type,
                ..SType::default()
            },
            has_total: false,
            vars: &[],
        };
        c.expr(root, &cx);
    }
    Analysis {
        info: c.info,
        slots: c.slots,
        diagnostics: c.diags,
    }
}

struct Checker<'a, 'o> {
    ast: &'a Ast,
    opts: &'a CheckOptions<'o>,
    info: Vec<Info>,
    slots: u16,
    diags: Vec<Diagnostic>,
}

struct Out {
    ty: SType,
    /// Variables defined along this invocation chain (visible to what follows the chain).
    defined: Vec<(String, u16)>,
}

impl Out {
    fn plain(ty: SType) -> Out {
        Out {
            ty,
            defined: Vec::new(),
        }
    }
}

impl Checker<'_, '_> {
    fn model(&self) -> &Model {
        self.opts.model
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.diags.push(Diagnostic::error(message, span));
    }

    fn set(&mut self, id: ExprId, ty: SType) -> SType {
        self.info[id.raw() as usize].ty = ty;
        ty
    }

    fn type_label(&self, t: TypeId) -> String {
        let info = self.model().type_info(t);
        match info.namespace {
            Namespace::System => format!("System.{}", info.name),
            Namespace::Fhir => format!("FHIR.{}", info.name),
        }
    }

    fn is_stringish(&self, t: TypeId) -> bool {
        t == TypeId::STRING || self.model().type_info(t).system == Some(TypeId::STRING)
    }

    fn system_of(&self, t: TypeId) -> Option<TypeId> {
        let info = self.model().type_info(t);
        if info.kind == TypeKind::System {
            Some(t)
        } else {
            info.system
        }
    }

    fn resolve_type_spec(&self, spec: &TypeSpec) -> TypeRef {
        match self
            .model()
            .resolve_type(spec.namespace.as_deref(), &spec.name)
        {
            Some(t) => TypeRef::Known(t),
            None => match &spec.namespace {
                Some(ns) if ns == "System" || ns == "FHIR" => {
                    TypeRef::Nothing(format!("{ns}.{}", spec.name))
                }
                Some(ns) => TypeRef::Unknown(format!("{ns}.{}", spec.name)),
                None => TypeRef::Unknown(spec.name.clone()),
            },
        }
    }

    fn expr(&mut self, id: ExprId, cx: &Cx<'_>) -> Out {
        let out = self.expr_inner(id, cx);
        self.set(id, out.ty);
        out
    }

    fn expr_inner(&mut self, id: ExprId, cx: &Cx<'_>) -> Out {
        let e = self.ast.get(id).clone();
        match &e.kind {
            ExprKind::Literal(lit) => Out::plain(self.literal(lit, e.span)),
            ExprKind::This => Out::plain(cx.focus),
            ExprKind::Index => Out::plain(SType::one(TypeId::INTEGER)),
            ExprKind::Total => {
                if !cx.has_total {
                    self.error("$total is only defined inside aggregate()", e.span);
                }
                Out::plain(SType::unknown_many())
            }
            ExprKind::EnvVar(name) => {
                let var = if let Some((_, slot)) = cx.vars.iter().rev().find(|(n, _)| n == name) {
                    Some(VarRef::Slot(*slot))
                } else if is_system_variable(name)
                    || self.opts.variables.iter().any(|v| v == name)
                    || cx.vars.iter().any(|(n, _)| n == DYNAMIC)
                {
                    Some(VarRef::Env(name.clone()))
                } else {
                    self.error(format!("undefined variable %{name}"), e.span);
                    None
                };
                let ty = match name.as_str() {
                    "ucum" | "sct" | "loinc" => SType::one(TypeId::STRING),
                    _ if name.starts_with("vs-") || name.starts_with("ext-") => {
                        SType::one(TypeId::STRING)
                    }
                    "context" => cx_root_type(self.opts),
                    _ => SType::unknown_many(),
                };
                self.info[id.raw() as usize].var = var;
                Out::plain(ty)
            }
            ExprKind::Identifier(name) => {
                let focus = cx.focus;
                self.info[id.raw() as usize].focus = focus.ty;
                let model = self.opts.model;
                let named = model
                    .resolve_type(None, name)
                    .filter(|&t| model.type_info(t).namespace == Namespace::Fhir);
                if let Some(t) = named {
                    let is_resource = model.type_info(t).kind == TypeKind::Resource;
                    if is_resource || focus.ty.is_none_or(|f| model.is_subtype_of(f, t)) {
                        self.info[id.raw() as usize].root_type = Some(t);
                        match focus.ty {
                            None => {
                                return Out::plain(SType {
                                    ty: Some(t),
                                    many: focus.many,
                                    unordered: false,
                                    empty: false,
                                });
                            }
                            Some(f) if model.is_subtype_of(f, t) => return Out::plain(focus),
                            Some(f) => {
                                if self.opts.strict && model.element(f, name).is_none() {
                                    let msg = format!(
                                        "'{name}' is not the context type ({})",
                                        self.type_label(f)
                                    );
                                    self.error(msg, e.span);
                                    return Out::plain(SType::unknown_many());
                                }
                            }
                        }
                    }
                }
                Out::plain(self.member_type(focus, name, e.span))
            }
            ExprKind::Member {
                target,
                name,
                name_span,
            } => {
                let t = self.expr(*target, cx);
                let ty = self.member_type(t.ty, name, *name_span);
                Out {
                    ty,
                    defined: t.defined,
                }
            }
            ExprKind::Function {
                target,
                name,
                name_span,
                args,
            } => self.function(id, *target, name, *name_span, args, cx, e.span),
            ExprKind::SortKey { key, .. } => self.expr(*key, cx),
            ExprKind::Indexer { target, index } => {
                let t = self.expr(*target, cx);
                self.expr(*index, cx);
                if self.opts.strict && t.ty.unordered {
                    self.error("indexing a collection whose order is not defined (children()/descendants())", e.span);
                }
                Out {
                    ty: t.ty.with_many(false),
                    defined: t.defined,
                }
            }
            ExprKind::Unary { operand, .. } => {
                let t = self.expr(*operand, cx).ty;
                Out::plain(t.with_many(false))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(*lhs, cx).ty;
                let b = self.expr(*rhs, cx).ty;
                Out::plain(self.binary(*op, a, b, e.span))
            }
            ExprKind::TypeOp { op, operand, ty } => {
                let t = self.expr(*operand, cx).ty;
                let r = self.resolve_type_spec(ty);
                let result = match (op, &r) {
                    (TypeOp::Is, _) => SType::one(TypeId::BOOLEAN),
                    (TypeOp::As, TypeRef::Known(k)) => SType {
                        ty: Some(*k),
                        many: t.many,
                        unordered: false,
                        empty: false,
                    },
                    (TypeOp::As, TypeRef::Unknown(_) | TypeRef::Nothing(_)) => {
                        SType::unknown_many()
                    }
                };
                self.info[id.raw() as usize].type_ref = Some(r);
                Out::plain(result)
            }
            ExprKind::Paren(inner) => {
                let t = self.expr(*inner, cx);
                Out {
                    ty: t.ty,
                    defined: t.defined,
                }
            }
            ExprKind::Instance { ty, fields } => {
                let r = self.resolve_type_spec(ty);
                if let TypeRef::Unknown(name) = &r {
                    self.error(
                        format!("unknown type '{name}' in instance selector"),
                        ty.span,
                    );
                }
                for (_, f) in fields {
                    self.expr(*f, cx);
                }
                let st = match r {
                    TypeRef::Known(t) => SType::one(t),
                    TypeRef::Unknown(_) | TypeRef::Nothing(_) => SType::default(),
                };
                self.info[id.raw() as usize].type_ref = Some(r);
                Out::plain(st)
            }
        }
    }

    fn literal(&mut self, lit: &Literal, span: Span) -> SType {
        match lit {
            Literal::Empty => SType {
                empty: true,
                ..SType::default()
            },
            Literal::Boolean(_) => SType::one(TypeId::BOOLEAN),
            Literal::String(_) => SType::one(TypeId::STRING),
            Literal::Integer(text) => {
                if text
                    .parse::<i64>()
                    .ok()
                    .is_none_or(|v| v > i64::from(i32::MAX) + 1)
                {
                    self.error(
                        format!(
                            "integer literal {text} is out of range (use a Long literal: {text}L)"
                        ),
                        span,
                    );
                }
                SType::one(TypeId::INTEGER)
            }
            Literal::Long(text) => {
                if text.parse::<i64>().is_err() {
                    self.error(format!("long literal {text}L is out of range"), span);
                }
                SType::one(TypeId::LONG)
            }
            Literal::Decimal(text) => {
                if crate::numeric::parse_decimal(text).is_none() {
                    self.error(format!("decimal literal {text} is out of range"), span);
                }
                SType::one(TypeId::DECIMAL)
            }
            Literal::Date(text) => {
                if crate::temporal::Date::parse(text).is_none() {
                    self.error(format!("invalid date literal @{text}"), span);
                }
                SType::one(TypeId::DATE)
            }
            Literal::DateTime(text) => {
                if crate::temporal::DateTime::parse(text).is_none() {
                    self.error(format!("invalid dateTime literal @{text}"), span);
                }
                SType::one(TypeId::DATETIME)
            }
            Literal::Time(_) => SType::one(TypeId::TIME),
            Literal::Quantity { value, .. } => {
                if crate::numeric::parse_decimal(value).is_none() {
                    self.error(format!("quantity value {value} is out of range"), span);
                }
                SType::one(TypeId::QUANTITY)
            }
        }
    }

    /// The static type of `owner.name`, reporting unknown elements in strict
    /// mode and suffixed choice names unless allowed.
    fn member_type(&mut self, owner: SType, name: &str, span: Span) -> SType {
        let Some(t) = owner.ty else {
            return SType::unknown_many();
        };
        let model = self.opts.model;
        let info = model.type_info(t);
        if info.kind == TypeKind::System {
            if self.opts.strict {
                let msg = format!("{} has no element '{name}'", self.type_label(t));
                self.error(msg, span);
            }
            return SType::unknown_many();
        }
        if let Some(el) = model.element(t, name) {
            let ty = match &el.ty {
                ElementType::Single(x) => Some(*x),
                ElementType::Choice(_) => None,
            };
            return SType {
                ty,
                many: owner.many || el.many,
                unordered: false,
                empty: false,
            };
        }
        if let Some((el, concrete)) = model.json_key(t, name)
            && matches!(el.ty, ElementType::Choice(_))
        {
            if !self.opts.lenient_choice {
                let base = el.name.to_string();
                let msg = format!(
                    "'{name}' is not an element of {}: choice elements are navigated as '{base}' (e.g. {base}.ofType({}))",
                    self.type_label(t),
                    model.type_info(concrete).name
                );
                self.error(msg, span);
            }
            return SType {
                ty: Some(concrete),
                many: owner.many || el.many,
                unordered: false,
                empty: false,
            };
        }
        if self.opts.strict {
            let msg = format!("{} has no element '{name}'", self.type_label(t));
            self.error(msg, span);
        }
        SType::unknown_many()
    }

    #[allow(clippy::too_many_arguments)]
    fn function(
        &mut self,
        id: ExprId,
        target: Option<ExprId>,
        name: &str,
        name_span: Span,
        args: &[ExprId],
        cx: &Cx<'_>,
        span: Span,
    ) -> Out {
        let (input, mut defined) = match target {
            Some(t) => {
                let o = self.expr(t, cx);
                (o.ty, o.defined)
            }
            None => (cx.focus, Vec::new()),
        };
        let Some(func) = Func::by_name(name) else {
            self.error(format!("unknown function '{name}'"), name_span);
            for a in args {
                self.expr(*a, cx);
            }
            return Out {
                ty: SType::unknown_many(),
                defined,
            };
        };
        self.info[id.raw() as usize].func = Some(func);
        let sig = func.signature();
        let required = sig.params.iter().filter(|p| !p.optional).count();
        let max = if sig.variadic {
            usize::MAX
        } else {
            sig.params.len()
        };
        if args.len() < required || args.len() > max {
            let expected = if sig.variadic {
                format!("at least {required}")
            } else if required == sig.params.len() {
                format!("{required}")
            } else {
                format!("{required} to {}", sig.params.len())
            };
            self.error(
                format!(
                    "function '{name}' takes {expected} argument(s) but {} were given",
                    args.len()
                ),
                name_span,
            );
        }
        if func != Func::Sort {
            for a in args {
                if let ExprKind::SortKey { .. } = self.ast.get(*a).kind {
                    self.error("asc/desc is only allowed in sort()", self.ast.get(*a).span);
                }
            }
        }

        // Variables defined by this chain are visible in the arguments.
        let mut scope: Vec<(String, u16)> = cx.vars.to_vec();
        scope.extend(defined.iter().cloned());

        if sig.string_input
            && let Some(t) = input
                .ty
                .filter(|&t| t != TypeId::ANY && !self.is_stringish(t))
        {
            let msg = format!(
                "function '{name}' requires a String input, but the input is {}",
                self.type_label(t)
            );
            self.error(msg, name_span);
        }
        if self.opts.strict
            && input.unordered
            && matches!(
                func,
                Func::First | Func::Last | Func::Tail | Func::Skip | Func::Take | Func::Single
            )
        {
            self.error(format!("'{name}' depends on order, but the order of children()/descendants() is not defined"), name_span);
        }

        let item = input.with_many(false);
        let mut arg_types = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let param = sig.params.get(i).or(if sig.variadic {
                sig.params.last()
            } else {
                None
            });
            let kind = param.map_or(ArgKind::Value, |p| p.kind);
            let t = match kind {
                ArgKind::Value => {
                    let c = Cx {
                        vars: &scope,
                        ..cx.clone()
                    };
                    self.expr(*a, &c).ty
                }
                ArgKind::Lambda => {
                    let c = Cx {
                        focus: SType {
                            unordered: false,
                            ..item
                        },
                        has_total: func == Func::Aggregate || cx.has_total,
                        vars: &scope,
                    };
                    self.expr(*a, &c).ty
                }
                ArgKind::Lazy => {
                    let focus = if func == Func::Iif && target.is_none() {
                        cx.focus
                    } else {
                        input
                    };
                    let c = Cx {
                        focus,
                        vars: &scope,
                        ..cx.clone()
                    };
                    self.expr(*a, &c).ty
                }
                ArgKind::Type => {
                    let r = match self.type_spec_arg(*a) {
                        Some(spec) => self.resolve_type_spec(&spec),
                        None => {
                            self.error(
                                format!("the argument of '{name}' must be a type name"),
                                self.ast.get(*a).span,
                            );
                            TypeRef::Unknown(String::new())
                        }
                    };
                    let t = match &r {
                        TypeRef::Known(t) => SType::one(*t),
                        TypeRef::Unknown(_) | TypeRef::Nothing(_) => SType::default(),
                    };
                    self.info[id.raw() as usize].type_ref = Some(r);
                    t
                }
            };
            arg_types.push(t);
        }

        match func {
            Func::DefineVariable => {
                let var_name = args.first().and_then(|a| match &self.ast.get(*a).kind {
                    ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                    _ => None,
                });
                match var_name {
                    None => {
                        // A computed name: the variable is bound when evaluated and `%names`
                        // that are not otherwise defined are looked up at run time after it.
                        defined.push((DYNAMIC.to_string(), u16::MAX));
                    }
                    Some(v) if is_system_variable(&v) => {
                        self.error(
                            format!("defineVariable cannot redefine the system variable %{v}"),
                            span,
                        );
                    }
                    Some(v) if scope.iter().any(|(n, _)| *n == v) => {
                        self.error(
                            format!("variable %{v} is already defined in this scope"),
                            span,
                        );
                    }
                    Some(v) => {
                        let slot = self.slots;
                        self.slots = self.slots.saturating_add(1);
                        self.info[id.raw() as usize].slot = Some(slot);
                        defined.push((v, slot));
                    }
                }
            }
            Func::Iif => {
                if let Some(crit) = arg_types.first() {
                    if crit.many {
                        self.error("the criterion of iif() must be a single Boolean, but this expression can hold several items", self.ast.get(args[0]).span);
                    } else if self.opts.strict
                        && crit
                            .ty
                            .is_some_and(|t| self.system_of(t) != Some(TypeId::BOOLEAN))
                    {
                        self.error(
                            "the criterion of iif() must be a Boolean",
                            self.ast.get(args[0]).span,
                        );
                    }
                }
            }
            _ => {}
        }
        let ty = self.function_type(func, input, &arg_types);
        Out { ty, defined }
    }

    /// A type-specifier argument written as an identifier or `Namespace.Name`.
    fn type_spec_arg(&self, a: ExprId) -> Option<TypeSpec> {
        let e = self.ast.get(a);
        match &e.kind {
            ExprKind::Identifier(n) => Some(TypeSpec {
                namespace: None,
                name: n.clone(),
                span: e.span,
            }),
            ExprKind::Member { target, name, .. } => match &self.ast.get(*target).kind {
                ExprKind::Identifier(ns) => Some(TypeSpec {
                    namespace: Some(ns.clone()),
                    name: name.clone(),
                    span: e.span,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    fn function_type(&self, f: Func, input: SType, args: &[SType]) -> SType {
        use Func::*;
        let b = SType::one(TypeId::BOOLEAN);
        let i = SType::one(TypeId::INTEGER);
        let s = SType::one(TypeId::STRING);
        match f {
            Empty | Exists | All | AllTrue | AnyTrue | AllFalse | AnyFalse | SubsetOf
            | SupersetOf | IsDistinct | ConvertsToBoolean | ConvertsToInteger | ConvertsToLong
            | ConvertsToDate | ConvertsToDateTime | ConvertsToDecimal | ConvertsToQuantity
            | ConvertsToString | ConvertsToTime | StartsWith | EndsWith | ContainsStr | Matches
            | MatchesFull | HasValue | Comparable | Is | Not | MemberOf | Subsumes | SubsumedBy
            | ConformsTo | HtmlChecks => b,
            Count | Length | IndexOf | LastIndexOf | YearOf | MonthOf | DayOf | HourOf
            | MinuteOf | SecondOf | MillisecondOf | Precision | Duration | Difference => i,
            Where | Distinct | Tail | Skip | Take | Intersect | Exclude | Trace | Sort
            | DefineVariable => input,
            Single | First | Last => input.with_many(false),
            OfType | As => SType {
                ty: args.first().and_then(|t| t.ty),
                many: input.many || f == OfType,
                unordered: input.unordered,
                empty: false,
            },
            Select | Repeat | RepeatAll | Aggregate | Coalesce | Iif | Union | Combine => SType {
                ty: None,
                many: true,
                unordered: false,
                empty: false,
            },
            ToString | Upper | Lower | Replace | Substring | Trim | Encode | Decode | Escape
            | Unescape | Join | ReplaceMatches | GetResourceKey | GetReferenceKey => s,
            ToChars | Split => s.with_many(true),
            ToInteger => i,
            ToLong => SType::one(TypeId::LONG),
            ToDecimal | Exp | Ln | Log | Sqrt | Avg | TimezoneOffsetOf => {
                SType::one(TypeId::DECIMAL)
            }
            ToBoolean => b,
            ToDate | DateOf | Today => SType::one(TypeId::DATE),
            ToDateTime | Now => SType::one(TypeId::DATETIME),
            ToTime | TimeOf | TimeOfDay => SType::one(TypeId::TIME),
            ToQuantity => SType::one(TypeId::QUANTITY),
            Abs | Round | Sum | Min | Max | LowBoundary | HighBoundary | Power => {
                input.with_many(false)
            }
            Ceiling | Floor | Truncate => SType {
                ty: input.ty.map(|t| {
                    if t == TypeId::DECIMAL {
                        TypeId::INTEGER
                    } else {
                        t
                    }
                }),
                many: false,
                unordered: false,
                empty: false,
            },
            Children | Descendants => SType {
                ty: None,
                many: true,
                unordered: true,
                empty: false,
            },
            Extension => SType {
                ty: self.model().resolve_type(Some("FHIR"), "Extension"),
                many: true,
                unordered: false,
                empty: false,
            },
            Resolve | GetValue | Type | ElementDefinition | Slice | CheckModifiers | Pathname => {
                SType::unknown_many()
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, a: SType, b: SType, span: Span) -> SType {
        use BinaryOp::*;
        match op {
            Eq | Ne | Equiv | NotEquiv | Lt | Le | Gt | Ge | In | Contains | And | Or | Xor
            | Implies => SType::one(TypeId::BOOLEAN),
            Union if a.empty => b,
            Union if b.empty => a,
            Union => SType {
                ty: if a.ty == b.ty { a.ty } else { None },
                many: true,
                ..SType::default()
            },
            Concat => SType::one(TypeId::STRING),
            Add | Sub => {
                let sa = a.ty.and_then(|t| self.system_of(t));
                let sb = b.ty.and_then(|t| self.system_of(t));
                if let (Some(x), Some(y)) = (sa, sb) {
                    let temporal =
                        |t: TypeId| matches!(t, TypeId::DATE | TypeId::DATETIME | TypeId::TIME);
                    if temporal(x) && y != TypeId::QUANTITY && y != TypeId::ANY {
                        let msg = format!(
                            "operator '{}' cannot be applied to {} and {}: date/time arithmetic needs a time-valued Quantity",
                            op.symbol(),
                            self.type_label(x),
                            self.type_label(y)
                        );
                        self.error(msg, span);
                    }
                }
                SType {
                    ty: if sa == sb { sa } else { None },
                    many: false,
                    unordered: false,
                    empty: false,
                }
            }
            Mul | Div | IntDiv | Mod => {
                let ty = match op {
                    Div => Some(TypeId::DECIMAL),
                    _ => a.ty.filter(|t| Some(*t) == b.ty),
                };
                SType {
                    ty,
                    many: false,
                    unordered: false,
                    empty: false,
                }
            }
        }
    }
}

fn cx_root_type(opts: &CheckOptions<'_>) -> SType {
    SType {
        ty: opts.context_type,
        ..SType::default()
    }
}
