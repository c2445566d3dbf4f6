//! Native execution: compiles holo IR with cranelift-jit and runs it.
//!
//! One compiled unit per holo function, compiled lazily: [`Jit::compile_reachable`] compiles
//! only the functions reachable from the roots it is given (calls and functions used as values),
//! skipping those already compiled. Functions are translated and compiled to machine code in
//! parallel (rayon); the code has no relocations (see [`codegen`]), so the bytes are then
//! copied into a fresh `JITModule` per batch. Every call between holo functions goes through the
//! callee's slot in a dispatch table owned by the [`Jit`]: a later stage can compile a new
//! version of one function and store its address in the slot without touching its callers.
//!
//! Runs happen on a thread of their own whose stack is larger than the limit generated code
//! checks on every call ([`RunContext::max_stack_bytes`]), so that runaway recursion is a
//! runtime error ("stack overflow") well before the native stack ends.

pub mod codegen;
mod run_thread;

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::rt::desc::Descs;
use crate::rt::heap::{self, IMMORTAL, Obj};
use crate::rt::{Rt, RunContext, host};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};
use holo_compiler::ir::{Const, FuncIndex, Program, Ty};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Batches of fewer functions than this are compiled on the calling thread.
const SERIAL_BATCH: usize = 8;

/// Room kept free below the stack limit for host functions and the run's own frames.
const STACK_RESERVE_BYTES: usize = 4 << 20;

/// Why code could not be generated (the host is unsupported, or a compiler bug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitError(pub String);

impl std::fmt::Display for JitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot generate native code: {}", self.0)
    }
}

impl std::error::Error for JitError {}

/// What [`Jit::compile_reachable`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompileStats {
    /// Functions compiled by this call.
    pub compiled: usize,
    /// Functions reachable from the roots that were compiled before.
    pub reused: usize,
}

/// What compiled code and the runtime share: the program, its type descriptors, the dispatch
/// table and the constants. Immutable after construction except for the table slots (atomic)
/// and the constant pool (locked).
pub struct Shared {
    pub program: Program,
    pub descs: Descs,
    /// One slot per function: the address of its code (or of a stub that fails the run).
    /// Shared by the versions of a program patched while it runs (`live::running`).
    pub table: Arc<[AtomicUsize]>,
    consts: Mutex<ConstPool>,
    /// The address of [`unique_trampoline`]'s code.
    pub unique_trampoline: usize,
}

/// Immortal heap objects for constants, freed with the [`Jit`].
#[derive(Default)]
struct ConstPool {
    strings: HashMap<String, usize>,
    arrays: Vec<usize>,
    variants: HashMap<(Ty, u32), usize>,
    /// Every object with its kind, to free at the end.
    all: Vec<(usize, crate::rt::desc::Kind)>,
}

impl Shared {
    /// The immortal object of a string or array constant.
    pub fn const_object(&self, c: &Const) -> Result<Obj, codegen::CodegenError> {
        let mut pool = self.consts.lock().unwrap_or_else(|e| e.into_inner());
        self.const_object_locked(&mut pool, c)
    }

    fn const_object_locked(
        &self,
        pool: &mut ConstPool,
        c: &Const,
    ) -> Result<Obj, codegen::CodegenError> {
        use crate::rt::desc::Kind;
        match c {
            Const::Str(s) => {
                if let Some(&p) = pool.strings.get(s) {
                    return Ok(p as Obj);
                }
                let obj = heap::new_str(s.as_bytes());
                make_immortal(obj);
                pool.strings.insert(s.clone(), obj as usize);
                pool.all.push((obj as usize, Kind::Str));
                Ok(obj)
            }
            Const::Array { elem, items } => {
                let Some(d) = self.descs.get(elem) else {
                    return Err(codegen::CodegenError(format!(
                        "no type descriptor for `{elem}`"
                    )));
                };
                // SAFETY: `d` is a descriptor of this program, alive as long as the `Jit`.
                let obj = unsafe { heap::new_array(d, items.len()) };
                for (i, item) in items.iter().enumerate() {
                    let w = match item {
                        Const::I64(v) => *v,
                        Const::F64(bits) => *bits as i64,
                        Const::Bool(b) => i64::from(*b),
                        Const::Unit => 0,
                        Const::Str(_) | Const::Array { .. } => {
                            self.const_object_locked(pool, item)? as i64
                        }
                    };
                    // SAFETY: the array was just made with `items.len()` elements.
                    unsafe { heap::array_set(obj, i, w) };
                }
                make_immortal(obj);
                pool.arrays.push(obj as usize);
                pool.all.push((obj as usize, Kind::Array));
                Ok(obj)
            }
            other => Err(codegen::CodegenError(format!(
                "{other:?} is not a heap constant"
            ))),
        }
    }

