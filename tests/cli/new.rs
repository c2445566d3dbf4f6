//! `holo new`.

use holo_tests::Sandbox;

#[test]
fn new_creates_a_program_that_checks_cleanly() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["new", "hello"])
        .run()
        .code(0)
        .stderr_is("     Created binary (application) `hello` package\n");
    assert_eq!(
        sandbox.read("hello/holo.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2026\"\n\n[dependencies]\n"
    );
    assert_eq!(sandbox.read("hello/.gitignore"), "/target\n");
    let main = sandbox.read("hello/src/main.holo");
    assert!(
        main.contains("fn main()") && main.contains("println(") && main.contains("#[test]"),
        "{main}"
    );
    assert!(!sandbox.path("hello/src/lib.holo").exists());

    sandbox
        .holo(&["check"])
        .cwd("hello")
        .run()
        .code(0)
        .stderr_is("    Checking hello v0.1.0 ([ROOT]/hello)\n    Finished checking hello (1 file) in [TIME]\n");
}

#[test]
fn new_lib_creates_a_library_that_checks_cleanly() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["new", "geometry", "--lib"])
        .run()
        .code(0)
        .stderr_is("     Created library `geometry` package\n");
    let lib = sandbox.read("geometry/src/lib.holo");
    assert!(lib.contains("pub fn") && lib.contains("#[test]"), "{lib}");
    assert!(!lib.contains("fn main"), "{lib}");
    assert!(!sandbox.path("geometry/src/main.holo").exists());
    sandbox.holo(&["check"]).cwd("geometry").run().code(0);
}

#[test]
fn new_accepts_a_path_and_a_separate_name() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["new", "projects/my-app", "--name", "my_app"])
        .run()
        .code(0);
    assert!(
        sandbox
            .read("projects/my-app/holo.toml")
            .contains("name = \"my_app\"")
    );
    sandbox
        .holo(&["check", "--manifest-path", "projects/my-app/holo.toml"])
        .run()
        .code(0);
}

#[test]
fn new_refuses_an_existing_folder_and_leaves_it_alone() {
    let sandbox = Sandbox::new();
    sandbox.write("hello/notes.txt", "mine");
    sandbox
        .holo(&["new", "hello"])
        .run()
        .code(2)
        .stderr_is(
            "error: destination `hello` already exists\n  |\n  = help: Choose another name, or run `holo init` inside that folder to make it a holo package.\n",
        );
    assert_eq!(sandbox.read("hello/notes.txt"), "mine");
    assert!(!sandbox.path("hello/holo.toml").exists());
    assert!(!sandbox.path("hello/src").exists());

    // A file is refused the same way.
    sandbox.write("file", "x");
    sandbox
        .holo(&["new", "file"])
        .run()
        .code(2)
        .stderr_contains("destination `file` already exists");
}

#[test]
fn new_refuses_invalid_names_before_creating_anything() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["new", "my app"])
        .run()
        .code(2)
        .stderr_contains(
            "error: `my app` is not a valid package name: it contains the character ' '",
        )
        .stderr_contains("Try `my_app`.")
        .stderr_contains("`--name`");
    assert!(!sandbox.path("my app").exists());

    sandbox
        .holo(&["new", "fn"])
        .run()
        .code(2)
        .stderr_contains("`fn` is not a valid package name: `fn` is a keyword of the language");
    sandbox
        .holo(&["new", "2fast"])
        .run()
        .code(2)
        .stderr_contains("it starts with a digit");
    sandbox
        .holo(&["new", "ok", "--name", "not ok"])
        .run()
        .code(2)
        .stderr_contains("`not ok` is not a valid package name");
    assert!(
        !sandbox.path("fn").exists()
            && !sandbox.path("2fast").exists()
            && !sandbox.path("ok").exists()
    );
}

#[test]
fn quiet_new_prints_nothing() {
    let sandbox = Sandbox::new();
    sandbox
        .holo(&["-q", "new", "hello"])
        .run()
        .code(0)
        .stderr_is("");
    assert!(sandbox.path("hello/src/main.holo").is_file());
}
