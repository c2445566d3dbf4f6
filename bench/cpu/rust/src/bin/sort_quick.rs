//! A million pseudo-random integers sorted by a hand-written quicksort (iterative, Hoare
//! partition around the middle element), the same algorithm as the holo and Go versions.

fn random_array(n: usize, seed0: i64) -> Vec<i64> {
    let mut xs = Vec::new();
    let mut seed = seed0;
    for _ in 0..n {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        xs.push(seed);
    }
    xs
}

fn quicksort(mut xs: Vec<i64>) -> Vec<i64> {
    let mut ranges: Vec<i64> = vec![0, xs.len() as i64 - 1];
    while let (Some(hi), Some(lo)) = (ranges.pop(), ranges.pop()) {
        if lo >= hi {
            continue;
        }
        let pivot = xs[(lo + (hi - lo) / 2) as usize];
        let mut i = lo;
        let mut j = hi;
        while i <= j {
            while xs[i as usize] < pivot {
                i += 1;
            }
            while xs[j as usize] > pivot {
                j -= 1;
            }
            if i <= j {
                xs.swap(i as usize, j as usize);
                i += 1;
                j -= 1;
            }
        }
        ranges.push(lo);
        ranges.push(j);
        ranges.push(i);
        ranges.push(hi);
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
    let xs = quicksort(random_array(std::hint::black_box(1_000_000), 42));
    println!("{}", is_sorted(&xs));
    println!("{} {} {}", xs[0], xs[500_000], xs[999_999]);
}
