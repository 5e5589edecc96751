//! String manipulation (spec §5.6) and the additional string functions
//! (§5.7). Positions and lengths count Unicode scalar values. Regular
//! expressions use `fancy-regex` (PCRE-like, with look-around and
//! back-references) in single-line mode (`.` matches newlines), compiled
//! once per thread and pattern; its backtracking limit turns catastrophic
//! patterns into errors instead of hangs.

use super::{Func, singleton};
use crate::functions::subsetting::int_arg;
use crate::ops;
use crate::value::Value;
use crate::vm::EvalCtx;
use base64::Engine as _;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

/// The single String of a collection; `None` when empty.
fn string_of<'c>(
    ctx: &EvalCtx<'_>,
    items: &'c [Value<'_>],
    what: &str,
) -> Result<Option<&'c str>, String> {
    match singleton(items, what)? {
        None => Ok(None),
        Some(v) => match v.as_str() {
            Some(s) => Ok(Some(s)),
            None if matches!(v, Value::Node(n) if n.kind().is_none()) => Ok(None),
            None => Err(format!(
                "{what} expects a String but got {}",
                ops::type_name(ctx.model, v)
            )),
        },
    }
}

fn char_index(s: &str, byte: usize) -> i64 {
    s[..byte].chars().count() as i64
}

/// Calls a string function; see [`super::call`].
pub(super) fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    let name = format!("{}()", f.name());
    if f == Func::Join {
        return join(ctx, input, args, out);
    }
    let Some(s) = string_of(ctx, input, &name)? else {
        return Ok(());
    };
    let arg = |i: usize| -> Result<Option<&str>, String> {
        match args.get(i) {
            Some(a) => string_of(ctx, a, &name),
            None => Ok(None),
        }
    };
    // Strings a function builds count against the evaluation's limits.
    let text = |t: String| -> Result<Value<'a>, String> {
        if t.len() > ctx.limits.max_memory {
            return Err(format!(
                "{name}: result of {} bytes exceeds the memory limit",
                t.len()
            ));
        }
        ctx.consume(t.len() as u64 / 64)?;
        Ok(Value::string(t))
    };
    match f {
        Func::IndexOf | Func::LastIndexOf => {
            let Some(sub) = arg(0)? else { return Ok(()) };
            let found = if f == Func::IndexOf {
                s.find(sub)
            } else {
                s.rfind(sub)
            };
            out.push(Value::Integer(found.map_or(-1, |b| char_index(s, b))));
        }
        Func::Substring => {
            let Some(start) = int_arg(ctx, args.first().copied().unwrap_or(&[]), &name)? else {
                return Ok(());
            };
            let len = s.chars().count() as i64;
            if start < 0 || start >= len {
                return Ok(());
            }
            let take = match args.get(1) {
                Some(a) => int_arg(ctx, a, &name)?.unwrap_or(len),
                None => len,
            };
            let piece: String = if take <= 0 {
                String::new()
            } else {
                s.chars().skip(start as usize).take(take as usize).collect()
            };
            out.push(text(piece)?);
        }
        Func::StartsWith | Func::EndsWith | Func::ContainsStr => {
            let Some(sub) = arg(0)? else { return Ok(()) };
            out.push(Value::Boolean(match f {
                Func::StartsWith => s.starts_with(sub),
                Func::EndsWith => s.ends_with(sub),
                _ => s.contains(sub),
            }));
        }
        Func::Upper => out.push(text(s.to_uppercase())?),
        Func::Lower => out.push(text(s.to_lowercase())?),
        Func::Replace => {
            let (Some(pattern), Some(with)) = (arg(0)?, arg(1)?) else {
                return Ok(());
            };
            let r = if pattern.is_empty() {
                let mut r = String::with_capacity(s.len() + with.len() * (s.len() + 1));
                r.push_str(with);
                for c in s.chars() {
                    r.push(c);
                    r.push_str(with);
                }
                r
            } else {
                s.replace(pattern, with)
            };
            out.push(text(r)?);
        }
        Func::Matches | Func::MatchesFull => {
            let Some(pattern) = arg(0)? else {
                return Ok(());
            };
            let flags = arg(1)?.unwrap_or("");
            let full = f == Func::MatchesFull;
            let re = regex(pattern, flags, full)?;
            out.push(Value::Boolean(
                re.is_match(s)
                    .map_err(|e| format!("regular expression failed: {e}"))?,
            ));
        }
        Func::ReplaceMatches => {
            let (Some(pattern), Some(with)) = (arg(0)?, arg(1)?) else {
                return Ok(());
            };
            let flags = arg(2)?.unwrap_or("");
            if pattern.is_empty() {
                // An empty pattern matches nowhere useful: the input is returned unchanged (suite testReplaceMatches2).
                out.push(text(s.to_string())?);
                return Ok(());
            }
            let re = regex(pattern, flags, false)?;
            let r = re
                .try_replacen(s, 0, with)
                .map_err(|e| format!("regular expression failed: {e}"))?;
            out.push(text(r.into_owned())?);
        }
        Func::Length => out.push(Value::Integer(s.chars().count() as i64)),
        Func::ToChars => {
            for c in s.chars() {
                out.push(text(c.to_string())?);
            }
        }
        Func::Encode => {
            let Some(format) = arg(0)? else { return Ok(()) };
            let r = match format {
                "hex" => s.bytes().map(|b| format!("{b:02x}")).collect(),
                "base64" => base64::engine::general_purpose::STANDARD.encode(s),
                "urlbase64" => base64::engine::general_purpose::URL_SAFE.encode(s),
                "ascii" => s
                    .chars()
                    .map(|c| if (c as u32) < 128 { c } else { '?' })
                    .collect(),
                other => {
                    return Err(format!(
                        "encode(): unknown format '{other}' (expected hex, base64, urlbase64 or ascii)"
                    ));
                }
            };
            out.push(text(r)?);
        }
        Func::Decode => {
            let Some(format) = arg(0)? else { return Ok(()) };
            let bytes = match format {
                "hex" => decode_hex(s),
                "base64" => base64::engine::general_purpose::STANDARD.decode(s).ok(),
                "urlbase64" => base64::engine::general_purpose::URL_SAFE.decode(s).ok(),
                other => {
                    return Err(format!(
                        "decode(): unknown format '{other}' (expected hex, base64 or urlbase64)"
                    ));
                }
            };
            if let Some(r) = bytes.and_then(|b| String::from_utf8(b).ok()) {
                out.push(text(r)?);
            }
        }
        Func::Escape | Func::Unescape => {
            let Some(target) = arg(0)? else { return Ok(()) };
            let r = match (f, target) {
                (Func::Escape, "html") => escape_html(s),
                (Func::Escape, "json") => escape_json(s),
                (Func::Unescape, "html") => unescape_html(s),
                (Func::Unescape, "json") => unescape_json(s),
                (_, other) => {
                    return Err(format!(
                        "{name}: unknown target '{other}' (expected html or json)"
                    ));
                }
            };
            out.push(text(r)?);
        }
        Func::Trim => out.push(text(s.trim_matches([' ', '\t', '\r', '\n']).to_string())?),
        Func::Split => {
            let Some(sep) = arg(0)? else { return Ok(()) };
            if sep.is_empty() {
                for c in s.chars() {
                    out.push(text(c.to_string())?);
                }
            } else {
                for part in s.split(sep) {
                    out.push(text(part.to_string())?);
                }
            }
        }
        _ => {
            return Err(format!(
                "internal error: {} is not a string function",
                f.name()
            ));
        }
    }
    Ok(())
}

