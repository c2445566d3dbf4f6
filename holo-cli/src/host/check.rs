//! `check`: report every diagnostic of the package and a summary — from a resident host, or
//! in a fresh process that may answer from the snapshot of the last clean test run.

use crate::error::{EXIT_DIAGNOSTICS, EXIT_ENVIRONMENT};
use crate::host::events::{CommandKind, ErrorEvent, Event, Reporter, SummaryEvent};
use crate::host::package::{self, PackageLocation};
use crate::host::project::ProjectHost;
use crate::host::session::{Checked, Session};
use crate::render::{format_duration, plural};
use std::time::Instant;

/// A fresh process's `holo check`: the snapshot of the last clean `holo test` when the sources
/// are exactly its sources, else a host that loads and checks the package (returned, so that
/// the caller decides when to free it).
pub fn check_fresh(
    location: PackageLocation,
    r: &mut dyn Reporter,
    start: Instant,
) -> (u8, Option<ProjectHost>) {
    let manifest = match package::load_manifest(&location) {
        Ok(manifest) => manifest,
        Err(err) => {
            r.emit(Event::Error(ErrorEvent::new(&err)));
            let name = location.dir_name();
            r.emit(Event::Summary(
                SummaryEvent::new(CommandKind::Check, &name, start.elapsed()).counts(1, 0),
            ));
            return (EXIT_ENVIRONMENT, None);
        }
    };
    if let Some(files) =
        crate::host::snapshot::clean_state(&location, crate::host::store::build_id())
    {
        // Exactly the sources of the last clean `holo test`: no diagnostics, nothing to load.
        checking_status(r, &manifest.name, &manifest.version.to_string(), &location);
        let mut summary = SummaryEvent::new(CommandKind::Check, &manifest.name, start.elapsed());
        summary.files = files;
        finish(r, &summary);
        return (0, None);
    }
    let mut host = ProjectHost::open(location);
    let code = host.check(r, start);
    (code, Some(host))
}

pub fn checking_status(
    r: &mut dyn Reporter,
    name: &str,
    version: &str,
    location: &PackageLocation,
) {
    r.emit(Event::Status {
        verb: "Checking".into(),
        message: format!("{name} v{version} ({})", location.root.display()),
    });
}

/// Checks the session's package and reports it: `check`'s whole answer.
pub fn check(session: &mut Session, r: &mut dyn Reporter, start: Instant) -> (u8, Checked) {
    let report = session.check();
    let code = report_check(session, &report, r, start);
    (code, report)
}

/// The report of a finished check: diagnostics, the summary, the closing lines.
pub fn report_check(
    session: &mut Session,
    report: &Checked,
    r: &mut dyn Reporter,
    start: Instant,
) -> u8 {
    let elapsed = start.elapsed();
    emit_diagnostics(session, report, r);
    let name = session.package_name();
    let (errors, warnings) = (report.errors(), report.warnings());
    let mut summary =
        SummaryEvent::new(CommandKind::Check, &name, elapsed).counts(errors, warnings);
    summary.files = report.files;
    if errors > 0 {
        r.emit(Event::Summary(summary));
        r.emit(could_not("check", &name, errors, warnings));
        return EXIT_DIAGNOSTICS;
    }
    // "`name` generated 2 warnings" is the human renderer's, drawn from the summary.
    finish(r, &summary);
    0
}

/// `could not check `x` due to 2 previous errors; 1 warning emitted` (`verb`: `check`,
/// `compile`).
pub fn could_not(verb: &str, name: &str, errors: usize, warnings: usize) -> Event {
    let warned = if warnings > 0 {
        format!("; {} emitted", plural(warnings, "warning"))
    } else {
        String::new()
    };
    Event::ErrorLine {
        message: format!(
            "could not {verb} `{name}` due to {}{warned}",
            plural(errors, "previous error")
        ),
    }
}

/// The summary of a clean check and its `Finished` line.
fn finish(r: &mut dyn Reporter, summary: &SummaryEvent) {
    r.emit(Event::Summary(summary.clone()));
    r.emit(Event::Status {
        verb: "Finished".into(),
        message: format!(
            "checking {} ({}) in {}",
            summary.package,
            plural(summary.files, "file"),
            format_duration(std::time::Duration::from_secs_f64(
                summary.duration_ms / 1000.0
            ))
        ),
    });
}

/// Reports what stops the package from being checked, if anything, and the summary of
/// `command`; returns whether there was something.
pub fn report_problems(
    session: &Session,
    r: &mut dyn Reporter,
    command: CommandKind,
    start: Instant,
) -> bool {
    let problems = session.problems();
    if problems.is_empty() {
        return false;
    }
    for problem in &problems {
        r.emit(Event::Error(ErrorEvent::new(problem)));
    }
    let mut summary = SummaryEvent::new(command, &session.package_name(), start.elapsed())
        .counts(problems.len(), 0);
    summary.files = session.file_count();
    r.emit(Event::Summary(summary));
    true
}

/// Emits every diagnostic of `report`, in order.
pub fn emit_diagnostics(session: &mut Session, report: &Checked, r: &mut dyn Reporter) {
    let (compiler, sources) = session.render_parts();
    for diag in &report.diagnostics {
        r.emit(Event::Diagnostic(crate::render::json::diagnostic_event(
            diag, compiler, sources,
        )));
    }
}
