//! The JavaScript VM's instruction set, declared once (see `kiln_core::isa`).
//!
//! A register machine: every function has a fixed window of registers
//! (parameters and non-captured locals first, then temporaries) and each
//! instruction names its operands explicitly (`Add { dst, a, b }`). Calls
//! take a contiguous block: `func`, then `this` at `func+1`, then the
//! arguments. Captured variables live in cells (see `compiler.rs`). The
//! dispatch loop is `vm/run.rs`; ARCHITECTURE.md records why a register
//! machine.
//!
//! Adding an opcode: add a line below, emit it in `compiler.rs`, execute it
//! in `vm/run.rs`; `kiln js --explain` follows by itself.

kiln_core::operand! {
    /// A register in the current frame.
    pub struct Reg(pub u16);
}
kiln_core::operand! {
    /// An index into the function's constant pool (numbers, strings, names).
    pub struct K(pub u32);
}
kiln_core::operand! {
    /// An absolute instruction index in the same function.
    pub struct Jump(pub u32);
}
kiln_core::operand! {
    /// An inline-cache slot of the function.
    pub struct Ic(pub u32);
}
kiln_core::operand! {
    /// A count (arguments, elements).
    pub struct Argc(pub u16);
}
kiln_core::operand! {
    /// An index into the function's nested function table.
    pub struct FnIdx(pub u32);
}
kiln_core::operand! {
    /// A captured-cell index of the running closure.
    pub struct Cap(pub u16);
}
kiln_core::operand! {
    /// A small signed immediate.
    pub struct Imm(pub i32);
}

