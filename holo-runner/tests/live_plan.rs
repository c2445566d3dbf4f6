//! Patch decisions as data: every `tests/live_plan/*.holo` holds a program before and after a
//! save (`// --- before`, `// --- after`, each the whole `src/main.holo`) and, on its first
//! line, the decision `holo_runner::live::plan::plan` must make:
//!
//! ```text
//! // expect: patch label, bump        (the patched functions, in key order)
//! // expect: restart layout Counter   (restart, the reason's kind and subject)
//! // expect: positions-only
//! // expect: unchanged
//! ```
//!
//! Adding a case is adding a file. `HOLO_BLESS=1` rewrites the expectation lines.

use holo_compiler::cache::function_fingerprint;
use holo_compiler::fingerprint::constant_fingerprints;
use holo_compiler::ir::Program;
use holo_compiler::{Compiler, PackageKind};
use holo_runner::live::plan::{Base, Decision, Version, plan};
use std::collections::BTreeMap;
use std::path::Path;

struct Lowered {
    program: Program,
    fingerprints: BTreeMap<String, holo_compiler::fingerprint::Fingerprint>,
    constants: BTreeMap<String, holo_compiler::fingerprint::Fingerprint>,
}

fn lower(case: &str, text: &str) -> Lowered {
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_file("src/main.holo", text);
    let program = compiler.lower().unwrap_or_else(|e| {
        panic!(
            "{case}: the program does not compile: {e}: {:#?}",
            compiler.check().diagnostics
        )
    });
    let fingerprints = program
        .functions
        .iter()
        .map(|f| (f.key.clone(), function_fingerprint(f)))
        .collect();
    let constants = constant_fingerprints(compiler.db());
    Lowered {
        program,
        fingerprints,
        constants,
    }
}

impl Lowered {
    fn version(&self) -> Version<'_> {
        Version {
            program: &self.program,
            fingerprints: &self.fingerprints,
            constants: &self.constants,
        }
    }
}

fn describe(decision: &Decision) -> String {
    match decision {
        Decision::Unchanged => "unchanged".to_string(),
        Decision::PositionsOnly => "positions-only".to_string(),
        Decision::Patch { functions } => format!("patch {}", functions.join(", ")),
        Decision::Restart(reason) => format!("restart {} {}", reason.kind(), reason.subject()),
    }
}

#[test]
fn patch_decisions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live_plan");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("the live_plan folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "holo"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "the cases are missing from {}",
        dir.display()
    );
    let bless = std::env::var_os("HOLO_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for path in paths {
        let case = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("a readable case");
        let (first, rest) = text.split_once('\n').expect("an expectation line");
        let expected = first
            .strip_prefix("// expect: ")
            .unwrap_or_else(|| panic!("{case}: the first line must be `// expect: DECISION`"));
        let (_, versions) = rest
            .split_once("// --- before\n")
            .unwrap_or_else(|| panic!("{case}: no `// --- before` line"));
        let (before, after) = versions
            .split_once("// --- after\n")
            .unwrap_or_else(|| panic!("{case}: no `// --- after` line"));
        let (old, new) = (lower(&case, before), lower(&case, after));
        let got = describe(&plan(&Base::of(old.version()), new.version()));
        if got != expected {
            if bless {
                std::fs::write(&path, format!("// expect: {got}\n{rest}")).expect("writable");
            } else {
                failures.push(format!("{case}: expected `{expected}`, got `{got}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
