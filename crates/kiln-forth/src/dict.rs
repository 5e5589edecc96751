//! The dictionary: word headers, word lists and the search order (Forth
//! 2012 §3.4.2, 16 Search-Order), MARKER snapshots.
//!
//! Headers live outside the data space (a `Vec<Word>`); an execution token
//! and a name token are both a header's index. Each word list keeps a hash
//! map from the upper-cased name to its newest visible word (lookup is one
//! probe per list in the search order) and a link chain through the headers
//! for TRAVERSE-WORDLIST.

use crate::effect::Effect;
use crate::memory::Cell;
use crate::words::{HIDDEN, IMMEDIATE, SysWord};
use rustc_hash::FxHashMap;

/// No word (an empty link).
pub const NONE: u32 = u32::MAX;

/// A source location: a registered source text and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    /// Index of the source text (`NONE` when unknown, e.g. a block).
    pub text: u32,
    /// Byte offset of the word in the text.
    pub offset: u32,
    /// Length of the word in bytes.
    pub len: u32,
}

impl Loc {
    /// An unknown location.
    pub const NONE: Loc = Loc {
        text: NONE,
        offset: 0,
        len: 0,
    };
}

/// What kind of definition a word is; decides how COMPILE, compiles it.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A colon definition (or :NONAME): compiled as a call.
    Colon,
    /// A built-in word from `words::OP_WORDS` (its index): compiled inline.
    Ops(u16),
    /// A system word: compiled as `Op::Sys`.
    Sys(SysWord),
    /// CREATE (or VARIABLE, BUFFER:): pushes its data-field address.
    Create,
    /// A CREATEd word whose behaviour DOES> set: pushes the body, calls the code at the address.
    Does(u32),
    /// CONSTANT: pushes the value.
    Constant(Cell),
    /// 2CONSTANT: pushes the two cells.
    TwoConstant(Cell, Cell),
    /// VALUE: pushes the cell at its body.
    Value,
    /// 2VALUE: pushes the two cells at its body.
    TwoValue,
    /// DEFER: executes the xt stored at its body.
    Defer,
    /// +FIELD and friends: adds the offset.
    Field(Cell),
    /// MARKER: restores the dictionary to the snapshot.
    Marker(Box<Snapshot>),
    /// SYNONYM: stands for another word.
    Synonym(u32),
}

/// A word header.
#[derive(Clone, Debug)]
pub struct Word {
    /// The name as defined (empty for :NONAME).
    pub name: Box<str>,
    /// The word list (index) it belongs to.
    pub wid: u32,
    /// The previous word of the same word list, or [`NONE`].
    pub link: u32,
    /// [`IMMEDIATE`], `COMPILE_ONLY`, [`HIDDEN`].
    pub flags: u8,
    /// How it compiles and executes.
    pub kind: Kind,
    /// Code entry (index into the code vector).
    pub cfa: u32,
    /// One past the end of its code (the body a JIT or SEE reads is `cfa..end`).
    pub end: u32,
    /// Data-field address (CREATE, VARIABLE, VALUE, DEFER), else 0.
    pub body: Cell,
    /// Inferred stack effect, when the checker computed one.
    pub effect: Option<Effect>,
    /// The stack comment written after the name, when check mode kept it.
    pub declared: Option<String>,
    /// Where it was defined.
    pub loc: Loc,
}

impl Word {
    /// True when IMMEDIATE.
    pub fn immediate(&self) -> bool {
        self.flags & IMMEDIATE != 0
    }
}

/// One word list.
#[derive(Clone, Debug, Default)]
pub struct Wordlist {
    /// Upper-cased name → newest visible word.
    pub map: FxHashMap<Box<[u8]>, u32>,
    /// The newest word (head of the link chain), or [`NONE`].
    pub latest: u32,
}

/// The dictionary state MARKER restores.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Number of headers.
    pub words: usize,
    /// Code length.
    pub code: usize,
    /// HERE.
    pub here: Cell,
    /// Number of word lists.
    pub wordlists: usize,
    /// Search order.
    pub order: Vec<u32>,
    /// Compilation word list.
    pub current: u32,
    /// Number of 64-bit literals.
    pub consts: usize,
}

