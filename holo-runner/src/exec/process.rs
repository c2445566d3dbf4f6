//! The parent side of a worker: starting the process, talking to it with a deadline on every
//! answer, and finding out how it died when it does.
//!
//! Each worker has a reader thread that decodes its stdout into a channel, so that waiting for
//! an answer can time out (a test that loops forever never answers), and a thread that keeps
//! the tail of its stderr, where a crashing worker leaves its last words (a Rust panic message,
//! an allocator's abort message).

use super::protocol::{PROTOCOL_VERSION, Request, Response, encode_frame, read_frame};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Whether memory this process (and the processes it starts from now on) touches for the first
/// time may come as transparent huge pages. holo's own processes turn them off: the allocator
/// asks for huge pages, and the kernel then zeroes 2 MiB the first time each thread touches a
/// new region, a third of the CPU time of a small `holo build` (30 cold builds of a small
/// program: 701 ms of CPU with them, 467 ms without). `holo run`'s child turns them back on for
/// the program, whose large arrays they suit. Linux only; a failure changes nothing.
pub fn allow_huge_pages(allowed: bool) {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointers.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(!allowed),
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = allowed;
}

/// How much of a worker's stderr is kept to explain a crash.
const STDERR_TAIL: usize = 8 << 10;

/// How long a worker may take to start and say hello, and to decode the program. Generous: on
/// a loaded machine starting a process can take a while, and a big program takes time to
/// decode; a worker that needs longer is broken.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start a worker process: `holo __worker`, normally.
#[derive(Clone, Debug)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

impl WorkerCommand {
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> WorkerCommand {
        WorkerCommand {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }
}

/// A worker process that has said hello.
pub struct WorkerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    responses: Receiver<Incoming>,
    stderr: Arc<Mutex<VecDeque<u8>>>,
    stderr_thread: Option<JoinHandle<()>>,
    /// Why the stream of answers ended, once it has.
    ended: Option<String>,
}

/// What the reader thread passes on.
enum Incoming {
    Response(Response),
    /// The worker closed its stdout (normally: it exited).
    Closed,
    /// The worker wrote something that is not a frame.
    Garbled(String),
}

/// The answer to waiting for a worker.
#[derive(Debug)]
pub enum Received {
    Response(Response),
    /// The deadline passed without an answer; the worker is still running.
    TimedOut,
    /// The worker is gone (or talks nonsense and was killed); the text says how it ended, in a
    /// phrase that fits after "the worker …".
    Died(String),
}

impl WorkerProcess {
    /// Starts a worker and waits for its hello.
    pub fn spawn(command: &WorkerCommand) -> Result<WorkerProcess, String> {
        let mut worker = WorkerProcess::launch(command)?;
        worker.hello()?;
        Ok(worker)
    }

