//! `holo mcp [--manifest-path PATH]`: the Model Context Protocol server for coding agents (see
//! `crate::mcp`).

use crate::cli::McpArgs;
use crate::error::CliError;
use crate::shell::Shell;
use std::process::ExitCode;

pub fn exec(_shell: &mut Shell, args: McpArgs) -> Result<ExitCode, CliError> {
    crate::mcp::serve(args.manifest_path)
}
