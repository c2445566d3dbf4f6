//! `holo mcp`: a scripted MCP client over stdio (JSON-RPC 2.0, one message per line) against
//! the real binary — the lifecycle, the three tools with exact results, edits on disk seen by
//! the next call, bad input, a hanging program, the warm state shared with terminal commands —
//! and the official MCP Python SDK's client driving it (`mcp_sdk_client.py`).

use holo_tests::{Sandbox, holo_bin};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one answer may take on a slow, shared machine.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

const CALC: &str = r#"fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {
    let name = read_line();
    println("hello " + name + ", " + args().len().to_str() + " args");
    eprintln("sum " + add(2, 3).to_str());
}

#[test]
fn adds() {
    assert_eq(add(1, 2), 3);
}

#[test]
fn adds_wrongly() {
    assert_eq(add(2, 2), 5);
}
"#;

/// A `holo mcp` process and the client side of its stdio.
struct Mcp {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    next_id: i64,
}

impl Mcp {
    fn start(sandbox: &Sandbox, cwd: &str) -> Mcp {
        let mut child = Command::new(holo_bin())
            .arg("mcp")
            .current_dir(sandbox.path(cwd))
            .env("HOLO_HOME", sandbox.home())
            .env("HOME", sandbox.home())
            .env_remove("HOLO_LOG")
            .env_remove("HOLO_DAEMON")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start holo mcp");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Mcp {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 0,
        }
    }

    /// Starts the server and goes through `initialize` with protocol 2025-06-18.
    fn initialized(sandbox: &Sandbox, cwd: &str) -> Mcp {
        let mut mcp = Mcp::start(sandbox, cwd);
        let init = mcp.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
        mcp.send_line(
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        );
        mcp
    }

    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to holo mcp");
        stdin.flush().expect("flush");
    }

    /// The next message from the server.
    #[track_caller]
    fn receive(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(ANSWER_TIMEOUT)
            .expect("holo mcp answered within the time limit");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Sends a request and returns the whole response (checked to answer this request).
    #[track_caller]
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let response = self.receive();
        assert_eq!(response["jsonrpc"], "2.0", "{response}");
        assert_eq!(response["id"], id, "{response}");
        response
    }

    /// Calls a tool; returns its result.
    #[track_caller]
    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(response.get("error").is_none(), "{response}");
        let result = response["result"].clone();
        assert_eq!(result["content"][0]["type"], "text", "{result}");
        assert!(result["content"][0]["text"].is_string(), "{result}");
        result
    }

    /// Calls a tool that must succeed; returns its structured content.
    #[track_caller]
    fn call_ok(&mut self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments);
        assert_eq!(result["isError"], false, "{result}");
        result["structuredContent"].clone()
    }

    /// Ends the session (stdin closed) and waits for the server to exit.
    #[track_caller]
    fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "holo mcp did not exit at the end of its input"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Saves `contents` the way editors do (write a temporary file, rename it over the old one).
fn save(sandbox: &Sandbox, relative: &str, contents: &str) {
    let target = sandbox.path(relative);
    let tmp = target.with_file_name(".save.tmp");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, &target).unwrap();
}

