//! The project's daemon (`holo daemon start|stop|status`, `holo dev`, `holo test --watch`):
//! real daemon processes answering real clients.
//!
//! Every test that starts a daemon holds a [`Daemons`] guard, declared after the sandbox, so
//! that the daemon is stopped (`holo daemon stop`, then `kill -9` for any pid still alive) even
//! when the test fails: no daemon outlives its test. Waits have deadlines ([`WATCH_TIMEOUT`]),
//! never open-ended sleeps.

use holo_tests::{Holo, Run, Running, Sandbox, WATCH_TIMEOUT};
use serde_json::Value;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A program with one passing test.
const CALC: &str = r#"fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    println(add(1, 2));
}

#[test]
fn adds() {
    assert_eq(add(1, 2), 3);
}
"#;

/// [`CALC`] with a second test, which fails.
const CALC_FAILING: &str = r#"fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    println(add(1, 2));
}

#[test]
fn adds() {
    assert_eq(add(1, 2), 3);
}

#[test]
fn adds_wrongly() {
    println("about to fail");
    assert_eq(add(2, 2), 5);
}
"#;

/// [`CALC`] with one E0308 (a `str` where an `i64` was declared) in `main`.
const CALC_TYPE_ERROR: &str = r#"fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let x: i64 = "three";
    println(add(x, 2));
}

#[test]
fn adds() {
    assert_eq(add(1, 2), 3);
}
"#;

/// Stops the sandbox's daemons when dropped: `holo daemon stop`, then `kill -9` for every pid
/// seen that is still alive.
struct Daemons<'a> {
    sandbox: &'a Sandbox,
    /// The package's folder, relative to the sandbox root.
    dir: &'a str,
    pids: Mutex<Vec<u32>>,
    /// The `holo` binary, found when the guard was made: finding it may build it, which may
    /// fail, and nothing may panic in `drop`.
    bin: &'static std::path::Path,
}

impl<'a> Daemons<'a> {
    /// For the package at the sandbox root.
    fn new(sandbox: &'a Sandbox) -> Daemons<'a> {
        Daemons::in_dir(sandbox, ".")
    }

    /// For the package in `dir` (relative to the sandbox root).
    fn in_dir(sandbox: &'a Sandbox, dir: &'a str) -> Daemons<'a> {
        Daemons {
            sandbox,
            dir,
            pids: Mutex::new(Vec::new()),
            bin: holo_tests::holo_bin(),
        }
    }

    /// `holo <args>` in the package's folder.
    fn holo(&self, args: &[&str]) -> Holo {
        self.sandbox.holo(args).cwd(self.dir)
    }

    /// `holo daemon start` (with `env` set), which must succeed; returns the running daemon's
    /// pid.
    #[track_caller]
    fn start(&self, args: &[&str], env: &[(&str, &str)]) -> u32 {
        let mut all = vec!["daemon", "start"];
        all.extend_from_slice(args);
        let mut holo = self.holo(&all);
        for (key, value) in env {
            holo = holo.env(key, value);
        }
        holo.run().code(0);
        let pid = self.pid().expect("a daemon runs after `holo daemon start`");
        self.track(pid);
        pid
    }

    /// The running daemon's pid, from `holo daemon status --message-format json`.
    #[track_caller]
    fn pid(&self) -> Option<u32> {
        let status = status_of(self.holo(&["daemon", "status", "--message-format", "json"]));
        let pid = status["pid"].as_u64().map(|p| p as u32);
        if let Some(pid) = pid {
            self.track(pid);
        }
        pid
    }

    fn track(&self, pid: u32) {
        let mut pids = self.pids.lock().unwrap_or_else(|e| e.into_inner());
        if !pids.contains(&pid) {
            pids.push(pid);
        }
    }
}

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        // Nothing here may panic: this also runs while a failed test unwinds.
        let _ = Command::new(self.bin)
            .args(["daemon", "stop"])
            .current_dir(self.sandbox.path(self.dir))
            .env("HOLO_HOME", self.sandbox.home())
            .env("HOME", self.sandbox.home())
            .stdin(std::process::Stdio::null())
            .output();
        let pids = self.pids.lock().unwrap_or_else(|e| e.into_inner());
        for &pid in pids.iter() {
            if alive(pid) {
                kill9(pid);
            }
        }
    }
}

/// Whether process `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // `pid (comm) S …`: the state follows the last `)`.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

fn kill9(pid: u32) {
    let _ = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status();
}

