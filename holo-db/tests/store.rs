//! Tests of the store through its public API, on real files: round trips, sharing between
//! handles, threads and processes, and recovery from every kind of damaged file.

use holo_db::{Damage, OpenOptions, SCHEMA_VERSION, Store, StoreError, Warning, fingerprint};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const BUILD: &str = "holo-test 0.0.0";

fn key(n: u64) -> [u8; 32] {
    fingerprint(&[b"test-key", &n.to_le_bytes()])
}

fn value(n: u64) -> Vec<u8> {
    format!("value number {n}").into_bytes()
}

fn open_fresh(path: &Path) -> Store {
    let (store, warning) = Store::open(path, BUILD).expect("a new store opens");
    assert_eq!(warning, None, "a new store needs no recovery");
    store
}

/// Writes `count` entries starting at `first`, in batches of 10.
fn fill(store: &Store, first: u64, count: u64) {
    let keys: Vec<_> = (first..first + count).map(key).collect();
    let values: Vec<_> = (first..first + count).map(value).collect();
    for chunk in 0..count.div_ceil(10) {
        let range = (chunk * 10) as usize..((chunk + 1) * 10).min(count) as usize;
        let batch = range.map(|i| (&keys[i], values[i].as_slice()));
        store.put_batch(batch).expect("a batch is written");
    }
}

fn assert_filled(store: &Store, first: u64, count: u64) {
    for n in first..first + count {
        assert_eq!(store.get(&key(n)).unwrap(), Some(value(n)), "entry {n}");
    }
}

/// The files in `dir` whose names contain `.corrupt-`.
fn moved_aside(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    found.sort();
    found
}

/// Opens a damaged file and checks the whole recovery contract: a one-line warning naming both
/// files, the old bytes kept untouched at the new name, and a working empty store in place.
fn assert_recovers(path: &Path, expected: impl Fn(&Damage) -> bool) -> Warning {
    let before = std::fs::read(path).unwrap_or_default();
    let (store, warning) = Store::open(path, BUILD).expect("a damaged store is replaced");
    let warning = warning.expect("a warning about the damaged store");
    assert!(
        expected(&warning.damage),
        "unexpected damage: {:?}",
        warning.damage
    );
    let text = warning.to_string();
    assert!(!text.contains('\n'), "the warning is one line: {text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(
        text.contains(&warning.moved_to.display().to_string()),
        "{text}"
    );
    let name = warning.moved_to.file_name().unwrap().to_string_lossy();
    assert!(name.contains(".corrupt-"), "{name}");
    let after = std::fs::read(&warning.moved_to).unwrap();
    if after != before {
        let first = before.iter().zip(&after).position(|(a, b)| a != b);
        let differing = before.iter().zip(&after).filter(|(a, b)| a != b).count();
        panic!(
            "the old file changed: {} -> {} bytes, {differing} bytes differ, first at {first:?}",
            before.len(),
            after.len()
        );
    }

    assert_eq!(store.stats().unwrap().blobs, 0);
    fill(&store, 0, 5);
    assert_filled(&store, 0, 5);
    drop(store);
    let (store, again) = Store::open(path, BUILD).unwrap();
    assert_eq!(again, None, "the rebuilt store is healthy");
    assert_filled(&store, 0, 5);
    warning
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_fresh(&dir.path().join("nested/folder/store.redb"));

    assert_eq!(store.get(&key(1)).unwrap(), None);
    assert!(!store.contains(&key(1)).unwrap());
    assert!(store.put(&key(1), b"one").unwrap(), "a new key is added");
    assert!(
        !store.put(&key(1), b"one").unwrap(),
        "a present key is left alone"
    );
    assert_eq!(store.get(&key(1)).unwrap().as_deref(), Some(&b"one"[..]));
    assert!(store.contains(&key(1)).unwrap());

    let big = vec![7u8; 100_000];
    let empty: &[u8] = &[];
    let added = store
        .put_batch([
            (&key(2), big.as_slice()),
            (&key(3), empty),
            (&key(1), b"one"),
        ])
        .unwrap();
    assert_eq!(added, 2);
    assert_eq!(store.get(&key(2)).unwrap(), Some(big));
    assert_eq!(store.get(&key(3)).unwrap(), Some(Vec::new()));
    assert_eq!(store.put_batch(std::iter::empty()).unwrap(), 0);

    assert_eq!(store.get_meta("last-check").unwrap(), None);
    store.put_meta("last-check", b"first").unwrap();
    store.put_meta("last-check", b"second").unwrap();
    store.put_meta("", b"the empty key is a key").unwrap();
    assert_eq!(
        store.get_meta("last-check").unwrap().as_deref(),
        Some(&b"second"[..])
    );
    assert!(store.remove_meta("").unwrap());
    assert!(!store.remove_meta("").unwrap());

    let stats = store.stats().unwrap();
    assert_eq!(stats.blobs, 3);
    assert_eq!(stats.meta_entries, 1);
    assert!(stats.blob_bytes >= 100_000, "{stats:?}");
    assert!(stats.file_bytes >= stats.blob_bytes, "{stats:?}");
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert_eq!(stats.created_by, BUILD);
    assert_eq!(stats.last_build, BUILD);
}

