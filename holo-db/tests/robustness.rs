//! The store under stress, with real processes and real damage:
//!
//! - several processes write and read one store at once, and all see consistent data;
//! - a writer killed with SIGKILL at random moments leaves a store that opens without a warning
//!   and holds every transaction the writer saw committed, and no part of any other;
//! - bytes flipped at random offsets, pages zeroed, files cut at random lengths: opening never
//!   panics or fails; it either answers correctly (an entry is right or absent, never wrong) or
//!   moves the file aside with a warning and works.
//!
//! Child processes are this test binary run again with an environment variable naming their
//! role (see the `child_*` tests, which do nothing without it). The iteration counts keep the
//! suite at a few seconds; `HOLO_SLOW_TESTS=1` runs many more. Every randomised test prints its
//! seed when it fails; `HOLO_DB_SEED=<n>` replays it.

use holo_db::{Key, Store, TestRecord, fingerprint};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BUILD: &str = "holo-robustness 0.0.0";

fn slow() -> bool {
    std::env::var_os("HOLO_SLOW_TESTS").is_some_and(|v| v == "1")
}

fn iterations(fast: u64, slow_count: u64) -> u64 {
    if slow() { slow_count } else { fast }
}

/// The seed of a randomised test: `HOLO_DB_SEED`, or the clock.
fn seed() -> u64 {
    if let Some(seed) = std::env::var("HOLO_DB_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1
}

/// xorshift64*: small, deterministic, good enough to pick offsets and sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// A value fully determined by its name, of a length that varies with it: mostly small, now and
/// then larger than a page (so that values spill to overflow pages).
fn value_of(name: &[u8]) -> Vec<u8> {
    let hash = fingerprint(&[b"value", name]);
    let len = if hash[0].is_multiple_of(8) {
        4000 + usize::from(hash[1]) * 20
    } else {
        usize::from(hash[1])
    };
    hash.iter().copied().cycle().take(len).collect()
}

fn key_of(name: &str) -> Key {
    fingerprint(&[b"key", name.as_bytes()])
}

/// Runs this test binary again as a child that runs only the test `role`.
fn child(role: &str, env: &[(&str, String)]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command.args(["--exact", role, "--nocapture", "--test-threads=1", "-q"]);
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

// ---------------------------------------------------------------------------------------------
// Several processes at once.

const ROUNDS: u64 = 12;
const PER_ROUND: u64 = 8;

fn own_name(id: u64, round: u64, j: u64) -> String {
    format!("own/{id}/{round}/{j}")
}

fn shared_name(round: u64, j: u64) -> String {
    format!("shared/{round}/{j}")
}

fn test_name(id: u64, round: u64) -> String {
    format!("p{id}::t{round}")
}

/// The work of one process in `processes_share_one_store`: every round writes its own entries
/// and entries every process writes (the same content-addressed values), a test result and a
/// map entry, and checks that it reads back everything it wrote so far.
fn share_worker(path: &Path, id: u64) {
    let (store, _) = Store::open(path, BUILD).expect("the shared store opens");
    for round in 0..ROUNDS {
        let names: Vec<String> = (0..PER_ROUND)
            .map(|j| own_name(id, round, j))
            .chain((0..PER_ROUND).map(|j| shared_name(round, j)))
            .collect();
        let keys: Vec<Key> = names.iter().map(|n| key_of(n)).collect();
        let values: Vec<Vec<u8>> = names.iter().map(|n| value_of(n.as_bytes())).collect();
        store
            .put_batch(keys.iter().zip(&values).map(|(k, v)| (k, v.as_slice())))
            .expect("a batch is written");
        let read = store.get_many(&keys).expect("the batch is read");
        for ((name, value), got) in names.iter().zip(&values).zip(read) {
            assert_eq!(got.as_ref(), Some(value), "process {id} reads back {name}");
        }

        let test = test_name(id, round);
        store
            .put_test_results(&[(
                test.clone(),
                TestRecord {
                    reach: key_of(&test),
                    recorded_at: round,
                    data: value_of(test.as_bytes()),
                },
            )])
            .expect("a test result is written");
        let items = vec![
            "shared::all".to_owned(),
            format!("p{id}::only"),
            format!("round{round}"),
        ];
        store
            .put_test_map(&[(test, key_of("reach"), items)])
            .expect("a map entry is written");
        let mine = store.tests_reaching(&format!("p{id}::only")).unwrap();
        assert_eq!(mine.len() as u64, round + 1, "process {id}: {mine:?}");

        if round == ROUNDS / 2 {
            // Compaction takes the file exclusively for a moment; the others wait or it is
            // skipped. Nothing is old enough to be removed.
            let report = store.gc(holo_db::GcPolicy::default()).expect("gc runs");
            assert_eq!(report.removed_entries, 0);
        }
    }
    store
        .record_run(&format!("worker {id}"))
        .expect("the run is recorded");
}

#[test]
fn child_share_worker() {
    let (Ok(path), Ok(id)) = (
        std::env::var("HOLO_DB_SHARE_STORE"),
        std::env::var("HOLO_DB_SHARE_ID"),
    ) else {
        return;
    };
    share_worker(Path::new(&path), id.parse().expect("a numeric id"));
}

#[test]
fn processes_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.redb");
    let children = iterations(4, 8);
    // Every process starts with the store missing: they race to create it, too.
    let mut running: Vec<(u64, Child)> = (0..children)
        .map(|id| {
            let child = child(
                "child_share_worker",
                &[
                    ("HOLO_DB_SHARE_STORE", path.display().to_string()),
                    ("HOLO_DB_SHARE_ID", id.to_string()),
                ],
            )
            .spawn()
            .expect("a worker process starts");
            (id, child)
        })
        .collect();
    // This process writes too, and meanwhile checks that every round of every process is seen
    // whole or not at all (a batch is one transaction).
    let parent_id = children;
    let watcher = {
        let path = path.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let (store, _) = loop {
                match Store::open(&path, BUILD) {
                    Ok(opened) => break opened,
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(e) => panic!("the watcher cannot open the store: {e}"),
                }
            };
            let mut checks = 0;
            while Instant::now() < deadline {
                let mut complete = 0;
                for id in 0..children {
                    for round in 0..ROUNDS {
                        let keys: Vec<Key> = (0..PER_ROUND)
                            .map(|j| key_of(&own_name(id, round, j)))
                            .collect();
                        let got = store.get_many(&keys).unwrap();
                        let present = got.iter().filter(|v| v.is_some()).count();
                        assert!(
                            present == 0 || present == keys.len(),
                            "round {round} of process {id} is partly visible: {present} of {}",
                            keys.len()
                        );
                        complete += usize::from(present > 0);
                    }
                }
                checks += 1;
                if complete as u64 == children * ROUNDS {
                    break;
                }
            }
            checks
        })
    };
    share_worker(&path, parent_id);
    for (id, mut child) in running.drain(..) {
        let status = child.wait().unwrap();
        assert!(status.success(), "worker {id} failed: {status}");
    }
    let checks = watcher.join().expect("the watcher saw consistent rounds");
    assert!(checks > 0);

    let (store, warning) = Store::open(&path, BUILD).unwrap();
    assert_eq!(warning, None);
    let processes = children + 1;
    for id in 0..processes {
        for round in 0..ROUNDS {
            for j in 0..PER_ROUND {
                let name = own_name(id, round, j);
                assert_eq!(
                    store.get(&key_of(&name)).unwrap(),
                    Some(value_of(name.as_bytes())),
                    "{name}"
                );
            }
        }
    }
    let stats = store.stats().unwrap();
    assert_eq!(
        stats.blobs,
        processes * ROUNDS * PER_ROUND + ROUNDS * PER_ROUND
    );
    assert_eq!(stats.tests_recorded, processes * ROUNDS);
    assert_eq!(stats.tests_mapped, processes * ROUNDS);
    assert_eq!(stats.map_links, processes * ROUNDS * 3);
    assert_eq!(
        store.tests_reaching("shared::all").unwrap().len() as u64,
        processes * ROUNDS
    );
    for round in 0..ROUNDS {
        let expected: Vec<String> = (0..processes).map(|id| test_name(id, round)).collect();
        let mut got = store.tests_reaching(&format!("round{round}")).unwrap();
        got.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected);
    }
    let results = store.test_results().unwrap();
    for (name, record) in &results {
        assert_eq!(record.reach, key_of(name));
        assert_eq!(record.data, value_of(name.as_bytes()));
    }
    assert!(store.last_run().unwrap().is_some());
}

