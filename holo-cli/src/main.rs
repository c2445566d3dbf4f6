//! The `holo` binary: parses the command line, sets up output and logging, and runs a command.
//!
//! Layout (after Cargo's): `cli` declares the arguments with clap, `commands/<cmd>.rs` turns
//! parsed arguments into calls of the operations in `ops/`, and everything the user sees goes
//! through the [`shell::Shell`]. Only this crate prints; the libraries return values and errors.

mod cli;
mod commands;
mod daemon;
mod interrupt;
mod live;
mod logging;
mod lsp;
mod mcp;
mod ops;
mod printer;
mod shell;
mod watch;
mod watcher;

use holo_cli::{error, host, render, vfs};

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: the compiler allocates many small, short-lived
/// syntax nodes from several threads, where glibc's malloc spent a quarter of a cold check
/// (100k-line cold check: 374 ms with glibc, 165 ms with mimalloc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // First, so that this process's threads and every process it starts use small pages.
    holo_runner::exec::process::allow_huge_pages(false);
    // A test-only switch (see `holo_compiler::faults`): make checking one item panic, to test
    // that the fault is contained.
    if let Some(item) = std::env::var_os("HOLO_TEST_PANIC_IN_ITEM") {
        holo_compiler::faults::panic_when_checking(item.to_str());
    }
    let cli = cli::Cli::parse();
    let mut shell = shell::Shell::new(cli.global.color, cli.global.quiet);
    logging::init(&mut shell);
    if let Some(dir) = &cli.global.directory
        && let Err(e) = std::env::set_current_dir(dir)
    {
        let err = error::CliError::new(format!(
            "cannot change to the folder `{}` given with `-C`: {e}",
            dir.display()
        ))
        .with_hint("Check the path; `-C DIR` runs holo as if it had been started in DIR.");
        shell.error(&err);
        return ExitCode::from(err.exit_code);
    }
    match commands::run(&mut shell, cli.command) {
        Ok(code) => code,
        Err(err) => {
            shell.error(&err);
            ExitCode::from(err.exit_code)
        }
    }
}
