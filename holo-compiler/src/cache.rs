//! Persistent results: the content-addressed key of each module's results, and checking and
//! lowering through a [`ResultStore`], so that a new process reuses what an earlier one (in any
//! project, on any machine with the same toolchain) computed from the same inputs.
//!
//! # What a module's results depend on, and its key
//!
//! Checking and lowering a module read (see the invariants in `db.rs`): the module's own file
//! (its items, bodies and positions), the *interfaces* of the items of the modules it can name,
//! the set of top-level module names (for resolution and "did you mean"), the package kind, and
//! the toolchain. [`module_key`] hashes exactly that:
//!
//! - the file's path and a hash of its whole text (so positions are covered);
//! - the names its paths start with, and the top-level modules with those names or names similar
//!   enough to be suggested for them;
//! - for every module in the *dependency closure*: its path, its file's path and the interface
//!   fingerprint of its items ([`module_interface`]);
//! - the package kind.
//!
//! The closure is found syntactically ([`module_refs`]): a path can only reach another module
//! through its first segment (a top-level module, or `crate`), so every identifier that starts a
//! `::` path or appears in a `use` names a candidate, and every module under a candidate is
//! included — then the same for those modules, transitively, because a signature in one module
//! may name a type of another. This over-approximates (an unused import still counts), which
//! only costs sharing, never correctness. Body edits change no interface, so they change only
//! the edited module's key: every other module's results are reused.
//!
//! The toolchain's build id is mixed in by the store (`holo_db::Store::result_key`), not here:
//! the compiler does not know which build it is.

use crate::db::{self, Package, ParseState, SourceFile};
use crate::diagnostic::{Diagnostic, StoredDiagnostic};
use crate::fingerprint::{Fingerprint, item_interface_fingerprint};
use crate::ids::ModulePath;
use crate::ir;
use crate::syntax::lexer::{self, TokenKind};
use crate::vfs::{self, CheckReport, Compiler};
use crate::{ast::Name, db::ItemKey};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Kinds of stored results (the store mixes the kind into the key).
pub mod kinds {
    /// A module's checker diagnostics, position-free (`Vec<Diagnostic>`).
    pub const CHECK: &str = "check-module";
    /// A module's lowered functions with their fingerprints, layouts and tests
    /// ([`LoweredModule`](super::LoweredModule)).
    pub const LOWER: &str = "lower-module-v2";
    /// What the keys need of a file ([`FileSummary`](super::FileSummary)), by path and text.
    pub const SUMMARY: &str = "file-summary";
    /// A module's lowering without its bodies ([`ModuleSkeleton`](super::ModuleSkeleton)).
    pub const SKELETON: &str = "lower-skeleton";
}

/// Where results computed once are kept for later processes. Implemented by the CLI over the
/// redb store, and in memory by [`MemoryStore`] for tests. Implementations decide how to handle
/// their own failures: a store that cannot answer returns `None`, and results are recomputed.
pub trait ResultStore: Sync {
    /// The values stored under `keys` (same order), `None` where there is none.
    fn get_many(&self, kind: &'static str, keys: &[Fingerprint]) -> Vec<Option<Vec<u8>>>;
    /// Stores values; implementations may buffer them until the command ends.
    fn put_many(&self, kind: &'static str, entries: Vec<(Fingerprint, Vec<u8>)>);
    /// Whether values are stored under `keys`, without reading them when the store can tell.
    fn contains_many(&self, kind: &'static str, keys: &[Fingerprint]) -> Vec<bool> {
        self.get_many(kind, keys)
            .into_iter()
            .map(|v| v.is_some())
            .collect()
    }
}

/// A store that keeps nothing: every result is computed.
pub struct NoStore;

impl ResultStore for NoStore {
    fn get_many(&self, _: &'static str, keys: &[Fingerprint]) -> Vec<Option<Vec<u8>>> {
        vec![None; keys.len()]
    }
    fn put_many(&self, _: &'static str, _: Vec<(Fingerprint, Vec<u8>)>) {}
}

/// An in-memory [`ResultStore`] (tests; a warm process that wants to share results between
/// compilers).
#[derive(Default)]
pub struct MemoryStore {
    entries: std::sync::Mutex<BTreeMap<(&'static str, Fingerprint), Vec<u8>>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(&'static str, Fingerprint), Vec<u8>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ResultStore for MemoryStore {
    fn get_many(&self, kind: &'static str, keys: &[Fingerprint]) -> Vec<Option<Vec<u8>>> {
        let entries = self.lock();
        keys.iter()
            .map(|key| entries.get(&(kind, *key)).cloned())
            .collect()
    }
    fn put_many(&self, kind: &'static str, new: Vec<(Fingerprint, Vec<u8>)>) {
        let mut entries = self.lock();
        for (key, value) in new {
            entries.insert((kind, key), value);
        }
    }
}

/// How many module results were read from the store and how many were computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReuseStats {
    pub reused: usize,
    pub computed: usize,
}

/// The names through which a module can reach other modules (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ModuleRefs {
    /// First segments of `::` paths and every name in `use` declarations.
    pub names: BTreeSet<Name>,
    /// The module mentions `crate`, so it can reach any module.
    pub whole_package: bool,
}

/// The names a file's text can use to reach other modules. Works on tokens rather than the
/// syntax tree so that it covers every path, including those in code that does not parse.
#[salsa::tracked(returns(ref))]
pub fn module_refs(db: &dyn salsa::Database, file: SourceFile) -> ModuleRefs {
    if let ParseState::Summarized(summary) = file.state(db) {
        return summary.refs.clone();
    }
    let text = file.text(db);
    let tokens = lexer::lex(text).tokens;
    let mut refs = ModuleRefs::default();
    let mut in_use = false;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Use => in_use = true,
            TokenKind::Semi => in_use = false,
            TokenKind::Ident => {
                let starts_path = tokens
                    .get(i + 1)
                    .is_some_and(|t| t.kind == TokenKind::ColonColon)
                    && (i == 0 || tokens[i - 1].kind != TokenKind::ColonColon);
                if !(in_use || starts_path) {
                    continue;
                }
                let name = &text[token.span.start as usize..token.span.end as usize];
                if name == "crate" {
                    refs.whole_package = true;
                } else {
                    refs.names.insert(Name::from(name));
                }
            }
            _ => {}
        }
    }
    refs
}