    /// The immortal object of a variant without payload.
    pub fn unit_variant(&self, ty: &Ty, variant: u32) -> Result<Obj, codegen::CodegenError> {
        let mut pool = self.consts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&p) = pool.variants.get(&(ty.clone(), variant)) {
            return Ok(p as Obj);
        }
        let Some(d) = self.descs.get(ty) else {
            return Err(codegen::CodegenError(format!("no enum `{ty}`")));
        };
        // SAFETY: `d` is a live descriptor of this program.
        let obj = unsafe { heap::new_enum(d, variant as usize) };
        make_immortal(obj);
        pool.variants.insert((ty.clone(), variant), obj as usize);
        pool.all.push((obj as usize, crate::rt::desc::Kind::Enum));
        Ok(obj)
    }
}

fn make_immortal(obj: Obj) {
    // SAFETY: `obj` was just allocated; its first word is the count.
    unsafe { (obj as *mut i64).write(IMMORTAL) };
}

impl Drop for ConstPool {
    fn drop(&mut self) {
        for &(obj, kind) in &self.all {
            let obj = obj as Obj;
            // The constants only hold other constants (or scalars): free each object alone,
            // without releasing what it holds. Make sure nothing is released: empty arrays
            // before freeing.
            // SAFETY: no code that could use the constants runs any more (the `Jit` is being
            // dropped, and runs borrow it).
            unsafe {
                if kind == crate::rt::desc::Kind::Array {
                    heap::set_array_len(obj, 0);
                }
                if kind == crate::rt::desc::Kind::Enum {
                    // Unit variants have no payload.
                }
                heap::free(obj, kind);
            }
        }
    }
}

/// A program's native code and dispatch table.
pub struct Jit {
    shared: Arc<Shared>,
    isa: OwnedTargetIsa,
    /// The module holding the machine code (every batch goes into it); kept until the `Jit` is
    /// dropped.
    module: Option<JITModule>,
    /// How many batches of functions have been compiled.
    batches: u64,
    /// The builder and codegen contexts of functions compiled on the calling thread.
    contexts: Option<(FunctionBuilderContext, cranelift_codegen::Context)>,
    compiled: Vec<bool>,
    /// Whether to name compiled functions in `/tmp/perf-PID.map` (`HOLO_PERF_MAP=1`), so that
    /// `perf report` shows holo function names instead of raw addresses.
    perf_map: bool,
    /// Where functions are compiled: `None` for rayon's global pool (see [`Jit::set_threads`]).
    pool: Option<CompilePool>,
    tier: Tier,
    /// The thread runs happen on, started by the first run.
    run_thread: Mutex<Option<run_thread::RunThread>>,
}

/// The threads a [`Jit`] compiles on.
enum CompilePool {
    /// The calling thread only.
    Serial,
    Threads(rayon::ThreadPool),
}

impl CompilePool {
    fn new(threads: usize) -> Result<CompilePool, JitError> {
        if threads <= 1 {
            return Ok(CompilePool::Serial);
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("holo-compile-{i}"))
            .build()
            .map(CompilePool::Threads)
            .map_err(|e| JitError(format!("cannot start threads to compile on: {e}")))
    }
}

