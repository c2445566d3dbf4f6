//! The salsa database: inputs (one per source file, one for the package) and the structural
//! queries that turn text into per-item syntax trees.
//!
//! Query layering, from input to output (each arrow is a dependency edge salsa tracks):
//!
//! ```text
//! SourceFile.text ─► parse(file) ─► file_items(file) ─► item_ast(item) ─► sema queries ─► check_item(item)
//!                        │  (no_eq: spans change)  (eq: positions ignored)   (eq, per item)
//!                        └──────────────────────────────────────────────► diagnostics(file)
//! ```
//!
//! `parse` changes on every edit, but `file_items` compares equal after a whitespace or comment
//! edit (nodes carry no positions), so salsa backdates it and nothing semantic re-runs; only
//! `diagnostics(file)`, which maps node ids back to spans, re-runs.

use crate::ast::{Item, ItemKind, Name, ParsedFile};
use crate::diagnostic::{Diagnostic, Loc};
use crate::ids::{ItemId, ModulePath};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What kind of root module the package has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PackageKind {
    /// `src/main.holo`: a program, which must have `fn main()`.
    Bin,
    /// `src/lib.holo`: a library.
    Lib,
}

/// One source file of the package. Created when the file appears, its `text` set on every change
/// that alters the content, and removed from [`Package::files`] when the file goes away.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Path relative to the package root, with `/` separators: `src/geometry.holo`.
    #[returns(ref)]
    pub path: Name,
    #[returns(ref)]
    pub text: Arc<str>,
}

/// The package being compiled: its files by module path.
#[salsa::input(singleton, debug)]
pub struct Package {
    pub kind: PackageKind,
    /// Every source file, keyed by its path (sorted, so iteration order is deterministic).
    #[returns(ref)]
    pub files: BTreeMap<Name, SourceFile>,
}

/// The identity of an item as a salsa key for the per-item queries.
#[salsa::interned(debug)]
pub struct ItemKey<'db> {
    #[returns(ref)]
    pub id: ItemId,
}

/// A module path as a salsa key.
#[salsa::interned(debug)]
pub struct ModuleKey<'db> {
    #[returns(ref)]
    pub path: ModulePath,
}

/// The concrete database. Cloning gives a cheap handle for another thread (see TECH-NOTES: a
/// setter blocks until every clone is dropped).
#[salsa::db]
#[derive(Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
    /// Names of the queries salsa executed, when logging is on (tests of incrementality).
    log: Option<Arc<Mutex<Vec<String>>>>,
}

impl Default for RootDatabase {
    fn default() -> Self {
        RootDatabase::new(false)
    }
}

impl RootDatabase {
    /// A new, empty database; with `log_executions`, every query execution is recorded for
    /// [`RootDatabase::take_log`].
    pub fn new(log_executions: bool) -> RootDatabase {
        let log = log_executions.then(|| Arc::new(Mutex::new(Vec::new())));
        let callback_log = log.clone();
        let storage = salsa::Storage::new(callback_log.map(|log| {
            Box::new(move |event: salsa::Event| {
                if let salsa::EventKind::WillExecute { database_key } = event.kind {
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("{database_key:?}"));
                }
            }) as Box<dyn Fn(salsa::Event) + Send + Sync + 'static>
        }));
        RootDatabase { storage, log }
    }

    /// The queries executed since the last call, as `query_name(Id(..))` strings.
    pub fn take_log(&self) -> Vec<String> {
        match &self.log {
            Some(log) => std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner())),
            None => Vec::new(),
        }
    }
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

/// Parses a file. `no_eq`: the result holds spans, so it differs after nearly every edit and
/// comparing it would be wasted work; the cutoff happens one level up, in [`file_items`].
#[salsa::tracked(returns(ref), no_eq)]
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> Arc<ParsedFile> {
    Arc::new(crate::syntax::parse(file.text(db)))
}

/// The items of a file with their stable identities. Equal across edits that only move text,
/// which is what stops whitespace and comment edits right after parsing.
#[salsa::tracked(returns(ref))]
pub fn file_items(db: &dyn salsa::Database, file: SourceFile) -> Arc<Vec<(ItemId, Arc<Item>)>> {
    let module = module_path_of(db, file);
    let parsed = parse(db, file);
    Arc::new(item_ids(&module, &parsed.items).into_iter().zip(parsed.items.iter().cloned().map(Arc::new)).collect())
}

