//! The MCP tools `check`, `test` and `run`: their input and output schemas, the checking of
//! their arguments, and their results built from the host's events — the same values as
//! `--message-format json` — as `structuredContent` plus a short text for people.
//!
//! A tool that cannot do its work (no package, bad arguments, a program that does not
//! compile, a time-out) answers with `isError: true` and sentences saying why, never with a
//! JSON-RPC error: that is MCP's rule for errors the model can act on.

use super::backend::{Backend, Reply};
use crate::daemon::Request;
use crate::error::CliError;
use crate::host::events::{DiagnosticEvent, Event, SummaryEvent, TestEvent};
use crate::host::test::TestRequest;
use serde_json::{Map, Value, json};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The time limit of a `run` call when the agent gives none.
const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest time limit a `run` call may ask for.
const MAX_RUN_TIMEOUT_S: f64 = 600.0;
/// How much of a program's stdout and of its stderr a `run` result carries: an agent's context
/// is small, and a program that prints without end must not fill the server's memory.
const OUTPUT_LIMIT: usize = 64 * 1024;

/// A tool's result.
pub struct ToolResult {
    /// The short summary for people (the `text` content block).
    text: String,
    /// The value matching the tool's output schema.
    structured: Option<Value>,
    is_error: bool,
}

impl ToolResult {
    fn error(text: impl Into<String>) -> ToolResult {
        ToolResult {
            text: text.into(),
            structured: None,
            is_error: true,
        }
    }

    fn of_error(err: &CliError) -> ToolResult {
        ToolResult::error(sentence_of(&err.message, err.hint.as_deref()))
    }

    /// The `tools/call` result; `structured`: whether the client speaks MCP 2025-06-18.
    pub fn into_json(self, structured: bool) -> Value {
        let mut result = json!({
            "content": [{ "type": "text", "text": self.text }],
            "isError": self.is_error,
        });
        if structured && let Some(value) = self.structured {
            result["structuredContent"] = value;
        }
        result
    }
}

