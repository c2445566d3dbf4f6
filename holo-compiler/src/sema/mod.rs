//! Semantic analysis: name resolution, types, inference and the checks of each item and module.
//!
//! Everything here is a salsa query over position-free inputs, at item granularity:
//!
//! ```text
//! module_tree, module_scope(M) ─► package_imports ─► module_imports(M) ─► module_member / resolve_name (per name)
//!            │                                                                       │
//!            └► fn_signature / struct_info / enum_info / const_info / assoc_item ◄───┤  (per item / per member)
//!                                   │                                                 │
//!                                   └──────────────► infer_body(item) ◄───────────────┘
//!                                                         │
//!                    check_item(item) ◄───────────────────┤
//!                    check_module(M) ◄─ item_import_uses ◄┘
//! ```
//!
//! Architecture invariants:
//! - A body's inference depends only on per-item and per-name queries of what it uses (its own
//!   signature, the signatures, fields and variants of what it names, per-name look-ups), never on
//!   another body or on a module's whole item list. Editing one body re-infers that body alone;
//!   adding an item re-runs only name look-ups (which compare equal for every other name).
//! - No result contains a byte position. Diagnostics point at `Loc::Node { item, node }`.
//! - An expression of the error type never causes another diagnostic.

pub mod builtins;
pub mod exhaustive;
mod habits;
mod infer;
pub mod items;
pub mod scope;
pub(crate) mod suggest;
pub mod ty;

#[cfg(test)]
mod tests;

pub use infer::{InferenceResult, Local, LocalId, LocalKind, Resolution, infer_body};
pub use items::{
    ConstInfo, EnumInfo, FieldInfo, FnSignature, SelfKind, StructInfo, VariantInfo, const_info,
    enum_info, fn_signature, struct_info,
};
pub use scope::{ImportRef, module_scope};
pub use ty::{FnTy, Generic, PVariant, Ty};

use crate::ast::{Item, ItemKind, TypeRefKind, Visibility};
use crate::db::{self, ItemKey, ModuleKey, Package, PackageKind};
use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::ids::ItemId;
use scope::{Def, DefKind, ImportError, ImportOutcome};
use std::collections::HashSet;
use std::sync::Arc;

/// The diagnostics of one item (function, method, struct, enum, const), anchored to its nodes.
#[salsa::tracked(returns(ref))]
pub fn check_item<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Arc<Vec<Diagnostic>> {
    let Some(ast) = db::item_ast(db, item) else {
        return Arc::new(Vec::new());
    };
    let id = item.id(db);
    crate::vfs::faults::check_point(id);
    let mut out = Vec::new();
    check_attrs(id, &ast, &mut out);
    match &ast.kind {
        ItemKind::Fn(func) | ItemKind::Method(crate::ast::MethodDef { func, .. }) => {
            if let Some(sig) = items::fn_signature_full(db, item) {
                out.extend(sig.diagnostics.iter().cloned());
            }
            for (i, param) in func.params.iter().enumerate() {
                if let Some(first) = func.params[..i]
                    .iter()
                    .find(|p| p.name.name == param.name.name)
                {
                    out.push(
                        Diagnostic::error(
                            codes::DUPLICATE_PARAM,
                            format!(
                                "identifier `{}` is bound more than once in this parameter list",
                                param.name.name
                            ),
                            node(id, param.name.id),
                        )
                        .with_label("used as a parameter more than once")
                        .with_secondary(node(id, first.name.id), "first parameter with this name")
                        .with_hint("Give each parameter its own name."),
                    );
                }
            }
            if let Some(body) = infer_body(db, item) {
                out.extend(body.diagnostics.iter().cloned());
            }
        }
        ItemKind::Struct(_) => {
            if let Some(info) = items::struct_info_full(db, item) {
                out.extend(info.diagnostics.iter().cloned());
            }
        }
        ItemKind::Enum(_) => {
            if let Some(info) = items::enum_info_full(db, item) {
                out.extend(info.diagnostics.iter().cloned());
            }
        }
        ItemKind::Const(c) => {
            if let Some(info) = items::const_info_full(db, item) {
                out.extend(info.diagnostics.iter().cloned());
            }
            if let Some(body) = infer_body(db, item) {
                out.extend(body.diagnostics.iter().cloned());
            }
            if let Some(cycle) = const_cycle(db, id) {
                let shown: Vec<String> = cycle.iter().map(|c| format!("`{}`", c.name)).collect();
                out.push(
                    Diagnostic::error(
                        codes::CONST_CYCLE,
                        format!("cycle detected when evaluating constant `{}`", c.name.name),
                        node(id, c.name.id),
                    )
                    .with_label(format!("{} → `{}`", shown.join(" → "), c.name.name))
                    .with_hint("A constant cannot be defined in terms of itself; compute one of the values without the others."),
                );
            }
        }
        ItemKind::Use(_) => {}
    }
    Arc::new(out)
}

