//! JavaScript values (ECMA-262 §6.1): a compact tagged enum, UTF-16 strings,
//! property keys, and the numeric conversions that need no heap.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// A heap object handle: an index into [`crate::heap::Heap`]'s object table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId(pub u32);

/// A symbol: an index into the heap's symbol table (description, registry key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymId(pub u32);

/// An immutable UTF-16 string (ECMA-262 §6.1.4: a sequence of 16-bit code units).
///
/// A thin pointer (`Rc<Vec<u16>>`, 8 bytes) rather than `Rc<[u16]>` (a 16-byte
/// fat pointer), so that [`Value`] stays 16 bytes; the cost is one more
/// indirection to reach the units (see ARCHITECTURE.md, "JavaScript: value
/// representation"); in the NaN-boxed [`crate::slot::Slot`] it is the 48-bit payload.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JsStr(pub Rc<Vec<u16>>);

impl JsStr {
    /// The string of the UTF-8 text `s`, as UTF-16 code units.
    pub fn from_str(s: &str) -> JsStr {
        JsStr(Rc::new(s.encode_utf16().collect::<Vec<u16>>()))
    }
    /// The string of the code units `u`.
    pub fn from_units(u: Vec<u16>) -> JsStr {
        JsStr(Rc::new(u))
    }
    /// The code units.
    pub fn units(&self) -> &[u16] {
        &self.0
    }
    /// Length in code units.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Lossy conversion to Rust text (lone surrogates become U+FFFD).
    pub fn to_rust(&self) -> String {
        String::from_utf16_lossy(&self.0)
    }
    /// `a + b`.
    pub fn concat(&self, other: &JsStr) -> JsStr {
        let mut v = Vec::with_capacity(self.len() + other.len());
        v.extend_from_slice(&self.0);
        v.extend_from_slice(&other.0);
        JsStr(Rc::new(v))
    }
    /// ECMA-262 CanonicalNumericIndexString restricted to array indices: the
    /// index when this string is the canonical decimal form of an integer
    /// in `0..2^32-1`.
    pub fn as_index(&self) -> Option<u32> {
        let u = &self.0;
        if u.is_empty() || u.len() > 10 {
            return None;
        }
        if u.len() > 1 && u[0] == b'0' as u16 {
            return None;
        }
        let mut n: u64 = 0;
        for &c in u.iter() {
            if !(b'0' as u16..=b'9' as u16).contains(&c) {
                return None;
            }
            n = n * 10 + (c - b'0' as u16) as u64;
        }
        (n < u32::MAX as u64).then_some(n as u32)
    }
}

impl Hash for JsStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for JsStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_rust())
    }
}

impl fmt::Display for JsStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rust())
    }
}

/// A property key (ECMA-262 §6.1.7): a string or a symbol.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PropKey {
    /// A string key (array indices included, in canonical form).
    Str(JsStr),
    /// A symbol key.
    Sym(SymId),
}

impl PropKey {
    /// The key of the UTF-8 text `s`.
    pub fn from_str(s: &str) -> PropKey {
        PropKey::Str(JsStr::from_str(s))
    }
    /// The key of an array index.
    pub fn from_index(i: u32) -> PropKey {
        PropKey::Str(JsStr::from_str(&i.to_string()))
    }
    /// The array index this key denotes, if any.
    pub fn as_index(&self) -> Option<u32> {
        match self {
            PropKey::Str(s) => s.as_index(),
            PropKey::Sym(_) => None,
        }
    }
}

/// A JavaScript value. `Empty` is internal: an uninitialised binding (TDZ) or
/// an array hole; it never reaches user code.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `undefined`.
    #[default]
    Undefined,
    /// `null`.
    Null,
    /// A Boolean.
    Bool(bool),
    /// A Number (IEEE-754 double).
    Num(f64),
    /// A String.
    Str(JsStr),
    /// A Symbol.
    Sym(SymId),
    /// A BigInt (arbitrary precision integer).
    BigInt(Rc<num_bigint::BigInt>),
    /// An Object.
    Obj(ObjId),
    /// Internal marker: uninitialised binding or array hole.
    Empty,
}

