//! Unit tests of the checker: small programs through `Compiler`, asserting the codes and lines
//! of the diagnostics (and, where the wording matters, part of the text).

use crate::diagnostic::{Diagnostic, Loc};
use crate::span::LineIndex;
use crate::{Compiler, PackageKind};

/// A reported diagnostic, reduced to what the tests compare: `CODE@file:line`.
#[derive(Debug)]
struct Found {
    key: String,
    text: String,
}

fn run(kind: PackageKind, files: &[(&str, &str)]) -> Vec<Found> {
    let mut compiler = Compiler::new(kind);
    for (path, text) in files {
        compiler.set_file(path, text);
    }
    let report = compiler.check();
    report
        .diagnostics
        .iter()
        .map(|d| found(&compiler, d))
        .collect()
}

fn found(compiler: &Compiler, d: &Diagnostic) -> Found {
    let (path, line) = match &d.primary.loc {
        Loc::File { path, span } => {
            let text = compiler.text(path).unwrap_or_default();
            let line = LineIndex::new(&text).line_col(&text, span.start).0;
            (path.to_string(), line)
        }
        other => (format!("{other:?}"), 0),
    };
    let short = path.strip_prefix("src/").unwrap_or(&path).to_string();
    let mut text = format!("{}: {}", d.code, d.message);
    if !d.primary.message.is_empty() {
        text.push_str(&format!(" [{}]", d.primary.message));
    }
    for s in &d.secondary {
        text.push_str(&format!(" {{{}}}", s.message));
    }
    if let Some(h) = &d.hint {
        text.push_str(&format!(" ({h})"));
    }
    Found {
        key: format!("{}@{short}:{line}", d.code),
        text,
    }
}

/// Checks a one-file program (`src/main.holo`) and compares the `CODE@line` list (sorted by
/// position) with `expected`.
#[track_caller]
fn check(src: &str, expected: &[&str]) -> Vec<Found> {
    check_files(&[("src/main.holo", src)], expected)
}

#[track_caller]
fn check_lib(src: &str, expected: &[&str]) -> Vec<Found> {
    check_kind(PackageKind::Lib, &[("src/lib.holo", src)], expected)
}

#[track_caller]
fn check_files(files: &[(&str, &str)], expected: &[&str]) -> Vec<Found> {
    check_kind(PackageKind::Bin, files, expected)
}

#[track_caller]
fn check_kind(kind: PackageKind, files: &[(&str, &str)], expected: &[&str]) -> Vec<Found> {
    let found = run(kind, files);
    let keys: Vec<String> = found
        .iter()
        .map(|f| f.key.replace("@main.holo:", "@").replace("@lib.holo:", "@"))
        .collect();
    let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        keys,
        expected,
        "diagnostics differ; all reported:\n{}",
        found
            .iter()
            .map(|f| format!("  {} {}", f.key, f.text))
            .collect::<Vec<_>>()
            .join("\n")
    );
    found
}

/// Asserts that some diagnostic's text contains `needle`.
#[track_caller]
fn assert_text(found: &[Found], needle: &str) {
    assert!(
        found.iter().any(|f| f.text.contains(needle)),
        "no diagnostic mentions {needle:?}:\n{}",
        found
            .iter()
            .map(|f| format!("  {}", f.text))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const GEOMETRY: &str = "pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub fn area(p: Point) -> f64 {
    p.x * p.y
}
";

/// The pinned core example of PRODUCT.md §4, verbatim (shared by the syntax, sema and robustness tests).
const CORE: &str = include_str!("../../tests/fixtures/pinned_core.holo");

#[test]
fn pinned_core_example_checks_clean() {
    // The pinned example imports `Point` and `area` without using them and never reads
    // `LIMIT`; those are warnings only where the example does not use them, so use them here.
    let src = CORE.replace(
        "fn main() {\n",
        "fn main() {\n    println(area(Point { x: 1.0, y: 2.0 }) + LIMIT.to_f64());\n",
    );
    check_files(
        &[("src/main.holo", &src), ("src/geometry.holo", GEOMETRY)],
        &[],
    );
}

#[test]
fn pinned_core_example_verbatim_checks_without_errors() {
    // Its `use geometry::{Point, area};` uses neither name, so the only diagnostics are the two
    // unused-import warnings rustc would give too; it has no error.
    check_files(
        &[("src/main.holo", CORE), ("src/geometry.holo", GEOMETRY)],
        &["W0004@1", "W0004@1"],
    );
}

// ----- name resolution ----------------------------------------------------------------------

#[test]
fn unresolved_names_suggest_similar_ones() {
    let found = check(
        "fn main() {
    let total = 1;
    println(totl);
    prnitln(total);
    let p: Pont = 1;
}
",
        &["E0425@3", "E0425@4", "E0412@5"],
    );
    assert_text(&found, "did you mean `total`?");
    assert_text(&found, "did you mean `println`?");
}

#[test]
fn unresolved_paths_fields_and_methods_suggest() {
    let found = check(
        "struct P { total: i64 }
impl P { fn bump(mut self) { self.total += 1; } }
fn main() {
    let mut p = P { total: 1 };
    p.bmup();
    println(p.totl);
    println(geometri::area());
    println(\"s\".lenn());
}
",
        &["E0599@5", "E0609@6", "E0433@7", "E0599@8"],
    );
    assert_text(&found, "did you mean `bump`?");
    assert_text(&found, "did you mean `total`?");
    assert_text(&found, "did you mean `len`?");
}

#[test]
fn items_are_visible_in_any_order_and_locals_shadow_items() {
    check(
        "fn main() {
    let value = 2;
    println(value + later());
}
fn later() -> i64 { LIMIT }
const LIMIT: i64 = 3;
fn value() -> i64 { 1 }
",
        &[],
    );
}

