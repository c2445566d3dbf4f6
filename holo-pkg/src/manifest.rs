//! `holo.toml`: parsing and validating a package manifest.
//!
//! The file is deserialised with serde into "raw" structs whose fields keep their byte spans
//! (`toml::Spanned`), then validated field by field so that every error can point at the exact
//! key or value that is wrong, with a line, a column and a hint. Unknown keys are errors rather
//! than warnings: a misspelt key (`edtion`) silently ignored is worse than a refusal.

use crate::location::Location;
use crate::name::validate_package_name;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// The name of the manifest file at the root of every package.
pub const MANIFEST_FILE: &str = "holo.toml";

/// The keys allowed in `[package]`.
const PACKAGE_KEYS: &[&str] = &["name", "version", "edition"];
/// The keys allowed in `[test]`.
const TEST_KEYS: &[&str] = &["timeout"];
const DEV_KEYS: &[&str] = &["daemon", "idle-timeout"];
const RUN_KEYS: &[&str] = &["memory"];
/// The tables allowed at the top level.
const TOP_LEVEL_KEYS: &[&str] = &["package", "dependencies", "run", "test", "dev"];

/// A validated `holo.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The package name; always a valid identifier (see [`validate_package_name`]).
    pub name: String,
    /// The package version; `0.0.0` when the manifest does not give one (as Cargo does).
    pub version: semver::Version,
    pub edition: Edition,
    /// Declared dependencies by name.
    pub dependencies: BTreeMap<String, Dependency>,
    /// Settings for `holo run` from the `[run]` table.
    pub run: RunSettings,
    /// Settings for `holo test` from the `[test]` table.
    pub test: TestSettings,
    /// Settings of the resident toolchain from the `[dev]` table.
    pub dev: DevSettings,
}

/// The `[dev]` table: how this package uses holo's daemon.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevSettings {
    /// `daemon = "auto"`: commands start the package's daemon when none runs (as
    /// `HOLO_DAEMON=auto` does); `"off"` (the default): only `holo daemon start` and `holo dev`
    /// do.
    pub auto_daemon: bool,
    /// `idle-timeout = 600`: how long (seconds) a daemon started in the background waits for
    /// requests before it stops.
    pub idle_timeout: Option<std::time::Duration>,
}

/// The `[run]` table: defaults for `holo run` that the command line can override.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSettings {
    /// The most memory (bytes) the program's values may take before it stops with an
    /// out-of-memory error (`memory = "2GiB"`).
    pub memory: Option<u64>,
}

/// The `[test]` table: defaults for `holo test` that the command line can override.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestSettings {
    /// How long one test may run before it is stopped and reported as timed out
    /// (`timeout = 5` or `timeout = 2.5`, in seconds).
    pub timeout: Option<std::time::Duration>,
}

/// A language edition. Editions let later versions of holo change the language without breaking
/// packages written for an earlier one; a manifest without `edition` means the first edition,
/// so that its meaning never changes when new editions appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edition {
    E2026,
}

impl Edition {
    /// Every edition this version of holo knows, oldest first.
    pub const ALL: &[Edition] = &[Edition::E2026];
    /// The edition new packages get.
    pub const LATEST: Edition = Edition::E2026;

    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2026 => "2026",
        }
    }

    pub fn parse(s: &str) -> Option<Edition> {
        Edition::ALL.iter().copied().find(|e| e.as_str() == s)
    }
}

