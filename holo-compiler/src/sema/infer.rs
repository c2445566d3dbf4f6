//! Type inference and checking of one body (a function, method or constant initializer).
//!
//! Inference is local and bidirectional: an expected type flows down into array literals, `let`
//! annotations, call arguments, struct literal fields, branches and `return`; otherwise types
//! flow up. Unknown element types (`let mut xs = []`) are inference variables, unified as the
//! body goes on and solved at its end; one still unknown then is E0282.
//!
//! The result, [`InferenceResult`], is what the code generator consumes: the type of every
//! expression and pattern node, what every path, call, method call, field access and binding
//! resolves to, and the body's local variables. A body's inference depends only on the per-item
//! and per-name queries of what it actually uses, never on another body or on a module's whole
//! item list, so that editing one body re-infers that body alone.

use super::builtins::{self, Builtin, BuiltinId, ElemBound, ReceiverKind, Shape};
use super::exhaustive;
use super::items::{
    self, EnumInfo, FnSignature, MemberName, ResolveCx, SelfKind, StructInfo, Walk,
};
use super::scope::{Def, DefKind, ImportRef, MethodDecl, NameClass};
use super::ty::{FnTy, Generic, PVariant, Ty};
use crate::ast::{
    BinOp, Block, Closure, ConstDef, Expr, ExprKind, FnDef, Ident, ItemKind, Literal, Name, NodeId,
    Pat, PatKind, Path, Stmt, StmtKind, UnOp, Visibility,
};
use crate::db::{self, ItemKey};
use crate::diagnostic::{Diagnostic, Loc, codes};
use crate::ids::{ItemId, ModulePath};
use std::collections::HashMap;
use std::sync::Arc;

/// What an `if` tests: a condition, or a pattern (`if let`).
enum IfHead<'a> {
    Cond(&'a Expr),
    Let(&'a Pat, &'a Expr),
}

/// A local variable of a body: index into [`InferenceResult::locals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// How a local variable was introduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocalKind {
    Param,
    /// `self` in a method (mutable with `mut self`).
    SelfParam,
    Let,
    /// The binding of a `for` loop (always immutable).
    For,
    /// A binding in a `match` pattern.
    Pattern,
}

/// A local variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Local {
    pub name: Name,
    pub ty: Ty,
    pub mutable: bool,
    pub kind: LocalKind,
    /// The node that declares it: the identifier of a `let`, parameter or `for`, the binding
    /// pattern, or the `self` parameter.
    pub decl: NodeId,
}

/// What a path, call, method call, field access, struct literal or binding refers to. Items
/// are named by shared `Arc<ItemId>`s (as in [`Ty`]), which keeps this 16 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// A local variable (also recorded on the declaring node of each binding).
    Local(LocalId),
    /// A free function, called directly or used as a value.
    Fn(Arc<ItemId>),
    /// `Type::f`: an associated function (no `self`), called or used as a value.
    AssocFn(Arc<ItemId>),
    /// `value.m(..)`: a user method.
    Method {
        item: Arc<ItemId>,
        mutates_receiver: bool,
    },
    Const(Arc<ItemId>),
    /// An enum variant (a unit variant value, a constructor call, or a variant pattern).
    Variant {
        enum_id: Arc<ItemId>,
        index: u32,
    },
    /// The struct of a struct literal.
    Struct(Arc<ItemId>),
    /// A field, in a field access or a struct literal's field initializer.
    Field {
        struct_id: Arc<ItemId>,
        index: u32,
    },
    /// A call of a built-in function.
    BuiltinFn(BuiltinId),
    /// A call of a built-in method.
    BuiltinMethod {
        id: BuiltinId,
        mutates_receiver: bool,
    },
    /// A call of a function value (the callee expression has a `fn` type).
    IndirectCall,
    /// A variant of a prelude enum (`Some`, `None`, `Ok`, `Err`, `Ordering::Less`, …): a
    /// value, a constructor call, or a pattern. The enum's arguments are in the node's type.
    PreludeVariant(PVariant),
    /// `.0` of a tuple.
    TupleField(u32),
    /// A built-in constant (`i64::MIN`).
    ConstValue(i64),
    /// A field in a struct pattern (on the field's node).
    PatField {
        struct_id: Arc<ItemId>,
        index: u32,
    },
}

/// A map from the nodes of one item to values: a dense index over a compact list, so that
/// inserting and looking up cost no hashing and iteration follows insertion order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeMap<T> {
    /// `index[node] - 1` is the position in `entries`; 0 means absent.
    index: Vec<u32>,
    entries: Vec<(NodeId, T)>,
}

impl<T> Default for NodeMap<T> {
    fn default() -> Self {
        NodeMap {
            index: Vec::new(),
            entries: Vec::new(),
        }
    }
}

impl<T> NodeMap<T> {
    pub fn get(&self, node: NodeId) -> Option<&T> {
        let slot = *self.index.get(node.0 as usize)?;
        self.entries
            .get((slot as usize).checked_sub(1)?)
            .map(|(_, v)| v)
    }

    /// Sets the value of `node`, replacing an earlier one.
    pub fn insert(&mut self, node: NodeId, value: T) {
        let i = node.0 as usize;
        if self.index.len() <= i {
            self.index.resize(i + 1, 0);
        }
        match self.index[i] {
            0 => {
                self.entries.push((node, value));
                self.index[i] = self.entries.len() as u32;
            }
            slot => self.entries[slot as usize - 1].1 = value,
        }
    }

    /// Every entry, in the order they were first inserted.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &T)> {
        self.entries.iter().map(|(n, v)| (*n, v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The typed body of one item.
///
/// Every expression node has a type (the type of `a..b` is `i64`, its elements' type; ranges
/// only occur as `for` iterables), and so does every pattern node (the type it matches) and
/// every block node (its value). Paths, calls, method calls, field accesses, struct literals,
/// field initializers, and the declaring nodes of bindings have a [`Resolution`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InferenceResult {
    pub item: ItemId,
    /// Indexed by `NodeId.0`; `None` for nodes that have no type (statements, items, idents).
    pub types: Vec<Option<Ty>>,
    pub resolutions: NodeMap<Resolution>,
    pub locals: Vec<Local>,
    /// The parameters as locals, in order (`self` first in methods).
    pub params: Vec<LocalId>,
    pub ret: Ty,
    /// Errors and warnings found in the body (not those of the signature).
    pub diagnostics: Vec<Diagnostic>,
    /// The imports names in this body were resolved through (sorted).
    pub import_uses: Vec<ImportRef>,
    /// For constant initializers: the constants it refers to (sorted).
    pub const_refs: Vec<ItemId>,
    /// Every closure of the body (by its expression's node) with the locals of enclosing
    /// code it captures, in order of first use.
    pub captures: Vec<(NodeId, Vec<LocalId>)>,
}

impl InferenceResult {
    /// The captured locals of the closure at `node`.
    pub fn captures_of(&self, node: NodeId) -> &[LocalId] {
        self.captures
            .iter()
            .find(|(n, _)| *n == node)
            .map_or(&[], |(_, c)| c.as_slice())
    }

    /// The type of an expression, pattern or block node.
    pub fn ty(&self, node: NodeId) -> Option<&Ty> {
        self.types.get(node.0 as usize).and_then(Option::as_ref)
    }

    pub fn resolution(&self, node: NodeId) -> Option<&Resolution> {
        self.resolutions.get(node)
    }

    pub fn local(&self, id: LocalId) -> Option<&Local> {
        self.locals.get(id.0 as usize)
    }

    /// Whether the body has errors (code must not be generated for it).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::Severity::Error)
    }
}

/// Infers and checks the body of a function, method or constant (`None` for other items).
///
/// `lru`: the result (a type for every node of the body) is read by the item's own check and
/// lowering, which are memoized themselves, so after them it is rarely read again. A resident
/// host keeps only the most recently used ones; salsa keeps every memo's dependencies, so an
/// evicted result is still verified without being recomputed, and recomputed only if read.
#[salsa::tracked(returns(ref), lru = 2048)]
pub fn infer_body<'db>(
    db: &'db dyn salsa::Database,
    item: ItemKey<'db>,
) -> Option<Arc<InferenceResult>> {
    let ast = db::item_ast(db, item)?;
    let id = item.id(db).clone();
    let result = match &ast.kind {
        ItemKind::Fn(f) => {
            let sig = items::fn_signature(db, item)?;
            Infer::new(db, id).run_fn(f, &sig)
        }
        ItemKind::Method(m) => {
            let sig = items::fn_signature(db, item)?;
            Infer::new(db, id).run_fn(&m.func, &sig)
        }
        ItemKind::Const(c) => {
            let info = items::const_info(db, item)?;
            Infer::new(db, id).run_const(c, &info.ty)
        }
        _ => return None,
    };
    Some(Arc::new(result))
}

/// Divergence of the code being checked: after an expression of type `never`, the rest of the
/// straight-line path cannot run.
#[derive(Clone, Copy, Debug, Default)]
struct Div {
    diverges: bool,
    /// Unreachable code after this divergence has been reported (W0002 once per region).
    reported: bool,
}

/// A check postponed until inference variables are solved.
enum Deferred {
    /// The element type of a generic built-in must satisfy a bound.
    Bound {
        node: NodeId,
        ty: Ty,
        bound: ElemBound,
        name: &'static str,
    },
    /// An arithmetic operator applied to a type still unknown at the time.
    Arith { node: NodeId, op: BinOp, ty: Ty },
}

/// What a value path resolves to, before it is used as a value or a callee.
enum ValueRes {
    Local(LocalId),
    Def(Def),
    Variant {
        enum_id: ItemId,
        index: usize,
        info: Arc<EnumInfo>,
    },
    Assoc {
        decl: MethodDecl,
    },
    Builtin(&'static Builtin),
    PreludeVariant(PVariant),
    ConstValue(i64),
    /// Not found: `module` is where it was looked for (`None`: in scope).
    NotFound {
        module: Option<ModulePath>,
        index: usize,
    },
    /// Already reported.
    Error,
}

/// The function a call invokes.
enum Callee<'a> {
    Sig {
        params: Vec<Ty>,
        ret: Ty,
        res: Resolution,
        what: &'static str,
        def: Option<Loc>,
        /// The callee as written (for "defined here" labels); `None` for a function value.
        name: Option<&'a Path>,
    },
    Builtin(&'static Builtin),
    Error,
}

/// The root of an assignment target or mutating-method receiver.
enum PlaceRoot {
    Local(LocalId),
    NotPlace,
    /// Already wrong; say nothing.
    Poison,
}

struct LocalState {
    local: Local,
    used: bool,
    mutated: bool,
    /// How many times the local is named, other than as a whole assignment target.
    uses: u32,
    /// How many of those uses are the root of a change: `xs.push(…)`, `xs[i] = …`, `n += 1`.
    /// When every use is one (a `mut` parameter), nothing reads what the changes made (W0006).
    changing_uses: u32,
}

struct Infer<'a, 'db> {
    cx: ResolveCx<'db>,
    vars: Vec<Option<Ty>>,
    types: Vec<Option<Ty>>,
    res: NodeMap<Resolution>,
    locals: Vec<LocalState>,
    /// Locals in scope, innermost last.
    scope: Vec<LocalId>,
    /// One entry per enclosing loop: whether a `break` targets it.
    loops: Vec<bool>,
    ret: Ty,
    ret_node: Option<NodeId>,
    params: Vec<LocalId>,
    self_local: Option<LocalId>,
    /// In an associated function (an `impl` member without `self`).
    in_assoc_fn: bool,
    div: Div,
    deferred: Vec<Deferred>,
    /// Every `match` with its scrutinee type, and whether its patterns had errors (then it is
    /// not checked for exhaustiveness).
    matches: Vec<(&'a Expr, Ty, bool)>,
    const_refs: Vec<ItemId>,
    /// The target of the plain assignment being checked: assigning to a variable is not a read.
    assign_target: Option<NodeId>,
    sigs: HashMap<ItemId, Option<Arc<FnSignature>>>,
    /// One shared `Arc` per item named in the body.
    arcs: HashMap<ItemId, Arc<ItemId>>,
    structs: HashMap<ItemId, Option<Arc<StructInfo>>>,
    enums: HashMap<ItemId, Option<Arc<EnumInfo>>>,
    /// The closures being checked, innermost last.
    closures: Vec<ClosureFrame>,
    captures: Vec<(NodeId, Vec<LocalId>)>,
    /// Patterns of `let` and `for` that must match every value, checked once types are known.
    irrefutable: Vec<(&'a Pat, Ty, &'static str)>,
}

/// A closure whose body is being checked.
struct ClosureFrame {
    /// Locals numbered from here on are the closure's own.
    base: u32,
    captures: Vec<LocalId>,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `a`, `a and b`, `a, b and c`, `a, b, c and N more`.
pub(crate) fn list_names(names: &[String], total: usize) -> String {
    let shown = names.len().min(3);
    let mut s = String::new();
    for (i, n) in names[..shown].iter().enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == shown && total == shown {
                " and "
            } else {
                ", "
            });
        }
        s.push('`');
        s.push_str(n);
        s.push('`');
    }
    if total > shown {
        s.push_str(&format!(" and {} more", total - shown));
    }
    s
}

impl<'a, 'db> Infer<'a, 'db> {
    fn new(db: &'db dyn salsa::Database, item: ItemId) -> Infer<'a, 'db> {
        Infer {
            cx: ResolveCx::new(db, item),
            vars: Vec::new(),
            types: Vec::new(),
            res: NodeMap::default(),
            locals: Vec::new(),
            scope: Vec::new(),
            loops: Vec::new(),
            ret: Ty::Unit,
            ret_node: None,
            params: Vec::new(),
            self_local: None,
            in_assoc_fn: false,
            div: Div::default(),
            deferred: Vec::new(),
            matches: Vec::new(),
            const_refs: Vec::new(),
            assign_target: None,
            sigs: HashMap::new(),
            arcs: HashMap::new(),
            structs: HashMap::new(),
            enums: HashMap::new(),
            closures: Vec::new(),
            captures: Vec::new(),
            irrefutable: Vec::new(),
        }
    }

