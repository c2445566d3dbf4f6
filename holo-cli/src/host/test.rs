//! `test`: run the package's `#[test]` functions in parallel worker processes and report each
//! result in name order — everything, or with `affected` only the tests whose reach changed
//! since their recorded result (the others are reported from the record).

use crate::error::{CliError, EXIT_DIAGNOSTICS};
use crate::host::compile::{encode, self_command};
use crate::host::events::{
    CommandKind, Counts, Event, Reporter, SummaryEvent, TestEvent as JsonTestEvent,
};
use crate::host::package::PackageLocation;
use crate::host::project::{CompiledPackage, ProjectHost, fatal};
use crate::host::snapshot::{self, Snapshot, SnapshotResult, SnapshotTest};
use crate::render::plural;
use holo_compiler::testmap::TestReach;
use holo_db::{Key, Store, TestRecord};
use holo_runner::exec::testrun::{DEFAULT_OUTPUT_LIMIT, default_memory_limit};
use holo_runner::exec::{Outcome, SpareWorkers, TestEvent, TestOptions, TestResult, TestSpec};
use holo_runner::impact::{self, Reason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The time limit of one test when neither `--timeout` nor `holo.toml` gives one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to test and how (what `holo test` was asked, as a value the daemon can receive).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TestRequest {
    pub filter: Option<String>,
    pub exact: bool,
    pub timeout: Option<Duration>,
    pub jobs: Option<usize>,
    /// Give every test's output, not only that of the tests that did not pass.
    pub nocapture: bool,
    /// Run only the tests whose reach changed since their recorded result.
    pub affected: bool,
    /// Say why each test ran or not.
    pub explain: bool,
}

impl TestRequest {
    fn selects(&self, name: &str) -> bool {
        match &self.filter {
            None => true,
            Some(f) if self.exact => name == f,
            Some(f) => name.contains(f.as_str()),
        }
    }
}

/// A fresh process's `holo test`: with `affected`, the snapshot of the last clean run answers
/// when the sources are exactly its sources; else a host loads, checks and tests the package
/// (returned, so that the caller decides when to free it).
pub fn test_fresh(
    location: PackageLocation,
    request: &TestRequest,
    r: &mut dyn Reporter,
    start: Instant,
    interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> (u8, Option<ProjectHost>) {
    if request.affected
        && let Some(code) = answer_from_snapshot(&location, request, r, start)
    {
        return (code, None);
    }
    let mut host = ProjectHost::open(location);
    host.set_interrupt(interrupt);
    let code = host.test(request, r, start);
    (code, Some(host))
}

impl ProjectHost {
    /// `test`: compiles the package, then plans, runs, reports and records its tests.
    pub fn test(&mut self, request: &TestRequest, r: &mut dyn Reporter, start: Instant) -> u8 {
        // A command's own workers start now, while the package is checked and lowered (a
        // resident host has warm ones).
        let spares = match (&self.pool, self_command("__worker")) {
            (None, Ok(command)) => SpareWorkers::launch(&command, jobs(request).min(2)),
            _ => SpareWorkers::default(),
        };
        let mut package = match self.compile(r, CommandKind::Test, start) {
            Ok(package) => package,
            Err(stopped) => {
                spares.stop();
                return stopped.0;
            }
        };
        // The cache writes wait for the disk; the tests are planned and run meanwhile.
        let pending = std::mem::take(&mut package.pending);
        let shared = package.shared.clone();
        let state = self.project_state(r);
        let runner = Runner {
            pool: self.pool.as_mut(),
            cancel: self.cancel.clone().or_else(|| self.interrupt.clone()),
            interrupt: self.interrupt.clone(),
            state,
            reach: self.reach.as_mut(),
            spares: spares.clone(),
        };
        let code = std::thread::scope(|scope| {
            scope.spawn(|| pending.finish(shared.as_deref(), "holo test"));
            match test_package(r, request, &mut package, start, runner) {
                Ok(code) => code,
                Err(Stop::Cancelled) => CANCELLED_EXIT,
                Err(Stop::Failed(err)) => {
                    fatal(r, CommandKind::Test, &package.manifest.name, &err, start).0
                }
            }
        });
        spares.stop();
        self.leave_if_transient(&package);
        code
    }
}

/// How many tests run at once: `--jobs`, else one per core.
fn jobs(request: &TestRequest) -> usize {
    request.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    })
}

