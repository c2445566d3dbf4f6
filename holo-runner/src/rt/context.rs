//! [`RunContext`]: everything a running holo program talks to outside its own memory.
//!
//! Output, input, arguments, the clock and random numbers all go through here, so that a caller
//! can capture output (tests), feed input, and — in a later stage — record and replay the
//! program's inputs.

use super::record::{InputEvent, Journal, Want};
use holo_compiler::ir::Program;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex, RwLock};

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
    /// Records every input the program takes, after replaying a recording (`holo run
    /// --watch`); `None`: inputs are taken as they come, unrecorded.
    pub journal: Option<Journal>,
    /// The program as patched while it runs (`holo run --watch`), for the positions of a
    /// runtime error in patched code; `None`: the program the run started with.
    pub live_program: Option<Arc<RwLock<Program>>>,
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
            journal: None,
            live_program: None,
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
            journal: None,
            live_program: None,
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

/// The inputs a program takes: each comes from the journal's recording while it replays, else
/// from the world (and is recorded when there is a journal).
impl RunContext {
    pub fn with_journal(mut self, journal: Journal) -> RunContext {
        self.journal = Some(journal);
        self
    }

    /// The next line of input without its line break; `None` at the end (or on a read error).
    pub fn next_line(&mut self) -> Option<String> {
        if let Some(journal) = &mut self.journal {
            match journal.next(Want::Line) {
                Some(InputEvent::Line(line)) => return Some(line),
                Some(_) => return None,
                None => journal.waiting(),
            }
        }
        let mut buf = Vec::new();
        let line = match self.stdin.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
        };
        if let Some(journal) = &mut self.journal {
            journal.record(match &line {
                Some(line) => InputEvent::Line(line.clone()),
                None => InputEvent::Eof,
            });
        }
        line
    }

    /// Whether input has ended (waits for input to know).
    pub fn at_eof(&mut self) -> bool {
        if let Some(journal) = &mut self.journal {
            match journal.next(Want::AtEof) {
                Some(InputEvent::AtEof(at)) => return at,
                Some(_) => return true,
                None => journal.waiting(),
            }
        }
        let at = match self.stdin.fill_buf() {
            Ok(buf) => buf.is_empty(),
            Err(_) => true,
        };
        if let Some(journal) = &mut self.journal {
            journal.record(InputEvent::AtEof(at));
        }
        at
    }

    /// The program's arguments.
    pub fn program_args(&mut self) -> Vec<String> {
        if let Some(journal) = &mut self.journal {
            if let Some(InputEvent::Args(args)) = journal.next(Want::Args) {
                return args;
            }
            journal.record(InputEvent::Args(self.args.clone()));
        }
        self.args.clone()
    }

    /// Milliseconds since the Unix epoch.
    pub fn clock_ms(&mut self) -> i64 {
        if let Some(journal) = &mut self.journal {
            if let Some(InputEvent::Clock(t)) = journal.next(Want::Clock) {
                return t;
            }
            let t = (self.clock)();
            journal.record(InputEvent::Clock(t));
            return t;
        }
        (self.clock)()
    }

    /// 64 random bits.
    pub fn random_bits(&mut self) -> u64 {
        if let Some(journal) = &mut self.journal {
            if let Some(InputEvent::Random(bits)) = journal.next(Want::Random) {
                return bits;
            }
            let bits = (self.random)();
            journal.record(InputEvent::Random(bits));
            return bits;
        }
        (self.random)()
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