// ---------------------------------------------------------------------------------------------
// SIGKILL in the middle of writes.

/// What operation number `op` of the crashing writer with `seed` does; the parent recomputes it
/// to check the store.
#[derive(Debug)]
enum CrashOp {
    Blobs(Vec<String>),
    Results(Vec<String>),
    Map(Vec<(String, Vec<String>)>),
    Gc,
}

fn crash_op(seed: u64, op: u64) -> CrashOp {
    let mut rng = Rng(fingerprint(&[&seed.to_le_bytes(), &op.to_le_bytes()])[..8]
        .iter()
        .fold(1u64, |h, b| h.wrapping_mul(131) ^ u64::from(*b))
        | 1);
    let count = 1 + rng.below(40);
    match op % 7 {
        0..=3 => CrashOp::Blobs((0..count).map(|j| format!("c/{seed}/{op}/{j}")).collect()),
        4 => CrashOp::Results(
            (0..count.min(10))
                .map(|j| format!("c{seed}::r{op}_{j}"))
                .collect(),
        ),
        5 => CrashOp::Map(
            (0..count.min(10))
                .map(|j| {
                    let items = (0..rng.below(6))
                        .map(|i| format!("item{}", (op + i) % 13))
                        .chain([format!("seed{seed}")])
                        .collect();
                    (format!("c{seed}::m{op}_{j}"), items)
                })
                .collect(),
        ),
        _ => CrashOp::Gc,
    }
}

