//! The JSON-lines view of the host's events (PRODUCT.md §4). Field names are a contract with
//! tools: add fields, never rename or remove them. The events carry more than the contract
//! (rendered text, a test's declared place); this view leaves that out.

use super::{Sources, span_positions};
use crate::host::events::{CommandKind, DiagnosticEvent, Event, LabelJson, SummaryEvent};
use holo_compiler::{Compiler, Diagnostic, Label, Loc};
use serde_json::{Value, json};

/// The JSON object of `event` for `--message-format json`, or `None` for the events that are
/// only for people (status lines, progress).
pub fn json_of(event: &Event) -> Option<Value> {
    let value = match event {
        Event::Diagnostic(d) => {
            let mut d = d.clone();
            d.rendered = None;
            serde_json::to_value(Event::Diagnostic(d))
        }
        Event::Error(e) => {
            let mut e = e.clone();
            e.rendered = None;
            serde_json::to_value(Event::Error(e))
        }
        Event::Test(t) => {
            let mut t = t.clone();
            t.declared = None;
            t.omitted_frames = 0;
            serde_json::to_value(Event::Test(t))
        }
        Event::Summary(s) => return Some(summary_json(s)),
        Event::Status { .. }
        | Event::Warning { .. }
        | Event::ErrorLine { .. }
        | Event::TestsStarting { .. }
        | Event::TestStarted { .. }
        | Event::TestEnded { .. } => return None,
    };
    value.ok()
}

/// `{"type":"runtime-error", …}`: how `holo run --message-format json` reports a program that
/// stopped with a runtime error, with the fields of a failed test's event (`file`, `line` and
/// `column` of the failing expression, `null` when not known).
pub fn runtime_error_json(failure: &holo_runner::exec::Failure) -> Value {
    let stack: Vec<Value> = failure
        .stack
        .iter()
        .map(|f| {
            json!({
                "function": f.function,
                "file": f.file,
                "line": f.line,
                "column": f.column,
            })
        })
        .collect();
    let location = failure.location.as_ref();
    json!({
        "type": "runtime-error",
        "message": failure.message,
        "file": location.map(|l| &l.file),
        "line": location.map(|l| l.line),
        "column": location.map(|l| l.column),
        "stack": stack,
        "exit_code": crate::error::EXIT_RUNTIME,
    })
}

/// `{"type":"summary", …}`: the last event of every command, with the fields of its command.
fn summary_json(s: &SummaryEvent) -> Value {
    let served_by = match s.served_by {
        crate::host::events::ServedBy::Daemon => "daemon",
        crate::host::events::ServedBy::Process => "process",
    };
    match s.command {
        CommandKind::Check => json!({
            "type": "summary",
            "errors": s.errors,
            "warnings": s.warnings,
            "files": s.files,
            "duration_ms": s.duration_ms,
            "served_by": served_by,
        }),
        CommandKind::Build | CommandKind::Run => json!({
            "type": "summary",
            "errors": s.errors,
            "warnings": s.warnings,
            "functions": s.functions,
            "duration_ms": s.duration_ms,
            "served_by": served_by,
        }),
        CommandKind::Test => {
            let c = s.tests.unwrap_or_default();
            let mut summary = json!({
                "type": "summary",
                "errors": s.errors,
                "warnings": s.warnings,
                "passed": c.passed,
                "failed": c.failed,
                "timed_out": c.timed_out,
                "crashed": c.crashed,
                "cached": c.cached(),
                "cached_failed": c.cached_failed,
                "filtered_out": c.filtered_out,
                "duration_ms": s.duration_ms,
                "served_by": served_by,
            });
            if let Some(not_run) = s.interrupted {
                summary["interrupted"] = json!(true);
                summary["not_run"] = json!(not_run);
            }
            summary
        }
    }
}

/// The event for one diagnostic of the package held by `compiler`, with its rendering.
pub fn diagnostic_event(
    diag: &Diagnostic,
    compiler: &Compiler,
    sources: &mut Sources,
) -> DiagnosticEvent {
    let mut labels: Vec<LabelJson> = Vec::new();
    for (label, primary) in
        std::iter::once((&diag.primary, true)).chain(diag.secondary.iter().map(|l| (l, false)))
    {
        if let Some(json) = label_json(label, primary, compiler, sources) {
            labels.push(json);
        }
    }
    let primary = labels.first().filter(|l| l.primary);
    DiagnosticEvent {
        severity: diag.severity.as_str().to_string(),
        code: diag.code.to_string(),
        message: diag.message.clone(),
        file: primary.map(|l| l.file.clone()),
        line: primary.map(|l| l.line),
        column: primary.map(|l| l.column),
        end_line: primary.map(|l| l.end_line),
        end_column: primary.map(|l| l.end_column),
        hint: diag.hint.clone(),
        rendered: Some(super::human::render_diagnostic(diag, compiler, sources)),
        labels,
    }
}

