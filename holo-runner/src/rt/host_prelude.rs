//! Host functions of the second core: `Option` and `Result` methods, `Map`, `cmp`, parsing to
//! `Result`, `lines`, `eprint(ln)`, `exit` and `assert(cond, msg)`. Same conventions as
//! [`super::host`]: words in and out, arguments borrowed, results owned by the caller.

use super::Rt;
use super::desc::{Kind, TypeDesc};
use super::heap::{self, Obj};
use super::host::{desc, fail, get, len, new_str, rt, str_array, text, unique_slot, w};
use super::map;
use crate::error::RuntimeErrorKind;
use std::io::Write;

/// Tags of the prelude enums (their variants' order in `ir::Ty::prelude_variants`).
const NONE: usize = 0;
const SOME: usize = 1;
const OK: usize = 0;
const ERR: usize = 1;

fn tag(v: i64) -> usize {
    // SAFETY: generated code passes live enum values.
    unsafe { heap::header_word(v as Obj, heap::ENUM_TAG) as usize }
}

fn payload(v: i64) -> i64 {
    // SAFETY: callers check that the variant carries a payload.
    unsafe { heap::header_word(v as Obj, heap::ENUM_PAYLOAD) }
}

/// A new value of a prelude enum with one payload word (retained by the caller) or none.
fn variant(d: i64, tag: usize, value: Option<i64>) -> i64 {
    // SAFETY: `d` is the descriptor of the enum type being built.
    unsafe {
        let obj = heap::new_enum(d as *const TypeDesc, tag);
        if let Some(v) = value {
            heap::set_header_word(obj, heap::ENUM_PAYLOAD, v);
        }
        obj as i64
    }
}

/// The payload of a `Some`/`Ok` for the caller (a reference of its own).
fn owned_payload(elem: i64, v: i64) -> i64 {
    let p = payload(v);
    // SAFETY: `elem` describes the payload's type.
    unsafe { heap::retain_word(p, elem as *const TypeDesc) };
    p
}

fn show(value: i64, d: *const TypeDesc) -> String {
    let mut s = String::new();
    // SAFETY: generated code passes values of the described types.
    unsafe { heap::format_value(&mut s, value, d, true) };
    s
}

fn ordering(r: *mut Rt, d: i64, o: std::cmp::Ordering) -> i64 {
    let tag = match o {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Greater => 2,
    };
    let state = rt(r);
    if state.orderings.0 != d {
        let mut values = [0; 3];
        for (t, v) in values.iter_mut().enumerate() {
            *v = variant(d, t, None);
            // SAFETY: just allocated; its first word is the count.
            unsafe { heap::set_header_word(*v as Obj, heap::RC, heap::IMMORTAL) };
        }
        state.orderings = (d, values);
    }
    state.orderings.1[tag]
}

// ----- printing to stderr, exit, assert -------------------------------------------------------

fn eprint_value(r: *mut Rt, d: i64, value: i64, newline: bool) {
    let mut s = String::new();
    // SAFETY: generated code passes a value of the described type.
    unsafe { heap::format_value(&mut s, value, d as *const TypeDesc, false) };
    if newline {
        s.push('\n');
    }
    // What the program printed to stdout comes first, as it would unbuffered.
    super::host::rt(r).flush();
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(s.as_bytes());
    let _ = err.flush();
}

pub extern "C" fn holo_eprint(r: *mut Rt, d: i64, value: i64) -> i64 {
    eprint_value(r, d, value, false);
    0
}

pub extern "C" fn holo_eprintln(r: *mut Rt, d: i64, value: i64) -> i64 {
    eprint_value(r, d, value, true);
    0
}

pub extern "C" fn holo_exit(r: *mut Rt, code: i64) -> i64 {
    fail(r, RuntimeErrorKind::Exit(code))
}

