//! The one way a Kiln language defines its instruction set.
//!
//! A language declares its opcodes once with [`define_isa!`](crate::define_isa):
//! a name, named operands of newtype operand types (declared with
//! [`operand!`](crate::operand)), and exactly one `///` line of meaning. From
//! that single declaration come the opcode enum, the opcode names and
//! meanings (`Op::NAMES`, `Op::MEANINGS`), operand decoding for listings
//! ([`Instruction::operands`]) and the shared `--explain` listing format
//! ([`write_listing`]), so every `kiln <lang> --explain` looks alike.
//!
//! Modelled on Pulley's `for_each_op!` (wasmtime) and Lua's `lopcodes.h`.
//!
//! ```
//! kiln_core::operand! {
//!     /// Index of a constant.
//!     pub struct K(pub u32);
//! }
//! kiln_core::define_isa! {
//!     /// A toy instruction set.
//!     pub enum Op {
//!         /// push constant `k`
//!         Push { k: K },
//!         /// add the two top values
//!         Add,
//!     }
//! }
//! use kiln_core::Instruction;
//! assert_eq!(Op::Add.name(), "Add");
//! assert_eq!(Op::Push { k: K(3) }.operands()[0].raw, 3);
//! assert_eq!(Op::MEANINGS[0], "push constant `k`");
//! ```
//!
//! Adding an opcode: add one line to the language's `define_isa!` block (with
//! its one-line meaning), then handle it in the compiler and in the VM's
//! dispatch loop; the listing and opcode tables follow by themselves.

use std::fmt::{self, Write as _};

/// A decoded operand, for listings: the field name, the operand's type name
/// and its raw integer value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperandValue {
    /// The field name in the opcode declaration (`k`, `name`, `target`).
    pub field: &'static str,
    /// The operand newtype's name (`ConstIdx`, `Jump`), which a listing uses to resolve it.
    pub kind: &'static str,
    /// The raw value (indices and offsets are small integers).
    pub raw: i64,
}

/// An operand newtype (`ConstIdx(u32)`, `Jump(i32)`): gives its kind and raw value.
pub trait Operand: Copy {
    /// The newtype's name, as used in listings.
    const KIND: &'static str;
    /// The operand's value as an integer.
    fn raw(self) -> i64;
}

/// What every generated opcode enum provides.
pub trait Instruction: Copy {
    /// The opcode's name (`Nav`, `Call`).
    fn name(&self) -> &'static str;
    /// The one-line meaning from the declaration.
    fn meaning(&self) -> &'static str;
    /// The operands in declaration order.
    fn operands(&self) -> Vec<OperandValue>;
}

/// Writes a listing of `code` in the shared format, one instruction a line:
/// `  0003  Nav          name=2  ; given`. `resolve` may turn an operand into
/// a comment (a constant's text, a name, a jump target).
pub fn write_listing<I: Instruction>(
    out: &mut String,
    code: &[I],
    mut resolve: impl FnMut(usize, &OperandValue) -> Option<String>,
) {
    for (pc, op) in code.iter().enumerate() {
        let ops = op.operands();
        let args: Vec<String> = ops
            .iter()
            .map(|o| format!("{}={}", o.field, o.raw))
            .collect();
        let notes: Vec<String> = ops.iter().filter_map(|o| resolve(pc, o)).collect();
        let mut line = format!("  {pc:04}  {:<14}{}", op.name(), args.join(" "));
        if !notes.is_empty() {
            let width = 40usize.saturating_sub(line.len()).max(1);
            let _ = write!(line, "{}; {}", " ".repeat(width), notes.join(", "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Formats an opcode table (`name — meaning`), for crate docs and `--explain=ops`.
pub fn opcode_table(names: &[&str], meanings: &[&str]) -> String {
    let mut s = String::new();
    for (n, m) in names.iter().zip(meanings) {
        let _ = writeln!(s, "{n:<16}{m}");
    }
    s
}

/// Declares an operand newtype and its [`Operand`] impl.
///
/// ```
/// kiln_core::operand! {
///     /// A relative jump in instructions.
///     pub struct Jump(pub i32);
/// }
/// ```
#[macro_export]
macro_rules! operand {
    ($(#[$meta:meta])* $vis:vis struct $name:ident(pub $ty:ty);) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis struct $name(pub $ty);
        impl $crate::isa::Operand for $name {
            const KIND: &'static str = stringify!($name);
            #[inline]
            fn raw(self) -> i64 {
                self.0 as i64
            }
        }
    };
}

/// Declares an instruction set: one variant per opcode, each with exactly one
/// `///` line of meaning and named operands whose types were declared with
/// [`operand!`](crate::operand). See the [module docs](crate::isa).
#[macro_export]
macro_rules! define_isa {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Op:ident {
            $(
                #[doc = $doc:literal]
                $name:ident $( { $( $field:ident : $fty:ty ),* $(,)? } )?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $Op {
            $(
                #[doc = $doc]
                $name $( { $( #[allow(missing_docs)] $field : $fty ),* } )?,
            )*
        }

        impl $Op {
            /// Every opcode's name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];
            /// Every opcode's one-line meaning, in declaration order.
            pub const MEANINGS: &'static [&'static str] = &[$($doc.trim_ascii()),*];
        }

        impl $crate::isa::Instruction for $Op {
            fn name(&self) -> &'static str {
                match self {
                    $( $Op::$name { .. } => stringify!($name), )*
                }
            }
            fn meaning(&self) -> &'static str {
                match self {
                    $( $Op::$name { .. } => $doc.trim_ascii(), )*
                }
            }
            #[allow(unused_variables)]
            fn operands(&self) -> Vec<$crate::isa::OperandValue> {
                match *self {
                    $(
                        $Op::$name $( { $( $field ),* } )? => vec![
                            $($(
                                $crate::isa::OperandValue {
                                    field: stringify!($field),
                                    kind: <$fty as $crate::isa::Operand>::KIND,
                                    raw: $crate::isa::Operand::raw($field),
                                },
                            )*)?
                        ],
                    )*
                }
            }
        }
    };
}

impl fmt::Display for OperandValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.field, self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::operand! {
        /// Constant index.
        pub struct K(pub u32);
    }
    crate::operand! {
        /// Relative jump.
        pub struct J(pub i32);
    }
    crate::define_isa! {
        /// Test ISA.
        pub enum T {
            /// push constant k
            Push { k: K },
            /// jump by off when false
            JumpIfFalse { off: J },
            /// stop
            Halt,
        }
    }

    #[test]
    fn generated_tables_and_listing() {
        assert_eq!(T::NAMES, ["Push", "JumpIfFalse", "Halt"]);
        assert_eq!(T::MEANINGS[1], "jump by off when false");
        assert_eq!(T::Halt.meaning(), "stop");
        let code = [T::Push { k: K(0) }, T::JumpIfFalse { off: J(-1) }, T::Halt];
        let mut out = String::new();
        write_listing(&mut out, &code, |_, o| {
            (o.kind == "K").then(|| "'x'".to_string())
        });
        assert_eq!(
            out,
            "  0000  Push          k=0               ; 'x'\n  0001  JumpIfFalse   off=-1\n  0002  Halt\n"
        );
        assert!(std::mem::size_of::<T>() <= 8);
    }
}
