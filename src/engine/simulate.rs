//! The step loop: marks → PnL → equity → requirements → variation margin or unrealized PnL →
//! funding → margin calls → liquidation / default → waterfall (issue 3 "Engine", issue 4).
//!
//! State is kept per account and written to the timeline only when it changes; valuations at a
//! step are recomputed from the market, so nothing is copied per account per step.

use super::account::{collateral_value, position_requirements, position_value, valuate, valuate_maintenance, AccountSnap, Holdings, Pos, Positions, Status, Valuation};
use super::adl::{adl_score, adl_take};
use super::explain::SplitRule;
use super::ledger::{names, EntryMemo, JournalEntry, Ledger, Name, Party};
use super::market::Market;
use super::money::{format_decimal, mul_div, sum_c, to_money, to_money_places, Checked, EngineError, EngineResult};
use super::scan::{Scan, ScanMode};
use super::spill::{Draw, Draws};
use super::timeline::*;
use super::waterfall::{describe, gini, pro_rata};
use crate::scenario::{
    price_path, prepare, BookAccount, LayerSpec, MarginMode, Scenario, SettlementKind,
    Settlement, VenueStyle,
};
use rust_decimal::Decimal;
use smallvec::SmallVec;
use std::borrow::Borrow;
use std::collections::VecDeque;

pub(crate) use super::contagion::Inflow;

fn invalid(errs: Vec<crate::scenario::ValidationError>) -> EngineError {
    EngineError::Invalid { errors: errs.iter().map(|e| e.to_string()).collect() }
}

/// Run a scenario with its own waterfall.
pub fn simulate(s: &Scenario) -> EngineResult<Timeline> {
    simulate_with_waterfall(s, &s.waterfall)
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

/// Run a scenario under a waterfall with a chosen margin scan.
pub fn simulate_with_mode(s: &Scenario, waterfall: &[LayerSpec], mode: ScanMode) -> EngineResult<Timeline> {
    // Event texts name amounts in the scenario's own currency (a EUR clearing house says €107m).
    super::money::with_display_currency(&s.venue.quote, || run(s, waterfall, mode))
}

/// Run a scenario whose accounts `scenario::prepare` already validated and expanded (`accounts`
/// must be its result for `s`, up to the seed, which expansion does not read once cohort seeds
/// are pinned), recording only the loss summary, the insurance fund and the layer states: no
/// events, ledger or account states. Monte Carlo's path: the summary and layer states equal the
/// full run's.
pub fn simulate_summary(s: &Scenario, waterfall: &[LayerSpec], accounts: &[BookAccount]) -> EngineResult<Timeline> {
    super::money::with_display_currency(&s.venue.quote, || {
        if !s.contagion.is_empty() {
            // Linked venues run in full (their losses land through events and the ledger).
            return run(s, waterfall, ScanMode::Indexed);
        }
        check_vaults(s, waterfall)?;
        let marks = price_path::generate(s).map_err(|e| invalid(vec![e]))?;
        let mut sim = Sim::new(s, marks, accounts, waterfall, ScanMode::Indexed, false)?;
        for t in 0..=s.steps {
            sim.step(t)?;
        }
        sim.finish()
    })
}

fn check_vaults(s: &Scenario, waterfall: &[LayerSpec]) -> EngineResult<()> {
    for (i, l) in waterfall.iter().enumerate() {
        if let LayerSpec::LpVaultHaircut { account } = l {
            if !s.accounts.iter().any(|a| &a.id == account) {
                return Err(invalid(vec![crate::scenario::ValidationError {
                    path: format!("waterfall[{i}].account"),
                    message: format!("no account `{account}`"),
                }]));
            }
        }
    }
    Ok(())
}

fn run(s: &Scenario, waterfall: &[LayerSpec], mode: ScanMode) -> EngineResult<Timeline> {
    if !s.contagion.is_empty() {
        // Linked venues: the upstream venues run first and their losses land here.
        return super::contagion::main_timeline(s, waterfall, mode);
    }
    run_venue(s, waterfall, mode, Vec::new())
}

/// Run one venue with the losses that other venues pass to its accounts (`inflows`).
pub(crate) fn run_venue(s: &Scenario, waterfall: &[LayerSpec], mode: ScanMode, inflows: Vec<Inflow>) -> EngineResult<Timeline> {
    let mut sim = start_venue(s, waterfall, mode, inflows)?;
    for t in 0..=s.steps {
        sim.step(t)?;
    }
    sim.finish()
}

/// A venue's run before its first step: what `run_venue` steps through, and what `engine::Run`
/// steps through in chunks (one code path, so the two give the same timeline).
pub(crate) fn start_venue<'a>(s: &'a Scenario, waterfall: &[LayerSpec], mode: ScanMode, inflows: Vec<Inflow>) -> EngineResult<Sim<'a>> {
    // Validation expands the cohorts; the engine runs those very accounts (expanded once).
    let prepared = prepare(s).map_err(invalid)?;
    check_vaults(s, waterfall)?;
    let marks = price_path::generate(s).map_err(|e| invalid(vec![e]))?;
    let mut sim = Sim::new(s, marks, prepared.accounts, waterfall, mode, true)?;
    sim.inflows = inflows;
    sim.inflows.sort_by_key(|f| f.step); // stable: keeps link order within a step
    Ok(sim)
}

#[derive(Clone, Debug)]
enum LayerKind {
    DefMargin,
    DefFund,
    Sig,
    Insurance,
    Survivors,
    Assessment { cap: Decimal, max_calls: u32 },
    Vmgh { max_steps: u32 },
    Socialized,
    Adl,
    LpVault(usize),
    TearUp,
}

struct LayerRt {
    kind: LayerKind,
    party: &'static str,
    /// Shared by the events that name the layer.
    label: Name,
    drawn: Decimal,
    sig_left: Decimal,
    calls_used: u32,
    exhausted: bool,
}

struct Acct {
    snap: AccountSnap,
    reserves: Decimal,
    call_step: Option<u32>,
    defaulter: bool,
    /// Changed this step (listed in `Sim::changed`): recorded at the end of the step.
    dirty: bool,
}

/// Position indices of one margin group (a liquidation's work lists stay off the heap).
type Group = SmallVec<[usize; 4]>;
/// The positions a liquidation or auction closed, and their notionals.
type Closed = SmallVec<[Bankrupt; 2]>;
type Notionals = SmallVec<[Decimal; 2]>;

/// A position closed beyond bankruptcy: what ADL and tear-up need.
#[derive(Clone, Debug)]
struct Bankrupt {
    inst: usize,
    /// Signed size that was closed.
    size: Decimal,
    /// Bad debt per contract.
    per_unit: Decimal,
}

/// A draw's figures taken just before it is made (see `Sim::record_draw`).
struct DrawStart {
    loss_in: Decimal,
    /// The step's events recorded so far: the draw's own lines come after.
    ev0: usize,
    before: Option<Decimal>,
    remaining_before: Option<Decimal>,
}

struct Pending {
    layer: usize,
    def: usize,
    left: Decimal,
    until: u32,
    info: Vec<Bankrupt>,
}

pub(crate) struct Sim<'a> {
    s: &'a Scenario,
    m: Market,
    vm: bool,
    ccp: bool,
    accts: Vec<Acct>,
    infos: Vec<AccountInfo>,
    /// Accounts changed this step, in order of first change.
    changed: Vec<u32>,
    /// State of every account at step 0, then (account, step, state) at later changes.
    logs: AccountLogs,
    /// Accounts with a default-fund contribution (or a non-plain zero one), in index order: the
    /// only ones the fund layers and the layer records can weigh.
    contributors: Vec<usize>,
    scan: Scan,
    insurance: Decimal,
    insurance_series: Vec<Decimal>,
    layers: Vec<LayerRt>,
    layer_infos: Vec<LayerInfo>,
    layer_logs: Vec<Vec<(u32, LayerState)>>,
    layers_dirty: bool,
    unallocated: Decimal,
    unalloc_log: Vec<(u32, Decimal)>,
    events: Events,
    /// Events recorded so far, per step: a draw names the lines that tell it by their offsets
    /// within its step.
    events_per_step: Vec<u32>,
    /// Every draw on the waterfall, as made (the spill, layer by layer).
    draws: Draws,
    splits: super::explain::Splits,
    ledger: Ledger,
    queue: VecDeque<(usize, bool)>,
    pending: Vec<Pending>,
    /// This step's losses waiting for the one split of a socialized-loss or VMGH layer
    /// (`settle_claims`); `until` is unused here.
    claims: Vec<Pending>,
    /// Shares the per-step splits may still write (`limits::MAX_BOOK_SPLIT_SHARES`).
    share_budget: u64,
    deficit: Decimal,
    bad_debt: Decimal,
    defaults: usize,
    cascades: usize,
    quote: Name,
    /// The money sign event sentences render with (the run's quote currency).
    sign: u8,
    /// Interned ledger names: `acct:{id}` per account, assets, venue accounts, instruments and
    /// cohorts (entries and infos share these allocations).
    asset_names: Vec<Name>,
    venue_names: Vec<(&'static str, Name)>,
    inst_names: Vec<Name>,
    /// ADL ranking per (instrument, opposite side is long), computed once per step (BitMEX
    /// publishes its ranking periodically, not per fill): (step, [(account, score)]) best first.
    adl_cache: Vec<AdlQueue>,
    /// ADL's candidates and hits, a buffer reused across defaults (no allocation per default).
    adl_cands: Vec<(usize, Decimal, Decimal)>,
    /// Margin checks that valued an account (for the scan's tests).
    valued: u64,
    /// Losses passed on by other venues, by step; `inflow_next` is the first not yet applied.
    inflows: Vec<Inflow>,
    inflow_next: usize,
    /// Record events, ledger and account states (false: summary and layer states only).
    full: bool,
    /// Per-account decimals that most runs never set (kept off `Acct`: 64 bytes per account).
    side: SideTables,
    /// Socialized loss: the profits it weighs, valued once per step (issue 14).
    profits: ProfitCache,
}

/// Each account's profit since step 0 as of the step `step` (equity − starting equity), valued
/// for the whole book at a step's first socialized default and afterwards only for the accounts
/// changed since (`Sim::touch` lists them): marks are fixed within a step, so an account's equity
/// changes only with its own state. A default then costs the accounts in profit, not a
/// valuation of the whole book (was O(accounts) valuations per default: 2,986 defaults × 10,001
/// accounts in `examples/cohort-10k.json` under a socialized-loss waterfall).
#[derive(Default)]
struct ProfitCache {
    step: Option<u32>,
    profit: Vec<Decimal>,
    /// Accounts whose last valued profit is positive, in index order (the order the split takes).
    positive: std::collections::BTreeSet<usize>,
    /// Accounts changed since they were valued (each once: `is_stale`).
    stale: Vec<u32>,
    is_stale: Vec<bool>,
}

/// Per-account decimals most runs never set.
#[derive(Default)]
struct SideTables {
    /// Opening default-fund contribution.
    contribution0: Side,
    /// Assessments paid so far.
    assessed: Side,
    /// Equity at step 0 (only a socialized-loss layer reads it).
    start_equity: Side,
    /// This step's variation-margin gain (VM settlement only).
    vm_gain: Side,
    /// The accounts with a gain this step, in index order: the only ones a VM-gains haircut can
    /// weigh (issue 14: a default costs the gainers, not a pass over the whole book).
    vm_gainers: Vec<u32>,
}

/// A per-account decimal, empty until something other than a plain zero is written (reads of an
/// unwritten account give a plain zero, as the field it replaces started with).
#[derive(Default)]
struct Side(Vec<Decimal>);

impl Side {
    fn get(&self, i: usize) -> Decimal {
        self.0.get(i).copied().unwrap_or(Decimal::ZERO)
    }

    /// Set account `i` of `n`.
    fn set(&mut self, i: usize, x: Decimal, n: usize) {
        if self.0.is_empty() {
            if x.is_zero() && x.scale() == 0 && !x.is_sign_negative() {
                return;
            }
            self.0 = vec![Decimal::ZERO; n.max(i + 1)];
        }
        if let Some(v) = self.0.get_mut(i) {
            *v = x;
        }
    }
}

