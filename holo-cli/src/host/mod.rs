//! The project host: one package's state and every computation on it (check, build, test,
//! affected test, the compile half of run), producing [`events::Event`]s and never printing.
//! The command line, the daemon and the watch loops are its front-ends. See ARCHITECTURE.md.

pub mod build;
pub mod changes;
pub mod check;
pub mod compile;
pub mod events;
pub mod package;
pub mod project;
pub mod recording;
pub mod results;
pub mod run;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod test;
