//! Go to definition, find references and rename.

use super::index::{Role, item_idents};
use super::resolve::{Target, target_at, target_of};
use super::{FileCx, FileRange, NavTarget, SymbolKind, TextEdit, TextRange, locate_item};
use crate::ast::ItemKind;
use crate::db::{self, ItemKey, ModuleKey};
use crate::sema::{LocalKind, infer_body, scope};

pub fn goto_definition(cx: &FileCx<'_>, offset: u32) -> Vec<NavTarget> {
    target_at(cx, offset)
        .and_then(|(_, target)| nav_target(cx.db, &target))
        .into_iter()
        .collect()
}

/// The kind of symbol an item is.
pub fn item_kind(item: &crate::ast::Item) -> SymbolKind {
    match &item.kind {
        ItemKind::Fn(_) if item.is_test() => SymbolKind::Test,
        ItemKind::Fn(_) => SymbolKind::Function,
        ItemKind::Method(_) => SymbolKind::Method,
        ItemKind::Struct(_) => SymbolKind::Struct,
        ItemKind::Enum(_) => SymbolKind::Enum,
        ItemKind::Const(_) => SymbolKind::Const,
        ItemKind::Use(_) => SymbolKind::Module,
    }
}

/// Where a target is declared; `None` for what the prelude and built-ins provide.
pub fn nav_target(db: &dyn salsa::Database, target: &Target) -> Option<NavTarget> {
    match target {
        Target::Item(id) => {
            let (cx, index) = locate_item(db, id)?;
            let item = cx.items[index].1.interface(db);
            let name = item.name()?;
            Some(NavTarget {
                path: cx.path.clone(),
                full_range: TextRange::of(cx.map(index)?.item_span),
                focus_range: cx.span(index, name.id),
                name: name.name.to_string(),
                kind: item_kind(item),
            })
        }
        Target::Field { owner, index: i } => {
            let (cx, index) = locate_item(db, owner)?;
            let ItemKind::Struct(s) = &cx.items[index].1.interface(db).kind else {
                return None;
            };
            let field = s.fields.get(*i as usize)?;
            Some(NavTarget {
                path: cx.path.clone(),
                full_range: cx.span(index, field.id),
                focus_range: cx.span(index, field.name.id),
                name: field.name.name.to_string(),
                kind: SymbolKind::Field,
            })
        }
        Target::Variant { owner, index: i } => {
            let (cx, index) = locate_item(db, owner)?;
            let ItemKind::Enum(e) = &cx.items[index].1.interface(db).kind else {
                return None;
            };
            let variant = e.variants.get(*i as usize)?;
            Some(NavTarget {
                path: cx.path.clone(),
                full_range: cx.span(index, variant.id),
                focus_range: cx.span(index, variant.name.id),
                name: variant.name.name.to_string(),
                kind: SymbolKind::Variant,
            })
        }
        Target::Local { item, local } => {
            let (cx, index) = locate_item(db, item)?;
            let body = infer_body(db, ItemKey::new(db, item.clone())).clone()?;
            let local = body.local(*local)?;
            let range = cx.span(index, local.decl);
            Some(NavTarget {
                path: cx.path.clone(),
                full_range: range,
                focus_range: range,
                name: local.name.to_string(),
                kind: match local.kind {
                    LocalKind::Param | LocalKind::SelfParam => SymbolKind::Parameter,
                    _ => SymbolKind::Local,
                },
            })
        }
        Target::Module(m) => {
            let file = db::module_file(db, m)?;
            let len = file.text(db).len() as u32;
            Some(NavTarget {
                path: file.path(db).to_string(),
                full_range: TextRange::new(0, len),
                focus_range: TextRange::new(0, 0),
                name: m.0.rsplit("::").next().unwrap_or_default().to_string(),
                kind: SymbolKind::Module,
            })
        }
        Target::Builtin(_)
        | Target::BuiltinMethod(..)
        | Target::PreludeVariant(_)
        | Target::PreludeType(_)
        | Target::Primitive(_) => None,
    }
}

/// The name a target is declared with.
fn target_name(db: &dyn salsa::Database, target: &Target) -> Option<String> {
    nav_target(db, target).map(|t| t.name)
}

/// Every identifier that refers to `target`: (file, range, whether it is the declaration,
/// whether it is a shorthand (`Point { x }`) that names a field and a variable at once).
struct Occurrence {
    path: String,
    range: TextRange,
    declaration: bool,
    shorthand: bool,
}

