//! Ctrl+C for the loops of this process. The `ctrlc` crate takes one handler per process, but
//! a watch may first follow a daemon (where Ctrl+C ends the process at once) and then run its
//! own loop (where Ctrl+C must stop the loop in order, so that it removes its socket): the one
//! handler calls whatever action was set last.

use std::sync::Mutex;

type Action = Box<dyn Fn() + Send>;

static ACTION: Mutex<Option<Action>> = Mutex::new(None);

/// Makes Ctrl+C (SIGINT) run `action` from now on.
pub fn on_interrupt(action: impl Fn() + Send + 'static) -> Result<(), ctrlc::Error> {
    let mut current = ACTION.lock().unwrap_or_else(|e| e.into_inner());
    if current.is_none() {
        ctrlc::set_handler(|| {
            if let Some(action) = &*ACTION.lock().unwrap_or_else(|e| e.into_inner()) {
                action();
            }
        })?;
    }
    *current = Some(Box::new(action));
    Ok(())
}
