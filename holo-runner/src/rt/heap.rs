//! Heap values: layouts, allocation, reference counting, copy on write, equality, ordering and
//! printing of strings, arrays, structs and enums.
//!
//! Every heap object starts with a reference count (one 8-byte word). Values are 8-byte words
//! in fields, payloads and most array slots: an `i64`, the bits of an `f64`, 0 or 1 for a
//! `bool`, 0 for `()`, a function's index, or a pointer to a heap object. Arrays of `bool` and
//! of `()` are the exception: their elements take one byte each (see [`elem_width`]), so a
//! `[bool]` of a million flags takes a megabyte, as in Go or Rust, not eight.
//!
//! ```text
//! str     [rc][len][cap][bytes …]
//! array   [rc][len][cap][elem desc][elements …]   (8 or 1 bytes each, by element type)
//! struct  [rc][desc][fields …]
//! enum    [rc][desc][tag][payload …]
//! ```
//!
//! Constants (string literals, constant arrays, unit variants) are *immortal*: their count
//! starts at [`IMMORTAL`], so they are never freed and never unique (changing one copies it).
//! Generated code increments and decrements counts without atomics: a run is single-threaded.

use super::desc::{Kind, TypeDesc};
use std::alloc::{Layout, alloc, dealloc, realloc};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const RC: i32 = 0;
pub const STR_LEN: i32 = 8;
pub const STR_CAP: i32 = 16;
pub const STR_DATA: i32 = 24;
pub const ARR_LEN: i32 = 8;
pub const ARR_CAP: i32 = 16;
pub const ARR_ELEM: i32 = 24;
pub const ARR_DATA: i32 = 32;
pub const STRUCT_DESC: i32 = 8;
pub const STRUCT_FIELDS: i32 = 16;
pub const ENUM_DESC: i32 = 8;
pub const ENUM_TAG: i32 = 16;
pub const ENUM_PAYLOAD: i32 = 24;

/// The count of immortal objects: far from both 0 and 1 whatever happens to it.
pub const IMMORTAL: i64 = 1 << 60;

/// A pointer to a heap object (or null for "no value", in generated code's empty locals).
pub type Obj = *mut u8;

#[inline]
unsafe fn word(obj: Obj, offset: i32) -> i64 {
    // SAFETY: callers pass a live object and an offset inside it.
    unsafe { (obj.add(offset as usize) as *const i64).read() }
}

#[inline]
unsafe fn set_word(obj: Obj, offset: i32, value: i64) {
    // SAFETY: callers pass a live object and an offset inside it.
    unsafe { (obj.add(offset as usize) as *mut i64).write(value) }
}

fn layout(size: usize) -> Layout {
    // 8-byte alignment and a size well below isize::MAX (checked by the callers' capacity
    // arithmetic), so this cannot fail.
    Layout::from_size_align(size.max(8), 8).unwrap_or(Layout::new::<u64>())
}

/// Allocates `size` bytes for an object laid out elsewhere (`map`).
pub(crate) fn alloc_object(size: usize) -> Obj {
    alloc_bytes(size)
}

/// A word of an object's header (for object kinds laid out in other modules).
///
/// # Safety
/// `obj` must be live and `offset` inside it.
pub(crate) unsafe fn header_word(obj: Obj, offset: i32) -> i64 {
    // SAFETY: as documented.
    unsafe { word(obj, offset) }
}

/// # Safety
/// `obj` must be live and `offset` inside it.
pub(crate) unsafe fn set_header_word(obj: Obj, offset: i32, value: i64) {
    // SAFETY: as documented.
    unsafe { set_word(obj, offset, value) }
}

/// Bytes of heap objects alive, and the most a run may have (0: no limit). Counted here rather
/// than read from the process's resident size, so that going over is noticed at the very
/// allocation, on the thread that runs the program, where it can become a runtime error.
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static BUDGET: AtomicUsize = AtomicUsize::new(0);

