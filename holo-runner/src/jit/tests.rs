//! Tests of native execution: real holo programs through `Compiler` → `lower` → `Jit`.

use crate::error::{RuntimeError, RuntimeErrorKind};
use crate::jit::{Jit, Tier};
use crate::rt::RunContext;
use holo_compiler::{Compiler, PackageKind};

/// Compiles a package from `(path, text)` files and runs `main` with `input` on stdin.
fn run_files(files: &[(&str, &str)], input: &str) -> (String, Result<i64, RuntimeError>) {
    run_files_with_args(files, input, vec!["a1".into(), "a2".into()])
}

fn run_files_with_args(
    files: &[(&str, &str)],
    input: &str,
    args: Vec<String>,
) -> (String, Result<i64, RuntimeError>) {
    let mut compiler = Compiler::new(PackageKind::Bin);
    for (path, text) in files {
        compiler.set_file(path, text);
    }
    let program = match compiler.lower() {
        Ok(p) => p,
        Err(e) => panic!("{e}: {:#?}", compiler.check().diagnostics),
    };
    // Every program runs with both tiers of code, which must behave the same.
    let mut runs = [Tier::Optimized, Tier::Baseline].map(|tier| {
        let mut jit = Jit::with_tier(program.clone(), tier).expect("a JIT for this machine");
        let (ctx, out) = RunContext::captured();
        let mut ctx = ctx.with_input(input).with_args(args.clone());
        let result = jit.run_main(&mut ctx);
        (out.text(), result)
    });
    let [optimized, baseline] = &mut runs;
    // Their frames differ in size, so a stack overflow leaves out different numbers of frames
    // from the middle of the stack.
    let key = |r: &Result<i64, RuntimeError>| -> Result<i64, String> {
        r.as_ref().copied().map_err(|e| {
            format!(
                "{:?}",
                RuntimeError {
                    omitted_frames: 0,
                    ..e.clone()
                }
            )
        })
    };
    assert_eq!(
        optimized.0, baseline.0,
        "optimized and baseline code print differently"
    );
    assert_eq!(
        key(&optimized.1),
        key(&baseline.1),
        "optimized and baseline code end differently"
    );
    std::mem::replace(optimized, (String::new(), Ok(0)))
}

fn run_with(src: &str, input: &str) -> (String, Result<i64, RuntimeError>) {
    run_files(&[("src/main.holo", src)], input)
}

/// Runs a program that must succeed; returns its output.
fn run(src: &str) -> String {
    let (out, result) = run_with(src, "");
    if let Err(e) = result {
        panic!("runtime error: {e}\noutput so far:\n{out}");
    }
    out
}

/// Runs a program that must fail; returns its output and error.
fn run_err(src: &str) -> (String, RuntimeError) {
    match run_with(src, "") {
        (out, Err(e)) => (out, e),
        (out, Ok(_)) => panic!("expected a runtime error, got output:\n{out}"),
    }
}

fn frames(e: &RuntimeError) -> Vec<(String, u32)> {
    e.stack
        .iter()
        .map(|f| (f.function.clone(), f.line))
        .collect()
}

#[test]
fn hello() {
    assert_eq!(run("fn main() { println(\"hello\"); }"), "hello\n");
}

#[test]
fn pinned_core_example() {
    let main = r#"use geometry::{Point, area};          // items of src/geometry.holo

const LIMIT: i64 = 1_000;

pub struct Counter {
    name: str,
    hits: i64,
}

pub enum Token {
    Num(i64),
    Plus,
    Word(str),
}

impl Counter {
    pub fn new(name: str) -> Counter {
        Counter { name: name, hits: 0 }
    }
    pub fn describe(self) -> str {
        self.name + ": " + self.hits.to_str()
    }
}

fn value(t: Token) -> i64 {
    match t {
        Token::Num(n) => n,
        Token::Plus => 0,
        Token::Word(w) => w.len(),
    }
}

fn sum_below(n: i64) -> i64 {
    let mut total = 0;
    for i in 0..n {
        if i % 2 == 0 { continue; }
        total = total + i;
    }
    total
}

fn main() {
    let mut c = Counter::new("clicks");
    c.hits = c.hits + 1;
    let mut xs: [i64] = [];
    xs.push(3);
    xs.push(4);
    let biggest = if xs[0] > xs[1] { xs[0] } else { xs[1] };
    println(c.describe());
    println("biggest = " + biggest.to_str() + ", count = " + xs.len().to_str());
    println(2.5.to_i64());             // 2 (truncates); `n.to_f64()` goes the other way
    println(sum_below(6) + value(Token::Word("abc")) + value(Token::Plus) + value(Token::Num(LIMIT)));
}
"#;
    let geometry = "pub struct Point { pub x: f64, pub y: f64 }
pub fn area(p: Point) -> f64 { p.x * p.y }";
    let (out, result) = run_files(
        &[("src/main.holo", main), ("src/geometry.holo", geometry)],
        "",
    );
    assert_eq!(result, Ok(0), "{out}");
    assert_eq!(out, "clicks: 1\nbiggest = 4, count = 2\n2\n1012\n");
}

