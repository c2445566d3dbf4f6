//! The language test suite as data: every `tests/lang/**/*.holo` file is one case, checked by the
//! real compiler in memory, with its expected diagnostics written inline as `//~` comments.
//!
//! The case format is documented for case authors in `tests/lang/README.md` (adding a case needs
//! no Rust). In short:
//!
//! - A case is one package. Without `//- file:` markers the whole case is `src/main.holo` (or
//!   `src/lib.holo` after `//- kind: lib`); with markers, each `//- file: PATH` line starts a file.
//! - `//~ E0308` at the end of a line expects a diagnostic with that code on that line;
//!   `//~^ E0308` on the line above (`^^` two above, …); `//~| E0308` on the same line as the
//!   previous line's last annotation. Text after the code is a substring that must occur in the
//!   diagnostic's message, labels or hint.
//! - Every reported diagnostic must be expected and every expectation reported (code, file and
//!   line must match exactly). A case without annotations must check with no diagnostics at all.
//!
//! Environment: `HOLO_LANG=substring` runs only the cases whose path contains the substring;
//! `HOLO_BLESS=1` rewrites the annotations of failing cases to what the compiler reports now
//! (keeping message substrings that still match). Blessing turns the compiler's opinion into the
//! test's: review the diff before committing it. `HOLO_LANG_DIR=path` runs the cases of another
//! folder (to try blessing on a scratch copy).

use holo_compiler::diagnostic::codes;
use holo_compiler::{Compiler, Diagnostic, LineIndex, Loc, PackageKind, Severity, Span};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long one case may take before it is reported as hanging (the compiler must never hang).
const CASE_TIMEOUT: Duration = Duration::from_secs(30);

/// The stack each case runs on: the size of a typical main thread, so that a case that overflows
/// here would overflow in the `holo` binary too.
const CASE_STACK_BYTES: usize = 8 * 1024 * 1024;

#[test]
fn lang() {
    let root = match std::env::var_os("HOLO_LANG_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang"),
    };
    let filter = std::env::var("HOLO_LANG").unwrap_or_default();
    let bless = std::env::var("HOLO_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");

    let mut paths = Vec::new();
    collect_cases(&root, &mut paths);
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no cases found under {}; the language tests live in `*.holo` files there",
        root.display()
    );

    let mut report = String::new();
    let mut failed: Vec<String> = Vec::new();
    let mut blessed: Vec<String> = Vec::new();
    let mut ran = 0;
    let mut annotated_codes: BTreeSet<String> = BTreeSet::new();
    for path in &paths {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.contains(&filter) {
            continue;
        }
        ran += 1;
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                let _ = writeln!(report, "FAIL {rel}\n    cannot read the case: {e}\n");
                failed.push(rel);
                continue;
            }
        };
        let case = match Case::parse(&text) {
            Ok(case) => case,
            Err(e) => {
                let _ = writeln!(report, "FAIL {rel}\n    malformed case: {e}\n");
                failed.push(rel);
                continue;
            }
        };
        annotated_codes.extend(case.all_annots().map(|r| case.annot(r).code.clone()));
        let actual = match run_case(&case) {
            Ok(actual) => actual,
            Err(e) => {
                let _ = writeln!(report, "FAIL {rel}\n    {e}\n");
                failed.push(rel);
                continue;
            }
        };
        let outcome = compare(&case, &actual);
        if outcome.is_pass() {
            continue;
        }
        if bless {
            match bless_case(&case, &actual, &outcome) {
                Ok(new_text) => {
                    if let Err(e) = std::fs::write(path, new_text) {
                        let _ = writeln!(
                            report,
                            "FAIL {rel}\n    cannot write the blessed case: {e}\n"
                        );
                        failed.push(rel);
                    } else {
                        blessed.push(rel);
                    }
                }
                Err(e) => {
                    let _ = writeln!(report, "FAIL {rel}\n    cannot bless: {e}\n");
                    let _ = write!(report, "{}", describe_failure(&case, &actual, &outcome));
                    failed.push(rel);
                }
            }
            continue;
        }
        let _ = writeln!(report, "FAIL {rel}");
        let _ = writeln!(report, "{}", describe_failure(&case, &actual, &outcome));
        failed.push(rel);
    }

    assert!(
        ran > 0,
        "HOLO_LANG={filter:?} matches no case under {}",
        root.display()
    );
    if filter.is_empty() {
        // The suite must exercise every diagnostic the compiler can report — but a fault of the
        // checker itself, which no program causes: `tests/incremental.rs` injects one.
        let untested: Vec<&str> = codes::ALL
            .iter()
            .map(|(code, _)| *code)
            .filter(|code| !annotated_codes.contains(*code) && *code != codes::INTERNAL)
            .collect();
        if !untested.is_empty() {
            let _ = writeln!(
                report,
                "FAIL (coverage)\n    no case expects these codes of `diagnostic::codes::ALL`: {}; add a case for each\n",
                untested.join(", ")
            );
            failed.push("(coverage of diagnostic codes)".to_string());
        }
    }
    if !blessed.is_empty() {
        println!(
            "HOLO_BLESS: rewrote the annotations of {} case(s) under {}; review the diff before committing:",
            blessed.len(),
            root.display()
        );
        for rel in &blessed {
            println!("    {rel}");
        }
    }
    if !failed.is_empty() {
        println!("{report}");
        println!("{} of {ran} language cases failed:", failed.len());
        for rel in &failed {
            println!("    {rel}");
        }
        panic!(
            "{} of {ran} language cases failed (report above). Fix the compiler or the case; \
             `HOLO_BLESS=1` rewrites the annotations to the compiler's output, which you must then review.",
            failed.len()
        );
    }
}

