//! Version resolution with pubgrub: given the root package's dependencies and an [`Index`] per
//! registry, choose one version of every package so that every requirement holds, or explain in
//! sentences why no such choice exists.
//!
//! A package is identified by its name alone (one source per name in a graph, as in Cargo's
//! default). Requirements become pubgrub ranges over the versions the index *lists* (the union of
//! the matching versions), which keeps semver's pre-release rules exact without translating
//! comparators. Yanked versions are left out of every range unless the lock names them, so a new
//! resolution never picks one but a locked graph still resolves. Path dependencies are packages
//! with exactly one version, read from their own `holo.toml`.

use crate::error::PkgError;
use crate::index::{Index, IndexEntry};
use crate::manifest::{Dependency, DependencySource, MANIFEST_FILE, Manifest};
use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, DerivationTree, External,
    PackageResolutionStatistics, PubGrubError, Ranges,
};
use semver::Version;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where a resolved package comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A registry, by URL (no final `/`).
    Registry(String),
    /// A folder on disk (absolute).
    Path(PathBuf),
}

/// One package of a resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub version: Version,
    pub source: Source,
    /// sha256 of the archive; `None` for path packages.
    pub checksum: Option<String>,
    /// The packages it depends on, by name (their versions are in the resolution).
    pub dependencies: Vec<String>,
}

/// Which locked versions a resolution may move away from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Update {
    /// Keep every locked version that still satisfies the manifest.
    #[default]
    Nothing,
    /// Forget the lock's choices (`holo update`).
    All,
    /// Forget the lock's choices for these packages (`holo update NAME`).
    Only(Vec<String>),
}

/// Gives the index of a registry URL.
pub type IndexFor<'a> = dyn Fn(&str) -> Result<Rc<dyn Index>, PkgError> + 'a;

/// What the resolver needs from the caller.
pub struct ResolveInput<'a> {
    /// The root package's name and folder (path dependencies are relative to it).
    pub root_name: &'a str,
    pub root_dir: &'a Path,
    pub dependencies: &'a BTreeMap<String, Dependency>,
    /// The registry for dependencies that do not name one; `None` makes them an error.
    pub default_registry: Option<&'a str>,
    /// The lock's choices: preferred when still allowed, and the only yanked versions allowed.
    pub locked: &'a [Resolved],
    pub update: &'a Update,
    /// The index of a registry URL.
    pub index: &'a IndexFor<'a>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Pkg {
    Root,
    Named(String),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str("the root package"),
            Pkg::Named(n) => f.write_str(n),
        }
    }
}

/// A dependency edge as written, for explanations.
#[derive(Clone)]
struct Edge {
    from: Pkg,
    /// The version of `from` whose dependency this is: pubgrub asks for the dependencies of
    /// every version it tries, and only the chosen one's belong in the result.
    version: Version,
    to: String,
    range: Ranges<Version>,
    req: String,
}

struct Known {
    source: Source,
    /// Every version the source lists, yanked ones included.
    entries: Vec<IndexEntry>,
    /// For a path package: its dependencies (its manifest) and folder.
    path_deps: Option<(PathBuf, BTreeMap<String, Dependency>)>,
}

struct Provider<'a> {
    input: &'a ResolveInput<'a>,
    known: RefCell<HashMap<String, Rc<Known>>>,
    edges: RefCell<Vec<Edge>>,
    prefer: HashMap<String, Version>,
    allowed_yanked: HashSet<(String, Version)>,
    indexes: RefCell<HashMap<String, Rc<dyn Index>>>,
}

fn source_text(s: &Source) -> String {
    match s {
        Source::Registry(u) => format!("the registry {u}"),
        Source::Path(p) => format!("the folder {}", p.display()),
    }
}

impl<'a> Provider<'a> {
    /// A package as sentences name it.
    fn describe(&self, pkg: &Pkg) -> String {
        match pkg {
            Pkg::Root => format!("this package (`{}`)", self.input.root_name),
            Pkg::Named(n) => format!("`{n}`"),
        }
    }

