//! Editor queries (hover, go to definition, references, symbols, completion, signature help,
//! inlay hints, rename, quick fixes, tests) over the compiler's current inputs, for the language
//! server.
//!
//! Everything here reads what the checker already computed: the per-body [`InferenceResult`]
//! (the type of every expression, pattern and binding, and what every path, call, method call,
//! field and binding resolved to), the module scopes and import tables, and the signatures. The
//! only thing this module adds is positions: it finds the item under an offset through the
//! file's source maps and walks that one item's syntax tree ([`index::item_idents`], a
//! position-free query per item). So a hover after a one-body edit costs the re-inference of
//! that body, nothing else.
//!
//! Conventions: positions are UTF-8 byte offsets into the file's current text (the language
//! server converts to UTF-16); paths are the package-relative paths of [`Compiler`]. Every query
//! takes `&self`, so that it can later run on a salsa snapshot while the main thread applies
//! edits, and none panics or loops on any offset or on a file with syntax or type errors: it
//! answers for what parsed.
//!
//! [`InferenceResult`]: crate::sema::InferenceResult

mod complete;
mod fixes;
mod hover;
pub mod index;
mod nav;
mod resolve;
mod signature;
mod symbols;

#[cfg(test)]
mod tests;

use crate::Compiler;
use crate::db::{self, ItemInput, SourceFile};
use crate::ids::{ItemId, ModulePath};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A range of UTF-8 byte offsets, `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: u32, end: u32) -> TextRange {
        TextRange { start, end }
    }

    fn of(span: crate::Span) -> TextRange {
        TextRange::new(span.start, span.end)
    }

    /// Whether the two ranges share a position (an empty range touching the other counts).
    pub fn overlaps(self, other: TextRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// A range in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRange {
    pub path: String,
    pub range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SymbolKind {
    Function,
    Method,
    Struct,
    Enum,
    Variant,
    Field,
    Const,
    Module,
    Local,
    Parameter,
    Test,
    Keyword,
    Type,
}

/// What to show on hover: `range` is what the text is about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

/// Where a name is declared: `full_range` covers the whole declaration, `focus_range` its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NavTarget {
    pub path: String,
    pub full_range: TextRange,
    pub focus_range: TextRange,
    pub name: String,
    pub kind: SymbolKind,
}

/// A declaration for the outline and the symbol search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub path: String,
    pub full_range: TextRange,
    pub focus_range: TextRange,
    pub detail: Option<String>,
    pub container: Option<String>,
    pub children: Vec<Symbol>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    pub label: String,
    pub kind: SymbolKind,
    pub detail: Option<String>,
    /// What to insert when it differs from `label`.
    pub insert_text: Option<String>,
}

/// The signature of the call around the cursor; `parameters` are byte ranges within `label`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureHelp {
    pub label: String,
    pub parameters: Vec<TextRange>,
    pub active_parameter: Option<u32>,
    pub doc: Option<String>,
}

/// A type shown after a binding: `offset` is just after the name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InlayHint {
    pub offset: u32,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextEdit {
    pub path: String,
    pub range: TextRange,
    pub new_text: String,
}

/// An edit that fixes one diagnostic; `code` is the diagnostic's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuickFix {
    pub title: String,
    pub code: String,
    pub diagnostic_range: TextRange,
    pub edits: Vec<TextEdit>,
}

/// A `#[test]` function: `name` as `holo test` reports it, `range` its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestItem {
    pub name: String,
    pub path: String,
    pub range: TextRange,
}

/// One file as the queries see it: its input, parse and items.
pub(crate) struct FileCx<'a> {
    pub db: &'a dyn salsa::Database,
    pub file: SourceFile,
    pub path: String,
    pub text: Arc<str>,
    pub parsed: &'a crate::ast::ParsedFile,
    pub items: &'a [(ItemId, ItemInput)],
    pub module: ModulePath,
}

impl<'a> FileCx<'a> {
    pub fn new(db: &'a dyn salsa::Database, path: &str) -> Option<FileCx<'a>> {
        let file = *db::Package::get(db).files(db).get(path)?;
        Some(FileCx::of(db, file))
    }

    /// The file at `path` if `offset` is a position in its text (on a character boundary).
    pub fn at(db: &'a dyn salsa::Database, path: &str, offset: u32) -> Option<FileCx<'a>> {
        FileCx::new(db, path).filter(|cx| valid_offset(&cx.text, offset))
    }

    pub fn of(db: &'a dyn salsa::Database, file: SourceFile) -> FileCx<'a> {
        FileCx {
            db,
            file,
            path: file.path(db).to_string(),
            text: file.text(db).clone(),
            parsed: db::parse(db, file),
            items: file.items(db),
            module: db::module_path_of(db, file),
        }
    }

    /// The item whose text contains `offset` (an offset at its very end counts, for a cursor
    /// just after the last token).
    pub fn item_at(&self, offset: u32) -> Option<usize> {
        let maps = &self.parsed.source_maps;
        let n = maps
            .partition_point(|m| m.item_span.start <= offset)
            .min(self.items.len());
        (0..n)
            .rev()
            .take(4)
            .find(|&i| maps[i].item_span.end >= offset && maps[i].item_span.start <= offset)
    }

    pub fn map(&self, index: usize) -> Option<&'a crate::ast::ItemSourceMap> {
        self.parsed.source_maps.get(index)
    }

    pub fn span(&self, index: usize, node: crate::ast::NodeId) -> TextRange {
        self.map(index)
            .map_or(TextRange::new(0, 0), |m| TextRange::of(m.span(node)))
    }

    pub fn slice(&self, range: TextRange) -> &str {
        self.text
            .get(range.start as usize..range.end as usize)
            .unwrap_or("")
    }
}

/// The file and item index of an item, if it still exists.
pub(crate) fn locate_item<'a>(
    db: &'a dyn salsa::Database,
    id: &ItemId,
) -> Option<(FileCx<'a>, usize)> {
    let file = db::module_file(db, &id.module)?;
    let cx = FileCx::of(db, file);
    let index = cx.items.iter().position(|(i, _)| i == id)?;
    Some((cx, index))
}

/// Whether `offset` is a valid cursor in `text`.
fn valid_offset(text: &str, offset: u32) -> bool {
    (offset as usize) <= text.len() && text.is_char_boundary(offset as usize)
}

impl Compiler {
    /// Runs an editor query on the deep-stack pool (walking and inferring a body recurses once
    /// per level of its tree; see `deep.rs`) on a handle of the database.
    fn ide<R: Send>(&self, f: impl FnOnce(&dyn salsa::Database) -> R + Send) -> R {
        let db = self.db().clone();
        crate::deep::install(move || f(&db))
    }

