//! [`PackageWatcher`]: file events of a package turned into the host's [`ChangeEvent`]s.
//!
//! The package root is watched non-recursively (for `holo.toml`, `src/` itself being removed or
//! recreated, and the daemon's sync markers) and `src/` recursively; `target/`, `.git/` and
//! other folders are never watched, so builds and version control cause no events. Events are
//! only hints: the host re-reads each touched path and compares, so a save that changes
//! nothing starts no work. Folder events (and notify's "rescan" flag) re-list only the folder
//! concerned, because files created in a new folder before its watch was added send no event
//! of their own.
//!
//! Raw notify events are used, not a debouncer: the first event of a save is acted on at once,
//! and a burst is coalesced by draining what arrived within [`COALESCE`] of the last event.
//! One inotify queue also keeps events in order, which is what makes sync markers work: when
//! the marker's event arrives, every change made before it was written has been seen.

use crate::error::CliError;
use crate::host::changes::ChangeEvent;
use crate::host::session::Session;
use crate::vfs::{SRC_DIR, is_hidden, is_source_name};
use holo_pkg::MANIFEST_FILE;
use notify::event::{CreateKind, RemoveKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a burst of events may pause and still be one change: editors write a file in a
/// few quick steps (write, rename, chmod) that arrive microseconds apart.
pub const COALESCE: Duration = Duration::from_millis(1);

/// The prefix of the sync markers clients write into the package root (see
/// `daemon::client`): the daemon answers only after it has seen the marker's event.
pub const SYNC_PREFIX: &str = ".holo-sync-";

pub struct PackageWatcher {
    root: PathBuf,
    watcher: RecommendedWatcher,
    /// The `src/` folders of path dependencies being watched (outside the package).
    dependencies: Vec<PathBuf>,
}

/// What one batch of file events asks for.
#[derive(Default, Debug)]
pub struct Touched {
    pub manifest: bool,
    /// `src/` itself appeared or disappeared: watch it again and re-list it.
    pub src_root: bool,
    /// Folders under `src/` to re-list.
    pub dirs: BTreeSet<String>,
    /// Source files to re-read.
    pub files: BTreeSet<String>,
    /// Sync markers that appeared.
    pub markers: BTreeSet<String>,
    /// `holo.lock` or a path dependency's source changed: read the dependencies again.
    pub dependencies: bool,
}

impl PackageWatcher {
    /// Starts watching the package at `root`; every notify event goes to `send`.
    pub fn new(
        root: &Path,
        send: impl Fn(notify::Result<notify::Event>) + Send + 'static,
    ) -> Result<PackageWatcher, CliError> {
        let mut watcher = notify::recommended_watcher(send).map_err(|e| watch_error(root, &e))?;
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| watch_error(root, &e))?;
        let mut this = PackageWatcher {
            root: root.to_path_buf(),
            watcher,
            dependencies: Vec::new(),
        };
        this.watch_src()?;
        Ok(this)
    }

    /// Watches `src/` (again) when it exists.
    pub fn watch_src(&mut self) -> Result<(), CliError> {
        let src = self.root.join(SRC_DIR);
        if src.is_dir() {
            self.watcher
                .watch(&src, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&src, &e))?;
        }
        Ok(())
    }
}

impl PackageWatcher {
    /// Watches exactly these path dependencies' `src/` folders (recursively): their saves are
    /// changes of the package too.
    pub fn watch_dependencies(&mut self, dirs: Vec<PathBuf>) {
        for old in &self.dependencies {
            if !dirs.contains(old) {
                let _ = self.watcher.unwatch(old);
            }
        }
        for dir in &dirs {
            if !self.dependencies.contains(dir)
                && dir.is_dir()
                && let Err(e) = self.watcher.watch(dir, RecursiveMode::Recursive)
            {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot watch a path dependency");
            }
        }
        self.dependencies = dirs;
    }
}

fn watch_error(path: &Path, e: &notify::Error) -> CliError {
    CliError::new(format!("cannot watch `{}` for changes: {e}", path.display())).with_hint(
        "On Linux, the limits in /proc/sys/fs/inotify/max_user_watches and max_user_instances may be too low; raise them or close other watchers.",
    )
}

impl Touched {
    /// Sorts the paths of one notify event (or error) into what must be re-read.
    pub fn add(&mut self, root: &Path, session: &Session, event: notify::Result<notify::Event>) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(%error, "file watcher error; re-reading everything");
                self.src_root = true;
                self.manifest = true;
                return;
            }
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        tracing::debug!(kind = ?event.kind, paths = ?event.paths, "file event");
        if event.need_rescan() {
            self.src_root = true;
            self.manifest = true;
        }
        let folder_event = matches!(
            event.kind,
            EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
        );
        for path in &event.paths {
            let Some(relative) = relative_path(root, path) else {
                // Outside the package: a watched path dependency's source.
                if session
                    .path_dependency_dirs()
                    .iter()
                    .any(|d| path.starts_with(d))
                {
                    self.dependencies = true;
                }
                continue;
            };
            if relative == holo_pkg::lock::LOCK_FILE {
                self.dependencies = true;
            } else if relative == MANIFEST_FILE {
                self.manifest = true;
            } else if relative == SRC_DIR {
                self.src_root = true;
            } else if relative.starts_with(SYNC_PREFIX) && !relative.contains('/') {
                self.markers.insert(relative);
            } else if let Some(inner) = relative.strip_prefix("src/") {
                if inner.split('/').any(is_hidden) {
                    continue;
                }
                let name = inner.rsplit('/').next().unwrap_or(inner);
                let is_dir = path.is_dir();
                if is_source_name(name) && !is_dir {
                    self.files.insert(relative);
                } else if is_dir || folder_event || session.has_files_under(&relative) {
                    self.dirs.insert(relative);
                }
                // Anything else (notes.txt, main.holo~, 4913) is not a source file: ignore it.
            }
        }
    }

    /// The changes to apply, in an order that lists a folder before re-reading files in it.
    pub fn changes(&self) -> Vec<ChangeEvent> {
        let mut out = Vec::new();
        if self.manifest {
            out.push(ChangeEvent::Manifest);
        }
        let mut scanned: Vec<&str> = Vec::new();
        if self.src_root {
            out.push(ChangeEvent::Rescan(SRC_DIR.to_string()));
            scanned.push(SRC_DIR);
        } else {
            // Sorted, so a folder comes before the folders inside it and those are skipped.
            for dir in &self.dirs {
                if !scanned.iter().any(|s| is_within(dir, s)) {
                    out.push(ChangeEvent::Rescan(dir.clone()));
                    scanned.push(dir);
                }
            }
        }
        for file in &self.files {
            if !scanned.iter().any(|s| is_within(file, s)) {
                out.push(ChangeEvent::File(file.clone()));
            }
        }
        if self.dependencies {
            out.push(ChangeEvent::Dependencies);
        }
        out
    }
}

/// `path` relative to `root` with `/` separators, if it is inside `root` and UTF-8.
fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether `path` is `dir` or inside it.
fn is_within(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_within;

    #[test]
    fn within() {
        assert!(is_within("src/a/b.holo", "src/a"));
        assert!(is_within("src/a", "src/a"));
        assert!(!is_within("src/ab/c.holo", "src/a"));
    }
}