fn record_for(name: &str) -> TestRecord {
    TestRecord {
        reach: key_of(name),
        recorded_at: 42,
        data: value_of(name.as_bytes()),
    }
}

fn apply(store: &Store, op: &CrashOp) -> Result<(), holo_db::StoreError> {
    match op {
        CrashOp::Blobs(names) => {
            let keys: Vec<Key> = names.iter().map(|n| key_of(n)).collect();
            let values: Vec<Vec<u8>> = names.iter().map(|n| value_of(n.as_bytes())).collect();
            store.put_batch(keys.iter().zip(&values).map(|(k, v)| (k, v.as_slice())))?;
            // A lookup, so that the run record and the last-use flush have work to do.
            store.get_many(&keys[..1])?;
            store.record_run("crash")
        }
        CrashOp::Results(names) => {
            let records: Vec<_> = names.iter().map(|n| (n.clone(), record_for(n))).collect();
            store.put_test_results(&records)
        }
        CrashOp::Map(entries) => {
            let entries: Vec<_> = entries
                .iter()
                .map(|(test, items)| (test.clone(), key_of(test), items.clone()))
                .collect();
            store.put_test_map(&entries)
        }
        CrashOp::Gc => store.gc(holo_db::GcPolicy::default()).map(drop),
    }
}

