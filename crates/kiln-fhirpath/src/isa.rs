//! The FHIRPath VM's instruction set, declared once (see `kiln_core::isa`).
//!
//! The VM is a stack machine whose stack slots are *collections*: each
//! instruction pops its operand collections and pushes one result
//! collection. Lambda arguments (`where(...)`, `select(...)`, …) are compiled
//! to separate blocks that the VM runs once per item with `$this`/`$index`
//! set; every block ends with `Return` and leaves exactly one collection.
//!
//! Adding an opcode: add a line below (name, operands, one-line meaning),
//! emit it in `compile.rs`, execute it in `vm/run.rs`; `--explain` and the
//! opcode table follow by themselves.

kiln_core::operand! {
    /// Index into the program's constant pool.
    pub struct K(pub u32);
}
kiln_core::operand! {
    /// Index into the program's interned names (property and variable names).
    pub struct Name(pub u32);
}
kiln_core::operand! {
    /// Index into the program's navigation sites (a property name plus, when
    /// the checker knows the owner type, the model element resolved once).
    pub struct Site(pub u32);
}
kiln_core::operand! {
    /// Index into the program's blocks (lambda bodies).
    pub struct Block(pub u32);
}
kiln_core::operand! {
    /// Index into the program's resolved type specifiers.
    pub struct Ty(pub u16);
}
kiln_core::operand! {
    /// A built-in function (index into `functions::Func::ALL`).
    pub struct Fn(pub u16);
}
kiln_core::operand! {
    /// A count of argument collections on the stack.
    pub struct Argc(pub u8);
}
kiln_core::operand! {
    /// A `defineVariable` slot.
    pub struct Slot(pub u16);
}
kiln_core::operand! {
    /// A forward jump, in instructions, relative to the next instruction.
    pub struct Jump(pub u32);
}
kiln_core::operand! {
    /// Index into the program's lazy-argument lists (blocks of a scoped call).
    pub struct Lazy(pub u32);
}

kiln_core::define_isa! {
    /// One FHIRPath VM instruction (at most 8 bytes; pinned by a test).
    pub enum Op {
        /// push the empty collection
        Empty,
        /// push constant `k` (a single item, or a folded collection)
        Const { k: K },
        /// push `$this`
        This,
        /// push `$index`
        Index,
        /// push `$total`
        Total,
        /// push environment variable `%name` (error if undefined)
        EnvVar { name: Name },
        /// push the collection stored in defineVariable slot `slot`
        LoadVar { slot: Slot },
        /// top := the `name` children of every item of top (FHIR choice and primitive-extension aware)
        Nav { site: Site },
        /// push the `name` children of `$this` (fused `This; Nav`)
        NavThis { site: Site },
        /// top := top navigated through the sites `paths[p]` in turn (fused `Nav; Nav; …`)
        Path { p: Lazy },
        /// push `$this` if it is of type `ty`, else its `name` children (a path's leading type name)
        RootType { ty: Ty, site: Site },
        /// pop b, a; push a = b
        Eq,
        /// pop b, a; push a != b
        Ne,
        /// pop b, a; push a ~ b
        Equiv,
        /// pop b, a; push a !~ b
        NotEquiv,
        /// pop b, a; push a < b
        Lt,
        /// pop b, a; push a <= b
        Le,
        /// pop b, a; push a > b
        Gt,
        /// pop b, a; push a >= b
        Ge,
        /// pop b, a; push a + b
        Add,
        /// pop b, a; push a - b
        Sub,
        /// pop b, a; push a * b
        Mul,
        /// pop b, a; push a / b (Decimal division)
        Div,
        /// pop b, a; push a div b (truncated division)
        IntDiv,
        /// pop b, a; push a mod b
        Mod,
        /// pop b, a; push a & b (string concatenation, empty as '')
        Concat,
        /// pop b, a; push a | b (union without duplicates)
        Union,
        /// pop b, a; push a in b
        In,
        /// pop b, a; push a contains b
        Contains,
        /// pop b, a; push a and b (three-valued)
        And,
        /// pop b, a; push a or b (three-valued)
        Or,
        /// pop b, a; push a xor b
        Xor,
        /// pop b, a; push a implies b
        Implies,
        /// if top is the single Boolean false, skip `off` instructions (leaving it), else pop it back into the next And
        AndShort { off: Jump },
        /// if top is the single Boolean true, skip `off` instructions (leaving it)
        OrShort { off: Jump },
        /// if top is the single Boolean false, replace it with true and skip `off` instructions
        ImpliesShort { off: Jump },
        /// top := -top
        Neg,
        /// top := top is ty (a single Boolean; empty for empty input)
        Is { ty: Ty },
        /// top := top as ty
        As { ty: Ty },
        /// top := the items of top that are of type ty
        OfType { ty: Ty },
        /// pop index, collection; push collection[index]
        IndexAt,
        /// pop `argc` argument collections and the input; push f(input, args)
        Call { f: Fn, argc: Argc },
        /// top := the items of top for which block `body` is true
        Where { body: Block },
        /// top := the concatenated results of block `body` for each item of top
        Select { body: Block },
        /// top := the first item of top for which block `body` is true (stops there: `where(…).first()`)
        FirstWhere { body: Block },
        /// top := true if block `body` is true for some item of top
        Exists { body: Block },
        /// top := true if block `body` is true for every item of top
        All { body: Block },
        /// pop `argc` eager arguments and the input; push f(input, args) evaluating lazy blocks `lazy` as it needs
        Scoped { f: Fn, argc: Argc, lazy: Lazy },
        /// evaluate block `body` with `$this` = top (or leave top) and store it in `slot`; top is unchanged
        DefineVar { slot: Slot, body: Block },
        /// pop a name (a single String); evaluate block `body` with `$this` = top (or take top) and bind it to that name; top is unchanged
        DefineDynVar { body: Block },
        /// push a new object built by instance selector `i` (spec §5.2 "Instance Selector"), its fields from their blocks
        New { i: Lazy },
        /// raise an execution error whose message is constant `k`
        Fail { k: K },
        /// end of block: the top collection is the block's result
        Return,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_size_is_pinned() {
        assert!(
            std::mem::size_of::<Op>() <= 8,
            "Op is {} bytes",
            std::mem::size_of::<Op>()
        );
        assert_eq!(Op::NAMES.len(), Op::MEANINGS.len());
    }
}