/// Waits until `pid` has exited.
#[track_caller]
fn wait_dead(pid: u32, what: &str) {
    let deadline = Instant::now() + WATCH_TIMEOUT;
    while alive(pid) {
        assert!(
            Instant::now() < deadline,
            "{what}: process {pid} still runs after {WATCH_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `holo daemon status --message-format json`: exits 0 and prints one `daemon` object.
#[track_caller]
fn status(sandbox: &Sandbox) -> Value {
    status_of(sandbox.holo(&["daemon", "status", "--message-format", "json"]))
}

/// [`status`] of the given `holo daemon status --message-format json` command.
#[track_caller]
fn status_of(command: Holo) -> Value {
    let run = command.run();
    run.code(0);
    let events = run.json();
    assert_eq!(events.len(), 1, "{}", run.stdout);
    assert_eq!(events[0]["type"], "daemon", "{}", run.stdout);
    events[0].clone()
}

#[track_caller]
fn assert_not_running(sandbox: &Sandbox) {
    let status = status(sandbox);
    assert_eq!(
        status,
        serde_json::json!({"type": "daemon", "running": false})
    );
}

/// The last JSON line of a run: the summary.
#[track_caller]
fn summary(run: &Run) -> Value {
    let events = run.json();
    let last = events
        .last()
        .unwrap_or_else(|| panic!("no JSON output\n--- stderr:\n{}", run.stderr))
        .clone();
    assert_eq!(last["type"], "summary", "{}", run.stdout);
    last
}

#[track_caller]
fn served_by(run: &Run) -> String {
    summary(run)["served_by"]
        .as_str()
        .expect("served_by is a string")
        .to_string()
}

/// The exit code and the JSON events, without what may differ between two answers: the
/// durations and who served.
#[track_caller]
fn comparable(run: &Run) -> (Option<i32>, Vec<Value>) {
    let mut events = run.json();
    for event in &mut events {
        if let Some(object) = event.as_object_mut() {
            object.remove("duration_ms");
            object.remove("served_by");
        }
    }
    (run.code, events)
}

/// `holo <args>` with `extra` arguments appended.
fn holo_with(sandbox: &Sandbox, args: &[&str], extra: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend_from_slice(extra);
    sandbox.holo(&all).run()
}

/// Asserts that `holo <args> --message-format json` answers the same through the daemon as in
/// its own process (`--no-daemon`, asked first), and that each says who served. Returns the
/// daemon's answer.
#[track_caller]
fn assert_same_json_answer(sandbox: &Sandbox, args: &[&str]) -> Run {
    let process = holo_with(sandbox, args, &["--message-format", "json", "--no-daemon"]);
    let daemon = holo_with(sandbox, args, &["--message-format", "json"]);
    assert_eq!(served_by(&process), "process", "{args:?}");
    assert_eq!(served_by(&daemon), "daemon", "{args:?}");
    assert_eq!(
        comparable(&daemon),
        comparable(&process),
        "`holo {}` answers differently through the daemon\n--- daemon:\n{}\n--- process:\n{}",
        args.join(" "),
        daemon.stdout,
        process.stdout
    );
    daemon
}

/// [`assert_same_json_answer`], and the same for the human output (both streams, exit code).
#[track_caller]
fn assert_daemon_answers_like_a_process(sandbox: &Sandbox, args: &[&str]) -> Run {
    let daemon = assert_same_json_answer(sandbox, args);
    let process = holo_with(sandbox, args, &["--no-daemon"]);
    let human = holo_with(sandbox, args, &[]);
    assert_eq!(
        (human.code, &human.stdout, &human.stderr),
        (process.code, &process.stdout, &process.stderr),
        "`holo {}` prints differently through the daemon",
        args.join(" ")
    );
    daemon
}

/// Fails if the daemon's log says that a request's sync marker never arrived (the daemon then
/// re-reads everything after a delay: correct, but slow and not the protocol).
#[track_caller]
fn assert_markers_arrived(sandbox: &Sandbox) {
    let log = std::fs::read_to_string(sandbox.path("target/holo/daemon.log")).unwrap_or_default();
    assert!(
        !log.contains("sync marker did not arrive"),
        "a request waited for its sync marker in vain\n--- daemon.log:\n{log}"
    );
}

/// Saves like many editors do: a temporary file renamed over the target, so that no cycle
/// sees it half-written.
fn atomic_save(sandbox: &Sandbox, relative: &str, contents: &str) {
    let target = sandbox.path(relative);
    let tmp = target.with_file_name(format!(
        ".{}.tmp",
        target.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, &target).unwrap();
}

fn is_outcome(line: &str) -> bool {
    line.starts_with("✓ ") || line.starts_with("✗ ")
}

/// A foreground loop (`holo test --watch`, `holo dev`) and the number of outcome lines
/// awaited so far.
struct Foreground {
    running: Running,
    seen: usize,
}

impl Foreground {
    fn spawn(sandbox: &Sandbox, args: &[&str]) -> Foreground {
        Foreground {
            running: sandbox.holo(args).spawn(),
            seen: 0,
        }
    }

    /// Waits for a new outcome line (on stderr) satisfying `pred`; returns it.
    #[track_caller]
    fn expect(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let seen = self.seen;
        let (index, line) = self.running.wait_for(what, |_, err| {
            err.iter()
                .filter(|l| is_outcome(l))
                .enumerate()
                .skip(seen)
                .find(|(_, l)| pred(l))
                .map(|(i, l)| (i, l.clone()))
        });
        self.seen = index + 1;
        line
    }
}

#[test]
fn start_status_and_stop_and_answers_equal_the_in_process_ones() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC_FAILING)]);
    let daemons = Daemons::new(&sandbox);
    assert_not_running(&sandbox);
    let pid = daemons.start(&[], &[("HOLO_LOG", "warn")]);

    let status = status(&sandbox);
    assert_eq!(status["running"], true, "{status}");
    assert_eq!(status["pid"], pid, "{status}");
    for key in ["uptime_ms", "requests", "rss_bytes"] {
        assert!(status[key].as_u64().is_some(), "{key} in {status}");
    }
    assert!(sandbox.path("target/holo/daemon.sock").exists());
    assert!(sandbox.path("target/holo/daemon.lock").exists());
    assert!(sandbox.path("target/holo/daemon.log").exists());

    // A failing test.
    let check = assert_daemon_answers_like_a_process(&sandbox, &["check"]);
    check.code(0);
    assert_eq!(summary(&check)["errors"], 0);
    let test = assert_daemon_answers_like_a_process(&sandbox, &["test"]);
    test.code(1);
    assert_eq!(summary(&test)["passed"], 1);
    assert_eq!(summary(&test)["failed"], 1);
    let filtered = assert_daemon_answers_like_a_process(&sandbox, &["test", "wrongly"]);
    filtered.code(1);
    assert_eq!(summary(&filtered)["filtered_out"], 1);
    // `--affected` answers from the recorded results (recorded by the runs above, and again
    // by this first one): the same results either way. Only the JSON is compared: the human
    // status line differs (`Fresh` in a process, which answers from its snapshot, `Compiling`
    // in the daemon).
    sandbox
        .holo(&["test", "--affected", "--no-daemon"])
        .run()
        .code(1);
    let affected = assert_same_json_answer(&sandbox, &["test", "--affected"]);
    affected.code(1);
    assert_eq!(summary(&affected)["cached"], 2);
    let build = assert_daemon_answers_like_a_process(&sandbox, &["build"]);
    build.code(0);

    // A type error.
    sandbox.write("src/main.holo", CALC_TYPE_ERROR);
    let check = assert_daemon_answers_like_a_process(&sandbox, &["check"]);
    check.code(1);
    let events = check.json();
    assert_eq!(events[0]["type"], "diagnostic", "{}", check.stdout);
    assert_eq!(events[0]["code"], "E0308", "{}", check.stdout);
    assert_eq!(summary(&check)["errors"], 1);
    let test = assert_daemon_answers_like_a_process(&sandbox, &["test"]);
    test.code(1);
    assert_eq!(summary(&test)["errors"], 1);
    assert_eq!(summary(&test)["passed"], 0);
    assert_daemon_answers_like_a_process(&sandbox, &["build"]).code(1);

    // No sync marker is left behind.
    let markers: Vec<_> = std::fs::read_dir(sandbox.root())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".holo-sync-"))
        .map(|e| e.file_name())
        .collect();
    assert!(markers.is_empty(), "{markers:?}");

    // The requests were counted, and the daemon is still the same process.
    let status_after = self::status(&sandbox);
    assert_eq!(status_after["pid"], pid);
    assert!(
        status_after["requests"].as_u64().unwrap() > status["requests"].as_u64().unwrap() + 10,
        "{status_after}"
    );
    assert_markers_arrived(&sandbox);

    let stop = sandbox.holo(&["daemon", "stop"]).run();
    stop.code(0)
        .stderr_contains(&format!("Stopped daemon (pid {pid})"));
    assert_not_running(&sandbox);
    wait_dead(pid, "the stopped daemon");
    assert!(!sandbox.path("target/holo/daemon.sock").exists());
    // Without a daemon, commands answer in their own process.
    assert_eq!(
        served_by(&sandbox.holo(&["check", "--message-format", "json"]).run()),
        "process"
    );
}