/// Whether the effects of `op` are in the store: `Some(true)` all of them, `Some(false)` none,
/// and a panic if only some (a transaction must be all or nothing) or if anything is wrong.
fn applied(store: &Store, op: &CrashOp) -> Option<bool> {
    let all_or_nothing = |present: usize, total: usize, what: &str| {
        assert!(
            present == 0 || present == total,
            "{what}: {present} of {total} present"
        );
        present == total && total > 0
    };
    match op {
        CrashOp::Blobs(names) => {
            let keys: Vec<Key> = names.iter().map(|n| key_of(n)).collect();
            let got = store.get_many(&keys).unwrap();
            for (name, value) in names.iter().zip(&got) {
                if let Some(value) = value {
                    assert_eq!(value, &value_of(name.as_bytes()), "the value of {name}");
                }
            }
            let present = got.iter().filter(|v| v.is_some()).count();
            Some(all_or_nothing(present, names.len(), "a batch of blobs"))
        }
        CrashOp::Results(names) => {
            let results = store.test_results().unwrap();
            let present = names
                .iter()
                .filter(|n| {
                    results.get(n.as_str()).is_some_and(|r| {
                        assert_eq!(r, &record_for(n), "the result of {n}");
                        true
                    })
                })
                .count();
            Some(all_or_nothing(
                present,
                names.len(),
                "a batch of test results",
            ))
        }
        CrashOp::Map(entries) => {
            let mut present = 0;
            for (test, items) in entries {
                let Some((reach, stored)) = store.test_items(test).unwrap() else {
                    continue;
                };
                present += 1;
                assert_eq!(reach, key_of(test));
                let expected: Vec<String> = items
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                assert_eq!(stored, expected, "the items of {test}");
                for item in &stored {
                    assert!(
                        store.tests_reaching(item).unwrap().contains(test),
                        "the reverse map has ({item}, {test})"
                    );
                }
            }
            Some(all_or_nothing(
                present,
                entries.len(),
                "a batch of map entries",
            ))
        }
        CrashOp::Gc => None,
    }
}

#[test]
fn child_crashing_writer() {
    let (Ok(path), Ok(seed)) = (
        std::env::var("HOLO_DB_CRASH_STORE"),
        std::env::var("HOLO_DB_CRASH_SEED"),
    ) else {
        return;
    };
    let seed: u64 = seed.parse().expect("a numeric seed");
    let (store, _) = Store::open(&path, BUILD).expect("the store opens after the last crash");
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    // Runs until it is killed; the parent never lets it get this far.
    for op in 0..1_000_000 {
        apply(&store, &crash_op(seed, op)).expect("an operation succeeds");
        // Printed only after the commit returned: a printed operation is durable.
        writeln!(out, "{op}").unwrap();
        out.flush().unwrap();
    }
}

