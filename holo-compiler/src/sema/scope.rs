//! Module scopes and `use` resolution: what each name means at module level.
//!
//! Query layering (each result is position-free and compared for early cutoff):
//!
//! ```text
//! module_tree ─┐
//! file_item_interfaces ┴► module_scope(M) ─► package_imports ─► module_imports(M) ─┐
//!                        └─────────────────────────────────────────────────┴► module_member(M, name)
//!                                                                              └► resolve_name(M, name)
//! ```
//!
//! Bodies and signatures depend only on the per-name queries [`module_member`] and
//! [`resolve_name`], so adding an item to a module re-runs those cheap look-ups but no body that
//! does not mention the new name. Import resolution is one package-wide fixpoint
//! ([`package_imports`]) because `pub use` re-exports can refer to each other in any order (even in
//! cycles); doing it in one place avoids recursive queries. Its result changes only when some
//! import's meaning changes, not when an item is added.

use crate::ast::{Ident, ItemKind, Name, NodeId, UseTree, UseTreeKind, Visibility};
use crate::db::{self, ModuleKey};
use crate::ids::{ItemId, ModulePath};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What kind of item a name declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKind {
    Fn,
    Struct,
    Enum,
    Const,
}

impl DefKind {
    pub fn describe(self) -> &'static str {
        match self {
            DefKind::Fn => "function",
            DefKind::Struct => "struct",
            DefKind::Enum => "enum",
            DefKind::Const => "constant",
        }
    }

    pub fn is_type(self) -> bool {
        matches!(self, DefKind::Struct | DefKind::Enum)
    }
}

/// What a module-level name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Def {
    Item {
        id: ItemId,
        kind: DefKind,
    },
    Module(ModulePath),
    /// The name of an import that failed (already reported): using it reports nothing more.
    Err,
}

impl Def {
    pub fn describe(&self) -> &'static str {
        match self {
            Def::Item { kind, .. } => kind.describe(),
            Def::Module(_) => "module",
            Def::Err => "item",
        }
    }
}

/// An item declared in a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decl {
    pub id: ItemId,
    pub kind: DefKind,
    pub vis: Visibility,
    /// The node of the declared name (for "defined here" labels).
    pub name_node: NodeId,
}

/// A method or associated function declared in an `impl` block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodDecl {
    pub id: ItemId,
    pub vis: Visibility,
    /// Has a `self` or `mut self` parameter (called as `value.m(..)`).
    pub has_self: bool,
    /// Has `mut self`.
    pub mut_self: bool,
    pub name_node: NodeId,
}

/// A later item that reuses a name already declared in the module (E0428).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub name: Name,
    pub item: ItemId,
    pub node: NodeId,
    pub first: ItemId,
    pub first_node: NodeId,
}

/// One imported name (or glob) of a `use` declaration, flattened out of its tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseEntry {
    /// The `use` item (`use#N`).
    pub use_item: ItemId,
    /// The node of this leaf of the use tree.
    pub node: NodeId,
    /// The full path: `a::b::c` for `use a::b::c` / `use a::b::{c}`, `a::b` for `use a::b::*`.
    pub path: Vec<Ident>,
    /// The name the import binds (`c`, or `d` in `c as d`); `None` for a glob.
    pub binding: Option<Ident>,
    pub vis: Visibility,
    /// The leaf is inside braces: `use a::{b, c};`.
    pub in_group: bool,
}

impl UseEntry {
    pub fn import_ref(&self) -> ImportRef {
        ImportRef {
            use_item: self.use_item.clone(),
            node: self.node,
        }
    }

    /// How the import is named in messages: the bound name for a leaf of a group (`volume` in
    /// `use geometry::{area, volume}`), the whole path otherwise.
    pub fn display_name(&self) -> String {
        match &self.binding {
            Some(b) if self.in_group => b.name.to_string(),
            _ => self.path_string(),
        }
    }

    pub fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.path.iter().enumerate() {
            if i > 0 {
                s.push_str("::");
            }
            s.push_str(&seg.name);
        }
        if self.binding.is_none() {
            s.push_str("::*");
        }
        s
    }
}

