//! `holo registry serve` and `holo registry token`: a real server on 127.0.0.1, spoken to over
//! HTTP by a small client here (a raw `TcpStream`, so the tests need no HTTP crate), including
//! concurrent publishes, a kill -9 in the middle of publishes, malicious archives and the
//! static-file deployment behind Python's `http.server`.

use holo_pkg::archive::{pack_entries, sha256_hex};
use holo_tests::{Running, Sandbox};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An HTTP answer: status, headers (names in lower case) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts an error answer: the status and a JSON `error` sentence.
    #[track_caller]
    fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        let message = self.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(message.ends_with('.'), "the error is a sentence: {message}");
        message
    }
}

/// One HTTP/1.1 request with `Connection: close`, every read and write bounded by a timeout.
fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body and close: not an error here.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

fn manifest(name: &str, version: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\n")
}

/// A valid archive of a small library.
fn archive(name: &str, version: &str) -> Vec<u8> {
    pack_entries(
        &format!("{name}-{version}"),
        &[
            (
                "holo.toml".to_string(),
                manifest(name, version).into_bytes(),
            ),
            (
                "src/lib.holo".to_string(),
                b"pub fn square(x: i64) -> i64 { x * x }\n".to_vec(),
            ),
        ],
    )
    .unwrap()
}

/// Creates a token with `holo registry token`.
fn token(sandbox: &Sandbox, dir: &str, extra: &[&str]) -> String {
    let mut args = vec!["registry", "token", "--dir", dir];
    args.extend_from_slice(extra);
    let run = sandbox.holo(&args).run();
    run.code(0);
    let token = run.stdout.trim().to_string();
    assert!(
        token.starts_with("holo_") && !token.contains('\n'),
        "{token}"
    );
    token
}

