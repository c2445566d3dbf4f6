//! `holo check --watch` and `holo test --watch`: a cycle at start and after every save, until
//! Ctrl+C. Beside a running daemon they follow its warm state (one per package); otherwise
//! they run the daemon's loop in the foreground, without a socket.

use crate::cli::{DaemonArgs, MessageFormat};
use crate::daemon::server::{Cycle, Options, serve};
use crate::error::CliError;
use crate::host::events::Event;
use crate::host::events::Reporter;
use crate::host::package::PackageLocation;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::process::ExitCode;

/// Runs `cycle` at start and after every save, printed in `format`.
pub fn watch(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
    cycle: Cycle,
    daemon: &DaemonArgs,
) -> Result<ExitCode, CliError> {
    if !daemon.no_daemon && crate::daemon::client::serving(&location) {
        // Ctrl+C ends following at once: the daemon notices the hang-up.
        let _ = crate::interrupt::on_interrupt(|| std::process::exit(0));
        let nocapture = matches!(&cycle, Cycle::Test(t) if t.nocapture);
        let mut printer = Printer::new(shell, format, Style::Watch).nocapture(nocapture);
        if crate::daemon::client::follow(&location, &cycle, &mut printer) {
            printer.emit(Event::Warning {
                message: "the daemon stopped; watching in this process from now on".to_string(),
            });
        }
    }
    serve(
        shell,
        location,
        Options {
            socket: false,
            idle: None,
            foreground: Some((cycle, format)),
            live: None,
        },
    )
}
