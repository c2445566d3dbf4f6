//! The recorded session of `holo run --watch`, kept in the package's store
//! (`target/holo/recordings/last.rec`, removed by `holo clean`) for `holo run --replay`: the
//! program's arguments, every input it took (a `Recording`: compacted and bounded) and the
//! first [`OUTPUT_KEPT`] bytes of what it printed, all of the program as it runs now (after a
//! restart, the replayed inputs and what the new code printed for them).
//!
//! One session is kept: the last. Its size is bounded by the recording's bounds plus the
//! output's. It is written by a temporary file renamed into place, so a reader never sees half
//! of one.

use holo_runner::live::child::OUTPUT_KEPT;
use holo_runner::rt::record::Recording;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped when the format changes: a session of another version is not read.
const FORMAT: u32 = 1;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RecordedSession {
    format: u32,
    pub args: Vec<String>,
    pub inputs: Recording,
    pub output: Vec<u8>,
}

impl RecordedSession {
    pub fn new(args: Vec<String>) -> RecordedSession {
        RecordedSession {
            format: FORMAT,
            args,
            inputs: Recording::new(),
            output: Vec::new(),
        }
    }

    /// Adds output, up to the bound.
    pub fn add_output(&mut self, bytes: &[u8]) {
        let room = OUTPUT_KEPT.saturating_sub(self.output.len());
        self.output
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The file of the last session of the package at `root`.
    pub fn path(root: &Path) -> PathBuf {
        crate::host::store::holo_target_dir(root)
            .join("recordings")
            .join("last.rec")
    }

    pub fn save(&self, root: &Path) -> Result<(), String> {
        let path = RecordedSession::path(root);
        let write = || -> std::io::Result<()> {
            let dir = path.parent().expect("the recordings folder");
            std::fs::create_dir_all(dir)?;
            let bytes = postcard::to_stdvec(self).map_err(std::io::Error::other)?;
            let tmp = dir.join(format!(".last.rec.{}", std::process::id()));
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            format!(
                "cannot keep the session's recording in {}: {e}",
                path.display()
            )
        })
    }

    /// The last recorded session; `Ok(None)` when there is none.
    pub fn load(root: &Path) -> Result<Option<RecordedSession>, String> {
        let path = RecordedSession::path(root);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "cannot read the recorded session {}: {e}",
                    path.display()
                ));
            }
        };
        match postcard::from_bytes::<RecordedSession>(&bytes) {
            Ok(session) if session.format == FORMAT => Ok(Some(session)),
            _ => Err(format!(
                "the recorded session {} was written by another version of holo; record a new one with `holo run --watch`",
                path.display()
            )),
        }
    }
}

/// Where two outputs first differ: the line number (from 1) and the two lines (`None` past
/// the end of one of them); `None` when they are the same.
pub fn first_difference(
    recorded: &str,
    now: &str,
) -> Option<(usize, Option<String>, Option<String>)> {
    let mut a = recorded.lines();
    let mut b = now.lines();
    let mut line = 0;
    loop {
        line += 1;
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => return Some((line, x.map(str::to_string), y.map(str::to_string))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_round_trip_and_differences_are_found() {
        let dir = std::env::temp_dir().join(format!("holo-recording-test-{}", std::process::id()));
        let dir = &dir;
        let mut s = RecordedSession::new(vec!["a".into()]);
        s.inputs
            .push(holo_runner::rt::record::InputEvent::Line("inc".into()));
        s.add_output(b"count: 1\n");
        s.save(dir).unwrap();
        let back = RecordedSession::load(dir).unwrap().unwrap();
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!(back.inputs, s.inputs);
        assert_eq!(back.output, s.output);
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n"),
            Some((2, Some("b".into()), Some("c".into())))
        );
        assert_eq!(
            first_difference("a\n", "a\nc\n"),
            Some((2, None, Some("c".into())))
        );
    }
}