    fn db(&self) -> &'db dyn salsa::Database {
        self.cx.db
    }

    fn loc(&self, node: NodeId) -> Loc {
        self.cx.loc(node)
    }

    fn error(&mut self, d: Diagnostic) {
        self.cx.error(d);
    }

    // ----- entry points -------------------------------------------------------------------

    fn run_fn(mut self, f: &'a FnDef, sig: &FnSignature) -> InferenceResult {
        self.ret = sig.ret.clone();
        self.ret_node = f.ret.as_ref().map(|r| r.id);
        self.cx.self_ty = sig.owner.clone();
        if let Some(s) = &f.self_param {
            let ty = sig.owner.clone().unwrap_or(Ty::Error);
            let id = self.add_local(
                Name::from("self"),
                ty,
                sig.receiver == Some(SelfKind::Mut),
                LocalKind::SelfParam,
                s.id,
            );
            self.self_local = Some(id);
            self.params.push(id);
        } else {
            self.in_assoc_fn = sig.owner.is_some();
        }
        for (param, ty) in f.params.iter().zip(sig.params.iter()) {
            // A duplicate parameter (E0415, reported by `check_item`) shadows the first one,
            // which is then not also reported as unused.
            if let Some(earlier) = self.lookup_local(&param.name.name) {
                self.locals[earlier.0 as usize].used = true;
            }
            let id = self.add_local(
                param.name.name.clone(),
                ty.clone(),
                param.mutable,
                LocalKind::Param,
                param.name.id,
            );
            self.res.insert(param.name.id, Resolution::Local(id));
            self.params.push(id);
            self.scope.push(id);
        }
        let ret = self.ret.clone();
        self.infer_block(&f.body, Some(&ret), true);
        if f.body.tail.is_none() && !self.div.diverges && ret != Ty::Unit && !ret.references_error()
        {
            self.missing_return_value(f);
        }
        self.finish()
    }

    fn run_const(mut self, c: &'a ConstDef, ty: &Ty) -> InferenceResult {
        self.ret = ty.clone();
        self.check_expr(&c.value, ty);
        self.const_check(&c.value);
        self.finish()
    }

    /// E0317: a function with a return type whose body can end without a value.
    fn missing_return_value(&mut self, f: &'a FnDef) {
        let ret = self.ret.clone();
        let last_expr_fits = match f.body.stmts.last() {
            Some(Stmt {
                kind: StmtKind::Expr { expr, semi: true },
                ..
            }) => {
                let t = self.resolve(&self.type_of(expr.id));
                t == ret
            }
            _ => false,
        };
        let hint = if last_expr_fits {
            "Remove the `;` after the last expression to return its value.".to_string()
        } else {
            format!(
                "End the body with a value of type `{ret}` (an expression without `;`) or a `return`."
            )
        };
        let primary = self.ret_node.unwrap_or(f.name.id);
        self.error(
            Diagnostic::error(
                codes::NO_VALUE_RETURNED,
                format!(
                    "function `{}` must return `{ret}` but its body can end without a value",
                    f.name.name
                ),
                self.loc(primary),
            )
            .with_label(format!("expected `{ret}`, found `()`"))
            .with_secondary(
                self.loc(f.name.id),
                "implicitly returns `()` when its body ends",
            )
            .with_hint(hint),
        );
    }

    // ----- inference variables ------------------------------------------------------------

    fn new_var(&mut self) -> Ty {
        self.vars.push(None);
        Ty::Var(self.vars.len() as u32 - 1)
    }

    /// Follows variable bindings at the top of a type, without cloning.
    fn shallow_ref<'t>(&'t self, mut ty: &'t Ty) -> &'t Ty {
        while let Ty::Var(v) = ty {
            match self.vars.get(*v as usize) {
                Some(Some(bound)) => ty = bound,
                _ => break,
            }
        }
        ty
    }

    fn is_never(&self, ty: &Ty) -> bool {
        matches!(self.shallow_ref(ty), Ty::Never)
    }

    /// Follows variable bindings at the top of a type.
    fn shallow(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        while let Ty::Var(v) = ty {
            match self.vars.get(v as usize).and_then(Clone::clone) {
                Some(bound) => ty = bound,
                None => return Ty::Var(v),
            }
        }
        ty
    }

    /// Substitutes every bound variable (unbound ones stay).
    fn resolve(&self, ty: &Ty) -> Ty {
        if self.vars.is_empty() {
            return ty.clone();
        }
        match self.shallow(ty) {
            Ty::Array(elem) => {
                let inner = self.resolve(&elem);
                if inner == *elem {
                    Ty::Array(elem)
                } else {
                    Ty::array(inner)
                }
            }
            other @ (Ty::Fn(_) | Ty::Tuple(_) | Ty::App(..)) => {
                other.map_children(|t| self.resolve(t))
            }
            other => other,
        }
    }

    fn occurs(&self, var: u32, ty: &Ty) -> bool {
        match self.shallow(ty) {
            Ty::Var(v) => v == var,
            Ty::Array(elem) => self.occurs(var, &elem),
            other => other.any_child(|t| self.occurs(var, t)),
        }
    }

    fn bind(&mut self, var: u32, ty: Ty) {
        if let Some(slot) = self.vars.get_mut(var as usize) {
            *slot = Some(ty);
        }
    }

    /// Makes two types equal, binding variables; false if they cannot be.
    fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let (a, b) = (self.shallow(a), self.shallow(b));
        match (&a, &b) {
            (Ty::Var(x), Ty::Var(y)) if x == y => true,
            (Ty::Var(x), other) | (other, Ty::Var(x)) => {
                if self.occurs(*x, other) {
                    return false;
                }
                self.bind(*x, other.clone());
                true
            }
            // What meets an error is settled as an error too: its unknown parts are not asked
            // about again (E0282) as a consequence of the error already reported.
            (Ty::Error, other) | (other, Ty::Error) => {
                let other = other.clone();
                self.poison_vars(&other);
                true
            }
            (Ty::Array(x), Ty::Array(y)) => self.unify(x, y),
            (Ty::Fn(f), Ty::Fn(g)) => {
                f.params.len() == g.params.len()
                    && f.params
                        .iter()
                        .zip(g.params.iter())
                        .all(|(p, q)| self.unify(p, q))
                    && self.unify(&f.ret, &g.ret)
            }
            (Ty::Tuple(x), Ty::Tuple(y)) => {
                x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| self.unify(p, q))
            }
            (Ty::App(g, x), Ty::App(h, y)) => {
                g == h
                    && x.len() == y.len()
                    && x.iter().zip(y.iter()).all(|(p, q)| self.unify(p, q))
            }
            _ => a == b,
        }
    }

    /// Whether a value of type `actual` can be used where `expected` is wanted (`never` goes
    /// anywhere), unifying as needed.
    fn coerce(&mut self, actual: &Ty, expected: &Ty) -> bool {
        if self.is_never(actual) {
            return true;
        }
        self.unify(actual, expected)
    }

    fn mismatch(&mut self, node: NodeId, expected: &Ty, actual: &Ty) -> Diagnostic {
        let (expected_ty, actual_ty) = (expected, actual);
        let (expected, actual) = (self.resolve(expected), self.resolve(actual));
        // The unknown parts of either side are settled by this error; they are not asked
        // about again (E0282).
        self.poison_vars(expected_ty);
        self.poison_vars(actual_ty);
        let mut d = Diagnostic::error(codes::MISMATCHED_TYPES, "mismatched types", self.loc(node))
            .with_label(format!("expected `{expected}`, found `{actual}`"));
        if let Some(hint) = conversion_hint(&expected, &actual) {
            d = d.with_hint(hint);
        }
        d
    }

    fn report_mismatch(&mut self, node: NodeId, expected: &Ty, actual: &Ty) {
        if self.resolve(expected).references_error() || self.resolve(actual).references_error() {
            return;
        }
        let d = self.mismatch(node, expected, actual);
        self.error(d);
    }

    // ----- bookkeeping --------------------------------------------------------------------

    fn record(&mut self, node: NodeId, ty: Ty) {
        let i = node.0 as usize;
        if self.types.len() <= i {
            self.types.resize(i + 1, None);
        }
        self.types[i] = Some(ty);
    }

    fn type_of(&self, node: NodeId) -> Ty {
        self.types
            .get(node.0 as usize)
            .cloned()
            .flatten()
            .unwrap_or(Ty::Error)
    }

    fn add_local(
        &mut self,
        name: Name,
        ty: Ty,
        mutable: bool,
        kind: LocalKind,
        decl: NodeId,
    ) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(LocalState {
            local: Local {
                name,
                ty,
                mutable,
                kind,
                decl,
            },
            used: false,
            mutated: false,
            uses: 0,
            changing_uses: 0,
        });
        id
    }

    fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scope
            .iter()
            .rev()
            .copied()
            .find(|id| self.locals[id.0 as usize].local.name == name)
    }

    /// The shared `Arc` of an item id.
    fn arc(&mut self, id: &ItemId) -> Arc<ItemId> {
        if let Some(a) = self.arcs.get(id) {
            return a.clone();
        }
        let a = Arc::new(id.clone());
        self.arcs.insert(id.clone(), a.clone());
        a
    }

    fn sig(&mut self, id: &ItemId) -> Option<Arc<FnSignature>> {
        if let Some(s) = self.sigs.get(id) {
            return s.clone();
        }
        let db = self.db();
        let s = items::fn_signature(db, ItemKey::new(db, id.clone()));
        self.sigs.insert(id.clone(), s.clone());
        s
    }

    fn struct_info(&mut self, id: &ItemId) -> Option<Arc<StructInfo>> {
        if let Some(s) = self.structs.get(id) {
            return s.clone();
        }
        let db = self.db();
        let s = items::struct_info(db, ItemKey::new(db, id.clone()));
        self.structs.insert(id.clone(), s.clone());
        s
    }

    fn enum_info(&mut self, id: &ItemId) -> Option<Arc<EnumInfo>> {
        if let Some(s) = self.enums.get(id) {
            return s.clone();
        }
        let db = self.db();
        let s = items::enum_info(db, ItemKey::new(db, id.clone()));
        self.enums.insert(id.clone(), s.clone());
        s
    }

    fn const_ty(&mut self, id: &ItemId) -> Ty {
        let db = self.db();
        items::const_info(db, ItemKey::new(db, id.clone())).map_or(Ty::Error, |c| c.ty.clone())
    }

    fn assoc(&mut self, owner: &ItemId, name: &Name) -> Option<MethodDecl> {
        let db = self.db();
        let key = MemberName::new(db, ItemKey::new(db, owner.clone()), name.clone());
        items::assoc_item(db, key)
    }

    // ----- blocks and statements ----------------------------------------------------------

    /// Checks a block whose value must have type `expected` (mismatches are reported at the
    /// tail expression, or at the block if it has none).
    fn check_block(&mut self, block: &'a Block, expected: &Ty) -> Ty {
        let ty = self.infer_block(block, Some(expected), true);
        if block.tail.is_none() && !self.coerce(&ty, expected) {
            self.report_mismatch(block.id, expected, &ty);
        }
        expected.clone()
    }

    /// Infers a block. With `coerce_tail`, the tail is checked against `expected`.
    fn infer_block(&mut self, block: &'a Block, expected: Option<&Ty>, coerce_tail: bool) -> Ty {
        let mark = self.scope.len();
        for stmt in &block.stmts {
            if matches!(stmt.kind, StmtKind::Empty) {
                continue;
            }
            self.note_unreachable(stmt.id);
            self.infer_stmt(stmt);
        }
        let ty = match &block.tail {
            Some(tail) => {
                self.note_unreachable(tail.id);
                match (expected, coerce_tail) {
                    (Some(exp), true) => {
                        let t = self.check_expr(tail, exp);
                        if self.is_never(&self.type_of(tail.id)) {
                            Ty::Never
                        } else {
                            t
                        }
                    }
                    _ => self.infer_expr(tail, expected),
                }
            }
            None if self.div.diverges => Ty::Never,
            None => Ty::Unit,
        };
        self.scope.truncate(mark);
        self.record(block.id, ty.clone());
        ty
    }

    /// W0002 at the first statement after the code diverged.
    fn note_unreachable(&mut self, node: NodeId) {
        if self.div.diverges && !self.div.reported {
            self.div.reported = true;
            let d = Diagnostic::warning(codes::UNREACHABLE_CODE, "unreachable code", self.loc(node))
                .with_label("this can never run")
                .with_hint("The code before it always returns, breaks, continues or panics; remove this code or the jump before it.");
            self.error(d);
        }
    }

    fn infer_stmt(&mut self, stmt: &'a Stmt) {
        match &stmt.kind {
            StmtKind::Let {
                mutable,
                name,
                ty,
                init,
            } => {
                let declared = ty.as_ref().map(|t| (self.cx.lower_type(t), t.id));
                let local_ty = match (init, &declared) {
                    (Some(init), Some((dty, tnode))) => {
                        let actual = self.infer_expr(init, Some(dty));
                        if !self.coerce(&actual, dty)
                            && !self.resolve(&actual).references_error()
                            && !dty.references_error()
                        {
                            let d = self
                                .mismatch(init.id, dty, &actual)
                                .with_secondary(self.loc(*tnode), "expected due to this type");
                            self.error(d);
                        }
                        dty.clone()
                    }
                    (Some(init), None) => self.infer_expr(init, None),
                    (None, Some((dty, _))) => dty.clone(),
                    (None, None) => self.new_var(),
                };
                if name.name != "_" {
                    let id = self.add_local(
                        name.name.clone(),
                        local_ty,
                        *mutable,
                        LocalKind::Let,
                        name.id,
                    );
                    self.res.insert(name.id, Resolution::Local(id));
                    self.scope.push(id);
                }
            }
            StmtKind::LetPat { pat, ty, init } => {
                let declared = ty.as_ref().map(|t| self.cx.lower_type(t));
                let init_ty = match &declared {
                    Some(d) => self.check_expr(init, d),
                    None => self.infer_expr(init, None),
                };
                self.bind_irrefutable(pat, &init_ty, "let");
            }
            StmtKind::Expr { expr, semi } => {
                if *semi {
                    self.infer_expr(expr, None);
                } else {
                    self.check_expr(expr, &Ty::Unit);
                }
            }
            StmtKind::Empty => {}
        }
    }

    // ----- expressions --------------------------------------------------------------------

    /// Infers `e` and checks that it can be used as `expected`, reporting E0308 at `e`.
    /// Returns `expected` when it fits (so that callers continue with the wanted type) and the
    /// error type otherwise.
    fn check_expr(&mut self, e: &'a Expr, expected: &Ty) -> Ty {
        let actual = self.infer_expr(e, Some(expected));
        if self.coerce(&actual, expected) {
            expected.clone()
        } else {
            self.report_mismatch(e.id, expected, &actual);
            Ty::Error
        }
    }

    fn infer_expr(&mut self, e: &'a Expr, expected: Option<&Ty>) -> Ty {
        let ty = self.infer_expr_inner(e, expected);
        if !self.div.diverges && self.is_never(&ty) {
            self.div = Div {
                diverges: true,
                reported: false,
            };
        }
        self.record(e.id, ty.clone());
        ty
    }

    fn infer_expr_inner(&mut self, e: &'a Expr, expected: Option<&Ty>) -> Ty {
        match &e.kind {
            ExprKind::Lit(lit) => literal_ty(lit),
            ExprKind::Path(path) => self.infer_path_expr(e, path),
            ExprKind::SelfValue => self.infer_self(e),
            ExprKind::Unary(op, inner) => self.infer_unary(e, *op, inner, expected),
            ExprKind::Binary(op, l, r) => self.infer_binary(e, *op, l, r),
            ExprKind::Assign { op, target, value } => self.infer_assign(e, *op, target, value),
            ExprKind::Call { callee, args } => self.infer_call(e, callee, args),
            ExprKind::MethodCall {
                receiver,
                method,
                args,
            } => self.infer_method_call(e, receiver, method, args),
            ExprKind::Field { base, name } => self.infer_field(base, name, e),
            ExprKind::Index { base, index } => self.infer_index(base, index),
            ExprKind::StructLit { path, fields } => self.infer_struct_lit(e, path, fields),
            ExprKind::Array(elems) => self.infer_array(elems, expected),
            ExprKind::Range { start, end } => {
                self.range_bounds(e, start, end);
                self.error(
                    Diagnostic::error(
                        codes::BAD_RANGE,
                        "range expressions are only allowed as the iterable of a `for` loop",
                        self.loc(e.id),
                    )
                    .with_label("not in a `for` loop")
                    .with_hint("Write `for i in a..b { … }`; ranges are not values in holo."),
                );
                Ty::Error
            }
            ExprKind::Block(block) => self.infer_block(block, expected, false),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => self.infer_if(
                e,
                IfHead::Cond(cond),
                then_branch,
                else_branch.as_deref(),
                expected,
            ),
            ExprKind::IfLet {
                pat,
                scrutinee,
                then_branch,
                else_branch,
            } => self.infer_if(
                e,
                IfHead::Let(pat, scrutinee),
                then_branch,
                else_branch.as_deref(),
                expected,
            ),
            ExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => {
                let before = self.div;
                let st = self.infer_expr(scrutinee, None);
                let mark = self.scope.len();
                let mut binds = Vec::new();
                self.check_pattern(pat, &st, &mut binds, None);
                self.check_duplicate_bindings(&binds);
                self.scope.extend(binds.iter().map(|(_, id, _)| *id));
                self.loops.push(false);
                self.check_block(body, &Ty::Unit);
                self.loops.pop();
                self.scope.truncate(mark);
                self.div = before;
                Ty::Unit
            }
            ExprKind::Tuple(elems) => {
                let hints: Option<Vec<Ty>> = expected.and_then(|t| match self.shallow(t) {
                    Ty::Tuple(ts) if ts.len() == elems.len() => Some(ts.to_vec()),
                    _ => None,
                });
                let mut tys = Vec::with_capacity(elems.len());
                for (i, el) in elems.iter().enumerate() {
                    let hint = hints.as_ref().map(|h| h[i].clone());
                    tys.push(self.infer_expr(el, hint.as_ref()));
                }
                Ty::Tuple(Arc::new(tys))
            }
            ExprKind::Try(inner) => self.infer_try(e, inner),
            ExprKind::Closure(c) => self.infer_closure(e, c, expected),
            ExprKind::While { cond, body } => {
                self.check_expr(cond, &Ty::Bool);
                let before = self.div;
                self.loops.push(false);
                self.check_block(body, &Ty::Unit);
                self.loops.pop();
                self.div = before;
                Ty::Unit
            }
            ExprKind::Loop { body } => {
                let before = self.div;
                self.loops.push(false);
                self.check_block(body, &Ty::Unit);
                let has_break = self.loops.pop().unwrap_or(false);
                self.div = before;
                if has_break { Ty::Unit } else { Ty::Never }
            }
            ExprKind::For {
                pat,
                iterable,
                body,
            } => self.infer_for(pat, iterable, body),
            ExprKind::Break | ExprKind::Continue => {
                match self.loops.last_mut() {
                    Some(has_break) => {
                        if matches!(e.kind, ExprKind::Break) {
                            *has_break = true;
                        }
                    }
                    None => {
                        let word = if matches!(e.kind, ExprKind::Break) {
                            "break"
                        } else {
                            "continue"
                        };
                        self.error(
                            Diagnostic::error(codes::BREAK_OUTSIDE_LOOP, format!("`{word}` outside of a loop"), self.loc(e.id))
                                .with_label(format!("cannot `{word}` outside of a loop"))
                                .with_hint(format!("`{word}` only works inside `while`, `loop` or `for`; use `return` to leave a function.")),
                        );
                    }
                }
                Ty::Never
            }
            ExprKind::Return(value) => {
                let ret = self.ret.clone();
                match value {
                    Some(v) => {
                        let actual = self.infer_expr(v, Some(&ret));
                        if !self.coerce(&actual, &ret)
                            && !self.resolve(&actual).references_error()
                            && !ret.references_error()
                        {
                            let mut d = self.mismatch(v.id, &ret, &actual);
                            if let Some(node) = self.ret_node {
                                d = d.with_secondary(
                                    self.loc(node),
                                    format!("expected `{ret}` because of the return type"),
                                );
                            }
                            self.error(d);
                        }
                    }
                    None => {
                        if ret != Ty::Unit && !ret.references_error() {
                            self.error(
                                Diagnostic::error(
                                    codes::MISMATCHED_TYPES,
                                    "mismatched types",
                                    self.loc(e.id),
                                )
                                .with_label(format!("expected `{ret}`, found `()`"))
                                .with_hint(format!(
                                    "Return a value of type `{ret}`: `return value;`."
                                )),
                            );
                        }
                    }
                }
                Ty::Never
            }
            ExprKind::Match { scrutinee, arms } => self.infer_match(e, scrutinee, arms, expected),
            ExprKind::Error => Ty::Error,
        }
    }

    /// Binds an irrefutable pattern (`let (a, b) = …`, `for (k, v) in …`) to a value of type
    /// `ty`; whether it covers every value is checked at the end.
    fn bind_irrefutable(&mut self, pat: &'a Pat, ty: &Ty, what: &'static str) {
        let mut binds = Vec::new();
        let errors_before = self.cx.diagnostics.len();
        self.check_pattern(pat, ty, &mut binds, None);
        self.check_duplicate_bindings(&binds);
        if self.cx.diagnostics.len() == errors_before {
            self.irrefutable.push((pat, ty.clone(), what));
        }
        self.scope.extend(binds.iter().map(|(_, id, _)| *id));
    }

    fn check_irrefutable(&mut self, pat: &'a Pat, ty: &Ty, what: &'static str) {
        let ty = finalize(&resolve_with(&self.vars, ty));
        if ty.references_error() {
            return;
        }
        let Some(p) = self.lower_pattern(pat) else {
            return;
        };
        let mut provider = VariantProvider { infer: self };
        let outcome = exhaustive::check(&mut provider, &ty, &[(p, false)]);
        if outcome.missing_total > 0 {
            let list = list_names(&outcome.missing, outcome.missing_total);
            let hint = if what == "let" {
                "Use `match` or `if let` to handle the values this pattern does not cover: `if let Some(x) = value { … }`."
            } else {
                "A `for` loop variable must match every element; use a `match` inside the loop for the others."
            };
            self.error(
                Diagnostic::error(
                    codes::REFUTABLE_PATTERN,
                    format!("refutable pattern in `{what}`: {list} not covered"),
                    self.loc(pat.id),
                )
                .with_label(format!("{list} not covered"))
                .with_hint(hint),
            );
        }
    }

    /// `e?`: the value inside a `Some`/`Ok`, returning `None`/`Err(e)` early.
    fn infer_try(&mut self, e: &'a Expr, inner: &'a Expr) -> Ty {
        let t = self.infer_expr(inner, None);
        let t = self.shallow(&t);
        let ret = self.ret.clone();
        let ret_shallow = self.shallow(&ret);
        let (kind, value) = match &t {
            Ty::Error | Ty::Never => return Ty::Error,
            Ty::Var(_) => {
                self.type_needed(
                    inner.id,
                    "the type of this value must be known to apply `?`",
                );
                return Ty::Error;
            }
            Ty::App(Generic::Option, args) => (Generic::Option, args[0].clone()),
            Ty::App(Generic::Result, args) => (Generic::Result, args[0].clone()),
            other => {
                let other = self.resolve(other);
                self.error(
                    Diagnostic::error(
                        codes::BAD_TRY,
                        format!("the `?` operator can only be applied to an `Option` or a `Result`, not to `{other}`"),
                        self.loc(e.id),
                    )
                    .with_label(format!("this is `{other}`"))
                    .with_hint("`?` unwraps `Some(x)`/`Ok(x)` and returns `None`/`Err(e)` from the function early."),
                );
                return Ty::Error;
            }
        };
        let fits = match (&ret_shallow, kind) {
            (Ty::Error, _) => true,
            (Ty::Var(_), Generic::Option) => {
                let fresh = self.new_var();
                self.unify(&ret_shallow, &Ty::option(fresh))
            }
            (Ty::Var(_), _) => {
                let fresh = self.new_var();
                let err = t
                    .app_args(Generic::Result)
                    .map_or(Ty::Error, |a| a[1].clone());
                self.unify(&ret_shallow, &Ty::result(fresh, err))
            }
            (Ty::App(Generic::Option, _), Generic::Option) => true,
            (Ty::App(Generic::Result, rargs), Generic::Result) => {
                let want = rargs[1].clone();
                let have = t
                    .app_args(Generic::Result)
                    .map_or(Ty::Error, |a| a[1].clone());
                if !self.unify(&want, &have) {
                    let (w, h) = (self.resolve(&want), self.resolve(&have));
                    if !w.references_error() && !h.references_error() {
                        self.error(
                            Diagnostic::error(
                                codes::BAD_TRY,
                                format!("`?` cannot return an error of type `{h}` from a function whose errors are `{w}`"),
                                self.loc(e.id),
                            )
                            .with_label(format!("this error is `{h}`"))
                            .with_hint("The error types must be the same; convert the error first with a `match`."),
                        );
                    }
                }
                true
            }
            _ => false,
        };
        if !fits {
            let ret = self.resolve(&ret);
            let (what, example) = if kind == Generic::Option {
                ("an `Option`", "Option<…>")
            } else {
                ("a `Result`", "Result<…, …>")
            };
            let mut d = Diagnostic::error(
                codes::BAD_TRY,
                format!("the `?` operator on {what} can only be used in a function that returns {what}"),
                self.loc(e.id),
            )
            .with_label(format!("this function returns `{ret}`"))
            .with_hint(format!("Change the return type to `{example}`, or handle the value with `match` or `if let`."));
            if let Some(node) = self.ret_node {
                d = d.with_secondary(self.loc(node), "the return type");
            }
            self.error(d);
        }
        value
    }

    /// `|a, b| body`: parameter types come from the annotation or from the `fn` type expected
    /// here; the body is checked as a function of its own that can read (copies of) the
    /// variables around it.
    fn infer_closure(&mut self, e: &'a Expr, c: &'a Closure, expected: Option<&Ty>) -> Ty {
        let expected_fn = expected.and_then(|t| match self.shallow(t) {
            Ty::Fn(f) if f.params.len() == c.params.len() => Some(f),
            _ => None,
        });
        let mut params = Vec::with_capacity(c.params.len());
        for (i, p) in c.params.iter().enumerate() {
            let want = expected_fn.as_ref().map(|f| f.params[i].clone());
            let ty = match (&p.ty, want) {
                (Some(t), Some(want)) => {
                    let t = self.cx.lower_type(t);
                    self.unify(&t, &want);
                    t
                }
                (Some(t), None) => self.cx.lower_type(t),
                (None, Some(want)) => want,
                (None, None) => self.new_var(),
            };
            params.push(ty);
        }
        let ret = match (&c.ret, &expected_fn) {
            (Some(t), _) => self.cx.lower_type(t),
            (None, Some(f)) => f.ret.clone(),
            (None, None) => self.new_var(),
        };
        let saved_ret = std::mem::replace(&mut self.ret, ret.clone());
        let saved_ret_node = std::mem::replace(&mut self.ret_node, c.ret.as_ref().map(|r| r.id));
        let saved_loops = std::mem::take(&mut self.loops);
        let saved_div = std::mem::replace(
            &mut self.div,
            Div {
                diverges: false,
                reported: false,
            },
        );
        let mark = self.scope.len();
        self.closures.push(ClosureFrame {
            base: self.locals.len() as u32,
            captures: Vec::new(),
        });
        for (p, ty) in c.params.iter().zip(params.iter()) {
            if p.name.name == "_" {
                continue;
            }
            let id = self.add_local(
                p.name.name.clone(),
                ty.clone(),
                false,
                LocalKind::Param,
                p.name.id,
            );
            self.res.insert(p.name.id, Resolution::Local(id));
            self.scope.push(id);
        }
        let body_ty = self.infer_expr(&c.body, Some(&ret));
        if !self.coerce(&body_ty, &ret) {
            self.report_mismatch(c.body.id, &ret, &body_ty);
        }
        self.scope.truncate(mark);
        let frame = self.closures.pop();
        self.captures
            .push((e.id, frame.map(|f| f.captures).unwrap_or_default()));
        self.ret = saved_ret;
        self.ret_node = saved_ret_node;
        self.loops = saved_loops;
        self.div = saved_div;
        Ty::Fn(Arc::new(FnTy { params, ret }))
    }

    fn infer_self(&mut self, e: &'a Expr) -> Ty {
        match self.self_local {
            Some(id) => {
                self.use_local(id, e.id);
                self.locals[id.0 as usize].local.ty.clone()
            }
            None => {
                let hint = if self.in_assoc_fn {
                    "Add `self` as the first parameter to make this associated function a method."
                } else {
                    "`self` only exists inside methods (functions in `impl Type { … }` whose first parameter is `self`)."
                };
                self.error(
                    Diagnostic::error(
                        codes::BAD_SELF,
                        "`self` is not available here",
                        self.loc(e.id),
                    )
                    .with_label("no `self` parameter in this function")
                    .with_hint(hint),
                );
                Ty::Error
            }
        }
    }

    fn use_local(&mut self, id: LocalId, node: NodeId) {
        if self.assign_target != Some(node) {
            let state = &mut self.locals[id.0 as usize];
            state.used = true;
            state.uses += 1;
        }
        self.res.insert(node, Resolution::Local(id));
        for frame in self.closures.iter_mut().rev() {
            if id.0 >= frame.base {
                break;
            }
            if !frame.captures.contains(&id) {
                frame.captures.push(id);
            }
        }
    }

    /// Whether `id` belongs to code around the closure being checked (a captured copy).
    fn is_captured(&self, id: LocalId) -> bool {
        self.closures.last().is_some_and(|f| id.0 < f.base)
    }

    /// E0594: closures hold copies of what they capture, so assigning to one is a mistake.
    fn assign_captured(&mut self, id: LocalId, node: NodeId) {
        // Reported here; not also "does not need to be mutable".
        self.locals[id.0 as usize].mutated = true;
        let local = self.locals[id.0 as usize].local.clone();
        self.error(
            Diagnostic::error(
                codes::ASSIGN_CAPTURED,
                format!("cannot change `{}` inside a closure", local.name),
                self.loc(node),
            )
            .with_label("the closure holds a copy of this variable")
            .with_secondary(self.loc(local.decl), "declared outside the closure here")
            .with_hint("Closures capture values by copy; return the new value from the closure and assign it outside, or use a loop instead."),
        );
    }

    // ----- paths --------------------------------------------------------------------------

    /// Resolves a path in value or callee position.
    fn resolve_value_path(&mut self, path: &'a Path) -> ValueRes {
        let segments = &path.segments;
        if let [single] = segments.as_slice() {
            if let Some(id) = self.lookup_local(&single.name) {
                return ValueRes::Local(id);
            }
            if let Some(entry) = self.cx.resolve_name(&single.name) {
                return ValueRes::Def(entry.def);
            }
            if let Some(v) = PVariant::bare(&single.name) {
                return ValueRes::PreludeVariant(v);
            }
            if let Some(b) = builtins::lookup_function(&single.name) {
                return ValueRes::Builtin(b);
            }
            return ValueRes::NotFound {
                module: None,
                index: 0,
            };
        }
        if let [ty, member] = segments.as_slice()
            && let Some(res) = self.prelude_member(ty, member)
        {
            return res;
        }
        match self.cx.walk_path(segments) {
            Walk::Reported => ValueRes::Error,
            Walk::NotFound { module, index } => ValueRes::NotFound { module, index },
            Walk::Def { def, consumed } if consumed == segments.len() => ValueRes::Def(def),
            Walk::Def {
                def: Def::Item { id, kind },
                consumed,
            } if consumed + 1 == segments.len() && kind.is_type() => {
                self.type_member(&id, kind, &segments[consumed])
            }
            Walk::Def { def, consumed } => {
                if def == Def::Err {
                    return ValueRes::Error;
                }
                let seg = &segments[consumed - 1];
                self.error(
                    Diagnostic::error(
                        codes::UNRESOLVED_PATH,
                        format!("failed to resolve: `{}` is not a module", seg.name),
                        self.loc(seg.id),
                    )
                    .with_label(format!(
                        "`{}` is a {}",
                        seg.name,
                        def.describe()
                    )),
                );
                ValueRes::Error
            }
        }
    }

    /// `i64::MIN`, `Option::Some`, `Ordering::Less`, `Map::new`: members of built-in types
    /// (unless an item of the package has the type's name).
    fn prelude_member(&mut self, ty: &Ident, member: &Ident) -> Option<ValueRes> {
        if ty.name == "i64" {
            return match member.name.as_str() {
                "MIN" => Some(ValueRes::ConstValue(i64::MIN)),
                "MAX" => Some(ValueRes::ConstValue(i64::MAX)),
                _ => None,
            };
        }
        let g = self.cx.prelude_type(&ty.name)?;
        if let Some(v) = PVariant::member(g, &member.name) {
            return Some(ValueRes::PreludeVariant(v));
        }
        if let Some(b) = builtins::lookup_assoc(g.name(), &member.name) {
            return Some(ValueRes::Builtin(b));
        }
        let known: Vec<&str> = PVariant::of(g).iter().map(|v| v.name()).collect();
        let hint = if known.is_empty() {
            format!("`{}` has the associated function `new`.", g.name())
        } else {
            format!(
                "`{}` has the variants {}.",
                g.name(),
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        self.error(
            Diagnostic::error(
                codes::UNRESOLVED_PATH,
                format!(
                    "no variant or associated function `{}` in `{}`",
                    member.name,
                    g.name()
                ),
                self.loc(member.id),
            )
            .with_label("not found")
            .with_hint(hint),
        );
        Some(ValueRes::Error)
    }

    /// The type of a prelude variant used as a value of `g<args>`, with fresh variables for
    /// arguments, and its payload types.
    fn prelude_variant_ty(&mut self, v: PVariant) -> (Ty, Vec<Ty>) {
        let g = v.generic();
        let args: Vec<Ty> = (0..g.arity()).map(|_| self.new_var()).collect();
        let payload = v.payload(&args);
        (Ty::App(g, Arc::new(args)), payload)
    }

    /// `Type::member`: a variant of an enum, or an associated function or method of the type.
    fn type_member(&mut self, owner: &ItemId, kind: DefKind, member: &Ident) -> ValueRes {
        if kind == DefKind::Enum
            && let Some(info) = self.enum_info(owner)
            && let Some((index, _)) = info.variant(&member.name)
        {
            return ValueRes::Variant {
                enum_id: owner.clone(),
                index,
                info,
            };
        }
        if let Some(decl) = self.assoc(owner, &member.name) {
            if decl.vis == Visibility::Private && owner.module != self.cx.module_path {
                let what = if decl.has_self {
                    "method"
                } else {
                    "associated function"
                };
                self.cx.private(
                    what,
                    &member.name,
                    &owner.module,
                    member.id,
                    Some((decl.id.clone(), decl.name_node)),
                );
            }
            return ValueRes::Assoc { decl };
        }
        let mut candidates: Vec<String> = Vec::new();
        if kind == DefKind::Enum
            && let Some(info) = self.enum_info(owner)
        {
            candidates.extend(info.variants.iter().map(|v| v.name.to_string()));
        }
        let db = self.db();
        candidates.extend(
            items::assoc_names(db, ItemKey::new(db, owner.clone()))
                .iter()
                .map(|(n, _)| n.to_string()),
        );
        candidates.sort();
        let suggestion =
            super::suggest::similar(&member.name, candidates.iter().map(String::as_str));
        let capitalized = member.name.starts_with(|c: char| c.is_ascii_uppercase());
        let message = if kind == DefKind::Enum && capitalized {
            format!(
                "no variant named `{}` in enum `{}`",
                member.name, owner.name
            )
        } else if kind == DefKind::Enum {
            format!(
                "no variant or associated function named `{}` in enum `{}`",
                member.name, owner.name
            )
        } else {
            format!(
                "no associated function named `{}` in struct `{}`",
                member.name, owner.name
            )
        };
        let label = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("not found in `{}`", owner.name),
        };
        self.error(
            Diagnostic::error(codes::NO_METHOD, message, self.loc(member.id)).with_label(label),
        );
        ValueRes::Error
    }

    fn report_not_found(
        &mut self,
        path: &Path,
        module: Option<ModulePath>,
        index: usize,
        what: &str,
    ) {
        let seg = &path.segments[index];
        let (place, suggestion) = match &module {
            None => {
                let locals: Vec<Name> = self
                    .scope
                    .iter()
                    .map(|id| self.locals[id.0 as usize].local.name.clone())
                    .collect();
                let mut extra: Vec<&str> = locals.iter().map(Name::as_str).collect();
                for name in builtins::function_names() {
                    extra.push(name);
                }
                (
                    "this scope".to_string(),
                    self.cx
                        .suggest_in_scope(&seg.name, &[NameClass::Value], &extra),
                )
            }
            Some(m) => (
                format!("module `{m}`"),
                self.cx.suggest_in_module(m, &seg.name, &[NameClass::Value]),
            ),
        };
        let label = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "not found".to_string(),
        };
        self.error(
            Diagnostic::error(
                codes::UNRESOLVED_NAME,
                format!("cannot find {what} `{}` in {place}", seg.name),
                self.loc(seg.id),
            )
            .with_label(label),
        );
    }

    fn path_display(path: &Path) -> String {
        path.display()
    }

    fn infer_path_expr(&mut self, e: &'a Expr, path: &'a Path) -> Ty {
        match self.resolve_value_path(path) {
            ValueRes::Local(id) => {
                self.use_local(id, e.id);
                self.locals[id.0 as usize].local.ty.clone()
            }
            ValueRes::Def(def) => self.def_value(e.id, path, def),
            ValueRes::Variant {
                enum_id,
                index,
                info,
            } => {
                let variant = &info.variants[index];
                if !variant.fields.is_empty() {
                    let n = variant.fields.len();
                    self.error(
                        Diagnostic::error(
                            codes::NOT_A_VALUE,
                            format!(
                                "expected value, found tuple variant `{}`",
                                Self::path_display(path)
                            ),
                            self.loc(e.id),
                        )
                        .with_label(format!("this variant carries {}", plural(n, "value")))
                        .with_hint(format!(
                            "Construct it with its payload: `{}(…)`.",
                            Self::path_display(path)
                        )),
                    );
                    return Ty::Error;
                }
                let enum_id = self.arc(&enum_id);
                self.res.insert(
                    e.id,
                    Resolution::Variant {
                        enum_id: enum_id.clone(),
                        index: index as u32,
                    },
                );
                Ty::Enum(enum_id)
            }
            ValueRes::Assoc { decl, .. } => {
                if decl.has_self {
                    self.method_as_value(e.id, path);
                    return Ty::Error;
                }
                let id = self.arc(&decl.id);
                self.res.insert(e.id, Resolution::AssocFn(id));
                self.sig(&decl.id).map_or(Ty::Error, |s| s.fn_ty())
            }
            ValueRes::ConstValue(v) => {
                self.res.insert(e.id, Resolution::ConstValue(v));
                Ty::I64
            }
            ValueRes::PreludeVariant(v) => {
                let (ty, payload) = self.prelude_variant_ty(v);
                if !payload.is_empty() {
                    self.error(
                        Diagnostic::error(
                            codes::NOT_A_VALUE,
                            format!("expected value, found variant `{}`", v.name()),
                            self.loc(e.id),
                        )
                        .with_label("this variant carries a value")
                        .with_hint(format!("Construct it with its value: `{}(…)`.", v.name())),
                    );
                    return Ty::Error;
                }
                self.res.insert(e.id, Resolution::PreludeVariant(v));
                ty
            }
            ValueRes::Builtin(b) => {
                self.error(
                    Diagnostic::error(
                        codes::NOT_A_VALUE,
                        format!("built-in function `{}` cannot be used as a value", b.name),
                        self.loc(e.id),
                    )
                    .with_label("only callable")
                    .with_hint(format!("Call it directly, or wrap it in a function of your own to pass `{}` around.", b.name)),
                );
                Ty::Error
            }
            ValueRes::NotFound { module, index } => {
                self.report_not_found(path, module, index, "value");
                Ty::Error
            }
            ValueRes::Error => Ty::Error,
        }
    }

    fn method_as_value(&mut self, node: NodeId, path: &Path) {
        let name = path
            .segments
            .last()
            .map(|s| s.name.as_str())
            .unwrap_or_default();
        self.error(
            Diagnostic::error(
                codes::NO_METHOD,
                format!(
                    "`{}` is a method and cannot be used as a value or called by its path",
                    Self::path_display(path)
                ),
                self.loc(node),
            )
            .with_label("takes `self`")
            .with_hint(format!("Call it on a value: `value.{name}(…)`.")),
        );
    }

    /// A module-level definition used as a value.
    fn def_value(&mut self, node: NodeId, path: &Path, def: Def) -> Ty {
        match def {
            Def::Item {
                id,
                kind: DefKind::Fn,
            } => {
                let ty = self.sig(&id).map_or(Ty::Error, |s| s.fn_ty());
                let id = self.arc(&id);
                self.res.insert(node, Resolution::Fn(id));
                ty
            }
            Def::Item {
                id,
                kind: DefKind::Const,
            } => {
                let ty = self.const_ty(&id);
                self.const_refs.push(id.clone());
                let id = self.arc(&id);
                self.res.insert(node, Resolution::Const(id));
                ty
            }
            Def::Err => Ty::Error,
            other => {
                let shown = Self::path_display(path);
                let hint = match &other {
                    Def::Item {
                        kind: DefKind::Struct,
                        ..
                    } => format!(
                        "Build a value with a struct literal: `{shown} {{ field: value, … }}`."
                    ),
                    Def::Item {
                        kind: DefKind::Enum,
                        ..
                    } => format!("Use one of its variants: `{shown}::Variant`."),
                    _ => "Modules are not values; name an item inside it: `module::item`."
                        .to_string(),
                };
                self.error(
                    Diagnostic::error(
                        codes::NOT_A_VALUE,
                        format!("expected value, found {} `{shown}`", other.describe()),
                        self.loc(node),
                    )
                    .with_label("not a value")
                    .with_hint(hint),
                );
                Ty::Error
            }
        }
    }

    // ----- calls --------------------------------------------------------------------------

    fn infer_call(&mut self, e: &'a Expr, callee: &'a Expr, args: &'a [Expr]) -> Ty {
        let target = match &callee.kind {
            ExprKind::Path(path) => self.resolve_callee(callee, path),
            _ => {
                let t = self.infer_expr(callee, None);
                self.callee_from_value(callee.id, &t)
            }
        };
        match target {
            Callee::Error => {
                for a in args {
                    self.infer_expr(a, None);
                }
                Ty::Error
            }
            Callee::Sig {
                params,
                ret,
                res,
                what,
                def,
                name,
            } => {
                self.res.insert(e.id, res);
                self.check_args(
                    e.id,
                    args,
                    &params,
                    what,
                    || name.map(Self::path_display),
                    def,
                );
                ret
            }
            Callee::Builtin(b) => {
                let b = builtins::lookup_function_arity(b.name, args.len()).unwrap_or(b);
                self.res.insert(e.id, Resolution::BuiltinFn(b.id));
                let elem = self.new_var();
                let val = self.new_var();
                self.call_builtin(e.id, b, args, &elem, &val)
            }
        }
    }

    /// A call through a value of function type.
    fn callee_from_value(&mut self, node: NodeId, ty: &Ty) -> Callee<'a> {
        match self.shallow(ty) {
            Ty::Fn(f) => Callee::Sig {
                params: f.params.clone(),
                ret: f.ret.clone(),
                res: Resolution::IndirectCall,
                what: "function",
                def: None,
                name: None,
            },
            Ty::Error | Ty::Never => Callee::Error,
            Ty::Var(_) => {
                self.type_needed(
                    node,
                    "the type of this function value must be known to call it",
                );
                Callee::Error
            }
            other => {
                self.error(
                    Diagnostic::error(
                        codes::NOT_CALLABLE,
                        format!("expected function, found `{other}`"),
                        self.loc(node),
                    )
                    .with_label("not a function")
                    .with_hint("Only functions and values of a `fn(…)` type can be called."),
                );
                Callee::Error
            }
        }
    }

    fn resolve_callee(&mut self, callee: &'a Expr, path: &'a Path) -> Callee<'a> {
        let shown = || Self::path_display(path);
        let callee_node = callee.id;
        match self.resolve_value_path(path) {
            ValueRes::Local(id) => {
                self.use_local(id, callee_node);
                let ty = self.locals[id.0 as usize].local.ty.clone();
                self.record(callee_node, ty.clone());
                self.callee_from_value(callee_node, &ty)
            }
            ValueRes::Def(Def::Item {
                id,
                kind: DefKind::Fn,
            }) => {
                let Some(sig) = self.sig(&id) else {
                    return Callee::Error;
                };
                self.record(callee_node, sig.fn_ty());
                let shared = self.arc(&id);
                self.res.insert(callee_node, Resolution::Fn(shared.clone()));
                Callee::Sig {
                    params: sig.params.clone(),
                    ret: sig.ret.clone(),
                    res: Resolution::Fn(shared),
                    what: "function",
                    def: Some(Loc::Node {
                        item: id,
                        node: sig.name_node,
                    }),
                    name: Some(path),
                }
            }
            ValueRes::Def(
                def @ Def::Item {
                    kind: DefKind::Const,
                    ..
                },
            ) => {
                let ty = self.def_value(callee_node, path, def);
                self.record(callee_node, ty.clone());
                self.callee_from_value(callee_node, &ty)
            }
            ValueRes::Def(Def::Err) | ValueRes::Error => Callee::Error,
            ValueRes::Def(other) => {
                let hint = match &other {
                    Def::Item {
                        kind: DefKind::Struct,
                        ..
                    } => format!("Build a value with a struct literal: `{} {{ field: value, … }}`.", shown()),
                    _ => "Only functions, associated functions, enum variants and `fn` values can be called.".to_string(),
                };
                self.error(
                    Diagnostic::error(
                        codes::NOT_A_VALUE,
                        format!(
                            "expected function, found {} `{}`",
                            other.describe(),
                            shown()
                        ),
                        self.loc(callee_node),
                    )
                    .with_label("not a function")
                    .with_hint(hint),
                );
                Callee::Error
            }
            ValueRes::Variant {
                enum_id,
                index,
                info,
            } => {
                let variant = &info.variants[index];
                if variant.fields.is_empty() {
                    self.unit_variant_called(callee_node, &shown());
                    return Callee::Error;
                }
                let shared = self.arc(&enum_id);
                let res = Resolution::Variant {
                    enum_id: shared.clone(),
                    index: index as u32,
                };
                self.res.insert(callee_node, res.clone());
                let params = variant.fields.clone();
                let ctor_ty = Ty::Fn(Arc::new(FnTy {
                    params: params.clone(),
                    ret: Ty::Enum(shared.clone()),
                }));
                self.record(callee_node, ctor_ty);
                let def = Some(Loc::Node {
                    item: enum_id.clone(),
                    node: variant.node,
                });
                Callee::Sig {
                    params,
                    ret: Ty::Enum(shared),
                    res,
                    what: "enum variant",
                    def,
                    name: Some(path),
                }
            }
            ValueRes::Assoc { decl, .. } => {
                if decl.has_self {
                    self.method_as_value(callee_node, path);
                    return Callee::Error;
                }
                let Some(sig) = self.sig(&decl.id) else {
                    return Callee::Error;
                };
                self.record(callee_node, sig.fn_ty());
                let shared = self.arc(&decl.id);
                self.res
                    .insert(callee_node, Resolution::AssocFn(shared.clone()));
                Callee::Sig {
                    params: sig.params.clone(),
                    ret: sig.ret.clone(),
                    res: Resolution::AssocFn(shared),
                    what: "function",
                    def: Some(Loc::Node {
                        item: decl.id.clone(),
                        node: decl.name_node,
                    }),
                    name: Some(path),
                }
            }
            ValueRes::Builtin(b) => {
                self.res.insert(callee_node, Resolution::BuiltinFn(b.id));
                Callee::Builtin(b)
            }
            ValueRes::PreludeVariant(v) => {
                let (ty, payload) = self.prelude_variant_ty(v);
                if payload.is_empty() {
                    self.unit_variant_called(callee_node, &shown());
                    return Callee::Error;
                }
                let res = Resolution::PreludeVariant(v);
                self.res.insert(callee_node, res.clone());
                self.record(
                    callee_node,
                    Ty::Fn(Arc::new(FnTy {
                        params: payload.clone(),
                        ret: ty.clone(),
                    })),
                );
                Callee::Sig {
                    params: payload,
                    ret: ty,
                    res,
                    what: "enum variant",
                    def: None,
                    name: Some(path),
                }
            }
            ValueRes::ConstValue(_) => {
                self.error(
                    Diagnostic::error(
                        codes::NOT_CALLABLE,
                        format!("expected function, found constant `{}`", shown()),
                        self.loc(callee_node),
                    )
                    .with_label("not a function"),
                );
                Callee::Error
            }
            ValueRes::NotFound { module, index } => {
                self.report_not_found(path, module, index, "function");
                Callee::Error
            }
        }
    }

    /// E0618: a unit variant (`Token::Plus`, `None`) written as a call.
    fn unit_variant_called(&mut self, node: NodeId, shown: &str) {
        self.error(
            Diagnostic::error(
                codes::NOT_CALLABLE,
                format!("`{shown}` is a unit variant, not a function"),
                self.loc(node),
            )
            .with_label("takes no payload")
            .with_hint(format!("Write it without parentheses: `{shown}`.")),
        );
    }

    fn check_args(
        &mut self,
        call: NodeId,
        args: &'a [Expr],
        params: &[Ty],
        what: &str,
        name: impl FnOnce() -> Option<String>,
        def: Option<Loc>,
    ) {
        if args.len() != params.len() {
            let was = if args.len() == 1 { "was" } else { "were" };
            let mut d = Diagnostic::error(
                codes::WRONG_ARG_COUNT,
                format!(
                    "this {what} takes {} but {} {was} supplied",
                    plural(params.len(), "argument"),
                    plural(args.len(), "argument")
                ),
                self.loc(call),
            )
            .with_label(format!("expected {}", plural(params.len(), "argument")));
            if let Some(def) = def {
                let shown = name().map_or_else(|| what.to_string(), |n| format!("`{n}`"));
                d = d.with_secondary(def, format!("{shown} defined here"));
            }
            self.error(d);
        }
        for (i, arg) in args.iter().enumerate() {
            match params.get(i) {
                Some(p) => {
                    self.check_expr(arg, p);
                }
                None => {
                    self.infer_expr(arg, None);
                }
            }
        }
    }

    /// Checks a call of a built-in function or method whose generic element type is `elem`.
    fn call_builtin(
        &mut self,
        call: NodeId,
        b: &'static Builtin,
        args: &'a [Expr],
        elem: &Ty,
        val: &Ty,
    ) -> Ty {
        let params: Vec<Ty> = b
            .params
            .iter()
            .map(|s| builtins::instantiate(*s, elem, val))
            .collect();
        let what = if b.receiver.is_some() {
            "method"
        } else {
            "function"
        };
        self.check_args(call, args, &params, what, || Some(b.name.to_string()), None);
        if b.bound != ElemBound::Any {
            let node = b
                .params
                .iter()
                .position(|s| *s == Shape::Elem)
                .and_then(|i| args.get(i))
                .map_or(call, |a| a.id);
            self.check_bound(node, elem, b.bound, b.name);
        }
        builtins::instantiate(b.ret, elem, val)
    }

    fn check_bound(&mut self, node: NodeId, ty: &Ty, bound: ElemBound, name: &'static str) {
        let ty = self.resolve(ty);
        if matches!(ty, Ty::Var(_)) {
            self.deferred.push(Deferred::Bound {
                node,
                ty,
                bound,
                name,
            });
            return;
        }
        if ty.references_error() || ty == Ty::Never {
            return;
        }
        let ok = match bound {
            ElemBound::Any => true,
            ElemBound::Printable => ty.is_printable(),
            ElemBound::Eq => self.supports_eq(&ty, &mut Vec::new()),
            ElemBound::Ord => ty.is_ordered(),
        };
        if ok {
            return;
        }
        let d = match bound {
            ElemBound::Printable => {
                Diagnostic::error(codes::MISMATCHED_TYPES, "mismatched types", self.loc(node))
                    .with_label(format!(
                        "`{name}` accepts `i64`, `f64`, `bool` or `str`, found `{ty}`"
                    ))
                    .with_hint("Print the parts of the value, or convert it to a string first.")
            }
            ElemBound::Eq => Diagnostic::error(
                codes::BINARY_OP,
                format!("`{name}` cannot compare values of type `{ty}`"),
                self.loc(node),
            )
            .with_label("no `==` for this type")
            .with_hint(
                "Function values cannot be compared; compare the data they compute instead.",
            ),
            _ => Diagnostic::error(
                codes::NO_METHOD,
                format!("`{name}` needs elements of type `i64`, `f64` or `str`, found `{ty}`"),
                self.loc(node),
            )
            .with_label("elements cannot be ordered")
            .with_hint("Only arrays of numbers or strings can be sorted."),
        };
        self.error(d);
    }

    /// Whether `==` applies to values of `ty` (structurally).
    fn supports_eq(&mut self, ty: &Ty, visiting: &mut Vec<ItemId>) -> bool {
        match self.shallow(ty) {
            Ty::Fn(_) => false,
            Ty::Array(elem) => self.supports_eq(&elem, visiting),
            Ty::Tuple(elems) | Ty::App(_, elems) => {
                elems.iter().all(|t| self.supports_eq(t, visiting))
            }
            Ty::Struct(id) => {
                if visiting.contains(&id) {
                    return true;
                }
                visiting.push((*id).clone());
                let fields = self
                    .struct_info(&id)
                    .map(|i| i.fields.iter().map(|f| f.ty.clone()).collect::<Vec<_>>());
                let ok = fields
                    .unwrap_or_default()
                    .iter()
                    .all(|t| self.supports_eq(t, visiting));
                visiting.pop();
                ok
            }
            Ty::Enum(id) => {
                if visiting.contains(&id) {
                    return true;
                }
                visiting.push((*id).clone());
                let payloads: Vec<Ty> = self
                    .enum_info(&id)
                    .map(|i| {
                        i.variants
                            .iter()
                            .flat_map(|v| v.fields.iter().cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                let ok = payloads.iter().all(|t| self.supports_eq(t, visiting));
                visiting.pop();
                ok
            }
            _ => true,
        }
    }

    // ----- method calls -------------------------------------------------------------------

    fn infer_method_call(
        &mut self,
        e: &'a Expr,
        receiver: &'a Expr,
        method: &'a Ident,
        args: &'a [Expr],
    ) -> Ty {
        let recv = self.infer_expr(receiver, None);
        let recv = self.shallow(&recv);
        let infer_args = |this: &mut Self| {
            for a in args {
                this.infer_expr(a, None);
            }
        };
        match &recv {
            Ty::Error | Ty::Never => {
                infer_args(self);
                Ty::Error
            }
            Ty::Var(_) => {
                self.type_needed(
                    receiver.id,
                    &format!(
                        "the type of this value must be known to call `{}`",
                        method.name
                    ),
                );
                infer_args(self);
                Ty::Error
            }
            Ty::Struct(id) | Ty::Enum(id) => {
                self.user_method_call(e, receiver, &recv, id, method, args)
            }
            _ => {
                let kind = ReceiverKind::of(&recv);
                let Some(b) = kind.and_then(|k| builtins::lookup_method(k, &method.name)) else {
                    let candidates: Vec<&str> = kind
                        .map(|k| builtins::method_names(k).collect())
                        .unwrap_or_default();
                    self.no_method(method, &recv, candidates, None);
                    self.assume_mutated(receiver);
                    infer_args(self);
                    return Ty::Error;
                };
                let (elem, val) = match &recv {
                    Ty::Array(elem) => ((**elem).clone(), self.new_var()),
                    Ty::App(_, args) if args.len() == 2 => (args[0].clone(), args[1].clone()),
                    Ty::App(_, args) if args.len() == 1 => (args[0].clone(), Ty::Error),
                    _ => (Ty::Error, Ty::Error),
                };
                if b.receiver == Some(Shape::ArrayOfStr) && !self.unify(&elem, &Ty::Str) {
                    self.no_method(
                        method,
                        &recv,
                        Vec::new(),
                        Some(format!(
                            "`{}` only exists on arrays of strings (`[str]`).",
                            b.name
                        )),
                    );
                    infer_args(self);
                    return Ty::Error;
                }
                self.res.insert(
                    e.id,
                    Resolution::BuiltinMethod {
                        id: b.id,
                        mutates_receiver: b.mutates_receiver,
                    },
                );
                if b.mutates_receiver {
                    self.require_mutable(receiver, &method.name);
                }
                self.call_builtin(e.id, b, args, &elem, &val)
            }
        }
    }

    fn user_method_call(
        &mut self,
        e: &'a Expr,
        receiver: &'a Expr,
        recv: &Ty,
        owner: &Arc<ItemId>,
        method: &'a Ident,
        args: &'a [Expr],
    ) -> Ty {
        let decl = self.assoc(owner, &method.name);
        let Some(decl) = decl.filter(|d| d.has_self) else {
            let db = self.db();
            let names = items::assoc_names(db, ItemKey::new(db, (**owner).clone()));
            let candidates: Vec<&str> = names
                .iter()
                .filter(|(_, s)| *s)
                .map(|(n, _)| n.as_str())
                .collect();
            let is_assoc = names.iter().any(|(n, s)| !*s && *n == method.name);
            let hint = is_assoc.then(|| {
                format!(
                    "`{m}` is an associated function (it has no `self`); call it as `{t}::{m}(…)`.",
                    m = method.name,
                    t = owner.name
                )
            });
            let has_field = matches!(recv, Ty::Struct(_))
                && self
                    .struct_info(owner)
                    .is_some_and(|s| s.field(&method.name).is_some());
            let hint = hint.or_else(|| {
                has_field.then(|| {
                    format!(
                        "`{}` is a field, not a method; read it with `.{}`.",
                        method.name, method.name
                    )
                })
            });
            self.no_method(method, recv, candidates, hint);
            self.assume_mutated(receiver);
            for a in args {
                self.infer_expr(a, None);
            }
            return Ty::Error;
        };
        if decl.vis == Visibility::Private && owner.module != self.cx.module_path {
            self.cx.private(
                "method",
                &method.name,
                &owner.module,
                method.id,
                Some((decl.id.clone(), decl.name_node)),
            );
        }
        let Some(sig) = self.sig(&decl.id) else {
            return Ty::Error;
        };
        let item = self.arc(&decl.id);
        self.res.insert(
            e.id,
            Resolution::Method {
                item,
                mutates_receiver: decl.mut_self,
            },
        );
        if decl.mut_self {
            self.require_mutable(receiver, &method.name);
        }
        let def = Some(Loc::Node {
            item: decl.id.clone(),
            node: decl.name_node,
        });
        self.check_args(
            e.id,
            args,
            &sig.params,
            "method",
            || Some(method.name.to_string()),
            def,
        );
        sig.ret.clone()
    }

    /// After a failed method look-up the call might have been meant to change its receiver:
    /// count it as a change, so that no "does not need to be mutable" warning follows.
    fn assume_mutated(&mut self, receiver: &Expr) {
        if let PlaceRoot::Local(id) = self.place_root(receiver) {
            self.locals[id.0 as usize].mutated = true;
        }
    }

    fn no_method(
        &mut self,
        method: &Ident,
        recv: &Ty,
        candidates: Vec<&str>,
        hint: Option<String>,
    ) {
        let mut candidates = candidates;
        candidates.sort_unstable();
        let suggestion = super::suggest::similar(&method.name, candidates);
        let recv = self.resolve(recv);
        let what = match &recv {
            Ty::Struct(_) => "struct ",
            Ty::Enum(_) => "enum ",
            _ => "",
        };
        let habit = super::habits::method(&method.name, &recv);
        let label = match (&habit, suggestion) {
            (Some(h), _) => h.label.clone(),
            (None, Some(s)) => format!("did you mean `{s}`?"),
            (None, None) => "method not found".to_string(),
        };
        let hint = habit.map(|h| h.hint).or(hint);
        let mut d = Diagnostic::error(
            codes::NO_METHOD,
            format!("no method named `{}` found for {what}`{recv}`", method.name),
            self.loc(method.id),
        )
        .with_label(label);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.error(d);
    }

    fn type_needed(&mut self, node: NodeId, label: &str) {
        let ty = self.type_of(node);
        self.unify(&ty, &Ty::Error);
        self.error(
            Diagnostic::error(
                codes::TYPE_NEEDED,
                "type annotations needed",
                self.loc(node),
            )
            .with_label(label.to_string())
            .with_hint(
                "Give the variable a type where it is declared, for example `let xs: [i64] = [];`.",
            ),
        );
    }

    // ----- places and mutability ----------------------------------------------------------

    fn place_root(&self, e: &Expr) -> PlaceRoot {
        if matches!(self.types.get(e.id.0 as usize), Some(Some(t)) if matches!(self.shallow_ref(t), Ty::Error))
        {
            return PlaceRoot::Poison;
        }
        match &e.kind {
            ExprKind::Path(_) | ExprKind::SelfValue => match self.res.get(e.id) {
                Some(Resolution::Local(id)) => PlaceRoot::Local(*id),
                _ => PlaceRoot::NotPlace,
            },
            ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => self.place_root(base),
            ExprKind::Error => PlaceRoot::Poison,
            _ => PlaceRoot::NotPlace,
        }
    }

    fn immutable_hint(local: &Local) -> String {
        let n = &local.name;
        match local.kind {
            LocalKind::Let => format!("Make `{n}` mutable: `let mut {n}`."),
            LocalKind::Param => format!("Make the parameter mutable: `mut {n}: {}`.", local.ty),
            LocalKind::SelfParam => {
                "Declare the method with `mut self` so that it can change `self`.".to_string()
            }
            LocalKind::For => {
                format!(
                    "A `for` loop variable cannot be changed; copy it first: `let mut {n}2 = {n};`."
                )
            }
            LocalKind::Pattern => format!("Bind it as `mut {n}` in the pattern."),
        }
    }

    /// A mutating method needs a mutable place as its receiver (E0596).
    fn require_mutable(&mut self, receiver: &Expr, method: &str) {
        match self.place_root(receiver) {
            PlaceRoot::Poison => {}
            PlaceRoot::Local(id) if self.is_captured(id) => self.assign_captured(id, receiver.id),
            PlaceRoot::Local(id) => {
                let state = &mut self.locals[id.0 as usize];
                if state.local.mutable {
                    state.mutated = true;
                    state.changing_uses += 1;
                    return;
                }
                let local = state.local.clone();
                let hint = match local.kind {
                    LocalKind::Let => format!(
                        "Make `{0}` mutable: declare it with `let mut` (`let mut {0} = …`).",
                        local.name
                    ),
                    _ => Self::immutable_hint(&local),
                };
                self.error(
                    Diagnostic::error(
                        codes::MUTATE_IMMUTABLE,
                        format!(
                            "cannot call mutating method `{method}` on immutable `{}`",
                            local.name
                        ),
                        self.loc(receiver.id),
                    )
                    .with_label(format!("`{method}` changes `{}`", local.name))
                    .with_secondary(self.loc(local.decl), "declared immutable here")
                    .with_hint(hint),
                );
            }
            PlaceRoot::NotPlace => {
                self.error(
                    Diagnostic::error(
                        codes::MUTATE_IMMUTABLE,
                        format!("cannot call mutating method `{method}` on a temporary value"),
                        self.loc(receiver.id),
                    )
                    .with_label("not a variable, field or element")
                    .with_hint("Store the value in a `let mut` variable first, then call the method on the variable."),
                );
            }
        }
    }

    fn infer_assign(
        &mut self,
        e: &'a Expr,
        op: Option<BinOp>,
        target: &'a Expr,
        value: &'a Expr,
    ) -> Ty {
        if op.is_none() {
            self.assign_target = Some(target.id);
        }
        let target_ty = self.infer_expr(target, None);
        self.assign_target = None;
        match op {
            None => {
                self.check_expr(value, &target_ty);
            }
            Some(op) => {
                let value_ty = self.infer_expr(value, Some(&target_ty));
                let result = self.arith(e.id, op, &target_ty, &value_ty);
                if !self.coerce(&result, &target_ty) {
                    self.report_mismatch(value.id, &target_ty, &result);
                }
            }
        }
        match self.place_root(target) {
            // An assignment to something already wrong (often an error-recovery node) is
            // itself wrong: poison, so that its `()` type causes nothing more.
            PlaceRoot::Poison => return Ty::Error,
            PlaceRoot::Local(id) if self.is_captured(id) => self.assign_captured(id, target.id),
            PlaceRoot::Local(id) => {
                let state = &mut self.locals[id.0 as usize];
                if state.local.mutable {
                    state.mutated = true;
                    // `x = …` does not name `x` as a use; `x += …` and `x[i] = …` do.
                    if op.is_some() || !matches!(target.kind, ExprKind::Path(_)) {
                        state.changing_uses += 1;
                    }
                } else {
                    let local = state.local.clone();
                    let message = match &target.kind {
                        ExprKind::Path(_) | ExprKind::SelfValue => {
                            format!("cannot assign to immutable variable `{}`", local.name)
                        }
                        ExprKind::Field { .. } => format!(
                            "cannot assign to a field of immutable variable `{}`",
                            local.name
                        ),
                        _ => format!(
                            "cannot assign to an element of immutable variable `{}`",
                            local.name
                        ),
                    };
                    self.error(
                        Diagnostic::error(codes::ASSIGN_IMMUTABLE, message, self.loc(target.id))
                            .with_label("cannot assign")
                            .with_secondary(self.loc(local.decl), "declared immutable here")
                            .with_hint(Self::immutable_hint(&local)),
                    );
                }
            }
            PlaceRoot::NotPlace => {
                self.error(
                    Diagnostic::error(
                        codes::INVALID_ASSIGN_TARGET,
                        "invalid left-hand side of assignment",
                        self.loc(target.id),
                    )
                    .with_label("cannot assign to this expression")
                    .with_hint(
                        "Only variables, their fields and array elements can be assigned to.",
                    ),
                );
            }
        }
        Ty::Unit
    }

    // ----- operators ----------------------------------------------------------------------

    fn infer_unary(&mut self, e: &'a Expr, op: UnOp, inner: &'a Expr, expected: Option<&Ty>) -> Ty {
        let hint = expected
            .filter(|t| matches!(self.shallow(t), Ty::I64 | Ty::F64 | Ty::Bool))
            .cloned();
        let ty = self.infer_expr(inner, hint.as_ref());
        let t = self.shallow(&ty);
        let ok = match (op, &t) {
            (_, Ty::Error | Ty::Never) => return Ty::Error,
            (UnOp::Neg, Ty::I64 | Ty::F64) | (UnOp::Not, Ty::Bool) => true,
            (UnOp::Not, Ty::Var(_)) => self.unify(&t, &Ty::Bool),
            (UnOp::Neg, Ty::Var(_)) => {
                self.deferred.push(Deferred::Arith {
                    node: e.id,
                    op: BinOp::Sub,
                    ty: t.clone(),
                });
                true
            }
            _ => false,
        };
        if ok {
            return t;
        }
        let (sym, hint) = match op {
            UnOp::Neg => ("-", "Negation works on `i64` and `f64`."),
            UnOp::Not => (
                "!",
                "`!` works on `bool`; compare the value instead, for example `x == 0`.",
            ),
        };
        let t = self.resolve(&t);
        self.error(
            Diagnostic::error(
                codes::UNARY_OP,
                format!("cannot apply unary operator `{sym}` to type `{t}`"),
                self.loc(e.id),
            )
            .with_label(format!("`{sym}` does not apply to `{t}`"))
            .with_hint(hint),
        );
        Ty::Error
    }

    fn infer_binary(&mut self, e: &'a Expr, op: BinOp, l: &'a Expr, r: &'a Expr) -> Ty {
        match op {
            BinOp::And | BinOp::Or => {
                self.logic_operand(op, l);
                let before = self.div;
                self.logic_operand(op, r);
                self.div = before;
                Ty::Bool
            }
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Rem
            | BinOp::BitAnd
            | BinOp::BitOr
            | BinOp::BitXor
            | BinOp::Shl
            | BinOp::Shr => {
                let lt = self.infer_expr(l, None);
                let hint = self.shallow(&lt);
                let rt = self.infer_expr(r, Some(&hint));
                self.arith(e.id, op, &lt, &rt)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let lt = self.infer_expr(l, None);
                let hint = self.shallow(&lt);
                let rt = self.infer_expr(r, Some(&hint));
                if !self.coerce(&rt, &lt) && !self.coerce(&lt, &rt) {
                    if !self.resolve(&lt).references_error()
                        && !self.resolve(&rt).references_error()
                    {
                        let (lr, rr) = (self.resolve(&lt), self.resolve(&rt));
                        let mut d = Diagnostic::error(
                            codes::BINARY_OP,
                            format!("cannot compare `{lr}` with `{rr}`"),
                            self.loc(e.id),
                        )
                        .with_label(format!(
                            "`{}` needs two values of the same type",
                            op.as_str()
                        ))
                        .with_secondary(self.loc(l.id), format!("this is `{lr}`"))
                        .with_secondary(self.loc(r.id), format!("this is `{rr}`"));
                        let hint = conversion_hint(&lr, &rr)
                            .or_else(|| conversion_hint(&rr, &lr))
                            .unwrap_or_else(|| "Values of different types are never equal; compare values of the same type.".to_string());
                        d = d.with_hint(hint);
                        self.error(d);
                    }
                    return Ty::Bool;
                }
                let operand = self.resolve(&lt);
                let operand = if operand == Ty::Never {
                    self.resolve(&rt)
                } else {
                    operand
                };
                let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
                match &operand {
                    Ty::Error | Ty::Never => {}
                    _ if operand.references_error() => {}
                    Ty::Var(_) => {}
                    _ => {
                        let ok = if ordered {
                            operand.is_ordered()
                        } else {
                            self.supports_eq(&operand, &mut Vec::new())
                        };
                        if !ok {
                            let hint = if ordered {
                                "`<`, `<=`, `>` and `>=` compare `i64`, `f64` and `str` values."
                            } else {
                                "Function values cannot be compared with `==`."
                            };
                            self.error(
                                Diagnostic::error(
                                    codes::BINARY_OP,
                                    format!("binary operation `{}` cannot be applied to type `{operand}`", op.as_str()),
                                    self.loc(e.id),
                                )
                                .with_label(format!("`{operand}` values cannot be compared with `{}`", op.as_str()))
                                .with_hint(hint),
                            );
                        }
                    }
                }
                Ty::Bool
            }
        }
    }

    /// An operand of `&&` or `||`, which must be a `bool` (E0369 otherwise).
    fn logic_operand(&mut self, op: BinOp, e: &'a Expr) {
        let t = self.infer_expr(e, Some(&Ty::Bool));
        if self.coerce(&t, &Ty::Bool) {
            return;
        }
        let t = self.resolve(&t);
        if t.references_error() {
            return;
        }
        self.error(
            Diagnostic::error(
                codes::BINARY_OP,
                format!("binary operation `{}` cannot be applied to type `{t}`", op.as_str()),
                self.loc(e.id),
            )
            .with_label(format!("expected `bool`, found `{t}`"))
            .with_hint("`&&` and `||` combine `bool` values; compare the value first, for example `n > 0`."),
        );
    }

    /// The result type of an arithmetic operator, reporting unsupported operand types (E0369).
    fn arith(&mut self, node: NodeId, op: BinOp, lt: &Ty, rt: &Ty) -> Ty {
        let (l, r) = (self.shallow(lt), self.shallow(rt));
        if l.references_error() || r.references_error() {
            return Ty::Error;
        }
        if l == Ty::Never {
            return r;
        }
        if r == Ty::Never {
            return l;
        }
        if matches!(l, Ty::Var(_)) || matches!(r, Ty::Var(_)) {
            if !self.unify(&l, &r) {
                self.arith_error(node, op, &l, &r);
                return Ty::Error;
            }
            self.deferred.push(Deferred::Arith {
                node,
                op,
                ty: l.clone(),
            });
            return l;
        }
        if l == r && arith_supported(op, &l) {
            return l;
        }
        self.arith_error(node, op, &l, &r);
        Ty::Error
    }

    fn arith_error(&mut self, node: NodeId, op: BinOp, l: &Ty, r: &Ty) {
        let (l, r) = (self.resolve(l), self.resolve(r));
        let message = match op {
            BinOp::Add => format!("cannot add `{r}` to `{l}`"),
            BinOp::Sub => format!("cannot subtract `{r}` from `{l}`"),
            BinOp::Mul => format!("cannot multiply `{l}` by `{r}`"),
            BinOp::Div => format!("cannot divide `{l}` by `{r}`"),
            BinOp::Rem => format!("cannot calculate the remainder of `{l}` divided by `{r}`"),
            _ => format!("no operator `{}` for `{l}` and `{r}`", op.as_str()),
        };
        let mut d = Diagnostic::error(codes::BINARY_OP, message, self.loc(node))
            .with_label(format!("no `{}` for `{l}` and `{r}`", op.as_str()));
        let hint = match (&l, &r) {
            (Ty::I64, Ty::F64) | (Ty::F64, Ty::I64) => Some(
                "Convert one side: `.to_f64()` turns an `i64` into an `f64` and `.to_i64()` truncates an `f64`; holo has no implicit numeric conversions."
                    .to_string(),
            ),
            (Ty::Str, other) | (other, Ty::Str) if op == BinOp::Add && matches!(other, Ty::I64 | Ty::F64 | Ty::Bool) => Some(
                format!("Convert the `{other}` to a string with `.to_str()` first: `+` joins two strings."),
            ),
            (Ty::Str, Ty::Str) => Some("Strings only support `+` (joining).".to_string()),
            _ if l == r => Some(format!("Arithmetic works on `i64` and `f64`{}.", if op == BinOp::Add { ", and `+` joins `str`" } else { "" })),
            _ => None,
        };
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.error(d);
    }

    // ----- fields, indexing, literals -----------------------------------------------------

    fn infer_field(&mut self, base: &'a Expr, name: &'a Ident, e: &'a Expr) -> Ty {
        let base_ty = self.infer_expr(base, None);
        let t = self.shallow(&base_ty);
        match &t {
            Ty::Error | Ty::Never => Ty::Error,
            Ty::Var(_) => {
                self.type_needed(
                    base.id,
                    &format!(
                        "the type of this value must be known to access `.{}`",
                        name.name
                    ),
                );
                Ty::Error
            }
            // Only a malformed literal such as `(,)` has no elements, and its syntax error is
            // reported already.
            Ty::Tuple(elems) if elems.is_empty() => Ty::Error,
            Ty::Tuple(elems) => match name.name.parse::<usize>() {
                Ok(index) if index < elems.len() => {
                    self.res.insert(e.id, Resolution::TupleField(index as u32));
                    elems[index].clone()
                }
                _ => {
                    let t = self.resolve(&t);
                    self.error(
                        Diagnostic::error(
                            codes::NO_FIELD,
                            format!("no field `{}` on type `{t}`", name.name),
                            self.loc(name.id),
                        )
                        .with_label("unknown field")
                        .with_hint(format!(
                            "The fields of this tuple are numbered `0` to `{}`.",
                            elems.len() - 1
                        )),
                    );
                    Ty::Error
                }
            },
            Ty::Struct(id) => {
                let Some(info) = self.struct_info(id) else {
                    return Ty::Error;
                };
                match info.field(&name.name) {
                    Some((index, field)) => {
                        if field.vis == Visibility::Private && id.module != self.cx.module_path {
                            self.private_field(name, id, field.node);
                        }
                        self.res.insert(
                            e.id,
                            Resolution::Field {
                                struct_id: id.clone(),
                                index: index as u32,
                            },
                        );
                        field.ty.clone()
                    }
                    None => {
                        let mut candidates: Vec<&str> =
                            info.fields.iter().map(|f| f.name.as_str()).collect();
                        candidates.sort_unstable();
                        let suggestion =
                            super::suggest::similar(&name.name, candidates).map(str::to_string);
                        let is_method = self.assoc(id, &name.name).is_some_and(|d| d.has_self);
                        self.no_field(name, &t, suggestion, is_method);
                        Ty::Error
                    }
                }
            }
            _ => {
                let is_method = ReceiverKind::of(&t)
                    .is_some_and(|k| builtins::lookup_method(k, &name.name).is_some())
                    || t.adt().is_some_and(|id| {
                        let id = id.clone();
                        self.assoc(&id, &name.name).is_some_and(|d| d.has_self)
                    });
                self.no_field(name, &t, None, is_method);
                Ty::Error
            }
        }
    }

    fn private_field(&mut self, name: &Ident, owner: &ItemId, decl: NodeId) {
        let file = self.cx.module_file_path(&owner.module);
        self.error(
            Diagnostic::error(
                codes::PRIVATE_FIELD,
                format!(
                    "field `{}` of struct `{}` is private",
                    name.name, owner.name
                ),
                self.loc(name.id),
            )
            .with_label("private field")
            .with_secondary(
                Loc::Node {
                    item: owner.clone(),
                    node: decl,
                },
                "declared here without `pub`",
            )
            .with_hint(format!(
                "Mark the field `pub` in {file}, or use a `pub` method of `{}` from its module.",
                owner.name
            )),
        );
    }

    fn no_field(&mut self, name: &Ident, ty: &Ty, suggestion: Option<String>, is_method: bool) {
        let ty = self.resolve(ty);
        // `s.parse::<i64>()` reaches here as the field `parse`.
        let habit = super::habits::method(&name.name, &ty);
        let label = match (&habit, &suggestion) {
            (Some(h), _) => h.label.clone(),
            (None, Some(s)) => format!("did you mean `{s}`?"),
            (None, None) => "unknown field".to_string(),
        };
        let mut d = Diagnostic::error(
            codes::NO_FIELD,
            format!("no field `{}` on type `{ty}`", name.name),
            self.loc(name.id),
        )
        .with_label(label);
        if let Some(h) = habit {
            d = d.with_hint(h.hint);
        } else if is_method {
            d = d.with_hint(format!("`{0}` is a method; call it: `.{0}()`.", name.name));
        }
        self.error(d);
    }

    fn infer_index(&mut self, base: &'a Expr, index: &'a Expr) -> Ty {
        let base_ty = self.infer_expr(base, None);
        self.check_expr(index, &Ty::I64);
        let t = self.shallow(&base_ty);
        match &t {
            Ty::Array(elem) => (**elem).clone(),
            Ty::Error | Ty::Never => Ty::Error,
            Ty::Var(_) => {
                let elem = self.new_var();
                self.unify(&t, &Ty::array(elem.clone()));
                elem
            }
            other => {
                let other = self.resolve(other);
                let hint = if other == Ty::Str {
                    "Strings cannot be indexed; use `.char_at(i)` for the character at byte offset `i`, or `.chars()` for all of them."
                } else {
                    "Only arrays `[T]` can be indexed."
                };
                self.error(
                    Diagnostic::error(
                        codes::NO_INDEX,
                        format!("cannot index into a value of type `{other}`"),
                        self.loc(base.id),
                    )
                    .with_label("not an array")
                    .with_hint(hint),
                );
                Ty::Error
            }
        }
    }

    fn infer_array(&mut self, elems: &'a [Expr], expected: Option<&Ty>) -> Ty {
        let elem = match expected.map(|t| self.shallow(t)) {
            Some(Ty::Array(elem)) => (*elem).clone(),
            _ => self.new_var(),
        };
        for (i, el) in elems.iter().enumerate() {
            let actual = self.infer_expr(el, Some(&elem));
            if !self.coerce(&actual, &elem)
                && !self.resolve(&actual).references_error()
                && !self.resolve(&elem).references_error()
            {
                let mut d = self.mismatch(el.id, &elem, &actual);
                if i > 0 {
                    d = d.with_secondary(
                        self.loc(elems[0].id),
                        "the first element decides the element type",
                    );
                }
                self.error(d);
            }
        }
        Ty::array(elem)
    }

    /// The struct a struct literal or pattern names (reported if it names none).
    fn resolve_struct_path(&mut self, path: &'a Path) -> Option<ItemId> {
        let shown = Self::path_display(path);
        match self.cx.walk_path(&path.segments) {
            Walk::Def {
                def:
                    Def::Item {
                        id,
                        kind: DefKind::Struct,
                    },
                consumed,
            } if consumed == path.segments.len() => Some(id),
            Walk::Def { def: Def::Err, .. } | Walk::Reported => None,
            Walk::Def { def, consumed } => {
                let what = if consumed == path.segments.len() {
                    def.describe()
                } else {
                    "path"
                };
                self.error(
                    Diagnostic::error(codes::NOT_A_TYPE, format!("expected struct, found {what} `{shown}`"), self.loc(path.id))
                        .with_label("not a struct")
                        .with_hint("Only structs are built with `Name { field: value }`; enum variants are built with `Enum::Variant(…)`."),
                );
                None
            }
            Walk::NotFound { module, index } => {
                let seg = &path.segments[index];
                let suggestion = match &module {
                    None => self.cx.suggest_in_scope(&seg.name, &[NameClass::Type], &[]),
                    Some(m) => self.cx.suggest_in_module(m, &seg.name, &[NameClass::Type]),
                };
                let label = match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "not found".to_string(),
                };
                self.error(
                    Diagnostic::error(
                        codes::UNRESOLVED_TYPE,
                        format!("cannot find struct `{}` in this scope", seg.name),
                        self.loc(seg.id),
                    )
                    .with_label(label),
                );
                None
            }
        }
    }

    fn infer_struct_lit(
        &mut self,
        e: &'a Expr,
        path: &'a Path,
        fields: &'a [crate::ast::FieldInit],
    ) -> Ty {
        let owner = self.resolve_struct_path(path);
        let info = owner.as_ref().and_then(|id| self.struct_info(id));
        let (Some(owner), Some(info)) = (owner, info) else {
            for f in fields {
                self.infer_expr(&f.value, None);
            }
            return Ty::Error;
        };
        let foreign = owner.module != self.cx.module_path;
        let shared = self.arc(&owner);
        let mut seen: Vec<(usize, NodeId)> = Vec::with_capacity(fields.len());
        for init in fields {
            match info.field(&init.name.name) {
                Some((index, field)) => {
                    if let Some((_, first)) = seen.iter().find(|(i, _)| *i == index) {
                        let first = *first;
                        self.error(
                            Diagnostic::error(
                                codes::DUPLICATE_FIELD_INIT,
                                format!("field `{}` specified more than once", init.name.name),
                                self.loc(init.name.id),
                            )
                            .with_label("used again here")
                            .with_secondary(self.loc(first), "first use of the field"),
                        );
                    } else {
                        seen.push((index, init.name.id));
                    }
                    if foreign && field.vis == Visibility::Private {
                        self.private_field(&init.name, &owner, field.node);
                    }
                    self.res.insert(
                        init.id,
                        Resolution::Field {
                            struct_id: shared.clone(),
                            index: index as u32,
                        },
                    );
                    let fty = field.ty.clone();
                    self.check_expr(&init.value, &fty);
                }
                None => {
                    let mut candidates: Vec<&str> = info
                        .fields
                        .iter()
                        .map(|f| f.name.as_str())
                        .filter(|n| !fields.iter().any(|f| f.name.name == *n))
                        .collect();
                    candidates.sort_unstable();
                    let suggestion = super::suggest::similar(&init.name.name, candidates);
                    let label = match suggestion {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("`{}` has no such field", owner.name),
                    };
                    self.error(
                        Diagnostic::error(
                            codes::UNKNOWN_FIELD_INIT,
                            format!(
                                "struct `{}` has no field named `{}`",
                                owner.name, init.name.name
                            ),
                            self.loc(init.name.id),
                        )
                        .with_label(label),
                    );
                    self.infer_expr(&init.value, None);
                }
            }
        }
        // Outside its module, a struct with private fields cannot be built at all: say so
        // once, rather than listing the private fields as missing.
        let hidden: Vec<String> = info
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                foreign && f.vis == Visibility::Private && !seen.iter().any(|(j, _)| j == i)
            })
            .map(|(_, f)| f.name.to_string())
            .collect();
        if !hidden.is_empty() {
            let file = self.cx.module_file_path(&owner.module);
            let (word, verb) = if hidden.len() == 1 {
                ("field", "is")
            } else {
                ("fields", "are")
            };
            let list = list_names(&hidden, hidden.len());
            self.error(
                Diagnostic::error(
                    codes::PRIVATE_FIELD,
                    format!(
                        "cannot build `{}` outside module `{}`: its {word} {list} {verb} private",
                        owner.name, owner.module,
                    ),
                    self.loc(path.id),
                )
                .with_label(format!("{list} cannot be set from here"))
                .with_hint(format!(
                    "Call a `pub` function of module `{}` that builds a `{}`, or mark the {word} `pub` in {file}.",
                    owner.module, owner.name
                )),
            );
        }
        let missing: Vec<String> = info
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                let hidden = foreign && f.vis == Visibility::Private;
                !hidden && !seen.iter().any(|(j, _)| j == i)
            })
            .map(|(_, f)| f.name.to_string())
            .collect();
        if !missing.is_empty() {
            let word = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            let list = list_names(&missing, missing.len());
            self.error(
                Diagnostic::error(
                    codes::MISSING_FIELDS,
                    format!("missing {word} {list} in initializer of `{}`", owner.name),
                    self.loc(path.id),
                )
                .with_label(format!("missing {list}"))
                .with_hint("Every field of a struct must be given a value."),
            );
        }
        self.res.insert(e.id, Resolution::Struct(shared.clone()));
        Ty::Struct(shared)
    }

    // ----- control flow -------------------------------------------------------------------

    fn infer_if(
        &mut self,
        e: &'a Expr,
        head: IfHead<'a>,
        then_branch: &'a Block,
        else_branch: Option<&'a Expr>,
        expected: Option<&Ty>,
    ) -> Ty {
        let mark = self.scope.len();
        match head {
            IfHead::Cond(cond) => {
                self.check_expr(cond, &Ty::Bool);
            }
            IfHead::Let(pat, scrutinee) => {
                let st = self.infer_expr(scrutinee, None);
                let mut binds = Vec::new();
                self.check_pattern(pat, &st, &mut binds, None);
                self.check_duplicate_bindings(&binds);
                self.scope.extend(binds.iter().map(|(_, id, _)| *id));
            }
        }
        let before = self.div;
        let Some(else_branch) = else_branch else {
            let expected_value = expected
                .map(|t| self.resolve(t))
                .filter(|t| !matches!(t, Ty::Unit | Ty::Var(_) | Ty::Error));
            if let Some(exp) = expected_value {
                self.infer_block(then_branch, Some(&exp), false);
                self.scope.truncate(mark);
                self.div = before;
                {
                    self.error(
                        Diagnostic::error(
                            codes::NO_VALUE_RETURNED,
                            "`if` may be missing an `else` clause",
                            self.loc(e.id),
                        )
                        .with_label(format!(
                            "expected `{exp}`, found `()` when the condition is false"
                        ))
                        .with_hint("Add an `else` branch that produces a value of the same type."),
                    );
                }
                return Ty::Error;
            }
            self.check_block(then_branch, &Ty::Unit);
            self.scope.truncate(mark);
            self.div = before;
            return Ty::Unit;
        };
        let then_ty = self.infer_block(then_branch, expected, false);
        self.scope.truncate(mark);
        let then_div = self.div;
        self.div = before;
        let then_resolved = self.shallow(&then_ty);
        let hint = match expected {
            Some(t) => Some(t.clone()),
            None if then_resolved != Ty::Never => Some(then_ty.clone()),
            None => None,
        };
        let else_ty = self.infer_expr(else_branch, hint.as_ref());
        let else_div = self.div;
        self.div = if then_div.diverges && else_div.diverges {
            Div {
                diverges: true,
                reported: then_div.reported && else_div.reported,
            }
        } else {
            before
        };
        if then_resolved == Ty::Never {
            return else_ty;
        }
        if self.is_never(&else_ty) {
            return then_ty;
        }
        if self.unify(&then_ty, &else_ty) {
            return then_ty;
        }
        let (t, f) = (self.resolve(&then_ty), self.resolve(&else_ty));
        if t.references_error() || f.references_error() {
            return Ty::Error;
        }
        let then_node = then_branch.tail.as_ref().map_or(then_branch.id, |t| t.id);
        let else_node = match &else_branch.kind {
            ExprKind::Block(b) => b.tail.as_ref().map_or(b.id, |t| t.id),
            _ => else_branch.id,
        };
        self.error(
            Diagnostic::error(
                codes::MISMATCHED_TYPES,
                "`if` and `else` have incompatible types",
                self.loc(else_node),
            )
            .with_label(format!("expected `{t}`, found `{f}`"))
            .with_secondary(self.loc(then_node), format!("the `if` branch is `{t}`"))
            .with_hint("Both branches of an `if` that produces a value must have the same type."),
        );
        Ty::Error
    }

    /// The bounds of `a..b` must be `i64` (one E0308 for the range if they are not).
    fn range_bounds(&mut self, range: &'a Expr, start: &'a Expr, end: &'a Expr) {
        let mut wrong = None;
        for bound in [start, end] {
            let t = self.infer_expr(bound, Some(&Ty::I64));
            if !self.coerce(&t, &Ty::I64) && wrong.is_none() {
                wrong = Some(self.resolve(&t));
            }
        }
        if let Some(t) = wrong.filter(|t| !t.references_error()) {
            let mut d = Diagnostic::error(
                codes::MISMATCHED_TYPES,
                "mismatched types",
                self.loc(range.id),
            )
            .with_label(format!("the bounds of a range must be `i64`, found `{t}`"));
            if let Some(h) = conversion_hint(&Ty::I64, &t) {
                d = d.with_hint(h);
            }
            self.error(d);
        }
    }

    fn infer_for(&mut self, pat: &'a Pat, iterable: &'a Expr, body: &'a Block) -> Ty {
        let elem = match &iterable.kind {
            ExprKind::Range { start, end } => {
                self.range_bounds(iterable, start, end);
                self.record(iterable.id, Ty::I64);
                Ty::I64
            }
            _ => {
                let t = self.infer_expr(iterable, None);
                match self.shallow(&t) {
                    Ty::Array(elem) => (*elem).clone(),
                    // A map goes over its entries, in insertion order.
                    Ty::App(Generic::Map, args) => Ty::Tuple(args.clone()),
                    Ty::Error | Ty::Never => Ty::Error,
                    var @ Ty::Var(_) => {
                        let elem = self.new_var();
                        self.unify(&var, &Ty::array(elem.clone()));
                        elem
                    }
                    other => {
                        let other = self.resolve(&other);
                        self.error(
                            Diagnostic::error(
                                codes::MISMATCHED_TYPES,
                                format!("cannot iterate over a value of type `{other}`"),
                                self.loc(iterable.id),
                            )
                            .with_label("expected an array `[T]`, a `Map` or a range `a..b`")
                            .with_hint("A `for` loop goes over the elements of an array, the `(key, value)` entries of a `Map` or the integers of a range `a..b`."),
                        );
                        Ty::Error
                    }
                }
            }
        };
        let before = self.div;
        let mark = self.scope.len();
        match &pat.kind {
            PatKind::Bind {
                name,
                mutable: false,
            } if name.name != "_" => {
                self.record(pat.id, elem.clone());
                let id = self.add_local(name.name.clone(), elem, false, LocalKind::For, name.id);
                self.res.insert(name.id, Resolution::Local(id));
                self.res.insert(pat.id, Resolution::Local(id));
                self.scope.push(id);
            }
            _ => self.bind_irrefutable(pat, &elem, "for"),
        }
        self.loops.push(false);
        self.check_block(body, &Ty::Unit);
        self.loops.pop();
        self.scope.truncate(mark);
        self.div = before;
        Ty::Unit
    }

    fn infer_match(
        &mut self,
        e: &'a Expr,
        scrutinee: &'a Expr,
        arms: &'a [crate::ast::MatchArm],
        expected: Option<&Ty>,
    ) -> Ty {
        let scrut_ty = self.infer_expr(scrutinee, None);
        let before = self.div;
        let mut result: Option<(Ty, Option<NodeId>)> = expected.map(|t| (t.clone(), None));
        let mut all_diverge = true;
        let mut pattern_errors = false;
        for arm in arms {
            self.div = before;
            let mark = self.scope.len();
            let mut binds = Vec::new();
            let errors_before = self.cx.diagnostics.len();
            self.check_pattern(&arm.pat, &scrut_ty, &mut binds, None);
            self.check_duplicate_bindings(&binds);
            pattern_errors |= self.cx.diagnostics.len() > errors_before;
            self.scope.extend(binds.iter().map(|(_, id, _)| *id));
            if let Some(guard) = &arm.guard {
                self.check_expr(guard, &Ty::Bool);
            }
            let hint = result.as_ref().map(|(t, _)| t.clone());
            let arm_ty = self.infer_expr(&arm.body, hint.as_ref());
            all_diverge &= self.div.diverges;
            match &result {
                Some((want, first)) => {
                    let want = want.clone();
                    if !self.coerce(&arm_ty, &want) {
                        let (w, a) = (self.resolve(&want), self.resolve(&arm_ty));
                        if !w.references_error() && !a.references_error() {
                            let mut d = match first {
                                Some(_) => Diagnostic::error(
                                    codes::MISMATCHED_TYPES,
                                    "`match` arms have incompatible types",
                                    self.loc(arm.body.id),
                                ),
                                None => Diagnostic::error(
                                    codes::MISMATCHED_TYPES,
                                    "mismatched types",
                                    self.loc(arm.body.id),
                                ),
                            }
                            .with_label(format!("expected `{w}`, found `{a}`"));
                            if let Some(first) = first {
                                d = d.with_secondary(
                                    self.loc(*first),
                                    format!("the first arm is `{w}`"),
                                );
                            }
                            if let Some(h) = conversion_hint(&w, &a) {
                                d = d.with_hint(h);
                            }
                            self.error(d);
                        }
                    }
                }
                None => {
                    if !self.is_never(&arm_ty) {
                        result = Some((arm_ty, Some(arm.body.id)));
                    }
                }
            }
            self.scope.truncate(mark);
        }
        self.div = if all_diverge {
            Div {
                diverges: true,
                reported: before.reported,
            }
        } else {
            before
        };
        self.matches.push((e, scrut_ty, pattern_errors));
        if all_diverge {
            return Ty::Never;
        }
        result.map_or(Ty::Never, |(t, _)| t)
    }

    // ----- patterns -----------------------------------------------------------------------

    /// Checks a pattern against the type it matches, collecting its bindings. Inside the
    /// second and later alternatives of an or-pattern, `or_first` holds the bindings of the
    /// first alternative: a binding of the same name refers to the same local.
    fn check_pattern(
        &mut self,
        pat: &'a Pat,
        expected: &Ty,
        binds: &mut Vec<(Name, LocalId, NodeId)>,
        or_first: Option<&[(Name, LocalId, NodeId)]>,
    ) {
        self.record(pat.id, expected.clone());
        match &pat.kind {
            PatKind::Wild | PatKind::Error => {}
            PatKind::Bind { mutable, name } => {
                let mut mark_used = false;
                let existing = or_first.and_then(|first| {
                    first
                        .iter()
                        .find(|(n, _, _)| *n == name.name)
                        .map(|(_, id, _)| *id)
                });
                let id = match existing {
                    Some(id) => {
                        let ty = self.locals[id.0 as usize].local.ty.clone();
                        if !self.unify(&ty, expected) {
                            self.report_mismatch(pat.id, &ty, expected);
                        }
                        id
                    }
                    None => {
                        if or_first.is_some() {
                            mark_used = true;
                            self.error(
                                Diagnostic::error(
                                    codes::OR_PATTERN_BINDING,
                                    format!("variable `{}` is not bound in all patterns", name.name),
                                    self.loc(name.id),
                                )
                                .with_label("not bound in the first alternative")
                                .with_hint("Every alternative of an or-pattern `p | q` must bind the same variables."),
                            );
                        }
                        self.add_local(
                            name.name.clone(),
                            expected.clone(),
                            *mutable,
                            LocalKind::Pattern,
                            pat.id,
                        )
                    }
                };
                if mark_used {
                    self.locals[id.0 as usize].used = true;
                }
                self.res.insert(pat.id, Resolution::Local(id));
                self.res.insert(name.id, Resolution::Local(id));
                binds.push((name.name.clone(), id, pat.id));
            }
            PatKind::Lit(lit) => {
                let ty = literal_ty(lit);
                if !self.unify(&ty, expected) {
                    self.report_mismatch(pat.id, expected, &ty);
                }
            }
            PatKind::Path(path) => self.check_path_pattern(pat, path, expected),
            PatKind::Variant { path, fields } => {
                let payload = self.resolve_variant_pattern(pat, path, expected);
                match payload {
                    Some(tys) => {
                        if tys.len() != fields.len() {
                            let shown = Self::path_display(path);
                            self.error(
                                Diagnostic::error(
                                    codes::PATTERN_ARITY,
                                    format!(
                                        "this pattern has {}, but the variant `{shown}` has {}",
                                        plural(fields.len(), "field"),
                                        plural(tys.len(), "field")
                                    ),
                                    self.loc(pat.id),
                                )
                                .with_label(format!("expected {}", plural(tys.len(), "field")))
                                .with_hint("A variant pattern lists one sub-pattern per payload value; use `_` for values you do not need."),
                            );
                        }
                        for (i, sub) in fields.iter().enumerate() {
                            let t = tys.get(i).cloned().unwrap_or(Ty::Error);
                            self.check_pattern(sub, &t, binds, or_first);
                        }
                    }
                    None => {
                        for sub in fields {
                            self.check_pattern(sub, &Ty::Error, binds, or_first);
                        }
                    }
                }
            }
            PatKind::Tuple(elems) => {
                let tys: Vec<Ty> = match self.shallow(expected) {
                    Ty::Tuple(ts) if ts.len() == elems.len() => ts.to_vec(),
                    Ty::Error => vec![Ty::Error; elems.len()],
                    other => {
                        let fresh: Vec<Ty> = elems.iter().map(|_| self.new_var()).collect();
                        let tuple = Ty::Tuple(Arc::new(fresh.clone()));
                        if !self.unify(&other, &tuple) {
                            let other = self.resolve(&other);
                            if !other.references_error() {
                                self.error(
                                    Diagnostic::error(
                                        codes::MISMATCHED_TYPES,
                                        "mismatched types",
                                        self.loc(pat.id),
                                    )
                                    .with_label(format!(
                                        "expected `{other}`, found a tuple of {}",
                                        plural(elems.len(), "element")
                                    )),
                                );
                            }
                            vec![Ty::Error; elems.len()]
                        } else {
                            fresh
                        }
                    }
                };
                for (sub, t) in elems.iter().zip(tys.iter()) {
                    self.check_pattern(sub, t, binds, or_first);
                }
            }
            PatKind::Struct { path, fields, rest } => {
                let owner = self.resolve_struct_path(path);
                let info = owner.as_ref().and_then(|id| self.struct_info(id));
                let (Some(owner), Some(info)) = (owner, info) else {
                    for f in fields {
                        self.check_pattern(&f.pat, &Ty::Error, binds, or_first);
                    }
                    return;
                };
                let shared = self.arc(&owner);
                let sty = Ty::Struct(shared.clone());
                if !self.unify(&sty, expected) {
                    self.report_mismatch(pat.id, expected, &sty);
                }
                self.res.insert(pat.id, Resolution::Struct(shared.clone()));
                let mut named = Vec::new();
                for f in fields {
                    match info.field(&f.name.name) {
                        Some((index, field)) => {
                            if field.vis == Visibility::Private
                                && owner.module != self.cx.module_path
                            {
                                self.private_field(&f.name, &owner, field.node);
                            }
                            named.push(index);
                            self.res.insert(
                                f.id,
                                Resolution::PatField {
                                    struct_id: shared.clone(),
                                    index: index as u32,
                                },
                            );
                            let t = field.ty.clone();
                            self.check_pattern(&f.pat, &t, binds, or_first);
                        }
                        None => {
                            self.no_field(&f.name, &sty, None, false);
                            self.check_pattern(&f.pat, &Ty::Error, binds, or_first);
                        }
                    }
                }
                if !rest {
                    let missing: Vec<String> = info
                        .fields
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !named.contains(i))
                        .map(|(_, f)| format!("`{}`", f.name))
                        .collect();
                    if !missing.is_empty() {
                        self.error(
                            Diagnostic::error(
                                codes::MISSING_FIELDS,
                                format!("pattern does not mention field{} {}", if missing.len() == 1 { "" } else { "s" }, missing.join(", ")),
                                self.loc(pat.id),
                            )
                            .with_label("missing fields")
                            .with_hint("Name every field, or end the pattern with `..` to ignore the others."),
                        );
                    }
                }
            }
            PatKind::Or(alts) => {
                let Some((first, rest)) = alts.split_first() else {
                    return;
                };
                let start = binds.len();
                self.check_pattern(first, expected, binds, or_first);
                let first_binds: Vec<(Name, LocalId, NodeId)> = binds[start..].to_vec();
                for alt in rest {
                    let mut alt_binds = Vec::new();
                    self.check_pattern(alt, expected, &mut alt_binds, Some(&first_binds));
                    for (name, id, _) in &first_binds {
                        if !alt_binds.iter().any(|(n, _, _)| n == name) {
                            self.locals[id.0 as usize].used = true;
                            self.error(
                                Diagnostic::error(
                                    codes::OR_PATTERN_BINDING,
                                    format!("variable `{name}` is not bound in all patterns"),
                                    self.loc(alt.id),
                                )
                                .with_label(format!("pattern doesn't bind `{name}`"))
                                .with_hint("Every alternative of an or-pattern `p | q` must bind the same variables."),
                            );
                        }
                    }
                }
            }
        }
    }

    fn check_duplicate_bindings(&mut self, binds: &[(Name, LocalId, NodeId)]) {
        for (i, (name, id, node)) in binds.iter().enumerate() {
            if let Some((_, first_id, first)) = binds[..i].iter().find(|(n, _, _)| n == name)
                && first_id != id
            {
                let first = *first;
                // The error says it all; the shadowed binding is not also "unused".
                self.locals[first_id.0 as usize].used = true;
                self.error(
                    Diagnostic::error(
                        codes::DUPLICATE_BINDING,
                        format!("identifier `{name}` is bound more than once in the same pattern"),
                        self.loc(*node),
                    )
                    .with_label("bound again here")
                    .with_secondary(self.loc(first), "first bound here")
                    .with_hint("Give each binding of a pattern its own name."),
                );
            }
        }
    }

    /// Resolves the path of a pattern to an enum variant (recording it), returning the
    /// variant's payload types; reports and returns `None` otherwise.
    fn resolve_variant_pattern(
        &mut self,
        pat: &'a Pat,
        path: &'a Path,
        expected: &Ty,
    ) -> Option<Vec<Ty>> {
        match self.pattern_path(path) {
            PatPath::Variant {
                enum_id,
                index,
                info,
            } => {
                let enum_id = self.arc(&enum_id);
                let enum_ty = Ty::Enum(enum_id.clone());
                if !self.unify(&enum_ty, expected) {
                    self.report_mismatch(pat.id, expected, &enum_ty);
                }
                self.res.insert(
                    pat.id,
                    Resolution::Variant {
                        enum_id,
                        index: index as u32,
                    },
                );
                Some(info.variants[index].fields.clone())
            }
            PatPath::Prelude(v) => {
                let (ty, payload) = self.prelude_variant_ty(v);
                if !self.unify(&ty, expected) {
                    self.report_mismatch(pat.id, expected, &ty);
                    // Reported: what the sub-patterns bind has no type to ask about later.
                    return Some(vec![Ty::Error; payload.len()]);
                }
                self.res.insert(pat.id, Resolution::PreludeVariant(v));
                Some(payload.iter().map(|t| self.resolve(t)).collect())
            }
            PatPath::Const(id, _) => {
                self.not_a_variant(path, "constant");
                let _ = id;
                None
            }
            PatPath::Other(what) => {
                self.not_a_variant(path, what);
                None
            }
            PatPath::Error => None,
        }
    }

    fn not_a_variant(&mut self, path: &Path, what: &str) {
        self.error(
            Diagnostic::error(
                codes::PATTERN_NOT_VARIANT,
                format!("expected an enum variant, found {what} `{}`", Self::path_display(path)),
                self.loc(path.id),
            )
            .with_label("not a variant")
            .with_hint("Patterns can name enum variants (`Enum::Variant`, `Enum::Variant(x)`) and constants of two or more segments (`module::LIMIT`)."),
        );
    }

    fn check_path_pattern(&mut self, pat: &'a Pat, path: &'a Path, expected: &Ty) {
        match self.pattern_path(path) {
            PatPath::Variant {
                enum_id,
                index,
                info,
            } => {
                let enum_id = self.arc(&enum_id);
                let enum_ty = Ty::Enum(enum_id.clone());
                if !self.unify(&enum_ty, expected) {
                    self.report_mismatch(pat.id, expected, &enum_ty);
                }
                let n = info.variants[index].fields.len();
                if n > 0 {
                    let shown = Self::path_display(path);
                    let subpatterns = vec!["_"; n].join(", ");
                    self.error(
                        Diagnostic::error(
                            codes::PATTERN_ARITY,
                            format!(
                                "this pattern has 0 fields, but the variant `{shown}` has {}",
                                plural(n, "field")
                            ),
                            self.loc(pat.id),
                        )
                        .with_label(format!("expected {}", plural(n, "field")))
                        .with_hint(format!("Match its payload too: `{shown}({subpatterns})`.")),
                    );
                }
                self.res.insert(
                    pat.id,
                    Resolution::Variant {
                        enum_id,
                        index: index as u32,
                    },
                );
            }
            PatPath::Const(id, ty) => {
                if !self.unify(&ty, expected) {
                    self.report_mismatch(pat.id, expected, &ty);
                }
                let id = self.arc(&id);
                self.res.insert(pat.id, Resolution::Const(id));
            }
            PatPath::Prelude(v) => {
                let (ty, payload) = self.prelude_variant_ty(v);
                if !self.unify(&ty, expected) {
                    self.report_mismatch(pat.id, expected, &ty);
                }
                if !payload.is_empty() {
                    self.error(
                        Diagnostic::error(
                            codes::PATTERN_ARITY,
                            format!(
                                "this pattern has 0 fields, but the variant `{}` has 1 field",
                                v.name()
                            ),
                            self.loc(pat.id),
                        )
                        .with_label("expected 1 field")
                        .with_hint(format!("Match its value too: `{}(_)`.", v.name())),
                    );
                }
                self.res.insert(pat.id, Resolution::PreludeVariant(v));
            }
            PatPath::Other(what) => self.not_a_variant(path, what),
            PatPath::Error => {}
        }
    }

    fn pattern_path(&mut self, path: &'a Path) -> PatPath {
        match self.resolve_value_path(path) {
            ValueRes::Variant {
                enum_id,
                index,
                info,
            } => PatPath::Variant {
                enum_id,
                index,
                info,
            },
            ValueRes::Def(Def::Item {
                id,
                kind: DefKind::Const,
            }) => {
                let ty = self.const_ty(&id);
                self.const_refs.push(id.clone());
                PatPath::Const(id, ty)
            }
            ValueRes::Def(Def::Err) | ValueRes::Error => PatPath::Error,
            ValueRes::Def(def) => PatPath::Other(def.describe()),
            ValueRes::Assoc { decl, .. } => PatPath::Other(if decl.has_self {
                "method"
            } else {
                "associated function"
            }),
            ValueRes::Builtin(_) => PatPath::Other("built-in function"),
            ValueRes::PreludeVariant(v) => PatPath::Prelude(v),
            ValueRes::ConstValue(_) => PatPath::Other("constant"),
            ValueRes::Local(_) => PatPath::Other("variable"),
            ValueRes::NotFound { module, index } => {
                let seg = &path.segments[index];
                if index + 1 == path.segments.len() && index > 0 {
                    // `Enum::Missing` is handled by `type_member`; this is `module::missing`.
                    self.report_not_found(path, module, index, "variant or constant");
                } else {
                    let _ = seg;
                    self.report_not_found(path, module, index, "value");
                }
                PatPath::Error
            }
        }
    }

    // ----- constants ----------------------------------------------------------------------

    /// E0015: a constant initializer may only use literals, other constants, operators and
    /// array literals.
    fn const_check(&mut self, e: &'a Expr) {
        let what = match &e.kind {
            ExprKind::Lit(_) | ExprKind::Error => return,
            ExprKind::Path(_) => match self.res.get(e.id) {
                Some(Resolution::Const(_) | Resolution::ConstValue(_)) | None => return,
                Some(Resolution::Local(_)) => return,
                Some(_) => "only other constants can be named in a constant",
            },
            ExprKind::Unary(_, inner) => return self.const_check(inner),
            ExprKind::Binary(_, l, r) => {
                self.const_check(l);
                self.const_check(r);
                return;
            }
            ExprKind::Array(elems) => {
                for el in elems {
                    self.const_check(el);
                }
                return;
            }
            ExprKind::Call { .. } => "function calls are not allowed in constants",
            ExprKind::MethodCall { .. } => "method calls are not allowed in constants",
            ExprKind::StructLit { .. } => "struct literals are not allowed in constants",
            _ => "only literals, constants, operators and array literals are allowed in constants",
        };
        self.error(
            Diagnostic::error(codes::NOT_CONSTANT, "not a constant expression", self.loc(e.id))
                .with_label(what)
                .with_hint("A `const` is computed before the program runs; use a function for values that need calls, or build the value in `main`."),
        );
    }

    // ----- the end of the body ------------------------------------------------------------

    fn finish(mut self) -> InferenceResult {
        self.run_deferred();
        if !self.vars.is_empty() {
            self.report_unsolved();
            // Final types: every variable substituted; any left over is an error already
            // reported. (Without variables, every type is final already.)
            let types: Vec<Option<Ty>> = self
                .types
                .iter()
                .map(|t| t.as_ref().map(|t| finalize(&self.resolve(t))))
                .collect();
            self.types = types;
            for state in &mut self.locals {
                let resolved = finalize(&resolve_with(&self.vars, &state.local.ty));
                state.local.ty = resolved;
            }
        }
        let matches = std::mem::take(&mut self.matches);
        for (m, scrut, pattern_errors) in matches {
            if !pattern_errors {
                self.check_match(m, &scrut);
            }
        }
        let irrefutable = std::mem::take(&mut self.irrefutable);
        for (pat, ty, what) in irrefutable {
            self.check_irrefutable(pat, &ty, what);
        }
        self.unused_warnings();
        let mut import_uses = std::mem::take(&mut self.cx.import_uses);
        import_uses.sort();
        import_uses.dedup();
        let mut const_refs = std::mem::take(&mut self.const_refs);
        const_refs.sort();
        const_refs.dedup();
        InferenceResult {
            item: self.cx.item.clone(),
            types: self.types,
            resolutions: self.res,
            locals: self.locals.into_iter().map(|s| s.local).collect(),
            params: self.params,
            ret: self.ret,
            diagnostics: std::mem::take(&mut self.cx.diagnostics),
            import_uses,
            const_refs,
            captures: self.captures,
        }
    }

    fn run_deferred(&mut self) {
        let deferred = std::mem::take(&mut self.deferred);
        for d in deferred {
            match d {
                Deferred::Bound {
                    node,
                    ty,
                    bound,
                    name,
                } => {
                    let t = self.resolve(&ty);
                    if !matches!(t, Ty::Var(_)) {
                        self.check_bound(node, &t, bound, name);
                    }
                }
                Deferred::Arith { node, op, ty } => {
                    let t = self.resolve(&ty);
                    if !matches!(t, Ty::Var(_))
                        && !t.references_error()
                        && t != Ty::Never
                        && !arith_supported(op, &t)
                    {
                        self.arith_error(node, op, &t, &t);
                    }
                }
            }
        }
    }

    /// E0282 for every variable (then every expression) whose type is still unknown.
    fn report_unsolved(&mut self) {
        for i in 0..self.locals.len() {
            let ty = self.resolve(&self.locals[i].local.ty);
            if has_var(&ty) {
                let local = self.locals[i].local.clone();
                self.poison_vars(&ty);
                let shown = example_type(&ty);
                let example = match local.kind {
                    // A closure's parameter (a parameter whose type was inferred).
                    LocalKind::Param => format!("|{}: {shown}| …", local.name),
                    _ => format!("let {}: {shown} = …;", local.name),
                };
                self.error(
                    Diagnostic::error(
                        codes::TYPE_NEEDED,
                        format!("type annotations needed for `{}`", local.name),
                        self.loc(local.decl),
                    )
                    .with_label(format!("the type of `{}` is never decided", local.name))
                    .with_hint(format!(
                        "Give the variable a type, for example `{example}` (the type you mean)."
                    )),
                );
            }
        }
        for i in 0..self.types.len() {
            let Some(ty) = self.types[i].clone() else {
                continue;
            };
            let ty = self.resolve(&ty);
            if has_var(&ty) {
                self.poison_vars(&ty);
                self.error(
                    Diagnostic::error(codes::TYPE_NEEDED, "type annotations needed", self.loc(NodeId(i as u32)))
                        .with_label("the type of this value is never decided")
                        .with_hint("Store the value in a variable with a type, for example `let xs: [i64] = [];`."),
                );
            }
        }
    }

    fn poison_vars(&mut self, ty: &Ty) {
        match self.shallow(ty) {
            Ty::Var(v) => self.bind(v, Ty::Error),
            Ty::Array(elem) => self.poison_vars(&elem),
            Ty::Fn(f) => {
                for p in &f.params {
                    self.poison_vars(p);
                }
                self.poison_vars(&f.ret);
            }
            Ty::Tuple(elems) | Ty::App(_, elems) => {
                for e in elems.iter() {
                    self.poison_vars(e);
                }
            }
            _ => {}
        }
    }

    /// W0001 (unused variable) and W0003 (unneeded `mut`).
    fn unused_warnings(&mut self) {
        let mut out = Vec::new();
        for state in &self.locals {
            let local = &state.local;
            if local.kind == LocalKind::SelfParam
                || local.name.starts_with('_')
                || local.ty.references_error()
            {
                continue;
            }
            if !state.used {
                let what = match local.kind {
                    LocalKind::Param => "parameter",
                    _ => "variable",
                };
                out.push(
                    Diagnostic::warning(
                        codes::UNUSED_VARIABLE,
                        format!("unused {what}: `{}`", local.name),
                        self.loc(local.decl),
                    )
                    .with_label("never read")
                    .with_hint(format!(
                        "If this is intentional, prefix it with an underscore: `_{}`.",
                        local.name
                    )),
                );
            }
            if local.kind == LocalKind::Param
                && local.mutable
                && state.mutated
                && state.used
                && state.uses == state.changing_uses
            {
                out.push(
                    Diagnostic::warning(
                        codes::LOST_MUT_PARAM,
                        format!(
                            "parameter `{}` is changed but never read: the change is lost when the function returns",
                            local.name
                        ),
                        self.loc(local.decl),
                    )
                    .with_label("a copy of the caller's value")
                    .with_hint(format!(
                        "A `mut` parameter is the function's own copy; changing it does not change the caller's value. Return it instead (add `-> {}` to the signature and `{}` at the end, and assign the result at the call), or make the function a `mut self` method of the type that holds the value.",
                        self.resolve(&local.ty),
                        local.name
                    )),
                );
            }
            if local.mutable && !state.mutated {
                out.push(
                    Diagnostic::warning(
                        codes::UNUSED_MUT,
                        format!("variable `{}` does not need to be mutable", local.name),
                        self.loc(local.decl),
                    )
                    .with_label("never changed")
                    .with_hint(format!(
                        "Remove `mut` from the declaration of `{}`.",
                        local.name
                    )),
                );
            }
        }
        for d in out {
            self.error(d);
        }
    }

    // ----- exhaustiveness -----------------------------------------------------------------

    fn check_match(&mut self, m: &'a Expr, scrut: &Ty) {
        let ExprKind::Match { scrutinee, arms } = &m.kind else {
            return;
        };
        let scrut = finalize(&resolve_with(&self.vars, scrut));
        if scrut.references_error() {
            return;
        }
        let mut rows = Vec::with_capacity(arms.len());
        for arm in arms {
            match self.lower_pattern(&arm.pat) {
                Some(p) => rows.push((p, arm.guard.is_some())),
                None => return,
            }
        }
        let mut provider = VariantProvider { infer: self };
        let outcome = exhaustive::check(&mut provider, &scrut, &rows);
        for index in outcome.unreachable {
            let arm = &arms[index];
            self.error(
                Diagnostic::warning(codes::UNREACHABLE_PATTERN, "unreachable pattern", self.loc(arm.pat.id))
                    .with_label("this arm can never match")
                    .with_hint("The arms above already match every value this pattern matches; remove it or move it up."),
            );
        }
        if outcome.missing_total > 0 {
            let list = list_names(&outcome.missing, outcome.missing_total);
            let word = if outcome.missing_total == 1 {
                "pattern"
            } else {
                "patterns"
            };
            self.error(
                Diagnostic::error(
                    codes::NON_EXHAUSTIVE,
                    format!("non-exhaustive patterns: {list} not covered"),
                    self.loc(scrutinee.id),
                )
                .with_label(format!("{word} {list} not covered"))
                .with_hint("Add arms for the missing patterns, or a wildcard arm `_ => …` for the rest (guarded arms do not count)."),
            );
        }
    }

    /// Converts a checked pattern to the exhaustiveness checker's form (`None` if the pattern
    /// has errors: such matches are not checked further).
    fn lower_pattern(&self, pat: &Pat) -> Option<exhaustive::Pat> {
        use exhaustive::{Ctor, Pat as P};
        Some(match &pat.kind {
            PatKind::Wild | PatKind::Bind { .. } => P::Wild,
            PatKind::Error => return None,
            PatKind::Lit(lit) => P::Ctor(
                match lit {
                    Literal::Int(i) => Ctor::Int(*i),
                    Literal::Float(f) => Ctor::Float(*f),
                    Literal::Str(s) => Ctor::Str(s.clone()),
                    Literal::Bool(b) => Ctor::Bool(*b),
                },
                Vec::new(),
            ),
            PatKind::Tuple(elems) => P::Ctor(
                Ctor::Single,
                elems
                    .iter()
                    .map(|p| self.lower_pattern(p))
                    .collect::<Option<Vec<_>>>()?,
            ),
            PatKind::Struct { fields, .. } => {
                let Some(Resolution::Struct(id)) = self.res.get(pat.id) else {
                    return None;
                };
                let n = self.structs.get(&**id)?.as_ref()?.fields.len();
                let mut subs = vec![P::Wild; n];
                for f in fields {
                    let Some(Resolution::PatField { index, .. }) = self.res.get(f.id) else {
                        return None;
                    };
                    *subs.get_mut(*index as usize)? = self.lower_pattern(&f.pat)?;
                }
                P::Ctor(Ctor::Single, subs)
            }
            PatKind::Path(_) => match self.res.get(pat.id)? {
                Resolution::PreludeVariant(v) => P::Ctor(Ctor::Variant(v.index()), Vec::new()),
                Resolution::Variant { index, .. } => P::Ctor(Ctor::Variant(*index), Vec::new()),
                Resolution::Const(_) => P::Ctor(Ctor::Opaque(pat.id.0), Vec::new()),
                _ => return None,
            },
            PatKind::Variant { fields, .. } => match self.res.get(pat.id)? {
                Resolution::PreludeVariant(v) => {
                    let subs = fields
                        .iter()
                        .map(|f| self.lower_pattern(f))
                        .collect::<Option<Vec<_>>>()?;
                    P::Ctor(Ctor::Variant(v.index()), subs)
                }
                Resolution::Variant { index, .. } => {
                    let subs = fields
                        .iter()
                        .map(|f| self.lower_pattern(f))
                        .collect::<Option<Vec<_>>>()?;
                    P::Ctor(Ctor::Variant(*index), subs)
                }
                _ => return None,
            },
            PatKind::Or(alts) => P::Or(
                alts.iter()
                    .map(|a| self.lower_pattern(a))
                    .collect::<Option<Vec<_>>>()?,
            ),
        })
    }
}