/// Limits the bytes of heap objects of the runs of this process (`None`: no limit). Going over
/// makes the current run fail with an out-of-memory error (see [`super::over_budget`]).
pub fn set_memory_limit(limit: Option<u64>) {
    let limit = limit.map_or(0, |l| usize::try_from(l).unwrap_or(usize::MAX).max(1));
    BUDGET.store(limit, Ordering::Relaxed);
}

#[inline]
fn count_alloc(bytes: usize) {
    let live = LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed) + bytes;
    let budget = BUDGET.load(Ordering::Relaxed);
    if budget != 0 && live > budget {
        super::over_budget(budget as u64);
    }
}

#[inline]
fn count_free(bytes: usize) {
    LIVE_BYTES.fetch_sub(bytes, Ordering::Relaxed);
}

fn alloc_bytes(size: usize) -> Obj {
    let l = layout(size);
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc(l) };
    if p.is_null() {
        super::out_of_memory(l);
    }
    count_alloc(l.size());
    p
}

/// `realloc` of an object of `old` bytes to `new` bytes, counted.
///
/// # Safety
/// As `std::alloc::realloc`.
unsafe fn resize(obj: Obj, old: Layout, new: usize) -> Obj {
    // SAFETY: as documented.
    let p = unsafe { realloc(obj, old, new) };
    let new = layout(new);
    if p.is_null() {
        super::out_of_memory(new);
    }
    count_free(old.size());
    count_alloc(new.size());
    p
}

/// Fails the process on a size no program could allocate (rather than wrapping around).
fn checked_size(header: usize, count: usize, unit: usize) -> usize {
    count
        .checked_mul(unit)
        .and_then(|n| n.checked_add(header))
        .filter(|&n| n <= isize::MAX as usize / 2)
        .unwrap_or_else(|| super::out_of_memory(layout(usize::MAX / 4)))
}

// ----- reference counts ---------------------------------------------------------------------

/// Adds a reference.
///
/// # Safety
/// `obj` must be a live heap object.
#[inline]
pub unsafe fn retain(obj: Obj) {
    // SAFETY: as documented.
    unsafe { set_word(obj, RC, word(obj, RC) + 1) }
}

/// Drops a reference, freeing the object (and releasing what it holds) at zero. Null is
/// ignored.
///
/// # Safety
/// `obj` must be null or a live heap object of type `desc` (for arrays, `desc` is the
/// array's type, whose elements the object's header also names).
pub unsafe fn release(obj: Obj, kind: Kind) {
    if obj.is_null() {
        return;
    }
    // SAFETY: as documented.
    unsafe {
        let rc = word(obj, RC) - 1;
        set_word(obj, RC, rc);
        if rc == 0 {
            free(obj, kind);
        }
    }
}

/// Releases the word `value` of a value whose type is `desc` (nothing for non-heap types).
///
/// # Safety
/// `desc` must be live and `value` a value of its type.
pub unsafe fn release_word(value: i64, desc: *const TypeDesc) {
    // SAFETY: as documented.
    unsafe {
        let kind = TypeDesc::get(desc).kind;
        if kind.is_heap() {
            release(value as Obj, kind);
        }
    }
}

/// Retains the word `value` if it is a heap value.
///
/// # Safety
/// `desc` must be live and `value` a value of its type.
pub unsafe fn retain_word(value: i64, desc: *const TypeDesc) {
    // SAFETY: as documented.
    unsafe {
        if TypeDesc::get(desc).kind.is_heap() && value != 0 {
            retain(value as Obj);
        }
    }
}

