//! The pattern templates the generator instantiates: their ids, parameters
//! and Forth templates, compiled once (at first use) into closures in a
//! table with O(1) lookup by id, the candidate enumeration used when a
//! spec gives no hint, and the whitelist every generated body must pass.
//!
//! | id | template | parameters |
//! | --- | --- | --- |
//! | `primitive` | `{op}` | `op`: one built-in word (`dup`, `swap`, `+`, `negate`, …) |
//! | `duplicate-transform` | `dup {op}` | `op`: a binary word (`*` gives square) |
//! | `literal-op` | `{n} {op}` | `n`: integer (solved from the tests for `+ - *` when absent), `op` (default `+`) |
//! | `conditional-negate` | `dup {test} if negate then` | `test`: `0<` (abs, default) or `0>` |
//! | `map-combine` | `swap {f} swap {f} {op}` | `f`: `square`, `abs`, …; `op`: `+ - * max min` (sum of squares) |
//! | `accumulate-loop` | `0 swap 1+ {from} ?do i {term} + loop` | `term`: `identity`, `square`, `cube`, `double`; `from`: `1` or `0` |
//! | `recursive-reduction` | `{kind}` | `kind`: `factorial`, `fib`, `gcd`, `power`, `triangular` |
//! | `code` | `{body}` | `body`: Forth text of whitelisted words (never searched) |

use crate::numeric::parse_number;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// How a parameter's value is given.
#[derive(Clone, Copy, Debug)]
pub enum ParamKind {
    /// One of named choices, each standing for a code snippet.
    Choice(&'static [(&'static str, &'static str)]),
    /// A signed integer literal.
    Number,
    /// Free Forth text (whitelisted words only).
    Code,
}

/// A template parameter.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Its name in `implementation.params`.
    pub name: &'static str,
    /// What values it takes.
    pub kind: ParamKind,
    /// The value used when the spec gives none (`None`: required, or
    /// searched/solved).
    pub default: Option<&'static str>,
}

/// A pattern: an id, a summary, a template with `{param}` holes.
#[derive(Debug)]
pub struct Pattern {
    /// The id a spec names in `implementation.pattern`.
    pub id: &'static str,
    /// One line on what it builds.
    pub summary: &'static str,
    /// Forth text with `{param}` holes.
    pub template: &'static str,
    /// Its parameters, in hole order of first use.
    pub params: &'static [ParamSpec],
    /// Tried when a spec gives no hint.
    pub searchable: bool,
}

const BINARY_OPS: &[(&str, &str)] = &[
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("mod", "mod"),
    ("max", "max"),
    ("min", "min"),
    ("and", "and"),
    ("or", "or"),
    ("xor", "xor"),
    ("=", "="),
    ("<>", "<>"),
    ("<", "<"),
    (">", ">"),
    ("u<", "u<"),
    ("lshift", "lshift"),
    ("rshift", "rshift"),
];

