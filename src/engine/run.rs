//! A resumable run: the same step loop as `simulate`, taken a few steps at a time, so a caller on
//! a single thread (the page) can run a heavy scenario in short slices, show progress between them
//! and stop it (issue 14, "Bounded work": a shared link must never freeze a tab).
//!
//! `Run::start` → `advance` until `Progress::is_done` → `finish` gives the very timeline
//! `simulate` gives (both go through `simulate::start_venue`, `Sim::step` and `Sim::finish`;
//! `tests::every_example_gives_simulates_timeline` checks it for every example).
//!
//! Linked venues (contagion) run whole in `start`: each venue's run needs the flows of the venues
//! before it, and their sizes are capped by validation.

use super::money::{with_display_currency, EngineResult};
use super::scan::ScanMode;
use super::setup::Opening;
use super::simulate::{invalid, simulate_prepared, Sim};
use super::timeline::Timeline;
use crate::scenario::{prepare, Prepared, Preparing, Scenario};

/// How far a run has got: `done` of `total` step computations (steps `0..=scenario.steps`, so
/// `total` is `steps + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

impl Progress {
    pub fn is_done(&self) -> bool {
        self.done >= self.total
    }
}

/// A run in progress. Borrows the scenario for its whole life (the engine's state refers to it).
pub struct Run<'a> {
    scenario: &'a Scenario,
    state: State<'a>,
    next: u32,
    total: u32,
}

