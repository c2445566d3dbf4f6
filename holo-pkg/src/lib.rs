//! Packages: the `holo.toml` manifest, package names, and creating new packages on disk.
//!
//! This crate knows what a package *is* (its manifest and layout) but nothing about the
//! compiler's internals, the terminal or the command line: it returns values and errors, and
//! `holo-cli` decides how to show them. Later it will also own `holo.lock`, the resolver and the
//! registry client and server.

pub mod archive;
pub mod error;
pub mod index;
mod location;
pub mod lock;
pub mod manifest;
pub mod name;
pub mod resolve;
pub mod scaffold;
pub mod size;

pub use error::PkgError;
pub use location::Location;
pub use manifest::{
    Dependency, DependencySource, DevSettings, Edition, ErrorSite, MANIFEST_FILE, Manifest,
    ManifestError, RunSettings, TestSettings,
};
pub use name::{NameError, validate_package_name};
pub use scaffold::{Kind, ScaffoldError, ScaffoldReport};
