//! [`Event`]: what every computation of the host produces — owned, serializable values, and the
//! one wire format behind `--message-format json`, the daemon's socket and, next, the language
//! and agent servers.
//!
//! The JSON-lines contract of PRODUCT.md §4 is a *view* of these events (`render::json`): the
//! events carry more than the contract (a diagnostic's rendered text, a test's declared place),
//! because the human renderer must be able to draw everything from them alone — on this
//! machine, or in a client talking to a daemon. Nothing here prints.

use holo_runner::exec::{Failure, Outcome, SourceLocation, StackFrame, TestResult, TestSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Receives the events of a computation as they happen.
pub trait Reporter {
    fn emit(&mut self, event: Event);
}

/// A reporter that keeps the events (tests, and callers that render them later).
impl Reporter for Vec<Event> {
    fn emit(&mut self, event: Event) {
        self.push(event);
    }
}

/// One thing a computation has to say.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// Progress for people, `Checking hello v0.1.0 (…)`: a verb and the rest of the line.
    Status {
        verb: String,
        message: String,
    },
    /// A problem of the environment that does not stop the command (a cache that cannot be
    /// used), or a remark on the package (`` `x` generated 2 warnings ``).
    Warning {
        message: String,
    },
    /// A one-line error that ends a command whose reasons were reported already
    /// (`could not compile `x` due to 2 previous errors`).
    ErrorLine {
        message: String,
    },
    Diagnostic(DiagnosticEvent),
    /// A problem that stops the package from being checked, or the command from going on.
    Error(ErrorEvent),
    /// `count` tests are about to run (after the cached ones were reported).
    TestsStarting {
        count: usize,
    },
    /// Test `name` was handed to a worker.
    TestStarted {
        name: String,
    },
    /// Test `name` has ended (its result follows in report order).
    TestEnded {
        name: String,
    },
    Test(TestEvent),
    /// The last event of every command.
    Summary(SummaryEvent),
}

/// A compiler diagnostic with every position resolved (PRODUCT.md §4), and its rendering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticEvent {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
    /// Every label, the primary one first.
    pub labels: Vec<LabelJson>,
    pub hint: Option<String>,
    /// rustc-style text with ANSI styles (stripped where colours are off); not in the JSON
    /// contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelJson {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
    pub primary: bool,
}

/// A problem that stopped the check or the command (missing or malformed manifest, unreadable
/// source file, a library given to `holo run`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub hint: Option<String>,
    /// The error laid out like a diagnostic, with ANSI styles; not in the JSON contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
}

impl ErrorEvent {
    pub fn new(err: &crate::error::CliError) -> ErrorEvent {
        let site = err.site.as_ref();
        let line_col = site.and_then(|s| s.line_col);
        ErrorEvent {
            message: err.message.clone(),
            file: site.map(|s| s.file.clone()),
            line: line_col.map(|(l, _)| l),
            column: line_col.map(|(_, c)| c),
            hint: err.hint.clone(),
            rendered: Some(crate::render::human::render_error(err)),
        }
    }
}

/// One test's result. `file` and `line` are where the test failed when that is known (the
/// failing assertion), else where the test is declared. `output` is what the test printed,
/// given for tests that did not pass and for all with `--nocapture`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestEvent {
    pub name: String,
    /// `passed`, `failed`, `timed-out`, `crashed`, `cached-passed`, `cached-failed`.
    pub outcome: String,
    pub duration_ms: f64,
    pub message: Option<String>,
    pub file: String,
    pub line: u32,
    /// The column of the failure, when known.
    pub column: Option<u32>,
    /// The holo functions that were running when the test failed, innermost first.
    pub stack: Vec<FrameJson>,
    pub output: Option<String>,
    /// With `--explain`: why the test ran or was answered from the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the test is declared (for the renderer's hints); not in the JSON contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<(String, u32)>,
    /// Frames left out in the middle of `stack`; not in the JSON contract.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_frames: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameJson {
    pub function: String,
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
}

