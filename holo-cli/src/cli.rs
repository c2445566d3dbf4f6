//! The command-line interface, declared with clap's derive API.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// holo: a statically typed, Rust-like language whose toolchain re-checks your code the moment
/// you save.
#[derive(Debug, Parser)]
#[command(
    name = "holo",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the command name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print less: no status lines, only diagnostics, results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour the output.
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Run as if holo had been started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal that supports it (and `NO_COLOR` is not set).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new package in a new folder.
    New(NewArgs),
    /// Create a new package in the current folder.
    Init(InitArgs),
    /// Parse and type-check the package, reporting every error and warning.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The folder to create; its last component is the package name unless `--name` is given.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Create a library (`src/lib.holo`) instead of a program (`src/main.holo`).
    #[arg(long)]
    pub lib: bool,
    /// The package name, if it should differ from the folder name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Create a library (`src/lib.holo`) instead of a program (`src/main.holo`).
    #[arg(long)]
    pub lib: bool,
    /// The package name, if it should differ from the folder name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// How to report diagnostics.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Keep running: re-check on every change under `src/` and to `holo.toml`, until Ctrl+C.
    #[arg(long, short)]
    pub watch: bool,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered diagnostics and status lines on stderr.
    Human,
    /// One JSON object per line on stdout: diagnostics, errors, then a summary.
    Json,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
