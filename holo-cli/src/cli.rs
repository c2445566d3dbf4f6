//! The command-line interface, declared with clap's derive API.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
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
    /// Check the package and compile every function to native code.
    Build(BuildArgs),
    /// Run the package's `main` function.
    Run(RunArgs),
    /// Run the package's tests.
    Test(TestArgs),
    /// Add a dependency to holo.toml, resolve it and write holo.lock.
    Add(AddArgs),
    /// Remove a dependency from holo.toml and holo.lock.
    Remove(RemoveArgs),
    /// Move locked dependencies to the newest versions the requirements allow.
    Update(UpdateArgs),
    /// Show the dependency graph as holo.lock has it.
    Tree(TreeArgs),
    /// Store a registry token (read from standard input) for `publish` and `yank`.
    Login(LoginArgs),
    /// Check, test, pack and upload the package to a registry.
    Publish(PublishArgs),
    /// Mark a published version as yanked (new resolutions skip it), or undo that.
    Yank(YankArgs),
    /// Show or trim the shared cache of results that every package reuses.
    Cache(CacheArgs),
    /// Remove what holo wrote under the package's `target/` folder (recorded test results and
    /// the test-to-code map).
    Clean(CleanArgs),
    /// Start, stop or look at the project's daemon, which keeps the package checked in memory
    /// and answers `check`, `build`, `run` and `test` from that warm state.
    Daemon(DaemonCommandArgs),
    /// The daemon in the foreground: watch the package, show diagnostics and the affected
    /// tests' results after every save, and answer other holo commands meanwhile.
    Dev(DevArgs),
    /// Serve the package to coding agents: a Model Context Protocol server on stdin and stdout
    /// with the tools `check`, `test` and `run`.
    Mcp(McpArgs),
    /// Run a package registry (`serve`), or make a token for publishing to one (`token`).
    Registry(RegistryArgs),
    /// The language server, on stdin and stdout, for editors: diagnostics as you type, the
    /// affected tests on save, code lenses with each test's state. It serves the package of
    /// the editor's folder and shares its warm state with commands typed in a terminal (see
    /// the book's "Editors" chapter).
    Lsp,
    /// Internal: the daemon's own process (`holo daemon start` starts it).
    #[command(name = "__daemon", hide = true)]
    DaemonServe(DaemonServeArgs),
    /// Internal: serve test and build requests from `holo` on stdin and stdout.
    #[command(name = "__worker", hide = true)]
    Worker,
    /// Internal: run the program `holo run` sends on file descriptor 3, with ARGS.
    #[command(name = "__run", hide = true)]
    RunChild(RunChildArgs),
}

/// How a command that reads dependencies may change `holo.lock` and use the network.
#[derive(Clone, Debug, Default, Args)]
pub struct DepsArgs {
    /// Fail instead of changing holo.lock when it does not match holo.toml.
    #[arg(long)]
    pub locked: bool,
    /// Use only the local caches: no index or package is downloaded.
    #[arg(long)]
    pub offline: bool,
    /// The registry for dependencies that name none [default: HOLO_REGISTRY, else `registry` in
    /// `$HOLO_HOME/config.toml`].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
}

/// How a command may use the project's daemon.
#[derive(Clone, Debug, Default, Args)]
pub struct DaemonArgs {
    /// Compute the answer in this process even when a daemon runs for the package.
    #[arg(long)]
    pub no_daemon: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "A running daemon answers `holo check`, `build`, `run` and `test` in this package \
                  (their JSON summary says \"served_by\":\"daemon\"); `--no-daemon` bypasses it. \
                  With HOLO_DAEMON=auto (or `[dev] daemon = \"auto\"` in holo.toml), those \
                  commands start one when none runs. It stops by itself after `--idle-timeout` \
                  (or HOLO_DAEMON_IDLE_TIMEOUT, or `[dev] idle-timeout`; default 3 hours) without \
                  requests."
)]
pub struct DaemonCommandArgs {
    #[command(subcommand)]
    pub command: DaemonCommand,
}

