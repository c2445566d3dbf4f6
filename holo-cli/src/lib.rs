//! The library part of the `holo` binary: the project host (`host`), which owns a package's
//! state and computes every answer as events, and what it needs — the disk `Vfs`, errors and
//! the pure renderers that turn diagnostics into text. **Nothing in this library prints**
//! (checked by `scripts/check-layering.sh`); the binary's front-ends decide what to show.

pub mod error;
pub mod host;
pub mod render;
pub mod vfs;
