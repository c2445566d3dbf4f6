//! `holo cache stats` and `holo cache gc`: what the shared cache and the package's state hold,
//! how well the last command was served, and trimming the shared cache.
//!
//! Neither command creates a store that does not exist yet: looking at the cache must not
//! change it. A damaged store is moved aside as on every open (with the usual warning), and a
//! store that cannot be opened at all is an environment error here (exit code 2), because these
//! commands exist to work on it — unlike `check` or `test`, which go on without a cache.

use crate::cli::MessageFormat;
use crate::error::CliError;
use crate::host::{package, store};
use crate::shell::Shell;
use holo_db::{Compaction, GcPolicy, GcReport, RunStats, Store, StoreStats};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct StatsOptions {
    pub manifest_path: Option<PathBuf>,
    pub format: MessageFormat,
}

pub struct GcOptions {
    pub max_age_days: u32,
    pub max_bytes: Option<u64>,
    pub format: MessageFormat,
}

/// The `cache-stats` JSON event (and what the human report is made from).
#[derive(Serialize)]
struct StatsEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    /// The build id of this holo: results stored by other builds are never used by it.
    build_id: &'static str,
    shared: SharedReport,
    /// `null` outside a package.
    project: Option<ProjectReport>,
}

#[derive(Serialize)]
struct SharedReport {
    path: String,
    exists: bool,
    file_bytes: u64,
    entries: u64,
    entry_bytes: u64,
    last_run: Option<RunReport>,
    /// Files next to the store that holo no longer uses: damaged stores it moved aside and
    /// stores of other schema versions (another installed holo may still use those).
    set_aside: Vec<SetAside>,
}

#[derive(Serialize)]
struct ProjectReport {
    root: String,
    path: String,
    exists: bool,
    file_bytes: u64,
    tests_recorded: u64,
    tests_mapped: u64,
    map_links: u64,
    last_run: Option<RunReport>,
}

#[derive(Serialize)]
struct RunReport {
    command: String,
    /// Unix seconds.
    at: u64,
    hits: u64,
    misses: u64,
    writes: u64,
    /// Hits over lookups, `null` when there were none.
    hit_rate: Option<f64>,
}

impl From<RunStats> for RunReport {
    fn from(run: RunStats) -> RunReport {
        RunReport {
            hit_rate: run.hit_rate(),
            command: run.command,
            at: run.recorded_at,
            hits: run.hits,
            misses: run.misses,
            writes: run.writes,
        }
    }
}

#[derive(Serialize)]
struct SetAside {
    path: String,
    bytes: u64,
    /// `damaged` (moved aside by holo) or `other-version`.
    reason: &'static str,
}

