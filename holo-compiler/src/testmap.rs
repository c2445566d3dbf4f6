//! The static test-to-code map: for each test, everything it can reach, and one fingerprint of
//! all of it.
//!
//! A test reaches its own function, every function those call (through the call graph of the
//! lowered program, where a function used as a value is in its user's callee table too), and the
//! layouts of every struct and enum that any of those functions has values of (transitively
//! through fields). Constants are folded into the functions that use them, and built-ins are
//! named in the IR, so the fingerprint of a function's IR ([`crate::cache::function_fingerprint`])
//! already covers both; the built-ins' behaviour is the toolchain's, which the caller mixes into
//! the final key. If two versions of a package give a test the same fingerprint, the test runs
//! the very same code on the very same data: its recorded result is its result.

use crate::fingerprint::Fingerprint;
use crate::ir::{self, Program, Ty};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one test can reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestReach {
    /// The test's name (`geometry::area_of_unit_square`).
    pub name: String,
    /// A fingerprint of `items` (keys and fingerprints).
    pub fingerprint: Fingerprint,
    /// Every function and layout the test reaches, by key (functions are item keys such as
    /// `geometry::area`; layouts are prefixed `type ` to keep the two apart), with the
    /// fingerprint of each, sorted by key.
    pub items: Vec<(String, Fingerprint)>,
    /// The test can read the clock or random numbers, so its outcome may differ between two
    /// runs of the same code: its results are never reused.
    pub reads_environment: bool,
}

/// The reach of every test of `program`, in the program's test order. `fingerprints` gives each
/// function's behaviour fingerprint by key; a function without one is fingerprinted here.
pub fn test_reach(
    program: &Program,
    fingerprints: &BTreeMap<String, Fingerprint>,
) -> Vec<TestReach> {
    test_reach_known(program, fingerprints, &HashMap::new())
}

/// [`test_reach`] of a program with skeleton functions (no code; see
/// `Compiler::lower_lazily`), whose facts `known` gives by key.
pub fn test_reach_known(
    program: &Program,
    fingerprints: &BTreeMap<String, Fingerprint>,
    known: &HashMap<String, KnownFacts>,
) -> Vec<TestReach> {
    use rayon::prelude::*;
    let layouts = layout_fingerprints(program);
    // What each function contributes, once per function rather than once per test reaching
    // it (a function is reached by many tests), in parallel.
    let per_function: Vec<FunctionFacts<'_>> = program
        .functions
        .par_iter()
        .map(|f| match known.get(&f.key) {
            Some(facts) => FunctionFacts {
                fingerprint: fingerprints
                    .get(&f.key)
                    .copied()
                    .unwrap_or_else(|| crate::cache::function_fingerprint(f)),
                reads_environment: facts.reads_environment,
                types: facts.types.iter().map(String::as_str).collect(),
            },
            None => FunctionFacts::of(f, fingerprints),
        })
        .collect();
    program
        .tests
        .par_iter()
        .map(|test| {
            reach_of(program, test, &layouts, |i| {
                std::borrow::Cow::Borrowed(&per_function[i])
            })
        })
        .collect()
}

/// The reach of every test of `program` like [`test_reach`], reusing `previous` reaches (of
/// an earlier version of the program, by test name) that are still right: a test's reach is
/// unchanged when every function and layout in it has the fingerprint it had, because a
/// function's fingerprint covers its callees (so the reach cannot have grown) and its use of
/// the environment. Only the other tests are walked again. For a resident host, where an
/// edit changes a few functions of thousands.
pub fn test_reach_since(
    program: &Program,
    fingerprints: &BTreeMap<String, Fingerprint>,
    previous: &BTreeMap<String, std::sync::Arc<TestReach>>,
) -> Vec<std::sync::Arc<TestReach>> {
    use rayon::prelude::*;
    let layouts = layout_fingerprints(program);
    let still_right = |reach: &TestReach| {
        reach
            .items
            .iter()
            .all(|(key, fp)| match key.strip_prefix("type ") {
                Some(layout) => layouts.get(layout) == Some(fp),
                None => fingerprints.get(key) == Some(fp),
            })
    };
    program
        .tests
        .par_iter()
        .map(|test| match previous.get(&test.name) {
            Some(reach) if still_right(reach) => reach.clone(),
            _ => std::sync::Arc::new(reach_of(program, test, &layouts, |i| {
                std::borrow::Cow::Owned(FunctionFacts::of(&program.functions[i], fingerprints))
            })),
        })
        .collect()
}

