//! Lexing and parsing: source text to [`crate::ast::ParsedFile`], with error recovery.
//!
//! [`parse`] is the only entry point the rest of the compiler needs. It never fails and never
//! panics: lexical and syntax errors are values in [`ParsedFile::errors`], and the items are as
//! complete as recovery could make them (missing pieces are `Error` nodes, already reported, so
//! later passes should accept them silently).
//!
//! Architecture invariants:
//! - Nodes hold no positions; spans live in each item's [`crate::ast::ItemSourceMap`]. The same
//!   tokens give equal [`crate::ast::Item`]s whatever the whitespace and comments, which is what
//!   lets salsa stop after parsing on such edits. The one exception is a file with syntax
//!   errors, where recovery may read the indentation to find which block lost a brace
//!   ([`crate::ast::ParsedFile::read_layout`]): there a re-indentation may re-check items.
//! - Node ids are numbered from 0 per item, in creation order; `impl` methods are separate items.
//! - Expressions, blocks, types and patterns nest at most [`MAX_DEPTH`] levels deep within an
//!   item (E0007 beyond; statements and match arms in between are not counted). Operator,
//!   postfix and `else if` chains are not nesting; with it they make trees at most
//!   [`MAX_TREE_DEPTH`] deep, which the recursive passes walk on deep-stack threads.
//! - Parsing is linear in the input: no backtracking, no re-lexing.

pub mod debug;
pub mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use crate::ast::ParsedFile;
use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::span::Span;

pub use parser::{MAX_DEPTH, MAX_ELSE_IF, MAX_TREE_DEPTH};

/// The reserved words of holo; they cannot be used as identifiers.
pub const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl", "in",
    "let", "loop", "match", "mut", "pub", "return", "self", "struct", "true", "use", "while",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Spans are `u32` byte offsets, so only this much of a file can be parsed.
const MAX_FILE_LEN: usize = u32::MAX as usize - 1;

/// What other items can see of a file's items, parsed without their function bodies (each an
/// empty block): for files that parse without errors and whose items are never checked or
/// lowered, only named (see `Compiler::resolve_deferred`). Node ids and spans of everything but
/// the bodies are those of [`parse`].
pub fn parse_interface(text: &str) -> ParsedFile {
    if text.len() > MAX_FILE_LEN {
        return parse(text);
    }
    parser::parse_tokens_with(text, lexer::lex(text), true)
}

/// Parses one file. Never panics, whatever the input; errors are in `ParsedFile::errors`, in
/// source order.
pub fn parse(text: &str) -> ParsedFile {
    if text.len() <= MAX_FILE_LEN {
        return parser::parse_tokens(text, lexer::lex(text));
    }
    let mut end = MAX_FILE_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let mut file = parser::parse_tokens(head, lexer::lex(head));
    file.errors.push(
        Diagnostic::error(
            codes::SYNTAX,
            "this file is too large to compile (more than 4 GiB)",
            Loc::Span(Span::new(end as u32, end as u32)),
        )
        .with_hint("Split it into several modules; only the first 4 GiB were read."),
    );
    file
}
