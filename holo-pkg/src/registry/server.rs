//! The registry's HTTP server on tiny_http: static files of the public folder, the publish and
//! yank API, token checks, a bound on request size and a rate limit per token.
//!
//! It never prints: what it does goes to a [`LogEvent`] callback, and `holo registry serve`
//! decides how to show it. Requests are handled by a few threads that each take the next
//! request; writes are serialized by the registry's lock, reads need no lock because every
//! file is replaced by a rename.

use super::ApiError;
use super::store::{IndexConfig, Registry, RegistryError, TokenInfo};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How to run the server.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Where to listen, e.g. `127.0.0.1:7878`; port 0 picks a free port.
    pub addr: String,
    /// The URL clients reach this server at, written into `config.json` as `api` (default:
    /// `http://` and the bound address).
    pub url: Option<String>,
    /// The `dl` written into `config.json`: the base URL of the archives (default: this
    /// server's, `URL/archives`).
    pub dl: Option<String>,
    /// How many requests are handled at once.
    pub threads: usize,
    /// The most writes (publish, yank) one token may make per minute.
    pub writes_per_minute: u32,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            addr: "127.0.0.1:0".to_string(),
            url: None,
            dl: None,
            threads: 4,
            writes_per_minute: 60,
        }
    }
}

/// What the server reports as it works.
#[derive(Clone, Debug)]
pub enum LogEvent {
    /// The server is listening.
    Listening {
        addr: SocketAddr,
        dir: PathBuf,
        config: IndexConfig,
    },
    /// A request was answered.
    Request {
        method: String,
        path: String,
        status: u16,
        duration: Duration,
        /// The id of the token used, if one was accepted.
        token: Option<String>,
        /// What happened, in a few words, or the error sentence.
        note: Option<String>,
    },
}

/// The callback that receives [`LogEvent`]s.
pub type Logger = Arc<dyn Fn(LogEvent) + Send + Sync>;

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
    stopping: Arc<AtomicBool>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl ServerHandle {
    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks until the server stops (it stops only through [`ServerHandle::stop`]).
    pub fn wait(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }

    /// Stops the server after the requests being answered.
    pub fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.threads {
            self.server.unblock();
        }
        self.wait();
    }
}

