//! The oracle for incrementality: after any sequence of edits, the diagnostics of a warm,
//! incrementally updated compiler equal those of a fresh compiler given the same files — and so
//! do those of a fresh compiler reading results stored by every earlier step (a new process with
//! a persistent store), whose lowered program and test fingerprints must also equal a clean
//! build's.
//!
//! A seeded generator builds multi-module projects and applies random edits to a model of them —
//! body edits, signature changes, adding, removing, renaming and moving functions, toggling `pub`,
//! adding and removing modules, whitespace and comment edits, breaking and fixing syntax — and
//! compares after every step. `HOLO_DIFF_SEEDS` / `HOLO_DIFF_STEPS` scale it up (defaults are
//! bounded for CI; `HOLO_SLOW_TESTS=1` runs many more). Bodies use the second core: returns of
//! `Option<i64>` and `Result<i64, str>` taken apart with `unwrap_or`, `expect` and `?`, calls
//! inside closures, `fn` values and `map`, tuples, maps, `sort_by`, bitwise operators and
//! `parse_i64`, and edits change those shapes and the constants inside closure bodies.

use holo_compiler::cache::{MemoryStore, ResultStore};
use holo_compiler::{Compiler, PackageKind};
use std::collections::BTreeMap;

/// xorshift64*: tiny, deterministic, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Debug)]
struct Func {
    name: String,
    public: bool,
    /// Number of i64 parameters.
    params: usize,
    /// One of [`RETS`], or `()` for a test.
    ret: &'static str,
    /// How calls sit in the body: directly, in a closure, a `fn` value or `map` (see
    /// `render_func`).
    shape: usize,
    /// Which second-core statement the body holds besides its calls (see [`EXTRAS`]).
    extra: usize,
    constant: i64,
    /// Calls `(module, function)`; the module may be the function's own.
    calls: Vec<(String, String)>,
    /// Layout variation that must not matter semantically.
    spacing: usize,
    comment: Option<String>,
    test: bool,
}

