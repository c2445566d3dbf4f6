//! `holo check --watch`: a real watching process, driven by real file system changes.
//!
//! Each step changes the package and then waits (with a deadline, never a fixed sleep) for the
//! outcome line that the new state must produce. Proving that a change does *not* start a
//! check needs a quiet period; those steps wait a fixed time and then check that no outcome
//! line appeared.

use crate::packages::{GOOD_MAIN, GOOD_MODULE, TYPE_ERROR_MAIN};
use holo_tests::{Running, Sandbox, parse_json_lines};
use std::time::Duration;

/// How long a change that must be ignored is given to (wrongly) produce a check.
const QUIET_PERIOD: Duration = Duration::from_millis(1500);

fn is_outcome(line: &str) -> bool {
    line.starts_with("✓ ") || line.starts_with("✗ ")
}

/// A watching `holo check`, with the number of outcome lines seen so far.
struct Watch {
    running: Running,
    seen: usize,
}

impl Watch {
    fn start(sandbox: &Sandbox, args: &[&str]) -> Watch {
        let mut all = vec!["check", "--watch"];
        all.extend_from_slice(args);
        let running = sandbox.holo(&all).spawn();
        running.wait_for_stderr_lines("the first check", 1, |l| l == "watching for changes…");
        Watch { running, seen: 0 }
    }

    fn outcomes(&self) -> Vec<String> {
        self.running
            .stderr()
            .into_iter()
            .filter(|l| is_outcome(l))
            .collect()
    }

    /// Waits for a new outcome line equal to `expected` (after normalising the time) and
    /// returns every stderr line printed since the previous outcome awaited.
    #[track_caller]
    fn expect(&mut self, what: &str, expected: &str) {
        let seen = self.seen;
        let index = self.running.wait_for(what, |_, err| {
            let outcomes: Vec<&String> = err.iter().filter(|l| is_outcome(l)).collect();
            outcomes
                .iter()
                .enumerate()
                .skip(seen)
                .find(|(_, l)| l.as_str() == expected)
                .map(|(i, _)| i)
        });
        self.seen = index + 1;
    }

    /// Fails if an outcome line appears within the quiet period.
    #[track_caller]
    fn expect_nothing(&mut self, what: &str) {
        std::thread::sleep(QUIET_PERIOD);
        let outcomes = self.outcomes();
        assert_eq!(
            outcomes.len(),
            self.seen,
            "{what} must not start a check, but got {:?}\n--- stderr:\n{}",
            &outcomes[self.seen.min(outcomes.len())..],
            self.running.stderr().join("\n")
        );
    }
}

