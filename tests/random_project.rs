//! Random holo packages and random edits to them, for the end-to-end tests that hold
//! `holo test --affected` to a clean build (`cli/affected_differential.rs`).
//!
//! A [`Project`] is a model — modules holding functions, tests, structs (with an optional
//! method) and constants, functions calling each other across modules — rendered to source
//! files with [`Project::render`]. [`Project::edit`] applies one random edit of the kinds a
//! person makes: body edits, signature changes, adding, removing, renaming and moving functions,
//! structs, constants and modules, struct field changes, whitespace and comment edits, moving an
//! item within its file, and breaking and fixing syntax. References follow their target through
//! most edits ("consistent"); sometimes an edit leaves them as they were ("frozen"), which gives
//! name, arity and type errors until a later edit fixes them, as in real editing.
//!
//! Tests fail or pass depending on the values the code computes, and the code can fail at run
//! time (division by zero, an index out of bounds) deep in a call chain, so recorded failures
//! with locations and stacks are common. Nothing can loop or recurse: every function has a tier
//! and calls only functions of lower tiers, at most three per body, so a test runs at most a few
//! hundred calls. Values stay far from `i64` overflow (`% 1000` on every return).
//!
//! Bodies also use the second pinned core, so that `--affected` is held to a clean build on
//! it: functions return `Option<i64>` or `Result<i64, str>` and callers take the value apart
//! with `match`, `if let`, `unwrap_or`, `is_none`/`is_ok`, `?`, or `unwrap`/`expect` (which
//! fail on some values); calls sit inside closures (called directly, stored as `fn` values or
//! passed to `map`), so that a callee reached only through a closure must still count; tuples,
//! `Map`s filled in loops and read back, `sort_by` with `cmp`, `filter`, bitwise operators and
//! `parse_i64` appear as statements, and body edits change closure bodies and those constants.
//!
//! [`mutants`] lists one-token mutations of rendered files (operators, constants, comparisons,
//! swapped arguments, a different return value) for the mutation-safety test.

use std::collections::BTreeMap;

/// xorshift64*: tiny, deterministic and good enough to pick edits.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with the given probability in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The modules a project may have besides `main` (module path → file). `nest::inner` lives in
/// a folder.
const MODULE_NAMES: &[&str] = &["alpha", "beta", "gamma", "delta", "nest::inner"];

/// The highest tier of a non-test function; tests are one above and may call any function.
const MAX_TIER: u8 = 3;

/// A function's return type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ret {
    I64,
    Str,
    /// `Option<i64>`: `None` for some values.
    Opt,
    /// `Result<i64, str>`: `Err` for some values.
    Res,
}

impl Ret {
    const ALL: [Ret; 4] = [Ret::I64, Ret::Str, Ret::Opt, Ret::Res];
}

/// Where an item was when a reference to it was frozen: the reference keeps naming it there.
#[derive(Clone, Debug)]
struct Target {
    module: String,
    name: String,
}

#[derive(Clone, Debug)]
struct FrozenCall {
    target: Target,
    params: usize,
    ret: Ret,
}

#[derive(Clone, Debug)]
struct FrozenStruct {
    target: Target,
    fields: Vec<String>,
    method: bool,
}

/// One statement of a body, between the `let mut v = …` line and the tail.
#[derive(Clone, Debug)]
enum Stmt {
    /// `v = v + callee(args);` (`.len()` on a `str` result; an `Option` or `Result` is
    /// taken apart as `how` says), directly or inside a closure (see [`Via`]) whose body also
    /// multiplies its parameter by `k`: reaching a callee through a closure must count for
    /// `--affected` like a direct call.
    Call {
        callee: u32,
        frozen: Option<FrozenCall>,
        via: Via,
        how: u8,
        k: i64,
    },
    /// `v = v + K;`
    Const { konst: u32, frozen: Option<Target> },
    /// `let sN = S { x: v % 2, … }; v = v + sN.x + … (+ sN.total());`
    Struct {
        strukt: u32,
        frozen: Option<FrozenStruct>,
    },
    /// `println(…);` — captured output, shown with failures.
    Print,
    /// `v = v + 100 / (v % 9 - offset);` — divides by zero for some values.
    Divide { offset: i64 },
    /// `let xsN = [1, 2, …]; v = v + xsN[(v % 4 + 4) % 4];` — out of bounds for some values.
    Index { len: usize },
    /// `v = (v OP by) % 1000;`
    Scale { op: char, by: i64 },
    /// `v = v + true;` — a type error until fixed.
    TypeError,
    /// A tuple built, indexed, destructured by `let`, `match` and `for`.
    Tuple { k: i64 },
    /// A `Map<i64, i64>` filled in a loop of `n` rounds, read by `get`, iterated, emptied by
    /// `while let … = remove`.
    MapInt { n: i64, k: i64 },
    /// A `Map<str, i64>` read back through `keys`, `values`, `contains_key`.
    MapStr { k: i64 },
    /// `v = ((v & 1023) OP by) % 1000;` with `&`, `|`, `^`, `<<` or `>>`.
    Bits { op: &'static str, by: i64 },
    /// An array sorted by a closure comparing with `cmp`, a `match` on the `Ordering`, and a
    /// `filter` whose closure captures `v`.
    Sort { k: i64 },
    /// `"…".parse_i64()`, which gives a `Result`.
    Parse { k: i64 },
}

/// Where a call sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    Direct,
    /// `let cK = |x: i64| -> i64 { … }; v = v + cK(v % 5);`, capturing `v`.
    Closure,
    /// `[v % 3].map(|x| …)[0]`.
    Map,
    /// `let gK: fn(i64) -> i64 = |x| …; v = v + gK(1);`
    FnValue,
}

const VIAS: [Via; 4] = [Via::Direct, Via::Closure, Via::Map, Via::FnValue];
const BIT_OPS: [&str; 5] = ["&", "|", "^", "<<", ">>"];

#[derive(Clone, Debug)]
struct Func {
    id: u32,
    name: String,
    public: bool,
    /// Calls go only to functions of lower tiers; tests are above every tier.
    tier: u8,
    /// Number of `i64` parameters (0 for tests).
    params: usize,
    ret: Ret,
    test: bool,
    /// The constant `v` starts from.
    base: i64,
    stmts: Vec<Stmt>,
    /// Tests end with `assert(v % m != r)`, or `assert_eq(v % m, r)` when `eq`.
    check: (i64, i64, bool),
    /// Whitespace variant: 0 plain, 1 extra spaces, 2 blank lines between statements, 3 the
    /// statements on one line.
    layout: u8,
    /// A comment above the function, or inside its body when the flag is set.
    comment: Option<(u32, bool)>,
}

#[derive(Clone, Debug)]
struct StructDef {
    id: u32,
    name: String,
    public: bool,
    /// Field names in declaration order (all `pub x: i64`).
    fields: Vec<String>,
    /// `impl S { pub fn total(self) -> i64 { self.a + … + k } }` when `Some(k)`.
    method: Option<i64>,
}

#[derive(Clone, Debug)]
struct ConstDef {
    id: u32,
    name: String,
    public: bool,
    value: i64,
}

#[derive(Clone, Debug)]
enum Item {
    Func(Func),
    Struct(StructDef),
    Const(ConstDef),
}

