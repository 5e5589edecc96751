//! The FHIRPath parser: tokens → [`Ast`], a Pratt parser over the grammar of
//! `fhirpath.g4` with the precedence table of spec §"Operator precedence".
//!
//! The parser never fails and never panics: it returns the tree it built and
//! the diagnostics (at most one — parsing stops at the first error, whose
//! span points at the offending token). Nesting is bounded by
//! [`MAX_NESTING`] so that hostile input cannot exhaust the native stack.

use crate::ast::*;
use crate::lexer::{Token, TokenKind, tokenize};
use kiln_core::{Diagnostic, Span};

/// Deepest nesting of sub-expressions the parser accepts (counting every
/// operator, path step and call), so that later recursive passes are bounded.
pub const MAX_NESTING: u32 = 300;

/// What [`parse`] returns: the tree (possibly partial) and its diagnostics.
#[derive(Debug)]
pub struct ParseResult {
    /// The syntax tree; `ast.root` is `Some` when parsing succeeded.
    pub ast: Ast,
    /// Syntax errors (empty on success).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one FHIRPath expression (the grammar's `entireExpression`).
pub fn parse(src: &str) -> ParseResult {
    let tokens = tokenize(src);
    let mut p = Parser {
        tokens,
        pos: 0,
        ast: Ast::default(),
        diagnostics: Vec::new(),
        depth: 0,
        depths: Vec::new(),
    };
    if let Ok(root) = p.parse_entire() {
        p.ast.root = Some(root);
    }
    ParseResult {
        ast: p.ast,
        diagnostics: p.diagnostics,
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    ast: Ast,
    diagnostics: Vec<Diagnostic>,
    depth: u32,
    /// Tree height of each allocated node (index-aligned with `ast.exprs`).
    depths: Vec<u32>,
}

/// Marker for "a diagnostic was recorded"; parsing unwinds to the top.
struct Failed;

type PResult<T> = Result<T, Failed>;

/// Binding powers (higher binds tighter), spec §"Operator precedence".
mod bp {
    pub const IMPLIES: u8 = 1;
    pub const OR: u8 = 2;
    pub const AND: u8 = 3;
    pub const MEMBERSHIP: u8 = 4;
    pub const EQUALITY: u8 = 5;
    pub const INEQUALITY: u8 = 6;
    pub const UNION: u8 = 7;
    pub const TYPE: u8 = 8;
    pub const ADDITIVE: u8 = 9;
    pub const MULTIPLICATIVE: u8 = 10;
    pub const UNARY: u8 = 11;
}

enum Infix {
    Binary(BinaryOp, u8),
    Type(TypeOp),
}

fn describe(t: &Token) -> String {
    match t.kind {
        TokenKind::Eof => "end of input".into(),
        TokenKind::Ident | TokenKind::Integer | TokenKind::Decimal => format!("'{}'", t.text),
        TokenKind::String => "a string".into(),
        TokenKind::DelimitedIdent => format!("`{}`", t.text),
        _ => format!("'{}'", symbol(&t.kind)),
    }
}

fn symbol(k: &TokenKind) -> &'static str {
    use TokenKind::*;
    match k {
        Dot => ".",
        Comma => ",",
        LParen => "(",
        RParen => ")",
        LBracket => "[",
        RBracket => "]",
        LBrace => "{",
        RBrace => "}",
        Colon => ":",
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Amp => "&",
        Pipe => "|",
        Eq => "=",
        Ne => "!=",
        Tilde => "~",
        NotTilde => "!~",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        Long => "long literal",
        Date => "date literal",
        DateTime => "dateTime literal",
        Time => "time literal",
        EnvVar => "%variable",
        Special => "$variable",
        _ => "token",
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.peek().kind == kind
    }

    fn error<T>(&mut self, message: impl Into<String>, span: Span) -> PResult<T> {
        if self.diagnostics.is_empty() {
            self.diagnostics.push(Diagnostic::error(message, span));
        }
        Err(Failed)
    }

    /// Errors with "expected X, found Y" at the current token.
    fn unexpected<T>(&mut self, expected: &str) -> PResult<T> {
        let t = self.peek().clone();
        if t.kind == TokenKind::Error {
            return self.error(t.text.clone(), t.span);
        }
        self.error(
            format!("expected {expected}, found {}", describe(&t)),
            t.span,
        )
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> PResult<Token> {
        if self.at(kind) {
            Ok(self.bump())
        } else {
            self.unexpected(what)
        }
    }

    fn alloc(&mut self, kind: ExprKind, span: Span) -> ExprId {
        let id = self.ast.exprs.alloc(Expr { kind, span });
        let height = 1 + self
            .ast
            .children(id)
            .iter()
            .map(|c| self.depths[c.raw() as usize])
            .max()
            .unwrap_or(0);
        self.depths.push(height);
        id
    }

    /// Fails when the tree under `id` is taller than [`MAX_NESTING`].
    fn check_height(&mut self, id: ExprId) -> PResult<ExprId> {
        if self.depths[id.raw() as usize] > MAX_NESTING {
            let span = self.span_of(id);
            return self.error(
                format!("expression nested more than {MAX_NESTING} levels deep"),
                span,
            );
        }
        Ok(id)
    }

    fn span_of(&self, id: ExprId) -> Span {
        self.ast.exprs[id].span
    }

    fn parse_entire(&mut self) -> PResult<ExprId> {
        let e = self.parse_expr(0)?;
        if !self.at(TokenKind::Eof) {
            return self.unexpected("an operator or the end of the expression");
        }
        Ok(e)
    }

    fn parse_expr(&mut self, min_bp: u8) -> PResult<ExprId> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let span = self.peek().span;
            return self.error(
                format!("expression nested more than {MAX_NESTING} levels deep"),
                span,
            );
        }
        let result = self.parse_expr_inner(min_bp);
        self.depth -= 1;
        result
    }