/// Saves like many editors do: write a temporary file next to the target, then rename it over.
/// The target changes in one step, so no check can see it half-written; steps whose outcome
/// line could also match a half-written state use this rather than a plain write.
fn atomic_save(sandbox: &Sandbox, relative: &str, contents: impl AsRef<[u8]>) {
    let target = sandbox.path(relative);
    let tmp = target.with_file_name(format!(
        ".{}.tmp",
        target.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, &target).unwrap();
}

#[test]
fn watch_follows_every_kind_of_file_change() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    let mut watch = Watch::start(&sandbox, &[]);
    watch.expect("the first check", "✓ checked 1 file in [TIME]");

    // A plain write.
    sandbox.write("src/main.holo", format!("{GOOD_MAIN}\n// edited\n"));
    watch.expect("a plain write", "✓ checked 1 file in [TIME]");

    // An atomic save: a temporary file renamed over the original.
    atomic_save(
        &sandbox,
        "src/main.holo",
        format!("{GOOD_MAIN}\n// saved atomically\n"),
    );
    watch.expect("an atomic save", "✓ checked 1 file in [TIME]");

    // Files created, renamed and deleted.
    sandbox.write("src/util.holo", GOOD_MODULE);
    watch.expect("a new file", "✓ checked 2 files in [TIME]");
    std::fs::rename(
        sandbox.path("src/util.holo"),
        sandbox.path("src/helpers.holo"),
    )
    .unwrap();
    sandbox.write("src/extra.holo", GOOD_MODULE);
    watch.expect(
        "a renamed file and a new one",
        "✓ checked 3 files in [TIME]",
    );
    std::fs::remove_file(sandbox.path("src/helpers.holo")).unwrap();
    std::fs::remove_file(sandbox.path("src/extra.holo")).unwrap();
    watch.expect("deleted files", "✓ checked 1 file in [TIME]");

    // A folder created with files, removed, and recreated.
    sandbox.write("src/geo/shapes.holo", GOOD_MODULE);
    sandbox.write("src/geo/deeper/area.holo", GOOD_MODULE);
    watch.expect("a new folder", "✓ checked 3 files in [TIME]");
    std::fs::remove_dir_all(sandbox.path("src/geo")).unwrap();
    watch.expect("a removed folder", "✓ checked 1 file in [TIME]");
    sandbox.write("src/geo/shapes.holo", GOOD_MODULE);
    watch.expect("a recreated folder", "✓ checked 2 files in [TIME]");

    // A folder renamed.
    std::fs::rename(sandbox.path("src/geo"), sandbox.path("src/geometry")).unwrap();
    sandbox.write("src/geometry/lines.holo", GOOD_MODULE);
    watch.expect("a renamed folder", "✓ checked 3 files in [TIME]");

    // A file that is briefly not UTF-8, then fixed.
    atomic_save(&sandbox, "src/geometry/lines.holo", b"pub fn \xff() {}\n");
    watch.expect("an invalid UTF-8 file", "✗ 1 error in [TIME]");
    let stderr = watch.running.stderr().join("\n");
    assert!(
        stderr.contains("error: `src/geometry/lines.holo` is not valid UTF-8"),
        "{stderr}"
    );
    atomic_save(&sandbox, "src/geometry/lines.holo", GOOD_MODULE);
    watch.expect("the fixed file", "✓ checked 3 files in [TIME]");

    // Changes that must not start a check: outside src/, non-source and hidden files, and
    // saving a file without changing it.
    sandbox.write("target/debug/out.holo", "x");
    sandbox.write("target/notes.txt", "x");
    sandbox.write(".git/index", "x");
    sandbox.write("README.md", "x");
    sandbox.write("src/notes.txt", "x");
    sandbox.write("src/.main.holo.swp", "x");
    sandbox.write("src/main.holo~", "x");
    sandbox.write("src/geometry/.#lines.holo", "x");
    // Unchanged text: saved again atomically (a plain write would truncate first, and a check
    // could legitimately see the empty file), and touched.
    let same = sandbox.read("src/main.holo");
    atomic_save(&sandbox, "src/main.holo", &same);
    let touched = std::fs::File::options()
        .append(true)
        .open(sandbox.path("src/geometry/lines.holo"))
        .unwrap();
    touched.set_modified(std::time::SystemTime::now()).unwrap();
    drop(touched);
    let manifest = sandbox.read("holo.toml");
    atomic_save(&sandbox, "holo.toml", &manifest);
    watch.expect_nothing("writes outside src/, to non-source files, or of unchanged text");

    // Still watching afterwards.
    sandbox.write("src/late.holo", GOOD_MODULE);
    watch.expect(
        "a file after the ignored writes",
        "✓ checked 4 files in [TIME]",
    );

    // A broken manifest is reported and watching goes on; fixing it recovers.
    atomic_save(
        &sandbox,
        "holo.toml",
        format!("{manifest}[colours]\nred = 1\n"),
    );
    watch.expect("a broken manifest", "✗ 1 error in [TIME]");
    let stderr = watch.running.stderr().join("\n");
    assert!(
        stderr.contains("error: unknown top-level key `colours`"),
        "{stderr}"
    );
    atomic_save(&sandbox, "holo.toml", &manifest);
    watch.expect("the fixed manifest", "✓ checked 4 files in [TIME]");

    // A removed manifest is reported missing and watching goes on; it coming back recovers.
    std::fs::remove_file(sandbox.path("holo.toml")).unwrap();
    watch.expect("a removed manifest", "✗ 1 error in [TIME]");
    let stderr = watch.running.stderr().join("\n");
    assert!(stderr.contains("holo.toml`: No such file"), "{stderr}");
    sandbox.write("holo.toml", &manifest);
    watch.expect("the manifest back", "✓ checked 4 files in [TIME]");

    // `src/` removed and recreated: it is watched again.
    std::fs::remove_dir_all(sandbox.path("src")).unwrap();
    watch.expect("src/ removed", "✗ 1 error in [TIME]");
    sandbox.write("src/main.holo", GOOD_MAIN);
    watch.expect("src/ recreated", "✓ checked 1 file in [TIME]");
    sandbox.write("src/again.holo", GOOD_MODULE);
    watch.expect(
        "a file in the recreated src/",
        "✓ checked 2 files in [TIME]",
    );

    // Ctrl+C ends it cleanly.
    assert_eq!(watch.running.interrupt(), Some(0));
}

