//! `holo cache stats`, `holo cache gc` and `holo clean` through the real binary: what they
//! report, what they remove and what they leave alone, and a cache that is damaged or cannot
//! be used at all.

use crate::packages::GOOD_MAIN;
use holo_tests::Sandbox;
use serde_json::Value;
use std::path::PathBuf;

/// A second module with a test of its own.
const UTIL: &str = r#"pub fn triple(x: i64) -> i64 {
    x * 3
}

#[test]
fn triples() {
    assert_eq(triple(2), 6);
}
"#;

/// A package with a test in each of two files.
fn package(sandbox: &Sandbox) {
    sandbox.package(
        "calc",
        &[("src/main.holo", GOOD_MAIN), ("src/util.holo", UTIL)],
    );
}

fn shared_store(sandbox: &Sandbox) -> PathBuf {
    sandbox
        .home()
        .join("cache")
        .join(holo_db::store_file_name())
}

/// The one `cache-stats` object of a `holo cache stats --message-format json`.
fn stats_json(sandbox: &Sandbox) -> Value {
    let run = sandbox
        .holo(&["cache", "stats", "--message-format", "json"])
        .run();
    run.code(0);
    let events = run.json();
    assert_eq!(events.len(), 1, "{}", run.stdout);
    assert_eq!(events[0]["type"], "cache-stats");
    events[0].clone()
}

#[test]
fn stats_of_a_fresh_home_creates_nothing() {
    let sandbox = Sandbox::new();
    let run = sandbox.holo(&["cache", "stats"]).run();
    run.code(0);
    let path = shared_store(&sandbox);
    assert!(
        run.stdout.starts_with(&format!(
            "Shared cache   {}\n  size         empty (not created yet)\n  last run     none recorded\n  toolchain    ",
            path.display()
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Package state"), "not in a package");
    assert!(
        !sandbox.home().join("cache").exists(),
        "stats created the cache"
    );

    let stats = stats_json(&sandbox);
    assert_eq!(stats["shared"]["exists"], false);
    assert_eq!(stats["shared"]["entries"], 0);
    assert_eq!(stats["shared"]["last_run"], Value::Null);
    assert_eq!(stats["project"], Value::Null);
    assert!(
        stats["build_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("0."))
    );
}

#[test]
fn stats_show_the_cache_the_package_state_and_the_last_run() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(0);

    let stats = stats_json(&sandbox);
    let shared = &stats["shared"];
    assert_eq!(shared["exists"], true);
    assert!(shared["entries"].as_u64().unwrap() > 0, "{stats}");
    assert!(shared["file_bytes"].as_u64().unwrap() >= shared["entry_bytes"].as_u64().unwrap());
    assert_eq!(shared["last_run"]["command"], "holo test");
    let project = &stats["project"];
    assert_eq!(project["exists"], true);
    assert_eq!(project["tests_recorded"], 2);
    assert_eq!(project["tests_mapped"], 2);
    assert!(project["map_links"].as_u64().unwrap() >= 2);

    // A second command on unchanged sources is answered from the cache. (`holo check` would
    // be answered from the project's snapshot of the last clean test run, without the cache.)
    sandbox.holo(&["build"]).run().code(0);
    let stats = stats_json(&sandbox);
    let last = &stats["shared"]["last_run"];
    assert_eq!(last["command"], "holo build");
    assert!(last["hits"].as_u64().unwrap() > 0, "{last}");
    assert_eq!(last["misses"], 0, "{last}");
    assert_eq!(last["hit_rate"], 1.0);

    // The human report, from a folder inside the package.
    let run = sandbox.holo(&["cache", "stats"]).cwd("src").run();
    run.code(0)
        .stdout_contains("100.0% hit rate")
        .stdout_contains("`holo build` at ")
        .stdout_contains(&format!(
            "Package state  [ROOT]/target/holo/{}\n",
            holo_db::state_file_name()
        ))
        .stdout_contains("  tests        2 results recorded; 2 tests in the test-to-code map (");
}

#[test]
fn stats_with_a_manifest_path_that_is_not_a_package_is_an_error() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["cache", "stats", "--manifest-path", "nowhere/holo.toml"])
        .run()
        .code(2)
        .stderr_contains("error: the manifest `[ROOT]/nowhere/holo.toml` does not exist");
}

/// Adds `count` entries of `len` bytes to the shared store, last used `days_ago` days ago.
fn add_old_entries(sandbox: &Sandbox, count: u64, len: usize, days_ago: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (store, _) = holo_db::OpenOptions::new("an old holo build")
        .fixed_time(now - days_ago * 86_400)
        .open(shared_store(sandbox))
        .unwrap();
    let keys: Vec<_> = (0..count)
        .map(|n| holo_db::fingerprint(&[b"old", &n.to_le_bytes(), &days_ago.to_le_bytes()]))
        .collect();
    let value = vec![7u8; len];
    store
        .put_batch(keys.iter().map(|k| (k, value.as_slice())))
        .unwrap();
}

#[test]
fn gc_removes_results_not_used_recently_and_keeps_the_rest() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["check"]).run().code(0);
    let fresh = stats_json(&sandbox)["shared"]["entries"].as_u64().unwrap();
    add_old_entries(&sandbox, 5, 1000, 45);
    add_old_entries(&sandbox, 3, 1000, 10);

    let run = sandbox
        .holo(&["cache", "gc", "--message-format", "json"])
        .run();
    run.code(0);
    let report = &run.json()[0];
    assert_eq!(report["type"], "cache-gc");
    assert_eq!(report["removed_entries"], 5, "{report}");
    assert_eq!(report["removed_bytes"], 5 * (32 + 1000));
    assert_eq!(report["kept_entries"], fresh + 3);
    assert_eq!(report["max_age_days"], 30);

    // A shorter age limit takes the ten-day-old ones too, reported for people.
    let run = sandbox.holo(&["cache", "gc", "--max-age", "7"]).run();
    run.code(0)
        .stderr_contains("     Removed 3 cached results (3.0 KiB) not used in the last 7 days\n")
        .stderr_contains(&format!("        Kept {fresh} cached result"));
    assert_eq!(
        stats_json(&sandbox)["shared"]["entries"].as_u64().unwrap(),
        fresh
    );

    // What was kept still serves the next command.
    sandbox.holo(&["check"]).run().code(0);
    let last = &stats_json(&sandbox)["shared"]["last_run"];
    assert_eq!(last["misses"], 0, "{last}");
}

