//! Tests of packing, checking and unpacking, with a corpus of malicious archives built here byte
//! by byte (the `tar` crate's builder refuses to write most of them, which is the point).

use super::*;

const MANIFEST: &str = "[package]\nname = \"mathx\"\nversion = \"0.1.0\"\n";

fn good_files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("holo.toml".to_string(), MANIFEST.as_bytes().to_vec()),
        (
            "src/lib.holo".to_string(),
            b"pub fn square(x: i64) -> i64 { x * x }\n".to_vec(),
        ),
        (
            "src/geometry/shapes.holo".to_string(),
            b"pub fn one() -> i64 { 1 }\n".to_vec(),
        ),
    ]
}

/// One raw tar entry: a ustar header with `name` and `link` written as raw bytes (so that `..`,
/// absolute and non-UTF-8 names can be made), then the data padded to 512 bytes.
fn raw_entry(name: &[u8], kind: u8, data: &[u8], link: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    header.set_entry_type(tar::EntryType::new(kind));
    header.set_mode(0o644);
    header.set_size(data.len() as u64);
    header.set_mtime(0);
    header.set_cksum();
    let mut out = header.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

fn gzip(tar: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(tar).unwrap();
    gz.finish().unwrap()
}

/// A gzipped tar of a valid manifest followed by `extra` entries.
fn archive_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', MANIFEST.as_bytes(), b"");
    for entry in extra {
        tar.extend_from_slice(entry);
    }
    tar.extend_from_slice(&[0; 1024]);
    gzip(&tar)
}

fn refused(bytes: &[u8]) -> ArchiveError {
    let err = check(bytes, &Limits::default()).expect_err("the archive must be refused");
    // Unpacking must refuse it too, and write nothing at all.
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("packages");
    let unpack_err = unpack(bytes, &into, &Limits::default()).expect_err("unpack must refuse");
    assert_eq!(unpack_err, err);
    assert!(
        !into.exists(),
        "nothing may be written for a refused archive"
    );
    err
}

#[test]
fn packs_reproducibly_and_checks_its_own_output() {
    let a = pack_entries("mathx-0.1.0", &good_files()).unwrap();
    let mut reversed = good_files();
    reversed.reverse();
    let b = pack_entries("mathx-0.1.0", &reversed).unwrap();
    assert_eq!(a, b, "the same files give the same bytes in any order");
    let info = check(&a, &Limits::default()).unwrap();
    assert_eq!(info.root, "mathx-0.1.0");
    assert_eq!(info.manifest.name, "mathx");
    assert_eq!(
        info.files,
        ["holo.toml", "src/geometry/shapes.holo", "src/lib.holo"]
    );
    assert_eq!(info.sha256, sha256_hex(&a));
    assert_eq!(info.sha256.len(), 64);
}

#[test]
fn packs_a_package_folder_without_target_and_hidden_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, data) in good_files() {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    std::fs::create_dir_all(root.join("target/holo")).unwrap();
    std::fs::write(root.join("target/holo/state"), "x").unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "x").unwrap();
    std::fs::write(root.join(".gitignore"), "target\n").unwrap();
    let packed = pack_checked(root, &Limits::default()).unwrap();
    assert_eq!(packed.checked.name, "mathx");
    assert_eq!(packed.checked.manifest_text, MANIFEST);
    assert_eq!(
        packed.checked.files,
        ["holo.toml", "src/geometry/shapes.holo", "src/lib.holo"]
    );
    assert_eq!(
        packed.bytes,
        pack_entries("mathx-0.1.0", &good_files()).unwrap()
    );
    assert_eq!(pack(root).unwrap(), packed.bytes);

    std::os::unix::fs::symlink("/etc/passwd", root.join("src/evil")).unwrap();
    let err = pack(root).unwrap_err();
    assert_eq!(err.kind, ArchiveErrorKind::BadEntry, "{err}");
}

