//! `holo init [--lib] [--name NAME]`: make the current folder a package, keeping its files.

use crate::cli::InitArgs;
use crate::error::CliError;
use crate::shell::Shell;
use holo_pkg::Kind;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: InitArgs) -> Result<ExitCode, CliError> {
    let kind = args.lib.then_some(Kind::Lib);
    let dir = std::env::current_dir()
        .map_err(|e| CliError::new(format!("cannot determine the current folder: {e}")))?;
    let report = holo_pkg::scaffold::init_package(&dir, args.name.as_deref(), kind)?;
    super::report_created(shell, &report);
    Ok(ExitCode::SUCCESS)
}