/// A fingerprint of what other modules can see of a module: its items' ids and interfaces.
#[salsa::tracked(returns(copy))]
pub fn module_interface(db: &dyn salsa::Database, file: SourceFile) -> Fingerprint {
    match file.state(db) {
        ParseState::Parsed | ParseState::Interface => {}
        ParseState::Summarized(summary) => return summary.interface,
        ParseState::Deferred => return interface_of_text(file.path(db), file.text(db)),
    }
    let parts: Vec<(&crate::ids::ItemId, Option<Fingerprint>)> = file
        .items(db)
        .iter()
        .map(|(id, _)| {
            let fp = item_interface_fingerprint(db, ItemKey::new(db, id.clone()));
            (id, fp)
        })
        .collect();
    Fingerprint::of(&parts)
}

/// [`module_interface`] of a file not parsed into the database: the same fingerprint, from a
/// parse of its text (item ids are unique within a file, so each id's interface is its own).
fn interface_of_text(path: &str, text: &str) -> Fingerprint {
    let parsed = crate::syntax::parse(text);
    let module = ModulePath::from_file_path(path).unwrap_or_default();
    let ids = db::item_ids(&module, &parsed.items);
    let prints: Vec<Fingerprint> = parsed
        .items
        .iter()
        .map(|item| Fingerprint::of(&db::interface_of(item)))
        .collect();
    let parts: Vec<(&crate::ids::ItemId, Option<Fingerprint>)> = ids
        .iter()
        .zip(prints)
        .map(|(id, fp)| (id, Some(fp)))
        .collect();
    Fingerprint::of(&parts)
}

/// What the key of a module's results needs of its file, stored under the file's path and
/// text ([`summary_key`]) so that a later process computes every key without parsing the files
/// whose results it finds ([`Compiler::resolve_deferred`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileSummary {
    pub refs: ModuleRefs,
    pub interface: Fingerprint,
    /// The file has syntax errors: they are reported from its parse, so it is always parsed.
    pub syntax_errors: bool,
}

/// The store key of a file's [`FileSummary`].
pub fn summary_key(path: &str, text: &str) -> Fingerprint {
    let text_hash = Fingerprint(*blake3::hash(text.as_bytes()).as_bytes());
    Fingerprint::of(&("holo file summary v1", path, text_hash))
}

fn first_segment(module: &ModulePath) -> &str {
    module.0.split("::").next().unwrap_or("")
}

/// The package's modules grouped by the first segment of their path (`a` holds `a`, `a::b`,
/// …), with every top-level module name; the root module is under the empty name.
#[salsa::tracked(returns(ref))]
pub fn modules_by_top(db: &dyn salsa::Database) -> BTreeMap<Name, Vec<(ModulePath, SourceFile)>> {
    let mut out: BTreeMap<Name, Vec<(ModulePath, SourceFile)>> = BTreeMap::new();
    for (path, file) in db::module_map(db) {
        out.entry(Name::from(first_segment(path)))
            .or_default()
            .push((path.clone(), *file));
    }
    out
}

/// The package's modules with the reach of their paths, numbered, so that every module's
/// closure ([`module_closure`]) is a walk over small integers rather than over names.
#[derive(Debug, PartialEq, Eq)]
pub struct ModuleGraph {
    /// Every module and its file, sorted by module path.
    modules: Vec<(ModulePath, SourceFile)>,
    /// The number of each module's file.
    index_of: std::collections::HashMap<SourceFile, u32>,
    /// The modules of each top-level group (`a` holds `a`, `a::b`, …).
    group_modules: Vec<Vec<u32>>,
    /// The groups each group's modules name in their paths.
    group_edges: Vec<Vec<u32>>,
    /// The groups by name.
    group_of_name: BTreeMap<Name, u32>,
}

impl ModuleGraph {
    /// The groups `refs` names directly (every group for `crate`).
    fn named(&self, refs: &ModuleRefs) -> Vec<u32> {
        if refs.whole_package {
            return (0..self.group_modules.len() as u32).collect();
        }
        refs.names
            .iter()
            .filter_map(|n| self.group_of_name.get(n).copied())
            .collect()
    }
}

#[salsa::tracked(returns(ref))]
pub fn module_graph(db: &dyn salsa::Database) -> ModuleGraph {
    let groups = modules_by_top(db);
    let modules: Vec<(ModulePath, SourceFile)> = db::module_map(db)
        .iter()
        .map(|(m, f)| (m.clone(), *f))
        .collect();
    let index_of: std::collections::HashMap<SourceFile, u32> = modules
        .iter()
        .enumerate()
        .map(|(i, (_, f))| (*f, i as u32))
        .collect();
    let path_index: BTreeMap<&ModulePath, u32> = modules
        .iter()
        .enumerate()
        .map(|(i, (m, _))| (m, i as u32))
        .collect();
    let group_of_name: BTreeMap<Name, u32> = groups
        .keys()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u32))
        .collect();
    let group_modules: Vec<Vec<u32>> = groups
        .values()
        .map(|members| members.iter().map(|(m, _)| path_index[m]).collect())
        .collect();
    let mut graph = ModuleGraph {
        modules,
        index_of,
        group_modules,
        group_edges: Vec::new(),
        group_of_name,
    };
    graph.group_edges = groups
        .values()
        .map(|members| {
            let mut edges: Vec<u32> = members
                .iter()
                .flat_map(|(_, f)| graph.named(module_refs(db, *f)))
                .collect();
            edges.sort_unstable();
            edges.dedup();
            edges
        })
        .collect();
    graph
}

