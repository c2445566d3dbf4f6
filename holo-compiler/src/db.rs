//! The salsa database: inputs (the package, its files and their items) and the structural
//! queries over them.
//!
//! Parsing happens when a file's text is set ([`crate::Compiler::set_file`]), not inside a query,
//! so that each item can be its own input with two fields of their own durability:
//!
//! ```text
//! text ─► parse (outside salsa) ─► SourceFile.parsed (spans, syntax errors)      read by diagnostics_for_file
//!                                └► SourceFile.items  (the list of ItemIds)       MEDIUM: changes on add/remove/rename
//!                                   └► ItemInput.interface (item, bodies emptied) MEDIUM: signatures, fields, imports
//!                                   └► ItemInput.full      (item with its body)   LOW once edited
//! ```
//!
//! Inputs are only written when their value actually changes, so an edit inside one function
//! body writes exactly one `full` field. Queries about *other* items read only `interface`
//! fields (see [`item_interface`]), and salsa skips re-validating any query whose inputs are all
//! of a higher durability than what changed. Together this makes the cost of re-checking after a
//! body edit independent of the size of the package: only the edited function's own queries
//! are looked at again. A whitespace or comment edit writes only `parsed`, which nothing
//! semantic reads.

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

/// One source file of the package. Created when the file appears, updated on every change
/// that alters the content, and removed from [`Package::files`] when the file goes away.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Path relative to the package root, with `/` separators: `src/geometry.holo`.
    #[returns(ref)]
    pub path: Name,
    /// The text as last set (for rendering; no query depends on it, they read `parsed`/`items`).
    #[returns(ref)]
    pub text: Arc<str>,
    /// The parse of `text`: source maps and syntax errors. Changes on every edit.
    #[returns(ref)]
    pub parsed: Arc<ParsedFile>,
    /// The file's items in source order, each an input of its own. Changes only when items are
    /// added, removed, renamed or reordered.
    #[returns(ref)]
    pub items: Arc<Vec<(ItemId, ItemInput)>>,
    /// Whether `parsed` and `items` hold the file's parse. A fresh process defers parsing the
    /// files whose results it will find in the store ([`crate::Compiler::resolve_deferred`]).
    #[returns(ref)]
    pub state: ParseState,
}

/// How much of a file is known to the queries (see [`SourceFile::state`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParseState {
    /// `parsed` and `items` are the parse of `text`.
    Parsed,
    /// Parsed without function bodies (`syntax::parse_interface`): items, interfaces and spans
    /// outside bodies are right, bodies are empty. Other modules can be checked against it; it
    /// is never checked or lowered itself (its results come from the store).
    Interface,
    /// Not parsed yet: `parsed` and `items` are empty; only the text is known.
    Deferred,
    /// Not parsed, but what the keys of results need of it is known (from the store): the
    /// file's results can be read from the store, never computed, while it is in this state.
    Summarized(Arc<crate::cache::FileSummary>),
}

/// One item of a file, as two inputs of their own: what other items can see, and everything.
#[salsa::input(debug)]
pub struct ItemInput {
    /// The item with function bodies emptied (see [`interface_of`]): all that other items'
    /// queries may read.
    #[returns(ref)]
    pub interface: Arc<Item>,
    /// The whole item, read by the item's own body queries.
    #[returns(ref)]
    pub full: Arc<Item>,
}

/// The package being compiled: its files by path.
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

/// The parse of a file (set with its text; see the module docs).
pub fn parse(db: &dyn salsa::Database, file: SourceFile) -> &Arc<ParsedFile> {
    file.parsed(db)
}

/// The items of a file with their full syntax trees. Reads every item's `full` field, so it
/// changes with any body: semantic queries about other items must use [`item_interface`] or
/// [`file_item_interfaces`] instead.
#[salsa::tracked(returns(ref))]
pub fn file_items(db: &dyn salsa::Database, file: SourceFile) -> Arc<Vec<(ItemId, Arc<Item>)>> {
    Arc::new(
        file.items(db)
            .iter()
            .map(|(id, input)| (id.clone(), input.full(db).clone()))
            .collect(),
    )
}

