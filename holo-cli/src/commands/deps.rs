//! `holo add`, `holo remove`, `holo update`, `holo tree`, and the dependency step of `check`,
//! `build`, `run` and `test`: thin calls of `holo_pkg::deps`, with the status lines they print.

use crate::cli::{AddArgs, DepsArgs, RemoveArgs, TreeArgs, UpdateArgs};
use crate::error::CliError;
use crate::host::package::{self, PackageLocation};
use crate::shell::Shell;
use holo_pkg::index::{HttpIndex, Index};
use holo_pkg::{PkgError, Resolution, ResolveOptions, Source, Update};
use std::path::Path;
use std::process::ExitCode;

/// A [`PkgError`] as the CLI shows errors (see [`CliError::from_pkg`]).
pub fn pkg_error(e: PkgError) -> CliError {
    CliError::from_pkg(e)
}

/// The resolve options of a command: `$HOLO_HOME`, the default registry, the flags.
pub fn options(deps: &DepsArgs, update: Update) -> Result<ResolveOptions, CliError> {
    let home = crate::host::store::holo_home()?;
    let env = std::env::var("HOLO_REGISTRY").ok();
    let registry =
        holo_pkg::config::default_registry(deps.registry.as_deref(), env.as_deref(), &home)
            .map_err(pkg_error)?;
    Ok(ResolveOptions {
        home,
        registry,
        locked: deps.locked,
        offline: deps.offline,
        update,
    })
}

/// Prints what a resolution changed in the lock: status lines, or with `json` one
/// `{"type":"lock","name","from","to"}` object per change on stdout.
fn report(shell: &mut Shell, resolution: &Resolution, json: bool) {
    if json {
        let mut out = String::new();
        for (name, old, new) in resolution.changes() {
            out.push_str(
                &serde_json::json!({
                    "type": "lock",
                    "name": name,
                    "from": old.map(|v| v.to_string()),
                    "to": new.map(|v| v.to_string()),
                })
                .to_string(),
            );
            out.push('\n');
        }
        shell.out_text(&out);
        return;
    }
    for (name, old, new) in resolution.changes() {
        match (old, new) {
            (None, Some(v)) => shell.status("Locking", format!("{name} v{v}")),
            (Some(v), None) => shell.status("Removing", format!("{name} v{v}")),
            (Some(a), Some(b)) => shell.status("Updating", format!("{name} v{a} -> v{b}")),
            (None, None) => {}
        }
    }
}

/// Resolves (or reads the lock) and fetches, printing what changed and what was downloaded.
fn resolve_and_fetch(
    shell: &mut Shell,
    root: &Path,
    opts: &ResolveOptions,
    json: bool,
) -> Result<Vec<holo_pkg::ResolvedPackage>, CliError> {
    let resolution = holo_pkg::resolve_package(root, opts).map_err(pkg_error)?;
    report(shell, &resolution, json);
    let missing: Vec<String> = resolution
        .packages
        .iter()
        .filter(|p| {
            matches!(p.source, Source::Registry(_))
                && !opts
                    .home
                    .join("packages")
                    .join(format!("{}-{}", p.name, p.version))
                    .join(holo_pkg::MANIFEST_FILE)
                    .is_file()
        })
        .map(|p| format!("{} v{}", p.name, p.version))
        .collect();
    let fetched = holo_pkg::fetch(&resolution.packages, opts).map_err(pkg_error)?;
    for m in missing {
        shell.status("Downloaded", m);
    }
    Ok(fetched)
}

/// The dependency step of `check`, `build`, `run` and `test`: make sure the lock matches the
/// manifest and every package is on disk, before compiling. A manifest that cannot be read is
/// left to the command, which reports it with its context.
pub fn prepare(
    shell: &mut Shell,
    location: &PackageLocation,
    deps: &DepsArgs,
) -> Result<(), CliError> {
    let Ok(manifest) = holo_pkg::Manifest::load(&location.manifest_path) else {
        return Ok(());
    };
    if manifest.dependencies.is_empty() && !location.root.join(holo_pkg::lock::LOCK_FILE).exists() {
        return Ok(());
    }
    let opts = options(deps, Update::Nothing)?;
    resolve_and_fetch(shell, &location.root, &opts, false).map(|_| ())
}

fn locate(manifest_path: Option<&Path>) -> Result<PackageLocation, CliError> {
    package::locate(manifest_path)
}

