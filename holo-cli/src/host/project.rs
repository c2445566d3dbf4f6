//! [`ProjectHost`]: one package's state — the compiler with its files, the manifest, the
//! stores — and the computations on it. Every front-end drives one: a command in a fresh
//! process, the daemon, `holo dev`, the watch loops. Changes come in as values through
//! [`ProjectHost::apply_changes`], the only way the state changes; answers go out as
//! [`Event`]s to a [`Reporter`]. Nothing here prints.

use crate::error::{CliError, EXIT_DIAGNOSTICS, EXIT_ENVIRONMENT, EXIT_RUNTIME};
use crate::host::changes::ChangeEvent;
use crate::host::check::{could_not, emit_diagnostics, report_check, report_problems};
use crate::host::events::{CommandKind, ErrorEvent, Event, Reporter, SummaryEvent};
use crate::host::package::PackageLocation;
use crate::host::results::{PendingResults, SharedResults};
use crate::host::session::{Checked, Session};
use crate::host::store::OpeningStore;
use crate::render::plural;
use crate::vfs::SRC_DIR;
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::Program;
use holo_db::Store;
use holo_pkg::Manifest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub struct ProjectHost {
    session: Session,
    /// A host that stays (the daemon, the watch loops) rather than one command's.
    resident: bool,
    /// The shared cache: opened on another thread while the package loads, then kept open.
    cache: OpeningStore,
    /// Whether the compiler has checked the package once: from then on, salsa's memos answer
    /// faster than the shared cache.
    warm: bool,
    /// Test workers kept between runs and patched with each new version (a resident host);
    /// `None`: every run starts its workers (a command in a fresh process).
    pub(crate) pool: Option<holo_runner::exec::WorkerPool>,
    /// A resident host's last lowering, brought up to date module by module.
    memo: Option<holo_compiler::cache::ProgramMemo>,
    /// A resident host's project state (recorded tests), kept open between requests.
    state: Option<Arc<Store>>,
    /// A resident host's test reaches at the last test run, by test name.
    pub(crate) reach: Option<BTreeMap<String, Arc<holo_compiler::testmap::TestReach>>>,
    /// Set from another thread when the answer being computed has become obsolete (a newer
    /// save, in a watch loop): a test run stops and the answer is dropped.
    pub(crate) cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// Set by Ctrl+C (see [`ProjectHost::set_interrupt`]).
    pub(crate) interrupt: Option<Arc<std::sync::atomic::AtomicBool>>,
}

/// A package that checked without errors, lowered.
pub struct CompiledPackage {
    pub manifest: Manifest,
    /// Shared with a resident host's memo: handing it out copies nothing. For `holo test` in
    /// a fresh process, functions read from the shared cache may be skeletons whose code is in
    /// `lazy` (see `holo_compiler::cache::lower_lazily`).
    pub program: Arc<Program>,
    pub lazy: Option<holo_compiler::cache::LazyBodies>,
    /// How many warnings were reported.
    pub warnings: usize,
    /// The package's root folder.
    pub root: PathBuf,
    /// Every function's behaviour fingerprint by key (for the test-to-code map).
    pub fingerprints: Arc<BTreeMap<String, Fingerprint>>,
    /// The key of the sources that were compiled (see `host/snapshot.rs`).
    pub source_key: Option<holo_db::Key>,
    /// How many source files the package has.
    pub files: usize,
    /// The shared cache, when it could be opened (test results are shared through it too).
    pub shared: Option<Arc<Store>>,
    /// What checking and lowering computed for the shared cache and is not written yet:
    /// commands write it ([`PendingResults::finish`]) once their real work is under way.
    pub pending: PendingResults,
}

/// Why [`ProjectHost::compile`] stopped: the problems were reported, with the summary.
pub struct Stopped(pub u8);

impl ProjectHost {
    /// Loads the package at `location`: its manifest and every source file. The shared cache
    /// starts opening on another thread meanwhile.
    pub fn open(location: PackageLocation) -> ProjectHost {
        let cache = OpeningStore::start();
        ProjectHost {
            session: Session::load_deferred(location),
            resident: false,
            cache,
            warm: false,
            pool: None,
            memo: None,
            state: None,
            reach: None,
            cancel: None,
            interrupt: None,
        }
    }

    /// Loads the package for a host that stays (the daemon, the watch loops): its compiler
    /// answers from its own memos rather than the shared cache (which a fresh process needs,
    /// and which would leave the memos cold for the first edit), it lowers only the modules an
    /// edit changed, reuses the test reaches an edit left valid, keeps test workers between
    /// runs (patched with each new version) and its stores open, with small page caches.
    pub fn open_resident(location: PackageLocation) -> ProjectHost {
        let cache = OpeningStore::start_with(true);
        ProjectHost {
            session: Session::load(location),
            resident: true,
            cache,
            warm: true,
            pool: Some(holo_runner::exec::WorkerPool::new()),
            memo: Some(Default::default()),
            state: None,
            reach: Some(BTreeMap::new()),
            cancel: None,
            interrupt: None,
        }
    }

