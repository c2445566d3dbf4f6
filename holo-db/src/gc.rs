//! Garbage collection of the shared store: when each blob was last used, removing what has not
//! been used for a while or what exceeds a size limit, and compacting the file afterwards.
//!
//! Last use is kept in whole days (`blob_info`), written when a blob is stored and, for blobs
//! that were found, in one transaction at the end of a command ([`Store::record_run`],
//! [`Store::flush_access`], or when the handle is dropped). A day is fine enough for a policy
//! counted in days and means a warm store is written to at most once a day per blob.

use crate::error::StoreError;
use crate::fingerprint::Key;
use crate::store::Store;
use crate::tables::{BLOB_INFO, BLOBS, entry_bytes};
use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use std::sync::PoisonError;

/// What [`Store::gc`] removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcPolicy {
    /// Remove entries not used for more than this many days (0: keep only what was used today).
    pub max_age_days: u32,
    /// Then remove the least recently used entries until the entries' bytes (keys and values,
    /// see [`crate::StoreStats::blob_bytes`]) are at most this.
    pub max_bytes: Option<u64>,
}

impl Default for GcPolicy {
    /// 30 days, no size limit.
    fn default() -> GcPolicy {
        GcPolicy {
            max_age_days: 30,
            max_bytes: None,
        }
    }
}

/// Whether the file could be compacted after the removal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compaction {
    /// Free space was given back to the file system.
    Compacted,
    /// There was nothing to give back.
    NothingToDo,
    /// Another transaction (of this process or another one) was using the store, which
    /// compaction cannot run beside. The removal itself is done; the space is reused by later
    /// writes and can be given back by a later `gc`.
    Busy,
}

/// What [`Store::gc`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcReport {
    pub removed_entries: u64,
    /// Bytes of the removed entries' keys and values.
    pub removed_bytes: u64,
    pub kept_entries: u64,
    pub kept_bytes: u64,
    /// The file's size before and after (after compaction, if it ran).
    pub file_bytes_before: u64,
    pub file_bytes_after: u64,
    pub compaction: Compaction,
}

impl Store {
    /// Writes the last-use day of every blob this handle found since the last flush, in one
    /// transaction (nothing is written if they are all marked as used today already).
    pub fn flush_access(&self) -> Result<(), StoreError> {
        let empty = self
            .pending_access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
        if empty {
            return Ok(());
        }
        self.write_access(|_| Ok(false))
    }

    /// One write transaction that marks the pending found keys as used today and runs `more`
    /// (which returns whether it wrote anything). Committed only if something changed. On
    /// failure the keys stay pending, for the next flush.
    pub(crate) fn write_access(
        &self,
        more: impl FnOnce(&WriteTransaction) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let keys: Vec<Key> = {
            let mut pending = self
                .pending_access
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut keys: Vec<Key> = pending.drain().collect();
            // Sorted: the B-tree is walked in order, touching each page once.
            keys.sort_unstable();
            keys
        };
        let result = self.write_access_keys(&keys, more);
        if result.is_err() {
            self.pending_access
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(keys);
        }
        result
    }

    fn write_access_keys(
        &self,
        keys: &[Key],
        more: impl FnOnce(&WriteTransaction) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let today = self.today();
        let write = self.begin_write()?;
        let mut changed = false;
        {
            let mut info = write
                .open_table(BLOB_INFO)
                .map_err(|e| self.engine("opening the blob table", e))?;
            for key in keys {
                changed |= self.touch(&mut info, key, today, None)?;
            }
        }
        changed |= more(&write)?;
        if changed {
            write
                .commit()
                .map_err(|e| self.engine("committing when blobs were last used", e))
        } else {
            write.abort().map_err(|e| self.engine("ending a write", e))
        }
    }

