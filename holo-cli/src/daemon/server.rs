//! The daemon's main loop, which is also the loop of `holo dev` and of the `--watch` commands:
//! one thread owns the [`ProjectHost`] and applies every change in order; file events, client
//! requests and Ctrl+C arrive on one channel.
//!
//! Freshness: a request carries the name of a sync marker the client wrote into the package
//! root just before asking; the loop answers only after the marker's file event arrived, so
//! every save made before the request has been applied (watchman's cookies). Without a marker
//! (or when it never shows up) the loop re-reads the whole package first.

use super::protocol::{Call, DaemonStatus, Hello, Reply, Request, receive, send};
use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_RUNTIME};
use crate::host::events::{Event, Reporter, ServedBy};
use crate::host::package::PackageLocation;
use crate::host::project::ProjectHost;
use crate::live::{Live, LiveMsg};
use crate::printer::{Printer, Style};
use crate::shell::Shell;
use crate::watcher::{COALESCE, PackageWatcher, Touched};
use std::collections::VecDeque;
use std::io::BufReader;
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// How often an idle daemon checks that its socket is still there.
const SOCKET_CHECK: Duration = Duration::from_secs(5);

/// How long a request waits for its sync marker's event before the package is re-read whole.
const SYNC_WAIT: Duration = Duration::from_secs(2);

pub use super::protocol::Cycle;

pub struct Options {
    /// Serve clients on the package's socket.
    pub socket: bool,
    /// Stop after this long without a request.
    pub idle: Option<Duration>,
    /// In the foreground: what to show after every change, and how.
    pub foreground: Option<(Cycle, MessageFormat)>,
    /// In the foreground, the program to run and follow (`holo dev --run`): its arguments
    /// and memory limit.
    pub live: Option<(Vec<std::ffi::OsString>, Option<u64>)>,
}

enum Msg<M> {
    Fs(notify::Result<notify::Event>),
    Call(Call, UnixStream),
    Live(LiveMsg),
    Interrupt,
    /// A message of the front-end served beside the socket (the editor's, for `holo lsp`).
    Front(M),
    /// The front-end's input ended (the editor went away): the loop stops.
    FrontClosed,
}

/// A front-end served by the loop beside the socket and the watcher (`holo lsp`): its messages
/// are applied on the loop's thread, in order with file events and socket requests, so that
/// one host serves everyone.
pub trait FrontEnd {
    type Message: Send + 'static;
    /// Starts reading the front-end's input (on its own thread), handing each message over
    /// through `sender`.
    fn start(&mut self, sender: FrontSender<Self::Message>);
    /// Handles one message. Returns whether the loop should stop. `cancel` is set when a
    /// newer message makes a long computation (a test run) obsolete.
    fn message(
        &mut self,
        host: &mut ProjectHost,
        message: Self::Message,
        cancel: &Arc<AtomicBool>,
    ) -> bool;
    /// Files changed on disk (and were applied).
    fn disk_changed(&mut self, host: &mut ProjectHost);
    /// Nothing is queued any more: the moment to publish what the messages so far changed
    /// (rapid changes coalesce into one answer). `cancel` is set when a newer message
    /// arrives meanwhile.
    fn settle(&mut self, host: &mut ProjectHost, cancel: &Arc<AtomicBool>);
    /// A socket request is about to be answered: its answer is for the files as saved.
    fn set_aside(&mut self, host: &mut ProjectHost);
    /// The socket request was answered: the front-end's own state comes back.
    fn restore(&mut self, host: &mut ProjectHost);
}

/// The loop without a front-end (the daemon, `holo dev`, the watch loops).
pub enum NoFront {}

impl FrontEnd for NoFront {
    type Message = ();
    fn start(&mut self, _: FrontSender<()>) {
        match *self {}
    }
    fn message(&mut self, _: &mut ProjectHost, _: (), _: &Arc<AtomicBool>) -> bool {
        match *self {}
    }
    fn disk_changed(&mut self, _: &mut ProjectHost) {
        match *self {}
    }
    fn settle(&mut self, _: &mut ProjectHost, _: &Arc<AtomicBool>) {
        match *self {}
    }
    fn set_aside(&mut self, _: &mut ProjectHost) {
        match *self {}
    }
    fn restore(&mut self, _: &mut ProjectHost) {
        match *self {}
    }
}

