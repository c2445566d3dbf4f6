//! `holo test`: discovery, filters, failures with their output, tests that crash, recurse or
//! loop forever, big output, parallelism, the report order, JSON events and `--nocapture`.

use crate::packages::TYPE_ERROR_MAIN;
use holo_tests::{Run, Sandbox};
use serde_json::Value;
use std::time::Duration;

/// A package with tests in two modules: passing ones, a failing one that prints, and one that
/// prints and passes.
fn suite(sandbox: &Sandbox) {
    sandbox.package(
        "shapes",
        &[
            (
                "src/main.holo",
                r#"fn main() {
    println(geometry::area(2, 3));
}

#[test]
fn zebra_comes_last() {
    assert(true);
}

#[test]
fn chatty_but_fine() {
    println("chatter from a passing test");
}
"#,
            ),
            (
                "src/geometry.holo",
                r#"pub fn area(w: i64, h: i64) -> i64 {
    w * h
}

#[test]
fn area_of_unit_square() {
    assert_eq(area(1, 1), 1);
}

#[test]
fn area_is_wrong() {
    println("computing the area of 2 by 3");
    let a = area(2, 3);
    assert_eq(a, 7);
}
"#,
            ),
        ],
    );
}

/// Lines of stdout starting with `test ` (the per-test lines and the result).
fn test_lines(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with("test "))
        .collect()
}

#[test]
fn a_new_package_passes_its_test() {
    let sandbox = Sandbox::new();
    sandbox.holo(&["new", "hello"]).run().code(0);
    sandbox
        .holo(&["test"])
        .cwd("hello")
        .run()
        .code(0)
        .stdout_is(
            "test greets_by_name ... ok\n\ntest result: 1 passed, 0 failed; finished in [TIME]\n",
        )
        .stderr_is("   Compiling hello v0.1.0 ([ROOT]/hello)\n     Running 1 test\n");

    sandbox.holo(&["new", "geometry", "--lib"]).run().code(0);
    sandbox
        .holo(&["test"])
        .cwd("geometry")
        .run()
        .code(0)
        .stdout_contains("test adds_two_numbers ... ok\n");
}

#[test]
fn failures_show_their_message_location_and_output() {
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let run = sandbox.holo(&["test"]).run();
    run.code(1).stdout_is(concat!(
        "test chatty_but_fine ... ok\n",
        "test geometry::area_is_wrong ... FAILED\n",
        "test geometry::area_of_unit_square ... ok\n",
        "test zebra_comes_last ... ok\n",
        "\n",
        "failures:\n",
        "\n",
        "---- geometry::area_is_wrong ----\n",
        "error: assertion failed: left == right\n",
        "  left: 6\n",
        " right: 7\n",
        "  --> src/geometry.holo:14:5\n",
        "   at geometry::area_is_wrong (src/geometry.holo:14)\n",
        "\n",
        "output of geometry::area_is_wrong:\n",
        "computing the area of 2 by 3\n",
        "\n",
        "failures:\n",
        "    geometry::area_is_wrong\n",
        "\n",
        "test result: 3 passed, 1 failed; finished in [TIME]\n",
    ));
    // What passing tests print stays hidden.
    assert!(!run.stdout.contains("chatter"), "{}", run.stdout);
}

#[test]
fn a_filter_selects_tests_by_name() {
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let run = sandbox.holo(&["test", "geometry::"]).run();
    run.code(1)
        .stderr_contains("     Running 2 tests (2 filtered out)\n");
    assert_eq!(
        test_lines(&run),
        [
            "test geometry::area_is_wrong ... FAILED",
            "test geometry::area_of_unit_square ... ok",
            "test result: 1 passed, 1 failed, 2 filtered out; finished in [TIME]",
        ]
    );
    let run = sandbox.holo(&["test", "unit_square"]).run();
    run.code(0);
    assert_eq!(
        test_lines(&run)[0],
        "test geometry::area_of_unit_square ... ok"
    );

    let run = sandbox
        .holo(&["test", "--exact", "area_of_unit_square"])
        .run();
    run.code(0)
        .stderr_contains("Running 0 tests (4 filtered out)");
    let run = sandbox
        .holo(&["test", "--exact", "geometry::area_of_unit_square"])
        .run();
    run.code(0)
        .stderr_contains("Running 1 test (3 filtered out)");

    sandbox
        .holo(&["test", "no_such_test"])
        .run()
        .code(0)
        .stdout_contains("test result: 0 passed, 0 failed, 4 filtered out");
}

