//! binary-trees (the Computer Language Benchmarks Game): perfect binary trees of depth 4 to 16
//! allocated, walked and dropped, many times over, beside one long-lived tree; allocation of
//! small objects (a boxed enum, with the global allocator).

enum Tree {
    Leaf,
    Node(Box<Tree>, Box<Tree>),
}

fn bottom_up(depth: i64) -> Tree {
    if depth > 0 {
        Tree::Node(Box::new(bottom_up(depth - 1)), Box::new(bottom_up(depth - 1)))
    } else {
        Tree::Node(Box::new(Tree::Leaf), Box::new(Tree::Leaf))
    }
}

fn check(t: &Tree) -> i64 {
    match t {
        Tree::Node(l, r) => 1 + check(l) + check(r),
        Tree::Leaf => 0,
    }
}

fn main() {
    let min_depth = 4;
    let max_depth: i64 = std::hint::black_box(16);
    let stretch = max_depth + 1;
    println!("stretch tree of depth {stretch}\t check: {}", check(&bottom_up(stretch)));
    let long_lived = bottom_up(max_depth);
    let mut depth = min_depth;
    while depth <= max_depth {
        let iterations = 1i64 << (max_depth - depth + min_depth);
        let mut sum = 0;
        for _ in 0..iterations {
            sum += check(&bottom_up(depth));
        }
        println!("{iterations}\t trees of depth {depth}\t check: {sum}");
        depth += 2;
    }
    println!("long lived tree of depth {max_depth}\t check: {}", check(&long_lived));
}