#[test]
fn integer_and_float_arithmetic() {
    let src = "fn main() {
    println(7 / 2); println(-7 / 2); println(-7 % 2); println(7 % -2);
    println(2 + 3 * 4 - 1); println(-(5)); println(10.0 / 4.0); println(6.0);
    println(0.1 + 0.2); println(1.0 / 3.0); println(-0.0); println(2.5 * 2.0);
    println(7.5 % 2.0); println(1e21); println(3.to_f64() / 2.0); println((-2.7).to_i64());
    println(2.pow(10)); println((-5).abs()); println(3.min(9)); println(3.max(9));
    println(2.0.sqrt()); println(2.5.floor()); println(2.5.ceil()); println(2.5.round());
    println((-2.5).round()); println(2.0.pow(0.5)); println(1.5.min(0.5)); println(1.5.max(0.5));
    println((-1.5).abs()); println(1 < 2); println(2.0 >= 3.0); println(!true);
    println(true && false || true); println(9223372036854775807); println(-9223372036854775808);
}";
    assert_eq!(
        run(src),
        "3\n-3\n-1\n1\n13\n-5\n2.5\n6\n0.30000000000000004\n0.3333333333333333\n-0\n5\n\
         1.5\n1000000000000000000000\n1.5\n-2\n1024\n5\n3\n9\n1.4142135623730951\n2\n3\n3\n\
         -3\n1.4142135623730951\n0.5\n1.5\n1.5\ntrue\nfalse\nfalse\ntrue\n9223372036854775807\n\
         -9223372036854775808\n"
    );
}

#[test]
fn strings() {
    let src = r#"fn main() {
    let s = "Hello, " + "world";
    println(s); println(s.len()); println(s == "Hello, world"); println(s != "x");
    println("abc" < "abd"); println("b" > "abc"); println(s.contains("world"));
    println(s.starts_with("He")); println(s.ends_with("d")); println(s.find("o"));
    println(s.find("zz")); println(s.substring(7, 12)); println(s.char_at(4));
    println(s.chars().len()); println("a,b,,c".split(",").len()); println("  pad  ".trim() + "|");
    println(s.to_upper()); println(s.to_lower()); println(s.replace("l", "L"));
    println("ab".repeat(3)); println("42".parse_i64().unwrap() + 1); println("2.5".parse_f64().unwrap() * 2.0);
    println("x".is_i64()); println("-12".is_i64()); println("1e3".is_f64());
    println(12.to_str() + 3.5.to_str() + true.to_str() + "s".to_str());
    print("no newline"); print(1); print(2.5); print(false); println("");
    let words = ["b", "c", "a"];
    println(words.join("-"));
    let mut t = "";
    for i in 0..5 { t = t + i.to_str(); }
    t += "!";
    println(t);
    println("héllo".len()); println("日本".chars().len()); println("a\tb\\n\"q\"");
}"#;
    assert_eq!(
        run(src),
        "Hello, world\n12\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\ntrue\n4\n-1\nworld\no\n12\n4\npad|\n\
         HELLO, WORLD\nhello, world\nHeLLo, worLd\nababab\n43\n5\nfalse\ntrue\ntrue\n123.5trues\n\
         no newline12.5false\nb-c-a\n01234!\n6\n2\na\tb\\n\"q\"\n"
    );
}

