//! `holo build [--message-format human|json] [--manifest-path PATH]`.

use crate::cli::BuildArgs;
use crate::commands::{Target, finish};
use crate::error::CliError;
use crate::host::events::CommandKind;
use crate::host::project::ProjectHost;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: BuildArgs) -> Result<ExitCode, CliError> {
    let target = Target::new(args.manifest_path, args.message_format, args.daemon);
    let Some(location) = target.locate(shell, CommandKind::Build) else {
        return Ok(ExitCode::from(crate::error::EXIT_ENVIRONMENT));
    };
    // Dependencies are resolved (or read from holo.lock) and fetched before anything compiles,
    // so that a lock that disagrees with the manifest fails here, with `--locked`, clearly.
    if let Some(code) =
        target.prepare_dependencies(shell, &location, &args.deps, CommandKind::Build)
    {
        return Ok(code);
    }
    if let Some(code) = target.via_daemon(shell, &location, crate::daemon::Request::Build) {
        return Ok(code);
    }
    let mut printer = Printer::new(shell, args.message_format, Style::Command);
    let mut host = ProjectHost::open(location);
    let code = host.build(&mut printer, target.start);
    Ok(finish(code, Some(host)))
}
