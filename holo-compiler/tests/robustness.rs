//! Robustness: thousands of random and mutated programs through the parser and the whole checker.
//!
//! Whatever the input, holo must answer with diagnostics: never a panic, a hang or a stack
//! overflow (PRODUCT.md §6, "bad input gets a clear error"). Each case is generated from a seeded
//! xorshift generator, so a failure is reproducible from the seed printed at the start:
//!
//! - `HOLO_FUZZ_SEED=N` picks the seed (default fixed, so CI runs are deterministic);
//! - `HOLO_FUZZ_CASES=N` runs N cases instead of the default few thousand;
//! - `HOLO_FUZZ_VERBOSE=1` prints each case number before it runs and saves its text (to find
//!   the case that aborts the process with a stack overflow, which cannot be caught).
//!
//! Cases run on a worker thread with a 2 MiB stack (the default size of a Rust thread); the test
//! thread is a watchdog that fails the test if one case takes longer than [`CASE_TIMEOUT`]. A
//! failing case is written to the temporary directory so that it can be replayed.
//!
//! Besides "no crash", every parse is checked for structural invariants (spans inside the text,
//! one source map per item, errors in order) and for whitespace insensitivity: the same tokens
//! re-spaced with random whitespace and comments must give equal items and the same errors. That
//! property is what salsa's early cutoff relies on. A broken file whose recovery may read the
//! layout of its lines (`ParsedFile::read_layout`) is re-spaced only within its lines.

use holo_compiler::ast::{NodeId, ParsedFile};
use holo_compiler::syntax::{self, lexer};
use holo_compiler::{Compiler, Loc, PackageKind};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

/// Cases run by default: a few seconds in a debug build.
const DEFAULT_CASES: u64 = 2_000;
const DEFAULT_SEED: u64 = 0x5EED_F00D;
/// Generous, because debug builds are slow and CI machines are shared; a real hang is forever.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);
const WORKER_STACK: usize = 2 << 20;

// ----- the generator ------------------------------------------------------------------------

