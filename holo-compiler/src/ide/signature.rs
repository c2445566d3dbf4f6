//! Signature help: the signature of the call whose argument list holds the cursor, with the
//! argument the cursor is in.

use super::hover::{builtin_label, builtin_label_on, fn_label, item_doc};
use super::index::item_idents;
use super::{FileCx, SignatureHelp, TextRange};
use crate::db::ItemKey;
use crate::sema::builtins;
use crate::sema::{Resolution, Ty, infer_body};

pub fn signature_help(cx: &FileCx<'_>, offset: u32) -> Option<SignatureHelp> {
    let index = cx.item_at(offset)?;
    let id = cx.items[index].0.clone();
    let key = ItemKey::new(cx.db, id.clone());
    let idents = item_idents(cx.db, key);
    let bytes = cx.text.as_bytes();
    // The innermost call whose parentheses hold the cursor.
    let mut best: Option<(&super::index::CallEntry, u32)> = None;
    for call in &idents.calls {
        let callee = cx.span(index, call.callee);
        let whole = cx.span(index, call.call);
        let Some(open) = (callee.end as usize..whole.end as usize)
            .find(|&i| bytes.get(i) == Some(&b'('))
            .map(|i| i as u32)
        else {
            continue;
        };
        let closed = whole.end > open + 1 && bytes.get(whole.end as usize - 1) == Some(&b')');
        let inside = offset > open && (offset < whole.end || (!closed && offset == whole.end));
        if inside && best.is_none_or(|(_, o)| open > o) {
            best = Some((call, open));
        }
    }
    let (call, open) = best?;
    let body = infer_body(cx.db, key).clone()?;
    let (label, parameters, doc) = match body.resolution(call.call)? {
        Resolution::Fn(f) | Resolution::AssocFn(f) | Resolution::Method { item: f, .. } => {
            let (label, ranges) = fn_label(cx.db, f)?;
            (label, ranges, item_doc(cx.db, f))
        }
        Resolution::BuiltinFn(b) => {
            let (label, ranges) = builtin_label(builtins::builtin(*b));
            (label, ranges, None)
        }
        Resolution::BuiltinMethod { id: b, .. } => {
            let receiver = idents.idents.iter().find_map(|e| match e.role {
                super::index::Role::Method { call: c, receiver } if c == call.call => {
                    body.ty(receiver)
                }
                _ => None,
            });
            let (label, ranges) = builtin_label_on(builtins::builtin(*b), receiver);
            (label, ranges, None)
        }
        Resolution::Variant { enum_id, index } => {
            let label = super::hover::variant_label(cx.db, enum_id, *index)?;
            let ranges = tuple_ranges(&label);
            (label, ranges, None)
        }
        Resolution::IndirectCall => match body.ty(call.callee)? {
            Ty::Fn(f) => {
                let label = Ty::Fn(f.clone()).to_string();
                let ranges = tuple_ranges(&label);
                (label, ranges, None)
            }
            _ => return None,
        },
        _ => return None,
    };
    let active = active_argument(&cx.text, open, offset);
    Some(SignatureHelp {
        active_parameter: Some(active.min(parameters.len().saturating_sub(1) as u32)),
        label,
        parameters,
        doc,
    })
}

/// The ranges of the comma-separated parts inside the first `(…)` of a label.
fn tuple_ranges(label: &str) -> Vec<TextRange> {
    let Some(open) = label.find('(') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = open + 1;
    for (i, c) in label.char_indices().skip_while(|(i, _)| *i <= open) {
        match c {
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' if depth > 0 => depth -= 1,
            ',' if depth == 0 => {
                out.push(TextRange::new(start as u32, i as u32));
                start = i + 2;
            }
            ')' => {
                if i > start {
                    out.push(TextRange::new(start as u32, i as u32));
                }
                break;
            }
            _ => {}
        }
    }
    out
}

/// Which argument the cursor is in: the commas at the argument list's own depth before it.
fn active_argument(text: &str, open: u32, offset: u32) -> u32 {
    let Some(args) = text.get(open as usize + 1..offset as usize) else {
        return 0;
    };
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    let mut commas = 0;
    for c in args.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    commas
}
