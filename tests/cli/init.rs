//! `holo init`.

use holo_tests::Sandbox;

#[test]
fn init_makes_the_current_folder_a_program() {
    let sandbox = Sandbox::new();
    sandbox.write("tool/README.md", "hello");
    sandbox
        .holo(&["init"])
        .cwd("tool")
        .run()
        .code(0)
        .stderr_is("     Created binary (application) `tool` package\n");
    assert!(sandbox.read("tool/holo.toml").contains("name = \"tool\""));
    assert!(sandbox.path("tool/src/main.holo").is_file());
    assert_eq!(sandbox.read("tool/.gitignore"), "/target\n");
    assert_eq!(sandbox.read("tool/README.md"), "hello");
    sandbox.holo(&["check"]).cwd("tool").run().code(0);
}

#[test]
fn init_lib_makes_a_library() {
    let sandbox = Sandbox::new();
    sandbox.write("shapes/.keep", "");
    sandbox
        .holo(&["init", "--lib"])
        .cwd("shapes")
        .run()
        .code(0)
        .stderr_is("     Created library `shapes` package\n");
    assert!(sandbox.path("shapes/src/lib.holo").is_file());
    assert!(!sandbox.path("shapes/src/main.holo").exists());
    sandbox.holo(&["check"]).cwd("shapes").run().code(0);
}

#[test]
fn init_never_overwrites_existing_files() {
    let sandbox = Sandbox::new();
    sandbox.write("app/.gitignore", "*.log\n");
    sandbox.write(
        "app/src/main.holo",
        "fn main() {\n    println(\"mine\");\n}\n",
    );
    sandbox
        .holo(&["init"])
        .cwd("app")
        .run()
        .code(0)
        .stderr_is(
            "     Created binary (application) `app` package\nnote: kept the existing `src/main.holo`\nnote: kept the existing `.gitignore`\n",
        );
    assert_eq!(sandbox.read("app/.gitignore"), "*.log\n");
    assert_eq!(
        sandbox.read("app/src/main.holo"),
        "fn main() {\n    println(\"mine\");\n}\n"
    );
    assert!(sandbox.path("app/holo.toml").is_file());
}

#[test]
fn init_refuses_an_existing_manifest() {
    let sandbox = Sandbox::new();
    sandbox.write("app/holo.toml", "# mine\n");
    sandbox
        .holo(&["init"])
        .cwd("app")
        .run()
        .code(2)
        .stderr_contains(
            "error: `[ROOT]/app/holo.toml` already exists; this folder is already a holo package",
        );
    assert_eq!(sandbox.read("app/holo.toml"), "# mine\n");
    assert!(!sandbox.path("app/src").exists());
}

#[test]
fn init_takes_a_valid_name_or_explains() {
    let sandbox = Sandbox::new();
    sandbox.write("my tool/.keep", "");
    sandbox
        .holo(&["init"])
        .cwd("my tool")
        .run()
        .code(2)
        .stderr_contains("`my tool` is not a valid package name")
        .stderr_contains("pass a valid one with `--name`");
    assert!(!sandbox.path("my tool/holo.toml").exists());
    sandbox
        .holo(&["init", "--name", "my_tool"])
        .cwd("my tool")
        .run()
        .code(0);
    assert!(
        sandbox
            .read("my tool/holo.toml")
            .contains("name = \"my_tool\"")
    );
}

#[test]
fn init_lib_refuses_a_folder_with_a_program() {
    let sandbox = Sandbox::new();
    sandbox.write("app/src/main.holo", "fn main() {}\n");
    sandbox
        .holo(&["init", "--lib"])
        .cwd("app")
        .run()
        .code(2)
        .stderr_contains("cannot create a library here: `src/main.holo` already exists");
    assert!(!sandbox.path("app/holo.toml").exists());
    assert!(!sandbox.path("app/src/lib.holo").exists());
}
