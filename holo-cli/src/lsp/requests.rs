//! The editor's questions, answered by the compiler's IDE queries (`holo_compiler::ide`):
//! hover, definition, references, symbols, completion, signature help, inlay hints, rename,
//! quick fixes. Each turns the request's position into a byte offset of the file's current
//! text (the editor's buffer when it is open), asks, and converts the answer back.

use super::convert::{self, Files};
use holo_compiler::ide::{self, SymbolKind, TextRange};
use lsp_server::ErrorCode;
use lsp_types::TextDocumentPositionParams;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A request's failure: its error code and a sentence.
pub type Failure = (ErrorCode, String);

/// The methods answered here, for `initialize`'s capabilities and the dispatch.
pub const METHODS: &[&str] = &[
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentSymbol",
    "workspace/symbol",
    "textDocument/completion",
    "textDocument/signatureHelp",
    "textDocument/inlayHint",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/codeAction",
];

/// The empty answer of each method (for a folder that is not a package).
pub fn empty(method: &str) -> Option<Value> {
    match method {
        "textDocument/hover"
        | "textDocument/signatureHelp"
        | "textDocument/prepareRename"
        | "textDocument/rename" => Some(Value::Null),
        m if METHODS.contains(&m) => Some(json!([])),
        _ => None,
    }
}

fn params<P: DeserializeOwned>(value: Value) -> Result<P, Failure> {
    serde_json::from_value(value)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

/// The compiler's path and the byte offset of a position in a document.
fn at(files: &Files, p: &TextDocumentPositionParams) -> Option<(String, u32)> {
    let path = files.path(&p.text_document.uri)?;
    let offset = files.offset(&path, p.position)?;
    Some((path, offset))
}

/// Answers `method`; `None` when it is not one of [`METHODS`].
pub fn answer(files: &Files, method: &str, value: Value) -> Option<Result<Value, Failure>> {
    let compiler = files.session.compiler();
    let result = match method {
        "textDocument/hover" => params(value).map(|p: TextDocumentPositionParams| {
            at(files, &p)
                .and_then(|(path, offset)| {
                    let hover = compiler.hover(&path, offset)?;
                    Some(json!({
                        "contents": {"kind": "markdown", "value": hover.markdown},
                        "range": files.range_of(&path, hover.range),
                    }))
                })
                .unwrap_or(Value::Null)
        }),
        "textDocument/definition" => params(value).map(|p: TextDocumentPositionParams| {
            let Some((path, offset)) = at(files, &p) else {
                return json!([]);
            };
            let targets = compiler.goto_definition(&path, offset);
            let locations: Vec<_> = targets
                .iter()
                .filter_map(|t| files.location(&t.path, t.focus_range))
                .collect();
            json!(locations)
        }),
        "textDocument/references" => params(value).map(|p: lsp_types::ReferenceParams| {
            let Some((path, offset)) = at(files, &p.text_document_position) else {
                return json!([]);
            };
            let found = compiler.references(&path, offset, p.context.include_declaration);
            let locations: Vec<_> = found
                .iter()
                .filter_map(|r| files.location(&r.path, r.range))
                .collect();
            json!(locations)
        }),
        "textDocument/documentSymbol" => params(value).map(|p: lsp_types::DocumentSymbolParams| {
            let Some(path) = files.path(&p.text_document.uri) else {
                return json!([]);
            };
            let symbols = compiler.document_symbols(&path);
            Value::Array(
                symbols
                    .iter()
                    .filter_map(|s| document_symbol(files, s))
                    .collect(),
            )
        }),
        "workspace/symbol" => params(value).map(|p: lsp_types::WorkspaceSymbolParams| {
            let symbols = compiler.workspace_symbols(&p.query);
            let out: Vec<Value> = symbols
                .iter()
                .filter_map(|s| {
                    Some(json!({
                        "name": s.name,
                        "kind": symbol_kind(s.kind),
                        "location": files.location(&s.path, s.focus_range)?,
                        "containerName": s.container,
                    }))
                })
                .collect();
            json!(out)
        }),
        "textDocument/completion" => params(value).map(|p: lsp_types::CompletionParams| {
            let Some((path, offset)) = at(files, &p.text_document_position) else {
                return json!([]);
            };
            let items: Vec<Value> = compiler
                .completions(&path, offset)
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({
                        "label": c.label,
                        "kind": completion_kind(c.kind),
                        "detail": c.detail,
                        "insertText": c.insert_text,
                        // The compiler's order (best first), kept by clients that sort.
                        "sortText": format!("{i:05}"),
                    })
                })
                .collect();
            json!(items)
        }),
        "textDocument/signatureHelp" => {
            params(value).map(|p: lsp_types::SignatureHelpParams| {
                let Some((path, offset)) = at(files, &p.text_document_position_params) else {
                    return Value::Null;
                };
                let Some(help) = compiler.signature_help(&path, offset) else {
                    return Value::Null;
                };
                // Parameter labels are offsets in the label's UTF-16 units (LSP 3.17).
                let utf16 =
                    |o: u32| convert::position(&help.label, o, convert::Encoding::Utf16).character;
                let parameters: Vec<Value> = help
                    .parameters
                    .iter()
                    .map(|r| json!({"label": [utf16(r.start), utf16(r.end)]}))
                    .collect();
                json!({
                    "signatures": [{
                        "label": help.label,
                        "documentation": help.doc.map(|d| json!({"kind": "markdown", "value": d})),
                        "parameters": parameters,
                    }],
                    "activeSignature": 0,
                    "activeParameter": help.active_parameter,
                })
            })
        }
        "textDocument/inlayHint" => params(value).map(|p: lsp_types::InlayHintParams| {
            let Some(path) = files.path(&p.text_document.uri) else {
                return json!([]);
            };
            let range = match (
                files.offset(&path, p.range.start),
                files.offset(&path, p.range.end),
            ) {
                (Some(start), Some(end)) => Some(TextRange::new(start, end)),
                _ => None,
            };
            let Some(text) = files.text(&path) else {
                return json!([]);
            };
            let hints: Vec<Value> = compiler
                .inlay_hints(&path, range)
                .into_iter()
                .map(|h| {
                    json!({
                        "position": convert::position(&text, h.offset, files.enc),
                        "label": h.label,
                        "kind": 1,
                    })
                })
                .collect();
            json!(hints)
        }),
        "textDocument/prepareRename" => {
            return Some(params(value).and_then(|p: TextDocumentPositionParams| {
                let Some((path, offset)) = at(files, &p) else {
                    return Ok(Value::Null);
                };
                match compiler.prepare_rename(&path, offset) {
                    Ok(range) => Ok(json!(files.range_of(&path, range))),
                    Err(why) => Err((ErrorCode::RequestFailed, why)),
                }
            }));
        }
        "textDocument/rename" => {
            return Some(params(value).and_then(|p: lsp_types::RenameParams| {
                let Some((path, offset)) = at(files, &p.text_document_position) else {
                    return Ok(Value::Null);
                };
                match compiler.rename(&path, offset, &p.new_name) {
                    Ok(edits) => Ok(workspace_edit(files, &edits)),
                    Err(why) => Err((ErrorCode::RequestFailed, why)),
                }
            }));
        }
        "textDocument/codeAction" => params(value).map(|p: lsp_types::CodeActionParams| {
            let Some(path) = files.path(&p.text_document.uri) else {
                return json!([]);
            };
            // Only quick fixes are offered: a client asking for other kinds gets none.
            if let Some(only) = &p.context.only
                && !only.iter().any(|k| k.as_str().starts_with("quickfix"))
            {
                return json!([]);
            }
            let (Some(start), Some(end)) = (
                files.offset(&path, p.range.start),
                files.offset(&path, p.range.end),
            ) else {
                return json!([]);
            };
            let fixes = compiler.quick_fixes(&path, TextRange::new(start, end));
            let actions: Vec<Value> = fixes
                .iter()
                .map(|fix| {
                    // The editor's diagnostic this fixes, matched by code and range.
                    let range = files.range_of(&path, fix.diagnostic_range);
                    let diagnostics: Vec<&lsp_types::Diagnostic> = p
                        .context
                        .diagnostics
                        .iter()
                        .filter(|d| {
                            Some(d.range) == range
                                && d.code
                                    == Some(lsp_types::NumberOrString::String(fix.code.clone()))
                        })
                        .collect();
                    json!({
                        "title": fix.title,
                        "kind": "quickfix",
                        "diagnostics": diagnostics,
                        "isPreferred": true,
                        "edit": workspace_edit(files, &fix.edits),
                    })
                })
                .collect();
            json!(actions)
        }),
        _ => return None,
    };
    Some(result)
}

