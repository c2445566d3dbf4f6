//! Item-level semantic queries — function signatures, struct fields, enum variants, constant
//! types, methods of a type — and [`ResolveCx`], the name and type resolution shared by these
//! queries and by body inference.
//!
//! Each query comes in two layers: `*_full` returns the value together with the diagnostics and
//! import uses found while computing it (read only by `check_item` and the unused-import check),
//! and the plain query projects out the value. Users of a signature depend on the projection, so a
//! change that only affects diagnostics does not re-check them.

use super::scope::{self, Def, DefKind, ImportRef, MethodDecl, NameClass, NsEntry, ScopeName};
use super::suggest;
use super::ty::{FnTy, Generic, Ty};
use crate::ast::{Ident, ItemKind, Name, NodeId, TypeRef, TypeRefKind, Visibility};
use crate::db::{self, ItemKey, ModuleKey};
use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::ids::{ItemId, ModulePath};
use std::collections::HashMap;
use std::sync::Arc;

/// A value computed from an item's declaration, with what computing it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lowered<T> {
    pub value: T,
    pub diagnostics: Vec<Diagnostic>,
    pub import_uses: Vec<ImportRef>,
}

/// How a method takes its receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelfKind {
    /// `self`: a copy of the receiver.
    Value,
    /// `mut self`: changes are written back to the caller's place.
    Mut,
}

/// The interface of a function, method or associated function: what callers may depend on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnSignature {
    /// The node of the function's name (for "defined here" labels).
    pub name_node: NodeId,
    /// Parameter types, not counting `self`.
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// For methods: how `self` is taken.
    pub receiver: Option<SelfKind>,
    /// For methods and associated functions: the type of the `impl`, if it is valid.
    pub owner: Option<Ty>,
    pub vis: Visibility,
}

impl FnSignature {
    /// The type of the function used as a value.
    pub fn fn_ty(&self) -> Ty {
        Ty::Fn(Arc::new(FnTy {
            params: self.params.clone(),
            ret: self.ret.clone(),
        }))
    }
}

/// The fields of a struct, in declaration order (later duplicates are dropped and reported).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StructInfo {
    pub name_node: NodeId,
    pub vis: Visibility,
    pub fields: Vec<FieldInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    pub name: Name,
    pub ty: Ty,
    pub vis: Visibility,
    /// The node of the field's name.
    pub node: NodeId,
}

impl StructInfo {
    /// The index and declaration of the field `name`.
    pub fn field(&self, name: &str) -> Option<(usize, &FieldInfo)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

/// The variants of an enum, in declaration order (later duplicates are dropped and reported).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EnumInfo {
    pub name_node: NodeId,
    pub vis: Visibility,
    pub variants: Vec<VariantInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VariantInfo {
    pub name: Name,
    /// Payload types; empty for a unit variant.
    pub fields: Vec<Ty>,
    pub node: NodeId,
}

impl EnumInfo {
    pub fn variant(&self, name: &str) -> Option<(usize, &VariantInfo)> {
        self.variants
            .iter()
            .enumerate()
            .find(|(_, v)| v.name == name)
    }
}

/// The declared type of a constant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConstInfo {
    pub name_node: NodeId,
    pub ty: Ty,
    pub vis: Visibility,
}

