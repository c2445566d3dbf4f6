//! Completion: what may be written at the cursor, from the checker's view of the code there.
//!
//! The context is read from the text just before the identifier being typed (`.` → members of
//! the receiver's type, `path::` → members of what the path names) and from the syntax tree
//! (a struct literal's braces → its missing fields, a `match`'s arms → the variants of the
//! scrutinee's type); anywhere else, every name in scope.

use super::hover::{builtin_label, fn_label, variant_label};
use super::index::{Visit, visit_item};
use super::resolve::{Target, walk};
use super::{Completion, FileCx, SymbolKind, TextRange};
use crate::ast::{
    Block, Expr, ExprKind, Ident, ItemKind, NodeId, Pat, PatKind, StmtKind, Visibility,
};
use crate::db::{ItemKey, ModuleKey};
use crate::ids::{ItemId, ModulePath};
use crate::sema::builtins::{self, ReceiverKind};
use crate::sema::scope::{self, Def, DefKind};
use crate::sema::{Generic, InferenceResult, LocalKind, PVariant, Resolution, Ty, infer_body};
use std::collections::BTreeMap;
use std::sync::Arc;

const KEYWORDS: &[&str] = &[
    "break", "const", "continue", "else", "enum", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mut", "pub", "return", "self", "struct", "true", "use", "while",
];
const PRIMITIVES: &[&str] = &["i64", "f64", "bool", "str"];

fn is_ident_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// Whether `label` matches what is typed (a case-insensitive subsequence).
fn matches(label: &str, typed: &str) -> bool {
    let mut chars = label.chars().map(|c| c.to_ascii_lowercase());
    typed
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .all(|q| chars.any(|c| c == q))
}

fn item(label: &str, kind: SymbolKind, detail: Option<String>) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail,
        insert_text: None,
    }
}

pub fn completions(cx: &FileCx<'_>, offset: u32) -> Vec<Completion> {
    let bytes = cx.text.as_bytes();
    let mut start = offset as usize;
    while start > 0 && is_ident_char(bytes[start - 1]) {
        start -= 1;
    }
    let typed = cx.text.get(start..offset as usize).unwrap_or("");
    if typed.starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    let before = cx.text.get(..start).unwrap_or("");
    let trimmed = before.trim_end();
    let mut out = if trimmed.ends_with('.') && !trimmed.ends_with("..") {
        members(cx, offset, trimmed.len() as u32 - 1)
    } else if let Some(path) = trimmed.strip_suffix("::") {
        path_members(cx, offset, path)
    } else if let Some(path) = use_group_path(cx, offset, trimmed) {
        path_members(cx, offset, path)
    } else {
        in_scope(cx, offset)
    };
    out.retain(|c| matches(&c.label, typed));
    out
}