impl std::fmt::Display for Edition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of `[dependencies]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// The versions allowed (Cargo's caret semantics for a bare `"1.2"`); `*` for a path
    /// dependency, whose one version is whatever its folder holds.
    pub req: semver::VersionReq,
    pub source: DependencySource,
}

/// Where a dependency comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DependencySource {
    /// A registry: the one named in the entry (`registry = "URL"`, without a final `/`), or the
    /// default registry of the command (`None`).
    Registry(Option<String>),
    /// A folder holding the package, relative to the depending package's root (or absolute).
    Path(PathBuf),
}

/// Why a manifest could not be read or is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest's path, as it was given to [`Manifest::load`] or [`Manifest::parse`].
    pub path: PathBuf,
    /// One line, lower case, no final period: "unknown key `edtion` in `[package]`".
    pub message: String,
    /// A full sentence saying what to do.
    pub hint: Option<String>,
    /// Where in the file the problem is, when it is about a place in the file (boxed: errors
    /// are rare, and a small `Result` keeps the success path cheap).
    pub site: Option<Box<ErrorSite>>,
}

/// The place in the manifest an error is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSite {
    pub location: Location,
    /// A short label for the marked text ("unknown key").
    pub label: String,
    /// The text of the manifest, so that the error can be shown in context.
    pub text: Arc<str>,
}

impl ManifestError {
    fn new(path: &Path, message: impl Into<String>) -> ManifestError {
        ManifestError {
            path: path.to_path_buf(),
            message: message.into(),
            hint: None,
            site: None,
        }
    }

    fn at(
        mut self,
        text: &Arc<str>,
        span: Range<usize>,
        label: impl Into<String>,
    ) -> ManifestError {
        self.site = Some(Box::new(ErrorSite {
            location: Location::of(text, span),
            label: label.into(),
            text: text.clone(),
        }));
        self
    }

    /// Where the error is, if it is about a place in the file.
    pub fn location(&self) -> Option<&Location> {
        self.site.as_ref().map(|s| &s.location)
    }

    fn hint(mut self, hint: impl Into<String>) -> ManifestError {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.location() {
            Some(loc) => write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                loc.line,
                loc.column,
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ManifestError {}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of `[package]`, `[dependencies]`, `[run]`, `[test]` and `[dev]`"
)]
struct RawManifest {
    package: Option<Spanned<RawPackage>>,
    dependencies: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    run: Option<RawRun>,
    test: Option<RawTest>,
    dev: Option<RawDev>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a `[dev]` table")]
struct RawDev {
    daemon: Option<Spanned<toml::Value>>,
    #[serde(rename = "idle-timeout")]
    idle_timeout: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a `[run]` table")]
struct RawRun {
    memory: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a `[test]` table")]
struct RawTest {
    timeout: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a `[package]` table")]
struct RawPackage {
    name: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    edition: Option<Spanned<String>>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let bytes = std::fs::read(path).map_err(|e| {
            let err = ManifestError::new(path, format!("could not read `{}`: {e}", path.display()));
            if e.kind() == std::io::ErrorKind::NotFound {
                err.hint("Run `holo init` in the package's folder to create a manifest.")
            } else {
                err.hint("Check that the file exists and that you may read it.")
            }
        })?;
        match String::from_utf8(bytes) {
            Ok(text) => Manifest::parse(&text, path),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
                let text: Arc<str> = Arc::from(valid);
                Err(
                    ManifestError::new(path, format!("`{}` is not valid UTF-8", path.display()))
                        .at(&text, offset..offset, "the first invalid byte is here")
                        .hint("Save the manifest as UTF-8 text."),
                )
            }
        }
    }

    /// Validates the manifest text `text`; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let text: Arc<str> = Arc::from(text);
        let raw: RawManifest =
            toml::from_str(&text).map_err(|e| from_toml_error(&e, &text, path))?;

        let Some(package) = raw.package else {
            return Err(ManifestError::new(path, "the manifest has no `[package]` table")
                .at(&text, 0..0, "expected `[package]`")
                .hint("Start the manifest with a `[package]` table giving at least the name, e.g. `[package]` then `name = \"hello\"`."));
        };
        let package_span = package.span();
        let package = package.into_inner();

        let Some(name) = package.name else {
            return Err(ManifestError::new(path, "`[package]` has no `name`")
                .at(&text, package_span, "`name` is missing in this table")
                .hint("Add `name = \"…\"` to `[package]`; the name is how other packages and `holo` refer to this one."));
        };
        if let Err(e) = validate_package_name(name.get_ref()) {
            return Err(ManifestError::new(path, e.message)
                .at(&text, name.span(), "invalid package name")
                .hint(e.hint));
        }

        let version = match package.version {
            None => semver::Version::new(0, 0, 0),
            Some(v) => semver::Version::parse(v.get_ref()).map_err(|e| {
                ManifestError::new(path, format!("`{}` is not a valid version: {e}", v.get_ref()))
                    .at(&text, v.span(), "invalid version")
                    .hint("Versions are semantic versions with three numbers, like `version = \"0.1.0\"`.")
            })?,
        };

        let edition = match package.edition {
            None => Edition::ALL[0],
            Some(ed) => Edition::parse(ed.get_ref()).ok_or_else(|| {
                let known: Vec<String> = Edition::ALL.iter().map(|e| format!("\"{e}\"")).collect();
                ManifestError::new(path, format!("unknown edition `{}`", ed.get_ref()))
                    .at(&text, ed.span(), "unknown edition")
                    .hint(format!(
                        "This version of holo knows the edition {}; write `edition = \"{}\"`.",
                        known.join(", "),
                        Edition::LATEST
                    ))
            })?,
        };

        let mut dependencies = BTreeMap::new();
        for (dep_name, req) in raw.dependencies.unwrap_or_default() {
            if let Err(e) = validate_package_name(dep_name.get_ref()) {
                return Err(ManifestError::new(
                    path,
                    format!("invalid dependency name: {}", e.message),
                )
                .at(&text, dep_name.span(), "invalid package name")
                .hint(e.hint));
            }
            let dep = parse_dependency(dep_name.get_ref(), req, &text, path)?;
            dependencies.insert(dep.name.clone(), dep);
        }

        let run = RunSettings {
            memory: raw
                .run
                .and_then(|r| r.memory)
                .map(|m| parse_memory(m, &text, path))
                .transpose()?,
        };

        let test = match raw.test {
            None => TestSettings::default(),
            Some(test) => TestSettings {
                timeout: test
                    .timeout
                    .map(|t| {
                        parse_seconds(t, &text, path, "timeout", "[test]", 86_400, "Give the longest time one test may run, in seconds and at most a day (86400): `timeout = 10`.")
                    })
                    .transpose()?,
            },
        };

        let dev = match raw.dev {
            None => DevSettings::default(),
            Some(dev) => DevSettings {
                auto_daemon: match dev.daemon {
                    None => false,
                    Some(value) => parse_daemon_mode(value, &text, path)?,
                },
                idle_timeout: dev
                    .idle_timeout
                    .map(|t| {
                        parse_seconds(t, &text, path, "idle-timeout", "[dev]", 7 * 86_400, "Give how long a daemon started in the background waits for requests before it stops, in seconds and at most a week (604800): `idle-timeout = 3600`.")
                    })
                    .transpose()?,
            },
        };

        Ok(Manifest {
            name: name.into_inner(),
            version,
            edition,
            dependencies,
            run,
            test,
            dev,
        })
    }

    /// The manifest `holo new` and `holo init` write for a new package named `name`.
    pub fn template(name: &str) -> String {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"{}\"\n\n[dependencies]\n",
            Edition::LATEST
        )
    }
}

