//! [`RunningProgram`]: a program patched while its code runs (`holo run --watch`'s child).
//!
//! The program's first version is compiled by a [`Jit`] that runs `main`; each patch compiles
//! its functions with a `Jit` of its own sharing the first one's dispatch table, and stores
//! their addresses in their slots. A slot store is atomic: a call that is under way finishes
//! on the code it started in, and every call after the store takes the new code. Nothing else
//! about the running program changes, so no lock is taken while holo code runs.
//!
//! **Old code is kept, bounded.** Which frames are on the native stack is not known without
//! walking it, so the code (and constants and type descriptors) of every version stays alive
//! for the life of the process: a frame that is still in old code can always return into it.
//! The number of versions a process keeps is bounded by [`MAX_PATCHES`]: holo restarts the
//! program (replaying its inputs) rather than patch it again, and the restart frees all of it.
//! A patch's `Jit` holds the patched functions' IR and a signature-only stand-in for every
//! other function (what compiling a call needs), and drops the code generator's buffers once
//! it has compiled, so a version costs its code and a little bookkeeping (the
//! `many_patches_keep_memory_bounded` test measures the process over 1,000 patches).

use super::ProgramPatch;
use crate::jit::{Jit, JitError, Tier};
use holo_compiler::ir::{Block, Body, FuncIndex, Function, Program, Terminator};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, RwLock};

/// The most patches one process of a running program takes; the next change restarts it
/// (see the module documentation).
pub const MAX_PATCHES: usize = 200;

/// What a patch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PatchStats {
    /// Functions compiled (the patched ones, and functions they reach that had never been
    /// compiled).
    pub compiled: usize,
    /// Functions whose positions only were updated.
    pub moved: usize,
}

pub struct RunningProgram {
    table: Arc<[AtomicUsize]>,
    /// The program as patched so far, in slot numbers (shared with the run, for the
    /// positions of runtime errors).
    current: Arc<RwLock<Program>>,
    /// Every patch's code, kept (see the module documentation).
    versions: Vec<Jit>,
}

impl RunningProgram {
    /// Starts from `program` (in slot numbers), whose code the `Jit` owning `table` compiles.
    pub fn new(program: Program, table: Arc<[AtomicUsize]>) -> RunningProgram {
        RunningProgram {
            table,
            current: Arc::new(RwLock::new(program)),
            versions: Vec::new(),
        }
    }

    /// The program as patched so far, for the run's context.
    pub fn current(&self) -> Arc<RwLock<Program>> {
        self.current.clone()
    }

    /// How many patches this process holds the code of.
    pub fn patches(&self) -> usize {
        self.versions.len()
    }

    /// Applies a patch while the program runs: its functions replace those in their slots
    /// (or are added after the last), are compiled, and their slots point at the new code.
    /// Fails, changing no slot, when the patch cannot apply (a slot out of order, no room in
    /// the table, code that cannot be generated); the caller restarts the program then.
    pub fn apply(&mut self, patch: ProgramPatch) -> Result<PatchStats, JitError> {
        let mut program = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut len = program.functions.len();
        for (slot, _) in &patch.functions {
            let slot = *slot as usize;
            if slot > len || slot >= self.table.len() {
                return Err(JitError(format!(
                    "slot {slot} does not follow the {len} the program has, or the table is full"
                )));
            }
            len = len.max(slot + 1);
        }
        let mut stats = PatchStats::default();
        let mut changed: Vec<FuncIndex> = Vec::new();
        for (slot, function) in patch.functions {
            let i = slot as usize;
            if i == program.functions.len() {
                program.functions.push(function);
            } else {
                let moved = crate::jit::positions_only(&program.functions[i], &function);
                program.functions[i] = function;
                if moved {
                    stats.moved += 1;
                    continue;
                }
            }
            changed.push(slot);
        }
        program.structs = patch.structs;
        program.enums = patch.enums;
        if changed.is_empty() {
            return Ok(stats);
        }
        // The patched functions, and what they reach that was never compiled (a function no
        // earlier code called).
        let mut todo = vec![false; program.functions.len()];
        let mut stack = changed.clone();
        for &f in &changed {
            todo[f as usize] = true;
        }
        while let Some(f) = stack.pop() {
            for &l in &program.functions[f as usize].links {
                let l = l as usize;
                if !todo[l] && !Jit::slot_filled(&self.table, l) {
                    todo[l] = true;
                    stack.push(l as FuncIndex);
                }
            }
        }
        let version = Program {
            functions: program
                .functions
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if todo[i] {
                        f.clone()
                    } else {
                        signature_only(f)
                    }
                })
                .collect(),
            structs: program.structs.clone(),
            enums: program.enums.clone(),
            tests: Vec::new(),
            main: None,
        };
        drop(program);
        let funcs: Vec<FuncIndex> = (0..todo.len() as FuncIndex)
            .filter(|&i| todo[i as usize])
            .collect();
        let mut jit = Jit::with_table(version, Tier::Optimized, self.table.clone())?;
        // A patch is a few functions: compiling them here costs less than waking a pool.
        jit.set_threads(1)?;
        jit.compile_functions(&funcs)?;
        jit.release_compile_buffers();
        stats.compiled = funcs.len();
        self.versions.push(jit);
        Ok(stats)
    }
}

/// What compiling a call to `f` needs of it: its signature, without its code.
fn signature_only(f: &Function) -> Function {
    Function {
        key: String::new(),
        name: String::new(),
        file: String::new(),
        line: 0,
        body: Body {
            params: f.body.params,
            self_mode: f.body.self_mode,
            ret: f.body.ret.clone(),
            locals: f.body.locals[..f.body.params as usize].to_vec(),
            blocks: vec![Block {
                insts: Vec::new(),
                term: Terminator::Unreachable,
            }],
            sites: Vec::new(),
            callees: Vec::new(),
        },
        links: Vec::new(),
    }
}
