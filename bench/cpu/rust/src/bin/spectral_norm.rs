//! spectral-norm (the Computer Language Benchmarks Game): the spectral norm of an infinite
//! matrix, approximated by ten power iterations on its top-left 1 200 × 1 200 corner; a small
//! function called in the innermost loops.

fn a(i: i64, j: i64) -> f64 {
    1.0 / ((i + j) * (i + j + 1) / 2 + i + 1) as f64
}

fn mul_av(v: &[f64]) -> Vec<f64> {
    let n = v.len() as i64;
    let mut out = Vec::new();
    for i in 0..n {
        let mut sum = 0.0;
        for j in 0..n {
            sum += a(i, j) * v[j as usize];
        }
        out.push(sum);
    }
    out
}

fn mul_atv(v: &[f64]) -> Vec<f64> {
    let n = v.len() as i64;
    let mut out = Vec::new();
    for i in 0..n {
        let mut sum = 0.0;
        for j in 0..n {
            sum += a(j, i) * v[j as usize];
        }
        out.push(sum);
    }
    out
}

fn mul_atav(v: &[f64]) -> Vec<f64> {
    mul_atv(&mul_av(v))
}

/// `x` rounded to nine decimals the way the holo version does (half away from zero).
fn fixed9(x: f64) -> String {
    let scaled = (x.abs() * 1e9).round() as i64;
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{}.{:09}", scaled / 1_000_000_000, scaled % 1_000_000_000)
}

fn main() {
    let n = std::hint::black_box(1200);
    let mut u = Vec::new();
    for _ in 0..n {
        u.push(1.0);
    }
    let mut v = Vec::new();
    for _ in 0..10 {
        v = mul_atav(&u);
        u = mul_atav(&v);
    }
    let (mut vbv, mut vv) = (0.0, 0.0);
    for i in 0..n {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    println!("{}", fixed9((vbv / vv).sqrt()));
}