/// Identifies one import leaf; recorded wherever a name is resolved through it (for W0004).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImportRef {
    pub use_item: ItemId,
    pub node: NodeId,
}

/// Everything declared in one module, without positions or bodies.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleScope {
    pub path: ModulePath,
    /// Every item of the module (including `use` declarations and methods) in source order.
    pub items: Vec<ItemId>,
    /// Functions, structs, enums and constants by name (the first declaration of each name).
    pub decls: HashMap<Name, Decl>,
    pub duplicates: Vec<Duplicate>,
    /// Methods and associated functions by type name, then by method name (first wins).
    pub methods: HashMap<Name, HashMap<Name, MethodDecl>>,
    /// Every import leaf, in source order.
    pub uses: Vec<UseEntry>,
    /// The names of the module's child modules (`a` has child `b` if `a::b` exists).
    pub children: BTreeSet<Name>,
    /// The `#[test]` functions, in source order.
    pub tests: Vec<ItemId>,
}

/// Every module of the package, including modules that exist only as folders, with their
/// children.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleTree {
    pub modules: BTreeMap<ModulePath, BTreeSet<Name>>,
}

impl ModuleTree {
    pub fn contains(&self, module: &ModulePath) -> bool {
        self.modules.contains_key(module)
    }
}

/// The package's modules: those with files plus every folder on the way to them.
#[salsa::tracked(returns(ref))]
pub fn module_tree(db: &dyn salsa::Database) -> Arc<ModuleTree> {
    let mut tree = ModuleTree::default();
    tree.modules.insert(ModulePath::root(), BTreeSet::new());
    for path in db::module_map(db).keys() {
        if path.is_root() {
            continue;
        }
        let mut parent = ModulePath::root();
        for segment in path.0.split("::") {
            let child = parent.join(segment);
            tree.modules
                .entry(parent.clone())
                .or_default()
                .insert(Name::from(segment));
            tree.modules.entry(child.clone()).or_default();
            parent = child;
        }
    }
    Arc::new(tree)
}

/// The declarations and imports of one module. Re-runs after any edit of the module's file but
/// compares equal unless a declaration (name, kind, visibility) or import changed.
#[salsa::tracked(returns(ref))]
pub fn module_scope<'db>(db: &'db dyn salsa::Database, module: ModuleKey<'db>) -> Arc<ModuleScope> {
    let path = module.path(db).clone();
    let mut scope = ModuleScope {
        children: module_tree(db)
            .modules
            .get(&path)
            .cloned()
            .unwrap_or_default(),
        path: path.clone(),
        ..ModuleScope::default()
    };
    let Some(file) = db::module_file(db, &path) else {
        return Arc::new(scope);
    };
    let mut method_firsts: HashMap<(Name, Name), (ItemId, NodeId)> = HashMap::new();
    for (id, item) in db::file_item_interfaces(db, file).iter() {
        scope.items.push(id.clone());
        let (kind, name) = match &item.kind {
            ItemKind::Fn(f) => (DefKind::Fn, &f.name),
            ItemKind::Struct(s) => (DefKind::Struct, &s.name),
            ItemKind::Enum(e) => (DefKind::Enum, &e.name),
            ItemKind::Const(c) => (DefKind::Const, &c.name),
            ItemKind::Method(m) => {
                let key = (m.self_ty.name.clone(), m.func.name.name.clone());
                if let Some((first, first_node)) = method_firsts.get(&key) {
                    scope.duplicates.push(Duplicate {
                        name: m.func.name.name.clone(),
                        item: id.clone(),
                        node: m.func.name.id,
                        first: first.clone(),
                        first_node: *first_node,
                    });
                    continue;
                }
                method_firsts.insert(key, (id.clone(), m.func.name.id));
                let self_param = m.func.self_param.as_ref();
                scope
                    .methods
                    .entry(m.self_ty.name.clone())
                    .or_default()
                    .insert(
                        m.func.name.name.clone(),
                        MethodDecl {
                            id: id.clone(),
                            vis: item.vis,
                            has_self: self_param.is_some(),
                            mut_self: self_param.is_some_and(|s| s.mutable),
                            name_node: m.func.name.id,
                        },
                    );
                continue;
            }
            ItemKind::Use(u) => {
                flatten_use(
                    id,
                    item.vis,
                    &u.tree,
                    &mut Vec::new(),
                    &mut scope.uses,
                    false,
                );
                continue;
            }
        };
        if kind == DefKind::Fn && item.is_test() {
            scope.tests.push(id.clone());
        }
        if let Some(first) = scope.decls.get(&name.name) {
            scope.duplicates.push(Duplicate {
                name: name.name.clone(),
                item: id.clone(),
                node: name.id,
                first: first.id.clone(),
                first_node: first.name_node,
            });
            continue;
        }
        scope.decls.insert(
            name.name.clone(),
            Decl {
                id: id.clone(),
                kind,
                vis: item.vis,
                name_node: name.id,
            },
        );
    }
    Arc::new(scope)
}

