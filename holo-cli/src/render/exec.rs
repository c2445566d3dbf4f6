//! What `holo build`, `holo run` and `holo test` show: runtime errors and test failures as
//! text (the JSON events are `crate::host::events`).

use crate::host::events::TestEvent;
use anstyle::{AnsiColor, Effects, Style};
use holo_runner::exec::testrun::describe_seconds;
use holo_runner::exec::{Failure, Outcome, TestResult};
use std::fmt::Write as _;

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

/// The details of one test that did not pass: its error, a hint for a time-out or a crash,
/// and, unless it was shown already (`--nocapture`), what it printed.
pub fn failure_section(test: &TestEvent, timeout_s: Option<f64>, output_shown: bool) -> String {
    let mut text = format!("\n---- {} ----\n", test.name);
    if let Some(failure) = test.failure() {
        text.push_str(&render_failure(&failure));
    }
    let (file, line) = test
        .declared
        .clone()
        .unwrap_or_else(|| (test.file.clone(), test.line));
    match test.base_outcome() {
        Outcome::TimedOut => {
            let limit = timeout_s.map_or_else(
                || "the default".to_string(),
                |s| describe_seconds(std::time::Duration::from_secs_f64(s)),
            );
            let _ = writeln!(
                text,
                "  = help: the test is at {file}:{line}; if it is just slow, raise the limit (now {limit}) with `--timeout SECONDS` or `[test] timeout` in holo.toml."
            );
        }
        Outcome::Crashed => {
            let _ = writeln!(
                text,
                "  = note: the test is at {file}:{line}; holo replaced the crashed worker and went on with the other tests."
            );
        }
        Outcome::Passed | Outcome::Failed => {}
    }
    if !output_shown && let Some(output) = test.output.as_deref().filter(|o| !o.is_empty()) {
        let _ = write!(text, "\noutput of {}:\n{output}", test.name);
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use holo_runner::exec::{SourceLocation, StackFrame};

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
}
