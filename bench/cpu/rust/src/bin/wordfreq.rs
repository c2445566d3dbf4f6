//! Word frequencies with an insertion-ordered map (a `HashMap` to the entry index and a
//! `Vec` of entries, which is what holo's `Map` is), then the most frequent words by `sort_by`.

use std::collections::HashMap;

fn main() {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut entries: Vec<(String, i64)> = Vec::new();
    let mut seed: i64 = 42;
    for _ in 0..std::hint::black_box(1_000_000) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        let word = format!("w{}", seed % 5000);
        match index.get(&word) {
            Some(&i) => entries[i].1 += 1,
            None => {
                index.insert(word.clone(), entries.len());
                entries.push((word, 1));
            }
        }
    }
    let count = entries.len();
    entries.sort_by(|a, b| if a.1 != b.1 { b.1.cmp(&a.1) } else { a.0.cmp(&b.0) });
    println!("{count}");
    for (word, n) in entries.iter().take(3) {
        println!("{word} {n}");
    }
}
