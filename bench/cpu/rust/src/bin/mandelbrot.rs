//! mandelbrot (the Computer Language Benchmarks Game): the Mandelbrot set on a 2 000 × 2 000
//! grid, 50 iterations, packed eight points to a byte as the benchmark's bitmap; the bytes are
//! folded into a checksum instead of written out, so the output stays short.

fn main() {
    let size: i64 = std::hint::black_box(2000);
    let (mut checksum, mut inside) = (0i64, 0i64);
    for y in 0..size {
        let ci = 2.0 * y as f64 / size as f64 - 1.0;
        let (mut byte, mut bits) = (0i64, 0i64);
        for x in 0..size {
            let cr = 2.0 * x as f64 / size as f64 - 1.5;
            let (mut zr, mut zi, mut tr, mut ti) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            let mut i = 0;
            while i < 50 && tr + ti <= 4.0 {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i += 1;
            }
            byte <<= 1;
            if tr + ti <= 4.0 {
                byte |= 1;
                inside += 1;
            }
            bits += 1;
            if bits == 8 || x == size - 1 {
                byte <<= 8 - bits;
                checksum = (checksum * 31 + byte) % 1_000_000_007;
                byte = 0;
                bits = 0;
            }
        }
    }
    println!("{inside}");
    println!("{checksum}");
}
