//! Package archives: packing a package reproducibly, and checking and unpacking untrusted ones.
//!
//! An archive is a gzip-compressed tar file whose every entry lives under one folder named
//! `NAME-VERSION/`, with the manifest at `NAME-VERSION/holo.toml`. The same [`check`] runs on the
//! registry server before anything is written and on the client before anything is unpacked, so
//! both sides refuse exactly the same archives:
//!
//! - only regular files and folders; no symbolic or hard links, devices, FIFOs or sparse files,
//!   because each of those can make an unpacker write or read outside its folder;
//! - paths are relative UTF-8, without `..`, `.`, empty components or backslashes, all under the
//!   one `NAME-VERSION/` folder, and no path twice (a second copy could replace a checked file);
//! - bounded compressed size, unpacked size, file count and compression ratio. The archive is
//!   read as a stream and the read stops as soon as a bound is passed, so a zip bomb is refused
//!   after reading at most the bound, never unpacked in full;
//! - the manifest is parsed with [`Manifest::parse`], is at most [`Limits::max_manifest`] bytes,
//!   and its name and version are the folder's.
//!
//! [`pack`] writes archives that are the same bytes for the same files on every machine: sorted
//! entries, modification time 0, modes 0644/0755, no owner names, a gzip header without time or
//! file name. The checksum of an archive ([`sha256_hex`]) is what the index records.

use crate::manifest::{MANIFEST_FILE, Manifest};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The bounds an archive must stay within. [`Limits::default`] is what the registry server and
/// the client use unless they are told otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes of `.tar.gz` accepted.
    pub max_compressed: u64,
    /// The most bytes the tar stream may have once decompressed (headers included).
    pub max_unpacked: u64,
    /// The most files (folders not counted).
    pub max_files: usize,
    /// The most the archive may grow when decompressed, as unpacked bytes per compressed byte.
    /// Source text compresses 3–10 times; a bomb compresses a thousand times or more.
    pub max_ratio: u64,
    /// Archives that unpack to less than this are never refused for their ratio: a small
    /// package of repetitive text can legitimately compress very well.
    pub ratio_floor: u64,
    /// The most bytes `holo.toml` may have.
    pub max_manifest: u64,
    /// The longest path inside the archive, in bytes.
    pub max_path: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_compressed: 10 * 1024 * 1024,
            max_unpacked: 50 * 1024 * 1024,
            max_files: 5_000,
            max_ratio: 100,
            ratio_floor: 1024 * 1024,
            max_manifest: 64 * 1024,
            max_path: 255,
        }
    }
}

/// What kind of problem an [`ArchiveError`] is, for callers that answer differently (the
/// registry answers `413` for sizes and `400` for the rest) and for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveErrorKind {
    /// Reading or writing files failed.
    Io,
    /// The bytes are not a gzip-compressed tar archive, or it is truncated.
    Corrupt,
    /// A size, count or ratio bound was passed.
    TooLarge,
    /// A path that is absolute, has `..`, is not UTF-8, is outside `NAME-VERSION/`, or repeats.
    BadPath,
    /// A symbolic link, hard link, device, FIFO or other entry that is not a file or folder.
    BadEntry,
    /// The manifest is missing, invalid, or names another package or version.
    Manifest,
}

/// Why an archive could not be packed, checked or unpacked. The message is a full sentence
/// saying what is wrong, where, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveError {
    pub kind: ArchiveErrorKind,
    pub message: String,
}

