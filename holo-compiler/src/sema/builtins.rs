//! The built-in functions and methods of holo, as one data table.
//!
//! The checker reads each entry's shape (receiver, parameters, result, whether it mutates its
//! receiver); the code generator maps each [`BuiltinId`] to a runtime host function through
//! [`Builtin::symbol`]. Adding a built-in means adding a `BuiltinId` variant and one row of
//! [`BUILTINS`] (in the same position; a unit test checks the order), then implementing the symbol
//! in the runtime.

use super::ty::{FnTy, Generic, Ty};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The stable identity of a built-in. The discriminant is the entry's index in [`BUILTINS`];
/// the runtime maps [`Builtin::symbol`] (not the number) to its host function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuiltinId {
    Print,
    Println,
    Assert,
    AssertEq,
    Panic,
    ReadLine,
    StdinEof,
    ReadLines,
    Args,
    ClockMs,
    RandomInt,
    RandomFloat,
    I64ToStr,
    I64ToF64,
    I64Abs,
    I64Min,
    I64Max,
    I64Pow,
    F64ToStr,
    F64ToI64,
    F64Abs,
    F64Min,
    F64Max,
    F64Sqrt,
    F64Floor,
    F64Ceil,
    F64Round,
    F64Pow,
    BoolToStr,
    StrLen,
    StrToStr,
    StrContains,
    StrStartsWith,
    StrEndsWith,
    StrFind,
    StrSubstring,
    StrCharAt,
    StrChars,
    StrSplit,
    StrTrim,
    StrToUpper,
    StrToLower,
    StrReplace,
    StrRepeat,
    StrParseI64,
    StrParseF64,
    StrIsI64,
    StrIsF64,
    ArrayLen,
    ArrayPush,
    ArrayPop,
    ArrayInsert,
    ArrayRemove,
    ArrayClear,
    ArrayContains,
    ArrayIndexOf,
    ArrayReverse,
    ArraySort,
    ArraySlice,
    ArrayJoin,
    ArrayIsEmpty,
    ArrayLast,
    ArrayFirst,
    Eprint,
    Eprintln,
    Exit,
    AssertMsg,
    ArrayMap,
    ArrayFilter,
    ArraySortBy,
    StrLines,
    I64Cmp,
    F64Cmp,
    StrCmp,
    OptionUnwrap,
    OptionExpect,
    OptionUnwrapOr,
    OptionIsSome,
    OptionIsNone,
    ResultUnwrap,
    ResultExpect,
    ResultUnwrapOr,
    ResultIsOk,
    ResultIsErr,
    MapNew,
    MapInsert,
    MapGet,
    MapRemove,
    MapContainsKey,
    MapLen,
    MapIsEmpty,
    MapKeys,
    MapValues,
    MapEntries,
}

/// A type in a built-in's signature. `Elem` is the main generic type: the element type of the
/// receiver array for array methods, the value type of an `Option` or `Result`, the key type of
/// a `Map`, or a type chosen per call for generic functions (`println`, `assert_eq`). `Val` is
/// the second: the error type of a `Result`, the value type of a `Map`, the result elements of
/// `map`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    I64,
    F64,
    Bool,
    Str,
    Unit,
    Never,
    /// The generic type `T`.
    Elem,
    /// `[T]`
    ArrayOfElem,
    /// `[str]`
    ArrayOfStr,
    /// The second generic type.
    Val,
    /// `[V]`
    ArrayOfVal,
    /// `Option<T>`
    OptionOfElem,
    /// `Option<V>`
    OptionOfVal,
    /// `Result<T, V>`
    ResultOfElemVal,
    /// `Result<i64, str>`
    ResultI64Str,
    /// `Result<f64, str>`
    ResultF64Str,
    /// `Map<T, V>`
    MapOfElemVal,
    /// `fn(T) -> V`
    FnElemToVal,
    /// `fn(T) -> bool`
    FnElemToBool,
    /// `fn(T, T) -> Ordering`
    FnCompare,
    /// `Ordering`
    Ordering,
    /// `[(T, V)]`
    ArrayOfPairs,
}

/// What `Elem` must support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemBound {
    Any,
    /// `i64`, `f64`, `bool` or `str` (what `print` can show).
    Printable,
    /// Comparable with `==`.
    Eq,
    /// Ordered: `i64`, `f64` or `str`.
    Ord,
}