fn occurrences(db: &dyn salsa::Database, target: &Target) -> Vec<Occurrence> {
    let Some(name) = target_name(db, target) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let scan_item = |cx: &FileCx<'_>, index: usize, out: &mut Vec<Occurrence>| {
        let id = &cx.items[index].0;
        let idents = item_idents(db, ItemKey::new(db, id.clone()));
        let ranges: Vec<TextRange> = idents
            .idents
            .iter()
            .map(|e| cx.span(index, e.node))
            .collect();
        for (i, entry) in idents.idents.iter().enumerate() {
            if entry.name != name.as_str() {
                continue;
            }
            if target_of(db, id, entry).as_ref() != Some(target) {
                continue;
            }
            let range = ranges[i];
            let shorthand = ranges
                .iter()
                .enumerate()
                .any(|(j, r)| j != i && *r == range && range.start < range.end);
            let declaration = match (&entry.role, target) {
                (Role::ItemName, _) | (Role::FieldDecl(_), _) | (Role::VariantDecl(_), _) => true,
                (Role::Binding, Target::Local { item, local }) => {
                    infer_body(db, ItemKey::new(db, item.clone()))
                        .as_ref()
                        .and_then(|b| b.local(*local).map(|l| l.decl == entry.node))
                        .unwrap_or(false)
                }
                _ => false,
            };
            out.push(Occurrence {
                path: cx.path.clone(),
                range,
                declaration,
                shorthand,
            });
        }
    };
    match target {
        Target::Local { item, .. } => {
            if let Some((cx, index)) = locate_item(db, item) {
                scan_item(&cx, index, &mut out);
            }
        }
        _ => {
            // Only the files and items whose text contains the name can refer to it.
            for file in db::Package::get(db).files(db).values() {
                if !crate::vfs::is_module_file(db, *file) || !contains_word(file.text(db), &name) {
                    continue;
                }
                let cx = FileCx::of(db, *file);
                for index in 0..cx.items.len() {
                    let Some(map) = cx.map(index) else { continue };
                    // `impl Type` is outside its methods' text.
                    let impl_of = match &cx.items[index].1.interface(db).kind {
                        ItemKind::Method(m) => m.self_ty.name == name.as_str(),
                        _ => false,
                    };
                    if impl_of || contains_word(cx.slice(TextRange::of(map.item_span)), &name) {
                        scan_item(&cx, index, &mut out);
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.path, a.range.start).cmp(&(&b.path, b.range.start)));
    out.dedup_by(|a, b| a.path == b.path && a.range == b.range);
    out
}

pub fn references(cx: &FileCx<'_>, offset: u32, include_declaration: bool) -> Vec<FileRange> {
    let Some((_, target)) = target_at(cx, offset) else {
        return Vec::new();
    };
    occurrences(cx.db, &target)
        .into_iter()
        .filter(|o| include_declaration || !o.declaration)
        .map(|o| FileRange {
            path: o.path,
            range: o.range,
        })
        .collect()
}

/// The range of the name under `offset` and what it names, if it can be renamed.
pub fn prepare_rename(cx: &FileCx<'_>, offset: u32) -> Result<(TextRange, Target), String> {
    let Some((found, target)) = target_at(cx, offset) else {
        return Err("There is no name of a variable or item here to rename.".to_string());
    };
    let name = &found.entry.name;
    if let super::index::Role::UseAlias { .. } = found.entry.role {
        return Err(format!(
            "`{name}` is a name given by a `use … as {name}` declaration: edit it there, or rename the item it imports."
        ));
    }
    match &target {
        Target::Builtin(_) | Target::BuiltinMethod(..) => Err(format!(
            "Cannot rename `{name}`: it is a built-in of holo, not declared in this package."
        )),
        Target::PreludeVariant(_) | Target::PreludeType(_) => Err(format!(
            "Cannot rename the prelude's `{name}`: it is part of holo, not of this package."
        )),
        Target::Primitive(_) => Err(format!(
            "Cannot rename `{name}`: it is a primitive type of holo."
        )),
        Target::Module(_) => Err(format!(
            "Cannot rename the module `{name}` here: a module is named by its file; rename the file (and its folder) instead."
        )),
        Target::Local { item, local } => {
            let body = infer_body(cx.db, ItemKey::new(cx.db, item.clone())).clone();
            if body
                .as_ref()
                .and_then(|b| b.local(*local))
                .is_some_and(|l| l.kind == LocalKind::SelfParam)
            {
                return Err(
                    "Cannot rename `self`: it is how a method names its receiver.".to_string(),
                );
            }
            Ok((found.range, target))
        }
        Target::Item(id) | Target::Field { owner: id, .. } | Target::Variant { owner: id, .. } => {
            if let Some(root) = db::dependency_root(cx.db, &id.module) {
                return Err(format!(
                    "Cannot rename `{name}`: it is declared in the dependency `{root}`, whose sources this package does not edit."
                ));
            }
            Ok((found.range, target))
        }
    }
}

pub fn rename(cx: &FileCx<'_>, offset: u32, new_name: &str) -> Result<Vec<TextEdit>, String> {
    let (_, target) = prepare_rename(cx, offset)?;
    if crate::syntax::is_keyword(new_name) {
        return Err(format!(
            "`{new_name}` is a keyword of holo and cannot be a name; choose another."
        ));
    }
    if !crate::ids::is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a valid name: use letters, digits and `_`, not starting with a digit."
        ));
    }
    let db = cx.db;
    if let Some(reason) = collision(db, &target, new_name) {
        return Err(reason);
    }
    let occurrences = occurrences(db, &target);
    let old = target_name(db, &target).unwrap_or_default();
    let is_field = matches!(target, Target::Field { .. });
    Ok(occurrences
        .into_iter()
        .map(|o| {
            // A shorthand names the field and the variable: keep the other name spelled out.
            let new_text = match (o.shorthand, is_field) {
                (true, true) => format!("{new_name}: {old}"),
                (true, false) => format!("{old}: {new_name}"),
                (false, _) => new_name.to_string(),
            };
            TextEdit {
                path: o.path,
                range: o.range,
                new_text,
            }
        })
        .collect())
}