enum PatPath {
    Prelude(PVariant),
    Variant {
        enum_id: ItemId,
        index: usize,
        info: Arc<EnumInfo>,
    },
    Const(ItemId, Ty),
    Other(&'static str),
    Error,
}

struct VariantProvider<'i, 'a, 'db> {
    infer: &'i mut Infer<'a, 'db>,
}

impl exhaustive::Variants for VariantProvider<'_, '_, '_> {
    fn variants(&mut self, enum_id: &ItemId) -> Option<Arc<EnumInfo>> {
        self.infer.enum_info(enum_id)
    }

    fn struct_fields(&mut self, struct_id: &ItemId) -> Option<Vec<Ty>> {
        let info = self.infer.struct_info(struct_id)?;
        Some(info.fields.iter().map(|f| f.ty.clone()).collect())
    }
}

fn literal_ty(lit: &Literal) -> Ty {
    match lit {
        Literal::Int(_) => Ty::I64,
        Literal::Float(_) => Ty::F64,
        Literal::Str(_) => Ty::Str,
        Literal::Bool(_) => Ty::Bool,
    }
}

fn arith_supported(op: BinOp, ty: &Ty) -> bool {
    let bitwise = matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor);
    let shift = matches!(op, BinOp::Shl | BinOp::Shr);
    match ty {
        Ty::I64 => true,
        Ty::F64 => !bitwise && !shift,
        Ty::Bool => bitwise,
        Ty::Str => op == BinOp::Add,
        _ => false,
    }
}