/// The kind of value a built-in method is called on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReceiverKind {
    I64,
    F64,
    Bool,
    Str,
    Array,
    Option,
    Result,
    Map,
}

impl ReceiverKind {
    /// The receiver kind of a (resolved) type, if built-in methods exist for it.
    pub fn of(ty: &Ty) -> Option<ReceiverKind> {
        Some(match ty {
            Ty::I64 => ReceiverKind::I64,
            Ty::F64 => ReceiverKind::F64,
            Ty::Bool => ReceiverKind::Bool,
            Ty::Str => ReceiverKind::Str,
            Ty::Array(_) => ReceiverKind::Array,
            Ty::App(Generic::Option, _) => ReceiverKind::Option,
            Ty::App(Generic::Result, _) => ReceiverKind::Result,
            Ty::App(Generic::Map, _) => ReceiverKind::Map,
            _ => return None,
        })
    }
}

/// One built-in function or method.
#[derive(Debug)]
pub struct Builtin {
    pub id: BuiltinId,
    /// The name users write.
    pub name: &'static str,
    /// `None` for a function; the receiver's shape for a method (`Shape::ArrayOfStr` for a
    /// method that only exists on `[str]`).
    pub receiver: Option<Shape>,
    pub params: &'static [Shape],
    pub ret: Shape,
    /// The method changes its receiver (which must then be a mutable place).
    pub mutates_receiver: bool,
    /// What the generic `Elem` type must support.
    pub bound: ElemBound,
    /// The runtime host function that implements it.
    pub symbol: &'static str,
    /// The host function gets the descriptor of the result type (after the element type's,
    /// if it is generic): it builds a value of that type (an `Option`, an array, a `Map`).
    pub ret_desc: bool,
}

impl Builtin {
    pub fn receiver_kind(&self) -> Option<ReceiverKind> {
        self.receiver.map(|shape| match shape {
            Shape::I64 => ReceiverKind::I64,
            Shape::F64 => ReceiverKind::F64,
            Shape::Bool => ReceiverKind::Bool,
            Shape::Str => ReceiverKind::Str,
            Shape::OptionOfElem => ReceiverKind::Option,
            Shape::ResultOfElemVal => ReceiverKind::Result,
            Shape::MapOfElemVal => ReceiverKind::Map,
            _ => ReceiverKind::Array,
        })
    }

    /// Whether the built-in uses the generic `Elem` type anywhere (then its host function gets
    /// the element type's descriptor first).
    pub fn is_generic(&self) -> bool {
        let generic = |s: &Shape| {
            matches!(
                s,
                Shape::Elem | Shape::ArrayOfElem | Shape::OptionOfElem | Shape::ResultOfElemVal
            )
        };
        self.receiver.iter().any(generic) || self.params.iter().any(generic) || generic(&self.ret)
    }
}

/// Instantiates a shape with concrete (or inference-variable) generic types.
pub fn instantiate(shape: Shape, elem: &Ty, val: &Ty) -> Ty {
    match shape {
        Shape::Val => val.clone(),
        Shape::ArrayOfVal => Ty::array(val.clone()),
        Shape::OptionOfElem => Ty::option(elem.clone()),
        Shape::OptionOfVal => Ty::option(val.clone()),
        Shape::ResultOfElemVal => Ty::result(elem.clone(), val.clone()),
        Shape::ResultI64Str => Ty::result(Ty::I64, Ty::Str),
        Shape::ResultF64Str => Ty::result(Ty::F64, Ty::Str),
        Shape::MapOfElemVal => Ty::App(Generic::Map, Arc::new(vec![elem.clone(), val.clone()])),
        Shape::FnElemToVal => Ty::Fn(Arc::new(FnTy {
            params: vec![elem.clone()],
            ret: val.clone(),
        })),
        Shape::FnElemToBool => Ty::Fn(Arc::new(FnTy {
            params: vec![elem.clone()],
            ret: Ty::Bool,
        })),
        Shape::FnCompare => Ty::Fn(Arc::new(FnTy {
            params: vec![elem.clone(), elem.clone()],
            ret: Ty::ordering(),
        })),
        Shape::Ordering => Ty::ordering(),
        Shape::ArrayOfPairs => Ty::array(Ty::Tuple(Arc::new(vec![elem.clone(), val.clone()]))),
        Shape::I64 => Ty::I64,
        Shape::F64 => Ty::F64,
        Shape::Bool => Ty::Bool,
        Shape::Str => Ty::Str,
        Shape::Unit => Ty::Unit,
        Shape::Never => Ty::Never,
        Shape::Elem => elem.clone(),
        Shape::ArrayOfElem => Ty::array(elem.clone()),
        Shape::ArrayOfStr => Ty::array(Ty::Str),
    }
}

