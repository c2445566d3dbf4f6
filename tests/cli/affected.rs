//! `holo test --affected` and `--explain` through the real binary: which tests run after which
//! edits, what is reported for the others (outcome, message, current line), the reasons given,
//! filters, a deleted `target/`, and several `holo` processes at once in one project and in two
//! projects sharing `HOLO_HOME`.

use holo_tests::{Run, Sandbox};
use serde_json::Value;
use std::collections::BTreeMap;

const MAIN: &str = r#"fn main() {
    println(calc::add(1, 2));
}

#[test]
fn adds() {
    assert_eq(calc::add(2, 3), 5);
}
"#;

const CALC: &str = r#"pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

pub fn mul(a: i64, b: i64) -> i64 {
    a * b
}

pub fn square(a: i64) -> i64 {
    mul(a, a)
}

pub fn ratio(a: i64, b: i64) -> i64 {
    a / b
}

#[test]
fn muls() {
    assert_eq(mul(2, 3), 6);
}

#[test]
fn squares() {
    assert_eq(square(3), 9);
}

#[test]
fn mul_is_wrong() {
    assert_eq(mul(2, 2), 5);
}

#[test]
fn divides_by_zero() {
    let r = ratio(1, 0);
    assert_eq(r, 0);
}
"#;

const GEO: &str = r#"pub const SCALE: i64 = 2;

pub struct Point {
    pub x: i64,
    pub y: i64,
}

pub fn scale(v: i64) -> i64 {
    v * SCALE
}

pub fn sum(p: Point) -> i64 {
    p.x + p.y
}

#[test]
fn makes_a_point() {
    assert_eq(sum(Point { x: 1, y: 2 }), 3);
}

#[test]
fn scales() {
    assert_eq(scale(4), 8);
}

#[test]
fn plain() {
    assert_eq(1 + 1, 2);
}
"#;

/// Every test of the package, in report order.
const ALL: [&str; 8] = [
    "adds",
    "calc::divides_by_zero",
    "calc::mul_is_wrong",
    "calc::muls",
    "calc::squares",
    "geo::makes_a_point",
    "geo::plain",
    "geo::scales",
];

/// The tests that fail as the package is written.
const FAILING: [&str; 2] = ["calc::divides_by_zero", "calc::mul_is_wrong"];

fn package(sandbox: &Sandbox) {
    package_in(sandbox, "");
}

/// The package in `dir` (relative to the sandbox root, `""` for the root).
fn package_in(sandbox: &Sandbox, dir: &str) {
    let at = |p: &str| {
        if dir.is_empty() {
            p.to_string()
        } else {
            format!("{dir}/{p}")
        }
    };
    sandbox.write(
        &at("holo.toml"),
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
    );
    sandbox.write(&at("src/main.holo"), MAIN);
    sandbox.write(&at("src/calc.holo"), CALC);
    sandbox.write(&at("src/geo.holo"), GEO);
}

/// Replaces the one occurrence of `from` in a file of the sandbox.
#[track_caller]
fn edit(sandbox: &Sandbox, file: &str, from: &str, to: &str) {
    let text = sandbox.read(file);
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} should occur once in {file}:\n{text}"
    );
    sandbox.write(file, text.replacen(from, to, 1));
}

/// The 1-based line of the one line of `file` containing `needle`.
#[track_caller]
fn line_of(sandbox: &Sandbox, file: &str, needle: &str) -> u64 {
    let text = sandbox.read(file);
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{needle:?} in {file}:\n{text}");
    lines[0] as u64
}

/// The `test` events of a JSON run by test name, checking they come in name order.
#[track_caller]
fn tests_of(run: &Run) -> BTreeMap<String, Value> {
    let events: Vec<Value> = run
        .json()
        .into_iter()
        .filter(|e| e["type"] == "test")
        .collect();
    let names: Vec<String> = events
        .iter()
        .map(|e| e["name"].as_str().expect("a test name").to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "tests are reported in name order");
    names.into_iter().zip(events).collect()
}

/// Each test's outcome.
#[track_caller]
fn outcomes(run: &Run) -> BTreeMap<String, String> {
    tests_of(run)
        .into_iter()
        .map(|(name, e)| (name, e["outcome"].as_str().unwrap_or("?").to_string()))
        .collect()
}

