//! `JSON.parse` and `JSON.stringify` (ECMA-262 §25.5), over UTF-16 text.

use super::*;

pub(super) fn install(vm: &mut Vm) {
    let j = vm.new_object();
    let g = vm.realm.global.expect("global");
    vm.heap
        .add_prop(g, key("JSON"), Value::Obj(j), METHOD_ATTRS);
    vm.def_fn(j, "parse", 2, parse);
    vm.def_fn(j, "stringify", 3, stringify);
    let tag = vm.realm.sym_to_string_tag.expect("tag");
    vm.heap
        .add_prop(j, PropKey::Sym(tag), Value::str("JSON"), CONFIGURABLE);
}

struct Parser<'a> {
    s: &'a [u16],
    i: usize,
    depth: u32,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], 0x20 | 0x09 | 0x0A | 0x0D) {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u16> {
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c as u16) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn lit(&mut self, w: &str) -> bool {
        let u: Vec<u16> = w.encode_utf16().collect();
        if self.s[self.i..].starts_with(&u) {
            self.i += u.len();
            true
        } else {
            false
        }
    }
    fn value(&mut self, vm: &mut Vm) -> Result<Value, String> {
        self.ws();
        self.depth += 1;
        if self.depth > 5000 {
            return Err("JSON nesting too deep".into());
        }
        let r = match self.peek() {
            Some(0x7B) => {
                self.i += 1;
                let o = vm.new_object();
                vm.temp_roots.push(Value::Obj(o));
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        if self.peek() != Some(0x22) {
                            return Err(format!("Expected property name at position {}", self.i));
                        }
                        let k = self.string()?;
                        self.ws();
                        if !self.eat(b':') {
                            return Err(format!("Expected ':' at position {}", self.i));
                        }
                        let v = self.value(vm)?;
                        let _ = vm.create_data_property(o, PropKey::Str(k), v);
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return Err(format!("Expected ',' or '}}' at position {}", self.i));
                    }
                }
                Ok(Value::Obj(o))
            }
            Some(0x5B) => {
                self.i += 1;
                let a = vm.new_array(Vec::new());
                vm.temp_roots.push(Value::Obj(a));
                self.ws();
                if !self.eat(b']') {
                    loop {
                        let v = self.value(vm)?;
                        super::array::array_push(vm, a, v);
                        self.ws();
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return Err(format!("Expected ',' or ']' at position {}", self.i));
                    }
                }
                Ok(Value::Obj(a))
            }
            Some(0x22) => Ok(Value::Str(self.string()?)),
            Some(c) if c == b'-' as u16 || (b'0' as u16..=b'9' as u16).contains(&c) => {
                self.number()
            }
            _ if self.lit("true") => Ok(Value::Bool(true)),
            _ if self.lit("false") => Ok(Value::Bool(false)),
            _ if self.lit("null") => Ok(Value::Null),
            _ => Err(format!("Unexpected token at position {}", self.i)),
        };
        self.depth -= 1;
        r
    }
    fn number(&mut self) -> Result<Value, String> {
        let st = self.i;
        let digit = |c: Option<u16>| c.is_some_and(|c| (b'0' as u16..=b'9' as u16).contains(&c));
        self.eat(b'-');
        if self.eat(b'0') {
        } else if digit(self.peek()) {
            while digit(self.peek()) {
                self.i += 1;
            }
        } else {
            return Err(format!("No number after minus sign at position {}", self.i));
        }
        if self.eat(b'.') {
            if !digit(self.peek()) {
                return Err(format!(
                    "Unterminated fractional number at position {}",
                    self.i
                ));
            }
            while digit(self.peek()) {
                self.i += 1;
            }
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if !digit(self.peek()) {
                return Err(format!(
                    "Exponent part is missing a number at position {}",
                    self.i
                ));
            }
            while digit(self.peek()) {
                self.i += 1;
            }
        }
        let t = String::from_utf16_lossy(&self.s[st..self.i]);
        Ok(Value::Num(t.parse().unwrap_or(f64::NAN)))
    }
    fn string(&mut self) -> Result<JsStr, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err("Unterminated string in JSON".into());
            };
            self.i += 1;
            match c {
                0x22 => break,
                0x5C => {
                    let Some(e) = self.peek() else {
                        return Err("Bad escape".into());
                    };
                    self.i += 1;
                    match e as u8 {
                        b'"' => out.push(0x22),
                        b'\\' => out.push(0x5C),
                        b'/' => out.push(0x2F),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(10),
                        b'r' => out.push(13),
                        b't' => out.push(9),
                        b'u' => {
                            let h = self.s.get(self.i..self.i + 4).ok_or("Bad Unicode escape")?;
                            let t = String::from_utf16_lossy(h);
                            let v =
                                u16::from_str_radix(&t, 16).map_err(|_| "Bad Unicode escape")?;
                            out.push(v);
                            self.i += 4;
                        }
                        _ => {
                            return Err(format!(
                                "Bad escaped character at position {}",
                                self.i - 1
                            ));
                        }
                    }
                }
                c if c < 0x20 => {
                    return Err(format!(
                        "Bad control character in string literal at position {}",
                        self.i - 1
                    ));
                }
                c => out.push(c),
            }
        }
        Ok(JsStr::from_units(out))
    }
}