    /// In a host that does not stay (a command in a fresh process, which ends right after),
    /// leaves the lowered program and its fingerprints allocated: freeing a large program
    /// takes longer than the OS takes to reclaim a whole process (10 ms for 100k lines).
    /// A resident host shares them with its memo and frees them as usual.
    pub(crate) fn leave_if_transient(&self, package: &CompiledPackage) {
        if !self.resident {
            std::mem::forget(Arc::clone(&package.program));
            std::mem::forget(Arc::clone(&package.fingerprints));
        }
    }

    /// What the kept workers did so far.
    pub fn pool_stats(&self) -> Option<holo_runner::exec::PoolStats> {
        self.pool.as_ref().map(|p| p.stats())
    }

    /// Lets another thread cancel the computations that follow (`None`: they always finish).
    pub fn set_cancel(&mut self, cancel: Option<Arc<std::sync::atomic::AtomicBool>>) {
        self.cancel = cancel;
    }

    /// Lets Ctrl+C stop a test run: unlike a cancel, the results of the tests that finished
    /// are reported and recorded, and the run ends as interrupted.
    pub fn set_interrupt(&mut self, interrupt: Option<Arc<std::sync::atomic::AtomicBool>>) {
        self.interrupt = interrupt;
    }

    /// Closes the stores (before the host is leaked at the end of a process: a store must be
    /// closed properly, a compiler need not be freed).
    pub fn close_stores(&mut self) {
        self.cache = OpeningStore::closed();
        self.state = None;
    }

    /// The project state for recording tests: kept open by a resident host, opened for each
    /// use otherwise. `None` (with a warning) when it cannot be used.
    pub(crate) fn project_state(&mut self, r: &mut dyn Reporter) -> Option<Arc<Store>> {
        if let Some(state) = &self.state {
            return Some(state.clone());
        }
        let state =
            crate::host::store::open_project_state(r, self.root(), self.resident).map(Arc::new);
        if self.resident {
            self.state.clone_from(&state);
        }
        state
    }