/// A number of seconds (`[test] timeout`, `[dev] idle-timeout`): positive, integer or not, at
/// most `max`.
fn parse_seconds(
    value: Spanned<toml::Value>,
    text: &Arc<str>,
    path: &Path,
    key: &str,
    table: &str,
    max: u32,
    hint: &str,
) -> Result<std::time::Duration, ManifestError> {
    let span = value.span();
    let seconds = match value.into_inner() {
        toml::Value::Integer(n) => Some(n as f64),
        toml::Value::Float(f) => Some(f),
        _ => None,
    };
    match seconds {
        Some(s) if s > 0.0 && s <= f64::from(max) => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(ManifestError::new(
            path,
            format!("`{key}` in `{table}` must be a positive number of seconds"),
        )
        .at(text, span, "expected seconds, like `10` or `2.5`")
        .hint(hint)),
    }
}

/// One `[dependencies]` entry: `name = "req"`, `name = { version = "req", registry = "URL" }`
/// or `name = { path = "../dir" }`.
fn parse_dependency(
    name: &str,
    value: Spanned<toml::Value>,
    text: &Arc<str>,
    path: &Path,
) -> Result<Dependency, ManifestError> {
    let span = value.span();
    let forms = format!(
        "Write `{name} = \"0.1\"`, `{name} = {{ version = \"0.1\", registry = \"http://host:port\" }}` or `{name} = {{ path = \"../{name}\" }}`."
    );
    let parse_req = |req_text: &str, span: Range<usize>| {
        semver::VersionReq::parse(req_text).map_err(|e| {
            ManifestError::new(
                path,
                format!("`{req_text}` is not a valid version requirement for dependency `{name}`: {e}"),
            )
            .at(text, span, "invalid version requirement")
            .hint("Requirements use Cargo's syntax: `\"1.2\"` (same as `\"^1.2\"`), `\"~1.2.3\"`, `\">=1, <3\"`, `\"=1.0.4\"` or `\"*\"`.")
        })
    };
    match value.into_inner() {
        toml::Value::String(req_text) => Ok(Dependency {
            name: name.to_string(),
            req: parse_req(&req_text, span)?,
            source: DependencySource::Registry(None),
        }),
        toml::Value::Table(table) => {
            // The inner values lost their spans in `toml::Value`; errors point at the entry.
            let bad = |message: String, label: &str| {
                ManifestError::new(path, message)
                    .at(text, span.clone(), label)
                    .hint(forms.clone())
            };
            for key in table.keys() {
                if !["version", "registry", "path"].contains(&key.as_str()) {
                    return Err(bad(
                        format!("unknown key `{key}` in dependency `{name}`"),
                        "unknown key",
                    ));
                }
            }
            let string = |key: &str| -> Result<Option<String>, ManifestError> {
                match table.get(key) {
                    None => Ok(None),
                    Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(bad(
                        format!("`{key}` of dependency `{name}` is not a string"),
                        "expected a string",
                    )),
                }
            };
            let version = string("version")?;
            let registry = string("registry")?;
            let dir = string("path")?;
            match (version, registry, dir) {
                (None, None, Some(dir)) => Ok(Dependency {
                    name: name.to_string(),
                    req: semver::VersionReq::STAR,
                    source: DependencySource::Path(PathBuf::from(dir)),
                }),
                (_, _, Some(_)) => Err(bad(
                    format!(
                        "dependency `{name}` gives a `path` together with `version` or `registry`"
                    ),
                    "path and registry",
                )),
                (None, _, None) => Err(bad(
                    format!("dependency `{name}` gives neither a `version` nor a `path`"),
                    "no version",
                )),
                (Some(req_text), registry, None) => {
                    if let Some(url) = &registry
                        && !(url.starts_with("http://") || url.starts_with("https://"))
                    {
                        return Err(bad(
                            format!(
                                "the registry `{url}` of dependency `{name}` is not an http:// or https:// URL"
                            ),
                            "invalid registry URL",
                        ));
                    }
                    Ok(Dependency {
                        name: name.to_string(),
                        req: parse_req(&req_text, span.clone())?,
                        source: DependencySource::Registry(
                            registry.map(|u| u.trim_end_matches('/').to_string()),
                        ),
                    })
                }
            }
        }
        _ => Err(ManifestError::new(
            path,
            format!("the requirement for dependency `{name}` is not a string"),
        )
        .at(text, span, "expected a string")
        .hint(forms)),
    }
}

