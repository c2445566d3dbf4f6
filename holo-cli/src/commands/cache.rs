//! `holo cache stats [--message-format human|json] [--manifest-path PATH]` and
//! `holo cache gc [--max-age DAYS] [--max-size SIZE] [--message-format human|json]`.

use crate::cli::{CacheArgs, CacheCommand};
use crate::error::CliError;
use crate::ops::cache::{GcOptions, StatsOptions, gc, stats};
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(shell: &mut Shell, args: CacheArgs) -> Result<ExitCode, CliError> {
    match args.command {
        CacheCommand::Stats(args) => stats(
            shell,
            StatsOptions {
                manifest_path: args.manifest_path,
                format: args.message_format,
            },
        ),
        CacheCommand::Gc(args) => gc(
            shell,
            GcOptions {
                max_age_days: args.max_age,
                max_bytes: args.max_size,
                format: args.message_format,
            },
        ),
    }
}
