//! Reuse through a result store: a new compiler (a new process) on unchanged sources checks and
//! lowers nothing; an edit recomputes exactly the modules whose key it changes; modules are shared
//! between packages that contain them. (That reused results are *right* is the differential
//! test's job.)

use holo_compiler::cache::{LoweredProgram, MemoryStore, ReuseStats};
use holo_compiler::{Compiler, PackageKind};

const MAIN: &str = "fn main() {\n    println(calc::add(1, 2));\n}\n\n#[test]\nfn adds() {\n    assert_eq(calc::add(1, 2), 3);\n}\n";
const CALC: &str = "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n\n#[test]\nfn muls() {\n    assert_eq(mul(2, 3), 6);\n}\n";
const SHAPES: &str = "pub struct Point {\n    pub x: i64,\n    pub y: i64,\n}\n\npub fn origin() -> Point {\n    Point { x: 0, y: 0 }\n}\n";

fn compiler(files: &[(&str, &str)]) -> Compiler {
    let mut c = Compiler::new(PackageKind::Bin);
    c.set_files(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    c
}

fn lowered(files: &[(&str, &str)], store: &MemoryStore) -> (ReuseStats, LoweredProgram) {
    let c = compiler(files);
    let (report, check) = c.check_with(store);
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    (check, c.lower_with(store).expect("lowers"))
}

fn stats(files: &[(&str, &str)], store: &MemoryStore) -> (ReuseStats, ReuseStats) {
    let (check, lowered) = lowered(files, store);
    (check, lowered.reuse)
}

fn reuse(reused: usize, computed: usize) -> ReuseStats {
    ReuseStats { reused, computed }
}

#[test]
fn a_new_compiler_on_unchanged_sources_recomputes_nothing() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    assert_eq!(stats(&files, &store), (reuse(0, 3), reuse(0, 3)));
    assert_eq!(stats(&files, &store), (reuse(3, 0), reuse(3, 0)));
}

#[test]
fn a_body_edit_recomputes_only_its_module() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    stats(&files, &store);
    let edited = CALC.replace("a * b", "b * a");
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", edited.as_str()),
        ("src/shapes.holo", SHAPES),
    ];
    assert_eq!(stats(&files, &store), (reuse(2, 1), reuse(2, 1)));
}

#[test]
fn a_signature_edit_recomputes_the_module_and_its_users_only() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    stats(&files, &store);
    let edited = CALC.replace(
        "pub fn mul(a: i64, b: i64)",
        "pub fn mul(a: i64, b: i64, c: i64)",
    );
    let edited = edited.replace("mul(2, 3)", "mul(2, 3, 1)");
    let edited = edited.replace("a * b", "a * b * c");
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", edited.as_str()),
        ("src/shapes.holo", SHAPES),
    ];
    // calc changed; main uses calc; shapes does not.
    assert_eq!(stats(&files, &store), (reuse(1, 2), reuse(1, 2)));
}

#[test]
fn whitespace_recomputes_only_the_file_and_moves_positions() {
    let store = MemoryStore::new();
    let files = [("src/main.holo", MAIN), ("src/calc.holo", CALC)];
    let (_, before) = lowered(&files, &store);
    let moved = format!("\n\n// a comment\n{CALC}");
    let files = [("src/main.holo", MAIN), ("src/calc.holo", moved.as_str())];
    let (check, after) = lowered(&files, &store);
    assert_eq!((check, after.reuse), (reuse(1, 1), reuse(1, 1)));
    let line = |p: &holo_compiler::ir::Program| {
        let i = p.function_by_key("calc::mul").expect("mul") as usize;
        p.functions[i].line
    };
    assert_eq!(line(&after.program), line(&before.program) + 3);
    // The behaviour fingerprints ignore positions.
    assert_eq!(before.fingerprints, after.fingerprints);
}

#[test]
fn modules_are_shared_between_packages_that_contain_them() {
    let store = MemoryStore::new();
    stats(
        &[
            ("src/main.holo", MAIN),
            ("src/calc.holo", CALC),
            ("src/shapes.holo", SHAPES),
        ],
        &store,
    );
    // Another package with the same `calc` and `shapes` and other modules besides.
    let other_main =
        "fn main() {\n    println(calc::mul(2, 2));\n    println(extra::hello());\n}\n";
    let extra = "pub fn hello() -> str {\n    \"hello\"\n}\n";
    let (check, lower) = stats(
        &[
            ("src/main.holo", other_main),
            ("src/calc.holo", CALC),
            ("src/shapes.holo", SHAPES),
            ("src/extra.holo", extra),
        ],
        &store,
    );
    assert_eq!((check, lower), (reuse(2, 2), reuse(2, 2)));
}