#[test]
fn user_items_shadow_builtins() {
    check(
        "fn print(x: i64) -> i64 { x }
fn main() {
    let y: i64 = print(3);
    println(y);
}
",
        &[],
    );
}

#[test]
fn use_forms_and_visibility_across_modules() {
    let geometry = "pub struct Point { pub x: f64, y: f64 }
pub fn origin() -> Point { Point { x: 0.0, y: 0.0 } }
fn secret() -> i64 { 1 }
pub fn area(p: Point) -> f64 { p.x * p.y }
";
    let main = "use geometry::{Point, origin as o};
use geometry::*;
use geometry::secret;
use geometry::nothing;
use geometry::Pont;
fn main() {
    let p: Point = o();
    println(area(p) + p.x);
    println(p.y);
    println(geometry::secret());
}
";
    let found = check_files(
        &[("src/main.holo", main), ("src/geometry.holo", geometry)],
        &["E0603@3", "E0432@4", "E0432@5", "E0616@9", "E0603@10"],
    );
    assert_text(&found, "`secret` is private to module `geometry`");
    assert_text(
        &found,
        "Mark it `pub` in src/geometry.holo to use it from here.",
    );
    assert_text(&found, "did you mean `Point`?");
}

#[test]
fn struct_literals_of_other_modules_need_visible_fields() {
    let shapes = "pub struct Open { pub w: i64 }
pub struct Closed { pub w: i64, h: i64 }
";
    let main = "fn main() {
    let a = shapes::Open { w: 1 };
    let b = shapes::Closed { w: 1, h: 2 };
    println(a.w + b.w);
}
";
    check_files(
        &[("src/main.holo", main), ("src/shapes.holo", shapes)],
        &["E0616@3"],
    );
}

#[test]
fn nested_modules_folders_and_crate_paths() {
    let inner = "pub fn depth() -> i64 { crate::base() + 1 }\n";
    let main = "pub fn base() -> i64 { 1 }
use outer::inner;
fn main() {
    println(inner::depth() + outer::inner::depth());
}
";
    // `src/outer/` has no `src/outer.holo`: the folder alone makes module `outer` exist.
    check_files(
        &[("src/main.holo", main), ("src/outer/inner.holo", inner)],
        &[],
    );
}

#[test]
fn pub_use_reexports_and_glob_cycles_terminate() {
    let a = "pub use b::*;\npub fn fa() -> i64 { 1 }\n";
    let b = "pub use a::*;\npub fn fb() -> i64 { 2 }\n";
    let main = "use a::fb;\nfn main() { println(fb() + b::fa()); }\n";
    check_files(
        &[
            ("src/main.holo", main),
            ("src/a.holo", a),
            ("src/b.holo", b),
        ],
        &[],
    );
}

#[test]
fn enum_variant_imports_are_rejected_with_a_hint() {
    let found = check(
        "use Token::*;
enum Token { Num(i64), Plus }
fn main() { println(Token::Plus == Token::Num(1)); }
",
        &["E0432@1"],
    );
    assert_text(&found, "write `Token::Num`");
}

#[test]
fn duplicate_items_fields_variants_params_and_imports() {
    let found = check(
        "fn f(a: i64, a: i64) -> i64 { a }
fn f() {}
struct S { x: i64, x: i64 }
enum E { A, A }
struct T {}
impl T { fn m() {} fn m() {} }
use S as T;
fn main() { println(f(1, 2)); }
",
        &[
            "E0415@1", "E0428@2", "E0124@3", "E0124@4", "E0428@6", "E0428@7",
        ],
    );
    assert_text(&found, "previous definition of `f` here");
}

#[test]
fn impl_must_name_a_local_struct_or_enum() {
    let other = "pub struct Far {}\n";
    let main = "use other::Far;
fn f() {}
impl Far { fn a() {} }
impl f { fn b() {} }
impl Missing { fn c() {} }
fn main() { f(); }
";
    check_files(
        &[("src/main.holo", main), ("src/other.holo", other)],
        &["E0116@3", "E0116@4", "E0116@5"],
    );
}

// ----- types and inference ------------------------------------------------------------------

#[test]
fn expected_types_flow_into_literals_calls_and_returns() {
    check(
        "struct Bag { items: [str] }
fn take(xs: [[i64]]) -> i64 { xs.len() }
fn make() -> [f64] { [] }
fn main() {
    let a: [i64] = [];
    let b = Bag { items: [] };
    println(take([[], [1]]) + a.len() + b.items.len() + make().len());
}
",
        &[],
    );
}

#[test]
fn unification_variables_are_solved_later_in_the_body() {
    check(
        "fn main() {
    let mut xs = [];
    xs.push(1);
    let mut ys = [];
    ys.push(xs);
    let first = ys[0][0];
    println(first + 1);
}
",
        &[],
    );
}

#[test]
fn unsolved_types_need_annotations() {
    let found = check(
        "fn main() {
    let xs = [];
    println(xs.len());
    println([].len());
}
",
        &["E0282@2", "E0282@4"],
    );
    assert_text(&found, "type annotations needed for `xs`");
}

