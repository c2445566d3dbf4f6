//! What `holo build`, `holo run` and `holo test` show: runtime errors and test failures as
//! text, and the JSON events of test runs (PRODUCT.md §4; add fields, never rename them).

use super::duration_ms;
use anstyle::{AnsiColor, Effects, Style};
use holo_runner::exec::{Failure, Outcome, TestResult, TestSpec};
use serde::Serialize;
use std::fmt::Write as _;
use std::time::Duration;

const ERROR: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);
const OK: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default();
const DIM: Style = AnsiColor::BrightBlue.on_default().effects(Effects::BOLD);

/// A runtime error or test failure, rustc-style:
///
/// ```text
/// error: index out of bounds: the index is 5 but the length is 3
///   --> src/main.holo:4:12
///    at get (src/main.holo:4)
///    at main (src/main.holo:9)
/// ```
pub fn render_failure(failure: &Failure) -> String {
    let mut out = format!("{ERROR}error{ERROR:#}: {}\n", failure.message);
    if let Some(loc) = &failure.location {
        let _ = writeln!(out, "  {DIM}-->{DIM:#} {loc}");
    }
    for (i, frame) in failure.stack.iter().enumerate() {
        let _ = match &frame.file {
            Some(file) => writeln!(out, "   at {} ({file}:{})", frame.function, frame.line),
            None => writeln!(out, "   at {} (line {})", frame.function, frame.line),
        };
        // The runtime keeps the innermost and outermost frames of a very deep stack.
        if failure.omitted_frames > 0 && i + 1 == failure.stack.len() / 2 {
            let _ = writeln!(out, "   ... {} more frames ...", failure.omitted_frames);
        }
    }
    out
}

/// `test geometry::area ... ok`, with the outcome coloured.
pub fn test_line(name: &str, outcome: Outcome) -> String {
    let (style, word) = outcome_word(outcome);
    format!("test {name} ... {style}{word}{style:#}\n")
}

/// `test geometry::area ... ok (cached)`: a result reported from the record.
pub fn cached_test_line(name: &str, outcome: Outcome) -> String {
    let (style, word) = outcome_word(outcome);
    format!("test {name} ... {style}{word}{style:#} {DIM}(cached){DIM:#}\n")
}

fn outcome_word(outcome: Outcome) -> (Style, &'static str) {
    match outcome {
        Outcome::Passed => (OK, "ok"),
        Outcome::Failed => (BAD, "FAILED"),
        Outcome::TimedOut => (BAD, "TIMED OUT"),
        Outcome::Crashed => (BAD, "CRASHED"),
    }
}

/// A test's captured output as text, with a note when some of it was not kept.
pub fn captured_output(result: &TestResult) -> String {
    let mut text = String::from_utf8_lossy(&result.output).into_owned();
    if result.output_dropped > 0 {
        if !text.ends_with('\n') && !text.is_empty() {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "[… {} more bytes of output were not kept]",
            result.output_dropped
        );
    }
    text
}

/// The counts of a test run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
        let cached = self.cached_passed + self.cached_failed;
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

/// `{"type":"test", …}`: one test's result. `file` and `line` are where the test failed when
/// that is known (the failing assertion), else where the test is declared. `output` is what
/// the test printed; it is given for tests that did not pass, and for all with `--nocapture`.
#[derive(Debug, Serialize)]
pub struct TestEvent<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'a str,
    pub outcome: &'static str,
    pub duration_ms: f64,
    pub message: Option<&'a str>,
    pub file: &'a str,
    pub line: u32,
    /// The column of the failure, when known.
    pub column: Option<u32>,
    /// The holo functions that were running when the test failed, innermost first.
    pub stack: Vec<FrameJson<'a>>,
    pub output: Option<String>,
    /// With `--explain`: why the test ran or was answered from the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FrameJson<'a> {
    pub function: &'a str,
    pub file: Option<&'a str>,
    pub line: u32,
    pub column: u32,
}