use ElemBound::{Any, Eq as EqB, Ord as OrdB, Printable};
use Shape::{
    ArrayOfElem as ArrT, ArrayOfStr as ArrStr, Bool, Elem as T, F64, I64, Never, Str, Unit,
};
use Shape::{
    ArrayOfVal as ArrV, FnCompare, FnElemToBool, FnElemToVal, MapOfElemVal as MapKV,
    OptionOfElem as OptT, OptionOfVal as OptV, Ordering as Ord_, ResultF64Str, ResultI64Str,
    ResultOfElemVal as ResTE, Val as V,
};

const fn func(
    id: BuiltinId,
    name: &'static str,
    params: &'static [Shape],
    ret: Shape,
    bound: ElemBound,
    symbol: &'static str,
) -> Builtin {
    Builtin {
        id,
        name,
        receiver: None,
        params,
        ret,
        mutates_receiver: false,
        bound,
        symbol,
        ret_desc: false,
    }
}

const fn method(
    id: BuiltinId,
    receiver: Shape,
    name: &'static str,
    params: &'static [Shape],
    ret: Shape,
    symbol: &'static str,
) -> Builtin {
    Builtin {
        id,
        name,
        receiver: Some(receiver),
        params,
        ret,
        mutates_receiver: false,
        bound: Any,
        symbol,
        ret_desc: false,
    }
}

/// The host function builds its result from the result type's descriptor.
const fn builds(b: Builtin) -> Builtin {
    Builtin {
        ret_desc: true,
        ..b
    }
}

const fn mutating(b: Builtin) -> Builtin {
    Builtin {
        mutates_receiver: true,
        ..b
    }
}

const fn bounded(b: Builtin, bound: ElemBound) -> Builtin {
    Builtin { bound, ..b }
}

use BuiltinId as B;

