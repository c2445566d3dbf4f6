//! Execution cases as data: every `tests/exec/**/*.holo` file is one program (or one test suite)
//! that the real `holo` binary runs, with its expected exit code, standard output and standard
//! error written in the case as `//=` comments.
//!
//! The case format is documented for case authors in `tests/exec/README.md` (adding a case needs
//! no Rust). In short:
//!
//! - A case is one package. Without `//- file:` markers the whole case is `src/main.holo` (or
//!   `src/lib.holo` after `//- kind: lib`); with markers, each `//- file: PATH` line starts a file
//!   (the same conventions as the language tests of `holo-compiler/tests/lang.rs`).
//! - Inputs: `//= command: run|test`, `//= options: ...` (more arguments for the command),
//!   `//= args:` and `//= stdin:` blocks (one `//| line` per argument or input line),
//!   `//= timeout: SECONDS`.
//! - Expectations: `//= exit: N`, a `//= stdout:` block (exact), `//= stderr-contains: TEXT`
//!   (each in turn, in order), and for `holo test` cases `//= test: NAME OUTCOME [TEXT]`.
//!
//! Every case runs `holo run` (or `holo test --message-format json`) in a fresh package folder
//! with its own `HOLO_HOME`, with a time limit. Beside the case's own expectations, every run must
//! end with an exit code (a `holo` killed by a signal is a crash of the toolchain) and must not
//! show a Rust panic. All failures are collected into one report.
//!
//! Environment: `HOLO_EXEC=substring` runs only the cases whose path contains the substring;
//! `HOLO_EXEC_JOBS=N` runs N cases at a time (default: the number of CPUs); `HOLO_BLESS=1`
//! rewrites the expectations of failing cases to what `holo` does now (keeping the
//! `stderr-contains` patterns that still match). Blessing turns the implementation's behaviour
//! into the test's: review the diff before committing it. `HOLO_EXEC_DIR=path` runs the cases of
//! another folder. `HOLO_BIN=path` tests another `holo` binary (see `holo-tests`).

use holo_compiler::sema::builtins::{BUILTINS, BuiltinId, builtin};
use holo_compiler::sema::{Resolution, infer_body};
use holo_compiler::{Compiler, PackageKind};
use holo_tests::{Sandbox, holo_bin};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long one case may run unless it says otherwise (`//= timeout:`). Generous, because the
/// machine is small and shared and a debug `holo` compiles every case from nothing.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long to wait for `holo`'s output pipes to close after it exited. They stay open only if
/// a process it started outlives it, which is a bug worth reporting rather than waiting for.
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// Blessing refuses to write a `//= stdout:` block longer than this: a case that prints so much
/// should be rewritten to print a summary (a length, a checksum).
const MAX_BLESSED_STDOUT_LINES: usize = 500;

/// How many lines of an unexpected output the report shows.
const REPORT_LINES: usize = 40;

#[test]
fn exec() {
    let root = match std::env::var_os("HOLO_EXEC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/exec"),
    };
    let filter = std::env::var("HOLO_EXEC").unwrap_or_default();
    let bless = std::env::var("HOLO_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");
    let jobs = std::env::var("HOLO_EXEC_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));

    let mut paths = Vec::new();
    collect_cases(&root, &mut paths);
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no cases found under {}; the execution cases live in `*.holo` files there",
        root.display()
    );
    let selected: Vec<(String, PathBuf)> = paths
        .into_iter()
        .map(|path| (relative(&root, &path), path))
        .filter(|(rel, _)| rel.contains(&filter))
        .collect();
    assert!(
        !selected.is_empty(),
        "HOLO_EXEC={filter:?} matches no case under {}",
        root.display()
    );

    // Build (or find) the binary once, before the workers race for it.
    let bin = holo_bin();

    let results: Vec<Mutex<Option<CaseResult>>> =
        selected.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(selected.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, path)) = selected.get(i) else {
                        break;
                    };
                    let result = run_path(bin, path);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });

    let mut report = String::new();
    let mut failed: Vec<&str> = Vec::new();
    let mut blessed: Vec<&str> = Vec::new();
    let mut used_builtins: BTreeSet<BuiltinId> = BTreeSet::new();
    for ((rel, path), result) in selected.iter().zip(results) {
        let result = result
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(CaseResult::Broken("the case was never run".to_string()));
        match result {
            CaseResult::Broken(why) => {
                let _ = writeln!(report, "FAIL {rel}\n    {why}\n");
                failed.push(rel);
            }
            CaseResult::Ran {
                case,
                actual,
                problems,
                builtins,
            } => {
                used_builtins.extend(builtins);
                if problems.is_empty() {
                    continue;
                }
                if bless && !actual.crashed() {
                    match bless_case(&case, &actual).and_then(|text| {
                        std::fs::write(path, text)
                            .map_err(|e| format!("cannot write the blessed case: {e}"))
                    }) {
                        Ok(()) => {
                            blessed.push(rel);
                            continue;
                        }
                        Err(e) => {
                            let _ = writeln!(report, "FAIL {rel}\n    cannot bless: {e}");
                        }
                    }
                } else {
                    let _ = writeln!(report, "FAIL {rel}");
                }
                report.push_str(&describe(&case, &actual, &problems));
                report.push('\n');
                failed.push(rel);
            }
        }
    }

    if filter.is_empty() {
        // The suite must run every built-in function and method at least once.
        let unused: Vec<String> = BUILTINS
            .iter()
            .filter(|b| !used_builtins.contains(&b.id))
            .map(|b| builtin_display(b.id))
            .collect();
        if !unused.is_empty() {
            let _ = writeln!(
                report,
                "FAIL (coverage)\n    no case calls these built-ins of `sema/builtins.rs`: {}; add a case that runs each\n",
                unused.join(", ")
            );
            failed.push("(coverage of built-ins)");
        }
    }

    if !blessed.is_empty() {
        println!(
            "HOLO_BLESS: rewrote the expectations of {} case(s) under {}; review the diff before committing:",
            blessed.len(),
            root.display()
        );
        for rel in &blessed {
            println!("    {rel}");
        }
    }
    if !failed.is_empty() {
        println!("{report}");
        println!(
            "{} of {} execution cases failed:",
            failed.len(),
            selected.len()
        );
        for rel in &failed {
            println!("    {rel}");
        }
        panic!(
            "{} of {} execution cases failed (report above). Fix the implementation or the case; \
             `HOLO_BLESS=1` rewrites the expectations to what holo does now, which you must then review.",
            failed.len(),
            selected.len()
        );
    }
}

