//! `holo build [--message-format human|json] [--manifest-path PATH]`.

use crate::cli::BuildArgs;
use crate::error::CliError;
use crate::ops::build::{BuildOptions, build};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: BuildArgs) -> Result<ExitCode, CliError> {
    build(
        shell,
        BuildOptions {
            manifest_path: args.manifest_path,
            format: args.message_format,
        },
    )
}
