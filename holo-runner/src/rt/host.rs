//! The host functions generated code calls: every built-in of `sema/builtins.rs`, plus
//! allocation, copy on write, equality and the error and stack-trace hooks.
//!
//! Every host function has the same shape: `extern "C" fn(*mut Rt, i64 …) -> i64`, with values
//! passed and returned as 8-byte words (see [`super::heap`]); `()` results are 0. Generic
//! built-ins get the descriptor of their element type as the first word. Mutating built-ins get
//! the address of a slot holding their receiver, which they may replace (copy on write,
//! growth). Arguments are borrowed; what a host function stores it retains, and what it returns
//! is owned by the caller. A host function that fails records the error in the [`Rt`] and
//! returns 0; generated code checks [`Rt::failed`] after every call marked fallible in
//! [`HOST_FUNCTIONS`].
//!
//! Host functions must never panic (a panic cannot unwind through generated code).

use super::Rt;
use super::desc::{Kind, TypeDesc};
use super::heap::{self, Obj};
use super::host_prelude::*;
use crate::error::RuntimeErrorKind;

/// A host function as generated code sees it.
pub struct HostFn {
    pub name: &'static str,
    pub ptr: *const u8,
    /// Word parameters after the `Rt` pointer.
    pub params: usize,
    /// Whether it can fail (generated code checks for an error after calling it).
    pub fallible: bool,
}

// SAFETY: the pointers are addresses of functions, which are immutable and valid everywhere.
unsafe impl Sync for HostFn {}
// SAFETY: as above.
unsafe impl Send for HostFn {}

macro_rules! host {
    ($name:ident, $params:expr, $fallible:expr) => {
        HostFn {
            name: stringify!($name),
            ptr: $name as *const u8,
            params: $params,
            fallible: $fallible,
        }
    };
}

/// Every host function, by symbol. Those that allocate values are fallible too: a run that
/// goes over its memory limit stops after the allocation (see `rt::over_budget`).
pub static HOST_FUNCTIONS: &[HostFn] = &[
    // ----- the runtime's own hooks
    host!(holo_rt_free, 2, false),
    host!(holo_rt_unique, 2, false),
    host!(holo_rt_new_struct, 1, true),
    host!(holo_rt_new_enum, 2, true),
    host!(holo_rt_new_array, 2, true),
    host!(holo_rt_str_concat, 2, true),
    host!(holo_rt_str_append, 2, true),
    host!(holo_rt_equal, 3, false),
    host!(holo_rt_compare, 3, false),
    host!(holo_rt_error, 3, true),
    host!(holo_rt_trace, 2, false),
    host!(holo_rt_f64_rem, 2, false),
    // ----- built-in functions
    host!(holo_print, 2, false),
    host!(holo_println, 2, false),
    host!(holo_assert, 1, true),
    host!(holo_assert_eq, 3, true),
    host!(holo_panic, 1, true),
    host!(holo_read_line, 0, false),
    host!(holo_stdin_eof, 0, false),
    host!(holo_read_lines, 0, true),
    host!(holo_args, 0, false),
    host!(holo_clock_ms, 0, false),
    host!(holo_random_int, 2, true),
    host!(holo_random_float, 0, false),
    // ----- numbers
    host!(holo_i64_to_str, 1, true),
    host!(holo_i64_abs, 1, true),
    host!(holo_i64_pow, 2, true),
    host!(holo_f64_to_str, 1, true),
    host!(holo_f64_min, 2, false),
    host!(holo_f64_max, 2, false),
    host!(holo_f64_round, 1, false),
    host!(holo_f64_pow, 2, false),
    host!(holo_bool_to_str, 1, false),
    // ----- strings
    host!(holo_str_to_str, 1, false),
    host!(holo_str_contains, 2, false),
    host!(holo_str_starts_with, 2, false),
    host!(holo_str_ends_with, 2, false),
    host!(holo_str_find, 2, false),
    host!(holo_str_substring, 3, true),
    host!(holo_str_char_at, 2, true),
    host!(holo_str_chars, 1, true),
    host!(holo_str_split, 2, true),
    host!(holo_str_trim, 1, false),
    host!(holo_str_to_upper, 1, true),
    host!(holo_str_to_lower, 1, true),
    host!(holo_str_replace, 3, true),
    host!(holo_str_repeat, 2, true),
    host!(holo_str_parse_i64, 2, true),
    host!(holo_str_parse_f64, 2, true),
    host!(holo_str_is_i64, 1, false),
    host!(holo_str_is_f64, 1, false),
    // ----- arrays
    host!(holo_array_push, 3, true),
    host!(holo_array_pop, 2, true),
    host!(holo_array_insert, 4, true),
    host!(holo_array_remove, 3, true),
    host!(holo_array_clear, 2, false),
    host!(holo_array_contains, 3, false),
    host!(holo_array_index_of, 3, false),
    host!(holo_array_reverse, 2, false),
    host!(holo_array_sort, 2, false),
    host!(holo_array_slice, 4, true),
    host!(holo_array_join, 2, true),
    host!(holo_array_last, 2, true),
    host!(holo_array_first, 2, true),
    // ----- the second core (`host_prelude`)
    host!(holo_eprint, 2, false),
    host!(holo_eprintln, 2, false),
    host!(holo_exit, 1, true),
    host!(holo_assert_msg, 2, true),
    host!(holo_str_lines, 1, true),
    host!(holo_i64_cmp, 3, true),
    host!(holo_f64_cmp, 3, true),
    host!(holo_str_cmp, 3, true),
    host!(holo_option_unwrap, 2, true),
    host!(holo_option_expect, 3, true),
    host!(holo_option_unwrap_or, 3, false),
    host!(holo_option_is_some, 2, false),
    host!(holo_option_is_none, 2, false),
    host!(holo_result_unwrap, 2, true),
    host!(holo_result_expect, 3, true),
    host!(holo_result_unwrap_or, 3, false),
    host!(holo_result_is_ok, 2, false),
    host!(holo_result_is_err, 2, false),
    host!(holo_map_new, 1, true),
    host!(holo_map_insert, 4, true),
    host!(holo_map_get, 4, true),
    host!(holo_map_remove, 4, true),
    host!(holo_map_contains_key, 3, false),
    host!(holo_map_len, 1, false),
    host!(holo_map_is_empty, 1, false),
    host!(holo_map_keys, 3, true),
    host!(holo_map_values, 2, true),
    host!(holo_map_entries, 2, true),
    host!(holo_array_map, 4, true),
    host!(holo_array_filter, 3, true),
    host!(holo_array_sort_by, 3, true),
];

