//! `holo lsp`: the real server over stdio, driven by a scripted client that speaks the
//! protocol's framing. Every wait has a deadline; assertions are on exact positions (UTF-16
//! and UTF-8), contents, versions and order of publishes.

use holo_tests::{Sandbox, WATCH_TIMEOUT};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// A file whose one error comes after non-ASCII text on its line: `"a"` is character 31,
/// UTF-16 unit 32 and byte 35 of line 1.
const NON_ASCII_ERROR: &str =
    "fn main() {\n    let s = \"é😀\"; let x: i64 = \"a\";\n    println(s);\n    println(x);\n}\n";
const FIXED: &str =
    "fn main() {\n    let s = \"é😀\"; let x: i64 = 1;\n    println(s);\n    println(x);\n}\n";

/// A scripted editor: sends requests and notifications, keeps what the server sent.
pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    /// Messages received and not consumed yet, in order.
    pub inbox: Vec<Value>,
    next_id: i64,
    pub root: std::path::PathBuf,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Client {
    /// Starts `holo lsp` in `folder` (relative to the sandbox) and initializes it with
    /// `capabilities`.
    pub fn start(sandbox: &Sandbox, folder: &str, capabilities: Value) -> (Client, Value) {
        let root = sandbox.path(folder);
        let mut cmd = sandbox.holo(&["lsp"]).into_command();
        cmd.current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("cannot start holo lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            stdin: child.stdin.take(),
            child,
            rx,
            inbox: Vec::new(),
            next_id: 0,
            root: root.clone(),
        };
        let init = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(&root),
                "capabilities": capabilities,
                "workspaceFolders": [{"uri": uri(&root), "name": "ws"}],
            }),
        );
        client.notify("initialized", json!({}));
        (client, init)
    }

    pub fn uri(&self, relative: &str) -> String {
        uri(&self.root.join(relative))
    }

    pub fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and returns the response (the whole message).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    pub fn response(&mut self, id: i64) -> Value {
        self.take(&format!("the response to request {id}"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// Waits for (and removes) the first message that satisfies `pred`.
    #[track_caller]
    pub fn take(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WATCH_TIMEOUT;
        loop {
            if let Some(i) = self.inbox.iter().position(&pred) {
                return self.inbox.remove(i);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(message) => self.inbox.push(message),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; received: {:#?}", self.inbox)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the server ended while waiting for {what}; received: {:#?}",
                        self.inbox
                    )
                }
            }
        }
    }

    /// Waits for a `publishDiagnostics` of `relative` satisfying `pred`; returns its params.
    /// Earlier publishes of the file are consumed (and returned in `skipped`).
    #[track_caller]
    pub fn diagnostics(
        &mut self,
        relative: &str,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> (Value, Vec<Value>) {
        let uri = self.uri(relative);
        let mut skipped = Vec::new();
        loop {
            let params = self.take(what, |m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            })["params"]
                .clone();
            if pred(&params) {
                return (params, skipped);
            }
            skipped.push(params);
        }
    }

    pub fn open(&mut self, relative: &str, version: i32, text: &str) {
        let uri = self.uri(relative);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "holo", "version": version, "text": text}}),
        );
    }

    pub fn change_full(&mut self, relative: &str, version: i32, text: &str) {
        let uri = self.uri(relative);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Waits for the server to end; its exit code.
    pub fn wait_exit(mut self) -> Option<i32> {
        let deadline = Instant::now() + WATCH_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "holo lsp did not exit in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn package(sandbox: &Sandbox, main: &str) {
    sandbox.package("app", &[("src/main.holo", main)]);
}

#[test]
fn diagnostics_as_you_type_count_utf16_units_and_follow_the_buffer() {
    let sandbox = Sandbox::new();
    package(&sandbox, NON_ASCII_ERROR);
    let (mut lsp, init) = Client::start(&sandbox, "", json!({}));
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        2
    );
    // The saved file's error, before anything is open (no version).
    let (first, _) = lsp.diagnostics("src/main.holo", "the disk's error", |_| true);
    assert_eq!(first["version"], Value::Null);
    let d = &first["diagnostics"][0];
    assert_eq!(first["diagnostics"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(
        d["range"],
        json!({"start": {"line": 1, "character": 32}, "end": {"line": 1, "character": 35}})
    );
    assert_eq!(d["code"], "E0308");
    assert_eq!(
        d["codeDescription"]["href"],
        "https://holo-lang.github.io/holo/diagnostics.html#e0308"
    );
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "holo");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("mismatched types"),
        "{d}"
    );
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], lsp.uri("src/main.holo"));
    assert_eq!(related["location"]["range"]["start"]["line"], 1);

    // The buffer overrides the disk: fixed in the editor (an incremental change), the error
    // goes away without a save.
    lsp.open("src/main.holo", 1, NON_ASCII_ERROR);
    let uri = lsp.uri("src/main.holo");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{
            "range": {"start": {"line": 1, "character": 32}, "end": {"line": 1, "character": 35}},
            "text": "1",
        }]}),
    );
    let (cleared, _) = lsp.diagnostics("src/main.holo", "the cleared diagnostics", |p| {
        p["version"] == 2
    });
    assert_eq!(cleared["diagnostics"], json!([]));
    assert_eq!(sandbox.read("src/main.holo"), NON_ASCII_ERROR);

    // Closing returns to the disk's text, and its error.
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let (back, _) = lsp.diagnostics("src/main.holo", "the disk's error again", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(back["version"], Value::Null);
    assert_eq!(back["diagnostics"][0]["range"]["start"]["character"], 32);
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let sandbox = Sandbox::new();
    package(&sandbox, NON_ASCII_ERROR);
    let caps = json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}});
    let (mut lsp, init) = Client::start(&sandbox, "", caps);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    let (first, _) = lsp.diagnostics("src/main.holo", "the error", |_| true);
    assert_eq!(
        first["diagnostics"][0]["range"],
        json!({"start": {"line": 1, "character": 35}, "end": {"line": 1, "character": 38}})
    );
}

