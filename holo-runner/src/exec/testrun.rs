//! Running a test suite in parallel worker processes: scheduling, time limits, crash
//! containment, replacing dead workers, and reporting in a deterministic order.
//!
//! Each of N slots owns at most one worker process and runs tests in it one at a time, reusing
//! the worker (and the code it compiled) from test to test. Tests are dealt out in contiguous
//! runs of the suite's order, so that a worker runs neighbouring tests, which tend to reach the
//! same code and so compile less; a slot whose run is done takes tests from the end of the
//! longest remaining run. A test that outlives its time limit is stopped by killing its worker;
//! a worker that dies takes only its current test with it. Either way the slot starts a new
//! worker for its next test.
//!
//! Results are reported in the order of the `tests` given, whatever order they finish in: each
//! result is passed on as soon as every test before it has been reported.

use super::process::{Received, START_TIMEOUT, WorkerCommand, WorkerProcess};
use super::protocol::{Failure, LoadOptions, Request, Response, encode_frame};
use crate::jit::Tier;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

/// A test to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestSpec {
    /// The name users see: `geometry::area_of_unit_square`.
    pub name: String,
    /// The test function.
    pub func: u32,
    /// Where it is declared: file relative to the package root, 1-based line.
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct TestOptions {
    /// How many tests run at the same time (each in its own worker process).
    pub jobs: usize,
    /// How long one test may run, not counting the compilation of its code.
    pub timeout: Duration,
    /// How to start a worker.
    pub worker: WorkerCommand,
    /// How many bytes of a test's output are kept; the rest is counted, not kept.
    pub output_limit: usize,
    /// How much memory (resident, in bytes) a worker may use while it runs a test; a test
    /// whose worker grows beyond it is stopped and reported as crashed. `None`: no limit.
    /// See [`default_memory_limit`].
    pub memory_limit: Option<u64>,
    /// Set from another thread to stop the run: no further test starts, a running one is
    /// stopped (and not reported), and the run ends with the error [`CANCELLED`] after the
    /// results of the tests that finished were reported (a newer save made it obsolete, or
    /// Ctrl+C).
    pub cancel: Option<std::sync::Arc<AtomicBool>>,
    /// Worker processes launched ahead (see [`SpareWorkers`]): a run takes these before it
    /// starts new ones.
    pub spares: SpareWorkers,
}

/// Worker processes launched before the tests to run are known — while the package is checked
/// and lowered — so that their start-up overlaps that work. A run takes them as it needs
/// workers; the ones left when it ends are stopped.
#[derive(Clone, Default)]
pub struct SpareWorkers(std::sync::Arc<std::sync::Mutex<Vec<WorkerProcess>>>);

impl std::fmt::Debug for SpareWorkers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.0.lock().map(|w| w.len()).unwrap_or(0);
        write!(f, "SpareWorkers({count})")
    }
}

impl SpareWorkers {
    /// Launches `count` workers with `command`, without waiting for them to be ready. A worker
    /// that cannot be launched is left out (the run starts its own and reports the problem).
    pub fn launch(command: &WorkerCommand, count: usize) -> SpareWorkers {
        let workers = (0..count)
            .filter_map(|_| WorkerProcess::launch(command).ok())
            .collect();
        SpareWorkers(std::sync::Arc::new(std::sync::Mutex::new(workers)))
    }

    fn take(&self) -> Option<WorkerProcess> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Stops the workers no run took.
    pub fn stop(&self) {
        let left: Vec<WorkerProcess> =
            std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for mut worker in left {
            worker.kill();
        }
    }
}

/// The code quality tests are compiled to: [`Tier::Baseline`]. A suite is mostly many small
/// functions that each run once, so compiling them fast matters more than how fast they run
/// (as `cargo test` builds the debug profile). On the generated 100k-line workload this halves
/// the time workers spend compiling.
pub const TEST_TIER: Tier = Tier::Baseline;

/// How often the memory of a worker running a test is looked at.
const MEMORY_POLL: Duration = Duration::from_millis(50);

/// The memory limit per worker when running `jobs` tests at a time: half of the machine's
/// memory shared among the workers, at least 1 GiB, so that a test that allocates without end
/// is stopped long before the machine starts swapping or killing processes. `None` where the
/// machine's memory cannot be read (only Linux's `/proc/meminfo` is read).
pub fn default_memory_limit(jobs: usize) -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let total_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    let share = total_kib * 1024 / 2 / jobs.max(1) as u64;
    Some(share.max(1 << 30))
}

