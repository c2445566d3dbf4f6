//! The boundary between the compiler and the outside world: a virtual file system trait that the
//! CLI implements over the disk (and tests implement in memory), and [`Compiler`], which keeps the
//! salsa database in step with it and answers "what is wrong with the package now?".

use crate::ast::Name;
use crate::ast::ParsedFile;
use crate::db::{
    self, ItemInput, ItemKey, ModuleKey, Package, PackageKind, RootDatabase, SourceFile,
};
use crate::diagnostic::{Diagnostic, Loc, Severity, codes};
use crate::ids::ItemId;
use crate::ids::ModulePath;
use salsa::{Durability, Setter};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a source file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VfsError {
    /// The file is not valid UTF-8 (for example a binary file); `offset` is the first bad byte.
    NotUtf8 { path: String, offset: usize },
    /// The file is UTF-8 but contains a NUL byte at `offset`, which text never does: it is
    /// most likely a binary file saved with a `.holo` name.
    Binary { path: String, offset: usize },
    /// Any other failure to list or read, with the operating system's message.
    Io { path: String, message: String },
}

impl std::fmt::Display for VfsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VfsError::NotUtf8 { path, offset } => write!(
                f,
                "`{path}` is not valid UTF-8 (first bad byte at offset {offset}); holo source files must be UTF-8 text"
            ),
            VfsError::Binary { path, offset } => write!(
                f,
                "`{path}` contains a NUL byte at offset {offset}, so it looks like a binary file, not holo source text"
            ),
            VfsError::Io { path, message } => write!(f, "cannot read `{path}`: {message}"),
        }
    }
}

impl std::error::Error for VfsError {}

/// Read access to a package's source files. Paths are relative to the package root and use `/`.
pub trait Vfs {
    /// Every `.holo` file under `src/`, sorted.
    fn source_files(&self) -> Result<Vec<String>, VfsError>;
    fn read(&self, path: &str) -> Result<String, VfsError>;
}

/// An in-memory [`Vfs`] for tests and tools.
#[derive(Clone, Debug, Default)]
pub struct MemoryVfs {
    pub files: BTreeMap<String, String>,
}

impl MemoryVfs {
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> MemoryVfs {
        MemoryVfs {
            files: files
                .into_iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }
}

impl Vfs for MemoryVfs {
    fn source_files(&self) -> Result<Vec<String>, VfsError> {
        Ok(self.files.keys().cloned().collect())
    }
    fn read(&self, path: &str) -> Result<String, VfsError> {
        self.files.get(path).cloned().ok_or_else(|| VfsError::Io {
            path: path.to_string(),
            message: "no such file".to_string(),
        })
    }
}

/// A package held in a salsa database, updated file by file and checked incrementally.
pub struct Compiler {
    db: RootDatabase,
    package: Package,
    /// Results read from a store while deciding which deferred files to parse
    /// ([`Compiler::resolve_deferred`]), handed to the check and the lowering that follow, so
    /// that what decided is what is used.
    pub(crate) prefetched: crate::cache::Prefetched,
}

/// The result of checking the whole package.
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// Every diagnostic, with every location resolved to `Loc::File`, sorted by file then position.
    pub diagnostics: Vec<Diagnostic>,
    /// How many source files were checked.
    pub files: usize,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

impl Compiler {
    pub fn new(kind: PackageKind) -> Compiler {
        Compiler::with_db(RootDatabase::default(), kind)
    }

    /// A compiler over a given database (tests pass one that logs query executions).
    pub fn with_db(db: RootDatabase, kind: PackageKind) -> Compiler {
        let package = Package::builder(kind, BTreeMap::new())
            .durability(Durability::MEDIUM)
            .new(&db);
        Compiler {
            db,
            package,
            prefetched: Default::default(),
        }
    }

    pub fn db(&self) -> &RootDatabase {
        &self.db
    }

