//! Positions in a text file, for errors that point into `holo.toml`.

use std::ops::Range;

/// A byte range in a file together with the 1-based line and column of its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The byte range the error is about (may be empty, e.g. at the end of the file).
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: u32,
    /// 1-based column of `span.start`, counted in Unicode scalar values as rustc does.
    pub column: u32,
}

impl Location {
    /// The location of `span` in `text`. Out-of-range or mid-character offsets are clamped to the
    /// nearest earlier character boundary, so any span a parser reports is accepted.
    pub fn of(text: &str, span: Range<usize>) -> Location {
        let mut start = span.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let end = span.end.clamp(start, text.len());
        let before = &text[..start];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..start].chars().count() + 1;
        Location {
            span: start..end,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Location;

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a = 1\nçb = 2\n";
        assert_eq!(Location::of(text, 0..1).line, 1);
        let loc = Location::of(text, 8..9);
        assert_eq!((loc.line, loc.column), (2, 2));
        let end = Location::of(text, 100..200);
        assert_eq!(
            (end.line, end.column, end.span),
            (3, 1, text.len()..text.len())
        );
    }
}