#[test]
fn watch_reports_new_diagnostics_and_recovers() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    let mut watch = Watch::start(&sandbox, &[]);
    watch.expect("the first check", "✓ checked 1 file in [TIME]");
    atomic_save(&sandbox, "src/main.holo", TYPE_ERROR_MAIN);
    watch.expect("a type error", "✗ 1 error in [TIME]");
    let stderr = watch.running.stderr().join("\n");
    assert!(stderr.contains("error[E0308]"), "{stderr}");
    assert!(stderr.contains(" --> src/main.holo:2:"), "{stderr}");
    atomic_save(&sandbox, "src/main.holo", GOOD_MAIN);
    watch.expect("the fix", "✓ checked 1 file in [TIME]");
    assert_eq!(watch.running.interrupt(), Some(0));
}

#[test]
fn watch_in_json_mode_prints_events_and_a_summary_per_check() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    let watch = Watch::start(&sandbox, &["--message-format", "json"]);
    let is_summary = |l: &str| l.starts_with("{\"type\":\"summary\"");
    watch
        .running
        .wait_for_stdout_lines("the first summary", 1, is_summary);

    sandbox.write("src/util.holo", GOOD_MODULE);
    watch
        .running
        .wait_for_stdout_lines("the second summary", 2, is_summary);

    atomic_save(&sandbox, "src/util.holo", b"\xff\xfe");
    watch
        .running
        .wait_for_stdout_lines("the third summary", 3, is_summary);

    let events = parse_json_lines(&watch.running.stdout().join("\n"));
    let summaries: Vec<_> = events.iter().filter(|e| e["type"] == "summary").collect();
    assert_eq!(summaries[0]["files"], 1);
    assert_eq!(summaries[0]["errors"], 0);
    assert_eq!(summaries[1]["files"], 2);
    assert_eq!(summaries[1]["errors"], 0);
    assert_eq!(summaries[2]["errors"], 1);
    let error = events
        .iter()
        .find(|e| e["type"] == "error")
        .expect("an error event");
    assert_eq!(error["file"], "src/util.holo");
    assert_eq!(events.last().unwrap()["type"], "summary");
    assert_eq!(watch.running.interrupt(), Some(0));
}

#[test]
fn watch_starts_even_with_a_broken_manifest() {
    let sandbox = Sandbox::new();
    sandbox.write("src/main.holo", GOOD_MAIN);
    sandbox.write("holo.toml", "[package]\nname = \"hello\"\nversion = 1\n");
    let mut watch = Watch::start(&sandbox, &[]);
    watch.expect("the first check", "✗ 1 error in [TIME]");
    atomic_save(
        &sandbox,
        "holo.toml",
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\n",
    );
    watch.expect("the fixed manifest", "✓ checked 1 file in [TIME]");
    assert_eq!(watch.running.interrupt(), Some(0));
}
