//! `holo lsp`: the language server on stdio. It serves the package that holds the editor's
//! workspace folder from the daemon's loop (`daemon::server::serve_with`): editor messages,
//! file events and the socket's requests are applied on one thread, in order, to one
//! resident [`ProjectHost`], so the editor and the terminal share one warm state.
//!
//! - `convert`: positions (UTF-16 or UTF-8), URIs, diagnostics — the only place that knows
//!   LSP's units;
//! - `server`: the front-end: documents, diagnostics, tests on save, code lenses;
//! - `requests`: navigation and help, answered by the compiler's IDE queries.
//!
//! Which process hosts the package: `holo lsp` serves the package's socket itself. When a
//! daemon started with `holo daemon start` already serves it, that daemon is asked to stop
//! and `holo lsp` takes over (its state is rebuilt here once); a foreground server (`holo
//! dev`, another editor's `holo lsp`) is never stopped: `holo lsp` then keeps a state of its
//! own for the editor, without the socket, and says so once in the editor.
//!
//! [`ProjectHost`]: crate::host::project::ProjectHost

pub mod convert;
pub mod requests;
pub mod server;

use crate::daemon::server::{Options, serve_with};
use crate::error::CliError;
use crate::host::package::PackageLocation;
use crate::shell::Shell;
use convert::Encoding;
use lsp_server::{Connection, ErrorCode, Message, Response};
use lsp_types::{InitializeParams, MessageType, ShowMessageParams};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs the server until the editor sends `exit` or goes away. Exit code 0 after an orderly
/// `shutdown` and `exit`, 1 otherwise (as the protocol asks).
pub fn run(shell: &mut Shell) -> Result<ExitCode, CliError> {
    let (connection, io_threads) = Connection::stdio();
    let code = serve_connection(shell, connection)?;
    // The reader thread ends at `exit` or at the end of the input; the writer once every
    // sender is dropped.
    let _ = io_threads.join();
    Ok(code)
}

fn serve_connection(shell: &mut Shell, connection: Connection) -> Result<ExitCode, CliError> {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(e) => {
            return Err(CliError::new(format!(
                "the editor did not start the language server protocol properly: {e}"
            ))
            .with_hint("`holo lsp` is started by an editor, which speaks LSP on its stdin."));
        }
    };
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let enc = negotiate_encoding(&params);
    let capabilities = server::capabilities(enc);
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": {"name": "holo", "version": env!("CARGO_PKG_VERSION")},
    });
    if connection.initialize_finish(id, result).is_err() {
        return Ok(ExitCode::from(1));
    }
    let folder = workspace_folder(&params);
    let location = folder.as_deref().and_then(find_package);
    let Some(location) = location else {
        let message = match &folder {
            Some(folder) => format!(
                "holo: `{}` is not inside a holo package (no `holo.toml` in it or its parents), \
                 so there is nothing to check. Open a package's folder, or create one with \
                 `holo init`.",
                folder.display()
            ),
            None => "holo: the editor opened no folder, so there is no package to check. \
                     Open a package's folder (the one with `holo.toml`)."
                .to_string(),
        };
        return Ok(serve_without_package(&connection, message));
    };
    let mut front = server::Lsp::new(&connection, &params, enc);
    let socket = match take_over(&location) {
        Ok(()) => true,
        Err(message) => {
            front.show(MessageType::WARNING, message);
            false
        }
    };
    serve_with(
        shell,
        location,
        Options {
            socket,
            idle: None,
            foreground: None,
            live: None,
        },
        Some(&mut front),
    )?;
    Ok(front.exit_code())
}

/// UTF-8 when the client offers it (no conversion), else UTF-16, which every client supports.
fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&lsp_types::PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

/// The first workspace folder, else the root URI, else the current folder.
#[allow(deprecated)] // `root_uri` and `root_path`: what clients without folders send.
fn workspace_folder(params: &InitializeParams) -> Option<PathBuf> {
    if let Some(folder) = params.workspace_folders.as_ref().and_then(|f| f.first()) {
        return convert::path_of(&folder.uri);
    }
    if let Some(uri) = &params.root_uri {
        return convert::path_of(uri);
    }
    if let Some(path) = &params.root_path {
        return Some(PathBuf::from(path));
    }
    std::env::current_dir().ok()
}

/// The package whose `holo.toml` is in `folder` or its nearest parent that has one.
fn find_package(folder: &Path) -> Option<PackageLocation> {
    folder.ancestors().find_map(|dir| {
        let manifest = dir.join(holo_pkg::MANIFEST_FILE);
        manifest.is_file().then(|| PackageLocation {
            root: dir.to_path_buf(),
            manifest_path: manifest,
        })
    })
}

/// Makes this process the package's server: nothing to do when no daemon runs; a daemon in
/// the background is asked to stop (this process takes over its socket); a server in the
/// foreground is left alone, and the reason comes back to be shown in the editor.
fn take_over(location: &PackageLocation) -> Result<(), String> {
    let status = match crate::daemon::client::status(location) {
        Ok(Some(status)) => status,
        Ok(None) => return Ok(()),
        Err(e) => {
            tracing::warn!(error = %e.message, "could not ask the running daemon");
            return Err(format!(
                "holo: another holo process serves this package and did not answer ({}); the \
                 editor keeps its own state, and commands in the terminal do not share it.",
                e.message
            ));
        }
    };
    if status.foreground {
        return Err(format!(
            "holo: `holo dev` or another editor (pid {}) already serves this package; this \
             editor keeps its own state, and commands in the terminal use that process's.",
            status.pid
        ));
    }
    match crate::daemon::client::stop(location) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "holo: the daemon serving this package (pid {}) could not be stopped ({}); the \
             editor keeps its own state.",
            status.pid, e.message
        )),
    }
}

/// The editor opened no package: one message saying so, then empty answers (and `null` where
/// the protocol has no empty value) until `exit`.
fn serve_without_package(connection: &Connection, message: String) -> ExitCode {
    let show = lsp_server::Notification::new(
        "window/showMessage".to_string(),
        ShowMessageParams {
            typ: MessageType::WARNING,
            message,
        },
    );
    let _ = connection.sender.send(show.into());
    let mut shutdown = false;
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                let response = if req.method == "shutdown" {
                    shutdown = true;
                    Response::new_ok(req.id, serde_json::Value::Null)
                } else if shutdown {
                    Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".to_string(),
                    )
                } else {
                    match server::empty_result(&req.method) {
                        Some(value) => Response::new_ok(req.id, value),
                        None => Response::new_err(
                            req.id,
                            ErrorCode::MethodNotFound as i32,
                            format!("holo lsp does not handle `{}`", req.method),
                        ),
                    }
                };
                let _ = connection.sender.send(response.into());
            }
            Message::Notification(n) if n.method == "exit" => {
                return ExitCode::from(if shutdown { 0 } else { 1 });
            }
            _ => {}
        }
    }
    ExitCode::from(1)
}