/// The tools, for `tools/list`; `structured`: with their output schemas.
pub fn list(structured: bool) -> Vec<Value> {
    let diagnostic = json!({
        "type": "object",
        "properties": {
            "file": { "type": ["string", "null"], "description": "Relative to the package's root." },
            "line": { "type": ["integer", "null"], "description": "1-based." },
            "column": { "type": ["integer", "null"], "description": "1-based, in characters." },
            "end_line": { "type": ["integer", "null"] },
            "end_column": { "type": ["integer", "null"] },
            "severity": { "type": "string", "enum": ["error", "warning"] },
            "code": { "type": "string", "description": "A stable code, e.g. E0308; the book explains each." },
            "message": { "type": "string" },
            "hint": { "type": ["string", "null"], "description": "What to do about it, when holo knows." }
        },
        "required": ["file", "line", "column", "end_line", "end_column", "severity", "code", "message", "hint"],
        "additionalProperties": false
    });
    let failure = json!({
        "type": ["object", "null"],
        "description": "Where and why the test failed; null when it passed.",
        "properties": {
            "file": { "type": "string" },
            "line": { "type": "integer" },
            "column": { "type": ["integer", "null"] },
            "message": { "type": "string" },
            "left": { "type": ["string", "null"], "description": "The left value of a failed `assert_eq`." },
            "right": { "type": ["string", "null"], "description": "The right value of a failed `assert_eq`." }
        },
        "required": ["file", "line", "column", "message", "left", "right"],
        "additionalProperties": false
    });
    let count = json!({ "type": "integer", "minimum": 0 });
    let mut tools = vec![
        json!({
            "name": "check",
            "title": "Check the package",
            "description": "Type-check the holo package and list every error and warning with its file, line, column, code, message and hint. Takes milliseconds on an unchanged or lightly edited package.",
            "inputSchema": { "type": "object", "properties": {}, "additionalProperties": false },
            "outputSchema": {
                "type": "object",
                "properties": {
                    "ok": { "type": "boolean", "description": "No errors (warnings allowed)." },
                    "errors": count,
                    "warnings": count,
                    "diagnostics": { "type": "array", "items": diagnostic }
                },
                "required": ["ok", "errors", "warnings", "diagnostics"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": true, "idempotentHint": true, "openWorldHint": false }
        }),
        json!({
            "name": "test",
            "title": "Run the tests",
            "description": "Run the package's #[test] functions: by default only those affected by the changes since their recorded results (the others are reported from the record, as cached); `all: true` runs every test. Each test comes with its outcome, why it ran or was answered from the record, and for a failure its location and both values of a failed assert_eq.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "filter": { "type": "string", "description": "Only the tests whose name contains this." },
                    "all": { "type": "boolean", "description": "Run every selected test, not only the affected ones.", "default": false }
                },
                "additionalProperties": false
            },
            "outputSchema": {
                "type": "object",
                "properties": {
                    "ok": { "type": "boolean", "description": "Every selected test passed." },
                    "tests": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": { "type": "string" },
                                "outcome": { "type": "string", "enum": ["passed", "failed", "timed-out", "crashed"] },
                                "cached": { "type": "boolean", "description": "Answered from the record instead of run." },
                                "reason": { "type": ["string", "null"], "description": "Why it ran, or why its recorded result still holds." },
                                "duration_ms": { "type": "number" },
                                "failure": failure
                            },
                            "required": ["name", "outcome", "cached", "reason", "duration_ms", "failure"],
                            "additionalProperties": false
                        }
                    },
                    "passed": count,
                    "failed": count,
                    "timed_out": count,
                    "crashed": count,
                    "cached": count,
                    "cached_failed": count,
                    "filtered_out": count,
                    "warnings": count,
                    "duration_ms": { "type": "number" }
                },
                "required": ["ok", "tests", "passed", "failed", "timed_out", "crashed", "cached", "cached_failed", "filtered_out", "warnings", "duration_ms"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": false, "idempotentHint": true, "openWorldHint": false }
        }),
        json!({
            "name": "run",
            "title": "Run the program",
            "description": "Compile the package and run its `main` with the given arguments and standard input; returns its exit code, stdout and stderr (each cut to 64 KiB). A program still running after `timeout_s` seconds (default 10) is stopped.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "args": { "type": "array", "items": { "type": "string" }, "description": "The program's arguments." },
                    "stdin": { "type": "string", "description": "The program's standard input (empty by default)." },
                    "timeout_s": { "type": "number", "exclusiveMinimum": 0, "maximum": MAX_RUN_TIMEOUT_S as u64, "description": "Stop the program after this many seconds (default 10)." }
                },
                "additionalProperties": false
            },
            "outputSchema": {
                "type": "object",
                "properties": {
                    "exit_code": { "type": ["integer", "null"], "description": "null when the program was stopped (time-out) or killed by a signal." },
                    "stdout": { "type": "string" },
                    "stderr": { "type": "string" },
                    "timed_out": { "type": "boolean" }
                },
                "required": ["exit_code", "stdout", "stderr", "timed_out"],
                "additionalProperties": false
            },
            "annotations": { "readOnlyHint": false, "idempotentHint": false, "openWorldHint": false }
        }),
    ];
    if !structured {
        for tool in &mut tools {
            tool.as_object_mut().map(|t| t.remove("outputSchema"));
        }
    }
    tools
}

/// Checks that `arguments` has only the properties in `known`.
fn only(arguments: &Map<String, Value>, tool: &str, known: &[&str]) -> Result<(), ToolResult> {
    match arguments.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(unknown) => Err(ToolResult::error(match known {
            [] => format!("The `{tool}` tool takes no arguments, but was given `{unknown}`."),
            _ => format!(
                "The `{tool}` tool has no argument `{unknown}`; it takes {}.",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })),
    }
}

/// `check`.
pub fn check(backend: &mut Backend, arguments: &Map<String, Value>) -> ToolResult {
    if let Err(result) = only(arguments, "check", &[]) {
        return result;
    }
    let reply = match backend.ask(&Request::Check) {
        Ok(reply) => reply,
        Err(err) => return ToolResult::of_error(&err),
    };
    if let Some(result) = stopped_by_error(&reply) {
        return result;
    }
    let diagnostics = diagnostics_of(&reply.events);
    let summary = summary_of(&reply.events);
    let (errors, warnings) = summary.map_or((0, 0), |s| (s.errors, s.warnings));
    let mut text = match (errors, warnings) {
        (0, 0) => format!("No errors or warnings in {}.", files(summary)),
        (0, w) => format!("No errors, {} in {}.", plural(w, "warning"), files(summary)),
        (e, w) => format!("{} and {}.", plural(e, "error"), plural(w, "warning")),
    };
    for d in &diagnostics {
        text.push('\n');
        text.push_str(&diagnostic_line(d));
    }
    add_note(&mut text, &reply);
    ToolResult {
        text,
        structured: Some(json!({
            "ok": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
        })),
        is_error: false,
    }
}

