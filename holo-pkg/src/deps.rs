//! The dependency API the commands and the compiler host call: read the manifest and the lock,
//! resolve only when the lock no longer satisfies the manifest (or an update is asked for),
//! write the lock, and fetch every package into the shared cache.
//!
//! ```text
//! dependency_roots(root, opts)
//!   ─► resolve_package: holo.toml + holo.lock ─► lock satisfies the manifest? use it (no network)
//!                                             └► else pubgrub over the registries' indexes
//!                                                 ─► write holo.lock (only if its bytes change)
//!   ─► fetch: path packages as they are; registry packages from $HOLO_HOME/packages/NAME-VERSION/,
//!            downloaded, checked against the lock's checksum and unpacked safely when missing
//! ```

use crate::archive;
use crate::error::PkgError;
use crate::index::{HttpIndex, Index, agent, http_get};
use crate::lock;
use crate::manifest::{DependencySource, MANIFEST_FILE, Manifest};
use crate::resolve::{ResolveInput, Resolved, Source, Update, normalize, resolve};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// How to resolve and fetch.
#[derive(Clone, Debug, Default)]
pub struct ResolveOptions {
    /// `$HOLO_HOME`: the index cache (`index-cache/`) and the package cache (`packages/`).
    pub home: PathBuf,
    /// The registry for dependencies that name none (`--registry`, `HOLO_REGISTRY`,
    /// `config.toml`; see [`crate::config::default_registry`]).
    pub registry: Option<String>,
    /// `--locked`: fail instead of changing `holo.lock`.
    pub locked: bool,
    /// `--offline`: use only the index cache and the package cache.
    pub offline: bool,
    /// Which locked versions may change (`holo update`).
    pub update: Update,
}

/// A dependency package ready to compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPackage {
    pub name: String,
    pub version: semver::Version,
    pub source: Source,
    /// The sha256 of its archive; `None` for a path package.
    pub checksum: Option<String>,
    /// The folder holding its `holo.toml` and `src/` (read-only for registry packages: it is the
    /// shared cache).
    pub root: PathBuf,
    /// The names of the packages it depends on (each is in the same list).
    pub dependencies: Vec<String>,
}

/// What [`resolve_package`] did.
#[derive(Clone, Debug)]
pub struct Resolution {
    /// Every package of the graph but the root, sorted by name.
    pub packages: Vec<Resolved>,
    /// The lock before (empty when there was none).
    pub previous: Vec<Resolved>,
    /// Whether `holo.lock` was written.
    pub lock_written: bool,
}

impl Resolution {
    /// The changes from the previous lock: `(name, old version, new version)`, `None` for
    /// added or removed packages.
    pub fn changes(&self) -> Vec<(String, Option<semver::Version>, Option<semver::Version>)> {
        let old: BTreeMap<&str, &semver::Version> = self
            .previous
            .iter()
            .map(|p| (p.name.as_str(), &p.version))
            .collect();
        let new: BTreeMap<&str, &semver::Version> = self
            .packages
            .iter()
            .map(|p| (p.name.as_str(), &p.version))
            .collect();
        let names: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
        names
            .into_iter()
            .filter(|n| old.get(n) != new.get(n))
            .map(|n| {
                (
                    n.to_string(),
                    old.get(n).map(|v| (*v).clone()),
                    new.get(n).map(|v| (*v).clone()),
                )
            })
            .collect()
    }
}

/// The source a manifest entry asks for, for a package in `dir`.
fn wanted_source(source: &DependencySource, dir: &Path, default: Option<&str>) -> Option<Source> {
    match source {
        DependencySource::Path(p) => Some(Source::Path(normalize(&dir.join(p)))),
        DependencySource::Registry(Some(url)) => Some(Source::Registry(url.clone())),
        DependencySource::Registry(None) => {
            default.map(|u| Source::Registry(u.trim_end_matches('/').to_string()))
        }
    }
}

