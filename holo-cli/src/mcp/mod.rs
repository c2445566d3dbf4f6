//! `holo mcp`: a Model Context Protocol server on stdin and stdout for coding agents, with the
//! tools `check`, `test` and `run` answered from the project's one warm state.
//!
//! - this file: the transport and JSON-RPC 2.0 (one message per line, no headers), the
//!   lifecycle (`initialize` with version negotiation, `ping`), and the dispatch of requests;
//! - `tools`: the tools' schemas and how the host's events become their results;
//! - `backend`: where the answers come from — the project's daemon, or this process serving
//!   the package as the daemon would.
//!
//! Only JSON-RPC messages go to stdout; nothing else in this process writes there (programs
//! run by the `run` tool have their output captured on pipes).

mod backend;
mod tools;

use crate::error::CliError;
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};

/// The protocol version this server speaks, and the older ones it also answers (MCP's
/// negotiation: a version the client offers and the server knows is echoed, any other is
/// answered with the newest).
pub const PROTOCOL_VERSION: &str = "2025-06-18";
const OLDER_VERSIONS: [&str; 2] = ["2025-03-26", "2024-11-05"];

/// JSON-RPC 2.0 error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;

/// Serves MCP on stdin and stdout until stdin ends.
pub fn serve(manifest_path: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let out = Output::default();
    let (tx, rx) = mpsc::channel::<(Value, String, Value)>();
    // Tool calls run one at a time on this thread, in order, against one host; the reader
    // answers what needs no host (`ping`, errors) at once, even during a long test run.
    let worker_out = out.clone();
    let worker = std::thread::Builder::new()
        .name("holo-mcp-calls".into())
        .spawn(move || {
            let mut server = Server {
                backend: backend::Backend::new(manifest_path),
                version: PROTOCOL_VERSION.to_string(),
            };
            for (id, method, params) in rx {
                // A fault in one call is that call's answer; the session goes on.
                let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    server.handle(&method, &params)
                }))
                .unwrap_or_else(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".to_string());
                    Err(RpcError(
                        INTERNAL_ERROR,
                        format!("internal error in holo's MCP server while answering `{method}`: {message}; please report it"),
                    ))
                });
                worker_out.send(&response(id, reply));
            }
            server.backend.shut_down();
        })
        .map_err(|e| CliError::new(format!("cannot start the MCP server's thread: {e}")))?;
    let stdin = std::io::stdin();
    let mut line = String::new();
    let mut input = stdin.lock();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                // Not UTF-8, or the pipe failed: the line is lost, the connection is not.
                out.send(&error_response(
                    Value::Null,
                    PARSE_ERROR,
                    &format!("the message could not be read: {e}"),
                ));
                continue;
            }
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let message: Value = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(e) => {
                out.send(&error_response(
                    Value::Null,
                    PARSE_ERROR,
                    &format!("the message is not valid JSON: {e}"),
                ));
                continue;
            }
        };
        match classify(message) {
            Incoming::Request { id, method, .. } if method == "ping" => {
                out.send(&response(id, Ok(json!({}))));
            }
            Incoming::Request { id, method, params } => {
                if tx.send((id, method, params)).is_err() {
                    break;
                }
            }
            // Notifications need no answer: `notifications/initialized`, `…/cancelled` (a call
            // under way finishes; its answer is then ignored by the client) and any other.
            Incoming::Notification | Incoming::Response => {}
            Incoming::Invalid { id, message } => {
                out.send(&error_response(id, INVALID_REQUEST, &message));
            }
        }
    }
    drop(tx);
    // Answers under way are finished and sent; a daemon this process served is stopped.
    let _ = worker.join();
    Ok(ExitCode::SUCCESS)
}

/// What one line of input is.
enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification,
    /// A client's answer to a request of ours: this server sends none, so it is ignored.
    Response,
    Invalid {
        id: Value,
        message: String,
    },
}

