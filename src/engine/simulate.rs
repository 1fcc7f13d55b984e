//! Running a venue: the entry points (`simulate` and its variants) and the order of one step.
//!
//! Each step: a trade cancellation's bust or checkpoint → losses passed on by linked venues → replenishment → recoveries → capital injections and their withdrawal → variation margin (a clearing house) → withdrawals → expiry →
//! margin checks (liquidation, margin calls, defaults, each default's walk down the waterfall) →
//! the step's loss-sharing splits → record. Each of these is its own file (`docs/architecture.md`
//! lists them with their sources); the run's state is `state.rs`.
//!
//! State is kept per account and written to the timeline only when it changes; valuations at a
//! step are recomputed from the market, so nothing is copied per account per step.

use std::borrow::Borrow;

use super::money::{EngineError, EngineResult};
use super::scan::ScanMode;
use super::timeline::Timeline;
use crate::scenario::price_path::Paths;
use crate::scenario::{check_waterfall, prepare, BookAccount, LayerSpec, Prepared, Scenario};

pub(crate) use super::state::{Inflow, Sim};
use super::state::Pending;

pub(super) fn invalid(errs: Vec<crate::scenario::ValidationError>) -> EngineError {
    EngineError::Invalid { errors: errs.iter().map(|e| e.to_string()).collect() }
}

/// Run a scenario with its own waterfall: validates it (`scenario::prepare`), then runs it.
pub fn simulate(s: &Scenario) -> EngineResult<Timeline> {
    simulate_prepared(prepare(s).map_err(invalid)?)
}

/// Run a scenario `scenario::prepare` already validated and expanded, with its own waterfall
/// (nothing is checked again). Takes the book: the engine builds its accounts from it and frees
/// it when the run's opening is done.
pub fn simulate_prepared(p: Prepared) -> EngineResult<Timeline> {
    let s = p.scenario();
    with_display_currency(s, || run(p, &s.waterfall, ScanMode::Indexed))
}

/// Run a scenario under another waterfall (used by `compare`).
pub fn simulate_with_waterfall(s: &Scenario, waterfall: &[LayerSpec]) -> EngineResult<Timeline> {
    simulate_with_mode(s, waterfall, ScanMode::Indexed)
}

/// Run a scenario with the straightforward per-account margin loop (the reference the indexed
/// scan is tested against; same timeline, O(accounts) work per step).
pub fn simulate_reference(s: &Scenario) -> EngineResult<Timeline> {
    simulate_with_mode(s, &s.waterfall, ScanMode::Reference)
}

/// Run a scenario under a waterfall with a chosen margin scan: the scenario and the waterfall
/// are checked here, once.
pub fn simulate_with_mode(s: &Scenario, waterfall: &[LayerSpec], mode: ScanMode) -> EngineResult<Timeline> {
    let p = prepare(s).map_err(invalid)?;
    if waterfall != s.waterfall.as_slice() {
        check_waterfall(s, waterfall).map_err(invalid)?;
    }
    with_display_currency(s, || run(p, waterfall, mode))
}

/// Event texts name amounts in the scenario's own currency (a EUR clearing house says €107m).
fn with_display_currency<T>(s: &Scenario, f: impl FnOnce() -> T) -> T {
    super::money::with_display_currency(&s.venue.quote, f)
}

/// Run a scenario whose accounts `scenario::prepare` already validated and expanded (`accounts`
/// must be its result for `s`, up to the seed, which expansion does not read once cohort seeds
/// are pinned) under a waterfall already checked (`scenario::check_waterfall`), recording only
/// the loss summary, the insurance fund and the layer states: no events, ledger or account
/// states. Monte Carlo's path: the summary and layer states equal the full run's.
/// `paths`: `s`'s marks and σ paths (`scenario::price_path::paths`), generated before the run.
pub fn simulate_summary(s: &Scenario, paths: Paths, waterfall: &[LayerSpec], accounts: &[BookAccount]) -> EngineResult<Timeline> {
    if !s.contagion.is_empty() {
        // Linked venues run in full (their losses land through events and the ledger).
        return simulate_with_waterfall(s, waterfall);
    }
    with_display_currency(s, || {
        let mut sim = Sim::new(s, paths, accounts, waterfall, ScanMode::Indexed, false)?;
        for t in 0..=s.steps {
            sim.step(t)?;
        }
        sim.finish()
    })
}

/// How many margin checks valued an account in a summary-only run of `s` under `mode` (the
/// scan's work: what the indexed scan and the portfolio slack band save; tests and benchmarks).
pub fn margin_checks(s: &Scenario, mode: ScanMode) -> EngineResult<u64> {
    let p = prepare(s).map_err(invalid)?;
    let paths = p.paths().map_err(|e| invalid(vec![e]))?;
    let mut sim = Sim::new(s, paths, p.accounts(), &s.waterfall, mode, false)?;
    for t in 0..=s.steps {
        sim.step(t)?;
    }
    Ok(sim.valued)
}

/// Run in full (events, ledger, account states) a scenario whose book `scenario::prepare` already
/// expanded (`accounts`: its result for a scenario that differs from `s` only in what the book
/// does not read, e.g. price shocks; cohort seeds pinned) under a waterfall already checked. The
/// reverse stress search's grid points: one book prepared once, many shocks.
/// `paths` as for [`simulate_summary`].
pub fn simulate_expanded(s: &Scenario, paths: Paths, waterfall: &[LayerSpec], accounts: &[BookAccount]) -> EngineResult<Timeline> {
    if !s.contagion.is_empty() {
        return simulate_with_waterfall(s, waterfall);
    }
    with_display_currency(s, || {
        run_venue(s, paths, accounts, waterfall, ScanMode::Indexed, Vec::new())
    })
}

