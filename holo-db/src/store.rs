//! Opening a store: one redb file with a versioned header, shared by every holo process that
//! opens it, verified on open and rebuilt when it is damaged; and the [`Store`] handle with its
//! per-process bookkeeping (lookup counters, access marks waiting for `gc`).
//!
//! The tables are described in `tables.rs`; the operations on them live in `blobs.rs`
//! (content-addressed results, bookkeeping, run statistics), `gc.rs` (last use, garbage
//! collection, compaction) and `project.rs` (test results and the test-to-code map).

use crate::error::{Damage, StoreError, Warning};
use crate::fingerprint::{Fingerprinter, Key};
use crate::tables::{
    BLOB_INFO, BLOBS, FORMAT_TAG, HEADER, HEADER_CREATED_BY, HEADER_FORMAT, HEADER_LAST_BUILD,
    HEADER_SCHEMA, ITEM_TESTS, META, RUNS, SCHEMA_VERSION, TEST_MAP, TEST_RESULTS,
};
use redb::{
    ConcurrencyMode, Database, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableError,
};
use std::cell::Cell;
use std::collections::HashSet;
use std::fs::File;
use std::io::ErrorKind;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, Once, PoisonError, RwLock, RwLockReadGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// redb's page cache per open handle. Its default (1 GiB) is sized for one big process; holo
/// runs several small ones (CLI, daemon, LSP) against the same file.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The read-only look before the read-write open reads a few pages only.
const PRECHECK_CACHE_BYTES: usize = 1024 * 1024;

/// How to open a store. [`Store::open`] is `OpenOptions::new(build_id).open(path)`.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    build_id: String,
    verify_integrity: bool,
    fixed_time: Option<u64>,
    cache_bytes: usize,
}

impl OpenOptions {
    /// `build_id` names the toolchain build that uses the store (for example its version and
    /// commit). It is recorded in the header and mixed into [`Store::result_key`], so results
    /// computed by one build are never served to another.
    pub fn new(build_id: &str) -> OpenOptions {
        OpenOptions {
            build_id: build_id.to_owned(),
            verify_integrity: true,
            fixed_time: None,
            cache_bytes: CACHE_BYTES,
        }
    }

    /// The size of this handle's page cache (default 64 MiB). A process that keeps the store
    /// open for hours (the daemon) and writes to it now and then wants a small one: the cache
    /// fills with the pages of every commit up to this size, and stays resident.
    pub fn cache_bytes(mut self, bytes: usize) -> OpenOptions {
        self.cache_bytes = bytes;
        self
    }

    /// Makes the handle use `unix_secs` as the current time instead of the system clock: for
    /// the last-use days that `gc` compares and the time of recorded runs. For tests and tools
    /// that need a store to age without waiting; never for normal use.
    pub fn fixed_time(mut self, unix_secs: u64) -> OpenOptions {
        self.fixed_time = Some(unix_secs);
        self
    }

    /// Whether to verify every page checksum on open (the default). Without it, a file
    /// damaged in place (not truncated) can make redb panic on a later read, which holo-db
    /// cannot turn into a recovery. Measured cost with a warm page cache: about 1 ms for a small
    /// store, about 20 ms more than an unverified open for a 70 MB one. A long-running daemon
    /// pays it once; turn it off only for a file that was verified moments ago.
    pub fn verify_integrity(mut self, verify: bool) -> OpenOptions {
        self.verify_integrity = verify;
        self
    }

