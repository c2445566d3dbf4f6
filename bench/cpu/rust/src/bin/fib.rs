//! Recursive Fibonacci: function calls and integer arithmetic.

fn fib(n: i64) -> i64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn main() {
    // black_box keeps the optimizer from computing the answer at compile time, which holo's
    // code generator does not do either.
    println!("{}", fib(std::hint::black_box(32)));
}
