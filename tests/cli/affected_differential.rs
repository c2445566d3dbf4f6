//! The proof that `holo test --affected` can be trusted, through the real binary and fresh
//! processes: randomized differential tests and mutation safety on generated packages
//! (`holo_tests::random_project`).
//!
//! **Differential.** A generated package goes through a random sequence of edits. After every
//! step, in the package's folder with a warm project state and a warm `HOLO_HOME` (shared by
//! every seed, so that results of one package must never answer for another),
//! `holo check --message-format json` and `holo test --affected --message-format json` run; a
//! copy of the same files in a fresh folder with an empty `HOLO_HOME` runs
//! `holo test --message-format json`: the clean build. Diagnostics must be equal (every field),
//! and so must every test's result (`cached-passed` counts as `passed`, `cached-failed` as
//! `failed`; message, location, stack and output included) and the exit code. When a step only
//! changed whitespace, comments or the order of items in a file, and the step before compiled,
//! no test may run.
//!
//! **Mutation safety.** A generated package that compiles is recorded with `holo test`; then,
//! one at a time, a mutant changes one token (an operator, a constant, a comparison, two
//! arguments swapped, a return value). Every test that fails in a clean run of the mutant must
//! have been run by `holo test --affected`, or be a recorded failure that also fails clean:
//! zero misses. The results must also equal the clean run's in every other respect.
//!
//! **Through the daemon.** The same differential with a real daemon serving the package while
//! the files change on disk: after each step, the daemon's `holo check` and
//! `holo test --affected` (their summaries must say `served_by: daemon`), and the same commands
//! with `--no-daemon` in a fresh process, must each equal the clean build. Every edit is
//! written right before the commands, so each step also races a save against a request.
//!
//! **Values.** The oracles above compare holo with itself; a reference evaluator of the model
//! (`Project::expected_outcomes`) predicts which tests of an error-free package pass, so that a
//! wrong value (of a map in insertion order, a shift, `sort_by`, a `?` returning early…) fails
//! too.
//!
//! Sizes are bounded for CI; `HOLO_SLOW_TESTS=1` runs many more, and `HOLO_AFFECTED_SEEDS`,
//! `HOLO_AFFECTED_STEPS`, `HOLO_MUTATION_SEEDS`, `HOLO_MUTANTS`, `HOLO_EVAL_SEEDS` and
//! `HOLO_EVAL_STEPS` set them. Each test prints what it compared.

use holo_tests::random_project::{Edit, Project, Rng, mutants};
use holo_tests::{Run, Sandbox};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn slow() -> bool {
    std::env::var("HOLO_SLOW_TESTS").is_ok_and(|v| v == "1")
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A diagnostic with every field holo reports, for comparisons.
type Diagnostic = Vec<(String, Value)>;

/// One test's result as reported.
#[derive(Clone, Debug)]
struct TestReport {
    /// `passed`, `failed`, `timed-out` or `crashed` (without `cached-`).
    outcome: String,
    /// Reported from a recorded result.
    cached: bool,
    /// The `--explain` reason, when asked for.
    reason: Option<String>,
    /// Everything else but the duration: message, file, line, column, stack, output.
    details: Value,
}

/// What one `holo check`/`holo test` with `--message-format json` reported.
#[derive(Debug)]
struct Report {
    code: Option<i32>,
    /// Sorted, so that they compare as a multiset.
    diagnostics: Vec<Diagnostic>,
    /// In report order.
    tests: Vec<(String, TestReport)>,
    stdout: String,
    stderr: String,
}

impl Report {
    fn of(run: &Run) -> Report {
        let mut diagnostics = Vec::new();
        let mut tests = Vec::new();
        for event in run.json() {
            let Value::Object(mut map) = event else {
                continue;
            };
            match map.get("type").and_then(Value::as_str) {
                Some("diagnostic") => {
                    let mut fields: Diagnostic = map.into_iter().collect();
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    diagnostics.push(fields);
                }
                Some("test") => {
                    let name = map
                        .remove("name")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    let outcome = map
                        .remove("outcome")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    let reason = map
                        .remove("reason")
                        .and_then(|v| v.as_str().map(str::to_string));
                    map.remove("duration_ms");
                    map.remove("type");
                    let (outcome, cached) = match outcome.strip_prefix("cached-") {
                        Some(o) => (o.to_string(), true),
                        None => (outcome, false),
                    };
                    tests.push((
                        name,
                        TestReport {
                            outcome,
                            cached,
                            reason,
                            details: Value::Object(map),
                        },
                    ));
                }
                _ => {}
            }
        }
        diagnostics.sort_by_key(|d| format!("{d:?}"));
        Report {
            code: run.code,
            diagnostics,
            tests,
            stdout: run.stdout.clone(),
            stderr: run.stderr.clone(),
        }
    }

    fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| {
            d.iter()
                .any(|(k, v)| k == "severity" && v.as_str() == Some("error"))
        })
    }

    fn test(&self, name: &str) -> Option<&TestReport> {
        self.tests.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}