fn collect_cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("cannot list {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "holo") {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Case files
// ---------------------------------------------------------------------------------------------

/// A parsed case file.
#[derive(Debug)]
struct Case {
    kind: PackageKind,
    sections: Vec<Section>,
    /// Every line of the case file, in order.
    lines: Vec<CaseLine>,
}

/// One source file of the case.
#[derive(Debug)]
struct Section {
    /// Path relative to the package root, e.g. `src/main.holo`.
    path: String,
    /// The file's text, annotations included (they are comments), byte for byte as in the case.
    text: String,
    /// Index in [`Case::lines`] of the file's first line.
    first_line: usize,
    line_count: usize,
}

#[derive(Debug)]
struct CaseLine {
    /// The line as written, without its line break.
    raw: String,
    /// The line break that ended the line (`\n`, `\r\n`, or nothing on an unterminated last line).
    ending: String,
    /// The text before the first `//~`, or the whole line.
    code: String,
    annots: Vec<Annot>,
    /// Which section the line belongs to, if any (marker and header lines belong to none).
    section: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Anchor {
    /// `//~`
    Same,
    /// `//~^`, `//~^^`, …: that many lines up.
    Up(usize),
    /// `//~|`: the target of the previous line's last annotation.
    Prev,
}

#[derive(Clone, Debug)]
struct Annot {
    anchor: Anchor,
    code: String,
    /// The expected message substring, if given.
    message: Option<String>,
    /// Index in [`Case::lines`] of the line the annotation points at.
    target: usize,
}

/// Points at one annotation: (line index, annotation index on that line).
type AnnotRef = (usize, usize);

impl Case {
    fn parse(text: &str) -> Result<Case, String> {
        let raw_lines: Vec<&str> = text.split_inclusive('\n').collect();
        let has_markers = raw_lines
            .iter()
            .any(|l| directive(l).is_some_and(|(k, _)| k == "file"));
        let mut kind = PackageKind::Bin;
        let mut lines: Vec<CaseLine> = Vec::with_capacity(raw_lines.len());
        let mut sections: Vec<Section> = Vec::new();

        for (i, raw) in raw_lines.iter().enumerate() {
            let line_no = i + 1;
            let bare = raw.trim_end_matches('\n').trim_end_matches('\r');
            let ending = &raw[bare.len()..];
            let mut section = sections.len().checked_sub(1);
            if let Some((key, value)) = directive(raw) {
                match key {
                    "file" => {
                        if value.is_empty() || !value.ends_with(".holo") {
                            return Err(format!(
                                "line {line_no}: `//- file:` needs a path ending in `.holo`, like `//- file: src/geometry.holo`"
                            ));
                        }
                        if sections.iter().any(|s| s.path == value) {
                            return Err(format!(
                                "line {line_no}: file `{value}` appears twice in this case"
                            ));
                        }
                        sections.push(Section {
                            path: value.to_string(),
                            text: String::new(),
                            first_line: i + 1,
                            line_count: 0,
                        });
                        section = None;
                    }
                    "kind" => {
                        if has_markers && !sections.is_empty() {
                            return Err(format!(
                                "line {line_no}: `//- kind:` must come before the first `//- file:` marker"
                            ));
                        }
                        kind = match value {
                            "bin" => PackageKind::Bin,
                            "lib" => PackageKind::Lib,
                            other => {
                                return Err(format!(
                                    "line {line_no}: unknown package kind `{other}`; write `//- kind: bin` or `//- kind: lib`"
                                ));
                            }
                        };
                        if !has_markers {
                            // Without markers the directive line is part of the root file (a
                            // comment), so that case lines and file lines coincide.
                            section = Some(0);
                        }
                    }
                    other => {
                        return Err(format!(
                            "line {line_no}: unknown directive `//- {other}:`; the known ones are `//- file: PATH` and `//- kind: bin|lib`"
                        ));
                    }
                }
            } else if !has_markers {
                section = Some(0);
            } else if sections.is_empty() {
                let t = bare.trim();
                if !(t.is_empty() || t.starts_with("//")) {
                    return Err(format!(
                        "line {line_no}: code before the first `//- file:` marker; only comments may come first"
                    ));
                }
            }
            if !has_markers && sections.is_empty() && section == Some(0) {
                let path = match kind {
                    PackageKind::Bin => "src/main.holo",
                    PackageKind::Lib => "src/lib.holo",
                };
                sections.push(Section {
                    path: path.to_string(),
                    text: String::new(),
                    first_line: i,
                    line_count: 0,
                });
            }
            if let Some(s) = section {
                sections[s].text.push_str(raw);
                sections[s].line_count += 1;
            }
            let (code, annots) =
                parse_annotations(bare, i, &lines).map_err(|e| format!("line {line_no}: {e}"))?;
            if !annots.is_empty() && section.is_none() {
                return Err(format!(
                    "line {line_no}: an annotation outside any file (on a header or marker line)"
                ));
            }
            for a in &annots {
                let target_section = if a.target == i {
                    section
                } else {
                    lines[a.target].section
                };
                if target_section != section {
                    return Err(format!(
                        "line {line_no}: the annotation points above the start of its file"
                    ));
                }
            }
            lines.push(CaseLine {
                raw: bare.to_string(),
                ending: ending.to_string(),
                code,
                annots,
                section,
            });
        }
        // Without markers, `kind` may have been given after the first line made the section.
        if !has_markers && let Some(s) = sections.first_mut() {
            s.path = match kind {
                PackageKind::Bin => "src/main.holo",
                PackageKind::Lib => "src/lib.holo",
            }
            .to_string();
        }
        if sections.is_empty() {
            return Err("the case has no source text".to_string());
        }
        Ok(Case {
            kind,
            sections,
            lines,
        })
    }

    fn section_by_path(&self, path: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.path == path)
    }

    /// The index in [`Case::lines`] of line `line` (1-based) of the file at `path`.
    fn case_line(&self, path: &str, line: u32) -> Option<usize> {
        let section = self.section_by_path(path)?;
        let line = line as usize;
        (line >= 1 && line <= section.line_count).then(|| section.first_line + line - 1)
    }

    /// The file and 1-based line an index of [`Case::lines`] stands for.
    fn file_line(&self, index: usize) -> Option<(&str, u32)> {
        let s = &self.sections[self.lines.get(index)?.section?];
        Some((&s.path, (index - s.first_line + 1) as u32))
    }

    fn annot(&self, r: AnnotRef) -> &Annot {
        &self.lines[r.0].annots[r.1]
    }

    fn all_annots(&self) -> impl Iterator<Item = AnnotRef> + '_ {
        self.lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| (0..l.annots.len()).map(move |j| (i, j)))
    }
}