const PRIMITIVES: &[(&str, &str)] = &[
    ("dup", "dup"),
    ("drop", "drop"),
    ("swap", "swap"),
    ("over", "over"),
    ("nip", "nip"),
    ("tuck", "tuck"),
    ("rot", "rot"),
    ("-rot", "rot rot"),
    ("2dup", "2dup"),
    ("2drop", "2drop"),
    ("2swap", "2swap"),
    ("2over", "2over"),
    ("negate", "negate"),
    ("abs", "abs"),
    ("1+", "1+"),
    ("1-", "1-"),
    ("2*", "2*"),
    ("2/", "2/"),
    ("invert", "invert"),
    ("0=", "0="),
    ("0<", "0<"),
    ("0>", "0>"),
    ("0<>", "0<>"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("mod", "mod"),
    ("max", "max"),
    ("min", "min"),
    ("and", "and"),
    ("or", "or"),
    ("xor", "xor"),
    ("=", "="),
    ("<>", "<>"),
    ("<", "<"),
    (">", ">"),
    ("u<", "u<"),
    ("lshift", "lshift"),
    ("rshift", "rshift"),
    ("/mod", "/mod"),
];

const LITERAL_OPS: &[(&str, &str)] = &[
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("mod", "mod"),
    ("max", "max"),
    ("min", "min"),
    ("and", "and"),
    ("or", "or"),
    ("xor", "xor"),
    ("lshift", "lshift"),
    ("rshift", "rshift"),
];

const MAP_FNS: &[(&str, &str)] = &[
    ("square", "dup *"),
    ("identity", ""),
    ("abs", "abs"),
    ("negate", "negate"),
    ("double", "2*"),
    ("1+", "1+"),
    ("1-", "1-"),
    ("cube", "dup dup * *"),
];

const COMBINE_OPS: &[(&str, &str)] = &[
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("max", "max"),
    ("min", "min"),
];

const TERMS: &[(&str, &str)] = &[
    ("identity", ""),
    ("square", "dup *"),
    ("cube", "dup dup * *"),
    ("double", "2*"),
];

const REDUCTIONS: &[(&str, &str)] = &[
    // ( n -- n! ): 0! = 1! = 1.
    ("factorial", "dup 2 < if drop 1 else dup 1- recurse * then"),
    // ( n -- fib(n) ): fib(0) = 0, fib(1) = 1.
    (
        "fib",
        "dup 2 < if exit then dup 1- recurse swap 2 - recurse +",
    ),
    // ( a b -- gcd ): Euclid's algorithm.
    ("gcd", "dup 0= if drop exit then tuck mod recurse"),
    // ( b e -- b^e ), e >= 0.
    (
        "power",
        "dup 0= if 2drop 1 exit then over swap 1- recurse *",
    ),
    // ( n -- 0+1+…+n ) by recursion.
    ("triangular", "dup 0> if dup 1- recurse + then"),
];

/// Every pattern, in search order.
pub const PATTERNS: &[Pattern] = &[
    Pattern {
        id: "primitive",
        summary: "one built-in word (stack shuffle or arithmetic)",
        template: "{op}",
        params: &[ParamSpec {
            name: "op",
            kind: ParamKind::Choice(PRIMITIVES),
            default: None,
        }],
        searchable: true,
    },
    Pattern {
        id: "duplicate-transform",
        summary: "duplicate the top item and combine the copies (square = dup *)",
        template: "dup {op}",
        params: &[ParamSpec {
            name: "op",
            kind: ParamKind::Choice(BINARY_OPS),
            default: None,
        }],
        searchable: true,
    },
    Pattern {
        id: "literal-op",
        summary: "combine the top item with a literal (literal add = 5 +)",
        template: "{n} {op}",
        params: &[
            ParamSpec {
                name: "n",
                kind: ParamKind::Number,
                default: None,
            },
            ParamSpec {
                name: "op",
                kind: ParamKind::Choice(LITERAL_OPS),
                default: Some("+"),
            },
        ],
        searchable: true,
    },
    Pattern {
        id: "conditional-negate",
        summary: "negate the top item when a test holds (abs)",
        template: "dup {test} if negate then",
        params: &[ParamSpec {
            name: "test",
            kind: ParamKind::Choice(&[("0<", "0<"), ("0>", "0>")]),
            default: Some("0<"),
        }],
        searchable: true,
    },
    Pattern {
        id: "map-combine",
        summary: "apply f to both items, then combine (sum of squares)",
        template: "swap {f} swap {f} {op}",
        params: &[
            ParamSpec {
                name: "f",
                kind: ParamKind::Choice(MAP_FNS),
                default: None,
            },
            ParamSpec {
                name: "op",
                kind: ParamKind::Choice(COMBINE_OPS),
                default: None,
            },
        ],
        searchable: true,
    },
    Pattern {
        id: "accumulate-loop",
        summary: "sum term(i) for i from `from` to n with a counted loop",
        template: "0 swap 1+ {from} ?do i {term} + loop",
        params: &[
            ParamSpec {
                name: "from",
                kind: ParamKind::Choice(&[("1", "1"), ("0", "0")]),
                default: Some("1"),
            },
            ParamSpec {
                name: "term",
                kind: ParamKind::Choice(TERMS),
                default: None,
            },
        ],
        searchable: true,
    },
    Pattern {
        id: "recursive-reduction",
        summary: "a reduction by recursion (factorial, fib, gcd, power, triangular)",
        template: "{kind}",
        params: &[ParamSpec {
            name: "kind",
            kind: ParamKind::Choice(REDUCTIONS),
            default: None,
        }],
        searchable: true,
    },
    Pattern {
        id: "code",
        summary: "a body given as Forth text (checked and tested like any other)",
        template: "{body}",
        params: &[ParamSpec {
            name: "body",
            kind: ParamKind::Code,
            default: None,
        }],
        searchable: false,
    },
];

/// A template compiled into a closure: parameter values (in
/// [`Pattern::params`] order, already resolved to code) → body text.
pub type Instantiate = Box<dyn Fn(&[&str]) -> String + Send + Sync>;

/// The pattern table: compiled templates and an id index.
pub struct Table {
    entries: Vec<(&'static Pattern, Instantiate)>,
    by_id: FxHashMap<&'static str, usize>,
}

enum Piece {
    Text(&'static str),
    Hole(usize),
}

/// Compiles a template into pieces once; the closure only concatenates.
fn compile(p: &'static Pattern) -> Instantiate {
    let mut pieces = Vec::new();
    let mut rest = p.template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let name = &rest[open + 1..close];
        let idx = p.params.iter().position(|q| q.name == name);
        debug_assert!(idx.is_some(), "template hole {name} of {}", p.id);
        pieces.push(Piece::Hole(idx.unwrap_or(0)));
        rest = &rest[(close + 1).min(rest.len())..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Box::new(move |vals: &[&str]| {
        let mut s = String::with_capacity(32);
        for piece in &pieces {
            match piece {
                Piece::Text(t) => s.push_str(t),
                Piece::Hole(i) => s.push_str(vals.get(*i).copied().unwrap_or("")),
            }
        }
        // Empty snippets (identity) leave double spaces; harmless to Forth
        // but tidy for printing.
        if s.contains("  ") {
            s.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            s
        }
    })
}

/// The table, compiled on first use.
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let entries: Vec<_> = PATTERNS.iter().map(|p| (p, compile(p))).collect();
        let by_id = PATTERNS
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        Table { entries, by_id }
    })
}

impl Table {
    /// The pattern with id `id` and its compiled template (O(1)).
    pub fn get(&self, id: &str) -> Option<(&'static Pattern, &Instantiate)> {
        self.by_id
            .get(id)
            .map(|&i| (self.entries[i].0, &self.entries[i].1))
    }

    /// All patterns with their compiled templates, in search order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static Pattern, &Instantiate)> {
        self.entries.iter().map(|(p, f)| (*p, f))
    }

    /// Known ids, for error messages.
    pub fn ids(&self) -> Vec<&'static str> {
        self.entries.iter().map(|(p, _)| p.id).collect()
    }
}

