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
//! ```no_run
//! # fn main() -> Result<(), holo_db::StoreError> {
//! let (store, warning) = holo_db::Store::open("target/holo/holo-v1.redb", "holo 0.1.0 abc123")?;
//! // The CLI shows this line; holo-db only returns it.
//! let _message: Option<String> = warning.map(|w| format!("warning: {w}"));
//! let key = store.result_key("check", &[b"fn main() {}"]);
//! store.put(&key, b"no diagnostics")?;
//! assert_eq!(store.get(&key)?.as_deref(), Some(&b"no diagnostics"[..]));
//! # Ok(())
//! # }
//! ```

mod error;
mod fingerprint;
mod store;

pub use error::{Damage, StoreError, Warning};
pub use fingerprint::{Fingerprinter, Key, fingerprint, to_hex};
pub use store::{OpenOptions, SCHEMA_VERSION, Store, StoreStats, store_file_name};