#[test]
fn rapid_changes_publish_in_order_and_end_on_the_newest_version() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    lsp.open("src/main.holo", 1, FIXED);
    // Ten changes at once: errors in the odd ones, the last one clean.
    for version in 2..=11 {
        let text = if version % 2 == 0 {
            NON_ASCII_ERROR
        } else {
            FIXED
        };
        lsp.change_full("src/main.holo", version, text);
    }
    lsp.change_full("src/main.holo", 12, NON_ASCII_ERROR);
    let (last, skipped) = lsp.diagnostics("src/main.holo", "the newest version's", |p| {
        p["version"] == 12
    });
    assert_eq!(last["diagnostics"].as_array().unwrap().len(), 1);
    // Never an older version after a newer one, and each publish matches its version's text.
    let mut previous = 0;
    for p in &skipped {
        let v = p["version"].as_i64().unwrap();
        assert!(v >= previous, "version {v} published after {previous}");
        previous = v;
        let has_error = !p["diagnostics"].as_array().unwrap().is_empty();
        assert_eq!(has_error, v % 2 == 0, "version {v}: {p}");
    }
    // Coalesced: fewer publishes than changes.
    assert!(skipped.len() < 11, "{} publishes", skipped.len() + 1);
}

const TESTED_LIB: &str = "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n";
const TESTS_PASSING: &str = "fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\n#[test]\nfn adds() {\n    assert_eq(add(2, 2), 4);\n}\n";
const TESTS_FAILING: &str = "fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\n#[test]\nfn adds() {\n    assert_eq(add(2, 2), 5);\n}\n";