/// `//- key: value` at the very start of a line.
fn directive(raw: &str) -> Option<(&str, &str)> {
    let rest = raw.strip_prefix("//-")?;
    let (key, value) = rest.split_once(':')?;
    Some((key.trim(), value.trim()))
}

/// Splits a line into its code and its `//~` annotations.
fn parse_annotations(
    line: &str,
    index: usize,
    earlier: &[CaseLine],
) -> Result<(String, Vec<Annot>), String> {
    let Some(start) = line.find("//~") else {
        return Ok((line.to_string(), Vec::new()));
    };
    let code = line[..start].to_string();
    let mut annots = Vec::new();
    for part in line[start + 3..].split("//~") {
        let (anchor, rest) = if let Some(rest) = part.strip_prefix('|') {
            (Anchor::Prev, rest)
        } else {
            let ups = part.chars().take_while(|&c| c == '^').count();
            let anchor = if ups == 0 {
                Anchor::Same
            } else {
                Anchor::Up(ups)
            };
            (anchor, &part[ups..])
        };
        let rest = rest.trim();
        let (code_str, message) = match rest.split_once(char::is_whitespace) {
            Some((c, m)) => (c, Some(m.trim().to_string()).filter(|m| !m.is_empty())),
            None => (rest, None),
        };
        if !is_code(code_str) {
            return Err(format!(
                "`//~` must be followed by a diagnostic code such as `E0308` or `W0001`, found `{code_str}`"
            ));
        }
        let target = match anchor {
            Anchor::Same => index,
            Anchor::Up(n) => index
                .checked_sub(n)
                .ok_or_else(|| "the annotation points above the start of the case".to_string())?,
            Anchor::Prev => {
                let prev = index
                    .checked_sub(1)
                    .and_then(|p| earlier.get(p))
                    .and_then(|l| l.annots.last())
                    .ok_or_else(|| {
                        "`//~|` needs an annotation on the line before it".to_string()
                    })?;
                prev.target
            }
        };
        annots.push(Annot {
            anchor,
            code: code_str.to_string(),
            message,
            target,
        });
    }
    Ok((code, annots))
}

