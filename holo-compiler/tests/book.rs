//! Checks the book (`book/src/**/*.md`): every ` ```holo ` example is compiled by the real
//! compiler and must report exactly what it claims; links and the table of contents must point at
//! chapters and headings that exist; the diagnostics chapter must document every code.
//!
//! # Contributing note: writing examples in the book
//!
//! Every fenced block whose info string starts with `holo` is checked. Options follow `holo`,
//! separated by commas, as in ` ```holo,lib,error=E0004 `. mdBook does not show them to readers.
//!
//! - ` ```holo ` is a whole program: it is `src/main.holo` of a program package, so it needs
//!   `fn main()`, and it must check with **no diagnostics at all**, warnings included. Examples
//!   are what readers copy, so they must be clean: read every variable you declare.
//! - ` ```holo,lib ` is the `src/lib.holo` of a library package: items only, no `main` needed.
//!   Use it for definitions that do not need a program around them.
//! - ` ```holo,fragment ` is a sequence of statements, placed in the body of `fn main() { … }`.
//!   A fragment is incomplete by nature (it may declare variables it never reads), so only its
//!   errors are checked: it must have none, unless `error=` says otherwise. Warnings are ignored.
//! - ` ```holo,error=E0308 ` is an example of a mistake: the set of error codes reported must be
//!   exactly the codes given (repeat the option for several: `error=E0308,error=E0369`). Warnings
//!   reported beside the errors are ignored: the example is about the error.
//! - ` ```holo,warning=W0001 ` is an example of a warning: no errors, and the set of warning codes
//!   must be exactly the codes given.
//! - ` ```holo,file=src/geometry.holo ` is one file of a multi-file example. Consecutive `file=`
//!   blocks of a chapter form one package, which is checked when the block of its root file
//!   (`file=src/main.holo`, or `file=src/lib.holo` for a library) arrives; so write the root file
//!   last, and put `error=`/`warning=` on it. Tell the reader the file names in the prose.
//!
//! Anything that is not holo code (shell sessions, compiler output, grammar) goes in ` ```text `,
//! ` ```sh ` or ` ```toml ` blocks, which are not checked. There is no way to skip checking a
//! `holo` block: an example that does not compile is a bug in the book or in the compiler.

use holo_compiler::diagnostic::codes;
use holo_compiler::{Compiler, Diagnostic, LineIndex, Loc, PackageKind, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long the compiler may take on one example before it is reported as hanging.
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Codes the diagnostics chapter may document without an example, and why.
const CODES_WITHOUT_EXAMPLE: &[(&str, &str)] = &[
    (
        "E0007",
        "showing nesting beyond the parser's limit would take thousands of characters",
    ),
    (
        "E9001",
        "no program makes a correct compiler fail; tests inject the fault instead",
    ),
    (
        "E0013",
        "it takes a dependency, which a one-file example cannot declare",
    ),
];

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src")
}

/// Every Markdown file of the book, as (path relative to `book/src`, text), sorted.
fn chapters() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => panic!("cannot list {}: {e}", dir.display()),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, text));
            }
        }
    }
    let root = book_src();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    assert!(
        !out.is_empty(),
        "no chapters found under {}",
        root.display()
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/// A fenced code block.
#[derive(Debug)]
struct Fence {
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    code: String,
}

/// The fenced code blocks of a Markdown text, and the text outside them (with code blocks
/// blanked, so that headings and links are only looked for in prose).
fn fences(text: &str) -> (Vec<Fence>, String) {
    let mut out = Vec::new();
    let mut prose = String::new();
    let mut open: Option<(usize, char, usize, usize, String, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| trimmed.chars().take_while(|&x| x == c).count());
        match &mut open {
            None if run >= 3 => {
                let info = trimmed[run..].trim().to_string();
                open = Some((
                    i + 1,
                    fence_char.unwrap_or('`'),
                    run,
                    indent,
                    info,
                    String::new(),
                ));
                prose.push('\n');
            }
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
            Some((start, c, n, ind, info, code)) => {
                if fence_char == Some(*c) && run >= *n && trimmed[run..].trim().is_empty() {
                    out.push(Fence {
                        line: *start,
                        info: std::mem::take(info),
                        code: std::mem::take(code),
                    });
                    open = None;
                } else {
                    let strip = line.len() - line.trim_start().len();
                    code.push_str(&line[strip.min(*ind)..]);
                    code.push('\n');
                }
                prose.push('\n');
            }
        }
    }
    if let Some((start, _, _, _, info, code)) = open {
        out.push(Fence {
            line: start,
            info,
            code,
        });
    }
    (out, prose)
}