    /// Starts a worker without waiting for it to be ready: the caller does something else
    /// while the process starts up, then calls [`WorkerProcess::hello`].
    pub fn launch(command: &WorkerCommand) -> Result<WorkerProcess, String> {
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start a worker process (`{}`): {e}",
                    command.program.display()
                )
            })?;
        let stdin = child.stdin.take();
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("a worker process started without its pipes".to_string());
        };
        let (sender, responses) = channel();
        let reader = std::thread::Builder::new()
            .name("holo-worker-read".to_string())
            .spawn(move || {
                let mut stdout = std::io::BufReader::new(stdout);
                loop {
                    let incoming = match read_frame::<Response>(&mut stdout) {
                        Ok(Some(response)) => Incoming::Response(response),
                        Ok(None) => Incoming::Closed,
                        Err(e) => Incoming::Garbled(e.to_string()),
                    };
                    let last = !matches!(incoming, Incoming::Response(_));
                    if sender.send(incoming).is_err() || last {
                        return;
                    }
                }
            });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let stderr_thread = {
            let tail = tail.clone();
            std::thread::Builder::new()
                .name("holo-worker-stderr".to_string())
                .spawn(move || keep_tail(stderr, &tail))
        };
        let (Ok(_), Ok(stderr_thread)) = (reader, stderr_thread) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("cannot start the threads that read a worker's output".to_string());
        };
        Ok(WorkerProcess {
            child,
            stdin,
            responses,
            stderr: tail,
            stderr_thread: Some(stderr_thread),
            ended: None,
        })
    }

    /// Waits for the hello of a worker started with [`WorkerProcess::launch`].
    pub fn hello(&mut self) -> Result<(), String> {
        match self.recv(Instant::now() + START_TIMEOUT) {
            Received::Response(Response::Hello { protocol }) if protocol == PROTOCOL_VERSION => {
                Ok(())
            }
            Received::Response(Response::Hello { protocol }) => {
                self.kill();
                Err(format!(
                    "the worker speaks protocol version {protocol} but this holo speaks {PROTOCOL_VERSION}; was the holo binary replaced while it ran?"
                ))
            }
            Received::Response(other) => {
                self.kill();
                Err(format!(
                    "the worker began with {other:?} instead of a hello"
                ))
            }
            Received::TimedOut => {
                self.kill();
                Err(format!(
                    "the worker did not start within {} s",
                    START_TIMEOUT.as_secs()
                ))
            }
            Received::Died(how) => Err(format!("the worker {how} as it started")),
        }
    }

    /// The worker's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// How much memory the worker uses now (its resident set), where the system tells
    /// (Linux's `/proc`).
    pub fn resident_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    }

    /// Whether the process is still running (it may have been killed from outside while
    /// idle).
    pub fn is_running(&mut self) -> bool {
        self.ended.is_none() && matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends a request.
    pub fn send(&mut self, request: &Request) -> Result<(), String> {
        let frame = encode_frame(request).map_err(|e| format!("cannot encode a request: {e}"))?;
        self.send_frame(&frame)
    }

    /// Sends a frame encoded earlier (the program, encoded once for all workers).
    pub fn send_frame(&mut self, frame: &[u8]) -> Result<(), String> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err("the worker's input is closed".to_string());
        };
        stdin
            .write_all(frame)
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("cannot send a request to the worker: {e}"))
    }

    /// Waits for the next answer until `deadline`.
    pub fn recv(&mut self, deadline: Instant) -> Received {
        if let Some(how) = &self.ended {
            return Received::Died(how.clone());
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        let incoming = match self.responses.recv_timeout(wait) {
            Ok(incoming) => incoming,
            Err(RecvTimeoutError::Timeout) => return Received::TimedOut,
            Err(RecvTimeoutError::Disconnected) => Incoming::Closed,
        };
        match incoming {
            Incoming::Response(response) => Received::Response(response),
            Incoming::Closed => {
                let how = self.reap(None);
                Received::Died(how)
            }
            Incoming::Garbled(why) => {
                let how = self.reap(Some(why));
                Received::Died(how)
            }
        }
    }

    /// Kills the worker (if it still runs) and waits for it to end.
    pub fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Collects a worker whose output ended and says how it ended. A worker that closed its
    /// output but lingers, or wrote garbage, is killed: it cannot be talked to any more.
    fn reap(&mut self, garbled: Option<String>) -> String {
        self.stdin = None;
        let status = match garbled {
            Some(_) => None,
            None => wait_with_timeout(&mut self.child, Duration::from_secs(5)),
        };
        let status = match status {
            Some(status) => Some(status),
            None => {
                let _ = self.child.kill();
                self.child.wait().ok()
            }
        };
        if let Some(thread) = self.stderr_thread.take() {
            let _ = thread.join();
        }
        let mut how = match (&garbled, status) {
            (Some(why), _) => format!("sent an unreadable answer ({why}) and was stopped"),
            (None, Some(status)) => describe_exit(status),
            (None, None) => "ended in an unknown way".to_string(),
        };
        let tail = self.stderr_tail();
        if !tail.is_empty() {
            how.push_str("; its last words were:\n");
            how.push_str(&tail);
        }
        self.ended = Some(how.clone());
        how
    }

    /// The end of what the worker wrote to stderr, as text.
    fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let (a, b) = tail.as_slices();
        let mut bytes = a.to_vec();
        bytes.extend_from_slice(b);
        String::from_utf8_lossy(&bytes).trim_end().to_string()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        // Closing stdin lets an idle worker exit by itself; one that is busy is killed.
        self.stdin = None;
        if matches!(self.child.try_wait(), Ok(None))
            && wait_with_timeout(&mut self.child, Duration::from_millis(200)).is_none()
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn keep_tail(mut stderr: impl Read, tail: &Mutex<VecDeque<u8>>) {
    let mut buf = [0u8; 4096];
    loop {
        match stderr.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                tail.extend(&buf[..n]);
                let excess = tail.len().saturating_sub(STDERR_TAIL);
                tail.drain(..excess);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Waits up to `limit` for `child` to exit.
fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            _ => return None,
        }
    }
}

/// How a process ended, after "the worker …": "exited with status 3", "was killed by signal 11
/// (SIGSEGV, a segmentation fault)".
pub fn describe_exit(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return match signal_name(signal) {
                Some(name) => format!("was killed by signal {signal} ({name})"),
                None => format!("was killed by signal {signal}"),
            };
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended without an exit status".to_string(),
    }
}

/// The names of the signals a crashing program usually dies of.
pub fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL, an illegal instruction",
        5 => "SIGTRAP",
        6 => "SIGABRT, an abort",
        7 => "SIGBUS, a bus error",
        8 => "SIGFPE, an arithmetic exception",
        9 => "SIGKILL",
        11 => "SIGSEGV, a segmentation fault",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}
