//! End-to-end tests of the `holo` binary: each test runs the real program in a temporary
//! folder (see the `holo_tests` support library) and checks its output, exit code and files.

mod affected;
mod affected_differential;
mod cache;
mod check;
mod consistency;
mod daemon;
mod help;
mod init;
mod live;
mod lsp;
mod mcp;
mod new;
mod packages;
mod packages_client;
mod packages_compile;
mod registry;
mod run;
mod test;
mod watch;