/// The anchor mdBook gives a heading: lower case, spaces to `-`, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The anchors of the headings of a chapter.
fn anchors(prose: &str) -> BTreeSet<String> {
    prose
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let hashes = t.chars().take_while(|&c| c == '#').count();
            (1..=6)
                .contains(&hashes)
                .then(|| t[hashes..].trim())
                .filter(|h| !h.is_empty())
                .map(anchor)
        })
        .collect()
}

/// The targets of the Markdown links `[text](target)` in prose.
fn links(prose: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            match after.find(')') {
                Some(end) => {
                    out.push((i + 1, after[..end].trim().to_string()));
                    rest = &after[end..];
                }
                None => break,
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

/// What a `holo` block's info string says.
#[derive(Debug, Default)]
struct Options {
    lib: bool,
    fragment: bool,
    file: Option<String>,
    errors: BTreeSet<String>,
    warnings: BTreeSet<String>,
}

/// `None` for blocks that are not holo code.
fn holo_options(info: &str) -> Option<Result<Options, String>> {
    let mut words = info
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty());
    if words.next() != Some("holo") {
        return None;
    }
    let mut o = Options::default();
    for w in words {
        let code_ok = |c: &str| c.len() == 5 && c[1..].bytes().all(|b| b.is_ascii_digit());
        match w.split_once('=') {
            None if w == "lib" => o.lib = true,
            None if w == "fragment" => o.fragment = true,
            Some(("error", c)) if c.starts_with('E') && code_ok(c) => {
                o.errors.insert(c.to_string());
            }
            Some(("warning", c)) if c.starts_with('W') && code_ok(c) => {
                o.warnings.insert(c.to_string());
            }
            Some(("file", p)) if p.starts_with("src/") && p.ends_with(".holo") => {
                o.file = Some(p.to_string());
            }
            _ => {
                return Some(Err(format!(
                    "unknown option `{w}` (the options are `lib`, `fragment`, `error=E….`, `warning=W….` and `file=src/….holo`)"
                )));
            }
        }
    }
    let kinds = usize::from(o.lib) + usize::from(o.fragment) + usize::from(o.file.is_some());
    if kinds > 1 {
        return Some(Err(
            "`lib`, `fragment` and `file=` exclude each other (a library's root file is `file=src/lib.holo`)"
                .to_string(),
        ));
    }
    Some(Ok(o))
}

/// One package to check: the files of one example, or of consecutive `file=` examples.
struct Example {
    /// `chapter.md:line` of the block that completes it.
    place: String,
    info: String,
    kind: PackageKind,
    files: Vec<(String, String)>,
    fragment: bool,
    errors: BTreeSet<String>,
    warnings: BTreeSet<String>,
}

/// The examples of one chapter; problems with how the blocks are written go to `problems`.
fn examples(chapter: &str, text: &str, problems: &mut Vec<String>) -> Vec<Example> {
    let (blocks, _) = fences(text);
    let mut out = Vec::new();
    let mut pending: Vec<(String, String, usize)> = Vec::new();
    for block in blocks {
        let place = format!("{chapter}:{}", block.line);
        let options = match holo_options(&block.info) {
            None => continue,
            Some(Err(e)) => {
                problems.push(format!("{place}: ```{}: {e}", block.info));
                continue;
            }
            Some(Ok(o)) => o,
        };
        let Some(path) = options.file.clone() else {
            if let Some((p, _, line)) = pending.first() {
                problems.push(format!(
                    "{chapter}:{line}: the multi-file example starting with `{p}` has no root file; end it with a `file=src/main.holo` (or `src/lib.holo`) block"
                ));
                pending.clear();
            }
            let (kind, path, code) = if options.fragment {
                (
                    PackageKind::Bin,
                    "src/main.holo",
                    format!("fn main() {{\n{}}}\n", block.code),
                )
            } else if options.lib {
                (PackageKind::Lib, "src/lib.holo", block.code.clone())
            } else {
                (PackageKind::Bin, "src/main.holo", block.code.clone())
            };
            out.push(Example {
                place,
                info: block.info,
                kind,
                files: vec![(path.to_string(), code)],
                fragment: options.fragment,
                errors: options.errors,
                warnings: options.warnings,
            });
            continue;
        };
        if pending.iter().any(|(p, _, _)| *p == path) {
            problems.push(format!(
                "{place}: `{path}` appears twice in one multi-file example"
            ));
            continue;
        }
        let is_root = path == "src/main.holo" || path == "src/lib.holo";
        if !is_root {
            if !options.errors.is_empty() || !options.warnings.is_empty() {
                problems.push(format!(
                    "{place}: put `error=`/`warning=` on the root file's block, which comes last in a multi-file example"
                ));
            }
            pending.push((path, block.code, block.line));
            continue;
        }
        let mut files: Vec<(String, String)> =
            pending.drain(..).map(|(p, code, _)| (p, code)).collect();
        files.push((path.clone(), block.code));
        out.push(Example {
            place,
            info: block.info,
            kind: if path == "src/lib.holo" {
                PackageKind::Lib
            } else {
                PackageKind::Bin
            },
            files,
            fragment: false,
            errors: options.errors,
            warnings: options.warnings,
        });
    }
    if let Some((p, _, line)) = pending.first() {
        problems.push(format!(
            "{chapter}:{line}: the multi-file example starting with `{p}` has no root file; end it with a `file=src/main.holo` (or `src/lib.holo`) block"
        ));
    }
    out
}

/// Checks one example on a thread of its own, so that a panic or a hang is reported for it.
fn check(example: &Example) -> Result<Vec<Diagnostic>, String> {
    let kind = example.kind;
    let files = example.files.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("book-example {}", example.place))
        .spawn(move || {
            let result = std::panic::catch_unwind(move || {
                let mut compiler = Compiler::new(kind);
                for (path, text) in &files {
                    compiler.set_file(path, text);
                }
                compiler.check().diagnostics
            });
            let _ = tx.send(result.map_err(|payload| {
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(a panic without a message)".to_string())
            }));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match rx.recv_timeout(EXAMPLE_TIMEOUT) {
        Ok(Ok(diagnostics)) => Ok(diagnostics),
        Ok(Err(message)) => Err(format!("the compiler panicked: {message}")),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the compiler did not finish within {} s",
            EXAMPLE_TIMEOUT.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("the compiler thread ended without a result".to_string())
        }
    }
}

fn render(example: &Example, d: &Diagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let place = match &d.primary.loc {
        Loc::File { path, span } => {
            let text = example
                .files
                .iter()
                .find(|(p, _)| p == path.as_str())
                .map(|(_, t)| t.as_str())
                .unwrap_or_default();
            let (line, col) = LineIndex::new(text).line_col(text, span.start);
            // Report lines as the reader sees them in the block, not as wrapped.
            let line = if example.fragment {
                line.saturating_sub(1)
            } else {
                line
            };
            format!("{path}:{line}:{col}")
        }
        other => format!("{other:?}"),
    };
    let mut out = format!("        {severity}[{}]: {} ({place})", d.code, d.message);
    if !d.primary.message.is_empty() {
        let _ = write!(out, ": {}", d.primary.message);
    }
    if let Some(hint) = &d.hint {
        let _ = write!(out, "\n            hint: {hint}");
    }
    out
}

fn codes_of(diagnostics: &[Diagnostic], severity: Severity) -> BTreeSet<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.code.to_string())
        .collect()
}

