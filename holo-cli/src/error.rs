//! [`CliError`]: an error the user has to act on, with everything needed to show it well —
//! a message, an optional place in a file, a hint — and the exit code it leads to.

use holo_compiler::VfsError;
use holo_pkg::{ManifestError, ScaffoldError};
use std::ops::Range;
use std::sync::Arc;

/// Exit code for usage and environment errors (bad arguments, missing or malformed manifest,
/// unreadable files).
pub const EXIT_ENVIRONMENT: u8 = 2;
/// Exit code when the package has errors (diagnostics).
pub const EXIT_DIAGNOSTICS: u8 = 1;
/// Exit code of `holo run` after a runtime error, and of any command after an internal error
/// of holo itself (as rustc and Rust programs use 101).
pub const EXIT_RUNTIME: u8 = 101;

/// A place in a file that an error is about.
#[derive(Clone, Debug)]
pub struct ErrorSite {
    /// The file's path as shown to the user (relative to the package root where possible).
    pub file: String,
    /// 1-based line and column, when known.
    pub line_col: Option<(u32, u32)>,
    /// The file's text, the byte span and a short label, to show the line in context.
    pub snippet: Option<(Arc<str>, Range<usize>, String)>,
}

#[derive(Clone, Debug)]
pub struct CliError {
    /// One line, lower case, no final period.
    pub message: String,
    /// A full sentence saying what to do.
    pub hint: Option<String>,
    /// Boxed: errors are rare, and a small `Result` keeps the success path cheap.
    pub site: Option<Box<ErrorSite>>,
    pub exit_code: u8,
}

impl CliError {
    /// An environment error (exit code 2).
    pub fn new(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: None,
            site: None,
            exit_code: EXIT_ENVIRONMENT,
        }
    }

    /// An error of holo itself, not of the package or the environment (exit code 101).
    pub fn internal(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            hint: Some(
                "This is a bug in holo; please report it together with the code that triggers it."
                    .to_string(),
            ),
            site: None,
            exit_code: EXIT_RUNTIME,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> CliError {
        self.hint = Some(hint.into());
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> CliError {
        self.site = Some(Box::new(ErrorSite {
            file: file.into(),
            line_col: None,
            snippet: None,
        }));
        self
    }

    /// The manifest error `err`, with its path shown as `shown_path`.
    pub fn from_manifest(err: ManifestError, shown_path: &str) -> CliError {
        let site = err.site.map(|site| *site);
        CliError {
            message: err.message,
            hint: err.hint,
            site: Some(Box::new(ErrorSite {
                file: shown_path.to_string(),
                line_col: site.as_ref().map(|s| (s.location.line, s.location.column)),
                snippet: site.map(|s| (s.text, s.location.span, s.label)),
            })),
            exit_code: EXIT_ENVIRONMENT,
        }
    }

    /// A source file that cannot be used, pointing at the bad byte when known.
    pub fn from_source(err: &crate::vfs::SourceError) -> CliError {
        let mut out = CliError::from_vfs(&err.error);
        if let Some(site) = &mut out.site {
            site.line_col = err.line_col;
        }
        out
    }

    /// A source file or folder that could not be read.
    /// A [`holo_pkg::PkgError`] as the CLI shows errors: the first line as the message (lower
    /// case, without its final period), the other lines and the hint after it.
    pub fn from_pkg(e: holo_pkg::PkgError) -> CliError {
        let mut lines = e.message.lines();
        let first = lines.next().unwrap_or_default();
        let mut message: String = first.chars().take(1).flat_map(char::to_lowercase).collect();
        message.push_str(&first[first.chars().next().map_or(0, char::len_utf8)..]);
        let rest: Vec<&str> = lines.collect();
        if rest.is_empty() {
            message = message.trim_end_matches('.').to_string();
        } else {
            message = format!("{}\n{}", message.trim_end_matches(':'), rest.join("\n"));
        }
        let err = CliError::new(message);
        match e.hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }

    pub fn from_vfs(err: &VfsError) -> CliError {
        match err {
            VfsError::NotUtf8 { path, offset } => CliError::new(format!("`{path}` is not valid UTF-8"))
                .with_hint(format!(
                    "holo source files must be UTF-8 text; the first invalid byte is at offset {offset}. Save the file as UTF-8, or move it out of `src/` if it is not holo source."
                ))
                .in_file(path.clone()),
            VfsError::Binary { path, offset } => CliError::new(format!(
                "`{path}` contains a NUL byte at offset {offset}, so it is not holo source text"
            ))
            .with_hint(
                "Text never contains NUL bytes: the file is probably binary or was saved in an encoding such as UTF-16. Save it as UTF-8 text, or move it out of `src/` if it is not holo source.",
            )
            .in_file(path.clone()),
            VfsError::Io { path, message } => CliError::new(format!("cannot read `{path}`: {message}"))
                .with_hint("Check that the file or folder exists and that you may read it; files under `src/` must be UTF-8 text.")
                .in_file(path.clone()),
        }
    }
}

impl From<ScaffoldError> for CliError {
    fn from(err: ScaffoldError) -> CliError {
        CliError::new(err.message()).with_hint(err.hint())
    }
}
