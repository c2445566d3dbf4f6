//! A fresh process parses only what it must: files loaded with `set_files_deferred` stay
//! unparsed when the store has their summary and their results, and are parsed when their
//! results must be computed (or their diagnostics pointed into). Whatever was parsed, the
//! answers equal those of a compiler that parsed everything.

use holo_compiler::cache::{self, MemoryStore};
use holo_compiler::{Compiler, PackageKind};

const MAIN: &str = "fn main() {\n    println(calc::add(1, 2));\n    let p = shapes::origin();\n    println(p.x);\n}\n\n#[test]\nfn adds() {\n    assert_eq(calc::add(1, 2), 3);\n}\n";
const CALC: &str = "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n\npub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n\n#[test]\nfn muls() {\n    assert_eq(mul(2, 3), 6);\n}\n";
const SHAPES: &str = "pub struct Point {\n    pub x: i64,\n    pub y: i64,\n}\n\npub fn origin() -> Point {\n    Point { x: 0, y: 0 }\n}\n\n#[test]\nfn at_zero() {\n    assert_eq(origin().y, 0);\n}\n";
const UNUSED: &str = "pub fn spare() -> i64 {\n    let unused = 3;\n    4\n}\n";

fn owned(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

/// What a compiler that parsed everything answers: (diagnostics, program).
fn clean(
    files: &[(&str, &str)],
) -> (
    Vec<holo_compiler::Diagnostic>,
    Option<holo_compiler::ir::Program>,
) {
    let mut c = Compiler::new(PackageKind::Bin);
    c.set_files(owned(files));
    let report = c.check();
    let program = (report.errors() == 0).then(|| c.lower().expect("lowers"));
    (report.diagnostics, program)
}

/// A fresh process's answers through `store`, with what it parsed.
fn fresh(
    files: &[(&str, &str)],
    store: &MemoryStore,
) -> (
    cache::DeferStats,
    Vec<holo_compiler::Diagnostic>,
    Option<holo_compiler::ir::Program>,
) {
    let mut c = Compiler::new(PackageKind::Bin);
    c.set_files_deferred("", owned(files));
    let stats = c.resolve_deferred(store, true, true);
    let (report, _) = c.check_with(store);
    if report.errors() > 0 {
        return (stats, report.diagnostics, None);
    }
    let mut lowered = c.lower_lazily(store).expect("lowers");
    if let Some(lazy) = lowered.lazy.as_mut() {
        let keys: Vec<String> = lowered
            .program
            .functions
            .iter()
            .map(|f| f.key.clone())
            .collect();
        cache::hydrate(
            &mut lowered.program,
            lazy,
            store,
            keys.iter().map(String::as_str),
        )
        .expect("hydrates");
    }
    (stats, report.diagnostics, Some(lowered.program))
}

fn parsed(summarized: usize, parsed: usize, interfaces: usize) -> cache::DeferStats {
    cache::DeferStats {
        summarized,
        parsed,
        interfaces,
    }
}

#[test]
fn only_the_edited_file_is_parsed_after_a_body_edit() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    let (first, diagnostics, program) = fresh(&files, &store);
    assert_eq!(
        first,
        parsed(0, 3, 0),
        "nothing is stored yet: every file is parsed"
    );
    assert_eq!((diagnostics, program), clean(&files));

    let (again, diagnostics, program) = fresh(&files, &store);
    assert_eq!(
        again,
        parsed(3, 0, 0),
        "everything is stored: nothing is parsed"
    );
    assert_eq!((diagnostics, program), clean(&files));

    let edited = CALC.replace("a * b", "b * a");
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", edited.as_str()),
        ("src/shapes.holo", SHAPES),
    ];
    let (stats, diagnostics, program) = fresh(&files, &store);
    assert_eq!(stats, parsed(2, 1, 0), "only the edited module is parsed");
    assert_eq!((diagnostics, program), clean(&files));
}