/// Starts a crashing writer, kills it with SIGKILL after `delay` (counted from when it is ready,
/// or from its start if `before_ready`), and returns the last operation it reported committed.
fn run_and_kill(path: &Path, seed: u64, delay: Duration, before_ready: bool) -> Option<u64> {
    let mut writer = child(
        "child_crashing_writer",
        &[
            ("HOLO_DB_CRASH_STORE", path.display().to_string()),
            ("HOLO_DB_CRASH_SEED", seed.to_string()),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the writer starts");
    let stdout = writer.stdout.take().expect("piped stdout");
    let (lines_tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut last = None;
    if !before_ready {
        // libtest prints a line or two of its own first.
        loop {
            match lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line == "ready" => break,
                Ok(_) => {}
                Err(e) => panic!("the writer did not get ready: {e}"),
            }
        }
    }
    std::thread::sleep(delay);
    // `Child::kill` sends SIGKILL on Unix: no destructor, no flush, no close.
    writer.kill().expect("the writer is killed");
    let status = writer.wait().unwrap();
    assert!(!status.success(), "the writer ended by itself: {status}");
    reader.join().unwrap();
    for line in lines.try_iter() {
        if let Ok(op) = line.parse::<u64>() {
            last = Some(op);
        }
    }
    last
}

#[test]
fn writers_killed_mid_write_leave_every_commit_readable() {
    let dir = tempfile::tempdir().unwrap();
    let base = seed();
    let mut rng = Rng(base);
    let rounds = iterations(12, 400);
    let mut history: Vec<(u64, Option<u64>)> = Vec::new();
    let mut path = dir.path().join("crash-0.redb");
    let mut total_ops = 0;
    for round in 0..rounds {
        if round % 50 == 49 {
            // A fresh file now and then, so that the slow run's store stays small.
            path = dir.path().join(format!("crash-{round}.redb"));
            history.clear();
        }
        let seed = rng.next() | 1;
        let before_ready = round % 6 == 5;
        let delay = Duration::from_micros(rng.below(if before_ready { 15_000 } else { 40_000 }));
        let last = run_and_kill(&path, seed, delay, before_ready);
        let context = format!(
            "round {round} (HOLO_DB_SEED={base}), writer seed {seed}, killed after {delay:?}, \
             last committed operation {last:?}"
        );
        history.push((seed, last));
        let check = std::panic::catch_unwind(|| {
            verify_history(&path, &history, "a kill");
            committed_count(last)
        });
        match check {
            Ok(ops) => total_ops += ops,
            Err(panic) => {
                eprintln!("failed in {context}");
                std::panic::resume_unwind(panic);
            }
        }
    }
    eprintln!("{rounds} writers killed after {total_ops} committed operations in all");
    // The kills must have landed among the writes, not only before them. (How many writes a
    // writer commits before its kill depends on the machine's load: a busy machine commits few,
    // so only "some" is required.)
    assert!(
        total_ops > 0,
        "no operation was committed before any of the {rounds} kills"
    );
}

/// Opens the store after writers were stopped and checks, for every `(writer seed, last
/// operation it reported committed)`: every reported operation is there, the one in flight is
/// all there or not at all, and the store still takes writes.
fn verify_history(path: &Path, history: &[(u64, Option<u64>)], what: &str) {
    let (store, warning) = Store::open(path, BUILD)
        .unwrap_or_else(|e| panic!("the store does not open after {what}: {e}"));
    assert_eq!(warning, None, "{what} is repaired, not treated as damage");
    for &(seed, last) in history {
        let committed = committed_count(last);
        for op in 0..committed {
            let effects = crash_op(seed, op);
            assert_ne!(
                applied(&store, &effects),
                Some(false),
                "operation {op} of writer {seed} was reported committed: {effects:?}"
            );
        }
        // The operation in flight is all there or not at all (`applied` checks).
        applied(&store, &crash_op(seed, committed));
        // Nothing after it ever started.
        assert_ne!(applied(&store, &crash_op(seed, committed + 1)), Some(true));
    }
    let probe = key_of(&format!("probe/{history:?}"));
    store.put(&probe, b"probe").unwrap();
    assert_eq!(store.get(&probe).unwrap().as_deref(), Some(&b"probe"[..]));
}

fn committed_count(last: Option<u64>) -> u64 {
    last.map_or(0, |l| l + 1)
}

// ---------------------------------------------------------------------------------------------
// Damaged files.

/// A store with entries in every table, built with many commits (so that the file has free
/// pages and old copies as well as live ones). Returns its bytes and what it holds.
fn reference_store(dir: &Path) -> (Vec<u8>, Vec<String>, Vec<String>) {
    let path = dir.join("reference.redb");
    let (store, _) = Store::open(&path, BUILD).unwrap();
    let blobs: Vec<String> = (0..240).map(|n| format!("ref/{n}")).collect();
    for chunk in blobs.chunks(20) {
        let keys: Vec<Key> = chunk.iter().map(|n| key_of(n)).collect();
        let values: Vec<Vec<u8>> = chunk.iter().map(|n| value_of(n.as_bytes())).collect();
        store
            .put_batch(keys.iter().zip(&values).map(|(k, v)| (k, v.as_slice())))
            .unwrap();
    }
    let tests: Vec<String> = (0..40).map(|n| format!("ref::t{n}")).collect();
    for chunk in tests.chunks(10) {
        let records: Vec<_> = chunk.iter().map(|n| (n.clone(), record_for(n))).collect();
        store.put_test_results(&records).unwrap();
        let entries: Vec<_> = chunk
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    key_of(n),
                    vec![format!("item/{n}"), "item/all".to_owned()],
                )
            })
            .collect();
        store.put_test_map(&entries).unwrap();
    }
    store.get_many(&[key_of("ref/1")]).unwrap();
    store.record_run("reference").unwrap();
    drop(store);
    (std::fs::read(&path).unwrap(), blobs, tests)
}

