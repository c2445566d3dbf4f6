//! The JSON-lines events of `--message-format json` (PRODUCT.md §4). Field names are a
//! contract with tools: add fields, never rename or remove them.

use super::{Sources, span_positions};
use crate::error::CliError;
use holo_compiler::{Compiler, Diagnostic, Label, Loc};
use serde::Serialize;

/// `{"type":"diagnostic", …}`: one compiler diagnostic. Positions are 1-based; `end_line` and
/// `end_column` are just past the end of the primary span.
#[derive(Debug, Serialize)]
pub struct DiagnosticEvent<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: &'a str,
    pub file: Option<&'a str>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
    /// Every label, the primary one first.
    pub labels: Vec<LabelJson<'a>>,
    pub hint: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct LabelJson<'a> {
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: &'a str,
    pub primary: bool,
}

/// `{"type":"summary", …}`: the last event of every check.
#[derive(Debug, Serialize)]
pub struct SummaryEvent {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub errors: usize,
    pub warnings: usize,
    /// How many source files were checked.
    pub files: usize,
    pub duration_ms: f64,
}

impl SummaryEvent {
    pub fn new(
        errors: usize,
        warnings: usize,
        files: usize,
        duration: std::time::Duration,
    ) -> SummaryEvent {
        SummaryEvent {
            kind: "summary",
            errors,
            warnings,
            files,
            duration_ms: super::duration_ms(duration),
        }
    }
}

/// `{"type":"error", …}`: a problem that stopped the check (missing or malformed manifest,
/// unreadable source file).
#[derive(Debug, Serialize)]
pub struct ErrorEvent<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: &'a str,
    pub file: Option<&'a str>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub hint: Option<&'a str>,
}

impl<'a> ErrorEvent<'a> {
    pub fn new(err: &'a CliError) -> ErrorEvent<'a> {
        let site = err.site.as_ref();
        let line_col = site.and_then(|s| s.line_col);
        ErrorEvent {
            kind: "error",
            message: &err.message,
            file: site.map(|s| s.file.as_str()),
            line: line_col.map(|(l, _)| l),
            column: line_col.map(|(_, c)| c),
            hint: err.hint.as_deref(),
        }
    }
}

/// The event for one diagnostic of the package held by `compiler`.
pub fn diagnostic_event<'a>(
    diag: &'a Diagnostic,
    compiler: &Compiler,
    sources: &mut Sources,
) -> DiagnosticEvent<'a> {
    let mut labels: Vec<LabelJson<'a>> = Vec::new();
    for (label, primary) in
        std::iter::once((&diag.primary, true)).chain(diag.secondary.iter().map(|l| (l, false)))
    {
        if let Some(json) = label_json(label, primary, compiler, sources) {
            labels.push(json);
        }
    }
    let primary = labels.first().filter(|l| l.primary);
    DiagnosticEvent {
        kind: "diagnostic",
        severity: diag.severity.as_str(),
        code: diag.code,
        message: &diag.message,
        file: primary.map(|l| l.file),
        line: primary.map(|l| l.line),
        column: primary.map(|l| l.column),
        end_line: primary.map(|l| l.end_line),
        end_column: primary.map(|l| l.end_column),
        labels,
        hint: diag.hint.as_deref(),
    }
}

fn label_json<'a>(
    label: &'a Label,
    primary: bool,
    compiler: &Compiler,
    sources: &mut Sources,
) -> Option<LabelJson<'a>> {
    let Loc::File { path, span } = &label.loc else {
        return None;
    };
    let (text, index) = sources.get(compiler, path)?;
    let (start, end) = span_positions(&text, index, *span);
    Some(LabelJson {
        file: path.as_str(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: &label.message,
        primary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use holo_compiler::{MemoryVfs, PackageKind, Span};

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
        let json = serde_json::to_string(&event).unwrap();
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
    fn summary_and_error_events() {
        let summary = SummaryEvent::new(2, 1, 12, std::time::Duration::from_micros(3200));
        assert_eq!(
            serde_json::to_string(&summary).unwrap(),
            r#"{"type":"summary","errors":2,"warnings":1,"files":12,"duration_ms":3.2}"#
        );
        let err = CliError::new("could not find `holo.toml`").with_hint("Run `holo init`.");
        assert_eq!(
            serde_json::to_string(&ErrorEvent::new(&err)).unwrap(),
            r#"{"type":"error","message":"could not find `holo.toml`","file":null,"line":null,"column":null,"hint":"Run `holo init`."}"#
        );
    }
}
