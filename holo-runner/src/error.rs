//! Runtime errors: what ends a holo program or test with a message (exit code 101 for programs).

use std::fmt;

/// The kinds of runtime error of PRODUCT.md §4. Each has a fixed message prefix so that tools and
/// tests can match on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeErrorKind {
    IndexOutOfBounds {
        index: i64,
        len: i64,
    },
    DivisionByZero,
    /// `op` is the operator as written: `+`, `-`, `*`, `/`, `%`, `-` (negation).
    Overflow {
        op: &'static str,
        lhs: i64,
        rhs: Option<i64>,
    },
    AssertionFailed,
    AssertEqFailed {
        left: String,
        right: String,
    },
    Panic(String),
    StackOverflow,
    /// The program's values grew beyond its memory limit (`limit` bytes), or the system had no
    /// memory left for them (`limit` 0).
    OutOfMemory {
        limit: u64,
    },
    /// A built-in operation given a value it cannot handle (`"x".parse_i64()`, `[].pop()`).
    InvalidOperation(String),
    /// `assert(cond, msg)` with a false condition.
    AssertionFailedWith(String),
    /// `exit(code)`: not an error for a program (it ends with that code), but a failure for a
    /// test.
    Exit(i64),
}

/// One holo function on the stack of a runtime error: its name, its file and the line it was
/// at (the failing expression for the innermost frame, the call for the others).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub function: String,
    pub file: String,
    /// Of the call (or, innermost, of the failing expression).
    pub line: u32,
    pub column: u32,
}

/// A runtime error with where it happened (`file:line:column` of the failing expression) and the
/// stack of holo functions, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    pub kind: RuntimeErrorKind,
    pub location: Option<String>,
    pub stack: Vec<Frame>,
    /// Frames left out of `stack` in the middle of a very deep stack (a stack overflow), so that
    /// the report stays readable.
    pub omitted_frames: usize,
}

impl RuntimeError {
    pub fn new(kind: RuntimeErrorKind) -> RuntimeError {
        RuntimeError {
            kind,
            location: None,
            stack: Vec::new(),
            omitted_frames: 0,
        }
    }
}

impl fmt::Display for RuntimeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeErrorKind::IndexOutOfBounds { index, len } => write!(
                f,
                "index out of bounds: the index is {index} but the length is {len}"
            ),
            RuntimeErrorKind::DivisionByZero => f.write_str("division by zero"),
            RuntimeErrorKind::Overflow { op, lhs, rhs } => match rhs {
                Some(rhs) => write!(f, "integer overflow: {lhs} {op} {rhs} does not fit in i64"),
                None => write!(f, "integer overflow: {op}{lhs} does not fit in i64"),
            },
            RuntimeErrorKind::AssertionFailed => f.write_str("assertion failed"),
            RuntimeErrorKind::AssertEqFailed { left, right } => write!(
                f,
                "assertion failed: left == right\n  left: {left}\n right: {right}"
            ),
            RuntimeErrorKind::Panic(msg) => write!(f, "panicked: {msg}"),
            RuntimeErrorKind::StackOverflow => f.write_str(
                "stack overflow: too many nested calls (is there a recursion without an end?)",
            ),
            RuntimeErrorKind::OutOfMemory { limit: 0 } => {
                f.write_str("out of memory: the system could not give the program more memory")
            }
            RuntimeErrorKind::OutOfMemory { limit } => write!(
                f,
                "out of memory: the program's values grew beyond its memory limit of {}",
                crate::exec::testrun::describe_bytes(*limit)
            ),
            RuntimeErrorKind::InvalidOperation(msg) => f.write_str(msg),
            RuntimeErrorKind::AssertionFailedWith(msg) => write!(f, "assertion failed: {msg}"),
            RuntimeErrorKind::Exit(code) => write!(f, "the code called `exit({code})`"),
        }
    }
}

/// The report printed after `error: `:
///
/// ```text
/// index out of bounds: the index is 3 but the length is 2
///   --> src/main.holo:4:13
///    at get (src/main.holo:4)
///    at main (src/main.holo:9)
/// ```
impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {loc}")?;
        }
        for (i, frame) in self.stack.iter().enumerate() {
            write!(
                f,
                "\n   at {} ({}:{})",
                frame.function, frame.file, frame.line
            )?;
            if self.omitted_frames > 0 && i + 1 == self.stack.len() / 2 {
                write!(f, "\n   ... {} more frames ...", self.omitted_frames)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
