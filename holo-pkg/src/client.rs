//! The write side of a registry: publishing an archive and yanking a version, through the API
//! URL the registry's `config.json` names. The server's error answers are JSON
//! (`{"error": "<sentence>"}`); their sentence is passed on as it is.

use crate::error::PkgError;
use crate::index::{HttpIndex, agent};
use std::path::Path;

/// What the server answered to a publish.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Published {
    pub name: String,
    #[serde(alias = "vers")]
    pub version: String,
    pub cksum: String,
}

fn api_base(registry: &str, home: &Path) -> Result<String, PkgError> {
    let config = HttpIndex::new(registry, home, false).config()?;
    Ok(config.api.trim_end_matches('/').to_string())
}

/// `PUT {api}/api/v1/...` with the token; the body of a 200 or a server error sentence.
fn put(url: &str, token: &str, body: &[u8]) -> Result<Vec<u8>, PkgError> {
    let mut resp = agent()
        .put(url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/gzip")
        .send(body)
        .map_err(|e| {
            PkgError::new(format!("Could not reach the registry API at {url}: {e}."))
                .hint("Check that the registry URL is right and the server runs.")
        })?;
    let status = resp.status().as_u16();
    let bytes = resp.body_mut().read_to_vec().unwrap_or_default();
    if status == 200 {
        return Ok(bytes);
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let sentence = serde_json::from_slice::<ErrorBody>(&bytes)
        .map(|e| e.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).trim().to_string());
    Err(PkgError::new(format!(
        "The registry refused the request ({status}): {sentence}"
    )))
}

/// Publishes the archive `bytes` to `registry` with `token`.
pub fn publish(
    registry: &str,
    home: &Path,
    token: &str,
    bytes: &[u8],
) -> Result<Published, PkgError> {
    let url = format!("{}/api/v1/publish", api_base(registry, home)?);
    let body = put(&url, token, bytes)?;
    serde_json::from_slice(&body).map_err(|e| {
        PkgError::new(format!(
            "The registry accepted the package but its answer is not valid: {e}."
        ))
        .hint("Check with `holo tree` or the registry's index whether the version appeared.")
    })
}

/// Yanks (or with `undo`, unyanks) `name@version`.
pub fn yank(
    registry: &str,
    home: &Path,
    token: &str,
    name: &str,
    version: &semver::Version,
    undo: bool,
) -> Result<(), PkgError> {
    let url = format!(
        "{}/api/v1/packages/{name}/{version}/{}",
        api_base(registry, home)?,
        if undo { "unyank" } else { "yank" }
    );
    put(&url, token, b"").map(|_| ())
}
