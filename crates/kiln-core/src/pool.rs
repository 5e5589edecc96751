//! The constant pool: values a program refers to by index, deduplicated by hash.

use rustc_hash::FxHashMap;
use std::hash::Hash;

/// Index of a constant in a [`ConstPool`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstIdx(pub u32);

/// A deduplicating constant pool: adding a value equal (by `Eq`) to one
/// already present returns the existing index.
///
/// `T`'s `Eq`/`Hash` decide what counts as "the same constant"; a language
/// whose values have observable differences that compare equal (e.g. the
/// decimals `1.0` and `1.00`) must key the pool by a representation that
/// keeps them apart.
#[derive(Clone, Debug)]
pub struct ConstPool<T> {
    values: Vec<T>,
    index: FxHashMap<T, ConstIdx>,
}

impl<T> Default for ConstPool<T> {
    fn default() -> Self {
        ConstPool {
            values: Vec::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<T: Hash + Eq + Clone> ConstPool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Index of `value`, adding it when no equal value is present.
    ///
    /// # Panics
    /// After 2^32 distinct constants.
    pub fn add(&mut self, value: T) -> ConstIdx {
        if let Some(&idx) = self.index.get(&value) {
            return idx;
        }
        let idx = ConstIdx(u32::try_from(self.values.len()).expect("constant pool overflow"));
        self.values.push(value.clone());
        self.index.insert(value, idx);
        idx
    }
}

impl<T> ConstPool<T> {
    /// The constant at `idx`.
    ///
    /// # Panics
    /// When `idx` was not produced by this pool.
    pub fn get(&self, idx: ConstIdx) -> &T {
        &self.values[idx.0 as usize]
    }

    /// All constants in index order.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// Number of distinct constants.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the pool holds no constant.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deduplicates() {
        let mut p = ConstPool::new();
        let a = p.add("official".to_string());
        let b = p.add("phone".to_string());
        let c = p.add("official".to_string());
        assert_eq!(a, c);
        assert_ne!(a, b);
        assert_eq!(p.len(), 2);
        assert_eq!(p.get(b), "phone");
    }
}
