//! [`WorkerPool`]: test workers that outlive a run. Between runs they keep their loaded program
//! and its compiled code; a new version of the program reaches them as a patch of the functions
//! that changed ([`crate::live`]), so unchanged code is never compiled again and no process is
//! started. A resident holo (the daemon, `holo test --watch`) keeps one per package.

use super::process::Received;
use super::process::WorkerProcess;
use super::protocol::{Request, Response};
use super::testrun::{TestEvent, TestOptions, TestResult, TestSpec, run_with};
use crate::live::slots::{SlotTable, Update};
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::Program;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

/// How long a worker may take to apply a patch before it is replaced.
const PATCH_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct WorkerPool {
    /// Loaded with the program `slots` says the workers hold.
    idle: Vec<WorkerProcess>,
    slots: SlotTable,
    stats: PoolStats,
}

/// What the pool did so far (for `holo daemon status` and the tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub workers_started: u64,
    pub patches: u64,
    /// Functions the patches made compile again.
    pub functions_patched: u64,
}

impl WorkerPool {
    pub fn new() -> WorkerPool {
        WorkerPool::default()
    }

    pub fn stats(&self) -> PoolStats {
        self.stats
    }

    /// Runs `tests` (function indices of `program`) like [`super::run_tests`], on the pool's
    /// workers, brought up to `program` first. `fingerprints` are its functions' behaviour
    /// fingerprints by key.
    pub fn run_tests(
        &mut self,
        program: &Program,
        fingerprints: &BTreeMap<String, Fingerprint>,
        tests: &[TestSpec],
        options: &TestOptions,
        on_event: &mut dyn FnMut(TestEvent<'_>),
    ) -> Result<Vec<TestResult>, String> {
        let (slot_of, update) = self.slots.update(program, fingerprints);
        match update {
            // Workers holding another version (a layout changed) cannot be patched.
            Update::Load => self.kill_idle(),
            Update::Patch(patch) => {
                let idle = std::mem::take(&mut self.idle);
                let frame = super::protocol::encode_frame(&Request::Patch { patch })
                    .map_err(|e| format!("cannot encode the patch for the workers: {e}"))?;
                let mut most = 0;
                for mut worker in idle {
                    match apply(&mut worker, &frame) {
                        Ok(stale) => {
                            most = most.max(u64::from(stale));
                            self.idle.push(worker);
                        }
                        // It gets no test; a new worker loads the program if one is needed.
                        Err(_) => worker.kill(),
                    }
                }
                self.stats.functions_patched += most;
                self.stats.patches += 1;
            }
        }
        if tests.is_empty() {
            return Ok(Vec::new());
        }
        let tests: Vec<TestSpec> = tests
            .iter()
            .map(|t| TestSpec {
                func: slot_of[t.func as usize],
                ..t.clone()
            })
            .collect();
        let slots = &self.slots;
        let encode = || slots.encode_load(program, &slot_of);
        let started = AtomicUsize::new(0);
        let result = run_with(&encode, &tests, options, on_event, &mut self.idle, &started);
        self.stats.workers_started += started.into_inner() as u64;
        if result.is_err() {
            // A cancelled or failed run may leave workers mid-test: start afresh next time.
            self.stop_all();
        }
        result
    }

    /// Stops every worker; the next run loads the program into new ones.
    pub fn stop_all(&mut self) {
        self.kill_idle();
        self.slots.reset();
    }

    fn kill_idle(&mut self) {
        for mut worker in self.idle.drain(..) {
            worker.kill();
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Sends an encoded patch to a worker and waits until it is applied.
fn apply(worker: &mut WorkerProcess, frame: &[u8]) -> Result<u32, String> {
    if !worker.is_running() {
        return Err("the worker is gone".to_string());
    }
    worker.send_frame(frame)?;
    match worker.recv(Instant::now() + PATCH_TIMEOUT) {
        Received::Response(Response::Patched { stale }) => Ok(stale),
        Received::Response(Response::Error { message }) => Err(message),
        Received::Response(other) => Err(format!("answered {other:?}")),
        Received::TimedOut => Err("did not answer in time".to_string()),
        Received::Died(how) => Err(how),
    }
}
