//! The client side: connect to the package's daemon, make sure it has seen every save made
//! before the request (a sync marker), ask, and print what it streams back. Also starting and
//! stopping it.

use super::protocol::{Call, DaemonStatus, Hello, Reply, Request, receive, send};
use crate::error::{CliError, EXIT_RUNTIME};
use crate::host::events::{Event, Reporter};
use crate::host::package::PackageLocation;
use std::io::{BufReader, ErrorKind};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An open, greeted connection.
pub struct Connection {
    stream: BufReader<UnixStream>,
    pub daemon: Hello,
}

/// What connecting found.
pub enum Found {
    /// No daemon serves the package (no socket, or one left by a daemon that died).
    None,
    Daemon(Connection),
}

/// Connects to the package's daemon and exchanges the hellos.
pub fn connect(location: &PackageLocation) -> Result<Found, String> {
    let path = super::socket_path(location);
    let stream = match UnixStream::connect(&path) {
        Ok(stream) => stream,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            // A socket whose daemon died refuses connections; the next daemon replaces it.
            return Ok(Found::None);
        }
        Err(e) => return Err(format!("cannot connect to `{}`: {e}", path.display())),
    };
    // A daemon that hangs must not hang its clients' handshake.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    send(&mut writer, &Hello::mine()).map_err(|e| format!("the daemon hung up: {e}"))?;
    let mut stream = BufReader::new(stream);
    let daemon: Hello = match receive(&mut stream) {
        Ok(Some(hello)) => hello,
        Ok(None) => return Ok(Found::None),
        Err(e) => return Err(format!("the daemon's greeting was not understood: {e}")),
    };
    let _ = stream.get_ref().set_read_timeout(None);
    Ok(Found::Daemon(Connection { stream, daemon }))
}

/// What the daemon answered.
pub struct Answer {
    pub exit_code: u8,
    /// `run`: the package's name and its encoded program.
    pub program: Option<(String, Vec<u8>)>,
    pub status: Option<DaemonStatus>,
}

/// Whether commands start a daemon when none runs: `HOLO_DAEMON=auto` (or `off`), else
/// `[dev] daemon = "auto"` in the package's manifest.
fn auto_start(location: &PackageLocation) -> bool {
    match std::env::var("HOLO_DAEMON").as_deref() {
        Ok("auto") => true,
        Ok("off") => false,
        _ => crate::host::package::load_manifest(location).is_ok_and(|m| m.dev.auto_daemon),
    }
}

/// Asks the package's daemon, printing its events through `out`. `None` when no daemon of
/// this build serves (then the caller answers in its own process); a note says so when one of
/// another build runs.
pub fn ask(
    location: &PackageLocation,
    request: &Request,
    out: &mut dyn Reporter,
) -> Option<Answer> {
    let connection = match connect(location) {
        Ok(Found::Daemon(connection)) => connection,
        Ok(Found::None) if auto_start(location) => match start(location, None) {
            Ok(Started::Now(_) | Started::Already(_)) => match connect(location) {
                Ok(Found::Daemon(connection)) => connection,
                _ => return None,
            },
            Err(err) => {
                out.emit(Event::Warning {
                    message: format!(
                        "could not start the daemon ({}); answering in this process",
                        err.message
                    ),
                });
                return None;
            }
        },
        Ok(Found::None) => return None,
        Err(message) => {
            tracing::debug!(message, "no daemon");
            return None;
        }
    };
    if !same_build_or_say(&connection, "answering", out) {
        return None;
    }
    call(connection, location, request, out)
}

/// Whether the daemon on `connection` is this build; if not, says that this process does the
/// work (`doing`: "answering", "watching") and how to replace the daemon.
fn same_build_or_say(connection: &Connection, doing: &str, out: &mut dyn Reporter) -> bool {
    if connection.daemon.same_build(&Hello::mine()) {
        return true;
    }
    out.emit(Event::Warning {
        message: format!(
            "the daemon of this package (pid {}) is another build of holo; {doing} in this process. Run `holo daemon start` to replace it.",
            connection.daemon.pid
        ),
    });
    false
}

