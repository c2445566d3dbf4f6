//! `holo run` and `holo build`: output, arguments, input, exit codes, runtime errors, and
//! packages that cannot run.

use crate::packages::TYPE_ERROR_MAIN;
use holo_tests::Sandbox;
use std::time::Duration;

#[test]
fn a_new_program_runs_and_prints_its_greeting() {
    let sandbox = Sandbox::new();
    sandbox.holo(&["new", "hello"]).run().code(0);
    sandbox
        .holo(&["run"])
        .cwd("hello")
        .run()
        .code(0)
        .stdout_is("Hello, world!\n")
        .stderr_is("   Compiling hello v0.1.0 ([ROOT]/hello)\n     Running `hello`\n");
    sandbox
        .holo(&["run", "--quiet"])
        .cwd("hello")
        .run()
        .code(0)
        .stdout_is("Hello, world!\n")
        .stderr_is("");
}

#[test]
fn arguments_after_the_double_dash_reach_the_program() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "echo",
        &[(
            "src/main.holo",
            r#"fn main() {
    let xs = args();
    println(xs.len());
    for a in xs {
        println("[" + a + "]");
    }
}
"#,
        )],
    );
    sandbox
        .holo(&["run", "-q", "--", "one", "two words", "--flag", "-x", ""])
        .run()
        .code(0)
        .stdout_is("5\n[one]\n[two words]\n[--flag]\n[-x]\n[]\n");
    sandbox.holo(&["run", "-q"]).run().code(0).stdout_is("0\n");
}

#[test]
fn the_program_reads_standard_input() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "upper",
        &[(
            "src/main.holo",
            r#"fn main() {
    let mut total = 0;
    while !stdin_eof() {
        let line = read_line();
        if line == "" {
            continue;
        }
        total = total + line.parse_i64().unwrap();
        println(line.to_upper());
    }
    println("total " + total.to_str());
}
"#,
        )],
    );
    sandbox
        .holo(&["run", "-q"])
        .stdin("1\n20\n300\n")
        .run()
        .code(0)
        .stdout_is("1\n20\n300\ntotal 321\n");
    // No input at all: the first read sees the end.
    sandbox
        .holo(&["run", "-q"])
        .run()
        .code(0)
        .stdout_is("total 0\n");
}

#[test]
fn a_runtime_error_prints_where_and_exits_with_101() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "oops",
        &[(
            "src/main.holo",
            r#"fn get(xs: [i64], i: i64) -> i64 {
    xs[i]
}

fn main() {
    println("before");
    let xs = [1, 2, 3];
    println(get(xs, 5));
    println("after");
}
"#,
        )],
    );
    let run = sandbox.holo(&["run", "-q"]).run();
    run.code(101).stdout_is("before\n").stderr_is(
        "error: index out of bounds: the index is 5 but the length is 3\n  --> src/main.holo:2:5\n   at get (src/main.holo:2)\n   at main (src/main.holo:8)\n",
    );
}

#[test]
fn a_runtime_error_is_a_json_event_with_message_format_json() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "oops",
        &[(
            "src/main.holo",
            "fn get(xs: [i64], i: i64) -> i64 {\n    xs[i]\n}\n\nfn main() {\n    println(\"before\");\n    println(get([1], 5));\n}\n",
        )],
    );
    let run = sandbox
        .holo(&["run", "-q", "--message-format", "json"])
        .run();
    run.code(101).stderr_is("");
    let (printed, event) = run.stdout.split_once('\n').expect("two lines");
    assert_eq!(printed, "before");
    let event: serde_json::Value = serde_json::from_str(event.trim()).expect("a JSON event");
    assert_eq!(event["type"], "runtime-error");
    assert_eq!(
        event["message"],
        "index out of bounds: the index is 5 but the length is 1"
    );
    assert_eq!(event["file"], "src/main.holo");
    assert_eq!(event["line"], 2);
    assert_eq!(event["column"], 5);
    assert_eq!(event["exit_code"], 101);
    let stack = event["stack"].as_array().expect("a stack");
    assert_eq!(stack.len(), 2);
    assert_eq!(stack[0]["function"], "get");
    assert_eq!(stack[1]["function"], "main");
    assert_eq!(stack[1]["line"], 7);
}