impl<'a> TestEvent<'a> {
    pub fn new(spec: &'a TestSpec, result: &'a TestResult, with_output: bool) -> TestEvent<'a> {
        let failure = result.failure.as_ref();
        let location = failure.and_then(|f| f.location.as_ref());
        let show_output = with_output || result.outcome != Outcome::Passed;
        TestEvent {
            kind: "test",
            name: &spec.name,
            outcome: result.outcome.as_str(),
            duration_ms: duration_ms(result.duration),
            message: failure.map(|f| f.message.as_str()),
            file: location.map_or(spec.file.as_str(), |l| l.file.as_str()),
            line: location.map_or(spec.line, |l| l.line),
            column: location.map(|l| l.column),
            stack: failure
                .map(|f| {
                    f.stack
                        .iter()
                        .map(|frame| FrameJson {
                            function: &frame.function,
                            file: frame.file.as_deref(),
                            line: frame.line,
                            column: frame.column,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            output: show_output.then(|| captured_output(result)),
            reason: None,
        }
    }

    /// The event of a result reported from the record: `cached-passed` or `cached-failed`.
    pub fn cached(mut self) -> TestEvent<'a> {
        self.outcome = if self.outcome == "passed" {
            "cached-passed"
        } else {
            "cached-failed"
        };
        self
    }
}

/// `{"type":"summary", …}`: the last event of `holo test`. The outcome counts are disjoint:
/// `failed` does not include `timed_out` or `crashed`.
#[derive(Debug, Serialize)]
pub struct TestSummaryEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub passed: usize,
    pub failed: usize,
    pub timed_out: usize,
    pub crashed: usize,
    pub cached: usize,
    /// How many of the `cached` results are failures.
    pub cached_failed: usize,
    pub filtered_out: usize,
    pub duration_ms: f64,
}

impl TestSummaryEvent {
    pub fn new(errors: usize, warnings: usize, counts: Counts, duration: Duration) -> Self {
        TestSummaryEvent {
            kind: "summary",
            errors,
            warnings,
            passed: counts.passed,
            failed: counts.failed,
            timed_out: counts.timed_out,
            crashed: counts.crashed,
            cached: counts.cached_passed + counts.cached_failed,
            cached_failed: counts.cached_failed,
            filtered_out: counts.filtered_out,
            duration_ms: duration_ms(duration),
        }
    }
}

/// `{"type":"summary", …}`: the last event of `holo build` and of a `holo run` that stops
/// before running. `functions` is how many functions were compiled to native code.
#[derive(Debug, Serialize)]
pub struct BuildSummaryEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub errors: usize,
    pub warnings: usize,
    pub functions: usize,
    pub duration_ms: f64,
}

impl BuildSummaryEvent {
    pub fn new(errors: usize, warnings: usize, functions: usize, duration: Duration) -> Self {
        BuildSummaryEvent {
            kind: "summary",
            errors,
            warnings,
            functions,
            duration_ms: duration_ms(duration),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use holo_runner::exec::{SourceLocation, StackFrame};

    fn spec() -> TestSpec {
        TestSpec {
            name: "geometry::area".into(),
            func: 3,
            file: "src/geometry.holo".into(),
            line: 7,
        }
    }

    fn failure() -> Failure {
        Failure {
            message: "assertion failed: left == right\n  left: 1\n right: 2".into(),
            location: Some(SourceLocation {
                file: "src/geometry.holo".into(),
                line: 9,
                column: 5,
            }),
            stack: vec![StackFrame {
                function: "geometry::area".into(),
                file: Some("src/geometry.holo".into()),
                line: 9,
                column: 5,
            }],
            omitted_frames: 0,
        }
    }

    fn strip(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    #[test]
    fn failures_render_like_compiler_errors() {
        assert_eq!(
            strip(&render_failure(&failure())),
            "error: assertion failed: left == right\n  left: 1\n right: 2\n  --> src/geometry.holo:9:5\n   at geometry::area (src/geometry.holo:9)\n"
        );
        assert_eq!(
            strip(&test_line("a::b", Outcome::TimedOut)),
            "test a::b ... TIMED OUT\n"
        );
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

    #[test]
    fn a_test_event_has_the_documented_fields() {
        let spec = spec();
        let failed = TestResult {
            outcome: Outcome::Failed,
            duration: Duration::from_micros(400),
            failure: Some(failure()),
            output: b"hi\n".to_vec(),
            output_dropped: 0,
        };
        assert_eq!(
            serde_json::to_string(&TestEvent::new(&spec, &failed, false)).unwrap(),
            concat!(
                r#"{"type":"test","name":"geometry::area","outcome":"failed","duration_ms":0.4,"#,
                r#""message":"assertion failed: left == right\n  left: 1\n right: 2","#,
                r#""file":"src/geometry.holo","line":9,"column":5,"#,
                r#""stack":[{"function":"geometry::area","file":"src/geometry.holo","line":9,"column":5}],"#,
                r#""output":"hi\n"}"#
            )
        );
        let passed = TestResult {
            outcome: Outcome::Passed,
            duration: Duration::from_millis(2),
            failure: None,
            output: b"hi\n".to_vec(),
            output_dropped: 0,
        };
        assert_eq!(
            serde_json::to_string(&TestEvent::new(&spec, &passed, false)).unwrap(),
            r#"{"type":"test","name":"geometry::area","outcome":"passed","duration_ms":2.0,"message":null,"file":"src/geometry.holo","line":7,"column":null,"stack":[],"output":null}"#
        );
        let summary = TestSummaryEvent::new(
            0,
            1,
            Counts {
                passed: 1,
                ..Counts::default()
            },
            Duration::from_millis(3),
        );
        assert_eq!(
            serde_json::to_string(&summary).unwrap(),
            r#"{"type":"summary","errors":0,"warnings":1,"passed":1,"failed":0,"timed_out":0,"crashed":0,"cached":0,"cached_failed":0,"filtered_out":0,"duration_ms":3.0}"#
        );
    }
}
