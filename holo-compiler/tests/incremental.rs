//! Incrementality, asserted from salsa's execution log: which queries re-run after an edit.
//!
//! These are the guarantees of ARCHITECTURE.md: a body edit re-checks that body only; a
//! whitespace or comment edit stops after parsing; a signature edit re-checks the item and the
//! bodies that use it; adding a function re-checks nothing that cannot see it.

use holo_compiler::db::{ItemKey, RootDatabase};
use holo_compiler::{Compiler, ItemId, ModulePath, PackageKind};
use salsa::plumbing::AsId;

/// Queries that only restructure text; everything else counts as semantic work. (Parsing
/// itself happens when a file is set, outside salsa.)
const STRUCTURAL: &[&str] = &[
    "file_items",
    "file_item_interfaces",
    "item_input",
    "item_ast",
    "diagnostics_for_file",
    "module_map",
    "item_fingerprint",
];

struct Fixture {
    compiler: Compiler,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let mut compiler = Compiler::with_db(RootDatabase::new(true), PackageKind::Bin);
        for (path, text) in files {
            compiler.set_file(path, text);
        }
        let report = compiler.check();
        assert_eq!(
            report.errors(),
            0,
            "the fixture must start error-free: {:#?}",
            report.diagnostics
        );
        compiler.db().take_log();
        Fixture { compiler }
    }

    /// Applies an edit, re-checks, and returns the log of executed queries.
    fn edit(&mut self, path: &str, from: &str, to: &str) -> Log {
        let text = self.compiler.text(path).expect("file exists").to_string();
        assert!(text.contains(from), "`{from}` not in {path}");
        self.compiler.set_file(path, &text.replacen(from, to, 1));
        self.compiler.check();
        Log {
            entries: self.compiler.db().take_log(),
        }
    }

    /// Whether `query` ran for `item` according to `log`.
    fn ran(&self, log: &Log, query: &str, item: &ItemId) -> bool {
        // Holding a database clone across edits would block salsa's setters, so the key is
        // looked up here rather than stored in the log.
        let key = ItemKey::new(self.compiler.db(), item.clone());
        let wanted = format!("{query}({:?})", key.as_id());
        log.entries.contains(&wanted)
    }
}

struct Log {
    entries: Vec<String>,
}

impl Log {
    fn query_name(entry: &str) -> &str {
        entry.split('(').next().unwrap_or(entry)
    }

    /// Executions of semantic (non-structural) queries.
    fn semantic(&self) -> Vec<&String> {
        self.entries
            .iter()
            .filter(|e| !STRUCTURAL.contains(&Self::query_name(e)))
            .collect()
    }

    /// How many times `query` ran.
    fn count(&self, query: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| Self::query_name(e) == query)
            .count()
    }
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.entries).finish()
    }
}

fn item(module: &str, name: &str) -> ItemId {
    ItemId::new(ModulePath(module.into()), name)
}

const MAIN: &str = "use util::{double, Counter};

fn main() {
    let c = Counter::new(\"c\");
    println(helper(2) + double(3) + c.hits);
}

// helper is only used by main
fn helper(x: i64) -> i64 {
    let y = x * 2;
    y + 1
}

fn unrelated() -> i64 {
    40 + 2
}

#[test]
fn helper_works() {
    assert_eq(helper(1), 3);
}
";

const UTIL: &str = "pub struct Counter {
    name: str,
    pub hits: i64,
}

impl Counter {
    pub fn new(name: str) -> Counter {
        Counter { name: name, hits: 0 }
    }
}

pub fn double(x: i64) -> i64 {
    x * 2
}

pub fn triple(x: i64) -> i64 {
    x * 3
}
";

const OTHER: &str = "pub fn lonely() -> i64 {
    7
}
";

fn fixture() -> Fixture {
    Fixture::new(&[
        ("src/main.holo", MAIN),
        ("src/util.holo", UTIL),
        ("src/other.holo", OTHER),
    ])
}