#[test]
fn a_save_right_before_a_command_is_always_seen() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[("HOLO_LOG", "warn")]);
    for i in 0..20 {
        let bad = i % 2 == 1;
        // No pause between the save and the command.
        sandbox.write("src/main.holo", if bad { CALC_TYPE_ERROR } else { CALC });
        let run = sandbox.holo(&["check", "--message-format", "json"]).run();
        let summary = summary(&run);
        assert_eq!(summary["served_by"], "daemon", "round {i}: {}", run.stdout);
        assert_eq!(
            summary["errors"],
            u64::from(bad),
            "round {i}: the daemon answered for the previous text\n{}",
            run.stdout
        );
        run.code(i32::from(bad));
    }
    // Tests too: a body edited right before `holo test` (same length, so only the contents
    // tell the two apart).
    for i in 0..6 {
        let broken = i % 2 == 1;
        let text = if broken {
            CALC.replace("a + b", "a - b")
        } else {
            CALC.to_string()
        };
        sandbox.write("src/main.holo", &text);
        let run = sandbox.holo(&["test", "--message-format", "json"]).run();
        let summary = summary(&run);
        assert_eq!(summary["served_by"], "daemon", "round {i}: {}", run.stdout);
        assert_eq!(
            summary["failed"],
            u64::from(broken),
            "round {i}: the daemon tested the previous text\n{}",
            run.stdout
        );
        run.code(i32::from(broken));
    }
    assert_markers_arrived(&sandbox);
}

#[test]
fn a_killed_daemon_is_replaced_and_commands_still_answer() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC_TYPE_ERROR)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&[], &[]);
    kill9(pid);
    wait_dead(pid, "the killed daemon");
    // Its socket is left behind.
    assert!(sandbox.path("target/holo/daemon.sock").exists());

    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(1);
    let summary = summary(&run);
    assert_eq!(summary["served_by"], "process", "{}", run.stdout);
    assert_eq!(summary["errors"], 1, "{}", run.stdout);
    assert_not_running(&sandbox);
    sandbox.holo(&["daemon", "stop"]).run().code(0);

    // A new daemon replaces the stale socket.
    let second = daemons.start(&[], &[]);
    assert_ne!(second, pid);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(1);
    assert_eq!(served_by(&run), "daemon", "{}", run.stdout);
    assert_eq!(self::summary(&run)["errors"], 1);
}

