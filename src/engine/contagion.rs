//! Bad-debt propagation between venues (issue 4 "Contagion"): venues run in link order; what a
//! source venue leaves unallocated, or takes from its LP vault, step by step, is debited (times the
//! link's share) from a named account of the target venue, which then meets it like any loss.

use std::sync::Arc;

use super::money::{Checked, EngineError, EngineResult};
use super::scan::ScanMode;
use super::simulate::run_venue;
use super::timeline::{EventKind, Timeline};
use crate::scenario::contagion::{venue_ids, venue_order, venue_scenario};
use crate::scenario::{prepare, ContagionSource, LayerSpec, Prepared, Scenario};
use rust_decimal::Decimal;
use serde::Serialize;

/// A loss another venue passes to account `account` (index on the target venue) at `step`.
#[derive(Clone, Debug, PartialEq)]
pub struct Inflow {
    pub step: u32,
    pub account: usize,
    pub amount: Decimal,
    /// The source venue's display name and id.
    pub from: String,
    pub from_id: String,
    pub source: ContagionSource,
}

/// One step's passing of a loss along a link.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContagionFlow {
    /// Index into `Scenario::contagion`.
    pub link: usize,
    /// Step the loss arose on the source venue.
    pub step: u32,
    /// Step it lands on the target (`step + delay`); beyond the run's last step it never lands.
    pub lands_at: u32,
    pub from: String,
    pub source: ContagionSource,
    pub to: String,
    pub account: String,
    /// The source's loss this step times the link's share.
    pub amount: Decimal,
    /// What was debited from the account (zero when it had already defaulted, or after the run).
    pub landed: Decimal,
}

/// One venue's run.
#[derive(Clone, Debug)]
pub struct VenueRun {
    pub id: String,
    pub name: String,
    pub timeline: Arc<Timeline>,
}

/// Every venue of a scenario, run in link order, and the flows between them.
#[derive(Clone, Debug)]
pub struct SystemRun {
    /// In scenario order: `main` first, then the linked venues.
    pub venues: Vec<VenueRun>,
    /// The order the venues ran in (sources before targets).
    pub order: Vec<usize>,
    /// Sorted by link, then step.
    pub flows: Vec<ContagionFlow>,
}

impl SystemRun {
    /// Total passed along link `link`, and what landed.
    pub fn link_totals(&self, link: usize) -> (Decimal, Decimal) {
        self.flows.iter().filter(|f| f.link == link).fold((Decimal::ZERO, Decimal::ZERO), |(a, l), f| (a + f.amount, l + f.landed))
    }
}

fn invalid(errs: Vec<crate::scenario::ValidationError>) -> EngineError {
    EngineError::Invalid { errors: errs.iter().map(|e| e.to_string()).collect() }
}

/// Run every venue of the scenario (a scenario without linked venues gives one): validates it
/// and every linked venue once (`scenario::prepare`), then runs them.
pub fn simulate_system(s: &Scenario) -> EngineResult<SystemRun> {
    simulate_system_prepared(&prepare(s).map_err(invalid)?)
}

/// [`simulate_system`] for a scenario `scenario::prepare` already checked and expanded.
pub fn simulate_system_prepared(p: &Prepared) -> EngineResult<SystemRun> {
    simulate_system_with_mode(p, ScanMode::Indexed)
}

/// [`simulate_system_prepared`] under a chosen scan (the CLI's `--without-band` measures the
/// portfolio slack band; every mode gives the same timelines).
pub fn simulate_system_with_mode(p: &Prepared, mode: ScanMode) -> EngineResult<SystemRun> {
    let s = p.scenario();
    super::money::with_display_currency(&s.venue.quote, || {
        let (runs, order, flows) = run_all(p, &s.waterfall, mode, false)?;
        let ids = venue_ids(s);
        let mut venues = Vec::with_capacity(runs.len());
        for (k, t) in runs.into_iter().enumerate() {
            let t = t.ok_or_else(|| invalid(Vec::new()))?;
            let name = display_name(s, k);
            venues.push(VenueRun { id: ids.get(k).map(|x| x.to_string()).unwrap_or_default(), name, timeline: Arc::new(t) });
        }
        Ok(SystemRun { venues, order, flows })
    })
}

/// The scenario's own venue, with what upstream venues pass to it (run under `waterfall`).
pub(crate) fn main_timeline(p: &Prepared, waterfall: &[LayerSpec], mode: ScanMode) -> EngineResult<Timeline> {
    let (mut runs, _, _) = run_all(p, waterfall, mode, true)?;
    runs.get_mut(0).and_then(Option::take).ok_or_else(|| invalid(Vec::new()))
}

fn display_name(s: &Scenario, k: usize) -> String {
    let ids = venue_ids(s);
    let id = ids.get(k).copied().unwrap_or("");
    match venue_scenario(s, k).map(|v| v.venue.name.trim()) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("venue {id}"),
    }
}