/// `{changes: {uri: [edit…]}}`, files in path order.
fn workspace_edit(files: &Files, edits: &[ide::TextEdit]) -> Value {
    let mut changes: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for edit in edits {
        if let Some(range) = files.range_of(&edit.path, edit.range) {
            changes
                .entry(files.uri(&edit.path).as_str().to_string())
                .or_default()
                .push(json!({"range": range, "newText": edit.new_text}));
        }
    }
    json!({ "changes": changes })
}

fn document_symbol(files: &Files, s: &ide::Symbol) -> Option<Value> {
    let range = files.range_of(&s.path, s.full_range)?;
    let mut selection = files.range_of(&s.path, s.focus_range)?;
    // The protocol wants the selection inside the range.
    if selection.start < range.start || selection.end > range.end {
        selection = lsp_types::Range::new(range.start, range.start);
    }
    let children: Vec<Value> = s
        .children
        .iter()
        .filter_map(|c| document_symbol(files, c))
        .collect();
    Some(json!({
        "name": s.name,
        "detail": s.detail,
        "kind": symbol_kind(s.kind),
        "range": range,
        "selectionRange": selection,
        "children": children,
    }))
}

/// LSP's `SymbolKind` numbers.
fn symbol_kind(kind: SymbolKind) -> u32 {
    match kind {
        SymbolKind::Function | SymbolKind::Test => 12,
        SymbolKind::Method => 6,
        SymbolKind::Struct => 23,
        SymbolKind::Enum => 10,
        SymbolKind::Variant => 22,
        SymbolKind::Field => 8,
        SymbolKind::Const => 14,
        SymbolKind::Module => 2,
        SymbolKind::Local | SymbolKind::Parameter => 13,
        SymbolKind::Keyword => 20,
        SymbolKind::Type => 26,
    }
}

/// LSP's `CompletionItemKind` numbers.
fn completion_kind(kind: SymbolKind) -> u32 {
    match kind {
        SymbolKind::Function | SymbolKind::Test => 3,
        SymbolKind::Method => 2,
        SymbolKind::Struct => 22,
        SymbolKind::Enum => 13,
        SymbolKind::Variant => 20,
        SymbolKind::Field => 5,
        SymbolKind::Const => 21,
        SymbolKind::Module => 9,
        SymbolKind::Local | SymbolKind::Parameter => 6,
        SymbolKind::Keyword => 14,
        SymbolKind::Type => 25,
    }
}