/// How a front-end's input thread hands its messages to the loop.
pub struct FrontSender<M> {
    tx: mpsc::Sender<Msg<M>>,
    obsolete: Arc<AtomicBool>,
}

impl<M> FrontSender<M> {
    /// Hands `message` over; `false` when the loop has ended.
    pub fn send(&self, message: M) -> bool {
        self.tx.send(Msg::Front(message)).is_ok()
    }

    /// Stops the computation under way (a test run): a newer message makes it obsolete.
    pub fn make_obsolete(&self) {
        self.obsolete.store(true, Ordering::SeqCst);
    }

    /// The input ended: the loop stops.
    pub fn closed(&self) {
        let _ = self.tx.send(Msg::FrontClosed);
    }
}

/// Runs the loop until Ctrl+C, a `stop` request or the idle time.
pub fn serve(
    shell: &mut Shell,
    location: PackageLocation,
    options: Options,
) -> Result<ExitCode, CliError> {
    serve_with::<NoFront>(shell, location, options, None)
}

/// Runs the loop with a front-end beside the socket, until the front-end says stop or its
/// input ends (or Ctrl+C, a `stop` request, the idle time).
pub fn serve_with<F: FrontEnd>(
    shell: &mut Shell,
    location: PackageLocation,
    options: Options,
    mut front: Option<F>,
) -> Result<ExitCode, CliError> {
    let (tx, rx) = mpsc::channel::<Msg<F::Message>>();
    if options.foreground.is_some() {
        let interrupt = tx.clone();
        crate::interrupt::on_interrupt(move || {
            let _ = interrupt.send(Msg::Interrupt);
        })
        .map_err(|e| CliError::new(format!("cannot install the Ctrl+C handler: {e}")))?;
    }
    let mut socket = if options.socket {
        Some(Socket::bind(&location, tx.clone())?)
    } else {
        None
    };
    // Watch before the first scan, so that nothing changed between the scan and the watch
    // goes unseen. A change to the sources also cancels a foreground cycle under way: its
    // answer is obsolete (the next cycle starts at once).
    let fs = tx.clone();
    let cancel = Arc::new(AtomicBool::new(false));
    let obsolete = cancel.clone();
    let (src, manifest) = (location.root.join("src"), location.manifest_path.clone());
    let mut watcher = PackageWatcher::new(&location.root, move |event| {
        if let Ok(e) = &event
            && !matches!(e.kind, notify::EventKind::Access(_))
            && e.paths
                .iter()
                .any(|p| p.starts_with(&src) || *p == manifest)
        {
            obsolete.store(true, Ordering::SeqCst);
        }
        let _ = fs.send(Msg::Fs(event));
    })?;
    let started = Instant::now();
    let mut host = ProjectHost::open_resident(location.clone());
    watcher.watch_dependencies(host.session().path_dependency_dirs());
    if let Some(front) = &mut front {
        front.start(FrontSender {
            tx: tx.clone(),
            obsolete: cancel.clone(),
        });
    }
    let mut live = match &options.live {
        Some((args, memory)) => {
            let live_tx = std::sync::Mutex::new(tx.clone());
            let notify: crate::live::Notify = Arc::new(move |m| {
                let _ = live_tx
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .send(Msg::Live(m));
            });
            Some(Live::new(&location, args.clone(), *memory, notify, false)?)
        }
        None => None,
    };
    let mut state = Loop {
        started,
        requests: 0,
        last_request: Instant::now(),
        touched: Touched::default(),
        backlog: VecDeque::new(),
        seen_markers: VecDeque::new(),
        rerun: false,
        subscribers: Vec::new(),
        stop: false,
        foreground: options.foreground.is_some() || front.is_some(),
    };
    match &options.foreground {
        Some((cycle, format)) => {
            state.rerun = run_cycle(shell, &mut host, cycle, *format, None, &cancel);
            if let Some(live) = &mut live {
                live.first(shell, &mut host, *format);
            }
            shell.progress("watching for changes…");
        }
        None if front.is_some() => {}
        None => {
            // Work done before anyone asks: the first request finds the package checked and
            // lowered.
            if host.check(&mut Vec::new(), Instant::now()) == 0 {
                let _ = host.compile(
                    &mut Vec::new(),
                    crate::host::events::CommandKind::Build,
                    Instant::now(),
                );
            }
        }
    }
    if options.socket {
        shell.status(
            "Serving",
            format!(
                "{} (pid {}) on {}",
                location.root.display(),
                std::process::id(),
                super::socket_path(&location).display()
            ),
        );
    }
    if let Some(front) = &mut front {
        front.settle(&mut host, &cancel);
    }
    while !state.stop {
        let message = match state.backlog.pop_front() {
            Some(message) => message,
            None => {
                let wait = match options.idle {
                    Some(idle) => match idle.checked_sub(state.last_request.elapsed()) {
                        Some(left) => left,
                        None => {
                            shell.status("Stopping", "idle time reached");
                            break;
                        }
                    },
                    None => Duration::from_secs(3600),
                };
                match rx.recv_timeout(wait.min(SOCKET_CHECK)) {
                    Ok(message) => message,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if socket.as_ref().is_some_and(|s| !s.still_ours()) {
                            // `target/` was removed (or another daemon took over): no client
                            // can reach this one any more. A front-end (the editor) still
                            // can: it goes on without the socket.
                            if front.is_some() {
                                tracing::warn!("the socket was removed; serving the editor only");
                                socket = None;
                                continue;
                            }
                            shell.status("Stopping", "its socket was removed");
                            break;
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
        };
        match message {
            Msg::Interrupt | Msg::FrontClosed => break,
            Msg::Front(message) => {
                let Some(front) = &mut front else { continue };
                cancel.store(false, Ordering::SeqCst);
                if front.message(&mut host, message, &cancel) {
                    break;
                }
                if state.quiet(&rx) {
                    front.settle(&mut host, &cancel);
                }
            }
            Msg::Live(m) => {
                if let Some(live) = &mut live {
                    live.handle(shell, m);
                }
            }
            Msg::Fs(event) => {
                let save = Instant::now();
                state.touched.add(&location.root, host.session(), event);
                state.coalesce(&rx, &location, &host);
                cancel.store(false, Ordering::SeqCst);
                let changed = state.apply(&mut host, &mut watcher, shell);
                if changed && let (Some(live), Some((_, format))) = (&mut live, &options.foreground)
                {
                    // The program first: the new code runs while the tests do.
                    live.saved(shell, &mut host, *format, save);
                }
                if changed || state.rerun {
                    state.rerun = false;
                    if let Some((cycle, format)) = &options.foreground {
                        state.rerun |=
                            run_cycle(shell, &mut host, cycle, *format, Some(save), &cancel);
                    }
                    if !state.subscribers.is_empty() {
                        front.iter_mut().for_each(|f| f.set_aside(&mut host));
                        state.rerun |= state.follow(&mut host, Some(save), &cancel);
                        front.iter_mut().for_each(|f| f.restore(&mut host));
                    }
                }
                if let Some(front) = &mut front {
                    if changed {
                        front.disk_changed(&mut host);
                    }
                    if state.quiet(&rx) {
                        front.settle(&mut host, &cancel);
                    }
                }
            }
            Msg::Call(call, stream) => {
                state.sync(&rx, &location, &host, call.sync.as_deref());
                cancel.store(false, Ordering::SeqCst);
                let changed = state.apply(&mut host, &mut watcher, shell);
                // Terminal commands answer for the files as saved, not the editor's buffers.
                front.iter_mut().for_each(|f| f.set_aside(&mut host));
                if let Request::Watch(cycle) = call.request {
                    state.subscribe(&mut host, cycle, stream, &cancel);
                } else {
                    state.answer(&mut host, call, stream);
                }
                if changed || state.rerun {
                    state.rerun = false;
                    if let Some((cycle, format)) = &options.foreground {
                        state.rerun |= run_cycle(shell, &mut host, cycle, *format, None, &cancel);
                    }
                    state.rerun |= state.follow(&mut host, None, &cancel);
                }
                if state.stop && front.is_some() {
                    // `holo daemon stop` (or `holo clean`) asked: the editor's server stops
                    // serving the terminal, not the editor.
                    tracing::info!("asked to stop; serving the editor only");
                    socket = None;
                    state.stop = false;
                }
                if let Some(front) = &mut front {
                    front.restore(&mut host);
                    if changed {
                        front.disk_changed(&mut host);
                    }
                    if state.quiet(&rx) {
                        front.settle(&mut host, &cancel);
                    }
                }
            }
        }
    }
    if let Some(live) = live {
        live.stop(shell);
    }
    host.close_stores();
    Ok(ExitCode::SUCCESS)
}

/// One cycle in the foreground: check, or check and run the affected tests, printed. A change
/// saved meanwhile cancels its test run (`cancel`); the loop then starts the next cycle.
/// Returns whether it was cancelled: the next cycle must run even if the event that cancelled
/// it changed nothing (a late event of the same save).
fn run_cycle(
    shell: &mut Shell,
    host: &mut ProjectHost,
    cycle: &Cycle,
    format: MessageFormat,
    save: Option<Instant>,
    cancel: &Arc<AtomicBool>,
) -> bool {
    let nocapture = matches!(cycle, Cycle::Test(t) if t.nocapture);
    let mut printer = Printer::new(shell, format, Style::Watch).nocapture(nocapture);
    cycle_into(host, cycle, save, cancel, &mut printer)
}

/// One cycle, its events to `out` (a printer, or a subscriber's socket); returns whether it
/// was cancelled.
fn cycle_into(
    host: &mut ProjectHost,
    cycle: &Cycle,
    save: Option<Instant>,
    cancel: &Arc<AtomicBool>,
    out: &mut dyn Reporter,
) -> bool {
    // The flag is cleared where changes are applied (`Loop::apply`), not here: a change that
    // arrived before this cycle but is not applied yet makes it obsolete already.
    host.set_cancel(Some(cancel.clone()));
    // A cycle started by a save runs its time from the save, and its summary says so.
    let start = save.unwrap_or_else(Instant::now);
    let mut out = MarkSummary {
        out,
        after_save: save.is_some(),
    };
    let code = match cycle {
        Cycle::Check => host.check(&mut out, start),
        Cycle::Test(request) => host.test(request, &mut out, start),
    };
    host.set_cancel(None);
    code == crate::host::test::CANCELLED_EXIT
}

/// Marks the summaries passing through as those of a cycle started by a save.
struct MarkSummary<'a> {
    out: &'a mut dyn Reporter,
    after_save: bool,
}

impl Reporter for MarkSummary<'_> {
    fn emit(&mut self, mut event: Event) {
        if let Event::Summary(summary) = &mut event {
            summary.after_save = self.after_save;
        }
        self.out.emit(event);
    }
}

/// A client following the package (`Request::Watch`).
struct Subscriber {
    cycle: Cycle,
    out: SocketReporter,
}

struct Loop<M> {
    started: Instant,
    requests: u64,
    last_request: Instant,
    /// File events not applied yet.
    touched: Touched,
    /// Messages that arrived while the loop waited for something else, in order.
    backlog: VecDeque<Msg<M>>,
    /// Sync markers seen before their request was taken (the file event can come first).
    /// Bounded: a marker whose request never comes is dropped after a while.
    seen_markers: VecDeque<String>,
    /// The last foreground cycle was cancelled: the next one runs whatever the next change is.
    rerun: bool,
    /// Clients following the package, each with the cycle it asked for.
    subscribers: Vec<Subscriber>,
    stop: bool,
    /// Serves someone in the foreground (see [`DaemonStatus::foreground`]).
    foreground: bool,
}

impl<M> Loop<M> {
    /// Whether nothing is waiting: the backlog is empty and so is the channel (what arrived
    /// meanwhile joins the backlog).
    fn quiet(&mut self, rx: &mpsc::Receiver<Msg<M>>) -> bool {
        while let Ok(message) = rx.try_recv() {
            self.backlog.push_back(message);
        }
        self.backlog.is_empty()
    }

    /// Takes the rest of a burst of file events: whatever arrives within [`COALESCE`] of the
    /// last one.
    fn coalesce(
        &mut self,
        rx: &mpsc::Receiver<Msg<M>>,
        location: &PackageLocation,
        host: &ProjectHost,
    ) {
        let deadline = Instant::now() + Duration::from_millis(50);
        while Instant::now() < deadline {
            match rx.recv_timeout(COALESCE) {
                Ok(Msg::Fs(event)) => self.touched.add(&location.root, host.session(), event),
                Ok(Msg::Interrupt) => {
                    self.stop = true;
                    return;
                }
                Ok(other) => self.backlog.push_back(other),
                Err(_) => return,
            }
        }
    }

    /// Waits until the event of sync marker `marker` has arrived (every save before the
    /// request is then known), or re-reads everything when there is no marker or it does not
    /// come.
    fn sync(
        &mut self,
        rx: &mpsc::Receiver<Msg<M>>,
        location: &PackageLocation,
        host: &ProjectHost,
        marker: Option<&str>,
    ) {
        let Some(marker) = marker else {
            self.touched.src_root = true;
            self.touched.manifest = true;
            return;
        };
        let deadline = Instant::now() + SYNC_WAIT;
        while !self.touched.markers.contains(marker)
            && !self.seen_markers.iter().any(|m| m == marker)
        {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                tracing::warn!(
                    marker,
                    "the sync marker did not arrive; re-reading everything"
                );
                self.touched.src_root = true;
                self.touched.manifest = true;
                break;
            };
            match rx.recv_timeout(left) {
                Ok(Msg::Fs(event)) => self.touched.add(&location.root, host.session(), event),
                Ok(Msg::Interrupt) => self.stop = true,
                Ok(other) => self.backlog.push_back(other),
                Err(_) => {}
            }
        }
        self.seen_markers.retain(|m| m != marker);
        // The client removes its marker; this only tidies up after a client that died.
        let _ = std::fs::remove_file(location.root.join(marker));
    }

    /// Applies the file events taken so far. Returns whether the package changed.
    fn apply(
        &mut self,
        host: &mut ProjectHost,
        watcher: &mut PackageWatcher,
        shell: &mut Shell,
    ) -> bool {
        let mut touched = std::mem::take(&mut self.touched);
        for marker in std::mem::take(&mut touched.markers) {
            if self.seen_markers.len() >= 64 {
                self.seen_markers.pop_front();
            }
            self.seen_markers.push_back(marker);
        }
        if touched.src_root
            && let Err(e) = watcher.watch_src()
        {
            shell.warn(format!("{}; changes in it may be missed", e.message));
        }
        let changes = touched.changes();
        if changes.is_empty() {
            return false;
        }
        let start = Instant::now();
        let changed = host.apply_changes(&changes);
        // The manifest or the lock may have added or removed path dependencies.
        watcher.watch_dependencies(host.session().path_dependency_dirs());
        tracing::debug!(elapsed = ?start.elapsed(), ?changes, changed, "applied the changes");
        changed
    }

    /// A client that follows the package: its first cycle now, the next after every change.
    fn subscribe(
        &mut self,
        host: &mut ProjectHost,
        cycle: Cycle,
        stream: UnixStream,
        cancel: &Arc<AtomicBool>,
    ) {
        self.requests += 1;
        self.last_request = Instant::now();
        let mut subscriber = Subscriber {
            cycle,
            out: SocketReporter::new(stream),
        };
        self.rerun |= cycle_into(host, &subscriber.cycle, None, cancel, &mut subscriber.out);
        if !subscriber.out.broken {
            self.subscribers.push(subscriber);
        }
    }

    /// Runs every subscriber's cycle after a change; forgets those that hung up. Returns
    /// whether a cycle was cancelled.
    fn follow(
        &mut self,
        host: &mut ProjectHost,
        save: Option<Instant>,
        cancel: &Arc<AtomicBool>,
    ) -> bool {
        let mut cancelled = false;
        for subscriber in &mut self.subscribers {
            cancelled |= cycle_into(host, &subscriber.cycle, save, cancel, &mut subscriber.out);
        }
        self.subscribers.retain(|s| !s.out.broken);
        if !self.subscribers.is_empty() {
            // Followed, the daemon is in use.
            self.last_request = Instant::now();
        }
        cancelled
    }

    /// Answers one request on its connection.
    fn answer(&mut self, host: &mut ProjectHost, call: Call, stream: UnixStream) {
        self.requests += 1;
        self.last_request = Instant::now();
        let start = Instant::now();
        let mut out = SocketReporter::new(stream);
        let what = format!("{:?}", call.request);
        let command = call.request.command();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.compute(host, call.request, &mut out, start)
        }));
        let exit_code = match outcome {
            Ok(code) => code,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_string());
                let err = CliError::internal(format!(
                    "internal error while answering `{what}`: {message}"
                ));
                let package = host.session().package_name();
                match command {
                    // Like every answer, it ends with the command's summary (unless that went
                    // out before the fault).
                    Some(command) if !out.summarized => {
                        crate::host::project::fatal(&mut out, command, &package, &err, start);
                    }
                    _ => out.emit(Event::Error(crate::host::events::ErrorEvent::new(&err))),
                }
                // The state may be half-updated: start again from the disk, keeping what the
                // resident host had chosen (warm workers).
                let location = host.session().location();
                *host = ProjectHost::open_resident(location);
                EXIT_RUNTIME
            }
        };
        out.reply(&Reply::Done { exit_code });
        tracing::info!(request = %what, exit_code, elapsed = ?start.elapsed(), requests = self.requests, "answered");
    }

    fn compute(
        &mut self,
        host: &mut ProjectHost,
        request: Request,
        out: &mut SocketReporter,
        start: Instant,
    ) -> u8 {
        // A test-only switch: a fault inside the computation of a `check`, to test that the
        // daemon contains it (`tests/cli/daemon.rs`).
        if matches!(request, Request::Check)
            && std::env::var_os("HOLO_TEST_PANIC_IN_CHECK").is_some_and(|v| v == "1")
        {
            panic!("injected by HOLO_TEST_PANIC_IN_CHECK");
        }
        // A path dependency's sources are not watched: look at them before every answer (the
        // package cache's versions are not re-read), so that no answer is stale.
        host.apply_changes(&[crate::host::changes::ChangeEvent::Dependencies]);
        match request {
            Request::Check => host.check(out, start),
            Request::Build => host.build(out, start),
            Request::Test(request) => host.test(&request, out, start),
            Request::Run => match host.prepare_run(out, start) {
                Ok(mut prepared) => {
                    let path = crate::host::store::holo_target_dir(host.root()).join(format!(
                        "run-{}-{}.program",
                        std::process::id(),
                        self.requests
                    ));
                    match std::fs::write(&path, &prepared.program) {
                        Ok(()) => out.reply(&Reply::Program {
                            name: prepared.name.clone(),
                            path,
                        }),
                        Err(e) => {
                            let err = CliError::new(format!(
                                "could not hand the program over in `{}`: {e}",
                                path.display()
                            ));
                            out.emit(Event::Error(crate::host::events::ErrorEvent::new(&err)));
                            return EXIT_RUNTIME;
                        }
                    }
                    prepared.save_results();
                    0
                }
                Err(code) => code,
            },
            Request::Status => {
                let pool = host.pool_stats().unwrap_or_default();
                out.reply(&Reply::Status(DaemonStatus {
                    pid: std::process::id(),
                    uptime_ms: self.started.elapsed().as_millis() as u64,
                    requests: self.requests,
                    rss_bytes: super::protocol::rss_bytes(),
                    workers_started: pool.workers_started,
                    patches: pool.patches,
                    functions_patched: pool.functions_patched,
                    build_id: crate::host::store::build_id().to_string(),
                    root: host.root().display().to_string(),
                    foreground: self.foreground,
                }));
                0
            }
            Request::Stop => {
                self.stop = true;
                0
            }
            // Taken by the main loop before it gets here.
            Request::Watch(_) => 0,
        }
    }
}

