//! Document symbols (a file's outline) and workspace symbols (a search over every declaration).

use super::hover::{fn_label, item_signature};
use super::nav::item_kind;
use super::{FileCx, Symbol, SymbolKind, TextRange};
use crate::ast::{Item, ItemKind};
use crate::db;
use crate::ids::ItemId;

/// The symbol of one item with its fields or variants as children (methods are added by the
/// caller, which knows the file's types).
fn item_symbol(cx: &FileCx<'_>, index: usize, id: &ItemId, item: &Item) -> Option<Symbol> {
    let name = item.name()?;
    let kind = item_kind(item);
    let full_range = TextRange::of(cx.map(index)?.item_span);
    let container = match &item.kind {
        ItemKind::Method(m) => Some(m.self_ty.name.to_string()),
        _ => (!id.module.is_root()).then(|| id.module.0.to_string()),
    };
    let detail = match &item.kind {
        ItemKind::Fn(_) | ItemKind::Method(_) => fn_label(cx.db, id).map(|l| l.0),
        ItemKind::Const(_) => item_signature(cx.db, id),
        _ => None,
    };
    let mut children = Vec::new();
    match &item.kind {
        ItemKind::Struct(s) => {
            let info = crate::sema::struct_info(cx.db, db::ItemKey::new(cx.db, id.clone()));
            for (i, f) in s.fields.iter().enumerate() {
                children.push(Symbol {
                    name: f.name.name.to_string(),
                    kind: SymbolKind::Field,
                    path: cx.path.clone(),
                    full_range: cx.span(index, f.id),
                    focus_range: cx.span(index, f.name.id),
                    detail: info
                        .as_ref()
                        .and_then(|info| info.fields.get(i))
                        .map(|f| f.ty.to_string()),
                    container: Some(s.name.name.to_string()),
                    children: Vec::new(),
                });
            }
        }
        ItemKind::Enum(e) => {
            for (i, v) in e.variants.iter().enumerate() {
                children.push(Symbol {
                    name: v.name.name.to_string(),
                    kind: SymbolKind::Variant,
                    path: cx.path.clone(),
                    full_range: cx.span(index, v.id),
                    focus_range: cx.span(index, v.name.id),
                    detail: super::hover::variant_label(cx.db, id, i as u32),
                    container: Some(e.name.name.to_string()),
                    children: Vec::new(),
                });
            }
        }
        _ => {}
    }
    Some(Symbol {
        name: name.name.to_string(),
        kind,
        path: cx.path.clone(),
        full_range,
        focus_range: cx.span(index, name.id),
        detail,
        container,
        children,
    })
}

/// The file's items in source order; methods are children of their type when it is declared in
/// the same file, else of a `Type` symbol standing for the `impl` (spanning its methods).
pub fn document_symbols(cx: &FileCx<'_>) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = Vec::new();
    let mut methods: Vec<(String, Symbol)> = Vec::new();
    for (index, (id, input)) in cx.items.iter().enumerate() {
        let item = input.interface(cx.db);
        let Some(symbol) = item_symbol(cx, index, id, item) else {
            continue;
        };
        match &item.kind {
            ItemKind::Method(m) => methods.push((m.self_ty.name.to_string(), symbol)),
            _ => out.push(symbol),
        }
    }
    for (owner, method) in methods {
        let parent = out.iter_mut().find(|s| {
            s.name == owner
                && matches!(
                    s.kind,
                    SymbolKind::Struct | SymbolKind::Enum | SymbolKind::Type
                )
        });
        match parent {
            Some(parent) => {
                if parent.kind == SymbolKind::Type {
                    parent.full_range.start = parent.full_range.start.min(method.full_range.start);
                    parent.full_range.end = parent.full_range.end.max(method.full_range.end);
                }
                parent.children.push(method);
            }
            None => out.push(Symbol {
                name: owner.clone(),
                kind: SymbolKind::Type,
                path: cx.path.clone(),
                full_range: method.full_range,
                focus_range: method.focus_range,
                detail: Some(format!("impl {owner}")),
                container: None,
                children: vec![method],
            }),
        }
    }
    out.sort_by_key(|s| s.full_range.start);
    out
}

/// How well `name` matches `query` (a case-insensitive subsequence): lower is better, `None` if
/// it does not match. Exact and prefix matches first, then by how spread out the match is.
fn score(name: &str, query: &str) -> Option<(u8, usize)> {
    let name_l = name.to_lowercase();
    let query_l = query.to_lowercase();
    if query_l.is_empty() {
        return Some((3, name.len()));
    }
    if name_l == query_l {
        return Some((0, 0));
    }
    if name_l.starts_with(&query_l) {
        return Some((1, name.len()));
    }
    let mut chars = name_l.char_indices();
    let mut first = None;
    let mut last = 0;
    for q in query_l.chars() {
        let (i, _) = chars.by_ref().find(|(_, c)| *c == q)?;
        first.get_or_insert(i);
        last = i;
    }
    let spread = last - first.unwrap_or(0);
    Some((if name_l.contains(&query_l) { 2 } else { 3 }, spread))
}

/// The most results a search returns (an editor shows a list, not a dump of the package).
const MAX_WORKSPACE_SYMBOLS: usize = 256;

pub fn workspace_symbols(db: &dyn salsa::Database, query: &str) -> Vec<Symbol> {
    // Sorted by (from a dependency, match score, name).
    type Rank = (bool, (u8, usize), String);
    let mut found: Vec<(Rank, Symbol)> = Vec::new();
    for file in db::Package::get(db).files(db).values() {
        if !crate::vfs::is_module_file(db, *file) {
            continue;
        }
        let cx = FileCx::of(db, *file);
        let dependency = db::is_dependency_file(&cx.path);
        let mut push = |symbol: Symbol| {
            if let Some(s) = score(&symbol.name, query) {
                found.push(((dependency, s, symbol.name.clone()), symbol));
            }
        };
        for (index, (id, input)) in cx.items.iter().enumerate() {
            let item = input.interface(db);
            let Some(name) = item.name() else { continue };
            // A cheap test first: most items do not match at all.
            if score(&name.name, query).is_none()
                && !matches!(item.kind, ItemKind::Struct(_) | ItemKind::Enum(_))
            {
                continue;
            }
            let Some(mut symbol) = item_symbol(&cx, index, id, item) else {
                continue;
            };
            for child in std::mem::take(&mut symbol.children) {
                push(child);
            }
            push(symbol);
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.path.cmp(&b.1.path)));
    found
        .into_iter()
        .take(MAX_WORKSPACE_SYMBOLS)
        .map(|(_, s)| s)
        .collect()
}
