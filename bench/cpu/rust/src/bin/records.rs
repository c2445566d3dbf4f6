//! Closures over records: people sorted with `sort_by` (age, then name), filtered and mapped.

#[derive(Clone)]
struct Person {
    name: String,
    age: i64,
}

fn people(n: i64, seed0: i64) -> Vec<Person> {
    let mut out = Vec::new();
    let mut seed = seed0;
    for i in 0..n {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        out.push(Person { name: format!("p{}", i % 1000), age: seed % 90 });
    }
    out
}

fn main() {
    let mut total = 0;
    for round in 0..5 {
        let mut ps = people(std::hint::black_box(200_000), 7 + round);
        ps.sort_by(|a, b| if a.age != b.age { a.age.cmp(&b.age) } else { a.name.cmp(&b.name) });
        let limit = 18 + round;
        let adults: Vec<Person> = ps.iter().filter(|p| p.age >= limit).cloned().collect();
        let ages: Vec<i64> = adults.iter().map(|p| p.age * 2).collect();
        let sum: i64 = ages.iter().sum();
        total += sum + ps[0].age + ps[ps.len() - 1].age;
        if round == 0 {
            println!("{} {}", ps[0].name, ps[ps.len() - 1].name);
        }
    }
    println!("{total}");
}
