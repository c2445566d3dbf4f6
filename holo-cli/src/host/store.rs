//! Where holo keeps what outlives a command, and opening it: the shared cache under
//! `$HOLO_HOME` (default `~/.holo`) and the per-project state under the package's `target/`.
//!
//! A cache problem never fails a command: a store that cannot be opened is reported once as a
//! warning and the command goes on without it, computing everything.

use crate::error::CliError;
use crate::host::events::{Event, Reporter};
use holo_db::Store;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// The toolchain build id: the version and a hash of holo's sources (see `build.rs`). Cached
/// results are keyed with it, so a different build never reuses them.
pub fn build_id() -> &'static str {
    env!("HOLO_BUILD_ID")
}

/// `$HOLO_HOME`, else `~/.holo`. A relative `HOLO_HOME` is taken from the current folder.
pub fn holo_home() -> Result<PathBuf, CliError> {
    if let Some(home) = std::env::var_os("HOLO_HOME").filter(|h| !h.is_empty()) {
        let home = PathBuf::from(home);
        return std::path::absolute(&home).map_err(|e| {
            CliError::new(format!("cannot use HOLO_HOME `{}`: {e}", home.display()))
                .with_hint("Set HOLO_HOME to an absolute path of a folder holo may write to.")
        });
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".holo")),
        None => Err(CliError::new(
            "cannot find a place for holo's cache: neither HOLO_HOME nor HOME is set",
        )
        .with_hint("Set HOLO_HOME to a folder holo may write to.")),
    }
}

/// The shared cache file: `$HOLO_HOME/cache/holo-v<schema>.redb`.
pub fn shared_store_path() -> Result<PathBuf, CliError> {
    Ok(holo_home()?.join("cache").join(holo_db::store_file_name()))
}

/// The folder of everything holo keeps for the package at `root`: `<root>/target/holo`.
/// `holo clean` removes it.
pub fn holo_target_dir(root: &Path) -> PathBuf {
    root.join("target").join("holo")
}

/// The project's state file: `<root>/target/holo/state-v<schema>.redb`.
pub fn project_state_path(root: &Path) -> PathBuf {
    holo_target_dir(root).join(holo_db::state_file_name())
}

/// The page cache of a store held open by a resident host (the daemon): small, because the
/// cache keeps the pages of every commit up to its size for as long as the process lives.
pub const RESIDENT_CACHE_BYTES: usize = 4 << 20;

/// How to open a store: with the default page cache, or a resident host's small one.
///
/// Pages are not all verified on open: for a shared cache of hundreds of megabytes that costs
/// more than a command's own work, on every command. A damaged page met later is caught
/// (`holo_db::Store` turns the engine's failure into an error, which reads as a miss) and makes
/// the next open verify the file and move it aside.
fn options(resident: bool) -> holo_db::OpenOptions {
    let options = holo_db::OpenOptions::new(build_id()).verify_integrity(false);
    if resident {
        options.cache_bytes(RESIDENT_CACHE_BYTES)
    } else {
        options
    }
}

/// The store `opened`, saying in one warning when a damaged file was moved aside; `None`, with
/// a warning (once per path and process), when it cannot be opened: the command goes on
/// without it.
fn report_open(
    r: &mut dyn Reporter,
    path: &Path,
    opened: Result<(Store, Option<holo_db::Warning>), holo_db::StoreError>,
) -> Option<Store> {
    match opened {
        Ok((store, warning)) => {
            if let Some(warning) = warning {
                r.emit(Event::Warning {
                    message: warning.to_string(),
                });
            }
            Some(store)
        }
        Err(e) => {
            if first_problem_with(path) {
                r.emit(Event::Warning {
                    message: format!(
                        "cannot use the cache at {}; continuing without it. {e}",
                        path.display()
                    ),
                });
            }
            None
        }
    }
}

/// The shared cache, opened on another thread while the command reads and parses its sources
/// (opening, and creating a new cache file above all, waits for the disk).
pub struct OpeningStore {
    existed: bool,
    state: Opening,
}

