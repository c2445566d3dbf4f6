//! `holo build`'s part in a worker: compile every function of the program in a worker process,
//! so that a code generator that crashes or hangs takes down the worker, not `holo`.

use super::process::{Received, WorkerCommand};
use super::protocol::{LoadOptions, Request, Response, encode_frame};
use super::testrun::start_worker;
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

/// Compiles every function of the encoded `program` to native code in a worker.
pub fn compile_all(program: &[u8], worker: &WorkerCommand) -> Result<BuildStats, String> {
    let load = encode_frame(&Request::Load {
        program: program.to_vec(),
        // Built code is what `holo run` runs: optimized, compiled on every core.
        options: LoadOptions {
            tier: Tier::Optimized,
            threads: 0,
        },
    })
    .map_err(|e| format!("cannot encode the program for the worker: {e}"))?;
    let mut worker = start_worker(worker, &load)?;
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