enum State<'a> {
    /// The book being expanded and checked (`scenario::Preparing`).
    Preparing(Box<Preparing<'a>>),
    /// The book being opened (`Sim::new` in pieces).
    Opening(Box<Opening<'a>>),
    Stepping(Box<Sim<'a>>),
    /// Linked venues: the timeline, computed whole once the scenario is prepared.
    Whole(Box<Timeline>),
    /// Between two of the above: only after an error (the run is over).
    Over,
}

/// How far a run's setup (the work before step 0) has got: accounts expanded and checked, then
/// accounts opened, each of the book's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupProgress {
    Checking { done: usize, total: usize },
    Opening { done: usize, total: usize },
    Ready,
}

impl<'a> Run<'a> {
    /// Validates and expands the scenario (once) and builds the engine's state: the work before
    /// step 0.
    pub fn start(scenario: &'a Scenario) -> EngineResult<Run<'a>> {
        let mut run = Run::begin(scenario)?;
        run.set_up(&mut || false)?;
        Ok(run)
    }

    /// [`Run::start`]'s first half, validation and the cohorts' expansion (`scenario::prepare`),
    /// with its errors as the engine reports them.
    pub fn prepare(scenario: &'a Scenario) -> EngineResult<Prepared<'a>> {
        prepare(scenario).map_err(invalid)
    }

    /// [`Run::start`] for a scenario `scenario::prepare` already checked and expanded.
    pub fn start_prepared(prepared: Prepared<'a>) -> EngineResult<Run<'a>> {
        let mut run = Run::begin_prepared(prepared)?;
        run.set_up(&mut || false)?;
        Ok(run)
    }

    /// A run whose setup is left to [`Run::advance_until`]'s slices (issue 14: a 100k-account
    /// book's expansion and opening are the longest work before step 0): only the checks that
    /// need no expansion are made here. The run is [`Run::start`]'s, however it is cut.
    pub fn begin(scenario: &'a Scenario) -> EngineResult<Run<'a>> {
        let preparing = Preparing::new(scenario).map_err(invalid)?;
        let total = scenario.steps.saturating_add(1);
        Ok(Run { scenario, state: State::Preparing(Box::new(preparing)), next: 0, total })
    }

    /// [`Run::begin`] for a scenario `scenario::prepare` already checked and expanded: its
    /// accounts are left to open in slices.
    pub fn begin_prepared(prepared: Prepared<'a>) -> EngineResult<Run<'a>> {
        let scenario = prepared.scenario();
        let total = scenario.steps.saturating_add(1);
        if !scenario.contagion.is_empty() {
            let t = simulate_prepared(prepared)?;
            return Ok(Run { scenario, state: State::Whole(Box::new(t)), next: total, total });
        }
        let opening = with_display_currency(&scenario.venue.quote, || {
            let paths = prepared.paths().map_err(|e| invalid(vec![e]))?;
            Opening::new(scenario, paths, prepared.into_accounts(), &scenario.waterfall, ScanMode::Indexed)
        })?;
        Ok(Run { scenario, state: State::Opening(Box::new(opening)), next: 0, total })
    }

    /// Where the setup stands.
    pub fn setup_progress(&self) -> SetupProgress {
        match &self.state {
            State::Preparing(p) => {
                let (done, total) = p.expanded();
                SetupProgress::Checking { done, total }
            }
            State::Opening(o) => {
                let (done, total) = o.opened();
                SetupProgress::Opening { done, total }
            }
            _ => SetupProgress::Ready,
        }
    }

    /// The setup, until it is done (true) or `pause` asks to stop (false).
    fn set_up(&mut self, pause: &mut impl FnMut() -> bool) -> EngineResult<bool> {
        let quote = &self.scenario.venue.quote;
        loop {
            match &mut self.state {
                State::Preparing(p) => {
                    if !p.expand(pause) {
                        return Ok(false);
                    }
                    let State::Preparing(p) = std::mem::replace(&mut self.state, State::Over) else { return Ok(false) };
                    let prepared = p.finish().map_err(invalid)?;
                    let run = Run::begin_prepared(prepared)?;
                    (self.state, self.next) = (run.state, run.next);
                }
                State::Opening(o) => {
                    if !with_display_currency(quote, || o.advance(pause))? {
                        return Ok(false);
                    }
                    let State::Opening(o) = std::mem::replace(&mut self.state, State::Over) else { return Ok(false) };
                    self.state = State::Stepping(Box::new(with_display_currency(quote, || o.finish())?));
                }
                _ => return Ok(true),
            }
            if pause() {
                return Ok(false);
            }
        }
    }

    pub fn progress(&self) -> Progress {
        Progress { done: self.next, total: self.total }
    }

    /// Runs up to `max_steps` more steps (at least one while any is left). After an error the
    /// run is over: drop it.
    pub fn advance(&mut self, max_steps: u32) -> EngineResult<Progress> {
        self.advance_steps(max_steps.max(1), &mut || false)
    }

    /// Runs until every step is done or `pause` asks to stop, at least one piece of work per
    /// call while any is left. `pause` is asked between steps, between a step's parts and
    /// between two margin checks (a crash step of a large book checks most of its accounts), so
    /// a caller on one thread can stop within a step and go on later: the timeline is the same
    /// whatever `pause` answers and whenever (`tests::stopping_anywhere_gives_simulates_timeline`).
    /// `Progress::done` counts whole steps.
    pub fn advance_until(&mut self, pause: &mut impl FnMut() -> bool) -> EngineResult<Progress> {
        self.advance_steps(u32::MAX, pause)
    }

    /// Up to `max_steps` more whole steps (the step in progress counts), or fewer when `pause`
    /// asks to stop.
    fn advance_steps(&mut self, max_steps: u32, pause: &mut impl FnMut() -> bool) -> EngineResult<Progress> {
        // The first question is answered "go on": every call moves the run.
        let mut asked = false;
        let mut pause = || std::mem::replace(&mut asked, true) && pause();
        if !self.set_up(&mut pause)? {
            return Ok(self.progress());
        }
        if let State::Stepping(sim) = &mut self.state {
            let (next, total) = (&mut self.next, self.total);
            let end = next.saturating_add(max_steps).min(total);
            with_display_currency(&self.scenario.venue.quote, || {
                while *next < end {
                    if !sim.step_in_parts(*next, &mut pause)? {
                        break;
                    }
                    *next += 1;
                    if *next < end && pause() {
                        break;
                    }
                }
                Ok::<(), super::money::EngineError>(())
            })?;
        }
        Ok(self.progress())
    }

    /// The timeline, once every step has run (the remaining steps are run first if any are left).
    pub fn finish(mut self) -> EngineResult<Timeline> {
        if !self.progress().is_done() {
            self.advance(u32::MAX)?;
        }
        match self.state {
            State::Stepping(sim) => with_display_currency(&self.scenario.venue.quote, || sim.finish()),
            State::Whole(t) => Ok(*t),
            // `advance` set the run up: only an error leaves it here.
            State::Preparing(_) | State::Opening(_) | State::Over => Err(invalid(vec![])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simulate;
    use crate::scenario::from_json;

    fn examples() -> Vec<(String, Scenario)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut out: Vec<(String, Scenario)> = std::fs::read_dir(dir)
            .expect("examples/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("readable example");
                (p.display().to_string(), from_json(&text).expect("a valid example"))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Everything a timeline tells, as text: its serialized form (marks, accounts, layers, events,
    /// ledger, summary) and, per step, the layer states, the residual and the fund, and every
    /// account's state at each step it changed. (Not its Debug: the ledger's name interner keys a
    /// cache by address, so its internal table differs between equal runs.)
    fn fingerprint(t: &Timeline) -> String {
        let mut out = serde_json::to_string(t).expect("a timeline serializes");
        for step in 0..=t.steps {
            out += &format!("\n{step}: {:?} {} {}", t.layer_state(step), t.unallocated_at(step), t.insurance_at(step));
        }
        for a in 0..t.accounts.len() {
            for step in t.change_steps(a) {
                out += &format!("\n{a}@{step}: {:?}", t.snapshot_at(a, step));
            }
        }
        out
    }

    fn chunked(s: &Scenario, chunk: u32) -> EngineResult<Timeline> {
        let mut run = Run::start(s)?;
        let mut calls = 0u32;
        while !run.progress().is_done() {
            let before = run.progress().done;
            let p = run.advance(chunk)?;
            assert!(p.done > before, "advance made no progress");
            assert!(p.done - before <= chunk.max(1), "advance ran more than asked");
            calls += 1;
        }
        assert!(calls <= s.steps + 1);
        run.finish()
    }

    #[test]
    fn every_example_gives_simulates_timeline() {
        let all = examples();
        assert!(all.len() >= 10, "examples found: {}", all.len());
        for (name, s) in &all {
            let whole = fingerprint(&simulate(s).unwrap_or_else(|e| panic!("{name}: {e}")));
            for chunk in [1, 7, 1000] {
                let got = chunked(s, chunk).unwrap_or_else(|e| panic!("{name} in chunks of {chunk}: {e}"));
                let got = fingerprint(&got);
                if got != whole {
                    let i = got.bytes().zip(whole.bytes()).position(|(x, y)| x != y).unwrap_or(got.len().min(whole.len()));
                    let around = |t: &str| t.get(i.saturating_sub(300)..(i + 100).min(t.len())).unwrap_or("").to_string();
                    panic!("{name}: the run in chunks of {chunk} differs from simulate at byte {i}:\n{}\n---\n{}", around(&got), around(&whole));
                }
            }
            // The setup in slices too (`Run::begin`), stopped at every question the engine asks.
            let mut run = Run::begin(s).unwrap_or_else(|e| panic!("{name}: begin: {e}"));
            let mut calls = 0u32;
            while !run.progress().is_done() {
                run.advance_until(&mut || true).unwrap_or_else(|e| panic!("{name} stopped at every question: {e}"));
                calls += 1;
                assert!(calls < 10_000_000, "{name}: advance_until makes no progress");
            }
            assert!(fingerprint(&run.finish().expect("finish")) == whole, "{name}: begun and stopped at every question, differs");
            // `finish` right after `begin` sets up and runs every step.
            assert!(fingerprint(&Run::begin(s).and_then(Run::finish).expect("finish")) == whole, "{name}: begin then finish differs");
            // `finish` without any `advance` runs every step.
            assert!(fingerprint(&Run::start(s).and_then(Run::finish).expect("finish")) == whole, "{name}: finish alone differs");
        }
    }

    #[test]
    fn progress_counts_steps_zero_to_last() {
        let (_, s) = examples().into_iter().find(|(_, s)| s.contagion.is_empty()).expect("a one-venue example");
        let mut run = Run::start(&s).expect("start");
        assert_eq!(run.progress(), Progress { done: 0, total: s.steps + 1 });
        assert_eq!(run.advance(0).expect("advance").done, 1, "advance(0) still moves one step");
        let p = run.advance(u32::MAX).expect("advance");
        assert!(p.is_done() && p.done == s.steps + 1);
        assert_eq!(run.advance(5).expect("advance past the end"), p, "nothing is left to run");
    }

    #[test]
    fn an_engine_error_surfaces_from_start_not_a_panic() {
        let (_, mut s) = examples().into_iter().next().expect("an example");
        s.steps = 0; // invalid: validation inside start refuses it
        assert!(Run::start(&s).is_err());
    }
}