/// Why renaming `target` to `new` would change what some name means, if it would.
fn collision(db: &dyn salsa::Database, target: &Target, new: &str) -> Option<String> {
    let taken = |what: String| {
        Some(format!(
            "Cannot rename to `{new}`: {what} already has that name; choose another name, or rename that one first."
        ))
    };
    match target {
        Target::Item(id) => {
            let module = ModuleKey::new(db, id.module.clone());
            let scope = scope::module_scope(db, module);
            if let Some(member) = &id.member {
                if member == new {
                    return None;
                }
                let methods = scope.methods.get(&id.name);
                if methods.is_some_and(|m| m.contains_key(new)) {
                    return taken(format!("a method of `{}`", id.name));
                }
                return None;
            }
            if id.name == new {
                return None;
            }
            if scope.decls.contains_key(new)
                || scope::module_imports(db, module).bindings.contains_key(new)
            {
                return taken(format!("an item of the module `{}`", id.module));
            }
            if scope.children.contains(new) {
                return taken(format!("a module inside `{}`", id.module));
            }
            None
        }
        Target::Field { owner, .. } => {
            let info = crate::sema::struct_info(db, ItemKey::new(db, owner.clone()))?;
            info.field(new)
                .is_some()
                .then(|| taken(format!("a field of `{}`", owner.name)))
                .flatten()
        }
        Target::Variant { owner, .. } => {
            let info = crate::sema::enum_info(db, ItemKey::new(db, owner.clone()))?;
            info.variant(new)
                .is_some()
                .then(|| taken(format!("a variant of `{}`", owner.name)))
                .flatten()
        }
        Target::Local { item, local } => {
            let body = infer_body(db, ItemKey::new(db, item.clone())).clone()?;
            let this = body.local(*local)?;
            if this.name == new {
                return None;
            }
            if body.locals.iter().any(|l| l.name == new) {
                return taken("another variable of this function".to_string());
            }
            // A module-level name the body uses would be hidden by the variable.
            let idents = item_idents(db, ItemKey::new(db, item.clone()));
            let hides = idents.idents.iter().any(|e| {
                e.name == new
                    && matches!(e.role, Role::Path { seg: 0, .. })
                    && !matches!(target_of(db, item, e), Some(Target::Local { .. }) | None)
            });
            if hides {
                return taken("something this function already uses".to_string());
            }
            None
        }
        _ => None,
    }
}

/// Whether `word` occurs in `text` as a whole identifier (not inside a longer one).
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    let bytes = text.as_bytes();
    text.match_indices(word).any(|(i, _)| {
        let end = i + word.len();
        (i == 0 || !is_ident(bytes[i - 1])) && bytes.get(end).is_none_or(|b| !is_ident(*b))
    })
}
