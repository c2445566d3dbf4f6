//! `holo test`: check the package, then run its `#[test]` functions in parallel worker processes
//! and report each result in name order, with a progress bar on a terminal.
//!
//! Human output goes to stdout, like `cargo test`: one line per test, then the failures with
//! their messages and captured output, then `test result: …`. Status lines and the progress
//! bar go to stderr. With `--message-format json`, stdout has one `test` event per test (in the
//! same order) and a `summary` last.

use crate::cli::MessageFormat;
use crate::error::{CliError, EXIT_DIAGNOSTICS};
use crate::ops::compile::{Compiled, compile, encode, self_command};
use crate::render::exec::{
    Counts, TestEvent as JsonTestEvent, TestSummaryEvent, captured_output, render_failure,
    test_line,
};
use crate::render::{format_duration, plural};
use crate::shell::Shell;
use holo_runner::exec::testrun::{DEFAULT_OUTPUT_LIMIT, default_memory_limit, describe_seconds};
use holo_runner::exec::{Outcome, TestEvent, TestOptions, TestResult, TestSpec};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
    pub format: MessageFormat,
    pub manifest_path: Option<PathBuf>,
}

pub fn test(shell: &mut Shell, options: TestCommandOptions) -> Result<ExitCode, CliError> {
    let start = Instant::now();
    let summary = |shell: &mut Shell, errors, warnings, elapsed| {
        shell.json(&TestSummaryEvent::new(
            errors,
            warnings,
            Counts::default(),
            elapsed,
        ));
    };
    let package = match compile(
        shell,
        options.manifest_path.as_deref(),
        options.format,
        start,
        &summary,
    )? {
        Compiled::Ready(package) => package,
        Compiled::Stopped(code) => return Ok(code),
    };
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
    let mut status = plural(selected.len(), "test");
    if counts.filtered_out > 0 {
        status.push_str(&format!(" ({} filtered out)", counts.filtered_out));
    }
    shell.status("Running", status);

    let encoded = encode(&package.program)?;
    let run_options = TestOptions {
        jobs,
        timeout,
        worker: self_command("__worker")?,
        output_limit: DEFAULT_OUTPUT_LIMIT,
        memory_limit: default_memory_limit(jobs),
    };
    let bar = progress_bar(shell, selected.len());
    let mut running: BTreeSet<usize> = BTreeSet::new();
    let mut failures: Vec<usize> = Vec::new();
    let mut on_event = |event: TestEvent<'_>| match event {
        TestEvent::Started { index } => {
            running.insert(index);
            bar.set_message(running_message(&selected, &running));
        }
        TestEvent::Ended { index } => {
            running.remove(&index);
            bar.set_message(running_message(&selected, &running));
            bar.inc(1);
        }
        TestEvent::Finished { index, result } => {
            counts.add(result.outcome);
            let spec = &selected[index];
            if result.outcome != Outcome::Passed {
                failures.push(index);
            }
            bar.suspend(|| match options.format {
                MessageFormat::Human => {
                    let mut text = test_line(&spec.name, result.outcome);
                    if options.nocapture {
                        text.push_str(&captured_output(result));
                        if !text.ends_with('\n') {
                            text.push('\n');
                        }
                    }
                    shell.out_text(&text);
                }
                MessageFormat::Json => {
                    shell.json(&JsonTestEvent::new(spec, result, options.nocapture));
                }
            });
        }
    };
    let run_start = Instant::now();
    let results = holo_runner::exec::run_tests(&encoded, &selected, &run_options, &mut on_event);
    tracing::debug!(tests = selected.len(), jobs, elapsed = ?run_start.elapsed(), "ran the tests");
    bar.finish_and_clear();
    let results = results.map_err(|e| {
        let err = CliError::new(format!("could not run the tests: {e}")).with_hint(
            "holo runs tests in worker processes; check that the holo executable is still in place and that processes can be started.",
        );
        if !human {
            shell.json(&crate::render::json::ErrorEvent::new(&err));
            summary(shell, 1, package.warnings, start.elapsed());
        }
        err
    })?;
    let elapsed = start.elapsed();

    if human {
        let mut text = String::new();
        if !failures.is_empty() {
            text.push_str("\nfailures:\n");
            for &index in &failures {
                text.push_str(&failure_section(
                    &selected[index],
                    &results[index],
                    timeout,
                    options.nocapture,
                ));
            }
            text.push_str("\nfailures:\n");
            for &index in &failures {
                text.push_str(&format!("    {}\n", selected[index].name));
            }
        }
        text.push_str(&format!(
            "\ntest result: {}; finished in {}\n",
            counts.describe(),
            format_duration(elapsed)
        ));
        shell.out_text(&text);
    } else {
        shell.json(&TestSummaryEvent::new(0, package.warnings, counts, elapsed));
    }
    if counts.all_passed() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(EXIT_DIAGNOSTICS))
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