pub fn stats(shell: &mut Shell, options: StatsOptions) -> Result<ExitCode, CliError> {
    let shared_path = store::shared_store_path()?;
    // An explicit `--manifest-path` must name a package; without it, being outside any
    // package just means there is no package state to show.
    let location = match options.manifest_path.as_deref() {
        Some(path) => Some(package::locate(Some(path))?),
        None => package::locate(None).ok(),
    };

    let shared = match open_existing(shell, &shared_path, "shared cache")? {
        Some(store) => {
            let stats = read_stats(&store)?;
            SharedReport {
                path: shared_path.display().to_string(),
                exists: true,
                file_bytes: stats.0.file_bytes,
                entries: stats.0.blobs,
                entry_bytes: stats.0.blob_bytes,
                last_run: stats.1.map(RunReport::from),
                set_aside: set_aside(&shared_path),
            }
        }
        None => SharedReport {
            path: shared_path.display().to_string(),
            exists: false,
            file_bytes: 0,
            entries: 0,
            entry_bytes: 0,
            last_run: None,
            set_aside: set_aside(&shared_path),
        },
    };

    let project = match &location {
        None => None,
        Some(location) => {
            let root = location
                .root
                .canonicalize()
                .unwrap_or(location.root.clone());
            let path = store::project_state_path(&root);
            let opened = open_existing(shell, &path, "package state")?;
            let stats = opened.as_ref().map(read_stats).transpose()?;
            Some(ProjectReport {
                root: root.display().to_string(),
                path: path.display().to_string(),
                exists: stats.is_some(),
                file_bytes: stats.as_ref().map_or(0, |s| s.0.file_bytes),
                tests_recorded: stats.as_ref().map_or(0, |s| s.0.tests_recorded),
                tests_mapped: stats.as_ref().map_or(0, |s| s.0.tests_mapped),
                map_links: stats.as_ref().map_or(0, |s| s.0.map_links),
                last_run: stats.and_then(|s| s.1).map(RunReport::from),
            })
        }
    };

    let event = StatsEvent {
        kind: "cache-stats",
        build_id: store::build_id(),
        shared,
        project,
    };
    match options.format {
        MessageFormat::Json => shell.json(&event),
        MessageFormat::Human => shell.out_text(&render_stats(&event)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the store at `path` if the file exists (moving a damaged one aside, with a warning).
fn open_existing(shell: &mut Shell, path: &Path, what: &str) -> Result<Option<Store>, CliError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    match Store::open(path, store::build_id()) {
        Ok((store, warning)) => {
            if let Some(warning) = warning {
                shell.warn(warning);
            }
            Ok(Some(store))
        }
        Err(e) => Err(
            CliError::new(format!("cannot open the {what} `{}`", path.display()))
                .with_hint(e.to_string()),
        ),
    }
}

fn read_stats(store: &Store) -> Result<(StoreStats, Option<RunStats>), CliError> {
    let failed = |e: holo_db::StoreError| {
        CliError::new(format!("cannot read `{}`", store.path().display())).with_hint(e.to_string())
    };
    Ok((
        store.stats().map_err(failed)?,
        store.last_run().map_err(failed)?,
    ))
}

/// Damaged stores moved aside next to `store_path`, and stores of other schema versions.
fn set_aside(store_path: &Path) -> Vec<SetAside> {
    let (Some(dir), Some(own)) = (store_path.parent(), store_path.file_name()) else {
        return Vec::new();
    };
    let own = own.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<SetAside> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let reason = if name.contains(".redb.corrupt-") {
                "damaged"
            } else if name.starts_with("holo-v") && name.ends_with(".redb") && name != *own {
                "other-version"
            } else {
                return None;
            };
            let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
            Some(SetAside {
                path: entry.path().display().to_string(),
                bytes,
                reason,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn render_stats(event: &StatsEvent) -> String {
    let mut out = String::new();
    let mut line = |label: &str, text: String| {
        out.push_str(&format!("{label:<15}{text}\n"));
    };
    let shared = &event.shared;
    line("Shared cache", shared.path.clone());
    if shared.exists {
        line(
            "  size",
            format!(
                "{} on disk; {} ({})",
                describe_size(shared.file_bytes),
                count(shared.entries, "result", "results"),
                describe_size(shared.entry_bytes)
            ),
        );
    } else {
        line("  size", "empty (not created yet)".to_owned());
    }
    line(
        "  last run",
        shared
            .last_run
            .as_ref()
            .map_or_else(|| "none recorded".to_owned(), describe_run),
    );
    if !shared.set_aside.is_empty() {
        let damaged: Vec<&SetAside> = shared
            .set_aside
            .iter()
            .filter(|s| s.reason == "damaged")
            .collect();
        let other = shared.set_aside.len() - damaged.len();
        let bytes: u64 = shared.set_aside.iter().map(|s| s.bytes).sum();
        let mut parts = Vec::new();
        if !damaged.is_empty() {
            parts.push(format!(
                "{} moved aside",
                count(damaged.len() as u64, "damaged store", "damaged stores")
            ));
        }
        if other > 0 {
            parts.push(count(
                other as u64,
                "store of another holo version",
                "stores of other holo versions",
            ));
        }
        line(
            "  set aside",
            format!(
                "{}, {} (holo does not use them; delete them when you no longer need them)",
                parts.join(" and "),
                describe_size(bytes)
            ),
        );
    }
    line("  toolchain", event.build_id.to_owned());
    if let Some(project) = &event.project {
        line("Package state", project.path.clone());
        if project.exists {
            line(
                "  size",
                format!("{} on disk", describe_size(project.file_bytes)),
            );
            line(
                "  tests",
                format!(
                    "{} recorded; {} in the test-to-code map ({})",
                    count(project.tests_recorded, "result", "results"),
                    count(project.tests_mapped, "test", "tests"),
                    count(project.map_links, "link", "links")
                ),
            );
            if let Some(run) = &project.last_run {
                line("  last run", describe_run(run));
            }
        } else {
            line("  tests", "none recorded yet (run `holo test`)".to_owned());
        }
    }
    out
}

fn describe_run(run: &RunReport) -> String {
    let rate = run
        .hit_rate
        .map(|r| format!(" ({:.1}% hit rate)", r * 100.0))
        .unwrap_or_default();
    format!(
        "`{}` at {}: {}, {}{rate}; {} stored",
        run.command,
        holo_runner::impact::format_utc(run.at),
        count(run.hits, "hit", "hits"),
        count(run.misses, "miss", "misses"),
        count(run.writes, "new result", "new results")
    )
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The `cache-gc` JSON event.
#[derive(Serialize)]
struct GcEvent {
    #[serde(rename = "type")]
    kind: &'static str,
    path: String,
    exists: bool,
    max_age_days: u32,
    max_bytes: Option<u64>,
    removed_entries: u64,
    removed_bytes: u64,
    kept_entries: u64,
    kept_bytes: u64,
    file_bytes_before: u64,
    file_bytes_after: u64,
    /// `compacted`, `nothing-to-do`, `busy` (another process was using the cache), or
    /// `not-run` (there was no cache).
    compaction: &'static str,
}

pub fn gc(shell: &mut Shell, options: GcOptions) -> Result<ExitCode, CliError> {
    let path = store::shared_store_path()?;
    let policy = GcPolicy {
        max_age_days: options.max_age_days,
        max_bytes: options.max_bytes,
    };
    let report = match open_existing(shell, &path, "shared cache")? {
        None => None,
        Some(store) => Some(store.gc(policy).map_err(|e| {
            CliError::new(format!("cannot collect garbage in `{}`", path.display()))
                .with_hint(e.to_string())
        })?),
    };
    let event = gc_event(&path, &options, report.as_ref());
    match options.format {
        MessageFormat::Json => shell.json(&event),
        MessageFormat::Human => render_gc(shell, &event, report.as_ref()),
    }
    Ok(ExitCode::SUCCESS)
}

fn gc_event(path: &Path, options: &GcOptions, report: Option<&GcReport>) -> GcEvent {
    let (compaction, r) = match report {
        None => ("not-run", None),
        Some(r) => (
            match r.compaction {
                Compaction::Compacted => "compacted",
                Compaction::NothingToDo => "nothing-to-do",
                Compaction::Busy => "busy",
            },
            Some(r),
        ),
    };
    GcEvent {
        kind: "cache-gc",
        path: path.display().to_string(),
        exists: report.is_some(),
        max_age_days: options.max_age_days,
        max_bytes: options.max_bytes,
        removed_entries: r.map_or(0, |r| r.removed_entries),
        removed_bytes: r.map_or(0, |r| r.removed_bytes),
        kept_entries: r.map_or(0, |r| r.kept_entries),
        kept_bytes: r.map_or(0, |r| r.kept_bytes),
        file_bytes_before: r.map_or(0, |r| r.file_bytes_before),
        file_bytes_after: r.map_or(0, |r| r.file_bytes_after),
        compaction,
    }
}

fn render_gc(shell: &mut Shell, event: &GcEvent, report: Option<&GcReport>) {
    let Some(report) = report else {
        shell.status(
            "Removed",
            format!("nothing: there is no cache at {} yet", event.path),
        );
        return;
    };
    let mut why = format!(
        "not used in the last {}",
        count(event.max_age_days.into(), "day", "days")
    );
    if let Some(max) = event.max_bytes {
        why.push_str(&format!(" or beyond the {} limit", describe_size(max)));
    }
    shell.status(
        "Removed",
        format!(
            "{} ({}) {why}",
            count(report.removed_entries, "cached result", "cached results"),
            describe_size(report.removed_bytes)
        ),
    );
    shell.status(
        "Kept",
        format!(
            "{} ({}); the cache file went from {} to {}",
            count(report.kept_entries, "cached result", "cached results"),
            describe_size(report.kept_bytes),
            describe_size(report.file_bytes_before),
            describe_size(report.file_bytes_after)
        ),
    );
    if report.compaction == Compaction::Busy {
        shell.note(
            "the file was not compacted because another holo process is using the cache; the \
             freed space is reused for new results, and running `holo cache gc` again when no \
             other holo runs gives it back",
        );
    }
}

pub use holo_pkg::size::parse_size;

/// `512 B`, `3.0 KiB`, `1.2 MiB`, `4.0 GiB`.
pub fn describe_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_decimal_and_binary_units() {
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("500MB"), Some(500_000_000));
        assert_eq!(parse_size("500mb"), Some(500_000_000));
        assert_eq!(parse_size("2 GB"), Some(2_000_000_000));
        assert_eq!(parse_size("300k"), Some(300_000));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("64KiB"), Some(65_536));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size(" 7B "), Some(7));
        for bad in [
            "",
            "MB",
            "-5MB",
            "1.2.3MB",
            "5 potatoes",
            "1e9",
            ".5GB",
            "5.GB",
            "99999999999TB",
        ] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_are_described_in_binary_units() {
        assert_eq!(describe_size(0), "0 B");
        assert_eq!(describe_size(1023), "1023 B");
        assert_eq!(describe_size(1024), "1.0 KiB");
        assert_eq!(describe_size(1_258_291), "1.2 MiB");
        assert_eq!(describe_size(5 << 30), "5.0 GiB");
    }
}
