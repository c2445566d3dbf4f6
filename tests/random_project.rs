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
    /// `v = v + callee(args);` (`.len()` on a `str` result).
    Call {
        callee: u32,
        frozen: Option<FrozenCall>,
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
}

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
        match rng.below(10) {
            0..=3 => {
                if let Some(callee) = self.pick_id(
                    rng,
                    |i| matches!(i, Item::Func(f) if !f.test && f.tier < tier),
                ) {
                    return Stmt::Call {
                        callee,
                        frozen: None,
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
            ret: if !test && rng.chance(20) {
                Ret::Str
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
                Stmt::Call { callee, frozen } if *callee == id && frozen.is_none() => {
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
                            Stmt::Call { callee: x, frozen: None }
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
                f.ret = if f.ret == Ret::I64 {
                    Ret::Str
                } else {
                    Ret::I64
                };
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
            if let Some(line) = self.render_stmt(module, k, stmt) {
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
        };
        out.push_str(&format!("{indent}{tail}\n}}\n\n"));
    }

    /// One statement, or `None` when it refers to something gone (a consistent reference
    /// to a removed item never survives an edit; this is for safety).
    fn render_stmt(&self, module: &str, k: usize, stmt: &Stmt) -> Option<String> {
        Some(match stmt {
            Stmt::Call { callee, frozen } => {
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
                let suffix = if ret == Ret::Str { ".len()" } else { "" };
                format!("v = v + {}({args}){suffix};", path(module, &target))
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
        })
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
/// swapped, a different return value.
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