/// `[run] memory`: a size with a unit, at least 1 MiB (less cannot hold a program's values).
fn parse_memory(
    value: Spanned<toml::Value>,
    text: &Arc<str>,
    path: &Path,
) -> Result<u64, ManifestError> {
    let span = value.span();
    let bytes = match value.into_inner() {
        toml::Value::String(s) => crate::size::parse_size(&s),
        toml::Value::Integer(n) => u64::try_from(n).ok(),
        _ => None,
    };
    match bytes {
        Some(b) if b >= 1 << 20 => Ok(b),
        _ => Err(ManifestError::new(
            path,
            "`memory` in `[run]` must be a size of at least 1 MiB",
        )
        .at(text, span, "expected a size, like \"2GiB\" or \"512MB\"")
        .hint("Give the most memory the program's values may take, as a string with a unit: `memory = \"2GiB\"`.")),
    }
}

/// `[dev] daemon`: `"auto"` or `"off"`.
fn parse_daemon_mode(
    value: Spanned<toml::Value>,
    text: &Arc<str>,
    path: &Path,
) -> Result<bool, ManifestError> {
    let span = value.span();
    match value.into_inner() {
        toml::Value::String(s) if s == "auto" => Ok(true),
        toml::Value::String(s) if s == "off" => Ok(false),
        _ => Err(
            ManifestError::new(path, "`daemon` in `[dev]` must be \"auto\" or \"off\"")
                .at(text, span, "expected \"auto\" or \"off\"")
                .hint("With `daemon = \"auto\"`, holo commands start the package's daemon when none runs; with `\"off\"` (the default), only `holo daemon start` and `holo dev` do."),
        ),
    }
}

