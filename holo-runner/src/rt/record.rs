//! Recording and replaying a program's inputs: every input a program takes goes through
//! [`RunContext`](super::RunContext) (stdin lines and the end of input, arguments, clock
//! readings, random numbers), so a [`Journal`] there sees them all, typed ([`InputEvent`]).
//!
//! Live, the journal hands each input to its [`JournalHooks`] (which keep it, in a
//! [`Recording`]). Replaying, it serves the recorded inputs back in order, and checks itself:
//! the new program must ask for the same kind of input the recording holds at that point
//! ([`Want`]); at the first mismatch the replay stops with a one-line explanation and the
//! program goes live from there, as it does when the recording runs out.
//!
//! Bounds: a run of consecutive clock readings is kept as its first and last reading (a
//! program polling the clock in a busy loop adds two events, not millions); replaying such a
//! run serves the first reading, then the last for every further reading while the program
//! keeps asking for the clock. A recording holds at most [`Recording::MAX_EVENTS`] events and
//! [`Recording::MAX_BYTES`] bytes of text; past that it stops growing and says so
//! ([`Recording::is_full`]), and a replay of it ends where it ends.

use serde::{Deserialize, Serialize};

/// One input a program took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InputEvent {
    /// `read_line()` got a line (without its line break).
    Line(String),
    /// `read_line()` found the end of input.
    Eof,
    /// `stdin_eof()` answered.
    AtEof(bool),
    /// `args()` answered.
    Args(Vec<String>),
    /// `clock_ms()` answered.
    Clock(i64),
    /// 64 random bits (`random_int`, `random_float`).
    Random(u64),
}

/// The kind of input a program asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Line,
    AtEof,
    Args,
    Clock,
    Random,
}

impl Want {
    fn accepts(self, event: &InputEvent) -> bool {
        matches!(
            (self, event),
            (Want::Line, InputEvent::Line(_) | InputEvent::Eof)
                | (Want::AtEof, InputEvent::AtEof(_))
                | (Want::Args, InputEvent::Args(_))
                | (Want::Clock, InputEvent::Clock(_))
                | (Want::Random, InputEvent::Random(_))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Want::Line => "a line of input",
            Want::AtEof => "whether input has ended",
            Want::Args => "its arguments",
            Want::Clock => "the clock",
            Want::Random => "a random number",
        }
    }
}

impl InputEvent {
    fn describe(&self) -> String {
        match self {
            InputEvent::Line(line) => {
                let shown: String = line.chars().take(40).collect();
                let more = if shown.len() < line.len() { "…" } else { "" };
                format!("the line {shown:?}{more}")
            }
            InputEvent::Eof => "the end of input".to_string(),
            InputEvent::AtEof(_) => "an answer to whether input has ended".to_string(),
            InputEvent::Args(_) => "the arguments".to_string(),
            InputEvent::Clock(_) => "a clock reading".to_string(),
            InputEvent::Random(_) => "a random number".to_string(),
        }
    }

    /// What the event costs a recording, roughly, in bytes.
    fn weight(&self) -> usize {
        16 + match self {
            InputEvent::Line(line) => line.len(),
            InputEvent::Args(args) => args.iter().map(|a| a.len() + 8).sum(),
            _ => 0,
        }
    }
}

/// A program's inputs, in order, compacted and bounded (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    events: Vec<InputEvent>,
    bytes: usize,
    full: bool,
}

impl Recording {
    /// The most events a recording keeps.
    pub const MAX_EVENTS: usize = 1_000_000;
    /// The most bytes (lines and arguments, plus 16 per event) a recording keeps.
    pub const MAX_BYTES: usize = 32 << 20;

    pub fn new() -> Recording {
        Recording::default()
    }

    /// Adds an input the program took. A clock reading after two clock readings replaces the
    /// second (a run keeps its first and last); past the bounds nothing is added.
    pub fn push(&mut self, event: InputEvent) {
        if let InputEvent::Clock(_) = event
            && let [.., InputEvent::Clock(_), InputEvent::Clock(last)] = self.events.as_mut_slice()
        {
            *last = match event {
                InputEvent::Clock(v) => v,
                _ => unreachable!(),
            };
            return;
        }
        let weight = event.weight();
        if self.full
            || self.events.len() >= Recording::MAX_EVENTS
            || self.bytes + weight > Recording::MAX_BYTES
        {
            self.full = true;
            return;
        }
        self.bytes += weight;
        self.events.push(event);
    }

