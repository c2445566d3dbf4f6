//! `holo check [--message-format human|json] [--watch] [--manifest-path PATH]`.

use crate::cli::CheckArgs;
use crate::error::CliError;
use crate::ops::check::{CheckOptions, check};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: CheckArgs) -> Result<ExitCode, CliError> {
    check(
        shell,
        CheckOptions {
            manifest_path: args.manifest_path,
            format: args.message_format,
            watch: args.watch,
        },
    )
}
