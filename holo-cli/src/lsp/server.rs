//! The language server's front-end on the daemon's loop: the editor's documents (overlays on
//! the host), diagnostics as you type, the affected tests on save with their code lenses, and
//! the requests. Everything here runs on the loop's one thread, in the order the messages
//! came, so an answer always reflects every change sent before it.

use super::convert::{self, Encoding, Files};
use crate::daemon::server::{FrontEnd, FrontSender};
use crate::host::changes::ChangeEvent;
use crate::host::events::{Event, Reporter, TestEvent};
use crate::host::project::ProjectHost;
use crate::host::test::{CANCELLED_EXIT, TestRequest};
use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, InitializeParams, MessageType, Uri,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The command a code lens runs: one test, by name.
pub const RUN_TEST: &str = "holo.runTest";

/// What the server offers, in `initialize`'s answer.
pub fn capabilities(enc: Encoding) -> Value {
    json!({
        "positionEncoding": match enc { Encoding::Utf8 => "utf-8", Encoding::Utf16 => "utf-16" },
        "textDocumentSync": {
            "openClose": true,
            "change": 2,
            "save": {"includeText": false},
        },
        "codeLensProvider": {"resolveProvider": false},
        "executeCommandProvider": {"commands": [RUN_TEST]},
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "documentSymbolProvider": true,
        "workspaceSymbolProvider": true,
        "completionProvider": {"triggerCharacters": [".", ":"]},
        "signatureHelpProvider": {"triggerCharacters": ["(", ","]},
        "inlayHintProvider": true,
        "renameProvider": {"prepareProvider": true},
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
    })
}

/// The answer to `method` when there is no package: the protocol's empty value, `None` for
/// methods the server does not handle.
pub fn empty_result(method: &str) -> Option<Value> {
    match method {
        "textDocument/codeLens" => Some(json!([])),
        "workspace/executeCommand" => Some(Value::Null),
        method => super::requests::empty(method),
    }
}

/// A document the editor has open: its text overrides the disk's.
struct Doc {
    version: i32,
    text: String,
}

pub struct Lsp {
    sender: Sender<Message>,
    receiver: Option<Receiver<Message>>,
    enc: Encoding,
    /// The client shows `$/progress` for a token the server creates.
    work_done_progress: bool,
    /// The client re-asks for code lenses when told they changed.
    code_lens_refresh: bool,
    /// Open documents by package-relative path.
    docs: BTreeMap<String, Doc>,
    /// Documents whose newest text the host does not have yet.
    unapplied: BTreeSet<String>,
    /// Requests the client cancelled before they were answered (set by the input thread).
    cancelled: Arc<Mutex<HashSet<RequestId>>>,
    /// The request being computed when it can be stopped (a test run): its cancellation
    /// stops the run.
    running: Arc<Mutex<Option<RequestId>>>,
    /// Files that have diagnostics in the editor now.
    published: BTreeSet<String>,
    /// The last check's diagnostics by file (compile errors and warnings).
    checked: BTreeMap<String, Vec<lsp_types::Diagnostic>>,
    /// The documents changed since the last check.
    check_due: bool,
    /// A save since the last test run: the affected tests run when the loop is idle.
    tests_due: bool,
    /// Each test's last result, by name.
    results: BTreeMap<String, TestEvent>,
    /// `shutdown` came: only `exit` is expected now.
    shutdown: bool,
    /// Set by `exit`: whether `shutdown` came before it.
    exit_clean: Option<bool>,
    /// The last id of the requests to the client (and of progress tokens).
    next_request: i64,
    /// The editor's buffers are set aside while a terminal command is answered.
    aside: bool,
}