/// Words a generated body may use: pure stack and arithmetic words, the
/// return stack, and control structures. Nothing that touches memory,
/// files, output, the dictionary or the interpreter (so a hostile `code`
/// body cannot escape the sandbox or end the definition early).
pub const SAFE_WORDS: &[&str] = &[
    "DUP", "DROP", "SWAP", "OVER", "NIP", "TUCK", "ROT", "2DUP", "2DROP", "2SWAP", "2OVER", "?DUP",
    "PICK", "ROLL", "DEPTH", "+", "-", "*", "/", "MOD", "/MOD", "*/", "*/MOD", "NEGATE", "ABS",
    "MIN", "MAX", "1+", "1-", "2*", "2/", "LSHIFT", "RSHIFT", "AND", "OR", "XOR", "INVERT", "=",
    "<>", "<", ">", "U<", "U>", "0=", "0<", "0>", "0<>", "WITHIN", "TRUE", "FALSE", "CELLS",
    "CELL+", "CHARS", "CHAR+", "S>D", "M*", "UM*", "FM/MOD", "SM/REM", "UM/MOD", "D+", "D-",
    "DNEGATE", "DABS", "D2*", "D2/", "D0=", "D0<", "D=", "D<", "D>S", ">R", "R>", "R@", "2>R",
    "2R>", "2R@", "IF", "ELSE", "THEN", "BEGIN", "UNTIL", "WHILE", "REPEAT", "AGAIN", "DO", "?DO",
    "LOOP", "+LOOP", "I", "J", "LEAVE", "UNLOOP", "EXIT", "RECURSE", "CASE", "OF", "ENDOF",
    "ENDCASE",
];

