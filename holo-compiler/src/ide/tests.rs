//! Tests of the editor queries as data: a package of files where `$0` marks the cursor (and a
//! second `$0` the end of a range), and the expected answer.

use super::*;
use crate::PackageKind;

/// A package from `(path, text)` pairs; the one `$0` (or two) in them is the cursor, returned
/// with its file.
fn fixture(files: &[(&str, &str)]) -> (Compiler, String, u32, Option<u32>) {
    let mut compiler = Compiler::new(if files.iter().any(|(p, _)| *p == "src/lib.holo") {
        PackageKind::Lib
    } else {
        PackageKind::Bin
    });
    let mut cursor = None;
    let mut list = Vec::new();
    for (path, text) in files {
        let mut marks = text.match_indices("$0").map(|(i, _)| i as u32);
        if let Some(first) = marks.next() {
            let second = marks.next().map(|s| s - 2);
            cursor = Some((path.to_string(), first, second));
        }
        list.push((path.to_string(), text.replace("$0", "")));
    }
    compiler.set_files(list);
    let (path, offset, end) = cursor.unwrap_or_else(|| ("src/main.holo".to_string(), 0, None));
    (compiler, path, offset, end)
}

fn hover_text(files: &[(&str, &str)]) -> String {
    let (c, path, offset, _) = fixture(files);
    c.hover(&path, offset)
        .map(|h| h.markdown)
        .unwrap_or_default()
}

fn labels(completions: &[Completion]) -> Vec<&str> {
    completions.iter().map(|c| c.label.as_str()).collect()
}

const GEOMETRY: &str = "\
/// A rectangle, in metres.
pub struct Rect {
    pub w: f64,
    pub h: f64,
}

/// The area of `r`.
pub fn area(r: Rect) -> f64 {
    r.w * r.h
}

impl Rect {
    pub fn square(side: f64) -> Rect {
        Rect { w: side, h: side }
    }
    pub fn scale(self, k: f64) -> Rect {
        Rect { w: self.w * k, h: self.h * k }
    }
}

pub enum Shape {
    Circle(f64),
    Box(Rect),
    Dot,
}
";

#[test]
fn hover_shows_signature_and_doc_across_modules() {
    let text = hover_text(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "fn main() {\n    let r = geometry::Rect::square(2.0);\n    println(geometry::ar$0ea(r));\n}\n",
        ),
    ]);
    assert_eq!(
        text,
        "```holo\npub fn area(r: Rect) -> f64\n```\n\nThe area of `r`."
    );
}

#[test]
fn hover_shows_locals_params_and_expression_types() {
    let src = |body: &str| {
        format!("fn f(count: i64) -> i64 {{ {body} }}\nfn main() {{ println(f(1)); }}\n")
    };
    assert_eq!(
        hover_text(&[("src/main.holo", &src("let total = count * 2; tot$0al"))]),
        "```holo\nlet total: i64\n```"
    );
    assert_eq!(
        hover_text(&[(
            "src/main.holo",
            &src("let mut xs = []; xs.push(\"a\"); xs$0.len()")
        )]),
        "```holo\nlet mut xs: [str]\n```"
    );
    assert_eq!(
        hover_text(&[("src/main.holo", &src("cou$0nt + 1"))]),
        "```holo\ncount: i64\n```"
    );
    assert_eq!(
        hover_text(&[("src/main.holo", &src("(count + 1) $0* 2"))]),
        "```holo\ni64\n```"
    );
}