#[derive(Debug, Subcommand)]
pub enum DaemonCommand {
    /// Start the daemon in the background; returns once it answers.
    Start(DaemonStartArgs),
    /// Stop the daemon (nothing to do when none runs).
    Stop(DaemonCommonArgs),
    /// Say whether a daemon runs, since when, how many requests it served and its memory.
    Status(DaemonCommonArgs),
}

#[derive(Debug, Args)]
pub struct DaemonCommonArgs {
    /// How to report: human-readable text, or one JSON object on stdout.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DaemonStartArgs {
    #[command(flatten)]
    pub common: DaemonCommonArgs,
    /// Stop after this many seconds without a request [default: HOLO_DAEMON_IDLE_TIMEOUT,
    /// else `[dev] idle-timeout` of holo.toml, else 10800].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<std::time::Duration>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Speaks MCP (JSON-RPC 2.0, one message per line, protocol 2025-06-18) on stdin and \
                  stdout; nothing else is written to stdout. Configure an agent to start `holo mcp` \
                  in the package's folder (see the book's \"Coding agents\" chapter). The answers \
                  come from the project's daemon when one runs; otherwise this process serves the \
                  package itself, as the daemon would (terminal commands reuse it), until it \
                  ends. Every call first applies what was saved on disk before it."
)]
pub struct McpArgs {
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// How to report diagnostics and test results.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Also run the program, following the code as `holo run --watch` does: each save patches
    /// it (or restarts it with its inputs replayed) before the affected tests run.
    #[arg(long)]
    pub run: bool,
    /// Arguments for the program with `--run`, after `--`.
    #[arg(last = true, value_name = "ARGS", requires = "run")]
    pub args: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct DaemonServeArgs {
    /// The package's `holo.toml`.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Stop after this many seconds without a request.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<std::time::Duration>,
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
    #[command(flatten)]
    pub daemon: DaemonArgs,
    #[command(flatten)]
    pub deps: DepsArgs,
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

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// How to report diagnostics.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// How to report diagnostics (the program's own output is not affected).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The most memory the program's values may take, like `512MiB` or `2GB`; a program that
    /// needs more stops with an `out of memory` runtime error [default: `[run] memory` of
    /// holo.toml, else half of the machine's memory].
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub memory: Option<u64>,
    /// Keep the program running and follow the code: every save patches the changed
    /// functions into it, or restarts it with its inputs replayed (see the book's "Live
    /// programs").
    #[arg(long, conflicts_with = "replay")]
    pub watch: bool,
    /// Run the last session recorded by `holo run --watch` again, its inputs replayed against
    /// the current code, and report where the output first differs from the recorded run.
    #[arg(long)]
    pub replay: bool,
    /// Arguments for the program, after `--`: `holo run -- input.txt --verbose`. The program
    /// reads them with `args()`.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// Run only the tests whose name contains FILTER (`geometry::` runs one module's tests).
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
    /// With FILTER: run only the test whose name is exactly FILTER.
    #[arg(long, requires = "filter")]
    pub exact: bool,
    /// Stop a test that runs longer than SECONDS and report it as timed out [default: the
    /// `[test] timeout` of `holo.toml`, else 10].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<std::time::Duration>,
    /// Run N tests at a time, each in its own worker process [default: the number of CPUs].
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Show what every test printed, not only what failing tests printed.
    #[arg(long)]
    pub nocapture: bool,
    /// Run only the tests that can observe a change since their recorded result; report the
    /// others from the record as `cached` (a recorded failure still fails the run).
    #[arg(long)]
    pub affected: bool,
    /// Say for each test why it ran or why its recorded result was used.
    #[arg(long)]
    pub explain: bool,
    /// Keep running: after every save, check and run the affected tests, until Ctrl+C.
    #[arg(long, short)]
    pub watch: bool,
    /// How to report diagnostics and test results.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The package to add, with an optional version requirement: `mathx`, `mathx@0.2`,
    /// `mathx@^1.2`. Without one, the newest version (not yanked) with a caret requirement.
    #[arg(value_name = "NAME[@REQ]")]
    pub spec: String,
    /// Add a package from a folder instead of a registry.
    #[arg(long, value_name = "DIR", conflicts_with = "offline")]
    pub path: Option<PathBuf>,
    /// How to report: status lines, or one JSON object per change of the lock on stdout
    /// (`{"type":"lock","name","from","to"}`, `from`/`to` null when added/removed).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The dependency to remove.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// How to report: status lines, or one JSON object per change of the lock on stdout
    /// (`{"type":"lock","name","from","to"}`, `from`/`to` null when added/removed).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Update only these packages (and what they need); by default every dependency.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// How to report: status lines, or one JSON object per change of the lock on stdout
    /// (`{"type":"lock","name","from","to"}`, `from`/`to` null when added/removed).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    #[command(flatten)]
    pub deps: DepsArgs,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    #[command(flatten)]
    pub deps: DepsArgs,
    /// How to report: the tree as text, or one JSON object per package on stdout
    /// (`{"type":"package","name","version","source","checksum","dependencies"}`, the package
    /// itself first with `"root":true`).
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The registry the token is for [default: HOLO_REGISTRY, else `registry` in
    /// `$HOLO_HOME/config.toml`].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The token comes from HOLO_REGISTRY_TOKEN, else from `holo login`. Before \
                  uploading, `holo publish` runs the package's tests (which check it first)."
)]
pub struct PublishArgs {
    /// Pack and check the package, write the archive under `target/package/` and list its
    /// files, without uploading.
    #[arg(long)]
    pub dry_run: bool,
    /// The registry to publish to [default: HOLO_REGISTRY, else `registry` in
    /// `$HOLO_HOME/config.toml`].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct YankArgs {
    /// The version to yank: `mathx@0.1.2`.
    #[arg(value_name = "NAME@VERSION")]
    pub spec: String,
    /// Unyank it: new resolutions may choose it again.
    #[arg(long)]
    pub undo: bool,
    /// The registry [default: HOLO_REGISTRY, else `registry` in `$HOLO_HOME/config.toml`].
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The shared cache is `$HOLO_HOME/cache` (HOLO_HOME defaults to `~/.holo`). It holds \
                  results keyed by what they were computed from, so every package and every later \
                  command can reuse them."
)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Show the shared cache's size, the package's recorded test state, and how many lookups
    /// the last command answered from the cache.
    Stats(CacheStatsArgs),
    /// Remove cached results not used recently (and the least recently used ones beyond a size
    /// limit), then give the space back to the file system.
    Gc(CacheGcArgs),
}