/// `1.5 GiB`, `300 MiB`.
pub fn describe_bytes(bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let b = bytes as f64;
    if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.0} MiB", b / MIB)
    }
}

/// How compiling the code a test reaches may take, beyond its time limit, before the test is
/// reported as timed out. Compilation normally takes milliseconds; this only catches a code
/// generator that hangs.
pub const COMPILE_GRACE: Duration = Duration::from_secs(60);

/// The default for [`TestOptions::output_limit`].
pub const DEFAULT_OUTPUT_LIMIT: usize = 16 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Passed,
    Failed,
    TimedOut,
    Crashed,
}

impl Outcome {
    /// The name in JSON events (PRODUCT.md §4).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed-out",
            Outcome::Crashed => "crashed",
        }
    }
}

/// The result of one test.
#[derive(Clone, Debug)]
pub struct TestResult {
    pub outcome: Outcome,
    /// How long the test ran (without compiling its code).
    pub duration: Duration,
    /// Why it did not pass: the runtime error, or what happened to its worker.
    pub failure: Option<Failure>,
    /// What it printed, up to [`TestOptions::output_limit`] bytes.
    pub output: Vec<u8>,
    /// How many more bytes it printed.
    pub output_dropped: u64,
}

/// What [`run_tests`] reports while it runs.
#[derive(Debug)]
pub enum TestEvent<'a> {
    /// Test `index` was handed to a worker, which compiles its code and runs it. Comes in any
    /// order.
    Started { index: usize },
    /// Test `index` has ended; its result follows in a [`TestEvent::Finished`] once every
    /// test before it has been reported. Comes in any order, as tests end.
    Ended { index: usize },
    /// Test `index` ended. Comes in index order.
    Finished {
        index: usize,
        result: &'a TestResult,
    },
}

/// Runs `tests` of the program encoded in `program` (see [`crate::exec::encode_program`]) and
/// returns their results, in the order of `tests`. Fails only when workers cannot be started
/// or cannot load the program; what tests do never makes it fail.
pub fn run_tests(
    program: &[u8],
    tests: &[TestSpec],
    options: &TestOptions,
    on_event: &mut dyn FnMut(TestEvent<'_>),
) -> Result<Vec<TestResult>, String> {
    let program = program.to_vec();
    let encode = move || Ok(program.clone());
    let mut workers = Vec::new();
    let started = std::sync::atomic::AtomicUsize::new(0);
    let results = run_with(&encode, tests, options, on_event, &mut workers, &started);
    for mut worker in workers {
        worker.kill();
    }
    options.spares.stop();
    results
}

/// Runs `tests` like [`run_tests`], on the already loaded `workers` first (they come back in
/// `workers` afterwards, those still usable); new workers are loaded with the program
/// `program` encodes (called at most once, and only when a new worker is needed).
pub(crate) fn run_with(
    program: &(dyn Fn() -> Result<Vec<u8>, String> + Sync),
    tests: &[TestSpec],
    options: &TestOptions,
    on_event: &mut dyn FnMut(TestEvent<'_>),
    workers: &mut Vec<WorkerProcess>,
    started: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<TestResult>, String> {
    if tests.is_empty() {
        return Ok(Vec::new());
    }
    let slots = options.jobs.clamp(1, tests.len());
    let load_frame = || -> Result<Vec<u8>, String> {
        encode_frame(&Request::Load {
            program: program()?,
            options: load_options(slots),
        })
        .map_err(|e| format!("cannot encode the program for the workers: {e}"))
    };
    let load = std::sync::OnceLock::new();
    let load = || {
        load.get_or_init(load_frame)
            .as_deref()
            .map_err(Clone::clone)
    };
    let queue = Queue::new(tests.len(), slots);
    let abort = AtomicBool::new(false);
    let (sender, events) = channel::<SlotEvent>();

    let mut results: Vec<Option<TestResult>> = vec![None; tests.len()];
    let mut reported = 0;
    let mut fatal: Option<String> = None;
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for slot in 0..slots {
            let sender = sender.clone();
            let (queue, abort, load) = (&queue, &abort, &load);
            let worker = workers.pop();
            let spawned = std::thread::Builder::new()
                .name(format!("holo-test-slot-{slot}"))
                .spawn_scoped(scope, move || {
                    let mut slot = Slot {
                        slot,
                        tests,
                        options,
                        load,
                        queue,
                        abort,
                        events: sender,
                        worker,
                        started,
                    };
                    slot.run();
                    slot.worker
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    abort.store(true, Ordering::SeqCst);
                    fatal = Some(format!("cannot start a thread to run tests: {e}"));
                    break;
                }
            }
        }
        drop(sender);
        for event in events {
            match event {
                SlotEvent::Started(index) => on_event(TestEvent::Started { index }),
                SlotEvent::Finished(index, result) => {
                    on_event(TestEvent::Ended { index });
                    results[index] = Some(result);
                    while let Some(Some(result)) = results.get(reported) {
                        on_event(TestEvent::Finished {
                            index: reported,
                            result,
                        });
                        reported += 1;
                    }
                }
                SlotEvent::Fatal(message) => {
                    abort.store(true, Ordering::SeqCst);
                    fatal.get_or_insert(message);
                }
            }
        }
        // Workers left idle beyond the slots stay in `workers`; those of the slots rejoin them.
        for handle in handles {
            if let Ok(Some(worker)) = handle.join() {
                workers.push(worker);
            }
        }
    });
    if options
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::SeqCst))
    {
        // Tests that finished before the cancel behind one still running were not reported
        // yet; they are valid results, which an interrupted command records.
        for (index, result) in results.iter().enumerate().skip(reported) {
            if let Some(result) = result {
                on_event(TestEvent::Finished { index, result });
            }
        }
        return Err(CANCELLED.to_string());
    }
    if let Some(message) = fatal {
        return Err(message);
    }
    let results: Option<Vec<TestResult>> = results.into_iter().collect();
    results.ok_or_else(|| "some tests were not run, for a reason holo did not record".to_string())
}