enum Opening {
    Thread {
        path: PathBuf,
        thread: JoinHandle<StoreOpen>,
    },
    /// No place for the cache (neither `HOLO_HOME` nor `HOME`), or no thread to open it on.
    Failed(CliError),
    /// Opened (`None`: could not be, and that was reported).
    Done(Option<Arc<Store>>),
}

type StoreOpen = Result<(Store, Option<holo_db::Warning>), holo_db::StoreError>;

impl OpeningStore {
    /// Starts opening the shared cache (`$HOLO_HOME/cache`).
    pub fn start() -> OpeningStore {
        OpeningStore::start_with(false)
    }

    /// Starts opening the shared cache, for a resident host (`resident`: a small page cache).
    pub fn start_with(resident: bool) -> OpeningStore {
        let (existed, state) = match shared_store_path() {
            Err(e) => (false, Opening::Failed(e)),
            Ok(path) => {
                let target = path.clone();
                let spawned = std::thread::Builder::new()
                    .name("holo-open-cache".to_owned())
                    .spawn(move || options(resident).open(&target));
                let state = match spawned {
                    Ok(thread) => Opening::Thread {
                        path: path.clone(),
                        thread,
                    },
                    Err(e) => Opening::Failed(CliError::new(format!(
                        "cannot start a thread to open the cache: {e}"
                    ))),
                };
                (path.exists(), state)
            }
        };
        OpeningStore { existed, state }
    }

    /// No cache (closed, or not wanted).
    pub fn closed() -> OpeningStore {
        OpeningStore {
            existed: false,
            state: Opening::Done(None),
        }
    }

    /// The cache for lookups. When its file did not exist as the command started, it holds
    /// nothing for this command: this answers `None` at once instead of waiting for the new
    /// file to be created.
    pub fn for_lookups(&mut self, r: &mut dyn Reporter) -> Option<Arc<Store>> {
        if !self.existed {
            return None;
        }
        self.finish(r)
    }

    /// Waits until the cache is open (at once after the first time: a resident host keeps
    /// it open). A problem is reported once, as a warning.
    pub fn finish(&mut self, r: &mut dyn Reporter) -> Option<Arc<Store>> {
        self.existed = true;
        self.state = Opening::Done(
            match std::mem::replace(&mut self.state, Opening::Done(None)) {
                Opening::Done(store) => store,
                Opening::Failed(e) => report_missing_home(r, e),
                Opening::Thread { path, thread } => match thread.join() {
                    Ok(opened) => report_open(r, &path, opened).map(Arc::new),
                    Err(_) => {
                        tracing::warn!("the thread opening the cache panicked");
                        None
                    }
                },
            },
        );
        match &self.state {
            Opening::Done(store) => store.clone(),
            _ => None,
        }
    }
}

impl Drop for OpeningStore {
    /// A command that stops early still waits for the open: a process that exits while a new
    /// cache file is half created leaves a damaged file for the next command to move aside.
    fn drop(&mut self) {
        if let Opening::Thread { thread, .. } =
            std::mem::replace(&mut self.state, Opening::Done(None))
        {
            let _ = thread.join();
        }
    }
}

fn report_missing_home(r: &mut dyn Reporter, e: CliError) -> Option<Arc<Store>> {
    if first_problem_with(Path::new("$HOLO_HOME")) {
        r.emit(Event::Warning {
            message: format!("{}; continuing without the cache", e.message),
        });
    }
    None
}

/// Whether this is the first time this process cannot open the store at `path`: a watching
/// command opens its stores again for every change, and one warning is enough.
fn first_problem_with(path: &Path) -> bool {
    static WARNED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    WARNED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(path.to_owned())
}

/// The project's state (recorded test results and the test-to-code map), or `None` (with a
/// warning) when it cannot be used. `resident`: for a host that keeps it open.
pub fn open_project_state(r: &mut dyn Reporter, root: &Path, resident: bool) -> Option<Store> {
    let path = project_state_path(root);
    report_open(r, &path, options(resident).open(&path))
}