#[test]
fn a_new_module_that_a_path_names_invalidates_that_path_s_users() {
    // `main` names `util`, which does not exist: an error. Adding `util` must recompute main.
    let store = MemoryStore::new();
    let main = "fn main() {\n    println(util::one());\n}\n";
    let first = compiler(&[("src/main.holo", main)]).check_with(&store).0;
    assert_eq!(first.errors(), 1);
    let util = "pub fn one() -> i64 {\n    1\n}\n";
    let second = compiler(&[("src/main.holo", main), ("src/util.holo", util)])
        .check_with(&store)
        .0;
    assert_eq!(second.errors(), 0, "{:?}", second.diagnostics);
}

#[test]
fn test_fingerprints_change_only_for_tests_that_reach_the_edit() {
    let store = MemoryStore::new();
    let reach = |files: &[(&str, &str)]| {
        let (_, lowered) = lowered(files, &store);
        holo_compiler::testmap::test_reach(&lowered.program, &lowered.fingerprints)
    };
    let before = reach(&[("src/main.holo", MAIN), ("src/calc.holo", CALC)]);
    let edited = CALC.replace("a * b", "b * a");
    let after = reach(&[("src/main.holo", MAIN), ("src/calc.holo", edited.as_str())]);
    let names: Vec<&str> = before.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["adds", "calc::muls"]);
    assert_eq!(
        before[0].fingerprint, after[0].fingerprint,
        "`adds` does not reach `mul`"
    );
    assert_ne!(
        before[1].fingerprint, after[1].fingerprint,
        "`muls` reaches `mul`"
    );
    assert!(before[1].items.iter().any(|(k, _)| k == "calc::mul"));
}

#[test]
fn a_warm_compiler_with_unchanged_sources_executes_no_query() {
    let store = MemoryStore::new();
    let db = holo_compiler::db::RootDatabase::new(true);
    let mut c = Compiler::with_db(db, PackageKind::Bin);
    c.set_files(
        [("src/main.holo", MAIN), ("src/calc.holo", CALC)]
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string())),
    );
    c.check_with(&store);
    c.lower_with(&store).expect("lowers");
    c.db().take_log();
    // Same sources again: salsa answers every key and result from memory.
    let (report, _) = c.check_with(&store);
    assert_eq!(report.errors(), 0);
    c.lower_with(&store).expect("lowers");
    let log = c.db().take_log();
    assert!(log.is_empty(), "re-executed: {log:#?}");
    // A body edit in `calc` re-executes only queries about `calc`'s file and its items.
    c.set_file("src/calc.holo", &CALC.replace("a * b", "b * a"));
    c.check_with(&store);
    c.lower_with(&store).expect("lowers");
    let log = c.db().take_log();
    let count = |query: &str| log.iter().filter(|q| q.starts_with(query)).count();
    // Only the edited function is re-inferred and re-checked, only its file's diagnostics are
    // gathered again; lowering re-runs for that file's functions (their positions are read from
    // its new text) and for no other.
    assert_eq!(count("infer_body("), 1, "{log:#?}");
    assert_eq!(count("check_item("), 1, "{log:#?}");
    assert_eq!(count("semantic_diagnostics("), 1, "{log:#?}");
    assert_eq!(
        count("lower_function("),
        3,
        "calc has three functions: {log:#?}"
    );
}

/// A store whose every value is damaged (or from another format): results must be recomputed,
/// never misread.
struct GarbageStore;

impl holo_compiler::cache::ResultStore for GarbageStore {
    fn get_many(
        &self,
        _: &'static str,
        keys: &[holo_compiler::fingerprint::Fingerprint],
    ) -> Vec<Option<Vec<u8>>> {
        keys.iter()
            .enumerate()
            .map(|(i, _)| Some(vec![0xff; i % 7]))
            .collect()
    }
    fn put_many(
        &self,
        _: &'static str,
        _: Vec<(holo_compiler::fingerprint::Fingerprint, Vec<u8>)>,
    ) {
    }
}

