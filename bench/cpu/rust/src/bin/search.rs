//! `Option`-returning binary search, asked a million times (two searches each) with `?`.

fn find(xs: &[i64], want: i64) -> Option<i64> {
    let (mut lo, mut hi) = (0usize, xs.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if xs[mid] == want {
            return Some(mid as i64);
        }
        if xs[mid] < want {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    None
}

fn find_pair(xs: &[i64], a: i64, b: i64) -> Option<i64> {
    let i = find(xs, a)?;
    let j = find(xs, b)?;
    Some(i + j)
}

fn main() {
    let xs: Vec<i64> = (0..std::hint::black_box(100_000)).map(|i| i * 3).collect();
    let (mut found, mut missing) = (0i64, 0i64);
    let mut seed: i64 = 1;
    for _ in 0..1_000_000 {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        let a = seed % 300_000;
        let b = (seed / 7) % 300_000;
        if let Some(s) = find_pair(&xs, a, b) {
            found += s;
        } else {
            missing += 1;
        }
    }
    println!("{found}");
    println!("{missing}");
}
