//! The two-way channel between `holo run --watch` and the process running the program, and
//! both ends of it.
//!
//! The child (`holo __run --live`) owns the terminal: its stdin, stdout and stderr are the
//! user's. holo talks to it over two pipes, on the child's file descriptors [`FROM_HOLO_FD`]
//! and [`TO_HOLO_FD`], in frames (a little-endian `u32` length, then the message in postcard):
//! holo sends [`ToChild`] (the program with the inputs to replay, patches, the go-ahead after
//! a replay), the child sends [`FromChild`] (the inputs the program took, what a patch did,
//! how a replay ended, how the program ended).
//!
//! [`LiveChild`] is holo's end; [`serve`] is the child's: it runs `main` on one thread while
//! another applies patches ([`super::running::RunningProgram`]), and records every input
//! through the run's [`Journal`], sending them to holo in batches (before the program waits
//! for input, every 256 inputs, and at least every 50 ms while inputs come), so that the
//! recording survives the child. While it replays, the program's output is held back; when
//! the replay ends, the child tells holo, waits for [`ToChild::Resume`] (holo prints its
//! report line first), then shows the last [`TAIL_LINES`] lines of what the replay printed
//! (with the replayed input lines where the terminal echoed them) and goes live.

use super::ProgramPatch;
use super::running::RunningProgram;
use crate::exec::protocol::Failure;
use crate::exec::{ChildError, WorkerCommand};
use crate::jit::{Jit, Tier};
use crate::rt::RunContext;
use crate::rt::record::{InputEvent, Journal, JournalHooks, Recording, ReplayEnd};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The child's file descriptor holo writes to.
pub const FROM_HOLO_FD: i32 = 3;
/// The child's file descriptor it writes to holo on.
pub const TO_HOLO_FD: i32 = 4;
/// How much of its output a child sends holo.
pub const OUTPUT_KEPT: usize = 1 << 20;
/// How many lines of a replay's output are shown when it ends: enough to show the state a
/// program prints after each input, few enough not to repeat the whole screen.
pub const TAIL_LINES: usize = 10;

/// A message from holo to the child.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToChild {
    /// The program to run (an encoded `ir::Program` in slot numbers) and the inputs to replay
    /// before going live.
    Start {
        program: Vec<u8>,
        replay: Vec<InputEvent>,
    },
    Patch(ProgramPatch),
    /// holo has reported the end of the replay: show the program's screen and go live.
    Resume,
}

/// A message from the child to holo.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromChild {
    /// Inputs the program took, in order.
    Inputs(Vec<InputEvent>),
    /// What the program printed (during a replay too), up to [`OUTPUT_KEPT`] bytes per
    /// process: for the recording of the session (`holo run --replay` compares with it).
    Output(Vec<u8>),
    /// A patch was applied (`micros`: compiling and swapping, in the child).
    Patched {
        compiled: usize,
        moved: usize,
        micros: u64,
    },
    /// A patch could not be applied; nothing changed.
    PatchFailed(String),
    /// The replay ended; the child waits for [`ToChild::Resume`].
    ReplayEnded { end: ReplayEnd, micros: u64 },
    /// The program ended: with an exit code, or with a runtime error.
    Ended {
        code: Option<i64>,
        failure: Option<Failure>,
    },
}

/// Writes one frame.
pub fn write_frame(w: &mut impl Write, message: &impl Serialize) -> std::io::Result<()> {
    let bytes = postcard::to_stdvec(message)
        .map_err(|e| std::io::Error::other(format!("cannot encode a message: {e}")))?;
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a message is larger than 4 GiB"))?;
    let mut frame = Vec::with_capacity(4 + bytes.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&bytes);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame; `None` at the end of the stream.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> std::io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut bytes = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut bytes)?;
    postcard::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| std::io::Error::other(format!("cannot decode a message: {e}")))
}

/// holo's end: the child process and the channel to it.
pub struct LiveChild {
    child: Child,
    to: std::io::PipeWriter,
}

