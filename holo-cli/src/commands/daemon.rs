//! `holo daemon start|stop|status`, and the hidden `holo __daemon` that is the daemon.

use crate::cli::{DaemonCommand, DaemonCommandArgs, DaemonServeArgs, MessageFormat};
use crate::daemon::client::{self, Started};
use crate::daemon::server::{Options, serve as serve_loop};
use crate::error::CliError;
use crate::host::package;
use crate::render::format_duration;
use crate::shell::Shell;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

/// How long a daemon started in the background waits for requests before it stops.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(3 * 3600);

pub fn exec(shell: &mut Shell, args: DaemonCommandArgs) -> Result<ExitCode, CliError> {
    match args.command {
        DaemonCommand::Start(args) => {
            let location = package::locate(args.common.manifest_path.as_deref())?;
            let idle = args.idle_timeout.or_else(idle_from_env);
            let (verb, hello) = match client::start(&location, idle)? {
                Started::Now(hello) => ("Started", hello),
                Started::Already(hello) => ("Running", hello),
            };
            if args.common.message_format == MessageFormat::Json {
                shell.json(&json!({"type": "daemon", "running": true, "pid": hello.pid}));
            }
            shell.status(
                verb,
                format!("daemon for {} (pid {})", location.root.display(), hello.pid),
            );
            Ok(ExitCode::SUCCESS)
        }
        DaemonCommand::Stop(args) => {
            let location = package::locate(args.manifest_path.as_deref())?;
            let stopped = client::stop(&location)?;
            if args.message_format == MessageFormat::Json {
                shell.json(&json!({"type": "daemon", "running": false, "stopped": stopped}));
            }
            match stopped {
                Some(pid) => shell.status("Stopped", format!("daemon (pid {pid})")),
                None => shell.status("Stopped", "nothing: no daemon runs for this package"),
            }
            Ok(ExitCode::SUCCESS)
        }
        DaemonCommand::Status(args) => {
            let location = package::locate(args.manifest_path.as_deref())?;
            let status = client::status(&location)?;
            match (&status, args.message_format) {
                (Some(s), MessageFormat::Json) => shell.json(&json!({
                    "type": "daemon",
                    "running": true,
                    "pid": s.pid,
                    "uptime_ms": s.uptime_ms,
                    "requests": s.requests,
                    "rss_bytes": s.rss_bytes,
                    "workers_started": s.workers_started,
                    "patches": s.patches,
                    "functions_patched": s.functions_patched,
                    "build_id": s.build_id,
                    "root": s.root,
                })),
                (None, MessageFormat::Json) => {
                    shell.json(&json!({"type": "daemon", "running": false}))
                }
                (Some(s), MessageFormat::Human) => shell.out_text(&format!(
                    "daemon running: pid {}, up {}, {} requests served, {:.1} MiB resident\n",
                    s.pid,
                    format_duration(Duration::from_millis(s.uptime_ms)),
                    s.requests,
                    s.rss_bytes as f64 / (1 << 20) as f64
                )),
                (None, MessageFormat::Human) => shell.out_text("no daemon runs for this package\n"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `HOLO_DAEMON_IDLE_TIMEOUT` (seconds), for daemons that commands start on demand.
pub fn idle_from_env() -> Option<Duration> {
    let secs: f64 = std::env::var("HOLO_DAEMON_IDLE_TIMEOUT")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (secs > 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs))
}

/// `holo __daemon`: serve until stopped or idle.
pub fn serve(shell: &mut Shell, args: DaemonServeArgs) -> Result<ExitCode, CliError> {
    let location = package::locate(args.manifest_path.as_deref())?;
    // `--idle-timeout`, else `HOLO_DAEMON_IDLE_TIMEOUT`, else `[dev] idle-timeout`.
    let idle = args
        .idle_timeout
        .or_else(idle_from_env)
        .or_else(|| {
            package::load_manifest(&location)
                .ok()
                .and_then(|m| m.dev.idle_timeout)
        })
        .unwrap_or(DEFAULT_IDLE);
    serve_loop(
        shell,
        location,
        Options {
            socket: true,
            idle: Some(idle),
            foreground: None,
            live: None,
        },
    )
}
