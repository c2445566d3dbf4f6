//! `holo run [--message-format human|json] [--manifest-path PATH] [-- ARGS…]`.

use crate::cli::RunArgs;
use crate::error::CliError;
use crate::ops::run::{RunOptions, run};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: RunArgs) -> Result<ExitCode, CliError> {
    run(
        shell,
        RunOptions {
            manifest_path: args.manifest_path,
            format: args.message_format,
            args: args.args,
        },
    )
}
