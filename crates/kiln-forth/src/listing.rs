//! `--explain` and SEE: bytecode listings of definitions in the shared
//! `kiln_core::isa` format, with call targets, system words and wide
//! literals resolved to names and values.

use crate::dict::Kind;
use crate::isa::Op;
use crate::system::Forth;
use crate::words::SysWord;
use kiln_core::isa::{OperandValue, write_listing};
use std::fmt::Write as _;

impl Forth {
    fn target_name(&self, to: u32, cfa: u32, end: u32) -> String {
        if let Some(w) = self.dict.words.iter().rev().find(|w| {
            (w.cfa == to || w.cfa + self.jit_prologue_len(w.cfa) == to)
                && matches!(w.kind, Kind::Colon)
                && !w.name.is_empty()
        }) {
            return w.name.to_string();
        }
        if (cfa..=end).contains(&to) {
            return format!("-> {:04}", to - cfa);
        }
        match self.owner_of(to) {
            Some(xt) => {
                let w = &self.dict.words[xt as usize];
                let name = if w.name.is_empty() {
                    ":NONAME"
                } else {
                    &w.name
                };
                format!("{name}+{}", to - w.cfa)
            }
            None => format!("code {to}"),
        }
    }

    /// The listing of one word: a header line, then one op per line.
    pub fn explain_word(&self, xt: u32) -> String {
        let Some(w) = self.dict.words.get(xt as usize) else {
            return String::new();
        };
        // The JIT prologue (`JitEntry`) is not part of the definition's
        // bytecode: listings are the same with the tier on or off.
        let cfa = w.cfa + self.jit_prologue_len(w.cfa);
        let (cfa, end) = (cfa, w.end.max(cfa));
        let name = if w.name.is_empty() {
            ":NONAME"
        } else {
            &w.name
        };
        let mut out = String::new();
        let kind = match &w.kind {
            Kind::Colon => ":",
            Kind::Ops(_) => "primitive",
            Kind::Sys(_) => "system word",
            Kind::Create => "CREATE",
            Kind::Does(_) => "CREATE … DOES>",
            Kind::Constant(_) | Kind::TwoConstant(..) => "CONSTANT",
            Kind::Value | Kind::TwoValue => "VALUE",
            Kind::Defer => "DEFER",
            Kind::Field(_) => "+FIELD",
            Kind::Marker(_) => "MARKER",
            Kind::Synonym(_) => "SYNONYM",
        };
        let imm = if w.immediate() { " IMMEDIATE" } else { "" };
        let _ = writeln!(out, "{kind} {name}{imm}  (code {cfa}..{end})");
        let code = &self.hot.code[cfa as usize..end as usize];
        write_listing(&mut out, code, |pc, o: &OperandValue| {
            let op = code[pc];
            match (op, o.kind) {
                (_, "Target") => Some(self.target_name(o.raw as u32, cfa, end)),
                (Op::Sys { .. }, "SysId") => {
                    SysWord::from_u16(o.raw as u16).map(|s| s.name().to_string())
                }
                (Op::LitK { .. }, "K") => {
                    self.hot.consts.get(o.raw as usize).map(|v| v.to_string())
                }
                _ => None,
            }
        });
        out
    }

    /// Listings of every word defined after the built-ins, oldest first.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let first = self.first_user_word();
        for xt in first..self.dict.words.len() as u32 {
            out.push_str(&self.explain_word(xt));
            out.push('\n');
        }
        out
    }

    /// The execution token of the first word not built into the system
    /// (the first defined in a source text other than the prelude).
    pub fn first_user_word(&self) -> u32 {
        self.dict
            .words
            .iter()
            .position(|w| {
                self.texts
                    .get(w.loc.text as usize)
                    .is_some_and(|t| t.name != "<prelude>")
            })
            .unwrap_or(self.dict.words.len()) as u32
    }
}