/// Differences between what a warm `holo test --affected` (and `holo check`) reported and what
/// the clean build reported; empty when they agree.
fn differences(check: &Report, warm: &Report, clean: &Report) -> Vec<String> {
    let mut out = Vec::new();
    if check.diagnostics != clean.diagnostics {
        out.push(format!(
            "`holo check` diagnostics differ\n  warm:  {:?}\n  clean: {:?}",
            check.diagnostics, clean.diagnostics
        ));
    }
    let check_code = if clean.has_errors() { 1 } else { 0 };
    if check.code != Some(check_code) {
        out.push(format!(
            "`holo check` exited with {:?}, expected {check_code}\n{}",
            check.code, check.stderr
        ));
    }
    if warm.diagnostics != clean.diagnostics {
        out.push(format!(
            "`holo test --affected` diagnostics differ\n  warm:  {:?}\n  clean: {:?}",
            warm.diagnostics, clean.diagnostics
        ));
    }
    if warm.code != clean.code {
        // The clean build's own words, for the exit codes that are not about the package (a
        // run that could not start under load is told apart from a wrong answer this way).
        out.push(format!(
            "`holo test --affected` exited with {:?}, the clean build with {:?}\n--- clean build stderr:\n{}",
            warm.code, clean.code, clean.stderr
        ));
    }
    let names = |r: &Report| r.tests.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(warm) != names(clean) {
        out.push(format!(
            "different tests reported\n  warm:  {:?}\n  clean: {:?}",
            names(warm),
            names(clean)
        ));
        return out;
    }
    for ((name, w), (_, c)) in warm.tests.iter().zip(&clean.tests) {
        if c.cached {
            out.push(format!("{name}: the clean build reported a cached result"));
        }
        if w.outcome != c.outcome || w.details != c.details {
            out.push(format!(
                "{name} ({}, {}):\n  warm:  {} {}\n  clean: {} {}",
                if w.cached { "from the record" } else { "ran" },
                w.reason.as_deref().unwrap_or("no reason"),
                w.outcome,
                w.details,
                c.outcome,
                c.details
            ));
        }
        let reason = w.reason.as_deref().unwrap_or_default();
        let expected_prefix = if w.cached { "cached: " } else { "ran: " };
        if !reason.starts_with(expected_prefix) {
            out.push(format!(
                "{name}: cached={} but the reason is {reason:?}",
                w.cached
            ));
        }
    }
    out
}

/// A package folder kept equal to a rendered project, writing only the files that changed and
/// removing the ones that went, as an editor and a file manager would.
struct Mirror {
    root: PathBuf,
    files: BTreeMap<String, String>,
}

impl Mirror {
    fn new(root: PathBuf) -> Mirror {
        std::fs::create_dir_all(&root).expect("create the package folder");
        Mirror {
            root,
            files: BTreeMap::new(),
        }
    }

