//! The one dispatch loop: executes frames from `base` up until the base
//! frame returns or suspends, unwinding exceptions through the frames'
//! handler stacks. JavaScript-to-JavaScript calls push a frame and stay in
//! this loop (no Rust recursion); calls into native code and from native
//! code back into JavaScript nest a new `run`.

use super::*;
use crate::compiler::IcEntry;
use crate::isa::{Op, Reg};

const LENGTH: [u16; 6] = [108, 101, 110, 103, 116, 104];

impl Vm {
    /// Runs until frame `base` returns (Ok) or throws out of it (Err).
    pub(crate) fn run(&mut self, base: usize) -> Res<Value> {
        loop {
            match self.exec(base) {
                Ok(v) => return Ok(v),
                Err(exc) => loop {
                    let fi = self.frames.len() - 1;
                    if self.fuel > 0
                        && let Some((pc, reg)) = self.frames[fi].handlers.pop()
                    {
                        self.frames[fi].regs[reg as usize] = Slot::of(exc);
                        self.frames[fi].pc = pc as usize;
                        break;
                    }
                    if let Some(f) = self.frames.pop() {
                        self.recycle_frame(f);
                    }
                    if fi == base {
                        return Err(exc);
                    }
                },
            }
        }
    }

    /// Charges `n` units of the instruction budget (native loops call this too).
    ///
    /// # Errors
    /// A RangeError when the budget is exhausted or the embedder's hook says stop.
    #[inline]
    pub fn tick(&mut self, n: u64) -> Res<()> {
        if self.fuel < n {
            self.fuel = 0;
            return self.throw(ErrorKind::Range, "instruction budget exhausted");
        }
        self.fuel -= n;
        if self.heap.objs.len() > self.max_objects {
            self.fuel = 0;
            return self.throw(ErrorKind::Range, "out of memory: object limit reached");
        }
        if self.fuel & 0xFFFF < n
            && let Some(hook) = self.interrupt.as_mut()
            && !hook()
        {
            self.fuel = 0;
            return self.throw(ErrorKind::Range, "interrupted");
        }
        Ok(())
    }