/// The summary event (the last line).
#[track_caller]
fn summary(run: &Run) -> Value {
    let events = run.json();
    let last = events.last().cloned().unwrap_or(Value::Null);
    assert_eq!(last["type"], "summary", "{}", run.stdout);
    last
}

/// `holo test --affected --message-format json --explain`.
fn affected_json(sandbox: &Sandbox) -> Run {
    sandbox
        .holo(&[
            "test",
            "--affected",
            "--message-format",
            "json",
            "--explain",
        ])
        .run()
}

/// The expected outcomes: `ran` tests with their fresh outcome, the others cached.
fn expect(ran: &[&str], failing: &[&str]) -> BTreeMap<String, String> {
    ALL.iter()
        .map(|&name| {
            let fails = failing.contains(&name);
            let outcome = match (ran.contains(&name), fails) {
                (true, false) => "passed",
                (true, true) => "failed",
                (false, false) => "cached-passed",
                (false, true) => "cached-failed",
            };
            (name.to_string(), outcome.to_string())
        })
        .collect()
}

#[test]
fn nothing_changed_every_test_comes_from_the_record() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    edit(
        &sandbox,
        "src/calc.holo",
        "assert_eq(mul(2, 2), 5)",
        "assert_eq(mul(2, 2), 4)",
    );
    edit(&sandbox, "src/calc.holo", "ratio(1, 0)", "ratio(1, 1)");
    edit(
        &sandbox,
        "src/calc.holo",
        "assert_eq(r, 0)",
        "assert_eq(r, 1)",
    );
    // The first run records every result.
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(0);
    assert_eq!(outcomes(&run), expect(&ALL, &[]));

    let run = affected_json(&sandbox);
    run.code(0);
    assert_eq!(outcomes(&run), expect(&[], &[]));
    let s = summary(&run);
    assert_eq!(s["cached"], 8, "{s}");
    assert_eq!(s["passed"], 0, "{s}");
    assert_eq!(s["failed"], 0, "{s}");
    for (name, event) in tests_of(&run) {
        let reason = event["reason"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("cached: nothing it reaches changed since "),
            "{name}: {reason}"
        );
        assert_eq!(event["duration_ms"], 0.0, "{name}: {event}");
    }

    // The same for people: every line says `(cached)`.
    let run = sandbox.holo(&["test", "--affected"]).run();
    run.code(0)
        .stderr_contains("Running 0 tests, 8 from recorded results");
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("test "))
        .collect();
    let mut expected: Vec<String> = ALL
        .iter()
        .map(|name| format!("test {name} ... ok (cached)"))
        .collect();
    expected.push("test result: 0 passed, 0 failed, 8 cached; finished in [TIME]".into());
    assert_eq!(lines, expected, "{}", run.stdout);

    // Without the flag every test runs again, and says why.
    let run = sandbox
        .holo(&["test", "--message-format", "json", "--explain"])
        .run();
    run.code(0);
    assert_eq!(outcomes(&run), expect(&ALL, &[]));
    for (name, event) in tests_of(&run) {
        assert_eq!(
            event["reason"], "ran: every selected test runs without `--affected`",
            "{name}"
        );
    }
}

#[test]
fn a_body_edit_runs_exactly_the_tests_that_reach_it() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);

    edit(&sandbox, "src/calc.holo", "    a * b\n", "    b * a\n");
    let run = affected_json(&sandbox);
    run.code(1);
    let reach_mul = ["calc::mul_is_wrong", "calc::muls", "calc::squares"];
    assert_eq!(outcomes(&run), expect(&reach_mul, &FAILING));
    let tests = tests_of(&run);
    for name in ALL {
        let reason = tests[name]["reason"].as_str().unwrap_or_default();
        if reach_mul.contains(&name) {
            assert_eq!(reason, "ran: `calc::mul` changed", "{name}");
        } else {
            assert!(
                reason.starts_with("cached: nothing it reaches changed since "),
                "{name}: {reason}"
            );
        }
    }
    let s = summary(&run);
    assert_eq!(
        (s["passed"].as_u64(), s["failed"].as_u64()),
        (Some(2), Some(1)),
        "{s}"
    );
    assert_eq!(
        (s["cached"].as_u64(), s["cached_failed"].as_u64()),
        (Some(5), Some(1)),
        "{s}"
    );

    // The second time nothing runs; for people, with the reasons under each line.
    edit(&sandbox, "src/calc.holo", "    a + b\n", "    b + a\n");
    let run = sandbox.holo(&["test", "--affected", "--explain"]).run();
    run.code(1)
        .stderr_contains("Running 1 test, 7 from recorded results")
        .stdout_contains("test adds ... ok\n    ran: `calc::add` changed\n")
        .stdout_contains(
            "test calc::muls ... ok (cached)\n    cached: nothing it reaches changed since ",
        )
        .stdout_contains("test calc::mul_is_wrong ... FAILED (cached)\n    cached: ")
        .stdout_contains(
            "test result: 1 passed, 0 failed, 7 cached (2 failed); finished in [TIME]\n",
        );
}