#[test]
fn hover_on_fields_variants_methods_and_builtins() {
    let main = |body: &str| {
        vec![
            ("src/geometry.holo", GEOMETRY.to_string()),
            (
                "src/main.holo",
                format!("use geometry::{{Rect, Shape}};\nfn main() {{ {body} }}\n"),
            ),
        ]
    };
    let check = |body: &str, expected: &str| {
        let files = main(body);
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        assert_eq!(hover_text(&refs), expected, "{body}");
    };
    check(
        "let r = Rect::square(1.0); println(r.$0w);",
        "```holo\nRect\nw: f64\n```",
    );
    check(
        "let s = Shape::Cir$0cle(1.0); match s { Shape::Circle(x) => println(x), _ => {} }",
        "```holo\nShape::Circle(f64)\n```",
    );
    check(
        "let r = Rect::square(1.0).sc$0ale(2.0); println(r.w);",
        "```holo\nimpl Rect\npub fn scale(self, k: f64) -> Rect\n```",
    );
    check(
        "let xs = [1, 2]; println(xs.le$0n());",
        "```holo\nfn len(self: [i64]) -> i64\n```",
    );
    check(
        "let m: Map<str, i64> = Map::new(); println(m.ge$0t(\"a\").is_some());",
        "```holo\nfn get(self: Map<str, i64>, str) -> Option<i64>\n```",
    );
    check(
        "let x: Opt$0ion<i64> = None; println(x.is_some());",
        "```holo\nenum Option<T> { None, Some(T) }\n```",
    );
}

#[test]
fn definition_goes_across_modules_into_dependencies() {
    let (c, path, offset, _) = fixture(&[
        (
            "deps/mathx/src/lib.holo",
            "/// Squares.\npub fn square(x: i64) -> i64 { x * x }\n",
        ),
        (
            "src/main.holo",
            "fn main() { println(mathx::squ$0are(3)); }\n",
        ),
    ]);
    let targets = c.goto_definition(&path, offset);
    assert_eq!(targets.len(), 1, "{targets:?}");
    let t = &targets[0];
    assert_eq!(t.path, "deps/mathx/src/lib.holo");
    assert_eq!(t.name, "square");
    assert_eq!(t.kind, SymbolKind::Function);
    let text = c.text("deps/mathx/src/lib.holo").unwrap();
    assert_eq!(
        &text[t.focus_range.start as usize..t.focus_range.end as usize],
        "square"
    );
    assert_eq!(
        c.hover(&path, offset).unwrap().markdown,
        "```holo\npub fn square(x: i64) -> i64\n```\n\nSquares."
    );
    // The module segment goes to the dependency's root file.
    let module = c.goto_definition(&path, offset - 5);
    assert_eq!(module[0].path, "deps/mathx/src/lib.holo");
    assert_eq!(module[0].kind, SymbolKind::Module);
}

#[test]
fn definition_of_locals_fields_and_variants() {
    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "use geometry::Shape;\nfn main() {\n    let total = 1;\n    let s = Shape::Dot;\n    match s { Shape::D$0ot => println(total), _ => {} }\n}\n",
        ),
    ]);
    let t = &c.goto_definition(&path, offset)[0];
    assert_eq!(
        (t.path.as_str(), t.name.as_str(), t.kind),
        ("src/geometry.holo", "Dot", SymbolKind::Variant)
    );
    let text = c.text(&path).unwrap();
    let use_at = text.find("println(total)").unwrap() as u32 + 9;
    let t = &c.goto_definition(&path, use_at)[0];
    assert_eq!(t.kind, SymbolKind::Local);
    assert_eq!(t.focus_range.start, text.find("total").unwrap() as u32);
}

#[test]
fn references_and_rename_across_files() {
    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "use geometry::area;\nfn main() {\n    let r = geometry::Rect::square(1.0);\n    println(ar$0ea(r));\n    println(geometry::area(r));\n}\n",
        ),
    ]);
    let refs = c.references(&path, offset, true);
    let files: Vec<&str> = refs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        files,
        [
            "src/geometry.holo",
            "src/main.holo",
            "src/main.holo",
            "src/main.holo"
        ]
    );
    assert_eq!(c.references(&path, offset, false).len(), 3);
    let edits = c.rename(&path, offset, "surface").unwrap();
    assert_eq!(edits.len(), 4);
    assert!(edits.iter().all(|e| e.new_text == "surface"));
    for e in &edits {
        let text = c.text(&e.path).unwrap();
        assert_eq!(&text[e.range.start as usize..e.range.end as usize], "area");
    }
    assert!(
        c.rename(&path, offset, "fn")
            .unwrap_err()
            .contains("keyword")
    );
    assert!(
        c.rename(&path, offset, "1x")
            .unwrap_err()
            .contains("not a valid name")
    );
    assert!(
        c.rename(&path, offset, "Rect")
            .unwrap_err()
            .contains("already has that name")
    );
}

