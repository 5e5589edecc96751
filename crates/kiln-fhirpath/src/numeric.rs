//! Numeric semantics of FHIRPath: the `Integer` (32-bit), `Long` (64-bit) and
//! `Decimal` types.
//!
//! This module owns everything numeric that is not tied to units:
//!
//! * exact decimal text: [`parse_decimal`] (FHIRPath literals, FHIR JSON
//!   numbers, `toDecimal()`), [`format_decimal`] (output and `toString()`);
//! * checked `Integer`/`Long` arithmetic (`+ - * div mod`, §6.6 "Math") where
//!   `None` means overflow or division by zero, both of which the spec turns
//!   into an empty result ("Operations that cause arithmetic overflow or
//!   underflow will result in empty");
//! * `Decimal` arithmetic (`+ - * / div mod`) with FHIRPath's precision rules;
//! * the math functions of §5.7 (`abs`, `ceiling`, `exp`, `floor`, `ln`,
//!   `log`, `power`, `round`, `sqrt`, `truncate`);
//! * decimal equality/equivalence (§6.1 `=` and `~`);
//! * `lowBoundary`/`highBoundary`/`precision` on decimals (§5.11);
//! * the string conversions `toInteger()`, `toLong()`, `toDecimal()` and
//!   their `convertsTo*` forms (§5.5).
//!
//! Decimals are [`rust_decimal::Decimal`]: 96-bit mantissa and scale 0..=28,
//! which covers the spec's minimum (28 digits, step 10⁻⁸). The *scale* (digits
//! after the point) is significant: `1.50` keeps scale 2 and prints as
//! `1.50`, and equality ignores trailing zeros while equivalence uses them.
//!
//! Negative zero: FHIRPath has no negative zero, and every function here
//! returns `0`, never `-0`, except the boundary functions, whose spec examples
//! require `(-0.0034).lowBoundary(1)` to print `-0.0`. [`format_decimal`]
//! prints the sign of a negative zero, so callers negating a decimal should use
//! [`decimal_neg`] (which never produces `-0`) rather than `-d`.

use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};
use std::cmp::Ordering;

/// The largest scale (digits after the decimal point) a Decimal can carry,
/// and so the greatest precision accepted by `lowBoundary`/`highBoundary`
/// and `round` (§5.11: "If the precision is greater than the maximum possible
/// precision of the implementation, the result is empty").
pub const MAX_DECIMAL_PRECISION: u32 = 28;

/// The default precision of `lowBoundary()`/`highBoundary()` on a Decimal
/// when none is given (§5.11: "at least 8 for Decimal").
pub const DEFAULT_BOUNDARY_PRECISION: i64 = 8;

/// Significant digits kept in the results of the transcendental functions
/// (`exp`, `ln`, `log`, `sqrt`, `power` with a fractional exponent). The
/// underlying series are accurate to ~27 digits; rounding to 20 removes the
/// noise in the last digits so that exact results come out exact
/// (`16.log(2)` is `4.0`, not `3.9999999999999999999999999983`).
pub const TRANSCENDENTAL_DIGITS: u32 = 20;

/// 2⁹⁶ − 1, the largest Decimal mantissa.
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// A math function argument for which the spec requires the evaluation to
/// *signal an error* (as opposed to returning empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// `log()` on an input that is 0 or negative (§5.7.6).
    NonPositiveLogInput,
    /// `log(base)` with a base that is 0 or negative (§5.7.6).
    NonPositiveLogBase,
    /// `round(precision)` with a negative precision (§5.7.8).
    NegativePrecision,
}

impl std::fmt::Display for MathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MathError::NonPositiveLogInput => "log() input must be greater than 0",
            MathError::NonPositiveLogBase => "log() base must be greater than 0",
            MathError::NegativePrecision => "round() precision must be >= 0",
        })
    }
}

impl std::error::Error for MathError {}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

/// Parses decimal text exactly, keeping its scale (`"1.50"` → scale 2).
///
/// Accepts an optional sign (`+`/`-`), at least one integer digit, an optional
/// fraction (`.` and at least one digit) and an optional exponent
/// (`e`/`E`, optional sign, digits) as in FHIR JSON numbers (`1e3` → `1000`,
/// `1.5E-2` → `0.015`). Fractions finer than 10⁻²⁸ are rounded half away from
/// zero to 28 places; a non-zero value that would round to zero (underflow)
/// or a value beyond ±79228162514264337593543950335 (overflow) gives `None`,
/// as does malformed text (empty, `.5`, `1.`, spaces, `1e`). Never panics,
/// whatever the length of the input or of its exponent. `-0` parses as `0`.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &b[int_start..i];
    if int_digits.is_empty() {
        return None;
    }
    let mut frac_digits: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &b[start..i];
        if frac_digits.is_empty() {
            return None;
        }
    }
    let mut exponent: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let exp_negative = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            // Saturate: anything beyond a million is out of range anyway.
            exponent = (exponent * 10 + i64::from(b[i] - b'0')).min(1_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return None;
    }
    // Fast path (nearly every FHIR decimal): no exponent and at most 28
    // digits fit the 96-bit mantissa exactly; no allocation.
    if exponent == 0 && int_digits.len() + frac_digits.len() <= 28 {
        let mut mantissa: i128 = 0;
        for &d in int_digits.iter().chain(frac_digits) {
            mantissa = mantissa * 10 + i128::from(d - b'0');
        }
        if negative {
            mantissa = -mantissa;
        }
        return Decimal::try_from_i128_with_scale(mantissa, frac_digits.len() as u32).ok();
    }
    let digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits.iter())
        .map(|d| d - b'0')
        .collect();
    let scale = frac_digits.len() as i64 - exponent;
    decimal_from_digits(negative, &digits, scale)
}

/// Builds a Decimal from decimal digits (values 0..=9, most significant
/// first) and a scale (which may be negative or beyond 28), rounding away
/// excess fraction digits half away from zero. `None` on overflow/underflow.
fn decimal_from_digits(negative: bool, digits: &[u8], scale: i64) -> Option<Decimal> {
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first) = first_nonzero else {
        // Zero: keep the scale where representable, never negative zero.
        let scale = scale.clamp(0, i64::from(MAX_DECIMAL_PRECISION)) as u32;
        return Some(Decimal::new(0, scale));
    };
    let mut digits: Vec<u8> = digits[first..].to_vec();
    let mut scale = scale;
    if scale < 0 {
        // Append zeros; more than 29 digits cannot fit a 96-bit mantissa.
        let zeros = usize::try_from(-scale).ok()?;
        if digits.len().checked_add(zeros)? > 29 {
            return None;
        }
        digits.extend(std::iter::repeat_n(0, zeros));
        scale = 0;
    }
    let len = digits.len() as i64;
    // Digits to drop from the end: enough to bring the scale to 28 and the
    // digit count to 29; one more if the 29 digits still exceed 2^96 - 1.
    let mut drop = (scale - i64::from(MAX_DECIMAL_PRECISION))
        .max(len - 29)
        .max(0);
    loop {
        if drop > scale {
            return None; // would have to drop integer digits: overflow
        }
        let keep = (len - drop).max(0) as usize;
        let mut mantissa: u128 = 0;
        for &d in &digits[..keep] {
            mantissa = mantissa * 10 + u128::from(d);
        }
        if drop > 0 && drop <= len && digits[keep] >= 5 {
            mantissa += 1;
        }
        if mantissa > MAX_MANTISSA {
            drop += 1;
            continue;
        }
        if mantissa == 0 {
            return None; // a non-zero value rounded to zero: underflow
        }
        let signed = if negative {
            -(mantissa as i128)
        } else {
            mantissa as i128
        };
        return Decimal::try_from_i128_with_scale(signed, (scale - drop) as u32).ok();
    }
}

/// Formats a Decimal as FHIRPath text, keeping its scale and never using an
/// exponent: `1.50`, `-0.5`, `0.040`, `1234567890987654321.0`.
///
/// A negative zero (only produced by the boundary functions) prints with its
/// sign (`-0.0`, as the spec's `(-0.0034).lowBoundary(1)` example requires).
pub fn format_decimal(d: &Decimal) -> String {
    let digits = d.mantissa().unsigned_abs().to_string();
    let scale = d.scale() as usize;
    let mut out = String::with_capacity(digits.len() + scale + 3);
    if d.is_sign_negative() {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(&digits);
    } else if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(&digits);
    }
    out
}