#[test]
fn an_interface_edit_parses_the_modules_whose_results_change() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    fresh(&files, &store);
    // `main` reaches `calc`, so its key changes with `calc`'s interface: both are checked
    // again, and `shapes` (which `main` also reaches) is parsed without bodies, for its
    // interface.
    let edited = CALC.replace(
        "pub fn mul(a: i64, b: i64)",
        "pub fn mul(a: i64, b: i64, c: i64)",
    );
    let edited = edited.replace("mul(2, 3)", "mul(2, 3, 1)");
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", edited.as_str()),
        ("src/shapes.holo", SHAPES),
    ];
    let (stats, diagnostics, program) = fresh(&files, &store);
    assert_eq!(stats, parsed(2, 2, 1));
    assert_eq!((diagnostics, program), clean(&files));
}

#[test]
fn stored_diagnostics_are_reported_against_a_parse() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
        ("src/unused.holo", UNUSED),
    ];
    let (_, diagnostics, _) = fresh(&files, &store);
    assert!(!diagnostics.is_empty(), "the unused variable is a warning");
    let (stats, diagnostics, program) = fresh(&files, &store);
    assert_eq!(
        stats,
        parsed(4, 1, 0),
        "only the file with a warning is parsed"
    );
    assert_eq!((diagnostics, program), clean(&files));
}

#[test]
fn syntax_errors_and_type_errors_come_out_as_in_a_clean_check() {
    let store = MemoryStore::new();
    let broken = CALC.replace("a + b\n}", "a + \n}");
    let mistyped = SHAPES.replace("Point { x: 0, y: 0 }", "Point { x: \"0\", y: 0 }");
    for files in [
        [
            ("src/main.holo", MAIN),
            ("src/calc.holo", broken.as_str()),
            ("src/shapes.holo", SHAPES),
        ],
        [
            ("src/main.holo", MAIN),
            ("src/calc.holo", CALC),
            ("src/shapes.holo", mistyped.as_str()),
        ],
    ] {
        for _ in 0..2 {
            let (_, diagnostics, program) = fresh(&files, &store);
            let (expected, _) = clean(&files);
            assert!(!expected.is_empty());
            assert_eq!(diagnostics, expected);
            assert!(program.is_none());
        }
    }
}

#[test]
fn the_modules_an_edited_module_names_are_parsed_without_bodies() {
    let store = MemoryStore::new();
    let files = [
        ("src/main.holo", MAIN),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    fresh(&files, &store);
    let edited = MAIN.replace(
        "calc::add(1, 2));\n    let p",
        "calc::add(2, 1));\n    let p",
    );
    let files = [
        ("src/main.holo", edited.as_str()),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    let (stats, diagnostics, program) = fresh(&files, &store);
    assert_eq!(stats, parsed(2, 1, 2));
    assert_eq!((diagnostics, program), clean(&files));
    // A mistake in `main` whose diagnostics point into the other modules' signatures.
    let wrong = MAIN.replace(
        "calc::add(1, 2));\n    let p",
        "calc::add(\"1\", 2));\n    let p",
    );
    let files = [
        ("src/main.holo", wrong.as_str()),
        ("src/calc.holo", CALC),
        ("src/shapes.holo", SHAPES),
    ];
    let (_, diagnostics, program) = fresh(&files, &store);
    let (expected, _) = clean(&files);
    assert!(!expected.is_empty());
    assert_eq!(diagnostics, expected);
    assert!(program.is_none());
}

/// A parse without bodies gives every item the interface, node ids and spans (outside bodies)
/// of a whole parse.
#[test]
fn a_parse_without_bodies_agrees_with_a_whole_parse() {
    for text in [MAIN, CALC, SHAPES, UNUSED] {
        let whole = holo_compiler::syntax::parse(text);
        let interface = holo_compiler::syntax::parse_interface(text);
        assert!(interface.errors.is_empty());
        assert_eq!(whole.items.len(), interface.items.len());
        for (a, b) in whole.items.iter().zip(&interface.items) {
            assert_eq!(holo_compiler::db::interface_of(a), *b);
        }
        for (a, b) in whole.source_maps.iter().zip(&interface.source_maps) {
            assert_eq!(a.item_span, b.item_span);
            let shared = b.spans.len();
            assert!(shared <= a.spans.len());
            assert_eq!(a.spans[..shared], b.spans[..shared]);
        }
    }
}
