//! `holo run`'s process: `main` runs in a child process (`holo __run ARGS…`) that inherits the
//! terminal, so interactive programs work, while `holo` only waits for it.
//!
//! The child is started before the program exists: `holo` starts it first and then checks and
//! compiles, so that starting a process (loading the executable, setting up the runtime) happens
//! on another core at the same time. The program then reaches the child through a pipe on its
//! file descriptor [`PROGRAM_FD`]; stdin, stdout and stderr belong to the user. A child whose
//! pipe closes without a program (the package did not compile) exits at once, silently.

use super::process::WorkerCommand;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The file descriptor on which `holo run`'s child receives the encoded program.
pub const PROGRAM_FD: i32 = 3;

/// Set for a child whose stdout is read by a front-end (see [`ProgramChild::spawn_piped`]): it
/// writes its output line by line, as on a terminal.
pub const LINE_BUFFERED_ENV: &str = "HOLO_RUN_LINE_BUFFERED";

/// A child process waiting for the program it is to run (see the module documentation).
pub struct ProgramChild {
    child: Option<Child>,
    /// The writing end of the program pipe, until the program is sent.
    program: Option<std::io::PipeWriter>,
}

impl ProgramChild {
    /// Starts `command` plus `args` (the program's arguments) with this process's stdin, stdout
    /// and stderr, and a pipe for the program on [`PROGRAM_FD`].
    pub fn spawn(command: &WorkerCommand, args: &[OsString]) -> Result<ProgramChild, String> {
        Self::spawn_with(command, args, false)
    }

    /// Like [`ProgramChild::spawn`], but the child's stdin, stdout and stderr are pipes (take
    /// them with [`ProgramChild::take_stdio`]): for a front-end that hands the program its
    /// input and captures what it prints, such as `holo mcp`.
    pub fn spawn_piped(command: &WorkerCommand, args: &[OsString]) -> Result<ProgramChild, String> {
        Self::spawn_with(command, args, true)
    }

    fn spawn_with(
        command: &WorkerCommand,
        args: &[OsString],
        piped: bool,
    ) -> Result<ProgramChild, String> {
        let (reader, writer) = std::io::pipe()
            .map_err(|e| format!("cannot create a pipe to send the program through: {e}"))?;
        let mut cmd = Command::new(&command.program);
        cmd.args(&command.args).args(args);
        if piped {
            // Whoever reads the pipes may stop the program at a time limit: line by line, what
            // it printed until then is not lost in its buffer.
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .env(LINE_BUFFERED_ENV, "1");
        }
        give_fd(&mut cmd, reader);
        let child = cmd.spawn().map_err(|e| {
            format!(
                "cannot start the program's process (`{}`): {e}",
                command.program.display()
            )
        })?;
        // `cmd` holds the reading end until it is dropped; the child must be its only holder, or
        // the child would never see the end of the program.
        drop(cmd);
        Ok(ProgramChild {
            child: Some(child),
            program: Some(writer),
        })
    }

    /// Sends the encoded program; the child starts running it.
    pub fn start(&mut self, program: &[u8]) -> Result<(), String> {
        let Some(mut pipe) = self.program.take() else {
            return Err("the program was already sent".to_string());
        };
        // A child that died before reading (it could not start) closes the pipe: the write fails
        // with a broken pipe and `wait` tells how the child ended.
        pipe.write_all(program)
            .map_err(|e| format!("cannot send the program to its process: {e}"))
    }

    /// The pipes of a child started with [`ProgramChild::spawn_piped`] (each `None` once taken,
    /// and for a child that inherited the terminal's).
    pub fn take_stdio(&mut self) -> (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>) {
        match &mut self.child {
            Some(child) => (child.stdin.take(), child.stdout.take(), child.stderr.take()),
            None => (None, None, None),
        }
    }

    /// Waits at most `limit` for the child to end: `Ok(None)` when it did not, and was
    /// killed (and reaped).
    pub fn wait_timeout(mut self, limit: Duration) -> Result<Option<ExitStatus>, String> {
        drop(self.program.take());
        let mut child = self
            .child
            .take()
            .expect("the child is kept until waited for");
        let deadline = Instant::now() + limit;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(None);
                }
                // Polling costs a system call per millisecond; a program's run is far longer.
                Ok(None) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => return Err(format!("cannot wait for the program's process: {e}")),
            }
        }
    }

    /// Waits for the child to end and returns how it ended. The caller decides what an exit
    /// code or a signal means to the user.
    pub fn wait(mut self) -> Result<ExitStatus, String> {
        drop(self.program.take());
        let mut child = self
            .child
            .take()
            .expect("the child is kept until waited for");
        child
            .wait()
            .map_err(|e| format!("cannot wait for the program's process: {e}"))
    }
}

impl Drop for ProgramChild {
    /// A child that never got its program (the command stopped before running it) is stopped
    /// and reaped: it has nothing to do, and may still be starting up.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(self.program.take());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Makes `fd` the child's [`PROGRAM_FD`].
#[cfg(unix)]
fn give_fd(cmd: &mut Command, fd: std::io::PipeReader) {
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    let fd = OwnedFd::from(fd);
    let raw = fd.as_raw_fd();
    // SAFETY: between fork and exec only async-signal-safe functions may run; `dup2` and
    // `fcntl` are. `fd` stays open in the parent until `cmd` is dropped, after the spawn.
    unsafe {
        cmd.pre_exec(move || {
            let _keep = &fd;
            if raw == PROGRAM_FD {
                // dup2 onto itself keeps close-on-exec set; clear it instead.
                if libc::fcntl(raw, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(raw, PROGRAM_FD) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn give_fd(_cmd: &mut Command, _fd: std::io::PipeReader) {}

/// Reads the program `holo run` sends on [`PROGRAM_FD`]. `None` when the pipe closed without
/// one: `holo` stopped before there was a program to run.
pub fn receive_program() -> Result<Option<Vec<u8>>, String> {
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: `holo run` opens PROGRAM_FD for this process (see `give_fd`) and nothing else
        // in this process uses it; the `File` takes it over.
        let mut pipe = unsafe { std::fs::File::from_raw_fd(PROGRAM_FD) };
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).map_err(|e| {
            format!("cannot read the program from `holo run` (file descriptor {PROGRAM_FD}): {e}; this command is started by `holo run`, not by hand")
        })?;
        Ok((!bytes.is_empty()).then_some(bytes))
    }
    #[cfg(not(unix))]
    {
        Err("running programs needs a Unix system".to_string())
    }
}