    /// Opens the store at `path`, creating it (and its folder) if needed.
    ///
    /// A file that is corrupt, truncated, not a redb database, another program's database, of
    /// another schema version, or unreadable is renamed to `<name>.corrupt-<unix-time>` (never
    /// deleted) and replaced by an empty store; the returned [`Warning`] says so in one line.
    /// Several processes may open the same store at once; their write transactions take turns.
    pub fn open(&self, path: impl AsRef<Path>) -> Result<(Store, Option<Warning>), StoreError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                action: "create the folder",
                path: parent.to_owned(),
                source,
            })?;
        }
        match self.try_open(path) {
            Ok(store) => Ok((store, None)),
            // The file vanished between being found and being read: another process is moving
            // a damaged store aside. Its recovery holds the lock; wait for it and open its store.
            Err(Attempt::Failed(StoreError::Engine { source, .. })) if matches!(&*source, redb::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound) => {
                self.recover(path)
            }
            Err(Attempt::Failed(error)) => Err(error),
            Err(Attempt::Damaged(_)) => self.recover(path),
        }
    }

    /// Moves a damaged store aside and creates a new one, under an exclusive lock on a sidecar
    /// `<name>.lock` file, so that when several processes find the same damage only the first
    /// renames it and the others open the store it created. Without the lock, a late process
    /// could rename the fresh store of an early one.
    fn recover(&self, path: &Path) -> Result<(Store, Option<Warning>), StoreError> {
        let lock_path = sidecar(path, ".lock")?;
        let lock = File::create(&lock_path).map_err(|source| StoreError::Io {
            action: "create the recovery lock",
            path: lock_path.clone(),
            source,
        })?;
        lock.lock().map_err(|source| StoreError::Io {
            action: "take the recovery lock",
            path: lock_path.clone(),
            source,
        })?;
        // Another process may have recovered the store while this one waited for the lock.
        let damage = match self.try_open(path) {
            Ok(store) => return Ok((store, None)),
            Err(Attempt::Failed(error)) => return Err(error),
            Err(Attempt::Damaged(damage)) => damage,
        };
        let moved_to = move_aside(path)?;
        let store = match self.try_open(path) {
            Ok(store) => store,
            Err(Attempt::Failed(error)) => return Err(error),
            Err(Attempt::Damaged(damage)) => {
                return Err(StoreError::RecreatedStoreUnusable {
                    path: path.to_owned(),
                    damage,
                });
            }
        };
        // The lock file stays: removing it would let a waiting process lock a file that a third
        // process has already replaced.
        drop(lock);
        let warning = Warning {
            path: path.to_owned(),
            moved_to,
            damage,
        };
        Ok((store, Some(warning)))
    }

    /// One attempt at opening and validating the file as it is now.
    fn try_open(&self, path: &Path) -> Result<Store, Attempt> {
        let exists = match std::fs::symlink_metadata(path) {
            Ok(metadata) if metadata.is_file() || metadata.file_type().is_symlink() => true,
            Ok(_) => {
                return Err(Attempt::Failed(StoreError::NotAFile {
                    path: path.to_owned(),
                }));
            }
            Err(error) if error.kind() == ErrorKind::NotFound => false,
            Err(source) => {
                return Err(Attempt::Failed(StoreError::Io {
                    action: "inspect the store",
                    path: path.to_owned(),
                    source,
                }));
            }
        };
        // redb reports the damage it detects as errors, but a damaged page read without
        // verification (the read-only look of `precheck`, or any read with verification off)
        // can reach an `unwrap` or `unreachable!` inside it. The open is the one place where
        // that is recoverable: nothing has been handed out yet.
        match catch_quietly(|| self.open_and_validate(path, exists)) {
            Ok(result) => result,
            Err(_) => Err(Attempt::Damaged(Damage::Corrupt {
                detail: "the storage engine failed while reading it".to_owned(),
            })),
        }
    }

    fn open_and_validate(&self, path: &Path, existed: bool) -> Result<Store, Attempt> {
        if existed {
            precheck(path)?;
        }
        // A store whose engine failed on a damaged page since it was last opened is verified
        // whatever the options say (see `Store::guarded`).
        let mark = sidecar(path, VERIFY_MARK).ok();
        let marked = mark.as_ref().is_some_and(|m| m.exists());
        let mut builder = Database::builder();
        builder
            .set_concurrency_mode(ConcurrencyMode::MultiWriter)
            .set_check_integrity_on_open(self.verify_integrity || marked)
            .set_cache_size(self.cache_bytes);
        let db = builder
            .create(path)
            .map_err(|e| classify(path, existed, "opening it", e.into()))?;
        let store = Store {
            db: RwLock::new(db),
            path: path.to_owned(),
            build_id: self.build_id.clone(),
            fixed_time: self.fixed_time,
            counters: Counters::default(),
            pending_access: Mutex::new(HashSet::new()),
        };
        store.validate_header()?;
        if let Some(mark) = mark.filter(|_| marked) {
            // Verified and sound: the damage that left the mark was repaired by the open.
            let _ = std::fs::remove_file(mark);
        }
        Ok(store)
    }
}