fn classify(message: Value) -> Incoming {
    let Value::Object(mut object) = message else {
        let message = if message.is_array() {
            "batches are not part of MCP 2025-06-18: send one JSON-RPC message per line"
        } else {
            "a JSON-RPC message must be a JSON object"
        };
        return Incoming::Invalid {
            id: Value::Null,
            message: message.to_string(),
        };
    };
    let id = object.remove("id");
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Incoming::Invalid {
            id: id.unwrap_or(Value::Null),
            message: "the message must have `\"jsonrpc\": \"2.0\"`".to_string(),
        };
    }
    let method = match object.remove("method") {
        Some(Value::String(method)) => method,
        None if id.is_some() && (object.contains_key("result") || object.contains_key("error")) => {
            return Incoming::Response;
        }
        _ => {
            return Incoming::Invalid {
                id: id.unwrap_or(Value::Null),
                message: "the message has no `method` string".to_string(),
            };
        }
    };
    let params = object.remove("params").unwrap_or(Value::Null);
    match id {
        None => Incoming::Notification,
        Some(id @ (Value::String(_) | Value::Number(_))) => {
            Incoming::Request { id, method, params }
        }
        Some(_) => Incoming::Invalid {
            id: Value::Null,
            message: "a request's `id` must be a string or a number".to_string(),
        },
    }
}

/// A JSON-RPC error: code and message.
struct RpcError(i64, String);

struct Server {
    backend: backend::Backend,
    /// The protocol version agreed at `initialize`.
    version: String,
}

impl Server {
    fn handle(&mut self, method: &str, params: &Value) -> Result<Value, RpcError> {
        match method {
            "initialize" => Ok(self.initialize(params)),
            "tools/list" => Ok(json!({ "tools": tools::list(self.structured()) })),
            "tools/call" => self.call(params),
            "ping" => Ok(json!({})),
            _ => Err(RpcError(
                METHOD_NOT_FOUND,
                format!(
                    "holo's MCP server has no method `{method}`; it offers `initialize`, `ping`, `tools/list` and `tools/call`"
                ),
            )),
        }
    }

    /// Whether results carry `structuredContent` and tools an `outputSchema` (MCP 2025-06-18).
    fn structured(&self) -> bool {
        self.version.as_str() >= PROTOCOL_VERSION
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let offered = params.get("protocolVersion").and_then(Value::as_str);
        self.version = match offered {
            Some(v) if v == PROTOCOL_VERSION || OLDER_VERSIONS.contains(&v) => v.to_string(),
            _ => PROTOCOL_VERSION.to_string(),
        };
        json!({
            "protocolVersion": self.version,
            "capabilities": { "tools": { "listChanged": false } },
            "serverInfo": { "name": "holo", "version": env!("CARGO_PKG_VERSION") },
            "instructions": "holo checks, tests and runs the holo package this server was started in. \
                Call `check` after editing to see errors; `test` runs the tests the edit affected \
                (`all: true` for every test); `run` runs `main`. Every call first takes in what \
                was saved on disk, so save before calling."
        })
    }

    fn call(&mut self, params: &Value) -> Result<Value, RpcError> {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Err(RpcError(
                INVALID_PARAMS,
                "`tools/call` needs `params.name`, the tool's name (`check`, `test` or `run`)"
                    .to_string(),
            ));
        };
        let empty = serde_json::Map::new();
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(arguments)) => arguments,
            Some(_) => {
                return Err(RpcError(
                    INVALID_PARAMS,
                    "`arguments` of `tools/call` must be an object".to_string(),
                ));
            }
        };
        let result = match name {
            "check" => tools::check(&mut self.backend, arguments),
            "test" => tools::test(&mut self.backend, arguments),
            "run" => tools::run(&mut self.backend, arguments),
            _ => {
                return Err(RpcError(
                    INVALID_PARAMS,
                    format!(
                        "there is no tool `{name}`; holo's tools are `check`, `test` and `run`"
                    ),
                ));
            }
        };
        Ok(result.into_json(self.structured()))
    }
}

fn response(id: Value, reply: Result<Value, RpcError>) -> Value {
    match reply {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(RpcError(code, message)) => error_response(id, code, &message),
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// stdout, shared by the reader and the calls' thread: one whole message per line.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<()>>);

impl Output {
    fn send(&self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        let _guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut stdout = std::io::stdout().lock();
        // A client that went away ends the input too; the loop stops there.
        let _ = stdout.write_all(line.as_bytes());
        let _ = stdout.flush();
    }
}