/// Frees an object whose count reached zero, and releases what it holds — iteratively, so that
/// freeing a long chain of values does not exhaust the native stack.
///
/// # Safety
/// `obj` must be a live heap object of kind `kind` with a count of zero.
pub unsafe fn free(obj: Obj, kind: Kind) {
    let mut work: Vec<(Obj, Kind)> = vec![(obj, kind)];
    while let Some((obj, kind)) = work.pop() {
        // SAFETY: every object on the work list has a count of zero and is not referenced
        // any more.
        unsafe {
            let mut children = |value: i64, desc: *const TypeDesc| {
                let k = TypeDesc::get(desc).kind;
                if k.is_heap() && value != 0 {
                    let child = value as Obj;
                    let rc = word(child, RC) - 1;
                    set_word(child, RC, rc);
                    if rc == 0 {
                        work.push((child, k));
                    }
                }
            };
            let size = match kind {
                Kind::Str => STR_DATA as usize + word(obj, STR_CAP) as usize,
                Kind::Array => {
                    let elem = word(obj, ARR_ELEM) as *const TypeDesc;
                    let len = word(obj, ARR_LEN);
                    let elem_kind = TypeDesc::get(elem).kind;
                    if elem_kind.is_heap() {
                        for i in 0..len {
                            children(array_get(obj, i as usize), elem);
                        }
                    }
                    ARR_DATA as usize + elem_width(elem_kind) * word(obj, ARR_CAP) as usize
                }
                // A closure is laid out as a struct: its environment's descriptor (a tuple of
                // the function's number and the captured values) is in the object.
                Kind::Struct | Kind::Fn => {
                    let desc = TypeDesc::get(word(obj, STRUCT_DESC) as *const TypeDesc);
                    for (i, (_, f)) in desc.fields.iter().enumerate() {
                        children(word(obj, STRUCT_FIELDS + 8 * i as i32), *f);
                    }
                    STRUCT_FIELDS as usize + 8 * desc.fields.len()
                }
                Kind::Enum => {
                    let desc = TypeDesc::get(word(obj, ENUM_DESC) as *const TypeDesc);
                    let tag = word(obj, ENUM_TAG) as usize;
                    let payload = desc.variants.get(tag).map_or(&[][..], |v| &v.1[..]);
                    for (i, f) in payload.iter().enumerate() {
                        children(word(obj, ENUM_PAYLOAD + 8 * i as i32), *f);
                    }
                    ENUM_PAYLOAD as usize + 8 * payload.len()
                }
                Kind::Map => {
                    let (entries, kd, vd) = super::map::take_entries(obj);
                    for (k, v) in entries {
                        children(k, kd);
                        children(v, vd);
                    }
                    super::map::MAP_SIZE
                }
                _ => continue,
            };
            let l = layout(size);
            count_free(l.size());
            dealloc(obj, l);
        }
    }
}

// ----- strings ------------------------------------------------------------------------------

/// A new string with count 1.
pub fn new_str(bytes: &[u8]) -> Obj {
    let obj = str_with_capacity(bytes.len());
    // SAFETY: the object has room for `bytes.len()` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), obj.add(STR_DATA as usize), bytes.len());
        set_word(obj, STR_LEN, bytes.len() as i64);
    }
    obj
}

/// An empty string with room for `cap` bytes.
pub fn str_with_capacity(cap: usize) -> Obj {
    let obj = alloc_bytes(checked_size(STR_DATA as usize, cap, 1));
    // SAFETY: freshly allocated with room for the header.
    unsafe {
        set_word(obj, RC, 1);
        set_word(obj, STR_LEN, 0);
        set_word(obj, STR_CAP, cap as i64);
    }
    obj
}

/// The bytes of a string.
///
/// # Safety
/// `obj` must be a live string that outlives the returned slice.
pub unsafe fn str_bytes<'a>(obj: Obj) -> &'a [u8] {
    // SAFETY: as documented; the length never exceeds the capacity.
    unsafe { std::slice::from_raw_parts(obj.add(STR_DATA as usize), word(obj, STR_LEN) as usize) }
}

/// The text of a string (holo strings are always valid UTF-8).
///
/// # Safety
/// As for [`str_bytes`].
pub unsafe fn str_text<'a>(obj: Obj) -> &'a str {
    // SAFETY: every way of making a holo string keeps it valid UTF-8.
    unsafe { std::str::from_utf8_unchecked(str_bytes(obj)) }
}