/// `test`.
pub fn test(backend: &mut Backend, arguments: &Map<String, Value>) -> ToolResult {
    if let Err(result) = only(arguments, "test", &["filter", "all"]) {
        return result;
    }
    let filter = match arguments.get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(filter)) => Some(filter.clone()),
        Some(other) => {
            return ToolResult::error(format!(
                "The `filter` argument of `test` must be a string (part of a test's name), not {other}."
            ));
        }
    };
    let all = match arguments.get("all") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(all)) => *all,
        Some(other) => {
            return ToolResult::error(format!(
                "The `all` argument of `test` must be true or false, not {other}."
            ));
        }
    };
    let request = TestRequest {
        filter,
        affected: !all,
        explain: true,
        ..TestRequest::default()
    };
    let reply = match backend.ask(&Request::Test(request)) {
        Ok(reply) => reply,
        Err(err) => return ToolResult::of_error(&err),
    };
    if let Some(result) =
        stopped_by_error(&reply).or_else(|| stopped_by_diagnostics(&reply, "test"))
    {
        return result;
    }
    let Some(summary) = summary_of(&reply.events) else {
        return ToolResult::error(
            "The test run ended without a summary (it was interrupted); call `test` again.",
        );
    };
    let counts = summary.tests.unwrap_or_default();
    let tests: Vec<&TestEvent> = reply
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut text = format!(
        "{}: {} ({} ms).",
        if counts.all_passed() {
            "Tests passed"
        } else {
            "Tests failed"
        },
        counts.describe(),
        summary.duration_ms.round()
    );
    if tests.is_empty() {
        text.push_str(" No test matched.");
    }
    for t in tests
        .iter()
        .filter(|t| t.base_outcome() != holo_runner::exec::Outcome::Passed)
    {
        text.push_str(&format!(
            "\n{} {}: {} at {}:{}",
            t.outcome,
            t.name,
            t.message
                .as_deref()
                .unwrap_or("no message")
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("; "),
            t.file,
            t.line
        ));
    }
    add_note(&mut text, &reply);
    ToolResult {
        text,
        structured: Some(json!({
            "ok": counts.all_passed(),
            "tests": tests.iter().map(|t| test_json(t)).collect::<Vec<_>>(),
            "passed": counts.passed,
            "failed": counts.failed,
            "timed_out": counts.timed_out,
            "crashed": counts.crashed,
            "cached": counts.cached(),
            "cached_failed": counts.cached_failed,
            "filtered_out": counts.filtered_out,
            "warnings": summary.warnings,
            "duration_ms": summary.duration_ms,
        })),
        is_error: false,
    }
}

