//! One module per command. Each only turns its parsed arguments into a call of library code
//! (`holo_pkg`, `crate::ops`) and reports the result.

mod build;
mod cache;
mod check;
mod clean;
mod init;
mod new;
mod run;
mod test;
mod worker;

use crate::cli::Command;
use crate::error::CliError;
use crate::shell::Shell;
use std::process::ExitCode;

pub fn run(shell: &mut Shell, command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::New(args) => new::exec(shell, args),
        Command::Init(args) => init::exec(shell, args),
        Command::Check(args) => check::exec(shell, args),
        Command::Build(args) => build::exec(shell, args),
        Command::Run(args) => run::exec(shell, args),
        Command::Test(args) => test::exec(shell, args),
        Command::Cache(args) => cache::exec(shell, args),
        Command::Clean(args) => clean::exec(shell, args),
        Command::Worker => worker::worker(),
        Command::RunChild(args) => worker::run_child(shell, args),
    }
}

/// The lines `new` and `init` print after creating a package.
fn report_created(shell: &mut Shell, report: &holo_pkg::ScaffoldReport) {
    shell.status(
        "Created",
        format!("{} `{}` package", report.kind.describe(), report.name),
    );
    for kept in &report.kept {
        shell.note(format!("kept the existing `{}`", kept.display()));
    }
}
