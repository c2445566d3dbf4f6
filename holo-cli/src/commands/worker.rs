//! The hidden commands `holo` starts itself with, never typed by users:
//!
//! - `holo __worker`: a worker process serving test and build requests on stdin and stdout
//!   (`holo_runner::exec::worker`). Its stdout carries only protocol frames.
//! - `holo __run ARGS…`: runs the program `holo run` sends on file descriptor 3, on the
//!   terminal it inherited; prints a runtime error on stderr and exits with 101 after one.

use crate::cli::RunChildArgs;
use crate::error::{CliError, EXIT_RUNTIME};
use crate::render::exec::render_failure;
use crate::shell::Shell;
use holo_runner::exec::ChildError;
use std::io::Write;
use std::process::ExitCode;

pub fn worker() -> Result<ExitCode, CliError> {
    match holo_runner::exec::serve_stdio() {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(message) => {
            // stderr is where `holo` looks for a dead worker's last words.
            let _ = writeln!(std::io::stderr(), "holo worker: {message}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn run_child(shell: &mut Shell, args: RunChildArgs) -> Result<ExitCode, CliError> {
    match holo_runner::exec::run_child(args.args) {
        // Exit codes are 0..=255 on Unix; a program's code is taken modulo 256, as `exit` does.
        Ok(Some(code)) => Ok(ExitCode::from((code & 0xff) as u8)),
        // `holo run` stopped before there was a program (it reports why); nothing to say here.
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(ChildError::Runtime(failure)) => {
            shell.write_rendered(&render_failure(&failure));
            Ok(ExitCode::from(EXIT_RUNTIME))
        }
        Err(ChildError::Setup(message)) => Err(CliError::internal(format!(
            "could not start the program: {message}"
        ))),
    }
}
