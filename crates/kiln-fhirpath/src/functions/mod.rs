//! The FHIRPath function catalogue: every function's name, parameters and
//! flags in one table ([`Func`] and [`Signature`]), and the implementations
//! of the functions whose arguments are plain values.
//!
//! The catalogue follows the spec's `functions.json` (§5–§10, 112 functions)
//! plus the FHIR additions (`extension`, `hasValue`, `getValue`, `resolve`,
//! `conformsTo`, `memberOf`, `subsumes`, `subsumedBy`, `htmlChecks`, …) and
//! the SQL-on-FHIR helpers `getResourceKey`/`getReferenceKey`. Functions
//! that evaluate an argument per item (`where`, `select`, `sort`,
//! `aggregate`, `iif`, …) are "scoped": the compiler turns those arguments
//! into blocks and the VM (`vm/scoped.rs`) runs them.

mod conversion;
mod existence;
mod fhir;
mod html;
mod math;
mod strings;
mod subsetting;
mod temporal_fns;

use crate::value::Value;
use crate::vm::EvalCtx;

/// How an argument is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// Evaluated once, in the caller's context (`$this` of the enclosing scope), before the call.
    Value,
    /// Evaluated per input item with `$this`, `$index` (and `$total`) set.
    Lambda,
    /// Evaluated lazily with `$this` set to the whole input (iif's branches, defineVariable's value).
    Lazy,
    /// A type specifier (`ofType(Quantity)`), resolved at compile time.
    Type,
}

/// One parameter: how it is passed and whether it may be omitted.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// How the argument is passed.
    pub kind: ArgKind,
    /// True when the argument may be left out.
    pub optional: bool,
}

/// A function's signature and flags.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// The name as written in expressions.
    pub name: &'static str,
    /// The parameters in order.
    pub params: &'static [Param],
    /// The last parameter may repeat (`coalesce`, `sort`).
    pub variadic: bool,
    /// The result depends only on the input and arguments (no clock, trace, variables or documents beyond the input), so calls on constants may be folded.
    pub pure: bool,
    /// The function's input must be a String (statically checked where the input type is known).
    pub string_input: bool,
}

const V: Param = Param {
    kind: ArgKind::Value,
    optional: false,
};
const V_OPT: Param = Param {
    kind: ArgKind::Value,
    optional: true,
};
const L: Param = Param {
    kind: ArgKind::Lambda,
    optional: false,
};
const L_OPT: Param = Param {
    kind: ArgKind::Lambda,
    optional: true,
};
const Z: Param = Param {
    kind: ArgKind::Lazy,
    optional: false,
};
const Z_OPT: Param = Param {
    kind: ArgKind::Lazy,
    optional: true,
};
const T: Param = Param {
    kind: ArgKind::Type,
    optional: false,
};

macro_rules! catalogue {
    ($( $variant:ident $name:literal [$($param:ident),*] $($flag:ident)* ;)*) => {
        /// A built-in function. `Func::ALL[f as usize] == f`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Func {
            $(
                #[doc = concat!("`", $name, "(…)`")]
                $variant,
            )*
        }

        impl Func {
            /// Every function, in declaration order.
            pub const ALL: &'static [Func] = &[$(Func::$variant),*];

            /// The function's signature.
            pub fn signature(self) -> &'static Signature {
                const SIGS: &[Signature] = &[$(
                    Signature {
                        name: $name,
                        params: &[$($param),*],
                        variadic: catalogue!(@flag variadic $($flag)*),
                        pure: !catalogue!(@flag impure $($flag)*),
                        string_input: catalogue!(@flag string $($flag)*),
                    }
                ),*];
                &SIGS[self as usize]
            }
        }
    };
    (@flag $want:ident) => { false };
    (@flag variadic variadic $($rest:ident)*) => { true };
    (@flag impure impure $($rest:ident)*) => { true };
    (@flag string string $($rest:ident)*) => { true };
    (@flag $want:ident $other:ident $($rest:ident)*) => { catalogue!(@flag $want $($rest)*) };
}

