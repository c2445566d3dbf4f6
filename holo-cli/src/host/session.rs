//! [`Session`]: a package loaded into a [`Compiler`], kept up to date path by path.
//!
//! `holo check` uses it once; `holo check --watch` keeps it for the whole run, so the salsa
//! database stays warm and each change costs only the queries it invalidates. The session also
//! tracks what stops the package from being checked at all (a bad manifest, an unreadable
//! file, no root module): while there are such problems they are reported instead of
//! diagnostics, exactly as a fresh `holo check` would report them.

use crate::error::CliError;
use crate::host::package::PackageLocation;
use crate::render::Sources;
use crate::vfs::{DiskVfs, ReadOutcome, SRC_DIR, SourceError};
use holo_compiler::cache::{ResultStore, ReuseStats};
use holo_compiler::{Compiler, Diagnostic, PackageKind, Severity, VfsError};
use holo_pkg::{MANIFEST_FILE, Manifest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The state of one source file on disk.
enum FileState {
    /// Its current text is in the compiler.
    Loaded,
    /// It exists but cannot be used (not UTF-8, binary, unreadable).
    Unreadable(SourceError),
}

pub struct Session {
    root: PathBuf,
    manifest_path: PathBuf,
    /// The manifest bytes last read, to skip re-parsing when a save did not change them.
    manifest_bytes: Option<Vec<u8>>,
    manifest: Result<Manifest, CliError>,
    vfs: DiskVfs,
    compiler: Compiler,
    /// Every source file found on disk, by path relative to the root.
    files: BTreeMap<String, FileState>,
    /// Folders under `src/` that could not be listed.
    dir_errors: BTreeMap<String, VfsError>,
    kind: Option<PackageKind>,
    sources: Sources,
    /// Editors' unsaved texts by path: while a path has one, it is the file's text, whatever
    /// the disk says.
    overlays: BTreeMap<String, String>,
    /// Each file's content hash for [`Session::snapshot_key`], with the text it is of (the
    /// compiler hands out the same `Arc` until the text changes): a resident host hashes only
    /// the files a save changed.
    hashes: std::collections::HashMap<String, (Arc<str>, [u8; 32])>,
    /// Why the dependencies could not be loaded, while they cannot.
    dependencies_error: Option<CliError>,
    /// The dependencies loaded: module name → folder, and whether the folder never changes
    /// (an unpacked archive of the package cache, named by its version).
    dependencies: BTreeMap<String, (PathBuf, bool)>,
    /// Files are loaded without parsing until [`Session::resolve_deferred`] (a fresh process,
    /// which finds most results in the shared cache).
    defer_parsing: bool,
}

impl Session {
    /// A session for the package at `location` whose manifest has been loaded (or failed to
    /// load) already. No source file is read until [`Session::scan`].
    pub fn new(location: PackageLocation, manifest: Result<Manifest, CliError>) -> Session {
        let manifest_bytes = std::fs::read(&location.manifest_path).ok();
        Session {
            vfs: DiskVfs::new(&location.root),
            root: location.root,
            manifest_path: location.manifest_path,
            manifest_bytes,
            manifest,
            compiler: Compiler::new(PackageKind::Bin),
            files: BTreeMap::new(),
            dir_errors: BTreeMap::new(),
            kind: None,
            sources: Sources::default(),
            overlays: BTreeMap::new(),
            hashes: Default::default(),
            dependencies_error: None,
            dependencies: BTreeMap::new(),
            defer_parsing: false,
        }
    }

    /// A session for the package at `location`, its manifest read and every source file
    /// loaded.
    pub fn load(location: PackageLocation) -> Session {
        let manifest = crate::host::package::load_manifest(&location);
        let mut session = Session::new(location, manifest);
        session.scan(SRC_DIR);
        session.refresh_dependencies();
        session
    }

    /// Like [`Session::load`], for a command in a fresh process: the files are read but parsed
    /// only when [`Session::resolve_deferred`] finds they must be.
    pub fn load_deferred(location: PackageLocation) -> Session {
        let manifest = crate::host::package::load_manifest(&location);
        let mut session = Session::new(location, manifest);
        session.defer_parsing = true;
        session.scan(SRC_DIR);
        session.refresh_dependencies();
        session
    }

    /// Parses the deferred files that must be (see `Compiler::resolve_deferred`); from then on
    /// files are parsed when they are loaded.
    pub fn resolve_deferred(
        &mut self,
        store: &dyn ResultStore,
        lowering: bool,
        lazily: bool,
    ) -> holo_compiler::cache::DeferStats {
        self.defer_parsing = false;
        self.compiler.resolve_deferred(store, lowering, lazily)
    }

    /// Loads the dependencies the lock names from the local caches (the commands resolve and
    /// fetch before they open the package; nothing here uses the network), replacing what was
    /// loaded. Returns whether anything changed.
    pub fn refresh_dependencies(&mut self) -> bool {
        let had_error = self.dependencies_error.take().is_some();
        let wanted = match self.dependency_list() {
            Ok(list) => list,
            Err(e) => {
                self.dependencies_error = Some(e);
                Vec::new()
            }
        };
        match self.set_dependencies(&wanted) {
            Ok(changed) => changed || had_error || self.dependencies_error.is_some(),
            Err(e) => {
                self.dependencies_error = Some(e);
                true
            }
        }
    }

    /// The `src/` folders of the path dependencies loaded (which can change while a watcher
    /// runs; the package cache's versions cannot).
    pub fn path_dependency_dirs(&self) -> Vec<PathBuf> {
        self.dependencies
            .values()
            .filter(|(_, immutable)| !immutable)
            .map(|(dir, _)| dir.join(SRC_DIR))
            .collect()
    }

    /// Each dependency's module name and folder, from `holo.lock` and the package cache.
    fn dependency_list(&self) -> Result<Vec<(String, PathBuf)>, CliError> {
        let Ok(manifest) = &self.manifest else {
            return Ok(Vec::new());
        };
        if manifest.dependencies.is_empty() {
            return Ok(Vec::new());
        }
        let home = crate::host::store::holo_home()?;
        let env = std::env::var("HOLO_REGISTRY").ok();
        let registry = holo_pkg::config::default_registry(None, env.as_deref(), &home)
            .map_err(CliError::from_pkg)?;
        let opts = holo_pkg::ResolveOptions {
            home,
            registry,
            locked: false,
            offline: true,
            update: holo_pkg::Update::Nothing,
        };
        let packages = holo_pkg::dependency_roots(&self.root, &opts).map_err(|e| {
            CliError::from_pkg(e).with_hint(
                "Fetch the dependencies with `holo check` (or `holo update`), which may use the network.",
            )
        })?;
        Ok(packages
            .into_iter()
            .map(|p| (holo_compiler::ids::package_module_name(&p.name), p.root))
            .collect())
    }

    /// Loads the sources of the package's dependencies — `(module name, the folder holding its
    /// holo.toml)` — under `deps/NAME/` (see `holo_compiler::ids::DEPENDENCY_DIR`), replacing
    /// what was loaded before. Returns whether anything changed; a dependency whose sources
    /// cannot be read is an error naming it (nothing is half-loaded).
    pub fn set_dependencies(&mut self, deps: &[(String, PathBuf)]) -> Result<bool, CliError> {
        let cache = crate::host::store::holo_home()
            .ok()
            .map(|home| home.join("packages"));
        let dir_of = |name: &str| format!("{}{name}/", holo_compiler::ids::DEPENDENCY_DIR);
        // Read everything first: a dependency that cannot be read changes nothing.
        let mut reads: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut loaded = BTreeMap::new();
        for (name, dir) in deps {
            let immutable = cache.as_ref().is_some_and(|c| dir.starts_with(c));
            loaded.insert(name.clone(), (dir.clone(), immutable));
            if immutable && self.dependencies.get(name) == Some(&(dir.clone(), true)) {
                // The same unpacked version as before: its files cannot have changed.
                continue;
            }
            let vfs = DiskVfs::new(dir);
            let found = vfs.list(SRC_DIR).map_err(|e| {
                CliError::from_vfs(&e).with_hint(format!(
                    "The sources of the dependency `{name}` (in {}) cannot be read; fetch it again with `holo update {name}`.",
                    dir.display()
                ))
            })?;
            let mut files = Vec::with_capacity(found.len());
            for path in found {
                match vfs.read_source(&path) {
                    Ok(ReadOutcome::Text(text)) => {
                        files.push((format!("{}{path}", dir_of(name)), text))
                    }
                    Ok(ReadOutcome::Missing) => {}
                    Err(e) => return Err(CliError::from_source(&e)),
                }
            }
            reads.push((name.clone(), files));
        }
        let mut changed = false;
        // Dependencies no longer there go (every file under their folder).
        let gone: Vec<String> = self
            .compiler
            .file_paths()
            .iter()
            .filter_map(|p| holo_compiler::ids::split_dependency_path(p).map(|(n, _)| n))
            .filter(|n| !loaded.contains_key(n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for name in gone {
            changed |= self.compiler.set_files_under(&dir_of(&name), Vec::new());
        }
        // Each dependency read is loaded in one change, its files parsed in parallel.
        for (name, files) in reads {
            if self.defer_parsing {
                self.compiler.set_files_deferred(&dir_of(&name), files);
                changed = true;
            } else {
                changed |= self.compiler.set_files_under(&dir_of(&name), files);
            }
        }
        self.dependencies = loaded;
        Ok(changed)
    }

    /// The manifest, or why it cannot be used.
    pub fn manifest(&self) -> Result<&Manifest, &CliError> {
        self.manifest.as_ref()
    }

    /// Gives `path` the editor's unsaved `text` (`Some`), or returns it to the disk's text
    /// (`None`). Returns whether anything changed.
    pub fn set_overlay(&mut self, path: &str, text: Option<String>) -> bool {
        match text {
            Some(text) => {
                let same = self.overlays.get(path) == Some(&text);
                self.overlays.insert(path.to_string(), text);
                !same && self.refresh(path)
            }
            None => self.overlays.remove(path).is_some() && self.refresh(path),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file the compiler calls `path` is on disk: under the root, or for
    /// `deps/NAME/…` in that dependency's folder.
    pub fn disk_path(&self, path: &str) -> PathBuf {
        if let Some((name, rest)) = holo_compiler::ids::split_dependency_path(path)
            && let Some((dir, _)) = self.dependencies.get(&name)
        {
            return dir.join(rest);
        }
        self.root.join(path)
    }

    /// The compiler's path of the file at `disk` (the inverse of [`Session::disk_path`]), when
    /// it is the package's or a dependency's.
    pub fn package_path(&self, disk: &Path) -> Option<String> {
        let slashes = |p: &Path| p.to_str().map(|s| s.replace('\\', "/"));
        // A dependency first: a path dependency may sit inside the package's folder.
        let dependency = self.dependencies.iter().find_map(|(name, (dir, _))| {
            let rel = disk.strip_prefix(dir).ok()?;
            Some(format!(
                "{}{name}/{}",
                holo_compiler::ids::DEPENDENCY_DIR,
                slashes(rel)?
            ))
        });
        dependency.or_else(|| slashes(disk.strip_prefix(&self.root).ok()?))
    }

    /// Where the package is.
    pub fn location(&self) -> PackageLocation {
        PackageLocation {
            root: self.root.clone(),
            manifest_path: self.manifest_path.clone(),
        }
    }

    /// The compiler holding the package (to lower it after a check without errors).
    pub fn compiler(&self) -> &Compiler {
        &self.compiler
    }

    /// The compiler together with the source cache, for rendering diagnostics.
    pub fn render_parts(&mut self) -> (&Compiler, &mut Sources) {
        (&self.compiler, &mut self.sources)
    }

    /// The package name for messages: from the manifest, or the folder's name while the
    /// manifest is broken.
    pub fn package_name(&self) -> String {
        match &self.manifest {
            Ok(m) => m.name.clone(),
            Err(_) => self.location().dir_name(),
        }
    }

    /// How many source files are on disk (readable or not).
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Re-reads the manifest if its bytes changed. Returns whether anything changed.
    pub fn reload_manifest(&mut self) -> bool {
        let bytes = std::fs::read(&self.manifest_path).ok();
        if bytes.is_some() && bytes == self.manifest_bytes {
            return false;
        }
        self.manifest_bytes = bytes;
        self.manifest = Manifest::load(&self.manifest_path)
            .map_err(|e| CliError::from_manifest(e, MANIFEST_FILE));
        self.refresh_dependencies();
        true
    }

    /// Lists the folder `dir` (`src` or a folder below it) again: files that appeared are read,
    /// files that went away are removed, and files still there are re-read too, because a
    /// folder event can hide changes to them (a folder deleted and recreated with new files).
    /// Returns whether anything changed.
    pub fn scan(&mut self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        let had_error = self
            .dir_errors
            .keys()
            .any(|d| d == dir || d.starts_with(&prefix));
        self.dir_errors
            .retain(|d, _| !(d == dir || d.starts_with(&prefix)));
        let mut changed = had_error;
        let found = match self.vfs.list(dir) {
            Ok(found) => found,
            Err(e) => {
                let path = match &e {
                    VfsError::Io { path, .. }
                    | VfsError::NotUtf8 { path, .. }
                    | VfsError::Binary { path, .. } => path.clone(),
                };
                self.dir_errors.insert(path, e);
                return true;
            }
        };
        tracing::debug!(dir, files = found.len(), "scanned");
        let gone: Vec<String> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .filter(|p| found.binary_search(p).is_err())
            .collect();
        for path in gone {
            changed |= self.forget(&path);
        }
        if self.files.is_empty() {
            // The first load: read everything, then parse in parallel in one change.
            let mut texts = Vec::with_capacity(found.len());
            for path in found {
                let read = match self.overlays.get(&path) {
                    Some(text) => Ok(ReadOutcome::Text(text.clone())),
                    None => self.vfs.read_source(&path),
                };
                match read {
                    Ok(ReadOutcome::Text(text)) => {
                        self.files.insert(path.clone(), FileState::Loaded);
                        texts.push((path, text));
                    }
                    Ok(ReadOutcome::Missing) => {}
                    Err(e) => {
                        self.files.insert(path, FileState::Unreadable(e));
                    }
                }
            }
            changed |= !texts.is_empty() || !self.files.is_empty();
            if self.defer_parsing {
                self.compiler.set_files_deferred(&prefix, texts);
            } else {
                self.compiler.set_files_under(&prefix, texts);
            }
        } else {
            for path in found {
                changed |= self.refresh(&path);
            }
        }
        changed | self.update_kind()
    }

    /// Re-reads one source file (or notices it is gone). Returns whether anything changed:
    /// saving a file with the same text changes nothing.
    pub fn refresh(&mut self, path: &str) -> bool {
        let read = match self.overlays.get(path) {
            Some(text) => Ok(ReadOutcome::Text(text.clone())),
            None => self.vfs.read_source(path),
        };
        let changed = match read {
            Ok(ReadOutcome::Text(text)) => {
                let was_loaded = matches!(
                    self.files.insert(path.to_string(), FileState::Loaded),
                    Some(FileState::Loaded)
                );
                let text_changed = self.compiler.set_file(path, &text);
                text_changed || !was_loaded
            }
            Ok(ReadOutcome::Missing) => self.forget(path),
            Err(e) => {
                let same =
                    matches!(self.files.get(path), Some(FileState::Unreadable(old)) if *old == e);
                self.files
                    .insert(path.to_string(), FileState::Unreadable(e));
                !same
            }
        };
        changed | self.update_kind()
    }

    fn forget(&mut self, path: &str) -> bool {
        let known = self.files.remove(path).is_some();
        let removed = self.compiler.remove_file(path);
        known || removed
    }

    /// Whether any known source file lies in the folder `dir`.
    pub fn has_files_under(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }

    /// Sets the package kind from the root file that exists. Returns whether it changed.
    fn update_kind(&mut self) -> bool {
        let kind = if self.files.contains_key("src/main.holo") {
            Some(PackageKind::Bin)
        } else if self.files.contains_key("src/lib.holo") {
            Some(PackageKind::Lib)
        } else {
            None
        };
        if kind == self.kind {
            return false;
        }
        self.kind = kind;
        if let Some(kind) = kind {
            self.compiler.set_kind(kind);
        }
        true
    }

    /// Everything that prevents checking, in a stable order: manifest, folders, files, root.
    pub fn problems(&self) -> Vec<CliError> {
        let mut out = Vec::new();
        if let Err(e) = &self.manifest {
            out.push(e.clone());
        }
        out.extend(self.dependencies_error.iter().cloned());
        out.extend(self.dir_errors.values().map(CliError::from_vfs));
        for state in self.files.values() {
            if let FileState::Unreadable(e) = state {
                out.push(CliError::from_source(e));
            }
        }
        if self.kind.is_none() && self.dir_errors.is_empty() {
            out.push(
                CliError::new(format!(
                    "package `{}` has neither `src/main.holo` nor `src/lib.holo`",
                    self.package_name()
                ))
                .with_hint("Create `src/main.holo` with a `fn main()` for a program, or `src/lib.holo` for a library.")
                .in_file(SRC_DIR),
            );
        }
        out
    }

    /// The key of the sources as loaded (see `ops/snapshot.rs`), or `None` if some file could
    /// not be loaded.
    pub fn snapshot_key(&mut self, build_id: &str) -> Option<holo_db::Key> {
        let manifest = self.manifest_bytes.as_deref()?;
        // The dependencies' sources are part of what the answer depends on too (a path
        // dependency changes without a change of the manifest).
        let dependencies: Vec<String> = self
            .compiler
            .file_paths()
            .into_iter()
            .filter(|p| p.starts_with(holo_compiler::ids::DEPENDENCY_DIR))
            .map(|p| p.to_string())
            .collect();
        let hashes = &mut self.hashes;
        if hashes.len() > self.files.len() + dependencies.len() {
            hashes.retain(|path, _| {
                self.files.contains_key(path) || dependencies.binary_search(path).is_ok()
            });
        }
        let mut files = Vec::with_capacity(self.files.len() + dependencies.len());
        let loaded = self
            .files
            .iter()
            .map(|(path, state)| (path, matches!(state, FileState::Loaded)))
            .chain(dependencies.iter().map(|p| (p, true)));
        for (path, is_loaded) in loaded {
            if !is_loaded {
                return None;
            }
            let text = self.compiler.text(path)?;
            let hash = match hashes.get(path) {
                Some((known, hash)) if Arc::ptr_eq(known, &text) => *hash,
                _ => {
                    let hash = *blake3::hash(text.as_bytes()).as_bytes();
                    hashes.insert(path.clone(), (text, hash));
                    hash
                }
            };
            files.push((path.as_str(), hash));
        }
        Some(crate::host::snapshot::key_of_hashed(
            build_id, manifest, files,
        ))
    }

    /// Checks the package (only meaningful when [`Session::problems`] is empty).
    pub fn check(&mut self) -> Checked {
        let report = self.compiler.check();
        self.sources.prune(&self.compiler);
        Checked {
            diagnostics: report.diagnostics,
            files: report.files,
        }
    }

    /// Checks the package like [`Session::check`], reusing the results `store` has for modules
    /// whose inputs are unchanged (and storing the others).
    pub fn check_with(&mut self, store: &dyn ResultStore) -> (Checked, ReuseStats) {
        let (report, stats) = self.compiler.check_with(store);
        self.sources.prune(&self.compiler);
        let checked = Checked {
            diagnostics: report.diagnostics,
            files: report.files,
        };
        (checked, stats)
    }
}

/// The result of a check: every diagnostic, sorted by file and position, and the file count.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}
