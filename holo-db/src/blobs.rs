//! Content-addressed results (`blobs`), the caller's bookkeeping (`meta`), and the counters of
//! a run: every lookup is counted as a hit or a miss, and [`Store::record_run`] saves the counts
//! so that `holo cache stats` can show how well the last command was served.

use crate::error::StoreError;
use crate::fingerprint::Key;
use crate::store::{RunStats, SessionStats, Store};
use crate::tables::{BLOB_INFO, BLOBS, META, RUNS, RUNS_LAST, entry_bytes};
use redb::{ReadableTable, Table, WriteTransaction};
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

/// How many bytes of a blob's blake3 hash are stored in front of it.
pub(crate) const CHECK_BYTES: usize = 16;

/// A blob as stored: a checksum of the payload, then the payload. Stores are opened without
/// verifying every page (that costs more than a command for a large cache), so each blob read
/// is verified instead: what is read is what was written, or a miss.
fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(CHECK_BYTES + payload.len());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
    out
}

/// The payload of a stored blob, or `None` if it does not match its checksum.
fn unseal(stored: &[u8]) -> Option<&[u8]> {
    let (check, payload) = stored.split_at_checked(CHECK_BYTES)?;
    (checksum(payload) == *check).then_some(payload)
}

/// The checksum stored with a blob (and with a test record): the first bytes of its blake3.
pub(crate) fn checksum(bytes: &[u8]) -> [u8; CHECK_BYTES] {
    let mut out = [0; CHECK_BYTES];
    out.copy_from_slice(&blake3::hash(bytes).as_bytes()[..CHECK_BYTES]);
    out
}