#[test]
fn unpacks_into_a_folder_named_after_the_package() {
    let bytes = pack_entries("mathx-0.1.0", &good_files()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, info) = unpack_checked(&bytes, dir.path(), &Limits::default()).unwrap();
    assert_eq!(path, dir.path().join("mathx-0.1.0"));
    assert_eq!(info.files.len(), 3);
    assert_eq!(
        std::fs::read_to_string(path.join("src/lib.holo")).unwrap(),
        "pub fn square(x: i64) -> i64 { x * x }\n"
    );
    // No temporary folder is left behind, and a second unpack keeps the first.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    unpack(&bytes, dir.path(), &Limits::default()).unwrap();
}

#[test]
fn refuses_path_traversal() {
    let err = refused(&archive_with(&[raw_entry(
        b"mathx-0.1.0/../../evil",
        b'0',
        b"x",
        b"",
    )]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
    assert!(err.message.contains("`..`"), "{err}");
    let err = refused(&archive_with(&[raw_entry(b"../evil", b'0', b"x", b"")]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
}

#[test]
fn refuses_absolute_paths() {
    let err = refused(&archive_with(&[raw_entry(b"/tmp/evil", b'0', b"x", b"")]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
    assert!(err.message.contains("absolute"), "{err}");
}

#[test]
fn refuses_links_and_devices() {
    for (kind, what) in [
        (b'2', "symbolic link"),
        (b'1', "hard link"),
        (b'3', "character device"),
        (b'4', "block device"),
        (b'6', "FIFO"),
    ] {
        let entry = raw_entry(b"mathx-0.1.0/src/x", kind, b"", b"/etc/passwd");
        let err = refused(&archive_with(&[entry]));
        assert_eq!(err.kind, ArchiveErrorKind::BadEntry, "{what}");
        assert!(err.message.contains(what), "{err}");
    }
}

#[test]
fn refuses_a_zip_bomb_without_unpacking_it() {
    // 1 GiB of zeros compresses to about 1 MiB; the check stops long before reading it all.
    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', MANIFEST.as_bytes(), b"");
    let size: u64 = 1 << 30;
    let mut header = tar::Header::new_ustar();
    header.set_path("mathx-0.1.0/zeros").unwrap();
    header.set_size(size);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    tar.extend_from_slice(header.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..(size >> 20) {
        gz.write_all(&zeros).unwrap();
    }
    gz.write_all(&[0; 1024]).unwrap();
    let bytes = gz.finish().unwrap();
    assert!(bytes.len() < 2 << 20, "{}", bytes.len());
    let start = std::time::Instant::now();
    let err = refused(&bytes);
    assert_eq!(err.kind, ArchiveErrorKind::TooLarge);
    assert!(
        err.message.contains("bomb") || err.message.contains("limit"),
        "{err}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));

    // A ratio that is fine for the total size but not for the compressed size is a bomb too.
    let limits = Limits {
        max_unpacked: u64::MAX,
        ..Limits::default()
    };
    let err = check(&bytes, &limits).unwrap_err();
    assert!(err.message.contains("decompression bomb"), "{err}");
}

#[test]
fn refuses_too_many_files_and_large_archives() {
    let entries: Vec<Vec<u8>> = (0..20)
        .map(|i| raw_entry(format!("mathx-0.1.0/f{i}").as_bytes(), b'0', b"x", b""))
        .collect();
    let limits = Limits {
        max_files: 10,
        ..Limits::default()
    };
    let err = check(&archive_with(&entries), &limits).unwrap_err();
    assert_eq!(err.kind, ArchiveErrorKind::TooLarge);
    let limits = Limits {
        max_compressed: 10,
        ..Limits::default()
    };
    let err = check(&archive_with(&[]), &limits).unwrap_err();
    assert_eq!(err.kind, ArchiveErrorKind::TooLarge);
}

#[test]
fn refuses_a_manifest_that_does_not_match_the_folder() {
    let manifest = b"[package]\nname = \"other\"\nversion = \"0.1.0\"\n";
    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', manifest, b"");
    tar.extend_from_slice(&[0; 1024]);
    let err = refused(&gzip(&tar));
    assert_eq!(err.kind, ArchiveErrorKind::Manifest);
    assert!(err.message.contains("`other`"), "{err}");

    let manifest = b"[package]\nname = \"mathx\"\nversion = \"0.2.0\"\n";
    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', manifest, b"");
    tar.extend_from_slice(&[0; 1024]);
    assert_eq!(refused(&gzip(&tar)).kind, ArchiveErrorKind::Manifest);

    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', b"[package", b"");
    tar.extend_from_slice(&[0; 1024]);
    assert_eq!(refused(&gzip(&tar)).kind, ArchiveErrorKind::Manifest);

    let mut tar = raw_entry(b"mathx-0.1.0/src/lib.holo", b'0', b"", b"");
    tar.extend_from_slice(&[0; 1024]);
    let err = refused(&gzip(&tar));
    assert!(
        err.message.contains("has no `mathx-0.1.0/holo.toml`"),
        "{err}"
    );
}

#[test]
fn refuses_a_huge_manifest() {
    let mut manifest = MANIFEST.to_string();
    manifest.push_str(&"# padding\n".repeat(10_000));
    let mut tar = raw_entry(b"mathx-0.1.0/holo.toml", b'0', manifest.as_bytes(), b"");
    tar.extend_from_slice(&[0; 1024]);
    let err = refused(&gzip(&tar));
    assert_eq!(err.kind, ArchiveErrorKind::Manifest);
    assert!(err.message.contains("limit"), "{err}");
}

#[test]
fn refuses_non_utf8_names() {
    let err = refused(&archive_with(&[raw_entry(
        b"mathx-0.1.0/\xff\xfe.holo",
        b'0',
        b"x",
        b"",
    )]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
    assert!(err.message.contains("not UTF-8"), "{err}");
}

#[test]
fn refuses_entries_outside_the_folder_duplicates_and_garbage() {
    let err = refused(&archive_with(&[raw_entry(
        b"other-1.0.0/x",
        b'0',
        b"x",
        b"",
    )]));
    assert!(err.message.contains("outside the package folder"), "{err}");
    let err = refused(&archive_with(&[raw_entry(
        b"mathx-0.1.0/holo.toml",
        b'0',
        b"x",
        b"",
    )]));
    assert!(err.message.contains("twice"), "{err}");
    let err = refused(&archive_with(&[
        raw_entry(b"mathx-0.1.0/src", b'0', b"x", b""),
        raw_entry(b"mathx-0.1.0/src/a", b'0', b"x", b""),
    ]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
    let err = refused(&archive_with(&[raw_entry(
        b"mathx-0.1.0/a\\b",
        b'0',
        b"x",
        b"",
    )]));
    assert_eq!(err.kind, ArchiveErrorKind::BadPath);
    assert_eq!(
        refused(b"not an archive at all").kind,
        ArchiveErrorKind::Corrupt
    );
    let good = pack_entries("mathx-0.1.0", &good_files()).unwrap();
    assert_eq!(
        refused(&good[..good.len() / 2]).kind,
        ArchiveErrorKind::Corrupt
    );
}

#[test]
fn refuses_data_after_the_gzip_stream() {
    let mut bytes = pack_entries("mathx-0.1.0", &good_files()).unwrap();
    // A second gzip member: `gzip -d` and GNU tar would unpack it as more of the archive.
    bytes.extend_from_slice(&gzip(&raw_entry(b"mathx-0.1.0/hidden", b'0', b"x", b"")));
    let err = refused(&bytes);
    assert_eq!(err.kind, ArchiveErrorKind::Corrupt);
    assert!(
        err.message.contains("after the end of its gzip stream"),
        "{err}"
    );
}
