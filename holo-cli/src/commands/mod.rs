//! One module per command. Each only turns its parsed arguments into a call of library code
//! (`holo_pkg`, the project host, `crate::ops`) — in this process or through the project's
//! daemon — and reports the result.

mod build;
mod cache;
mod check;
mod clean;
mod daemon;
mod deps;
mod dev;
mod init;
mod mcp;
mod new;
mod publish;
mod registry;
mod run;
mod test;
mod worker;

use crate::cli::{Command, DaemonArgs, MessageFormat};
use crate::error::CliError;
use crate::host::events::CommandKind;
use crate::host::package::{self, PackageLocation};
use crate::host::project::ProjectHost;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The dependency step before compiling, for front-ends other than the commands (`holo mcp`).
pub(crate) use deps::prepare as prepare_dependencies;

pub fn run(shell: &mut Shell, command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::New(args) => new::exec(shell, args),
        Command::Init(args) => init::exec(shell, args),
        Command::Check(args) => check::exec(shell, args),
        Command::Build(args) => build::exec(shell, args),
        Command::Run(args) => run::exec(shell, args),
        Command::Test(args) => test::exec(shell, args),
        Command::Add(args) => deps::add(shell, args),
        Command::Remove(args) => deps::remove(shell, args),
        Command::Update(args) => deps::update(shell, args),
        Command::Tree(args) => deps::tree(shell, args),
        Command::Login(args) => publish::login(shell, args),
        Command::Publish(args) => publish::publish(shell, args),
        Command::Yank(args) => publish::yank(shell, args),
        Command::Cache(args) => cache::exec(shell, args),
        Command::Clean(args) => clean::exec(shell, args),
        Command::Daemon(args) => daemon::exec(shell, args),
        Command::Dev(args) => dev::exec(shell, args),
        Command::Mcp(args) => mcp::exec(shell, args),
        Command::Registry(args) => registry::exec(shell, args),
        Command::Lsp => crate::lsp::run(shell),
        Command::DaemonServe(args) => daemon::serve(shell, args),
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

/// Where a command that works on a package gets its answer from.
pub struct Target {
    pub start: Instant,
    manifest_path: Option<PathBuf>,
    format: MessageFormat,
    pub daemon: DaemonArgs,
}

impl Target {
    pub fn new(
        manifest_path: Option<PathBuf>,
        format: MessageFormat,
        daemon: DaemonArgs,
    ) -> Target {
        Target {
            start: Instant::now(),
            manifest_path,
            format,
            daemon,
        }
    }

    /// Finds the package; when there is none, reports why (with the summary of `command` in
    /// JSON mode) and returns `None`.
    pub fn locate(&self, shell: &mut Shell, command: CommandKind) -> Option<PackageLocation> {
        match package::locate(self.manifest_path.as_deref()) {
            Ok(location) => Some(location),
            Err(err) => {
                let mut printer = Printer::new(shell, self.format, Style::Command);
                let name = "package";
                crate::host::project::fatal(&mut printer, command, name, &err, self.start);
                None
            }
        }
    }

    /// The dependency step before compiling (see `deps::prepare`). A failure is reported like
    /// any error that ends the command (an `error` event and the summary in JSON mode) and its
    /// exit code returned.
    pub fn prepare_dependencies(
        &self,
        shell: &mut Shell,
        location: &PackageLocation,
        deps: &crate::cli::DepsArgs,
        command: CommandKind,
    ) -> Option<ExitCode> {
        let err = deps::prepare(shell, location, deps).err()?;
        let mut printer = Printer::new(shell, self.format, Style::Command);
        let name = holo_pkg::Manifest::load(&location.manifest_path)
            .map_or_else(|_| location.dir_name(), |m| m.name);
        let stopped = crate::host::project::fatal(&mut printer, command, &name, &err, self.start);
        Some(ExitCode::from(stopped.0))
    }

    /// The answer of the project's daemon, printed, and its exit code — or `None` when no
    /// daemon serves (none runs and none is wanted, `--no-daemon`, another build), and the
    /// command computes in this process.
    pub fn via_daemon(
        &self,
        shell: &mut Shell,
        location: &PackageLocation,
        request: crate::daemon::Request,
    ) -> Option<ExitCode> {
        if self.daemon.no_daemon {
            return None;
        }
        let nocapture = matches!(&request, crate::daemon::Request::Test(t) if t.nocapture);
        let mut printer = Printer::new(shell, self.format, Style::Command).nocapture(nocapture);
        let answer = crate::daemon::client::ask(location, &request, &mut printer)?;
        Some(ExitCode::from(answer.exit_code))
    }

    /// `run` through the daemon: the package's name and encoded program, or the exit code
    /// when it stopped before (the problems printed); `None` when no daemon serves.
    pub fn run_via_daemon(
        &self,
        shell: &mut Shell,
        location: &PackageLocation,
    ) -> Option<Result<(String, Vec<u8>), u8>> {
        if self.daemon.no_daemon {
            return None;
        }
        let mut printer = Printer::new(shell, self.format, Style::Command);
        let answer =
            crate::daemon::client::ask(location, &crate::daemon::Request::Run, &mut printer)?;
        Some(match answer.program {
            Some((name, program)) => Ok((name, program)),
            None => Err(answer.exit_code),
        })
    }
}

/// The exit code of a command computed in this process. The host's compiler is not freed:
/// freeing a large package's trees and memo tables takes longer than building them, and the
/// OS takes the memory back at once when the process ends. Its stores are closed properly.
pub fn finish(code: u8, host: Option<ProjectHost>) -> ExitCode {
    if let Some(mut host) = host {
        host.close_stores();
        std::mem::forget(host);
    }
    ExitCode::from(code)
}