/// The exit code of an answer dropped because a newer change made it obsolete (as for Ctrl+C).
pub const CANCELLED_EXIT: u8 = 130;

/// Where the tests run.
struct Runner<'a> {
    /// Warm workers, patched to the new version; `None`: workers of this run only.
    pool: Option<&'a mut holo_runner::exec::WorkerPool>,
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Ctrl+C: when set, a cancelled run is an interrupted one, whose finished tests count.
    interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The project state, where results are recorded.
    state: Option<std::sync::Arc<Store>>,
    /// A resident host's reach of every test at its last run, by name (see
    /// `holo_compiler::testmap::test_reach_since`).
    reach: Option<&'a mut BTreeMap<String, std::sync::Arc<TestReach>>>,
    /// Workers launched while the package was compiled (a command's run).
    spares: SpareWorkers,
}

/// Why a test run stopped before its report.
enum Stop {
    /// A newer change made it obsolete: nothing was recorded, nothing more is reported.
    Cancelled,
    Failed(CliError),
}

impl From<CliError> for Stop {
    fn from(err: CliError) -> Stop {
        Stop::Failed(err)
    }
}

/// Plans, runs, reports and records the tests of a compiled package.
fn test_package(
    r: &mut dyn Reporter,
    options: &TestRequest,
    package: &mut CompiledPackage,
    start: Instant,
    runner: Runner<'_>,
) -> Result<u8, Stop> {
    let all = holo_runner::exec::test_specs(&package.program);
    let selected: Vec<TestSpec> = all
        .iter()
        .filter(|t| options.selects(&t.name))
        .cloned()
        .collect();
    let mut counts = Counts {
        filtered_out: all.len() - selected.len(),
        ..Counts::default()
    };
    let timeout = options
        .timeout
        .or(package.manifest.test.timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    let jobs = jobs(options);

    // Which tests must run, and what is already known about the others.
    let plan_start = Instant::now();
    let reach: Vec<std::sync::Arc<TestReach>> = match runner.reach {
        Some(previous) => {
            let reach = holo_compiler::testmap::test_reach_since(
                &package.program,
                &package.fingerprints,
                previous,
            );
            *previous = reach.iter().map(|r| (r.name.clone(), r.clone())).collect();
            reach
        }
        None => match &package.lazy {
            Some(lazy) => holo_compiler::testmap::test_reach_known(
                &package.program,
                &package.fingerprints,
                &lazy.facts,
            ),
            None => holo_compiler::testmap::test_reach(&package.program, &package.fingerprints),
        }
        .into_iter()
        .map(std::sync::Arc::new)
        .collect(),
    };
    tracing::debug!(elapsed = ?plan_start.elapsed(), "computed every test's reach");
    let reach: BTreeMap<&str, &TestReach> = reach.iter().map(|r| (r.name.as_str(), &**r)).collect();
    let build_id = crate::host::store::build_id();
    let state = runner.state;
    let stored: BTreeMap<String, TestRecord> = match &state {
        Some(state) => state.test_results().unwrap_or_else(|e| {
            r.emit(Event::Warning {
                message: format!(
                    "could not read the recorded test results: {e}; running every selected test"
                ),
            });
            BTreeMap::new()
        }),
        None => BTreeMap::new(),
    };
    let mut plans: Vec<Plan> = Vec::with_capacity(selected.len());
    for spec in &selected {
        let Some(test_reach) = reach.get(spec.name.as_str()).copied() else {
            return Err(Stop::Failed(CliError::internal(format!(
                "the test-to-code map has no entry for test `{}`",
                spec.name
            ))));
        };
        let key = reach_key(build_id, test_reach);
        let stored_results = &stored;
        let (reason, record) = if options.affected {
            let stored = stored
                .get(&spec.name)
                .map(|r| (&r.reach, r.recorded_at, r.data.as_slice()));
            match impact::decide(test_reach, &key, stored) {
                (Reason::NewTest, record) if stored_results.is_empty() => {
                    (Reason::NothingRecorded, record)
                }
                decided => decided,
            }
        } else {
            (Reason::NotAffectedMode, None)
        };
        plans.push(Plan {
            reach: test_reach,
            key,
            reason,
            record,
        });
    }
    // A result recorded under the same reach key anywhere — an earlier state of this project
    // (an edit undone), or another project — is as valid as this project's own.
    if options.affected
        && let Some(shared) = &package.shared
    {
        let wanted: Vec<usize> = (0..plans.len())
            .filter(|&i| plans[i].reason.runs() && !plans[i].reach.reads_environment)
            .collect();
        let keys: Vec<Key> = wanted
            .iter()
            .map(|&i| shared.result_key(SHARED_RESULT_KIND, &[&plans[i].key]))
            .collect();
        if let Ok(found) = shared.get_many(&keys) {
            for (&i, bytes) in wanted.iter().zip(found) {
                if let Some((recorded_at, record)) = bytes
                    .and_then(|b| postcard::from_bytes::<(u64, impact::RecordedResult)>(&b).ok())
                {
                    plans[i].reason = Reason::Cached { recorded_at };
                    plans[i].record = Some(record);
                }
            }
        }
    }
    let to_run: Vec<usize> = (0..selected.len())
        .filter(|&i| plans[i].reason.runs())
        .collect();
    tracing::debug!(elapsed = ?plan_start.elapsed(), "planned the tests");
    if package.lazy.is_some() {
        hydrate_needed(package, &plans, &to_run, &stored)?;
    }
    let package = &*package;
    let mut run_specs: Vec<TestSpec> = to_run.iter().map(|&i| selected[i].clone()).collect();
    let cached = selected.len() - to_run.len();
    let mut status = plural(to_run.len(), "test");
    if cached > 0 {
        status.push_str(&format!(", {cached} from recorded results"));
    }
    if counts.filtered_out > 0 {
        status.push_str(&format!(" ({} filtered out)", counts.filtered_out));
    }
    r.emit(Event::Status {
        verb: "Running".into(),
        message: status,
    });

    // Results in the order of `selected`: recorded ones now, the others as they finish.
    let mut results: Vec<Option<TestResult>> = plans
        .iter()
        .map(|p| {
            p.record
                .as_ref()
                .map(|r| impact::replay(&package.program, r))
        })
        .collect();
    let mut reported = 0;
    let mut report_ready =
        |r: &mut dyn Reporter, results: &[Option<TestResult>], counts: &mut Counts| {
            while let Some(Some(result)) = results.get(reported) {
                let index = reported;
                reported += 1;
                let plan = &plans[index];
                let from_record = !plan.reason.runs();
                if from_record {
                    counts.add_cached(result.outcome);
                } else {
                    counts.add(result.outcome);
                }
                r.emit(Event::Test(test_event(
                    options,
                    &selected[index],
                    result,
                    from_record,
                    &plan.reason.describe(),
                )));
            }
        };
    report_ready(r, &results, &mut counts);

    let mut interrupted = false;
    let ran = if run_specs.is_empty() {
        Vec::new()
    } else {
        let run_options = TestOptions {
            jobs,
            timeout,
            worker: self_command("__worker")?,
            output_limit: DEFAULT_OUTPUT_LIMIT,
            memory_limit: default_memory_limit(jobs),
            cancel: runner.cancel.clone(),
            spares: runner.spares.clone(),
        };
        // Fresh workers get only what the tests to run can reach; warm ones hold the whole
        // program and get only what changed.
        let encoded = if runner.pool.is_none() {
            let roots: Vec<u32> = run_specs.iter().map(|s| s.func).collect();
            let (part, part_roots) =
                holo_compiler::testmap::reachable_part(&package.program, &roots);
            for (spec, func) in run_specs.iter_mut().zip(part_roots) {
                spec.func = func;
            }
            encode(&part)?
        } else {
            Vec::new()
        };
        r.emit(Event::TestsStarting {
            count: run_specs.len(),
        });
        let mut on_event = |event: TestEvent<'_>| match event {
            TestEvent::Started { index } => r.emit(Event::TestStarted {
                name: run_specs[index].name.clone(),
            }),
            TestEvent::Ended { index } => r.emit(Event::TestEnded {
                name: run_specs[index].name.clone(),
            }),
            TestEvent::Finished { index, result } => {
                results[to_run[index]] = Some(result.clone());
                report_ready(&mut *r, &results, &mut counts);
            }
        };
        let run_start = Instant::now();
        let ran = match runner.pool {
            Some(pool) => pool.run_tests(
                &package.program,
                &package.fingerprints,
                &run_specs,
                &run_options,
                &mut on_event,
            ),
            None => holo_runner::exec::run_tests(&encoded, &run_specs, &run_options, &mut on_event),
        };
        tracing::debug!(tests = run_specs.len(), jobs, elapsed = ?run_start.elapsed(), "ran the tests");
        let interrupt = runner.interrupt.as_ref();
        match ran {
            Ok(ran) => ran,
            Err(e)
                if e == holo_runner::exec::testrun::CANCELLED
                    && interrupt.is_some_and(|i| i.load(std::sync::atomic::Ordering::SeqCst)) =>
            {
                interrupted = true;
                Vec::new()
            }
            Err(e) if e == holo_runner::exec::testrun::CANCELLED => return Err(Stop::Cancelled),
            Err(e) => {
                return Err(Stop::Failed(CliError::new(format!("could not run the tests: {e}")).with_hint(
                    "holo runs tests in worker processes; check that the holo executable is still in place and that processes can be started.",
                )));
            }
        }
    };
    // Interrupted: the tests that finished are reported (those behind one that did not are
    // reported out of order now) and recorded like any result; the others did not run.
    let (to_run, ran) = if interrupted {
        for &i in &to_run {
            if let Some(result) = &results[i]
                && i >= reported_count(&results)
            {
                counts.add(result.outcome);
                r.emit(Event::Test(test_event(
                    options,
                    &selected[i],
                    result,
                    false,
                    &plans[i].reason.describe(),
                )));
            }
        }
        to_run
            .iter()
            .filter_map(|&i| results[i].clone().map(|result| (i, result)))
            .unzip()
    } else {
        (to_run, ran)
    };
    let not_run = selected.len() - results.iter().flatten().count();
    let results: Vec<TestResult> = results.into_iter().flatten().collect();
    // The answer is complete (or as complete as an interrupted run gets): report it, then
    // record it (the records serve the next command, which this host or process answers only
    // after this one; a commit waits for the disk).
    let mut summary = SummaryEvent::new(CommandKind::Test, &package.manifest.name, start.elapsed())
        .counts(0, package.warnings);
    summary.files = package.files;
    summary.tests = Some(counts);
    summary.timeout_s = Some(timeout.as_secs_f64());
    summary.interrupted = interrupted.then_some(not_run);
    r.emit(Event::Summary(summary));
    if let Some(state) = &state {
        let now = unix_now();
        let record_start = Instant::now();
        record_results(r, state, package, &selected, &plans, &to_run, &ran, now);
        tracing::debug!(elapsed = ?record_start.elapsed(), "recorded the results");
        if interrupted {
            return Ok(CANCELLED_EXIT);
        }
        if package.warnings == 0
            && let Some(key) = package.source_key
        {
            let snapshot = build_snapshot(
                key, package, &reach, &all, &selected, &plans, &results, &stored, now,
            );
            snapshot::save(state, &snapshot);
            tracing::debug!(elapsed = ?record_start.elapsed(), "saved the snapshot");
        }
    }
    Ok(if interrupted {
        CANCELLED_EXIT
    } else if counts.all_passed() {
        0
    } else {
        EXIT_DIAGNOSTICS
    })
}