/// The host function with the given symbol.
pub fn host_fn(name: &str) -> Option<&'static HostFn> {
    HOST_FUNCTIONS.iter().find(|h| h.name == name)
}

/// Codes of the errors generated code reports through [`holo_rt_error`].
pub mod error_code {
    pub const ADD_OVERFLOW: i64 = 0;
    pub const SUB_OVERFLOW: i64 = 1;
    pub const MUL_OVERFLOW: i64 = 2;
    pub const DIV_OVERFLOW: i64 = 3;
    pub const NEG_OVERFLOW: i64 = 4;
    pub const DIVISION_BY_ZERO: i64 = 5;
    pub const INDEX_OUT_OF_BOUNDS: i64 = 6;
    pub const STACK_OVERFLOW: i64 = 7;
    pub const NOT_COMPILED: i64 = 8;
    /// `x.to_i64()` of an `f64` that is NaN or outside the range of `i64`; `a` is its bits.
    pub const F64_TO_I64: i64 = 9;
}

// ----- helpers ------------------------------------------------------------------------------

pub(super) fn rt<'a>(rt: *mut Rt) -> &'a mut Rt {
    // SAFETY: generated code passes the `Rt` of the current run, exclusively.
    unsafe { &mut *rt }
}

pub(super) fn fail(r: *mut Rt, kind: RuntimeErrorKind) -> i64 {
    rt(r).fail(kind);
    0
}

pub(super) fn invalid(r: *mut Rt, message: String) -> i64 {
    fail(r, RuntimeErrorKind::InvalidOperation(message))
}

pub(super) fn text<'a>(s: i64) -> &'a str {
    // SAFETY: generated code passes live strings as the words of `str` parameters.
    unsafe { heap::str_text(s as Obj) }
}

pub(super) fn new_str(s: &str) -> i64 {
    heap::new_str(s.as_bytes()) as i64
}

