//! holo-bench-gen: writes the same synthetic program in holo, Rust and Go, for benchmarks that
//! compare holo with cargo and go, and says which one-body edit to make for re-check timings.
//!
//! ```text
//! holo-bench-gen --lines N --out DIR [--lang holo|rust|go|all] [--seed S] [--edit-target mNNN::fK]
//! ```
//!
//! `DIR/holo` is a holo package, `DIR/rust` a cargo package, `DIR/go` a Go module; `DIR/workload.json`
//! records their sizes, the expected output of `main`, and the edit (file, anchor, old and new
//! line per language) together with how many tests can observe it.

mod model;
mod render;

use model::{FUNCTIONS_PER_MODULE, FnRef, Program};
use render::{Lang, Naming};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: holo-bench-gen --lines N --out DIR [--lang holo|rust|go|all] [--seed S] [--edit-target mNNN::fK]

Writes the same synthetic program in holo (DIR/holo), Rust (DIR/rust) and Go (DIR/go):
modules of 50 functions calling functions of earlier modules, a struct per module, a unit test
per 10 functions, and a main. N is the approximate number of lines of the holo version.
Also writes DIR/workload.json and prints a one-body edit of --edit-target (default: the function
the most tests can reach) for re-check benchmarks.";

/// A file in the output folder that marks a language folder as ours, so that regenerating may
/// delete it (and only it) first.
const MARKER: &str = ".holo-bench-gen";

struct Options {
    lines: usize,
    out: PathBuf,
    langs: Vec<Lang>,
    seed: u64,
    edit_target: Option<FnRef>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_args(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut lines = None;
    let mut out = None;
    let mut langs = Lang::ALL.to_vec();
    let mut seed = 1;
    let mut edit_target = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--lines" => {
                let v = value()?;
                let n: usize = v
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("`--lines {v}` is not a number of lines"))?;
                if !(100..=10_000_000).contains(&n) {
                    return Err(format!("`--lines {n}` must be between 100 and 10000000"));
                }
                lines = Some(n);
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--lang" => {
                langs = match value()?.as_str() {
                    "all" => Lang::ALL.to_vec(),
                    "holo" => vec![Lang::Holo],
                    "rust" => vec![Lang::Rust],
                    "go" => vec![Lang::Go],
                    other => {
                        return Err(format!(
                            "`--lang {other}` is not one of holo, rust, go, all"
                        ));
                    }
                }
            }
            "--seed" => {
                let v = value()?;
                seed = v
                    .parse()
                    .map_err(|_| format!("`--seed {v}` is not a non-negative integer"))?;
            }
            "--edit-target" => edit_target = Some(parse_target(value()?)?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Options {
        lines: lines.ok_or("`--lines N` is required")?,
        out: out.ok_or("`--out DIR` is required")?,
        langs,
        seed,
        edit_target,
    })
}

/// `m007::f17` (any number of digits) → module 7, function 17.
fn parse_target(text: &str) -> Result<FnRef, String> {
    let bad = || format!("`--edit-target {text}` is not of the form mNNN::fK (e.g. m003::f17)");
    let (module, function) = text.split_once("::").ok_or_else(bad)?;
    let module: usize = module
        .strip_prefix('m')
        .and_then(|m| m.parse().ok())
        .ok_or_else(bad)?;
    let index: usize = function
        .strip_prefix('f')
        .and_then(|f| f.parse().ok())
        .ok_or_else(bad)?;
    if module == 0 || index >= FUNCTIONS_PER_MODULE {
        return Err(format!(
            "`--edit-target {text}`: modules are numbered from 1 and functions from f0 to f{}",
            FUNCTIONS_PER_MODULE - 1
        ));
    }
    Ok(FnRef { module, index })
}