/// Every built-in, indexed by `BuiltinId as usize`.
pub static BUILTINS: &[Builtin] = &[
    func(B::Print, "print", &[T], Unit, Printable, "holo_print"),
    func(B::Println, "println", &[T], Unit, Printable, "holo_println"),
    func(B::Assert, "assert", &[Bool], Unit, Any, "holo_assert"),
    func(
        B::AssertEq,
        "assert_eq",
        &[T, T],
        Unit,
        EqB,
        "holo_assert_eq",
    ),
    func(B::Panic, "panic", &[Str], Never, Any, "holo_panic"),
    func(B::ReadLine, "read_line", &[], Str, Any, "holo_read_line"),
    func(B::StdinEof, "stdin_eof", &[], Bool, Any, "holo_stdin_eof"),
    func(
        B::ReadLines,
        "read_lines",
        &[],
        ArrStr,
        Any,
        "holo_read_lines",
    ),
    func(B::Args, "args", &[], ArrStr, Any, "holo_args"),
    func(B::ClockMs, "clock_ms", &[], I64, Any, "holo_clock_ms"),
    func(
        B::RandomInt,
        "random_int",
        &[I64, I64],
        I64,
        Any,
        "holo_random_int",
    ),
    func(
        B::RandomFloat,
        "random_float",
        &[],
        F64,
        Any,
        "holo_random_float",
    ),
    method(B::I64ToStr, I64, "to_str", &[], Str, "holo_i64_to_str"),
    method(B::I64ToF64, I64, "to_f64", &[], F64, "holo_i64_to_f64"),
    method(B::I64Abs, I64, "abs", &[], I64, "holo_i64_abs"),
    method(B::I64Min, I64, "min", &[I64], I64, "holo_i64_min"),
    method(B::I64Max, I64, "max", &[I64], I64, "holo_i64_max"),
    method(B::I64Pow, I64, "pow", &[I64], I64, "holo_i64_pow"),
    method(B::F64ToStr, F64, "to_str", &[], Str, "holo_f64_to_str"),
    method(B::F64ToI64, F64, "to_i64", &[], I64, "holo_f64_to_i64"),
    method(B::F64Abs, F64, "abs", &[], F64, "holo_f64_abs"),
    method(B::F64Min, F64, "min", &[F64], F64, "holo_f64_min"),
    method(B::F64Max, F64, "max", &[F64], F64, "holo_f64_max"),
    method(B::F64Sqrt, F64, "sqrt", &[], F64, "holo_f64_sqrt"),
    method(B::F64Floor, F64, "floor", &[], F64, "holo_f64_floor"),
    method(B::F64Ceil, F64, "ceil", &[], F64, "holo_f64_ceil"),
    method(B::F64Round, F64, "round", &[], F64, "holo_f64_round"),
    method(B::F64Pow, F64, "pow", &[F64], F64, "holo_f64_pow"),
    method(B::BoolToStr, Bool, "to_str", &[], Str, "holo_bool_to_str"),
    method(B::StrLen, Str, "len", &[], I64, "holo_str_len"),
    method(B::StrToStr, Str, "to_str", &[], Str, "holo_str_to_str"),
    method(
        B::StrContains,
        Str,
        "contains",
        &[Str],
        Bool,
        "holo_str_contains",
    ),
    method(
        B::StrStartsWith,
        Str,
        "starts_with",
        &[Str],
        Bool,
        "holo_str_starts_with",
    ),
    method(
        B::StrEndsWith,
        Str,
        "ends_with",
        &[Str],
        Bool,
        "holo_str_ends_with",
    ),
    method(B::StrFind, Str, "find", &[Str], I64, "holo_str_find"),
    method(
        B::StrSubstring,
        Str,
        "substring",
        &[I64, I64],
        Str,
        "holo_str_substring",
    ),
    method(
        B::StrCharAt,
        Str,
        "char_at",
        &[I64],
        Str,
        "holo_str_char_at",
    ),
    method(B::StrChars, Str, "chars", &[], ArrStr, "holo_str_chars"),
    method(B::StrSplit, Str, "split", &[Str], ArrStr, "holo_str_split"),
    method(B::StrTrim, Str, "trim", &[], Str, "holo_str_trim"),
    method(
        B::StrToUpper,
        Str,
        "to_upper",
        &[],
        Str,
        "holo_str_to_upper",
    ),
    method(
        B::StrToLower,
        Str,
        "to_lower",
        &[],
        Str,
        "holo_str_to_lower",
    ),
    method(
        B::StrReplace,
        Str,
        "replace",
        &[Str, Str],
        Str,
        "holo_str_replace",
    ),
    method(B::StrRepeat, Str, "repeat", &[I64], Str, "holo_str_repeat"),
    builds(method(
        B::StrParseI64,
        Str,
        "parse_i64",
        &[],
        ResultI64Str,
        "holo_str_parse_i64",
    )),
    builds(method(
        B::StrParseF64,
        Str,
        "parse_f64",
        &[],
        ResultF64Str,
        "holo_str_parse_f64",
    )),
    method(B::StrIsI64, Str, "is_i64", &[], Bool, "holo_str_is_i64"),
    method(B::StrIsF64, Str, "is_f64", &[], Bool, "holo_str_is_f64"),
    method(B::ArrayLen, ArrT, "len", &[], I64, "holo_array_len"),
    mutating(method(
        B::ArrayPush,
        ArrT,
        "push",
        &[T],
        Unit,
        "holo_array_push",
    )),
    mutating(method(B::ArrayPop, ArrT, "pop", &[], T, "holo_array_pop")),
    mutating(method(
        B::ArrayInsert,
        ArrT,
        "insert",
        &[I64, T],
        Unit,
        "holo_array_insert",
    )),
    mutating(method(
        B::ArrayRemove,
        ArrT,
        "remove",
        &[I64],
        T,
        "holo_array_remove",
    )),
    mutating(method(
        B::ArrayClear,
        ArrT,
        "clear",
        &[],
        Unit,
        "holo_array_clear",
    )),
    bounded(
        method(
            B::ArrayContains,
            ArrT,
            "contains",
            &[T],
            Bool,
            "holo_array_contains",
        ),
        EqB,
    ),
    bounded(
        method(
            B::ArrayIndexOf,
            ArrT,
            "index_of",
            &[T],
            I64,
            "holo_array_index_of",
        ),
        EqB,
    ),
    mutating(method(
        B::ArrayReverse,
        ArrT,
        "reverse",
        &[],
        Unit,
        "holo_array_reverse",
    )),
    bounded(
        mutating(method(
            B::ArraySort,
            ArrT,
            "sort",
            &[],
            Unit,
            "holo_array_sort",
        )),
        OrdB,
    ),
    method(
        B::ArraySlice,
        ArrT,
        "slice",
        &[I64, I64],
        ArrT,
        "holo_array_slice",
    ),
    method(B::ArrayJoin, ArrStr, "join", &[Str], Str, "holo_array_join"),
    method(
        B::ArrayIsEmpty,
        ArrT,
        "is_empty",
        &[],
        Bool,
        "holo_array_is_empty",
    ),
    method(B::ArrayLast, ArrT, "last", &[], T, "holo_array_last"),
    method(B::ArrayFirst, ArrT, "first", &[], T, "holo_array_first"),
    func(B::Eprint, "eprint", &[T], Unit, Printable, "holo_eprint"),
    func(
        B::Eprintln,
        "eprintln",
        &[T],
        Unit,
        Printable,
        "holo_eprintln",
    ),
    func(B::Exit, "exit", &[I64], Never, Any, "holo_exit"),
    // `assert(cond, msg)`: found by its argument count (see `lookup_function_arity`).
    func(
        B::AssertMsg,
        "assert",
        &[Bool, Str],
        Unit,
        Any,
        "holo_assert_msg",
    ),
    builds(method(
        B::ArrayMap,
        ArrT,
        "map",
        &[FnElemToVal],
        ArrV,
        "holo_array_map",
    )),
    method(
        B::ArrayFilter,
        ArrT,
        "filter",
        &[FnElemToBool],
        ArrT,
        "holo_array_filter",
    ),
    mutating(method(
        B::ArraySortBy,
        ArrT,
        "sort_by",
        &[FnCompare],
        Unit,
        "holo_array_sort_by",
    )),
    method(B::StrLines, Str, "lines", &[], ArrStr, "holo_str_lines"),
    builds(method(B::I64Cmp, I64, "cmp", &[I64], Ord_, "holo_i64_cmp")),
    builds(method(B::F64Cmp, F64, "cmp", &[F64], Ord_, "holo_f64_cmp")),
    builds(method(B::StrCmp, Str, "cmp", &[Str], Ord_, "holo_str_cmp")),
    method(
        B::OptionUnwrap,
        OptT,
        "unwrap",
        &[],
        T,
        "holo_option_unwrap",
    ),
    method(
        B::OptionExpect,
        OptT,
        "expect",
        &[Str],
        T,
        "holo_option_expect",
    ),
    method(
        B::OptionUnwrapOr,
        OptT,
        "unwrap_or",
        &[T],
        T,
        "holo_option_unwrap_or",
    ),
    method(
        B::OptionIsSome,
        OptT,
        "is_some",
        &[],
        Bool,
        "holo_option_is_some",
    ),
    method(
        B::OptionIsNone,
        OptT,
        "is_none",
        &[],
        Bool,
        "holo_option_is_none",
    ),
    method(
        B::ResultUnwrap,
        ResTE,
        "unwrap",
        &[],
        T,
        "holo_result_unwrap",
    ),
    method(
        B::ResultExpect,
        ResTE,
        "expect",
        &[Str],
        T,
        "holo_result_expect",
    ),
    method(
        B::ResultUnwrapOr,
        ResTE,
        "unwrap_or",
        &[T],
        T,
        "holo_result_unwrap_or",
    ),
    method(
        B::ResultIsOk,
        ResTE,
        "is_ok",
        &[],
        Bool,
        "holo_result_is_ok",
    ),
    method(
        B::ResultIsErr,
        ResTE,
        "is_err",
        &[],
        Bool,
        "holo_result_is_err",
    ),
    // `Map::new()`: called through its path (see `lookup_assoc`), never by a bare name.
    builds(func(B::MapNew, "Map::new", &[], MapKV, Any, "holo_map_new")),
    bounded(
        mutating(method(
            B::MapInsert,
            MapKV,
            "insert",
            &[T, V],
            Unit,
            "holo_map_insert",
        )),
        EqB,
    ),
    builds(method(B::MapGet, MapKV, "get", &[T], OptV, "holo_map_get")),
    builds(mutating(method(
        B::MapRemove,
        MapKV,
        "remove",
        &[T],
        OptV,
        "holo_map_remove",
    ))),
    method(
        B::MapContainsKey,
        MapKV,
        "contains_key",
        &[T],
        Bool,
        "holo_map_contains_key",
    ),
    method(B::MapLen, MapKV, "len", &[], I64, "holo_map_len"),
    method(
        B::MapIsEmpty,
        MapKV,
        "is_empty",
        &[],
        Bool,
        "holo_map_is_empty",
    ),
    builds(method(
        B::MapKeys,
        MapKV,
        "keys",
        &[],
        ArrT,
        "holo_map_keys",
    )),
    builds(method(
        B::MapValues,
        MapKV,
        "values",
        &[],
        ArrV,
        "holo_map_values",
    )),
    builds(method(
        B::MapEntries,
        MapKV,
        "entries",
        &[],
        Shape::ArrayOfPairs,
        "holo_map_entries",
    )),
];

