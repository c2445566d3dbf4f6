//! Translation of one IR function to Cranelift IR.
//!
//! - Every IR local is a Cranelift variable; the frontend builds SSA form.
//! - Every holo function takes the run's [`Rt`](crate::rt::Rt) pointer first. A `mut self`
//!   method takes the address of its receiver's slot next. Values are `i64` (integers, heap
//!   pointers, function indices), `f64`, or `i8` (`bool`, `()`); functions returning `()`
//!   return nothing.
//! - Calls between holo functions load the callee's address from its dispatch-table slot and
//!   call it indirectly, so a slot can be repointed without touching callers. Host functions are
//!   called through their addresses as constants: the code has no relocations, so it can be
//!   compiled on any thread and copied into a module afterwards.
//! - On entry, the stack pointer is checked against the run's stack limit: going past it is a
//!   "stack overflow" runtime error (never a crash).
//! - After every call that can fail, the `Rt`'s error flag is tested; if set, the function
//!   records its frame (function, site) through `holo_rt_trace` and returns at once. Nothing is
//!   released on that path: the run is over.
//! - On a normal return, every owned local still holding a value is released, and a `mut self`
//!   method leaves its receiver in the caller's slot.

use super::Shared;
use crate::rt::desc::Kind;
use crate::rt::heap;
use crate::rt::host::{self, error_code, kind_code};
use crate::rt::{RT_FAILED, RT_STACK_LIMIT, RT_UNIQUE_OUT};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    AbiParam, BlockArg, Function, InstBuilder, InstructionData, MemFlagsData, Opcode, Signature,
    StackSlotData, StackSlotKind, UserFuncName, Value, ValueDef, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Switch, Variable};
use holo_compiler::ir::{
    self, BinOp, Body, Callee, Const, FuncIndex, Inst, Operand, Place, Proj, Rvalue, SelfMode,
    Terminator, Ty, UnOp,
};
use holo_compiler::sema::builtins::{BUILTINS, BuiltinId};
use std::collections::HashMap;

/// Why a function could not be compiled (a bug in lowering or code generation).
#[derive(Debug)]
pub struct CodegenError(pub String);

type Res<T> = Result<T, CodegenError>;

fn err<T>(message: impl Into<String>) -> Res<T> {
    Err(CodegenError(message.into()))
}

/// The Cranelift type of values of an IR type.
pub fn cl_type(ty: &Ty) -> types::Type {
    match ty {
        Ty::F64 => types::F64,
        Ty::Bool | Ty::Unit => types::I8,
        _ => types::I64,
    }
}

/// The signature of a holo function.
pub fn signature(body: &Body, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(types::I64));
    if body.self_mode == SelfMode::Env {
        for _ in 0..body.params {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I64));
        return sig;
    }
    for (i, local) in body.locals[..body.params as usize].iter().enumerate() {
        let t = if i == 0 && body.self_mode == SelfMode::Mut {
            types::I64
        } else {
            cl_type(&local.ty)
        };
        sig.params.push(AbiParam::new(t));
    }
    if body.ret != Ty::Unit {
        sig.returns.push(AbiParam::new(cl_type(&body.ret)));
    }
    sig
}