    fn index(&self, url: &str) -> Result<Rc<dyn Index>, PkgError> {
        if let Some(i) = self.indexes.borrow().get(url) {
            return Ok(i.clone());
        }
        let i = (self.input.index)(url)?;
        self.indexes.borrow_mut().insert(url.to_string(), i.clone());
        Ok(i)
    }

    /// Learns the package `name` from `source` (once); a second, different source is an error.
    fn learn(&self, name: &str, source: &Source, wanted_by: &Pkg) -> Result<Rc<Known>, PkgError> {
        if let Some(k) = self.known.borrow().get(name) {
            if &k.source != source {
                return Err(PkgError::new(format!(
                    "`{name}` is wanted from two places: {} and {} (by {}).",
                    source_text(&k.source),
                    source_text(source),
                    self.describe(wanted_by)
                ))
                .hint(format!(
                    "Make every dependency on `{name}` use the same registry or path."
                )));
            }
            return Ok(k.clone());
        }
        let known = match source {
            Source::Registry(url) => Known {
                source: source.clone(),
                entries: self.index(url)?.versions(name)?,
                path_deps: None,
            },
            Source::Path(dir) => {
                let manifest = Manifest::load(&dir.join(MANIFEST_FILE)).map_err(|e| {
                    PkgError::new(format!(
                        "The path dependency `{name}` (wanted by {}) could not be read: {e}.",
                        self.describe(wanted_by)
                    ))
                    .hint(format!(
                        "Check the `path` of `{name}` in `[dependencies]`: it must be a folder holding a package's `holo.toml`."
                    ))
                })?;
                if manifest.name != name {
                    return Err(PkgError::new(format!(
                        "The folder {} holds the package `{}`, but it is listed as the dependency `{name}`.",
                        dir.display(),
                        manifest.name
                    ))
                    .hint(format!("Rename the dependency to `{}` or fix its `path`.", manifest.name)));
                }
                Known {
                    source: source.clone(),
                    entries: vec![IndexEntry {
                        name: name.to_string(),
                        version: manifest.version.clone(),
                        deps: Vec::new(),
                        cksum: String::new(),
                        yanked: false,
                    }],
                    path_deps: Some((dir.clone(), manifest.dependencies)),
                }
            }
        };
        let known = Rc::new(known);
        self.known
            .borrow_mut()
            .insert(name.to_string(), known.clone());
        Ok(known)
    }

    fn allowed(&self, e: &IndexEntry) -> bool {
        !e.yanked
            || self
                .allowed_yanked
                .contains(&(e.name.clone(), e.version.clone()))
    }

    /// The range of `req` over the allowed versions `known` lists, as a union of those
    /// versions. (Merging runs of versions into intervals was tried: on the 200-package
    /// benchmark it made cold resolution 2-3 times slower.)
    fn range(&self, known: &Known, req: &semver::VersionReq) -> Ranges<Version> {
        let mut r = Ranges::empty();
        for e in &known.entries {
            if self.allowed(e) && (known.path_deps.is_some() || req.matches(&e.version)) {
                r = r.union(&Ranges::singleton(e.version.clone()));
            }
        }
        r
    }

    /// The source a manifest dependency names, for a package in `dir` whose registry is
    /// `registry`.
    fn manifest_source(
        &self,
        dep: &Dependency,
        dir: &Path,
        wanted_by: &Pkg,
    ) -> Result<Source, PkgError> {
        match &dep.source {
            DependencySource::Path(p) => Ok(Source::Path(normalize(&dir.join(p)))),
            DependencySource::Registry(Some(url)) => Ok(Source::Registry(url.clone())),
            DependencySource::Registry(None) => match self.input.default_registry {
                Some(url) => Ok(Source::Registry(url.trim_end_matches('/').to_string())),
                None => Err(PkgError::new(format!(
                    "The dependency `{}` of {} names no registry, and no default registry is configured.",
                    dep.name,
                    self.describe(wanted_by)
                ))
                .hint("Pass `--registry URL`, set `HOLO_REGISTRY`, or write `registry = \"URL\"` in `$HOLO_HOME/config.toml`.")),
            },
        }
    }