impl Lsp {
    pub fn new(connection: &Connection, params: &InitializeParams, enc: Encoding) -> Lsp {
        let caps = &params.capabilities;
        Lsp {
            sender: connection.sender.clone(),
            receiver: Some(connection.receiver.clone()),
            enc,
            work_done_progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            code_lens_refresh: caps
                .workspace
                .as_ref()
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false),
            docs: BTreeMap::new(),
            unapplied: BTreeSet::new(),
            cancelled: Arc::default(),
            running: Arc::default(),
            published: BTreeSet::new(),
            checked: BTreeMap::new(),
            check_due: true,
            tests_due: true,
            results: BTreeMap::new(),
            shutdown: false,
            exit_clean: None,
            next_request: 0,
            aside: false,
        }
    }

    /// 0 after `shutdown` then `exit`; 1 for an `exit` without `shutdown`, or an editor that
    /// went away.
    pub fn exit_code(&self) -> std::process::ExitCode {
        std::process::ExitCode::from(if self.exit_clean == Some(true) { 0 } else { 1 })
    }

    /// Shows `message` in the editor (`window/showMessage`).
    pub fn show(&self, typ: MessageType, message: String) {
        self.notify(
            "window/showMessage",
            lsp_types::ShowMessageParams { typ, message },
        );
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        let _ = self
            .sender
            .send(Notification::new(method.to_string(), params).into());
    }

    fn respond(&self, response: Response) {
        let _ = self.sender.send(response.into());
    }

    /// Sends a request to the client; its answer is not awaited (and ignored when it comes).
    fn ask_client(&mut self, method: &str, params: Value) {
        self.next_request += 1;
        let id = RequestId::from(format!("holo-{}", self.next_request));
        let _ = self
            .sender
            .send(Request::new(id, method.to_string(), params).into());
    }

    /// The compiler's path of a document URI, when it is the package's or a dependency's.
    fn rel_path(&self, host: &ProjectHost, uri: &Uri) -> Option<String> {
        host.session().package_path(&convert::path_of(uri)?)
    }

    fn files<'a>(&'a self, host: &'a ProjectHost) -> Files<'a> {
        Files {
            session: host.session(),
            enc: self.enc,
        }
    }

    /// Marks `path`'s buffer as changed: it reaches the host before the next answer, so a
    /// burst of edits is parsed once.
    fn set_overlay(&mut self, path: &str) {
        self.unapplied.insert(path.to_string());
        self.check_due = true;
    }

    /// Gives the host the buffers changed since the last answer.
    fn apply_overlays(&mut self, host: &mut ProjectHost) {
        let changes: Vec<ChangeEvent> = std::mem::take(&mut self.unapplied)
            .into_iter()
            .filter_map(|path| {
                let text = self.docs.get(&path)?.text.clone();
                Some(ChangeEvent::Overlay { path, text })
            })
            .collect();
        if !changes.is_empty() {
            host.apply_changes(&changes);
        }
    }

    fn notification(&mut self, host: &mut ProjectHost, n: Notification) -> bool {
        match n.method.as_str() {
            "exit" => {
                self.exit_clean = Some(self.shutdown);
                return true;
            }
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return false;
                };
                // A dependency's files are read-only for the package: not overlaid.
                if let Some(path) = self.rel_path(host, &p.text_document.uri)
                    && !path.starts_with(holo_compiler::ids::DEPENDENCY_DIR)
                {
                    self.docs.insert(
                        path.clone(),
                        Doc {
                            version: p.text_document.version,
                            text: p.text_document.text,
                        },
                    );
                    self.set_overlay(&path);
                }
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return false;
                };
                let Some(path) = self.rel_path(host, &p.text_document.uri) else {
                    return false;
                };
                let enc = self.enc;
                let Some(doc) = self.docs.get_mut(&path) else {
                    return false;
                };
                for change in p.content_changes {
                    match change.range {
                        Some(range) => {
                            let start = convert::offset(&doc.text, range.start, enc) as usize;
                            let end = convert::offset(&doc.text, range.end, enc) as usize;
                            doc.text.replace_range(start..end.max(start), &change.text);
                        }
                        None => doc.text = change.text,
                    }
                }
                doc.version = p.text_document.version;
                self.set_overlay(&path);
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return false;
                };
                if let Some(path) = self.rel_path(host, &p.text_document.uri)
                    && self.docs.remove(&path).is_some()
                {
                    self.unapplied.remove(&path);
                    host.apply_changes(&[ChangeEvent::OverlayRemoved(path)]);
                    self.check_due = true;
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params)
                    && self.rel_path(host, &p.text_document.uri).is_some()
                {
                    self.tests_due = true;
                }
            }
            _ => {}
        }
        false
    }

    fn request(&mut self, host: &mut ProjectHost, req: Request, cancel: &Arc<AtomicBool>) {
        self.apply_overlays(host);
        if self.cancelled.lock().unwrap().remove(&req.id) {
            self.respond(Response::new_err(
                req.id,
                ErrorCode::RequestCanceled as i32,
                "the request was cancelled".to_string(),
            ));
            return;
        }
        if req.method == "shutdown" {
            self.shutdown = true;
            self.respond(Response::new_ok(req.id, Value::Null));
            return;
        }
        if self.shutdown {
            self.respond(Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                format!(
                    "`{}` came after `shutdown`; only `exit` is expected now",
                    req.method
                ),
            ));
            return;
        }
        let id = req.id.clone();
        let result = match req.method.as_str() {
            "textDocument/codeLens" => Ok(self.code_lenses(host, req.params)),
            "workspace/executeCommand" => {
                *self.running.lock().unwrap() = Some(id.clone());
                let result = self.execute_command(host, req.params, cancel);
                *self.running.lock().unwrap() = None;
                if self.cancelled.lock().unwrap().remove(&id) {
                    Err((
                        ErrorCode::RequestCanceled,
                        "the request was cancelled".to_string(),
                    ))
                } else {
                    result
                }
            }
            method => match super::requests::answer(&self.files(host), method, req.params) {
                Some(result) => result,
                None => Err((
                    ErrorCode::MethodNotFound,
                    format!("holo lsp does not handle `{method}`"),
                )),
            },
        };
        self.respond(match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        });
    }

    /// Checks the package and publishes: every file with diagnostics and every open document
    /// (stamped with the version checked), and an empty list for every file that had some
    /// and has none now.
    fn check(&mut self, host: &mut ProjectHost) {
        let start = Instant::now();
        let mut events = Vec::new();
        host.check(&mut events, Instant::now());
        let files = self.files(host);
        let mut checked: BTreeMap<String, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for event in &events {
            let converted = match event {
                Event::Diagnostic(d) => files.diagnostic(d),
                Event::Error(e) => files.error(e),
                _ => None,
            };
            if let Some((file, diagnostic)) = converted {
                checked.entry(file).or_default().push(diagnostic);
            }
        }
        self.checked = checked;
        self.check_due = false;
        self.publish(host);
        tracing::debug!(elapsed = ?start.elapsed(), "checked and published");
    }

    /// Publishes the diagnostics of the last check together with the failing tests'.
    fn publish(&mut self, host: &ProjectHost) {
        let files = self.files(host);
        let mut all = self.checked.clone();
        for result in self.results.values() {
            if result.base_outcome() != holo_runner::exec::Outcome::Passed {
                let (file, diagnostic) = files.test_failure(result);
                all.entry(file).or_default().push(diagnostic);
            }
        }
        // Every open document gets its publish, empty or not, stamped with the version
        // checked: the editor knows which text the answer is for.
        for path in self.docs.keys() {
            all.entry(path.clone()).or_default();
        }
        let cleared: Vec<String> = self
            .published
            .iter()
            .filter(|f| !all.contains_key(*f))
            .cloned()
            .collect();
        let empty = cleared.into_iter().map(|f| (f, Vec::new()));
        for (file, diagnostics) in all.clone().into_iter().chain(empty) {
            let version = self.docs.get(&file).map(|d| d.version);
            self.notify(
                "textDocument/publishDiagnostics",
                lsp_types::PublishDiagnosticsParams {
                    uri: files.uri(&file),
                    diagnostics,
                    version,
                },
            );
        }
        self.published = all
            .into_iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(f, _)| f)
            .collect();
    }

    /// Runs `request` (the affected tests, or one test) with progress in the editor, keeps
    /// the results, republishes and refreshes the lenses. Returns the results of this run,
    /// or `None` when a newer change cancelled it.
    fn run_tests(
        &mut self,
        host: &mut ProjectHost,
        request: &TestRequest,
        cancel: &Arc<AtomicBool>,
    ) -> Option<Vec<TestEvent>> {
        self.next_request += 1;
        let token = format!("holo-tests-{}", self.next_request);
        let mut out = TestProgress {
            sender: &self.sender,
            token: self.work_done_progress.then_some(token.clone()),
            started: false,
            total: 0,
            done: 0,
            results: Vec::new(),
        };
        if out.token.is_some() {
            self.next_request += 1;
            let id = RequestId::from(format!("holo-{}", self.next_request));
            let _ = self.sender.send(
                Request::new(
                    id,
                    "window/workDoneProgress/create".to_string(),
                    json!({"token": token}),
                )
                .into(),
            );
        }
        host.set_cancel(Some(cancel.clone()));
        let code = host.test(request, &mut out, Instant::now());
        host.set_cancel(None);
        out.end(code == CANCELLED_EXIT);
        let results = std::mem::take(&mut out.results);
        if code == CANCELLED_EXIT {
            return None;
        }
        // A run of every test (the affected ones run, the others from the record) replaces
        // the results: a test that is gone loses its diagnostic and lens.
        if request.filter.is_none() {
            self.results.clear();
        }
        for result in &results {
            self.results.insert(result.name.clone(), result.clone());
        }
        self.publish(host);
        if self.code_lens_refresh {
            self.ask_client("workspace/codeLens/refresh", Value::Null);
        }
        Some(results)
    }

    /// A lens above every test of the document: its last state and duration, running it.
    fn code_lenses(&self, host: &ProjectHost, params: Value) -> Value {
        let Ok(p) = serde_json::from_value::<lsp_types::CodeLensParams>(params) else {
            return json!([]);
        };
        let Some(path) = self.rel_path(host, &p.text_document.uri) else {
            return json!([]);
        };
        let compiler = host.session().compiler();
        let Some(text) = compiler.text(&path) else {
            return json!([]);
        };
        let lenses: Vec<Value> = compiler
            .tests_in_file(&path)
            .into_iter()
            .map(|test| {
                let line =
                    convert::position(&text, attribute_start(&text, test.range.start), self.enc);
                let title = match self.results.get(&test.name) {
                    Some(result) => lens_title(result),
                    None => "▶ run test".to_string(),
                };
                json!({
                    "range": {"start": line, "end": line},
                    "command": {"title": title, "command": RUN_TEST, "arguments": [test.name]},
                })
            })
            .collect();
        Value::Array(lenses)
    }

    /// `holo.runTest NAME`: runs that test (exactly), answers its result.
    fn execute_command(
        &mut self,
        host: &mut ProjectHost,
        params: Value,
        cancel: &Arc<AtomicBool>,
    ) -> Result<Value, (ErrorCode, String)> {
        let p: lsp_types::ExecuteCommandParams = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))?;
        if p.command != RUN_TEST {
            return Err((
                ErrorCode::InvalidParams,
                format!(
                    "holo lsp has no command `{}`; it has `{RUN_TEST}`",
                    p.command
                ),
            ));
        }
        let Some(name) = p.arguments.first().and_then(Value::as_str) else {
            return Err((
                ErrorCode::InvalidParams,
                format!("`{RUN_TEST}` takes the test's name as its argument"),
            ));
        };
        let request = TestRequest {
            filter: Some(name.to_string()),
            exact: true,
            ..TestRequest::default()
        };
        match self.run_tests(host, &request, cancel) {
            Some(results) => Ok(serde_json::to_value(results).unwrap_or(Value::Null)),
            None => Err((
                ErrorCode::ContentModified,
                "a newer change stopped the test run".to_string(),
            )),
        }
    }
}