/// The modules whose interfaces a module's results can depend on (see the module docs): the
/// module itself, every module under a top-level name its paths start with, and the same for
/// those, transitively (`crate` reaches everything). Sorted by module path.
#[salsa::tracked(returns(ref))]
pub fn module_closure(db: &dyn salsa::Database, file: SourceFile) -> Vec<(ModulePath, SourceFile)> {
    let graph = module_graph(db);
    let mut in_closure = vec![false; graph.modules.len()];
    let own = db::module_path_of(db, file);
    if let Some(f) = db::module_map(db).get(&own)
        && let Some(&i) = graph.index_of.get(f)
    {
        in_closure[i as usize] = true;
    }
    let mut seen = vec![false; graph.group_modules.len()];
    let mut work = graph.named(module_refs(db, file));
    while let Some(g) = work.pop() {
        if std::mem::replace(&mut seen[g as usize], true) {
            continue;
        }
        for &m in &graph.group_modules[g as usize] {
            in_closure[m as usize] = true;
        }
        work.extend(&graph.group_edges[g as usize]);
    }
    in_closure
        .iter()
        .zip(&graph.modules)
        .filter(|(inside, _)| **inside)
        .map(|(_, module)| module.clone())
        .collect()
}

/// The key of a file's checked and lowered results (see the module docs for what it covers).
#[salsa::tracked(returns(copy))]
pub fn module_key(db: &dyn salsa::Database, file: SourceFile) -> Fingerprint {
    let groups = modules_by_top(db);
    let refs = module_refs(db, file);
    // The top-level module names the module's results can depend on without reaching the
    // module: those its paths start with (present or absent), and for each of those the one
    // "did you mean" would offer among the top-level names (suggestions pick the most similar
    // candidate, so that one is all a diagnostic can show). Other modules can come and go
    // without touching the module's results — which is what lets two projects share them.
    let tops: Vec<&str> = groups
        .keys()
        .filter(|t| !t.is_empty())
        .map(|t| t.as_str())
        .collect();
    let visible_top: Vec<(&Name, bool, Option<&str>)> = refs
        .names
        .iter()
        .map(|r| {
            // A name that is a top-level module resolves, so no suggestion is ever made for it.
            let exists = groups.contains_key(r);
            let suggested =
                (!exists).then(|| crate::sema::suggest::similar(r, tops.iter().copied()));
            (r, exists, suggested.flatten())
        })
        .collect();
    let deps: Vec<(&ModulePath, &Name, Fingerprint)> = module_closure(db, file)
        .iter()
        .map(|(m, dep)| (m, dep.path(db), module_interface(db, *dep)))
        .collect();
    let kind = match Package::get(db).kind(db) {
        db::PackageKind::Bin => 0u8,
        db::PackageKind::Lib => 1u8,
    };
    let text_hash = Fingerprint(*blake3::hash(file.text(db).as_bytes()).as_bytes());
    Fingerprint::of(&(
        "holo module results v2",
        kind,
        file.path(db),
        text_hash,
        vfs::is_module_file(db, file),
        refs,
        visible_top,
        deps,
    ))
}

/// One lowered function as stored: the function (callees unlinked) and its behaviour
/// fingerprint ([`function_fingerprint`]).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LoweredFunction {
    pub function: ir::Function,
    pub fingerprint: Fingerprint,
}

/// A fingerprint of what a lowered function does, without where it is: its IR with the file,
/// line and source sites blanked and its links (numbers that depend on the rest of the program)
/// removed. Two functions with the same fingerprint behave the same given the same callees
/// and layouts; runtime error locations are mapped back through the current sites.
pub fn function_fingerprint(function: &ir::Function) -> Fingerprint {
    let mut f = function.clone();
    f.file.clear();
    f.line = 0;
    f.links.clear();
    for site in &mut f.body.sites {
        site.line = 0;
        site.col = 0;
    }
    fingerprint_bytes(&postcard_bytes(&f))
}

/// A fingerprint of a serializable value through its postcard encoding (IR values contain
/// floats, so they cannot derive `Hash`).
pub fn fingerprint_of_value<T: serde::Serialize>(value: &T) -> Fingerprint {
    fingerprint_bytes(&postcard_bytes(value))
}

fn fingerprint_bytes(bytes: &[u8]) -> Fingerprint {
    Fingerprint(*blake3::hash(bytes).as_bytes())
}

fn postcard_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Encoding plain in-memory IR into a Vec cannot fail; an empty encoding would only make a
    // fingerprint collide with other failures, never with a real value.
    postcard::to_allocvec(value).unwrap_or_default()
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

fn decode_diagnostics(bytes: &[u8]) -> Option<Vec<Diagnostic>> {
    decode::<Vec<StoredDiagnostic>>(bytes)?
        .into_iter()
        .map(StoredDiagnostic::restore)
        .collect()
}

/// The files whose items are checked and lowered, with their keys, computed in parallel.
fn keyed_files(compiler: &Compiler) -> Vec<(SourceFile, Fingerprint)> {
    use rayon::prelude::*;
    let db = compiler.db();
    let files: Vec<SourceFile> = Package::get(db)
        .files(db)
        .values()
        .copied()
        .filter(|f| vfs::is_module_file(db, *f))
        .collect();
    files
        .par_iter()
        .map_with(db.clone(), |db, file| (*file, module_key(db, *file)))
        .collect()
}