pub(super) fn desc<'a>(d: i64) -> &'a TypeDesc {
    // SAFETY: generated code passes descriptors of the program being run.
    unsafe { TypeDesc::get(d as *const TypeDesc) }
}

/// A new `[str]` holding the given strings.
pub(super) fn str_array(r: *mut Rt, items: impl IntoIterator<Item = i64>) -> i64 {
    let items: Vec<i64> = items.into_iter().collect();
    let elem = rt(r).str_desc();
    // SAFETY: the `str` descriptor is static.
    let arr = unsafe { heap::new_array(elem, items.len()) };
    // SAFETY: the array was just made with `items.len()` word-wide slots.
    unsafe { heap::array_words(arr).copy_from_slice(&items) };
    arr as i64
}

impl Rt {
    /// The descriptor of `str` (for the `[str]` results of `split`, `chars`, `args` …).
    fn str_desc(&self) -> *const TypeDesc {
        &*STR_DESC as *const TypeDesc
    }
}

/// A `str` descriptor that every program shares (descriptors of scalar types and `str` have no
/// program-specific parts).
static STR_DESC: TypeDescStatic = TypeDescStatic::new();

/// A `TypeDesc` usable in a `static` (its pointer fields are null; `str` needs none).
struct TypeDescStatic(std::sync::OnceLock<TypeDesc>);

impl TypeDescStatic {
    const fn new() -> Self {
        TypeDescStatic(std::sync::OnceLock::new())
    }
}

impl std::ops::Deref for TypeDescStatic {
    type Target = TypeDesc;
    fn deref(&self) -> &TypeDesc {
        self.0.get_or_init(|| TypeDesc {
            kind: Kind::Str,
            name: "str".to_string(),
            elem: std::ptr::null(),
            fields: Vec::new(),
            variants: Vec::new(),
            tuple: false,
            prelude: false,
        })
    }
}

// SAFETY: the static descriptor is immutable after initialization and has no pointers.
unsafe impl Sync for TypeDescStatic {}

pub(super) fn kind_of(code: i64) -> Kind {
    match code {
        0 => Kind::Str,
        1 => Kind::Array,
        2 => Kind::Struct,
        4 => Kind::Map,
        5 => Kind::Fn,
        _ => Kind::Enum,
    }
}

/// The code generated code passes for a heap kind (see [`holo_rt_free`]).
pub fn kind_code(kind: Kind) -> i64 {
    match kind {
        Kind::Str => 0,
        Kind::Array => 1,
        Kind::Struct => 2,
        Kind::Map => 4,
        Kind::Fn => 5,
        _ => 3,
    }
}

// ----- the runtime's hooks ------------------------------------------------------------------

/// Frees an object whose count generated code brought to zero.
pub extern "C" fn holo_rt_free(_rt: *mut Rt, obj: i64, kind: i64) -> i64 {
    // SAFETY: generated code calls this exactly when the count of a live object reaches 0.
    unsafe { heap::free(obj as Obj, kind_of(kind)) };
    0
}

/// Copy on write: a version of `obj` the caller holds alone (see [`heap::make_unique`]).
pub extern "C" fn holo_rt_unique(_rt: *mut Rt, obj: i64, kind: i64) -> i64 {
    // SAFETY: generated code passes an object it owns a reference of.
    unsafe { heap::make_unique(obj as Obj, kind_of(kind)) as i64 }
}

pub extern "C" fn holo_rt_new_struct(_rt: *mut Rt, desc: i64) -> i64 {
    // SAFETY: generated code passes a descriptor of the program being run.
    unsafe { heap::new_struct(desc as *const TypeDesc) as i64 }
}

pub extern "C" fn holo_rt_new_enum(_rt: *mut Rt, desc: i64, tag: i64) -> i64 {
    // SAFETY: generated code passes a descriptor of the program being run.
    unsafe { heap::new_enum(desc as *const TypeDesc, tag as usize) as i64 }
}

pub extern "C" fn holo_rt_new_array(_rt: *mut Rt, elem: i64, len: i64) -> i64 {
    // SAFETY: generated code passes descriptors of the program being run.
    unsafe { heap::new_array(elem as *const TypeDesc, len.max(0) as usize) as i64 }
}