#[test]
fn result_keys_depend_on_build_kind_and_parts() {
    let dir = tempfile::tempdir().unwrap();
    let a = open_fresh(&dir.path().join("a.redb"));
    let (b, _) = Store::open(dir.path().join("b.redb"), "another build").unwrap();
    let k = a.result_key("check", &[b"x"]);
    assert_eq!(k, a.result_key("check", &[b"x"]));
    assert_ne!(
        k,
        b.result_key("check", &[b"x"]),
        "another build, another key"
    );
    assert_ne!(k, a.result_key("parse", &[b"x"]));
    assert_ne!(k, a.result_key("check", &[b"x", b""]));
    assert_ne!(k, fingerprint(&[b"check", b"x"]));
}

#[test]
fn a_second_handle_sees_and_shares_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let first = open_fresh(&path);
    fill(&first, 0, 20);
    first.put_meta("project", b"demo").unwrap();

    // Opened while the first is still open, as a CLI command does next to a running daemon.
    let (second, warning) = Store::open(&path, "holo-test 0.0.1").unwrap();
    assert_eq!(warning, None);
    assert_filled(&second, 0, 20);
    assert_eq!(
        second.get_meta("project").unwrap().as_deref(),
        Some(&b"demo"[..])
    );
    fill(&second, 20, 10);
    assert_filled(&first, 20, 10);

    drop(first);
    drop(second);
    let (third, warning) = Store::open(&path, BUILD).unwrap();
    assert_eq!(warning, None);
    assert_filled(&third, 0, 30);
    let stats = third.stats().unwrap();
    assert_eq!(stats.created_by, BUILD);
    assert_eq!(stats.last_build, BUILD, "the last opener is recorded");
}

#[test]
fn threads_write_through_shared_and_separate_handles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let shared = Arc::new(open_fresh(&path));
    let mut workers = Vec::new();
    for t in 0..4u64 {
        let shared = Arc::clone(&shared);
        let path = path.clone();
        workers.push(std::thread::spawn(move || {
            // Half the threads use the shared handle, half open their own.
            let own;
            let store: &Store = if t % 2 == 0 {
                &shared
            } else {
                own = Store::open(&path, BUILD).unwrap().0;
                &own
            };
            fill(store, t * 100, 50);
            assert_filled(store, t * 100, 50);
        }));
    }
    for worker in workers {
        worker.join().expect("a writer thread finished");
    }
    for t in 0..4u64 {
        assert_filled(&shared, t * 100, 50);
    }
    assert_eq!(shared.stats().unwrap().blobs, 200);
}

/// The other half of `two_processes_write_concurrently`: run as a child process of the test
/// binary, it writes its share of entries into the store named by the environment variable.
#[test]
fn child_process_writer() {
    let Ok(path) = std::env::var("HOLO_DB_TEST_CHILD_STORE") else {
        return;
    };
    let (store, _) = Store::open(&path, BUILD).unwrap();
    fill(&store, 1000, 100);
    store.put_meta("child", b"done").unwrap();
}

#[test]
fn two_processes_write_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let parent = open_fresh(&path);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("HOLO_DB_TEST_CHILD_STORE", &path)
        .spawn()
        .expect("the test binary starts again as a child process");
    fill(&parent, 0, 100);
    let status = child.wait().unwrap();
    assert!(status.success(), "the child writer failed: {status}");

    assert_filled(&parent, 0, 100);
    assert_filled(&parent, 1000, 100);
    assert_eq!(
        parent.get_meta("child").unwrap().as_deref(),
        Some(&b"done"[..])
    );
    assert_eq!(parent.stats().unwrap().blobs, 200);
}