#[test]
fn gc_with_a_size_limit_empties_the_cache_and_commands_refill_it() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["check"]).run().code(0);
    let run = sandbox
        .holo(&["cache", "gc", "--max-size", "0", "--message-format", "json"])
        .run();
    run.code(0);
    let report = &run.json()[0];
    assert_eq!(report["kept_entries"], 0, "{report}");
    assert!(report["removed_entries"].as_u64().unwrap() > 0);
    assert_eq!(report["max_bytes"], 0);
    assert!(
        report["file_bytes_after"].as_u64().unwrap()
            <= report["file_bytes_before"].as_u64().unwrap()
    );

    sandbox.holo(&["check"]).run().code(0);
    let stats = stats_json(&sandbox);
    assert!(stats["shared"]["entries"].as_u64().unwrap() > 0);
    assert!(stats["shared"]["last_run"]["misses"].as_u64().unwrap() > 0);

    sandbox
        .holo(&["cache", "gc", "--max-size", "lots"])
        .run()
        .code(2)
        .stderr_contains("`lots` is not a size");
}

#[test]
fn gc_without_a_cache_does_nothing() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["cache", "gc"])
        .run()
        .code(0)
        .stderr_contains("     Removed nothing: there is no cache at ");
    assert!(!sandbox.home().join("cache").exists());
}

#[test]
fn clean_removes_the_package_state_and_nothing_else() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.write("target/notes.txt", "mine");
    sandbox.holo(&["test"]).run().code(0);
    let state = sandbox.path("target/holo");
    assert!(state.is_dir());

    let run = sandbox.holo(&["clean"]).run();
    run.code(0);
    assert!(
        run.stderr.starts_with("     Removed 1 file, ") && run.stderr.ends_with(" total\n"),
        "{}",
        run.stderr
    );
    assert!(!state.exists());
    assert_eq!(sandbox.read("target/notes.txt"), "mine");
    assert!(sandbox.path("src/main.holo").is_file());
    assert!(shared_store(&sandbox).is_file(), "the shared cache stays");

    // Nothing left to clean is fine.
    sandbox
        .holo(&["clean"])
        .run()
        .code(0)
        .stderr_is("     Removed 0 files ([ROOT]/target/holo does not exist)\n");

    // The package's state is rebuilt by the next run. (Results may still come from the
    // shared cache, which shares them by what the tests reach.)
    let run = sandbox
        .holo(&["test", "--affected", "--message-format", "json"])
        .run();
    run.code(0);
    let summary = run.json().pop().unwrap();
    assert_eq!(
        summary["passed"].as_u64().unwrap() + summary["cached"].as_u64().unwrap(),
        2,
        "{summary}"
    );
    assert!(state.is_dir());
}

