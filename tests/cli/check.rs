//! `holo check` (one-shot): output formats, exit codes, and every way the package can be
//! unusable.

use crate::packages::{GOOD_MAIN, GOOD_MODULE, SYNTAX_ERROR_MAIN, TYPE_ERROR_MAIN, WARNING_MAIN};
use holo_tests::Sandbox;
use serde_json::Value;

#[test]
fn a_good_package_checks_with_exit_0() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "hello",
        &[("src/main.holo", GOOD_MAIN), ("src/util.holo", GOOD_MODULE)],
    );
    sandbox.holo(&["check"]).run().code(0).stderr_is(
        "    Checking hello v0.1.0 ([ROOT])\n    Finished checking hello (2 files) in [TIME]\n",
    );
}

#[test]
fn the_manifest_is_found_in_parent_folders_or_given_explicitly() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    sandbox.write("src/deep/er/.keep", "");
    sandbox
        .holo(&["check"])
        .cwd("src/deep/er")
        .run()
        .code(0)
        .stderr_contains("Checking hello v0.1.0 ([ROOT])");

    let other = Sandbox::new();
    let manifest = sandbox.path("holo.toml");
    other
        .holo(&["check", "--manifest-path", manifest.to_str().unwrap()])
        .run()
        .code(0)
        .stderr_contains("Finished checking hello (1 file)");
    other
        .holo(&["-C", sandbox.root().to_str().unwrap(), "check"])
        .run()
        .code(0);
    other
        .holo(&["check", "--manifest-path", "nowhere/holo.toml"])
        .run()
        .code(2)
        .stderr_contains("error: the manifest `[ROOT]/nowhere/holo.toml` does not exist");
    other.write("Cargo.toml", "");
    other
        .holo(&["check", "--manifest-path", "Cargo.toml"])
        .run()
        .code(2)
        .stderr_contains("does not name a `holo.toml` file");
}

#[test]
fn json_output_of_a_good_package_is_one_summary() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(0);
    let events = run.json();
    assert_eq!(events.len(), 1, "{}", run.stdout);
    let summary = &events[0];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["warnings"], 0);
    assert_eq!(summary["files"], 1);
    assert!(
        summary["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{summary}"
    );
}

#[test]
fn a_type_error_is_rendered_and_exits_with_1() {
    let sandbox = Sandbox::new();
    sandbox.package("bad", &[("src/main.holo", TYPE_ERROR_MAIN)]);
    let run = sandbox.holo(&["check"]).run();
    run.code(1)
        .stderr_contains("error[E0308]: ")
        .stderr_contains(" --> src/main.holo:2:")
        .stderr_contains("2 |     let x: i64 = \"a\";")
        .stderr_contains("error: could not check `bad` due to 1 previous error");
    assert!(!run.stderr.contains("Finished"), "{}", run.stderr);
}

#[test]
fn a_syntax_error_is_e0001() {
    let sandbox = Sandbox::new();
    sandbox.package("bad", &[("src/main.holo", SYNTAX_ERROR_MAIN)]);
    sandbox
        .holo(&["check"])
        .run()
        .code(1)
        .stderr_contains("error[E0001]: ")
        .stderr_contains(" --> src/main.holo:1:")
        .stderr_contains("error: could not check `bad` due to");
}