/// The sidecar file (`<name>.verify`) that asks the next open to verify every page.
const VERIFY_MARK: &str = ".verify";

thread_local! {
    /// Set while this thread runs code whose panics [`catch_quietly`] turns into recovery.
    static QUIET_PANICS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err` without the panic message that the default hook would
/// print: a panic inside redb while reading a damaged file is not a crash of holo but a finding
/// that leads to moving the file aside, and the user should see that warning only.
///
/// The first call chains a panic hook in front of the one installed at that moment. It stays
/// silent only for panics on a thread inside `catch_quietly`; every other panic, on any
/// thread, goes to the previous hook as before.
fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = QUIET_PANICS.with(|quiet| quiet.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET_PANICS.with(|quiet| quiet.set(outer));
    result
}

/// Looks at an existing file through a read-only handle before the read-write open, because
/// the read-write open writes (its integrity check commits, and it marks the file as in use):
/// a file of another program or another schema version must be moved aside exactly as it was
/// found. Damage that only the full verification finds is left to the read-write open.
fn precheck(path: &Path) -> Result<(), Attempt> {
    // redb's create turns an empty file into a new database; the read-only open would reject it.
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Ok(());
    }
    let mut builder = Database::builder();
    builder
        .set_concurrency_mode(ConcurrencyMode::MultiWriter)
        .set_cache_size(PRECHECK_CACHE_BYTES);
    let db = match builder.open_read_only(path) {
        Ok(db) => db,
        // A writer crashed mid-transaction and the file needs the repair that only a read-write
        // open performs (redb's normal crash recovery); the header is checked after it.
        Err(redb::DatabaseError::RepairAborted) => return Ok(()),
        Err(error) => return Err(classify(path, true, "opening it to read", error.into())),
    };
    let classify = |e: redb::Error| classify(path, true, "reading its header", e);
    let read = db.begin_read().map_err(|e| classify(e.into()))?;
    match inspect_header(&read).map_err(classify)? {
        HeaderState::Valid(_) | HeaderState::Missing { has_tables: false } => Ok(()),
        HeaderState::Missing { has_tables: true } => Err(Attempt::Damaged(Damage::NotAHoloStore)),
        HeaderState::Invalid(damage) => Err(Attempt::Damaged(damage)),
    }
}

/// Reads one bookkeeping entry ([`Store::get_meta`]) of the store at `path` through a read-only
/// handle: no write, no sync, no verification of the file, so it costs a lookup. `None` when
/// the file is absent, needs the repair only a read-write open performs, is damaged, or has no
/// such entry. The caller must be able to tell a damaged value (for example by a checksum in
/// it) and use [`OpenOptions::open`] for anything else.
pub fn peek_meta(path: impl AsRef<Path>, key: &str) -> Option<Vec<u8>> {
    let path = path.as_ref();
    if !path.is_file() {
        return None;
    }
    catch_quietly(|| {
        let mut builder = Database::builder();
        builder
            .set_concurrency_mode(ConcurrencyMode::MultiWriter)
            .set_cache_size(PRECHECK_CACHE_BYTES);
        let db = builder.open_read_only(path).ok()?;
        let read = db.begin_read().ok()?;
        let table = read.open_table(META).ok()?;
        let value = table.get(key).ok()??;
        Some(value.value().to_vec())
    })
    .ok()
    .flatten()
}

/// The outcome of a failed open attempt: damage is repaired by moving the file aside, anything
/// else goes back to the caller.
enum Attempt {
    Damaged(Damage),
    Failed(StoreError),
}

/// Sorts an engine error into damage (move the file aside) or a failure (report it).
fn classify(path: &Path, existed: bool, action: &'static str, error: redb::Error) -> Attempt {
    use redb::Error as E;
    let damage = match error {
        E::Corrupted(detail) if detail.contains("truncated") => Damage::Truncated { detail },
        E::Corrupted(detail) => Damage::Corrupt { detail },
        E::UpgradeRequired(version) => Damage::ForeignFileFormat { version },
        E::TableTypeMismatch { .. }
        | E::TypeDefinitionChanged { .. }
        | E::TableIsMultimap(_)
        | E::TableIsNotMultimap(_) => Damage::NotAHoloStore,
        E::DatabaseAlreadyOpen | E::LockProtocolMismatch => {
            return Attempt::Failed(StoreError::InUse {
                path: path.to_owned(),
            });
        }
        E::Io(io) => match io.kind() {
            ErrorKind::InvalidData if io.to_string().contains("magic number") => {
                Damage::NotADatabase
            }
            ErrorKind::InvalidData => Damage::Corrupt {
                detail: io.to_string(),
            },
            ErrorKind::UnexpectedEof => Damage::Truncated {
                detail: "the file ends inside its header".to_owned(),
            },
            ErrorKind::PermissionDenied if existed => Damage::Unreadable {
                detail: io.to_string(),
            },
            ErrorKind::IsADirectory => {
                return Attempt::Failed(StoreError::NotAFile {
                    path: path.to_owned(),
                });
            }
            _ => {
                return Attempt::Failed(StoreError::Engine {
                    action,
                    path: path.to_owned(),
                    source: Box::new(E::Io(io)),
                });
            }
        },
        other => {
            return Attempt::Failed(StoreError::Engine {
                action,
                path: path.to_owned(),
                source: Box::new(other),
            });
        }
    };
    Attempt::Damaged(damage)
}

/// `<path><suffix>`, next to the store.
fn sidecar(path: &Path, suffix: &str) -> Result<PathBuf, StoreError> {
    let Some(name) = path.file_name() else {
        return Err(StoreError::NotAFile {
            path: path.to_owned(),
        });
    };
    let mut name = name.to_owned();
    name.push(suffix);
    Ok(path.with_file_name(name))
}

/// Renames a damaged store to `<name>.corrupt-<unix-time>` (adding `-1`, `-2`, … if that name
/// is taken, because `rename` would silently replace an earlier one).
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for attempt in 0..1000u32 {
        let suffix = if attempt == 0 {
            format!(".corrupt-{seconds}")
        } else {
            format!(".corrupt-{seconds}-{attempt}")
        };
        let target = sidecar(path, &suffix)?;
        if std::fs::symlink_metadata(&target).is_ok() {
            continue;
        }
        return match std::fs::rename(path, &target) {
            Ok(()) => Ok(target),
            Err(source) => Err(StoreError::Io {
                action: "move the damaged store aside to",
                path: target,
                source,
            }),
        };
    }
    Err(StoreError::Io {
        action: "find a free name to move the damaged store aside next to",
        path: path.to_owned(),
        source: std::io::Error::new(ErrorKind::AlreadyExists, "1000 names were taken"),
    })
}

/// What [`Store::stats`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStats {
    /// Size of the file on disk (redb does not shrink files when entries are removed; `gc`
    /// compacts them).
    pub file_bytes: u64,
    /// Number of content-addressed entries.
    pub blobs: u64,
    /// Bytes of keys and values in the blob table, without the B-tree's overhead.
    pub blob_bytes: u64,
    /// Number of bookkeeping entries.
    pub meta_entries: u64,
    /// Number of tests with a recorded result.
    pub tests_recorded: u64,
    /// Number of tests with an entry in the test-to-code map.
    pub tests_mapped: u64,
    /// Number of (item, test) pairs in the test-to-code map.
    pub map_links: u64,
    pub schema_version: u64,
    /// The build id of the toolchain that created the store.
    pub created_by: String,
    /// The build id of the toolchain that opened it most recently.
    pub last_build: String,
}

/// This handle's lookups since it was opened (or since [`Store::reset_session_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Lookups (`get`, `get_many`, `contains`) that found their key.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Blobs this handle added to the store (keys that were already present do not count).
    pub writes: u64,
}

