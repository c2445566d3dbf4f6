//! [`Printer`]: the human and JSON renderers of the host's events — the only consumers of
//! [`Event`]s that write to the terminal. The same printer renders an answer computed in this
//! process and one streamed from the daemon, so both look the same by construction.

use crate::cli::MessageFormat;
use crate::host::events::{CommandKind, Event, Reporter, SummaryEvent, TestEvent};
use crate::render::exec::{cached_test_line, failure_section, test_line};
use crate::render::{format_duration, plural};
use crate::shell::Shell;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How the closing lines of an answer look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A command: Cargo-style status lines, `test result: …`.
    Command,
    /// A watch loop: one `✓`/`✗` line per cycle instead of the status lines.
    Watch,
}

pub struct Printer<'a> {
    pub shell: &'a mut Shell,
    format: MessageFormat,
    style: Style,
    /// Show every test's output after its line.
    nocapture: bool,
    /// The tests that did not pass, in report order, for the closing section.
    failures: Vec<TestEvent>,
    bar: Option<ProgressBar>,
    running: Vec<String>,
}

impl<'a> Printer<'a> {
    pub fn new(shell: &'a mut Shell, format: MessageFormat, style: Style) -> Printer<'a> {
        Printer {
            shell,
            format,
            style,
            nocapture: false,
            failures: Vec::new(),
            bar: None,
            running: Vec::new(),
        }
    }

    pub fn nocapture(mut self, nocapture: bool) -> Printer<'a> {
        self.nocapture = nocapture;
        self
    }

    fn json(&mut self, event: &Event) {
        if let Some(value) = crate::render::json::json_of(event) {
            self.shell.json(&value);
        }
    }

    /// Runs `f` with the progress bar out of the way.
    fn above_bar(&mut self, f: impl FnOnce(&mut Shell)) {
        match &self.bar {
            Some(bar) => bar.suspend(|| f(self.shell)),
            None => f(self.shell),
        }
    }

