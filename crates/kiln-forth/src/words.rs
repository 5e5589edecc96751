//! The built-in words: one table of words compiled as inline op sequences
//! ([`OP_WORDS`]) and one of system words run outside the dispatch loop
//! ([`SysWord`]), each with its flags and its stack effect in standard
//! notation (Forth 2012 §2.2.2). The stack checker and the effect API read
//! the effects from here; `sys.rs` implements the system words.

use crate::isa::{Imm, Op};
use crate::layout;

/// The word is IMMEDIATE (executed while compiling).
pub const IMMEDIATE: u8 = 1;
/// The word has no interpretation semantics (interpreting it throws -14).
pub const COMPILE_ONLY: u8 = 2;
/// Not findable yet (a definition in progress).
pub const HIDDEN: u8 = 4;
/// Its stack effect has been inferred (`Word::effect` is final, `None` = dynamic).
pub const INFERRED: u8 = 8;

const N: u8 = 0;
const I: u8 = IMMEDIATE;
const C: u8 = COMPILE_ONLY;
const IC: u8 = IMMEDIATE | COMPILE_ONLY;

const fn lit(v: i64) -> Op {
    Op::Lit { v: Imm(v as i32) }
}

/// A word compiled as an inline sequence of ops: name, ops, flags, effect.
pub type OpWord = (&'static str, &'static [Op], u8, &'static str);

/// Words whose compilation is an inline op sequence (Core, Core Ext,
/// Double, Exception, Programming-Tools words that are single VM ops).
pub const OP_WORDS: &[OpWord] = &[
    ("DUP", &[Op::Dup], N, "( x -- x x )"),
    ("DROP", &[Op::Drop], N, "( x -- )"),
    ("SWAP", &[Op::Swap], N, "( x1 x2 -- x2 x1 )"),
    ("OVER", &[Op::Over], N, "( x1 x2 -- x1 x2 x1 )"),
    ("ROT", &[Op::Rot], N, "( x1 x2 x3 -- x2 x3 x1 )"),
    ("-ROT", &[Op::MinusRot], N, "( x1 x2 x3 -- x3 x1 x2 )"),
    ("NIP", &[Op::Nip], N, "( x1 x2 -- x2 )"),
    ("TUCK", &[Op::Tuck], N, "( x1 x2 -- x2 x1 x2 )"),
    ("2DUP", &[Op::TwoDup], N, "( x1 x2 -- x1 x2 x1 x2 )"),
    ("2DROP", &[Op::TwoDrop], N, "( x1 x2 -- )"),
    ("2SWAP", &[Op::TwoSwap], N, "( x1 x2 x3 x4 -- x3 x4 x1 x2 )"),
    (
        "2OVER",
        &[Op::TwoOver],
        N,
        "( x1 x2 x3 x4 -- x1 x2 x3 x4 x1 x2 )",
    ),
    ("?DUP", &[Op::QDup], N, "( x -- 0 | x x )"),
    ("PICK", &[Op::Pick], N, "( xu ... x0 u -- xu ... x0 xu )"),
    (
        "ROLL",
        &[Op::Roll],
        N,
        "( xu xu-1 ... x0 u -- xu-1 ... x0 xu )",
    ),
    ("DEPTH", &[Op::Depth], N, "( -- +n )"),
    (">R", &[Op::ToR], C, "( x -- ) ( R: -- x )"),
    ("R>", &[Op::RFrom], C, "( -- x ) ( R: x -- )"),
    ("R@", &[Op::RFetch], C, "( -- x ) ( R: x -- x )"),
    ("2>R", &[Op::TwoToR], C, "( x1 x2 -- ) ( R: -- x1 x2 )"),
    ("2R>", &[Op::TwoRFrom], C, "( -- x1 x2 ) ( R: x1 x2 -- )"),
    (
        "2R@",
        &[Op::TwoRFetch],
        C,
        "( -- x1 x2 ) ( R: x1 x2 -- x1 x2 )",
    ),
    ("RDROP", &[Op::RDrop], C, "( -- ) ( R: x -- )"),
    ("+", &[Op::Add], N, "( n1 n2 -- n3 )"),
    ("-", &[Op::Sub], N, "( n1 n2 -- n3 )"),
    ("*", &[Op::Mul], N, "( n1 n2 -- n3 )"),
    ("/", &[Op::Div], N, "( n1 n2 -- n3 )"),
    ("MOD", &[Op::Mod], N, "( n1 n2 -- n3 )"),
    ("/MOD", &[Op::DivMod], N, "( n1 n2 -- n3 n4 )"),
    ("*/", &[Op::StarSlash], N, "( n1 n2 n3 -- n4 )"),
    ("*/MOD", &[Op::StarSlashMod], N, "( n1 n2 n3 -- n4 n5 )"),
    ("NEGATE", &[Op::Negate], N, "( n1 -- n2 )"),
    ("ABS", &[Op::Abs], N, "( n -- u )"),
    ("MIN", &[Op::Min], N, "( n1 n2 -- n3 )"),
    ("MAX", &[Op::Max], N, "( n1 n2 -- n3 )"),
    ("1+", &[Op::OnePlus], N, "( n1 -- n2 )"),
    ("1-", &[Op::OneMinus], N, "( n1 -- n2 )"),
    ("2*", &[Op::TwoStar], N, "( x1 -- x2 )"),
    ("2/", &[Op::TwoSlash], N, "( x1 -- x2 )"),
    ("LSHIFT", &[Op::LShift], N, "( x1 u -- x2 )"),
    ("RSHIFT", &[Op::RShift], N, "( x1 u -- x2 )"),
    ("AND", &[Op::And], N, "( x1 x2 -- x3 )"),
    ("OR", &[Op::Or], N, "( x1 x2 -- x3 )"),
    ("XOR", &[Op::Xor], N, "( x1 x2 -- x3 )"),
    ("INVERT", &[Op::Invert], N, "( x1 -- x2 )"),
    ("UM*", &[Op::UmStar], N, "( u1 u2 -- ud )"),
    ("M*", &[Op::MStar], N, "( n1 n2 -- d )"),
    ("UM/MOD", &[Op::UmSlashMod], N, "( ud u1 -- u2 u3 )"),
    ("SM/REM", &[Op::SmSlashRem], N, "( d n1 -- n2 n3 )"),
    ("FM/MOD", &[Op::FmSlashMod], N, "( d n1 -- n2 n3 )"),
    ("D+", &[Op::DPlus], N, "( d1 d2 -- d3 )"),
    ("D-", &[Op::DMinus], N, "( d1 d2 -- d3 )"),
    ("S>D", &[Op::SToD], N, "( n -- d )"),
    ("=", &[Op::Eq], N, "( x1 x2 -- flag )"),
    ("<>", &[Op::Ne], N, "( x1 x2 -- flag )"),
    ("<", &[Op::Lt], N, "( n1 n2 -- flag )"),
    (">", &[Op::Gt], N, "( n1 n2 -- flag )"),
    ("U<", &[Op::ULt], N, "( u1 u2 -- flag )"),
    ("U>", &[Op::UGt], N, "( u1 u2 -- flag )"),
    ("0=", &[Op::ZeroEq], N, "( x -- flag )"),
    ("0<>", &[Op::ZeroNe], N, "( x -- flag )"),
    ("0<", &[Op::ZeroLt], N, "( n -- flag )"),
    ("0>", &[Op::ZeroGt], N, "( n -- flag )"),
    ("WITHIN", &[Op::Within], N, "( n1 n2 n3 -- flag )"),
    ("@", &[Op::Fetch], N, "( a-addr -- x )"),
    ("!", &[Op::Store], N, "( x a-addr -- )"),
    ("C@", &[Op::CFetch], N, "( c-addr -- char )"),
    ("C!", &[Op::CStore], N, "( char c-addr -- )"),
    ("+!", &[Op::PlusStore], N, "( n a-addr -- )"),
    ("2@", &[Op::TwoFetch], N, "( a-addr -- x1 x2 )"),
    ("2!", &[Op::TwoStore], N, "( x1 x2 a-addr -- )"),
    ("EXECUTE", &[Op::Execute], N, "( i*x xt -- j*x )"),
    ("CATCH", &[Op::Catch], N, "( i*x xt -- j*x 0 | i*x n )"),
    ("THROW", &[Op::Throw], N, "( k*x n -- k*x | i*x n )"),
    ("I", &[Op::I], C, "( -- n )"),
    ("J", &[Op::J], C, "( -- n )"),
    ("UNLOOP", &[Op::Unloop], C, "( -- )"),
    ("CELL+", &[lit(8), Op::Add], N, "( a-addr1 -- a-addr2 )"),
    ("CELL", &[lit(8)], N, "( -- n )"),
    ("CELLS", &[lit(8), Op::Mul], N, "( n1 -- n2 )"),
    ("CHAR+", &[Op::OnePlus], N, "( c-addr1 -- c-addr2 )"),
    ("CHARS", &[], N, "( n1 -- n2 )"),
    (
        "ALIGNED",
        &[Op::AddLit { v: Imm(7) }, Op::AndLit { v: Imm(-8) }],
        N,
        "( addr -- a-addr )",
    ),
    ("TRUE", &[lit(-1)], N, "( -- flag )"),
    ("FALSE", &[lit(0)], N, "( -- flag )"),
    ("BL", &[lit(32)], N, "( -- char )"),
    (
        "COUNT",
        &[Op::Dup, Op::OnePlus, Op::Swap, Op::CFetch],
        N,
        "( c-addr1 -- c-addr2 u )",
    ),
    (
        "/STRING",
        &[Op::Tuck, Op::Sub, Op::MinusRot, Op::Add, Op::Swap],
        N,
        "( c-addr1 u1 n -- c-addr2 u2 )",
    ),
    (
        "ABORT",
        &[lit(-1), Op::Throw],
        N,
        "( i*x -- ) ( R: j*x -- )",
    ),
    ("BASE", &[lit(layout::BASE)], N, "( -- a-addr )"),
    ("STATE", &[lit(layout::STATE)], N, "( -- a-addr )"),
    (">IN", &[lit(layout::TO_IN)], N, "( -- a-addr )"),
    ("BLK", &[lit(layout::BLK)], N, "( -- a-addr )"),
    ("SCR", &[lit(layout::SCR)], N, "( -- a-addr )"),
    ("PAD", &[lit(layout::PAD)], N, "( -- c-addr )"),
    ("NOOP", &[], N, "( -- )"),
    (
        "DNEGATE",
        &[lit(0), lit(0), Op::TwoSwap, Op::DMinus],
        N,
        "( d1 -- d2 )",
    ),
    ("M+", &[Op::SToD, Op::DPlus], N, "( d1 n -- d2 )"),
    ("D>S", &[Op::Drop], N, "( d -- n )"),
];

macro_rules! sys_words {
    ($( $v:ident = $name:literal, $flags:expr, $eff:literal; )*) => {
        /// A system word: implemented in Rust (`sys.rs`), compiled as `Op::Sys`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        #[allow(missing_docs)]
        pub enum SysWord { $($v),* }

        impl SysWord {
            /// Every system word, in table order (`SysWord as u16` indexes it).
            pub const ALL: &'static [SysWord] = &[$(SysWord::$v),*];
            /// Names, as found in the FORTH word list.
            pub const NAMES: &'static [&'static str] = &[$($name),*];
            /// Flags ([`IMMEDIATE`], [`COMPILE_ONLY`]).
            pub const FLAGS: &'static [u8] = &[$($flags),*];
            /// Stack effects in standard notation.
            pub const EFFECTS: &'static [&'static str] = &[$($eff),*];

            /// The system word numbered `n`.
            pub fn from_u16(n: u16) -> Option<SysWord> {
                Self::ALL.get(n as usize).copied()
            }

            /// Its name.
            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            /// Its stack effect.
            pub fn effect(self) -> &'static str {
                Self::EFFECTS[self as usize]
            }
        }
    };
}

