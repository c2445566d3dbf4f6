//! `holo new PATH [--lib] [--name NAME]`: create a package in a new folder.

use crate::cli::NewArgs;
use crate::error::CliError;
use crate::shell::Shell;
use holo_pkg::Kind;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: NewArgs) -> Result<ExitCode, CliError> {
    let kind = if args.lib { Kind::Lib } else { Kind::Bin };
    let report = holo_pkg::scaffold::new_package(&args.path, args.name.as_deref(), kind)?;
    super::report_created(shell, &report);
    Ok(ExitCode::SUCCESS)
}