    fn summary(&mut self, summary: &SummaryEvent) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let human = self.format == MessageFormat::Human;
        if let Some(counts) = &summary.tests {
            let duration = Duration::from_secs_f64(summary.duration_ms / 1000.0);
            if self.style == Style::Watch {
                // Why the tests that ran failed; those still failing from the record were
                // shown when they failed.
                if human {
                    let mut text = String::new();
                    for test in self.failures.iter().filter(|t| !t.is_cached()) {
                        text.push_str(&failure_section(test, summary.timeout_s, self.nocapture));
                    }
                    if !text.is_empty() {
                        text.push('\n');
                        self.shell.out_text(&text);
                    }
                }
                self.watch_test_outcome(summary);
            } else if human {
                let mut text = String::new();
                if !self.failures.is_empty() {
                    text.push_str("\nfailures:\n");
                    for test in &self.failures {
                        text.push_str(&failure_section(test, summary.timeout_s, self.nocapture));
                    }
                    text.push_str("\nfailures:\n");
                    for test in &self.failures {
                        let note = if test.is_cached() { " (cached)" } else { "" };
                        text.push_str(&format!("    {}{note}\n", test.name));
                    }
                }
                match summary.interrupted {
                    Some(not_run) => text.push_str(&format!(
                        "\ntest result: interrupted. {}, {not_run} not run; stopped after {}\n",
                        counts.describe(),
                        format_duration(duration)
                    )),
                    None => text.push_str(&format!(
                        "\ntest result: {}; finished in {}\n",
                        counts.describe(),
                        format_duration(duration)
                    )),
                }
                self.shell.out_text(&text);
            }
            self.failures.clear();
            return;
        }
        match self.style {
            Style::Watch => self.watch_check_outcome(summary),
            Style::Command => {
                if summary.command == CommandKind::Check
                    && human
                    && summary.errors == 0
                    && summary.warnings > 0
                {
                    self.shell.warn(format!(
                        "`{}` generated {}",
                        summary.package,
                        plural(summary.warnings, "warning")
                    ));
                }
            }
        }
    }

    /// `✗ 2 errors, 1 warning in 3.1 ms` or `✓ checked 4 files in 1.2 ms (1 warning)`.
    fn watch_check_outcome(&mut self, s: &SummaryEvent) {
        let elapsed = format_duration(Duration::from_secs_f64(s.duration_ms / 1000.0));
        if s.errors > 0 {
            let warned = if s.warnings > 0 {
                format!(", {}", plural(s.warnings, "warning"))
            } else {
                String::new()
            };
            self.shell.outcome(
                false,
                format!("{}{warned} in {elapsed}", plural(s.errors, "error")),
            );
        } else {
            let warned = if s.warnings > 0 {
                format!(" ({})", plural(s.warnings, "warning"))
            } else {
                String::new()
            };
            self.shell.outcome(
                true,
                format!("checked {} in {elapsed}{warned}", plural(s.files, "file")),
            );
        }
    }

    /// `✓ 12 ran, 12 passed, 788 cached — 14.0 ms after save`.
    fn watch_test_outcome(&mut self, s: &SummaryEvent) {
        let c = s.tests.unwrap_or_default();
        let ok = c.all_passed() && s.errors == 0;
        let mut parts = vec![format!("{} ran", c.ran()), format!("{} passed", c.passed)];
        let failed = c.failed + c.timed_out + c.crashed;
        if failed > 0 {
            parts.push(format!("{failed} failed"));
        }
        if c.cached() > 0 {
            parts.push(match c.cached_failed {
                0 => format!("{} cached", c.cached()),
                n => format!("{} cached ({n} still failing)", c.cached()),
            });
        }
        if c.filtered_out > 0 {
            parts.push(format!("{} filtered out", c.filtered_out));
        }
        let elapsed = format_duration(Duration::from_secs_f64(s.duration_ms / 1000.0));
        let since = if s.after_save { " after save" } else { "" };
        self.shell
            .outcome(ok, format!("{} — {elapsed}{since}", parts.join(", ")));
    }

    fn test(&mut self, test: TestEvent) {
        let outcome = test.base_outcome();
        // A watch cycle lists what ran and what still fails; passing records are only counted.
        if self.style == Style::Watch
            && test.is_cached()
            && outcome == holo_runner::exec::Outcome::Passed
        {
            return;
        }
        if self.format == MessageFormat::Json {
            self.json(&Event::Test(test.clone()));
        } else {
            let mut text = if test.is_cached() {
                cached_test_line(&test.name, outcome)
            } else {
                test_line(&test.name, outcome)
            };
            if let Some(reason) = &test.reason {
                text.push_str(&format!("    {reason}\n"));
            }
            if self.nocapture
                && let Some(output) = &test.output
            {
                text.push_str(output);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            self.above_bar(|shell| shell.out_text(&text));
        }
        if outcome != holo_runner::exec::Outcome::Passed {
            self.failures.push(test);
        }
    }

    fn progress(&mut self, count: usize) {
        if self.shell.is_quiet() || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(count as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bar = Some(bar);
        self.running.clear();
    }

    fn running_changed(&mut self) {
        let Some(bar) = &self.bar else {
            return;
        };
        let names: Vec<&str> = self.running.iter().take(3).map(String::as_str).collect();
        let more = self.running.len().saturating_sub(names.len());
        bar.set_message(if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        });
    }
}

impl Drop for Printer<'_> {
    /// A cycle that was cancelled ends without its summary: its progress bar goes too.
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Reporter for Printer<'_> {
    fn emit(&mut self, event: Event) {
        match event {
            Event::Status { verb, message } => {
                if self.style == Style::Command {
                    self.above_bar(|shell| shell.status(&verb, message));
                }
            }
            Event::Warning { message } => self.above_bar(|shell| shell.warn(message)),
            Event::ErrorLine { message } => {
                if self.style == Style::Command {
                    self.shell.error_line(message);
                }
            }
            Event::Diagnostic(ref d) => match self.format {
                MessageFormat::Human => {
                    // A blank line after each diagnostic, as rustc does, keeps them apart.
                    let rendered = d.rendered.as_deref().unwrap_or(&d.message);
                    let text = format!("{}\n\n", rendered.trim_end());
                    self.shell.write_rendered(&text);
                }
                MessageFormat::Json => self.json(&event),
            },
            Event::Error(ref e) => {
                let rendered = e
                    .rendered
                    .clone()
                    .unwrap_or_else(|| format!("error: {}\n", e.message));
                self.above_bar(|shell| shell.write_rendered(&rendered));
                if self.format == MessageFormat::Json {
                    self.json(&event);
                }
            }
            Event::TestsStarting { count } => self.progress(count),
            Event::TestStarted { name } => {
                self.running.push(name);
                self.running_changed();
            }
            Event::TestEnded { name } => {
                self.running.retain(|n| *n != name);
                self.running_changed();
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            Event::Test(test) => self.test(test),
            Event::Summary(ref summary) => {
                if self.format == MessageFormat::Json {
                    self.json(&event);
                }
                self.summary(summary);
            }
        }
    }
}
