//! Writes the model as source code: holo, Rust and Go, statement for statement the same program.
//!
//! Each template's three renderings sit next to each other so that they are easy to compare
//! with each other and with `model::eval`, which they must match exactly. The Go code is laid out
//! the way gofmt lays it out, so that running gofmt over it changes nothing (and the edit
//! specification still matches).

use crate::model::{FnRef, Function, MODULUS, Module, Template, function};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Holo,
    Rust,
    Go,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Holo, Lang::Rust, Lang::Go];

    pub fn name(self) -> &'static str {
        match self {
            Lang::Holo => "holo",
            Lang::Rust => "rust",
            Lang::Go => "go",
        }
    }

    fn indent(self) -> &'static str {
        match self {
            Lang::Go => "\t",
            Lang::Holo | Lang::Rust => "    ",
        }
    }
}

/// How modules and functions are named in each language.
#[derive(Clone, Copy, Debug)]
pub struct Naming {
    /// Digits in module names: `m007` for 3.
    pub width: usize,
}

impl Naming {
    pub fn for_module_count(count: usize) -> Naming {
        Naming {
            width: count.to_string().len().max(3),
        }
    }

    pub fn module(&self, number: usize) -> String {
        format!("m{number:0width$}", width = self.width)
    }

    pub fn function(&self, lang: Lang, index: usize) -> String {
        match lang {
            Lang::Go => format!("F{index}"),
            Lang::Holo | Lang::Rust => format!("f{index}"),
        }
    }

    fn run_all(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Go => "RunAll",
            Lang::Holo | Lang::Rust => "run_all",
        }
    }

    /// The path of a module's source file, relative to the language's package root.
    pub fn module_file(&self, lang: Lang, number: usize) -> String {
        let m = self.module(number);
        match lang {
            Lang::Holo => format!("src/{m}.holo"),
            Lang::Rust => format!("src/{m}.rs"),
            Lang::Go => format!("{m}/{m}.go"),
        }
    }

    /// The text that starts a function's definition; unique in its file.
    pub fn definition_anchor(&self, lang: Lang, index: usize) -> String {
        match lang {
            Lang::Go => format!("func F{index}("),
            Lang::Holo | Lang::Rust => format!("pub fn f{index}("),
        }
    }
}

/// Collects lines at an indentation depth.
struct Out {
    lang: Lang,
    lines: Vec<String>,
}

impl Out {
    fn new(lang: Lang) -> Out {
        Out {
            lang,
            lines: Vec::new(),
        }
    }

    fn line(&mut self, depth: usize, text: impl AsRef<str>) {
        let text = text.as_ref();
        if text.is_empty() {
            self.lines.push(String::new());
        } else {
            self.lines
                .push(format!("{}{text}", self.lang.indent().repeat(depth)));
        }
    }

    fn blank(&mut self) {
        self.lines.push(String::new());
    }