pub extern "C" fn holo_assert_msg(r: *mut Rt, cond: i64, msg: i64) -> i64 {
    if cond & 0xff == 0 {
        return fail(
            r,
            RuntimeErrorKind::AssertionFailedWith(text(msg).to_string()),
        );
    }
    0
}

// ----- strings and numbers --------------------------------------------------------------------

pub extern "C" fn holo_str_lines(r: *mut Rt, s: i64) -> i64 {
    let parts: Vec<i64> = text(s).lines().map(new_str).collect();
    str_array(r, parts)
}

pub extern "C" fn holo_i64_cmp(r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    ordering(r, d, a.cmp(&b))
}

pub extern "C" fn holo_f64_cmp(r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    let (x, y) = (f64::from_bits(a as u64), f64::from_bits(b as u64));
    ordering(r, d, x.total_cmp(&y))
}

pub extern "C" fn holo_str_cmp(r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    ordering(r, d, text(a).as_bytes().cmp(text(b).as_bytes()))
}

/// `Err("cannot parse \"x\" as an i64")` as a `str` of the `Result`.
fn parse_error(d: i64, t: &str, what: &str) -> i64 {
    let shown: String = if t.chars().count() > 40 {
        t.chars().take(40).chain("…".chars()).collect()
    } else {
        t.to_string()
    };
    variant(
        d,
        ERR,
        Some(new_str(&format!("cannot parse {shown:?} as {what}"))),
    )
}

pub extern "C" fn holo_str_parse_i64(_r: *mut Rt, d: i64, s: i64) -> i64 {
    let t = text(s);
    match t.parse::<i64>() {
        Ok(v) => variant(d, OK, Some(v)),
        Err(_) => parse_error(d, t, "an i64"),
    }
}

pub extern "C" fn holo_str_parse_f64(_r: *mut Rt, d: i64, s: i64) -> i64 {
    let t = text(s);
    match t.parse::<f64>() {
        Ok(v) => variant(d, OK, Some(w(v))),
        Err(_) => parse_error(d, t, "an f64"),
    }
}

// ----- Option and Result ----------------------------------------------------------------------

pub extern "C" fn holo_option_unwrap(r: *mut Rt, elem: i64, opt: i64) -> i64 {
    if tag(opt) == NONE {
        return fail(
            r,
            RuntimeErrorKind::InvalidOperation("called `unwrap` on `None`".to_string()),
        );
    }
    owned_payload(elem, opt)
}

pub extern "C" fn holo_option_expect(r: *mut Rt, elem: i64, opt: i64, msg: i64) -> i64 {
    if tag(opt) == NONE {
        return fail(r, RuntimeErrorKind::Panic(text(msg).to_string()));
    }
    owned_payload(elem, opt)
}

pub extern "C" fn holo_option_unwrap_or(_r: *mut Rt, elem: i64, opt: i64, default: i64) -> i64 {
    if tag(opt) == NONE {
        // SAFETY: the default is a value of the element type.
        unsafe { heap::retain_word(default, elem as *const TypeDesc) };
        return default;
    }
    owned_payload(elem, opt)
}

pub extern "C" fn holo_option_is_some(_r: *mut Rt, _elem: i64, opt: i64) -> i64 {
    i64::from(tag(opt) == SOME)
}

pub extern "C" fn holo_option_is_none(_r: *mut Rt, _elem: i64, opt: i64) -> i64 {
    i64::from(tag(opt) == NONE)
}

/// The error value of an `Err`, printed.
fn shown_error(res: i64) -> String {
    // SAFETY: a live `Result` points at its descriptor, whose `Err` variant has one payload.
    let d = unsafe { heap::header_word(res as Obj, heap::ENUM_DESC) } as *const TypeDesc;
    let err_desc = desc(d as i64)
        .variants
        .get(ERR)
        .and_then(|v| v.1.first().copied());
    match err_desc {
        Some(ed) => show(payload(res), ed),
        None => String::new(),
    }
}