/// Turns an error from `toml` (syntax, types, or an unknown key caught by `deny_unknown_fields`)
/// into one that says which key is wrong and what is allowed.
fn from_toml_error(err: &toml::de::Error, text: &Arc<str>, path: &Path) -> ManifestError {
    let message = err.message();
    let span = err.span().unwrap_or(0..0);
    // serde phrases unknown fields as "unknown field `KEY`, expected …" (see
    // `serde::de::Error::unknown_field`); the tests below pin that phrasing.
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once('`')
    {
        let in_package = expected.contains("`name`");
        let in_test = expected.contains("`timeout`");
        let in_dev = expected.contains("`idle-timeout`");
        let in_run = expected.contains("`memory`");
        let (message, allowed) = if in_package {
            (format!("unknown key `{key}` in `[package]`"), PACKAGE_KEYS)
        } else if in_test {
            (format!("unknown key `{key}` in `[test]`"), TEST_KEYS)
        } else if in_dev {
            (format!("unknown key `{key}` in `[dev]`"), DEV_KEYS)
        } else if in_run {
            (format!("unknown key `{key}` in `[run]`"), RUN_KEYS)
        } else {
            (format!("unknown top-level key `{key}`"), TOP_LEVEL_KEYS)
        };
        let allowed: Vec<String> = allowed.iter().map(|k| format!("`{k}`")).collect();
        let place = if in_package {
            "`[package]` may contain"
        } else if in_test {
            "`[test]` may contain"
        } else if in_dev {
            "`[dev]` may contain"
        } else if in_run {
            "`[run]` may contain"
        } else {
            "The manifest may contain the tables"
        };
        return ManifestError::new(path, message)
            .at(text, span, "unknown key")
            .hint(format!(
                "{place} only {}; remove `{key}` or check its spelling.",
                join_or(&allowed, "and")
            ));
    }
    if message == "duplicate key" {
        let key = text.get(span.clone()).unwrap_or("").trim();
        return ManifestError::new(path, format!("duplicate key `{key}`"))
            .at(text, span, "given a second time here")
            .hint("Each key may appear only once in a table; remove one of them.");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return ManifestError::new(path, format!("wrong type of value: {rest}"))
            .at(text, span, "wrong type")
            .hint("Names, versions, editions and dependency requirements are strings, e.g. `version = \"0.1.0\"`; `[package]` and `[dependencies]` are tables.");
    }
    ManifestError::new(path, format!("invalid TOML: {message}"))
        .at(text, span, "here")
        .hint("`holo.toml` must be valid TOML (see https://toml.io); check for a missing quote, bracket or `=` near this point.")
}