enum SlotEvent {
    Started(usize),
    Finished(usize, TestResult),
    /// Workers cannot be started or cannot load the program: the run stops.
    Fatal(String),
}

/// The tests still to run: one contiguous run of the suite per slot.
struct Queue {
    runs: Mutex<Vec<VecDeque<usize>>>,
}

impl Queue {
    fn new(tests: usize, slots: usize) -> Queue {
        let runs = (0..slots)
            .map(|slot| (tests * slot / slots..tests * (slot + 1) / slots).collect())
            .collect();
        Queue {
            runs: Mutex::new(runs),
        }
    }

    /// The next test for `slot`: the front of its own run, else the back of the longest other.
    fn next(&self, slot: usize) -> Option<usize> {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = runs[slot].pop_front() {
            return Some(index);
        }
        let longest = runs.iter_mut().max_by_key(|run| run.len())?;
        longest.pop_back()
    }
}

/// The error of a run stopped by [`TestOptions::cancel`].
pub const CANCELLED: &str = "the test run was cancelled";

/// How workers running `slots` tests side by side compile: each on its share of the cores
/// (with as many workers as cores, one thread each, which spares them rayon's pool of a thread
/// per core fighting over the same cores).
pub(crate) fn load_options(slots: usize) -> LoadOptions {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    LoadOptions {
        tier: TEST_TIER,
        threads: (cores / slots.max(1)).max(1) as u32,
    }
}

struct Slot<'a> {
    slot: usize,
    tests: &'a [TestSpec],
    options: &'a TestOptions,
    /// The `Load` frame, encoded once (when the first worker needs it) for every worker.
    load: &'a (dyn Fn() -> Result<&'a [u8], String> + Sync),
    queue: &'a Queue,
    abort: &'a AtomicBool,
    events: Sender<SlotEvent>,
    worker: Option<WorkerProcess>,
    /// Counts the workers this run started.
    started: &'a std::sync::atomic::AtomicUsize,
}

