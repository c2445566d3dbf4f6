//! A million pseudo-random integers sorted by the standard library's sort.

fn random_array(n: usize, seed0: i64) -> Vec<i64> {
    let mut xs = Vec::new();
    let mut seed = seed0;
    for _ in 0..n {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        xs.push(seed);
    }
    xs
}

fn is_sorted(xs: &[i64]) -> bool {
    for i in 1..xs.len() {
        if xs[i - 1] > xs[i] {
            return false;
        }
    }
    true
}

fn main() {
    let mut xs = random_array(std::hint::black_box(1_000_000), 42);
    xs.sort();
    println!("{}", is_sorted(&xs));
    println!("{} {} {}", xs[0], xs[500_000], xs[999_999]);
}