/// Whether the lock still gives what the manifest (and every path dependency's manifest)
/// asks for, with nothing left over: then it is used as it is, without any index.
fn lock_satisfies(
    manifest: &Manifest,
    root: &Path,
    locked: &[Resolved],
    opts: &ResolveOptions,
) -> bool {
    let by_name: BTreeMap<&str, &Resolved> = locked.iter().map(|p| (p.name.as_str(), p)).collect();
    let mut reached = BTreeSet::new();
    let mut todo: Vec<(PathBuf, BTreeMap<String, crate::manifest::Dependency>)> =
        vec![(root.to_path_buf(), manifest.dependencies.clone())];
    while let Some((dir, deps)) = todo.pop() {
        for dep in deps.values() {
            let Some(p) = by_name.get(dep.name.as_str()) else {
                return false;
            };
            if wanted_source(&dep.source, &dir, opts.registry.as_deref()).as_ref()
                != Some(&p.source)
            {
                // An entry without a registry while none is configured: the lock's own
                // registry is as good as any (it is how `--offline` and a lock travel).
                if !(matches!(dep.source, DependencySource::Registry(None))
                    && opts.registry.is_none()
                    && matches!(p.source, Source::Registry(_)))
                {
                    return false;
                }
            }
            if !dep.req.matches(&p.version) && !matches!(p.source, Source::Path(_)) {
                return false;
            }
            if !reached.insert(p.name.clone()) {
                continue;
            }
            match &p.source {
                Source::Path(pdir) => {
                    let Ok(m) = Manifest::load(&pdir.join(MANIFEST_FILE)) else {
                        return false;
                    };
                    if m.version != p.version || m.name != p.name {
                        return false;
                    }
                    todo.push((pdir.clone(), m.dependencies));
                }
                Source::Registry(_) => {
                    // Registry packages' dependencies were resolved with the lock; follow them.
                    let mut stack = vec![*p];
                    while let Some(q) = stack.pop() {
                        for d in &q.dependencies {
                            let Some(r) = by_name.get(d.as_str()) else {
                                return false;
                            };
                            if reached.insert(r.name.clone()) {
                                if let Source::Path(_) = r.source {
                                    return false;
                                }
                                stack.push(r);
                            }
                        }
                    }
                }
            }
        }
    }
    reached.len() == locked.len()
}