/// Upper-cases a name into `buf` (ASCII case-insensitive lookup).
pub fn key<'a>(name: &[u8], buf: &'a mut Vec<u8>) -> &'a [u8] {
    buf.clear();
    buf.extend(name.iter().map(u8::to_ascii_uppercase));
    buf
}

/// The word lists and headers.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    /// All headers; an xt is an index.
    pub words: Vec<Word>,
    /// All word lists; the Forth-visible wid is index + 1.
    pub lists: Vec<Wordlist>,
    /// Search order, first searched first.
    pub order: Vec<u32>,
    /// Compilation word list.
    pub current: u32,
    keybuf: Vec<u8>,
}

impl Dictionary {
    /// A dictionary with one (FORTH) word list.
    pub fn new() -> Dictionary {
        Dictionary {
            words: Vec::new(),
            lists: vec![Wordlist {
                map: FxHashMap::default(),
                latest: NONE,
            }],
            order: vec![0],
            current: 0,
            keybuf: Vec::new(),
        }
    }

    /// Adds a header (hidden if `hidden`); returns its xt.
    pub fn add(&mut self, mut w: Word, hidden: bool) -> u32 {
        let xt = self.words.len() as u32;
        w.wid = self.current;
        if hidden {
            w.flags |= HIDDEN;
        }
        self.words.push(w);
        if !hidden {
            self.reveal(xt);
        }
        xt
    }

    /// Makes a word findable (at `;`).
    pub fn reveal(&mut self, xt: u32) {
        let Some(w) = self.words.get_mut(xt as usize) else {
            return;
        };
        w.flags &= !HIDDEN;
        let wid = w.wid as usize;
        if w.name.is_empty() {
            return;
        }
        let k: Box<[u8]> = w.name.bytes().map(|b| b.to_ascii_uppercase()).collect();
        if let Some(list) = self.lists.get_mut(wid) {
            w.link = list.latest;
            list.latest = xt;
            list.map.insert(k, xt);
        }
    }

    /// Finds `name` in word list `wid`.
    pub fn find_in(&mut self, name: &[u8], wid: u32) -> Option<u32> {
        let mut buf = std::mem::take(&mut self.keybuf);
        let r = self
            .lists
            .get(wid as usize)
            .and_then(|l| l.map.get(key(name, &mut buf)).copied());
        self.keybuf = buf;
        r
    }

    /// Finds `name` in the search order.
    pub fn find(&mut self, name: &[u8]) -> Option<u32> {
        let mut buf = std::mem::take(&mut self.keybuf);
        key(name, &mut buf);
        let mut found = None;
        for &wid in &self.order {
            if let Some(&xt) = self
                .lists
                .get(wid as usize)
                .and_then(|l| l.map.get(&buf[..]))
            {
                found = Some(xt);
                break;
            }
        }
        self.keybuf = buf;
        found
    }

    /// Follows SYNONYM links to the word that runs.
    pub fn resolve(&self, mut xt: u32) -> u32 {
        for _ in 0..64 {
            match self.words.get(xt as usize).map(|w| &w.kind) {
                Some(Kind::Synonym(t)) => xt = *t,
                _ => break,
            }
        }
        xt
    }

    /// A new, empty word list; returns its index.
    pub fn new_list(&mut self) -> u32 {
        self.lists.push(Wordlist {
            map: FxHashMap::default(),
            latest: NONE,
        });
        (self.lists.len() - 1) as u32
    }

    /// Rebuilds every word list's map and chain from the headers (after MARKER/FORGET).
    pub fn rebuild(&mut self) {
        for l in &mut self.lists {
            l.map.clear();
            l.latest = NONE;
        }
        for xt in 0..self.words.len() as u32 {
            if self.words[xt as usize].flags & HIDDEN == 0 {
                self.reveal(xt);
            }
        }
    }

    /// The newest visible words of word list `wid`, newest first.
    pub fn chain(&self, wid: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut xt = self.lists.get(wid as usize).map_or(NONE, |l| l.latest);
        while xt != NONE {
            out.push(xt);
            xt = self.words[xt as usize].link;
        }
        out
    }
}
