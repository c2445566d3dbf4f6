//! The front half of `holo build`, `holo run` and `holo test`: find, load and check the package
//! exactly as `holo check` does (same diagnostics, same exit codes), then lower it to the IR the
//! runner executes.

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_DIAGNOSTICS, EXIT_ENVIRONMENT};
use crate::ops::check::{emit_diagnostics, report_problems};
use crate::ops::package;
use crate::ops::results::{PendingResults, SharedResults};
use crate::ops::session::Session;
use crate::ops::store::OpeningStore;
use crate::render::json::ErrorEvent;
use crate::render::plural;
use crate::shell::Shell;
use crate::vfs::SRC_DIR;
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::Program;
use holo_db::Store;
use holo_pkg::Manifest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A package that checked without errors, lowered.
pub struct CompiledPackage {
    pub manifest: Manifest,
    pub program: Program,
    /// How many warnings were reported.
    pub warnings: usize,
    /// The package's root folder.
    pub root: PathBuf,
    /// Every function's behaviour fingerprint by key (for the test-to-code map).
    pub fingerprints: BTreeMap<String, Fingerprint>,
    /// The key of the sources that were compiled (see `ops/snapshot.rs`).
    pub source_key: Option<holo_db::Key>,
    /// How many source files the package has.
    pub files: usize,
    /// The shared cache, when it could be opened (test results are shared through it too); see
    /// [`CompiledPackage::open_cache`].
    pub shared: Option<Store>,
    /// The shared cache while it is still being opened.
    cache: Option<OpeningStore>,
    /// What checking and lowering computed, for the shared cache.
    pending: PendingResults,
}

impl CompiledPackage {
    /// Waits until the shared cache is open (it is opened on another thread; a new cache file
    /// takes a while to create, which need not delay the program), sets
    /// [`CompiledPackage::shared`], and hands over what checking and lowering computed for it.
    /// Commands write that ([`PendingResults::finish`]) once their real work is under way (the
    /// program sent to the process that runs it): the write syncs the disk, which need not
    /// delay the work.
    pub fn open_cache(&mut self, shell: &mut Shell) -> PendingResults {
        if let Some(cache) = self.cache.take() {
            self.shared = cache.finish(shell);
        }
        std::mem::take(&mut self.pending)
    }
}

/// What [`compile`] ended with.
pub enum Compiled {
    Ready(Box<CompiledPackage>),
    /// The command is over: the problems have been reported, and this is its exit code.
    Stopped(ExitCode),
}

/// Writes the JSON summary event of a command that stops before its real work (compile errors,
/// a missing manifest): `errors` and `warnings` counts and the time so far. Each command has
/// its own summary event shape.
pub type SummaryWriter<'a> = &'a dyn Fn(&mut Shell, usize, usize, Duration);

/// Locates, loads, checks and lowers the package. Diagnostics are reported as `holo check`
/// reports them; errors stop the command with exit code 1, an unusable package with exit code
/// 2 (as an `Err` for `main` to print when nothing was printed yet).
pub fn compile(
    shell: &mut Shell,
    command: &str,
    manifest_path: Option<&Path>,
    format: MessageFormat,
    start: Instant,
    summary: SummaryWriter<'_>,
) -> Result<Compiled, CliError> {
    let fatal = |shell: &mut Shell, err: CliError| {
        if format == MessageFormat::Json {
            shell.json(&ErrorEvent::new(&err));
            summary(shell, 1, 0, start.elapsed());
        }
        err
    };
    let location = match package::locate(manifest_path) {
        Ok(location) => location,
        Err(err) => return Err(fatal(shell, err)),
    };
    let manifest = match package::load_manifest(&location) {
        Ok(manifest) => manifest,
        Err(err) => return Err(fatal(shell, err)),
    };
    shell.status(
        "Compiling",
        format!(
            "{} v{} ({})",
            manifest.name,
            manifest.version,
            location.root.display()
        ),
    );
    let name = manifest.name.clone();
    let root = location.root.clone();
    let mut cache = OpeningStore::start();
    let mut session = Session::new(location, Ok(manifest.clone()));
    session.scan(SRC_DIR);
    // In JSON mode this writes `holo check`'s summary; the problems are what matter here.
    if report_problems(shell, &session, format, start.elapsed()) {
        return Ok(Compiled::Stopped(ExitCode::from(EXIT_ENVIRONMENT)));
    }
    let results = SharedResults::new(cache.for_lookups(shell));
    let (report, reuse) = session.check_with(&results);
    tracing::debug!(
        reused = reuse.reused,
        computed = reuse.computed,
        "checked modules"
    );
    emit_diagnostics(shell, &mut session, &report, format);
    let (errors, warnings) = (report.errors(), report.warnings());
    if errors > 0 {
        let pending = results.take_pending();
        pending.finish(cache.finish(shell).as_ref(), command);
        if format == MessageFormat::Json {
            summary(shell, errors, warnings, start.elapsed());
        }
        let warned = if warnings > 0 {
            format!("; {} emitted", plural(warnings, "warning"))
        } else {
            String::new()
        };
        shell.error_line(format!(
            "could not compile `{name}` due to {}{warned}",
            plural(errors, "previous error")
        ));
        return Ok(Compiled::Stopped(ExitCode::from(EXIT_DIAGNOSTICS)));
    }
    if warnings > 0 && format == MessageFormat::Human {
        shell.warn(format!(
            "`{name}` generated {}",
            plural(warnings, "warning")
        ));
    }
    let lower_start = Instant::now();
    let lowered = session.compiler().lower_with(&results);
    let pending = results.take_pending();
    tracing::debug!(elapsed = ?lower_start.elapsed(), "lowered the package");
    let lowered = match lowered {
        Ok(lowered) => lowered,
        Err(e) => {
            pending.finish(cache.finish(shell).as_ref(), command);
            return Err(fatal(
                shell,
                CliError::internal(format!(
                    "internal compiler error while lowering `{name}`: {e}"
                )),
            ));
        }
    };
    tracing::debug!(
        reused = lowered.reuse.reused,
        computed = lowered.reuse.computed,
        "lowered modules"
    );
    let source_key = session.snapshot_key(crate::ops::store::build_id());
    // The syntax trees and salsa's memo tables of a large package take longer to free than to
    // build; the process ends soon after the command, and the OS takes the memory back at once.
    std::mem::forget(session);
    Ok(Compiled::Ready(Box::new(CompiledPackage {
        manifest,
        program: lowered.program,
        warnings,
        root,
        fingerprints: lowered.fingerprints,
        source_key,
        files: report.files,
        shared: None,
        cache: Some(cache),
        pending,
    })))
}

/// How to start worker processes: this very executable with a hidden subcommand.
pub fn self_command(subcommand: &str) -> Result<holo_runner::exec::WorkerCommand, CliError> {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(format!(
            "cannot find the holo executable to start worker processes with: {e}"
        ))
    })?;
    Ok(holo_runner::exec::WorkerCommand::new(exe, [subcommand]))
}

/// Encodes the program for worker processes.
pub fn encode(program: &Program) -> Result<Vec<u8>, CliError> {
    let start = Instant::now();
    let encoded = holo_runner::exec::encode_program(program).map_err(CliError::internal)?;
    tracing::debug!(bytes = encoded.len(), elapsed = ?start.elapsed(), "encoded the program");
    Ok(encoded)
}