#[test]
fn another_build_is_not_asked_and_is_replaced_by_start() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC_FAILING)]);
    let daemons = Daemons::new(&sandbox);
    let expected = sandbox
        .holo(&["test", "--message-format", "json", "--no-daemon"])
        .run();

    // A client of another build, a daemon of this one.
    let normal = daemons.start(&[], &[]);
    let run = sandbox
        .holo(&["test", "--message-format", "json"])
        .env("HOLO_TEST_BUILD_ID", "other")
        .run();
    run.stderr_contains("another build");
    assert_eq!(served_by(&run), "process");
    assert_eq!(comparable(&run), comparable(&expected));

    // A daemon of another build: started by such a client, it replaces this build's daemon.
    let other = daemons.start(&[], &[("HOLO_TEST_BUILD_ID", "other")]);
    assert_ne!(other, normal);
    wait_dead(normal, "the daemon replaced by another build's");
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.stderr_contains("another build")
        .stderr_contains(&format!("pid {other}"));
    assert_eq!(served_by(&run), "process");
    assert_eq!(comparable(&run), comparable(&expected));
    // It stays: the client fell back, it did not stop it.
    assert_eq!(daemons.pid(), Some(other));

    // `holo daemon start` of this build replaces it.
    let replaced = daemons.start(&[], &[]);
    assert_ne!(replaced, other);
    wait_dead(other, "the other build's daemon");
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    assert!(!run.stderr.contains("another build"), "{}", run.stderr);
    assert_eq!(served_by(&run), "daemon");
    assert_eq!(comparable(&run), comparable(&expected));
}

#[test]
fn two_clients_at_once_both_get_the_right_answer() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC_FAILING)]);
    let daemons = Daemons::new(&sandbox);
    let expected = sandbox
        .holo(&["test", "--message-format", "json", "--no-daemon"])
        .run();
    expected.code(1);
    daemons.start(&[], &[("HOLO_LOG", "warn")]);
    for round in 0..3 {
        let runs: Vec<Run> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..2)
                .map(|_| scope.spawn(|| sandbox.holo(&["test", "--message-format", "json"]).run()))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for run in &runs {
            assert_eq!(served_by(run), "daemon", "round {round}: {}", run.stdout);
            assert_eq!(
                comparable(run),
                comparable(&expected),
                "round {round}\n--- stderr:\n{}",
                run.stderr
            );
        }
    }
    assert_markers_arrived(&sandbox);
}

#[test]
fn an_idle_daemon_exits_and_auto_starts_one() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&["--idle-timeout", "1"], &[]);
    let started = Instant::now();
    // Only the file system is watched while waiting: a status request would reset the idle
    // time.
    wait_dead(pid, "the idle daemon");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "stopped after {:?}, before its idle time",
        started.elapsed()
    );
    assert_not_running(&sandbox);
    assert!(!sandbox.path("target/holo/daemon.sock").exists());
    let log = sandbox.read("target/holo/daemon.log");
    assert!(log.contains("idle time reached"), "{log}");

    // `HOLO_DAEMON=auto` starts one when none runs, with `HOLO_DAEMON_IDLE_TIMEOUT`.
    let run = sandbox
        .holo(&["check", "--message-format", "json"])
        .env("HOLO_DAEMON", "auto")
        .env("HOLO_DAEMON_IDLE_TIMEOUT", "2")
        .run();
    run.code(0);
    assert_eq!(served_by(&run), "daemon", "{}", run.stderr);
    let auto = daemons.pid().expect("an auto-started daemon runs");
    assert_ne!(auto, pid);
    let run = sandbox
        .holo(&["test", "--message-format", "json"])
        .env("HOLO_DAEMON", "auto")
        .env("HOLO_DAEMON_IDLE_TIMEOUT", "2")
        .run();
    run.code(0);
    assert_eq!(served_by(&run), "daemon");
    assert_eq!(daemons.pid(), Some(auto));
    wait_dead(auto, "the idle auto-started daemon");
    assert_not_running(&sandbox);
}

