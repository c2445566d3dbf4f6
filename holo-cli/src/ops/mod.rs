//! The commands that only the command line has (the shared cache, `clean`): they take plain
//! options and the shell, and return the exit code or a [`crate::error::CliError`].

pub mod cache;
pub mod clean;
