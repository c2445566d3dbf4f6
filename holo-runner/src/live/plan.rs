//! What a save does to a running program, decided as data: [`plan`] compares the version that
//! runs with the new one, by function fingerprints, and answers [`Decision::Patch`] (swap the
//! changed functions' code), [`Decision::PositionsOnly`] (lines moved: update positions,
//! compile nothing), [`Decision::Unchanged`] or [`Decision::Restart`] with the reason a patch
//! would be wrong.
//!
//! A patch is right only when every value the program holds still means what the new code
//! expects, and every frame on the stack can finish on its old code. So a restart is decided
//! when:
//!
//! - a struct or enum that existed changed its layout (live values of the old layout may exist);
//! - a function that existed changed its signature (a frame of an old caller may call it);
//! - a constant changed (values computed from it may be held in the program's state);
//! - a changed function is on the stack and will not return, so its new code would never run.
//!   Which functions those are is decided from the old program, without looking at the
//!   child's stack: `main`, and every function with a loop that waits for input (a back edge
//!   in its blocks, and a call that reaches `read_line`, `read_lines` or `stdin_eof`). These
//!   are the loops an interactive program sits in between inputs. A function that loops
//!   without reading input is patched: its running call finishes on the old code and the next
//!   call takes the new one.
//!
//! Reasons are in the order above, and within one kind in key order, so that the decision of a
//! pair of programs is one value (tested as data in `tests/live_plan/`).

use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::{
    Callee, EnumLayout, FuncIndex, Function, Inst, Program, Rvalue, SelfMode, Site, StructLayout,
    Terminator, Ty,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One version of a program, as [`plan`] compares it.
#[derive(Clone, Copy)]
pub struct Version<'a> {
    pub program: &'a Program,
    /// Every function's behaviour fingerprint by key (position-free, see
    /// `holo_compiler::cache::function_fingerprint`).
    pub fingerprints: &'a BTreeMap<String, Fingerprint>,
    /// Every constant's fingerprint by path (`holo_compiler::fingerprint::constant_fingerprints`).
    pub constants: &'a BTreeMap<String, Fingerprint>,
}

/// What [`plan`] needs to know of the version that runs, kept instead of its program: a
/// watch loop that held the running version's program would make the resident compiler copy
/// the whole program at the next save (it changes its program in place only when no one else
/// holds it), which was most of a patch's time.
pub struct Base {
    structs: Vec<StructLayout>,
    enums: Vec<EnumLayout>,
    main: Option<FuncIndex>,
    functions: Vec<BaseFunction>,
    index: HashMap<String, FuncIndex>,
    fingerprints: Arc<BTreeMap<String, Fingerprint>>,
    constants: BTreeMap<String, Fingerprint>,
}

/// One function of a [`Base`]: what callers depend on, what the plan compares, and what tells
/// whether it stays on the stack.
struct BaseFunction {
    signature: Signature,
    callees: Vec<String>,
    file: String,
    line: u32,
    sites: Vec<Site>,
    has_loop: bool,
    reads_input: bool,
    links: Vec<FuncIndex>,
}

/// What callers of a function depend on: its parameters, receiver and result.
#[derive(PartialEq)]
struct Signature {
    params: u32,
    self_mode: SelfMode,
    ret: Ty,
    param_tys: Vec<Ty>,
}

impl Signature {
    fn of(f: &Function) -> Signature {
        let b = &f.body;
        Signature {
            params: b.params,
            self_mode: b.self_mode,
            ret: b.ret.clone(),
            param_tys: b.locals[..(b.params as usize).min(b.locals.len())]
                .iter()
                .map(|l| l.ty.clone())
                .collect(),
        }
    }
}

impl Base {
    /// What the plan needs of `version`, to compare the next save with.
    pub fn of(version: Version<'_>) -> Base {
        let program = version.program;
        Base {
            structs: program.structs.clone(),
            enums: program.enums.clone(),
            main: program.main,
            functions: program
                .functions
                .iter()
                .map(|f| BaseFunction {
                    signature: Signature::of(f),
                    callees: f.body.callees.clone(),
                    file: f.file.clone(),
                    line: f.line,
                    sites: f.body.sites.clone(),
                    has_loop: has_loop(f),
                    reads_input: reads_input(f),
                    links: f.links.clone(),
                })
                .collect(),
            index: program
                .functions
                .iter()
                .enumerate()
                .map(|(i, f)| (f.key.clone(), i as FuncIndex))
                .collect(),
            fingerprints: Arc::new(version.fingerprints.clone()),
            constants: version.constants.clone(),
        }
    }
}

/// What a save does to the running program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing the program runs changed.
    Unchanged,
    /// Only source positions changed (lines moved): error positions are updated, no code is
    /// compiled.
    PositionsOnly,
    /// Swap in the new code of these functions (their names, in key order): changed bodies and
    /// new functions.
    Patch { functions: Vec<String> },
    /// A patch would be wrong: start the program again on the new code, replaying its inputs.
    Restart(Reason),
}

/// Why a save restarts the program instead of patching it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The fields of a struct, or the variants of an enum, changed (or the type was removed).
    Layout(String),
    /// A function's parameters or result changed.
    Signature(String),
    /// A constant's value or type changed (or it was removed).
    Constant(String),
    /// A changed function runs all the time: `main`, or a loop waiting for input.
    OnStack(String),
}

