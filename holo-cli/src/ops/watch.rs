//! `holo check --watch`: check, then re-check on every change until Ctrl+C.
//!
//! The package root is watched non-recursively (for `holo.toml` and for `src/` itself being
//! removed or recreated) and `src/` recursively; `target/`, `.git/` and other folders are never
//! watched, so builds and version control cause no events. Events are only hints: each touched
//! source path is re-read and compared with the text the compiler has, and a save that changes
//! nothing starts no check. Folder events (and notify's "rescan" flag) re-list only the folder
//! concerned, because files created in a new folder before its watch was added send no event
//! of their own.

use crate::cli::MessageFormat;
use crate::error::CliError;
use crate::ops::check::{emit_diagnostics, report_problems};
use crate::ops::package::{self, PackageLocation};
use crate::ops::session::Session;
use crate::render::json::SummaryEvent;
use crate::render::{format_duration, plural};
use crate::shell::Shell;
use crate::vfs::{SRC_DIR, is_hidden, is_source_name};
use holo_pkg::MANIFEST_FILE;
use notify_debouncer_full::notify::event::{CreateKind, RemoveKind};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, DebouncedEvent, new_debouncer};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the debouncer waits for more events before reporting a batch. Editors write a
/// file in a few quick steps (write, rename, chmod); a few milliseconds groups those without
/// making the check feel late.
const DEBOUNCE: Duration = Duration::from_millis(10);
/// How often the debouncer looks for settled events.
const TICK: Duration = Duration::from_millis(5);

enum Message {
    Files(DebounceEventResult),
    Interrupt,
}

/// What a batch of events touched.
#[derive(Default, Debug)]
struct Changes {
    manifest: bool,
    /// `src/` itself appeared or disappeared: watch it again and re-list it.
    src_root: bool,
    /// Folders under `src/` to re-list.
    dirs: BTreeSet<String>,
    /// Source files to re-read.
    files: BTreeSet<String>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        !self.manifest && !self.src_root && self.dirs.is_empty() && self.files.is_empty()
    }
}