#[derive(Debug, Args)]
pub struct CacheStatsArgs {
    /// How to report: human-readable text, or one JSON object on stdout.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// The package whose state to show; by default the `holo.toml` in the current folder or
    /// its parents, if there is one.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CacheGcArgs {
    /// Remove results not used for more than DAYS days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub max_age: u32,
    /// Then remove the least recently used results until the rest take at most SIZE: a number
    /// of bytes, or with a unit: `500MB`, `2GB`, `1.5GiB` (KB, MB, GB are powers of 1000; KiB,
    /// MiB, GiB powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// How to report: human-readable text, or one JSON object on stdout.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

#[derive(Debug, Args)]
#[command(
    after_help = "A registry is a folder: `DIR/index` and `DIR/archives` are static files (serve \
                  them with any HTTP server if you like), `DIR/private` holds the sha256 of each \
                  token and the owner of each package and is never served. `holo registry serve` \
                  accepts publishes and yanks and serves the static files too. See the book's \
                  chapter \"Running a registry\"."
)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Serve the registry in DIR over HTTP: its index and archives, and the publish and yank
    /// API. Logs where it listens and each request to stderr.
    Serve(RegistryServeArgs),
    /// Create a token for the registry in DIR and print it once on stdout; only its sha256 is
    /// stored.
    Token(RegistryTokenArgs),
}