/// xorshift64*: small, fast, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // A zero state would stay zero.
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Valid programs covering every construct of the language; mutations start from these.
const CORPUS: &[&str] = &[
    include_str!("fixtures/pinned_core.holo"),
    include_str!("fixtures/second_core.holo"),
    r#"struct P { x: i64, y: i64 }

enum Shape { Dot(P), Pair(P, P), Empty }

fn half(n: i64) -> Option<i64> {
    if n % 2 == 0 { Some(n / 2) } else { None }
}

fn quarter(n: i64) -> Option<i64> {
    let h = half(n)?;
    half(h)
}

fn checked(text: str) -> Result<(i64, str), str> {
    let n = text.trim().parse_i64()?;
    if n < 0 { return Err("negative: " + n.to_str()); }
    Ok((n, text))
}

fn apply(f: fn(i64) -> i64, x: i64) -> i64 { f(x) }

fn corner(s: Shape) -> i64 {
    match s {
        Shape::Dot(P { x: 0, y }) => y,
        Shape::Dot(P { x, .. }) => x,
        Shape::Pair(P { x: a, y: _ }, P { y: b, .. }) => a + b,
        Shape::Empty => i64::MIN >> 62,
    }
}

fn main() {
    let k = 3;
    let add = |x| x + k;
    let scale = |x: i64| -> i64 {
        let y = x * 2;
        y ^ (y >> 1)
    };
    assert_eq(apply(add, 1) + apply(scale, 4), 10);
    let mut m: Map<str, i64> = Map::new();
    for (i, w) in [(1, "a"), (2, "bb"), (3, "a")] {
        let old = m.get(w).unwrap_or(0);
        m.insert(w, old + i);
    }
    if let Some(n) = m.remove("bb") { println(n); }
    while let Some(q) = quarter(m.len() * 8) {
        if q > 0 { break; }
    }
    for (key, value) in m { println(key + "=" + value.to_str()); }
    let t = (1, ("x", [2, 3]));
    let (one, (name, list)) = t;
    let sorted = list.map(|v| v << 2).filter(|v| v & 4 == 0);
    let mut ps = [P { x: 2, y: 1 }, P { x: 1, y: 5 }];
    ps.sort_by(|a, b| match a.x.cmp(b.x) { Ordering::Equal => a.y.cmp(b.y), other => other });
    let r = match checked(" 42 ") {
        Ok((n, _)) if n > 40 => n | one,
        Ok(_) => 0,
        Err(e) => e.len(),
    };
    println(t.1.0 + name + sorted.len().to_str() + r.to_str() + corner(Shape::Empty).to_str());
    assert(half(3).is_none() && half(4).is_some() && checked("x").is_err(), "options");
    println(m.keys().len() + m.values().len() + m.entries().len() + i64::MAX % 10 + half(8).expect("even"));
    println(checked("7").unwrap().0 + if m.contains_key("a") { 1 } else { 0 });
}
"#,
    r#"use geometry::*;

pub enum Expr {
    Num(f64),
    Add(f64, f64),
    Neg(f64),
    Nothing,
}

impl Expr {
    pub fn eval(self) -> f64 {
        match self {
            Expr::Num(x) => x,
            Expr::Add(a, b) => a + b,
            Expr::Neg(x) => -x,
            Expr::Nothing => 0.0,
        }
    }
}

fn classify(n: i64) -> str {
    match n {
        0 => "zero",
        -1 | -2 => "small negative",
        x if x > 100 => "big",
        -9223372036854775808 => "min",
        _ => "other",
    }
}

fn main() {
    let e = Expr::Add(1.5, 2.0E-2);
    println(e.eval());
    let mut i = 0;
    while i < 10 && !(i == 7) {
        i += 1;
        if i == 3 { continue; } else if i > 8 { break; }
    }
    loop {
        i -= 2;
        if i <= 0 { break; }
    }
    let words = "a b c".split(" ");
    for w in words {
        print(w.to_upper());
    }
    println(classify(i) + "\u{1F600}\t\"quoted\"\n");
}
"#,
    r#"struct Point { x: i64, pub y: i64, }

struct Line { from: Point, to: Point }

const ORIGIN_X: i64 = 0;
const NAMES: [str] = ["a", "b"];

fn apply(f: fn(i64) -> i64, x: i64) -> i64 {
    f(x)
}

fn double(x: i64) -> i64 { x * 2 }

fn length(l: Line) -> f64 {
    let dx = (l.to.x - l.from.x).to_f64();
    let dy = (l.to.y - l.from.y).to_f64();
    (dx * dx + dy * dy).sqrt()
}

fn main() {
    let p = Point { x: 1, y: 2 };
    let q = Point { x: ORIGIN_X, y: p.y };
    let mut pts = [p, q];
    pts[0].x = 5;
    pts[1] = Point { y: 3, x: 4 };
    if pts[0] == (Point { x: 5, y: 2 }) {
        println("moved");
    }
    let l = Line { from: pts[0], to: pts[1] };
    println(length(l));
    println(apply(double, 21));
    let f = double;
    assert_eq(f(2), 4);
    let _unused = NAMES.len() % 3 / 1;
    return;
}
"#,
    r#"pub struct Stack { items: [i64] }

impl Stack {
    pub fn empty() -> Stack { Stack { items: [] } }
    pub fn push(mut self, x: i64) { self.items.push(x); }
    pub fn pop(mut self) -> i64 { self.items.pop() }
    pub fn size(self) -> i64 { self.items.len() }
}

#[test]
fn stack_works() {
    let mut s = Stack::empty();
    s.push(1);
    s.push(2);
    assert_eq(s.pop(), 2);
    assert(s.size() == 1);
}

fn main() {
    let lines = read_lines();
    let mut total = 0;
    for line in lines {
        if line.is_i64() { total += line.parse_i64(); }
    }
    let r = random_int(0, 10) + clock_ms() % 2;
    println(total + r);
    if stdin_eof() { panic("done"); }
}
"#,
    r#"use std::io;
use a::b::{c, d as e, f::*};
pub use geometry;

/* a block comment /* nested */ still comment */
fn nested(x: i64) -> i64 {
    {
        let y = { x + 1 };
        if y > 2 { y } else { -y }
    }
}

fn main() {
    let v = [[1, 2], [3]];
    let n = v[0][1] + v[1][0];
    let s = if n == 5 { "five" } else { "not five" };
    let m = match s { "five" => true, _ => false };
    assert(m || false);
    ;
}
"#,
];

