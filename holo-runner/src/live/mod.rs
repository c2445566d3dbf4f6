//! Changing a loaded program while its process lives: the same mechanism serves warm test
//! workers (patched between tests) and, next, a running program (patched between calls).
//!
//! [`slots::SlotTable`] gives every function a dispatch-table slot by its stable key, for the
//! life of a worker, so that a new version of the program maps onto the code already compiled;
//! [`ProgramPatch`] is what changes from one version to the next, applied by
//! [`crate::jit::Jit::patch`].

pub mod child;
pub mod plan;
pub mod running;
pub mod slots;

use holo_compiler::ir::{EnumLayout, FuncIndex, Function, StructLayout, TestEntry};
use serde::{Deserialize, Serialize};

/// The difference between the program a worker holds and the next version, in slot numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramPatch {
    /// Functions whose code changed or that are new, by slot (a new slot is the next one
    /// after the last), with their links in slot numbers.
    pub functions: Vec<(FuncIndex, Function)>,
    /// The layouts of the new version: a patch applies only where they equal the worker's (a
    /// changed layout could meet live values of the old one).
    pub structs: Vec<StructLayout>,
    pub enums: Vec<EnumLayout>,
    /// The new version's tests and `main`, in slot numbers.
    pub tests: Vec<TestEntry>,
    pub main: Option<FuncIndex>,
}