impl ArchiveError {
    fn new(kind: ArchiveErrorKind, message: impl Into<String>) -> ArchiveError {
        ArchiveError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArchiveError {}

/// What [`check`] learnt about a valid archive.
#[derive(Clone, Debug)]
pub struct CheckedArchive {
    /// The package's name, from its manifest (and its folder).
    pub name: String,
    /// The package's version, from its manifest (and its folder).
    pub version: semver::Version,
    /// The text of `NAME-VERSION/holo.toml`.
    pub manifest_text: String,
    /// The manifest inside, parsed, already checked to match the folder name.
    pub manifest: Manifest,
    /// The folder every entry lives in: `NAME-VERSION`.
    pub root: String,
    /// Every file, relative to `root`, with `/` separators, in archive order.
    pub files: Vec<String>,
    /// The total size of the files, in bytes.
    pub unpacked_size: u64,
    /// The sha256 of the archive bytes, in lowercase hex.
    pub sha256: String,
}

/// An archive made by [`pack`].
#[derive(Clone, Debug)]
pub struct Packed {
    /// The `.tar.gz` bytes.
    pub bytes: Vec<u8>,
    /// What is inside, as [`check`] sees it (the packer checks its own output).
    pub checked: CheckedArchive,
}

/// The sha256 of `bytes` in lowercase hex: the `cksum` of the index.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The folder name of a package's archive: `NAME-VERSION`.
pub fn root_name(name: &str, version: &semver::Version) -> String {
    format!("{name}-{version}")
}

/// The files of the package at `root` that go into its archive, relative to `root`, with `/`
/// separators, sorted: everything except `target/` at the top and hidden files and folders
/// (`.git`, `.holo`, editor files) anywhere. A symbolic link or a name that is not UTF-8 is an
/// error rather than skipped, so that a package never silently loses a file.
pub fn package_files(root: &Path) -> Result<Vec<String>, ArchiveError> {
    let mut out = Vec::new();
    collect(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), ArchiveError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("read the folder", dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("read the folder", dir, &e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(ArchiveError::new(
                ArchiveErrorKind::BadPath,
                format!(
                    "`{}` has a name that is not UTF-8, and archives hold only UTF-8 names. Rename it.",
                    path.display()
                ),
            ));
        };
        if name.starts_with('.') || (dir == root && name == "target") {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|e| io_error("inspect", &path, &e))?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("collected paths are under the root");
            let rel: Vec<&str> = rel
                .components()
                .map(|c| c.as_os_str().to_str().unwrap_or_default())
                .collect();
            out.push(rel.join("/"));
        } else {
            return Err(ArchiveError::new(
                ArchiveErrorKind::BadEntry,
                format!(
                    "`{}` is a symbolic link or special file, and archives hold only regular files and folders. Replace it with a copy of the file, or move it out of the package.",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Packs the package at `package_root` (its `holo.toml` and [`package_files`]) into a
/// reproducible `.tar.gz`, checked with [`Limits::default`] so that a package the registry
/// would refuse is refused here first.
pub fn pack(package_root: &Path) -> Result<Vec<u8>, ArchiveError> {
    pack_checked(package_root, &Limits::default()).map(|packed| packed.bytes)
}

/// [`pack`] with other limits, also returning what [`check`] found (for `--dry-run` lists).
pub fn pack_checked(root: &Path, limits: &Limits) -> Result<Packed, ArchiveError> {
    let manifest_path = root.join(MANIFEST_FILE);
    let manifest = Manifest::load(&manifest_path)
        .map_err(|e| ArchiveError::new(ArchiveErrorKind::Manifest, format!("{e}.")))?;
    let files = package_files(root)?;
    let folder = root_name(&manifest.name, &manifest.version);
    let mut contents = Vec::with_capacity(files.len());
    for file in &files {
        let path = root.join(file);
        let data = std::fs::read(&path).map_err(|e| io_error("read", &path, &e))?;
        contents.push((file.clone(), data));
    }
    let bytes =
        pack_entries(&folder, &contents).map_err(|e| io_error("write the archive of", root, &e))?;
    let checked = check(&bytes, limits)?;
    Ok(Packed { bytes, checked })
}

/// Writes `files` (paths relative to `folder`, sorted here) as a reproducible `.tar.gz`.
pub fn pack_entries(folder: &str, files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    // The gzip header gets no time and no file name, and a fixed "unknown" OS byte: the same
    // files then give the same bytes on every machine.
    let gz = flate2::GzBuilder::new()
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    builder.mode(tar::HeaderMode::Deterministic);
    // Folders are listed explicitly, before their contents, so that any unpacker creates them
    // with a known mode rather than its own default.
    let mut emitted = BTreeSet::new();
    let mut emit_folder = |builder: &mut tar::Builder<_>, name: &str| -> io::Result<()> {
        if emitted.insert(name.to_string()) {
            let mut header = fixed_header(tar::EntryType::Directory, 0o755, 0);
            builder.append_data(&mut header, format!("{name}/"), io::empty())?;
        }
        Ok(())
    };
    emit_folder(&mut builder, folder)?;
    for (path, data) in sorted {
        let mut prefix = String::new();
        for part in path
            .split('/')
            .rev()
            .skip(1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            emit_folder(&mut builder, &format!("{folder}/{prefix}"))?;
        }
        let mut header = fixed_header(tar::EntryType::Regular, 0o644, data.len() as u64);
        builder.append_data(&mut header, format!("{folder}/{path}"), data.as_slice())?;
    }
    let gz = builder.into_inner()?;
    gz.finish()
}

fn fixed_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

/// Checks an untrusted archive against every rule of the module docs without writing anything,
/// and says what is inside.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<CheckedArchive, ArchiveError> {
    walk(bytes, limits, &mut |_, _| Ok(()))
}

/// Checks the archive, then unpacks it under `dest`: its `NAME-VERSION/` folder becomes
/// `dest/NAME-VERSION` (so with `dest` = `$HOLO_HOME/packages`, the package lands in
/// `$HOLO_HOME/packages/NAME-VERSION/`). Nothing is written unless the whole archive passed
/// [`check`], and nothing outside `dest`; the files go into a temporary folder inside `dest`
/// that is renamed into place, so a crash never leaves a half-unpacked package under the final
/// name. If `dest/NAME-VERSION` exists already (another process unpacked the same package
/// first), it is kept.
pub fn unpack(bytes: &[u8], dest: &Path, limits: &Limits) -> Result<(), ArchiveError> {
    unpack_checked(bytes, dest, limits).map(|_| ())
}

/// [`unpack`], also returning the package's folder and what [`check`] found.
pub fn unpack_checked(
    bytes: &[u8],
    into: &Path,
    limits: &Limits,
) -> Result<(PathBuf, CheckedArchive), ArchiveError> {
    let info = check(bytes, limits)?;
    let target = into.join(&info.root);
    if target.is_dir() {
        return Ok((target, info));
    }
    std::fs::create_dir_all(into).map_err(|e| io_error("create the folder", into, &e))?;
    let temp = into.join(format!(
        ".{}.tmp-{}-{}",
        info.root,
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let result = write_entries(bytes, limits, &temp, &info.root).and_then(|()| {
        match std::fs::rename(&temp, &target) {
            Ok(()) => Ok(()),
            // Someone else finished the same package first: theirs is as good as ours.
            Err(_) if target.is_dir() => Ok(()),
            Err(e) => Err(io_error("move the unpacked package into", &target, &e)),
        }
    });
    if temp.exists() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    result.map(|()| (target, info))
}

fn write_entries(
    bytes: &[u8],
    limits: &Limits,
    temp: &Path,
    root: &str,
) -> Result<(), ArchiveError> {
    std::fs::create_dir(temp).map_err(|e| io_error("create the folder", temp, &e))?;
    walk(bytes, limits, &mut |rel, data| {
        // `rel` was checked: relative, no `..`, under `root`. Strip the root and join the rest
        // component by component, so the path cannot leave `temp`.
        let rest = rel.strip_prefix(root).unwrap_or("").trim_start_matches('/');
        let mut path = temp.to_path_buf();
        for part in rest.split('/').filter(|p| !p.is_empty()) {
            path.push(part);
        }
        match data {
            None => {
                std::fs::create_dir_all(&path).map_err(|e| io_error("create the folder", &path, &e))
            }
            Some(data) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| io_error("create the folder", parent, &e))?;
                }
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map_err(|e| io_error("create", &path, &e))?;
                file.write_all(data)
                    .map_err(|e| io_error("write", &path, &e))
            }
        }
    })
    .map(|_| ())
}

/// Counts the bytes read through it and fails the read once `limit` is passed, so that a
/// decompressor reading through it stops at the bound.
struct Bounded<R> {
    inner: R,
    read: u64,
    limit: u64,
    passed: Arc<AtomicBool>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            self.passed.store(true, Ordering::Relaxed);
            return Err(io::Error::other("the archive is larger than allowed"));
        }
        Ok(n)
    }
}

/// What [`walk`] calls for each entry: its path, and a file's content or `None` for a folder.
type Visitor<'a> = dyn FnMut(&str, Option<&[u8]>) -> Result<(), ArchiveError> + 'a;

/// Reads every entry, applying every check, and hands each file's path and content (or a
/// folder's path and `None`) to `visit`. The manifest's checks run at the end, so a visitor that
/// writes must only do so after a first `walk` succeeded.
fn walk(
    bytes: &[u8],
    limits: &Limits,
    visit: &mut Visitor<'_>,
) -> Result<CheckedArchive, ArchiveError> {
    let compressed = bytes.len() as u64;
    if compressed > limits.max_compressed {
        return Err(ArchiveError::new(
            ArchiveErrorKind::TooLarge,
            format!(
                "The archive is {compressed} bytes, more than the limit of {} bytes. Leave large files out of the package.",
                limits.max_compressed
            ),
        ));
    }
    let by_ratio = compressed
        .saturating_mul(limits.max_ratio)
        .max(limits.ratio_floor);
    let limit = limits.max_unpacked.min(by_ratio);
    let passed = Arc::new(AtomicBool::new(false));
    let stream = Bounded {
        // The `bufread` decoder over the slice itself, so that after the stream ends the rest of
        // the slice shows whether anything follows it.
        inner: flate2::bufread::GzDecoder::new(bytes),
        read: 0,
        limit,
        passed: passed.clone(),
    };
    let too_large = || {
        if limit < limits.max_unpacked {
            ArchiveError::new(
                ArchiveErrorKind::TooLarge,
                format!(
                    "The archive unpacks to more than {limit} bytes, over {} times its compressed size of {compressed} bytes; it looks like a decompression bomb and was not unpacked. Leave generated or repetitive data out of the package.",
                    limits.max_ratio
                ),
            )
        } else {
            ArchiveError::new(
                ArchiveErrorKind::TooLarge,
                format!(
                    "The archive unpacks to more than the limit of {} bytes. Leave large files out of the package.",
                    limits.max_unpacked
                ),
            )
        }
    };
    let corrupt = |e: &io::Error| {
        ArchiveError::new(
            ArchiveErrorKind::Corrupt,
            format!(
                "The archive is not a valid .tar.gz file ({e}). Pack it again with `holo publish --dry-run`."
            ),
        )
    };

    let mut archive = tar::Archive::new(stream);
    let entries = archive.entries().map_err(|e| corrupt(&e))?;
    let mut root: Option<String> = None;
    let mut seen: BTreeMap<String, bool> = BTreeMap::new();
    let mut files = Vec::new();
    let mut unpacked = 0u64;
    let mut manifest_text: Option<String> = None;
    let mut buffer = Vec::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(_) if passed.load(Ordering::Relaxed) => return Err(too_large()),
            Err(e) => return Err(corrupt(&e)),
        };
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let Ok(path) = String::from_utf8(raw) else {
            return Err(bad_path(&shown, "its name is not UTF-8"));
        };
        let kind = entry.header().entry_type();
        let is_dir = match kind {
            tar::EntryType::Regular => false,
            tar::EntryType::Directory => true,
            other => {
                let what = match other {
                    tar::EntryType::Symlink => "a symbolic link",
                    tar::EntryType::Link => "a hard link",
                    tar::EntryType::Char => "a character device",
                    tar::EntryType::Block => "a block device",
                    tar::EntryType::Fifo => "a FIFO",
                    tar::EntryType::GNUSparse => "a sparse file",
                    _ => "neither a file nor a folder",
                };
                return Err(ArchiveError::new(
                    ArchiveErrorKind::BadEntry,
                    format!(
                        "The archive entry `{path}` is {what}; archives may hold only regular files and folders. Pack the package with `holo publish`, which never adds links."
                    ),
                ));
            }
        };
        let trimmed = if is_dir {
            path.strip_suffix('/').unwrap_or(&path)
        } else {
            path.as_str()
        };
        if trimmed.len() > limits.max_path {
            return Err(bad_path(
                &path,
                &format!("it is longer than {} bytes", limits.max_path),
            ));
        }
        if trimmed.starts_with('/') {
            return Err(bad_path(&path, "it is absolute"));
        }
        if trimmed.contains('\\') {
            return Err(bad_path(&path, "it contains a backslash"));
        }
        let parts: Vec<&str> = trimmed.split('/').collect();
        if let Some(part) = parts
            .iter()
            .find(|p| p.is_empty() || **p == "." || **p == ".." || p.contains(['\0', ':']))
        {
            let problem = match *part {
                ".." => "it has a `..` component that would leave the package folder".to_string(),
                "" => "it has an empty component".to_string(),
                other => format!("it has the component `{other}`"),
            };
            return Err(bad_path(&path, &problem));
        }
        match &root {
            None => root = Some(parts[0].to_string()),
            Some(r) if r != parts[0] => {
                return Err(bad_path(
                    &path,
                    &format!("it is outside the package folder `{r}/`"),
                ));
            }
            Some(_) => {}
        }
        if parts.len() == 1 && !is_dir {
            return Err(bad_path(
                &path,
                "it is a file where the package folder should be",
            ));
        }
        // A file where a folder is needed, or a path listed twice, could replace what was
        // checked: refuse both.
        for depth in 1..parts.len() {
            if seen.get(&parts[..depth].join("/")) == Some(&false) {
                return Err(bad_path(
                    &path,
                    "a file of the archive has the name of its folder",
                ));
            }
        }
        if let Some(previous) = seen.insert(trimmed.to_string(), is_dir)
            && !(previous && is_dir)
        {
            return Err(bad_path(&path, "it is in the archive twice"));
        }
        if is_dir {
            visit(trimmed, None)?;
            continue;
        }
        files.push(parts[1..].join("/"));
        if files.len() > limits.max_files {
            return Err(ArchiveError::new(
                ArchiveErrorKind::TooLarge,
                format!(
                    "The archive has more than {} files. Leave generated files out of the package.",
                    limits.max_files
                ),
            ));
        }
        let size = entry.header().size().map_err(|e| corrupt(&e))?;
        let is_manifest = parts.len() == 2 && parts[1] == MANIFEST_FILE;
        if is_manifest && size > limits.max_manifest {
            return Err(ArchiveError::new(
                ArchiveErrorKind::Manifest,
                format!(
                    "The archive's `{path}` is {size} bytes, more than the limit of {} bytes for a manifest. Shorten the manifest.",
                    limits.max_manifest
                ),
            ));
        }
        unpacked = unpacked.saturating_add(size);
        if unpacked > limits.max_unpacked {
            return Err(too_large());
        }
        buffer.clear();
        if let Err(e) = (&mut entry).take(size).read_to_end(&mut buffer) {
            return Err(if passed.load(Ordering::Relaxed) {
                too_large()
            } else {
                corrupt(&e)
            });
        }
        if is_manifest {
            match String::from_utf8(buffer.clone()) {
                Ok(text) => manifest_text = Some(text),
                Err(_) => {
                    return Err(ArchiveError::new(
                        ArchiveErrorKind::Manifest,
                        format!(
                            "The archive's `{path}` is not UTF-8 text. Save the manifest as UTF-8."
                        ),
                    ));
                }
            }
        }
        visit(trimmed, Some(&buffer))?;
    }
    // Whatever follows the tar's end inside the gzip stream is read (within the same bound)
    // and dropped; bytes after the gzip stream, such as a second gzip member that other tools
    // would unpack, make the archive mean different things to different readers: refuse them.
    let mut stream = archive.into_inner();
    if let Err(e) = io::copy(&mut stream, &mut io::sink()) {
        return Err(if passed.load(Ordering::Relaxed) {
            too_large()
        } else {
            corrupt(&e)
        });
    }
    if passed.load(Ordering::Relaxed) {
        return Err(too_large());
    }
    if !stream.inner.get_ref().is_empty() {
        return Err(ArchiveError::new(
            ArchiveErrorKind::Corrupt,
            format!(
                "The archive has {} bytes after the end of its gzip stream, which other tools might read as more files. Pack it again with `holo publish --dry-run`.",
                stream.inner.get_ref().len()
            ),
        ));
    }

    let Some(root) = root else {
        return Err(ArchiveError::new(
            ArchiveErrorKind::Manifest,
            "The archive is empty. Pack the package with `holo publish`.",
        ));
    };
    let Some(text) = manifest_text else {
        return Err(ArchiveError::new(
            ArchiveErrorKind::Manifest,
            format!(
                "The archive has no `{root}/{MANIFEST_FILE}`. Every package archive carries its manifest at `NAME-VERSION/{MANIFEST_FILE}`."
            ),
        ));
    };
    let manifest_path = PathBuf::from(format!("{root}/{MANIFEST_FILE}"));
    let manifest = Manifest::parse(&text, &manifest_path).map_err(|e| {
        let hint = e
            .hint
            .as_deref()
            .map(|h| format!(" {h}"))
            .unwrap_or_default();
        ArchiveError::new(
            ArchiveErrorKind::Manifest,
            format!("The archive's manifest is invalid: {e}.{hint}"),
        )
    })?;
    let expected = root_name(&manifest.name, &manifest.version);
    if root != expected {
        return Err(ArchiveError::new(
            ArchiveErrorKind::Manifest,
            format!(
                "The archive's folder is `{root}/` but its manifest describes `{}` version {}, whose folder is `{expected}/`. Pack the package with `holo publish` so that the two agree.",
                manifest.name, manifest.version
            ),
        ));
    }
    Ok(CheckedArchive {
        name: manifest.name.clone(),
        version: manifest.version.clone(),
        manifest_text: text,
        manifest,
        root,
        files,
        unpacked_size: unpacked,
        sha256: sha256_hex(bytes),
    })
}

fn bad_path(path: &str, problem: &str) -> ArchiveError {
    ArchiveError::new(
        ArchiveErrorKind::BadPath,
        format!(
            "The archive entry `{}` is refused: {problem}. Archives hold relative UTF-8 paths under one `NAME-VERSION/` folder; pack the package with `holo publish`.",
            path.escape_debug()
        ),
    )
}

fn io_error(action: &str, path: &Path, e: &io::Error) -> ArchiveError {
    ArchiveError::new(
        ArchiveErrorKind::Io,
        format!(
            "Could not {action} `{}`: {e}. Check that the path exists and that you may use it.",
            path.display()
        ),
    )
}

#[cfg(test)]
mod tests;