impl Compiler {
    /// Checks the package like [`Compiler::check`], but reads each module's checker results
    /// from `store` when it has them under the module's key, and stores those it computes.
    /// Syntax errors and locations are always taken from the current parse.
    pub fn check_with(&self, store: &dyn ResultStore) -> (CheckReport, ReuseStats) {
        use rayon::prelude::*;
        let keyed = keyed_files(self);
        let keys: Vec<Fingerprint> = keyed.iter().map(|(_, k)| *k).collect();
        let stored = self.prefetched.get_many(store, kinds::CHECK, &keys);
        let reused = AtomicUsize::new(0);
        let fresh: std::sync::Mutex<Vec<(Fingerprint, Vec<u8>)>> = Default::default();
        let semantic: BTreeMap<Name, Arc<Vec<Diagnostic>>> = keyed
            .par_iter()
            .zip(stored.into_par_iter())
            .map_with(self.db().clone(), |db, ((file, key), bytes)| {
                let path = file.path(db).clone();
                if let Some(raw) = bytes.and_then(|b| decode_diagnostics(&b)) {
                    reused.fetch_add(1, Ordering::Relaxed);
                    return (path, Arc::new(raw));
                }
                let raw = vfs::semantic_diagnostics(db, *file).clone();
                // A fault of the checker is not a result of the module's inputs: never stored.
                let faulted = raw
                    .iter()
                    .any(|d| d.code == crate::diagnostic::codes::INTERNAL);
                if !faulted {
                    fresh.lock().unwrap_or_else(|e| e.into_inner()).push((
                        *key,
                        postcard_bytes(&raw.iter().map(StoredDiagnostic::from).collect::<Vec<_>>()),
                    ));
                }
                (path, raw)
            })
            .collect();
        let fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let stats = ReuseStats {
            reused: reused.into_inner(),
            computed: fresh.len(),
        };
        if !fresh.is_empty() {
            store.put_many(kinds::CHECK, fresh);
        }
        let report = self.report_with(|db, file| match semantic.get(file.path(db)) {
            Some(raw) => vfs::resolve_file_diagnostics(db, file, raw),
            None => vfs::resolve_file_diagnostics(db, file, &[]),
        });
        (report, stats)
    }

    /// Lowers the package like [`Compiler::lower`], reading each module's lowered functions,
    /// layouts and tests from `store` when it has them and storing those it lowers; the
    /// program is linked from those parts, without reading the other modules' syntax. Also
    /// returns every function's behaviour fingerprint by key, for the test-to-code map. The
    /// package must have been checked free of errors (with [`Compiler::check_with`] or
    /// [`Compiler::check`]) first.
    pub fn lower_with(
        &self,
        store: &dyn ResultStore,
    ) -> Result<LoweredProgram, crate::lower::LowerError> {
        self.lower_stored(store, false)
    }

    /// Lowers the package like [`Compiler::lower_with`], but the functions of modules read
    /// from the store are *skeletons* (their callees, no code; see [`ModuleSkeleton`]): enough
    /// to number, link and compute every test's reach. The code of the ones a caller needs is
    /// decoded by [`hydrate`] from [`LoweredProgram::lazy`]. For `holo test`, which runs a few
    /// tests of thousands: decoding every function's code was most of its time.
    pub fn lower_lazily(
        &self,
        store: &dyn ResultStore,
    ) -> Result<LoweredProgram, crate::lower::LowerError> {
        self.lower_stored(store, true)
    }

    fn lower_stored(
        &self,
        store: &dyn ResultStore,
        lazily: bool,
    ) -> Result<LoweredProgram, crate::lower::LowerError> {
        use rayon::prelude::*;
        let keyed = keyed_files(self);
        let keys: Vec<Fingerprint> = keyed.iter().map(|(_, k)| *k).collect();
        let skeletons: Vec<Option<ModuleSkeleton>> = if lazily {
            self.prefetched
                .get_many(store, kinds::SKELETON, &keys)
                .into_iter()
                .map(|s| s.and_then(|s| decode::<ModuleSkeleton>(&s)))
                .collect()
        } else {
            vec![None; keys.len()]
        };
        // The whole lowering only of the modules without a skeleton: the others' code is read
        // when a caller needs it (`hydrate`).
        let wanted: Vec<usize> = (0..keys.len())
            .filter(|&i| skeletons[i].is_none())
            .collect();
        let wanted_keys: Vec<Fingerprint> = wanted.iter().map(|&i| keys[i]).collect();
        let mut stored: Vec<Option<Vec<u8>>> = vec![None; keys.len()];
        for (i, bytes) in
            wanted
                .into_iter()
                .zip(self.prefetched.get_many(store, kinds::LOWER, &wanted_keys))
        {
            stored[i] = bytes;
        }
        let reused = AtomicUsize::new(0);
        // Each module lowered now: its key, its encoded lowering and its encoded skeleton.
        type Fresh = Vec<(Fingerprint, Vec<u8>, Vec<u8>)>;
        let fresh: std::sync::Mutex<Fresh> = Default::default();
        let handle = self.db().clone();
        let per_file: Vec<Result<Part, crate::lower::LowerError>> = crate::deep::install(|| {
            keyed
                .par_iter()
                .zip(stored.into_par_iter().zip(skeletons.into_par_iter()))
                .map_with(handle, |db, ((file, key), (bytes, skeleton))| {
                    if let Some(skeleton) = skeleton {
                        reused.fetch_add(1, Ordering::Relaxed);
                        return Ok(Part::Skeleton(skeleton, *key));
                    }
                    if let Some(module) = bytes.and_then(|b| decode::<LoweredModule>(&b)) {
                        reused.fetch_add(1, Ordering::Relaxed);
                        return Ok(Part::Full(module));
                    }
                    let module = lower_module(db, *file)?;
                    let skeleton = ModuleSkeleton::of(&module);
                    fresh.lock().unwrap_or_else(|e| e.into_inner()).push((
                        *key,
                        postcard_bytes(&module),
                        postcard_bytes(&skeleton),
                    ));
                    Ok(Part::Full(module))
                })
                .collect()
        });
        let fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let lower_stats = ReuseStats {
            reused: reused.into_inner(),
            computed: fresh.len(),
        };
        if !fresh.is_empty() {
            let (lowered, skeletons): (Vec<_>, Vec<_>) = fresh
                .into_iter()
                .map(|(key, module, skeleton)| ((key, module), (key, skeleton)))
                .unzip();
            store.put_many(kinds::LOWER, lowered);
            store.put_many(kinds::SKELETON, skeletons);
        }
        let mut fingerprints = BTreeMap::new();
        let mut parts = Vec::with_capacity(per_file.len());
        let mut lazy = LazyBodies::default();
        for ((file, _), part) in keyed.iter().zip(per_file) {
            let module = db::module_path_of(self.db(), *file);
            let (functions, structs, enums, tests) = match part? {
                Part::Full(m) => {
                    let mut functions = Vec::with_capacity(m.functions.len());
                    for lowered in m.functions {
                        fingerprints.insert(lowered.function.key.clone(), lowered.fingerprint);
                        functions.push(lowered.function);
                    }
                    (functions, m.structs, m.enums, m.tests)
                }
                Part::Skeleton(m, module_key) => {
                    let index = lazy.modules.len();
                    lazy.modules.push(module_key);
                    let mut functions = Vec::with_capacity(m.functions.len());
                    for f in m.functions {
                        fingerprints.insert(f.key.clone(), f.fingerprint);
                        lazy.module_of.insert(f.key.clone(), index);
                        lazy.facts.insert(
                            f.key.clone(),
                            crate::testmap::KnownFacts {
                                reads_environment: f.reads_environment,
                                types: f.types,
                            },
                        );
                        functions.push(ir::Function {
                            key: f.key,
                            name: f.name,
                            file: f.file,
                            line: f.line,
                            body: ir::Body {
                                params: 0,
                                self_mode: ir::SelfMode::None,
                                ret: ir::Ty::Unit,
                                locals: Vec::new(),
                                blocks: Vec::new(),
                                sites: Vec::new(),
                                callees: f.callees,
                            },
                            links: Vec::new(),
                        });
                    }
                    (functions, m.structs, m.enums, m.tests)
                }
            };
            parts.push(crate::lower::ModulePart {
                module,
                functions,
                structs,
                enums,
                tests,
            });
        }
        let kind = *Package::get(self.db()).kind(self.db());
        let program = crate::lower::link_parts(parts, kind)?;
        Ok(LoweredProgram {
            program,
            fingerprints,
            reuse: lower_stats,
            lazy: (!lazy.modules.is_empty()).then_some(lazy),
        })
    }
}