/// `run`.
pub fn run(backend: &mut Backend, arguments: &Map<String, Value>) -> ToolResult {
    if let Err(result) = only(arguments, "run", &["args", "stdin", "timeout_s"]) {
        return result;
    }
    let args: Vec<OsString> = match arguments.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(OsString::from)
            .collect(),
        Some(other) => {
            return ToolResult::error(format!(
                "The `args` argument of `run` must be an array of strings, not {other}."
            ));
        }
    };
    let stdin = match arguments.get("stdin") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(stdin)) => stdin.clone(),
        Some(other) => {
            return ToolResult::error(format!(
                "The `stdin` argument of `run` must be a string, not {other}."
            ));
        }
    };
    let timeout = match arguments.get("timeout_s") {
        None | Some(Value::Null) => DEFAULT_RUN_TIMEOUT,
        Some(value) => match value.as_f64() {
            Some(s) if s > 0.0 && s <= MAX_RUN_TIMEOUT_S => Duration::from_secs_f64(s),
            _ => {
                return ToolResult::error(format!(
                    "The `timeout_s` argument of `run` must be a number of seconds above 0 and at most {MAX_RUN_TIMEOUT_S}, not {value}."
                ));
            }
        },
    };
    let reply = match backend.ask(&Request::Run) {
        Ok(reply) => reply,
        Err(err) => return ToolResult::of_error(&err),
    };
    let Some((name, program)) = &reply.answer.program else {
        return stopped_by_error(&reply)
            .or_else(|| stopped_by_diagnostics(&reply, "run"))
            .unwrap_or_else(|| {
                ToolResult::error("The program could not be compiled, for no reason given.")
            });
    };
    let location = match backend.location() {
        Ok(location) => location,
        Err(err) => return ToolResult::of_error(&err),
    };
    let ran = match run_program(&location, program, &args, stdin, timeout) {
        Ok(ran) => ran,
        Err(message) => {
            return ToolResult::error(format!("Could not run `{name}`: {message}."));
        }
    };
    let structured = json!({
        "exit_code": ran.exit_code,
        "stdout": ran.stdout,
        "stderr": ran.stderr,
        "timed_out": ran.timed_out,
    });
    let mut text = if ran.timed_out {
        format!(
            "`{name}` was still running after {} s and was stopped; raise `timeout_s` if it needs longer, or look for a loop that does not end or a read of more input than was given.",
            timeout.as_secs_f64()
        )
    } else {
        match ran.exit_code {
            Some(code) => format!("`{name}` exited with code {code}."),
            None => format!("`{name}` was killed by a signal."),
        }
    };
    for (what, output) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        if !output.is_empty() {
            text.push_str(&format!("\n{what}:\n{output}"));
        }
    }
    add_note(&mut text, &reply);
    ToolResult {
        text,
        structured: Some(structured),
        is_error: ran.timed_out,
    }
}

/// How a program run ended.
struct Ran {
    exit_code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Runs the encoded `program` in a child (`holo __run`, as `holo run` does) with `args` and
/// `stdin`, its output captured, for at most `timeout`.
fn run_program(
    location: &crate::host::package::PackageLocation,
    program: &[u8],
    args: &[OsString],
    stdin: String,
    timeout: Duration,
) -> Result<Ran, String> {
    let memory = holo_pkg::Manifest::load(&location.manifest_path)
        .ok()
        .and_then(|m| m.run.memory)
        .or_else(|| holo_runner::exec::testrun::default_memory_limit(1));
    let mut command = crate::host::compile::self_command("__run").map_err(|e| e.message)?;
    if let Some(bytes) = memory {
        command
            .args
            .extend(["--memory".into(), bytes.to_string().into()]);
    }
    command.args.push("--".into());
    let mut child = holo_runner::exec::ProgramChild::spawn_piped(&command, args)?;
    let (input, output, errors) = child.take_stdio();
    let started = Instant::now();
    child.start(program)?;
    // The input is written and the outputs read on threads of their own, so that a program
    // that reads little or prints much never blocks on a full pipe.
    let writer = input.map(|mut input| {
        std::thread::spawn(move || {
            let _ = input.write_all(stdin.as_bytes());
        })
    });
    let readers = [output.map(capture), errors.map(capture)];
    let status = child.wait_timeout(timeout.saturating_sub(started.elapsed()))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let [stdout, stderr] = readers.map(|r| r.and_then(|r| r.join().ok()).unwrap_or_default());
    Ok(Ran {
        exit_code: status.and_then(|s| s.code()),
        stdout,
        stderr,
        timed_out: status.is_none(),
    })
}

/// Reads a pipe to its end on a thread, keeping the first [`OUTPUT_LIMIT`] bytes.
fn capture(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buffer = [0u8; 8192];
        let mut dropped = 0usize;
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len()).min(n);
                    kept.extend_from_slice(&buffer[..room]);
                    dropped += n - room;
                }
            }
        }
        let mut text = String::from_utf8_lossy(&kept).into_owned();
        if dropped > 0 {
            text.push_str(&format!("\n[… {dropped} more bytes not shown]"));
        }
        text
    })
}

/// The result of a computation that stopped on an error (no package, a broken manifest, a
/// library given to `run`), if it did.
fn stopped_by_error(reply: &Reply) -> Option<ToolResult> {
    let errors: Vec<String> = reply
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Error(e) => {
                let mut sentence = sentence_of(&e.message, e.hint.as_deref());
                if let (Some(file), Some(line)) = (&e.file, e.line) {
                    sentence = format!("{file}:{line}: {sentence}");
                }
                Some(sentence)
            }
            _ => None,
        })
        .collect();
    (!errors.is_empty()).then(|| ToolResult::error(errors.join("\n")))
}