impl TestEvent {
    /// The event of `result`; `with_output` gives the output of a passing test too.
    pub fn new(spec: &TestSpec, result: &TestResult, with_output: bool) -> TestEvent {
        let failure = result.failure.as_ref();
        let location = failure.and_then(|f| f.location.as_ref());
        let show_output = with_output || result.outcome != Outcome::Passed;
        TestEvent {
            name: spec.name.clone(),
            outcome: result.outcome.as_str().to_string(),
            duration_ms: crate::render::duration_ms(result.duration),
            message: failure.map(|f| f.message.clone()),
            file: location.map_or(spec.file.clone(), |l| l.file.clone()),
            line: location.map_or(spec.line, |l| l.line),
            column: location.map(|l| l.column),
            stack: failure
                .map(|f| {
                    f.stack
                        .iter()
                        .map(|frame| FrameJson {
                            function: frame.function.clone(),
                            file: frame.file.clone(),
                            line: frame.line,
                            column: frame.column,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            output: show_output.then(|| crate::render::exec::captured_output(result)),
            reason: None,
            declared: Some((spec.file.clone(), spec.line)),
            omitted_frames: failure.map_or(0, |f| f.omitted_frames),
        }
    }

    /// The event of a result reported from the record: `cached-passed` or `cached-failed`.
    pub fn cached(mut self) -> TestEvent {
        self.outcome = if self.outcome == "passed" {
            "cached-passed"
        } else {
            "cached-failed"
        }
        .to_string();
        self
    }

    /// Whether the result came from the record.
    pub fn is_cached(&self) -> bool {
        self.outcome.starts_with("cached-")
    }

    /// The outcome, cached or not.
    pub fn base_outcome(&self) -> Outcome {
        match self.outcome.trim_start_matches("cached-") {
            "passed" => Outcome::Passed,
            "timed-out" => Outcome::TimedOut,
            "crashed" => Outcome::Crashed,
            _ => Outcome::Failed,
        }
    }

    /// The failure as the runner reported it, rebuilt for rendering.
    pub fn failure(&self) -> Option<Failure> {
        let message = self.message.clone()?;
        Some(Failure {
            message,
            location: self.column.map(|column| SourceLocation {
                file: self.file.clone(),
                line: self.line,
                column,
            }),
            stack: self
                .stack
                .iter()
                .map(|f| StackFrame {
                    function: f.function.clone(),
                    file: f.file.clone(),
                    line: f.line,
                    column: f.column,
                })
                .collect(),
            omitted_frames: self.omitted_frames,
        })
    }
}

/// Which command a summary closes: it decides the summary's JSON fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommandKind {
    Check,
    Build,
    Run,
    Test,
}

/// Who computed an answer: a running daemon, or the command's own process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServedBy {
    Daemon,
    #[default]
    Process,
}

/// The counts of a test run. The outcome counts are disjoint: `failed` does not include
/// `timed_out` or `crashed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub crashed: usize,
    pub filtered_out: usize,
    /// Results reported from the record (`--affected`), by whether they passed.
    pub cached_passed: usize,
    pub cached_failed: usize,
}

impl Counts {
    /// Counts a result reported from the record.
    pub fn add_cached(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.cached_passed += 1,
            _ => self.cached_failed += 1,
        }
    }

    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::TimedOut => self.timed_out += 1,
            Outcome::Crashed => self.crashed += 1,
        }
    }

    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.timed_out == 0 && self.crashed == 0 && self.cached_failed == 0
    }

    /// How many tests ran (not answered from the record).
    pub fn ran(&self) -> usize {
        self.passed + self.failed + self.timed_out + self.crashed
    }

    pub fn cached(&self) -> usize {
        self.cached_passed + self.cached_failed
    }

    /// `3 passed, 1 failed, 1 timed out, 2 filtered out`: passed and failed always, the rest
    /// when not zero.
    pub fn describe(&self) -> String {
        let mut parts = vec![
            format!("{} passed", self.passed),
            format!("{} failed", self.failed),
        ];
        for (n, what) in [(self.timed_out, "timed out"), (self.crashed, "crashed")] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let cached = self.cached();
        if cached > 0 {
            parts.push(match self.cached_failed {
                0 => format!("{cached} cached"),
                failed => format!("{cached} cached ({failed} failed)"),
            });
        }
        if self.filtered_out > 0 {
            parts.push(format!("{} filtered out", self.filtered_out));
        }
        parts.join(", ")
    }
}

/// The last event of every command. Which fields the JSON view shows depends on `command`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryEvent {
    pub command: CommandKind,
    /// The package's name (for the human renderer's closing lines).
    pub package: String,
    pub errors: usize,
    pub warnings: usize,
    /// How many source files were checked.
    pub files: usize,
    /// How many functions were compiled to native code (`build`).
    pub functions: usize,
    /// The test counts, when tests were planned (a run that stopped before has none).
    pub tests: Option<Counts>,
    /// The time limit of one test, in seconds (for the renderer's hints).
    pub timeout_s: Option<f64>,
    pub duration_ms: f64,
    pub served_by: ServedBy,
    /// A watch cycle started by a save: `duration_ms` runs from the save. Not in the JSON
    /// contract.
    #[serde(default)]
    pub after_save: bool,
    /// A test run stopped by Ctrl+C: how many selected tests did not finish.
    #[serde(default)]
    pub interrupted: Option<usize>,
}

impl SummaryEvent {
    pub fn new(command: CommandKind, package: &str, duration: Duration) -> SummaryEvent {
        SummaryEvent {
            command,
            package: package.to_string(),
            errors: 0,
            warnings: 0,
            files: 0,
            functions: 0,
            tests: None,
            timeout_s: None,
            duration_ms: crate::render::duration_ms(duration),
            served_by: ServedBy::Process,
            after_save: false,
            interrupted: None,
        }
    }

    pub fn counts(mut self, errors: usize, warnings: usize) -> SummaryEvent {
        self.errors = errors;
        self.warnings = warnings;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_the_wire_format() {
        let events = vec![
            Event::Status {
                verb: "Checking".into(),
                message: "hello v0.1.0".into(),
            },
            Event::Summary(SummaryEvent::new(
                CommandKind::Test,
                "hello",
                Duration::from_millis(3),
            )),
        ];
        for event in events {
            let json = serde_json::to_string(&event).unwrap();
            let back: Event = serde_json::from_str(&json).unwrap();
            assert_eq!(back, event, "{json}");
        }
    }

    #[test]
    fn counts_name_what_happened() {
        let mut counts = Counts::default();
        assert_eq!(counts.describe(), "0 passed, 0 failed");
        counts.add(Outcome::Passed);
        counts.add(Outcome::Crashed);
        counts.filtered_out = 2;
        assert_eq!(
            counts.describe(),
            "1 passed, 0 failed, 1 crashed, 2 filtered out"
        );
        assert!(!counts.all_passed());
    }
}
