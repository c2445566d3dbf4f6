//! The compiler's [`ResultStore`] over the shared redb store: lookups in one read transaction
//! per batch, writes buffered until the command is done and committed in one transaction (every
//! redb commit syncs to disk, so one per result would cost more than recomputing).
//!
//! A store that fails mid-command is not fatal: the failure is logged, lookups answer "not
//! stored" and the command computes what it needs, as it would with an empty cache.

use holo_compiler::cache::ResultStore;
use holo_compiler::fingerprint::Fingerprint;
use holo_db::{Key, Store};
use std::sync::Mutex;

pub struct SharedResults<'a> {
    store: Option<&'a Store>,
    pending: Mutex<Vec<(Key, Vec<u8>)>>,
}

impl<'a> SharedResults<'a> {
    /// Results read from `store` (none are found when there is none). What is computed is kept
    /// for [`SharedResults::take_pending`] either way: the store may be opened later.
    pub fn new(store: Option<&'a Store>) -> SharedResults<'a> {
        SharedResults {
            store,
            pending: Mutex::new(Vec::new()),
        }
    }

    fn key(kind: &str, key: &Fingerprint) -> Key {
        holo_db::result_key(crate::host::store::build_id(), kind, &[&key.0])
    }

    /// What was computed during the command and is not written yet (taken out: what is computed
    /// later is taken by a later call).
    pub fn take_pending(&self) -> PendingResults {
        PendingResults(std::mem::take(
            &mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

/// Results computed by a command and not written to the cache yet.
#[must_use = "results that are not finished are lost: call `PendingResults::finish`"]
#[derive(Default)]
pub struct PendingResults(Vec<(Key, Vec<u8>)>);

impl PendingResults {
    /// Adds `other`'s results to these.
    pub fn append(&mut self, mut other: PendingResults) {
        self.0.append(&mut other.0);
    }

    /// Writes the results to `store` and records the command's cache statistics (for `holo
    /// cache stats`), in one commit. Returns how many entries were new. A failure is logged
    /// and only loses what it would have saved.
    pub fn finish(self, store: Option<&Store>, command: &str) -> usize {
        let Some(store) = store else {
            return 0;
        };
        match store.put_batch_and_record_run(self.0.iter().map(|(k, v)| (k, v.as_slice())), command)
        {
            Ok(written) => written,
            Err(e) => {
                tracing::warn!("could not save results to the cache: {e}");
                0
            }
        }
    }
}

impl ResultStore for SharedResults<'_> {
    fn get_many(&self, kind: &'static str, keys: &[Fingerprint]) -> Vec<Option<Vec<u8>>> {
        let Some(store) = self.store else {
            return vec![None; keys.len()];
        };
        let store_keys: Vec<Key> = keys.iter().map(|k| Self::key(kind, k)).collect();
        match store.get_many(&store_keys) {
            Ok(values) => values,
            Err(e) => {
                tracing::warn!("could not read results from the cache: {e}");
                vec![None; keys.len()]
            }
        }
    }

    fn contains_many(&self, kind: &'static str, keys: &[Fingerprint]) -> Vec<bool> {
        let Some(store) = self.store else {
            return vec![false; keys.len()];
        };
        let store_keys: Vec<Key> = keys.iter().map(|k| Self::key(kind, k)).collect();
        store.contains_many(&store_keys).unwrap_or_else(|e| {
            tracing::warn!("could not look results up in the cache: {e}");
            vec![false; keys.len()]
        })
    }

    fn put_many(&self, kind: &'static str, entries: Vec<(Fingerprint, Vec<u8>)>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(entries.into_iter().map(|(k, v)| (Self::key(kind, &k), v)));
    }
}