#[test]
fn nocapture_shows_what_every_test_printed() {
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let run = sandbox.holo(&["test", "--nocapture"]).run();
    run.code(1)
        .stdout_contains("test chatty_but_fine ... ok\nchatter from a passing test\ntest geometry::area_is_wrong ... FAILED\ncomputing the area of 2 by 3\ntest geometry::area_of_unit_square ... ok\n");
    // Shown once, under the test's line, not again with the failure.
    assert!(!run.stdout.contains("output of "), "{}", run.stdout);
}

#[test]
fn endless_recursion_fails_its_test_and_the_others_still_report() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "deep",
        &[(
            "src/lib.holo",
            r#"fn down(n: i64) -> i64 {
    down(n + 1) + 1
}

#[test]
fn a_fine_test() {
    assert_eq(1 + 1, 2);
}

#[test]
fn recurses_forever() {
    assert_eq(down(0), 0);
}

#[test]
fn z_after_the_recursion() {
    assert(true);
}
"#,
        )],
    );
    let run = sandbox.holo(&["test"]).run();
    run.code(1);
    let lines = test_lines(&run);
    assert_eq!(lines[0], "test a_fine_test ... ok");
    // A stack overflow is a runtime error (failed); if the native stack ran out first, the
    // worker crashed. Either way it is reported, and quickly.
    assert!(
        lines[1] == "test recurses_forever ... FAILED"
            || lines[1] == "test recurses_forever ... CRASHED",
        "{}",
        run.stdout
    );
    assert_eq!(lines[2], "test z_after_the_recursion ... ok");
    run.stdout_contains("stack overflow");
    assert!(
        run.elapsed < Duration::from_secs(30),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn an_endless_loop_times_out_and_the_others_still_report() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "spin",
        &[(
            "src/lib.holo",
            r#"#[test]
fn a_fine_test() {
    assert(true);
}

#[test]
fn loops_forever() {
    let mut n = 0;
    while true {
        n = n + 1;
        if n > 1000000 {
            n = 0;
        }
    }
}

#[test]
fn prints_then_loops() {
    println("still alive");
    while true {
    }
}

#[test]
fn z_last() {
    assert(true);
}
"#,
        )],
    );
    let run = sandbox.holo(&["test", "--timeout", "1"]).run();
    run.code(1);
    assert_eq!(
        test_lines(&run),
        [
            "test a_fine_test ... ok",
            "test loops_forever ... TIMED OUT",
            "test prints_then_loops ... TIMED OUT",
            "test z_last ... ok",
            "test result: 2 passed, 0 failed, 2 timed out; finished in [TIME]",
        ]
    );
    run.stdout_contains(
        "---- loops_forever ----\nerror: the test did not finish within its time limit of 1 s and was stopped\n",
    )
    .stdout_contains("`--timeout SECONDS`");
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );

    // The limit can come from holo.toml; `--timeout` wins over it.
    let manifest = sandbox.read("holo.toml");
    sandbox.write("holo.toml", format!("{manifest}\n[test]\ntimeout = 0.5\n"));
    let run = sandbox.holo(&["test", "loops_forever"]).run();
    run.code(1).stdout_contains("time limit of 0.5 s");
    let run = sandbox
        .holo(&["test", "loops_forever", "--timeout", "1.5"])
        .run();
    run.code(1).stdout_contains("time limit of 1.5 s");
}

#[test]

fn output_printed_before_a_hang_is_shown() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "spin",
        &[(
            "src/lib.holo",
            r#"#[test]
fn prints_then_loops() {
    println("still alive");
    while true {
    }
}
"#,
        )],
    );
    sandbox
        .holo(&["test", "--timeout", "1"])
        .run()
        .code(1)
        .stdout_contains("test prints_then_loops ... TIMED OUT\n")
        .stdout_contains("output of prints_then_loops:\nstill alive\n");
}

#[test]
fn tests_that_print_a_lot_are_fine() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "loud",
        &[(
            "src/lib.holo",
            r#"fn shout() {
    let line = "x".repeat(99);
    for _i in 0..10000 {
        println(line);
    }
}

#[test]
fn prints_a_megabyte() {
    shout();
}

#[test]
fn prints_a_megabyte_and_fails() {
    shout();
    assert(false);
}
"#,
        )],
    );
    let run = sandbox.holo(&["test"]).run();
    run.code(1);
    assert_eq!(
        test_lines(&run),
        [
            "test prints_a_megabyte ... ok",
            "test prints_a_megabyte_and_fails ... FAILED",
            "test result: 1 passed, 1 failed; finished in [TIME]",
        ]
    );
    // The failing test's megabyte is shown whole; the passing one's is not shown at all.
    let xs = run.stdout.matches(&"x".repeat(99)).count();
    assert_eq!(xs, 10_000);

    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    let events = run.json();
    assert_eq!(events[0]["output"], Value::Null);
    assert_eq!(events[1]["output"].as_str().map(str::len), Some(1_000_000));
}