/// How many results from the start are all present: those `report_ready` has reported.
/// Gives the code to the skeleton functions (see `holo_compiler::cache::lower_lazily`) that
/// this run needs: everything the tests to run reach, and every function a recorded failure
/// points into (its position is looked up in the current code when it is reported).
fn hydrate_needed(
    package: &mut CompiledPackage,
    plans: &[Plan<'_>],
    to_run: &[usize],
    stored: &BTreeMap<String, TestRecord>,
) -> Result<(), Stop> {
    let start = Instant::now();
    let mut wanted: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for &i in to_run {
        for (key, _) in &plans[i].reach.items {
            if !key.starts_with("type ") {
                wanted.insert(key.clone());
            }
        }
    }
    let mut anchors = |record: &impact::RecordedResult| {
        if record.failure.is_none() {
            return;
        }
        let keys = record
            .location_anchor
            .iter()
            .chain(record.frame_anchors.iter().flatten());
        wanted.extend(keys.map(|(key, _)| key.clone()));
    };
    for plan in plans {
        if let Some(record) = &plan.record {
            anchors(record);
        }
    }
    for record in stored.values() {
        if let Ok(recorded) = postcard::from_bytes::<impact::RecordedResult>(&record.data) {
            anchors(&recorded);
        }
    }
    let Some(lazy) = package.lazy.as_mut() else {
        return Ok(());
    };
    let program = std::sync::Arc::make_mut(&mut package.program);
    let store = crate::host::results::SharedResults::new(package.shared.as_deref());
    let wanted = wanted.iter().map(String::as_str);
    let decoded = holo_compiler::cache::hydrate(program, lazy, &store, wanted).map_err(|e| {
        Stop::Failed(CliError::new(format!(
            "could not read the compiled code of the tests to run: {e}"
        )))
    })?;
    tracing::debug!(functions = decoded, elapsed = ?start.elapsed(), "decoded the code needed");
    Ok(())
}

fn reported_count(results: &[Option<TestResult>]) -> usize {
    results.iter().take_while(|r| r.is_some()).count()
}

/// One test's event (with `--explain`, its reason).
fn test_event(
    options: &TestRequest,
    spec: &TestSpec,
    result: &TestResult,
    from_record: bool,
    reason: &str,
) -> JsonTestEvent {
    let mut event = JsonTestEvent::new(spec, result, options.nocapture);
    if from_record {
        event = event.cached();
    }
    if options.explain {
        event.reason = Some(reason.to_string());
    }
    event
}

/// `test --affected` on sources that are exactly those of the last snapshot: every selected
/// test is answered from it without loading the package. `None` when that is not the case,
/// and the normal path runs.
fn answer_from_snapshot(
    location: &PackageLocation,
    options: &TestRequest,
    r: &mut dyn Reporter,
    start: Instant,
) -> Option<u8> {
    let snap = snapshot::matching(location, crate::host::store::build_id())?;
    let manifest = crate::host::package::load_manifest(location).ok()?;
    let all = snap.tests.len();
    let mut answered = Vec::new();
    for test in &snap.tests {
        if !options.selects(&test.name) {
            continue;
        }
        let stored = test.result.as_ref()?;
        let spec = TestSpec {
            name: test.name.clone(),
            func: 0,
            file: test.file.clone(),
            line: test.line,
        };
        let result = TestResult {
            outcome: match stored.outcome.as_str() {
                "passed" => Outcome::Passed,
                "crashed" => Outcome::Crashed,
                _ => Outcome::Failed,
            },
            duration: Duration::ZERO,
            failure: stored.failure.clone(),
            output: stored.output.clone(),
            output_dropped: stored.output_dropped,
        };
        answered.push((spec, result, stored.recorded_at));
    }
    r.emit(Event::Status {
        verb: "Fresh".into(),
        message: format!(
            "{} v{} ({})",
            manifest.name,
            manifest.version,
            location.root.display()
        ),
    });
    let mut status = format!("0 tests, {} from recorded results", answered.len());
    if all > answered.len() {
        status.push_str(&format!(" ({} filtered out)", all - answered.len()));
    }
    r.emit(Event::Status {
        verb: "Running".into(),
        message: status,
    });
    let mut counts = Counts {
        filtered_out: all - answered.len(),
        ..Counts::default()
    };
    for (spec, result, recorded_at) in &answered {
        counts.add_cached(result.outcome);
        let reason = Reason::Cached {
            recorded_at: *recorded_at,
        }
        .describe();
        r.emit(Event::Test(test_event(
            options, spec, result, true, &reason,
        )));
    }
    let mut summary = SummaryEvent::new(CommandKind::Test, &manifest.name, start.elapsed());
    summary.files = snap.files;
    summary.tests = Some(counts);
    summary.timeout_s = Some(DEFAULT_TIMEOUT.as_secs_f64());
    r.emit(Event::Summary(summary));
    Some(if counts.all_passed() {
        0
    } else {
        EXIT_DIAGNOSTICS
    })
}

/// The kind of shared-cache entries holding a test result by reach key.
const SHARED_RESULT_KIND: &str = "test-result";

/// What happens to one selected test.
struct Plan<'a> {
    reach: &'a TestReach,
    /// The reach fingerprint mixed with the toolchain: what a record must match.
    key: Key,
    reason: Reason,
    /// The record answering for the test, when it does not run.
    record: Option<impact::RecordedResult>,
}