/// Lowers the signature of a function, method or associated function.
#[salsa::tracked(returns(ref))]
pub fn fn_signature_full<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<Lowered<Arc<FnSignature>>>> {
    let ast = db::item_interface(db, item)?;
    let id = item.id(db).clone();
    let (func, owner_name) = match &ast.kind {
        ItemKind::Fn(f) => (f, None),
        ItemKind::Method(m) => (&m.func, Some(&m.self_ty)),
        _ => return None,
    };
    let mut cx = ResolveCx::new(db, id.clone());
    let owner = owner_name.map(|name| impl_owner(&mut cx, name));
    cx.self_ty = owner.clone().flatten();
    let params = func.params.iter().map(|p| cx.lower_type(&p.ty)).collect();
    let ret = func.ret.as_ref().map_or(Ty::Unit, |r| cx.lower_type(r));
    let receiver = func.self_param.as_ref().map(|s| {
        if s.mutable {
            SelfKind::Mut
        } else {
            SelfKind::Value
        }
    });
    if let (Some(s), None) = (&func.self_param, owner_name) {
        cx.error(
            Diagnostic::error(
                codes::BAD_SELF,
                "`self` parameter is only allowed in methods",
                cx.loc(s.id),
            )
            .with_label("not part of an `impl` block")
            .with_hint(
                "Move the function into `impl Type { … }` to make it a method, or remove `self`.",
            ),
        );
    }
    let sig = FnSignature {
        name_node: func.name.id,
        params,
        ret,
        receiver: if owner_name.is_some() { receiver } else { None },
        owner: owner.flatten(),
        vis: ast.vis,
    };
    Some(Arc::new(cx.finish(Arc::new(sig))))
}

/// The signature of a function, method or associated function (`None` for other items).
#[salsa::tracked(returns(clone))]
pub fn fn_signature<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<FnSignature>> {
    fn_signature_full(db, item)
        .as_ref()
        .map(|l| l.value.clone())
}

/// The type named in `impl Type`: a struct or enum declared in the same module, else E0116.
fn impl_owner(cx: &mut ResolveCx<'_>, name: &Ident) -> Option<Ty> {
    let scope = scope::module_scope(cx.db, cx.module);
    match scope.decls.get(&name.name) {
        Some(decl) if decl.kind == DefKind::Struct => {
            return Some(Ty::Struct(Arc::new(decl.id.clone())));
        }
        Some(decl) if decl.kind == DefKind::Enum => {
            return Some(Ty::Enum(Arc::new(decl.id.clone())));
        }
        _ => {}
    }
    let (message, label) = match scope.decls.get(&name.name) {
        Some(decl) => (
            format!(
                "cannot define methods for {} `{}`",
                decl.kind.describe(),
                name.name
            ),
            "not a struct or enum",
        ),
        None => match cx.resolve_name(&name.name) {
            Some(NsEntry {
                def: Def::Item { kind, .. },
                ..
            }) if kind.is_type() => (
                format!(
                    "cannot define methods for `{}` outside the module that declares it",
                    name.name
                ),
                "declared in another module",
            ),
            _ => (
                format!("cannot find type `{}` in this module", name.name),
                "not declared in this module",
            ),
        },
    };
    cx.error(
        Diagnostic::error(codes::BAD_IMPL, message, cx.loc(name.id))
            .with_label(label)
            .with_hint("An `impl` block must be in the same module as the struct or enum it adds methods to."),
    );
    None
}

/// Lowers the fields of a struct.
#[salsa::tracked(returns(ref))]
pub fn struct_info_full<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<Lowered<Arc<StructInfo>>>> {
    let ast = db::item_interface(db, item)?;
    let ItemKind::Struct(def) = &ast.kind else {
        return None;
    };
    let mut cx = ResolveCx::new(db, item.id(db).clone());
    let mut fields: Vec<FieldInfo> = Vec::with_capacity(def.fields.len());
    for field in &def.fields {
        let ty = cx.lower_type(&field.ty);
        if let Some(first) = fields.iter().find(|f| f.name == field.name.name) {
            let first_node = first.node;
            cx.error(
                Diagnostic::error(
                    codes::DUPLICATE_FIELD_DEF,
                    format!("field `{}` is already declared", field.name.name),
                    cx.loc(field.name.id),
                )
                .with_label("field already declared")
                .with_secondary(
                    cx.loc(first_node),
                    format!("`{}` first declared here", field.name.name),
                )
                .with_hint("Rename or remove one of the fields."),
            );
            continue;
        }
        fields.push(FieldInfo {
            name: field.name.name.clone(),
            ty,
            vis: field.vis,
            node: field.name.id,
        });
    }
    let info = StructInfo {
        name_node: def.name.id,
        vis: ast.vis,
        fields,
    };
    Some(Arc::new(cx.finish(Arc::new(info))))
}

