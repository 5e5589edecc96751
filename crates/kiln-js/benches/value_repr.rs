//! Value representation, measured: the same bytecode-level kernels (register
//! moves, an Add/LessThan/branch loop, dense-array index reads, property
//! loads through a monomorphic inline cache) run by one small register
//! interpreter, generic over the value type, once with Kiln's real 16-byte
//! tagged enum [`kiln_js::Value`] and once with an 8-byte NaN-boxed value
//! implemented here.
//!
//! The NaN-boxed type stands for the design NaN-boxing would force on Kiln:
//! an 8-byte word that is `Copy` (strings and BigInts would become GC heap
//! cells named by a handle, like objects already are), so register moves
//! are plain 8-byte copies with no drop check. The enum carries `Rc`
//! strings, so its clones and overwrites test the tag first. What this does
//! not measure: the rest of the VM (calls, allocation, GC, built-ins) and the
//! cost of moving strings into the GC heap. See ARCHITECTURE.md, "JavaScript: value representation".
//!
//! `cargo bench -p kiln-js --bench value_repr`

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use kiln_js::value::{ObjId, Value};

/// What the interpreter needs from a value representation.
trait Repr: Clone {
    fn num(n: f64) -> Self;
    fn as_num(&self) -> Option<f64>;
    fn obj(o: u32) -> Self;
    fn as_obj(&self) -> Option<u32>;
    fn boolean(b: bool) -> Self;
    fn truthy(&self) -> bool;
    fn undefined() -> Self;
}

impl Repr for Value {
    #[inline(always)]
    fn num(n: f64) -> Self {
        Value::Num(n)
    }
    #[inline(always)]
    fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }
    #[inline(always)]
    fn obj(o: u32) -> Self {
        Value::Obj(ObjId(o))
    }
    #[inline(always)]
    fn as_obj(&self) -> Option<u32> {
        match self {
            Value::Obj(o) => Some(o.0),
            _ => None,
        }
    }
    #[inline(always)]
    fn boolean(b: bool) -> Self {
        Value::Bool(b)
    }
    #[inline(always)]
    fn truthy(&self) -> bool {
        self.truthy()
    }
    #[inline(always)]
    fn undefined() -> Self {
        Value::Undefined
    }
}

/// A NaN-boxed value: doubles as themselves (NaNs canonicalised), other
/// kinds in the payload of a quiet NaN with the sign bit set: tag in bits
/// 48..51, payload (object handle, boolean) in the low 32 bits.
#[derive(Clone, Copy)]
struct NanBox(u64);

const BOX: u64 = 0xFFF8_0000_0000_0000;
const TAG_SHIFT: u32 = 48;
const TAG_UNDEF: u64 = 1;
const TAG_BOOL: u64 = 2;
const TAG_OBJ: u64 = 3;

impl Repr for NanBox {
    #[inline(always)]
    fn num(n: f64) -> Self {
        NanBox(if n.is_nan() {
            0x7FF8_0000_0000_0000
        } else {
            n.to_bits()
        })
    }
    #[inline(always)]
    fn as_num(&self) -> Option<f64> {
        (self.0 & BOX != BOX).then(|| f64::from_bits(self.0))
    }
    #[inline(always)]
    fn obj(o: u32) -> Self {
        NanBox(BOX | TAG_OBJ << TAG_SHIFT | o as u64)
    }
    #[inline(always)]
    fn as_obj(&self) -> Option<u32> {
        (self.0 >> TAG_SHIFT == (BOX | TAG_OBJ << TAG_SHIFT) >> TAG_SHIFT).then_some(self.0 as u32)
    }
    #[inline(always)]
    fn boolean(b: bool) -> Self {
        NanBox(BOX | TAG_BOOL << TAG_SHIFT | b as u64)
    }
    #[inline(always)]
    fn truthy(&self) -> bool {
        match self.as_num() {
            Some(n) => !(n == 0.0 || n.is_nan()),
            None => {
                let tag = (self.0 >> TAG_SHIFT) & 0x7;
                match tag {
                    TAG_BOOL => self.0 & 1 == 1,
                    TAG_OBJ => true,
                    _ => false,
                }
            }
        }
    }
    #[inline(always)]
    fn undefined() -> Self {
        NanBox(BOX | TAG_UNDEF << TAG_SHIFT)
    }
}

