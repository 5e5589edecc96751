//! node-style value formatting for `console.log` and the REPL
//! (util.inspect defaults: depth 2, single-quoted nested strings, line
//! breaking past 72 columns, `[Circular *1]`, `[Function: f]`, `Map(n) {}`).
//! Never throws: getters are not invoked, only data properties are shown.

use super::*;

/// Formats `v` like node's `util.inspect(v)`.
pub fn inspect(vm: &mut Vm, v: &Value) -> String {
    let mut seen = Vec::new();
    fmt(vm, v, 0, &mut seen, true)
}

/// Formats `v` like node's REPL echo (strings quoted).
pub fn inspect_repl(vm: &mut Vm, v: &Value) -> String {
    let mut seen = Vec::new();
    fmt(vm, v, 0, &mut seen, false)
}

fn quote_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(q);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

fn prim(vm: &Vm, v: &Value, top: bool) -> Option<String> {
    Some(match v {
        Value::Undefined | Value::Empty => "undefined".into(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Num(n) => {
            if *n == 0.0 && n.is_sign_negative() {
                "-0".into()
            } else {
                number_to_string(*n)
            }
        }
        Value::Str(s) => {
            if top {
                s.to_rust()
            } else {
                quote_str(&s.to_rust())
            }
        }
        Value::Sym(s) => super::string::symbol_descriptive(vm, *s),
        Value::BigInt(b) => format!("{b}n"),
        Value::Obj(_) => return None,
    })
}

fn own_data(vm: &Vm, o: ObjId, key: &str) -> Option<Value> {
    let (s, a) = vm.heap.find(o, &PropKey::from_str(key))?;
    (a & ACCESSOR == 0).then(|| vm.heap.get(o).slots[s as usize].load())
}

fn proto_data(vm: &Vm, o: ObjId, key: &str) -> Option<Value> {
    let mut cur = Some(o);
    while let Some(c) = cur {
        if let Some(v) = own_data(vm, c, key) {
            return Some(v);
        }
        cur = vm.heap.proto(c);
    }
    None
}

fn fn_name(vm: &Vm, o: ObjId) -> String {
    match own_data(vm, o, "name") {
        Some(Value::Str(s)) => s.to_rust(),
        _ => String::new(),
    }
}

fn key_text(vm: &Vm, k: &PropKey) -> String {
    match k {
        PropKey::Str(s) => {
            let t = s.to_rust();
            let ident = !t.is_empty()
                && t.chars().enumerate().all(|(i, c)| {
                    c == '_' || c == '$' || c.is_alphabetic() || (i > 0 && c.is_ascii_digit())
                });
            if ident { t } else { quote_str(&t) }
        }
        PropKey::Sym(s) => format!("[{}]", super::string::symbol_descriptive(vm, *s)),
    }
}

fn wrap(open: &str, items: Vec<String>, close: &str, depth: usize) -> String {
    if items.is_empty() {
        return format!("{}{}", open.trim_end(), close.trim_start());
    }
    let total: usize = items.iter().map(|s| s.len() + 2).sum::<usize>() + open.len();
    if total <= 72 && !items.iter().any(|s| s.contains('\n')) {
        return format!("{open} {} {close}", items.join(", "));
    }
    let pad = "  ".repeat(depth + 1);
    let body: Vec<String> = items.iter().map(|s| format!("{pad}{s}")).collect();
    format!(
        "{open}\n{}\n{}{close}",
        body.join(",\n"),
        "  ".repeat(depth)
    )
}

fn fmt(vm: &mut Vm, v: &Value, depth: usize, seen: &mut Vec<ObjId>, top: bool) -> String {
    if let Some(p) = prim(vm, v, top) {
        return p;
    }
    let Value::Obj(o) = v else { unreachable!() };
    let o = *o;
    if seen.contains(&o) {
        return "[Circular *1]".into();
    }
    let is_fn = vm.is_callable(v);
    let class_label = match &vm.heap.get(o).class {
        Class::Function(f) => {
            let n = fn_name(vm, o);
            Some(if f.class_ctor {
                format!("[class {}]", if n.is_empty() { "(anonymous)" } else { &n })
            } else if n.is_empty() {
                "[Function (anonymous)]".into()
            } else {
                format!("[Function: {n}]")
            })
        }
        Class::Error => {
            let stack = own_data(vm, o, "stack").or_else(|| proto_data(vm, o, "stack"));
            Some(match stack {
                Some(Value::Str(s)) => s.to_rust().trim_end().to_string(),
                _ => {
                    let n =
                        proto_data(vm, o, "name").map(|v| prim(vm, &v, true).unwrap_or_default());
                    let m = proto_data(vm, o, "message")
                        .map(|v| prim(vm, &v, true).unwrap_or_default());
                    format!(
                        "{}: {}",
                        n.unwrap_or_else(|| "Error".into()),
                        m.unwrap_or_default()
                    )
                }
            })
        }
        Class::RegExp(d) => Some(format!("/{}/{}", d.0, d.1)),
        Class::Date(t) => Some(if t.is_nan() {
            "Invalid Date".into()
        } else {
            match super::number_math_iso(*t) {
                Some(s) => s,
                None => "Invalid Date".into(),
            }
        }),
        Class::Symbol(s) => Some(format!(
            "[Symbol: {}]",
            super::string::symbol_descriptive(vm, *s)
        )),
        Class::Number(n) => Some(format!("[Number: {}]", number_to_string(*n))),
        Class::String(s) => Some(format!("[String: {}]", quote_str(&s.to_rust()))),
        Class::Boolean(b) => Some(format!("[Boolean: {b}]")),
        Class::Promise(p) => Some(match p.state {
            0 => "Promise { <pending> }".into(),
            1 => {
                let r = p.result.clone();
                format!("Promise {{ {} }}", fmt(vm, &r, depth + 1, seen, false))
            }
            _ => {
                let r = p.result.clone();
                format!(
                    "Promise {{ <rejected> {} }}",
                    fmt(vm, &r, depth + 1, seen, false)
                )
            }
        }),
        Class::Generator(_) => Some("Object [Generator] {}".into()),
        _ => None,
    };
    // own enumerable data properties (excluding array indices for arrays)
    let is_array = matches!(vm.heap.get(o).class, Class::Array(_));
    let keys: Vec<(PropKey, u8)> = vm.heap.shape_keys(o).to_vec();
    let extra: Vec<(PropKey, u8)> = keys
        .into_iter()
        .filter(|(k, a)| a & ENUMERABLE != 0 && !(is_array && k.as_index().is_some()))
        .collect();
    if let Some(label) = &class_label
        && (extra.is_empty() || is_fn && depth > 0)
    {
        return label.clone();
    }
    if depth > 2 {
        return if is_array {
            "[Array]".into()
        } else {
            "[Object]".into()
        };
    }
    seen.push(o);
    let mut items = Vec::new();
    let mut open = String::from("{");
    let mut close = "}";
    match &vm.heap.get(o).class {
        Class::Array(a) => {
            open = "[".into();
            close = "]";
            let dense = a.dense.clone();
            let len = a.len as usize;
            let mut holes = 0;
            for (i, x) in dense.iter().enumerate().take(100) {
                if x.is_hole() && vm.heap.find(o, &PropKey::from_index(i as u32)).is_none() {
                    holes += 1;
                    continue;
                }
                if holes > 0 {
                    items.push(format!(
                        "<{holes} empty item{}>",
                        if holes > 1 { "s" } else { "" }
                    ));
                    holes = 0;
                }
                let x = if x.is_hole() {
                    own_data(vm, o, &i.to_string()).unwrap_or_default()
                } else {
                    x.load()
                };
                items.push(fmt(vm, &x, depth + 1, seen, false));
            }
            holes += len.saturating_sub(dense.len().max(100.min(len)));
            if len > 100 && dense.len() >= 100 {
                items.push(format!("... {} more items", len - 100));
            } else if holes > 0 {
                items.push(format!(
                    "<{holes} empty item{}>",
                    if holes > 1 { "s" } else { "" }
                ));
            }
        }
        Class::Map(m) | Class::Set(m) => {
            let is_map = matches!(vm.heap.get(o).class, Class::Map(_));
            let entries: Vec<(Value, Value)> = m.entries.iter().flatten().cloned().collect();
            open = format!(
                "{}({}) {{",
                if is_map { "Map" } else { "Set" },
                entries.len()
            );
            for (k, val) in entries {
                let ks = fmt(vm, &k, depth + 1, seen, false);
                items.push(if is_map {
                    format!("{ks} => {}", fmt(vm, &val, depth + 1, seen, false))
                } else {
                    ks
                });
            }
        }
        _ => {
            if let Some(label) = &class_label {
                open = format!("{label} {{");
            } else {
                let proto = vm.heap.proto(o);
                let ctor_name = proto.and_then(|p| match own_data(vm, p, "constructor") {
                    Some(Value::Obj(c)) => Some(fn_name(vm, c)),
                    _ => None,
                });
                match (proto, ctor_name) {
                    (None, _) => open = "[Object: null prototype] {".into(),
                    (Some(_), Some(n)) if !n.is_empty() && n != "Object" => {
                        open = format!("{n} {{")
                    }
                    _ => {}
                }
            }
        }
    }
    for (k, a) in extra {
        let val = if a & ACCESSOR != 0 {
            items.push(format!("{}: [Getter/Setter]", key_text(vm, &k)));
            continue;
        } else {
            match vm.heap.find(o, &k) {
                Some((s, _)) => vm.heap.get(o).slots[s as usize].load(),
                None => continue,
            }
        };
        let vs = fmt(vm, &val, depth + 1, seen, false);
        items.push(format!("{}: {vs}", key_text(vm, &k)));
    }
    seen.pop();
    wrap(&open, items, close, depth)
}
