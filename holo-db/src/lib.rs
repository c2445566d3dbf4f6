//! holo-db: the persistent store on redb — content-addressed results, per-project bookkeeping,
//! a versioned schema, sharing between processes, and recovery from damaged files.
//!
//! Architecture invariants:
//! - **holo-db knows nothing of the language.** Keys are opaque fingerprints and values are
//!   opaque bytes; the compiler decides what they mean.
//! - **holo-db never prints.** Damage it recovered from comes back as a [`Warning`] value.
//! - **Nothing is deleted.** A damaged or foreign store is renamed aside, never removed.
//! - **Keys are content hashes**, built with [`fingerprint`] / [`Store::result_key`], never paths
//!   or timestamps.
//!
//! One kind of file serves two purposes: the **shared store** in `$HOLO_HOME` holds
//! content-addressed results that any project can reuse, and each project's **state** in its
//! `target/` folder holds test results and the test-to-code map. Both are opened with
//! [`Store::open`].
//!
//! ```no_run
//! # fn main() -> Result<(), holo_db::StoreError> {
//! let (store, warning) = holo_db::Store::open("target/holo/holo-v3.redb", "holo 0.1.0 abc123")?;
//! // The CLI shows this line; holo-db only returns it.
//! let _message: Option<String> = warning.map(|w| format!("warning: {w}"));
//! let key = store.result_key("check", &[b"fn main() {}"]);
//! store.put(&key, b"no diagnostics")?;
//! assert_eq!(store.get(&key)?.as_deref(), Some(&b"no diagnostics"[..]));
//! // At the end of a command: save the hit/miss counts and when found entries were used.
//! store.record_run("check")?;
//! # Ok(())
//! # }
//! ```

mod blobs;
mod error;
mod fingerprint;
mod gc;
mod project;
mod store;
mod tables;

pub use error::{Damage, StoreError, Warning};
pub use fingerprint::{Fingerprinter, Key, fingerprint, to_hex};
pub use gc::{Compaction, GcPolicy, GcReport};
pub use project::TestRecord;
pub use store::{OpenOptions, RunStats, SessionStats, Store, StoreStats, peek_meta, result_key};
pub use tables::{SCHEMA_VERSION, state_file_name, store_file_name};
