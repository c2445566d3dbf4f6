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
    /// A built-in operation given a value it cannot handle (`"x".parse_i64()`, `[].pop()`).
    InvalidOperation(String),
}

/// A runtime error with where it happened (`file:line:column` of the failing expression) and the
/// stack of holo functions, innermost first, each with its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeError {
    pub kind: RuntimeErrorKind,
    pub location: Option<String>,
    pub stack: Vec<(String, u32)>,
}

impl RuntimeError {
    pub fn new(kind: RuntimeErrorKind) -> RuntimeError {
        RuntimeError {
            kind,
            location: None,
            stack: Vec::new(),
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
            RuntimeErrorKind::StackOverflow => f.write_str("stack overflow"),
            RuntimeErrorKind::InvalidOperation(msg) => f.write_str(msg),
        }
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {loc}")?;
        }
        for (func, line) in &self.stack {
            write!(f, "\n   at {func} (line {line})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuntimeError {}
