//! A compact S-expression rendering of syntax trees, for tests and debugging dumps.
//!
//! Operators are written prefix (`(+ a b)`), calls as `(call f a)`, method calls as
//! `(.name receiver args…)`, field accesses as `(. base name)`; blocks list their statements,
//! statements with a `;` end in `;`, and the tail expression comes last without one. Patterns,
//! types, paths and `use` trees are written as in the source. Node ids and spans are left out:
//! two trees print the same exactly when they are equal up to ids.

use crate::ast::*;
use std::fmt::Write;

/// One line per item.
pub fn file_sexp(file: &ParsedFile) -> String {
    let mut out = String::new();
    for item in &file.items {
        out.push_str(&item_sexp(item));
        out.push('\n');
    }
    out
}

pub fn item_sexp(item: &Item) -> String {
    let mut p = Printer::default();
    p.item(item);
    p.out
}

pub fn expr_sexp(expr: &Expr) -> String {
    let mut p = Printer::default();
    p.expr(expr);
    p.out
}

pub fn block_sexp(block: &Block) -> String {
    let mut p = Printer::default();
    p.block(block);
    p.out
}

pub fn type_text(ty: &TypeRef) -> String {
    let mut p = Printer::default();
    p.ty(ty);
    p.out
}

pub fn pat_text(pat: &Pat) -> String {
    let mut p = Printer::default();
    p.pat(pat);
    p.out
}

#[derive(Default)]
struct Printer {
    out: String,
}

