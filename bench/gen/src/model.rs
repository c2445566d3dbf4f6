//! The synthetic program, independent of any language: modules of functions built from a few
//! templates, a deterministic acyclic call graph, unit tests, and an evaluator that computes what
//! every function returns so that the generated tests can assert exact values.
//!
//! The same model is rendered in holo, Rust and Go (`render.rs`); the evaluator is the oracle
//! all three must agree with, so `cargo test` and `go test` passing also checks the renderers.

use std::collections::BTreeSet;

/// Functions per module.
pub const FUNCTIONS_PER_MODULE: usize = 50;
/// A unit test for every this many functions.
pub const FUNCTIONS_PER_TEST: usize = 10;
/// Every function returns a value below this, so sums and small products never overflow.
pub const MODULUS: i64 = 10_007;
/// The longest call chain below any function. With at most two calls per function, one
/// invocation runs at most 2^(MAX_LEVEL+1) - 1 function bodies, whatever the program's size:
/// without this bound the pseudo-random call graph would make running `main` exponential.
const MAX_LEVEL: u32 = 5;

/// A deterministic pseudo-random generator (splitmix64); the workload must be the same on every
/// machine and every run, so no randomness comes from outside.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`hi > lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }
}

/// A function of the program: module numbers start at 1, function indices at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnRef {
    pub module: usize,
    pub index: usize,
}

/// The shapes of function bodies. Each is 8–12 lines in every language and exercises a
/// different part of the language (see `render.rs` for the code and `eval` for the meaning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// A counted loop with an `if`/`else` inside.
    Loop,
    /// Builds an array with `push`, then scans it for its maximum.
    Array,
    /// Builds a string in a `while` loop and measures it.
    Text,
    /// Uses the module's struct and its methods (one of which mutates).
    Record,
    /// Euclid's algorithm on two parameters, in a `while` loop.
    Gcd,
    /// A `match` (Go: `switch`) on an integer.
    Choice,
}

impl Template {
    const ALL: [Template; 6] = [
        Template::Loop,
        Template::Array,
        Template::Text,
        Template::Record,
        Template::Gcd,
        Template::Choice,
    ];