pub fn watch(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
) -> Result<ExitCode, CliError> {
    let (tx, rx) = mpsc::channel::<Message>();
    let interrupt = tx.clone();
    ctrlc::set_handler(move || {
        let _ = interrupt.send(Message::Interrupt);
    })
    .map_err(|e| CliError::new(format!("cannot install the Ctrl+C handler: {e}")))?;

    let mut debouncer = new_debouncer(DEBOUNCE, Some(TICK), move |result| {
        let _ = tx.send(Message::Files(result));
    })
    .map_err(|e| watch_error(&location.root, &e))?;
    // Watch before the first scan, so that nothing changed between the scan and the watch
    // goes unseen.
    debouncer
        .watch(&location.root, RecursiveMode::NonRecursive)
        .map_err(|e| watch_error(&location.root, &e))?;
    let src = location.root.join(SRC_DIR);
    if src.is_dir() {
        debouncer
            .watch(&src, RecursiveMode::Recursive)
            .map_err(|e| watch_error(&src, &e))?;
    }

    let start = Instant::now();
    let manifest = package::load_manifest(&location);
    let mut session = Session::new(location, manifest);
    session.scan(SRC_DIR);
    report(shell, &mut session, format, start);
    shell.progress("watching for changes…");

    while let Ok(message) = rx.recv() {
        let mut changes = Changes::default();
        let mut batch = Some(message);
        // Take everything already queued, so that a burst of saves gives one check.
        while let Some(message) = batch.take().or_else(|| rx.try_recv().ok()) {
            match message {
                Message::Interrupt => return Ok(ExitCode::SUCCESS),
                Message::Files(Ok(events)) => collect(&session, &events, &mut changes),
                Message::Files(Err(errors)) => {
                    for error in errors {
                        tracing::warn!(%error, "file watcher error; re-reading everything");
                    }
                    changes.src_root = true;
                    changes.manifest = true;
                }
            }
        }
        if changes.is_empty() {
            // Only events that cannot change a source file (reads, closes, ignored paths).
            continue;
        }
        let start = Instant::now();
        if changes.src_root {
            let src = session.root().join(SRC_DIR);
            if src.is_dir()
                && let Err(e) = debouncer.watch(&src, RecursiveMode::Recursive)
            {
                shell.warn(format!(
                    "cannot watch `{}`: {e}; changes in it may be missed",
                    src.display()
                ));
            }
        }
        if apply(&mut session, &changes) {
            tracing::debug!(elapsed = ?start.elapsed(), ?changes, "applied the changes");
            report(shell, &mut session, format, start);
        } else {
            tracing::debug!(?changes, "the touched files did not change");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn watch_error(path: &Path, e: &notify_debouncer_full::notify::Error) -> CliError {
    CliError::new(format!("cannot watch `{}` for changes: {e}", path.display())).with_hint(
        "On Linux, the limits in /proc/sys/fs/inotify/max_user_watches and max_user_instances may be too low; raise them or close other watchers.",
    )
}

/// Sorts the paths of `events` into what must be re-read.
fn collect(session: &Session, events: &[DebouncedEvent], changes: &mut Changes) {
    let root = session.root();
    for event in events {
        if matches!(event.kind, EventKind::Access(_)) {
            continue;
        }
        tracing::debug!(kind = ?event.kind, paths = ?event.paths, "file event");
        if event.need_rescan() {
            changes.src_root = true;
            changes.manifest = true;
        }
        let folder_event = matches!(
            event.kind,
            EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
        );
        for path in &event.paths {
            let Some(relative) = relative_path(root, path) else {
                continue;
            };
            if relative == MANIFEST_FILE {
                changes.manifest = true;
            } else if relative == SRC_DIR {
                changes.src_root = true;
            } else if let Some(inner) = relative.strip_prefix("src/") {
                if inner.split('/').any(is_hidden) {
                    continue;
                }
                let name = inner.rsplit('/').next().unwrap_or(inner);
                let is_dir = path.is_dir();
                if is_source_name(name) && !is_dir {
                    changes.files.insert(relative);
                } else if is_dir || folder_event || session.has_files_under(&relative) {
                    changes.dirs.insert(relative);
                }
                // Anything else (notes.txt, main.holo~, 4913) is not a source file: ignore it.
            }
        }
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

/// Applies `changes` to the session. Returns whether the package changed.
fn apply(session: &mut Session, changes: &Changes) -> bool {
    let mut changed = false;
    if changes.manifest {
        changed |= session.reload_manifest();
    }
    let mut scanned: Vec<String> = Vec::new();
    if changes.src_root {
        changed |= session.scan(SRC_DIR);
        scanned.push(SRC_DIR.to_string());
    } else {
        // Sorted, so a folder comes before the folders inside it and those are skipped.
        for dir in &changes.dirs {
            if !scanned.iter().any(|s| is_within(dir, s)) {
                changed |= session.scan(dir);
                scanned.push(dir.clone());
            }
        }
    }
    for file in &changes.files {
        if !scanned.iter().any(|s| is_within(file, s)) {
            changed |= session.refresh(file);
        }
    }
    changed
}

/// Whether `path` is `dir` or inside it.
fn is_within(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One check and its report: the problems or diagnostics, then a one-line outcome (human) or
/// the summary event (JSON).
fn report(shell: &mut Shell, session: &mut Session, format: MessageFormat, start: Instant) {
    if report_problems(shell, session, format, start.elapsed()) {
        let problems = session.problems().len();
        shell.outcome(
            false,
            format!(
                "{} in {}",
                plural(problems, "error"),
                format_duration(start.elapsed())
            ),
        );
        return;
    }
    let report = session.check();
    let elapsed = start.elapsed();
    tracing::debug!(files = report.files, ?elapsed, "checked");
    emit_diagnostics(shell, session, &report, format);
    let (errors, warnings) = (report.errors(), report.warnings());
    match format {
        MessageFormat::Json => {
            shell.json(&SummaryEvent::new(errors, warnings, report.files, elapsed))
        }
        MessageFormat::Human => {}
    }
    if errors > 0 {
        let warned = if warnings > 0 {
            format!(", {}", plural(warnings, "warning"))
        } else {
            String::new()
        };
        shell.outcome(
            false,
            format!(
                "{}{warned} in {}",
                plural(errors, "error"),
                format_duration(elapsed)
            ),
        );
    } else {
        let warned = if warnings > 0 {
            format!(" ({})", plural(warnings, "warning"))
        } else {
            String::new()
        };
        shell.outcome(
            true,
            format!(
                "checked {} in {}{warned}",
                plural(report.files, "file"),
                format_duration(elapsed)
            ),
        );
    }
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