#[test]
fn run_through_the_daemon_gives_the_program_its_output_and_exit_code() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "greet",
        &[(
            "src/main.holo",
            r#"fn main() {
    let xs = args();
    println("hello from main");
    if xs.len() > 0 {
        panic("asked to fail: " + xs[0]);
    }
    println("bye");
}
"#,
        )],
    );
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[]);
    let requests = |sandbox: &Sandbox| status(sandbox)["requests"].as_u64().unwrap();

    let before = requests(&sandbox);
    let run = sandbox.holo(&["run", "-q"]).run();
    run.code(0)
        .stdout_is("hello from main\nbye\n")
        .stderr_is("");
    // The run and this status request.
    assert_eq!(
        requests(&sandbox),
        before + 2,
        "`holo run` did not ask the daemon"
    );

    let run = sandbox.holo(&["run", "-q", "--", "now"]).run();
    run.code(101)
        .stdout_is("hello from main\n")
        .stderr_contains("error: panicked: asked to fail: now\n");
    let local = sandbox
        .holo(&["run", "-q", "--no-daemon", "--", "now"])
        .run();
    assert_eq!(
        (run.code, &run.stdout, &run.stderr),
        (local.code, &local.stdout, &local.stderr)
    );
    let run = sandbox.holo(&["run"]).run();
    let local = sandbox.holo(&["run", "--no-daemon"]).run();
    assert_eq!(
        (run.code, &run.stdout, &run.stderr),
        (local.code, &local.stdout, &local.stderr)
    );

    // A program that does not compile is not run; the daemon says so.
    sandbox.write("src/main.holo", CALC_TYPE_ERROR);
    let run = sandbox.holo(&["run", "--message-format", "json"]).run();
    run.code(1);
    assert_eq!(served_by(&run), "daemon");
    assert_eq!(summary(&run)["errors"], 1);
    // Nothing is left of the program handed over.
    let left: Vec<_> = std::fs::read_dir(sandbox.path("target/holo"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".program"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn test_watch_shows_each_cycle() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let mut watch = Foreground::spawn(&sandbox, &["test", "--watch"]);
    let first = watch.expect("the first cycle", |l| l.starts_with("✓ "));
    assert!(first.contains("1 passed"), "{first}");

    atomic_save(&sandbox, "src/main.holo", &CALC.replace("a + b", "a - b"));
    let failed = watch.expect("a failing test", |l| l.starts_with("✗ "));
    assert!(failed.contains("1 failed"), "{failed}");
    // stdout and stderr are read by two threads: wait for the test's line rather than expect it
    // to be there already. The failure says why, as `holo test` does.
    watch
        .running
        .wait_for("the failing test's line and why", |out, _| {
            (out.iter().any(|l| l == "test adds ... FAILED")
                && out.iter().any(|l| l.starts_with("error: assertion failed")))
            .then_some(())
        });

    atomic_save(&sandbox, "src/main.holo", CALC);
    watch.expect("the fix", |l| l.starts_with("✓ "));
    assert_eq!(watch.running.interrupt(), Some(0));
}

#[test]
fn test_watch_in_json_mode_closes_each_cycle_with_a_summary() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let watch = sandbox
        .holo(&["test", "--watch", "--message-format", "json"])
        .spawn();
    let is_summary = |l: &str| l.starts_with("{\"type\":\"summary\"");
    watch.wait_for_stdout_lines("the first summary", 1, is_summary);
    atomic_save(&sandbox, "src/main.holo", &CALC.replace("a + b", "a - b"));
    watch.wait_for_stdout_lines("the second summary", 2, is_summary);

    let lines = watch.stdout();
    let events = holo_tests::parse_json_lines(&lines.join("\n"));
    let cycles: Vec<&[Value]> = events.split_inclusive(|e| e["type"] == "summary").collect();
    assert_eq!(cycles.len(), 2, "{lines:#?}");
    for cycle in &cycles {
        let (summary, tests) = cycle.split_last().unwrap();
        assert_eq!(summary["type"], "summary");
        assert_eq!(tests.len(), 1, "{lines:#?}");
        assert_eq!(tests[0]["type"], "test");
        assert_eq!(tests[0]["name"], "adds");
    }
    assert_eq!(cycles[0][0]["outcome"], "passed");
    assert_eq!(cycles[0][1]["passed"], 1);
    assert_eq!(cycles[1][0]["outcome"], "failed");
    assert_eq!(cycles[1][1]["failed"], 1);
    assert_eq!(watch.interrupt(), Some(0));
}

#[test]
fn dev_shows_each_save_and_serves_other_commands() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let _daemons = Daemons::new(&sandbox);
    let mut dev = Foreground::spawn(&sandbox, &["dev"]);
    let first = dev.expect("the first cycle", |l| l.starts_with("✓ "));
    assert!(first.contains("1 passed"), "{first}");
    dev.running
        .wait_for_stderr_lines("the socket", 1, |l| l.contains("Serving "));

    atomic_save(&sandbox, "src/main.holo", &CALC.replace("a + b", "a - b"));
    let failed = dev.expect("a failing test", |l| l.starts_with("✗ "));
    assert!(failed.contains("1 failed"), "{failed}");

    atomic_save(&sandbox, "src/main.holo", CALC_TYPE_ERROR);
    dev.expect("a type error", |l| l.starts_with("✗ 1 error in "));
    assert!(
        dev.running
            .stderr()
            .iter()
            .any(|l| l == "error[E0308]: mismatched types"),
        "{:?}",
        dev.running.stderr()
    );

    // Another process is answered by `holo dev`, with the same answer as its own.
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(1);
    assert_eq!(served_by(&run), "daemon", "{}", run.stderr);
    let local = sandbox
        .holo(&["check", "--message-format", "json", "--no-daemon"])
        .run();
    assert_eq!(comparable(&run), comparable(&local));
    let status = status(&sandbox);
    assert_eq!(status["running"], true, "{status}");

    atomic_save(&sandbox, "src/main.holo", CALC);
    dev.expect("the fix", |l| l.starts_with("✓ "));

    assert_eq!(dev.running.interrupt(), Some(0));
    assert_not_running(&sandbox);
    assert!(!sandbox.path("target/holo/daemon.sock").exists());
}

#[test]
fn stop_and_status_without_a_daemon_succeed() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    sandbox
        .holo(&["daemon", "stop"])
        .run()
        .code(0)
        .stderr_contains("no daemon runs");
    let run = sandbox
        .holo(&["daemon", "stop", "--message-format", "json"])
        .run();
    run.code(0);
    assert_eq!(run.json()[0]["running"], false);
    assert_not_running(&sandbox);
    sandbox
        .holo(&["daemon", "status"])
        .run()
        .code(0)
        .stdout_is("no daemon runs for this package\n");
}

