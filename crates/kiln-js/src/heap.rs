//! The object heap: objects behind `u32` handles, hidden classes (shapes)
//! with transition caching, dense array storage, and a mark-sweep tracing
//! collector that handles cycles.
//!
//! A [`Shape`] fixes an object's prototype and the ordered list of its own
//! property keys with their attributes; the object itself holds only the
//! values (`slots`, same order). Adding a property follows (and caches) a
//! transition, so objects built the same way share a shape and an inline
//! cache keyed on the shape id can find a property's slot without hashing.
//! Deleting a property or changing an attribute moves the object to its
//! own *dictionary* shape, which is mutated in place and never cached.

use crate::slot::Slot;
use crate::value::{JsStr, ObjId, PropKey, SymId, Value};
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// Attribute bit: \[\[Writable\]\].
pub const WRITABLE: u8 = 1;
/// Attribute bit: \[\[Enumerable\]\].
pub const ENUMERABLE: u8 = 2;
/// Attribute bit: \[\[Configurable\]\].
pub const CONFIGURABLE: u8 = 4;
/// Attribute bit: the slot holds an accessor pair object ([`Class::Accessor`]).
pub const ACCESSOR: u8 = 8;
/// Writable, enumerable and configurable: a data property made by assignment.
pub const DEFAULT_ATTRS: u8 = WRITABLE | ENUMERABLE | CONFIGURABLE;
/// Writable and configurable, not enumerable: built-in methods.
pub const METHOD_ATTRS: u8 = WRITABLE | CONFIGURABLE;

/// A shape id (index into [`Heap::shapes`]).
pub type ShapeId = u32;

/// A hidden class: prototype plus ordered own keys and attributes.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    /// The \[\[Prototype\]\] of objects with this shape.
    pub proto: Option<ObjId>,
    /// Keys in insertion order with attributes; index = slot.
    pub keys: Vec<(PropKey, u8)>,
    /// Key → slot.
    pub map: FxHashMap<PropKey, u32>,
    transitions: FxHashMap<(PropKey, u8), ShapeId>,
    /// A dictionary shape belongs to one object and is mutated in place.
    pub dict: bool,
}

/// Dense array storage (ECMA-262 §10.4.2 Array exotic objects): elements
/// `0..dense.len()` live here (holes are `Empty`, [`Slot::is_hole`]); indices past it
/// are ordinary properties in the shape.
#[derive(Clone, Debug, Default)]
pub struct ArrayData {
    /// Dense elements.
    pub dense: Vec<Slot>,
    /// The `length` property.
    pub len: u32,
    /// Whether `length` is writable.
    pub len_writable: bool,
    /// Sparse mode: every element lives in the shape (after a non-default attribute).
    pub sparse: bool,
}

/// A native function: `(vm, this, args, callee) -> completion`.
pub type NativeFn = fn(&mut crate::vm::Vm, Value, &[Value], ObjId) -> Result<Value, Value>;

/// What a function object runs.
#[derive(Clone, Debug)]
pub enum FuncKind {
    /// Compiled JavaScript: code plus captured cells.
    Closure {
        /// The function's code.
        code: Rc<crate::compiler::Code>,
        /// Captured variable cells (objects of class [`Class::Cell`]).
        caps: Rc<[ObjId]>,
    },
    /// A Rust function with private slots (e.g. a promise's resolving functions).
    Native {
        /// The function.
        f: NativeFn,
        /// Private data.
        slots: Vec<Value>,
    },
    /// `Function.prototype.bind` result (§10.4.1).
    Bound {
        /// Target function.
        target: ObjId,
        /// Bound `this`.
        this: Value,
        /// Bound leading arguments.
        args: Vec<Value>,
    },
}

/// A function object's internal slots.
#[derive(Clone, Debug)]
pub struct Func {
    /// What it runs.
    pub kind: FuncKind,
    /// Whether it has \[\[Construct\]\].
    pub ctor: bool,
    /// Derived class constructor (`this` bound by `super()`).
    pub derived: bool,
    /// Class constructor (throws when called without `new`).
    pub class_ctor: bool,
    /// \[\[HomeObject\]\] for `super` lookups.
    pub home: Option<ObjId>,
    /// Class field initialiser function (run on construction), if any.
    pub fields: Option<ObjId>,
    /// Lexical `this` captured by arrows is a cell; this is the realm's flag for strictness.
    pub strict: bool,
}