fn parse(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let text = vm.to_string(&arg(args, 0))?;
    let mut p = Parser {
        s: text.units(),
        i: 0,
        depth: 0,
    };
    let base = vm.temp_roots.len();
    let r = p.value(vm).and_then(|v| {
        p.ws();
        if p.i < p.s.len() {
            Err(format!(
                "Unexpected non-whitespace character after JSON at position {}",
                p.i
            ))
        } else {
            Ok(v)
        }
    });
    vm.temp_roots.truncate(base);
    let v = match r {
        Ok(v) => v,
        Err(m) => return vm.throw(ErrorKind::Syntax, &m),
    };
    let reviver = arg(args, 1);
    if vm.is_callable(&reviver) {
        let root = vm.new_object();
        vm.create_data_property(root, key(""), v)?;
        vm.temp_roots.push(Value::Obj(root));
        let r = internalize(vm, root, PropKey::from_str(""), &reviver, 0);
        vm.temp_roots.pop();
        return r;
    }
    Ok(v)
}

fn internalize(
    vm: &mut Vm,
    holder: ObjId,
    name: PropKey,
    reviver: &Value,
    depth: u32,
) -> Res<Value> {
    if depth > 5000 {
        return range_err(vm, "Maximum call stack size exceeded");
    }
    let val = vm.get(holder, &name, &Value::Obj(holder))?;
    if let Value::Obj(o) = val {
        let keys: Vec<PropKey> = if vm.is_array(&val) {
            let n = vm.length_of(&val)?;
            (0..n as u32).map(PropKey::from_index).collect()
        } else {
            let mut ks = Vec::new();
            for k in vm.own_keys(o) {
                if matches!(k, PropKey::Str(_))
                    && vm
                        .get_own_property(o, &k)
                        .is_some_and(|d| d.enumerable == Some(true))
                {
                    ks.push(k);
                }
            }
            ks
        };
        for k in keys {
            let nv = internalize(vm, o, k.clone(), reviver, depth + 1)?;
            if nv.is_undefined() {
                vm.delete(o, &k)?;
            } else {
                vm.create_data_property(o, k, nv)?;
            }
        }
    }
    let kv = vm.key_value(&name);
    vm.call(reviver, Value::Obj(holder), &[kv, val])
}

/// QuoteJSONString (§25.5.2.3).
pub(crate) fn quote(out: &mut Vec<u16>, s: &[u16]) {
    out.push(0x22);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        match c {
            0x22 => out.extend_from_slice(&[0x5C, 0x22]),
            0x5C => out.extend_from_slice(&[0x5C, 0x5C]),
            8 => out.extend_from_slice(&[0x5C, b'b' as u16]),
            12 => out.extend_from_slice(&[0x5C, b'f' as u16]),
            10 => out.extend_from_slice(&[0x5C, b'n' as u16]),
            13 => out.extend_from_slice(&[0x5C, b'r' as u16]),
            9 => out.extend_from_slice(&[0x5C, b't' as u16]),
            c if c < 0x20 => out.extend(format!("\\u{c:04x}").encode_utf16()),
            0xD800..=0xDBFF if s.get(i + 1).is_some_and(|&d| (0xDC00..0xE000).contains(&d)) => {
                out.push(c);
                out.push(s[i + 1]);
                i += 1;
            }
            0xD800..=0xDFFF => out.extend(format!("\\u{c:04x}").encode_utf16()),
            c => out.push(c),
        }
        i += 1;
    }
    out.push(0x22);
}

struct Ser {
    replacer: Option<Value>,
    allow: Option<Vec<PropKey>>,
    gap: Vec<u16>,
    indent: Vec<u16>,
    stack: Vec<ObjId>,
}

fn stringify(vm: &mut Vm, _: Value, args: &[Value], _: ObjId) -> Res<Value> {
    let mut ser = Ser {
        replacer: None,
        allow: None,
        gap: Vec::new(),
        indent: Vec::new(),
        stack: Vec::new(),
    };
    let r = arg(args, 1);
    if vm.is_callable(&r) {
        ser.replacer = Some(r);
    } else if vm.is_array(&r) {
        let items = super::function::list_from_array_like(vm, &r)?;
        let mut allow = Vec::new();
        for it in items {
            let k = match &it {
                Value::Str(s) => Some(PropKey::Str(s.clone())),
                Value::Num(_) => Some(PropKey::Str(vm.to_string(&it)?)),
                Value::Obj(o)
                    if matches!(vm.heap.get(*o).class, Class::String(_) | Class::Number(_)) =>
                {
                    Some(PropKey::Str(vm.to_string(&it)?))
                }
                _ => None,
            };
            if let Some(k) = k
                && !allow.contains(&k)
            {
                allow.push(k);
            }
        }
        ser.allow = Some(allow);
    }
    let mut space = arg(args, 2);
    if let Value::Obj(o) = &space {
        match vm.heap.get(*o).class {
            Class::Number(_) => space = Value::Num(vm.to_number(&space)?),
            Class::String(_) => space = Value::Str(vm.to_string(&space)?),
            _ => {}
        }
    }
    match &space {
        Value::Num(n) => ser.gap = vec![0x20; to_integer(*n).clamp(0.0, 10.0) as usize],
        Value::Str(s) => ser.gap = s.units()[..s.len().min(10)].to_vec(),
        _ => {}
    }
    let wrapper = vm.new_object();
    vm.create_data_property(wrapper, key(""), arg(args, 0))?;
    let mut out = Vec::new();
    vm.temp_roots.push(Value::Obj(wrapper));
    let r = ser_prop(vm, &mut ser, wrapper, &key(""), &mut out);
    vm.temp_roots.pop();
    Ok(if r? {
        Value::Str(JsStr::from_units(out))
    } else {
        Value::Undefined
    })
}