fn collect_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("cannot list {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "holo") {
            out.push(path);
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

enum CaseResult {
    /// The case could not be read, parsed or started.
    Broken(String),
    Ran {
        case: Box<Case>,
        actual: Actual,
        /// What did not match; empty when the case passed.
        problems: Vec<String>,
        /// The built-ins the case's source calls (for the coverage check).
        builtins: BTreeSet<BuiltinId>,
    },
}

fn run_path(bin: &Path, path: &Path) -> CaseResult {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return CaseResult::Broken(format!("cannot read the case: {e}")),
    };
    let case = match Case::parse(&text) {
        Ok(case) => case,
        Err(e) => return CaseResult::Broken(format!("malformed case: {e}")),
    };
    let actual = match run_case(bin, &case) {
        Ok(actual) => actual,
        Err(e) => return CaseResult::Broken(e),
    };
    let mut problems = compare(&case, &actual);
    // The in-process checker must not take the whole run down with it.
    let builtins = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builtins_called(&case)
    })) {
        Ok(builtins) => builtins,
        Err(_) => {
            problems.push(
                "the compiler panicked when the harness checked the case in-process (to list the built-ins it calls)"
                    .to_string(),
            );
            BTreeSet::new()
        }
    };
    CaseResult::Ran {
        case: Box::new(case),
        actual,
        problems,
        builtins,
    }
}

// ---------------------------------------------------------------------------------------------
// Case files
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `holo run`: the program's exit code, stdout and stderr.
    Run,
    /// `holo test --message-format json`: one outcome per test.
    Test,
}

/// A parsed case file.
#[derive(Debug)]
struct Case {
    lib: bool,
    /// The package's files: (path relative to the package root, text).
    files: Vec<(String, String)>,
    mode: Mode,
    /// More arguments for `holo run` / `holo test` (a test filter, `--timeout 1`).
    options: Vec<String>,
    /// The program's arguments (after `--`).
    args: Vec<String>,
    stdin: String,
    timeout: Duration,
    expect: Expect,
    /// The case file's lines, each with its line break, for blessing.
    lines: Vec<String>,
    /// Which lines hold expectations (rewritten by blessing); inputs are kept.
    expectation_lines: Vec<bool>,
}

#[derive(Debug, Default)]
struct Expect {
    /// `None`: 0 for `run`; for `test`, 1 if some test is expected not to pass, else 0.
    exit: Option<i32>,
    stdout: Option<String>,
    stderr_contains: Vec<String>,
    tests: Vec<TestExpect>,
}

#[derive(Debug, Clone)]
struct TestExpect {
    name: String,
    /// Accepted outcomes (`failed|crashed` accepts either).
    outcomes: Vec<String>,
    /// A substring of the test's message.
    message: Option<String>,
}

const OUTCOMES: &[&str] = &["passed", "failed", "crashed", "timed-out"];

/// A `//= key:` that starts a block of `//|` lines.
const BLOCK_KEYS: &[&str] = &["stdout", "stdin", "args"];

