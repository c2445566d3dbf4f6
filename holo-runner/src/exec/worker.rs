//! The worker side of the protocol: the loop a worker process runs, reading [`Request`]s from its
//! stdin and answering on its stdout, with the program's code kept compiled between requests.
//!
//! The loop is generic over an [`Engine`] (what loads, compiles and runs a program) so that the
//! process machinery can be tested with a fake engine; `holo __worker` runs it with the JIT
//! (see [`crate::exec::serve_stdio`]).

use super::protocol::{
    Failure, LoadOptions, PROTOCOL_VERSION, Request, Response, read_frame, write_frame,
};
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What a worker executes programs with.
pub trait Engine: Sized {
    /// Decodes the program sent with [`Request::Load`]; the error is a full sentence.
    fn load(program: &[u8], options: &LoadOptions) -> Result<Self, String>;
    /// How many functions the program has.
    fn function_count(&self) -> u32;
    /// Compiles the functions reachable from `roots` (all functions when `None`) that are not
    /// compiled yet; returns how many it compiled.
    fn compile(&mut self, roots: Option<&[u32]>) -> Result<u32, String>;
    /// Runs the test function `func`, whose code is compiled, printing to `stdout`.
    fn run_test(&mut self, func: u32, stdout: Box<dyn Write + Send>) -> Result<(), Failure>;
    /// Brings the program to a new version; returns how many functions must be compiled again.
    fn patch(&mut self, patch: crate::live::ProgramPatch) -> Result<u32, String>;
}

/// The stack size of the thread a worker serves requests on. The JIT runs holo code on a thread
/// of its own with a much larger stack; this one only needs room for compiling and for the
/// runtime's own work. Only the touched pages cost memory.
pub const EXECUTION_STACK: usize = 64 << 20;

/// Output is sent to `holo` in chunks of at most about this size, and at most about
/// [`OUTPUT_LATENCY`] after it was printed (see [`Capture`]).
const OUTPUT_CHUNK: usize = 64 << 10;
const OUTPUT_LATENCY: Duration = Duration::from_millis(20);

type SharedOut = Arc<Mutex<dyn Write + Send>>;

/// Serves requests from `input` until it ends. Returns an error when the pipe breaks or a
/// request cannot be decoded; the caller exits with a failure status then.
pub fn serve<E: Engine>(
    mut input: impl Read,
    output: impl Write + Send + 'static,
) -> Result<(), String> {
    let out: SharedOut = Arc::new(Mutex::new(output));
    let send = |message: &Response| -> Result<(), String> {
        let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
        write_frame(&mut *out, message).map_err(|e| format!("cannot write to holo: {e}"))
    };
    send(&Response::Hello {
        protocol: PROTOCOL_VERSION,
    })?;
    let mut engine: Option<E> = None;
    let flusher = Flusher::start();
    loop {
        let request = match read_frame::<Request>(&mut input) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(e) => return Err(format!("cannot read a request from holo: {e}")),
        };
        match request {
            Request::Load { program, options } => match E::load(&program, &options) {
                Ok(loaded) => {
                    let functions = loaded.function_count();
                    engine = Some(loaded);
                    send(&Response::Loaded { functions })?;
                }
                Err(message) => {
                    engine = None;
                    send(&Response::Error { message })?;
                }
            },
            Request::Compile { roots } => {
                let Some(engine) = engine.as_mut() else {
                    send(&not_loaded())?;
                    continue;
                };
                let start = Instant::now();
                match engine.compile(roots.as_deref()) {
                    Ok(functions) => send(&Response::Compiled {
                        functions,
                        micros: micros(start.elapsed()),
                    })?,
                    Err(message) => send(&Response::Error { message })?,
                }
            }
            Request::Patch { patch } => {
                let Some(engine) = engine.as_mut() else {
                    send(&not_loaded())?;
                    continue;
                };
                match engine.patch(patch) {
                    Ok(stale) => send(&Response::Patched { stale })?,
                    Err(message) => send(&Response::Error { message })?,
                }
            }
            Request::RunTest { job, func } => {
                let Some(engine) = engine.as_mut() else {
                    send(&not_loaded())?;
                    continue;
                };
                if let Err(message) = engine.compile(Some(&[func])) {
                    send(&Response::Finished {
                        job,
                        micros: 0,
                        failure: Some(Failure::message(format!(
                            "the test could not be compiled: {message}"
                        ))),
                    })?;
                    continue;
                }
                send(&Response::Started { job })?;
                let capture = Capture::new(job, out.clone());
                flusher.watch(Some(capture.clone()));
                let start = Instant::now();
                let result = engine.run_test(func, Box::new(capture.clone()));
                let elapsed = start.elapsed();
                flusher.watch(None);
                capture
                    .finish()
                    .map_err(|e| format!("cannot write to holo: {e}"))?;
                send(&Response::Finished {
                    job,
                    micros: micros(elapsed),
                    failure: result.err(),
                })?;
            }
        }
    }
}