#[test]
fn a_recorded_failure_stays_a_failure() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    for _ in 0..2 {
        let run = affected_json(&sandbox);
        run.code(1);
        assert_eq!(outcomes(&run), expect(&[], &FAILING));
        let wrong = &tests_of(&run)["calc::mul_is_wrong"];
        assert_eq!(
            wrong["message"],
            "assertion failed: left == right\n  left: 4\n right: 5"
        );
        assert_eq!(wrong["file"], "src/calc.holo");
        assert_eq!(
            wrong["line"].as_u64(),
            Some(line_of(
                &sandbox,
                "src/calc.holo",
                "assert_eq(mul(2, 2), 5)"
            ))
        );
        assert_eq!(summary(&run)["cached_failed"], 2);
    }
    // For people: the failure with its message, marked as recorded.
    let line = line_of(&sandbox, "src/calc.holo", "assert_eq(mul(2, 2), 5)");
    let run = sandbox.holo(&["test", "--affected"]).run();
    run.code(1)
        .stdout_contains("test calc::mul_is_wrong ... FAILED (cached)\n")
        .stdout_contains(&format!(
            "---- calc::mul_is_wrong ----\nerror: assertion failed: left == right\n  left: 4\n right: 5\n  --> src/calc.holo:{line}:5\n",
        ))
        .stdout_contains("failures:\n    calc::divides_by_zero (cached)\n    calc::mul_is_wrong (cached)\n");

    // Fixing the test makes it pass; only then is the exit code 0 (the other failure fixed too).
    edit(
        &sandbox,
        "src/calc.holo",
        "assert_eq(mul(2, 2), 5)",
        "assert_eq(mul(2, 2), 4)",
    );
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(
        outcomes(&run),
        expect(&["calc::mul_is_wrong"], &["calc::divides_by_zero"])
    );
    edit(
        &sandbox,
        "src/calc.holo",
        "    a / b\n",
        "    a / (b + 1) - 1\n",
    );
    let run = affected_json(&sandbox);
    run.code(0);
    assert_eq!(outcomes(&run), expect(&["calc::divides_by_zero"], &[]));
}

