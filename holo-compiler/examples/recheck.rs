//! Profiling aid: loads a package from disk into a `Compiler`, then times a cold check and
//! re-checks after one-body edits. `cargo run --release -p holo-compiler --example recheck -- DIR FILE`
//! (FILE relative to DIR, e.g. `src/m001.holo`; its first `+ 1` is toggled to `+ 2`).

use holo_compiler::{Compiler, PackageKind};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::Instant;

fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "holo") {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&path).expect("utf-8")));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = std::path::PathBuf::from(&args[1]);
    let target = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "src/main.holo".into());
    let mut files = Vec::new();
    walk(&root.join("src"), &root, &mut files);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let mut c = Compiler::new(PackageKind::Bin);
    let t = Instant::now();
    c.set_files(files.clone());
    let load = t.elapsed();
    let rss = || {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmRSS"))
            .unwrap_or("")
            .to_string()
    };
    println!("after load: {}", rss());
    let t = Instant::now();
    let report = c.check();
    println!(
        "{} files, {lines} lines: load {:?}, cold check {:?}, {} diagnostics",
        files.len(),
        load,
        t.elapsed(),
        report.diagnostics.len()
    );
    println!("after check: {}", rss());
    let original = c.text(&target).expect("target file").to_string();
    let mut times = Vec::new();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    for i in 0..rounds {
        let edited = if i % 2 == 0 {
            original.replacen("+ 1", "+ 2", 1)
        } else {
            original.clone()
        };
        let t = Instant::now();
        c.set_file(&target, &edited);
        let r = c.check();
        times.push(t.elapsed());
        assert_eq!(r.diagnostics.len(), report.diagnostics.len());
    }
    times.sort();
    println!(
        "one-body edit re-check: median {:?}, min {:?}, max {:?}",
        times[rounds / 2],
        times[0],
        times[rounds - 1]
    );
}