struct State {
    registry: Registry,
    options: ServeOptions,
    log: Logger,
    /// Writes per token id in the current minute.
    writes: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Starts serving `registry`: writes `config.json`, binds, reports
/// [`LogEvent::Listening`] and returns while the server runs on its own threads.
pub fn serve(
    registry: Registry,
    options: ServeOptions,
    log: Logger,
) -> Result<ServerHandle, RegistryError> {
    let server = tiny_http::Server::http(&options.addr).map_err(|e| RegistryError {
        message: format!(
            "Could not listen on `{}`: {e}. Choose another address with `--addr`, or port 0 for any free port.",
            options.addr
        ),
    })?;
    let Some(addr) = server.server_addr().to_ip() else {
        return Err(RegistryError {
            message: "The server did not get an IP address to listen on. Give `--addr` as IP:PORT."
                .to_string(),
        });
    };
    let url = options
        .url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let config = IndexConfig {
        dl: options
            .dl
            .clone()
            .unwrap_or_else(|| format!("{url}/archives"))
            .trim_end_matches('/')
            .to_string(),
        api: url,
    };
    registry.write_config(&config)?;
    log(LogEvent::Listening {
        addr,
        dir: registry.dir().to_path_buf(),
        config,
    });

    let server = Arc::new(server);
    let stopping = Arc::new(AtomicBool::new(false));
    let state = Arc::new(State {
        registry,
        options: options.clone(),
        log,
        writes: Mutex::new(HashMap::new()),
    });
    let threads = (0..options.threads.max(1))
        .map(|_| {
            let server = server.clone();
            let stopping = stopping.clone();
            let state = state.clone();
            std::thread::spawn(move || {
                while !stopping.load(Ordering::SeqCst) {
                    match server.recv() {
                        Ok(request) => handle(&state, request),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    Ok(ServerHandle {
        addr,
        server,
        threads,
        stopping,
    })
}

/// An answer before it is sent.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
    note: Option<String>,
}

impl Answer {
    fn json(status: u16, value: serde_json::Value, note: Option<String>) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
            headers: Vec::new(),
            note,
        }
    }

    fn error(e: ApiError) -> Answer {
        Answer {
            status: e.status,
            content_type: "application/json",
            body: e.body().into_bytes(),
            headers: Vec::new(),
            note: Some(e.message),
        }
    }
}

fn handle(state: &State, mut request: tiny_http::Request) {
    let start = Instant::now();
    let method = request.method().to_string();
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("").to_string();
    let mut token_id = None;
    let answer = route(state, &mut request, &method, &path, &mut token_id);
    let status = answer.status;
    let note = answer.note.clone();
    let mut response = tiny_http::Response::from_data(answer.body).with_status_code(status);
    let mut headers = answer.headers;
    headers.push(("Content-Type", answer.content_type.to_string()));
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    // The client may have gone; there is nobody to tell.
    let _ = request.respond(response);
    (state.log)(LogEvent::Request {
        method,
        path,
        status,
        duration: start.elapsed(),
        token: token_id,
        note,
    });
}

fn route(
    state: &State,
    request: &mut tiny_http::Request,
    method: &str,
    path: &str,
    token_id: &mut Option<String>,
) -> Answer {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET" | "HEAD", [""]) => Answer::json(
            200,
            serde_json::json!({ "registry": "holo", "config": "/index/config.json" }),
            None,
        ),
        ("GET" | "HEAD", ["index" | "archives", ..]) => static_file(state, request, &parts),
        ("PUT", ["api", "v1", "publish"]) => {
            with_token(state, request, token_id, |token, request| {
                publish(state, token, request)
            })
        }
        ("DELETE" | "PUT", ["api", "v1", "packages", name, version, "yank"]) => {
            with_token(state, request, token_id, |token, _| {
                yank(state, token, name, version, true)
            })
        }
        ("PUT", ["api", "v1", "packages", name, version, "unyank"]) => {
            with_token(state, request, token_id, |token, _| {
                yank(state, token, name, version, false)
            })
        }
        (_, ["api", ..]) => Answer::error(ApiError::new(
            404,
            format!(
                "There is no API endpoint `{method} {path}`. The API has `PUT /api/v1/publish`, `PUT /api/v1/packages/NAME/VERSION/yank` and `PUT /api/v1/packages/NAME/VERSION/unyank`."
            ),
        )),
        _ => Answer::error(ApiError::new(
            404,
            format!(
                "There is nothing at `{path}` on this registry. Its index starts at `/index/config.json`."
            ),
        )),
    }
}

/// Authenticates the request and applies the rate limit, then runs `act`.
fn with_token(
    state: &State,
    request: &mut tiny_http::Request,
    token_id: &mut Option<String>,
    act: impl FnOnce(&TokenInfo, &mut tiny_http::Request) -> Answer,
) -> Answer {
    let header = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let Some(header) = header else {
        return Answer::error(ApiError::new(
            401,
            "The request has no `Authorization: Bearer TOKEN` header. Log in with `holo login` (or set HOLO_REGISTRY_TOKEN) and try again.",
        ));
    };
    let secret = header
        .strip_prefix("Bearer ")
        .unwrap_or(&header)
        .trim()
        .to_string();
    let token = match state.registry.authenticate(&secret) {
        Ok(token) => token,
        Err(e) => return Answer::error(e),
    };
    *token_id = Some(token.id.clone());
    if let Some(wait) = over_rate_limit(state, &token.id) {
        let mut answer = Answer::error(ApiError::new(
            429,
            format!(
                "This token made more than {} writes in the last minute. Wait {} seconds and try again.",
                state.options.writes_per_minute,
                wait.as_secs().max(1)
            ),
        ));
        answer
            .headers
            .push(("Retry-After", wait.as_secs().max(1).to_string()));
        return answer;
    }
    act(&token, request)
}

/// Counts a write by `id`; if it is one too many this minute, how long to wait.
fn over_rate_limit(state: &State, id: &str) -> Option<Duration> {
    let now = Instant::now();
    let window = Duration::from_secs(60);
    let mut writes = state.writes.lock().unwrap_or_else(|e| e.into_inner());
    let slot = writes.entry(id.to_string()).or_insert((now, 0));
    if now.duration_since(slot.0) >= window {
        *slot = (now, 0);
    }
    if slot.1 >= state.options.writes_per_minute {
        return Some(window.saturating_sub(now.duration_since(slot.0)));
    }
    slot.1 += 1;
    None
}

fn publish(state: &State, token: &TokenInfo, request: &mut tiny_http::Request) -> Answer {
    let max = state.registry.limits().max_compressed;
    let too_large = || {
        Answer::error(ApiError::new(
            413,
            format!(
                "The request body is larger than the limit of {max} bytes for an archive. Leave large files out of the package."
            ),
        ))
    };
    if request.body_length().is_some_and(|n| n as u64 > max) {
        return too_large();
    }
    let mut body = Vec::new();
    if let Err(e) = request.as_reader().take(max + 1).read_to_end(&mut body) {
        return Answer::error(ApiError::new(
            400,
            format!("The request body could not be read ({e}). Send the archive again."),
        ));
    }
    if body.len() as u64 > max {
        return too_large();
    }
    match state.registry.publish(token, &body) {
        Ok(published) => {
            let e = &published.entry;
            Answer::json(
                200,
                serde_json::json!({ "name": e.name, "version": e.vers, "cksum": e.cksum }),
                Some(format!("published {} {}", e.name, e.vers)),
            )
        }
        Err(e) => Answer::error(e),
    }
}

fn yank(state: &State, token: &TokenInfo, name: &str, version: &str, yanked: bool) -> Answer {
    match state.registry.set_yanked(token, name, version, yanked) {
        Ok(e) => Answer::json(
            200,
            serde_json::json!({ "name": e.name, "version": e.vers, "yanked": e.yanked }),
            Some(format!(
                "{} {} {}",
                if yanked { "yanked" } else { "unyanked" },
                e.name,
                e.vers
            )),
        ),
        Err(e) => Answer::error(e),
    }
}

/// Serves a file under `index/` or `archives/` (never `private/`: the router sends only those
/// two here), with an `ETag` so that clients can revalidate.
fn static_file(state: &State, request: &tiny_http::Request, parts: &[&str]) -> Answer {
    let safe = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
    };
    if !parts.iter().all(safe) {
        return Answer::error(ApiError::new(
            404,
            "There is no such file on this registry. Check the URL.",
        ));
    }
    let mut path = state.registry.public_dir();
    for part in parts {
        path.push(part);
    }
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(_) => {
            let what = if parts[0] == "index" {
                "package"
            } else {
                "file"
            };
            return Answer::error(ApiError::new(
                404,
                format!(
                    "There is no such {what} on this registry (`/{}`). Check the name.",
                    parts.join("/")
                ),
            ));
        }
    };
    let etag = format!("\"{}\"", &crate::archive::sha256_hex(&data)[..32]);
    let content_type = if parts.last().is_some_and(|p| p.ends_with(".json")) {
        "application/json"
    } else if parts[0] == "archives" {
        "application/gzip"
    } else {
        "text/plain; charset=utf-8"
    };
    let matches = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == etag);
    Answer {
        status: if matches { 304 } else { 200 },
        content_type,
        body: if matches { Vec::new() } else { data },
        headers: vec![("ETag", etag)],
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        let _ = stream.read_to_string(&mut out);
        out
    }

    #[test]
    fn serves_in_process_logs_through_the_callback_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path()).unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let handle = serve(
            registry,
            ServeOptions::default(),
            Arc::new(move |e| sink.lock().unwrap().push(e)),
        )
        .unwrap();
        let addr = handle.addr();
        assert_ne!(addr.port(), 0);
        let config = get(addr, "/index/config.json");
        assert!(config.starts_with("HTTP/1.1 200"), "{config}");
        assert!(
            config.contains(&format!("\"dl\": \"http://{addr}/archives\"")),
            "{config}"
        );
        assert!(get(addr, "/private/tokens.json").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "/index/../private/lock").starts_with("HTTP/1.1 404"));
        handle.stop();
        let events = events.lock().unwrap();
        assert!(matches!(events[0], LogEvent::Listening { .. }));
        assert!(events.iter().any(|e| matches!(
            e,
            LogEvent::Request { status: 404, path, .. } if path == "/private/tokens.json"
        )));
    }
}