    fn constraints(
        &self,
        from: &Pkg,
        version: &Version,
        deps: Vec<(String, Source, semver::VersionReq)>,
    ) -> Result<DependencyConstraints<Pkg, Ranges<Version>>, PkgError> {
        let mut out = DependencyConstraints::default();
        for (name, source, req) in deps {
            let known = self.learn(&name, &source, from)?;
            let range = self.range(&known, &req);
            self.edges.borrow_mut().push(Edge {
                from: from.clone(),
                version: version.clone(),
                to: name.clone(),
                range: range.clone(),
                req: req.to_string(),
            });
            out.insert(Pkg::Named(name), range);
        }
        Ok(out)
    }
}

/// Removes `.` and `a/..` from a path without touching the disk, so that two spellings of one
/// folder are one source.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Err = PkgError;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        // Packages that conflicted most first, then those with the fewest candidates: both
        // find dead ends early.
        let count = match package {
            Pkg::Root => 0,
            Pkg::Named(n) => self.known.borrow().get(n).map_or(0, |k| {
                k.entries
                    .iter()
                    .filter(|e| range.contains(&e.version))
                    .count()
            }),
        };
        (stats.conflict_count(), Reverse(count))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, PkgError> {
        let Pkg::Named(name) = package else {
            return Ok(Some(Version::new(0, 0, 0)));
        };
        if let Some(v) = self.prefer.get(name)
            && range.contains(v)
        {
            return Ok(Some(v.clone()));
        }
        let known = self.known.borrow().get(name).cloned();
        Ok(known.and_then(|k| {
            k.entries
                .iter()
                .filter(|e| self.allowed(e) && range.contains(&e.version))
                .map(|e| e.version.clone())
                .max()
        }))
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, String>, PkgError> {
        let deps = match package {
            Pkg::Root => {
                let mut deps = Vec::new();
                for dep in self.input.dependencies.values() {
                    let source = self.manifest_source(dep, self.input.root_dir, package)?;
                    deps.push((dep.name.clone(), source, dep.req.clone()));
                }
                deps
            }
            Pkg::Named(name) => {
                let known = self.known.borrow().get(name).cloned().expect("learnt");
                if let Some((dir, manifest_deps)) = &known.path_deps {
                    let mut deps = Vec::new();
                    for dep in manifest_deps.values() {
                        let source = self.manifest_source(dep, dir, package)?;
                        deps.push((dep.name.clone(), source, dep.req.clone()));
                    }
                    deps
                } else {
                    let Source::Registry(url) = &known.source else {
                        unreachable!("a package without path deps comes from a registry")
                    };
                    let entry = known
                        .entries
                        .iter()
                        .find(|e| &e.version == version)
                        .expect("chosen from the entries");
                    entry
                        .deps
                        .iter()
                        .map(|d| (d.name.clone(), Source::Registry(url.clone()), d.req.clone()))
                        .collect()
                }
            }
        };
        Ok(Dependencies::Available(
            self.constraints(package, version, deps)?,
        ))
    }
}