impl Printer {
    fn s(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn item(&mut self, item: &Item) {
        for attr in &item.attrs {
            let _ = write!(self.out, "#[{}] ", attr.name.name);
        }
        if item.vis == Visibility::Public {
            self.s("pub ");
        }
        match &item.kind {
            ItemKind::Fn(f) => self.func(f),
            ItemKind::Method(m) => {
                let _ = write!(self.out, "(method {} ", m.self_ty.name);
                self.func(&m.func);
                self.s(")");
            }
            ItemKind::Struct(s) => {
                let _ = write!(self.out, "(struct {}", s.name.name);
                for field in &s.fields {
                    self.s(" (");
                    if field.vis == Visibility::Public {
                        self.s("pub ");
                    }
                    let _ = write!(self.out, "{} ", field.name.name);
                    self.ty(&field.ty);
                    self.s(")");
                }
                self.s(")");
            }
            ItemKind::Enum(e) => {
                let _ = write!(self.out, "(enum {}", e.name.name);
                for variant in &e.variants {
                    self.s(" ");
                    if variant.fields.is_empty() {
                        self.s(&variant.name.name);
                        continue;
                    }
                    let _ = write!(self.out, "({}", variant.name.name);
                    for ty in &variant.fields {
                        self.s(" ");
                        self.ty(ty);
                    }
                    self.s(")");
                }
                self.s(")");
            }
            ItemKind::Const(c) => {
                let _ = write!(self.out, "(const {} ", c.name.name);
                self.ty(&c.ty);
                self.s(" ");
                self.expr(&c.value);
                self.s(")");
            }
            ItemKind::Use(u) => {
                self.s("(use ");
                self.use_tree(&u.tree);
                self.s(")");
            }
        }
    }

    fn func(&mut self, f: &FnDef) {
        let _ = write!(self.out, "(fn {} (", f.name.name);
        let mut first = true;
        if let Some(sp) = &f.self_param {
            self.s(if sp.mutable { "mut self" } else { "self" });
            first = false;
        }
        for param in &f.params {
            if !first {
                self.s(" ");
            }
            first = false;
            self.s("(");
            if param.mutable {
                self.s("mut ");
            }
            let _ = write!(self.out, "{} ", param.name.name);
            self.ty(&param.ty);
            self.s(")");
        }
        self.s(")");
        if let Some(ret) = &f.ret {
            self.s(" -> ");
            self.ty(ret);
        }
        self.s(" ");
        self.block(&f.body);
        self.s(")");
    }

    fn use_tree(&mut self, tree: &UseTree) {
        for segment in &tree.prefix {
            let _ = write!(self.out, "{}::", segment.name);
        }
        match &tree.kind {
            UseTreeKind::Single { name, alias } => {
                self.s(&name.name);
                if let Some(alias) = alias {
                    let _ = write!(self.out, " as {}", alias.name);
                }
            }
            UseTreeKind::Glob => self.s("*"),
            UseTreeKind::Group(trees) => {
                self.s("{");
                self.joined(trees, ", ", Self::use_tree);
                self.s("}");
            }
        }
    }

    /// Prints `items` with `print`, `sep` between them.
    fn joined<T>(&mut self, items: &[T], sep: &str, mut print: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.s(sep);
            }
            print(self, item);
        }
    }

    fn path(&mut self, path: &Path) {
        for (i, segment) in path.segments.iter().enumerate() {
            if i > 0 {
                self.s("::");
            }
            self.s(&segment.name);
        }
    }

    fn ty(&mut self, ty: &TypeRef) {
        match &ty.kind {
            TypeRefKind::Path(path) => self.path(path),
            TypeRefKind::Array(inner) => {
                self.s("[");
                self.ty(inner);
                self.s("]");
            }
            TypeRefKind::Unit => self.s("()"),
            TypeRefKind::Tuple(elems) => {
                self.s("(");
                self.joined(elems, ", ", Self::ty);
                self.s(")");
            }
            TypeRefKind::Generic { path, args } => {
                self.path(path);
                self.s("<");
                self.joined(args, ", ", Self::ty);
                self.s(">");
            }
            TypeRefKind::Fn { params, ret } => {
                self.s("fn(");
                self.joined(params, ", ", Self::ty);
                self.s(")");
                if let Some(ret) = ret {
                    self.s(" -> ");
                    self.ty(ret);
                }
            }
            TypeRefKind::Error => self.s("<error>"),
        }
    }

    fn lit(&mut self, lit: &Literal) {
        match lit {
            Literal::Int(v) => {
                let _ = write!(self.out, "{v}");
            }
            Literal::Float(bits) => {
                let _ = write!(self.out, "{:?}", f64::from_bits(*bits));
            }
            Literal::Str(s) => {
                let _ = write!(self.out, "{:?}", s.as_str());
            }
            Literal::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
        }
    }

    fn pat(&mut self, pat: &Pat) {
        match &pat.kind {
            PatKind::Wild => self.s("_"),
            PatKind::Bind { mutable, name } => {
                if *mutable {
                    self.s("mut ");
                }
                self.s(&name.name);
            }
            PatKind::Lit(lit) => self.lit(lit),
            PatKind::Path(path) => self.path(path),
            PatKind::Variant { path, fields } => {
                self.path(path);
                self.s("(");
                self.joined(fields, ", ", Self::pat);
                self.s(")");
            }
            PatKind::Or(alternatives) => {
                self.joined(alternatives, " | ", Self::pat);
            }
            PatKind::Tuple(elems) => {
                self.s("(");
                self.joined(elems, ", ", Self::pat);
                self.s(",)");
            }
            PatKind::Struct { path, fields, rest } => {
                self.path(path);
                self.s(" {");
                for f in fields {
                    let _ = write!(self.out, " {}: ", f.name.name);
                    self.pat(&f.pat);
                }
                if *rest {
                    self.s(" ..");
                }
                self.s(" }");
            }
            PatKind::Error => self.s("<error>"),
        }
    }

    fn block(&mut self, block: &Block) {
        self.s("(block");
        for stmt in &block.stmts {
            self.s(" ");
            match &stmt.kind {
                StmtKind::Let {
                    mutable,
                    name,
                    ty,
                    init,
                } => {
                    self.s("(let ");
                    if *mutable {
                        self.s("mut ");
                    }
                    self.s(&name.name);
                    if let Some(ty) = ty {
                        self.s(" : ");
                        self.ty(ty);
                    }
                    if let Some(init) = init {
                        self.s(" ");
                        self.expr(init);
                    }
                    self.s(")");
                }
                StmtKind::Expr { expr, semi } => {
                    self.expr(expr);
                    if *semi {
                        self.s(";");
                    }
                }
                StmtKind::LetPat { pat, ty, init } => {
                    self.s("(let ");
                    self.pat(pat);
                    if let Some(ty) = ty {
                        self.s(" : ");
                        self.ty(ty);
                    }
                    self.s(" ");
                    self.expr(init);
                    self.s(")");
                }
                StmtKind::Empty => self.s(";"),
            }
        }
        if let Some(tail) = &block.tail {
            self.s(" ");
            self.expr(tail);
        }
        self.s(")");
    }

    fn list(&mut self, exprs: &[Expr]) {
        for e in exprs {
            self.s(" ");
            self.expr(e);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Lit(lit) => self.lit(lit),
            ExprKind::Path(path) => self.path(path),
            ExprKind::SelfValue => self.s("self"),
            ExprKind::Unary(op, operand) => {
                self.s(match op {
                    UnOp::Neg => "(neg ",
                    UnOp::Not => "(not ",
                });
                self.expr(operand);
                self.s(")");
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let _ = write!(self.out, "({} ", op.as_str());
                self.expr(lhs);
                self.s(" ");
                self.expr(rhs);
                self.s(")");
            }
            ExprKind::Assign { op, target, value } => {
                let _ = write!(self.out, "({}= ", op.map_or("", BinOp::as_str));
                self.expr(target);
                self.s(" ");
                self.expr(value);
                self.s(")");
            }
            ExprKind::Call { callee, args } => {
                self.s("(call ");
                self.expr(callee);
                self.list(args);
                self.s(")");
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
            } => {
                let _ = write!(self.out, "(.{} ", method.name);
                self.expr(receiver);
                self.list(args);
                self.s(")");
            }
            ExprKind::Field { base, name } => {
                self.s("(. ");
                self.expr(base);
                let _ = write!(self.out, " {})", name.name);
            }
            ExprKind::Index { base, index } => {
                self.s("(index ");
                self.expr(base);
                self.s(" ");
                self.expr(index);
                self.s(")");
            }
            ExprKind::StructLit { path, fields } => {
                self.s("(struct ");
                self.path(path);
                for f in fields {
                    let _ = write!(self.out, " ({} ", f.name.name);
                    self.expr(&f.value);
                    self.s(")");
                }
                self.s(")");
            }
            ExprKind::Array(elements) => {
                self.s("[");
                self.joined(elements, " ", Self::expr);
                self.s("]");
            }
            ExprKind::Range { start, end } => {
                self.s("(.. ");
                self.expr(start);
                self.s(" ");
                self.expr(end);
                self.s(")");
            }
            ExprKind::Block(block) => self.block(block),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.s("(if ");
                self.expr(cond);
                self.s(" ");
                self.block(then_branch);
                if let Some(e) = else_branch {
                    self.s(" ");
                    self.expr(e);
                }
                self.s(")");
            }
            ExprKind::While { cond, body } => {
                self.s("(while ");
                self.expr(cond);
                self.s(" ");
                self.block(body);
                self.s(")");
            }
            ExprKind::Loop { body } => {
                self.s("(loop ");
                self.block(body);
                self.s(")");
            }
            ExprKind::For {
                pat,
                iterable,
                body,
            } => {
                self.s("(for ");
                self.pat(pat);
                self.s(" ");
                self.expr(iterable);
                self.s(" ");
                self.block(body);
                self.s(")");
            }
            ExprKind::Break => self.s("break"),
            ExprKind::Continue => self.s("continue"),
            ExprKind::Return(value) => match value {
                Some(v) => {
                    self.s("(return ");
                    self.expr(v);
                    self.s(")");
                }
                None => self.s("return"),
            },
            ExprKind::Match { scrutinee, arms } => {
                self.s("(match ");
                self.expr(scrutinee);
                for arm in arms {
                    self.s(" (");
                    self.pat(&arm.pat);
                    if let Some(guard) = &arm.guard {
                        self.s(" if ");
                        self.expr(guard);
                    }
                    self.s(" => ");
                    self.expr(&arm.body);
                    self.s(")");
                }
                self.s(")");
            }
            ExprKind::Tuple(elems) => {
                self.s("(tuple");
                self.list(elems);
                self.s(")");
            }
            ExprKind::Try(inner) => {
                self.s("(? ");
                self.expr(inner);
                self.s(")");
            }
            ExprKind::Closure(c) => {
                self.s("(closure (");
                for (i, p) in c.params.iter().enumerate() {
                    if i > 0 {
                        self.s(" ");
                    }
                    self.s(&p.name.name);
                    if let Some(ty) = &p.ty {
                        self.s(": ");
                        self.ty(ty);
                    }
                }
                self.s(")");
                if let Some(ret) = &c.ret {
                    self.s(" -> ");
                    self.ty(ret);
                }
                self.s(" ");
                self.expr(&c.body);
                self.s(")");
            }
            ExprKind::IfLet {
                pat,
                scrutinee,
                then_branch,
                else_branch,
            } => {
                self.s("(if-let ");
                self.pat(pat);
                self.s(" ");
                self.expr(scrutinee);
                self.s(" ");
                self.block(then_branch);
                if let Some(e) = else_branch {
                    self.s(" ");
                    self.expr(e);
                }
                self.s(")");
            }
            ExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => {
                self.s("(while-let ");
                self.pat(pat);
                self.s(" ");
                self.expr(scrutinee);
                self.s(" ");
                self.block(body);
                self.s(")");
            }
            ExprKind::Error => self.s("<error>"),
        }
    }
}
