//! The package client end to end against a real `holo registry serve` on 127.0.0.1:0: login,
//! publish, add, update, yank, a second project, and the mistakes on the way. Every process
//! runs under `timeout`, so a hang fails the test instead of stalling the suite.

use holo_tests::{Sandbox, holo_bin};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The most any one command may take.
const LIMIT: &str = "60";

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(sandbox: &Sandbox) -> Server {
    start_server_with(sandbox, &[])
}

fn start_server_with(sandbox: &Sandbox, extra: &[&str]) -> Server {
    // Started directly, not under `timeout`: the guard kills the server itself when the test
    // ends (killing a `timeout` wrapper would leave the server running).
    let mut child = Command::new(holo_bin())
        .args(["registry", "serve", "--addr", "127.0.0.1:0", "--dir"])
        .arg(sandbox.path("registry"))
        .args(extra)
        .env("HOLO_HOME", sandbox.home())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start holo registry serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines
        .next()
        .expect("the server logs where it listens")
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    // Keep reading the log so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `holo ARGS` in `dir` with the sandbox's home, the registry and `env`.
fn holo(
    sandbox: &Sandbox,
    server: &Server,
    dir: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Out {
    let mut cmd = Command::new("timeout");
    cmd.arg(LIMIT)
        .arg(holo_bin())
        .args(args)
        .current_dir(sandbox.path(dir))
        .env("HOLO_HOME", sandbox.home())
        .env("HOME", sandbox.home())
        .env("HOLO_REGISTRY", &server.url)
        .env_remove("HOLO_REGISTRY_TOKEN")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start holo");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().expect("wait for holo");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(out: Out) -> Out {
    assert_eq!(
        out.code,
        Some(0),
        "stderr:\n{}\nstdout:\n{}",
        out.stderr,
        out.stdout
    );
    out
}

#[track_caller]
fn fails(out: Out, needle: &str) -> Out {
    assert_ne!(
        out.code,
        Some(0),
        "expected a failure; stderr:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(needle),
        "expected {needle:?} in stderr:\n{}",
        out.stderr
    );
    out
}

fn library(sandbox: &Sandbox, version: &str) {
    sandbox.write(
        "mathx/holo.toml",
        format!("[package]\nname = \"mathx\"\nversion = \"{version}\"\nedition = \"2026\"\n\n[dependencies]\n"),
    );
    sandbox.write(
        "mathx/src/lib.holo",
        "pub fn square(x: i64) -> i64 {\n    x * x\n}\n\n#[test]\nfn squares() {\n    assert_eq(square(3), 9);\n}\n",
    );
}

fn app(sandbox: &Sandbox, dir: &str) {
    sandbox.write(
        &format!("{dir}/holo.toml"),
        format!("[package]\nname = \"{dir}\"\nversion = \"0.1.0\"\nedition = \"2026\"\n\n# what we use\n[dependencies]\n"),
    );
    sandbox.write(
        &format!("{dir}/src/main.holo"),
        "fn main() {\n    println(1);\n}\n",
    );
}

fn token(sandbox: &Sandbox, scopes: &str) -> String {
    let out = Command::new("timeout")
        .args([
            LIMIT,
            holo_bin().to_str().unwrap(),
            "registry",
            "token",
            "--scopes",
            scopes,
            "--dir",
        ])
        .arg(sandbox.path("registry"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn lock_version(sandbox: &Sandbox, dir: &str) -> String {
    let lock = sandbox.read(&format!("{dir}/holo.lock"));
    lock.lines()
        .skip_while(|l| *l != "name = \"mathx\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no mathx in\n{lock}"))
        .to_string()
}

#[test]
fn publish_add_update_yank_and_a_second_project() {
    let sandbox = Sandbox::new();
    let server = start_server(&sandbox);
    let tok = token(&sandbox, "publish-new,publish-update,yank");
    library(&sandbox, "0.1.0");
    app(&sandbox, "app");

    // No token yet: publish says how to log in.
    fails(
        holo(&sandbox, &server, "mathx", &["publish"], &[], None),
        "holo login",
    );
    // An unknown token is refused by the server with its sentence.
    fails(
        holo(
            &sandbox,
            &server,
            "mathx",
            &["publish"],
            &[("HOLO_REGISTRY_TOKEN", "holo_nope")],
            None,
        ),
        "(401)",
    );
    ok(holo(
        &sandbox,
        &server,
        ".",
        &["login"],
        &[],
        Some(&format!("{tok}\n")),
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sandbox.home().join("credentials.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let dry = ok(holo(
        &sandbox,
        &server,
        "mathx",
        &["publish", "--dry-run"],
        &[],
        None,
    ));
    assert!(
        dry.stdout.contains("mathx-0.1.0/src/lib.holo"),
        "{}",
        dry.stdout
    );
    assert!(
        sandbox
            .path("mathx/target/package/mathx-0.1.0.tar.gz")
            .is_file()
    );
    ok(holo(&sandbox, &server, "mathx", &["publish"], &[], None));
    fails(
        holo(&sandbox, &server, "mathx", &["publish"], &[], None),
        "already published",
    );

    // add: the manifest keeps its comment, the lock records source and checksum.
    let added = ok(holo(&sandbox, &server, "app", &["add", "mathx"], &[], None));
    assert!(
        added.stderr.contains("Downloaded mathx v0.1.0"),
        "{}",
        added.stderr
    );
    let manifest = sandbox.read("app/holo.toml");
    assert!(
        manifest.contains("# what we use\n[dependencies]\nmathx = \"0.1.0\"\n"),
        "{manifest}"
    );
    let lock = sandbox.read("app/holo.lock");
    assert!(
        lock.contains(&format!(
            "source = \"registry+{}\"\nchecksum = \"",
            server.url
        )),
        "{lock}"
    );
    assert!(
        sandbox
            .home()
            .join("packages/mathx-0.1.0/src/lib.holo")
            .is_file()
    );
    let tree = ok(holo(&sandbox, &server, "app", &["tree"], &[], None));
    assert_eq!(tree.stdout, "app v0.1.0\n└── mathx v0.1.0\n");

    // The index copy is kept with its entity tag, so a later resolution revalidates it (304)
    // instead of downloading it again.
    let cache = sandbox.home().join("index-cache");
    let tagged = std::fs::read_dir(&cache)
        .map(|dirs| {
            dirs.flatten()
                .any(|d| d.path().join("mathx.etag").is_file())
        })
        .unwrap_or(false);
    assert!(tagged, "no mathx.etag under {}", cache.display());

    // The dependency's code is compiled with the app: its module is its name.
    sandbox.write(
        "app/src/main.holo",
        "use mathx::square;\n\nfn main() {\n    println(square(5));\n}\n",
    );
    let run = ok(holo(
        &sandbox,
        &server,
        "app",
        &["run", "--locked", "--no-daemon"],
        &[],
        None,
    ));
    assert_eq!(run.stdout, "25\n", "{}", run.stderr);

    // A fix is published: the lock holds until `holo update`.
    library(&sandbox, "0.1.1");
    ok(holo(&sandbox, &server, "mathx", &["publish"], &[], None));
    ok(holo(
        &sandbox,
        &server,
        "app",
        &["check", "--locked"],
        &[],
        None,
    ));
    assert_eq!(lock_version(&sandbox, "app"), "version = \"0.1.0\"");
    assert_eq!(
        sandbox.read("app/holo.lock"),
        lock,
        "same inputs, same bytes"
    );
    fails(
        holo(&sandbox, &server, "app", &["update", "--locked"], &[], None),
        "--locked",
    );
    let updated = ok(holo(&sandbox, &server, "app", &["update"], &[], None));
    assert!(
        updated.stderr.contains("Updating mathx v0.1.0 -> v0.1.1"),
        "{}",
        updated.stderr
    );
    assert_eq!(lock_version(&sandbox, "app"), "version = \"0.1.1\"");

    // Yanked: the lock that names it keeps working; a new project does not get it.
    ok(holo(
        &sandbox,
        &server,
        "mathx",
        &["yank", "mathx@0.1.1"],
        &[],
        None,
    ));
    ok(holo(
        &sandbox,
        &server,
        "app",
        &["check", "--locked", "--offline"],
        &[],
        None,
    ));
    app(&sandbox, "app2");
    ok(holo(
        &sandbox,
        &server,
        "app2",
        &["add", "mathx"],
        &[],
        None,
    ));
    assert_eq!(lock_version(&sandbox, "app2"), "version = \"0.1.0\"");
    let conflict = fails(
        holo(
            &sandbox,
            &server,
            "app2",
            &["add", "mathx@=0.1.1"],
            &[],
            None,
        ),
        "Yanked, and so not chosen: 0.1.1",
    );
    assert!(
        conflict.stderr.contains("requires `mathx` `=0.1.1`"),
        "{}",
        conflict.stderr
    );
    assert!(
        sandbox.read("app2/holo.toml").contains("mathx = \"0.1.0\""),
        "a failed add leaves the manifest"
    );
    ok(holo(
        &sandbox,
        &server,
        "mathx",
        &["yank", "--undo", "mathx@0.1.1"],
        &[],
        None,
    ));

    // A manifest that asks for more than the lock gives: --locked refuses, remove cleans up.
    let text = sandbox
        .read("app/holo.toml")
        .replace("mathx = \"0.1.0\"", "mathx = \"0.1.0\"\nutil = \"1\"");
    sandbox.write("app/holo.toml", text);
    fails(
        holo(&sandbox, &server, "app", &["check", "--locked"], &[], None),
        "does not match `holo.toml`",
    );
    fails(
        holo(&sandbox, &server, "app", &["check"], &[], None),
        "`util` is not in the registry",
    );
    ok(holo(
        &sandbox,
        &server,
        "app",
        &["remove", "util"],
        &[],
        None,
    ));
    ok(holo(
        &sandbox,
        &server,
        "app",
        &["remove", "mathx"],
        &[],
        None,
    ));
    assert!(!sandbox.read("app/holo.lock").contains("mathx"));
}

#[test]
fn path_dependencies_lock_tree_and_errors_without_a_registry() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "util/holo.toml",
        "[package]\nname = \"util\"\nversion = \"0.3.0\"\n",
    );
    sandbox.write("util/src/lib.holo", "pub fn one() -> i64 {\n    1\n}\n");
    app(&sandbox, "app");
    let run = |args: &[&str]| {
        let mut cmd = Command::new("timeout");
        cmd.arg(LIMIT)
            .arg(holo_bin())
            .args(args)
            .current_dir(sandbox.path("app"))
            .env("HOLO_HOME", sandbox.home())
            .env("HOME", sandbox.home())
            .env_remove("HOLO_REGISTRY")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        let out = cmd.output().unwrap();
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    ok(run(&["add", "util", "--path", "../util"]));
    assert!(
        sandbox
            .read("app/holo.lock")
            .contains("source = \"path+../util\"\n")
    );
    assert_eq!(
        ok(run(&["tree"])).stdout,
        "app v0.1.0\n└── util v0.3.0 (../util)\n"
    );
    // A registry dependency without any registry configured says how to configure one, as a
    // JSON error event too.
    let text = sandbox.read("app/holo.toml") + "mathx = \"1\"\n";
    sandbox.write("app/holo.toml", text);
    fails(run(&["check"]), "no default registry is configured");
    let json = run(&["check", "--message-format", "json"]);
    assert_eq!(json.code, Some(2));
    assert!(
        json.stdout.starts_with("{\"type\":\"error\""),
        "{}",
        json.stdout
    );
    assert!(
        json.stdout.contains("\"type\":\"summary\""),
        "{}",
        json.stdout
    );
    fails(
        run(&["remove", "nothere"]),
        "`nothere` is not a dependency of this package",
    );
    ok(run(&["remove", "mathx"]));
    // A path that holds another package is refused with both names.
    sandbox.write("other/holo.toml", "[package]\nname = \"other\"\n");
    fails(
        run(&["add", "geo", "--path", "../other"]),
        "holds the package `other`",
    );
    assert!(
        !sandbox.read("app/holo.toml").contains("geo"),
        "a failed add leaves the manifest"
    );
}

/// The static deployment from the client's side: the registry URL is a plain `http.server`
/// over the registry's folder (index and archives), `config.json` sends writes to
/// `holo registry serve`. Publish, add and download all work through it.
#[test]
fn the_client_resolves_and_downloads_from_a_static_server() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path("registry")).unwrap();
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
        .arg(sandbox.path("registry"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(python.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("port ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    let static_url = format!("http://127.0.0.1:{port}");
    let writer = start_server_with(&sandbox, &["--dl", &format!("{static_url}/archives")]);
    // Every command below names the static server as the registry.
    let server = Server {
        child: python,
        url: static_url.clone(),
    };
    let tok = token(&sandbox, "publish-new,publish-update,yank");
    library(&sandbox, "0.1.0");
    app(&sandbox, "app");
    let env = [("HOLO_REGISTRY_TOKEN", tok.as_str())];
    ok(holo(&sandbox, &server, "mathx", &["publish"], &env, None));
    ok(holo(&sandbox, &server, "app", &["add", "mathx"], &[], None));
    let lock = sandbox.read("app/holo.lock");
    assert!(
        lock.contains(&format!("source = \"registry+{static_url}\"")),
        "{lock}"
    );
    assert!(
        sandbox
            .home()
            .join("packages/mathx-0.1.0/src/lib.holo")
            .is_file()
    );
    drop(writer);
}
