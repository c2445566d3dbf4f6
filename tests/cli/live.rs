//! `holo run --watch` on a real terminal: tmux runs holo in a pane of its own server, the test
//! types into it and reads the screen, and edits the package on disk as a user would.
//!
//! Every wait has a deadline ([`holo_tests::WATCH_TIMEOUT`]); a screen that never shows what
//! is awaited fails the test with the screen. tmux is installed by `.ci/run`; elsewhere a
//! missing tmux skips these tests with a message (in CI, `CI=true`, it fails them).

use holo_tests::{Sandbox, WATCH_TIMEOUT, holo_bin};
use std::process::Command;
use std::time::{Duration, Instant};

const COUNTER: &str = "struct Counter {
    count: i64,
}

fn label(c: Counter) -> str {
    \"count: \" + c.count.to_str()
}

fn bump(c: Counter, by: i64) -> Counter {
    Counter { count: c.count + by }
}

fn main() {
    let mut c = Counter { count: 0 };
    while !stdin_eof() {
        let line = read_line();
        if line == \"inc\" {
            c = bump(c, 1);
        }
        println(label(c));
    }
}
";

/// Whether tmux can be used; `false` (with a message) skips the test outside CI.
fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "tmux is missing; .ci/run installs it"
        );
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
    }
    ok
}

/// A tmux server of the test's own with one pane running `holo ARGS` in the sandbox.
struct Term {
    socket: String,
}