fn not_loaded() -> Response {
    Response::Error {
        message: "no program is loaded in this worker (the first request must be `Load`)"
            .to_string(),
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The stdout of a running test: collects what it prints and sends it to `holo` as
/// [`Response::Output`] frames. Clones share the buffer, so the worker can send the rest after
/// the test, whatever the engine did with its copy.
///
/// A write goes out at once unless another went out less than [`OUTPUT_LATENCY`] ago; then it
/// waits in the buffer until the buffer is full or the [`Flusher`] sends it, at most about
/// `OUTPUT_LATENCY` later. So a line printed just before a crash reaches `holo`, a burst of
/// small writes becomes a few big frames, and output never waits long behind a test that goes
/// on computing (or loops until it is stopped).
#[derive(Clone)]
struct Capture {
    state: Arc<Mutex<CaptureState>>,
}

struct CaptureState {
    job: u64,
    buf: Vec<u8>,
    last_sent: Option<Instant>,
    out: SharedOut,
    /// Set when sending failed: `holo` is gone, so further output is dropped, and the worker
    /// notices at its next frame.
    broken: bool,
    /// Set when the test is over: the flusher thread ends.
    finished: bool,
}

impl Capture {
    fn new(job: u64, out: SharedOut) -> Capture {
        Capture {
            state: Arc::new(Mutex::new(CaptureState {
                job,
                buf: Vec::new(),
                last_sent: None,
                out,
                broken: false,
                finished: false,
            })),
        }
    }

    /// Sends what has waited in the buffer for [`OUTPUT_LATENCY`] or longer.
    fn flush_stale(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let stale = state
            .last_sent
            .is_none_or(|t| t.elapsed() >= OUTPUT_LATENCY);
        if stale && !state.finished {
            let _ = state.send();
        }
    }

    /// Sends whatever is buffered; later writes are dropped.
    fn finish(&self) -> io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.finished = true;
        state.send()
    }
}

/// One thread per worker that sends the current test's buffered output when it has waited
/// too long (see [`Capture`]). It sleeps on a condition variable while no test runs.
struct Flusher {
    shared: Arc<(Mutex<FlusherSlot>, Condvar)>,
}

#[derive(Default)]
struct FlusherSlot {
    current: Option<Capture>,
    shutdown: bool,
}

impl Flusher {
    fn start() -> Flusher {
        let shared: Arc<(Mutex<FlusherSlot>, Condvar)> = Arc::default();
        let thread_shared = shared.clone();
        // Without the flusher, buffered output still goes out with the next write or at the
        // end of the test; only output just before a hang or crash could be lost.
        let _ = std::thread::Builder::new()
            .name("holo-output".to_string())
            .spawn(move || {
                let (lock, wake) = &*thread_shared;
                let mut slot = lock.lock().unwrap_or_else(|e| e.into_inner());
                while !slot.shutdown {
                    slot = match &slot.current {
                        None => wake.wait(slot).unwrap_or_else(|e| e.into_inner()),
                        Some(_) => {
                            let (mut slot, _) = wake
                                .wait_timeout(slot, OUTPUT_LATENCY)
                                .unwrap_or_else(|e| e.into_inner());
                            if let Some(capture) = slot.current.clone() {
                                // Not holding the slot while sending: a slow pipe must not
                                // hold up the next test's start.
                                drop(slot);
                                capture.flush_stale();
                                slot = lock.lock().unwrap_or_else(|e| e.into_inner());
                            }
                            slot
                        }
                    };
                }
            });
        Flusher { shared }
    }

    /// Makes `capture` the one to watch (`None`: no test is running).
    fn watch(&self, capture: Option<Capture>) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).current = capture;
        wake.notify_one();
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).shutdown = true;
        wake.notify_one();
    }
}