/// Sends one request on a greeted connection and reads the answer. `None` when the daemon
/// refused or hung up before saying anything (the caller then answers another way).
pub(crate) fn call(
    mut connection: Connection,
    location: &PackageLocation,
    request: &Request,
    out: &mut dyn Reporter,
) -> Option<Answer> {
    let marker = write_marker(&location.root);
    let call = Call {
        request: request.clone(),
        sync: marker.as_ref().map(|(name, _)| name.clone()),
    };
    let mut writer = connection.stream.get_ref().try_clone().ok()?;
    if send(&mut writer, &call).is_err() {
        remove_marker(&marker);
        return None;
    }
    let mut answer = Answer {
        exit_code: EXIT_RUNTIME,
        program: None,
        status: None,
    };
    let mut spoke = false;
    let mut summarized = false;
    loop {
        match receive::<Reply>(&mut connection.stream) {
            Ok(Some(Reply::Event(event))) => {
                spoke = true;
                summarized |= matches!(event, Event::Summary(_));
                out.emit(event);
            }
            Ok(Some(Reply::Status(status))) => answer.status = Some(status),
            Ok(Some(Reply::Program { name, path })) => {
                let program = std::fs::read(&path);
                let _ = std::fs::remove_file(&path);
                match program {
                    Ok(program) => answer.program = Some((name, program)),
                    Err(e) => {
                        out.emit(Event::Warning {
                            message: format!(
                                "could not read the program the daemon compiled (`{}`): {e}",
                                path.display()
                            ),
                        });
                    }
                }
            }
            Ok(Some(Reply::Refused { message })) => {
                tracing::debug!(message, "the daemon refused");
                remove_marker(&marker);
                return None;
            }
            Ok(Some(Reply::Done { exit_code })) => {
                answer.exit_code = exit_code;
                remove_marker(&marker);
                return Some(answer);
            }
            Ok(None) | Err(_) => {
                remove_marker(&marker);
                if !spoke {
                    // Nothing was shown yet: the caller answers in its own process.
                    return None;
                }
                let err = CliError::new("the daemon stopped before it finished answering")
                    .with_hint("Run the command again: it answers in its own process when no daemon runs, or start one with `holo daemon start`.");
                match request.command() {
                    Some(command) if !summarized => {
                        let name = location.dir_name();
                        crate::host::project::fatal(out, command, &name, &err, Instant::now());
                    }
                    _ => out.emit(Event::Error(crate::host::events::ErrorEvent::new(&err))),
                }
                answer.exit_code = EXIT_RUNTIME;
                return Some(answer);
            }
        }
    }
}

/// Writes a sync marker into the package root: `(name, path)`, or `None` when the folder is
/// not writable (the daemon then re-reads everything).
fn write_marker(root: &Path) -> Option<(String, PathBuf)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "{}{}-{}-{}",
        crate::watcher::SYNC_PREFIX,
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let path = root.join(&name);
    std::fs::write(&path, b"").ok()?;
    Some((name, path))
}

fn remove_marker(marker: &Option<(String, PathBuf)>) {
    if let Some((_, path)) = marker {
        let _ = std::fs::remove_file(path);
    }
}

/// The size past which a new daemon starts its log afresh instead of appending to it.
const LOG_LIMIT: u64 = 1 << 20;

/// How `holo daemon start` went.
pub enum Started {
    Now(Hello),
    Already(Hello),
}

