//! The project's daemon: one process per package that keeps a [`ProjectHost`] warm, watches
//! the package, and answers `check`, `build`, `run` and `test` for any client — the same
//! answers a fresh process computes, streamed as the host's events.
//!
//! - `protocol`: the messages on the socket (JSON lines) and the handshake with the build id;
//! - `client`: connecting, syncing, asking, starting and stopping;
//! - `server`: the main loop, also the loop of `holo dev` and of the `--watch` commands.
//!
//! [`ProjectHost`]: crate::host::project::ProjectHost

pub mod client;
pub mod protocol;
pub mod server;

pub use protocol::Request;

use crate::host::package::PackageLocation;
use std::path::PathBuf;

/// Where the daemon of the package at `location` keeps its socket: `target/holo/daemon.sock`,
/// or, when that path is too long for a Unix socket (about 100 bytes), a file in the
/// temporary folder named by a hash of the package's root.
pub fn socket_path(location: &PackageLocation) -> PathBuf {
    let inside = crate::host::store::holo_target_dir(&location.root).join("daemon.sock");
    if inside.as_os_str().len() < 100 {
        return inside;
    }
    let hash = blake3::hash(location.root.as_os_str().as_encoded_bytes());
    std::env::temp_dir().join(format!("holo-{}.sock", &hash.to_hex()[..16]))
}

/// The lock file a serving daemon holds, so that two daemons never serve one package.
pub fn lock_path(location: &PackageLocation) -> PathBuf {
    crate::host::store::holo_target_dir(&location.root).join("daemon.lock")
}

/// Where a daemon started in the background writes its log (stderr).
pub fn log_path(location: &PackageLocation) -> PathBuf {
    crate::host::store::holo_target_dir(&location.root).join("daemon.log")
}

/// The build id this process announces in the handshake. `HOLO_TEST_BUILD_ID` makes it
/// claim another build: only the tests of the handshake use it.
pub fn handshake_build_id() -> String {
    std::env::var("HOLO_TEST_BUILD_ID")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| crate::host::store::build_id().to_string())
}