/// The items of a file as other items see them (function bodies emptied).
#[salsa::tracked(returns(ref))]
pub fn file_item_interfaces(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Arc<Vec<(ItemId, Arc<Item>)>> {
    Arc::new(
        file.items(db)
            .iter()
            .map(|(id, input)| (id.clone(), input.interface(db).clone()))
            .collect(),
    )
}

/// What other items can depend on: the item with function bodies emptied. Two items with the
/// same interface are interchangeable for every query except their own body's.
pub fn interface_of(item: &Item) -> Item {
    // Clone everything but the body: cloning a body only to drop it was most of the cost of
    // loading a package.
    item.clone_without_body()
}

trait CloneWithoutBody {
    fn clone_without_body(&self) -> Self;
}

impl CloneWithoutBody for Item {
    /// A copy of the item whose function body (if any) is empty, made without copying the body.
    fn clone_without_body(&self) -> Item {
        let empty = |f: &crate::ast::FnDef| crate::ast::FnDef {
            name: f.name.clone(),
            self_param: f.self_param.clone(),
            params: f.params.clone(),
            ret: f.ret.clone(),
            body: crate::ast::Block {
                id: f.body.id,
                stmts: Vec::new(),
                tail: None,
            },
        };
        let kind = match &self.kind {
            ItemKind::Fn(f) => ItemKind::Fn(empty(f)),
            ItemKind::Method(m) => ItemKind::Method(crate::ast::MethodDef {
                self_ty: m.self_ty.clone(),
                func: empty(&m.func),
            }),
            other => other.clone(),
        };
        Item {
            id: self.id,
            attrs: self.attrs.clone(),
            vis: self.vis,
            kind,
        }
    }
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
                _ => (
                    item.name().map(|n| n.name.clone()).unwrap_or_default(),
                    None,
                ),
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
    let collisions = dependency_collisions(db);
    for (path, file) in package.files(db) {
        if path.as_str() == "src/lib.holo" && has_main {
            continue;
        }
        if let Some(module) = ModulePath::from_file_path(path) {
            // A dependency whose name a module of the package already has is left out (and
            // reported, see `package_diagnostics`).
            if path.starts_with(crate::ids::DEPENDENCY_DIR)
                && collisions
                    .iter()
                    .any(|(m, _)| module.0 == m.0 || module.0.starts_with(&format!("{}::", m.0)))
            {
                continue;
            }
            map.insert(module, *file);
        }
    }
    map
}

/// The names of the dependencies whose sources are loaded (`deps/NAME/...`), as module names.
#[salsa::tracked(returns(ref))]
pub fn dependency_names(db: &dyn salsa::Database) -> std::collections::BTreeSet<Name> {
    Package::get(db)
        .files(db)
        .keys()
        .filter_map(|path| crate::ids::split_dependency_path(path))
        .map(|(name, _)| Name::from(name))
        .collect()
}

/// Whether `module` belongs to a dependency (its first segment names one), and which: the
/// dependency's root module.
pub fn dependency_root(db: &dyn salsa::Database, module: &ModulePath) -> Option<ModulePath> {
    let first = module.0.split("::").next().filter(|s| !s.is_empty())?;
    dependency_names(db)
        .contains(first)
        .then(|| ModulePath::root().join(first))
}

/// Whether the file is one of a dependency's (read-only for this package: not reported on
/// beyond its errors, its tests not run).
pub fn is_dependency_file(path: &str) -> bool {
    path.starts_with(crate::ids::DEPENDENCY_DIR)
}

/// Dependencies whose name is also the name of a top-level module of the package: (the
/// module, the package's file that defines it).
#[salsa::tracked(returns(ref))]
pub fn dependency_collisions(db: &dyn salsa::Database) -> Vec<(ModulePath, Name)> {
    let files = Package::get(db).files(db);
    let mut out = Vec::new();
    for dependency in dependency_names(db) {
        let top = ModulePath::root().join(dependency);
        let local = files.keys().find(|path| {
            !is_dependency_file(path)
                && ModulePath::from_file_path(path)
                    .is_some_and(|m| m == top || m.0.starts_with(&format!("{}::", top.0)))
        });
        if let Some(local) = local {
            out.push((top, local.clone()));
        }
    }
    out
}

/// The file that holds a module, if the module exists.
pub fn module_file(db: &dyn salsa::Database, module: &ModulePath) -> Option<SourceFile> {
    module_map(db).get(module).copied()
}

/// The input of one item, or `None` if no such item exists (any more).
#[salsa::tracked(returns(copy))]
pub fn item_input<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<ItemInput> {
    let file = module_file(db, &item.id(db).module)?;
    file.items(db)
        .iter()
        .find(|(id, _)| id == item.id(db))
        .map(|(_, input)| *input)
}

/// The whole syntax tree of one item, body included. Only the item's own queries (inference and
/// checks of its body) should read this; everything that other items depend on reads
/// [`item_interface`], so that editing a body re-runs nothing outside that body.
pub fn item_ast<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<Arc<Item>> {
    item_input(db, item).map(|input| input.full(db).clone())
}

/// The interface of one item (function bodies emptied; see [`interface_of`]).
pub fn item_interface<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<Arc<Item>> {
    item_input(db, item).map(|input| input.interface(db).clone())
}

/// Problems with the package's set of files, as opposed to their contents.
pub fn package_diagnostics(db: &dyn salsa::Database) -> Vec<(Name, Diagnostic)> {
    let package = Package::get(db);
    let files = package.files(db);
    let mut out = Vec::new();
    for path in files.keys() {
        if let Some((dependency, "src/main.holo")) = crate::ids::split_dependency_path(path) {
            out.push((
                path.clone(),
                Diagnostic::error(
                    crate::diagnostic::codes::BAD_MODULE_NAME,
                    format!("the dependency `{dependency}` has a `src/main.holo`: only its library is used"),
                    Loc::Span(crate::span::Span::default()),
                )
                .with_hint(
                    "A dependency must be a library (`src/lib.holo`); its `src/main.holo` is not compiled. Ask its authors to move the program out, or depend on a library version.",
                ),
            ));
            continue;
        }
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
    for (module, local) in dependency_collisions(db) {
        out.push((
            local.clone(),
            Diagnostic::error(
                crate::diagnostic::codes::DEPENDENCY_COLLISION,
                format!("the module `{module}` has the name of a dependency"),
                Loc::Span(crate::span::Span::default()),
            )
            .with_hint(format!(
                "`{module}::…` must mean one thing: rename this module (and its file), or rename the dependency in `holo.toml`. The dependency is not used meanwhile."
            )),
        ));
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