impl Slot<'_> {
    fn cancelled(&self) -> bool {
        self.options
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
    }

    fn run(&mut self) {
        while !self.abort.load(Ordering::SeqCst) && !self.cancelled() {
            let Some(index) = self.queue.next(self.slot) else {
                return;
            };
            // A worker that died while idle (killed from outside) is replaced before it is
            // given a test, so that no test is blamed for it.
            if self.worker.as_mut().is_some_and(|w| !w.is_running()) {
                self.worker = None;
            }
            if self.worker.is_none() {
                let started = (self.load)().and_then(|load| match self.options.spares.take() {
                    Some(mut spare) => {
                        spare.hello()?;
                        load_program(&mut spare, load)?;
                        Ok(spare)
                    }
                    None => start_worker(&self.options.worker, load),
                });
                match started {
                    Ok(worker) => {
                        self.started.fetch_add(1, Ordering::Relaxed);
                        self.worker = Some(worker);
                    }
                    Err(message) => {
                        let _ = self.events.send(SlotEvent::Fatal(message));
                        return;
                    }
                }
            }
            let result = self.run_one(index);
            // A test stopped by the cancel has no result: it did not fail, it was not let finish.
            if self.cancelled() {
                return;
            }
            if self
                .events
                .send(SlotEvent::Finished(index, result))
                .is_err()
            {
                return;
            }
        }
    }

    /// Runs test `index` in this slot's worker, which exists. Leaves `self.worker` empty if the
    /// worker had to be stopped or died.
    fn run_one(&mut self, index: usize) -> TestResult {
        let Some(mut worker) = self.worker.take() else {
            return Output::new(0).into_result(
                Outcome::Crashed,
                Duration::ZERO,
                Some(Failure::message("no worker process was available")),
            );
        };
        let (result, alive) = self.drive(&mut worker, index);
        if alive {
            self.worker = Some(worker);
        } else {
            worker.kill();
        }
        result
    }

    /// Runs test `index` in `worker`; returns its result and whether the worker can be reused.
    fn drive(&self, worker: &mut WorkerProcess, index: usize) -> (TestResult, bool) {
        let test = &self.tests[index];
        let job = index as u64;
        let timeout = self.options.timeout;
        let mut output = Output::new(self.options.output_limit);
        let mut started: Option<Instant> = None;
        let mut deadline = Instant::now() + timeout + COMPILE_GRACE;
        let _ = self.events.send(SlotEvent::Started(index));
        let mut pending = match worker.send(&Request::RunTest {
            job,
            func: test.func,
        }) {
            Ok(()) => None,
            // The worker is gone; `recv` says how it ended.
            Err(_) => Some(worker.recv(Instant::now() + Duration::from_secs(5))),
        };
        loop {
            let received = match pending.take() {
                Some(received) => received,
                None if self.options.memory_limit.is_none() && self.options.cancel.is_none() => {
                    worker.recv(deadline)
                }
                None => {
                    let wake = (Instant::now() + MEMORY_POLL).min(deadline);
                    match worker.recv(wake) {
                        Received::TimedOut if Instant::now() < deadline => {
                            if self.cancelled() {
                                Received::Died("was stopped: the run was cancelled".to_string())
                            } else {
                                match (self.options.memory_limit, worker.resident_bytes()) {
                                    (Some(limit), Some(used)) if used > limit => {
                                        Received::Died(format!(
                                            "used more than its memory limit of {} and was stopped",
                                            describe_bytes(limit)
                                        ))
                                    }
                                    _ => continue,
                                }
                            }
                        }
                        received => received,
                    }
                }
            };
            let ran = started.map(|s| s.elapsed()).unwrap_or(Duration::ZERO);
            let (outcome, failure) = match received {
                Received::Response(Response::Started { job: j }) if j == job => {
                    let now = Instant::now();
                    started = Some(now);
                    deadline = now + timeout;
                    continue;
                }
                Received::Response(Response::Output { job: j, bytes }) if j == job => {
                    output.push(&bytes);
                    continue;
                }
                Received::Response(Response::Finished {
                    job: j,
                    micros,
                    failure,
                }) if j == job => {
                    let outcome = if failure.is_some() {
                        Outcome::Failed
                    } else {
                        Outcome::Passed
                    };
                    let result =
                        output.into_result(outcome, Duration::from_micros(micros), failure);
                    return (result, true);
                }
                Received::Response(other) => (
                    Outcome::Crashed,
                    format!(
                        "the worker running the test answered out of turn ({other:?}) and was stopped"
                    ),
                ),
                Received::TimedOut => {
                    let message = match started {
                        Some(_) => format!(
                            "the test did not finish within its time limit of {} and was stopped",
                            describe_seconds(timeout)
                        ),
                        None => format!(
                            "compiling the test's code took longer than {} and was stopped",
                            describe_seconds(timeout + COMPILE_GRACE)
                        ),
                    };
                    (Outcome::TimedOut, message)
                }
                Received::Died(how) => (
                    Outcome::Crashed,
                    format!("the test crashed: the worker process running it {how}"),
                ),
            };
            let result = output.into_result(outcome, ran, Some(Failure::message(failure)));
            return (result, false);
        }
    }
}

