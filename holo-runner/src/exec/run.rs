//! `holo run`'s process: `main` runs in a child process (`holo __run FILE ARGS…`) that inherits
//! the terminal, so interactive programs work, while `holo` only waits for it. The program
//! reaches the child as a file: its stdin, stdout and stderr belong to the user.

use super::process::WorkerCommand;
use std::ffi::OsString;
use std::io::Write;
use std::process::{Command, ExitStatus};

/// Runs the encoded `program` in a child started with `command` (plus the program file and
/// `args`), with this process's stdin, stdout and stderr, and returns how the child ended.
/// The caller decides what an exit code or a signal means to the user.
pub fn run_program(
    program: &[u8],
    command: &WorkerCommand,
    args: &[OsString],
) -> Result<ExitStatus, String> {
    let mut file = tempfile::Builder::new()
        .prefix("holo-run-")
        .suffix(".program")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file for the program: {e}"))?;
    file.write_all(program)
        .and_then(|()| file.flush())
        .map_err(|e| {
            format!(
                "cannot write the program to `{}`: {e}",
                file.path().display()
            )
        })?;
    let mut child = Command::new(&command.program)
        .args(&command.args)
        .arg(file.path())
        .args(args)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start the program's process (`{}`): {e}",
                command.program.display()
            )
        })?;
    let status = child
        .wait()
        .map_err(|e| format!("cannot wait for the program's process: {e}"));
    // The child may have removed the file already; the temporary file's drop tolerates that.
    drop(file);
    status
}

/// Reads the program file a child was given and removes it: nobody needs it after this.
pub fn take_program_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the program file `{}`: {e}", path.display()))?;
    let _ = std::fs::remove_file(path);
    Ok(bytes)
}