    fn sync(&mut self, files: &BTreeMap<String, String>) {
        for old in self.files.keys() {
            if !files.contains_key(old) {
                let path = self.root.join(old);
                std::fs::remove_file(&path)
                    .unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
                // An empty folder under src/ would still be a module: remove it as well.
                let mut dir = path.parent();
                while let Some(d) = dir {
                    if d == self.root.join("src") || std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
        for (path, text) in files {
            if self.files.get(path) != Some(text) {
                write_file(&self.root, path, text);
            }
        }
        self.files = files.clone();
    }
}

fn write_file(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folders");
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `holo test --message-format json` on a copy of `files` in a fresh folder with an empty
/// `HOLO_HOME`.
fn clean_build(files: &BTreeMap<String, String>) -> Report {
    let sandbox = Sandbox::new();
    for (path, text) in files {
        write_file(sandbox.root(), path, text);
    }
    Report::of(&sandbox.holo(&["test", "--message-format", "json"]).run())
}

/// How the warm commands are answered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Served {
    /// In their own process (no daemon runs).
    Process,
    /// By the daemon running for the package.
    Daemon,
    /// In their own process although a daemon runs (`--no-daemon`).
    NoDaemon,
}

fn warm_command(sandbox: &Sandbox, dir: &str, args: &[&str], served: Served) -> Report {
    let mut args = args.to_vec();
    if served == Served::NoDaemon {
        args.push("--no-daemon");
    }
    let run = sandbox.holo(&args).cwd(dir).run();
    let expected = if served == Served::Daemon {
        "daemon"
    } else {
        "process"
    };
    let said = run
        .json()
        .into_iter()
        .rev()
        .find(|e| e["type"] == "summary")
        .map(|e| e["served_by"].clone());
    assert_eq!(
        said.as_ref().and_then(Value::as_str),
        Some(expected),
        "`holo {}` in {dir} was not served as expected\n{}",
        args.join(" "),
        run.stderr
    );
    Report::of(&run)
}

fn warm_check(sandbox: &Sandbox, dir: &str, served: Served) -> Report {
    warm_command(sandbox, dir, &["check", "--message-format", "json"], served)
}

fn warm_affected(sandbox: &Sandbox, dir: &str, served: Served) -> Report {
    warm_command(
        sandbox,
        dir,
        &[
            "test",
            "--affected",
            "--message-format",
            "json",
            "--explain",
        ],
        served,
    )
}

/// Stops the daemon of a package folder when dropped, so that no test leaves one running.
struct DaemonGuard<'a> {
    sandbox: &'a Sandbox,
    dir: String,
}

impl DaemonGuard<'_> {
    fn start<'a>(sandbox: &'a Sandbox, dir: &str) -> DaemonGuard<'a> {
        sandbox
            .holo(&["daemon", "start", "--idle-timeout", "600"])
            .cwd(dir)
            .run()
            .code(0);
        DaemonGuard {
            sandbox,
            dir: dir.to_string(),
        }
    }
}

impl Drop for DaemonGuard<'_> {
    fn drop(&mut self) {
        let _ = self.sandbox.holo(&["daemon", "stop"]).cwd(&self.dir).run();
    }
}

/// A failure message with the whole story: seed, step, edits, files and what differed.
fn failure(
    what: &str,
    history: &[String],
    files: &BTreeMap<String, String>,
    problems: &[String],
    warm: &Report,
) -> String {
    let mut msg = format!("{what}\nedits so far:\n");
    for (i, e) in history.iter().enumerate() {
        msg.push_str(&format!("  {i}: {e}\n"));
    }
    for (path, text) in files {
        msg.push_str(&format!("--- {path}\n{text}\n"));
    }
    msg.push_str("--- differences:\n");
    for p in problems {
        msg.push_str(&format!("{p}\n"));
    }
    msg.push_str(&format!(
        "--- warm `holo test --affected` stdout:\n{}\n--- stderr:\n{}\n",
        warm.stdout, warm.stderr
    ));
    msg
}