#[test]
fn rename_refuses_the_prelude_and_dependencies_and_renames_locals() {
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "fn main() { let x: Opt$0ion<i64> = None; println(x.is_some()); }\n",
    )]);
    assert_eq!(
        c.prepare_rename(&path, offset).unwrap_err(),
        "Cannot rename the prelude's `Option`: it is part of holo, not of this package."
    );
    let (c, path, offset, _) = fixture(&[
        (
            "deps/mathx/src/lib.holo",
            "pub fn square(x: i64) -> i64 { x * x }\n",
        ),
        (
            "src/main.holo",
            "fn main() { println(mathx::squ$0are(3)); }\n",
        ),
    ]);
    assert!(
        c.prepare_rename(&path, offset)
            .unwrap_err()
            .contains("dependency `mathx`")
    );
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "struct P { x: i64 }\nfn main() { let x$0 = 1; let p = P { x }; println(p.x + x); }\n",
    )]);
    let edits = c.rename(&path, offset, "y").unwrap();
    let texts: Vec<&str> = edits.iter().map(|e| e.new_text.as_str()).collect();
    assert_eq!(texts, ["y", "x: y", "y"]);
}

#[test]
fn completion_in_scope_after_dot_and_after_path() {
    let files = |body: &str| {
        vec![
            ("src/geometry.holo", GEOMETRY.to_string()),
            (
                "src/main.holo",
                format!("use geometry::Rect;\nfn main() {{\n    let total = 1;\n    {body}\n}}\n"),
            ),
        ]
    };
    let complete = |body: &str| {
        let f = files(body);
        let refs: Vec<(&str, &str)> = f.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (c, path, offset, _) = fixture(&refs);
        c.completions(&path, offset)
    };
    let got = complete("let r = Rect::square(2.0);\n    println(r.$0)");
    assert_eq!(&labels(&got)[..3], ["w", "h", "scale"]);
    let got = complete("println(tot$0)");
    assert_eq!(labels(&got), ["total"]);
    let got = complete("let x = geometry::$0");
    assert!(
        labels(&got).contains(&"area") && labels(&got).contains(&"Shape"),
        "{got:?}"
    );
    let got = complete("let s = geometry::Shape::$0");
    assert_eq!(labels(&got), ["Circle", "Box", "Dot"]);
    let got = complete("let r = Rect { w: 1.0, $0 };");
    assert_eq!(labels(&got), ["h"]);
    let got = complete("let s = geometry::Shape::Dot;\n    match s {\n        $0\n    }");
    assert_eq!(labels(&got), ["Shape::Circle", "Shape::Box", "Shape::Dot"]);
    assert_eq!(got[0].insert_text.as_deref(), Some("Shape::Circle(_)"));
}

#[test]
fn signature_help_follows_the_argument() {
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "/// Adds.\nfn add(a: i64, b: i64) -> i64 { a + b }\nfn main() { println(add(1, $0)); }\n",
    )]);
    let help = c.signature_help(&path, offset).unwrap();
    assert_eq!(help.label, "fn add(a: i64, b: i64) -> i64");
    assert_eq!(help.active_parameter, Some(1));
    let params: Vec<&str> = help
        .parameters
        .iter()
        .map(|r| &help.label[r.start as usize..r.end as usize])
        .collect();
    assert_eq!(params, ["a: i64", "b: i64"]);
    assert_eq!(help.doc.as_deref(), Some("Adds."));
}