impl Case {
    fn parse(text: &str) -> Result<Case, String> {
        let raw_lines: Vec<&str> = text.split_inclusive('\n').collect();
        let has_markers = raw_lines
            .iter()
            .any(|l| directive(l).is_some_and(|(k, _)| k == "file"));
        let mut lib = false;
        let mut files: Vec<(String, String)> = Vec::new();
        let mut mode = None;
        let mut options = Vec::new();
        let mut timeout = DEFAULT_TIMEOUT;
        let mut expect = Expect::default();
        let mut expectation_lines = vec![false; raw_lines.len()];
        // The block being read: (key, collected lines, no-final-newline).
        let mut block: Option<(String, Vec<String>, bool)> = None;
        let mut args = None;
        let mut stdin = None;
        let mut seen_keys: BTreeSet<String> = BTreeSet::new();

        let finish_block = |block: &mut Option<(String, Vec<String>, bool)>,
                            expect: &mut Expect,
                            args: &mut Option<Vec<String>>,
                            stdin: &mut Option<String>| {
            if let Some((key, lines, no_final_newline)) = block.take() {
                let mut joined = lines.join("\n");
                if !lines.is_empty() && !no_final_newline {
                    joined.push('\n');
                }
                match key.as_str() {
                    "stdout" => expect.stdout = Some(joined),
                    "stdin" => *stdin = Some(joined),
                    _ => *args = Some(lines),
                }
            }
        };

        for (i, raw) in raw_lines.iter().enumerate() {
            let line_no = i + 1;
            let bare = raw.trim_end_matches('\n').trim_end_matches('\r');
            let mut in_file = !has_markers;
            if let Some((key, value)) = directive(raw) {
                match key {
                    "file" => {
                        if value.is_empty() || !value.ends_with(".holo") {
                            return Err(format!(
                                "line {line_no}: `//- file:` needs a path ending in `.holo`, like `//- file: src/geometry.holo`"
                            ));
                        }
                        if files.iter().any(|(p, _)| p == value) {
                            return Err(format!(
                                "line {line_no}: file `{value}` appears twice in this case"
                            ));
                        }
                        files.push((value.to_string(), String::new()));
                        in_file = false;
                    }
                    "kind" => {
                        if has_markers && !files.is_empty() {
                            return Err(format!(
                                "line {line_no}: `//- kind:` must come before the first `//- file:` marker"
                            ));
                        }
                        lib = match value {
                            "bin" => false,
                            "lib" => true,
                            other => {
                                return Err(format!(
                                    "line {line_no}: unknown package kind `{other}`; write `//- kind: bin` or `//- kind: lib`"
                                ));
                            }
                        };
                    }
                    other => {
                        return Err(format!(
                            "line {line_no}: unknown directive `//- {other}:`; the known ones are `//- file: PATH` and `//- kind: bin|lib`"
                        ));
                    }
                }
            } else if has_markers {
                in_file = !files.is_empty();
                if files.is_empty() {
                    let t = bare.trim();
                    if !(t.is_empty() || t.starts_with("//")) {
                        return Err(format!(
                            "line {line_no}: code before the first `//- file:` marker; only comments may come first"
                        ));
                    }
                }
            }
            if !has_markers && files.is_empty() {
                files.push((String::new(), String::new()));
            }
            if in_file && let Some((_, text)) = files.last_mut() {
                text.push_str(raw);
            }

            // Annotations.
            if let Some(rest) = bare.strip_prefix("//|") {
                let Some((key, lines, _)) = block.as_mut() else {
                    return Err(format!(
                        "line {line_no}: a `//|` line must follow a `//= stdout:`, `//= stdin:` or `//= args:` line (or another `//|` line)"
                    ));
                };
                let content = if rest.is_empty() {
                    ""
                } else if let Some(content) = rest.strip_prefix(' ') {
                    content
                } else {
                    return Err(format!(
                        "line {line_no}: write a space after `//|` (`//| text`), or nothing for an empty line"
                    ));
                };
                lines.push(content.to_string());
                expectation_lines[i] = key == "stdout";
                continue;
            }
            finish_block(&mut block, &mut expect, &mut args, &mut stdin);
            let Some(rest) = bare.strip_prefix("//=") else {
                continue;
            };
            let Some((key, value)) = rest.split_once(':') else {
                return Err(format!(
                    "line {line_no}: an annotation is `//= key: value`; this one has no `:`"
                ));
            };
            let key = key.trim();
            let value = value.trim();
            let repeatable = matches!(key, "stderr-contains" | "test");
            if !repeatable && !seen_keys.insert(key.to_string()) {
                return Err(format!("line {line_no}: `//= {key}:` is given twice"));
            }
            match key {
                "command" => {
                    mode = Some(match value {
                        "run" => Mode::Run,
                        "test" => Mode::Test,
                        other => {
                            return Err(format!(
                                "line {line_no}: unknown command `{other}`; write `//= command: run` or `//= command: test`"
                            ));
                        }
                    });
                }
                "options" => options = value.split_whitespace().map(str::to_string).collect(),
                "timeout" => {
                    let secs: u64 = value.parse().map_err(|_| {
                        format!(
                            "line {line_no}: `//= timeout:` needs whole seconds, found `{value}`"
                        )
                    })?;
                    timeout = Duration::from_secs(secs);
                }
                "exit" => {
                    expectation_lines[i] = true;
                    expect.exit = Some(value.parse().map_err(|_| {
                        format!("line {line_no}: `//= exit:` needs an exit code, found `{value}`")
                    })?);
                }
                "stderr-contains" => {
                    expectation_lines[i] = true;
                    if value.is_empty() {
                        return Err(format!(
                            "line {line_no}: `//= stderr-contains:` needs the text to look for"
                        ));
                    }
                    expect.stderr_contains.push(value.to_string());
                }
                "test" => {
                    expectation_lines[i] = true;
                    expect.tests.push(
                        parse_test_expect(value).map_err(|e| format!("line {line_no}: {e}"))?,
                    );
                }
                key if BLOCK_KEYS.contains(&key) => {
                    expectation_lines[i] = key == "stdout";
                    let no_final_newline = match value {
                        "" => false,
                        "no-final-newline" => true,
                        other => {
                            return Err(format!(
                                "line {line_no}: after `//= {key}:` write nothing or `no-final-newline`, not `{other}`; the lines follow as `//| text`"
                            ));
                        }
                    };
                    block = Some((key.to_string(), Vec::new(), no_final_newline));
                }
                other => {
                    return Err(format!(
                        "line {line_no}: unknown annotation `//= {other}:`; the known ones are command, options, args, stdin, timeout, exit, stdout, stderr-contains and test"
                    ));
                }
            }
        }
        finish_block(&mut block, &mut expect, &mut args, &mut stdin);

        if let Some((path, _)) = files.first_mut()
            && path.is_empty()
        {
            *path = if lib { "src/lib.holo" } else { "src/main.holo" }.to_string();
        }
        if files.is_empty() {
            return Err("the case has no source text".to_string());
        }
        let mode = mode.unwrap_or(Mode::Run);
        match mode {
            Mode::Run => {
                if !expect.tests.is_empty() {
                    return Err("`//= test:` expectations need `//= command: test`".to_string());
                }
                if lib {
                    return Err(
                        "a library has no `main` to run; add `//= command: test` to run its tests"
                            .to_string(),
                    );
                }
            }
            Mode::Test => {
                if expect.stdout.is_some() || args.is_some() || stdin.is_some() {
                    return Err("a `//= command: test` case reads the JSON events of `holo test`: it takes no stdout, args or stdin blocks".to_string());
                }
                if expect.tests.is_empty() && expect.exit.is_none() {
                    return Err("a `//= command: test` case needs `//= test: NAME OUTCOME` lines (or an `//= exit:`)".to_string());
                }
            }
        }
        if mode == Mode::Run && expect.stdout.is_none() && expect.exit.is_none() {
            return Err(
                "the case expects nothing: add `//= stdout:` lines and/or `//= exit:`".to_string(),
            );
        }
        Ok(Case {
            lib,
            files,
            mode,
            options,
            args: args.unwrap_or_default(),
            stdin: stdin.unwrap_or_default(),
            timeout,
            expect,
            lines: raw_lines.iter().map(|l| l.to_string()).collect(),
            expectation_lines,
        })
    }

