//! Inline caches: one polymorphic cache per property get/set site (up to
//! [`IC_WAYS`] receiver shapes, then megamorphic), their validity rules, and
//! the hit/miss counters behind [`crate::Vm::ic_stats`].
//!
//! An entry is keyed on the receiver's shape id. Three kinds of entry exist:
//! - **own data** (`holder == 0`, `new_shape == 0`): the property is a data
//!   property of the receiver at `slot`. Valid as long as the receiver has the
//!   shape: a non-dictionary shape fixes the keys, their order and attributes.
//! - **prototype data** (`holder != 0`): the receiver's shape has no such key
//!   and the first object on its prototype chain that has it is `holder`, a
//!   data property at `slot`. Valid while [`crate::heap::Heap::proto_epoch`]
//!   equals `epoch`: the heap bumps the epoch on every structural change
//!   (add/remove/reattribute a property, change of \[\[Prototype\]\]) of an
//!   object that is some shape's prototype, so a shadowing property added
//!   anywhere on the path, or a data property turned into an accessor,
//!   invalidates every chain entry at once (V8's "prototype validity cell",
//!   coarsened to one global cell).
//! - **add-property transition** (`new_shape != 0`, set sites only): the key
//!   is absent from the receiver and no object on the chain has a setter or a
//!   read-only property for it, so `o.k = v` moves the receiver from `shape`
//!   to `new_shape` and appends `v` at `slot`. Valid while `epoch` matches
//!   and the receiver is extensible and not itself a prototype (adding to a
//!   prototype must bump the epoch, which only the slow path does).
//!
//! Dictionary shapes are never cached as the receiver shape (they belong to
//! one object and mutate in place). When a fifth shape misses at a full site
//! the site turns megamorphic: the four entries still hit, nothing new is
//! cached, and other receivers take the generic \[\[Get\]\]/\[\[Set\]\] path.

use std::cell::Cell;

/// Entries per site before it turns megamorphic (V8 and SpiderMonkey also use 4).
pub const IC_WAYS: usize = 4;

/// `IcSite::len` value of a megamorphic site.
const MEGA: u8 = u8::MAX;

/// One cache entry (see the module docs for the three kinds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IcEntry {
    /// Receiver shape + 1 (0 = empty entry).
    pub shape: u32,
    /// Slot of the property in the receiver (own, transition) or in the holder.
    pub slot: u32,
    /// Prototype object holding the property + 1 (0 = own property or transition).
    pub holder: u32,
    /// `Heap::proto_epoch` when the entry was filled (prototype and transition entries).
    pub epoch: u32,
    /// Shape after adding the property + 1 (0 = not a transition).
    pub new_shape: u32,
}

/// What a site has seen so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcState {
    /// Never filled.
    Uninitialized,
    /// One receiver shape cached.
    Monomorphic,
    /// 2..=`IC_WAYS` receiver shapes cached.
    Polymorphic(u8),
    /// More than `IC_WAYS` shapes seen; no longer filled.
    Megamorphic,
}

/// One property site's cache: up to [`IC_WAYS`] entries, probed in fill order.
#[derive(Debug, Default)]
pub struct IcSite {
    entries: [Cell<IcEntry>; IC_WAYS],
    len: Cell<u8>,
}

impl IcSite {
    /// The entry for receiver shape `shape` (the shape id itself, not + 1).
    #[inline(always)]
    pub fn probe(&self, shape: u32) -> Option<IcEntry> {
        let key = shape + 1;
        let e = self.entries[0].get();
        if e.shape == key {
            return Some(e);
        }
        for c in &self.entries[1..] {
            let e = c.get();
            if e.shape == key {
                return Some(e);
            }
        }
        None
    }

    /// Records `e`: replaces a stale entry for the same receiver shape, else
    /// appends; a full site turns megamorphic and drops `e`.
    pub fn insert(&self, e: IcEntry) {
        let n = self.len.get();
        if n == MEGA {
            return;
        }
        for c in &self.entries[..n as usize] {
            if c.get().shape == e.shape {
                c.set(e);
                return;
            }
        }
        if (n as usize) < IC_WAYS {
            self.entries[n as usize].set(e);
            self.len.set(n + 1);
        } else {
            self.len.set(MEGA);
        }
    }

    /// The site's state (for tests and `--explain`-style diagnostics).
    pub fn state(&self) -> IcState {
        match self.len.get() {
            0 => IcState::Uninitialized,
            1 => IcState::Monomorphic,
            MEGA => IcState::Megamorphic,
            n => IcState::Polymorphic(n),
        }
    }
}

/// Property-site cache counters of one VM (get and set sites, not globals).
/// Plain increments on the hot path; read them with [`crate::Vm::ic_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IcStats {
    /// Accesses answered by a cache entry.
    pub hits: u64,
    /// Accesses that took the lookup path (and maybe filled an entry).
    pub misses: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(shape: u32) -> IcEntry {
        IcEntry {
            shape: shape + 1,
            slot: shape * 10,
            ..IcEntry::default()
        }
    }

    #[test]
    fn site_goes_mono_poly_mega() {
        let s = IcSite::default();
        assert_eq!(s.state(), IcState::Uninitialized);
        assert_eq!(s.probe(3), None);
        s.insert(entry(3));
        assert_eq!(s.state(), IcState::Monomorphic);
        assert_eq!(s.probe(3).map(|e| e.slot), Some(30));
        for sh in [4, 5, 6] {
            s.insert(entry(sh));
        }
        assert_eq!(s.state(), IcState::Polymorphic(4));
        for sh in [3, 4, 5, 6] {
            assert_eq!(s.probe(sh).map(|e| e.slot), Some(sh * 10));
        }
        s.insert(entry(7));
        assert_eq!(s.state(), IcState::Megamorphic);
        assert_eq!(s.probe(7), None);
        assert_eq!(s.probe(6).map(|e| e.slot), Some(60));
    }

    #[test]
    fn refill_replaces_the_same_shape() {
        let s = IcSite::default();
        s.insert(entry(1));
        s.insert(IcEntry {
            slot: 99,
            ..entry(1)
        });
        assert_eq!(s.state(), IcState::Monomorphic);
        assert_eq!(s.probe(1).map(|e| e.slot), Some(99));
    }
}