impl CaptureState {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() || self.broken {
            return Ok(());
        }
        self.last_sent = Some(Instant::now());
        let message = Response::Output {
            job: self.job,
            bytes: std::mem::take(&mut self.buf),
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let result = write_frame(&mut *out, &message);
        if result.is_err() {
            self.broken = true;
        }
        result
    }
}

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.broken || state.finished {
            return Ok(bytes.len());
        }
        state.buf.extend_from_slice(bytes);
        let quiet = state
            .last_sent
            .is_none_or(|t| t.elapsed() >= OUTPUT_LATENCY);
        if quiet || state.buf.len() >= OUTPUT_CHUNK {
            // A failed send is not the test's failure: the worker notices at its next frame.
            let _ = state.send();
        }
        Ok(bytes.len())
    }

    /// Deliberately cheap: the runtime may flush after every line, and a frame per line would
    /// make output-heavy tests slow. Output goes out as described on [`Capture`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The whole life of a worker process: serve requests on stdin and stdout until `holo` closes
/// the pipe (or goes away), running everything on the execution stack. An error (a broken
/// pipe, an undecodable request) is for the caller to write to stderr, where `holo` picks it up
/// to explain the worker's death, and to exit with a failure status.
pub fn worker_main<E: Engine + 'static>() -> Result<(), String> {
    exit_with_parent();
    ignore_interrupts();
    on_execution_stack(|| {
        let input = std::io::BufReader::with_capacity(1 << 16, std::io::stdin());
        serve::<E>(input, std::io::stdout())
    })
    .and_then(|r| r)
}

/// Runs `body` on a thread with an [`EXECUTION_STACK`]-sized stack and returns its result; a
/// panic in `body` becomes an error message.
pub fn on_execution_stack<T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let handle = std::thread::Builder::new()
        .name("holo-exec".to_string())
        .stack_size(EXECUTION_STACK)
        .spawn(body)
        .map_err(|e| format!("cannot start the thread that runs holo code: {e}"))?;
    handle.join().map_err(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic without a message");
        format!("the worker panicked: {what}")
    })
}

/// Ends this process when the process that started it goes away. A worker stuck in a test that
/// loops forever never reads its stdin again, so it would not notice `holo` exiting (or being
/// killed) by itself; this thread does, and the worker never outlives `holo`.
pub fn exit_with_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        let spawned = std::thread::Builder::new()
            .name("holo-parent-watch".to_string())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    if std::os::unix::process::parent_id() != parent {
                        std::process::exit(1);
                    }
                }
            });
        // Without the watch a worker can outlive holo only if holo dies mid-test; running
        // without it is better than not running at all.
        let _ = spawned;
    }
}