    /// The type or signature (and doc comment) of what is under `offset`.
    pub fn hover(&self, path: &str, offset: u32) -> Option<Hover> {
        self.ide(|db| hover::hover(&FileCx::at(db, path, offset)?, offset))
    }

    /// Where the name under `offset` is declared (across modules and into dependencies).
    pub fn goto_definition(&self, path: &str, offset: u32) -> Vec<NavTarget> {
        self.ide(|db| {
            FileCx::at(db, path, offset)
                .map(|cx| nav::goto_definition(&cx, offset))
                .unwrap_or_default()
        })
    }

    /// Every use of the name under `offset` in the package and its dependencies, sorted.
    pub fn references(&self, path: &str, offset: u32, include_declaration: bool) -> Vec<FileRange> {
        self.ide(|db| {
            FileCx::at(db, path, offset)
                .map(|cx| nav::references(&cx, offset, include_declaration))
                .unwrap_or_default()
        })
    }

    /// The outline of a file: items, with fields, variants and methods as children.
    pub fn document_symbols(&self, path: &str) -> Vec<Symbol> {
        self.ide(|db| {
            FileCx::new(db, path)
                .map(|cx| symbols::document_symbols(&cx))
                .unwrap_or_default()
        })
    }

    /// Declarations whose name matches `query` as a case-insensitive subsequence, the
    /// package's own before its dependencies', better matches first.
    pub fn workspace_symbols(&self, query: &str) -> Vec<Symbol> {
        self.ide(|db| symbols::workspace_symbols(db, query))
    }

    /// What may be written at `offset`.
    pub fn completions(&self, path: &str, offset: u32) -> Vec<Completion> {
        self.ide(|db| {
            FileCx::at(db, path, offset)
                .map(|cx| complete::completions(&cx, offset))
                .unwrap_or_default()
        })
    }

    /// The signature of the call whose argument list contains `offset`.
    pub fn signature_help(&self, path: &str, offset: u32) -> Option<SignatureHelp> {
        self.ide(|db| signature::signature_help(&FileCx::at(db, path, offset)?, offset))
    }

    /// The inferred types of `let` bindings written without a type, in `range` (or the file).
    pub fn inlay_hints(&self, path: &str, range: Option<TextRange>) -> Vec<InlayHint> {
        self.ide(|db| {
            FileCx::new(db, path)
                .map(|cx| hover::inlay_hints(&cx, range))
                .unwrap_or_default()
        })
    }

    /// The range of the name under `offset` if it can be renamed, else why not.
    pub fn prepare_rename(&self, path: &str, offset: u32) -> Result<TextRange, String> {
        self.ide(|db| {
            let cx = FileCx::at(db, path, offset).ok_or_else(|| nothing_here(path))?;
            nav::prepare_rename(&cx, offset).map(|(range, _)| range)
        })
    }

    /// The edits that rename the local or item under `offset` to `new_name` everywhere.
    pub fn rename(&self, path: &str, offset: u32, new_name: &str) -> Result<Vec<TextEdit>, String> {
        self.ide(|db| {
            let cx = FileCx::at(db, path, offset).ok_or_else(|| nothing_here(path))?;
            nav::rename(&cx, offset, new_name)
        })
    }

    /// Fixes for the diagnostics of `path` that overlap `range` and have an obvious one.
    pub fn quick_fixes(&self, path: &str, range: TextRange) -> Vec<QuickFix> {
        self.ide(|db| {
            // A dependency's files are not the package's to edit.
            let Some(cx) = FileCx::new(db, path).filter(|_| !db::is_dependency_file(path)) else {
                return Vec::new();
            };
            let diagnostics = crate::vfs::diagnostics_for_file(db, cx.file);
            fixes::quick_fixes(&cx, diagnostics, range)
        })
    }

    /// The `#[test]` functions of a file of the package (a dependency's tests are not the
    /// package's), in source order.
    pub fn tests_in_file(&self, path: &str) -> Vec<TestItem> {
        self.ide(|db| {
            let Some(cx) = FileCx::new(db, path) else {
                return Vec::new();
            };
            if db::is_dependency_file(path) || !crate::vfs::is_module_file(cx.db, cx.file) {
                return Vec::new();
            }
            let mut out = Vec::new();
            for (index, (id, input)) in cx.items.iter().enumerate() {
                let item = input.interface(cx.db);
                if let (crate::ast::ItemKind::Fn(f), true) = (&item.kind, item.is_test()) {
                    out.push(TestItem {
                        name: id.display_path(),
                        path: cx.path.clone(),
                        range: cx.span(index, f.name.id),
                    });
                }
            }
            out
        })
    }
}

fn nothing_here(path: &str) -> String {
    format!(
        "There is nothing to rename here: `{path}` is not a file of the package, or the position is outside its text."
    )
}
