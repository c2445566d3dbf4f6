//! The runtime: what compiled holo code calls into.
//!
//! - [`context`]: [`RunContext`], the program's view of the world (output, input, arguments,
//!   clock, random numbers).
//! - [`heap`]: reference-counted strings, arrays, structs and enums with copy on write.
//! - [`desc`]: type descriptors, so that the runtime can free, copy, compare and print values.
//! - [`host`]: the `extern "C"` functions generated code calls (built-ins, allocation, errors).
//!
//! Generated code receives a pointer to an [`Rt`] as its first argument and passes it on to
//! every call. A runtime error sets [`Rt::failed`]; generated code checks the flag after every
//! call that can fail and returns at once, each function adding itself to the stack trace on
//! the way out (see `jit`).

pub mod context;
pub mod desc;
pub mod heap;
pub mod host;
mod host_prelude;
pub mod map;
pub mod record;

pub use context::{CapturedOutput, RunContext};

use crate::error::{Frame, RuntimeError, RuntimeErrorKind};
use holo_compiler::ir::Program;
use std::cell::Cell;
use std::io::Write;
use std::sync::OnceLock;

thread_local! {
    /// The run on this thread, for the allocator to stop when memory runs out
    /// ([`over_budget`]); null between runs.
    static CURRENT: Cell<*mut Rt> = const { Cell::new(std::ptr::null_mut()) };
    /// The memory limit a run went over, reported by [`Rt::take_error`].
    static OVER_BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
}

/// What ends the process when an allocation fails outright (see [`on_allocation_failure`]).
static ALLOCATION_FAILURE: OnceLock<fn(RuntimeError) -> !> = OnceLock::new();

/// Sets what ends the process when the system refuses an allocation of a program's value: the
/// run cannot go on (the value does not exist), so the handler gets the error without a
/// stack and must not return. The output printed so far is written out before. Without a
/// handler, Rust's allocation-failure handler aborts the process.
pub fn on_allocation_failure(handler: fn(RuntimeError) -> !) {
    let _ = ALLOCATION_FAILURE.set(handler);
}

/// The current run's values grew beyond `limit` bytes: the run fails with an out-of-memory
/// error at its next check. The allocation itself succeeds (the limit is below what the
/// system has), so the code that asked for it finishes safely before it stops. Every
/// function entry checks the stack limit, which is set out of reach so that the run stops
/// there too; generated code checks after every allocation, so a loop that allocates stops.
pub(crate) fn over_budget(limit: u64) {
    let rt = CURRENT.with(Cell::get);
    if rt.is_null() {
        return;
    }
    // SAFETY: `CURRENT` is set only while the run whose `Rt` it points at is on this thread's
    // stack (see `Rt::enter`); raw field writes, since a host function may hold the `Rt`.
    unsafe {
        if (*rt).failed == 0 {
            OVER_BUDGET.with(|c| c.set(Some(limit)));
            std::ptr::addr_of_mut!((*rt).failed).write(1);
        }
        std::ptr::addr_of_mut!((*rt).stack_limit).write(u64::MAX);
    }
}

/// The system refused an allocation of `layout`: the output printed so far is written out,
/// then the process ends through the handler of [`on_allocation_failure`].
pub(crate) fn out_of_memory(layout: std::alloc::Layout) -> ! {
    let rt = CURRENT.with(Cell::get);
    if !rt.is_null() {
        // SAFETY: as in `over_budget`; the run does not continue after this.
        unsafe { (*rt).flush() };
    }
    match ALLOCATION_FAILURE.get() {
        Some(handler) => handler(RuntimeError::new(RuntimeErrorKind::OutOfMemory {
            limit: 0,
        })),
        None => std::alloc::handle_alloc_error(layout),
    }
}

/// Byte offsets of the fields of [`Rt`] that generated code reads and writes.
pub const RT_FAILED: i32 = 0;
pub const RT_STACK_LIMIT: i32 = 8;
pub const RT_UNIQUE_OUT: i32 = 16;

/// How many frames of a very deep stack a runtime error keeps (half innermost, half outermost).
const MAX_FRAMES: usize = 32;

/// The state of one run, shared between generated code and host functions.
#[repr(C)]
pub struct Rt {
    /// Non-zero once a runtime error happened.
    pub failed: u64,
    /// The lowest stack address generated code may use before it reports a stack overflow.
    pub stack_limit: u64,
    /// Where the copy-on-write trampoline leaves the unique object it made (its calling
    /// convention, which preserves every register, has no return value).
    pub unique_out: u64,
    error: Option<RuntimeErrorKind>,
    /// `(function, site)` of every frame unwound after the error, innermost first.
    frames: Vec<(u32, u32)>,
    /// Output not yet written to the context's stdout.
    out: Vec<u8>,
    /// A copy of `RunContext::line_buffered`, read on every write.
    line_buffered: bool,
    ctx: *mut RunContext,
    program: *const Program,
    /// The dispatch table of the code being run (for host functions that call closures).
    table: *const std::sync::atomic::AtomicUsize,
    table_len: usize,
    /// The three `Ordering` values of this run (descriptor, values), made on first use and
    /// immortal: `cmp` in a sort's comparator runs millions of times and allocates nothing.
    pub(crate) orderings: (i64, [i64; 3]),
}

