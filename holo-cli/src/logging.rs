//! Logging for holo's developers: `tracing` events go to stderr when `HOLO_LOG` is set (for
//! example `HOLO_LOG=debug` or `HOLO_LOG=holo=trace,salsa=info`), and nowhere otherwise.

use crate::shell::Shell;

/// Installs the subscriber if `HOLO_LOG` asks for one. A malformed filter is reported as a
/// warning and logging stays off: a typo in a debugging variable must not stop the command.
pub fn init(shell: &mut Shell) {
    let Some(directives) = std::env::var_os("HOLO_LOG") else {
        return;
    };
    let Some(directives) = directives.to_str().filter(|d| !d.trim().is_empty()) else {
        return;
    };
    match tracing_subscriber::EnvFilter::try_new(directives) {
        Ok(filter) => {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(shell.err_supports_color())
                .init();
        }
        Err(e) => shell.warn(format!(
            "ignoring `HOLO_LOG={directives}`: {e}; use directives like `debug` or `holo=trace`"
        )),
    }
}
