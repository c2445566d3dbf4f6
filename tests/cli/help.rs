//! `--help`, `--version` and usage errors.

use holo_tests::Sandbox;

#[test]
fn top_level_help_lists_the_commands() {
    let sandbox = Sandbox::new();
    let run = sandbox.holo(&["--help"]).run();
    run.code(0);
    for needle in [
        "Usage: holo [OPTIONS] <COMMAND>",
        "new",
        "init",
        "check",
        "--quiet",
        "--color <WHEN>",
        "-C <DIR>",
        "--version",
    ] {
        assert!(
            run.stdout.contains(needle),
            "--help lacks {needle:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn every_command_has_help() {
    let sandbox = Sandbox::new();
    let cases: &[(&str, &[&str])] = &[
        (
            "new",
            &["Usage: holo new [OPTIONS] <PATH>", "--lib", "--name <NAME>"],
        ),
        (
            "init",
            &["Usage: holo init [OPTIONS]", "--lib", "--name <NAME>"],
        ),
        (
            "check",
            &[
                "Usage: holo check [OPTIONS]",
                "--message-format <FMT>",
                "--watch",
                "--manifest-path <PATH>",
            ],
        ),
        (
            "mcp",
            &[
                "Usage: holo mcp [OPTIONS]",
                "--manifest-path <PATH>",
                "protocol 2025-06-18",
            ],
        ),
    ];
    for (command, needles) in cases {
        let run = sandbox.holo(&[command, "--help"]).run();
        run.code(0);
        for needle in *needles {
            assert!(
                run.stdout.contains(needle),
                "`holo {command} --help` lacks {needle:?}:\n{}",
                run.stdout
            );
        }
        // `help <command>` says the same.
        let run = sandbox.holo(&["help", command]).run();
        run.code(0).stdout_contains(needles[0]);
    }
}

#[test]
fn version() {
    let sandbox = Sandbox::new();
    let run = sandbox.holo(&["--version"]).run();
    run.code(0);
    assert_eq!(run.stdout, format!("holo {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_with_2() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&[])
        .run()
        .code(2)
        .stderr_contains("Usage: holo");
    sandbox
        .holo(&["bogus"])
        .run()
        .code(2)
        .stderr_contains("unrecognized subcommand 'bogus'");
    sandbox
        .holo(&["check", "--message-format", "xml"])
        .run()
        .code(2)
        .stderr_contains("invalid value 'xml'");
    sandbox
        .holo(&["new"])
        .run()
        .code(2)
        .stderr_contains("<PATH>");
}

#[test]
fn a_missing_directory_for_dash_c_is_an_environment_error() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["-C", "nowhere", "check"])
        .run()
        .code(2)
        .stderr_contains("error: cannot change to the folder `nowhere` given with `-C`");
}