#[test]
fn json_diagnostics_follow_the_documented_schema() {
    let sandbox = Sandbox::new();
    sandbox.package("bad", &[("src/main.holo", TYPE_ERROR_MAIN)]);
    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(1);
    let events = run.json();
    let (summary, diagnostics) = events.split_last().expect("at least the summary");
    assert_eq!(
        summary["type"], "summary",
        "the summary comes last: {}",
        run.stdout
    );
    assert!(
        diagnostics.iter().all(|e| e["type"] == "diagnostic"),
        "{}",
        run.stdout
    );
    let e0308 = diagnostics
        .iter()
        .find(|d| d["code"] == "E0308")
        .unwrap_or_else(|| panic!("no E0308 in {}", run.stdout));
    assert_eq!(e0308["severity"], "error");
    assert_eq!(e0308["file"], "src/main.holo");
    assert_eq!(e0308["line"], 2);
    for key in ["column", "end_line", "end_column"] {
        assert!(
            e0308[key].as_u64().is_some_and(|n| n >= 1),
            "{key} in {e0308}"
        );
    }
    assert!(e0308["message"].as_str().is_some_and(|m| !m.is_empty()));
    let labels = e0308["labels"].as_array().expect("labels");
    assert_eq!(labels[0]["primary"], true);
    let errors = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d["severity"] == "warning")
        .count();
    assert_eq!(summary["errors"], errors);
    assert_eq!(summary["warnings"], warnings);
    assert_eq!(summary["files"], 1);
    // Human diagnostics do not leak into stderr in JSON mode.
    assert!(!run.stderr.contains("E0308"), "{}", run.stderr);
}

#[test]
fn warnings_alone_exit_with_0() {
    let sandbox = Sandbox::new();
    sandbox.package("warn", &[("src/main.holo", WARNING_MAIN)]);
    sandbox
        .holo(&["check"])
        .run()
        .code(0)
        .stderr_contains("warning[W0001]: ")
        .stderr_contains("warning: `warn` generated 1 warning")
        .stderr_contains("Finished checking warn (1 file)");
}

#[test]
fn a_missing_manifest_is_exit_2_in_both_formats() {
    let sandbox = Sandbox::new();
    sandbox.write("src/main.holo", GOOD_MAIN);
    let run = sandbox.holo(&["check"]).run();
    run.code(2)
        .stderr_contains("error: could not find `holo.toml` in `[ROOT]` or any parent folder");
    run.stderr_contains("Run `holo init`");

    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(2);
    let events = run.json();
    assert_eq!(events[0]["type"], "error");
    assert_eq!(
        events[0]["message"],
        "could not find `holo.toml` in `[ROOT]` or any parent folder"
    );
    assert!(events[0]["hint"].as_str().is_some());
    assert_eq!(events.last().unwrap()["type"], "summary");
}

#[test]
fn a_malformed_manifest_is_reported_with_its_line() {
    let sandbox = Sandbox::new();
    sandbox.write("src/main.holo", GOOD_MAIN);
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hello\"\nedtion = \"2026\"\n",
    );
    sandbox.holo(&["check"]).run().code(2).stderr_is(
        "error: unknown key `edtion` in `[package]`\n --> holo.toml:3:1\n  |\n3 | edtion = \"2026\"\n  | ^^^^^^ unknown key\n  |\n  = help: `[package]` may contain only `name`, `version` and `edition`; remove `edtion` or check its spelling.\n",
    );

    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(2);
    let events = run.json();
    let error = &events[0];
    assert_eq!(error["type"], "error");
    assert_eq!(error["message"], "unknown key `edtion` in `[package]`");
    assert_eq!(error["file"], "holo.toml");
    assert_eq!(error["line"], 3);
    assert_eq!(error["column"], 1);

    // Invalid TOML, a missing table and a bad value, each at its line.
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hello\nversion = \"0.1.0\"\n",
    );
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("error: invalid TOML: ")
        .stderr_contains(" --> holo.toml:2:");
    sandbox.write("holo.toml", "[dependencies]\n");
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("error: the manifest has no `[package]` table\n --> holo.toml:1:1");
    sandbox.write("holo.toml", "[package]\nversion = \"0.1.0\"\n");
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("error: `[package]` has no `name`\n --> holo.toml:1:1");
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hello\"\nedition = \"2024\"\n",
    );
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("error: unknown edition `2024`\n --> holo.toml:3:11");
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hello\"\n[dependencies]\ngeometry = \"one\"\n",
    );
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("is not a valid version requirement for dependency `geometry`")
        .stderr_contains(" --> holo.toml:4:12");
}

