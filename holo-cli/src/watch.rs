//! `holo check --watch` and `holo test --watch`: the daemon's loop in the foreground, without
//! a socket, showing every cycle until Ctrl+C.

use crate::cli::MessageFormat;
use crate::daemon::server::{Cycle, Options, serve};
use crate::error::CliError;
use crate::host::package::PackageLocation;
use crate::shell::Shell;
use std::process::ExitCode;

/// Runs `cycle` at start and after every save, printed in `format`.
pub fn watch(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
    cycle: Cycle,
) -> Result<ExitCode, CliError> {
    serve(
        shell,
        location,
        Options {
            socket: false,
            idle: None,
            foreground: Some((cycle, format)),
        },
    )
}
