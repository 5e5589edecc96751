//! Reachability: which parts of a document an expression can ever look at.
//!
//! The analysis walks the checked tree and builds a [`Projection`]: a trie of
//! JSON member names from the document root. A trie node marked `full` keeps
//! its whole subtree (the expression returns, compares or converts those
//! elements, or walks them with `children()`/`descendants()`/`resolve()`);
//! other nodes keep only the members named by their children. The JSON reader
//! ([`crate::json::Document::reparse_projected`]) builds nodes only for what
//! the projection keeps and skips the rest, so `Patient.name.given` parses a
//! Patient's `name` and nothing else.
//!
//! The analysis is conservative: whatever it cannot follow (unknown
//! functions, `repeat`, `$total`, variables bound to document nodes) marks the
//! current focus — or the root — full. `resourceType` and the `_name`
//! primitive-extension siblings of kept members are always kept.
//!
//! A full node that the expression only *returns* — never navigates into,
//! compares, converts or deduplicates, and whose static type is a concrete
//! complex or backbone type (so its runtime type never depends on its
//! content, unlike a `Resource`'s `resourceType`) — is also marked *raw*: the
//! reader keeps each such object as one node holding its JSON text instead of
//! a subtree of nodes ([`crate::json::Document::is_raw`]), and the output
//! writer prints that text normalised exactly as it prints built nodes.
//! `Patient.identifier` then holds five nodes per Patient instead of fifty.

use crate::ast::{Ast, BinaryOp, ExprId, ExprKind, TypeOp};
use crate::check::{Analysis, VarRef};
use crate::functions::{ArgKind, Func};
use crate::model::{Model, TypeKind};

/// A trie of member names reachable from the document root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    nodes: Vec<PNode>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PNode {
    children: Vec<(Box<str>, u32)>,
    full: bool,
    /// Full only because returned: objects here are kept as raw text.
    raw: bool,
    /// Compared by the expression (union's deduplication): never raw.
    compared: bool,
}

/// Index of a node in a [`Projection`]; the root is [`Projection::ROOT`].
pub type PIdx = u32;

impl Default for Projection {
    fn default() -> Self {
        Projection {
            nodes: vec![PNode::default()],
        }
    }
}

impl Projection {
    /// The root (the document's top-level object).
    pub const ROOT: PIdx = 0;

    /// A projection that keeps everything.
    pub fn everything() -> Projection {
        Projection {
            nodes: vec![PNode {
                children: Vec::new(),
                full: true,
                ..PNode::default()
            }],
        }
    }

    /// True when the whole document is kept (no skipping possible).
    pub fn is_everything(&self) -> bool {
        self.nodes[0].full
    }

    /// True when node `n` keeps its whole subtree.
    #[inline]
    pub fn is_full(&self, n: PIdx) -> bool {
        self.nodes[n as usize].full
    }

    /// True when node `n` is full only because the expression returns it:
    /// its objects are kept as raw JSON text (one node each), never navigated.
    #[inline]
    pub fn is_raw(&self, n: PIdx) -> bool {
        self.nodes[n as usize].raw
    }

    /// The node for JSON member `key` under `n`: the child named `key`, the
    /// child `name` for `_name`, or the choice child `value` for `valueQuantity`
    /// (a name followed by an upper-case letter); `key` is the raw JSON key
    /// text. `None`: skip the member.
    #[inline]
    pub fn child_for_key(&self, n: PIdx, key: &[u8]) -> Option<PIdx> {
        let node = &self.nodes[n as usize];
        let bare = key.strip_prefix(b"_").unwrap_or(key);
        for (name, idx) in &node.children {
            if let Some(rest) = bare.strip_prefix(name.as_bytes())
                && (rest.is_empty() || rest[0].is_ascii_uppercase())
            {
                return Some(*idx);
            }
        }
        None
    }

    fn child(&mut self, n: PIdx, name: &str) -> PIdx {
        if let Some((_, idx)) = self.nodes[n as usize]
            .children
            .iter()
            .find(|(c, _)| c.as_ref() == name)
        {
            return *idx;
        }
        let idx = self.nodes.len() as u32;
        self.nodes.push(PNode::default());
        self.nodes[n as usize].children.push((name.into(), idx));
        idx
    }

