//! What Rust programmers write out of habit, answered with holo's way of writing it.
//!
//! A "did you mean" guess from edit distance misleads here: `to_string` is closest to
//! `substring` on `str`, and `String` to nothing at all. These names are not typos but another
//! language's vocabulary, so each gets a label and a hint that name the holo spelling.

use super::ty::Ty;

/// What to say instead of a generic "not found".
pub struct Habit {
    /// The short label under the name.
    pub label: String,
    /// A full sentence saying what to write.
    pub hint: String,
}

fn habit(label: impl Into<String>, hint: impl Into<String>) -> Option<Habit> {
    Some(Habit {
        label: label.into(),
        hint: hint.into(),
    })
}

/// A method that `recv` lacks but Rust's equivalent type has.
pub fn method(name: &str, recv: &Ty) -> Option<Habit> {
    let seq = matches!(recv, Ty::Str | Ty::Array(_));
    match name {
        "to_string" | "to_owned" if matches!(recv, Ty::I64 | Ty::F64 | Ty::Bool | Ty::Str) => {
            habit(
                "holo calls this `to_str`",
                format!(
                    "Convert a value to a string with `.to_str()`, as in `n.to_str()`; holo has no `.{name}()`."
                ),
            )
        }
        "length" | "size" | "count" if seq => habit(
            "holo calls this `len`",
            "The length of a string or an array is `.len()`, as in `xs.len()`.",
        ),
        "iter" | "into_iter" | "iter_mut" if matches!(recv, Ty::Array(_)) => habit(
            "not needed in holo",
            "A `for` loop takes the array itself: write `for x in xs { … }` without `.iter()`.",
        ),
        "parse" if matches!(recv, Ty::Str) => habit(
            "holo names the type in the method",
            "Parse a number with `.parse_i64()` or `.parse_f64()`, as in `\"42\".parse_i64()`; holo has no `parse::<T>()`.",
        ),
        "clone" => habit(
            "not needed in holo",
            "holo values are copied when assigned or passed (arrays, structs and strings too), so write the value itself instead of `.clone()`.",
        ),
        _ => None,
    }
}

/// A type name from Rust's standard library that holo spells differently.
pub fn type_name(name: &str) -> Option<Habit> {
    match name {
        "String" => habit(
            "holo's string type is `str`",
            "Write `str` for strings; a holo `str` is a value of its own, like Rust's `String`.",
        ),
        "Vec" => habit(
            "holo's growable array type is `[T]`",
            "Write `[i64]` for what Rust calls `Vec<i64>`: holo arrays grow with `.push(x)`.",
        ),
        "i8" | "i16" | "i32" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => habit(
            "holo's integer type is `i64`",
            format!("holo has one integer type, `i64`; write `i64` instead of `{name}`."),
        ),
        "f32" => habit(
            "holo's floating-point type is `f64`",
            "holo has one floating-point type, `f64`; write `f64` instead of `f32`.",
        ),
        "HashMap" | "BTreeMap" | "IndexMap" => habit(
            "holo's map type is `Map<K, V>`",
            "Write `Map<str, i64>` and make one with `Map::new()`; it keeps keys in insertion order.",
        ),
        "char" => habit(
            "holo has no `char` type",
            "A character is a `str` of length one in holo; write `str`.",
        ),
        _ => None,
    }
}