fn flatten_use(
    use_item: &ItemId,
    vis: Visibility,
    tree: &UseTree,
    prefix: &mut Vec<Ident>,
    out: &mut Vec<UseEntry>,
    in_group: bool,
) {
    let depth = prefix.len();
    prefix.extend(tree.prefix.iter().cloned());
    match &tree.kind {
        UseTreeKind::Single { name, alias } => {
            let mut path = prefix.clone();
            path.push(name.clone());
            out.push(UseEntry {
                use_item: use_item.clone(),
                node: tree.id,
                path,
                binding: Some(alias.clone().unwrap_or_else(|| name.clone())),
                vis,
                in_group,
            });
        }
        UseTreeKind::Group(trees) => {
            for sub in trees {
                flatten_use(use_item, vis, sub, prefix, out, true);
            }
        }
        UseTreeKind::Glob => out.push(UseEntry {
            use_item: use_item.clone(),
            node: tree.id,
            path: prefix.clone(),
            binding: None,
            vis,
            in_group,
        }),
    }
    prefix.truncate(depth);
}

/// How one import leaf resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A single import that binds its name to `def`. `via` is another import of the same
    /// module that the path's first segment was resolved through.
    Bound { def: Def, via: Option<ImportRef> },
    /// A glob import of every public name of `module`.
    Glob {
        module: ModulePath,
        via: Option<ImportRef>,
    },
    /// The import is wrong; the name it would bind means [`Def::Err`].
    Error(ImportError),
}

/// Why an import failed (reported by `check_module` as E0432 or E0603).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    /// `path[segment]` names nothing in `parent` (or, for the first segment, in scope).
    Unresolved {
        segment: usize,
        parent: Option<ModulePath>,
        suggestion: Option<Name>,
    },
    /// `path[segment]` names an item that is private to `module`.
    Private {
        segment: usize,
        module: ModulePath,
        kind: &'static str,
        decl: Option<(ItemId, NodeId)>,
    },
    /// The path goes into an enum (variants cannot be imported).
    Variant { segment: usize, enum_id: ItemId },
    /// `path[segment]` is an item that has no importable members.
    NotAModule { segment: usize, kind: &'static str },
}

/// The resolved imports of one module (see [`package_imports`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ModuleImports {
    /// Parallel to [`ModuleScope::uses`].
    pub outcomes: Vec<ImportOutcome>,
    /// The first single import of each bound name (an index into `outcomes`).
    pub bindings: HashMap<Name, usize>,
}

/// The imports of every module of the package.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PackageImports {
    pub modules: HashMap<ModulePath, Arc<ModuleImports>>,
}

