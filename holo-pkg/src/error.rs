//! The error of dependency work (resolution, the lockfile, the registry, downloads): what went
//! wrong and where, and a separate sentence saying what to do, so `holo-cli` can show both.

use std::fmt;

/// Why resolving, fetching, locking or talking to a registry failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkgError {
    /// Full sentences saying what went wrong and where (may span lines, e.g. a conflict
    /// explanation).
    pub message: String,
    /// A sentence saying what to do about it.
    pub hint: Option<String>,
}

impl PkgError {
    pub fn new(message: impl Into<String>) -> PkgError {
        PkgError {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> PkgError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for PkgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PkgError {}
