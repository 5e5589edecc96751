//! The Forth VM's instruction set, declared once (see `kiln_core::isa`).
//!
//! Code is one `Vec<Op>` shared by every definition ("subroutine-threaded
//! bytecode"): a colon definition is a run of ops ending in `Exit`, a call
//! is `Call { to }` with an absolute target, and primitives such as `+` or
//! `@` are compiled inline as their own op rather than called. Each op is 8
//! bytes (pinned by a test). Stack effects of the ops are in
//! [`crate::infer::op_effect`], the VM's semantics in `vm/run.rs`.
//!
//! Superinstructions (`AddLit`, `FetchLit`, `LtBranch`, `LitLtBranch`, …)
//! are formed by the compiler's peephole pass (`compiler.rs`, `emit`) from
//! the frequent sequences named in their meanings; they never span a branch
//! target.
//!
//! Adding an opcode: add a line below (name, operands, one-line meaning),
//! give it a stack effect in `infer::op_effect`, execute it in `vm/run.rs`,
//! and, if it is a word, list it in `words.rs`; `--explain` follows by itself.

kiln_core::operand! {
    /// An inline literal cell value (sign-extended to 64 bits).
    pub struct Imm(pub i32);
}
kiln_core::operand! {
    /// A short inline literal, for superinstructions that also carry a target.
    pub struct Small(pub i16);
}
kiln_core::operand! {
    /// Index into the VM's pool of 64-bit literals (values that do not fit `Imm`).
    pub struct K(pub u32);
}
kiln_core::operand! {
    /// An absolute code address: an index into the VM's code vector.
    pub struct Target(pub u32);
}
kiln_core::operand! {
    /// A system word (`words::SysWord` as a number), run outside the dispatch loop.
    pub struct SysId(pub u16);
}
kiln_core::operand! {
    /// A local variable's slot in the current locals frame.
    pub struct Slot(pub u16);
}
kiln_core::operand! {
    /// An index into the JIT tier's table of compilable definitions (`jit/`).
    pub struct JitId(pub u32);
}
kiln_core::operand! {
    /// A count of cells (locals frame size).
    pub struct Count(pub u16);
}

