//! Shows the code the JIT generates for the functions of a holo file: Cranelift IR, then the
//! machine code. For people working on the code generator.
//!
//! Usage: `cargo run -p holo-runner --release --example jit_dump -- FILE.holo [FUNCTION …]`
//! (all functions when none is named; names as in stack traces, `main`, `Counter::new`).

use holo_compiler::{Compiler, PackageKind};
use holo_runner::Jit;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: jit_dump FILE.holo [FUNCTION …]");
        std::process::exit(2);
    };
    let wanted: Vec<String> = args.collect();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_file("src/main.holo", &text);
    let program = match compiler.lower() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let jit = match Jit::new(&program) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for (i, f) in program.functions.iter().enumerate() {
        if !wanted.is_empty() && !wanted.contains(&f.name) {
            continue;
        }
        match jit.describe_code(i as u32) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("{e}"),
        }
    }
}