/// Each iteration doubles a string and keeps it: the values outgrow any limit within a few
/// dozen iterations.
const HUNGRY_MAIN: &str = r#"fn keep(xs: [str], s: str) -> [str] {
    let mut out = xs;
    out.push(s);
    out
}

fn main() {
    println("started");
    let mut kept: [str] = [];
    let mut s = "0123456789abcdef";
    while true {
        s = s + s;
        kept = keep(kept, s);
    }
}
"#;

#[test]
fn running_out_of_memory_is_a_runtime_error_and_keeps_the_output() {
    let sandbox = Sandbox::new();
    sandbox.package("hungry", &[("src/main.holo", HUNGRY_MAIN)]);
    // stdout is a pipe here: what the program printed must reach it before the error.
    let run = sandbox.holo(&["run", "-q", "--memory", "32MiB"]).run();
    run.code(101)
        .stdout_is("started\n")
        .stderr_contains(
            "error: out of memory: the program's values grew beyond its memory limit of 32 MiB\n  --> src/main.holo:",
        )
        .stderr_contains("   at main (src/main.holo:")
        .stderr_contains("raise the limit with `holo run --memory SIZE`");
    assert!(
        !run.stderr.contains("memory allocation of") && !run.stderr.contains("backtrace"),
        "{}",
        run.stderr
    );

    let run = sandbox
        .holo(&["run", "-q", "--memory", "32MiB", "--message-format", "json"])
        .run();
    run.code(101);
    let events = holo_tests::parse_json_lines(run.stdout.trim_start_matches("started\n"));
    assert_eq!(events[0]["type"], "runtime-error");
    assert!(
        events[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("out of memory")
    );

    // The limit from holo.toml, and a bad one.
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hungry\"\n\n[run]\nmemory = \"16MiB\"\n",
    );
    sandbox
        .holo(&["run", "-q"])
        .run()
        .code(101)
        .stdout_is("started\n")
        .stderr_contains("beyond its memory limit of 16 MiB");
    sandbox
        .holo(&["run", "-q", "--memory", "10KB"])
        .run()
        .code(2)
        .stderr_contains("`10KB` is too little memory to run a program");
    sandbox.write(
        "holo.toml",
        "[package]\nname = \"hungry\"\n\n[run]\nmemory = \"lots\"\n",
    );
    sandbox
        .holo(&["run", "-q"])
        .run()
        .code(2)
        .stderr_contains("`memory` in `[run]` must be a size of at least 1 MiB");
}

#[test]
fn assertion_failures_and_panics_end_the_program() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "asserts",
        &[(
            "src/main.holo",
            r#"fn main() {
    let args = args();
    if args.len() > 0 {
        panic("told to stop: " + args[0]);
    }
    assert_eq(1 + 1, 3);
}
"#,
        )],
    );
    sandbox
        .holo(&["run", "-q"])
        .run()
        .code(101)
        .stderr_contains("error: assertion failed: left == right\n  left: 2\n right: 3\n  --> src/main.holo:6:5\n");
    sandbox
        .holo(&["run", "-q", "--", "now"])
        .run()
        .code(101)
        .stderr_contains("error: panicked: told to stop: now\n  --> src/main.holo:4:9\n");
}

#[test]
fn endless_recursion_is_a_stack_overflow_not_a_crash() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "deep",
        &[(
            "src/main.holo",
            r#"fn down(n: i64) -> i64 {
    down(n + 1) + 1
}

fn main() {
    println(down(0));
}
"#,
        )],
    );
    let run = sandbox.holo(&["run", "-q"]).run();
    run.code(101)
        .stderr_contains("error: stack overflow")
        .stderr_contains("   at down (src/main.holo:2)");
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
    // The stack is shortened, not a hundred thousand lines.
    assert!(
        run.stderr.lines().count() < 200,
        "{} lines",
        run.stderr.lines().count()
    );
}