fn is_code(s: &str) -> bool {
    s.len() == 5
        && (s.starts_with('E') || s.starts_with('W'))
        && s[1..].bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

/// One diagnostic the compiler reported, located in the case.
#[derive(Debug)]
struct Actual {
    file: String,
    /// 1-based; 0 when the location could not be resolved to a line of the case.
    line: u32,
    code: &'static str,
    message: String,
    /// Everything a user reads about the diagnostic; message substrings are searched here.
    searchable: String,
    /// Rendered like the terminal output, for the report.
    rendered: String,
}

/// Checks the case in a fresh in-memory compiler, on a thread of its own so that a panic or a
/// hang is reported for this case instead of ending the whole run.
fn run_case(case: &Case) -> Result<Vec<Actual>, String> {
    let kind = case.kind;
    let files: Vec<(String, String)> = case
        .sections
        .iter()
        .map(|s| (s.path.clone(), s.text.clone()))
        .collect();
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("lang-case".to_string())
        .stack_size(CASE_STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(move || {
                let mut compiler = Compiler::new(kind);
                for (path, text) in &files {
                    compiler.set_file(path, text);
                }
                compiler.check().diagnostics
            });
            let _ = tx.send(result.map_err(|payload| panic_message(payload.as_ref())));
        });
    if let Err(e) = spawned {
        return Err(format!("cannot start a thread for the case: {e}"));
    }
    let diagnostics = match rx.recv_timeout(CASE_TIMEOUT) {
        Ok(Ok(diagnostics)) => diagnostics,
        Ok(Err(message)) => return Err(format!("the compiler panicked: {message}")),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            return Err(format!(
                "the compiler did not finish within {} s (a hang?)",
                CASE_TIMEOUT.as_secs()
            ));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            return Err("the compiler thread ended without a result".to_string());
        }
    };
    Ok(diagnostics.iter().map(|d| locate(case, d)).collect())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// The file and 1-based line and column of a label, if it points into a file of the case. A
/// position at the very end of a file that ends with a line break counts as the last line, so
/// that "unexpected end of file" errors can be annotated.
fn position(case: &Case, loc: &Loc) -> Option<(String, u32, u32)> {
    let Loc::File { path, span } = loc else {
        return None;
    };
    let section = case.section_by_path(path)?;
    let (line, col) = line_col(&section.text, *span);
    let line = line.min(section.line_count.max(1) as u32);
    Some((path.to_string(), line, col))
}

fn line_col(text: &str, span: Span) -> (u32, u32) {
    LineIndex::new(text).line_col(text, span.start)
}

