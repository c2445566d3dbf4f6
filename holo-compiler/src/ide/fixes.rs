//! Quick fixes: edits for diagnostics whose fix is obvious from the diagnostic itself.
//!
//! - any "did you mean `x`?" label (unknown name, type, field, method, import): replace the name;
//! - assignment to or mutation of an immutable variable (E0384, E0596): declare it `mut`;
//! - a variable never read (W0001): prefix its name with `_`;
//! - a `mut` never needed (W0003): remove the `mut`;
//! - an unused import (W0004) of one name: remove the declaration.

use super::{FileCx, QuickFix, TextEdit, TextRange};
use crate::diagnostic::{Diagnostic, Loc, codes};

pub fn quick_fixes(cx: &FileCx<'_>, diagnostics: &[Diagnostic], range: TextRange) -> Vec<QuickFix> {
    let mut out = Vec::new();
    for d in diagnostics {
        let Loc::File { path, span } = &d.primary.loc else {
            continue;
        };
        if path.as_str() != cx.path {
            continue;
        }
        let at = TextRange::of(*span);
        if !at.overlaps(range) {
            continue;
        }
        let fix = |title: String, edits: Vec<TextEdit>| QuickFix {
            title,
            code: d.code.to_string(),
            diagnostic_range: at,
            edits,
        };
        let edit = |range: TextRange, new_text: String| TextEdit {
            path: cx.path.clone(),
            range,
            new_text,
        };
        if let Some(suggestion) = std::iter::once(&d.primary)
            .chain(&d.secondary)
            .find_map(|l| did_you_mean(&l.message))
            && let Some(name) = last_name(cx, at)
        {
            out.push(fix(
                format!("Replace `{}` with `{suggestion}`", cx.slice(name)),
                vec![edit(name, suggestion.to_string())],
            ));
        }
        match d.code {
            codes::ASSIGN_IMMUTABLE | codes::MUTATE_IMMUTABLE => {
                let decl = d.secondary.iter().find_map(|l| match &l.loc {
                    Loc::File { path, span } if path.as_str() == cx.path => {
                        Some(TextRange::of(*span))
                    }
                    _ => None,
                });
                if let Some(decl) = decl {
                    let name = cx.slice(decl).to_string();
                    let before = cx.text.get(..decl.start as usize).unwrap_or("");
                    // A `for` binding cannot be `mut`; a `let`, parameter or pattern can.
                    let in_for = before.trim_end().ends_with("for");
                    if crate::ids::is_identifier(&name) && !in_for {
                        out.push(fix(
                            format!("Declare `{name}` with `mut`"),
                            vec![edit(
                                TextRange::new(decl.start, decl.start),
                                "mut ".to_string(),
                            )],
                        ));
                    } else if name == "self" {
                        out.push(fix(
                            "Take `mut self`".to_string(),
                            vec![edit(
                                TextRange::new(decl.start, decl.start),
                                "mut ".to_string(),
                            )],
                        ));
                    }
                }
            }
            codes::UNUSED_VARIABLE => {
                let name = cx.slice(at).to_string();
                if crate::ids::is_identifier(&name) && !name.starts_with('_') {
                    out.push(fix(
                        format!("Rename to `_{name}` to show it is not read"),
                        vec![edit(TextRange::new(at.start, at.start), "_".to_string())],
                    ));
                }
            }
            codes::UNUSED_MUT => {
                let before = cx.text.get(..at.start as usize).unwrap_or("");
                let trimmed = before.trim_end();
                if let Some(start) = trimmed.strip_suffix("mut").map(|s| s.len() as u32)
                    && cx
                        .slice(at)
                        .chars()
                        .next()
                        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                {
                    out.push(fix(
                        "Remove the `mut`".to_string(),
                        vec![edit(TextRange::new(start, at.start), String::new())],
                    ));
                }
            }
            codes::UNUSED_IMPORT => {
                if let Some(edit) = remove_use(cx, at) {
                    out.push(fix("Remove the unused import".to_string(), vec![edit]));
                }
            }
            _ => {}
        }
    }
    out
}

/// The edit that deletes the `use` declaration of a single import (with its line, when it is
/// alone on it); `None` for a leaf of a group, which is left to the user.
fn remove_use(cx: &FileCx<'_>, at: TextRange) -> Option<TextEdit> {
    let index = cx.item_at(at.start)?;
    let item = cx.items[index].1.interface(cx.db);
    let crate::ast::ItemKind::Use(u) = &item.kind else {
        return None;
    };
    if !matches!(u.tree.kind, crate::ast::UseTreeKind::Single { .. }) {
        return None;
    }
    let span = TextRange::of(cx.map(index)?.item_span);
    let bytes = cx.text.as_bytes();
    let line_start = cx.text[..span.start as usize]
        .rfind('\n')
        .map_or(0, |i| i + 1) as u32;
    let alone = cx.text[line_start as usize..span.start as usize]
        .trim()
        .is_empty();
    let mut end = span.end as usize;
    while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
        end += 1;
    }
    let range = if alone && (end == bytes.len() || bytes[end] == b'\n') {
        TextRange::new(line_start, (end + 1).min(bytes.len()) as u32)
    } else {
        span
    };
    Some(TextEdit {
        path: cx.path.clone(),
        range,
        new_text: String::new(),
    })
}

/// `x` from a label "did you mean `x`?".
fn did_you_mean(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("did you mean `")?;
    let name = rest.strip_suffix("`?")?;
    (!name.is_empty() && !name.contains('`')).then_some(name)
}

/// The last identifier of a diagnostic's range (`area` in `geometry::aera`, `lenght` in
/// `xs.lenght()`): what a "did you mean" replaces.
fn last_name(cx: &FileCx<'_>, at: TextRange) -> Option<TextRange> {
    let text = cx.slice(at);
    let is_ident = |c: char| c == '_' || c.is_ascii_alphanumeric();
    let end = text.rfind(is_ident)? + 1;
    let start = text[..end]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_ident(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    (start < end).then(|| TextRange::new(at.start + start as u32, at.start + end as u32))
}
