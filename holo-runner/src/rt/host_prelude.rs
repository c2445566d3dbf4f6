//! Host functions of the second core: `Option` and `Result` methods, `Map`, `cmp`, parsing to
//! `Result`, `lines`, `eprint(ln)`, `exit` and `assert(cond, msg)`. Same conventions as
//! [`super::host`]: words in and out, arguments borrowed, results owned by the caller.

use super::Rt;
use super::desc::{Kind, TypeDesc};
use super::heap::{self, Obj};
use super::host::{desc, fail, new_str, str_array, text, w};
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

fn ordering(d: i64, o: std::cmp::Ordering) -> i64 {
    let tag = match o {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Greater => 2,
    };
    variant(d, tag, None)
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

pub extern "C" fn holo_i64_cmp(_r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    ordering(d, a.cmp(&b))
}

pub extern "C" fn holo_f64_cmp(_r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    let (x, y) = (f64::from_bits(a as u64), f64::from_bits(b as u64));
    ordering(d, x.total_cmp(&y))
}

pub extern "C" fn holo_str_cmp(_r: *mut Rt, d: i64, a: i64, b: i64) -> i64 {
    ordering(d, text(a).as_bytes().cmp(text(b).as_bytes()))
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
    i64::from(unsafe { map::data(m as Obj).len() } == 0)
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