/// The kernels' instruction set (a subset of `kiln_js::isa::Op`'s shapes).
#[derive(Clone, Copy)]
enum Op {
    Mov {
        dst: u16,
        src: u16,
    },
    LoadInt {
        dst: u16,
        v: i32,
    },
    Add {
        dst: u16,
        a: u16,
        b: u16,
    },
    Lt {
        dst: u16,
        a: u16,
        b: u16,
    },
    JumpIfFalse {
        src: u16,
        to: u32,
    },
    Jump {
        to: u32,
    },
    /// dst = arr[idx] (dense array fast path)
    GetElem {
        dst: u16,
        arr: u16,
        idx: u16,
    },
    /// dst = obj.<prop> through a one-entry inline cache (shape, slot)
    GetProp {
        dst: u16,
        obj: u16,
        ic: u16,
    },
    Return {
        src: u16,
    },
}

/// A heap of objects (shape id + slots) and dense arrays.
struct Heap<V> {
    objs: Vec<(u32, Vec<V>)>,
    arrays: Vec<Vec<V>>,
}

/// One inline-cache entry: (shape, slot).
type Ic = (u32, u32);

fn run<V: Repr>(code: &[Op], regs: &mut [V], heap: &Heap<V>, ics: &[Ic]) -> V {
    let mut pc = 0;
    loop {
        let op = code[pc];
        pc += 1;
        match op {
            Op::Mov { dst, src } => regs[dst as usize] = regs[src as usize].clone(),
            Op::LoadInt { dst, v } => regs[dst as usize] = V::num(v as f64),
            Op::Add { dst, a, b } => {
                let r = match (regs[a as usize].as_num(), regs[b as usize].as_num()) {
                    (Some(x), Some(y)) => V::num(x + y),
                    _ => V::undefined(),
                };
                regs[dst as usize] = r;
            }
            Op::Lt { dst, a, b } => {
                let r = match (regs[a as usize].as_num(), regs[b as usize].as_num()) {
                    (Some(x), Some(y)) => x < y,
                    _ => false,
                };
                regs[dst as usize] = V::boolean(r);
            }
            Op::JumpIfFalse { src, to } => {
                if !regs[src as usize].truthy() {
                    pc = to as usize;
                }
            }
            Op::Jump { to } => pc = to as usize,
            Op::GetElem { dst, arr, idx } => {
                let v = match (regs[arr as usize].as_obj(), regs[idx as usize].as_num()) {
                    (Some(a), Some(i)) => {
                        let a = &heap.arrays[a as usize];
                        a.get(i as usize).cloned().unwrap_or_else(V::undefined)
                    }
                    _ => V::undefined(),
                };
                regs[dst as usize] = v;
            }
            Op::GetProp { dst, obj, ic } => {
                let v = match regs[obj as usize].as_obj() {
                    Some(o) => {
                        let (shape, slots) = &heap.objs[o as usize];
                        let (s, slot) = ics[ic as usize];
                        if *shape == s {
                            slots[slot as usize].clone()
                        } else {
                            V::undefined()
                        }
                    }
                    None => V::undefined(),
                };
                regs[dst as usize] = v;
            }
            Op::Return { src } => return regs[src as usize].clone(),
        }
    }
}

const N: i32 = 100_000;

/// `s = 0; for (i = 0; i < N; i++) s = s + i;` — regs: 0 s, 1 i, 2 N, 3 one, 4 cond.
fn add_loop() -> Vec<Op> {
    vec![
        Op::LoadInt { dst: 0, v: 0 },
        Op::LoadInt { dst: 1, v: 0 },
        Op::LoadInt { dst: 2, v: N },
        Op::LoadInt { dst: 3, v: 1 },
        Op::Lt { dst: 4, a: 1, b: 2 },
        Op::JumpIfFalse { src: 4, to: 9 },
        Op::Add { dst: 0, a: 0, b: 1 },
        Op::Add { dst: 1, a: 1, b: 3 },
        Op::Jump { to: 4 },
        Op::Return { src: 0 },
    ]
}

/// The add loop plus three register moves per iteration (rotating a, b, c).
fn moves_loop() -> Vec<Op> {
    vec![
        Op::LoadInt { dst: 0, v: 0 },
        Op::LoadInt { dst: 1, v: 0 },
        Op::LoadInt { dst: 2, v: N },
        Op::LoadInt { dst: 3, v: 1 },
        Op::Lt { dst: 4, a: 1, b: 2 },
        Op::JumpIfFalse { src: 4, to: 12 },
        Op::Mov { dst: 5, src: 6 },
        Op::Mov { dst: 6, src: 7 },
        Op::Mov { dst: 7, src: 5 },
        Op::Add { dst: 0, a: 0, b: 1 },
        Op::Add { dst: 1, a: 1, b: 3 },
        Op::Jump { to: 4 },
        Op::Return { src: 0 },
    ]
}