#[test]
fn damaged_stored_values_are_recomputed() {
    let broken = CALC.replace("a * b", "a * missing");
    let files = [("src/main.holo", MAIN), ("src/calc.holo", broken.as_str())];
    let clean = compiler(&files).check();
    let (report, stats) = compiler(&files).check_with(&GarbageStore);
    assert_eq!(report.diagnostics, clean.diagnostics);
    assert_eq!(report.errors(), 1);
    assert_eq!(stats, reuse(0, 2));
    let files = [("src/main.holo", MAIN), ("src/calc.holo", CALC)];
    let c = compiler(&files);
    let expected = c.lower().expect("lowers");
    let lowered = c.lower_with(&GarbageStore).expect("lowers");
    assert_eq!(lowered.program, expected);
    assert_eq!(lowered.reuse, reuse(0, 2));
}

/// A resident host's lowering ([`Compiler::lower_resident`]) after each edit of a sequence
/// equals a full lowering of the same sources, and lowers again only the modules an edit
/// changed when no function appeared or went.
#[test]
fn resident_lowering_equals_a_full_lowering_after_every_edit() {
    use holo_compiler::cache::{NoStore, ProgramMemo};
    let shapes_moved = format!("// a comment that moves every line\n{SHAPES}");
    let calc_with_test_attr = CALC.replace("pub fn mul", "#[test]\nfn extra() {}\n\npub fn mul");
    // Each step: the files it writes, and how many modules must be lowered again (`None`:
    // everything is linked again, any number).
    type Step<'a> = (Vec<(&'a str, String)>, Option<usize>);
    let steps: Vec<Step<'_>> = vec![
        (
            vec![
                ("src/main.holo", MAIN.into()),
                ("src/calc.holo", CALC.into()),
                ("src/shapes.holo", SHAPES.into()),
            ],
            None,
        ),
        // A body edit: one module lowered again.
        (
            vec![("src/calc.holo", CALC.replace("a + b", "b + a"))],
            Some(1),
        ),
        // Lines moved: positions change, the module is lowered again.
        (vec![("src/shapes.holo", shapes_moved.clone())], Some(1)),
        // A struct field added, in an edited module: layouts are recomputed.
        (
            vec![(
                "src/shapes.holo",
                shapes_moved
                    .replace("pub y: i64,", "pub y: i64,\n    pub z: i64,")
                    .replace("y: 0 }", "y: 0, z: 0 }"),
            )],
            Some(1),
        ),
        // A new function (and test): everything is linked again.
        (vec![("src/calc.holo", calc_with_test_attr)], None),
        // Nothing changed.
        (vec![], Some(0)),
    ];
    let mut c = Compiler::new(PackageKind::Bin);
    let mut memo = ProgramMemo::default();
    let mut reaches: std::collections::BTreeMap<
        String,
        std::sync::Arc<holo_compiler::testmap::TestReach>,
    > = std::collections::BTreeMap::new();
    for (i, (edits, expected)) in steps.into_iter().enumerate() {
        for (path, text) in &edits {
            c.set_file(path, text);
        }
        let report = c.check();
        assert_eq!(report.errors(), 0, "step {i}: {:?}", report.diagnostics);
        let resident = c.lower_resident(&mut memo).expect("lowers");
        let full = c.lower_with(&NoStore).expect("lowers");
        assert_eq!(
            *resident.program, full.program,
            "step {i}: the programs differ"
        );
        assert_eq!(*resident.fingerprints, full.fingerprints, "step {i}");
        assert_eq!(*resident.program, c.lower().expect("lowers"), "step {i}");
        if let Some(expected) = expected {
            assert_eq!(
                resident.relowered, expected,
                "step {i}: modules lowered again"
            );
        }
        // Reaches reused from the step before equal reaches computed afresh.
        let since = holo_compiler::testmap::test_reach_since(
            &resident.program,
            &resident.fingerprints,
            &reaches,
        );
        let fresh = holo_compiler::testmap::test_reach(&full.program, &full.fingerprints);
        let since_values: Vec<_> = since.iter().map(|r| (**r).clone()).collect();
        assert_eq!(since_values, fresh, "step {i}: test reaches differ");
        reaches = since.iter().map(|r| (r.name.clone(), r.clone())).collect();
    }
}