fn node(item: &ItemId, node: crate::ast::NodeId) -> Loc {
    Loc::Node {
        item: item.clone(),
        node,
    }
}

/// `#[test]` on a free function with no parameters and `()` result (E0010); any other
/// attribute is unknown (E0009).
fn check_attrs(id: &ItemId, ast: &Item, out: &mut Vec<Diagnostic>) {
    for attr in &ast.attrs {
        if attr.name.name != "test" {
            out.push(
                Diagnostic::error(
                    codes::UNKNOWN_ATTRIBUTE,
                    format!("unknown attribute `#[{}]`", attr.name.name),
                    node(id, attr.id),
                )
                .with_label("not an attribute holo knows")
                .with_hint("holo knows only `#[test]`, which marks a test function."),
            );
            continue;
        }
        match &ast.kind {
            ItemKind::Fn(f) => {
                let returns_value = f.ret.as_ref().is_some_and(|r| r.kind != TypeRefKind::Unit);
                if !f.params.is_empty() || returns_value || f.self_param.is_some() {
                    out.push(
                        Diagnostic::error(
                            codes::BAD_TEST_FN,
                            format!("test function `{}` must take no parameters and return `()`", f.name.name),
                            node(id, f.name.id),
                        )
                        .with_label("has parameters or a return type")
                        .with_hint("A test reports failure with `assert`, `assert_eq` or `panic`; it takes no arguments and returns nothing."),
                    );
                }
            }
            _ => out.push(
                Diagnostic::error(
                    codes::BAD_TEST_FN,
                    "`#[test]` can only be used on free functions",
                    node(id, attr.id),
                )
                .with_label("not on a function")
                .with_hint(
                    "Put `#[test]` on a function outside `impl` blocks: `#[test] fn name() { … }`.",
                ),
            ),
        }
    }
}

/// The constants a constant's initializer names (for cycle detection); compares equal while
/// the references stay the same, however the initializer is edited otherwise.
#[salsa::tracked(returns(ref))]
pub fn const_refs<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Arc<Vec<ItemId>> {
    match db::item_interface(db, item).as_deref().map(|i| &i.kind) {
        Some(ItemKind::Const(_)) => infer_body(db, item)
            .as_ref()
            .map(|b| Arc::new(b.const_refs.clone()))
            .unwrap_or_default(),
        _ => Arc::default(),
    }
}