/// Ctrl+C in a terminal reaches every process of the foreground group, workers too. A worker
/// killed by it would report its test as crashed; instead `holo` alone decides: it stops the
/// run, keeps the results of the tests that finished and stops the workers.
fn ignore_interrupts() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" installs no handler code.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::protocol::read_frame;

    /// An engine whose "program" is a list of test behaviours, one byte per function.
    struct Fake {
        tests: Vec<u8>,
        compiled: Vec<bool>,
    }

    impl Engine for Fake {
        fn load(program: &[u8], _options: &LoadOptions) -> Result<Self, String> {
            if program.is_empty() {
                return Err("the program is empty".into());
            }
            Ok(Fake {
                tests: program.to_vec(),
                compiled: vec![false; program.len()],
            })
        }

        fn function_count(&self) -> u32 {
            self.tests.len() as u32
        }

        fn compile(&mut self, roots: Option<&[u32]>) -> Result<u32, String> {
            let all: Vec<u32> = (0..self.function_count()).collect();
            let mut n = 0;
            for &f in roots.unwrap_or(&all) {
                let slot = self
                    .compiled
                    .get_mut(f as usize)
                    .ok_or_else(|| format!("no function {f}"))?;
                n += u32::from(!*slot);
                *slot = true;
            }
            Ok(n)
        }

        fn patch(&mut self, _patch: crate::live::ProgramPatch) -> Result<u32, String> {
            Err("the fake engine cannot be patched".to_string())
        }

        fn run_test(
            &mut self,
            func: u32,
            mut stdout: Box<dyn Write + Send>,
        ) -> Result<(), Failure> {
            match self.tests[func as usize] {
                b'p' => Ok(()),
                b'o' => {
                    for i in 0..20_000 {
                        writeln!(stdout, "line {i}").unwrap();
                    }
                    Ok(())
                }
                _ => {
                    write!(stdout, "about to fail").unwrap();
                    Err(Failure::message("assertion failed"))
                }
            }
        }
    }

    fn exchange(requests: &[Request]) -> Vec<Response> {
        let mut input = Vec::new();
        for r in requests {
            write_frame(&mut input, r).unwrap();
        }
        let output = Arc::new(Mutex::new(Vec::new()));
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        serve::<Fake>(&input[..], Sink(output.clone())).unwrap();
        let bytes = output.lock().unwrap().clone();
        let mut reader = &bytes[..];
        let mut out = Vec::new();
        while let Some(r) = read_frame::<Response>(&mut reader).unwrap() {
            out.push(r);
        }
        out
    }

    #[test]
    fn a_session_loads_compiles_and_runs() {
        let responses = exchange(&[
            Request::RunTest { job: 0, func: 0 },
            Request::Load {
                program: b"pfo".to_vec(),
                options: LoadOptions::default(),
            },
            Request::RunTest { job: 1, func: 0 },
            Request::RunTest { job: 2, func: 1 },
            Request::Compile { roots: None },
        ]);
        assert_eq!(
            responses[0],
            Response::Hello {
                protocol: PROTOCOL_VERSION
            }
        );
        assert!(
            matches!(&responses[1], Response::Error { message } if message.contains("no program"))
        );
        assert_eq!(responses[2], Response::Loaded { functions: 3 });
        assert_eq!(responses[3], Response::Started { job: 1 });
        assert!(matches!(
            responses[4],
            Response::Finished {
                job: 1,
                failure: None,
                ..
            }
        ));
        assert_eq!(responses[5], Response::Started { job: 2 });
        assert_eq!(
            responses[6],
            Response::Output {
                job: 2,
                bytes: b"about to fail".to_vec()
            }
        );
        assert!(
            matches!(&responses[7], Response::Finished { job: 2, failure: Some(f), .. } if f.message == "assertion failed")
        );
        // Functions 0 and 1 were compiled for the tests; only 2 is left.
        assert!(matches!(
            responses[8],
            Response::Compiled { functions: 1, .. }
        ));
    }

    #[test]
    fn big_output_arrives_whole_and_in_order() {
        let responses = exchange(&[
            Request::Load {
                program: b"o".to_vec(),
                options: LoadOptions::default(),
            },
            Request::RunTest { job: 9, func: 0 },
        ]);
        let mut printed = Vec::new();
        let mut chunks = 0;
        for r in &responses {
            if let Response::Output { job: 9, bytes } = r {
                printed.extend_from_slice(bytes);
                chunks += 1;
            }
        }
        let expected: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(String::from_utf8(printed).unwrap(), expected);
        assert!(chunks > 1, "expected several chunks, got {chunks}");
    }

    #[test]
    fn a_bad_program_is_an_error_and_the_worker_stays() {
        let responses = exchange(&[
            Request::Load {
                program: vec![],
                options: LoadOptions::default(),
            },
            Request::Load {
                program: b"p".to_vec(),
                options: LoadOptions::default(),
            },
        ]);
        assert!(
            matches!(&responses[1], Response::Error { message } if message == "the program is empty")
        );
        assert_eq!(responses[2], Response::Loaded { functions: 1 });
    }

    #[test]
    fn a_compile_error_fails_the_test() {
        let responses = exchange(&[
            Request::Load {
                program: b"p".to_vec(),
                options: LoadOptions::default(),
            },
            Request::RunTest { job: 3, func: 5 },
        ]);
        assert!(
            matches!(&responses[2], Response::Finished { job: 3, failure: Some(f), .. } if f.message.contains("could not be compiled: no function 5"))
        );
    }
}