#[test]
fn whitespace_comments_and_moves_within_a_file_run_nothing_and_failures_point_at_the_new_lines() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    let run = sandbox.holo(&["test", "--message-format", "json"]).run();
    run.code(1);
    let before = tests_of(&run);

    // Comments on top, `ratio` moved below the tests, blank lines and other indentation in
    // bodies, `mul_is_wrong` moved first.
    let calc = sandbox.read("src/calc.holo");
    let (defs, tests) = calc.split_at(calc.find("#[test]").expect("tests"));
    let ratio = "pub fn ratio(a: i64, b: i64) -> i64 {\n    a / b\n}\n\n";
    let wrong = "#[test]\nfn mul_is_wrong() {\n    assert_eq(mul(2, 2), 5);\n}\n\n";
    let moved = format!(
        "// calc: small arithmetic\n/* with a block\n   comment */\n\n{wrong}{}{}\n{ratio}",
        defs.replace(ratio, "")
            .replace("    a * b\n", "\n        a  *  b   // the product\n"),
        tests.replace(wrong, "").replace(
            "    let r = ratio(1, 0);\n",
            "\n\n    let r =\n        ratio(1, 0);\n"
        ),
    );
    assert_ne!(moved, calc);
    sandbox.write("src/calc.holo", &moved);
    edit(
        &sandbox,
        "src/main.holo",
        "fn main() {",
        "// the entry point\n\nfn   main()   {",
    );

    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&[], &FAILING), "{}", run.stdout);
    let after = tests_of(&run);

    // The assertion moved up to the top of the file.
    let wrong = &after["calc::mul_is_wrong"];
    let new_line = line_of(&sandbox, "src/calc.holo", "assert_eq(mul(2, 2), 5)");
    assert_ne!(
        before["calc::mul_is_wrong"]["line"].as_u64(),
        Some(new_line)
    );
    assert_eq!(wrong["line"].as_u64(), Some(new_line), "{wrong}");
    assert_eq!(wrong["column"], 5);
    assert_eq!(wrong["stack"][0]["line"].as_u64(), Some(new_line));

    // The division by zero is in `ratio`, now at the end of the file, called from a line that
    // moved too.
    let zero = &after["calc::divides_by_zero"];
    let div_line = line_of(&sandbox, "src/calc.holo", "    a / b");
    let call_line = line_of(&sandbox, "src/calc.holo", "ratio(1, 0);");
    assert_eq!(zero["message"], "division by zero");
    assert_eq!(zero["line"].as_u64(), Some(div_line), "{zero}");
    assert_eq!(zero["stack"][0]["function"], "calc::ratio");
    assert_eq!(zero["stack"][0]["line"].as_u64(), Some(div_line), "{zero}");
    assert_eq!(zero["stack"][1]["function"], "calc::divides_by_zero");
    assert_eq!(zero["stack"][1]["line"].as_u64(), Some(call_line), "{zero}");

    // What a clean build reports for the same files is exactly that.
    assert_eq!(
        strip_run_details(&after),
        strip_run_details(&clean_run(&sandbox))
    );

    // And for people.
    let run = sandbox.holo(&["test", "--affected"]).run();
    run.code(1)
        .stderr_contains("Running 0 tests, 8 from recorded results")
        .stdout_contains(&format!("  --> src/calc.holo:{new_line}:5\n"))
        .stdout_contains(&format!(
            "   at calc::ratio (src/calc.holo:{div_line})\n   at calc::divides_by_zero (src/calc.holo:{call_line})\n"
        ));
}

/// The test events of `holo test --message-format json` on a copy of the package's sources
/// with an empty `HOLO_HOME`.
fn clean_run(sandbox: &Sandbox) -> BTreeMap<String, Value> {
    let clean = Sandbox::new();
    for file in [
        "holo.toml",
        "src/main.holo",
        "src/calc.holo",
        "src/geo.holo",
    ] {
        clean.write(file, sandbox.read(file));
    }
    let run = clean.holo(&["test", "--message-format", "json"]).run();
    tests_of(&run)
}

/// Test events without what differs between a run and a replay (durations, the reason) and
/// with `cached-` taken off outcomes.
fn strip_run_details(tests: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    tests
        .iter()
        .map(|(name, event)| {
            let mut e = event.clone();
            if let Some(map) = e.as_object_mut() {
                map.remove("duration_ms");
                map.remove("reason");
                let outcome = map["outcome"].as_str().unwrap_or_default();
                let outcome = outcome
                    .strip_prefix("cached-")
                    .unwrap_or(outcome)
                    .to_string();
                map.insert("outcome".into(), Value::String(outcome));
            }
            (name.clone(), e)
        })
        .collect()
}

#[test]
fn a_recorded_stack_frame_follows_its_call_when_a_line_is_split() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "split",
        &[(
            "src/lib.holo",
            r#"fn ratio(a: i64, b: i64) -> i64 {
    a / b
}

#[test]
fn divides_by_zero() {
    let a = ratio(4, 2); let b = ratio(1, 0);
    assert_eq(a, b);
}
"#,
        )],
    );
    sandbox.holo(&["test"]).run().code(1);
    // Whitespace only: the second call moves to a line of its own.
    edit(
        &sandbox,
        "src/lib.holo",
        "let a = ratio(4, 2); let b",
        "let a = ratio(4, 2);\n    let b",
    );
    let run = sandbox
        .holo(&["test", "--affected", "--message-format", "json"])
        .run();
    run.code(1);
    let event = &tests_of(&run)["divides_by_zero"];
    assert_eq!(event["outcome"], "cached-failed");
    assert_eq!(event["stack"][1]["function"], "divides_by_zero");
    // A clean build says the failing call is on line 8, where `ratio(1, 0)` now is.
    assert_eq!(event["stack"][1]["line"], 8, "{event}");
}

