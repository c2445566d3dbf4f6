//! `holo test`: check the package, then run its `#[test]` functions in parallel worker processes
//! and report each result in name order, with a progress bar on a terminal.
//!
//! Human output goes to stdout, like `cargo test`: one line per test, then the failures with
//! their messages and captured output, then `test result: …`. Status lines and the progress
//! bar go to stderr. With `--message-format json`, stdout has one `test` event per test (in the
//! same order) and a `summary` last.

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_DIAGNOSTICS};
use crate::ops::compile::{
    Compiled, CompiledPackage, SummaryWriter, compile, encode, self_command,
};
use crate::ops::snapshot::{self, Snapshot, SnapshotResult, SnapshotTest};
use crate::render::exec::{
    Counts, TestEvent as JsonTestEvent, TestSummaryEvent, cached_test_line, captured_output,
    render_failure, test_line,
};
use crate::render::{format_duration, plural};
use crate::shell::Shell;
use holo_compiler::testmap::TestReach;
use holo_db::{Key, Store, TestRecord};
use holo_runner::exec::testrun::{DEFAULT_OUTPUT_LIMIT, default_memory_limit, describe_seconds};
use holo_runner::exec::{Outcome, TestEvent, TestOptions, TestResult, TestSpec};
use holo_runner::impact::{self, Reason};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The time limit of one test when neither `--timeout` nor `holo.toml` gives one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct TestCommandOptions {
    pub filter: Option<String>,
    pub exact: bool,
    pub timeout: Option<Duration>,
    pub jobs: Option<usize>,
    pub nocapture: bool,
    /// Run only the tests whose reach changed since their recorded result.
    pub affected: bool,
    /// Say why each test ran or not.
    pub explain: bool,
    pub format: MessageFormat,
    pub manifest_path: Option<PathBuf>,
}

pub fn test(shell: &mut Shell, options: TestCommandOptions) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    if options.affected
        && let Some(code) = answer_from_snapshot(shell, &options, start)
    {
        return Ok(code);
    }
    let summary = |shell: &mut Shell, errors, warnings, elapsed| {
        shell.json(&TestSummaryEvent::new(
            errors,
            warnings,
            Counts::default(),
            elapsed,
        ));
    };
    let mut package = match compile(
        shell,
        "holo test",
        options.manifest_path.as_deref(),
        options.format,
        start,
        &summary,
    )? {
        Compiled::Ready(package) => package,
        Compiled::Stopped(code) => return Ok(code),
    };
    // The cache writes wait for the disk; the tests are planned and run meanwhile.
    let pending = package.open_cache(shell);
    std::thread::scope(|scope| {
        scope.spawn(|| pending.finish(package.shared.as_ref(), "holo test"));
        test_package(shell, &options, &package, start, &summary)
    })
}

