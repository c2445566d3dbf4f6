//! `holo.lock`: the exact versions, sources and checksums a resolution chose, written in one
//! fixed format (packages sorted by name then version, fixed key order and quoting) so that the
//! same resolution always gives the same bytes and a lock diff shows only real changes.

use crate::error::PkgError;
use crate::resolve::{Resolved, Source, normalize};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

/// The lockfile's name, beside `holo.toml`.
pub const LOCK_FILE: &str = "holo.lock";

const HEADER: &str = "# This file is written by holo; do not edit it by hand.\n";

/// Renders the lock of `packages` for the package at `root` (path sources are written relative
/// to it).
pub fn render(packages: &[Resolved], root: &Path) -> String {
    let mut sorted: Vec<&Resolved> = packages.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    let version_of = |name: &str| {
        sorted
            .iter()
            .find(|p| p.name == name)
            .map_or_else(String::new, |p| p.version.to_string())
    };
    let mut out = String::from(HEADER);
    out.push_str("version = 1\n");
    for p in sorted.iter() {
        out.push_str("\n[[package]]\n");
        out.push_str(&format!("name = {}\n", quote(&p.name)));
        out.push_str(&format!("version = {}\n", quote(&p.version.to_string())));
        let source = match &p.source {
            Source::Registry(url) => format!("registry+{url}"),
            Source::Path(dir) => format!("path+{}", relative(root, dir)),
        };
        out.push_str(&format!("source = {}\n", quote(&source)));
        if let Some(sum) = &p.checksum {
            out.push_str(&format!("checksum = {}\n", quote(sum)));
        }
        let mut deps: Vec<String> = p
            .dependencies
            .iter()
            .map(|d| quote(&format!("{d} {}", version_of(d))))
            .collect();
        deps.sort();
        out.push_str(&format!("dependencies = [{}]\n", deps.join(", ")));
    }
    out
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `to` relative to `from` with `/` separators (both absolute or both relative).
pub fn relative(from: &Path, to: &Path) -> String {
    let from = normalize(from);
    let to = normalize(to);
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..a.len() {
        parts.push("..".into());
    }
    for c in &b[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock {
    version: u32,
    #[serde(default)]
    package: Vec<RawPackage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    name: String,
    version: String,
    source: String,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Parses the lock text of the package at `root`; `path` is only for errors.
pub fn parse(text: &str, root: &Path, path: &Path) -> Result<Vec<Resolved>, PkgError> {
    let bad = |detail: String| {
        PkgError::new(format!(
            "`{}` is not a valid lockfile: {detail}.",
            path.display()
        ))
        .hint("Delete it; the next command resolves the dependencies again and writes a new one.")
    };
    let raw: RawLock = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
    if raw.version != 1 {
        return Err(bad(format!(
            "it has format version {}, and this holo knows only version 1",
            raw.version
        )));
    }
    let mut out = Vec::new();
    for p in raw.package {
        let version = semver::Version::parse(&p.version).map_err(|e| {
            bad(format!(
                "`{}` of `{}` is not a version: {e}",
                p.version, p.name
            ))
        })?;
        let source = if let Some(url) = p.source.strip_prefix("registry+") {
            Source::Registry(url.to_string())
        } else if let Some(rel) = p.source.strip_prefix("path+") {
            Source::Path(normalize(&root.join(rel)))
        } else {
            return Err(bad(format!(
                "the source `{}` of `{}` is neither `registry+URL` nor `path+FOLDER`",
                p.source, p.name
            )));
        };
        if matches!(source, Source::Registry(_)) && p.checksum.is_none() {
            return Err(bad(format!(
                "`{}` comes from a registry but has no checksum",
                p.name
            )));
        }
        let dependencies = p
            .dependencies
            .iter()
            .map(|d| d.split(' ').next().unwrap_or_default().to_string())
            .collect();
        out.push(Resolved {
            name: p.name,
            version,
            source,
            checksum: p.checksum,
            dependencies,
        });
    }
    Ok(out)
}

/// Reads `root/holo.lock`; `Ok(None)` when there is none.
pub fn load(root: &Path) -> Result<Option<Vec<Resolved>>, PkgError> {
    let path = root.join(LOCK_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, root, &path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(
            PkgError::new(format!("Could not read `{}`: {e}.", path.display()))
                .hint("Check that you may read the file."),
        ),
    }
}

/// Writes `text` to `root/holo.lock` unless it already holds exactly that; returns whether it
/// wrote.
pub fn store(root: &Path, text: &str) -> Result<bool, PkgError> {
    let path = root.join(LOCK_FILE);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    let tmp: PathBuf = root.join(".holo.lock.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            PkgError::new(format!("Could not write `{}`: {e}.", path.display()))
                .hint("Check that the package folder is writable.")
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, v: &str, source: Source, deps: &[&str]) -> Resolved {
        Resolved {
            name: name.into(),
            version: semver::Version::parse(v).unwrap(),
            checksum: matches!(source, Source::Registry(_)).then(|| format!("sum{name}")),
            source,
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn the_lock_is_deterministic_and_round_trips() {
        let root = Path::new("/w/app");
        let reg = Source::Registry("http://127.0.0.1:8765".into());
        let a = vec![
            pkg("util", "0.2.0", reg.clone(), &[]),
            pkg("mathx", "0.1.2", reg.clone(), &["util"]),
            pkg(
                "geo",
                "1.0.0",
                Source::Path("/w/geo".into()),
                &["util", "mathx"],
            ),
        ];
        let mut b = a.clone();
        b.reverse();
        let text = render(&a, root);
        assert_eq!(text, render(&b, root), "order of the input does not matter");
        assert_eq!(
            text,
            "# This file is written by holo; do not edit it by hand.\nversion = 1\n\n[[package]]\nname = \"geo\"\nversion = \"1.0.0\"\nsource = \"path+../geo\"\ndependencies = [\"mathx 0.1.2\", \"util 0.2.0\"]\n\n[[package]]\nname = \"mathx\"\nversion = \"0.1.2\"\nsource = \"registry+http://127.0.0.1:8765\"\nchecksum = \"summathx\"\ndependencies = [\"util 0.2.0\"]\n\n[[package]]\nname = \"util\"\nversion = \"0.2.0\"\nsource = \"registry+http://127.0.0.1:8765\"\nchecksum = \"sumutil\"\ndependencies = []\n"
        );
        let back = parse(&text, root, Path::new("holo.lock")).unwrap();
        assert_eq!(
            render(&back, root),
            text,
            "parse then render gives the same bytes"
        );
    }

    #[test]
    fn a_bad_lock_says_to_delete_it() {
        let e = parse("version = 2\n", Path::new("/"), Path::new("holo.lock")).unwrap_err();
        assert!(e.message.contains("format version 2"), "{}", e.message);
        assert!(e.hint.unwrap().starts_with("Delete it"));
    }
}
