//! The registry index: which versions of a package exist, what each depends on, its checksum
//! and whether it is yanked. The resolver reads it through the [`Index`] trait, so tests use
//! [`MemoryIndex`] and real commands [`HttpIndex`] (the sparse index of
//! [`crate::registry`]: `GET R/index/{name}`, one JSON line per version), cached on disk
//! for `--offline`.

use crate::error::PkgError;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One published version of a package, as one line of the index describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub version: semver::Version,
    pub deps: Vec<IndexDep>,
    /// sha256 (hex) of the version's `.tar.gz`.
    pub cksum: String,
    pub yanked: bool,
}

/// A dependency of a published version; it comes from the same registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDep {
    pub name: String,
    pub req: semver::VersionReq,
}

/// Where the resolver learns which versions exist.
pub trait Index {
    /// Every published version of `name` (yanked ones included, flagged), in any order; empty
    /// when the registry has no package of that name.
    fn versions(&self, name: &str) -> Result<Vec<IndexEntry>, PkgError>;
}

/// An index held in memory, for tests and for benchmarks.
#[derive(Clone, Debug, Default)]
pub struct MemoryIndex {
    packages: BTreeMap<String, Vec<IndexEntry>>,
}

impl MemoryIndex {
    pub fn new() -> MemoryIndex {
        MemoryIndex::default()
    }

    /// Adds a version: `deps` as `(name, requirement)` pairs.
    pub fn add(&mut self, name: &str, version: &str, deps: &[(&str, &str)], yanked: bool) {
        let entry = IndexEntry {
            name: name.to_string(),
            version: semver::Version::parse(version).expect("a valid version"),
            deps: deps
                .iter()
                .map(|(n, r)| IndexDep {
                    name: n.to_string(),
                    req: semver::VersionReq::parse(r).expect("a valid requirement"),
                })
                .collect(),
            cksum: format!("cksum-of-{name}-{version}"),
            yanked,
        };
        self.packages
            .entry(name.to_string())
            .or_default()
            .push(entry);
    }
}

impl Index for MemoryIndex {
    fn versions(&self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        Ok(self.packages.get(name).cloned().unwrap_or_default())
    }
}

#[derive(Deserialize)]
struct RawEntry {
    name: String,
    vers: String,
    #[serde(default)]
    deps: Vec<RawDep>,
    cksum: String,
    #[serde(default)]
    yanked: bool,
}

#[derive(Deserialize)]
struct RawDep {
    name: String,
    req: String,
}

/// Parses an index file (one JSON object per line). `what` names the file in errors.
pub fn parse_index_file(text: &str, what: &str) -> Result<Vec<IndexEntry>, PkgError> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |detail: String| {
            PkgError::new(format!(
                "Line {} of the index file {what} is not a valid index entry: {detail}.",
                i + 1
            ))
            .hint("The registry serves a damaged index; tell its operator, or delete the local index cache (`$HOLO_HOME/index-cache/`) if only the copy is damaged.")
        };
        let raw: RawEntry = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let version = semver::Version::parse(&raw.vers).map_err(|e| bad(e.to_string()))?;
        let mut deps = Vec::new();
        for d in raw.deps {
            let req = semver::VersionReq::parse(&d.req).map_err(|e| bad(e.to_string()))?;
            deps.push(IndexDep { name: d.name, req });
        }
        entries.push(IndexEntry {
            name: raw.name,
            version,
            deps,
            cksum: raw.cksum,
            yanked: raw.yanked,
        });
    }
    Ok(entries)
}

/// `GET R/index/config.json`: where archives are downloaded from and writes are sent.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct RegistryConfig {
    pub dl: String,
    pub api: String,
}

/// The HTTP agent every registry request uses: statuses are values (a 404 is an answer, not a
/// transport error) and nothing waits forever.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// A response: status and body.
pub(crate) fn http_get(agent: &ureq::Agent, url: &str) -> Result<(u16, Vec<u8>), PkgError> {
    http_get_if(agent, url, None).map(|(status, body, _)| (status, body))
}

/// A response to a GET that is answered `304 Not Modified` (with no body) when the resource
/// still has the entity tag `etag`; the answer's own entity tag comes back too.
pub(crate) fn http_get_if(
    agent: &ureq::Agent,
    url: &str,
    etag: Option<&str>,
) -> Result<(u16, Vec<u8>, Option<String>), PkgError> {
    let mut request = agent.get(url);
    if let Some(tag) = etag {
        request = request.header("If-None-Match", tag);
    }
    let mut resp = request.call().map_err(|e| {
        PkgError::new(format!("Could not reach the registry at {url}: {e}."))
            .hint("Check that the registry URL is right and the server runs, or pass `--offline` to use only what is cached locally.")
    })?;
    let status = resp.status().as_u16();
    let tag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .map_err(|e| {
            PkgError::new(format!("Could not read the answer of {url}: {e}."))
                .hint("Try again; if it keeps failing, the registry is unwell.")
        })?;
    Ok((status, body, tag))
}