#[derive(Debug, Args)]
pub struct RegistryServeArgs {
    /// The registry's folder; created if it does not exist.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Where to listen, as IP:PORT; port 0 picks a free port (the log says which).
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:7878")]
    pub addr: String,
    /// The URL clients reach this server at (behind a proxy, say), written into
    /// `index/config.json` as `api`. Default: `http://` and the address listened on.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Where clients download archives from, written into `index/config.json` as `dl`: the
    /// base URL under which archives are `NAME/NAME-VERSION.tar.gz`, e.g. a static server's
    /// `http://static.example/archives`. Default: this server's `URL/archives`.
    #[arg(long, value_name = "URL")]
    pub dl: Option<String>,
    /// The most publishes and yanks one token may make per minute.
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub writes_per_minute: u32,
}

#[derive(Debug, Args)]
pub struct RegistryTokenArgs {
    /// The registry's folder.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// What the token may do, comma-separated: `publish-new` (publish a name nobody owns yet),
    /// `publish-update` (new versions of the owner's packages), `yank` (yank and unyank them).
    #[arg(long, value_name = "SCOPES", value_delimiter = ',', required = true)]
    pub scopes: Vec<String>,
    /// Restrict the token to this one package.
    #[arg(long, value_name = "NAME")]
    pub package: Option<String>,
    /// Who publishes with the token. The first publisher of a name owns it; every token of the
    /// same owner may publish updates to it, tokens of other owners may not.
    #[arg(long, value_name = "OWNER", default_value = "default")]
    pub owner: String,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The package's `holo.toml`; by default it is searched for in the current folder and its
    /// parents.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// How to report: human-readable text, or one JSON object on stdout.
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

#[derive(Debug, Args)]
pub struct RunChildArgs {
    /// The most bytes the program's values may take.
    #[arg(long, value_name = "BYTES")]
    pub memory: Option<u64>,
    /// Report a runtime error as a JSON event on stdout rather than as text on stderr.
    #[arg(long)]
    pub json: bool,
    /// Run for `holo run --watch`: talk to holo on file descriptors 3 and 4 (patches, the
    /// inputs to replay and record), which reports what happens.
    #[arg(long)]
    pub live: bool,
    /// The program's arguments, after `--`.
    #[arg(last = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

/// `--timeout`, `--idle-timeout`: a positive number of seconds, at most a day. Zero is refused
/// with its own message: "between 0 and 86400" read as if 0 were allowed.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(std::time::Duration::from_secs_f64(s)),
        Ok(s) if s <= 0.0 => Err(format!(
            "`{text}` seconds is not a time limit: it must be more than 0; give a number of \
             seconds like `10` or `2.5`"
        )),
        Ok(_) => Err(format!(
            "`{text}` seconds is more than a day; give at most 86400 seconds"
        )),
        Err(_) => Err(format!(
            "`{text}` is not a number of seconds; give one like `10` or `2.5` (more than 0, at \
             most 86400)"
        )),
    }
}

/// `--memory`: a size of at least 1 MiB (less cannot hold a program's values).
fn parse_memory(text: &str) -> Result<u64, String> {
    match crate::ops::cache::parse_size(text) {
        Some(bytes) if bytes >= 1 << 20 => Ok(bytes),
        Some(_) => Err(format!(
            "`{text}` is too little memory to run a program; give at least 1 MiB, like `512MiB` or `2GB`"
        )),
        None => Err(format!(
            "`{text}` is not a size: give a number with a unit, like `512MiB`, `2GB` or `1.5GiB`"
        )),
    }
}

/// `--max-size`: bytes, with an optional decimal (`KB`, `MB`, …) or binary (`KiB`, `MiB`, …)
/// unit.
fn parse_size(text: &str) -> Result<u64, String> {
    crate::ops::cache::parse_size(text).ok_or_else(|| {
        format!(
            "`{text}` is not a size: give a number of bytes, or a number with a unit such as \
             `500MB`, `2GB` or `1.5GiB`"
        )
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered diagnostics and status lines on stderr (test results on stdout).
    Human,
    /// One JSON object per line on stdout: diagnostics, errors, test results, then a summary.
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