/// A cycle of constants through `start`, as the list of constants from `start` around.
fn const_cycle(db: &dyn salsa::Database, start: &ItemId) -> Option<Vec<ItemId>> {
    let mut visited: HashSet<ItemId> = HashSet::new();
    let mut path: Vec<ItemId> = vec![start.clone()];
    fn dfs(
        db: &dyn salsa::Database,
        start: &ItemId,
        path: &mut Vec<ItemId>,
        visited: &mut HashSet<ItemId>,
    ) -> bool {
        let Some(current) = path.last().cloned() else {
            return false;
        };
        let refs = const_refs(db, ItemKey::new(db, current)).clone();
        for next in refs.iter() {
            if next == start {
                return true;
            }
            if visited.insert(next.clone()) {
                path.push(next.clone());
                if dfs(db, start, path, visited) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    dfs(db, start, &mut path, &mut visited).then_some(path)
}

/// The imports each item's signature and body were resolved through.
#[salsa::tracked(returns(ref))]
pub fn item_import_uses<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Arc<Vec<ImportRef>> {
    let Some(ast) = db::item_ast(db, item) else {
        return Arc::default();
    };
    let mut uses: Vec<ImportRef> = Vec::new();
    match &ast.kind {
        ItemKind::Fn(_) | ItemKind::Method(_) => {
            if let Some(sig) = items::fn_signature_full(db, item) {
                uses.extend(sig.import_uses.iter().cloned());
            }
        }
        ItemKind::Struct(_) => {
            if let Some(info) = items::struct_info_full(db, item) {
                uses.extend(info.import_uses.iter().cloned());
            }
        }
        ItemKind::Enum(_) => {
            if let Some(info) = items::enum_info_full(db, item) {
                uses.extend(info.import_uses.iter().cloned());
            }
        }
        ItemKind::Const(_) => {
            if let Some(info) = items::const_info_full(db, item) {
                uses.extend(info.import_uses.iter().cloned());
            }
        }
        ItemKind::Use(_) => {}
    }
    if matches!(
        ast.kind,
        ItemKind::Fn(_) | ItemKind::Method(_) | ItemKind::Const(_)
    ) && let Some(body) = infer_body(db, item)
    {
        uses.extend(body.import_uses.iter().cloned());
    }
    uses.sort();
    uses.dedup();
    Arc::new(uses)
}

/// Module-level diagnostics: duplicate definitions, imports (unresolved, private, unused,
/// conflicting), and a missing or malformed `main`.
#[salsa::tracked(returns(ref))]
pub fn check_module<'db>(
    db: &'db dyn salsa::Database,
    module: ModuleKey<'db>,
) -> Arc<Vec<Diagnostic>> {
    let scope = scope::module_scope(db, module);
    let imports = scope::module_imports(db, module);
    let mut out = Vec::new();
    for dup in &scope.duplicates {
        out.push(
            Diagnostic::error(
                codes::DUPLICATE_DEFINITION,
                format!("the name `{}` is defined multiple times", dup.name),
                node(&dup.item, dup.node),
            )
            .with_label(format!("`{}` redefined here", dup.name))
            .with_secondary(node(&dup.first, dup.first_node), format!("previous definition of `{}` here", dup.name))
            .with_hint(if dup.item.member.is_some() {
                "Rename one of the methods; a type's methods and associated functions share one namespace."
            } else {
                "Rename one of them; functions, types and constants share one namespace in a module."
            }),
        );
    }

    let mut used: HashSet<ImportRef> = HashSet::new();
    for item in &scope.items {
        if item.name.starts_with("use#") {
            continue;
        }
        used.extend(
            item_import_uses(db, ItemKey::new(db, item.clone()))
                .iter()
                .cloned(),
        );
    }
    for outcome in &imports.outcomes {
        if let ImportOutcome::Bound { via: Some(via), .. }
        | ImportOutcome::Glob { via: Some(via), .. } = outcome
        {
            used.insert(via.clone());
        }
    }

    for (index, entry) in scope.uses.iter().enumerate() {
        let outcome = imports.outcomes.get(index);
        if let Some(ImportOutcome::Error(error)) = outcome {
            out.push(import_error(db, entry, error));
            continue;
        }
        let mut conflict = false;
        if let Some(binding) = &entry.binding {
            let earlier = match scope.decls.get(&binding.name) {
                Some(decl) => Some(node(&decl.id, decl.name_node)),
                None => match imports.bindings.get(&binding.name) {
                    Some(&first) if first != index => {
                        scope.uses.get(first).map(|u| node(&u.use_item, u.node))
                    }
                    _ => None,
                },
            };
            if let Some(earlier) = earlier {
                conflict = true;
                out.push(
                    Diagnostic::error(
                        codes::DUPLICATE_DEFINITION,
                        format!("the name `{}` is defined multiple times", binding.name),
                        node(&entry.use_item, binding.id),
                    )
                    .with_label(format!("`{}` imported here again", binding.name))
                    .with_secondary(
                        earlier,
                        format!("previous definition of `{}` here", binding.name),
                    )
                    .with_hint(format!(
                        "Import it under another name: `use {} as other_name;`.",
                        entry.path_string()
                    )),
                );
            }
        }
        if !conflict && entry.vis == Visibility::Private && !used.contains(&entry.import_ref()) {
            let redundant = match (outcome, &entry.binding) {
                (Some(ImportOutcome::Bound { def, .. }), Some(binding)) => {
                    scope::redundant_module_import(module.path(db), &binding.name, def)
                }
                _ => false,
            };
            let hint = if redundant {
                "Remove the import: the module can be named without it."
            } else {
                "Remove the import."
            };
            out.push(
                Diagnostic::warning(
                    codes::UNUSED_IMPORT,
                    format!("unused import: `{}`", entry.display_name()),
                    node(&entry.use_item, entry.node),
                )
                .with_label("never used")
                .with_hint(hint),
            );
        }
    }

    let path = module.path(db);
    if path.is_root() && *Package::get(db).kind(db) == PackageKind::Bin {
        check_main(db, scope, &mut out);
    }
    Arc::new(out)
}

fn check_main(db: &dyn salsa::Database, scope: &scope::ModuleScope, out: &mut Vec<Diagnostic>) {
    match scope.decls.get("main") {
        None => out.push(
            Diagnostic::error(
                codes::NO_MAIN,
                "`main` function not found in this program",
                Loc::Span(crate::span::Span::default()),
            )
            .with_label("the program has no `fn main()`")
            .with_hint("Add `fn main() { … }` to src/main.holo: a program starts running there (a library uses src/lib.holo instead)."),
        ),
        Some(decl) if decl.kind != DefKind::Fn => out.push(
            Diagnostic::error(
                codes::NO_MAIN,
                "`main` function not found in this program",
                Loc::Span(crate::span::Span::default()),
            )
            .with_label("the program has no `fn main()`")
            .with_secondary(
                node(&decl.id, decl.name_node),
                format!("`main` is a {} here, not a function", decl.kind.describe()),
            )
            .with_hint("Rename this item and add `fn main() { … }`: a program starts running there."),
        ),
        Some(decl) => {
            let Some(sig) = items::fn_signature(db, ItemKey::new(db, decl.id.clone())) else {
                return;
            };
            if !sig.params.is_empty() || sig.ret != Ty::Unit {
                out.push(
                    Diagnostic::error(
                        codes::BAD_MAIN,
                        "`main` function must take no parameters and return `()`",
                        node(&decl.id, decl.name_node),
                    )
                    .with_label("incorrect `main` signature")
                    .with_hint("Declare it as `fn main()`; read program arguments with `args()`."),
                );
            }
        }
    }
}

fn import_error(
    db: &dyn salsa::Database,
    entry: &scope::UseEntry,
    error: &ImportError,
) -> Diagnostic {
    let path = entry.path_string();
    let seg_node = |i: usize| {
        entry
            .path
            .get(i)
            .map_or(node(&entry.use_item, entry.node), |s| {
                node(&entry.use_item, s.id)
            })
    };
    let seg_name = |i: usize| {
        entry
            .path
            .get(i)
            .map(|s| s.name.to_string())
            .unwrap_or_default()
    };
    match error {
        ImportError::Unresolved {
            segment,
            parent,
            suggestion,
        } => {
            let name = seg_name(*segment);
            let label = match (suggestion, parent) {
                (Some(s), _) => format!("did you mean `{s}`?"),
                (None, Some(p)) => format!("no `{name}` in `{p}`"),
                (None, None) => format!("no module or item `{name}` in scope"),
            };
            Diagnostic::error(
                codes::UNRESOLVED_IMPORT,
                format!("unresolved import `{path}`"),
                seg_node(*segment),
            )
            .with_label(label)
        }
        ImportError::Private {
            segment,
            module,
            kind,
            decl,
        } => {
            let name = seg_name(*segment);
            let file = db::module_file(db, module)
                .map_or_else(|| format!("module `{module}`"), |f| f.path(db).to_string());
            let mut d = Diagnostic::error(
                codes::PRIVATE_ITEM,
                format!("{kind} `{name}` is private to module `{module}`"),
                seg_node(*segment),
            )
            .with_label("private")
            .with_hint(format!("Mark it `pub` in {file} to use it from here."));
            if let Some((item, n)) = decl {
                d = d.with_secondary(
                    node(item, *n),
                    format!("`{name}` is declared here without `pub`"),
                );
            }
            d
        }
        ImportError::Variant { segment, enum_id } => {
            let enum_name = &enum_id.name;
            let first_variant = || {
                enum_info(db, ItemKey::new(db, enum_id.clone()))
                    .and_then(|info| info.variants.first().map(|v| v.name.to_string()))
                    .unwrap_or_else(|| "Variant".to_string())
            };
            let variant = entry
                .path
                .get(segment + 1)
                .map_or_else(first_variant, |s| s.name.to_string());
            Diagnostic::error(
                codes::UNRESOLVED_IMPORT,
                "cannot import enum variants",
                seg_node(*segment),
            )
            .with_label(format!("`{enum_name}` is an enum"))
            .with_hint(format!(
                "Import the enum and name variants through it: write `{enum_name}::{variant}`."
            ))
        }
        ImportError::NotAModule { segment, kind } => {
            let name = seg_name(*segment);
            Diagnostic::error(
                codes::UNRESOLVED_IMPORT,
                format!("unresolved import `{path}`"),
                seg_node(*segment),
            )
            .with_label(format!("`{name}` is a {kind}, not a module"))
            .with_hint("Only the items of modules can be imported.")
        }
    }
}

/// Every `#[test]` function of the package, by module path and then source order.
#[salsa::tracked(returns(ref))]
pub fn test_functions(db: &dyn salsa::Database) -> Arc<Vec<ItemId>> {
    let tree = scope::module_tree(db);
    let mut out = Vec::new();
    for module in tree.modules.keys() {
        // A dependency's tests are its own (run where it is developed), not the package's.
        if crate::db::dependency_root(db, module).is_some() {
            continue;
        }
        let scope = scope::module_scope(db, ModuleKey::new(db, module.clone()));
        out.extend(scope.tests.iter().cloned());
    }
    Arc::new(out)
}

/// Every `#[test]` function of the package in a deterministic order (by module path, then
/// source order), for the test runner.
pub fn tests(db: &dyn salsa::Database) -> Vec<ItemId> {
    test_functions(db).as_ref().clone()
}

/// What a module-level name resolves to from inside `module` (for tools: hover, go to
/// definition).
pub fn resolve_module_name(
    db: &dyn salsa::Database,
    module: &crate::ids::ModulePath,
    name: &str,
) -> Option<Def> {
    let key = scope::ScopeName::new(
        db,
        ModuleKey::new(db, module.clone()),
        crate::ast::Name::from(name),
    );
    scope::resolve_name(db, key).map(|e| e.def)
}
