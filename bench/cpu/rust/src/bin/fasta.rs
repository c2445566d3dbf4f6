//! fasta (the Computer Language Benchmarks Game): DNA sequences of a million, 1.5 million and
//! 2.5 million letters, copied from a pattern and drawn at random (the benchmark's linear
//! congruential generator) from weighted alphabets, built into 60-letter lines one letter at a
//! time. Each section prints its first and last line and a checksum of the letters instead of
//! every line, so the output stays short.

const ALU: &str = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGGGAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGACCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAATACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCAGCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGGAGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCCAGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";

struct Rng {
    last: i64,
}

impl Rng {
    fn next(&mut self, max: f64) -> f64 {
        self.last = (self.last * 3877 + 29573) % 139968;
        max * self.last as f64 / 139968.0
    }
}

fn report(header: &str, first: &str, last: &str, lines: i64, checksum: i64) {
    println!("{header}");
    println!("{first}");
    println!("{last}");
    println!("{lines} lines, checksum {checksum}");
}

fn repeat_fasta(header: &str, pattern: &str, n: i64) {
    let letters = pattern.as_bytes();
    let (mut pos, mut lines, mut checksum) = (0i64, 0i64, 0i64);
    let mut left = n;
    let (mut first, mut last) = (String::new(), String::new());
    while left > 0 {
        let len = left.min(60);
        let mut line = String::new();
        for _ in 0..len {
            line.push(letters[pos as usize] as char);
            checksum = (checksum * 31 + pos + 1) % 1_000_000_007;
            pos += 1;
            if pos == letters.len() as i64 {
                pos = 0;
            }
        }
        if lines == 0 {
            first = line.clone();
        }
        last = line;
        lines += 1;
        left -= len;
    }
    report(header, &first, &last, lines, checksum);
}

fn random_fasta(header: &str, letters: &[u8], weights: &[f64], n: i64, rng: &mut Rng) {
    let mut cumulative = Vec::new();
    let mut sum = 0.0;
    for w in weights {
        sum += w;
        cumulative.push(sum);
    }
    let m = letters.len();
    let mut left = n;
    let (mut lines, mut checksum) = (0i64, 0i64);
    let (mut first, mut last) = (String::new(), String::new());
    while left > 0 {
        let len = left.min(60);
        let mut line = String::new();
        for _ in 0..len {
            let r = rng.next(1.0);
            let mut k = 0;
            while k < m - 1 && r >= cumulative[k] {
                k += 1;
            }
            line.push(letters[k] as char);
            checksum = (checksum * 31 + k as i64 + 1) % 1_000_000_007;
        }
        if lines == 0 {
            first = line.clone();
        }
        last = line;
        lines += 1;
        left -= len;
    }
    report(header, &first, &last, lines, checksum);
}

fn main() {
    let n: i64 = std::hint::black_box(1_000_000);
    repeat_fasta(">ONE Homo sapiens alu", ALU, 2 * n);
    let mut rng = Rng { last: 42 };
    let iub = [0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02];
    random_fasta(">TWO IUB ambiguity codes", b"acgtBDHKMNRSVWY", &iub, 3 * n, &mut rng);
    let homo = [0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008];
    random_fasta(">THREE Homo sapiens frequency", b"acgt", &homo, 5 * n, &mut rng);
}
