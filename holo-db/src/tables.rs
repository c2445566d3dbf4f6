//! The schema: every redb table of a store, its key and value types, and the version that names
//! this layout.
//!
//! Layout (schema version [`SCHEMA_VERSION`]):
//!
//! | table | key → value | what |
//! | --- | --- | --- |
//! | `holo_header` | `&str` → bytes | `format` = `holo-db`, `schema_version` (u64 LE), `created_by`, `last_build` |
//! | `blobs` | 32-byte fingerprint → 16-byte checksum + bytes | content-addressed results; a key names its value forever; a value that does not match its checksum is a miss |
//! | `blob_info` | 32-byte fingerprint → (last-used unix day, entry bytes) | one row per blob, for `gc` |
//! | `meta` | `&str` → bytes | small bookkeeping owned by the caller |
//! | `runs` | `&str` → (command, unix secs, hits, misses, writes) | `last`: the counters of the last recorded run |
//! | `test_results` | test name → (reach fingerprint, unix secs, bytes) | the last result of each test |
//! | `test_map` | test name → (reach fingerprint, item keys) | what each test can reach |
//! | `item_tests` | item key ⇉ test names (multimap) | the reverse of `test_map` |
//!
//! One type of file serves both the shared store (which uses `blobs`) and a project's state
//! (which uses the test tables); every table exists in every file, so either kind of handle can
//! answer any question.
//!
//! The header table's name and types never change, so any future holo can read any store's
//! version and decide. A store of another schema version is moved aside, not migrated: it is a
//! cache, and [`store_file_name`] puts the version in the file name so that two installed
//! versions of holo sharing one `HOLO_HOME` use two files instead of moving each other's aside.

use crate::fingerprint::Key;
use redb::{MultimapTableDefinition, TableDefinition};

/// The version of the table layout above. Bump it whenever a table is added or a table's
/// meaning or encoding changes; stores with another version are moved aside and rebuilt.
///
/// History: 1 = header, blobs, meta. 2 = adds `blob_info` (which `gc` needs for every blob, so
/// version-1 files cannot be served), `runs`, and the test tables.
pub const SCHEMA_VERSION: u64 = 3;

/// The file name of the shared store for this schema version, e.g. `holo-v3.redb`.
pub fn store_file_name() -> String {
    format!("holo-v{SCHEMA_VERSION}.redb")
}

/// The file name of a project's state for this schema version, e.g. `state-v3.redb`.
pub fn state_file_name() -> String {
    format!("state-v{SCHEMA_VERSION}.redb")
}

/// The value of the header's `format` entry, which tells a holo store from other redb files.
pub(crate) const FORMAT_TAG: &[u8] = b"holo-db";

pub(crate) const HEADER: TableDefinition<&str, &[u8]> = TableDefinition::new("holo_header");
pub(crate) const HEADER_FORMAT: &str = "format";
pub(crate) const HEADER_SCHEMA: &str = "schema_version";
pub(crate) const HEADER_CREATED_BY: &str = "created_by";
pub(crate) const HEADER_LAST_BUILD: &str = "last_build";

pub(crate) const BLOBS: TableDefinition<&Key, &[u8]> = TableDefinition::new("blobs");

/// `(last-used unix day, key + value bytes)`. The size is kept here so that `gc` can choose
/// what to remove without reading any blob.
pub(crate) const BLOB_INFO: TableDefinition<&Key, (u32, u64)> = TableDefinition::new("blob_info");

pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// `(command, unix seconds, hits, misses, writes)`.
pub(crate) const RUNS: TableDefinition<&str, (&str, u64, u64, u64, u64)> =
    TableDefinition::new("runs");
pub(crate) const RUNS_LAST: &str = "last";

/// `(reach fingerprint, recorded at in unix seconds, the caller's bytes)`.
pub(crate) const TEST_RESULTS: TableDefinition<&str, (&Key, u64, &[u8])> =
    TableDefinition::new("test_results");

/// `(reach fingerprint, item keys sorted and without duplicates)`.
pub(crate) const TEST_MAP: TableDefinition<&str, (&Key, Vec<&str>)> =
    TableDefinition::new("test_map");

pub(crate) const ITEM_TESTS: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("item_tests");

/// The size a blob counts for in `gc` and in reports: its key and its value.
pub(crate) fn entry_bytes(value_len: usize) -> u64 {
    (std::mem::size_of::<Key>() + value_len) as u64
}