    /// Removes blobs not used for more than `policy.max_age_days`, then the least recently used
    /// ones until what is left fits in `policy.max_bytes`, in one transaction; then compacts the
    /// file if no other transaction is using it (see [`Compaction`]).
    ///
    /// Entries are only ever removed whole (blob and last-use row together), so a concurrent
    /// reader either finds an entry or misses it, and a miss only means recomputing.
    pub fn gc(&self, policy: GcPolicy) -> Result<GcReport, StoreError> {
        // What this handle found counts as used: flush it first so that it is not collected.
        self.flush_access()?;
        let file_bytes_before = self.file_bytes()?;
        let today = self.today();
        let cutoff = today.saturating_sub(policy.max_age_days);

        let write = self.begin_write()?;
        let (removed, kept, changed) = {
            let mut blobs = write
                .open_table(BLOBS)
                .map_err(|e| self.engine("opening the blob table", e))?;
            let mut info = write
                .open_table(BLOB_INFO)
                .map_err(|e| self.engine("opening the blob table", e))?;
            let repaired = self.reconcile(&mut blobs, &mut info, today)?;

            let mut entries: Vec<(u32, Key, u64)> = Vec::new();
            for row in info
                .iter()
                .map_err(|e| self.engine("reading when blobs were last used", e))?
            {
                let (key, value) =
                    row.map_err(|e| self.engine("reading when blobs were last used", e))?;
                let (day, bytes) = value.value();
                entries.push((day, *key.value(), bytes));
            }
            // Oldest first; ties broken by key so that the choice is deterministic.
            entries.sort_unstable();
            let total: u64 = entries.iter().map(|(_, _, bytes)| bytes).sum();
            let mut kept = Tally {
                entries: entries.len() as u64,
                bytes: total,
            };
            let mut removed = Tally::default();
            for (day, key, bytes) in &entries {
                let too_old = *day < cutoff;
                let too_big = policy.max_bytes.is_some_and(|max| kept.bytes > max);
                if !too_old && !too_big {
                    // Sorted by day: every later entry is newer, and the size fits.
                    break;
                }
                blobs
                    .remove(key)
                    .map_err(|e| self.engine("removing a blob", e))?;
                info.remove(key)
                    .map_err(|e| self.engine("removing a blob", e))?;
                kept.entries -= 1;
                kept.bytes -= bytes;
                removed.entries += 1;
                removed.bytes += bytes;
            }
            (removed, kept, repaired || removed.entries > 0)
        };
        if changed {
            write
                .commit()
                .map_err(|e| self.engine("committing the garbage collection", e))?;
        } else {
            write
                .abort()
                .map_err(|e| self.engine("ending a write", e))?;
        }

        let compaction = self.compact()?;
        Ok(GcReport {
            removed_entries: removed.entries,
            removed_bytes: removed.bytes,
            kept_entries: kept.entries,
            kept_bytes: kept.bytes,
            file_bytes_before,
            file_bytes_after: self.file_bytes()?,
            compaction,
        })
    }

    /// Makes `blob_info` have exactly one row per blob. It always does, unless a file was
    /// damaged in a way its checksums could not see; counting both is cheap, and only then are
    /// both tables walked. Returns whether it changed anything.
    fn reconcile(
        &self,
        blobs: &mut redb::Table<&Key, &[u8]>,
        info: &mut redb::Table<&Key, (u32, u64)>,
        today: u32,
    ) -> Result<bool, StoreError> {
        let count = |e| self.engine("counting blobs", e);
        if blobs.len().map_err(count)? == info.len().map_err(count)? {
            return Ok(false);
        }
        let read = |e| self.engine("reading a blob", e);
        let mut missing: Vec<(Key, u64)> = Vec::new();
        for row in blobs.iter().map_err(read)? {
            let (key, value) = row.map_err(read)?;
            let key = *key.value();
            if info.get(&key).map_err(read)?.is_none() {
                missing.push((key, entry_bytes(value.value().len())));
            }
        }
        let mut orphans: Vec<Key> = Vec::new();
        for row in info.iter().map_err(read)? {
            let (key, _) = row.map_err(read)?;
            let key = *key.value();
            if blobs.get(&key).map_err(read)?.is_none() {
                orphans.push(key);
            }
        }
        let write = |e| self.engine("repairing when blobs were last used", e);
        for (key, bytes) in &missing {
            // Unknown last use: counted from today, so that nothing is lost to the repair.
            info.insert(key, (today, *bytes)).map_err(write)?;
        }
        for key in &orphans {
            info.remove(key).map_err(write)?;
        }
        Ok(!missing.is_empty() || !orphans.is_empty())
    }

    /// Gives free pages back to the file system. Needs the database exclusively: it waits for
    /// this handle's other operations to begin their transactions, and reports
    /// [`Compaction::Busy`] if a transaction of this or another process is still open.
    fn compact(&self) -> Result<Compaction, StoreError> {
        let mut db = self.db_mut();
        match db.compact() {
            Ok(true) => Ok(Compaction::Compacted),
            Ok(false) => Ok(Compaction::NothingToDo),
            Err(redb::CompactionError::TransactionInProgress)
            | Err(redb::CompactionError::EphemeralSavepointExists)
            | Err(redb::CompactionError::PersistentSavepointExists) => Ok(Compaction::Busy),
            Err(error) => Err(self.engine("compacting the store", error)),
        }
    }

    pub(crate) fn file_bytes(&self) -> Result<u64, StoreError> {
        std::fs::metadata(self.path())
            .map(|m| m.len())
            .map_err(|source| StoreError::Io {
                action: "read the size of",
                path: self.path().to_owned(),
                source,
            })
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    entries: u64,
    bytes: u64,
}

impl Drop for Store {
    /// Writes the pending last-use days. Errors are dropped: they only make `gc` think some
    /// entries are older than they are.
    fn drop(&mut self) {
        let _ = self.flush_access();
    }
}
