//! Between holo's values and LSP's: positions (the only place that knows UTF-16), file URIs,
//! diagnostics and test failures. holo counts lines and columns from 1, columns in Unicode
//! scalar values, offsets in UTF-8 bytes; LSP counts from 0, characters in the encoding agreed
//! at `initialize` (UTF-16 code units unless the client offers UTF-8).

use crate::host::events::{DiagnosticEvent, ErrorEvent, TestEvent};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the book explains each diagnostic code: `diagnostics.html#e0308` (mdBook anchors
/// headings in lower case). The book is published from the repository's GitHub Pages.
pub const BOOK_DIAGNOSTICS: &str = "https://holo-lang.github.io/holo/diagnostics.html";

/// How the client counts characters in a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// Characters of `c` in this encoding.
    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        }
    }
}

/// The byte offset where line `line` (from 0) starts, or `None` past the end.
fn line_start(text: &str, line: u32) -> Option<usize> {
    if line == 0 {
        return Some(0);
    }
    text.match_indices('\n')
        .nth(line as usize - 1)
        .map(|(i, _)| i + 1)
}

/// The LSP position of byte `offset` in `text` (clamped to the text, and back to a character
/// boundary).
pub fn position(text: &str, offset: u32, enc: Encoding) -> Position {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].chars().map(|c| enc.width(c)).sum();
    Position { line, character }
}

/// The byte offset of an LSP position in `text`. A character past the end of its line means
/// the line's end, a line past the end the text's end (as the protocol asks); a position
/// inside a character that the encoding splits (a UTF-16 surrogate pair) means its start.
pub fn offset(text: &str, pos: Position, enc: Encoding) -> u32 {
    let Some(start) = line_start(text, pos.line) else {
        return text.len() as u32;
    };
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        let next = units + enc.width(c);
        if next > pos.character {
            return (start + i) as u32;
        }
        units = next;
    }
    (start + line.len()) as u32
}

/// The LSP position of holo's 1-based `line` and `column` (in characters) in `text`.
pub fn position_of_line_col(text: &str, line: u32, column: u32, enc: Encoding) -> Position {
    let Some(start) = line_start(text, line.saturating_sub(1)) else {
        return position(text, text.len() as u32, enc);
    };
    let rest = &text[start..];
    let line_text = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let character = line_text
        .chars()
        .take(column.saturating_sub(1) as usize)
        .map(|c| enc.width(c))
        .sum();
    Position {
        line: line.saturating_sub(1),
        character,
    }
}

pub fn range(text: &str, start: u32, end: u32, enc: Encoding) -> Range {
    Range::new(position(text, start, enc), position(text, end, enc))
}

/// The `file://` URI of an absolute path (bytes outside the unreserved set percent-encoded,
/// as VS Code and Neovim write them).
pub fn uri_of(path: &Path) -> Uri {
    let mut out = String::from("file://");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Uri::from_str(&out).expect("a percent-encoded file URI is a valid URI")
}

/// The path of a `file://` URI; `None` for other schemes.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host is ours.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = rest
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// What converting needs: the package root and each file's current text.
pub struct Files<'a> {
    pub session: &'a crate::host::session::Session,
    pub enc: Encoding,
}

