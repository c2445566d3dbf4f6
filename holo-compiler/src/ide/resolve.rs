//! What the identifier under the cursor names, read from the checker's results: the body's
//! resolutions for paths, calls, fields and bindings, the import table for `use`, and the
//! checker's own path walk ([`ResolveCx::walk_path`]) for module prefixes and types.

use super::FileCx;
use super::index::{IdentEntry, PathOwner, Role, item_idents};
use crate::ast::{Ident, NodeId};
use crate::db::{ItemKey, ModuleKey};
use crate::ids::{ItemId, ModulePath};
use crate::sema::builtins::BuiltinId;
use crate::sema::items::{MemberName, ResolveCx, Walk};
use crate::sema::scope::{self, Def, DefKind, ImportOutcome};
use crate::sema::{Generic, LocalId, PVariant, Resolution, Ty, infer_body};

/// A declared thing a name can refer to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A function, method, associated function, struct, enum or constant.
    Item(ItemId),
    Field {
        owner: ItemId,
        index: u32,
    },
    Variant {
        owner: ItemId,
        index: u32,
    },
    /// A local variable of the body of `item`.
    Local {
        item: ItemId,
        local: LocalId,
    },
    Module(ModulePath),
    Builtin(BuiltinId),
    /// A built-in method called on a value of the given type (its generic types are known).
    BuiltinMethod(BuiltinId, Ty),
    PreludeVariant(PVariant),
    PreludeType(Generic),
    Primitive(&'static str),
}

/// An identifier found at an offset: its item, entry and range.
pub struct Found {
    pub key_id: ItemId,
    pub entry: IdentEntry,
    pub range: super::TextRange,
}

/// The identifiers of the item at `offset` that contain it (or end exactly at it, for a cursor
/// just after a name), innermost role first when two share a position (the shorthand
/// `Point { x }` is a field and a variable at once: the variable comes first).
pub fn idents_at(cx: &FileCx<'_>, offset: u32) -> Vec<Found> {
    // `impl Type {` is outside its methods' spans: the type's name belongs to the next method.
    let next_method = || {
        let next = cx
            .parsed
            .source_maps
            .partition_point(|m| m.item_span.start <= offset);
        let (_, input) = cx.items.get(next)?;
        let crate::ast::ItemKind::Method(m) = &input.interface(cx.db).kind else {
            return None;
        };
        let r = cx.span(next, m.self_ty.id);
        (r.start <= offset && offset <= r.end).then_some(next)
    };
    let Some(index) = cx.item_at(offset).or_else(next_method) else {
        return Vec::new();
    };
    let id = cx.items[index].0.clone();
    let idents = item_idents(cx.db, ItemKey::new(cx.db, id.clone()));
    let mut inside = Vec::new();
    let mut touching = Vec::new();
    for entry in &idents.idents {
        let range = cx.span(index, entry.node);
        let found = || Found {
            key_id: id.clone(),
            entry: entry.clone(),
            range,
        };
        if range.start <= offset && offset < range.end {
            inside.push(found());
        } else if range.end == offset && range.start < range.end {
            touching.push(found());
        }
    }
    let mut out = if inside.is_empty() { touching } else { inside };
    // Shorthands: the value (path or binding) before the field name.
    out.sort_by_key(|f| matches!(f.entry.role, Role::FieldInit { .. } | Role::FieldPat { .. }));
    out
}

