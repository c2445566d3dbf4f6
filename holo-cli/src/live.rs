//! `holo run --watch [-- ARGS]`: the program runs in a child process on this terminal and
//! follows the code. After every save the package is checked; errors are shown and the
//! program keeps running its old code. Otherwise the new version is lowered and compared with
//! the running one (`holo_runner::live::plan`): changed bodies are patched into the running
//! process; a change a patch cannot make right restarts the program on the new code and
//! replays every input it took (`holo_runner::rt::record`), so it comes back to its state.
//!
//! holo's own lines go to stderr, marked `[holo]`. The program's inputs are kept here as they
//! arrive (the child sends them in batches), so they survive the child: a program that ended,
//! failed or was killed starts again on the next save that compiles, with its inputs replayed.

use crate::cli::{MessageFormat, RunArgs};
use crate::error::CliError;
use crate::host::compile::self_command;
use crate::host::events::{CommandKind, Event, Reporter};
use crate::host::package::PackageLocation;
use crate::host::project::ProjectHost;
use crate::host::recording::{RecordedSession, first_difference};
use crate::host::results::PendingResults;
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use crate::watcher::{COALESCE, PackageWatcher, Touched};
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::Program;
use holo_runner::exec::WorkerCommand;
use holo_runner::live::child::{FromChild, LiveChild, ToChild};
use holo_runner::live::plan::{self, Decision};
use holo_runner::live::running::MAX_PATCHES;
use holo_runner::live::slots::{SlotTable, Update};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

enum Msg {
    Fs(notify::Result<notify::Event>),
    Live(LiveMsg),
    Interrupt,
}

/// What a running program's process tells the loop that watches it.
pub enum LiveMsg {
    /// A message of the child of generation `u64`.
    Child(u64, FromChild),
    /// The channel to the child of generation `u64` closed.
    Gone(u64),
}

/// Where a [`Live`] sends its children's messages: into the loop that owns it.
pub type Notify = Arc<dyn Fn(LiveMsg) + Send + Sync>;

/// A version of the program: what the plan compares.
struct Version {
    program: Arc<Program>,
    fingerprints: Arc<BTreeMap<String, Fingerprint>>,
    constants: BTreeMap<String, Fingerprint>,
    /// What compiling computed for the shared cache, written once the program has its new
    /// code (the write waits for the disk).
    results: Results,
}

/// Results of a compilation not written to the shared cache yet.
struct Results(Option<(PendingResults, Option<Arc<holo_db::Store>>)>);

impl Results {
    /// Writes them, once.
    fn save(&mut self) {
        if let Some((pending, shared)) = self.0.take() {
            pending.finish(shared.as_deref(), "holo run --watch");
        }
    }
}

impl Version {
    fn save_results(&mut self) {
        self.results.save();
    }

    fn view(&self) -> plan::Version<'_> {
        plan::Version {
            program: &self.program,
            fingerprints: &self.fingerprints,
            constants: &self.constants,
        }
    }

    /// The version once it runs: what the next save's plan needs, without the program (see
    /// `plan::Base`: holding it would make the next compilation copy it).
    fn into_running(self) -> Running {
        Running {
            base: plan::Base::of(self.view()),
            results: self.results,
        }
    }
}

/// The version the child runs.
struct Running {
    base: plan::Base,
    results: Results,
}

impl Running {
    fn save_results(&mut self) {
        self.results.save();
    }
}

/// What holo waits to hear from the child.
enum Waiting {
    Nothing,
    /// A patch of these functions, saved at this instant.
    Patch {
        names: Vec<String>,
        save: Instant,
    },
    /// The end of a replay after a restart for this reason.
    Replay {
        why: String,
    },
}

/// The running program of a watch loop (`holo run --watch`, `holo dev --run`).
pub struct Live {
    command: WorkerCommand,
    args: Vec<OsString>,
    notify: Notify,
    /// Show the diagnostics of each save (`holo dev` shows them in its own cycle instead).
    diagnostics: bool,
    /// Counts children, so that messages of a replaced child are ignored.
    generation: u64,
    child: Option<LiveChild>,
    /// The version the child runs (or ran last).
    running: Option<Running>,
    slots: SlotTable,
    /// Every input the program took, in order (compacted and bounded), and what it printed:
    /// kept in the package's store for `holo run --replay`.
    session: RecordedSession,
    root: std::path::PathBuf,
    /// When the session was last written, and whether it changed since.
    saved_at: Instant,
    dirty: bool,
    patches: usize,
    waiting: Waiting,
    /// How the last child ended, when it has: the reason of the next start.
    ended: Option<String>,
}