impl SessionStats {
    /// Hits as a fraction of all lookups, or `None` if there were none.
    pub fn hit_rate(&self) -> Option<f64> {
        hit_rate(self.hits, self.misses)
    }
}

/// The counters of one run, as [`Store::record_run`] saved them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunStats {
    /// What the run was, as the caller named it (for example `test`).
    pub command: String,
    /// When it was recorded, in seconds since the Unix epoch.
    pub recorded_at: u64,
    pub hits: u64,
    pub misses: u64,
    pub writes: u64,
}

impl RunStats {
    /// Hits as a fraction of all lookups, or `None` if there were none.
    pub fn hit_rate(&self) -> Option<f64> {
        hit_rate(self.hits, self.misses)
    }
}

fn hit_rate(hits: u64, misses: u64) -> Option<f64> {
    let total = hits + misses;
    (total > 0).then(|| hits as f64 / total as f64)
}

/// The lookup counters of a handle; relaxed atomics, since they are only ever summed.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) writes: AtomicU64,
}

/// An open store. Cheap to share between threads (`&Store` is enough; it is `Send + Sync`), and
/// several processes may hold the same file open.
pub struct Store {
    /// Behind a lock only so that `gc` can get the `&mut Database` that compaction needs; every
    /// other operation holds the read side just long enough to begin a transaction.
    db: RwLock<Database>,
    path: PathBuf,
    build_id: String,
    fixed_time: Option<u64>,
    pub(crate) counters: Counters,
    /// Keys this handle found, whose last-use day is written in one transaction later
    /// (`record_run`, `flush_access`, or when the handle is dropped): a commit per hit would
    /// cost an fsync each.
    pub(crate) pending_access: Mutex<HashSet<Key>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("build_id", &self.build_id)
            .finish_non_exhaustive()
    }
}