fn run(options: &Options) -> Result<(), String> {
    // Grow the program a module at a time until the holo version reaches the requested size
    // (counting the lines `main` will need: one per module plus a few).
    let mut holo_lines = 0;
    let program = model::generate(options.seed, |modules| {
        let naming = Naming::for_module_count(modules.len());
        let last = &modules[modules.len() - 1];
        holo_lines += render::module_file(Lang::Holo, &naming, modules, last)
            .lines()
            .count();
        holo_lines + modules.len() + 8 < options.lines
    });
    let naming = Naming::for_module_count(program.modules.len());

    let target = match options.edit_target {
        Some(t) if t.module > program.modules.len() => {
            return Err(format!(
                "--edit-target names module {}, but the workload has {} modules",
                t.module,
                program.modules.len()
            ));
        }
        Some(t) => t,
        None => most_tested_function(&program),
    };

    let mut counts = BTreeMap::new();
    for &lang in &options.langs {
        let root = options.out.join(lang.name());
        prepare_folder(&root)?;
        let lines = write_package(lang, &naming, &program, &root)?;
        counts.insert(lang.name(), lines);
    }

    let edit = edit_spec(&naming, &program, target);
    let reaching = program.tests_reaching(target);
    let json = workload_json(&program, &naming, &counts, target, reaching, &edit, options);
    write(&options.out.join("workload.json"), &json)?;

    let tests = program.tests().count();
    println!(
        "{} modules x {FUNCTIONS_PER_MODULE} functions, {tests} tests, seed {}; main prints `checksum {}`",
        program.modules.len(),
        options.seed,
        program.checksum
    );
    for (lang, lines) in &counts {
        println!(
            "  {lang:<4} {lines:>7} lines in {}",
            options.out.join(lang).display()
        );
    }
    println!(
        "edit target {}::{} (reached by {reaching} of {tests} tests):",
        naming.module(target.module),
        naming.function(Lang::Holo, target.index)
    );
    for &lang in &options.langs {
        let e = &edit[&lang.name()];
        println!("  {:<4} {} after `{}`:", lang.name(), e.file, e.anchor);
        println!("       - {}", e.old.trim_start());
        println!("       + {}", e.new.trim_start());
    }
    println!("details: {}", options.out.join("workload.json").display());
    Ok(())
}

/// The function the most tests can reach (the first such, in module order): an edit there is
/// the most interesting for `holo test --affected`.
fn most_tested_function(program: &Program) -> FnRef {
    let mut counts: BTreeMap<FnRef, usize> = BTreeMap::new();
    for test in program.tests() {
        for f in program.reach(test.target) {
            *counts.entry(f).or_default() += 1;
        }
    }
    let best = counts.values().copied().max().unwrap_or(0);
    counts
        .into_iter()
        .find(|&(_, n)| n == best)
        .map(|(f, _)| f)
        .unwrap_or(FnRef {
            module: 1,
            index: 0,
        })
}