/// Starts a worker and loads the program into it.
pub(crate) fn start_worker(command: &WorkerCommand, load: &[u8]) -> Result<WorkerProcess, String> {
    let mut worker = WorkerProcess::spawn(command)?;
    load_program(&mut worker, load)?;
    Ok(worker)
}

/// Sends the program (an encoded `Load` request) to a worker that said hello, and waits until it
/// is loaded.
pub(crate) fn load_program(worker: &mut WorkerProcess, load: &[u8]) -> Result<(), String> {
    worker
        .send_frame(load)
        .map_err(|e| format!("cannot send the program to a worker: {e}"))?;
    match worker.recv(Instant::now() + START_TIMEOUT) {
        Received::Response(Response::Loaded { .. }) => Ok(()),
        Received::Response(Response::Error { message }) => {
            Err(format!("a worker could not load the program: {message}"))
        }
        Received::Response(other) => {
            worker.kill();
            Err(format!(
                "a worker answered the program with {other:?} instead of loading it"
            ))
        }
        Received::TimedOut => {
            worker.kill();
            Err(format!(
                "a worker did not load the program within {} s",
                START_TIMEOUT.as_secs()
            ))
        }
        Received::Died(how) => Err(format!("a worker {how} while loading the program")),
    }
}

/// `10 s`, `1.5 s`, `0.25 s`.
pub fn describe_seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    let text = format!("{s:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} s")
}

/// A test's output as it arrives, kept up to a limit.
struct Output {
    kept: Vec<u8>,
    dropped: u64,
    limit: usize,
}

impl Output {
    fn new(limit: usize) -> Output {
        Output {
            kept: Vec::new(),
            dropped: 0,
            limit,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.kept.len());
        let keep = room.min(bytes.len());
        self.kept.extend_from_slice(&bytes[..keep]);
        self.dropped += (bytes.len() - keep) as u64;
    }

    fn into_result(
        self,
        outcome: Outcome,
        duration: Duration,
        failure: Option<Failure>,
    ) -> TestResult {
        TestResult {
            outcome,
            duration,
            failure,
            output: self.kept,
            output_dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_deals_contiguous_runs_then_steals_from_the_longest() {
        let queue = Queue::new(7, 3);
        // Runs: [0, 1], [2, 3], [4, 5, 6].
        assert_eq!(queue.next(0), Some(0));
        assert_eq!(queue.next(1), Some(2));
        assert_eq!(queue.next(2), Some(4));
        assert_eq!(queue.next(0), Some(1));
        // Slot 0's run is done: it takes the last test of the longest run, slot 2's.
        assert_eq!(queue.next(0), Some(6));
        // Runs [3] and [5] are equally long; the later one gives first.
        assert_eq!(queue.next(0), Some(5));
        assert_eq!(queue.next(0), Some(3));
        assert_eq!(queue.next(1), None);
        assert_eq!(queue.next(2), None);
    }

    #[test]
    fn output_is_kept_up_to_the_limit() {
        let mut out = Output::new(5);
        out.push(b"abc");
        out.push(b"defg");
        out.push(b"h");
        let result = out.into_result(Outcome::Passed, Duration::ZERO, None);
        assert_eq!(result.output, b"abcde");
        assert_eq!(result.output_dropped, 3);
    }

    #[test]
    fn memory_reads_naturally() {
        assert_eq!(describe_bytes(300 << 20), "300 MiB");
        assert_eq!(describe_bytes(3 << 29), "1.5 GiB");
        assert!(default_memory_limit(2).is_none_or(|l| l >= 1 << 30));
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(describe_seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(describe_seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(describe_seconds(Duration::from_millis(250)), "0.25 s");
    }
}
