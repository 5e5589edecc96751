//! THROW codes (Forth 2012 table 9.1) and their messages; [`Throw`], the
//! error every fallible VM operation returns.

use std::fmt;

/// A Forth exception: the THROW code in flight (table 9.1 numbers for
/// system errors, any nonzero cell for user THROWs). Carried by `Err` through
/// the VM and through nested interpreters until a CATCH frame takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throw(pub i64);

/// The standard THROW codes this system raises (Forth 2012, table 9.1).
pub mod code {
    /// ABORT
    pub const ABORT: i64 = -1;
    /// ABORT"
    pub const ABORT_QUOTE: i64 = -2;
    /// stack overflow
    pub const STACK_OVERFLOW: i64 = -3;
    /// stack underflow
    pub const STACK_UNDERFLOW: i64 = -4;
    /// return stack overflow
    pub const RSTACK_OVERFLOW: i64 = -5;
    /// return stack underflow
    pub const RSTACK_UNDERFLOW: i64 = -6;
    /// do-loops nested too deeply during execution
    pub const LOOP_DEPTH: i64 = -7;
    /// dictionary overflow
    pub const DICT_OVERFLOW: i64 = -8;
    /// invalid memory address
    pub const INVALID_ADDRESS: i64 = -9;
    /// division by zero
    pub const DIV_BY_ZERO: i64 = -10;
    /// result out of range
    pub const OUT_OF_RANGE: i64 = -11;
    /// argument type mismatch
    pub const TYPE_MISMATCH: i64 = -12;
    /// undefined word
    pub const UNDEFINED: i64 = -13;
    /// interpreting a compile-only word
    pub const COMPILE_ONLY: i64 = -14;
    /// invalid FORGET
    pub const INVALID_FORGET: i64 = -15;
    /// attempt to use zero-length string as a name
    pub const ZERO_LENGTH_NAME: i64 = -16;
    /// pictured numeric output string overflow
    pub const PICTURED_OVERFLOW: i64 = -17;
    /// parsed string overflow
    pub const PARSED_OVERFLOW: i64 = -18;
    /// definition name too long
    pub const NAME_TOO_LONG: i64 = -19;
    /// write to a read-only location
    pub const READ_ONLY: i64 = -20;
    /// unsupported operation
    pub const UNSUPPORTED: i64 = -21;
    /// control structure mismatch
    pub const CONTROL_MISMATCH: i64 = -22;
    /// address alignment exception
    pub const ALIGNMENT: i64 = -23;
    /// invalid numeric argument
    pub const INVALID_NUMERIC: i64 = -24;
    /// return stack imbalance
    pub const RSTACK_IMBALANCE: i64 = -25;
    /// loop parameters unavailable
    pub const NO_LOOP: i64 = -26;
    /// invalid recursion
    pub const INVALID_RECURSION: i64 = -27;
    /// user interrupt
    pub const USER_INTERRUPT: i64 = -28;
    /// compiler nesting
    pub const COMPILER_NESTING: i64 = -29;
    /// obsolescent feature
    pub const OBSOLESCENT: i64 = -30;
    /// >BODY used on non-CREATEd definition
    pub const NOT_CREATED: i64 = -31;
    /// invalid name argument (e.g., TO name)
    pub const INVALID_NAME: i64 = -32;
    /// block read exception
    pub const BLOCK_READ: i64 = -33;
    /// block write exception
    pub const BLOCK_WRITE: i64 = -34;
    /// invalid block number
    pub const INVALID_BLOCK: i64 = -35;
    /// invalid file position
    pub const INVALID_FILE_POSITION: i64 = -36;
    /// file I/O exception
    pub const FILE_IO: i64 = -37;
    /// non-existent file
    pub const NO_FILE: i64 = -38;
    /// unexpected end of file
    pub const UNEXPECTED_EOF: i64 = -39;
    /// invalid BASE for floating point conversion
    pub const INVALID_BASE: i64 = -40;
    /// compiled word list deleted
    pub const WORDLIST_DELETED: i64 = -48;
    /// search-order overflow
    pub const SEARCH_OVERFLOW: i64 = -49;
    /// search-order underflow
    pub const SEARCH_UNDERFLOW: i64 = -50;
    /// compilation word list changed
    pub const WORDLIST_CHANGED: i64 = -51;
    /// control-flow stack overflow
    pub const CS_OVERFLOW: i64 = -52;
    /// exception stack overflow
    pub const EXCEPTION_OVERFLOW: i64 = -53;
    /// ALLOCATE
    pub const ALLOCATE: i64 = -59;
    /// FREE
    pub const FREE: i64 = -60;
    /// RESIZE
    pub const RESIZE: i64 = -61;
    /// CLOSE-FILE
    pub const CLOSE_FILE: i64 = -62;
    /// QUIT
    pub const QUIT: i64 = -56;
    /// Kiln: BYE in flight (never caught by CATCH; ends the run with status 0).
    pub const BYE: i64 = -4096;
    /// Kiln: the run's step budget (`Limits::fuel`) ran out (a system code outside table 9.1).
    pub const FUEL: i64 = -4095;
}