impl Reason {
    /// The kind of reason, as the test data names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Reason::Layout(_) => "layout",
            Reason::Signature(_) => "signature",
            Reason::Constant(_) => "constant",
            Reason::OnStack(_) => "on-stack",
        }
    }

    /// What the reason is about: a type, function or constant name.
    pub fn subject(&self) -> &str {
        match self {
            Reason::Layout(s) | Reason::Signature(s) | Reason::Constant(s) | Reason::OnStack(s) => {
                s
            }
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Layout(name) => write!(f, "the layout of {name} changed"),
            Reason::Signature(name) => write!(f, "the signature of {name} changed"),
            Reason::Constant(name) => write!(f, "the constant {name} changed"),
            Reason::OnStack(name) if name == "main" => {
                write!(f, "main changed, and it runs until the program ends")
            }
            Reason::OnStack(name) => write!(
                f,
                "{name} changed, and it is waiting for input in a loop that does not return"
            ),
        }
    }
}

/// What to do with the program running `old` when `new` was saved.
pub fn plan(old: &Base, new: Version<'_>) -> Decision {
    for s in &old.structs {
        if new.program.struct_layout(&s.key) != Some(s) {
            return Decision::Restart(Reason::Layout(s.name.clone()));
        }
    }
    for e in &old.enums {
        if new.program.enum_layout(&e.key) != Some(e) {
            return Decision::Restart(Reason::Layout(e.name.clone()));
        }
    }
    let mut changed: Vec<&Function> = Vec::new();
    let mut positions = false;
    // Tests never run in the program: a change to one is not the program's.
    let tests: std::collections::HashSet<&str> = new
        .program
        .tests
        .iter()
        .map(|t| new.program.functions[t.func as usize].key.as_str())
        .collect();
    for f in &new.program.functions {
        if tests.contains(f.key.as_str()) {
            continue;
        }
        let Some(&i) = old.index.get(&f.key) else {
            changed.push(f);
            continue;
        };
        let before = &old.functions[i as usize];
        if before.signature != Signature::of(f) {
            return Decision::Restart(Reason::Signature(f.name.clone()));
        }
        // Without both fingerprints, the code is taken to have changed (a patch is right
        // whenever the code is the same; it only costs a compilation).
        let same_code = match (old.fingerprints.get(&f.key), new.fingerprints.get(&f.key)) {
            (Some(a), Some(b)) => a == b && before.callees == f.body.callees,
            _ => false,
        };
        if !same_code {
            changed.push(f);
        } else if before.line != f.line || before.file != f.file || before.sites != f.body.sites {
            positions = true;
        }
    }
    for (name, fp) in &old.constants {
        if new.constants.get(name) != Some(fp) {
            return Decision::Restart(Reason::Constant(name.clone()));
        }
    }
    for f in &changed {
        if let Some(&i) = old.index.get(&f.key)
            && stays_on_stack(old, i)
        {
            return Decision::Restart(Reason::OnStack(f.name.clone()));
        }
    }
    if !changed.is_empty() {
        return Decision::Patch {
            functions: changed.iter().map(|f| f.name.clone()).collect(),
        };
    }
    if positions {
        Decision::PositionsOnly
    } else {
        Decision::Unchanged
    }
}

/// Whether function `f` of the running version stays on the stack while the program runs (see
/// the module documentation): `main`, or a function with a loop that reaches an input
/// built-in. Only what `f` can call is looked at, so a save that changes a leaf costs next to
/// nothing.
fn stays_on_stack(base: &Base, f: FuncIndex) -> bool {
    if base.main == Some(f) {
        return true;
    }
    if !base.functions[f as usize].has_loop {
        return false;
    }
    let mut seen = vec![false; base.functions.len()];
    let mut stack = vec![f];
    seen[f as usize] = true;
    while let Some(g) = stack.pop() {
        let function = &base.functions[g as usize];
        if function.reads_input {
            return true;
        }
        for &l in &function.links {
            if !std::mem::replace(&mut seen[l as usize], true) {
                stack.push(l);
            }
        }
    }
    false
}

/// Whether a function calls an input built-in itself.
fn reads_input(f: &Function) -> bool {
    let is_input = |c: &Callee| {
        c.builtin_entry()
            .is_some_and(|b| matches!(b.name, "read_line" | "read_lines" | "stdin_eof"))
    };
    f.body
        .blocks
        .iter()
        .flat_map(|b| &b.insts)
        .any(|inst| match inst {
            Inst::CallMut { callee, .. } => is_input(callee),
            Inst::Assign {
                value: Rvalue::Call { callee, .. },
                ..
            } => is_input(callee),
            _ => false,
        })
}

/// Whether a function's control flow has a cycle (a loop), found by a depth-first search for
/// an edge back to a block still being visited.
fn has_loop(f: &Function) -> bool {
    let blocks = &f.body.blocks;
    let successors = |i: usize| -> Vec<usize> {
        match &blocks[i].term {
            Terminator::Goto(t) => vec![*t as usize],
            Terminator::Branch {
                then_block,
                else_block,
                ..
            } => vec![*then_block as usize, *else_block as usize],
            Terminator::Switch {
                targets, default, ..
            } => targets
                .iter()
                .chain(std::iter::once(default))
                .map(|t| *t as usize)
                .collect(),
            Terminator::Return(_) | Terminator::Unreachable => Vec::new(),
        }
    };
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; blocks.len()];
    for root in 0..blocks.len() {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, successors(root), 0usize)];
        state[root] = 1;
        while let Some((block, next, pos)) = stack.last_mut() {
            if *pos == next.len() {
                state[*block] = 2;
                stack.pop();
                continue;
            }
            let t = next[*pos];
            *pos += 1;
            match state.get(t) {
                Some(1) => return true,
                Some(0) => {
                    state[t] = 1;
                    let s = successors(t);
                    stack.push((t, s, 0));
                }
                _ => {}
            }
        }
    }
    false
}
