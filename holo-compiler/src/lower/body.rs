//! Lowering of one function body from its syntax tree and inference result to IR blocks.
//!
//! Expressions lower to [`Val`]s: a value that is only borrowed (a constant, a variable, an
//! alias of a place) or an owned temporary that the consumer must take over or drop. Owning
//! consumers (stores, aggregates, returns) turn a borrowed heap value into a copy (the IR's
//! `Operand::Copy`, which adds a reference) and an owned temporary into a move; borrowing
//! consumers (calls, operators) read either and drop the temporary afterwards.
//!
//! Evaluation order is left to right. Operands are read when the instruction that uses them
//! runs, so an operand that reads a variable is first copied into a temporary when a later
//! operand of the same expression could change that variable (see [`may_mutate`]).

use super::consts::{const_value, literal};
use super::{ir_ty, item_position, line_col, line_starts};
use crate::ast::{
    self, Block as AstBlock, Expr, ExprKind, FnDef, Item, ItemKind, Literal, NodeId, Pat, PatKind,
    StmtKind,
};
use crate::db::{self, ItemKey};
use crate::ids::ItemId;
use crate::ir::{
    self, BinOp, Block, BlockId, Callee, Const, Inst, LocalDecl, LocalId, Operand, Place, Proj,
    Rvalue, SelfMode, Site, SiteId, Terminator, Ty, UnOp, item_key,
};
use crate::sema::builtins::{BuiltinId, builtin};
use crate::sema::{self, InferenceResult, Resolution};
use std::collections::HashMap;
use std::sync::Arc;

use super::LowerError;

/// A lowered expression's value.
#[derive(Clone, Debug)]
enum Val {
    /// Readable without owning it: a constant, a variable, or an alias of a place.
    Borrowed(Operand),
    /// An owned temporary holding a reference that must be taken over or dropped.
    Owned(LocalId),
}

struct LoopTargets {
    break_to: BlockId,
    continue_to: BlockId,
}

struct Lower<'a> {
    db: &'a dyn salsa::Database,
    infer: &'a InferenceResult,
    source_map: Option<&'a ast::ItemSourceMap>,
    text: &'a str,
    starts: &'a [u32],
    locals: Vec<LocalDecl>,
    /// Whether each local is a user variable (as opposed to a temporary).
    is_var: Vec<bool>,
    map: HashMap<u32, LocalId>,
    blocks: Vec<Block>,
    /// The block instructions are appended to; `None` after code that cannot continue.
    current: Option<BlockId>,
    sites: Vec<Site>,
    site_of: HashMap<u32, SiteId>,
    callees: Vec<String>,
    callee_of: HashMap<String, u32>,
    loops: Vec<LoopTargets>,
    /// Bindings made by patterns hold references of their own (destructuring `let` and `for`,
    /// whose bindings outlive the value they were taken from).
    own_bindings: bool,
    /// The function's result type (what `?` returns early).
    ret_ty: Ty,
    /// The item's key and display name, and its file (for the functions made for closures).
    item_key: String,
    item_name: String,
    file_path: String,
    /// The functions made for the closures (and functions used as values) of this body.
    closures: Vec<ir::Function>,
}

/// What every function lowered from one item reads: its inference result and positions.
struct Shared<'a> {
    db: &'a dyn salsa::Database,
    infer: &'a InferenceResult,
    source_map: Option<&'a ast::ItemSourceMap>,
    text: &'a str,
    starts: &'a [u32],
}

/// The item functions are lowered from (for the keys and names of its closures).
struct Origin {
    item_key: String,
    item_name: String,
    file_path: String,
}

/// Lowers one function, method or associated function: the function itself first, then the
/// functions made for its closures.
pub(super) fn lower(
    db: &dyn salsa::Database,
    item: ItemKey<'_>,
    ast: &Item,
) -> Result<Vec<ir::Function>, LowerError> {
    let id = item.id(db).clone();
    let func: &FnDef = match &ast.kind {
        ItemKind::Fn(f) => f,
        ItemKind::Method(m) => &m.func,
        _ => return Err(LowerError::Internal(format!("`{id}` is not a function"))),
    };
    let infer = sema::infer_body(db, item)
        .clone()
        .ok_or_else(|| LowerError::Internal(format!("`{id}` has no inference result")))?;
    if infer.has_errors() {
        return Err(LowerError::HasErrors { errors: 1 });
    }
    let sig = sema::fn_signature(db, item)
        .ok_or_else(|| LowerError::Internal(format!("`{id}` has no signature")))?;
    let file = db::module_file(db, &id.module)
        .ok_or_else(|| LowerError::Internal(format!("the module of `{id}` has no file")))?;
    let parsed = db::parse(db, file);
    let index = file.items(db).iter().position(|(i, _)| *i == id);
    let source_map = index.and_then(|i| parsed.source_maps.get(i));
    let (path, line) = item_position(db, &id, sig.name_node);

    let mut cx = Lower::start(
        Shared {
            db,
            infer: &infer,
            source_map,
            text: file.text(db),
            starts: line_starts(db, file),
        },
        ir_ty(&infer.ret),
        Origin {
            item_key: item_key(&id),
            item_name: id.display_path(),
            file_path: path.clone(),
        },
    );
    let self_mode = match sig.receiver {
        None => SelfMode::None,
        Some(sema::SelfKind::Value) => SelfMode::Value,
        Some(sema::SelfKind::Mut) => SelfMode::Mut,
    };
    // Parameters first, in order: borrowed, except a `mut self` receiver, which the callee owns
    // while it runs.
    for (i, &param) in infer.params.iter().enumerate() {
        let local = infer.local(param).ok_or_else(|| {
            LowerError::Internal(format!("`{id}` has a parameter without a local"))
        })?;
        let owned = i == 0 && self_mode == SelfMode::Mut;
        let l = cx.new_local(ir_ty(&local.ty), owned, Some(local.name.to_string()), true);
        cx.map.insert(param.0, l);
    }
    let params = cx.locals.len() as u32;
    let entry = cx.new_block();
    cx.current = Some(entry);
    // A `mut` parameter is the function's own copy: take a reference of it on entry.
    for (i, &param) in infer.params.iter().enumerate() {
        let Some(local) = infer.local(param) else {
            continue;
        };
        if local.mutable && !(i == 0 && self_mode == SelfMode::Mut) {
            let ty = ir_ty(&local.ty);
            let own = cx.new_local(ty, true, Some(local.name.to_string()), true);
            let from = i as LocalId;
            cx.emit(Inst::Assign {
                dst: own,
                value: Rvalue::Use(Operand::Copy(from)),
                site: 0,
            });
            cx.map.insert(param.0, own);
        }
    }
    let ret = ir_ty(&infer.ret);
    let value = cx.function_body(&func.body)?;
    if let Some(v) = value {
        let op = cx.owning(v);
        cx.terminate(Terminator::Return(op));
    }
    cx.terminate(Terminator::Unreachable);
    if cx.sites.is_empty() {
        cx.sites.push(Site { line, col: 1 });
    }
    let mut out = vec![ir::Function {
        key: item_key(&id),
        name: id.display_path(),
        file: path,
        line,
        body: ir::Body {
            params,
            self_mode,
            ret,
            locals: cx.locals,
            blocks: cx.blocks,
            sites: cx.sites,
            callees: cx.callees,
        },
        links: Vec::new(),
    }];
    out.extend(cx.closures);
    Ok(out)
}

type Res<T> = Result<T, LowerError>;

fn internal<T>(what: impl Into<String>) -> Res<T> {
    Err(LowerError::Internal(what.into()))
}

/// Whether evaluating `e` can change a local variable: it assigns, or calls a method that
/// changes its receiver. Calls of other functions cannot change this function's variables.
fn may_mutate(infer: &InferenceResult, e: &Expr) -> bool {
    let mut found = false;
    visit(e, &mut |x| match &x.kind {
        ExprKind::Assign { .. } => found = true,
        ExprKind::MethodCall { .. } => {
            if matches!(
                infer.resolution(x.id),
                Some(Resolution::Method {
                    mutates_receiver: true,
                    ..
                }) | Some(Resolution::BuiltinMethod {
                    mutates_receiver: true,
                    ..
                })
            ) {
                found = true;
            }
        }
        _ => {}
    });
    found
}

/// Calls `f` on `e` and every expression inside it.
fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    let block = |b: &AstBlock, f: &mut dyn FnMut(&Expr)| {
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let { init: Some(i), .. } => visit(i, f),
                StmtKind::Expr { expr, .. } => visit(expr, f),
                _ => {}
            }
        }
        if let Some(t) = &b.tail {
            visit(t, f);
        }
    };
    match &e.kind {
        ExprKind::Unary(_, a) | ExprKind::Field { base: a, .. } => visit(a, f),
        ExprKind::Binary(_, a, b)
        | ExprKind::Index { base: a, index: b }
        | ExprKind::Range { start: a, end: b } => {
            visit(a, f);
            visit(b, f);
        }
        ExprKind::Assign { target, value, .. } => {
            visit(target, f);
            visit(value, f);
        }
        ExprKind::Call { callee, args } => {
            visit(callee, f);
            args.iter().for_each(|a| visit(a, f));
        }
        ExprKind::MethodCall { receiver, args, .. } => {
            visit(receiver, f);
            args.iter().for_each(|a| visit(a, f));
        }
        ExprKind::StructLit { fields, .. } => fields.iter().for_each(|i| visit(&i.value, f)),
        ExprKind::Array(items) => items.iter().for_each(|i| visit(i, f)),
        ExprKind::Block(b) | ExprKind::Loop { body: b } => block(b, f),
        ExprKind::While { cond, body } => {
            visit(cond, f);
            block(body, f);
        }
        ExprKind::For { iterable, body, .. } => {
            visit(iterable, f);
            block(body, f);
        }
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => {
            visit(cond, f);
            block(then_branch, f);
            if let Some(e) = else_branch {
                visit(e, f);
            }
        }
        ExprKind::Return(Some(v)) => visit(v, f),
        ExprKind::Match { scrutinee, arms } => {
            visit(scrutinee, f);
            for arm in arms {
                if let Some(g) = &arm.guard {
                    visit(g, f);
                }
                visit(&arm.body, f);
            }
        }
        _ => {}
    }
}

