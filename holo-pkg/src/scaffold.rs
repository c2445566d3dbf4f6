//! Creating packages on disk: what `holo new` and `holo init` write.
//!
//! Files are created with `create_new`, so an existing file is never overwritten, even if it
//! appears between our check and our write.

use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::name::{NameError, validate_package_name};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which root module a new package gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A program: `src/main.holo` with `fn main()`.
    Bin,
    /// A library: `src/lib.holo`.
    Lib,
}

impl Kind {
    /// The root source file, relative to the package root.
    pub fn root_file(self) -> &'static str {
        match self {
            Kind::Bin => "src/main.holo",
            Kind::Lib => "src/lib.holo",
        }
    }

    /// How status messages describe the kind: "binary (application)" or "library".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Bin => "binary (application)",
            Kind::Lib => "library",
        }
    }
}

/// What `new` or `init` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaffoldReport {
    /// The package root.
    pub root: PathBuf,
    pub name: String,
    pub kind: Kind,
    /// Files written, relative to the root, in the order they were written.
    pub created: Vec<PathBuf>,
    /// Files that already existed and were left as they were (only `init` keeps files).
    pub kept: Vec<PathBuf>,
}

/// Why a package could not be created.
#[derive(Debug)]
pub enum ScaffoldError {
    /// `new` was given a path that already exists.
    DestinationExists { path: PathBuf },
    /// `init` found a manifest already.
    ManifestExists { path: PathBuf },
    /// The name (given, or taken from the folder) is not a valid package name.
    InvalidName { error: NameError, from_path: bool },
    /// No name was given and none can be taken from the path (e.g. `/`).
    NoName { path: PathBuf },
    /// `init --lib` in a folder that already has `src/main.holo`.
    KindConflict { existing: PathBuf },
    /// A file system operation failed.
    Io {
        path: PathBuf,
        action: &'static str,
        error: std::io::Error,
    },
}

impl ScaffoldError {
    /// What went wrong, one line, lower case.
    pub fn message(&self) -> String {
        match self {
            ScaffoldError::DestinationExists { path } => {
                format!("destination `{}` already exists", path.display())
            }
            ScaffoldError::ManifestExists { path } => {
                format!(
                    "`{}` already exists; this folder is already a holo package",
                    path.display()
                )
            }
            ScaffoldError::InvalidName { error, .. } => error.message.clone(),
            ScaffoldError::NoName { path } => {
                format!(
                    "cannot take a package name from the path `{}`",
                    path.display()
                )
            }
            ScaffoldError::KindConflict { existing } => format!(
                "cannot create a library here: `{}` already exists, which makes this package a program",
                existing.display()
            ),
            ScaffoldError::Io {
                path,
                action,
                error,
            } => {
                format!("failed to {action} `{}`: {error}", path.display())
            }
        }
    }

    /// What to do about it, as a full sentence.
    pub fn hint(&self) -> String {
        match self {
            ScaffoldError::DestinationExists { .. } => {
                "Choose another name, or run `holo init` inside that folder to make it a holo package.".to_string()
            }
            ScaffoldError::ManifestExists { .. } => {
                "Edit the existing manifest instead, or run `holo init` in another folder.".to_string()
            }
            ScaffoldError::InvalidName { error, from_path } => {
                if *from_path {
                    format!("{} Or keep the folder's name and pass a valid one with `--name`.", error.hint)
                } else {
                    error.hint.clone()
                }
            }
            ScaffoldError::NoName { .. } => "Pass a name with `--name NAME`.".to_string(),
            ScaffoldError::KindConflict { .. } => {
                "Run `holo init` without `--lib` to make a program package, or move `src/main.holo` away first.".to_string()
            }
            ScaffoldError::Io { .. } => {
                "Check that the parent folder exists and that you may write to it.".to_string()
            }
        }
    }
}

impl std::fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ScaffoldError {}

/// Creates a new package in the folder `path`, which must not exist. The package is named
/// `name`, or after the folder.
pub fn new_package(
    path: &Path,
    name: Option<&str>,
    kind: Kind,
) -> Result<ScaffoldReport, ScaffoldError> {
    let name = package_name(path, name)?;
    if path.exists() || path.is_symlink() {
        return Err(ScaffoldError::DestinationExists {
            path: path.to_path_buf(),
        });
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| ScaffoldError::Io {
            path: parent.to_path_buf(),
            action: "create the folder",
            error,
        })?;
    }
    std::fs::create_dir(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            ScaffoldError::DestinationExists {
                path: path.to_path_buf(),
            }
        } else {
            ScaffoldError::Io {
                path: path.to_path_buf(),
                action: "create the folder",
                error,
            }
        }
    })?;
    write_files(path, name, kind)
}

/// Makes the existing folder `dir` a package, keeping every file already there. `kind` is
/// `Some(Kind::Lib)` for `--lib`; without it the package is a library only if `src/lib.holo`
/// exists and `src/main.holo` does not.
pub fn init_package(
    dir: &Path,
    name: Option<&str>,
    kind: Option<Kind>,
) -> Result<ScaffoldReport, ScaffoldError> {
    let manifest = dir.join(MANIFEST_FILE);
    if manifest.exists() {
        return Err(ScaffoldError::ManifestExists { path: manifest });
    }
    let canonical = dir.canonicalize().map_err(|error| ScaffoldError::Io {
        path: dir.to_path_buf(),
        action: "open the folder",
        error,
    })?;
    let name = package_name(&canonical, name)?;
    let has_main = dir.join(Kind::Bin.root_file()).exists();
    let has_lib = dir.join(Kind::Lib.root_file()).exists();
    let kind = match kind {
        Some(Kind::Lib) if has_main => {
            return Err(ScaffoldError::KindConflict {
                existing: PathBuf::from(Kind::Bin.root_file()),
            });
        }
        Some(kind) => kind,
        None if has_lib && !has_main => Kind::Lib,
        None => Kind::Bin,
    };
    write_files(dir, name, kind)
}