/// `a + b` as a new string.
///
/// # Safety
/// Both must be live strings.
pub unsafe fn str_concat(a: Obj, b: Obj) -> Obj {
    // SAFETY: as documented.
    unsafe {
        let (x, y) = (str_bytes(a), str_bytes(b));
        let obj = str_with_capacity(x.len() + y.len());
        let data = obj.add(STR_DATA as usize);
        std::ptr::copy_nonoverlapping(x.as_ptr(), data, x.len());
        std::ptr::copy_nonoverlapping(y.as_ptr(), data.add(x.len()), y.len());
        set_word(obj, STR_LEN, (x.len() + y.len()) as i64);
        obj
    }
}

/// `a + b` taking over the caller's reference of `a`: appends in place when `a` is not shared
/// (growing its capacity geometrically, so building a string piece by piece is linear).
///
/// # Safety
/// `a` must be a live string owned by the caller, `b` a live string.
pub unsafe fn str_append(a: Obj, b: Obj) -> Obj {
    // SAFETY: as documented.
    unsafe {
        if word(a, RC) != 1 {
            let out = str_concat(a, b);
            release(a, Kind::Str);
            return out;
        }
        let y = str_bytes(b);
        let len = word(a, STR_LEN) as usize;
        let cap = word(a, STR_CAP) as usize;
        let need = len + y.len();
        let mut obj = a;
        if need > cap {
            let new_cap = need.max(cap * 2).max(16);
            let old = layout(STR_DATA as usize + cap);
            obj = resize(a, old, checked_size(STR_DATA as usize, new_cap, 1));
            set_word(obj, STR_CAP, new_cap as i64);
        }
        // `b` may be `a` itself (`s += s`): copy from the possibly moved buffer.
        let src = if std::ptr::eq(a, b) {
            obj.add(STR_DATA as usize)
        } else {
            y.as_ptr() as *mut u8
        };
        std::ptr::copy(src, obj.add(STR_DATA as usize + len), y.len());
        set_word(obj, STR_LEN, need as i64);
        obj
    }
}

// ----- arrays -------------------------------------------------------------------------------

/// The size in bytes of one element of an array whose elements are of kind `kind`: one byte
/// for `bool` and `()`, a word for everything else. Generated code uses the same widths
/// (`jit::codegen`).
pub fn elem_width(kind: Kind) -> usize {
    match kind {
        Kind::Bool | Kind::Unit => 1,
        _ => 8,
    }
}

/// A new array of `len` zeroed elements (count 1, capacity `len`).
///
/// # Safety
/// `elem` must be a live descriptor.
pub unsafe fn new_array(elem: *const TypeDesc, len: usize) -> Obj {
    // SAFETY: as documented.
    unsafe { array_with_capacity(elem, len, len) }
}

/// A new array of `len` zeroed elements with room for `cap` (count 1).
///
/// # Safety
/// `elem` must be a live descriptor.
pub unsafe fn array_with_capacity(elem: *const TypeDesc, len: usize, cap: usize) -> Obj {
    let cap = cap.max(len);
    // SAFETY: as documented.
    let width = elem_width(unsafe { TypeDesc::get(elem) }.kind);
    let obj = alloc_bytes(checked_size(ARR_DATA as usize, cap, width));
    // SAFETY: freshly allocated with room for the header and `cap` elements.
    unsafe {
        set_word(obj, RC, 1);
        set_word(obj, ARR_LEN, len as i64);
        set_word(obj, ARR_CAP, cap as i64);
        set_word(obj, ARR_ELEM, elem as i64);
        std::ptr::write_bytes(obj.add(ARR_DATA as usize), 0, width * len);
    }
    obj
}

/// # Safety
/// `obj` must be a live array.
pub unsafe fn array_len(obj: Obj) -> usize {
    // SAFETY: as documented.
    unsafe { word(obj, ARR_LEN) as usize }
}

/// # Safety
/// `obj` must be a live array.
pub unsafe fn array_elem(obj: Obj) -> *const TypeDesc {
    // SAFETY: as documented.
    unsafe { word(obj, ARR_ELEM) as *const TypeDesc }
}

