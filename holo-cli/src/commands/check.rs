//! `holo check [--message-format human|json] [--watch] [--manifest-path PATH]`.

use crate::cli::CheckArgs;
use crate::commands::{Target, finish};
use crate::error::CliError;
use crate::host::events::CommandKind;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: CheckArgs) -> Result<ExitCode, CliError> {
    let target = Target::new(args.manifest_path, args.message_format, args.daemon);
    let Some(location) = target.locate(shell, CommandKind::Check) else {
        return Ok(ExitCode::from(crate::error::EXIT_ENVIRONMENT));
    };
    // Dependencies are resolved (or read from holo.lock) and fetched before anything compiles,
    // so that a lock that disagrees with the manifest fails here, with `--locked`, clearly.
    if let Some(code) =
        target.prepare_dependencies(shell, &location, &args.deps, CommandKind::Check)
    {
        return Ok(code);
    }
    if args.watch {
        let cycle = crate::daemon::server::Cycle::Check;
        return crate::watch::watch(shell, location, args.message_format, cycle, &target.daemon);
    }
    if let Some(code) = target.via_daemon(shell, &location, crate::daemon::Request::Check) {
        return Ok(code);
    }
    let mut printer = Printer::new(shell, args.message_format, Style::Command);
    let (code, host) = crate::host::check::check_fresh(location, &mut printer, target.start);
    Ok(finish(code, host))
}
