//! `Map<K, V>`: a hash map that iterates in insertion order, as a reference-counted heap
//! object with value semantics (copied on write, like arrays).
//!
//! ```text
//! map  [rc][desc][data]      desc: fields `key` and `value`; data: a `Box<MapData>`
//! ```
//!
//! Entries live in a vector in insertion order; a removed entry leaves a hole that the next
//! compaction closes, so removal keeps the order of the others and costs O(1) on average. The
//! index maps a key's hash to the first entry with that hash; entries with equal hashes are
//! chained through `next`. Keys are hashed and compared structurally through their descriptor
//! (`heap::hash_value`, `heap::equal`), so any type with `==` can be a key.

use super::desc::{Kind, TypeDesc};
use super::heap::{self, Obj};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

pub const MAP_DESC: i32 = 8;
pub const MAP_DATA: i32 = 16;
pub const MAP_SIZE: usize = 24;

const NONE: u32 = u32::MAX;

/// The entries of one map.
#[derive(Default)]
pub struct MapData {
    /// `(key, value)` words in insertion order; `None` for a removed entry.
    entries: Vec<Option<(i64, i64)>>,
    /// The next entry with the same hash (parallel to `entries`), or [`NONE`].
    next: Vec<u32>,
    /// Hash → the first entry with that hash.
    index: HashMap<u64, u32, BuildHasherDefault<HashIsKey>>,
    live: usize,
}

impl MapData {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The live entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.entries.iter().flatten().copied()
    }

    /// The entry of `key`.
    ///
    /// # Safety
    /// `key` must be a value of type `kd`, as every key of the map.
    unsafe fn find(&self, key: i64, kd: *const TypeDesc) -> Option<usize> {
        // SAFETY: as documented.
        let h = unsafe { heap::hash_value(key, kd) };
        let mut i = *self.index.get(&h)?;
        while i != NONE {
            if let Some((k, _)) = self.entries[i as usize] {
                // SAFETY: both are keys of type `kd`.
                if unsafe { heap::equal(k, key, kd) } {
                    return Some(i as usize);
                }
            }
            i = self.next[i as usize];
        }
        None
    }

    /// Rebuilds the entries without holes (and the index with them).
    ///
    /// # Safety
    /// Every key must be of type `kd`.
    unsafe fn compact(&mut self, kd: *const TypeDesc) {
        let entries: Vec<(i64, i64)> = self.entries.drain(..).flatten().collect();
        self.next.clear();
        self.index.clear();
        self.live = 0;
        for (k, v) in entries {
            // SAFETY: as documented.
            unsafe { self.push(k, v, kd) };
        }
    }

    /// Appends an entry for a key that is not in the map (no reference counting here).
    ///
    /// # Safety
    /// `key` must be of type `kd`.
    unsafe fn push(&mut self, key: i64, value: i64, kd: *const TypeDesc) {
        // SAFETY: as documented.
        let h = unsafe { heap::hash_value(key, kd) };
        let i = self.entries.len() as u32;
        let head = self.index.insert(h, i).unwrap_or(NONE);
        self.entries.push(Some((key, value)));
        self.next.push(head);
        self.live += 1;
    }
}

/// The index's keys are already hashes (`heap::hash_value`): hashing them again would only
/// cost time.
#[derive(Default)]
struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The descriptors of a map's keys and values.
///
/// # Safety
/// `desc` must be a live map descriptor.
pub unsafe fn key_value_descs(desc: *const TypeDesc) -> (*const TypeDesc, *const TypeDesc) {
    // SAFETY: as documented.
    let d = unsafe { TypeDesc::get(desc) };
    let field = |i: usize| d.fields.get(i).map_or(std::ptr::null(), |f| f.1);
    (field(0), field(1))
}

/// A new, empty map (count 1).
pub fn new_map(desc: *const TypeDesc) -> Obj {
    let data = Box::into_raw(Box::<MapData>::default());
    let obj = heap::alloc_object(MAP_SIZE);
    // SAFETY: freshly allocated with room for the three header words.
    unsafe {
        heap::set_header_word(obj, heap::RC, 1);
        heap::set_header_word(obj, MAP_DESC, desc as i64);
        heap::set_header_word(obj, MAP_DATA, data as i64);
    }
    obj
}

/// # Safety
/// `obj` must be a live map.
pub unsafe fn desc_of(obj: Obj) -> *const TypeDesc {
    // SAFETY: as documented.
    unsafe { heap::header_word(obj, MAP_DESC) as *const TypeDesc }
}