pub fn watch(
    shell: &mut Shell,
    location: PackageLocation,
    args: &RunArgs,
    format: MessageFormat,
    memory: Option<u64>,
) -> Result<ExitCode, CliError> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let interrupt = tx.clone();
    crate::interrupt::on_interrupt(move || {
        let _ = interrupt.send(Msg::Interrupt);
    })
    .map_err(|e| CliError::new(format!("cannot install the Ctrl+C handler: {e}")))?;
    let fs = tx.clone();
    let mut watcher = PackageWatcher::new(&location.root, move |event| {
        let _ = fs.send(Msg::Fs(event));
    })?;
    let mut host = ProjectHost::open_resident(location.clone());
    watcher.watch_dependencies(host.session().path_dependency_dirs());
    let live_tx = Mutex::new(tx);
    let notify: Notify = Arc::new(move |m| {
        let _ = live_tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(Msg::Live(m));
    });
    let mut live = Live::new(&location, args.args.clone(), memory, notify, true)?;
    live.first(shell, &mut host, format);
    let mut touched = Touched::default();
    while let Ok(message) = rx.recv() {
        match message {
            Msg::Interrupt => break,
            Msg::Live(m) => live.handle(shell, m),
            Msg::Fs(event) => {
                let save = Instant::now();
                touched.add(&location.root, host.session(), event);
                // The rest of the burst of one save.
                let deadline = Instant::now() + Duration::from_millis(50);
                let mut later = Vec::new();
                let mut stop = false;
                while Instant::now() < deadline {
                    match rx.recv_timeout(COALESCE) {
                        Ok(Msg::Fs(event)) => touched.add(&location.root, host.session(), event),
                        Ok(Msg::Live(m)) => later.push(m),
                        Ok(Msg::Interrupt) => stop = true,
                        Err(_) => break,
                    }
                }
                if stop {
                    break;
                }
                if touched.src_root
                    && let Err(e) = watcher.watch_src()
                {
                    shell.warn(format!("{}; changes in it may be missed", e.message));
                }
                let changes = std::mem::take(&mut touched).changes();
                if !changes.is_empty() && host.apply_changes(&changes) {
                    watcher.watch_dependencies(host.session().path_dependency_dirs());
                    live.saved(shell, &mut host, format, save);
                }
                for m in later {
                    live.handle(shell, m);
                }
            }
        }
    }
    Ok(live.stop(shell))
}

/// Checks and lowers the package; diagnostics are shown when `diagnostics`. `None`: it has
/// errors.
fn compile(
    shell: &mut Shell,
    host: &mut ProjectHost,
    format: MessageFormat,
    diagnostics: bool,
) -> Option<Version> {
    let mut events: Vec<Event> = Vec::new();
    let compiled = host.compile(&mut events, CommandKind::Run, Instant::now());
    if diagnostics {
        let mut printer = Printer::new(shell, format, Style::Watch);
        for event in events {
            if matches!(
                event,
                Event::Diagnostic(_) | Event::Error(_) | Event::Warning { .. }
            ) {
                printer.emit(event);
            }
        }
    }
    let package = compiled.ok()?;
    if package.program.main.is_none() {
        shell.live("the package has no `fn main` in `src/main.holo`: there is nothing to run");
        return None;
    }
    Some(Version {
        program: package.program,
        fingerprints: package.fingerprints,
        constants: host.constant_fingerprints(),
        results: Results(Some((package.pending, package.shared))),
    })
}

impl Live {
    /// Runs the program `holo __run --live ARGS` with at most `memory` bytes of values.
    pub fn new(
        location: &PackageLocation,
        args: Vec<OsString>,
        memory: Option<u64>,
        notify: Notify,
        diagnostics: bool,
    ) -> Result<Live, CliError> {
        let command = live_command(memory)?;
        Ok(Live {
            command,
            session: RecordedSession::new(program_args(&args)),
            args,
            notify,
            diagnostics,
            generation: 0,
            child: None,
            running: None,
            slots: SlotTable::default(),
            root: location.root.clone(),
            saved_at: Instant::now(),
            dirty: false,
            patches: 0,
            waiting: Waiting::Nothing,
            ended: None,
        })
    }

    /// The first start, when the package compiles.
    pub fn first(&mut self, shell: &mut Shell, host: &mut ProjectHost, format: MessageFormat) {
        if let Some(version) = compile(shell, host, format, self.diagnostics) {
            shell.live(format!(
                "running `{}`; watching for changes (Ctrl+C stops)",
                host.session().package_name()
            ));
            self.start(shell, version, None);
            if let Some(running) = &mut self.running {
                running.save_results();
            }
        } else {
            shell.live("fix the errors and save: the program starts when the package compiles");
        }
    }