/// Where the test's declaration starts: the `#[test]` line above the name at `name` (the
/// attributes and doc comments right above the `fn` line belong to it), so the lens shows
/// above the attribute.
fn attribute_start(text: &str, name: u32) -> u32 {
    let mut line_start = text[..name as usize].rfind('\n').map_or(0, |i| i + 1);
    let mut start = line_start;
    while line_start > 0 {
        let previous = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[previous..line_start - 1].trim();
        if !(line.starts_with("#[") || line.starts_with("///")) {
            break;
        }
        line_start = previous;
        if line.starts_with("#[") {
            start = previous;
        }
    }
    start as u32
}

/// `✓ passed 1.2 ms`, `✗ failed 0.4 ms`, `✓ passed (cached)`: what a lens says of a test.
fn lens_title(result: &TestEvent) -> String {
    let mark = if result.base_outcome() == holo_runner::exec::Outcome::Passed {
        "✓"
    } else {
        "✗"
    };
    let outcome = result.base_outcome().as_str().replace('-', " ");
    if result.is_cached() {
        format!("{mark} {outcome} (cached) · run test")
    } else {
        format!(
            "{mark} {outcome} {} · run test",
            crate::render::format_duration(std::time::Duration::from_secs_f64(
                result.duration_ms / 1000.0
            ))
        )
    }
}

