//! The FHIRPath syntax tree: expressions in an index arena, each with a span.
//!
//! Node docs open with a source example, as in oxc. Names are kept as text
//! here; the compiler interns them.

use kiln_core::{Arena, Idx, Span};

/// Index of an expression node in an [`Ast`].
pub type ExprId = Idx<Expr>;

/// A parsed expression tree. `root` is `None` only when parsing failed before
/// any expression was read.
#[derive(Debug, Default, Clone)]
pub struct Ast {
    /// All nodes; children are referred to by [`ExprId`].
    pub exprs: Arena<Expr>,
    /// The whole expression.
    pub root: Option<ExprId>,
}

impl Ast {
    /// The node at `id`.
    pub fn get(&self, id: ExprId) -> &Expr {
        &self.exprs[id]
    }

    /// The direct sub-expressions of `id`, in source order.
    pub fn children(&self, id: ExprId) -> Vec<ExprId> {
        match &self.exprs[id].kind {
            ExprKind::Literal(_)
            | ExprKind::Identifier(_)
            | ExprKind::This
            | ExprKind::Index
            | ExprKind::Total
            | ExprKind::EnvVar(_) => Vec::new(),
            ExprKind::Member { target, .. } => vec![*target],
            ExprKind::Function { target, args, .. } => {
                target.iter().chain(args.iter()).copied().collect()
            }
            ExprKind::SortKey { key, .. } => vec![*key],
            ExprKind::Indexer { target, index } => vec![*target, *index],
            ExprKind::Unary { operand, .. } | ExprKind::TypeOp { operand, .. } => vec![*operand],
            ExprKind::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            ExprKind::Paren(inner) => vec![*inner],
            ExprKind::Instance { fields, .. } => fields.iter().map(|(_, e)| *e).collect(),
        }
    }
}

/// One expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// The source text it covers.
    pub span: Span,
}

/// A literal value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `{}` — the empty collection.
    Empty,
    /// `true`, `false`.
    Boolean(bool),
    /// `'text'` (decoded).
    String(String),
    /// `42` (digits as written; range-checked by the checker).
    Integer(String),
    /// `42L` (digits without the `L`).
    Long(String),
    /// `3.14` (as written).
    Decimal(String),
    /// `@2014-01-25` (text after `@`).
    Date(String),
    /// `@2014-01-25T14:30` (text after `@`).
    DateTime(String),
    /// `@T14:30` (text after `@T`).
    Time(String),
    /// `4.5 'mg'`, `3 days`: the number as written, and the unit — a UCUM
    /// string (`keyword == false`) or a calendar keyword (`keyword == true`).
    Quantity {
        /// The number's text.
        value: String,
        /// The unit text.
        unit: String,
        /// True for `days`, `year`…; false for `'mg'`.
        keyword: bool,
    },
}

/// A possibly qualified type name: `Quantity`, `FHIR.Patient`, `System.String`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeSpec {
    /// `FHIR`, `System`, or `None` when unqualified.
    pub namespace: Option<String>,
    /// The type's name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `+x`
    Plus,
    /// `-x`
    Minus,
}

/// Binary operators, in the spec's terms (§"Operations").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `div`
    IntDiv,
    /// `mod`
    Mod,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `&`
    Concat,
    /// `|`
    Union,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `~`
    Equiv,
    /// `!~`
    NotEquiv,
    /// `in`
    In,
    /// `contains`
    Contains,
    /// `and`
    And,
    /// `or`
    Or,
    /// `xor`
    Xor,
    /// `implies`
    Implies,
}

impl BinaryOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Mul => "*",
            Div => "/",
            IntDiv => "div",
            Mod => "mod",
            Add => "+",
            Sub => "-",
            Concat => "&",
            Union => "|",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "=",
            Ne => "!=",
            Equiv => "~",
            NotEquiv => "!~",
            In => "in",
            Contains => "contains",
            And => "and",
            Or => "or",
            Xor => "xor",
            Implies => "implies",
        }
    }
}

/// `is` or `as` with a type specifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeOp {
    /// `x is T`
    Is,
    /// `x as T`
    As,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `'abc'`, `5 'mg'`, `{}`.
    Literal(Literal),
    /// `name` at the start of a path: a member of `$this`, or a type name
    /// that the context must be an instance of (`Patient.name`).
    Identifier(String),
    /// `target.name`.
    Member {
        /// The expression before the dot.
        target: ExprId,
        /// The member name.
        name: String,
        /// Span of the name alone.
        name_span: Span,
    },
    /// `target.name(args)` or `name(args)` (target `None`: applied to `$this`).
    Function {
        /// The input expression, `None` for a call at the start of a path.
        target: Option<ExprId>,
        /// The function's name.
        name: String,
        /// Span of the name alone.
        name_span: Span,
        /// The arguments as written.
        args: Vec<ExprId>,
    },
    /// `expr desc` / `expr asc` inside `sort(...)`.
    SortKey {
        /// The key selector.
        key: ExprId,
        /// True for `desc`.
        descending: bool,
    },
    /// `$this`.
    This,
    /// `$index`.
    Index,
    /// `$total`.
    Total,
    /// `%name`.
    EnvVar(String),
    /// `target[index]`.
    Indexer {
        /// The collection.
        target: ExprId,
        /// The index expression.
        index: ExprId,
    },
    /// `-x`, `+x`.
    Unary {
        /// Which operator.
        op: UnaryOp,
        /// The operand.
        operand: ExprId,
    },
    /// `a op b`.
    Binary {
        /// Which operator.
        op: BinaryOp,
        /// Left operand.
        lhs: ExprId,
        /// Right operand.
        rhs: ExprId,
    },
    /// `x is T`, `x as T`.
    TypeOp {
        /// Which operator.
        op: TypeOp,
        /// The value tested or cast.
        operand: ExprId,
        /// The type.
        ty: TypeSpec,
    },
    /// `(expr)`.
    Paren(ExprId),
    /// `Quantity { value: 5, unit: 'mg' }` (instance selector, STU).
    Instance {
        /// The type constructed.
        ty: TypeSpec,
        /// `name: value` pairs.
        fields: Vec<(String, ExprId)>,
    },
}