fn list(codes: &BTreeSet<String>) -> String {
    if codes.is_empty() {
        "none".to_string()
    } else {
        codes.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

#[test]
fn examples_check() {
    let mut problems = Vec::new();
    let mut count = 0;
    for (chapter, text) in chapters() {
        for example in examples(&chapter, &text, &mut problems) {
            count += 1;
            let diagnostics = match check(&example) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{} (```{}): {e}", example.place, example.info));
                    continue;
                }
            };
            let errors = codes_of(&diagnostics, Severity::Error);
            let warnings = codes_of(&diagnostics, Severity::Warning);
            // An example of an error, and a fragment, are about their errors: warnings beside
            // them are ignored, except those the block names. A complete example is exact.
            let about_errors = example.fragment || !example.errors.is_empty();
            let ok = if about_errors {
                errors == example.errors && example.warnings.is_subset(&warnings)
            } else {
                errors.is_empty() && warnings == example.warnings
            };
            if ok {
                continue;
            }
            let mut report = format!(
                "{} (```{}): expected errors: {}; warnings: {}{}; the compiler reported:",
                example.place,
                example.info,
                list(&example.errors),
                list(&example.warnings),
                if about_errors {
                    " (others ignored)"
                } else {
                    ""
                },
            );
            if diagnostics.is_empty() {
                report.push_str(" nothing");
            }
            for d in &diagnostics {
                report.push('\n');
                report.push_str(&render(&example, d));
            }
            problems.push(report);
        }
    }
    assert!(count > 0, "the book has no ```holo examples");
    if !problems.is_empty() {
        for p in &problems {
            println!("{p}\n");
        }
        panic!(
            "{} of the book's {count} examples (or their markup) are wrong; see above. The options of ```holo blocks are described at the top of holo-compiler/tests/book.rs.",
            problems.len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------

#[test]
fn summary_and_links_point_at_existing_chapters_and_headings() {
    let chapters = chapters();
    let by_path: BTreeMap<&str, BTreeSet<String>> = chapters
        .iter()
        .map(|(p, t)| (p.as_str(), anchors(&fences(t).1)))
        .collect();
    let mut problems = Vec::new();

    let summary = chapters
        .iter()
        .find(|(p, _)| p == "SUMMARY.md")
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("book/src/SUMMARY.md is missing"));
    let listed: BTreeSet<String> = links(&fences(summary).1)
        .into_iter()
        .map(|(_, target)| target)
        .collect();
    for (path, _) in &chapters {
        if path != "SUMMARY.md" && !listed.contains(path) {
            problems.push(format!(
                "{path} is not listed in SUMMARY.md, so readers cannot reach it"
            ));
        }
    }

    for (path, text) in &chapters {
        let dir = Path::new(path).parent().unwrap_or(Path::new(""));
        for (line, target) in links(&fences(text).1) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let resolved = if file.is_empty() {
                path.clone()
            } else {
                normalize(&dir.join(file))
            };
            match by_path.get(resolved.as_str()) {
                None => problems.push(format!(
                    "{path}:{line}: the link `{target}` points at `{resolved}`, which is not a chapter of the book"
                )),
                Some(headings) => {
                    if let Some(a) = fragment
                        && !headings.contains(a)
                    {
                        problems.push(format!(
                            "{path}:{line}: the link `{target}` points at `#{a}`, but `{resolved}` has no heading with that anchor"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken structure of the book:\n{}",
        problems.join("\n")
    );
}

/// `a/../b.md` → `b.md`, with `/` separators.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[test]
fn diagnostics_chapter_documents_every_code() {
    let chapters = chapters();
    let text = chapters
        .iter()
        .find(|(p, _)| p == "diagnostics.md")
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("book/src/diagnostics.md is missing"));
    let (blocks, prose) = fences(text);
    let headings = anchors(&prose);
    let mut with_example: BTreeSet<String> = BTreeSet::new();
    for block in &blocks {
        if let Some(Ok(o)) = holo_options(&block.info) {
            with_example.extend(o.errors);
            with_example.extend(o.warnings);
        }
    }
    let known: BTreeSet<&str> = codes::ALL.iter().map(|(c, _)| *c).collect();
    let mut problems = Vec::new();
    for code in &known {
        let id = code.to_ascii_lowercase();
        if !headings.contains(&id) {
            problems.push(format!("{code} has no `### {code}` section"));
        }
        if !text.contains(&format!("[{code}](#{id})")) {
            problems.push(format!("{code} is missing from the table at the top"));
        }
        let exempt = CODES_WITHOUT_EXAMPLE.iter().any(|(c, _)| c == code);
        if !exempt && !with_example.contains(*code) {
            problems.push(format!(
                "{code} has no example (a ```holo block marked `error={code}` or `warning={code}`)"
            ));
        }
    }
    for id in &headings {
        let code = id.to_ascii_uppercase();
        let looks_like_code = code.len() == 5
            && (code.starts_with('E') || code.starts_with('W'))
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if looks_like_code && !known.contains(code.as_str()) {
            problems.push(format!(
                "{code} is documented but is not in `diagnostic::codes::ALL`; the compiler cannot report it"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the diagnostics chapter is out of step with `diagnostic::codes::ALL`:\n{}",
        problems.join("\n")
    );
}

#[cfg(test)]
mod markup {
    use super::*;

    #[test]
    fn reads_fences_options_and_anchors() {
        let text = "# Title\n\n```holo,lib,error=E0308\nfn f() {}\n```\n\n  ```text\n  x\n  ```\n## `mut self` methods\n";
        let (blocks, prose) = fences(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 3);
        assert_eq!(blocks[0].code, "fn f() {}\n");
        assert_eq!(blocks[1].code, "x\n");
        let o = holo_options(&blocks[0].info).expect("holo").expect("valid");
        assert!(o.lib && o.errors.contains("E0308"));
        assert!(holo_options("text").is_none());
        assert!(holo_options("holo,ignore").expect("holo").is_err());
        assert!(holo_options("holo,lib,fragment").expect("holo").is_err());
        let a = anchors(&prose);
        assert!(a.contains("title") && a.contains("mut-self-methods"));
    }

    #[test]
    fn groups_multi_file_examples() {
        let text = "```holo,file=src/a.holo\npub fn f() {}\n```\n```holo,file=src/main.holo,warning=W0004\nuse a::f;\nfn main() {}\n```\n";
        let mut problems = Vec::new();
        let ex = examples("x.md", text, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].files.len(), 2);
        assert!(ex[0].warnings.contains("W0004"));
        let mut problems = Vec::new();
        examples("x.md", "```holo,file=src/a.holo\n```\n", &mut problems);
        assert_eq!(problems.len(), 1);
    }
}