/// One module's part as [`Compiler::lower_stored`] found it.
enum Part {
    Full(LoweredModule),
    /// The skeleton, and the module's key (its whole lowering is read only if needed).
    Skeleton(ModuleSkeleton, Fingerprint),
}

/// A module's lowering without the functions' code: what numbering, linking and the tests'
/// reach need ([`Compiler::lower_lazily`]). Stored beside the [`LoweredModule`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ModuleSkeleton {
    pub functions: Vec<FunctionSkeleton>,
    pub structs: Vec<ir::StructLayout>,
    pub enums: Vec<ir::EnumLayout>,
    pub tests: Vec<(String, String)>,
}

/// One function of a [`ModuleSkeleton`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionSkeleton {
    pub key: String,
    pub name: String,
    pub file: String,
    pub line: u32,
    pub fingerprint: Fingerprint,
    pub callees: Vec<String>,
    /// What the function contributes to a test's reach besides its fingerprint (see
    /// `testmap`): whether it reads the clock or random numbers, and the layouts it mentions.
    pub reads_environment: bool,
    pub types: Vec<String>,
}

impl ModuleSkeleton {
    fn of(module: &LoweredModule) -> ModuleSkeleton {
        ModuleSkeleton {
            functions: module
                .functions
                .iter()
                .map(|l| {
                    let f = &l.function;
                    let facts = crate::testmap::KnownFacts::of(f);
                    FunctionSkeleton {
                        key: f.key.clone(),
                        name: f.name.clone(),
                        file: f.file.clone(),
                        line: f.line,
                        fingerprint: l.fingerprint,
                        callees: f.body.callees.clone(),
                        reads_environment: facts.reads_environment,
                        types: facts.types,
                    }
                })
                .collect(),
            structs: module.structs.clone(),
            enums: module.enums.clone(),
            tests: module.tests.clone(),
        }
    }
}

/// The code of the functions a lazily lowered program holds as skeletons
/// ([`Compiler::lower_lazily`]): the key of each module whose stored lowering holds it.
#[derive(Default)]
pub struct LazyBodies {
    modules: Vec<Fingerprint>,
    /// The module (index into `modules`) of each skeleton function, by key.
    module_of: std::collections::HashMap<String, usize>,
    /// What each skeleton function contributes to a test's reach.
    pub facts: std::collections::HashMap<String, crate::testmap::KnownFacts>,
}

impl LazyBodies {
    /// Whether the function `key` is a skeleton.
    pub fn is_skeleton(&self, key: &str) -> bool {
        self.module_of.contains_key(key)
    }
}

