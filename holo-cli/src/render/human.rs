//! rustc-style rendering of diagnostics and errors with annotate-snippets:
//!
//! ```text
//! error[E0308]: mismatched types
//!  --> src/main.holo:2:18
//!   |
//! 2 |     let x: i64 = "a";
//!   |            ---   ^^^ expected `i64`, found `str`
//!   |            |
//!   |            expected because of this
//!   |
//!   = help: …
//! ```
//!
//! Output is always styled; the binary's shell strips the colours when they are off.

use super::{Sources, clamp_span};
use crate::error::CliError;
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use anstyle::{AnsiColor, Effects, Style};
use holo_compiler::{Compiler, Diagnostic, LineIndex, Loc, Severity, Span};
use std::sync::Arc;

fn renderer() -> Renderer {
    Renderer::styled()
}

/// One labelled span, resolved to a file.
struct Mark<'a> {
    path: &'a str,
    span: Span,
    message: &'a str,
    primary: bool,
}

/// Renders one diagnostic of the package held by `compiler`.
pub fn render_diagnostic(diag: &Diagnostic, compiler: &Compiler, sources: &mut Sources) -> String {
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let marks: Vec<Mark<'_>> = std::iter::once((&diag.primary, true))
        .chain(diag.secondary.iter().map(|l| (l, false)))
        .filter_map(|(label, primary)| match &label.loc {
            Loc::File { path, span } => Some(Mark {
                path: path.as_str(),
                span: *span,
                message: &label.message,
                primary,
            }),
            _ => None,
        })
        .collect();

    // One snippet per file, the primary label's file first, the others in order of appearance.
    let mut files: Vec<&str> = Vec::new();
    for mark in &marks {
        if !files.contains(&mark.path) {
            files.push(mark.path);
        }
    }
    let mut texts: Vec<(&str, Arc<str>, LineIndex)> = Vec::new();
    for path in files {
        if let Some((text, index)) = sources.get(compiler, path) {
            texts.push((path, text, index.clone()));
        }
    }

    let mut group: Group<'_> =
        Group::with_title(level.primary_title(diag.message.as_str()).id(diag.code));
    for (path, text, index) in &texts {
        let in_file: Vec<&Mark<'_>> = marks.iter().filter(|m| m.path == *path).collect();
        group = group.element(snippet(path, text, index, &in_file));
    }
    if texts.is_empty()
        && let Some(mark) = marks.first()
    {
        group = group.element(Origin::path(mark.path));
    }
    if let Some(hint) = &diag.hint {
        group = group.element(Level::HELP.message(hint.as_str()));
    }
    renderer().render(&[group])
}

/// A snippet of only the lines the marks cover, so that rendering costs the size of those lines
/// rather than of the whole file.
fn snippet<'a>(
    path: &'a str,
    text: &'a str,
    index: &LineIndex,
    marks: &[&Mark<'a>],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let ranges: Vec<std::ops::Range<usize>> =
        marks.iter().map(|m| clamp_span(text, m.span)).collect();
    let lo = ranges.iter().map(|r| r.start).min().unwrap_or(0);
    let hi = ranges.iter().map(|r| r.end).max().unwrap_or(0);
    let start = text[..lo].rfind('\n').map_or(0, |i| i + 1);
    let end = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
    let (first_line, _) = index.line_col(text, start as u32);
    let mut snippet = Snippet::source(&text[start..end])
        .line_start(first_line as usize)
        .path(path)
        .fold(true);
    for (mark, range) in marks.iter().zip(ranges) {
        let kind = if mark.primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        let mut annotation = kind.span(range.start - start..range.end - start);
        if !mark.message.is_empty() {
            annotation = annotation.label(mark.message);
        }
        snippet = snippet.annotation(annotation);
    }
    snippet
}

/// Renders an environment or usage error: the message, where it is (with the line shown when
/// the text is known), and the hint, laid out like a diagnostic.
pub fn render_error(err: &CliError) -> String {
    let site = err.site.as_deref();
    if let Some((text, span, label)) = site.and_then(|s| s.snippet.as_ref()) {
        let file = site.map_or("", |s| s.file.as_str());
        let span = clamp_span(text, Span::new(span.start as u32, span.end as u32));
        let index = LineIndex::new(text);
        let mark = Mark {
            path: file,
            span: Span::new(span.start as u32, span.end as u32),
            message: label,
            primary: true,
        };
        let mut group = Group::with_title(Level::ERROR.primary_title(err.message.as_str()))
            .element(snippet(file, text, &index, &[&mark]));
        if let Some(hint) = &err.hint {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        return renderer().render(&[group]);
    }
    // Without a snippet, annotate-snippets would print the path and hint without the usual
    // indentation, so this short form is laid out by hand in the same style.
    let mut out = format!("{ERROR}error{ERROR:#}{BOLD}: {}{BOLD:#}\n", err.message);
    if let Some(site) = site {
        let position = match site.line_col {
            Some((line, column)) => format!(":{line}:{column}"),
            None => String::new(),
        };
        out.push_str(&format!(" {GUTTER}-->{GUTTER:#} {}{position}\n", site.file));
    }
    if let Some(hint) = &err.hint {
        out.push_str(&format!(
            "  {GUTTER}|{GUTTER:#}\n  {GUTTER}={GUTTER:#} {BOLD}help{BOLD:#}: {hint}\n"
        ));
    }
    out
}

const ERROR: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);
const GUTTER: Style = AnsiColor::BrightBlue.on_default().effects(Effects::BOLD);
const BOLD: Style = Style::new().effects(Effects::BOLD);