fn package_name(path: &Path, name: Option<&str>) -> Result<String, ScaffoldError> {
    let (name, from_path) = match name {
        Some(name) => (name.to_string(), false),
        None => {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                return Err(ScaffoldError::NoName {
                    path: path.to_path_buf(),
                });
            };
            (file_name.to_string(), true)
        }
    };
    validate_package_name(&name)
        .map_err(|error| ScaffoldError::InvalidName { error, from_path })?;
    Ok(name)
}

fn write_files(root: &Path, name: String, kind: Kind) -> Result<ScaffoldReport, ScaffoldError> {
    let source = match kind {
        Kind::Bin => main_template(&name),
        Kind::Lib => lib_template(&name),
    };
    let files = [
        (MANIFEST_FILE, Manifest::template(&name)),
        (kind.root_file(), source),
        (".gitignore", "/target\n".to_string()),
    ];
    let mut report = ScaffoldReport {
        root: root.to_path_buf(),
        name,
        kind,
        created: Vec::new(),
        kept: Vec::new(),
    };
    for (relative, contents) in files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| ScaffoldError::Io {
                path: parent.to_path_buf(),
                action: "create the folder",
                error,
            })?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path);
        match file {
            Ok(mut file) => {
                file.write_all(contents.as_bytes())
                    .map_err(|error| ScaffoldError::Io {
                        path: path.clone(),
                        action: "write",
                        error,
                    })?;
                report.created.push(PathBuf::from(relative));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                report.kept.push(PathBuf::from(relative));
            }
            Err(error) => {
                return Err(ScaffoldError::Io {
                    path,
                    action: "create",
                    error,
                });
            }
        }
    }
    Ok(report)
}

/// `src/main.holo` of a new program: a function, a `main` that prints, and a test that passes.
/// It uses only the pinned core of the language, so it checks cleanly in every version.
fn main_template(name: &str) -> String {
    format!(
        r#"// The `{name}` program. Check it with `holo check`.

fn greeting(name: str) -> str {{
    "Hello, " + name + "!"
}}

fn main() {{
    println(greeting("world"));
}}

#[test]
fn greets_by_name() {{
    assert_eq(greeting("holo"), "Hello, holo!");
}}
"#
    )
}

/// `src/lib.holo` of a new library: a public function and a test that passes.
fn lib_template(name: &str) -> String {
    format!(
        r#"// The `{name}` library. Check it with `holo check`.

pub fn add(a: i64, b: i64) -> i64 {{
    a + b
}}

#[test]
fn adds_two_numbers() {{
    assert_eq(add(2, 3), 5);
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("holo-scaffold-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn new_writes_a_program_and_refuses_to_overwrite() {
        let dir = temp("new");
        let report = new_package(&dir.join("hello"), None, Kind::Bin).unwrap();
        assert_eq!(report.name, "hello");
        assert_eq!(
            report.created,
            vec![
                PathBuf::from("holo.toml"),
                PathBuf::from("src/main.holo"),
                PathBuf::from(".gitignore")
            ]
        );
        let manifest = Manifest::load(&dir.join("hello/holo.toml")).unwrap();
        assert_eq!(manifest.name, "hello");
        assert!(
            std::fs::read_to_string(dir.join("hello/src/main.holo"))
                .unwrap()
                .contains("fn main()")
        );
        assert!(matches!(
            new_package(&dir.join("hello"), None, Kind::Bin),
            Err(ScaffoldError::DestinationExists { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn new_validates_the_name_before_creating_anything() {
        let dir = temp("badname");
        let err = new_package(&dir.join("my app"), None, Kind::Lib).unwrap_err();
        assert!(matches!(
            err,
            ScaffoldError::InvalidName {
                from_path: true,
                ..
            }
        ));
        assert!(err.hint().contains("--name"));
        assert!(!dir.join("my-app").exists());
        let report = new_package(&dir.join("my-app"), Some("my_app"), Kind::Lib).unwrap();
        assert_eq!(report.name, "my_app");
        assert!(dir.join("my-app/src/lib.holo").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn init_keeps_existing_files() {
        let dir = temp("init").join("proj");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join(".gitignore"), "*.log\n").unwrap();
        std::fs::write(dir.join("src/lib.holo"), "pub fn f() {}\n").unwrap();
        let report = init_package(&dir, None, None).unwrap();
        assert_eq!(report.kind, Kind::Lib);
        assert_eq!(report.created, vec![PathBuf::from("holo.toml")]);
        assert_eq!(
            report.kept,
            vec![PathBuf::from("src/lib.holo"), PathBuf::from(".gitignore")]
        );
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            "*.log\n"
        );
        assert!(matches!(
            init_package(&dir, None, None),
            Err(ScaffoldError::ManifestExists { .. })
        ));
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn init_lib_refuses_a_program_folder() {
        let dir = temp("conflict").join("proj");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/main.holo"), "fn main() {}\n").unwrap();
        let err = init_package(&dir, None, Some(Kind::Lib)).unwrap_err();
        assert!(matches!(err, ScaffoldError::KindConflict { .. }));
        assert!(!dir.join("holo.toml").exists());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
