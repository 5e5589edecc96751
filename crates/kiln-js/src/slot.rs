//! Value *storage*: the [`Slot`] type used for registers, object property
//! slots, dense array elements and closure cells, in one of two
//! representations chosen by the `nanbox` Cargo feature (issue 6 §3).
//!
//! - Without `nanbox`: `Slot` is [`Value`] itself (a 16-byte enum); `load` is
//!   a clone and `Slot::of` a move, so the enum build runs exactly the code
//!   it always ran.
//! - With `nanbox`: `Slot` is an 8-byte NaN-boxed word. Doubles are stored as
//!   themselves (every NaN canonicalised to `0x7FF8_0000_0000_0000`); all other
//!   values live in the payload of negative quiet NaNs, which no stored double
//!   uses. The top 16 bits are the tag:
//!
//!   | top 16 bits | kind | payload |
//!   |---|---|---|
//!   | `< 0xFFF9`  | Number | the IEEE-754 bits |
//!   | `0xFFF9` | Object | `ObjId` (u32) |
//!   | `0xFFFA` | Symbol | `SymId` (u32) |
//!   | `0xFFFB` | immediate | 0 undefined, 1 null, 2 false, 3 true, 4 empty |
//!   | `0xFFFC` | String | `Rc::into_raw` of the `JsStr`'s `Rc<Vec<u16>>` (48 bits) |
//!   | `0xFFFD` | BigInt | `Rc::into_raw` of the `Rc<BigInt>` (48 bits) |
//!
//!   Strings and BigInts keep their reference count: cloning a slot
//!   increments it, dropping decrements it (words at or above `0xFFFC << 48`
//!   are the only ones that own anything, one compare decides).
//!
//! Both representations offer the same API (`Slot::of`, `load`,
//! `as_num`, `as_obj`, `truthy`, `is_hole`, `num`, `obj`, `boolean`,
//! `strict_eq_fast` ...), so the interpreter's hot opcodes test the word
//! directly and never build the enum in the NaN-boxed build; everything else
//! goes through `load` and `Slot::of`.

use crate::value::{ObjId, Value};

#[cfg(not(feature = "nanbox"))]
mod repr {
    use super::*;

    /// A stored value: in this (enum) build, [`Value`] itself.
    pub type Slot = Value;

    impl Value {
        /// The slot of a value (a move).
        #[inline(always)]
        pub fn of(v: Value) -> Slot {
            v
        }
        /// The value in the slot (a clone).
        #[inline(always)]
        pub fn load(&self) -> Value {
            self.clone()
        }
        /// Moves the value out of the slot.
        #[inline(always)]
        pub fn into_value(self) -> Value {
            self
        }
        /// The slot of a Number.
        #[inline(always)]
        pub fn num(n: f64) -> Slot {
            Value::Num(n)
        }
        /// The slot of an object handle.
        #[inline(always)]
        pub fn obj(o: ObjId) -> Slot {
            Value::Obj(o)
        }
        /// The slot of a Boolean.
        #[inline(always)]
        pub fn boolean(b: bool) -> Slot {
            Value::Bool(b)
        }
        /// The slot of `undefined`.
        #[inline(always)]
        pub fn undef() -> Slot {
            Value::Undefined
        }
        /// The internal `Empty` marker (TDZ binding or array hole).
        #[inline(always)]
        pub fn hole() -> Slot {
            Value::Empty
        }
        /// IsStrictlyEqual (§7.2.16) when it is decidable without looking
        /// into strings or BigInts; in this build always decided.
        #[inline(always)]
        pub fn strict_eq_fast(&self, other: &Slot) -> Option<bool> {
            Some(crate::vm::strict_eq(self, other))
        }
    }
}

#[cfg(feature = "nanbox")]
mod repr {
    use super::*;
    use crate::value::{JsStr, SymId};
    use std::marker::PhantomData;
    use std::rc::Rc;

    #[cfg(not(target_pointer_width = "64"))]
    compile_error!("the `nanbox` feature needs a 64-bit target (48-bit pointers in the payload)");