/// Run as a child process by `a_process_killed_mid_write_leaves_a_readable_store`: commits some
/// entries, then dies in the middle of the next batch without closing anything.
#[test]
fn child_process_dies_mid_write() {
    let Ok(path) = std::env::var("HOLO_DB_TEST_CRASH_STORE") else {
        return;
    };
    let (store, _) = Store::open(&path, BUILD).unwrap();
    fill(&store, 0, 50);
    let store: &'static Store = Box::leak(Box::new(store));
    let writer = std::thread::spawn(move || {
        let keys: Vec<_> = (1000..100_000).map(key).collect();
        let big = vec![1u8; 1000];
        store
            .put_batch(keys.iter().map(|k| (k, big.as_slice())))
            .unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(30));
    assert!(
        !writer.is_finished(),
        "the batch is still being written when the process dies"
    );
    std::process::exit(3);
}

#[test]
fn a_process_killed_mid_write_leaves_a_readable_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_process_dies_mid_write", "--nocapture"])
        .env("HOLO_DB_TEST_CRASH_STORE", &path)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3), "the child died on purpose");
    let (store, warning) = Store::open(&path, BUILD).unwrap();
    assert_eq!(warning, None, "a crash is repaired, not treated as damage");
    assert_filled(&store, 0, 50);
    assert_eq!(
        store.get(&key(1000)).unwrap(),
        None,
        "the unfinished batch is not there"
    );
    assert!(moved_aside(dir.path()).is_empty());
}

#[test]
fn random_bytes_are_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..50_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&path, &noise).unwrap();
    assert_recovers(&path, |d| *d == Damage::NotADatabase);
    assert_eq!(moved_aside(dir.path()).len(), 1);
}

#[test]
fn a_text_file_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    std::fs::write(&path, "this is not a database\n").unwrap();
    assert_recovers(&path, |d| {
        matches!(d, Damage::NotADatabase | Damage::Truncated { .. })
    });
}

#[test]
fn truncated_stores_are_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let full = {
        let store = open_fresh(&path);
        fill(&store, 0, 300);
        drop(store);
        std::fs::read(&path).unwrap()
    };
    for cut in [10, 4096, full.len() / 2, full.len() - 1] {
        std::fs::write(&path, &full[..cut]).unwrap();
        assert_recovers(&path, |d| matches!(d, Damage::Truncated { .. }));
    }
    assert_eq!(
        moved_aside(dir.path()).len(),
        4,
        "each damaged file got its own name"
    );
}

#[test]
fn a_store_damaged_in_place_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = open_fresh(&path);
    fill(&store, 0, 300);
    drop(store);
    // Flip a byte inside every stored copy of one value (copy-on-write leaves stale copies in
    // free pages; one of them is the live one), as a failing disk would.
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = value(150);
    let hits: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_slice())
        .map(|(i, _)| i)
        .collect();
    assert!(!hits.is_empty(), "the value is stored in the file");
    for at in hits {
        bytes[at] ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_recovers(&path, |d| matches!(d, Damage::Corrupt { .. }));
}

/// Rewrites one header entry with redb directly, as another version of holo would have.
fn set_header(path: &Path, key: &str, value: &[u8]) {
    const HEADER: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("holo_header");
    let mut builder = redb::Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    let db = builder.open(path).unwrap();
    let write = db.begin_write().unwrap();
    write
        .open_table(HEADER)
        .unwrap()
        .insert(key, value)
        .unwrap();
    write.commit().unwrap();
}

#[test]
fn a_foreign_schema_version_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = open_fresh(&path);
    fill(&store, 0, 10);
    drop(store);
    set_header(&path, "schema_version", &(SCHEMA_VERSION + 1).to_le_bytes());
    assert_recovers(&path, |d| {
        *d == Damage::ForeignSchema {
            found: SCHEMA_VERSION + 1,
            expected: SCHEMA_VERSION,
        }
    });
}

#[test]
fn another_programs_redb_file_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        const OTHER: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("accounts");
        let db = redb::Database::create(&path).unwrap();
        let write = db.begin_write().unwrap();
        write.open_table(OTHER).unwrap().insert(1, 100).unwrap();
        write.commit().unwrap();
    }
    assert_recovers(&path, |d| *d == Damage::NotAHoloStore);

    // A header table with another program's format tag is foreign too.
    let other = dir.path().join("other.redb");
    drop(open_fresh(&other));
    set_header(&other, "format", b"someone-else");
    assert_recovers(&other, |d| *d == Damage::NotAHoloStore);
}

#[test]
fn an_empty_file_becomes_a_new_store_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    std::fs::write(&path, b"").unwrap();
    let store = open_fresh(&path);
    fill(&store, 0, 3);
    assert_filled(&store, 0, 3);
    assert!(moved_aside(dir.path()).is_empty());
}