    pub fn arity(self) -> usize {
        match self {
            Template::Gcd => 2,
            _ => 1,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Function {
    pub id: FnRef,
    pub template: Template,
    /// Small constants that make otherwise identical bodies differ (and fix loop bounds).
    pub k: [i64; 3],
    /// Zero, one or two functions it calls: earlier functions of its own module or functions
    /// of lower-numbered modules, so the graph is acyclic.
    pub callees: Vec<FnRef>,
    /// The length of the longest call chain below it.
    pub level: u32,
}

/// A unit test: calls `target` with `args` and expects `expected`.
#[derive(Clone, Debug)]
pub struct Test {
    pub target: FnRef,
    pub args: Vec<i64>,
    pub expected: i64,
}

#[derive(Clone, Debug)]
pub struct Module {
    /// 1-based.
    pub number: usize,
    pub functions: Vec<Function>,
    pub tests: Vec<Test>,
    /// The seed `main` passes to this module's `run_all`, and what it returns.
    pub run_all_seed: i64,
    pub run_all_result: i64,
}

impl Module {
    /// The modules this one calls into (sorted, without itself).
    pub fn imports(&self) -> BTreeSet<usize> {
        self.functions
            .iter()
            .flat_map(|f| f.callees.iter().map(|c| c.module))
            .filter(|&m| m != self.number)
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Program {
    pub modules: Vec<Module>,
    /// What `main` prints after `checksum `.
    pub checksum: i64,
}

/// Function `id` among `modules` (which must include its module).
pub fn function(modules: &[Module], id: FnRef) -> &Function {
    &modules[id.module - 1].functions[id.index]
}

impl Program {
    pub fn function(&self, id: FnRef) -> &Function {
        function(&self.modules, id)
    }

    pub fn tests(&self) -> impl Iterator<Item = &Test> {
        self.modules.iter().flat_map(|m| m.tests.iter())
    }

    /// `from` itself and every function it can call, directly or not.
    pub fn reach(&self, from: FnRef) -> BTreeSet<FnRef> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(f) = stack.pop() {
            if seen.insert(f) {
                stack.extend(self.function(f).callees.iter().copied());
            }
        }
        seen
    }

    /// How many tests can observe a change to `target` (their call graph reaches it).
    pub fn tests_reaching(&self, target: FnRef) -> usize {
        self.tests()
            .filter(|t| self.reach(t.target).contains(&target))
            .count()
    }
}

/// Builds modules one at a time until `keep_going(modules so far)` says stop. Each module only
/// depends on earlier ones, so a module's content does not depend on how many follow it.
pub fn generate(seed: u64, mut keep_going: impl FnMut(&[Module]) -> bool) -> Program {
    let mut rng = Rng::new(seed);
    let mut modules: Vec<Module> = Vec::new();
    while modules.is_empty() || keep_going(&modules) {
        let number = modules.len() + 1;
        let module = generate_module(&mut rng, number, &modules);
        modules.push(module);
    }
    let mut program = Program {
        modules,
        checksum: 0,
    };
    // Fill in the values the tests and `main` expect, with the evaluator.
    let mut checksum = 0;
    for m in 0..program.modules.len() {
        let tests: Vec<Test> = program.modules[m]
            .tests
            .iter()
            .map(|t| Test {
                expected: eval(&program, t.target, &t.args),
                ..t.clone()
            })
            .collect();
        let seed = program.modules[m].run_all_seed_for(checksum);
        let result = run_all(&program, m + 1, seed);
        let module = &mut program.modules[m];
        module.tests = tests;
        module.run_all_seed = seed;
        module.run_all_result = result;
        checksum = (checksum + result) % MODULUS;
    }
    program.checksum = checksum;
    program
}

impl Module {
    /// `main` threads a running total through the modules: `run_all(total + number)`.
    fn run_all_seed_for(&self, total: i64) -> i64 {
        total + self.number as i64
    }
}

fn generate_module(rng: &mut Rng, number: usize, earlier: &[Module]) -> Module {
    let mut functions: Vec<Function> = Vec::with_capacity(FUNCTIONS_PER_MODULE);
    for index in 0..FUNCTIONS_PER_MODULE {
        let template = Template::ALL[rng.range(0, Template::ALL.len() as u64) as usize];
        let k = [
            rng.range(2, 9) as i64,
            rng.range(2, 9) as i64,
            rng.range(1, 30) as i64,
        ];
        let wanted = match rng.range(0, 4) {
            0 => 0,
            1 | 2 => 1,
            _ => 2,
        };
        let mut callees: Vec<FnRef> = Vec::new();
        for _ in 0..wanted {
            if let Some(callee) = pick_callee(rng, number, &functions, earlier)
                && !callees.contains(&callee)
            {
                callees.push(callee);
            }
        }
        let level = callees
            .iter()
            .map(|c| level_of(*c, number, &functions, earlier) + 1)
            .max()
            .unwrap_or(0);
        functions.push(Function {
            id: FnRef {
                module: number,
                index,
            },
            template,
            k,
            callees,
            level,
        });
    }
    let tests = (0..FUNCTIONS_PER_MODULE / FUNCTIONS_PER_TEST)
        .map(|t| {
            // One function among each group of ten, with small arguments.
            let index = t * FUNCTIONS_PER_TEST + rng.range(0, FUNCTIONS_PER_TEST as u64) as usize;
            let arity = functions[index].template.arity();
            let args = (0..arity).map(|_| rng.range(0, 60) as i64).collect();
            Test {
                target: FnRef {
                    module: number,
                    index,
                },
                args,
                expected: 0,
            }
        })
        .collect();
    Module {
        number,
        functions,
        tests,
        run_all_seed: 0,
        run_all_result: 0,
    }
}

fn level_of(f: FnRef, current: usize, own: &[Function], earlier: &[Module]) -> u32 {
    if f.module == current {
        own[f.index].level
    } else {
        earlier[f.module - 1].functions[f.index].level
    }
}

/// A function to call: 40% an earlier function of the same module, otherwise one of a lower
/// module (half the time a near one, half the time any). Only functions whose own call depth
/// leaves room under `MAX_LEVEL` qualify; after a few misses the call is dropped.
fn pick_callee(
    rng: &mut Rng,
    current: usize,
    own: &[Function],
    earlier: &[Module],
) -> Option<FnRef> {
    for _ in 0..8 {
        let same_module = current == 1 || rng.chance(40);
        let candidate = if same_module {
            if own.is_empty() {
                continue;
            }
            FnRef {
                module: current,
                index: rng.range(0, own.len() as u64) as usize,
            }
        } else {
            let lowest = if rng.chance(50) {
                current.saturating_sub(5).max(1)
            } else {
                1
            };
            FnRef {
                module: rng.range(lowest as u64, current as u64) as usize,
                index: rng.range(0, FUNCTIONS_PER_MODULE as u64) as usize,
            }
        };
        if level_of(candidate, current, own, earlier) < MAX_LEVEL {
            return Some(candidate);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The evaluator. Each arm mirrors the code `render.rs` writes for the template, statement by
// statement; all arithmetic is checked, so a template that could overflow fails here, in the
// generator, instead of at run time in a benchmark.

fn add(a: i64, b: i64) -> i64 {
    a.checked_add(b)
        .expect("generated programs keep values far from overflow")
}

fn mul(a: i64, b: i64) -> i64 {
    a.checked_mul(b)
        .expect("generated programs keep values far from overflow")
}

/// The sum of the calls a function makes with `arg` (its second parameter `x` is passed to
/// callees of arity two), or `k[2]` if it makes none.
fn calls(program: &Program, f: &Function, arg: i64, x: i64) -> i64 {
    if f.callees.is_empty() {
        return f.k[2];
    }
    f.callees.iter().fold(0, |sum, &c| {
        let args: &[i64] = if program.function(c).template.arity() == 2 {
            &[arg, x]
        } else {
            &[arg]
        };
        add(sum, eval(program, c, args))
    })
}

/// What function `id` returns for `args`.
pub fn eval(program: &Program, id: FnRef, args: &[i64]) -> i64 {
    let f = program.function(id);
    let [a, b, c] = f.k;
    let x = args[0];
    match f.template {
        Template::Loop => {
            let mut acc = x % 97;
            for i in 0..a + 4 {
                if (acc + i) % 3 == 0 {
                    acc = add(acc, mul(i, b)) % 1009;
                } else {
                    acc = add(mul(acc, b), i) % 1009;
                }
            }
            add(acc, calls(program, f, acc, x)) % MODULUS
        }
        Template::Array => {
            let mut xs: Vec<i64> = Vec::new();
            for i in 0..a + 3 {
                xs.push(add(x, mul(i, b)) % 53);
            }
            let mut best = 0;
            for &v in &xs {
                if v > best {
                    best = v;
                }
            }
            let len = xs.len() as i64;
            add(add(mul(best, c), len), calls(program, f, best, x)) % MODULUS
        }
        Template::Text => {
            let mut s = format!("m{}f{}", id.module, id.index);
            let mut n = x % a + 1;
            while n > 0 {
                s = s + "-" + &n.to_string();
                n -= 1;
            }
            if s.len() as i64 > b + 8 {
                s += "!";
            }
            let len = s.len() as i64;
            add(mul(len, c), calls(program, f, len, x)) % MODULUS
        }
        Template::Record => {
            let mut acc = Acc::new(x % 17);
            for i in 0..a + 2 {
                acc.add(add(mul(i, b), x) % 29);
            }
            let m = acc.mean();
            if m > c {
                acc.add(m % 5);
            }
            add(add(acc.mean(), mul(acc.count, b)), calls(program, f, m, x)) % MODULUS
        }
        Template::Gcd => {
            let y = args[1];
            let mut p = x % 1000 + 1;
            let mut q = y % 1000 + 1;
            let mut steps = 0;
            while q != 0 {
                let t = p % q;
                p = q;
                q = t;
                steps += 1;
            }
            add(add(mul(p, a), steps), calls(program, f, p, x)) % MODULUS
        }
        Template::Choice => {
            let base = match x % 4 {
                0 => mul(x, a),
                1 => add(x, b),
                2 => x / 3,
                _ => (x + 1) % 7,
            };
            let mut r = base % 1009;
            if r % 2 == 0 {
                r = r / 2 + c;
            }
            add(r, calls(program, f, r, x)) % MODULUS
        }
    }
}

/// The struct every module defines (`Acc<n>`), as the evaluator sees it.
struct Acc {
    total: i64,
    count: i64,
}

impl Acc {
    fn new(start: i64) -> Acc {
        Acc {
            total: start,
            count: 0,
        }
    }

    fn add(&mut self, v: i64) {
        self.total = add(self.total, v) % MODULUS;
        self.count += 1;
    }

    fn mean(&self) -> i64 {
        if self.count == 0 {
            self.total
        } else {
            self.total / self.count
        }
    }
}

/// What a module's `run_all(seed)` returns: it calls every function of the module once,
/// threading a running total, then feeds the total through the module's struct.
pub fn run_all(program: &Program, module: usize, seed: i64) -> i64 {
    let mut total = seed % 100;
    for f in &program.modules[module - 1].functions {
        let args: &[i64] = if f.template.arity() == 2 {
            &[total, seed]
        } else {
            &[total]
        };
        total = add(total, eval(program, f.id, args)) % MODULUS;
    }
    let mut acc = Acc::new(total);
    acc.add(seed % 13);
    add(total, acc.mean()) % MODULUS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(modules: usize) -> Program {
        generate(7, |m| m.len() < modules)
    }

    #[test]
    fn is_deterministic() {
        let a = program(4);
        let b = program(4);
        assert_eq!(a.checksum, b.checksum);
        let expected: Vec<i64> = a.tests().map(|t| t.expected).collect();
        assert_eq!(expected, b.tests().map(|t| t.expected).collect::<Vec<_>>());
    }

    #[test]
    fn earlier_modules_do_not_depend_on_later_ones() {
        let small = program(3);
        let large = program(6);
        for (a, b) in small.modules.iter().zip(&large.modules) {
            assert_eq!(a.run_all_result, b.run_all_result);
            assert_eq!(a.functions.len(), b.functions.len());
        }
    }

    #[test]
    fn the_call_graph_is_acyclic_and_shallow() {
        let p = program(8);
        for f in p.modules.iter().flat_map(|m| &m.functions) {
            assert!(f.callees.len() <= 2);
            assert!(f.level <= MAX_LEVEL);
            for c in &f.callees {
                let earlier =
                    c.module < f.id.module || (c.module == f.id.module && c.index < f.id.index);
                assert!(earlier, "{:?} calls {:?}", f.id, c);
                assert!(p.function(*c).level < f.level);
            }
            // A body runs at most 2^(MAX_LEVEL + 1) - 1 function bodies in one call.
            assert!(p.reach(f.id).len() < 1 << (MAX_LEVEL + 1));
        }
    }

    #[test]
    fn every_module_has_its_tests() {
        let p = program(3);
        for m in &p.modules {
            assert_eq!(m.tests.len(), FUNCTIONS_PER_MODULE / FUNCTIONS_PER_TEST);
            for t in &m.tests {
                assert_eq!(t.args.len(), p.function(t.target).template.arity());
                assert_eq!(t.expected, eval(&p, t.target, &t.args));
                assert!((0..MODULUS).contains(&t.expected));
            }
        }
    }

    #[test]
    fn a_tested_function_is_reached_by_its_own_test() {
        let p = program(3);
        let t = &p.modules[1].tests[0];
        assert!(p.tests_reaching(t.target) >= 1);
    }
}