/// Output is flushed to the context's writer when this much has accumulated.
const OUT_BUFFER: usize = 1 << 14;

impl Rt {
    /// A fresh state for a run of `program` in `ctx` whose native stack may grow down to
    /// `stack_limit`.
    pub fn new(program: &Program, ctx: &mut RunContext, stack_limit: usize) -> Rt {
        Rt {
            failed: 0,
            stack_limit: stack_limit as u64,
            unique_out: 0,
            error: None,
            frames: Vec::new(),
            out: Vec::with_capacity(OUT_BUFFER),
            line_buffered: ctx.line_buffered,
            ctx,
            program,
            table: std::ptr::null(),
            table_len: 0,
            orderings: (0, [0; 3]),
        }
    }

    /// Gives host functions the dispatch table, so that they can call closures.
    pub fn set_table(&mut self, table: &[std::sync::atomic::AtomicUsize]) {
        self.table = table.as_ptr();
        self.table_len = table.len();
    }

    /// The code address in dispatch-table slot `index`, if there is such a slot.
    pub(crate) fn function_entry(&self, index: usize) -> Option<usize> {
        if index >= self.table_len {
            return None;
        }
        // SAFETY: `table` points at `table_len` slots that outlive the run.
        Some(unsafe { (*self.table.add(index)).load(std::sync::atomic::Ordering::Acquire) })
    }

    pub(crate) fn ctx(&mut self) -> &mut RunContext {
        // SAFETY: `ctx` is the exclusive borrow `Rt::new` was given, alive for the whole run.
        unsafe { &mut *self.ctx }
    }

    pub(crate) fn program(&self) -> &Program {
        // SAFETY: the program outlives every run of code compiled from it.
        unsafe { &*self.program }
    }

    /// Makes this the run the allocator reports to ([`over_budget`]) until the guard is
    /// dropped. `self` must stay where it is meanwhile.
    pub fn enter(&mut self) -> impl Drop + use<> {
        struct Leave;
        impl Drop for Leave {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(std::ptr::null_mut()));
            }
        }
        OVER_BUDGET.with(|c| c.set(None));
        CURRENT.with(|c| c.set(self));
        Leave
    }

    /// Records a runtime error (the first one wins; generated code stops at once anyway).
    pub fn fail(&mut self, kind: RuntimeErrorKind) {
        if self.failed == 0 {
            self.failed = 1;
            self.error = Some(kind);
        }
    }

    /// Adds a frame to the stack trace of the current error.
    pub fn trace(&mut self, func: u32, site: u32) {
        self.frames.push((func, site));
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        if self.out.len() >= OUT_BUFFER || (self.line_buffered && bytes.contains(&b'\n')) {
            self.flush();
        }
    }

    /// Writes buffered output to the context's stdout. A failing writer (a closed pipe) loses
    /// the output but does not stop the program.
    pub fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        let out = std::mem::take(&mut self.out);
        let ctx = self.ctx();
        let _ = ctx.stdout.write_all(&out);
        let _ = ctx.stdout.flush();
        self.out = out;
        self.out.clear();
    }

    /// The error of a failed run, with its location and stack.
    pub fn take_error(&mut self) -> Option<RuntimeError> {
        if self.failed == 0 {
            return None;
        }
        let kind = match OVER_BUDGET.with(Cell::take) {
            Some(limit) => RuntimeErrorKind::OutOfMemory { limit },
            None => self
                .error
                .take()
                .unwrap_or(RuntimeErrorKind::InvalidOperation(
                    "unknown runtime error".into(),
                )),
        };
        // A patched program's positions are those of its latest version (`holo run --watch`).
        let live = self.ctx().live_program.clone();
        let guard = live
            .as_ref()
            .map(|p| p.read().unwrap_or_else(|e| e.into_inner()));
        let program = match &guard {
            Some(p) => &**p,
            None => self.program(),
        };
        let position = |func: u32, site: u32| {
            let f = program.functions.get(func as usize)?;
            let (line, col) = match f.body.sites.get(site as usize) {
                Some(s) => (s.line, s.col),
                None => (f.line, 1),
            };
            Some((f, line, col))
        };
        let location = self
            .frames
            .first()
            .and_then(|&(func, site)| position(func, site))
            .map(|(f, line, col)| format!("{}:{line}:{col}", f.file));
        let frame = |&(func, site): &(u32, u32)| {
            position(func, site).map(|(f, line, column)| Frame {
                function: f.name.clone(),
                file: f.file.clone(),
                line,
                column,
            })
        };
        let (stack, omitted_frames) = if self.frames.len() > MAX_FRAMES {
            let half = MAX_FRAMES / 2;
            let mut stack: Vec<Frame> = self.frames[..half].iter().filter_map(frame).collect();
            stack.extend(
                self.frames[self.frames.len() - half..]
                    .iter()
                    .filter_map(frame),
            );
            (stack, self.frames.len() - MAX_FRAMES)
        } else {
            (self.frames.iter().filter_map(frame).collect(), 0)
        };
        Some(RuntimeError {
            kind,
            location,
            stack,
            omitted_frames,
        })
    }
}