/// Resolves every `use` of the package at once, iterating until nothing changes (imports may
/// depend on other modules' `pub use` in any order).
#[salsa::tracked(returns(ref))]
pub fn package_imports(db: &dyn salsa::Database) -> Arc<PackageImports> {
    let tree = module_tree(db);
    let mut state = Pending {
        scopes: HashMap::new(),
        tables: HashMap::new(),
    };
    for module in tree.modules.keys() {
        let scope = module_scope(db, ModuleKey::new(db, module.clone())).clone();
        let mut bindings = HashMap::new();
        for (i, entry) in scope.uses.iter().enumerate() {
            if let Some(name) = &entry.binding {
                bindings.entry(name.name.clone()).or_insert(i);
            }
        }
        let outcomes = vec![None; scope.uses.len()];
        state.tables.insert(module.clone(), (bindings, outcomes));
        state.scopes.insert(module.clone(), scope);
    }
    let modules: Vec<ModulePath> = tree.modules.keys().cloned().collect();
    // Resolve what can be resolved until a pass makes no progress.
    loop {
        let mut progress = false;
        for module in &modules {
            let count = state.scopes[module].uses.len();
            for index in 0..count {
                if state.tables[module].1[index].is_some() {
                    continue;
                }
                let outcome = {
                    let resolver = Resolver {
                        db,
                        tree,
                        pending: Some(&state),
                        pending_is_absent: false,
                    };
                    resolver.resolve_import(module, index)
                };
                if let Step::Done(outcome) = outcome {
                    if let Some(table) = state.tables.get_mut(module) {
                        table.1[index] = Some(outcome);
                    }
                    progress = true;
                }
            }
        }
        if !progress {
            break;
        }
    }
    // Whatever is left is unresolvable (or part of a cycle): compute its error, one entry at a
    // time, so that later entries see earlier failures as `Def::Err` and stay quiet.
    for module in &modules {
        let count = state.scopes[module].uses.len();
        for index in 0..count {
            if state.tables[module].1[index].is_some() {
                continue;
            }
            let outcome = {
                let resolver = Resolver {
                    db,
                    tree,
                    pending: Some(&state),
                    pending_is_absent: true,
                };
                match resolver.resolve_import(module, index) {
                    Step::Done(outcome) => outcome,
                    Step::Pending => ImportOutcome::Error(ImportError::Unresolved {
                        segment: 0,
                        parent: None,
                        suggestion: None,
                    }),
                }
            };
            if let Some(table) = state.tables.get_mut(module) {
                table.1[index] = Some(outcome);
            }
        }
    }
    let modules = state
        .tables
        .into_iter()
        .map(|(module, (bindings, outcomes))| {
            let outcomes = outcomes
                .into_iter()
                .map(|o| {
                    o.unwrap_or(ImportOutcome::Error(ImportError::Unresolved {
                        segment: 0,
                        parent: None,
                        suggestion: None,
                    }))
                })
                .collect();
            (module, Arc::new(ModuleImports { outcomes, bindings }))
        })
        .collect();
    Arc::new(PackageImports { modules })
}

/// The resolved imports of one module: a projection of [`package_imports`] that compares equal
/// (and so stops recomputation) unless this module's imports changed.
#[salsa::tracked(returns(ref))]
pub fn module_imports<'db>(
    db: &'db dyn salsa::Database,
    module: ModuleKey<'db>,
) -> Arc<ModuleImports> {
    package_imports(db)
        .modules
        .get(module.path(db))
        .cloned()
        .unwrap_or_default()
}

/// A module and a name in it: the key of the per-name look-ups.
#[salsa::interned(debug)]
pub struct ScopeName<'db> {
    pub module: ModuleKey<'db>,
    #[returns(ref)]
    pub name: Name,
}

/// The result of looking a name up in a module.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NsEntry {
    pub def: Def,
    /// Whether other modules may use the name through this module.
    pub vis: Visibility,
    /// The import of the looked-in module the name came through, if it was imported.
    pub via: Option<ImportRef>,
    /// The declaration's item and name node, when the name is declared by an item.
    pub decl: Option<(ItemId, NodeId)>,
}

/// `name` in the namespace of `module` (its items, imports, child modules and glob imports):
/// what `module::name` means. Private names are returned too, marked by `vis`; the caller decides
/// whether the user may see them.
#[salsa::tracked(returns(clone))]
pub fn module_member<'db>(db: &'db dyn salsa::Database, key: ScopeName<'db>) -> Option<NsEntry> {
    member_in(db, key, Ns::Any)
}

/// `name` in the namespace of `module` where a path goes on after it (`module::name::…`): only
/// modules and types, as in Rust, so that a function or constant of the same name (`use
/// eval::{eval, Value}` binds the function `eval`) does not hide the module.
#[salsa::tracked(returns(clone))]
pub fn module_path_member<'db>(
    db: &'db dyn salsa::Database,
    key: ScopeName<'db>,
) -> Option<NsEntry> {
    member_in(db, key, Ns::PathPrefix)
}