/// A SameValueZero key for Map and Set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MapKey {
    /// undefined
    Undef,
    /// null
    Null,
    /// a boolean
    Bool(bool),
    /// a number (bits, with -0 normalised to +0 and one NaN)
    Num(u64),
    /// a string
    Str(JsStr),
    /// a symbol
    Sym(SymId),
    /// an object
    Obj(ObjId),
    /// a BigInt (decimal text)
    Big(String),
}

impl MapKey {
    /// The key of `v` under SameValueZero.
    pub fn of(v: &Value) -> MapKey {
        match v {
            Value::Undefined | Value::Empty => MapKey::Undef,
            Value::Null => MapKey::Null,
            Value::Bool(b) => MapKey::Bool(*b),
            Value::Num(n) => {
                let n = if *n == 0.0 { 0.0 } else { *n };
                MapKey::Num(if n.is_nan() {
                    f64::NAN.to_bits()
                } else {
                    n.to_bits()
                })
            }
            Value::Str(s) => MapKey::Str(s.clone()),
            Value::Sym(s) => MapKey::Sym(*s),
            Value::Obj(o) => MapKey::Obj(*o),
            Value::BigInt(b) => MapKey::Big(b.to_string()),
        }
    }
}

/// Ordered hash storage for Map and Set (insertion order, deletion leaves
/// a tombstone so live iterators keep their place).
#[derive(Clone, Debug, Default)]
pub struct MapData {
    /// Entries in insertion order; `None` after deletion.
    pub entries: Vec<Option<(Value, Value)>>,
    /// Key → entry index.
    pub index: FxHashMap<MapKey, usize>,
    /// Live entries.
    pub size: usize,
}

/// Promise state (§27.2.6).
#[derive(Clone, Debug, Default)]
pub struct PromiseData {
    /// 0 pending, 1 fulfilled, 2 rejected.
    pub state: u8,
    /// Result once settled.
    pub result: Value,
    /// Reactions waiting: (on_fulfilled, on_rejected, derived capability promise, resolve, reject).
    pub reactions: Vec<[Value; 4]>,
    /// Whether a rejection was handled.
    pub handled: bool,
}

/// A suspended generator or async function (§27.5).
#[derive(Debug)]
pub struct GenData {
    /// The saved frame while suspended (`None` while running or done).
    pub frame: Option<Box<crate::vm::Frame>>,
    /// 0 suspended-start, 1 suspended-yield, 2 executing, 3 completed.
    pub state: u8,
    /// For async functions and async generators: the result promise / queue.
    pub promise: Option<ObjId>,
    /// Async generator request queue: (kind 0 next/1 throw/2 return, value, promise capability).
    pub queue: Vec<(u8, Value, ObjId)>,
    /// Is an async generator.
    pub is_async_gen: bool,
    /// An async generator waiting for an awaited promise.
    pub awaiting: bool,
}

/// What kind of object this is (its internal slots).
#[derive(Debug)]
pub enum Class {
    /// A free heap slot.
    Free,
    /// An ordinary object.
    Ordinary,
    /// An Array.
    Array(ArrayData),
    /// A function.
    Function(Box<Func>),
    /// A captured variable's cell.
    Cell(Slot),
    /// An accessor pair held in an accessor property's slot.
    Accessor(Value, Value),
    /// Boolean wrapper.
    Boolean(bool),
    /// Number wrapper.
    Number(f64),
    /// String wrapper.
    String(JsStr),
    /// Symbol wrapper.
    Symbol(SymId),
    /// BigInt wrapper.
    BigInt(Value),
    /// An Error instance (has \[\[ErrorData\]\]).
    Error,
    /// A Date (time value in ms).
    Date(f64),
    /// A RegExp: source, flags, compiled matcher.
    RegExp(Box<(JsStr, JsStr, Option<regress::Regex>)>),
    /// A Map.
    Map(Box<MapData>),
    /// A Set.
    Set(Box<MapData>),
    /// A Promise.
    Promise(Box<PromiseData>),
    /// A generator / async function activation.
    Generator(Box<GenData>),
    /// An arguments object.
    Arguments,
    /// Array / string / map / set iterator: (target, position, kind).
    Iter(Value, usize, u8),
    /// for-in key list and position.
    ForIn(Vec<Value>, usize),
}

