//! `holo clean`: removes what holo wrote under the package's `target/` folder, like
//! `cargo clean`, and says how much that was.
//!
//! Everything holo keeps for a package lives in `target/holo/` (see
//! [`crate::host::store::holo_target_dir`]), so that is the one folder removed; `target/` itself
//! goes too only if that leaves it empty. Other files under `target/` are not holo's and are
//! never touched, and a symbolic link is removed as a link, never followed. The shared cache in
//! `$HOLO_HOME` is not affected (`holo cache gc` trims it).

use crate::cli::MessageFormat;
use crate::error::CliError;
use crate::host::{package, store};
use crate::ops::cache::describe_size;
use crate::shell::Shell;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct CleanOptions {
    pub manifest_path: Option<PathBuf>,
    pub format: MessageFormat,
}

/// The `clean` JSON event.
#[derive(Serialize)]
struct CleanEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The folder that was removed (whether or not it existed).
    path: String,
    removed_files: u64,
    removed_bytes: u64,
}

pub fn clean(shell: &mut Shell, options: CleanOptions) -> Result<ExitCode, CliError> {
    let location = package::locate(options.manifest_path.as_deref())?;
    // The daemon keeps its socket and open stores in the folder about to go: it stops first
    // (the next command answers in its own process, or `holo daemon start` starts it again).
    if let Ok(Some(pid)) = crate::daemon::client::stop(&location) {
        shell.status(
            "Stopped",
            format!("daemon (pid {pid}), which used this folder"),
        );
    }
    // Canonical, so that a `--manifest-path ../holo.toml` reports `…/target/holo`, not
    // `…/src/../target/holo`.
    let root = location.root.canonicalize().unwrap_or(location.root);
    let dir = store::holo_target_dir(&root);
    let (files, bytes) = remove(&dir)?;
    if files > 0 || bytes > 0 {
        // `target/` is left alone unless it is now empty: it holds nothing then.
        if let Some(target) = dir.parent() {
            let _ = std::fs::remove_dir(target);
        }
    }
    match options.format {
        MessageFormat::Json => shell.json(&CleanEvent {
            kind: "clean",
            path: dir.display().to_string(),
            removed_files: files,
            removed_bytes: bytes,
        }),
        MessageFormat::Human => {
            let files_text = if files == 1 { "file" } else { "files" };
            let message = if files == 0 {
                format!("0 files ({} does not exist)", dir.display())
            } else {
                format!("{files} {files_text}, {} total", describe_size(bytes))
            };
            shell.status("Removed", message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes `path` (a folder with everything in it, or a file, or a link) and returns how many
/// files and bytes went. A missing `path` removes nothing.
fn remove(path: &Path) -> Result<(u64, u64), CliError> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(cannot_remove(path, &e)),
    };
    if !metadata.is_dir() {
        std::fs::remove_file(path).map_err(|e| cannot_remove(path, &e))?;
        return Ok((1, metadata.len()));
    }
    let (files, bytes) = measure(path);
    std::fs::remove_dir_all(path).map_err(|e| cannot_remove(path, &e))?;
    Ok((files, bytes))
}

/// Files and bytes under a folder, without following links (what removing it frees).
fn measure(dir: &Path) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (0, 0);
    };
    let mut total = (0, 0);
    for entry in entries.flatten() {
        let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if metadata.is_dir() {
            let (files, bytes) = measure(&entry.path());
            total.0 += files;
            total.1 += bytes;
        } else {
            total.0 += 1;
            total.1 += metadata.len();
        }
    }
    total
}

fn cannot_remove(path: &Path, error: &std::io::Error) -> CliError {
    CliError::new(format!("cannot remove `{}`: {error}", path.display())).with_hint(
        "Check that you may write to the package's `target/` folder, then run `holo clean` \
         again; what was already removed stays removed.",
    )
}