fn has_var(ty: &Ty) -> bool {
    match ty {
        Ty::Var(_) => true,
        other => other.any_child(has_var),
    }
}

/// A type as the user could write it for an annotation hint: unknown parts become `i64`.
fn example_type(ty: &Ty) -> String {
    fn fill(ty: &Ty) -> Ty {
        match ty {
            Ty::Var(_) | Ty::Error => Ty::I64,
            other => other.map_children(fill),
        }
    }
    fill(ty).to_string()
}

/// Replaces unsolved variables by the error type (they have been reported).
fn finalize(ty: &Ty) -> Ty {
    match ty {
        Ty::Var(_) => Ty::Error,
        other if has_var(other) => other.map_children(finalize),
        other => other.clone(),
    }
}

fn resolve_with(vars: &[Option<Ty>], ty: &Ty) -> Ty {
    match ty {
        Ty::Var(v) => match vars.get(*v as usize).and_then(Clone::clone) {
            Some(bound) => resolve_with(vars, &bound),
            None => ty.clone(),
        },
        other => other.map_children(|t| resolve_with(vars, t)),
    }
}

/// A hint for a mismatch that an explicit conversion fixes.
fn conversion_hint(expected: &Ty, actual: &Ty) -> Option<String> {
    match (expected, actual) {
        (Ty::F64, Ty::I64) => Some("Convert with `.to_f64()`: holo has no implicit numeric conversions.".to_string()),
        (Ty::I64, Ty::F64) => Some("Convert with `.to_i64()` (it truncates toward zero): holo has no implicit numeric conversions.".to_string()),
        (Ty::Str, Ty::I64 | Ty::F64 | Ty::Bool) => Some("Convert with `.to_str()`.".to_string()),
        _ => None,
    }
}