/// The table entry of a built-in.
pub fn builtin(id: BuiltinId) -> &'static Builtin {
    &BUILTINS[id as usize]
}

struct Index {
    functions: HashMap<&'static str, BuiltinId>,
    methods: HashMap<(ReceiverKind, &'static str), BuiltinId>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut functions = HashMap::new();
        let mut methods = HashMap::new();
        for b in BUILTINS {
            match b.receiver_kind() {
                None => {
                    // The first entry of a name is the one found by name alone.
                    functions.entry(b.name).or_insert(b.id);
                }
                Some(kind) => {
                    methods.insert((kind, b.name), b.id);
                }
            }
        }
        Index { functions, methods }
    })
}

/// The built-in function called `name`, if there is one.
pub fn lookup_function(name: &str) -> Option<&'static Builtin> {
    index().functions.get(name).map(|&id| builtin(id))
}

/// The built-in function called `name` that takes `n` arguments; the one of that name with
/// the most parameters not above `n` otherwise (so that a wrong count is reported against it).
pub fn lookup_function_arity(name: &str, n: usize) -> Option<&'static Builtin> {
    let first = lookup_function(name)?;
    BUILTINS
        .iter()
        .filter(|b| b.receiver.is_none() && b.name == name)
        .find(|b| b.params.len() == n)
        .or(Some(first))
}

