//! What can go wrong with a store: errors the caller must handle, and the warning returned when
//! a damaged store was moved aside and replaced.
//!
//! The split matters. A store is a cache, so a file that is corrupt, truncated or foreign is not
//! an error: it is moved aside (never deleted) and rebuilt, and the caller gets a [`Warning`] to
//! show. Only problems that rebuilding cannot fix (the folder is not writable, the disk is full,
//! a process that does not share the file holds it) are a [`StoreError`].

use std::fmt;
use std::path::PathBuf;

/// Why an existing store file could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The file does not start with redb's header: it is some other kind of file.
    NotADatabase,
    /// The file is shorter than the database it describes (a partial copy or a cut-off write).
    Truncated { detail: String },
    /// The storage engine found inconsistent or failing checksums.
    Corrupt { detail: String },
    /// A redb database, but in a file-format generation this build of redb cannot read.
    ForeignFileFormat { version: u8 },
    /// A redb database that holo-db did not create (no header, or a header of another program).
    NotAHoloStore,
    /// A holo store with a schema version other than this build's.
    ForeignSchema { found: u64, expected: u64 },
    /// The file exists but cannot be read (for example, its permissions forbid it).
    Unreadable { detail: String },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::NotADatabase => f.write_str("is not a redb database"),
            Damage::Truncated { detail } => write!(f, "is truncated ({detail})"),
            Damage::Corrupt { detail } => write!(f, "is corrupt ({detail})"),
            Damage::ForeignFileFormat { version } => {
                write!(
                    f,
                    "uses redb file format {version}, which this holo cannot read"
                )
            }
            Damage::NotAHoloStore => f.write_str("is a redb database that holo did not create"),
            Damage::ForeignSchema { found, expected } => write!(
                f,
                "has schema version {found}, but this holo uses schema version {expected}"
            ),
            Damage::Unreadable { detail } => write!(f, "cannot be read ({detail})"),
        }
    }
}

/// A damaged store was moved aside and an empty one created in its place. One line when
/// displayed; the CLI prints it (holo-db never prints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where the store is (and where the new, empty store now is).
    pub path: PathBuf,
    /// Where the damaged file was moved; it is kept for inspection, never deleted.
    pub moved_to: PathBuf,
    pub damage: Damage,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the store {} {}; it was moved to {} and an empty store was created in its place",
            self.path.display(),
            self.damage,
            self.moved_to.display()
        )
    }
}

/// A failure that rebuilding the store cannot fix.
#[derive(Debug)]
pub enum StoreError {
    /// A filesystem operation around the store failed (creating its folder, moving a damaged
    /// file aside, taking the recovery lock, reading its size).
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The storage engine failed while using a store it had opened.
    Engine {
        action: &'static str,
        path: PathBuf,
        /// Boxed because redb's error is large and this travels through every `Result`.
        source: Box<redb::Error>,
    },
    /// Another process holds the file in a way that excludes this one (a program other than
    /// holo, or a holo built with a different redb locking protocol).
    InUse { path: PathBuf },
    /// The path names something that is not a regular file (for example a folder).
    NotAFile { path: PathBuf },
    /// A freshly created store could not be opened either; something other than the old file
    /// is wrong.
    RecreatedStoreUnusable { path: PathBuf, damage: Damage },
    /// The storage engine failed on a damaged page of a store opened without verifying every
    /// page; the store is verified (and moved aside if damaged) when it is next opened.
    Damaged { action: &'static str, path: PathBuf },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io {
                action,
                path,
                source,
            } => write!(
                f,
                "Could not {action} {}: {source}. Check that the folder exists and is writable, \
                 or point HOLO_HOME somewhere else.",
                path.display()
            ),
            StoreError::Engine {
                action,
                path,
                source,
            } => {
                write!(
                    f,
                    "The store {} failed while {action}: {source}. ",
                    path.display()
                )?;
                if is_out_of_space(source) {
                    f.write_str(
                        "The disk (or this process's file size limit) is full: free some space, \
                         for example with `holo cache gc --max-size SIZE`, and try again.",
                    )
                } else {
                    f.write_str(
                        "If this repeats, remove the file to start with an empty store (`holo \
                         clean` does that for a package's state).",
                    )
                }
            }
            StoreError::InUse { path } => write!(
                f,
                "The store {} is held by another process that does not share it (a program \
                 other than holo, or a holo of another version). Close that process and try \
                 again.",
                path.display()
            ),
            StoreError::NotAFile { path } => write!(
                f,
                "The store path {} exists but is not a regular file. Move it out of the way or \
                 point HOLO_HOME somewhere else.",
                path.display()
            ),
            StoreError::Damaged { action, path } => write!(
                f,
                "The store {} is damaged: the storage engine failed while {action}. It is \
                 checked, and moved aside if need be, the next time it is opened; this command \
                 goes on without it.",
                path.display()
            ),
            StoreError::RecreatedStoreUnusable { path, damage } => write!(
                f,
                "The store {} was replaced by an empty one, but the new store {} too. Check the \
                 disk and the folder's permissions.",
                path.display(),
                damage
            ),
        }
    }
}

/// Whether a write failed because there is no room left for the file.
fn is_out_of_space(error: &redb::Error) -> bool {
    use std::io::ErrorKind;
    let io = match error {
        redb::Error::Io(io) => io,
        _ => return false,
    };
    matches!(
        io.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge
    )
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            StoreError::Engine { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