/// Empties a language folder from an earlier run, but only if the marker says we made it.
fn prepare_folder(root: &Path) -> Result<(), String> {
    if root.exists() {
        if !root.join(MARKER).exists() {
            let non_empty = std::fs::read_dir(root)
                .map_err(|e| format!("cannot read {}: {e}", root.display()))?
                .next()
                .is_some();
            if non_empty {
                return Err(format!(
                    "{} exists and was not written by holo-bench-gen; choose another --out",
                    root.display()
                ));
            }
        }
        std::fs::remove_dir_all(root)
            .map_err(|e| format!("cannot remove the old workload {}: {e}", root.display()))?;
    }
    std::fs::create_dir_all(root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    write(
        &root.join(MARKER),
        "written by holo-bench-gen; regenerating deletes this folder\n",
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes one language's package and returns its number of source lines.
fn write_package(
    lang: Lang,
    naming: &Naming,
    program: &Program,
    root: &Path,
) -> Result<usize, String> {
    let mut files: Vec<(String, String)> = Vec::new();
    match lang {
        Lang::Holo => {
            files.push((
                "holo.toml".into(),
                "[package]\nname = \"bench\"\nversion = \"0.1.0\"\nedition = \"2026\"\n".into(),
            ));
            files.push((
                "src/main.holo".into(),
                render::main_file(lang, naming, &program.modules),
            ));
        }
        Lang::Rust => {
            // The empty `[workspace]` makes the package its own workspace even when the output
            // folder lies inside another one (bench/out is inside holo's).
            files.push((
                "Cargo.toml".into(),
                "[package]\nname = \"bench\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [dependencies]\n\n[workspace]\n"
                    .into(),
            ));
            files.push((
                "src/main.rs".into(),
                render::main_file(lang, naming, &program.modules),
            ));
        }
        Lang::Go => {
            files.push(("go.mod".into(), "module bench\n\ngo 1.19\n".into()));
            files.push((
                "main.go".into(),
                render::main_file(lang, naming, &program.modules),
            ));
        }
    }
    for module in &program.modules {
        let path = naming.module_file(lang, module.number);
        files.push((
            path,
            render::module_file(lang, naming, &program.modules, module),
        ));
        if lang == Lang::Go {
            let m = naming.module(module.number);
            files.push((
                format!("{m}/{m}_test.go"),
                render::go_test_file(naming, module),
            ));
        }
    }
    let mut lines = 0;
    for (path, text) in &files {
        if !path.ends_with(".toml") && !path.ends_with(".mod") {
            lines += text.lines().count();
        }
        write(&root.join(path), text)?;
    }
    Ok(lines)
}

/// A one-body edit in one language: in `file`, replace the first line equal to `old` after the
/// line containing `anchor` by `new` (or back). Both versions compile and return the same values,
/// so tests keep passing while every compiler must re-check the body.
struct Edit {
    file: String,
    anchor: String,
    old: String,
    new: String,
}

fn edit_spec(naming: &Naming, program: &Program, target: FnRef) -> BTreeMap<&'static str, Edit> {
    let f = program.function(target);
    Lang::ALL
        .iter()
        .map(|&lang| {
            let lines = render::function_lines(lang, naming, &program.modules, f);
            // The returned expression is the second-to-last line (see `function_lines`).
            let old = lines[lines.len() - 2].clone();
            let new = format!("{old} + 0");
            let edit = Edit {
                file: naming.module_file(lang, target.module),
                anchor: naming.definition_anchor(lang, target.index),
                old,
                new,
            };
            (lang.name(), edit)
        })
        .collect()
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn workload_json(
    program: &Program,
    naming: &Naming,
    counts: &BTreeMap<&str, usize>,
    target: FnRef,
    reaching: usize,
    edit: &BTreeMap<&str, Edit>,
    options: &Options,
) -> String {
    let mut j = String::new();
    let _ = writeln!(j, "{{");
    let _ = writeln!(j, "  \"seed\": {},", options.seed);
    let _ = writeln!(j, "  \"requested_lines\": {},", options.lines);
    let _ = writeln!(j, "  \"modules\": {},", program.modules.len());
    let _ = writeln!(
        j,
        "  \"functions\": {},",
        program.modules.len() * FUNCTIONS_PER_MODULE
    );
    let _ = writeln!(j, "  \"tests\": {},", program.tests().count());
    let _ = writeln!(
        j,
        "  \"expected_output\": {},",
        json_string(&format!("checksum {}", program.checksum))
    );
    let lines: Vec<String> = counts
        .iter()
        .map(|(lang, n)| format!("{}: {n}", json_string(lang)))
        .collect();
    let _ = writeln!(j, "  \"lines\": {{{}}},", lines.join(", "));
    let _ = writeln!(j, "  \"edit\": {{");
    let _ = writeln!(
        j,
        "    \"target\": {},",
        json_string(&format!(
            "{}::{}",
            naming.module(target.module),
            naming.function(Lang::Holo, target.index)
        ))
    );
    let _ = writeln!(j, "    \"tests_reaching\": {reaching},");
    let entries: Vec<String> = edit
        .iter()
        .map(|(lang, e)| {
            format!(
                "    {}: {{\"file\": {}, \"anchor\": {}, \"old\": {}, \"new\": {}}}",
                json_string(lang),
                json_string(&e.file),
                json_string(&e.anchor),
                json_string(&e.old),
                json_string(&e.new)
            )
        })
        .collect();
    let _ = writeln!(j, "{}", entries.join(",\n"));
    let _ = writeln!(j, "  }}");
    let _ = writeln!(j, "}}");
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            parse_target("m007::f17"),
            Ok(FnRef {
                module: 7,
                index: 17
            })
        );
        assert_eq!(
            parse_target("m12::f0"),
            Ok(FnRef {
                module: 12,
                index: 0
            })
        );
        for bad in ["m0::f1", "m1::f50", "m1:f1", "x1::f1", "m1::g1", "m1::f"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\td\n"), "\"a\\\"b\\\\c\\td\\n\"");
    }
}
