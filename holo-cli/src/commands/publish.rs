//! `holo login`, `holo publish`, `holo yank`: the registry's write side, through
//! `holo_pkg::registry` and `holo_pkg::archive`.

use crate::cli::{LoginArgs, PublishArgs, YankArgs};
use crate::commands::deps::pkg_error;
use crate::error::CliError;
use crate::shell::Shell;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// The registry URL of a command, or an error saying how to configure one.
fn registry(flag: Option<&str>, home: &std::path::Path) -> Result<String, CliError> {
    let env = std::env::var("HOLO_REGISTRY").ok();
    holo_pkg::config::default_registry(flag, env.as_deref(), home)
        .map_err(pkg_error)?
        .ok_or_else(|| {
            CliError::new("no registry is configured")
                .with_hint("Pass `--registry URL`, set `HOLO_REGISTRY`, or write `registry = \"URL\"` in `$HOLO_HOME/config.toml`.")
        })
}

/// `HOLO_REGISTRY_TOKEN`, else the token `holo login` stored for `url`.
fn token(home: &std::path::Path, url: &str) -> Result<String, CliError> {
    if let Ok(t) = std::env::var("HOLO_REGISTRY_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(t.trim().to_string());
    }
    holo_pkg::config::stored_token(home, url).ok_or_else(|| {
        CliError::new(format!("no token is stored for the registry {url}"))
            .with_hint(format!("Run `holo login --registry {url}` and paste the token the registry's operator gave you, or set HOLO_REGISTRY_TOKEN."))
    })
}

/// `holo login [--registry URL]`: the token is the first line of standard input.
pub fn login(shell: &mut Shell, args: LoginArgs) -> Result<ExitCode, CliError> {
    let home = crate::host::store::holo_home()?;
    let url = registry(args.registry.as_deref(), &home)?;
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).map_err(|e| {
        CliError::new(format!("cannot read the token from standard input: {e}"))
            .with_hint("Pipe the token in: `echo TOKEN | holo login`.")
    })?;
    let token = input.lines().next().unwrap_or_default().trim().to_string();
    if token.is_empty() {
        return Err(
            CliError::new("no token was given on standard input").with_hint(
                "Pipe the token in: `echo TOKEN | holo login`, or type it and press Ctrl+D.",
            ),
        );
    }
    holo_pkg::config::store_token(&home, &url, &token).map_err(pkg_error)?;
    shell.status(
        "Login",
        format!(
            "token for {url} saved in {}",
            home.join("credentials.toml").display()
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// `holo publish [--dry-run]`.
pub fn publish(shell: &mut Shell, args: PublishArgs) -> Result<ExitCode, CliError> {
    let location = crate::host::package::locate(args.manifest_path.as_deref())?;
    let manifest = holo_pkg::Manifest::load(&location.manifest_path)
        .map_err(|e| CliError::from_manifest(e, holo_pkg::MANIFEST_FILE))?;
    if let Some(dep) = manifest
        .dependencies
        .values()
        .find(|d| matches!(d.source, holo_pkg::DependencySource::Path(_)))
    {
        return Err(CliError::new(format!(
            "`{}` cannot be published: its dependency `{}` is a path dependency",
            manifest.name, dep.name
        ))
        .with_hint(format!(
            "Publish `{}` first and depend on it by version (`holo add {}`).",
            dep.name, dep.name
        )));
    }
    let home = crate::host::store::holo_home()?;
    // Before anything else, so that a missing registry or token does not cost a test run.
    let target = if args.dry_run {
        None
    } else {
        let url = registry(args.registry.as_deref(), &home)?;
        let token = token(&home, &url)?;
        Some((url, token))
    };
    shell.status(
        "Packaging",
        format!("{} v{}", manifest.name, manifest.version),
    );
    let packed =
        holo_pkg::archive::pack_checked(&location.root, &holo_pkg::archive::Limits::default())
            .map_err(|e| {
                CliError::new(format!(
                    "cannot pack `{}`: {}",
                    manifest.name,
                    e.message.trim_end_matches('.')
                ))
                .with_hint("Fix what the message names; the registry refuses the same archives.")
            })?;
    // The package must check and pass its tests: run `holo test` as a child, on this terminal.
    shell.status(
        "Verifying",
        format!("{} v{} (holo test)", manifest.name, manifest.version),
    );
    let exe = std::env::current_exe()
        .map_err(|e| CliError::internal(format!("cannot find holo's own executable: {e}")))?;
    let status = std::process::Command::new(exe)
        .arg("test")
        .arg("--no-daemon")
        .arg("--manifest-path")
        .arg(&location.manifest_path)
        .status()
        .map_err(|e| CliError::internal(format!("cannot run `holo test`: {e}")))?;
    if !status.success() {
        return Err(CliError::new(format!(
            "`{}` was not published: `holo test` failed",
            manifest.name
        ))
        .with_hint("Fix the errors or failing tests above, then publish again."));
    }
    let Some((url, token)) = target else {
        let dir: PathBuf = location.root.join("target").join("package");
        let file = dir.join(format!("{}.tar.gz", packed.checked.root));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&file, &packed.bytes))
            .map_err(|e| {
                CliError::new(format!("cannot write `{}`: {e}", file.display()))
                    .with_hint("Check that the package's `target/` folder is writable.")
            })?;
        let mut list = String::new();
        for f in &packed.checked.files {
            list.push_str(&format!("{}/{f}\n", packed.checked.root));
        }
        shell.out_text(&list);
        shell.status(
            "Packaged",
            format!(
                "{} files, {} bytes, sha256 {} in {} (dry run: nothing uploaded)",
                packed.checked.files.len(),
                packed.bytes.len(),
                packed.checked.sha256,
                file.display()
            ),
        );
        return Ok(ExitCode::SUCCESS);
    };
    shell.status(
        "Uploading",
        format!("{} v{} to {url}", manifest.name, manifest.version),
    );
    let published =
        holo_pkg::client::publish(&url, &home, &token, &packed.bytes).map_err(pkg_error)?;
    shell.status(
        "Published",
        format!(
            "{} v{} (sha256 {})",
            published.name, published.version, published.cksum
        ),
    );
    Ok(ExitCode::SUCCESS)
}

/// `holo yank NAME@VERSION [--undo]`.
pub fn yank(shell: &mut Shell, args: YankArgs) -> Result<ExitCode, CliError> {
    let bad = || {
        CliError::new(format!("`{}` is not NAME@VERSION", args.spec))
            .with_hint("Name the exact version, like `holo yank mathx@0.1.2`.")
    };
    let (name, version) = args.spec.split_once('@').ok_or_else(bad)?;
    let version = semver::Version::parse(version).map_err(|_| bad())?;
    let home = crate::host::store::holo_home()?;
    let url = registry(args.registry.as_deref(), &home)?;
    let token = token(&home, &url)?;
    holo_pkg::client::yank(&url, &home, &token, name, &version, args.undo).map_err(pkg_error)?;
    shell.status(
        if args.undo { "Unyanked" } else { "Yanked" },
        format!("{name} v{version} in {url}"),
    );
    Ok(ExitCode::SUCCESS)
}
