//! Resolver figures for issue 11: a generated graph of 200 packages with 5 versions each,
//! resolved cold (pubgrub over an in-memory index, so the index's network cost is left out) and
//! again from its lock (`resolve_package` with a lock that satisfies the manifest, which reads no
//! index at all). Run with `cargo bench -p holo-pkg --bench resolve`.

use holo_pkg::index::{Index, MemoryIndex};
use holo_pkg::manifest::{Dependency, DependencySource};
use holo_pkg::resolve::{ResolveInput, Update, resolve};
use holo_pkg::{ResolveOptions, lock, resolve_package};
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Instant;

const PACKAGES: usize = 200;
const VERSIONS: &[&str] = &["1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.1.0"];
const REQS: &[&str] = &["^1", "^2", ">=1.1", "^1.2", "*"];

fn main() {
    // A fixed pseudo-random graph: every version depends on three packages further down, so
    // the graph is acyclic and deep.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut index = MemoryIndex::new();
    for p in 0..PACKAGES {
        for v in VERSIONS {
            let mut deps = Vec::new();
            if p + 1 < PACKAGES {
                for _ in 0..3 {
                    let q = p + 1 + next((PACKAGES - p - 1).min(20));
                    deps.push((format!("p{q}"), REQS[next(REQS.len())].to_string()));
                }
            }
            deps.sort();
            deps.dedup_by(|a, b| a.0 == b.0);
            let deps: Vec<(&str, &str)> =
                deps.iter().map(|(n, r)| (n.as_str(), r.as_str())).collect();
            index.add(&format!("p{p}"), v, &deps, false);
        }
    }
    let root_deps: BTreeMap<String, Dependency> = (0..10)
        .map(|i| {
            let name = format!("p{i}");
            let dep = Dependency {
                name: name.clone(),
                req: semver::VersionReq::parse("*").unwrap(),
                source: DependencySource::Registry(None),
            };
            (name, dep)
        })
        .collect();
    let index: Rc<dyn Index> = Rc::new(index);
    let get = move |_: &str| Ok(index.clone());
    let input = |locked: &[holo_pkg::resolve::Resolved]| {
        resolve(&ResolveInput {
            root_name: "app",
            root_dir: Path::new("/app"),
            dependencies: &root_deps,
            default_registry: Some("http://registry"),
            locked,
            update: &Update::Nothing,
            index: &get,
        })
        .expect("the generated graph resolves")
    };
    let start = Instant::now();
    let solution = input(&[]);
    let cold = start.elapsed();
    let start = Instant::now();
    let again = input(&solution);
    let preferred = start.elapsed();
    assert_eq!(solution, again);

    // From the lock on disk: no resolution, no index.
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::from("[package]\nname = \"app\"\n\n[dependencies]\n");
    for name in root_deps.keys() {
        manifest.push_str(&format!("{name} = \"*\"\n"));
    }
    std::fs::write(dir.path().join("holo.toml"), manifest).unwrap();
    lock::store(dir.path(), &lock::render(&solution, dir.path())).unwrap();
    let opts = ResolveOptions {
        home: dir.path().join("home"),
        registry: Some("http://registry".into()),
        ..ResolveOptions::default()
    };
    let start = Instant::now();
    let from_lock = resolve_package(dir.path(), &opts).expect("the lock satisfies the manifest");
    let locked = start.elapsed();
    assert!(!from_lock.lock_written);
    assert_eq!(from_lock.packages.len(), solution.len());

    println!(
        "{} of {PACKAGES} packages chosen ({} versions each): cold {:.2} ms, re-resolve preferring the lock {:.2} ms, from holo.lock {:.2} ms",
        solution.len(),
        VERSIONS.len(),
        cold.as_secs_f64() * 1e3,
        preferred.as_secs_f64() * 1e3,
        locked.as_secs_f64() * 1e3
    );
}
