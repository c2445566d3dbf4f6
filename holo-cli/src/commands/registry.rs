//! `holo registry serve --dir DIR [--addr IP:PORT] [--url URL] [--dl URL]` and
//! `holo registry token --dir DIR --scopes S,… [--package NAME] [--owner OWNER]`.

use crate::cli::{RegistryArgs, RegistryCommand, RegistryServeArgs, RegistryTokenArgs};
use crate::error::CliError;
use crate::shell::Shell;
use holo_pkg::registry::{self, LogEvent, Registry, Scope, ServeOptions};
use std::process::ExitCode;
use std::sync::Arc;

pub fn exec(shell: &mut Shell, args: RegistryArgs) -> Result<ExitCode, CliError> {
    match args.command {
        RegistryCommand::Serve(args) => serve(shell, args),
        RegistryCommand::Token(args) => token(shell, args),
    }
}

fn open(dir: &std::path::Path) -> Result<Registry, CliError> {
    Registry::open(dir).map_err(|e| {
        CliError::new(format!("cannot open the registry in `{}`", dir.display()))
            .with_hint(e.message)
    })
}

fn serve(shell: &mut Shell, args: RegistryServeArgs) -> Result<ExitCode, CliError> {
    let registry = open(&args.dir)?;
    // The server's threads report through a channel, so that this thread, the only one with
    // the shell, does all the printing.
    let (send, receive) = std::sync::mpsc::channel::<LogEvent>();
    let send = std::sync::Mutex::new(send);
    let options = ServeOptions {
        addr: args.addr,
        url: args.url,
        dl: args.dl,
        writes_per_minute: args.writes_per_minute,
        ..ServeOptions::default()
    };
    let handle = registry::serve(
        registry,
        options,
        Arc::new(move |event| {
            let _ = send.lock().unwrap_or_else(|e| e.into_inner()).send(event);
        }),
    )
    .map_err(|e| CliError::new("cannot start the registry server").with_hint(e.message))?;
    for event in receive {
        match event {
            LogEvent::Listening { addr, dir, config } => {
                shell.status(
                    "Listening",
                    format!("on http://{addr} (registry in `{}`)", dir.display()),
                );
                shell.progress(format!(
                    "index: http://{addr}/index/config.json, api: {}, downloads: {}",
                    config.api, config.dl
                ));
            }
            LogEvent::Request {
                method,
                path,
                status,
                duration,
                token,
                note,
            } => {
                let mut line = format!(
                    "{method} {path} {status} {:.1}ms",
                    duration.as_secs_f64() * 1000.0
                );
                if let Some(token) = token {
                    line.push_str(&format!(" token={token}"));
                }
                if let Some(note) = note {
                    line.push_str(&format!(" — {note}"));
                }
                shell.progress(line);
            }
        }
    }
    handle.wait();
    Ok(ExitCode::SUCCESS)
}

fn token(shell: &mut Shell, args: RegistryTokenArgs) -> Result<ExitCode, CliError> {
    let mut scopes = Vec::new();
    for text in &args.scopes {
        let text = text.trim();
        match Scope::parse(text) {
            Some(scope) => scopes.push(scope),
            None => {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                return Err(CliError::new(format!("unknown scope `{text}`")).with_hint(format!(
                    "The scopes are {}; give them comma-separated, e.g. `--scopes publish-new,publish-update,yank`.",
                    known.join(", ")
                )));
            }
        }
    }
    if let Some(package) = &args.package
        && registry::validate_registry_name(package).is_err()
    {
        return Err(
            CliError::new(format!("`{package}` is not a package name")).with_hint(format!(
                "Give `--package` the name of a package as the registry knows it: lowercase ASCII letters, digits, `-` and `_`, starting with a letter, at most {} characters.",
                registry::MAX_NAME_LEN
            )),
        );
    }
    if args.owner.trim().is_empty() {
        return Err(CliError::new("the owner is empty")
            .with_hint("Give `--owner` a name, such as your team's, or leave it out."));
    }
    let registry = open(&args.dir)?;
    let token = registry
        .create_token(&scopes, args.package.as_deref(), &args.owner)
        .map_err(|e| CliError::new("cannot create the token").with_hint(e.message))?;
    shell.out_text(&format!("{token}\n"));
    let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
    shell.note(format!(
        "this token ({}) is shown only once; the registry keeps only its sha256",
        names.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}