/// Plans, runs, reports and records the tests of a compiled package.
fn test_package(
    shell: &mut Shell,
    options: &TestCommandOptions,
    package: &CompiledPackage,
    start: Instant,
    summary: SummaryWriter<'_>,
) -> Result<ExitCode, CliError> {
    let all = holo_runner::exec::test_specs(&package.program);
    let selected: Vec<TestSpec> = all
        .iter()
        .filter(|t| match &options.filter {
            None => true,
            Some(f) if options.exact => t.name == *f,
            Some(f) => t.name.contains(f.as_str()),
        })
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
    let jobs = options.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let human = options.format == MessageFormat::Human;

    // Which tests must run, and what is already known about the others.
    let reach = holo_compiler::testmap::test_reach(&package.program, &package.fingerprints);
    let reach: BTreeMap<&str, &TestReach> = reach.iter().map(|r| (r.name.as_str(), r)).collect();
    let build_id = crate::ops::store::build_id();
    let state = crate::ops::store::open_project_state(shell, &package.root);
    let stored: BTreeMap<String, TestRecord> = match &state {
        Some(state) => state.test_results().unwrap_or_else(|e| {
            shell.warn(format!(
                "could not read the recorded test results: {e}; running every selected test"
            ));
            BTreeMap::new()
        }),
        None => BTreeMap::new(),
    };
    let mut plans: Vec<Plan> = Vec::with_capacity(selected.len());
    for spec in &selected {
        let Some(test_reach) = reach.get(spec.name.as_str()).copied() else {
            return Err(CliError::internal(format!(
                "the test-to-code map has no entry for test `{}`",
                spec.name
            )));
        };
        let key = reach_key(build_id, test_reach);
        let (reason, record) = if options.affected {
            let stored = stored
                .get(&spec.name)
                .map(|r| (&r.reach, r.recorded_at, r.data.as_slice()));
            impact::decide(test_reach, &key, stored)
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
    let mut run_specs: Vec<TestSpec> = to_run.iter().map(|&i| selected[i].clone()).collect();
    let cached = selected.len() - to_run.len();
    let mut status = plural(to_run.len(), "test");
    if cached > 0 {
        status.push_str(&format!(", {cached} from recorded results"));
    }
    if counts.filtered_out > 0 {
        status.push_str(&format!(" ({} filtered out)", counts.filtered_out));
    }
    shell.status("Running", status);

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
    let mut failures: Vec<usize> = Vec::new();
    let mut report_ready = |shell: &mut Shell,
                            results: &[Option<TestResult>],
                            counts: &mut Counts,
                            failures: &mut Vec<usize>| {
        while let Some(Some(result)) = results.get(reported) {
            let index = reported;
            reported += 1;
            let plan = &plans[index];
            let spec = &selected[index];
            let from_record = !plan.reason.runs();
            if from_record {
                counts.add_cached(result.outcome);
            } else {
                counts.add(result.outcome);
            }
            if result.outcome != Outcome::Passed {
                failures.push(index);
            }
            report_test(
                shell,
                options,
                spec,
                result,
                from_record,
                &plan.reason.describe(),
            );
        }
    };
    report_ready(shell, &results, &mut counts, &mut failures);

    let ran = if run_specs.is_empty() {
        Vec::new()
    } else {
        // Workers get only what the tests to run can reach.
        let roots: Vec<u32> = run_specs.iter().map(|s| s.func).collect();
        let (part, part_roots) = holo_compiler::testmap::reachable_part(&package.program, &roots);
        for (spec, func) in run_specs.iter_mut().zip(part_roots) {
            spec.func = func;
        }
        let encoded = encode(&part)?;
        let run_options = TestOptions {
            jobs,
            timeout,
            worker: self_command("__worker")?,
            output_limit: DEFAULT_OUTPUT_LIMIT,
            memory_limit: default_memory_limit(jobs),
        };
        let bar = progress_bar(shell, run_specs.len());
        let mut running: BTreeSet<usize> = BTreeSet::new();
        let mut on_event = |event: TestEvent<'_>| match event {
            TestEvent::Started { index } => {
                running.insert(index);
                bar.set_message(running_message(&run_specs, &running));
            }
            TestEvent::Ended { index } => {
                running.remove(&index);
                bar.set_message(running_message(&run_specs, &running));
                bar.inc(1);
            }
            TestEvent::Finished { index, result } => {
                results[to_run[index]] = Some(result.clone());
                bar.suspend(|| report_ready(shell, &results, &mut counts, &mut failures));
            }
        };
        let run_start = Instant::now();
        let ran = holo_runner::exec::run_tests(&encoded, &run_specs, &run_options, &mut on_event);
        tracing::debug!(tests = run_specs.len(), jobs, elapsed = ?run_start.elapsed(), "ran the tests");
        bar.finish_and_clear();
        ran.map_err(|e| {
            let err = CliError::new(format!("could not run the tests: {e}")).with_hint(
                "holo runs tests in worker processes; check that the holo executable is still in place and that processes can be started.",
            );
            if !human {
                shell.json(&crate::render::json::ErrorEvent::new(&err));
                summary(shell, 1, package.warnings, start.elapsed());
            }
            err
        })?
    };
    let results: Vec<TestResult> = results.into_iter().flatten().collect();
    if let Some(state) = &state {
        let now = unix_now();
        record_results(shell, state, package, &selected, &plans, &to_run, &ran, now);
        if package.warnings == 0
            && let Some(key) = package.source_key
        {
            let snapshot = build_snapshot(
                key, package, &reach, &all, &selected, &plans, &results, &stored, now,
            );
            snapshot::save(state, &snapshot);
        }
    }
    let cached: Vec<bool> = plans.iter().map(|p| !p.reason.runs()).collect();
    Ok(final_report(
        shell,
        options,
        FinalReport {
            selected: &selected,
            results: &results,
            cached: &cached,
            failures: &failures,
            counts,
            timeout,
            warnings: package.warnings,
            elapsed: start.elapsed(),
        },
    ))
}

/// What the end of a test run reports on.
struct FinalReport<'a> {
    selected: &'a [TestSpec],
    results: &'a [TestResult],
    /// Whether each result came from the record.
    cached: &'a [bool],
    /// Indices of the results that are not passes, in report order.
    failures: &'a [usize],
    counts: Counts,
    timeout: Duration,
    warnings: usize,
    elapsed: Duration,
}