/// The width in bytes of the elements of an array (see [`elem_width`]).
///
/// # Safety
/// `obj` must be a live array.
pub unsafe fn array_width(obj: Obj) -> usize {
    // SAFETY: as documented; an array's element descriptor lives as long as the program.
    unsafe { elem_width(TypeDesc::get(array_elem(obj)).kind) }
}

/// Element `i` of an array, as a word.
///
/// # Safety
/// `obj` must be a live array and `i` below its length.
pub unsafe fn array_get(obj: Obj, i: usize) -> i64 {
    // SAFETY: as documented.
    unsafe {
        let data = obj.add(ARR_DATA as usize);
        if array_width(obj) == 1 {
            i64::from(data.add(i).read())
        } else {
            (data as *const i64).add(i).read()
        }
    }
}

/// Sets element `i` of an array to the word `value` (nothing is retained or released).
///
/// # Safety
/// `obj` must be a live array and `i` below its capacity.
pub unsafe fn array_set(obj: Obj, i: usize, value: i64) {
    // SAFETY: as documented.
    unsafe {
        let data = obj.add(ARR_DATA as usize);
        if array_width(obj) == 1 {
            data.add(i).write(value as u8);
        } else {
            (data as *mut i64).add(i).write(value);
        }
    }
}

/// The elements of an array, as words.
///
/// # Safety
/// `obj` must be a live array that is not changed while the iterator is used.
pub unsafe fn array_iter(obj: Obj) -> impl Iterator<Item = i64> {
    // SAFETY: as documented.
    let len = unsafe { array_len(obj) };
    // SAFETY: every index is below the length.
    (0..len).map(move |i| unsafe { array_get(obj, i) })
}

/// The elements of an array of word-wide elements (any element type but `bool` and `()`).
///
/// # Safety
/// `obj` must be a live array with 8-byte elements that outlives the slice and is not resized
/// meanwhile.
pub unsafe fn array_words<'a>(obj: Obj) -> &'a mut [i64] {
    // SAFETY: as documented.
    unsafe {
        debug_assert_eq!(array_width(obj), 8);
        std::slice::from_raw_parts_mut(obj.add(ARR_DATA as usize) as *mut i64, array_len(obj))
    }
}

/// Moves elements `from..len` of an array to start at `to` (within its capacity), as
/// `copy_within` does.
///
/// # Safety
/// `obj` must be a live array; `from <= len`, and `to + (len - from)` at most its capacity.
pub unsafe fn array_move(obj: Obj, from: usize, len: usize, to: usize) {
    // SAFETY: as documented.
    unsafe {
        let w = array_width(obj);
        let data = obj.add(ARR_DATA as usize);
        std::ptr::copy(data.add(from * w), data.add(to * w), (len - from) * w);
    }
}

/// Makes room for at least `extra` more elements of a unique array (which may move).
///
/// # Safety
/// `obj` must be a live array with count 1.
pub unsafe fn array_reserve(obj: Obj, extra: usize) -> Obj {
    // SAFETY: as documented.
    unsafe {
        let len = array_len(obj);
        let cap = word(obj, ARR_CAP) as usize;
        if len + extra <= cap {
            return obj;
        }
        let w = array_width(obj);
        let new_cap = (len + extra).max(cap * 2).max(4);
        let old = layout(ARR_DATA as usize + w * cap);
        let p = resize(obj, old, checked_size(ARR_DATA as usize, new_cap, w));
        set_word(p, ARR_CAP, new_cap as i64);
        p
    }
}

/// # Safety
/// `obj` must be a live array.
pub unsafe fn set_array_len(obj: Obj, len: usize) {
    // SAFETY: as documented (callers keep `len` within the capacity).
    unsafe { set_word(obj, ARR_LEN, len as i64) }
}

// ----- structs and enums --------------------------------------------------------------------

/// A new struct with zeroed fields (count 1).
///
/// # Safety
/// `desc` must be a live struct descriptor.
pub unsafe fn new_struct(desc: *const TypeDesc) -> Obj {
    // SAFETY: as documented.
    let n = unsafe { TypeDesc::get(desc).fields.len() };
    let obj = alloc_bytes(STRUCT_FIELDS as usize + 8 * n);
    // SAFETY: freshly allocated with room for the header and `n` fields.
    unsafe {
        set_word(obj, RC, 1);
        set_word(obj, STRUCT_DESC, desc as i64);
        std::ptr::write_bytes(obj.add(STRUCT_FIELDS as usize), 0, 8 * n);
    }
    obj
}

