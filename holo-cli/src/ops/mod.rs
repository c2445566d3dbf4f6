//! The operations behind the commands. Each takes plain options and the shell, and returns the
//! exit code or a [`crate::error::CliError`]; none of them parses arguments.

pub mod check;
pub mod package;
pub mod session;
pub mod watch;
