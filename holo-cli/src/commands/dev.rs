//! `holo dev`: the daemon in the foreground. It watches the package, shows the diagnostics and
//! the affected tests' results after every save, and answers other holo commands meanwhile.
//! When a daemon already serves the package (started with `holo daemon start`), `holo dev`
//! shows that daemon's cycles instead, and becomes the daemon itself if that one stops.

use crate::cli::DevArgs;
use crate::daemon::server::{Cycle, Options, serve};
use crate::error::CliError;
use crate::host::events::{Event, Reporter};
use crate::host::package;
use crate::host::test::TestRequest;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: DevArgs) -> Result<ExitCode, CliError> {
    let location = package::locate(args.manifest_path.as_deref())?;
    let cycle = Cycle::Test(TestRequest {
        affected: true,
        ..TestRequest::default()
    });
    if crate::daemon::client::serving(&location) {
        // Ctrl+C ends following at once: the daemon notices the hang-up.
        let _ = crate::interrupt::on_interrupt(|| std::process::exit(0));
        let mut printer = Printer::new(shell, args.message_format, Style::Watch);
        if crate::daemon::client::follow(&location, &cycle, &mut printer) {
            printer.emit(Event::Warning {
                message: "the daemon stopped; serving from this process from now on".to_string(),
            });
        }
    }
    serve(
        shell,
        location,
        Options {
            socket: true,
            idle: None,
            foreground: Some((cycle, args.message_format)),
        },
    )
}