/// One heap object.
#[derive(Debug)]
pub struct Obj {
    /// Hidden class.
    pub shape: ShapeId,
    /// Property values in shape order.
    pub slots: Vec<Slot>,
    /// \[\[Extensible\]\].
    pub extensible: bool,
    /// Some shape has this object as its prototype: structural changes to it
    /// bump [`Heap::proto_epoch`] (inline-cache validity, see [`crate::ic`]).
    pub is_proto: bool,
    /// Internal slots.
    pub class: Class,
}

/// A symbol's record.
#[derive(Clone, Debug)]
pub struct SymbolData {
    /// `description` (None for `Symbol()`).
    pub description: Option<JsStr>,
    /// Registered by `Symbol.for`.
    pub registered: bool,
}

/// The heap: objects, shapes and symbols.
#[derive(Debug, Default)]
pub struct Heap {
    /// Objects by handle.
    pub objs: Vec<Obj>,
    free: Vec<u32>,
    /// Shapes by id.
    pub shapes: Vec<Shape>,
    roots_by_proto: FxHashMap<Option<ObjId>, ShapeId>,
    /// Symbols by id.
    pub symbols: Vec<SymbolData>,
    /// Objects allocated since the last collection.
    pub allocated: usize,
    /// Live objects after the last collection.
    pub live: usize,
    marks: Vec<bool>,
    /// Bumped on every structural change (property added, removed or
    /// re-attributed, prototype changed) of an object with `is_proto` set;
    /// prototype-chain inline-cache entries are valid only while it is unchanged.
    pub proto_epoch: u32,
}

impl Heap {
    /// The root shape of objects whose prototype is `proto`.
    pub fn root_shape(&mut self, proto: Option<ObjId>) -> ShapeId {
        if let Some(&s) = self.roots_by_proto.get(&proto) {
            return s;
        }
        let id = self.shapes.len() as ShapeId;
        if let Some(p) = proto {
            self.get_mut(p).is_proto = true;
        }
        self.shapes.push(Shape {
            proto,
            ..Shape::default()
        });
        self.roots_by_proto.insert(proto, id);
        id
    }

    /// Allocates an object with prototype `proto` and class `class`.
    pub fn alloc(&mut self, proto: Option<ObjId>, class: Class) -> ObjId {
        let shape = self.root_shape(proto);
        let obj = Obj {
            shape,
            slots: Vec::new(),
            extensible: true,
            is_proto: false,
            class,
        };
        self.allocated += 1;
        if let Some(i) = self.free.pop() {
            self.objs[i as usize] = obj;
            ObjId(i)
        } else {
            self.objs.push(obj);
            ObjId(self.objs.len() as u32 - 1)
        }
    }

    /// The object behind `id`.
    #[inline]
    pub fn get(&self, id: ObjId) -> &Obj {
        &self.objs[id.0 as usize]
    }

    /// The object behind `id`, mutably.
    #[inline]
    pub fn get_mut(&mut self, id: ObjId) -> &mut Obj {
        &mut self.objs[id.0 as usize]
    }

    /// \[\[GetPrototypeOf\]\].
    #[inline]
    pub fn proto(&self, id: ObjId) -> Option<ObjId> {
        self.shapes[self.get(id).shape as usize].proto
    }