    fn parse_expr_inner(&mut self, min_bp: u8) -> PResult<ExprId> {
        let mut lhs = self.parse_prefix()?;
        loop {
            lhs = self.check_height(lhs)?;
            // Postfix: `.member`, `.fn()`, `[index]` bind tightest.
            match self.peek().kind {
                TokenKind::Dot => {
                    self.bump();
                    lhs = self.parse_invocation(Some(lhs))?;
                    continue;
                }
                TokenKind::LBracket => {
                    self.bump();
                    let index = self.parse_expr(0)?;
                    let close = self.expect(TokenKind::RBracket, "']'")?;
                    let span = self.span_of(lhs).to(close.span);
                    lhs = self.alloc(ExprKind::Indexer { target: lhs, index }, span);
                    continue;
                }
                TokenKind::LBrace if self.is_type_path(lhs) => {
                    lhs = self.parse_instance(lhs)?;
                    continue;
                }
                _ => {}
            }
            let Some(infix) = self.infix() else { break };
            let power = match infix {
                Infix::Binary(_, p) => p,
                Infix::Type(_) => bp::TYPE,
            };
            if power <= min_bp {
                break;
            }
            self.bump();
            lhs = match infix {
                Infix::Binary(op, p) => {
                    let rhs = self.parse_expr(p)?;
                    let span = self.span_of(lhs).to(self.span_of(rhs));
                    self.alloc(ExprKind::Binary { op, lhs, rhs }, span)
                }
                Infix::Type(op) => {
                    let ty = self.parse_type_spec()?;
                    let span = self.span_of(lhs).to(ty.span);
                    self.alloc(
                        ExprKind::TypeOp {
                            op,
                            operand: lhs,
                            ty,
                        },
                        span,
                    )
                }
            };
        }
        Ok(lhs)
    }