/// `a`, `a and b`, `a, b and c`.
fn join_or(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("holo.toml"))
    }

    fn error(text: &str) -> ManifestError {
        match parse(text) {
            Ok(m) => panic!("expected an error, got {m:?}"),
            Err(e) => e,
        }
    }

    /// (line, column) of an error.
    fn pos(e: &ManifestError) -> (u32, u32) {
        let loc = e.location().expect("the error has a location");
        (loc.line, loc.column)
    }

    #[test]
    fn parses_a_full_manifest() {
        let m = parse(
            "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2026\"\n\n[dependencies]\ngeometry = \"1.2\"\nutil = \">=0.3, <0.5\"\n",
        )
        .unwrap();
        assert_eq!(m.name, "hello");
        assert_eq!(m.version, semver::Version::new(0, 1, 0));
        assert_eq!(m.edition, Edition::E2026);
        assert_eq!(
            m.dependencies["geometry"].req,
            semver::VersionReq::parse("^1.2").unwrap()
        );
        assert_eq!(
            m.dependencies["util"].req,
            semver::VersionReq::parse(">=0.3, <0.5").unwrap()
        );
    }

    #[test]
    fn dependencies_come_from_a_registry_or_a_path() {
        let m = parse(
            "[package]\nname = \"a\"\n[dependencies]\nx = { version = \"^1.2\", registry = \"http://h:1/\" }\ny = { path = \"../y\" }\n",
        )
        .unwrap();
        assert_eq!(
            m.dependencies["x"].source,
            DependencySource::Registry(Some("http://h:1".into()))
        );
        assert_eq!(
            m.dependencies["y"].source,
            DependencySource::Path(PathBuf::from("../y"))
        );
        for (entry, message) in [
            (
                "x = 3",
                "the requirement for dependency `x` is not a string",
            ),
            (
                "x = { vers = \"1\" }",
                "unknown key `vers` in dependency `x`",
            ),
            (
                "x = { registry = \"http://h\" }",
                "dependency `x` gives neither a `version` nor a `path`",
            ),
            (
                "x = { path = \"../x\", version = \"1\" }",
                "dependency `x` gives a `path` together with `version` or `registry`",
            ),
            (
                "x = { version = \"1\", registry = \"h:1\" }",
                "the registry `h:1` of dependency `x` is not an http:// or https:// URL",
            ),
            (
                "x = { version = \"one\" }",
                "`one` is not a valid version requirement for dependency `x`: unexpected character 'o' while parsing major version number",
            ),
        ] {
            let e = error(&format!(
                "[package]\nname = \"a\"\n[dependencies]\n{entry}\n"
            ));
            assert_eq!(e.message, message, "{entry}");
            assert_eq!(pos(&e).0, 4, "{entry}");
            assert!(e.hint.is_some());
        }
    }

    #[test]
    fn version_and_edition_have_defaults() {
        let m = parse("[package]\nname = \"hello\"\n").unwrap();
        assert_eq!(m.version, semver::Version::new(0, 0, 0));
        assert_eq!(m.edition, Edition::E2026);
        assert!(m.dependencies.is_empty());
    }

    #[test]
    fn the_dev_table_sets_the_daemon_mode_and_idle_time() {
        let m = parse("[package]\nname = \"a\"\n").unwrap();
        assert_eq!(m.dev, DevSettings::default());
        let m = parse("[package]\nname = \"a\"\n[dev]\ndaemon = \"auto\"\nidle-timeout = 90\n")
            .unwrap();
        assert!(m.dev.auto_daemon);
        assert_eq!(m.dev.idle_timeout, Some(std::time::Duration::from_secs(90)));
        let m = parse("[package]\nname = \"a\"\n[dev]\ndaemon = \"off\"\n").unwrap();
        assert!(!m.dev.auto_daemon);
        let e = parse("[package]\nname = \"a\"\n[dev]\ndaemon = \"always\"\n").unwrap_err();
        assert_eq!(e.message, "`daemon` in `[dev]` must be \"auto\" or \"off\"");
        assert_eq!(e.site.as_ref().unwrap().location.line, 4);
        let e = parse("[package]\nname = \"a\"\n[dev]\nidle-timeout = -1\n").unwrap_err();
        assert_eq!(
            e.message,
            "`idle-timeout` in `[dev]` must be a positive number of seconds"
        );
        let e = parse("[package]\nname = \"a\"\n[dev]\nidle = 5\n").unwrap_err();
        assert_eq!(e.message, "unknown key `idle` in `[dev]`");
        assert_eq!(
            e.hint.as_deref(),
            Some(
                "`[dev]` may contain only `daemon` and `idle-timeout`; remove `idle` or check its spelling."
            )
        );
    }

    #[test]
    fn the_run_table_sets_a_memory_limit() {
        let m = parse("[package]\nname = \"a\"\n[run]\nmemory = \"2GiB\"\n").unwrap();
        assert_eq!(m.run.memory, Some(2 << 30));
        for bad in ["\"lots\"", "\"10KB\"", "-1", "true"] {
            let e =
                parse(&format!("[package]\nname = \"a\"\n[run]\nmemory = {bad}\n")).unwrap_err();
            assert_eq!(
                e.message, "`memory` in `[run]` must be a size of at least 1 MiB",
                "{bad}"
            );
            assert_eq!(pos(&e), (4, 10));
        }
        let e = parse("[package]\nname = \"a\"\n[run]\nmemroy = 1\n").unwrap_err();
        assert_eq!(e.message, "unknown key `memroy` in `[run]`");
    }

    #[test]
    fn the_test_table_sets_a_timeout() {
        let m = parse("[package]\nname = \"a\"\n\n[test]\ntimeout = 5\n").unwrap();
        assert_eq!(m.test.timeout, Some(std::time::Duration::from_secs(5)));
        let m = parse("[package]\nname = \"a\"\n[test]\ntimeout = 0.25\n").unwrap();
        assert_eq!(m.test.timeout, Some(std::time::Duration::from_millis(250)));
        let m = parse("[package]\nname = \"a\"\n[test]\n").unwrap();
        assert_eq!(m.test, TestSettings::default());

        for bad in ["0", "-1", "\"5\"", "1e9", "nan"] {
            let e = error(&format!(
                "[package]\nname = \"a\"\n[test]\ntimeout = {bad}\n"
            ));
            assert_eq!(
                e.message, "`timeout` in `[test]` must be a positive number of seconds",
                "{bad}"
            );
            assert_eq!(pos(&e), (4, 11), "{bad}");
        }
        let e = error("[package]\nname = \"a\"\n[test]\ntimout = 5\n");
        assert_eq!(e.message, "unknown key `timout` in `[test]`");
        assert_eq!(
            e.hint.as_deref(),
            Some("`[test]` may contain only `timeout`; remove `timout` or check its spelling.")
        );
    }

    #[test]
    fn the_template_is_a_valid_manifest() {
        let m = parse(&Manifest::template("hello")).unwrap();
        assert_eq!(m.name, "hello");
        assert_eq!(m.version, semver::Version::new(0, 1, 0));
        assert_eq!(m.edition, Edition::LATEST);
    }

    #[test]
    fn unknown_key_in_package_names_the_key_and_line() {
        let e = error("[package]\nname = \"a\"\nedtion = \"2026\"\n");
        assert_eq!(e.message, "unknown key `edtion` in `[package]`");
        assert_eq!(pos(&e), (3, 1));
        assert_eq!(
            e.hint.as_deref(),
            Some(
                "`[package]` may contain only `name`, `version` and `edition`; remove `edtion` or check its spelling."
            )
        );
        assert_eq!(
            e.to_string(),
            "holo.toml:3:1: unknown key `edtion` in `[package]`"
        );
    }

    #[test]
    fn unknown_top_level_table_is_an_error() {
        let e = error("[package]\nname = \"a\"\n\n[dev-dependencies]\nx = \"1\"\n");
        assert_eq!(e.message, "unknown top-level key `dev-dependencies`");
        assert_eq!(pos(&e), (4, 2));
        assert!(
            e.hint
                .unwrap()
                .contains("`package`, `dependencies`, `run`, `test` and `dev`")
        );
    }

    #[test]
    fn missing_package_table() {
        let e = error("[dependencies]\nx = \"1\"\n");
        assert_eq!(e.message, "the manifest has no `[package]` table");
        assert_eq!(pos(&e), (1, 1));
        assert!(e.hint.is_some());
        let e = error("");
        assert_eq!(e.message, "the manifest has no `[package]` table");
    }

    #[test]
    fn missing_name_points_at_the_package_table() {
        let e = error("# comment\n[package]\nversion = \"0.1.0\"\n");
        assert_eq!(e.message, "`[package]` has no `name`");
        assert_eq!(pos(&e), (2, 1));
        assert!(e.hint.unwrap().contains("name = "));
    }

    #[test]
    fn invalid_name_points_at_the_value() {
        let e = error("[package]\nname = \"my.app\"\n");
        assert_eq!(
            e.message,
            "`my.app` is not a valid package name: it contains the character '.'"
        );
        assert_eq!(pos(&e), (2, 8));
        assert!(e.hint.unwrap().contains("my_app"));
    }

    #[test]
    fn invalid_version() {
        let e = error("[package]\nname = \"a\"\nversion = \"0.1\"\n");
        assert!(
            e.message.starts_with("`0.1` is not a valid version"),
            "{}",
            e.message
        );
        assert_eq!(pos(&e), (3, 11));
        assert!(e.hint.unwrap().contains("0.1.0"));
    }

    #[test]
    fn unknown_edition() {
        let e = error("[package]\nname = \"a\"\nedition = \"2024\"\n");
        assert_eq!(e.message, "unknown edition `2024`");
        assert_eq!(pos(&e), (3, 11));
        assert_eq!(
            e.hint.as_deref(),
            Some("This version of holo knows the edition \"2026\"; write `edition = \"2026\"`.")
        );
    }

    #[test]
    fn wrong_types_are_reported_at_the_value() {
        let e = error("[package]\nname = 12\n");
        assert_eq!(
            e.message,
            "wrong type of value: integer `12`, expected a string"
        );
        assert_eq!(pos(&e), (2, 8));
        let e = error("package = 3\n");
        assert_eq!(
            e.message,
            "wrong type of value: integer `3`, expected a `[package]` table"
        );
        assert_eq!(pos(&e), (1, 11));
    }

    #[test]
    fn toml_syntax_errors_have_positions() {
        let e = error("[package]\nname = \"a\n");
        assert!(e.message.starts_with("invalid TOML: "), "{}", e.message);
        assert_eq!(pos(&e).0, 2);
        let e = error("[package\n");
        assert!(e.message.starts_with("invalid TOML: "), "{}", e.message);
        assert_eq!(pos(&e).0, 1);
        assert!(e.hint.is_some());
    }

    #[test]
    fn duplicate_keys() {
        let e = error("[package]\nname = \"a\"\nname = \"b\"\n");
        assert_eq!(e.message, "duplicate key `name`");
        assert_eq!(pos(&e), (3, 1));
    }

    #[test]
    fn dependency_requirements_are_validated() {
        let e = error("[package]\nname = \"a\"\n[dependencies]\ngeometry = \"one\"\n");
        assert!(
            e.message
                .starts_with("`one` is not a valid version requirement for dependency `geometry`"),
            "{}",
            e.message
        );
        assert_eq!(pos(&e), (4, 12));

        let e = error("[package]\nname = \"a\"\n[dependencies]\ngeometry = 1\n");
        assert_eq!(
            e.message,
            "the requirement for dependency `geometry` is not a string"
        );
        assert_eq!(pos(&e), (4, 12));

        let e = error("[package]\nname = \"a\"\n[dependencies]\n\"bad name\" = \"1\"\n");
        assert!(
            e.message.starts_with("invalid dependency name: `bad name`"),
            "{}",
            e.message
        );
        assert_eq!(pos(&e), (4, 1));
    }

    #[test]
    fn load_reports_missing_and_non_utf8_files() {
        let dir = std::env::temp_dir().join(format!("holo-pkg-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.toml");
        let e = Manifest::load(&missing).unwrap_err();
        assert!(e.message.starts_with("could not read"), "{}", e.message);
        assert!(e.location().is_none());

        let bad = dir.join("bad.toml");
        std::fs::write(&bad, b"[package]\nname = \"a\xff\"\n").unwrap();
        let e = Manifest::load(&bad).unwrap_err();
        assert!(e.message.ends_with("is not valid UTF-8"), "{}", e.message);
        assert_eq!(pos(&e), (2, 10));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