catalogue! {
    // 5.1 Existence
    Empty "empty" [];
    Exists "exists" [L_OPT];
    All "all" [L];
    AllTrue "allTrue" [];
    AnyTrue "anyTrue" [];
    AllFalse "allFalse" [];
    AnyFalse "anyFalse" [];
    SubsetOf "subsetOf" [V];
    SupersetOf "supersetOf" [V];
    Count "count" [];
    Distinct "distinct" [];
    IsDistinct "isDistinct" [];
    // 5.2 Filtering and projection
    Where "where" [L];
    Select "select" [L];
    Sort "sort" [L_OPT] variadic;
    Repeat "repeat" [L];
    RepeatAll "repeatAll" [L];
    OfType "ofType" [T];
    Coalesce "coalesce" [Z] variadic;
    // 5.3 Subsetting
    Single "single" [];
    First "first" [];
    Last "last" [];
    Tail "tail" [];
    Skip "skip" [V];
    Take "take" [V];
    Intersect "intersect" [V];
    Exclude "exclude" [V];
    // 5.4 Combining
    Union "union" [V];
    Combine "combine" [V, V_OPT];
    // 5.5 Conversion
    Iif "iif" [Z, Z, Z_OPT];
    ToBoolean "toBoolean" [];
    ConvertsToBoolean "convertsToBoolean" [];
    ToInteger "toInteger" [];
    ConvertsToInteger "convertsToInteger" [];
    ToLong "toLong" [];
    ConvertsToLong "convertsToLong" [];
    ToDate "toDate" [V_OPT];
    ConvertsToDate "convertsToDate" [V_OPT];
    ToDateTime "toDateTime" [V_OPT];
    ConvertsToDateTime "convertsToDateTime" [V_OPT];
    ToDecimal "toDecimal" [];
    ConvertsToDecimal "convertsToDecimal" [];
    ToQuantity "toQuantity" [V_OPT];
    ConvertsToQuantity "convertsToQuantity" [V_OPT];
    ToString "toString" [];
    ConvertsToString "convertsToString" [];
    ToTime "toTime" [];
    ConvertsToTime "convertsToTime" [];
    // 5.6 String manipulation
    IndexOf "indexOf" [V] string;
    LastIndexOf "lastIndexOf" [V] string;
    Substring "substring" [V, V_OPT] string;
    StartsWith "startsWith" [V] string;
    EndsWith "endsWith" [V] string;
    ContainsStr "contains" [V] string;
    Upper "upper" [] string;
    Lower "lower" [] string;
    Replace "replace" [V, V] string;
    Matches "matches" [V, V_OPT] string;
    MatchesFull "matchesFull" [V, V_OPT] string;
    ReplaceMatches "replaceMatches" [V, V, V_OPT] string;
    Length "length" [] string;
    ToChars "toChars" [] string;
    // 5.7 Additional string functions
    Encode "encode" [V] string;
    Decode "decode" [V] string;
    Escape "escape" [V] string;
    Unescape "unescape" [V] string;
    Trim "trim" [] string;
    Split "split" [V] string;
    Join "join" [V_OPT];
    // 5.8 Math
    Abs "abs" [];
    Ceiling "ceiling" [];
    Exp "exp" [];
    Floor "floor" [];
    Ln "ln" [];
    Log "log" [V];
    Power "power" [V];
    Round "round" [V_OPT];
    Sqrt "sqrt" [];
    Truncate "truncate" [];
    // 5.9 Tree navigation
    Children "children" [];
    Descendants "descendants" [];
    // 5.10 Utility functions
    Trace "trace" [V, L_OPT] impure;
    Pathname "pathname" [V_OPT];
    Now "now" [] impure;
    TimeOfDay "timeOfDay" [] impure;
    Today "today" [] impure;
    DefineVariable "defineVariable" [V, Z_OPT];
    LowBoundary "lowBoundary" [V_OPT];
    HighBoundary "highBoundary" [V_OPT];
    Precision "precision" [];
    YearOf "yearOf" [];
    MonthOf "monthOf" [];
    DayOf "dayOf" [];
    HourOf "hourOf" [];
    MinuteOf "minuteOf" [];
    SecondOf "secondOf" [];
    MillisecondOf "millisecondOf" [];
    TimezoneOffsetOf "timezoneOffsetOf" [];
    DateOf "dateOf" [];
    TimeOf "timeOf" [];
    // 5.11 Date and time interval functions
    Duration "duration" [V, V];
    Difference "difference" [V, V];
    // 6 Operations as functions
    Comparable "comparable" [V];
    Is "is" [T];
    As "as" [T];
    Not "not" [];
    // 7 Aggregates
    Aggregate "aggregate" [L, V_OPT];
    Sum "sum" [];
    Min "min" [];
    Max "max" [];
    Avg "avg" [];
    // 10 Reflection
    Type "type" [];
    // FHIR additions (FHIR R4/R5 "FHIRPath" page)
    Extension "extension" [V];
    HasValue "hasValue" [];
    GetValue "getValue" [];
    Resolve "resolve" [] impure;
    ConformsTo "conformsTo" [V] impure;
    MemberOf "memberOf" [V] impure;
    Subsumes "subsumes" [V] impure;
    SubsumedBy "subsumedBy" [V] impure;
    HtmlChecks "htmlChecks" [];
    ElementDefinition "elementDefinition" [] impure;
    Slice "slice" [V, V] impure;
    CheckModifiers "checkModifiers" [V] impure;
    // SQL on FHIR v2
    GetResourceKey "getResourceKey" [];
    GetReferenceKey "getReferenceKey" [V_OPT];
}

impl Func {
    /// The function called `name`, if any.
    pub fn by_name(name: &str) -> Option<Func> {
        Func::ALL
            .iter()
            .copied()
            .find(|f| f.signature().name == name)
    }