    fn expected_exit(&self) -> i32 {
        match (self.expect.exit, self.mode) {
            (Some(code), _) => code,
            (None, Mode::Run) => 0,
            (None, Mode::Test) => {
                let all_pass = self
                    .expect
                    .tests
                    .iter()
                    .all(|t| t.outcomes.iter().all(|o| o == "passed"));
                if all_pass { 0 } else { 1 }
            }
        }
    }
}

/// `//- key: value` at the very start of a line.
fn directive(raw: &str) -> Option<(&str, &str)> {
    let rest = raw.strip_prefix("//-")?;
    let (key, value) = rest.split_once(':')?;
    Some((key.trim(), value.trim()))
}

/// `NAME OUTCOME[|OUTCOME…] [message substring]`
fn parse_test_expect(value: &str) -> Result<TestExpect, String> {
    let mut parts = value.splitn(3, ' ');
    let name = parts.next().unwrap_or_default();
    let outcomes = parts.next().unwrap_or_default();
    if name.is_empty() || outcomes.is_empty() {
        return Err(
            "`//= test:` needs a test name and an outcome, like `//= test: geometry::area passed`"
                .to_string(),
        );
    }
    let outcomes: Vec<String> = outcomes.split('|').map(str::to_string).collect();
    if let Some(bad) = outcomes.iter().find(|o| !OUTCOMES.contains(&o.as_str())) {
        return Err(format!(
            "unknown outcome `{bad}`; the outcomes are {}",
            OUTCOMES.join(", ")
        ));
    }
    let message = parts
        .next()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    Ok(TestExpect {
        name: name.to_string(),
        outcomes,
        message,
    })
}

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

/// What `holo` did.
#[derive(Debug)]
struct Actual {
    /// `None` when `holo` was killed by a signal (or by the harness after the time limit).
    code: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
    /// The `test` events of `holo test --message-format json`.
    tests: Vec<TestEvent>,
    /// Lines of stdout that were not JSON objects (test mode only).
    bad_json: Vec<String>,
}

impl Actual {
    /// A run whose expectations cannot be blessed: the toolchain itself misbehaved.
    fn crashed(&self) -> bool {
        self.code.is_none() || self.timed_out || has_rust_panic(&self.stderr)
    }
}

#[derive(Debug)]
struct TestEvent {
    name: String,
    outcome: String,
    message: String,
}