/// One step's ADL ranking for (instrument, side), and how far its head is permanently spent.
struct AdlQueue {
    key: (usize, bool),
    step: u32,
    /// (account, score, [PnL %, leverage]: what made the score, for `explain`).
    ranked: Vec<(usize, Decimal, [Decimal; 2])>,
    /// Entries before this are defaulters or hold no position on the side any more; neither
    /// can change back (positions are never reopened), so later calls skip them.
    head: usize,
}

impl<'a> Sim<'a> {
    /// `expanded`: the book as validation expanded it (owned, or borrowed and reused by Monte
    /// Carlo); a generated account's state is built from its draw and its cohort's terms.
    fn new<E: Borrow<BookAccount>>(
        s: &'a Scenario,
        marks: Vec<Vec<Decimal>>,
        expanded: impl IntoIterator<Item = E, IntoIter = impl ExactSizeIterator<Item = E>>,
        waterfall: &[LayerSpec],
        mode: ScanMode,
        full: bool,
    ) -> EngineResult<Self> {
        let expanded = expanded.into_iter();
        let m = Market::build(s, marks)?;
        let scan = Scan::new(s, &m, expanded.len(), mode);
        let n_assets = m.asset_ids.len();
        let quote = s.venue.quote.clone();
        let quote_name: Name = Name::from(quote.as_str());
        let asset_names: Vec<Name> =
            m.asset_ids.iter().enumerate().map(|(k, x)| if k == 0 { quote_name.clone() } else { Name::from(x.as_str()) }).collect();
        let venue_names = [
            names::DEPOSITS,
            names::SETTLEMENT,
            names::INSURANCE,
            names::DEFAULT_FUND,
            names::CCP_CAPITAL,
            names::MARKET,
            names::ROUNDING,
            names::UNALLOCATED,
            names::LOSS_SHARING,
        ]
        .into_iter()
        .map(|x| (x, Name::from(x)))
        .collect();
        let inst_names: Vec<Name> = m.meta.iter().map(|x| Name::from(x.id.as_str())).collect();
        let cohort_names: Vec<Name> = s.cohorts.iter().map(|c| Name::from(c.id.as_str())).collect();
        let mut sim = Sim {
            s,
            vm: s.venue.settlement == Settlement::VariationMargin,
            ccp: s.venue.style == VenueStyle::Ccp,
            accts: Vec::with_capacity(expanded.len()),
            infos: Vec::with_capacity(expanded.len()),
            changed: (0..expanded.len() as u32).collect(),
            logs: AccountLogs::with_accounts(if full { expanded.len() } else { 0 }),
            contributors: Vec::new(),
            scan,
            insurance: s.venue.insurance_fund,
            insurance_series: Vec::with_capacity(s.steps as usize + 1),
            layers: Vec::new(),
            layer_infos: Vec::new(),
            layer_logs: Vec::new(),
            layers_dirty: true,
            unallocated: Decimal::ZERO,
            unalloc_log: vec![(0, Decimal::ZERO)],
            events_per_step: Vec::new(),
            draws: Draws::default(),
            splits: Default::default(),
            events: Events::default(),
            ledger: Ledger::default(),
            queue: VecDeque::new(),
            pending: Vec::new(),
            claims: Vec::new(),
            share_budget: crate::scenario::limits::MAX_BOOK_SPLIT_SHARES,
            deficit: Decimal::ZERO,
            bad_debt: Decimal::ZERO,
            defaults: 0,
            cascades: 0,
            quote: quote_name.clone(),
            sign: super::money::current_sign(),
            asset_names,
            venue_names,
            inst_names,
            adl_cache: Vec::new(),
            adl_cands: Vec::new(),
            valued: 0,
            inflows: Vec::new(),
            inflow_next: 0,
            full,
            side: SideTables::default(),
            profits: ProfitCache::default(),
            m,
        };
        let inst_index = |id: &str| s.instruments.iter().position(|x| x.id == id);
        let asset_index = |id: &str| if id == quote { Some(0) } else { s.assets.iter().position(|a| a.id == id).map(|i| i + 1) };
        let n_accts = expanded.len();
        let cohort_inst: Vec<Option<usize>> = s.cohorts.iter().map(|c| inst_index(&c.instrument)).collect();
        let mut id_buf = String::new();
        for b in expanded {
            let (info, mode, coll, positions, fund_contribution, reserves) = match *b.borrow() {
                BookAccount::Listed(k) => {
                    let a = s.accounts.get(k).ok_or_else(|| invalid(vec![]))?;
                    let mut coll = Holdings::from_elem(Decimal::ZERO, n_assets);
                    if let Some(c) = coll.get_mut(0) {
                        *c = a.cash;
                    }
                    for c in &a.collateral {
                        if let Some(slot) = asset_index(&c.asset).and_then(|i| coll.get_mut(i)) {
                            *slot = slot.add_c(c.amount, "opening collateral")?;
                        }
                    }
                    let mut positions = Positions::with_capacity(a.positions.len());
                    for p in &a.positions {
                        let inst = inst_index(&p.instrument).ok_or_else(|| invalid(vec![]))?;
                        positions.push(Pos {
                            inst,
                            size: p.size,
                            entry: p.entry_price.unwrap_or_else(|| sim.m.mark(inst, 0)),
                            funding_entry: sim.m.funding(inst, 0),
                            isolated: p.isolated_margin,
                        });
                    }
                    let id = Name::from(a.id.as_str());
                    let name = if a.name.is_empty() || a.name == a.id { id.clone() } else { Name::from(a.name.as_str()) };
                    let info = AccountInfo { id, name, role: a.role.label(), cohort: None };
                    (info, a.margin_mode, coll, positions, a.fund_contribution, a.reserves)
                }
                // A generated account: the cohort's terms and its draw (no spec was built for it).
                BookAccount::Generated { cohort, drawn } => {
                    let c = s.cohorts.get(cohort).ok_or_else(|| invalid(vec![]))?;
                    let inst = cohort_inst.get(cohort).copied().flatten().ok_or_else(|| invalid(vec![]))?;
                    let mut coll = Holdings::from_elem(Decimal::ZERO, n_assets);
                    if let Some(x) = coll.get_mut(0) {
                        *x = drawn.cash;
                    }
                    let mut positions = Positions::new();
                    positions.push(Pos { inst, size: drawn.size, entry: sim.m.mark(inst, 0), funding_entry: sim.m.funding(inst, 0), isolated: None });
                    id_buf.clear();
                    crate::scenario::cohort::push_numbered(&mut id_buf, &c.id, "-", drawn.n);
                    let id = Name::from(id_buf.as_str());
                    // An unnamed cohort's accounts show their id; a named one's "{name} #{n}" never equals it.
                    let name = match crate::scenario::cohort::display_name(c, drawn.n) {
                        Some(n) => Name::from(n),
                        None => id.clone(),
                    };
                    let info = AccountInfo { id, name, role: c.role.label(), cohort: cohort_names.get(cohort).cloned() };
                    (info, c.margin_mode, coll, positions, Decimal::ZERO, Decimal::ZERO)
                }
            };
            if fund_contribution > Decimal::ZERO || fund_contribution.scale() != 0 {
                sim.contributors.push(sim.accts.len());
            }
            // Ledger names only matter when the ledger is recorded.
            sim.infos.push(info);
            let idx = sim.accts.len();
            sim.side.contribution0.set(idx, fund_contribution, n_accts);
            sim.accts.push(Acct {
                snap: AccountSnap { collateral: coll, positions, status: Status::Healthy, loss: Decimal::ZERO, contribution: fund_contribution },
                reserves,
                call_step: None,
                defaulter: false,
                dirty: true,
            });
            if mode == MarginMode::Isolated {
                let idx = sim.accts.len() - 1;
                sim.split_isolated(idx)?;
            }
        }
        if full {
            sim.ledger.set_accounts(sim.infos.iter().map(|i| i.id.clone()).collect());
            sim.events.set_accounts(sim.infos.iter().map(|i| i.name.clone()).collect());
        }
        // Open interest: the named counterparty takes the other side of any imbalance.
        for (i, ins) in s.instruments.iter().enumerate() {
            let Some(cp_id) = &ins.counterparty else { continue };
            let Some(cp) = sim.infos.iter().position(|x| *x.id == **cp_id) else { continue };
            let mut net = Decimal::ZERO;
            for a in &sim.accts {
                for p in &a.snap.positions {
                    if p.inst == i {
                        net = net.add_c(p.size, "open interest")?;
                    }
                }
            }
            if net.is_zero() {
                continue;
            }
            let mark0 = sim.m.mark(i, 0);
            let acct = &mut sim.accts[cp]; // ok: cp found by position() above
            match acct.snap.positions.iter_mut().find(|p| p.inst == i) {
                Some(p) => {
                    let new = p.size.sub_c(net, "counterparty's position")?;
                    if new.is_zero() {
                        acct.snap.positions.retain(|p| p.inst != i);
                    } else {
                        if new.is_sign_negative() != p.size.is_sign_negative() {
                            p.entry = mark0;
                        } else if new.abs() > p.size.abs() {
                            // Weighted average entry of the old size and the added size at mark.
                            let old_cost = p.entry.mul_c(p.size.abs(), "counterparty's average entry")?;
                            let added = mark0.mul_c(net.abs(), "counterparty's average entry")?;
                            p.entry = old_cost.add_c(added, "counterparty's average entry")?.div_c(new.abs(), "average entry")?;
                        }
                        p.size = new;
                    }
                }
                None => acct.snap.positions.push(Pos { inst: i, size: -net, entry: mark0, funding_entry: sim.m.funding(i, 0), isolated: None }),
            }
        }
        // The book's money within the bound that keeps every sum exact (engine/headroom.rs).
        super::headroom::check(
            s,
            &sim.m,
            sim.accts.iter().enumerate().map(|(i, a)| super::headroom::BookEntry {
                index: i,
                collateral: &a.snap.collateral,
                positions: &a.snap.positions,
                reserves: a.reserves,
                contribution: sim.side.contribution0.get(i),
            }),
            |i| match sim.infos.get(i) {
                Some(AccountInfo { cohort: Some(c), .. }) => format!("cohorts[{}]", s.cohorts.iter().position(|x| *x.id == **c).unwrap_or(0)),
                Some(info) => format!("accounts[{}]", s.accounts.iter().position(|x| *x.id == *info.id).unwrap_or(i)),
                None => "accounts".into(),
            },
        )?;
        // Waterfall layers: the defaulter's margin is always first.
        let mut specs: Vec<LayerSpec> = waterfall.to_vec();
        if !specs.iter().any(|l| matches!(l, LayerSpec::DefaulterMargin)) {
            specs.insert(0, LayerSpec::DefaulterMargin);
        }
        for spec in &specs {
            let (label, description, party) = describe(spec);
            let (kind, capacity) = match spec {
                LayerSpec::DefaulterMargin => (LayerKind::DefMargin, None),
                LayerSpec::DefaulterFundContribution => (LayerKind::DefFund, None),
                LayerSpec::SkinInTheGame { amount, .. } => (LayerKind::Sig, Some(*amount)),
                LayerSpec::InsuranceFund => (LayerKind::Insurance, Some(s.venue.insurance_fund)),
                LayerSpec::SurvivorsFund => {
                    (LayerKind::Survivors, Some(sum_c((0..sim.accts.len()).map(|i| sim.side.contribution0.get(i)), "survivors' fund (sum of contributions)")?))
                }
                LayerSpec::Assessment { cap_multiple, max_calls } => (LayerKind::Assessment { cap: *cap_multiple, max_calls: *max_calls }, None),
                LayerSpec::VariationMarginHaircut { max_steps } => (LayerKind::Vmgh { max_steps: *max_steps }, None),
                LayerSpec::SocializedLoss => (LayerKind::Socialized, None),
                LayerSpec::AutoDeleverage => (LayerKind::Adl, None),
                LayerSpec::LpVaultHaircut { account } => {
                    let v = sim.infos.iter().position(|x| *x.id == **account).ok_or_else(|| invalid(vec![]))?;
                    (LayerKind::LpVault(v), None)
                }
                LayerSpec::TearUp => (LayerKind::TearUp, None),
            };
            let sig_left = capacity.unwrap_or_default();
            sim.layers.push(LayerRt { kind, party, label: Name::from(label.as_str()), drawn: Decimal::ZERO, sig_left, calls_used: 0, exhausted: false });
            sim.layer_infos.push(LayerInfo { label, kind: spec.kind_name().to_string(), description, capacity });
            sim.layer_logs.push(Vec::new());
        }
        // Opening ledger: deposits, contributions, funds (none in a summary-only run).
        let ledger_accts = if full { sim.accts.len() } else { 0 };
        for (i, a) in sim.accts.iter().enumerate().take(ledger_accts) {
            let iso = sum_c(a.snap.positions.iter().filter_map(|p| p.isolated), "isolated margins")?;
            for (k, units) in a.snap.collateral.iter().enumerate() {
                let amount = if k == 0 { units.add_c(iso, "opening collateral")? } else { *units };
                if !amount.is_zero() {
                    let asset = sim.asset_names.get(k).cloned().unwrap_or_else(|| quote_name.clone());
                    sim.ledger.record(0, Party::Acct(i), sim.vn(names::DEPOSITS).into(), asset, amount, "opening collateral".into());
                }
            }
            let contribution0 = sim.side.contribution0.get(i);
            if contribution0 > Decimal::ZERO {
                sim.ledger.push(JournalEntry {
                    step: 0,
                    debit: sim.vn(names::DEFAULT_FUND),
                    credit: sim.vn(names::DEPOSITS),
                    amount: contribution0,
                    asset: quote_name.clone(),
                    memo: format!("default-fund contribution of {}", sim.infos[i].name).into(), // ok: same length
                });
            }
        }
        if sim.insurance > Decimal::ZERO {
            sim.post(0, sim.vn(names::INSURANCE), sim.vn(names::DEPOSITS), sim.insurance, "opening insurance fund".into());
        }
        for l in 0..sim.layers.len() {
            if matches!(sim.layers[l].kind, LayerKind::Sig) && sim.layers[l].sig_left > Decimal::ZERO {
                let amt = sim.layers[l].sig_left;
                let memo = format!("{} committed", sim.layers[l].label);
                sim.post(0, sim.vn(names::CCP_CAPITAL), sim.vn(names::DEPOSITS), amt, memo.into());
            }
        }
        // Only the socialized-loss layer reads the starting equity.
        let needs_start = sim.layers.iter().any(|l| matches!(l.kind, LayerKind::Socialized));
        for i in (0..sim.accts.len()).filter(|_| needs_start) {
            let a = &sim.accts[i]; // ok: i < len
            let v = valuate(&sim.m, &a.snap.collateral, &a.snap.positions, 0)?;
            let n = sim.accts.len();
            sim.side.start_equity.set(i, v.equity, n);
        }
        Ok(sim)
    }