/// The module that the corpus imports as `geometry`.
const GEOMETRY: &str = r#"pub struct Point { pub x: f64, pub y: f64 }

pub fn area(p: Point) -> f64 {
    p.x * p.y
}

pub const UNIT: f64 = 1.0;
"#;

/// Fragments inserted by mutations: every token kind, and the troublemakers.
const VOCABULARY: &[&str] = &[
    "fn",
    "struct",
    "enum",
    "impl",
    "const",
    "use",
    "pub",
    "let",
    "mut",
    "if",
    "else",
    "while",
    "loop",
    "for",
    "in",
    "match",
    "return",
    "break",
    "continue",
    "self",
    "true",
    "false",
    "as",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    ":",
    "::",
    ".",
    "..",
    "->",
    "=>",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "&&",
    "||",
    "+=",
    "-=",
    "*=",
    "/=",
    "%=",
    "#",
    "|",
    "_",
    "x",
    "y",
    "Counter",
    "Token::Plus",
    "Point",
    "i64",
    "str",
    "[i64]",
    "0",
    "1",
    "2.5",
    "1e3",
    "1_000",
    "\"s\"",
    "\"unterminated",
    "\"bad \\q escape\"",
    "/*",
    "*/",
    "//",
    "'",
    "§",
    "&",
    "?",
    "@",
    "\u{0}",
    "\u{feff}",
    "é",
    "9223372036854775808",
    "-9223372036854775808",
    "99999999999999999999",
    "1e999",
    "12px",
    "\n",
    "#[test]",
    "fn f() {}",
    "x.y()",
    "a[0]",
    "P { x: 1 }",
    "if a { b } else { c }",
    "Some",
    "None",
    "Ok",
    "Err",
    "Some(x)",
    "Err(e) =>",
    "Option<i64>",
    "Result<i64, str>",
    "Map<str, i64>",
    "Map::new()",
    "Ordering::Less",
    "i64::MIN",
    "(1, \"a\")",
    "(a, b)",
    ".0",
    ".1.0",
    "|x| x",
    "|x: i64| -> i64 { x }",
    "||",
    "if let Some(x) =",
    "while let",
    "let (a, b) =",
    "P { x, .. }",
    "P { x: 0, y }",
    "<<",
    ">>",
    "^",
    "&=",
    "..",
    ".map(|v| v)",
    "fn(i64) -> i64",
    "?;",
];

/// The program as (text before a token, token text) pairs, so that mutations work on tokens.
fn pieces(src: &str) -> Vec<(String, String)> {
    let lexed = lexer::lex(src);
    let mut out = Vec::with_capacity(lexed.tokens.len());
    let mut last = 0;
    for t in &lexed.tokens {
        let (start, end) = (t.span.start as usize, t.span.end as usize);
        out.push((src[last..start].to_string(), src[start..end].to_string()));
        last = end;
    }
    out
}

fn join(pieces: &[(String, String)]) -> String {
    pieces
        .iter()
        .flat_map(|(a, b)| [a.as_str(), b.as_str()])
        .collect()
}

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut ps = pieces(src);
    for _ in 0..1 + rng.below(5) {
        if ps.is_empty() {
            ps.push((String::new(), String::new()));
        }
        let i = rng.below(ps.len());
        match rng.below(7) {
            0 => {
                ps.remove(i);
            }
            1 => {
                let copy = ps[i].clone();
                ps.insert(i, copy);
            }
            2 | 3 => {
                let fragment = rng.pick(VOCABULARY).to_string();
                ps.insert(i, (" ".to_string(), fragment));
            }
            4 => ps[i].1 = rng.pick(VOCABULARY).to_string(),
            5 if i + 1 < ps.len() => ps.swap(i, i + 1),
            _ => {
                // Move a run of tokens elsewhere.
                let len = 1 + rng.below(20).min(ps.len() - i - 1);
                let run: Vec<_> = ps.drain(i..i + len).collect();
                let at = rng.below(ps.len() + 1);
                for (k, p) in run.into_iter().enumerate() {
                    ps.insert(at + k, p);
                }
            }
        }
    }
    let mut out = join(&ps);
    if rng.percent(10) {
        truncate(rng, &mut out);
    }
    out
}

fn truncate(rng: &mut Rng, text: &mut String) {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    text.truncate(at);
}