fn run_case(bin: &Path, case: &Case) -> Result<Actual, String> {
    let sandbox = Sandbox::new();
    let files: Vec<(&str, &str)> = case
        .files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    sandbox.package("case", &files);

    let mut cmd = Command::new(bin);
    match case.mode {
        Mode::Run => {
            cmd.arg("run").args(&case.options);
            if !case.args.is_empty() {
                cmd.arg("--").args(&case.args);
            }
        }
        Mode::Test => {
            cmd.args(["test", "--message-format", "json"])
                .args(&case.options);
        }
    }
    cmd.current_dir(sandbox.root())
        .env("HOLO_HOME", sandbox.home())
        .env("HOME", sandbox.home())
        .env_remove("HOLO_LOG")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;

    // Feed stdin and drain stdout and stderr on threads of their own, so that a program that
    // prints a lot while ignoring its input cannot deadlock against the harness.
    let stdin_text = case.stdin.clone().into_bytes();
    if let Some(mut stdin) = child.stdin.take() {
        std::thread::spawn(move || {
            // The program may exit without reading everything: a broken pipe is fine.
            let _ = stdin.write_all(&stdin_text);
        });
    }
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    for (is_err, stream) in [
        (
            false,
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
        (
            true,
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut stream) = stream else {
            continue;
        };
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stream.read_to_end(&mut buf);
            let _ = tx.send((is_err, buf));
        });
    }
    drop(tx);

    let deadline = Instant::now() + case.timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                timed_out = true;
                let _ = child.kill();
                match child.wait() {
                    Ok(status) => break status,
                    Err(e) => return Err(format!("cannot wait for holo after killing it: {e}")),
                }
            }
            Err(e) => return Err(format!("cannot wait for holo: {e}")),
        }
    };

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let pipes_deadline = Instant::now() + PIPE_GRACE;
    for _ in 0..2 {
        let left = pipes_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((false, buf)) => stdout = buf,
            Ok((true, buf)) => stderr = buf,
            Err(_) => {
                return Err(format!(
                    "holo exited ({status}) but its output pipes stayed open for {} s: a process it started outlives it",
                    PIPE_GRACE.as_secs()
                ));
            }
        }
    }
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let (tests, bad_json) = match case.mode {
        Mode::Run => (Vec::new(), Vec::new()),
        Mode::Test => parse_test_events(&stdout),
    };
    Ok(Actual {
        code: if timed_out { None } else { status.code() },
        timed_out,
        stdout,
        stderr,
        tests,
        bad_json,
    })
}

fn parse_test_events(stdout: &str) -> (Vec<TestEvent>, Vec<String>) {
    let mut tests = Vec::new();
    let mut bad = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => {
                bad.push(line.to_string());
                continue;
            }
        };
        if value["type"] == "test" {
            let text = |key: &str| value[key].as_str().unwrap_or_default().to_string();
            tests.push(TestEvent {
                name: text("name"),
                outcome: text("outcome"),
                message: text("message"),
            });
        }
    }
    (tests, bad)
}

/// A Rust panic of the toolchain (not a holo `panic(..)`, which is a runtime error).
fn has_rust_panic(stderr: &str) -> bool {
    stderr.contains("RUST_BACKTRACE") || stderr.contains("panicked at ")
}

// ---------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------

/// Everything that differs from the expectations, as sentences for the report.
fn compare(case: &Case, actual: &Actual) -> Vec<String> {
    let mut problems = Vec::new();
    if actual.timed_out {
        problems.push(format!(
            "holo did not finish within {} s and was killed (raise it with `//= timeout: SECONDS` if the case is slow, not stuck)",
            case.timeout.as_secs()
        ));
    } else if actual.code.is_none() {
        problems.push(
            "holo was killed by a signal: the toolchain must never crash, whatever the program does"
                .to_string(),
        );
    }
    if has_rust_panic(&actual.stderr) {
        problems.push("holo itself panicked (a Rust panic is on stderr)".to_string());
    }
    let expected_exit = case.expected_exit();
    if !actual.timed_out && actual.code.is_some() && actual.code != Some(expected_exit) {
        problems.push(format!(
            "exit code: expected {expected_exit}, got {}",
            actual.code.map_or("none".to_string(), |c| c.to_string())
        ));
    }
    if let Some(expected) = &case.expect.stdout
        && *expected != actual.stdout
    {
        problems.push(stdout_difference(expected, &actual.stdout));
    }
    // The patterns must occur in order: a stack trace reads innermost frame first.
    let mut from = 0;
    for pattern in &case.expect.stderr_contains {
        match actual.stderr[from..].find(pattern.as_str()) {
            Some(at) => from += at + pattern.len(),
            None if actual.stderr.contains(pattern.as_str()) => problems.push(format!(
                "stderr contains {pattern:?}, but not after the previous pattern (they must occur in order)"
            )),
            None => problems.push(format!("stderr does not contain {pattern:?}")),
        }
    }
    if case.mode == Mode::Test {
        for line in actual.bad_json.iter().take(5) {
            problems.push(format!(
                "stdout of `holo test --message-format json` has a line that is not a JSON object: {line:?}"
            ));
        }
        for expected in &case.expect.tests {
            let found: Vec<&TestEvent> = actual
                .tests
                .iter()
                .filter(|t| t.name == expected.name)
                .collect();
            match found.as_slice() {
                [] => problems.push(format!("test `{}` was not reported", expected.name)),
                [t] => {
                    if !expected.outcomes.contains(&t.outcome) {
                        problems.push(format!(
                            "test `{}`: expected {}, got {}{}",
                            expected.name,
                            expected.outcomes.join(" or "),
                            t.outcome,
                            if t.message.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", one_line(&t.message))
                            }
                        ));
                    }
                    if let Some(m) = &expected.message
                        && !t.message.contains(m.as_str())
                    {
                        problems.push(format!(
                            "test `{}`: the message should contain {m:?}; it is {:?}",
                            expected.name, t.message
                        ));
                    }
                }
                _ => problems.push(format!(
                    "test `{}` was reported {} times",
                    expected.name,
                    found.len()
                )),
            }
        }
        for t in &actual.tests {
            if !case.expect.tests.iter().any(|e| e.name == t.name) {
                problems.push(format!(
                    "test `{}` was reported ({}) but the case does not expect it",
                    t.name, t.outcome
                ));
            }
        }
    }
    problems
}

fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" / ")
}