    const TAG_SHIFT: u32 = 48;
    const PAYLOAD: u64 = (1 << TAG_SHIFT) - 1;
    /// Smallest tagged word; every word below is a Number.
    const TAG_MIN: u64 = 0xFFF9 << TAG_SHIFT;
    const TAG_OBJ: u64 = 0xFFF9 << TAG_SHIFT;
    const TAG_SYM: u64 = 0xFFFA << TAG_SHIFT;
    const TAG_IMM: u64 = 0xFFFB << TAG_SHIFT;
    /// Smallest word that owns a reference count (strings, BigInts).
    const TAG_PTR_MIN: u64 = 0xFFFC << TAG_SHIFT;
    const TAG_STR: u64 = 0xFFFC << TAG_SHIFT;
    const TAG_BIG: u64 = 0xFFFD << TAG_SHIFT;
    const UNDEFINED: u64 = TAG_IMM;
    const NULL: u64 = TAG_IMM | 1;
    const FALSE: u64 = TAG_IMM | 2;
    const TRUE: u64 = TAG_IMM | 3;
    const EMPTY: u64 = TAG_IMM | 4;
    const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

    /// A stored value: one NaN-boxed 64-bit word (see the module docs for
    /// the encoding). Owns a reference count when it holds a string or BigInt.
    #[repr(transparent)]
    pub struct Slot {
        bits: u64,
        /// Holds `Rc`s: neither `Send` nor `Sync`, like [`Value`].
        _rc: PhantomData<*const ()>,
    }

    const _: () = assert!(std::mem::size_of::<Slot>() == 8);

    impl Slot {
        #[inline(always)]
        const fn raw(bits: u64) -> Slot {
            Slot {
                bits,
                _rc: PhantomData,
            }
        }
        /// The slot of a value (strings and BigInts move their count in).
        #[inline(always)]
        pub fn of(v: Value) -> Slot {
            Slot::from(v)
        }
        /// The raw word (tests and debugging).
        #[inline(always)]
        pub fn bits(&self) -> u64 {
            self.bits
        }
        /// The slot of a Number (NaNs canonicalised).
        #[inline(always)]
        pub fn num(n: f64) -> Slot {
            if n.is_nan() {
                Slot::raw(CANONICAL_NAN)
            } else {
                Slot::raw(n.to_bits())
            }
        }
        /// The slot of an object handle.
        #[inline(always)]
        pub fn obj(o: ObjId) -> Slot {
            Slot::raw(TAG_OBJ | o.0 as u64)
        }
        /// The slot of a Boolean.
        #[inline(always)]
        pub fn boolean(b: bool) -> Slot {
            Slot::raw(if b { TRUE } else { FALSE })
        }
        /// The slot of `undefined`.
        #[inline(always)]
        pub fn undef() -> Slot {
            Slot::raw(UNDEFINED)
        }
        /// The internal `Empty` marker (TDZ binding or array hole).
        #[inline(always)]
        pub fn hole() -> Slot {
            Slot::raw(EMPTY)
        }
        /// True for the internal `Empty` marker.
        #[inline(always)]
        pub fn is_hole(&self) -> bool {
            self.bits == EMPTY
        }
        /// True for a Number.
        #[inline(always)]
        pub fn is_num(&self) -> bool {
            self.bits < TAG_MIN
        }
        /// The Number, if this is one.
        #[inline(always)]
        pub fn as_num(&self) -> Option<f64> {
            if self.bits < TAG_MIN {
                Some(f64::from_bits(self.bits))
            } else {
                None
            }
        }
        /// The object handle, if this is an object.
        #[inline(always)]
        pub fn as_obj(&self) -> Option<ObjId> {
            if self.bits >> TAG_SHIFT == TAG_OBJ >> TAG_SHIFT {
                Some(ObjId(self.bits as u32))
            } else {
                None
            }
        }
        /// True for `undefined` and `null`.
        #[inline(always)]
        pub fn is_nullish(&self) -> bool {
            self.bits == UNDEFINED || self.bits == NULL
        }
        /// True for `undefined`.
        #[inline(always)]
        pub fn is_undefined(&self) -> bool {
            self.bits == UNDEFINED
        }
        /// ToBoolean (§7.1.2).
        #[inline(always)]
        pub fn truthy(&self) -> bool {
            let b = self.bits;
            if b < TAG_MIN {
                let n = f64::from_bits(b);
                return !(n == 0.0 || n.is_nan());
            }
            match b {
                TRUE => true,
                FALSE | UNDEFINED | NULL | EMPTY => false,
                _ if b < TAG_PTR_MIN => true, // objects and symbols
                _ => self.load().truthy(),
            }
        }
        /// IsStrictlyEqual (§7.2.16) when decidable from the words alone:
        /// Numbers compare as doubles; two words of which neither is a string
        /// or BigInt are equal exactly when the words are. None otherwise.
        #[inline(always)]
        pub fn strict_eq_fast(&self, other: &Slot) -> Option<bool> {
            let (a, b) = (self.bits, other.bits);
            if a < TAG_MIN && b < TAG_MIN {
                return Some(f64::from_bits(a) == f64::from_bits(b));
            }
            if a < TAG_PTR_MIN && b < TAG_PTR_MIN {
                // At most one is a Number (then the other is tagged: unequal).
                return Some(a == b && a >= TAG_MIN);
            }
            None
        }
        /// The pointer payload of a string or BigInt word.
        #[inline(always)]
        fn ptr(&self) -> u64 {
            self.bits & PAYLOAD
        }
        /// The value in the slot (strings and BigInts: one more reference).
        #[inline]
        pub fn load(&self) -> Value {
            let b = self.bits;
            if b < TAG_MIN {
                return Value::Num(f64::from_bits(b));
            }
            match b & !PAYLOAD {
                TAG_OBJ => Value::Obj(ObjId(b as u32)),
                TAG_SYM => Value::Sym(SymId(b as u32)),
                TAG_STR => {
                    let p = self.ptr() as *const Vec<u16>;
                    // A TAG_STR word holds a pointer from `Rc::into_raw` whose
                    // strong count this slot owns one of (made in `from`, kept by
                    // `clone`), so the allocation is live.
                    // SAFETY: live `Rc` pointer; the new `Rc` gets its own count.
                    unsafe {
                        Rc::increment_strong_count(p);
                        Value::Str(JsStr(Rc::from_raw(p)))
                    }
                }
                TAG_BIG => {
                    let p = self.ptr() as *const num_bigint::BigInt;
                    // SAFETY: as for strings: a live `Rc::into_raw` pointer this
                    // slot owns a count of; the new `Rc` gets its own count.
                    unsafe {
                        Rc::increment_strong_count(p);
                        Value::BigInt(Rc::from_raw(p))
                    }
                }
                _ => match b {
                    NULL => Value::Null,
                    FALSE => Value::Bool(false),
                    TRUE => Value::Bool(true),
                    EMPTY => Value::Empty,
                    _ => Value::Undefined,
                },
            }
        }
        /// Moves the value out of the slot (a string's or BigInt's count moves
        /// with it: no count traffic).
        #[inline]
        pub fn into_value(self) -> Value {
            let v = match self.bits & !PAYLOAD {
                TAG_STR => {
                    // SAFETY: this slot owns one count of the live `Rc`; it is
                    // transferred to the returned value and the slot is
                    // forgotten below, so the count is not released twice.
                    Value::Str(JsStr(unsafe {
                        Rc::from_raw(self.ptr() as *const Vec<u16>)
                    }))
                }
                TAG_BIG => {
                    // SAFETY: as above, the slot's count moves to the value.
                    Value::BigInt(unsafe { Rc::from_raw(self.ptr() as *const num_bigint::BigInt) })
                }
                _ => return self.load(),
            };
            std::mem::forget(self);
            v
        }
    }