/// What the identifier `entry` of `item` refers to.
pub fn target_of(db: &dyn salsa::Database, item: &ItemId, entry: &IdentEntry) -> Option<Target> {
    let key = ItemKey::new(db, item.clone());
    let body = || infer_body(db, key).clone();
    let res_at = |node: NodeId| body().and_then(|b| b.resolution(node).cloned());
    match &entry.role {
        Role::ItemName => Some(Target::Item(item.clone())),
        Role::ImplType => walk(
            db,
            item,
            std::slice::from_ref(&Ident {
                id: entry.node,
                name: entry.name.clone(),
            }),
        ),
        Role::FieldDecl(i) => Some(Target::Field {
            owner: item.clone(),
            index: *i,
        }),
        Role::VariantDecl(i) => Some(Target::Variant {
            owner: item.clone(),
            index: *i,
        }),
        Role::Binding => match res_at(entry.node)? {
            Resolution::Local(local) => Some(Target::Local {
                item: item.clone(),
                local,
            }),
            _ => None,
        },
        Role::Path { path, seg, owner } => {
            let idents = item_idents(db, key);
            let segments = idents.paths.get(*path as usize)?;
            let last = *seg as usize + 1 == segments.len();
            if last {
                let node = match owner {
                    PathOwner::Expr(n) | PathOwner::Pat(n) | PathOwner::StructLit(n) => Some(*n),
                    PathOwner::Type => None,
                };
                if let Some(found) = node.and_then(res_at).and_then(|r| from_resolution(item, r)) {
                    return Some(found);
                }
                if matches!(owner, PathOwner::Type) && segments.len() == 1 {
                    let name = segments[0].name.as_str();
                    if let Some(p) = ["i64", "f64", "bool", "str"].iter().find(|p| **p == name) {
                        return Some(Target::Primitive(p));
                    }
                }
            }
            walk(db, item, &segments[..=*seg as usize])
        }
        Role::Method { call, receiver } => {
            let body = body()?;
            match body.resolution(*call)? {
                Resolution::BuiltinMethod { id, .. } => Some(match body.ty(*receiver) {
                    Some(ty) => Target::BuiltinMethod(*id, ty.clone()),
                    None => Target::Builtin(*id),
                }),
                other => from_resolution(item, other.clone()),
            }
        }
        Role::Field { expr } => from_resolution(item, res_at(*expr)?),
        Role::FieldInit { init } => from_resolution(item, res_at(*init)?),
        Role::FieldPat { field } => from_resolution(item, res_at(*field)?),
        Role::Use { leaf, seg } => use_target(db, item, *leaf, *seg),
        Role::UseAlias { leaf } => {
            let (entry, outcome) = use_entry(db, item, *leaf)?;
            match outcome {
                ImportOutcome::Bound { def, .. } => from_def(def),
                _ => {
                    let _ = entry;
                    None
                }
            }
        }
        Role::Attr => None,
        Role::SelfValue => from_resolution(item, res_at(entry.node)?),
        Role::SelfParam => {
            let body = body()?;
            let local = *body.params.first()?;
            (body.local(local)?.kind == crate::sema::LocalKind::SelfParam).then(|| Target::Local {
                item: item.clone(),
                local,
            })
        }
    }
}

fn from_resolution(item: &ItemId, res: Resolution) -> Option<Target> {
    Some(match res {
        Resolution::Local(local) => Target::Local {
            item: item.clone(),
            local,
        },
        Resolution::Fn(id) | Resolution::AssocFn(id) | Resolution::Const(id) => {
            Target::Item((*id).clone())
        }
        Resolution::Struct(id) => Target::Item((*id).clone()),
        Resolution::Method { item, .. } => Target::Item((*item).clone()),
        Resolution::Variant { enum_id, index } => Target::Variant {
            owner: (*enum_id).clone(),
            index,
        },
        Resolution::Field { struct_id, index } | Resolution::PatField { struct_id, index } => {
            Target::Field {
                owner: (*struct_id).clone(),
                index,
            }
        }
        Resolution::BuiltinFn(id) => Target::Builtin(id),
        Resolution::BuiltinMethod { id, .. } => Target::Builtin(id),
        Resolution::PreludeVariant(v) => Target::PreludeVariant(v),
        Resolution::IndirectCall | Resolution::TupleField(_) | Resolution::ConstValue(_) => {
            return None;
        }
    })
}

fn from_def(def: Def) -> Option<Target> {
    match def {
        Def::Item { id, .. } => Some(Target::Item(id)),
        Def::Module(m) => Some(Target::Module(m)),
        Def::Err => None,
    }
}