/// Appends lines to this process's perf map file (the format `perf` reads for JIT code:
/// `START SIZE NAME` in hex). Profiling aid only: a failure to write is ignored.
fn write_perf_map(lines: &str) {
    use std::io::Write;
    let path = format!("/tmp/perf-{}.map", std::process::id());
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(lines.as_bytes());
    }
}

/// How hard Cranelift works on the code: a trade between compile time and the speed of the
/// code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// Fast compilation: no optimization passes and single-pass register allocation. About
    /// half the compile time of [`Tier::Optimized`] for code that runs up to about twice as
    /// slow. For test suites, whose many small functions mostly run once (what a debug build
    /// is to `cargo test`).
    Baseline,
    /// Optimized code: Cranelift's optimizer (`opt_level=speed`) and its backtracking
    /// register allocator. For `holo run` and `holo build`.
    #[default]
    Optimized,
}

impl Tier {
    /// How much more stack than optimized code this tier's code may use before a run ends
    /// with a stack overflow. Baseline code keeps most values in stack slots, so its frames
    /// are larger (a small recursive function: 224 bytes instead of 48); scaling the limit
    /// keeps the recursion depth a program can reach about the same in tests and in runs.
    /// Only the stack pages a run touches cost memory.
    pub fn stack_factor(self) -> usize {
        match self {
            Tier::Baseline => 4,
            Tier::Optimized => 1,
        }
    }
}

/// The slow path of copy on write, `holo_rt_unique(rt, obj, kind)`, behind a function whose
/// calling convention preserves every register (Cranelift's `preserve_all`); it leaves its result
/// in `Rt::unique_out`. Generated code calls it where an object is shared, which is rare in a
/// loop; with an ordinary call there, the register allocator had to assume every float register
/// clobbered (System V preserves none), so each float live across a store into an array element
/// or field (n-body's velocities) was kept on the stack for the whole loop.
///
/// Built once per process into a module of its own that is never freed.
fn unique_trampoline(isa: &OwnedTargetIsa) -> Result<usize, JitError> {
    static TRAMPOLINE: std::sync::OnceLock<Result<usize, String>> = std::sync::OnceLock::new();
    TRAMPOLINE
        .get_or_init(|| build_unique_trampoline(isa))
        .clone()
        .map_err(|e| JitError(format!("building the copy-on-write trampoline: {e}")))
}

fn build_unique_trampoline(isa: &OwnedTargetIsa) -> Result<usize, String> {
    use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, types};
    let builder = JITBuilder::with_isa(isa.clone(), default_libcall_names());
    let mut module = JITModule::new(builder);
    let mut sig = Signature::new(CallConv::PreserveAll);
    sig.params.extend([AbiParam::new(types::I64); 3]);
    let id = module
        .declare_function("holo_unique_trampoline", Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    let mut b = cranelift_frontend::FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let mut host_sig = Signature::new(isa.default_call_conv());
    host_sig.params.extend([AbiParam::new(types::I64); 3]);
    host_sig.returns.push(AbiParam::new(types::I64));
    let host_sig = b.import_signature(host_sig);
    let addr = b.ins().iconst(
        types::I64,
        host::holo_rt_unique as *const u8 as usize as i64,
    );
    let call = b.ins().call_indirect(host_sig, addr, &params);
    let unique = b.inst_results(call)[0];
    b.ins().store(
        MemFlagsData::trusted(),
        unique,
        params[0],
        crate::rt::RT_UNIQUE_OUT,
    );
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    module
        .define_function(id, &mut ctx)
        .map_err(|e| format!("{e:?}"))?;
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let ptr = module.get_finalized_function(id) as usize;
    // Code compiled later holds this address for the rest of the process.
    std::mem::forget(module);
    Ok(ptr)
}

impl Jit {
    /// Prepares to compile and run `program` on this machine, with optimized code.
    pub fn new(program: &Program) -> Result<Jit, JitError> {
        Jit::with_tier(program.clone(), Tier::Optimized)
    }