    /// The name as written.
    pub fn name(self) -> &'static str {
        self.signature().name
    }

    /// The function for an ISA operand.
    pub fn from_index(i: u16) -> Option<Func> {
        Func::ALL.get(i as usize).copied()
    }

    /// True when some argument is a lambda or lazy block (the VM must run it).
    pub fn is_scoped(self) -> bool {
        self.signature()
            .params
            .iter()
            .any(|p| matches!(p.kind, ArgKind::Lambda | ArgKind::Lazy))
    }
}

/// Calls function `f` whose arguments are all plain values: `input` is the
/// input collection, `args` the evaluated argument collections (as many as
/// were written), results are appended to `out`.
///
/// # Errors
/// An execution error message (wrong argument type, multiple items where
/// one is required, …).
pub fn call<'a>(
    ctx: &EvalCtx<'a>,
    f: Func,
    input: &[Value<'a>],
    args: &[&[Value<'a>]],
    out: &mut Vec<Value<'a>>,
) -> Result<(), String> {
    use Func::*;
    match f {
        Empty | Exists | AllTrue | AnyTrue | AllFalse | AnyFalse | SubsetOf | SupersetOf
        | Count | Distinct | IsDistinct | Not => existence::call(ctx, f, input, args, out),
        Single | First | Last | Tail | Skip | Take | Intersect | Exclude | Union | Combine => {
            subsetting::call(ctx, f, input, args, out)
        }
        ToBoolean | ConvertsToBoolean | ToInteger | ConvertsToInteger | ToLong | ConvertsToLong
        | ToDate | ConvertsToDate | ToDateTime | ConvertsToDateTime | ToDecimal
        | ConvertsToDecimal | ToQuantity | ConvertsToQuantity | ToString | ConvertsToString
        | ToTime | ConvertsToTime => conversion::call(ctx, f, input, args, out),
        IndexOf | LastIndexOf | Substring | StartsWith | EndsWith | ContainsStr | Upper | Lower
        | Replace | Matches | MatchesFull | ReplaceMatches | Length | ToChars | Encode | Decode
        | Escape | Unescape | Trim | Split | Join => strings::call(ctx, f, input, args, out),
        Abs | Ceiling | Exp | Floor | Ln | Log | Power | Round | Sqrt | Truncate | Sum | Min
        | Max | Avg | Comparable => math::call(ctx, f, input, args, out),
        Now | TimeOfDay | Today | LowBoundary | HighBoundary | Precision | YearOf | MonthOf
        | DayOf | HourOf | MinuteOf | SecondOf | MillisecondOf | TimezoneOffsetOf | DateOf
        | TimeOf | Duration | Difference => temporal_fns::call(ctx, f, input, args, out),
        Children | Descendants | Extension | HasValue | GetValue | Resolve | ConformsTo
        | MemberOf | Subsumes | SubsumedBy | HtmlChecks | ElementDefinition | Slice
        | CheckModifiers | GetResourceKey | GetReferenceKey | Type | Pathname => {
            fhir::call(ctx, f, input, args, out)
        }
        Where | Select | Sort | Repeat | RepeatAll | OfType | Coalesce | Iif | Trace
        | DefineVariable | Is | As | All | Aggregate => Err(format!(
            "internal error: {}() is not a value function",
            f.name()
        )),
    }
}

/// The single item of a collection that must hold at most one.
///
/// # Errors
/// When the collection holds more than one item (spec §"Singleton Evaluation of Collections").
pub fn singleton<'c, 'a>(
    items: &'c [Value<'a>],
    what: &str,
) -> Result<Option<&'c Value<'a>>, String> {
    match items {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(format!(
            "{what} expects a single item but got {} items",
            items.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_covers_the_spec() {
        // The spec's catalogue is reference text kept in ../shared, not in the repo.
        let spec = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fhirpath/spec/functions.json"
        );
        let Ok(text) = std::fs::read_to_string(spec) else {
            eprintln!("skipped: {spec} not present");
            return;
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut missing = Vec::new();
        let mut count = 0;
        for cat in json["categories"].as_array().unwrap() {
            for f in cat["functions"].as_array().unwrap() {
                count += 1;
                let name = f["functionName"].as_str().unwrap();
                match Func::by_name(name) {
                    None => missing.push(name.to_string()),
                    Some(func) => {
                        let n = f["arguments"].as_array().unwrap().len();
                        let sig = func.signature();
                        assert!(
                            sig.params.len() == n || sig.variadic,
                            "{name}: {} params vs spec {n}",
                            sig.params.len()
                        );
                    }
                }
            }
        }
        assert_eq!(count, 112);
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    #[test]
    fn table_is_consistent() {
        for (i, f) in Func::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert_eq!(Func::by_name(f.name()).map(|g| g.name()), Some(f.name()));
        }
    }
}