/// Where two outputs first differ, with a few lines around it.
fn stdout_difference(expected: &str, actual: &str) -> String {
    let exp: Vec<&str> = expected.split_inclusive('\n').collect();
    let act: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = exp
        .iter()
        .zip(&act)
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let mut out = format!(
        "stdout differs from line {} on (expected {} lines, {} bytes; got {} lines, {} bytes):",
        first + 1,
        exp.len(),
        expected.len(),
        act.len(),
        actual.len()
    );
    let start = first.saturating_sub(2);
    for (label, lines) in [("expected", &exp), ("actual  ", &act)] {
        let _ = write!(out, "\n        {label}:");
        if start >= lines.len() {
            out.push_str(" (nothing more)");
        }
        for (n, line) in lines.iter().enumerate().skip(start).take(6) {
            let marker = if n == first { ">" } else { " " };
            let _ = write!(out, "\n        {marker}{:>5} | {}", n + 1, show_line(line));
        }
    }
    out
}

/// A line of output as the report shows it: without its line break, which is spelled out when
/// missing (so that a missing final newline is visible).
fn show_line(line: &str) -> String {
    match line.strip_suffix('\n') {
        Some(text) => clip(text),
        None => format!("{}  [no line break at the end]", clip(line)),
    }
}

/// A long line shortened for the report.
fn clip(text: &str) -> String {
    if text.len() > 120 {
        format!(
            "{}… ({} bytes)",
            &text[..text.floor_char_boundary(120)],
            text.len()
        )
    } else {
        text.to_string()
    }
}

