//! The FHIRPath lexer: source text → tokens with spans (spec §"Lexical
//! Elements" and the lexical rules of `fhirpath.g4`).
//!
//! Keywords (`and`, `div`, `true`, `day`, …) are lexed as identifiers; the
//! parser decides by position whether a word is an operator, a literal, a
//! unit or a name, which is what lets `Patient.text.div` and `Observation.as`
//! work. Lexing never fails: a bad character or an unterminated string
//! becomes an [`TokenKind::Error`] token with a message, which the parser
//! turns into a diagnostic.

use kiln_core::Span;

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A simple identifier or keyword: `Patient`, `_id`, `and`, `days`.
    Ident,
    /// A backtick-delimited identifier; the decoded name is in `Token::text`.
    DelimitedIdent,
    /// A string literal; the decoded value is in `Token::text`.
    String,
    /// `[0-9]+`.
    Integer,
    /// `[0-9]+L`.
    Long,
    /// `[0-9]+.[0-9]+`.
    Decimal,
    /// `@2014-01-25`; `text` holds the part after `@`.
    Date,
    /// `@2014-01-25T14:30:14.559+01:00`, `@2014T`; `text` after `@`.
    DateTime,
    /// `@T14:30`; `text` holds the part after `@T` (including a zone, which is invalid).
    Time,
    /// `%name`, ``%`vs-x` ``, `%'x'`; `text` is the decoded name.
    EnvVar,
    /// `$this`, `$index`, `$total` (any `$word`); `text` is the word.
    Special,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `:`
    Colon,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `&`
    Amp,
    /// `|`
    Pipe,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `~`
    Tilde,
    /// `!~`
    NotTilde,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// End of input.
    Eof,
    /// Something that is not a token; `text` holds the message.
    Error,
}

/// A token: its kind, span, and (for names and literals) its decoded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
    /// Decoded text for identifiers, literals and errors; empty for symbols.
    pub text: String,
}

