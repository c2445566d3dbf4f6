//! `holo build`: check the package, then compile every function to native code in a worker
//! process (a code generator that crashes takes down the worker, not `holo`). The worker is
//! started first, so that it starts up while the package is checked.

use crate::cli::MessageFormat;
use crate::error::CliError;
use crate::ops::compile::{Compiled, compile, encode, self_command};
use crate::render::exec::BuildSummaryEvent;
use crate::render::{format_duration, plural};
use crate::shell::Shell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub struct BuildOptions {
    pub manifest_path: Option<PathBuf>,
    pub format: MessageFormat,
}

pub fn build(shell: &mut Shell, options: BuildOptions) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    // Stopped when dropped, if the package does not compile.
    let worker = holo_runner::exec::BuildWorker::launch(&self_command("__worker")?);
    let summary = |shell: &mut Shell, errors, warnings, elapsed| {
        shell.json(&BuildSummaryEvent::new(errors, warnings, 0, elapsed));
    };
    let mut package = match compile(
        shell,
        "holo build",
        options.manifest_path.as_deref(),
        options.format,
        start,
        &summary,
    )? {
        Compiled::Ready(package) => package,
        Compiled::Stopped(code) => return Ok(code),
    };
    let name = package.manifest.name.clone();
    let encoded = encode(&package.program)?;
    // The cache writes wait for the disk; the worker compiles meanwhile.
    let pending = package.open_cache(shell);
    let compiled = std::thread::scope(|scope| {
        let compiling = scope.spawn(|| worker.compile_all(&encoded));
        pending.finish(package.shared.as_ref(), "holo build");
        compiling
            .join()
            .unwrap_or_else(|_| Err("the thread waiting for the worker panicked".to_string()))
    });
    let stats = compiled.map_err(|e| {
        let err = CliError::internal(format!("could not compile `{name}` to native code: {e}"));
        if options.format == MessageFormat::Json {
            shell.json(&crate::render::json::ErrorEvent::new(&err));
            summary(shell, 1, package.warnings, start.elapsed());
        }
        err
    })?;
    let elapsed = start.elapsed();
    if options.format == MessageFormat::Json {
        shell.json(&BuildSummaryEvent::new(
            0,
            package.warnings,
            stats.functions as usize,
            elapsed,
        ));
    }
    shell.status(
        "Finished",
        format!(
            "build of {name} ({}) in {}",
            plural(stats.functions as usize, "function"),
            format_duration(elapsed)
        ),
    );
    Ok(ExitCode::SUCCESS)
}