fn test_names(tests: &Value) -> Vec<(String, String, bool)> {
    tests
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["outcome"].as_str().unwrap().to_string(),
                t["cached"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_tools_check_test_and_run_the_package_and_see_every_save() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let mut mcp = Mcp::initialized(&sandbox, ".");

    let tools = mcp.request("tools/list", json!({}));
    let tools = tools["result"]["tools"].as_array().unwrap().clone();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["check", "test", "run"]);
    for tool in &tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
    }

    assert_eq!(
        mcp.call_ok("check", json!({})),
        json!({"ok": true, "errors": 0, "warnings": 0, "diagnostics": []})
    );

    // First run: nothing is recorded, so both tests run.
    let tested = mcp.call_ok("test", json!({}));
    let no_record = "ran: no test results are recorded for this package (its first run, or the first since `holo clean`)";
    assert_eq!(tested["tests"][0]["name"], "adds");
    assert_eq!(tested["tests"][0]["reason"], no_record);
    assert_eq!(tested["tests"][0]["failure"], Value::Null);
    let failing = &tested["tests"][1];
    assert_eq!(failing["name"], "adds_wrongly");
    assert_eq!(failing["outcome"], "failed");
    assert_eq!(failing["cached"], false);
    assert_eq!(failing["reason"], no_record);
    assert_eq!(
        failing["failure"],
        json!({"file": "src/main.holo", "line": 18, "column": 5,
               "message": "assertion failed: left == right\n  left: 4\n right: 5",
               "left": "4", "right": "5"})
    );
    assert_eq!(
        (
            tested["passed"].clone(),
            tested["failed"].clone(),
            tested["cached"].clone(),
            tested["ok"].clone()
        ),
        (json!(1), json!(1), json!(0), json!(false))
    );

    // Unchanged: both answered from the record.
    let tested = mcp.call_ok("test", json!({}));
    assert_eq!(
        test_names(&tested["tests"]),
        [
            ("adds".into(), "passed".into(), true),
            ("adds_wrongly".into(), "failed".into(), true)
        ]
    );
    assert!(
        tested["tests"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("cached: nothing it reaches changed since "),
        "{tested}"
    );

    // A save between two calls is seen by the next call: a type error.
    save(
        &sandbox,
        "src/main.holo",
        &CALC.replace("a + b", "a + b + \"c\""),
    );
    let checked = mcp.call_ok("check", json!({}));
    assert_eq!(checked["ok"], false, "{checked}");
    assert_eq!(checked["errors"], 1, "{checked}");
    let diagnostic = &checked["diagnostics"][0];
    assert_eq!(
        (
            &diagnostic["file"],
            &diagnostic["line"],
            &diagnostic["column"],
            &diagnostic["severity"]
        ),
        (
            &json!("src/main.holo"),
            &json!(2),
            &json!(5),
            &json!("error")
        ),
        "{checked}"
    );
    // The same values as `holo check --message-format json` (which the server's daemon answers).
    let terminal = sandbox.holo(&["check", "--message-format", "json"]).run();
    let from_terminal = terminal
        .json()
        .into_iter()
        .find(|e| e["type"] == "diagnostic")
        .unwrap();
    for field in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "message",
        "hint",
    ] {
        assert_eq!(
            diagnostic[field], from_terminal[field],
            "{field}: {checked} vs {from_terminal}"
        );
    }
    // `test` and `run` cannot go on: tool errors naming the diagnostic.
    for tool in ["test", "run"] {
        let result = mcp.call(tool, json!({}));
        assert_eq!(result["isError"], true, "{result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "The package does not compile (1 error), so `{tool}` could not go on"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "src/main.holo:2:5: error[{}]",
                diagnostic["code"].as_str().unwrap()
            )),
            "{text}"
        );
    }

    // Fixed: only the test that reaches the changed function… all do here, so both run again.
    save(
        &sandbox,
        "src/main.holo",
        &CALC.replace("assert_eq(add(2, 2), 5)", "assert_eq(add(2, 2), 4)"),
    );
    let tested = mcp.call_ok("test", json!({}));
    assert_eq!(
        test_names(&tested["tests"]),
        [
            ("adds".into(), "passed".into(), true),
            ("adds_wrongly".into(), "passed".into(), false)
        ]
    );
    assert_eq!(
        tested["tests"][1]["reason"], "ran: `adds_wrongly` changed",
        "{tested}"
    );
    assert_eq!(tested["ok"], true);

    // `all` runs every selected test; `filter` selects.
    let tested = mcp.call_ok("test", json!({"all": true, "filter": "wrongly"}));
    assert_eq!(
        test_names(&tested["tests"]),
        [("adds_wrongly".into(), "passed".into(), false)]
    );
    assert_eq!(
        tested["tests"][0]["reason"],
        "ran: every selected test runs without `--affected`"
    );
    assert_eq!(tested["filtered_out"], 1);

    let ran = mcp.call_ok("run", json!({"args": ["x", "y"], "stdin": "agent\n"}));
    assert_eq!(
        ran,
        json!({"exit_code": 0, "stdout": "hello agent, 2 args\n", "stderr": "sum 5\n", "timed_out": false})
    );

    assert_eq!(mcp.finish(), Some(0));
}

