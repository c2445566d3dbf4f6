//! Tests of the store's bookkeeping API on real files: batched lookups and their counters, run
//! statistics, last use and garbage collection (with a fixed clock, so that entries can age),
//! compaction, test results and the test-to-code map.

use holo_db::{
    Compaction, GcPolicy, OpenOptions, RunStats, SessionStats, Store, TestRecord, fingerprint,
};
use std::collections::BTreeSet;
use std::path::Path;

const BUILD: &str = "holo-test 0.0.0";
const DAY: u64 = 86_400;
/// A fixed "now" for the aging tests: day 20 000 after the epoch, at noon.
const T0: u64 = 20_000 * DAY + DAY / 2;

fn key(n: u64) -> [u8; 32] {
    fingerprint(&[b"api-key", &n.to_le_bytes()])
}

fn value(n: u64, len: usize) -> Vec<u8> {
    let mut v = format!("value {n} ").into_bytes();
    v.resize(len, b'.');
    v
}

fn open(path: &Path) -> Store {
    let (store, warning) = Store::open(path, BUILD).expect("the store opens");
    assert_eq!(warning, None);
    store
}

fn open_at(path: &Path, unix_secs: u64) -> Store {
    let (store, warning) = OpenOptions::new(BUILD)
        .fixed_time(unix_secs)
        .open(path)
        .expect("the store opens");
    assert_eq!(warning, None);
    store
}

fn put_range(store: &Store, range: std::ops::Range<u64>, len: usize) {
    let keys: Vec<_> = range.clone().map(key).collect();
    let values: Vec<_> = range.map(|n| value(n, len)).collect();
    store
        .put_batch(keys.iter().zip(&values).map(|(k, v)| (k, v.as_slice())))
        .unwrap();
}

#[test]
fn get_many_answers_in_order_and_counts_hits_and_misses() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("s.redb"));
    assert_eq!(store.session_stats(), SessionStats::default());
    assert_eq!(store.session_stats().hit_rate(), None);
    put_range(&store, 0..3, 20);
    assert_eq!(store.session_stats().writes, 3);
    // A key that is already present is not a write.
    assert!(!store.put(&key(1), &value(1, 20)).unwrap());
    assert_eq!(store.session_stats().writes, 3);

    let keys = [key(2), key(7), key(0), key(2)];
    let got = store.get_many(&keys).unwrap();
    assert_eq!(
        got,
        vec![
            Some(value(2, 20)),
            None,
            Some(value(0, 20)),
            Some(value(2, 20))
        ]
    );
    assert_eq!(store.get_many(&[]).unwrap(), Vec::<Option<Vec<u8>>>::new());
    assert_eq!(store.get(&key(9)).unwrap(), None);
    assert!(store.contains(&key(1)).unwrap());
    let stats = store.session_stats();
    assert_eq!(
        stats,
        SessionStats {
            hits: 4,
            misses: 2,
            writes: 3
        }
    );
    assert_eq!(stats.hit_rate(), Some(4.0 / 6.0));

    assert_eq!(store.reset_session_stats(), stats);
    assert_eq!(store.session_stats(), SessionStats::default());
}

#[test]
fn counters_belong_to_the_handle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    let a = open(&path);
    let b = open(&path);
    put_range(&a, 0..2, 10);
    assert_eq!(b.get(&key(0)).unwrap(), Some(value(0, 10)));
    assert_eq!(a.session_stats().hits, 0);
    assert_eq!(a.session_stats().writes, 2);
    assert_eq!(b.session_stats().hits, 1);
    assert_eq!(b.session_stats().writes, 0);
}

#[test]
fn record_run_saves_the_counters_for_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let store = open_at(&path, T0);
        assert_eq!(store.last_run().unwrap(), None);
        put_range(&store, 0..4, 10);
        store.get_many(&[key(0), key(1), key(5)]).unwrap();
        store.record_run("test").unwrap();
        // Recorded again, later: the last one wins.
        store.get(&key(2)).unwrap();
        store.record_run("test --affected").unwrap();
    }
    let store = open(&path);
    let last = store.last_run().unwrap().expect("a recorded run");
    assert_eq!(
        last,
        RunStats {
            command: "test --affected".to_owned(),
            recorded_at: T0,
            hits: 3,
            misses: 1,
            writes: 4,
        }
    );
    assert_eq!(last.hit_rate(), Some(0.75));
}