/// Converts an `f64` to the Decimal of its shortest round-trip text
/// (`0.1_f64` → `0.1`, `2.5400000000000002e-2` → `0.025400000000000002`).
/// `None` for NaN, infinities, and values outside the Decimal range (or so
/// small they round to zero).
pub fn decimal_from_f64(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some(Decimal::ZERO);
    }
    parse_decimal(&format!("{f:e}"))
}

/// Converts a Decimal to the nearest `f64` (used where only floating point
/// arithmetic is available, e.g. logarithmic UCUM units).
pub fn decimal_to_f64(d: &Decimal) -> f64 {
    // The Display text of a Decimal always parses as an f64.
    format_decimal(d).parse::<f64>().unwrap_or(f64::NAN)
}

/// Returns `d` with the sign of a zero value cleared (FHIRPath has no `-0`).
fn positive_zero(d: Decimal) -> Decimal {
    if d.is_zero() && d.is_sign_negative() {
        let mut z = d;
        z.set_sign_negative(false);
        z
    } else {
        d
    }
}

/// Number of decimal digits of `m` (1 for 0).
fn digit_count(m: u128) -> u32 {
    m.checked_ilog10().map_or(1, |l| l + 1)
}

/// `10^n` as u128 for n <= 38.
fn pow10(n: u32) -> u128 {
    10u128.pow(n)
}

/// Re-expresses `d` with the larger scale `scale` (padding zeros), or `None`
/// if the mantissa would not fit 96 bits or `scale` exceeds 28.
fn pad_scale(d: &Decimal, scale: u32) -> Option<Decimal> {
    if scale <= d.scale() {
        return Some(*d);
    }
    if scale > MAX_DECIMAL_PRECISION {
        return None;
    }
    let m = d
        .mantissa()
        .unsigned_abs()
        .checked_mul(pow10(scale - d.scale()))?;
    if m > MAX_MANTISSA {
        return None;
    }
    let signed = if d.is_sign_negative() {
        -(m as i128)
    } else {
        m as i128
    };
    Decimal::try_from_i128_with_scale(signed, scale).ok()
}

/// Pads `d` to at least `scale` digits after the point when representable,
/// otherwise returns it unchanged.
fn with_min_scale(d: Decimal, scale: u32) -> Decimal {
    pad_scale(&d, scale).unwrap_or(d)
}

/// Re-expresses `d` with at least `scale` digits after the point by padding
/// zeros (`2` with scale 1 → `2.0`); unchanged when it already has as many,
/// or when padding would not fit (scale > 28 or mantissa > 96 bits).
pub fn decimal_with_min_scale(d: &Decimal, scale: u32) -> Decimal {
    with_min_scale(*d, scale)
}

/// Rounds `d` half away from zero to `digits` significant digits
/// (`3.14159` → `3.14` for 3 digits); integer digits are never rounded away
/// (`12345.6` stays `12346` for 3 digits). Used to clean floating point
/// conversion results.
pub fn decimal_round_significant(d: &Decimal, digits: u32) -> Decimal {
    positive_zero(round_significant(*d, digits))
}

