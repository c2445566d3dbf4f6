//! Item fingerprints: a hash of each item's semantic content, and the item-level change set
//! between two versions of a package.
//!
//! A fingerprint ignores whitespace, comments and source positions (it hashes the position-free
//! AST of `ast.rs`), so it changes exactly when what the item means may have changed. Each item
//! has two: `interface` (what other items can observe: a function's signature, a struct's fields,
//! a constant's type and value) and `full` (the interface plus the body). Later stages key cached
//! results and decide which tests to re-run from these.

use crate::db::{self, ItemKey};
use crate::ids::ItemId;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// A 256-bit content hash.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Fingerprint(pub [u8; 32]);

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl Fingerprint {
    /// Hashes any `Hash` value with blake3. Derived `Hash` impls feed every field, discriminant
    /// and length, so structurally different values get different fingerprints.
    pub fn of<T: Hash + ?Sized>(value: &T) -> Fingerprint {
        let mut hasher = Blake3Hasher(blake3::Hasher::new());
        value.hash(&mut hasher);
        Fingerprint(*hasher.0.finalize().as_bytes())
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Adapts blake3 to `std::hash::Hasher` so that derived `Hash` impls can feed it.
struct Blake3Hasher(blake3::Hasher);

impl Hasher for Blake3Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        let bytes = self.0.finalize();
        u64::from_le_bytes(bytes.as_bytes()[..8].try_into().unwrap_or([0; 8]))
    }
}

/// The two fingerprints of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemFingerprint {
    /// What other items can depend on: signature, fields, variants, a constant's type and value.
    pub interface: Fingerprint,
    /// Everything, including a function's body.
    pub full: Fingerprint,
}

/// The fingerprints of one item, or `None` if it no longer exists.
#[salsa::tracked(returns(copy))]
pub fn item_fingerprint<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<ItemFingerprint> {
    let input = db::item_input(db, item)?;
    Some(ItemFingerprint {
        interface: Fingerprint::of(&**input.interface(db)),
        full: Fingerprint::of(&**input.full(db)),
    })
}

/// The interface fingerprint of one item alone (cheaper than [`item_fingerprint`], which also
/// hashes the body), or `None` if it no longer exists.
#[salsa::tracked(returns(copy))]
pub fn item_interface_fingerprint<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Fingerprint> {
    let input = db::item_input(db, item)?;
    Some(Fingerprint::of(&**input.interface(db)))
}

/// The fingerprints of every item of the package.
pub fn package_fingerprints(db: &dyn salsa::Database) -> BTreeMap<ItemId, ItemFingerprint> {
    let mut out = BTreeMap::new();
    for file in db::module_map(db).values() {
        for (id, _) in file.items(db).iter() {
            if let Some(fp) = item_fingerprint(db, ItemKey::new(db, id.clone())) {
                out.insert(id.clone(), fp);
            }
        }
    }
    out
}

/// The full fingerprint of every constant of the package, by its path (`config::LIMIT`). A
/// running program may hold values computed from a constant (a counter started at it), so a
/// constant that changed decides a restart, not a patch (`holo_runner::live::plan`); the
/// lowered program inlines constants and cannot tell.
pub fn constant_fingerprints(db: &dyn salsa::Database) -> BTreeMap<String, Fingerprint> {
    let mut out = BTreeMap::new();
    for file in db::module_map(db).values() {
        for (id, _) in file.items(db).iter() {
            let Some(input) = db::item_input(db, ItemKey::new(db, id.clone())) else {
                continue;
            };
            let full = input.full(db);
            if matches!(full.kind, crate::ast::ItemKind::Const(_)) {
                out.insert(id.to_string(), Fingerprint::of(&**full));
            }
        }
    }
    out
}

/// How one item changed between two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemChange {
    Added,
    Removed,
    /// The interface changed (and perhaps the body): users of the item must be re-checked.
    Interface,
    /// Only the body changed: only the item itself must be re-checked.
    Body,
}

/// The item-level difference between two snapshots of [`package_fingerprints`], in item order.
pub fn diff(
    old: &BTreeMap<ItemId, ItemFingerprint>,
    new: &BTreeMap<ItemId, ItemFingerprint>,
) -> Vec<(ItemId, ItemChange)> {
    let mut changes = Vec::new();
    for (id, fp) in new {
        match old.get(id) {
            None => changes.push((id.clone(), ItemChange::Added)),
            Some(prev) if prev.interface != fp.interface => {
                changes.push((id.clone(), ItemChange::Interface))
            }
            Some(prev) if prev.full != fp.full => changes.push((id.clone(), ItemChange::Body)),
            Some(_) => {}
        }
    }
    for id in old.keys() {
        if !new.contains_key(id) {
            changes.push((id.clone(), ItemChange::Removed));
        }
    }
    changes.sort();
    changes
}

/// A fingerprint shared by everything a snapshot was computed from, e.g. to key a whole check.
pub fn combine(parts: &BTreeMap<ItemId, ItemFingerprint>) -> Fingerprint {
    Fingerprint::of(&parts.iter().collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Compiler, ModulePath, PackageKind};

    fn snapshot(files: &[(&str, &str)]) -> BTreeMap<ItemId, ItemFingerprint> {
        let mut c = Compiler::new(PackageKind::Bin);
        for (p, t) in files {
            c.set_file(p, t);
        }
        package_fingerprints(c.db())
    }

    fn id(name: &str) -> ItemId {
        ItemId::new(ModulePath::root(), name)
    }

    const BASE: &str =
        "fn main() {\n    println(f(1));\n}\n\nfn f(x: i64) -> i64 {\n    x + 1\n}\n";

    #[test]
    fn layout_and_comments_do_not_change_fingerprints() {
        let a = snapshot(&[("src/main.holo", BASE)]);
        let b = snapshot(&[(
            "src/main.holo",
            "// a comment\nfn main() { println(f(1)); }\n\n\n/* moved */ fn f(x: i64) -> i64 { x + 1 }",
        )]);
        assert_eq!(a, b);
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn changes_are_classified_per_item() {
        let a = snapshot(&[("src/main.holo", BASE)]);
        let body = snapshot(&[("src/main.holo", &BASE.replace("x + 1", "x + 2"))]);
        assert_eq!(diff(&a, &body), vec![(id("f"), ItemChange::Body)]);
        let sig = snapshot(&[("src/main.holo", &BASE.replace("-> i64", "-> str"))]);
        assert_eq!(diff(&a, &sig), vec![(id("f"), ItemChange::Interface)]);
        let added = snapshot(&[("src/main.holo", &format!("{BASE}\nfn g() {{}}\n"))]);
        assert_eq!(diff(&a, &added), vec![(id("g"), ItemChange::Added)]);
        assert_eq!(diff(&added, &a), vec![(id("g"), ItemChange::Removed)]);
    }

    #[test]
    fn fingerprints_are_deterministic_content_hashes() {
        // The value is a content hash of the position-free tree: the same source gives the same
        // fingerprint in any process, which is what lets later stages use it as a cache key.
        let a = snapshot(&[("src/main.holo", BASE)]);
        let b = snapshot(&[("src/main.holo", BASE)]);
        assert_eq!(combine(&a), combine(&b));
        assert_eq!(a[&id("f")].full.to_hex().len(), 64);
    }
}
