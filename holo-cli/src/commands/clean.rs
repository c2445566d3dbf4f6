//! `holo clean [--manifest-path PATH] [--message-format human|json]`.

use crate::cli::CleanArgs;
use crate::error::CliError;
use crate::ops::clean::{CleanOptions, clean};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: CleanArgs) -> Result<ExitCode, CliError> {
    clean(
        shell,
        CleanOptions {
            manifest_path: args.manifest_path,
            format: args.message_format,
        },
    )
}
