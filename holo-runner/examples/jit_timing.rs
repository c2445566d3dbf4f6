//! Times a few CPU-bound holo programs through the JIT (a quick check; the real benchmarks live
//! in `bench/`). Usage: `cargo run -p holo-runner --release --example jit_timing`.

use holo_compiler::{Compiler, PackageKind};
use holo_runner::{Jit, RunContext};
use std::time::Instant;

const PROGRAMS: &[(&str, &str)] = &[
    (
        "fib(35)",
        "fn fib(n: i64) -> i64 { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
fn main() { println(fib(35)); }",
    ),
    (
        "sieve(10M)",
        "fn main() {
    let n = 10000000;
    let mut is = [];
    for i in 0..n + 1 { is.push(true); }
    let mut count = 0;
    for i in 2..n + 1 {
        if is[i] {
            count += 1;
            let mut j = i * i;
            while j <= n { is[j] = false; j += i; }
        }
    }
    println(count);
}",
    ),
    (
        "string building (1M pieces)",
        "fn main() {
    let mut s = \"\";
    for i in 0..1000000 { s += i.to_str(); s += \",\"; }
    println(s.len());
}",
    ),
    (
        "quicksort 1M",
        "fn quick(mut xs: [i64], lo: i64, hi: i64) -> [i64] {
    if hi - lo < 2 { return xs; }
    let p = xs[(lo + hi) / 2];
    let mut i = lo;
    let mut j = hi - 1;
    while i <= j {
        while xs[i] < p { i += 1; }
        while xs[j] > p { j -= 1; }
        if i <= j { let t = xs[i]; xs[i] = xs[j]; xs[j] = t; i += 1; j -= 1; }
    }
    xs = quick(xs, lo, j + 1);
    quick(xs, i, hi)
}
fn main() {
    let mut xs = [];
    let mut seed = 12345;
    for i in 0..1000000 { seed = (seed * 1103515245 + 12345) % 2147483648; xs.push(seed); }
    let n = xs.len();
    xs = quick(xs, 0, n);
    let mut ok = true;
    for i in 1..xs.len() { if xs[i - 1] > xs[i] { ok = false; } }
    println(ok);
}",
    ),
];

fn main() {
    for (name, src) in PROGRAMS {
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler.set_file("src/main.holo", src);
        let t0 = Instant::now();
        let program = match compiler.lower() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{name}: {e}");
                continue;
            }
        };
        let mut jit = match Jit::new(&program) {
            Ok(j) => j,
            Err(e) => {
                eprintln!("{name}: {e}");
                continue;
            }
        };
        let main = program.main.unwrap_or(0);
        if let Err(e) = jit.compile_reachable(&[main]) {
            eprintln!("{name}: {e}");
            continue;
        }
        let compile = t0.elapsed();
        let (mut ctx, out) = RunContext::captured();
        let t1 = Instant::now();
        let result = jit.run_main(&mut ctx);
        let run = t1.elapsed();
        println!(
            "{name}: compile {:.1} ms, run {:.1} ms -> {} {:?}",
            compile.as_secs_f64() * 1e3,
            run.as_secs_f64() * 1e3,
            out.text().trim(),
            result.err().map(|e| e.to_string())
        );
    }
}