/// Rounds `d` (half away from zero) to `digits` significant digits, never
/// rounding integer digits away.
fn round_significant(d: Decimal, digits: u32) -> Decimal {
    if d.is_zero() {
        return d;
    }
    let n = i64::from(digit_count(d.mantissa().unsigned_abs()));
    let integer_digits = n - i64::from(d.scale());
    let dp = (i64::from(digits) - integer_digits).max(0);
    if dp >= i64::from(d.scale()) {
        d
    } else {
        d.round_dp_with_strategy(dp as u32, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// Post-processing of transcendental results: round to
/// [`TRANSCENDENTAL_DIGITS`] significant digits, drop trailing zeros and keep
/// at least one decimal place (`9.0`, `1.0`, `0.0`, as in the spec examples).
fn finish_transcendental(d: Decimal) -> Decimal {
    with_min_scale(
        positive_zero(round_significant(d, TRANSCENDENTAL_DIGITS).normalize()),
        1,
    )
}

// ---------------------------------------------------------------------------
// Integer (32-bit) and Long (64-bit)
// ---------------------------------------------------------------------------

/// Integer `+` (§6.6.3). `None` on overflow (→ empty).
pub fn integer_add(a: i32, b: i32) -> Option<i32> {
    a.checked_add(b)
}

/// Integer `-` (§6.6.4). `None` on overflow (→ empty).
pub fn integer_sub(a: i32, b: i32) -> Option<i32> {
    a.checked_sub(b)
}

/// Integer `*` (§6.6.1). `None` on overflow (→ empty).
pub fn integer_mul(a: i32, b: i32) -> Option<i32> {
    a.checked_mul(b)
}

/// Integer `div` (§6.6.5): truncated division (`5 div 2` = 2,
/// `-5 div 2` = -2). `None` when dividing by zero or on overflow
/// (`-2147483648 div -1`), both → empty.
pub fn integer_div(a: i32, b: i32) -> Option<i32> {
    a.checked_div(b)
}

/// Integer `mod` (§6.6.6): remainder of the truncated division, with the sign
/// of the dividend (`5 mod 2` = 1, `-5 mod 2` = -1). `None` when dividing by
/// zero (→ empty).
pub fn integer_mod(a: i32, b: i32) -> Option<i32> {
    if b == -1 {
        return Some(0); // avoid the MIN % -1 overflow; the remainder is 0
    }
    a.checked_rem(b)
}

/// Integer unary `-` (§6.6 polarity). `None` for `-(-2147483648)` (overflow).
pub fn integer_neg(a: i32) -> Option<i32> {
    a.checked_neg()
}

/// Integer `abs()` (§5.7.1). `None` for `-2147483648` (overflow).
pub fn integer_abs(a: i32) -> Option<i32> {
    a.checked_abs()
}

/// Long `+` (§6.6.3). `None` on overflow (→ empty).
pub fn long_add(a: i64, b: i64) -> Option<i64> {
    a.checked_add(b)
}

/// Long `-` (§6.6.4). `None` on overflow (→ empty).
pub fn long_sub(a: i64, b: i64) -> Option<i64> {
    a.checked_sub(b)
}

/// Long `*` (§6.6.1). `None` on overflow (→ empty).
pub fn long_mul(a: i64, b: i64) -> Option<i64> {
    a.checked_mul(b)
}

/// Long `div` (§6.6.5, `5L div 2` = `2L`): truncated division. `None` when
/// dividing by zero or on overflow.
pub fn long_div(a: i64, b: i64) -> Option<i64> {
    a.checked_div(b)
}

/// Long `mod` (§6.6.6): remainder with the sign of the dividend. `None` when
/// dividing by zero.
pub fn long_mod(a: i64, b: i64) -> Option<i64> {
    if b == -1 {
        return Some(0);
    }
    a.checked_rem(b)
}

/// Long unary `-`. `None` on overflow.
pub fn long_neg(a: i64) -> Option<i64> {
    a.checked_neg()
}

/// Long `abs()` (§5.7.1). `None` on overflow.
pub fn long_abs(a: i64) -> Option<i64> {
    a.checked_abs()
}

/// Narrows a Long to an Integer (`42L.toInteger()`, §5.5.4); `None` (→ empty)
/// when outside -2³¹..2³¹-1.
pub fn long_to_integer(a: i64) -> Option<i32> {
    i32::try_from(a).ok()
}

/// `/` on Integer or Long operands (§6.6.2): always a Decimal (`4 / 2` is
/// `2`, `1 / 2` is `0.5`). `None` when dividing by zero (→ empty). See
/// [`decimal_divide`] for the precision of the result.
pub fn integer_divide(a: i64, b: i64) -> Option<Decimal> {
    decimal_divide(&Decimal::from(a), &Decimal::from(b))
}

/// Integer/Long `power` with a non-negative exponent, staying integral:
/// `2.power(3)` → `8`. `None` for negative exponents (whose result is not
/// integral) or on overflow. Note: the spec (§5.7.7 and `functions.json`)
/// types `power()` as returning Decimal for every input; this helper exists
/// for callers that keep Integer results integral, and [`decimal_power`]
/// gives the spec's Decimal result.
pub fn integer_power(base: i64, exponent: i64) -> Option<i64> {
    let e = u32::try_from(exponent).ok()?;
    base.checked_pow(e)
}

// ---------------------------------------------------------------------------
// Decimal arithmetic
// ---------------------------------------------------------------------------

/// Decimal `+` (§6.6.3): exact; the scale is the larger of the operands'
/// (`1.50 + 1` = `2.50`). `None` on overflow.
pub fn decimal_add(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    a.checked_add(*b).map(positive_zero)
}

/// Decimal `-` (§6.6.4): exact, like [`decimal_add`]. `None` on overflow.
pub fn decimal_sub(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    a.checked_sub(*b).map(positive_zero)
}

/// Decimal `*` (§6.6.1): exact, scales add (`1.2 * 1.8` = `2.16`,
/// `2.0 * 2.0` = `4.00`); beyond 28 fraction digits the product is rounded.
/// `None` on overflow, or on underflow (non-zero operands, zero product).
pub fn decimal_mul(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    let p = a.checked_mul(*b)?;
    if p.is_zero() && !a.is_zero() && !b.is_zero() {
        return None;
    }
    Some(positive_zero(p))
}

/// Decimal `/` (§6.6.2). `None` when dividing by zero (`12 / 0` → empty), on
/// overflow, or when a non-zero quotient underflows to zero.
///
/// Precision: an exact quotient is given with its shortest scale but never
/// fewer digits than the more precise operand (`4 / 2` = `2`, `4.0 / 2.0` =
/// `2.0`, `1 / 2` = `0.5`, `15.0 / 3` = `5.0`); a recurring quotient is
/// rounded to the full 28-digit precision (`1 / 3` =
/// `0.3333333333333333333333333333`, `1.2 / 1.8` =
/// `0.6666666666666666666666666667`).
pub fn decimal_divide(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    let q = a.checked_div(*b)?;
    if q.is_zero() && !a.is_zero() {
        return None;
    }
    let q = positive_zero(q.normalize());
    Some(with_min_scale(q, a.scale().max(b.scale())))
}

/// Decimal `div` (§6.6.5): truncated division, a Decimal with an integral
/// value (`5.5 div 0.7` = `7`, `-5.5 div 2` = `-2`, `2.2 div 1.8` = `1`).
/// Computed exactly through the remainder. `None` when dividing by zero.
pub fn decimal_div(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    let r = a.checked_rem(*b)?;
    let whole = a.checked_sub(r)?;
    let q = whole.checked_div(*b)?;
    // `whole` is an exact multiple of `b`, so the quotient is integral up to
    // rounding in the 28th digit; truncate defensively.
    Some(positive_zero(q.round_dp_with_strategy(
        0,
        RoundingStrategy::MidpointNearestEven,
    )))
}

/// Decimal `mod` (§6.6.6): remainder of the truncated division, sign of the
/// dividend (`5.5 mod 0.7` = `0.6`, `2.2 mod 1.8` = `0.4`, `-5.5 mod 2` =
/// `-1.5`). Exact. `None` when dividing by zero.
pub fn decimal_mod(a: &Decimal, b: &Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    a.checked_rem(*b).map(positive_zero)
}

/// Decimal unary `-`. Never produces a negative zero (`-(0.0)` is `0.0`).
pub fn decimal_neg(a: &Decimal) -> Decimal {
    positive_zero(-*a)
}

/// Decimal `abs()` (§5.7.1), scale kept (`(-5.5).abs()` = `5.5`).
pub fn decimal_abs(a: &Decimal) -> Decimal {
    positive_zero(a.abs())
}

/// Average of `count` items whose Decimal sum is `sum` (`avg()`, §7.5), with
/// the precision rules of [`decimal_divide`] (`15.0 / 3` = `5.0`). `None`
/// when `count` is 0.
pub fn decimal_avg(sum: &Decimal, count: usize) -> Option<Decimal> {
    let n = Decimal::from(u64::try_from(count).ok()?);
    decimal_divide(sum, &n)
}

// ---------------------------------------------------------------------------
// Operator dispatch
// ---------------------------------------------------------------------------

/// The binary arithmetic operators of §6.6 on numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (always a Decimal result)
    Div,
    /// `div` (truncated division)
    IntDiv,
    /// `mod` (remainder of the truncated division)
    Mod,
}

/// The result of Integer/Long arithmetic: integral for `+ - * div mod`, a
/// Decimal for `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntResult {
    /// An Integer or Long result (same type as the operands).
    Integer(i64),
    /// The Decimal result of `/`.
    Decimal(Decimal),
}

/// Integer (32-bit) arithmetic on values held as `i64` (§6.6): the operands
/// must be in the Integer range; a result outside -2³¹..2³¹-1 is an overflow.
/// `None` (→ empty) on overflow and on division by zero (`div`, `mod`, `/`).
pub fn integer_arith(op: Arith, a: i64, b: i64) -> Option<IntResult> {
    let a = i32::try_from(a).ok()?;
    let b = i32::try_from(b).ok()?;
    let r = match op {
        Arith::Add => integer_add(a, b),
        Arith::Sub => integer_sub(a, b),
        Arith::Mul => integer_mul(a, b),
        Arith::IntDiv => integer_div(a, b),
        Arith::Mod => integer_mod(a, b),
        Arith::Div => return integer_divide(i64::from(a), i64::from(b)).map(IntResult::Decimal),
    };
    r.map(|v| IntResult::Integer(i64::from(v)))
}

/// Long (64-bit) arithmetic (§6.6; also Integer with Long, `1 + 5L` = `6L`).
/// `None` (→ empty) on overflow and on division by zero.
pub fn long_arith(op: Arith, a: i64, b: i64) -> Option<IntResult> {
    let r = match op {
        Arith::Add => long_add(a, b),
        Arith::Sub => long_sub(a, b),
        Arith::Mul => long_mul(a, b),
        Arith::IntDiv => long_div(a, b),
        Arith::Mod => long_mod(a, b),
        Arith::Div => return integer_divide(a, b).map(IntResult::Decimal),
    };
    r.map(IntResult::Integer)
}

/// Decimal arithmetic (§6.6), dispatching to [`decimal_add`],
/// [`decimal_sub`], [`decimal_mul`], [`decimal_divide`] (`/`),
/// [`decimal_div`] (`div`) and [`decimal_mod`]. `None` (→ empty) on overflow,
/// underflow and division by zero.
pub fn decimal_arith(op: Arith, a: Decimal, b: Decimal) -> Option<Decimal> {
    match op {
        Arith::Add => decimal_add(&a, &b),
        Arith::Sub => decimal_sub(&a, &b),
        Arith::Mul => decimal_mul(&a, &b),
        Arith::Div => decimal_divide(&a, &b),
        Arith::IntDiv => decimal_div(&a, &b),
        Arith::Mod => decimal_mod(&a, &b),
    }
}

// ---------------------------------------------------------------------------
// Equality, equivalence, ordering
// ---------------------------------------------------------------------------

/// Decimal `=` (§6.1.1): numeric equality, trailing zeros ignored
/// (`1.10 = 1.1`, `0.0 = 0`).
pub fn decimal_equal(a: &Decimal, b: &Decimal) -> bool {
    a.cmp(b) == Ordering::Equal
}

/// Decimal ordering for `<`, `>`, `<=`, `>=` (§6.2): numeric, trailing zeros
/// ignored.
pub fn decimal_compare(a: &Decimal, b: &Decimal) -> Ordering {
    a.cmp(b)
}

/// The precision of a decimal for equivalence: digits after the point once
/// trailing zeros are dropped (`1.10` → 1, `4.040` → 2, `100` → 0).
pub fn significant_scale(d: &Decimal) -> u32 {
    d.normalize().scale()
}

/// Decimal `~` (§6.1.3): both values rounded (half away from zero) to the
/// precision of the less precise operand, trailing zeros ignored in
/// determining precision, then compared (`1.10 ~ 1.1`, `1.2 / 1.8 ~ 0.67`,
/// `0.0 ~ 0`, `4 ~ 4.04`; `1.2 / 1.8 ~ 0.6` is false).
pub fn decimal_equivalent(a: &Decimal, b: &Decimal) -> bool {
    let p = significant_scale(a).min(significant_scale(b));
    let ra = a.round_dp_with_strategy(p, RoundingStrategy::MidpointAwayFromZero);
    let rb = b.round_dp_with_strategy(p, RoundingStrategy::MidpointAwayFromZero);
    ra.cmp(&rb) == Ordering::Equal
}

// ---------------------------------------------------------------------------
// Math functions (§5.7)
// ---------------------------------------------------------------------------

/// `ceiling()` on a Decimal (§5.7.2): the least integer ≥ `d`, as an Integer
/// (`1.1` → 2, `-1.1` → -1). `None` (→ empty) when it does not fit 32 bits.
pub fn decimal_ceiling(d: &Decimal) -> Option<i32> {
    i32::try_from(d.ceil()).ok()
}

/// `floor()` on a Decimal (§5.7.4): the greatest integer ≤ `d`, as an
/// Integer (`2.1` → 2, `-2.1` → -3). `None` when it does not fit 32 bits.
pub fn decimal_floor(d: &Decimal) -> Option<i32> {
    i32::try_from(d.floor()).ok()
}

/// `truncate()` on a Decimal (§5.7.10): the integer part, as an Integer
/// (`1.00000001` → 1, `-1.56` → -1). `None` when it does not fit 32 bits.
pub fn decimal_truncate(d: &Decimal) -> Option<i32> {
    i32::try_from(d.trunc()).ok()
}

/// `ceiling()` keeping a Decimal (for Quantity values): integral, scale 0.
pub fn decimal_ceiling_value(d: &Decimal) -> Decimal {
    positive_zero(d.ceil())
}

/// `floor()` keeping a Decimal (for Quantity values): integral, scale 0.
pub fn decimal_floor_value(d: &Decimal) -> Decimal {
    positive_zero(d.floor())
}

/// `truncate()` keeping a Decimal (for Quantity values): integral, scale 0.
pub fn decimal_truncate_value(d: &Decimal) -> Decimal {
    positive_zero(d.trunc())
}

/// `round([precision])` (§5.7.8): rounds half away from zero (`0.5` → 1,
/// `-0.5` → -1) to `precision` decimal places (`3.14159.round(3)` =
/// `3.142`, `1.round()` = `1`). The scale of the result is at most
/// `precision`; precisions beyond 28 leave the value unchanged.
///
/// # Errors
/// [`MathError::NegativePrecision`] when `precision < 0`: the spec requires
/// the evaluation to signal an error.
pub fn decimal_round(d: &Decimal, precision: i64) -> Result<Decimal, MathError> {
    if precision < 0 {
        return Err(MathError::NegativePrecision);
    }
    let p = u32::try_from(precision)
        .unwrap_or(MAX_DECIMAL_PRECISION)
        .min(MAX_DECIMAL_PRECISION);
    Ok(positive_zero(d.round_dp_with_strategy(
        p,
        RoundingStrategy::MidpointAwayFromZero,
    )))
}

/// `exp()` (§5.7.3): eˣ, to [`TRANSCENDENTAL_DIGITS`] significant digits
/// (`0.exp()` = `1.0`). `None` (→ empty) on overflow (x ≳ 66) or underflow
/// (result below 10⁻²⁸).
pub fn decimal_exp(d: &Decimal) -> Option<Decimal> {
    if d.is_zero() {
        return Some(Decimal::new(10, 1));
    }
    // Bound the argument before the series: e^67 > 2^96, e^-65 < 10^-28.
    if *d > Decimal::from(67) || *d < Decimal::from(-65) {
        return None;
    }
    let r = d.checked_exp()?;
    if r.is_zero() {
        return None;
    }
    Some(finish_transcendental(r))
}

/// `ln()` (§5.7.5): natural logarithm, to [`TRANSCENDENTAL_DIGITS`]
/// significant digits (`1.ln()` = `0.0`). `None` (→ empty) for inputs ≤ 0.
pub fn decimal_ln(d: &Decimal) -> Option<Decimal> {
    if d.is_sign_negative() || d.is_zero() {
        return None;
    }
    d.checked_ln().map(finish_transcendental)
}

/// `log(base)` (§5.7.6): logarithm of `d` in `base`, to
/// [`TRANSCENDENTAL_DIGITS`] significant digits (`16.log(2)` = `4.0`,
/// `100.0.log(10.0)` = `2.0`). `Ok(None)` (→ empty) when `base` is 1 (no
/// logarithm exists).
///
/// # Errors
/// The spec requires an error when the input or the base is 0 or negative:
/// [`MathError::NonPositiveLogInput`], [`MathError::NonPositiveLogBase`].
pub fn decimal_log(d: &Decimal, base: &Decimal) -> Result<Option<Decimal>, MathError> {
    if d.is_sign_negative() || d.is_zero() {
        return Err(MathError::NonPositiveLogInput);
    }
    if base.is_sign_negative() || base.is_zero() {
        return Err(MathError::NonPositiveLogBase);
    }
    let (Some(ln_d), Some(ln_b)) = (d.checked_ln(), base.checked_ln()) else {
        return Ok(None);
    };
    if ln_b.is_zero() {
        return Ok(None);
    }
    Ok(ln_d.checked_div(ln_b).map(finish_transcendental))
}

/// `power(exponent)` (§5.7.7) on Decimals (Integer and Long inputs are
/// converted to Decimal first; the result is a Decimal).
///
/// An integral exponent is computed exactly by repeated multiplication
/// (`2.power(3)` = `8`, `2.5.power(2)` = `6.25`) or as a quotient for negative
/// exponents (`2.power(-1)` = `0.5`, precision as in [`decimal_divide`]). A
/// fractional exponent uses eʸˡⁿˣ to [`TRANSCENDENTAL_DIGITS`] significant
/// digits and needs a non-negative base: a negative base gives `None`
/// (`(-1).power(0.5)` → empty, "cannot be represented"). `None` also for
/// `0` raised to a negative power, on overflow and on underflow.
pub fn decimal_power(base: &Decimal, exponent: &Decimal) -> Option<Decimal> {
    if exponent.is_zero() {
        return Some(Decimal::ONE);
    }
    if exponent.fract().is_zero() {
        let e = i64::try_from(exponent.trunc()).ok()?;
        if base.is_zero() {
            return if e > 0 { Some(Decimal::ZERO) } else { None };
        }
        let magnitude = base.checked_powu(e.unsigned_abs())?;
        if magnitude.is_zero() {
            return None; // underflow
        }
        return if e > 0 {
            Some(positive_zero(magnitude))
        } else {
            decimal_divide(&Decimal::ONE, &magnitude)
        };
    }
    if base.is_sign_negative() && !base.is_zero() {
        return None;
    }
    if base.is_zero() {
        return if exponent.is_sign_negative() {
            None
        } else {
            Some(Decimal::ZERO)
        };
    }
    let ln = base.checked_ln()?;
    let y = ln.checked_mul(*exponent)?;
    decimal_exp(&y)
}

/// `sqrt()` (§5.7.9): square root to [`TRANSCENDENTAL_DIGITS`] significant
/// digits (`81.sqrt()` = `9.0`, `2.sqrt()` = `1.4142135623730950488`).
/// `None` (→ empty) for negative inputs (`(-1).sqrt()`).
pub fn decimal_sqrt(d: &Decimal) -> Option<Decimal> {
    if d.is_zero() {
        return Some(Decimal::new(0, 1));
    }
    if d.is_sign_negative() {
        return None;
    }
    // Newton's iteration from the f64 estimate, bounded (the library's own
    // sqrt asserts on oscillation).
    let guess = decimal_from_f64(decimal_to_f64(d).sqrt()).filter(|g| !g.is_zero());
    let mut x = guess.unwrap_or(Decimal::ONE);
    let two = Decimal::TWO;
    let mut previous = Decimal::ZERO;
    for _ in 0..64 {
        let next = x.checked_add(d.checked_div(x)?)?.checked_div(two)?;
        if next == x || next == previous {
            x = next;
            break;
        }
        previous = x;
        x = next;
    }
    Some(finish_transcendental(x))
}

// ---------------------------------------------------------------------------
// Boundaries and precision (§5.11)
// ---------------------------------------------------------------------------

/// Magnitude of a boundary: `m` (scale `s`) ∓ half a unit in its last place,
/// re-expressed at precision `p`. The low side truncates, the high side
/// rounds half up, which is what the official tests expect
/// (`1.587.lowBoundary(2)` = `1.58`, `1.587.highBoundary(2)` = `1.59`,
/// `0.0034.highBoundary(1)` = `0.0`).
fn boundary_magnitude(m: u128, s: u32, p: u32, high: bool) -> Option<u128> {
    // In units of 10^-(s+1): m·10 ∓ 5.
    let m2 = if high {
        m.checked_mul(10)?.checked_add(5)?
    } else {
        m.checked_mul(10)?.checked_sub(5)?
    };
    let s2 = s + 1;
    if p >= s2 {
        return m2.checked_mul(pow10(p - s2));
    }
    let k = pow10(s2 - p);
    if high {
        Some((m2 + k / 2) / k)
    } else {
        Some(m2 / k)
    }
}

/// Shared implementation of the decimal boundaries.
fn decimal_boundary(d: &Decimal, precision: Option<i64>, high: bool) -> Option<Decimal> {
    let s = d.scale();
    let p = match precision {
        Some(p) => p,
        None => DEFAULT_BOUNDARY_PRECISION.max(i64::from((s + 1).min(MAX_DECIMAL_PRECISION))),
    };
    if p < 0 || p > i64::from(MAX_DECIMAL_PRECISION) {
        return None;
    }
    let p = p as u32;
    let m = d.mantissa().unsigned_abs();
    // Which side of zero the boundary lies on and which magnitude rule applies.
    let (negative, magnitude) = if m == 0 {
        // Zero: the interval is symmetric around 0.
        (!high, boundary_magnitude(0, s, p, true)?)
    } else if d.is_sign_negative() {
        // For negatives the low boundary is -(high of |d|) and vice versa.
        (true, boundary_magnitude(m, s, p, !high)?)
    } else {
        (false, boundary_magnitude(m, s, p, high)?)
    };
    if magnitude > MAX_MANTISSA {
        return None;
    }
    let mut r = Decimal::try_from_i128_with_scale(magnitude as i128, p).ok()?;
    // Deliberately keeps a negative zero: `(-0.0034).lowBoundary(1)` is `-0.0`.
    r.set_sign_negative(negative);
    Some(r)
}

/// `lowBoundary([precision])` on a Decimal (§5.11.1): the least value the
/// input could stand for, `d − ½·10⁻ˢᶜᵃˡᵉ`, expressed with `precision` decimal
/// places (`1.587.lowBoundary()` = `1.58650000`, `.lowBoundary(6)` =
/// `1.586500`, `.lowBoundary(2)` = `1.58`, `.lowBoundary(0)` = `1`;
/// `(-1.587).lowBoundary(2)` = `-1.59`; `120.lowBoundary(2)` = `119.50`;
/// `(-0.0034).lowBoundary(1)` = `-0.0`).
///
/// Integer inputs are converted to a Decimal of scale 0 by the caller
/// (`1.lowBoundary(0)` = `0`). The default precision is 8, or the input's
/// scale + 1 when larger (capped at 28). `None` (→ empty) for a negative
/// precision, a precision above 28, or a result that does not fit.
pub fn decimal_low_boundary(d: &Decimal, precision: Option<i64>) -> Option<Decimal> {
    decimal_boundary(d, precision, false)
}

/// `highBoundary([precision])` on a Decimal (§5.11.2): the greatest value
/// the input could stand for, `d + ½·10⁻ˢᶜᵃˡᵉ`, expressed with `precision`
/// decimal places (`1.587.highBoundary()` = `1.58750000`,
/// `.highBoundary(2)` = `1.59`, `(-1.587).highBoundary(2)` = `-1.58`,
/// `1.highBoundary(0)` = `2`). Same precision rules as
/// [`decimal_low_boundary`].
pub fn decimal_high_boundary(d: &Decimal, precision: Option<i64>) -> Option<Decimal> {
    decimal_boundary(d, precision, true)
}

/// `precision()` on a Decimal (§5.11.3): the number of digits after the
/// decimal point as written (`1.58700` → 5, `100` → 0).
pub fn decimal_precision(d: &Decimal) -> i64 {
    i64::from(d.scale())
}

// ---------------------------------------------------------------------------
// String conversions (§5.5)
// ---------------------------------------------------------------------------

/// Splits `(\+|-)?\d+` into (negative, digits) or `None`.
fn split_signed_digits(s: &str) -> Option<(bool, &str)> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((negative, digits))
}