impl LiveChild {
    /// Starts `command` plus `args` (the program's arguments) on this process's terminal,
    /// with the channel on its [`FROM_HOLO_FD`] and [`TO_HOLO_FD`]. Every message the child
    /// sends is handed to `on_message` (on a thread of its own), then `on_gone` when the
    /// channel closes (the child ended, or was killed).
    /// With `terminal_input` false, the program's stdin is empty instead of the terminal (a
    /// replay that must not wait for anyone).
    pub fn spawn(
        command: &WorkerCommand,
        args: &[OsString],
        terminal_input: bool,
        on_message: impl Fn(FromChild) + Send + 'static,
        on_gone: impl FnOnce() + Send + 'static,
    ) -> Result<LiveChild, String> {
        let (from_holo, to) = std::io::pipe()
            .map_err(|e| format!("cannot create a pipe to the program's process: {e}"))?;
        let (mut from, to_holo) = std::io::pipe()
            .map_err(|e| format!("cannot create a pipe from the program's process: {e}"))?;
        let mut cmd = Command::new(&command.program);
        cmd.args(&command.args).args(args);
        if !terminal_input {
            cmd.stdin(std::process::Stdio::null());
        }
        give_fds(
            &mut cmd,
            vec![
                (from_holo.into(), FROM_HOLO_FD),
                (to_holo.into(), TO_HOLO_FD),
            ],
        );
        let child = cmd.spawn().map_err(|e| {
            format!(
                "cannot start the program's process (`{}`): {e}",
                command.program.display()
            )
        })?;
        // The child must hold the only other ends, or neither side would see the other close.
        drop(cmd);
        std::thread::Builder::new()
            .name("holo-live-reader".to_string())
            .spawn(move || {
                while let Ok(Some(message)) = read_frame::<FromChild>(&mut from) {
                    on_message(message);
                }
                on_gone();
            })
            .map_err(|e| format!("cannot start a thread to listen to the program: {e}"))?;
        Ok(LiveChild { child, to })
    }

