//! `holo run`: check the package, then run `main` in a child process that inherits the
//! terminal (stdin, stdout, stderr), and exit with the program's exit code. The child is
//! `holo __run` (see `commands/worker.rs`); it prints runtime errors itself and exits with 101.
//! It is started first, so that it starts up while the package is checked and compiled
//! (`holo_runner::exec::run`).

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_RUNTIME};
use crate::ops::compile::{Compiled, compile, encode, self_command};
use crate::render::exec::BuildSummaryEvent;
use crate::shell::Shell;
use holo_runner::exec::ProgramChild;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

pub struct RunOptions {
    pub manifest_path: Option<PathBuf>,
    pub format: MessageFormat,
    pub args: Vec<OsString>,
}

/// The exit code of a program stopped by Ctrl+C, as shells report it (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

pub fn run(shell: &mut Shell, options: RunOptions) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let cannot_run = |name: &str, e: String| {
        CliError::new(format!("could not run `{name}`: {e}")).with_hint(
            "Check that the holo executable is still in place and that processes can be started.",
        )
    };
    // Dropped without a program (the package does not compile), the child is stopped. A
    // child that cannot be started is reported only if there is a program to run.
    let child = self_command("__run")
        .map_err(|e| e.message)
        .and_then(|command| ProgramChild::spawn(&command, &options.args));
    let summary = |shell: &mut Shell, errors, warnings, elapsed| {
        shell.json(&BuildSummaryEvent::new(errors, warnings, 0, elapsed));
    };
    let mut package = match compile(
        shell,
        "holo run",
        options.manifest_path.as_deref(),
        options.format,
        start,
        &summary,
    )? {
        Compiled::Ready(package) => package,
        Compiled::Stopped(code) => return Ok(code),
    };
    let name = package.manifest.name.clone();
    if package.program.main.is_none() {
        package
            .open_cache(shell)
            .finish(package.shared.as_ref(), "holo run");
        let err = CliError::new(format!(
            "`holo run` needs a program, but `{name}` is a library: it has `src/lib.holo` and no `src/main.holo`"
        ))
        .with_hint("Run the library's tests with `holo test`, or add `src/main.holo` with a `fn main()` to make it a program.");
        if options.format == MessageFormat::Json {
            shell.json(&crate::render::json::ErrorEvent::new(&err));
            summary(shell, 1, package.warnings, start.elapsed());
        }
        return Err(err);
    }
    let encoded = encode(&package.program)?;
    shell.status("Running", format!("`{name}`"));
    // Ctrl+C reaches the program and holo alike (they share the terminal's process group). The
    // program decides what it means; holo stays to report how the program ended.
    let _ = ctrlc::set_handler(|| {});
    let mut child = child.map_err(|e| cannot_run(&name, e))?;
    let started = child.start(&encoded);
    // While the program runs: opening the cache, its writes, which wait for the disk, and
    // closing it (which writes too).
    package
        .open_cache(shell)
        .finish(package.shared.as_ref(), "holo run");
    drop(package.shared.take());
    let status = match started {
        Ok(()) => child.wait(),
        // The child died before it read the program; its exit status says more than the pipe.
        Err(e) => match child.wait() {
            Ok(status) if !status.success() => Ok(status),
            _ => Err(e),
        },
    }
    .map_err(|e| cannot_run(&name, e))?;
    if let Some(code) = status.code() {
        // Exit codes are 0..=255 on Unix; the child already exited with the program's.
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(EXIT_RUNTIME)));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(2) {
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
    }
    shell.error_line(format!(
        "`{name}` crashed: its process {}",
        holo_runner::exec::process::describe_exit(status)
    ));
    Ok(ExitCode::from(EXIT_RUNTIME))
}