/// One test's reach, with `facts(i)` what function `i` contributes.
fn reach_of<'p, 'f>(
    program: &'p Program,
    test: &ir::TestEntry,
    layouts: &BTreeMap<&str, Fingerprint>,
    facts: impl Fn(usize) -> std::borrow::Cow<'f, FunctionFacts<'p>>,
) -> TestReach
where
    'p: 'f,
{
    let mut items: BTreeMap<String, Fingerprint> = BTreeMap::new();
    let mut types: BTreeSet<&str> = BTreeSet::new();
    let mut seen = vec![false; program.functions.len()];
    let mut work = vec![test.func];
    let mut reads_environment = false;
    while let Some(index) = work.pop() {
        match seen.get_mut(index as usize) {
            Some(flag) if !*flag => *flag = true,
            _ => continue,
        }
        let f = &program.functions[index as usize];
        let facts = facts(index as usize);
        items.insert(f.key.clone(), facts.fingerprint);
        reads_environment |= facts.reads_environment;
        types.extend(facts.types.iter().copied());
        work.extend(f.links.iter().copied());
    }
    // Layouts reach further layouts through their fields.
    let mut type_work: Vec<&str> = types.iter().copied().collect();
    while let Some(key) = type_work.pop() {
        let mut nested = BTreeSet::new();
        if let Some(s) = program.struct_layout(key) {
            for (_, ty) in &s.fields {
                collect_types(ty, &mut nested);
            }
        } else if let Some(e) = program.enum_layout(key) {
            for v in &e.variants {
                for ty in &v.fields {
                    collect_types(ty, &mut nested);
                }
            }
        }
        for n in nested {
            if types.insert(n) {
                type_work.push(n);
            }
        }
    }
    for key in types {
        let fp = layouts
            .get(key)
            .copied()
            .unwrap_or_else(|| Fingerprint::of(&("missing layout", key)));
        items.insert(format!("type {key}"), fp);
    }
    let items: Vec<(String, Fingerprint)> = items.into_iter().collect();
    TestReach {
        name: test.name.clone(),
        fingerprint: Fingerprint::of(&("holo test reach v1", &items)),
        items,
        reads_environment,
    }
}

/// What one function contributes to a test's reach besides its fingerprint, as plain values:
/// kept with a function stored without its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownFacts {
    pub reads_environment: bool,
    /// The struct and enum keys its locals and result mention, sorted.
    pub types: Vec<String>,
}

impl KnownFacts {
    pub fn of(f: &ir::Function) -> KnownFacts {
        KnownFacts {
            reads_environment: calls_environment(f),
            types: types_of(f).iter().map(|t| t.to_string()).collect(),
        }
    }
}

/// What one function contributes to the reach of every test that reaches it.
#[derive(Clone)]
struct FunctionFacts<'a> {
    fingerprint: Fingerprint,
    reads_environment: bool,
    /// The struct and enum keys its locals and result mention.
    types: BTreeSet<&'a str>,
}