/// The sockets in the temporary folder (where a daemon listens when the package's own path
/// is too long for a Unix socket).
fn temp_sockets() -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("holo-") && name.ends_with(".sock")
        })
        .map(|e| e.path())
        .collect()
}

#[test]
fn a_package_with_a_long_path_is_served_through_a_socket_in_the_temporary_folder() {
    let sandbox = Sandbox::new();
    let dir = format!("{}/{}", "a".repeat(60), "b".repeat(40));
    sandbox.write(
        &format!("{dir}/holo.toml"),
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
    );
    sandbox.write(&format!("{dir}/src/main.holo"), CALC_TYPE_ERROR);
    let daemons = Daemons::in_dir(&sandbox, &dir);
    let before = temp_sockets();
    let pid = daemons.start(&[], &[]);
    let socket: Vec<_> = temp_sockets()
        .into_iter()
        .filter(|s| !before.contains(s))
        .collect();
    assert_eq!(socket.len(), 1, "{socket:?}");
    assert!(
        !sandbox
            .path(&format!("{dir}/target/holo/daemon.sock"))
            .exists()
    );

    let check = |sandbox: &Sandbox| {
        let run = sandbox
            .holo(&["check", "--message-format", "json"])
            .cwd(&dir)
            .run();
        run.code(1);
        assert_eq!(summary(&run)["errors"], 1, "{}", run.stdout);
        served_by(&run)
    };
    assert_eq!(check(&sandbox), "daemon");

    // Killed, it leaves its socket; commands answer anyway, and the next daemon replaces it.
    kill9(pid);
    wait_dead(pid, "the killed daemon");
    assert!(socket[0].exists());
    assert_eq!(check(&sandbox), "process");
    let second = daemons.start(&[], &[]);
    assert_ne!(second, pid);
    assert_eq!(check(&sandbox), "daemon");
    daemons.holo(&["daemon", "stop"]).run().code(0);
    wait_dead(second, "the stopped daemon");
    assert!(!socket[0].exists(), "{} is left", socket[0].display());
}

#[test]
fn a_fault_inside_the_daemon_is_contained() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC_FAILING)]);
    let daemons = Daemons::new(&sandbox);
    // The daemon's every `check` panics inside its computation.
    let pid = daemons.start(&[], &[("HOLO_TEST_PANIC_IN_CHECK", "1")]);

    sandbox
        .holo(&["check"])
        .run()
        .code(101)
        .stderr_contains("internal error while answering `Check`")
        .stderr_contains("injected by HOLO_TEST_PANIC_IN_CHECK");
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(101);
    let events = run.json();
    assert!(
        events.iter().any(|e| e["type"] == "error"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("internal error"))),
        "{}",
        run.stdout
    );

    // The daemon lives on and answers the other requests as before.
    assert_eq!(daemons.pid(), Some(pid));
    let test = assert_same_json_answer(&sandbox, &["test"]);
    test.code(1);
    assert_eq!(summary(&test)["failed"], 1);
    assert_same_json_answer(&sandbox, &["build"]).code(0);
    sandbox.holo(&["check"]).run().code(101);
    assert_eq!(daemons.pid(), Some(pid));
}

#[test]
fn a_fault_inside_the_daemon_still_ends_json_output_with_a_summary() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[("HOLO_TEST_PANIC_IN_CHECK", "1")]);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(101);
    let summary = summary(&run);
    assert_eq!(summary["served_by"], "daemon", "{}", run.stdout);
    assert!(
        summary["errors"].as_u64().is_some_and(|n| n >= 1),
        "{summary}"
    );
}

/// The daemon's test workers stay up between runs: after a body edit, only the changed
/// functions reach them as a patch, no process is started, and the results are those of the
/// new code (equal to an in-process run's). A struct layout change loads the program afresh.
#[test]
fn warm_workers_are_patched_instead_of_restarted() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[]);
    let test = |expect_failed: u64| {
        let run = assert_same_json_answer(&sandbox, &["test", "--jobs", "1"]);
        assert_eq!(summary(&run)["failed"], expect_failed, "{}", run.stdout);
    };
    test(0);
    let first = status(&sandbox);
    assert_eq!(first["workers_started"], 1, "{first}");
    // A body edit that breaks the test, then one that fixes it: patches, no new worker.
    sandbox.write("src/main.holo", CALC.replace("a + b", "a + b + 1"));
    test(1);
    sandbox.write("src/main.holo", CALC.replace("a + b", "b + a"));
    test(0);
    let after = status(&sandbox);
    assert_eq!(
        after["workers_started"], 1,
        "no worker was started: {after}"
    );
    assert_eq!(after["patches"], 2, "{after}");
    assert_eq!(
        after["functions_patched"], 2,
        "only `add` changed, twice: {after}"
    );
    // A struct whose layout changes cannot be patched into live code: a fresh load.
    let with_struct = |fields: &str| {
        format!(
            "struct P {{ {fields} }}\n{CALC}\n#[test]\nfn makes_p() {{ let p = P {{ x: 1 }}; assert_eq(p.x, 1); }}\n"
        )
    };
    sandbox.write("src/main.holo", with_struct("x: i64"));
    test(0);
    let before_layout = status(&sandbox)["workers_started"].as_u64().unwrap_or(0);
    sandbox.write(
        "src/main.holo",
        with_struct("x: i64, y: i64").replace("P { x: 1 }", "P { x: 1, y: 2 }"),
    );
    test(0);
    let after_layout = status(&sandbox)["workers_started"].as_u64().unwrap_or(0);
    assert!(
        after_layout > before_layout,
        "a layout change starts workers with the new program"
    );
}