sys_words! {
    // Core: output and pictured numeric output (6.1)
    Emit = "EMIT", N, "( x -- )";
    Type = "TYPE", N, "( c-addr u -- )";
    Cr = "CR", N, "( -- )";
    Space = "SPACE", N, "( -- )";
    Spaces = "SPACES", N, "( n -- )";
    Dot = ".", N, "( n -- )";
    UDot = "U.", N, "( u -- )";
    DotR = ".R", N, "( n1 n2 -- )";
    UDotR = "U.R", N, "( u n -- )";
    DDot = "D.", N, "( d -- )";
    DDotR = "D.R", N, "( d n -- )";
    Question = "?", N, "( a-addr -- )";
    DotS = ".S", N, "( -- )";
    Key = "KEY", N, "( -- char )";
    KeyQ = "KEY?", N, "( -- flag )";
    Accept = "ACCEPT", N, "( c-addr +n1 -- +n2 )";
    LessNum = "<#", N, "( -- )";
    Num = "#", N, "( ud1 -- ud2 )";
    NumS = "#S", N, "( ud1 -- ud2 )";
    NumGreater = "#>", N, "( xd -- c-addr u )";
    Hold = "HOLD", N, "( char -- )";
    Holds = "HOLDS", N, "( c-addr u -- )";
    Sign = "SIGN", N, "( n -- )";
    ToNumber = ">NUMBER", N, "( ud1 c-addr1 u1 -- ud2 c-addr2 u2 )";
    Decimal = "DECIMAL", N, "( -- )";
    Hex = "HEX", N, "( -- )";
    // Core: data space and definitions
    Here = "HERE", N, "( -- addr )";
    Allot = "ALLOT", N, "( n -- )";
    Comma = ",", N, "( x -- )";
    CComma = "C,", N, "( char -- )";
    Align = "ALIGN", N, "( -- )";
    Unused = "UNUSED", N, "( -- u )";
    Create = "CREATE", N, "( \"name\" -- )";
    Variable = "VARIABLE", N, "( \"name\" -- )";
    TwoVariable = "2VARIABLE", N, "( \"name\" -- )";
    Constant = "CONSTANT", N, "( x \"name\" -- )";
    TwoConstant = "2CONSTANT", N, "( x1 x2 \"name\" -- )";
    Value = "VALUE", N, "( x \"name\" -- )";
    TwoValue = "2VALUE", N, "( x1 x2 \"name\" -- )";
    BufferColon = "BUFFER:", N, "( u \"name\" -- )";
    Defer = "DEFER", N, "( \"name\" -- )";
    Colon = ":", N, "( \"name\" -- colon-sys )";
    NoName = ":NONAME", N, "( -- xt colon-sys )";
    Semicolon = ";", IC, "( colon-sys -- )";
    Immediate = "IMMEDIATE", N, "( -- )";
    Tick = "'", N, "( \"name\" -- xt )";
    BracketTick = "[']", IC, "( \"name\" -- )";
    Find = "FIND", N, "( c-addr -- c-addr 0 | xt 1 | xt -1 )";
    ToBody = ">BODY", N, "( xt -- a-addr )";
    Marker = "MARKER", N, "( \"name\" -- )";
    Forget = "FORGET", N, "( \"name\" -- )";
    MarkerRt = "(MARKER)", N, "( x -- )";
    Synonym = "SYNONYM", N, "( \"newname\" \"oldname\" -- )";
    DeferFetch = "DEFER@", N, "( xt1 -- xt2 )";
    DeferStore = "DEFER!", N, "( xt2 xt1 -- )";
    Is = "IS", I, "( xt \"name\" -- )";
    ActionOf = "ACTION-OF", I, "( \"name\" -- xt )";
    To = "TO", I, "( i*x \"name\" -- )";
    // Core: parsing and the input source
    Word = "WORD", N, "( char \"ccc\" -- c-addr )";
    Parse = "PARSE", N, "( char \"ccc\" -- c-addr u )";
    ParseName = "PARSE-NAME", N, "( \"name\" -- c-addr u )";
    Char = "CHAR", N, "( \"name\" -- char )";
    BracketChar = "[CHAR]", IC, "( \"name\" -- )";
    Paren = "(", I, "( \"ccc)\" -- )";
    Backslash = "\\", I, "( \"ccc\" -- )";
    DotParen = ".(", I, "( \"ccc)\" -- )";
    Source = "SOURCE", N, "( -- c-addr u )";
    Refill = "REFILL", N, "( -- flag )";
    Evaluate = "EVALUATE", N, "( i*x c-addr u -- j*x )";
    SaveInput = "SAVE-INPUT", N, "( -- xn ... x1 n )";
    RestoreInput = "RESTORE-INPUT", N, "( xn ... x1 n -- flag )";
    SourceId = "SOURCE-ID", N, "( -- 0 | -1 | fileid )";
    // Core: compiling
    Literal = "LITERAL", IC, "( x -- )";
    TwoLiteral = "2LITERAL", IC, "( x1 x2 -- )";
    SLiteral = "SLITERAL", IC, "( c-addr u -- )";
    Postpone = "POSTPONE", IC, "( \"name\" -- )";
    BracketCompile = "[COMPILE]", IC, "( \"name\" -- )";
    CompileComma = "COMPILE,", N, "( xt -- )";
    LeftBracket = "[", IC, "( -- )";
    RightBracket = "]", N, "( -- )";
    Recurse = "RECURSE", IC, "( -- )";
    DoesGreater = "DOES>", IC, "( -- )";
    Exit = "EXIT", IC, "( -- )";
    If = "IF", IC, "( C: -- orig )";
    Else = "ELSE", IC, "( C: orig1 -- orig2 )";
    Then = "THEN", IC, "( C: orig -- )";
    Begin = "BEGIN", IC, "( C: -- dest )";
    While = "WHILE", IC, "( C: dest -- orig dest )";
    Repeat = "REPEAT", IC, "( C: orig dest -- )";
    Until = "UNTIL", IC, "( C: dest -- )";
    Again = "AGAIN", IC, "( C: dest -- )";
    Ahead = "AHEAD", IC, "( C: -- orig )";
    Do = "DO", IC, "( C: -- do-sys )";
    QDo = "?DO", IC, "( C: -- do-sys )";
    Loop = "LOOP", IC, "( C: do-sys -- )";
    PlusLoop = "+LOOP", IC, "( C: do-sys -- )";
    Leave = "LEAVE", IC, "( -- )";
    Case = "CASE", IC, "( C: -- case-sys )";
    Of = "OF", IC, "( C: -- of-sys )";
    EndOf = "ENDOF", IC, "( C: case-sys1 of-sys -- case-sys2 )";
    EndCase = "ENDCASE", IC, "( C: case-sys -- )";
    CsPick = "CS-PICK", N, "( C: destu ... orig0|dest0 -- destu ... orig0|dest0 destu ) ( S: u -- )";
    CsRoll = "CS-ROLL", N, "( C: origu|destu ... orig0|dest0 -- ... origu|destu ) ( S: u -- )";
    SQuote = "S\"", I, "( \"ccc\" -- c-addr u )";
    SBackslashQuote = "S\\\"", I, "( \"ccc\" -- c-addr u )";
    DotQuote = ".\"", I, "( \"ccc\" -- )";
    CQuote = "C\"", IC, "( \"ccc\" -- )";
    AbortQuote = "ABORT\"", IC, "( \"ccc\" -- )";
    AbortQuoteRt = "(ABORT\")", N, "( x1 c-addr u -- )";
    BraceColon = "{:", IC, "( \"args | vals -- outs :}\" -- )";
    LocalsBar = "LOCALS|", IC, "( \"name ... |\" -- )";
    ParenLocal = "(LOCAL)", N, "( c-addr u -- )";
    BracketIf = "[IF]", I, "( flag -- )";
    BracketElse = "[ELSE]", I, "( -- )";
    BracketThen = "[THEN]", I, "( -- )";
    BracketDefined = "[DEFINED]", I, "( \"name\" -- flag )";
    BracketUndefined = "[UNDEFINED]", I, "( \"name\" -- flag )";
    // Core: system
    Quit = "QUIT", N, "( -- )";
    Bye = "BYE", N, "( -- )";
    EnvironmentQ = "ENVIRONMENT?", N, "( c-addr u -- false | i*x true )";
    // Core and String: memory and strings
    Move = "MOVE", N, "( addr1 addr2 u -- )";
    Fill = "FILL", N, "( c-addr u char -- )";
    Erase = "ERASE", N, "( addr u -- )";
    Blank = "BLANK", N, "( c-addr u -- )";
    CMove = "CMOVE", N, "( c-addr1 c-addr2 u -- )";
    CMoveUp = "CMOVE>", N, "( c-addr1 c-addr2 u -- )";
    Compare = "COMPARE", N, "( c-addr1 u1 c-addr2 u2 -- n )";
    Search = "SEARCH", N, "( c-addr1 u1 c-addr2 u2 -- c-addr3 u3 flag )";
    MinusTrailing = "-TRAILING", N, "( c-addr u1 -- c-addr u2 )";
    Unescape = "UNESCAPE", N, "( c-addr1 u1 c-addr2 -- c-addr2 u2 )";
    Substitute = "SUBSTITUTE", N, "( c-addr1 u1 c-addr2 u2 -- c-addr2 u3 n )";
    Replaces = "REPLACES", N, "( c-addr1 u1 c-addr2 u2 -- )";
    // Double-Number (8.6)
    DAbs = "DABS", N, "( d -- ud )";
    DTwoStar = "D2*", N, "( xd1 -- xd2 )";
    DTwoSlash = "D2/", N, "( xd1 -- xd2 )";
    DZeroLess = "D0<", N, "( d -- flag )";
    DZeroEq = "D0=", N, "( xd -- flag )";
    DLess = "D<", N, "( d1 d2 -- flag )";
    DEq = "D=", N, "( xd1 xd2 -- flag )";
    DULess = "DU<", N, "( ud1 ud2 -- flag )";
    DMax = "DMAX", N, "( d1 d2 -- d3 )";
    DMin = "DMIN", N, "( d1 d2 -- d3 )";
    MStarSlash = "M*/", N, "( d1 n1 +n2 -- d2 )";
    TwoRot = "2ROT", N, "( x1 x2 x3 x4 x5 x6 -- x3 x4 x5 x6 x1 x2 )";
    // Memory-Allocation (14.6)
    Allocate = "ALLOCATE", N, "( u -- a-addr ior )";
    Free = "FREE", N, "( a-addr -- ior )";
    Resize = "RESIZE", N, "( a-addr1 u -- a-addr2 ior )";
    // File-Access (11.6)
    Included = "INCLUDED", N, "( i*x c-addr u -- j*x )";
    Include = "INCLUDE", N, "( i*x \"name\" -- j*x )";
    Required = "REQUIRED", N, "( i*x c-addr u -- i*x )";
    Require = "REQUIRE", N, "( i*x \"name\" -- i*x )";
    IncludeFile = "INCLUDE-FILE", N, "( i*x fileid -- j*x )";
    RO = "R/O", N, "( -- fam )";
    WO = "W/O", N, "( -- fam )";
    RW = "R/W", N, "( -- fam )";
    Bin = "BIN", N, "( fam1 -- fam2 )";
    OpenFile = "OPEN-FILE", N, "( c-addr u fam -- fileid ior )";
    CreateFile = "CREATE-FILE", N, "( c-addr u fam -- fileid ior )";
    CloseFile = "CLOSE-FILE", N, "( fileid -- ior )";
    DeleteFile = "DELETE-FILE", N, "( c-addr u -- ior )";
    RenameFile = "RENAME-FILE", N, "( c-addr1 u1 c-addr2 u2 -- ior )";
    ReadFile = "READ-FILE", N, "( c-addr u1 fileid -- u2 ior )";
    ReadLine = "READ-LINE", N, "( c-addr u1 fileid -- u2 flag ior )";
    WriteFile = "WRITE-FILE", N, "( c-addr u fileid -- ior )";
    WriteLine = "WRITE-LINE", N, "( c-addr u fileid -- ior )";
    FilePosition = "FILE-POSITION", N, "( fileid -- ud ior )";
    RepositionFile = "REPOSITION-FILE", N, "( ud fileid -- ior )";
    FileSize = "FILE-SIZE", N, "( fileid -- ud ior )";
    ResizeFile = "RESIZE-FILE", N, "( ud fileid -- ior )";
    FileStatus = "FILE-STATUS", N, "( c-addr u -- x ior )";
    FlushFile = "FLUSH-FILE", N, "( fileid -- ior )";
    // Block (7.6)
    Block = "BLOCK", N, "( u -- a-addr )";
    Buffer = "BUFFER", N, "( u -- a-addr )";
    Update = "UPDATE", N, "( -- )";
    SaveBuffers = "SAVE-BUFFERS", N, "( -- )";
    EmptyBuffers = "EMPTY-BUFFERS", N, "( -- )";
    Flush = "FLUSH", N, "( -- )";
    Load = "LOAD", N, "( i*x u -- j*x )";
    Thru = "THRU", N, "( i*x u1 u2 -- j*x )";
    List = "LIST", N, "( u -- )";
    // Search-Order (16.6)
    ForthWordlist = "FORTH-WORDLIST", N, "( -- wid )";
    GetOrder = "GET-ORDER", N, "( -- widn ... wid1 n )";
    SetOrder = "SET-ORDER", N, "( widn ... wid1 n -- )";
    GetCurrent = "GET-CURRENT", N, "( -- wid )";
    SetCurrent = "SET-CURRENT", N, "( wid -- )";
    Wordlist = "WORDLIST", N, "( -- wid )";
    SearchWordlist = "SEARCH-WORDLIST", N, "( c-addr u wid -- 0 | xt 1 | xt -1 )";
    Definitions = "DEFINITIONS", N, "( -- )";
    Also = "ALSO", N, "( -- )";
    Only = "ONLY", N, "( -- )";
    Forth = "FORTH", N, "( -- )";
    Previous = "PREVIOUS", N, "( -- )";
    Order = "ORDER", N, "( -- )";
    // Programming-Tools (15.6)
    Dump = "DUMP", N, "( addr u -- )";
    See = "SEE", N, "( \"name\" -- )";
    Words = "WORDS", N, "( -- )";
    NToR = "N>R", N, "( i*n +n -- ) ( R: -- j*x +n )";
    NRFrom = "NR>", N, "( -- i*x +n ) ( R: j*x +n -- )";
    NameToCompile = "NAME>COMPILE", N, "( nt -- x xt )";
    NameToInterpret = "NAME>INTERPRET", N, "( nt -- xt|0 )";
    NameToString = "NAME>STRING", N, "( nt -- c-addr u )";
    TraverseWordlist = "TRAVERSE-WORDLIST", N, "( i*x xt wid -- j*x )";
    // Facility (10.6)
    AtXy = "AT-XY", N, "( u1 u2 -- )";
    Page = "PAGE", N, "( -- )";
    Ms = "MS", N, "( u -- )";
    TimeDate = "TIME&DATE", N, "( -- +n1 +n2 +n3 +n4 +n5 +n6 )";
    Ekey = "EKEY", N, "( -- x )";
    EkeyToChar = "EKEY>CHAR", N, "( x -- x false | char true )";
    EkeyQ = "EKEY?", N, "( -- flag )";
    EmitQ = "EMIT?", N, "( -- flag )";
    BeginStructure = "BEGIN-STRUCTURE", N, "( \"name\" -- struct-sys 0 )";
    EndStructure = "END-STRUCTURE", N, "( struct-sys +n -- )";
    PlusField = "+FIELD", N, "( n1 n2 \"name\" -- n3 )";
    FieldColon = "FIELD:", N, "( n1 \"name\" -- n2 )";
    CFieldColon = "CFIELD:", N, "( n1 \"name\" -- n2 )";
    // Kiln / gforth-compatible extensions
    SourceLine = "SOURCELINE#", N, "( -- u )";
    SourceFilename = "SOURCEFILENAME", N, "( -- c-addr u )";
    Utime = "UTIME", N, "( -- ud )";
    Cputime = "CPUTIME", N, "( -- ud1 ud2 )";
}

impl SysWord {
    /// The code of the system word: `Op::Sys` with its number.
    pub fn op(self) -> Op {
        Op::Sys {
            id: crate::isa::SysId(self as u16),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = OP_WORDS.iter().map(|w| w.0).collect();
        names.extend(SysWord::NAMES);
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a word is defined twice");
    }

    #[test]
    fn sys_numbers_round_trip() {
        for &w in SysWord::ALL {
            assert_eq!(SysWord::from_u16(w as u16), Some(w));
        }
    }
}