/// SerializeJSONProperty; returns false when the value serialises to nothing.
fn ser_prop(
    vm: &mut Vm,
    ser: &mut Ser,
    holder: ObjId,
    k: &PropKey,
    out: &mut Vec<u16>,
) -> Res<bool> {
    let mut v = vm.get(holder, k, &Value::Obj(holder))?;
    if matches!(v, Value::Obj(_) | Value::BigInt(_)) {
        let tj = vm.get_v(&v, &key("toJSON"))?;
        if vm.is_callable(&tj) {
            let kv = vm.key_value(k);
            v = vm.call(&tj, v, &[kv])?;
        }
    }
    if let Some(r) = &ser.replacer {
        let kv = vm.key_value(k);
        v = vm.call(&r.clone(), Value::Obj(holder), &[kv, v])?;
    }
    if let Value::Obj(o) = &v {
        v = match &vm.heap.get(*o).class {
            Class::Number(_) => Value::Num(vm.to_number(&v)?),
            Class::String(_) => Value::Str(vm.to_string(&v)?),
            Class::Boolean(b) => Value::Bool(*b),
            Class::BigInt(b) => b.clone(),
            _ => v,
        };
    }
    match &v {
        Value::Null => out.extend("null".encode_utf16()),
        Value::Bool(b) => out.extend(if *b { "true" } else { "false" }.encode_utf16()),
        Value::Str(s) => quote(out, s.units()),
        Value::Num(n) => {
            if n.is_finite() {
                out.extend(number_to_string(*n).encode_utf16())
            } else {
                out.extend("null".encode_utf16())
            }
        }
        Value::BigInt(_) => return vm.type_err("Do not know how to serialize a BigInt"),
        Value::Obj(o) if !vm.is_callable(&v) => {
            let o = *o;
            if ser.stack.contains(&o) {
                return vm.type_err("Converting circular structure to JSON");
            }
            if ser.stack.len() > 2000 {
                return range_err(vm, "Maximum call stack size exceeded");
            }
            ser.stack.push(o);
            let stepback = ser.indent.clone();
            ser.indent.extend_from_slice(&ser.gap.clone());
            let is_arr = vm.is_array(&v);
            let mut parts: Vec<Vec<u16>> = Vec::new();
            if is_arr {
                let n = vm.length_of(&v)?;
                for i in 0..n as u32 {
                    vm.tick(1)?;
                    let mut p = Vec::new();
                    if !ser_prop(vm, ser, o, &PropKey::from_index(i), &mut p)? {
                        p = "null".encode_utf16().collect();
                    }
                    parts.push(p);
                }
            } else {
                let keys = match &ser.allow {
                    Some(a) => a.clone(),
                    None => super::object::enumerable_own(vm, o, 0)?
                        .into_iter()
                        .filter_map(|k| match k {
                            Value::Str(s) => Some(PropKey::Str(s)),
                            _ => None,
                        })
                        .collect(),
                };
                for k in keys {
                    let mut p = Vec::new();
                    let PropKey::Str(ks) = &k else { continue };
                    quote(&mut p, ks.units());
                    p.push(b':' as u16);
                    if !ser.gap.is_empty() {
                        p.push(0x20);
                    }
                    if ser_prop(vm, ser, o, &k, &mut p)? {
                        parts.push(p);
                    }
                }
            }
            let (open, close) = if is_arr { (b'[', b']') } else { (b'{', b'}') };
            out.push(open as u16);
            if !parts.is_empty() {
                let sep: Vec<u16> = if ser.gap.is_empty() {
                    vec![b',' as u16]
                } else {
                    let mut s = vec![b',' as u16, 10];
                    s.extend_from_slice(&ser.indent);
                    s
                };
                if !ser.gap.is_empty() {
                    out.push(10);
                    out.extend_from_slice(&ser.indent);
                }
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(&sep);
                    }
                    out.extend_from_slice(p);
                }
                if !ser.gap.is_empty() {
                    out.push(10);
                    out.extend_from_slice(&stepback);
                }
            }
            out.push(close as u16);
            ser.stack.pop();
            ser.indent = stepback;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