    #[inline(always)]
    fn box_ptr(tag: u64, p: u64) -> Slot {
        // User-space pointers on 64-bit Linux, macOS and Windows fit in 47
        // bits; a wider one cannot be stored and would be a corrupt value.
        assert!(p <= PAYLOAD, "pointer does not fit the NaN-box payload");
        Slot::raw(tag | p)
    }

    impl From<Value> for Slot {
        /// Boxes a value; strings and BigInts move their `Rc` count into the slot.
        #[inline]
        fn from(v: Value) -> Slot {
            match v {
                Value::Num(n) => Slot::num(n),
                Value::Obj(o) => Slot::obj(o),
                Value::Undefined => Slot::raw(UNDEFINED),
                Value::Null => Slot::raw(NULL),
                Value::Bool(b) => Slot::boolean(b),
                Value::Empty => Slot::raw(EMPTY),
                Value::Sym(s) => Slot::raw(TAG_SYM | s.0 as u64),
                Value::Str(s) => box_ptr(TAG_STR, Rc::into_raw(s.0) as u64),
                Value::BigInt(b) => box_ptr(TAG_BIG, Rc::into_raw(b) as u64),
            }
        }
    }

    impl Clone for Slot {
        #[inline(always)]
        fn clone(&self) -> Slot {
            if self.bits >= TAG_PTR_MIN {
                if self.bits & !PAYLOAD == TAG_STR {
                    // SAFETY: live `Rc::into_raw` pointer owned by `self`; the
                    // clone owns the new count.
                    unsafe { Rc::increment_strong_count(self.ptr() as *const Vec<u16>) }
                } else {
                    // SAFETY: as above, for a BigInt.
                    unsafe { Rc::increment_strong_count(self.ptr() as *const num_bigint::BigInt) }
                }
            }
            Slot::raw(self.bits)
        }
    }