/// The result of a `test` or `run` whose package did not compile, if it did not.
fn stopped_by_diagnostics(reply: &Reply, tool: &str) -> Option<ToolResult> {
    let diagnostics = diagnostics_of(&reply.events);
    let errors = diagnostics.iter().filter(|d| d.severity == "error").count();
    if errors == 0 {
        return None;
    }
    let mut text = format!(
        "The package does not compile ({}), so `{tool}` could not go on; fix these first (`check` lists them too):",
        plural(errors, "error")
    );
    for d in &diagnostics {
        text.push('\n');
        text.push_str(&diagnostic_line(d));
    }
    Some(ToolResult::error(text))
}

fn diagnostics_of(events: &[Event]) -> Vec<&DiagnosticEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Diagnostic(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn summary_of(events: &[Event]) -> Option<&SummaryEvent> {
    events.iter().rev().find_map(|e| match e {
        Event::Summary(s) => Some(s),
        _ => None,
    })
}

/// A diagnostic in the fields of `holo check --message-format json` that the tool gives.
fn diagnostic_json(d: &&DiagnosticEvent) -> Value {
    json!({
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "end_line": d.end_line,
        "end_column": d.end_column,
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
    })
}

/// `src/main.holo:3:5: error[E0308]: mismatched types (hint: …)`.
fn diagnostic_line(d: &DiagnosticEvent) -> String {
    let place = match (&d.file, d.line, d.column) {
        (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}: "),
        (Some(file), _, _) => format!("{file}: "),
        _ => String::new(),
    };
    let mut line = format!("{place}{}[{}]: {}", d.severity, d.code, d.message);
    if let Some(hint) = &d.hint {
        line.push_str(&format!(" (hint: {hint})"));
    }
    line
}

fn test_json(t: &TestEvent) -> Value {
    let outcome = t.outcome.trim_start_matches("cached-");
    let failure = (outcome != "passed").then(|| {
        let message = t.message.clone().unwrap_or_default();
        let (left, right) = assert_eq_values(&message);
        json!({
            "file": t.file,
            "line": t.line,
            "column": t.column,
            "message": message,
            "left": left,
            "right": right,
        })
    });
    json!({
        "name": t.name,
        "outcome": outcome,
        "cached": t.is_cached(),
        "reason": t.reason,
        "duration_ms": t.duration_ms,
        "failure": failure,
    })
}

/// The two values of a failed `assert_eq`, from the runner's message
/// (`assertion failed: left == right\n  left: …\n right: …`).
fn assert_eq_values(message: &str) -> (Option<String>, Option<String>) {
    let Some(rest) = message.strip_prefix("assertion failed: left == right\n  left: ") else {
        return (None, None);
    };
    match rest.rsplit_once("\n right: ") {
        Some((left, right)) => (Some(left.to_string()), Some(right.to_string())),
        None => (None, None),
    }
}

fn add_note(text: &mut String, reply: &Reply) {
    if let Some(note) = &reply.note {
        text.push_str(&format!("\nNote: {note}."));
    }
}

/// A message and its hint as sentences.
fn sentence_of(message: &str, hint: Option<&str>) -> String {
    let mut text = capitalized(message);
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    if let Some(hint) = hint {
        text.push(' ');
        text.push_str(hint);
    }
    text
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text.to_string(),
    }
}

fn plural(n: usize, what: &str) -> String {
    crate::render::plural(n, what)
}

fn files(summary: Option<&SummaryEvent>) -> String {
    plural(summary.map_or(0, |s| s.files), "file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_values_of_a_failed_assert_eq_are_taken_from_its_message() {
        let message = "assertion failed: left == right\n  left: 4\n right: 5";
        assert_eq!(
            assert_eq_values(message),
            (Some("4".to_string()), Some("5".to_string()))
        );
        assert_eq!(assert_eq_values("assertion failed"), (None, None));
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            sentence_of("could not find `holo.toml`", Some("Run `holo init`.")),
            "Could not find `holo.toml`. Run `holo init`."
        );
    }
}