/// The message for a THROW code: table 9.1's wording for system codes,
/// `uncaught exception N` otherwise.
pub fn message(n: i64) -> String {
    let m = match n {
        -1 => "aborted",
        -2 => "aborted",
        -3 => "stack overflow",
        -4 => "stack underflow",
        -5 => "return stack overflow",
        -6 => "return stack underflow",
        -7 => "do-loops nested too deeply during execution",
        -8 => "dictionary overflow",
        -9 => "invalid memory address",
        -10 => "division by zero",
        -11 => "result out of range",
        -12 => "argument type mismatch",
        -13 => "undefined word",
        -14 => "interpreting a compile-only word",
        -15 => "invalid FORGET",
        -16 => "attempt to use zero-length string as a name",
        -17 => "pictured numeric output string overflow",
        -18 => "parsed string overflow",
        -19 => "definition name too long",
        -20 => "write to a read-only location",
        -21 => "unsupported operation",
        -22 => "control structure mismatch",
        -23 => "address alignment exception",
        -24 => "invalid numeric argument",
        -25 => "return stack imbalance",
        -26 => "loop parameters unavailable",
        -27 => "invalid recursion",
        -28 => "user interrupt",
        -29 => "compiler nesting",
        -30 => "obsolescent feature",
        -31 => ">BODY used on non-CREATEd definition",
        -32 => "invalid name argument",
        -33 => "block read exception",
        -34 => "block write exception",
        -35 => "invalid block number",
        -36 => "invalid file position",
        -37 => "file I/O exception",
        -38 => "non-existent file",
        -39 => "unexpected end of file",
        -40 => "invalid BASE for floating point conversion",
        -41 => "loss of precision",
        -42 => "floating-point divide by zero",
        -43 => "floating-point result out of range",
        -44 => "floating-point stack overflow",
        -45 => "floating-point stack underflow",
        -46 => "floating-point invalid argument",
        -47 => "compilation word list deleted",
        -48 => "invalid POSTPONE",
        -49 => "search-order overflow",
        -50 => "search-order underflow",
        -51 => "compilation word list changed",
        -52 => "control-flow stack overflow",
        -53 => "exception stack overflow",
        -54 => "floating-point underflow",
        -55 => "floating-point unidentified fault",
        -56 => "QUIT",
        -57 => "exception in sending or receiving a character",
        -58 => "[IF], [ELSE], or [THEN] exception",
        -59 => "ALLOCATE failed",
        -60 => "FREE failed",
        -61 => "RESIZE failed",
        -62 => "CLOSE-FILE failed",
        -63 => "CREATE-FILE failed",
        -64 => "DELETE-FILE failed",
        -65 => "FILE-POSITION failed",
        -66 => "FILE-SIZE failed",
        -67 => "FILE-STATUS failed",
        -68 => "FLUSH-FILE failed",
        -69 => "OPEN-FILE failed",
        -70 => "READ-FILE failed",
        -71 => "READ-LINE failed",
        -72 => "RENAME-FILE failed",
        -73 => "REPOSITION-FILE failed",
        -74 => "RESIZE-FILE failed",
        -75 => "WRITE-FILE failed",
        -76 => "WRITE-LINE failed",
        code::FUEL => "step budget exhausted",
        _ => return format!("uncaught exception {n}"),
    };
    m.to_string()
}

/// True for codes that report a malformed program text rather than a
/// failure while running it (the CLI exits 3 for these): undefined words,
/// compile-only words interpreted, bad names, control-structure mismatches,
/// unexpected end of file.
pub fn is_syntax(n: i64) -> bool {
    matches!(n, -13 | -14 | -16 | -19 | -22 | -29 | -32 | -39 | -48 | -58)
}

impl fmt::Display for Throw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", message(self.0), self.0)
    }
}

impl std::error::Error for Throw {}

/// Shorthand for an `Err(Throw(code))`.
#[inline]
pub fn throw<T>(code: i64) -> Result<T, Throw> {
    Err(Throw(code))
}
