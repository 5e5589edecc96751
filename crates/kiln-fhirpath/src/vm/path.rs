//! The VM's fast path for plain navigation paths.
//!
//! Most expressions a search indexer evaluates are one path from the root:
//! `Observation.subject`, `Patient.name.given`, `(Observation.value as
//! Quantity)` once folded to a site. Their bytecode is `RootType` or
//! `NavThis`, then `Nav`/`Path` steps, then `Return`. [`SimplePath`]
//! recognises that shape once at compile time, and [`Vm::evaluate_path`]
//! runs it without the general loop's frames, scopes, per-op fuel checks and
//! stack drains: each level is navigated from one buffer into the other and
//! the last level is moved into the result. Results, fuel and limits are
//! those of the general VM: it declines (and the general VM runs) when the
//! fuel could run out or a level would exceed the item limit, so every error
//! still comes from the one dispatch loop in `vm/run.rs`.

use super::{Vm, max_items};
use crate::check::TypeRef;
use crate::compile::{NavSite, Program};
use crate::isa::Op;
use crate::model::{Model, TypeId};
use crate::nav;
use crate::ops;
use crate::value::{Node, Value};
use kiln_core::Limits;

/// A program that is one navigation path from the root: the navigation
/// sites (indices into [`Program::sites`]) walked from the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimplePath {
    /// For a leading type name (`RootType`): the type (`None`: a type
    /// nothing is an instance of); a root of that type is the first item,
    /// and `sites[0]` is skipped.
    root_type: Option<Option<TypeId>>,
    /// The sites in order; for `RootType`, the first is the type name's site.
    sites: Vec<u32>,
    /// Ops the general VM executes for this program (its fuel use).
    ops: u64,
}

impl SimplePath {
    /// Recognises `RootType | NavThis`, then any `Nav`/`Path`, then `Return`
    /// in block 0; `None` for every other program.
    pub fn detect(program: &Program) -> Option<SimplePath> {
        let ops = &program.blocks.first()?.ops;
        let (first, rest) = ops.split_first()?;
        let (root_type, site) = match *first {
            Op::RootType { ty, site } => (
                Some(match program.types.get(usize::from(ty.0))? {
                    TypeRef::Known(t) => Some(*t),
                    TypeRef::Nothing(_) => None,
                    TypeRef::Unknown(_) => return None,
                }),
                site,
            ),
            Op::NavThis { site } => (None, site),
            _ => return None,
        };
        let (last, middle) = rest.split_last()?;
        if *last != Op::Return {
            return None;
        }
        let mut sites = vec![site.0];
        for op in middle {
            match *op {
                Op::Nav { site } => sites.push(site.0),
                Op::Path { p } => sites.extend_from_slice(program.paths.get(p.0 as usize)?),
                _ => return None,
            }
        }
        Some(SimplePath {
            root_type,
            sites,
            ops: ops.len() as u64,
        })
    }
}

impl<'a> Vm<'a> {
    /// Evaluates a [`SimplePath`] from `root`, appending the items to
    /// `result`. Returns `false`, with `result` untouched, when the general
    /// VM must run instead (and report the error): `limits.fuel` is below the
    /// program's op count, `limits.max_depth` is 0, or a level holds more
    /// items than the memory limit allows.
    pub fn evaluate_path(
        &mut self,
        model: &Model,
        program: &Program,
        path: &SimplePath,
        root: Option<Node<'a>>,
        limits: &Limits,
        result: &mut Vec<Value<'a>>,
    ) -> bool {
        if limits.fuel < path.ops || limits.max_depth == 0 {
            return false;
        }
        let Some(root) = root else {
            return true;
        };
        let max = max_items(limits);
        let root = Value::Node(root);
        let sites = match path.root_type {
            Some(ty) if ty.is_some_and(|t| ops::is_type(model, &root, t)) => &path.sites[1..],
            _ => &path.sites[..],
        };
        let Some((&last, inner)) = sites.split_last() else {
            result.push(root);
            return true;
        };
        let last = &program.sites[last as usize];
        let Some((&first, between)) = inner.split_first() else {
            // One step: straight from the root, without the level buffers.
            return last_level(model, last, std::slice::from_ref(&root), max, result);
        };
        let mut cur = std::mem::take(&mut self.stack);
        let mut next = std::mem::take(&mut self.out);
        nav::children_at_site(model, &root, &program.sites[first as usize], &mut cur);
        let mut fits = cur.len() <= max;
        for &site in between {
            if !fits || cur.is_empty() {
                break;
            }
            let site = &program.sites[site as usize];
            for item in &cur {
                nav::children_at_site(model, item, site, &mut next);
            }
            cur.clear();
            std::mem::swap(&mut cur, &mut next);
            fits = cur.len() <= max;
        }
        let fits = fits && last_level(model, last, &cur, max, result);
        cur.clear();
        next.clear();
        self.stack = cur;
        self.out = next;
        fits
    }
}

/// Navigates `from` through the last site straight into `result`; `false`,
/// with `result` as it was, when that adds more than `max` items.
fn last_level<'a>(
    model: &Model,
    site: &NavSite,
    from: &[Value<'a>],
    max: usize,
    result: &mut Vec<Value<'a>>,
) -> bool {
    let base = result.len();
    for item in from {
        nav::children_at_site(model, item, site, result);
    }
    if result.len() - base > max {
        result.truncate(base);
        return false;
    }
    true
}