/// Receives a test run's events: keeps the results and reports `$/progress`.
struct TestProgress<'a> {
    sender: &'a Sender<Message>,
    /// The progress token, when the client shows progress.
    token: Option<String>,
    started: bool,
    total: usize,
    done: usize,
    results: Vec<TestEvent>,
}

impl TestProgress<'_> {
    fn progress(&self, value: Value) {
        if let Some(token) = &self.token {
            let _ = self.sender.send(
                Notification::new(
                    "$/progress".to_string(),
                    json!({"token": token, "value": value}),
                )
                .into(),
            );
        }
    }

    fn end(&mut self, cancelled: bool) {
        if self.started {
            let message = if cancelled {
                "stopped by a newer change".to_string()
            } else {
                format!("{} of {} tests ran", self.done, self.total)
            };
            self.progress(json!({"kind": "end", "message": message}));
            self.started = false;
        }
    }
}

impl Reporter for TestProgress<'_> {
    fn emit(&mut self, event: Event) {
        match event {
            Event::TestsStarting { count } if count > 0 => {
                self.total = count;
                self.started = true;
                self.progress(json!({
                    "kind": "begin",
                    "title": "holo test",
                    "message": format!("running {}", crate::render::plural(count, "test")),
                    "percentage": 0,
                    "cancellable": false,
                }));
            }
            Event::TestEnded { name } => {
                self.done += 1;
                if self.started {
                    self.progress(json!({
                        "kind": "report",
                        "message": name,
                        "percentage": (self.done * 100 / self.total.max(1)) as u32,
                    }));
                }
            }
            Event::Test(result) => self.results.push(result),
            _ => {}
        }
    }
}