    fn infix(&self) -> Option<Infix> {
        use BinaryOp::*;
        let t = self.peek();
        Some(match t.kind {
            TokenKind::Star => Infix::Binary(Mul, bp::MULTIPLICATIVE),
            TokenKind::Slash => Infix::Binary(Div, bp::MULTIPLICATIVE),
            TokenKind::Plus => Infix::Binary(Add, bp::ADDITIVE),
            TokenKind::Minus => Infix::Binary(Sub, bp::ADDITIVE),
            TokenKind::Amp => Infix::Binary(Concat, bp::ADDITIVE),
            TokenKind::Pipe => Infix::Binary(Union, bp::UNION),
            TokenKind::Lt => Infix::Binary(Lt, bp::INEQUALITY),
            TokenKind::Le => Infix::Binary(Le, bp::INEQUALITY),
            TokenKind::Gt => Infix::Binary(Gt, bp::INEQUALITY),
            TokenKind::Ge => Infix::Binary(Ge, bp::INEQUALITY),
            TokenKind::Eq => Infix::Binary(Eq, bp::EQUALITY),
            TokenKind::Ne => Infix::Binary(Ne, bp::EQUALITY),
            TokenKind::Tilde => Infix::Binary(Equiv, bp::EQUALITY),
            TokenKind::NotTilde => Infix::Binary(NotEquiv, bp::EQUALITY),
            TokenKind::Ident => match t.text.as_str() {
                "div" => Infix::Binary(IntDiv, bp::MULTIPLICATIVE),
                "mod" => Infix::Binary(Mod, bp::MULTIPLICATIVE),
                "in" => Infix::Binary(In, bp::MEMBERSHIP),
                "contains" => Infix::Binary(Contains, bp::MEMBERSHIP),
                "and" => Infix::Binary(And, bp::AND),
                "or" => Infix::Binary(Or, bp::OR),
                "xor" => Infix::Binary(Xor, bp::OR),
                "implies" => Infix::Binary(Implies, bp::IMPLIES),
                "is" => Infix::Type(TypeOp::Is),
                "as" => Infix::Type(TypeOp::As),
                _ => return None,
            },
            _ => return None,
        })
    }

    fn parse_prefix(&mut self) -> PResult<ExprId> {
        let t = self.peek().clone();
        match t.kind {
            TokenKind::Plus | TokenKind::Minus => {
                self.bump();
                let operand = self.parse_expr(bp::UNARY)?;
                let op = if t.kind == TokenKind::Plus {
                    UnaryOp::Plus
                } else {
                    UnaryOp::Minus
                };
                let span = t.span.to(self.span_of(operand));
                Ok(self.alloc(ExprKind::Unary { op, operand }, span))
            }
            TokenKind::LParen => {
                self.bump();
                let inner = self.parse_expr(0)?;
                let close = self.expect(TokenKind::RParen, "')'")?;
                Ok(self.alloc(ExprKind::Paren(inner), t.span.to(close.span)))
            }
            TokenKind::LBrace => {
                self.bump();
                let close = self.expect(
                    TokenKind::RBrace,
                    "'}' (only the empty collection `{}` can be written)",
                )?;
                Ok(self.alloc(ExprKind::Literal(Literal::Empty), t.span.to(close.span)))
            }
            TokenKind::String => {
                self.bump();
                Ok(self.alloc(ExprKind::Literal(Literal::String(t.text)), t.span))
            }
            TokenKind::Integer | TokenKind::Decimal => {
                self.bump();
                self.parse_number(t)
            }
            TokenKind::Long => {
                self.bump();
                Ok(self.alloc(ExprKind::Literal(Literal::Long(t.text)), t.span))
            }
            TokenKind::Date => {
                self.bump();
                Ok(self.alloc(ExprKind::Literal(Literal::Date(t.text)), t.span))
            }
            TokenKind::DateTime => {
                self.bump();
                Ok(self.alloc(ExprKind::Literal(Literal::DateTime(t.text)), t.span))
            }
            TokenKind::Time => {
                self.bump();
                Ok(self.alloc(ExprKind::Literal(Literal::Time(t.text)), t.span))
            }
            TokenKind::EnvVar => {
                self.bump();
                Ok(self.alloc(ExprKind::EnvVar(t.text), t.span))
            }
            TokenKind::Special => {
                self.bump();
                let kind = match t.text.as_str() {
                    "this" => ExprKind::This,
                    "index" => ExprKind::Index,
                    "total" => ExprKind::Total,
                    other => {
                        return self.error(format!("unknown special variable '${other}' (expected $this, $index or $total)"), t.span);
                    }
                };
                Ok(self.alloc(kind, t.span))
            }
            TokenKind::Ident
                if (t.text == "true" || t.text == "false")
                    && self.peek_at(1).kind != TokenKind::LParen =>
            {
                self.bump();
                Ok(self.alloc(
                    ExprKind::Literal(Literal::Boolean(t.text == "true")),
                    t.span,
                ))
            }
            TokenKind::Ident | TokenKind::DelimitedIdent => self.parse_invocation(None),
            _ => self.unexpected("an expression"),
        }
    }