    /// A save changed the package.
    pub fn saved(
        &mut self,
        shell: &mut Shell,
        host: &mut ProjectHost,
        format: MessageFormat,
        save: Instant,
    ) {
        self.follow(shell, host, format, save);
        if let Some(running) = &mut self.running {
            running.save_results();
        }
    }

    fn follow(
        &mut self,
        shell: &mut Shell,
        host: &mut ProjectHost,
        format: MessageFormat,
        save: Instant,
    ) {
        let compiled_at = Instant::now();
        let new = compile(shell, host, format, self.diagnostics);
        tracing::debug!(since_save = ?save.elapsed(), compile = ?compiled_at.elapsed(), "compiled the saved package");
        let Some(new) = new else {
            if self.child.is_some() {
                shell.live("not patched: the package has errors; the program runs its old code");
            }
            return;
        };
        let Some(old) = &self.running else {
            shell.live("the package compiles: running it");
            self.start(shell, new, None);
            return;
        };
        if self.child.is_none() {
            let why = self
                .ended
                .clone()
                .unwrap_or_else(|| "the program's process had gone".to_string());
            self.start(shell, new, Some(why));
            return;
        }
        let decision = plan::plan(&old.base, new.view());
        if matches!(decision, Decision::Patch { .. }) && self.patches >= MAX_PATCHES {
            let why = format!(
                "{MAX_PATCHES} patches since it started (the old code a process keeps is bounded)"
            );
            self.start(shell, new, Some(why));
            return;
        }
        match decision {
            Decision::Unchanged => {
                let mut new = new.into_running();
                new.save_results();
                self.running = Some(new);
            }
            Decision::PositionsOnly | Decision::Patch { .. } => {
                let names = match &decision {
                    Decision::Patch { functions } => functions.clone(),
                    _ => Vec::new(),
                };
                // The plan found every existing layout unchanged: new types are welcome.
                self.slots.accept_layouts(&new.program);
                let (_, update) = self.slots.update(&new.program, &new.fingerprints);
                let Update::Patch(patch) = update else {
                    // New types came with the change: the slots start over with a restart.
                    self.start(shell, new, Some("new types were added".to_string()));
                    return;
                };
                self.running = Some(new.into_running());
                let sent = match &mut self.child {
                    Some(child) => child.send(&ToChild::Patch(patch)),
                    None => Err("the program is not running".to_string()),
                };
                if let Err(e) = sent {
                    shell.live(format!("could not patch the program: {e}"));
                    return;
                }
                tracing::debug!(since_save = ?save.elapsed(), "patch sent");
                if !names.is_empty() {
                    self.patches += 1;
                    self.waiting = Waiting::Patch { names, save };
                }
            }
            Decision::Restart(reason) => self.start(shell, new, Some(reason.to_string())),
        }
    }