impl FrontEnd for &mut Lsp {
    type Message = Message;

    fn start(&mut self, sender: FrontSender<Message>) {
        let Some(receiver) = self.receiver.take() else {
            return;
        };
        let cancelled = self.cancelled.clone();
        let running = self.running.clone();
        let _ = std::thread::Builder::new()
            .name("holo-lsp-input".into())
            .spawn(move || {
                for message in receiver {
                    if let Message::Notification(n) = &message {
                        match n.method.as_str() {
                            "$/cancelRequest" => {
                                if let Some(id) = n.params.get("id").and_then(request_id) {
                                    if running.lock().unwrap().as_ref() == Some(&id) {
                                        sender.make_obsolete();
                                    }
                                    cancelled.lock().unwrap().insert(id);
                                }
                            }
                            // A newer text makes a test run under way obsolete.
                            "textDocument/didChange"
                            | "textDocument/didSave"
                            | "textDocument/didClose" => sender.make_obsolete(),
                            _ => {}
                        }
                    }
                    if !sender.send(message) {
                        return;
                    }
                }
                sender.closed();
            });
    }

    fn message(
        &mut self,
        host: &mut ProjectHost,
        message: Message,
        cancel: &Arc<AtomicBool>,
    ) -> bool {
        match message {
            Message::Request(req) => {
                self.request(host, req, cancel);
                false
            }
            Message::Notification(n) => self.notification(host, n),
            Message::Response(_) => false,
        }
    }

    fn disk_changed(&mut self, _host: &mut ProjectHost) {
        self.check_due = true;
        self.tests_due = true;
    }

    fn settle(&mut self, host: &mut ProjectHost, cancel: &Arc<AtomicBool>) {
        self.apply_overlays(host);
        if self.check_due {
            self.check(host);
        }
        if self.tests_due && !self.shutdown {
            self.tests_due = false;
            let errors = self
                .checked
                .values()
                .flatten()
                .any(|d| d.severity == Some(lsp_types::DiagnosticSeverity::ERROR));
            if !errors {
                let request = TestRequest {
                    affected: true,
                    ..TestRequest::default()
                };
                self.run_tests(host, &request, cancel);
            }
        }
    }

    fn set_aside(&mut self, host: &mut ProjectHost) {
        // Whatever is set aside comes back whole in `restore`.
        self.unapplied.clear();
        if self.docs.is_empty() || self.aside {
            return;
        }
        self.aside = true;
        let changes: Vec<ChangeEvent> = self
            .docs
            .keys()
            .map(|p| ChangeEvent::OverlayRemoved(p.clone()))
            .collect();
        host.apply_changes(&changes);
    }

    fn restore(&mut self, host: &mut ProjectHost) {
        if !self.aside {
            return;
        }
        self.aside = false;
        let changes: Vec<ChangeEvent> = self
            .docs
            .iter()
            .map(|(path, doc)| ChangeEvent::Overlay {
                path: path.clone(),
                text: doc.text.clone(),
            })
            .collect();
        host.apply_changes(&changes);
    }
}

/// A request id as JSON (a number or a string).
fn request_id(value: &Value) -> Option<RequestId> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| RequestId::from(n as i32)),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}
