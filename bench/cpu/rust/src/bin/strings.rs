//! String building: a million numbers appended to one string, each followed by a comma.

fn main() {
    let n: i64 = std::hint::black_box(1_000_000);
    let mut s = String::new();
    for i in 0..n {
        s += &i.to_string();
        s += ",";
    }
    println!("{}", s.len());
}