fn member_in<'db>(db: &'db dyn salsa::Database, key: ScopeName<'db>, ns: Ns) -> Option<NsEntry> {
    let tree = module_tree(db);
    let resolver = Resolver {
        db,
        tree,
        pending: None,
        pending_is_absent: false,
    };
    match resolver.lookup(
        key.module(db).path(db),
        key.name(db),
        None,
        ns,
        &mut Vec::new(),
    ) {
        Step::Done(found) => found,
        Step::Pending => None,
    }
}

/// What the single identifier `name` means at module level inside `module`: the module's own
/// namespace, then the package's top-level modules, then `crate` (the root module).
#[salsa::tracked(returns(clone))]
pub fn resolve_name<'db>(db: &'db dyn salsa::Database, key: ScopeName<'db>) -> Option<NsEntry> {
    if let Some(found) = module_member(db, key) {
        return Some(found);
    }
    fallback(db, module_tree(db), key.module(db).path(db), key.name(db))
}

/// What the first segment of a longer path (`name::…`) means inside `module`: as
/// [`resolve_name`], in the namespace of modules and types (see [`module_path_member`]).
#[salsa::tracked(returns(clone))]
pub fn resolve_path_start<'db>(
    db: &'db dyn salsa::Database,
    key: ScopeName<'db>,
) -> Option<NsEntry> {
    if let Some(found) = module_path_member(db, key) {
        return Some(found);
    }
    fallback(db, module_tree(db), key.module(db).path(db), key.name(db))
}

/// Which names a look-up may find. Modules and types share one namespace and functions and
/// constants another, as in Rust; a module-level name is looked up in both (`Any`, the first
/// found wins) except where a path goes on after it, which only a module or a type allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ns {
    Any,
    PathPrefix,
}

impl Ns {
    /// Whether a name bound to `def` is seen by this look-up.
    fn admits(self, def: &Def) -> bool {
        match (self, def) {
            (Ns::Any, _) => true,
            (Ns::PathPrefix, Def::Item { kind, .. }) => kind.is_type(),
            (Ns::PathPrefix, _) => true,
        }
    }
}

/// Whether `name`, used inside `module`, would mean the module `def` even without an import:
/// `use geometry;` adds nothing where `geometry` is a top-level or child module. Such an import
/// counts as used when code names it (`geometry::area()`), but not when only another import's
/// path starts with it (`use geometry::area;` resolves the same without it).
pub fn redundant_module_import(module: &ModulePath, name: &str, def: &Def) -> bool {
    let Def::Module(target) = def else {
        return false;
    };
    *target == module.join(name)
        || *target == ModulePath::root().join(name)
        || (name == "crate" && target.is_root())
}

/// A name no declaration or import of `module` has: a top-level module of `module`'s package
/// (in a dependency, its own modules; `crate` is its root), or a dependency.
fn fallback(
    db: &dyn salsa::Database,
    tree: &ModuleTree,
    module: &ModulePath,
    name: &str,
) -> Option<NsEntry> {
    let root = db::dependency_root(db, module).unwrap_or_else(ModulePath::root);
    let top = root.join(name);
    if tree.contains(&top) {
        return Some(module_entry(top));
    }
    if !root.is_root() && db::dependency_names(db).contains(name) {
        return Some(module_entry(ModulePath::root().join(name)));
    }
    (name == "crate").then(|| module_entry(root))
}

fn module_entry(path: ModulePath) -> NsEntry {
    NsEntry {
        def: Def::Module(path),
        vis: Visibility::Public,
        via: None,
        decl: None,
    }
}

/// What kind of thing a name in scope is, for "did you mean" suggestions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameClass {
    Value,
    Type,
    Module,
}

/// A name of a module's namespace, for "did you mean" suggestions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeNameInfo {
    pub name: Name,
    pub class: NameClass,
    /// Visible from other modules through this module.
    pub public: bool,
}

