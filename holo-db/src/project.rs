//! A project's test state: the last result of each test, and the test-to-code map (which items
//! each test can reach, and the reverse: which tests reach an item).
//!
//! holo-db does not interpret any of it. A test is a name, an item is a key string chosen by the
//! compiler, a reach fingerprint is a [`Key`], and a result's payload is bytes. What it does
//! guarantee is consistency: every write here is one transaction, so the forward map and the
//! reverse map always agree, and a result is never seen half-written.

use crate::error::StoreError;
use crate::fingerprint::Key;
use crate::store::Store;
use crate::tables::{ITEM_TESTS, TEST_MAP, TEST_RESULTS};
use redb::{MultimapTable, ReadableTable, Table, WriteTransaction};
use std::collections::{BTreeMap, BTreeSet};

/// The recorded result of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRecord {
    /// The fingerprint of everything the test could reach when it ran: the result is valid for
    /// exactly that code.
    pub reach: Key,
    /// When the test ran, in seconds since the Unix epoch.
    pub recorded_at: u64,
    /// The caller's encoding of the outcome; opaque to holo-db.
    pub data: Vec<u8>,
}

impl Store {
    /// Records test results, replacing earlier ones of the same tests, in one transaction.
    pub fn put_test_results(&self, records: &[(String, TestRecord)]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        self.record_tests(None, &[], records).map(drop)
    }

    /// Everything `holo test` records at the end of a run, in one transaction (one disk sync,
    /// and no reader ever sees the map of one run with the results of another):
    ///
    /// - with `keep`, forgets every test not in it, as [`Store::retain_tests`];
    /// - sets the `map` entries, as [`Store::put_test_map`];
    /// - records the `results`, as [`Store::put_test_results`].
    ///
    /// Returns how many tests were forgotten. Nothing is written if nothing changes.
    pub fn record_tests(
        &self,
        keep: Option<&BTreeSet<String>>,
        map: &[(String, Key, Vec<String>)],
        results: &[(String, TestRecord)],
    ) -> Result<usize, StoreError> {
        if keep.is_none() && map.is_empty() && results.is_empty() {
            // Not even a transaction: beginning one waits for every other writer.
            return Ok(0);
        }
        let write = self.begin_write()?;
        let mut changed = false;
        let forgotten;
        {
            let mut tables = TestTables::open(self, &write)?;
            forgotten = match keep {
                Some(keep) => tables.forget_all_but(self, keep)?,
                None => 0,
            };
            changed |= forgotten > 0;
            for (test, reach, items) in map {
                let items: BTreeSet<&str> = items.iter().map(String::as_str).collect();
                changed |= tables.put_map(self, test, reach, &items)?;
            }
            for (name, record) in results {
                tables.put_result(self, name, record)?;
                changed = true;
            }
        }
        if changed {
            write
                .commit()
                .map_err(|e| self.engine("committing test results", e))?;
        } else {
            write
                .abort()
                .map_err(|e| self.engine("ending a write", e))?;
        }
        Ok(forgotten)
    }

    /// Every recorded test result, by test name.
    pub fn test_results(&self) -> Result<BTreeMap<String, TestRecord>, StoreError> {
        self.guarded("reading the test results", || self.read_test_results())
    }

