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
    /// Results read from and written to `store`, or only computed when there is none.
    pub fn new(store: Option<&'a Store>) -> SharedResults<'a> {
        SharedResults {
            store,
            pending: Mutex::new(Vec::new()),
        }
    }

    fn key(store: &Store, kind: &str, key: &Fingerprint) -> Key {
        store.result_key(kind, &[&key.0])
    }

    /// Writes what was computed during the command. Returns how many entries were written.
    pub fn flush(&self) -> usize {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let Some(store) = self.store else {
            return 0;
        };
        if pending.is_empty() {
            return 0;
        }
        match store.put_batch(pending.iter().map(|(k, v)| (k, v.as_slice()))) {
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
        let store_keys: Vec<Key> = keys.iter().map(|k| Self::key(store, kind, k)).collect();
        match store.get_many(&store_keys) {
            Ok(values) => values,
            Err(e) => {
                tracing::warn!("could not read results from the cache: {e}");
                vec![None; keys.len()]
            }
        }
    }

    fn put_many(&self, kind: &'static str, entries: Vec<(Fingerprint, Vec<u8>)>) {
        let Some(store) = self.store else {
            return;
        };
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(
            entries
                .into_iter()
                .map(|(k, v)| (Self::key(store, kind, &k), v)),
        );
    }
}