pub extern "C" fn holo_rt_str_concat(_rt: *mut Rt, a: i64, b: i64) -> i64 {
    // SAFETY: generated code passes two live strings.
    unsafe { heap::str_concat(a as Obj, b as Obj) as i64 }
}

/// `a + b` where the caller gives up its reference of `a` (for `s += t`).
pub extern "C" fn holo_rt_str_append(_rt: *mut Rt, a: i64, b: i64) -> i64 {
    // SAFETY: generated code passes a string it owns and a live string.
    unsafe { heap::str_append(a as Obj, b as Obj) as i64 }
}

pub extern "C" fn holo_rt_equal(_rt: *mut Rt, desc: i64, a: i64, b: i64) -> i64 {
    // SAFETY: generated code passes two values of the described type.
    i64::from(unsafe { heap::equal(a, b, desc as *const TypeDesc) })
}

pub extern "C" fn holo_rt_compare(_rt: *mut Rt, desc: i64, a: i64, b: i64) -> i64 {
    // SAFETY: generated code passes two values of the described type.
    match unsafe { heap::compare(a, b, desc as *const TypeDesc) } {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

/// A runtime error detected by generated code (see [`error_code`]).
pub extern "C" fn holo_rt_error(r: *mut Rt, code: i64, a: i64, b: i64) -> i64 {
    use error_code::*;
    let kind = match code {
        ADD_OVERFLOW | SUB_OVERFLOW | MUL_OVERFLOW | DIV_OVERFLOW => RuntimeErrorKind::Overflow {
            op: ["+", "-", "*", "/"][code as usize],
            lhs: a,
            rhs: Some(b),
        },
        NEG_OVERFLOW => RuntimeErrorKind::Overflow {
            op: "-",
            lhs: a,
            rhs: None,
        },
        DIVISION_BY_ZERO => RuntimeErrorKind::DivisionByZero,
        INDEX_OUT_OF_BOUNDS => RuntimeErrorKind::IndexOutOfBounds { index: a, len: b },
        STACK_OVERFLOW => RuntimeErrorKind::StackOverflow,
        F64_TO_I64 => crate::arith::f64_to_i64(f64::from_bits(a as u64))
            .err()
            .unwrap_or_else(|| {
                RuntimeErrorKind::InvalidOperation(
                    "internal error: a float reported as out of range is not; please report this as a bug"
                        .to_string(),
                )
            }),
        _ => RuntimeErrorKind::InvalidOperation(
            "internal error: a function was called that was not compiled; please report this as a bug"
                .to_string(),
        ),
    };
    fail(r, kind)
}

/// Adds a frame to the stack trace while generated code returns after an error.
pub extern "C" fn holo_rt_trace(r: *mut Rt, func: i64, site: i64) -> i64 {
    rt(r).trace(func as u32, site as u32);
    0
}

/// The target of every dispatch-table slot whose function is not compiled: fails the run.
/// Generated code calls it with the signature of the missing function; the extra arguments
/// are ignored, and the caller sees the error before it looks at the (garbage) result.
pub extern "C" fn holo_rt_not_compiled(r: *mut Rt) -> i64 {
    holo_rt_error(r, error_code::NOT_COMPILED, 0, 0)
}

/// `a % b` on `f64` (cranelift has no instruction for it).
pub extern "C" fn holo_rt_f64_rem(_rt: *mut Rt, a: i64, b: i64) -> i64 {
    (f64::from_bits(a as u64) % f64::from_bits(b as u64)).to_bits() as i64
}

// ----- built-in functions -------------------------------------------------------------------

pub(super) fn print_value(r: *mut Rt, d: i64, value: i64, newline: bool) {
    let mut s = String::new();
    // SAFETY: generated code passes a value of the described type.
    unsafe { heap::format_value(&mut s, value, d as *const TypeDesc, false) };
    if newline {
        s.push('\n');
    }
    rt(r).write(s.as_bytes());
}

pub extern "C" fn holo_print(r: *mut Rt, d: i64, value: i64) -> i64 {
    print_value(r, d, value, false);
    0
}

pub extern "C" fn holo_println(r: *mut Rt, d: i64, value: i64) -> i64 {
    print_value(r, d, value, true);
    0
}

pub extern "C" fn holo_assert(r: *mut Rt, cond: i64) -> i64 {
    if cond & 0xff == 0 {
        return fail(r, RuntimeErrorKind::AssertionFailed);
    }
    0
}

pub extern "C" fn holo_assert_eq(r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    let desc_ptr = d as *const TypeDesc;
    // SAFETY: generated code passes two values of the described type.
    if unsafe { heap::equal(a, b, desc_ptr) } {
        return 0;
    }
    let (mut left, mut right) = (String::new(), String::new());
    // SAFETY: as above.
    unsafe {
        heap::format_value(&mut left, a, desc_ptr, true);
        heap::format_value(&mut right, b, desc_ptr, true);
    }
    fail(r, RuntimeErrorKind::AssertEqFailed { left, right })
}

pub extern "C" fn holo_panic(r: *mut Rt, msg: i64) -> i64 {
    let msg = text(msg).to_string();
    fail(r, RuntimeErrorKind::Panic(msg))
}

/// The next line of input without its line break; `None` at the end (or on a read error).
fn next_line(r: *mut Rt) -> Option<String> {
    let state = rt(r);
    state.flush();
    state.ctx().next_line()
}

pub extern "C" fn holo_read_line(r: *mut Rt) -> i64 {
    new_str(&next_line(r).unwrap_or_default())
}

pub extern "C" fn holo_stdin_eof(r: *mut Rt) -> i64 {
    let state = rt(r);
    state.flush();
    i64::from(state.ctx().at_eof())
}

pub extern "C" fn holo_read_lines(r: *mut Rt) -> i64 {
    let mut lines = Vec::new();
    while let Some(line) = next_line(r) {
        lines.push(new_str(&line));
    }
    str_array(r, lines)
}

pub extern "C" fn holo_args(r: *mut Rt) -> i64 {
    let args: Vec<i64> = rt(r)
        .ctx()
        .program_args()
        .iter()
        .map(|a| new_str(a))
        .collect();
    str_array(r, args)
}

pub extern "C" fn holo_clock_ms(r: *mut Rt) -> i64 {
    rt(r).ctx().clock_ms()
}

pub extern "C" fn holo_random_int(r: *mut Rt, lo: i64, hi: i64) -> i64 {
    if lo >= hi {
        return invalid(
            r,
            format!("random_int({lo}, {hi}) needs its first argument to be less than its second"),
        );
    }
    let span = (i128::from(hi) - i128::from(lo)) as u128;
    let bits = u128::from(rt(r).ctx().random_bits());
    (i128::from(lo) + (bits % span) as i128) as i64
}

pub extern "C" fn holo_random_float(r: *mut Rt) -> i64 {
    let bits = rt(r).ctx().random_bits();
    ((bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)).to_bits() as i64
}

// ----- numbers ------------------------------------------------------------------------------

pub extern "C" fn holo_i64_to_str(_r: *mut Rt, v: i64) -> i64 {
    new_str(&crate::format::i64_to_string(v))
}

pub extern "C" fn holo_i64_abs(r: *mut Rt, v: i64) -> i64 {
    match v.checked_abs() {
        Some(a) => a,
        None => fail(
            r,
            RuntimeErrorKind::Overflow {
                op: "abs of ",
                lhs: v,
                rhs: None,
            },
        ),
    }
}

pub extern "C" fn holo_i64_pow(r: *mut Rt, base: i64, exp: i64) -> i64 {
    match crate::arith::pow(base, exp) {
        Ok(v) => v,
        Err(kind) => fail(r, kind),
    }
}

pub(super) fn f(v: i64) -> f64 {
    f64::from_bits(v as u64)
}

pub(super) fn w(v: f64) -> i64 {
    v.to_bits() as i64
}

pub extern "C" fn holo_f64_to_str(_r: *mut Rt, v: i64) -> i64 {
    new_str(&crate::format::f64_to_string(f(v)))
}

pub extern "C" fn holo_f64_min(_r: *mut Rt, a: i64, b: i64) -> i64 {
    w(f(a).min(f(b)))
}

pub extern "C" fn holo_f64_max(_r: *mut Rt, a: i64, b: i64) -> i64 {
    w(f(a).max(f(b)))
}

pub extern "C" fn holo_f64_round(_r: *mut Rt, v: i64) -> i64 {
    w(f(v).round())
}

pub extern "C" fn holo_f64_pow(_r: *mut Rt, a: i64, b: i64) -> i64 {
    w(f(a).powf(f(b)))
}

pub extern "C" fn holo_bool_to_str(_r: *mut Rt, v: i64) -> i64 {
    new_str(crate::format::bool_to_string(v & 0xff != 0))
}

// ----- strings ------------------------------------------------------------------------------

pub extern "C" fn holo_str_to_str(_r: *mut Rt, s: i64) -> i64 {
    // SAFETY: generated code passes a live string; the caller gets a reference of its own.
    unsafe { heap::retain(s as Obj) };
    s
}

pub extern "C" fn holo_str_contains(_r: *mut Rt, s: i64, p: i64) -> i64 {
    i64::from(text(s).contains(text(p)))
}

pub extern "C" fn holo_str_starts_with(_r: *mut Rt, s: i64, p: i64) -> i64 {
    i64::from(text(s).starts_with(text(p)))
}

pub extern "C" fn holo_str_ends_with(_r: *mut Rt, s: i64, p: i64) -> i64 {
    i64::from(text(s).ends_with(text(p)))
}

pub extern "C" fn holo_str_find(_r: *mut Rt, s: i64, p: i64) -> i64 {
    text(s).find(text(p)).map_or(-1, |i| i as i64)
}

pub extern "C" fn holo_str_substring(r: *mut Rt, s: i64, start: i64, end: i64) -> i64 {
    let t = text(s);
    if start < 0 || end < start || end as usize > t.len() {
        return invalid(
            r,
            format!(
                "substring({start}, {end}) is out of range for a string of length {}",
                t.len()
            ),
        );
    }
    match t.get(start as usize..end as usize) {
        Some(part) => new_str(part),
        None => invalid(
            r,
            format!(
                "substring({start}, {end}) does not start and end on character boundaries of {t:?}"
            ),
        ),
    }
}

pub extern "C" fn holo_str_char_at(r: *mut Rt, s: i64, i: i64) -> i64 {
    let t = text(s);
    if i < 0 || i as usize >= t.len() {
        return fail(
            r,
            RuntimeErrorKind::IndexOutOfBounds {
                index: i,
                len: t.len() as i64,
            },
        );
    }
    match t.get(i as usize..).and_then(|rest| rest.chars().next()) {
        Some(c) => new_str(c.encode_utf8(&mut [0; 4])),
        None => invalid(
            r,
            format!("char_at({i}) is not at the start of a character of {t:?}"),
        ),
    }
}

pub extern "C" fn holo_str_chars(r: *mut Rt, s: i64) -> i64 {
    let parts: Vec<i64> = text(s)
        .chars()
        .map(|c| new_str(c.encode_utf8(&mut [0; 4])))
        .collect();
    str_array(r, parts)
}

pub extern "C" fn holo_str_split(r: *mut Rt, s: i64, sep: i64) -> i64 {
    let (t, sep) = (text(s), text(sep));
    if sep.is_empty() {
        return holo_str_chars(r, s);
    }
    let parts: Vec<i64> = t.split(sep).map(new_str).collect();
    str_array(r, parts)
}

pub extern "C" fn holo_str_trim(_r: *mut Rt, s: i64) -> i64 {
    new_str(text(s).trim())
}

pub extern "C" fn holo_str_to_upper(_r: *mut Rt, s: i64) -> i64 {
    new_str(&text(s).to_uppercase())
}

pub extern "C" fn holo_str_to_lower(_r: *mut Rt, s: i64) -> i64 {
    new_str(&text(s).to_lowercase())
}

pub extern "C" fn holo_str_replace(_r: *mut Rt, s: i64, from: i64, to: i64) -> i64 {
    let (t, from, to) = (text(s), text(from), text(to));
    if from.is_empty() {
        return new_str(t);
    }
    new_str(&t.replace(from, to))
}

pub extern "C" fn holo_str_repeat(r: *mut Rt, s: i64, n: i64) -> i64 {
    let t = text(s);
    if n < 0 {
        return invalid(r, format!("repeat({n}) needs a count of 0 or more"));
    }
    match t.len().checked_mul(n as usize) {
        Some(total) if total <= isize::MAX as usize / 4 => new_str(&t.repeat(n as usize)),
        _ => invalid(
            r,
            format!("repeat({n}) of a string of length {} is too long", t.len()),
        ),
    }
}

pub extern "C" fn holo_str_is_i64(_r: *mut Rt, s: i64) -> i64 {
    i64::from(text(s).parse::<i64>().is_ok())
}

pub extern "C" fn holo_str_is_f64(_r: *mut Rt, s: i64) -> i64 {
    i64::from(text(s).parse::<f64>().is_ok())
}

// ----- arrays -------------------------------------------------------------------------------

/// The array in a receiver slot, made unique (copy on write) and written back.
pub(super) fn unique_slot(slot: i64) -> Obj {
    let slot = slot as *mut i64;
    // SAFETY: generated code passes the address of a slot holding an array it owns.
    unsafe {
        let arr = heap::make_unique(slot.read() as Obj, Kind::Array);
        slot.write(arr as i64);
        arr
    }
}

pub(super) fn set_slot(slot: i64, arr: Obj) {
    // SAFETY: as in `unique_slot`.
    unsafe { (slot as *mut i64).write(arr as i64) }
}

pub(super) fn len(arr: i64) -> usize {
    // SAFETY: generated code passes live arrays.
    unsafe { heap::array_len(arr as Obj) }
}

pub(super) fn get(arr: i64, i: usize) -> i64 {
    // SAFETY: generated code passes live arrays; callers keep `i` below the length.
    unsafe { heap::array_get(arr as Obj, i) }
}

pub(super) fn elements(arr: i64) -> impl Iterator<Item = i64> {
    // SAFETY: generated code passes live arrays, which host functions do not change while
    // they iterate.
    unsafe { heap::array_iter(arr as Obj) }
}

pub extern "C" fn holo_array_push(_r: *mut Rt, d: i64, slot: i64, value: i64) -> i64 {
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique; the value is of the element type and is retained as stored.
    unsafe {
        let arr = heap::array_reserve(arr, 1);
        let len = heap::array_len(arr);
        heap::retain_word(value, d as *const TypeDesc);
        heap::array_set(arr, len, value);
        heap::set_array_len(arr, len + 1);
        set_slot(slot, arr);
    }
    0
}

pub extern "C" fn holo_array_pop(r: *mut Rt, _d: i64, slot: i64) -> i64 {
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique; the popped element's reference passes to the caller.
    unsafe {
        let len = heap::array_len(arr);
        if len == 0 {
            return invalid(r, "cannot pop from an empty array".to_string());
        }
        let v = heap::array_get(arr, len - 1);
        heap::set_array_len(arr, len - 1);
        v
    }
}

pub extern "C" fn holo_array_insert(r: *mut Rt, d: i64, slot: i64, index: i64, value: i64) -> i64 {
    // SAFETY: the receiver slot holds a live array.
    let len = unsafe { heap::array_len(*(slot as *const i64) as Obj) };
    if index < 0 || index as usize > len {
        return fail(
            r,
            RuntimeErrorKind::IndexOutOfBounds {
                index,
                len: len as i64,
            },
        );
    }
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique with room reserved for one more element.
    unsafe {
        let arr = heap::array_reserve(arr, 1);
        heap::array_move(arr, index as usize, len, index as usize + 1);
        heap::set_array_len(arr, len + 1);
        heap::retain_word(value, d as *const TypeDesc);
        heap::array_set(arr, index as usize, value);
        set_slot(slot, arr);
    }
    0
}

pub extern "C" fn holo_array_remove(r: *mut Rt, _d: i64, slot: i64, index: i64) -> i64 {
    // SAFETY: the receiver slot holds a live array.
    let len = unsafe { heap::array_len(*(slot as *const i64) as Obj) };
    if index < 0 || index as usize >= len {
        return fail(
            r,
            RuntimeErrorKind::IndexOutOfBounds {
                index,
                len: len as i64,
            },
        );
    }
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique; the removed element's reference passes to the caller.
    unsafe {
        let v = heap::array_get(arr, index as usize);
        heap::array_move(arr, index as usize + 1, len, index as usize);
        heap::set_array_len(arr, len - 1);
        v
    }
}

pub extern "C" fn holo_array_clear(_r: *mut Rt, d: i64, slot: i64) -> i64 {
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique; its elements' references are given up.
    unsafe {
        if desc(d).kind.is_heap() {
            for v in heap::array_iter(arr) {
                heap::release_word(v, d as *const TypeDesc);
            }
        }
        heap::set_array_len(arr, 0);
    }
    0
}

pub extern "C" fn holo_array_contains(_r: *mut Rt, d: i64, arr: i64, value: i64) -> i64 {
    let d = d as *const TypeDesc;
    // SAFETY: elements and value are of the described type.
    i64::from(elements(arr).any(|v| unsafe { heap::equal(v, value, d) }))
}

pub extern "C" fn holo_array_index_of(_r: *mut Rt, d: i64, arr: i64, value: i64) -> i64 {
    let d = d as *const TypeDesc;
    elements(arr)
        // SAFETY: elements and value are of the described type.
        .position(|v| unsafe { heap::equal(v, value, d) })
        .map_or(-1, |i| i as i64)
}

pub extern "C" fn holo_array_reverse(_r: *mut Rt, _d: i64, slot: i64) -> i64 {
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique; its elements are swapped in place, within its length.
    unsafe {
        let n = heap::array_len(arr);
        for i in 0..n / 2 {
            let (a, b) = (heap::array_get(arr, i), heap::array_get(arr, n - 1 - i));
            heap::array_set(arr, i, b);
            heap::array_set(arr, n - 1 - i, a);
        }
    }
    0
}

pub extern "C" fn holo_array_sort(_r: *mut Rt, d: i64, slot: i64) -> i64 {
    let kind = desc(d).kind;
    if !matches!(kind, Kind::I64 | Kind::F64 | Kind::Str) {
        // Only ordered types can be sorted (the checker allows nothing else).
        return 0;
    }
    let arr = unique_slot(slot);
    // SAFETY: `arr` is unique, and the elements of `i64`, `f64` and `str` are words.
    let s = unsafe { heap::array_words(arr) };
    match kind {
        Kind::I64 => s.sort_unstable(),
        Kind::F64 => s.sort_by(|a, b| f(*a).total_cmp(&f(*b))),
        _ => s.sort_by(|a, b| text(*a).as_bytes().cmp(text(*b).as_bytes())),
    }
    0
}

pub extern "C" fn holo_array_slice(r: *mut Rt, d: i64, arr: i64, start: i64, end: i64) -> i64 {
    let n = len(arr);
    if start < 0 || end < start || end as usize > n {
        return invalid(
            r,
            format!("slice({start}, {end}) is out of range for an array of length {n}"),
        );
    }
    let (start, end) = (start as usize, end as usize);
    // SAFETY: the new array holds `end - start` elements; each element gains a reference.
    unsafe {
        let out = heap::new_array(heap::array_elem(arr as Obj), end - start);
        for i in start..end {
            let v = heap::array_get(arr as Obj, i);
            heap::retain_word(v, d as *const TypeDesc);
            heap::array_set(out, i - start, v);
        }
        out as i64
    }
}

pub extern "C" fn holo_array_join(_r: *mut Rt, arr: i64, sep: i64) -> i64 {
    let sep = text(sep);
    let mut out = String::new();
    for (i, v) in elements(arr).enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(text(v));
    }
    new_str(&out)
}

fn end_element(r: *mut Rt, d: i64, arr: i64, last: bool) -> i64 {
    let n = len(arr);
    let v = match (n, last) {
        (0, _) => None,
        (n, true) => Some(get(arr, n - 1)),
        (_, false) => Some(get(arr, 0)),
    };
    match v {
        Some(v) => {
            // SAFETY: the caller gets a reference of its own.
            unsafe { heap::retain_word(v, d as *const TypeDesc) };
            v
        }
        None => invalid(
            r,
            format!(
                "cannot take the {} element of an empty array",
                if last { "last" } else { "first" }
            ),
        ),
    }
}

pub extern "C" fn holo_array_last(r: *mut Rt, d: i64, arr: i64) -> i64 {
    end_element(r, d, arr, true)
}

pub extern "C" fn holo_array_first(r: *mut Rt, d: i64, arr: i64) -> i64 {
    end_element(r, d, arr, false)
}