/// A new enum value of variant `tag` with zeroed payload (count 1).
///
/// # Safety
/// `desc` must be a live enum descriptor.
pub unsafe fn new_enum(desc: *const TypeDesc, tag: usize) -> Obj {
    // SAFETY: as documented.
    let n = unsafe {
        TypeDesc::get(desc)
            .variants
            .get(tag)
            .map_or(0, |v| v.1.len())
    };
    let obj = alloc_bytes(ENUM_PAYLOAD as usize + 8 * n);
    // SAFETY: freshly allocated with room for the header and `n` payload words.
    unsafe {
        set_word(obj, RC, 1);
        set_word(obj, ENUM_DESC, desc as i64);
        set_word(obj, ENUM_TAG, tag as i64);
        std::ptr::write_bytes(obj.add(ENUM_PAYLOAD as usize), 0, 8 * n);
    }
    obj
}

// ----- copy on write ------------------------------------------------------------------------

/// Returns a version of `obj` that the caller holds alone: `obj` itself if its count is 1,
/// else a shallow copy (whose children gain a reference), with the caller's reference of `obj`
/// given up.
///
/// # Safety
/// `obj` must be a live object of kind `kind`, and the caller must own one of its references.
pub unsafe fn make_unique(obj: Obj, kind: Kind) -> Obj {
    // SAFETY: as documented.
    unsafe {
        if word(obj, RC) == 1 {
            return obj;
        }
        let copy = shallow_copy(obj, kind, 0);
        release(obj, kind);
        copy
    }
}

/// A copy of `obj` with count 1 and `extra` more slots of capacity (arrays and strings),
/// sharing its children.
///
/// # Safety
/// `obj` must be a live object of kind `kind`.
pub unsafe fn shallow_copy(obj: Obj, kind: Kind, extra: usize) -> Obj {
    // SAFETY: as documented.
    unsafe {
        match kind {
            Kind::Str => {
                let bytes = str_bytes(obj);
                let copy = str_with_capacity(bytes.len() + extra);
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    copy.add(STR_DATA as usize),
                    bytes.len(),
                );
                set_word(copy, STR_LEN, bytes.len() as i64);
                copy
            }
            Kind::Array => {
                let elem = array_elem(obj);
                let len = array_len(obj);
                let copy = array_with_capacity(elem, len, len + extra);
                if TypeDesc::get(elem).kind.is_heap() {
                    for v in array_iter(obj) {
                        if v != 0 {
                            retain(v as Obj);
                        }
                    }
                }
                std::ptr::copy_nonoverlapping(
                    obj.add(ARR_DATA as usize),
                    copy.add(ARR_DATA as usize),
                    len * array_width(obj),
                );
                copy
            }
            Kind::Struct => {
                let desc_ptr = word(obj, STRUCT_DESC) as *const TypeDesc;
                let desc = TypeDesc::get(desc_ptr);
                let copy = new_struct(desc_ptr);
                for (i, (_, f)) in desc.fields.iter().enumerate() {
                    let v = word(obj, STRUCT_FIELDS + 8 * i as i32);
                    retain_word(v, *f);
                    set_word(copy, STRUCT_FIELDS + 8 * i as i32, v);
                }
                copy
            }
            Kind::Enum => {
                let desc_ptr = word(obj, ENUM_DESC) as *const TypeDesc;
                let desc = TypeDesc::get(desc_ptr);
                let tag = word(obj, ENUM_TAG) as usize;
                let copy = new_enum(desc_ptr, tag);
                if let Some((_, payload)) = desc.variants.get(tag) {
                    for (i, f) in payload.iter().enumerate() {
                        let v = word(obj, ENUM_PAYLOAD + 8 * i as i32);
                        retain_word(v, *f);
                        set_word(copy, ENUM_PAYLOAD + 8 * i as i32, v);
                    }
                }
                copy
            }
            Kind::Map => super::map::copy(obj),
            _ => obj,
        }
    }
}