    /// Sets \[\[Prototype\]\] by moving the object to a shape with the same keys under the new prototype.
    pub fn set_proto(&mut self, id: ObjId, proto: Option<ObjId>) {
        self.structure_changed(id);
        let old = self.get(id).shape;
        let keys = self.shapes[old as usize].keys.clone();
        let dict = self.shapes[old as usize].dict;
        if dict {
            if let Some(p) = proto {
                self.get_mut(p).is_proto = true;
            }
            self.shapes[old as usize].proto = proto;
            return;
        }
        let mut s = self.root_shape(proto);
        for (k, a) in keys {
            s = self.transition(s, k, a);
        }
        self.get_mut(id).shape = s;
    }

    fn transition(&mut self, from: ShapeId, key: PropKey, attrs: u8) -> ShapeId {
        if let Some(&t) = self.shapes[from as usize]
            .transitions
            .get(&(key.clone(), attrs))
        {
            return t;
        }
        let src = &self.shapes[from as usize];
        let mut keys = src.keys.clone();
        let mut map = src.map.clone();
        map.insert(key.clone(), keys.len() as u32);
        keys.push((key.clone(), attrs));
        let shape = Shape {
            proto: src.proto,
            keys,
            map,
            transitions: FxHashMap::default(),
            dict: false,
        };
        let id = self.shapes.len() as ShapeId;
        self.shapes.push(shape);
        self.shapes[from as usize]
            .transitions
            .insert((key, attrs), id);
        id
    }

    /// Bumps [`Heap::proto_epoch`] when `id` is a prototype (its keys, their
    /// attributes or its own prototype are about to change).
    #[inline]
    fn structure_changed(&mut self, id: ObjId) {
        if self.get(id).is_proto {
            self.proto_epoch = self.proto_epoch.wrapping_add(1);
        }
    }

    /// Looks up an own property in the shape: (slot, attributes).
    #[inline]
    pub fn find(&self, id: ObjId, key: &PropKey) -> Option<(u32, u8)> {
        let sh = &self.shapes[self.get(id).shape as usize];
        sh.map.get(key).map(|&i| (i, sh.keys[i as usize].1))
    }

    /// Appends a new own property (caller checked it is absent).
    pub fn add_prop(&mut self, id: ObjId, key: PropKey, value: Value, attrs: u8) {
        self.structure_changed(id);
        let shape = self.get(id).shape;
        if self.shapes[shape as usize].dict {
            let sh = &mut self.shapes[shape as usize];
            sh.map.insert(key.clone(), sh.keys.len() as u32);
            sh.keys.push((key, attrs));
        } else if self.shapes[shape as usize].keys.len() >= 128 {
            self.to_dict(id);
            return self.add_prop(id, key, value, attrs);
        } else {
            let s = self.transition(shape, key, attrs);
            self.get_mut(id).shape = s;
        }
        self.get_mut(id).slots.push(Slot::of(value));
    }

    /// Moves the object to its own dictionary shape.
    pub fn to_dict(&mut self, id: ObjId) {
        self.structure_changed(id);
        let shape = self.get(id).shape;
        if self.shapes[shape as usize].dict {
            return;
        }
        let src = &self.shapes[shape as usize];
        let sh = Shape {
            proto: src.proto,
            keys: src.keys.clone(),
            map: src.map.clone(),
            transitions: FxHashMap::default(),
            dict: true,
        };
        self.shapes.push(sh);
        self.get_mut(id).shape = self.shapes.len() as u32 - 1;
    }

    /// Changes the attributes of an own property at `slot`.
    pub fn set_attrs(&mut self, id: ObjId, slot: u32, attrs: u8) {
        let shape = self.get(id).shape;
        if self.shapes[shape as usize].keys[slot as usize].1 == attrs {
            return;
        }
        self.to_dict(id);
        self.structure_changed(id);
        let shape = self.get(id).shape;
        self.shapes[shape as usize].keys[slot as usize].1 = attrs;
    }

    /// Removes an own property (no attribute checks).
    pub fn remove_prop(&mut self, id: ObjId, key: &PropKey) {
        let Some((slot, _)) = self.find(id, key) else {
            return;
        };
        self.to_dict(id);
        self.structure_changed(id);
        let shape = self.get(id).shape as usize;
        let sh = &mut self.shapes[shape];
        sh.keys.remove(slot as usize);
        sh.map.clear();
        for (i, (k, _)) in sh.keys.iter().enumerate() {
            sh.map.insert(k.clone(), i as u32);
        }
        self.get_mut(id).slots.remove(slot as usize);
    }