#[derive(Debug)]
enum Harm {
    Flip { offsets: Vec<(usize, u8)> },
    Truncate { len: usize },
    ZeroPage { start: usize },
}

fn harm(bytes: &[u8], rng: &mut Rng) -> (Harm, Vec<u8>) {
    let mut out = bytes.to_vec();
    let len = bytes.len();
    let harm = match rng.below(5) {
        0 | 1 => {
            // Anywhere in the file.
            let offsets: Vec<(usize, u8)> = (0..1 + rng.below(8))
                .map(|_| (rng.below(len as u64) as usize, 1 + rng.below(255) as u8))
                .collect();
            Harm::Flip { offsets }
        }
        2 => {
            // In the first pages: redb's header, commit slots and the roots of the trees.
            let offsets: Vec<(usize, u8)> = (0..1 + rng.below(3))
                .map(|_| {
                    let at = rng.below((len as u64).min(3 * 4096)) as usize;
                    (at, 1 + rng.below(255) as u8)
                })
                .collect();
            Harm::Flip { offsets }
        }
        3 => Harm::Truncate {
            len: rng.below(len as u64) as usize,
        },
        _ => Harm::ZeroPage {
            start: rng.below((len / 4096) as u64) as usize * 4096,
        },
    };
    match &harm {
        Harm::Flip { offsets } => {
            for &(at, mask) in offsets {
                out[at] ^= mask;
            }
        }
        Harm::Truncate { len } => out.truncate(*len),
        Harm::ZeroPage { start } => {
            let end = (*start + 4096).min(out.len());
            out[*start..end].fill(0);
        }
    }
    (harm, out)
}

/// Opens a harmed copy and checks the contract; returns whether it was moved aside.
fn check_harmed(path: &Path, blobs: &[String], tests: &[String]) -> bool {
    let (store, warning) = Store::open(path, BUILD).expect("a damaged store opens");
    if let Some(warning) = &warning {
        assert!(warning.moved_to.exists(), "{warning}");
        let stats = store.stats().unwrap();
        assert_eq!((stats.blobs, stats.tests_recorded), (0, 0), "a fresh store");
    } else {
        // Every answer is right or absent.
        let keys: Vec<Key> = blobs.iter().map(|n| key_of(n)).collect();
        for (name, got) in blobs.iter().zip(store.get_many(&keys).unwrap()) {
            if let Some(got) = got {
                assert_eq!(got, value_of(name.as_bytes()), "the value of {name}");
            }
        }
        let results = store.test_results().unwrap();
        for (name, record) in &results {
            assert!(tests.contains(name), "an unknown test {name:?}");
            assert_eq!(record, &record_for(name));
        }
        for test in tests {
            if let Some((reach, items)) = store.test_items(test).unwrap() {
                assert_eq!(reach, key_of(test));
                assert_eq!(items, vec!["item/all".to_owned(), format!("item/{test}")]);
            }
        }
        store.stats().unwrap();
        store.last_run().unwrap();
    }
    // Either way, the store works.
    let probe = key_of("probe");
    store.put(&probe, b"after").unwrap();
    assert_eq!(store.get(&probe).unwrap().as_deref(), Some(&b"after"[..]));
    store.record_run("probe").unwrap();
    drop(store);
    let (store, again) = Store::open(path, BUILD).expect("the store opens again");
    assert_eq!(again, None, "the store was left healthy");
    assert_eq!(store.get(&probe).unwrap().as_deref(), Some(&b"after"[..]));
    warning.is_some()
}