impl<'a> FunctionFacts<'a> {
    fn of(f: &'a ir::Function, fingerprints: &BTreeMap<String, Fingerprint>) -> FunctionFacts<'a> {
        let types = types_of(f);
        FunctionFacts {
            fingerprint: fingerprints
                .get(&f.key)
                .copied()
                .unwrap_or_else(|| crate::cache::function_fingerprint(f)),
            reads_environment: calls_environment(f),
            types,
        }
    }
}

/// The struct and enum keys a function's locals and result mention.
fn types_of(f: &ir::Function) -> BTreeSet<&str> {
    let mut types = BTreeSet::new();
    for local in &f.body.locals {
        collect_types(&local.ty, &mut types);
    }
    collect_types(&f.body.ret, &mut types);
    types
}

/// Whether a function calls a built-in whose result depends on the moment it runs.
fn calls_environment(f: &ir::Function) -> bool {
    use crate::sema::builtins::BuiltinId;
    let nondeterministic = |callee: &ir::Callee| {
        matches!(
            callee.builtin_entry().map(|b| b.id),
            Some(BuiltinId::ClockMs | BuiltinId::RandomInt | BuiltinId::RandomFloat)
        )
    };
    f.body
        .blocks
        .iter()
        .flat_map(|b| &b.insts)
        .any(|inst| match inst {
            ir::Inst::Assign {
                value: ir::Rvalue::Call { callee, .. },
                ..
            }
            | ir::Inst::CallMut { callee, .. } => nondeterministic(callee),
            _ => false,
        })
}

fn layout_fingerprints(program: &Program) -> BTreeMap<&str, Fingerprint> {
    let mut out = BTreeMap::new();
    for s in &program.structs {
        out.insert(s.key.as_str(), crate::cache::fingerprint_of_value(s));
    }
    for e in &program.enums {
        out.insert(e.key.as_str(), crate::cache::fingerprint_of_value(e));
    }
    out
}

fn collect_types<'a>(ty: &'a Ty, out: &mut BTreeSet<&'a str>) {
    match ty {
        Ty::Struct(key) | Ty::Enum(key) => {
            out.insert(key.as_str());
        }
        Ty::Array(elem) => collect_types(elem, out),
        Ty::Fn(f) => {
            for p in &f.params {
                collect_types(p, out);
            }
            collect_types(&f.ret, out);
        }
        Ty::Tuple(elems) => {
            for e in elems {
                collect_types(e, out);
            }
        }
        Ty::Option(t) => collect_types(t, out),
        Ty::Result(a, b) | Ty::Map(a, b) => {
            collect_types(a, out);
            collect_types(b, out);
        }
        Ty::I64 | Ty::F64 | Ty::Bool | Ty::Unit | Ty::Str | Ty::Ordering => {}
    }
}

/// The display name of a reached item key for explanations: `calc::mul`, `type geometry::Point`
/// → `geometry::Point`.
pub fn display_item(key: &str) -> String {
    let key = key.strip_prefix("type ").unwrap_or(key);
    let key = key.strip_prefix("crate::").unwrap_or(key);
    key.replace('.', "::")
}

/// The part of `program` that the functions `roots` can reach, renumbered (function order and
/// so [`Program::function_by_key`] are kept), with only the tests whose functions are among
/// `roots`, and no `main` unless it is reachable. Returns it with the new index of each root.
/// Worker processes then decode and hold only what the tests they run can execute.
pub fn reachable_part(program: &Program, roots: &[ir::FuncIndex]) -> (Program, Vec<ir::FuncIndex>) {
    let mut keep = vec![false; program.functions.len()];
    let mut work: Vec<ir::FuncIndex> = roots.to_vec();
    while let Some(index) = work.pop() {
        let Some(slot) = keep.get_mut(index as usize) else {
            continue;
        };
        if std::mem::replace(slot, true) {
            continue;
        }
        work.extend(program.functions[index as usize].links.iter().copied());
    }
    let mut new_index = vec![ir::FuncIndex::MAX; program.functions.len()];
    let mut functions = Vec::new();
    for (i, f) in program.functions.iter().enumerate() {
        if keep[i] {
            new_index[i] = functions.len() as ir::FuncIndex;
            functions.push(f.clone());
        }
    }
    for f in &mut functions {
        for link in &mut f.links {
            *link = new_index[*link as usize];
        }
    }
    let root_set: BTreeSet<ir::FuncIndex> = roots.iter().copied().collect();
    let tests = program
        .tests
        .iter()
        .filter(|t| root_set.contains(&t.func))
        .map(|t| ir::TestEntry {
            func: new_index[t.func as usize],
            ..t.clone()
        })
        .collect();
    let main = program
        .main
        .filter(|m| keep.get(*m as usize).copied().unwrap_or(false))
        .map(|m| new_index[m as usize]);
    let part = Program {
        functions,
        structs: program.structs.clone(),
        enums: program.enums.clone(),
        tests,
        main,
    };
    let roots = roots.iter().map(|r| new_index[*r as usize]).collect();
    (part, roots)
}
