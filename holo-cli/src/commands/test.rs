//! `holo test [FILTER] [--exact] [--affected] [--explain] [--watch] [--timeout SECONDS]
//! [--jobs N] [--nocapture] [--message-format human|json] [--manifest-path PATH]`.

use crate::cli::TestArgs;
use crate::commands::{Target, finish};
use crate::error::CliError;
use crate::host::events::CommandKind;
use crate::host::test::TestRequest;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn exec(shell: &mut Shell, args: TestArgs) -> Result<ExitCode, CliError> {
    let target = Target::new(args.manifest_path, args.message_format, args.daemon);
    let Some(location) = target.locate(shell, CommandKind::Test) else {
        return Ok(ExitCode::from(crate::error::EXIT_ENVIRONMENT));
    };
    // Dependencies are resolved (or read from holo.lock) and fetched before anything compiles,
    // so that a lock that disagrees with the manifest fails here, with `--locked`, clearly.
    if let Some(code) = target.prepare_dependencies(shell, &location, &args.deps, CommandKind::Test)
    {
        return Ok(code);
    }
    let request = TestRequest {
        filter: args.filter,
        exact: args.exact,
        timeout: args.timeout,
        jobs: args.jobs.map(|n| n as usize),
        nocapture: args.nocapture,
        affected: args.affected || args.watch,
        explain: args.explain,
    };
    if args.watch {
        let cycle = crate::daemon::server::Cycle::Test(request);
        return crate::watch::watch(shell, location, args.message_format, cycle, &target.daemon);
    }
    if let Some(code) = target.via_daemon(
        shell,
        &location,
        crate::daemon::Request::Test(request.clone()),
    ) {
        return Ok(code);
    }
    // Ctrl+C stops the run but keeps what finished: those results are reported and recorded.
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    let interrupt = crate::interrupt::on_interrupt(move || flag.store(true, Ordering::SeqCst))
        .is_ok()
        .then_some(interrupt);
    let mut printer =
        Printer::new(shell, args.message_format, Style::Command).nocapture(request.nocapture);
    let (code, host) =
        crate::host::test::test_fresh(location, &request, &mut printer, target.start, interrupt);
    Ok(finish(code, host))
}
