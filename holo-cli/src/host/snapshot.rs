//! The answer of the last `holo test` for one exact state of the sources, so that
//! `holo test --affected` on unchanged sources answers without parsing anything.
//!
//! The snapshot is keyed by the toolchain build, the manifest's bytes and every source file's
//! path and content hash. When a new run finds the same key, every test's reach — and so every
//! recorded result — is what the snapshot says, because reach is a function of exactly those
//! inputs. Reading and hashing the files costs a few milliseconds for 100 000 lines; parsing,
//! checking and lowering them (even from the cache) costs hundreds.
//!
//! The check for a matching snapshot reads it through a read-only handle (no write, no sync):
//! the snapshot ends with a checksum of itself, so a damaged one is no snapshot.
//!
//! Only clean states are snapshotted: a package with diagnostics (warnings included) takes the
//! normal path, which renders them against the parsed sources.

use crate::host::package::PackageLocation;
use crate::vfs::{DiskVfs, ReadOutcome, SRC_DIR};
use holo_db::{Key, Store};
use holo_runner::exec::Failure;
use serde::{Deserialize, Serialize};

/// The project-state meta entry holding the snapshot.
const META_KEY: &str = "test-snapshot";

#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub key: Key,
    /// How many source files the package has (for `holo check`'s report).
    pub files: usize,
    /// Every test of the package, in report order, with what is known of it.
    pub tests: Vec<SnapshotTest>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SnapshotTest {
    pub name: String,
    pub file: String,
    pub line: u32,
    /// The recorded result valid for this state of the sources, if there is one.
    pub result: Option<SnapshotResult>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SnapshotResult {
    /// `passed`, `failed` or `crashed`.
    pub outcome: String,
    /// With positions as they are in this state of the sources.
    pub failure: Option<Failure>,
    pub output: Vec<u8>,
    pub output_dropped: u64,
    pub recorded_at: u64,
}

/// The key of the package's current sources on disk, or `None` when some file cannot be read
/// as text (the normal path reports that properly).
pub fn current_key(location: &PackageLocation, build_id: &str) -> Option<Key> {
    let manifest = std::fs::read(&location.manifest_path).ok()?;
    let vfs = DiskVfs::new(&location.root);
    let mut texts = Vec::new();
    for path in vfs.list(SRC_DIR).ok()? {
        let ReadOutcome::Text(text) = vfs.read_source(&path).ok()? else {
            return None;
        };
        texts.push((path, text));
    }
    Some(key_of(
        build_id,
        &manifest,
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())),
    ))
}

/// The key of a state of the sources: the toolchain, the manifest's bytes, and every source
/// file's path and content hash, in path order.
pub fn key_of<'a>(
    build_id: &str,
    manifest: &[u8],
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Key {
    let hashed: Vec<(&str, [u8; 32])> = files
        .into_iter()
        .map(|(path, text)| (path, *blake3::hash(text.as_bytes()).as_bytes()))
        .collect();
    key_of_hashed(build_id, manifest, hashed)
}

/// [`key_of`] from the files' content hashes (`blake3` of the text).
pub fn key_of_hashed<'a>(
    build_id: &str,
    manifest: &[u8],
    files: impl IntoIterator<Item = (&'a str, [u8; 32])>,
) -> Key {
    let mut files: Vec<(&str, [u8; 32])> = files.into_iter().collect();
    files.sort();
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"holo test snapshot v1");
    hasher.update(build_id.as_bytes());
    hasher.update(&(manifest.len() as u64).to_le_bytes());
    hasher.update(manifest);
    for (path, hash) in files {
        hasher.update(&(path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update(&hash);
    }
    *hasher.finalize().as_bytes()
}

/// The stored snapshot, if it is readable.
pub fn load(state: &Store) -> Option<Snapshot> {
    decode(&state.get_meta(META_KEY).ok()??)
}

/// A stored snapshot: its encoding, then a blake3 hash of it. Damage reads as no snapshot.
fn decode(stored: &[u8]) -> Option<Snapshot> {
    let (bytes, check) = stored.split_at_checked(stored.len().checked_sub(32)?)?;
    if blake3::hash(bytes).as_bytes() != check {
        return None;
    }
    postcard::from_bytes(bytes).ok()
}

/// Stores the snapshot; failing only costs the next run its shortcut.
pub fn save(state: &Store, snapshot: &Snapshot) {
    let Ok(mut bytes) = postcard::to_allocvec(snapshot) else {
        return;
    };
    let check = blake3::hash(&bytes);
    bytes.extend_from_slice(check.as_bytes());
    if let Err(e) = state.put_meta(META_KEY, &bytes) {
        tracing::warn!("could not save the test snapshot: {e}");
    }
}

/// The stored snapshot, when the package's sources on disk are exactly those it was made for.
/// `None` in every other case (no state yet, a damaged state, other sources).
pub fn matching(location: &PackageLocation, build_id: &str) -> Option<Snapshot> {
    let state_path = crate::host::store::project_state_path(&location.root);
    if !state_path.is_file() {
        return None;
    }
    let key = current_key(location, build_id)?;
    // A read-only look, without the writes and syncs of opening the store for writing: the
    // snapshot carries its own checksum, so damage reads as no snapshot.
    let bytes = holo_db::peek_meta(&state_path, META_KEY)?;
    decode(&bytes).filter(|snapshot| snapshot.key == key)
}

/// When the sources are those of the stored snapshot — which is only made for packages without
/// errors or warnings — the number of source files, so that `holo check` can answer at once.
pub fn clean_state(location: &PackageLocation, build_id: &str) -> Option<usize> {
    matching(location, build_id).map(|snapshot| snapshot.files)
}