    /// The union of two projections (for evaluating several expressions over
    /// one parse). A node stays raw only when every projection that keeps it
    /// in full keeps it raw and none navigates into it.
    pub fn merge(&mut self, other: &Projection) {
        fn walk(dst: &mut Projection, d: PIdx, src: &Projection, s: PIdx) {
            let (sn, dn) = (&src.nodes[s as usize], &dst.nodes[d as usize]);
            let raw = (!dn.full || dn.raw) && (!sn.full || sn.raw) && (dn.full || sn.full);
            let full = dn.full || sn.full;
            let dn = &mut dst.nodes[d as usize];
            dn.full = full;
            dn.raw = raw;
            dn.compared |= sn.compared;
            for (name, sc) in &src.nodes[s as usize].children {
                let dc = dst.child(d, name);
                walk(dst, dc, src, *sc);
            }
            let dn = &mut dst.nodes[d as usize];
            if !dn.children.is_empty() || dn.compared {
                dn.raw = false;
            }
        }
        walk(self, Self::ROOT, other, Self::ROOT);
    }

    /// Number of trie nodes (for tests and `--explain`).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false: a projection has at least its root.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Renders the trie as paths, one per line (`name.given`, `name.use*` where `*` marks full).
    pub fn describe(&self) -> String {
        fn walk(p: &Projection, n: PIdx, prefix: &str, out: &mut Vec<String>) {
            let node = &p.nodes[n as usize];
            if node.full {
                out.push(format!(
                    "{}{}",
                    if prefix.is_empty() { "(root)" } else { prefix },
                    if node.raw { "*raw" } else { "*" }
                ));
            }
            for (name, c) in &node.children {
                let path = if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}.{name}")
                };
                walk(p, *c, &path, out);
            }
        }
        let mut out = Vec::new();
        walk(self, Self::ROOT, "", &mut out);
        out.join("\n")
    }
}

/// What a sub-expression's result can be, in terms of document nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Focus {
    /// Computed values, not document nodes.
    Values,
    /// Nodes at these trie positions.
    Nodes(Vec<PIdx>),
    /// Nodes somewhere inside subtrees already kept in full.
    InsideFull,
}

impl Focus {
    fn union(self, other: Focus) -> Focus {
        match (self, other) {
            (Focus::Values, f) | (f, Focus::Values) => f,
            (Focus::InsideFull, f) | (f, Focus::InsideFull) => {
                if f == Focus::Values {
                    Focus::InsideFull
                } else {
                    f.union_inside()
                }
            }
            (Focus::Nodes(mut a), Focus::Nodes(b)) => {
                for n in b {
                    if !a.contains(&n) {
                        a.push(n);
                    }
                }
                Focus::Nodes(a)
            }
        }
    }

    fn union_inside(self) -> Focus {
        // Nodes inside full subtrees are already kept; the explicit nodes still matter.
        self
    }
}

/// Computes the projection of a checked expression; `model` decides which
/// returned nodes may be kept raw (see the module docs).
pub fn project(ast: &Ast, analysis: &Analysis, model: &Model) -> Projection {
    let Some(root) = ast.root else {
        return Projection::default();
    };
    let mut r = Reach {
        ast,
        analysis,
        p: Projection::default(),
        slots: Vec::new(),
        narrowed: Vec::new(),
    };
    let top = Focus::Nodes(vec![Projection::ROOT]);
    let result = r.expr(root, &top);
    // Returned nodes of a concrete complex type that nothing navigates into,
    // compares or already needed in full are kept raw.
    let raw_type = analysis.info[root.raw() as usize].ty.ty.is_some_and(|t| {
        let info = model.type_info(t);
        matches!(info.kind, TypeKind::Complex | TypeKind::Backbone) && !info.is_abstract
    });
    if let (true, Focus::Nodes(ns)) = (raw_type, &result) {
        for &n in ns {
            let narrowed = r.narrowed.contains(&n);
            let node = &mut r.p.nodes[n as usize];
            if n != Projection::ROOT
                && !node.full
                && !node.compared
                && !narrowed
                && node.children.is_empty()
            {
                node.raw = true;
            }
        }
    }
    r.need(&result);
    r.p
}

