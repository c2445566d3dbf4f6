//! The hidden commands `holo` starts itself with, never typed by users:
//!
//! - `holo __worker`: a worker process serving test and build requests on stdin and stdout
//!   (`holo_runner::exec::worker`). Its stdout carries only protocol frames.
//! - `holo __run ARGS…`: runs the program `holo run` sends on file descriptor 3, on the
//!   terminal it inherited; prints a runtime error on stderr (`--json`: as an event on stdout)
//!   and exits with 101 after one. With `--live` (`holo run --watch`, `holo dev --run`) it talks
//!   to holo on file descriptors 3 and 4 instead (`holo_runner::live::child`): patches and
//!   inputs to replay come in, recorded inputs, output and how the program ended go out, and
//!   holo reports everything.

use crate::cli::RunChildArgs;
use crate::error::{CliError, EXIT_RUNTIME};
use crate::render::exec::render_failure;
use crate::shell::Shell;
use holo_runner::exec::{ChildError, Failure};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Whether `holo __run` reports runtime errors as JSON (`--json`); a static, since the handler
/// of allocation failures is a plain function.
static JSON: AtomicBool = AtomicBool::new(false);

pub fn run_child(shell: &mut Shell, args: RunChildArgs) -> Result<ExitCode, CliError> {
    JSON.store(args.json, Ordering::Relaxed);
    holo_runner::rt::on_allocation_failure(allocation_failed);
    if args.live {
        let program_args = args
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        // holo reports a runtime error (it was sent to it) and how the program ended.
        return match holo_runner::live::child::serve(program_args, args.memory) {
            Ok(code) => Ok(ExitCode::from((code.unwrap_or(0) & 0xff) as u8)),
            Err(ChildError::Runtime(_)) => Ok(ExitCode::from(EXIT_RUNTIME)),
            Err(ChildError::Setup(message)) => Err(CliError::internal(format!(
                "could not start the program: {message}"
            ))),
        };
    }
    match holo_runner::exec::run_child(args.args, args.memory) {
        // Exit codes are 0..=255 on Unix; a program's code is taken modulo 256, as `exit` does.
        Ok(Some(code)) => Ok(ExitCode::from((code & 0xff) as u8)),
        // `holo run` stopped before there was a program (it reports why); nothing to say here.
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(ChildError::Runtime(failure)) => {
            report(shell, &failure);
            Ok(ExitCode::from(EXIT_RUNTIME))
        }
        Err(ChildError::Setup(message)) => Err(CliError::internal(format!(
            "could not start the program: {message}"
        ))),
    }
}

/// A runtime error, as text on stderr or as a JSON event on stdout (after the program's output).
fn report(shell: &mut Shell, failure: &Failure) {
    if JSON.load(Ordering::Relaxed) {
        shell.json(&crate::render::json::runtime_error_json(failure));
        return;
    }
    shell.write_rendered(&render_failure(failure));
    if failure
        .message
        .starts_with("out of memory: the program's values grew beyond")
    {
        shell.write_rendered(
            "  = help: if the program really needs more, raise the limit with `holo run --memory SIZE` or `memory = \"4GiB\"` in the `[run]` table of holo.toml.\n",
        );
    }
}

/// The system refused memory for a value: the run cannot go on, so the error is reported
/// without a stack and the process ends here.
fn allocation_failed(error: holo_runner::RuntimeError) -> ! {
    let mut shell = Shell::new(crate::cli::ColorWhen::Auto, false);
    report(&mut shell, &Failure::from_runtime_error(&error));
    std::process::exit(i32::from(EXIT_RUNTIME))
}