#[test]
fn a_recorded_frame_of_a_closure_follows_it_when_lines_move() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "closures",
        &[(
            "src/lib.holo",
            r#"fn ratio(a: i64, b: i64) -> i64 {
    a / b
}

#[test]
fn divides_by_zero_in_a_closure() {
    let n = [3, 1].filter(|x| x > 1).len();
    let g = |x: i64| ratio(4, x - n);
    assert(g(1) > 0);
}
"#,
        )],
    );
    sandbox.holo(&["test"]).run().code(1);
    // Comments only; every closure of the test is named `divides_by_zero_in_a_closure::{closure}`
    // and the failing one is the second.
    edit(
        &sandbox,
        "src/lib.holo",
        "#[test]",
        "// one\n// two\n#[test]",
    );
    let run = sandbox
        .holo(&["test", "--affected", "--message-format", "json"])
        .run();
    run.code(1);
    let event = &tests_of(&run)["divides_by_zero_in_a_closure"];
    assert_eq!(event["outcome"], "cached-failed");
    assert_eq!(
        event["stack"][1]["function"],
        "divides_by_zero_in_a_closure::{closure}"
    );
    // Where a clean build puts the call in the closure and the call of the closure.
    assert_eq!(event["stack"][1]["line"], 10, "{event}");
    assert_eq!(event["stack"][2]["line"], 11, "{event}");
}

#[test]
fn a_new_test_runs_and_says_so() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    let geo = sandbox.read("src/geo.holo");
    sandbox.write(
        "src/geo.holo",
        format!("{geo}\n#[test]\nfn scales_zero() {{\n    assert_eq(scale(0), 0);\n}}\n"),
    );
    let run = affected_json(&sandbox);
    run.code(1);
    let tests = tests_of(&run);
    assert_eq!(tests.len(), 9);
    let new = &tests["geo::scales_zero"];
    assert_eq!(new["outcome"], "passed");
    assert_eq!(new["reason"], "ran: new test (no recorded result)");
    for name in ALL {
        assert!(
            tests[name]["outcome"]
                .as_str()
                .unwrap_or_default()
                .starts_with("cached-"),
            "{name}: {}",
            tests[name]
        );
    }
    let run = sandbox.holo(&["test", "--affected", "--explain"]).run();
    run.code(1).stdout_contains(
        "test geo::scales_zero ... ok (cached)\n    cached: nothing it reaches changed since ",
    );

    // Renaming a test makes it a new test; the old name is forgotten.
    edit(
        &sandbox,
        "src/geo.holo",
        "fn scales_zero()",
        "fn scales_nothing()",
    );
    let run = sandbox.holo(&["test", "--affected", "--explain"]).run();
    run.code(1)
        .stdout_contains("test geo::scales_nothing ... ok\n    ran: new test")
        .stdout_contains("test result: 1 passed, 0 failed, 8 cached (2 failed);");
    assert!(!run.stdout.contains("scales_zero"), "{}", run.stdout);
}