    impl Drop for Slot {
        #[inline(always)]
        fn drop(&mut self) {
            if self.bits >= TAG_PTR_MIN {
                if self.bits & !PAYLOAD == TAG_STR {
                    // SAFETY: the slot owns one count of this live `Rc`
                    // allocation and is being destroyed: release it once.
                    unsafe { Rc::decrement_strong_count(self.ptr() as *const Vec<u16>) }
                } else {
                    // SAFETY: as above, for a BigInt.
                    unsafe { Rc::decrement_strong_count(self.ptr() as *const num_bigint::BigInt) }
                }
            }
        }
    }

    impl Default for Slot {
        fn default() -> Slot {
            Slot::raw(UNDEFINED)
        }
    }

    impl std::fmt::Debug for Slot {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.load().fmt(f)
        }
    }
}

pub use repr::Slot;

/// Boxes every value of `vals` (a register window, an argument list, array
/// elements) into slots.
#[inline]
pub fn slots_of(vals: &[Value]) -> Vec<Slot> {
    vals.iter().map(|v| Slot::of(v.clone())).collect()
}

/// Loads every slot of `slots` as a value.
#[inline]
pub fn values_of(slots: &[Slot]) -> Vec<Value> {
    slots.iter().map(Slot::load).collect()
}

#[cfg(test)]
mod tests {
    //! Round trips of every kind of value through a slot, the word-level fast
    //! paths against the enum's answers, and reference-count balance for
    //! strings and BigInts (Miri is not installed here: counts are checked
    //! with `Rc::strong_count` instead).
    use super::*;
    use crate::value::{JsStr, SymId};
    use proptest::prelude::*;
    use std::rc::Rc;

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Num(x), Value::Num(y)) => {
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
            }
            (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(&x.0, &y.0),
            (Value::BigInt(x), Value::BigInt(y)) => Rc::ptr_eq(x, y),
            (Value::Obj(x), Value::Obj(y)) => x == y,
            (Value::Sym(x), Value::Sym(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Undefined, Value::Undefined)
            | (Value::Null, Value::Null)
            | (Value::Empty, Value::Empty) => true,
            _ => false,
        }
    }

    /// Every fast path agrees with the enum on `v`, and `v` survives the trip.
    fn check(v: Value) {
        let s = Slot::of(v.clone());
        assert!(same(&s.load(), &v), "{v:?} -> {:?}", s.load());
        match (s.as_num(), v.as_num()) {
            (Some(x), Some(y)) => assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())),
            (None, None) => {}
            (x, y) => panic!("as_num {x:?} vs {y:?}"),
        }
        assert_eq!(s.is_num(), v.is_num());
        assert_eq!(s.as_obj(), v.as_obj());
        assert_eq!(s.truthy(), v.truthy());
        assert_eq!(s.is_hole(), v.is_hole());
        assert_eq!(s.is_nullish(), v.is_nullish());
        assert_eq!(s.is_undefined(), v.is_undefined());
        let c = s.clone();
        assert!(same(&c.load(), &v));
        assert!(same(&c.into_value(), &v));
        assert!(same(&s.into_value(), &v));
    }

    fn big(n: i64) -> Value {
        Value::BigInt(Rc::new(num_bigint::BigInt::from(n)))
    }

    #[test]
    fn every_kind_round_trips() {
        for n in [
            0.0,
            -0.0,
            1.5,
            -7.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0xFFFF_FFFF_FFFF_FFFF),
            f64::from_bits(0xFFF9_0000_0000_0001),
        ] {
            check(Value::Num(n));
        }
        for v in [
            Value::Undefined,
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Empty,
            Value::Obj(ObjId(0)),
            Value::Obj(ObjId(u32::MAX)),
            Value::Sym(SymId(0)),
            Value::Sym(SymId(u32::MAX)),
            Value::str(""),
            Value::str("héllo"),
            big(0),
            big(-12345678901234),
        ] {
            check(v);
        }
    }

    #[test]
    fn nan_payloads_never_alias_tagged_values() {
        // Any NaN the VM computes (sign or payload) reads back as a Number.
        for bits in [
            0x7FF8_0000_0000_0001,
            0xFFF8_0000_0000_0000,
            0xFFFC_0000_0000_1234,
        ] {
            let s = Slot::num(f64::from_bits(bits));
            assert!(s.is_num());
            assert!(s.as_num().is_some_and(f64::is_nan));
            assert!(!s.truthy());
        }
    }

    #[test]
    fn string_and_bigint_counts_balance() {
        let s = JsStr::from_str("counted");
        let b = Rc::new(num_bigint::BigInt::from(42));
        assert_eq!(Rc::strong_count(&s.0), 1);
        {
            let a = Slot::of(Value::Str(s.clone()));
            let k = Slot::of(Value::BigInt(b.clone()));
            assert_eq!(Rc::strong_count(&s.0), 2);
            assert_eq!(Rc::strong_count(&b), 2);
            let a2 = a.clone();
            let k2 = k.clone();
            assert_eq!(Rc::strong_count(&s.0), 3);
            assert_eq!(Rc::strong_count(&b), 3);
            let loaded = a2.load();
            assert_eq!(Rc::strong_count(&s.0), 4);
            drop(loaded);
            let moved = a2.into_value();
            assert_eq!(Rc::strong_count(&s.0), 3);
            drop(moved);
            drop(k2);
            assert_eq!(Rc::strong_count(&s.0), 2);
            assert_eq!(Rc::strong_count(&b), 2);
            // Overwriting a slot releases the old value.
            let mut regs = [a, k];
            regs[0] = Slot::num(1.0);
            regs[1] = Slot::undef();
            assert_eq!(Rc::strong_count(&s.0), 1);
            assert_eq!(Rc::strong_count(&b), 1);
            regs[0] = Slot::of(Value::Str(s.clone()));
            let taken = std::mem::take(&mut regs[0]);
            assert!(regs[0].is_undefined());
            assert_eq!(Rc::strong_count(&s.0), 2);
            drop(taken);
            regs[1] = Slot::of(Value::BigInt(b.clone()));
        }
        assert_eq!(Rc::strong_count(&s.0), 1);
        assert_eq!(Rc::strong_count(&b), 1);
    }

    #[test]
    fn strict_eq_fast_agrees_with_strict_eq() {
        let s = JsStr::from_str("x");
        let vals = [
            Value::Num(0.0),
            Value::Num(-0.0),
            Value::Num(f64::NAN),
            Value::Num(1.0),
            Value::Undefined,
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Obj(ObjId(3)),
            Value::Obj(ObjId(4)),
            Value::Sym(SymId(3)),
            Value::Str(s.clone()),
            Value::Str(JsStr::from_str("x")),
            big(1),
        ];
        for a in &vals {
            for b in &vals {
                let (sa, sb) = (Slot::of(a.clone()), Slot::of(b.clone()));
                let want = crate::vm::strict_eq(a, b);
                if let Some(got) = sa.strict_eq_fast(&sb) {
                    assert_eq!(got, want, "{a:?} === {b:?}");
                } else {
                    assert!(
                        matches!(a, Value::Str(_) | Value::BigInt(_))
                            || matches!(b, Value::Str(_) | Value::BigInt(_))
                    );
                }
            }
        }
    }

    fn any_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<f64>().prop_map(Value::Num),
            any::<u64>().prop_map(|b| Value::Num(f64::from_bits(b))),
            any::<u32>().prop_map(|o| Value::Obj(ObjId(o))),
            any::<u32>().prop_map(|o| Value::Sym(SymId(o))),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Undefined),
            Just(Value::Null),
            Just(Value::Empty),
            ".{0,8}".prop_map(|s: String| Value::str(&s)),
            any::<i64>().prop_map(big),
        ]
    }

    proptest! {
        #[test]
        fn round_trip_any(v in any_value()) {
            check(v);
        }

        #[test]
        fn counts_balance_any(vs in proptest::collection::vec(any_value(), 0..16)) {
            let before: Vec<usize> = vs.iter().map(|v| match v {
                Value::Str(s) => Rc::strong_count(&s.0),
                Value::BigInt(b) => Rc::strong_count(b),
                _ => 0,
            }).collect();
            let slots = slots_of(&vs);
            let copy = slots.clone();
            let back = values_of(&copy);
            prop_assert!(vs.iter().zip(&back).all(|(a, b)| same(a, b)));
            drop((slots, copy, back));
            let after: Vec<usize> = vs.iter().map(|v| match v {
                Value::Str(s) => Rc::strong_count(&s.0),
                Value::BigInt(b) => Rc::strong_count(b),
                _ => 0,
            }).collect();
            prop_assert_eq!(before, after);
        }
    }

    #[cfg(feature = "nanbox")]
    #[test]
    fn nanbox_slot_is_one_word() {
        assert_eq!(std::mem::size_of::<Slot>(), 8);
        assert_eq!(Slot::undef().bits(), 0xFFFB_0000_0000_0000);
    }
}