fn describe(case: &Case, actual: &Actual, problems: &[String]) -> String {
    let mut out = String::new();
    for p in problems {
        let _ = writeln!(out, "    {p}");
    }
    let mut command = match case.mode {
        Mode::Run => "holo run".to_string(),
        Mode::Test => "holo test --message-format json".to_string(),
    };
    for o in &case.options {
        command.push(' ');
        command.push_str(o);
    }
    if !case.args.is_empty() {
        let _ = write!(command, " -- {:?}", case.args);
    }
    let _ = writeln!(
        out,
        "    ran `{command}`: exit {}",
        actual.code.map_or("none".to_string(), |c| c.to_string())
    );
    if case.mode == Mode::Test && !actual.tests.is_empty() {
        let _ = writeln!(out, "    tests reported:");
        for t in &actual.tests {
            let _ = writeln!(
                out,
                "        {} {}{}",
                t.name,
                t.outcome,
                if t.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", one_line(&t.message))
                }
            );
        }
    }
    for (name, text) in [("stdout", &actual.stdout), ("stderr", &actual.stderr)] {
        // A differing stdout of `run` is already shown by the difference, and the events of
        // `test` by the list above, unless some of its lines are not events.
        let shown_already = name == "stdout"
            && (case.mode == Mode::Run || (actual.bad_json.is_empty() && !actual.tests.is_empty()));
        if text.is_empty() || shown_already {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        let _ = writeln!(out, "    {name} ({} lines):", lines.len());
        for line in lines.iter().take(REPORT_LINES) {
            let _ = writeln!(out, "        | {}", clip(line));
        }
        if lines.len() > REPORT_LINES {
            let _ = writeln!(out, "        | … {} more lines", lines.len() - REPORT_LINES);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Blessing
// ---------------------------------------------------------------------------------------------

/// The case's text with its expectations replaced by what `holo` did: the old expectation lines
/// are removed and the new ones written where the first of them was (or at the end). Inputs
/// (command, options, args, stdin, timeout) and the program are kept byte for byte.
/// `stderr-contains` patterns that still match are kept; when one no longer matches, the first
/// `error` line of stderr takes its place.
fn bless_case(case: &Case, actual: &Actual) -> Result<String, String> {
    let mut block: Vec<String> = Vec::new();
    let code = actual
        .code
        .ok_or("holo ended without an exit code, which cannot be an expectation")?;
    // The exit code is spelled out when the case did, or when it is not the default.
    let default_exit = match case.mode {
        Mode::Run => 0,
        Mode::Test => i32::from(actual.tests.iter().any(|t| t.outcome != "passed")),
    };
    if case.expect.exit.is_some() || code != default_exit {
        block.push(format!("//= exit: {code}"));
    }
    match case.mode {
        Mode::Run => {
            if !actual.stdout.is_empty() || case.expect.stdout.is_some() {
                let lines: Vec<&str> = actual.stdout.split_inclusive('\n').collect();
                if lines.len() > MAX_BLESSED_STDOUT_LINES {
                    return Err(format!(
                        "stdout has {} lines, more than the {MAX_BLESSED_STDOUT_LINES} a case should spell out; make the case print a summary",
                        lines.len()
                    ));
                }
                let final_newline = actual.stdout.is_empty() || actual.stdout.ends_with('\n');
                block.push(if final_newline {
                    "//= stdout:".to_string()
                } else {
                    "//= stdout: no-final-newline".to_string()
                });
                for line in lines {
                    let text = line.strip_suffix('\n').unwrap_or(line);
                    if text.contains('\r') {
                        return Err(
                            "stdout contains a carriage return, which a `//|` line cannot hold"
                                .to_string(),
                        );
                    }
                    block.push(if text.is_empty() {
                        "//|".to_string()
                    } else {
                        format!("//| {text}")
                    });
                }
            }
        }
        Mode::Test => {
            for t in &actual.tests {
                let kept_message = case
                    .expect
                    .tests
                    .iter()
                    .find(|e| e.name == t.name)
                    .and_then(|e| e.message.clone())
                    .filter(|m| t.message.contains(m.as_str()));
                match kept_message {
                    Some(m) => block.push(format!("//= test: {} {} {m}", t.name, t.outcome)),
                    None => block.push(format!("//= test: {} {}", t.name, t.outcome)),
                }
            }
        }
    }
    // Patterns that still match are kept, each with where it matched; if one was lost, the first
    // `error` line of stderr joins them at its place, so that the order still holds.
    let mut patterns: Vec<(usize, String)> = Vec::new();
    let mut from = 0;
    let mut lost_a_pattern = false;
    for pattern in &case.expect.stderr_contains {
        match actual.stderr[from..].find(pattern.as_str()) {
            Some(at) => {
                patterns.push((from + at, pattern.clone()));
                from += at + pattern.len();
            }
            None => lost_a_pattern = true,
        }
    }
    if lost_a_pattern
        && let Some(line) = actual
            .stderr
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("error"))
        && !patterns.iter().any(|(_, p)| p.contains(line))
        && let Some(at) = actual.stderr.find(line)
    {
        let index = patterns.partition_point(|(p, _)| *p <= at);
        let fits_after = index == 0 || {
            let (p, text) = &patterns[index - 1];
            p + text.len() <= at
        };
        let fits_before = patterns
            .get(index)
            .is_none_or(|(p, _)| at + line.len() <= *p);
        if fits_after && fits_before {
            patterns.insert(index, (at, line.to_string()));
        }
    }
    for (_, pattern) in patterns {
        block.push(format!("//= stderr-contains: {pattern}"));
    }

    let ending = if case.lines.first().is_some_and(|l| l.ends_with("\r\n")) {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::new();
    let mut written = false;
    for (i, line) in case.lines.iter().enumerate() {
        if case.expectation_lines[i] {
            if !written {
                for b in &block {
                    out.push_str(b);
                    out.push_str(ending);
                }
                written = true;
            }
            continue;
        }
        out.push_str(line);
    }
    if !written {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(ending);
        }
        for b in &block {
            out.push_str(b);
            out.push_str(ending);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Coverage of the built-ins
// ---------------------------------------------------------------------------------------------

/// The built-ins the case's source calls, as the checker resolves them (so that `x.to_str()` on
/// an `f64` counts for `F64ToStr`, not for the other `to_str`s).
fn builtins_called(case: &Case) -> BTreeSet<BuiltinId> {
    let kind = if case.lib {
        PackageKind::Lib
    } else {
        PackageKind::Bin
    };
    let mut compiler = Compiler::new(kind);
    for (path, text) in &case.files {
        compiler.set_file(path, text);
    }
    let db = compiler.db();
    let mut used = BTreeSet::new();
    for file in holo_compiler::db::module_map(db).values() {
        for (id, _) in holo_compiler::db::file_items(db, *file).iter() {
            let key = holo_compiler::db::ItemKey::new(db, id.clone());
            let Some(result) = infer_body(db, key) else {
                continue;
            };
            for (_, resolution) in result.resolutions.iter() {
                match resolution {
                    Resolution::BuiltinFn(b) | Resolution::BuiltinMethod { id: b, .. } => {
                        used.insert(*b);
                    }
                    _ => {}
                }
            }
        }
    }
    used
}

/// `println`, `str.split`, `[T].push`, … for the coverage report.
fn builtin_display(id: BuiltinId) -> String {
    use holo_compiler::sema::builtins::ReceiverKind as K;
    let b = builtin(id);
    match b.receiver_kind() {
        None => b.name.to_string(),
        Some(K::I64) => format!("i64.{}", b.name),
        Some(K::F64) => format!("f64.{}", b.name),
        Some(K::Bool) => format!("bool.{}", b.name),
        Some(K::Str) => format!("str.{}", b.name),
        Some(K::Array) => format!("[T].{}", b.name),
        Some(K::Option) => format!("Option.{}", b.name),
        Some(K::Result) => format!("Result.{}", b.name),
        Some(K::Map) => format!("Map.{}", b.name),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests of the harness itself
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod harness {
    use super::*;

    fn actual(code: i32, stdout: &str, stderr: &str) -> Actual {
        Actual {
            code: Some(code),
            timed_out: false,
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
            tests: Vec::new(),
            bad_json: Vec::new(),
        }
    }

    #[test]
    fn parses_a_single_file_case() {
        let text = "fn main() {\n    println(read_line());\n}\n//= stdin: no-final-newline\n//| a\n//|\n//| b\n//= args:\n//| x y\n//|\n//= exit: 101\n//= stdout:\n//| one\n//|\n//=  stderr-contains: error: boom \n";
        let case = Case::parse(text).expect("valid case");
        assert_eq!(case.files.len(), 1);
        assert_eq!(case.files[0].0, "src/main.holo");
        assert_eq!(
            case.files[0].1, text,
            "annotations stay in the file as comments"
        );
        assert_eq!(case.mode, Mode::Run);
        assert_eq!(case.stdin, "a\n\nb");
        assert_eq!(case.args, ["x y", ""]);
        assert_eq!(case.expect.exit, Some(101));
        assert_eq!(case.expect.stdout.as_deref(), Some("one\n\n"));
        assert_eq!(case.expect.stderr_contains, ["error: boom"]);
        let expectation_lines: Vec<usize> = (0..case.lines.len())
            .filter(|&i| case.expectation_lines[i])
            .collect();
        assert_eq!(expectation_lines, [10, 11, 12, 13, 14]);
    }

    #[test]
    fn parses_a_multi_file_test_case() {
        let text = "// About the case.\n//= command: test\n//= options: --timeout 2 area\n//- kind: lib\n//- file: src/lib.holo\n#[test]\nfn a() {}\n//- file: src/geometry.holo\n#[test]\nfn b() { panic(\"x\"); }\n//= test: a passed\n//= test: geometry::b failed|crashed x y\n";
        let case = Case::parse(text).expect("valid case");
        assert!(case.lib);
        assert_eq!(case.mode, Mode::Test);
        assert_eq!(case.options, ["--timeout", "2", "area"]);
        let paths: Vec<&str> = case.files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["src/lib.holo", "src/geometry.holo"]);
        assert_eq!(case.files[0].1, "#[test]\nfn a() {}\n");
        let t = &case.expect.tests[1];
        assert_eq!(t.name, "geometry::b");
        assert_eq!(t.outcomes, ["failed", "crashed"]);
        assert_eq!(t.message.as_deref(), Some("x y"));
        assert_eq!(case.expected_exit(), 1);
    }

    #[test]
    fn rejects_malformed_cases() {
        for (text, why) in [
            ("fn main() {}\n//| x\n", "must follow"),
            ("fn main() {}\n//= stdout: yes\n", "no-final-newline"),
            ("fn main() {}\n//= colour: red\n", "unknown annotation"),
            ("fn main() {}\n//= exit: 0\n//= exit: 1\n", "twice"),
            ("fn main() {}\n//= test: t passed\n", "command: test"),
            ("fn main() {}\n", "expects nothing"),
            (
                "//= command: test\nfn main() {}\n//= test: t won\n",
                "unknown outcome",
            ),
            ("fn main() {}\n//= stdout:\n//|x\n", "space after"),
        ] {
            let err = Case::parse(text).expect_err(text);
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    #[test]
    fn stderr_patterns_must_occur_in_order() {
        let case = Case::parse(
            "fn main() {}\n//= exit: 101\n//= stderr-contains: at f\n//= stderr-contains: at main\n",
        )
        .expect("valid case");
        let ok = actual(101, "", "error: x\n   at f (a)\n   at main (b)\n");
        assert!(compare(&case, &ok).is_empty());
        let swapped = actual(101, "", "error: x\n   at main (b)\n   at f (a)\n");
        let problems = compare(&case, &swapped);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("in order"), "{problems:?}");
    }

    #[test]
    fn a_rust_panic_or_a_signal_always_fails() {
        let case = Case::parse("fn main() {}\n//= stdout:\n").expect("valid case");
        let panicked = actual(
            0,
            "",
            "thread 'main' panicked at src/x.rs:1:1:\nnote: run with `RUST_BACKTRACE=1`",
        );
        assert!(!compare(&case, &panicked).is_empty());
        let mut killed = actual(0, "", "");
        killed.code = None;
        assert!(!compare(&case, &killed).is_empty());
    }

    #[test]
    fn blessing_rewrites_expectations_and_keeps_inputs() {
        let text = "fn main() {}\n//= stdin:\n//| in\n//= exit: 0\n//= stdout:\n//| old\n//= stderr-contains: still here\n//= stderr-contains: gone\n// trailing comment\n";
        let case = Case::parse(text).expect("valid case");
        let now = actual(101, "new\n\n", "still here\nerror: it broke\n");
        let blessed = bless_case(&case, &now).expect("blessable");
        assert_eq!(
            blessed,
            "fn main() {}\n//= stdin:\n//| in\n//= exit: 101\n//= stdout:\n//| new\n//|\n//= stderr-contains: still here\n//= stderr-contains: error: it broke\n// trailing comment\n"
        );
        let again = Case::parse(&blessed).expect("the blessed case parses");
        assert!(compare(&again, &now).is_empty());
    }

    #[test]
    fn blessing_puts_the_error_line_in_order_and_leaves_default_exit_codes_out() {
        let case = Case::parse(
            "fn main() {}\n//= stdout:\n//= stderr-contains: at f (x:1)\n//= stderr-contains: at g (x:9)\n",
        )
        .expect("valid case");
        let now = actual(0, "", "error: boom\n   at f (x:1)\n   at g (x:2)\n");
        let blessed = bless_case(&case, &now).expect("blessable");
        assert_eq!(
            blessed,
            "fn main() {}\n//= stdout:\n//= stderr-contains: error: boom\n//= stderr-contains: at f (x:1)\n"
        );
        let again = Case::parse(&blessed).expect("the blessed case parses");
        assert!(compare(&again, &now).is_empty());
    }

    #[test]
    fn blessing_spells_out_a_missing_final_newline() {
        let case = Case::parse("fn main() {}\n//= exit: 0").expect("valid case");
        let now = actual(0, "a\nb", "");
        let blessed = bless_case(&case, &now).expect("blessable");
        assert_eq!(
            blessed,
            "fn main() {}\n//= exit: 0\n//= stdout: no-final-newline\n//| a\n//| b\n"
        );
        let again = Case::parse(&blessed).expect("the blessed case parses");
        assert!(compare(&again, &now).is_empty());
    }
}