#[test]
fn a_struct_field_change_reruns_the_tests_that_handle_the_struct() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);

    // The same fields in another order: only the layout changes, no user's text.
    edit(
        &sandbox,
        "src/geo.holo",
        "    pub x: i64,\n    pub y: i64,\n",
        "    pub y: i64,\n    pub x: i64,\n",
    );
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&["geo::makes_a_point"], &FAILING));
    let reason = tests_of(&run)["geo::makes_a_point"]["reason"].clone();
    let reason = reason.as_str().unwrap_or_default();
    assert!(
        reason.starts_with("ran: ") && reason.contains("`geo::Point`"),
        "{reason}"
    );

    // A new field, and the test building points updated for it: it fails now.
    edit(
        &sandbox,
        "src/geo.holo",
        "    pub x: i64,\n",
        "    pub x: i64,\n    pub z: i64,\n",
    );
    edit(
        &sandbox,
        "src/geo.holo",
        "    p.x + p.y\n",
        "    p.x + p.y + p.z\n",
    );
    edit(
        &sandbox,
        "src/geo.holo",
        "Point { x: 1, y: 2 }",
        "Point { x: 1, y: 2, z: 3 }",
    );
    let run = affected_json(&sandbox);
    run.code(1);
    let failing = [&FAILING[..], &["geo::makes_a_point"]].concat();
    assert_eq!(outcomes(&run), expect(&["geo::makes_a_point"], &failing));
    let event = &tests_of(&run)["geo::makes_a_point"];
    assert_eq!(
        event["message"],
        "assertion failed: left == right\n  left: 6\n right: 3"
    );
}

#[test]
fn a_constant_value_change_reruns_the_tests_that_use_it() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    edit(
        &sandbox,
        "src/geo.holo",
        "SCALE: i64 = 2;",
        "SCALE: i64 = 3;",
    );
    let run = affected_json(&sandbox);
    run.code(1);
    let failing = [&FAILING[..], &["geo::scales"]].concat();
    assert_eq!(outcomes(&run), expect(&["geo::scales"], &failing));
    let event = &tests_of(&run)["geo::scales"];
    // Constants are folded into the code that uses them: the explanation names that code.
    assert_eq!(event["reason"], "ran: `geo::scale` changed");
    assert_eq!(
        event["message"],
        "assertion failed: left == right\n  left: 12\n right: 8"
    );
    // The same value written differently is the same code: nothing runs.
    edit(
        &sandbox,
        "src/geo.holo",
        "SCALE: i64 = 3;",
        "SCALE: i64 = 1 + 2;",
    );
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&[], &failing));
}

#[test]
fn a_filter_with_affected_runs_and_records_only_the_selected_tests() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    edit(&sandbox, "src/calc.holo", "    a * b\n", "    b * a\n");

    let run = sandbox
        .holo(&["test", "muls", "--affected", "--message-format", "json"])
        .run();
    run.code(0)
        .stderr_contains("Running 1 test (7 filtered out)");
    assert_eq!(
        outcomes(&run),
        BTreeMap::from([("calc::muls".to_string(), "passed".to_string())])
    );
    let s = summary(&run);
    assert_eq!(s["filtered_out"], 7, "{s}");
    assert_eq!(s["passed"], 1, "{s}");

    // The tests the filter left out were not recorded for the new `mul`: they run now, and
    // the one that ran under the filter does not.
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(
        outcomes(&run),
        expect(&["calc::mul_is_wrong", "calc::squares"], &FAILING)
    );

    // A filter on unchanged sources answers from the record, failures included.
    let run = sandbox
        .holo(&["test", "calc::", "--affected", "--message-format", "json"])
        .run();
    run.code(1);
    let got = outcomes(&run);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "calc::divides_by_zero",
            "calc::mul_is_wrong",
            "calc::muls",
            "calc::squares"
        ]
    );
    assert_eq!(got["calc::mul_is_wrong"], "cached-failed");
    assert_eq!(summary(&run)["filtered_out"], 4);
    let run = sandbox
        .holo(&["test", "geo::", "--affected", "--message-format", "json"])
        .run();
    run.code(0);
    assert!(
        outcomes(&run).values().all(|o| o == "cached-passed"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_target_results_come_from_the_shared_cache_and_without_either_everything_runs() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    std::fs::remove_dir_all(sandbox.path("target")).expect("remove target/");

    // The shared cache keeps results by what each test reaches (book: "How holo decides what
    // to re-run"), so the same sources are answered from it.
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&[], &FAILING));
    assert!(
        sandbox.path("target/holo").is_dir(),
        "the project state is recreated"
    );

    // An edit after that runs what it reaches, as usual, and says that nothing was recorded
    // here (not that the test is new).
    edit(&sandbox, "src/calc.holo", "    a + b\n", "    b + a\n");
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&["adds"], &FAILING));
    assert_eq!(
        tests_of(&run)["adds"]["reason"],
        "ran: no test results are recorded for this package (its first run, or the first since `holo clean`)"
    );

    // With neither the project state nor the shared cache, every test runs, none as "new".
    std::fs::remove_dir_all(sandbox.path("target")).expect("remove target/");
    std::fs::remove_dir_all(sandbox.home()).expect("empty HOLO_HOME");
    std::fs::create_dir_all(sandbox.home()).expect("recreate HOLO_HOME");
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&ALL, &FAILING));
    for (name, event) in tests_of(&run) {
        assert_eq!(
            event["reason"],
            "ran: no test results are recorded for this package (its first run, or the first since `holo clean`)",
            "{name}"
        );
    }
    let run = affected_json(&sandbox);
    run.code(1);
    assert_eq!(outcomes(&run), expect(&[], &FAILING));
}

