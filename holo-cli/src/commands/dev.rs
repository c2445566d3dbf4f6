//! `holo dev`: the daemon in the foreground. It watches the package, shows the diagnostics and
//! the affected tests' results after every save, and answers other holo commands meanwhile.

use crate::cli::DevArgs;
use crate::daemon::server::{Cycle, Options, serve};
use crate::error::CliError;
use crate::host::package;
use crate::host::test::TestRequest;
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: DevArgs) -> Result<ExitCode, CliError> {
    let location = package::locate(args.manifest_path.as_deref())?;
    let request = TestRequest {
        affected: true,
        ..TestRequest::default()
    };
    serve(
        shell,
        location,
        Options {
            socket: true,
            idle: None,
            foreground: Some((Cycle::Test(request), args.message_format)),
        },
    )
}
