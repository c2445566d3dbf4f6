//! `holo dev`: the daemon in the foreground. It watches the package, shows the diagnostics and
//! the affected tests' results after every save, and answers other holo commands meanwhile.
//! When a daemon already serves the package (started with `holo daemon start`), `holo dev`
//! shows that daemon's cycles instead, and becomes the daemon itself if that one stops.
//!
//! `holo dev --run [-- ARGS]` also runs the program in a child on the terminal and follows the
//! code (`crate::live`): each save patches it, or restarts it with its inputs replayed, then
//! the tests that can observe the change run on the warm workers; holo's lines about the
//! program are marked `[holo]`, the tests' results print as in `holo test`.

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
    if args.run && crate::daemon::client::serving(&location) {
        return Err(CliError::new(
            "`holo dev --run` runs the program beside the daemon's own loop, but a daemon already serves this package",
        )
        .with_hint("Stop it with `holo daemon stop`, or run the program with `holo run --watch` next to it."));
    }
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
    let live = args
        .run
        .then(|| (args.args.clone(), memory_limit(&location)));
    serve(
        shell,
        location,
        Options {
            socket: true,
            idle: None,
            foreground: Some((cycle, args.message_format)),
            live,
        },
    )
}

/// `[run] memory` of the manifest, else half of the machine's memory (as `holo run`).
fn memory_limit(location: &crate::host::package::PackageLocation) -> Option<u64> {
    holo_pkg::Manifest::load(&location.manifest_path)
        .ok()
        .and_then(|m| m.run.memory)
        .or_else(|| holo_runner::exec::testrun::default_memory_limit(1))
}