type Runs = (Vec<Option<Timeline>>, Vec<usize>, Vec<ContagionFlow>);

/// `p`: the system as `scenario::prepare` validated it (venues, links and cycles) and expanded
/// every venue's accounts.
fn run_all(p: &Prepared, main_waterfall: &[LayerSpec], mode: ScanMode, stop_at_main: bool) -> EngineResult<Runs> {
    let s = p.scenario();
    let order = venue_order(s).map_err(|e| invalid(vec![e]))?;
    let ids = venue_ids(s);
    let mut runs: Vec<Option<Timeline>> = (0..ids.len()).map(|_| None).collect();
    let mut flows: Vec<ContagionFlow> = Vec::new();
    for &k in &order {
        let (Some(vs), Some(accounts)) = (venue_scenario(s, k), p.venue_accounts(k)) else { continue };
        // Venues run side by side: a linked venue runs for the scenario's steps.
        let stretched;
        let vs = if vs.steps == s.steps {
            vs
        } else {
            stretched = Scenario { steps: s.steps, ..vs.clone() };
            &stretched
        };
        let id = ids.get(k).copied().unwrap_or("");
        // Inflows: every flow into this venue, from venues that already ran.
        let mut inflows = Vec::new();
        for f in flows.iter().filter(|f| f.to == id && f.lands_at <= vs.steps) {
            let account = vs.accounts.iter().position(|a| a.id == f.account).ok_or_else(|| invalid(Vec::new()))?;
            let from_k = ids.iter().position(|x| *x == f.from).unwrap_or(0);
            inflows.push(Inflow { step: f.lands_at, account, amount: f.amount, from: display_name(s, from_k), from_id: f.from.clone(), source: f.source });
        }
        let wf = if k == 0 { main_waterfall } else { &vs.waterfall };
        // The venue's paths, generated when the system was prepared (as it runs: stretched).
        let paths = p.venue_paths(k).map_err(|e| invalid(vec![e]))?;
        let t = super::money::with_display_currency(&vs.venue.quote, || run_venue(vs, paths, accounts, wf, mode, inflows.clone()))?;
        record_landings(&t, id, &mut flows);
        // Outflows of this venue along each link, step by step.
        for (li, l) in s.contagion.iter().enumerate().filter(|(_, l)| l.from == id) {
            for (step, loss) in increments(&t, l.source) {
                // Posted at the target venue: money on the money grid.
                let amount = super::money::to_money(loss.mul_c(l.share, "contagion share")?);
                if amount.is_zero() {
                    continue;
                }
                flows.push(ContagionFlow {
                    link: li,
                    step,
                    lands_at: step.saturating_add(l.delay),
                    from: l.from.clone(),
                    source: l.source,
                    to: l.to.clone(),
                    account: l.account.clone(),
                    amount,
                    landed: Decimal::ZERO,
                });
            }
        }
        if let Some(slot) = runs.get_mut(k) {
            *slot = Some(t);
        }
        if stop_at_main && k == 0 {
            break;
        }
    }
    flows.sort_by_key(|f| (f.link, f.step));
    Ok((runs, order, flows))
}

/// Fill `landed` of the flows into venue `id` from its contagion events, which the engine emits
/// one per inflow in (step, link) order.
fn record_landings(t: &Timeline, id: &str, flows: &mut [ContagionFlow]) {
    let mut into: Vec<&mut ContagionFlow> = flows.iter_mut().filter(|f| f.to == id && f.lands_at <= t.steps).collect();
    into.sort_by_key(|f| f.lands_at); // stable: the order the engine applied them in
    let events = t.events.iter().filter(|e| e.kind == EventKind::ContagionLoss);
    for (f, e) in into.into_iter().zip(events) {
        f.landed = e.amount.unwrap_or_default();
    }
}

/// (step, amount) of a venue's new unallocated residual, or new LP-vault draws, per step.
fn increments(t: &Timeline, source: ContagionSource) -> Vec<(u32, Decimal)> {
    let series: Vec<Vec<(u32, Decimal)>> = match source {
        ContagionSource::Unallocated => vec![t.unallocated_log.clone()],
        ContagionSource::VaultHaircut => t
            .layers
            .iter()
            .zip(&t.layer_logs)
            .filter(|(info, _)| info.kind == "LpVaultHaircut")
            .map(|(_, log)| log.iter().map(|(s, st)| (*s, st.drawn)).collect())
            .collect(),
    };
    let mut out: Vec<(u32, Decimal)> = Vec::new();
    for log in series {
        let mut prev = Decimal::ZERO;
        for (step, cum) in log {
            let d = cum - prev;
            prev = cum;
            if d.is_zero() {
                continue;
            }
            match out.iter_mut().find(|x| x.0 == step) {
                Some(x) => x.1 += d,
                None => out.push((step, d)),
            }
        }
    }
    out.sort_by_key(|x| x.0);
    out
}