    fn finish(self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}

/// A call of `callee` from a function of module `from`: `arg` is the first argument, `x` the
/// caller's first parameter (passed on as the second argument to two-parameter callees).
fn call(
    lang: Lang,
    naming: &Naming,
    modules: &[Module],
    from: usize,
    callee: FnRef,
    arg: &str,
    x: &str,
) -> String {
    let name = naming.function(lang, callee.index);
    let args = if function(modules, callee).template.arity() == 2 {
        format!("{arg}, {x}")
    } else {
        arg.to_owned()
    };
    if callee.module == from {
        return format!("{name}({args})");
    }
    let module = naming.module(callee.module);
    match lang {
        Lang::Go => format!("{module}.{name}({args})"),
        Lang::Holo | Lang::Rust => format!("{module}::{name}({args})"),
    }
}

/// The sum of a function's calls with first argument `arg`, or its constant if it calls nothing
/// (see `model::calls`).
fn calls(lang: Lang, naming: &Naming, modules: &[Module], f: &Function, arg: &str) -> String {
    if f.callees.is_empty() {
        return f.k[2].to_string();
    }
    f.callees
        .iter()
        .map(|&c| call(lang, naming, modules, f.id.module, c, arg, "x"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// One function, from its signature to its closing brace. The second-to-last line is always the
/// returned expression, ending in `% 10007` (the edit specification relies on it).
pub fn function_lines(
    lang: Lang,
    naming: &Naming,
    modules: &[Module],
    f: &Function,
) -> Vec<String> {
    let mut o = Out::new(lang);
    let name = naming.function(lang, f.id.index);
    let [a, b, c] = f.k;
    let acc_type = format!("Acc{}", f.id.module);
    let calls = |arg: &str| calls(lang, naming, modules, f, arg);
    // The returned expression, `value % 10007`, as a tail (holo, Rust) or a `return` (Go).
    let ret = |value: String| match lang {
        Lang::Go => format!("return {value} % {MODULUS}"),
        Lang::Holo | Lang::Rust => format!("{value} % {MODULUS}"),
    };
    let params = match (lang, f.template.arity()) {
        (Lang::Go, 2) => "x int64, y int64",
        (Lang::Go, _) => "x int64",
        (_, 2) => "x: i64, y: i64",
        (_, _) => "x: i64",
    };
    match lang {
        Lang::Go => o.line(0, format!("func {name}({params}) int64 {{")),
        Lang::Holo | Lang::Rust => o.line(0, format!("pub fn {name}({params}) -> i64 {{")),
    }
    match (f.template, lang) {
        (Template::Loop, Lang::Holo | Lang::Rust) => {
            o.line(1, "let mut acc = x % 97;");
            o.line(1, format!("for i in 0..{} {{", a + 4));
            o.line(2, "if (acc + i) % 3 == 0 {");
            o.line(3, format!("acc = (acc + i * {b}) % 1009;"));
            o.line(2, "} else {");
            o.line(3, format!("acc = (acc * {b} + i) % 1009;"));
            o.line(2, "}");
            o.line(1, "}");
            o.line(1, ret(format!("(acc + {})", calls("acc"))));
        }
        (Template::Loop, Lang::Go) => {
            o.line(1, "acc := x % 97");
            o.line(1, format!("for i := int64(0); i < {}; i++ {{", a + 4));
            o.line(2, "if (acc+i)%3 == 0 {");
            o.line(3, format!("acc = (acc + i*{b}) % 1009"));
            o.line(2, "} else {");
            o.line(3, format!("acc = (acc*{b} + i) % 1009"));
            o.line(2, "}");
            o.line(1, "}");
            o.line(1, ret(format!("(acc + {})", calls("acc"))));
        }
        (Template::Array, Lang::Holo | Lang::Rust) => {
            if lang == Lang::Holo {
                o.line(1, "let mut xs: [i64] = [];");
            } else {
                o.line(1, "let mut xs: Vec<i64> = Vec::new();");
            }
            o.line(1, format!("for i in 0..{} {{", a + 3));
            o.line(2, format!("xs.push((x + i * {b}) % 53);"));
            o.line(1, "}");
            o.line(1, "let mut best = 0;");
            if lang == Lang::Holo {
                o.line(1, "for v in xs {");
            } else {
                o.line(1, "for &v in &xs {");
            }
            o.line(2, "if v > best {");
            o.line(3, "best = v;");
            o.line(2, "}");
            o.line(1, "}");
            let len = if lang == Lang::Holo {
                "xs.len()"
            } else {
                "xs.len() as i64"
            };
            o.line(1, ret(format!("(best * {c} + {len} + {})", calls("best"))));
        }
        (Template::Array, Lang::Go) => {
            o.line(1, "xs := []int64{}");
            o.line(1, format!("for i := int64(0); i < {}; i++ {{", a + 3));
            o.line(2, format!("xs = append(xs, (x+i*{b})%53)"));
            o.line(1, "}");
            o.line(1, "best := int64(0)");
            o.line(1, "for _, v := range xs {");
            o.line(2, "if v > best {");
            o.line(3, "best = v");
            o.line(2, "}");
            o.line(1, "}");
            o.line(
                1,
                ret(format!("(best*{c} + int64(len(xs)) + {})", calls("best"))),
            );
        }
        (Template::Text, Lang::Holo) => {
            o.line(
                1,
                format!("let mut s = \"m{}f{}\";", f.id.module, f.id.index),
            );
            o.line(1, format!("let mut n = x % {a} + 1;"));
            o.line(1, "while n > 0 {");
            o.line(2, "s = s + \"-\" + n.to_str();");
            o.line(2, "n = n - 1;");
            o.line(1, "}");
            o.line(1, format!("if s.len() > {} {{", b + 8));
            o.line(2, "s = s + \"!\";");
            o.line(1, "}");
            o.line(1, ret(format!("(s.len() * {c} + {})", calls("s.len()"))));
        }
        (Template::Text, Lang::Rust) => {
            o.line(
                1,
                format!(
                    "let mut s = String::from(\"m{}f{}\");",
                    f.id.module, f.id.index
                ),
            );
            o.line(1, format!("let mut n = x % {a} + 1;"));
            o.line(1, "while n > 0 {");
            o.line(2, "s = s + \"-\" + &n.to_string();");
            o.line(2, "n -= 1;");
            o.line(1, "}");
            o.line(1, format!("if (s.len() as i64) > {} {{", b + 8));
            o.line(2, "s += \"!\";");
            o.line(1, "}");
            o.line(
                1,
                ret(format!(
                    "(s.len() as i64 * {c} + {})",
                    calls("s.len() as i64")
                )),
            );
        }
        (Template::Text, Lang::Go) => {
            o.line(1, format!("s := \"m{}f{}\"", f.id.module, f.id.index));
            o.line(1, format!("n := x%{a} + 1"));
            o.line(1, "for n > 0 {");
            o.line(2, "s = s + \"-\" + strconv.FormatInt(n, 10)");
            o.line(2, "n--");
            o.line(1, "}");
            o.line(1, format!("if int64(len(s)) > {} {{", b + 8));
            o.line(2, "s += \"!\"");
            o.line(1, "}");
            o.line(
                1,
                ret(format!("(int64(len(s))*{c} + {})", calls("int64(len(s))"))),
            );
        }
        (Template::Record, Lang::Holo | Lang::Rust) => {
            o.line(1, format!("let mut acc = {acc_type}::new(x % 17);"));
            o.line(1, format!("for i in 0..{} {{", a + 2));
            o.line(2, format!("acc.add((i * {b} + x) % 29);"));
            o.line(1, "}");
            o.line(1, "let m = acc.mean();");
            o.line(1, format!("if m > {c} {{"));
            o.line(2, "acc.add(m % 5);");
            o.line(1, "}");
            o.line(
                1,
                ret(format!("(acc.mean() + acc.count * {b} + {})", calls("m"))),
            );
        }
        (Template::Record, Lang::Go) => {
            o.line(1, format!("acc := New{acc_type}(x % 17)"));
            o.line(1, format!("for i := int64(0); i < {}; i++ {{", a + 2));
            o.line(2, format!("acc.Add((i*{b} + x) % 29)"));
            o.line(1, "}");
            o.line(1, "m := acc.Mean()");
            o.line(1, format!("if m > {c} {{"));
            o.line(2, "acc.Add(m % 5)");
            o.line(1, "}");
            o.line(
                1,
                ret(format!("(acc.Mean() + acc.count*{b} + {})", calls("m"))),
            );
        }
        (Template::Gcd, Lang::Holo | Lang::Rust) => {
            o.line(1, "let mut p = x % 1000 + 1;");
            o.line(1, "let mut q = y % 1000 + 1;");
            o.line(1, "let mut steps = 0;");
            o.line(1, "while q != 0 {");
            o.line(2, "let t = p % q;");
            o.line(2, "p = q;");
            o.line(2, "q = t;");
            o.line(2, "steps = steps + 1;");
            o.line(1, "}");
            o.line(1, ret(format!("(p * {a} + steps + {})", calls("p"))));
        }
        (Template::Gcd, Lang::Go) => {
            o.line(1, "p := x%1000 + 1");
            o.line(1, "q := y%1000 + 1");
            o.line(1, "steps := int64(0)");
            o.line(1, "for q != 0 {");
            o.line(2, "t := p % q");
            o.line(2, "p = q");
            o.line(2, "q = t");
            o.line(2, "steps++");
            o.line(1, "}");
            o.line(1, ret(format!("(p*{a} + steps + {})", calls("p"))));
        }
        (Template::Choice, Lang::Holo | Lang::Rust) => {
            o.line(1, "let base = match x % 4 {");
            o.line(2, format!("0 => x * {a},"));
            o.line(2, format!("1 => x + {b},"));
            o.line(2, "2 => x / 3,");
            o.line(2, "_ => (x + 1) % 7,");
            o.line(1, "};");
            o.line(1, "let mut r = base % 1009;");
            o.line(1, "if r % 2 == 0 {");
            o.line(2, format!("r = r / 2 + {c};"));
            o.line(1, "}");
            o.line(1, ret(format!("(r + {})", calls("r"))));
        }
        (Template::Choice, Lang::Go) => {
            o.line(1, "var base int64");
            o.line(1, "switch x % 4 {");
            o.line(1, "case 0:");
            o.line(2, format!("base = x * {a}"));
            o.line(1, "case 1:");
            o.line(2, format!("base = x + {b}"));
            o.line(1, "case 2:");
            o.line(2, "base = x / 3");
            o.line(1, "default:");
            o.line(2, "base = (x + 1) % 7");
            o.line(1, "}");
            o.line(1, "r := base % 1009");
            o.line(1, "if r%2 == 0 {");
            o.line(2, format!("r = r/2 + {c}"));
            o.line(1, "}");
            o.line(1, ret(format!("(r + {})", calls("r"))));
        }
    }
    o.line(0, "}");
    o.lines
}

/// The module's struct: an accumulator with a constructor, a mutating method and a reader.
fn struct_lines(o: &mut Out, number: usize) {
    let t = format!("Acc{number}");
    match o.lang {
        Lang::Holo | Lang::Rust => {
            let (mutating, reading) = if o.lang == Lang::Holo {
                ("mut self", "self")
            } else {
                ("&mut self", "&self")
            };
            o.line(0, format!("pub struct {t} {{"));
            o.line(1, "total: i64,");
            o.line(1, "count: i64,");
            o.line(0, "}");
            o.blank();
            o.line(0, format!("impl {t} {{"));
            o.line(1, format!("pub fn new(start: i64) -> {t} {{"));
            o.line(2, format!("{t} {{ total: start, count: 0 }}"));
            o.line(1, "}");
            o.blank();
            o.line(1, format!("pub fn add({mutating}, v: i64) {{"));
            o.line(2, format!("self.total = (self.total + v) % {MODULUS};"));
            o.line(2, "self.count = self.count + 1;");
            o.line(1, "}");
            o.blank();
            o.line(1, format!("pub fn mean({reading}) -> i64 {{"));
            o.line(2, "if self.count == 0 {");
            o.line(3, "self.total");
            o.line(2, "} else {");
            o.line(3, "self.total / self.count");
            o.line(2, "}");
            o.line(1, "}");
            o.line(0, "}");
        }
        Lang::Go => {
            o.line(
                0,
                format!("// {t} accumulates a total modulo {MODULUS} and counts what was added."),
            );
            o.line(0, format!("type {t} struct {{"));
            o.line(1, "total int64");
            o.line(1, "count int64");
            o.line(0, "}");
            o.blank();
            o.line(
                0,
                format!("// New{t} returns an accumulator that starts at start."),
            );
            o.line(0, format!("func New{t}(start int64) {t} {{"));
            o.line(1, format!("return {t}{{total: start, count: 0}}"));
            o.line(0, "}");
            o.blank();
            o.line(0, "// Add adds v to the total.");
            o.line(0, format!("func (a *{t}) Add(v int64) {{"));
            o.line(1, format!("a.total = (a.total + v) % {MODULUS}"));
            o.line(1, "a.count++");
            o.line(0, "}");
            o.blank();
            o.line(
                0,
                "// Mean returns the total divided by the number of values added (the total if none).",
            );
            o.line(0, format!("func (a *{t}) Mean() int64 {{"));
            o.line(1, "if a.count == 0 {");
            o.line(2, "return a.total");
            o.line(1, "}");
            o.line(1, "return a.total / a.count");
            o.line(0, "}");
        }
    }
}

/// `run_all(seed)`: calls every function of the module once (see `model::run_all`).
fn run_all_lines(o: &mut Out, naming: &Naming, module: &Module) {
    let lang = o.lang;
    let run_all = naming.run_all(lang);
    let t = format!("Acc{}", module.number);
    match lang {
        Lang::Go => {
            o.line(
                0,
                format!("// {run_all} calls every function of the package once."),
            );
            o.line(0, format!("func {run_all}(seed int64) int64 {{"));
            o.line(1, "total := seed % 100");
        }
        Lang::Holo | Lang::Rust => {
            o.line(0, format!("pub fn {run_all}(seed: i64) -> i64 {{"));
            o.line(1, "let mut total = seed % 100;");
        }
    }
    let semi = if lang == Lang::Go { "" } else { ";" };
    for f in &module.functions {
        let name = naming.function(lang, f.id.index);
        let args = if f.template.arity() == 2 {
            "total, seed"
        } else {
            "total"
        };
        o.line(
            1,
            format!("total = (total + {name}({args})) % {MODULUS}{semi}"),
        );
    }
    match lang {
        Lang::Go => {
            o.line(1, format!("acc := New{t}(total)"));
            o.line(1, "acc.Add(seed % 13)");
            o.line(1, format!("return (total + acc.Mean()) % {MODULUS}"));
        }
        Lang::Holo | Lang::Rust => {
            o.line(1, format!("let mut acc = {t}::new(total);"));
            o.line(1, "acc.add(seed % 13);");
            o.line(1, format!("(total + acc.mean()) % {MODULUS}"));
        }
    }
    o.line(0, "}");
}

fn header_comment(lang: Lang, what: &str) -> String {
    match lang {
        Lang::Holo | Lang::Rust => format!("//! {what} Generated by holo-bench-gen; do not edit."),
        Lang::Go => format!("// {what} Generated by holo-bench-gen; do not edit."),
    }
}

/// A module's source file (for Go: the package's non-test file).
pub fn module_file(lang: Lang, naming: &Naming, modules: &[Module], module: &Module) -> String {
    let mut o = Out::new(lang);
    let name = naming.module(module.number);
    let imports = module.imports();
    match lang {
        Lang::Holo | Lang::Rust => {
            o.line(
                0,
                header_comment(lang, &format!("Module {name} of the benchmark workload.")),
            );
            if !imports.is_empty() {
                o.blank();
            }
            for &m in &imports {
                let prefix = if lang == Lang::Rust { "crate::" } else { "" };
                o.line(0, format!("use {prefix}{};", naming.module(m)));
            }
        }
        Lang::Go => {
            o.line(
                0,
                header_comment(
                    lang,
                    &format!("Package {name} is part of the benchmark workload."),
                ),
            );
            o.line(0, format!("package {name}"));
            let uses_strconv = module
                .functions
                .iter()
                .any(|f| f.template == Template::Text);
            let mut paths: Vec<String> = Vec::new();
            if uses_strconv {
                paths.push("\"strconv\"".to_owned());
            }
            let local: Vec<String> = imports
                .iter()
                .map(|&m| format!("\"bench/{}\"", naming.module(m)))
                .collect();
            if !paths.is_empty() || !local.is_empty() {
                o.blank();
                o.line(0, "import (");
                for p in &paths {
                    o.line(1, p);
                }
                if !paths.is_empty() && !local.is_empty() {
                    o.blank();
                }
                for p in &local {
                    o.line(1, p);
                }
                o.line(0, ")");
            }
        }
    }
    o.blank();
    struct_lines(&mut o, module.number);
    for f in &module.functions {
        o.blank();
        for line in function_lines(lang, naming, modules, f) {
            o.lines.push(line);
        }
    }
    o.blank();
    run_all_lines(&mut o, naming, module);
    match lang {
        Lang::Holo => {
            for t in &module.tests {
                o.blank();
                let name = naming.function(lang, t.target.index);
                o.line(0, "#[test]");
                o.line(0, format!("fn test_{name}() {{"));
                o.line(
                    1,
                    format!("assert_eq({name}({}), {});", args(&t.args), t.expected),
                );
                o.line(0, "}");
            }
        }
        Lang::Rust => {
            o.blank();
            o.line(0, "#[cfg(test)]");
            o.line(0, "mod tests {");
            o.line(1, "use super::*;");
            for t in &module.tests {
                o.blank();
                let name = naming.function(lang, t.target.index);
                o.line(1, "#[test]");
                o.line(1, format!("fn test_{name}() {{"));
                o.line(
                    2,
                    format!("assert_eq!({name}({}), {});", args(&t.args), t.expected),
                );
                o.line(1, "}");
            }
            o.line(0, "}");
        }
        // Go keeps tests in a separate file (`test_file`).
        Lang::Go => {}
    }
    o.finish()
}

fn args(args: &[i64]) -> String {
    args.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Go's `<module>_test.go`.
pub fn go_test_file(naming: &Naming, module: &Module) -> String {
    let mut o = Out::new(Lang::Go);
    o.line(0, format!("package {}", naming.module(module.number)));
    o.blank();
    o.line(0, "import \"testing\"");
    for t in &module.tests {
        let name = naming.function(Lang::Go, t.target.index);
        let call = format!("{name}({})", args(&t.args));
        o.blank();
        o.line(0, format!("func Test{name}(t *testing.T) {{"));
        o.line(1, format!("if got := {call}; got != {} {{", t.expected));
        o.line(
            2,
            format!("t.Errorf(\"{call} = %d, want {}\", got)", t.expected),
        );
        o.line(1, "}");
        o.line(0, "}");
    }
    o.finish()
}

/// The root file: holo's `src/main.holo`, Rust's `src/main.rs`, Go's `main.go`. `main` threads a
/// total through every module's `run_all` and prints `checksum <total>`.
pub fn main_file(lang: Lang, naming: &Naming, modules: &[Module]) -> String {
    let mut o = Out::new(lang);
    let what = "The entry point of the benchmark workload: runs every module, prints a checksum.";
    o.line(0, header_comment(lang, what));
    match lang {
        Lang::Holo => {}
        Lang::Rust => {
            o.blank();
            for m in modules {
                o.line(0, format!("mod {};", naming.module(m.number)));
            }
        }
        Lang::Go => {
            o.line(0, "package main");
            o.blank();
            o.line(0, "import (");
            o.line(1, "\"fmt\"");
            o.blank();
            for m in modules {
                o.line(1, format!("\"bench/{}\"", naming.module(m.number)));
            }
            o.line(0, ")");
        }
    }
    o.blank();
    let run_all = naming.run_all(lang);
    match lang {
        Lang::Holo | Lang::Rust => {
            o.line(0, "fn main() {");
            let annotation = if lang == Lang::Rust { ": i64" } else { "" };
            o.line(1, format!("let mut total{annotation} = 0;"));
            for m in modules {
                let name = naming.module(m.number);
                o.line(
                    1,
                    format!(
                        "total = (total + {name}::{run_all}(total + {})) % {MODULUS};",
                        m.number
                    ),
                );
            }
            if lang == Lang::Holo {
                o.line(1, "println(\"checksum \" + total.to_str());");
            } else {
                o.line(1, "println!(\"checksum {total}\");");
            }
        }
        Lang::Go => {
            o.line(0, "func main() {");
            o.line(1, "total := int64(0)");
            for m in modules {
                let name = naming.module(m.number);
                o.line(
                    1,
                    format!(
                        "total = (total + {name}.{run_all}(total+{})) % {MODULUS}",
                        m.number
                    ),
                );
            }
            o.line(1, "fmt.Println(\"checksum\", total)");
        }
    }
    o.line(0, "}");
    o.finish()
}