/// Checks that `body` uses only [`SAFE_WORDS`] and single-cell decimal
/// numbers, and is not too long.
///
/// # Errors
/// The first offending token.
pub fn check_body(body: &str) -> Result<(), String> {
    const MAX_TOKENS: usize = 256;
    let mut n = 0;
    for tok in body.split_ascii_whitespace() {
        n += 1;
        if n > MAX_TOKENS {
            return Err(format!("the body has more than {MAX_TOKENS} words"));
        }
        let upper = tok.to_ascii_uppercase();
        if SAFE_WORDS.contains(&upper.as_str()) {
            continue;
        }
        match parse_number(tok.as_bytes(), 10) {
            Some((v, false)) if i64::try_from(v).is_ok() || u64::try_from(v).is_ok() => {}
            _ => {
                return Err(format!(
                    "`{tok}` is not allowed in a generated body (only stack, arithmetic, \
                     return-stack and control-structure words, and numbers)"
                ));
            }
        }
    }
    Ok(())
}

/// Control-structure words: a body with any of them is not a straight
/// sequence, so the text effect API (which composes words in order) does
/// not apply to it.
const CONTROL_WORDS: &[&str] = &[
    "IF", "ELSE", "THEN", "BEGIN", "UNTIL", "WHILE", "REPEAT", "AGAIN", "DO", "?DO", "LOOP",
    "+LOOP", "I", "J", "LEAVE", "UNLOOP", "EXIT", "RECURSE", "CASE", "OF", "ENDOF", "ENDCASE",
];

/// True when `body` has no control-structure word (its effect is the
/// composition of its words' effects, so `infer::infer` gives it).
pub fn straight_line(body: &str) -> bool {
    body.split_ascii_whitespace()
        .all(|t| !CONTROL_WORDS.iter().any(|c| c.eq_ignore_ascii_case(t)))
}

/// Resolves one parameter value to its code.
///
/// # Errors
/// An unknown choice, a bad number, or a body that fails [`check_body`].
pub fn resolve(spec: &ParamSpec, value: &str) -> Result<String, String> {
    match spec.kind {
        ParamKind::Choice(choices) => choices
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(value))
            .map(|(_, code)| (*code).to_owned())
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|c| c.0).collect();
                format!(
                    "`{value}` is not a choice of `{}`; choose one of: {}",
                    spec.name,
                    names.join(" ")
                )
            }),
        ParamKind::Number => match value.trim().parse::<i64>() {
            Ok(v) => Ok(v.to_string()),
            Err(_) => Err(format!(
                "`{value}` is not an integer (parameter `{}`)",
                spec.name
            )),
        },
        ParamKind::Code => check_body(value).map(|()| value.to_owned()),
    }
}

/// Solves a literal for `literal-op` from one test case `( x -- y )`:
/// `n` with `x op n = y`, for `+`, `-` and `*`.
pub fn solve_literal(op: &str, x: i64, y: i64) -> Option<i64> {
    match op {
        "+" => Some(y.wrapping_sub(x)),
        "-" => Some(x.wrapping_sub(y)),
        "*" if x != 0 && y.checked_rem(x) == Some(0) => y.checked_div(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_instantiate() {
        let t = table();
        let (_, f) = t.get("duplicate-transform").unwrap();
        assert_eq!(f(&["*"]), "dup *");
        let (_, f) = t.get("accumulate-loop").unwrap();
        assert_eq!(f(&["1", ""]), "0 swap 1+ 1 ?do i + loop");
        let (_, f) = t.get("map-combine").unwrap();
        assert_eq!(f(&["dup *", "+"]), "swap dup * swap dup * +");
        assert!(t.get("nope").is_none());
        assert_eq!(t.ids().len(), PATTERNS.len());
    }

    #[test]
    fn bodies_are_whitelisted() {
        assert!(check_body("dup 0< if negate then").is_ok());
        assert!(check_body("1 2 +").is_ok());
        assert!(check_body("; bye").is_err());
        assert!(check_body("0 !").is_err());
        assert!(check_body("1.").is_err());
        for (_, code) in REDUCTIONS.iter().chain(PRIMITIVES) {
            assert!(check_body(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn literals_are_solved() {
        assert_eq!(solve_literal("+", 3, 8), Some(5));
        assert_eq!(solve_literal("-", 3, 8), Some(-5));
        assert_eq!(solve_literal("*", 3, 12), Some(4));
        assert_eq!(solve_literal("*", 3, 13), None);
        assert_eq!(solve_literal("*", 0, 0), None);
        assert_eq!(solve_literal("*", -1, i64::MIN), None);
    }
}