/// The fields of a struct (`None` if the item is not a struct).
#[salsa::tracked(returns(clone))]
pub fn struct_info<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<StructInfo>> {
    struct_info_full(db, item).as_ref().map(|l| l.value.clone())
}

/// Lowers the variants of an enum.
#[salsa::tracked(returns(ref))]
pub fn enum_info_full<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<Lowered<Arc<EnumInfo>>>> {
    let ast = db::item_interface(db, item)?;
    let ItemKind::Enum(def) = &ast.kind else {
        return None;
    };
    let mut cx = ResolveCx::new(db, item.id(db).clone());
    let mut variants: Vec<VariantInfo> = Vec::with_capacity(def.variants.len());
    for variant in &def.variants {
        let fields = variant.fields.iter().map(|t| cx.lower_type(t)).collect();
        if let Some(first) = variants.iter().find(|v| v.name == variant.name.name) {
            let first_node = first.node;
            cx.error(
                Diagnostic::error(
                    codes::DUPLICATE_FIELD_DEF,
                    format!("variant `{}` is already declared", variant.name.name),
                    cx.loc(variant.name.id),
                )
                .with_label("variant already declared")
                .with_secondary(
                    cx.loc(first_node),
                    format!("`{}` first declared here", variant.name.name),
                )
                .with_hint("Rename or remove one of the variants."),
            );
            continue;
        }
        variants.push(VariantInfo {
            name: variant.name.name.clone(),
            fields,
            node: variant.name.id,
        });
    }
    let info = EnumInfo {
        name_node: def.name.id,
        vis: ast.vis,
        variants,
    };
    Some(Arc::new(cx.finish(Arc::new(info))))
}

/// The variants of an enum (`None` if the item is not an enum).
#[salsa::tracked(returns(clone))]
pub fn enum_info<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<Arc<EnumInfo>> {
    enum_info_full(db, item).as_ref().map(|l| l.value.clone())
}

/// Lowers the declared type of a constant.
#[salsa::tracked(returns(ref))]
pub fn const_info_full<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<Lowered<Arc<ConstInfo>>>> {
    let ast = db::item_interface(db, item)?;
    let ItemKind::Const(def) = &ast.kind else {
        return None;
    };
    let mut cx = ResolveCx::new(db, item.id(db).clone());
    let ty = cx.lower_type(&def.ty);
    let info = ConstInfo {
        name_node: def.name.id,
        ty,
        vis: ast.vis,
    };
    Some(Arc::new(cx.finish(Arc::new(info))))
}

/// The declared type of a constant (`None` if the item is not a constant).
#[salsa::tracked(returns(clone))]
pub fn const_info<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Option<Arc<ConstInfo>> {
    const_info_full(db, item).as_ref().map(|l| l.value.clone())
}

/// A type (struct or enum) and the name of one of its methods or associated functions.
#[salsa::interned(debug)]
pub struct MemberName<'db> {
    pub owner: ItemKey<'db>,
    #[returns(ref)]
    pub name: Name,
}

/// The method or associated function `name` of a struct or enum, declared in an `impl` of the
/// type's module.
#[salsa::tracked(returns(clone))]
pub fn assoc_item<'db>(db: &'db dyn salsa::Database, key: MemberName<'db>) -> Option<MethodDecl> {
    let owner = key.owner(db).id(db);
    let scope = scope::module_scope(db, ModuleKey::new(db, owner.module.clone()));
    if scope.decls.get(&owner.name).is_none_or(|d| &d.id != owner) {
        return None;
    }
    scope.methods.get(&owner.name)?.get(key.name(db)).cloned()
}

/// The names of a type's methods (`true`) and associated functions (`false`), sorted; for
/// suggestions only.
#[salsa::tracked(returns(ref))]
pub fn assoc_names<'db>(
    db: &'db dyn salsa::Database,
    owner: ItemKey<'db>,
) -> Arc<Vec<(Name, bool)>> {
    let owner = owner.id(db);
    let scope = scope::module_scope(db, ModuleKey::new(db, owner.module.clone()));
    let mut names: Vec<(Name, bool)> = scope
        .methods
        .get(&owner.name)
        .map(|m| m.iter().map(|(n, d)| (n.clone(), d.has_self)).collect())
        .unwrap_or_default();
    names.sort();
    Arc::new(names)
}

