//! The identifiers of one item and what each is syntactically (a declared name, a path segment,
//! a method name, a field…): a position-free query per item, so that finding what is under the
//! cursor reads one small table instead of walking the tree, and is reused until the item
//! changes.

use crate::ast::{
    Block, Expr, ExprKind, Ident, Item, ItemKind, Name, NodeId, Pat, PatKind, Path, Stmt, StmtKind,
    TypeRef, TypeRefKind, UseTree, UseTreeKind,
};
use crate::db::{self, ItemKey};
use std::sync::Arc;

/// The node whose resolution says what a path means (for its last segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathOwner {
    /// A path expression (its node has the resolution).
    Expr(NodeId),
    /// A path in a pattern (`Shape::Circle(r)`, `Point { .. }`): the pattern's node.
    Pat(NodeId),
    /// The path of a struct literal: the literal's node.
    StructLit(NodeId),
    /// A type as written: resolved by name.
    Type,
}

/// What an identifier of an item is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The name the item declares.
    ItemName,
    /// The type named in `impl Type` of a method.
    ImplType,
    /// The name of the `n`-th field of a struct item.
    FieldDecl(u32),
    /// The name of the `n`-th variant of an enum item.
    VariantDecl(u32),
    /// A name that declares a local variable (a `let`, parameter, closure parameter or binding
    /// pattern); its node has the `Local` resolution.
    Binding,
    /// Segment `seg` of the path `path` (an index into [`ItemIdents::paths`]).
    Path {
        path: u32,
        seg: u32,
        owner: PathOwner,
    },
    /// The method name of a method call (the call's node has the resolution).
    Method { call: NodeId, receiver: NodeId },
    /// The field name of a field access.
    Field { expr: NodeId },
    /// The field name of a struct literal's field initializer. In the shorthand `Point { x }`
    /// the parser adds a path `x` at the same position (told apart by positions, not here).
    FieldInit { init: NodeId },
    /// The field name of a struct pattern's field (the shorthand `Point { x }` has a binding at
    /// the same position).
    FieldPat { field: NodeId },
    /// Segment `seg` of the full path of the `use` leaf whose tree node is `leaf`.
    Use { leaf: NodeId, seg: u32 },
    /// The `as` name of a `use` leaf.
    UseAlias { leaf: NodeId },
    /// The name of an attribute.
    Attr,
    /// `self` as a parameter (`node` is the parameter's node).
    SelfParam,
    /// `self` as a value (`node` is the expression's, which has the resolution).
    SelfValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdentEntry {
    pub node: NodeId,
    pub name: Name,
    pub role: Role,
}

/// The identifiers of an item in tree order, and the paths they belong to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ItemIdents {
    pub idents: Vec<IdentEntry>,
    pub paths: Vec<Vec<Ident>>,
    /// Every call's node with the node of its callee expression and its argument nodes
    /// (method calls: the receiver is not an argument).
    pub calls: Vec<CallEntry>,
}

/// A call or method call of an item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallEntry {
    pub call: NodeId,
    /// The callee expression, or for a method call its name.
    pub callee: NodeId,
    pub args: Vec<NodeId>,
    pub method: bool,
}

/// The identifiers of one item (see [`ItemIdents`]). Position-free: it changes only when the
/// item's tree does.
#[salsa::tracked(returns(ref))]
pub fn item_idents<'db>(db: &'db dyn salsa::Database, item: ItemKey<'db>) -> Arc<ItemIdents> {
    let Some(ast) = db::item_ast(db, item) else {
        return Arc::default();
    };
    let mut w = Walker::default();
    w.item(&ast);
    Arc::new(w.out)
}

#[derive(Default)]
struct Walker {
    out: ItemIdents,
}

impl Walker {
    fn push(&mut self, ident: &Ident, role: Role) {
        self.out.idents.push(IdentEntry {
            node: ident.id,
            name: ident.name.clone(),
            role,
        });
    }

    fn path(&mut self, path: &Path, owner: PathOwner) {
        let index = self.out.paths.len() as u32;
        self.out.paths.push(path.segments.clone());
        for (seg, ident) in path.segments.iter().enumerate() {
            self.push(
                ident,
                Role::Path {
                    path: index,
                    seg: seg as u32,
                    owner,
                },
            );
        }
    }