    pub fn extend(&mut self, events: impl IntoIterator<Item = InputEvent>) {
        for e in events {
            self.push(e);
        }
    }

    /// Keeps the first `len` events (a replay that stopped there goes on live).
    pub fn truncate(&mut self, len: usize) {
        if len < self.events.len() {
            self.events.truncate(len);
            self.bytes = self.events.iter().map(InputEvent::weight).sum();
            self.full = false;
        }
    }

    pub fn events(&self) -> &[InputEvent] {
        &self.events
    }

    pub fn take(&mut self) -> Vec<InputEvent> {
        self.bytes = 0;
        self.full = false;
        std::mem::take(&mut self.events)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Whether inputs were left out because the recording reached its bounds.
    pub fn is_full(&self) -> bool {
        self.full
    }
}

/// How a replay ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayEnd {
    /// How many recorded inputs were served.
    pub replayed: usize,
    /// How many the recording held.
    pub recorded: usize,
    /// Why the replay stopped before the end of the recording (a sentence), if it did.
    pub diverged: Option<String>,
}

/// What a [`Journal`] tells the one who keeps the recording.
pub trait JournalHooks: Send {
    /// The program took this input live.
    fn recorded(&mut self, event: &InputEvent);
    /// The program is about to wait for input: what was recorded should be kept safe now.
    fn waiting(&mut self);
    /// A recorded input was served to the program.
    fn replayed(&mut self, event: &InputEvent);
    /// The replay ended (the recording ran out, the program asked for something else, or the
    /// program ended); the program goes live after this returns.
    fn replay_ended(&mut self, end: &ReplayEnd);
}

/// Records the inputs of a run, after replaying a recording first.
pub struct Journal {
    replay: Vec<InputEvent>,
    pos: usize,
    replaying: bool,
    /// The last clock reading served in the current run of clock readings.
    clock_run: Option<i64>,
    hooks: Box<dyn JournalHooks>,
}

impl Journal {
    /// A journal that first replays `replay` (when it is not empty), then records.
    pub fn new(replay: Vec<InputEvent>, hooks: Box<dyn JournalHooks>) -> Journal {
        Journal {
            replaying: !replay.is_empty(),
            replay,
            pos: 0,
            clock_run: None,
            hooks,
        }
    }

    /// Whether the journal still serves recorded inputs.
    pub fn replaying(&self) -> bool {
        self.replaying
    }

    /// The recorded input for `want`, while replaying; `None`: take the input live (the
    /// replay has just ended, or had before).
    pub fn next(&mut self, want: Want) -> Option<InputEvent> {
        if !self.replaying {
            return None;
        }
        match self.replay.get(self.pos) {
            Some(event) if want.accepts(event) => {
                let event = event.clone();
                self.pos += 1;
                self.clock_run = match event {
                    InputEvent::Clock(v) => Some(v),
                    _ => None,
                };
                self.hooks.replayed(&event);
                Some(event)
            }
            Some(_) if want == Want::Clock && self.clock_run.is_some() => {
                // A run of clock readings compacted to its first and last (see the module
                // documentation): further readings get the last.
                self.clock_run.map(InputEvent::Clock)
            }
            Some(event) => {
                let message = format!(
                    "the program asked for {} where the recording has {} (input {} of {})",
                    want.describe(),
                    event.describe(),
                    self.pos + 1,
                    self.replay.len()
                );
                self.end(Some(message));
                None
            }
            None => {
                self.end(None);
                None
            }
        }
    }

    /// Keeps an input taken live.
    pub fn record(&mut self, event: InputEvent) {
        self.hooks.recorded(&event);
    }

    /// The program is about to wait for input.
    pub fn waiting(&mut self) {
        self.hooks.waiting();
    }