/// Gives the skeleton functions of `program` named by `keys` (and the other functions of their
/// modules) their code, decoded from `lazy`. Links and numbering stay as they are: a
/// skeleton's callees are its function's.
/// The code is read from `store`, where [`Compiler::resolve_deferred`] found it; a module
/// whose lowering is gone meanwhile (a `holo cache gc` running at the same time) is an error
/// that says to run the command again.
pub fn hydrate<'k>(
    program: &mut ir::Program,
    lazy: &mut LazyBodies,
    store: &dyn ResultStore,
    keys: impl IntoIterator<Item = &'k str>,
) -> Result<usize, crate::lower::LowerError> {
    let modules: Vec<usize> = keys
        .into_iter()
        .filter_map(|k| lazy.module_of.get(k).copied())
        .collect::<BTreeSet<usize>>()
        .into_iter()
        .collect();
    if modules.is_empty() {
        return Ok(0);
    }
    let module_keys: Vec<Fingerprint> = modules.iter().map(|&m| lazy.modules[m]).collect();
    let stored = store.get_many(kinds::LOWER, &module_keys);
    let index_of: std::collections::HashMap<&str, usize> = program
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.key.as_str(), i))
        .collect();
    let mut replaced: Vec<(usize, ir::Function)> = Vec::new();
    for bytes in stored {
        let module = bytes
            .and_then(|b| decode::<LoweredModule>(&b))
            .ok_or_else(|| {
                crate::lower::LowerError::Internal(
                    "the compiled code of a module left the shared cache while holo ran (is `holo cache gc` running?); run the command again".to_string(),
                )
            })?;
        for lowered in module.functions {
            let Some(&i) = index_of.get(lowered.function.key.as_str()) else {
                return Err(crate::lower::LowerError::Internal(format!(
                    "the stored lowering has a function `{}` the program does not",
                    lowered.function.key
                )));
            };
            replaced.push((i, lowered.function));
        }
    }
    let count = replaced.len();
    for (i, mut f) in replaced {
        f.links = std::mem::take(&mut program.functions[i].links);
        lazy.module_of.remove(&f.key);
        lazy.facts.remove(&f.key);
        program.functions[i] = f;
    }
    Ok(count)
}

/// One module's lowering as stored under its key: its functions (callees unlinked) with their
/// fingerprints, its layouts and its tests — everything linking needs of it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LoweredModule {
    pub functions: Vec<LoweredFunction>,
    pub structs: Vec<ir::StructLayout>,
    pub enums: Vec<ir::EnumLayout>,
    /// (function key, test name) of its `#[test]` functions, in source order.
    pub tests: Vec<(String, String)>,
}