    /// Isolated accounts without explicit margins split their cash pro rata to notional.
    fn split_isolated(&mut self, a: usize) -> EngineResult<()> {
        let m = &self.m;
        let acct = &mut self.accts[a]; // ok: caller passes the last index
        let cash = acct.snap.collateral.first().copied().unwrap_or_default();
        let explicit = sum_c(acct.snap.positions.iter().filter_map(|p| p.isolated), "isolated margins")?;
        let mut total_n = Decimal::ZERO;
        for p in acct.snap.positions.iter().filter(|p| p.isolated.is_none()) {
            total_n = total_n.add_c(m.notional(p.inst, p.size, p.entry)?, "notional")?;
        }
        let free = cash.sub_c(explicit, "free cash")?.max(Decimal::ZERO);
        let mut assigned = explicit;
        for p in acct.snap.positions.iter_mut().filter(|p| p.isolated.is_none()) {
            let share = if total_n.is_zero() {
                Decimal::ZERO
            } else {
                mul_div(free, m.notional(p.inst, p.size, p.entry)?, total_n, "isolated margin")?.round_dp(8)
            };
            p.isolated = Some(share);
            assigned = assigned.add_c(share, "isolated margins")?;
        }
        if let Some(c) = acct.snap.collateral.get_mut(0) {
            *c -= assigned.min(cash);
        }
        Ok(())
    }

    /// An interned venue-side ledger account name.
    fn vn(&self, x: &'static str) -> Name {
        // The callers pass the very constants the table holds: a pointer match, else by content.
        if let Some((_, n)) = self.venue_names.iter().find(|(k, _)| std::ptr::eq(*k, x)) {
            return n.clone();
        }
        self.venue_names.iter().find(|(k, _)| *k == x).map(|(_, n)| n.clone()).unwrap_or_else(|| Name::from(x))
    }

    fn post(&mut self, step: u32, debit: impl Into<Party>, credit: impl Into<Party>, amount: Decimal, memo: EntryMemo) {
        if amount.is_zero() || !self.full {
            return;
        }
        let (debit, credit) = (debit.into(), credit.into());
        let (debit, credit, amount) = if amount < Decimal::ZERO { (credit, debit, -amount) } else { (debit, credit, amount) };
        self.ledger.record(step, debit, credit, self.quote.clone(), amount, memo);
    }

    fn event(&mut self, step: u32, account: Option<usize>, kind: EventKind, msg: Msg<Party>, amount: Option<Decimal>, layer: Option<usize>) {
        if !self.full {
            return;
        }
        self.events.record(step, account, kind, amount, layer, self.sign, msg);
        let t = step as usize;
        if self.events_per_step.len() <= t {
            self.events_per_step.resize(t + 1, 0);
        }
        if let Some(n) = self.events_per_step.get_mut(t) {
            *n += 1;
        }
    }

    /// Events recorded so far at `step`.
    fn events_so_far(&self, step: u32) -> usize {
        self.events_per_step.get(step as usize).copied().unwrap_or(0) as usize
    }

    /// What layer `l` could still pay, as its bar shows it (`None` = rule-based): the skin in the
    /// game left, the insurance fund, the non-defaulting members' contributions.
    fn layer_remaining(&self, l: usize) -> Option<Decimal> {
        match self.layers.get(l)?.kind {
            LayerKind::Sig => self.layers.get(l).map(|x| x.sig_left),
            LayerKind::Insurance => Some(self.insurance),
            // Everyone else's contribution is a plain zero: same sum.
            LayerKind::Survivors => Some(self.contributors.iter().filter_map(|&i| self.accts.get(i)).filter(|a| !a.defaulter).map(|a| a.snap.contribution).sum()),
            _ => None,
        }
    }

    /// Layer `l`'s bar now: cumulative drawn, remaining, exhausted (a loss went past it, or its
    /// capacity is used up).
    fn layer_bar(&self, l: usize) -> LayerState {
        let remaining = self.layer_remaining(l);
        let (drawn, exhausted) = self.layers.get(l).map(|x| (x.drawn, x.exhausted)).unwrap_or_default();
        LayerState { drawn, remaining, exhausted: exhausted || remaining == Some(Decimal::ZERO) && drawn > Decimal::ZERO }
    }