/// The outcome of resolving the module-level part of a path.
pub enum Walk {
    /// `segments[..consumed]` name `def`; the rest (if any) must be members of a type.
    Def { def: Def, consumed: usize },
    /// `segments[index]` names nothing (in `module`, or in scope if `None`); not reported yet,
    /// so that the caller can say what kind of name was expected.
    NotFound {
        module: Option<ModulePath>,
        index: usize,
    },
    /// Something was wrong and has been reported.
    Reported,
}

/// Name and type resolution for one item, collecting diagnostics and import uses.
pub struct ResolveCx<'db> {
    pub db: &'db dyn salsa::Database,
    pub module: ModuleKey<'db>,
    pub module_path: ModulePath,
    pub item: ItemId,
    /// The type `Self` stands for (inside methods).
    pub self_ty: Option<Ty>,
    pub diagnostics: Vec<Diagnostic>,
    pub import_uses: Vec<ImportRef>,
    names: HashMap<Name, Option<NsEntry>>,
}

const PRIMITIVES: &[&str] = &["bool", "f64", "i64", "str"];

impl<'db> ResolveCx<'db> {
    pub fn new(db: &'db dyn salsa::Database, item: ItemId) -> ResolveCx<'db> {
        ResolveCx {
            db,
            module: ModuleKey::new(db, item.module.clone()),
            module_path: item.module.clone(),
            item,
            self_ty: None,
            diagnostics: Vec::new(),
            import_uses: Vec::new(),
            names: HashMap::new(),
        }
    }

    /// A location in the current item.
    pub fn loc(&self, node: NodeId) -> Loc {
        Loc::Node {
            item: self.item.clone(),
            node,
        }
    }

    pub fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn finish<T>(mut self, value: T) -> Lowered<T> {
        self.import_uses.sort();
        self.import_uses.dedup();
        Lowered {
            value,
            diagnostics: self.diagnostics,
            import_uses: self.import_uses,
        }
    }

    /// What a single identifier means at module level here, recording the import it came
    /// through.
    pub fn resolve_name(&mut self, name: &Name) -> Option<NsEntry> {
        let found = match self.names.get(name) {
            Some(found) => found.clone(),
            None => {
                let key = ScopeName::new(self.db, self.module, name.clone());
                let found = scope::resolve_name(self.db, key);
                self.names.insert(name.clone(), found.clone());
                found
            }
        };
        if let Some(NsEntry { via: Some(via), .. }) = &found {
            self.import_uses.push(via.clone());
        }
        found
    }

    /// As [`Self::resolve_name`] for the first segment of a longer path: only a module or a
    /// type (see `scope::resolve_path_start`).
    pub fn resolve_path_start(&mut self, name: &Name) -> Option<NsEntry> {
        let key = ScopeName::new(self.db, self.module, name.clone());
        let found = scope::resolve_path_start(self.db, key);
        if let Some(NsEntry { via: Some(via), .. }) = &found {
            self.import_uses.push(via.clone());
        }
        found
    }

    /// `name` in module `module` where the path goes on after it: only a module or a type.
    pub fn module_path_member(&self, module: &ModulePath, name: &Name) -> Option<NsEntry> {
        let key = ScopeName::new(
            self.db,
            ModuleKey::new(self.db, module.clone()),
            name.clone(),
        );
        scope::module_path_member(self.db, key)
    }

    /// `name` looked up in module `module` (its namespace, private names included).
    pub fn module_member(&self, module: &ModulePath, name: &Name) -> Option<NsEntry> {
        let key = ScopeName::new(
            self.db,
            ModuleKey::new(self.db, module.clone()),
            name.clone(),
        );
        scope::module_member(self.db, key)
    }

    /// The path of the file that holds `module`, for hints ("Mark it `pub` in src/geometry.holo").
    pub fn module_file_path(&self, module: &ModulePath) -> String {
        match db::module_file(self.db, module) {
            Some(file) => file.path(self.db).to_string(),
            None => format!("the module `{module}`"),
        }
    }

    /// Reports that `name` (declared in `module`) is private there.
    pub fn private(
        &mut self,
        what: &str,
        name: &str,
        module: &ModulePath,
        node: NodeId,
        decl: Option<(ItemId, NodeId)>,
    ) {
        let file = self.module_file_path(module);
        let mut d = Diagnostic::error(
            codes::PRIVATE_ITEM,
            format!("{what} `{name}` is private to module `{module}`"),
            self.loc(node),
        )
        .with_label("private")
        .with_hint(format!("Mark it `pub` in {file} to use it from here."));
        if let Some((item, node)) = decl {
            d = d.with_secondary(
                Loc::Node { item, node },
                format!("`{name}` is declared here without `pub`"),
            );
        }
        self.error(d);
    }

    /// A similar name among those visible here of the wanted classes (plus `extra` names).
    pub fn suggest_in_scope(
        &self,
        name: &str,
        classes: &[NameClass],
        extra: &[&str],
    ) -> Option<Name> {
        let names = scope::scope_names(self.db, self.module);
        let tree = scope::module_tree(self.db);
        let mut candidates: Vec<&str> = names
            .iter()
            .filter(|n| classes.contains(&n.class))
            .map(|n| n.name.as_str())
            .collect();
        if classes.contains(&NameClass::Module)
            && let Some(top) = tree.modules.get(&ModulePath::root())
        {
            candidates.extend(top.iter().map(|n| n.as_str()));
        }
        candidates.extend(extra.iter().copied());
        candidates.sort_unstable();
        suggest::similar(name, candidates).map(Name::from)
    }

    /// A similar public name in `module` of the wanted classes.
    pub fn suggest_in_module(
        &self,
        module: &ModulePath,
        name: &str,
        classes: &[NameClass],
    ) -> Option<Name> {
        let names = scope::scope_names(self.db, ModuleKey::new(self.db, module.clone()));
        let same_module = *module == self.module_path;
        let candidates = names
            .iter()
            .filter(|n| classes.contains(&n.class) && (n.public || same_module))
            .map(|n| n.name.as_str());
        suggest::similar(name, candidates).map(Name::from)
    }

    /// Resolves the module-level prefix of a path: modules, then an item. A leading `Self`
    /// names the `impl` type.
    pub fn walk_path(&mut self, segments: &[Ident]) -> Walk {
        let Some(first) = segments.first() else {
            return Walk::Reported;
        };
        let entry = if first.name == "Self" && self.self_ty.is_some() {
            self.self_ty.as_ref().and_then(|t| match t {
                Ty::Struct(id) => Some(Def::Item {
                    id: (**id).clone(),
                    kind: DefKind::Struct,
                }),
                Ty::Enum(id) => Some(Def::Item {
                    id: (**id).clone(),
                    kind: DefKind::Enum,
                }),
                _ => None,
            })
        } else if segments.len() > 1 {
            // A function or constant found instead is reported as "not a module" by the caller.
            self.resolve_path_start(&first.name)
                .or_else(|| self.resolve_name(&first.name))
                .map(|e| e.def)
        } else {
            self.resolve_name(&first.name).map(|e| e.def)
        };
        let Some(mut def) = entry else {
            if segments.len() == 1 {
                return Walk::NotFound {
                    module: None,
                    index: 0,
                };
            }
            let suggestion =
                self.suggest_in_scope(&first.name, &[NameClass::Module, NameClass::Type], &[]);
            let label = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "not found in this scope".to_string(),
            };
            self.error(
                Diagnostic::error(
                    codes::UNRESOLVED_PATH,
                    format!(
                        "failed to resolve: use of undeclared module or type `{}`",
                        first.name
                    ),
                    self.loc(first.id),
                )
                .with_label(label),
            );
            return Walk::Reported;
        };
        let mut consumed = 1;
        while consumed < segments.len() {
            let Def::Module(module) = &def else {
                break;
            };
            let seg = &segments[consumed];
            let member = if consumed + 1 < segments.len() {
                self.module_path_member(module, &seg.name)
                    .or_else(|| self.module_member(module, &seg.name))
            } else {
                self.module_member(module, &seg.name)
            };
            match member {
                Some(member) => {
                    if member.vis == Visibility::Private && *module != self.module_path {
                        let what = member.def.describe();
                        let module = module.clone();
                        self.private(what, &seg.name, &module, seg.id, member.decl.clone());
                    }
                    def = member.def;
                }
                None if consumed + 1 == segments.len() => {
                    return Walk::NotFound {
                        module: Some(module.clone()),
                        index: consumed,
                    };
                }
                None => {
                    let suggestion = self.suggest_in_module(
                        module,
                        &seg.name,
                        &[NameClass::Module, NameClass::Type],
                    );
                    let label = match suggestion {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("not found in `{module}`"),
                    };
                    self.error(
                        Diagnostic::error(
                            codes::UNRESOLVED_PATH,
                            format!(
                                "failed to resolve: could not find `{}` in `{module}`",
                                seg.name
                            ),
                            self.loc(seg.id),
                        )
                        .with_label(label),
                    );
                    return Walk::Reported;
                }
            }
            consumed += 1;
        }
        Walk::Def { def, consumed }
    }

