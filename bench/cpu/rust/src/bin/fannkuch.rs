//! fannkuch-redux (the Computer Language Benchmarks Game): every permutation of 0..10 in the
//! benchmark's order, each flipped (prefix reversed) until 0 comes first; small integer arrays
//! indexed in tight loops.

fn fannkuch(n: i64) -> (i64, i64) {
    let mut perm: Vec<i64> = Vec::new();
    let mut perm1: Vec<i64> = Vec::new();
    let mut count: Vec<i64> = Vec::new();
    for i in 0..n {
        perm.push(0);
        perm1.push(i);
        count.push(0);
    }
    let (mut max_flips, mut checksum, mut perm_count) = (0, 0, 0);
    let mut r = n;
    loop {
        while r != 1 {
            count[(r - 1) as usize] = r;
            r -= 1;
        }
        for i in 0..n as usize {
            perm[i] = perm1[i];
        }
        let mut flips = 0;
        let mut k = perm[0];
        while k != 0 {
            let (mut i, mut j) = (0usize, k as usize);
            while i < j {
                perm.swap(i, j);
                i += 1;
                j -= 1;
            }
            flips += 1;
            k = perm[0];
        }
        max_flips = max_flips.max(flips);
        if perm_count % 2 == 0 {
            checksum += flips;
        } else {
            checksum -= flips;
        }
        loop {
            if r == n {
                return (checksum, max_flips);
            }
            let perm0 = perm1[0];
            for i in 0..r as usize {
                perm1[i] = perm1[i + 1];
            }
            perm1[r as usize] = perm0;
            count[r as usize] -= 1;
            if count[r as usize] > 0 {
                break;
            }
            r += 1;
        }
        perm_count += 1;
    }
}

fn main() {
    let n = std::hint::black_box(10);
    let (checksum, max_flips) = fannkuch(n);
    println!("{checksum}");
    println!("Pfannkuchen({n}) = {max_flips}");
}