kiln_core::define_isa! {
    /// One Forth VM instruction (8 bytes; pinned by a test).
    pub enum Op {
        /// return to the Rust caller of the VM (code address 0 holds it)
        Halt,
        /// do nothing (a patched-out instruction)
        Nop,
        /// push the literal `v`
        Lit { v: Imm },
        /// push the 64-bit literal `k` from the pool
        LitK { k: K },
        /// push the return address, jump to `to` (a colon definition or DOES> body)
        Call { to: Target },
        /// pop a return address from the return stack and jump to it
        Exit,
        /// jump to `to`
        Branch { to: Target },
        /// pop a flag; jump to `to` if it is zero
        ZBranch { to: Target },
        /// pop an execution token and execute it (EXECUTE, 6.1.1370)
        Execute,
        /// run system word `id` outside the dispatch loop (I/O, parsing, compiling, files…)
        Sys { id: SysId },
        /// pop an xt, push an exception frame and execute the xt (CATCH, 9.6.1.0875)
        Catch,
        /// end of a CATCHed xt: drop the exception frame, push 0, resume after its Catch
        CatchEnd,
        /// pop n; if nonzero, throw n (THROW, 9.6.1.2275)
        Throw,
        /// ( x -- x x )
        Dup,
        /// ( x -- )
        Drop,
        /// ( a b -- b a )
        Swap,
        /// ( a b -- a b a )
        Over,
        /// ( a b c -- b c a )
        Rot,
        /// ( a b c -- c a b )
        MinusRot,
        /// ( a b -- b )
        Nip,
        /// ( a b -- b a b )
        Tuck,
        /// ( a b -- a b a b )
        TwoDup,
        /// ( a b -- )
        TwoDrop,
        /// ( a b c d -- c d a b )
        TwoSwap,
        /// ( a b c d -- a b c d a b )
        TwoOver,
        /// ( x -- 0 | x x ) duplicate if nonzero
        QDup,
        /// ( xu … x0 u -- xu … x0 xu )
        Pick,
        /// ( xu … x0 u -- xu-1 … x0 xu )
        Roll,
        /// ( -- n ) the data stack depth before the push
        Depth,
        /// ( x -- ) ( R: -- x )
        ToR,
        /// ( -- x ) ( R: x -- )
        RFrom,
        /// ( -- x ) ( R: x -- x )
        RFetch,
        /// ( a b -- ) ( R: -- a b )
        TwoToR,
        /// ( -- a b ) ( R: a b -- )
        TwoRFrom,
        /// ( -- a b ) ( R: a b -- a b )
        TwoRFetch,
        /// ( R: x -- ) drop the top of the return stack
        RDrop,
        /// ( a b -- a+b ) wrapping
        Add,
        /// ( a b -- a-b ) wrapping
        Sub,
        /// ( a b -- a*b ) wrapping
        Mul,
        /// ( a b -- a/b ) symmetric; throws -10 on division by zero
        Div,
        /// ( a b -- a rem b ) symmetric; throws -10 on division by zero
        Mod,
        /// ( a b -- rem quot ) symmetric (/MOD)
        DivMod,
        /// ( a b c -- a*b/c ) with a double-cell intermediate (*/)
        StarSlash,
        /// ( a b c -- rem quot ) with a double-cell intermediate (*/MOD)
        StarSlashMod,
        /// ( n -- -n )
        Negate,
        /// ( n -- |n| )
        Abs,
        /// ( a b -- min )
        Min,
        /// ( a b -- max )
        Max,
        /// ( n -- n+1 )
        OnePlus,
        /// ( n -- n-1 )
        OneMinus,
        /// ( n -- 2n ) arithmetic left shift
        TwoStar,
        /// ( n -- n/2 ) arithmetic right shift
        TwoSlash,
        /// ( x u -- x<<u ) logical; 0 when u >= 64
        LShift,
        /// ( x u -- x>>u ) logical; 0 when u >= 64
        RShift,
        /// ( a b -- a&b )
        And,
        /// ( a b -- a|b )
        Or,
        /// ( a b -- a^b )
        Xor,
        /// ( x -- ~x )
        Invert,
        /// ( u1 u2 -- ud ) unsigned double product (UM*)
        UmStar,
        /// ( n1 n2 -- d ) signed double product (M*)
        MStar,
        /// ( ud u -- rem quot ) unsigned (UM/MOD); -10 on zero, -11 on overflow
        UmSlashMod,
        /// ( d n -- rem quot ) symmetric (SM/REM); -10 on zero, -11 on overflow
        SmSlashRem,
        /// ( d n -- rem quot ) floored (FM/MOD); -10 on zero, -11 on overflow
        FmSlashMod,
        /// ( d1 d2 -- d1+d2 ) (D+)
        DPlus,
        /// ( d1 d2 -- d1-d2 ) (D-)
        DMinus,
        /// ( n -- d ) sign-extend (S>D)
        SToD,
        /// ( a b -- flag ) a = b
        Eq,
        /// ( a b -- flag ) a <> b
        Ne,
        /// ( a b -- flag ) a < b signed
        Lt,
        /// ( a b -- flag ) a > b signed
        Gt,
        /// ( a b -- flag ) a < b unsigned
        ULt,
        /// ( a b -- flag ) a > b unsigned
        UGt,
        /// ( x -- flag ) x = 0
        ZeroEq,
        /// ( x -- flag ) x <> 0
        ZeroNe,
        /// ( n -- flag ) n < 0
        ZeroLt,
        /// ( n -- flag ) n > 0
        ZeroGt,
        /// ( n lo hi -- flag ) lo <= n < hi, circular (WITHIN)
        Within,
        /// ( addr -- x ) fetch a cell
        Fetch,
        /// ( x addr -- ) store a cell
        Store,
        /// ( addr -- c ) fetch a byte
        CFetch,
        /// ( c addr -- ) store a byte
        CStore,
        /// ( n addr -- ) add n to the cell at addr
        PlusStore,
        /// ( addr -- x1 x2 ) x2 from addr, x1 from addr+8 (2@)
        TwoFetch,
        /// ( x1 x2 addr -- ) x2 to addr, x1 to addr+8 (2!)
        TwoStore,
        /// ( limit start -- ) ( R: -- limit index ) enter a DO loop
        Do,
        /// ( limit start -- ) enter a ?DO loop, or jump to `to` if limit = start
        QDo { to: Target },
        /// increment the index; jump back to `to` unless it reached the limit, else drop the loop
        Loop { to: Target },
        /// ( n -- ) add n to the index; jump to `to` unless it crossed limit-1|limit, else drop the loop
        PlusLoop { to: Target },
        /// drop the loop parameters and jump to `to`, past the loop (LEAVE)
        Leave { to: Target },
        /// ( R: limit index -- ) drop the loop parameters (UNLOOP)
        Unloop,
        /// ( -- index ) innermost loop index
        I,
        /// ( -- index ) next outer loop index
        J,
        /// pop `n` cells into a new locals frame (first local = deepest cell)
        LocalsEnter { n: Count },
        /// drop the current locals frame
        LocalsLeave,
        /// ( -- x ) push local `i`
        LocalGet { i: Slot },
        /// ( x -- ) store into local `i` (TO)
        LocalSet { i: Slot },
        /// make the latest CREATEd word run the DOES> code at `to` (DOES>, 6.1.1250)
        Does { to: Target },
        /// superinstruction `Lit v; Add`
        AddLit { v: Imm },
        /// superinstruction `Lit v; Mul`
        MulLit { v: Imm },
        /// superinstruction `Lit v; And`
        AndLit { v: Imm },
        /// superinstruction `Lit v; Eq`
        EqLit { v: Imm },
        /// superinstruction `Lit v; Lt`
        LtLit { v: Imm },
        /// superinstruction `Lit v; Gt`
        GtLit { v: Imm },
        /// superinstruction `Lit addr; Fetch` (a VARIABLE or VALUE read)
        FetchLit { v: Imm },
        /// superinstruction `Lit addr; Store` (a VARIABLE write, TO of a VALUE)
        StoreLit { v: Imm },
        /// superinstruction `Lit addr; PlusStore`
        PlusStoreLit { v: Imm },
        /// superinstruction `I; Add`
        IAdd,
        /// superinstruction `I; Fetch`
        IFetch,
        /// superinstruction `I; CFetch`
        ICFetch,
        /// superinstruction `I; Store`
        IStore,
        /// superinstruction `I; CStore`
        ICStore,
        /// superinstruction `I; TwoFetch`
        ITwoFetch,
        /// superinstruction `I; TwoStore`
        ITwoStore,
        /// superinstruction `Over; Add`
        OverAdd,
        /// superinstruction `Over; Fetch`
        OverFetch,
        /// superinstruction `Swap; Over`: ( a b -- b a b )
        SwapOver,
        /// superinstruction `RFrom; Add`
        RFromAdd,
        /// superinstruction `Dup; ZBranch to`
        DupZBranch { to: Target },
        /// superinstruction `ZeroEq; ZBranch to`: pop x, jump if x <> 0
        NzBranch { to: Target },
        /// superinstruction `Eq; ZBranch to`: pop a b, jump unless a = b
        EqBranch { to: Target },
        /// superinstruction `Ne; ZBranch to`: pop a b, jump if a = b
        NeBranch { to: Target },
        /// superinstruction `Lt; ZBranch to`: pop a b, jump unless a < b
        LtBranch { to: Target },
        /// superinstruction `Gt; ZBranch to`: pop a b, jump unless a > b
        GtBranch { to: Target },
        /// superinstruction `ULt; ZBranch to`: pop a b, jump unless a u< b
        ULtBranch { to: Target },
        /// superinstruction `Lit v; Lt; ZBranch to`: pop a, jump unless a < v
        LitLtBranch { v: Small, to: Target },
        /// superinstruction `Lit v; Gt; ZBranch to`: pop a, jump unless a > v
        LitGtBranch { v: Small, to: Target },
        /// superinstruction `Lit v; Eq; ZBranch to`: pop a, jump unless a = v
        LitEqBranch { v: Small, to: Target },
        /// superinstruction `Dup; Lit v; Lt; ZBranch to`: test the top against v without popping it
        DupLitLtBr { v: Small, to: Target },
        /// superinstruction `Lit v; ICStore`: store the byte v at the loop index address
        ICStoreLit { v: Imm },
        /// superinstruction `Dup; PlusLoop to`: +LOOP by the top of stack, kept
        DupPlusLoop { to: Target },
        /// superinstruction `Lit v; PlusLoop to`: +LOOP with a constant step
        PlusLoopLit { v: Small, to: Target },
        /// superinstruction `Drop; Lit v`: replace the top with v
        DropLit { v: Imm },
        /// superinstruction `Dup; AddLit v`: ( x -- x x+v )
        DupAddLit { v: Imm },
        /// superinstruction `Swap; AddLit v; Swap`: add v to the second cell
        UnderAddLit { v: Imm },
        /// superinstruction `Add; Exit`
        AddExit,
        /// superinstruction `DropLit v; Exit`: replace the top with v and return
        DropLitExit { v: Imm },
        /// superinstruction `ICFetch; ZBranch to`: jump if the byte at the loop index is 0
        ICFetchZBr { to: Target },
        /// superinstruction `Lit v; Swap`: ( x -- v x )
        LitUnder { v: Imm },
        /// superinstruction `Swap; AddLit v`: ( a b -- b a+v )
        SwapAddLit { v: Imm },
        /// superinstruction `RFrom; Add; ToR`: add the top to the return-stack top
        RAdd,
        /// superinstruction `OverFetch; OverFetch`: ( a b -- a b [a] [b] )
        OverFetch2,
        /// superinstruction `OverFetch2; Mul`: ( a b -- a b [a]*[b] ), a dot-product step
        OverFetchMul,
        /// superinstruction `UnderAddLit a; AddLit b`: ( x y -- x+a y+b ), two pointers advancing
        AddLit2 { a: Small, b: Small },
        /// superinstruction `ITwoFetch; GtBranch to`: jump unless the cell at I+8 > the cell at I
        ITwoGtBranch { to: Target },
        /// superinstruction `ITwoFetch; Swap; ITwoStore`: exchange the cells at I and I+8
        ISwap2,
        /// superinstruction `AddLit v; Loop to`: add v to the top, then LOOP
        AddLitLoop { v: Small, to: Target },
        /// superinstruction `Call to; Exit`: jump to `to` (tail call; only where no return-stack word is used)
        TailCall { to: Target },
        /// colon-definition prologue (JIT tier on): run definition `id`'s native code if compiled, else count the call
        JitEntry { id: JitId },
    }
}

