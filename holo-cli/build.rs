//! Computes the toolchain build id: the version and a hash of every source file of the crates
//! that decide what holo computes, so that results cached by one build are never served to
//! another — including two development builds of the same version.

use std::path::{Path, PathBuf};

/// The crates whose sources the id covers (relative to this crate's folder).
const CRATES: &[&str] = &[
    "../holo-cli",
    "../holo-compiler",
    "../holo-runner",
    "../holo-db",
    "../holo-pkg",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for krate in CRATES {
        let root = manifest_dir.join(krate);
        println!("cargo:rerun-if-changed={}", root.join("src").display());
        println!(
            "cargo:rerun-if-changed={}",
            root.join("Cargo.toml").display()
        );
        files.push((format!("{krate}/Cargo.toml"), root.join("Cargo.toml")));
        collect(&root.join("src"), &format!("{krate}/src"), &mut files);
    }
    let lock = manifest_dir.join("../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    files.push(("Cargo.lock".into(), lock));
    files.sort();
    let mut hasher = blake3::Hasher::new();
    for (name, path) in &files {
        // A file that cannot be read still counts by name, so the id stays deterministic.
        let bytes = std::fs::read(path).unwrap_or_default();
        hasher.update(name.as_bytes());
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let hash = hasher.finalize().to_hex();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rustc-env=HOLO_BUILD_ID={version}+{}", &hash[..16]);
}

fn collect(dir: &Path, name: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            collect(&path, &format!("{name}/{file_name}"), out);
        } else if file_name.ends_with(".rs") || file_name.ends_with(".toml") {
            out.push((format!("{name}/{file_name}"), path));
        }
    }
}
