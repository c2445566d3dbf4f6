//! `build`: check the package, then compile every function to native code in a worker process
//! (a code generator that crashes takes down the worker, not holo). The worker is started
//! first, so that it starts up while the package is checked.

use crate::error::CliError;
use crate::host::compile::{encode, self_command};
use crate::host::events::{CommandKind, Event, Reporter, SummaryEvent};
use crate::host::project::ProjectHost;
use crate::render::{format_duration, plural};
use std::time::Instant;

impl ProjectHost {
    /// `build`: returns the exit code.
    pub fn build(&mut self, r: &mut dyn Reporter, start: Instant) -> u8 {
        // Stopped when dropped, if the package does not compile.
        let worker = match self_command("__worker") {
            Ok(command) => holo_runner::exec::BuildWorker::launch(&command),
            Err(err) => return self.fatal(r, CommandKind::Build, &err, start).0,
        };
        let mut package = match self.compile(r, CommandKind::Build, start) {
            Ok(package) => package,
            Err(stopped) => return stopped.0,
        };
        let name = package.manifest.name.clone();
        let encoded = match encode(&package.program) {
            Ok(encoded) => encoded,
            Err(err) => return self.fatal(r, CommandKind::Build, &err, start).0,
        };
        // The cache writes wait for the disk; the worker compiles meanwhile.
        let pending = std::mem::take(&mut package.pending);
        let compiled = std::thread::scope(|scope| {
            let compiling = scope.spawn(|| worker.compile_all(&encoded));
            pending.finish(package.shared.as_deref(), "holo build");
            compiling
                .join()
                .unwrap_or_else(|_| Err("the thread waiting for the worker panicked".to_string()))
        });
        let stats = match compiled {
            Ok(stats) => stats,
            Err(e) => {
                let err =
                    CliError::internal(format!("could not compile `{name}` to native code: {e}"));
                return self.fatal(r, CommandKind::Build, &err, start).0;
            }
        };
        self.leave_if_transient(&package);
        let elapsed = start.elapsed();
        let mut summary =
            SummaryEvent::new(CommandKind::Build, &name, elapsed).counts(0, package.warnings);
        summary.functions = stats.functions as usize;
        summary.files = package.files;
        r.emit(Event::Summary(summary));
        r.emit(Event::Status {
            verb: "Finished".into(),
            message: format!(
                "build of {name} ({}) in {}",
                plural(stats.functions as usize, "function"),
                format_duration(elapsed)
            ),
        });
        0
    }
}