#[test]
fn the_report_order_does_not_depend_on_parallelism() {
    let sandbox = Sandbox::new();
    let mut lib = String::new();
    // Tests that take different times, declared out of name order, in two modules.
    for i in 0..12 {
        let work = (12 - i) * 20000;
        lib.push_str(&format!(
            "#[test]\nfn t{:02}() {{\n    let mut s = 0;\n    for k in 0..{work} {{\n        s = s + k % 7;\n    }}\n    assert(s >= 0);\n}}\n\n",
            (i * 5) % 12
        ));
    }
    sandbox.package("many", &[("src/lib.holo", &lib), ("src/more.holo", &lib)]);
    let one = sandbox.holo(&["test", "--jobs", "1"]).run();
    let four = sandbox.holo(&["test", "--jobs", "4"]).run();
    let default = sandbox.holo(&["test"]).run();
    one.code(0);
    four.code(0);
    default.code(0);
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(one.stdout, default.stdout);
    let lines = test_lines(&one);
    assert_eq!(lines.len(), 25);
    assert_eq!(lines[0], "test more::t00 ... ok");
    assert_eq!(lines[12], "test t00 ... ok");
    let names: Vec<&str> = lines[..24].to_vec();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn json_events_follow_the_documented_schema() {
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(1);
    let events = run.json();
    assert_eq!(events.len(), 5, "{events:?}");
    let names: Vec<&str> = events[..4]
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "chatty_but_fine",
            "geometry::area_is_wrong",
            "geometry::area_of_unit_square",
            "zebra_comes_last"
        ]
    );
    for event in &events[..4] {
        assert_eq!(event["type"], "test");
        assert!(event["duration_ms"].as_f64().is_some(), "{event}");
        assert!(
            event["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("src/"))
        );
        assert!(event["line"].as_u64().is_some_and(|l| l > 0));
    }
    let passed = &events[0];
    assert_eq!(passed["outcome"], "passed");
    assert_eq!(passed["message"], Value::Null);
    assert_eq!(passed["file"], "src/main.holo");
    assert_eq!(passed["line"], 11);
    assert_eq!(passed["output"], Value::Null);

    let failed = &events[1];
    assert_eq!(failed["outcome"], "failed");
    assert_eq!(
        failed["message"],
        "assertion failed: left == right\n  left: 6\n right: 7"
    );
    // Where it failed: the assertion.
    assert_eq!(failed["file"], "src/geometry.holo");
    assert_eq!(failed["line"], 14);
    assert_eq!(failed["column"], 5);
    assert_eq!(failed["stack"][0]["function"], "geometry::area_is_wrong");
    assert_eq!(failed["output"], "computing the area of 2 by 3\n");

    let summary = &events[4];
    assert_eq!(summary["type"], "summary");
    for (key, value) in [
        ("errors", 0),
        ("warnings", 0),
        ("passed", 3),
        ("failed", 1),
        ("timed_out", 0),
        ("crashed", 0),
        ("cached", 0),
        ("filtered_out", 0),
    ] {
        assert_eq!(summary[key], value, "{key} in {summary}");
    }
    assert!(summary["duration_ms"].as_f64().is_some());
    // Nothing but JSON on stdout; the human report is not mixed in.
    assert!(!run.stdout.contains("test result"));
}

#[test]
fn compile_errors_are_reported_like_check_and_no_test_runs() {
    let sandbox = Sandbox::new();
    sandbox.package("bad", &[("src/main.holo", TYPE_ERROR_MAIN)]);
    let run = sandbox.holo(&["test"]).run();
    run.code(1)
        .stdout_is("")
        .stderr_contains("error[E0308]: mismatched types\n")
        .stderr_contains("error: could not compile `bad` due to 1 previous error");

    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(1);
    let events = run.json();
    assert_eq!(events[0]["type"], "diagnostic");
    let summary = events.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["errors"], 1);
    assert_eq!(summary["passed"], 0);
}