#[cfg(test)]
mod tests {
    use super::*;
    use holo_compiler::{MemoryVfs, PackageKind};

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn renders_a_diagnostic_with_two_labels_and_a_hint() {
        let text = "fn main() {\n    let x: i64 = \"a\";\n}\n";
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler
            .load(&MemoryVfs::new([("src/main.holo", text)]))
            .unwrap();
        let file = |start, end| Loc::File {
            path: "src/main.holo".into(),
            span: Span::new(start, end),
        };
        let diag = Diagnostic::error("E0308", "mismatched types", file(29, 32))
            .with_label("expected `i64`, found `str`")
            .with_secondary(file(23, 26), "expected because of this")
            .with_hint("Convert the value, or change the annotation.");
        let out = plain(&render_diagnostic(
            &diag,
            &compiler,
            &mut Sources::default(),
        ));
        let expected = r#"error[E0308]: mismatched types
 --> src/main.holo:2:18
  |
2 |     let x: i64 = "a";
  |            ---   ^^^ expected `i64`, found `str`
  |            |
  |            expected because of this
  |
  = help: Convert the value, or change the annotation.
"#;
        assert_eq!(out.trim_end(), expected.trim_end(), "\n{out}");
    }

    #[test]
    fn renders_only_the_lines_it_needs_with_real_line_numbers() {
        let text = "// one\n// two\nfn main() {}\n// four\n";
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler
            .load(&MemoryVfs::new([("src/main.holo", text)]))
            .unwrap();
        let diag = Diagnostic::warning(
            "W0001",
            "unused variable `y`",
            Loc::File {
                path: "src/main.holo".into(),
                span: Span::new(17, 21),
            },
        );
        let out = plain(&render_diagnostic(
            &diag,
            &compiler,
            &mut Sources::default(),
        ));
        assert!(
            out.starts_with("warning[W0001]: unused variable `y`\n --> src/main.holo:3:4\n"),
            "{out}"
        );
        assert!(out.contains("3 | fn main() {}"), "{out}");
        assert!(!out.contains("two") && !out.contains("four"), "{out}");
    }

    #[test]
    fn renders_an_error_with_a_snippet_and_one_without() {
        let text: Arc<str> = Arc::from("[package]\nnmae = \"x\"\n");
        let err = CliError {
            message: "unknown key `nmae` in `[package]`".to_string(),
            hint: Some("Check its spelling.".to_string()),
            site: Some(Box::new(crate::error::ErrorSite {
                file: "holo.toml".to_string(),
                line_col: Some((2, 1)),
                snippet: Some((text, 10..14, "unknown key".to_string())),
            })),
            exit_code: 2,
        };
        let out = plain(&render_error(&err));
        let expected = "error: unknown key `nmae` in `[package]`\n --> holo.toml:2:1\n  |\n2 | nmae = \"x\"\n  | ^^^^ unknown key\n  |\n  = help: Check its spelling.\n";
        assert_eq!(out.trim_end(), expected.trim_end(), "\n{out}");

        let out = plain(&render_error(
            &CliError::new("could not find `holo.toml`").with_hint("Run `holo init`."),
        ));
        assert_eq!(
            out.trim_end(),
            "error: could not find `holo.toml`\n  |\n  = help: Run `holo init`.",
            "\n{out}"
        );

        let mut err =
            CliError::new("`src/a.holo` is not valid UTF-8").with_hint("Save it as UTF-8.");
        err = err.in_file("src/a.holo");
        if let Some(site) = &mut err.site {
            site.line_col = Some((2, 4));
        }
        assert_eq!(
            plain(&render_error(&err)),
            "error: `src/a.holo` is not valid UTF-8\n --> src/a.holo:2:4\n  |\n  = help: Save it as UTF-8.\n"
        );
    }
}