#[test]
fn a_package_without_a_root_module_is_exit_2() {
    let sandbox = Sandbox::new();
    sandbox.package("empty", &[("src/util.holo", GOOD_MODULE)]);
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains("error: package `empty` has neither `src/main.holo` nor `src/lib.holo`");
}

#[test]
fn a_non_utf8_source_file_is_named() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    sandbox.write("src/bad.holo", b"// fine\nfn \xff\xfe() {}\n");
    let run = sandbox.holo(&["check"]).run();
    run.code(2)
        .stderr_contains("error: `src/bad.holo` is not valid UTF-8")
        .stderr_contains("--> src/bad.holo:2:4");

    let run = sandbox.holo(&["check", "--message-format", "json"]).run();
    run.code(2);
    let events = run.json();
    assert_eq!(events[0]["type"], "error");
    assert_eq!(events[0]["file"], "src/bad.holo");
    assert_eq!(events[0]["line"], 2);
    let summary: &Value = events.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["errors"], 1);
}

#[test]
fn a_binary_source_file_is_named() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    sandbox.write("src/data.holo", b"PK\x03\x04\x00\x00binary");
    sandbox
        .holo(&["check"])
        .run()
        .code(2)
        .stderr_contains(
            "error: `src/data.holo` contains a NUL byte at offset 4, so it is not holo source text",
        )
        .stderr_contains("saved in an encoding such as UTF-16");
    let run = sandbox.holo(&["check"]).run();
    assert!(
        !run.stderr.contains("exists"),
        "the file exists; the message must not suggest otherwise:\n{}",
        run.stderr
    );
}

#[test]
fn an_unreadable_folder_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    sandbox.package(
        "hello",
        &[
            ("src/main.holo", GOOD_MAIN),
            ("src/secret/a.holo", GOOD_MODULE),
        ],
    );
    let secret = sandbox.path("src/secret");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = std::fs::read_dir(&secret).is_ok();
    let run = sandbox.holo(&["check"]).run();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o755)).unwrap();
    if readable_anyway {
        eprintln!(
            "skipping the unreadable-folder check: this user (root?) can read a folder with mode 000"
        );
        return;
    }
    run.code(2)
        .stderr_contains("error: cannot read `src/secret`: Permission denied");
}

#[test]
fn files_outside_src_and_hidden_files_are_not_sources() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    sandbox.write("target/junk.holo", b"\xff");
    sandbox.write("tests/other.holo", "not holo at all");
    sandbox.write("src/.main.holo.swp", b"\xff\x00");
    sandbox.write("src/notes.txt", b"\xff");
    sandbox
        .holo(&["check"])
        .run()
        .code(0)
        .stderr_contains("Finished checking hello (1 file)");
}

#[test]
fn quiet_and_colour_options() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    sandbox.holo(&["check", "-q"]).run().code(0).stderr_is("");

    sandbox.write("holo.toml", "[package]\nnmae = \"x\"\n");
    let plain = sandbox.holo(&["check", "--color", "never"]).run();
    plain.code(2);
    assert!(!plain.stderr.contains('\x1b'), "{}", plain.stderr);
    let coloured = sandbox.holo(&["--color", "always", "check"]).run();
    coloured.code(2);
    assert!(coloured.stderr.contains('\x1b'), "{:?}", coloured.stderr);
    // Errors are printed even with --quiet.
    sandbox
        .holo(&["-q", "check"])
        .run()
        .code(2)
        .stderr_contains("error: unknown key `nmae`");
}

#[test]
fn holo_log_turns_on_logging() {
    let sandbox = Sandbox::new();
    sandbox.package("hello", &[("src/main.holo", GOOD_MAIN)]);
    let quiet = sandbox.holo(&["check"]).run();
    assert!(!quiet.stderr.contains("DEBUG"), "{}", quiet.stderr);
    sandbox
        .holo(&["check"])
        .env("HOLO_LOG", "debug")
        .run()
        .code(0)
        .stderr_contains("DEBUG")
        .stderr_contains("scanned");
}