    fn item(&mut self, item: &Item) {
        for attr in &item.attrs {
            self.push(&attr.name, Role::Attr);
        }
        match &item.kind {
            ItemKind::Fn(f) => {
                self.push(&f.name, Role::ItemName);
                self.func(f);
            }
            ItemKind::Method(m) => {
                self.push(&m.self_ty, Role::ImplType);
                self.push(&m.func.name, Role::ItemName);
                self.func(&m.func);
            }
            ItemKind::Struct(s) => {
                self.push(&s.name, Role::ItemName);
                for (i, field) in s.fields.iter().enumerate() {
                    self.push(&field.name, Role::FieldDecl(i as u32));
                    self.ty(&field.ty);
                }
            }
            ItemKind::Enum(e) => {
                self.push(&e.name, Role::ItemName);
                for (i, variant) in e.variants.iter().enumerate() {
                    self.push(&variant.name, Role::VariantDecl(i as u32));
                    for ty in &variant.fields {
                        self.ty(ty);
                    }
                }
            }
            ItemKind::Const(c) => {
                self.push(&c.name, Role::ItemName);
                self.ty(&c.ty);
                self.expr(&c.value);
            }
            ItemKind::Use(u) => self.use_tree(&u.tree, &mut Vec::new()),
        }
    }