/// The failures with their details and the `test result:` line (human), or the summary event
/// (JSON); returns the exit code.
fn final_report(shell: &mut Shell, options: &TestCommandOptions, r: FinalReport<'_>) -> ExitCode {
    if options.format == MessageFormat::Human {
        let mut text = String::new();
        if !r.failures.is_empty() {
            text.push_str("\nfailures:\n");
            for &index in r.failures {
                text.push_str(&failure_section(
                    &r.selected[index],
                    &r.results[index],
                    r.timeout,
                    options.nocapture,
                ));
            }
            text.push_str("\nfailures:\n");
            for &index in r.failures {
                let note = if r.cached[index] { " (cached)" } else { "" };
                text.push_str(&format!("    {}{note}\n", r.selected[index].name));
            }
        }
        text.push_str(&format!(
            "\ntest result: {}; finished in {}\n",
            r.counts.describe(),
            format_duration(r.elapsed)
        ));
        shell.out_text(&text);
    } else {
        shell.json(&TestSummaryEvent::new(0, r.warnings, r.counts, r.elapsed));
    }
    if r.counts.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_DIAGNOSTICS)
    }
}

/// One test's report line (and, with `--explain`, its reason; with `--nocapture`, its output).
fn report_test(
    shell: &mut Shell,
    options: &TestCommandOptions,
    spec: &TestSpec,
    result: &TestResult,
    from_record: bool,
    reason: &str,
) {
    match options.format {
        MessageFormat::Human => {
            let mut text = if from_record {
                cached_test_line(&spec.name, result.outcome)
            } else {
                test_line(&spec.name, result.outcome)
            };
            if options.explain {
                text.push_str(&format!("    {reason}\n"));
            }
            if options.nocapture {
                text.push_str(&captured_output(result));
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            shell.out_text(&text);
        }
        MessageFormat::Json => {
            let mut event = JsonTestEvent::new(spec, result, options.nocapture);
            if from_record {
                event = event.cached();
            }
            if options.explain {
                event.reason = Some(reason.to_string());
            }
            shell.json(&event);
        }
    }
}

/// `holo test --affected` on sources that are exactly those of the last snapshot: every
/// selected test is answered from it without loading the package. `None` when that is not the
/// case, and the normal path runs.
fn answer_from_snapshot(
    shell: &mut Shell,
    options: &TestCommandOptions,
    start: Instant,
) -> Option<ExitCode> {
    let location = crate::ops::package::locate(options.manifest_path.as_deref()).ok()?;
    let snap = snapshot::matching(&location, crate::ops::store::build_id())?;
    let manifest = crate::ops::package::load_manifest(&location).ok()?;
    let all = snap.tests.len();
    let mut selected = Vec::new();
    let mut results = Vec::new();
    let mut recorded = Vec::new();
    for test in &snap.tests {
        let chosen = match &options.filter {
            None => true,
            Some(f) if options.exact => test.name == *f,
            Some(f) => test.name.contains(f.as_str()),
        };
        if !chosen {
            continue;
        }
        let stored = test.result.as_ref()?;
        selected.push(TestSpec {
            name: test.name.clone(),
            func: 0,
            file: test.file.clone(),
            line: test.line,
        });
        results.push(TestResult {
            outcome: match stored.outcome.as_str() {
                "passed" => Outcome::Passed,
                "crashed" => Outcome::Crashed,
                _ => Outcome::Failed,
            },
            duration: Duration::ZERO,
            failure: stored.failure.clone(),
            output: stored.output.clone(),
            output_dropped: stored.output_dropped,
        });
        recorded.push(stored.recorded_at);
    }
    shell.status(
        "Fresh",
        format!(
            "{} v{} ({})",
            manifest.name,
            manifest.version,
            location.root.display()
        ),
    );
    let mut status = format!("0 tests, {} from recorded results", selected.len());
    if all > selected.len() {
        status.push_str(&format!(" ({} filtered out)", all - selected.len()));
    }
    shell.status("Running", status);
    let mut counts = Counts {
        filtered_out: all - selected.len(),
        ..Counts::default()
    };
    let mut failures = Vec::new();
    for (i, (spec, result)) in selected.iter().zip(&results).enumerate() {
        counts.add_cached(result.outcome);
        if result.outcome != Outcome::Passed {
            failures.push(i);
        }
        let reason = Reason::Cached {
            recorded_at: recorded[i],
        }
        .describe();
        report_test(shell, options, spec, result, true, &reason);
    }
    let cached = vec![true; selected.len()];
    Some(final_report(
        shell,
        options,
        FinalReport {
            selected: &selected,
            results: &results,
            cached: &cached,
            failures: &failures,
            counts,
            timeout: DEFAULT_TIMEOUT,
            warnings: 0,
            elapsed: start.elapsed(),
        },
    ))
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
    let build_id = crate::ops::store::build_id();
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
    shell: &mut Shell,
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
        if let Some(shared) = &package.shared
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
        shell.warn(format!(
            "could not record the test results: {e}; the next `holo test --affected` will run these tests again"
        ));
    }
}