/// The decoded header of an existing store.
struct Header {
    schema_version: u64,
    created_by: String,
    last_build: String,
}

impl Store {
    /// Opens (or creates) the store at `path` for the toolchain build `build_id`, verifying it
    /// and recovering from damage as [`OpenOptions::open`] describes.
    pub fn open(
        path: impl AsRef<Path>,
        build_id: &str,
    ) -> Result<(Store, Option<Warning>), StoreError> {
        OpenOptions::new(build_id).open(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn build_id(&self) -> &str {
        &self.build_id
    }

    /// The key for a cached result of `kind` computed from `parts`: a fingerprint of the schema
    /// version, this build's id, the kind and the parts. Keys made here can only be hit by the
    /// same toolchain build, which is what makes a cached result safe to reuse anywhere.
    pub fn result_key(&self, kind: &str, parts: &[&[u8]]) -> Key {
        result_key(&self.build_id, kind, parts)
    }

    /// Sizes and counts, for `holo cache stats`.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let file_bytes = std::fs::metadata(&self.path)
            .map_err(|source| StoreError::Io {
                action: "read the size of",
                path: self.path.clone(),
                source,
            })?
            .len();
        let read = self.begin_read()?;
        let state = inspect_header(&read).map_err(|e| self.engine("reading the header", e))?;
        let HeaderState::Valid(header) = state else {
            return Err(self.engine(
                "reading the header",
                redb::Error::Corrupted("the header of the open store is gone".to_owned()),
            ));
        };
        let blobs = read
            .open_table(BLOBS)
            .map_err(|e| self.engine("opening the blob table", e))?;
        let meta = read
            .open_table(META)
            .map_err(|e| self.engine("opening the bookkeeping table", e))?;
        let results = read
            .open_table(TEST_RESULTS)
            .map_err(|e| self.engine("opening the test results", e))?;
        let map = read
            .open_table(TEST_MAP)
            .map_err(|e| self.engine("opening the test-to-code map", e))?;
        let links = read
            .open_multimap_table(ITEM_TESTS)
            .map_err(|e| self.engine("opening the test-to-code map", e))?;
        Ok(StoreStats {
            file_bytes,
            blobs: blobs.len().map_err(|e| self.engine("counting blobs", e))?,
            blob_bytes: blobs
                .stats()
                .map_err(|e| self.engine("measuring blobs", e))?
                .stored_bytes(),
            meta_entries: meta
                .len()
                .map_err(|e| self.engine("counting bookkeeping entries", e))?,
            tests_recorded: results
                .len()
                .map_err(|e| self.engine("counting test results", e))?,
            tests_mapped: map
                .len()
                .map_err(|e| self.engine("counting the test-to-code map", e))?,
            map_links: links
                .len()
                .map_err(|e| self.engine("counting the test-to-code map", e))?,
            schema_version: header.schema_version,
            created_by: header.created_by,
            last_build: header.last_build,
        })
    }

    /// The database, for beginning a transaction. The guard must not be held across anything
    /// slow: `gc` waits for it to compact.
    pub(crate) fn db(&self) -> RwLockReadGuard<'_, Database> {
        self.db.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database for compaction, which needs it exclusively.
    pub(crate) fn db_mut(&self) -> std::sync::RwLockWriteGuard<'_, Database> {
        self.db.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one use of the open store, turning a panic of the storage engine into
    /// [`StoreError::Damaged`]. A store opened without verifying every page (the
    /// [`OpenOptions::verify_integrity`] default is to verify; commands turn it off because
    /// verifying a large shared cache costs more than their work) can reach a damaged page
    /// here, where redb may panic instead of returning an error: the panic is caught, and a
    /// `<name>.verify` mark makes the next open verify the file and move it aside if damaged.
    pub(crate) fn guarded<T>(
        &self,
        action: &'static str,
        use_store: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match catch_quietly(use_store) {
            Ok(result) => result,
            Err(_) => {
                self.mark_for_verification();
                Err(StoreError::Damaged {
                    action,
                    path: self.path.clone(),
                })
            }
        }
    }

    /// Leaves the `<name>.verify` mark that makes the next open verify every page.
    pub(crate) fn mark_for_verification(&self) {
        if let Ok(mark) = sidecar(&self.path, VERIFY_MARK) {
            let _ = File::create(mark);
        }
    }

    pub(crate) fn begin_read(&self) -> Result<ReadTransaction, StoreError> {
        self.db()
            .begin_read()
            .map_err(|e| self.engine("starting a read", e))
    }

    pub(crate) fn begin_write(&self) -> Result<redb::WriteTransaction, StoreError> {
        self.db()
            .begin_write()
            .map_err(|e| self.engine("starting a write", e))
    }

    /// The current time in seconds since the Unix epoch (or the fixed time of
    /// [`OpenOptions::fixed_time`]).
    pub(crate) fn now(&self) -> u64 {
        self.fixed_time.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        })
    }

    /// The current day, counted from the Unix epoch: the unit of last use.
    pub(crate) fn today(&self) -> u32 {
        u32::try_from(self.now() / 86_400).unwrap_or(u32::MAX)
    }

    pub(crate) fn engine(&self, action: &'static str, error: impl Into<redb::Error>) -> StoreError {
        StoreError::Engine {
            action,
            path: self.path.clone(),
            source: Box::new(error.into()),
        }
    }

    /// Checks that the file is a holo store of this schema version, initializing it if it is a
    /// brand-new (table-less) redb file, and records this build as the last to open it.
    fn validate_header(&self) -> Result<(), Attempt> {
        let classify = |e: redb::Error| classify(&self.path, true, "reading its header", e);
        let read = self.db().begin_read().map_err(|e| classify(e.into()))?;
        let state = inspect_header(&read).map_err(classify)?;
        drop(read);
        match state {
            HeaderState::Valid(header) => {
                if header.last_build != self.build_id {
                    self.write_header(&[(HEADER_LAST_BUILD, self.build_id.as_bytes())])
                        .map_err(classify)?;
                }
                Ok(())
            }
            HeaderState::Missing { has_tables: false } => self.initialize(),
            HeaderState::Missing { has_tables: true } => {
                Err(Attempt::Damaged(Damage::NotAHoloStore))
            }
            HeaderState::Invalid(damage) => Err(Attempt::Damaged(damage)),
        }
    }

    /// Writes the header and creates the tables of a new store, in one transaction. Two
    /// processes may race to do this for the same new file; the loser finds the winner's header
    /// inside its write transaction and validates that instead.
    fn initialize(&self) -> Result<(), Attempt> {
        let classify = |e: redb::Error| classify(&self.path, true, "initializing it", e);
        let write = self.db().begin_write().map_err(|e| classify(e.into()))?;
        {
            let mut header = write.open_table(HEADER).map_err(|e| classify(e.into()))?;
            let initialized = header
                .get(HEADER_FORMAT)
                .map_err(|e| classify(e.into()))?
                .is_some();
            if initialized {
                drop(header);
                write.abort().map_err(|e| classify(e.into()))?;
                return self.validate_header();
            }
            let version = SCHEMA_VERSION.to_le_bytes();
            let entries: [(&str, &[u8]); 4] = [
                (HEADER_FORMAT, FORMAT_TAG),
                (HEADER_SCHEMA, &version),
                (HEADER_CREATED_BY, self.build_id.as_bytes()),
                (HEADER_LAST_BUILD, self.build_id.as_bytes()),
            ];
            for (key, value) in entries {
                header.insert(key, value).map_err(|e| classify(e.into()))?;
            }
            write.open_table(BLOBS).map_err(|e| classify(e.into()))?;
            write
                .open_table(BLOB_INFO)
                .map_err(|e| classify(e.into()))?;
            write.open_table(META).map_err(|e| classify(e.into()))?;
            write.open_table(RUNS).map_err(|e| classify(e.into()))?;
            write
                .open_table(TEST_RESULTS)
                .map_err(|e| classify(e.into()))?;
            write.open_table(TEST_MAP).map_err(|e| classify(e.into()))?;
            write
                .open_multimap_table(ITEM_TESTS)
                .map_err(|e| classify(e.into()))?;
        }
        write.commit().map_err(|e| classify(e.into()))
    }

    fn write_header(&self, entries: &[(&str, &[u8])]) -> Result<(), redb::Error> {
        let write = self.db().begin_write()?;
        {
            let mut header = write.open_table(HEADER)?;
            for (key, value) in entries {
                header.insert(*key, *value)?;
            }
        }
        write.commit()?;
        Ok(())
    }
}

