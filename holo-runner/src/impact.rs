//! Test impact analysis: which tests must run after a change, which can be answered from their
//! recorded results, and why — and recorded results made portable across edits that move code.
//!
//! A test's result is recorded together with the fingerprint of everything it reaches
//! ([`holo_compiler::testmap`], mixed with the toolchain's build id by the caller). A later run
//! reuses the result only when that fingerprint is the same: the test would run the same code on
//! the same data. The record also keeps each reached item's fingerprint, to say *what* changed
//! when a test has to run again, and its failure's positions as (function, source site) pairs,
//! so that a failure reported from the record points at the failing expression's current line
//! after code moved (positions are not part of the fingerprint).

use crate::exec::{Failure, Outcome, TestResult};
use holo_compiler::fingerprint::Fingerprint;
use holo_compiler::ir::Program;
use holo_compiler::testmap::{TestReach, display_item};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What is recorded for one test run (the opaque `data` of a stored test record).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordedResult {
    /// `passed`, `failed`, `crashed` or `timed-out`. A time-out is recorded only so that
    /// `--explain` can say so; it is never reused (it depends on the limit and on the machine's
    /// load, not only on the code) nor shared.
    pub outcome: String,
    pub duration_ms: f64,
    pub failure: Option<Failure>,
    /// Where `failure.location` is, as (function key, site index).
    pub location_anchor: Option<(String, u32)>,
    /// Where each frame of `failure.stack` is, as (function key, site index).
    pub frame_anchors: Vec<Option<(String, u32)>>,
    pub output: Vec<u8>,
    pub output_dropped: u64,
    /// The reach fingerprint without the toolchain, and every reached item with its own.
    pub reach: Fingerprint,
    pub items: Vec<(String, Fingerprint)>,
}

/// Why a test runs or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Without `--affected` every selected test runs.
    NotAffectedMode,
    /// There is no recorded result for it, though other tests of the package have one.
    NewTest,
    /// The package has no recorded results at all: its first run, or the first after
    /// `holo clean`.
    NothingRecorded,
    /// Its last result was a time-out, and nothing it reaches changed since.
    TimedOutLastTime,
    /// These reached items changed, were added or are no longer reached (display names).
    Changed(Vec<String>),
    /// Nothing it reaches changed, but the toolchain did.
    Toolchain,
    /// Its last result cannot be reused (timed out, or recorded in an unreadable form).
    NotReusable(&'static str),
    /// Answered from the record made at this unix time.
    Cached { recorded_at: u64 },
}

impl Reason {
    pub fn runs(&self) -> bool {
        !matches!(self, Reason::Cached { .. })
    }

    /// `ran: `calc::mul` changed`, `cached: nothing it reaches changed since 2026-11-24 14:02`.
    pub fn describe(&self) -> String {
        match self {
            Reason::NotAffectedMode => "ran: every selected test runs without `--affected`".into(),
            Reason::NewTest => "ran: new test (no recorded result)".into(),
            Reason::NothingRecorded => "ran: no test results are recorded for this package (its first run, or the first since `holo clean`)".into(),
            Reason::TimedOutLastTime => "ran: it timed out last time, and a time-out is never reused (it depends on the time limit and the machine's load)".into(),
            Reason::Changed(items) => {
                let shown: Vec<String> = items.iter().take(3).map(|i| format!("`{i}`")).collect();
                let more = items.len().saturating_sub(shown.len());
                let list = match (shown.len(), more) {
                    (1, _) => shown[0].clone(),
                    (_, 0) => {
                        let (last, rest) = shown.split_last().expect("two or more");
                        format!("{} and {last}", rest.join(", "))
                    }
                    _ => format!("{} and {more} more", shown.join(", ")),
                };
                format!("ran: {list} changed")
            }
            Reason::Toolchain => "ran: the toolchain changed since its last result".into(),
            Reason::NotReusable(why) => format!("ran: {why}"),
            Reason::Cached { recorded_at } => format!(
                "cached: nothing it reaches changed since {}",
                format_utc(*recorded_at)
            ),
        }
    }
}

/// Decides whether a test runs: `key` is its current reach fingerprint mixed with the
/// toolchain; `stored` its record (the key it was recorded under, when, and the data).
pub fn decide(
    reach: &TestReach,
    key: &[u8; 32],
    stored: Option<(&[u8; 32], u64, &[u8])>,
) -> (Reason, Option<RecordedResult>) {
    if reach.reads_environment {
        return (
            Reason::NotReusable("it reads the clock or random numbers, so every run counts"),
            None,
        );
    }
    let Some((stored_key, recorded_at, data)) = stored else {
        return (Reason::NewTest, None);
    };
    let Ok(record) = postcard::from_bytes::<RecordedResult>(data) else {
        return (
            Reason::NotReusable("its recorded result could not be read"),
            None,
        );
    };
    if stored_key == key && record.outcome == TIMED_OUT {
        return (Reason::TimedOutLastTime, None);
    }
    if stored_key == key {
        return (Reason::Cached { recorded_at }, Some(record));
    }
    let changed = changed_items(&record.items, &reach.items);
    if changed.is_empty() {
        if record.reach == reach.fingerprint {
            return (Reason::Toolchain, None);
        }
        return (
            Reason::NotReusable("its last result was recorded for other code"),
            None,
        );
    }
    (Reason::Changed(changed), None)
}