/// Streams events to a client. A client that went away stops the stream, not the work: the
/// results are still recorded for the next request.
struct SocketReporter {
    stream: UnixStream,
    broken: bool,
    /// Whether the summary went out.
    summarized: bool,
}

impl SocketReporter {
    fn new(stream: UnixStream) -> SocketReporter {
        SocketReporter {
            stream,
            broken: false,
            summarized: false,
        }
    }

    fn reply(&mut self, reply: &Reply) {
        if !self.broken && send(&mut self.stream, reply).is_err() {
            tracing::debug!("the client went away");
            self.broken = true;
        }
    }
}

impl Reporter for SocketReporter {
    fn emit(&mut self, mut event: Event) {
        if let Event::Summary(summary) = &mut event {
            summary.served_by = ServedBy::Daemon;
            self.summarized = true;
        }
        self.reply(&Reply::Event(event));
    }
}

/// The daemon's socket and the lock that makes it the package's only daemon. Dropped, it
/// removes the socket and releases the lock.
struct Socket {
    path: std::path::PathBuf,
    _lock: std::fs::File,
    /// The socket file's identity (device, inode), to tell it from one that replaced it.
    identity: Option<(u64, u64)>,
}

impl Socket {
    fn bind<M: Send + 'static>(
        location: &PackageLocation,
        tx: mpsc::Sender<Msg<M>>,
    ) -> Result<Socket, CliError> {
        let dir = crate::host::store::holo_target_dir(&location.root);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::new(format!("cannot create `{}`: {e}", dir.display())))?;
        let lock_path = super::lock_path(location);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| CliError::new(format!("cannot open `{}`: {e}", lock_path.display())))?;
        {
            use std::os::fd::AsRawFd;
            // A daemon that was just asked to stop may still hold the lock for a moment (it
            // closes its stores first): wait a little before deciding another one serves.
            let deadline = Instant::now() + Duration::from_secs(3);
            let locked = loop {
                // SAFETY: flock on a file descriptor we own.
                let locked =
                    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
                if locked == 0 || Instant::now() > deadline {
                    break locked;
                }
                std::thread::sleep(Duration::from_millis(20));
            };
            if locked != 0 {
                return Err(
                    CliError::new("a daemon already serves this package".to_string()).with_hint(
                        "See it with `holo daemon status`, or stop it with `holo daemon stop`.",
                    ),
                );
            }
        }
        let path = super::socket_path(location);
        // Holding the lock, no live daemon owns a socket here: it is one a killed daemon left.
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)
            .map_err(|e| CliError::new(format!("cannot listen on `{}`: {e}", path.display())))?;
        std::thread::Builder::new()
            .name("holo-daemon-accept".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let tx = tx.clone();
                    let _ = std::thread::Builder::new()
                        .name("holo-daemon-client".into())
                        .spawn(move || greet(stream, &tx));
                }
            })
            .map_err(|e| CliError::new(format!("cannot start the daemon's thread: {e}")))?;
        let identity = file_identity(&path);
        Ok(Socket {
            path,
            _lock: lock,
            identity,
        })
    }

    /// Whether the socket file is still the one this daemon listens on.
    fn still_ours(&self) -> bool {
        file_identity(&self.path).is_some_and(|id| Some(id) == self.identity)
    }
}

fn file_identity(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Only its own: a socket that replaced it belongs to another daemon.
        if self.still_ours() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The handshake and the request of one connection; the request goes to the main loop.
fn greet<M>(stream: UnixStream, tx: &mpsc::Sender<Msg<M>>) {
    // A client that connects and says nothing must not hold a thread forever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Ok(Some(client)) = receive::<Hello>(&mut reader) else {
        return;
    };
    let mine = Hello::mine();
    if send(&mut writer, &mine).is_err() {
        return;
    }
    let Ok(Some(call)) = receive::<Call>(&mut reader) else {
        return;
    };
    if !client.same_build(&mine) && !matches!(call.request, Request::Stop | Request::Status) {
        let _ = send(
            &mut writer,
            &Reply::Refused {
                message: format!(
                    "this daemon is build {}, the client build {}",
                    mine.build_id, client.build_id
                ),
            },
        );
        return;
    }
    let _ = writer.set_read_timeout(None);
    let _ = tx.send(Msg::Call(call, writer));
}
