//! What `build`, `run` and `test` need to hand a compiled package to other processes: how to
//! start them, and the program's encoding.

use crate::error::CliError;
use holo_compiler::ir::Program;
use std::time::Instant;

/// How to start worker processes: this very executable with a hidden subcommand.
pub fn self_command(subcommand: &str) -> Result<holo_runner::exec::WorkerCommand, CliError> {
    let exe = std::env::current_exe().map_err(|e| {
        CliError::new(format!(
            "cannot find the holo executable to start worker processes with: {e}"
        ))
    })?;
    Ok(holo_runner::exec::WorkerCommand::new(exe, [subcommand]))
}

/// Encodes the program for worker processes.
pub fn encode(program: &Program) -> Result<Vec<u8>, CliError> {
    let start = Instant::now();
    let encoded = holo_runner::exec::encode_program(program).map_err(CliError::internal)?;
    tracing::debug!(bytes = encoded.len(), elapsed = ?start.elapsed(), "encoded the program");
    Ok(encoded)
}