#[test]
fn body_edit_rechecks_only_that_body() {
    let mut f = fixture();
    let log = f.edit("src/main.holo", "y + 1", "y + 100");
    assert!(f.ran(&log, "check_item", &item("", "helper")), "{log:?}");
    for other in [
        item("", "main"),
        item("", "unrelated"),
        item("", "helper_works"),
    ] {
        assert!(
            !f.ran(&log, "check_item", &other),
            "{other} re-ran: {log:?}"
        );
    }
    assert!(
        !f.ran(&log, "check_item", &item("util", "double")),
        "{log:?}"
    );
    assert_eq!(log.count("check_item"), 1, "{log:?}");
}

#[test]
fn whitespace_and_comment_edits_stop_after_parsing() {
    let mut f = fixture();
    for (from, to) in [
        ("fn unrelated() -> i64 {", "fn   unrelated()   ->   i64\n{"),
        (
            "// helper is only used by main",
            "// a different comment\n\n\n",
        ),
        ("let y = x * 2;", "let y = x * 2;   /* block */"),
    ] {
        let log = f.edit("src/main.holo", from, to);
        assert!(
            log.semantic().is_empty(),
            "semantic queries re-ran after `{to}`: {log:?}"
        );
        assert_eq!(
            log.count("diagnostics_for_file"),
            1,
            "only the edited file's spans are mapped again: {log:?}"
        );
    }
}

#[test]
fn whitespace_edit_still_moves_diagnostics() {
    let mut f = fixture();
    f.edit("src/main.holo", "40 + 2", "40 + true");
    let before = f.compiler.check().diagnostics;
    assert_eq!(before.len(), 1, "{before:#?}");
    f.edit("src/main.holo", "fn main() {", "\n\n\nfn main() {");
    let after = f.compiler.check().diagnostics;
    assert_eq!(after.len(), 1);
    let start = |d: &holo_compiler::Diagnostic| match &d.primary.loc {
        holo_compiler::Loc::File { span, .. } => span.start,
        other => panic!("unresolved location {other:?}"),
    };
    assert_eq!(start(&after[0]), start(&before[0]) + 3);
}

#[test]
fn signature_edit_rechecks_the_item_and_its_users() {
    let mut f = fixture();
    let log = f.edit(
        "src/util.holo",
        "pub fn double(x: i64) -> i64",
        "pub fn double(x: i64, y: i64) -> i64",
    );
    assert!(
        f.ran(&log, "check_item", &item("util", "double")),
        "{log:?}"
    );
    assert!(
        f.ran(&log, "check_item", &item("", "main")),
        "main uses double: {log:?}"
    );
    for other in [
        item("", "helper"),
        item("", "unrelated"),
        item("util", "triple"),
        item("other", "lonely"),
    ] {
        assert!(
            !f.ran(&log, "check_item", &other),
            "{other} re-ran: {log:?}"
        );
    }
    let report = f.compiler.check();
    assert_eq!(
        report.errors(),
        1,
        "main now calls double with one argument: {:#?}",
        report.diagnostics
    );
}

#[test]
fn adding_a_function_rechecks_nothing_that_cannot_see_it() {
    let mut f = fixture();
    let log = f.edit(
        "src/util.holo",
        "pub fn triple",
        "pub fn quadruple(x: i64) -> i64 {\n    x * 4\n}\n\npub fn triple",
    );
    assert!(
        f.ran(&log, "check_item", &item("util", "quadruple")),
        "{log:?}"
    );
    assert_eq!(
        log.count("check_item"),
        1,
        "only the new function is checked: {log:?}"
    );
    let log = f.edit(
        "src/main.holo",
        "fn unrelated",
        "fn brand_new() {}\n\nfn unrelated",
    );
    assert!(f.ran(&log, "check_item", &item("", "brand_new")), "{log:?}");
    assert_eq!(log.count("check_item"), 1, "{log:?}");
}

#[test]
fn editing_one_file_does_not_touch_another() {
    let mut f = fixture();
    let log = f.edit("src/other.holo", "7", "8");
    assert!(
        f.ran(&log, "check_item", &item("other", "lonely")),
        "{log:?}"
    );
    assert_eq!(log.count("check_item"), 1, "{log:?}");
    assert_eq!(
        log.count("diagnostics_for_file"),
        1,
        "only the edited file's diagnostics are recomputed: {log:?}"
    );
}

