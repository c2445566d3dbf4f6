//! The worker-process machinery of `holo_runner::exec` with real processes and a fake engine:
//! time limits, crashes of every kind, replaced workers, big output and the reporting order.
//!
//! This test binary is its own worker: started with `--worker`, it serves the protocol with
//! [`Fake`], whose "program" is one byte per function saying what that function does when run
//! as a test. Without `--worker` it runs the scenarios below (there is no libtest harness, so
//! that the worker's stdout carries only protocol frames).

use holo_runner::exec::protocol::{Failure, LoadOptions};
use holo_runner::exec::worker::{Engine, worker_main};
use holo_runner::exec::{Outcome, TestEvent, TestOptions, TestResult, TestSpec, WorkerCommand};
use holo_runner::exec::{compile_all, run_tests};
use std::io::Write;
use std::time::{Duration, Instant};

struct Fake {
    program: Vec<u8>,
}

impl Engine for Fake {
    fn load(program: &[u8], _options: &LoadOptions) -> Result<Self, String> {
        if program.contains(&b'!') {
            return Err("this program cannot be loaded".into());
        }
        Ok(Fake {
            program: program.to_vec(),
        })
    }

    fn function_count(&self) -> u32 {
        self.program.len() as u32
    }

    fn compile(&mut self, roots: Option<&[u32]>) -> Result<u32, String> {
        if roots.is_none() && self.program.contains(&b'C') {
            std::process::abort();
        }
        Ok(roots.map_or(self.program.len(), <[u32]>::len) as u32)
    }

    fn patch(&mut self, _patch: holo_runner::live::ProgramPatch) -> Result<u32, String> {
        Err("the fake engine cannot be patched".into())
    }

    fn run_test(&mut self, func: u32, mut out: Box<dyn Write + Send>) -> Result<(), Failure> {
        match self.program[func as usize] {
            b'p' => Ok(()),
            b'f' => {
                writeln!(out, "printed before failing").unwrap();
                Err(Failure::message("assertion failed"))
            }
            b'l' => loop {
                std::thread::sleep(Duration::from_millis(10));
            },
            b'a' => {
                writeln!(out, "printed before aborting").unwrap();
                std::process::abort()
            }
            b'x' => std::process::exit(3),
            b'r' => {
                fn recurse(n: u64) -> u64 {
                    if n == u64::MAX {
                        return 0;
                    }
                    let pad = std::hint::black_box([n; 64]);
                    recurse(pad[3] + 1) + pad[5]
                }
                std::hint::black_box(recurse(0));
                Ok(())
            }
            b'o' => {
                let line = "x".repeat(99);
                for _ in 0..10_000 {
                    writeln!(out, "{line}").unwrap();
                }
                Ok(())
            }
            b'm' => {
                // Grows by 16 MiB every 10 ms, touching every page, without end.
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 16 << 20]);
                    std::hint::black_box(&hoard);
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            b's' => {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            }
            other => Err(Failure::message(format!("unknown behaviour {other}"))),
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--worker") {
        match worker_main::<Fake>() {
            Ok(()) => std::process::exit(0),
            Err(message) => {
                eprintln!("fake worker: {message}");
                std::process::exit(1);
            }
        }
    }
    let scenarios: &[(&str, fn())] = &[
        (
            "every_outcome_is_reported_in_order",
            every_outcome_is_reported_in_order,
        ),
        ("one_job_and_many_jobs_agree", one_job_and_many_jobs_agree),
        ("crashed_workers_are_replaced", crashed_workers_are_replaced),
        (
            "a_program_that_does_not_load_stops_the_run",
            a_program_that_does_not_load_stops_the_run,
        ),
        (
            "output_beyond_the_limit_is_counted",
            output_beyond_the_limit_is_counted,
        ),
        (
            "a_build_that_crashes_is_an_error",
            a_build_that_crashes_is_an_error,
        ),
        ("runaway_memory_is_stopped", runaway_memory_is_stopped),
        (
            "a_worker_that_cannot_start_is_an_error",
            a_worker_that_cannot_start_is_an_error,
        ),
        (
            "a_cancelled_run_stops_a_hanging_test",
            a_cancelled_run_stops_a_hanging_test,
        ),
    ];
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut ran = 0;
    for (name, scenario) in scenarios {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let start = Instant::now();
        scenario();
        ran += 1;
        println!(
            "test {name} ... ok ({:.2} s)",
            start.elapsed().as_secs_f64()
        );
    }
    println!("\ntest result: ok. {ran} passed; 0 failed");
}

fn options(jobs: usize, timeout_ms: u64) -> TestOptions {
    TestOptions {
        jobs,
        timeout: Duration::from_millis(timeout_ms),
        worker: WorkerCommand::new(
            std::env::current_exe().expect("the test's own executable"),
            ["--worker"],
        ),
        output_limit: 1 << 20,
        memory_limit: None,
        cancel: None,
        spares: Default::default(),
    }
}

/// Specs for every function of `program`, named `t0`, `t1`, …
fn specs(program: &[u8]) -> Vec<TestSpec> {
    (0..program.len())
        .map(|i| TestSpec {
            name: format!("t{i:02}"),
            func: i as u32,
            file: "src/main.holo".into(),
            line: i as u32 + 1,
        })
        .collect()
}