#[test]
fn gc_removes_what_was_not_used_within_the_age_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    // Day 0: ten entries.
    drop({
        let store = open_at(&path, T0);
        put_range(&store, 0..10, 100);
        store
    });
    // Day 10: entries 0..3 are found (through every lookup function), 20..22 are new. The
    // found ones are marked when the run is recorded.
    {
        let store = open_at(&path, T0 + 10 * DAY);
        store.get_many(&[key(0), key(1)]).unwrap();
        assert!(store.contains(&key(2)).unwrap());
        put_range(&store, 20..22, 100);
        store.record_run("check").unwrap();
    }
    // Day 11: entry 3 is found, and nothing is recorded: dropping the handle marks it anyway.
    {
        let store = open_at(&path, T0 + 11 * DAY);
        assert!(store.get(&key(3)).unwrap().is_some());
    }
    // Day 40: with a 30-day limit, the six entries last used on day 0 go; day 10 is exactly 30
    // days ago and stays.
    let store = open_at(&path, T0 + 40 * DAY);
    let before = store.stats().unwrap();
    assert_eq!(before.blobs, 12);
    let report = store
        .gc(GcPolicy {
            max_age_days: 30,
            max_bytes: None,
        })
        .unwrap();
    let entry = 32 + 100;
    assert_eq!(report.removed_entries, 6, "{report:?}");
    assert_eq!(report.removed_bytes, 6 * entry);
    assert_eq!(report.kept_entries, 6);
    assert_eq!(report.kept_bytes, 6 * entry);
    assert_eq!(report.file_bytes_before, before.file_bytes);
    for n in [0, 1, 2, 3, 20, 21] {
        assert!(store.get(&key(n)).unwrap().is_some(), "entry {n} was kept");
    }
    for n in 4..10 {
        assert_eq!(store.get(&key(n)).unwrap(), None, "entry {n} was removed");
    }
    assert_eq!(store.stats().unwrap().blobs, 6);

    // Again on the same day: nothing more to do.
    let again = store.gc(GcPolicy::default()).unwrap();
    assert_eq!(again.removed_entries, 0);
    assert_eq!(again.kept_entries, 6);
}

#[test]
fn gc_with_a_size_limit_removes_the_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    for day in 0..5u64 {
        let store = open_at(&path, T0 + day * DAY);
        // Two entries a day, 1000 bytes of value each.
        put_range(&store, day * 2..day * 2 + 2, 1000);
    }
    // Day 5: the oldest pair is used again, so it is now the newest.
    {
        let store = open_at(&path, T0 + 5 * DAY);
        store.get_many(&[key(0), key(1)]).unwrap();
        store.flush_access().unwrap();
    }
    let store = open_at(&path, T0 + 5 * DAY);
    let entry = 32 + 1000;
    let report = store
        .gc(GcPolicy {
            max_age_days: 365,
            max_bytes: Some(5 * entry),
        })
        .unwrap();
    assert_eq!(report.removed_entries, 5, "{report:?}");
    assert_eq!(report.kept_bytes, 5 * entry);
    // Days 1 and 2 (entries 2..6) and the first entry of day 3 (ties break by key) are gone.
    let kept: Vec<u64> = (0..10)
        .filter(|&n| store.get(&key(n)).unwrap().is_some())
        .collect();
    assert_eq!(kept.len(), 5);
    assert!(kept.contains(&0) && kept.contains(&1), "{kept:?}");
    assert!(kept.contains(&8) && kept.contains(&9), "{kept:?}");

    // A limit of zero empties the store.
    let report = store
        .gc(GcPolicy {
            max_age_days: 365,
            max_bytes: Some(0),
        })
        .unwrap();
    assert_eq!(report.removed_entries, 5);
    assert_eq!(report.kept_entries, 0);
    assert_eq!(store.stats().unwrap().blobs, 0);
}

#[test]
fn gc_compacts_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let store = open_at(&path, T0);
        for chunk in 0..20 {
            put_range(&store, chunk * 100..chunk * 100 + 100, 2000);
        }
    }
    let store = open_at(&path, T0 + 100 * DAY);
    let report = store.gc(GcPolicy::default()).unwrap();
    assert_eq!(report.removed_entries, 2000);
    assert_eq!(report.compaction, Compaction::Compacted, "{report:?}");
    assert!(
        report.file_bytes_after < report.file_bytes_before / 4,
        "the file shrank: {report:?}"
    );
    assert_eq!(
        report.file_bytes_after,
        std::fs::metadata(&path).unwrap().len()
    );
    // Still a working store.
    put_range(&store, 0..3, 10);
    assert_eq!(store.get(&key(2)).unwrap(), Some(value(2, 10)));
    drop(store);
    let store = open(&path);
    assert_eq!(store.get(&key(2)).unwrap(), Some(value(2, 10)));
}