    fn plain_closure(&self, f: &Value) -> Option<(Rc<Code>, Rc<[ObjId]>, ObjId, bool)> {
        let Value::Obj(o) = f else { return None };
        match &self.heap.get(*o).class {
            Class::Function(func) => match &func.kind {
                FuncKind::Closure { code, caps }
                    if !code.is_gen && !code.is_async && !func.class_ctor =>
                {
                    Some((code.clone(), caps.clone(), *o, func.derived))
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn exec(&mut self, base: usize) -> Res<Value> {
        'frames: loop {
            let fi = self.frames.len() - 1;
            let code = self.frames[fi].code.clone();
            macro_rules! r {
                ($x:expr) => {
                    self.frames[fi].regs[$x.0 as usize]
                };
            }
            macro_rules! num2 {
                ($a:expr, $b:expr, $f:expr, $slow:expr) => {{
                    match (r!($a).as_num(), r!($b).as_num()) {
                        (Some(x), Some(y)) => Slot::num($f(x, y)),
                        _ => {
                            let (x, y) = (r!($a).load(), r!($b).load());
                            Slot::of($slow(self, &x, &y)?)
                        }
                    }
                }};
            }
            loop {
                let pc = self.frames[fi].pc;
                let op = code.ops[pc];
                self.frames[fi].pc = pc + 1;
                #[cfg(feature = "op-stats")]
                self.acc_model.step_at(fi, pc, &op);
                match op {
                    Op::Nop | Op::Debugger => {}
                    Op::LoadK { dst, k } => r!(dst) = Slot::of(code.consts[k.0 as usize].clone()),
                    Op::LoadInt { dst, v } => r!(dst) = Slot::num(v.0 as f64),
                    Op::LoadUndef { dst } => r!(dst) = Slot::undef(),
                    Op::LoadNull { dst } => r!(dst) = Slot::of(Value::Null),
                    Op::LoadTrue { dst } => r!(dst) = Slot::boolean(true),
                    Op::LoadFalse { dst } => r!(dst) = Slot::boolean(false),
                    Op::LoadEmpty { dst } => r!(dst) = Slot::hole(),
                    Op::LoadBigInt { dst, k } => {
                        r!(dst) = Slot::of(code.consts[k.0 as usize].clone())
                    }
                    Op::Mov { dst, src } => r!(dst) = r!(src).clone(),
                    Op::CheckTdz { src, k } => {
                        if r!(src).is_hole() {
                            let name = code.consts[k.0 as usize].clone();
                            let n = self.to_string(&name)?;
                            let msg = if n.to_rust() == "%this" {
                                "Must call super constructor in derived class before accessing 'this' or returning from derived constructor".to_string()
                            } else {
                                format!("Cannot access '{n}' before initialization")
                            };
                            return self.throw(ErrorKind::Reference, &msg);
                        }
                    }
                    Op::ThrowIfBound { src, k } => {
                        if !r!(src).is_hole() {
                            let m = code.consts[k.0 as usize].clone();
                            let m = self.to_string(&m)?.to_rust();
                            return self.throw(ErrorKind::Reference, &m);
                        }
                    }
                    Op::ThrowConst { k } => {
                        let n = code.consts[k.0 as usize].clone();
                        let n = self.to_string(&n)?;
                        return self.type_err(&format!("Assignment to constant variable '{n}'"));
                    }
                    Op::GetGlobal { dst, k, ic } | Op::GetGlobalOpt { dst, k, ic } => {
                        let Value::Str(name) = &code.consts[k.0 as usize] else {
                            unreachable!()
                        };
                        if let Some((v, _)) = self.global_lex.get(name) {
                            if v.is_hole() {
                                return self.throw(
                                    ErrorKind::Reference,
                                    &format!("Cannot access '{name}' before initialization"),
                                );
                            }
                            r!(dst) = Slot::of(v.clone());
                            continue;
                        }
                        let g = self.realm.global.expect("global");
                        let shape = self.heap.get(g).shape;
                        if let Some(e) = code.ics[ic.0 as usize].probe(shape)
                            && e.holder == 0
                        {
                            r!(dst) = self.heap.get(g).slots[e.slot as usize].clone();
                            continue;
                        }
                        let key = PropKey::Str(name.clone());
                        if let Some((slot, attrs)) = self.heap.find(g, &key)
                            && attrs & ACCESSOR == 0
                        {
                            if !self.heap.shapes[shape as usize].dict {
                                code.ics[ic.0 as usize].insert(IcEntry {
                                    shape: shape + 1,
                                    slot,
                                    ..IcEntry::default()
                                });
                            }
                            r!(dst) = self.heap.get(g).slots[slot as usize].clone();
                            continue;
                        }
                        if self.has_property(g, &key)? {
                            let v = self.get(g, &key, &Value::Obj(g))?;
                            r!(dst) = Slot::of(v);
                        } else if matches!(op, Op::GetGlobalOpt { .. }) {
                            r!(dst) = Slot::of(Value::Undefined);
                        } else {
                            return self
                                .throw(ErrorKind::Reference, &format!("{name} is not defined"));
                        }
                    }
                    Op::SetGlobal { src, k, strict } => {
                        let Value::Str(name) = code.consts[k.0 as usize].clone() else {
                            unreachable!()
                        };
                        let v = r!(src).load();
                        if let Some((cur, mutable)) = self.global_lex.get_mut(&name) {
                            if cur.is_hole() {
                                return self.throw(
                                    ErrorKind::Reference,
                                    &format!("Cannot access '{name}' before initialization"),
                                );
                            }
                            if !*mutable {
                                return self.type_err(&format!(
                                    "Assignment to constant variable '{name}'"
                                ));
                            }
                            *cur = v;
                            continue;
                        }
                        let g = self.realm.global.expect("global");
                        let key = PropKey::Str(name.clone());
                        if strict.0 == 1 && !self.has_property(g, &key)? {
                            return self
                                .throw(ErrorKind::Reference, &format!("{name} is not defined"));
                        }
                        self.put(&Value::Obj(g), key, v, strict.0 == 1)?;
                    }
                    Op::DeclGlobalVar { k, flags } => {
                        let Value::Str(name) = code.consts[k.0 as usize].clone() else {
                            unreachable!()
                        };
                        if self.global_lex.contains_key(&name) {
                            return self.throw(
                                ErrorKind::Syntax,
                                &format!("Identifier '{name}' has already been declared"),
                            );
                        }
                        let g = self.realm.global.expect("global");
                        let key = PropKey::Str(name);
                        let existing = self.get_own_property(g, &key);
                        match existing {
                            None => {
                                if self.heap.get(g).extensible {
                                    self.heap.add_prop(
                                        g,
                                        key,
                                        Value::Undefined,
                                        WRITABLE | ENUMERABLE,
                                    );
                                }
                            }
                            Some(d) if flags.0 == 1 && d.configurable == Some(true) => {
                                self.define_own_property(
                                    g,
                                    key,
                                    PropDesc::data(Value::Undefined, WRITABLE | ENUMERABLE),
                                )?;
                            }
                            Some(d)
                                if flags.0 == 1
                                    && !(d.writable == Some(true)
                                        && d.enumerable == Some(true)) =>
                            {
                                return self.type_err("Cannot redefine global function");
                            }
                            _ => {}
                        }
                    }
                    Op::DeclGlobalLex { k, flags } => {
                        let Value::Str(name) = code.consts[k.0 as usize].clone() else {
                            unreachable!()
                        };
                        let g = self.realm.global.expect("global");
                        let restricted = self
                            .get_own_property(g, &PropKey::Str(name.clone()))
                            .is_some_and(|d| d.configurable == Some(false));
                        if self.global_lex.contains_key(&name) || restricted {
                            return self.throw(
                                ErrorKind::Syntax,
                                &format!("Identifier '{name}' has already been declared"),
                            );
                        }
                        self.global_lex.insert(name, (Value::Empty, flags.0 != 1));
                    }
                    Op::InitGlobalLex { src, k } => {
                        let Value::Str(name) = code.consts[k.0 as usize].clone() else {
                            unreachable!()
                        };
                        let v = r!(src).load();
                        match self.global_lex.get_mut(&name) {
                            Some(slot) => slot.0 = v,
                            None => {
                                let g = self.realm.global.expect("global");
                                self.put(&Value::Obj(g), PropKey::Str(name), v, false)?;
                            }
                        }
                    }
                    Op::NewCell { dst } => {
                        let c = self.heap.alloc(None, Class::Cell(Slot::hole()));
                        r!(dst) = Slot::of(Value::Obj(c));
                    }
                    Op::GetCell { dst, cell } => {
                        let Some(c) = r!(cell).as_obj() else {
                            unreachable!()
                        };
                        let Class::Cell(v) = &self.heap.get(c).class else {
                            unreachable!()
                        };
                        r!(dst) = v.clone();
                    }
                    Op::SetCell { cell, src } => {
                        let Some(c) = r!(cell).as_obj() else {
                            unreachable!()
                        };
                        let v = r!(src).clone();
                        self.heap.get_mut(c).class = Class::Cell(v);
                    }
                    Op::GetCap { dst, idx } => {
                        let c = self.frames[fi].caps[idx.0 as usize];
                        let Class::Cell(v) = &self.heap.get(c).class else {
                            unreachable!()
                        };
                        r!(dst) = v.clone();
                    }
                    Op::SetCap { idx, src } => {
                        let c = self.frames[fi].caps[idx.0 as usize];
                        let v = r!(src).clone();
                        self.heap.get_mut(c).class = Class::Cell(v);
                    }
                    Op::CapCell { dst, idx } => {
                        let c = self.frames[fi].caps[idx.0 as usize];
                        r!(dst) = Slot::of(Value::Obj(c));
                    }
                    Op::Closure { dst, f } => {
                        let child = code.funcs[f.0 as usize].clone();
                        let caps: Rc<[ObjId]> = child
                            .captures
                            .iter()
                            .map(|c| match c {
                                crate::compiler::CapSrc::Reg(r) => self.frames[fi].regs
                                    [*r as usize]
                                    .as_obj()
                                    .unwrap_or(ObjId(0)),
                                crate::compiler::CapSrc::Cap(i) => {
                                    self.frames[fi].caps[*i as usize]
                                }
                            })
                            .collect();
                        let arrow = child.kind == crate::compiler::FnKind::Arrow;
                        let o = self.closure(child, caps);
                        if arrow {
                            // An arrow's `super` is its enclosing method's
                            // (ECMA-262 §10.2.1.1: arrows have no [[HomeObject]]
                            // of their own; lookups go to the enclosing scope).
                            let home = self.nearest_home(fi);
                            if let Class::Function(func) = &mut self.heap.get_mut(o).class {
                                func.home = home;
                            }
                        }
                        r!(dst) = Slot::of(Value::Obj(o));
                    }
                    Op::GetProp { dst, obj, k, ic } => {
                        let v = self.get_prop_ic(&code, fi, obj, k.0, ic.0)?;
                        r!(dst) = v;
                    }
                    Op::SetProp { obj, k, src, ic } => {
                        if let Some(o) = r!(obj).as_obj() {
                            let ob = self.heap.get(o);
                            if let Some(e) = code.ics[ic.0 as usize].probe(ob.shape) {
                                if e.new_shape == 0 {
                                    self.ic_stats.hits += 1;
                                    let v = r!(src).clone();
                                    self.heap.get_mut(o).slots[e.slot as usize] = v;
                                    continue;
                                }
                                if e.epoch == self.heap.proto_epoch && ob.extensible && !ob.is_proto
                                {
                                    self.ic_stats.hits += 1;
                                    let v = r!(src).clone();
                                    let ob = self.heap.get_mut(o);
                                    ob.shape = e.new_shape - 1;
                                    ob.slots.push(v);
                                    continue;
                                }
                            }
                            self.ic_stats.misses += 1;
                            self.set_prop_miss(&code, o, k.0, ic.0, r!(src).load())?;
                            continue;
                        }
                        let Value::Str(name) = &code.consts[k.0 as usize] else {
                            unreachable!()
                        };
                        let key = PropKey::Str(name.clone());
                        let (b, v) = (r!(obj).load(), r!(src).load());
                        self.put(&b, key, v, code.strict)?;
                    }
                    Op::GetElem { dst, obj, key } => {
                        // Dense array fast path.
                        if let (Some(o), Some(n)) = (r!(obj).as_obj(), r!(key).as_num())
                            && let Class::Array(a) = &self.heap.get(o).class
                            && n >= 0.0
                            && (n as usize as f64) == n
                            && (n as usize) < a.dense.len()
                            && !a.dense[n as usize].is_hole()
                        {
                            let v = a.dense[n as usize].clone();
                            r!(dst) = v;
                            continue;
                        }
                        let (b, kv) = (r!(obj).load(), r!(key).load());
                        if b.is_nullish() {
                            let k = self.to_key(&kv)?;
                            return self.get_v(&b, &k).map(|_| Value::Undefined);
                        }
                        let k = self.to_key(&kv)?;
                        let v = self.get_v(&b, &k)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::SetElem { obj, key, src } => {
                        if let (Some(o), Some(n)) = (r!(obj).as_obj(), r!(key).as_num()) {
                            let v = r!(src).clone();
                            if let Class::Array(a) = &mut self.heap.get_mut(o).class
                                && !a.sparse
                                && n >= 0.0
                                && (n as usize as f64) == n
                            {
                                let i = n as usize;
                                if i < a.dense.len() && !a.dense[i].is_hole() {
                                    a.dense[i] = v;
                                    continue;
                                }
                            }
                        }
                        let (b, kv, v) = (r!(obj).load(), r!(key).load(), r!(src).load());
                        if b.is_nullish() {
                            return self.type_err(&format!(
                                "Cannot set properties of {}",
                                if b.is_undefined() {
                                    "undefined"
                                } else {
                                    "null"
                                }
                            ));
                        }
                        let k = self.to_key(&kv)?;
                        self.put(&b, k, v, code.strict)?;
                    }
                    Op::Delete { dst, obj, key } => {
                        let (b, kv) = (r!(obj).load(), r!(key).load());
                        let o = self.to_object(&b)?;
                        let k = self.to_key(&kv)?;
                        let ok = self.delete(o, &k)?;
                        if !ok && code.strict {
                            let t = self.key_text(&k);
                            return self.type_err(&format!("Cannot delete property '{t}'"));
                        }
                        r!(dst) = Slot::of(Value::Bool(ok));
                    }
                    Op::DefineField { obj, key, src } => {
                        let (o, kv, v) = (r!(obj).load(), r!(key).load(), r!(src).load());
                        let Value::Obj(o) = o else { unreachable!() };
                        let k = self.to_key(&kv)?;
                        if !self.create_data_property(o, k, v)? {
                            return self.type_err("Cannot define property");
                        }
                    }
                    Op::DefineMethod { obj, key, src } => {
                        let (o, kv, v) = (r!(obj).load(), r!(key).load(), r!(src).load());
                        let Value::Obj(o) = o else { unreachable!() };
                        let k = self.to_key(&kv)?;
                        self.define_or_throw(o, k, PropDesc::data(v, METHOD_ATTRS))?;
                    }
                    Op::DefineAccessor {
                        obj,
                        key,
                        src,
                        kind,
                    } => {
                        let (o, kv, v) = (r!(obj).load(), r!(key).load(), r!(src).load());
                        let Value::Obj(o) = o else { unreachable!() };
                        let k = self.to_key(&kv)?;
                        let mut d = PropDesc {
                            enumerable: Some(kind.0 & 4 == 0),
                            configurable: Some(true),
                            ..Default::default()
                        };
                        if kind.0 & 3 == 1 {
                            d.get = Some(v);
                        } else {
                            d.set = Some(v);
                        }
                        self.define_or_throw(o, k, d)?;
                    }
                    Op::SetFnName { f, key, prefix } => {
                        let (fv, kv) = (r!(f).load(), r!(key).load());
                        if let Value::Obj(fo) = fv {
                            let k = self.to_key(&kv)?;
                            let mut name = match &k {
                                PropKey::Str(s) => s.clone(),
                                PropKey::Sym(s) => {
                                    match &self.heap.symbols[s.0 as usize].description {
                                        Some(d) if self.is_private(*s) => d.clone(),
                                        Some(d) => JsStr::from_str(&format!("[{d}]")),
                                        None => JsStr::from_str(""),
                                    }
                                }
                            };
                            if prefix.0 == 1 {
                                name = JsStr::from_str("get ").concat(&name);
                            } else if prefix.0 == 2 {
                                name = JsStr::from_str("set ").concat(&name);
                            }
                            // Only if it has no own 'name' other than the anonymous default.
                            let cur = self.get_own_property(fo, &PropKey::from_str("name"));
                            let anonymous = match cur {
                                Some(d) => {
                                    matches!(d.value, Some(Value::Str(ref s)) if s.is_empty())
                                        && d.writable == Some(false)
                                }
                                None => false,
                            };
                            if anonymous {
                                self.define_own_property(
                                    fo,
                                    PropKey::from_str("name"),
                                    PropDesc {
                                        value: Some(Value::Str(name)),
                                        ..Default::default()
                                    },
                                )?;
                            }
                        }
                    }
                    Op::SetHome { f, obj } => {
                        if let (Value::Obj(fo), Value::Obj(h)) = (r!(f).load(), r!(obj).load())
                            && let Class::Function(func) = &mut self.heap.get_mut(fo).class
                        {
                            func.home = Some(h);
                        }
                    }
                    Op::NewObject { dst } => {
                        let o = self.new_object();
                        r!(dst) = Slot::of(Value::Obj(o));
                    }
                    Op::NewArray { dst } => {
                        let o = self.new_array(Vec::new());
                        r!(dst) = Slot::of(Value::Obj(o));
                    }
                    Op::ArrayPush { arr, src } => {
                        let v = r!(src).clone();
                        let Some(a) = r!(arr).as_obj() else {
                            unreachable!()
                        };
                        if let Class::Array(ad) = &mut self.heap.get_mut(a).class {
                            ad.dense.push(v);
                            ad.len += 1;
                        }
                    }
                    Op::ArrayHole { arr } => {
                        let Some(a) = r!(arr).as_obj() else {
                            unreachable!()
                        };
                        if let Class::Array(ad) = &mut self.heap.get_mut(a).class {
                            ad.dense.push(Slot::hole());
                            ad.len += 1;
                        }
                    }
                    Op::ArraySpread { arr, src } => {
                        let v = r!(src).load();
                        let items = self.iterate_to_vec(&v)?;
                        let Some(a) = r!(arr).as_obj() else {
                            unreachable!()
                        };
                        if let Class::Array(ad) = &mut self.heap.get_mut(a).class {
                            ad.len += items.len() as u32;
                            ad.dense.extend(items.into_iter().map(Slot::of));
                        }
                    }
                    Op::CopyProps { dst, src, excl, n } => {
                        let (d, s) = (r!(dst).load(), r!(src).load());
                        let mut ex = Vec::new();
                        for i in 0..n.0 {
                            let kv = self.frames[fi].regs[excl.0 as usize + i as usize].load();
                            ex.push(self.to_key(&kv)?);
                        }
                        crate::builtins::copy_data_properties(self, &d, &s, &ex)?;
                    }
                    Op::Call { dst, func, argc } => {
                        self.tick(1)?;
                        let f = r!(func).load();
                        let a = func.0 as usize + 2;
                        if let Some((c2, caps, fo, _)) = self.plain_closure(&f) {
                            let this = r!(Reg(func.0 + 1)).load();
                            let mut args = self.take_vec();
                            args.extend(
                                self.frames[fi].regs[a..a + argc.0 as usize]
                                    .iter()
                                    .map(Slot::load),
                            );
                            let mut frame =
                                self.make_frame(c2, caps, fo, this, args, Value::Undefined)?;
                            frame.ret = Some(dst.0);
                            self.frames.push(frame);
                            continue 'frames;
                        }
                        if !self.is_callable(&f) {
                            return self.not_callable(&code, pc, func);
                        }
                        let this = r!(Reg(func.0 + 1)).load();
                        let args =
                            crate::slot::values_of(&self.frames[fi].regs[a..a + argc.0 as usize]);
                        let v = self.call(&f, this, &args)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::CallSpread { dst, func, args } => {
                        self.tick(1)?;
                        let f = r!(func).load();
                        if !self.is_callable(&f) {
                            return self.not_callable(&code, pc, func);
                        }
                        let this = r!(Reg(func.0 + 1)).load();
                        let av = r!(args).load();
                        let list = self.array_list(&av);
                        let v = self.call(&f, this, &list)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::New { dst, func, argc } => {
                        self.tick(1)?;
                        let f = r!(func).load();
                        let a = func.0 as usize + 2;
                        let mut args = self.take_vec();
                        args.extend(
                            self.frames[fi].regs[a..a + argc.0 as usize]
                                .iter()
                                .map(Slot::load),
                        );
                        if !self.is_constructor(&f) {
                            return self.not_ctor(&code, pc, func);
                        }
                        if let Some((c2, caps, fo, derived)) = self.plain_closure_ctor(&f) {
                            let this = if derived {
                                Value::Empty
                            } else {
                                let proto = self.get_prototype_from_ctor(&f, ProtoKind::Object)?;
                                Value::Obj(self.heap.alloc(Some(proto), Class::Ordinary))
                            };
                            let mut frame = self.make_frame(c2, caps, fo, this, args, f)?;
                            frame.ret = Some(dst.0);
                            frame.construct = true;
                            self.frames.push(frame);
                            continue 'frames;
                        }
                        let v = self.construct(&f, &args, &f)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::NewSpread { dst, func, args } => {
                        self.tick(1)?;
                        let f = r!(func).load();
                        let av = r!(args).load();
                        let list = self.array_list(&av);
                        if !self.is_constructor(&f) {
                            return self.not_ctor(&code, pc, func);
                        }
                        let v = self.construct(&f, &list, &f)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::SuperCall { dst, args } => {
                        let av = r!(args).load();
                        let list = self.array_list(&av);
                        let callee = self.frames[fi].callee;
                        // the active function: the constructor whose frame this is (arrows: nearest)
                        let ctor = self.home_ctor(fi, callee);
                        let sup = ctor.and_then(|c| self.heap.proto(c));
                        let sup = sup.map(Value::Obj).unwrap_or(Value::Null);
                        if !self.is_constructor(&sup) {
                            return self.type_err("Super constructor is not a constructor");
                        }
                        let nt = self.nearest_new_target(fi);
                        let v = self.construct(&sup, &list, &nt)?;
                        r!(dst) = Slot::of(v);
                    }
                    Op::GetSuper { dst, key, this } => {
                        let (kv, th) = (r!(key).load(), r!(this).load());
                        let home = self.nearest_home(fi);
                        let Some(h) = home else {
                            return self
                                .throw(ErrorKind::Syntax, "'super' keyword unexpected here");
                        };
                        let k = self.to_key(&kv)?;
                        let v = match self.heap.proto(h) {
                            Some(p) => self.get(p, &k, &th)?,
                            None => return self.type_err("super prototype is null"),
                        };
                        r!(dst) = Slot::of(v);
                    }
                    Op::SetSuper { key, src, this } => {
                        let (kv, v, th) = (r!(key).load(), r!(src).load(), r!(this).load());
                        let home = self.nearest_home(fi);
                        let Some(h) = home else {
                            return self
                                .throw(ErrorKind::Syntax, "'super' keyword unexpected here");
                        };
                        let k = self.to_key(&kv)?;
                        if let Some(p) = self.heap.proto(h) {
                            let ok = self.set(p, k, v, &th)?;
                            if !ok {
                                return self.type_err("Cannot assign to read only property");
                            }
                        }
                    }
                    Op::Return { src } => {
                        let v = std::mem::take(&mut r!(src));
                        let frame = self.frames.pop().expect("frame");
                        let v = if frame.construct && v.as_obj().is_none() {
                            if frame.code.kind == crate::compiler::FnKind::DerivedCtor {
                                if !v.is_undefined() {
                                    return self.type_err(
                                        "Derived constructors may only return object or undefined",
                                    );
                                }
                                Slot::of(frame.this.clone())
                            } else {
                                Slot::of(frame.this.clone())
                            }
                        } else {
                            v
                        };
                        if fi == base {
                            self.suspend = Suspend::None;
                            self.recycle_frame(frame);
                            return Ok(v.into_value());
                        }
                        let caller = self.frames.len() - 1;
                        let ret = frame.ret.expect("return register") as usize;
                        self.frames[caller].regs[ret] = v;
                        self.recycle_frame(frame);
                        if self.native_depth <= 1 {
                            self.maybe_gc();
                        }
                        continue 'frames;
                    }
                    Op::Throw { src } => {
                        let v = r!(src).load();
                        return Err(v);
                    }
                    Op::ThrowError { kind, k } => {
                        let m = code.consts[k.0 as usize].clone();
                        let m = self.to_string(&m)?.to_rust();
                        let kind = match kind.0 {
                            1 => ErrorKind::Reference,
                            2 => ErrorKind::Syntax,
                            _ => ErrorKind::Type,
                        };
                        return self.throw(kind, &m);
                    }
                    Op::Jump { to } => self.frames[fi].pc = to.0 as usize,
                    Op::JumpIfTrue { src, to } => {
                        if r!(src).truthy() {
                            self.frames[fi].pc = to.0 as usize;
                        }
                    }
                    Op::JumpIfFalse { src, to } => {
                        if !r!(src).truthy() {
                            self.frames[fi].pc = to.0 as usize;
                        }
                    }
                    Op::JumpIfNullish { src, to } => {
                        if r!(src).is_nullish() {
                            self.frames[fi].pc = to.0 as usize;
                        }
                    }
                    Op::JumpIfNotUndef { src, to } => {
                        if !r!(src).is_undefined() {
                            self.frames[fi].pc = to.0 as usize;
                        }
                    }
                    Op::TryEnter { to, exc } => self.frames[fi].handlers.push((to.0, exc.0)),
                    Op::TryExit => {
                        self.frames[fi].handlers.pop();
                    }
                    Op::Add { dst, a, b } => {
                        let v = match (r!(a).as_num(), r!(b).as_num()) {
                            (Some(x), Some(y)) => Slot::num(x + y),
                            _ => {
                                let (x, y) = (r!(a).load(), r!(b).load());
                                Slot::of(match (&x, &y) {
                                    (Value::Str(x), Value::Str(y)) => Value::Str(x.concat(y)),
                                    _ => crate::ops::add(self, &x, &y)?,
                                })
                            }
                        };
                        r!(dst) = v;
                    }
                    Op::Sub { dst, a, b } => {
                        r!(dst) = num2!(a, b, |x: f64, y: f64| x - y, crate::ops::sub)
                    }
                    Op::Mul { dst, a, b } => {
                        r!(dst) = num2!(a, b, |x: f64, y: f64| x * y, crate::ops::mul)
                    }
                    Op::Div { dst, a, b } => {
                        r!(dst) = num2!(a, b, |x: f64, y: f64| x / y, crate::ops::div)
                    }
                    Op::Mod { dst, a, b } => {
                        r!(dst) = num2!(a, b, crate::ops::fmod, crate::ops::rem)
                    }
                    Op::Exp { dst, a, b } => {
                        r!(dst) = num2!(a, b, crate::ops::pow, crate::ops::exp)
                    }
                    Op::Shl { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_int32(x).wrapping_shl(to_uint32(y) & 31)) as f64,
                            crate::ops::shl
                        )
                    }
                    Op::Shr { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_int32(x) >> (to_uint32(y) & 31)) as f64,
                            crate::ops::shr
                        )
                    }
                    Op::UShr { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_uint32(x) >> (to_uint32(y) & 31)) as f64,
                            crate::ops::ushr
                        )
                    }
                    Op::BitAnd { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_int32(x) & to_int32(y)) as f64,
                            crate::ops::bitand
                        )
                    }
                    Op::BitOr { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_int32(x) | to_int32(y)) as f64,
                            crate::ops::bitor
                        )
                    }
                    Op::BitXor { dst, a, b } => {
                        r!(dst) = num2!(
                            a,
                            b,
                            |x: f64, y: f64| (to_int32(x) ^ to_int32(y)) as f64,
                            crate::ops::bitxor
                        )
                    }
                    Op::Eq { dst, a, b } | Op::Ne { dst, a, b } => {
                        let (x, y) = (r!(a).load(), r!(b).load());
                        let eq = self.loose_eq(&x, &y)?;
                        r!(dst) = Slot::of(Value::Bool(eq == matches!(op, Op::Eq { .. })));
                    }
                    Op::StrictEq { dst, a, b } | Op::StrictNe { dst, a, b } => {
                        let eq = match r!(a).strict_eq_fast(&r!(b)) {
                            Some(eq) => eq,
                            None => strict_eq(&r!(a).load(), &r!(b).load()),
                        };
                        r!(dst) = Slot::boolean(eq == matches!(op, Op::StrictEq { .. }));
                    }
                    Op::Lt { dst, a, b } => {
                        let v = match (r!(a).as_num(), r!(b).as_num()) {
                            (Some(x), Some(y)) => x < y,
                            _ => {
                                let (x, y) = (r!(a).load(), r!(b).load());
                                crate::ops::less(self, &x, &y, true)? == Some(true)
                            }
                        };
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::Gt { dst, a, b } => {
                        let v = match (r!(a).as_num(), r!(b).as_num()) {
                            (Some(x), Some(y)) => x > y,
                            _ => {
                                let (x, y) = (r!(a).load(), r!(b).load());
                                crate::ops::less(self, &y, &x, false)? == Some(true)
                            }
                        };
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::Le { dst, a, b } => {
                        let v = match (r!(a).as_num(), r!(b).as_num()) {
                            (Some(x), Some(y)) => x <= y,
                            _ => {
                                let (x, y) = (r!(a).load(), r!(b).load());
                                crate::ops::less(self, &y, &x, false)? == Some(false)
                            }
                        };
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::Ge { dst, a, b } => {
                        let v = match (r!(a).as_num(), r!(b).as_num()) {
                            (Some(x), Some(y)) => x >= y,
                            _ => {
                                let (x, y) = (r!(a).load(), r!(b).load());
                                crate::ops::less(self, &x, &y, true)? == Some(false)
                            }
                        };
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::In { dst, a, b } => {
                        let (k, o) = (r!(a).load(), r!(b).load());
                        let Value::Obj(o) = o else {
                            return self.type_err(
                                "Cannot use 'in' operator to search for a key in a non-object",
                            );
                        };
                        if let Value::Sym(s) = &k
                            && self.is_private(*s)
                        {
                            let has = self.get_own_property(o, &PropKey::Sym(*s)).is_some();
                            r!(dst) = Slot::of(Value::Bool(has));
                            continue;
                        }
                        let key = self.to_key(&k)?;
                        let v = self.has_property(o, &key)?;
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::InstanceOf { dst, a, b } => {
                        let (x, y) = (r!(a).load(), r!(b).load());
                        let v = crate::ops::instance_of(self, &x, &y)?;
                        r!(dst) = Slot::boolean(v);
                    }
                    Op::Neg { dst, src } => {
                        let v = match r!(src).as_num() {
                            Some(n) => Slot::num(-n),
                            None => {
                                let o = r!(src).load();
                                Slot::of(match self.to_numeric(&o)? {
                                    Value::BigInt(b) => Value::BigInt(Rc::new(-(*b).clone())),
                                    Value::Num(n) => Value::Num(-n),
                                    _ => unreachable!(),
                                })
                            }
                        };
                        r!(dst) = v;
                    }
                    Op::ToNumeric { dst, src } => {
                        if !r!(src).is_num() {
                            let o = r!(src).load();
                            let v = self.to_numeric(&o)?;
                            r!(dst) = Slot::of(v);
                        } else if dst != src {
                            r!(dst) = r!(src).clone();
                        }
                    }
                    Op::ToNumber { dst, src } => {
                        let o = r!(src).load();
                        let n = self.to_number(&o)?;
                        r!(dst) = Slot::num(n);
                    }
                    Op::Not { dst, src } => r!(dst) = Slot::boolean(!r!(src).truthy()),
                    Op::BitNot { dst, src } => {
                        let o = r!(src).load();
                        let v = match self.to_numeric(&o)? {
                            Value::BigInt(b) => Value::BigInt(Rc::new(!(*b).clone())),
                            Value::Num(n) => Value::Num(!to_int32(n) as f64),
                            _ => unreachable!(),
                        };
                        r!(dst) = Slot::of(v);
                    }
                    Op::TypeOf { dst, src } => {
                        let t = self.type_of(&r!(src).load());
                        r!(dst) = Slot::of(Value::str(t));
                    }
                    Op::Inc { dst, src } => {
                        let v = match r!(src).as_num() {
                            Some(n) => Slot::num(n + 1.0),
                            None => Slot::of(match r!(src).load() {
                                Value::BigInt(b) => Value::BigInt(Rc::new((*b).clone() + 1)),
                                _ => unreachable!(),
                            }),
                        };
                        r!(dst) = v;
                    }
                    Op::Dec { dst, src } => {
                        let v = match r!(src).as_num() {
                            Some(n) => Slot::num(n - 1.0),
                            None => Slot::of(match r!(src).load() {
                                Value::BigInt(b) => Value::BigInt(Rc::new((*b).clone() - 1)),
                                _ => unreachable!(),
                            }),
                        };
                        r!(dst) = v;
                    }
                    Op::ToKey { dst, src } => {
                        let o = r!(src).load();
                        if !matches!(o, Value::Str(_) | Value::Sym(_) | Value::Num(_)) {
                            let k = self.to_key(&o)?;
                            r!(dst) = Slot::of(self.key_value(&k));
                        } else if dst != src {
                            r!(dst) = Slot::of(o);
                        }
                    }
                    Op::ToStr { dst, src } => {
                        let o = r!(src).load();
                        let s = self.to_string(&o)?;
                        r!(dst) = Slot::of(Value::Str(s));
                    }
                    Op::GetIter { dst, src, kind } => {
                        let v = r!(src).load();
                        let (it, next) = if kind.0 == 1 {
                            crate::builtins::get_async_iterator(self, &v)?
                        } else {
                            self.get_iterator(&v)?
                        };
                        r!(dst) = Slot::of(it);
                        r!(Reg(dst.0 + 1)) = Slot::of(next);
                        r!(Reg(dst.0 + 2)) = Slot::of(Value::Bool(false));
                    }
                    Op::IterUnpack { dst, iter, done } => {
                        let res = r!(dst).load();
                        if !matches!(res, Value::Obj(_)) {
                            r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                            return self.type_err("iterator result is not an object");
                        }
                        let d = self.get_str(&res, "done");
                        let d = match d {
                            Ok(d) => d,
                            Err(e) => {
                                r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                                return Err(e);
                            }
                        };
                        if d.truthy() {
                            r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                            self.frames[fi].pc = done.0 as usize;
                            continue;
                        }
                        match self.get_str(&res, "value") {
                            Ok(v) => r!(dst) = Slot::of(v),
                            Err(e) => {
                                r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                                return Err(e);
                            }
                        }
                    }
                    Op::IterNext { dst, iter, done } => {
                        if r!(Reg(iter.0 + 2)).truthy() {
                            self.frames[fi].pc = done.0 as usize;
                            continue;
                        }
                        let (it, next) = (r!(iter).load(), r!(Reg(iter.0 + 1)).load());
                        // async iteration: the result is awaited by the following Await op
                        let is_async_loop = matches!(code.ops.get(pc + 1), Some(Op::Await { .. }));
                        let res = match self.call(&next, it, &[]) {
                            Ok(v) => v,
                            Err(e) => {
                                r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                                return Err(e);
                            }
                        };
                        if is_async_loop {
                            // await the result object, then unpack in the AsyncIterUnpack path
                            r!(dst) = Slot::of(res);
                            continue;
                        }
                        if !matches!(res, Value::Obj(_)) {
                            r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                            return self.type_err("iterator result is not an object");
                        }
                        let d = match self.get_str(&res, "done") {
                            Ok(d) => d,
                            Err(e) => {
                                r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                                return Err(e);
                            }
                        };
                        if d.truthy() {
                            r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                            self.frames[fi].pc = done.0 as usize;
                            continue;
                        }
                        let v = match self.get_str(&res, "value") {
                            Ok(v) => v,
                            Err(e) => {
                                r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                                return Err(e);
                            }
                        };
                        r!(dst) = Slot::of(v);
                    }
                    Op::IterClose { iter } => {
                        if !r!(Reg(iter.0 + 2)).truthy() {
                            r!(Reg(iter.0 + 2)) = Slot::of(Value::Bool(true));
                            let it = r!(iter).load();
                            // Throw completions ignore errors from return(); the handler path
                            // rethrows the original exception right after.
                            let rethrowing = matches!(code.ops.get(pc + 1), Some(Op::Throw { .. }));
                            let r = self.iter_close(&it);
                            if !rethrowing {
                                r?;
                            }
                        }
                    }
                    Op::ForInPrep { dst, src } => {
                        let v = r!(src).load();
                        let it = crate::builtins::for_in_iterator(self, &v)?;
                        r!(dst) = Slot::of(it);
                    }
                    Op::ForInNext { dst, iter, done } => {
                        let Some(it) = r!(iter).as_obj() else {
                            unreachable!()
                        };
                        match crate::builtins::for_in_next(self, it)? {
                            Some(k) => r!(dst) = Slot::of(k),
                            None => self.frames[fi].pc = done.0 as usize,
                        }
                    }
                    Op::LoadThis { dst } => r!(dst) = Slot::of(self.frames[fi].this.clone()),
                    Op::LoadNewTarget { dst } => {
                        r!(dst) = Slot::of(self.frames[fi].new_target.clone())
                    }
                    Op::LoadCallee { dst } => {
                        r!(dst) = self.frames[fi].callee.map(Slot::obj).unwrap_or_default()
                    }
                    Op::LoadHome { dst } => {
                        let h =
                            self.frames[fi]
                                .callee
                                .and_then(|c| match &self.heap.get(c).class {
                                    Class::Function(f) => f.home,
                                    _ => None,
                                });
                        r!(dst) = Slot::of(h.map(Value::Obj).unwrap_or(Value::Undefined));
                    }
                    Op::LoadArguments { dst } => {
                        let args = self.frames[fi].args.clone();
                        let callee = self.frames[fi].callee;
                        let o = crate::builtins::make_arguments(self, args, callee, code.strict);
                        r!(dst) = Slot::of(Value::Obj(o));
                    }
                    Op::LoadRest { dst, from } => {
                        let rest: Vec<Value> = self.frames[fi]
                            .args
                            .iter()
                            .skip(from.0 as usize)
                            .cloned()
                            .collect();
                        let a = self.new_array(rest);
                        r!(dst) = Slot::of(Value::Obj(a));
                    }
                    Op::ArgCount { dst } => {
                        r!(dst) = Slot::of(Value::Num(self.frames[fi].args.len() as f64))
                    }
                    Op::LoadArg { dst, i } => {
                        r!(dst) = Slot::of(
                            self.frames[fi]
                                .args
                                .get(i.0 as usize)
                                .cloned()
                                .unwrap_or(Value::Undefined),
                        )
                    }
                    Op::GenStart => {
                        debug_assert_eq!(fi, base);
                        let f = self.frames.pop().expect("frame");
                        self.saved_frame = Some(f);
                        self.suspend = Suspend::Start;
                        return Ok(Value::Undefined);
                    }
                    Op::Yield { src, .. } | Op::YieldRaw { src, .. } | Op::Await { src, .. } => {
                        let v = r!(src).load();
                        if fi != base {
                            return self
                                .throw(ErrorKind::Syntax, "yield outside a generator frame");
                        }
                        let f = self.frames.pop().expect("frame");
                        self.saved_frame = Some(f);
                        self.suspend = match op {
                            Op::Yield { .. } => Suspend::Yield,
                            Op::YieldRaw { .. } => Suspend::YieldRaw,
                            _ => Suspend::Await,
                        };
                        return Ok(v);
                    }
                    Op::ResumeKind { dst } => {
                        r!(dst) = Slot::of(Value::Num(self.frames[fi].resume_kind as f64));
                        self.frames[fi].resume_kind = 0;
                    }
                    Op::MakeClass {
                        dst,
                        ctor,
                        sup,
                        flags,
                    } => {
                        let (c, s) = (r!(ctor).load(), r!(sup).load());
                        let p = crate::builtins::make_class(self, &c, &s, flags.0 == 1)?;
                        r!(dst) = Slot::of(Value::Obj(p));
                    }
                    Op::SetFields { ctor, init } => {
                        if let (Value::Obj(c), Value::Obj(i)) = (r!(ctor).load(), r!(init).load())
                            && let Class::Function(f) = &mut self.heap.get_mut(c).class
                        {
                            f.fields = Some(i);
                        }
                    }
                    Op::InitFields { this } => {
                        let th = r!(this).load();
                        let ctor = self.home_ctor(fi, self.frames[fi].callee);
                        if let Some(c) = ctor {
                            let fields = match &self.heap.get(c).class {
                                Class::Function(f) => f.fields,
                                _ => None,
                            };
                            if let Some(init) = fields {
                                self.call(&Value::Obj(init), th, &[])?;
                            }
                        }
                    }
                    Op::Template { dst, k } => {
                        let o = crate::builtins::template_object(self, &code, k.0 as usize);
                        r!(dst) = Slot::of(Value::Obj(o));
                    }
                    Op::RegExp { dst, pattern } => {
                        let p = code.consts[pattern.0 as usize].clone();
                        let f = code.consts[pattern.0 as usize + 1].clone();
                        let o = crate::builtins::regexp_create(self, &p, &f)?;
                        r!(dst) = Slot::of(o);
                    }
                    Op::NewPrivate { dst, k } => {
                        let Value::Str(d) = code.consts[k.0 as usize].clone() else {
                            unreachable!()
                        };
                        let s = self.new_private(d);
                        r!(dst) = Slot::of(Value::Sym(s));
                    }
                    Op::LoopHint => {
                        self.tick(1)?;
                        if self.native_depth <= 1 {
                            self.maybe_gc();
                        }
                    }
                }
            }
        }
    }

    fn plain_closure_ctor(&self, f: &Value) -> Option<(Rc<Code>, Rc<[ObjId]>, ObjId, bool)> {
        let Value::Obj(o) = f else { return None };
        match &self.heap.get(*o).class {
            Class::Function(func) => match &func.kind {
                FuncKind::Closure { code, caps } if func.ctor => {
                    Some((code.clone(), caps.clone(), *o, func.derived))
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn array_list(&self, v: &Value) -> Vec<Value> {
        match v {
            Value::Obj(o) => match &self.heap.get(*o).class {
                Class::Array(a) => a
                    .dense
                    .iter()
                    .map(|x| {
                        if x.is_hole() {
                            Value::Undefined
                        } else {
                            x.load()
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The class constructor whose code (or arrow inside it) runs in frame `fi`.
    fn home_ctor(&self, fi: usize, callee: Option<ObjId>) -> Option<ObjId> {
        let _ = fi;
        let c = callee?;
        match &self.heap.get(c).class {
            Class::Function(f) => match &f.kind {
                FuncKind::Closure { code, .. }
                    if matches!(
                        code.kind,
                        crate::compiler::FnKind::ClassCtor | crate::compiler::FnKind::DerivedCtor
                    ) =>
                {
                    Some(c)
                }
                // Arrow inside a constructor: its home is set to the constructor by the
                // compiler's capture of %home; fall back to the frame's home object's constructor.
                _ => f.home.and_then(|h| {
                    let ctor = self.heap.find(h, &PropKey::from_str("constructor"))?;
                    self.heap.get(h).slots[ctor.0 as usize].as_obj()
                }),
            },
            _ => None,
        }
    }

    fn nearest_new_target(&self, fi: usize) -> Value {
        for f in self.frames[..=fi].iter().rev() {
            if f.code.kind != crate::compiler::FnKind::Arrow {
                return f.new_target.clone();
            }
        }
        Value::Undefined
    }

    fn nearest_home(&self, fi: usize) -> Option<ObjId> {
        let f = &self.frames[fi];
        let c = f.callee?;
        match &self.heap.get(c).class {
            Class::Function(func) => func.home,
            _ => None,
        }
    }

    fn not_callable(&mut self, code: &Code, pc: usize, func: Reg) -> Res<Value> {
        let _ = (code, pc, func);
        let name = self.callee_text(code, pc);
        self.type_err(&format!("{name} is not a function"))
    }

    fn not_ctor(&mut self, code: &Code, pc: usize, func: Reg) -> Res<Value> {
        let _ = func;
        let name = self.callee_text(code, pc);
        self.type_err(&format!("{name} is not a constructor"))
    }

    fn callee_text(&self, code: &Code, pc: usize) -> String {
        let off = code.spans.get(pc).copied().unwrap_or(0) as usize;
        let text = &code.source.text;
        let rest = text.get(off..).unwrap_or("");
        let end = rest.find(['(', '\n', ';']).unwrap_or(rest.len()).min(60);
        let s = rest[..end].trim();
        let s = s.strip_prefix("new ").unwrap_or(s);
        if s.is_empty() {
            "expression".into()
        } else {
            s.into()
        }
    }

    /// GetProp: the inline-cache hit paths copy the property's slot as it is
    /// stored (no enum in the NaN-boxed build); misses go through \[\[Get\]\].
    fn get_prop_ic(&mut self, code: &Code, fi: usize, obj: Reg, k: u32, ic: u32) -> Res<Slot> {
        let base = &self.frames[fi].regs[obj.0 as usize];
        let Value::Str(name) = &code.consts[k as usize] else {
            unreachable!()
        };
        if let Some(o) = base.as_obj() {
            let obj_ref = self.heap.get(o);
            if let Some(e) = code.ics[ic as usize].probe(obj_ref.shape) {
                if e.holder == 0 {
                    self.ic_stats.hits += 1;
                    return Ok(obj_ref.slots[e.slot as usize].clone());
                }
                if e.epoch == self.heap.proto_epoch {
                    self.ic_stats.hits += 1;
                    let h = self.heap.get(ObjId(e.holder - 1));
                    return Ok(h.slots[e.slot as usize].clone());
                }
            }
            self.ic_stats.misses += 1;
            if let Class::Array(a) = &obj_ref.class
                && name.units() == LENGTH
            {
                return Ok(Slot::num(a.len as f64));
            }
            let key = PropKey::Str(name.clone());
            if let Some(e) = self.ic_lookup(o, &key) {
                code.ics[ic as usize].insert(e);
                let holder = if e.holder == 0 {
                    o
                } else {
                    ObjId(e.holder - 1)
                };
                return Ok(self.heap.get(holder).slots[e.slot as usize].clone());
            }
            let b = Value::Obj(o);
            return self.get(o, &key, &b).map(Slot::of);
        }
        let b = base.load();
        let key = PropKey::Str(name.clone());
        self.get_v(&b, &key).map(Slot::of)
    }

    /// Whether `key` may name an exotic own property (array index or
    /// `length`) that lives outside the shape of arrays, strings and arguments.
    fn exotic_key(key: &PropKey) -> bool {
        match key {
            PropKey::Str(s) => s.units() == LENGTH || s.as_index().is_some(),
            PropKey::Sym(_) => false,
        }
    }

    /// The cacheable result of \[\[Get\]\] of `key` on `o`: an own or
    /// prototype data property reached through shapes only (see [`crate::ic`]).
    /// None when the receiver's shape is a dictionary, an object on the path
    /// is exotic for the key, the property is an accessor, or it is absent.
    fn ic_lookup(&self, o: ObjId, key: &PropKey) -> Option<IcEntry> {
        let shape = self.heap.get(o).shape;
        if self.heap.shapes[shape as usize].dict {
            return None;
        }
        let exotic_key = Self::exotic_key(key);
        let mut cur = o;
        for _ in 0..64 {
            let c = self.heap.get(cur);
            match c.class {
                Class::String(_) | Class::Arguments if cur == o || exotic_key => return None,
                Class::Array(_) if exotic_key => return None,
                _ => {}
            }
            if let Some((slot, attrs)) = self.heap.find(cur, key) {
                if attrs & ACCESSOR != 0 {
                    return None;
                }
                return Some(IcEntry {
                    shape: shape + 1,
                    slot,
                    holder: if cur == o { 0 } else { cur.0 + 1 },
                    epoch: self.heap.proto_epoch,
                    new_shape: 0,
                });
            }
            cur = self.heap.proto(cur)?;
        }
        None
    }

    /// SetProp's slow path on an object: \[\[Set\]\], then caches an own
    /// writable data property or the add-property transition it took.
    fn set_prop_miss(&mut self, code: &Code, o: ObjId, k: u32, ic: u32, v: Value) -> Res<()> {
        let Value::Str(name) = &code.consts[k as usize] else {
            unreachable!()
        };
        let key = PropKey::Str(name.clone());
        let old = self.heap.get(o).shape;
        let site = &code.ics[ic as usize];
        if self.heap.shapes[old as usize].dict {
            return self.put(&Value::Obj(o), key, v, code.strict);
        }
        if let Some((slot, attrs)) = self.heap.find(o, &key) {
            if attrs & (ACCESSOR | WRITABLE) == WRITABLE {
                site.insert(IcEntry {
                    shape: old + 1,
                    slot,
                    ..IcEntry::default()
                });
                self.heap.get_mut(o).slots[slot as usize] = Slot::of(v);
                return Ok(());
            }
            return self.put(&Value::Obj(o), key, v, code.strict);
        }
        // Absent: a transition is cacheable when nothing on the chain
        // intercepts the assignment (setter, read-only, exotic key).
        let ob = self.heap.get(o);
        let mut cacheable = ob.extensible
            && !ob.is_proto
            && !Self::exotic_key(&key)
            && !matches!(ob.class, Class::Arguments);
        let mut cur = self.heap.proto(o);
        let mut depth = 0;
        while cacheable && let Some(p) = cur {
            if let Some((_, attrs)) = self.heap.find(p, &key)
                && attrs & (ACCESSOR | WRITABLE) != WRITABLE
            {
                cacheable = false;
            }
            depth += 1;
            cacheable &= depth < 64;
            cur = self.heap.proto(p);
        }
        let epoch = self.heap.proto_epoch;
        self.put(&Value::Obj(o), key.clone(), v, code.strict)?;
        if !cacheable || self.heap.proto_epoch != epoch {
            return Ok(());
        }
        let new = self.heap.get(o).shape;
        let (os, ns) = (
            &self.heap.shapes[old as usize],
            &self.heap.shapes[new as usize],
        );
        if !ns.dict
            && ns.proto == os.proto
            && ns.keys.len() == os.keys.len() + 1
            && ns.keys.last() == Some(&(key, DEFAULT_ATTRS))
            && self.heap.get(o).slots.len() == ns.keys.len()
        {
            site.insert(IcEntry {
                shape: old + 1,
                slot: os.keys.len() as u32,
                holder: 0,
                epoch,
                new_shape: new + 1,
            });
        }
        Ok(())
    }
}
