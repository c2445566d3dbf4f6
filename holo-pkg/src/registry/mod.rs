//! The package registry: its data on disk ([`Registry`]), its HTTP server ([`serve`]), and the
//! protocol both sides of the wire follow.
//!
//! # The protocol
//!
//! This is `PACKAGES-CONTRACT.md` at the repository's root, which the client is built to too.
//! A registry is a base URL `R`, e.g. `http://127.0.0.1:8765`. Reads are static files, so that
//! the index and the archives can be served by any HTTP server, object store or CDN; only
//! writes go to `holo registry serve`.
//!
//! - `GET R/index/config.json` → `{"dl": "R/archives", "api": "R"}`, absolute URLs: archives
//!   are at `{dl}/NAME/NAME-VERSION.tar.gz` ([`download_url`]), writes go to `{api}/api/v1/…`.
//! - `GET R/index/NAME` ([`index_path`]): one JSON object per line and per version, in
//!   publish order: [`IndexEntry`] `{"name", "vers", "deps": [{"name", "req"}], "cksum",
//!   "yanked"}`, `cksum` being the sha256 of the archive in hex. Lines are only appended,
//!   except that `yanked` changes. Answered with an `ETag`; `If-None-Match` gets `304`. An
//!   unknown package is `404`.
//! - `GET R/archives/NAME/NAME-VERSION.tar.gz`: the archive (see [`crate::archive`]).
//! - `PUT {api}/api/v1/publish` with `Authorization: Bearer TOKEN` and the `.tar.gz` as the
//!   body; the manifest inside is the metadata. `200` with `{"name", "version", "cksum"}`.
//! - `PUT {api}/api/v1/packages/NAME/VERSION/yank` (`DELETE` works too) and
//!   `PUT {api}/api/v1/packages/NAME/VERSION/unyank`: `200` with `{"name", "version",
//!   "yanked"}`.
//! - Every error is a `4xx` (or `500`) with `{"error": SENTENCE}`: `400` a bad request, archive
//!   or manifest, `401` a missing or unknown token, `403` a token without the scope or not the
//!   package's owner, `404` no such package or version, `409` a version that exists already or
//!   a name too close to an existing one, `413` a body over the size bound, `429` too many
//!   writes by one token (with `Retry-After`).
//!
//! # Files
//!
//! ```text
//! DIR/index/config.json                written by `holo registry serve` at start
//! DIR/index/mathx                      the index file of `mathx`
//! DIR/archives/mathx/mathx-0.1.0.tar.gz
//! DIR/private/tokens.json              sha256 of each token, its scopes, owner and package
//! DIR/private/owners.json              the owner of each package name
//! DIR/private/lock                     held while writing, by every process
//! ```
//!
//! `holo registry serve` never serves `DIR/private`; a static server over `DIR` must be told
//! not to either.

mod server;
mod store;

pub use server::{LogEvent, ServeOptions, ServerHandle, serve};
pub use store::{
    IndexConfig, IndexDep, IndexEntry, Published, Registry, RegistryError, Scope, TokenInfo,
};

/// An error answered over HTTP: a status and a sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// The JSON body of the answer: `{"error": "…"}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "error": self.message }).to_string()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// The longest package name a registry accepts.
pub const MAX_NAME_LEN: usize = 64;

/// Checks the registry's rules for a package name: lowercase ASCII letters, digits, `-` and
/// `_`, starting with a letter, at most [`MAX_NAME_LEN`] characters. (The manifest's own rules,
/// [`crate::validate_package_name`], apply as well.)
pub fn validate_registry_name(name: &str) -> Result<(), String> {
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!("it is longer than {MAX_NAME_LEN} characters"))
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a lowercase letter".to_string())
    } else {
        name.chars()
            .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'))
            .map(|c| format!("it contains the character {c:?}"))
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(format!(
            "`{name}` cannot be published: {problem}. Registry names are lowercase ASCII letters, digits, `-` and `_`, start with a letter and have at most {MAX_NAME_LEN} characters; rename the package in `holo.toml`."
        )),
    }
}

/// The form two names are compared in for being too close: lower case, `-` as `_`. Two names
/// with the same form would be confused by people (and by `use`, where `-` is not allowed).
pub fn normalized_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// The path of a package's index file under `index/`: the name itself (names are lowercase
/// ASCII, so paths need no case folding, and cannot contain `.`, so none is `config.json`).
pub fn index_path(name: &str) -> String {
    name.to_string()
}

/// The path of an archive under the registry's folder (and under `R/`).
pub fn archive_path(name: &str, version: &semver::Version) -> String {
    format!("archives/{name}/{name}-{version}.tar.gz")
}

/// The URL of one archive, given `dl` from `config.json`.
pub fn download_url(dl: &str, name: &str, version: &semver::Version) -> String {
    format!(
        "{}/{name}/{name}-{version}.tar.gz",
        dl.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_are_the_names() {
        assert_eq!(index_path("mathx"), "mathx");
    }

    #[test]
    fn names_follow_the_registry_rules() {
        for ok in ["a", "mathx", "my_lib", "my-lib", "x2"] {
            assert_eq!(validate_registry_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Mathx", "2x", "_x", "café", "a.b", &"a".repeat(65)] {
            let err = validate_registry_name(bad).unwrap_err();
            assert!(err.contains("Registry names are"), "{err}");
        }
        assert_eq!(normalized_name("My-Lib"), normalized_name("my_lib"));
    }

    #[test]
    fn download_urls_extend_dl() {
        let v = semver::Version::new(0, 1, 0);
        assert_eq!(
            download_url("http://h/archives", "m", &v),
            "http://h/archives/m/m-0.1.0.tar.gz"
        );
        assert_eq!(
            download_url("http://h/archives/", "m", &v),
            "http://h/archives/m/m-0.1.0.tar.gz"
        );
    }
}
