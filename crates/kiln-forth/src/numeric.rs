//! Numbers in text: the interpreter's number syntax (Forth 2012 §3.4.1.3:
//! `#` `$` `%` prefixes, `'c'`, a leading `-`, a trailing `.` for doubles),
//! digit conversion for >NUMBER, and formatting for `.`, `U.`, `D.` and
//! pictured numeric output.

/// The value of digit `c` in `base`, if it is one.
pub fn digit(c: u8, base: u32) -> Option<u32> {
    let v = match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'z' => (c - b'a') as u32 + 10,
        b'A'..=b'Z' => (c - b'A') as u32 + 10,
        _ => return None,
    };
    (v < base).then_some(v)
}

/// Parses a number as the text interpreter does; `(value, is_double)`.
/// Singles wrap modulo 2^64, doubles modulo 2^128. `None` when the text is
/// not a number in `base` (or `base` is outside 2..=36).
pub fn parse_number(text: &[u8], base: i64) -> Option<(i128, bool)> {
    if text.len() == 3 && text[0] == b'\'' && text[2] == b'\'' {
        return Some((text[1] as i128, false));
    }
    let (base, rest) = match text.first()? {
        b'#' => (10, &text[1..]),
        b'$' => (16, &text[1..]),
        b'%' => (2, &text[1..]),
        _ => {
            if !(2..=36).contains(&base) {
                return None;
            }
            (base as u32, text)
        }
    };
    let (neg, rest) = match rest.first() {
        Some(b'-') => (true, &rest[1..]),
        _ => (false, rest),
    };
    let (double, digits) = match rest.last() {
        Some(b'.') => (true, &rest[..rest.len() - 1]),
        _ => (false, rest),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u128 = 0;
    for &c in digits {
        let d = digit(c, base)?;
        v = v.wrapping_mul(base as u128).wrapping_add(d as u128);
    }
    let mut v = v as i128;
    if neg {
        v = v.wrapping_neg();
    }
    if !double {
        v = v as i64 as i128;
    }
    Some((v, double))
}

/// The digit character for `d` (upper-case letters past 9).
pub fn digit_char(d: u32) -> u8 {
    if d < 10 {
        b'0' + d as u8
    } else {
        b'A' + (d - 10) as u8
    }
}

/// Formats an unsigned 128-bit value in `base` (2..=36).
pub fn format_u128(mut v: u128, base: u32) -> String {
    let base = base.clamp(2, 36) as u128;
    let mut out = Vec::new();
    loop {
        out.push(digit_char((v % base) as u32));
        v /= base;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Formats a signed 128-bit value in `base`.
pub fn format_i128(v: i128, base: u32) -> String {
    if v < 0 {
        format!("-{}", format_u128(v.unsigned_abs(), base))
    } else {
        format_u128(v as u128, base)
    }
}

/// The core of >NUMBER: accumulates digits of `text` into `acc`; returns the
/// new value and how many bytes were converted.
pub fn to_number(mut acc: u128, text: &[u8], base: u32) -> (u128, usize) {
    let mut n = 0;
    for &c in text {
        match digit(c, base) {
            Some(d) => {
                acc = acc.wrapping_mul(base as u128).wrapping_add(d as u128);
                n += 1;
            }
            None => break,
        }
    }
    (acc, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_numbers() {
        assert_eq!(parse_number(b"42", 10), Some((42, false)));
        assert_eq!(parse_number(b"-42", 10), Some((-42, false)));
        assert_eq!(parse_number(b"$-1F", 10), Some((-31, false)));
        assert_eq!(parse_number(b"%101", 10), Some((5, false)));
        assert_eq!(parse_number(b"#19", 16), Some((19, false)));
        assert_eq!(parse_number(b"'A'", 10), Some((65, false)));
        assert_eq!(parse_number(b"1.", 10), Some((1, true)));
        assert_eq!(parse_number(b"-1.", 10), Some((-1, true)));
        assert_eq!(parse_number(b"FF", 16), Some((255, false)));
        assert_eq!(parse_number(b"-", 10), None);
        assert_eq!(parse_number(b"1x", 10), None);
        assert_eq!(parse_number(b"12", 1), None);
        assert!(parse_number(b"99999999999999999999999999999999999999999", 10).is_some());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_i128(i64::MIN as i128, 10), "-9223372036854775808");
        assert_eq!(format_u128(255, 16), "FF");
        assert_eq!(format_u128(0, 2), "0");
        assert_eq!(to_number(0, b"12z", 10), (12, 2));
    }
}
