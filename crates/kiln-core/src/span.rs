//! Byte ranges into a source text.

use std::fmt;

/// A half-open byte range `start..end` into a source string.
///
/// Offsets are in bytes (UTF-8), `u32` so that a span is 8 bytes; sources
/// larger than 4 GiB are not supported by any Kiln front end.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span covering `start..end`. `end` is clamped up to `start`.
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// An empty span at `pos`, used for "expected X here" errors at the end of input.
    pub fn point(pos: u32) -> Span {
        Span {
            start: pos,
            end: pos,
        }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text the span covers, or `""` when it lies outside `src` or not on
    /// character boundaries.
    pub fn text(self, src: &str) -> &str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_text() {
        let a = Span::new(2, 4);
        let b = Span::new(6, 9);
        assert_eq!(a.to(b), Span::new(2, 9));
        assert_eq!(Span::new(0, 7).text("Patient.name"), "Patient");
        assert_eq!(Span::new(40, 50).text("short"), "");
        assert!(Span::point(3).is_empty());
    }
}