#[derive(Default)]
struct DiffCounts {
    steps: usize,
    compiled: usize,
    tests: usize,
    ran: usize,
    cached: usize,
    cached_failed: usize,
    layout_only: usize,
}

/// Runs the differential on `seeds` with `steps` steps each; panics at the first difference.
/// `repro_seeds` is the seed count that reproduces this run, for the failure message. With
/// `daemon`, a daemon serves each package and both its answers and `--no-daemon` answers are
/// compared.
fn differential(
    seeds: std::ops::Range<u64>,
    steps: usize,
    repro_seeds: u64,
    daemon: bool,
) -> DiffCounts {
    // One HOLO_HOME for every seed of this run.
    let sandbox = Sandbox::new();
    let mut counts = DiffCounts::default();
    for seed in seeds {
        let mut rng = Rng::new(seed);
        let mut project = Project::generate(&mut rng);
        let dir = format!("seed{seed}");
        let mut mirror = Mirror::new(sandbox.path(&dir));
        mirror.sync(&project.render());
        let _daemon = daemon.then(|| DaemonGuard::start(&sandbox, &dir));
        let mut history: Vec<String> = Vec::new();
        let mut previous_compiled = false;
        let mut edit = Edit {
            description: "generated".into(),
            layout_only: false,
        };
        for step in 0..steps {
            let files = project.render();
            mirror.sync(&files);
            let served = if daemon {
                Served::Daemon
            } else {
                Served::Process
            };
            let check = warm_check(&sandbox, &dir, served);
            let warm = warm_affected(&sandbox, &dir, served);
            let clean = clean_build(&files);
            let mut problems = differences(&check, &warm, &clean);
            if daemon {
                let check = warm_check(&sandbox, &dir, Served::NoDaemon);
                let fresh = warm_affected(&sandbox, &dir, Served::NoDaemon);
                for p in differences(&check, &fresh, &clean) {
                    problems.push(format!("with --no-daemon: {p}"));
                }
            }
            let compiled = !clean.has_errors();
            if edit.layout_only && previous_compiled && compiled {
                counts.layout_only += 1;
                let ran: Vec<&str> = warm
                    .tests
                    .iter()
                    .filter(|(_, t)| !t.cached)
                    .map(|(n, _)| n.as_str())
                    .collect();
                if !ran.is_empty() {
                    problems.push(format!(
                        "only whitespace, comments or the order of items changed, yet these tests ran: {ran:?}"
                    ));
                }
            }
            if !problems.is_empty() {
                panic!(
                    "{}",
                    failure(
                        &format!(
                            "seed {seed}, step {step}{}: `holo test --affected` differs from a clean build after `{}` \
                             (this run again: HOLO_AFFECTED_SEEDS={} HOLO_AFFECTED_STEPS={steps})",
                            if daemon { " (daemon)" } else { "" },
                            edit.description,
                            repro_seeds
                        ),
                        &history,
                        &files,
                        &problems,
                        &warm,
                    )
                );
            }
            counts.steps += 1;
            if compiled {
                counts.compiled += 1;
            }
            for (_, t) in &warm.tests {
                counts.tests += 1;
                if t.cached {
                    counts.cached += 1;
                    if t.outcome != "passed" {
                        counts.cached_failed += 1;
                    }
                } else {
                    counts.ran += 1;
                }
            }
            previous_compiled = compiled;
            // The next edit: sometimes the user fixes what is broken, sometimes changes nothing.
            edit = if !compiled && rng.chance(35) {
                project.fix();
                Edit {
                    description: "fix every error".into(),
                    layout_only: false,
                }
            } else if rng.chance(4) {
                Edit {
                    description: "no change".into(),
                    layout_only: true,
                }
            } else {
                project.edit(&mut rng)
            };
            history.push(edit.description.clone());
        }
    }
    counts
}