/// A resolution context of `item` as its checker had it (with `Self` for methods).
pub fn resolve_cx<'db>(db: &'db dyn salsa::Database, item: &ItemId) -> ResolveCx<'db> {
    let mut cx = ResolveCx::new(db, item.clone());
    if item.member.is_some() {
        let owner = ItemId::new(item.module.clone(), item.name.clone());
        cx.self_ty = match scope::module_scope(db, ModuleKey::new(db, item.module.clone()))
            .decls
            .get(&item.name)
            .map(|d| d.kind)
        {
            Some(DefKind::Struct) => Some(Ty::Struct(owner.into())),
            Some(DefKind::Enum) => Some(Ty::Enum(owner.into())),
            _ => None,
        };
    }
    cx
}

/// What the path `segments` names, resolved by the checker's path walk in `item`'s scope; the
/// segments after a type name its variant or associated function.
pub fn walk(db: &dyn salsa::Database, item: &ItemId, segments: &[Ident]) -> Option<Target> {
    let mut cx = resolve_cx(db, item);
    match cx.walk_path(segments) {
        Walk::Def { def, consumed } if consumed == segments.len() => from_def(def),
        Walk::Def {
            def: Def::Item { id, kind },
            consumed,
        } if consumed + 1 == segments.len() => {
            let member = &segments[consumed].name;
            if kind == DefKind::Enum
                && let Some(info) = crate::sema::enum_info(db, ItemKey::new(db, id.clone()))
                && let Some((index, _)) = info.variant(member)
            {
                return Some(Target::Variant {
                    owner: id,
                    index: index as u32,
                });
            }
            let key = MemberName::new(db, ItemKey::new(db, id), member.clone());
            crate::sema::items::assoc_item(db, key).map(|d| Target::Item(d.id))
        }
        Walk::NotFound { module: None, .. } if segments.len() <= 2 => {
            let first = segments.first()?.name.as_str();
            let g = Generic::by_name(first)?;
            match segments.get(1) {
                None => Some(Target::PreludeType(g)),
                Some(v) => PVariant::member(g, &v.name).map(Target::PreludeVariant),
            }
        }
        _ => None,
    }
}

/// The import entry of a `use` leaf and how it resolved.
fn use_entry(
    db: &dyn salsa::Database,
    item: &ItemId,
    leaf: NodeId,
) -> Option<(scope::UseEntry, ImportOutcome)> {
    let module = ModuleKey::new(db, item.module.clone());
    let scope = scope::module_scope(db, module);
    let index = scope
        .uses
        .iter()
        .position(|u| &u.use_item == item && u.node == leaf)?;
    let imports = scope::module_imports(db, module);
    Some((
        scope.uses[index].clone(),
        imports.outcomes.get(index)?.clone(),
    ))
}

fn use_target(db: &dyn salsa::Database, item: &ItemId, leaf: NodeId, seg: u32) -> Option<Target> {
    let (entry, outcome) = use_entry(db, item, leaf)?;
    let seg = seg as usize;
    if seg + 1 == entry.path.len()
        && entry.binding.is_some()
        && let ImportOutcome::Bound { def, .. } = &outcome
    {
        return from_def(def.clone());
    }
    // A module on the way: the path so far, resolved as the import resolver does (the first
    // segment in the module's scope, the others as members).
    let mut cx = ResolveCx::new(db, item.clone());
    let first = entry.path.first()?;
    let mut def = cx
        .resolve_path_start(&first.name)
        .or_else(|| cx.resolve_name(&first.name))?
        .def;
    for s in entry.path.iter().take(seg + 1).skip(1) {
        let Def::Module(m) = &def else {
            return None;
        };
        def = cx
            .module_path_member(m, &s.name)
            .or_else(|| cx.module_member(m, &s.name))?
            .def;
    }
    from_def(def)
}

/// The target under `offset` and the identifier it was found through.
pub fn target_at(cx: &FileCx<'_>, offset: u32) -> Option<(Found, Target)> {
    idents_at(cx, offset).into_iter().find_map(|found| {
        let target = target_of(cx.db, &found.key_id, &found.entry)?;
        Some((found, target))
    })
}