impl Op {
    /// The branch or call target of this op, if it has one (for listings,
    /// relocation and the stack checker's control-flow graph).
    pub fn target(&self) -> Option<u32> {
        match *self {
            Op::Call { to }
            | Op::Branch { to }
            | Op::ZBranch { to }
            | Op::QDo { to }
            | Op::Loop { to }
            | Op::PlusLoop { to }
            | Op::Leave { to }
            | Op::Does { to }
            | Op::DupZBranch { to }
            | Op::NzBranch { to }
            | Op::EqBranch { to }
            | Op::NeBranch { to }
            | Op::LtBranch { to }
            | Op::GtBranch { to }
            | Op::ULtBranch { to }
            | Op::LitLtBranch { to, .. }
            | Op::LitGtBranch { to, .. }
            | Op::LitEqBranch { to, .. }
            | Op::DupLitLtBr { to, .. }
            | Op::PlusLoopLit { to, .. }
            | Op::DupPlusLoop { to }
            | Op::ICFetchZBr { to }
            | Op::ITwoGtBranch { to }
            | Op::AddLitLoop { to, .. }
            | Op::TailCall { to } => Some(to.0),
            _ => None,
        }
    }

    /// Sets the target of a branching op (used when forward branches are resolved).
    pub fn set_target(&mut self, t: u32) {
        match self {
            Op::Call { to }
            | Op::Branch { to }
            | Op::ZBranch { to }
            | Op::QDo { to }
            | Op::Loop { to }
            | Op::PlusLoop { to }
            | Op::Leave { to }
            | Op::Does { to }
            | Op::DupZBranch { to }
            | Op::NzBranch { to }
            | Op::EqBranch { to }
            | Op::NeBranch { to }
            | Op::LtBranch { to }
            | Op::GtBranch { to }
            | Op::ULtBranch { to }
            | Op::LitLtBranch { to, .. }
            | Op::LitGtBranch { to, .. }
            | Op::LitEqBranch { to, .. }
            | Op::DupLitLtBr { to, .. }
            | Op::PlusLoopLit { to, .. }
            | Op::DupPlusLoop { to }
            | Op::ICFetchZBr { to }
            | Op::ITwoGtBranch { to }
            | Op::AddLitLoop { to, .. }
            | Op::TailCall { to } => to.0 = t,
            _ => {}
        }
    }

