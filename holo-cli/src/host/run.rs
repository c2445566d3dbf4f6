//! `run`, the host's half: check and compile the package and encode the program for the
//! process that runs it. The process itself belongs to the front-end (the command's own
//! terminal), whether the host is in that process or in a daemon.

use crate::error::CliError;
use crate::host::compile::encode;
use crate::host::events::{CommandKind, Event, Reporter};
use crate::host::project::ProjectHost;
use crate::host::results::PendingResults;
use holo_compiler::fingerprint::Fingerprint;
use holo_db::Store;
use std::sync::Arc;
use std::time::Instant;

/// A program ready to run.
pub struct Prepared {
    /// The package's name, for messages about the program.
    pub name: String,
    /// The encoded program, for the child on file descriptor 3.
    pub program: Vec<u8>,
    /// What compiling computed for the shared cache: written by [`Prepared::save_results`]
    /// once the program is on its way, since the write waits for the disk.
    pending: PendingResults,
    shared: Option<Arc<Store>>,
}

impl Prepared {
    /// Writes what compiling computed to the shared cache (and closes this handle on it).
    pub fn save_results(&mut self) {
        std::mem::take(&mut self.pending).finish(self.shared.as_deref(), "holo run");
        self.shared = None;
    }
}

impl ProjectHost {
    /// Every constant's fingerprint by path, for the patch decisions of a running program
    /// (`holo_runner::live::plan`). Meaningful after a successful [`ProjectHost::compile`].
    pub fn constant_fingerprints(&self) -> std::collections::BTreeMap<String, Fingerprint> {
        holo_compiler::fingerprint::constant_fingerprints(self.session().compiler().db())
    }

    /// Compiles the package for `run`. `Err` holds the exit code after the problems were
    /// reported.
    pub fn prepare_run(&mut self, r: &mut dyn Reporter, start: Instant) -> Result<Prepared, u8> {
        let mut package = self.compile(r, CommandKind::Run, start).map_err(|s| s.0)?;
        let name = package.manifest.name.clone();
        let pending = std::mem::take(&mut package.pending);
        if package.program.main.is_none() {
            pending.finish(package.shared.as_deref(), "holo run");
            let err = CliError::new(format!(
                "`holo run` needs a program, but `{name}` is a library: it has `src/lib.holo` and no `src/main.holo`"
            ))
            .with_hint("Run the library's tests with `holo test`, or add `src/main.holo` with a `fn main()` to make it a program.");
            return Err(self.fatal(r, CommandKind::Run, &err, start).0);
        }
        let program = match encode(&package.program) {
            Ok(program) => program,
            Err(err) => return Err(self.fatal(r, CommandKind::Run, &err, start).0),
        };
        r.emit(Event::Status {
            verb: "Running".into(),
            message: format!("`{name}`"),
        });
        Ok(Prepared {
            name,
            program,
            pending,
            shared: package.shared,
        })
    }
}