/// Resolves the dependencies of the package at `root` (or takes them from `holo.lock` when it
/// still satisfies the manifest and no update is asked for), and writes `holo.lock` when its
/// bytes change. With `opts.locked`, a lock that would change is an error instead.
pub fn resolve_package(root: &Path, opts: &ResolveOptions) -> Result<Resolution, PkgError> {
    let manifest = Manifest::load(&root.join(MANIFEST_FILE))
        .map_err(|e| PkgError::new(format!("{e}.")).hint(e.hint.unwrap_or_default()))?;
    let root = normalize(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    let previous = lock::load(&root)?;
    let had_lock = previous.is_some();
    let previous = previous.unwrap_or_default();
    if previous.is_empty() && manifest.dependencies.is_empty() {
        // Nothing to lock: no `holo.lock` appears in packages without dependencies.
        return Ok(Resolution {
            packages: Vec::new(),
            previous,
            lock_written: false,
        });
    }
    let satisfied = lock_satisfies(&manifest, &root, &previous, opts);
    if had_lock && satisfied && opts.update == Update::Nothing {
        return Ok(Resolution {
            packages: previous.clone(),
            previous,
            lock_written: false,
        });
    }
    if opts.locked && !satisfied {
        return Err(PkgError::new(format!(
            "`holo.lock` in {} does not match `holo.toml` ({}), and `--locked` forbids changing it.",
            root.display(),
            if had_lock { "the manifest asks for dependencies the lock does not give" } else { "there is no lock" }
        ))
        .hint("Run the command without `--locked` to update `holo.lock`, then commit it."));
    }
    let home = opts.home.clone();
    let offline = opts.offline;
    let index_for = move |url: &str| -> Result<Rc<dyn Index>, PkgError> {
        Ok(Rc::new(HttpIndex::new(url, &home, offline)))
    };
    let packages = resolve(&ResolveInput {
        root_name: &manifest.name,
        root_dir: &root,
        dependencies: &manifest.dependencies,
        default_registry: opts
            .registry
            .as_deref()
            .or_else(|| only_registry(&previous)),
        locked: &previous,
        update: &opts.update,
        index: &index_for,
    })?;
    let text = lock::render(&packages, &root);
    if opts.locked {
        if lock::render(&previous, &root) != text || !had_lock {
            return Err(PkgError::new(format!(
                "Updating would change `holo.lock` in {}, and `--locked` forbids changing it.",
                root.display()
            ))
            .hint("Run the command without `--locked`."));
        }
        return Ok(Resolution {
            packages,
            previous,
            lock_written: false,
        });
    }
    let lock_written = lock::store(&root, &text)?;
    Ok(Resolution {
        packages,
        previous,
        lock_written,
    })
}

/// The registry every registry package of the lock comes from, when there is exactly one: a
/// project cloned with its lock keeps working without configuring a registry.
fn only_registry(locked: &[Resolved]) -> Option<&str> {
    let urls: BTreeSet<&str> = locked
        .iter()
        .filter_map(|p| match &p.source {
            Source::Registry(u) => Some(u.as_str()),
            Source::Path(_) => None,
        })
        .collect();
    (urls.len() == 1).then(|| *urls.iter().next().expect("one"))
}

/// Makes every package of `packages` available on disk and says where.
pub fn fetch(
    packages: &[Resolved],
    opts: &ResolveOptions,
) -> Result<Vec<ResolvedPackage>, PkgError> {
    let mut out = Vec::new();
    for p in packages {
        let root = match &p.source {
            Source::Path(dir) => dir.clone(),
            Source::Registry(url) => fetch_one(p, url, opts)?,
        };
        out.push(ResolvedPackage {
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.clone(),
            checksum: p.checksum.clone(),
            root,
            dependencies: p.dependencies.clone(),
        });
    }
    Ok(out)
}

/// `$HOLO_HOME/packages/NAME-VERSION/`, downloaded and unpacked if missing.
fn fetch_one(p: &Resolved, url: &str, opts: &ResolveOptions) -> Result<PathBuf, PkgError> {
    let cache = opts.home.join("packages");
    let folder = archive::root_name(&p.name, &p.version);
    let dest = cache.join(&folder);
    if dest.join(MANIFEST_FILE).is_file() {
        return Ok(dest);
    }
    let expected = p.checksum.clone().unwrap_or_default();
    let archive_path = cache.join(format!("{folder}.tar.gz"));
    let bytes = match std::fs::read(&archive_path) {
        Ok(bytes) if archive::sha256_hex(&bytes) == expected => bytes,
        _ if opts.offline => {
            return Err(PkgError::new(format!(
                "`{} {}` is not in the package cache ({}), and `--offline` forbids downloading it.",
                p.name,
                p.version,
                cache.display()
            ))
            .hint("Run the command once without `--offline` to download it."));
        }
        _ => {
            let config = HttpIndex::new(url, &opts.home, false).config()?;
            // `dl` is a base URL holding `{name}/{name}-{version}.tar.gz` (the contract).
            let dl = crate::registry::download_url(&config.dl, &p.name, &p.version);
            let (status, bytes) = http_get(&agent(), &dl)?;
            if status != 200 {
                return Err(PkgError::new(format!(
                    "Downloading `{} {}` from {dl} failed: the server answered {status}.",
                    p.name, p.version
                ))
                .hint("Try again later; if it keeps failing, tell the registry's operator."));
            }
            let sum = archive::sha256_hex(&bytes);
            if sum != expected {
                return Err(PkgError::new(format!(
                    "The archive of `{} {}` downloaded from {dl} has checksum {sum}, but the lock and the index say {expected}.",
                    p.name, p.version
                ))
                .hint("Nothing was unpacked. The download was damaged or the registry changed a published version; try again, and tell the registry's operator if it persists."));
            }
            let _ = std::fs::create_dir_all(&cache);
            let tmp = cache.join(format!(".{folder}.tar.gz.{}", std::process::id()));
            std::fs::write(&tmp, &bytes)
                .and_then(|()| std::fs::rename(&tmp, &archive_path))
                .map_err(|e| {
                    PkgError::new(format!("Could not write {}: {e}.", archive_path.display()))
                        .hint("Check that `$HOLO_HOME` is writable.")
                })?;
            bytes
        }
    };
    let (root, info) = archive::unpack_checked(&bytes, &cache, &archive::Limits::default())
        .map_err(|e| {
            PkgError::new(format!(
                "The archive of `{} {}` was refused: {e}",
                p.name, p.version
            ))
            .hint("Nothing was unpacked; tell the package's author or the registry's operator.")
        })?;
    if info.root != folder {
        return Err(PkgError::new(format!(
            "The archive of `{} {}` holds `{}` instead.",
            p.name, p.version, info.root
        ))
        .hint("Tell the registry's operator: the archive does not match its index entry."));
    }
    Ok(root)
}

/// What the compiler host calls: resolve (or read the lock), fetch, and return every
/// dependency package with the folder holding its `holo.toml` and `src/`, sorted by name.
/// Packages without dependencies return an empty list without touching the network or writing
/// a lock.
pub fn dependency_roots(
    root: &Path,
    opts: &ResolveOptions,
) -> Result<Vec<ResolvedPackage>, PkgError> {
    let resolution = resolve_package(root, opts)?;
    fetch(&resolution.packages, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, version: &str, deps: &str) {
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join(MANIFEST_FILE),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"{version}\"\n\n[dependencies]\n{deps}"
            ),
        )
        .unwrap();
    }

    #[test]
    fn path_dependencies_are_locked_once_and_locked_refuses_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let (app, geo, util) = (
            tmp.path().join("app"),
            tmp.path().join("geo"),
            tmp.path().join("util"),
        );
        write(&util, "util", "0.3.0", "");
        write(&geo, "geo", "1.0.0", "util = { path = \"../util\" }\n");
        write(&app, "app", "0.1.0", "geo = { path = \"../geo\" }\n");
        let opts = ResolveOptions {
            home: tmp.path().join("home"),
            ..Default::default()
        };
        let roots = dependency_roots(&app, &opts).unwrap();
        let names: Vec<(&str, &Path)> = roots
            .iter()
            .map(|p| (p.name.as_str(), p.root.as_path()))
            .collect();
        assert_eq!(names, [("geo", geo.as_path()), ("util", util.as_path())]);
        assert_eq!(roots[0].dependencies, ["util"]);
        let text = std::fs::read_to_string(app.join("holo.lock")).unwrap();
        assert!(
            text.contains("source = \"path+../geo\"\ndependencies = [\"util 0.3.0\"]"),
            "{text}"
        );
        // Same inputs: the lock is not written again.
        assert!(!resolve_package(&app, &opts).unwrap().lock_written);
        // A dependency the lock already gives: nothing to rewrite, even with --locked.
        write(
            &app,
            "app",
            "0.1.0",
            "geo = { path = \"../geo\" }\nutil = { path = \"../util\" }\n",
        );
        let locked = ResolveOptions {
            locked: true,
            ..opts.clone()
        };
        assert!(!resolve_package(&app, &locked).unwrap().lock_written);
        // The manifest asks for more: --locked refuses, a normal run rewrites.
        write(&tmp.path().join("extra"), "extra", "0.1.0", "");
        write(
            &app,
            "app",
            "0.1.0",
            "geo = { path = \"../geo\" }\nextra = { path = \"../extra\" }\n",
        );
        let e = resolve_package(&app, &locked).unwrap_err();
        assert!(e.message.contains("`--locked` forbids changing it"), "{e}");
        assert!(resolve_package(&app, &opts).unwrap().lock_written);
        // A removed dependency leaves packages over: the lock is rewritten without them.
        write(&app, "app", "0.1.0", "util = { path = \"../util\" }\n");
        assert!(resolve_package(&app, &locked).is_err());
        let r = resolve_package(&app, &opts).unwrap();
        assert!(r.lock_written);
        assert_eq!(
            r.changes(),
            [
                (
                    "extra".to_string(),
                    Some(semver::Version::new(0, 1, 0)),
                    None
                ),
                ("geo".to_string(), Some(semver::Version::new(1, 0, 0)), None)
            ]
        );
        // No dependencies and no lock: no lock appears.
        write(&util, "util", "0.3.0", "");
        assert!(dependency_roots(&util, &opts).unwrap().is_empty());
        assert!(!util.join("holo.lock").exists());
    }
}