    /// True for ops after which control never falls through to the next op.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            Op::Exit
                | Op::AddExit
                | Op::DropLitExit { .. }
                | Op::Branch { .. }
                | Op::Halt
                | Op::TailCall { .. }
                | Op::Leave { .. }
        )
    }

    /// True for ops that read or write the return stack directly (they make a
    /// definition unsafe to inline or to tail-call out of).
    pub fn uses_return_stack(&self) -> bool {
        matches!(
            self,
            Op::ToR
                | Op::RFrom
                | Op::RFetch
                | Op::TwoToR
                | Op::TwoRFrom
                | Op::TwoRFetch
                | Op::RDrop
                | Op::RFromAdd
                | Op::RAdd
                | Op::Do
                | Op::QDo { .. }
                | Op::Loop { .. }
                | Op::PlusLoop { .. }
                | Op::PlusLoopLit { .. }
                | Op::DupPlusLoop { .. }
                | Op::ICStoreLit { .. }
                | Op::ICFetchZBr { .. }
                | Op::ITwoGtBranch { .. }
                | Op::AddLitLoop { .. }
                | Op::ISwap2
                | Op::Leave { .. }
                | Op::Unloop
                | Op::I
                | Op::J
                | Op::IAdd
                | Op::IFetch
                | Op::ICFetch
                | Op::IStore
                | Op::ICStore
                | Op::ITwoFetch
                | Op::ITwoStore
                | Op::Sys { .. }
                | Op::Catch
                | Op::CatchEnd
                | Op::Exit
                | Op::AddExit
                | Op::DropLitExit { .. }
                | Op::Halt
                | Op::LocalsEnter { .. }
                | Op::LocalsLeave
                | Op::LocalGet { .. }
                | Op::LocalSet { .. }
                | Op::Does { .. }
                | Op::TailCall { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 8);
    }

    #[test]
    fn one_meaning_per_opcode() {
        assert_eq!(Op::NAMES.len(), Op::MEANINGS.len());
        assert!(Op::MEANINGS.iter().all(|m| !m.is_empty()));
    }
}