/// The key [`Store::result_key`] makes in a store opened by the toolchain build `build_id`
/// (for results computed before the store is open).
pub fn result_key(build_id: &str, kind: &str, parts: &[&[u8]]) -> Key {
    let prefix = Fingerprinter::new()
        .part(b"result")
        .part_u64(SCHEMA_VERSION)
        .part(build_id.as_bytes())
        .part(kind.as_bytes());
    parts.iter().fold(prefix, |f, part| f.part(part)).finish()
}

/// What the header of a file says about it.
enum HeaderState {
    /// A holo store of this schema version.
    Valid(Header),
    /// No header table: a new file (no tables at all) or another program's database.
    Missing { has_tables: bool },
    /// A header table that is not a valid header of this schema version.
    Invalid(Damage),
}

fn inspect_header(read: &ReadTransaction) -> Result<HeaderState, redb::Error> {
    let table = match read.open_table(HEADER) {
        Ok(table) => table,
        Err(TableError::TableDoesNotExist(_)) => {
            let has_tables = read.list_tables()?.next().is_some();
            return Ok(HeaderState::Missing { has_tables });
        }
        Err(error) => return Err(error.into()),
    };
    let get = |key: &str| -> Result<Option<Vec<u8>>, redb::Error> {
        Ok(table.get(key)?.map(|guard| guard.value().to_vec()))
    };
    if get(HEADER_FORMAT)?.as_deref() != Some(FORMAT_TAG) {
        return Ok(HeaderState::Invalid(Damage::NotAHoloStore));
    }
    let schema_version = match get(HEADER_SCHEMA)?.map(<[u8; 8]>::try_from) {
        Some(Ok(bytes)) => u64::from_le_bytes(bytes),
        _ => {
            return Ok(HeaderState::Invalid(Damage::Corrupt {
                detail: "its header has no valid schema version".to_owned(),
            }));
        }
    };
    if schema_version != SCHEMA_VERSION {
        return Ok(HeaderState::Invalid(Damage::ForeignSchema {
            found: schema_version,
            expected: SCHEMA_VERSION,
        }));
    }
    if let Some(damage) = check_tables(read)? {
        return Ok(HeaderState::Invalid(damage));
    }
    let text =
        |bytes: Option<Vec<u8>>| String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned();
    Ok(HeaderState::Valid(Header {
        schema_version,
        created_by: text(get(HEADER_CREATED_BY)?),
        last_build: text(get(HEADER_LAST_BUILD)?),
    }))
}