#[test]
fn mismatches_report_both_types() {
    let found = check(
        "fn f(x: i64) -> str { x }
fn main() {
    let a: i64 = \"five\";
    let b = if true { 1 } else { \"one\" };
    f(2.5);
    println(a);
}
",
        &["E0308@1", "E0308@3", "E0308@4", "E0308@5"],
    );
    assert_text(&found, "expected `str`, found `i64`");
    assert_text(&found, "`if` and `else` have incompatible types");
}

#[test]
fn operators_follow_the_language_rules() {
    let found = check(
        "struct P { x: i64 }
fn main() {
    println(1 + 2.0);
    println(\"a\" + 1);
    println(\"a\" - \"b\");
    println(true + true);
    println(-\"x\");
    println(!3);
    println(1 == 1.0);
    println(true < false);
    println(\"a\" < \"b\" && 1.5 >= 1.0 && P { x: 1 } == P { x: 1 } && [1] != [2]);
    println(7 / 2 % 3 - -1);
}
",
        &[
            "E0369@3", "E0369@4", "E0369@5", "E0369@6", "E0600@7", "E0600@8", "E0369@9", "E0369@10",
        ],
    );
    assert_text(&found, "cannot add `f64` to `i64`");
    assert_text(&found, ".to_f64()");
    assert_text(&found, ".to_str()");
}

#[test]
fn function_values_and_fn_types() {
    let found = check(
        "fn double(x: i64) -> i64 { x * 2 }
struct C {}
impl C { fn make() -> C { C {} } fn get(self) -> i64 { 1 } }
fn apply(f: fn(i64) -> i64, x: i64) -> i64 { f(x) }
fn main() {
    let f = double;
    let g: fn() -> C = C::make;
    println(apply(f, 3) + apply(double, 1) + g().get());
    let h = C::get;
    let n = 3;
    n(1);
    double(1, 2);
}
",
        &["E0599@9", "E0618@11", "E0061@12"],
    );
    assert_text(
        &found,
        "this function takes 1 argument but 2 arguments were supplied",
    );
    assert_text(&found, "`double` defined here");
}

#[test]
fn structs_fields_and_literals() {
    let found = check(
        "struct P { x: i64, y: i64, z: i64 }
fn main() {
    let a = P { x: 1, y: 2 };
    let b = P { x: 1, y: 2, z: 3, x: 4 };
    let c = P { x: 1, y: 2, z: 3, w: 4 };
    let mut d = P { x: 1, y: 2, z: 3 };
    d.x = 5;
    d.w = 1;
    println(a.x + b.x + c.x + d.x + 1.q);
}
",
        &["E0063@3", "E0062@4", "E0560@5", "E0609@8", "E0609@9"],
    );
    assert_text(&found, "missing field `z` in initializer of `P`");
}

#[test]
fn enums_variants_and_unit_values() {
    check(
        "enum Shape { Circle(f64), Rect(f64, f64), Empty }
fn area(s: Shape) -> f64 {
    match s {
        Shape::Circle(r) => 3.14 * r * r,
        Shape::Rect(w, h) => w * h,
        Shape::Empty => 0.0,
    }
}
fn main() {
    let e = Shape::Empty;
    let shapes = [Shape::Circle(1.0), Shape::Rect(2.0, 3.0), e];
    for s in shapes { println(area(s)); }
    let bad = Shape::Circle;
    let worse = Shape::Empty(1);
    let missing = Shape::Triangle;
}
",
        &["E0423@13", "E0618@14", "E0599@15"],
    );
}

#[test]
fn methods_associated_functions_and_self() {
    let found = check(
        "struct Counter { hits: i64 }
impl Counter {
    fn new() -> Counter { Counter { hits: 0 } }
    fn bump(mut self) { self.hits += 1; }
    fn get(self) -> i64 { self.hits }
    fn wrong(self) { self.hits = 2; }
    fn assoc() -> i64 { self.hits }
}
fn free() -> i64 { self }
fn main() {
    let mut c = Counter::new();
    c.bump();
    let d = Counter::new();
    d.bump();
    println(c.get() + d.get() + Counter::get());
    c.new();
}
",
        &[
            "E0384@6", "E0424@7", "E0424@9", "E0596@14", "E0599@15", "E0599@16",
        ],
    );
    assert_text(&found, "Declare the method with `mut self`");
    assert_text(&found, "call it as `Counter::new(…)`");
}

#[test]
fn blocks_ifs_and_loops_are_typed() {
    check(
        "fn pick(c: bool) -> i64 {
    let x = { let y = 2; y * 3 };
    let z = if c { x } else if x > 3 { 4 } else { 5 };
    let mut i = 0;
    while i < 10 { i += 1; if i == 5 { break; } }
    let w = loop { if i > 20 { break; } i += 1; };
    for j in 0..3 { if j == 1 { continue; } }
    println(w == ());
    z
}
fn forever() -> i64 { loop {} }
fn main() { println(pick(true) + forever()); }
",
        &[],
    );
}

#[test]
fn control_flow_errors() {
    let found = check(
        "fn f(x: i64) -> i64 {
    if x > 0 { return 1; }
}
fn g() -> i64 {
    let y = 1;
    y + 1;
}
fn h(c: bool) -> i64 { if c { 1 } }
fn k() -> i64 { return; }
fn main() {
    break;
    continue;
    let r = 0..3;
    println(f(1) + g() + h(true) + k());
}
",
        // `f`'s `if` is the body's tail: the `if` lacks the `else` (E0317 there). After `break`,
        // `continue` is unreachable.
        &[
            "E0317@2", "E0317@4", "E0317@8", "E0308@9", "E0268@11", "E0268@12", "W0002@12",
            "E0658@13",
        ],
    );
    assert_text(
        &found,
        "function `g` must return `i64` but its body can end without a value",
    );
    assert_text(&found, "Remove the `;` after the last expression");
}

#[test]
fn never_coerces_and_diverging_bodies_need_no_tail() {
    check(
        "fn fail() -> i64 { panic(\"no\") }
fn early(x: i64) -> str {
    if x > 0 { return \"pos\"; } else { return \"neg\"; }
}
fn choose(x: i64) -> i64 {
    let y: i64 = if x > 0 { x } else { panic(\"negative\") };
    match y { 0 => return 0, _ => y }
}
fn main() { println(fail() + choose(1)); println(early(1)); }
",
        &[],
    );
}

#[test]
fn indexing_and_iteration_need_arrays() {
    let found = check(
        "fn main() {
    let s = \"abc\";
    let xs = [1, 2];
    println(s[0]);
    println(xs[true]);
    println(xs[0] + 5[0]);
    for c in s { println(c); }
    for x in 0.0..3.0 { println(x); }
}
",
        &["E0608@4", "E0308@5", "E0608@6", "E0308@7", "E0308@8"],
    );
    assert_text(&found, ".char_at(i)");
}

#[test]
fn builtins_check_their_argument_types() {
    let found = check(
        "fn main() {
    println([1, 2]);
    assert(1);
    assert_eq(1, \"1\");
    let n = random_int(1, 6);
    let t: i64 = clock_ms();
    let lines: [str] = read_lines();
    println(args().len() + n + t + lines.len() + read_line().len());
    println(stdin_eof());
    let f: f64 = random_float();
    println(f);
    let words = [\"a\", \"b\"];
    println(words.join(\", \"));
    println([1].join(\",\"));
    let mut fs = [main];
    fs.sort();
}
",
        &["E0308@2", "E0308@3", "E0308@4", "E0599@14", "E0599@16"],
    );
    assert_text(
        &found,
        "`println` accepts `i64`, `f64`, `bool` or `str`, found `[i64]`",
    );
}

#[test]
fn builtin_methods_have_their_documented_types() {
    check(
        "fn main() {
    let i: i64 = (-3).abs().min(2).max(1).pow(2);
    let f: f64 = 2.5.sqrt().floor().ceil().round().abs().min(1.0).max(0.5).pow(2.0);
    let s: str = \" Hi \".trim().to_upper().to_lower().replace(\"h\", \"j\").repeat(2);
    let parts: [str] = s.split(\",\");
    let cs: [str] = s.chars();
    let b: bool = s.contains(\"j\") && s.starts_with(\"j\") && s.ends_with(\"i\") && s.is_i64() && s.is_f64();
    let n: i64 = s.len() + s.find(\"i\") + \"12\".parse_i64().unwrap() + 1.5.to_i64();
    let g: f64 = \"1.5\".parse_f64().unwrap_or(0.0) + n.to_f64() + i.to_f64() + f;
    let sub: str = s.substring(0, 1) + s.char_at(0) + true.to_str() + g.to_str() + s.to_str();
    let mut xs = [3, 1, 2];
    xs.insert(0, 5);
    let r: i64 = xs.remove(0) + xs.pop() + xs.last() + xs.first() + xs.index_of(2);
    xs.reverse();
    xs.sort();
    let ys: [i64] = xs.slice(0, 1);
    xs.clear();
    println(b && xs.is_empty() && xs.contains(1) && ys.len() == r);
    println(sub + parts[0] + cs[0]);
}
",
        &[],
    );
}

// ----- mutability ---------------------------------------------------------------------------

#[test]
fn assignment_needs_mutable_places() {
    let found = check(
        "struct P { x: i64, q: [P] }
fn take(p: P) -> i64 { p.x = 1; p.x }
fn five() -> i64 { 5 }
const C: i64 = 1;
fn main() {
    let x = 1;
    x = 2;
    let p = P { x: 1, q: [] };
    p.x = 2;
    let xs = [p];
    xs[0].x = 3;
    five() = 1;
    C = 2;
    for i in 0..2 { i = 3; }
    let mut ok = [P { x: 1, q: [] }];
    ok[0].q = [];
    ok[0].x += 1;
    println(x + take(p) + xs[0].x + ok[0].x);
}
",
        &[
            "E0384@2", "E0384@7", "E0384@9", "E0384@11", "E0070@12", "E0070@13", "W0001@14",
            "E0384@14",
        ],
    );
    assert_text(&found, "Make `x` mutable: `let mut x`.");
    assert_text(&found, "Make the parameter mutable: `mut p: P`.");
}

#[test]
fn mutating_methods_need_mutable_receivers() {
    let found = check(
        "struct Box { items: [i64] }
impl Box { fn add(mut self, x: i64) { self.items.push(x); } fn peek(self) { self.items.push(1); } }
fn main() {
    let xs = [1];
    xs.push(2);
    let b = Box { items: [] };
    b.add(1);
    b.items.push(2);
    [1].push(3);
    let mut ok = Box { items: [] };
    ok.add(1);
    ok.items.pop();
    println(xs.len() + b.items.len() + ok.items.len());
}
",
        &["E0596@2", "E0596@5", "E0596@7", "E0596@8", "E0596@9"],
    );
    assert_text(&found, "declare it with `let mut`");
    assert_text(
        &found,
        "cannot call mutating method `push` on a temporary value",
    );
}

// ----- match --------------------------------------------------------------------------------

#[test]
fn exhaustiveness_lists_missing_patterns() {
    let found = check(
        "enum Token { Num(i64), Plus, Word(str) }
enum Shape { Dot, Line(Token) }
fn a(t: Token) -> i64 { match t { Token::Num(n) => n } }
fn b(s: Shape) -> i64 { match s { Shape::Dot => 0, Shape::Line(Token::Plus) => 1 } }
fn c(x: bool) -> i64 { match x { true => 1 } }
fn d(x: i64) -> i64 { match x { 1 => 1, 2 => 2 } }
fn e(t: Token) -> i64 { match t { Token::Num(n) if n > 0 => n, Token::Plus | Token::Word(_) => 0 } }
fn f(t: Token) -> i64 { match t { Token::Num(_) => 0, Token::Plus => 1, Token::Word(\"x\") => 2, Token::Word(_) => 3 } }
fn main() { println(a(Token::Plus) + b(Shape::Dot) + c(true) + d(1) + e(Token::Plus) + f(Token::Plus)); }
",
        &["E0004@3", "E0004@4", "E0004@5", "E0004@6", "E0004@7"],
    );
    assert_text(
        &found,
        "patterns `Token::Plus` and `Token::Word(_)` not covered",
    );
    assert_text(
        &found,
        "patterns `Shape::Line(Token::Num(_))` and `Shape::Line(Token::Word(_))` not covered",
    );
    assert_text(&found, "pattern `false` not covered");
    assert_text(&found, "pattern `_` not covered");
    assert_text(&found, "pattern `Token::Num(_)` not covered");
}

#[test]
fn unreachable_arms_and_pattern_errors() {
    check(
        "enum T { A, B(i64, i64) }
const LIMIT: i64 = 3;
fn f(t: T, n: i64) -> i64 {
    let _x = match n { crate::LIMIT => 1, _ => 2, 5 => 3 };
    let _y = match n { LIMIT => 1, _ => 2 };
    match t {
        T::A => 1,
        T::B(a) => a,
        T::C => 0,
        T::B(a, b) | T::A => a,
        T::B(p, p) => p,
        f => 2,
        \"s\" => 3,
    }
}
fn main() { println(f(T::A, 1)); }
",
        // A single identifier always binds: `LIMIT =>` catches everything.
        &[
            "W0005@4", "W0001@5", "W0005@5", "E0023@8", "E0599@9", "E0408@10", "E0408@10",
            "E0416@11", "W0001@12", "E0308@13",
        ],
    );
}

#[test]
fn match_arms_must_agree() {
    let found = check(
        "fn f(n: i64) -> i64 {
    let _s = match n { 0 => \"zero\", _ => 1 };
    match n { 0 => 1, _ => panic(\"no\") }
}
fn main() { println(f(1)); }
",
        &["E0308@2"],
    );
    assert_text(&found, "`match` arms have incompatible types");
}

// ----- items --------------------------------------------------------------------------------

#[test]
fn constants_must_be_constant_expressions() {
    let found = check(
        "const A: i64 = 1 + 2 * 3;
const B: str = \"x\" + \"y\";
const C: [i64] = [A, -A];
const D: i64 = f();
const E: i64 = \"s\".len();
const F: i64 = \"no\";
const G: i64 = H;
const H: i64 = G + 1;
fn f() -> i64 { A }
fn main() { println(A + C[0] + D + E + F + G + B.len()); }
",
        &["E0015@4", "E0015@5", "E0308@6", "E0391@7", "E0391@8"],
    );
    assert_text(&found, "not a constant expression");
}

#[test]
fn test_functions_and_attributes() {
    check_lib(
        "#[test]
fn good() { assert(true); }
#[test]
fn bad(x: i64) -> i64 { x }
#[test]
struct S {}
#[inline]
pub fn g() {}
",
        &["E0010@4", "E0010@5", "E0009@7"],
    );
}

#[test]
fn programs_need_a_proper_main() {
    check("fn helper() {}\n", &["E0601@1"]);
    check("fn main(x: i64) -> i64 { x }\n", &["E0131@1"]);
    check_lib("fn helper() {}\n", &["W0001@0"][..0]);
}

// ----- warnings -----------------------------------------------------------------------------

#[test]
fn warnings_for_unused_and_unreachable_code() {
    let found = check(
        "fn f(unused: i64, _ok: i64) -> i64 {
    let mut never_changed = 1;
    let x = 2;
    let _y = 3;
    return never_changed;
    x + 1
}
fn main() {
    let mut n = 0;
    n = 1;
    println(f(1, 2));
}
",
        // `x` is read, if only by unreachable code.
        &["W0001@1", "W0003@2", "W0002@6", "W0001@9"],
    );
    assert_text(&found, "prefix it with an underscore: `_unused`");
}

#[test]
fn unused_imports_are_reported_once_each() {
    let geometry =
        "pub fn area() -> f64 { 1.0 }\npub fn volume() -> f64 { 2.0 }\npub struct Point {}\n";
    let main = "use geometry::Point;
use geometry::{area, volume};
use geometry;
fn main() { println(area()); }
";
    let found = check_files(
        &[("src/main.holo", main), ("src/geometry.holo", geometry)],
        &["W0004@1", "W0004@2", "W0004@3"],
    );
    assert_text(&found, "unused import: `volume`");
}

// ----- robustness ---------------------------------------------------------------------------

#[test]
fn syntax_errors_never_cascade_or_panic() {
    let sources = [
        "fn main() { let x = (1 + ; println(x); }",
        "fn main() { if true { } else }",
        "fn f( { } fn main() {}",
        "struct { } enum { } impl { fn }",
        "fn main() { let x = 1; match x { 1 => } }",
        "fn main() { let xs = [1]; xs[ = 1; xs.len(; }",
        "use ::; use a::{; fn main() {}",
        "const X: = ; fn main() {}",
        "fn main() { let = 1; let mut = ; }",
    ];
    for src in sources {
        let found = run(PackageKind::Bin, &[("src/main.holo", src)]);
        let semantic: Vec<&Found> = found
            .iter()
            .filter(|f| !f.key.starts_with("E000"))
            .collect();
        assert!(
            semantic
                .iter()
                .all(|f| f.key.starts_with("W") || f.key.starts_with("E0601")),
            "semantic errors after a syntax error in {src:?}: {found:#?}"
        );
    }
}

/// Runs `f` on a thread with a 2 MiB stack, the default of spawned (and rayon) threads.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn a test thread")
        .join()
        .expect("the check must not overflow its stack");
}

/// The deepest nesting of `make(depth)` the parser accepts without E0007.
fn deepest_accepted(make: &dyn Fn(usize) -> String) -> usize {
    let accepted = |d: usize| {
        crate::syntax::parse(&make(d))
            .errors
            .iter()
            .all(|e| e.code != crate::diagnostic::codes::TOO_DEEP)
    };
    let (mut lo, mut hi) = (1, 4 * crate::syntax::MAX_DEPTH as usize);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if accepted(mid) {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    lo
}

#[test]
fn nesting_at_the_parser_limit_fits_a_small_stack() {
    on_small_stack(|| {
        let shapes: Vec<Box<dyn Fn(usize) -> String>> = vec![
            Box::new(|d| {
                format!(
                    "fn main() {{ let x = {}1{}; println(x); }}\n",
                    "(".repeat(d),
                    ")".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let x = {}1{}; println(x); }}\n",
                    "{ ".repeat(d),
                    " }".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let x = {}1{}; println(x); }}\n",
                    "if true { ".repeat(d),
                    " } else { 0 }".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let x = 1{}; println(x); }}\n",
                    " + 1".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let s = \"a\"{}; println(s); }}\n",
                    ".to_str()".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let x = {}1{}; println(x.len()); }}\n",
                    "[".repeat(d),
                    "]".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "fn main() {{ let mut i = 0; {}i += 1;{} println(i); }}\n",
                    "while i < 3 { ".repeat(d),
                    " }".repeat(d)
                )
            }),
            Box::new(|d| {
                format!(
                    "enum T {{ A(T), B }}\nfn f(t: T) -> i64 {{ match t {{ {}T::B{} => 1, _ => 0 }} }}\nfn main() {{ println(f(T::B)); }}\n",
                    "T::A(".repeat(d),
                    ")".repeat(d)
                )
            }),
        ];
        for make in &shapes {
            let depth = deepest_accepted(make.as_ref());
            assert!(
                depth >= 50,
                "the parser accepts only {depth} levels of {}",
                make(1)
            );
            check(&make(depth), &[]);
        }
    });
}

// ----- incrementality -----------------------------------------------------------------------

mod incremental {
    use crate::db::{ItemKey, RootDatabase};
    use crate::ids::{ItemId, ModulePath};
    use crate::{Compiler, PackageKind};
    use salsa::plumbing::AsId;

    const MAIN: &str = "use shapes::{Square, side};

fn main() {
    let s = Square { side: 2 };
    println(area(s) + side(s) + helper(1));
}

fn area(s: Square) -> i64 {
    s.side * s.side
}

fn helper(x: i64) -> i64 {
    let y = x + 1;
    y * 2
}

fn unrelated() -> str {
    \"unrelated\"
}

#[test]
fn t() {
    assert_eq(helper(1), 4);
    println(unrelated());
}
";

    const SHAPES: &str = "pub struct Square {
    pub side: i64,
}

pub fn side(s: Square) -> i64 {
    s.side
}

pub fn lonely() -> i64 {
    7
}
";

    struct Fixture {
        compiler: Compiler,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut compiler = Compiler::with_db(RootDatabase::new(true), PackageKind::Bin);
            compiler.set_file("src/main.holo", MAIN);
            compiler.set_file("src/shapes.holo", SHAPES);
            let report = compiler.check();
            assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
            // `Compiler` keeps files at MEDIUM durability until their first edit, which lowers
            // them to LOW; a result whose durability drops is recomputed rather than backdated
            // once. Edit every file once (a trailing newline) so that the tests measure the
            // steady state of an editing session.
            for path in compiler.file_paths() {
                let text = compiler.text(&path).unwrap_or_default().to_string() + "\n";
                compiler.set_file(&path, &text);
            }
            compiler.check();
            compiler.db().take_log();
            Fixture { compiler }
        }

        /// Replaces `from` by `to` in `path`, checks, and returns the executed queries.
        fn edit(&mut self, path: &str, from: &str, to: &str) -> Vec<String> {
            let text = self
                .compiler
                .text(path)
                .expect("the file exists")
                .to_string();
            assert!(text.contains(from), "`{from}` is not in {path}");
            self.compiler.set_file(path, &text.replacen(from, to, 1));
            self.compiler.check();
            self.compiler.db().take_log()
        }

        /// The functions of `module` for which `query` ran.
        fn ran(&self, log: &[String], query: &str, module: &str) -> Vec<String> {
            let db = self.compiler.db();
            let names = [
                "main",
                "area",
                "helper",
                "unrelated",
                "t",
                "side",
                "lonely",
                "Square",
                "quadruple",
                "later",
            ];
            names
                .iter()
                .filter(|name| {
                    let key = ItemKey::new(db, ItemId::new(ModulePath(module.into()), **name));
                    let wanted = format!("{query}({:?})", key.as_id());
                    log.contains(&wanted)
                })
                .map(|n| n.to_string())
                .collect()
        }

        fn errors(&self) -> usize {
            self.compiler.check().errors()
        }
    }

    fn count(log: &[String], query: &str) -> usize {
        log.iter()
            .filter(|e| e.split('(').next() == Some(query))
            .count()
    }

    #[test]
    fn body_edit_reinfers_only_that_body() {
        let mut f = Fixture::new();
        let log = f.edit("src/main.holo", "y * 2", "y * 3");
        assert_eq!(f.ran(&log, "infer_body", ""), ["helper"], "{log:#?}");
        assert_eq!(count(&log, "infer_body"), 1, "{log:#?}");
        assert_eq!(count(&log, "check_item"), 1, "{log:#?}");
        assert_eq!(count(&log, "package_imports"), 0, "{log:#?}");
    }

    #[test]
    fn whitespace_and_comments_rerun_nothing_semantic() {
        let mut f = Fixture::new();
        let log = f.edit(
            "src/main.holo",
            "fn helper(x: i64) -> i64 {",
            "// doc\nfn helper( x : i64 )->i64{\n",
        );
        let semantic: Vec<&String> = log
            .iter()
            .filter(|e| {
                let q = e.split('(').next().unwrap_or_default();
                ![
                    "parse",
                    "file_items",
                    "item_ast",
                    "diagnostics_for_file",
                    "item_fingerprint",
                ]
                .contains(&q)
            })
            .collect();
        assert!(semantic.is_empty(), "{semantic:#?}");
    }

    #[test]
    fn signature_edit_reinfers_the_item_and_its_callers_only() {
        let mut f = Fixture::new();
        let log = f.edit(
            "src/main.holo",
            "fn helper(x: i64) -> i64",
            "fn helper(x: i64) -> f64",
        );
        let mut ran = f.ran(&log, "infer_body", "");
        ran.sort();
        assert_eq!(ran, ["helper", "main", "t"], "{log:#?}");
        assert_eq!(count(&log, "infer_body"), 3, "{log:#?}");
        assert!(f.errors() > 0);
    }

    #[test]
    fn field_type_edit_reinfers_the_users_of_the_struct_only() {
        let mut f = Fixture::new();
        let log = f.edit("src/shapes.holo", "pub side: i64", "pub side: f64");
        let mut ran = f.ran(&log, "infer_body", "");
        ran.sort();
        assert_eq!(ran, ["area", "main"], "{log:#?}");
        assert_eq!(f.ran(&log, "infer_body", "shapes"), ["side"], "{log:#?}");
        assert_eq!(count(&log, "infer_body"), 3, "{log:#?}");
    }

    #[test]
    fn adding_a_function_reinfers_no_body_that_cannot_see_it() {
        let mut f = Fixture::new();
        let log = f.edit(
            "src/shapes.holo",
            "pub fn lonely",
            "pub fn quadruple(x: i64) -> i64 { x * 4 }\n\npub fn lonely",
        );
        assert_eq!(
            f.ran(&log, "infer_body", "shapes"),
            ["quadruple"],
            "{log:#?}"
        );
        assert_eq!(count(&log, "infer_body"), 1, "{log:#?}");
        assert_eq!(count(&log, "check_item"), 1, "{log:#?}");
        let log = f.edit(
            "src/main.holo",
            "fn unrelated",
            "fn later() {}\n\nfn unrelated",
        );
        assert_eq!(f.ran(&log, "infer_body", ""), ["later"], "{log:#?}");
        assert_eq!(count(&log, "infer_body"), 1, "{log:#?}");
    }

    #[test]
    fn adding_a_missing_name_rechecks_the_body_that_wanted_it() {
        let mut f = Fixture::new();
        f.edit("src/main.holo", "helper(1));", "helper(1) + later());");
        assert_eq!(f.errors(), 1);
        let log = f.edit(
            "src/main.holo",
            "fn unrelated",
            "fn later() -> i64 { 1 }\n\nfn unrelated",
        );
        let mut ran = f.ran(&log, "infer_body", "");
        ran.sort();
        assert_eq!(ran, ["later", "main"], "{log:#?}");
        assert_eq!(f.errors(), 0);
    }

    #[test]
    fn visibility_edit_rechecks_users_in_other_modules() {
        let mut f = Fixture::new();
        let log = f.edit("src/shapes.holo", "pub fn side", "fn side");
        assert!(
            f.ran(&log, "infer_body", "").contains(&"main".to_string()),
            "{log:#?}"
        );
        assert!(
            !f.ran(&log, "infer_body", "")
                .contains(&"helper".to_string()),
            "{log:#?}"
        );
        // One error, at the import: the call goes through the failed import and says nothing.
        assert_eq!(f.errors(), 1);
    }

    #[test]
    fn incremental_results_equal_a_clean_check() {
        let mut f = Fixture::new();
        let edits = [
            ("src/main.holo", "y * 2", "y * \"2\""),
            ("src/shapes.holo", "pub side: i64", "pub side: str"),
            (
                "src/main.holo",
                "fn unrelated",
                "fn extra() -> i64 { missing }\n\nfn unrelated",
            ),
            ("src/shapes.holo", "pub side: str", "pub side: i64"),
            ("src/main.holo", "y * \"2\"", "y * 2"),
        ];
        for (path, from, to) in edits {
            f.edit(path, from, to);
            let incremental = f.compiler.check().diagnostics;
            let mut clean = Compiler::new(PackageKind::Bin);
            for p in f.compiler.file_paths() {
                clean.set_file(&p, &f.compiler.text(&p).unwrap_or_default());
            }
            assert_eq!(
                incremental,
                clean.check().diagnostics,
                "after editing {path}: `{from}` → `{to}`"
            );
        }
    }
}

// ----- the code generator's view ------------------------------------------------------------

mod contract {
    use super::super::builtins::BuiltinId;
    use super::super::{LocalKind, Resolution, Ty, infer_body, tests};
    use crate::ast::{Block, Expr, ExprKind, ItemKind, StmtKind};
    use crate::db::ItemKey;
    use crate::ids::{ItemId, ModulePath};
    use crate::{Compiler, PackageKind};

    const SRC: &str = "struct Counter { hits: i64 }
enum Token { Num(i64), Plus }
const LIMIT: i64 = 10;
impl Counter {
    fn get(self) -> i64 { self.hits }
    fn bump(mut self) { self.hits += 1; }
}
fn helper(x: i64) -> i64 { x + LIMIT }
fn run(mut xs: [i64], c: Counter) -> i64 {
    xs.push(1);
    let mut d = c;
    d.bump();
    let f = helper;
    let t = Token::Num(2);
    let n = match t { Token::Num(v) => v, Token::Plus => 0 };
    for x in xs { d.hits += x; }
    f(n) + d.get() + Counter { hits: 1 }.hits + xs.len()
}
fn main() { println(run([], Counter { hits: 0 })); }
#[test]
fn a() {}
#[test]
fn b() {}
";

    fn exprs<'a>(block: &'a Block, out: &mut Vec<&'a Expr>) {
        for stmt in &block.stmts {
            match &stmt.kind {
                StmtKind::Let { init: Some(e), .. } | StmtKind::Expr { expr: e, .. } => {
                    expr(e, out)
                }
                _ => {}
            }
        }
        if let Some(t) = &block.tail {
            expr(t, out);
        }
    }

    fn expr<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
        out.push(e);
        match &e.kind {
            ExprKind::Unary(_, a) | ExprKind::Field { base: a, .. } => expr(a, out),
            ExprKind::Binary(_, a, b) | ExprKind::Index { base: a, index: b } => {
                expr(a, out);
                expr(b, out);
            }
            ExprKind::Assign { target, value, .. } => {
                expr(target, out);
                expr(value, out);
            }
            ExprKind::Call { callee, args } => {
                expr(callee, out);
                args.iter().for_each(|a| expr(a, out));
            }
            ExprKind::MethodCall { receiver, args, .. } => {
                expr(receiver, out);
                args.iter().for_each(|a| expr(a, out));
            }
            ExprKind::StructLit { fields, .. } => fields.iter().for_each(|f| expr(&f.value, out)),
            ExprKind::Array(items) => items.iter().for_each(|a| expr(a, out)),
            ExprKind::Block(b) | ExprKind::Loop { body: b } => exprs(b, out),
            ExprKind::For { iterable, body, .. } => {
                expr(iterable, out);
                exprs(body, out);
            }
            ExprKind::Match { scrutinee, arms } => {
                expr(scrutinee, out);
                arms.iter().for_each(|a| expr(&a.body, out));
            }
            _ => {}
        }
    }

    #[test]
    fn every_expression_is_typed_and_every_use_resolved() {
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler.set_file("src/main.holo", SRC);
        let report = compiler.check();
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
        let db = compiler.db();
        let run = ItemId::new(ModulePath::root(), "run");
        let key = ItemKey::new(db, run.clone());
        let ast = crate::db::item_ast(db, key).expect("`run` exists");
        let result = infer_body(db, key).clone().expect("`run` has a body");
        let ItemKind::Fn(f) = &ast.kind else {
            panic!("`run` is a function");
        };
        let mut all = Vec::new();
        exprs(&f.body, &mut all);
        for e in &all {
            let ty = result.ty(e.id);
            assert!(
                ty.is_some_and(|t| !t.references_error()),
                "{e:?} has type {ty:?}"
            );
        }
        let resolutions: Vec<&Resolution> = result.resolutions.iter().map(|(_, r)| r).collect();
        let has = |pred: &dyn Fn(&Resolution) -> bool| resolutions.iter().any(|r| pred(r));
        assert!(has(&|r| matches!(
            r,
            Resolution::BuiltinMethod {
                id: BuiltinId::ArrayPush,
                mutates_receiver: true
            }
        )));
        assert!(has(
            &|r| matches!(r, Resolution::Method { item, mutates_receiver: true } if item.member.as_deref() == Some("bump"))
        ));
        assert!(has(
            &|r| matches!(r, Resolution::Method { item, mutates_receiver: false } if item.member.as_deref() == Some("get"))
        ));
        assert!(has(
            &|r| matches!(r, Resolution::Fn(id) if id.name == "helper")
        ));
        assert!(has(&|r| matches!(r, Resolution::IndirectCall)));
        assert!(has(
            &|r| matches!(r, Resolution::Variant { enum_id, index: 0 } if enum_id.name == "Token")
        ));
        assert!(has(
            &|r| matches!(r, Resolution::Field { struct_id, index: 0 } if struct_id.name == "Counter")
        ));
        assert!(has(
            &|r| matches!(r, Resolution::Struct(id) if id.name == "Counter")
        ));
        let local = |name: &str| {
            result
                .locals
                .iter()
                .find(|l| l.name == name)
                .expect("the local exists")
        };
        assert_eq!(
            (local("xs").kind, local("xs").mutable),
            (LocalKind::Param, true)
        );
        assert_eq!(local("xs").ty, Ty::array(Ty::I64));
        assert_eq!(
            (local("d").kind, local("d").mutable),
            (LocalKind::Let, true)
        );
        assert_eq!(local("v").kind, LocalKind::Pattern);
        assert_eq!(
            (local("x").kind, local("x").ty.clone()),
            (LocalKind::For, Ty::I64)
        );
        assert!(matches!(local("f").ty, Ty::Fn(_)));
        assert_eq!(result.params.len(), 2);
        assert_eq!(result.ret, Ty::I64);
    }

    #[test]
    fn tests_are_listed_by_module_then_source_order() {
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler.set_file("src/main.holo", SRC);
        compiler.set_file(
            "src/util/deep.holo",
            "#[test]\nfn z() {}\n#[test]\nfn y() {}\n",
        );
        compiler.set_file(
            "src/alpha.holo",
            "#[test]\nfn only() {}\nfn not_a_test() {}\n",
        );
        let names: Vec<String> = tests(compiler.db())
            .iter()
            .map(|t| t.display_path())
            .collect();
        assert_eq!(
            names,
            ["a", "b", "alpha::only", "util::deep::z", "util::deep::y"]
        );
    }
}