kiln_core::define_isa! {
    /// One JavaScript VM instruction.
    pub enum Op {
        /// do nothing
        Nop,
        /// dst = constant k
        LoadK { dst: Reg, k: K },
        /// dst = the integer v
        LoadInt { dst: Reg, v: Imm },
        /// dst = undefined
        LoadUndef { dst: Reg },
        /// dst = null
        LoadNull { dst: Reg },
        /// dst = true
        LoadTrue { dst: Reg },
        /// dst = false
        LoadFalse { dst: Reg },
        /// dst = the uninitialised marker (start of a let/const TDZ)
        LoadEmpty { dst: Reg },
        /// dst = src
        Mov { dst: Reg, src: Reg },
        /// throw ReferenceError (name k) if src is uninitialised
        CheckTdz { src: Reg, k: K },
        /// throw ReferenceError (message k) if src is initialised (derived `this` bound twice)
        ThrowIfBound { src: Reg, k: K },
        /// throw TypeError "assignment to constant" (name k)
        ThrowConst { k: K },
        /// dst = global binding k (lexical, then global object); ReferenceError if missing
        GetGlobal { dst: Reg, k: K, ic: Ic },
        /// dst = global binding k or undefined if missing (typeof)
        GetGlobalOpt { dst: Reg, k: K, ic: Ic },
        /// global binding k = src (strict mode when strict = 1: ReferenceError if missing)
        SetGlobal { src: Reg, k: K, strict: Imm },
        /// declare global var k (flags: 1 function binding)
        DeclGlobalVar { k: K, flags: Imm },
        /// declare global lexical k (flags: 1 const) uninitialised
        DeclGlobalLex { k: K, flags: Imm },
        /// initialise global lexical k with src
        InitGlobalLex { src: Reg, k: K },
        /// dst = a new cell holding the uninitialised marker
        NewCell { dst: Reg },
        /// dst = contents of the cell in register cell
        GetCell { dst: Reg, cell: Reg },
        /// contents of the cell in register cell = src
        SetCell { cell: Reg, src: Reg },
        /// dst = contents of captured cell idx
        GetCap { dst: Reg, idx: Cap },
        /// captured cell idx = src
        SetCap { idx: Cap, src: Reg },
        /// dst = the captured cell idx itself (to pass it on)
        CapCell { dst: Reg, idx: Cap },
        /// dst = new closure of nested function f (captures listed in its code)
        Closure { dst: Reg, f: FnIdx },
        /// dst = obj.k
        GetProp { dst: Reg, obj: Reg, k: K, ic: Ic },
        /// obj.k = src
        SetProp { obj: Reg, k: K, src: Reg, ic: Ic },
        /// dst = obj[key]
        GetElem { dst: Reg, obj: Reg, key: Reg },
        /// obj[key] = src
        SetElem { obj: Reg, key: Reg, src: Reg },
        /// dst = delete obj[key]
        Delete { dst: Reg, obj: Reg, key: Reg },
        /// define own enumerable data property obj[key] = src (literals)
        DefineField { obj: Reg, key: Reg, src: Reg },
        /// define accessor on obj[key] (kind 1 getter, 2 setter; +4 non-enumerable)
        DefineAccessor { obj: Reg, key: Reg, src: Reg, kind: Imm },
        /// define non-enumerable method obj[key] = src (classes)
        DefineMethod { obj: Reg, key: Reg, src: Reg },
        /// set the function name of closure f from key (prefix: 0 none, 1 get, 2 set)
        SetFnName { f: Reg, key: Reg, prefix: Imm },
        /// set the home object of method f to obj
        SetHome { f: Reg, obj: Reg },
        /// dst = {}
        NewObject { dst: Reg },
        /// dst = []
        NewArray { dst: Reg },
        /// append src to array arr
        ArrayPush { arr: Reg, src: Reg },
        /// append a hole to array arr
        ArrayHole { arr: Reg },
        /// append every element of iterable src to array arr
        ArraySpread { arr: Reg, src: Reg },
        /// copy src's own enumerable properties onto dst, skipping the n keys at excl
        CopyProps { dst: Reg, src: Reg, excl: Reg, n: Argc },
        /// dst = func.call(func+1, func+2 .. func+2+argc)
        Call { dst: Reg, func: Reg, argc: Argc },
        /// dst = func.call(func+1, ...array args)
        CallSpread { dst: Reg, func: Reg, args: Reg },
        /// dst = new func(func+2 .. func+2+argc)
        New { dst: Reg, func: Reg, argc: Argc },
        /// dst = new func(...array args)
        NewSpread { dst: Reg, func: Reg, args: Reg },
        /// dst = super(...array args) in a derived constructor (binds this)
        SuperCall { dst: Reg, args: Reg },
        /// dst = super[key] with receiver this
        GetSuper { dst: Reg, key: Reg, this: Reg },
        /// super[key] = src with receiver this
        SetSuper { key: Reg, src: Reg, this: Reg },
        /// return src
        Return { src: Reg },
        /// throw src
        Throw { src: Reg },
        /// throw a TypeError / ReferenceError / SyntaxError (kind) with message k
        ThrowError { kind: Imm, k: K },
        /// jump to to
        Jump { to: Jump },
        /// jump if src is truthy
        JumpIfTrue { src: Reg, to: Jump },
        /// jump if src is falsy
        JumpIfFalse { src: Reg, to: Jump },
        /// jump if src is undefined or null
        JumpIfNullish { src: Reg, to: Jump },
        /// jump if src is not undefined
        JumpIfNotUndef { src: Reg, to: Jump },
        /// push an exception handler: on throw, store the exception in exc and jump to to
        TryEnter { to: Jump, exc: Reg },
        /// pop the innermost exception handler
        TryExit,
        /// dst = a + b
        Add { dst: Reg, a: Reg, b: Reg },
        /// dst = a - b
        Sub { dst: Reg, a: Reg, b: Reg },
        /// dst = a * b
        Mul { dst: Reg, a: Reg, b: Reg },
        /// dst = a / b
        Div { dst: Reg, a: Reg, b: Reg },
        /// dst = a % b
        Mod { dst: Reg, a: Reg, b: Reg },
        /// dst = a ** b
        Exp { dst: Reg, a: Reg, b: Reg },
        /// dst = a << b
        Shl { dst: Reg, a: Reg, b: Reg },
        /// dst = a >> b
        Shr { dst: Reg, a: Reg, b: Reg },
        /// dst = a >>> b
        UShr { dst: Reg, a: Reg, b: Reg },
        /// dst = a & b
        BitAnd { dst: Reg, a: Reg, b: Reg },
        /// dst = a | b
        BitOr { dst: Reg, a: Reg, b: Reg },
        /// dst = a ^ b
        BitXor { dst: Reg, a: Reg, b: Reg },
        /// dst = a == b
        Eq { dst: Reg, a: Reg, b: Reg },
        /// dst = a != b
        Ne { dst: Reg, a: Reg, b: Reg },
        /// dst = a === b
        StrictEq { dst: Reg, a: Reg, b: Reg },
        /// dst = a !== b
        StrictNe { dst: Reg, a: Reg, b: Reg },
        /// dst = a < b
        Lt { dst: Reg, a: Reg, b: Reg },
        /// dst = a <= b
        Le { dst: Reg, a: Reg, b: Reg },
        /// dst = a > b
        Gt { dst: Reg, a: Reg, b: Reg },
        /// dst = a >= b
        Ge { dst: Reg, a: Reg, b: Reg },
        /// dst = a in b
        In { dst: Reg, a: Reg, b: Reg },
        /// dst = a instanceof b
        InstanceOf { dst: Reg, a: Reg, b: Reg },
        /// dst = -src
        Neg { dst: Reg, src: Reg },
        /// dst = ToNumeric(src) (unary plus uses ToNumber)
        ToNumeric { dst: Reg, src: Reg },
        /// dst = +src (ToNumber)
        ToNumber { dst: Reg, src: Reg },
        /// dst = !src
        Not { dst: Reg, src: Reg },
        /// dst = ~src
        BitNot { dst: Reg, src: Reg },
        /// dst = typeof src
        TypeOf { dst: Reg, src: Reg },
        /// dst = src + 1 (numeric)
        Inc { dst: Reg, src: Reg },
        /// dst = src - 1 (numeric)
        Dec { dst: Reg, src: Reg },
        /// dst = ToPropertyKey(src)
        ToKey { dst: Reg, src: Reg },
        /// dst = ToString(src) (template literals)
        ToStr { dst: Reg, src: Reg },
        /// dst = iterator of src, dst+1 = its next method (kind 1: async iterator)
        GetIter { dst: Reg, src: Reg, kind: Imm },
        /// dst = next value of the iterator at iter (iter+1 = next); jump to done when done
        IterNext { dst: Reg, iter: Reg, done: Jump },
        /// dst = (awaited iterator result in dst).value; marks iter done and jumps to done when done
        IterUnpack { dst: Reg, iter: Reg, done: Jump },
        /// call iter.return() if present (iterator close on abrupt exit)
        IterClose { iter: Reg },
        /// dst = for-in key iterator over src
        ForInPrep { dst: Reg, src: Reg },
        /// dst = next for-in key of iter; jump to done when finished
        ForInNext { dst: Reg, iter: Reg, done: Jump },
        /// dst = this
        LoadThis { dst: Reg },
        /// dst = new.target
        LoadNewTarget { dst: Reg },
        /// dst = the running function object
        LoadCallee { dst: Reg },
        /// dst = the home object of the running method
        LoadHome { dst: Reg },
        /// dst = a new arguments object (mapped = 0: unmapped)
        LoadArguments { dst: Reg },
        /// dst = array of the arguments from index from on
        LoadRest { dst: Reg, from: Imm },
        /// dst = number of arguments passed
        ArgCount { dst: Reg },
        /// dst = argument i (undefined when absent)
        LoadArg { dst: Reg, i: Imm },
        /// dst = (yield src): suspend the generator; resume value (or throw/return) arrives in dst
        Yield { dst: Reg, src: Reg },
        /// dst = (yield src) without wrapping src in an iterator result (yield*)
        YieldRaw { dst: Reg, src: Reg },
        /// dst = a new private name (a unique symbol described by constant k)
        NewPrivate { dst: Reg, k: K },
        /// dst = await src: suspend the async function until src settles
        Await { dst: Reg, src: Reg },
        /// dst = resume kind of the last Yield/Await (0 next, 1 throw, 2 return)
        ResumeKind { dst: Reg },
        /// initial suspension of a generator body (after argument binding)
        GenStart,
        /// make ctor a class constructor: proto = dst, heritage = sup (flags: 1 has heritage)
        MakeClass { dst: Reg, ctor: Reg, sup: Reg, flags: Imm },
        /// attach field-initialiser function init to constructor ctor
        SetFields { ctor: Reg, init: Reg },
        /// run the field initialisers of the running constructor on this
        InitFields { this: Reg },
        /// dst = the cached template object for site k (strings at k, raws at k+1)
        Template { dst: Reg, k: K },
        /// dst = new RegExp(constant pattern, constant flags at pattern+1)
        RegExp { dst: Reg, pattern: K },
        /// dst = BigInt constant k
        LoadBigInt { dst: Reg, k: K },
        /// charge fuel on a loop back edge (instruction budget hook)
        LoopHint,
        /// debugger statement
        Debugger,
    }
}
