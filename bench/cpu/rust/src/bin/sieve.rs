//! The sieve of Eratosthenes below five million: array writes and reads in tight loops.

// The array is built with push, as the holo and Go versions build it, so that all three do the
// same work.
#[allow(clippy::same_item_push)]
fn count_primes(n: usize) -> i64 {
    let mut composite: Vec<bool> = Vec::new();
    for _ in 0..n {
        composite.push(false);
    }
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            let mut j = i * i;
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    count
}

fn main() {
    println!("{}", count_primes(std::hint::black_box(5_000_000)));
}