fn token_soup(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.below(300) {
        out.push_str(rng.pick(VOCABULARY));
        out.push_str(rng.pick(&[" ", " ", "\n", "", "\t"]));
    }
    out
}

fn random_text(rng: &mut Rng) -> String {
    const ALPHABET: &[char] = &[
        'a', 'z', '_', '0', '9', ' ', '\n', '(', ')', '{', '}', '[', ']', '"', '\\', '/', '*', ':',
        ';', ',', '.', '-', '+', '=', '<', '>', '!', '&', '|', '#', '\'', 'é', '€', '\u{0}',
        '\u{7f}', '\u{2028}',
    ];
    let len = rng.below(400);
    if rng.percent(50) {
        (0..len).map(|_| rng.pick(ALPHABET)).collect()
    } else {
        // Arbitrary bytes, made valid UTF-8 the way a file reader that replaces bad bytes would.
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn deep_nesting(rng: &mut Rng) -> String {
    const SHAPES: &[(&str, &str, &str)] = &[
        ("fn main() { let x = ", "(", ")"),
        ("fn main() { let x = ", "[", "]"),
        ("fn main() { ", "{", "}"),
        ("fn main() { let x = ", "-", ""),
        ("fn main() { let x = ", "!", ""),
        ("fn main() { ", "if a { ", "}"),
        ("fn main() { ", "while a { ", "}"),
        ("fn main() { let x = ", "f(", ")"),
        ("fn main() { let x = ", "match x { _ => ", "}"),
        ("fn main() { let x = 1", " + 1", ""),
        ("fn main() { let x = y", ".f()", ""),
        ("fn main() { let x = y", "[0]", ""),
        ("fn main() { if a {} ", "else if a {} ", ""),
        ("fn main() { match x { ", "A::B(", ")"),
        ("fn f(x: ", "[", "]"),
        ("fn f() -> ", "fn() -> ", ""),
        ("use ", "a::{", "}"),
        ("const C: i64 = ", "-", ""),
        ("fn main() { let x = ", "|a| ", ""),
        ("fn main() { let x = ", "|a: i64| -> i64 { ", "}"),
        ("fn main() { let x = ", "Some(", ")"),
        ("fn main() { let x = ", "(1, ", ")"),
        ("fn main() { let x = y", ".0", ""),
        ("fn main() { let x = y", "?", ""),
        ("fn main() { let x = 1", " << 1", ""),
        ("fn main() { ", "if let Some(a) = b { ", "}"),
        ("fn main() { ", "while let Ok(a) = b { ", "}"),
        ("fn main() { let ", "(a, ", ")"),
        ("fn main() { match x { ", "P { a: ", "}"),
        ("fn f(x: ", "Option<", ">"),
        ("fn f(x: ", "(i64, ", ")"),
        ("fn f(x: ", "Map<i64, ", ">"),
    ];
    let (prefix, open, close) = rng.pick(SHAPES);
    let depth = match rng.below(10) {
        0 => 5_000 + rng.below(100_000),
        1..=4 => 150 + rng.below(100),
        _ => rng.below(400),
    };
    let mut out = String::with_capacity(prefix.len() + depth * (open.len() + close.len()) + 32);
    out.push_str(prefix);
    for _ in 0..depth {
        out.push_str(open);
    }
    out.push_str(" 1 ");
    if rng.percent(80) {
        for _ in 0..depth {
            out.push_str(close);
        }
    }
    out.push_str(rng.pick(&[" }", "; }", ";", ""]));
    out.push_str("\nfn after() {}\n");
    out
}

fn splice(rng: &mut Rng) -> String {
    let a = pieces(rng.pick(CORPUS));
    let b = pieces(rng.pick(CORPUS));
    let mut out = a[..rng.below(a.len())].to_vec();
    out.extend_from_slice(&b[rng.below(b.len())..]);
    join(&out)
}

/// One test case: the text of `src/main.holo` and of `src/geometry.holo`.
fn generate(rng: &mut Rng) -> (String, String) {
    let main = match rng.below(100) {
        0..=44 => {
            let base = rng.pick(CORPUS).to_string();
            mutate(rng, &base)
        }
        45..=54 => splice(rng),
        55..=69 => token_soup(rng),
        70..=79 => random_text(rng),
        80..=91 => deep_nesting(rng),
        _ => {
            let mut text = rng.pick(CORPUS).to_string();
            truncate(rng, &mut text);
            text
        }
    };
    let geometry = if rng.percent(20) {
        mutate(rng, GEOMETRY)
    } else {
        GEOMETRY.to_string()
    };
    (main, geometry)
}

/// The same tokens with random whitespace and comments inserted before some of them (never at
/// the end of the file, which may be inside an unterminated string or comment, and never inside
/// a shift operator).
fn respace(rng: &mut Rng, src: &str) -> String {
    let lexed = lexer::lex(src);
    let mut out = String::with_capacity(src.len() * 2);
    let mut last = 0;
    for t in &lexed.tokens[..lexed.tokens.len().saturating_sub(1)] {
        let start = t.span.start as usize;
        out.push_str(&src[last..start]);
        // `<<` and `>>` are two adjacent `<`/`>` tokens (for `Option<Option<i64>>`); a space
        // between them rightly makes them two comparisons, so they are one token here.
        let bytes = src.as_bytes();
        let shift =
            start > 0 && matches!(bytes[start], b'<' | b'>') && bytes[start - 1] == bytes[start];
        if !shift && rng.percent(30) {
            // Spaces around comments keep them from fusing with a neighbouring `/` or `*`.
            out.push_str(rng.pick(&[
                " ",
                "\n",
                "\t\t",
                " /* c */ ",
                " // c\n",
                "\r\n",
                " /* /* */ */ ",
            ]));
        }
        last = start;
    }
    out.push_str(&src[last..]);
    out
}

/// The same tokens and lines with spaces and block comments inserted before some tokens that
/// are not the first of their line: the indentation and the line breaks stay as they are.
fn respace_within_lines(rng: &mut Rng, src: &str) -> String {
    let lexed = lexer::lex(src);
    let mut out = String::with_capacity(src.len() * 2);
    let mut last = 0;
    let mut prev_end = None;
    for t in &lexed.tokens[..lexed.tokens.len().saturating_sub(1)] {
        let start = t.span.start as usize;
        out.push_str(&src[last..start]);
        let same_line = prev_end.is_some_and(|end: usize| !src[end..start].contains('\n'));
        // Never inside a shift operator (see `respace`).
        let bytes = src.as_bytes();
        let shift =
            start > 0 && matches!(bytes[start], b'<' | b'>') && bytes[start - 1] == bytes[start];
        if same_line && !shift && rng.percent(30) {
            out.push_str(rng.pick(&[" ", " /* c */ ", "\t"]));
        }
        last = start;
        prev_end = Some(t.span.end as usize);
    }
    out.push_str(&src[last..]);
    out
}

// ----- the properties -------------------------------------------------------------------------

fn check_parse(src: &str, file: &ParsedFile) -> Result<(), String> {
    let len = src.len() as u32;
    if file.items.len() != file.source_maps.len() {
        return Err(format!(
            "{} items but {} source maps",
            file.items.len(),
            file.source_maps.len()
        ));
    }
    for (item, map) in file.items.iter().zip(&file.source_maps) {
        if item.id != NodeId(0) || map.spans.is_empty() {
            return Err("an item's own node is not NodeId(0)".to_string());
        }
        let spans = map.spans.iter().chain(std::iter::once(&map.item_span));
        if let Some(bad) = spans.into_iter().find(|s| s.start > s.end || s.end > len) {
            return Err(format!("span {bad:?} is outside the text (length {len})"));
        }
    }
    let mut previous = 0;
    for diag in &file.errors {
        let Loc::Span(span) = diag.primary.loc else {
            return Err(format!("syntax error without a span: {diag:?}"));
        };
        if span.start > span.end || span.end > len {
            return Err(format!(
                "error span {span:?} is outside the text: {}",
                diag.message
            ));
        }
        if span.start < previous {
            return Err("syntax errors are not in source order".to_string());
        }
        previous = span.start;
        if diag.message.is_empty() || diag.code.len() != 5 {
            return Err(format!("malformed diagnostic {diag:?}"));
        }
    }
    Ok(())
}

fn error_summary(file: &ParsedFile) -> Vec<String> {
    let mut out: Vec<String> = file
        .errors
        .iter()
        .map(|d| format!("{} {} {:?}", d.code, d.message, d.hint))
        .collect();
    out.sort();
    out
}

fn run_case(
    rng: &mut Rng,
    compiler: &mut Compiler,
    main: &str,
    geometry: &str,
) -> Result<(), String> {
    let file = syntax::parse(main);
    check_parse(main, &file)?;

    let respaced = respace(rng, main);
    let mut again = syntax::parse(&respaced);
    check_parse(&respaced, &again)?;
    // Recovery in a broken file may read indentation and line breaks, which re-spacing changes:
    // such a file is re-spaced only within its lines, after their indentation.
    let by_layout = file.read_layout || again.read_layout;
    let respaced = if by_layout {
        let respaced = respace_within_lines(rng, main);
        again = syntax::parse(&respaced);
        check_parse(&respaced, &again)?;
        respaced
    } else {
        respaced
    };
    if again.items != file.items {
        return Err(format!(
            "adding whitespace and comments between tokens changed the items; re-spaced text:\n{respaced}"
        ));
    }
    if error_summary(&again) != error_summary(&file) {
        return Err(format!(
            "adding whitespace and comments between tokens changed the errors:\n{:#?}\nvs\n{:#?}",
            error_summary(&file),
            error_summary(&again)
        ));
    }

    compiler.set_file("src/geometry.holo", geometry);
    compiler.set_file("src/main.holo", main);
    let report = compiler.check();
    for diag in &report.diagnostics {
        for label in std::iter::once(&diag.primary).chain(&diag.secondary) {
            let Loc::File { path, span } = &label.loc else {
                return Err(format!("unresolved location in {diag:?}"));
            };
            let text_len = match path.as_str() {
                "src/main.holo" => main.len(),
                "src/geometry.holo" => geometry.len(),
                other => return Err(format!("diagnostic in unknown file `{other}`: {diag:?}")),
            };
            if span.start > span.end || span.end as usize > text_len {
                return Err(format!(
                    "diagnostic span {span:?} is outside `{path}`: {diag:?}"
                ));
            }
        }
    }
    Ok(())
}

// ----- the driver -----------------------------------------------------------------------------

enum Event {
    Started(u64, String),
    Failed(u64, String),
    Finished,
}

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let value = value.trim();
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// Saves a failing case where it can be found again, and returns its path for the report.
fn save_case(seed: u64, case: u64, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("holo-fuzz-seed{seed}-case{case}.holo"));
    match std::fs::write(&path, text) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(could not save the case to {}: {e})", path.display()),
    }
}