/// `for (i = 0; i < N; i++) { s = s + arr[j]; j = j + 1 < 1000 ? j + 1 : 0 }`.
/// regs: 0 s, 1 i, 2 N, 3 one, 4 cond, 5 arr, 6 x, 7 j, 8 len, 9 cond2
fn array_loop() -> Vec<Op> {
    vec![
        Op::LoadInt { dst: 0, v: 0 },
        Op::LoadInt { dst: 1, v: 0 },
        Op::LoadInt { dst: 2, v: N },
        Op::LoadInt { dst: 3, v: 1 },
        Op::LoadInt { dst: 7, v: 0 },
        Op::LoadInt { dst: 8, v: 1000 },
        Op::Lt { dst: 4, a: 1, b: 2 }, // 6: loop head
        Op::JumpIfFalse { src: 4, to: 17 },
        Op::GetElem {
            dst: 6,
            arr: 5,
            idx: 7,
        },
        Op::Add { dst: 0, a: 0, b: 6 },
        Op::Add { dst: 7, a: 7, b: 3 },
        Op::Lt { dst: 9, a: 7, b: 8 },
        Op::JumpIfFalse { src: 9, to: 14 },
        Op::Jump { to: 15 },
        Op::LoadInt { dst: 7, v: 0 },   // 14: wrap j
        Op::Add { dst: 1, a: 1, b: 3 }, // 15: i++
        Op::Jump { to: 6 },
        Op::Return { src: 0 }, // 17
    ]
}

/// `s = s + o.x` over two objects of one shape. regs: 0 s, 1 i, 2 N, 3 one, 4 cond, 5 o, 6 x
fn prop_loop() -> Vec<Op> {
    vec![
        Op::LoadInt { dst: 0, v: 0 },
        Op::LoadInt { dst: 1, v: 0 },
        Op::LoadInt { dst: 2, v: N },
        Op::LoadInt { dst: 3, v: 1 },
        Op::Lt { dst: 4, a: 1, b: 2 },
        Op::JumpIfFalse { src: 4, to: 10 },
        Op::GetProp {
            dst: 6,
            obj: 5,
            ic: 0,
        },
        Op::Add { dst: 0, a: 0, b: 6 },
        Op::Add { dst: 1, a: 1, b: 3 },
        Op::Jump { to: 4 },
        Op::Return { src: 0 },
    ]
}

fn setup<V: Repr>() -> (Vec<V>, Heap<V>) {
    let mut regs = vec![V::undefined(); 10];
    regs[5] = V::obj(0);
    regs[6] = V::num(1.0);
    regs[7] = V::num(2.0);
    let heap = Heap {
        objs: vec![(7, vec![V::num(0.5), V::num(2.0), V::num(3.0)])],
        arrays: vec![(0..1000).map(|i| V::num(i as f64)).collect()],
    };
    (regs, heap)
}

/// Runs `code` on fresh registers (r5 names object 0, which is also array 0).
fn kernel<V: Repr>(code: &[Op]) -> f64 {
    let (mut regs, heap) = setup::<V>();
    let ics = [(7u32, 1u32)];
    run(black_box(code), &mut regs, &heap, &ics)
        .as_num()
        .expect("number")
}

fn bench(c: &mut Criterion) {
    assert_eq!(std::mem::size_of::<Value>(), 16);
    assert_eq!(std::mem::size_of::<NanBox>(), 8);
    let kernels: [(&str, Vec<Op>); 4] = [
        ("add_lt_branch", add_loop()),
        ("register_moves", moves_loop()),
        ("array_index_reads", array_loop()),
        ("ic_property_loads", prop_loop()),
    ];
    for (name, code) in &kernels {
        // Both representations compute the same result.
        assert_eq!(kernel::<Value>(code), kernel::<NanBox>(code));
        let mut g = c.benchmark_group(*name);
        g.bench_function("enum16", |b| b.iter(|| kernel::<Value>(code)));
        g.bench_function("nanbox8", |b| b.iter(|| kernel::<NanBox>(code)));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