#[test]
fn inlay_hints_for_unannotated_lets() {
    let (c, path, _, _) = fixture(&[(
        "src/main.holo",
        "fn main() {\n    let x = 1;\n    let y: i64 = 2;\n    let (a, b) = (\"s\", 2.5);\n    println(x + y);\n    println(a);\n    println(b);\n}\n",
    )]);
    let text = c.text(&path).unwrap();
    let hints: Vec<(u32, String)> = c
        .inlay_hints(&path, None)
        .into_iter()
        .map(|h| (h.offset, h.label))
        .collect();
    let after = |s: &str| text.find(s).unwrap() as u32 + 1;
    assert_eq!(
        hints,
        [
            (after("x ="), ": i64".to_string()),
            (after("a,"), ": str".to_string()),
            (after("b)"), ": f64".to_string()),
        ]
    );
}

#[test]
fn quick_fixes_for_typos_and_immutability() {
    let (c, path, _, _) = fixture(&[(
        "src/main.holo",
        "fn main() {\n    let total = 1;\n    println(totl);\n    let n = 0;\n    n = 2;\n    println(n);\n}\n",
    )]);
    let text = c.text(&path).unwrap();
    let fixes = c.quick_fixes(&path, TextRange::new(0, text.len() as u32));
    let titles: Vec<&str> = fixes.iter().map(|f| f.title.as_str()).collect();
    // `total` is never read: the typo hides its one use.
    assert_eq!(
        titles,
        [
            "Replace `totl` with `total`",
            "Declare `n` with `mut`",
            "Rename to `_total` to show it is not read"
        ]
    );
    assert_eq!(fixes[0].code, "E0425");
    assert_eq!(fixes[1].edits[0].new_text, "mut ");
    assert_eq!(
        fixes[1].edits[0].range.start,
        text.find("n = 0").unwrap() as u32
    );
}

#[test]
fn symbols_and_tests() {
    let (c, _, _, _) = fixture(&[
        (
            "src/geometry.holo",
            &format!(
                "{GEOMETRY}\n#[test]\nfn area_of_unit() {{ assert_eq(area(Rect::square(1.0)), 1.0); }}\n"
            ),
        ),
        ("src/main.holo", "fn main() {}\n"),
    ]);
    let symbols = c.document_symbols("src/geometry.holo");
    let top: Vec<(&str, SymbolKind)> = symbols.iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(
        top,
        [
            ("Rect", SymbolKind::Struct),
            ("area", SymbolKind::Function),
            ("Shape", SymbolKind::Enum),
            ("area_of_unit", SymbolKind::Test),
        ]
    );
    let rect: Vec<&str> = symbols[0]
        .children
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(rect, ["w", "h", "square", "scale"]);
    let found = c.workspace_symbols("sq");
    let found: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(found, ["square"]);
    let tests = c.tests_in_file("src/geometry.holo");
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].name, "geometry::area_of_unit");
}

#[test]
fn queries_answer_in_broken_files() {
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "struct P { x: i64 }\nfn main() {\n    let p = P { x: 1 };\n    let q = p.$0\n}\n",
    )]);
    assert_eq!(labels(&c.completions(&path, offset)), ["x"]);
    assert_eq!(
        c.hover(&path, offset - 2).map(|h| h.markdown).as_deref(),
        Some("```holo\nlet p: P\n```")
    );
}

/// A hover after an edit of one body re-runs that body's queries only (its inference and its
/// identifier table), whatever else the package holds.
#[test]
fn hover_after_a_body_edit_recomputes_only_that_body() {
    use crate::db::{ItemKey, RootDatabase};
    use salsa::plumbing::AsId;
    let mut c = Compiler::with_db(RootDatabase::new(true), PackageKind::Bin);
    let main = "fn f(a: i64) -> i64 { let b = a + 1; b }\nfn g(a: i64) -> i64 { let c = a * 2; c }\nfn main() { println(f(1) + g(2) + util::h()); }\n";
    c.set_files(vec![
        ("src/main.holo".to_string(), main.to_string()),
        (
            "src/util.holo".to_string(),
            "pub fn h() -> i64 { 3 }\n".to_string(),
        ),
    ]);
    assert_eq!(c.check().errors(), 0);
    let at = |text: &str, s: &str| text.find(s).unwrap() as u32 + 1;
    assert!(c.hover("src/main.holo", at(main, "b }")).is_some());
    assert!(c.hover("src/main.holo", at(main, "c }")).is_some());
    c.db().take_log();

    let edited = main.replace("a + 1", "a + 10");
    c.set_file("src/main.holo", &edited);
    let hover = c.hover("src/main.holo", at(&edited, "b }")).unwrap();
    assert_eq!(hover.markdown, "```holo\nlet b: i64\n```");
    let log = c.db().take_log();
    let key = |name: &str| {
        let id = crate::ids::ItemId::new(crate::ids::ModulePath::root(), name);
        format!("{:?}", ItemKey::new(c.db(), id).as_id())
    };
    let bodies: Vec<&String> = log.iter().filter(|e| e.starts_with("infer_body")).collect();
    assert_eq!(bodies, [&format!("infer_body({})", key("f"))], "{log:#?}");
    assert!(
        !log.iter()
            .any(|e| e.contains(&key("g")) || e.contains(&key("main"))),
        "{log:#?}"
    );
}

