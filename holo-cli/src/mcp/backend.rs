//! Where `holo mcp` gets its answers: always the project's daemon, so that the agent, the
//! terminal, `holo dev` and the editor share one warm state.
//!
//! The rule, per call: a daemon of this build serving the package answers (through the socket,
//! with a sync marker, so every save made before the call is seen). When none runs, this
//! process starts serving the package itself — the daemon's own loop (`daemon/server.rs`) on a
//! thread, on the package's socket, so terminal commands reuse it too — and asks it the same
//! way. It serves until the MCP session ends (then it stops, closing its stores), or until it
//! is stopped (`holo daemon stop`), after which the next call starts it again. When a daemon of
//! another build holds the package, the call is answered by a fresh host in this process, as
//! terminal commands do.

use crate::cli::{ColorWhen, DepsArgs};
use crate::daemon::Request;
use crate::daemon::client::{self, Answer, Found};
use crate::daemon::protocol::Hello;
use crate::daemon::server::{Options, serve};
use crate::error::CliError;
use crate::host::events::{CommandKind, Event};
use crate::host::package::{self, PackageLocation};
use crate::host::project::ProjectHost;
use crate::shell::Shell;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long starting to serve the package may take before a call gives up (loading is
/// seconds at most; the first check runs after the socket answers).
const START_LIMIT: Duration = Duration::from_secs(60);

pub struct Backend {
    manifest_path: Option<PathBuf>,
    /// The package, once found.
    location: Option<PackageLocation>,
    /// The daemon loop this process runs, when it serves the package itself.
    serving: Option<JoinHandle<Result<std::process::ExitCode, CliError>>>,
}

/// An answer: the events of the computation, and the exit code and program of the request.
pub struct Reply {
    pub events: Vec<Event>,
    pub answer: Answer,
    /// A remark on how it was computed (another build's daemon was bypassed).
    pub note: Option<String>,
}

impl Backend {
    pub fn new(manifest_path: Option<PathBuf>) -> Backend {
        Backend {
            manifest_path,
            location: None,
            serving: None,
        }
    }

    /// The package: the one containing the current folder, or `--manifest-path`. Looked for
    /// again on every call until found, so that an agent may create it after starting.
    pub fn location(&mut self) -> Result<PackageLocation, CliError> {
        if let Some(location) = &self.location {
            return Ok(location.clone());
        }
        let location = package::locate(self.manifest_path.as_deref())?;
        self.location = Some(location.clone());
        Ok(location)
    }

    /// Asks `request` of the package's warm state (see the module documentation).
    pub fn ask(&mut self, request: &Request) -> Result<Reply, CliError> {
        let location = self.location()?;
        // As the commands do: the lock must match the manifest and every dependency be on
        // disk before anything compiles.
        let mut quiet = Shell::new(ColorWhen::Never, true);
        crate::commands::prepare_dependencies(&mut quiet, &location, &DepsArgs::default())?;
        // A daemon that stops between connecting and answering is asked again once.
        for _ in 0..2 {
            match client::connect(&location) {
                Ok(Found::Daemon(connection)) if connection.daemon.same_build(&Hello::mine()) => {
                    let mut events = Vec::new();
                    if let Some(answer) = client::call(connection, &location, request, &mut events)
                    {
                        return Ok(Reply {
                            events,
                            answer,
                            note: None,
                        });
                    }
                }
                Ok(Found::Daemon(connection)) => {
                    let note = format!(
                        "the daemon of this package (pid {}) is another build of holo, so this answer was computed afresh; run `holo daemon start` to replace it and get warm answers",
                        connection.daemon.pid
                    );
                    return Ok(fresh(location, request, note));
                }
                Ok(Found::None) => self.start_serving(&location)?,
                Err(message) => {
                    return Err(CliError::new(format!(
                        "cannot reach the daemon of `{}`: {message}",
                        location.root.display()
                    ))
                    .with_hint(
                        "Stop it with `holo daemon stop`, or remove `target/holo/daemon.sock`.",
                    ));
                }
            }
        }
        Err(CliError::new(
            "the package's daemon stopped twice before it answered".to_string(),
        )
        .with_hint("Call the tool again; its log is `target/holo/daemon.log` when it runs in the background."))
    }

    /// Starts the daemon's loop on a thread of this process (unless it runs already) and
    /// waits until its socket answers.
    fn start_serving(&mut self, location: &PackageLocation) -> Result<(), CliError> {
        if self.serving.as_ref().is_none_or(|t| t.is_finished()) {
            if let Some(done) = self.serving.take() {
                // It stopped (`holo daemon stop`, its socket removed): start it again.
                let _ = done.join();
            }
            let served = location.clone();
            let thread = std::thread::Builder::new()
                .name("holo-mcp-daemon".into())
                .spawn(move || {
                    let mut shell = Shell::new(ColorWhen::Never, true);
                    let options = Options {
                        socket: true,
                        idle: None,
                        foreground: None,
                        live: None,
                    };
                    serve(&mut shell, served, options)
                })
                .map_err(|e| CliError::new(format!("cannot start serving the package: {e}")))?;
            self.serving = Some(thread);
        }
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Ok(Found::Daemon(_)) = client::connect(location) {
                return Ok(());
            }
            if let Some(thread) = self.serving.take_if(|t| t.is_finished()) {
                return match thread.join() {
                    // Another process became the daemon first: it answers.
                    Ok(Err(_)) if matches!(client::connect(location), Ok(Found::Daemon(_))) => {
                        Ok(())
                    }
                    Ok(Err(err)) => Err(err),
                    _ => Err(CliError::internal(
                        "the package's server stopped while starting".to_string(),
                    )),
                };
            }
            if Instant::now() > deadline {
                return Err(CliError::new(format!(
                    "serving `{}` did not start within {} seconds",
                    location.root.display(),
                    START_LIMIT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Ends the session: a daemon this process serves stops (its stores are closed).
    pub fn shut_down(&mut self) {
        let Some(thread) = self.serving.take() else {
            return;
        };
        if let Some(location) = &self.location
            && !thread.is_finished()
        {
            let _ = client::stop(location);
        }
        let _ = thread.join();
    }
}

/// Answers `request` with a host of its own, as a terminal command beside another build's
/// daemon does.
fn fresh(location: PackageLocation, request: &Request, note: String) -> Reply {
    let start = Instant::now();
    let mut events = Vec::new();
    let mut answer = Answer {
        exit_code: 0,
        program: None,
        status: None,
    };
    let host = match request {
        Request::Check => {
            let (code, host) = crate::host::check::check_fresh(location, &mut events, start);
            answer.exit_code = code;
            host
        }
        Request::Test(request) => {
            let (code, host) =
                crate::host::test::test_fresh(location, request, &mut events, start, None);
            answer.exit_code = code;
            host
        }
        Request::Run => {
            let mut host = ProjectHost::open(location);
            match host.prepare_run(&mut events, start) {
                Ok(mut prepared) => {
                    prepared.save_results();
                    answer.program =
                        Some((prepared.name.clone(), std::mem::take(&mut prepared.program)));
                }
                Err(code) => answer.exit_code = code,
            }
            Some(host)
        }
        _ => {
            let err = CliError::internal(format!("`holo mcp` does not ask {request:?}"));
            crate::host::project::fatal(&mut events, CommandKind::Check, "package", &err, start);
            None
        }
    };
    if let Some(mut host) = host {
        host.close_stores();
    }
    Reply {
        events,
        answer,
        note: Some(note),
    }
}
