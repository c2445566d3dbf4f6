//! The registry's data on disk: the static index and archives, tokens and owners, and the
//! durable, serialized writes that change them.
//!
//! Durability: a publish writes the archive (temporary file, fsync, rename, fsync of the
//! folder), then the owner if the name is new, then the whole index file the same way. The
//! version becomes visible with the index file's rename, when its archive is already durable,
//! so a crash at any point leaves either no entry or an entry with its archive; an archive
//! without an entry is invisible and overwritten by the next publish of that version. Every
//! write holds an exclusive lock on `DIR/private/lock`, in this process and across processes, which is
//! what makes exactly one of several concurrent publishes of a version win.
//!
//! The layout is `PACKAGES-CONTRACT.md`'s: `DIR/index`, `DIR/archives` (what clients read) and
//! `DIR/private` (tokens, owners, the lock).

use super::{ApiError, archive_path, index_path, normalized_name, validate_registry_name};
use crate::archive::{self, ArchiveErrorKind, Limits};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Publish the first version of a name nobody owns yet (and so become its owner).
    PublishNew,
    /// Publish a new version of a package the token's owner owns.
    PublishUpdate,
    /// Yank and unyank versions of a package the token's owner owns.
    Yank,
}

impl Scope {
    pub const ALL: &[Scope] = &[Scope::PublishNew, Scope::PublishUpdate, Scope::Yank];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PublishNew => "publish-new",
            Scope::PublishUpdate => "publish-update",
            Scope::Yank => "yank",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}

/// A token as the server knows it once it was presented: never the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// A short public identifier, for logs.
    pub id: String,
    pub scopes: Vec<Scope>,
    /// The only package the token may act on, if it is restricted to one.
    pub package: Option<String>,
    /// Who publishes with it: the first publisher of a name owns it, and every token of the
    /// same owner may update it.
    pub owner: String,
}

#[derive(Serialize, Deserialize)]
struct TokenRecord {
    id: String,
    sha256: String,
    scopes: Vec<Scope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    owner: String,
}

#[derive(Default, Serialize, Deserialize)]
struct TokenFile {
    tokens: Vec<TokenRecord>,
}

/// One dependency of an index entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDep {
    pub name: String,
    /// A semver requirement, as Cargo writes them (`^0.1`).
    pub req: String,
}

/// One line of an index file: one published version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub name: String,
    pub vers: String,
    pub deps: Vec<IndexDep>,
    /// The sha256 of the archive, in lowercase hex.
    pub cksum: String,
    pub yanked: bool,
}

/// `index/config.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexConfig {
    /// Where archives are downloaded from: a URL with `{name}` and `{version}` in it.
    pub dl: String,
    /// The base URL of the publish API.
    pub api: String,
}

/// A successful publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub entry: IndexEntry,
    /// Whether the name was new (and now belongs to the token's owner).
    pub new_name: bool,
}

/// A problem with the registry's own files: a full sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryError {
    pub message: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}

impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> ApiError {
        ApiError::new(500, e.message)
    }
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> RegistryError {
    RegistryError {
        message: format!(
            "Could not {action} `{}`: {e}. Check that the registry folder exists and that the server may write to it.",
            path.display()
        ),
    }
}

/// A registry's folder.
#[derive(Clone, Debug)]
pub struct Registry {
    dir: PathBuf,
    limits: Limits,
}

impl Registry {
    /// Opens the registry in `dir`, creating its folders if they do not exist yet.
    pub fn open(dir: &Path) -> Result<Registry, RegistryError> {
        let registry = Registry {
            dir: dir.to_path_buf(),
            limits: Limits::default(),
        };
        for sub in [
            registry.public_dir().join("index"),
            registry.public_dir().join("archives"),
            registry.private_dir(),
        ] {
            std::fs::create_dir_all(&sub).map_err(|e| io_error("create the folder", &sub, &e))?;
        }
        Ok(registry)
    }