/// Checks that every table of this schema exists with its key and value types. A store of this
/// schema version always has all of them (they are created with the header, in one
/// transaction), so a missing or different table means the file was damaged or forged, and it
/// is found here rather than as a failure in the middle of a command.
fn check_tables(read: &ReadTransaction) -> Result<Option<Damage>, redb::Error> {
    use redb::{MultimapTableHandle, TableHandle};
    fn verdict<T>(
        name: &str,
        opened: Result<T, TableError>,
    ) -> Result<Option<Damage>, redb::Error> {
        match opened {
            Ok(_) => Ok(None),
            Err(TableError::TableDoesNotExist(_)) => Ok(Some(Damage::Corrupt {
                detail: format!("its table `{name}` is missing"),
            })),
            Err(
                TableError::TableTypeMismatch { .. }
                | TableError::TypeDefinitionChanged { .. }
                | TableError::TableIsMultimap(_)
                | TableError::TableIsNotMultimap(_),
            ) => Ok(Some(Damage::NotAHoloStore)),
            Err(error) => Err(error.into()),
        }
    }
    let checks = [
        verdict(BLOBS.name(), read.open_table(BLOBS))?,
        verdict(BLOB_INFO.name(), read.open_table(BLOB_INFO))?,
        verdict(META.name(), read.open_table(META))?,
        verdict(RUNS.name(), read.open_table(RUNS))?,
        verdict(TEST_RESULTS.name(), read.open_table(TEST_RESULTS))?,
        verdict(TEST_MAP.name(), read.open_table(TEST_MAP))?,
        verdict(ITEM_TESTS.name(), read.open_multimap_table(ITEM_TESTS))?,
    ];
    Ok(checks.into_iter().flatten().next())
}