pub extern "C" fn holo_result_unwrap(r: *mut Rt, elem: i64, res: i64) -> i64 {
    if tag(res) == ERR {
        let shown = shown_error(res);
        return fail(
            r,
            RuntimeErrorKind::InvalidOperation(format!("called `unwrap` on `Err({shown})`")),
        );
    }
    owned_payload(elem, res)
}

pub extern "C" fn holo_result_expect(r: *mut Rt, elem: i64, res: i64, msg: i64) -> i64 {
    if tag(res) == ERR {
        let shown = shown_error(res);
        return fail(
            r,
            RuntimeErrorKind::Panic(format!("{}: {shown}", text(msg))),
        );
    }
    owned_payload(elem, res)
}

pub extern "C" fn holo_result_unwrap_or(_r: *mut Rt, elem: i64, res: i64, default: i64) -> i64 {
    if tag(res) == ERR {
        // SAFETY: the default is a value of the element type.
        unsafe { heap::retain_word(default, elem as *const TypeDesc) };
        return default;
    }
    owned_payload(elem, res)
}

pub extern "C" fn holo_result_is_ok(_r: *mut Rt, _elem: i64, res: i64) -> i64 {
    i64::from(tag(res) == OK)
}

pub extern "C" fn holo_result_is_err(_r: *mut Rt, _elem: i64, res: i64) -> i64 {
    i64::from(tag(res) == ERR)
}

// ----- Map ------------------------------------------------------------------------------------

/// The map in a receiver slot, made unique (copy on write) and written back.
fn unique_map(slot: i64) -> Obj {
    let slot = slot as *mut i64;
    // SAFETY: generated code passes the address of a slot holding a map it owns.
    unsafe {
        let m = heap::make_unique(slot.read() as Obj, Kind::Map);
        slot.write(m as i64);
        m
    }
}

pub extern "C" fn holo_map_new(_r: *mut Rt, d: i64) -> i64 {
    map::new_map(d as *const TypeDesc) as i64
}

pub extern "C" fn holo_map_insert(_r: *mut Rt, _k: i64, slot: i64, key: i64, value: i64) -> i64 {
    let m = unique_map(slot);
    // SAFETY: `m` is held alone; the key and value are of the map's types.
    unsafe { map::insert(m, key, value) };
    0
}

pub extern "C" fn holo_map_get(_r: *mut Rt, _k: i64, d: i64, m: i64, key: i64) -> i64 {
    // SAFETY: generated code passes a live map and a key of its type.
    match unsafe { map::get(m as Obj, key) } {
        Some(v) => {
            // SAFETY: `v` is a value of the map's value type, which the `Some` now holds too.
            unsafe {
                let (_, vd) = map::key_value_descs(map::desc_of(m as Obj));
                heap::retain_word(v, vd);
            }
            variant(d, SOME, Some(v))
        }
        None => variant(d, NONE, None),
    }
}

pub extern "C" fn holo_map_remove(_r: *mut Rt, _k: i64, d: i64, slot: i64, key: i64) -> i64 {
    let m = unique_map(slot);
    // SAFETY: `m` is held alone; the removed key's reference is ours to release, the value's
    // passes to the `Some`.
    unsafe {
        match map::remove(m, key) {
            Some((k, v)) => {
                let (kd, _) = map::key_value_descs(map::desc_of(m));
                heap::release_word(k, kd);
                variant(d, SOME, Some(v))
            }
            None => variant(d, NONE, None),
        }
    }
}

pub extern "C" fn holo_map_contains_key(_r: *mut Rt, _k: i64, m: i64, key: i64) -> i64 {
    // SAFETY: generated code passes a live map and a key of its type.
    i64::from(unsafe { map::get(m as Obj, key) }.is_some())
}

pub extern "C" fn holo_map_len(_r: *mut Rt, m: i64) -> i64 {
    // SAFETY: generated code passes a live map.
    unsafe { map::data(m as Obj).len() as i64 }
}

