//! `holo run [--watch | --replay] [--message-format human|json] [--memory SIZE] [--manifest-path PATH] [-- ARGS…]`
//! (`--watch` and `--replay`: `crate::live`):
//! check the package, then run `main` in a child process that inherits the terminal (stdin,
//! stdout, stderr), with a limit on the memory its values may take, and exit with the program's exit code. The child is `holo __run` (see
//! `commands/worker.rs`); it prints runtime errors itself and exits with 101. It is started
//! first, so that it starts up while the package is checked and compiled — here or by the
//! daemon, which hands back the encoded program.

use crate::cli::{MessageFormat, RunArgs};
use crate::commands::{Target, finish};
use crate::error::{CliError, EXIT_RUNTIME};
use crate::host::compile::self_command;
use crate::host::events::CommandKind;
use crate::host::project::ProjectHost;
use crate::host::run::Prepared;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use holo_runner::exec::ProgramChild;
use std::process::ExitCode;

/// The exit code of a program stopped by Ctrl+C, as shells report it (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

pub fn exec(shell: &mut Shell, args: RunArgs) -> Result<ExitCode, CliError> {
    let format = args.message_format;
    let target = Target::new(
        args.manifest_path.clone(),
        args.message_format,
        args.daemon.clone(),
    );
    let Some(location) = target.locate(shell, CommandKind::Run) else {
        return Ok(ExitCode::from(crate::error::EXIT_ENVIRONMENT));
    };
    // Dependencies are resolved (or read from holo.lock) and fetched before anything compiles,
    // so that a lock that disagrees with the manifest fails here, with `--locked`, clearly.
    if let Some(code) = target.prepare_dependencies(shell, &location, &args.deps, CommandKind::Run)
    {
        return Ok(code);
    }
    // Dropped without a program (the package does not compile), the child is stopped. A
    // child that cannot be started is reported only if there is a program to run.
    let memory = args
        .memory
        .or_else(|| memory_from_manifest(&location))
        .or_else(|| holo_runner::exec::testrun::default_memory_limit(1));
    if args.replay {
        return crate::live::replay(shell, location, format, memory);
    }
    if args.watch {
        return crate::live::watch(shell, location, &args, format, memory);
    }
    let json = args.message_format == MessageFormat::Json;
    let child = self_command("__run")
        .map_err(|e| e.message)
        .and_then(|mut command| {
            if let Some(bytes) = memory {
                command
                    .args
                    .extend(["--memory".into(), bytes.to_string().into()]);
            }
            if json {
                command.args.push("--json".into());
            }
            command.args.push("--".into());
            ProgramChild::spawn(&command, &args.args)
        });
    let mut host = None;
    let (name, program, mut prepared): (String, Vec<u8>, Option<Prepared>) =
        match target.run_via_daemon(shell, &location) {
            Some(Ok((name, program))) => (name, program, None),
            Some(Err(code)) => return Ok(ExitCode::from(code)),
            None => {
                let mut printer = Printer::new(shell, args.message_format, Style::Command);
                let mut local = ProjectHost::open(location);
                match local.prepare_run(&mut printer, target.start) {
                    Ok(mut p) => {
                        host = Some(local);
                        (p.name.clone(), std::mem::take(&mut p.program), Some(p))
                    }
                    Err(code) => return Ok(finish(code, Some(local))),
                }
            }
        };
    let cannot_run = |e: String| {
        CliError::new(format!("could not run `{name}`: {e}")).with_hint(
            "Check that the holo executable is still in place and that processes can be started.",
        )
    };
    // Ctrl+C reaches the program and holo alike (they share the terminal's process group). The
    // program decides what it means; holo stays to report how the program ended.
    let _ = ctrlc::set_handler(|| {});
    let mut child = child.map_err(cannot_run)?;
    let started = child.start(&program);
    // While the program runs: the cache writes, which wait for the disk, and closing it.
    if let Some(prepared) = &mut prepared {
        prepared.save_results();
    }
    drop(prepared);
    // The compiler's memory goes back to the OS with the process, sooner than freeing it.
    std::mem::forget(host);
    let status = match started {
        Ok(()) => child.wait(),
        // The child died before it read the program; its exit status says more than the pipe.
        Err(e) => match child.wait() {
            Ok(status) if !status.success() => Ok(status),
            _ => Err(e),
        },
    }
    .map_err(cannot_run)?;
    if let Some(code) = status.code() {
        // Exit codes are 0..=255 on Unix; the child already exited with the program's.
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(EXIT_RUNTIME)));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(2) {
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
    }
    shell.error_line(format!(
        "`{name}` crashed: its process {}",
        holo_runner::exec::process::describe_exit(status)
    ));
    Ok(ExitCode::from(EXIT_RUNTIME))
}

/// `[run] memory` of the package's manifest. A manifest that cannot be read gives nothing here:
/// compiling the package reports it.
fn memory_from_manifest(location: &crate::host::package::PackageLocation) -> Option<u64> {
    holo_pkg::Manifest::load(&location.manifest_path)
        .ok()?
        .run
        .memory
}