struct Reach<'a> {
    ast: &'a Ast,
    analysis: &'a Analysis,
    p: Projection,
    /// What each defineVariable slot holds.
    slots: Vec<(u16, Focus)>,
    /// Nodes whose items went through a type filter (`ofType`, `as`): the
    /// expression's static type says nothing about their own type, so they
    /// are never kept raw.
    narrowed: Vec<PIdx>,
}

impl Reach<'_> {
    /// The expression needs the full content of `f` (returned, compared, converted).
    fn need(&mut self, f: &Focus) {
        if let Focus::Nodes(ns) = f {
            for &n in ns {
                self.p.nodes[n as usize].full = true;
            }
        }
    }

    /// The items of `f` go through a type filter (see `Reach::narrowed`).
    fn narrow(&mut self, f: &Focus) {
        if let Focus::Nodes(ns) = f {
            self.narrowed.extend_from_slice(ns);
        }
    }

    /// The expression compares the items of `f` (union's deduplication):
    /// they are never kept raw. (Callers also [`Reach::need`] them.)
    fn compare(&mut self, f: &Focus) {
        if let Focus::Nodes(ns) = f {
            for &n in ns {
                self.p.nodes[n as usize].compared = true;
            }
        }
    }

    fn give_up(&mut self) -> Focus {
        self.p.nodes[0].full = true;
        Focus::InsideFull
    }

    fn children(&mut self, f: &Focus, name: &str) -> Focus {
        match f {
            Focus::Values => Focus::Values,
            Focus::InsideFull => Focus::InsideFull,
            Focus::Nodes(ns) => {
                let mut out = Vec::with_capacity(ns.len());
                for &n in ns {
                    if self.p.nodes[n as usize].full {
                        continue;
                    }
                    let c = self.p.child(n, name);
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                let any_full = ns.iter().any(|&n| self.p.nodes[n as usize].full);
                match (out.is_empty(), any_full) {
                    (true, true) => Focus::InsideFull,
                    (_, _) => Focus::Nodes(out),
                }
            }
        }
    }

    fn expr(&mut self, id: ExprId, focus: &Focus) -> Focus {
        let info = &self.analysis.info[id.raw() as usize];
        match &self.ast.get(id).kind {
            ExprKind::Literal(_) | ExprKind::Index => Focus::Values,
            ExprKind::This => focus.clone(),
            ExprKind::Total => self.give_up(),
            ExprKind::EnvVar(name) => match &info.var {
                Some(VarRef::Slot(s)) => {
                    match self.slots.iter().rev().find(|(slot, _)| slot == s) {
                        Some((_, f)) => f.clone(),
                        None => self.give_up(),
                    }
                }
                _ => match name.as_str() {
                    "context" | "resource" | "rootResource" => Focus::Nodes(vec![Projection::ROOT]),
                    _ => Focus::Values,
                },
            },
            ExprKind::Identifier(name) => {
                let kids = self.children(focus, name);
                if info.root_type.is_some() {
                    focus.clone().union(kids)
                } else {
                    kids
                }
            }
            ExprKind::Member { target, name, .. } => {
                let t = self.expr(*target, focus);
                self.children(&t, name)
            }
            ExprKind::Paren(inner) | ExprKind::SortKey { key: inner, .. } => {
                self.expr(*inner, focus)
            }
            ExprKind::Indexer { target, index } => {
                let t = self.expr(*target, focus);
                let i = self.expr(*index, focus);
                self.need(&i);
                t
            }
            ExprKind::Unary { operand, .. } => {
                let o = self.expr(*operand, focus);
                self.need(&o);
                Focus::Values
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let a = self.expr(*lhs, focus);
                let b = self.expr(*rhs, focus);
                if *op == BinaryOp::Union {
                    // Deduplication compares whole items (deep equality).
                    for f in [&a, &b] {
                        self.need(f);
                        self.compare(f);
                    }
                    return a.union(b);
                }
                self.need(&a);
                self.need(&b);
                Focus::Values
            }
            ExprKind::TypeOp { op, operand, .. } => {
                let o = self.expr(*operand, focus);
                match op {
                    TypeOp::As => {
                        self.narrow(&o);
                        o
                    }
                    TypeOp::Is => {
                        self.need(&o);
                        Focus::Values
                    }
                }
            }
            ExprKind::Instance { fields, .. } => {
                for (_, f) in fields {
                    let v = self.expr(*f, focus);
                    self.need(&v);
                }
                Focus::Values
            }
            ExprKind::Function { target, args, .. } => {
                let input = match target {
                    Some(t) => self.expr(*t, focus),
                    None => focus.clone(),
                };
                let Some(func) = info.func else {
                    return self.give_up();
                };
                self.function(id, func, input, args, focus)
            }
        }
    }

    fn function(
        &mut self,
        id: ExprId,
        func: Func,
        input: Focus,
        args: &[ExprId],
        outer: &Focus,
    ) -> Focus {
        use Func::*;
        let sig = func.signature();
        // Evaluate the arguments in their scopes; what they produce is consumed as values.
        let mut arg_results = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let kind = sig
                .params
                .get(i)
                .or(sig.params.last())
                .map_or(ArgKind::Value, |p| p.kind);
            let scope = match kind {
                ArgKind::Lambda | ArgKind::Lazy => input.clone(),
                ArgKind::Value => outer.clone(),
                ArgKind::Type => {
                    arg_results.push(Focus::Values);
                    continue;
                }
            };
            let scope = if func == Iif && matches!(kind, ArgKind::Lazy) {
                input.clone()
            } else {
                scope
            };
            arg_results.push(self.expr(*a, &scope));
        }
        match func {
            // Subsets of the input: the result is (part of) the input.
            Where | First | Last | Tail | Skip | Take | Single | Distinct | OfType | As | Trace
            | Intersect | Exclude | Sort => {
                for r in &arg_results {
                    self.need(r);
                }
                if matches!(func, OfType | As) {
                    self.narrow(&input);
                }
                // These compare or print the items themselves.
                if matches!(func, Distinct | Intersect | Exclude | Trace)
                    || (func == Sort && args.is_empty())
                {
                    self.need(&input);
                }
                input
            }
            // Only the presence of the input items matters (members kept, contents skipped).
            Exists | Empty | Count if args.is_empty() => Focus::Values,
            DefineVariable => {
                let value = match args.get(1) {
                    Some(_) => arg_results.get(1).cloned().unwrap_or(Focus::Values),
                    None => input.clone(),
                };
                if let Some(slot) = self.analysis.info[id.raw() as usize].slot {
                    self.slots.push((slot, value));
                } else {
                    // A computed name: whatever reads it can't be followed.
                    self.need(&value);
                }
                input
            }
            Select => arg_results.into_iter().next().unwrap_or(Focus::Values),
            Union | Combine => {
                let other = arg_results.into_iter().next().unwrap_or(Focus::Values);
                if func == Union {
                    // Deduplication compares whole items (deep equality).
                    for f in [&input, &other] {
                        self.need(f);
                        self.compare(f);
                    }
                }
                input.union(other)
            }
            Iif => {
                if let Some(c) = arg_results.first() {
                    self.need(c);
                }
                arg_results
                    .into_iter()
                    .skip(1)
                    .fold(Focus::Values, Focus::union)
            }
            Coalesce => arg_results.into_iter().fold(Focus::Values, Focus::union),
            Extension => {
                for r in &arg_results {
                    self.need(r);
                }
                let e = self.children(&input, "extension");
                self.need(&e);
                e
            }
            Children | Descendants | Repeat | RepeatAll => {
                self.need(&input);
                for r in &arg_results {
                    self.need(r);
                }
                if matches!(input, Focus::Values) {
                    Focus::Values
                } else {
                    Focus::InsideFull
                }
            }
            Resolve | Aggregate | ElementDefinition | Slice | CheckModifiers | Pathname => {
                for r in &arg_results {
                    self.need(r);
                }
                self.give_up()
            }
            _ => {
                // Everything else consumes its input and arguments as values.
                self.need(&input);
                for r in &arg_results {
                    self.need(r);
                }
                Focus::Values
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{CompileOptions, Expression};

    fn paths(src: &str) -> String {
        Expression::compile(src, &CompileOptions::default())
            .expect("compiles")
            .projection()
            .describe()
    }

    #[test]
    fn paths_keep_only_what_is_reached() {
        // A leading type name also reaches a member of that name (spec §"Path selection").
        assert_eq!(
            paths("Patient.name.given"),
            "Patient.name.given*\nname.given*"
        );
        assert_eq!(
            paths("name.where(use = 'official').family.first()"),
            "name.use*\nname.family*"
        );
        assert_eq!(
            paths("value.ofType(Quantity).where(value > 100).unit"),
            "value.value*\nvalue.unit*"
        );
        assert_eq!(paths("birthDate < @1980-01-01"), "birthDate*");
        assert_eq!(paths("name"), "name*");
        assert_eq!(paths("name.exists()"), "");
        assert_eq!(paths("1 + 1"), "");
    }

    #[test]
    fn whole_subtrees_when_needed() {
        assert_eq!(paths("name"), "name*");
        assert_eq!(paths("descendants().count()"), "(root)*");
        assert_eq!(paths("entry.resource.subject.resolve()"), "(root)*");
        assert_eq!(paths("%resource.id"), "id*");
        assert_eq!(
            paths("name.select(given | family)"),
            "name.given*\nname.family*"
        );
        assert_eq!(
            paths("defineVariable('n', name).select(%n.given)"),
            "name.given*"
        );
        assert_eq!(paths("extension('x').value"), "extension*");
        assert_eq!(paths("$this"), "(root)*");
    }

    #[test]
    fn returned_complex_elements_are_raw() {
        assert_eq!(
            paths("Patient.identifier"),
            "Patient.identifier*raw\nidentifier*raw"
        );
        assert_eq!(paths("Patient.name.first()"), "Patient.name*raw\nname*raw");
        assert_eq!(
            paths("Patient.communication.language"),
            "Patient.communication.language*raw\ncommunication.language*raw"
        );
        // Navigated into, compared (union deduplicates), converted, or a
        // resource (typed by its `resourceType`): built in full.
        assert_eq!(
            paths("Patient.name.where(use = 'official')"),
            "Patient.name*\nPatient.name.use*\nname*\nname.use*"
        );
        assert_eq!(paths("Patient.name | Patient.name"), "Patient.name*\nname*");
        assert_eq!(paths("Patient.name.distinct()"), "Patient.name*\nname*");
        assert_eq!(
            paths("Patient.name.given"),
            "Patient.name.given*\nname.given*"
        );
        assert_eq!(
            paths("Bundle.entry.resource"),
            "Bundle.entry.resource*\nentry.resource*"
        );
        assert_eq!(paths("Patient.contained"), "Patient.contained*\ncontained*");
        assert_eq!(paths("Patient"), "(root)*\nPatient*");
        // A type filter narrows the static type, not the items' own type.
        assert_eq!(paths("(contained).ofType(HumanName)"), "contained*");
        assert_eq!(
            paths("(Observation.value as Quantity)"),
            "Observation.value*\nvalue*"
        );
    }

    #[test]
    fn merged_projections_keep_raw_only_where_all_agree() {
        let compile =
            |s: &str| Expression::compile(s, &CompileOptions::default()).expect("compiles");
        let mut p = compile("Patient.name").projection().clone();
        p.merge(compile("Patient.identifier").projection());
        assert_eq!(
            p.describe(),
            "Patient.name*raw\nPatient.identifier*raw\nname*raw\nidentifier*raw"
        );
        p.merge(compile("Patient.name.family").projection());
        assert_eq!(
            p.describe(),
            "Patient.name*\nPatient.name.family*\nPatient.identifier*raw\nname*\nname.family*\nidentifier*raw"
        );
    }
}