#[test]
fn random_and_mutated_programs_never_crash_or_hang() {
    let seed = env_u64("HOLO_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_u64("HOLO_FUZZ_CASES").unwrap_or(DEFAULT_CASES);
    let verbose = std::env::var_os("HOLO_FUZZ_VERBOSE").is_some();
    // Written straight to the process's stderr, past the test harness's capture, so that the
    // seed is visible even if a stack overflow aborts the process.
    let _ = writeln!(
        std::io::stderr(),
        "robustness: seed {seed}, {cases} cases (change with HOLO_FUZZ_SEED and HOLO_FUZZ_CASES)"
    );

    let (tx, rx) = mpsc::channel::<Event>();
    let worker = std::thread::Builder::new()
        .name("fuzz-worker".to_string())
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let mut rng = Rng::new(seed);
            let mut compiler = Compiler::new(PackageKind::Bin);
            for case in 0..cases {
                let (main, geometry) = generate(&mut rng);
                if verbose {
                    // Saved before it runs: a stack overflow leaves no chance to save it after.
                    let saved = save_case(seed, case, &main);
                    let _ = writeln!(std::io::stderr(), "case {case} ({saved})");
                }
                if tx.send(Event::Started(case, main.clone())).is_err() {
                    return;
                }
                // Mostly incremental, as in `holo check --watch`; sometimes from scratch.
                if case % 64 == 0 {
                    compiler = Compiler::new(PackageKind::Bin);
                }
                let mut case_rng = Rng::new(rng.next());
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    run_case(&mut case_rng, &mut compiler, &main, &geometry)
                }));
                let failure = match outcome {
                    Ok(Ok(())) => continue,
                    Ok(Err(violation)) => violation,
                    Err(payload) => {
                        // The database may be in any state after a panic; start over.
                        compiler = Compiler::new(PackageKind::Bin);
                        format!("panicked: {}", panic_message(&*payload))
                    }
                };
                let failure = format!("{failure}\n(src/geometry.holo was:\n{geometry})");
                if tx.send(Event::Failed(case, failure)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Event::Finished);
        })
        .expect("spawn the fuzz worker thread");

    let mut current: Option<(u64, String)> = None;
    let mut failures = Vec::new();
    loop {
        match rx.recv_timeout(CASE_TIMEOUT) {
            Ok(Event::Started(case, text)) => current = Some((case, text)),
            Ok(Event::Failed(case, message)) => {
                let text = current.as_ref().map_or("", |(_, t)| t.as_str());
                let saved = save_case(seed, case, text);
                failures.push(format!("case {case} (saved to {saved}): {message}"));
                if failures.len() >= 5 {
                    break;
                }
            }
            Ok(Event::Finished) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let (case, text) = current.unwrap_or_default();
                let saved = save_case(seed, case, &text);
                panic!(
                    "case {case} of seed {seed} did not finish within {CASE_TIMEOUT:?} (saved to {saved}); it starts with:\n{}",
                    text.chars().take(500).collect::<String>()
                );
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let reason = match worker.join() {
                    Err(payload) => panic_message(&*payload),
                    Ok(()) => "it stopped without finishing".to_string(),
                };
                panic!("the fuzz worker died: {reason}");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing case(s) with seed {seed}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_corpus_is_valid() {
    for (i, src) in CORPUS.iter().chain([&GEOMETRY]).enumerate() {
        let file = syntax::parse(src);
        assert!(
            file.errors.is_empty(),
            "corpus program {i} has syntax errors: {:#?}",
            file.errors
        );
        check_parse(src, &file).unwrap_or_else(|e| panic!("corpus program {i}: {e}"));
    }
}

/// The nastiest shapes at full size, through the whole checker, on a 2 MiB stack.
#[test]
fn very_deep_inputs_through_the_checker() {
    let handle = std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(|| {
            let mut compiler = Compiler::new(PackageKind::Bin);
            for (open, close) in [
                ("(", ")"),
                ("{", "}"),
                ("if a {", "}"),
                ("-", ""),
                ("f(", ")"),
            ] {
                for depth in [150, 199, 200, 201, 100_000] {
                    let src = format!(
                        "fn main() {{ let x = {}1{}; }}\nfn after() {{}}\n",
                        open.repeat(depth),
                        close.repeat(depth)
                    );
                    let file = syntax::parse(&src);
                    check_parse(&src, &file)
                        .unwrap_or_else(|e| panic!("depth {depth} of `{open}`: {e}"));
                    compiler.set_file("src/main.holo", &src);
                    let _ = compiler.check();
                }
            }
            // Chains as long as the parser accepts are checked and lowered without overflow.
            let ifs = syntax::MAX_ELSE_IF as usize;
            for body in [
                format!("1{}", " + 1".repeat(syntax::MAX_TREE_DEPTH as usize - 10)),
                format!(
                    "if a == 0 {{ 0 }}{} else {{ 1 }}",
                    " else if a == 1 { 1 }".repeat(ifs)
                ),
            ] {
                let src = format!(
                    "fn f(a: i64) -> i64 {{ {body} }}
fn main() {{ println(f(1)); }}
"
                );
                compiler.set_file("src/main.holo", &src);
                let report = compiler.check();
                assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
                compiler.lower().expect("lowers");
            }
            // Postfix chains, tuple fields among them: `y.0.0` is one float token, two levels.
            for link in [".0", ".0.0", "?", ".f()", "[0]"] {
                for depth in [100, 199, 200, 201, 400, 100_000] {
                    let src = format!(
                        "fn main() {{ let y = 1; let x = y{}; }}\nfn after() {{}}\n",
                        link.repeat(depth)
                    );
                    let file = syntax::parse(&src);
                    check_parse(&src, &file)
                        .unwrap_or_else(|e| panic!("depth {depth} of `{link}`: {e}"));
                    compiler.set_file("src/main.holo", &src);
                    let _ = compiler.check();
                }
            }
        })
        .expect("spawn");
    if let Err(payload) = handle.join() {
        panic!(
            "a deep input crashed the checker: {}",
            panic_message(&*payload)
        );
    }
}
