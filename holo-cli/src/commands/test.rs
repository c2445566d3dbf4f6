//! `holo test [FILTER] [--exact] [--affected] [--explain] [--timeout SECONDS] [--jobs N] [--nocapture]
//! [--message-format human|json] [--manifest-path PATH]`.

use crate::cli::TestArgs;
use crate::error::CliError;
use crate::ops::test::{TestCommandOptions, test};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: TestArgs) -> Result<ExitCode, CliError> {
    test(
        shell,
        TestCommandOptions {
            filter: args.filter,
            exact: args.exact,
            timeout: args.timeout,
            jobs: args.jobs.map(|n| n as usize),
            nocapture: args.nocapture,
            affected: args.affected,
            explain: args.explain,
            format: args.message_format,
            manifest_path: args.manifest_path,
        },
    )
}