pub extern "C" fn holo_map_is_empty(_r: *mut Rt, m: i64) -> i64 {
    // SAFETY: generated code passes a live map.
    i64::from(unsafe { map::data(m as Obj).is_empty() })
}

/// A new array of the keys (`values: false`) or values of a map, in insertion order.
fn entries_array(d: i64, m: i64, values: bool) -> i64 {
    // SAFETY: `d` describes the array type; its element type is the map's key or value type.
    unsafe {
        let elem = desc(d).elem;
        let data = map::data(m as Obj);
        let arr = heap::new_array(elem, data.len());
        for (i, (k, v)) in data.iter().enumerate() {
            let x = if values { v } else { k };
            heap::retain_word(x, elem);
            heap::array_set(arr, i, x);
        }
        arr as i64
    }
}

pub extern "C" fn holo_map_keys(_r: *mut Rt, _k: i64, d: i64, m: i64) -> i64 {
    entries_array(d, m, false)
}

pub extern "C" fn holo_map_values(_r: *mut Rt, d: i64, m: i64) -> i64 {
    entries_array(d, m, true)
}

/// `(key, value)` tuples of a map, in insertion order.
pub extern "C" fn holo_map_entries(_r: *mut Rt, d: i64, m: i64) -> i64 {
    // SAFETY: `d` describes `[(K, V)]`; each tuple holds references of its own.
    unsafe {
        let pair = desc(d).elem;
        let (kd, vd) = map::key_value_descs(map::desc_of(m as Obj));
        let data = map::data(m as Obj);
        let arr = heap::new_array(pair, data.len());
        for (i, (k, v)) in data.iter().enumerate() {
            let t = heap::new_struct(pair);
            heap::retain_word(k, kd);
            heap::retain_word(v, vd);
            heap::set_header_word(t, heap::STRUCT_FIELDS, k);
            heap::set_header_word(t, heap::STRUCT_FIELDS + 8, v);
            heap::array_set(arr, i, t as i64);
        }
        arr as i64
    }
}

// ----- closures called by the runtime ---------------------------------------------------------

/// Calls the closure `f` with word arguments (see `ir::SelfMode::Env`); `None` once it failed
/// (the error is recorded in the `Rt`, and the caller must stop and return).
fn call_closure(r: *mut Rt, f: i64, args: &[i64]) -> Option<i64> {
    // SAFETY: `f` is a live closure object: its first field is its function's number.
    let index = unsafe { heap::header_word(f as Obj, heap::STRUCT_FIELDS) } as usize;
    let Some(entry) = rt(r).function_entry(index) else {
        fail(
            r,
            RuntimeErrorKind::InvalidOperation(format!("no function number {index} to call")),
        );
        return None;
    };
    // SAFETY: the slot holds code compiled for the closure calling convention (the runtime
    // pointer, the closure object, then one word per parameter; a word back) with as many
    // parameters as the checker gave this closure's type, or the stub that fails the run.
    let result = unsafe {
        match *args {
            [a] => {
                let code: extern "C" fn(*mut Rt, i64, i64) -> i64 = std::mem::transmute(entry);
                code(r, f, a)
            }
            [a, b] => {
                let code: extern "C" fn(*mut Rt, i64, i64, i64) -> i64 = std::mem::transmute(entry);
                code(r, f, a, b)
            }
            _ => {
                fail(
                    r,
                    RuntimeErrorKind::InvalidOperation(format!(
                        "closures of {} parameters cannot be called by the runtime",
                        args.len()
                    )),
                );
                return None;
            }
        }
    };
    (rt(r).failed == 0).then_some(result)
}

pub extern "C" fn holo_array_map(r: *mut Rt, _t: i64, d: i64, arr: i64, f: i64) -> i64 {
    let n = len(arr);
    let elem = desc(d).elem;
    // SAFETY: `d` describes the result array; each slot is written once with an owned value.
    unsafe {
        let out = heap::new_array(elem, n);
        for i in 0..n {
            match call_closure(r, f, &[get(arr, i)]) {
                Some(y) => heap::array_set(out, i, y),
                None => {
                    heap::set_array_len(out, i);
                    heap::release(out, Kind::Array);
                    return 0;
                }
            }
        }
        out as i64
    }
}

