//! String interning: each distinct string gets one [`Sym`], a `u32` handle.

use rustc_hash::FxHashMap;
use std::fmt;

/// An interned string: an index into one [`Interner`]. Comparing two `Sym`s
/// from the same interner compares the strings.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// An append-only table of strings. Interning the same text twice returns
/// the same [`Sym`]; lookups are one hash of the text.
#[derive(Default, Clone)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The symbol for `text`, adding it when new.
    ///
    /// # Panics
    /// Never in practice: after 2^32 distinct strings (impossible within Kiln's limits).
    pub fn intern(&mut self, text: &str) -> Sym {
        if let Some(&sym) = self.map.get(text) {
            return sym;
        }
        let sym = Sym(u32::try_from(self.strings.len()).expect("interner overflow"));
        self.strings.push(text.into());
        self.map.insert(text.into(), sym);
        sym
    }

    /// The symbol for `text` if it was interned before.
    pub fn get(&self, text: &str) -> Option<Sym> {
        self.map.get(text).copied()
    }

    /// The text of `sym`.
    ///
    /// # Panics
    /// When `sym` comes from another interner and is out of range.
    pub fn resolve(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.strings.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_sym() {
        let mut i = Interner::new();
        let a = i.intern("given");
        let b = i.intern("family");
        assert_ne!(a, b);
        assert_eq!(i.intern("given"), a);
        assert_eq!(i.resolve(b), "family");
        assert_eq!(i.get("nope"), None);
        assert_eq!(i.len(), 2);
    }
}