fn locate(case: &Case, d: &Diagnostic) -> Actual {
    let (file, line) = match (&d.primary.loc, position(case, &d.primary.loc)) {
        (_, Some((file, line, _))) => (file, line),
        (Loc::File { path, .. }, None) => (path.to_string(), 0),
        (_, None) => ("<unresolved location>".to_string(), 0),
    };
    let mut searchable = d.message.clone();
    for label in std::iter::once(&d.primary).chain(&d.secondary) {
        searchable.push('\n');
        searchable.push_str(&label.message);
    }
    if let Some(hint) = &d.hint {
        searchable.push('\n');
        searchable.push_str(hint);
    }
    Actual {
        file,
        line,
        code: d.code,
        message: d.message.clone(),
        searchable,
        rendered: render(case, d),
    }
}

/// A compact rustc-like rendering, indented for the report.
fn render(case: &Case, d: &Diagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("        {severity}[{}]: {}\n", d.code, d.message);
    let mut label = |prefix: &str, loc: &Loc, message: &str| {
        let place = match (loc, position(case, loc)) {
            (_, Some((file, line, col))) => format!("{file}:{line}:{col}"),
            (Loc::File { path, span }, None) => {
                format!("{path} bytes {}..{}", span.start, span.end)
            }
            (other, None) => format!("{other:?}"),
        };
        let sep = if message.is_empty() { "" } else { ": " };
        let _ = writeln!(out, "          {prefix} {place}{sep}{message}");
    };
    label("-->", &d.primary.loc, &d.primary.message);
    for s in &d.secondary {
        label("...", &s.loc, &s.message);
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(out, "          hint: {hint}");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Outcome {
    /// Annotations reported with the right code and line but without their message substring,
    /// with the diagnostic they were paired with.
    wrong_message: Vec<(AnnotRef, usize)>,
    /// Annotations nothing was reported for.
    missing: Vec<AnnotRef>,
    /// Indices of reported diagnostics no annotation expects.
    unexpected: Vec<usize>,
}

impl Outcome {
    fn is_pass(&self) -> bool {
        self.wrong_message.is_empty() && self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Pairs annotations with diagnostics: first annotations with a message (so that they claim the
/// diagnostic whose text they name), then those without, then leftovers with the right code and
/// line but the wrong text.
fn compare(case: &Case, actual: &[Actual]) -> Outcome {
    let mut used = vec![false; actual.len()];
    let mut pending: Vec<AnnotRef> = Vec::new();
    let annots: Vec<AnnotRef> = case.all_annots().collect();
    let same_place = |r: AnnotRef, a: &Actual| {
        let annot = case.annot(r);
        case.file_line(annot.target) == Some((a.file.as_str(), a.line)) && annot.code == a.code
    };
    for pass in 0..2 {
        for &r in &annots {
            let annot = case.annot(r);
            if (pass == 0) != annot.message.is_some() {
                continue;
            }
            let found = actual.iter().enumerate().position(|(k, a)| {
                !used[k]
                    && same_place(r, a)
                    && annot
                        .message
                        .as_ref()
                        .is_none_or(|m| a.searchable.contains(m.as_str()))
            });
            match found {
                Some(k) => used[k] = true,
                None => pending.push(r),
            }
        }
    }
    let mut outcome = Outcome::default();
    for r in pending {
        let found = actual
            .iter()
            .enumerate()
            .position(|(k, a)| !used[k] && same_place(r, a));
        match found {
            Some(k) => {
                used[k] = true;
                outcome.wrong_message.push((r, k));
            }
            None => outcome.missing.push(r),
        }
    }
    outcome.missing.sort();
    outcome.unexpected = (0..actual.len()).filter(|&k| !used[k]).collect();
    outcome
}

fn describe_failure(case: &Case, actual: &[Actual], outcome: &Outcome) -> String {
    let mut out = String::new();
    let place = |index: usize| match case.file_line(index) {
        Some((file, line)) if line as usize == index + 1 => format!("{file}:{line}"),
        Some((file, line)) => format!("{file}:{line} (case line {})", index + 1),
        None => format!("case line {}", index + 1),
    };
    // The code of a line (without its annotations), to show what the line is.
    let source = |index: usize| {
        let code = case.lines.get(index).map_or("", |l| l.code.trim());
        if code.len() > 100 {
            format!("        | {}…\n", &code[..code.floor_char_boundary(100)])
        } else {
            format!("        | {code}\n")
        }
    };
    for &r in &outcome.missing {
        let a = case.annot(r);
        let message = a
            .message
            .as_ref()
            .map(|m| format!(" containing {m:?}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    missing:    {} {}{message} at {} — the compiler reported nothing like it there",
            severity_of(&a.code),
            a.code,
            place(a.target)
        );
        out.push_str(&source(a.target));
    }
    for &(r, k) in &outcome.wrong_message {
        let a = case.annot(r);
        let _ = writeln!(
            out,
            "    wrong text: {} at {} should contain {:?}; the compiler said:",
            a.code,
            place(a.target),
            a.message.as_deref().unwrap_or_default()
        );
        out.push_str(&actual[k].rendered);
    }
    for &k in &outcome.unexpected {
        let a = &actual[k];
        let index = case.case_line(&a.file, a.line);
        let where_ = match index {
            Some(index) => place(index),
            None => format!("{}:{}", a.file, a.line),
        };
        let _ = writeln!(out, "    unexpected: {} at {where_}:", a.code);
        if let Some(index) = index {
            out.push_str(&source(index));
        }
        out.push_str(&a.rendered);
    }
    out
}

fn severity_of(code: &str) -> &'static str {
    if code.starts_with('W') {
        "warning"
    } else {
        "error"
    }
}

// ---------------------------------------------------------------------------------------------
// Blessing
// ---------------------------------------------------------------------------------------------

/// The case's text with its annotations rewritten to match `actual`: stale annotations removed,
/// wrong message substrings replaced by the reported message, unexpected diagnostics annotated at
/// the end of their line. Lines that need no change are kept byte for byte.
fn bless_case(case: &Case, actual: &[Actual], outcome: &Outcome) -> Result<String, String> {
    let mut annots: Vec<Vec<Option<Annot>>> = case
        .lines
        .iter()
        .map(|l| l.annots.iter().cloned().map(Some).collect())
        .collect();
    let mut changed = vec![false; case.lines.len()];
    for &(r, k) in &outcome.wrong_message {
        if let Some(a) = annots[r.0][r.1].as_mut() {
            a.message = Some(actual[k].message.clone());
        }
        changed[r.0] = true;
    }
    for &r in &outcome.missing {
        annots[r.0][r.1] = None;
        changed[r.0] = true;
    }
    for &k in &outcome.unexpected {
        let a = &actual[k];
        let index = case.case_line(&a.file, a.line).ok_or_else(|| {
            format!(
                "{} is reported at {}:{}, which is not a line of the case",
                a.code, a.file, a.line
            )
        })?;
        annots[index].push(Some(Annot {
            anchor: Anchor::Same,
            code: a.code.to_string(),
            message: Some(a.message.clone()).filter(|m| !m.is_empty()),
            target: index,
        }));
        changed[index] = true;
    }
    // A `//~|` whose previous line lost its last annotation would now point elsewhere: spell
    // its target out as `//~^…` instead.
    for i in 0..annots.len() {
        let prev_target = i
            .checked_sub(1)
            .and_then(|p| annots[p].iter().flatten().last())
            .map(|a| a.target);
        for a in annots[i].iter_mut().flatten() {
            if a.anchor == Anchor::Prev && prev_target != Some(a.target) {
                a.anchor = match i - a.target {
                    0 => Anchor::Same,
                    n => Anchor::Up(n),
                };
                changed[i] = true;
            }
        }
    }

    let mut out = String::new();
    for (i, line) in case.lines.iter().enumerate() {
        if changed[i] {
            let kept: Vec<String> = annots[i].iter().flatten().map(format_annot).collect();
            let code = line.code.trim_end();
            match (code.is_empty(), kept.is_empty()) {
                // An annotation-only line that lost its annotations stays as an empty line, so
                // that no other line moves.
                (true, true) => {}
                // An annotation-only line keeps its indentation.
                (true, false) => {
                    out.push_str(&line.code);
                    out.push_str(&kept.join(" "));
                }
                (false, true) => out.push_str(code),
                (false, false) => {
                    out.push_str(code);
                    out.push(' ');
                    out.push_str(&kept.join(" "));
                }
            }
        } else {
            out.push_str(&line.raw);
        }
        out.push_str(&line.ending);
    }
    Ok(out)
}

fn format_annot(a: &Annot) -> String {
    let anchor = match a.anchor {
        Anchor::Same => String::new(),
        Anchor::Up(n) => "^".repeat(n),
        Anchor::Prev => "|".to_string(),
    };
    match &a.message {
        Some(m) => format!("//~{anchor} {} {m}", a.code),
        None => format!("//~{anchor} {}", a.code),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests of the harness itself
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod harness {
    use super::*;

    #[test]
    fn parses_single_file_cases_with_directives_as_comments() {
        let case = Case::parse("//- kind: lib\nfn f() -> i64 { \"a\" } //~ E0308 mismatched\n")
            .expect("valid case");
        assert_eq!(case.kind, PackageKind::Lib);
        assert_eq!(case.sections.len(), 1);
        assert_eq!(case.sections[0].path, "src/lib.holo");
        assert_eq!(case.sections[0].line_count, 2);
        let a = &case.lines[1].annots[0];
        assert_eq!(
            (a.code.as_str(), a.message.as_deref()),
            ("E0308", Some("mismatched"))
        );
        assert_eq!(case.file_line(a.target), Some(("src/lib.holo", 2)));
    }

    #[test]
    fn parses_sections_and_anchors() {
        let text = "// header\n//- file: src/a.holo\npub fn f() {}\n//- file: src/main.holo\nfn main() {\n    x;\n    //~^ E0425\n    //~| W0001 unused //~ E0001\n}\n";
        let case = Case::parse(text).expect("valid case");
        assert_eq!(case.sections.len(), 2);
        assert_eq!(case.sections[0].text, "pub fn f() {}\n");
        assert_eq!(case.sections[1].path, "src/main.holo");
        let targets: Vec<_> = case
            .all_annots()
            .map(|r| {
                (
                    case.annot(r).code.clone(),
                    case.file_line(case.annot(r).target),
                )
            })
            .collect();
        assert_eq!(
            targets,
            vec![
                ("E0425".to_string(), Some(("src/main.holo", 2))),
                ("W0001".to_string(), Some(("src/main.holo", 2))),
                ("E0001".to_string(), Some(("src/main.holo", 4))),
            ]
        );
    }

    #[test]
    fn rejects_malformed_cases() {
        assert!(Case::parse("fn main() {} //~ mismatched\n").is_err());
        assert!(Case::parse("//~^ E0308\n").is_err());
        assert!(Case::parse("fn x() {}\n//- file: src/main.holo\nfn main() {}\n").is_err());
        assert!(Case::parse("//- colour: blue\nfn main() {}\n").is_err());
        assert!(Case::parse("//- file: src/a.rs\nfn main() {}\n").is_err());
    }

    fn actual(file: &str, line: u32, code: &'static str, message: &str) -> Actual {
        Actual {
            file: file.to_string(),
            line,
            code,
            message: message.to_string(),
            searchable: message.to_string(),
            rendered: String::new(),
        }
    }

    #[test]
    fn compares_and_blesses() {
        let text = "fn main() {\n    let x: i64 = \"a\"; //~ E0308 wrong words\n    y; //~ E0425\n    z;\n}\n";
        let case = Case::parse(text).expect("valid case");
        let reported = vec![
            actual("src/main.holo", 2, "E0308", "mismatched types"),
            actual("src/main.holo", 4, "E0425", "cannot find value `z`"),
        ];
        let outcome = compare(&case, &reported);
        assert_eq!(outcome.wrong_message.len(), 1);
        assert_eq!(outcome.missing.len(), 1);
        assert_eq!(outcome.unexpected, vec![1]);
        let blessed = bless_case(&case, &reported, &outcome).expect("blessable");
        assert_eq!(
            blessed,
            "fn main() {\n    let x: i64 = \"a\"; //~ E0308 mismatched types\n    y;\n    z; //~ E0425 cannot find value `z`\n}\n"
        );
        let again = Case::parse(&blessed).expect("valid case");
        assert!(compare(&again, &reported).is_pass());
    }

    #[test]
    fn messages_pick_their_own_diagnostic() {
        let text = "fn main() {} //~ E0308 second //~ E0308\n";
        let case = Case::parse(text).expect("valid case");
        let reported = vec![
            actual("src/main.holo", 1, "E0308", "first"),
            actual("src/main.holo", 1, "E0308", "second"),
        ];
        assert!(compare(&case, &reported).is_pass());
    }
}