fn lower_module(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<LoweredModule, crate::lower::LowerError> {
    if *file.state(db) != ParseState::Parsed {
        return Err(crate::lower::LowerError::Internal(format!(
            "`{}` was not parsed before it was lowered",
            file.path(db)
        )));
    }
    let functions = lowered_functions(db, file)?;
    let (structs, enums) = crate::lower::file_layouts(db, file)?;
    Ok(LoweredModule {
        functions,
        structs,
        enums,
        tests: crate::lower::file_tests(db, file),
    })
}

/// Results read from a store ahead of the check and the lowering that use them (see
/// [`Compiler::resolve_deferred`]); each is handed out once.
#[derive(Default)]
pub struct Prefetched(std::sync::Mutex<BTreeMap<(&'static str, Fingerprint), Vec<u8>>>);

impl Prefetched {
    fn put(&self, kind: &'static str, key: Fingerprint, bytes: Vec<u8>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((kind, key), bytes);
    }

    /// The values under `keys`: those prefetched (taken), the others from `store`.
    fn get_many(
        &self,
        store: &dyn ResultStore,
        kind: &'static str,
        keys: &[Fingerprint],
    ) -> Vec<Option<Vec<u8>>> {
        let mut out: Vec<Option<Vec<u8>>> = {
            let mut taken = self.0.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter().map(|k| taken.remove(&(kind, *k))).collect()
        };
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let wanted: Vec<Fingerprint> = missing.iter().map(|&i| keys[i]).collect();
            for (i, value) in missing.into_iter().zip(store.get_many(kind, &wanted)) {
                out[i] = value;
            }
        }
        out
    }
}

/// What [`Compiler::resolve_deferred`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeferStats {
    /// Files whose summary was found: not parsed unless needed.
    pub summarized: usize,
    /// Files parsed after all (no summary, syntax errors, results to compute or to point into).
    pub parsed: usize,
    /// Files parsed without their bodies, for the interfaces the modules computed depend on.
    pub interfaces: usize,
}

impl Compiler {
    /// Decides, for the files loaded without parsing ([`Compiler::set_files_deferred`]), which
    /// must be parsed after all, and parses those: a file whose summary `store` lacks or that
    /// has syntax errors; a module whose checked results (or, with `lowering`, lowered
    /// results) are not stored — and every module its results depend on, without bodies (only
    /// their interfaces are read); a module with stored diagnostics, and every file they point
    /// into. The others stay unparsed: their keys come
    /// from their summaries and their results from the store (read here and handed to
    /// [`Compiler::check_with`] and [`Compiler::lower_with`]). Summaries of the files parsed
    /// are stored for the next process.
    ///
    /// With `lazily` (the lowering will be [`Compiler::lower_lazily`]'s), stored lowerings are
    /// only looked up, not read: the code of the few modules a test run needs is read when it
    /// is needed.
    pub fn resolve_deferred(
        &mut self,
        store: &dyn ResultStore,
        lowering: bool,
        lazily: bool,
    ) -> DeferStats {
        let mut stats = DeferStats::default();
        let files = self.package_files();
        let deferred: Vec<(Name, SourceFile)> = files
            .iter()
            .filter(|(_, f)| *f.state(self.db()) == ParseState::Deferred)
            .map(|(p, f)| (p.clone(), *f))
            .collect();
        if deferred.is_empty() {
            return stats;
        }
        let summary_keys: Vec<Fingerprint> = deferred
            .iter()
            .map(|(path, file)| summary_key(path, file.text(self.db())))
            .collect();
        let found = store.get_many(kinds::SUMMARY, &summary_keys);
        let mut to_parse: BTreeSet<Name> = BTreeSet::new();
        let mut interfaces: BTreeSet<Name> = BTreeSet::new();
        let mut unsummarized: Vec<(Name, Fingerprint)> = Vec::new();
        for (((path, file), bytes), key) in deferred.iter().zip(found).zip(&summary_keys) {
            match bytes.and_then(|b| decode::<FileSummary>(&b)) {
                Some(summary) if !summary.syntax_errors => {
                    stats.summarized += 1;
                    self.set_state(*file, ParseState::Summarized(Arc::new(summary)));
                }
                Some(_) => {
                    to_parse.insert(path.clone());
                }
                None => {
                    to_parse.insert(path.clone());
                    unsummarized.push((path.clone(), *key));
                }
            }
        }
        // Which summarized files must be parsed after all, from their results in the store.
        {
            let db = self.db();
            let keyed = keyed_files(self);
            let module_files: std::collections::HashSet<SourceFile> =
                keyed.iter().map(|(f, _)| *f).collect();
            for (path, file) in &deferred {
                // Only modules have results to read; any other file is reported from its parse.
                if !module_files.contains(file) {
                    to_parse.insert(path.clone());
                }
            }
            let keys: Vec<Fingerprint> = keyed.iter().map(|(_, k)| *k).collect();
            let checked = store.get_many(kinds::CHECK, &keys);
            // `Some(None)`: stored, not read (lazily); `None`: not stored or not wanted.
            let lowered: Vec<Option<Option<Vec<u8>>>> = match (lowering, lazily) {
                (false, _) => vec![None; keys.len()],
                (true, false) => store
                    .get_many(kinds::LOWER, &keys)
                    .into_iter()
                    .map(|v| v.map(Some))
                    .collect(),
                (true, true) => store
                    .contains_many(kinds::LOWER, &keys)
                    .into_iter()
                    .map(|found| found.then_some(None))
                    .collect(),
            };
            let mut compute: Vec<SourceFile> = Vec::new();
            for (((file, key), checked), lowered) in keyed.iter().zip(checked).zip(lowered) {
                if *file.state(db) == ParseState::Parsed {
                    // Parsed anyway: what it lacks is computed as usual.
                    if let Some(bytes) = checked {
                        self.prefetched.put(kinds::CHECK, *key, bytes);
                    }
                    if let Some(Some(bytes)) = lowered {
                        self.prefetched.put(kinds::LOWER, *key, bytes);
                    }
                    continue;
                }
                let diagnostics = checked.as_deref().and_then(decode_diagnostics);
                let lowered_ok = !lowering || lowered.is_some();
                match diagnostics {
                    Some(diagnostics) if lowered_ok => {
                        if !diagnostics.is_empty() {
                            to_parse.insert(file.path(db).clone());
                            for d in &diagnostics {
                                for label in std::iter::once(&d.primary).chain(&d.secondary) {
                                    if let crate::diagnostic::Loc::Node { item, .. } = &label.loc
                                        && let Some(f) = db::module_file(db, &item.module)
                                    {
                                        to_parse.insert(f.path(db).clone());
                                    }
                                }
                            }
                        }
                        if let Some(bytes) = checked {
                            self.prefetched.put(kinds::CHECK, *key, bytes);
                        }
                        if let Some(Some(bytes)) = lowered {
                            self.prefetched.put(kinds::LOWER, *key, bytes);
                        }
                    }
                    _ => {
                        to_parse.insert(file.path(db).clone());
                        compute.push(*file);
                    }
                }
            }
            // The modules those depend on are only named, never checked or lowered: their
            // interfaces are enough, parsed without bodies.
            for file in compute {
                for (_, dep) in module_closure(db, file) {
                    if !to_parse.contains(dep.path(db)) {
                        interfaces.insert(dep.path(db).clone());
                    }
                }
            }
        }
        let unparsed = |paths: &BTreeSet<Name>| -> Vec<(String, String)> {
            paths
                .iter()
                .filter_map(|path| {
                    let file = files.get(path)?;
                    (*file.state(self.db()) != ParseState::Parsed)
                        .then(|| (path.to_string(), file.text(self.db()).to_string()))
                })
                .collect()
        };
        let (texts, interface_texts) = (unparsed(&to_parse), unparsed(&interfaces));
        stats.parsed = texts.len();
        stats.interfaces = interface_texts.len();
        self.parse_now(texts, false);
        self.parse_now(interface_texts, true);
        // The summaries the next process needs, of the module files just parsed.
        let db = self.db();
        let summaries: Vec<(Fingerprint, Vec<u8>)> = unsummarized
            .iter()
            .filter_map(|(path, key)| {
                let file = *files.get(path)?;
                if !vfs::is_module_file(db, file) {
                    return None;
                }
                let summary = FileSummary {
                    refs: module_refs(db, file).clone(),
                    interface: module_interface(db, file),
                    syntax_errors: !db::parse(db, file).errors.is_empty(),
                };
                Some((*key, postcard_bytes(&summary)))
            })
            .collect();
        if !summaries.is_empty() {
            store.put_many(kinds::SUMMARY, summaries);
        }
        stats
    }
}

/// A lowered package with what the test-to-code map needs.
pub struct LoweredProgram {
    /// With skeleton functions when lowered lazily (see [`Compiler::lower_lazily`]).
    pub program: ir::Program,
    /// The code of the skeleton functions, when there are any.
    pub lazy: Option<LazyBodies>,
    /// Every function's behaviour fingerprint ([`function_fingerprint`]), by function key.
    pub fingerprints: BTreeMap<String, Fingerprint>,
    /// How many modules' lowered functions were reused.
    pub reuse: ReuseStats,
}

/// What a resident host keeps between lowerings of its package, so that after an edit only
/// the modules whose key changed are lowered and relinked ([`Compiler::lower_resident`]).
#[derive(Default)]
pub struct ProgramMemo {
    state: Option<MemoState>,
}

struct MemoState {
    program: Arc<ir::Program>,
    fingerprints: Arc<BTreeMap<String, Fingerprint>>,
    /// Every module file by path: its key and the keys of its functions, sorted.
    modules: BTreeMap<Name, (Fingerprint, Vec<String>)>,
    /// The index of every function of `program`, by key.
    index_of: std::collections::HashMap<String, ir::FuncIndex>,
}

/// A lowered package held by a resident host: shared, so that handing it out copies nothing.
pub struct ResidentProgram {
    pub program: Arc<ir::Program>,
    pub fingerprints: Arc<BTreeMap<String, Fingerprint>>,
    /// How many modules were lowered again (the others were reused as they were).
    pub relowered: usize,
}

impl Compiler {
    /// Lowers the package like [`Compiler::lower_with`], for a host that stays: when the set of
    /// modules and of their functions is what `memo` holds, only modules whose key changed
    /// are lowered again and their functions replaced in place; the rest of the program (and
    /// every fingerprint) is reused without copying. Otherwise the whole package is lowered
    /// and linked. The result equals a full lowering's, which the daemon's differential tests
    /// check. The package must have been checked free of errors first.
    pub fn lower_resident(
        &self,
        memo: &mut ProgramMemo,
    ) -> Result<ResidentProgram, crate::lower::LowerError> {
        let keyed = keyed_files(self);
        let db = self.db();
        if let Some(state) = &mut memo.state {
            match relower(db, state, &keyed) {
                Ok(Some(relowered)) => {
                    return Ok(ResidentProgram {
                        program: state.program.clone(),
                        fingerprints: state.fingerprints.clone(),
                        relowered,
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    // Possibly half updated: the next lowering starts from nothing.
                    memo.state = None;
                    return Err(e);
                }
            }
        }
        let state = lower_all(db, &keyed)?;
        let relowered = keyed.len();
        let program = state.program.clone();
        let fingerprints = state.fingerprints.clone();
        memo.state = Some(state);
        Ok(ResidentProgram {
            program,
            fingerprints,
            relowered,
        })
    }
}

/// The functions of `file`, lowered, each with its fingerprint, in source order.
fn lowered_functions(
    db: &dyn salsa::Database,
    file: SourceFile,
) -> Result<Vec<LoweredFunction>, crate::lower::LowerError> {
    Ok(crate::lower::lower_file_functions(db, file)?
        .into_iter()
        .map(|function| LoweredFunction {
            fingerprint: function_fingerprint(&function),
            function,
        })
        .collect())
}

fn lower_all(
    db: &crate::db::RootDatabase,
    keyed: &[(SourceFile, Fingerprint)],
) -> Result<MemoState, crate::lower::LowerError> {
    use rayon::prelude::*;
    let handle = db.clone();
    let per_file: Vec<Result<Vec<LoweredFunction>, crate::lower::LowerError>> =
        crate::deep::install(|| {
            keyed
                .par_iter()
                .map_with(handle, |db, (file, _)| lowered_functions(db, *file))
                .collect()
        });
    let mut modules = BTreeMap::new();
    let mut functions = Vec::new();
    let mut fingerprints = BTreeMap::new();
    for ((file, key), lowered) in keyed.iter().zip(per_file) {
        let lowered = lowered?;
        let mut keys: Vec<String> = lowered.iter().map(|l| l.function.key.clone()).collect();
        keys.sort();
        modules.insert(file.path(db).clone(), (*key, keys));
        for l in lowered {
            fingerprints.insert(l.function.key.clone(), l.fingerprint);
            functions.push(l.function);
        }
    }
    let program = crate::lower::link_program(db, functions)?;
    let index_of = program
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.key.clone(), i as ir::FuncIndex))
        .collect();
    Ok(MemoState {
        program: Arc::new(program),
        fingerprints: Arc::new(fingerprints),
        modules,
        index_of,
    })
}

/// Brings `state` up to date by lowering again only the modules whose key changed. `None`
/// when that is not enough (a module or a function appeared or went): lower everything.
fn relower(
    db: &crate::db::RootDatabase,
    state: &mut MemoState,
    keyed: &[(SourceFile, Fingerprint)],
) -> Result<Option<usize>, crate::lower::LowerError> {
    if keyed.len() != state.modules.len() {
        return Ok(None);
    }
    let mut changed = Vec::new();
    for (file, key) in keyed {
        match state.modules.get(file.path(db)) {
            Some((old, _)) if old == key => {}
            Some(_) => changed.push((*file, *key)),
            None => return Ok(None),
        }
    }
    if changed.is_empty() {
        return Ok(Some(0));
    }
    let mut lowered = Vec::with_capacity(changed.len());
    let handle = db.clone();
    let to_lower = &changed;
    let fresh: Vec<_> = crate::deep::install(move || {
        to_lower
            .iter()
            .map(|&(file, key)| (file, key, lowered_functions(&handle, file)))
            .collect()
    });
    for (file, key, functions) in fresh {
        let functions = functions?;
        let mut keys: Vec<String> = functions.iter().map(|l| l.function.key.clone()).collect();
        keys.sort();
        if state.modules.get(file.path(db)).map(|(_, k)| k) != Some(&keys) {
            return Ok(None);
        }
        lowered.push((file, key, functions));
    }
    let program = Arc::make_mut(&mut state.program);
    let fingerprints = Arc::make_mut(&mut state.fingerprints);
    for (file, key, functions) in lowered {
        for l in functions {
            let mut f = l.function;
            f.links = crate::lower::links_of(&f, &state.index_of)?;
            let index = state.index_of[&f.key] as usize;
            fingerprints.insert(f.key.clone(), l.fingerprint);
            program.functions[index] = f;
        }
        if let Some(entry) = state.modules.get_mut(file.path(db)) {
            entry.0 = key;
        }
    }
    // Layouts, tests and `main` come from the whole package's items (an attribute or a field
    // may have changed in an edited module); they are cheap next to the functions.
    let (structs, enums) = crate::lower::layouts(db)?;
    let (tests, main) = crate::lower::tests_and_main(db, &program.functions, &state.index_of)?;
    program.structs = structs;
    program.enums = enums;
    program.tests = tests;
    program.main = main;
    Ok(Some(changed.len()))
}