    /// Own keys of the shape in insertion order.
    pub fn shape_keys(&self, id: ObjId) -> &[(PropKey, u8)] {
        &self.shapes[self.get(id).shape as usize].keys
    }

    /// Creates a symbol.
    pub fn new_symbol(&mut self, description: Option<JsStr>, registered: bool) -> SymId {
        self.symbols.push(SymbolData {
            description,
            registered,
        });
        SymId(self.symbols.len() as u32 - 1)
    }

    /// Mark-sweep collection from `roots`; returns the number of objects freed.
    /// Shapes keep their prototypes alive (shapes are not collected).
    pub fn collect(&mut self, roots: &[Value], extra: &[ObjId]) -> usize {
        self.marks.clear();
        self.marks.resize(self.objs.len(), false);
        let mut stack: Vec<ObjId> = Vec::new();
        for r in roots {
            if let Value::Obj(o) = r {
                stack.push(*o);
            }
        }
        stack.extend_from_slice(extra);
        for sh in &self.shapes {
            if let Some(p) = sh.proto {
                stack.push(p);
            }
        }
        let push_val = |v: &Value, st: &mut Vec<ObjId>| {
            if let Value::Obj(o) = v {
                st.push(*o);
            }
        };
        while let Some(id) = stack.pop() {
            let i = id.0 as usize;
            if self.marks[i] {
                continue;
            }
            self.marks[i] = true;
            let o = &self.objs[i];
            for v in &o.slots {
                stack.extend(v.as_obj());
            }
            match &o.class {
                Class::Array(a) => stack.extend(a.dense.iter().filter_map(Slot::as_obj)),
                Class::Function(f) => {
                    match &f.kind {
                        FuncKind::Closure { caps, code } => {
                            stack.extend(caps.iter().copied());
                            code.consts_objs(&mut stack);
                        }
                        FuncKind::Native { slots, .. } => {
                            slots.iter().for_each(|v| push_val(v, &mut stack))
                        }
                        FuncKind::Bound { target, this, args } => {
                            stack.push(*target);
                            push_val(this, &mut stack);
                            args.iter().for_each(|v| push_val(v, &mut stack));
                        }
                    }
                    stack.extend(f.home);
                    stack.extend(f.fields);
                }
                Class::Cell(v) => stack.extend(v.as_obj()),
                Class::BigInt(v) => push_val(v, &mut stack),
                Class::Accessor(g, s) => {
                    push_val(g, &mut stack);
                    push_val(s, &mut stack);
                }
                Class::Map(m) | Class::Set(m) => {
                    for (k, v) in m.entries.iter().flatten() {
                        push_val(k, &mut stack);
                        push_val(v, &mut stack);
                    }
                }
                Class::Promise(p) => {
                    push_val(&p.result, &mut stack);
                    for r in &p.reactions {
                        r.iter().for_each(|v| push_val(v, &mut stack));
                    }
                }
                Class::Generator(g) => {
                    if let Some(f) = &g.frame {
                        f.trace(&mut stack);
                    }
                    stack.extend(g.promise);
                    for (_, v, p) in &g.queue {
                        push_val(v, &mut stack);
                        stack.push(*p);
                    }
                }
                Class::Iter(v, _, _) => push_val(v, &mut stack),
                Class::ForIn(keys, _) => keys.iter().for_each(|v| push_val(v, &mut stack)),
                _ => {}
            }
        }
        let mut freed = 0;
        for i in 0..self.objs.len() {
            if !self.marks[i] && !matches!(self.objs[i].class, Class::Free) {
                self.objs[i] = Obj {
                    shape: 0,
                    slots: Vec::new(),
                    extensible: false,
                    is_proto: false,
                    class: Class::Free,
                };
                self.free.push(i as u32);
                freed += 1;
            }
        }
        self.allocated = 0;
        self.live = self.objs.len() - self.free.len();
        freed
    }
}
