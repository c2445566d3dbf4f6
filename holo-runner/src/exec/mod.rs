//! Executing programs outside `holo`'s own process: the worker processes that run tests and
//! compile code, the child process that runs `main`, and the protocol between them.
//!
//! `holo` never runs holo code in its own address space (PRODUCT.md §6, containment): a test
//! that crashes, overflows its stack or loops forever takes down a worker, which is replaced.
//!
//! - [`protocol`]: the framed messages on a worker's stdin and stdout.
//! - [`worker`]: the loop a worker runs (`holo __worker`), generic over an [`worker::Engine`].
//! - [`process`]: the parent's handle on a worker: start, send, receive with a deadline, reap.
//! - [`testrun`]: a test suite over N workers, with time limits, in a deterministic order.
//! - [`build`]: compiling a whole program in a worker.
//! - [`run`]: running `main` in a child that owns the terminal (`holo __run`), started before
//!   the program is ready.
//! - `engine`: the JIT behind both, [`JitEngine`], [`serve_stdio`] and [`run_child`].

pub mod build;
mod engine;
pub mod pool;
pub mod process;
pub mod protocol;
pub mod run;
pub mod testrun;
pub mod worker;

pub use build::{BuildStats, BuildWorker, compile_all};
pub use engine::{ChildError, JitEngine, run_child, serve_stdio};
pub use pool::{PoolStats, WorkerPool};
pub use process::WorkerCommand;
pub use protocol::{Failure, SourceLocation, StackFrame};
pub use run::ProgramChild;
pub use testrun::{Outcome, SpareWorkers, TestEvent, TestOptions, TestResult, TestSpec, run_tests};

use holo_compiler::ir::Program;

/// Encodes a program for a worker (see [`protocol`] for why postcard).
pub fn encode_program(program: &Program) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(program).map_err(|e| format!("cannot encode the program: {e}"))
}

/// Decodes a program encoded by [`encode_program`].
pub fn decode_program(bytes: &[u8]) -> Result<Program, String> {
    postcard::from_bytes(bytes).map_err(|e| {
        format!(
            "cannot decode the program ({} bytes): {e}; was it written by another version of holo?",
            bytes.len()
        )
    })
}

/// The tests of `program`, sorted by name: the order they are reported in.
pub fn test_specs(program: &Program) -> Vec<TestSpec> {
    let mut specs: Vec<TestSpec> = program
        .tests
        .iter()
        .map(|t| TestSpec {
            name: t.name.clone(),
            func: t.func,
            file: t.file.clone(),
            line: t.line,
        })
        .collect();
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    specs
}