impl Term {
    fn start(sandbox: &Sandbox, args: &str) -> Term {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "holo-live-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let command = format!(
            "cd '{}' && HOLO_HOME='{}' HOME='{}' exec '{}' {args}",
            sandbox.root().display(),
            sandbox.home().display(),
            sandbox.home().display(),
            holo_bin().display()
        );
        let term = Term { socket };
        term.tmux(&[
            "-f",
            "/dev/null",
            "start-server",
            ";",
            "set",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "150",
            "-y",
            "50",
            &command,
        ]);
        term
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Everything the pane showed (its history too), lines joined where they wrapped.
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-5000", "-t", "t"])
    }

    /// Waits until `done(screen)` holds.
    #[track_caller]
    fn wait(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WATCH_TIMEOUT;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Waits until the screen has a line equal to `line` after the last line that starts with
    /// `after` (the whole screen when there is none).
    #[track_caller]
    fn wait_line_after(&self, after: &str, line: &str) {
        self.wait(&format!("`{line}` after `{after}`"), |screen| {
            let lines: Vec<&str> = screen.lines().collect();
            let from = lines
                .iter()
                .rposition(|l| l.starts_with(after))
                .map_or(0, |i| i + 1);
            lines[from..].iter().any(|l| l.trim_end() == line)
        });
    }

    /// Waits until `count` lines start with `prefix`.
    #[track_caller]
    fn wait_lines(&self, prefix: &str, count: usize) {
        self.wait(
            &format!("{count} lines starting with `{prefix}`"),
            |screen| screen.lines().filter(|l| l.starts_with(prefix)).count() >= count,
        );
    }

    fn count(&self, prefix: &str) -> usize {
        self.screen()
            .lines()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    /// The pid of holo (the pane's process).
    fn holo_pid(&self) -> u32 {
        self.tmux(&["display", "-p", "-t", "t", "#{pane_pid}"])
            .trim()
            .parse()
            .expect("the pane's pid")
    }

    /// The pid of the program's process (holo's child `holo __run --live`).
    fn program_pid(&self) -> u32 {
        let holo = self.holo_pid();
        let mut found = None;
        for task in std::fs::read_dir(format!("/proc/{holo}/task")).expect("holo's tasks") {
            let children = std::fs::read_to_string(task.expect("a task").path().join("children"))
                .unwrap_or_default();
            for pid in children.split_whitespace() {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains("__run") {
                    found = pid.parse().ok();
                }
            }
        }
        found.expect("holo's child running the program")
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// Writes `text` to `src/main.holo` the way an editor saves (a new file renamed over it).
fn save(sandbox: &Sandbox, text: &str) {
    let tmp = sandbox.path("src/.main.holo.swp");
    std::fs::write(&tmp, text).expect("write the new version");
    std::fs::rename(&tmp, sandbox.path("src/main.holo")).expect("rename it into place");
}

fn counter() -> (Sandbox, Term) {
    let sandbox = Sandbox::new();
    sandbox.package("counter", &[("src/main.holo", COUNTER)]);
    let term = Term::start(&sandbox, "run --watch");
    term.wait_lines("[holo] running `counter`", 1);
    (sandbox, term)
}

#[test]
fn a_counter_is_patched_restarted_and_kept_running() {
    if !tmux_available() {
        return;
    }
    let (sandbox, term) = counter();
    term.type_line("inc");
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 2");

    // A body edited: patched, the state kept.
    let v2 = COUNTER.replace("\"count: \"", "\"count = \"");
    save(&sandbox, &v2);
    term.wait_lines("[holo] patched label in ", 1);
    term.type_line("inc");
    term.wait_line_after("[holo] patched", "count = 3");

    // A struct changed: restarted, the inputs replayed, the same state.
    let v3 = v2
        .replace("    count: i64,\n}", "    count: i64,\n    max: i64,\n}")
        .replace(
            "Counter { count: c.count + by }",
            "Counter { count: c.count + by, max: 0 }",
        )
        .replace("Counter { count: 0 }", "Counter { count: 0, max: 0 }");
    save(&sandbox, &v3);
    term.wait("the restart", |s| {
        s.contains("[holo] restarted: the layout of Counter changed; replayed 6 inputs in ")
    });
    // The end of the replayed session is on the screen again, then the program is live.
    term.wait_line_after("[holo] restarted", "count = 3");
    term.type_line("inc");
    term.wait_line_after("[holo] restarted", "count = 4");

    // A type error: shown, and the program keeps running its old code.
    save(&sandbox, &v3.replace("c.count.to_str()", "c.count"));
    term.wait_lines("[holo] not patched: the package has errors", 1);
    assert!(term.screen().contains("error[E0369]"), "{}", term.screen());
    term.type_line("inc");
    term.wait_line_after("[holo] not patched", "count = 5");

    // A patch that fails at run time, then the fix: restarted with the inputs replayed.
    let failing = v3.replace("c.count.to_str()", "(100 / (6 - c.count)).to_str()");
    save(&sandbox, &failing);
    term.wait_lines("[holo] patched label in ", 2);
    term.type_line("inc");
    term.wait_lines("[holo] the program stopped with a runtime error", 1);
    assert!(
        term.screen().contains("error: division by zero"),
        "{}",
        term.screen()
    );
    save(
        &sandbox,
        &v3.replace("c.count.to_str()", "(100 / (9 - c.count)).to_str()"),
    );
    term.wait_lines(
        "[holo] restarted: the program stopped with a runtime error; replayed",
        1,
    );
    // count is 6 again after the replay (the failing input included): 100 / 3.
    term.wait_line_after("[holo] restarted", "count = 33");
    term.type_line("inc");
    term.wait_line_after("[holo] restarted", "count = 50");
}

#[test]
fn a_replay_that_diverges_goes_live_where_it_stops() {
    if !tmux_available() {
        return;
    }
    let (sandbox, term) = counter();
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 1");
    // `main` now reads the clock first: the recording starts with input.
    let v2 = COUNTER.replace(
        "    let mut c = Counter { count: 0 };",
        "    let started = clock_ms();\n    let mut c = Counter { count: started - started };",
    );
    save(&sandbox, &v2);
    term.wait_lines(
        "[holo] restarted: main changed, and it runs until the program ends; replayed 0 inputs",
        1,
    );
    term.wait_lines(
        "[holo] the replay stopped early: the program asked for the clock where the recording has an answer to whether input has ended (input 1 of 2)",
        1,
    );
    term.type_line("inc");
    term.wait_line_after("[holo] the replay stopped early", "count: 1");
}

#[test]
fn a_running_loop_finishes_on_old_code_and_the_next_call_takes_the_new() {
    if !tmux_available() {
        return;
    }
    let program = "fn tick() -> i64 {
    1
}

fn work() {
    let start = clock_ms();
    let mut calls = 0;
    let mut sum = 0;
    while clock_ms() - start < 4000 {
        sum += tick();
        calls += 1;
    }
    println(\"sum \" + sum.to_str() + \" of \" + calls.to_str());
}

fn main() {
    while !stdin_eof() {
        let _ = read_line();
        work();
    }
}
";
    let sandbox = Sandbox::new();
    sandbox.package("spin", &[("src/main.holo", program)]);
    let term = Term::start(&sandbox, "run --watch");
    term.wait_lines("[holo] running `spin`", 1);
    term.type_line("go");
    std::thread::sleep(Duration::from_millis(1000));
    save(&sandbox, &program.replace("    1\n}", "    2\n}"));
    term.wait_lines("[holo] patched tick in ", 1);
    term.wait_lines("sum ", 1);
    let screen = term.screen();
    let line = screen.lines().find(|l| l.starts_with("sum ")).unwrap();
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let (sum, calls) = (numbers[0], numbers[1]);
    // Some calls ran the old `tick` (1), the ones after the patch the new one (2).
    assert!(sum > calls && sum < 2 * calls, "{line}");
}

#[test]
fn a_program_killed_from_outside_starts_again_on_the_next_save() {
    if !tmux_available() {
        return;
    }
    let (sandbox, term) = counter();
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 1");
    let pid = term.program_pid();
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    term.wait_lines(
        "[holo] the program's process was killed by signal 9 (SIGKILL); save a file to start it again with its inputs replayed",
        1,
    );
    save(&sandbox, &COUNTER.replace("\"count: \"", "\"count is \""));
    term.wait_lines(
        "[holo] restarted: the program's process had gone; replayed 2 inputs in ",
        1,
    );
    term.type_line("inc");
    term.wait_line_after("[holo] restarted", "count is 2");
}

#[test]
fn many_patches_keep_memory_bounded() {
    if !tmux_available() {
        return;
    }
    let slow = std::env::var("HOLO_SLOW_TESTS").is_ok_and(|v| v == "1");
    let patches = if slow { 1000 } else { 40 };
    let (sandbox, term) = counter();
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 1");
    let rss = |pid: u32| -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    let mut first_rss = None;
    let mut max_rss = 0;
    for i in 1..=patches {
        save(
            &sandbox,
            &COUNTER.replace("\"count: \"", &format!("\"count {i}: \"")),
        );
        // Each save is either a patch or, every MAX_PATCHES, a restart.
        term.wait(&format!("save {i} taken"), |s| {
            s.lines()
                .filter(|l| l.starts_with("[holo] patched") || l.starts_with("[holo] restarted"))
                .count()
                >= i
        });
        let now = rss(term.program_pid());
        first_rss.get_or_insert(now);
        max_rss = max_rss.max(now);
    }
    term.type_line("inc");
    term.wait_line_after("[holo]", &format!("count {patches}: 2"));
    let first = first_rss.unwrap_or(0);
    eprintln!(
        "the program's memory: {first} KiB after the first patch, at most {max_rss} KiB over {patches} patches"
    );
    // The policy: a process keeps the code of at most MAX_PATCHES patches (a few KiB each),
    // then restarts. 64 MiB is far above that and far below a leak of a program per patch.
    assert!(
        max_rss < first + 64 * 1024,
        "the program's memory grew from {first} KiB to {max_rss} KiB over {patches} patches"
    );
    if slow {
        assert!(term.count("[holo] restarted: 200 patches since it started") >= 4);
    }
}

#[test]
fn a_recorded_session_replays_against_the_current_code() {
    if !tmux_available() {
        return;
    }
    let (sandbox, term) = counter();
    term.type_line("inc");
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 2");
    let pid = term.holo_pid();
    term.tmux(&["send-keys", "-t", "t", "C-c"]);
    // holo's own process ending is what counts: tmux sometimes leaves it unreaped (a zombie)
    // for a long while, and only then shows the pane as dead.
    let deadline = Instant::now() + WATCH_TIMEOUT;
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next());
        if matches!(state, None | Some("Z") | Some("X")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "holo did not stop after Ctrl+C; the screen:\n{}",
            term.screen()
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    let run = sandbox.holo(&["run", "--replay"]).run();
    run.code(0)
        .stderr_contains("[holo] replayed 4 inputs of the recorded session in ")
        .stderr_contains("[holo] the output is the recorded run's (2 lines)");
    sandbox.write(
        "src/main.holo",
        COUNTER.replace("\"count: \"", "\"count = \""),
    );
    sandbox
        .holo(&["run", "--replay"])
        .run()
        .code(1)
        .stderr_contains("[holo] the output first differs at line 1: the recorded run printed `count: 1`, the current code prints `count = 1`");
    // `holo clean` removes the recording with the rest of holo's files.
    sandbox.holo(&["clean"]).run().code(0);
    sandbox
        .holo(&["run", "--replay"])
        .run()
        .stderr_contains("there is no recorded session to replay");
}

#[test]
fn holo_dev_runs_the_program_beside_the_affected_tests() {
    if !tmux_available() {
        return;
    }
    let with_test = format!(
        "{COUNTER}
#[test]
fn label_shows_the_count() {{
    assert_eq(label(Counter {{ count: 1 }}), \"count: 1\");
}}
"
    );
    let sandbox = Sandbox::new();
    sandbox.package("counter", &[("src/main.holo", with_test.as_str())]);
    let term = Term::start(&sandbox, "dev --run");
    term.wait_lines("[holo] running `counter`", 1);
    term.type_line("inc");
    term.wait_line_after("[holo]", "count: 1");
    // The body edited: the program patched, and the test that reaches it runs (and fails).
    save(
        &sandbox,
        &with_test.replacen("\"count: \" + c", "\"count = \" + c", 1),
    );
    term.wait_lines("[holo] patched label in ", 1);
    term.wait("the affected test's failure", |s| {
        s.contains("label_shows_the_count") && s.contains("FAILED")
    });
    term.type_line("inc");
    term.wait_line_after("[holo] patched", "count = 2");
}
