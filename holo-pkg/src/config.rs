//! The user's registry settings under `$HOLO_HOME`: `config.toml` (the default registry) and
//! `credentials.toml` (tokens per registry, readable only by the user).

use crate::error::PkgError;
use std::collections::BTreeMap;
use std::path::Path;

/// The registry commands use: `flag` (`--registry`), else `env` (`HOLO_REGISTRY`), else
/// `registry = "URL"` in `$HOLO_HOME/config.toml`. The URL is returned without a final `/`.
pub fn default_registry(
    flag: Option<&str>,
    env: Option<&str>,
    home: &Path,
) -> Result<Option<String>, PkgError> {
    if let Some(url) = flag.or(env).filter(|u| !u.is_empty()) {
        return Ok(Some(url.trim_end_matches('/').to_string()));
    }
    let path = home.join("config.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        PkgError::new(format!(
            "`{}` is not valid TOML: {}.",
            path.display(),
            e.message()
        ))
        .hint("Fix the file; it holds `registry = \"http://host:port\"`.")
    })?;
    match table.get("registry") {
        None => Ok(None),
        Some(toml::Value::String(url)) => Ok(Some(url.trim_end_matches('/').to_string())),
        Some(_) => Err(PkgError::new(format!(
            "`registry` in `{}` is not a string.",
            path.display()
        ))
        .hint("Write it as `registry = \"http://host:port\"`.")),
    }
}

fn read_credentials(home: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(home.join("credentials.toml")).unwrap_or_default();
    let table: toml::Table = toml::from_str(&text).unwrap_or_default();
    let Some(toml::Value::Table(regs)) = table.get("registries") else {
        return BTreeMap::new();
    };
    regs.iter()
        .filter_map(|(url, v)| {
            v.get("token")
                .and_then(|t| t.as_str())
                .map(|t| (url.clone(), t.to_string()))
        })
        .collect()
}

/// The token stored for `registry` by `holo login`.
pub fn stored_token(home: &Path, registry: &str) -> Option<String> {
    read_credentials(home).remove(registry)
}

/// Stores `token` for `registry` in `$HOLO_HOME/credentials.toml`, created with mode 0600 so
/// that other users cannot read it.
pub fn store_token(home: &Path, registry: &str, token: &str) -> Result<(), PkgError> {
    let mut all = read_credentials(home);
    all.insert(registry.to_string(), token.to_string());
    let mut regs = toml::Table::new();
    for (url, tok) in all {
        let mut t = toml::Table::new();
        t.insert("token".into(), toml::Value::String(tok));
        regs.insert(url, toml::Value::Table(t));
    }
    let mut top = toml::Table::new();
    top.insert("registries".into(), toml::Value::Table(regs));
    let text = toml::to_string(&top).expect("a table serialises");
    let path = home.join("credentials.toml");
    let err = |e: std::io::Error| {
        PkgError::new(format!("Could not write `{}`: {e}.", path.display()))
            .hint("Check that `$HOLO_HOME` is writable.")
    };
    std::fs::create_dir_all(home).map_err(err)?;
    let tmp = home.join(".credentials.toml.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(err)?;
        }
        f.write_all(text.as_bytes()).map_err(err)?;
    }
    std::fs::rename(&tmp, &path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_then_env_then_config() {
        let home = tempfile::tempdir().unwrap();
        assert_eq!(default_registry(None, None, home.path()).unwrap(), None);
        std::fs::write(
            home.path().join("config.toml"),
            "registry = \"http://c/\"\n",
        )
        .unwrap();
        assert_eq!(
            default_registry(None, None, home.path())
                .unwrap()
                .as_deref(),
            Some("http://c")
        );
        assert_eq!(
            default_registry(None, Some("http://e"), home.path())
                .unwrap()
                .as_deref(),
            Some("http://e")
        );
        assert_eq!(
            default_registry(Some("http://f"), Some("http://e"), home.path())
                .unwrap()
                .as_deref(),
            Some("http://f")
        );
    }

    #[test]
    fn tokens_are_stored_privately() {
        let home = tempfile::tempdir().unwrap();
        store_token(home.path(), "http://a", "t1").unwrap();
        store_token(home.path(), "http://b", "t2").unwrap();
        assert_eq!(stored_token(home.path(), "http://a").as_deref(), Some("t1"));
        assert_eq!(stored_token(home.path(), "http://b").as_deref(), Some("t2"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(home.path().join("credentials.toml"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