    /// Prepares to compile and run `program` (taken over: a big program is not copied) on
    /// this machine, with code of the given tier.
    pub fn with_tier(program: Program, tier: Tier) -> Result<Jit, JitError> {
        // Room for functions a patch adds (`Jit::patch`): the table never moves, because
        // compiled code holds its address.
        let capacity = (program.functions.len() * 2).max(program.functions.len() + 1024);
        Jit::with_table(program, tier, Jit::new_table(capacity))
    }

    /// A dispatch table of `capacity` slots, each holding the stub that fails a run.
    pub fn new_table(capacity: usize) -> Arc<[AtomicUsize]> {
        let stub = host::holo_rt_not_compiled as *const u8 as usize;
        (0..capacity).map(|_| AtomicUsize::new(stub)).collect()
    }

    /// Whether a dispatch-table slot holds code (not the stub that fails a run).
    pub fn slot_filled(table: &[AtomicUsize], slot: usize) -> bool {
        let stub = host::holo_rt_not_compiled as *const u8 as usize;
        table
            .get(slot)
            .is_some_and(|s| s.load(Ordering::Acquire) != stub)
    }

    /// Like [`Jit::with_tier`], with the dispatch table given: the code this `Jit` compiles
    /// goes into the slots of `table`, which another `Jit` (an earlier version of the running
    /// program) may be running code from. `table` must have a slot per function.
    pub fn with_table(
        program: Program,
        tier: Tier,
        table: Arc<[AtomicUsize]>,
    ) -> Result<Jit, JitError> {
        if table.len() < program.functions.len() {
            return Err(JitError(format!(
                "the dispatch table has {} slots for {} functions",
                table.len(),
                program.functions.len()
            )));
        }
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags
                .set(k, v)
                .map_err(|e| JitError(format!("cranelift setting {k}={v}: {e}")))
        };
        let (opt_level, regalloc) = match tier {
            Tier::Baseline => ("none", "single_pass"),
            Tier::Optimized => ("speed", "backtracking"),
        };
        set(&mut flags, "opt_level", opt_level)?;
        set(&mut flags, "regalloc_algorithm", regalloc)?;
        // The verifier re-checks every function cranelift builds; our IR is checked before it
        // gets here, and the verifier cost a noticeable share of compile time.
        set(&mut flags, "enable_verifier", "false")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        let isa_builder = cranelift_native::builder()
            .map_err(|e| JitError(format!("this machine is not supported: {e}")))?;
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError(format!("this machine is not supported: {e}")))?;
        let descs = Descs::build(&program);
        let functions = program.functions.len();
        Ok(Jit {
            shared: Arc::new(Shared {
                program,
                descs,
                table,
                consts: Mutex::new(ConstPool::default()),
                unique_trampoline: unique_trampoline(&isa)?,
            }),
            isa,
            module: None,
            batches: 0,
            contexts: None,
            compiled: vec![false; functions],
            perf_map: std::env::var_os("HOLO_PERF_MAP").is_some_and(|v| v == "1"),
            pool: None,
            tier,
            run_thread: Mutex::new(None),
        })
    }

    /// Compiles on `threads` threads of a pool of this `Jit`'s own (1: on the calling thread,
    /// without a pool) instead of rayon's global pool, which has a thread per core. A test
    /// worker is one of several processes sharing the cores: more compiling threads than its
    /// share only makes them wait for each other.
    pub fn set_threads(&mut self, threads: usize) -> Result<(), JitError> {
        self.pool = if threads == 0 {
            None
        } else {
            Some(CompilePool::new(threads)?)
        };
        Ok(())
    }

    pub fn program(&self) -> &Program {
        &self.shared.program
    }

    /// The dispatch table, for the versions of a program patched while it runs
    /// ([`Jit::with_table`]).
    pub fn table(&self) -> Arc<[AtomicUsize]> {
        self.shared.table.clone()
    }

    /// Whether a function has been compiled.
    pub fn is_compiled(&self, func: FuncIndex) -> bool {
        self.compiled.get(func as usize).copied().unwrap_or(false)
    }

    /// Every function reachable from `roots` (including them), in index order.
    pub fn reachable(&self, roots: &[FuncIndex]) -> Vec<FuncIndex> {
        let program = &self.shared.program;
        let mut seen = vec![false; program.functions.len()];
        let mut stack: Vec<FuncIndex> = roots.to_vec();
        while let Some(f) = stack.pop() {
            let Some(flag) = seen.get_mut(f as usize) else {
                continue;
            };
            if *flag {
                continue;
            }
            *flag = true;
            stack.extend(program.functions[f as usize].links.iter().copied());
        }
        (0..program.functions.len() as FuncIndex)
            .filter(|&i| seen[i as usize])
            .collect()
    }

    /// Compiles every function reachable from `roots` that is not compiled yet, in parallel,
    /// and points their dispatch-table slots at the new code.
    pub fn compile_reachable(&mut self, roots: &[FuncIndex]) -> Result<CompileStats, JitError> {
        let reachable = self.reachable(roots);
        let todo: Vec<FuncIndex> = reachable
            .iter()
            .copied()
            .filter(|&f| !self.is_compiled(f))
            .collect();
        let stats = CompileStats {
            compiled: todo.len(),
            reused: reachable.len() - todo.len(),
        };
        self.compile(&todo)?;
        Ok(stats)
    }

    /// Compiles every function of the program (for `holo build`).
    pub fn compile_all(&mut self) -> Result<CompileStats, JitError> {
        let all: Vec<FuncIndex> = (0..self.shared.program.functions.len() as FuncIndex).collect();
        self.compile_reachable(&all)
    }

    /// Frees what compiling keeps for the next batch (the code generator's buffers): for a
    /// `Jit` that will compile nothing more, like a running program's patch.
    pub fn release_compile_buffers(&mut self) {
        self.contexts = None;
    }

    /// Compiles exactly `funcs` (again, if they were compiled) and points their slots at the
    /// new code: what a running program's patch does, whose other functions keep their code.
    pub fn compile_functions(&mut self, funcs: &[FuncIndex]) -> Result<(), JitError> {
        self.compile(funcs)
    }

    fn compile(&mut self, funcs: &[FuncIndex]) -> Result<(), JitError> {
        if funcs.is_empty() {
            return Ok(());
        }
        use rayon::prelude::*;
        // The calling thread's contexts, kept from batch to batch (a test suite compiles a
        // small batch per test).
        let mut local_cx = self.contexts.take();
        let shared = &*self.shared;
        let isa = &self.isa;
        let call_conv = isa.default_call_conv();
        // One builder and one codegen context per thread, cleared between functions: a fresh
        // `Context` per function re-allocated (and the kernel re-zeroed) the register
        // allocator's buffers every time.
        let contexts = || {
            (
                FunctionBuilderContext::new(),
                cranelift_codegen::Context::new(),
            )
        };
        let one = |(fctx, ctx): &mut (FunctionBuilderContext, cranelift_codegen::Context),
                   f: FuncIndex| {
            compile_one(shared, isa, call_conv, f, fctx, ctx)
                .map(|(bytes, align)| (f, bytes, align))
        };
        let parallel = || -> Vec<Result<MachineCode, JitError>> {
            funcs
                .par_iter()
                .map_init(contexts, |cx, &f| one(cx, f))
                .collect()
        };
        let mut serial = || -> Vec<Result<MachineCode, JitError>> {
            let cx = local_cx.get_or_insert_with(contexts);
            funcs.iter().map(|&f| one(cx, f)).collect()
        };
        let machine_code = match &self.pool {
            // A few functions (a small program, or a test whose callees are compiled already)
            // compile on this thread: starting rayon's pool would cost more than it saves.
            _ if funcs.len() < SERIAL_BATCH => serial(),
            None => parallel(),
            Some(CompilePool::Threads(pool)) => pool.install(parallel),
            Some(CompilePool::Serial) => serial(),
        };
        self.contexts = local_cx;
        // One module for every batch: a test suite compiles a batch per test, and a module per
        // batch cost a module's set-up and bookkeeping each time.
        let module = self.module.get_or_insert_with(|| {
            let mut builder = JITBuilder::with_isa(isa.clone(), default_libcall_names());
            builder.symbol(
                "holo_rt_not_compiled",
                host::holo_rt_not_compiled as *const u8,
            );
            JITModule::new(builder)
        });
        self.batches += 1;
        let batch = self.batches;
        let mut ids = Vec::with_capacity(funcs.len());
        for result in machine_code {
            let (f, bytes, align) = result?;
            // Unique per batch, so that a later version of a function gets a name of its own.
            let name = format!("holo_fn_{f}_{batch}");
            let sig = codegen::signature(&shared.program.functions[f as usize].body, call_conv);
            let id = module
                .declare_function(&name, Linkage::Local, &sig)
                .map_err(|e| JitError(format!("declaring `{name}`: {e}")))?;
            module
                .define_function_bytes(id, align, &bytes, &[])
                .map_err(|e| JitError(format!("defining `{name}`: {e}")))?;
            ids.push((f, id, bytes.len()));
        }
        module
            .finalize_definitions()
            .map_err(|e| JitError(format!("finalizing code: {e}")))?;
        let mut perf_map = String::new();
        for (f, id, size) in ids {
            let ptr = module.get_finalized_function(id);
            self.shared.table[f as usize].store(ptr as usize, Ordering::Release);
            self.compiled[f as usize] = true;
            if self.perf_map {
                let name = &shared.program.functions[f as usize].name;
                perf_map.push_str(&format!("{:x} {size:x} holo::{name}\n", ptr as usize));
            }
        }
        if self.perf_map {
            write_perf_map(&perf_map);
        }
        Ok(())
    }

    /// Applies a new version of the program between runs: the functions of `patch` replace
    /// (or are added after) those in their slots and are compiled again when a run reaches
    /// them; every other function keeps its compiled code. A function whose signature changed
    /// has its callers compiled again too (their calls are built for the old signature).
    /// Returns how many functions will be compiled again. Fails, changing nothing, when the
    /// patch cannot apply (a layout changed, slots out of order, no room in the table): the
    /// caller loads the program afresh then.
    pub fn patch(&mut self, patch: crate::live::ProgramPatch) -> Result<usize, JitError> {
        let Some(shared) = Arc::get_mut(&mut self.shared) else {
            return Err(JitError("the program is running".to_string()));
        };
        let program = &mut shared.program;
        if patch.structs != program.structs || patch.enums != program.enums {
            return Err(JitError(
                "a struct or enum layout changed: the program must be loaded again".to_string(),
            ));
        }
        let mut len = program.functions.len();
        for (slot, _) in &patch.functions {
            let slot = *slot as usize;
            if slot > len || slot >= shared.table.len() {
                return Err(JitError(format!(
                    "slot {slot} does not follow the {len} the program has, or the table is full"
                )));
            }
            len = len.max(slot + 1);
        }
        let interface = |f: &holo_compiler::ir::Function| {
            let b = &f.body;
            (
                b.params,
                b.self_mode,
                b.ret.clone(),
                b.locals[..b.params as usize].to_vec(),
            )
        };
        let stub = host::holo_rt_not_compiled as *const u8 as usize;
        let mut stale: Vec<bool> = vec![false; len];
        let mut signature_changed: Vec<FuncIndex> = Vec::new();
        for (slot, function) in patch.functions {
            let i = slot as usize;
            if i == program.functions.len() {
                program.functions.push(function);
                self.compiled.push(false);
            } else {
                let old = &program.functions[i];
                if positions_only(old, &function) {
                    // Runtime errors read positions from the program when they happen: the
                    // new ones apply without compiling anything.
                    program.functions[i] = function;
                    continue;
                }
                if interface(old) != interface(&function) {
                    signature_changed.push(slot);
                }
                program.functions[i] = function;
            }
            shared.descs.add_function(program, i);
            stale[i] = true;
        }
        if !signature_changed.is_empty() {
            for (i, f) in program.functions.iter().enumerate() {
                if f.links.iter().any(|l| signature_changed.contains(l)) {
                    stale[i] = true;
                }
            }
        }
        program.tests = patch.tests;
        program.main = patch.main;
        let mut recompile = 0;
        for (i, is_stale) in stale.into_iter().enumerate() {
            if is_stale {
                self.compiled[i] = false;
                shared.table[i].store(stub, Ordering::Release);
                recompile += 1;
            }
        }
        Ok(recompile)
    }

    /// The code generated for one function, for people working on the code generator: the
    /// Cranelift IR as translated, then the machine code as disassembled by Cranelift.
    pub fn describe_code(&self, func: FuncIndex) -> Result<String, JitError> {
        let shared = &*self.shared;
        let name = shared
            .program
            .functions
            .get(func as usize)
            .map(|f| f.name.clone())
            .ok_or_else(|| JitError(format!("there is no function number {func}")))?;
        let mut fctx = FunctionBuilderContext::new();
        let mut ctx = cranelift_codegen::Context::new();
        let call_conv = self.isa.default_call_conv();
        codegen::translate(
            shared,
            func,
            &mut ctx.func,
            &mut fctx,
            call_conv,
            self.isa.frontend_config(),
        )
        .map_err(|e| JitError(format!("translating `{name}`: {}", e.0)))?;
        let clif = ctx.func.display().to_string();
        ctx.set_disasm(true);
        let compiled = ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| JitError(format!("compiling `{name}`: {:?}", e.inner)))?;
        let disasm = compiled.vcode.clone().unwrap_or_default();
        Ok(format!(
            "; {name}: Cranelift IR\n{clif}\n; {name}: machine code ({} bytes)\n{disasm}",
            compiled.code_buffer().len()
        ))
    }

    /// Runs `fn main` (compiling what it needs first) and returns the program's exit code.
    pub fn run_main(&mut self, ctx: &mut RunContext) -> Result<i64, RuntimeError> {
        let Some(main) = self.shared.program.main else {
            return Err(RuntimeError::new(RuntimeErrorKind::InvalidOperation(
                "this package has no `fn main` to run (it is a library)".to_string(),
            )));
        };
        self.prepare(main)?;
        self.run_function(main, ctx).map(|()| 0)
    }

    /// Compiles what `func` needs, reporting a failure as a runtime error.
    fn prepare(&mut self, func: FuncIndex) -> Result<(), RuntimeError> {
        self.compile_reachable(&[func]).map(|_| ()).map_err(|e| {
            RuntimeError::new(RuntimeErrorKind::InvalidOperation(format!(
                "internal compiler error: {e}; please report this as a bug"
            )))
        })
    }

    /// Runs one function that takes no arguments and returns `()` (a test, or `main`),
    /// compiling what it needs first.
    pub fn run_test(&mut self, func: FuncIndex, ctx: &mut RunContext) -> Result<(), RuntimeError> {
        self.prepare(func)?;
        self.run_function(func, ctx)
    }

    /// Runs one compiled function that takes no arguments and returns `()` (a test, or
    /// `main`). Everything it can reach must have been compiled ([`Jit::compile_reachable`]).
    pub fn run_function(&self, func: FuncIndex, ctx: &mut RunContext) -> Result<(), RuntimeError> {
        let shared = &*self.shared;
        let Some(f) = shared.program.functions.get(func as usize) else {
            return Err(RuntimeError::new(RuntimeErrorKind::InvalidOperation(
                format!("there is no function number {func}"),
            )));
        };
        if f.body.params != 0 || f.body.ret != Ty::Unit {
            return Err(RuntimeError::new(RuntimeErrorKind::InvalidOperation(
                format!(
                    "`{}` cannot be run: it takes arguments or returns a value",
                    f.name
                ),
            )));
        }
        let entry = shared.table[func as usize].load(Ordering::Acquire);
        let allowed = ctx
            .max_stack_bytes
            .saturating_mul(self.tier.stack_factor())
            .clamp(64 << 10, 1 << 36);
        let run = move || {
            let marker = 0u8;
            let here = &marker as *const u8 as usize;
            let limit = here.saturating_sub(allowed);
            let mut rt = Rt::new(&shared.program, ctx, limit);
            rt.set_table(&shared.table);
            let entered = rt.enter();
            // SAFETY: `entry` is the address of code compiled for this function's signature
            // (`extern "C" fn(*mut Rt)`: no parameters, `()` result), or the stub that fails
            // the run; `rt` outlives the call.
            let code: extern "C" fn(*mut Rt) = unsafe { std::mem::transmute(entry) };
            code(&mut rt);
            drop(entered);
            rt.flush();
            match rt.take_error() {
                Some(e) => Err(e),
                None => Ok(()),
            }
        };
        // Runs reuse one thread (see `run_thread`), started again only when a run needs a
        // bigger stack, or after a run that ended abnormally or overflowed its stack (which
        // leaves the whole stack resident: a new thread gives that memory back).
        let stack_size = allowed + STACK_RESERVE_BYTES;
        let mut slot = self.run_thread.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|t| t.stack_size < stack_size) {
            *slot = None;
        }
        let thread = match &mut *slot {
            Some(thread) => thread,
            None => match run_thread::RunThread::start(stack_size) {
                Ok(thread) => slot.insert(thread),
                Err(e) => {
                    return Err(RuntimeError::new(RuntimeErrorKind::InvalidOperation(
                        format!("cannot start a thread to run the program: {e}"),
                    )));
                }
            },
        };
        let result = thread.run(run);
        let keep = matches!(&result, Some(Ok(())))
            || matches!(&result, Some(Err(e)) if e.kind != RuntimeErrorKind::StackOverflow);
        if !keep {
            *slot = None;
        }
        result.unwrap_or_else(|| {
            Err(RuntimeError::new(RuntimeErrorKind::InvalidOperation(
                "internal error: the run ended abnormally; please report this as a bug".to_string(),
            )))
        })
    }
}