#[test]
fn a_test_reading_input_sees_none() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "reader",
        &[(
            "src/lib.holo",
            r#"#[test]
fn input_is_empty() {
    assert(stdin_eof());
    assert_eq(read_line(), "");
}
"#,
        )],
    );
    sandbox
        .holo(&["test"])
        .stdin("this must not reach the test\n")
        .run()
        .code(0)
        .stdout_contains("test input_is_empty ... ok");
}

#[test]
fn bad_options_are_usage_errors() {
    let sandbox = Sandbox::new();
    suite(&sandbox);
    sandbox
        .holo(&["test", "--timeout", "0"])
        .run()
        .code(2)
        .stderr_contains("`0` seconds is not a time limit: it must be more than 0");
    sandbox
        .holo(&["test", "--timeout", "soon"])
        .run()
        .code(2)
        .stderr_contains("`soon` is not a number of seconds");
    sandbox
        .holo(&["test", "--timeout", "100000"])
        .run()
        .code(2)
        .stderr_contains("more than a day");
    sandbox.holo(&["test", "--jobs", "0"]).run().code(2);
    sandbox
        .write(
            "holo.toml",
            "[package]\nname = \"shapes\"\n[test]\ntimeout = \"soon\"\n",
        )
        .holo(&["test"])
        .run()
        .code(2)
        .stderr_contains("`timeout` in `[test]` must be a positive number of seconds");
}

#[test]
fn test_has_help() {
    let run = Sandbox::new().holo(&["test", "--help"]).run();
    run.code(0);
    for needle in [
        "Usage: holo test [OPTIONS] [FILTER]",
        "--timeout <SECONDS>",
        "--jobs <N>",
        "--nocapture",
        "--exact",
        "--message-format <FMT>",
    ] {
        run.stdout_contains(needle);
    }
    // The internal commands are not advertised.
    let run = Sandbox::new().holo(&["--help"]).run();
    assert!(!run.stdout.contains("__worker"), "{}", run.stdout);
    run.stdout_contains("test");
}

/// Two quick tests and one that runs until it is stopped; with `--jobs 1` they run in this
/// order.
const QUICK_THEN_ENDLESS: &str = r#"fn main() {}

#[test]
fn a_quick() { assert(1 == 1); }

#[test]
fn b_quick() { assert(2 == 2); }

#[test]
fn c_endless() {
    let mut i = 0;
    while true { i = i + 1; if i < 0 { i = 0; } }
}
"#;

#[test]
fn ctrl_c_keeps_the_results_of_the_tests_that_finished() {
    let sandbox = Sandbox::new();
    sandbox.package("interrupted", &[("src/main.holo", QUICK_THEN_ENDLESS)]);

    // A real SIGINT to the real process, once the quick tests are reported.
    let running = sandbox
        .holo(&["test", "--jobs", "1", "--timeout", "120"])
        .spawn();
    running.wait_for_stdout_lines("the quick tests' results", 2, |l| {
        l.ends_with("quick ... ok")
    });
    let (code, stdout, _) = running.interrupt_and_collect();
    assert_eq!(code, Some(130), "{stdout:#?}");
    assert!(
        stdout
            .iter()
            .any(|l| l.starts_with("test result: interrupted. 2 passed, 0 failed, 1 not run")),
        "{stdout:#?}"
    );
    assert!(
        !stdout.iter().any(|l| l.contains("c_endless")),
        "{stdout:#?}"
    );

    // The finished tests were recorded: the next `--affected` answers them from the record
    // and runs only the one that never finished.
    let run = sandbox
        .holo(&["test", "--affected", "--explain", "--timeout", "0.5"])
        .run();
    run.code(1)
        .stdout_contains("test a_quick ... ok (cached)")
        .stdout_contains("test b_quick ... ok (cached)")
        .stdout_contains("test c_endless ... TIMED OUT");

    // JSON: the test events, then a summary that says it was interrupted.
    sandbox.holo(&["clean", "-q"]).run().code(0);
    let running = sandbox
        .holo(&[
            "test",
            "--jobs",
            "1",
            "--timeout",
            "120",
            "--message-format",
            "json",
        ])
        .spawn();
    running.wait_for_stdout_lines("the quick tests' events", 2, |l| l.contains("\"passed\""));
    let (code, stdout, _) = running.interrupt_and_collect();
    assert_eq!(code, Some(130), "{stdout:#?}");
    let events = holo_tests::parse_json_lines(&stdout.join("\n"));
    let summary = events.last().expect("a summary");
    assert_eq!(summary["type"], "summary", "{stdout:#?}");
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["passed"], 2);
    assert_eq!(summary["not_run"], 1);
}