impl Item {
    fn id(&self) -> u32 {
        match self {
            Item::Func(f) => f.id,
            Item::Struct(s) => s.id,
            Item::Const(c) => c.id,
        }
    }
    fn name(&self) -> &str {
        match self {
            Item::Func(f) => &f.name,
            Item::Struct(s) => &s.name,
            Item::Const(c) => &c.name,
        }
    }
    fn set_public(&mut self, public: bool) {
        match self {
            Item::Func(f) => f.public = public,
            Item::Struct(s) => s.public = public,
            Item::Const(c) => c.public = public,
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Module {
    items: Vec<Item>,
    /// A comment at the top of the file (moves every line when it changes size).
    header: Option<u32>,
    /// Text inserted at a byte offset to break the syntax, until an edit repairs it.
    corruption: Option<(usize, &'static str)>,
}

/// A random package: see the module documentation.
#[derive(Clone, Debug)]
pub struct Project {
    modules: BTreeMap<String, Module>,
    /// Every new name and id takes the next number, so no name is ever used twice.
    counter: u32,
}

/// What [`Project::edit`] did.
#[derive(Clone, Debug)]
pub struct Edit {
    pub description: String,
    /// Only whitespace, comments or the order of items in a file changed: no test can
    /// observe it.
    pub layout_only: bool,
}

/// How an edit treats references to the item it changes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refs {
    /// References follow the item (or are removed with it).
    Follow,
    /// References stay as they are: errors until fixed.
    Freeze,
}

impl Project {
    /// A new project: `main` and three modules, fifteen functions, eight tests, two structs
    /// and two constants, free of errors.
    pub fn generate(rng: &mut Rng) -> Project {
        let mut p = Project {
            modules: BTreeMap::new(),
            counter: 0,
        };
        p.modules.insert("main".into(), Module::default());
        for m in &MODULE_NAMES[..3] {
            p.modules.insert((*m).to_string(), Module::default());
        }
        for _ in 0..2 {
            p.add_struct(rng);
            p.add_const(rng);
        }
        for _ in 0..15 {
            p.add_function(rng, false);
        }
        for _ in 0..8 {
            p.add_function(rng, true);
        }
        p
    }

    /// Number of `#[test]` functions in the model.
    pub fn test_count(&self) -> usize {
        self.modules
            .values()
            .flat_map(|m| &m.items)
            .filter(|i| matches!(i, Item::Func(f) if f.test))
            .count()
    }

    fn fresh(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn module_names(&self) -> Vec<String> {
        self.modules.keys().cloned().collect()
    }

    fn random_module(&self, rng: &mut Rng) -> String {
        let names = self.module_names();
        names[rng.below(names.len())].clone()
    }

    /// Where the item with this id is: (module, index).
    fn locate(&self, id: u32) -> Option<(String, usize)> {
        self.modules.iter().find_map(|(m, module)| {
            module
                .items
                .iter()
                .position(|i| i.id() == id)
                .map(|i| (m.clone(), i))
        })
    }

    fn item(&self, id: u32) -> Option<(&str, &Item)> {
        self.modules.iter().find_map(|(m, module)| {
            module
                .items
                .iter()
                .find(|i| i.id() == id)
                .map(|i| (m.as_str(), i))
        })
    }

    /// Ids of the items satisfying `pred`.
    fn ids(&self, pred: impl Fn(&Item) -> bool) -> Vec<u32> {
        self.modules
            .values()
            .flat_map(|m| &m.items)
            .filter(|i| pred(i))
            .map(Item::id)
            .collect()
    }

    fn pick_id(&self, rng: &mut Rng, pred: impl Fn(&Item) -> bool) -> Option<u32> {
        let ids = self.ids(pred);
        (!ids.is_empty()).then(|| ids[rng.below(ids.len())])
    }

    fn func_mut(&mut self, id: u32) -> Option<&mut Func> {
        self.modules
            .values_mut()
            .flat_map(|m| &mut m.items)
            .find_map(|i| match i {
                Item::Func(f) if f.id == id => Some(f),
                _ => None,
            })
    }

    fn item_mut(&mut self, id: u32) -> Option<&mut Item> {
        self.modules
            .values_mut()
            .flat_map(|m| &mut m.items)
            .find(|i| i.id() == id)
    }

    /// A random statement for a body of the given tier.
    fn random_stmt(&mut self, rng: &mut Rng, tier: u8) -> Stmt {
        match rng.below(16) {
            0..=3 => {
                if let Some(callee) = self.pick_id(
                    rng,
                    |i| matches!(i, Item::Func(f) if !f.test && f.tier < tier),
                ) {
                    return Stmt::Call {
                        callee,
                        frozen: None,
                        via: if rng.chance(50) {
                            Via::Direct
                        } else {
                            VIAS[rng.below(VIAS.len())]
                        },
                        how: rng.below(8) as u8,
                        k: 1 + rng.below(5) as i64,
                    };
                }
                Stmt::Scale {
                    op: '+',
                    by: rng.below(50) as i64,
                }
            }
            4 => match self.pick_id(rng, |i| matches!(i, Item::Const(_))) {
                Some(konst) => Stmt::Const {
                    konst,
                    frozen: None,
                },
                None => Stmt::Print,
            },
            5 => match self.pick_id(rng, |i| matches!(i, Item::Struct(_))) {
                Some(strukt) => Stmt::Struct {
                    strukt,
                    frozen: None,
                },
                None => Stmt::Print,
            },
            6 => Stmt::Print,
            7 => Stmt::Divide {
                offset: rng.below(9) as i64,
            },
            8 => Stmt::Index {
                len: 3 + rng.below(3),
            },
            10 => Stmt::Tuple {
                k: rng.below(20) as i64,
            },
            11 => Stmt::MapInt {
                n: rng.below(6) as i64,
                k: rng.below(20) as i64,
            },
            12 => Stmt::MapStr {
                k: rng.below(20) as i64,
            },
            13 => random_bits(rng),
            14 => Stmt::Sort {
                k: rng.below(20) as i64,
            },
            15 => Stmt::Parse {
                k: rng.below(30) as i64,
            },
            _ => Stmt::Scale {
                op: ['+', '-', '*'][rng.below(3)],
                by: 1 + rng.below(40) as i64,
            },
        }
    }

    fn add_function(&mut self, rng: &mut Rng, test: bool) -> String {
        let id = self.fresh();
        let tier = if test {
            MAX_TIER + 1
        } else {
            rng.below(MAX_TIER as usize + 1) as u8
        };
        let mut stmts = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let stmt = self.random_stmt(rng, tier);
            let calls = stmts
                .iter()
                .filter(|s| matches!(s, Stmt::Call { .. }))
                .count();
            if !(matches!(stmt, Stmt::Call { .. }) && calls >= 3) {
                stmts.push(stmt);
            }
        }
        let f = Func {
            id,
            name: format!("{}{id}", if test { 't' } else { 'f' }),
            public: true,
            tier,
            params: if test { 0 } else { rng.below(3) },
            ret: if !test && rng.chance(40) {
                Ret::ALL[1 + rng.below(3)]
            } else {
                Ret::I64
            },
            test,
            base: rng.below(60) as i64,
            stmts,
            check: (3 + rng.below(4) as i64, rng.below(2) as i64, rng.chance(10)),
            // Code comes in mixed styles: some functions are written on few lines.
            layout: if rng.chance(50) {
                rng.below(4) as u8
            } else {
                0
            },
            comment: None,
        };
        let module = self.random_module(rng);
        let desc = format!(
            "add {} {module}::{}",
            if test { "test" } else { "fn" },
            f.name
        );
        let items = &mut self.modules.get_mut(&module).expect("module").items;
        let at = rng.below(items.len() + 1);
        items.insert(at, Item::Func(f));
        desc
    }

    fn add_struct(&mut self, rng: &mut Rng) -> String {
        let id = self.fresh();
        let mut fields = Vec::new();
        for _ in 0..1 + rng.below(3) {
            fields.push(format!("x{}", self.fresh()));
        }
        let s = StructDef {
            id,
            name: format!("S{id}"),
            public: true,
            fields,
            method: rng.chance(50).then(|| rng.below(20) as i64),
        };
        let module = self.random_module(rng);
        let desc = format!("add struct {module}::{}", s.name);
        let items = &mut self.modules.get_mut(&module).expect("module").items;
        let at = rng.below(items.len() + 1);
        items.insert(at, Item::Struct(s));
        desc
    }

    fn add_const(&mut self, rng: &mut Rng) -> String {
        let id = self.fresh();
        let c = ConstDef {
            id,
            name: format!("K{id}"),
            public: true,
            value: rng.below(100) as i64 - 20,
        };
        let module = self.random_module(rng);
        let desc = format!("add const {module}::{}", c.name);
        let items = &mut self.modules.get_mut(&module).expect("module").items;
        let at = rng.below(items.len() + 1);
        items.insert(at, Item::Const(c));
        desc
    }

    /// Before `id` changes name, place, signature or shape: with [`Refs::Freeze`], every
    /// reference to it keeps its current form.
    fn freeze_refs(&mut self, id: u32) {
        let Some((module, item)) = self.item(id) else {
            return;
        };
        let target = Target {
            module: module.to_string(),
            name: item.name().to_string(),
        };
        let (params, ret, fields, method) = match item {
            Item::Func(f) => (f.params, f.ret, Vec::new(), false),
            Item::Struct(s) => (0, Ret::I64, s.fields.clone(), s.method.is_some()),
            Item::Const(_) => (0, Ret::I64, Vec::new(), false),
        };
        for stmt in self.all_stmts_mut() {
            match stmt {
                Stmt::Call { callee, frozen, .. } if *callee == id && frozen.is_none() => {
                    *frozen = Some(FrozenCall {
                        target: target.clone(),
                        params,
                        ret,
                    });
                }
                Stmt::Const { konst, frozen } if *konst == id && frozen.is_none() => {
                    *frozen = Some(target.clone());
                }
                Stmt::Struct { strukt, frozen } if *strukt == id && frozen.is_none() => {
                    *frozen = Some(FrozenStruct {
                        target: target.clone(),
                        fields: fields.clone(),
                        method,
                    });
                }
                _ => {}
            }
        }
    }

    fn all_stmts_mut(&mut self) -> impl Iterator<Item = &mut Stmt> {
        self.modules
            .values_mut()
            .flat_map(|m| &mut m.items)
            .filter_map(|i| match i {
                Item::Func(f) => Some(f.stmts.iter_mut()),
                _ => None,
            })
            .flatten()
    }

    /// Removes the statements that refer to `id` without being frozen.
    fn drop_refs(&mut self, id: u32) {
        for module in self.modules.values_mut() {
            for item in &mut module.items {
                if let Item::Func(f) = item {
                    f.stmts.retain(|s| {
                        !matches!(s,
                            Stmt::Call { callee: x, frozen: None, .. }
                            | Stmt::Const { konst: x, frozen: None }
                            | Stmt::Struct { strukt: x, frozen: None } if *x == id)
                    });
                }
            }
        }
    }

    /// Prepares references to `id` for a change of its name, place or shape.
    fn before_change(&mut self, id: u32, refs: Refs) {
        if refs == Refs::Freeze {
            self.freeze_refs(id);
        }
    }

    /// Removes item `id`; its references go with it or stay behind as errors.
    fn remove_item(&mut self, id: u32, refs: Refs) -> Option<Item> {
        match refs {
            Refs::Freeze => self.freeze_refs(id),
            Refs::Follow => self.drop_refs(id),
        }
        let (m, i) = self.locate(id)?;
        Some(self.modules.get_mut(&m)?.items.remove(i))
    }

    /// Repairs everything: syntax, stale references, type errors, visibility. The project then
    /// checks without errors.
    pub fn fix(&mut self) {
        let live: std::collections::BTreeSet<u32> = self.ids(|_| true).into_iter().collect();
        for module in self.modules.values_mut() {
            module.corruption = None;
            for item in &mut module.items {
                item.set_public(true);
                if let Item::Func(f) = item {
                    f.stmts.retain(|s| match s {
                        Stmt::Call { callee: x, .. }
                        | Stmt::Const { konst: x, .. }
                        | Stmt::Struct { strukt: x, .. } => live.contains(x),
                        Stmt::TypeError => false,
                        _ => true,
                    });
                    for s in &mut f.stmts {
                        match s {
                            Stmt::Call { frozen, .. } => *frozen = None,
                            Stmt::Const { frozen, .. } => *frozen = None,
                            Stmt::Struct { frozen, .. } => *frozen = None,
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    /// Applies one random edit.
    pub fn edit(&mut self, rng: &mut Rng) -> Edit {
        let before = self.canonical();
        let description = self.random_edit(rng);
        Edit {
            layout_only: self.canonical() == before,
            description,
        }
    }

    /// The files with every layout choice normalised — no comments, plain whitespace, items
    /// of each module in name order — so that two projects with equal canonical forms mean the
    /// same code.
    fn canonical(&self) -> BTreeMap<String, String> {
        let mut p = self.clone();
        for module in p.modules.values_mut() {
            module.header = None;
            module.items.sort_by(|a, b| a.name().cmp(b.name()));
            for item in &mut module.items {
                if let Item::Func(f) = item {
                    f.layout = 0;
                    f.comment = None;
                }
            }
        }
        p.render()
    }

    /// Applies one random edit to the model; returns what it did, for failure messages.
    fn random_edit(&mut self, rng: &mut Rng) -> String {
        let refs = if rng.chance(85) {
            Refs::Follow
        } else {
            Refs::Freeze
        };
        let frozen = if refs == Refs::Freeze {
            " (references left stale)"
        } else {
            ""
        };
        // Most edits of a broken file also repair it, as someone fixing a typo would.
        if rng.chance(40) {
            for module in self.modules.values_mut() {
                module.corruption = None;
            }
        }
        let any_fn = |i: &Item| matches!(i, Item::Func(_));
        let plain_fn = |i: &Item| matches!(i, Item::Func(f) if !f.test);
        match rng.below(30) {
            0..=3 => {
                // A body edit: a constant or an operator of one statement, or the start value.
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                let f = self.func_mut(id).expect("picked");
                let scales: Vec<usize> = (0..f.stmts.len())
                    .filter(|&i| matches!(f.stmts[i], Stmt::Scale { .. }))
                    .collect();
                let others: Vec<usize> = (0..f.stmts.len())
                    .filter(|&i| {
                        !matches!(
                            f.stmts[i],
                            Stmt::Scale { .. }
                                | Stmt::Const { .. }
                                | Stmt::Struct { .. }
                                | Stmt::Print
                                | Stmt::TypeError
                        )
                    })
                    .collect();
                if !others.is_empty() && rng.chance(40) {
                    let i = others[rng.below(others.len())];
                    let what = edit_stmt(rng, &mut f.stmts[i]);
                    return format!("body edit of {}: {what} in statement {i}", f.name);
                }
                if !scales.is_empty() && rng.chance(50) {
                    let i = scales[rng.below(scales.len())];
                    if let Stmt::Scale { op, by } = &mut f.stmts[i] {
                        *op = ['+', '-', '*'][rng.below(3)];
                        *by = 1 + rng.below(40) as i64;
                    }
                } else if f.test && rng.chance(40) {
                    f.check.1 = (f.check.1 + 1) % f.check.0;
                } else {
                    f.base = (f.base + 1 + rng.below(30) as i64) % 100;
                }
                format!("body edit of {}", f.name)
            }
            4 | 5 => {
                // Add or remove a statement.
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                let tier = self.func_mut(id).expect("picked").tier;
                let stmt = self.random_stmt(rng, tier);
                let f = self.func_mut(id).expect("picked");
                let calls = f
                    .stmts
                    .iter()
                    .filter(|s| matches!(s, Stmt::Call { .. }))
                    .count();
                if !f.stmts.is_empty() && (rng.chance(40) || calls >= 3) {
                    let i = rng.below(f.stmts.len());
                    f.stmts.remove(i);
                    format!("remove statement {i} of {}", f.name)
                } else {
                    let at = rng.below(f.stmts.len() + 1);
                    f.stmts.insert(at, stmt);
                    format!("add statement to {}", f.name)
                }
            }
            6 => {
                let Some(id) = self.pick_id(rng, plain_fn) else {
                    return self.add_function(rng, false);
                };
                self.before_change(id, refs);
                let f = self.func_mut(id).expect("picked");
                f.params = (f.params + 1 + rng.below(2)) % 3;
                format!("{} now has {} parameters{frozen}", f.name, f.params)
            }
            7 => {
                let Some(id) = self.pick_id(rng, plain_fn) else {
                    return self.add_function(rng, false);
                };
                self.before_change(id, refs);
                let f = self.func_mut(id).expect("picked");
                let others: Vec<Ret> = Ret::ALL.into_iter().filter(|r| *r != f.ret).collect();
                f.ret = others[rng.below(others.len())];
                format!("{} now returns {:?}{frozen}", f.name, f.ret)
            }
            8 | 10 => {
                // Whitespace only: one function, or a whole file as a formatter would.
                let layout = rng.below(4) as u8;
                if rng.chance(50) {
                    let m = self.random_module(rng);
                    for item in &mut self.modules.get_mut(&m).expect("module").items {
                        if let Item::Func(f) = item {
                            f.layout = layout;
                        }
                    }
                    return format!("layout {layout} for every function of {m}");
                }
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                let f = self.func_mut(id).expect("picked");
                f.layout = layout;
                format!("layout {layout} for {}", f.name)
            }
            9 => {
                // Comments only.
                let n = self.fresh();
                if rng.chance(40) {
                    let m = self.random_module(rng);
                    let module = self.modules.get_mut(&m).expect("module");
                    module.header = match module.header {
                        Some(_) if rng.chance(50) => None,
                        _ => Some(n),
                    };
                    format!("header comment of {m}")
                } else {
                    let Some(id) = self.pick_id(rng, any_fn) else {
                        return self.add_function(rng, false);
                    };
                    let inside = rng.chance(50);
                    let f = self.func_mut(id).expect("picked");
                    f.comment = match f.comment {
                        Some(_) if rng.chance(40) => None,
                        _ => Some((n, inside)),
                    };
                    format!("comment on {}", f.name)
                }
            }
            11 => {
                let test = rng.chance(40);
                self.add_function(rng, test)
            }
            12 => {
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                let removed = self.remove_item(id, refs).expect("picked");
                format!("remove {}{frozen}", removed.name())
            }
            13 => {
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                self.before_change(id, refs);
                let n = self.fresh();
                let f = self.func_mut(id).expect("picked");
                let old = std::mem::replace(
                    &mut f.name,
                    format!("{}{n}", if f.test { 't' } else { 'f' }),
                );
                format!("rename {old} to {}{frozen}", f.name)
            }
            14 | 15 => {
                // Move any item to another module (a new file place), or within its file.
                let Some(id) = self.pick_id(rng, |_| true) else {
                    return self.add_function(rng, false);
                };
                let within = rng.chance(50);
                if !within {
                    self.before_change(id, refs);
                }
                let (m, i) = self.locate(id).expect("picked");
                let item = self.modules.get_mut(&m).expect("module").items.remove(i);
                let to = if within {
                    m.clone()
                } else {
                    self.random_module(rng)
                };
                let name = item.name().to_string();
                let items = &mut self.modules.get_mut(&to).expect("module").items;
                let at = rng.below(items.len() + 1);
                items.insert(at, item);
                if within {
                    format!("move {name} within {m} to position {at}")
                } else {
                    format!("move {name} from {m} to {to}{frozen}")
                }
            }
            16 => {
                // Visibility: an error for users in other modules until fixed.
                let Some(id) = self.pick_id(rng, |_| true) else {
                    return self.add_function(rng, false);
                };
                let item = self.item_mut(id).expect("picked");
                let name = item.name().to_string();
                let now = match item {
                    Item::Func(f) => {
                        f.public = !f.public;
                        f.public
                    }
                    Item::Struct(s) => {
                        s.public = !s.public;
                        s.public
                    }
                    Item::Const(c) => {
                        c.public = !c.public;
                        c.public
                    }
                };
                format!("{name} is now {}", if now { "pub" } else { "private" })
            }
            17 | 18 => {
                // Struct shape: add, remove, rename or reorder a field; the method.
                let Some(id) = self.pick_id(rng, |i| matches!(i, Item::Struct(_))) else {
                    return self.add_struct(rng);
                };
                let kind = rng.below(6);
                // Reordering fields changes the layout only; users' literals stay valid.
                if kind != 3 {
                    self.before_change(id, refs);
                }
                let n = self.fresh();
                let Some(Item::Struct(s)) = self.item_mut(id) else {
                    unreachable!("picked a struct");
                };
                match kind {
                    0 => {
                        let at = rng.below(s.fields.len() + 1);
                        s.fields.insert(at, format!("x{n}"));
                        format!("add field x{n} to {}{frozen}", s.name)
                    }
                    1 if s.fields.len() > 1 => {
                        let removed = s.fields.remove(rng.below(s.fields.len()));
                        format!("remove field {removed} of {}{frozen}", s.name)
                    }
                    2 => {
                        let i = rng.below(s.fields.len());
                        s.fields[i] = format!("x{n}");
                        format!("rename field {i} of {} to x{n}{frozen}", s.name)
                    }
                    3 => {
                        s.fields.rotate_left(1);
                        format!("reorder the fields of {}", s.name)
                    }
                    4 => {
                        s.method = match s.method {
                            Some(_) => None,
                            None => Some(rng.below(20) as i64),
                        };
                        format!("toggle the method of {}{frozen}", s.name)
                    }
                    _ => {
                        s.method = Some(s.method.map_or(0, |k| k + 1 + rng.below(5) as i64));
                        format!("edit the method of {}", s.name)
                    }
                }
            }
            19 => {
                // Add, remove or rename a struct.
                let Some(id) = self.pick_id(rng, |i| matches!(i, Item::Struct(_))) else {
                    return self.add_struct(rng);
                };
                match rng.below(3) {
                    0 => self.add_struct(rng),
                    1 => {
                        let removed = self.remove_item(id, refs).expect("picked");
                        format!("remove struct {}{frozen}", removed.name())
                    }
                    _ => {
                        self.before_change(id, refs);
                        let n = self.fresh();
                        let Some(Item::Struct(s)) = self.item_mut(id) else {
                            unreachable!("picked a struct");
                        };
                        let old = std::mem::replace(&mut s.name, format!("S{n}"));
                        format!("rename struct {old} to S{n}{frozen}")
                    }
                }
            }
            20 | 21 => {
                // Constants: a new value (most often), add, remove, rename.
                let Some(id) = self.pick_id(rng, |i| matches!(i, Item::Const(_))) else {
                    return self.add_const(rng);
                };
                match rng.below(6) {
                    0 => self.add_const(rng),
                    1 => {
                        let removed = self.remove_item(id, refs).expect("picked");
                        format!("remove const {}{frozen}", removed.name())
                    }
                    2 => {
                        self.before_change(id, refs);
                        let n = self.fresh();
                        let Some(Item::Const(c)) = self.item_mut(id) else {
                            unreachable!("picked a const");
                        };
                        let old = std::mem::replace(&mut c.name, format!("K{n}"));
                        format!("rename const {old} to K{n}{frozen}")
                    }
                    _ => {
                        let Some(Item::Const(c)) = self.item_mut(id) else {
                            unreachable!("picked a const");
                        };
                        c.value = (c.value + 1 + rng.below(7) as i64) % 90;
                        format!("{} = {}", c.name, c.value)
                    }
                }
            }
            22 => {
                // Modules come and go.
                let absent: Vec<&str> = MODULE_NAMES
                    .iter()
                    .copied()
                    .filter(|m| !self.modules.contains_key(*m))
                    .collect();
                if !absent.is_empty() && (self.modules.len() < 4 || rng.chance(50)) {
                    let name = absent[rng.below(absent.len())].to_string();
                    self.modules.insert(name.clone(), Module::default());
                    format!("add module {name}")
                } else {
                    let m = self.random_module(rng);
                    if m == "main" {
                        return self.add_function(rng, false);
                    }
                    let ids: Vec<u32> = self.modules[&m].items.iter().map(Item::id).collect();
                    for id in ids {
                        match refs {
                            Refs::Freeze => self.freeze_refs(id),
                            Refs::Follow => self.drop_refs(id),
                        }
                    }
                    self.modules.remove(&m);
                    format!("remove module {m}{frozen}")
                }
            }
            23 | 24 => {
                const JUNK: &[&str] = &[")", "{", "fn", "let", "\"", ";;", "}", "@", "/*", "-"];
                let junk = JUNK[rng.below(JUNK.len())];
                let m = self.random_module(rng);
                let offset = rng.below(1500);
                self.modules.get_mut(&m).expect("module").corruption = Some((offset, junk));
                format!("break the syntax of {m} with `{junk}` at byte {offset}")
            }
            25 => {
                let Some(id) = self.pick_id(rng, any_fn) else {
                    return self.add_function(rng, false);
                };
                let f = self.func_mut(id).expect("picked");
                let at = rng.below(f.stmts.len() + 1);
                f.stmts.insert(at, Stmt::TypeError);
                format!("type error in {}", f.name)
            }
            _ => {
                self.fix();
                "fix every error".into()
            }
        }
    }

    /// The package's files: `holo.toml` and one `.holo` file per module.
    pub fn render(&self) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        files.insert(
            "holo.toml".to_string(),
            "[package]\nname = \"random\"\nversion = \"0.1.0\"\nedition = \"2026\"\n".to_string(),
        );
        for (name, module) in &self.modules {
            let path = if name == "main" {
                "src/main.holo".to_string()
            } else {
                format!("src/{}.holo", name.replace("::", "/"))
            };
            let mut text = String::new();
            if let Some(n) = module.header {
                text.push_str(&format!("// revision {n}\n// of this module\n\n"));
            }
            if name == "main" {
                text.push_str("fn main() {\n    println(\"hi\");\n}\n\n");
            }
            for item in &module.items {
                match item {
                    Item::Func(f) => self.render_func(&mut text, name, f),
                    Item::Struct(s) => render_struct(&mut text, s),
                    Item::Const(c) => text.push_str(&format!(
                        "{}const {}: i64 = {};\n\n",
                        if c.public { "pub " } else { "" },
                        c.name,
                        c.value
                    )),
                }
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

    fn render_func(&self, out: &mut String, module: &str, f: &Func) {
        let (indent, sep) = match f.layout {
            1 => ("        ", "  "),
            _ => ("    ", " "),
        };
        if let Some((n, false)) = f.comment {
            out.push_str(&format!("// note {n}\n"));
        }
        if f.test {
            out.push_str("#[test]\n");
        }
        if f.public {
            out.push_str("pub ");
        }
        let params: Vec<String> = (0..f.params).map(|p| format!("p{p}: i64")).collect();
        let ret = match (f.test, f.ret) {
            (true, _) => String::new(),
            (false, Ret::I64) => format!(" ->{sep}i64"),
            (false, Ret::Str) => format!(" ->{sep}str"),
            (false, Ret::Opt) => format!(" ->{sep}Option<i64>"),
            (false, Ret::Res) => format!(" ->{sep}Result<i64, str>"),
        };
        out.push_str(&format!(
            "fn {}({}){ret}{sep}{{\n",
            f.name,
            params.join(", ")
        ));
        if let Some((n, true)) = f.comment {
            out.push_str(&format!("{indent}// note {n}\n"));
        }
        let start = match f.params {
            0 => "1".to_string(),
            1 => "p0 * 2".to_string(),
            _ => "p0 * 2 + p1".to_string(),
        };
        let mut lines = vec![
            format!("let mut v ={sep}{};", f.base),
            format!("v = v + {start};"),
        ];
        for (k, stmt) in f.stmts.iter().enumerate() {
            let caller = (!f.test).then_some(f.ret);
            if let Some(line) = self.render_stmt(module, k, stmt, caller) {
                lines.push(line);
            }
        }
        match f.layout {
            3 => out.push_str(&format!("{indent}{}\n", lines.join(" "))),
            2 => out.push_str(&format!(
                "{indent}{}\n",
                lines.join(&format!("\n\n{indent}"))
            )),
            _ => {
                for line in &lines {
                    out.push_str(&format!("{indent}{line}\n"));
                }
            }
        }
        let tail = match (f.test, f.ret) {
            (true, _) => {
                let (m, r, eq) = f.check;
                if eq {
                    format!("assert_eq(v % {m}, {r});")
                } else {
                    format!("assert(v % {m} != {r});")
                }
            }
            (false, Ret::I64) => "v % 1000".to_string(),
            (false, Ret::Str) => "v.to_str()".to_string(),
            (false, Ret::Opt) => "if v % 5 == 0 { None } else { Some(v % 1000) }".to_string(),
            (false, Ret::Res) => {
                "if v % 7 == 3 { Err(\"odd \" + v.to_str()) } else { Ok(v % 1000) }".to_string()
            }
        };
        out.push_str(&format!("{indent}{tail}\n}}\n\n"));
    }

    /// One statement, or `None` when it refers to something gone (a consistent reference
    /// to a removed item never survives an edit; this is for safety).
    fn render_stmt(
        &self,
        module: &str,
        k: usize,
        stmt: &Stmt,
        caller: Option<Ret>,
    ) -> Option<String> {
        Some(match stmt {
            Stmt::Call {
                callee,
                frozen,
                via,
                how,
                k: factor,
            } => {
                let (target, params, ret) = match frozen {
                    Some(fc) => (fc.target.clone(), fc.params, fc.ret),
                    None => {
                        let (m, item) = self.item(*callee)?;
                        let Item::Func(f) = item else { return None };
                        (
                            Target {
                                module: m.to_string(),
                                name: f.name.clone(),
                            },
                            f.params,
                            f.ret,
                        )
                    }
                };
                let args = ["v % 7", "v % 11 + 1"][..params].join(", ");
                let call = format!("{}({args})", path(module, &target));
                // `?` only where it returns from the function itself, not from a closure.
                let may_try = *via == Via::Direct && caller == Some(ret);
                let value = consume(&call, ret, *how, may_try);
                match via {
                    Via::Direct => format!("v = v + {value};"),
                    Via::Closure => format!(
                        "let c{k} = |x: i64| -> i64 {{ x * {factor} + {value} }}; v = v + c{k}(v % 5);"
                    ),
                    Via::Map => format!("v = v + [v % 3].map(|x| x * {factor} + {value})[0];"),
                    Via::FnValue => format!(
                        "let g{k}: fn(i64) -> i64 = |x| x * {factor} + {value}; v = v + g{k}(1);"
                    ),
                }
            }
            Stmt::Const { konst, frozen } => {
                let target = match frozen {
                    Some(t) => t.clone(),
                    None => {
                        let (m, item) = self.item(*konst)?;
                        Target {
                            module: m.to_string(),
                            name: item.name().to_string(),
                        }
                    }
                };
                format!("v = v + {};", path(module, &target))
            }
            Stmt::Struct { strukt, frozen } => {
                let (target, mut fields, method) = match frozen {
                    Some(fs) => (fs.target.clone(), fs.fields.clone(), fs.method),
                    None => {
                        let (m, item) = self.item(*strukt)?;
                        let Item::Struct(s) = item else { return None };
                        (
                            Target {
                                module: m.to_string(),
                                name: s.name.clone(),
                            },
                            s.fields.clone(),
                            s.method.is_some(),
                        )
                    }
                };
                // Literal fields in name order, so that reordering the declaration changes
                // the layout but not the users' text.
                fields.sort();
                let init: Vec<String> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| format!("{f}: v % {}", i + 2))
                    .collect();
                let mut sum: Vec<String> = fields.iter().map(|f| format!("s{k}.{f}")).collect();
                if method {
                    sum.push(format!("s{k}.total()"));
                }
                format!(
                    "let s{k} = {} {{ {} }}; v = v + {};",
                    path(module, &target),
                    init.join(", "),
                    sum.join(" + ")
                )
            }
            Stmt::Print => "println(\"v = \" + v.to_str());".to_string(),
            Stmt::Divide { offset } => format!("v = v + 100 / (v % 9 - {offset});"),
            Stmt::Index { len } => {
                let elems: Vec<String> = (1..=*len).map(|i| i.to_string()).collect();
                format!(
                    "let xs{k} = [{}]; v = v + xs{k}[(v % 4 + 4) % 4];",
                    elems.join(", ")
                )
            }
            Stmt::Scale { op, by } => format!("v = (v {op} {by}) % 1000;"),
            Stmt::TypeError => "v = v + true;".to_string(),
            Stmt::Tuple { k: c } => format!(
                "let t{k} = (v % 10 + {c}, \"ab\"); let (a{k}, b{k}) = t{k}; \
                 v = v + a{k} * 2 + b{k}.len() + t{k}.0; \
                 v = v + match (v % 2, a{k}) {{ (0, y) => y, (_, y) => y + 1 }}; \
                 for (i, w) in [(1, v % 3), (2, {c})] {{ v = v + i * w; }}"
            ),
            Stmt::MapInt { n, k: c } => format!(
                "let mut m{k}: Map<i64, i64> = Map::new(); \
                 for i in 0..{n} {{ m{k}.insert(i % 3, v + i * {c}); }} \
                 v = v + m{k}.get(1).unwrap_or({c}) + m{k}.len(); \
                 for (a, b) in m{k} {{ v = (v + a * b) % 1000; }} \
                 let mut j{k} = 0; while let Some(x) = m{k}.remove(j{k}) {{ v = v + x % 10; j{k} = j{k} + 1; }}"
            ),
            Stmt::MapStr { k: c } => format!(
                "let mut w{k}: Map<str, i64> = Map::new(); w{k}.insert(\"a\" + v.to_str(), v % 50); \
                 w{k}.insert(\"b\", {c}); w{k}.insert(\"a\" + (v % 3).to_str(), 1); \
                 for key in w{k}.keys() {{ v = v + key.len(); }} \
                 v = v + w{k}.values()[0] + w{k}.len(); \
                 if w{k}.contains_key(\"a1\") {{ v = v + 3; }}"
            ),
            Stmt::Bits { op, by } => format!("v = ((v & 1023) {op} {by}) % 1000;"),
            Stmt::Sort { k: c } => format!(
                "let mut zs{k} = [v % 7, {c}, v % 5, 1]; zs{k}.sort_by(|a, b| b.cmp(a)); \
                 v = v + zs{k}[0] * 10 + zs{k}[3]; \
                 v = v + match v.cmp({c}) {{ Ordering::Less => 1, Ordering::Equal => 2, Ordering::Greater => 3 }}; \
                 v = v + zs{k}.filter(|x| x % 2 == v % 2).len();"
            ),
            Stmt::Parse { k: c } => {
                // Every fourth constant makes the text unparsable: an `Err` to handle.
                let text = format!(
                    "((v % 50).to_str() + \"{}\")",
                    if c % 4 == 0 {
                        "x".to_string()
                    } else {
                        c.to_string()
                    }
                );
                if caller == Some(Ret::Res) && c % 3 != 0 {
                    format!("v = v + {text}.parse_i64()? % 100;")
                } else {
                    format!(
                        "v = v + match {text}.parse_i64() {{ Ok(n) => n % 100, Err(e) => e.len() }};"
                    )
                }
            }
        })
    }
}

/// A value returned by a generated function, for [`Project::expected_outcomes`].
#[derive(Clone, Debug)]
enum Val {
    Int(i64),
    Str(String),
    Opt(Option<i64>),
    Res(Result<i64, String>),
}

/// A run-time error (division by zero, an index out of bounds, `unwrap` of `None`…) in the
/// reference evaluator: the test fails.
struct Fails;

impl Project {
    /// What each `#[test]` of a project without errors must do, computed from the model by a
    /// reference evaluator that knows holo's semantics: test name (`module::name`) → passes.
    /// An independent oracle for the values the code computes, second core included.
    pub fn expected_outcomes(&self) -> BTreeMap<String, bool> {
        let mut out = BTreeMap::new();
        for (m, module) in &self.modules {
            for item in &module.items {
                if let Item::Func(f) = item
                    && f.test
                {
                    let name = if m == "main" {
                        f.name.clone()
                    } else {
                        format!("{m}::{}", f.name)
                    };
                    out.insert(name, self.eval_func(f, &[]).is_ok());
                }
            }
        }
        out
    }

    fn eval_func(&self, f: &Func, args: &[i64]) -> Result<Val, Fails> {
        let mut v = f.base;
        v += match args {
            [] => 1,
            [p0] => p0 * 2,
            [p0, p1, ..] => p0 * 2 + p1,
        };
        let caller = (!f.test).then_some(f.ret);
        for stmt in &f.stmts {
            if let Some(early) = self.eval_stmt(stmt, caller, &mut v)? {
                return Ok(Val::Res(Err(early)));
            }
        }
        if f.test {
            let (m, r, eq) = f.check;
            return if (v % m == r) == eq {
                Ok(Val::Int(0))
            } else {
                Err(Fails)
            };
        }
        Ok(match f.ret {
            Ret::I64 => Val::Int(v % 1000),
            Ret::Str => Val::Str(v.to_string()),
            Ret::Opt => Val::Opt((v % 5 != 0).then_some(v % 1000)),
            Ret::Res if v % 7 == 3 => Val::Res(Err(format!("odd {v}"))),
            Ret::Res => Val::Res(Ok(v % 1000)),
        })
    }

    /// Runs one statement; `Some(error)` when a `?` returns it from the function.
    fn eval_stmt(
        &self,
        stmt: &Stmt,
        caller: Option<Ret>,
        v: &mut i64,
    ) -> Result<Option<String>, Fails> {
        let div = |a: i64, b: i64| if b == 0 { Err(Fails) } else { Ok(a / b) };
        match stmt {
            Stmt::Call {
                callee,
                via,
                how,
                k: factor,
                ..
            } => {
                let Some((_, Item::Func(g))) = self.item(*callee) else {
                    return Ok(None);
                };
                let args = [*v % 7, *v % 11 + 1];
                let got = self.eval_func(g, &args[..g.params])?;
                let may_try = *via == Via::Direct && caller == Some(g.ret);
                let value = match (got, how % 8) {
                    (Val::Int(n), _) => n,
                    (Val::Str(s), _) => s.len() as i64,
                    (Val::Opt(o), 0 | 5) => o.unwrap_or(3),
                    (Val::Opt(o), 1 | 6) => o.unwrap_or(2),
                    (Val::Opt(o), 2 | 7) => o.unwrap_or(1),
                    (Val::Opt(o), 3) => {
                        if o.is_none() {
                            4
                        } else {
                            0
                        }
                    }
                    (Val::Opt(o), _) => o.ok_or(Fails)?,
                    (Val::Res(r), 0..=3) if may_try => match r {
                        Ok(n) => n,
                        Err(e) => return Ok(Some(e)),
                    },
                    (Val::Res(r), 0 | 7) => r.unwrap_or(0),
                    (Val::Res(r), 1 | 5) => r.unwrap_or_else(|e| e.len() as i64),
                    (Val::Res(r), 2 | 6) => r.unwrap_or(5),
                    (Val::Res(r), 3) => {
                        if r.is_ok() {
                            0
                        } else {
                            6
                        }
                    }
                    (Val::Res(r), _) => r.map_err(|_| Fails)?,
                };
                *v += match via {
                    Via::Direct => value,
                    Via::Closure => *v % 5 * factor + value,
                    Via::Map => *v % 3 * factor + value,
                    Via::FnValue => factor + value,
                };
            }
            Stmt::Const { konst, .. } => {
                if let Some((_, Item::Const(c))) = self.item(*konst) {
                    *v += c.value;
                }
            }
            Stmt::Struct { strukt, .. } => {
                if let Some((_, Item::Struct(s))) = self.item(*strukt) {
                    let mut fields = s.fields.clone();
                    fields.sort();
                    let sum: i64 = (0..fields.len() as i64).map(|i| *v % (i + 2)).sum();
                    *v += sum + s.method.map_or(0, |k| sum + k);
                }
            }
            Stmt::Print | Stmt::TypeError => {}
            Stmt::Divide { offset } => *v += div(100, *v % 9 - offset)?,
            Stmt::Index { len } => {
                let i = (*v % 4 + 4) % 4;
                if i as usize >= *len {
                    return Err(Fails);
                }
                *v += i + 1;
            }
            Stmt::Scale { op, by } => {
                *v = match op {
                    '+' => *v + by,
                    '-' => *v - by,
                    _ => *v * by,
                } % 1000;
            }
            Stmt::Tuple { k: c } => {
                let a = *v % 10 + c;
                *v += a * 2 + 2 + a;
                *v += if *v % 2 == 0 { a } else { a + 1 };
                let pairs = [(1, *v % 3), (2, *c)];
                for (i, w) in pairs {
                    *v += i * w;
                }
            }
            Stmt::MapInt { n, k: c } => {
                // Insertion order; a new value for a key keeps the key's place.
                let mut m: Vec<(i64, i64)> = Vec::new();
                for i in 0..*n {
                    let value = *v + i * c;
                    match m.iter_mut().find(|e| e.0 == i % 3) {
                        Some(e) => e.1 = value,
                        None => m.push((i % 3, value)),
                    }
                }
                *v += m.iter().find(|e| e.0 == 1).map_or(*c, |e| e.1) + m.len() as i64;
                for (a, b) in &m {
                    *v = (*v + a * b) % 1000;
                }
                let mut j = 0;
                while let Some(at) = m.iter().position(|e| e.0 == j) {
                    *v += m.remove(at).1 % 10;
                    j += 1;
                }
            }
            Stmt::MapStr { k: c } => {
                let mut w: Vec<(String, i64)> = Vec::new();
                for (key, value) in [
                    (format!("a{v}"), *v % 50),
                    ("b".to_string(), *c),
                    (format!("a{}", *v % 3), 1),
                ] {
                    match w.iter_mut().find(|e| e.0 == key) {
                        Some(e) => e.1 = value,
                        None => w.push((key, value)),
                    }
                }
                for (key, _) in &w {
                    *v += key.len() as i64;
                }
                *v += w[0].1 + w.len() as i64;
                if w.iter().any(|e| e.0 == "a1") {
                    *v += 3;
                }
            }
            Stmt::Bits { op, by } => {
                let x = *v & 1023;
                *v = match *op {
                    "&" => x & by,
                    "|" => x | by,
                    "^" => x ^ by,
                    "<<" => x << by,
                    _ => x >> by,
                } % 1000;
            }
            Stmt::Sort { k: c } => {
                let mut zs = [*v % 7, *c, *v % 5, 1];
                zs.sort_by(|a, b| b.cmp(a));
                *v += zs[0] * 10 + zs[3];
                *v += match (*v).cmp(c) {
                    std::cmp::Ordering::Less => 1,
                    std::cmp::Ordering::Equal => 2,
                    std::cmp::Ordering::Greater => 3,
                };
                let parity = *v % 2;
                *v += zs.iter().filter(|x| *x % 2 == parity).count() as i64;
            }
            Stmt::Parse { k: c } => {
                let suffix = if c % 4 == 0 {
                    "x".to_string()
                } else {
                    c.to_string()
                };
                let text = format!("{}{suffix}", *v % 50);
                let parsed: Result<i64, String> = text
                    .parse()
                    .map_err(|_| format!("cannot parse \"{text}\" as an i64"));
                if caller == Some(Ret::Res) && c % 3 != 0 {
                    match parsed {
                        Ok(n) => *v += n % 100,
                        Err(e) => return Ok(Some(e)),
                    }
                } else {
                    *v += parsed.map_or_else(|e| e.len() as i64, |n| n % 100);
                }
            }
        }
        Ok(None)
    }
}

/// An expression of type `i64` from `call`, which returns `ret`; `how` picks among the ways
/// of taking an `Option` or `Result` apart (some of which fail at run time on `None`/`Err`).
fn consume(call: &str, ret: Ret, how: u8, may_try: bool) -> String {
    match (ret, how % 8) {
        (Ret::I64, _) => call.to_string(),
        (Ret::Str, _) => format!("{call}.len()"),
        (Ret::Opt, 0 | 5) => format!("{call}.unwrap_or(3)"),
        (Ret::Opt, 1 | 6) => format!("match {call} {{ Some(x) => x, None => 2 }}"),
        (Ret::Opt, 2 | 7) => format!("if let Some(y) = {call} {{ y }} else {{ 1 }}"),
        (Ret::Opt, 3) => format!("if {call}.is_none() {{ 4 }} else {{ 0 }}"),
        (Ret::Opt, _) => format!("{call}.expect(\"some\")"),
        (Ret::Res, 0..=3) if may_try => format!("{call}?"),
        (Ret::Res, 0 | 7) => format!("{call}.unwrap_or(0)"),
        (Ret::Res, 1 | 5) => format!("match {call} {{ Ok(x) => x, Err(e) => e.len() }}"),
        (Ret::Res, 2 | 6) => format!("if let Ok(y) = {call} {{ y }} else {{ 5 }}"),
        (Ret::Res, 3) => format!("if {call}.is_ok() {{ 0 }} else {{ 6 }}"),
        (Ret::Res, _) => format!("{call}.unwrap()"),
    }
}

fn random_bits(rng: &mut Rng) -> Stmt {
    let op = BIT_OPS[rng.below(BIT_OPS.len())];
    // Shifts stay small: `(v & 1023) << 8` is far from overflow.
    let by = if op.len() == 2 {
        rng.below(9) as i64
    } else {
        rng.below(256) as i64
    };
    Stmt::Bits { op, by }
}

/// Changes a constant or the shape of one statement of the new kinds (a closure body, how an
/// `Option` is taken apart, a bitwise operator); returns what it did.
fn edit_stmt(rng: &mut Rng, stmt: &mut Stmt) -> String {
    match stmt {
        Stmt::Call { via, how, k, .. } => match rng.below(3) {
            0 => {
                *k = *k % 5 + 1;
                format!("closure factor {k}")
            }
            1 => {
                *how = (*how + 1 + rng.below(7) as u8) % 8;
                format!("consumption {how}")
            }
            _ => {
                *via = VIAS[rng.below(VIAS.len())];
                format!("call via {via:?}")
            }
        },
        Stmt::Bits { .. } => {
            *stmt = random_bits(rng);
            format!("{stmt:?}")
        }
        Stmt::MapInt { n, k } => {
            if rng.chance(50) {
                *n = (*n + 1) % 6;
            } else {
                *k = (*k + 1) % 20;
            }
            format!("{stmt:?}")
        }
        Stmt::Tuple { k } | Stmt::MapStr { k } | Stmt::Sort { k } | Stmt::Parse { k } => {
            *k = (*k + 1 + rng.below(5) as i64) % 30;
            format!("{stmt:?}")
        }
        Stmt::Divide { offset } => {
            *offset = (*offset + 1) % 9;
            format!("{stmt:?}")
        }
        Stmt::Index { len } => {
            *len = 3 + (*len - 2) % 3;
            format!("{stmt:?}")
        }
        _ => "nothing".into(),
    }
}

fn render_struct(out: &mut String, s: &StructDef) {
    let vis = if s.public { "pub " } else { "" };
    out.push_str(&format!("{vis}struct {} {{\n", s.name));
    for f in &s.fields {
        out.push_str(&format!("    pub {f}: i64,\n"));
    }
    out.push_str("}\n\n");
    if let Some(k) = s.method {
        let sum: Vec<String> = s.fields.iter().map(|f| format!("self.{f}")).collect();
        out.push_str(&format!(
            "impl {} {{\n    pub fn total(self) -> i64 {{\n        {} + {k}\n    }}\n}}\n\n",
            s.name,
            sum.join(" + ")
        ));
    }
}

/// How code in `from` names `target`.
fn path(from: &str, target: &Target) -> String {
    if target.module == from {
        target.name.clone()
    } else if target.module == "main" {
        format!("crate::{}", target.name)
    } else {
        format!("{}::{}", target.module, target.name)
    }
}

/// Whether an operator after `before` would be a prefix operator.
fn unary_position(before: &str) -> bool {
    before
        .trim_end()
        .chars()
        .next_back()
        .is_none_or(|c| matches!(c, '=' | '(' | ',' | '[' | '{'))
}

/// One mutation of a rendered file: replace `len` bytes at `offset` of `file` by `with`.
#[derive(Clone, Debug)]
pub struct Mutant {
    pub file: String,
    pub offset: usize,
    pub len: usize,
    pub with: String,
    /// What it does, with the line, for messages.
    pub description: String,
}

impl Mutant {
    /// The file's text with the mutation applied.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        out.replace_range(self.offset..self.offset + self.len, &self.with);
        out
    }
}

/// Every one-token mutation of the rendered files' code (not of comments, `main` or the
/// manifest): an operator (`+ - * / %`, `!=`, `==`), an integer constant, two arguments
/// swapped, a different return value, a bitwise operator or shift, a reversed comparator.
pub fn mutants(files: &BTreeMap<String, String>) -> Vec<Mutant> {
    let mut out = Vec::new();
    for (file, text) in files {
        if !file.ends_with(".holo") {
            continue;
        }
        let mut offset = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let line_no = n + 1;
            let code = line.trim_end_matches('\n');
            let trimmed = code.trim_start();
            let skip = trimmed.starts_with("//")
                || trimmed.starts_with("#[")
                || trimmed.starts_with("fn main")
                || trimmed.starts_with("println(\"hi\")")
                || trimmed.starts_with("pub fn")
                || trimmed.starts_with("fn ")
                || trimmed.starts_with("pub struct")
                || trimmed.starts_with("struct")
                || trimmed.starts_with("pub x")
                || trimmed.starts_with("impl");
            if !skip {
                line_mutants(file, code, offset, line_no, &mut out);
            }
            offset += line.len();
        }
    }
    out
}

fn line_mutants(file: &str, code: &str, base: usize, line_no: usize, out: &mut Vec<Mutant>) {
    let bytes = code.as_bytes();
    let mut push = |at: usize, len: usize, with: &str, what: String| {
        out.push(Mutant {
            file: file.to_string(),
            offset: base + at,
            len,
            with: with.to_string(),
            description: format!("{file}:{line_no}: {what} in `{}`", code.trim()),
        });
    };
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            in_string = !in_string;
            i += 1;
            continue;
        }
        if in_string {
            i += 1;
            continue;
        }
        let prev_ident = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if c.is_ascii_digit() && !prev_ident {
            let end = (i..bytes.len())
                .find(|&j| !bytes[j].is_ascii_digit())
                .unwrap_or(bytes.len());
            let value: i64 = code[i..end].parse().unwrap_or(0);
            push(
                i,
                end - i,
                &(value + 1).to_string(),
                format!("{value} -> {}", value + 1),
            );
            i = end;
            continue;
        }
        let next = bytes.get(i + 1).copied();
        match (c, next) {
            (b'!', Some(b'=')) => {
                push(i, 2, "==", "!= -> ==".into());
                i += 2;
                continue;
            }
            (b'=', Some(b'=')) => {
                push(i, 2, "!=", "== -> !=".into());
                i += 2;
                continue;
            }
            (b'-', Some(b'>')) => {
                i += 2;
                continue;
            }
            (b'+', _) if next != Some(b'=') => push(i, 1, "-", "+ -> -".into()),
            // Only a binary minus: `+5` is not an expression.
            (b'-', _) if next != Some(b'=') && !unary_position(&code[..i]) => {
                push(i, 1, "+", "- -> +".into())
            }
            (b'<', Some(b'<')) | (b'>', Some(b'>')) => {
                let (from, to) = if c == b'<' {
                    ("<<", ">>")
                } else {
                    (">>", "<<")
                };
                push(i, 2, to, format!("{from} -> {to}"));
                i += 2;
                continue;
            }
            (b'&', _) if next != Some(b'&') && bytes.get(i.wrapping_sub(1)) != Some(&b'&') => {
                push(i, 1, "|", "& -> |".into())
            }
            (b'^', _) => push(i, 1, "&", "^ -> &".into()),
            (b'*', _) => push(i, 1, "+", "* -> +".into()),
            (b'%', _) => push(i, 1, "/", "% -> /".into()),
            (b'/', _) if next != Some(b'/') => push(i, 1, "*", "/ -> *".into()),
            _ => {}
        }
        i += 1;
    }
    // Swapped arguments of a two-argument call.
    if let Some(at) = code.find("(v % 7, v % 11 + 1)") {
        push(
            at,
            "(v % 7, v % 11 + 1)".len(),
            "(v % 11 + 1, v % 7)",
            "arguments swapped".into(),
        );
    }
    // The other order of a comparator.
    if let Some(at) = code.find("b.cmp(a)") {
        push(
            at,
            "b.cmp(a)".len(),
            "a.cmp(b)",
            "comparator reversed".into(),
        );
    }
    // A different return value.
    let trimmed = code.trim_start();
    let indent = code.len() - trimmed.len();
    if trimmed == "v % 1000" {
        push(indent, trimmed.len(), "v % 1000 + 1", "return v + 1".into());
    } else if trimmed == "v.to_str()" {
        push(
            indent,
            trimmed.len(),
            "(v + 1).to_str()",
            "return v + 1".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_and_edits_are_deterministic() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            let mut p = Project::generate(&mut rng);
            let mut texts = vec![p.render()];
            for _ in 0..50 {
                let _ = p.edit(&mut rng);
                texts.push(p.render());
            }
            texts
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_generated_project_has_modules_tests_structs_and_consts() {
        let mut rng = Rng::new(1);
        let p = Project::generate(&mut rng);
        let files = p.render();
        assert!(files.contains_key("src/main.holo"));
        assert!(files.len() >= 5, "{files:?}");
        let all: String = files.values().cloned().collect();
        assert!(all.contains("#[test]"));
        assert!(all.contains("struct S"));
        assert!(all.contains("const K"));
        assert_eq!(p.test_count(), 8);
        assert!(!mutants(&files).is_empty());
    }

    #[test]
    fn generated_code_reaches_the_second_core() {
        let mut all = String::new();
        for seed in 0..12 {
            let mut rng = Rng::new(seed);
            let mut p = Project::generate(&mut rng);
            for _ in 0..30 {
                let _ = p.edit(&mut rng);
                all.extend(p.render().into_values());
            }
        }
        for construct in [
            "-> Option<i64>",
            "-> Result<i64, str>",
            ")?",
            ".unwrap_or(",
            ".expect(",
            ".unwrap()",
            "if let Some(",
            "Err(e) =>",
            "|x: i64| -> i64 {",
            ".map(|x|",
            ": fn(i64) -> i64 = |x|",
            "let (a",
            "for (a, b) in m",
            "while let Some(",
            "Map<str, i64>",
            ".sort_by(|a, b| b.cmp(a))",
            "Ordering::Less",
            ".filter(|x|",
            " << ",
            " >> ",
            " ^ ",
            ".parse_i64()?",
        ] {
            assert!(all.contains(construct), "no `{construct}` generated");
        }
    }

    #[test]
    fn mutants_reach_bitwise_operators_and_comparators() {
        let text = "    v = ((v & 1023) << 3) % 1000; v = v ^ 2; zs.sort_by(|a, b| b.cmp(a));\n";
        let files = BTreeMap::from([("src/a.holo".to_string(), text.to_string())]);
        let applied: Vec<String> = mutants(&files).iter().map(|m| m.apply(text)).collect();
        assert!(applied.iter().any(|t| t.contains("(v | 1023) << 3")));
        assert!(applied.iter().any(|t| t.contains("(v & 1023) >> 3")));
        assert!(applied.iter().any(|t| t.contains("v = v & 2")));
        assert!(applied.iter().any(|t| t.contains("a.cmp(b)")));
    }

    #[test]
    fn a_mutant_changes_one_token() {
        let files = BTreeMap::from([(
            "src/a.holo".to_string(),
            "fn f() -> i64 {\n    let mut v = 3;\n    v = v + g(v % 7, v % 11 + 1);\n    v % 1000\n}\n"
                .to_string(),
        )]);
        let all = mutants(&files);
        let text = &files["src/a.holo"];
        let applied: Vec<String> = all.iter().map(|m| m.apply(text)).collect();
        assert!(applied.iter().any(|t| t.contains("let mut v = 4;")));
        assert!(applied.iter().any(|t| t.contains("g(v % 11 + 1, v % 7)")));
        assert!(applied.iter().any(|t| t.contains("    v % 1000 + 1\n")));
        assert!(applied.iter().any(|t| t.contains("v = v - g(")));
        // The signature line is left alone (no `->` mutation).
        assert!(applied.iter().all(|t| t.starts_with("fn f() -> i64 {\n")));
    }
}