    /// Replaces the package's files with those of `vfs`. Unchanged files keep their inputs, so
    /// nothing that depends only on them is recomputed.
    pub fn load(&mut self, vfs: &dyn Vfs) -> Result<(), VfsError> {
        let paths = vfs.source_files()?;
        let mut texts = Vec::with_capacity(paths.len());
        for path in paths {
            let text = vfs.read(&path)?;
            texts.push((path, text));
        }
        self.set_files(texts);
        Ok(())
    }

    /// Makes the package consist of exactly `files` (path, text), in one change: new files are
    /// added, changed ones updated, missing ones removed. Use it to load a package (files are
    /// parsed in parallel); use [`Compiler::set_file`] for the edits that follow.
    pub fn set_files(&mut self, files: impl IntoIterator<Item = (String, String)>) {
        self.set_files_under("", files);
    }

    /// Makes the files whose path starts with `prefix` exactly `files` (the package's other
    /// files stay as they are), in one change, parsing in parallel: how a dependency's sources
    /// (`deps/NAME/`) are loaded. Returns whether anything changed.
    pub fn set_files_under(
        &mut self,
        prefix: &str,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> bool {
        let old = self.package.files(&self.db).clone();
        let mut new_map: BTreeMap<Name, SourceFile> = old
            .iter()
            .filter(|(path, _)| !path.starts_with(prefix))
            .map(|(path, file)| (path.clone(), *file))
            .collect();
        let mut changed: Vec<(String, String)> = Vec::new();
        for (path, text) in files {
            match old.get(path.as_str()) {
                Some(file) if **file.text(&self.db) == *text => {
                    new_map.insert(Name::from(path), *file);
                }
                _ => changed.push((path, text)),
            }
        }
        // A file rewritten in place keeps its handle: what changed is its inputs, not the map.
        let rewritten = !changed.is_empty();
        self.parse_into(changed, &old, &mut new_map, false);
        if new_map == old {
            return rewritten;
        }
        self.package
            .set_files(&mut self.db)
            .with_durability(Durability::MEDIUM)
            .to(new_map);
        true
    }

    /// Makes the package's files exactly `files` (path, text) like [`Compiler::set_files_under`],
    /// but without parsing the new or changed ones: they wait, text only, until
    /// [`Compiler::resolve_deferred`] decides which must be parsed (a fresh process that finds
    /// most results in a store parses only what it must compute or point into).
    /// Only the files whose path starts with `prefix` are replaced (`""`: all of them).
    pub fn set_files_deferred(
        &mut self,
        prefix: &str,
        files: impl IntoIterator<Item = (String, String)>,
    ) {
        let old = self.package.files(&self.db).clone();
        let mut new_map: BTreeMap<Name, SourceFile> = old
            .iter()
            .filter(|(path, _)| !path.starts_with(prefix))
            .map(|(path, file)| (path.clone(), *file))
            .collect();
        for (path, text) in files {
            let file = match old.get(path.as_str()) {
                Some(file) if **file.text(&self.db) == *text => *file,
                _ => SourceFile::builder(
                    Name::from(path.as_str()),
                    Arc::from(text),
                    Arc::new(ParsedFile::default()),
                    Arc::new(Vec::new()),
                    db::ParseState::Deferred,
                )
                .durability(Durability::MEDIUM)
                .new(&self.db),
            };
            new_map.insert(Name::from(path), file);
        }
        if new_map != old {
            self.package
                .set_files(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(new_map);
        }
    }

    /// Parses the given files now (in parallel) and writes their inputs, in one change.
    /// With `interface_only`, function bodies are skipped (see [`db::ParseState::Interface`]).
    pub(crate) fn parse_now(&mut self, files: Vec<(String, String)>, interface_only: bool) {
        if files.is_empty() {
            return;
        }
        let old = self.package.files(&self.db).clone();
        let mut new_map = old.clone();
        self.parse_into(files, &old, &mut new_map, interface_only);
        if new_map != old {
            self.package
                .set_files(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(new_map);
        }
    }

    /// Parses `files` in parallel and writes their inputs (a file of `old` keeps its handle),
    /// putting each in `map`. A dependency's files are of high durability (they change only
    /// when it is updated), the package's of medium (loaded, not edited).
    fn parse_into(
        &mut self,
        files: Vec<(String, String)>,
        old: &BTreeMap<Name, SourceFile>,
        map: &mut BTreeMap<Name, SourceFile>,
        interface_only: bool,
    ) {
        use rayon::prelude::*;
        let (parse, state): (fn(&str) -> ParsedFile, _) = if interface_only {
            (crate::syntax::parse_interface, db::ParseState::Interface)
        } else {
            (crate::syntax::parse, db::ParseState::Parsed)
        };
        let parsed: Vec<ParsedFile> = files.par_iter().map(|(_, text)| parse(text)).collect();
        for ((path, text), parsed) in files.into_iter().zip(parsed) {
            let existing = old.get(path.as_str()).copied();
            let durability = if db::is_dependency_file(&path) {
                Durability::HIGH
            } else {
                Durability::MEDIUM
            };
            let file = self.write_file(existing, &path, &text, parsed, durability, state.clone());
            map.insert(Name::from(path), file);
        }
    }

    /// The package's files by path.
    pub(crate) fn package_files(&self) -> BTreeMap<Name, SourceFile> {
        self.package.files(&self.db).clone()
    }

    /// Sets how much of a file the queries know (see [`db::ParseState`]).
    pub(crate) fn set_state(&mut self, file: SourceFile, state: db::ParseState) {
        file.set_state(&mut self.db)
            .with_durability(Durability::MEDIUM)
            .to(state);
    }

    /// Sets the text of a file, adding it if new. Returns whether anything changed: writing the
    /// same text again starts no new salsa revision.
    pub fn set_file(&mut self, path: &str, text: &str) -> bool {
        let existing = self.package.files(&self.db).get(path).copied();
        if let Some(file) = existing
            && **file.text(&self.db) == *text
        {
            return false;
        }
        let parsed = crate::syntax::parse(text);
        // A dependency's sources change only when it is updated: high durability, so that an
        // edit of the package's own files never makes salsa re-validate what depends on them.
        let edited = if db::is_dependency_file(path) {
            Durability::HIGH
        } else {
            Durability::LOW
        };
        let file = self.write_file(existing, path, text, parsed, edited, db::ParseState::Parsed);
        if existing.is_none() {
            let mut files = self.package.files(&self.db).clone();
            files.insert(Name::from(path), file);
            self.package
                .set_files(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(files);
        }
        true
    }

    /// Writes the inputs of one file from a fresh parse, touching only those whose value
    /// changed (see the durability notes in `db.rs`): `edited` is the durability of what an edit
    /// changes (`LOW` for edits, `MEDIUM` when loading); structure (`items`, interfaces) is
    /// always `MEDIUM`.
    fn write_file(
        &mut self,
        existing: Option<SourceFile>,
        path: &str,
        text: &str,
        mut parsed: ParsedFile,
        edited: Durability,
        state: db::ParseState,
    ) -> SourceFile {
        let module = ModulePath::from_file_path(path).unwrap_or_default();
        let ids = db::item_ids(&module, &parsed.items);
        let items = std::mem::take(&mut parsed.items);
        let old_inputs: std::collections::HashMap<ItemId, ItemInput> = existing
            .map(|f| f.items(&self.db).iter().cloned().collect())
            .unwrap_or_default();
        let mut list = Vec::with_capacity(items.len());
        for (id, item) in ids.into_iter().zip(items) {
            let input = match old_inputs.get(&id) {
                Some(input) => {
                    let input = *input;
                    if **input.full(&self.db) != item {
                        let interface = db::interface_of(&item);
                        if **input.interface(&self.db) != interface {
                            input
                                .set_interface(&mut self.db)
                                .with_durability(Durability::MEDIUM)
                                .to(Arc::new(interface));
                        }
                        input
                            .set_full(&mut self.db)
                            .with_durability(edited)
                            .to(Arc::new(item));
                    }
                    input
                }
                None => ItemInput::builder(Arc::new(db::interface_of(&item)), Arc::new(item))
                    .durability(Durability::MEDIUM)
                    .new(&self.db),
            };
            list.push((id, input));
        }
        let Some(file) = existing else {
            return SourceFile::builder(
                Name::from(path),
                Arc::from(text),
                Arc::new(parsed),
                Arc::new(list),
                state,
            )
            .durability(Durability::MEDIUM)
            .new(&self.db);
        };
        if *file.state(&self.db) != state {
            file.set_state(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(state);
        }
        if **file.items(&self.db) != list {
            file.set_items(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(Arc::new(list));
        }
        file.set_parsed(&mut self.db)
            .with_durability(edited)
            .to(Arc::new(parsed));
        file.set_text(&mut self.db)
            .with_durability(edited)
            .to(Arc::from(text));
        file
    }

    /// Removes a file. Returns whether it was there.
    pub fn remove_file(&mut self, path: &str) -> bool {
        let mut files = self.package.files(&self.db).clone();
        if files.remove(path).is_none() {
            return false;
        }
        self.package
            .set_files(&mut self.db)
            .with_durability(Durability::MEDIUM)
            .to(files);
        true
    }

    pub fn set_kind(&mut self, kind: PackageKind) {
        if *self.package.kind(&self.db) != kind {
            self.package
                .set_kind(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(kind);
        }
    }

    /// The paths of the package's files, sorted.
    pub fn file_paths(&self) -> Vec<Name> {
        self.package.files(&self.db).keys().cloned().collect()
    }

    /// The current text of a file.
    pub fn text(&self, path: &str) -> Option<Arc<str>> {
        self.package
            .files(&self.db)
            .get(path)
            .map(|f| f.text(&self.db).clone())
    }

    /// Checks the whole package, reusing everything still valid from earlier checks.
    pub fn check(&self) -> CheckReport {
        self.report_with(|db, file| diagnostics_for_file(db, file).as_ref().clone())
    }

    /// The package's diagnostics, sorted, with `per_file` giving each file's own (resolved)
    /// diagnostics. Files are handled in parallel on cloned database handles; salsa shares
    /// memoized results between them and blocks a thread that needs a query another one is
    /// computing.
    pub(crate) fn report_with(
        &self,
        per_file: impl Fn(&RootDatabase, SourceFile) -> Vec<Diagnostic> + Sync,
    ) -> CheckReport {
        use rayon::prelude::*;
        let db: &dyn salsa::Database = &self.db;
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        for (path, diag) in db::package_diagnostics(db) {
            diagnostics.push(resolve_in(diag, &path));
        }
        let files: Vec<SourceFile> = self.package.files(db).values().copied().collect();
        let handle = self.db.clone();
        let per_file: Vec<Vec<Diagnostic>> = crate::deep::install(|| {
            files
                .par_iter()
                .map_with(handle, |db, file| per_file(db, *file))
                .collect()
        });
        for (file, file_diagnostics) in files.iter().zip(per_file) {
            // A dependency's warnings are for its authors; its errors stop the build.
            let dependency = db::is_dependency_file(file.path(db));
            diagnostics.extend(
                file_diagnostics
                    .into_iter()
                    .filter(|d| !dependency || d.severity == Severity::Error),
            );
        }
        let syntax_errors = diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && codes::is_syntax(d.code));
        if syntax_errors {
            if files.iter().any(|file| has_broken_declaration(db, *file)) {
                // A signature, field list or type that lost part of itself makes the types of
                // every use of it unreliable, in any file: only the syntax errors are facts.
                diagnostics.retain(|d| codes::is_syntax(d.code) || d.code == codes::INTERNAL);
            } else {
                diagnostics.retain(|d| !codes::HIDDEN_BY_SYNTAX_ERRORS.contains(&d.code));
            }
        }
        diagnostics.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        CheckReport {
            diagnostics,
            files: files.len(),
        }
    }
}

fn sort_key(d: &Diagnostic) -> (Name, u32, u32, &'static str, String) {
    match &d.primary.loc {
        Loc::File { path, span } => (
            path.clone(),
            span.start,
            span.end,
            d.code,
            d.message.clone(),
        ),
        _ => (Name::default(), 0, 0, d.code, d.message.clone()),
    }
}

fn resolve_in(mut diag: Diagnostic, path: &Name) -> Diagnostic {
    for label in std::iter::once(&mut diag.primary).chain(diag.secondary.iter_mut()) {
        if let Loc::Span(span) = label.loc {
            label.loc = Loc::File {
                path: path.clone(),
                span,
            };
        }
    }
    diag
}

/// Every diagnostic of one file (syntax, module-level and per-item), with locations resolved to
/// spans in the current text. This is the only query that depends on positions; it re-runs after
/// whitespace edits, but only to map node ids to spans again.
#[salsa::tracked(returns(ref))]
pub fn diagnostics_for_file(db: &dyn salsa::Database, file: SourceFile) -> Arc<Vec<Diagnostic>> {
    let raw = semantic_diagnostics(db, file);
    Arc::new(resolve_file_diagnostics(db, file, raw))
}

/// Whether a file is the source of a module whose items are checked: its path is a valid module
/// path and it is the file chosen for that module (not a `src/lib.holo` beside `src/main.holo`).
pub(crate) fn is_module_file(db: &dyn salsa::Database, file: SourceFile) -> bool {
    ModulePath::from_file_path(file.path(db))
        .is_some_and(|module| db::module_file(db, &module) == Some(file))
}

/// The diagnostics of checking a file's module and items, as the checker reports them: against
/// item nodes ([`Loc::Node`]), so they do not depend on positions. Empty for files that are not
/// checked (see [`is_module_file`]). Everything this reads is covered by
/// [`crate::cache::module_key`], which is what lets a later process reuse it from a store.
#[salsa::tracked(returns(ref))]
pub fn semantic_diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Arc<Vec<Diagnostic>> {
    if !is_module_file(db, file) {
        return Arc::new(Vec::new());
    }
    if *file.state(db) != db::ParseState::Parsed {
        // A deferred file's results come from the store; computing them from its empty
        // inputs would be wrong, so say so loudly (a bug of the caller, never of the user).
        return Arc::new(vec![Diagnostic::error(
            codes::INTERNAL,
            format!(
                "internal compiler error: `{}` was not parsed before it was checked",
                file.path(db)
            ),
            Loc::File {
                path: file.path(db).clone(),
                span: crate::span::Span::default(),
            },
        )]);
    }
    let module = db::module_path_of(db, file);
    let mut raw: Vec<Diagnostic> = crate::sema::check_module(db, ModuleKey::new(db, module))
        .iter()
        .cloned()
        .collect();
    for (id, _) in file.items(db).iter() {
        let key = ItemKey::new(db, id.clone());
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::sema::check_item(db, key)
        })) {
            Ok(diagnostics) => raw.extend(diagnostics.iter().cloned()),
            Err(payload) => raw.push(internal_error(db, id, payload)),
        }
    }
    Arc::new(raw)
}

/// The diagnostic of a fault of the checker itself while checking item `id`: the other items
/// are still checked and every other answer stays right. Salsa's cancellation, which also
/// unwinds, is passed on. The result depends on an untracked read, so that it is computed again
/// in every new revision until the fault is gone.
fn internal_error(
    db: &dyn salsa::Database,
    id: &ItemId,
    payload: Box<dyn std::any::Any + Send>,
) -> Diagnostic {
    if payload.is::<salsa::Cancelled>() {
        std::panic::resume_unwind(payload);
    }
    db.report_untracked_read();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    let name_node = db::item_ast(db, ItemKey::new(db, id.clone()))
        .and_then(|ast| ast.name().map(|n| n.id))
        .unwrap_or(crate::ast::NodeId(0));
    Diagnostic::error(
        crate::diagnostic::codes::INTERNAL,
        format!("internal compiler error while checking `{id}`: {message}"),
        Loc::Node {
            item: id.clone(),
            node: name_node,
        },
    )
    .with_label("holo failed while checking this item")
    .with_hint("This is a bug in holo; the rest of the package was checked. Please report it with this item's code. Editing the item may avoid it meanwhile.")
}

/// A switch for tests of the containment above: while set, checking the item whose path
/// (`module::name`) is the switch's value panics. Process-wide, and never set outside tests.
pub mod faults {
    use std::sync::RwLock;

    static PANIC_IN: RwLock<Option<String>> = RwLock::new(None);

    /// Makes checking the item `path` panic (`None`: stop).
    pub fn panic_when_checking(path: Option<&str>) {
        *PANIC_IN.write().unwrap_or_else(|e| e.into_inner()) = path.map(str::to_string);
    }

    /// Panics if the switch names `item`.
    pub(crate) fn check_point(item: &crate::ids::ItemId) {
        let guard = PANIC_IN.read().unwrap_or_else(|e| e.into_inner());
        if let Some(path) = guard.as_deref()
            && item.to_string() == path
        {
            panic!("a fault injected for tests in `{path}`");
        }
    }
}

/// A file's syntax errors followed by `semantic` (its checker diagnostics, computed now or read
/// from a store), every location resolved to a span in the current texts.
pub(crate) fn resolve_file_diagnostics(
    db: &dyn salsa::Database,
    file: SourceFile,
    semantic: &[Diagnostic],
) -> Vec<Diagnostic> {
    let path = file.path(db).clone();
    let parsed = db::parse(db, file);
    let mut out: Vec<Diagnostic> = parsed
        .errors
        .iter()
        .cloned()
        .map(|d| resolve_in(d, &path))
        .collect();
    let broken = broken_items(db, file, parsed);
    out.extend(
        semantic
            .iter()
            .filter(|d| match &d.primary.loc {
                Loc::Node { item, .. } => !broken.contains(item),
                _ => true,
            })
            .cloned()
            .map(|d| resolve_nodes(db, d, &path)),
    );
    out
}

/// Whether a syntax error of `file` falls in what other items see of one of its items: a
/// function's or method's signature (not its body), a struct, an enum, a constant or a `use`.
fn has_broken_declaration(db: &dyn salsa::Database, file: SourceFile) -> bool {
    use crate::ast::ItemKind;
    let parsed = db::parse(db, file);
    if parsed.errors.is_empty() {
        return false;
    }
    let starts = error_starts(parsed);
    let regions = item_regions(parsed);
    let text = file.text(db);
    file.items(db)
        .iter()
        .zip(&parsed.source_maps)
        .zip(regions)
        .any(|(((_, input), map), (start, end))| {
            let body = match &input.interface(db).kind {
                ItemKind::Fn(f) => Some(map.span(f.body.id).start),
                ItemKind::Method(m) => Some(map.span(m.func.body.id).start),
                _ => None,
            };
            match body {
                // The signature ends where the body's `{` is; a body that does not start with
                // one starts at the token where the signature went wrong.
                Some(body) if text.as_bytes().get(body as usize) == Some(&b'{') => {
                    starts.iter().any(|&s| s >= start && s < body)
                }
                Some(body) => starts.iter().any(|&s| s >= start && s <= body),
                None => starts.iter().any(|&s| s >= start && s < end),
            }
        })
}

/// Where each item of a parsed file begins and where the next one begins (the end of the file
/// for the last): the tokens the parser skipped after an item are that item's broken tail.
fn item_regions(parsed: &ParsedFile) -> Vec<(u32, u32)> {
    let starts: Vec<u32> = parsed
        .source_maps
        .iter()
        .map(|m| m.item_span.start)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| (start, starts.get(i + 1).copied().unwrap_or(u32::MAX)))
        .collect()
}

/// Where each syntax error of a file begins: its earliest label. An unclosed bracket is
/// reported where the parser gave up on it, possibly at the next item, with a label at the
/// opening bracket, which is in the item the error is about.
fn error_starts(parsed: &ParsedFile) -> Vec<u32> {
    parsed
        .errors
        .iter()
        .filter_map(|d| {
            std::iter::once(&d.primary)
                .chain(&d.secondary)
                .filter_map(|label| match label.loc {
                    Loc::Span(span) => Some(span.start),
                    _ => None,
                })
                .min()
        })
        .collect()
}

/// The items of `file` that contain a syntax error (it begins inside the item or in what was
/// skipped after it). What the checker says about such an item describes the parser's repair, not the program, so
/// it is not reported: the syntax error is the one thing to fix first.
fn broken_items(db: &dyn salsa::Database, file: SourceFile, parsed: &ParsedFile) -> Vec<ItemId> {
    if parsed.errors.is_empty() {
        return Vec::new();
    }
    let starts = error_starts(parsed);
    file.items(db)
        .iter()
        .zip(item_regions(parsed))
        .filter(|(_, (start, end))| starts.iter().any(|s| s >= start && s < end))
        .map(|((id, _), _)| id.clone())
        .collect()
}

/// Resolves `Loc::Node` and `Loc::Span` labels to `Loc::File`.
fn resolve_nodes(db: &dyn salsa::Database, mut diag: Diagnostic, path: &Name) -> Diagnostic {
    for label in std::iter::once(&mut diag.primary).chain(diag.secondary.iter_mut()) {
        label.loc = match &label.loc {
            Loc::Node { item, node } => match db::module_file(db, &item.module) {
                Some(file) => {
                    let items = file.items(db);
                    let parsed = db::parse(db, file);
                    let span = items
                        .iter()
                        .position(|(id, _)| id == item)
                        .and_then(|i| parsed.source_maps.get(i))
                        .map(|map| map.span(*node))
                        .unwrap_or_default();
                    Loc::File {
                        path: file.path(db).clone(),
                        span,
                    }
                }
                None => Loc::File {
                    path: path.clone(),
                    span: Default::default(),
                },
            },
            Loc::Span(span) => Loc::File {
                path: path.clone(),
                span: *span,
            },
            other => other.clone(),
        };
    }
    diag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn set_files_under_replaces_only_its_folder_and_says_when_a_text_changed() {
        let mut c = Compiler::new(PackageKind::Bin);
        c.set_files(files(&[("src/main.holo", "fn main() {}")]));
        let dep = |text: &str| files(&[("deps/m/src/lib.holo", text)]);
        assert!(c.set_files_under("deps/m/", dep("pub fn f() {}")));
        assert!(!c.set_files_under("deps/m/", dep("pub fn f() {}")));
        // Rewritten in place (same handle): still a change.
        assert!(c.set_files_under("deps/m/", dep("pub fn g() {}")));
        assert_eq!(c.file_paths().len(), 2);
        assert!(c.set_files_under("deps/m/", Vec::new()));
        assert_eq!(c.file_paths(), vec![Name::from("src/main.holo")]);
    }

    #[test]
    fn set_files_replaces_the_package_and_keeps_unchanged_inputs() {
        let mut c = Compiler::new(PackageKind::Bin);
        c.set_files(files(&[
            ("src/main.holo", "fn main() { println(util::f()); }"),
            ("src/util.holo", "pub fn f() -> i64 { 1 }"),
            ("src/old.holo", "pub fn g() {}"),
        ]));
        assert_eq!(c.check().errors(), 0);
        let util = c.package.files(&c.db)["src/util.holo"];

        c.set_files(files(&[
            ("src/main.holo", "fn main() { println(util::f()); }"),
            ("src/util.holo", "pub fn f() -> str { \"x\" }"),
        ]));
        assert_eq!(
            c.file_paths(),
            vec![Name::from("src/main.holo"), Name::from("src/util.holo")],
            "a file not given is removed"
        );
        assert_eq!(
            c.package.files(&c.db)["src/util.holo"],
            util,
            "a changed file keeps its input, so unchanged items keep theirs"
        );
        assert_eq!(c.check().errors(), 0, "println takes a str as well");

        c.set_files(files(&[("src/main.holo", "fn main() { util::f(); }")]));
        let report = c.check();
        assert_eq!(report.errors(), 1, "{:#?}", report.diagnostics);
    }
}