/// Starts the package's daemon in the background and waits until it answers. A daemon of
/// another build is stopped first.
pub fn start(location: &PackageLocation, idle: Option<Duration>) -> Result<Started, CliError> {
    match connect(location) {
        Ok(Found::Daemon(connection)) => {
            if connection.daemon.same_build(&Hello::mine()) {
                return Ok(Started::Already(connection.daemon));
            }
            stop_connection(connection, location)?;
        }
        Ok(Found::None) => {}
        Err(message) => return Err(CliError::new(message)),
    }
    let dir = crate::host::store::holo_target_dir(&location.root);
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::new(format!("cannot create `{}`: {e}", dir.display()))
            .with_hint("The daemon keeps its socket and log there; check that you may write to the package's folder.")
    })?;
    let log_path = super::log_path(location);
    // The log of earlier daemons is kept, but not without end: past 1 MiB it starts afresh.
    let restart_log = std::fs::metadata(&log_path).is_ok_and(|m| m.len() > LOG_LIMIT);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(!restart_log)
        .write(true)
        .truncate(restart_log)
        .open(&log_path)
        .map_err(|e| CliError::new(format!("cannot open `{}`: {e}", log_path.display())))?;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::new(format!("cannot find the holo executable: {e}")))?;
    let mut command = std::process::Command::new(exe);
    command
        .arg("__daemon")
        .arg("--manifest-path")
        .arg(&location.manifest_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
    if let Some(idle) = idle {
        command
            .arg("--idle-timeout")
            .arg(idle.as_secs_f64().to_string());
    }
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe; the daemon leaves the terminal's session, so
        // that closing the terminal or Ctrl+C in it does not stop it.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    let mut child = command.spawn().map_err(|e| {
        CliError::new(format!("cannot start the daemon: {e}")).with_hint(
            "Check that the holo executable is still in place and that processes can be started.",
        )
    })?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Found::Daemon(connection)) = connect(location) {
            // Reaped by the daemon's own exit later; it is in its own session now.
            std::thread::spawn(move || child.wait());
            return Ok(Started::Now(connection.daemon));
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let last: Vec<&str> = log.lines().rev().take(5).collect();
            let last: Vec<&str> = last.into_iter().rev().collect();
            return Err(CliError::new(format!(
                "the daemon exited at start ({}): {}",
                holo_runner::exec::process::describe_exit(status),
                last.join(" / ")
            ))
            .with_hint(format!("Its log is `{}`.", log_path.display())));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(
                CliError::new("the daemon did not answer within 60 seconds of starting")
                    .with_hint(format!("Its log is `{}`.", log_path.display())),
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Stops the package's daemon; returns its pid, or `None` when none ran.
pub fn stop(location: &PackageLocation) -> Result<Option<u32>, CliError> {
    match connect(location) {
        Ok(Found::Daemon(connection)) => {
            let pid = connection.daemon.pid;
            stop_connection(connection, location)?;
            Ok(Some(pid))
        }
        Ok(Found::None) => Ok(None),
        Err(message) => Err(CliError::new(message)),
    }
}

/// Asks the daemon on `connection` to stop and waits until its socket is gone.
fn stop_connection(mut connection: Connection, location: &PackageLocation) -> Result<(), CliError> {
    let call = Call {
        request: Request::Stop,
        sync: None,
    };
    if let Ok(mut writer) = connection.stream.get_ref().try_clone() {
        let _ = send(&mut writer, &call);
    }
    // Until it hangs up: it answers `Done`, then exits.
    while let Ok(Some(_)) = receive::<Reply>(&mut connection.stream) {}
    let deadline = Instant::now() + Duration::from_secs(20);
    while matches!(connect(location), Ok(Found::Daemon(_))) {
        if Instant::now() > deadline {
            return Err(CliError::new(format!(
                "the daemon (pid {}) did not stop within 20 seconds",
                connection.daemon.pid
            ))
            .with_hint("Stop it with `kill`; the next daemon replaces what it left behind."));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// The daemon's status, or `None` when none runs.
pub fn status(location: &PackageLocation) -> Result<Option<DaemonStatus>, CliError> {
    let connection = match connect(location) {
        Ok(Found::Daemon(connection)) => connection,
        Ok(Found::None) => return Ok(None),
        Err(message) => return Err(CliError::new(message)),
    };
    let mut events = Vec::new();
    let answer = call(connection, location, &Request::Status, &mut events);
    Ok(answer.and_then(|a| a.status))
}

/// Whether a daemon of this build serves the package now.
pub fn serving(location: &PackageLocation) -> bool {
    matches!(connect(location), Ok(Found::Daemon(c)) if c.daemon.same_build(&Hello::mine()))
}

/// Follows the package through its running daemon (`Request::Watch`): `cycle` now and after
/// every change, printed through `out`, until the daemon goes away. `false` when no daemon of
/// this build runs (nothing was printed; the caller watches in its own process).
pub fn follow(
    location: &PackageLocation,
    cycle: &super::protocol::Cycle,
    out: &mut dyn Reporter,
) -> bool {
    let Ok(Found::Daemon(mut connection)) = connect(location) else {
        return false;
    };
    if !same_build_or_say(&connection, "watching", out) {
        return false;
    }
    let call = Call {
        request: Request::Watch(cycle.clone()),
        sync: None,
    };
    let Ok(mut writer) = connection.stream.get_ref().try_clone() else {
        return false;
    };
    if send(&mut writer, &call).is_err() {
        return false;
    }
    while let Ok(Some(reply)) = receive::<Reply>(&mut connection.stream) {
        match reply {
            Reply::Event(event) => out.emit(event),
            Reply::Refused { .. } => return false,
            Reply::Done { .. } => break,
            Reply::Status(_) | Reply::Program { .. } => {}
        }
    }
    true
}