    /// A number, possibly followed by a unit (`5 'mg'`, `3 days`).
    fn parse_number(&mut self, t: Token) -> PResult<ExprId> {
        let next = self.peek().clone();
        let unit = match next.kind {
            TokenKind::String => Some((next.text.clone(), false)),
            TokenKind::Ident
                if crate::calendar::CalendarUnit::from_keyword(&next.text).is_some() =>
            {
                Some((next.text.clone(), true))
            }
            _ => None,
        };
        if let Some((unit, keyword)) = unit {
            self.bump();
            let lit = Literal::Quantity {
                value: t.text,
                unit,
                keyword,
            };
            return Ok(self.alloc(ExprKind::Literal(lit), t.span.to(next.span)));
        }
        let lit = if t.kind == TokenKind::Integer {
            Literal::Integer(t.text)
        } else {
            Literal::Decimal(t.text)
        };
        Ok(self.alloc(ExprKind::Literal(lit), t.span))
    }

    /// After a `.` (target `Some`) or at the start of a term (target `None`):
    /// a member name, a function call, or `$this`/`$index`/`$total`.
    fn parse_invocation(&mut self, target: Option<ExprId>) -> PResult<ExprId> {
        let t = self.peek().clone();
        let start = target.map_or(t.span, |e| self.span_of(e));
        match t.kind {
            TokenKind::Ident | TokenKind::DelimitedIdent => {
                self.bump();
                if t.kind == TokenKind::Ident && self.at(TokenKind::LParen) {
                    self.bump();
                    let args = self.parse_args(&t.text)?;
                    let close = self.expect(TokenKind::RParen, "',' or ')'")?;
                    let kind = ExprKind::Function {
                        target,
                        name: t.text,
                        name_span: t.span,
                        args,
                    };
                    return Ok(self.alloc(kind, start.to(close.span)));
                }
                let kind = match target {
                    Some(target) => ExprKind::Member {
                        target,
                        name: t.text,
                        name_span: t.span,
                    },
                    None => ExprKind::Identifier(t.text),
                };
                Ok(self.alloc(kind, start.to(t.span)))
            }
            TokenKind::Special if target.is_some() => {
                // `x.$this` is allowed by the grammar (invocation: '$this').
                let e = self.parse_prefix()?;
                let kind = self.ast.exprs[e].kind.clone();
                let span = start.to(self.span_of(e));
                let _ = target;
                Ok(self.alloc(kind, span))
            }
            _ => self.unexpected("a name or function call"),
        }
    }

    fn parse_args(&mut self, name: &str) -> PResult<Vec<ExprId>> {
        let mut args = Vec::new();
        if self.at(TokenKind::RParen) {
            return Ok(args);
        }
        loop {
            let mut arg = self.parse_expr(0)?;
            if name == "sort"
                && self.at(TokenKind::Ident)
                && matches!(self.peek().text.as_str(), "asc" | "desc")
            {
                let dir = self.bump();
                let span = self.span_of(arg).to(dir.span);
                arg = self.alloc(
                    ExprKind::SortKey {
                        key: arg,
                        descending: dir.text == "desc",
                    },
                    span,
                );
            }
            args.push(arg);
            if self.at(TokenKind::Comma) {
                self.bump();
            } else {
                return Ok(args);
            }
        }
    }

    fn parse_type_spec(&mut self) -> PResult<TypeSpec> {
        let first = self.peek().clone();
        if !matches!(first.kind, TokenKind::Ident | TokenKind::DelimitedIdent) {
            return self.unexpected("a type name");
        }
        self.bump();
        if self.at(TokenKind::Dot)
            && matches!(
                self.peek_at(1).kind,
                TokenKind::Ident | TokenKind::DelimitedIdent
            )
        {
            // Only `Namespace.Type` qualifies; a further `.x` is a member access.
            self.bump();
            let second = self.bump();
            return Ok(TypeSpec {
                namespace: Some(first.text),
                name: second.text,
                span: first.span.to(second.span),
            });
        }
        Ok(TypeSpec {
            namespace: None,
            name: first.text,
            span: first.span,
        })
    }

    /// True when `e` is `Name` or `Namespace.Name` (a possible instance-selector type).
    fn is_type_path(&self, e: ExprId) -> bool {
        match &self.ast.exprs[e].kind {
            ExprKind::Identifier(_) => true,
            ExprKind::Member { target, .. } => {
                matches!(self.ast.exprs[*target].kind, ExprKind::Identifier(_))
            }
            _ => false,
        }
    }