impl Files<'_> {
    pub fn text(&self, path: &str) -> Option<std::sync::Arc<str>> {
        self.session.compiler().text(path)
    }

    /// The URI of the compiler's `path` (a dependency's file in the dependency's folder).
    pub fn uri(&self, path: &str) -> Uri {
        uri_of(&self.session.disk_path(path))
    }

    /// The compiler's path of a document.
    pub fn path(&self, uri: &Uri) -> Option<String> {
        self.session.package_path(&path_of(uri)?)
    }

    /// The byte offset of `pos` in the compiler's current text of `path`.
    pub fn offset(&self, path: &str, pos: Position) -> Option<u32> {
        Some(offset(&self.text(path)?, pos, self.enc))
    }

    /// The LSP range of a byte range of `path`.
    pub fn range_of(&self, path: &str, r: holo_compiler::ide::TextRange) -> Option<Range> {
        let text = self.text(path)?;
        Some(range(&text, r.start, r.end, self.enc))
    }

    pub fn location(&self, path: &str, r: holo_compiler::ide::TextRange) -> Option<Location> {
        Some(Location::new(self.uri(path), self.range_of(path, r)?))
    }

    /// The range from holo's 1-based line/columns in `path`.
    fn range(&self, path: &str, start: (u32, u32), end: (u32, u32)) -> Range {
        match self.text(path) {
            Some(text) => Range::new(
                position_of_line_col(&text, start.0, start.1, self.enc),
                position_of_line_col(&text, end.0, end.1, self.enc),
            ),
            // Not a source file (the manifest): its lines and columns are ASCII-safe enough
            // to pass through; the line is what matters.
            None => Range::new(
                Position::new(start.0.saturating_sub(1), start.1.saturating_sub(1)),
                Position::new(end.0.saturating_sub(1), end.1.saturating_sub(1)),
            ),
        }
    }

    /// The LSP diagnostic of a compiler diagnostic: code with its book link, the primary
    /// label's message, the other labels as related locations, the hint after the message.
    pub fn diagnostic(&self, d: &DiagnosticEvent) -> Option<(String, Diagnostic)> {
        let file = d.file.clone()?;
        let start = (d.line?, d.column?);
        let end = (
            d.end_line.unwrap_or(start.0),
            d.end_column.unwrap_or(start.1),
        );
        let primary = d.labels.iter().find(|l| l.primary);
        let mut message = d.message.clone();
        if let Some(label) = primary.filter(|l| !l.message.is_empty()) {
            message.push_str(&format!(": {}", label.message));
        }
        if let Some(hint) = &d.hint {
            message.push_str(&format!("\nhint: {hint}"));
        }
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .filter(|l| !l.primary)
            .map(|l| DiagnosticRelatedInformation {
                location: Location::new(
                    self.uri(&l.file),
                    self.range(&l.file, (l.line, l.column), (l.end_line, l.end_column)),
                ),
                message: l.message.clone(),
            })
            .collect();
        let diagnostic = Diagnostic {
            range: self.range(&file, start, end),
            severity: Some(match d.severity.as_str() {
                "error" => DiagnosticSeverity::ERROR,
                _ => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(d.code.clone())),
            code_description: book_link(&d.code),
            source: Some("holo".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        };
        Some((file, diagnostic))
    }

    /// The diagnostic of a problem that stopped the check (a manifest error), at its line.
    pub fn error(&self, e: &ErrorEvent) -> Option<(String, Diagnostic)> {
        let file = e.file.clone()?;
        let start = (e.line.unwrap_or(1), e.column.unwrap_or(1));
        let mut message = e.message.clone();
        if let Some(hint) = &e.hint {
            message.push_str(&format!("\nhint: {hint}"));
        }
        let mut range = self.range(&file, start, start);
        range.end.character += 1;
        Some((
            file,
            Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("holo".to_string()),
                message,
                ..Diagnostic::default()
            },
        ))
    }

    /// The diagnostic of a test that did not pass, at its failing assertion (or its
    /// declaration when the place is not known): the message with both values as the runner
    /// wrote them, and the test's declaration as a related location.
    pub fn test_failure(&self, t: &TestEvent) -> (String, Diagnostic) {
        let text = self.text(&t.file);
        let start = (t.line, t.column.unwrap_or(1));
        let range = match &text {
            Some(text) => {
                let start = position_of_line_col(text, start.0, start.1, self.enc);
                // To the end of the line: the assertion, not just its first character.
                let line_end = position_of_line_col(text, t.line, u32::MAX, self.enc);
                Range::new(start, line_end)
            }
            None => self.range(&t.file, start, start),
        };
        let outcome = t.outcome.trim_start_matches("cached-");
        let mut message = format!("test `{}` {}", t.name, outcome.replace('-', " "));
        if let Some(m) = &t.message {
            message.push_str(&format!(": {m}"));
        }
        let related = t.declared.as_ref().map(|(file, line)| {
            vec![DiagnosticRelatedInformation {
                location: Location::new(self.uri(file), self.range(file, (*line, 1), (*line, 1))),
                message: format!("test `{}` is declared here", t.name),
            }]
        });
        (
            t.file.clone(),
            Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                code: None,
                code_description: None,
                source: Some("holo test".to_string()),
                message,
                related_information: related,
                tags: None,
                data: None,
            },
        )
    }
}

/// The book's page for diagnostic `code`.
pub fn book_link(code: &str) -> Option<CodeDescription> {
    let uri = format!("{BOOK_DIAGNOSTICS}#{}", code.to_lowercase());
    Uri::from_str(&uri)
        .ok()
        .map(|href| CodeDescription { href })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_surrogate_pairs_and_utf8_counts_bytes() {
        let text = "let é = \"😀\"; x\nnext";
        let x = text.find(" x").unwrap() as u32 + 1;
        assert_eq!(position(text, x, Encoding::Utf16), Position::new(0, 14));
        assert_eq!(position(text, x, Encoding::Utf8), Position::new(0, x));
        assert_eq!(offset(text, Position::new(0, 14), Encoding::Utf16), x);
        assert_eq!(offset(text, Position::new(0, x), Encoding::Utf8), x);
        // Past the line's end: the line's end; past the text: the text's end.
        assert_eq!(
            offset(text, Position::new(0, 99), Encoding::Utf16),
            text.find('\n').unwrap() as u32
        );
        assert_eq!(
            offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len() as u32
        );
        assert_eq!(
            position(text, text.len() as u32, Encoding::Utf16),
            Position::new(1, 4)
        );
    }

    #[test]
    fn line_and_column_in_characters_become_utf16_units() {
        let text = "a\n😀é = 1\n";
        // Column 4 (after two characters and a space) is 4 UTF-16 units in.
        assert_eq!(
            position_of_line_col(text, 2, 4, Encoding::Utf16),
            Position::new(1, 4)
        );
        assert_eq!(
            position_of_line_col(text, 2, 4, Encoding::Utf8),
            Position::new(1, 7)
        );
    }

    #[test]
    fn file_uris_round_trip_with_percent_encoding() {
        let path = Path::new("/tmp/a b/ç/main.holo");
        let uri = uri_of(path);
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A7/main.holo");
        assert_eq!(path_of(&uri).unwrap(), path);
        let lower: Uri = "file:///tmp/a%c3%a7".parse().unwrap();
        assert_eq!(path_of(&lower).unwrap(), Path::new("/tmp/aç"));
    }

    #[test]
    fn codes_link_to_their_heading_in_the_book() {
        assert_eq!(
            book_link("E0308").unwrap().href.as_str(),
            "https://holo-lang.github.io/holo/diagnostics.html#e0308"
        );
    }
}
