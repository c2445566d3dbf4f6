//! The operations behind the commands. Each takes plain options and the shell, and returns the
//! exit code or a [`crate::error::CliError`]; none of them parses arguments.

pub mod build;
pub mod cache;
pub mod check;
pub mod clean;
pub mod compile;
pub mod package;
pub mod results;
pub mod run;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod test;
pub mod watch;