impl Store {
    /// The blob stored under `key`, if any.
    pub fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        let mut found = self.get_many(std::slice::from_ref(key))?;
        Ok(found.pop().flatten())
    }

    /// The blobs stored under `keys`, in the same order (`None` where there is none), read in
    /// one transaction so that they come from one consistent state of the store.
    pub fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.guarded("reading blobs", || self.read_many(keys))
    }

    fn read_many(&self, keys: &[Key]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_table(BLOBS)
            .map_err(|e| self.engine("opening the blob table", e))?;
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            let value = table
                .get(key)
                .map_err(|e| self.engine("reading a blob", e))?;
            values.push(value.and_then(|guard| match unseal(guard.value()) {
                Some(payload) => Some(payload.to_vec()),
                None => {
                    // Damaged in place: a miss now, and the whole file is verified (and moved
                    // aside if damaged) when it is next opened.
                    self.mark_for_verification();
                    None
                }
            }));
        }
        self.count_lookups(keys.iter().zip(&values).map(|(k, v)| (k, v.is_some())));
        Ok(values)
    }

    /// Whether blobs are stored under `keys` (same order), read in one transaction without
    /// copying them; counted as lookups, like [`Store::get_many`]. A damaged blob is found only
    /// when it is read.
    pub fn contains_many(&self, keys: &[Key]) -> Result<Vec<bool>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.guarded("looking blobs up", || {
            let read = self.begin_read()?;
            let table = read
                .open_table(BLOBS)
                .map_err(|e| self.engine("opening the blob table", e))?;
            let mut found = Vec::with_capacity(keys.len());
            for key in keys {
                found.push(
                    table
                        .get(key)
                        .map_err(|e| self.engine("reading a blob", e))?
                        .is_some(),
                );
            }
            self.count_lookups(keys.iter().zip(&found).map(|(k, f)| (k, *f)));
            Ok(found)
        })
    }

    /// Whether a blob is stored under `key` (counted as a lookup, like [`Store::get`]).
    pub fn contains(&self, key: &Key) -> Result<bool, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_table(BLOBS)
            .map_err(|e| self.engine("opening the blob table", e))?;
        let found = table
            .get(key)
            .map_err(|e| self.engine("reading a blob", e))?
            .is_some();
        self.count_lookups([(key, found)]);
        Ok(found)
    }

    /// Stores one blob. Prefer [`Store::put_batch`] for several: each call is one durable commit
    /// (an fsync, about 1 ms).
    pub fn put(&self, key: &Key, value: &[u8]) -> Result<bool, StoreError> {
        Ok(self.put_batch([(key, value)])? == 1)
    }

    /// Stores blobs in one short write transaction and returns how many were new.
    ///
    /// Keys are content addresses: a key that is already present names the same bytes, so it is
    /// left as it is rather than rewritten (which would copy its pages for nothing); only its
    /// last-use day is brought up to today.
    pub fn put_batch<'a, I>(&self, entries: I) -> Result<usize, StoreError>
    where
        I: IntoIterator<Item = (&'a Key, &'a [u8])>,
    {
        let mut entries = entries.into_iter().peekable();
        if entries.peek().is_none() {
            // Not even a transaction: beginning one waits for every other writer.
            return Ok(0);
        }
        let added = self.guarded("writing blobs", || {
            let write = self.begin_write()?;
            let (added, changed) = self.insert_blobs(&write, entries)?;
            if changed {
                write
                    .commit()
                    .map_err(|e| self.engine("committing blobs", e))?;
            } else {
                write
                    .abort()
                    .map_err(|e| self.engine("ending a write", e))?;
            }
            Ok(added)
        })?;
        self.counters
            .writes
            .fetch_add(added as u64, Ordering::Relaxed);
        Ok(added)
    }

    /// [`Store::put_batch`] and then [`Store::record_run`], in one commit (each commit syncs the
    /// file: a command that ends with both pays for one). Returns how many blobs were new.
    pub fn put_batch_and_record_run<'a, I>(
        &self,
        entries: I,
        command: &str,
    ) -> Result<usize, StoreError>
    where
        I: IntoIterator<Item = (&'a Key, &'a [u8])>,
    {
        let mut added = 0;
        self.write_access(|write| {
            added = self.insert_blobs(write, entries)?.0;
            self.counters
                .writes
                .fetch_add(added as u64, Ordering::Relaxed);
            self.insert_run(write, command)?;
            Ok(true)
        })?;
        Ok(added)
    }

    /// Inserts the blobs that are not stored yet and marks the others as used today; returns
    /// how many were new and whether anything was written.
    fn insert_blobs<'a>(
        &self,
        write: &WriteTransaction,
        entries: impl IntoIterator<Item = (&'a Key, &'a [u8])>,
    ) -> Result<(usize, bool), StoreError> {
        let today = self.today();
        let mut added = 0;
        let mut touched = 0;
        let mut table = write
            .open_table(BLOBS)
            .map_err(|e| self.engine("opening the blob table", e))?;
        let mut info = write
            .open_table(BLOB_INFO)
            .map_err(|e| self.engine("opening the blob table", e))?;
        for (key, value) in entries {
            let present = table
                .get(key)
                .map_err(|e| self.engine("reading a blob", e))?
                .is_some();
            if present {
                let size = Some(entry_bytes(value.len()));
                touched += usize::from(self.touch(&mut info, key, today, size)?);
            } else {
                table
                    .insert(key, seal(value).as_slice())
                    .map_err(|e| self.engine("writing a blob", e))?;
                info.insert(key, (today, entry_bytes(value.len())))
                    .map_err(|e| self.engine("writing a blob", e))?;
                added += 1;
            }
        }
        Ok((added, added + touched > 0))
    }

    /// Sets `key`'s last-use day to `today` unless it already is; returns whether it wrote.
    /// Without an info row (the blob is gone, removed by a `gc` since it was found), nothing is
    /// written unless the caller knows the entry's `size` because it has just stored the blob.
    pub(crate) fn touch(
        &self,
        info: &mut Table<&Key, (u32, u64)>,
        key: &Key,
        today: u32,
        size: Option<u64>,
    ) -> Result<bool, StoreError> {
        let current = info
            .get(key)
            .map_err(|e| self.engine("reading when a blob was last used", e))?
            .map(|guard| guard.value());
        let bytes = match (current, size) {
            (Some((day, _)), _) if day >= today => return Ok(false),
            (Some((_, bytes)), _) => bytes,
            (None, Some(bytes)) => bytes,
            (None, None) => return Ok(false),
        };
        info.insert(key, (today, bytes))
            .map_err(|e| self.engine("recording when a blob was last used", e))?;
        Ok(true)
    }

    fn count_lookups<'k>(&self, lookups: impl IntoIterator<Item = (&'k Key, bool)>) {
        let mut hits = 0;
        let mut misses = 0;
        let mut pending = self
            .pending_access
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (key, found) in lookups {
            if found {
                hits += 1;
                pending.insert(*key);
            } else {
                misses += 1;
            }
        }
        drop(pending);
        self.counters.hits.fetch_add(hits, Ordering::Relaxed);
        self.counters.misses.fetch_add(misses, Ordering::Relaxed);
    }

    /// This handle's lookups and writes since it was opened or last reset.
    pub fn session_stats(&self) -> SessionStats {
        SessionStats {
            hits: self.counters.hits.load(Ordering::Relaxed),
            misses: self.counters.misses.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    /// Sets this handle's counters back to zero and returns what they were (a long-running
    /// process that serves several commands resets them between commands).
    pub fn reset_session_stats(&self) -> SessionStats {
        SessionStats {
            hits: self.counters.hits.swap(0, Ordering::Relaxed),
            misses: self.counters.misses.swap(0, Ordering::Relaxed),
            writes: self.counters.writes.swap(0, Ordering::Relaxed),
        }
    }

    /// Saves this handle's counters ([`Store::session_stats`]) and the current time as the last
    /// run of `command`, and writes the last-use days of every key this handle found, all in
    /// one write transaction. Call it once when a command ends. The counters are not reset.
    pub fn record_run(&self, command: &str) -> Result<(), StoreError> {
        self.write_access(|write| {
            self.insert_run(write, command)?;
            Ok(true)
        })
    }

    fn insert_run(&self, write: &WriteTransaction, command: &str) -> Result<(), StoreError> {
        let stats = self.session_stats();
        let mut runs = write
            .open_table(RUNS)
            .map_err(|e| self.engine("opening the run statistics", e))?;
        runs.insert(
            RUNS_LAST,
            (command, self.now(), stats.hits, stats.misses, stats.writes),
        )
        .map_err(|e| self.engine("writing the run statistics", e))?;
        Ok(())
    }

    /// What the last [`Store::record_run`] on this store (by any process) saved.
    pub fn last_run(&self) -> Result<Option<RunStats>, StoreError> {
        let read = self.begin_read()?;
        let runs = read
            .open_table(RUNS)
            .map_err(|e| self.engine("opening the run statistics", e))?;
        let last = runs
            .get(RUNS_LAST)
            .map_err(|e| self.engine("reading the run statistics", e))?;
        Ok(last.map(|guard| {
            let (command, recorded_at, hits, misses, writes) = guard.value();
            RunStats {
                command: command.to_owned(),
                recorded_at,
                hits,
                misses,
                writes,
            }
        }))
    }

    /// A bookkeeping value (per-project state owned by the caller).
    pub fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let read = self.begin_read()?;
        let table = read
            .open_table(META)
            .map_err(|e| self.engine("opening the bookkeeping table", e))?;
        let value = table
            .get(key)
            .map_err(|e| self.engine("reading a bookkeeping entry", e))?;
        Ok(value.map(|guard| guard.value().to_vec()))
    }

    /// Sets a bookkeeping value, replacing any previous one.
    pub fn put_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let write = self.begin_write()?;
        {
            let mut table = write
                .open_table(META)
                .map_err(|e| self.engine("opening the bookkeeping table", e))?;
            table
                .insert(key, value)
                .map_err(|e| self.engine("writing a bookkeeping entry", e))?;
        }
        write
            .commit()
            .map_err(|e| self.engine("committing a bookkeeping entry", e))
    }

    /// Removes a bookkeeping value; returns whether there was one.
    pub fn remove_meta(&self, key: &str) -> Result<bool, StoreError> {
        let write = self.begin_write()?;
        let removed = {
            let mut table = write
                .open_table(META)
                .map_err(|e| self.engine("opening the bookkeeping table", e))?;
            table
                .remove(key)
                .map_err(|e| self.engine("removing a bookkeeping entry", e))?
                .is_some()
        };
        write
            .commit()
            .map_err(|e| self.engine("committing a bookkeeping removal", e))?;
        Ok(removed)
    }
}
