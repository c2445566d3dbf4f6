//! `holo build`'s part in a worker: compile every function of the program in a worker process,
//! so that a code generator that crashes or hangs takes down the worker, not `holo`.

use super::process::{Received, WorkerCommand, WorkerProcess};
use super::protocol::{LoadOptions, Request, Response, encode_frame};
use super::testrun::load_program;
use crate::jit::Tier;
use std::time::{Duration, Instant};

/// What compiling a whole program did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildStats {
    /// How many functions the program has (all of them were compiled).
    pub functions: u32,
    /// How long the worker spent compiling (without starting and loading).
    pub compile_time: Duration,
}

/// How long compiling a whole program may take before the worker is considered hung.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// A worker process started for a build before the program is ready (it starts up while the
/// package is checked and lowered).
pub struct BuildWorker(Result<WorkerProcess, String>);

impl BuildWorker {
    /// Starts the worker. A failure to start is reported by [`BuildWorker::compile_all`].
    pub fn launch(command: &WorkerCommand) -> BuildWorker {
        BuildWorker(WorkerProcess::launch(command))
    }

    /// Compiles every function of the encoded `program` to native code in the worker.
    pub fn compile_all(self, program: &[u8]) -> Result<BuildStats, String> {
        let mut worker = self.0?;
        worker.hello()?;
        compile_in(worker, program)
    }
}

/// Compiles every function of the encoded `program` to native code in a new worker.
pub fn compile_all(program: &[u8], worker: &WorkerCommand) -> Result<BuildStats, String> {
    BuildWorker::launch(worker).compile_all(program)
}

fn compile_in(mut worker: WorkerProcess, program: &[u8]) -> Result<BuildStats, String> {
    let load = encode_frame(&Request::Load {
        program: program.to_vec(),
        // Built code is what `holo run` runs: optimized, compiled on every core.
        options: LoadOptions {
            tier: Tier::Optimized,
            threads: 0,
        },
    })
    .map_err(|e| format!("cannot encode the program for the worker: {e}"))?;
    load_program(&mut worker, &load)?;
    worker.send(&Request::Compile { roots: None })?;
    match worker.recv(Instant::now() + BUILD_TIMEOUT) {
        Received::Response(Response::Compiled { functions, micros }) => Ok(BuildStats {
            functions,
            compile_time: Duration::from_micros(micros),
        }),
        Received::Response(Response::Error { message }) => Err(message),
        Received::Response(other) => {
            worker.kill();
            Err(format!(
                "the worker answered the build with {other:?} instead of compiling"
            ))
        }
        Received::TimedOut => {
            worker.kill();
            Err(format!(
                "compiling took longer than {} s and was stopped",
                BUILD_TIMEOUT.as_secs()
            ))
        }
        Received::Died(how) => Err(format!("the worker compiling the program {how}")),
    }
}