fn run_differential(shard: u64, shards: u64) {
    let seeds = env_usize("HOLO_AFFECTED_SEEDS", if slow() { 60 } else { 6 }) as u64;
    let steps = env_usize("HOLO_AFFECTED_STEPS", if slow() { 40 } else { 15 });
    let per = seeds.div_ceil(shards);
    let range = (shard * per).min(seeds)..((shard + 1) * per).min(seeds);
    let n = range.end - range.start;
    let c = differential(range, steps, seeds, false);
    eprintln!(
        "affected differential (shard {shard}): {n} seeds x {steps} steps = {} steps, {} of them compiled; \
         {} test results compared with a clean build ({} ran, {} from the record, {} of those recorded failures); \
         {} whitespace/comment/move-only steps ran nothing; all equal",
        c.steps, c.compiled, c.tests, c.ran, c.cached, c.cached_failed, c.layout_only,
    );
}

// Two shards, so that the two halves run in parallel.
#[test]
fn random_edits_give_the_results_of_a_clean_build_shard_0() {
    run_differential(0, 2);
}

#[test]
fn random_edits_give_the_results_of_a_clean_build_shard_1() {
    run_differential(1, 2);
}

/// The differential with a daemon serving each package: its answers and `--no-daemon` answers
/// against a clean build after every random edit.
#[test]
fn random_edits_give_the_results_of_a_clean_build_through_the_daemon() {
    let seeds = env_usize("HOLO_DAEMON_SEEDS", if slow() { 20 } else { 2 }) as u64;
    let steps = env_usize("HOLO_DAEMON_STEPS", if slow() { 40 } else { 10 });
    // Seeds of their own, so that these packages differ from the other shards'.
    let c = differential(1000..1000 + seeds, steps, seeds, true);
    eprintln!(
        "daemon differential: {seeds} seeds x {steps} steps = {} steps, {} of them compiled; \
         {} test results from the daemon compared with a clean build ({} ran, {} from the record), \
         and as many from --no-daemon; all equal",
        c.steps, c.compiled, c.tests, c.ran, c.cached,
    );
}

#[derive(Default)]
struct MutationCounts {
    mutants: usize,
    compiled: usize,
    /// Mutants that changed at least one test's outcome.
    killed: usize,
    clean_failures: usize,
    failures_ran: usize,
    failures_cached: usize,
    misses: Vec<String>,
}

