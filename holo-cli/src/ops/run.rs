//! `holo run`: check the package, then run `main` in a child process that inherits the
//! terminal (stdin, stdout, stderr), and exit with the program's exit code. The child is
//! `holo __run` (see `commands/worker.rs`); it prints runtime errors itself and exits with 101.

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_RUNTIME};
use crate::ops::compile::{Compiled, compile, encode, self_command};
use crate::render::exec::BuildSummaryEvent;
use crate::shell::Shell;
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
    let summary = |shell: &mut Shell, errors, warnings, elapsed| {
        shell.json(&BuildSummaryEvent::new(errors, warnings, 0, elapsed));
    };
    let package = match compile(
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
    let name = &package.manifest.name;
    if package.program.main.is_none() {
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
    let command = self_command("__run")?;
    shell.status("Running", format!("`{name}`"));
    // Ctrl+C reaches the program and holo alike (they share the terminal's process group). The
    // program decides what it means; holo stays to report how the program ended.
    let _ = ctrlc::set_handler(|| {});
    let status =
        holo_runner::exec::run_program(&encoded, &command, &options.args).map_err(|e| {
            CliError::new(format!("could not run `{name}`: {e}"))
                .with_hint("Check that the holo executable is still in place and that a temporary file can be created.")
        })?;
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
