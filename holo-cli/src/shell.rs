//! [`Shell`]: the one place output goes through.
//!
//! Status lines, human-readable diagnostics and errors go to stderr (coloured when allowed);
//! machine-readable JSON lines go to stdout, uncoloured, one object per line. Write errors are
//! ignored on purpose: a closed pipe must not turn a successful check into a failure or a panic.

use crate::cli::ColorWhen;
use crate::error::CliError;
use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Effects, Style};
use std::fmt::Display;
use std::io::Write;

const STATUS: Style = AnsiColor::Green.on_default().effects(Effects::BOLD);
const ERROR: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);
const WARNING: Style = AnsiColor::Yellow.on_default().effects(Effects::BOLD);
const NOTE: Style = AnsiColor::BrightCyan.on_default().effects(Effects::BOLD);

pub struct Shell {
    err: AutoStream<std::io::Stderr>,
    out: std::io::Stdout,
    /// stdout for human-readable results (test reports), coloured when allowed.
    styled_out: AutoStream<std::io::Stdout>,
    quiet: bool,
}

impl Shell {
    pub fn new(color: ColorWhen, quiet: bool) -> Shell {
        let choice = match color {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        };
        Shell {
            err: AutoStream::new(std::io::stderr(), choice),
            out: std::io::stdout(),
            styled_out: AutoStream::new(std::io::stdout(), choice),
            quiet,
        }
    }

    pub fn err_supports_color(&self) -> bool {
        !matches!(self.err.current_choice(), ColorChoice::Never)
    }

    /// A Cargo-style status line, `    Checking hello v0.1.0`: the verb right-aligned in 12
    /// columns. Suppressed by `--quiet`.
    pub fn status(&mut self, verb: &str, message: impl Display) {
        if self.quiet {
            return;
        }
        let _ = writeln!(self.err, "{STATUS}{verb:>12}{STATUS:#} {message}");
    }

    /// A line of plain progress text (`watching for changes…`). Suppressed by `--quiet`.
    pub fn progress(&mut self, message: impl Display) {
        if self.quiet {
            return;
        }
        let _ = writeln!(self.err, "{message}");
    }

    /// The one-line result of a check in watch mode, `✓ …` or `✗ …`. Printed even with
    /// `--quiet`: it is the result, not progress.
    pub fn outcome(&mut self, ok: bool, message: impl Display) {
        let (style, mark) = if ok { (STATUS, "✓") } else { (ERROR, "✗") };
        let _ = writeln!(self.err, "{style}{mark}{style:#} {message}");
    }

    pub fn warn(&mut self, message: impl Display) {
        let _ = writeln!(self.err, "{WARNING}warning{WARNING:#}: {message}");
    }

    pub fn note(&mut self, message: impl Display) {
        if self.quiet {
            return;
        }
        let _ = writeln!(self.err, "{NOTE}note{NOTE:#}: {message}");
    }

    /// A line of `holo run --watch` about the running program (`[holo] patched bump in 2.8
    /// ms`): marked, so that it stands apart from the program's own output. Printed even with
    /// `--quiet`: it says what happened to the program.
    pub fn live(&mut self, message: impl Display) {
        let _ = writeln!(self.err, "{NOTE}[holo]{NOTE:#} {message}");
    }

    /// A one-line error without a hint (`error: could not check …`).
    pub fn error_line(&mut self, message: impl Display) {
        let _ = writeln!(self.err, "{ERROR}error{ERROR:#}: {message}");
    }

    /// An error with its context and hint, rendered like a compiler diagnostic.
    pub fn error(&mut self, err: &CliError) {
        let rendered = crate::render::human::render_error(err);
        self.write_rendered(&rendered);
    }

    /// Text already rendered with ANSI styles (diagnostics); colours are stripped if disabled.
    pub fn write_rendered(&mut self, text: &str) {
        let _ = self.err.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = self.err.write_all(b"\n");
        }
    }

    /// Whether `--quiet` was given.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Human-readable results on stdout (`test foo ... ok`), which may carry ANSI styles;
    /// they are stripped when colours are off. Printed even with `--quiet`: they are the
    /// command's result.
    pub fn out_text(&mut self, text: &str) {
        let _ = self.styled_out.write_all(text.as_bytes());
        let _ = self.styled_out.flush();
    }

    /// Writes one JSON event to stdout and flushes it, so that a reader sees each event as soon
    /// as it happens (watch mode).
    pub fn json(&mut self, event: &impl serde::Serialize) {
        let mut out = self.out.lock();
        if serde_json::to_writer(&mut out, event).is_ok() {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }
}