/// Resolves `input`: every package of the graph (the root excluded), sorted by name.
pub fn resolve(input: &ResolveInput<'_>) -> Result<Vec<Resolved>, PkgError> {
    let forget = |name: &str| match input.update {
        Update::Nothing => false,
        Update::All => true,
        Update::Only(names) => names.iter().any(|n| n == name),
    };
    let provider = Provider {
        input,
        known: RefCell::new(HashMap::new()),
        edges: RefCell::new(Vec::new()),
        prefer: input
            .locked
            .iter()
            .filter(|p| !forget(&p.name))
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect(),
        // A yanked version stays usable for a lock that names it, even when updating others.
        allowed_yanked: input
            .locked
            .iter()
            .filter(|p| !forget(&p.name))
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect(),
        indexes: RefCell::new(HashMap::new()),
    };
    let solution = match pubgrub::resolve(&provider, Pkg::Root, Version::new(0, 0, 0)) {
        Ok(s) => s,
        // Not `collapse_no_versions`: "no version matches" is the most useful sentence there is.
        Err(PubGrubError::NoSolution(tree)) => {
            return Err(explain(&provider, &tree, input.root_name));
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. }) => return Err(source),
        Err(PubGrubError::ErrorInShouldCancel(e)) => return Err(e),
    };
    let edges = provider.edges.borrow();
    let known = provider.known.borrow();
    let mut out = Vec::new();
    for (pkg, version) in solution {
        let Pkg::Named(name) = pkg else { continue };
        let k = &known[&name];
        let entry = k
            .entries
            .iter()
            .find(|e| e.version == version)
            .expect("chosen");
        let mut dependencies: Vec<String> = edges
            .iter()
            .filter(|e| e.from == Pkg::Named(name.clone()) && e.version == version)
            .map(|e| e.to.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        dependencies.sort();
        out.push(Resolved {
            name: name.clone(),
            version,
            source: k.source.clone(),
            checksum: k.path_deps.is_none().then(|| entry.cksum.clone()),
            dependencies,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The versions of `name` in `range`, as a short phrase ("mathx 1.0.0", "mathx 1.0.0 or 1.1.0",
/// "any version of mathx").
fn versions_phrase(p: &Provider<'_>, pkg: &Pkg, range: &Ranges<Version>, root: &str) -> String {
    let Pkg::Named(name) = pkg else {
        return format!("this package (`{root}`)");
    };
    let known = p.known.borrow();
    let Some(k) = known.get(name) else {
        return format!("`{name}`");
    };
    let all: Vec<&Version> = k.entries.iter().map(|e| &e.version).collect();
    let inside: Vec<String> = all
        .iter()
        .filter(|v| range.contains(v))
        .map(|v| v.to_string())
        .collect();
    if inside.len() == all.len() && all.len() > 1 {
        format!("every version of `{name}`")
    } else if inside.is_empty() {
        format!("`{name}` (no such version)")
    } else {
        format!("`{name}` {}", inside.join(" or "))
    }
}

/// A requirement as the user wrote it, found back from the range pubgrub reports.
fn requirement_text(p: &Provider<'_>, from: &Pkg, to: &str, range: &Ranges<Version>) -> String {
    let edges = p.edges.borrow();
    edges
        .iter()
        .find(|e| &e.from == from && e.to == to && &e.range == range)
        .or_else(|| edges.iter().find(|e| e.to == to && &e.range == range))
        .map_or_else(|| "a version".to_string(), |e| format!("`{}`", e.req))
}

fn explain(
    p: &Provider<'_>,
    tree: &DerivationTree<Pkg, Ranges<Version>, String>,
    root: &str,
) -> PkgError {
    let mut facts: Vec<String> = Vec::new();
    collect_facts(p, tree, root, &mut facts);
    let mut seen = HashSet::new();
    facts.retain(|f| seen.insert(f.clone()));
    let mut message = String::from(
        "No set of versions satisfies every dependency requirement, because these requirements conflict:",
    );
    for f in &facts {
        message.push_str("\n  - ");
        message.push_str(f);
    }
    PkgError::new(message).hint(
        "Change one of these requirements in `[dependencies]` (for example allow a newer version), or ask the package's author for a version that fits.",
    )
}

/// Why no version of `name` matches `req`.
fn no_version(p: &Provider<'_>, name: &str, req: &str) -> String {
    let known = p.known.borrow();
    let entries = known
        .get(name)
        .map(|k| k.entries.clone())
        .unwrap_or_default();
    if entries.is_empty() {
        return format!("`{name}` is not in the registry: no package of that name exists.");
    }
    let list = |yanked: bool| -> Vec<String> {
        entries
            .iter()
            .filter(|e| p.allowed(e) != yanked)
            .map(|e| e.version.to_string())
            .collect()
    };
    let (available, yanked) = (list(false), list(true));
    let mut s = format!(
        "No usable version of `{name}` matches {req}; the available versions are {}.",
        if available.is_empty() {
            "none".to_string()
        } else {
            available.join(", ")
        }
    );
    if !yanked.is_empty() {
        s.push_str(&format!(
            " Yanked, and so not chosen: {}.",
            yanked.join(", ")
        ));
    }
    s
}

fn collect_facts(
    p: &Provider<'_>,
    tree: &DerivationTree<Pkg, Ranges<Version>, String>,
    root: &str,
    out: &mut Vec<String>,
) {
    match tree {
        DerivationTree::Derived(d) => {
            collect_facts(p, &d.cause1, root, out);
            collect_facts(p, &d.cause2, root, out);
        }
        DerivationTree::External(e) => match e {
            External::NotRoot(..) => {}
            External::FromDependencyOf(from, from_range, to, to_range) => {
                let Pkg::Named(to_name) = to else { return };
                let req = requirement_text(p, from, to_name, to_range);
                out.push(format!(
                    "{} requires `{to_name}` {req}.",
                    versions_phrase(p, from, from_range, root),
                ));
                // An empty range ends the derivation at once: say why nothing matches.
                if to_range == &Ranges::empty() {
                    out.push(no_version(p, to_name, &req));
                }
            }
            External::NoVersions(pkg, range) => {
                let Pkg::Named(name) = pkg else { return };
                let req = requirement_text(p, &Pkg::Root, name, range);
                out.push(no_version(p, name, &req));
            }
            External::Custom(_, _, m) => out.push(m.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::MemoryIndex;

    fn deps(list: &[(&str, &str)]) -> BTreeMap<String, Dependency> {
        list.iter()
            .map(|(n, r)| {
                (
                    n.to_string(),
                    Dependency {
                        name: n.to_string(),
                        req: semver::VersionReq::parse(r).unwrap(),
                        source: DependencySource::Registry(None),
                    },
                )
            })
            .collect()
    }

    fn run(
        index: &MemoryIndex,
        root_deps: &BTreeMap<String, Dependency>,
        locked: &[Resolved],
        update: &Update,
    ) -> Result<Vec<Resolved>, PkgError> {
        let index: Rc<dyn Index> = Rc::new(index.clone());
        let get = move |_: &str| Ok(index.clone());
        resolve(&ResolveInput {
            root_name: "app",
            root_dir: Path::new("/app"),
            dependencies: root_deps,
            default_registry: Some("http://r"),
            locked,
            update,
            index: &get,
        })
    }

    fn chosen(r: &[Resolved]) -> Vec<String> {
        r.iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect()
    }

    #[test]
    fn picks_the_newest_that_fits_and_backtracks() {
        let mut ix = MemoryIndex::new();
        ix.add("lib", "1.0.0", &[], false);
        ix.add("lib", "2.0.0", &[], false);
        ix.add("util", "2.0.0", &[("lib", "^1")], false);
        ix.add("util", "2.1.0", &[("lib", "^2")], false);
        let r = run(
            &ix,
            &deps(&[("lib", "^1"), ("util", "^2")]),
            &[],
            &Update::Nothing,
        )
        .unwrap();
        assert_eq!(chosen(&r), ["lib 1.0.0", "util 2.0.0"]);
        assert_eq!(r[1].dependencies, ["lib"]);
        assert_eq!(r[1].checksum.as_deref(), Some("cksum-of-util-2.0.0"));
    }

    #[test]
    fn yanked_versions_only_for_a_lock_that_names_them() {
        let mut ix = MemoryIndex::new();
        ix.add("m", "0.1.0", &[], false);
        ix.add("m", "0.1.1", &[], true);
        let d = deps(&[("m", "0.1")]);
        let fresh = run(&ix, &d, &[], &Update::Nothing).unwrap();
        assert_eq!(chosen(&fresh), ["m 0.1.0"]);
        let mut locked = fresh.clone();
        locked[0].version = semver::Version::new(0, 1, 1);
        let kept = run(&ix, &d, &locked, &Update::Nothing).unwrap();
        assert_eq!(chosen(&kept), ["m 0.1.1"]);
        let updated = run(&ix, &d, &locked, &Update::All).unwrap();
        assert_eq!(chosen(&updated), ["m 0.1.0"]);
    }

    #[test]
    fn the_lock_is_preferred_until_updated() {
        let mut ix = MemoryIndex::new();
        ix.add("m", "1.0.0", &[], false);
        ix.add("m", "1.1.0", &[], false);
        ix.add("n", "1.0.0", &[], false);
        ix.add("n", "1.2.0", &[], false);
        let d = deps(&[("m", "1"), ("n", "1")]);
        let mut locked = run(&ix, &d, &[], &Update::Nothing).unwrap();
        for p in &mut locked {
            p.version = semver::Version::new(1, 0, 0);
        }
        assert_eq!(
            chosen(&run(&ix, &d, &locked, &Update::Nothing).unwrap()),
            ["m 1.0.0", "n 1.0.0"]
        );
        assert_eq!(
            chosen(&run(&ix, &d, &locked, &Update::Only(vec!["n".into()])).unwrap()),
            ["m 1.0.0", "n 1.2.0"]
        );
    }

    #[test]
    fn a_conflict_is_explained_in_sentences() {
        let mut ix = MemoryIndex::new();
        ix.add("mathx", "1.0.0", &[("util", "^0.2")], false);
        ix.add("util", "0.2.0", &[], false);
        ix.add("util", "0.3.0", &[], false);
        let e = run(
            &ix,
            &deps(&[("mathx", "1"), ("util", "^0.3")]),
            &[],
            &Update::Nothing,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("No set of versions satisfies"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("`mathx` 1.0.0 requires `util` `^0.2`."),
            "{}",
            e.message
        );
        assert!(
            e.message
                .contains("this package (`app`) requires `util` `^0.3`."),
            "{}",
            e.message
        );
        let e = run(&ix, &deps(&[("nope", "1")]), &[], &Update::Nothing).unwrap_err();
        assert!(
            e.message.contains("`nope` is not in the registry"),
            "{}",
            e.message
        );
        let e = run(&ix, &deps(&[("util", "^5")]), &[], &Update::Nothing).unwrap_err();
        assert!(
            e.message
                .contains("the available versions are 0.2.0, 0.3.0"),
            "{}",
            e.message
        );
    }

    /// A small deterministic generator, so that a failure is reproducible from its seed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const NAMES: &[&str] = &["a", "b", "c", "d"];
    const VERSIONS: &[&str] = &["0.1.0", "0.2.0", "1.0.0"];
    const REQS: &[&str] = &["^0.1", "^0.2", "^1", ">=0.2.0", "*", "<1.0.0", "=0.1.0"];

    type Graph = Vec<(usize, usize, Vec<(usize, usize)>, bool)>;

    /// Does an assignment (one version or none per package) satisfy everything?
    fn brute_force(graph: &Graph, root: &[(usize, usize)]) -> bool {
        let choices = VERSIONS.len() + 1;
        let total = choices.pow(NAMES.len() as u32);
        'next: for code in 0..total {
            let mut pick = [None; 4];
            let mut c = code;
            for slot in &mut pick {
                let k = c % choices;
                c /= choices;
                *slot = (k > 0).then(|| k - 1);
            }
            let ok = |pkg: usize, req: usize| {
                pick[pkg].is_some_and(|v| {
                    semver::VersionReq::parse(REQS[req])
                        .unwrap()
                        .matches(&semver::Version::parse(VERSIONS[v]).unwrap())
                })
            };
            for (pkg, v) in pick.iter().enumerate() {
                let Some(v) = v else { continue };
                let Some((_, _, deps, yanked)) =
                    graph.iter().find(|(p, ver, _, _)| *p == pkg && ver == v)
                else {
                    continue 'next; // a version that does not exist
                };
                if *yanked || !deps.iter().all(|&(d, r)| ok(d, r)) {
                    continue 'next;
                }
            }
            if root.iter().all(|&(d, r)| ok(d, r)) {
                return true;
            }
        }
        false
    }

    #[test]
    fn the_resolver_agrees_with_brute_force_on_random_indexes() {
        for seed in 1..400u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut graph: Graph = Vec::new();
            let mut ix = MemoryIndex::new();
            for (p, name) in NAMES.iter().enumerate() {
                for (v, version) in VERSIONS.iter().enumerate() {
                    if rng.below(4) == 0 {
                        continue;
                    }
                    let mut d = Vec::new();
                    for (q, _) in NAMES.iter().enumerate() {
                        if q != p && rng.below(3) == 0 {
                            d.push((q, rng.below(REQS.len())));
                        }
                    }
                    let yanked = rng.below(6) == 0;
                    let named: Vec<(&str, &str)> =
                        d.iter().map(|&(q, r)| (NAMES[q], REQS[r])).collect();
                    ix.add(name, version, &named, yanked);
                    graph.push((p, v, d, yanked));
                }
            }
            let mut root = Vec::new();
            for q in 0..NAMES.len() {
                if rng.below(2) == 0 {
                    root.push((q, rng.below(REQS.len())));
                }
            }
            let named: Vec<(&str, &str)> = root.iter().map(|&(q, r)| (NAMES[q], REQS[r])).collect();
            let expected = brute_force(&graph, &root);
            match run(&ix, &deps(&named), &[], &Update::Nothing) {
                Ok(solution) => {
                    assert!(
                        expected,
                        "seed {seed}: the resolver found {solution:?}, brute force nothing"
                    );
                    // The solution itself satisfies every requirement and avoids yanked versions.
                    let has = |name: &str, req: &str| {
                        let req = semver::VersionReq::parse(req).unwrap();
                        solution
                            .iter()
                            .any(|p| p.name == name && req.matches(&p.version))
                    };
                    assert!(named.iter().all(|(n, r)| has(n, r)), "seed {seed}");
                    for p in &solution {
                        let (_, _, d, yanked) = graph
                            .iter()
                            .find(|(q, v, _, _)| {
                                NAMES[*q] == p.name && VERSIONS[*v] == p.version.to_string()
                            })
                            .unwrap();
                        assert!(
                            !yanked,
                            "seed {seed}: chose yanked {} {}",
                            p.name, p.version
                        );
                        // The recorded dependencies are the chosen version's, not another's.
                        let declared: BTreeSet<String> =
                            d.iter().map(|&(q, _)| NAMES[q].to_string()).collect();
                        let recorded: BTreeSet<String> = p.dependencies.iter().cloned().collect();
                        assert_eq!(recorded, declared, "seed {seed}: {} {}", p.name, p.version);
                        assert!(
                            d.iter().all(|&(q, r)| has(NAMES[q], REQS[r])),
                            "seed {seed}"
                        );
                    }
                }
                Err(e) => {
                    assert!(
                        !expected,
                        "seed {seed}: brute force found a solution, the resolver said {e}"
                    );
                    assert!(
                        e.message.starts_with("No set of versions"),
                        "seed {seed}: {e}"
                    );
                }
            }
        }
    }
}