#[test]
fn damaged_files_are_answered_correctly_or_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, blobs, tests) = reference_store(dir.path());
    let base = seed();
    let mut rng = Rng(base);
    let rounds = iterations(60, 3000);
    let mut moved = 0;
    for round in 0..rounds {
        let (what, bytes) = harm(&reference, &mut rng);
        let case = dir.path().join(format!("case-{round}"));
        std::fs::create_dir(&case).unwrap();
        let path = case.join("store.redb");
        std::fs::write(&path, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| check_harmed(&path, &blobs, &tests));
        match outcome {
            Ok(was_moved) => moved += u64::from(was_moved),
            Err(panic) => {
                eprintln!("failed in round {round} (HOLO_DB_SEED={base}): {what:?}");
                std::panic::resume_unwind(panic);
            }
        }
        // The copies are a megabyte or so each; do not keep thousands of them.
        std::fs::remove_dir_all(&case).unwrap();
    }
    eprintln!("{rounds} damaged copies: {moved} moved aside, the others answered correctly");
    // Most harm is found (truncation always is); a flip in a free page is harmless.
    assert!(moved > 0, "no damage was ever detected in {rounds} rounds");
}

/// Commands open the shared cache without verifying every page (it costs more than their work
/// for a large cache): each blob read is checked against its checksum instead. A damaged copy
/// opened that way answers every blob right or not at all, never with other bytes, and a read
/// that met damage makes the next open verify the file.
#[test]
fn damaged_files_opened_without_verification_never_answer_wrong_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, blobs, tests) = reference_store(dir.path());
    let base = seed();
    let mut rng = Rng(base ^ 0x5eed);
    let keys: Vec<Key> = blobs.iter().map(|n| key_of(n)).collect();
    let unverified = holo_db::OpenOptions::new(BUILD).verify_integrity(false);
    let (mut misses, mut marked) = (0, 0);
    for round in 0..iterations(60, 3000) {
        let (what, bytes) = harm(&reference, &mut rng);
        let case = dir.path().join(format!("unverified-{round}"));
        std::fs::create_dir(&case).unwrap();
        let path = case.join("store.redb");
        std::fs::write(&path, &bytes).unwrap();
        let context = format!("round {round} (HOLO_DB_SEED={base}): {what:?}");
        let (store, _) = unverified.open(&path).expect("a damaged store opens");
        match store.get_many(&keys) {
            Ok(values) => {
                for (name, got) in blobs.iter().zip(values) {
                    match got {
                        Some(got) => assert_eq!(got, value_of(name.as_bytes()), "{context}"),
                        None => misses += 1,
                    }
                }
            }
            Err(e) => assert!(
                matches!(
                    e,
                    holo_db::StoreError::Damaged { .. } | holo_db::StoreError::Engine { .. }
                ),
                "{context}: {e}"
            ),
        }
        // Recorded test results too: each is right or absent.
        if let Ok(results) = store.test_results() {
            for (name, record) in &results {
                assert!(tests.contains(name), "{context}: an unknown test {name:?}");
                assert_eq!(record, &record_for(name), "{context}");
            }
        }
        drop(store);
        let mark = case.join("store.redb.verify");
        if mark.exists() {
            marked += 1;
            // The next open verifies: the file is repaired or moved aside, and the mark goes.
            let (store, _) = unverified.open(&path).expect("a marked store opens");
            assert!(
                !mark.exists(),
                "{context}: the mark outlived a verified open"
            );
            for (name, got) in blobs.iter().zip(store.get_many(&keys).unwrap_or_default()) {
                if let Some(got) = got {
                    assert_eq!(got, value_of(name.as_bytes()), "{context}");
                }
            }
        }
        std::fs::remove_dir_all(&case).unwrap();
    }
    eprintln!("{misses} blobs read as misses, {marked} stores marked for verification");
}