fn run(p: Prepared, waterfall: &[LayerSpec], mode: ScanMode) -> EngineResult<Timeline> {
    let s = p.scenario();
    if !s.contagion.is_empty() {
        // Linked venues: the upstream venues run first and their losses land here.
        return super::contagion::main_timeline(&p, waterfall, mode);
    }
    let paths = p.paths().map_err(|e| invalid(vec![e]))?;
    run_venue(s, paths, p.into_accounts(), waterfall, mode, Vec::new())
}

/// Run one venue (`accounts`: its prepared book; `paths`: its marks and σ paths) with the losses
/// that other venues pass to its accounts (`inflows`).
pub(crate) fn run_venue<E: Borrow<BookAccount>>(
    s: &Scenario,
    paths: Paths,
    accounts: impl IntoIterator<Item = E, IntoIter = impl ExactSizeIterator<Item = E>>,
    waterfall: &[LayerSpec],
    mode: ScanMode,
    inflows: Vec<Inflow>,
) -> EngineResult<Timeline> {
    let mut sim = start_venue(s, paths, accounts, waterfall, mode, inflows)?;
    for t in 0..=s.steps {
        sim.step(t)?;
    }
    sim.finish()
}

/// A venue's run before its first step: what `run_venue` steps through, and what `engine::Run`
/// steps through in chunks (one code path, so the two give the same timeline). `accounts` is the
/// book `scenario::prepare` expanded for `s`.
pub(crate) fn start_venue<'a, E: Borrow<BookAccount>>(
    s: &'a Scenario,
    paths: Paths,
    accounts: impl IntoIterator<Item = E, IntoIter = impl ExactSizeIterator<Item = E>>,
    waterfall: &[LayerSpec],
    mode: ScanMode,
    inflows: Vec<Inflow>,
) -> EngineResult<Sim<'a>> {
    let mut sim = Sim::new(s, paths, accounts, waterfall, mode, true)?;
    sim.inflows = inflows;
    sim.inflows.sort_by_key(|f| f.step); // stable: keeps link order within a step
    Ok(sim)
}

/// The book as the engine holds it when step 0 starts: each account's id and state after the
/// opening rules (isolated margins split, the counterparty's side of any open-interest
/// imbalance). Cover-1/Cover-2 value this very book (issue 20: they read only the listed
/// positions and missed the counterparty's).
pub fn opening_book(p: &Prepared) -> EngineResult<Vec<(super::ledger::Name, super::account::AccountSnap, u16)>> {
    let s = p.scenario();
    let paths = p.paths().map_err(|e| invalid(vec![e]))?;
    let sim = Sim::new(s, paths, p.accounts(), &[], ScanMode::Indexed, false)?;
    // Each account's margin model (`Market::account_pm`'s number; the venue's when no group has one).
    let pm: Vec<u16> = (0..sim.accts.len()).map(|a| sim.m.account_pm.get(a).copied().unwrap_or(sim.m.venue_pm)).collect();
    Ok(sim.infos.into_iter().map(|i| i.id).zip(sim.accts.into_iter().map(|a| a.snap)).zip(pm).map(|((i, a), k)| (i, a, k)).collect())
}

/// Where the step in progress stands, for a step taken in parts (`engine::Run`, the page's
/// slices: issue 14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum StepPart {
    /// Nothing of the step has run yet.
    #[default]
    Opening,
    /// The margin checks are under way (`check_margins` knows which account is next).
    Checking,
    /// The checks are done: the step's splits and the record are left.
    Closing,
}

impl<'a> Sim<'a> {
    pub(crate) fn step(&mut self, t: u32) -> EngineResult<()> {
        let done = self.step_in_parts(t, &mut || false)?;
        debug_assert!(done, "a step that never pauses ends");
        Ok(())
    }

    /// Step `t`, from where it stopped, until it is done (true) or `pause` asks to stop (false:
    /// the next call goes on). `pause` is asked between the step's parts and between two margin
    /// checks, the only work a step repeats per account (a crash step liquidates most of the
    /// book); whatever it answers, the step's outcome is `step`'s.
    pub(crate) fn step_in_parts(&mut self, t: u32, pause: &mut impl FnMut() -> bool) -> EngineResult<bool> {
        if self.part == StepPart::Opening {
            self.cancel_trades(t)?;
            self.apply_inflows(t)?;
            self.replenish(t)?;
            self.recover(t)?;
            self.inject_capital(t)?;
            if self.vm {
                self.post_variation_margin(t)?;
                self.collect_pending(t)?;
            }
            self.withdraw(t)?;
            self.expire(t)?;
            self.declare_defaults(t)?;
            self.begin_margin_checks(t);
            self.part = StepPart::Checking;
        }
        if self.part == StepPart::Checking {
            if !self.check_margins(t, pause)? {
                return Ok(false);
            }
            self.part = StepPart::Closing;
        }
        self.settle_claims(t)?;
        if t == self.s.steps {
            // The run ends: any loss still waiting in a VM-haircut window goes down the waterfall.
            let pend: Vec<Pending> = std::mem::take(&mut self.pending);
            for p in pend {
                self.run_layers(p.def, t, p.layer + 1, p.left, &p.info)?;
            }
            self.settle_claims(t)?;
        }
        self.part = StepPart::Opening;
        self.record(t)?;
        Ok(true)
    }
}
