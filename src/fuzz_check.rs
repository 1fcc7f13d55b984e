//! What every hostile input must survive (issue 14, "Fuzzing as a habit"): bytes from a shared
//! link or a scenario file → decode and validate → the engine run the page does → conservation.
//!
//! One body for both users, so a reproducer fails the same way under each: the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, nightly, libFuzzer) and the native replay of the committed crash
//! corpus and seeds on stable (`tests/fuzz_regressions.rs`). A panic anywhere below is a finding
//! (the fuzzer records it; the replay catches it and names the file); a run that completes but
//! does not conserve value is returned as [`Broken`].

use crate::engine;
use crate::scenario::{self, codec, Scenario};
use std::fmt;

/// Largest work estimate ([`work`]) a fuzz input may have and still be run. Above it the input is
/// skipped, not failed: the fuzzer needs fast executions, and bounding work is validation's job
/// (issue 14 item 2), tested there. 2 million account-steps run in well under a second.
pub const MAX_WORK: u64 = 2_000_000;

/// How an input ended, when it did not break anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Decoding or validation refused it (the page shows the message).
    Rejected,
    /// Valid, but its work estimate is above [`MAX_WORK`]; not run.
    TooLarge { work: u64 },
    /// The engine returned an error (the page shows it; the previous timeline stays).
    EngineError,
    /// Ran, and every venue conserved value.
    Conserved,
}

/// A run that completed but did not conserve value.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// The venue whose timeline broke (`main` = the scenario's own).
    pub venue: String,
    /// What broke, in figures (or which sum overflowed).
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conservation broken at venue `{}`: {}", self.venue, self.reason)
    }
}

/// The page's path for a URL fragment: `codec::decode` (which validates), then the run.
/// Bytes that are not UTF-8 are read lossily, as a browser would hand over a mangled fragment.
pub fn check_link(bytes: &[u8]) -> Result<Outcome, Broken> {
    let fragment = String::from_utf8_lossy(bytes);
    match codec::decode(&fragment) {
        Ok(shared) => check_scenario(&shared.scenario),
        Err(_) => Ok(Outcome::Rejected),
    }
}

/// A scenario file: `scenario::from_json` (serde, then validation), then the run.
pub fn check_json(bytes: &[u8]) -> Result<Outcome, Broken> {
    let text = String::from_utf8_lossy(bytes);
    match scenario::from_json(&text) {
        Ok(s) => check_scenario(&s),
        Err(_) => Ok(Outcome::Rejected),
    }
}

/// Run a validated scenario as the page does (`ui::state::AppState::rerun`: one venue alone,
/// linked venues as a system) and check every venue's conservation.
pub fn check_scenario(s: &Scenario) -> Result<Outcome, Broken> {
    let w = work(s);
    if w > MAX_WORK {
        return Ok(Outcome::TooLarge { work: w });
    }
    let venues = if s.linked_venues.is_empty() {
        match engine::simulate(s) {
            Ok(t) => vec![("main".to_string(), t.conservation())],
            Err(_) => return Ok(Outcome::EngineError),
        }
    } else {
        match engine::simulate_system(s) {
            Ok(sys) => sys.venues.iter().map(|v| (v.id.clone(), v.timeline.conservation())).collect(),
            Err(_) => return Ok(Outcome::EngineError),
        }
    };
    for (venue, conservation) in venues {
        // A sum the check cannot form is a break too: the numeric domain promises it fits.
        let reason = match conservation {
            Ok(c) if c.holds() => continue,
            Ok(c) => c.to_string(),
            Err(e) => e.to_string(),
        };
        return Err(Broken { venue, reason });
    }
    Ok(Outcome::Conserved)
}

/// A rough bound on a run's work: frames × (accounts + generated accounts + instruments), summed
/// over the scenario's venues (linked venues run for the scenario's steps). Saturating, so a
/// hostile size cannot wrap it below the cap.
pub fn work(s: &Scenario) -> u64 {
    let frames = u64::from(s.steps).saturating_add(1);
    let venue = |v: &Scenario| {
        let generated = v.cohorts.iter().fold(0u64, |n, c| n.saturating_add(u64::from(c.count)));
        (v.accounts.len() as u64).saturating_add(generated).saturating_add(v.instruments.len() as u64)
    };
    let per_frame = s.linked_venues.iter().fold(venue(s), |n, l| n.saturating_add(venue(&l.scenario)));
    frames.saturating_mul(per_frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_conserves_and_its_link_too() {
        let json = std::fs::read("examples/reaches-default-fund.json").expect("example");
        assert_eq!(check_json(&json), Ok(Outcome::Conserved));
        let s = scenario::from_json(std::str::from_utf8(&json).expect("utf-8")).expect("valid");
        assert_eq!(check_link(codec::encode(&s, None).as_bytes()), Ok(Outcome::Conserved));
    }

    #[test]
    fn a_loss_that_goes_missing_breaks_conservation() {
        let json = std::fs::read_to_string("examples/exhausts-waterfall.json").expect("example");
        let mut t = engine::simulate(&scenario::from_json(&json).expect("valid")).expect("runs");
        assert!(t.conservation().expect("sums fit").holds());
        t.summary.unallocated += rust_decimal::Decimal::new(1, 2); // one cent
        let c = t.conservation().expect("sums fit");
        assert!(!c.holds() && c.ledger_balances);
        assert!(c.to_string().contains("!= deficit"), "{c}");
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(check_json(b"{\"version\": 2}"), Ok(Outcome::Rejected));
        assert_eq!(check_link(b"v1.s.%%%"), Ok(Outcome::Rejected));
        assert_eq!(check_json(&[0xff, 0xfe]), Ok(Outcome::Rejected));
    }

    #[test]
    fn a_large_book_is_skipped_not_run() {
        let json = std::fs::read("examples/cohort-10k.json").expect("example");
        // 1,001 frames × (1 account + 10,000 generated + 1 instrument)
        assert_eq!(check_json(&json), Ok(Outcome::TooLarge { work: 1_001 * 10_002 }));
    }
}