/// In a `use` declaration's group (`use a::b::{c, |`), the text up to the group's path
/// (`use a::b`), whose members are what may be written.
fn use_group_path<'t>(cx: &FileCx<'_>, offset: u32, before: &'t str) -> Option<&'t str> {
    let index = cx.item_at(offset)?;
    if !matches!(cx.items[index].1.interface(cx.db).kind, ItemKind::Use(_)) {
        return None;
    }
    if !(before.ends_with('{') || before.ends_with(',')) {
        return None;
    }
    let item_start = cx.map(index)?.item_span.start as usize;
    let mut depth = 0;
    for (i, c) in before.char_indices().rev() {
        if i < item_start {
            break;
        }
        match c {
            '}' => depth += 1,
            '{' if depth == 0 => return before[..i].trim_end().strip_suffix("::"),
            '{' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The item the cursor is in and its id.
fn item_here(cx: &FileCx<'_>, offset: u32) -> Option<(usize, ItemId)> {
    let index = cx.item_at(offset)?;
    Some((index, cx.items[index].0.clone()))
}

// ----- after `.` ------------------------------------------------------------------------------

/// Fields and methods of the type of the expression that ends at the `.` at `dot`.
fn members(cx: &FileCx<'_>, offset: u32, dot: u32) -> Vec<Completion> {
    let Some((index, id)) = item_here(cx, offset) else {
        return Vec::new();
    };
    let Some(body) = infer_body(cx.db, ItemKey::new(cx.db, id.clone())).clone() else {
        return Vec::new();
    };
    let Some(map) = cx.map(index) else {
        return Vec::new();
    };
    let end = cx.text.get(..dot as usize).unwrap_or("").trim_end().len() as u32;
    // The smallest typed expression ending at the dot is the receiver (in `a + b.` it is `b`).
    let receiver = map
        .spans
        .iter()
        .enumerate()
        .filter(|(node, span)| {
            span.end == end && span.start < end && body.ty(NodeId(*node as u32)).is_some()
        })
        .min_by_key(|(_, span)| span.end - span.start)
        .and_then(|(node, _)| body.ty(NodeId(node as u32)).cloned());
    let Some(ty) = receiver else {
        return Vec::new();
    };
    type_members(cx.db, &id.module, &ty)
}

fn type_members(db: &dyn salsa::Database, here: &ModulePath, ty: &Ty) -> Vec<Completion> {
    let mut out = Vec::new();
    match ty {
        Ty::Struct(sid) => {
            if let Some(info) = crate::sema::struct_info(db, ItemKey::new(db, (**sid).clone())) {
                for f in &info.fields {
                    if f.vis == Visibility::Public || sid.module == *here {
                        out.push(item(&f.name, SymbolKind::Field, Some(f.ty.to_string())));
                    }
                }
            }
            out.extend(methods(db, here, sid, true));
        }
        Ty::Enum(eid) => out.extend(methods(db, here, eid, true)),
        Ty::Tuple(elems) => {
            for (i, t) in elems.iter().enumerate() {
                out.push(item(&i.to_string(), SymbolKind::Field, Some(t.to_string())));
            }
        }
        _ => {}
    }
    if let Some(kind) = ReceiverKind::of(ty) {
        let mut seen = std::collections::HashSet::new();
        for name in builtins::method_names(kind) {
            if seen.insert(name)
                && let Some(b) = builtins::lookup_method(kind, name)
            {
                out.push(item(
                    name,
                    SymbolKind::Method,
                    Some(super::hover::builtin_label_on(b, Some(ty)).0),
                ));
            }
        }
    }
    out
}

/// The methods (`with_self`) or associated functions of a type visible from `here`.
fn methods(
    db: &dyn salsa::Database,
    here: &ModulePath,
    owner: &ItemId,
    with_self: bool,
) -> Vec<Completion> {
    let scope = scope::module_scope(db, ModuleKey::new(db, owner.module.clone()));
    let mut out: Vec<Completion> = scope
        .methods
        .get(&owner.name)
        .into_iter()
        .flat_map(|m| m.iter())
        .filter(|(_, d)| {
            d.has_self == with_self && (d.vis == Visibility::Public || owner.module == *here)
        })
        .map(|(name, d)| item(name, SymbolKind::Method, fn_label(db, &d.id).map(|l| l.0)))
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

// ----- after `path::` -------------------------------------------------------------------------

fn path_members(cx: &FileCx<'_>, offset: u32, before: &str) -> Vec<Completion> {
    let Some((_, id)) = item_here(cx, offset) else {
        return Vec::new();
    };
    // The path written before `::`, read backwards: `a::b::`.
    let mut segments: Vec<Ident> = Vec::new();
    let mut rest = before;
    loop {
        let name_start = rest
            .char_indices()
            .rev()
            .find(|(_, c)| !(*c == '_' || c.is_ascii_alphanumeric()))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let name = &rest[name_start..];
        if name.is_empty() {
            break;
        }
        segments.push(Ident {
            id: NodeId(0),
            name: name.into(),
        });
        match rest[..name_start].trim_end().strip_suffix("::") {
            Some(r) => rest = r.trim_end(),
            None => break,
        }
    }
    segments.reverse();
    if segments.is_empty() {
        return Vec::new();
    }
    let db = cx.db;
    match walk(db, &id, &segments) {
        Some(Target::Module(m)) => module_members(db, &id.module, &m),
        Some(Target::Item(owner)) => {
            let mut out = Vec::new();
            if let Some(info) = crate::sema::enum_info(db, ItemKey::new(db, owner.clone())) {
                for (i, v) in info.variants.iter().enumerate() {
                    out.push(item(
                        &v.name,
                        SymbolKind::Variant,
                        variant_label(db, &owner, i as u32),
                    ));
                }
            }
            out.extend(methods(db, &id.module, &owner, false));
            out
        }
        Some(Target::PreludeType(g)) => {
            let mut out: Vec<Completion> = PVariant::of(g)
                .iter()
                .map(|v| item(v.name(), SymbolKind::Variant, None))
                .collect();
            if g == Generic::Map
                && let Some(b) = builtins::lookup_assoc("Map", "new")
            {
                out.push(item("new", SymbolKind::Function, Some(builtin_label(b).0)));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The names of a module that code in `here` may use.
fn module_members(
    db: &dyn salsa::Database,
    here: &ModulePath,
    module: &ModulePath,
) -> Vec<Completion> {
    let key = ModuleKey::new(db, module.clone());
    let mut out = Vec::new();
    for info in scope::scope_names(db, key).iter() {
        if !info.public && module != here {
            continue;
        }
        let entry = scope::module_member(db, scope::ScopeName::new(db, key, info.name.clone()));
        if let Some(entry) = entry {
            out.push(def_completion(db, &info.name, &entry.def));
        }
    }
    out
}

fn def_completion(db: &dyn salsa::Database, name: &str, def: &Def) -> Completion {
    match def {
        Def::Item { id, kind } => {
            let kind = match kind {
                DefKind::Fn => SymbolKind::Function,
                DefKind::Struct => SymbolKind::Struct,
                DefKind::Enum => SymbolKind::Enum,
                DefKind::Const => SymbolKind::Const,
            };
            let detail = match kind {
                SymbolKind::Function => fn_label(db, id).map(|l| l.0),
                SymbolKind::Const => super::hover::item_signature(db, id),
                _ => None,
            };
            item(name, kind, detail)
        }
        Def::Module(m) => item(name, SymbolKind::Module, Some(format!("mod {}", m.0))),
        Def::Err => item(name, SymbolKind::Type, None),
    }
}

// ----- anywhere else --------------------------------------------------------------------------

fn in_scope(cx: &FileCx<'_>, offset: u32) -> Vec<Completion> {
    let db = cx.db;
    let here = item_here(cx, offset);
    let module = here
        .as_ref()
        .map_or_else(|| cx.module.clone(), |(_, id)| id.module.clone());
    if let Some((index, id)) = &here
        && let Some(special) = in_braces(cx, *index, id, offset)
    {
        return special;
    }
    let mut out = Vec::new();
    if let Some((index, id)) = &here
        && let Some(body) = infer_body(db, ItemKey::new(db, id.clone())).clone()
    {
        out.extend(locals(cx, *index, id, &body, offset));
    }
    let key = ModuleKey::new(db, module.clone());
    for info in scope::scope_names(db, key).iter() {
        if let Some(entry) =
            scope::resolve_name(db, scope::ScopeName::new(db, key, info.name.clone()))
        {
            out.push(def_completion(db, &info.name, &entry.def));
        }
    }
    // Top-level modules and dependencies, which every module can name.
    let tree = scope::module_tree(db);
    let root = crate::db::dependency_root(db, &module).unwrap_or_else(ModulePath::root);
    let mut tops: Vec<&str> = tree
        .modules
        .get(&root)
        .map(|c| c.iter().map(|n| n.as_str()).collect())
        .unwrap_or_default();
    tops.extend(crate::db::dependency_names(db).iter().map(|n| n.as_str()));
    for top in tops {
        if !out.iter().any(|c| c.label == top) {
            out.push(item(top, SymbolKind::Module, None));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for name in builtins::function_names() {
        if seen.insert(name)
            && let Some(b) = builtins::lookup_function(name)
        {
            out.push(item(name, SymbolKind::Function, Some(builtin_label(b).0)));
        }
    }
    for g in [
        Generic::Option,
        Generic::Result,
        Generic::Map,
        Generic::Ordering,
    ] {
        if !out.iter().any(|c| c.label == g.name()) {
            out.push(item(
                g.name(),
                if g == Generic::Map {
                    SymbolKind::Struct
                } else {
                    SymbolKind::Enum
                },
                None,
            ));
        }
    }
    for v in [PVariant::Some, PVariant::None, PVariant::Ok, PVariant::Err] {
        out.push(item(v.name(), SymbolKind::Variant, None));
    }
    for p in PRIMITIVES {
        out.push(item(p, SymbolKind::Type, None));
    }
    for k in KEYWORDS {
        out.push(item(k, SymbolKind::Keyword, None));
    }
    out
}

/// Inside a struct literal's braces (not in a field's value): its fields not given yet; inside
/// a `match`'s braces (not in an arm's guard or body): the variants of the scrutinee's type.
fn in_braces(cx: &FileCx<'_>, index: usize, id: &ItemId, offset: u32) -> Option<Vec<Completion>> {
    let db = cx.db;
    let ast = crate::db::item_ast(db, ItemKey::new(db, id.clone()))?;
    let body = infer_body(db, ItemKey::new(db, id.clone())).clone()?;
    let span = |n: NodeId| cx.span(index, n);
    let strictly_in = |r: TextRange| r.start < offset && offset <= r.end;
    let mut best: Option<(TextRange, Vec<Completion>)> = None;
    let bytes = cx.text.as_bytes();
    visit_item(&ast, &mut |v| {
        let Visit::Expr(e) = v else { return };
        let whole = span(e.id);
        if !(whole.start < offset && offset <= whole.end) {
            return;
        }
        if best
            .as_ref()
            .is_some_and(|(r, _)| r.end - r.start <= whole.end - whole.start)
        {
            return;
        }
        match &e.kind {
            ExprKind::StructLit { path, fields } => {
                let brace = span(path.id).end;
                if offset <= brace
                    || fields.iter().any(|f| {
                        strictly_in(span(f.value.id)) && span(f.value.id) != span(f.name.id)
                    })
                {
                    return;
                }
                let Some(Resolution::Struct(sid)) = body.resolution(e.id) else {
                    return;
                };
                let Some(info) = crate::sema::struct_info(db, ItemKey::new(db, (**sid).clone()))
                else {
                    return;
                };
                let given: Vec<&str> = fields
                    .iter()
                    .filter(|f| !(span(f.name.id).start <= offset && offset <= span(f.name.id).end))
                    .map(|f| f.name.name.as_str())
                    .collect();
                let list = info
                    .fields
                    .iter()
                    .filter(|f| !given.contains(&f.name.as_str()))
                    .filter(|f| f.vis == Visibility::Public || sid.module == id.module)
                    .map(|f| item(&f.name, SymbolKind::Field, Some(f.ty.to_string())))
                    .collect();
                best = Some((whole, list));
            }
            ExprKind::Match { scrutinee, arms } => {
                let after = span(scrutinee.id).end;
                let open = (after as usize..offset as usize).any(|i| bytes.get(i) == Some(&b'{'));
                if !open {
                    return;
                }
                let in_code = arms.iter().any(|a| {
                    strictly_in(span(a.body.id))
                        || a.guard.as_ref().is_some_and(|g| strictly_in(span(g.id)))
                });
                if in_code {
                    return;
                }
                let Some(ty) = body.ty(scrutinee.id) else {
                    return;
                };
                best = Some((whole, variants_of(db, ty)));
            }
            _ => {}
        }
    });
    best.map(|(_, list)| list).filter(|l| !l.is_empty())
}

/// The variants of an enum type, as they are written in a pattern.
fn variants_of(db: &dyn salsa::Database, ty: &Ty) -> Vec<Completion> {
    match ty {
        Ty::Enum(eid) => crate::sema::enum_info(db, ItemKey::new(db, (**eid).clone()))
            .map(|info| {
                info.variants
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let path = format!("{}::{}", eid.name, v.name);
                        let insert = if v.fields.is_empty() {
                            path.clone()
                        } else {
                            let blanks = vec!["_"; v.fields.len()].join(", ");
                            format!("{path}({blanks})")
                        };
                        Completion {
                            label: path,
                            kind: SymbolKind::Variant,
                            detail: variant_label(db, eid, i as u32),
                            insert_text: Some(insert),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Ty::App(g, _) => PVariant::of(*g)
            .iter()
            .map(|v| {
                let label = if *g == Generic::Ordering {
                    format!("Ordering::{}", v.name())
                } else {
                    v.name().to_string()
                };
                let insert = match v {
                    PVariant::Some | PVariant::Ok | PVariant::Err => Some(format!("{label}(_)")),
                    _ => None,
                };
                Completion {
                    label,
                    kind: SymbolKind::Variant,
                    detail: None,
                    insert_text: insert,
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The locals visible at `offset`: parameters, then bindings of enclosing scopes declared before
/// it, innermost last (a shadowed name is given once, with its innermost binding).
fn locals(
    cx: &FileCx<'_>,
    index: usize,
    id: &ItemId,
    body: &Arc<InferenceResult>,
    offset: u32,
) -> Vec<Completion> {
    let Some(ast) = crate::db::item_ast(cx.db, ItemKey::new(cx.db, id.clone())) else {
        return Vec::new();
    };
    let mut nodes: Vec<NodeId> = Vec::new();
    let mut w = ScopeWalk {
        cx,
        index,
        offset,
        out: &mut nodes,
    };
    match &ast.kind {
        ItemKind::Fn(f) | ItemKind::Method(crate::ast::MethodDef { func: f, .. }) => {
            w.block(&f.body)
        }
        ItemKind::Const(c) => w.expr(&c.value),
        _ => {}
    }
    let mut by_name: BTreeMap<String, (usize, Completion)> = BTreeMap::new();
    let params = body.params.iter().filter_map(|l| body.local(*l));
    let bound = nodes.iter().filter_map(|n| match body.resolution(*n) {
        Some(Resolution::Local(l)) => body.local(*l),
        _ => None,
    });
    for (order, local) in params.chain(bound).enumerate() {
        let kind = match local.kind {
            LocalKind::Param | LocalKind::SelfParam => SymbolKind::Parameter,
            _ => SymbolKind::Local,
        };
        by_name.insert(
            local.name.to_string(),
            (order, item(&local.name, kind, Some(local.ty.to_string()))),
        );
    }
    let mut list: Vec<(usize, Completion)> = by_name.into_values().collect();
    list.sort_by_key(|(order, _)| std::cmp::Reverse(*order));
    list.into_iter().map(|(_, c)| c).collect()
}

/// Walks down to `offset`, collecting the binding nodes in scope there.
struct ScopeWalk<'a, 'b> {
    cx: &'a FileCx<'b>,
    index: usize,
    offset: u32,
    out: &'a mut Vec<NodeId>,
}

impl ScopeWalk<'_, '_> {
    fn span(&self, n: NodeId) -> TextRange {
        self.cx.span(self.index, n)
    }

    fn contains(&self, n: NodeId) -> bool {
        let r = self.span(n);
        r.start <= self.offset && self.offset <= r.end
    }

    fn bindings(&mut self, p: &Pat) {
        match &p.kind {
            PatKind::Bind { name, .. } => self.out.push(name.id),
            PatKind::Tuple(ps) | PatKind::Variant { fields: ps, .. } | PatKind::Or(ps) => {
                ps.iter().for_each(|p| self.bindings(p))
            }
            PatKind::Struct { fields, .. } => fields.iter().for_each(|f| self.bindings(&f.pat)),
            _ => {}
        }
    }

    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            let r = self.span(s.id);
            if r.end <= self.offset {
                match &s.kind {
                    // `let x = x|`: the binding is not in scope in its own initializer.
                    StmtKind::Let { name, .. }
                        if name.name != "_"
                            && (r.end < self.offset
                                || self
                                    .cx
                                    .text
                                    .as_bytes()
                                    .get(..r.end as usize)
                                    .and_then(|b| b.last())
                                    == Some(&b';')) =>
                    {
                        self.out.push(name.id)
                    }
                    StmtKind::LetPat { pat, .. } => self.bindings(pat),
                    _ => {}
                }
            }
            if r.start <= self.offset && self.offset <= r.end {
                match &s.kind {
                    StmtKind::Let { init: Some(e), .. } | StmtKind::LetPat { init: e, .. } => {
                        self.expr(e)
                    }
                    StmtKind::Expr { expr, .. } => self.expr(expr),
                    _ => {}
                }
            }
        }
        if let Some(t) = &b.tail
            && self.contains(t.id)
        {
            self.expr(t);
        }
    }

    fn in_block(&mut self, b: &Block) {
        if self.contains(b.id) {
            self.block(b);
        }
    }

    fn sub(&mut self, e: &Expr) {
        if self.contains(e.id) {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Closure(c) => {
                for p in &c.params {
                    self.out.push(p.name.id);
                }
                self.sub(&c.body);
            }
            ExprKind::Block(b) | ExprKind::Loop { body: b } => self.in_block(b),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.sub(cond);
                self.in_block(then_branch);
                if let Some(x) = else_branch {
                    self.sub(x);
                }
            }
            ExprKind::IfLet {
                pat,
                scrutinee,
                then_branch,
                else_branch,
            } => {
                self.sub(scrutinee);
                if self.contains(then_branch.id) {
                    self.bindings(pat);
                    self.block(then_branch);
                }
                if let Some(x) = else_branch {
                    self.sub(x);
                }
            }
            ExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            }
            | ExprKind::For {
                pat,
                iterable: scrutinee,
                body,
            } => {
                self.sub(scrutinee);
                if self.contains(body.id) {
                    self.bindings(pat);
                    self.block(body);
                }
            }
            ExprKind::While { cond, body } => {
                self.sub(cond);
                self.in_block(body);
            }
            ExprKind::Match { scrutinee, arms } => {
                self.sub(scrutinee);
                for arm in arms {
                    let in_guard = arm.guard.as_ref().is_some_and(|g| self.contains(g.id));
                    if self.contains(arm.body.id) || in_guard {
                        self.bindings(&arm.pat);
                        if let Some(g) = &arm.guard {
                            self.sub(g);
                        }
                        self.sub(&arm.body);
                    }
                }
            }
            ExprKind::Unary(_, x) | ExprKind::Try(x) | ExprKind::Field { base: x, .. } => {
                self.sub(x)
            }
            ExprKind::Return(Some(x)) => self.sub(x),
            ExprKind::Binary(_, a, b)
            | ExprKind::Assign {
                target: a,
                value: b,
                ..
            }
            | ExprKind::Index { base: a, index: b }
            | ExprKind::Range { start: a, end: b } => {
                self.sub(a);
                self.sub(b);
            }
            ExprKind::Call { callee, args } => {
                self.sub(callee);
                args.iter().for_each(|a| self.sub(a));
            }
            ExprKind::MethodCall { receiver, args, .. } => {
                self.sub(receiver);
                args.iter().for_each(|a| self.sub(a));
            }
            ExprKind::StructLit { fields, .. } => fields.iter().for_each(|f| self.sub(&f.value)),
            ExprKind::Array(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(|x| self.sub(x)),
            _ => {}
        }
    }
}
