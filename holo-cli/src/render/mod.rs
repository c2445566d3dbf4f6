//! Turning check results into what users and tools read: `human` renders rustc-style text,
//! `json` builds the JSON-lines events of PRODUCT.md §4.

pub mod exec;
pub mod human;
pub mod json;

use holo_compiler::{Compiler, LineIndex, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// The texts of the package's files with their line indexes, kept between checks in watch mode
/// so that a file's index is rebuilt only when its text changed (the compiler hands out the
/// same `Arc` until then).
#[derive(Default)]
pub struct Sources {
    files: HashMap<String, (Arc<str>, LineIndex)>,
}

impl Sources {
    /// The current text of `path` and its line index, or `None` if the compiler has no such file.
    pub fn get(&mut self, compiler: &Compiler, path: &str) -> Option<(Arc<str>, &LineIndex)> {
        let text = compiler.text(path)?;
        let fresh = match self.files.get(path) {
            Some((cached, _)) => Arc::ptr_eq(cached, &text),
            None => false,
        };
        if !fresh {
            let index = LineIndex::new(&text);
            self.files.insert(path.to_string(), (text.clone(), index));
        }
        let (_, index) = self.files.get(path)?;
        Some((text, index))
    }

    /// Forgets files the compiler no longer has.
    pub fn prune(&mut self, compiler: &Compiler) {
        if self.files.len() > compiler.file_paths().len() {
            self.files.retain(|path, _| compiler.text(path).is_some());
        }
    }
}

/// A 1-based line and column (columns in Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Start and end (exclusive) positions of `span` in `text`.
pub fn span_positions(text: &str, index: &LineIndex, span: Span) -> (Pos, Pos) {
    let (line, column) = index.line_col(text, span.start);
    let (end_line, end_column) = index.line_col(text, span.end.max(span.start));
    (
        Pos { line, column },
        Pos {
            line: end_line,
            column: end_column,
        },
    )
}

/// A byte range of `span` that is safe to slice `text` with: inside the text and on character
/// boundaries. Spans come from the compiler and should already be valid; this keeps a wrong
/// one from panicking the renderer.
pub fn clamp_span(text: &str, span: Span) -> std::ops::Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start as usize);
    let end = floor(span.end as usize).max(start);
    start..end
}

/// Durations as people read them: `0.4 ms`, `12.3 ms`, `1.25 s`.
pub fn format_duration(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Milliseconds with microsecond precision, for JSON.
pub fn duration_ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn durations_and_plurals() {
        assert_eq!(format_duration(Duration::from_micros(420)), "0.4 ms");
        assert_eq!(format_duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(duration_ms(Duration::from_micros(1234)), 1.234);
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "warning"), "0 warnings");
    }

    #[test]
    fn spans_are_clamped_to_char_boundaries() {
        let text = "aé";
        assert_eq!(clamp_span(text, Span::new(2, 9)), 1..3);
        assert_eq!(clamp_span(text, Span::new(3, 1)), 3..3);
    }
}