/// Whether `new` differs from `old` only in source positions (lines moved), which compiled
/// code does not contain.
pub(crate) fn positions_only(
    old: &holo_compiler::ir::Function,
    new: &holo_compiler::ir::Function,
) -> bool {
    if old.body.sites.len() != new.body.sites.len() {
        return false;
    }
    let mut moved = new.clone();
    moved.line = old.line;
    moved.body.sites.clone_from(&old.body.sites);
    moved == *old
}

/// A compiled function: its index, code bytes and alignment.
type MachineCode = (FuncIndex, Vec<u8>, u64);

/// Translates and compiles one function to machine code (bytes and alignment).
fn compile_one(
    shared: &Shared,
    isa: &OwnedTargetIsa,
    call_conv: CallConv,
    f: FuncIndex,
    fctx: &mut FunctionBuilderContext,
    ctx: &mut cranelift_codegen::Context,
) -> Result<(Vec<u8>, u64), JitError> {
    let name = shared
        .program
        .functions
        .get(f as usize)
        .map_or_else(String::new, |f| f.name.clone());
    ctx.clear();
    codegen::translate(
        shared,
        f,
        &mut ctx.func,
        fctx,
        call_conv,
        isa.frontend_config(),
    )
    .map_err(|e| JitError(format!("translating `{name}`: {}", e.0)))?;
    let compiled = ctx
        .compile(&**isa, &mut ControlPlane::default())
        .map_err(|e| JitError(format!("compiling `{name}`: {:?}", e.inner)))?;
    if !compiled.buffer.relocs().is_empty() {
        return Err(JitError(format!(
            "the code of `{name}` needs relocations, which this code generator does not support"
        )));
    }
    let align = u64::from(compiled.buffer.alignment);
    Ok((compiled.code_buffer().to_vec(), align))
}

#[cfg(test)]
mod tests;