// ----- equality, ordering, printing ---------------------------------------------------------

/// Structural equality of two values of type `desc`, given as words.
///
/// # Safety
/// Both words must be values of type `desc`.
pub unsafe fn equal(a: i64, b: i64, desc: *const TypeDesc) -> bool {
    // SAFETY: as documented.
    unsafe {
        let d = TypeDesc::get(desc);
        match d.kind {
            Kind::F64 => f64::from_bits(a as u64) == f64::from_bits(b as u64),
            Kind::Str => a == b || str_bytes(a as Obj) == str_bytes(b as Obj),
            Kind::Array => {
                let (x, y) = (a as Obj, b as Obj);
                if x == y {
                    return true;
                }
                array_len(x) == array_len(y)
                    && array_iter(x)
                        .zip(array_iter(y))
                        .all(|(p, q)| equal(p, q, d.elem))
            }
            Kind::Struct => {
                let (x, y) = (a as Obj, b as Obj);
                x == y
                    || d.fields.iter().enumerate().all(|(i, (_, f))| {
                        let off = STRUCT_FIELDS + 8 * i as i32;
                        equal(word(x, off), word(y, off), *f)
                    })
            }
            Kind::Enum => {
                let (x, y) = (a as Obj, b as Obj);
                if x == y {
                    return true;
                }
                let tag = word(x, ENUM_TAG);
                if tag != word(y, ENUM_TAG) {
                    return false;
                }
                let payload = d.variants.get(tag as usize).map_or(&[][..], |v| &v.1[..]);
                payload.iter().enumerate().all(|(i, f)| {
                    let off = ENUM_PAYLOAD + 8 * i as i32;
                    equal(word(x, off), word(y, off), *f)
                })
            }
            Kind::Map => super::map::equal(a as Obj, b as Obj),
            Kind::Bool | Kind::Unit => (a & 0xff) == (b & 0xff),
            Kind::I64 | Kind::Fn => a == b,
        }
    }
}

/// A hash of a value consistent with [`equal`] (equal values hash alike).
///
/// # Safety
/// `value` must be a value of type `desc`.
pub unsafe fn hash_value(value: i64, desc: *const TypeDesc) -> u64 {
    use std::hash::Hasher;
    let mut h = WordHasher(0);
    // SAFETY: as documented.
    unsafe { hash_into(&mut h, value, desc) };
    h.finish()
}

