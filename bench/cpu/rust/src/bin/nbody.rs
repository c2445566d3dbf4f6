//! n-body (the Computer Language Benchmarks Game): the Jovian planets orbiting the sun, advanced
//! five million steps; f64 arithmetic over a vector of structs, changed in place.

use std::f64::consts::PI;

const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;

#[derive(Clone, Copy)]
struct Body {
    x: f64,
    y: f64,
    z: f64,
    vx: f64,
    vy: f64,
    vz: f64,
    mass: f64,
}

fn body(p: [f64; 3], v: [f64; 3], mass: f64) -> Body {
    Body { x: p[0], y: p[1], z: p[2], vx: v[0], vy: v[1], vz: v[2], mass }
}

fn new_system() -> Vec<Body> {
    let d = DAYS_PER_YEAR;
    let mut bodies = vec![
        body([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),
        body(
            [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
            [1.66007664274403694e-03 * d, 7.69901118419740425e-03 * d, -6.90460016972063023e-05 * d],
            9.54791938424326609e-04 * SOLAR_MASS,
        ),
        body(
            [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
            [-2.76742510726862411e-03 * d, 4.99852801234917238e-03 * d, 2.30417297573763929e-05 * d],
            2.85885980666130812e-04 * SOLAR_MASS,
        ),
        body(
            [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
            [2.96460137564761618e-03 * d, 2.37847173959480950e-03 * d, -2.96589568540237556e-05 * d],
            4.36624404335156298e-05 * SOLAR_MASS,
        ),
        body(
            [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
            [2.68067772490389322e-03 * d, 1.62824170038242295e-03 * d, -9.51592254519715870e-05 * d],
            5.15138902046611451e-05 * SOLAR_MASS,
        ),
    ];
    let (mut px, mut py, mut pz) = (0.0, 0.0, 0.0);
    for b in &bodies {
        px += b.vx * b.mass;
        py += b.vy * b.mass;
        pz += b.vz * b.mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
    bodies
}

fn advance(bodies: &mut [Body], dt: f64) {
    let n = bodies.len();
    for i in 0..n {
        for j in i + 1..n {
            let dx = bodies[i].x - bodies[j].x;
            let dy = bodies[i].y - bodies[j].y;
            let dz = bodies[i].z - bodies[j].z;
            let d2 = dx * dx + dy * dy + dz * dz;
            let mag = dt / (d2 * d2.sqrt());
            let mi = bodies[i].mass * mag;
            let mj = bodies[j].mass * mag;
            bodies[i].vx -= dx * mj;
            bodies[i].vy -= dy * mj;
            bodies[i].vz -= dz * mj;
            bodies[j].vx += dx * mi;
            bodies[j].vy += dy * mi;
            bodies[j].vz += dz * mi;
        }
    }
    for b in bodies.iter_mut() {
        b.x += dt * b.vx;
        b.y += dt * b.vy;
        b.z += dt * b.vz;
    }
}

fn energy(bodies: &[Body]) -> f64 {
    let mut e = 0.0;
    let n = bodies.len();
    for i in 0..n {
        let b = bodies[i];
        e += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz);
        for c in &bodies[i + 1..n] {
            let dx = b.x - c.x;
            let dy = b.y - c.y;
            let dz = b.z - c.z;
            e -= b.mass * c.mass / (dx * dx + dy * dy + dz * dz).sqrt();
        }
    }
    e
}

/// `x` rounded to nine decimals the way the holo version does (half away from zero).
fn fixed9(x: f64) -> String {
    let scaled = (x.abs() * 1e9).round() as i64;
    let sign = if x < 0.0 { "-" } else { "" };
    format!("{sign}{}.{:09}", scaled / 1_000_000_000, scaled % 1_000_000_000)
}

fn main() {
    let steps = std::hint::black_box(5_000_000);
    let mut bodies = new_system();
    println!("{}", fixed9(energy(&bodies)));
    for _ in 0..steps {
        advance(&mut bodies, 0.01);
    }
    println!("{}", fixed9(energy(&bodies)));
}