/// Every name of `module`'s namespace (items, imports, child modules, glob-imported names),
/// sorted. Only needed to suggest a similar name after a failed look-up.
#[salsa::tracked(returns(ref))]
pub fn scope_names<'db>(
    db: &'db dyn salsa::Database,
    module: ModuleKey<'db>,
) -> Arc<Vec<ScopeNameInfo>> {
    let tree = module_tree(db);
    let resolver = Resolver {
        db,
        tree,
        pending: None,
        pending_is_absent: false,
    };
    let mut out = BTreeMap::new();
    resolver.names(module.path(db), &mut Vec::new(), &mut out);
    Arc::new(
        out.into_iter()
            .map(|(name, (class, public))| ScopeNameInfo {
                name,
                class,
                public,
            })
            .collect(),
    )
}

/// One module's import bindings (name → entry) and the outcomes found so far.
type PendingTable = (HashMap<Name, usize>, Vec<Option<ImportOutcome>>);

/// The state of [`package_imports`] while it iterates.
struct Pending {
    scopes: HashMap<ModulePath, Arc<ModuleScope>>,
    tables: HashMap<ModulePath, PendingTable>,
}

/// The outcome of a look-up that may depend on imports not resolved yet.
enum Step<T> {
    Done(T),
    Pending,
}

/// Name look-up over module scopes and import tables: either the final tables (through queries)
/// or, inside [`package_imports`], the tables being built.
struct Resolver<'a> {
    db: &'a dyn salsa::Database,
    tree: &'a ModuleTree,
    pending: Option<&'a Pending>,
    /// In the final pass of `package_imports`: imports still unresolved count as absent.
    pending_is_absent: bool,
}