#[test]
fn rewriting_the_same_text_is_not_a_change() {
    let mut f = fixture();
    assert!(!f.compiler.set_file("src/main.holo", MAIN));
    f.compiler.check();
    assert!(f.compiler.db().take_log().is_empty());
}

/// A fault of the checker in one item is an internal-error diagnostic at that item; the other
/// items are still checked, and once the fault is gone the item is checked again (its result
/// depended on an untracked read). The switch is process-wide: the item's name is this test's
/// own.
#[test]
fn a_fault_in_one_item_is_a_diagnostic_and_the_rest_is_checked() {
    use holo_compiler::{Compiler, PackageKind, faults};
    let text =
        "fn main() {}\n\nfn injected_fault_target() -> i64 { 1 }\n\nfn other() -> i64 { \"x\" }\n";
    let mut c = Compiler::new(PackageKind::Bin);
    c.set_file("src/main.holo", text);
    faults::panic_when_checking(Some("injected_fault_target"));
    let report = c.check();
    faults::panic_when_checking(None);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"E9001"), "{:?}", report.diagnostics);
    assert!(
        codes.contains(&"E0308"),
        "the other item is still checked: {codes:?}"
    );
    let internal = report
        .diagnostics
        .iter()
        .find(|d| d.code == "E9001")
        .unwrap();
    assert!(
        internal.message.contains("`injected_fault_target`"),
        "{}",
        internal.message
    );
    // No edit, but a new revision: the faulted item is checked again, now without the fault.
    c.set_file("src/other.holo", "");
    let codes: Vec<&str> = c.check().diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0308"]);
}

const SECOND: &str = "pub fn half(n: i64) -> Option<i64> {
    if n % 2 == 0 { Some(n / 2) } else { None }
}

fn quarter(n: i64) -> Option<i64> {
    let h = half(n)?;
    half(h)
}

fn scaled(xs: [i64], k: i64) -> [i64] {
    let f: fn(i64) -> i64 = |x| x * k + 1;
    xs.map(f).filter(|x| x & 1 == 1)
}

fn pairs() -> i64 {
    let mut m: Map<str, (i64, i64)> = Map::new();
    m.insert(\"a\", (1, 2));
    let mut total = 0;
    for (_, (a, b)) in m { total = total + (a << b); }
    total
}

fn main() {
    println(quarter(8).unwrap_or(0) + scaled([1, 2], 3).len() + pairs());
}
";

#[test]
fn second_core_edits_recheck_what_they_reach() {
    let mut f = Fixture::new(&[("src/main.holo", SECOND)]);
    // A closure body is part of its function's body.
    let log = f.edit("src/main.holo", "x * k + 1", "x * k + 3");
    assert!(f.ran(&log, "check_item", &item("", "scaled")), "{log:?}");
    assert_eq!(log.count("check_item"), 1, "{log:?}");
    let log = f.edit("src/main.holo", "(a << b)", "(a ^ b)");
    assert!(f.ran(&log, "check_item", &item("", "pairs")), "{log:?}");
    assert_eq!(log.count("check_item"), 1, "{log:?}");
    // An `Option` that becomes a `Result`: the user of `?` breaks, nothing unrelated re-runs.
    let log = f.edit(
        "src/main.holo",
        "pub fn half(n: i64) -> Option<i64> {\n    if n % 2 == 0 { Some(n / 2) } else { None }",
        "pub fn half(n: i64) -> Result<i64, str> {\n    if n % 2 == 0 { Ok(n / 2) } else { Err(\"odd\") }",
    );
    assert!(f.ran(&log, "check_item", &item("", "quarter")), "{log:?}");
    for other in [item("", "scaled"), item("", "pairs")] {
        assert!(
            !f.ran(&log, "check_item", &other),
            "{other} re-ran: {log:?}"
        );
    }
    assert!(
        f.compiler.check().errors() > 0,
        "`quarter` returns an Option"
    );
}