#[test]
fn tests_on_save_show_at_the_assertion_and_in_code_lenses() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "app",
        &[
            ("src/lib.holo", TESTED_LIB),
            ("src/checks.holo", TESTS_PASSING),
        ],
    );
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut lsp, _) = Client::start(&sandbox, "", caps);
    lsp.open("src/checks.holo", 1, TESTS_PASSING);
    // The first run's result (the tests had never run): a lens that says passed.
    let lens = wait_lens(&mut lsp, "src/checks.holo", "passed");
    assert_eq!(lens["range"]["start"]["line"], 4, "{lens}");
    assert_eq!(lens["command"]["command"], "holo.runTest");
    assert_eq!(lens["command"]["arguments"], json!(["checks::adds"]));

    // Saved failing: a diagnostic at the assertion with both values.
    lsp.change_full("src/checks.holo", 2, TESTS_FAILING);
    sandbox.write("src/checks.holo", TESTS_FAILING);
    let uri = lsp.uri("src/checks.holo");
    lsp.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let (failed, _) = lsp.diagnostics("src/checks.holo", "the failing test", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let d = &failed["diagnostics"][0];
    assert_eq!(d["source"], "holo test");
    assert_eq!(d["range"]["start"], json!({"line": 6, "character": 4}));
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("test `checks::adds` failed"),
        "{message}"
    );
    assert!(
        message.contains("left: 4") && message.contains("right: 5"),
        "{message}"
    );
    // Progress was reported for the run.
    lsp.take("a progress begin", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
    });
    lsp.take("a progress end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    let lens = wait_lens(&mut lsp, "src/checks.holo", "failed");
    assert!(
        lens["command"]["title"]
            .as_str()
            .unwrap()
            .starts_with("✗ failed")
    );

    // Fixed and saved: the diagnostic goes away.
    lsp.change_full("src/checks.holo", 3, TESTS_PASSING);
    sandbox.write("src/checks.holo", TESTS_PASSING);
    lsp.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let (passed, _) = lsp.diagnostics("src/checks.holo", "the passing test", |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(passed["version"], 3);

    // The lens's command runs the test.
    let run = lsp.request(
        "workspace/executeCommand",
        json!({"command": "holo.runTest", "arguments": ["checks::adds"]}),
    );
    let results = run["result"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{run}");
    assert_eq!(results[0]["name"], "checks::adds");
    assert_eq!(results[0]["outcome"], "passed");
}

/// Asks for the document's lenses until one's title starts with `✓ state`/`✗ state`.
fn wait_lens(lsp: &mut Client, relative: &str, state: &str) -> Value {
    let deadline = Instant::now() + WATCH_TIMEOUT;
    let uri = lsp.uri(relative);
    loop {
        let lenses = lsp.request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        );
        if let Some(lens) = lenses["result"].as_array().and_then(|l| {
            l.iter()
                .find(|l| l["command"]["title"].as_str().unwrap_or("")[4..].starts_with(state))
                .cloned()
        }) {
            return lens;
        }
        assert!(
            Instant::now() < deadline,
            "no `{state}` lens in time: {lenses}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_cancelled_request_is_answered_request_cancelled() {
    let sandbox = Sandbox::new();
    // A test that takes a while keeps the server busy while the request and its cancel queue.
    let slow = "#[test]\nfn slow() {\n    let mut i = 0;\n    while i < 300000000 {\n        i = i + 1;\n    }\n    assert(i > 0);\n}\n";
    sandbox.package(
        "app",
        &[("src/lib.holo", TESTED_LIB), ("src/slow.holo", slow)],
    );
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut lsp, _) = Client::start(&sandbox, "", caps);
    lsp.take("the first test run's start", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
    });
    let uri = lsp.uri("src/slow.holo");
    let id = lsp.send_request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    lsp.notify("$/cancelRequest", json!({"id": id}));
    let response = lsp.response(id);
    assert_eq!(response["error"]["code"], -32800, "{response}");
}

#[test]
fn shutdown_then_exit_ends_with_0_and_exit_alone_with_1() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    let response = lsp.request("shutdown", Value::Null);
    assert_eq!(response["result"], Value::Null);
    assert!(response.get("error").is_none());
    let after = lsp.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": "file:///x"}}),
    );
    assert_eq!(after["error"]["code"], -32600, "{after}");
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(0));

    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(1));
}

#[test]
fn a_client_that_goes_away_ends_the_server_and_its_workers() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "app",
        &[
            ("src/lib.holo", TESTED_LIB),
            ("src/checks.holo", TESTS_PASSING),
        ],
    );
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut lsp, _) = Client::start(&sandbox, "", caps);
    // Workers started: the first test run ended.
    lsp.take("the first test run's end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    let pid = lsp.pid();
    let workers = children_of(pid);
    assert!(!workers.is_empty(), "the test run left no warm worker");
    lsp.close_stdin();
    assert_eq!(lsp.wait_exit(), Some(1));
    let deadline = Instant::now() + WATCH_TIMEOUT;
    while workers
        .iter()
        .any(|w| Path::new(&format!("/proc/{w}")).exists())
    {
        assert!(
            Instant::now() < deadline,
            "workers {workers:?} outlived the server"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pids of the processes whose parent is `pid` (Linux).
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the fields after the last `)`.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

#[test]
fn a_folder_that_is_not_a_package_gets_a_message_and_empty_answers() {
    let sandbox = Sandbox::new();
    sandbox.write("notes/readme.txt", "not a package");
    let (mut lsp, init) = Client::start(&sandbox, "notes", json!({}));
    assert!(init["result"]["capabilities"].is_object());
    let shown = lsp.take("the message", |m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("is not inside a holo package") && text.contains("holo init"),
        "{text}"
    );
    assert_eq!(shown["params"]["type"], 2);
    let lenses = lsp.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lsp.uri("readme.txt")}}),
    );
    assert_eq!(lenses["result"], json!([]));
    assert_eq!(lsp.request("shutdown", Value::Null)["result"], Value::Null);
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(0));
}