#[derive(Clone, Debug)]
struct Module {
    funcs: Vec<Func>,
    /// Text inserted at a byte offset to break the syntax, until a later edit fixes it.
    corruption: Option<(usize, &'static str)>,
}

struct Project {
    modules: BTreeMap<String, Module>,
    next_name: usize,
    /// Render calls to match their callees (argument count, return type, visibility), skipping
    /// calls to functions that are gone: the package then stays free of errors except for
    /// broken syntax, so that lowering and test fingerprints are compared on most steps.
    consistent: bool,
}

const RETS: [&str; 4] = ["i64", "str", "Option<i64>", "Result<i64, str>"];

/// Statements of the second core; `{k}` is the function's constant, so body edits reach them.
const EXTRAS: [&str; 6] = [
    "",
    "let t = (v % 10 + {k}, \"ab\"); let (a, b) = t; v = v + a + b.len() + t.0;",
    "let mut m: Map<i64, i64> = Map::new(); for i in 0..4 { m.insert(i % 3, v + {k}); } v = v + m.get(1).unwrap_or(0); for (a, b) in m { v = (v + a * b) % 1000; }",
    "v = ((v & 1023) << 2) ^ {k}; v = (v | 1) >> 1;",
    "let mut zs = [v % 7, {k}, 1]; zs.sort_by(|a, b| b.cmp(a)); v = v + zs[0] + zs.filter(|x| x % 2 == v % 2).len();",
    "v = v + match ((v % 50).to_str() + \"{k}\").parse_i64() { Ok(n) => n % 100, Err(e) => e.len() };",
];

/// What a call site needs to know about its callee: parameter count and return type.
type Signatures = BTreeMap<(String, String), (usize, &'static str, bool)>;

impl Project {
    fn generate(rng: &mut Rng) -> Project {
        let mut p = Project {
            modules: BTreeMap::new(),
            next_name: 0,
            consistent: rng.chance(50),
        };
        for m in ["main", "alpha", "beta", "gamma"] {
            p.modules.insert(
                m.to_string(),
                Module {
                    funcs: Vec::new(),
                    corruption: None,
                },
            );
        }
        for _ in 0..12 {
            p.add_function(rng);
        }
        p
    }

    fn module_names(&self) -> Vec<String> {
        self.modules.keys().cloned().collect()
    }

    fn random_callee(&self, rng: &mut Rng) -> Option<(String, String)> {
        let all: Vec<(String, String)> = self
            .modules
            .iter()
            .flat_map(|(m, module)| {
                module
                    .funcs
                    .iter()
                    .filter(|f| !f.test)
                    .map(move |f| (m.clone(), f.name.clone()))
            })
            .collect();
        if all.is_empty() {
            None
        } else {
            Some(all[rng.below(all.len())].clone())
        }
    }

    fn add_function(&mut self, rng: &mut Rng) {
        let names = self.module_names();
        let module = names[rng.below(names.len())].clone();
        self.next_name += 1;
        let mut calls = Vec::new();
        for _ in 0..rng.below(3) {
            if let Some(c) = self.random_callee(rng) {
                calls.push(c);
            }
        }
        let test = rng.chance(15);
        let f = Func {
            name: format!("f{}", self.next_name),
            public: rng.chance(80),
            params: if test { 0 } else { 1 + rng.below(2) },
            ret: if test {
                "()"
            } else if rng.chance(50) {
                "i64"
            } else {
                RETS[rng.below(RETS.len())]
            },
            shape: rng.below(4),
            extra: rng.below(EXTRAS.len()),
            constant: rng.below(100) as i64,
            calls,
            spacing: 0,
            comment: None,
            test,
        };
        self.modules.get_mut(&module).expect("module").funcs.push(f);
    }

    /// A random (module, index) of an existing function.
    fn pick(&self, rng: &mut Rng) -> Option<(String, usize)> {
        let candidates: Vec<(String, usize)> = self
            .modules
            .iter()
            .flat_map(|(m, module)| (0..module.funcs.len()).map(move |i| (m.clone(), i)))
            .collect();
        if candidates.is_empty() {
            None
        } else {
            Some(candidates[rng.below(candidates.len())].clone())
        }
    }

    /// Applies one random edit; returns a description for failure messages.
    fn edit(&mut self, rng: &mut Rng) -> String {
        let Some((m, i)) = self.pick(rng) else {
            self.add_function(rng);
            return "add function".into();
        };
        let kind = rng.below(14);
        let module = self.modules.get_mut(&m).expect("module");
        // Most edits also repair a broken file, as a user fixing a typo would.
        if kind != 11 && rng.chance(60) {
            module.corruption = None;
        }
        let f = &mut module.funcs[i];
        match kind {
            0 | 1 => {
                f.constant = (f.constant + 1 + rng.below(50) as i64) % 1000;
                format!("body edit {m}::{}", f.name)
            }
            2 => {
                f.params = if f.params == 2 { 1 } else { f.params + 1 };
                format!("parameter count of {m}::{}", f.name)
            }
            3 => {
                if f.ret != "()" {
                    f.ret = RETS[(RETS.iter().position(|r| *r == f.ret).unwrap_or(0)
                        + 1
                        + rng.below(3))
                        % 4];
                }
                format!("return type of {m}::{}", f.name)
            }
            4 => {
                f.public = !f.public;
                format!("toggle pub on {m}::{}", f.name)
            }
            5 => {
                f.spacing = rng.below(4);
                format!("whitespace in {m}::{}", f.name)
            }
            6 if rng.chance(50) => {
                if rng.chance(50) {
                    f.shape = (f.shape + 1) % 4;
                } else {
                    f.extra = (f.extra + 1) % EXTRAS.len();
                }
                format!("shape of calls or statement of {m}::{}", f.name)
            }
            6 => {
                f.comment = Some(format!("note {}", rng.below(1000)));
                format!("comment on {m}::{}", f.name)
            }
            7 => {
                let removed = module.funcs.remove(i);
                format!("remove {m}::{}", removed.name)
            }
            8 => {
                self.next_name += 1;
                let new_name = format!("f{}", self.next_name);
                let old = std::mem::replace(&mut f.name, new_name.clone());
                format!("rename {m}::{old} to {new_name}")
            }
            9 => {
                let moved = module.funcs.remove(i);
                let names = self.module_names();
                let target = names[rng.below(names.len())].clone();
                let desc = format!("move {m}::{} to {target}", moved.name);
                self.modules
                    .get_mut(&target)
                    .expect("module")
                    .funcs
                    .push(moved);
                desc
            }
            10 => {
                let callee = self.random_callee(rng);
                let f = &mut self.modules.get_mut(&m).expect("module").funcs[i];
                match callee {
                    Some(c) if f.calls.len() < 3 => f.calls.push(c),
                    _ => {
                        f.calls.pop();
                    }
                }
                format!("change calls of {m}::{}", f.name)
            }
            11 => {
                const JUNK: &[&str] = &[")", "{", "fn", "let", "\"", ";;", "}", "@", "/*"];
                let junk = JUNK[rng.below(JUNK.len())];
                let offset = rng.below(4000);
                module.corruption = Some((offset, junk));
                format!("break syntax of {m} with `{junk}`")
            }
            12 => {
                if self.modules.len() < 7 && rng.chance(50) {
                    let name = format!("extra{}", rng.below(5));
                    self.modules.entry(name.clone()).or_insert(Module {
                        funcs: Vec::new(),
                        corruption: None,
                    });
                    format!("add module {name}")
                } else if m != "main" {
                    self.modules.remove(&m);
                    format!("remove module {m}")
                } else {
                    self.add_function(rng);
                    "add function".into()
                }
            }
            _ => {
                self.add_function(rng);
                "add function".into()
            }
        }
    }

    fn render(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        let signatures: Option<Signatures> =
            self.consistent.then(|| {
                self.modules
                    .iter()
                    .flat_map(|(m, module)| {
                        module.funcs.iter().filter(|f| !f.test).map(move |f| {
                            ((m.clone(), f.name.clone()), (f.params, f.ret, f.public))
                        })
                    })
                    .collect()
            });
        for (name, module) in &self.modules {
            let path = if name == "main" {
                "src/main.holo".to_string()
            } else {
                format!("src/{name}.holo")
            };
            let mut text = String::new();
            if name == "main" {
                text.push_str("fn main() {\n    println(\"hi\");\n}\n\n");
            }
            for f in &module.funcs {
                render_func(&mut text, name, f, signatures.as_ref());
            }
            if let Some((offset, junk)) = module.corruption {
                let mut at = offset.min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, junk);
            }
            files.insert(path, text);
        }
        files
    }
}

fn render_func(out: &mut String, module: &str, f: &Func, signatures: Option<&Signatures>) {
    let sp = " ".repeat(f.spacing + 1);
    if let Some(c) = &f.comment {
        out.push_str(&format!("// {c}\n"));
    }
    if f.test {
        out.push_str("#[test]\n");
    }
    if f.public {
        out.push_str("pub ");
    }
    let params: Vec<String> = (0..f.params).map(|p| format!("p{p}: i64")).collect();
    let ret = if f.ret == "()" {
        String::new()
    } else {
        format!(" ->{sp}{}", f.ret)
    };
    out.push_str(&format!(
        "fn {}({}){ret}{sp}{{\n",
        f.name,
        params.join(", ")
    ));
    let first = if f.params > 0 { "p0" } else { "1" };
    out.push_str(&format!("    let mut v ={sp}{first} + {};\n", f.constant));
    let extra = EXTRAS[f.extra].replace("{k}", &f.constant.to_string());
    if !extra.is_empty() {
        out.push_str(&format!("    {extra}\n"));
    }
    for (n, (cm, cf)) in f.calls.iter().enumerate() {
        let mut args = "v % 7".to_string();
        let mut suffix = "";
        if let Some(signatures) = signatures {
            match signatures.get(&(cm.clone(), cf.clone())) {
                Some(&(params, ret, public)) if public || cm == module => {
                    args = vec!["v % 7"; params].join(", ");
                    suffix = match ret {
                        "str" => ".len()",
                        // `?` only where it returns from this function, not from a closure.
                        "Result<i64, str>" if f.ret == ret && f.shape == 0 => "?",
                        "Result<i64, str>" => ".unwrap_or(2)",
                        "Option<i64>" if n % 2 == 0 => ".unwrap_or(3)",
                        "Option<i64>" => ".expect(\"some\")",
                        _ => "",
                    };
                }
                _ => continue,
            }
        }
        let path = if cm == module {
            cf.clone()
        } else if cm == "main" {
            format!("crate::{cf}")
        } else {
            format!("{cm}::{cf}")
        };
        let call = format!("{path}({args}){suffix}");
        let k = f.constant;
        out.push_str(&match f.shape {
            0 => format!("    v = v + {call};\n"),
            1 => format!(
                "    let c{n} = |x: i64| -> i64 {{ x * {k} + {call} }}; v = v + c{n}(v % 5);\n"
            ),
            2 => format!("    v = v + [v % 3].map(|x| x + {k} + {call})[0];\n"),
            _ => format!("    let g{n}: fn(i64) -> i64 = |x| x - {k} + {call}; v = v + g{n}(1);\n"),
        });
    }
    match f.ret {
        "str" => out.push_str("    v.to_str()\n"),
        "Option<i64>" => out.push_str("    if v % 5 == 0 { None } else { Some(v) }\n"),
        "Result<i64, str>" => out.push_str("    if v % 7 == 3 { Err(\"odd\") } else { Ok(v) }\n"),
        "()" => out.push_str("    assert(v > 0);\n"),
        _ => out.push_str("    v\n"),
    }
    out.push_str("}\n\n");
}

fn clean_compiler(files: &BTreeMap<String, String>) -> Compiler {
    let mut c = Compiler::new(PackageKind::Bin);
    for (p, t) in files {
        c.set_file(p, t);
    }
    c
}

/// What a package compiles to, for comparisons: the program and each test's reach fingerprint.
fn compiled(
    c: &Compiler,
    store: &dyn ResultStore,
) -> Option<(holo_compiler::ir::Program, Vec<(String, String)>)> {
    if c.check_with(store).0.errors() > 0 {
        return None;
    }
    let lowered = c.lower_with(store).ok()?;
    let reach = holo_compiler::testmap::test_reach(&lowered.program, &lowered.fingerprints)
        .into_iter()
        .map(|t| (t.name, t.fingerprint.to_hex()))
        .collect();
    Some((lowered.program, reach))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn incremental_and_stored_results_equal_a_clean_build() {
    let slow = std::env::var("HOLO_SLOW_TESTS").is_ok_and(|v| v == "1");
    let seeds = env_usize("HOLO_DIFF_SEEDS", if slow { 400 } else { 24 });
    let steps = env_usize("HOLO_DIFF_STEPS", if slow { 150 } else { 40 });
    let mut compared = 0;
    let mut lowered = 0;
    // One store for every seed: keys must never let one project's results leak into another's.
    let store = MemoryStore::new();
    for seed in 0..seeds as u64 {
        let mut rng = Rng::new(seed + 1);
        let mut project = Project::generate(&mut rng);
        let mut warm = Compiler::new(PackageKind::Bin);
        let mut history = Vec::new();
        for step in 0..steps {
            let files = project.render();
            for old in warm.file_paths() {
                if !files.contains_key(old.as_str()) {
                    warm.remove_file(&old);
                }
            }
            for (p, t) in &files {
                warm.set_file(p, t);
            }
            let incremental = warm.check().diagnostics;
            let clean_compiler = clean_compiler(&files);
            let clean = clean_compiler.check().diagnostics;
            // A fresh compiler that reads and writes the store every earlier step (and seed)
            // filled, as a new process would, and the warm one through the store too.
            let mut fresh = Compiler::new(PackageKind::Bin);
            fresh.set_files(files.iter().map(|(p, t)| (p.clone(), t.clone())));
            let from_store = fresh.check_with(&store).0.diagnostics;
            let warm_from_store = warm.check_with(&store).0.diagnostics;
            compared += 1;
            let mut failure = None;
            if incremental != clean {
                failure = Some(format!(
                    "incremental: {incremental:#?}\nclean: {clean:#?}\n"
                ));
            } else if from_store != clean {
                failure = Some(format!(
                    "fresh process with a store: {from_store:#?}\nclean: {clean:#?}\n"
                ));
            } else if warm_from_store != clean {
                failure = Some(format!(
                    "warm with a store: {warm_from_store:#?}\nclean: {clean:#?}\n"
                ));
            } else if clean
                .iter()
                .all(|d| d.severity != holo_compiler::Severity::Error)
            {
                let expected = compiled(&clean_compiler, &holo_compiler::cache::NoStore);
                let got = compiled(&fresh, &store);
                let warm_got = compiled(&warm, &store);
                lowered += 1;
                if got != expected || warm_got != expected {
                    failure = Some(format!(
                        "lowered programs or test fingerprints differ from a clean build's\nclean tests: {:#?}\nfresh tests: {:#?}\nwarm tests: {:#?}\n",
                        expected.as_ref().map(|e| &e.1),
                        got.as_ref().map(|e| &e.1),
                        warm_got.as_ref().map(|e| &e.1),
                    ));
                }
            }
            if let Some(detail) = failure {
                let mut msg = format!(
                    "seed {seed}, step {step}: results differ from a clean build's\nedits: {history:#?}\n"
                );
                for (p, t) in &files {
                    msg.push_str(&format!("--- {p}\n{t}\n"));
                }
                msg.push_str(&detail);
                panic!("{msg}");
            }
            history.push(project.edit(&mut rng));
        }
    }
    eprintln!(
        "differential: {seeds} seeds x {steps} steps = {compared} comparisons ({lowered} also lowered), all equal; store: {} entries",
        store.len()
    );
}
