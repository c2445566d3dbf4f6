//! The messages between a client and the daemon: one JSON object per line on a Unix socket.
//!
//! 1. Both sides send a [`Hello`] with the protocol version and the toolchain build id. Only
//!    the hello and `stop` must stay readable across builds: a client of another build
//!    answers in its own process (or stops the daemon, for `holo daemon start|stop`), and the
//!    daemon refuses its other requests.
//! 2. The client sends one [`Call`]; the daemon streams [`Reply::Event`]s and ends with
//!    [`Reply::Done`].

use crate::host::events::Event;
use crate::host::test::TestRequest;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// Bumped when a message changes shape.
pub const PROTOCOL: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub build_id: String,
    pub pid: u32,
}

impl Hello {
    pub fn mine() -> Hello {
        Hello {
            protocol: PROTOCOL,
            build_id: super::handshake_build_id(),
            pid: std::process::id(),
        }
    }

    pub fn same_build(&self, other: &Hello) -> bool {
        self.protocol == other.protocol && self.build_id == other.build_id
    }
}

/// What a client asks.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Request {
    Check,
    Build,
    /// Compile for `holo run`: the program comes back in [`Reply::Program`].
    Run,
    Test(TestRequest),
    /// Follow the package: a cycle now and after every change, streamed until the client
    /// hangs up (`holo test --watch`, `holo check --watch` beside a running daemon).
    Watch(Cycle),
    Status,
    Stop,
}

/// What a watch loop computes after every change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cycle {
    Check,
    Test(TestRequest),
}

impl Request {
    /// The command whose answer this request asks for, if it is one.
    pub fn command(&self) -> Option<crate::host::events::CommandKind> {
        use crate::host::events::CommandKind;
        match self {
            Request::Check => Some(CommandKind::Check),
            Request::Build => Some(CommandKind::Build),
            Request::Run => Some(CommandKind::Run),
            Request::Test(_) => Some(CommandKind::Test),
            Request::Watch(_) | Request::Status | Request::Stop => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Call {
    pub request: Request,
    /// The sync marker the client wrote into the package root: the daemon answers once it
    /// has seen the marker's file event, and so every change saved before it. `None`: the
    /// daemon re-reads everything instead.
    pub sync: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    Event(Event),
    Status(DaemonStatus),
    /// The encoded program of a `run`, in a file the client reads and removes.
    Program {
        name: String,
        path: std::path::PathBuf,
    },
    /// The daemon will not serve this client (another build).
    Refused {
        message: String,
    },
    Done {
        exit_code: u8,
    },
}

/// `holo daemon status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub pid: u32,
    pub uptime_ms: u64,
    pub requests: u64,
    pub rss_bytes: u64,
    /// Test worker processes started so far (warm workers are reused and patched).
    #[serde(default)]
    pub workers_started: u64,
    /// Patches sent to warm workers, and the functions they made compile again.
    #[serde(default)]
    pub patches: u64,
    #[serde(default)]
    pub functions_patched: u64,
    pub build_id: String,
    pub root: String,
    /// Whether it serves someone in the foreground (`holo dev`, an editor's `holo lsp`), which
    /// must not be stopped to take over; a background daemon may be.
    #[serde(default)]
    pub foreground: bool,
}

/// Writes one message as a line.
pub fn send(out: &mut impl Write, message: &impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Reads one message; `Ok(None)` at the end of the stream.
pub fn receive<T: serde::de::DeserializeOwned>(
    input: &mut impl BufRead,
) -> std::io::Result<Option<T>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    serde_json::from_str(&line)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// This process's resident memory, in bytes (Linux; 0 elsewhere).
pub fn rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096)
}