#[test]
fn every_test_a_mutant_makes_fail_is_run_or_a_recorded_failure() {
    let seeds = env_usize("HOLO_MUTATION_SEEDS", if slow() { 30 } else { 4 }) as u64;
    let per_seed = env_usize("HOLO_MUTANTS", if slow() { 40 } else { 10 });
    let sandbox = Sandbox::new();
    let mut c = MutationCounts::default();
    for seed in 0..seeds {
        let mut rng = Rng::new(10_000 + seed);
        let mut project = Project::generate(&mut rng);
        for _ in 0..8 {
            let _ = project.edit(&mut rng);
        }
        project.fix();
        let files = project.render();
        let dir = format!("seed{seed}");
        let mut mirror = Mirror::new(sandbox.path(&dir));
        mirror.sync(&files);
        let baseline = Report::of(
            &sandbox
                .holo(&["test", "--message-format", "json"])
                .cwd(&dir)
                .run(),
        );
        assert!(
            !baseline.has_errors() && baseline.tests.len() == project.test_count(),
            "seed {seed}: the generated package should compile and have {} tests\n{}{}",
            project.test_count(),
            baseline.stdout,
            files
                .iter()
                .map(|(p, t)| format!("--- {p}\n{t}"))
                .collect::<String>()
        );
        let mut all = mutants(&files);
        for _ in 0..per_seed.min(all.len()) {
            let mutant = all.swap_remove(rng.below(all.len()));
            let mut mutated = files.clone();
            let text = mutant.apply(&files[&mutant.file]);
            mutated.insert(mutant.file.clone(), text);
            mirror.sync(&mutated);
            let check = warm_check(&sandbox, &dir, Served::Process);
            let warm = warm_affected(&sandbox, &dir, Served::Process);
            let clean = clean_build(&mutated);
            c.mutants += 1;
            if !clean.has_errors() {
                c.compiled += 1;
            }
            if clean
                .tests
                .iter()
                .any(|(n, t)| baseline.test(n).is_none_or(|b| b.outcome != t.outcome))
            {
                c.killed += 1;
            }
            for (name, t) in &clean.tests {
                if t.outcome == "passed" {
                    continue;
                }
                c.clean_failures += 1;
                match warm.test(name) {
                    Some(w) if !w.cached => c.failures_ran += 1,
                    Some(w) if w.outcome == t.outcome => c.failures_cached += 1,
                    other => c.misses.push(format!(
                        "seed {seed}, mutant {}: {name} fails in a clean run ({}), but --affected reported {:?}",
                        mutant.description, t.details, other
                    )),
                }
            }
            let problems = differences(&check, &warm, &clean);
            if !problems.is_empty() {
                panic!(
                    "{}",
                    failure(
                        &format!("seed {seed}, mutant {}", mutant.description),
                        &[],
                        &mutated,
                        &[&c.misses[..], &problems[..]].concat(),
                        &warm,
                    )
                );
            }
        }
    }
    eprintln!(
        "mutation safety: {} mutants of {seeds} packages ({} compiled, {} changed some test's outcome); \
         {} failing tests in clean runs: {} run by --affected, {} recorded failures; {} misses",
        c.mutants,
        c.compiled,
        c.killed,
        c.clean_failures,
        c.failures_ran,
        c.failures_cached,
        c.misses.len(),
    );
    assert!(c.misses.is_empty(), "misses:\n{}", c.misses.join("\n"));
}

/// The values the generated code computes, second core included, against a reference evaluator
/// of the model (`Project::expected_outcomes`): after random edits and a repair of every
/// error, each test passes or fails in a clean `holo test` as the evaluator predicts.
#[test]
fn generated_tests_pass_or_fail_as_a_reference_evaluator_predicts() {
    let seeds = env_usize("HOLO_EVAL_SEEDS", if slow() { 40 } else { 4 }) as u64;
    let steps = env_usize("HOLO_EVAL_STEPS", if slow() { 40 } else { 20 });
    let (mut runs, mut tests, mut failing) = (0, 0, 0);
    for seed in 0..seeds {
        let mut rng = Rng::new(5000 + seed);
        let mut project = Project::generate(&mut rng);
        for step in 0..=steps {
            if step % 10 == 0 {
                project.fix();
                let files = project.render();
                let report = clean_build(&files);
                assert!(
                    !report.has_errors(),
                    "seed {seed}, step {step}: {report:#?}"
                );
                let expected = project.expected_outcomes();
                let got: BTreeMap<String, bool> = report
                    .tests
                    .iter()
                    .map(|(name, t)| (name.clone(), t.outcome == "passed"))
                    .collect();
                if got != expected {
                    let mut msg = format!(
                        "seed {seed}, step {step}: outcomes differ from the reference evaluator's\n"
                    );
                    for (name, pass) in &expected {
                        if got.get(name) != Some(pass) {
                            msg.push_str(&format!(
                                "  {name}: expected {}, got {:?}\n",
                                if *pass { "pass" } else { "fail" },
                                report.test(name)
                            ));
                        }
                    }
                    for (p, t) in &files {
                        msg.push_str(&format!("--- {p}\n{t}\n"));
                    }
                    panic!("{msg}");
                }
                runs += 1;
                tests += expected.len();
                failing += expected.values().filter(|p| !**p).count();
            }
            let _ = project.edit(&mut rng);
        }
    }
    eprintln!(
        "reference evaluator: {runs} clean runs of {seeds} seeds, {tests} test outcomes ({failing} failing) as predicted"
    );
}