fn label_json(
    label: &Label,
    primary: bool,
    compiler: &Compiler,
    sources: &mut Sources,
) -> Option<LabelJson> {
    let Loc::File { path, span } = &label.loc else {
        return None;
    };
    let (text, index) = sources.get(compiler, path)?;
    let (start, end) = span_positions(&text, index, *span);
    Some(LabelJson {
        file: path.to_string(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: label.message.clone(),
        primary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CliError;
    use crate::host::events::{Counts, ErrorEvent, ServedBy, TestEvent};
    use holo_compiler::{MemoryVfs, PackageKind, Span};
    use holo_runner::exec::{Failure, Outcome, SourceLocation, StackFrame, TestResult, TestSpec};
    use std::time::Duration;

    #[test]
    fn a_diagnostic_event_has_the_documented_fields() {
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler
            .load(&MemoryVfs::new([(
                "src/main.holo",
                "fn main() {\n    let x: i64 = \"a\";\n}\n",
            )]))
            .unwrap();
        let file = |start, end| Loc::File {
            path: "src/main.holo".into(),
            span: Span::new(start, end),
        };
        let diag = Diagnostic::error("E0308", "mismatched types", file(29, 32))
            .with_label("expected `i64`, found `str`")
            .with_secondary(file(23, 26), "expected because of this");
        let event = diagnostic_event(&diag, &compiler, &mut Sources::default());
        assert!(
            event
                .rendered
                .as_deref()
                .unwrap()
                .contains("mismatched types")
        );
        let json = json_of(&Event::Diagnostic(event)).unwrap().to_string();
        assert_eq!(
            json,
            concat!(
                r#"{"type":"diagnostic","severity":"error","code":"E0308","message":"mismatched types","#,
                r#""file":"src/main.holo","line":2,"column":18,"end_line":2,"end_column":21,"#,
                r#""labels":[{"file":"src/main.holo","line":2,"column":18,"end_line":2,"end_column":21,"message":"expected `i64`, found `str`","primary":true},"#,
                r#"{"file":"src/main.holo","line":2,"column":12,"end_line":2,"end_column":15,"message":"expected because of this","primary":false}],"#,
                r#""hint":null}"#
            )
        );
    }

    #[test]
    fn summaries_have_the_fields_of_their_command() {
        let mut summary =
            SummaryEvent::new(CommandKind::Check, "p", Duration::from_micros(3200)).counts(2, 1);
        summary.files = 12;
        assert_eq!(
            json_of(&Event::Summary(summary.clone()))
                .unwrap()
                .to_string(),
            r#"{"type":"summary","errors":2,"warnings":1,"files":12,"duration_ms":3.2,"served_by":"process"}"#
        );
        summary.command = CommandKind::Test;
        summary.served_by = ServedBy::Daemon;
        summary.tests = Some(Counts {
            passed: 1,
            ..Counts::default()
        });
        assert_eq!(
            json_of(&Event::Summary(summary)).unwrap().to_string(),
            r#"{"type":"summary","errors":2,"warnings":1,"passed":1,"failed":0,"timed_out":0,"crashed":0,"cached":0,"cached_failed":0,"filtered_out":0,"duration_ms":3.2,"served_by":"daemon"}"#
        );
        let err = CliError::new("could not find `holo.toml`").with_hint("Run `holo init`.");
        assert_eq!(
            json_of(&Event::Error(ErrorEvent::new(&err)))
                .unwrap()
                .to_string(),
            r#"{"type":"error","message":"could not find `holo.toml`","file":null,"line":null,"column":null,"hint":"Run `holo init`."}"#
        );
    }

    #[test]
    fn a_test_event_has_the_documented_fields() {
        let spec = TestSpec {
            name: "geometry::area".into(),
            func: 3,
            file: "src/geometry.holo".into(),
            line: 7,
        };
        let failure = Failure {
            message: "assertion failed".into(),
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
        };
        let failed = TestResult {
            outcome: Outcome::Failed,
            duration: Duration::from_micros(400),
            failure: Some(failure.clone()),
            output: b"hi\n".to_vec(),
            output_dropped: 0,
        };
        let event = TestEvent::new(&spec, &failed, false);
        assert_eq!(event.failure(), Some(failure));
        assert_eq!(
            json_of(&Event::Test(event)).unwrap().to_string(),
            concat!(
                r#"{"type":"test","name":"geometry::area","outcome":"failed","duration_ms":0.4,"#,
                r#""message":"assertion failed","file":"src/geometry.holo","line":9,"column":5,"#,
                r#""stack":[{"function":"geometry::area","file":"src/geometry.holo","line":9,"column":5}],"#,
                r#""output":"hi\n"}"#
            )
        );
    }
}