    fn read_test_results(&self) -> Result<BTreeMap<String, TestRecord>, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_table(TEST_RESULTS)
            .map_err(|e| self.engine("opening the test results", e))?;
        let fail = |e| self.engine("reading the test results", e);
        let mut out = BTreeMap::new();
        for row in table.iter().map_err(fail)? {
            let (name, value) = row.map_err(fail)?;
            let (reach, recorded_at, sealed) = value.value();
            let Some(record) = unseal_record(*reach, recorded_at, sealed) else {
                // Damaged in place: the test runs again, and the next open verifies the file.
                self.mark_for_verification();
                continue;
            };
            out.insert(name.value().to_owned(), record);
        }
        Ok(out)
    }

    /// Forgets every test not in `names` (tests that were removed or renamed): its result and
    /// its test-to-code map entry. Returns how many tests were forgotten.
    pub fn retain_tests(&self, names: &BTreeSet<String>) -> Result<usize, StoreError> {
        let stale = {
            let read = self.begin_read()?;
            let results = read
                .open_table(TEST_RESULTS)
                .map_err(|e| self.engine("opening the test results", e))?;
            let map = read
                .open_table(TEST_MAP)
                .map_err(|e| self.engine("opening the test-to-code map", e))?;
            let fail = |e| self.engine("reading the test results", e);
            let mut stale = BTreeSet::new();
            for row in results.iter().map_err(fail)? {
                let name = row.map_err(fail)?.0;
                if !names.contains(name.value()) {
                    stale.insert(name.value().to_owned());
                }
            }
            for row in map.iter().map_err(fail)? {
                let name = row.map_err(fail)?.0;
                if !names.contains(name.value()) {
                    stale.insert(name.value().to_owned());
                }
            }
            stale
        };
        if stale.is_empty() {
            // The common case, answered without a write transaction.
            return Ok(0);
        }
        // Found again inside the write transaction: another process may have changed the
        // store since the look above.
        self.record_tests(Some(names), &[], &[])
    }

    /// Sets the test-to-code map entries of the given tests: `(test, reach fingerprint, item
    /// keys it reaches)`, each replacing that test's previous entry, and the reverse map with it,
    /// in one transaction. Items are stored sorted and without duplicates. An entry equal to the
    /// stored one is not rewritten.
    pub fn put_test_map(&self, entries: &[(String, Key, Vec<String>)]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.record_tests(None, entries, &[]).map(drop)
    }

    /// The tests that reach `item`, sorted by name.
    pub fn tests_reaching(&self, item: &str) -> Result<Vec<String>, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_multimap_table(ITEM_TESTS)
            .map_err(|e| self.engine("opening the test-to-code map", e))?;
        let fail = |e| self.engine("reading the test-to-code map", e);
        let mut tests = Vec::new();
        for test in table.get(item).map_err(fail)? {
            tests.push(test.map_err(fail)?.value().to_owned());
        }
        Ok(tests)
    }

    /// The reach fingerprint and the items (sorted) of `test`'s map entry, if it has one.
    pub fn test_items(&self, test: &str) -> Result<Option<(Key, Vec<String>)>, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_table(TEST_MAP)
            .map_err(|e| self.engine("opening the test-to-code map", e))?;
        let entry = table
            .get(test)
            .map_err(|e| self.engine("reading the test-to-code map", e))?;
        Ok(entry.map(|guard| {
            let (reach, items) = guard.value();
            (*reach, items.into_iter().map(str::to_owned).collect())
        }))
    }
}

/// The test tables of one write transaction: results, the map and its reverse, changed
/// together.
struct TestTables<'txn> {
    results: Table<'txn, &'static str, (&'static Key, u64, &'static [u8])>,
    map: Table<'txn, &'static str, (&'static Key, Vec<&'static str>)>,
    reverse: MultimapTable<'txn, &'static str, &'static str>,
}