#[test]
fn compile_errors_stop_before_running() {
    let sandbox = Sandbox::new();
    sandbox.package("bad", &[("src/main.holo", TYPE_ERROR_MAIN)]);
    let run = sandbox.holo(&["run"]).run();
    run.code(1)
        .stdout_is("")
        .stderr_contains("error[E0308]: mismatched types")
        .stderr_contains("error: could not compile `bad` due to 1 previous error");
    assert!(!run.stderr.contains("Running"), "{}", run.stderr);

    let run = sandbox.holo(&["run", "--message-format", "json"]).run();
    run.code(1);
    let events = run.json();
    assert_eq!(events[0]["type"], "diagnostic");
    assert_eq!(events[0]["code"], "E0308");
    let last = events.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["errors"], 1);
}

#[test]
fn a_library_cannot_be_run() {
    let sandbox = Sandbox::new();
    sandbox.holo(&["new", "geometry", "--lib"]).run().code(0);
    sandbox
        .holo(&["run"])
        .cwd("geometry")
        .run()
        .code(2)
        .stdout_is("")
        .stderr_contains(
            "error: `holo run` needs a program, but `geometry` is a library: it has `src/lib.holo` and no `src/main.holo`",
        )
        .stderr_contains("holo test");
}

#[test]
fn run_outside_a_package_is_an_environment_error() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["run"])
        .run()
        .code(2)
        .stderr_contains("could not find `holo.toml`");
}

#[test]
fn output_is_complete_even_when_large() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "loud",
        &[(
            "src/main.holo",
            r#"fn main() {
    let line = "x".repeat(99);
    for _i in 0..10000 {
        println(line);
    }
    print("end");
}
"#,
        )],
    );
    let run = sandbox.holo(&["run", "-q"]).run();
    run.code(0);
    assert_eq!(run.stdout.len(), 10_000 * 100 + 3);
    assert!(run.stdout.ends_with("x\nend"));
}

#[test]
fn build_compiles_every_function_and_says_how_many() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "shapes",
        &[
            (
                "src/main.holo",
                r#"fn unused_helper() -> i64 {
    41 + 1
}

fn main() {
    println(geometry::area(2, 3));
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
"#,
            ),
        ],
    );
    sandbox.holo(&["build"]).run().code(0).stderr_is(
        "   Compiling shapes v0.1.0 ([ROOT])\n    Finished build of shapes (4 functions) in [TIME]\n",
    );
    let run = sandbox.holo(&["build", "--message-format", "json"]).run();
    run.code(0);
    let events = run.json();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "summary");
    assert_eq!(events[0]["functions"], 4);
    assert_eq!(events[0]["errors"], 0);

    sandbox.write("src/main.holo", TYPE_ERROR_MAIN);
    sandbox
        .holo(&["build"])
        .run()
        .code(1)
        .stderr_contains("could not compile `shapes` due to 1 previous error");
}

#[test]
fn run_and_build_have_help() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["run", "--help"])
        .run()
        .code(0)
        .stdout_contains("Usage: holo run [OPTIONS] [-- <ARGS>...]")
        .stdout_contains("--manifest-path <PATH>");
    sandbox
        .holo(&["build", "--help"])
        .run()
        .code(0)
        .stdout_contains("Usage: holo build [OPTIONS]");
}

#[test]
fn a_program_stops_when_its_reader_goes_away() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let sandbox = Sandbox::new();
    sandbox.package(
        "endless",
        &[(
            "src/main.holo",
            r#"fn main() {
    let mut i = 0;
    while true {
        println(i);
        i = i + 1;
    }
}
"#,
        )],
    );
    // `holo run | head -c 10`: the reader takes a few bytes and closes the pipe.
    let mut child = Command::new(holo_tests::holo_bin())
        .args(["run", "-q"])
        .current_dir(sandbox.root())
        .env("HOLO_HOME", sandbox.home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start holo");
    let mut first = [0u8; 10];
    child
        .stdout
        .take()
        .expect("piped stdout")
        .read_exact(&mut first)
        .expect("read the first bytes");
    assert_eq!(&first, b"0\n1\n2\n3\n4\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for holo") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the program kept running after its reader went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // As a shell reports a process ended by SIGPIPE.
    assert_eq!(status.code(), Some(141));
}