impl<'a> Lower<'a> {
    // ----- bookkeeping --------------------------------------------------------------------

    fn new_local(&mut self, ty: Ty, owned: bool, name: Option<String>, var: bool) -> LocalId {
        self.locals.push(LocalDecl { ty, owned, name });
        self.is_var.push(var);
        self.locals.len() as LocalId - 1
    }

    fn temp(&mut self, ty: Ty) -> LocalId {
        let owned = ty.is_heap();
        self.new_local(ty, owned, None, false)
    }

    /// A temporary that aliases a value owned elsewhere.
    fn alias(&mut self, ty: Ty) -> LocalId {
        self.new_local(ty, false, None, false)
    }

    fn new_block(&mut self) -> BlockId {
        self.blocks.push(Block {
            insts: Vec::new(),
            term: Terminator::Unreachable,
        });
        self.blocks.len() as BlockId - 1
    }

    /// Appends an instruction to the current block (dropped if the code is unreachable).
    fn emit(&mut self, inst: Inst) {
        if let Some(b) = self.current {
            self.blocks[b as usize].insts.push(inst);
        }
    }

    /// Ends the current block; the code after it is unreachable until [`Self::switch_to`].
    fn terminate(&mut self, term: Terminator) {
        if let Some(b) = self.current.take() {
            self.blocks[b as usize].term = term;
        }
    }

    fn goto(&mut self, target: BlockId) {
        self.terminate(Terminator::Goto(target));
    }

    fn switch_to(&mut self, block: BlockId) {
        self.current = Some(block);
    }

    fn site(&mut self, node: NodeId) -> SiteId {
        if let Some(&s) = self.site_of.get(&node.0) {
            return s;
        }
        let offset = self.source_map.map_or(0, |m| m.span(node).start);
        let (line, col) = line_col(self.text, self.starts, offset);
        self.sites.push(Site { line, col });
        let s = self.sites.len() as SiteId - 1;
        self.site_of.insert(node.0, s);
        s
    }

    fn callee(&mut self, id: &ItemId) -> u32 {
        self.callee_key(item_key(id))
    }

    fn callee_key(&mut self, key: String) -> u32 {
        if let Some(&i) = self.callee_of.get(&key) {
            return i;
        }
        self.callees.push(key.clone());
        let i = self.callees.len() as u32 - 1;
        self.callee_of.insert(key, i);
        i
    }

    fn ty(&self, node: NodeId) -> Ty {
        self.infer.ty(node).map(ir_ty).unwrap_or(Ty::Unit)
    }

    fn is_never(&self, node: NodeId) -> bool {
        matches!(self.infer.ty(node), Some(sema::Ty::Never))
    }

    fn local_of(&self, id: sema::LocalId) -> Res<LocalId> {
        match self.map.get(&id.0) {
            Some(&l) => Ok(l),
            None => internal(format!(
                "the variable `{}` was used before it was declared",
                self.infer
                    .local(id)
                    .map(|l| l.name.to_string())
                    .unwrap_or_default()
            )),
        }
    }

    fn local_ty(&self, l: LocalId) -> Ty {
        self.locals
            .get(l as usize)
            .map_or(Ty::Unit, |d| d.ty.clone())
    }

    // ----- values -------------------------------------------------------------------------

    /// The operand of a value in a borrowing position; [`Self::release`] it afterwards.
    fn borrow(&self, v: &Val) -> Operand {
        match v {
            Val::Borrowed(op) => op.clone(),
            Val::Owned(t) => Operand::Copy(*t),
        }
    }

    /// Ends a borrowing use: drops an owned temporary.
    fn release(&mut self, v: Val) {
        if let Val::Owned(t) = v {
            self.emit(Inst::Drop(t));
        }
    }

    /// The operand of a value in an owning position.
    fn owning(&mut self, v: Val) -> Operand {
        match v {
            Val::Borrowed(op) => op,
            Val::Owned(t) => Operand::Move(t),
        }
    }

    /// Makes a value safe to read after code that may change variables has run: a variable, or
    /// an alias of a heap value, is copied into a temporary of its own.
    fn stabilize(&mut self, v: Val) -> Val {
        let Val::Borrowed(Operand::Copy(l)) = v else {
            return v;
        };
        let ty = self.local_ty(l);
        let aliased = !self.locals[l as usize].owned && ty.is_heap();
        if !self.is_var[l as usize] && !aliased {
            return v;
        }
        let t = self.temp(ty.clone());
        self.emit(Inst::Assign {
            dst: t,
            value: Rvalue::Use(Operand::Copy(l)),
            site: 0,
        });
        if ty.is_heap() {
            Val::Owned(t)
        } else {
            Val::Borrowed(Operand::Copy(t))
        }
    }

    /// Lowers the expressions of an argument list (or operand list) left to right, keeping each
    /// value stable against side effects of the ones after it.
    fn operands(&mut self, exprs: &[&Expr]) -> Res<Option<Vec<Val>>> {
        // Whether some operand after the i-th may mutate, for every i, in one pass from the end:
        // asking it of every suffix would be quadratic in long array literals.
        let mut later_mutates = vec![false; exprs.len()];
        for i in (1..exprs.len()).rev() {
            later_mutates[i - 1] = later_mutates[i] || may_mutate(self.infer, exprs[i]);
        }
        let mut out = Vec::with_capacity(exprs.len());
        for (e, later_mutates) in exprs.iter().zip(later_mutates) {
            let Some(v) = self.expr(e)? else {
                for v in out {
                    self.release(v);
                }
                return Ok(None);
            };
            out.push(if later_mutates { self.stabilize(v) } else { v });
        }
        Ok(Some(out))
    }

    /// Stores a value into a new temporary of type `ty` (used for results of instructions).
    fn assign_temp(&mut self, ty: Ty, value: Rvalue, site: SiteId) -> Val {
        let t = self.temp(ty.clone());
        self.emit(Inst::Assign {
            dst: t,
            value,
            site,
        });
        if ty.is_heap() {
            Val::Owned(t)
        } else {
            Val::Borrowed(Operand::Copy(t))
        }
    }

    // ----- blocks and statements ----------------------------------------------------------

    /// Lowers a block; `None` if it cannot complete normally.
    fn block(&mut self, b: &AstBlock) -> Res<Option<Val>> {
        self.block_with(b, false)
    }

    /// Lowers a block whose value is returned from the function if `returned`.
    fn block_with(&mut self, b: &AstBlock, returned: bool) -> Res<Option<Val>> {
        for stmt in &b.stmts {
            if self.current.is_none() {
                return Ok(None);
            }
            match &stmt.kind {
                StmtKind::Let { name, init, .. } => {
                    let Some(init) = init else {
                        continue;
                    };
                    let Some(v) = self.expr(init)? else {
                        return Ok(None);
                    };
                    match self.infer.resolution(name.id) {
                        Some(Resolution::Local(id)) => {
                            let local = self.infer.local(*id).ok_or_else(|| {
                                LowerError::Internal(format!("no local for `{}`", name.name))
                            })?;
                            let ty = ir_ty(&local.ty);
                            let owned = ty.is_heap();
                            let l = self.new_local(ty, owned, Some(name.name.to_string()), true);
                            self.map.insert(id.0, l);
                            let op = self.owning(v);
                            self.emit(Inst::Assign {
                                dst: l,
                                value: Rvalue::Use(op),
                                site: 0,
                            });
                        }
                        _ => self.release(v),
                    }
                }
                StmtKind::LetPat { pat, init, .. } => {
                    let Some(v) = self.expr(init)? else {
                        return Ok(None);
                    };
                    let ty = self.ty(init.id);
                    self.destructure(pat, v, &ty)?;
                }
                StmtKind::Expr { expr, .. } => match self.expr(expr)? {
                    Some(v) => self.release(v),
                    None => return Ok(None),
                },
                StmtKind::Empty => {}
            }
        }
        if self.current.is_none() {
            return Ok(None);
        }
        match &b.tail {
            Some(tail) if returned => self.returned_value(tail),
            Some(tail) => self.expr(tail),
            None => Ok(Some(Val::Borrowed(Operand::Const(Const::Unit)))),
        }
    }

    // ----- expressions --------------------------------------------------------------------

    /// Lowers an expression; `None` if it cannot complete normally (it returns, breaks,
    /// continues or always fails).
    fn expr(&mut self, e: &Expr) -> Res<Option<Val>> {
        if self.current.is_none() {
            return Ok(None);
        }
        let v = self.expr_inner(e)?;
        if v.is_some() && self.is_never(e.id) {
            // A call of a function that never returns (`panic`): nothing after it runs.
            if let Some(v) = v {
                self.release(v);
            }
            self.terminate(Terminator::Unreachable);
            return Ok(None);
        }
        Ok(v)
    }