/// `holo clean` removes the folder the daemon keeps its socket and stores in: it stops the
/// daemon first, and commands answer in their own process afterwards.
#[test]
fn clean_stops_the_daemon_first() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[]);
    sandbox
        .holo(&["clean"])
        .run()
        .code(0)
        .stderr_contains("Stopped daemon");
    assert_not_running(&sandbox);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(served_by(&run), "process");
}

/// A fault of the checker inside the daemon, in one item: an internal-error diagnostic naming
/// the item (the rest of the package is still checked), the daemon goes on serving, and once
/// the fault is gone (a daemon without the switch) the answers are the normal ones.
#[test]
fn a_fault_in_one_item_is_a_diagnostic_and_the_daemon_serves_on() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&[], &[("HOLO_TEST_PANIC_IN_ITEM", "add")]);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(1);
    let internal = run
        .json()
        .into_iter()
        .find(|e| e["type"] == "diagnostic" && e["code"] == "E9001")
        .unwrap_or_else(|| panic!("no E9001 diagnostic:\n{}", run.stdout));
    assert_eq!(internal["file"], "src/main.holo");
    assert_eq!(internal["line"], 1, "at `add`: {internal}");
    assert!(
        internal["message"].as_str().unwrap_or("").contains("`add`"),
        "{internal}"
    );
    assert_eq!(served_by(&run), "daemon");
    // It keeps serving: the same answer again, and other commands.
    sandbox.holo(&["check"]).run().code(1);
    assert_eq!(daemons.pid(), Some(pid));
    // Without the fault, the normal answer (nothing of it was cached).
    sandbox.holo(&["daemon", "stop"]).run().code(0);
    daemons.start(&[], &[]);
    assert_same_json_answer(&sandbox, &["check"]).code(0);
}

/// A test that runs for a while: long enough to kill something in the middle of it.
const SLOW: &str = r#"fn spin(n: i64) -> i64 {
    let mut i = 0;
    let mut total = 0;
    while i < n {
        total = (total + i) % 1000;
        i = i + 1;
    }
    total
}

fn main() {}

#[test]
fn spins() {
    assert(spin(300000000) >= 0);
}
"#;