impl<'txn> TestTables<'txn> {
    fn open(store: &Store, write: &'txn WriteTransaction) -> Result<TestTables<'txn>, StoreError> {
        Ok(TestTables {
            results: write
                .open_table(TEST_RESULTS)
                .map_err(|e| store.engine("opening the test results", e))?,
            map: write
                .open_table(TEST_MAP)
                .map_err(|e| store.engine("opening the test-to-code map", e))?,
            reverse: write
                .open_multimap_table(ITEM_TESTS)
                .map_err(|e| store.engine("opening the test-to-code map", e))?,
        })
    }

    fn put_result(
        &mut self,
        store: &Store,
        name: &str,
        record: &TestRecord,
    ) -> Result<(), StoreError> {
        // Checksummed like a blob (with the reach and the time), since the store is opened
        // without verifying every page: a damaged record reads as no record.
        let mut value = crate::blobs::checksum(&record_bytes(record)).to_vec();
        value.extend_from_slice(&record.data);
        self.results
            .insert(name, (&record.reach, record.recorded_at, value.as_slice()))
            .map_err(|e| store.engine("writing a test result", e))?;
        Ok(())
    }

    /// Forgets the result and the map entry of every test not in `keep`; returns how many
    /// tests that was.
    fn forget_all_but(
        &mut self,
        store: &Store,
        keep: &BTreeSet<String>,
    ) -> Result<usize, StoreError> {
        let fail = |e| store.engine("reading the test results", e);
        let mut stale = BTreeSet::new();
        for row in self.results.iter().map_err(fail)? {
            let name = row.map_err(fail)?.0;
            if !keep.contains(name.value()) {
                stale.insert(name.value().to_owned());
            }
        }
        for row in self.map.iter().map_err(fail)? {
            let name = row.map_err(fail)?.0;
            if !keep.contains(name.value()) {
                stale.insert(name.value().to_owned());
            }
        }
        for name in &stale {
            self.results
                .remove(name.as_str())
                .map_err(|e| store.engine("removing a test result", e))?;
            self.remove_map(store, name)?;
        }
        Ok(stale.len())
    }

    /// The stored map entry of `test`, owned.
    fn entry(&self, store: &Store, test: &str) -> Result<Option<(Key, Vec<String>)>, StoreError> {
        let entry = self
            .map
            .get(test)
            .map_err(|e| store.engine("reading the test-to-code map", e))?;
        Ok(entry.map(|guard| {
            let (reach, items) = guard.value();
            (*reach, items.into_iter().map(str::to_owned).collect())
        }))
    }

    /// Replaces `test`'s map entry; returns whether anything changed.
    fn put_map(
        &mut self,
        store: &Store,
        test: &str,
        reach: &Key,
        items: &BTreeSet<&str>,
    ) -> Result<bool, StoreError> {
        if let Some((old_reach, old_items)) = self.entry(store, test)? {
            if old_reach == *reach
                && old_items
                    .iter()
                    .map(String::as_str)
                    .eq(items.iter().copied())
            {
                return Ok(false);
            }
            let fail = |e| store.engine("updating the test-to-code map", e);
            for item in &old_items {
                if !items.contains(item.as_str()) {
                    self.reverse.remove(item.as_str(), test).map_err(fail)?;
                }
            }
        }
        let fail = |e| store.engine("writing the test-to-code map", e);
        let list: Vec<&str> = items.iter().copied().collect();
        self.map.insert(test, (reach, list)).map_err(fail)?;
        for item in items {
            // A pair that is already present is left as it is.
            self.reverse.insert(*item, test).map_err(fail)?;
        }
        Ok(true)
    }

    /// Removes `test`'s map entry and its reverse pairs.
    fn remove_map(&mut self, store: &Store, test: &str) -> Result<(), StoreError> {
        let Some((_, items)) = self.entry(store, test)? else {
            return Ok(());
        };
        let fail = |e| store.engine("removing from the test-to-code map", e);
        self.map.remove(test).map_err(fail)?;
        for item in &items {
            self.reverse.remove(item.as_str(), test).map_err(fail)?;
        }
        Ok(())
    }
}

/// What a test record's checksum covers: its reach, its time and its data.
fn record_bytes(record: &TestRecord) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(40 + record.data.len());
    bytes.extend_from_slice(&record.reach);
    bytes.extend_from_slice(&record.recorded_at.to_le_bytes());
    bytes.extend_from_slice(&record.data);
    bytes
}

/// The record stored as (reach, time, checksum + data), if it matches its checksum.
fn unseal_record(reach: Key, recorded_at: u64, sealed: &[u8]) -> Option<TestRecord> {
    let (check, data) = sealed.split_at_checked(crate::blobs::CHECK_BYTES)?;
    let record = TestRecord {
        reach,
        recorded_at,
        data: data.to_vec(),
    };
    (crate::blobs::checksum(&record_bytes(&record)) == *check).then_some(record)
}