/// The diagnostics of saved files are `holo check`'s, position for position.
#[test]
fn diagnostics_of_saved_files_equal_holo_checks() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "app",
        &[
            ("src/main.holo", "fn main() {\n    let total = 1;\n    println(totl);\n    let y: bool = 3;\n}\n"),
            ("src/shapes.holo", "pub fn area(w: i64) -> i64 {\n    w * \"h\"\n}\n\npub fn unused() -> i64 {\n    let z = 2;\n    1\n}\n"),
        ],
    );
    let check = sandbox
        .holo(&["check", "--message-format", "json", "--no-daemon"])
        .run();
    let mut expected: Vec<(String, u64, u64, u64, u64, String, String)> = check
        .json()
        .into_iter()
        .filter(|e| e["type"] == "diagnostic")
        .map(|e| {
            (
                lsp_uri_of(&sandbox, e["file"].as_str().unwrap()),
                e["line"].as_u64().unwrap() - 1,
                e["column"].as_u64().unwrap() - 1,
                e["end_line"].as_u64().unwrap() - 1,
                e["end_column"].as_u64().unwrap() - 1,
                e["code"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(expected.len() >= 3, "{check:?}");
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    let mut actual = Vec::new();
    let files: std::collections::BTreeSet<String> = expected.iter().map(|e| e.0.clone()).collect();
    for uri in &files {
        let relative = uri
            .strip_prefix(&format!("{}/", lsp.uri("").trim_end_matches('/')))
            .unwrap()
            .to_string();
        let (params, _) = lsp.diagnostics(&relative, "the saved file's diagnostics", |_| true);
        for d in params["diagnostics"].as_array().unwrap() {
            let r = &d["range"];
            let message = d["message"].as_str().unwrap();
            actual.push((
                uri.clone(),
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                r["end"]["line"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                message.to_string(),
            ));
        }
    }
    expected.sort();
    actual.sort();
    // The editor's message is `holo check`'s, then the primary label's and the hint.
    for (a, e) in actual.iter_mut().zip(&expected) {
        if a.6.starts_with(&e.6) {
            a.6.clone_from(&e.6);
        }
    }
    assert_eq!(actual, expected);
}

fn lsp_uri_of(sandbox: &Sandbox, relative: &str) -> String {
    uri(&sandbox.path(relative))
}

/// `holo lsp` serves the package's socket: a command in the terminal is answered by it, for
/// the files as saved (not the editor's unsaved buffer).
#[test]
fn terminal_commands_share_the_servers_state_and_see_the_saved_files() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    lsp.open("src/main.holo", 1, NON_ASCII_ERROR);
    lsp.diagnostics("src/main.holo", "the buffer's error", |p| p["version"] == 1);
    let check = sandbox.holo(&["check", "--message-format", "json"]).run();
    check.code(0);
    let summary = check.json().into_iter().last().unwrap();
    assert_eq!(summary["served_by"], "daemon", "{summary}");
    assert_eq!(summary["errors"], 0);
    // The editor's buffer is still what the server checks.
    lsp.change_full("src/main.holo", 2, NON_ASCII_ERROR);
    let (again, _) = lsp.diagnostics("src/main.holo", "the buffer's error again", |p| {
        p["version"] == 2
    });
    assert_eq!(again["diagnostics"].as_array().unwrap().len(), 1);
}

/// Navigation and help: every request on one program, with a non-ASCII string before the
/// call on its line (UTF-16 positions both ways).
const IDE_MAIN: &str = r#"/// Adds two numbers.
fn add(a: i64, b: i64) -> i64 {
    a + b
}

struct Point {
    x: i64,
    y: i64,
}

fn main() {
    let e = "é😀"; let total = add(1, 2);
    let p = Point { x: 1, y: 2 };
    println(e);
    println(total + p.x);
    println(totl);
}
"#;

fn pos(lsp: &Client, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": lsp.uri("src/main.holo")}, "position": {"line": line, "character": character}})
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

#[test]
fn navigation_and_help_answer_from_the_compilers_ide_queries() {
    let sandbox = Sandbox::new();
    package(&sandbox, IDE_MAIN);
    let (mut lsp, init) = Client::start(&sandbox, "", json!({}));
    let caps = &init["result"]["capabilities"];
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!([".", ":"])
    );
    assert_eq!(
        caps["signatureHelpProvider"]["triggerCharacters"],
        json!(["(", ","])
    );
    assert_eq!(caps["renameProvider"]["prepareProvider"], true);
    let file = lsp.uri("src/main.holo");
    lsp.open("src/main.holo", 1, IDE_MAIN);

    // `add` in the call: character 31 in UTF-16 (30 characters, one astral).
    let hover = lsp.request("textDocument/hover", pos(&lsp, 11, 32))["result"].clone();
    assert_eq!(
        hover["contents"]["value"],
        "```holo\nfn add(a: i64, b: i64) -> i64\n```\n\nAdds two numbers."
    );
    assert_eq!(hover["range"], range(11, 31, 11, 34));

    let definition = lsp.request("textDocument/definition", pos(&lsp, 11, 32));
    assert_eq!(
        definition["result"],
        json!([{"uri": file, "range": range(1, 3, 1, 6)}])
    );

    let mut refs = pos(&lsp, 1, 4);
    refs["context"] = json!({"includeDeclaration": true});
    let references = lsp.request("textDocument/references", refs);
    assert_eq!(
        references["result"],
        json!([{"uri": file, "range": range(1, 3, 1, 6)}, {"uri": file, "range": range(11, 31, 11, 34)}])
    );

    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": file}}),
    )["result"]
        .clone();
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["add", "Point", "main"]);
    assert_eq!(symbols[1]["kind"], 23);
    assert_eq!(symbols[1]["children"][0]["name"], "x");
    assert_eq!(symbols[0]["selectionRange"], range(1, 3, 1, 6));

    let found = lsp.request("workspace/symbol", json!({"query": "Poi"}))["result"].clone();
    assert_eq!(
        found,
        json!([{"name": "Point", "kind": 23, "location": {"uri": file, "range": range(5, 7, 5, 12)}, "containerName": null}])
    );

    // Fields after `p.`.
    let completion = lsp.request("textDocument/completion", pos(&lsp, 14, 22))["result"].clone();
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["x", "y"]);
    assert_eq!(completion[0]["kind"], 5);

    // In `add(1, 2)` after the comma: the second parameter.
    let help = lsp.request("textDocument/signatureHelp", pos(&lsp, 11, 38))["result"].clone();
    assert_eq!(
        help["signatures"][0]["label"],
        "fn add(a: i64, b: i64) -> i64"
    );
    assert_eq!(
        help["signatures"][0]["parameters"],
        json!([{"label": [7, 13]}, {"label": [15, 21]}])
    );
    assert_eq!(help["activeParameter"], 1);

    let hints = lsp.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": file}, "range": range(0, 0, 20, 0)}),
    )["result"]
        .clone();
    assert_eq!(
        hints,
        json!([
            {"position": {"line": 11, "character": 9}, "label": ": str", "kind": 1},
            {"position": {"line": 11, "character": 28}, "label": ": i64", "kind": 1},
            {"position": {"line": 12, "character": 9}, "label": ": Point", "kind": 1},
        ])
    );

    let prepare = lsp.request("textDocument/prepareRename", pos(&lsp, 11, 24));
    assert_eq!(prepare["result"], range(11, 23, 11, 28));
    let mut rename = pos(&lsp, 11, 24);
    rename["newName"] = json!("sum");
    let edit = lsp.request("textDocument/rename", rename)["result"].clone();
    assert_eq!(
        edit,
        json!({"changes": {file.clone(): [
            {"range": range(11, 23, 11, 28), "newText": "sum"},
            {"range": range(14, 12, 14, 17), "newText": "sum"},
        ]}})
    );
    let mut keyword = pos(&lsp, 10, 1);
    keyword["newName"] = json!("x");
    let refused = lsp.request("textDocument/rename", keyword);
    assert_eq!(refused["error"]["code"], -32803, "{refused}");

    let actions = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": file}, "range": range(15, 12, 15, 12), "context": {"diagnostics": []}}),
    )["result"]
        .clone();
    assert_eq!(actions[0]["title"], "Replace `totl` with `total`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(
        actions[0]["edit"],
        json!({"changes": {file.clone(): [{"range": range(15, 12, 15, 16), "newText": "total"}]}})
    );
}