/// `holo add NAME[@REQ] [--path DIR]`.
pub fn add(shell: &mut Shell, args: AddArgs) -> Result<ExitCode, CliError> {
    let location = locate(args.manifest_path.as_deref())?;
    let (name, req) = match args.spec.split_once('@') {
        Some((n, r)) => (n.to_string(), Some(r.to_string())),
        None => (args.spec.clone(), None),
    };
    holo_pkg::validate_package_name(&name).map_err(|e| {
        CliError::new(format!("cannot add `{name}`: {}", e.message)).with_hint(e.hint)
    })?;
    let opts = options(&args.deps, Update::Nothing)?;
    let value = if let Some(dir) = &args.path {
        if req.is_some() {
            return Err(CliError::new(format!(
                "`{}` gives a version requirement together with `--path`",
                args.spec
            ))
            .with_hint("A path dependency is whatever its folder holds; drop the `@REQ`."));
        }
        format!("{{ path = {} }}", toml_string(&dir.to_string_lossy()))
    } else {
        let Some(url) = opts.registry.clone() else {
            return Err(CliError::new(format!("cannot add `{name}`: no registry is configured"))
                .with_hint("Pass `--registry URL`, set `HOLO_REGISTRY`, or write `registry = \"URL\"` in `$HOLO_HOME/config.toml`; for a local package use `--path DIR`."));
        };
        let req = match req {
            Some(r) => {
                semver::VersionReq::parse(&r).map_err(|e| {
                    CliError::new(format!("`{r}` is not a valid version requirement: {e}"))
                        .with_hint("Write it like `mathx@0.2`, `mathx@^1.2` or `mathx@=1.0.4`.")
                })?;
                r
            }
            None => {
                let versions = HttpIndex::new(&url, &opts.home, opts.offline)
                    .versions(&name)
                    .map_err(pkg_error)?;
                let newest = versions
                    .iter()
                    .filter(|e| !e.yanked && e.version.pre.is_empty())
                    .map(|e| e.version.clone())
                    .max();
                match newest {
                    Some(v) => v.to_string(),
                    None if versions.is_empty() => {
                        return Err(CliError::new(format!(
                            "the registry {url} has no package named `{name}`"
                        ))
                        .with_hint(
                            "Check the spelling of the name, or publish the package first.",
                        ));
                    }
                    None => {
                        return Err(CliError::new(format!("every version of `{name}` in {url} is yanked"))
                            .with_hint(format!("Ask for one explicitly with `holo add {name}@=VERSION` if you must use it.")));
                    }
                }
            }
        };
        if args.deps.registry.is_some() {
            format!(
                "{{ version = {}, registry = {} }}",
                toml_string(&req),
                toml_string(&url)
            )
        } else {
            toml_string(&req)
        }
    };
    let before = read_manifest(&location)?;
    let after = holo_pkg::edit::set_dependency(&before, &name, &value);
    write_manifest(&location, &after)?;
    shell.status("Adding", format!("{name} = {value}"));
    let json = args.message_format == crate::cli::MessageFormat::Json;
    if let Err(e) = resolve_and_fetch(shell, &location.root, &opts, json) {
        // The manifest goes back as it was: a requirement that cannot be met is not added.
        let _ = std::fs::write(&location.manifest_path, &before);
        return Err(e);
    }
    Ok(ExitCode::SUCCESS)
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn read_manifest(location: &PackageLocation) -> Result<String, CliError> {
    std::fs::read_to_string(&location.manifest_path).map_err(|e| {
        CliError::new(format!(
            "cannot read `{}`: {e}",
            location.manifest_path.display()
        ))
        .with_hint("Check that the file exists and that you may read it.")
    })
}

fn write_manifest(location: &PackageLocation, text: &str) -> Result<(), CliError> {
    std::fs::write(&location.manifest_path, text).map_err(|e| {
        CliError::new(format!(
            "cannot write `{}`: {e}",
            location.manifest_path.display()
        ))
        .with_hint("Check that you may write the file.")
    })
}

/// `holo remove NAME`.
pub fn remove(shell: &mut Shell, args: RemoveArgs) -> Result<ExitCode, CliError> {
    let location = locate(args.manifest_path.as_deref())?;
    let before = read_manifest(&location)?;
    let Some(after) = holo_pkg::edit::remove_dependency(&before, &args.name) else {
        return Err(CliError::new(format!("`{}` is not a dependency of this package", args.name))
            .with_hint("`holo tree` lists the dependencies; the name must be a key of `[dependencies]` in holo.toml."));
    };
    let opts = options(&args.deps, Update::Nothing)?;
    write_manifest(&location, &after)?;
    shell.status("Removing", format!("{} from dependencies", args.name));
    let json = args.message_format == crate::cli::MessageFormat::Json;
    if let Err(e) = resolve_and_fetch(shell, &location.root, &opts, json) {
        let _ = std::fs::write(&location.manifest_path, &before);
        return Err(e);
    }
    Ok(ExitCode::SUCCESS)
}

/// `holo update [NAME...]`.
pub fn update(shell: &mut Shell, args: UpdateArgs) -> Result<ExitCode, CliError> {
    let location = locate(args.manifest_path.as_deref())?;
    if !args.names.is_empty() {
        let locked = holo_pkg::lock::load(&location.root)
            .map_err(pkg_error)?
            .unwrap_or_default();
        for n in &args.names {
            if !locked.iter().any(|p| &p.name == n) {
                return Err(CliError::new(format!(
                    "`{n}` is not in holo.lock, so there is nothing to update"
                ))
                .with_hint("`holo tree` lists the locked packages; `holo add` adds a new one."));
            }
        }
    }
    let update = if args.names.is_empty() {
        Update::All
    } else {
        Update::Only(args.names)
    };
    let opts = options(&args.deps, update)?;
    let json = args.message_format == crate::cli::MessageFormat::Json;
    let resolution = holo_pkg::resolve_package(&location.root, &opts).map_err(pkg_error)?;
    if resolution.changes().is_empty() && !json {
        shell.status(
            "Locking",
            "no changes: every dependency is at the newest allowed version",
        );
    }
    report(shell, &resolution, json);
    holo_pkg::fetch(&resolution.packages, &opts).map_err(pkg_error)?;
    Ok(ExitCode::SUCCESS)
}

/// `holo tree`: the root, then each dependency with its own below it.
pub fn tree(shell: &mut Shell, args: TreeArgs) -> Result<ExitCode, CliError> {
    let location = locate(args.manifest_path.as_deref())?;
    let manifest = holo_pkg::Manifest::load(&location.manifest_path)
        .map_err(|e| CliError::from_manifest(e, holo_pkg::MANIFEST_FILE))?;
    let opts = options(&args.deps, Update::Nothing)?;
    let resolution = holo_pkg::resolve_package(&location.root, &opts).map_err(pkg_error)?;
    let json = args.message_format == crate::cli::MessageFormat::Json;
    report(shell, &resolution, json);
    if json {
        let roots: Vec<&String> = manifest.dependencies.keys().collect();
        let mut out = serde_json::json!({
            "type": "package",
            "name": manifest.name,
            "version": manifest.version.to_string(),
            "root": true,
            "dependencies": roots,
        })
        .to_string();
        out.push('\n');
        for p in &resolution.packages {
            let source = match &p.source {
                Source::Registry(url) => format!("registry+{url}"),
                Source::Path(dir) => format!("path+{}", dir.display()),
            };
            out.push_str(
                &serde_json::json!({
                    "type": "package",
                    "name": p.name,
                    "version": p.version.to_string(),
                    "source": source,
                    "checksum": p.checksum,
                    "dependencies": p.dependencies,
                })
                .to_string(),
            );
            out.push('\n');
        }
        shell.out_text(&out);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!("{} v{}\n", manifest.name, manifest.version);
    let roots: Vec<String> = manifest.dependencies.keys().cloned().collect();
    draw(
        &resolution.packages,
        &location.root,
        &roots,
        "",
        &mut Vec::new(),
        &mut out,
    );
    shell.out_text(&out);
    Ok(ExitCode::SUCCESS)
}

fn draw(
    packages: &[holo_pkg::resolve::Resolved],
    root: &Path,
    names: &[String],
    prefix: &str,
    path: &mut Vec<String>,
    out: &mut String,
) {
    for (i, name) in names.iter().enumerate() {
        let last = i + 1 == names.len();
        let Some(p) = packages.iter().find(|p| &p.name == name) else {
            continue;
        };
        let source = match &p.source {
            Source::Path(dir) => format!(" ({})", holo_pkg::lock::relative(root, dir)),
            Source::Registry(_) => String::new(),
        };
        let cycle = path.contains(name);
        out.push_str(&format!(
            "{prefix}{}{} v{}{source}{}\n",
            if last { "└── " } else { "├── " },
            p.name,
            p.version,
            if cycle { " (cycle)" } else { "" }
        ));
        if !cycle {
            path.push(name.clone());
            let child = format!("{prefix}{}", if last { "    " } else { "│   " });
            draw(packages, root, &p.dependencies, &child, path, out);
            path.pop();
        }
    }
}