/// A progress bar on stderr when it is a terminal (and not `--quiet`); hidden otherwise, when
/// the per-test lines are all there is.
fn progress_bar(shell: &Shell, total: usize) -> ProgressBar {
    if shell.is_quiet() || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The names of the tests running now, for the progress bar.
fn running_message(tests: &[TestSpec], running: &BTreeSet<usize>) -> String {
    let names: Vec<&str> = running
        .iter()
        .take(3)
        .map(|&i| tests[i].name.as_str())
        .collect();
    let more = running.len().saturating_sub(names.len());
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

/// The details of one test that did not pass: its error and, unless it was shown already
/// (`--nocapture`), what it printed.
fn failure_section(
    spec: &TestSpec,
    result: &TestResult,
    timeout: Duration,
    output_shown: bool,
) -> String {
    let mut text = format!("\n---- {} ----\n", spec.name);
    if let Some(failure) = &result.failure {
        text.push_str(&render_failure(failure));
    }
    match result.outcome {
        Outcome::TimedOut => text.push_str(&format!(
            "  = help: the test is at {}:{}; if it is just slow, raise the limit (now {}) with `--timeout SECONDS` or `[test] timeout` in holo.toml.\n",
            spec.file,
            spec.line,
            describe_seconds(timeout)
        )),
        Outcome::Crashed => text.push_str(&format!(
            "  = note: the test is at {}:{}; holo replaced the crashed worker and went on with the other tests.\n",
            spec.file, spec.line
        )),
        Outcome::Passed | Outcome::Failed => {}
    }
    if !output_shown && (!result.output.is_empty() || result.output_dropped > 0) {
        text.push_str(&format!("\noutput of {}:\n", spec.name));
        text.push_str(&captured_output(result));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}
