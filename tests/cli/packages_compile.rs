//! Dependencies in the compiler, through the real binary: a path dependency is checked, run and
//! tested with the package (its module is its name, only its `pub` items are reachable, its
//! own tests and warnings are not the package's), an edit of it reruns exactly the tests that
//! reach what changed, and a daemon's answer follows it.

use holo_tests::Sandbox;

fn packages(sandbox: &Sandbox) {
    sandbox.write(
        "mathx/holo.toml",
        "[package]\nname = \"mathx\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
    );
    sandbox.write(
        "mathx/src/lib.holo",
        "pub fn square(x: i64) -> i64 {\n    helpers::times(x, x)\n}\n\nfn unused_here() {\n    let x = 1;\n}\n\n#[test]\nfn fails_in_the_dependency() {\n    assert(false);\n}\n",
    );
    sandbox.write(
        "mathx/src/helpers.holo",
        "pub fn times(a: i64, b: i64) -> i64 {\n    a * b\n}\n",
    );
    sandbox.write(
        "app/holo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2026\"\n\n[dependencies]\nmathx = { path = \"../mathx\" }\n",
    );
    sandbox.write(
        "app/src/main.holo",
        "use mathx::square;\n\nfn main() {\n    println(square(7));\n}\n\nfn twice(x: i64) -> i64 {\n    x * 2\n}\n\n#[test]\nfn squares() {\n    assert_eq(mathx::square(3), 9);\n}\n\n#[test]\nfn doubles() {\n    assert_eq(twice(2), 4);\n}\n",
    );
}

#[test]
fn a_path_dependency_is_checked_run_and_tested_with_the_package() {
    let sandbox = Sandbox::new();
    packages(&sandbox);
    let check = sandbox.holo(&["check"]).cwd("app").run();
    check.code(0);
    assert!(!check.stderr.contains("unused"), "{}", check.stderr);
    sandbox
        .holo(&["run", "--no-daemon"])
        .cwd("app")
        .run()
        .code(0)
        .stdout_contains("49\n");
    let tree = sandbox
        .holo(&["tree", "--message-format", "json"])
        .cwd("app")
        .run();
    tree.code(0);
    let packages = tree.json();
    assert_eq!(packages.len(), 2, "{}", tree.stdout);
    assert_eq!(packages[0]["root"], true);
    assert_eq!(packages[1]["name"], "mathx");
    assert!(
        packages[1]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("path+")),
        "{}",
        tree.stdout
    );
    // Lock changes as JSON, for tools: removing and adding back the dependency.
    let removed = sandbox
        .holo(&["remove", "mathx", "--message-format", "json"])
        .cwd("app")
        .run();
    removed.code(0);
    assert_eq!(
        removed.json()[0],
        serde_json::json!({"type": "lock", "name": "mathx", "from": "0.1.0", "to": null}),
        "{}",
        removed.stdout
    );
    let added = sandbox
        .holo(&[
            "add",
            "mathx",
            "--path",
            "../mathx",
            "--message-format",
            "json",
        ])
        .cwd("app")
        .run();
    added.code(0);
    assert_eq!(added.json()[0]["to"], "0.1.0", "{}", added.stdout);
    let test = sandbox.holo(&["test", "--no-daemon"]).cwd("app").run();
    test.code(0);
    assert!(
        !test.stdout.contains("fails_in_the_dependency"),
        "{}",
        test.stdout
    );
    // A private item of the dependency is not reachable.
    sandbox.write(
        "app/src/main.holo",
        "fn main() {\n    println(mathx::helpers::times(1, 2));\n    mathx::unused_here();\n}\n",
    );
    sandbox
        .holo(&["check"])
        .cwd("app")
        .run()
        .code(1)
        .stderr_contains("E0603");
}

#[test]
fn an_edit_of_a_path_dependency_reruns_what_reaches_it_and_the_daemon_follows() {
    let sandbox = Sandbox::new();
    packages(&sandbox);
    sandbox
        .holo(&["test", "--no-daemon"])
        .cwd("app")
        .run()
        .code(0);
    sandbox.write(
        "mathx/src/helpers.holo",
        "pub fn times(a: i64, b: i64) -> i64 {\n    a * b + 1\n}\n",
    );
    let run = sandbox
        .holo(&["test", "--no-daemon", "--affected", "--explain"])
        .cwd("app")
        .run();
    run.code(1)
        .stdout_contains("mathx::helpers::times")
        .stdout_contains("test doubles ... ok (cached)");
    // Through a daemon: started with the edit in place, then the edit undone.
    sandbox.holo(&["daemon", "start"]).cwd("app").run().code(0);
    sandbox.holo(&["test"]).cwd("app").run().code(1);
    sandbox.write(
        "mathx/src/helpers.holo",
        "pub fn times(a: i64, b: i64) -> i64 {\n    a * b\n}\n",
    );
    let after = sandbox.holo(&["test"]).cwd("app").run();
    sandbox.holo(&["daemon", "stop"]).cwd("app").run();
    after.code(0);
}

/// `check --watch` watches a path dependency's sources: a save there is a cycle of the package.
#[test]
fn a_watch_follows_saves_in_a_path_dependency() {
    let sandbox = Sandbox::new();
    packages(&sandbox);
    let watch = sandbox
        .holo(&["check", "--watch", "--message-format", "json"])
        .cwd("app")
        .spawn();
    let summaries = |out: &[String]| {
        out.iter()
            .filter(|l| l.contains("\"type\":\"summary\""))
            .cloned()
            .collect::<Vec<_>>()
    };
    watch.wait_for("the first check", |out, _| {
        (summaries(out).len() == 1).then_some(())
    });
    sandbox.write(
        "mathx/src/helpers.holo",
        "pub fn times(a: i64, b: i64) -> str {\n    a * b\n}\n",
    );
    let broken = watch.wait_for("a check after the dependency broke", |out, _| {
        summaries(out).get(1).cloned()
    });
    assert!(!broken.contains("\"errors\":0"), "{broken}");
    sandbox.write(
        "mathx/src/helpers.holo",
        "pub fn times(a: i64, b: i64) -> i64 {\n    a * b\n}\n",
    );
    let fixed = watch.wait_for("a check after the dependency was fixed", |out, _| {
        summaries(out).get(2).cloned()
    });
    assert!(fixed.contains("\"errors\":0"), "{fixed}");
}

#[test]
fn a_package_named_with_a_dash_is_used_with_an_underscore() {
    let sandbox = Sandbox::new();
    sandbox.holo(&["new", "my-lib", "--lib"]).run().code(0);
    sandbox.holo(&["new", "app"]).run().code(0);
    sandbox
        .holo(&["add", "my-lib", "--path", "../my-lib"])
        .cwd("app")
        .run()
        .code(0);
    sandbox.write(
        "app/src/main.holo",
        "use my_lib;\n\nfn main() {\n    println(my_lib::add(2, 3));\n}\n",
    );
    sandbox
        .holo(&["run", "--no-daemon"])
        .cwd("app")
        .run()
        .code(0)
        .stdout_contains("5\n");
}