    /// Lowers a type as written to a [`Ty`], reporting unknown or misused names.
    pub fn lower_type(&mut self, tref: &TypeRef) -> Ty {
        match &tref.kind {
            TypeRefKind::Unit => Ty::Unit,
            TypeRefKind::Error => Ty::Error,
            TypeRefKind::Array(elem) => Ty::array(self.lower_type(elem)),
            TypeRefKind::Fn { params, ret } => {
                let params = params.iter().map(|p| self.lower_type(p)).collect();
                let ret = ret.as_ref().map_or(Ty::Unit, |r| self.lower_type(r));
                Ty::Fn(Arc::new(FnTy { params, ret }))
            }
            TypeRefKind::Tuple(elems) => {
                Ty::Tuple(Arc::new(elems.iter().map(|e| self.lower_type(e)).collect()))
            }
            TypeRefKind::Path(path) => {
                if let [single] = path.segments.as_slice() {
                    match single.name.as_str() {
                        "i64" => return Ty::I64,
                        "f64" => return Ty::F64,
                        "bool" => return Ty::Bool,
                        "str" => return Ty::Str,
                        _ => {}
                    }
                    if let Some(g) = self.prelude_type(&single.name) {
                        if g.arity() == 0 {
                            return Ty::App(g, Arc::new(Vec::new()));
                        }
                        self.error(
                            Diagnostic::error(
                                codes::WRONG_TYPE_ARGS,
                                format!(
                                    "`{}` needs {} type argument{}",
                                    g.name(),
                                    g.arity(),
                                    if g.arity() == 1 { "" } else { "s" }
                                ),
                                self.loc(path.id),
                            )
                            .with_label("type arguments missing")
                            .with_hint(prelude_type_example(g)),
                        );
                        return Ty::Error;
                    }
                }
                self.lower_type_path(&path.segments, path.id)
            }
            TypeRefKind::Generic { path, args } => {
                let lowered: Vec<Ty> = args.iter().map(|a| self.lower_type(a)).collect();
                let generic = match path.segments.as_slice() {
                    [single] => self.prelude_type(&single.name),
                    _ => None,
                };
                let Some(g) = generic else {
                    // An unknown name is that error first (`Vec<i64>` gets its hint); only a
                    // type that exists is told it takes no arguments.
                    let primitive = matches!(
                        path.segments.as_slice(),
                        [single] if matches!(single.name.as_str(), "i64" | "f64" | "bool" | "str")
                    );
                    if !primitive && self.lower_type_path(&path.segments, path.id).is_error() {
                        return Ty::Error;
                    }
                    let name = path.display();
                    self.error(
                        Diagnostic::error(
                            codes::WRONG_TYPE_ARGS,
                            format!("`{name}` does not take type arguments"),
                            self.loc(path.id),
                        )
                        .with_label("not a generic type")
                        .with_hint("Only `Option<T>`, `Result<T, E>` and `Map<K, V>` take type arguments; user-defined generics are not supported yet."),
                    );
                    return Ty::Error;
                };
                if lowered.len() != g.arity() {
                    self.error(
                        Diagnostic::error(
                            codes::WRONG_TYPE_ARGS,
                            format!(
                                "`{}` takes {} type argument{}, but {} {} given",
                                g.name(),
                                g.arity(),
                                if g.arity() == 1 { "" } else { "s" },
                                lowered.len(),
                                if lowered.len() == 1 { "was" } else { "were" }
                            ),
                            self.loc(tref.id),
                        )
                        .with_label("wrong number of type arguments")
                        .with_hint(prelude_type_example(g)),
                    );
                    return Ty::Error;
                }
                Ty::App(g, Arc::new(lowered))
            }
        }
    }