#[test]
fn clean_removes_an_emptied_target_folder_and_reports_json() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(0);
    let run = sandbox
        .holo(&[
            "clean",
            "--manifest-path",
            "../holo.toml",
            "--message-format",
            "json",
        ])
        .cwd("src")
        .run();
    run.code(0);
    let event = &run.json()[0];
    assert_eq!(event["type"], "clean");
    assert_eq!(event["path"], "[ROOT]/target/holo");
    assert_eq!(event["removed_files"], 1);
    assert!(event["removed_bytes"].as_u64().unwrap() > 0);
    assert!(
        !sandbox.path("target").exists(),
        "target/ held only holo's state"
    );
}

#[test]
fn clean_outside_a_package_is_an_error() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["clean"])
        .run()
        .code(2)
        .stderr_contains("error: could not find `holo.toml` in `[ROOT]` or any parent folder");
}

#[test]
fn a_damaged_cache_is_moved_aside_and_rebuilt() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    let path = shared_store(&sandbox);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "this is not a database, it is a note\n".repeat(100)).unwrap();

    let run = sandbox.holo(&["check"]).run();
    run.code(0).stderr_contains(&format!(
        "warning: the store {} is not a redb database; it was moved to {}.corrupt-",
        path.display(),
        path.display()
    ));
    // The next command uses the rebuilt store without a warning.
    let run = sandbox.holo(&["check"]).run();
    run.code(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    let stats = stats_json(&sandbox);
    let aside = stats["shared"]["set_aside"].as_array().unwrap();
    assert_eq!(aside.len(), 1, "{stats}");
    assert_eq!(aside[0]["reason"], "damaged");
    sandbox
        .holo(&["cache", "stats"])
        .run()
        .code(0)
        .stdout_contains(
            "  set aside    1 damaged store moved aside, 3.6 KiB (holo does not use them;",
        );
}

#[test]
fn a_cache_that_cannot_be_used_does_not_fail_a_command() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    // HOLO_HOME is a file, so no cache folder can be made in it.
    sandbox.write("not-a-folder", "x");
    let home = sandbox.path("not-a-folder");
    let run = sandbox.holo(&["test"]).env("HOLO_HOME", &home).run();
    run.code(0)
        .stdout_contains("test result: 2 passed, 0 failed")
        .stderr_contains("warning: cannot use the cache at [ROOT]/not-a-folder/cache/");
    assert_eq!(
        run.stderr.matches("cannot use the cache").count(),
        1,
        "one warning:\n{}",
        run.stderr
    );
}

#[test]
fn the_new_commands_have_help() {
    let sandbox = Sandbox::new();
    for (args, needles) in [
        (
            &["cache", "--help"][..],
            &[
                "Usage: holo cache [OPTIONS] <COMMAND>",
                "stats",
                "gc",
                "HOLO_HOME",
            ][..],
        ),
        (
            &["cache", "stats", "--help"],
            &[
                "Usage: holo cache stats [OPTIONS]",
                "--message-format <FMT>",
                "--manifest-path <PATH>",
            ],
        ),
        (
            &["cache", "gc", "--help"],
            &[
                "Usage: holo cache gc [OPTIONS]",
                "--max-age <DAYS>",
                "[default: 30]",
                "--max-size <SIZE>",
                "500MB",
            ],
        ),
        (
            &["clean", "--help"],
            &[
                "Usage: holo clean [OPTIONS]",
                "--manifest-path <PATH>",
                "target/",
            ],
        ),
    ] {
        let run = sandbox.holo(args).run();
        run.code(0);
        for needle in needles {
            run.stdout_contains(needle);
        }
    }
    // `holo cache` alone is a usage error.
    sandbox
        .holo(&["cache"])
        .run()
        .code(2)
        .stderr_contains("Usage: holo cache [OPTIONS] <COMMAND>");
}