/// The signature of a call through a value of a `fn` type: the closure calling convention
/// ([`SelfMode::Env`]), words in and out, the closure object first.
fn fn_ty_signature(f: &ir::FnTy, call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params.push(AbiParam::new(types::I64));
    sig.params.push(AbiParam::new(types::I64));
    for _ in &f.params {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

fn kind_of(ty: &Ty) -> Kind {
    match ty {
        Ty::Str => Kind::Str,
        Ty::Array(_) => Kind::Array,
        Ty::Struct(_) | Ty::Tuple(_) => Kind::Struct,
        Ty::Enum(_) | Ty::Option(_) | Ty::Result(..) | Ty::Ordering => Kind::Enum,
        Ty::Map(..) => Kind::Map,
        Ty::I64 => Kind::I64,
        Ty::F64 => Kind::F64,
        Ty::Bool => Kind::Bool,
        Ty::Unit => Kind::Unit,
        Ty::Fn(_) => Kind::Fn,
    }
}

fn mem() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// `(base, offset)` of the `i64` load that defines `w` if it is the last instruction of the
/// current block (so that loading the same address again reads the same bits).
fn just_loaded_word(b: &FunctionBuilder, w: Value) -> Option<(Value, i32)> {
    let ValueDef::Result(inst, 0) = b.func.dfg.value_def(w) else {
        return None;
    };
    if b.func.layout.last_inst(b.current_block()?) != Some(inst)
        || b.func.dfg.value_type(w) != types::I64
    {
        return None;
    }
    match b.func.dfg.insts[inst] {
        InstructionData::Load {
            opcode: Opcode::Load,
            arg,
            offset,
            ..
        } => Some((arg, offset.into())),
        _ => None,
    }
}

/// The `f64` that `w` is the bitcast of, if it is one.
fn float_of_word(b: &FunctionBuilder, w: Value) -> Option<Value> {
    let ValueDef::Result(inst, 0) = b.func.dfg.value_def(w) else {
        return None;
    };
    match b.func.dfg.insts[inst] {
        InstructionData::LoadNoOffset {
            opcode: Opcode::Bitcast,
            arg,
            ..
        } if b.func.dfg.value_type(arg) == types::F64 => Some(arg),
        _ => None,
    }
}

/// Translates function `index` of the program into `func`.
pub fn translate(
    shared: &Shared,
    index: FuncIndex,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) -> Res<()> {
    let Some(f) = shared.program.functions.get(index as usize) else {
        return err(format!("no function number {index}"));
    };
    func.signature = signature(&f.body, call_conv);
    func.name = UserFuncName::user(0, index);
    let mut b = FunctionBuilder::new(func, fctx);
    let mut cx = Codegen {
        shared,
        index,
        body: &f.body,
        links: &f.links,
        call_conv,
        vars: Vec::new(),
        blocks: HashMap::new(),
        rt: Value::from_u32(0),
        self_slot: None,
        exit: cranelift_codegen::ir::Block::from_u32(0),
        unwind: cranelift_codegen::ir::Block::from_u32(0),
        error: cranelift_codegen::ir::Block::from_u32(0),
        host_sigs: HashMap::new(),
    };
    cx.build(&mut b)?;
    b.seal_all_blocks();
    b.finalize(frontend);
    Ok(())
}

struct Codegen<'a> {
    shared: &'a Shared,
    index: FuncIndex,
    body: &'a Body,
    links: &'a [FuncIndex],
    call_conv: CallConv,
    vars: Vec<Variable>,
    blocks: HashMap<u32, cranelift_codegen::ir::Block>,
    rt: Value,
    /// For a `mut self` method: the address of the caller's receiver slot.
    self_slot: Option<Value>,
    exit: cranelift_codegen::ir::Block,
    unwind: cranelift_codegen::ir::Block,
    /// Reports an error detected inline; its parameters are the error code, two operands for
    /// the message and the site (see [`Codegen::fail_if`]).
    error: cranelift_codegen::ir::Block,
    host_sigs: HashMap<usize, cranelift_codegen::ir::SigRef>,
}

impl<'a> Codegen<'a> {
    fn build(&mut self, b: &mut FunctionBuilder) -> Res<()> {
        let body = self.body;
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        self.rt = params[0];
        for local in &body.locals {
            let v = b.declare_var(cl_type(&local.ty));
            self.vars.push(v);
        }
        // Parameters take their arguments. Every other local starts out empty (0): the
        // frontend defines a variable read before any definition as zero, and does so only for
        // the variables that are read that way (defining all of them here would hand the code
        // generator one constant per local).
        for i in 0..body.params as usize {
            let p = params[i + 1];
            let v = if i == 0 && body.self_mode == SelfMode::Mut {
                self.self_slot = Some(p);
                b.ins().load(types::I64, mem(), p, 0)
            } else if body.self_mode == SelfMode::Env {
                self.word_to_value(b, p, &body.locals[i].ty)
            } else {
                p
            };
            b.def_var(self.vars[i], v);
        }
        self.exit = b.create_block();
        if body.ret != Ty::Unit {
            b.append_block_param(self.exit, cl_type(&body.ret));
        }
        self.unwind = b.create_block();
        b.append_block_param(self.unwind, types::I64);
        // One block reports every error detected inline: checks branch to it with the error's
        // code, its two operands and the site, so each check is a single branch.
        self.error = b.create_block();
        for _ in 0..4 {
            b.append_block_param(self.error, types::I64);
        }

        // Stack overflow check: the native stack may not grow past the run's limit. (A check
        // of the stack pointer rather than a call counter: it needs no memory write, so calls
        // do not form a dependency chain through memory.)
        let rt = self.rt;
        let sp = b.ins().get_stack_pointer(types::I64);
        let limit = b.ins().load(types::I64, mem(), rt, RT_STACK_LIMIT);
        let bad = b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        let overflow = b.create_block();
        let start = b.create_block();
        b.ins().brif(bad, overflow, &[], start, &[]);
        b.switch_to_block(overflow);
        b.set_cold_block(overflow);
        let z = b.ins().iconst(types::I64, 0);
        self.fail_here(b, error_code::STACK_OVERFLOW, z, z, u32::MAX)?;

        // The body's blocks, those reachable from its entry.
        let reachable = reachable_blocks(body);
        for &i in &reachable {
            let block = b.create_block();
            self.blocks.insert(i, block);
        }
        b.switch_to_block(start);
        let first = self.block(0)?;
        b.ins().jump(first, &[]);
        for &i in &reachable {
            let block = self.block(i)?;
            b.switch_to_block(block);
            let ir_block = &body.blocks[i as usize];
            for inst in &ir_block.insts {
                self.inst(b, inst)?;
            }
            self.terminator(b, &ir_block.term)?;
        }

        // Normal exit: release owned locals, hand back `mut self`.
        b.switch_to_block(self.exit);
        let ret = b.block_params(self.exit).to_vec();
        for (i, local) in body.locals.iter().enumerate() {
            if !local.owned || !local.ty.is_heap() {
                continue;
            }
            let v = b.use_var(self.vars[i]);
            if i == 0 && body.self_mode == SelfMode::Mut {
                if let Some(slot) = self.self_slot {
                    b.ins().store(mem(), v, slot, 0);
                }
                continue;
            }
            self.release(b, v, kind_of(&local.ty))?;
        }
        if body.self_mode == SelfMode::Env {
            let w = match ret.first() {
                Some(&v) => self.to_word(b, v),
                None => b.ins().iconst(types::I64, 0),
            };
            b.ins().return_(&[w]);
        } else {
            b.ins().return_(&ret);
        }

        // Errors detected inline: report, then leave through the error exit.
        b.switch_to_block(self.error);
        b.set_cold_block(self.error);
        let p = b.block_params(self.error).to_vec();
        self.call_host(b, "holo_rt_error", &[p[0], p[1], p[2]])?;
        b.ins().jump(self.unwind, &[BlockArg::Value(p[3])]);

        // Error exit: record this frame and return at once.
        b.switch_to_block(self.unwind);
        b.set_cold_block(self.unwind);
        let site = b.block_params(self.unwind)[0];
        let func = b.ins().iconst(types::I64, i64::from(self.index));
        self.call_host(b, "holo_rt_trace", &[func, site])?;
        if body.self_mode == SelfMode::Env {
            let z = b.ins().iconst(types::I64, 0);
            b.ins().return_(&[z]);
        } else if body.ret == Ty::Unit {
            b.ins().return_(&[]);
        } else {
            let z = zero(b, cl_type(&body.ret));
            b.ins().return_(&[z]);
        }
        Ok(())
    }

    fn block(&self, i: u32) -> Res<cranelift_codegen::ir::Block> {
        match self.blocks.get(&i) {
            Some(&b) => Ok(b),
            None => err(format!("a jump to block {i}, which does not exist")),
        }
    }

    fn var(&self, l: u32) -> Res<Variable> {
        match self.vars.get(l as usize) {
            Some(&v) => Ok(v),
            None => err(format!("local {l} does not exist")),
        }
    }

    fn local(&self, l: u32) -> Res<&'a ir::LocalDecl> {
        match self.body.locals.get(l as usize) {
            Some(d) => Ok(d),
            None => err(format!("local {l} does not exist")),
        }
    }

    fn desc(&self, ty: &Ty) -> Res<i64> {
        match self.shared.descs.get(ty) {
            Some(d) => Ok(d as i64),
            None => err(format!("no type descriptor for `{ty}`")),
        }
    }

    // ----- host calls, errors -------------------------------------------------------------

    fn host_sig(
        &mut self,
        b: &mut FunctionBuilder,
        params: usize,
    ) -> cranelift_codegen::ir::SigRef {
        if let Some(&s) = self.host_sigs.get(&params) {
            return s;
        }
        let mut sig = Signature::new(self.call_conv);
        for _ in 0..=params {
            sig.params.push(AbiParam::new(types::I64));
        }
        sig.returns.push(AbiParam::new(types::I64));
        let s = b.import_signature(sig);
        self.host_sigs.insert(params, s);
        s
    }

    /// Calls a host function with word arguments (the `Rt` pointer is added).
    fn call_host(&mut self, b: &mut FunctionBuilder, name: &str, args: &[Value]) -> Res<Value> {
        let Some(h) = host::host_fn(name) else {
            return err(format!("no host function `{name}`"));
        };
        if h.params != args.len() {
            return err(format!(
                "host function `{name}` takes {} words, not {}",
                h.params,
                args.len()
            ));
        }
        let sig = self.host_sig(b, args.len());
        let addr = b.ins().iconst(types::I64, h.ptr as i64);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.rt);
        all.extend_from_slice(args);
        let call = b.ins().call_indirect(sig, addr, &all);
        Ok(b.inst_results(call)[0])
    }

    /// After a call that can fail: leave through the error exit if the run failed.
    /// (Through a cold block that passes the site on, so that the site's constant is not put
    /// in a register on the hot path.)
    fn check(&mut self, b: &mut FunctionBuilder, site: u32) {
        let failed = b.ins().load(types::I8, mem(), self.rt, RT_FAILED);
        let bad = b.create_block();
        let cont = b.create_block();
        b.ins().brif(failed, bad, &[], cont, &[]);
        b.switch_to_block(bad);
        b.set_cold_block(bad);
        let site = b.ins().iconst(types::I64, i64::from(site));
        b.ins().jump(self.unwind, &[BlockArg::Value(site)]);
        b.switch_to_block(cont);
    }

    /// Reports an error detected inline and leaves through the error exit; code emission
    /// continues in a fresh (unreachable) block.
    fn fail_here(
        &mut self,
        b: &mut FunctionBuilder,
        code: i64,
        a: Value,
        c: Value,
        site: u32,
    ) -> Res<()> {
        let args = self.error_args(b, code, a, c, site);
        b.ins().jump(self.error, &args);
        Ok(())
    }

    /// Branches to a cold block that reports an error when `cond` holds. (The cold block
    /// passes the error's details on to the shared error block: were they arguments of this
    /// branch, the constants among them would be put in registers on the hot path.)
    fn fail_if(
        &mut self,
        b: &mut FunctionBuilder,
        cond: Value,
        code: i64,
        a: Value,
        c: Value,
        site: u32,
    ) -> Res<()> {
        let bad = b.create_block();
        let ok = b.create_block();
        b.ins().brif(cond, bad, &[], ok, &[]);
        b.switch_to_block(bad);
        b.set_cold_block(bad);
        self.fail_here(b, code, a, c, site)?;
        b.switch_to_block(ok);
        Ok(())
    }

    fn error_args(
        &mut self,
        b: &mut FunctionBuilder,
        code: i64,
        a: Value,
        c: Value,
        site: u32,
    ) -> [BlockArg; 4] {
        let code = b.ins().iconst(types::I64, code);
        let site = b.ins().iconst(types::I64, i64::from(site));
        [
            BlockArg::Value(code),
            BlockArg::Value(a),
            BlockArg::Value(c),
            BlockArg::Value(site),
        ]
    }

    // ----- reference counts ---------------------------------------------------------------

    fn retain(&mut self, b: &mut FunctionBuilder, v: Value) {
        let rc = b.ins().load(types::I64, mem(), v, heap::RC);
        let rc = b.ins().iadd_imm_s(rc, 1);
        b.ins().store(mem(), rc, v, heap::RC);
    }

    /// Releases a heap value (null is ignored).
    fn release(&mut self, b: &mut FunctionBuilder, v: Value, kind: Kind) -> Res<()> {
        // A local that is still empty on this path holds the constant 0: nothing to release
        // (common for the first assignment of a variable, and for moved-out locals at exit).
        if const_of(b, v) == Some(0) {
            return Ok(());
        }
        let nonnull = b.create_block();
        let free = b.create_block();
        let done = b.create_block();
        b.ins().brif(v, nonnull, &[], done, &[]);
        b.switch_to_block(nonnull);
        let rc = b.ins().load(types::I64, mem(), v, heap::RC);
        let rc = b.ins().iadd_imm_s(rc, -1);
        b.ins().store(mem(), rc, v, heap::RC);
        b.ins().brif(rc, done, &[], free, &[]);
        b.switch_to_block(free);
        b.set_cold_block(free);
        let k = b.ins().iconst(types::I64, kind_code(kind));
        self.call_host(b, "holo_rt_free", &[v, k])?;
        b.ins().jump(done, &[]);
        b.switch_to_block(done);
        Ok(())
    }

    /// Copy on write: `v` if its count is 1, else a copy (the caller's reference moves to it).
    /// `home`, the slot `v` was loaded from, receives the copy; on the unique path it already
    /// holds `v`, and not storing it again keeps stores (which end Cranelift's reuse of earlier
    /// loads) off the hot path.
    fn unique(
        &mut self,
        b: &mut FunctionBuilder,
        v: Value,
        kind: Kind,
        home: Option<Slot>,
    ) -> Res<Value> {
        let copy = b.create_block();
        let done = b.create_block();
        b.append_block_param(done, types::I64);
        let rc = b.ins().load(types::I64, mem(), v, heap::RC);
        let one = b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
        b.ins().brif(one, done, &[BlockArg::Value(v)], copy, &[]);
        b.switch_to_block(copy);
        b.set_cold_block(copy);
        // Through the trampoline that preserves every register (see `jit::unique_trampoline`),
        // so that this rare path does not make the hot one spill its floats.
        let k = b.ins().iconst(types::I64, kind_code(kind));
        let mut sig = Signature::new(CallConv::PreserveAll);
        sig.params.extend([AbiParam::new(types::I64); 3]);
        let sig = b.import_signature(sig);
        let addr = b
            .ins()
            .iconst(types::I64, self.shared.unique_trampoline as i64);
        b.ins().call_indirect(sig, addr, &[self.rt, v, k]);
        let c = b.ins().load(types::I64, mem(), self.rt, RT_UNIQUE_OUT);
        if let Some(slot) = home {
            self.store_slot(b, c, slot);
        }
        b.ins().jump(done, &[BlockArg::Value(c)]);
        b.switch_to_block(done);
        Ok(b.block_params(done)[0])
    }

    // ----- values -------------------------------------------------------------------------

    fn const_value(&mut self, b: &mut FunctionBuilder, c: &Const) -> Res<Value> {
        Ok(match c {
            Const::I64(v) => b.ins().iconst(types::I64, *v),
            Const::F64(bits) => b.ins().f64const(f64::from_bits(*bits)),
            Const::Bool(v) => b.ins().iconst(types::I8, i64::from(*v)),
            Const::Unit => b.ins().iconst(types::I8, 0),
            Const::Str(_) | Const::Array { .. } => {
                let obj = self.shared.const_object(c)?;
                b.ins().iconst(types::I64, obj as i64)
            }
        })
    }

    fn operand_ty(&self, op: &Operand) -> Res<Ty> {
        Ok(match op {
            Operand::Copy(l) | Operand::Move(l) => self.local(*l)?.ty.clone(),
            Operand::Const(c) => match c {
                Const::I64(_) => Ty::I64,
                Const::F64(_) => Ty::F64,
                Const::Bool(_) => Ty::Bool,
                Const::Unit => Ty::Unit,
                Const::Str(_) => Ty::Str,
                Const::Array { elem, .. } => Ty::Array(Box::new(elem.clone())),
            },
        })
    }

    /// An operand in a borrowing position.
    fn operand(&mut self, b: &mut FunctionBuilder, op: &Operand) -> Res<Value> {
        match op {
            Operand::Copy(l) | Operand::Move(l) => Ok(b.use_var(self.var(*l)?)),
            Operand::Const(c) => self.const_value(b, c),
        }
    }

    /// An operand in an owning position: the result holds a reference of its own.
    fn owned_operand(&mut self, b: &mut FunctionBuilder, op: &Operand) -> Res<Value> {
        match op {
            Operand::Copy(l) => {
                let v = b.use_var(self.var(*l)?);
                if self.local(*l)?.ty.is_heap() {
                    self.retain(b, v);
                }
                Ok(v)
            }
            Operand::Move(l) => {
                let decl = self.local(*l)?;
                let v = b.use_var(self.var(*l)?);
                if decl.ty.is_heap() {
                    if decl.owned {
                        let z = b.ins().iconst(types::I64, 0);
                        b.def_var(self.var(*l)?, z);
                    } else {
                        self.retain(b, v);
                    }
                }
                Ok(v)
            }
            // Constants are immortal: no reference needs taking.
            Operand::Const(c) => self.const_value(b, c),
        }
    }

    /// A value as an 8-byte word (for memory and host calls).
    fn to_word(&self, b: &mut FunctionBuilder, v: Value) -> Value {
        let t = b.func.dfg.value_type(v);
        if t == types::F64 {
            b.ins().bitcast(types::I64, MemFlagsData::new(), v)
        } else if t == types::I8 {
            b.ins().uextend(types::I64, v)
        } else {
            v
        }
    }

    /// A word as a value of type `ty`.
    fn word_to_value(&self, b: &mut FunctionBuilder, w: Value, ty: &Ty) -> Value {
        match cl_type(ty) {
            types::F64 => match just_loaded_word(b, w) {
                // A word loaded by the instruction just before: load it as a float instead. A
                // bitcast of an integer load kept every float read from a field or an element
                // in an integer register, crowding out the loop's pointers and indices, which
                // were then spilled and reloaded on every use. (The word's own load stays,
                // unused: Cranelift lowers every load. It reads the same cache line; removing
                // it needs the load to be emitted as a float in the first place.)
                Some((base, off)) => b.ins().load(types::F64, mem(), base, off),
                None => b.ins().bitcast(types::F64, MemFlagsData::new(), w),
            },
            types::I8 => b.ins().ireduce(types::I8, w),
            _ => w,
        }
    }

    fn load_word(&self, b: &mut FunctionBuilder, base: Value, offset: i32) -> Value {
        b.ins().load(types::I64, mem(), base, offset)
    }

    // ----- places -------------------------------------------------------------------------

    /// The slot `proj` selects inside the heap object `obj`, of type `container`
    /// (bounds-checked).
    fn proj_addr(
        &mut self,
        b: &mut FunctionBuilder,
        obj: Value,
        container: &Ty,
        proj: &Proj,
        site: u32,
    ) -> Res<Slot> {
        Ok(match proj {
            Proj::Field(i) => Slot::word(obj, heap::STRUCT_FIELDS + 8 * *i as i32),
            Proj::Payload { field, .. } => Slot::word(obj, heap::ENUM_PAYLOAD + 8 * *field as i32),
            Proj::Index(op) => {
                let Ty::Array(elem) = container else {
                    return err(format!("an index into a value of type `{container}`"));
                };
                let width = heap::elem_width(kind_of(elem));
                let i = self.operand(b, op)?;
                let len = self.load_word(b, obj, heap::ARR_LEN);
                let out = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, i, len);
                self.fail_if(b, out, error_code::INDEX_OUT_OF_BOUNDS, i, len, site)?;
                let off = if width == 1 {
                    i
                } else {
                    b.ins().ishl_imm_u(i, 3)
                };
                let addr = b.ins().iadd(obj, off);
                Slot {
                    base: addr,
                    off: heap::ARR_DATA,
                    byte: width == 1,
                }
            }
        })
    }

    /// The type of the value `proj` selects inside a value of type `container`.
    fn proj_ty(&self, container: &Ty, proj: &Proj) -> Res<Ty> {
        let program = &self.shared.program;
        let found = match (container, proj) {
            (Ty::Array(elem), Proj::Index(_)) => Some((**elem).clone()),
            (_, Proj::Field(i)) => program.field_ty(container, *i as usize),
            (_, Proj::Payload { variant, field }) => {
                program.payload_ty(container, *variant as usize, *field as usize)
            }
            _ => None,
        };
        match found {
            Some(t) => Ok(t),
            None => err(format!(
                "{proj:?} does not apply to a value of type `{container}`"
            )),
        }
    }

    /// Loads the word in a slot (a byte-wide slot is zero-extended).
    fn load_slot(&self, b: &mut FunctionBuilder, slot: Slot) -> Value {
        if slot.byte {
            b.ins().uload8(types::I64, mem(), slot.base, slot.off)
        } else {
            self.load_word(b, slot.base, slot.off)
        }
    }

    /// Stores a word in a slot (a byte-wide slot takes its low byte).
    fn store_slot(&self, b: &mut FunctionBuilder, w: Value, slot: Slot) {
        if slot.byte {
            b.ins().istore8(mem(), w, slot.base, slot.off);
        } else if let Some(f) = float_of_word(b, w) {
            // The word of a float: store the float itself, which stays in its float register.
            b.ins().store(mem(), f, slot.base, slot.off);
        } else {
            b.ins().store(mem(), w, slot.base, slot.off);
        }
    }

    /// The kind of heap object a projection applies to.
    fn container_kind(proj: &Proj) -> Kind {
        match proj {
            Proj::Field(_) => Kind::Struct,
            Proj::Payload { .. } => Kind::Enum,
            Proj::Index(_) => Kind::Array,
        }
    }

    /// Reads the word at a place (no reference taken).
    fn read_place(&mut self, b: &mut FunctionBuilder, place: &Place, site: u32) -> Res<Value> {
        let mut cur = b.use_var(self.var(place.local)?);
        let mut ty = self.local(place.local)?.ty.clone();
        for p in &place.proj {
            let slot = self.proj_addr(b, cur, &ty, p, site)?;
            cur = self.load_slot(b, slot);
            ty = self.proj_ty(&ty, p)?;
        }
        Ok(cur)
    }

    /// Makes every object on the path to `place` unique, writing copies back, and returns the
    /// place's slot and the type of its value. The place must have projections.
    fn place_slot(&mut self, b: &mut FunctionBuilder, place: &Place, site: u32) -> Res<(Slot, Ty)> {
        let var = self.var(place.local)?;
        let Some((last, path)) = place.proj.split_last() else {
            return err("a store to a place without projections");
        };
        let root = b.use_var(var);
        let mut ty = self.local(place.local)?.ty.clone();
        let kind = Self::container_kind(place.proj.first().unwrap_or(last));
        let mut cur = self.unique(b, root, kind, None)?;
        b.def_var(var, cur);
        for (i, p) in path.iter().enumerate() {
            // Containers on the path hold heap values: word-wide slots.
            let slot = self.proj_addr(b, cur, &ty, p, site)?;
            let child = self.load_slot(b, slot);
            let next = place.proj.get(i + 1).unwrap_or(last);
            let child = self.unique(b, child, Self::container_kind(next), Some(slot))?;
            cur = child;
            ty = self.proj_ty(&ty, p)?;
        }
        let slot = self.proj_addr(b, cur, &ty, last, site)?;
        Ok((slot, self.proj_ty(&ty, last)?))
    }

    // ----- instructions -------------------------------------------------------------------

    fn inst(&mut self, b: &mut FunctionBuilder, inst: &Inst) -> Res<()> {
        match inst {
            Inst::Assign { dst, value, site } => self.assign(b, *dst, value, *site),
            Inst::Store { place, value, site } => {
                let v = self.owned_operand(b, value)?;
                let w = self.to_word(b, v);
                let (slot, ty) = self.place_slot(b, place, *site)?;
                if ty.is_heap() {
                    let old = self.load_slot(b, slot);
                    self.store_slot(b, w, slot);
                    self.release(b, old, kind_of(&ty))?;
                } else {
                    self.store_slot(b, w, slot);
                }
                Ok(())
            }
            Inst::Drop(l) => {
                let decl = self.local(*l)?;
                if decl.owned && decl.ty.is_heap() {
                    let var = self.var(*l)?;
                    let v = b.use_var(var);
                    self.release(b, v, kind_of(&decl.ty))?;
                    let z = b.ins().iconst(types::I64, 0);
                    b.def_var(var, z);
                }
                Ok(())
            }
            Inst::CallMut {
                dst,
                callee,
                receiver,
                args,
                site,
            } => self.call_mut(b, *dst, callee, receiver, args, *site),
            Inst::Disown { dst, src } => {
                let src_var = self.var(*src)?;
                let v = b.use_var(src_var);
                let rc = b.ins().load(types::I64, mem(), v, heap::RC);
                let rc = b.ins().iadd_imm_s(rc, -1);
                b.ins().store(mem(), rc, v, heap::RC);
                b.def_var(self.var(*dst)?, v);
                let z = b.ins().iconst(types::I64, 0);
                b.def_var(src_var, z);
                Ok(())
            }
            Inst::Trap { error, site } => {
                let (code, a, c) = match error {
                    ir::TrapKind::Overflow { op, lhs, rhs } => {
                        let code = match (op.as_str(), rhs) {
                            ("+", _) => error_code::ADD_OVERFLOW,
                            ("-", Some(_)) => error_code::SUB_OVERFLOW,
                            ("-", None) => error_code::NEG_OVERFLOW,
                            ("*", _) => error_code::MUL_OVERFLOW,
                            _ => error_code::DIV_OVERFLOW,
                        };
                        (code, *lhs, rhs.unwrap_or(0))
                    }
                    ir::TrapKind::DivisionByZero => (error_code::DIVISION_BY_ZERO, 0, 0),
                };
                let a = b.ins().iconst(types::I64, a);
                let c = b.ins().iconst(types::I64, c);
                self.fail_here(b, code, a, c, *site)?;
                let dead = b.create_block();
                b.switch_to_block(dead);
                Ok(())
            }
        }
    }

    fn assign(&mut self, b: &mut FunctionBuilder, dst: u32, value: &Rvalue, site: u32) -> Res<()> {
        let decl = self.local(dst)?;
        let var = self.var(dst)?;
        let owned_heap = decl.owned && decl.ty.is_heap();
        // `s = s + t` on a string `s` holds alone: append in place.
        if owned_heap
            && let Rvalue::Binary {
                op: BinOp::Add,
                ty: Ty::Str,
                lhs: Operand::Copy(l) | Operand::Move(l),
                rhs,
            } = value
            && *l == dst
        {
            let old = b.use_var(var);
            let r = self.operand(b, rhs)?;
            let v = self.call_host(b, "holo_rt_str_append", &[old, r])?;
            self.check(b, site);
            b.def_var(var, v);
            return Ok(());
        }
        let v = match value {
            Rvalue::Use(op) => {
                if owned_heap {
                    self.owned_operand(b, op)?
                } else {
                    self.operand(b, op)?
                }
            }
            Rvalue::Read(place) => {
                let w = if place.proj.is_empty() {
                    b.use_var(self.var(place.local)?)
                } else {
                    self.read_place(b, place, site)?
                };
                let v = if place.proj.is_empty() {
                    w
                } else {
                    self.word_to_value(b, w, &decl.ty)
                };
                if owned_heap {
                    self.retain(b, v);
                }
                v
            }
            Rvalue::Unary { op, ty, operand } => {
                let x = self.operand(b, operand)?;
                match (op, ty) {
                    (UnOp::Neg, Ty::F64) => b.ins().fneg(x),
                    (UnOp::Neg, _) => {
                        let min = b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                        let z = b.ins().iconst(types::I64, 0);
                        self.fail_if(b, min, error_code::NEG_OVERFLOW, x, z, site)?;
                        b.ins().ineg(x)
                    }
                    (UnOp::Not, _) => b.ins().bxor_imm_u(x, 1),
                }
            }
            Rvalue::Binary { op, ty, lhs, rhs } => self.binary(b, *op, ty, lhs, rhs, site)?,
            Rvalue::Call { callee, args } => self.call(b, callee, args, &decl.ty, site)?,
            Rvalue::Tuple(fields) => {
                let obj = self.alloc_struct(b, &decl.ty, site)?;
                self.store_fields(b, obj, heap::STRUCT_FIELDS, fields)?;
                obj
            }
            Rvalue::Struct { key, fields } => {
                let obj = self.alloc_struct(b, &Ty::Struct(key.clone()), site)?;
                self.store_fields(b, obj, heap::STRUCT_FIELDS, fields)?;
                obj
            }
            Rvalue::PreludeVariant { variant, fields } => {
                self.enum_value(b, &decl.ty, *variant, fields, site)?
            }
            Rvalue::Variant {
                key,
                variant,
                fields,
            } => self.enum_value(b, &Ty::Enum(key.clone()), *variant, fields, site)?,
            Rvalue::Array { elem, items } => {
                let d = self.desc(elem)?;
                let d = b.ins().iconst(types::I64, d);
                let n = b.ins().iconst(types::I64, items.len() as i64);
                let obj = self.call_host(b, "holo_rt_new_array", &[d, n])?;
                self.check(b, site);
                let width = heap::elem_width(kind_of(elem));
                for (i, item) in items.iter().enumerate() {
                    let v = self.owned_operand(b, item)?;
                    let w = self.to_word(b, v);
                    let slot = Slot {
                        base: obj,
                        off: heap::ARR_DATA + (width * i) as i32,
                        byte: width == 1,
                    };
                    self.store_slot(b, w, slot);
                }
                obj
            }
            Rvalue::Tag(op) => {
                let x = self.operand(b, op)?;
                self.load_word(b, x, heap::ENUM_TAG)
            }
            Rvalue::Closure {
                func,
                env,
                captures,
            } => {
                let target = self.link(*func)?;
                let obj = self.alloc_struct(b, env, site)?;
                let index = b.ins().iconst(types::I64, i64::from(target));
                b.ins().store(mem(), index, obj, heap::STRUCT_FIELDS);
                self.store_fields(b, obj, heap::STRUCT_FIELDS + 8, captures)?;
                obj
            }
        };
        if owned_heap {
            let old = b.use_var(var);
            self.release(b, old, kind_of(&decl.ty))?;
        }
        b.def_var(var, v);
        Ok(())
    }

    /// A new struct-like object (struct, tuple, closure) of type `ty`, fields zeroed.
    fn alloc_struct(&mut self, b: &mut FunctionBuilder, ty: &Ty, site: u32) -> Res<Value> {
        let d = self.desc(ty)?;
        let d = b.ins().iconst(types::I64, d);
        let obj = self.call_host(b, "holo_rt_new_struct", &[d])?;
        self.check(b, site);
        Ok(obj)
    }

    /// Stores `fields` (owning positions) in consecutive words of `obj` from `offset` on.
    fn store_fields(
        &mut self,
        b: &mut FunctionBuilder,
        obj: Value,
        offset: i32,
        fields: &[Operand],
    ) -> Res<()> {
        for (i, f) in fields.iter().enumerate() {
            let v = self.owned_operand(b, f)?;
            let w = self.to_word(b, v);
            b.ins().store(mem(), w, obj, offset + 8 * i as i32);
        }
        Ok(())
    }

    /// A value of variant `variant` of the enum type `ty` (an immortal constant without payload).
    fn enum_value(
        &mut self,
        b: &mut FunctionBuilder,
        ty: &Ty,
        variant: u32,
        fields: &[Operand],
        site: u32,
    ) -> Res<Value> {
        if fields.is_empty() {
            let obj = self.shared.unit_variant(ty, variant)?;
            return Ok(b.ins().iconst(types::I64, obj as i64));
        }
        let d = self.desc(ty)?;
        let d = b.ins().iconst(types::I64, d);
        let tag = b.ins().iconst(types::I64, i64::from(variant));
        let obj = self.call_host(b, "holo_rt_new_enum", &[d, tag])?;
        self.check(b, site);
        self.store_fields(b, obj, heap::ENUM_PAYLOAD, fields)?;
        Ok(obj)
    }

    fn link(&self, callee: u32) -> Res<FuncIndex> {
        match self.links.get(callee as usize) {
            Some(&i) => Ok(i),
            None => err(format!("callee {callee} is not linked")),
        }
    }

    fn binary(
        &mut self,
        b: &mut FunctionBuilder,
        op: BinOp,
        ty: &Ty,
        lhs: &Operand,
        rhs: &Operand,
        site: u32,
    ) -> Res<Value> {
        let x = self.operand(b, lhs)?;
        let y = self.operand(b, rhs)?;
        Ok(match ty {
            Ty::I64 => match op {
                BinOp::Add | BinOp::Sub if matches!(const_of(b, y), Some(c) if c != i64::MIN && c != 0) =>
                {
                    // `x + c` and `x - c` for a constant `c`: the result overflows exactly when
                    // `x` is past a bound known now, a compare-and-branch that does not wait
                    // for the arithmetic (and `i += 1` in a loop stays one addition).
                    let c = const_of(b, y).unwrap_or(1);
                    let c = if op == BinOp::Sub { -c } else { c };
                    let out = if c > 0 {
                        b.ins()
                            .icmp_imm_s(IntCC::SignedGreaterThan, x, i64::MAX - c)
                    } else {
                        b.ins().icmp_imm_s(IntCC::SignedLessThan, x, i64::MIN - c)
                    };
                    let code = if op == BinOp::Add {
                        error_code::ADD_OVERFLOW
                    } else {
                        error_code::SUB_OVERFLOW
                    };
                    self.fail_if(b, out, code, x, y, site)?;
                    if op == BinOp::Add {
                        b.ins().iadd(x, y)
                    } else {
                        b.ins().isub(x, y)
                    }
                }
                BinOp::Add | BinOp::Sub | BinOp::Mul => {
                    let (v, of) = match op {
                        BinOp::Add => b.ins().sadd_overflow(x, y),
                        BinOp::Sub => b.ins().ssub_overflow(x, y),
                        _ => b.ins().smul_overflow(x, y),
                    };
                    let code = match op {
                        BinOp::Add => error_code::ADD_OVERFLOW,
                        BinOp::Sub => error_code::SUB_OVERFLOW,
                        _ => error_code::MUL_OVERFLOW,
                    };
                    self.fail_if(b, of, code, x, y, site)?;
                    v
                }
                BinOp::Div | BinOp::Rem if matches!(const_of(b, y), Some(d) if d != 0 && d != -1) =>
                {
                    // A constant divisor other than 0 and -1: nothing can fail.
                    if op == BinOp::Div {
                        b.ins().sdiv(x, y)
                    } else {
                        b.ins().srem(x, y)
                    }
                }
                BinOp::Div | BinOp::Rem => {
                    let zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                    self.fail_if(b, zero, error_code::DIVISION_BY_ZERO, x, y, site)?;
                    let minus_one = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                    if op == BinOp::Div {
                        let min = b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                        let of = b.ins().band(min, minus_one);
                        self.fail_if(b, of, error_code::DIV_OVERFLOW, x, y, site)?;
                        b.ins().sdiv(x, y)
                    } else {
                        // `x % -1` is 0 (and `i64::MIN % -1` must not reach the hardware).
                        let one = b.ins().iconst(types::I64, 1);
                        let safe = b.ins().select(minus_one, one, y);
                        b.ins().srem(x, safe)
                    }
                }
                BinOp::BitAnd => b.ins().band(x, y),
                BinOp::BitOr => b.ins().bor(x, y),
                BinOp::BitXor => b.ins().bxor(x, y),
                // Cranelift takes shift amounts modulo the width, as documented for holo.
                BinOp::Shl => b.ins().ishl(x, y),
                BinOp::Shr => b.ins().sshr(x, y),
                _ => {
                    let cc = match op {
                        BinOp::Eq => IntCC::Equal,
                        BinOp::Ne => IntCC::NotEqual,
                        BinOp::Lt => IntCC::SignedLessThan,
                        BinOp::Le => IntCC::SignedLessThanOrEqual,
                        BinOp::Gt => IntCC::SignedGreaterThan,
                        _ => IntCC::SignedGreaterThanOrEqual,
                    };
                    b.ins().icmp(cc, x, y)
                }
            },
            Ty::F64 => match op {
                BinOp::Add => b.ins().fadd(x, y),
                BinOp::Sub => b.ins().fsub(x, y),
                BinOp::Mul => b.ins().fmul(x, y),
                BinOp::Div => b.ins().fdiv(x, y),
                BinOp::Rem => {
                    let (xw, yw) = (self.to_word(b, x), self.to_word(b, y));
                    let w = self.call_host(b, "holo_rt_f64_rem", &[xw, yw])?;
                    b.ins().bitcast(types::F64, MemFlagsData::new(), w)
                }
                _ => {
                    let cc = match op {
                        BinOp::Eq => FloatCC::Equal,
                        BinOp::Ne => FloatCC::NotEqual,
                        BinOp::Lt => FloatCC::LessThan,
                        BinOp::Le => FloatCC::LessThanOrEqual,
                        BinOp::Gt => FloatCC::GreaterThan,
                        _ => FloatCC::GreaterThanOrEqual,
                    };
                    b.ins().fcmp(cc, x, y)
                }
            },
            Ty::Bool if op == BinOp::BitAnd => b.ins().band(x, y),
            Ty::Bool if op == BinOp::BitOr => b.ins().bor(x, y),
            Ty::Bool if op == BinOp::BitXor => b.ins().bxor(x, y),
            Ty::Bool | Ty::Unit => {
                let cc = if op == BinOp::Ne {
                    IntCC::NotEqual
                } else {
                    IntCC::Equal
                };
                b.ins().icmp(cc, x, y)
            }
            Ty::Str if op == BinOp::Add => {
                let v = self.call_host(b, "holo_rt_str_concat", &[x, y])?;
                self.check(b, site);
                v
            }
            _ => {
                let d = self.desc(ty)?;
                let d = b.ins().iconst(types::I64, d);
                match op {
                    BinOp::Eq | BinOp::Ne => {
                        let eq = self.call_host(b, "holo_rt_equal", &[d, x, y])?;
                        let cc = if op == BinOp::Eq {
                            IntCC::NotEqual
                        } else {
                            IntCC::Equal
                        };
                        b.ins().icmp_imm_s(cc, eq, 0)
                    }
                    _ => {
                        let c = self.call_host(b, "holo_rt_compare", &[d, x, y])?;
                        let cc = match op {
                            BinOp::Lt => IntCC::SignedLessThan,
                            BinOp::Le => IntCC::SignedLessThanOrEqual,
                            BinOp::Gt => IntCC::SignedGreaterThan,
                            _ => IntCC::SignedGreaterThanOrEqual,
                        };
                        b.ins().icmp_imm_s(cc, c, 0)
                    }
                }
            }
        })
    }

    // ----- calls --------------------------------------------------------------------------

    /// The address in a function's dispatch-table slot.
    fn slot_address(&mut self, b: &mut FunctionBuilder, index: Value) -> Value {
        let table = b
            .ins()
            .iconst(types::I64, self.shared.table.as_ptr() as i64);
        let off = b.ins().ishl_imm_u(index, 3);
        let addr = b.ins().iadd(table, off);
        b.ins().load(types::I64, mem(), addr, 0)
    }

    fn call(
        &mut self,
        b: &mut FunctionBuilder,
        callee: &Callee,
        args: &[Operand],
        ret_ty: &Ty,
        site: u32,
    ) -> Res<Value> {
        match callee {
            Callee::Func(c) => {
                let target = self.link(*c)?;
                let Some(f) = self.shared.program.functions.get(target as usize) else {
                    return err(format!("no function number {target}"));
                };
                let sig = b.import_signature(signature(&f.body, self.call_conv));
                let index = b.ins().iconst(types::I64, i64::from(target));
                let addr = self.slot_address(b, index);
                let mut vals = vec![self.rt];
                for a in args {
                    vals.push(self.operand(b, a)?);
                }
                let call = b.ins().call_indirect(sig, addr, &vals);
                let result = b.inst_results(call).first().copied();
                self.check(b, site);
                Ok(match result {
                    Some(v) => v,
                    None => zero(b, cl_type(ret_ty)),
                })
            }
            Callee::Indirect(f) => {
                let fty = match self.operand_ty(f)? {
                    Ty::Fn(fty) => fty,
                    other => return err(format!("a call of a value of type `{other}`")),
                };
                let sig = b.import_signature(fn_ty_signature(&fty, self.call_conv));
                let closure = self.operand(b, f)?;
                let index = self.load_word(b, closure, heap::STRUCT_FIELDS);
                let addr = self.slot_address(b, index);
                let mut vals = vec![self.rt, closure];
                for a in args {
                    let v = self.operand(b, a)?;
                    vals.push(self.to_word(b, v));
                }
                let call = b.ins().call_indirect(sig, addr, &vals);
                let result = b.inst_results(call)[0];
                self.check(b, site);
                Ok(if *ret_ty == Ty::Unit {
                    zero(b, cl_type(ret_ty))
                } else {
                    self.word_to_value(b, result, ret_ty)
                })
            }
            Callee::Builtin { id, elem } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.operand(b, a)?);
                }
                self.builtin(b, *id, elem.as_ref(), &vals, None, ret_ty, site)
            }
        }
    }

    /// A built-in call: inline for the cheap ones, else through its host function. `slot` is
    /// the receiver slot of a mutating built-in (which then is not among `vals`).
    #[allow(clippy::too_many_arguments)]
    fn builtin(
        &mut self,
        b: &mut FunctionBuilder,
        id: u16,
        elem: Option<&Ty>,
        vals: &[Value],
        slot: Option<Value>,
        ret_ty: &Ty,
        site: u32,
    ) -> Res<Value> {
        let Some(entry) = BUILTINS.get(id as usize) else {
            return err(format!("no built-in number {id}"));
        };
        let arg = |i: usize| -> Res<Value> {
            match vals.get(i) {
                Some(&v) => Ok(v),
                None => err(format!("`{}` is missing argument {i}", entry.name)),
            }
        };
        match entry.id {
            BuiltinId::ArrayLen => return Ok(self.load_word(b, arg(0)?, heap::ARR_LEN)),
            BuiltinId::StrLen => return Ok(self.load_word(b, arg(0)?, heap::STR_LEN)),
            BuiltinId::ArrayIsEmpty => {
                let len = self.load_word(b, arg(0)?, heap::ARR_LEN);
                return Ok(b.ins().icmp_imm_s(IntCC::Equal, len, 0));
            }
            BuiltinId::I64ToF64 => return Ok(b.ins().fcvt_from_sint(types::F64, arg(0)?)),
            BuiltinId::F64ToI64 => {
                // In range exactly when -2^63 <= x < 2^63 (both bounds are exact floats); NaN
                // is unordered, so it fails the first test. Outside: a runtime error, as
                // `arith::f64_to_i64` says, never a saturated value.
                let x = arg(0)?;
                let lo = b.ins().f64const(-9_223_372_036_854_775_808.0);
                let hi = b.ins().f64const(9_223_372_036_854_775_808.0);
                let below = b.ins().fcmp(FloatCC::UnorderedOrLessThan, x, lo);
                let above = b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, hi);
                let bad = b.ins().bor(below, above);
                let bits = b.ins().bitcast(types::I64, MemFlagsData::new(), x);
                let zero = b.ins().iconst(types::I64, 0);
                self.fail_if(b, bad, error_code::F64_TO_I64, bits, zero, site)?;
                return Ok(b.ins().fcvt_to_sint_sat(types::I64, x));
            }
            BuiltinId::I64Min | BuiltinId::I64Max => {
                let (x, y) = (arg(0)?, arg(1)?);
                let cc = if entry.id == BuiltinId::I64Min {
                    IntCC::SignedLessThan
                } else {
                    IntCC::SignedGreaterThan
                };
                let c = b.ins().icmp(cc, x, y);
                return Ok(b.ins().select(c, x, y));
            }
            BuiltinId::F64Abs => return Ok(b.ins().fabs(arg(0)?)),
            BuiltinId::F64Sqrt => return Ok(b.ins().sqrt(arg(0)?)),
            BuiltinId::F64Floor => return Ok(b.ins().floor(arg(0)?)),
            BuiltinId::F64Ceil => return Ok(b.ins().ceil(arg(0)?)),
            _ => {}
        }
        // `push` onto an array held alone with room to spare: inline.
        let mut done = None;
        if entry.id == BuiltinId::ArrayPush
            && let (Some(slot), Some(elem)) = (slot, elem)
        {
            let value = arg(0)?;
            let arr = self.load_word(b, slot, 0);
            let rc = self.load_word(b, arr, heap::RC);
            let len = self.load_word(b, arr, heap::ARR_LEN);
            let cap = self.load_word(b, arr, heap::ARR_CAP);
            let unique = b.ins().icmp_imm_s(IntCC::Equal, rc, 1);
            let room = b.ins().icmp(IntCC::SignedLessThan, len, cap);
            let fast_ok = b.ins().band(unique, room);
            let fast = b.create_block();
            let slow = b.create_block();
            let join = b.create_block();
            b.ins().brif(fast_ok, fast, &[], slow, &[]);
            b.switch_to_block(fast);
            if elem.is_heap() {
                self.retain(b, value);
            }
            let w = self.to_word(b, value);
            let byte = heap::elem_width(kind_of(elem)) == 1;
            let off = if byte {
                len
            } else {
                b.ins().ishl_imm_u(len, 3)
            };
            let addr = b.ins().iadd(arr, off);
            let slot = Slot {
                base: addr,
                off: heap::ARR_DATA,
                byte,
            };
            self.store_slot(b, w, slot);
            let len1 = b.ins().iadd_imm_s(len, 1);
            b.ins().store(mem(), len1, arr, heap::ARR_LEN);
            b.ins().jump(join, &[]);
            b.switch_to_block(slow);
            done = Some(join);
        }
        let Some(h) = host::host_fn(entry.symbol) else {
            return err(format!("no host function `{}`", entry.symbol));
        };
        let mut words = Vec::with_capacity(vals.len() + 2);
        if entry.is_generic() {
            let Some(elem) = elem else {
                return err(format!("`{}` needs its element type", entry.name));
            };
            let d = self.desc(elem)?;
            words.push(b.ins().iconst(types::I64, d));
        }
        if entry.ret_desc {
            let d = self.desc(ret_ty)?;
            words.push(b.ins().iconst(types::I64, d));
        }
        if let Some(slot) = slot {
            words.push(slot);
        }
        for &v in vals {
            words.push(self.to_word(b, v));
        }
        let w = self.call_host(b, entry.symbol, &words)?;
        if h.fallible {
            self.check(b, site);
        }
        if let Some(join) = done {
            // `push` returns `()`.
            b.ins().jump(join, &[]);
            b.switch_to_block(join);
            return Ok(zero(b, cl_type(ret_ty)));
        }
        Ok(self.word_to_value(b, w, ret_ty))
    }

    fn call_mut(
        &mut self,
        b: &mut FunctionBuilder,
        dst: Option<u32>,
        callee: &Callee,
        receiver: &Place,
        args: &[Operand],
        site: u32,
    ) -> Res<()> {
        // The receiver's slot: a stack slot for a variable, the slot inside its (unique)
        // container otherwise.
        let recv_var = self.var(receiver.local)?;
        let (slot_addr, stack) = if receiver.proj.is_empty() {
            let ss =
                b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
            let v = b.use_var(recv_var);
            b.ins().stack_store(types::I64, v, ss, 0);
            (b.ins().stack_addr(types::I64, ss, 0), Some(ss))
        } else {
            let (slot, _) = self.place_slot(b, receiver, site)?;
            (b.ins().iadd_imm_s(slot.base, i64::from(slot.off)), None)
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.operand(b, a)?);
        }
        let ret_ty = match dst {
            Some(d) => self.local(d)?.ty.clone(),
            None => Ty::Unit,
        };
        let result = match callee {
            Callee::Func(c) => {
                let target = self.link(*c)?;
                let Some(f) = self.shared.program.functions.get(target as usize) else {
                    return err(format!("no function number {target}"));
                };
                let sig = b.import_signature(signature(&f.body, self.call_conv));
                let index = b.ins().iconst(types::I64, i64::from(target));
                let addr = self.slot_address(b, index);
                let mut all = vec![self.rt, slot_addr];
                all.extend(vals);
                let call = b.ins().call_indirect(sig, addr, &all);
                let result = b.inst_results(call).first().copied();
                self.check(b, site);
                match result {
                    Some(v) => v,
                    None => zero(b, cl_type(&ret_ty)),
                }
            }
            Callee::Builtin { id, elem } => {
                self.builtin(b, *id, elem.as_ref(), &vals, Some(slot_addr), &ret_ty, site)?
            }
            Callee::Indirect(_) => return err("a mutating call through a function value"),
        };
        if let Some(ss) = stack {
            let v = b.ins().stack_load(types::I64, types::I64, ss, 0);
            b.def_var(recv_var, v);
        }
        if let Some(d) = dst {
            let decl = self.local(d)?;
            let var = self.var(d)?;
            if decl.owned && decl.ty.is_heap() {
                let old = b.use_var(var);
                self.release(b, old, kind_of(&decl.ty))?;
            }
            b.def_var(var, result);
        }
        Ok(())
    }

    // ----- terminators --------------------------------------------------------------------

    fn terminator(&mut self, b: &mut FunctionBuilder, term: &Terminator) -> Res<()> {
        match term {
            Terminator::Goto(t) => {
                let t = self.block(*t)?;
                b.ins().jump(t, &[]);
            }
            Terminator::Branch {
                cond,
                then_block,
                else_block,
            } => {
                let c = self.operand(b, cond)?;
                let (t, e) = (self.block(*then_block)?, self.block(*else_block)?);
                b.ins().brif(c, t, &[], e, &[]);
            }
            Terminator::Switch {
                value,
                targets,
                default,
            } => {
                let v = self.operand(b, value)?;
                let mut switch = Switch::new();
                for (i, t) in targets.iter().enumerate() {
                    switch.set_entry(i as u128, self.block(*t)?);
                }
                let d = self.block(*default)?;
                switch.emit(b, v, d);
            }
            Terminator::Return(op) => {
                if self.body.ret == Ty::Unit {
                    if let Operand::Move(_) | Operand::Copy(_) = op {
                        // A `()` value holds nothing to hand over.
                    }
                    b.ins().jump(self.exit, &[]);
                } else {
                    let v = if self.body.ret.is_heap() {
                        self.owned_operand(b, op)?
                    } else {
                        self.operand(b, op)?
                    };
                    b.ins().jump(self.exit, &[BlockArg::Value(v)]);
                }
            }
            Terminator::Unreachable => {
                b.ins()
                    .trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            }
        }
        Ok(())
    }
}