/// Sanity check of the helper: an unharmed copy answers everything.
#[test]
fn an_unharmed_copy_answers_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, blobs, tests) = reference_store(dir.path());
    let path: PathBuf = dir.path().join("copy.redb");
    std::fs::write(&path, &reference).unwrap();
    assert!(!check_harmed(&path, &blobs, &tests));
    let (store, _) = Store::open(&path, BUILD).unwrap();
    let keys: Vec<Key> = blobs.iter().map(|n| key_of(n)).collect();
    assert!(store.get_many(&keys).unwrap().iter().all(Option::is_some));
    assert_eq!(store.test_results().unwrap().len(), tests.len());
    assert_eq!(store.tests_reaching("item/all").unwrap().len(), tests.len());
}

// ---------------------------------------------------------------------------------------------
// A full disk.

/// Writes until the file-size limit its parent set makes a write fail, retries that same
/// operation a few times (each retry must fail cleanly or succeed, never panic), and exits
/// normally. Reports committed operations like `child_crashing_writer`.
#[test]
fn child_writer_on_a_full_disk() {
    let (Ok(path), Ok(seed)) = (
        std::env::var("HOLO_DB_FULL_STORE"),
        std::env::var("HOLO_DB_FULL_SEED"),
    ) else {
        return;
    };
    let seed: u64 = seed.parse().expect("a numeric seed");
    let mut out = std::io::stdout().lock();
    let store = match Store::open(&path, BUILD) {
        Ok((store, _)) => store,
        Err(e) => {
            writeln!(out, "failed to open: {e}").unwrap();
            return;
        }
    };
    for op in 0..100_000 {
        let effects = crash_op(seed, op);
        if let Err(e) = apply(&store, &effects) {
            writeln!(out, "failed at {op}: {e}").unwrap();
            for _ in 0..4 {
                if apply(&store, &effects).is_ok() {
                    break;
                }
            }
            break;
        }
        writeln!(out, "{op}").unwrap();
        out.flush().unwrap();
    }
    writeln!(out, "done").unwrap();
}

#[test]
fn a_full_disk_mid_write_leaves_every_commit_readable() {
    let dir = tempfile::tempdir().unwrap();
    let base = seed();
    let mut rng = Rng(base ^ 0xf011);
    for round in 0..iterations(4, 60) {
        let path = dir.path().join(format!("full-{round}.redb"));
        let seed = rng.next() | 1;
        // The largest file the writer may write, in 512-byte blocks: 384 KiB to 2 MiB. A write
        // past it fails with EFBIG, as one on a full disk fails with ENOSPC. (Below about 256
        // KiB, a new store's first commit — its tables, with checksummed values since schema 3 —
        // may not fit, and the test would see no commit at all.)
        let blocks = 768 + rng.below(3328);
        let output = Command::new("sh")
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f \"$HOLO_DB_BLOCKS\" && exec \"$0\" \"$@\"")
            .arg(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_writer_on_a_full_disk",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env("HOLO_DB_BLOCKS", blocks.to_string())
            .env("HOLO_DB_FULL_STORE", &path)
            .env("HOLO_DB_FULL_SEED", seed.to_string())
            .output()
            .expect("the writer runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let context = format!(
            "round {round} (HOLO_DB_SEED={base}), writer seed {seed}, limit {blocks} blocks\n\
             --- stdout:\n{stdout}\n--- stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "the writer failed: {context}");
        let failure = stdout
            .lines()
            .find(|l| l.starts_with("failed"))
            .unwrap_or_else(|| panic!("no write failed: {context}"));
        // The error is a sentence that names the store.
        assert!(
            failure.contains(&path.display().to_string()) && failure.ends_with('.'),
            "{context}"
        );
        let last = stdout.lines().filter_map(|l| l.parse::<u64>().ok()).max();
        assert!(
            last.is_some(),
            "nothing was committed before the disk was full: {context}"
        );
        let check = std::panic::catch_unwind(|| {
            verify_history(&path, &[(seed, last)], "a full disk");
        });
        if let Err(panic) = check {
            eprintln!("failed in {context}");
            std::panic::resume_unwind(panic);
        }
    }
}