    pub fn send(&mut self, message: &ToChild) -> Result<(), String> {
        write_frame(&mut self.to, message)
            .map_err(|e| format!("cannot talk to the program's process: {e}"))
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Stops the child and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the child to end (after its channel closed) and returns how it ended.
    pub fn wait(mut self) -> Result<ExitStatus, String> {
        self.child
            .wait()
            .map_err(|e| format!("cannot wait for the program's process: {e}"))
    }
}

/// Makes each `(fd, target)` the child's file descriptor `target`, clearing close-on-exec.
#[cfg(unix)]
fn give_fds(cmd: &mut Command, fds: Vec<(std::os::fd::OwnedFd, i32)>) {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let raw: Vec<(i32, i32)> = fds.iter().map(|(fd, t)| (fd.as_raw_fd(), *t)).collect();
    // SAFETY: between fork and exec only async-signal-safe functions may run; `fcntl` and
    // `dup2` are. The descriptors stay open in the parent until `cmd` is dropped.
    unsafe {
        cmd.pre_exec(move || {
            let _keep = &fds;
            // First out of the way of the targets (a source may be another's target), then
            // into place; `dup2` clears close-on-exec on the copy.
            let mut high = Vec::with_capacity(raw.len());
            for &(fd, target) in &raw {
                let copy = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 64);
                if copy == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                high.push((copy, target));
            }
            for (copy, target) in high {
                if libc::dup2(copy, target) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn give_fds(_cmd: &mut Command, _fds: Vec<(std::os::fd::OwnedFd, i32)>) {}

/// The child's end: runs the program holo sends on [`FROM_HOLO_FD`] with `args`, reporting on
/// [`TO_HOLO_FD`], until the program ends. Returns its exit code, or `None` when holo went
/// away before sending a program.
pub fn serve(args: Vec<String>, memory: Option<u64>) -> Result<Option<i64>, ChildError> {
    #[cfg(unix)]
    let (mut from, to) = {
        use std::os::fd::FromRawFd;
        // SAFETY: holo opens both descriptors for this process (see `give_fds`) and nothing
        // else in it uses them; the files take them over.
        unsafe {
            (
                std::fs::File::from_raw_fd(FROM_HOLO_FD),
                std::fs::File::from_raw_fd(TO_HOLO_FD),
            )
        }
    };
    #[cfg(not(unix))]
    return Err(ChildError::Setup(
        "running programs needs a Unix system".to_string(),
    ));
    let setup = |e: std::io::Error| {
        ChildError::Setup(format!(
            "cannot read from `holo run --watch` (file descriptor {FROM_HOLO_FD}): {e}; this command is started by holo, not by hand"
        ))
    };
    let Some(ToChild::Start { program, replay }) =
        read_frame::<ToChild>(&mut from).map_err(setup)?
    else {
        return Ok(None);
    };
    crate::exec::worker::exit_with_parent();
    let to = Arc::new(Mutex::new(to));
    crate::exec::worker::on_execution_stack(move || run(program, replay, args, memory, from, to))
        .map_err(ChildError::Setup)?
}

fn run(
    program: Vec<u8>,
    replay: Vec<InputEvent>,
    args: Vec<String>,
    memory: Option<u64>,
    mut from: std::fs::File,
    to: Arc<Mutex<std::fs::File>>,
) -> Result<Option<i64>, ChildError> {
    let setup = |e: crate::jit::JitError| ChildError::Setup(e.to_string());
    let program = crate::exec::decode_program(&program).map_err(ChildError::Setup)?;
    let Some(main) = program.main else {
        return Err(ChildError::Setup(
            "the program has no `main` function".to_string(),
        ));
    };
    let mut jit = Jit::with_tier(program.clone(), Tier::Optimized).map_err(setup)?;
    jit.compile_reachable(&[main]).map_err(setup)?;
    let mut running = RunningProgram::new(program, jit.table());
    let current = running.current();
    let send = {
        let to = to.clone();
        move |message: &FromChild| {
            let mut to = to.lock().unwrap_or_else(|e| e.into_inner());
            let _ = write_frame(&mut *to, message);
        }
    };
    let (resume_tx, resume_rx) = mpsc::channel::<()>();
    // Patches and the go-ahead arrive here while `main` runs.
    {
        let send = send.clone();
        std::thread::Builder::new()
            .name("holo-live-control".to_string())
            .spawn(move || {
                while let Ok(Some(message)) = read_frame::<ToChild>(&mut from) {
                    match message {
                        ToChild::Patch(patch) => {
                            let start = Instant::now();
                            let reply = match running.apply(patch) {
                                Ok(stats) => FromChild::Patched {
                                    compiled: stats.compiled,
                                    moved: stats.moved,
                                    micros: start.elapsed().as_micros() as u64,
                                },
                                Err(e) => FromChild::PatchFailed(e.to_string()),
                            };
                            send(&reply);
                        }
                        ToChild::Resume => {
                            let _ = resume_tx.send(());
                        }
                        ToChild::Start { .. } => {}
                    }
                }
                // holo went away: so does the program.
                std::process::exit(0);
            })
            .map_err(|e| ChildError::Setup(format!("cannot start a thread: {e}")))?;
    }
    let gate = Arc::new(Mutex::new(Gate {
        replaying: !replay.is_empty(),
        tail: Vec::new(),
    }));
    let hooks = ChildHooks {
        send: Box::new(send.clone()),
        pending: Recording::new(),
        last_flush: Instant::now(),
        gate: gate.clone(),
        resume: resume_rx,
        started: Instant::now(),
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut ctx = RunContext::new()
        .with_stdout(Box::new(GatedStdout {
            gate,
            send: Box::new(send.clone()),
            sent: 0,
        }))
        .with_line_buffering(terminal)
        .with_args(args)
        .with_journal(Journal::new(replay, Box::new(hooks)));
    ctx.line_buffered = true;
    ctx.live_program = Some(current);
    crate::exec::process::allow_huge_pages(true);
    crate::rt::heap::set_memory_limit(memory);
    let result = jit.run_main(&mut ctx);
    let _ = ctx.stdout.flush();
    if let Some(journal) = &mut ctx.journal {
        journal.finish();
    }
    let (code, failure) = match result {
        Ok(code) => (Some(code), None),
        Err(e) => match e.kind {
            crate::error::RuntimeErrorKind::Exit(code) => (Some(code), None),
            _ => (None, Some(Failure::from_runtime_error(&e))),
        },
    };
    send(&FromChild::Ended {
        code,
        failure: failure.clone(),
    });
    match failure {
        Some(failure) => Err(ChildError::Runtime(failure)),
        None => Ok(code),
    }
}

/// Where the program's output goes: held back while a replay runs (only the end is kept),
/// to the terminal afterwards.
struct Gate {
    replaying: bool,
    tail: Vec<u8>,
}

impl Gate {
    fn hold(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        // Keep the end only: far more than a screenful, far less than a long replay's output.
        if self.tail.len() > 1 << 20 {
            let cut = self.tail.len() - (1 << 19);
            self.tail.drain(..cut);
        }
    }

    /// The last [`TAIL_LINES`] lines held back (a line not ended yet, like a prompt,
    /// included), and live from now on.
    fn go_live(&mut self) -> Vec<u8> {
        self.replaying = false;
        let tail = std::mem::take(&mut self.tail);
        let mut newlines = 0;
        let mut start = 0;
        for (i, &b) in tail.iter().enumerate().rev() {
            if b == b'\n' && i + 1 < tail.len() {
                newlines += 1;
                if newlines == TAIL_LINES {
                    start = i + 1;
                    break;
                }
            }
        }
        tail[start..].to_vec()
    }
}

struct GatedStdout {
    gate: Arc<Mutex<Gate>>,
    send: Box<dyn Fn(&FromChild) + Send>,
    /// How much output was sent to holo.
    sent: usize,
}

impl Write for GatedStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.sent < OUTPUT_KEPT {
            let n = buf.len().min(OUTPUT_KEPT - self.sent);
            self.sent += n;
            (self.send)(&FromChild::Output(buf[..n].to_vec()));
        }
        let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        if gate.replaying {
            gate.hold(buf);
            return Ok(buf.len());
        }
        drop(gate);
        let mut out = std::io::stdout();
        out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

/// The child's side of the journal: inputs to holo in batches, the replay's screen.
struct ChildHooks {
    send: Box<dyn Fn(&FromChild) + Send>,
    /// Inputs not sent yet (compacted as the recording is).
    pending: Recording,
    last_flush: Instant,
    gate: Arc<Mutex<Gate>>,
    resume: mpsc::Receiver<()>,
    started: Instant,
}

impl ChildHooks {
    fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        (self.send)(&FromChild::Inputs(self.pending.take()));
    }
}

impl JournalHooks for ChildHooks {
    fn recorded(&mut self, event: &InputEvent) {
        self.pending.push(event.clone());
        if self.pending.len() >= 256 || self.last_flush.elapsed() >= Duration::from_millis(50) {
            self.flush();
        }
    }

    fn waiting(&mut self) {
        self.flush();
    }

    fn replayed(&mut self, event: &InputEvent) {
        // What the terminal echoed when the line was typed.
        if let InputEvent::Line(line) = event {
            let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
            gate.hold(line.as_bytes());
            gate.hold(b"\n");
        }
    }

    fn replay_ended(&mut self, end: &ReplayEnd) {
        (self.send)(&FromChild::ReplayEnded {
            end: end.clone(),
            micros: self.started.elapsed().as_micros() as u64,
        });
        // holo prints its line about the restart before the program's screen comes back.
        let _ = self.resume.recv_timeout(Duration::from_secs(5));
        let tail = self
            .gate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .go_live();
        let mut out = std::io::stdout();
        let _ = out.write_all(&tail);
        let _ = out.flush();
    }
}