    fn expr_inner(&mut self, e: &Expr) -> Res<Option<Val>> {
        match &e.kind {
            ExprKind::Lit(lit) => Ok(Some(Val::Borrowed(Operand::Const(literal(lit))))),
            ExprKind::Path(_) | ExprKind::SelfValue => self.path_value(e),
            ExprKind::Unary(op, inner) => {
                if let (ast::UnOp::Neg, ExprKind::Lit(Literal::Int(v))) = (op, &inner.kind) {
                    return Ok(Some(Val::Borrowed(Operand::Const(Const::I64(
                        v.wrapping_neg(),
                    )))));
                }
                let Some(v) = self.expr(inner)? else {
                    return Ok(None);
                };
                let ty = self.ty(inner.id);
                let op = match op {
                    ast::UnOp::Neg => UnOp::Neg,
                    ast::UnOp::Not => UnOp::Not,
                };
                let site = self.site(e.id);
                let operand = self.borrow(&v);
                let out = self.assign_temp(ty.clone(), Rvalue::Unary { op, ty, operand }, site);
                self.release(v);
                Ok(Some(out))
            }
            ExprKind::Binary(ast::BinOp::And, l, r) => self.logic(true, l, r),
            ExprKind::Binary(ast::BinOp::Or, l, r) => self.logic(false, l, r),
            ExprKind::Binary(op, l, r) => {
                let Some(vals) = self.operands(&[l, r])? else {
                    return Ok(None);
                };
                let op = bin_op(*op);
                let operand_ty = self.ty(l.id);
                let result_ty = self.ty(e.id);
                let site = self.site(e.id);
                let (lhs, rhs) = (self.borrow(&vals[0]), self.borrow(&vals[1]));
                let out = self.assign_temp(
                    result_ty,
                    Rvalue::Binary {
                        op,
                        ty: operand_ty,
                        lhs,
                        rhs,
                    },
                    site,
                );
                for v in vals {
                    self.release(v);
                }
                Ok(Some(out))
            }
            ExprKind::Assign { op, target, value } => {
                self.assign(e, *op, target, value)?;
                Ok(self.unit_if_live())
            }
            ExprKind::Call { callee, args } => self.call(e, callee, args),
            ExprKind::MethodCall { receiver, args, .. } => self.method_call(e, receiver, args),
            ExprKind::Field { .. } | ExprKind::Index { .. } => self.read_place_expr(e),
            ExprKind::StructLit { fields, .. } => {
                let key = match self.infer.resolution(e.id) {
                    Some(Resolution::Struct(id)) => item_key(id),
                    _ => return internal("a struct literal without its struct"),
                };
                let exprs: Vec<&Expr> = fields.iter().map(|f| &f.value).collect();
                let Some(vals) = self.operands(&exprs)? else {
                    return Ok(None);
                };
                let mut slots: Vec<Option<Operand>> = vec![None; fields.len()];
                for (init, v) in fields.iter().zip(vals) {
                    let index = match self.infer.resolution(init.id) {
                        Some(Resolution::Field { index, .. }) => *index as usize,
                        _ => return internal("a field initializer without its field"),
                    };
                    let op = self.owning(v);
                    if let Some(slot) = slots.get_mut(index) {
                        *slot = Some(op);
                    }
                }
                let fields = slots
                    .into_iter()
                    .map(|s| s.unwrap_or(Operand::Const(Const::Unit)))
                    .collect();
                let ty = self.ty(e.id);
                let site = self.site(e.id);
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::Struct { key, fields },
                    site,
                )))
            }
            ExprKind::Array(items) => {
                let exprs: Vec<&Expr> = items.iter().collect();
                let Some(vals) = self.operands(&exprs)? else {
                    return Ok(None);
                };
                let ty = self.ty(e.id);
                let elem = match &ty {
                    Ty::Array(elem) => (**elem).clone(),
                    _ => Ty::Unit,
                };
                if !vals.is_empty()
                    && vals
                        .iter()
                        .all(|v| matches!(v, Val::Borrowed(Operand::Const(_))))
                {
                    // Every element is a constant: the array is one constant too, built once
                    // by the runner (as for `const` items) instead of by code that stores each
                    // element. Copy on write keeps it a fresh value wherever it is changed.
                    let items = vals
                        .into_iter()
                        .filter_map(|v| match v {
                            Val::Borrowed(Operand::Const(c)) => Some(c),
                            _ => None,
                        })
                        .collect();
                    return Ok(Some(Val::Borrowed(Operand::Const(Const::Array {
                        elem,
                        items,
                    }))));
                }
                let items = vals.into_iter().map(|v| self.owning(v)).collect();
                let site = self.site(e.id);
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::Array { elem, items },
                    site,
                )))
            }
            ExprKind::Range { .. } => internal("a range outside of a `for` loop"),
            ExprKind::Block(b) => self.block(b),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => self.if_expr(e, cond, then_branch, else_branch.as_deref()),
            ExprKind::While { cond, body } => {
                let header = self.new_block();
                let body_block = self.new_block();
                let exit = self.new_block();
                self.goto(header);
                self.switch_to(header);
                if let Some(c) = self.expr(cond)? {
                    let op = self.borrow(&c);
                    self.terminate(Terminator::Branch {
                        cond: op,
                        then_block: body_block,
                        else_block: exit,
                    });
                }
                self.switch_to(body_block);
                self.loop_body(body, exit, header)?;
                self.goto(header);
                self.switch_to(exit);
                Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))))
            }
            ExprKind::Loop { body } => {
                let body_block = self.new_block();
                let exit = self.new_block();
                self.goto(body_block);
                self.switch_to(body_block);
                self.loop_body(body, exit, body_block)?;
                self.goto(body_block);
                self.switch_to(exit);
                if self.is_never(e.id) {
                    self.terminate(Terminator::Unreachable);
                    return Ok(None);
                }
                Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))))
            }
            ExprKind::For {
                pat,
                iterable,
                body,
            } => self.for_loop(pat, iterable, body),
            ExprKind::IfLet {
                pat,
                scrutinee,
                then_branch,
                else_branch,
            } => self.if_let(e, pat, scrutinee, then_branch, else_branch.as_deref()),
            ExprKind::WhileLet {
                pat,
                scrutinee,
                body,
            } => self.while_let(pat, scrutinee, body),
            ExprKind::Tuple(items) => {
                let exprs: Vec<&Expr> = items.iter().collect();
                let Some(vals) = self.operands(&exprs)? else {
                    return Ok(None);
                };
                let ty = self.ty(e.id);
                let fields = vals.into_iter().map(|v| self.owning(v)).collect();
                let site = self.site(e.id);
                Ok(Some(self.assign_temp(ty, Rvalue::Tuple(fields), site)))
            }
            ExprKind::Try(inner) => self.try_expr(e, inner),
            ExprKind::Closure(c) => self.closure(e, c),
            ExprKind::Break => {
                match self.loops.last() {
                    Some(l) => {
                        let t = l.break_to;
                        self.goto(t);
                    }
                    None => return internal("`break` outside of a loop"),
                }
                Ok(None)
            }
            ExprKind::Continue => {
                match self.loops.last() {
                    Some(l) => {
                        let t = l.continue_to;
                        self.goto(t);
                    }
                    None => return internal("`continue` outside of a loop"),
                }
                Ok(None)
            }
            ExprKind::Return(value) => {
                let op = match value {
                    Some(v) => match self.returned_value(v)? {
                        Some(v) => self.owning(v),
                        None => return Ok(None),
                    },
                    None => Operand::Const(Const::Unit),
                };
                self.terminate(Terminator::Return(op));
                Ok(None)
            }
            ExprKind::Match { scrutinee, arms } => self.match_expr(e, scrutinee, arms),
            ExprKind::Error => internal("an expression that failed to parse"),
        }
    }

    /// A returned value: a call in that position may hand over variables, which are dead.
    fn returned_value(&mut self, e: &Expr) -> Res<Option<Val>> {
        match self.call_disowning(e, None)? {
            Some(v) => Ok(v),
            None => self.expr(e),
        }
    }

    /// The function's body block, whose tail is returned.
    fn function_body(&mut self, b: &AstBlock) -> Res<Option<Val>> {
        self.block_with(b, true)
    }

    fn unit_if_live(&self) -> Option<Val> {
        self.current
            .map(|_| Val::Borrowed(Operand::Const(Const::Unit)))
    }

    fn path_value(&mut self, e: &Expr) -> Res<Option<Val>> {
        match self.infer.resolution(e.id) {
            Some(Resolution::Local(id)) => {
                let l = self.local_of(*id)?;
                Ok(Some(Val::Borrowed(Operand::Copy(l))))
            }
            Some(Resolution::Const(id)) => self.const_use(id, e.id),
            Some(Resolution::ConstValue(v)) => {
                Ok(Some(Val::Borrowed(Operand::Const(Const::I64(*v)))))
            }
            Some(Resolution::PreludeVariant(v)) => {
                let ty = self.ty(e.id);
                let site = self.site(e.id);
                let variant = v.index();
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::PreludeVariant {
                        variant,
                        fields: Vec::new(),
                    },
                    site,
                )))
            }
            Some(Resolution::Fn(id)) | Some(Resolution::AssocFn(id)) => {
                let id = (**id).clone();
                self.function_value(e, &id)
            }
            Some(Resolution::Variant { enum_id, index }) => {
                let ty = self.ty(e.id);
                let site = self.site(e.id);
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::Variant {
                        key: item_key(enum_id),
                        variant: *index,
                        fields: Vec::new(),
                    },
                    site,
                )))
            }
            other => internal(format!("a path that resolves to {other:?}")),
        }
    }

    fn const_use(&mut self, id: &Arc<ItemId>, node: NodeId) -> Res<Option<Val>> {
        let value = const_value(self.db, ItemKey::new(self.db, (**id).clone())).clone();
        match value {
            Some(Ok(c)) => Ok(Some(Val::Borrowed(Operand::Const(c)))),
            Some(Err(error)) => {
                let site = self.site(node);
                self.emit(Inst::Trap { error, site });
                self.terminate(Terminator::Unreachable);
                Ok(None)
            }
            None => internal(format!("the constant `{id}` has no value")),
        }
    }

    /// `a && b` (`and`) or `a || b`, short-circuiting.
    fn logic(&mut self, and: bool, l: &Expr, r: &Expr) -> Res<Option<Val>> {
        let result = self.temp(Ty::Bool);
        let Some(lv) = self.expr(l)? else {
            return Ok(None);
        };
        let lop = self.borrow(&lv);
        self.emit(Inst::Assign {
            dst: result,
            value: Rvalue::Use(lop.clone()),
            site: 0,
        });
        let rhs_block = self.new_block();
        let join = self.new_block();
        let (then_block, else_block) = if and {
            (rhs_block, join)
        } else {
            (join, rhs_block)
        };
        self.terminate(Terminator::Branch {
            cond: lop,
            then_block,
            else_block,
        });
        self.switch_to(rhs_block);
        if let Some(rv) = self.expr(r)? {
            let rop = self.borrow(&rv);
            self.emit(Inst::Assign {
                dst: result,
                value: Rvalue::Use(rop),
                site: 0,
            });
            self.goto(join);
        }
        self.switch_to(join);
        Ok(Some(Val::Borrowed(Operand::Copy(result))))
    }

    fn if_expr(
        &mut self,
        e: &Expr,
        cond: &Expr,
        then_branch: &AstBlock,
        else_branch: Option<&Expr>,
    ) -> Res<Option<Val>> {
        let Some(c) = self.expr(cond)? else {
            return Ok(None);
        };
        let ty = self.ty(e.id);
        let result = (ty != Ty::Unit).then(|| self.temp(ty.clone()));
        let then_block = self.new_block();
        let else_block = self.new_block();
        let join = self.new_block();
        let cop = self.borrow(&c);
        self.terminate(Terminator::Branch {
            cond: cop,
            then_block,
            else_block,
        });
        self.switch_to(then_block);
        let v = self.block(then_branch)?;
        self.branch_result(v, result, join);
        self.switch_to(else_block);
        let v = match else_branch {
            Some(eb) => self.expr(eb)?,
            None => Some(Val::Borrowed(Operand::Const(Const::Unit))),
        };
        self.branch_result(v, result, join);
        self.switch_to(join);
        Ok(Some(match result {
            Some(r) if ty.is_heap() => Val::Owned(r),
            Some(r) => Val::Borrowed(Operand::Copy(r)),
            None => Val::Borrowed(Operand::Const(Const::Unit)),
        }))
    }

    /// Ends a branch of an `if` or `match`: its value goes into `result`, then to `join`.
    fn branch_result(&mut self, v: Option<Val>, result: Option<LocalId>, join: BlockId) {
        let Some(v) = v else {
            return;
        };
        match result {
            Some(r) => {
                let op = self.owning(v);
                self.emit(Inst::Assign {
                    dst: r,
                    value: Rvalue::Use(op),
                    site: 0,
                });
            }
            None => self.release(v),
        }
        self.goto(join);
    }

    fn loop_body(&mut self, body: &AstBlock, exit: BlockId, cont: BlockId) -> Res<()> {
        self.loops.push(LoopTargets {
            break_to: exit,
            continue_to: cont,
        });
        let v = self.block(body);
        self.loops.pop();
        if let Some(v) = v? {
            self.release(v);
        }
        Ok(())
    }

    fn for_loop(&mut self, pat: &Pat, iterable: &Expr, body: &AstBlock) -> Res<Option<Val>> {
        // A plain name is the loop variable itself; any other pattern destructures each
        // element into bindings of their own.
        let (bound, binding_name, destructure) = match &pat.kind {
            PatKind::Bind { name, .. } => match self.infer.resolution(name.id) {
                Some(Resolution::Local(id)) => (Some(*id), name.name.to_string(), None),
                _ => (None, name.name.to_string(), None),
            },
            PatKind::Wild => (None, "_".to_string(), None),
            _ => (None, "item".to_string(), Some(pat)),
        };
        let binding_name = binding_name.as_str();
        if let ExprKind::Range { start, end } = &iterable.kind {
            let Some(vals) = self.operands(&[start, end])? else {
                return Ok(None);
            };
            let counter = self.new_local(Ty::I64, false, Some(binding_name.to_string()), true);
            let end_local = self.temp(Ty::I64);
            let (s, en) = (self.borrow(&vals[0]), self.borrow(&vals[1]));
            self.emit(Inst::Assign {
                dst: counter,
                value: Rvalue::Use(s),
                site: 0,
            });
            self.emit(Inst::Assign {
                dst: end_local,
                value: Rvalue::Use(en),
                site: 0,
            });
            if let Some(id) = bound {
                self.map.insert(id.0, counter);
            }
            let header = self.new_block();
            let body_block = self.new_block();
            let latch = self.new_block();
            let exit = self.new_block();
            self.goto(header);
            self.switch_to(header);
            let more = self.temp(Ty::Bool);
            self.emit(Inst::Assign {
                dst: more,
                value: Rvalue::Binary {
                    op: BinOp::Lt,
                    ty: Ty::I64,
                    lhs: Operand::Copy(counter),
                    rhs: Operand::Copy(end_local),
                },
                site: 0,
            });
            self.terminate(Terminator::Branch {
                cond: Operand::Copy(more),
                then_block: body_block,
                else_block: exit,
            });
            self.switch_to(body_block);
            self.loop_body(body, exit, latch)?;
            self.goto(latch);
            self.switch_to(latch);
            // `counter < end <= i64::MAX`, so this cannot overflow.
            self.emit(Inst::Assign {
                dst: counter,
                value: Rvalue::Binary {
                    op: BinOp::Add,
                    ty: Ty::I64,
                    lhs: Operand::Copy(counter),
                    rhs: Operand::Const(Const::I64(1)),
                },
                site: 0,
            });
            self.goto(header);
            self.switch_to(exit);
            return Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))));
        }
        // An array: iterate over a snapshot of it, so that changes to the variable inside the
        // loop do not affect the iteration (value semantics).
        let Some(v) = self.expr(iterable)? else {
            return Ok(None);
        };
        let mut arr_ty = self.ty(iterable.id);
        // A map: iterate over a snapshot of its entries.
        let v = if let Ty::Map(key, value) = &arr_ty {
            let entries = Ty::Array(Box::new(Ty::Tuple(vec![
                (**key).clone(),
                (**value).clone(),
            ])));
            let op = self.borrow(&v);
            let out = self.assign_temp(
                entries.clone(),
                Rvalue::Call {
                    callee: Callee::builtin(BuiltinId::MapEntries, Some((**key).clone())),
                    args: vec![op],
                },
                0,
            );
            self.release(v);
            arr_ty = entries;
            out
        } else {
            v
        };
        let elem = match &arr_ty {
            Ty::Array(elem) => (**elem).clone(),
            _ => Ty::Unit,
        };
        let snapshot = match self.stabilize(v) {
            Val::Owned(t) => t,
            Val::Borrowed(op) => {
                let t = self.temp(arr_ty.clone());
                self.emit(Inst::Assign {
                    dst: t,
                    value: Rvalue::Use(op),
                    site: 0,
                });
                t
            }
        };
        let len = self.temp(Ty::I64);
        self.emit(Inst::Assign {
            dst: len,
            value: Rvalue::Call {
                callee: Callee::builtin(BuiltinId::ArrayLen, Some(elem.clone())),
                args: vec![Operand::Copy(snapshot)],
            },
            site: 0,
        });
        let index = self.temp(Ty::I64);
        self.emit(Inst::Assign {
            dst: index,
            value: Rvalue::Use(Operand::Const(Const::I64(0))),
            site: 0,
        });
        let item = self.new_local(elem.clone(), false, Some(binding_name.to_string()), true);
        if let Some(id) = bound {
            self.map.insert(id.0, item);
        }
        let header = self.new_block();
        let body_block = self.new_block();
        let latch = self.new_block();
        let exit = self.new_block();
        self.goto(header);
        self.switch_to(header);
        let more = self.temp(Ty::Bool);
        self.emit(Inst::Assign {
            dst: more,
            value: Rvalue::Binary {
                op: BinOp::Lt,
                ty: Ty::I64,
                lhs: Operand::Copy(index),
                rhs: Operand::Copy(len),
            },
            site: 0,
        });
        self.terminate(Terminator::Branch {
            cond: Operand::Copy(more),
            then_block: body_block,
            else_block: exit,
        });
        self.switch_to(body_block);
        // The element aliases the snapshot, which nothing changes while the loop runs.
        self.emit(Inst::Assign {
            dst: item,
            value: Rvalue::Read(Place {
                local: snapshot,
                proj: vec![Proj::Index(Operand::Copy(index))],
            }),
            site: 0,
        });
        if let Some(pat) = destructure {
            self.bind_all(pat, &Place::local(item), &elem)?;
        }
        self.loop_body(body, exit, latch)?;
        self.goto(latch);
        self.switch_to(latch);
        self.emit(Inst::Assign {
            dst: index,
            value: Rvalue::Binary {
                op: BinOp::Add,
                ty: Ty::I64,
                lhs: Operand::Copy(index),
                rhs: Operand::Const(Const::I64(1)),
            },
            site: 0,
        });
        self.goto(header);
        self.switch_to(exit);
        self.emit(Inst::Drop(snapshot));
        Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))))
    }

    /// A lowerer for a function made from this body (a closure), sharing its item's
    /// inference result and positions.
    fn child(&self, ret_ty: Ty) -> Lower<'a> {
        Lower::start(
            Shared {
                db: self.db,
                infer: self.infer,
                source_map: self.source_map,
                text: self.text,
                starts: self.starts,
            },
            ret_ty,
            Origin {
                item_key: self.item_key.clone(),
                item_name: self.item_name.clone(),
                file_path: self.file_path.clone(),
            },
        )
    }

    /// A lowerer with nothing lowered yet, for a function of the item `origin` returning
    /// `ret_ty`.
    fn start(shared: Shared<'a>, ret_ty: Ty, origin: Origin) -> Lower<'a> {
        Lower {
            db: shared.db,
            infer: shared.infer,
            source_map: shared.source_map,
            text: shared.text,
            starts: shared.starts,
            locals: Vec::new(),
            is_var: Vec::new(),
            map: HashMap::new(),
            blocks: Vec::new(),
            current: None,
            sites: Vec::new(),
            site_of: HashMap::new(),
            callees: Vec::new(),
            callee_of: HashMap::new(),
            loops: Vec::new(),
            own_bindings: false,
            ret_ty,
            item_key: origin.item_key,
            item_name: origin.item_name,
            file_path: origin.file_path,
            closures: Vec::new(),
        }
    }

    /// Finishes a function made from this body and returns its closure value: a new closure
    /// object whose environment holds `captures`.
    #[allow(clippy::too_many_arguments)]
    fn make_closure(
        &mut self,
        e: &Expr,
        mut cx: Lower<'a>,
        key: String,
        name: String,
        params: u32,
        env: Ty,
        captures: Vec<Operand>,
    ) -> Res<Option<Val>> {
        let site = self.site(e.id);
        let here = self.sites[site as usize];
        if cx.sites.is_empty() {
            cx.sites.push(here);
        }
        let func = ir::Function {
            key: key.clone(),
            name,
            file: self.file_path.clone(),
            line: here.line,
            body: ir::Body {
                params,
                self_mode: SelfMode::Env,
                ret: cx.ret_ty.clone(),
                locals: cx.locals,
                blocks: cx.blocks,
                sites: cx.sites,
                callees: cx.callees,
            },
            links: Vec::new(),
        };
        self.closures.extend(cx.closures);
        self.closures.push(func);
        let func = self.callee_key(key);
        let ty = self.ty(e.id);
        Ok(Some(self.assign_temp(
            ty,
            Rvalue::Closure {
                func,
                env,
                captures,
            },
            site,
        )))
    }

    /// `|params| body`: a function of its own whose first parameter is the closure object,
    /// from which it reads the captured values.
    fn closure(&mut self, e: &Expr, c: &ast::Closure) -> Res<Option<Val>> {
        let Ty::Fn(fty) = self.ty(e.id) else {
            return internal("a closure whose type is not a function type");
        };
        let captured: Vec<sema::LocalId> = self.infer.captures_of(e.id).to_vec();
        let mut env_tys = vec![Ty::I64];
        let mut captures = Vec::with_capacity(captured.len());
        for id in &captured {
            let l = self.local_of(*id)?;
            env_tys.push(self.local_ty(l));
            captures.push(Operand::Copy(l));
        }
        let env = Ty::Tuple(env_tys.clone());
        let mut cx = self.child(fty.ret.clone());
        let env_local = cx.new_local(env.clone(), false, None, false);
        for (p, ty) in c.params.iter().zip(fty.params.iter()) {
            let l = cx.new_local(ty.clone(), false, Some(p.name.name.to_string()), true);
            if let Some(Resolution::Local(id)) = self.infer.resolution(p.name.id) {
                cx.map.insert(id.0, l);
            }
        }
        let params = cx.locals.len() as u32;
        let entry = cx.new_block();
        cx.current = Some(entry);
        for (k, id) in captured.iter().enumerate() {
            let name = self.infer.local(*id).map(|l| l.name.to_string());
            let l = cx.new_local(env_tys[k + 1].clone(), false, name, true);
            cx.emit(Inst::Assign {
                dst: l,
                value: Rvalue::Read(Place {
                    local: env_local,
                    proj: vec![Proj::Field(k as u32 + 1)],
                }),
                site: 0,
            });
            cx.map.insert(id.0, l);
        }
        if let Some(v) = cx.returned_value(&c.body)? {
            let op = cx.owning(v);
            cx.terminate(Terminator::Return(op));
        }
        cx.terminate(Terminator::Unreachable);
        let key = format!("{}::{{closure@{}}}", self.item_key, e.id.0);
        let name = format!("{}::{{closure}}", self.item_name);
        self.make_closure(e, cx, key, name, params, env, captures)
    }

    /// A function used as a value: a closure without captures around a call of it.
    fn function_value(&mut self, e: &Expr, id: &ItemId) -> Res<Option<Val>> {
        let Ty::Fn(fty) = self.ty(e.id) else {
            return internal("a function value whose type is not a function type");
        };
        let env = Ty::Tuple(vec![Ty::I64]);
        let mut cx = self.child(fty.ret.clone());
        cx.new_local(env.clone(), false, None, false);
        let args: Vec<Operand> = fty
            .params
            .iter()
            .map(|p| Operand::Copy(cx.new_local(p.clone(), false, None, false)))
            .collect();
        let params = cx.locals.len() as u32;
        let entry = cx.new_block();
        cx.current = Some(entry);
        let target = cx.callee(id);
        let site = cx.site(e.id);
        let out = cx.assign_temp(
            fty.ret.clone(),
            Rvalue::Call {
                callee: Callee::Func(target),
                args,
            },
            site,
        );
        let op = cx.owning(out);
        cx.terminate(Terminator::Return(op));
        let key = format!("{}::{{fn@{}}}", self.item_key, e.id.0);
        self.make_closure(e, cx, key, id.display_path(), params, env, Vec::new())
    }

    /// Continues after the branches of an `if let` or `match` at `join`: lets go of the
    /// scrutinee held for them and gives the value the branches left in `result`.
    fn join_branches(
        &mut self,
        e: &Expr,
        ty: &Ty,
        result: Option<LocalId>,
        join: BlockId,
        owned: Option<LocalId>,
    ) -> Res<Option<Val>> {
        self.switch_to(join);
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        if self.is_never(e.id) {
            self.terminate(Terminator::Unreachable);
            return Ok(None);
        }
        Ok(Some(match result {
            Some(r) if ty.is_heap() => Val::Owned(r),
            Some(r) => Val::Borrowed(Operand::Copy(r)),
            None => Val::Borrowed(Operand::Const(Const::Unit)),
        }))
    }

    /// Binds an irrefutable pattern against the value at `place` (bindings own their values).
    fn bind_all(&mut self, pat: &Pat, place: &Place, ty: &Ty) -> Res<()> {
        let unreachable = self.new_block();
        let saved = std::mem::replace(&mut self.own_bindings, true);
        let result = self.pattern(pat, place, ty, unreachable);
        self.own_bindings = saved;
        result
    }

    /// `let pat = value;`
    fn destructure(&mut self, pat: &Pat, v: Val, ty: &Ty) -> Res<()> {
        // No need to stabilize: the bindings take references of their own at once.
        let (local, owned) = self.hold_as_is(v, ty);
        self.bind_all(pat, &Place::local(local), ty)?;
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        Ok(())
    }

    /// Holds the value of a scrutinee in a local for the time patterns are tested against it
    /// and their bindings used: `(local, owned temporary to drop afterwards)`.
    fn hold(&mut self, v: Val, ty: &Ty) -> (LocalId, Option<LocalId>) {
        let v = self.stabilize(v);
        self.hold_as_is(v, ty)
    }

    /// [`Lower::hold`] for a value nothing can change while it is held.
    fn hold_as_is(&mut self, v: Val, ty: &Ty) -> (LocalId, Option<LocalId>) {
        match v {
            Val::Owned(t) => (t, Some(t)),
            Val::Borrowed(Operand::Copy(l)) => (l, None),
            Val::Borrowed(op) => {
                let t = self.temp(ty.clone());
                self.emit(Inst::Assign {
                    dst: t,
                    value: Rvalue::Use(op),
                    site: 0,
                });
                (t, ty.is_heap().then_some(t))
            }
        }
    }

    fn if_let(
        &mut self,
        e: &Expr,
        pat: &Pat,
        scrutinee: &Expr,
        then_branch: &AstBlock,
        else_branch: Option<&Expr>,
    ) -> Res<Option<Val>> {
        let Some(v) = self.expr(scrutinee)? else {
            return Ok(None);
        };
        let scrut_ty = self.ty(scrutinee.id);
        let (scrut, owned) = self.hold(v, &scrut_ty);
        let ty = self.ty(e.id);
        let result = (ty != Ty::Unit).then(|| self.temp(ty.clone()));
        let else_block = self.new_block();
        let join = self.new_block();
        self.pattern(pat, &Place::local(scrut), &scrut_ty, else_block)?;
        let v = self.block(then_branch)?;
        self.branch_result(v, result, join);
        self.switch_to(else_block);
        let v = match else_branch {
            Some(eb) => self.expr(eb)?,
            None => Some(Val::Borrowed(Operand::Const(Const::Unit))),
        };
        self.branch_result(v, result, join);
        self.join_branches(e, &ty, result, join, owned)
    }

    fn while_let(&mut self, pat: &Pat, scrutinee: &Expr, body: &AstBlock) -> Res<Option<Val>> {
        let header = self.new_block();
        let latch = self.new_block();
        let exit = self.new_block();
        let stop = self.new_block();
        self.goto(header);
        self.switch_to(header);
        let Some(v) = self.expr(scrutinee)? else {
            self.switch_to(exit);
            return Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))));
        };
        let scrut_ty = self.ty(scrutinee.id);
        let (scrut, owned) = self.hold(v, &scrut_ty);
        self.pattern(pat, &Place::local(scrut), &scrut_ty, stop)?;
        self.loop_body(body, exit, latch)?;
        self.goto(latch);
        // Every way out of one iteration lets go of that iteration's scrutinee: the latch
        // (end of the body, `continue`), a failed pattern, and `break` (through `exit`).
        self.switch_to(latch);
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        self.goto(header);
        self.switch_to(stop);
        self.goto(exit);
        self.switch_to(exit);
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        Ok(Some(Val::Borrowed(Operand::Const(Const::Unit))))
    }

    /// `inner?`: the `Some`/`Ok` value, or a return of `None`/`Err(e)`.
    fn try_expr(&mut self, e: &Expr, inner: &Expr) -> Res<Option<Val>> {
        let Some(v) = self.expr(inner)? else {
            return Ok(None);
        };
        let inner_ty = self.ty(inner.id);
        let (held, owned) = self.hold(v, &inner_ty);
        let (fail_tag, ok_tag) = match &inner_ty {
            Ty::Option(_) => (0u32, 1u32),
            Ty::Result(..) => (1, 0),
            _ => return internal("`?` on a value that is neither an `Option` nor a `Result`"),
        };
        let tag = self.temp(Ty::I64);
        self.emit(Inst::Assign {
            dst: tag,
            value: Rvalue::Tag(Operand::Copy(held)),
            site: 0,
        });
        let is_ok = self.temp(Ty::Bool);
        self.emit(Inst::Assign {
            dst: is_ok,
            value: Rvalue::Binary {
                op: BinOp::Eq,
                ty: Ty::I64,
                lhs: Operand::Copy(tag),
                rhs: Operand::Const(Const::I64(i64::from(ok_tag))),
            },
            site: 0,
        });
        let ok_block = self.new_block();
        let fail_block = self.new_block();
        self.terminate(Terminator::Branch {
            cond: Operand::Copy(is_ok),
            then_block: ok_block,
            else_block: fail_block,
        });
        // The early return: `None`, or `Err(e)` rebuilt in the function's own result type.
        self.switch_to(fail_block);
        let ret_ty = self.ret_ty.clone();
        let fields = if fail_tag == 1 {
            let err_ty = match &inner_ty {
                Ty::Result(_, err) => (**err).clone(),
                _ => Ty::Unit,
            };
            let err = self.new_local(err_ty.clone(), err_ty.is_heap(), None, false);
            self.emit(Inst::Assign {
                dst: err,
                value: Rvalue::Read(Place {
                    local: held,
                    proj: vec![Proj::Payload {
                        variant: 1,
                        field: 0,
                    }],
                }),
                site: 0,
            });
            vec![if err_ty.is_heap() {
                Operand::Move(err)
            } else {
                Operand::Copy(err)
            }]
        } else {
            Vec::new()
        };
        let out = self.temp(ret_ty.clone());
        self.emit(Inst::Assign {
            dst: out,
            value: Rvalue::PreludeVariant {
                variant: fail_tag,
                fields,
            },
            site: 0,
        });
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        self.terminate(Terminator::Return(Operand::Move(out)));
        self.switch_to(ok_block);
        let ty = self.ty(e.id);
        let value = self.new_local(ty.clone(), ty.is_heap(), None, false);
        self.emit(Inst::Assign {
            dst: value,
            value: Rvalue::Read(Place {
                local: held,
                proj: vec![Proj::Payload {
                    variant: ok_tag,
                    field: 0,
                }],
            }),
            site: 0,
        });
        if let Some(t) = owned {
            self.emit(Inst::Drop(t));
        }
        Ok(Some(if ty.is_heap() {
            Val::Owned(value)
        } else {
            Val::Borrowed(Operand::Copy(value))
        }))
    }

    // ----- places -------------------------------------------------------------------------

    /// Lowers a field access or indexing expression used as a value.
    fn read_place_expr(&mut self, e: &Expr) -> Res<Option<Val>> {
        let Some((place, base_owned)) = self.place(e, false)? else {
            return Ok(None);
        };
        let ty = self.ty(e.id);
        let site = self.site(e.id);
        match base_owned {
            // The place is inside a temporary: take a reference of the value, then drop the
            // temporary.
            Some(base) => {
                let out = self.assign_temp(ty, Rvalue::Read(place), site);
                self.emit(Inst::Drop(base));
                Ok(Some(out))
            }
            None => {
                let t = self.alias(ty);
                self.emit(Inst::Assign {
                    dst: t,
                    value: Rvalue::Read(place),
                    site,
                });
                Ok(Some(Val::Borrowed(Operand::Copy(t))))
            }
        }
    }

    /// The place an expression denotes (a local, then fields and indices). For an expression
    /// that is not rooted at a variable, its value is computed into an owned temporary, which is
    /// returned as well (the caller drops it when done). With `for_write`, the place must be
    /// rooted at a variable.
    fn place(&mut self, e: &Expr, for_write: bool) -> Res<Option<(Place, Option<LocalId>)>> {
        match &e.kind {
            ExprKind::Path(_) | ExprKind::SelfValue => {
                if let Some(Resolution::Local(id)) = self.infer.resolution(e.id) {
                    let l = self.local_of(*id)?;
                    return Ok(Some((Place::local(l), None)));
                }
            }
            ExprKind::Field { base, .. } => {
                let index = match self.infer.resolution(e.id) {
                    Some(Resolution::Field { index, .. } | Resolution::TupleField(index)) => *index,
                    _ => return internal("a field access without its field"),
                };
                let Some((mut place, owned)) = self.place(base, for_write)? else {
                    return Ok(None);
                };
                place.proj.push(Proj::Field(index));
                return Ok(Some((place, owned)));
            }
            ExprKind::Index { base, index } => {
                let Some((mut place, owned)) = self.place(base, for_write)? else {
                    return Ok(None);
                };
                let Some(i) = self.expr(index)? else {
                    if let Some(t) = owned {
                        self.emit(Inst::Drop(t));
                    }
                    return Ok(None);
                };
                // The index is read when the place is used: keep it in a temporary.
                let op = match i {
                    Val::Borrowed(Operand::Const(c)) => Operand::Const(c),
                    Val::Borrowed(Operand::Copy(l)) if !self.is_var[l as usize] => Operand::Copy(l),
                    other => {
                        let t = self.temp(Ty::I64);
                        let op = self.borrow(&other);
                        self.emit(Inst::Assign {
                            dst: t,
                            value: Rvalue::Use(op),
                            site: 0,
                        });
                        Operand::Copy(t)
                    }
                };
                place.proj.push(Proj::Index(op));
                return Ok(Some((place, owned)));
            }
            _ => {}
        }
        if for_write {
            return internal("an assignment to something that is not a place");
        }
        let Some(v) = self.expr(e)? else {
            return Ok(None);
        };
        match v {
            Val::Owned(t) => Ok(Some((Place::local(t), Some(t)))),
            Val::Borrowed(Operand::Copy(l)) => Ok(Some((Place::local(l), None))),
            Val::Borrowed(op) => {
                let ty = self.ty(e.id);
                let t = self.temp(ty.clone());
                self.emit(Inst::Assign {
                    dst: t,
                    value: Rvalue::Use(op),
                    site: 0,
                });
                if ty.is_heap() {
                    Ok(Some((Place::local(t), Some(t))))
                } else {
                    Ok(Some((Place::local(t), None)))
                }
            }
        }
    }

    fn assign(&mut self, e: &Expr, op: Option<ast::BinOp>, target: &Expr, value: &Expr) -> Res<()> {
        let site = self.site(e.id);
        // `x = x op v` is `x op= v`.
        if op.is_none()
            && let ExprKind::Binary(bop, l, r) = &value.kind
            && !matches!(bop, ast::BinOp::And | ast::BinOp::Or)
            && same_variable(self.infer, target, l)
            && !may_mutate(self.infer, r)
        {
            return self.assign(e, Some(*bop), target, r);
        }
        if op.is_none() && self.pass_and_replace(target, value)? {
            return Ok(());
        }
        // The value is computed first, then the place (as Rust does for `place = value`).
        let Some(v) = self.expr(value)? else {
            return Ok(());
        };
        let v = if may_mutate(self.infer, target) {
            self.stabilize(v)
        } else {
            v
        };
        let Some((place, _)) = self.place(target, true)? else {
            self.release(v);
            return Ok(());
        };
        let v = match op {
            None => v,
            Some(op) => {
                let ty = self.ty(target.id);
                if place.proj.is_empty() {
                    // `x op= v` on a variable: one instruction, which code generation can do in
                    // place (appending to a string the variable holds alone).
                    let rhs = self.borrow(&v);
                    self.emit(Inst::Assign {
                        dst: place.local,
                        value: Rvalue::Binary {
                            op: bin_op(op),
                            ty,
                            lhs: Operand::Copy(place.local),
                            rhs,
                        },
                        site,
                    });
                    self.release(v);
                    return Ok(());
                }
                let current = {
                    let t = self.alias(ty.clone());
                    self.emit(Inst::Assign {
                        dst: t,
                        value: Rvalue::Read(place.clone()),
                        site,
                    });
                    Operand::Copy(t)
                };
                let rhs = self.borrow(&v);
                let out = self.assign_temp(
                    ty.clone(),
                    Rvalue::Binary {
                        op: bin_op(op),
                        ty,
                        lhs: current,
                        rhs,
                    },
                    site,
                );
                self.release(v);
                out
            }
        };
        let operand = self.owning(v);
        if place.proj.is_empty() {
            self.emit(Inst::Assign {
                dst: place.local,
                value: Rvalue::Use(operand),
                site,
            });
        } else {
            self.emit(Inst::Store {
                place,
                value: operand,
                site,
            });
        }
        Ok(())
    }

    /// `x = f(.., x, ..)` where `f`'s parameter is `mut`: the variable's value is about to be
    /// replaced, so its reference is handed to the callee (see [`Inst::Disown`]) and the callee
    /// can change the value in place. Returns whether the assignment was lowered this way.
    fn pass_and_replace(&mut self, target: &Expr, value: &Expr) -> Res<bool> {
        let Some(Resolution::Local(var)) = (match &target.kind {
            ExprKind::Path(_) => self.infer.resolution(target.id).cloned(),
            _ => None,
        }) else {
            return Ok(false);
        };
        let Ok(x) = self.local_of(var) else {
            return Ok(false);
        };
        match self.call_disowning(value, Some(var))? {
            None => Ok(false),
            Some(None) => Ok(true),
            Some(Some(v)) => {
                let op = self.owning(v);
                let site = self.site(value.id);
                self.emit(Inst::Assign {
                    dst: x,
                    value: Rvalue::Use(op),
                    site,
                });
                Ok(true)
            }
        }
    }

    /// A direct call that hands a variable's reference to a `mut` parameter of the callee (see
    /// [`Inst::Disown`]), when the variable is not used afterwards: it is `only` (about to be
    /// assigned), or, with `only` absent, any variable (the call is returned). `None` if the
    /// call does not qualify; else its lowered value.
    fn call_disowning(
        &mut self,
        value: &Expr,
        only: Option<sema::LocalId>,
    ) -> Res<Option<Option<Val>>> {
        let ExprKind::Call { args, .. } = &value.kind else {
            return Ok(None);
        };
        let Some(Resolution::Fn(id) | Resolution::AssocFn(id)) =
            self.infer.resolution(value.id).cloned()
        else {
            return Ok(None);
        };
        let mutable: Vec<bool> =
            match db::item_interface(self.db, ItemKey::new(self.db, (*id).clone()))
                .as_deref()
                .map(|i| &i.kind)
            {
                Some(ItemKind::Fn(f)) => f.params.iter().map(|p| p.mutable).collect(),
                Some(ItemKind::Method(m)) => m.func.params.iter().map(|p| p.mutable).collect(),
                _ => return Ok(None),
            };
        let infer = self.infer;
        let var_of = |e: &Expr| match (&e.kind, infer.resolution(e.id)) {
            (ExprKind::Path(_), Some(Resolution::Local(v))) => Some(*v),
            _ => None,
        };
        let mentions = |e: &Expr, var: sema::LocalId| {
            let mut found = false;
            visit(e, &mut |y| {
                if matches!(&y.kind, ExprKind::Path(_) | ExprKind::SelfValue)
                    && infer.resolution(y.id) == Some(&Resolution::Local(var))
                {
                    found = true;
                }
            });
            found
        };
        let mut chosen = None;
        for (i, a) in args.iter().enumerate() {
            let Some(var) = var_of(a) else {
                continue;
            };
            if only.is_some_and(|o| o != var) || !mutable.get(i).copied().unwrap_or(false) {
                continue;
            }
            let Ok(x) = self.local_of(var) else {
                continue;
            };
            let decl = &self.locals[x as usize];
            if !decl.owned || !decl.ty.is_heap() {
                continue;
            }
            let clean = args
                .iter()
                .enumerate()
                .all(|(j, b)| j == i || (!mentions(b, var) && !may_mutate(infer, b)));
            if clean {
                chosen = Some((i, x));
                break;
            }
        }
        let Some((position, x)) = chosen else {
            return Ok(None);
        };
        let mut vals = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            if i == position {
                vals.push(None);
                continue;
            }
            match self.expr(a)? {
                Some(v) => vals.push(Some(v)),
                None => {
                    for v in vals.into_iter().flatten() {
                        self.release(v);
                    }
                    return Ok(Some(None));
                }
            }
        }
        let alias = self.alias(self.local_ty(x));
        self.emit(Inst::Disown { dst: alias, src: x });
        let ops = vals
            .iter()
            .map(|v| match v {
                Some(v) => self.borrow(v),
                None => Operand::Copy(alias),
            })
            .collect();
        let c = self.callee(&id);
        let site = self.site(value.id);
        let ty = self.ty(value.id);
        let out = self.assign_temp(
            ty,
            Rvalue::Call {
                callee: Callee::Func(c),
                args: ops,
            },
            site,
        );
        for v in vals.into_iter().flatten() {
            self.release(v);
        }
        Ok(Some(Some(out)))
    }

    // ----- calls --------------------------------------------------------------------------

    fn call(&mut self, e: &Expr, callee: &Expr, args: &[Expr]) -> Res<Option<Val>> {
        let ty = self.ty(e.id);
        let site = self.site(e.id);
        let res = self.infer.resolution(e.id).cloned();
        let arg_exprs: Vec<&Expr> = args.iter().collect();
        match res {
            Some(Resolution::Fn(id)) | Some(Resolution::AssocFn(id)) => {
                let Some(vals) = self.operands(&arg_exprs)? else {
                    return Ok(None);
                };
                let c = self.callee(&id);
                let ops = vals.iter().map(|v| self.borrow(v)).collect();
                let out = self.assign_temp(
                    ty,
                    Rvalue::Call {
                        callee: Callee::Func(c),
                        args: ops,
                    },
                    site,
                );
                for v in vals {
                    self.release(v);
                }
                Ok(Some(out))
            }
            Some(Resolution::Variant { enum_id, index }) => {
                let Some(vals) = self.operands(&arg_exprs)? else {
                    return Ok(None);
                };
                let fields = vals.into_iter().map(|v| self.owning(v)).collect();
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::Variant {
                        key: item_key(&enum_id),
                        variant: index,
                        fields,
                    },
                    site,
                )))
            }
            Some(Resolution::PreludeVariant(v)) => {
                let Some(vals) = self.operands(&arg_exprs)? else {
                    return Ok(None);
                };
                let fields = vals.into_iter().map(|v| self.owning(v)).collect();
                Ok(Some(self.assign_temp(
                    ty,
                    Rvalue::PreludeVariant {
                        variant: v.index(),
                        fields,
                    },
                    site,
                )))
            }
            Some(Resolution::BuiltinFn(id)) => {
                let Some(vals) = self.operands(&arg_exprs)? else {
                    return Ok(None);
                };
                let elem = builtin(id)
                    .is_generic()
                    .then(|| args.first().map(|a| self.ty(a.id)))
                    .flatten();
                let ops = vals.iter().map(|v| self.borrow(v)).collect();
                let out = self.assign_temp(
                    ty,
                    Rvalue::Call {
                        callee: Callee::builtin(id, elem),
                        args: ops,
                    },
                    site,
                );
                for v in vals {
                    self.release(v);
                }
                Ok(Some(out))
            }
            Some(Resolution::IndirectCall) => {
                let mut exprs = vec![callee];
                exprs.extend(arg_exprs);
                let Some(vals) = self.operands(&exprs)? else {
                    return Ok(None);
                };
                let f = self.borrow(&vals[0]);
                let ops = vals[1..].iter().map(|v| self.borrow(v)).collect();
                let out = self.assign_temp(
                    ty,
                    Rvalue::Call {
                        callee: Callee::Indirect(f),
                        args: ops,
                    },
                    site,
                );
                for v in vals {
                    self.release(v);
                }
                Ok(Some(out))
            }
            other => internal(format!("a call that resolves to {other:?}")),
        }
    }

    fn method_call(&mut self, e: &Expr, receiver: &Expr, args: &[Expr]) -> Res<Option<Val>> {
        let ty = self.ty(e.id);
        let site = self.site(e.id);
        let recv_ty = self.ty(receiver.id);
        let elem = match &recv_ty {
            Ty::Array(elem) | Ty::Option(elem) | Ty::Result(elem, _) | Ty::Map(elem, _) => {
                Some((**elem).clone())
            }
            _ => None,
        };
        let (callee, mutates) = match self.infer.resolution(e.id).cloned() {
            Some(Resolution::Method {
                item,
                mutates_receiver,
            }) => (Callee::Func(self.callee(&item)), mutates_receiver),
            Some(Resolution::BuiltinMethod {
                id,
                mutates_receiver,
            }) => (Callee::builtin(id, elem), mutates_receiver),
            other => return internal(format!("a method call that resolves to {other:?}")),
        };
        let arg_exprs: Vec<&Expr> = args.iter().collect();
        if !mutates {
            let mut exprs = vec![receiver];
            exprs.extend(arg_exprs);
            let Some(vals) = self.operands(&exprs)? else {
                return Ok(None);
            };
            let ops = vals.iter().map(|v| self.borrow(v)).collect();
            let out = self.assign_temp(ty, Rvalue::Call { callee, args: ops }, site);
            for v in vals {
                self.release(v);
            }
            return Ok(Some(out));
        }
        // A mutating call: the receiver is a place rooted at a variable.
        let Some((place, _)) = self.place(receiver, true)? else {
            return Ok(None);
        };
        let Some(vals) = self.operands(&arg_exprs)? else {
            return Ok(None);
        };
        // An argument that aliases the receiver would see the callee's changes: copy it.
        let vals: Vec<Val> = vals
            .into_iter()
            .map(|v| match &v {
                Val::Borrowed(Operand::Copy(l))
                    if self.local_ty(*l).is_heap()
                        && (*l == place.local || !self.locals[*l as usize].owned) =>
                {
                    let ty = self.local_ty(*l);
                    let t = self.temp(ty);
                    self.emit(Inst::Assign {
                        dst: t,
                        value: Rvalue::Use(Operand::Copy(*l)),
                        site: 0,
                    });
                    Val::Owned(t)
                }
                _ => v,
            })
            .collect();
        let ops = vals.iter().map(|v| self.borrow(v)).collect();
        let dst = (ty != Ty::Unit).then(|| self.temp(ty.clone()));
        self.emit(Inst::CallMut {
            dst,
            callee,
            receiver: place,
            args: ops,
            site,
        });
        for v in vals {
            self.release(v);
        }
        Ok(Some(match dst {
            Some(d) if ty.is_heap() => Val::Owned(d),
            Some(d) => Val::Borrowed(Operand::Copy(d)),
            None => Val::Borrowed(Operand::Const(Const::Unit)),
        }))
    }

    // ----- match --------------------------------------------------------------------------

    fn match_expr(
        &mut self,
        e: &Expr,
        scrutinee: &Expr,
        arms: &[ast::MatchArm],
    ) -> Res<Option<Val>> {
        let Some(v) = self.expr(scrutinee)? else {
            return Ok(None);
        };
        let scrut_ty = self.ty(scrutinee.id);
        // The arms may change the scrutinee's variable; patterns bind aliases into the value,
        // so hold a reference of our own while the match runs.
        let (scrut, owned) = self.hold(v, &scrut_ty);
        let ty = self.ty(e.id);
        let result = (ty != Ty::Unit).then(|| self.temp(ty.clone()));
        let join = self.new_block();
        for arm in arms {
            if self.current.is_none() {
                break;
            }
            let next = self.new_block();
            self.pattern(&arm.pat, &Place::local(scrut), &scrut_ty, next)?;
            if let Some(guard) = &arm.guard
                && let Some(g) = self.expr(guard)?
            {
                let body = self.new_block();
                let op = self.borrow(&g);
                self.terminate(Terminator::Branch {
                    cond: op,
                    then_block: body,
                    else_block: next,
                });
                self.switch_to(body);
            }
            let v = self.expr(&arm.body)?;
            self.branch_result(v, result, join);
            self.switch_to(next);
        }
        // The checker proved the arms exhaustive.
        self.terminate(Terminator::Unreachable);
        self.join_branches(e, &ty, result, join, owned)
    }

    /// Emits the tests of a pattern against the value at `place`: falls through (in a new
    /// current block) when it matches, with its bindings set, and jumps to `fail` otherwise.
    fn pattern(&mut self, pat: &Pat, place: &Place, ty: &Ty, fail: BlockId) -> Res<()> {
        if self.current.is_none() {
            return Ok(());
        }
        match &pat.kind {
            PatKind::Wild | PatKind::Error => Ok(()),
            PatKind::Bind { mutable, .. } => {
                let Some(Resolution::Local(id)) = self.infer.resolution(pat.id) else {
                    return internal("a binding pattern without its variable");
                };
                let id = *id;
                let l = match self.map.get(&id.0) {
                    // The same variable in another alternative of an or-pattern.
                    Some(&l) => l,
                    None => {
                        let name = self.infer.local(id).map(|l| l.name.to_string());
                        let owned = (*mutable || self.own_bindings) && ty.is_heap();
                        let l = self.new_local(ty.clone(), owned, name, true);
                        self.map.insert(id.0, l);
                        l
                    }
                };
                let value = if place.proj.is_empty() {
                    Rvalue::Use(Operand::Copy(place.local))
                } else {
                    Rvalue::Read(place.clone())
                };
                self.emit(Inst::Assign {
                    dst: l,
                    value,
                    site: 0,
                });
                Ok(())
            }
            PatKind::Lit(lit) => {
                let c = literal(lit);
                self.compare_const(place, ty, c, fail);
                Ok(())
            }
            PatKind::Path(_) => match self.infer.resolution(pat.id).cloned() {
                Some(Resolution::Variant { index, .. }) => {
                    self.test_tag(place, ty, index, fail);
                    Ok(())
                }
                Some(Resolution::PreludeVariant(v)) => {
                    self.test_tag(place, ty, v.index(), fail);
                    Ok(())
                }
                Some(Resolution::Const(id)) => {
                    let value = const_value(self.db, ItemKey::new(self.db, (*id).clone())).clone();
                    match value {
                        Some(Ok(c)) => {
                            self.compare_const(place, ty, c, fail);
                            Ok(())
                        }
                        Some(Err(error)) => {
                            let site = self.site(pat.id);
                            self.emit(Inst::Trap { error, site });
                            self.terminate(Terminator::Unreachable);
                            Ok(())
                        }
                        None => internal(format!("the constant `{id}` has no value")),
                    }
                }
                other => internal(format!("a path pattern that resolves to {other:?}")),
            },
            PatKind::Variant { fields, .. } => {
                let (index, payload): (u32, Vec<Ty>) = match self.infer.resolution(pat.id).cloned()
                {
                    Some(Resolution::Variant { enum_id, index }) => (
                        index,
                        sema::enum_info(self.db, ItemKey::new(self.db, (*enum_id).clone()))
                            .and_then(|info| {
                                info.variants
                                    .get(index as usize)
                                    .map(|v| v.fields.iter().map(ir_ty).collect())
                            })
                            .unwrap_or_default(),
                    ),
                    Some(Resolution::PreludeVariant(v)) => {
                        let index = v.index();
                        let payload = ty
                            .prelude_variants()
                            .and_then(|vs| vs.into_iter().nth(index as usize))
                            .map(|(_, f)| f)
                            .unwrap_or_default();
                        (index, payload)
                    }
                    _ => return internal("a variant pattern without its variant"),
                };
                self.test_tag(place, ty, index, fail);
                for (i, sub) in fields.iter().enumerate() {
                    let mut p = place.clone();
                    p.proj.push(Proj::Payload {
                        variant: index,
                        field: i as u32,
                    });
                    let sub_ty = payload.get(i).cloned().unwrap_or(Ty::Unit);
                    self.pattern(sub, &p, &sub_ty, fail)?;
                }
                Ok(())
            }
            PatKind::Tuple(elems) => {
                let tys = match ty {
                    Ty::Tuple(tys) => tys.clone(),
                    _ => return internal("a tuple pattern on a value that is not a tuple"),
                };
                for (i, sub) in elems.iter().enumerate() {
                    let mut p = place.clone();
                    p.proj.push(Proj::Field(i as u32));
                    let sub_ty = tys.get(i).cloned().unwrap_or(Ty::Unit);
                    self.pattern(sub, &p, &sub_ty, fail)?;
                }
                Ok(())
            }
            PatKind::Struct { fields, .. } => {
                for f in fields {
                    let Some(Resolution::PatField { struct_id, index }) =
                        self.infer.resolution(f.id).cloned()
                    else {
                        return internal("a struct pattern field without its field");
                    };
                    let sub_ty =
                        sema::struct_info(self.db, ItemKey::new(self.db, (*struct_id).clone()))
                            .and_then(|info| info.fields.get(index as usize).map(|f| ir_ty(&f.ty)))
                            .unwrap_or(Ty::Unit);
                    let mut p = place.clone();
                    p.proj.push(Proj::Field(index));
                    self.pattern(&f.pat, &p, &sub_ty, fail)?;
                }
                Ok(())
            }
            PatKind::Or(alts) => {
                let matched = self.new_block();
                for (i, alt) in alts.iter().enumerate() {
                    if self.current.is_none() {
                        break;
                    }
                    let next = if i + 1 == alts.len() {
                        fail
                    } else {
                        self.new_block()
                    };
                    self.pattern(alt, place, ty, next)?;
                    self.goto(matched);
                    if next != fail {
                        self.switch_to(next);
                    }
                }
                self.switch_to(matched);
                Ok(())
            }
        }
    }

    /// The value at `place` in a local (aliasing it if it is inside another value).
    fn place_value(&mut self, place: &Place, ty: &Ty) -> Operand {
        if place.proj.is_empty() {
            return Operand::Copy(place.local);
        }
        let t = self.alias(ty.clone());
        self.emit(Inst::Assign {
            dst: t,
            value: Rvalue::Read(place.clone()),
            site: 0,
        });
        Operand::Copy(t)
    }

    fn test_tag(&mut self, place: &Place, ty: &Ty, index: u32, fail: BlockId) {
        let value = self.place_value(place, ty);
        let tag = self.temp(Ty::I64);
        self.emit(Inst::Assign {
            dst: tag,
            value: Rvalue::Tag(value),
            site: 0,
        });
        let ok = self.temp(Ty::Bool);
        self.emit(Inst::Assign {
            dst: ok,
            value: Rvalue::Binary {
                op: BinOp::Eq,
                ty: Ty::I64,
                lhs: Operand::Copy(tag),
                rhs: Operand::Const(Const::I64(index as i64)),
            },
            site: 0,
        });
        let then_block = self.new_block();
        self.terminate(Terminator::Branch {
            cond: Operand::Copy(ok),
            then_block,
            else_block: fail,
        });
        self.switch_to(then_block);
    }

    fn compare_const(&mut self, place: &Place, ty: &Ty, c: Const, fail: BlockId) {
        let value = self.place_value(place, ty);
        let ok = self.temp(Ty::Bool);
        self.emit(Inst::Assign {
            dst: ok,
            value: Rvalue::Binary {
                op: BinOp::Eq,
                ty: ty.clone(),
                lhs: value,
                rhs: Operand::Const(c),
            },
            site: 0,
        });
        let then_block = self.new_block();
        self.terminate(Terminator::Branch {
            cond: Operand::Copy(ok),
            then_block,
            else_block: fail,
        });
        self.switch_to(then_block);
    }
}