#[test]
fn quick_fixes_remove_unused_imports_and_mut() {
    let (c, path, _, _) = fixture(&[
        ("src/util.holo", "pub fn one() -> i64 { 1 }\n"),
        (
            "src/main.holo",
            "use util::one;\nfn main() {\n    let mut n = 1;\n    println(n);\n}\n",
        ),
    ]);
    let text = c.text(&path).unwrap();
    let fixes = c.quick_fixes(&path, TextRange::new(0, text.len() as u32));
    let titles: Vec<&str> = fixes.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(titles, ["Remove the unused import", "Remove the `mut`"]);
    let apply = |fix: &QuickFix| {
        let mut t = text.to_string();
        for e in fix.edits.iter().rev() {
            t.replace_range(e.range.start as usize..e.range.end as usize, &e.new_text);
        }
        t
    };
    assert_eq!(
        apply(&fixes[0]),
        "fn main() {\n    let mut n = 1;\n    println(n);\n}\n"
    );
    assert_eq!(
        apply(&fixes[1]),
        "use util::one;\nfn main() {\n    let n = 1;\n    println(n);\n}\n"
    );
}

#[test]
fn hover_on_self_shows_the_receiver() {
    let text = hover_text(&[(
        "src/main.holo",
        "struct C { n: i64 }\nimpl C {\n    fn get(self) -> i64 { se$0lf.n }\n}\nfn main() { println(C { n: 1 }.get()); }\n",
    )]);
    assert_eq!(text, "```holo\nself: C\n```");
}

#[test]
fn rename_of_a_field_in_shorthands_and_imports_with_aliases() {
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "struct P { w$0: i64 }\nfn main() { let w = 1; let p = P { w }; let P { w } = p; println(w); }\n",
    )]);
    let edits = c.rename(&path, offset, "width").unwrap();
    let texts: Vec<&str> = edits.iter().map(|e| e.new_text.as_str()).collect();
    assert_eq!(texts, ["width", "width: w", "width: w"]);

    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "use geometry::area as a;\nfn main() { println(a(geometry::Rect::square(1.0))); }\n",
        ),
        (
            "src/other.holo",
            "pub fn f() -> f64 { crate::geometry::ar$0ea(crate::geometry::Rect::square(2.0)) }\n",
        ),
    ]);
    let edits = c.rename(&path, offset, "surface").unwrap();
    let mut places: Vec<(&str, &str)> = edits
        .iter()
        .map(|e| (e.path.as_str(), e.new_text.as_str()))
        .collect();
    places.sort();
    // The import is renamed; its alias and the uses of the alias stay.
    assert_eq!(
        places,
        [
            ("src/geometry.holo", "surface"),
            ("src/main.holo", "surface"),
            ("src/other.holo", "surface")
        ]
    );
}

#[test]
fn completion_of_associated_functions_and_symbol_search_by_letters() {
    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "use geometry::Rect;\nfn main() { let r = Rect::$0; }\n",
        ),
    ]);
    assert_eq!(labels(&c.completions(&path, offset)), ["square"]);
    let found = c.workspace_symbols("ara");
    let names: Vec<&str> = found.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["area"]);
}