#[test]
fn bad_input_gets_json_rpc_errors_and_tool_errors_and_the_server_goes_on() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let mut mcp = Mcp::initialized(&sandbox, ".");

    mcp.send_line("{not json");
    let error = mcp.receive();
    assert_eq!(error["id"], Value::Null, "{error}");
    assert_eq!(error["error"]["code"], -32700, "{error}");

    mcp.send_line(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#);
    assert_eq!(mcp.receive()["error"]["code"], -32600);

    let unknown = mcp.request("resources/list", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let no_name = mcp.request("tools/call", json!({"arguments": {}}));
    assert_eq!(no_name["error"]["code"], -32602, "{no_name}");
    let no_tool = mcp.request("tools/call", json!({"name": "deploy"}));
    assert_eq!(no_tool["error"]["code"], -32602, "{no_tool}");
    assert_eq!(
        no_tool["error"]["message"],
        "there is no tool `deploy`; holo's tools are `check`, `test` and `run`"
    );

    for (tool, arguments, sentence) in [
        (
            "test",
            json!({"all": "yes"}),
            "The `all` argument of `test` must be true or false, not \"yes\".",
        ),
        (
            "test",
            json!({"filter": 3}),
            "The `filter` argument of `test` must be a string (part of a test's name), not 3.",
        ),
        (
            "run",
            json!({"args": [1]}),
            "The `args` argument of `run` must be an array of strings, not [1].",
        ),
        (
            "run",
            json!({"timeout_s": -1}),
            "The `timeout_s` argument of `run` must be a number of seconds above 0 and at most 600, not -1.",
        ),
        (
            "check",
            json!({"strict": true}),
            "The `check` tool takes no arguments, but was given `strict`.",
        ),
    ] {
        let result = mcp.call(tool, arguments);
        assert_eq!(result["isError"], true, "{result}");
        assert_eq!(result["content"][0]["text"], sentence, "{result}");
    }

    let pong = mcp.request("ping", json!({}));
    assert_eq!(pong["result"], json!({}));
    assert_eq!(mcp.call_ok("check", json!({}))["ok"], true);
    assert_eq!(mcp.finish(), Some(0));
}

#[test]
fn an_older_protocol_version_is_negotiated_and_an_unknown_one_answered_with_ours() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let mut mcp = Mcp::start(&sandbox, ".");
    let init = mcp.request(
        "initialize",
        json!({"protocolVersion": "2024-11-05", "capabilities": {}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(init["result"]["serverInfo"]["name"], "holo");
    assert_eq!(
        init["result"]["capabilities"],
        json!({"tools": {"listChanged": false}})
    );
    // Output schemas and structured results came with 2025-06-18.
    let tools = mcp.request("tools/list", json!({}));
    assert!(
        tools["result"]["tools"][0].get("outputSchema").is_none(),
        "{tools}"
    );
    let checked = mcp.call("check", json!({}));
    assert!(checked.get("structuredContent").is_none(), "{checked}");
    assert_eq!(
        checked["content"][0]["text"],
        "No errors or warnings in 1 file."
    );
    drop(mcp);

    let mut mcp = Mcp::start(&sandbox, ".");
    let init = mcp.request(
        "initialize",
        json!({"protocolVersion": "1999-01-01", "capabilities": {}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
}

#[test]
fn a_program_that_hangs_is_stopped_at_its_time_limit() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "spin",
        &[("src/main.holo", "fn main() {\n    println(\"started\");\n    let mut i = 0;\n    while true {\n        i = i + 1;\n        if i > 1000000 {\n            i = 0;\n        }\n    }\n}\n")],
    );
    let mut mcp = Mcp::initialized(&sandbox, ".");
    let start = Instant::now();
    let result = mcp.call("run", json!({"timeout_s": 1}));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(result["isError"], true, "{result}");
    assert_eq!(
        result["structuredContent"],
        json!({"exit_code": Value::Null, "stdout": "started\n", "stderr": "", "timed_out": true})
    );
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("`spin` was still running after 1 s and was stopped"),
        "{result}"
    );
    // The server goes on.
    assert_eq!(mcp.call_ok("check", json!({}))["ok"], true);
}

#[test]
fn outside_a_package_every_tool_says_so() {
    let sandbox = Sandbox::new();
    sandbox.write("empty/readme.txt", "not a package");
    let mut mcp = Mcp::initialized(&sandbox, "empty");
    for tool in ["check", "test", "run"] {
        let result = mcp.call(tool, json!({}));
        assert_eq!(result["isError"], true, "{result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("holo.toml"), "{text}");
    }
    // A package created later is found.
    sandbox.write(
        "empty/holo.toml",
        "[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
    );
    sandbox.write("empty/src/main.holo", CALC);
    assert_eq!(mcp.call_ok("check", json!({}))["ok"], true);
}

#[test]
fn the_server_is_the_project_daemon_for_terminal_commands_until_it_ends() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let mut mcp = Mcp::initialized(&sandbox, ".");
    assert_eq!(mcp.call_ok("check", json!({}))["ok"], true);
    let pid = mcp.child.id();
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    let status = status.json()[0].clone();
    assert_eq!(status["pid"], pid, "{status}");
    let terminal = sandbox.holo(&["test", "--message-format", "json"]).run();
    let summary = terminal.json().last().unwrap().clone();
    assert_eq!(summary["served_by"], "daemon", "{summary}");
    // Its results are the agent's: nothing changed, so the agent's next run is all cached.
    let tested = mcp.call_ok("test", json!({}));
    assert_eq!(tested["cached"], 2, "{tested}");

    assert_eq!(mcp.finish(), Some(0));
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    assert_eq!(
        status.json()[0],
        json!({"type": "daemon", "running": false})
    );
}

#[test]
fn a_daemon_that_runs_already_answers_the_agent() {
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    sandbox.holo(&["daemon", "start"]).run().code(0);
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    let daemon = status.json()[0]["pid"].clone();
    let mut mcp = Mcp::initialized(&sandbox, ".");
    assert_eq!(mcp.call_ok("check", json!({}))["ok"], true);
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    assert_eq!(
        status.json()[0]["pid"],
        daemon,
        "the agent used the running daemon"
    );
    assert!(status.json()[0]["requests"].as_u64().unwrap() >= 1);
    assert_eq!(mcp.finish(), Some(0));
    // The daemon was not the session's: it still runs.
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    assert_eq!(status.json()[0]["pid"], daemon);
    sandbox.holo(&["daemon", "stop"]).run().code(0);
}

/// The official MCP Python SDK (`mcp` on PyPI) drives `holo mcp` through its stdio client:
/// initialize, list the tools, call each, and validate every structured result against the
/// tool's output schema. Skipped, with a message, when the module is not installed — except in
/// CI (`CI=true`), where `.ci/run` installs it and its absence is a failure.
#[test]
fn the_official_python_sdk_client_drives_the_server() {
    let python = std::env::var("HOLO_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let has_sdk = Command::new(&python)
        .args(["-c", "import mcp.client.stdio, jsonschema"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_sdk {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must have the MCP Python SDK (`pip install mcp`, done by .ci/run) for `{python}`"
        );
        eprintln!(
            "skipped: `{python}` has no `mcp` module (pip install mcp; or set HOLO_TEST_PYTHON)"
        );
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.package("calc", &[("src/main.holo", CALC)]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cli/mcp_sdk_client.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(holo_bin())
        .arg(sandbox.root())
        .env("HOLO_HOME", sandbox.home())
        .env("HOME", sandbox.home())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python client");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the Python client did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "server holo 2025-06-18",
            "tools check test run",
            "check ok=True errors=0",
            "test passed=1 failed=1",
            "test failure adds_wrongly 4 5",
            "run exit_code=0 stdout='hello sdk, 1 args\\n'",
            "run compile error isError=True",
            "valid",
        ],
        "stderr:\n{stderr}"
    );
}