pub extern "C" fn holo_array_filter(r: *mut Rt, t: i64, arr: i64, f: i64) -> i64 {
    let n = len(arr);
    let elem = t as *const TypeDesc;
    // SAFETY: `t` describes the elements; kept elements gain the reference the new array holds.
    unsafe {
        let out = heap::array_with_capacity(elem, 0, n);
        let mut kept = 0;
        for i in 0..n {
            let x = get(arr, i);
            match call_closure(r, f, &[x]) {
                Some(keep) => {
                    if keep & 0xff != 0 {
                        heap::retain_word(x, elem);
                        heap::array_set(out, kept, x);
                        kept += 1;
                        heap::set_array_len(out, kept);
                    }
                }
                None => {
                    heap::release(out, Kind::Array);
                    return 0;
                }
            }
        }
        out as i64
    }
}

/// The order the comparator closure `f` gives two elements; `None` after a failure in it.
fn compare_with(r: *mut Rt, f: i64, a: i64, b: i64) -> Option<std::cmp::Ordering> {
    let o = call_closure(r, f, &[a, b])?;
    let t = tag(o);
    // SAFETY: the comparator returned an `Ordering` value of its own (often immortal).
    unsafe { heap::release(o as Obj, Kind::Enum) };
    Some(match t {
        0 => std::cmp::Ordering::Less,
        1 => std::cmp::Ordering::Equal,
        _ => std::cmp::Ordering::Greater,
    })
}

/// A stable merge sort that tolerates any comparator (one that is not a total order gives some
/// permutation, never a crash) and stops at the first failure in it.
fn merge_sort(
    items: &mut [i64],
    cmp: &mut dyn FnMut(i64, i64) -> Option<std::cmp::Ordering>,
) -> Option<()> {
    let n = items.len();
    let mut buf = items.to_vec();
    let mut width = 1;
    // Runs of `width` are sorted in `items`; merge pairs of them into `buf`, then swap roles.
    let mut from_items = true;
    while width < n {
        {
            let (src, dst): (&[i64], &mut [i64]) = if from_items {
                (&*items, &mut buf[..])
            } else {
                (&buf[..], &mut *items)
            };
            let mut start = 0;
            while start < n {
                let mid = (start + width).min(n);
                let end = (start + 2 * width).min(n);
                let (mut i, mut j, mut k) = (start, mid, start);
                while i < mid && j < end {
                    if cmp(src[j], src[i])? == std::cmp::Ordering::Less {
                        dst[k] = src[j];
                        j += 1;
                    } else {
                        dst[k] = src[i];
                        i += 1;
                    }
                    k += 1;
                }
                dst[k..k + (mid - i)].copy_from_slice(&src[i..mid]);
                k += mid - i;
                dst[k..k + (end - j)].copy_from_slice(&src[j..end]);
                start = end;
            }
        }
        from_items = !from_items;
        width *= 2;
    }
    if !from_items {
        items.copy_from_slice(&buf);
    }
    Some(())
}

pub extern "C" fn holo_array_sort_by(r: *mut Rt, _t: i64, slot: i64, f: i64) -> i64 {
    let arr = unique_slot(slot);
    // SAFETY: `arr` is held alone; its elements are read out, permuted and written back (the
    // same values, so no count changes).
    unsafe {
        let n = heap::array_len(arr);
        let mut items: Vec<i64> = (0..n).map(|i| heap::array_get(arr, i)).collect();
        let sorted = merge_sort(&mut items, &mut |a, b| compare_with(r, f, a, b)).is_some();
        if sorted {
            for (i, v) in items.into_iter().enumerate() {
                heap::array_set(arr, i, v);
            }
        }
    }
    0
}