/// Runs `holo test --affected --message-format json` in each of `dirs` twice at once (so four
/// processes), and returns the runs.
fn affected_at_once(sandbox: &Sandbox, dirs: &[&str]) -> Vec<(String, Run)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .flat_map(|&dir| [dir, dir])
            .map(|dir| {
                let holo = sandbox
                    .holo(&["test", "--affected", "--message-format", "json"])
                    .cwd(dir);
                scope.spawn(move || (dir.to_string(), holo.run()))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread running holo"))
            .collect()
    })
}

/// Whether every test has the expected result, whether it ran or came from the record.
#[track_caller]
fn assert_results(run: &Run, expected_failing: &[&str], context: &str) {
    assert!(
        run.code == Some(1) || run.code == Some(0),
        "{context}: {run:?}"
    );
    let got = outcomes(run);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        ALL,
        "{context}: {}",
        run.stdout
    );
    for (name, outcome) in &got {
        let failed = outcome == "failed" || outcome == "cached-failed";
        let passed = outcome == "passed" || outcome == "cached-passed";
        let expected = expected_failing.contains(&name.as_str());
        assert!(
            (expected && failed) || (!expected && passed),
            "{context}: {name} is {outcome}\n--- stdout:\n{}\n--- stderr:\n{}",
            run.stdout,
            run.stderr
        );
    }
    let code = if expected_failing.is_empty() { 0 } else { 1 };
    assert_eq!(run.code, Some(code), "{context}: {}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{context}: {}", run.stderr);
}

#[test]
fn commands_at_once_in_one_project_all_succeed_with_the_right_results() {
    let sandbox = Sandbox::new();
    package(&sandbox);
    sandbox.holo(&["test"]).run().code(1);
    // Each round changes what fails; four processes at once must all report it.
    let rounds: [(&str, &str, &[&str]); 3] = [
        (
            "    a * b\n",
            "    a * b + 1\n",
            &["calc::divides_by_zero", "calc::muls", "calc::squares"],
        ),
        ("    a * b + 1\n", "    a * b\n", &FAILING),
        (
            "    a / b\n",
            "    a / (b + 1)\n",
            &["calc::divides_by_zero", "calc::mul_is_wrong"],
        ),
    ];
    for (round, (from, to, failing)) in rounds.into_iter().enumerate() {
        edit(&sandbox, "src/calc.holo", from, to);
        for (dir, run) in affected_at_once(&sandbox, &[".", "."]) {
            assert_results(&run, failing, &format!("round {round}, {dir}"));
        }
        // Afterwards the record is consistent: nothing runs, and the answers are the same.
        let run = affected_json(&sandbox);
        assert_results(&run, failing, &format!("after round {round}"));
        assert!(
            outcomes(&run).values().all(|o| o.starts_with("cached-")),
            "round {round}: {}",
            run.stdout
        );
    }
}

