//! [`DiskVfs`]: the compiler's [`Vfs`] over a package folder on disk.
//!
//! Source files are the `.holo` files under `src/`. Entries whose name starts with `.` are
//! skipped (editor swap and lock files such as `.main.holo.swp` or Emacs' `.#main.holo`), and
//! symbolic links to folders are not followed, so that a link cannot make the walk loop.

use holo_compiler::{Vfs, VfsError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The folder, relative to the package root, that holds the sources.
pub const SRC_DIR: &str = "src";

pub struct DiskVfs {
    root: PathBuf,
}

/// A source file that cannot be used, with the line and column of the problem when it is a
/// bad byte (so that the user can find it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub error: VfsError,
    pub line_col: Option<(u32, u32)>,
}

impl From<VfsError> for SourceError {
    fn from(error: VfsError) -> SourceError {
        SourceError {
            error,
            line_col: None,
        }
    }
}

/// What reading one source path found.
pub enum ReadOutcome {
    Text(String),
    /// There is no file there (any more), or it is now a folder.
    Missing,
}

impl DiskVfs {
    pub fn new(root: &Path) -> DiskVfs {
        DiskVfs {
            root: root.to_path_buf(),
        }
    }

    /// Every source file under the folder `dir` (a path relative to the root, `src` or below),
    /// sorted. A missing folder has no files.
    pub fn list(&self, dir: &str) -> Result<Vec<String>, VfsError> {
        let mut out = Vec::new();
        self.walk(dir, &mut out)?;
        out.sort();
        Ok(out)
    }

    fn walk(&self, dir: &str, out: &mut Vec<String>) -> Result<(), VfsError> {
        let entries = match std::fs::read_dir(self.root.join(dir)) {
            Ok(entries) => entries,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                return Ok(());
            }
            Err(e) => {
                return Err(VfsError::Io {
                    path: dir.to_string(),
                    message: e.to_string(),
                });
            }
        };
        for entry in entries {
            let entry = entry.map_err(|e| VfsError::Io {
                path: dir.to_string(),
                message: e.to_string(),
            })?;
            let name = entry.file_name();
            // A name that is not UTF-8 cannot be a module name, so it cannot be a source file.
            let Some(name) = name.to_str() else {
                tracing::debug!(?name, dir, "skipping a file whose name is not UTF-8");
                continue;
            };
            if is_hidden(name) {
                continue;
            }
            let path = format!("{dir}/{name}");
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(VfsError::Io {
                        path,
                        message: e.to_string(),
                    });
                }
            };
            if file_type.is_dir() {
                self.walk(&path, out)?;
            } else if is_source_name(name) {
                // Only regular files (or links to them) are sources: a dangling link has no
                // text, and reading a FIFO or device named `x.holo` could block forever.
                if file_type.is_file()
                    || (file_type.is_symlink() && self.root.join(&path).is_file())
                {
                    out.push(path);
                }
            }
        }
        Ok(())
    }

    /// Reads one source file, telling a file that is gone apart from one that cannot be read.
    pub fn read_source(&self, path: &str) -> Result<ReadOutcome, SourceError> {
        let full = self.root.join(path);
        // Following links, as reading does; anything but a regular file is not a source (see
        // `walk`).
        match std::fs::metadata(&full) {
            Ok(meta) if !meta.is_file() => return Ok(ReadOutcome::Missing),
            _ => {}
        }
        match std::fs::read(&full) {
            Ok(bytes) => decode(path, bytes).map(ReadOutcome::Text),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::IsADirectory
                ) =>
            {
                Ok(ReadOutcome::Missing)
            }
            Err(e) => Err(VfsError::Io {
                path: path.to_string(),
                message: e.to_string(),
            }
            .into()),
        }
    }
}

impl Vfs for DiskVfs {
    fn source_files(&self) -> Result<Vec<String>, VfsError> {
        self.list(SRC_DIR)
    }

    fn read(&self, path: &str) -> Result<String, VfsError> {
        match self.read_source(path).map_err(|e| e.error)? {
            ReadOutcome::Text(text) => Ok(text),
            ReadOutcome::Missing => Err(VfsError::Io {
                path: path.to_string(),
                message: "no such file".to_string(),
            }),
        }
    }
}

/// Whether a file or folder name is skipped: editors' hidden swap, backup and lock files.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Whether a file name names a source file.
pub fn is_source_name(name: &str) -> bool {
    name.ends_with(".holo") && !is_hidden(name)
}

/// Source text from bytes: UTF-8 and not binary. A NUL byte is allowed by UTF-8 but never
/// appears in text, so a file with one is treated as binary rather than parsed as garbage.
fn decode(path: &str, bytes: Vec<u8>) -> Result<String, SourceError> {
    match String::from_utf8(bytes) {
        Ok(text) => match text.bytes().position(|b| b == 0) {
            Some(offset) => Err(SourceError {
                error: VfsError::Binary {
                    path: path.to_string(),
                    offset,
                },
                line_col: Some(line_col(&text[..offset])),
            }),
            None => Ok(text),
        },
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
            Err(SourceError {
                error: VfsError::NotUtf8 {
                    path: path.to_string(),
                    offset,
                },
                line_col: Some(line_col(valid)),
            })
        }
    }
}

/// The 1-based line and column just after `before`.
fn line_col(before: &str) -> (u32, u32) {
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_reads_sources() {
        let dir = std::env::temp_dir().join(format!("holo-cli-vfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/geometry")).unwrap();
        std::fs::create_dir_all(dir.join("src/.hidden")).unwrap();
        std::fs::write(dir.join("src/main.holo"), "fn main() {}\n").unwrap();
        std::fs::write(dir.join("src/geometry/shapes.holo"), "").unwrap();
        std::fs::write(dir.join("src/.main.holo.swp"), "x").unwrap();
        std::fs::write(dir.join("src/.hidden/a.holo"), "x").unwrap();
        std::fs::write(dir.join("src/notes.txt"), "x").unwrap();
        std::fs::write(dir.join("src/bad.holo"), b"fn \xff").unwrap();
        std::fs::write(dir.join("src/bad2.holo"), b"// ok\n  \xff").unwrap();
        std::fs::write(dir.join("src/bin.holo"), b"ab\0cd").unwrap();
        let fifo = dir.join("src/pipe.holo");
        let made_fifo = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());

        let vfs = DiskVfs::new(&dir);
        assert_eq!(
            vfs.source_files().unwrap(),
            [
                "src/bad.holo",
                "src/bad2.holo",
                "src/bin.holo",
                "src/geometry/shapes.holo",
                "src/main.holo"
            ]
        );
        assert_eq!(vfs.read("src/main.holo").unwrap(), "fn main() {}\n");
        assert_eq!(
            vfs.read("src/bad.holo").unwrap_err(),
            VfsError::NotUtf8 {
                path: "src/bad.holo".to_string(),
                offset: 3
            }
        );
        assert!(
            vfs.read("src/bin.holo")
                .unwrap_err()
                .to_string()
                .contains("NUL byte at offset 2")
        );
        assert!(matches!(
            vfs.read_source("src/gone.holo"),
            Ok(ReadOutcome::Missing)
        ));
        assert!(matches!(
            vfs.read_source("src/geometry"),
            Ok(ReadOutcome::Missing)
        ));
        assert!(vfs.list("src/nowhere").unwrap().is_empty());
        if made_fifo {
            // Listed as nothing and read as nothing, without blocking.
            assert!(matches!(
                vfs.read_source("src/pipe.holo"),
                Ok(ReadOutcome::Missing)
            ));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