    /// Uses other archive limits than [`Limits::default`].
    pub fn with_limits(mut self, limits: Limits) -> Registry {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder whose `index/` and `archives/` clients read (the registry's folder itself).
    pub fn public_dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The folder of what is never served: tokens, owners, the lock.
    pub fn private_dir(&self) -> PathBuf {
        self.dir.join("private")
    }

    fn tokens_file(&self) -> PathBuf {
        self.private_dir().join("tokens.json")
    }

    fn owners_file(&self) -> PathBuf {
        self.private_dir().join("owners.json")
    }

    fn index_file(&self, name: &str) -> PathBuf {
        self.public_dir().join("index").join(index_path(name))
    }

    /// Takes the registry's write lock until the returned file is dropped.
    fn lock(&self) -> Result<File, RegistryError> {
        let path = self.private_dir().join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("open the lock file", &path, &e))?;
        file.lock()
            .map_err(|e| io_error("lock the lock file", &path, &e))?;
        Ok(file)
    }

    /// Writes `config.json`, the file that tells clients where to download and publish.
    pub fn write_config(&self, config: &IndexConfig) -> Result<(), RegistryError> {
        let _lock = self.lock()?;
        let mut text = serde_json::to_string_pretty(config).expect("config serializes");
        text.push('\n');
        write_durably(
            &self.public_dir().join("index/config.json"),
            text.as_bytes(),
        )
    }

    /// Creates a token with `scopes` for `owner` (restricted to `package` if given), stores its
    /// sha256 and returns the token: the only time it is ever seen.
    pub fn create_token(
        &self,
        scopes: &[Scope],
        package: Option<&str>,
        owner: &str,
    ) -> Result<String, RegistryError> {
        let mut random = [0u8; 32];
        let path = Path::new("/dev/urandom");
        File::open(path)
            .and_then(|mut f| f.read_exact(&mut random))
            .map_err(|e| io_error("read random bytes from", path, &e))?;
        let secret: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("holo_{secret}");
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let _lock = self.lock()?;
        let mut file = self.read_tokens()?;
        let hash = archive::sha256_hex(token.as_bytes());
        file.tokens.push(TokenRecord {
            // From the hash, not the secret: the id is logged, and must tell nothing about it.
            id: hash[..8].to_string(),
            sha256: hash,
            scopes,
            package: package.map(str::to_string),
            owner: owner.to_string(),
        });
        let text = serde_json::to_string_pretty(&file).expect("tokens serialize");
        write_durably(&self.tokens_file(), text.as_bytes())?;
        Ok(token)
    }

    fn read_tokens(&self) -> Result<TokenFile, RegistryError> {
        let path = self.tokens_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RegistryError {
                message: format!(
                    "The token file `{}` is damaged ({e}). Restore it from a backup, or move it aside and create new tokens with `holo registry token`.",
                    path.display()
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(e) => Err(io_error("read", &path, &e)),
        }
    }

    /// Finds the token presented in a request. The token file is read each time, so tokens
    /// made by `holo registry token` while the server runs work at once.
    pub fn authenticate(&self, token: &str) -> Result<TokenInfo, ApiError> {
        let hash = archive::sha256_hex(token.trim().as_bytes());
        let file = self.read_tokens()?;
        let record = file.tokens.into_iter().find(|t| t.sha256 == hash);
        match record {
            Some(t) => Ok(TokenInfo {
                id: t.id,
                scopes: t.scopes,
                package: t.package,
                owner: t.owner,
            }),
            None => Err(ApiError::new(
                401,
                "The token is not known to this registry. Check that you copied the whole token printed by `holo registry token`, then run `holo login` again.",
            )),
        }
    }

    fn read_owners(&self) -> Result<BTreeMap<String, String>, RegistryError> {
        let path = self.owners_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RegistryError {
                message: format!(
                    "The owners file `{}` is damaged ({e}). Restore it from a backup.",
                    path.display()
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(io_error("read", &path, &e)),
        }
    }

    /// Every published version of `name`, in publish order (empty if there is none).
    pub fn entries(&self, name: &str) -> Result<Vec<IndexEntry>, RegistryError> {
        let path = self.index_file(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read", &path, &e)),
        };
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                serde_json::from_str(line).map_err(|e| RegistryError {
                    message: format!(
                        "Line {} of the index file `{}` is damaged ({e}). Restore the file from a backup.",
                        n + 1,
                        path.display()
                    ),
                })
            })
            .collect()
    }

    fn write_entries(&self, name: &str, entries: &[IndexEntry]) -> Result<(), RegistryError> {
        let mut text = String::new();
        for entry in entries {
            text.push_str(&serde_json::to_string(entry).expect("entries serialize"));
            text.push('\n');
        }
        write_durably(&self.index_file(name), text.as_bytes())
    }

    /// Publishes an archive with the token `token`: checks the archive, the name, the version
    /// and the token's rights, then writes the archive and the index entry durably.
    pub fn publish(&self, token: &TokenInfo, bytes: &[u8]) -> Result<Published, ApiError> {
        if !token.scopes.contains(&Scope::PublishNew)
            && !token.scopes.contains(&Scope::PublishUpdate)
        {
            return Err(ApiError::new(
                403,
                "This token may not publish: it has neither the `publish-new` nor the `publish-update` scope. Ask the registry's administrator for a token made with `--scopes publish-new,publish-update`.",
            ));
        }
        let info = archive::check(bytes, &self.limits).map_err(|e| {
            let status = match e.kind {
                ArchiveErrorKind::TooLarge => 413,
                ArchiveErrorKind::Io => 500,
                _ => 400,
            };
            ApiError::new(status, e.message)
        })?;
        let name = info.manifest.name.clone();
        let version = info.manifest.version.clone();
        validate_registry_name(&name).map_err(|m| ApiError::new(400, m))?;
        check_package_restriction(token, &name)?;

        let _lock = self.lock()?;
        let mut owners = self.read_owners()?;
        let new_name = match owners.get(&name) {
            Some(owner) if *owner != token.owner => {
                return Err(ApiError::new(
                    403,
                    format!(
                        "The package `{name}` belongs to another owner, so this token may not publish it. Choose another name in `holo.toml`, or ask the owner of `{name}` for a token."
                    ),
                ));
            }
            Some(_) => {
                if !token.scopes.contains(&Scope::PublishUpdate) {
                    return Err(ApiError::new(
                        403,
                        format!(
                            "`{name}` exists already and this token lacks the `publish-update` scope needed to publish a new version of it. Use a token made with `--scopes publish-update`."
                        ),
                    ));
                }
                false
            }
            None => {
                if !token.scopes.contains(&Scope::PublishNew) {
                    return Err(ApiError::new(
                        403,
                        format!(
                            "`{name}` is a new package and this token lacks the `publish-new` scope needed to publish a new name. Use a token made with `--scopes publish-new`."
                        ),
                    ));
                }
                let wanted = normalized_name(&name);
                if let Some(close) = owners.keys().find(|n| normalized_name(n) == wanted) {
                    return Err(ApiError::new(
                        409,
                        format!(
                            "The name `{name}` is too close to the existing package `{close}` (they differ only in case or in `-` and `_`), which would confuse its users. Choose another name in `holo.toml`."
                        ),
                    ));
                }
                true
            }
        };

        let mut entries = self.entries(&name)?;
        let same = |v: &semver::Version| {
            v.major == version.major
                && v.minor == version.minor
                && v.patch == version.patch
                && v.pre == version.pre
        };
        if let Some(existing) = entries
            .iter()
            .find(|e| semver::Version::parse(&e.vers).is_ok_and(|v| same(&v)))
        {
            return Err(ApiError::new(
                409,
                format!(
                    "`{name}` version {} is already published, and versions are immutable: publish {} instead (raise `version` in `holo.toml`).",
                    existing.vers,
                    semver::Version::new(version.major, version.minor, version.patch + 1)
                ),
            ));
        }

        let archive_file = self.public_dir().join(archive_path(&name, &version));
        write_durably(&archive_file, bytes)?;
        if new_name {
            owners.insert(name.clone(), token.owner.clone());
            let text = serde_json::to_string_pretty(&owners).expect("owners serialize");
            write_durably(&self.owners_file(), text.as_bytes())?;
        }
        let entry = IndexEntry {
            name: name.clone(),
            vers: version.to_string(),
            deps: info
                .manifest
                .dependencies
                .values()
                .map(|d| IndexDep {
                    name: d.name.clone(),
                    req: d.req.to_string(),
                })
                .collect(),
            cksum: info.sha256.clone(),
            yanked: false,
        };
        entries.push(entry.clone());
        self.write_entries(&name, &entries)?;
        Ok(Published { entry, new_name })
    }

    /// Yanks (`yanked = true`) or unyanks a published version.
    pub fn set_yanked(
        &self,
        token: &TokenInfo,
        name: &str,
        version: &str,
        yanked: bool,
    ) -> Result<IndexEntry, ApiError> {
        if !token.scopes.contains(&Scope::Yank) {
            return Err(ApiError::new(
                403,
                "This token lacks the `yank` scope. Use a token made with `--scopes yank`.",
            ));
        }
        check_package_restriction(token, name)?;
        let _lock = self.lock()?;
        let owners = self.read_owners()?;
        match owners.get(name) {
            None => {
                return Err(ApiError::new(
                    404,
                    format!("There is no package `{name}` in this registry. Check the name."),
                ));
            }
            Some(owner) if *owner != token.owner => {
                return Err(ApiError::new(
                    403,
                    format!(
                        "The package `{name}` belongs to another owner, so this token may not yank its versions."
                    ),
                ));
            }
            Some(_) => {}
        }
        let mut entries = self.entries(name)?;
        let Some(entry) = entries.iter_mut().find(|e| e.vers == version) else {
            let known: Vec<&str> = entries.iter().map(|e| e.vers.as_str()).collect();
            return Err(ApiError::new(
                404,
                format!(
                    "`{name}` has no version {version}; its versions are {}. Check the version.",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        entry.yanked = yanked;
        let entry = entry.clone();
        self.write_entries(name, &entries)?;
        Ok(entry)
    }
}

fn check_package_restriction(token: &TokenInfo, name: &str) -> Result<(), ApiError> {
    match &token.package {
        Some(only) if only != name => Err(ApiError::new(
            403,
            format!(
                "This token may only act on the package `{only}`, not on `{name}`. Use a token made for `{name}` or one without `--package`."
            ),
        )),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` so that after a crash the file holds either its old content or
/// all of `bytes`: a temporary file beside it, fsync, rename, fsync of the folder.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = path.parent().expect("registry files have a folder");
    if !parent.is_dir() {
        std::fs::create_dir_all(parent).map_err(|e| io_error("create the folder", parent, &e))?;
        // The new folders must be durable too, or the file could vanish with them.
        let mut dir = parent;
        while let Some(up) = dir.parent() {
            sync_dir(up)?;
            // The registry's own folder exists before any write; no need to go higher.
            if up.join("private").is_dir() || up.as_os_str().is_empty() {
                break;
            }
            dir = up;
        }
    }
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = parent.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&temp).map_err(|e| io_error("create", &temp, &e))?;
        file.write_all(bytes)
            .map_err(|e| io_error("write", &temp, &e))?;
        file.sync_all().map_err(|e| io_error("flush", &temp, &e))?;
        std::fs::rename(&temp, path).map_err(|e| io_error("rename a file to", path, &e))?;
        sync_dir(parent)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn sync_dir(dir: &Path) -> Result<(), RegistryError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("flush the folder", dir, &e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::pack_entries;

    fn archive(name: &str, version: &str) -> Vec<u8> {
        let manifest = format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\n");
        pack_entries(
            &format!("{name}-{version}"),
            &[("holo.toml".to_string(), manifest.into_bytes())],
        )
        .unwrap()
    }

    fn token(registry: &Registry, scopes: &[Scope], owner: &str) -> TokenInfo {
        let secret = registry.create_token(scopes, None, owner).unwrap();
        registry.authenticate(&secret).unwrap()
    }

    #[test]
    fn publishes_yanks_and_keeps_versions_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path()).unwrap();
        let alice = token(&registry, Scope::ALL, "alice");
        let published = registry
            .publish(&alice, &archive("mathx", "0.1.0"))
            .unwrap();
        assert!(published.new_name);
        let stored = std::fs::read(
            registry
                .public_dir()
                .join("archives/mathx/mathx-0.1.0.tar.gz"),
        )
        .unwrap();
        assert_eq!(published.entry.cksum, archive::sha256_hex(&stored));
        let again = registry
            .publish(&alice, &archive("mathx", "0.1.0"))
            .unwrap_err();
        assert_eq!(again.status, 409, "{again}");
        assert!(again.message.contains("versions are immutable"), "{again}");
        registry
            .publish(&alice, &archive("mathx", "0.2.0"))
            .unwrap();
        let text = std::fs::read_to_string(registry.public_dir().join("index/mathx")).unwrap();
        assert_eq!(text.lines().count(), 2);

        assert!(
            registry
                .set_yanked(&alice, "mathx", "0.1.0", true)
                .unwrap()
                .yanked
        );
        assert!(registry.entries("mathx").unwrap()[0].yanked);
        assert!(
            !registry
                .set_yanked(&alice, "mathx", "0.1.0", false)
                .unwrap()
                .yanked
        );
        assert_eq!(
            registry
                .set_yanked(&alice, "mathx", "9.0.0", true)
                .unwrap_err()
                .status,
            404
        );
    }

    #[test]
    fn checks_scopes_owners_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path()).unwrap();
        assert_eq!(registry.authenticate("holo_nope").unwrap_err().status, 401);
        let yank_only = token(&registry, &[Scope::Yank], "alice");
        assert_eq!(
            registry
                .publish(&yank_only, &archive("a", "1.0.0"))
                .unwrap_err()
                .status,
            403
        );
        let update_only = token(&registry, &[Scope::PublishUpdate], "alice");
        assert_eq!(
            registry
                .publish(&update_only, &archive("a", "1.0.0"))
                .unwrap_err()
                .status,
            403
        );
        let alice = token(&registry, &[Scope::PublishNew], "alice");
        registry
            .publish(&alice, &archive("my_lib", "1.0.0"))
            .unwrap();
        // Alice's other token may update; Bob's may not.
        registry
            .publish(&update_only, &archive("my_lib", "1.1.0"))
            .unwrap();
        let bob = token(&registry, Scope::ALL, "bob");
        assert_eq!(
            registry
                .publish(&bob, &archive("my_lib", "2.0.0"))
                .unwrap_err()
                .status,
            403
        );
        assert_eq!(
            registry
                .set_yanked(&bob, "my_lib", "1.0.0", true)
                .unwrap_err()
                .status,
            403
        );
        // A name that differs only by case or `-`/`_` is refused.
        let err = registry
            .publish(&bob, &archive("My_lib", "1.0.0"))
            .unwrap_err();
        assert_eq!(err.status, 400, "{err}");
        // A token for one package acts on that package only.
        let secret = registry
            .create_token(Scope::ALL, Some("other"), "bob")
            .unwrap();
        let narrow = registry.authenticate(&secret).unwrap();
        assert_eq!(
            registry
                .publish(&narrow, &archive("third", "1.0.0"))
                .unwrap_err()
                .status,
            403
        );
        registry
            .publish(&narrow, &archive("other", "1.0.0"))
            .unwrap();
    }

    #[test]
    fn concurrent_publishes_of_one_version_have_one_winner() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::open(dir.path()).unwrap();
        let alice = token(&registry, Scope::ALL, "alice");
        let results: Vec<Result<Published, ApiError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| registry.publish(&alice, &archive("race", "1.0.0"))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| e.status == 409)
        );
        assert_eq!(registry.entries("race").unwrap().len(), 1);
    }
}