    fn use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<Ident>) {
        let depth = prefix.len();
        prefix.extend(tree.prefix.iter().cloned());
        match &tree.kind {
            UseTreeKind::Single { name, alias } => {
                for (seg, ident) in prefix.iter().chain(std::iter::once(name)).enumerate() {
                    self.push(
                        ident,
                        Role::Use {
                            leaf: tree.id,
                            seg: seg as u32,
                        },
                    );
                }
                if let Some(alias) = alias {
                    self.push(alias, Role::UseAlias { leaf: tree.id });
                }
            }
            UseTreeKind::Glob => {
                for (seg, ident) in prefix.iter().enumerate().skip(depth) {
                    self.push(
                        ident,
                        Role::Use {
                            leaf: tree.id,
                            seg: seg as u32,
                        },
                    );
                }
            }
            UseTreeKind::Group(trees) => {
                // The group's own prefix segments are attributed to its first leaf.
                if let Some(first) = trees.first() {
                    for (seg, ident) in prefix.iter().enumerate().skip(depth) {
                        self.push(
                            ident,
                            Role::Use {
                                leaf: first.id,
                                seg: seg as u32,
                            },
                        );
                    }
                }
                for t in trees {
                    self.use_tree_inner(t, prefix);
                }
            }
        }
        prefix.truncate(depth);
    }

    /// A tree inside a group: the group's prefix is already recorded.
    fn use_tree_inner(&mut self, tree: &UseTree, prefix: &mut Vec<Ident>) {
        let before = self.out.idents.len();
        let outer = prefix.len();
        self.use_tree(tree, prefix);
        // Drop the entries `use_tree` made again for the group's prefix.
        let mut i = before;
        self.out.idents.retain(|e| {
            let keep =
                i < before || !matches!(e.role, Role::Use { seg, .. } if (seg as usize) < outer);
            i += 1;
            keep
        });
    }

    fn func(&mut self, f: &crate::ast::FnDef) {
        if let Some(s) = &f.self_param {
            self.out.idents.push(IdentEntry {
                node: s.id,
                name: Name::from("self"),
                role: Role::SelfParam,
            });
        }
        for p in &f.params {
            self.push(&p.name, Role::Binding);
            self.ty(&p.ty);
        }
        if let Some(ret) = &f.ret {
            self.ty(ret);
        }
        self.block(&f.body);
    }

    fn ty(&mut self, t: &TypeRef) {
        match &t.kind {
            TypeRefKind::Path(p) => self.path(p, PathOwner::Type),
            TypeRefKind::Array(e) => self.ty(e),
            TypeRefKind::Tuple(ts) => ts.iter().for_each(|t| self.ty(t)),
            TypeRefKind::Generic { path, args } => {
                self.path(path, PathOwner::Type);
                args.iter().for_each(|t| self.ty(t));
            }
            TypeRefKind::Fn { params, ret } => {
                params.iter().for_each(|t| self.ty(t));
                if let Some(r) = ret {
                    self.ty(r);
                }
            }
            TypeRefKind::Unit | TypeRefKind::Error => {}
        }
    }

    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
        if let Some(t) = &b.tail {
            self.expr(t);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, ty, init, .. } => {
                if name.name != "_" {
                    self.push(name, Role::Binding);
                }
                if let Some(t) = ty {
                    self.ty(t);
                }
                if let Some(e) = init {
                    self.expr(e);
                }
            }
            StmtKind::LetPat { pat, ty, init } => {
                self.pat(pat);
                if let Some(t) = ty {
                    self.ty(t);
                }
                self.expr(init);
            }
            StmtKind::Expr { expr, .. } => self.expr(expr),
            StmtKind::Empty => {}
        }
    }

    fn pat(&mut self, p: &Pat) {
        match &p.kind {
            PatKind::Bind { name, .. } => self.push(name, Role::Binding),
            PatKind::Path(path) => self.path(path, PathOwner::Pat(p.id)),
            PatKind::Variant { path, fields } => {
                self.path(path, PathOwner::Pat(p.id));
                fields.iter().for_each(|f| self.pat(f));
            }
            PatKind::Or(ps) | PatKind::Tuple(ps) => ps.iter().for_each(|p| self.pat(p)),
            PatKind::Struct { path, fields, .. } => {
                self.path(path, PathOwner::Pat(p.id));
                for f in fields {
                    self.push(&f.name, Role::FieldPat { field: f.id });
                    self.pat(&f.pat);
                }
            }
            PatKind::Wild | PatKind::Lit(_) | PatKind::Error => {}
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Path(p) => self.path(p, PathOwner::Expr(e.id)),
            ExprKind::SelfValue => self.out.idents.push(IdentEntry {
                node: e.id,
                name: Name::from("self"),
                role: Role::SelfValue,
            }),
            ExprKind::Lit(_) | ExprKind::Break | ExprKind::Continue | ExprKind::Error => {}
            ExprKind::Unary(_, x) | ExprKind::Try(x) => self.expr(x),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Assign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                args.iter().for_each(|a| self.expr(a));
                self.out.calls.push(CallEntry {
                    call: e.id,
                    callee: callee.id,
                    args: args.iter().map(|a| a.id).collect(),
                    method: false,
                });
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
            } => {
                self.expr(receiver);
                self.push(
                    method,
                    Role::Method {
                        call: e.id,
                        receiver: receiver.id,
                    },
                );
                args.iter().for_each(|a| self.expr(a));
                self.out.calls.push(CallEntry {
                    call: e.id,
                    callee: method.id,
                    args: args.iter().map(|a| a.id).collect(),
                    method: true,
                });
            }
            ExprKind::Field { base, name } => {
                self.expr(base);
                self.push(name, Role::Field { expr: e.id });
            }
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::StructLit { path, fields } => {
                self.path(path, PathOwner::StructLit(e.id));
                for f in fields {
                    self.push(&f.name, Role::FieldInit { init: f.id });
                    self.expr(&f.value);
                }
            }
            ExprKind::Array(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::Closure(c) => {
                for p in &c.params {
                    self.push(&p.name, Role::Binding);
                    if let Some(t) = &p.ty {
                        self.ty(t);
                    }
                }
                if let Some(r) = &c.ret {
                    self.ty(r);
                }
                self.expr(&c.body);
            }
            ExprKind::Range { start, end } => {
                self.expr(start);
                self.expr(end);
            }
            ExprKind::Block(b) | ExprKind::Loop { body: b } => self.block(b),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.expr(cond);
                self.block(then_branch);
                if let Some(e) = else_branch {
                    self.expr(e);
                }
            }
            ExprKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            ExprKind::IfLet {
                pat,
                scrutinee,
                then_branch,
                else_branch,
            } => {
                self.pat(pat);
                self.expr(scrutinee);
                self.block(then_branch);
                if let Some(e) = else_branch {
                    self.expr(e);
                }
            }
            ExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => {
                self.pat(pat);
                self.expr(scrutinee);
                self.block(body);
            }
            ExprKind::For {
                pat,
                iterable,
                body,
            } => {
                self.pat(pat);
                self.expr(iterable);
                self.block(body);
            }
            ExprKind::Return(x) => {
                if let Some(x) = x {
                    self.expr(x);
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    self.pat(&arm.pat);
                    if let Some(g) = &arm.guard {
                        self.expr(g);
                    }
                    self.expr(&arm.body);
                }
            }
        }
    }
}