    /// The prelude type `name` stands for here, unless an item of the package shadows it.
    pub fn prelude_type(&mut self, name: &str) -> Option<Generic> {
        let g = Generic::by_name(name)?;
        self.resolve_name(&Name::new(name)).is_none().then_some(g)
    }

    #[allow(clippy::needless_pass_by_ref_mut)]
    fn lower_type_path(&mut self, segments: &[Ident], node: NodeId) -> Ty {
        match self.walk_path(segments) {
            Walk::Reported => Ty::Error,
            Walk::NotFound { module, index } => {
                let seg = &segments[index];
                let (place, suggestion) = match &module {
                    None => (
                        "this scope".to_string(),
                        self.suggest_in_scope(&seg.name, &[NameClass::Type], PRIMITIVES),
                    ),
                    Some(m) => (
                        format!("module `{m}`"),
                        self.suggest_in_module(m, &seg.name, &[NameClass::Type]),
                    ),
                };
                let habit = module
                    .is_none()
                    .then(|| super::habits::type_name(&seg.name))
                    .flatten();
                let label = match (&habit, suggestion) {
                    (Some(h), _) => h.label.clone(),
                    (None, Some(s)) => format!("did you mean `{s}`?"),
                    (None, None) => "not found".to_string(),
                };
                let mut d = Diagnostic::error(
                    codes::UNRESOLVED_TYPE,
                    format!("cannot find type `{}` in {place}", seg.name),
                    self.loc(seg.id),
                )
                .with_label(label);
                if let Some(h) = habit {
                    d = d.with_hint(h.hint);
                }
                self.error(d);
                Ty::Error
            }
            Walk::Def { def, consumed } => {
                if consumed < segments.len() {
                    let (def_name, member) =
                        (&segments[consumed - 1].name, &segments[consumed].name);
                    self.error(
                        Diagnostic::error(
                            codes::NOT_A_TYPE,
                            format!("expected type, found `{def_name}::{member}`"),
                            self.loc(node),
                        )
                        .with_label("not a type")
                        .with_hint("Only structs and enums can be named as types; variants and functions cannot."),
                    );
                    return Ty::Error;
                }
                match def {
                    Def::Item {
                        id,
                        kind: DefKind::Struct,
                    } => Ty::Struct(Arc::new(id)),
                    Def::Item {
                        id,
                        kind: DefKind::Enum,
                    } => Ty::Enum(Arc::new(id)),
                    Def::Err => Ty::Error,
                    other => {
                        let name = segments.last().map(|s| s.name.as_str()).unwrap_or_default();
                        self.error(
                            Diagnostic::error(
                                codes::NOT_A_TYPE,
                                format!("expected type, found {} `{name}`", other.describe()),
                                self.loc(node),
                            )
                            .with_label("not a type"),
                        );
                        Ty::Error
                    }
                }
            }
        }
    }
}

/// How a prelude type is written, for hints.
fn prelude_type_example(g: Generic) -> &'static str {
    match g {
        Generic::Option => "Write the type of the value it may hold: `Option<i64>`.",
        Generic::Result => "Write the value and error types: `Result<i64, str>`.",
        Generic::Map => "Write the key and value types: `Map<str, i64>`.",
        Generic::Ordering => "`Ordering` takes no type arguments.",
    }
}
