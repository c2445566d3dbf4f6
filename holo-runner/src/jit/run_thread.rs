//! The thread holo code runs on: one long-lived thread with a big stack per [`super::Jit`],
//! reused from run to run.
//!
//! A test suite runs hundreds of tests in one worker, most of them tiny. Starting a thread per
//! run cost about as much as running the test: the stack's mapping, the thread's start, and the
//! allocator's fresh heap for the new thread (mimalloc hands each thread pages of its own, which
//! the kernel must zero). A [`RunThread`] is started once and handed each run as a job; the
//! caller waits for the job to finish, which is what lets a job borrow from the caller's stack.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A thread that runs jobs one at a time, each to completion before the caller goes on.
pub struct RunThread {
    jobs: Option<Sender<Job>>,
    done: Receiver<bool>,
    handle: Option<JoinHandle<()>>,
    /// The size of the thread's stack.
    pub stack_size: usize,
}

impl RunThread {
    /// Starts a thread with a stack of `stack_size` bytes (only the pages it touches cost
    /// memory).
    pub fn start(stack_size: usize) -> std::io::Result<RunThread> {
        let (jobs, incoming) = channel::<Job>();
        let (finished, done) = channel::<bool>();
        let handle = std::thread::Builder::new()
            .name("holo-run".to_string())
            .stack_size(stack_size)
            .spawn(move || {
                for job in incoming {
                    // Generated code and host functions never panic; if the runtime does
                    // anyway, the caller hears of it instead of waiting forever.
                    let ok = catch_unwind(AssertUnwindSafe(job)).is_ok();
                    if finished.send(ok).is_err() {
                        return;
                    }
                }
            })?;
        Ok(RunThread {
            jobs: Some(jobs),
            done,
            handle: Some(handle),
            stack_size,
        })
    }

    /// Runs `job` on the thread and waits for it. Returns `None` if the job panicked or the
    /// thread is gone (then the thread must not be used again).
    pub fn run<T: Send>(&self, job: impl FnOnce() -> T + Send) -> Option<T> {
        let mut result: Option<T> = None;
        let slot = &mut result;
        let job: Box<dyn FnOnce() + Send + '_> = Box::new(move || *slot = Some(job()));
        // SAFETY: the job borrows only what outlives this call (the caller's borrows and
        // `result`), and this call does not return before the job has finished or been
        // dropped: either the thread reports the job's end (after it ran, or after its panic
        // was caught, which drops it), or a channel is closed, which means the thread has
        // ended and dropped every job it held. Erasing the lifetime is then what a scoped
        // thread does.
        let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
        let jobs = self.jobs.as_ref()?;
        if jobs.send(job).is_err() {
            return None;
        }
        match self.done.recv() {
            Ok(true) => result,
            Ok(false) | Err(_) => None,
        }
    }
}

impl Drop for RunThread {
    fn drop(&mut self) {
        // Closing the queue ends the thread.
        self.jobs = None;
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_one_thread_and_may_borrow() {
        let thread = RunThread::start(1 << 20).expect("a thread");
        let mut seen = Vec::new();
        for i in 0..3 {
            let local: Vec<i32> = std::iter::repeat_n(i, 3).collect();
            let (sum, name) = thread
                .run(|| {
                    seen.push(i);
                    (
                        local.iter().sum::<i32>(),
                        std::thread::current().name().map(str::to_string),
                    )
                })
                .expect("the job ran");
            assert_eq!(sum, 3 * i);
            assert_eq!(name.as_deref(), Some("holo-run"));
        }
        assert_eq!(seen, [0, 1, 2]);
    }

    #[test]
    fn a_panicking_job_is_reported() {
        let thread = RunThread::start(1 << 20).expect("a thread");
        let result: Option<()> = thread.run(|| panic!("boom"));
        assert_eq!(result, None);
        // The thread survives a caught panic.
        assert_eq!(thread.run(|| 7), Some(7));
    }
}