/// Runs and checks that results arrive in order, each test started before it finished.
fn run(program: &[u8], options: &TestOptions) -> Result<Vec<TestResult>, String> {
    let tests = specs(program);
    let mut finished = Vec::new();
    let results = run_tests(program, &tests, options, &mut |event| match event {
        TestEvent::Started { index } | TestEvent::Ended { index } => {
            assert!(index < tests.len())
        }
        TestEvent::Finished { index, result } => finished.push((index, result.outcome)),
    })?;
    let indices: Vec<usize> = finished.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        indices,
        (0..tests.len()).collect::<Vec<_>>(),
        "reported out of order"
    );
    for ((_, reported), result) in finished.iter().zip(&results) {
        assert_eq!(*reported, result.outcome);
    }
    Ok(results)
}

fn outcomes(results: &[TestResult]) -> Vec<Outcome> {
    results.iter().map(|r| r.outcome).collect()
}

fn message(result: &TestResult) -> &str {
    result.failure.as_ref().map_or("", |f| f.message.as_str())
}

fn every_outcome_is_reported_in_order() {
    let start = Instant::now();
    let results = run(b"pflaxrop", &options(2, 1000)).unwrap();
    use Outcome::*;
    assert_eq!(
        outcomes(&results),
        [
            Passed, Failed, TimedOut, Crashed, Crashed, Crashed, Passed, Passed
        ]
    );
    assert_eq!(results[1].output, b"printed before failing\n");
    assert_eq!(message(&results[1]), "assertion failed");
    assert!(
        message(&results[2]).contains("did not finish within its time limit of 1 s"),
        "{}",
        message(&results[2])
    );
    assert!(results[2].duration >= Duration::from_millis(900));
    assert!(
        message(&results[3]).contains("SIGABRT"),
        "{}",
        message(&results[3])
    );
    // Output sent before the crash is kept (it is sent in time-bounded chunks).
    assert_eq!(results[3].output, b"printed before aborting\n");
    assert!(
        message(&results[4]).contains("exited with status 3"),
        "{}",
        message(&results[4])
    );
    // A real overflow of the native stack: Rust's handler says so on stderr, then aborts.
    assert!(
        message(&results[5]).contains("overflowed its stack"),
        "{}",
        message(&results[5])
    );
    assert_eq!(results[6].output.len(), 1_000_000);
    assert!(results[7].output.is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

fn one_job_and_many_jobs_agree() {
    let program = b"pfspsafpspfp";
    let one = run(program, &options(1, 5000)).unwrap();
    let many = run(program, &options(4, 5000)).unwrap();
    assert_eq!(outcomes(&one), outcomes(&many));
    for (a, b) in one.iter().zip(&many) {
        assert_eq!(a.output, b.output);
    }
}

fn crashed_workers_are_replaced() {
    // One slot: every test after a crash needs a new worker.
    let results = run(b"apapxp", &options(1, 5000)).unwrap();
    use Outcome::*;
    assert_eq!(
        outcomes(&results),
        [Crashed, Passed, Crashed, Passed, Crashed, Passed]
    );
}

fn a_program_that_does_not_load_stops_the_run() {
    let err = run(b"pp!", &options(2, 1000)).unwrap_err();
    assert!(
        err.contains("could not load the program: this program cannot be loaded"),
        "{err}"
    );
}

fn output_beyond_the_limit_is_counted() {
    let mut opts = options(1, 5000);
    opts.output_limit = 1000;
    let results = run(b"o", &opts).unwrap();
    assert_eq!(results[0].output.len(), 1000);
    assert_eq!(results[0].output_dropped, 999_000);
}

fn a_build_that_crashes_is_an_error() {
    let stats = compile_all(b"ppp", &options(1, 1000).worker).unwrap();
    assert_eq!(stats.functions, 3);
    let err = compile_all(b"pCp", &options(1, 1000).worker).unwrap_err();
    assert!(err.contains("SIGABRT"), "{err}");
}

fn a_worker_that_cannot_start_is_an_error() {
    let mut opts = options(2, 1000);
    opts.worker = WorkerCommand::new("/nonexistent/holo", ["__worker"]);
    let err = run(b"pp", &opts).unwrap_err();
    assert!(err.contains("cannot start a worker process"), "{err}");
}

fn runaway_memory_is_stopped() {
    let mut opts = options(2, 20_000);
    opts.memory_limit = Some(200 << 20);
    let start = Instant::now();
    let results = run(b"pmp", &opts).unwrap();
    use Outcome::*;
    assert_eq!(outcomes(&results), [Passed, Crashed, Passed]);
    assert!(
        message(&results[1]).contains("used more than its memory limit of 200 MiB and was stopped"),
        "{}",
        message(&results[1])
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// A run cancelled from another thread (a newer save) stops its hanging test at once, starts
/// no other test, and ends with the cancellation error instead of results.
fn a_cancelled_run_stops_a_hanging_test() {
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut opts = options(1, 60_000);
    opts.cancel = Some(cancel.clone());
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let start = Instant::now();
    let result = run_tests(b"lpp", &specs(b"lpp"), &opts, &mut |_| {});
    setter.join().unwrap();
    assert_eq!(
        result.err().as_deref(),
        Some(holo_runner::exec::testrun::CANCELLED)
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the hanging test was not stopped: {:?}",
        start.elapsed()
    );
}