#[test]
fn commands_at_once_in_two_projects_sharing_holo_home_keep_their_own_results() {
    let sandbox = Sandbox::new();
    package_in(&sandbox, "one");
    package_in(&sandbox, "two");
    // The second project's `mul` adds one: its results must never answer for the first's.
    edit(
        &sandbox,
        "two/src/calc.holo",
        "    a * b\n",
        "    a * b + 1\n",
    );
    let two_failing = ["calc::divides_by_zero", "calc::muls", "calc::squares"];
    for (dir, run) in affected_at_once(&sandbox, &["one", "two"]) {
        let failing: &[&str] = if dir == "one" { &FAILING } else { &two_failing };
        assert_results(&run, failing, &format!("first runs, {dir}"));
    }
    // Now swap the two `mul`s: each project gets the other's code, whose results are in the
    // shared cache under the same reach, and must report exactly those.
    edit(
        &sandbox,
        "one/src/calc.holo",
        "    a * b\n",
        "    a * b + 1\n",
    );
    edit(
        &sandbox,
        "two/src/calc.holo",
        "    a * b + 1\n",
        "    a * b\n",
    );
    for (dir, run) in affected_at_once(&sandbox, &["one", "two"]) {
        let failing: &[&str] = if dir == "one" { &two_failing } else { &FAILING };
        assert_results(&run, failing, &format!("after the swap, {dir}"));
    }
    let one = sandbox
        .holo(&["test", "--affected", "--message-format", "json"])
        .cwd("one")
        .run();
    assert_results(&one, &two_failing, "one, afterwards");
    assert!(
        outcomes(&one).values().all(|o| o.starts_with("cached-")),
        "{}",
        one.stdout
    );
}

#[test]
fn a_test_that_timed_out_runs_again_and_says_why() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "slow",
        &[(
            "src/lib.holo",
            "pub fn one() -> i64 { 1 }\n\n#[test]\nfn quick() { assert_eq(one(), 1); }\n\n#[test]\nfn endless() {\n    let mut i = 0;\n    while true { i = i + one(); if i < 0 { i = 0; } }\n}\n",
        )],
    );
    sandbox
        .holo(&["test", "--timeout", "0.3"])
        .run()
        .code(1)
        .stdout_contains("test endless ... TIMED OUT");
    let run = sandbox
        .holo(&["test", "--affected", "--explain", "--timeout", "0.3"])
        .run();
    run.code(1)
        .stdout_contains("test quick ... ok (cached)")
        .stdout_contains(
            "test endless ... TIMED OUT\n    ran: it timed out last time, and a time-out is never reused",
        );
    // Not from the record, even through the snapshot of an unchanged package.
    let run = sandbox
        .holo(&[
            "test",
            "--affected",
            "--timeout",
            "0.3",
            "--message-format",
            "json",
        ])
        .run();
    run.code(1);
    assert_eq!(tests_of(&run)["endless"]["outcome"], "timed-out");
}

/// A closure's body is part of what a test that calls its function reaches: editing it runs
/// exactly those tests, and the outcome is the clean build's.
#[test]
fn a_closure_body_edit_runs_the_tests_that_reach_it() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"clos\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
    );
    sandbox.write(
        "src/lib.holo",
        r#"pub fn scaled(xs: [i64], k: i64) -> [i64] {
    xs.map(|x| x * k)
}

pub fn by_length(words: [str]) -> [str] {
    let mut out = words;
    out.sort_by(|a, b| a.len().cmp(b.len()));
    out
}

#[test]
fn scales() {
    assert_eq(scaled([1, 2], 3), [3, 6]);
}

#[test]
fn sorts() {
    assert_eq(by_length(["ccc", "a", "bb"]), ["a", "bb", "ccc"]);
}
"#,
    );
    sandbox.holo(&["test"]).run().code(0);
    edit(&sandbox, "src/lib.holo", "|x| x * k", "|x| x * k + 1");
    let run = affected_json(&sandbox);
    run.code(1);
    let tests = tests_of(&run);
    assert_eq!(tests["scales"]["outcome"], "failed", "{}", run.stdout);
    assert_eq!(tests["sorts"]["outcome"], "cached-passed", "{}", run.stdout);
    let reason = tests["scales"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("ran: "), "{reason}");
    // Back as it was: the recorded pass of the first run is valid again, and nothing runs
    // that does not have to.
    edit(&sandbox, "src/lib.holo", "|x| x * k + 1", "|x| x * k");
    let run = affected_json(&sandbox);
    run.code(0);
    let tests = tests_of(&run);
    assert_eq!(tests["sorts"]["outcome"], "cached-passed", "{}", run.stdout);
    assert_ne!(tests["scales"]["outcome"], "failed", "{}", run.stdout);
}