/// `PATH` with the `holo` under test first, as an editor finds it.
fn path_with_holo() -> std::ffi::OsString {
    let dir = holo_tests::holo_bin().parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest))).unwrap()
}

/// A real editor: Neovim headless (Debian's 0.7.2 has `vim.lsp.start_client`) opens the
/// package, waits for the diagnostics of the file (after non-ASCII text: Neovim converts the
/// UTF-16 columns to bytes), fixes the line in the buffer and waits for them to go.
#[test]
fn neovim_shows_the_diagnostics_and_clears_them_as_you_type() {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let nvim = std::process::Command::new("nvim").arg("--version").output();
    if nvim.is_err() {
        assert!(
            !in_ci,
            "nvim is not installed; .ci/run installs it (apt-get install neovim)"
        );
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    let sandbox = Sandbox::new();
    package(&sandbox, NON_ASCII_ERROR);
    let out = sandbox.path("nvim-result.json");
    let script = sandbox.path("test.lua");
    std::fs::write(
        &script,
        format!(
            r#"
local root = {root:?}
local out = {out:?}
local function finish(result)
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qall!")
end
-- The book's set-up for Neovim 0.7 to 0.9 (book/src/editors.md), as written there.
vim.cmd("autocmd BufRead,BufNewFile *.holo setfiletype holo")
vim.api.nvim_create_autocmd("FileType", {{ pattern = "holo", callback = function(args)
  local manifest = vim.fn.findfile("holo.toml", vim.fn.expand("%:p:h") .. ";")
  local root = manifest ~= "" and vim.fn.fnamemodify(manifest, ":p:h") or vim.fn.getcwd()
  local id = vim.lsp.start_client({{ name = "holo", cmd = {{ "holo", "lsp" }}, root_dir = root }})
  vim.lsp.buf_attach_client(args.buf, id)
end }})
vim.cmd("edit " .. root .. "/src/main.holo")
local buf = vim.api.nvim_get_current_buf()
if not vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20) then
  finish({{ error = "no diagnostics arrived" }})
  return
end
local d = vim.diagnostic.get(buf)[1]
local first = {{ lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message, source = d.source, count = #vim.diagnostic.get(buf) }}
vim.api.nvim_buf_set_lines(buf, 1, 2, false, {{ '    let s = "é😀"; let x: i64 = 1;' }})
local cleared = vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
vim.lsp.stop_client(vim.lsp.get_active_clients())
finish({{ first = first, cleared = cleared }})
"#,
            root = sandbox.root().to_str().unwrap(),
            out = out.to_str().unwrap(),
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(sandbox.root())
        .env("HOME", sandbox.home())
        .env("HOLO_HOME", sandbox.home())
        .env("XDG_STATE_HOME", sandbox.home())
        .env("XDG_DATA_HOME", sandbox.home())
        .env("PATH", path_with_holo())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start nvim");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let first = &result["first"];
    assert_eq!(first["count"], 1, "{result}");
    assert_eq!(first["lnum"], 1);
    // Byte columns in Neovim: `"a"` starts at byte 35 of the line.
    assert_eq!(first["col"], 35);
    assert_eq!(first["end_col"], 38);
    assert_eq!(first["source"], "holo");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("mismatched types"),
        "{result}"
    );
    assert_eq!(result["cleared"], true, "{result}");
}

#[test]
fn cancelling_a_running_test_command_stops_it() {
    let sandbox = Sandbox::new();
    let slow = "#[test]\nfn slow() {\n    let mut i = 0;\n    while i < 300000000 {\n        i = i + 1;\n    }\n    assert(i > 0);\n}\n";
    sandbox.package(
        "app",
        &[("src/lib.holo", TESTED_LIB), ("src/slow.holo", slow)],
    );
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut lsp, _) = Client::start(&sandbox, "", caps);
    lsp.take("the first run's end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    let id = lsp.send_request(
        "workspace/executeCommand",
        json!({"command": "holo.runTest", "arguments": ["slow::slow"]}),
    );
    lsp.take("the command's run", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
    });
    let started = Instant::now();
    lsp.notify("$/cancelRequest", json!({"id": id}));
    let response = lsp.response(id);
    assert_eq!(response["error"]["code"], -32800, "{response}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

fn daemon_pid(sandbox: &Sandbox) -> Option<u64> {
    let status = sandbox
        .holo(&["daemon", "status", "--message-format", "json"])
        .run();
    status.json().first()?["pid"].as_u64()
}

/// A daemon in the background hands the package over to the editor's server.
#[test]
fn a_background_daemon_is_taken_over() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    sandbox.holo(&["daemon", "start", "-q"]).run().code(0);
    let before = daemon_pid(&sandbox).expect("the daemon runs");
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    // Answered once the loop runs, which is after the socket is bound.
    lsp.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lsp.uri("src/main.holo")}}),
    );
    assert_eq!(daemon_pid(&sandbox), Some(u64::from(lsp.pid())));
    // The old daemon ends (it released the lock before its process is gone).
    let deadline = Instant::now() + WATCH_TIMEOUT;
    while std::fs::read_to_string(format!("/proc/{before}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'))
    }) {
        assert!(
            Instant::now() < deadline,
            "the daemon {before} did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        lsp.inbox
            .iter()
            .all(|m| m["method"] != "window/showMessage"),
        "{:?}",
        lsp.inbox
    );
}

