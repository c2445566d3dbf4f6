//! Tests of native execution: real holo programs through `Compiler` → `lower` → `Jit`.

use crate::error::RuntimeError;
use crate::jit::Jit;
use crate::rt::RunContext;
use holo_compiler::{Compiler, PackageKind};

/// Compiles a one-file program (`src/main.holo`) and runs `main`, returning its output and
/// result.
pub(crate) fn run_with(src: &str, input: &str) -> (String, Result<i64, RuntimeError>) {
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_file("src/main.holo", src);
    let program = match compiler.lower() {
        Ok(p) => p,
        Err(e) => {
            let report = compiler.check();
            panic!("{e}: {:#?}", report.diagnostics);
        }
    };
    let mut jit = Jit::new(&program).expect("a JIT for this machine");
    let (ctx, out) = RunContext::captured();
    let mut ctx = ctx.with_input(input);
    let result = jit.run_main(&mut ctx);
    (out.text(), result)
}

pub(crate) fn run(src: &str) -> String {
    let (out, result) = run_with(src, "");
    if let Err(e) = result {
        panic!("runtime error: {e}\noutput so far:\n{out}");
    }
    out
}

#[test]
fn hello() {
    assert_eq!(run("fn main() { println(\"hello\"); }"), "hello\n");
}

#[test]
fn fib() {
    let src = "fn fib(n: i64) -> i64 { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fn main() { println(fib(20)); }";
    assert_eq!(run(src), "6765\n");
}