/// Splits `src` into tokens, ending with exactly one `Eof`. Whitespace and
/// comments are skipped. An unterminated `/*` comment yields an `Error` token.
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
    };
    lx.run();
    lx.out
}

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: TokenKind, start: usize, text: String) {
        self.out.push(Token {
            kind,
            span: Span::new(start as u32, self.pos as u32),
            text,
        });
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            let start = self.pos;
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'/' if self.peek(1) == Some(b'/') => {
                    while self.pos < self.bytes.len()
                        && !matches!(self.bytes[self.pos], b'\n' | b'\r')
                    {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == Some(b'*') => match self.src[self.pos + 2..].find("*/") {
                    Some(i) => self.pos += 2 + i + 2,
                    None => {
                        self.pos = self.bytes.len();
                        self.push(TokenKind::Error, start, "unterminated comment".into());
                    }
                },
                b'\'' => self.quoted(b'\'', TokenKind::String),
                b'`' => self.quoted(b'`', TokenKind::DelimitedIdent),
                b'0'..=b'9' => self.number(),
                b'@' => self.date_time(),
                b'%' => self.env_var(),
                b'$' => {
                    self.pos += 1;
                    let s = self.pos;
                    while self.peek(0).is_some_and(is_ident_char) {
                        self.pos += 1;
                    }
                    let word = self.src[s..self.pos].to_string();
                    self.push(TokenKind::Special, start, word);
                }
                _ if is_ident_start(b) => {
                    while self.peek(0).is_some_and(is_ident_char) {
                        self.pos += 1;
                    }
                    let word = self.src[start..self.pos].to_string();
                    self.push(TokenKind::Ident, start, word);
                }
                _ => self.symbol(),
            }
        }
        let end = self.bytes.len();
        self.out.push(Token {
            kind: TokenKind::Eof,
            span: Span::point(end as u32),
            text: String::new(),
        });
    }

    fn symbol(&mut self) {
        let start = self.pos;
        let two = |s: &Self, c: u8| s.peek(1) == Some(c);
        let (kind, len) = match self.bytes[self.pos] {
            b'.' => (TokenKind::Dot, 1),
            b',' => (TokenKind::Comma, 1),
            b'(' => (TokenKind::LParen, 1),
            b')' => (TokenKind::RParen, 1),
            b'[' => (TokenKind::LBracket, 1),
            b']' => (TokenKind::RBracket, 1),
            b'{' => (TokenKind::LBrace, 1),
            b'}' => (TokenKind::RBrace, 1),
            b':' => (TokenKind::Colon, 1),
            b'+' => (TokenKind::Plus, 1),
            b'-' => (TokenKind::Minus, 1),
            b'*' => (TokenKind::Star, 1),
            b'/' => (TokenKind::Slash, 1),
            b'&' => (TokenKind::Amp, 1),
            b'|' => (TokenKind::Pipe, 1),
            b'=' => (TokenKind::Eq, 1),
            b'~' => (TokenKind::Tilde, 1),
            b'!' if two(self, b'=') => (TokenKind::Ne, 2),
            b'!' if two(self, b'~') => (TokenKind::NotTilde, 2),
            b'<' if two(self, b'=') => (TokenKind::Le, 2),
            b'<' => (TokenKind::Lt, 1),
            b'>' if two(self, b'=') => (TokenKind::Ge, 2),
            b'>' => (TokenKind::Gt, 1),
            _ => {
                let c = self.src[self.pos..].chars().next().unwrap_or('?');
                self.pos += c.len_utf8();
                self.push(
                    TokenKind::Error,
                    start,
                    format!("unexpected character '{}'", c.escape_debug()),
                );
                return;
            }
        };
        self.pos += len;
        self.push(kind, start, String::new());
    }

    /// A `'string'` or `` `identifier` `` with FHIRPath escapes.
    fn quoted(&mut self, quote: u8, kind: TokenKind) {
        let start = self.pos;
        match self.read_quoted(quote) {
            Ok(text) => self.push(kind, start, text),
            Err(msg) => self.push(TokenKind::Error, start, msg),
        }
    }

    fn read_quoted(&mut self, quote: u8) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(b) = self.peek(0) else {
                return Err(if quote == b'\'' {
                    "unterminated string".into()
                } else {
                    "unterminated delimited identifier".into()
                });
            };
            if b == quote {
                self.pos += 1;
                return Ok(out);
            }
            if b == b'\\' {
                self.pos += 1;
                let Some(e) = self.peek(0) else { continue };
                self.pos += 1;
                match e {
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'f' => out.push('\u{c}'),
                    b'u' => {
                        let hex = self
                            .src
                            .get(self.pos..self.pos + 4)
                            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                        let Some(hex) = hex else {
                            return Err("invalid \\u escape: expected four hex digits".into());
                        };
                        let code = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                        self.pos += 4;
                        // A surrogate pair spelled as two escapes.
                        if (0xD800..0xDC00).contains(&code)
                            && self.src[self.pos..].starts_with("\\u")
                            && let Some(lo) = self
                                .src
                                .get(self.pos + 2..self.pos + 6)
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                            && (0xDC00..0xE000).contains(&lo)
                        {
                            self.pos += 6;
                            let c = 0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            continue;
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                    // `\'`, `\"`, `` \` ``, `\\`, `\/` and any other escaped character stand for themselves.
                    _ => {
                        self.pos -= 1;
                        let c = self.src[self.pos..].chars().next().unwrap_or('\u{FFFD}');
                        self.pos += c.len_utf8();
                        out.push(c);
                    }
                }
                continue;
            }
            let c = self.src[self.pos..].chars().next().unwrap_or('\u{FFFD}');
            self.pos += c.len_utf8();
            out.push(c);
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.pos;
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - s
    }

    fn number(&mut self) {
        let start = self.pos;
        self.digits();
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            self.digits();
            let text = self.src[start..self.pos].to_string();
            self.push(TokenKind::Decimal, start, text);
        } else if self.peek(0) == Some(b'L') && !self.peek(1).is_some_and(is_ident_char) {
            let text = self.src[start..self.pos].to_string();
            self.pos += 1;
            self.push(TokenKind::Long, start, text);
        } else {
            let text = self.src[start..self.pos].to_string();
            self.push(TokenKind::Integer, start, text);
        }
    }

    /// Tries to consume exactly `n` digits.
    fn exact_digits(&mut self, n: usize) -> bool {
        let ok = (0..n).all(|i| self.peek(i).is_some_and(|b| b.is_ascii_digit()));
        if ok {
            self.pos += n;
        }
        ok
    }

    /// `hh(:mm(:ss(.fff)?)?)?` after the position; true when at least `hh` was read.
    fn time_format(&mut self) -> bool {
        if !self.exact_digits(2) {
            return false;
        }
        let save = self.pos;
        if self.peek(0) == Some(b':') {
            self.pos += 1;
            if !self.exact_digits(2) {
                self.pos = save;
                return true;
            }
            let save = self.pos;
            if self.peek(0) == Some(b':') {
                self.pos += 1;
                if !self.exact_digits(2) {
                    self.pos = save;
                    return true;
                }
                if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                    self.digits();
                }
            }
        }
        true
    }

    fn tz_format(&mut self) {
        match self.peek(0) {
            Some(b'Z') => self.pos += 1,
            Some(b'+' | b'-') => {
                let save = self.pos;
                self.pos += 1;
                if !(self.exact_digits(2) && self.peek(0) == Some(b':') && {
                    self.pos += 1;
                    self.exact_digits(2)
                }) {
                    self.pos = save;
                }
            }
            _ => {}
        }
    }

    /// `@` DATE | DATETIME | TIME, following the grammar's longest match.
    fn date_time(&mut self) {
        let start = self.pos;
        self.pos += 1;
        if self.peek(0) == Some(b'T') {
            self.pos += 1;
            if self.time_format() {
                // The grammar has no zone on time literals; it is lexed so that the
                // compiler can reject it with a precise message.
                self.tz_format();
                let text = self.src[start + 2..self.pos].to_string();
                self.push(TokenKind::Time, start, text);
            } else {
                self.push(
                    TokenKind::Error,
                    start,
                    "invalid time literal: expected @Thh[:mm[:ss[.fff]]]".into(),
                );
            }
            return;
        }
        if !self.exact_digits(4) {
            while self.peek(0).is_some_and(|b| b.is_ascii_alphanumeric()) {
                self.pos += 1;
            }
            self.push(
                TokenKind::Error,
                start,
                "invalid date literal: expected @YYYY[-MM[-DD]]".into(),
            );
            return;
        }
        for _ in 0..2 {
            let save = self.pos;
            if self.peek(0) == Some(b'-') {
                self.pos += 1;
                if !self.exact_digits(2) {
                    self.pos = save;
                    break;
                }
            } else {
                break;
            }
        }
        if self.peek(0) == Some(b'T') {
            self.pos += 1;
            if self.time_format() {
                self.tz_format();
            }
            let text = self.src[start + 1..self.pos].to_string();
            self.push(TokenKind::DateTime, start, text);
        } else {
            let text = self.src[start + 1..self.pos].to_string();
            self.push(TokenKind::Date, start, text);
        }
    }

    fn env_var(&mut self) {
        let start = self.pos;
        self.pos += 1;
        match self.peek(0) {
            Some(b'`') => match self.read_quoted(b'`') {
                Ok(name) => self.push(TokenKind::EnvVar, start, name),
                Err(msg) => self.push(TokenKind::Error, start, msg),
            },
            Some(b'\'') => match self.read_quoted(b'\'') {
                Ok(name) => self.push(TokenKind::EnvVar, start, name),
                Err(msg) => self.push(TokenKind::Error, start, msg),
            },
            Some(b) if is_ident_start(b) => {
                let s = self.pos;
                while self.peek(0).is_some_and(is_ident_char) {
                    self.pos += 1;
                }
                let name = self.src[s..self.pos].to_string();
                self.push(TokenKind::EnvVar, start, name);
            }
            _ => self.push(
                TokenKind::Error,
                start,
                "expected a variable name after '%'".into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        tokenize(src)
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn paths_and_operators() {
        use TokenKind::*;
        let k: Vec<_> = tokenize("Patient.name.where(use != 'official') | x >= 2")
            .into_iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(
            k,
            [
                Ident, Dot, Ident, Dot, Ident, LParen, Ident, Ne, String, RParen, Pipe, Ident, Ge,
                Integer, Eof
            ]
        );
    }

    #[test]
    fn literals() {
        use TokenKind::*;
        assert_eq!(kinds("1.5")[0], (Decimal, "1.5".into()));
        assert_eq!(kinds("1.toString()")[0], (Integer, "1".into()));
        assert_eq!(kinds("10L")[0], (Long, "10".into()));
        assert_eq!(kinds("@2014-01-25")[0], (Date, "2014-01-25".into()));
        assert_eq!(kinds("@2014-01T")[0], (DateTime, "2014-01T".into()));
        assert_eq!(
            kinds("@2014-01-01T08.lowBoundary()")[0],
            (DateTime, "2014-01-01T08".into())
        );
        assert_eq!(
            kinds("@2015-02-04T14:34:28.123+10:00 ")[0],
            (DateTime, "2015-02-04T14:34:28.123+10:00".into())
        );
        assert_eq!(kinds("@T14:34:28Z")[0], (Time, "14:34:28Z".into()));
        assert_eq!(
            kinds("@T14:34:28+10:00.x")[0],
            (Time, "14:34:28+10:00".into())
        );
        assert_eq!(kinds(r"'a\'b\n\u0041\\'")[0], (String, "a'b\nA\\".into()));
        assert_eq!(kinds("`div`")[0], (DelimitedIdent, "div".into()));
        assert_eq!(kinds("%`vs-x`")[0], (EnvVar, "vs-x".into()));
        assert_eq!(kinds("%'us-zip'")[0], (EnvVar, "us-zip".into()));
        assert_eq!(kinds("$this")[0], (Special, "this".into()));
    }

    #[test]
    fn comments_and_errors() {
        use TokenKind::*;
        assert_eq!(tokenize("2 // c\n + /* x */ 3").len(), 4);
        assert_eq!(
            kinds("2 + 2 /* not finished").last().map(|t| t.0.clone()),
            Some(Eof)
        );
        assert!(kinds("2 /* x").iter().any(|t| t.0 == Error));
        assert!(kinds("'abc").iter().any(|t| t.0 == Error));
        assert!(kinds("a # b").iter().any(|t| t.0 == Error));
        assert!(kinds("é").iter().any(|t| t.0 == Error));
    }
}