/// `holo dev` in a terminal is never stopped: the editor gets a state of its own and is told.
#[test]
fn a_foreground_holo_dev_is_left_alone() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    let dev = sandbox.holo(&["dev"]).spawn();
    dev.wait_for_stderr_lines("holo dev serving", 1, |l| l.contains("Serving"));
    let dev_pid = daemon_pid(&sandbox).expect("holo dev serves");
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    let shown = lsp.take("the message", |m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(text.contains("already serves this package"), "{text}");
    assert_eq!(daemon_pid(&sandbox), Some(dev_pid));
    // The editor's own state still answers.
    lsp.open("src/main.holo", 1, NON_ASCII_ERROR);
    let (d, _) = lsp.diagnostics("src/main.holo", "the buffer's error", |p| p["version"] == 1);
    assert_eq!(d["diagnostics"].as_array().unwrap().len(), 1);
}

/// `holo daemon stop` (and `holo clean`, which stops the daemon first) ends the editor's
/// serving of the terminal, not the editor's server.
#[test]
fn daemon_stop_leaves_the_editors_server_running() {
    let sandbox = Sandbox::new();
    package(&sandbox, FIXED);
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    lsp.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lsp.uri("src/main.holo")}}),
    );
    assert_eq!(daemon_pid(&sandbox), Some(u64::from(lsp.pid())));
    sandbox.holo(&["daemon", "stop"]).run().code(0);
    assert_eq!(daemon_pid(&sandbox), None);
    lsp.open("src/main.holo", 1, NON_ASCII_ERROR);
    let (d, _) = lsp.diagnostics("src/main.holo", "the buffer's error", |p| p["version"] == 1);
    assert_eq!(d["diagnostics"].as_array().unwrap().len(), 1);
}

/// A failing test shows without an edit (the server's first run), and a test that is gone
/// loses its diagnostic.
#[test]
fn a_deleted_failing_test_loses_its_diagnostic() {
    let sandbox = Sandbox::new();
    sandbox.package(
        "app",
        &[
            ("src/lib.holo", TESTED_LIB),
            ("src/checks.holo", TESTS_FAILING),
        ],
    );
    let (mut lsp, _) = Client::start(&sandbox, "", json!({}));
    let (failed, _) = lsp.diagnostics("src/checks.holo", "the failing test", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(failed["diagnostics"][0]["source"], "holo test");
    std::fs::remove_file(sandbox.path("src/checks.holo")).unwrap();
    lsp.diagnostics("src/checks.holo", "the cleared diagnostic", |p| {
        p["diagnostics"].as_array().unwrap().is_empty()
    });
}
