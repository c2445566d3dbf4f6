//! `holo check`: load the package, check it once, report diagnostics and a summary.

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_DIAGNOSTICS, EXIT_ENVIRONMENT};
use crate::ops::package::{self, PackageLocation};
use crate::ops::results::SharedResults;
use crate::ops::session::{Checked, Session};
use crate::ops::watch;
use crate::render::json::{ErrorEvent, SummaryEvent, diagnostic_event};
use crate::render::{format_duration, human, plural};
use crate::shell::Shell;
use crate::vfs::SRC_DIR;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub struct CheckOptions {
    pub manifest_path: Option<PathBuf>,
    pub format: MessageFormat,
    pub watch: bool,
}

pub fn check(shell: &mut Shell, options: CheckOptions) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let location = match package::locate(options.manifest_path.as_deref()) {
        Ok(location) => location,
        Err(err) => return Err(report_fatal(shell, options.format, err, start.elapsed())),
    };
    if options.watch {
        return watch::watch(shell, location, options.format);
    }
    check_once(shell, location, options.format, start)
}

fn check_once(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
    start: Instant,
) -> Result<ExitCode, CliError> {
    let manifest = match package::load_manifest(&location) {
        Ok(manifest) => manifest,
        Err(err) => return Err(report_fatal(shell, format, err, start.elapsed())),
    };
    shell.status(
        "Checking",
        format!(
            "{} v{} ({})",
            manifest.name,
            manifest.version,
            location.root.display()
        ),
    );
    let name = manifest.name.clone();
    if let Some(files) = crate::ops::snapshot::clean_state(&location, crate::ops::store::build_id())
    {
        // Exactly the sources of the last clean `holo test`: no diagnostics, nothing to load.
        let elapsed = start.elapsed();
        if format == MessageFormat::Json {
            shell.json(&SummaryEvent::new(0, 0, files, elapsed));
        }
        shell.status(
            "Finished",
            format!(
                "checking {name} ({}) in {}",
                plural(files, "file"),
                format_duration(elapsed)
            ),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut cache = crate::ops::store::OpeningStore::start();
    let mut session = Session::new(location, Ok(manifest));
    session.scan(SRC_DIR);
    if report_problems(shell, &session, format, start.elapsed()) {
        return Ok(ExitCode::from(EXIT_ENVIRONMENT));
    }
    let results = SharedResults::new(cache.for_lookups(shell));
    let (report, reuse) = session.check_with(&results);
    let pending = results.take_pending();
    pending.finish(cache.finish(shell).as_ref(), "holo check");
    tracing::debug!(
        reused = reuse.reused,
        computed = reuse.computed,
        "checked modules"
    );
    let elapsed = start.elapsed();
    emit_diagnostics(shell, &mut session, &report, format);
    // Freeing a large package's trees and memo tables takes longer than building them; the
    // process ends right after this, and the OS takes the memory back at once.
    std::mem::forget(session);
    if format == MessageFormat::Json {
        shell.json(&SummaryEvent::new(
            report.errors(),
            report.warnings(),
            report.files,
            elapsed,
        ));
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    if errors > 0 {
        let warned = if warnings > 0 {
            format!("; {} emitted", plural(warnings, "warning"))
        } else {
            String::new()
        };
        shell.error_line(format!(
            "could not check `{name}` due to {}{warned}",
            plural(errors, "previous error")
        ));
        return Ok(ExitCode::from(EXIT_DIAGNOSTICS));
    }
    if warnings > 0 && format == MessageFormat::Human {
        shell.warn(format!(
            "`{name}` generated {}",
            plural(warnings, "warning")
        ));
    }
    shell.status(
        "Finished",
        format!(
            "checking {name} ({}) in {}",
            plural(report.files, "file"),
            format_duration(elapsed)
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// Reports an error that ends the command before anything was checked. In JSON mode it is also
/// an `error` event followed by the summary, so that a tool reading stdout sees why; the error
/// is returned for `main` to print on stderr and turn into the exit code.
fn report_fatal(
    shell: &mut Shell,
    format: MessageFormat,
    err: CliError,
    elapsed: Duration,
) -> CliError {
    if format == MessageFormat::Json {
        shell.json(&ErrorEvent::new(&err));
        shell.json(&SummaryEvent::new(1, 0, 0, elapsed));
    }
    err
}

/// Reports what stops the package from being checked, if anything; returns whether there was
/// something. In JSON mode the errors are events, followed by the summary.
pub fn report_problems(
    shell: &mut Shell,
    session: &Session,
    format: MessageFormat,
    elapsed: Duration,
) -> bool {
    let problems = session.problems();
    if problems.is_empty() {
        return false;
    }
    for problem in &problems {
        shell.error(problem);
        if format == MessageFormat::Json {
            shell.json(&ErrorEvent::new(problem));
        }
    }
    if format == MessageFormat::Json {
        shell.json(&SummaryEvent::new(
            problems.len(),
            0,
            session.file_count(),
            elapsed,
        ));
    }
    true
}

/// Prints every diagnostic of `report`: rendered on stderr, or as JSON events on stdout.
pub fn emit_diagnostics(
    shell: &mut Shell,
    session: &mut Session,
    report: &Checked,
    format: MessageFormat,
) {
    let (compiler, sources) = session.render_parts();
    for diag in &report.diagnostics {
        match format {
            MessageFormat::Human => {
                // A blank line after each diagnostic, as rustc does, keeps them apart.
                let rendered = human::render_diagnostic(diag, compiler, sources);
                shell.write_rendered(&format!("{}\n\n", rendered.trim_end()));
            }
            MessageFormat::Json => shell.json(&diagnostic_event(diag, compiler, sources)),
        }
    }
}