    /// The run ended: a replay still under way ends here.
    pub fn finish(&mut self) {
        if self.replaying {
            let message = (self.pos < self.replay.len()).then(|| {
                format!(
                    "the program ended after {} of the {} recorded inputs",
                    self.pos,
                    self.replay.len()
                )
            });
            self.end(message);
        }
        self.hooks.waiting();
    }

    fn end(&mut self, diverged: Option<String>) {
        self.replaying = false;
        let end = ReplayEnd {
            replayed: self.pos,
            recorded: self.replay.len(),
            diverged,
        };
        self.replay = Vec::new();
        self.hooks.replay_ended(&end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<String>>>);

    impl JournalHooks for Log {
        fn recorded(&mut self, event: &InputEvent) {
            self.0.lock().unwrap().push(format!("rec {event:?}"));
        }
        fn waiting(&mut self) {}
        fn replayed(&mut self, event: &InputEvent) {
            self.0.lock().unwrap().push(format!("rep {event:?}"));
        }
        fn replay_ended(&mut self, end: &ReplayEnd) {
            self.0.lock().unwrap().push(format!("end {end:?}"));
        }
    }

    #[test]
    fn clock_runs_keep_first_and_last() {
        let mut r = Recording::new();
        r.push(InputEvent::Line("a".into()));
        for t in 0..1000 {
            r.push(InputEvent::Clock(t));
        }
        r.push(InputEvent::Random(7));
        r.push(InputEvent::Clock(5000));
        assert_eq!(
            r.events(),
            &[
                InputEvent::Line("a".into()),
                InputEvent::Clock(0),
                InputEvent::Clock(999),
                InputEvent::Random(7),
                InputEvent::Clock(5000),
            ]
        );
    }

    #[test]
    fn a_busy_clock_loop_replays_to_the_same_end() {
        let log = Log::default();
        let mut j = Journal::new(
            vec![
                InputEvent::Clock(100),
                InputEvent::Clock(1100),
                InputEvent::Line("x".into()),
            ],
            Box::new(log.clone()),
        );
        // `let t0 = clock_ms(); while clock_ms() < t0 + 1000 {}` then a line.
        let t0 = match j.next(Want::Clock) {
            Some(InputEvent::Clock(v)) => v,
            other => panic!("{other:?}"),
        };
        let mut polls = 0;
        while let Some(InputEvent::Clock(now)) = j.next(Want::Clock) {
            polls += 1;
            if now >= t0 + 1000 {
                break;
            }
        }
        assert_eq!(polls, 1);
        assert_eq!(j.next(Want::Line), Some(InputEvent::Line("x".into())));
        assert_eq!(j.next(Want::Line), None);
        assert!(!j.replaying());
        let last = log.0.lock().unwrap().last().cloned().unwrap();
        assert!(
            last.contains("replayed: 3") && last.contains("diverged: None"),
            "{last}"
        );
    }

    #[test]
    fn divergence_stops_at_the_first_mismatch() {
        let log = Log::default();
        let mut j = Journal::new(
            vec![
                InputEvent::Line("inc".into()),
                InputEvent::Line("inc".into()),
            ],
            Box::new(log.clone()),
        );
        assert_eq!(j.next(Want::Line), Some(InputEvent::Line("inc".into())));
        assert_eq!(j.next(Want::Clock), None);
        let end = log.0.lock().unwrap().last().cloned().unwrap();
        assert!(
            end.contains("the program asked for the clock where the recording has the line \\\"inc\\\" (input 2 of 2)"),
            "{end}"
        );
        // Live from there on.
        assert_eq!(j.next(Want::Line), None);
        j.record(InputEvent::Line("live".into()));
        assert!(log.0.lock().unwrap().last().unwrap().starts_with("rec"));
    }

    #[test]
    fn recordings_are_bounded() {
        let mut r = Recording::new();
        let line = "x".repeat(1 << 20);
        for _ in 0..100 {
            r.push(InputEvent::Line(line.clone()));
        }
        assert!(r.is_full());
        assert!(r.len() < 40);
        r.truncate(3);
        assert!(!r.is_full());
        assert_eq!(r.len(), 3);
    }
}