/// Parses `(\+|-)?\d+` into an i64, `None` when malformed or out of range.
fn parse_signed_i64(s: &str) -> Option<i64> {
    let (negative, digits) = split_signed_digits(s)?;
    let mut v: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        v = v.checked_mul(10)?;
        v = if negative {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// `toInteger()` on a String (§5.5.4): the text must match `(\+|-)?\d+`
/// entirely (`'1'`, `'+1'`, `'-1'`; not `'1.0'`, `' 1'`, `'1e3'`) and fit
/// 32 bits; otherwise `None` (→ empty; `convertsToInteger()` → false).
pub fn string_to_integer(s: &str) -> Option<i32> {
    i32::try_from(parse_signed_i64(s)?).ok()
}

/// `toLong()` on a String (§5.5.5): `(\+|-)?\d+` fitting 64 bits; a trailing
/// `L` (the Long literal form, `'42L'`) is also accepted. `None` otherwise.
pub fn string_to_long(s: &str) -> Option<i64> {
    parse_signed_i64(s.strip_suffix('L').unwrap_or(s))
}

/// `toDecimal()` on a String (§5.5.6): the text must match
/// `(\+|-)?\d+(\.\d+)?` entirely, keeping its scale (`'1.0'` → `1.0`,
/// `'-1'` → `-1`); the Long literal form `'42L'` is accepted too (spec
/// example). No exponent forms (`'1e3'` → `None`). `None` also when out of
/// range (→ empty; `convertsToDecimal()` → false).
pub fn string_to_decimal(s: &str) -> Option<Decimal> {
    let text = match s.strip_suffix('L') {
        Some(t) if !t.contains('.') => t,
        _ => s,
    };
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    parse_decimal(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        match parse_decimal(s) {
            Some(v) => v,
            None => panic!("test literal {s:?} does not parse"),
        }
    }

    fn text(v: Option<Decimal>) -> Option<String> {
        v.map(|v| format_decimal(&v))
    }

    #[test]
    fn parse_and_format_keep_scale() {
        let cases = [
            ("1.50", "1.50"),
            ("-0.5", "-0.5"),
            ("0.040", "0.040"),
            ("+1", "1"),
            ("-0", "0"),
            ("-0.0", "0.0"),
            ("0.000", "0.000"),
            ("1e3", "1000"),
            ("1E3", "1000"),
            ("1.5E-2", "0.015"),
            ("1.50e+1", "15.0"),
            ("2.5e-1", "0.25"),
            ("1234567890987654321.0", "1234567890987654321.0"),
            ("0.00000001", "0.00000001"),
            (
                "79228162514264337593543950335",
                "79228162514264337593543950335",
            ),
            (
                "-79228162514264337593543950335",
                "-79228162514264337593543950335",
            ),
            // Beyond 28 fraction digits: rounded half away from zero.
            (
                "0.12345678901234567890123456789",
                "0.1234567890123456789012345679",
            ),
            // 29 digits that exceed 2^96 with a fraction: one fewer digit.
            (
                "79228162514264337593543950.3359",
                "79228162514264337593543950.34",
            ),
            (
                "1234567890123456789012345678.95",
                "1234567890123456789012345679.0",
            ),
            ("0e999999", "0"),
            ("000123.4500", "123.4500"),
        ];
        for (input, want) in cases {
            assert_eq!(text(parse_decimal(input)).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn parse_rejects_malformed_and_out_of_range() {
        for input in [
            "",
            "-",
            "+",
            ".5",
            "1.",
            "1..2",
            " 1",
            "1 ",
            "1e",
            "1e+",
            "e3",
            "1,5",
            "0x10",
            "1.5.3",
            "--1",
            "1e999999",
            "1e-999999",
            "1e29",
            "79228162514264337593543950336",
            "100000000000000000000000000000",
            "NaN",
            "inf",
            "١",
            "1L",
        ] {
            assert_eq!(parse_decimal(input), None, "{input:?}");
        }
        // Very long inputs do not panic.
        let long = "9".repeat(100_000);
        assert_eq!(parse_decimal(&long), None);
        let long_frac = format!("0.{}", "3".repeat(100_000));
        assert_eq!(
            text(parse_decimal(&long_frac)).as_deref(),
            Some("0.3333333333333333333333333333")
        );
    }

    #[test]
    fn format_negative_zero_and_small_values() {
        let mut z = d("0.0");
        z.set_sign_negative(true);
        assert_eq!(format_decimal(&z), "-0.0");
        assert_eq!(format_decimal(&d("0.00000001")), "0.00000001");
        assert_eq!(format_decimal(&Decimal::new(-5, 1)), "-0.5");
        assert_eq!(format_decimal(&decimal_neg(&d("0.0"))), "0.0");
        assert_eq!(format_decimal(&decimal_neg(&d("1.50"))), "-1.50");
    }

    #[test]
    fn f64_round_trip() {
        assert_eq!(text(decimal_from_f64(0.1)).as_deref(), Some("0.1"));
        assert_eq!(
            text(decimal_from_f64(0.025400000000000002)).as_deref(),
            Some("0.025400000000000002")
        );
        assert_eq!(
            text(decimal_from_f64(31557600.0)).as_deref(),
            Some("31557600")
        );
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(f64::INFINITY), None);
        assert_eq!(decimal_from_f64(1e300), None);
        assert_eq!(decimal_from_f64(1e-300), None);
        assert_eq!(decimal_to_f64(&d("0.5")), 0.5);
    }

    #[test]
    fn integer_and_long_arithmetic() {
        // testPlus/testMinus/testMultiply/testDiv/testMod on integers.
        assert_eq!(integer_add(1, 1), Some(2));
        assert_eq!(integer_add(1, 0), Some(1));
        assert_eq!(integer_sub(1, 1), Some(0));
        assert_eq!(integer_mul(1, 0), Some(0));
        assert_eq!(integer_div(1, 1), Some(1));
        assert_eq!(integer_div(4, 2), Some(2));
        assert_eq!(integer_div(5, 2), Some(2));
        assert_eq!(integer_div(-5, 2), Some(-2));
        assert_eq!(integer_div(5, 0), None);
        assert_eq!(integer_mod(1, 1), Some(0));
        assert_eq!(integer_mod(4, 2), Some(0));
        assert_eq!(integer_mod(5, 2), Some(1));
        assert_eq!(integer_mod(-5, 2), Some(-1));
        assert_eq!(integer_mod(5, 0), None);
        // Overflow → empty.
        assert_eq!(integer_add(i32::MAX, 1), None);
        assert_eq!(integer_sub(i32::MIN, 1), None);
        assert_eq!(integer_mul(65536, 65536), None);
        assert_eq!(integer_div(i32::MIN, -1), None);
        assert_eq!(integer_mod(i32::MIN, -1), Some(0));
        assert_eq!(integer_neg(i32::MIN), None);
        assert_eq!(integer_abs(i32::MIN), None);
        assert_eq!(integer_abs(-5), Some(5));
        assert_eq!(long_add(1, 5), Some(6));
        assert_eq!(long_div(5, 2), Some(2));
        assert_eq!(long_mod(-5, 2), Some(-1));
        assert_eq!(long_add(i64::MAX, 1), None);
        assert_eq!(long_mul(i64::MAX, 2), None);
        assert_eq!(long_div(i64::MIN, -1), None);
        assert_eq!(long_mod(i64::MIN, -1), Some(0));
        assert_eq!(long_div(1, 0), None);
        assert_eq!(long_mod(1, 0), None);
        assert_eq!(long_neg(i64::MIN), None);
        assert_eq!(long_abs(-42), Some(42));
        assert_eq!(long_sub(i64::MIN, 1), None);
        assert_eq!(long_to_integer(42), Some(42));
        assert_eq!(long_to_integer(i64::from(i32::MAX) + 1), None);
        assert_eq!(integer_power(2, 3), Some(8));
        assert_eq!(integer_power(2, -1), None);
        assert_eq!(integer_power(10, 30), None);
    }

    #[test]
    fn operator_dispatch() {
        use IntResult::{Decimal as D, Integer as I};
        assert_eq!(integer_arith(Arith::Add, 1, 1), Some(I(2)));
        assert_eq!(integer_arith(Arith::Sub, 1, 0), Some(I(1)));
        assert_eq!(integer_arith(Arith::Mul, 1, 0), Some(I(0)));
        assert_eq!(integer_arith(Arith::IntDiv, 5, 2), Some(I(2)));
        assert_eq!(integer_arith(Arith::Mod, 5, 2), Some(I(1)));
        assert_eq!(integer_arith(Arith::Div, 4, 2), Some(D(d("2"))));
        assert_eq!(integer_arith(Arith::Div, 1, 0), None);
        assert_eq!(integer_arith(Arith::Add, i64::from(i32::MAX), 1), None);
        assert_eq!(integer_arith(Arith::Add, i64::from(i32::MAX) + 1, 0), None);
        assert_eq!(long_arith(Arith::Add, 1, 5), Some(I(6)));
        assert_eq!(long_arith(Arith::IntDiv, 5, 2), Some(I(2)));
        assert_eq!(
            long_arith(Arith::Add, i64::from(i32::MAX), 1),
            Some(I(2147483648))
        );
        assert_eq!(long_arith(Arith::Mul, i64::MAX, 2), None);
        assert_eq!(long_arith(Arith::Div, 1, 2), Some(D(d("0.5"))));
        assert_eq!(long_arith(Arith::Mod, 1, 0), None);
        assert_eq!(decimal_arith(Arith::Add, d("5"), d("4.5")), Some(d("9.5")));
        assert_eq!(
            decimal_arith(Arith::Sub, d("1.8"), d("1.2")),
            Some(d("0.6"))
        );
        assert_eq!(
            decimal_arith(Arith::Mul, d("1.2"), d("1.8")),
            Some(d("2.16"))
        );
        assert_eq!(decimal_arith(Arith::Div, d("1"), d("0")), None);
        assert_eq!(
            decimal_arith(Arith::IntDiv, d("5.5"), d("0.7")),
            Some(d("7"))
        );
        assert_eq!(
            decimal_arith(Arith::Mod, d("5.5"), d("0.7")),
            Some(d("0.6"))
        );
    }

    #[test]
    fn division_precision() {
        // (dividend, divisor, expected text or None); testDivide and spec §6.6.2.
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("1", "1", Some("1")),
            ("4", "2", Some("2")),
            ("2", "2", Some("1")),
            ("4.0", "2.0", Some("2.0")),
            ("1", "2", Some("0.5")),
            ("2", "4", Some("0.5")),
            ("15.0", "3", Some("5.0")),
            ("1", "3", Some("0.3333333333333333333333333333")),
            ("1.0", "3", Some("0.3333333333333333333333333333")),
            ("1.2", "1.8", Some("0.6666666666666666666666666667")),
            ("10", "3", Some("3.3333333333333333333333333333")),
            ("1.50", "1", Some("1.50")),
            ("-1", "4", Some("-0.25")),
            ("0", "5", Some("0")),
            ("12", "0", None),
            ("0", "0", None),
            ("0.0000000000000000000000000001", "10", None),
            ("79228162514264337593543950335", "0.1", None),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                text(decimal_divide(&d(a), &d(b))).as_deref(),
                *want,
                "{a} / {b}"
            );
        }
        assert_eq!(text(integer_divide(4, 2)).as_deref(), Some("2"));
        assert_eq!(text(integer_divide(1, 2)).as_deref(), Some("0.5"));
        assert_eq!(integer_divide(12, 0), None);
        assert_eq!(text(decimal_avg(&d("15.0"), 3)).as_deref(), Some("5.0"));
        assert_eq!(decimal_avg(&d("1"), 0), None);
        // testDivide5 / testNEquality22-23 / testEquivalent11.
        let q = decimal_divide(&d("1.2"), &d("1.8")).map(|q| decimal_round(&q, 2));
        assert_eq!(q, Some(Ok(d("0.67"))));
        assert!(q.is_some_and(|q| q.is_ok_and(|q| !decimal_equal(&q, &d("0.6666667")))));
    }

    #[test]
    fn decimal_arithmetic() {
        let cases: &[(&str, &str, &str, Option<&str>)] = &[
            ("+", "1.2", "1.8", Some("3.0")),
            ("+", "1.50", "1", Some("2.50")),
            ("+", "-0.5", "0.5", Some("0.0")),
            ("-", "1.8", "1.2", Some("0.6")),
            ("*", "1.2", "1.8", Some("2.16")),
            ("*", "2.0", "2.0", Some("4.00")),
            ("*", "0", "-1", Some("0")),
            ("div", "5.5", "0.7", Some("7")),
            ("div", "2.2", "1.8", Some("1")),
            ("div", "-5.5", "2", Some("-2")),
            ("div", "0.5", "2", Some("0")),
            ("div", "5", "0", None),
            ("mod", "5.5", "0.7", Some("0.6")),
            ("mod", "2.2", "1.8", Some("0.4")),
            ("mod", "-5.5", "2", Some("-1.5")),
            ("mod", "5", "0", None),
            ("+", "79228162514264337593543950335", "1", None),
            ("-", "-79228162514264337593543950335", "1", None),
            ("*", "79228162514264337593543950335", "2", None),
            (
                "*",
                "0.00000000000001",
                "0.00000000000001",
                Some("0.0000000000000000000000000001"),
            ),
            ("*", "0.00000000000001", "0.000000000000001", None),
        ];
        for (op, a, b, want) in cases {
            let (a, b) = (d(a), d(b));
            let got = match *op {
                "+" => decimal_add(&a, &b),
                "-" => decimal_sub(&a, &b),
                "*" => decimal_mul(&a, &b),
                "div" => decimal_div(&a, &b),
                "mod" => decimal_mod(&a, &b),
                _ => unreachable!(),
            };
            assert_eq!(text(got).as_deref(), *want, "{a} {op} {b}");
        }
        assert_eq!(format_decimal(&decimal_abs(&d("-5.5"))), "5.5");
    }

    #[test]
    fn equality_and_equivalence() {
        // testEquality / testEquivalent decimal cases.
        assert!(decimal_equal(&d("1.1"), &d("1.1")));
        assert!(!decimal_equal(&d("1.1"), &d("1.2")));
        assert!(decimal_equal(&d("1.10"), &d("1.1")));
        assert!(decimal_equal(&d("0.0"), &d("0")));
        assert!(decimal_equal(&d("4.0000"), &d("4")));
        assert!(decimal_equivalent(&d("1.1"), &d("1.1")));
        assert!(!decimal_equivalent(&d("1.1"), &d("1.2")));
        assert!(decimal_equivalent(&d("1.10"), &d("1.1")));
        assert!(decimal_equivalent(&d("0.0"), &d("0")));
        let q = decimal_divide(&d("1.2"), &d("1.8")).unwrap_or_default();
        assert!(decimal_equivalent(&q, &d("0.67")));
        assert!(!decimal_equivalent(&q, &d("0.6")));
        assert!(decimal_equivalent(&d("4"), &d("4.040")));
        assert!(decimal_equivalent(&d("2.1"), &d("2")));
        assert!(!decimal_equivalent(&d("2.5"), &d("2")));
        assert!(decimal_equivalent(
            &d("1"),
            &d("0.9166666666666666666666666667")
        ));
        assert_eq!(decimal_compare(&d("1.0"), &d("1.2")), Ordering::Less);
        assert_eq!(decimal_compare(&d("1.0"), &d("1")), Ordering::Equal);
        assert_eq!(significant_scale(&d("4.040")), 2);
    }

    #[test]
    fn rounding_functions() {
        // testCeiling, testFloor, testTruncate, testRound.
        assert_eq!(decimal_ceiling(&d("1")), Some(1));
        assert_eq!(decimal_ceiling(&d("1.1")), Some(2));
        assert_eq!(decimal_ceiling(&d("-1.1")), Some(-1));
        assert_eq!(decimal_floor(&d("1")), Some(1));
        assert_eq!(decimal_floor(&d("2.1")), Some(2));
        assert_eq!(decimal_floor(&d("-2.1")), Some(-3));
        assert_eq!(decimal_truncate(&d("101")), Some(101));
        assert_eq!(decimal_truncate(&d("1.00000001")), Some(1));
        assert_eq!(decimal_truncate(&d("-1.56")), Some(-1));
        assert_eq!(decimal_ceiling(&d("2147483647.5")), None);
        assert_eq!(decimal_floor(&d("-2147483648.5")), None);
        assert_eq!(decimal_truncate(&d("79228162514264337593543950335")), None);
        assert_eq!(format_decimal(&decimal_ceiling_value(&d("-0.5"))), "0");
        assert_eq!(format_decimal(&decimal_floor_value(&d("-0.5"))), "-1");
        assert_eq!(format_decimal(&decimal_truncate_value(&d("-1.56"))), "-1");
        let round = |v: &str, p: i64| decimal_round(&d(v), p).map(|r| format_decimal(&r));
        assert_eq!(round("1", 0), Ok("1".into()));
        assert_eq!(round("3.14159", 3), Ok("3.142".into()));
        assert_eq!(round("0.5", 0), Ok("1".into()));
        assert_eq!(round("-0.5", 0), Ok("-1".into()));
        assert_eq!(round("-0.4", 0), Ok("0".into()));
        assert_eq!(round("2.5", 0), Ok("3".into()));
        assert_eq!(round("1.5", 3), Ok("1.5".into()));
        assert_eq!(round("1.5", 1000), Ok("1.5".into()));
        assert_eq!(round("1.5", -1), Err(MathError::NegativePrecision));
    }

    #[test]
    fn transcendental_functions() {
        // testExp, testLn, testLog, testPower, testSqrt and the spec examples.
        let t = |v: Option<Decimal>| text(v);
        assert_eq!(t(decimal_exp(&d("0"))).as_deref(), Some("1.0"));
        assert_eq!(t(decimal_exp(&d("-0.0"))).as_deref(), Some("1.0"));
        assert_eq!(
            t(decimal_exp(&d("1"))).as_deref(),
            Some("2.7182818284590452354")
        );
        assert!(decimal_exp(&d("1")).is_some_and(|e| decimal_equivalent(&e, &d("2.718281828"))));
        assert_eq!(decimal_exp(&d("100")), None);
        assert_eq!(decimal_exp(&d("-100")), None);
        assert_eq!(decimal_exp(&d("79228162514264337593543950335")), None);
        assert_eq!(t(decimal_ln(&d("1"))).as_deref(), Some("0.0"));
        assert_eq!(t(decimal_ln(&d("1.0"))).as_deref(), Some("0.0"));
        assert_eq!(
            t(decimal_ln(&d("10"))).as_deref(),
            Some("2.302585092994045684")
        );
        assert_eq!(decimal_ln(&d("0")), None);
        assert_eq!(decimal_ln(&d("-1")), None);
        assert!(decimal_ln(&d("0.0000000000000000000000000001")).is_some());
        let log = |a: &str, b: &str| decimal_log(&d(a), &d(b)).map(text);
        assert_eq!(log("16", "2"), Ok(Some("4.0".into())));
        assert_eq!(log("100.0", "10.0"), Ok(Some("2.0".into())));
        assert_eq!(log("1000", "10"), Ok(Some("3.0".into())));
        assert_eq!(log("8", "2"), Ok(Some("3.0".into())));
        assert_eq!(log("5", "1"), Ok(None));
        assert_eq!(log("0", "10"), Err(MathError::NonPositiveLogInput));
        assert_eq!(log("-1", "10"), Err(MathError::NonPositiveLogInput));
        assert_eq!(log("10", "0"), Err(MathError::NonPositiveLogBase));
        assert_eq!(log("10", "-2"), Err(MathError::NonPositiveLogBase));
        let pow = |a: &str, b: &str| t(decimal_power(&d(a), &d(b)));
        assert_eq!(pow("2", "3").as_deref(), Some("8"));
        assert_eq!(pow("2.5", "2").as_deref(), Some("6.25"));
        assert_eq!(pow("2", "-1").as_deref(), Some("0.5"));
        assert_eq!(pow("-1", "0.5"), None);
        assert_eq!(pow("-2", "3").as_deref(), Some("-8"));
        assert_eq!(pow("-2", "2").as_deref(), Some("4"));
        assert_eq!(pow("2", "0.5").as_deref(), Some("1.4142135623730950488"));
        assert_eq!(pow("4", "0.5").as_deref(), Some("2.0"));
        assert_eq!(pow("0", "0").as_deref(), Some("1"));
        assert_eq!(pow("0", "2").as_deref(), Some("0"));
        assert_eq!(pow("0", "-1"), None);
        assert_eq!(pow("0", "0.5").as_deref(), Some("0"));
        assert_eq!(pow("0", "-0.5"), None);
        assert_eq!(pow("10", "30"), None);
        assert_eq!(pow("10", "1000000000000"), None);
        assert_eq!(pow("0.1", "100"), None);
        assert_eq!(pow("1", "1000000000000000000").as_deref(), Some("1"));
        assert_eq!(pow("10", "100.5"), None);
        assert_eq!(pow("2", "79228162514264337593543950335"), None);
        assert_eq!(t(decimal_sqrt(&d("81"))).as_deref(), Some("9.0"));
        assert_eq!(
            t(decimal_sqrt(&d("2"))).as_deref(),
            Some("1.4142135623730950488")
        );
        assert_eq!(t(decimal_sqrt(&d("2.25"))).as_deref(), Some("1.5"));
        assert_eq!(t(decimal_sqrt(&d("0"))).as_deref(), Some("0.0"));
        assert_eq!(decimal_sqrt(&d("-1")), None);
        assert!(decimal_sqrt(&d("79228162514264337593543950335")).is_some());
        assert!(decimal_sqrt(&d("0.0000000000000000000000000001")).is_some());
        // testSqrt1: 81.sqrt() = 9.0
        assert!(decimal_sqrt(&d("81")).is_some_and(|r| decimal_equal(&r, &d("9.0"))));
    }

    #[test]
    fn boundaries_from_the_suite() {
        // LowBoundary / HighBoundary groups (expression → output text).
        let cases: &[(&str, Option<i64>, bool, Option<&str>)] = &[
            ("1.587", None, false, Some("1.58650000")),
            ("1.587", Some(6), false, Some("1.586500")),
            ("1.587", Some(2), false, Some("1.58")),
            ("1.587", Some(-1), false, None),
            ("1.587", Some(0), false, Some("1")),
            ("1.587", Some(32), false, None),
            ("-1.587", None, false, Some("-1.58750000")),
            ("-1.587", Some(6), false, Some("-1.587500")),
            ("-1.587", Some(2), false, Some("-1.59")),
            ("-1.587", Some(-1), false, None),
            ("-1.587", Some(0), false, Some("-2")),
            ("-1.587", Some(32), false, None),
            ("1.587", Some(39), false, None),
            ("1", None, false, Some("0.50000000")),
            ("1", Some(0), false, Some("0")),
            ("1", Some(5), false, Some("0.50000")),
            ("12.587", Some(2), false, Some("12.58")),
            ("12.500", Some(4), false, Some("12.4995")),
            ("120", Some(2), false, Some("119.50")),
            ("-120", Some(2), false, Some("-120.50")),
            ("0.0034", Some(1), false, Some("0.0")),
            ("-0.0034", Some(1), false, Some("-0.0")),
            ("1.587", Some(8), false, Some("1.58650000")),
            ("1.587", None, true, Some("1.58750000")),
            ("1.587", Some(2), true, Some("1.59")),
            ("1.587", Some(6), true, Some("1.587500")),
            ("1.587", Some(-1), true, None),
            ("-1.587", None, true, Some("-1.58650000")),
            ("-1.587", Some(2), true, Some("-1.58")),
            ("-1.587", Some(6), true, Some("-1.586500")),
            ("1.587", Some(39), true, None),
            ("1", None, true, Some("1.50000000")),
            ("1", Some(0), true, Some("2")),
            ("1", Some(5), true, Some("1.50000")),
            ("12.587", Some(2), true, Some("12.59")),
            ("12.500", Some(4), true, Some("12.5005")),
            ("120", Some(2), true, Some("120.50")),
            ("0.0034", Some(1), true, Some("0.0")),
            ("1.587", Some(8), true, Some("1.58750000")),
            // Spec examples not in the suite.
            ("1.587", Some(0), true, Some("2")),
            ("-1.587", Some(0), true, Some("-1")),
            // Zero, maximum precision, more digits than the default.
            ("0", None, false, Some("-0.50000000")),
            ("0.0", Some(1), true, Some("0.1")),
            ("1.123456789", None, false, Some("1.1234567885")),
            (
                "1.587",
                Some(28),
                false,
                Some("1.5865000000000000000000000000"),
            ),
            ("12.587", Some(28), false, None),
            (
                "0.0000000000000000000000000001",
                None,
                true,
                Some("0.0000000000000000000000000002"),
            ),
            ("79228162514264337593543950335", None, true, None),
        ];
        for (input, precision, high, want) in cases {
            let got = if *high {
                decimal_high_boundary(&d(input), *precision)
            } else {
                decimal_low_boundary(&d(input), *precision)
            };
            let name = if *high { "high" } else { "low" };
            assert_eq!(
                text(got).as_deref(),
                *want,
                "{input}.{name}Boundary({precision:?})"
            );
        }
        // HighBoundaryDecimal16: -0.0034.highBoundary(1) parses as -(…) → 0.0.
        let hb = decimal_high_boundary(&d("0.0034"), Some(1)).unwrap_or_default();
        assert_eq!(format_decimal(&decimal_neg(&hb)), "0.0");
        // HighBoundaryDecimal14: -120.highBoundary(2) → -120.50.
        let hb = decimal_high_boundary(&d("120"), Some(2)).unwrap_or_default();
        assert_eq!(format_decimal(&decimal_neg(&hb)), "-120.50");
        // Precision group.
        assert_eq!(decimal_precision(&d("1.58700")), 5);
        assert_eq!(decimal_precision(&d("100")), 0);
    }

    #[test]
    fn string_conversions() {
        // testToInteger, testToDecimal, testTypes conversions.
        assert_eq!(string_to_integer("1"), Some(1));
        assert_eq!(string_to_integer("-1"), Some(-1));
        assert_eq!(string_to_integer("+1"), Some(1));
        assert_eq!(string_to_integer("0"), Some(0));
        assert_eq!(string_to_integer("2147483647"), Some(i32::MAX));
        assert_eq!(string_to_integer("-2147483648"), Some(i32::MIN));
        for bad in [
            "0.0",
            "1.0",
            "1.1",
            "st",
            "a",
            "",
            "-",
            "+",
            " 1",
            "1 ",
            "1e3",
            "2147483648",
            "42L",
            "99999999999999999999999",
        ] {
            assert_eq!(string_to_integer(bad), None, "{bad:?}");
        }
        assert_eq!(string_to_long("123"), Some(123));
        assert_eq!(string_to_long("123L"), Some(123));
        assert_eq!(string_to_long("-9223372036854775808"), Some(i64::MIN));
        for bad in ["abc", "9223372036854775808", "1.0", "L", "", "12LL"] {
            assert_eq!(string_to_long(bad), None, "{bad:?}");
        }
        let dec = |s: &str| text(string_to_decimal(s));
        assert_eq!(dec("1").as_deref(), Some("1"));
        assert_eq!(dec("0").as_deref(), Some("0"));
        assert_eq!(dec("0.0").as_deref(), Some("0.0"));
        assert_eq!(dec("1.1").as_deref(), Some("1.1"));
        assert_eq!(dec("1.0").as_deref(), Some("1.0"));
        assert_eq!(dec("-1").as_deref(), Some("-1"));
        assert_eq!(dec("+1.50").as_deref(), Some("1.50"));
        assert_eq!(dec("42L").as_deref(), Some("42"));
        for bad in [
            "st",
            "1.a",
            "1e3",
            "1.",
            ".5",
            "",
            "1.5L",
            " 1",
            "1,0",
            "--1",
            "1e999999",
            "100000000000000000000000000000",
        ] {
            assert_eq!(string_to_decimal(bad), None, "{bad:?}");
        }
    }
}
