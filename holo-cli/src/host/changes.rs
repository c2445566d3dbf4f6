//! [`ChangeEvent`]: a change to a package's inputs, as a value. Watchers, editors and tests
//! turn what they see into these; [`crate::host::project::ProjectHost::apply_changes`] applies
//! them in order. Events are hints about *where* to look: the host re-reads and compares, so
//! a spurious event costs a read, never a wrong answer.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeEvent {
    /// `holo.toml` may have changed.
    Manifest,
    /// The source file at this path (relative to the root) may have been created, changed or
    /// removed.
    File(String),
    /// The folder at this path (`src` or below) must be listed again: files may have appeared
    /// or gone without events of their own (a folder recreated, a watch added late).
    Rescan(String),
    /// Everything must be read again (the watcher lost events).
    RescanAll,
    /// An editor's unsaved text for a path: it replaces the disk's text until removed.
    Overlay { path: String, text: String },
    /// The editor closed the buffer: the disk's text counts again.
    OverlayRemoved(String),
    /// The dependencies may have changed (`holo.lock`, a path dependency's sources): read them
    /// again. Nothing watches a path dependency's folder, so a resident host applies this
    /// before every answer; unchanged versions of the package cache are not re-read.
    Dependencies,
}