#[test]
fn gc_does_not_compact_under_a_reader_but_still_removes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let store = open_at(&path, T0);
        put_range(&store, 0..200, 2000);
    }
    let store = open_at(&path, T0 + 100 * DAY);
    // Another handle on the file (as another process would be) in the middle of a read.
    let mut builder = redb::Database::builder();
    builder.set_concurrency_mode(redb::ConcurrencyMode::MultiWriter);
    let other = builder.open(&path).unwrap();
    let reading = redb::ReadableDatabase::begin_read(&other).unwrap();
    let report = store.gc(GcPolicy::default()).unwrap();
    assert_eq!(report.removed_entries, 200);
    assert_eq!(report.compaction, Compaction::Busy, "{report:?}");
    drop(reading);
    drop(other);
    // Once nobody else reads, a later gc gives the space back.
    let report = store.gc(GcPolicy::default()).unwrap();
    assert_eq!(report.removed_entries, 0);
    assert_eq!(report.compaction, Compaction::Compacted, "{report:?}");
    assert!(report.file_bytes_after < report.file_bytes_before);
}

#[test]
fn gc_of_an_empty_store_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("s.redb"));
    let report = store.gc(GcPolicy::default()).unwrap();
    assert_eq!(report.removed_entries, 0);
    assert_eq!(report.kept_entries, 0);
    assert_eq!(report.removed_bytes, 0);
}

fn record(n: u8, at: u64, data: &str) -> TestRecord {
    TestRecord {
        reach: fingerprint(&[&[n]]),
        recorded_at: at,
        data: data.as_bytes().to_vec(),
    }
}

#[test]
fn test_results_round_trip_replace_and_retain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let store = open(&path);
    assert!(store.test_results().unwrap().is_empty());
    store.put_test_results(&[]).unwrap();
    store
        .put_test_results(&[
            ("calc::adds".to_owned(), record(1, 100, "passed")),
            ("calc::mul".to_owned(), record(2, 100, "failed: 6 != 7")),
            ("ünïcode::tëst".to_owned(), record(3, 100, "")),
        ])
        .unwrap();
    store
        .put_test_results(&[("calc::mul".to_owned(), record(4, 200, "passed"))])
        .unwrap();
    drop(store);

    let store = open(&path);
    let results = store.test_results().unwrap();
    let names: Vec<_> = results.keys().cloned().collect();
    assert_eq!(names, ["calc::adds", "calc::mul", "ünïcode::tëst"]);
    assert_eq!(results["calc::mul"], record(4, 200, "passed"));
    assert_eq!(results["ünïcode::tëst"], record(3, 100, ""));
    assert_eq!(store.stats().unwrap().tests_recorded, 3);

    let keep: BTreeSet<String> = ["calc::mul".to_owned(), "not::recorded".to_owned()].into();
    assert_eq!(store.retain_tests(&keep).unwrap(), 2);
    assert_eq!(store.retain_tests(&keep).unwrap(), 0);
    let results = store.test_results().unwrap();
    assert_eq!(results.keys().collect::<Vec<_>>(), ["calc::mul"]);
}

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_test_map_and_its_reverse_stay_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    let store = open(&path);
    let r1 = fingerprint(&[b"r1"]);
    let r2 = fingerprint(&[b"r2"]);
    assert_eq!(store.test_items("a").unwrap(), None);
    assert!(store.tests_reaching("calc::add").unwrap().is_empty());

    store
        .put_test_map(&[
            (
                "a".to_owned(),
                r1,
                items(&["calc::add", "calc::mul", "calc::add"]),
            ),
            ("b".to_owned(), r1, items(&["calc::add"])),
            ("c".to_owned(), r2, items(&[])),
        ])
        .unwrap();
    assert_eq!(
        store.test_items("a").unwrap(),
        Some((r1, items(&["calc::add", "calc::mul"]))),
        "sorted, without duplicates"
    );
    assert_eq!(store.test_items("c").unwrap(), Some((r2, vec![])));
    assert_eq!(store.tests_reaching("calc::add").unwrap(), ["a", "b"]);
    assert_eq!(store.tests_reaching("calc::mul").unwrap(), ["a"]);

    // `a` no longer reaches `calc::mul` but reaches `calc::sub`.
    store
        .put_test_map(&[("a".to_owned(), r2, items(&["calc::sub", "calc::add"]))])
        .unwrap();
    assert_eq!(
        store.test_items("a").unwrap(),
        Some((r2, items(&["calc::add", "calc::sub"])))
    );
    assert!(store.tests_reaching("calc::mul").unwrap().is_empty());
    assert_eq!(store.tests_reaching("calc::sub").unwrap(), ["a"]);
    assert_eq!(store.tests_reaching("calc::add").unwrap(), ["a", "b"]);
    // Writing the same entry again changes nothing.
    store
        .put_test_map(&[("a".to_owned(), r2, items(&["calc::add", "calc::sub"]))])
        .unwrap();

    let stats = store.stats().unwrap();
    assert_eq!(stats.tests_mapped, 3);
    assert_eq!(stats.map_links, 3, "(add, a), (sub, a), (add, b)");

    // Removing `b` removes its reverse pairs, and a result of `a` survives.
    store
        .put_test_results(&[("a".to_owned(), record(1, 5, "passed"))])
        .unwrap();
    let keep: BTreeSet<String> = ["a".to_owned(), "c".to_owned()].into();
    assert_eq!(store.retain_tests(&keep).unwrap(), 1);
    assert_eq!(store.tests_reaching("calc::add").unwrap(), ["a"]);
    assert_eq!(store.test_items("b").unwrap(), None);
    assert_eq!(store.test_results().unwrap().len(), 1);
    drop(store);

    let store = open(&path);
    assert_eq!(store.tests_reaching("calc::sub").unwrap(), ["a"]);
    assert_eq!(store.stats().unwrap().map_links, 2);
    assert!(
        store.retain_tests(&BTreeSet::new()).unwrap() == 2,
        "`a` and `c`"
    );
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.tests_mapped, stats.map_links, stats.tests_recorded),
        (0, 0, 0)
    );
}

