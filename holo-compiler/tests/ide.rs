//! Robustness of the editor queries: every query at every offset of the book's examples, of
//! the language test cases (many of them broken on purpose) and of truncated copies of them
//! (what a file looks like while it is being typed) must not panic and must return ranges inside
//! their file, on character boundaries.
//!
//! The language cases are sampled every few offsets; `HOLO_SLOW_TESTS=1` takes every offset.

use holo_compiler::ide::TextRange;
use holo_compiler::{Compiler, PackageKind};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every ` ```holo ` block of the book as a package of one file: fragments inside `main`.
fn book_programs() -> Vec<(String, PackageKind, String)> {
    let mut out = Vec::new();
    let dir = root().join("../book/src");
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the book's sources are readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    chapters.sort();
    for chapter in chapters {
        let text = std::fs::read_to_string(&chapter).expect("a chapter is readable");
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(info) = line.trim_start().strip_prefix("```holo") else {
                continue;
            };
            let mut code = String::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                code.push_str(l);
                code.push('\n');
            }
            let name = format!("{}: {}", chapter.display(), info);
            if info.contains("fragment") {
                out.push((name, PackageKind::Bin, format!("fn main() {{\n{code}}}\n")));
            } else if info.contains("lib") {
                out.push((name, PackageKind::Lib, code));
            } else {
                out.push((name, PackageKind::Bin, code));
            }
        }
    }
    out
}

fn lang_cases() -> Vec<(String, PackageKind, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "holo") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&root().join("tests/lang"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a case is readable");
            (p.display().to_string(), PackageKind::Bin, text)
        })
        .collect()
}

fn check_range(c: &Compiler, path: &str, range: TextRange, what: &str) {
    let text = c
        .text(path)
        .unwrap_or_else(|| panic!("{what} points into `{path}`, which is not a file"));
    assert!(
        range.start <= range.end
            && range.end as usize <= text.len()
            && text.is_char_boundary(range.start as usize)
            && text.is_char_boundary(range.end as usize),
        "{what}: {range:?} is not a range of `{path}` ({} bytes)",
        text.len()
    );
}

/// Every query at every `stride`-th offset (and a few past the end).
fn exercise(name: &str, kind: PackageKind, text: &str, stride: usize) {
    let mut c = Compiler::new(kind);
    let path = if kind == PackageKind::Lib {
        "src/lib.holo"
    } else {
        "src/main.holo"
    };
    c.set_files(vec![
        (path.to_string(), text.to_string()),
        (
            "src/other.holo".to_string(),
            "/// Elsewhere.\npub fn helper(x: i64) -> i64 { x }\npub struct Pt { pub x: i64 }\n"
                .to_string(),
        ),
    ]);
    let _ = c.check();
    let len = text.len() as u32;
    let whole = TextRange::new(0, len);
    for s in c.document_symbols(path) {
        check_range(&c, &s.path, s.full_range, "a symbol");
        for child in &s.children {
            check_range(&c, &child.path, child.focus_range, "a child symbol");
        }
    }
    for h in c.inlay_hints(path, None) {
        check_range(
            &c,
            path,
            TextRange::new(h.offset, h.offset),
            "an inlay hint",
        );
    }
    for f in c.quick_fixes(path, whole) {
        for e in &f.edits {
            check_range(&c, &e.path, e.range, "a quick fix");
        }
    }
    for t in c.tests_in_file(path) {
        check_range(&c, &t.path, t.range, "a test");
    }
    for s in c.workspace_symbols("a") {
        check_range(&c, &s.path, s.focus_range, "a workspace symbol");
    }
    let offsets = (0..=len)
        .step_by(stride.max(1))
        .chain([len, len + 1, u32::MAX]);
    for offset in offsets {
        let at = format!("{name} at {offset}");
        if let Some(h) = c.hover(path, offset) {
            check_range(&c, path, h.range, &format!("hover {at}"));
        }
        for t in c.goto_definition(path, offset) {
            check_range(&c, &t.path, t.full_range, &format!("definition {at}"));
            check_range(&c, &t.path, t.focus_range, &format!("definition {at}"));
        }
        for r in c.references(path, offset, true) {
            check_range(&c, &r.path, r.range, &format!("reference {at}"));
        }
        let _ = c.completions(path, offset);
        if let Some(help) = c.signature_help(path, offset) {
            for p in &help.parameters {
                assert!(
                    p.end as usize <= help.label.len()
                        && help.label.is_char_boundary(p.start as usize)
                        && help.label.is_char_boundary(p.end as usize),
                    "signature help {at}: {p:?} is not in `{}`",
                    help.label
                );
            }
        }
        if let Ok(range) = c.prepare_rename(path, offset) {
            check_range(&c, path, range, &format!("prepare rename {at}"));
            if let Ok(edits) = c.rename(path, offset, "renamed_name") {
                for e in edits {
                    check_range(&c, &e.path, e.range, &format!("rename {at}"));
                }
            }
        }
    }
}

fn slow() -> bool {
    std::env::var_os("HOLO_SLOW_TESTS").is_some()
}

#[test]
fn every_query_at_every_offset_of_the_book() {
    let programs = book_programs();
    assert!(programs.len() > 20, "the book's examples were not found");
    for (name, kind, text) in programs {
        exercise(&name, kind, &text, 1);
    }
}

#[test]
fn every_query_in_the_language_cases_and_their_truncations() {
    let stride = if slow() { 1 } else { 11 };
    for (name, kind, text) in lang_cases() {
        exercise(&name, kind, &text, stride);
        // The file as it is while being typed: cut in the middle of a line.
        let mut cut = text.len() * 2 / 3;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        exercise(&format!("{name} (cut)"), kind, &text[..cut], stride * 2);
    }
}

#[test]
fn non_ascii_text_before_and_inside_names() {
    let text = "/// Größe — ünïcode.\nfn größe_von(wert: i64) -> i64 { wert }\nfn main() {\n    let café = \"naïve ☕\";\n    println(café);\n    println(größe_von(1));\n}\n";
    exercise("non-ascii", PackageKind::Bin, text, 1);
    // Non-ASCII right before what completion and quick fixes read backwards from the cursor.
    let junk = "use ü::{é, ;\nfn main() {\n    let ça = 1;\n    println(ça::b + ü.x + é.);\n    ça = ç;\n}\n";
    exercise("non-ascii junk", PackageKind::Bin, junk, 1);
}