/// The key a test's result is recorded under: its reach fingerprint and the toolchain build
/// (built-ins and code generation are the toolchain's).
fn reach_key(build_id: &str, reach: &TestReach) -> Key {
    holo_db::fingerprint(&[
        b"holo test result",
        build_id.as_bytes(),
        &reach.fingerprint.0,
    ])
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What this run knows of every test for exactly the sources it compiled: the results it
/// reported, and for tests it did not select, their records if still valid.
#[allow(clippy::too_many_arguments)]
fn build_snapshot(
    key: Key,
    package: &CompiledPackage,
    reach: &BTreeMap<&str, &TestReach>,
    all: &[TestSpec],
    selected: &[TestSpec],
    plans: &[Plan<'_>],
    results: &[TestResult],
    stored: &BTreeMap<String, TestRecord>,
    now: u64,
) -> Snapshot {
    let build_id = crate::host::store::build_id();
    let selected_index: BTreeMap<&str, usize> = selected
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let snapshot_result = |result: &TestResult, recorded_at: u64| {
        let outcome = match result.outcome {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Crashed => "crashed",
            Outcome::TimedOut => return None,
        };
        Some(SnapshotResult {
            outcome: outcome.to_string(),
            failure: result.failure.clone(),
            output: result.output.clone(),
            output_dropped: result.output_dropped,
            recorded_at,
        })
    };
    let tests = all
        .iter()
        .map(|spec| {
            let reusable = reach
                .get(spec.name.as_str())
                .is_some_and(|r| !r.reads_environment);
            let result = match selected_index.get(spec.name.as_str()) {
                _ if !reusable => None,
                Some(&i) => {
                    let recorded_at = match plans[i].reason {
                        Reason::Cached { recorded_at } => recorded_at,
                        _ => now,
                    };
                    results.get(i).and_then(|r| snapshot_result(r, recorded_at))
                }
                None => stored.get(&spec.name).and_then(|record| {
                    let test_reach = reach.get(spec.name.as_str())?;
                    if record.reach != reach_key(build_id, test_reach) {
                        return None;
                    }
                    let recorded: impact::RecordedResult =
                        postcard::from_bytes(&record.data).ok()?;
                    let result = impact::replay(&package.program, &recorded);
                    snapshot_result(&result, record.recorded_at)
                }),
            };
            SnapshotTest {
                name: spec.name.clone(),
                file: spec.file.clone(),
                line: spec.line,
                result,
            }
        })
        .collect();
    Snapshot {
        key,
        files: package.files,
        tests,
    }
}

/// Records the results of the tests that ran, and their test-to-code map entries, in one
/// transaction each; forgets tests that no longer exist. Failures only cost the record.
#[allow(clippy::too_many_arguments)]
fn record_results(
    r: &mut dyn Reporter,
    state: &Store,
    package: &CompiledPackage,
    selected: &[TestSpec],
    plans: &[Plan<'_>],
    to_run: &[usize],
    ran: &[TestResult],
    now: u64,
) {
    let mut records = Vec::new();
    let mut shared_entries: Vec<(Key, Vec<u8>)> = Vec::new();
    let mut map = Vec::new();
    for (&index, result) in to_run.iter().zip(ran) {
        let plan = &plans[index];
        let name = selected[index].name.clone();
        map.push((
            name.clone(),
            plan.key,
            plan.reach.items.iter().map(|(k, _)| k.clone()).collect(),
        ));
        let Some(record) = impact::record(&package.program, plan.reach, result) else {
            continue;
        };
        // A time-out is recorded for `--explain`, but says nothing about the code to others.
        if let Some(shared) = &package.shared
            && record.outcome != impact::TIMED_OUT
            && let Ok(bytes) = postcard::to_allocvec(&(now, &record))
        {
            shared_entries.push((shared.result_key(SHARED_RESULT_KIND, &[&plan.key]), bytes));
        }
        if let Ok(data) = postcard::to_allocvec(&record) {
            records.push((
                name,
                TestRecord {
                    reach: plan.key,
                    recorded_at: now,
                    data,
                },
            ));
        }
    }
    if let Some(shared) = &package.shared
        && let Err(e) = shared.put_batch(shared_entries.iter().map(|(k, v)| (k, v.as_slice())))
    {
        tracing::warn!("could not share the test results through the cache: {e}");
    }
    let names: BTreeSet<String> = package
        .program
        .tests
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let outcome = state.record_tests(Some(&names), &map, &records);
    if let Err(e) = outcome {
        r.emit(Event::Warning {
            message: format!(
                "could not record the test results: {e}; the next `holo test --affected` will run these tests again"
            ),
        });
    }
}