/// The value of an integer constant, if `v` is one.
fn const_of(b: &FunctionBuilder, v: Value) -> Option<i64> {
    let v = b.func.dfg.resolve_aliases(v);
    let inst = b.func.dfg.value_def(v).inst()?;
    match b.func.dfg.insts[inst] {
        cranelift_codegen::ir::InstructionData::UnaryImm {
            opcode: cranelift_codegen::ir::Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// A slot in a heap object: the address `base + off`, holding a word or (elements of `[bool]`
/// and `[()]`) a byte.
#[derive(Clone, Copy)]
struct Slot {
    base: Value,
    off: i32,
    byte: bool,
}

impl Slot {
    fn word(base: Value, off: i32) -> Slot {
        Slot {
            base,
            off,
            byte: false,
        }
    }
}

fn zero(b: &mut FunctionBuilder, t: types::Type) -> Value {
    if t == types::F64 {
        b.ins().f64const(0.0)
    } else {
        b.ins().iconst(t, 0)
    }
}

/// The blocks reachable from the entry, in order.
fn reachable_blocks(body: &Body) -> Vec<u32> {
    let mut seen = vec![false; body.blocks.len()];
    let mut stack = vec![0u32];
    while let Some(i) = stack.pop() {
        let Some(flag) = seen.get_mut(i as usize) else {
            continue;
        };
        if *flag {
            continue;
        }
        *flag = true;
        match &body.blocks[i as usize].term {
            Terminator::Goto(t) => stack.push(*t),
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => {
                stack.push(*then_block);
                stack.push(*else_block);
            }
            Terminator::Switch {
                targets, default, ..
            } => {
                stack.extend(targets.iter().copied());
                stack.push(*default);
            }
            Terminator::Return(_) | Terminator::Unreachable => {}
        }
    }
    (0..body.blocks.len() as u32)
        .filter(|&i| seen[i as usize])
        .collect()
}
