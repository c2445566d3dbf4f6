//! Big inputs cost time in proportion to their size: checking and lowering a long array literal
//! is linear in its elements (it was quadratic: every element looked at all the later ones).
//!
//! Timing tests are noisy on shared machines, so each size is measured a few times (the
//! fastest run counts) and the bound is generous: eight times the elements may take at most
//! twenty-four times as long, where quadratic work takes sixty-four times as long.

use holo_compiler::ir::{Const, Operand, Rvalue};
use holo_compiler::{Compiler, PackageKind};
use std::time::{Duration, Instant};

/// A program whose `main` builds an array of `n` elements, each written by `element(i)`.
fn program(n: usize, element: impl Fn(usize) -> String) -> String {
    let items: Vec<String> = (0..n).map(element).collect();
    format!(
        "fn main() {{\n    let x = 3;\n    let xs: [i64] = [{}];\n    println(xs.len() + x);\n}}\n",
        items.join(", ")
    )
}

/// The fastest of three checks and lowerings of `src` in a fresh compiler.
fn check_and_lower(src: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let mut compiler = Compiler::new(PackageKind::Bin);
            compiler.set_file("src/main.holo", src);
            let report = compiler.check();
            assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
            compiler.lower().expect("the program lowers");
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn assert_linear(what: &str, element: impl Fn(usize) -> String + Copy) {
    let small = 5_000;
    let large = 8 * small;
    let t_small = check_and_lower(&program(small, element));
    let t_large = check_and_lower(&program(large, element));
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 24.0,
        "checking and lowering an array literal of {what} is not linear: {small} elements took \
         {t_small:?}, {large} took {t_large:?} ({ratio:.1} times as long for 8 times the elements)"
    );
}

#[test]
fn array_literals_of_constants_are_linear() {
    assert_linear("constants", |i| i.to_string());
}

#[test]
fn array_literals_of_expressions_are_linear() {
    assert_linear("expressions", |i| format!("x + {i}"));
}

#[test]
fn an_array_literal_of_constants_is_one_constant() {
    let mut compiler = Compiler::new(PackageKind::Bin);
    compiler.set_file("src/main.holo", &program(10_000, |i| i.to_string()));
    let program = compiler.lower().expect("the program lowers");
    let main = &program.functions[program.main.expect("a main") as usize];
    let mut constant_arrays = 0;
    for block in &main.body.blocks {
        for inst in &block.insts {
            let text = format!("{inst:?}");
            assert!(
                !matches!(
                    inst,
                    holo_compiler::ir::Inst::Assign {
                        value: Rvalue::Array { .. },
                        ..
                    }
                ),
                "an array literal of constants is built element by element: {}",
                &text[..text.len().min(200)]
            );
            if let holo_compiler::ir::Inst::Assign {
                value: Rvalue::Use(Operand::Const(Const::Array { items, .. })),
                ..
            } = inst
            {
                assert_eq!(items.len(), 10_000);
                constant_arrays += 1;
            }
        }
    }
    assert_eq!(
        constant_arrays, 1,
        "the literal should be one constant array in `main`"
    );
}