/// Display names of the items whose fingerprints differ between two sorted lists.
fn changed_items(old: &[(String, Fingerprint)], new: &[(String, Fingerprint)]) -> Vec<String> {
    let old_map: std::collections::BTreeMap<&str, &Fingerprint> =
        old.iter().map(|(k, f)| (k.as_str(), f)).collect();
    let new_map: std::collections::BTreeMap<&str, &Fingerprint> =
        new.iter().map(|(k, f)| (k.as_str(), f)).collect();
    let mut out: Vec<String> = Vec::new();
    for (key, fp) in &new_map {
        if old_map.get(key) != Some(fp) {
            out.push(display_item(key));
        }
    }
    for key in old_map.keys() {
        if !new_map.contains_key(key) {
            out.push(display_item(key));
        }
    }
    out
}

/// The outcome of a recorded time-out (see [`RecordedResult::outcome`]).
pub const TIMED_OUT: &str = "timed-out";

/// The record of a test that ran (a time-out too, which [`decide`] never reuses).
pub fn record(program: &Program, reach: &TestReach, result: &TestResult) -> Option<RecordedResult> {
    let outcome = match result.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Crashed => "crashed",
        Outcome::TimedOut => TIMED_OUT,
    };
    let (location_anchor, frame_anchors) = match &result.failure {
        Some(failure) => anchors(program, failure),
        None => (None, Vec::new()),
    };
    Some(RecordedResult {
        outcome: outcome.to_string(),
        duration_ms: result.duration.as_secs_f64() * 1000.0,
        failure: result.failure.clone(),
        location_anchor,
        frame_anchors,
        output: result.output.clone(),
        output_dropped: result.output_dropped,
        reach: reach.fingerprint,
        items: reach.items.clone(),
    })
}

/// The result a record stands for, with its failure's positions mapped to where the same
/// expressions are in `program` now.
pub fn replay(program: &Program, record: &RecordedResult) -> TestResult {
    let outcome = match record.outcome.as_str() {
        "passed" => Outcome::Passed,
        "crashed" => Outcome::Crashed,
        TIMED_OUT => Outcome::TimedOut,
        _ => Outcome::Failed,
    };
    let failure = record.failure.clone().map(|mut failure| {
        if let (Some(location), Some((key, site))) =
            (failure.location.as_mut(), &record.location_anchor)
            && let Some((file, line, column)) = site_position(program, key, *site)
        {
            location.file = file;
            location.line = line;
            location.column = column;
        }
        for (frame, anchor) in failure.stack.iter_mut().zip(&record.frame_anchors) {
            if let Some((key, site)) = anchor
                && let Some((file, line, column)) = site_position(program, key, *site)
            {
                frame.file = Some(file);
                frame.line = line;
                frame.column = column;
            }
        }
        failure
    });
    TestResult {
        outcome,
        duration: Duration::ZERO,
        failure,
        output: record.output.clone(),
        output_dropped: record.output_dropped,
    }
}

fn site_position(program: &Program, key: &str, site: u32) -> Option<(String, u32, u32)> {
    let f = &program.functions[program.function_by_key(key)? as usize];
    let s = f.body.sites.get(site as usize)?;
    Some((f.file.clone(), s.line, s.col))
}

/// (function key, site index) of a failure's location and of each stack frame.
#[allow(clippy::type_complexity)]
fn anchors(
    program: &Program,
    failure: &Failure,
) -> (Option<(String, u32)>, Vec<Option<(String, u32)>>) {
    // Every closure of `f` is named `f::{closure}`: the frame's function is whichever of the
    // functions of that name holds a site at the frame's position.
    let functions_named = |name: &str, file: Option<&str>| {
        program
            .functions
            .iter()
            .filter(move |f| f.name == name && file.is_none_or(|file| f.file == file))
            .collect::<Vec<_>>()
    };
    let location = failure.location.as_ref().and_then(|loc| {
        // The innermost frame's function holds the failing expression when there is a stack;
        // otherwise look through the file's functions.
        let candidates: Vec<&holo_compiler::ir::Function> = match failure.stack.first() {
            Some(frame) => functions_named(&frame.function, frame.file.as_deref()),
            None => program
                .functions
                .iter()
                .filter(|f| f.file == loc.file)
                .collect(),
        };
        candidates.into_iter().find_map(|f| {
            f.body
                .sites
                .iter()
                .position(|s| s.line == loc.line && s.col == loc.column)
                .map(|i| (f.key.clone(), i as u32))
        })
    });
    let frames = failure
        .stack
        .iter()
        .map(|frame| {
            functions_named(&frame.function, frame.file.as_deref())
                .into_iter()
                .find_map(|f| {
                    f.body
                        .sites
                        .iter()
                        .position(|s| s.line == frame.line && s.col == frame.column)
                        .map(|site| (f.key.clone(), site as u32))
                })
        })
        .collect();
    (location, frames)
}

/// `2026-11-24 14:02` (UTC) for a unix time.
pub fn format_utc(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), valid for every date after 1970.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_529_520), "2026-11-24 14:12 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn describes_changes() {
        let one = Reason::Changed(vec!["calc::mul".into()]);
        assert_eq!(one.describe(), "ran: `calc::mul` changed");
        let two = Reason::Changed(vec!["a".into(), "b".into()]);
        assert_eq!(two.describe(), "ran: `a` and `b` changed");
        let many = Reason::Changed((0..5).map(|i| format!("f{i}")).collect());
        assert_eq!(many.describe(), "ran: `f0`, `f1`, `f2` and 2 more changed");
    }
}