    /// Starts the program on `version` (replacing the child, if any), replaying the inputs
    /// recorded so far when `restart` says why.
    fn start(&mut self, shell: &mut Shell, version: Version, restart: Option<String>) {
        if let Some(child) = self.child.take() {
            child.kill();
        }
        self.generation += 1;
        self.patches = 0;
        self.ended = None;
        self.slots.reset();
        let (slot_of, _) = self.slots.update(&version.program, &version.fingerprints);
        let program = match self.slots.encode_load(&version.program, &slot_of) {
            Ok(bytes) => bytes,
            Err(e) => {
                shell.live(format!("could not start the program: {e}"));
                return;
            }
        };
        self.running = Some(version.into_running());
        if restart.is_none() {
            self.session = RecordedSession::new(program_args(&self.args));
        }
        // The output of the program as it runs now (its replay included) is what a replay of
        // the session is compared with.
        self.session.output.clear();
        self.dirty = true;
        let generation = self.generation;
        let (messages, gone) = (self.notify.clone(), self.notify.clone());
        let spawned = LiveChild::spawn(
            &self.command,
            &self.args,
            true,
            move |m| messages(LiveMsg::Child(generation, m)),
            move || gone(LiveMsg::Gone(generation)),
        );
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                shell.live(format!("could not start the program: {e}"));
                return;
            }
        };
        let replay = self.session.inputs.events().to_vec();
        let replaying = !replay.is_empty();
        if let Err(e) = child.send(&ToChild::Start { program, replay }) {
            shell.live(format!("could not start the program: {e}"));
            child.kill();
            return;
        }
        self.child = Some(child);
        self.waiting = Waiting::Nothing;
        if let Some(why) = restart {
            if replaying {
                self.waiting = Waiting::Replay { why };
            } else {
                shell.live(format!("restarted: {why}"));
            }
        }
    }

    /// Handles a message from a child, or its end.
    pub fn handle(&mut self, shell: &mut Shell, message: LiveMsg) {
        match message {
            LiveMsg::Child(generation, _) | LiveMsg::Gone(generation)
                if generation != self.generation => {}
            LiveMsg::Child(_, message) => self.child_said(shell, message),
            LiveMsg::Gone(_) => {
                let Some(child) = self.child.take() else {
                    return;
                };
                let status = child.wait();
                // Ctrl+C reaches the program too (one process group): holo is stopping as well.
                let interrupted = status.as_ref().is_ok_and(|s| {
                    use std::os::unix::process::ExitStatusExt;
                    s.signal() == Some(2)
                });
                if self.ended.is_none() && !interrupted {
                    let how = match status {
                        Ok(status) => holo_runner::exec::process::describe_exit(status),
                        Err(e) => e,
                    };
                    shell.live(format!(
                        "the program's process {how}; save a file to start it again with its inputs replayed"
                    ));
                    self.ended = Some("the program's process had gone".to_string());
                }
            }
        }
    }

    fn child_said(&mut self, shell: &mut Shell, message: FromChild) {
        match message {
            FromChild::Inputs(events) => {
                self.session.inputs.extend(events);
                self.touch(shell);
            }
            FromChild::Output(bytes) => {
                self.session.add_output(&bytes);
                self.dirty = true;
            }
            FromChild::Patched {
                micros, compiled, ..
            } => {
                tracing::debug!(
                    child_micros = micros,
                    compiled,
                    "the child applied the patch"
                );
                if let Waiting::Patch { names, save } =
                    std::mem::replace(&mut self.waiting, Waiting::Nothing)
                {
                    shell.live(format!(
                        "patched {} in {:.1} ms",
                        names.join(", "),
                        save.elapsed().as_secs_f64() * 1000.0
                    ));
                }
            }
            FromChild::PatchFailed(e) => {
                self.waiting = Waiting::Nothing;
                shell.live(format!(
                    "could not patch the program ({e}); the next save restarts it"
                ));
                // The child's code is unknown now: the next save must not patch it.
                if let Some(child) = self.child.take() {
                    child.kill();
                }
                self.ended = Some("a patch could not be applied".to_string());
            }
            FromChild::ReplayEnded { end, micros } => {
                self.session.inputs.truncate(end.replayed);
                let why = match std::mem::replace(&mut self.waiting, Waiting::Nothing) {
                    Waiting::Replay { why } => why,
                    _ => "the program started again".to_string(),
                };
                shell.live(format!(
                    "restarted: {why}; replayed {} in {:.1} ms",
                    plural(end.replayed, "input"),
                    micros as f64 / 1000.0
                ));
                if let Some(diverged) = &end.diverged {
                    shell.live(format!(
                        "the replay stopped early: {diverged}; the program is live from there"
                    ));
                }
                if let Some(child) = &mut self.child {
                    let _ = child.send(&ToChild::Resume);
                }
            }
            FromChild::Ended { code, failure } => {
                self.ended = Some(match (&failure, code) {
                    (Some(_), _) => "the program stopped with a runtime error".to_string(),
                    (None, code) => {
                        format!("the program had ended with exit code {}", code.unwrap_or(0))
                    }
                });
                match failure {
                    Some(failure) => {
                        shell.write_rendered(&crate::render::exec::render_failure(&failure));
                        shell.live(
                            "the program stopped with a runtime error; the next save that compiles restarts it with its inputs replayed",
                        );
                    }
                    None => shell.live(format!(
                        "the program ended with exit code {}; the next save starts it again with its inputs replayed",
                        code.unwrap_or(0)
                    )),
                }
            }
        }
    }

    /// The session changed: written to the store at most once a second (a program taking
    /// inputs in a busy loop does not rewrite it all the time), and when watching ends.
    fn touch(&mut self, shell: &mut Shell) {
        self.dirty = true;
        if self.saved_at.elapsed() >= Duration::from_secs(1) {
            self.keep(shell);
        }
    }

    fn keep(&mut self, shell: &mut Shell) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.saved_at = Instant::now();
        if let Err(e) = self.session.save(&self.root) {
            shell.warn(e);
        }
    }

    /// Ctrl+C: the child (in the terminal's process group) got it too; make sure it is gone,
    /// and keep the session.
    pub fn stop(mut self, shell: &mut Shell) -> ExitCode {
        if let Some(child) = self.child.take() {
            child.kill();
        }
        self.keep(shell);
        ExitCode::from(130)
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// `holo __run --live [--memory BYTES] --`, to which the program's arguments are added.
fn live_command(memory: Option<u64>) -> Result<WorkerCommand, CliError> {
    let mut command = self_command("__run")?;
    command.args.push("--live".into());
    if let Some(bytes) = memory {
        command
            .args
            .extend(["--memory".into(), bytes.to_string().into()]);
    }
    command.args.push("--".into());
    Ok(command)
}

fn program_args(args: &[OsString]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// `holo run --replay`: the last recorded session's inputs fed to the current code (its
/// arguments too), without a terminal; reports whether the output is the recorded one, and
/// where it first differs. Exit code 0 when it is the same, 1 when it differs.
pub fn replay(
    shell: &mut Shell,
    location: PackageLocation,
    format: MessageFormat,
    memory: Option<u64>,
) -> Result<ExitCode, CliError> {
    let session = match RecordedSession::load(&location.root).map_err(CliError::new)? {
        Some(session) => session,
        None => {
            return Err(CliError::new(format!(
                "there is no recorded session to replay in {}",
                location.root.display()
            ))
            .with_hint(
                "`holo run --watch` records the inputs of the program it runs; run it first.",
            ));
        }
    };
    let mut host = ProjectHost::open(location);
    let Some(mut version) = compile(shell, &mut host, format, true) else {
        return Ok(ExitCode::from(crate::error::EXIT_DIAGNOSTICS));
    };
    let mut slots = SlotTable::default();
    let (slot_of, _) = slots.update(&version.program, &version.fingerprints);
    let program = slots
        .encode_load(&version.program, &slot_of)
        .map_err(CliError::new)?;
    let command = live_command(memory)?;
    let (tx, rx) = mpsc::channel::<LiveMsg>();
    let gone = tx.clone();
    let args: Vec<OsString> = session.args.iter().map(OsString::from).collect();
    let mut child = LiveChild::spawn(
        &command,
        &args,
        false,
        move |m| {
            let _ = tx.send(LiveMsg::Child(0, m));
        },
        move || {
            let _ = gone.send(LiveMsg::Gone(0));
        },
    )
    .map_err(CliError::new)?;
    let inputs = session.inputs.events().to_vec();
    let recorded = inputs.len();
    child
        .send(&ToChild::Start {
            program,
            replay: inputs,
        })
        .map_err(CliError::new)?;
    let started = Instant::now();
    version.save_results();
    let mut output = Vec::new();
    let mut end = None;
    let mut failure = None;
    while let Ok(message) = rx.recv_timeout(Duration::from_secs(60)) {
        match message {
            LiveMsg::Child(_, FromChild::Output(bytes)) => output.extend_from_slice(&bytes),
            LiveMsg::Child(_, FromChild::ReplayEnded { end: e, .. }) => {
                end = Some(e);
                break;
            }
            LiveMsg::Child(_, FromChild::Ended { failure: f, .. }) => failure = f,
            LiveMsg::Gone(_) => break,
            _ => {}
        }
    }
    child.kill();
    // Output sent before the end of the replay may still be in the channel.
    while let Ok(message) = rx.try_recv() {
        if let LiveMsg::Child(_, FromChild::Output(bytes)) = message {
            output.extend_from_slice(&bytes);
        }
    }
    if let Some(failure) = &failure {
        shell.write_rendered(&crate::render::exec::render_failure(failure));
    }
    let replayed = end.as_ref().map_or(recorded, |e| e.replayed);
    shell.live(format!(
        "replayed {} of the recorded session in {:.1} ms",
        plural(replayed, "input"),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    if let Some(diverged) = end.as_ref().and_then(|e| e.diverged.as_ref()) {
        shell.live(format!("the replay stopped early: {diverged}"));
    }
    let recorded_text = String::from_utf8_lossy(&session.output);
    let now_text = String::from_utf8_lossy(&output);
    match first_difference(&recorded_text, &now_text) {
        None => {
            shell.live(format!(
                "the output is the recorded run's ({})",
                plural(now_text.lines().count(), "line")
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some((line, was, now)) => {
            let show = |l: Option<String>| {
                l.map_or("nothing (the output ended)".to_string(), |l| {
                    format!("`{l}`")
                })
            };
            shell.live(format!(
                "the output first differs at line {line}: the recorded run printed {}, the current code prints {}",
                show(was),
                show(now)
            ));
            Ok(ExitCode::FAILURE)
        }
    }
}