/// A client killed in the middle of its request harms nothing: the daemon finishes the work,
/// records it, and answers the next client.
#[test]
fn a_client_killed_mid_request_harms_nothing() {
    let sandbox = Sandbox::new();
    sandbox.package("slow", &[("src/main.holo", SLOW)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&[], &[]);
    let client = sandbox.holo(&["test"]).spawn();
    client.wait_for("the test to start", |_, err| {
        err.iter().any(|l| l.contains("Running")).then_some(())
    });
    drop(client); // SIGKILL
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(served_by(&run), "daemon");
    assert_eq!(summary(&run)["passed"], 1, "{}", run.stdout);
    assert_eq!(daemons.pid(), Some(pid));
}

/// The daemon killed in the middle of a test run: the client says so and ends (it does not
/// hang), the daemon's workers go with it, and the next command answers in its own process.
#[test]
fn a_daemon_killed_mid_test_run_leaves_a_working_package() {
    let sandbox = Sandbox::new();
    sandbox.package("slow", &[("src/main.holo", SLOW)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&[], &[]);
    let client = sandbox.holo(&["test", "--message-format", "json"]).spawn();
    client.wait_for("the test to start", |_, err| {
        err.iter().any(|l| l.contains("Running")).then_some(())
    });
    kill9(pid);
    let stderr_before = client.stderr();
    let code = client.wait_exit();
    assert_eq!(code, Some(101), "{stderr_before:?}");
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(served_by(&run), "process");
    assert_eq!(summary(&run)["passed"], 1, "{}", run.stdout);
}

/// A save during a watch cycle makes it obsolete: a test that hangs is stopped at once (long
/// before its time limit), nothing of the cycle is recorded, and the next cycle reports the
/// new code.
#[test]
fn a_save_cancels_a_hanging_test_in_test_watch() {
    let hanging = "fn main() {}\n\n#[test]\nfn hangs() {\n    let mut i = 0;\n    while i >= 0 {\n        i = (i + 1) % 1000;\n    }\n}\n";
    let fixed = "fn main() {}\n\n#[test]\nfn hangs() {\n    let mut i = 0;\n    while i < 10 {\n        i = i + 1;\n    }\n}\n";
    let sandbox = Sandbox::new();
    sandbox.package("spin", &[("src/main.holo", hanging)]);
    let start = std::time::Instant::now();
    let mut watch = Foreground::spawn(&sandbox, &["test", "--watch", "--timeout", "120"]);
    watch
        .running
        .wait_for("the hanging test to start", |out, _| {
            // With a hidden progress bar, a test is known to run once the run is planned.
            let _ = out;
            Some(())
        });
    std::thread::sleep(std::time::Duration::from_millis(500));
    atomic_save(&sandbox, "src/main.holo", fixed);
    let line = watch.expect("the cycle of the fix", |l| l.starts_with("✓ "));
    assert!(line.contains("1 passed"), "{line}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "the hanging test was not stopped by the save ({:?})",
        start.elapsed()
    );
    assert_eq!(watch.running.interrupt(), Some(0));
    // The hang was not recorded as a result: a fresh run agrees with the fixed code.
    let run = sandbox
        .holo(&["test", "--affected", "--message-format", "json"])
        .run();
    run.code(0);
}

/// Beside a running daemon, `holo test --watch` follows the daemon's warm state instead of
/// loading its own: its cycles are the daemon's (`served_by: daemon`); when the daemon stops,
/// it says so and goes on watching in its own process.
#[test]
fn test_watch_follows_a_running_daemon() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    daemons.start(&[], &[]);
    let watch = sandbox
        .holo(&["test", "--watch", "--message-format", "json"])
        .spawn();
    let summaries = |out: &[String]| -> Vec<serde_json::Value> {
        out.iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["type"] == "summary")
            .collect()
    };
    let first = watch.wait_for("the first cycle", |out, _| summaries(out).first().cloned());
    assert_eq!(first["served_by"], "daemon", "{first}");
    assert_eq!(
        first["passed"].as_u64().unwrap_or(0) + first["cached"].as_u64().unwrap_or(0),
        1
    );
    atomic_save(&sandbox, "src/main.holo", &CALC.replace("a + b", "a - b"));
    let second = watch.wait_for("the cycle of the save", |out, _| {
        summaries(out).get(1).cloned()
    });
    assert_eq!(second["failed"], 1, "{second}");
    assert_eq!(second["served_by"], "daemon");
    // The daemon goes: the watch goes on by itself.
    sandbox.holo(&["daemon", "stop"]).run().code(0);
    watch.wait_for("the notice", |_, err| {
        err.iter()
            .any(|l| l.contains("the daemon stopped; watching in this process"))
            .then_some(())
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    atomic_save(&sandbox, "src/main.holo", CALC);
    let next = watch.wait_for("a cycle in its own process", |out, _| {
        summaries(out)
            .into_iter()
            .find(|s| s["served_by"] == "process" && s["failed"] == 0)
    });
    assert_eq!(next["failed"], 0, "{next}");
    assert_eq!(watch.interrupt(), Some(0));
}

/// Removing `target/` by hand takes the daemon's socket: no client can reach it any more, so
/// it stops by itself (instead of lingering beside the next one), and commands still answer.
#[test]
fn a_daemon_whose_socket_is_removed_stops() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    let pid = daemons.start(&[], &[]);
    std::fs::remove_dir_all(sandbox.path("target")).expect("remove target/");
    wait_dead(pid, "the daemon whose socket was removed");
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(served_by(&run), "process");
}

/// `holo dev` beside a daemon started in the background shows that daemon's cycles; when it
/// stops, `holo dev` becomes the package's daemon itself and serves other commands.
#[test]
fn dev_beside_a_background_daemon_follows_it_then_takes_over() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let daemons = Daemons::new(&sandbox);
    let background = daemons.start(&[], &[]);
    let mut dev = Foreground::spawn(&sandbox, &["dev"]);
    dev.expect("the first cycle, from the background daemon", |l| {
        l.starts_with("✓ ")
    });
    atomic_save(&sandbox, "src/main.holo", &CALC.replace("a + b", "a - b"));
    dev.expect("the save's cycle", |l| l.starts_with("✗ "));
    assert_eq!(
        daemons.pid(),
        Some(background),
        "no second daemon while following"
    );
    sandbox.holo(&["daemon", "stop"]).run().code(0);
    dev.running.wait_for("the take-over", |_, err| {
        err.iter()
            .any(|l| l.contains("serving from this process"))
            .then_some(())
    });
    // `holo dev` is the daemon now.
    let deadline = std::time::Instant::now() + WATCH_TIMEOUT;
    loop {
        let run = sandbox.holo(&["check", "--message-format", "json"]).run();
        if served_by(&run) == "daemon" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "holo dev did not start serving"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_ne!(daemons.pid(), Some(background));
    // Ctrl+C stops it in order: its socket goes with it.
    assert_eq!(dev.running.interrupt(), Some(0));
    assert_not_running(&sandbox);
    assert!(!sandbox.path("target/holo/daemon.sock").exists());
}

/// `[dev] daemon = "auto"` in holo.toml makes commands start the package's daemon, which stops
/// after the manifest's `[dev] idle-timeout`; `HOLO_DAEMON=off` overrides the manifest.
#[test]
fn the_dev_table_starts_a_daemon_on_demand() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let manifest = sandbox.read("holo.toml");
    sandbox.write(
        "holo.toml",
        format!("{manifest}\n[dev]\ndaemon = \"auto\"\nidle-timeout = 2\n"),
    );
    let daemons = Daemons::new(&sandbox);
    let off = sandbox
        .holo(&["check", "--message-format", "json"])
        .env("HOLO_DAEMON", "off")
        .run();
    assert_eq!(served_by(&off), "process");
    assert_not_running(&sandbox);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(served_by(&run), "daemon");
    let pid = daemons.pid().expect("a daemon was started");
    wait_dead(pid, "the daemon past its `[dev] idle-timeout`");
}
