//! Times the phases of running a one-file program in this process: lowering, setting up the
//! JIT, compiling what `main` reaches (optimized tier), and running it (its output discarded).
//! For people working on the code generator: it separates the speed of the generated code from
//! process start-up and checking, which `holo run` adds.
//!
//! Usage: `cargo run -p holo-runner --release --example phases -- FILE.holo [RUNS]`

use holo_compiler::{Compiler, PackageKind};
use holo_runner::jit::Tier;
use holo_runner::{Jit, RunContext};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), runs) = (args.next(), args.next()) else {
        eprintln!("usage: phases FILE.holo [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = runs.and_then(|r| r.parse().ok()).unwrap_or(5);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let mut samples: [Vec<Duration>; 4] = Default::default();
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut compiler = Compiler::new(PackageKind::Bin);
        compiler.set_file("src/main.holo", &text);
        let program = compiler.lower().unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        });
        let Some(main) = program.main else {
            eprintln!("{path} has no `fn main`");
            std::process::exit(1);
        };
        let t1 = Instant::now();
        let mut jit = Jit::with_tier(program, Tier::Optimized).expect("this machine is supported");
        let t2 = Instant::now();
        jit.compile_reachable(&[main])
            .expect("the program compiles");
        let t3 = Instant::now();
        let mut ctx = RunContext::new().with_stdout(Box::new(std::io::sink()));
        if let Err(e) = jit.run_main(&mut ctx) {
            eprintln!("the program stopped with an error: {e:?}");
        }
        let t4 = Instant::now();
        for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3].into_iter().enumerate() {
            samples[i].push(d);
        }
    }
    for (name, mut s) in ["lower", "jit set-up", "compile", "run"]
        .into_iter()
        .zip(samples)
    {
        s.sort();
        println!("{name:>10}: median {:?} (of {runs})", s[s.len() / 2]);
    }
}
