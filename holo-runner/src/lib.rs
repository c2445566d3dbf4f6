//! The holo runtime and native execution: lowering output (`holo_compiler::ir`) is compiled to
//! machine code with cranelift-jit ([`jit`]) and runs against the runtime ([`rt`]): reference-
//! counted values, built-in functions, printing, input, and runtime errors with stack traces.

pub mod arith;
pub mod error;
pub mod exec;
pub mod format;
pub mod impact;
pub mod jit;
pub mod live;
pub mod rt;

pub use error::{Frame, RuntimeError, RuntimeErrorKind};
pub use jit::{CompileStats, Jit, JitError};
pub use rt::{CapturedOutput, RunContext};