    pub fn root(&self) -> &Path {
        self.session.root()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Applies changes in order. Returns whether the package changed (a save of the same
    /// text is not a change).
    pub fn apply_changes(&mut self, changes: &[ChangeEvent]) -> bool {
        let mut changed = false;
        for change in changes {
            changed |= match change {
                ChangeEvent::Manifest => self.session.reload_manifest(),
                ChangeEvent::File(path) => self.session.refresh(path),
                ChangeEvent::Rescan(dir) => self.session.scan(dir),
                ChangeEvent::RescanAll => {
                    let manifest = self.session.reload_manifest();
                    self.session.scan(SRC_DIR) | manifest
                }
                ChangeEvent::Overlay { path, text } => {
                    self.session.set_overlay(path, Some(text.clone()))
                }
                ChangeEvent::OverlayRemoved(path) => self.session.set_overlay(path, None),
                ChangeEvent::Dependencies => self.session.refresh_dependencies(),
            };
        }
        changed
    }

    /// The status line that opens a command.
    fn announce(&self, r: &mut dyn Reporter, verb: &str) {
        if let Ok(manifest) = self.session.manifest() {
            r.emit(Event::Status {
                verb: verb.to_string(),
                message: format!(
                    "{} v{} ({})",
                    manifest.name,
                    manifest.version,
                    self.root().display()
                ),
            });
        }
    }

    /// Checks the package, using the shared cache for modules whose inputs it has seen while
    /// the compiler is cold. Returns what was computed for the cache, not written yet.
    /// `lowering`: the package will be lowered next (files whose lowering is not stored are
    /// parsed too).
    /// `lazily`: it will be lowered lazily (`holo test`), its stored lowerings read on demand.
    fn check_package(
        &mut self,
        r: &mut dyn Reporter,
        lowering: bool,
        lazily: bool,
    ) -> (Checked, PendingResults) {
        if self.warm {
            return (self.session.check(), PendingResults::default());
        }
        self.warm = true;
        let store = self.cache.for_lookups(r);
        let results = SharedResults::new(store.as_deref());
        let deferred = self.session.resolve_deferred(&results, lowering, lazily);
        tracing::debug!(
            summarized = deferred.summarized,
            parsed = deferred.parsed,
            interfaces = deferred.interfaces,
            "resolved deferred files"
        );
        let (report, reuse) = self.session.check_with(&results);
        tracing::debug!(
            reused = reuse.reused,
            computed = reuse.computed,
            "checked modules"
        );
        (report, results.take_pending())
    }

    /// `check`: every diagnostic, the summary. Returns the exit code.
    pub fn check(&mut self, r: &mut dyn Reporter, start: Instant) -> u8 {
        self.announce(r, "Checking");
        if report_problems(&self.session, r, CommandKind::Check, start) {
            return EXIT_ENVIRONMENT;
        }
        let (report, pending) = self.check_package(r, false, false);
        pending.finish(self.cache.finish(r).as_deref(), "holo check");
        report_check(&mut self.session, &report, r, start)
    }

    /// The front half of `build`, `run` and `test`: checks the package exactly as `check`
    /// does (same diagnostics, same exit codes), then lowers it. Errors end the command with
    /// the summary of `command` reported.
    pub fn compile(
        &mut self,
        r: &mut dyn Reporter,
        command: CommandKind,
        start: Instant,
    ) -> Result<CompiledPackage, Stopped> {
        let command_name = match command {
            CommandKind::Check => "holo check",
            CommandKind::Build => "holo build",
            CommandKind::Run => "holo run",
            CommandKind::Test => "holo test",
        };
        self.announce(r, "Compiling");
        if report_problems(&self.session, r, command, start) {
            return Err(Stopped(EXIT_ENVIRONMENT));
        }
        let name = self.session.package_name();
        let cold = !self.warm;
        let (report, mut pending) = self.check_package(r, true, command == CommandKind::Test);
        emit_diagnostics(&mut self.session, &report, r);
        let (errors, warnings) = (report.errors(), report.warnings());
        if errors > 0 {
            let mut summary =
                SummaryEvent::new(command, &name, start.elapsed()).counts(errors, warnings);
            summary.files = report.files;
            pending.finish(self.cache.finish(r).as_deref(), command_name);
            r.emit(Event::Summary(summary));
            r.emit(could_not("compile", &name, errors, warnings));
            return Err(Stopped(EXIT_DIAGNOSTICS));
        }
        if warnings > 0 {
            r.emit(Event::Warning {
                message: format!("`{name}` generated {}", plural(warnings, "warning")),
            });
        }
        let lower_start = Instant::now();
        let lowered = match &mut self.memo {
            Some(memo) => self.session.compiler().lower_resident(memo).map(|p| {
                tracing::debug!(modules = p.relowered, "lowered again");
                (p.program, p.fingerprints, None)
            }),
            None => {
                let store = if cold {
                    self.cache.for_lookups(r)
                } else {
                    None
                };
                let results = SharedResults::new(store.as_deref());
                // `holo test` runs a few tests of many: it decodes the code of only the
                // functions those reach (see `holo_compiler::cache::hydrate`).
                let lowered = if command == CommandKind::Test {
                    self.session.compiler().lower_lazily(&results)
                } else {
                    self.session.compiler().lower_with(&results)
                };
                pending.append(results.take_pending());
                lowered.map(|l| (Arc::new(l.program), Arc::new(l.fingerprints), l.lazy))
            }
        };
        tracing::debug!(elapsed = ?lower_start.elapsed(), "lowered the package");
        let (program, fingerprints, lazy) = match lowered {
            Ok(lowered) => lowered,
            Err(e) => {
                pending.finish(self.cache.finish(r).as_deref(), command_name);
                let err = CliError::internal(format!(
                    "internal compiler error while lowering `{name}`: {e}"
                ));
                return Err(self.fatal(r, command, &err, start));
            }
        };
        let manifest = match self.session.manifest() {
            Ok(manifest) => manifest.clone(),
            Err(err) => {
                let err = err.clone();
                return Err(self.fatal(r, command, &err, start));
            }
        };
        let source_key = self.session.snapshot_key(crate::host::store::build_id());
        Ok(CompiledPackage {
            manifest,
            program,
            lazy,
            warnings,
            root: self.root().to_path_buf(),
            fingerprints,
            source_key,
            files: report.files,
            shared: self.cache.finish(r),
            pending,
        })
    }

    /// Reports an error that ends `command`, with its summary; returns how it stopped.
    pub fn fatal(
        &self,
        r: &mut dyn Reporter,
        command: CommandKind,
        err: &CliError,
        start: Instant,
    ) -> Stopped {
        fatal(r, command, &self.session.package_name(), err, start)
    }
}

/// Reports an error that ends `command` (an `error` event and the summary); returns how it
/// stopped, with the error's exit code.
pub fn fatal(
    r: &mut dyn Reporter,
    command: CommandKind,
    package: &str,
    err: &CliError,
    start: Instant,
) -> Stopped {
    r.emit(Event::Error(ErrorEvent::new(err)));
    r.emit(Event::Summary(
        SummaryEvent::new(command, package, start.elapsed()).counts(1, 0),
    ));
    Stopped(if err.exit_code == 0 {
        EXIT_RUNTIME
    } else {
        err.exit_code
    })
}