/// Starts `holo registry serve` on a free port; returns it and its base URL.
fn serve(sandbox: &Sandbox, dir: &str, extra: &[&str]) -> (Running, String) {
    let mut args = vec!["registry", "serve", "--dir", dir, "--addr", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let server = sandbox.holo(&args).spawn();
    let line = server.wait_for_stderr_lines("the server to listen", 1, |l| {
        l.contains("Listening on http://127.0.0.1:")
    });
    let url = line[0]
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a URL in the log line")
        .to_string();
    (server, url)
}

fn publish(url: &str, token: &str, body: &[u8]) -> Answer {
    http(
        "PUT",
        &format!("{url}/api/v1/publish"),
        &[("Authorization", &format!("Bearer {token}"))],
        body,
    )
}

#[test]
fn token_is_printed_once_and_only_its_hash_is_stored() {
    let sandbox = Sandbox::new();
    let secret = token(&sandbox, "reg", &["--scopes", "publish-new,yank"]);
    let stored = sandbox.read("reg/private/tokens.json");
    assert!(
        !stored.contains(&secret),
        "the token itself is never stored"
    );
    assert!(stored.contains(&sha256_hex(secret.as_bytes())), "{stored}");
    assert!(
        stored.contains("publish-new") && stored.contains("yank"),
        "{stored}"
    );
    assert_ne!(secret, token(&sandbox, "reg", &["--scopes", "yank"]));

    sandbox
        .holo(&[
            "registry",
            "token",
            "--dir",
            "reg",
            "--scopes",
            "publish,yank",
        ])
        .run()
        .code(2)
        .stderr_contains("unknown scope `publish`")
        .stderr_contains("publish-new, publish-update, yank");
    sandbox
        .holo(&["registry", "serve", "--help"])
        .run()
        .code(0)
        .stdout_contains("port 0 picks a free port");
}

#[test]
fn publishes_serves_the_index_and_refuses_what_it_must() {
    let sandbox = Sandbox::new();
    let alice = token(
        &sandbox,
        "reg",
        &["--scopes", "publish-new,publish-update,yank"],
    );
    let (server, url) = serve(&sandbox, "reg", &[]);

    let answer = publish(&url, &alice, &archive("mathx", "0.1.0"));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["name"], "mathx");
    assert_eq!(answer.json()["version"], "0.1.0");
    let cksum = answer.json()["cksum"].as_str().unwrap().to_string();
    assert_eq!(cksum, sha256_hex(&archive("mathx", "0.1.0")));

    // The index line, the config and the archive, as a client reads them.
    let index = http("GET", &format!("{url}/index/mathx"), &[], b"");
    assert_eq!(index.status, 200);
    let line: serde_json::Value = serde_json::from_str(index.text().trim()).unwrap();
    assert_eq!(line["vers"], "0.1.0");
    assert_eq!(line["cksum"], cksum.as_str());
    assert_eq!(line["yanked"], false);
    let etag = index.header("etag").expect("an ETag").to_string();
    let again = http(
        "GET",
        &format!("{url}/index/mathx"),
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    let config = http("GET", &format!("{url}/index/config.json"), &[], b"").json();
    assert_eq!(config["api"], url.as_str());
    assert_eq!(config["dl"], format!("{url}/archives"));
    let dl = format!(
        "{}/mathx/mathx-0.1.0.tar.gz",
        config["dl"].as_str().unwrap()
    );
    let download = http("GET", &dl, &[], b"");
    assert_eq!(download.status, 200);
    assert_eq!(sha256_hex(&download.body), cksum);
    http("GET", &format!("{url}/index/nonesuch"), &[], b"").error(404);

    // Republishing, no token, an unknown token, a token without the scope, another owner.
    let message = publish(&url, &alice, &archive("mathx", "0.1.0")).error(409);
    assert!(message.contains("already published"), "{message}");
    http(
        "PUT",
        &format!("{url}/api/v1/publish"),
        &[],
        &archive("mathx", "0.2.0"),
    )
    .error(401);
    publish(&url, "holo_0123", &archive("mathx", "0.2.0")).error(401);
    let yank_only = token(&sandbox, "reg", &["--scopes", "yank"]);
    let message = publish(&url, &yank_only, &archive("mathx", "0.2.0")).error(403);
    assert!(message.contains("scope"), "{message}");
    let new_only = token(&sandbox, "reg", &["--scopes", "publish-new"]);
    let message = publish(&url, &new_only, &archive("mathx", "0.2.0")).error(403);
    assert!(message.contains("publish-update"), "{message}");
    let bob = token(
        &sandbox,
        "reg",
        &[
            "--scopes",
            "publish-new,publish-update,yank",
            "--owner",
            "bob",
        ],
    );
    let message = publish(&url, &bob, &archive("mathx", "0.2.0")).error(403);
    assert!(message.contains("another owner"), "{message}");
    let narrow = token(
        &sandbox,
        "reg",
        &["--scopes", "publish-new", "--package", "other"],
    );
    publish(&url, &narrow, &archive("third", "1.0.0")).error(403);

    // Yank and unyank.
    let yank_url = format!("{url}/api/v1/packages/mathx/0.1.0/yank");
    http(
        "PUT",
        &yank_url,
        &[("Authorization", &format!("Bearer {bob}"))],
        b"",
    )
    .error(403);
    let yanked = http(
        "PUT",
        &yank_url,
        &[("Authorization", &format!("Bearer {alice}"))],
        b"",
    );
    assert_eq!(yanked.status, 200, "{}", yanked.text());
    assert!(
        http("GET", &format!("{url}/index/mathx"), &[], b"")
            .text()
            .contains("\"yanked\":true")
    );
    let unyank_url = format!("{url}/api/v1/packages/mathx/0.1.0/unyank");
    let unyanked = http(
        "PUT",
        &unyank_url,
        &[("Authorization", &format!("Bearer {alice}"))],
        b"",
    );
    assert_eq!(unyanked.json()["yanked"], false);
    http(
        "DELETE",
        &format!("{url}/api/v1/packages/mathx/9.9.9/yank"),
        &[("Authorization", &format!("Bearer {alice}"))],
        b"",
    )
    .error(404);

    // Each request is logged with its status.
    server.wait_for_stderr_lines("the log of the publish", 1, |l| {
        l.contains("PUT /api/v1/publish 200") && l.contains("published mathx 0.1.0")
    });
    server.wait_for_stderr_lines("the log of the 409", 1, |l| {
        l.contains("PUT /api/v1/publish 409")
    });
}

#[test]
fn concurrent_publishes_of_one_version_have_exactly_one_winner() {
    let sandbox = Sandbox::new();
    let alice = token(&sandbox, "reg", &["--scopes", "publish-new,publish-update"]);
    let (_server, url) = serve(&sandbox, "reg", &[]);
    let body = archive("race", "1.0.0");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| publish(&url, &alice, &body).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        7,
        "{statuses:?}"
    );
    let index = sandbox.read("reg/index/race");
    assert_eq!(index.lines().count(), 1, "{index}");
}