/// A fast hash of words and bytes for `Map` keys: a multiply-rotate step per 8 bytes and a
/// final mix. Maps never iterate in hash order (entries keep insertion order), so the hash
/// only has to spread keys, not be unpredictable; SipHash, the standard library's default,
/// made word counting several times slower.
struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length tells "ab" from "ab\0".
        self.add(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

unsafe fn hash_into(h: &mut WordHasher, value: i64, desc: *const TypeDesc) {
    use std::hash::Hasher;
    // SAFETY: `value` is of type `desc` (the caller's contract).
    unsafe {
        let d = TypeDesc::get(desc);
        match d.kind {
            Kind::I64 | Kind::Fn => h.write_i64(value),
            Kind::F64 => {
                let f = f64::from_bits(value as u64);
                // `0.0 == -0.0`: they must hash alike.
                h.write_u64(if f == 0.0 { 0 } else { f.to_bits() });
            }
            Kind::Bool | Kind::Unit => h.write_u8(value as u8),
            Kind::Str => h.write(str_bytes(value as Obj)),
            Kind::Array => {
                let obj = value as Obj;
                h.write_usize(array_len(obj));
                for v in array_iter(obj) {
                    hash_into(h, v, d.elem);
                }
            }
            Kind::Struct => {
                for (i, (_, f)) in d.fields.iter().enumerate() {
                    hash_into(h, word(value as Obj, STRUCT_FIELDS + 8 * i as i32), *f);
                }
            }
            Kind::Enum => {
                let tag = word(value as Obj, ENUM_TAG);
                h.write_i64(tag);
                let payload = d.variants.get(tag as usize).map_or(&[][..], |v| &v.1[..]);
                for (i, f) in payload.iter().enumerate() {
                    hash_into(h, word(value as Obj, ENUM_PAYLOAD + 8 * i as i32), *f);
                }
            }
            // Maps equal in any order: their size is what order cannot change.
            Kind::Map => h.write_usize(super::map::data(value as Obj).len()),
        }
    }
}

/// The order of two values of an ordered type (`i64`, `f64`, `str`); NaN sorts last.
///
/// # Safety
/// Both words must be values of type `desc`.
pub unsafe fn compare(a: i64, b: i64, desc: *const TypeDesc) -> std::cmp::Ordering {
    // SAFETY: as documented.
    unsafe {
        match TypeDesc::get(desc).kind {
            Kind::F64 => f64::from_bits(a as u64).total_cmp(&f64::from_bits(b as u64)),
            Kind::Str => str_bytes(a as Obj).cmp(str_bytes(b as Obj)),
            _ => a.cmp(&b),
        }
    }
}

/// How a value prints with `print` (`debug: false`) or in an `assert_eq` report
/// (`debug: true`, where strings are quoted and structures shown field by field).
///
/// # Safety
/// `value` must be a value of type `desc`.
pub unsafe fn format_value(out: &mut String, value: i64, desc: *const TypeDesc, debug: bool) {
    use std::fmt::Write;
    // SAFETY: as documented.
    unsafe {
        let d = TypeDesc::get(desc);
        match d.kind {
            Kind::I64 => {
                let _ = write!(out, "{value}");
            }
            Kind::F64 => out.push_str(&crate::format::f64_to_string(f64::from_bits(value as u64))),
            Kind::Bool => out.push_str(crate::format::bool_to_string(value & 0xff != 0)),
            Kind::Unit => out.push_str("()"),
            Kind::Fn => out.push_str("<fn>"),
            Kind::Str => {
                let s = str_text(value as Obj);
                if debug {
                    let _ = write!(out, "{s:?}");
                } else {
                    out.push_str(s);
                }
            }
            Kind::Array => {
                out.push('[');
                for (i, v) in array_iter(value as Obj).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    format_value(out, v, d.elem, true);
                }
                out.push(']');
            }
            Kind::Struct if d.tuple => {
                out.push('(');
                for (i, (_, f)) in d.fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    format_value(
                        out,
                        word(value as Obj, STRUCT_FIELDS + 8 * i as i32),
                        *f,
                        true,
                    );
                }
                out.push(')');
            }
            Kind::Map => {
                let (kd, vd) = super::map::key_value_descs(desc);
                out.push('{');
                for (i, (k, v)) in super::map::data(value as Obj).iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    format_value(out, k, kd, true);
                    out.push_str(": ");
                    format_value(out, v, vd, true);
                }
                out.push('}');
            }
            Kind::Struct => {
                out.push_str(&d.name);
                out.push_str(" { ");
                for (i, (name, f)) in d.fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    out.push_str(": ");
                    format_value(
                        out,
                        word(value as Obj, STRUCT_FIELDS + 8 * i as i32),
                        *f,
                        true,
                    );
                }
                out.push_str(if d.fields.is_empty() { "}" } else { " }" });
            }
            Kind::Enum => {
                let tag = word(value as Obj, ENUM_TAG) as usize;
                let Some((name, payload)) = d.variants.get(tag) else {
                    return;
                };
                if d.prelude {
                    out.push_str(name);
                } else {
                    let _ = write!(out, "{}::{name}", d.name);
                }
                if !payload.is_empty() {
                    out.push('(');
                    for (i, f) in payload.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        format_value(
                            out,
                            word(value as Obj, ENUM_PAYLOAD + 8 * i as i32),
                            *f,
                            true,
                        );
                    }
                    out.push(')');
                }
            }
        }
    }
}
