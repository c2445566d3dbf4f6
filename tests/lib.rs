//! Support for holo's end-to-end tests: run the real `holo` binary in throw-away folders.
//!
//! Every test gets a [`Sandbox`]: a temporary folder with a `work/` folder to run commands in
//! and a `home/` folder used as `HOLO_HOME` and `HOME`, so that no test touches the user's real
//! cache or another test's files. Output is normalised before comparison ([`normalize`]): the
//! sandbox path becomes `[ROOT]` and timings become `[TIME]`, as in cargo-test-support.
//!
//! The binary is found next to the test executable (`target/<profile>/holo`) after building it
//! once per test process with `cargo build -p holo-cli`, so the tests never run a stale
//! `holo`. Set `HOLO_BIN` to test another binary instead.

pub mod random_project;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long to wait for a watching `holo` to react. Generous: the machine is slow and shared.
pub const WATCH_TIMEOUT: Duration = Duration::from_secs(20);

/// The `holo` binary under test, built if needed.
pub fn holo_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match locate_or_build() {
        Ok(path) => path,
        Err(message) => panic!("cannot find or build the `holo` binary: {message}"),
    })
}

fn locate_or_build() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("HOLO_BIN") {
        return Ok(PathBuf::from(bin));
    }
    // The test executable is `target/<profile>/deps/<test>-<hash>`.
    let exe = std::env::current_exe().map_err(|e| format!("no current executable: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test executable path {}", exe.display()))?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("unexpected test executable path {}", exe.display()))?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("unexpected profile folder {}", profile_dir.display()))?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the tests crate has no parent folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args([
            "build",
            "--quiet",
            "-p",
            "holo-cli",
            "--bin",
            "holo",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            build.arg("--release");
        }
        other => {
            build.args(["--profile", other]);
        }
    }
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo build -p holo-cli` failed with {status}"));
    }
    let bin = profile_dir.join(format!("holo{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!("{} does not exist after building", bin.display()));
    }
    Ok(bin)
}

/// A temporary folder for one test, removed when dropped.
pub struct Sandbox {
    _dir: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("holo-test-")
            .tempdir()
            .expect("create a temporary folder");
        // Canonical, so that it matches the paths holo prints (the current folder is canonical).
        let base = dir
            .path()
            .canonicalize()
            .expect("canonicalise the temporary folder");
        let work = base.join("work");
        let home = base.join("home");
        std::fs::create_dir_all(&work).expect("create work/");
        std::fs::create_dir_all(&home).expect("create home/");
        Sandbox {
            _dir: dir,
            work,
            home,
        }
    }

    /// The folder commands run in; `[ROOT]` in normalised output.
    pub fn root(&self) -> &Path {
        &self.work
    }

    /// `HOLO_HOME` for the commands.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A path inside the root.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.work.join(relative)
    }

    /// Writes a file under the root, creating its folders.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Sandbox {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent folders");
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    pub fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Writes a package: `holo.toml` naming it `name`, and the given files (relative to the
    /// root).
    pub fn package(&self, name: &str, files: &[(&str, &str)]) -> &Sandbox {
        self.write(
            "holo.toml",
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2026\"\n"),
        );
        for (path, text) in files {
            self.write(path, text);
        }
        self
    }

    /// A `holo` command with the given arguments, run in the root.
    pub fn holo(&self, args: &[&str]) -> Holo {
        let mut cmd = Command::new(holo_bin());
        cmd.args(args)
            .current_dir(&self.work)
            .env("HOLO_HOME", &self.home)
            .env("HOME", &self.home)
            .env_remove("HOLO_LOG")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        Holo {
            cmd,
            root: self.work.clone(),
            input: None,
        }
    }
}

/// A `holo` command about to run.
pub struct Holo {
    cmd: Command,
    root: PathBuf,
    /// What to write to the command's stdin (which is empty otherwise).
    input: Option<Vec<u8>>,
}

impl Holo {
    /// Runs in `relative` (under the sandbox root) instead of the root.
    pub fn cwd(mut self, relative: &str) -> Holo {
        self.cmd.current_dir(self.root.join(relative));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Holo {
        self.cmd.env(key, value);
        self
    }

    /// Feeds `input` to the command's stdin (then closes it).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Holo {
        self.input = Some(input.into());
        self
    }

    /// Runs to completion.
    pub fn run(mut self) -> Run {
        let start = Instant::now();
        let out = match self.input.take() {
            None => self.cmd.output(),
            Some(input) => {
                self.cmd
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                let mut child = self
                    .cmd
                    .spawn()
                    .unwrap_or_else(|e| panic!("cannot start {}: {e}", holo_bin().display()));
                let mut stdin = child.stdin.take().expect("piped stdin");
                // From a thread, so that a program that does not read all its input (or
                // prints a lot first) cannot deadlock the test.
                let writer = std::thread::spawn(move || {
                    use std::io::Write;
                    let _ = stdin.write_all(&input);
                });
                let out = child.wait_with_output();
                let _ = writer.join();
                out
            }
        }
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", holo_bin().display()));
        Run {
            code: out.status.code(),
            stdout: normalize(&String::from_utf8_lossy(&out.stdout), &self.root),
            stderr: normalize(&String::from_utf8_lossy(&out.stderr), &self.root),
            elapsed: start.elapsed(),
        }
    }

    /// The configured command, for tests that drive its stdin and stdout themselves (the
    /// language server's).
    pub fn into_command(self) -> Command {
        self.cmd
    }

    /// Starts the command and collects its output lines as they come.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", holo_bin().display()));
        let lines = Arc::new((Mutex::new(Lines::default()), Condvar::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let readers = vec![
            reader(stdout, lines.clone(), self.root.clone(), false),
            reader(stderr, lines.clone(), self.root.clone(), true),
        ];
        Running {
            child,
            lines,
            readers,
        }
    }
}

/// The result of a finished command, normalised.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// How long the command took.
    pub elapsed: Duration,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n--- stderr:\n{}\n--- stdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Run {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that stderr is exactly `expected` (after normalisation).
    #[track_caller]
    pub fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected, "\n--- stderr:\n{}", self.stderr);
        self
    }

    /// Asserts that stdout is exactly `expected` (after normalisation).
    #[track_caller]
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(
            self.stdout, expected,
            "\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON lines; every line must be a JSON object.
    #[track_caller]
    pub fn json(&self) -> Vec<serde_json::Value> {
        parse_json_lines(&self.stdout)
    }
}

/// Parses JSON lines, failing the test on any line that is not a JSON object.
#[track_caller]
pub fn parse_json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line: {line:?}: {e}\n--- stdout:\n{text}"));
            assert!(value.is_object(), "not a JSON object: {line}");
            value
        })
        .collect()
}

#[derive(Default)]
struct Lines {
    stdout: Vec<String>,
    stderr: Vec<String>,
    /// How many of the two streams have ended.
    closed: usize,
}

fn reader(
    stream: impl std::io::Read + Send + 'static,
    lines: Arc<(Mutex<Lines>, Condvar)>,
    root: PathBuf,
    is_stderr: bool,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = normalize(line.trim_end_matches(['\n', '\r']), &root);
                    let (lock, cvar) = &*lines;
                    let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    if is_stderr {
                        guard.stderr.push(line);
                    } else {
                        guard.stdout.push(line);
                    }
                    cvar.notify_all();
                }
            }
        }
        let (lock, cvar) = &*lines;
        lock.lock().unwrap_or_else(|e| e.into_inner()).closed += 1;
        cvar.notify_all();
    })
}

/// A running `holo` (e.g. `check --watch`) whose output can be awaited line by line. Killed
/// when dropped.
pub struct Running {
    child: Child,
    lines: Arc<(Mutex<Lines>, Condvar)>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Waits until `done(stdout, stderr)` holds, failing the test after `WATCH_TIMEOUT` or if
    /// the process ends first. Returns what `done` returned.
    #[track_caller]
    pub fn wait_for<T>(
        &self,
        what: &str,
        mut done: impl FnMut(&[String], &[String]) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + WATCH_TIMEOUT;
        let (lock, cvar) = &*self.lines;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(value) = done(&guard.stdout, &guard.stderr) {
                return value;
            }
            let now = Instant::now();
            if now >= deadline || guard.closed == 2 {
                let why = if guard.closed == 2 {
                    "holo exited"
                } else {
                    "timed out"
                };
                panic!(
                    "{why} waiting for {what}\n--- stderr:\n{}\n--- stdout:\n{}",
                    guard.stderr.join("\n"),
                    guard.stdout.join("\n")
                );
            }
            guard = cvar
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Waits until stderr has at least `n` lines satisfying `pred`; returns those lines.
    #[track_caller]
    pub fn wait_for_stderr_lines(
        &self,
        what: &str,
        n: usize,
        pred: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        self.wait_for(what, |_, err| {
            let found: Vec<String> = err.iter().filter(|l| pred(l)).cloned().collect();
            (found.len() >= n).then_some(found)
        })
    }

    /// Waits until stdout has at least `n` lines satisfying `pred`; returns those lines.
    #[track_caller]
    pub fn wait_for_stdout_lines(
        &self,
        what: &str,
        n: usize,
        pred: impl Fn(&str) -> bool,
    ) -> Vec<String> {
        self.wait_for(what, |out, _| {
            let found: Vec<String> = out.iter().filter(|l| pred(l)).cloned().collect();
            (found.len() >= n).then_some(found)
        })
    }

    /// A copy of the stderr lines so far.
    pub fn stderr(&self) -> Vec<String> {
        self.lines
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stderr
            .clone()
    }

    /// A copy of the stdout lines so far.
    pub fn stdout(&self) -> Vec<String> {
        self.lines
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stdout
            .clone()
    }

    /// Waits for the process to exit by itself (failing the test after `WATCH_TIMEOUT`);
    /// returns its exit code.
    #[track_caller]
    pub fn wait_exit(mut self) -> Option<i32> {
        let deadline = Instant::now() + WATCH_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    for reader in self.readers.drain(..) {
                        let _ = reader.join();
                    }
                    return status.code();
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => panic!("holo did not exit within {WATCH_TIMEOUT:?}"),
                Err(e) => panic!("cannot wait for holo: {e}"),
            }
        }
    }

    /// Sends SIGINT (what Ctrl+C sends) and waits for the process to exit; returns its exit
    /// code. Unix only.
    #[track_caller]
    pub fn interrupt(self) -> Option<i32> {
        self.interrupt_and_collect().0
    }

    /// As [`Running::interrupt`], and also returns every stdout and stderr line.
    #[track_caller]
    pub fn interrupt_and_collect(self) -> (Option<i32>, Vec<String>, Vec<String>) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
        let lines = self.lines.clone();
        let code = self.wait_exit();
        let lines = lines.0.lock().unwrap_or_else(|e| e.into_inner());
        (code, lines.stdout.clone(), lines.stderr.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Makes output comparable across machines and runs: the sandbox path becomes `[ROOT]`, and
/// durations printed as `in 1.2 ms` / `in 1.25 s` become `in [TIME]`.
pub fn normalize(text: &str, root: &Path) -> String {
    let mut out = text.replace(&*root.to_string_lossy(), "[ROOT]");
    if let Ok(canonical) = root.canonicalize() {
        out = out.replace(&*canonical.to_string_lossy(), "[ROOT]");
    }
    normalize_durations(&out)
}

/// Replaces `<number> ms` and `<number> s` after the word `in` with `[TIME]`.
fn normalize_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("in ") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let number_len = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let unit = ["ms", "s"].into_iter().find(|u| {
            after[number_len..]
                .strip_prefix(' ')
                .is_some_and(|r| r.starts_with(u))
        });
        let boundary_ok = before.len() < 4
            || !before[..before.len() - 3]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric());
        match unit {
            Some(unit) if number_len > 0 && boundary_ok => {
                out.push_str("[TIME]");
                rest = &after[number_len + 1 + unit.len()..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_paths_and_durations() {
        let root = Path::new("/tmp/holo-test-x/work");
        assert_eq!(
            normalize(
                "Checking hello (/tmp/holo-test-x/work/hello) in 3.2 ms",
                root
            ),
            "Checking hello ([ROOT]/hello) in [TIME]"
        );
        assert_eq!(
            normalize("✗ 2 errors in 1.25 s", root),
            "✗ 2 errors in [TIME]"
        );
        assert_eq!(
            normalize("checked in src/main.holo", root),
            "checked in src/main.holo"
        );
        assert_eq!(normalize("within 3 ms", root), "within 3 ms");
    }
}