#[test]
fn an_unreadable_store_is_moved_aside() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    drop(open_fresh(&path));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to test here.
        eprintln!("skipped: file permissions are not enforced for this user");
        return;
    }
    let (store, warning) = Store::open(&path, BUILD).unwrap();
    let warning = warning.expect("a warning about the unreadable store");
    assert!(
        matches!(warning.damage, Damage::Unreadable { .. }),
        "{warning}"
    );
    fill(&store, 0, 3);
    assert_filled(&store, 0, 3);
}

#[test]
fn a_folder_in_the_way_is_an_error_not_a_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    std::fs::create_dir(&path).unwrap();
    let error = Store::open(&path, BUILD).unwrap_err();
    assert!(matches!(error, StoreError::NotAFile { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("not a regular file"), "{message}");
    assert!(path.is_dir(), "the folder is left alone");
}

#[test]
fn concurrent_openers_of_a_damaged_store_recover_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    std::fs::write(&path, vec![0xabu8; 20_000]).unwrap();
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let (store, warning) = Store::open(&path, BUILD).unwrap();
                fill(&store, 0, 10);
                warning.is_some()
            })
        })
        .collect();
    let warnings = openers
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|&warned| warned)
        .count();
    assert_eq!(warnings, 1, "exactly one opener moved the file aside");
    assert_eq!(moved_aside(dir.path()).len(), 1);
    let (store, warning) = Store::open(&path, BUILD).unwrap();
    assert_eq!(warning, None);
    assert_filled(&store, 0, 10);
}

#[test]
fn verification_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    drop(open_fresh(&path));
    let (store, warning) = OpenOptions::new(BUILD)
        .verify_integrity(false)
        .open(&path)
        .unwrap();
    assert_eq!(warning, None);
    fill(&store, 0, 3);
    assert_filled(&store, 0, 3);
}

#[test]
fn store_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}

#[test]
fn a_store_of_schema_version_1_is_moved_aside() {
    // The layout holo wrote before the test tables and last-use rows existed.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    {
        const HEADER: redb::TableDefinition<&str, &[u8]> =
            redb::TableDefinition::new("holo_header");
        const BLOBS: redb::TableDefinition<&[u8; 32], &[u8]> = redb::TableDefinition::new("blobs");
        const META: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
        let mut builder = redb::Database::builder();
        builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
        let db = builder.create(&path).unwrap();
        let write = db.begin_write().unwrap();
        {
            let mut header = write.open_table(HEADER).unwrap();
            header.insert("format", &b"holo-db"[..]).unwrap();
            header
                .insert("schema_version", &1u64.to_le_bytes()[..])
                .unwrap();
            header.insert("created_by", &b"holo 0.0.1"[..]).unwrap();
            header.insert("last_build", &b"holo 0.0.1"[..]).unwrap();
            write
                .open_table(BLOBS)
                .unwrap()
                .insert(&key(1), &b"old"[..])
                .unwrap();
            write.open_table(META).unwrap();
        }
        write.commit().unwrap();
    }
    const { assert!(SCHEMA_VERSION > 1) };
    assert_recovers(&path, |d| {
        *d == Damage::ForeignSchema {
            found: 1,
            expected: SCHEMA_VERSION,
        }
    });
}

#[test]
fn a_valid_header_over_foreign_tables_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    drop(open_fresh(&path));
    // Replace one table by a table of the same name and other types, as a forged or
    // half-migrated file would have.
    {
        const BLOB_INFO: redb::TableDefinition<&[u8; 32], (u32, u64)> =
            redb::TableDefinition::new("blob_info");
        const WRONG: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("blob_info");
        let mut builder = redb::Database::builder();
        builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
        let db = builder.open(&path).unwrap();
        let write = db.begin_write().unwrap();
        write.delete_table(BLOB_INFO).unwrap();
        write.open_table(WRONG).unwrap().insert(1, 2).unwrap();
        write.commit().unwrap();
    }
    assert_recovers(&path, |d| *d == Damage::NotAHoloStore);

    // A table that is missing altogether.
    let other = dir.path().join("other.redb");
    drop(open_fresh(&other));
    {
        const RUNS: redb::TableDefinition<&str, (&str, u64, u64, u64, u64)> =
            redb::TableDefinition::new("runs");
        let mut builder = redb::Database::builder();
        builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
        let db = builder.open(&other).unwrap();
        let write = db.begin_write().unwrap();
        write.delete_table(RUNS).unwrap();
        write.commit().unwrap();
    }
    assert_recovers(
        &other,
        |d| matches!(d, Damage::Corrupt { detail } if detail.contains("`runs`")),
    );
}