fn join<'a>(
    ctx: &EvalCtx<'a>,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    if input.is_empty() {
        return Ok(());
    }
    let sep = match args.first() {
        Some(a) => string_of(ctx, a, "join()")?.unwrap_or(""),
        None => "",
    };
    let mut r = String::new();
    for (i, v) in input.iter().enumerate() {
        let Some(s) = v.as_str() else {
            return Err(format!(
                "join() expects Strings but got {}",
                ops::type_name(ctx.model, v)
            ));
        };
        if i > 0 {
            r.push_str(sep);
        }
        r.push_str(s);
    }
    if r.len() > ctx.limits.max_memory {
        return Err(format!(
            "join(): result of {} bytes exceeds the memory limit",
            r.len()
        ));
    }
    ctx.consume(r.len() as u64 / 64)?;
    out.push(Value::string(r));
    Ok(())
}

thread_local! {
    static REGEX_CACHE: RefCell<FxHashMap<(String, String, bool), Rc<fancy_regex::Regex>>> = RefCell::new(FxHashMap::default());
}

/// Compiles (or fetches) `pattern` with FHIRPath flags (`i`, `m`), single-line mode on.
fn regex(pattern: &str, flags: &str, full: bool) -> Result<Rc<fancy_regex::Regex>, String> {
    let key = (pattern.to_string(), flags.to_string(), full);
    if let Some(re) = REGEX_CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(re);
    }
    let mut inline = String::from("s");
    for c in flags.chars() {
        match c {
            'i' | 'm' => inline.push(c),
            _ => {
                return Err(format!(
                    "invalid regular expression flag '{c}' (expected i or m)"
                ));
            }
        }
    }
    let body = if full {
        format!("^(?:{pattern})$")
    } else {
        pattern.to_string()
    };
    let re = fancy_regex::RegexBuilder::new(&format!("(?{inline}){body}"))
        .backtrack_limit(1_000_000)
        .build()
        .map_err(|e| format!("invalid regular expression '{pattern}': {e}"))?;
    let re = Rc::new(re);
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 256 {
            c.clear();
        }
        c.insert(key, Rc::clone(&re));
    });
    Ok(re)
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

fn escape_html(s: &str) -> String {
    let mut r = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => r.push_str("&lt;"),
            '>' => r.push_str("&gt;"),
            '&' => r.push_str("&amp;"),
            '"' => r.push_str("&quot;"),
            '\'' => r.push_str("&#39;"),
            c if (c as u32) > 127 => r.push_str(&format!("&#{};", c as u32)),
            c => r.push(c),
        }
    }
    r
}

fn unescape_html(s: &str) -> String {
    let mut r = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        r.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            r.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                r.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                r.push('&');
                rest = &rest[1..];
            }
        }
    }
    r.push_str(rest);
    r
}

fn escape_json(s: &str) -> String {
    let mut quoted = String::with_capacity(s.len() + 2);
    crate::json::write_json_string(s, &mut quoted);
    quoted[1..quoted.len() - 1].to_string()
}

fn unescape_json(s: &str) -> String {
    let quoted = format!("\"{s}\"");
    match crate::json::Document::parse(quoted) {
        Ok(doc) => doc.str(doc.root()).unwrap_or(s).to_string(),
        Err(_) => s.to_string(),
    }
}