/// A node met by [`visit_item`].
pub enum Visit<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    Pat(&'a Pat),
}

/// Calls `f` on every statement, expression and pattern of an item, parents first.
pub fn visit_item<'a>(item: &'a Item, f: &mut dyn FnMut(Visit<'a>)) {
    match &item.kind {
        ItemKind::Fn(func) | ItemKind::Method(crate::ast::MethodDef { func, .. }) => {
            visit_block(&func.body, f)
        }
        ItemKind::Const(c) => visit_expr(&c.value, f),
        _ => {}
    }
}

fn visit_block<'a>(b: &'a Block, f: &mut dyn FnMut(Visit<'a>)) {
    for s in &b.stmts {
        f(Visit::Stmt(s));
        match &s.kind {
            StmtKind::Let { init, .. } => {
                if let Some(e) = init {
                    visit_expr(e, f);
                }
            }
            StmtKind::LetPat { pat, init, .. } => {
                visit_pat(pat, f);
                visit_expr(init, f);
            }
            StmtKind::Expr { expr, .. } => visit_expr(expr, f),
            StmtKind::Empty => {}
        }
    }
    if let Some(t) = &b.tail {
        visit_expr(t, f);
    }
}

fn visit_pat<'a>(p: &'a Pat, f: &mut dyn FnMut(Visit<'a>)) {
    f(Visit::Pat(p));
    match &p.kind {
        PatKind::Variant { fields, .. } | PatKind::Or(fields) | PatKind::Tuple(fields) => {
            fields.iter().for_each(|x| visit_pat(x, f))
        }
        PatKind::Struct { fields, .. } => fields.iter().for_each(|x| visit_pat(&x.pat, f)),
        _ => {}
    }
}

fn visit_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(Visit<'a>)) {
    f(Visit::Expr(e));
    match &e.kind {
        ExprKind::Unary(_, x) | ExprKind::Try(x) => visit_expr(x, f),
        ExprKind::Binary(_, a, b)
        | ExprKind::Assign {
            target: a,
            value: b,
            ..
        }
        | ExprKind::Index { base: a, index: b }
        | ExprKind::Range { start: a, end: b } => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        ExprKind::Call { callee, args } => {
            visit_expr(callee, f);
            args.iter().for_each(|a| visit_expr(a, f));
        }
        ExprKind::MethodCall { receiver, args, .. } => {
            visit_expr(receiver, f);
            args.iter().for_each(|a| visit_expr(a, f));
        }
        ExprKind::Field { base, .. } => visit_expr(base, f),
        ExprKind::StructLit { fields, .. } => fields.iter().for_each(|x| visit_expr(&x.value, f)),
        ExprKind::Array(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(|x| visit_expr(x, f)),
        ExprKind::Closure(c) => visit_expr(&c.body, f),
        ExprKind::Block(b) | ExprKind::Loop { body: b } => visit_block(b, f),
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => {
            visit_expr(cond, f);
            visit_block(then_branch, f);
            if let Some(x) = else_branch {
                visit_expr(x, f);
            }
        }
        ExprKind::While { cond, body } => {
            visit_expr(cond, f);
            visit_block(body, f);
        }
        ExprKind::IfLet {
            pat,
            scrutinee,
            then_branch,
            else_branch,
        } => {
            visit_pat(pat, f);
            visit_expr(scrutinee, f);
            visit_block(then_branch, f);
            if let Some(x) = else_branch {
                visit_expr(x, f);
            }
        }
        ExprKind::WhileLet {
            pat,
            scrutinee,
            body,
        } => {
            visit_pat(pat, f);
            visit_expr(scrutinee, f);
            visit_block(body, f);
        }
        ExprKind::For {
            pat,
            iterable,
            body,
        } => {
            visit_pat(pat, f);
            visit_expr(iterable, f);
            visit_block(body, f);
        }
        ExprKind::Return(Some(x)) => visit_expr(x, f),
        ExprKind::Match { scrutinee, arms } => {
            visit_expr(scrutinee, f);
            for arm in arms {
                visit_pat(&arm.pat, f);
                if let Some(g) = &arm.guard {
                    visit_expr(g, f);
                }
                visit_expr(&arm.body, f);
            }
        }
        _ => {}
    }
}