#[test]
fn arrays_and_builtins() {
    let src = "fn main() {
    let mut xs = [5, 3, 8];
    xs.push(1);
    xs.sort();
    let top = xs.pop();
    let middle = xs.slice(1, 3);
    println(top + middle.len() + xs.index_of(3));
    println(xs.contains(5) && !xs.is_empty());
    xs.insert(0, 10);
    println(xs.remove(1));
    println(xs.len());
    println(xs.first() + xs.last());
    xs.reverse();
    println(xs[0]);
    xs.clear();
    println(xs.len());
    println(xs.is_empty());
    let mut fs = [2.5, -1.0, 0.5];
    fs.sort();
    println(fs[0] + fs[2]);
    let mut ss = [\"pear\", \"apple\", \"fig\"];
    ss.sort();
    println(ss.join(\",\"));
    println(ss.contains(\"fig\"));
    println(ss.index_of(\"zz\"));
    let grid = [[1, 2], [3, 4, 5]];
    println(grid[1][2] + grid.len() + grid[0].len());
    let mut total = 0;
    for row in grid { for v in row { total += v; } }
    println(total);
    println([1, 2] == [1, 2]);
    println([[1], [2]] != [[1], [3]]);
}";
    assert_eq!(
        run(src),
        "11\ntrue\n1\n3\n15\n5\n0\ntrue\n1.5\napple,fig,pear\ntrue\n-1\n9\n15\ntrue\ntrue\n"
    );
}

#[test]
fn structs_enums_and_match() {
    let src = "struct Item { name: str, qty: i64 }
struct Order { items: [Item], note: str }
enum Shape { Circle(f64), Rect(f64, f64), Empty }
enum Expr { Num(i64), Add(Expr, Expr), Neg(Expr) }

fn area(s: Shape) -> f64 {
    match s {
        Shape::Circle(r) => 3.0 * r * r,
        Shape::Rect(w, h) => w * h,
        Shape::Empty => 0.0,
    }
}

fn eval(e: Expr) -> i64 {
    match e {
        Expr::Num(n) => n,
        Expr::Add(a, b) => eval(a) + eval(b),
        Expr::Neg(inner) => -eval(inner),
    }
}

fn describe(n: i64) -> str {
    match n {
        0 => \"zero\",
        1 | 2 | 3 => \"few\",
        x if x < 0 => \"negative\",
        _ => \"many\",
    }
}

fn main() {
    let mut order = Order { items: [], note: \"n\" };
    order.items.push(Item { name: \"apple\", qty: 1 });
    order.items.push(Item { name: \"pear\", qty: 2 });
    order.items[1].qty = 3;
    order.items[0].name = order.items[0].name + \"s\";
    println(order.items[0].name + \" \" + order.items[1].qty.to_str());
    println(area(Shape::Rect(2.0, 3.0)) + area(Shape::Circle(1.0)) + area(Shape::Empty));
    println(eval(Expr::Add(Expr::Num(2), Expr::Neg(Expr::Num(5)))));
    println(describe(0) + describe(2) + describe(-4) + describe(10));
    let b = true;
    let s = match b { true => \"yes\", false => \"no\" };
    println(s);
    let name = \"bob\";
    println(match name { \"ann\" => 1, \"bob\" => 2, _ => 3 });
    println(Shape::Empty == Shape::Empty);
    println(Shape::Circle(1.0) == Shape::Circle(2.0));
    println(Item { name: \"a\", qty: 1 } == Item { name: \"a\", qty: 1 });
    let nested = Expr::Add(Expr::Num(1), Expr::Num(2));
    let same = match nested { Expr::Add(Expr::Num(1), _) => \"one first\", _ => \"other\" };
    println(same);
}";
    assert_eq!(
        run(src),
        "apples 3\n9\n-3\nzerofewnegativemany\nyes\n2\ntrue\nfalse\ntrue\none first\n"
    );
}

#[test]
fn methods_and_mut_self_write_back() {
    let src = "struct Counter { hits: i64, log: [str] }
struct Page { views: Counter }
impl Counter {
    fn new() -> Counter { Counter { hits: 0, log: [] } }
    fn bump(mut self) { self.hits += 1; self.log.push(\"bump\"); }
    fn bump_twice(mut self) { self.bump(); self.bump(); }
    fn get(self) -> i64 { self.hits }
    fn take(mut self) -> i64 { let h = self.hits; self.hits = 0; h }
}
fn main() {
    let mut c = Counter::new();
    c.bump();
    c.bump_twice();
    let mut page = Page { views: Counter::new() };
    page.views.bump();
    let mut pages = [Page { views: Counter::new() }];
    pages[0].views.bump_twice();
    println(c.get() + page.views.get() + pages[0].views.get());
    println(c.log.len());
    println(c.take());
    println(c.hits);
}";
    assert_eq!(run(src), "6\n3\n3\n0\n");
}

#[test]
fn function_values_loops_recursion_consts() {
    let src = "const BASE: i64 = 10;
const NAMES: [str] = [\"x\", \"y\"];
const HALF: f64 = 1.0 / 2.0;
const GREETING: str = \"hi\" + \" there\";
struct P { x: i64 }
impl P { fn make(x: i64) -> P { P { x: x } } }
fn double(x: i64) -> i64 { x * 2 }
fn apply_twice(f: fn(i64) -> i64, x: i64) -> i64 { f(f(x)) }
fn fact(n: i64) -> i64 { if n <= 1 { 1 } else { n * fact(n - 1) } }
fn main() {
    let g = double;
    println(apply_twice(g, 5));
    let mk = P::make;
    println(mk(4).x);
    println(fact(20));
    let mut i = 0;
    let mut sum = 0;
    while i < 10 { i += 1; if i == 3 { continue; } if i == 8 { break; } sum += i; }
    println(sum);
    let mut n = 0;
    loop { n += 1; if n > 4 { break; } }
    println(n);
    println(BASE * 2 + NAMES.len());
    println(NAMES[1] + GREETING);
    println(HALF);
    let found = {
        let mut r = -1;
        for j in 0..100 { if j * j > 50 { r = j; break; } }
        r
    };
    println(found);
}";
    assert_eq!(
        run(src),
        "20\n4\n2432902008176640000\n25\n5\n22\nyhi there\n0.5\n8\n"
    );
}

#[test]
fn value_semantics() {
    let src = "struct Bag { items: [str] }
fn with_extra(b: Bag) -> Bag { let mut copy = b; copy.items.push(\"extra\"); copy }
fn grow(mut xs: [i64]) -> i64 { xs.push(1); xs.len() }
fn main() {
    let original = Bag { items: [\"a\"] };
    let mut other = original;
    other.items.push(\"b\");
    let bigger = with_extra(original);
    println(original.items.len());
    println(other.items.len());
    println(bigger.items.len());
    let xs = [1, 2, 3];
    println(grow(xs));
    println(xs.len());
    let mut a = [[1], [2]];
    let b = a;
    a[0].push(9);
    println(a[0].len() + b[0].len() * 10);
    let mut items = [1, 2, 3];
    for x in items { items.push(x); }
    println(items.len());
    let mut s = \"abc\";
    let t = s;
    s += \"d\";
    println(s + t);
}";
    assert_eq!(run(src), "1\n2\n2\n4\n3\n12\n6\nabcdabc\n");
}

#[test]
fn input_args_clock_random() {
    let src = "fn main() {
    let first = read_line();
    println(\"got \" + first);
    println(stdin_eof());
    let rest = read_lines();
    println(rest.len());
    println(read_line() == \"\");
    println(stdin_eof());
    println(args().join(\",\"));
    println(clock_ms() > 1000000);
    let r = random_int(3, 5);
    println(r >= 3 && r < 5);
    let f = random_float();
    println(f >= 0.0 && f < 1.0);
}";
    let (out, result) = run_with(src, "one\r\ntwo\nthree");
    assert_eq!(result, Ok(0));
    assert_eq!(
        out,
        "got one\nfalse\n2\ntrue\ntrue\na1,a2\ntrue\ntrue\ntrue\n"
    );
}

// ----- runtime errors -----------------------------------------------------------------------

#[test]
fn index_out_of_bounds_with_location_and_stack() {
    let src = "fn get(xs: [i64], i: i64) -> i64 {
    xs[i]
}
fn main() {
    let xs = [1, 2];
    println(get(xs, 1));
    println(get(xs, 2));
}";
    let (out, e) = run_err(src);
    assert_eq!(out, "2\n");
    assert_eq!(
        e.kind,
        RuntimeErrorKind::IndexOutOfBounds { index: 2, len: 2 }
    );
    assert_eq!(e.location.as_deref(), Some("src/main.holo:2:5"));
    assert_eq!(
        frames(&e),
        [("get".to_string(), 2), ("main".to_string(), 7)]
    );
    assert_eq!(
        e.to_string(),
        "index out of bounds: the index is 2 but the length is 2\n  --> src/main.holo:2:5\n   at get (src/main.holo:2)\n   at main (src/main.holo:7)"
    );
}

#[test]
fn arithmetic_errors() {
    let cases = [
        (
            "let x = 9223372036854775807; println(x + 1);",
            "integer overflow: 9223372036854775807 + 1 does not fit in i64",
        ),
        (
            "let x = -9223372036854775807; println(x - 2);",
            "integer overflow: -9223372036854775807 - 2 does not fit in i64",
        ),
        (
            "let x = 4611686018427387904; println(x * 2);",
            "integer overflow: 4611686018427387904 * 2 does not fit in i64",
        ),
        (
            "let x = -9223372036854775808; println(x / -1);",
            "integer overflow: -9223372036854775808 / -1 does not fit in i64",
        ),
        (
            "let x = -9223372036854775808; println(-x);",
            "integer overflow: --9223372036854775808 does not fit in i64",
        ),
        ("let z = 0; println(1 / z);", "division by zero"),
        ("let z = 0; println(1 % z);", "division by zero"),
        (
            "println(2.pow(64));",
            "integer overflow: 2 ** 64 does not fit in i64",
        ),
        (
            "let mut xs: [i64] = []; println(xs.pop());",
            "cannot pop from an empty array",
        ),
        (
            "println(\"x1\".parse_i64().unwrap());",
            "called `unwrap` on `Err(\"cannot parse \\\"x1\\\" as an i64\")`",
        ),
        ("assert(1 > 2);", "assertion failed"),
        (
            "assert_eq([1, 2], [1, 3]);",
            "assertion failed: left == right\n  left: [1, 2]\n right: [1, 3]",
        ),
        (
            "assert_eq(\"a\", \"b\");",
            "assertion failed: left == right\n  left: \"a\"\n right: \"b\"",
        ),
        ("panic(\"boom \" + 1.to_str());", "panicked: boom 1"),
        (
            "let xs = [1]; println(xs.slice(0, 2).len());",
            "slice(0, 2) is out of range for an array of length 1",
        ),
        (
            "println(\"abc\".substring(2, 1));",
            "substring(2, 1) is out of range for a string of length 3",
        ),
    ];
    for (body, message) in cases {
        let src = format!("fn main() {{\n    {body}\n}}");
        let (_, e) = run_err(&src);
        assert_eq!(e.kind.to_string(), message, "for {body}");
        assert!(
            e.location
                .as_deref()
                .is_some_and(|l| l.starts_with("src/main.holo:2:")),
            "{body}: {:?}",
            e.location
        );
        assert_eq!(frames(&e), [("main".to_string(), 2)], "for {body}");
    }
}

#[test]
fn assert_eq_shows_structures() {
    let src = "struct P { x: i64, name: str }
enum T { A(i64, str), B }
fn main() {
    assert_eq(T::B, T::B);
    assert_eq(P { x: 1, name: \"a\" }, P { x: 1, name: \"a\" });
    assert_eq(T::A(1, \"q\"), T::B);
}";
    let (_, e) = run_err(src);
    assert_eq!(
        e.kind.to_string(),
        "assertion failed: left == right\n  left: T::A(1, \"q\")\n right: T::B"
    );
    assert_eq!(e.location.as_deref(), Some("src/main.holo:6:5"));
}

#[test]
fn constant_overflow_fails_where_used() {
    let src = "const BIG: i64 = 9223372036854775807 + 1;
fn main() {
    println(1);
    println(BIG);
}";
    let (out, e) = run_err(src);
    assert_eq!(out, "1\n");
    assert!(matches!(e.kind, RuntimeErrorKind::Overflow { .. }));
    assert_eq!(e.location.as_deref(), Some("src/main.holo:4:13"));
}

#[test]
fn deep_recursion_works_and_infinite_recursion_is_a_stack_overflow() {
    let src = "fn depth(n: i64) -> i64 { if n == 0 { 0 } else { 1 + depth(n - 1) } }
fn main() { println(depth(5000)); println(depth(50000)); }";
    assert_eq!(run(src), "5000\n50000\n");
    let src = "fn forever(n: i64) -> i64 {
    forever(n + 1) + 1
}
fn main() {
    println(forever(0));
}";
    let (_, e) = run_err(src);
    assert_eq!(e.kind, RuntimeErrorKind::StackOverflow);
    assert!(e.omitted_frames > 0);
    assert_eq!(
        e.stack.first().map(|f| f.function.as_str()),
        Some("forever")
    );
    assert_eq!(
        e.stack.last().map(|f| (f.function.as_str(), f.line)),
        Some(("main", 5))
    );
    assert!(e.to_string().contains("more frames"), "{e}");
}

#[test]
fn output_before_an_error_is_kept() {
    let src = "fn main() { for i in 0..3 { println(i); } panic(\"stop\"); }";
    let (out, e) = run_err(src);
    assert_eq!(out, "0\n1\n2\n");
    assert_eq!(e.kind, RuntimeErrorKind::Panic("stop".into()));
}

/// Held by the tests that measure this process's peak memory, so that two of them never run at
/// once (the peak is the whole process's: another large test beside one would count in it).
static MEMORY_MEASURED: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn ten_million_strings_run_in_bounded_memory() {
    let src = "struct Rec { name: str, tags: [str] }
fn main() {
    let mut kept = 0;
    for i in 0..10000000 {
        let s = \"item \" + i.to_str();
        let r = Rec { name: s, tags: [\"a\", \"b\" + \"c\"] };
        let mut copy = r;
        copy.tags.push(\"d\");
        if copy.tags.len() == 3 { kept += 1; }
    }
    println(kept);
}";
    let _alone = MEMORY_MEASURED.lock().unwrap_or_else(|e| e.into_inner());
    let before = peak_rss_kb();
    assert_eq!(run(src), "10000000\n");
    if let (Some(before), Some(after)) = (before, peak_rss_kb()) {
        assert!(
            after < before.max(50_000) + 200_000,
            "peak memory grew from {before} kB to {after} kB"
        );
    }
}

#[test]
fn ten_million_map_entries_and_closures_run_in_bounded_memory() {
    let src = "fn main() {
    let mut total = 0;
    let mut m: Map<i64, str> = Map::new();
    for i in 0..10000000 {
        let s = \"v\" + i.to_str();
        let f = |x: i64| x + s.len();
        total += f(1);
        m.insert(i % 1000, s);
        if i % 3 == 0 {
            m.remove(i % 1000);
        }
    }
    println(total);
    println(m.len());
}";
    let _alone = MEMORY_MEASURED.lock().unwrap_or_else(|e| e.into_inner());
    let before = peak_rss_kb();
    assert_eq!(run(src), "88888890\n666\n");
    if let (Some(before), Some(after)) = (before, peak_rss_kb()) {
        assert!(
            after < before.max(50_000) + 200_000,
            "peak memory grew from {before} kB to {after} kB"
        );
    }
}

#[test]
fn tests_of_a_library_run_one_by_one() {
    let mut compiler = Compiler::new(PackageKind::Lib);
    compiler.set_file(
        "src/lib.holo",
        "pub fn double(x: i64) -> i64 { x * 2 }
#[test]
fn doubles() { assert_eq(double(2), 4); }
#[test]
fn fails() { println(\"checking\"); assert_eq(double(2), 5); }",
    );
    compiler.set_file(
        "src/geometry/shapes.holo",
        "#[test]\nfn unit_square() { assert(1.0 * 1.0 == 1.0); }",
    );
    let program = compiler.lower().expect("the package checks");
    let names: Vec<&str> = program.tests.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["doubles", "fails", "geometry::shapes::unit_square"]);
    assert_eq!(program.main, None);
    let mut jit = Jit::new(&program).expect("a JIT for this machine");
    let fails = program.tests[1].func;
    let stats = jit.compile_reachable(&[fails]).expect("compiles");
    // Lazy: only `fails` and `double`.
    assert_eq!(stats.compiled, 2);
    for (i, test) in program.tests.iter().enumerate() {
        let (mut ctx, out) = RunContext::captured();
        let result = jit.run_test(test.func, &mut ctx);
        match i {
            1 => {
                let e = result.expect_err("`fails` fails");
                assert_eq!(out.text(), "checking\n");
                assert_eq!(e.location.as_deref(), Some("src/lib.holo:5:35"));
                assert_eq!(frames(&e), [("fails".to_string(), 5)]);
            }
            _ => assert_eq!(result, Ok(()), "{}", test.name),
        }
    }
}

#[test]
fn handing_a_variable_to_a_mut_parameter_keeps_value_semantics() {
    let src = "fn add_one(mut xs: [i64], extra: i64) -> [i64] { xs.push(extra); xs }
fn keep_first(mut xs: [i64]) -> i64 { xs.push(0); xs[0] }
fn last_of(mut xs: [i64]) -> i64 { xs.push(7); keep_first(xs) + xs.len() }
fn main() {
    let mut a = [1];
    let b = a;
    a = add_one(a, 2);
    a = add_one(a, a.len());
    println(a.len() * 10 + b.len());
    let mut c = [5];
    c = add_one(c, 6);
    println(keep_first(c) + c.len());
    println(last_of(c));
    let mut s = [[1]];
    s = add_nested(s);
    println(s.len());
}
fn add_nested(mut xss: [[i64]]) -> [[i64]] { xss.push([2]); xss }";
    assert_eq!(run(src), "31\n7\n8\n2\n");
}

/// Every complete single-file program of the book (a `holo` block without attributes) runs
/// with empty input and no arguments; where the book shows the run (a `text` block right after
/// with `$ holo run`), the output and any runtime error report match it.
#[test]
fn book_programs_run() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src");
    let mut paths = vec![dir];
    let mut programs: Vec<(String, String, Option<String>)> = Vec::new();
    while let Some(path) = paths.pop() {
        if let Ok(entries) = std::fs::read_dir(&path) {
            paths.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            continue;
        }
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if lines[i].trim() != "```holo" {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && lines[end].trim() != "```" {
                end += 1;
            }
            let code = lines[start..end.min(lines.len())].join("\n");
            let mut next = end + 1;
            while next < lines.len() && lines[next].trim().is_empty() {
                next += 1;
            }
            let shown = if lines.get(next).is_some_and(|l| l.trim() == "```text") {
                let body: Vec<&str> = lines[next + 1..]
                    .iter()
                    .take_while(|l| l.trim() != "```")
                    .copied()
                    .collect();
                Some(body.join("\n")).filter(|b| b.starts_with("$ holo run"))
            } else {
                None
            };
            programs.push((path.display().to_string(), code, shown));
            i = end + 1;
        }
    }
    assert!(!programs.is_empty());
    for (file, src, shown) in programs {
        if !src.contains("fn main") {
            continue;
        }
        let (out, result) = run_files_with_args(&[("src/main.holo", &src)], "", Vec::new());
        match (&result, &shown) {
            (Ok(_), _) => {}
            (Err(e), Some(shown)) => {
                let report = format!("error: {e}");
                assert!(
                    shown.contains(&report),
                    "{file}: the book shows\n{shown}\nbut the run reported\n{report}"
                );
                for line in out.lines() {
                    assert!(
                        shown.lines().any(|l| l == line),
                        "{file}: output line {line:?} is not in the book"
                    );
                }
            }
            (Err(e), None) => panic!("{file}:\n{src}\nfailed: {e}\n{out}"),
        }
    }
}

/// A program of the given `main.holo`, lowered.
fn lowered(src: &str) -> holo_compiler::ir::Program {
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_file("src/main.holo", src);
    compiler
        .lower()
        .unwrap_or_else(|e| panic!("{e}: {:#?}", compiler.check().diagnostics))
}

/// The program a worker starting now would load, decoded.
fn loaded(
    slots: &crate::live::slots::SlotTable,
    program: &holo_compiler::ir::Program,
    slot_of: &[holo_compiler::ir::FuncIndex],
) -> holo_compiler::ir::Program {
    let bytes = slots.encode_load(program, slot_of).unwrap();
    crate::exec::decode_program(&bytes).unwrap()
}

/// The behaviour fingerprints of `program`'s functions, by key.
fn fingerprints(
    program: &holo_compiler::ir::Program,
) -> std::collections::BTreeMap<String, holo_compiler::fingerprint::Fingerprint> {
    program
        .functions
        .iter()
        .map(|f| (f.key.clone(), holo_compiler::cache::function_fingerprint(f)))
        .collect()
}

/// Runs `main` of the JIT's program and returns what it printed.
fn run_main_text(jit: &mut Jit) -> String {
    let (ctx, out) = RunContext::captured();
    let mut ctx = ctx.with_input("");
    jit.run_main(&mut ctx).expect("main runs");
    out.text()
}

#[test]
fn a_patch_recompiles_only_what_changed_and_keeps_slots_by_key() {
    use crate::live::slots::{SlotTable, Update};
    let v1 = "fn a() -> i64 { 1 }\nfn b() -> i64 { a() + 10 }\nfn main() { println(b()); }\n";
    // `a` changes; `aa` is new and sorts between `a` and `b`, shifting their indices.
    let v2 = "fn a() -> i64 { 2 }\nfn aa() -> i64 { 100 }\nfn b() -> i64 { a() + aa() }\nfn main() { println(b()); }\n";
    // Only `a`'s body changes: only `a` is compiled again.
    let v3 = "fn a() -> i64 { 3 }\nfn aa() -> i64 { 100 }\nfn b() -> i64 { a() + aa() }\nfn main() { println(b()); }\n";
    let mut slots = SlotTable::default();
    let (slot_of, Update::Load) = slots.update(&lowered(v1), &fingerprints(&lowered(v1))) else {
        panic!("the first update loads the whole program");
    };
    let first = loaded(&slots, &lowered(v1), &slot_of);
    // Nothing moved in the first version: the slot program is the program.
    assert_eq!(first, lowered(v1));
    let mut jit = Jit::with_tier(first, Tier::Baseline).unwrap();
    assert_eq!(run_main_text(&mut jit), "11\n");
    let compiled_before = jit.compiled.iter().filter(|c| **c).count();
    assert_eq!(compiled_before, 3);

    let (slot_of, Update::Patch(patch)) = slots.update(&lowered(v2), &fingerprints(&lowered(v2)))
    else {
        panic!("same layouts: a patch");
    };
    // `a`, `aa` (new, in the next slot) and `b` changed; `main` only moved down a line.
    let keys: Vec<&str> = patch
        .functions
        .iter()
        .map(|(_, f)| f.name.as_str())
        .collect();
    assert_eq!(keys, ["a", "b", "main", "aa"]);
    assert!(
        patch
            .functions
            .iter()
            .any(|(slot, f)| f.name == "aa" && *slot == 3)
    );
    assert_eq!(slot_of.len(), 4);
    let stale = jit.patch(patch).unwrap();
    assert_eq!(stale, 3, "`main` moved: its positions change, not its code");
    assert_eq!(run_main_text(&mut jit), "102\n");

    let (slot_of, Update::Patch(patch)) = slots.update(&lowered(v3), &fingerprints(&lowered(v3)))
    else {
        panic!("same layouts: a patch");
    };
    assert_eq!(patch.functions.len(), 1, "only `a` changed");
    assert_eq!(jit.patch(patch).unwrap(), 1);
    assert_eq!(run_main_text(&mut jit), "103\n");
    // A worker that starts now loads the same version, in the same slots.
    let fresh = loaded(&slots, &lowered(v3), &slot_of);
    assert_eq!(fresh.functions.len(), 4);
    assert_eq!(fresh.functions[3].name, "aa");
    let mut fresh_jit = Jit::with_tier(fresh, Tier::Baseline).unwrap();
    assert_eq!(run_main_text(&mut fresh_jit), "103\n");
    // `aa` goes: its slot stays, and a worker that starts later gets a stub there.
    let v4 = "fn a() -> i64 { 4 }\nfn b() -> i64 { a() }\nfn main() { println(b()); }\n";
    let (slot_of, Update::Patch(patch)) = slots.update(&lowered(v4), &fingerprints(&lowered(v4)))
    else {
        panic!("same layouts: a patch");
    };
    jit.patch(patch).unwrap();
    assert_eq!(run_main_text(&mut jit), "4\n");
    let later = loaded(&slots, &lowered(v4), &slot_of);
    assert_eq!(later.functions[3].name, "<removed>");
    let mut later_jit = Jit::with_tier(later, Tier::Baseline).unwrap();
    assert_eq!(run_main_text(&mut later_jit), "4\n");
    // Nothing changed: an empty patch, nothing compiled again.
    let (_, Update::Patch(patch)) = slots.update(&lowered(v4), &fingerprints(&lowered(v4))) else {
        panic!("same layouts: a patch");
    };
    assert!(patch.functions.is_empty());
    assert_eq!(jit.patch(patch).unwrap(), 0);
}

#[test]
fn a_signature_change_recompiles_the_callers_and_a_layout_change_reloads() {
    use crate::live::slots::{SlotTable, Update};
    let v1 = "fn a(x: i64) -> i64 { x }\nfn b() -> i64 { a(1) }\nfn main() { println(b()); }\n";
    let v2 = "fn a(x: f64) -> i64 { x.to_i64() }\nfn b() -> i64 { a(1.0) }\nfn main() { println(b()); }\n";
    let mut slots = SlotTable::default();
    let (slot_of, Update::Load) = slots.update(&lowered(v1), &fingerprints(&lowered(v1))) else {
        panic!("load");
    };
    let mut jit = Jit::with_tier(loaded(&slots, &lowered(v1), &slot_of), Tier::Baseline).unwrap();
    assert_eq!(run_main_text(&mut jit), "1\n");
    let (_, Update::Patch(patch)) = slots.update(&lowered(v2), &fingerprints(&lowered(v2))) else {
        panic!("patch");
    };
    jit.patch(patch).unwrap();
    assert_eq!(run_main_text(&mut jit), "1\n");
    let v3 = "struct P { x: i64 }\nfn main() { let p = P { x: 4 }; println(p.x); }\n";
    assert!(
        matches!(
            slots.update(&lowered(v3), &fingerprints(&lowered(v3))).1,
            Update::Load
        ),
        "a new struct"
    );
    let v4 = "struct P { x: i64, y: i64 }\nfn main() { let p = P { x: 4, y: 1 }; println(p.x + p.y); }\n";
    let (_, update) = slots.update(&lowered(v4), &fingerprints(&lowered(v4)));
    assert!(
        matches!(update, Update::Load),
        "a changed layout loads afresh"
    );
}