#[test]
fn hover_says_nothing_on_whitespace_comments_and_declaring_keywords() {
    for body in [
        "l$0et x = 1; println(x);",
        "let x = 1; $0 println(x);",
        "let x = 1; // a co$0mment\n println(x);",
    ] {
        let src = format!("fn main() {{ {body} }}\n");
        assert_eq!(hover_text(&[("src/main.holo", &src)]), "", "{body}");
    }
    let src = "fn main() { let x = i$0f true { 1 } else { 2 }; println(x); }\n";
    assert_eq!(hover_text(&[("src/main.holo", src)]), "```holo\ni64\n```");
}

#[test]
fn self_and_impl_types_are_names_too() {
    let src = "struct C { n: i64 }\nimpl C {\n    fn get(self) -> i64 { self.n }\n}\nfn main() { println(C { n: 1 }.get()); }\n";
    let (c, path, _, _) = fixture(&[("src/main.holo", src)]);
    let at = |s: &str| src.find(s).unwrap() as u32 + 1;
    let param = c.goto_definition(&path, at("self)"));
    let value = c.goto_definition(&path, at("self.n"));
    assert_eq!(param, value);
    assert_eq!(param[0].kind, SymbolKind::Parameter);
    assert_eq!(
        c.hover(&path, at("self)")).unwrap().markdown,
        "```holo\nself: C\n```"
    );
    let ty = c.goto_definition(&path, at("C {\n"));
    assert_eq!((ty[0].name.as_str(), ty[0].kind), ("C", SymbolKind::Struct));
    assert!(c.prepare_rename(&path, at("self.n")).is_err());
}

#[test]
fn completion_in_use_groups_and_hover_of_untyped_locals() {
    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        ("src/main.holo", "use geometry::{Rect, $0};\nfn main() {}\n"),
    ]);
    let got = c.completions(&path, offset);
    assert_eq!(labels(&got), ["Rect", "Shape", "area"]);
    assert_eq!(
        hover_text(&[("src/main.holo", "fn main() { let v$0 = nothing(); }\n")]),
        "```holo\nlet v\n```"
    );
}

#[test]
fn renaming_a_type_renames_its_impl_blocks() {
    let (c, path, offset, _) = fixture(&[(
        "src/main.holo",
        "struct Coun$0ter { n: i64 }\nimpl Counter {\n    fn new() -> Counter { Counter { n: 0 } }\n    fn get(self) -> i64 { self.n }\n}\nfn main() { println(Counter::new().get()); }\n",
    )]);
    let edits = c.rename(&path, offset, "Tally").unwrap();
    let text = c.text(&path).unwrap();
    let mut renamed = text.to_string();
    for e in edits.iter().rev() {
        renamed.replace_range(e.range.start as usize..e.range.end as usize, &e.new_text);
    }
    assert_eq!(
        renamed,
        "struct Tally { n: i64 }\nimpl Tally {\n    fn new() -> Tally { Tally { n: 0 } }\n    fn get(self) -> i64 { self.n }\n}\nfn main() { println(Tally::new().get()); }\n"
    );
}

#[test]
fn an_import_alias_is_renamed_in_its_use_declaration_and_dependencies_get_no_fixes() {
    let (c, path, offset, _) = fixture(&[
        ("src/geometry.holo", GEOMETRY),
        (
            "src/main.holo",
            "use geometry::area as a$0;\nfn main() { println(a(geometry::Rect::square(1.0))); }\n",
        ),
    ]);
    assert!(
        c.prepare_rename(&path, offset)
            .unwrap_err()
            .contains("use … as a")
    );
    let (c, _, _, _) = fixture(&[
        (
            "deps/mathx/src/lib.holo",
            "pub fn f() -> i64 { let unused = 1; 2 }\n",
        ),
        ("src/main.holo", "fn main() { println(mathx::f()); }\n"),
    ]);
    assert!(
        c.quick_fixes("deps/mathx/src/lib.holo", TextRange::new(0, 100))
            .is_empty()
    );
}