impl Resolver<'_> {
    fn scope(&self, module: &ModulePath) -> Arc<ModuleScope> {
        if let Some(p) = self.pending
            && let Some(scope) = p.scopes.get(module)
        {
            return scope.clone();
        }
        module_scope(self.db, ModuleKey::new(self.db, module.clone())).clone()
    }

    /// The outcome of import `index` of `module`: `None` while unresolved.
    fn outcome(&self, module: &ModulePath, index: usize) -> Option<ImportOutcome> {
        match self.pending {
            Some(p) => p
                .tables
                .get(module)
                .and_then(|t| t.1.get(index).cloned().flatten()),
            None => module_imports(self.db, ModuleKey::new(self.db, module.clone()))
                .outcomes
                .get(index)
                .cloned(),
        }
    }

    fn binding(&self, module: &ModulePath, name: &str) -> Option<usize> {
        match self.pending {
            Some(p) => p.tables.get(module).and_then(|t| t.0.get(name).copied()),
            None => module_imports(self.db, ModuleKey::new(self.db, module.clone()))
                .bindings
                .get(name)
                .copied(),
        }
    }

    /// Looks `name` up in the namespace of `module`, seeing what `ns` admits. `skip` is an
    /// import of `module` to ignore (the one being resolved). `visited` guards against glob
    /// cycles.
    fn lookup(
        &self,
        module: &ModulePath,
        name: &str,
        skip: Option<usize>,
        ns: Ns,
        visited: &mut Vec<ModulePath>,
    ) -> Step<Option<NsEntry>> {
        let scope = self.scope(module);
        if let Some(decl) = scope.decls.get(name) {
            let def = Def::Item {
                id: decl.id.clone(),
                kind: decl.kind,
            };
            if ns.admits(&def) {
                return Step::Done(Some(NsEntry {
                    def,
                    vis: decl.vis,
                    via: None,
                    decl: Some((decl.id.clone(), decl.name_node)),
                }));
            }
        }
        if let Some(index) = self.binding(module, name)
            && Some(index) != skip
            && let Some(entry) = scope.uses.get(index)
        {
            match self.outcome(module, index) {
                Some(ImportOutcome::Bound { def, .. }) if !ns.admits(&def) => {}
                Some(ImportOutcome::Bound { def, .. }) => {
                    let decl = self.decl_of(&def);
                    return Step::Done(Some(NsEntry {
                        def,
                        vis: entry.vis,
                        via: Some(entry.import_ref()),
                        decl,
                    }));
                }
                Some(_) => {
                    return Step::Done(Some(NsEntry {
                        def: Def::Err,
                        vis: entry.vis,
                        via: Some(entry.import_ref()),
                        decl: None,
                    }));
                }
                None if !self.pending_is_absent => return Step::Pending,
                None => {}
            }
        }
        if scope.children.contains(name) {
            return Step::Done(Some(module_entry(module.join(name))));
        }
        visited.push(module.clone());
        let mut pending = false;
        for (index, entry) in scope.uses.iter().enumerate() {
            if entry.binding.is_some() || Some(index) == skip {
                continue;
            }
            match self.outcome(module, index) {
                Some(ImportOutcome::Glob { module: target, .. }) => {
                    if visited.contains(&target) {
                        continue;
                    }
                    match self.lookup(&target, name, None, ns, visited) {
                        Step::Done(Some(found)) if found.vis == Visibility::Public => {
                            return Step::Done(Some(NsEntry {
                                def: found.def,
                                vis: entry.vis,
                                via: Some(entry.import_ref()),
                                decl: found.decl,
                            }));
                        }
                        Step::Done(_) => {}
                        Step::Pending => pending = true,
                    }
                }
                Some(_) => {}
                None => pending |= !self.pending_is_absent,
            }
        }
        if pending {
            Step::Pending
        } else {
            Step::Done(None)
        }
    }

    /// Whether `found` came through an import that names a module the name would reach anyway
    /// (a child module or a top-level module): such an import is redundant and not a "use".
    fn redundant(&self, module: &ModulePath, name: &str, found: &NsEntry) -> bool {
        found.via.is_some() && redundant_module_import(module, name, &found.def)
    }

    fn decl_of(&self, def: &Def) -> Option<(ItemId, NodeId)> {
        let Def::Item { id, .. } = def else {
            return None;
        };
        let scope = self.scope(&id.module);
        scope
            .decls
            .get(&id.name)
            .filter(|d| &d.id == id)
            .map(|d| (d.id.clone(), d.name_node))
    }

    /// Resolves import leaf `index` of `module`.
    fn resolve_import(&self, module: &ModulePath, index: usize) -> Step<ImportOutcome> {
        let scope = self.scope(module);
        let Some((entry, first)) = scope
            .uses
            .get(index)
            .and_then(|e| Some((e, e.path.first()?)))
        else {
            return Step::Done(ImportOutcome::Error(ImportError::Unresolved {
                segment: 0,
                parent: None,
                suggestion: None,
            }));
        };
        // Every segment but an import's last names a module or a type (a glob's last too).
        let prefix = |i: usize| {
            if i + 1 < entry.path.len() || entry.binding.is_none() {
                Ns::PathPrefix
            } else {
                Ns::Any
            }
        };
        // Where no module or type has the name, a function or constant that has it is found
        // instead, to be reported as "not a module".
        let lookup = |module: &ModulePath, name: &str, skip: Option<usize>, ns: Ns| match self
            .lookup(module, name, skip, ns, &mut Vec::new())
        {
            Step::Done(None) if ns == Ns::PathPrefix => {
                self.lookup(module, name, skip, Ns::Any, &mut Vec::new())
            }
            step => step,
        };
        let found = match self.lookup(module, &first.name, Some(index), prefix(0), &mut Vec::new())
        {
            Step::Pending => return Step::Pending,
            Step::Done(Some(found)) => Some(found),
            Step::Done(None) => match fallback(self.db, self.tree, module, &first.name) {
                Some(found) => Some(found),
                None => match lookup(module, &first.name, Some(index), Ns::Any) {
                    Step::Pending => return Step::Pending,
                    Step::Done(found) => found,
                },
            },
        };
        let Some(found) = found else {
            let suggestion = self.suggest_first(module, &first.name);
            return Step::Done(ImportOutcome::Error(ImportError::Unresolved {
                segment: 0,
                parent: None,
                suggestion,
            }));
        };
        let via = if self.redundant(module, &first.name, &found) {
            None
        } else {
            found.via.clone()
        };
        let mut def = found.def;
        for (i, seg) in entry.path.iter().enumerate().skip(1) {
            def = match def {
                Def::Err => break,
                Def::Module(parent) => match lookup(&parent, &seg.name, None, prefix(i)) {
                    Step::Pending => return Step::Pending,
                    Step::Done(None) => {
                        let suggestion = self.suggest_member(&parent, &seg.name);
                        return Step::Done(ImportOutcome::Error(ImportError::Unresolved {
                            segment: i,
                            parent: Some(parent),
                            suggestion,
                        }));
                    }
                    Step::Done(Some(member)) => {
                        if member.vis == Visibility::Private && &parent != module {
                            return Step::Done(ImportOutcome::Error(ImportError::Private {
                                segment: i,
                                module: parent,
                                kind: member.def.describe(),
                                decl: member.decl,
                            }));
                        }
                        member.def
                    }
                },
                Def::Item {
                    id,
                    kind: DefKind::Enum,
                } => {
                    return Step::Done(ImportOutcome::Error(ImportError::Variant {
                        segment: i - 1,
                        enum_id: id,
                    }));
                }
                Def::Item { kind, .. } => {
                    return Step::Done(ImportOutcome::Error(ImportError::NotAModule {
                        segment: i - 1,
                        kind: kind.describe(),
                    }));
                }
            };
        }
        if entry.binding.is_some() {
            return Step::Done(ImportOutcome::Bound { def, via });
        }
        let last = entry.path.len() - 1;
        Step::Done(match def {
            Def::Module(target) => ImportOutcome::Glob {
                module: target,
                via,
            },
            Def::Err => ImportOutcome::Bound { def: Def::Err, via },
            Def::Item {
                id,
                kind: DefKind::Enum,
            } => ImportOutcome::Error(ImportError::Variant {
                segment: last,
                enum_id: id,
            }),
            Def::Item { kind, .. } => ImportOutcome::Error(ImportError::NotAModule {
                segment: last,
                kind: kind.describe(),
            }),
        })
    }

    fn suggest_first(&self, module: &ModulePath, name: &str) -> Option<Name> {
        let mut names = BTreeMap::new();
        self.names(module, &mut Vec::new(), &mut names);
        for top in self
            .tree
            .modules
            .get(&ModulePath::root())
            .into_iter()
            .flatten()
        {
            names.insert(top.clone(), (NameClass::Module, true));
        }
        super::suggest::similar(name, names.keys().map(|n| n.as_str())).map(Name::from)
    }

    fn suggest_member(&self, module: &ModulePath, name: &str) -> Option<Name> {
        let mut names = BTreeMap::new();
        self.names(module, &mut Vec::new(), &mut names);
        let public = names.iter().filter(|(_, (_, public))| *public);
        super::suggest::similar(name, public.map(|(n, _)| n.as_str())).map(Name::from)
    }

    /// Collects the names of `module`'s namespace with their class and whether they are public.
    fn names(
        &self,
        module: &ModulePath,
        visited: &mut Vec<ModulePath>,
        out: &mut BTreeMap<Name, (NameClass, bool)>,
    ) {
        if visited.contains(module) {
            return;
        }
        visited.push(module.clone());
        let scope = self.scope(module);
        for (name, decl) in &scope.decls {
            let class = if decl.kind.is_type() {
                NameClass::Type
            } else {
                NameClass::Value
            };
            out.entry(name.clone())
                .or_insert((class, decl.vis == Visibility::Public));
        }
        for child in &scope.children {
            out.entry(child.clone())
                .or_insert((NameClass::Module, true));
        }
        for (index, entry) in scope.uses.iter().enumerate() {
            let public = entry.vis == Visibility::Public;
            match (&entry.binding, self.outcome(module, index)) {
                (Some(name), Some(ImportOutcome::Bound { def, .. })) => {
                    let class = match def {
                        Def::Module(_) => NameClass::Module,
                        Def::Item { kind, .. } if kind.is_type() => NameClass::Type,
                        _ => NameClass::Value,
                    };
                    out.entry(name.name.clone()).or_insert((class, public));
                }
                (None, Some(ImportOutcome::Glob { module: target, .. })) => {
                    let mut inner = BTreeMap::new();
                    self.names(&target, visited, &mut inner);
                    for (name, (class, target_public)) in inner {
                        if target_public {
                            out.entry(name).or_insert((class, public));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
