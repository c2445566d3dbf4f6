//! `holo check --watch` and `holo test --watch`: the daemon's loop in the foreground, without
//! a socket, showing every cycle until Ctrl+C.

use crate::cli::MessageFormat;
use crate::daemon::server::{Cycle, Options, serve};
use crate::error::CliError;
use crate::host::package::PackageLocation;
use crate::host::test::TestRequest;
use crate::shell::Shell;
use std::process::ExitCode;

pub fn check_watch(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
) -> Result<ExitCode, CliError> {
    serve(
        shell,
        location,
        Options {
            socket: false,
            idle: None,
            foreground: Some((Cycle::Check, format)),
        },
    )
}

pub fn test_watch(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
    request: TestRequest,
) -> Result<ExitCode, CliError> {
    serve(
        shell,
        location,
        Options {
            socket: false,
            idle: None,
            foreground: Some((Cycle::Test(request), format)),
        },
    )
}