/// A raw tar entry with any name, type and link (the `tar` crate's builder refuses the
/// malicious ones), padded to 512 bytes.
fn raw_entry(name: &[u8], kind: u8, data: &[u8], link: &[u8]) -> Vec<u8> {
    let mut header = tar_header();
    header[..name.len()].copy_from_slice(name);
    header[100..107].copy_from_slice(b"0000644");
    header[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    header[136..147].copy_from_slice(b"00000000000");
    header[156] = kind;
    header[157..157 + link.len()].copy_from_slice(link);
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn tar_header() -> [u8; 512] {
    [0; 512]
}

fn gzip_tar(entries: &[Vec<u8>], trailing_zeros: u64) -> Vec<u8> {
    let mut gz = flate2_free_gzip::Writer::new();
    for entry in entries {
        gz.write(entry);
    }
    gz.zeros(trailing_zeros);
    gz.finish()
}

/// gzip without a compression crate in this test crate: `gzip -c` from the system does it.
mod flate2_free_gzip {
    use std::io::Write;
    use std::process::{Command, Stdio};

    pub struct Writer {
        data: Vec<u8>,
        zeros: u64,
    }

    impl Writer {
        pub fn new() -> Writer {
            Writer {
                data: Vec::new(),
                zeros: 0,
            }
        }
        pub fn write(&mut self, bytes: &[u8]) {
            if self.zeros > 0 {
                panic!("zeros go last, before the end blocks");
            }
            self.data.extend_from_slice(bytes);
        }
        pub fn zeros(&mut self, n: u64) {
            self.zeros = n;
        }
        pub fn finish(self) -> Vec<u8> {
            let mut child = Command::new("gzip")
                .args(["-c", "-9", "-n"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("run gzip");
            let mut stdin = child.stdin.take().unwrap();
            let (data, zeros) = (self.data, self.zeros);
            // The end of the archive (two zero blocks) is written by `finish` itself.
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(&data);
                let block = vec![0u8; 1 << 20];
                let mut left = zeros;
                while left > 0 {
                    let n = left.min(block.len() as u64) as usize;
                    let _ = stdin.write_all(&block[..n]);
                    left -= n as u64;
                }
                let _ = stdin.write_all(&[0; 1024]);
            });
            let out = child.wait_with_output().expect("gzip output");
            writer.join().unwrap();
            out.stdout
        }
    }
}

#[test]
fn malicious_archives_are_refused_and_nothing_is_written() {
    let sandbox = Sandbox::new();
    let alice = token(&sandbox, "reg", &["--scopes", "publish-new,publish-update"]);
    let (_server, url) = serve(&sandbox, "reg", &[]);
    let good_manifest = raw_entry(
        b"evil-1.0.0/holo.toml",
        b'0',
        manifest("evil", "1.0.0").as_bytes(),
        b"",
    );
    let with = |entry: Vec<u8>| gzip_tar(&[good_manifest.clone(), entry], 0);
    // A 256 MiB file of zeros: about 250 KB compressed.
    let mut bomb_header = raw_entry(b"evil-1.0.0/zeros", b'0', b"", b"");
    bomb_header[124..135].copy_from_slice(format!("{:011o}", 1u64 << 28).as_bytes());
    bomb_header[148..156].copy_from_slice(b"        ");
    let sum: u32 = bomb_header.iter().map(|&b| u32::from(b)).sum();
    bomb_header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    let huge_manifest = format!("{}{}", manifest("evil", "1.0.0"), "# pad\n".repeat(20_000));
    let corpus: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "traversal",
            with(raw_entry(b"evil-1.0.0/../../escaped", b'0', b"x", b"")),
            400,
            "`..`",
        ),
        (
            "absolute",
            with(raw_entry(b"/tmp/escaped", b'0', b"x", b"")),
            400,
            "absolute",
        ),
        (
            "symlink",
            with(raw_entry(b"evil-1.0.0/link", b'2', b"", b"/etc/passwd")),
            400,
            "symbolic link",
        ),
        (
            "hardlink",
            with(raw_entry(b"evil-1.0.0/link", b'1', b"", b"/etc/passwd")),
            400,
            "hard link",
        ),
        (
            "device",
            with(raw_entry(b"evil-1.0.0/dev", b'3', b"", b"")),
            400,
            "device",
        ),
        (
            "non-UTF-8",
            with(raw_entry(b"evil-1.0.0/\xff.holo", b'0', b"x", b"")),
            400,
            "UTF-8",
        ),
        (
            "mismatch",
            gzip_tar(
                &[raw_entry(
                    b"evil-1.0.0/holo.toml",
                    b'0',
                    manifest("other", "1.0.0").as_bytes(),
                    b"",
                )],
                0,
            ),
            400,
            "`other`",
        ),
        (
            "huge manifest",
            gzip_tar(
                &[raw_entry(
                    b"evil-1.0.0/holo.toml",
                    b'0',
                    huge_manifest.as_bytes(),
                    b"",
                )],
                0,
            ),
            400,
            "manifest",
        ),
        (
            "bomb",
            gzip_tar(&[good_manifest.clone(), bomb_header], 1 << 28),
            413,
            "bomb",
        ),
        ("garbage", b"not a tar.gz".to_vec(), 400, "not a valid"),
    ];
    for (what, body, status, needle) in corpus {
        let answer = publish(&url, &alice, &body);
        let message = answer.error(status);
        assert!(message.contains(needle), "{what}: {message}");
    }
    // Too large a body is refused before it is read.
    let big = vec![7u8; 11 * 1024 * 1024];
    publish(&url, &alice, &big).error(413);

    let public = sandbox.path("reg");
    let archives: Vec<_> = std::fs::read_dir(public.join("archives"))
        .unwrap()
        .collect();
    assert!(archives.is_empty(), "no archive was written: {archives:?}");
    let index: Vec<_> = std::fs::read_dir(public.join("index"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(index, ["config.json"], "no index file was written");
    assert!(!sandbox.root().join("escaped").exists());
    assert!(!Path::new("/tmp/escaped").exists());
}

/// Every index line of `dir` has its archive, whose sha256 is the recorded `cksum`; returns how
/// many versions there are.
fn check_agreement(dir: &Path, name: &str, prefix: &str) -> usize {
    let index = std::fs::read_to_string(dir.join("index").join(prefix)).unwrap_or_default();
    for line in index.lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let vers = entry["vers"].as_str().unwrap();
        let path = dir.join(format!("archives/{name}/{name}-{vers}.tar.gz"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            sha256_hex(&bytes),
            entry["cksum"].as_str().unwrap(),
            "{vers}"
        );
    }
    index.lines().count()
}

#[test]
fn kill_9_during_publishes_leaves_index_and_archives_that_agree() {
    let sandbox = Sandbox::new();
    let alice = token(&sandbox, "reg", &["--scopes", "publish-new,publish-update"]);
    let (server, url) = serve(&sandbox, "reg", &["--writes-per-minute", "100000"]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let published = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for worker in 0..3 {
            let (url, alice, stop, published) = (&url, &alice, &stop, &published);
            s.spawn(move || {
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let version = format!("{worker}.{i}.0");
                    let body = archive("stream", &version);
                    // After the kill, connecting or reading fails: that ends this worker.
                    let result = std::panic::catch_unwind(|| publish(url, alice, &body).status);
                    match result {
                        Ok(200) => {
                            published.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        _ => break,
                    }
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while published.load(std::sync::atomic::Ordering::SeqCst) < 15 && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Dropping a `Running` kills it with SIGKILL, in the middle of the stream.
        drop(server);
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let dir = sandbox.path("reg");
    let versions = check_agreement(&dir, "stream", "stream");
    assert!(versions >= 15, "{versions} versions survived");

    // The registry works after the kill: it serves what survived and takes new versions.
    let (_server, url) = serve(&sandbox, "reg", &[]);
    let answer = publish(&url, &alice, &archive("stream", "9.0.0"));
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(check_agreement(&dir, "stream", "stream"), versions + 1);
}

/// A child process killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_index_and_archives_serve_from_a_static_http_server() {
    let sandbox = Sandbox::new();
    let alice = token(&sandbox, "reg", &["--scopes", "publish-new,publish-update"]);
    let public = sandbox.path("reg");
    // Python prints the port it took; `-u` so that the line is not stuck in a buffer.
    let mut python = Command::new("python3")
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&public)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let stdout = python.stdout.take().unwrap();
    let python = Guard(python);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(line);
    });
    let line = receive
        .recv_timeout(Duration::from_secs(20))
        .expect("python's http.server starts");
    let port = line
        .split("port ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("python says its port");
    let static_url = format!("http://127.0.0.1:{port}");

    let dl = format!("{static_url}/archives");
    let (_server, api) = serve(&sandbox, "reg", &["--dl", &dl]);
    let body = archive("mathx", "0.1.0");
    assert_eq!(publish(&api, &alice, &body).status, 200);

    // A client reads everything from the static server and only writes to the holo server.
    let config = http("GET", &format!("{static_url}/index/config.json"), &[], b"");
    assert_eq!(config.status, 200, "{}", config.text());
    let config = config.json();
    assert_eq!(config["api"], api.as_str());
    let index = http("GET", &format!("{static_url}/index/mathx"), &[], b"");
    assert_eq!(index.status, 200);
    let entry: serde_json::Value = serde_json::from_str(index.text().trim()).unwrap();
    let url = format!(
        "{}/mathx/mathx-0.1.0.tar.gz",
        config["dl"].as_str().unwrap()
    );
    assert!(url.starts_with(&static_url), "{url}");
    let archive = http("GET", &url, &[], b"");
    assert_eq!(archive.status, 200);
    assert_eq!(sha256_hex(&archive.body), entry["cksum"].as_str().unwrap());
    assert_eq!(archive.body, body);
    // The holo server never serves the private files.
    http("GET", &format!("{api}/private/tokens.json"), &[], b"").error(404);
    drop(python);
}

#[test]
fn writes_are_rate_limited_per_token() {
    let sandbox = Sandbox::new();
    let alice = token(&sandbox, "reg", &["--scopes", "publish-new,publish-update"]);
    let bob = token(
        &sandbox,
        "reg",
        &["--scopes", "publish-new", "--owner", "bob"],
    );
    let (_server, url) = serve(&sandbox, "reg", &["--writes-per-minute", "2"]);
    assert_eq!(
        publish(&url, &alice, &archive("limited", "1.0.0")).status,
        200
    );
    assert_eq!(
        publish(&url, &alice, &archive("limited", "1.1.0")).status,
        200
    );
    let answer = publish(&url, &alice, &archive("limited", "1.2.0"));
    let message = answer.error(429);
    assert!(message.contains("Wait"), "{message}");
    assert!(answer.header("retry-after").is_some());
    // Another token has its own budget.
    assert_eq!(publish(&url, &bob, &archive("other", "1.0.0")).status, 200);
}