/// Assigns [`ItemId`]s to the items of one module, in order.
pub fn item_ids(module: &ModulePath, items: &[Item]) -> Vec<ItemId> {
    let mut seen: BTreeMap<(Name, Option<Name>), u32> = BTreeMap::new();
    let mut uses = 0;
    items
        .iter()
        .map(|item| {
            let (name, member) = match &item.kind {
                ItemKind::Method(m) => (m.self_ty.name.clone(), Some(m.func.name.name.clone())),
                ItemKind::Use(_) => {
                    uses += 1;
                    (Name::from(format!("use#{}", uses - 1)), None)
                }
                _ => (item.name().map(|n| n.name.clone()).unwrap_or_default(), None),
            };
            let count = seen.entry((name.clone(), member.clone())).or_insert(0);
            let disambiguator = *count;
            *count += 1;
            ItemId {
                module: module.clone(),
                name,
                member,
                disambiguator,
            }
        })
        .collect()
}

/// The module path of a file (root for files whose name is not a valid module path; those are
/// reported by [`package_diagnostics`] and not compiled).
pub fn module_path_of(db: &dyn salsa::Database, file: SourceFile) -> ModulePath {
    ModulePath::from_file_path(file.path(db)).unwrap_or_default()
}

/// Every module of the package and its file. Files whose names are not valid module paths are
/// left out (and reported by [`package_diagnostics`]).
#[salsa::tracked(returns(ref))]
pub fn module_map(db: &dyn salsa::Database) -> BTreeMap<ModulePath, SourceFile> {
    let package = Package::get(db);
    let mut map = BTreeMap::new();
    let has_main = package.files(db).contains_key("src/main.holo");
    for (path, file) in package.files(db) {
        if path.as_str() == "src/lib.holo" && has_main {
            continue;
        }
        if let Some(module) = ModulePath::from_file_path(path) {
            map.insert(module, *file);
        }
    }
    map
}

/// The file that holds a module, if the module exists.
pub fn module_file(db: &dyn salsa::Database, module: &ModulePath) -> Option<SourceFile> {
    module_map(db).get(module).copied()
}

/// The syntax tree of one item, or `None` if no such item exists (any more). Per-item queries
/// depend on this rather than on the whole file, so that an edit in one item leaves the others'
/// results valid.
#[salsa::tracked]
pub fn item_ast<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<Arc<Item>> {
    let file = module_file(db, &item.id(db).module)?;
    file_items(db, file)
        .iter()
        .find(|(id, _)| id == item.id(db))
        .map(|(_, ast)| ast.clone())
}

/// Problems with the package's set of files, as opposed to their contents.
pub fn package_diagnostics(db: &dyn salsa::Database) -> Vec<(Name, Diagnostic)> {
    let package = Package::get(db);
    let files = package.files(db);
    let mut out = Vec::new();
    for path in files.keys() {
        if ModulePath::from_file_path(path).is_none() {
            out.push((
                path.clone(),
                Diagnostic::error(
                    crate::diagnostic::codes::BAD_MODULE_NAME,
                    format!("`{path}` is not a valid module name"),
                    Loc::Span(crate::span::Span::default()),
                )
                .with_hint(
                    "Rename the file and its folders to identifiers (letters, digits and `_`, not starting with a digit, not a keyword); this file is not compiled.",
                ),
            ));
        }
    }
    if files.contains_key("src/main.holo") && files.contains_key("src/lib.holo") {
        out.push((
            Name::from("src/lib.holo"),
            Diagnostic::error(
                crate::diagnostic::codes::BAD_MODULE_NAME,
                "a package cannot have both `src/main.holo` and `src/lib.holo`",
                Loc::Span(crate::span::Span::default()),
            )
            .with_hint("Keep `src/main.holo` for a program or `src/lib.holo` for a library; `src/lib.holo` is ignored for now."),
        ));
    }
    out
}