// Built-ins pass `Value`s around, and in the enum build (`--no-default-features`)
// registers, object slots and array elements are `Value`s too: keep it two words.
const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// A string value from Rust text.
    pub fn str(s: &str) -> Value {
        Value::Str(JsStr::from_str(s))
    }
    /// The object handle, if this is an object.
    #[inline]
    pub fn as_obj(&self) -> Option<ObjId> {
        match self {
            Value::Obj(o) => Some(*o),
            _ => None,
        }
    }
    /// The Number, if this is one.
    #[inline(always)]
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }
    /// True for a Number.
    #[inline(always)]
    pub fn is_num(&self) -> bool {
        matches!(self, Value::Num(_))
    }
    /// True for the internal `Empty` marker (TDZ binding or array hole).
    #[inline(always)]
    pub fn is_hole(&self) -> bool {
        matches!(self, Value::Empty)
    }
    /// True for `undefined` and `null`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }
    /// True for `undefined`.
    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }
    /// ToBoolean (§7.1.2); objects are always true.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null | Value::Empty => false,
            Value::Bool(b) => *b,
            Value::Num(n) => !(*n == 0.0 || n.is_nan()),
            Value::Str(s) => !s.is_empty(),
            Value::BigInt(b) => **b != num_bigint::BigInt::ZERO,
            Value::Sym(_) | Value::Obj(_) => true,
        }
    }
}

/// Number::toString(10) (§6.1.6.1.20), via `ryu-js`.
pub fn number_to_string(n: f64) -> String {
    if n == 0.0 {
        return "0".into();
    }
    let mut b = ryu_js::Buffer::new();
    b.format(n).to_string()
}

/// Number::toString(radix) for radix 2..=36 other than 10.
pub fn number_to_string_radix(n: f64, radix: u32) -> String {
    if radix == 10 || !n.is_finite() {
        return number_to_string(n);
    }
    let neg = n < 0.0;
    let mut x = n.abs();
    let mut int = x.trunc();
    x -= int;
    let mut digits = Vec::new();
    if int == 0.0 {
        digits.push(b'0');
    }
    while int >= 1.0 {
        let d = (int % radix as f64) as u32;
        digits.push(std::char::from_digit(d, radix).unwrap_or('0') as u8);
        int = ((int - d as f64) / radix as f64).trunc();
    }
    digits.reverse();
    let mut s = String::from_utf8(digits).unwrap_or_default();
    if x > 0.0 {
        s.push('.');
        let mut count = 0;
        while x > 0.0 && count < 52 {
            x *= radix as f64;
            let d = x.trunc() as u32;
            s.push(std::char::from_digit(d, radix).unwrap_or('0'));
            x -= d as f64;
            count += 1;
        }
    }
    if neg { format!("-{s}") } else { s }
}

fn is_js_whitespace(c: u16) -> bool {
    matches!(
        c,
        0x09 | 0x0A | 0x0B | 0x0C | 0x0D | 0x20 | 0xA0 | 0x1680 | 0x2000
            ..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000 | 0xFEFF
    )
}

/// Trims JS whitespace and line terminators (§7.1.4.1.1 StrWhiteSpace) from both ends.
pub fn trim_units(u: &[u16]) -> &[u16] {
    let mut a = 0;
    let mut b = u.len();
    while a < b && is_js_whitespace(u[a]) {
        a += 1;
    }
    while b > a && is_js_whitespace(u[b - 1]) {
        b -= 1;
    }
    &u[a..b]
}

/// Trims at the start only (`trimStart`).
pub fn trim_start_units(u: &[u16]) -> &[u16] {
    let mut a = 0;
    while a < u.len() && is_js_whitespace(u[a]) {
        a += 1;
    }
    &u[a..]
}

/// Trims at the end only (`trimEnd`).
pub fn trim_end_units(u: &[u16]) -> &[u16] {
    let mut b = u.len();
    while b > 0 && is_js_whitespace(u[b - 1]) {
        b -= 1;
    }
    &u[..b]
}

/// StringToNumber (§7.1.4.1.1): decimal, `0x`/`0o`/`0b` literals, `Infinity`; NaN otherwise.
pub fn string_to_number(s: &[u16]) -> f64 {
    let t = trim_units(s);
    if t.is_empty() {
        return 0.0;
    }
    let Ok(text) = String::from_utf16(t) else {
        return f64::NAN;
    };
    let lower = text.as_bytes();
    if lower.len() > 2 && lower[0] == b'0' {
        let radix = match lower[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            let mut v = 0f64;
            for c in text[2..].chars() {
                match c.to_digit(radix) {
                    Some(d) => v = v * radix as f64 + d as f64,
                    None => return f64::NAN,
                }
            }
            return v;
        }
    }
    match text.as_str() {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok || text.contains("inf") {
        return f64::NAN;
    }
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// ToInt32 (§7.1.6).
pub fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let m = n.trunc() % 4294967296.0;
    let m = if m < 0.0 { m + 4294967296.0 } else { m };
    (m as u64 as u32) as i32
}

/// ToUint32 (§7.1.7).
pub fn to_uint32(n: f64) -> u32 {
    to_int32(n) as u32
}

/// ToIntegerOrInfinity (§7.1.5) of a Number.
pub fn to_integer(n: f64) -> f64 {
    if n.is_nan() {
        0.0
    } else if n.is_infinite() {
        n
    } else {
        n.trunc() + 0.0
    }
}
