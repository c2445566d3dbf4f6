//! Finding the package to work on: the `holo.toml` given with `--manifest-path`, or the nearest
//! one in the current folder or its parents (as Cargo finds `Cargo.toml`).

use crate::error::CliError;
use holo_pkg::{MANIFEST_FILE, Manifest};
use std::path::{Path, PathBuf};

/// Where a package is.
#[derive(Clone, Debug)]
pub struct PackageLocation {
    /// The folder holding `holo.toml`; absolute.
    pub root: PathBuf,
    /// The manifest; absolute.
    pub manifest_path: PathBuf,
}

impl PackageLocation {
    /// The package folder's name: what messages call a package whose manifest cannot be read.
    pub fn dir_name(&self) -> String {
        self.root.file_name().map_or_else(
            || "package".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

pub fn locate(manifest_path: Option<&Path>) -> Result<PackageLocation, CliError> {
    let cwd = std::env::current_dir().map_err(|e| {
        CliError::new(format!("cannot determine the current folder: {e}"))
            .with_hint("Change to an existing folder, or pass `--manifest-path`.")
    })?;
    match manifest_path {
        Some(path) => {
            let path = cwd.join(path);
            let path = if path.is_dir() {
                path.join(MANIFEST_FILE)
            } else {
                path
            };
            if path.file_name().and_then(|n| n.to_str()) != Some(MANIFEST_FILE) {
                return Err(CliError::new(format!(
                    "the manifest path `{}` does not name a `{MANIFEST_FILE}` file",
                    path.display()
                ))
                .with_hint(format!(
                    "Pass the package's `{MANIFEST_FILE}`, or the folder that holds it."
                )));
            }
            if !path.is_file() {
                return Err(CliError::new(format!("the manifest `{}` does not exist", path.display()))
                    .with_hint("Check the path given with `--manifest-path`, or run `holo init` in the package's folder."));
            }
            let root = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.clone());
            Ok(PackageLocation {
                root,
                manifest_path: path,
            })
        }
        None => {
            for dir in cwd.ancestors() {
                let candidate = dir.join(MANIFEST_FILE);
                if candidate.is_file() {
                    return Ok(PackageLocation {
                        root: dir.to_path_buf(),
                        manifest_path: candidate,
                    });
                }
            }
            Err(CliError::new(format!(
                "could not find `{MANIFEST_FILE}` in `{}` or any parent folder",
                cwd.display()
            ))
            .with_hint("Run `holo init` to make this folder a package, or `holo new NAME` to create one in a new folder."))
        }
    }
}

/// Reads and validates the manifest; errors point into it by its path relative to the root.
pub fn load_manifest(location: &PackageLocation) -> Result<Manifest, CliError> {
    Manifest::load(&location.manifest_path).map_err(|e| CliError::from_manifest(e, MANIFEST_FILE))
}