    /// What layer `l` holds for `def`'s loss, for the draw records (`None` for rule-based layers):
    /// the defaulter's own contribution, the skin in the game left, the insurance fund, the
    /// survivors' contributions it can weigh, the assessments still callable, the vault's equity.
    fn layer_balance(&self, l: usize, def: usize, t: u32) -> EngineResult<Option<Decimal>> {
        let Some(layer) = self.layers.get(l) else { return Ok(None) };
        Ok(match &layer.kind {
            LayerKind::DefFund => self.accts.get(def).map(|a| a.snap.contribution),
            LayerKind::Sig => Some(layer.sig_left),
            LayerKind::Insurance => Some(self.insurance.max(Decimal::ZERO)),
            LayerKind::Survivors => Some(self.contributing_survivors(def).map(|i| self.accts[i].snap.contribution).filter(|c| *c > Decimal::ZERO).sum()), // ok: i < len
            LayerKind::Assessment { cap, max_calls } => Some(if layer.calls_used < *max_calls {
                self.contributing_survivors(def)
                    .filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO)
                    .map(|i| (*cap * self.side.contribution0.get(i) - self.side.assessed.get(i)).max(Decimal::ZERO))
                    .sum()
            } else {
                Decimal::ZERO
            }),
            LayerKind::LpVault(v) => match self.accts.get(*v) {
                Some(a) if *v != def && !a.defaulter => Some(valuate(&self.m, &a.snap.collateral, &a.snap.positions, t)?.equity.max(Decimal::ZERO)),
                _ => Some(Decimal::ZERO),
            },
            _ => None,
        })
    }

    /// What a draw on `layer` (`None`: the residual) starts from, taken just before it is made.
    fn draw_start(&self, layer: Option<usize>, def: usize, t: u32, loss_in: Decimal) -> EngineResult<DrawStart> {
        let (before, remaining_before) = match layer {
            Some(l) if self.full => (self.layer_balance(l, def, t)?, self.layer_remaining(l)),
            _ => (None, None),
        };
        Ok(DrawStart { loss_in, ev0: self.events_so_far(t), before, remaining_before })
    }

    /// Records a draw just made on `layer` (`None`: the residual no layer covered), told by the
    /// step's events since `start`.
    fn record_draw(&mut self, t: u32, layer: Option<usize>, def: usize, start: DrawStart, taken: Decimal, passed_on: Decimal) -> EngineResult<()> {
        if !self.full {
            return Ok(());
        }
        let (after, state) = match layer {
            Some(l) => (self.layer_balance(l, def, t)?, self.layer_bar(l)),
            None => (None, LayerState { drawn: self.unallocated, remaining: None, exhausted: false }),
        };
        let events = start.ev0..self.events_so_far(t);
        let DrawStart { loss_in, before, remaining_before, .. } = start;
        self.draws.record(t, &Draw { layer, account: def, loss_in, taken, passed_on, before, after, remaining_before, state, events });
        Ok(())
    }

    /// An account in an event's sentence (its display name is filled in when the event is read).
    fn who(&self, a: usize) -> Party {
        Party::Acct(a)
    }

    fn name(&self, a: usize) -> Name {
        self.infos.get(a).map(|i| i.name.clone()).unwrap_or_else(|| Name::from(""))
    }

    fn inst_id(&self, i: usize) -> Name {
        self.inst_names.get(i).cloned().unwrap_or_else(|| Name::from(""))
    }

    fn set_status(&mut self, a: usize, st: Status) {
        if let Some(acct) = self.accts.get_mut(a) {
            if acct.snap.status != st {
                acct.snap.status = st;
                self.touch(a);
            }
        }
    }

    fn cash_add(&mut self, a: usize, x: Decimal) -> EngineResult<()> {
        if let Some(acct) = self.accts.get_mut(a) {
            if let Some(c) = acct.snap.collateral.get_mut(0) {
                *c = c.add_c(x, "cash")?;
            }
            self.touch(a);
        }
        Ok(())
    }

    /// Account `a` changed: record it at the end of the step and void its band.
    fn touch(&mut self, a: usize) {
        if let Some(acct) = self.accts.get_mut(a) {
            if !acct.dirty {
                acct.dirty = true;
                self.changed.push(a as u32);
            }
            self.scan.invalidate(a);
            if let Some(x) = self.profits.is_stale.get_mut(a) {
                if !*x {
                    *x = true;
                    self.profits.stale.push(a as u32);
                }
            }
        }
    }

    /// The ledger side of an account (its name `acct:{id}` is rendered when an entry is read).
    fn acct_name(&self, a: usize) -> Party {
        Party::Acct(a)
    }

    pub(crate) fn step(&mut self, t: u32) -> EngineResult<()> {
        self.apply_inflows(t)?;
        if self.vm {
            self.post_variation_margin(t)?;
            self.collect_pending(t)?;
        }
        self.expire(t)?;
        self.check_margins(t)?;
        self.settle_claims(t)?;
        if t == self.s.steps {
            // The run ends: any loss still waiting in a VM-haircut window goes down the waterfall.
            let pend: Vec<Pending> = std::mem::take(&mut self.pending);
            for p in pend {
                self.run_layers(p.def, t, p.layer + 1, p.left, &p.info)?;
            }
            self.settle_claims(t)?;
        }
        self.record(t)
    }

    /// Bad-debt propagation: another venue's loss is debited from the named account's cash before
    /// this step's margin check, which then treats it like any other loss (call, liquidation,
    /// default). An account already in default has nothing left here: the loss does not land.
    fn apply_inflows(&mut self, t: u32) -> EngineResult<()> {
        while let Some(f) = self.inflows.get(self.inflow_next).filter(|f| f.step <= t).cloned() {
            self.inflow_next += 1;
            let a = f.account;
            let Some(acct) = self.accts.get(a) else { continue };
            if acct.defaulter || acct.snap.status.is_out() {
                let msg = Msg::ContagionMissed { name: self.who(a), amount: f.amount, from: Name::from(f.from.as_str()).into(), source: f.source };
                self.event(t, Some(a), EventKind::ContagionLoss, msg, Some(Decimal::ZERO), None);
                continue;
            }
            self.cash_add(a, -f.amount)?;
            let from = Name::from(format!("external:contagion:{}", f.from_id).as_str());
            self.post(t, from, self.acct_name(a), f.amount, EntryMemo::Text(Name::from(format!("{} passed on by {}", f.source.label(), f.from).as_str())));
            let msg = Msg::ContagionLoss { name: self.who(a), amount: f.amount, from: Name::from(f.from.as_str()).into(), source: f.source };
            self.event(t, Some(a), EventKind::ContagionLoss, msg, Some(f.amount), None);
            // With no position left to liquidate, a negative balance is a deficit at once.
            self.bankrupt_if_negative(a, t)?;
        }
        Ok(())
    }

    /// CCP style: pay and collect the change in value of every position (VM), every step.
    fn post_variation_margin(&mut self, t: u32) -> EngineResult<()> {
        self.side.vm_gainers.clear();
        for a in 0..self.accts.len() {
            let n = self.accts.len();
            self.side.vm_gain.set(a, Decimal::ZERO, n);
            let acct_ref = &self.accts[a]; // ok: a < len
            if acct_ref.snap.positions.is_empty() || acct_ref.snap.status.is_out() {
                continue;
            }
            let mut delta = Decimal::ZERO;
            for p in &acct_ref.snap.positions {
                let now = position_value(&self.m, p, t)?;
                let before = if t == 0 { Decimal::ZERO } else { position_value(&self.m, p, t - 1)? };
                delta = delta.add_c(now.sub_c(before, "variation margin")?, "variation margin")?;
            }
            if delta.is_zero() {
                continue;
            }
            let n = self.accts.len();
            self.side.vm_gain.set(a, delta.max(Decimal::ZERO), n);
            if delta > Decimal::ZERO {
                self.side.vm_gainers.push(a as u32);
            }
            let name = self.acct_name(a);
            self.post(t, name, self.vn(names::SETTLEMENT), delta, "variation margin".into());
        }
        Ok(())
    }

    /// Expiry: cash settlement at mark, or physical delivery with buy-in of what a short lacks.
    fn expire(&mut self, t: u32) -> EngineResult<()> {
        for (i, ins) in self.s.instruments.iter().enumerate() {
            let Some(x) = &ins.expiry else { continue };
            if x.step != t {
                continue;
            }
            let mark = self.m.mark(i, t);
            let underlying = ins.underlying.as_ref().and_then(|u| self.s.assets.iter().position(|a| &a.id == u)).map(|k| k + 1);
            let mut settled = 0usize;
            for a in 0..self.accts.len() {
                let Some(pidx) = self.accts[a].snap.positions.iter().position(|p| p.inst == i) else { continue }; // ok: a < len
                if self.accts[a].snap.status.is_out() {
                    continue; // ok: a < len
                }
                let size = self.accts[a].snap.positions[pidx].size; // ok: pidx found above
                let (realized, iso) = self.close_part(a, pidx, size.abs(), mark, t)?;
                self.cash_add(a, realized + iso)?;
                settled += 1;
                if x.settlement == SettlementKind::Physical && size < Decimal::ZERO {
                    let need = size.abs().mul_c(ins.contract_size, "delivery")?;
                    let have = underlying.and_then(|k| self.accts[a].snap.collateral.get(k).copied()).unwrap_or_default(); // ok: a < len
                    let missing = (need - have.max(Decimal::ZERO)).max(Decimal::ZERO);
                    if missing > Decimal::ZERO {
                        let cost = to_money(missing.mul_c(mark, "buy-in")?.mul_c(x.buy_in_penalty, "buy-in")?);
                        self.cash_add(a, -cost)?;
                        let name = self.acct_name(a);
                        self.post(t, self.vn(names::MARKET), name, cost, format!("buy-in penalty on {} undelivered", format_decimal(missing, 8)).into());
                        let msg = Msg::BuyIn { name: self.who(a), missing, inst: self.inst_id(i).into(), penalty: x.buy_in_penalty, cost };
                        self.event(t, Some(a), EventKind::BuyIn, msg, Some(cost), None);
                    }
                }
                if self.accts[a].snap.positions.is_empty() {
                    self.set_status(a, Status::Settled);
                }
                self.bankrupt_if_negative(a, t)?;
            }
            if settled > 0 {
                let msg = Msg::Settled { inst: self.inst_id(i).into(), mark, count: settled };
                self.event(t, None, EventKind::Settlement, msg, None, None);
            }
        }
        Ok(())
    }

    /// After a settlement, an account with negative cross equity is bankrupt: its deficit goes to
    /// the waterfall.
    fn bankrupt_if_negative(&mut self, a: usize, t: u32) -> EngineResult<()> {
        let acct = &self.accts[a]; // ok: callers pass a < len
        if !acct.snap.positions.is_empty() {
            return Ok(());
        }
        self.sell_collateral(a, t)?;
        let cash = self.accts[a].snap.collateral.first().copied().unwrap_or_default(); // ok: a < len
        if cash < Decimal::ZERO {
            let d = -cash;
            self.accts[a].defaulter = true; // ok: a < len
            self.defaults += 1;
            self.set_status(a, Status::Bankrupt);
            let msg = Msg::SettlementDeficit { name: self.who(a), deficit: d };
            self.event(t, Some(a), EventKind::Bankruptcy, msg, Some(d), None);
            self.allocate(a, t, Decimal::ZERO, d, &[])?;
        }
        Ok(())
    }

    /// Convert non-quote collateral to cash at its haircut value (the haircut is the sale cost).
    fn sell_collateral(&mut self, a: usize, t: u32) -> EngineResult<()> {
        let n = self.accts[a].snap.collateral.len(); // ok: a < len
        for k in 1..n {
            let units = self.accts[a].snap.collateral[k]; // ok: k < n
            if units <= Decimal::ZERO {
                continue;
            }
            let value = self.m.collateral_worth(k, units, t)?;
            self.accts[a].snap.collateral[k] = Decimal::ZERO; // ok: k < n
            self.cash_add(a, value)?;
            let asset = self.asset_names.get(k).cloned().unwrap_or_else(|| self.quote.clone());
            let name = self.acct_name(a);
            if self.full {
                self.ledger.record(t, self.vn(names::MARKET).into(), name.clone(), asset, units, EntryMemo::Static("collateral sold"));
            }
            self.post(t, name, self.vn(names::MARKET), value, "proceeds of collateral sold".into());
        }
        Ok(())
    }

    /// Close `qty` (absolute) of position `pidx` at `price`: returns the realized amount (PnL minus
    /// funding owed) and the released isolated margin; the caller credits them. Posts the ledger
    /// (under VM, only the part beyond this step's settled mark).
    fn close_part(&mut self, a: usize, pidx: usize, qty: Decimal, price: Decimal, t: u32) -> EngineResult<(Decimal, Decimal)> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: callers pass valid indices
        let q = qty.min(p.size.abs());
        if q.is_zero() {
            return Ok((Decimal::ZERO, Decimal::ZERO));
        }
        let part = if p.size.is_sign_negative() { -q } else { q };
        let full = q == p.size.abs();
        let pnl = self.m.pnl_at(p.inst, part, p.entry, price)?;
        let funding = self.m.funding_owed(p.inst, part, p.funding_entry, t)?;
        let realized = pnl.sub_c(funding, "realized pnl")?;
        let posted = if self.vm {
            let at_mark = self.m.pnl_at(p.inst, part, p.entry, self.m.mark(p.inst, t))?;
            pnl.sub_c(at_mark, "realized pnl")?
        } else {
            realized
        };
        if self.full && !posted.is_zero() {
            let name = self.acct_name(a);
            let memo = EntryMemo::Closed(part, self.inst_id(p.inst), price);
            self.post(t, name, self.vn(names::SETTLEMENT), posted, memo);
        }
        let iso_rel = match p.isolated {
            Some(iso) if full => iso,
            Some(iso) => to_money_places(mul_div(iso, q, p.size.abs(), "isolated margin")?, super::money::LEGACY_MONEY_DP),
            None => Decimal::ZERO,
        };
        self.touch(a);
        let acct = &mut self.accts[a]; // ok: a < len
        let remaining = p.size - part;
        if remaining.is_zero() {
            acct.snap.positions.remove(pidx);
        } else if let Some(pos) = acct.snap.positions.get_mut(pidx) {
            pos.size = remaining;
            if let Some(iso) = pos.isolated.as_mut() {
                *iso -= iso_rel;
            }
        }
        Ok((realized, iso_rel))
    }

    fn check_margins(&mut self, t: u32) -> EngineResult<()> {
        if self.scan.mode == ScanMode::Reference {
            for a in 0..self.accts.len() {
                self.check_one(a, t)?;
            }
            return Ok(());
        }
        // Same order and same exact check as the loop above, for the accounts that can act.
        self.scan.collect(t);
        while let Some(a) = self.scan.next() {
            let v = self.check_one(a, t)?;
            self.scan.route(a, t);
            if !self.scan.needs(a) {
                // Unchanged by its check: the valuation just made is still its own.
                self.band(a, t, v.as_ref());
            }
        }
        Ok(())
    }

    /// File the band of account `a`, just checked and unchanged at step `t`.
    fn band(&mut self, a: usize, t: u32, v: Option<&Valuation>) {
        let Some(acct) = self.accts.get(a) else { return };
        if acct.snap.status.is_out() || acct.defaulter || acct.snap.positions.is_empty() {
            return; // Skipped by the check until something changes it.
        }
        // A pending margin call is re-examined every step.
        let bandable = !(self.ccp && acct.snap.status == Status::MarginCall);
        if !bandable || !self.scan.file_band(&self.m, a, &acct.snap, self.ccp, t, v) {
            self.scan.defer(a);
        }
    }

    /// The margin check of one account at step `t` (liquidation, or the CCP's margin call).
    /// Returns the valuation it made (still the account's if the check changed nothing).
    fn check_one(&mut self, a: usize, t: u32) -> EngineResult<Option<Valuation>> {
        let Some(acct) = self.accts.get(a) else { return Ok(None) };
        if acct.snap.status.is_out() || acct.defaulter || acct.snap.positions.is_empty() {
            return Ok(None);
        }
        self.valued += 1;
        // An exchange's check reads no initial requirement; a clearing house's margin call does.
        let v = if self.ccp { valuate(&self.m, &acct.snap.collateral, &acct.snap.positions, t)? } else { valuate_maintenance(&self.m, &acct.snap.collateral, &acct.snap.positions, t)? };
        if self.ccp {
            self.ccp_margin(a, t, v.equity, v.maintenance, v.initial)?;
            return Ok(Some(v));
        }
        if v.has_cross && v.cross_equity < v.cross_maintenance {
            let idx: Group = acct.snap.positions.iter().enumerate().filter(|(_, p)| p.isolated.is_none()).map(|(i, _)| i).collect();
            self.liquidate(a, &idx, t, v.cross_equity, true)?;
        }
        // Isolated positions, from the last so indices stay valid.
        let mut k = self.accts[a].snap.positions.len(); // ok: a < len
        while k > 0 {
            k -= 1;
            let Some(p) = self.accts[a].snap.positions.get(k) else { continue }; // ok: a < len
            let Some(iso) = p.isolated else { continue };
            let val = position_value(&self.m, p, t)?;
            let (mm, _) = position_requirements(&self.m, p, t)?;
            let eq = iso.add_c(val, "isolated equity")?;
            if eq < mm {
                self.liquidate(a, &[k], t, eq, false)?;
            }
        }
        Ok(Some(v))
    }

    /// Clearing house: margin call, met from reserves, or default after the grace period.
    fn ccp_margin(&mut self, a: usize, t: u32, equity: Decimal, mm: Decimal, im: Decimal) -> EngineResult<()> {
        if equity >= mm {
            if self.accts[a].snap.status == Status::MarginCall {
                // ok: a < len
                self.set_status(a, Status::Healthy);
                self.accts[a].call_step = None; // ok: a < len
            }
            return Ok(());
        }
        // Posted from reserves: money on the money grid (the requirement has a rate's places).
        let top_up = to_money(im.sub_c(equity, "margin call top-up")?).max(Decimal::ZERO);
        if self.accts[a].call_step.is_none() {
            // ok: a < len
            self.accts[a].call_step = Some(t); // ok: a < len
            self.set_status(a, Status::MarginCall);
            let msg = Msg::MarginCall { name: self.who(a), equity, required: mm, top_up };
            self.event(t, Some(a), EventKind::MarginCall, msg, Some(top_up), None);
        }
        if self.accts[a].reserves >= top_up {
            // ok: a < len
            self.accts[a].reserves -= top_up; // ok: a < len
            self.cash_add(a, top_up)?;
            let (n, r) = (self.acct_name(a), Name::from(names::reserves(&self.infos[a].id))); // ok: a < len
            self.post(t, n, r, top_up, "margin call met".into());
            self.accts[a].call_step = None; // ok: a < len
            self.set_status(a, Status::Healthy);
            let msg = Msg::MarginCallMet { name: self.who(a), top_up };
            self.event(t, Some(a), EventKind::MarginCallMet, msg, Some(top_up), None);
            return Ok(());
        }
        let since = self.accts[a].call_step.unwrap_or(t); // ok: a < len
        if t.saturating_sub(since) >= self.s.venue.margin_call_grace {
            self.queue.push_back((a, false));
        }
        Ok(())
    }

    fn drain_queue(&mut self, t: u32) -> EngineResult<()> {
        while let Some((a, cascade)) = self.queue.pop_front() {
            if self.accts.get(a).map(|x| x.defaulter).unwrap_or(true) {
                continue;
            }
            self.default_member(a, t, cascade)?;
        }
        Ok(())
    }

    /// Clearing-house default management: the portfolio is auctioned at a discount to mark; the
    /// close-out loss meets the defaulter's margin, then the rest of the waterfall.
    fn default_member(&mut self, a: usize, t: u32, cascade: bool) -> EngineResult<()> {
        self.accts[a].defaulter = true; // ok: a < len
        self.defaults += 1;
        self.set_status(a, Status::Defaulted);
        let msg = Msg::Default { name: self.who(a), cascade };
        self.event(t, Some(a), EventKind::Default, msg, None, None);
        let c0 = valuate(&self.m, &self.accts[a].snap.collateral, &[], t)? // ok: a < len
            .collateral
            .add_c(sum_c(self.accts[a].snap.positions.iter().filter_map(|p| p.isolated), "isolated margins")?, "defaulter's margin")?; // ok: a < len
        let mut realized_total = Decimal::ZERO;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        while let Some(p) = self.accts[a].snap.positions.last().cloned() {
            // ok: a < len
            let mark = self.m.mark(p.inst, t);
            let px = self.m.exec_price(p.inst, p.size, mark, self.s.venue.auction_discount, self.s.venue.max_slippage)?;
            let pidx = self.accts[a].snap.positions.len() - 1; // ok: non-empty
            let (r, iso) = self.close_part(a, pidx, p.size.abs(), px, t)?;
            self.cash_add(a, r + iso)?;
            realized_total += r;
            notionals.push(self.m.notional(p.inst, p.size, mark)?);
            info.push(Bankrupt { inst: p.inst, size: p.size, per_unit: Decimal::ZERO });
            let msg = Msg::Auction { name: self.who(a), size: p.size, inst: self.inst_id(p.inst).into(), price: px, mark };
            self.event(t, Some(a), EventKind::Liquidation, msg, Some(r), None);
        }
        self.sell_collateral(a, t)?;
        let cash = self.accts[a].snap.collateral.first().copied().unwrap_or_default(); // ok: a < len
        let loss = (-realized_total).max(Decimal::ZERO);
        let (margin_used, d) = if cash < Decimal::ZERO { (c0.max(Decimal::ZERO), -cash) } else { (loss.min(c0.max(Decimal::ZERO)), Decimal::ZERO) };
        spread_bad_debt(&mut info, &notionals, d)?;
        self.allocate(a, t, margin_used, d, &info)
    }

    /// Exchange liquidation of a margin group (the cross positions, or one isolated position):
    /// close at mark with slippage; penalty to the insurance fund while the group can pay; what
    /// it cannot pay is its deficit.
    /// `fraction` of position `p`, signed, rounded down to whole lots (venues trade lots); the
    /// whole position when that leaves nothing or less than a lot to close.
    fn partial_size(&self, p: &Pos, fraction: Decimal) -> Decimal {
        if fraction >= Decimal::ONE {
            return p.size;
        }
        let lot = self.m.meta.get(p.inst).map(|x| x.lot_size).filter(|l| *l > Decimal::ZERO).unwrap_or(Decimal::ONE);
        let lots = (p.size.abs() * fraction / lot).floor();
        let part = lots * lot;
        if part <= Decimal::ZERO || part >= p.size.abs() {
            p.size
        } else if p.size < Decimal::ZERO {
            -part
        } else {
            part
        }
    }

    fn liquidate(&mut self, a: usize, idx: &[usize], t: u32, group_equity: Decimal, cross: bool) -> EngineResult<()> {
        let venue = &self.s.venue;
        let fee_rate = venue.liquidation_fee;
        let max_slip = venue.max_slippage;
        // Partial liquidation: the smallest quarter that brings the group back above maintenance.
        let mut fraction = Decimal::ONE;
        if venue.partial_liquidation {
            for q in [Decimal::new(25, 2), Decimal::new(5, 1), Decimal::new(75, 2)] {
                let mut eq = group_equity;
                let mut mm_after = Decimal::ZERO;
                for &i in idx {
                    let Some(p) = self.accts[a].snap.positions.get(i) else { continue }; // ok: a < len
                    let mark = self.m.mark(p.inst, t);
                    let part = self.partial_size(p, q);
                    let px = self.m.exec_price(p.inst, part, mark, Decimal::ZERO, max_slip)?;
                    let slip = self.m.pnl_at(p.inst, part, mark, px)?; // ≤ 0
                    let fee = fee_rate.mul_c(self.m.notional(p.inst, part, mark)?, "liquidation fee")?;
                    eq = eq + slip - fee;
                    let rest = Pos { size: p.size - part, ..p.clone() };
                    mm_after += position_requirements(&self.m, &rest, t)?.0;
                }
                if eq >= mm_after && eq > Decimal::ZERO {
                    fraction = q;
                    break;
                }
            }
        }
        let c0 = if cross {
            collateral_value(&self.m, &self.accts[a].snap.collateral, t)? // ok: a < len
        } else {
            idx.first().and_then(|&i| self.accts[a].snap.positions.get(i)).and_then(|p| p.isolated).unwrap_or_default() // ok: a < len
        };
        self.set_status(a, Status::Liquidating);
        let mut realized_total = Decimal::ZERO;
        let mut iso_total = Decimal::ZERO;
        let mut fee_base = Decimal::ZERO;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        let mut sorted = Group::from_slice(idx);
        sorted.sort_unstable_by(|x, y| y.cmp(x));
        for i in sorted {
            let Some(p) = self.accts[a].snap.positions.get(i).cloned() else { continue }; // ok: a < len
            let mark = self.m.mark(p.inst, t);
            let qty = self.partial_size(&p, fraction).abs();
            let signed = if p.size < Decimal::ZERO { -qty } else { qty };
            let px = self.m.exec_price(p.inst, signed, mark, Decimal::ZERO, max_slip)?;
            let (r, iso) = self.close_part(a, i, qty, px, t)?;
            realized_total += r;
            iso_total += iso;
            let n = self.m.notional(p.inst, signed, mark)?;
            fee_base += n;
            notionals.push(n);
            info.push(Bankrupt { inst: p.inst, size: signed, per_unit: Decimal::ZERO });
            let partial = fraction < Decimal::ONE;
            let msg = Msg::Liquidated { name: self.who(a), size: signed, inst: self.inst_id(p.inst).into(), partial, price: px, mark };
            let kind = if partial { EventKind::PartialLiquidation } else { EventKind::Liquidation };
            self.event(t, Some(a), kind, msg, Some(r), None);
        }
        // Group result before the penalty.
        let mut group = if cross {
            self.cash_add(a, realized_total)?;
            if self.accts[a].snap.positions.iter().all(|p| p.isolated.is_some()) {
                // ok: a < len
                self.sell_collateral(a, t)?;
            }
            let rest: Vec<Pos> = self.accts[a].snap.positions.iter().filter(|p| p.isolated.is_none()).cloned().collect(); // ok: a < len
            valuate(&self.m, &self.accts[a].snap.collateral, &rest, t)?.cross_equity // ok: a < len
        } else {
            let g = iso_total + realized_total;
            self.cash_add(a, g)?;
            g
        };
        let fee = to_money(fee_rate.mul_c(fee_base, "liquidation fee")?).min(group.max(Decimal::ZERO));
        if fee > Decimal::ZERO {
            self.cash_add(a, -fee)?;
            self.insurance = self.insurance.add_c(fee, "insurance fund")?;
            self.layers_dirty = true;
            group -= fee;
            let n = self.acct_name(a);
            self.post(t, self.vn(names::INSURANCE), n, fee, "liquidation penalty".into());
            let msg = Msg::Penalty { fee, name: self.who(a) };
            self.event(t, Some(a), EventKind::LiquidationFee, msg, Some(fee), None);
        }
        let positions_left = !self.accts[a].snap.positions.is_empty(); // ok: a < len
        if group < Decimal::ZERO && fraction == Decimal::ONE {
            let d = -group;
            self.accts[a].defaulter = !positions_left; // ok: a < len
            self.defaults += 1;
            self.set_status(a, if positions_left { Status::Liquidating } else { Status::Bankrupt });
            let msg = Msg::BeyondBankruptcy { name: self.who(a), deficit: d, margin: c0.max(Decimal::ZERO) };
            self.event(t, Some(a), EventKind::Bankruptcy, msg, Some(d), None);
            spread_bad_debt(&mut info, &notionals, d)?;
            self.allocate(a, t, c0.max(Decimal::ZERO), d, &info)?;
        } else if fraction < Decimal::ONE {
            self.set_status(a, Status::Liquidating);
        } else if !positions_left {
            self.set_status(a, Status::Liquidated);
        } else {
            self.set_status(a, Status::Healthy);
        }
        Ok(())
    }

    /// A default's loss enters the waterfall: the defaulter's margin first, then the layers.
    fn allocate(&mut self, def: usize, t: u32, margin_used: Decimal, d: Decimal, info: &[Bankrupt]) -> EngineResult<()> {
        self.deficit = self.deficit.add_c(margin_used, "deficit")?.add_c(d, "deficit")?;
        self.bad_debt = self.bad_debt.add_c(d, "bad debt")?;
        let margin_layer = self.layers.iter().position(|l| matches!(l.kind, LayerKind::DefMargin));
        let start = self.draw_start(margin_layer, def, t, margin_used + d)?;
        if margin_used > Decimal::ZERO {
            if let Some(l) = margin_layer {
                self.layers[l].drawn += margin_used; // ok: l found by position()
                self.layers_dirty = true;
                self.accts[def].snap.loss += margin_used; // ok: def < len
                self.touch(def);
                let msg = Msg::OwnMargin { name: self.who(def), amount: margin_used };
                self.event(t, Some(def), EventKind::LayerDrawn, msg, Some(margin_used), Some(l));
            }
        }
        if d.is_zero() && margin_used > Decimal::ZERO {
            let msg = Msg::CoveredByOwnMargin { name: self.who(def) };
            self.event(t, Some(def), EventKind::Default, msg, Some(margin_used), None);
        }
        if margin_layer.is_some() && (margin_used > Decimal::ZERO || d > Decimal::ZERO) {
            // The first draw of the spill: the defaulter's own margin (domain.md §6).
            self.record_draw(t, margin_layer, def, start, margin_used, d)?;
        }
        if d.is_zero() {
            return Ok(());
        }
        self.run_layers(def, t, 0, d, info)
    }

    fn credit_def(&mut self, def: usize, t: u32, from: impl Into<Party>, amount: Decimal, memo: EntryMemo) -> EngineResult<()> {
        if amount.is_zero() {
            return Ok(());
        }
        self.cash_add(def, amount)?;
        let n = self.acct_name(def);
        self.post(t, n, from, amount, memo);
        Ok(())
    }

    /// Account `i` pays `amount` toward `def`'s deficit from its own balance.
    fn charge(&mut self, i: usize, def: usize, t: u32, amount: Decimal, memo: &'static str) -> EngineResult<()> {
        if amount.is_zero() {
            return Ok(());
        }
        self.cash_add(i, -amount)?;
        self.accts[i].snap.loss += amount; // ok: i < len (caller)
        let from = self.acct_name(i);
        self.credit_def(def, t, from, amount, EntryMemo::Toward(memo, self.name(def)))
    }

    /// `survivors` among the contributors: the only ones the fund layers can weigh.
    fn contributing_survivors(&self, def: usize) -> impl Iterator<Item = usize> + '_ {
        self.contributors.iter().copied().filter(move |&i| i != def && !self.accts[i].defaulter && !self.accts[i].snap.status.is_out()) // ok: i < len
    }

    fn survivors(&self, def: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.accts.len()).filter(move |&i| i != def && !self.accts[i].defaulter && !self.accts[i].snap.status.is_out()) // ok: i < len
    }

    /// Walk the layers from `from`, each paying what it can of `left`.
    fn run_layers(&mut self, def: usize, t: u32, from: usize, mut left: Decimal, info: &[Bankrupt]) -> EngineResult<()> {
        let mut l = from;
        while l < self.layers.len() && left > Decimal::ZERO {
            let kind = self.layers[l].kind.clone(); // ok: l < len
            let mut pay = Decimal::ZERO;
            let start = self.draw_start(Some(l), def, t, left)?;
            match kind {
                LayerKind::DefMargin => {}
                LayerKind::DefFund => {
                    pay = left.min(self.accts[def].snap.contribution); // ok: def < len
                    self.accts[def].snap.contribution -= pay; // ok: def < len
                    self.accts[def].snap.loss += pay; // ok: def < len
                    self.credit_def(def, t, self.vn(names::DEFAULT_FUND), pay, "defaulter's own fund contribution".into())?;
                }
                LayerKind::Sig => {
                    pay = left.min(self.layers[l].sig_left); // ok: l < len
                    self.layers[l].sig_left -= pay; // ok: l < len
                    self.credit_def(def, t, self.vn(names::CCP_CAPITAL), pay, "skin in the game".into())?;
                }
                LayerKind::Insurance => {
                    pay = left.min(self.insurance.max(Decimal::ZERO));
                    self.insurance -= pay;
                    self.credit_def(def, t, self.vn(names::INSURANCE), pay, "insurance fund".into())?;
                }
                LayerKind::Survivors => {
                    let w: Vec<(usize, Decimal)> = self.contributing_survivors(def).map(|i| (i, self.accts[i].snap.contribution)).filter(|x| x.1 > Decimal::ZERO).collect(); // ok: i < len
                    let total = sum_c(w.iter().map(|x| x.1), "survivors' fund")?;
                    let take = left.min(total);
                    let (shares, dust) = pro_rata(take, &w)?;
                    self.split(t, l, SplitRule::SurvivorsFund, Some(def), take, total, None, &w, &shares);
                    for (i, sh) in shares {
                        self.accts[i].snap.contribution -= sh; // ok: from survivors()
                        self.accts[i].snap.loss += sh; // ok: from survivors()
                        self.touch(i);
                        let memo = format!("{}'s default-fund contribution", self.name(i));
                        self.credit_def(def, t, self.vn(names::DEFAULT_FUND), sh, memo.into())?;
                        pay += sh;
                    }
                    if take > Decimal::ZERO && dust > Decimal::ZERO {
                        self.credit_def(def, t, self.vn(names::ROUNDING), dust, "rounding of pro-rata shares".into())?;
                        pay += dust;
                    }
                }
                LayerKind::Assessment { cap, max_calls } => {
                    if self.layers[l].calls_used < max_calls {
                        // ok: l < len
                        self.layers[l].calls_used += 1; // ok: l < len
                        // What each survivor can still be called for: cap × contribution − assessed.
                        let w: Vec<(usize, Decimal)> = self
                            .contributing_survivors(def)
                            .filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO)
                            .map(|i| {
                                let cap_i = to_money(cap.mul_c(self.side.contribution0.get(i), "assessment cap (cap_multiple × contribution)")?);
                                Ok((i, cap_i.sub_c(self.side.assessed.get(i), "assessment cap")?.max(Decimal::ZERO)))
                            })
                            .collect::<EngineResult<_>>()?;
                        let total = sum_c(w.iter().map(|x| x.1), "assessment capacity")?;
                        let call = left.min(total);
                        let (shares, dust) = pro_rata(call, &w)?;
                        self.split(t, l, SplitRule::Assessment, Some(def), call, total, Some(cap), &w, &shares);
                        let mut all_paid = true;
                        for (i, sh) in shares {
                            let can = sh.min(self.accts[i].reserves); // ok: from survivors()
                            self.accts[i].reserves -= can; // ok
                            let n = self.accts.len();
                            let assessed = self.side.assessed.get(i).add_c(can, "assessments paid")?;
                            self.side.assessed.set(i, assessed, n);
                            self.accts[i].snap.loss += can; // ok
                            self.touch(i);
                            let memo = format!("assessment paid by {}", self.name(i));
                            let from = names::reserves(&self.infos[i].id); // ok: i < len
                            self.credit_def(def, t, Name::from(from), can, memo.into())?;
                            pay += can;
                            let msg = Msg::Assessment { name: self.who(i), called: sh, paid: can };
                            self.event(t, Some(i), EventKind::Assessment, msg, Some(can), Some(l));
                            if can < sh {
                                all_paid = false;
                                self.cascades += 1;
                                self.queue.push_back((i, true));
                                let msg = Msg::AssessmentShort { name: self.who(i), short: sh - can };
                                self.event(t, Some(i), EventKind::Cascade, msg, Some(sh - can), Some(l));
                            }
                        }
                        if all_paid && call > Decimal::ZERO && dust > Decimal::ZERO {
                            self.credit_def(def, t, self.vn(names::ROUNDING), dust, "rounding of pro-rata shares".into())?;
                            pay += dust;
                        }
                    }
                }
                LayerKind::Vmgh { .. } if self.vm => {
                    // Split once for the step with every other loss that reaches the layer.
                    self.queue_claim(def, t, l, left, info);
                    return Ok(());
                }
                LayerKind::Vmgh { .. } => {}
                LayerKind::Socialized => {
                    self.queue_claim(def, t, l, left, info);
                    return Ok(());
                }
                LayerKind::Adl => {
                    pay = self.adl(def, t, l, left, info)?;
                }
                LayerKind::LpVault(v) => {
                    if v != def && !self.accts[v].defaulter {
                        // ok: v resolved at setup
                        let a = &self.accts[v]; // ok
                        let eq = valuate(&self.m, &a.snap.collateral, &a.snap.positions, t)?.equity;
                        pay = left.min(eq.max(Decimal::ZERO));
                        if pay > Decimal::ZERO {
                            self.charge(v, def, t, pay, "backstop vault")?;
                            self.set_status(v, Status::HaircutApplied);
                            let msg = Msg::Vault { name: self.who(v), pay };
                            self.event(t, Some(v), EventKind::Haircut, msg, Some(pay), Some(l));
                        }
                    }
                }
                LayerKind::TearUp => {
                    pay = self.tear_up(def, t, left, info)?;
                }
            }
            if pay > Decimal::ZERO {
                self.layers[l].drawn += pay; // ok: l < len
                self.layers_dirty = true;
                if !matches!(kind, LayerKind::Socialized) {
                    let msg = Msg::LayerPaid { label: self.layers[l].label.clone().into(), pay, name: self.who(def) }; // ok: l < len
                    self.event(t, Some(def), EventKind::LayerDrawn, msg, Some(pay), Some(l));
                }
            }
            left -= pay;
            if left > Decimal::ZERO && !matches!(kind, LayerKind::DefMargin) && !self.layers[l].exhausted {
                // ok: l < len
                self.layers[l].exhausted = true; // ok: l < len
                self.layers_dirty = true;
                let label = self.layers[l].label.clone().into(); // ok: l < len
                // A layer that never held anything (no fund contribution, a skin in the game of
                // 0, an empty fund) is passed, not "exhausted" (issue 15).
                let msg = if self.layers[l].drawn.is_zero() { Msg::LayerEmpty { label, left } } else { Msg::LayerExhausted { label, left } }; // ok: l < len
                self.event(t, None, EventKind::LayerExhausted, msg, Some(left), Some(l));
            }
            if !matches!(kind, LayerKind::DefMargin) {
                self.record_draw(t, Some(l), def, start, pay, left)?;
            }
            l += 1;
        }
        if left > Decimal::ZERO {
            let start = self.draw_start(None, def, t, left)?;
            self.unallocated += left;
            self.credit_def(def, t, self.vn(names::UNALLOCATED), left, "write-down: loss no layer covered".into())?;
            let msg = Msg::Unallocated { left, name: self.who(def) };
            self.event(t, Some(def), EventKind::Unallocated, msg, Some(left), None);
            self.record_draw(t, None, def, start, left, Decimal::ZERO)?;
        }
        Ok(())
    }

    /// Bring the profit cache to step `t`: the whole book at the step's first call, else the
    /// accounts changed since the last (`ProfitCache`). Accounts out of the run drop out.
    fn value_profits(&mut self, t: u32) -> EngineResult<()> {
        let n = self.accts.len();
        let mut stale = std::mem::take(&mut self.profits.stale);
        let all = self.profits.step != Some(t);
        if all {
            self.profits.step = Some(t);
            self.profits.profit = vec![Decimal::ZERO; n];
            self.profits.is_stale = vec![false; n];
            self.profits.positive.clear();
            stale.clear();
        } else {
            for &a in &stale {
                if let Some(x) = self.profits.is_stale.get_mut(a as usize) {
                    *x = false;
                }
            }
        }
        let value = |sim: &mut Self, i: usize| -> EngineResult<()> {
            let a = &sim.accts[i]; // ok: i < n (book indices)
            let profit = if a.defaulter || a.snap.status.is_out() {
                Decimal::ZERO
            } else {
                valuate(&sim.m, &a.snap.collateral, &a.snap.positions, t)?.equity - sim.side.start_equity.get(i)
            };
            if let Some(x) = sim.profits.profit.get_mut(i) {
                *x = profit;
            }
            if profit > Decimal::ZERO {
                sim.profits.positive.insert(i);
            } else {
                sim.profits.positive.remove(&i);
            }
            Ok(())
        };
        if all {
            for i in 0..n {
                value(self, i)?;
            }
        } else {
            for &a in &stale {
                value(self, a as usize)?;
            }
        }
        stale.clear();
        self.profits.stale = stale;
        Ok(())
    }

    /// `def`'s remaining loss joins this step's split at layer `l` (socialized loss or VMGH).
    fn queue_claim(&mut self, def: usize, t: u32, l: usize, left: Decimal, info: &[Bankrupt]) {
        let label = self.layers.get(l).map(|x| x.label.clone()).unwrap_or_else(|| Name::from("?"));
        let msg = Msg::LossQueued { name: self.who(def), amount: left, label: label.into() };
        self.event(t, Some(def), EventKind::Haircut, msg, Some(left), Some(l));
        self.claims.push(Pending { layer: l, def, left, until: t, info: info.to_vec() });
    }

    /// End of the step's default handling: each socialized-loss or VMGH layer that losses reached
    /// splits the step's total once over its payers (per settlement cycle, as venues do: OKX's 2018
    /// clawback socialized per weekly settlement; LCH SwapClear and ICE Clear Credit haircut VM
    /// gains per VM cycle). What a split leaves goes on down the waterfall, which can default
    /// members in turn (assessments) and bring new losses to a split: repeated until none waits.
    fn settle_claims(&mut self, t: u32) -> EngineResult<()> {
        loop {
            self.drain_queue(t)?;
            let Some(l) = self.claims.iter().map(|c| c.layer).min() else { return Ok(()) };
            let (now, later): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.claims).into_iter().partition(|c| c.layer == l);
            self.claims = later;
            self.split_claims(t, l, now, false)?;
        }
    }

    /// One pro-rata split at layer `l` of the claims' total over the layer's payers: for a
    /// socialized loss the surviving accounts in profit (base: profit since step 0), for VMGH this
    /// step's VM gainers (base: their gain; haircut h = min(1, total / gains)). Shares are rounded
    /// down to 8 places, the dust comes from the rounding account; the payers' shares pass through
    /// `venue:loss_sharing` to the defaulters (payers + defaulters entries, not their product).
    /// The take meets the claims in the order they came (the earliest default first). `carried`:
    /// the claims are VMGH windows left open by earlier steps (`collect_pending`).
    fn split_claims(&mut self, t: u32, l: usize, mut claims: Vec<Pending>, carried: bool) -> EngineResult<()> {
        let Some(kind) = self.layers.get(l).map(|x| x.kind.clone()) else { return Ok(()) };
        let socialized = matches!(kind, LayerKind::Socialized);
        // A loss being shared is not a payer, whatever its status (an exchange liquidation's).
        let sharing: std::collections::BTreeSet<usize> = claims.iter().map(|c| c.def).collect();
        let alive = |sim: &Self, i: usize| !sharing.contains(&i) && sim.accts.get(i).is_some_and(|a| !a.defaulter && !a.snap.status.is_out());
        let w: Vec<(usize, Decimal)> = if socialized {
            self.value_profits(t)?;
            let profits = &self.profits;
            profits.positive.iter().copied().filter(|&i| alive(self, i)).map(|i| (i, profits.profit.get(i).copied().unwrap_or_default())).collect()
        } else {
            self.side.vm_gainers.iter().map(|&i| i as usize).filter(|&i| alive(self, i)).map(|i| (i, self.side.vm_gain.get(i))).filter(|x| x.1 > Decimal::ZERO).collect()
        };
        // The spill's draws (issue 15): each claim's draw is told from before the split, so the
        // split's sentence belongs to every claim it paid.
        let starts = claims.iter().map(|c| self.draw_start(Some(l), c.def, t, c.left)).collect::<EngineResult<Vec<_>>>()?;
        let losses = sum_c(claims.iter().map(|c| c.left), "the step's loss to share")?;
        let base = sum_c(w.iter().map(|x| x.1), if socialized { "profits" } else { "variation-margin gains" })?;
        let take = losses.min(base);
        let pool = self.vn(names::LOSS_SHARING);
        if take > Decimal::ZERO {
            // Bounded work (issue 14): a hostile book could split every step over the whole book.
            self.share_budget = self.share_budget.checked_sub(w.len() as u64).ok_or_else(|| EngineError::Invalid {
                errors: vec![format!(
                    "waterfall[{l}]: at step {t} the {} would write more than {} pro-rata shares in all; the cap is {} (docs/scenario.md, Limits)",
                    if socialized { "socialized loss" } else { "VM-gains haircut" },
                    crate::scenario::limits::MAX_BOOK_SPLIT_SHARES,
                    crate::scenario::limits::MAX_BOOK_SPLIT_SHARES
                )],
            })?;
            let rate = take.div_c(base, if socialized { "clawback rate" } else { "haircut rate" })?;
            let (shares, dust) = pro_rata(take, &w)?;
            self.split(t, l, if socialized { SplitRule::SocializedLoss } else { SplitRule::VmHaircut }, None, take, base, None, &w, &shares);
            let memo = if socialized { "clawback: the step's socialized loss" } else { "the step's variation-margin gains haircut" };
            for (i, sh) in shares {
                if !socialized {
                    let n = self.accts.len();
                    self.side.vm_gain.set(i, self.side.vm_gain.get(i) - sh, n);
                }
                self.cash_add(i, -sh)?;
                self.accts[i].snap.loss += sh; // ok: i from the book
                let from = self.acct_name(i);
                self.post(t, pool.clone(), from, sh, EntryMemo::Static(memo));
                self.set_status(i, Status::HaircutApplied);
            }
            self.post(t, pool.clone(), self.vn(names::ROUNDING), dust, "rounding of pro-rata shares".into());
            let msg = if socialized { Msg::Socialized { count: w.len(), rate, take } } else { Msg::VmHaircut { pay: take, rate, count: w.len() } };
            self.event(t, None, EventKind::Haircut, msg, Some(take), Some(l));
            if let Some(layer) = self.layers.get_mut(l) {
                layer.drawn += take;
                self.layers_dirty = true;
            }
        }
        // The take meets the claims in order; each covered part leaves the pool for its defaulter.
        let mut rest = take;
        let mut covers = Vec::with_capacity(claims.len());
        for c in claims.iter_mut() {
            let cover = c.left.min(rest);
            covers.push(cover);
            rest -= cover;
            c.left -= cover;
            if cover.is_zero() {
                continue;
            }
            self.credit_def(c.def, t, pool.clone(), cover, EntryMemo::Static(if socialized { "socialized loss" } else { "variation-margin gains haircut" }))?;
            if !socialized && !carried {
                let msg = Msg::LayerPaid { label: self.layers[l].label.clone().into(), pay: cover, name: self.who(c.def) }; // ok: l < len
                self.event(t, Some(c.def), EventKind::LayerDrawn, msg, Some(cover), Some(l));
            }
        }
        let max_steps = match kind {
            LayerKind::Vmgh { max_steps } => max_steps,
            _ => 1,
        };
        let mut going_on = Vec::new();
        let mut drawn = Vec::with_capacity(claims.len());
        for ((c, start), cover) in claims.into_iter().zip(starts).zip(covers) {
            // What goes on now (a window that stays open holds the rest: nothing passes yet).
            let goes_on = c.left > Decimal::ZERO && if carried { t >= c.until || t == self.s.steps } else { !(max_steps > 1 && t < self.s.steps) };
            drawn.push((c.def, start, cover, if goes_on { c.left } else { Decimal::ZERO }));
            if c.left.is_zero() {
                continue;
            }
            if carried {
                if t >= c.until || t == self.s.steps {
                    if let Some(layer) = self.layers.get_mut(l) {
                        layer.exhausted = true;
                    }
                    going_on.push(c);
                } else {
                    self.pending.push(c);
                }
            } else if max_steps > 1 && t < self.s.steps {
                // The window closes after max_steps − 1 more steps, or at the last step
                // (collect_pending closes every window there): so `until` is clamped to
                // the run's steps, exactly, instead of overflowing u32 for a huge max_steps.
                let until = t.saturating_add(max_steps - 1).min(self.s.steps); // ok: max_steps > 1
                let msg = Msg::VmghWaits { left: c.left, steps: max_steps - 1 };
                self.event(t, Some(c.def), EventKind::Haircut, msg, Some(c.left), Some(l));
                self.pending.push(Pending { until, ..c });
            } else {
                going_on.push(c);
            }
        }
        if !carried && !going_on.is_empty() && !self.layers[l].exhausted {
            // ok: l < len
            let left = sum_c(going_on.iter().map(|c| c.left), "the step's loss to share")?;
            self.layers[l].exhausted = true; // ok: l < len
            self.layers_dirty = true;
            let msg = Msg::LayerExhausted { label: self.layers[l].label.clone().into(), left }; // ok: l < len
            self.event(t, None, EventKind::LayerExhausted, msg, Some(left), Some(l));
        }
        for (def, start, cover, passed_on) in drawn {
            if !cover.is_zero() || !passed_on.is_zero() {
                self.record_draw(t, Some(l), def, start, cover, passed_on)?;
            }
        }
        for c in going_on {
            self.run_layers(c.def, t, l + 1, c.left, &c.info)?;
        }
        Ok(())
    }

    /// Pending VMGH windows collect from this step's gains, one split per layer; when a window
    /// closes, the rest of the loss goes on down the waterfall.
    fn collect_pending(&mut self, t: u32) -> EngineResult<()> {
        let mut pend = std::mem::take(&mut self.pending);
        while let Some(l) = pend.iter().map(|c| c.layer).min() {
            let (now, later): (Vec<Pending>, Vec<Pending>) = pend.into_iter().partition(|c| c.layer == l);
            pend = later;
            self.split_claims(t, l, now, true)?;
        }
        Ok(())
    }

    /// ADL: close opposite positions, best-ranked first, at the bankruptcy price; each pays the
    /// bad debt per contract for what it takes. Never more than the bankrupt size.
    fn adl(&mut self, def: usize, t: u32, l: usize, mut left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut paid = Decimal::ZERO;
        for b in info {
            if left.is_zero() || b.per_unit <= Decimal::ZERO {
                continue;
            }
            // Quantity on the lot grid, rounded up, never more than the bankrupt size.
            let lot = self.m.meta(b.inst).map(|x| x.lot_size).unwrap_or_default();
            let raw = left.div_c(b.per_unit, "ADL quantity")?;
            let raw = if lot > Decimal::ZERO { (raw.div_c(lot, "ADL quantity")?).ceil().mul_c(lot, "ADL quantity")? } else { raw };
            let needed = b.size.abs().min(raw);
            let mark = self.m.mark(b.inst, t);
            let opposite_long = b.size.is_sign_negative();
            let qi = self.adl_queue(def, t, b.inst, opposite_long)?;
            let Some(entry) = self.adl_cache.get_mut(qi) else { continue };
            let queue = std::mem::take(&mut entry.ranked);
            let mut head = entry.head;
            // Current quantities of the ranked accounts (earlier hits this step reduced some), in
            // the run's reused buffer.
            let mut cands = std::mem::take(&mut self.adl_cands);
            cands.clear();
            let mut have = Decimal::ZERO;
            let mut spent_prefix = true;
            for (rank, &(i, ..)) in queue.iter().enumerate().skip(head) {
                let Some(a) = self.accts.get(i) else { continue };
                let pos = a.snap.positions.iter().find(|p| p.inst == b.inst);
                let spent = a.defaulter || pos.map_or(true, |p| p.size.is_sign_negative() == opposite_long || p.size.is_zero());
                if spent && spent_prefix {
                    head = rank + 1;
                }
                spent_prefix &= spent;
                if i == def || a.defaulter || a.snap.status.is_out() {
                    continue;
                }
                let Some(p) = pos else { continue };
                if p.size.is_sign_negative() == opposite_long || p.size.is_zero() {
                    continue;
                }
                // Score = position in the step's ranking (highest first).
                cands.push((i, p.size.abs(), Decimal::from(queue.len() - rank)));
                have += p.size.abs();
                if have >= needed {
                    break;
                }
            }
            if let Some(entry) = self.adl_cache.get_mut(qi) {
                entry.ranked = queue;
                entry.head = head;
            }
            adl_take(&mut cands, needed);
            let mut still = needed;
            for (rank, &(i, q, place)) in cands.iter().enumerate() {
                // The hit that completes the needed quantity pays exactly what is left, so the
                // division above leaves no dust.
                still -= q;
                let charge = if still <= Decimal::ZERO {
                    left
                } else {
                    q.mul_c(b.per_unit, "ADL charge")?.round_dp_with_strategy(super::waterfall::SHARE_DP, rust_decimal::RoundingStrategy::ToZero).min(left)
                };
                let Some(pidx) = self.accts[i].snap.positions.iter().position(|p| p.inst == b.inst) else { continue }; // ok: i < len
                let (r, iso) = self.close_part(i, pidx, q, mark, t)?;
                self.cash_add(i, r + iso)?;
                self.charge(i, def, t, charge, "auto-deleveraged at the bankruptcy price")?;
                self.set_status(i, Status::Deleveraged);
                let adl = self.adl_figures(qi, place, mark, b.per_unit);
                let msg = Msg::Deleveraged { rank: rank + 1, name: self.who(i), size: q, inst: self.inst_id(b.inst).into(), charge, adl, toward: self.who(def) };
                self.event(t, Some(i), EventKind::Deleveraged, msg, Some(charge), Some(l));
                left -= charge;
                paid += charge;
            }
            self.adl_cands = cands;
        }
        Ok(paid)
    }

    /// Record a pro-rata split for `explain` (issue 15: "why me?").
    #[allow(clippy::too_many_arguments)]
    fn split(&mut self, t: u32, l: impl Into<Option<usize>>, rule: SplitRule, def: Option<usize>, take: Decimal, total: Decimal, multiple: Option<Decimal>, w: &[(usize, Decimal)], shares: &[(usize, Decimal)]) {
        if self.full {
            self.splits.record(t, l.into(), rule, def, take, total, multiple, w, shares);
        }
    }

    /// What ranked a hit (`place`: the surrogate score `ranked.len() − index` of `adl`'s loop).
    fn adl_figures(&self, qi: usize, place: Decimal, mark: Decimal, per_unit: Decimal) -> crate::engine::timeline::AdlFigures {
        let q = self.adl_cache.get(qi).map(|c| &c.ranked[..]).unwrap_or(&[]);
        let k = usize::try_from(place.mantissa()).ok().and_then(|p| q.len().checked_sub(p)).unwrap_or(usize::MAX);
        let (score, [pnl_pct, leverage]) = q.get(k).map(|x| (x.1, x.2)).unwrap_or_default();
        crate::engine::timeline::AdlFigures { place: k.saturating_add(1), ranked: q.len(), score, pnl_pct, leverage, mark, per_unit }
    }

    /// The step's ADL ranking of accounts holding `inst` on the given side, best first: its index
    /// in `adl_cache`.
    fn adl_queue(&mut self, def: usize, t: u32, inst: usize, long: bool) -> EngineResult<usize> {
        if let Some(k) = self.adl_cache.iter().position(|c| c.key == (inst, long) && c.step == t) {
            return Ok(k);
        }
        let mark = self.m.mark(inst, t);
        let mut ranked = Vec::new();
        for i in 0..self.accts.len() {
            let a = &self.accts[i]; // ok: i < len
            if i == def || a.defaulter || a.snap.status.is_out() {
                continue;
            }
            let Some(p) = a.snap.positions.iter().find(|p| p.inst == inst) else { continue };
            if p.size.is_zero() || p.size.is_sign_negative() == long {
                continue;
            }
            // PnL% = (mark value − entry value) / |entry value|; leverage = |mark value| / equity.
            let pnl = self.m.pnl_at(p.inst, p.size, p.entry, mark)?;
            let entry_value = self.m.notional(p.inst, p.size, p.entry)?;
            let pct = if entry_value.is_zero() { Decimal::ZERO } else { pnl.div_c(entry_value, "ADL pnl%")? };
            let eq = valuate(&self.m, &a.snap.collateral, &a.snap.positions, t)?.equity;
            let lev = if eq > Decimal::ZERO { self.m.notional(p.inst, p.size, mark)?.div_c(eq, "ADL leverage")? } else { Decimal::ZERO };
            ranked.push((i, adl_score(pct, lev)?, [pct, lev]));
        }
        // (score, account) is unique per account: the unstable sort (no buffer) gives the one order.
        ranked.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        self.adl_cache.retain(|c| c.key != (inst, long));
        self.adl_cache.push(AdlQueue { key: (inst, long), step: t, ranked, head: 0 });
        Ok(self.adl_cache.len() - 1)
    }

    /// Tear-up: positions opposite the defaulter's are terminated at mark; their open gains are
    /// forfeited pro rata up to the loss.
    fn tear_up(&mut self, def: usize, t: u32, left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut gains: Vec<(usize, Decimal)> = Vec::new();
        for b in info {
            let mark = self.m.mark(b.inst, t);
            for i in self.survivors(def).collect::<Vec<_>>() {
                let Some(pidx) = self.accts[i].snap.positions.iter().position(|p| p.inst == b.inst) else { continue }; // ok: i < len
                let p = self.accts[i].snap.positions[pidx].clone(); // ok: found above
                if p.size.is_sign_negative() == b.size.is_sign_negative() {
                    continue;
                }
                let gain = position_value(&self.m, &p, t)?;
                let (r, iso) = self.close_part(i, pidx, p.size.abs(), mark, t)?;
                self.cash_add(i, r + iso)?;
                self.set_status(i, Status::TornUp);
                if gain > Decimal::ZERO {
                    match gains.iter_mut().find(|g| g.0 == i) {
                        Some(g) => g.1 += gain,
                        None => gains.push((i, gain)),
                    }
                }
            }
        }
        let total: Decimal = gains.iter().map(|g| g.1).sum();
        let take = left.min(total);
        if take.is_zero() {
            return Ok(Decimal::ZERO);
        }
        let (shares, dust) = pro_rata(take, &gains)?;
        self.split(t, self.layers.iter().position(|x| matches!(x.kind, LayerKind::TearUp)), SplitRule::TearUp, Some(def), take, total, None, &gains, &shares);
        let mut pay = Decimal::ZERO;
        for (i, sh) in shares {
            self.charge(i, def, t, sh, "gains forfeited in tear-up")?;
            pay += sh;
        }
        if dust > Decimal::ZERO {
            self.credit_def(def, t, self.vn(names::ROUNDING), dust, "rounding of pro-rata shares".into())?;
            pay += dust;
        }
        let msg = Msg::TearUp { count: gains.len(), pay };
        self.event(t, None, EventKind::TearUp, msg, Some(pay), None);
        Ok(pay)
    }

    fn record(&mut self, t: u32) -> EngineResult<()> {
        // Only the accounts that changed (all of them at step 0, in index order).
        let mut changed = std::mem::take(&mut self.changed);
        for &a in &changed {
            let Some(acct) = self.accts.get_mut(a as usize) else { continue };
            acct.dirty = false;
            if !self.full {
                continue;
            }
            if t == 0 {
                self.logs.push_first(&acct.snap);
            } else {
                self.logs.push_change(a, t, &acct.snap);
            }
        }
        changed.clear();
        self.changed = changed;
        self.insurance_series.push(self.insurance);
        if self.unalloc_log.last().map(|x| x.1) != Some(self.unallocated) {
            self.unalloc_log.push((t, self.unallocated));
        }
        if self.layers_dirty {
            self.layers_dirty = false;
            for l in 0..self.layers.len() {
                let st = self.layer_bar(l);
                if let Some(log) = self.layer_logs.get_mut(l) {
                    if log.last().map(|x| &x.1) != Some(&st) {
                        log.push((t, st));
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> EngineResult<Timeline> {
        // Events are pushed in step order; the stable sort (and its buffer) only if they are not.
        {
            self.events.sort_by_step(); // stable: keeps causal order within a step
            self.draws.sort_by_step();
        }
        let by_layer: Vec<Decimal> = self.layers.iter().map(|l| l.drawn).collect();
        let allocated = by_layer.iter().try_fold(Decimal::ZERO, |a, x| a.add_c(*x, "allocated"))?;
        let mut by_party: Vec<(String, Decimal)> = Vec::new();
        for l in &self.layers {
            if l.drawn.is_zero() {
                continue;
            }
            match by_party.iter_mut().find(|p| p.0 == l.party) {
                Some(p) => p.1 += l.drawn,
                None => by_party.push((l.party.to_string(), l.drawn)),
            }
        }
        if self.unallocated > Decimal::ZERO {
            by_party.push(("Unallocated".into(), self.unallocated));
        }
        let losses: Vec<Decimal> = self.accts.iter().filter(|a| !a.defaulter).map(|a| a.snap.loss).collect();
        let mut largest = Decimal::ZERO;
        let mut largest_acct = None;
        for (i, a) in self.accts.iter().enumerate() {
            if !a.defaulter && a.snap.loss > largest {
                largest = a.snap.loss;
                largest_acct = Some(i);
            }
        }
        let summary = LossSummary {
            deficit: self.deficit,
            bad_debt: self.bad_debt,
            allocated,
            unallocated: self.unallocated,
            by_layer,
            by_party,
            accounts_touched: losses.iter().filter(|x| **x > Decimal::ZERO).count(),
            largest_hit: largest,
            largest_hit_account: largest_acct,
            gini: gini(&losses),
            defaults: self.defaults,
            cascade_defaults: self.cascades,
        };
        Ok(Timeline {
            steps: self.s.steps,
            instruments: self.s.instruments.iter().map(|i| i.id.clone()).collect(),
            marks: self.m.marks.clone(),
            accounts: self.infos,
            layers: self.layer_infos,
            insurance_fund: self.insurance_series,
            events: {
                let mut e = self.events;
                e.seal();
                e
            },
            ledger: {
                let mut l = self.ledger;
                l.seal();
                l
            },
            summary,
            market: self.m,
            account_logs: {
                let mut l = self.logs;
                l.seal();
                l
            },
            layer_logs: self.layer_logs,
            unallocated_log: self.unalloc_log,
            draws: {
                let mut d = self.draws;
                d.seal();
                d
            },
            splits: {
                let mut x = self.splits;
                x.seal();
                x
            },
        })
    }
}


/// Spread a group's bad debt over its closed positions by notional: bad debt per contract.
fn spread_bad_debt(info: &mut [Bankrupt], notionals: &[Decimal], d: Decimal) -> EngineResult<()> {
    let total: Decimal = notionals.iter().copied().sum();
    if total.is_zero() || d.is_zero() {
        return Ok(());
    }
    for (b, n) in info.iter_mut().zip(notionals) {
        let share = mul_div(d, *n, total, "bad debt share")?;
        b.per_unit = share.div_c(b.size.abs(), "bad debt per contract")?;
    }
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;

    /// The indexed scan values a small fraction of what the per-account loop does on a quiet book.
    #[test]
    fn indexed_scan_values_few_accounts() {
        let json = r#"{"version":1,"seed":3,"steps":200,
            "instruments":[{"id":"P","tick_size":"0.5","lot_size":"0.001","counterparty":"mm","funding_rate":"0.0001",
              "margin":{"initial":"0.05","maintenance":"0.025"},
              "price":{"initial":"50000","gbm":{"drift":"0","volatility":"0.004"}}}],
            "accounts":[{"id":"mm","role":"market_maker","cash":"100000000000"}],
            "cohorts":[{"id":"l","count":300,"instrument":"P","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"},
                       {"id":"s","count":300,"instrument":"P","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let run = |mode| {
            let marks = price_path::generate(&s).expect("marks");
            let accounts = crate::scenario::book_accounts(&s).expect("accounts");
            let mut sim = Sim::new(&s, marks, accounts, &s.waterfall, mode, true).expect("sim");
            for t in 0..=s.steps {
                sim.step(t).expect("step");
            }
            sim.valued
        };
        let (fast, slow) = (run(ScanMode::Indexed), run(ScanMode::Reference));
        eprintln!("valued: indexed {fast}, reference {slow}");
        assert!(slow > 100_000, "reference valued {slow}");
        assert!(fast * 10 < slow, "indexed valued {fast} of the reference's {slow}");
    }

    /// The per-step splits stop with an error naming the cap once their shares would pass it.
    #[test]
    fn split_shares_are_capped() {
        let s = crate::scenario::bench::strategy_book(300, 120, crate::scenario::bench::Strategy::SocializedLoss).expect("book");
        let run = |budget: u64| -> EngineResult<u64> {
            let marks = price_path::generate(&s).map_err(|e| invalid(vec![e]))?;
            let accounts = crate::scenario::book_accounts(&s).expect("accounts");
            let mut sim = Sim::new(&s, marks, accounts, &s.waterfall, ScanMode::Indexed, true)?;
            sim.share_budget = budget;
            for t in 0..=s.steps {
                sim.step(t)?;
            }
            Ok(budget - sim.share_budget)
        };
        let used = run(u64::MAX).expect("runs");
        assert!(used > 0);
        assert_eq!(run(used).map(|_| ()), Ok(()));
        let err = run(used - 1).expect_err("over the cap").to_string();
        assert!(err.contains("socialized loss would write more than") && err.contains("Limits"), "{err}");
    }
}
