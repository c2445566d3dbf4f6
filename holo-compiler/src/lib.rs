//! The holo compiler front-end: syntax, name resolution, types and diagnostics, as salsa queries.
//!
//! This crate does no IO: source text comes in through [`Vfs`] or [`Compiler::set_file`], and
//! diagnostics go out as values. It knows nothing of the disk cache, the command line, LSP or
//! HTTP; see `ARCHITECTURE.md`.

pub mod ast;
pub mod cache;
pub mod db;
mod deep;
pub mod diagnostic;
pub mod fingerprint;
pub mod ide;
pub mod ids;
pub mod ir;
pub mod lower;
pub mod sema;
pub mod span;
pub mod syntax;
pub mod testmap;
mod vfs;

pub use db::PackageKind;
pub use diagnostic::{Diagnostic, Label, Loc, Severity};
pub use ids::{ItemId, ModulePath};
pub use span::{LineIndex, Span};
pub use vfs::{CheckReport, Compiler, MemoryVfs, Vfs, VfsError, faults};