/// # Safety
/// `obj` must be a live map, not changed while the reference is used.
pub unsafe fn data<'a>(obj: Obj) -> &'a MapData {
    // SAFETY: as documented; the data pointer of a live map is a live `Box<MapData>`.
    unsafe { &*(heap::header_word(obj, MAP_DATA) as *const MapData) }
}

/// # Safety
/// `obj` must be a live map that the caller holds alone.
unsafe fn data_mut<'a>(obj: Obj) -> &'a mut MapData {
    // SAFETY: as documented.
    unsafe { &mut *(heap::header_word(obj, MAP_DATA) as *mut MapData) }
}

/// The value of `key`, borrowed from the map.
///
/// # Safety
/// `obj` must be a live map and `key` of its key type.
pub unsafe fn get(obj: Obj, key: i64) -> Option<i64> {
    // SAFETY: as documented.
    unsafe {
        let (kd, _) = key_value_descs(desc_of(obj));
        let d = data(obj);
        d.find(key, kd).and_then(|i| d.entries[i]).map(|(_, v)| v)
    }
}

/// Sets the value of `key` (retaining what is stored, releasing a replaced value).
///
/// # Safety
/// `obj` must be a live map held alone; `key` and `value` of its types.
pub unsafe fn insert(obj: Obj, key: i64, value: i64) {
    // SAFETY: as documented.
    unsafe {
        let (kd, vd) = key_value_descs(desc_of(obj));
        let d = data_mut(obj);
        heap::retain_word(value, vd);
        match d.find(key, kd) {
            Some(i) => {
                if let Some((_, old)) = &mut d.entries[i] {
                    let previous = std::mem::replace(old, value);
                    heap::release_word(previous, vd);
                }
            }
            None => {
                heap::retain_word(key, kd);
                d.push(key, value, kd);
            }
        }
    }
}

/// Removes `key`, handing its key and value references to the caller.
///
/// # Safety
/// `obj` must be a live map held alone; `key` of its key type.
pub unsafe fn remove(obj: Obj, key: i64) -> Option<(i64, i64)> {
    // SAFETY: as documented.
    unsafe {
        let (kd, _) = key_value_descs(desc_of(obj));
        let d = data_mut(obj);
        let i = d.find(key, kd)?;
        let entry = d.entries[i].take();
        d.live -= 1;
        let holes = d.entries.len() - d.live;
        if holes > 32 && holes > d.live {
            d.compact(kd);
        }
        entry
    }
}

/// A copy of a map with count 1, sharing (retaining) its keys and values.
///
/// # Safety
/// `obj` must be a live map.
pub unsafe fn copy(obj: Obj) -> Obj {
    // SAFETY: as documented.
    unsafe {
        let desc = desc_of(obj);
        let (kd, vd) = key_value_descs(desc);
        let copy = new_map(desc);
        let to = data_mut(copy);
        for (k, v) in data(obj).iter() {
            heap::retain_word(k, kd);
            heap::retain_word(v, vd);
            to.push(k, v, kd);
        }
        copy
    }
}

/// Takes the entries out of a map being freed (the caller releases them) and frees its data.
///
/// # Safety
/// `obj` must be a map whose count reached zero; it must not be used afterwards but to
/// deallocate it.
pub unsafe fn take_entries(obj: Obj) -> (Vec<(i64, i64)>, *const TypeDesc, *const TypeDesc) {
    // SAFETY: as documented.
    unsafe {
        let (kd, vd) = key_value_descs(desc_of(obj));
        let boxed = Box::from_raw(heap::header_word(obj, MAP_DATA) as *mut MapData);
        (boxed.iter().collect(), kd, vd)
    }
}

/// Whether two maps have the same entries (in any order).
///
/// # Safety
/// Both must be live maps of the same type.
pub unsafe fn equal(a: Obj, b: Obj) -> bool {
    // SAFETY: as documented.
    unsafe {
        if a == b {
            return true;
        }
        let (_, vd) = key_value_descs(desc_of(a));
        let (da, db) = (data(a), data(b));
        da.len() == db.len()
            && da
                .iter()
                .all(|(k, v)| get(b, k).is_some_and(|w| heap::equal(v, w, vd)))
    }
}

/// Whether `kind` values can be map keys (every kind with `==`).
pub fn is_key_kind(kind: Kind) -> bool {
    kind != Kind::Fn
}