/// `Type::function` of the prelude: `Map::new`.
pub fn lookup_assoc(ty: &str, name: &str) -> Option<&'static Builtin> {
    match (ty, name) {
        ("Map", "new") => Some(builtin(BuiltinId::MapNew)),
        _ => None,
    }
}

/// The built-in method `name` on values of kind `kind`, if there is one.
pub fn lookup_method(kind: ReceiverKind, name: &str) -> Option<&'static Builtin> {
    index().methods.get(&(kind, name)).map(|&id| builtin(id))
}

/// The names of the built-in functions (for "did you mean" suggestions).
pub fn function_names() -> impl Iterator<Item = &'static str> {
    BUILTINS
        .iter()
        .filter(|b| b.receiver.is_none() && !b.name.contains("::"))
        .map(|b| b.name)
}

/// The names of the built-in methods on a kind of value (for "did you mean" suggestions).
pub fn method_names(kind: ReceiverKind) -> impl Iterator<Item = &'static str> {
    BUILTINS
        .iter()
        .filter(move |b| b.receiver_kind() == Some(kind))
        .map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_indexed_by_id() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert_eq!(b.id as usize, i, "`{}` is out of place in BUILTINS", b.name);
        }
        assert_eq!(BUILTINS.len(), BuiltinId::MapEntries as usize + 1);
    }

    #[test]
    fn symbols_and_names_are_unique() {
        let mut symbols = HashSet::new();
        let mut names = HashSet::new();
        for b in BUILTINS {
            assert!(symbols.insert(b.symbol), "symbol {} twice", b.symbol);
            assert!(
                names.insert((b.receiver_kind(), b.name, b.params.len())),
                "{} twice",
                b.name
            );
        }
    }

    #[test]
    fn lookups_find_functions_and_methods() {
        assert_eq!(
            lookup_function("println").map(|b| b.id),
            Some(BuiltinId::Println)
        );
        assert!(lookup_function("push").is_none());
        let push = lookup_method(ReceiverKind::Array, "push").map(|b| b.id);
        assert_eq!(push, Some(BuiltinId::ArrayPush));
        assert!(builtin(BuiltinId::ArrayPush).mutates_receiver);
        assert!(lookup_method(ReceiverKind::I64, "push").is_none());
        assert!(!builtin(BuiltinId::ArrayJoin).is_generic());
    }
}
