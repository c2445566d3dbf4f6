//! [`RunContext`]: everything a running holo program talks to outside its own memory.
//!
//! Output, input, arguments, the clock and random numbers all go through here, so that a caller
//! can capture output (tests), feed input, and — in a later stage — record and replay the
//! program's inputs.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

/// The default stack a run may use before it stops with "stack overflow": room for a few
/// hundred thousand nested calls of typical functions.
pub const DEFAULT_MAX_STACK_BYTES: usize = 64 << 20;

/// The environment of one run of a holo program or test.
pub struct RunContext {
    /// Where `print` and `println` write. Output is buffered during the run and flushed when
    /// the run ends (normally or with a runtime error), when the buffer is full, before input is
    /// read, and — with `line_buffered` — after every line.
    pub stdout: Box<dyn Write + Send>,
    /// Flush after every line written. On for a terminal (a program that prints and then
    /// computes shows its output at once) and for sinks that stream to `holo` (so that what a
    /// test printed before it hangs or crashes is not lost with the worker).
    pub line_buffered: bool,
    /// Where `read_line`, `read_lines` and `stdin_eof` read.
    pub stdin: Box<dyn BufRead + Send>,
    /// What `args()` returns.
    pub args: Vec<String>,
    /// What `clock_ms()` returns: milliseconds since the Unix epoch.
    pub clock: Box<dyn FnMut() -> i64 + Send>,
    /// 64 random bits per call; `random_int` and `random_float` are derived from it.
    pub random: Box<dyn FnMut() -> u64 + Send>,
    /// How much native stack the program may use before the run stops with "stack overflow"
    /// (which bounds the depth of recursion).
    pub max_stack_bytes: usize,
}

impl RunContext {
    /// A context on the process's own standard output and input, the system clock and a
    /// random seed taken from the clock.
    pub fn new() -> RunContext {
        use std::io::IsTerminal;
        RunContext {
            stdout: Box::new(std::io::stdout()),
            line_buffered: std::io::stdout().is_terminal(),
            stdin: Box::new(std::io::BufReader::new(std::io::stdin())),
            args: Vec::new(),
            clock: Box::new(system_clock_ms),
            random: Box::new(seeded_random(system_seed())),
            max_stack_bytes: DEFAULT_MAX_STACK_BYTES,
        }
    }

    /// A context whose output is captured into the returned buffer, with empty input and a
    /// fixed random seed (for tests).
    pub fn captured() -> (RunContext, CapturedOutput) {
        let out = CapturedOutput::default();
        let ctx = RunContext {
            stdout: Box::new(out.clone()),
            line_buffered: false,
            stdin: Box::new(std::io::Cursor::new(Vec::new())),
            args: Vec::new(),
            clock: Box::new(system_clock_ms),
            random: Box::new(seeded_random(0x5eed)),
            max_stack_bytes: DEFAULT_MAX_STACK_BYTES,
        };
        (ctx, out)
    }

    /// Output to `stdout`, flushed after every line (see [`RunContext::line_buffered`]): sinks
    /// given here usually forward output elsewhere as it comes.
    pub fn with_stdout(mut self, stdout: Box<dyn Write + Send>) -> RunContext {
        self.stdout = stdout;
        self.line_buffered = true;
        self
    }

    pub fn with_line_buffering(mut self, line_buffered: bool) -> RunContext {
        self.line_buffered = line_buffered;
        self
    }

    pub fn with_stdin(mut self, stdin: Box<dyn BufRead + Send>) -> RunContext {
        self.stdin = stdin;
        self
    }

    /// Input given as a string (for tests).
    pub fn with_input(self, input: &str) -> RunContext {
        self.with_stdin(Box::new(std::io::Cursor::new(input.as_bytes().to_vec())))
    }

    pub fn with_args(mut self, args: Vec<String>) -> RunContext {
        self.args = args;
        self
    }

    pub fn with_clock(mut self, clock: Box<dyn FnMut() -> i64 + Send>) -> RunContext {
        self.clock = clock;
        self
    }

    pub fn with_random(mut self, random: Box<dyn FnMut() -> u64 + Send>) -> RunContext {
        self.random = random;
        self
    }

    /// Random numbers from a fixed seed (reproducible runs).
    pub fn with_seed(self, seed: u64) -> RunContext {
        self.with_random(Box::new(seeded_random(seed)))
    }

    pub fn with_max_stack_bytes(mut self, bytes: usize) -> RunContext {
        self.max_stack_bytes = bytes;
        self
    }
}

impl Default for RunContext {
    fn default() -> Self {
        RunContext::new()
    }
}

/// Output written by a run, shared with the [`RunContext`] that writes it.
#[derive(Clone, Debug, Default)]
pub struct CapturedOutput(Arc<Mutex<Vec<u8>>>);

impl CapturedOutput {
    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Write for CapturedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn system_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn system_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// splitmix64: small, fast, and good enough for a language's `random_int`.
fn seeded_random(seed: u64) -> impl FnMut() -> u64 + Send {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
