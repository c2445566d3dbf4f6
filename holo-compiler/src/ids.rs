//! Stable, position-free identities of modules and items.
//!
//! An [`ItemId`] names an item by where it is declared (module path, name, member), never by a
//! file offset or an index, so it survives edits elsewhere in the file and is the same in every
//! process. It is the key of the per-item queries, the anchor of diagnostics, and (in later
//! stages) the key of fingerprints and of the test-to-code map.

use crate::ast::Name;
use std::fmt;

/// A module path relative to the package root: `""` for the root module (`src/main.holo` or
/// `src/lib.holo`), `"geometry::shapes"` for `src/geometry/shapes.holo`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct ModulePath(pub Name);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Name::default())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `parent::child`, or `child` under the root.
    pub fn join(&self, child: &str) -> ModulePath {
        if self.is_root() {
            ModulePath(child.into())
        } else {
            ModulePath(format!("{}::{child}", self.0).into())
        }
    }

    /// The module path of a source file given its path relative to the package root, e.g.
    /// `src/geometry/shapes.holo` → `geometry::shapes`; `src/main.holo` and `src/lib.holo` → root.
    /// Returns `None` for paths that are not `.holo` files under `src/`, or whose segments are not
    /// valid identifiers.
    pub fn from_file_path(path: &str) -> Option<ModulePath> {
        if let Some((dependency, inner)) = split_dependency_path(path) {
            // A dependency is a library: its `src/lib.holo` is its root module, mounted at the
            // dependency's name (`deps/mathx/src/geometry.holo` is `mathx::geometry`).
            if inner == "src/main.holo" {
                return None;
            }
            let inner = ModulePath::from_file_path(inner)?;
            let root = ModulePath::root().join(&dependency);
            return Some(if inner.is_root() {
                root
            } else {
                ModulePath(format!("{}::{}", root.0, inner.0).into())
            });
        }
        let rest = path.strip_prefix("src/")?.strip_suffix(".holo")?;
        if rest == "main" || rest == "lib" {
            return Some(ModulePath::root());
        }
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().all(|s| is_identifier(s)) {
            Some(ModulePath(segments.join("::").into()))
        } else {
            None
        }
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            f.write_str("crate")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Where the host puts the sources of dependencies: `deps/NAME/src/...`, beside the package's
/// own `src/`. The package itself never has such paths (its files are all under `src/`).
pub const DEPENDENCY_DIR: &str = "deps/";

/// The module name a package is known by in code: `my-lib` is `my_lib` (a `-` cannot be in an
/// identifier), as in Cargo.
pub fn package_module_name(package: &str) -> String {
    package.replace('-', "_")
}

/// `deps/NAME/REST` → (the dependency's module name, `REST`), if `path` is a dependency's file
/// and `NAME` can be a module name.
pub fn split_dependency_path(path: &str) -> Option<(String, &str)> {
    let rest = path.strip_prefix(DEPENDENCY_DIR)?;
    let (name, inner) = rest.split_once('/')?;
    let module = package_module_name(name);
    is_identifier(&module).then_some((module, inner))
}

/// Whether `s` is a valid holo identifier (and not a keyword).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !crate::syntax::is_keyword(s)
}

/// An item of the package: a function, struct, enum, constant or method, or a `use` declaration.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ItemId {
    pub module: ModulePath,
    /// The item's name; for a method, the name of the type in `impl Type`; for a `use`
    /// declaration, `use#N` where N counts the `use` declarations of the file from 0.
    pub name: Name,
    /// For a method, its name.
    pub member: Option<Name>,
    /// 0, or N for the N-th later item declared with the same name (an error, but each
    /// duplicate still needs an identity to be checked and reported).
    pub disambiguator: u32,
}

impl ItemId {
    pub fn new(module: ModulePath, name: impl Into<Name>) -> ItemId {
        ItemId {
            module,
            name: name.into(),
            member: None,
            disambiguator: 0,
        }
    }

    pub fn method(module: ModulePath, ty: impl Into<Name>, method: impl Into<Name>) -> ItemId {
        ItemId {
            module,
            name: ty.into(),
            member: Some(method.into()),
            disambiguator: 0,
        }
    }

    /// The path users see: `geometry::Point`, `Counter::new`, `area` (root-module items have no
    /// prefix). Test names use this form.
    pub fn display_path(&self) -> String {
        let mut s = String::new();
        if !self.module.is_root() {
            s.push_str(&self.module.0);
            s.push_str("::");
        }
        s.push_str(&self.name);
        if let Some(m) = &self.member {
            s.push_str("::");
            s.push_str(m);
        }
        s
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_follow_files() {
        assert_eq!(
            ModulePath::from_file_path("src/main.holo"),
            Some(ModulePath::root())
        );
        assert_eq!(
            ModulePath::from_file_path("src/geometry/shapes.holo"),
            Some(ModulePath("geometry::shapes".into()))
        );
        assert_eq!(ModulePath::from_file_path("src/bad-name.holo"), None);
        assert_eq!(ModulePath::from_file_path("tests/a.holo"), None);
        assert_eq!(ModulePath::from_file_path("src/a/fn.holo"), None);
    }
}