/// The folder under `$HOLO_HOME/index-cache/` for registry `url`: the URL made a file name.
pub fn cache_dir_for(home: &Path, url: &str) -> PathBuf {
    let name: String = url
        .trim_end_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    home.join("index-cache").join(name)
}

/// The sparse HTTP index of one registry, with a disk cache: every index file fetched is kept
/// in the cache, and with `offline` only the cache is read.
pub struct HttpIndex {
    url: String,
    cache: PathBuf,
    offline: bool,
    agent: ureq::Agent,
    memo: RefCell<HashMap<String, Vec<IndexEntry>>>,
}

impl std::fmt::Debug for HttpIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpIndex").field("url", &self.url).finish()
    }
}

impl HttpIndex {
    pub fn new(url: &str, home: &Path, offline: bool) -> HttpIndex {
        let url = url.trim_end_matches('/').to_string();
        HttpIndex {
            cache: cache_dir_for(home, &url),
            url,
            offline,
            agent: agent(),
            memo: RefCell::new(HashMap::new()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `config.json` of the registry (from the cache when offline).
    pub fn config(&self) -> Result<RegistryConfig, PkgError> {
        let cached = self.cache.join("config.json");
        let text = if self.offline {
            std::fs::read(&cached).map_err(|_| self.not_cached("config.json"))?
        } else {
            let url = format!("{}/index/config.json", self.url);
            let (status, body) = http_get(&self.agent, &url)?;
            if status != 200 {
                return Err(PkgError::new(format!(
                    "The registry at {} answered {status} for its configuration ({url}).",
                    self.url
                ))
                .hint("Check that the URL points at a holo registry (it serves `/index/config.json`)."));
            }
            write_cache(&cached, &body);
            body
        };
        serde_json::from_slice(&text).map_err(|e| {
            PkgError::new(format!(
                "The configuration of the registry at {} is not valid: {e}.",
                self.url
            ))
            .hint("Tell the registry's operator; `index/config.json` must be `{\"dl\": URL, \"api\": URL}`.")
        })
    }

    fn not_cached(&self, what: &str) -> PkgError {
        PkgError::new(format!(
            "`{what}` of the registry at {} is not in the local cache, and `--offline` forbids downloading it.",
            self.url
        ))
        .hint("Run the command once without `--offline` so that holo can cache what it needs.")
    }
}

fn write_cache(path: &Path, bytes: &[u8]) {
    // A cache that cannot be written only costs a download next time; it never fails a command.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, bytes).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

impl Index for HttpIndex {
    fn versions(&self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
        if let Some(v) = self.memo.borrow().get(name) {
            return Ok(v.clone());
        }
        let cached = self.cache.join(name);
        let entries = if self.offline {
            let text = std::fs::read_to_string(&cached)
                .map_err(|_| self.not_cached(&format!("The index of `{name}`")))?;
            parse_index_file(&text, &cached.display().to_string())?
        } else {
            let url = format!("{}/index/{}", self.url, crate::registry::index_path(name));
            // The cached copy is revalidated, not downloaded again, when the registry says it
            // has not changed (its entity tag, kept beside the copy).
            let etag_file = self.cache.join(format!("{name}.etag"));
            let known = std::fs::read_to_string(&etag_file)
                .ok()
                .filter(|_| cached.is_file());
            let (status, body, etag) = http_get_if(&self.agent, &url, known.as_deref())?;
            match status {
                304 => {
                    let text = std::fs::read_to_string(&cached)
                        .map_err(|_| self.not_cached(&format!("The index of `{name}`")))?;
                    parse_index_file(&text, &cached.display().to_string())?
                }
                200 => {
                    let text = String::from_utf8_lossy(&body).into_owned();
                    let entries = parse_index_file(&text, &url)?;
                    write_cache(&cached, &body);
                    match etag {
                        Some(tag) => write_cache(&etag_file, tag.as_bytes()),
                        None => {
                            let _ = std::fs::remove_file(&etag_file);
                        }
                    }
                    entries
                }
                404 => Vec::new(),
                _ => {
                    return Err(PkgError::new(format!(
                        "The registry at {} answered {status} for the index of `{name}` ({url}).",
                        self.url
                    ))
                    .hint("Try again later; if it keeps failing, tell the registry's operator."));
                }
            }
        };
        self.memo
            .borrow_mut()
            .insert(name.to_string(), entries.clone());
        Ok(entries)
    }
}