    /// `Type { name: expr, ... }` or `Type { : }` (instance selector).
    fn parse_instance(&mut self, type_expr: ExprId) -> PResult<ExprId> {
        let span = self.span_of(type_expr);
        let ty = match &self.ast.exprs[type_expr].kind {
            ExprKind::Identifier(name) => TypeSpec {
                namespace: None,
                name: name.clone(),
                span,
            },
            ExprKind::Member { target, name, .. } => {
                let ns = match &self.ast.exprs[*target].kind {
                    ExprKind::Identifier(ns) => ns.clone(),
                    _ => String::new(),
                };
                TypeSpec {
                    namespace: Some(ns),
                    name: name.clone(),
                    span,
                }
            }
            _ => return self.unexpected("a type name"),
        };
        self.bump(); // `{`
        let mut fields = Vec::new();
        if self.at(TokenKind::Colon) {
            self.bump();
        } else if !self.at(TokenKind::RBrace) {
            loop {
                let name = self.peek().clone();
                if !matches!(name.kind, TokenKind::Ident | TokenKind::DelimitedIdent) {
                    return self.unexpected("an element name");
                }
                self.bump();
                self.expect(TokenKind::Colon, "':'")?;
                let value = self.parse_expr(0)?;
                fields.push((name.text, value));
                if self.at(TokenKind::Comma) {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        let close = self.expect(TokenKind::RBrace, "',' or '}'")?;
        Ok(self.alloc(ExprKind::Instance { ty, fields }, span.to(close.span)))
    }
}

/// Writes the tree back as fully parenthesised FHIRPath (for tests and `--explain`).
pub fn unparse(ast: &Ast, id: ExprId) -> String {
    let e = ast.get(id);
    match &e.kind {
        ExprKind::Literal(l) => match l {
            Literal::Empty => "{}".into(),
            Literal::Boolean(b) => b.to_string(),
            Literal::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Literal::Integer(s) | Literal::Decimal(s) => s.clone(),
            Literal::Long(s) => format!("{s}L"),
            Literal::Date(s) | Literal::DateTime(s) => format!("@{s}"),
            Literal::Time(s) => format!("@T{s}"),
            Literal::Quantity {
                value,
                unit,
                keyword: true,
            } => format!("{value} {unit}"),
            Literal::Quantity {
                value,
                unit,
                keyword: false,
            } => format!("{value} '{unit}'"),
        },
        ExprKind::Identifier(n) => quote_ident(n),
        ExprKind::Member { target, name, .. } => {
            format!("{}.{}", unparse(ast, *target), quote_ident(name))
        }
        ExprKind::Function {
            target, name, args, ..
        } => {
            let args: Vec<String> = args.iter().map(|a| unparse(ast, *a)).collect();
            match target {
                Some(t) => format!("{}.{name}({})", unparse(ast, *t), args.join(", ")),
                None => format!("{name}({})", args.join(", ")),
            }
        }
        ExprKind::SortKey { key, descending } => {
            format!(
                "{} {}",
                unparse(ast, *key),
                if *descending { "desc" } else { "asc" }
            )
        }
        ExprKind::This => "$this".into(),
        ExprKind::Index => "$index".into(),
        ExprKind::Total => "$total".into(),
        ExprKind::EnvVar(n) => format!("%{}", quote_ident(n)),
        ExprKind::Indexer { target, index } => {
            format!("{}[{}]", unparse(ast, *target), unparse(ast, *index))
        }
        ExprKind::Unary { op, operand } => {
            format!(
                "({}{})",
                if *op == UnaryOp::Minus { "-" } else { "+" },
                unparse(ast, *operand)
            )
        }
        ExprKind::Binary { op, lhs, rhs } => format!(
            "({} {} {})",
            unparse(ast, *lhs),
            op.symbol(),
            unparse(ast, *rhs)
        ),
        ExprKind::TypeOp { op, operand, ty } => {
            let kw = if *op == TypeOp::Is { "is" } else { "as" };
            let name = match &ty.namespace {
                Some(ns) => format!("{ns}.{}", ty.name),
                None => ty.name.clone(),
            };
            format!("({} {kw} {name})", unparse(ast, *operand))
        }
        ExprKind::Paren(inner) => unparse(ast, *inner),
        ExprKind::Instance { ty, fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(n, v)| format!("{n}: {}", unparse(ast, *v)))
                .collect();
            format!("{} {{ {} }}", ty.name, fields.join(", "))
        }
    }
}

fn quote_ident(name: &str) -> String {
    let simple = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if simple {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "\\`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> String {
        let r = parse(src);
        assert!(r.diagnostics.is_empty(), "{src}: {:?}", r.diagnostics);
        unparse(&r.ast, r.ast.root.unwrap())
    }

    fn err(src: &str) -> String {
        let r = parse(src);
        assert!(r.ast.root.is_none(), "{src} parsed");
        r.diagnostics[0].render("<expr>", src)
    }

    #[test]
    fn precedence() {
        assert_eq!(p("1 + 2 * 3"), "(1 + (2 * 3))");
        assert_eq!(p("a or b and c implies d"), "((a or (b and c)) implies d)");
        assert_eq!(p("a | b = c | d"), "((a | b) = (c | d))");
        assert_eq!(p("1 > 2 is Boolean"), "(1 > (2 is Boolean))");
        assert_eq!(p("-1.convertsToInteger()"), "(-1.convertsToInteger())");
        assert_eq!(
            p("x in y and z contains w"),
            "((x in y) and (z contains w))"
        );
        assert_eq!(p("a - b - c"), "((a - b) - c)");
        assert_eq!(
            p("'0215' in ('0215' | '0216')"),
            "('0215' in ('0215' | '0216'))"
        );
    }

    #[test]
    fn paths_functions_literals() {
        assert_eq!(
            p("Patient.name.where(use = 'official').given"),
            "Patient.name.where((use = 'official')).given"
        );
        assert_eq!(p("Patient.text.div"), "Patient.text.div");
        assert_eq!(p("`PID-1`.x"), "`PID-1`.x");
        assert_eq!(p("4 days + 5.5 'mg'"), "(4 days + 5.5 'mg')");
        assert_eq!(p("name[0].given[1]"), "name[0].given[1]");
        assert_eq!(p("sort($this desc, a)"), "sort($this desc, a)");
        assert_eq!(p("x as FHIR.Quantity"), "(x as FHIR.Quantity)");
        assert_eq!(p("(x as Period).start"), "(x as Period).start");
        assert_eq!(
            p("Quantity { value: 5, unit: 'mg' }"),
            "Quantity { value: 5, unit: 'mg' }"
        );
        assert_eq!(
            p("%`vs-x` | %context | $this | $index"),
            "(((%`vs-x` | %context) | $this) | $index)"
        );
        assert_eq!(
            p("10L + @2014-01 + @T10:00"),
            "((10L + @2014-01) + @T10:00)"
        );
        assert_eq!(p("true.not() and false"), "(true.not() and false)");
        assert_eq!(p("{}"), "{}");
        assert_eq!(p("x.as(y)"), "x.as(y)");
        assert_eq!(p("Observation.as"), "Observation.as");
    }

    #[test]
    fn errors_have_carets() {
        assert_eq!(
            err("Patient.name)"),
            "<expr>:1:13: error: expected an operator or the end of the expression, found ')'\n  |\n1 | Patient.name)\n  |             ^\n"
        );
        assert!(err("2 + 2 /").contains("expected an expression, found end of input"));
        assert!(err("2 + 2 /* not finished").contains("unterminated comment"));
        assert!(err("name.where(").contains("1:12"));
        assert!(err("'abc").contains("unterminated string"));
        assert!(err("$that").contains("unknown special variable"));
        assert!(err("a.(b)").contains("expected a name or function call"));
        assert!(err("x is 3").contains("expected a type name"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let src = "(".repeat(10_000) + "1" + &")".repeat(10_000);
        assert!(err(&src).contains("nested more than"));
        let src = "-".repeat(10_000) + "1";
        assert!(err(&src).contains("nested more than"));
        let src = "a".to_string() + &".b".repeat(20_000);
        assert!(err(&src).contains("nested more than"));
        let src = "1".to_string() + &" + 1".repeat(20_000);
        assert!(err(&src).contains("nested more than"));
        let src = "a".to_string() + &".b".repeat(250);
        assert!(parse(&src).diagnostics.is_empty());
    }
}