/// Whether two expressions name the same local variable.
fn same_variable(infer: &InferenceResult, a: &Expr, b: &Expr) -> bool {
    let local = |e: &Expr| match (&e.kind, infer.resolution(e.id)) {
        (ExprKind::Path(_) | ExprKind::SelfValue, Some(Resolution::Local(id))) => Some(*id),
        _ => None,
    };
    matches!((local(a), local(b)), (Some(x), Some(y)) if x == y)
}

fn bin_op(op: ast::BinOp) -> BinOp {
    match op {
        ast::BinOp::Add => BinOp::Add,
        ast::BinOp::Sub => BinOp::Sub,
        ast::BinOp::Mul => BinOp::Mul,
        ast::BinOp::Div => BinOp::Div,
        ast::BinOp::Rem => BinOp::Rem,
        ast::BinOp::Eq => BinOp::Eq,
        ast::BinOp::Ne => BinOp::Ne,
        ast::BinOp::Lt => BinOp::Lt,
        ast::BinOp::Le => BinOp::Le,
        ast::BinOp::Gt => BinOp::Gt,
        ast::BinOp::Ge => BinOp::Ge,
        ast::BinOp::BitAnd => BinOp::BitAnd,
        ast::BinOp::BitOr => BinOp::BitOr,
        ast::BinOp::BitXor => BinOp::BitXor,
        ast::BinOp::Shl => BinOp::Shl,
        ast::BinOp::Shr => BinOp::Shr,
        // `&&` and `||` are lowered to control flow before reaching here.
        ast::BinOp::And | ast::BinOp::Or => BinOp::Eq,
    }
}
