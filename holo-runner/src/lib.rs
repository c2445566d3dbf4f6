//! The holo runtime: the semantics that compiled holo code calls into (number formatting, checked
//! integer arithmetic, runtime errors). Native code generation with cranelift-jit, the test runner
//! and hot reload build on this in the next stages.

pub mod arith;
pub mod error;
pub mod format;

pub use error::{RuntimeError, RuntimeErrorKind};
