//! Packages: the `holo.toml` manifest, package names, and creating new packages on disk.
//!
//! This crate knows what a package *is* (its manifest and layout) but nothing about the
//! compiler's internals, the terminal or the command line: it returns values and errors, and
//! `holo-cli` decides how to show them. It also owns dependencies: the resolver ([`resolve`],
//! pubgrub over an [`index::Index`]), `holo.lock` ([`lock`]), the registry client ([`index`],
//! [`client`], [`config`]), the registry server ([`registry`]) and archives ([`archive`]).
//!
//! # Dependencies for the compiler host
//!
//! [`dependency_roots`]`(package_root, &`[`ResolveOptions`]`)` is the one call a host needs: it
//! reads `holo.toml` and `holo.lock`, resolves only when the lock no longer satisfies the
//! manifest (or `opts.update` asks for it), writes the lock when its bytes change (with
//! `opts.locked` that is an error instead), downloads what is missing into
//! `$HOLO_HOME/packages/` (verified by checksum, unpacked safely; with `opts.offline` only the
//! caches are read) and returns every package of the graph, sorted by name, as a
//! [`ResolvedPackage`]: `name`, `version`, `source` ([`Source::Registry`] URL or
//! [`Source::Path`] folder), `checksum`, `root` (the folder holding its `holo.toml` and `src/`;
//! its root module is `src/lib.holo`) and the names of its own `dependencies`. A package without
//! dependencies gets an empty list, with no network access and no lock written. It never prints;
//! errors are [`PkgError`]s (a message and a hint, both full sentences).
//!
//! ```no_run
//! # use holo_pkg::{ResolveOptions, dependency_roots};
//! # fn main() -> Result<(), holo_pkg::PkgError> {
//! let opts = ResolveOptions {
//!     home: "/home/me/.holo".into(),
//!     registry: holo_pkg::config::default_registry(None, None, "/home/me/.holo".as_ref())?,
//!     ..ResolveOptions::default()
//! };
//! for dep in dependency_roots("/work/app".as_ref(), &opts)? {
//!     // a host adds `dep.root` as a read-only input package named `dep.name`
//!     let _ = (dep.name, dep.version, dep.root);
//! }
//! # Ok(()) }
//! ```

pub mod archive;
pub mod client;
pub mod config;
pub mod deps;
pub mod edit;
pub mod error;
pub mod index;
mod location;
pub mod lock;
pub mod manifest;
pub mod name;
pub mod registry;
pub mod resolve;
pub mod scaffold;
pub mod size;

pub use deps::{
    Resolution, ResolveOptions, ResolvedPackage, dependency_roots, fetch, resolve_package,
};
pub use error::PkgError;
pub use location::Location;
pub use manifest::{
    Dependency, DependencySource, DevSettings, Edition, ErrorSite, MANIFEST_FILE, Manifest,
    ManifestError, RunSettings, TestSettings,
};
pub use name::{NameError, validate_package_name};
pub use resolve::{Source, Update};
pub use scaffold::{Kind, ScaffoldError, ScaffoldReport};