#[test]
fn a_large_test_map_is_written_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("state.redb"));
    let entries: Vec<_> = (0..500)
        .map(|t| {
            let reached = (0..40)
                .map(|i| format!("module{}::item{}", (t + i) % 50, i))
                .collect();
            (
                format!("tests::t{t}"),
                fingerprint(&[format!("{t}").as_bytes()]),
                reached,
            )
        })
        .collect();
    let start = std::time::Instant::now();
    store.put_test_map(&entries).unwrap();
    let took = start.elapsed();
    assert!(took.as_secs() < 20, "writing the map took {took:?}");
    assert_eq!(store.stats().unwrap().tests_mapped, 500);
    let reaching = store.tests_reaching("module0::item0").unwrap();
    // item i of test t is `module{(t+i)%50}::item{i}`: module0::item0 is reached by t = 0, 50, ….
    assert_eq!(reaching.len(), 10);
    assert!(reaching.contains(&"tests::t50".to_owned()));
}

#[test]
fn record_tests_forgets_maps_and_records_in_one_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("state.redb"));
    let r = fingerprint(&[b"r"]);
    store
        .record_tests(
            None,
            &[
                ("old".to_owned(), r, items(&["x"])),
                ("kept".to_owned(), r, items(&["x", "y"])),
            ],
            &[
                ("old".to_owned(), record(1, 1, "passed")),
                ("kept".to_owned(), record(2, 1, "passed")),
            ],
        )
        .unwrap();
    assert_eq!(store.tests_reaching("x").unwrap(), ["kept", "old"]);

    // The next run: `old` is gone, `new` appears, `kept` changes.
    let keep: BTreeSet<String> = ["kept".to_owned(), "new".to_owned()].into();
    let forgotten = store
        .record_tests(
            Some(&keep),
            &[
                ("kept".to_owned(), r, items(&["y"])),
                ("new".to_owned(), r, items(&["x"])),
            ],
            &[
                ("kept".to_owned(), record(3, 2, "failed")),
                ("new".to_owned(), record(4, 2, "passed")),
            ],
        )
        .unwrap();
    assert_eq!(forgotten, 1);
    assert_eq!(store.tests_reaching("x").unwrap(), ["new"]);
    assert_eq!(store.tests_reaching("y").unwrap(), ["kept"]);
    let results = store.test_results().unwrap();
    assert_eq!(results.keys().collect::<Vec<_>>(), ["kept", "new"]);
    assert_eq!(results["kept"], record(3, 2, "failed"));
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.tests_recorded, stats.tests_mapped, stats.map_links),
        (2, 2, 2)
    );

    // Nothing to do is no error.
    assert_eq!(store.record_tests(None, &[], &[]).unwrap(), 0);
    assert_eq!(store.record_tests(Some(&keep), &[], &[]).unwrap(), 0);
}
