//! A run's opening: the book's accounts (listed, or drawn from cohorts), isolated margins split
//! by notional, the named counterparty balancing open interest, the money bound, the waterfall's
//! layers, the opening ledger (deposits, fund contributions, insurance fund, skin in the game).

use super::account::{valuate, Pos, Status};
use super::ledger::{names, JournalEntry, Name, Party};
use super::money::{mul_div, sum_c, Checked, EngineResult};
use super::scan::ScanMode;
use super::state::{Acct, LayerKind, LayerRt, Sim};
use super::timeline::*;
use super::account::{AccountSnap, Holdings, Positions};
use super::ledger::Ledger;
use super::market::Market;
use super::scan::Scan;
use super::simulate::invalid;
use super::spill::Draws;
use super::state::{ProfitCache, SideTables};
use super::waterfall::describe;
use crate::scenario::price_path::Paths;
use crate::scenario::{BookAccount, LayerSpec, MarginMode, Scenario, Settlement, VenueStyle};
use std::borrow::Borrow;
use std::collections::VecDeque;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// `expanded`: the book as validation expanded it (owned, or borrowed and reused by Monte
    /// Carlo); a generated account's state is built from its draw and its cohort's terms.
    pub(in crate::engine) fn new<E: Borrow<BookAccount>>(
        s: &'a Scenario,
        paths: Paths,
        expanded: impl IntoIterator<Item = E, IntoIter = impl ExactSizeIterator<Item = E>>,
        waterfall: &[LayerSpec],
        mode: ScanMode,
        full: bool,
    ) -> EngineResult<Self> {
        let expanded = expanded.into_iter();
        let mut sim = Sim::empty(s, paths, expanded.len(), mode, full)?;
        let mut opener = Opener::new(s, expanded.len());
        for b in expanded {
            sim.open_account(&mut opener, b.borrow())?;
        }
        sim.complete_opening(waterfall)?;
        Ok(sim)
    }

    /// The run's state before any account is opened (`n_accounts`: the book's size).
    fn empty(s: &'a Scenario, paths: Paths, n_accounts: usize, mode: ScanMode, full: bool) -> EngineResult<Self> {
        let mut m = Market::build(s, paths)?;
        if by_group(s) {
            m.account_pm = Vec::with_capacity(n_accounts);
        }
        let scan = Scan::new(s, &m, n_accounts, mode);
        let quote_name: Name = Name::from(s.venue.quote.as_str());
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
            names::WITHDRAWALS,
        ]
        .into_iter()
        .map(|x| (x, Name::from(x)))
        .collect();
        let inst_names: Vec<Name> = m.meta.iter().map(|x| Name::from(x.id.as_str())).collect();
        let sim = Sim {
            s,
            vm: s.venue.settlement == Settlement::VariationMargin,
            ccp: s.venue.style == VenueStyle::Ccp,
            accts: Vec::with_capacity(n_accounts),
            infos: Vec::with_capacity(n_accounts),
            changed: (0..n_accounts as u32).collect(),
            logs: AccountLogs::with_accounts(if full { n_accounts } else { 0 }),
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
            closed_out: VecDeque::new(),
            in_default: Vec::new(),
            fund_drawn_at: None,
            auction_winners: Vec::new(),
            inst_fund: Vec::new(),
            member_fund: Vec::new(),
            fund_left: None,
            fund_paid: Vec::new(),
            inst_insurance: if s.instruments.iter().any(|i| i.insurance_fund.is_some()) { s.instruments.iter().map(|i| i.insurance_fund).collect() } else { Vec::new() },
            pending: Vec::new(),
            claims: Vec::new(),
            share_budget: crate::scenario::limits::MAX_BOOK_SPLIT_SHARES,
            deficit: Decimal::ZERO,
            bad_debt: Decimal::ZERO,
            defaults: 0,
            cascades: 0,
            quote: quote_name,
            sign: super::money::current_sign(),
            asset_names,
            venue_names,
            inst_names,
            adl_cache: Vec::new(),
            adl_cands: Vec::new(),
            adl_totals: Default::default(),
            valued: 0,
            inflows: Vec::new(),
            inflow_next: 0,
            full,
            side: SideTables::default(),
            profits: ProfitCache::default(),
            checkpoint: None,
            closes: (0, Decimal::ZERO),
            backstop: None,
            withdrawals: Vec::new(),
            withdrawal_next: 0,
            part: Default::default(),
            reference_next: 0,
            m,
        };
        Ok(sim)
    }

    /// The opening once every account is open, first part: the ledger's and the events' account
    /// names, the backstop, withdrawals, default funds, the counterparty's side.
    fn settle_book(&mut self) -> EngineResult<()> {
        let (s, sim) = (self.s, self);
        if sim.full {
            sim.ledger.set_accounts(sim.infos.iter().map(|i| i.id.clone()).collect());
            sim.events.set_accounts(sim.infos.iter().map(|i| i.name.clone()).collect());
        }
        // Validation checked the name (an `lp_vault` account of the scenario).
        sim.backstop = s.venue.backstop_vault.as_ref().and_then(|v| sim.infos.iter().position(|x| *x.id == **v));
        if !s.withdrawals.is_empty() {
            // By id: a hostile file may list 10,000 withdrawals over 250,000 accounts.
            let ids: std::collections::HashMap<&str, usize> = sim.infos.iter().enumerate().map(|(i, x)| (&*x.id, i)).collect();
            sim.withdrawals = s.withdrawals.iter().filter_map(|w| ids.get(w.account.as_str()).map(|&a| (w.step, a, w.amount))).collect();
        }
        sim.withdrawals.sort_by_key(|w| w.0); // stable: keeps the scenario's order within a step
        sim.assign_funds();
        sim.balance_open_interest()
    }

    /// [`Sim::complete_opening`]'s first part, then the money bound, the layers, the opening
    /// ledger and the rest: what [`Opening`] does in slices, done whole.
    fn complete_opening(&mut self, waterfall: &[LayerSpec]) -> EngineResult<()> {
        self.settle_book()?;
        let mut headroom = super::headroom::Headroom::new(self.s, &self.m);
        self.measure_headroom(&mut headroom, 0..self.accts.len());
        self.check_headroom(headroom)?;
        self.build_layers(waterfall)?;
        self.open_ledger_accounts(0..self.accts.len())?;
        self.open_ledger_venue()?;
        self.pay_premiums()?;
        self.note_start_equity()
    }

    /// One account of the book, from its spec (a listed account) or from its cohort's terms and
    /// its draw (a generated one); an isolated account gets its margins split. In the book's
    /// order: [`Sim::new`] opens them all, [`Opening`] a slice at a time.
    fn open_account(&mut self, opener: &mut Opener, b: &BookAccount) -> EngineResult<()> {
        let s = self.s;
        let n_assets = self.m.asset_ids.len();
        let quote = s.venue.quote.as_str();
        let inst_index = |id: &str| s.instruments.iter().position(|x| x.id == id);
        let asset_index = |id: &str| if id == quote { Some(0) } else { s.assets.iter().position(|a| a.id == id).map(|i| i + 1) };
        let Opener { cohort_names, cohort_inst, id_buf, n_accts, by_group } = opener;
        let n_accts = *n_accts;
        if *by_group {
            let spec = match *b {
                BookAccount::Listed(k) => s.accounts.get(k).and_then(|a| a.margin_model.as_ref()),
                BookAccount::Generated { cohort, .. } => s.cohorts.get(cohort).and_then(|c| c.margin_model.as_ref()),
            };
            let k = match spec {
                None => self.m.venue_pm,
                some => self.m.model_index(some).unwrap_or(0),
            };
            self.m.account_pm.push(k);
        }
        {
            let (info, mode, coll, positions, fund_contribution, reserves) = match *b {
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
                            entry: p.entry_price.unwrap_or_else(|| self.m.mark(inst, 0)),
                            funding_entry: self.m.funding(inst, 0),
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
                    positions.push(Pos { inst, size: drawn.size, entry: self.m.mark(inst, 0), funding_entry: self.m.funding(inst, 0), isolated: None });
                    id_buf.clear();
                    crate::scenario::cohort::push_numbered(id_buf, &c.id, "-", drawn.n);
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
                self.contributors.push(self.accts.len());
            }
            // Ledger names only matter when the ledger is recorded.
            self.infos.push(info);
            let idx = self.accts.len();
            self.side.contribution0.set(idx, fund_contribution, n_accts);
            self.accts.push(Acct {
                snap: AccountSnap { collateral: coll, positions, status: Status::Healthy, loss: Decimal::ZERO, contribution: fund_contribution },
                reserves,
                call_step: None,
                defaulter: false,
                dirty: true,
            });
            if mode == MarginMode::Isolated {
                let idx = self.accts.len() - 1;
                self.split_isolated(idx)?;
            }
        }
        Ok(())
    }

    /// Open interest: the named counterparty takes the other side of any imbalance.
    fn balance_open_interest(&mut self) -> EngineResult<()> {
        let s = self.s;
        for (i, ins) in s.instruments.iter().enumerate() {
            let Some(cp_id) = &ins.counterparty else { continue };
            let Some(cp) = self.infos.iter().position(|x| *x.id == **cp_id) else { continue };
            let mut net = Decimal::ZERO;
            for a in &self.accts {
                for p in &a.snap.positions {
                    if p.inst == i {
                        net = net.add_c(p.size, "open interest")?;
                    }
                }
            }
            if net.is_zero() {
                continue;
            }
            let mark0 = self.m.mark(i, 0);
            let acct = &mut self.accts[cp]; // ok: cp found by position() above
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
                None => acct.snap.positions.push(Pos { inst: i, size: -net, entry: mark0, funding_entry: self.m.funding(i, 0), isolated: None }),
            }
        }
        Ok(())
    }

    /// Accounts `range`'s money, added to the book's (engine/headroom.rs), in the book's order.
    fn measure_headroom(&self, headroom: &mut super::headroom::Headroom, range: std::ops::Range<usize>) {
        for (i, a) in self.accts.iter().enumerate().skip(range.start).take(range.len()) {
            let entry = super::headroom::BookEntry {
                index: i,
                collateral: &a.snap.collateral,
                positions: &a.snap.positions,
                reserves: a.reserves,
                contribution: self.side.contribution0.get(i),
            };
            headroom.add(self.s, entry);
        }
    }

    /// The book's money within the bound that keeps every sum exact (engine/headroom.rs), once
    /// [`Sim::measure_headroom`] has measured every account.
    fn check_headroom(&self, headroom: super::headroom::Headroom) -> EngineResult<()> {
        let s = self.s;
        headroom.verdict(
            |i| match self.infos.get(i) {
                Some(AccountInfo { cohort: Some(c), .. }) => format!("cohorts[{}]", s.cohorts.iter().position(|x| *x.id == **c).unwrap_or(0)),
                Some(info) => format!("accounts[{}]", s.accounts.iter().position(|x| *x.id == *info.id).unwrap_or(i)),
                None => "accounts".into(),
            },
        )?;
        Ok(())
    }

    /// The waterfall's layers as they run ([`layer_list`]).
    fn build_layers(&mut self, waterfall: &[LayerSpec]) -> EngineResult<()> {
        for (spec, party, info) in layer_list(self.s, waterfall)? {
            let kind = match spec {
                LayerSpec::DefaulterMargin => LayerKind::DefMargin,
                LayerSpec::DefaulterFundContribution => LayerKind::DefFund,
                LayerSpec::SkinInTheGame { .. } => LayerKind::Sig,
                LayerSpec::InsuranceFund => LayerKind::Insurance,
                LayerSpec::SurvivorsFund => LayerKind::Survivors,
                LayerSpec::Assessment { cap_multiple, max_calls, period_cap_multiple, cooling_off_steps, from_collateral } => LayerKind::Assessment {
                    cap: *cap_multiple,
                    max_calls: *max_calls,
                    period_cap: period_cap_multiple.unwrap_or(*cap_multiple),
                    cooling_off: *cooling_off_steps,
                    from_collateral: *from_collateral,
                },
                LayerSpec::ImHaircut { cap_fraction } => LayerKind::ImHaircut { cap: *cap_fraction },
                LayerSpec::VariationMarginHaircut { max_steps } => LayerKind::Vmgh { max_steps: *max_steps },
                LayerSpec::SocializedLoss => LayerKind::Socialized,
                LayerSpec::AutoDeleverage => LayerKind::Adl,
                LayerSpec::LpVaultHaircut { account } => {
                    // `scenario::check_waterfall` (run by whoever chose this waterfall) checked the name.
                    let v = self.infos.iter().position(|x| *x.id == **account).ok_or_else(|| {
                        invalid(vec![crate::scenario::ValidationError { path: "waterfall".into(), message: format!("no account `{account}`") }])
                    })?;
                    LayerKind::LpVault(v)
                }
                LayerSpec::TearUp => LayerKind::TearUp,
            };
            let sig_left = info.capacity.unwrap_or_default();
            self.layers.push(LayerRt { kind, party, label: Name::from(info.label.as_str()), drawn: Decimal::ZERO, sig_left, temporary: Vec::new(), calls_used: 0, fund_calls: Vec::new(), exhausted: false, passed_on: false, assess: Default::default() });
            self.layer_infos.push(info);
            self.layer_logs.push(Vec::new());
        }
        Ok(())
    }

    /// The opening ledger, accounts `range`'s part (called in the book's order): deposits and
    /// fund contributions (none in a summary-only run).
    fn open_ledger_accounts(&mut self, range: std::ops::Range<usize>) -> EngineResult<()> {
        let quote_name = self.quote.clone();
        let ledger_accts = if self.full { self.accts.len() } else { 0 };
        for (i, a) in self.accts.iter().enumerate().take(ledger_accts).skip(range.start).take(range.len()) {
            let iso = sum_c(a.snap.positions.iter().filter_map(|p| p.isolated), "isolated margins")?;
            for (k, units) in a.snap.collateral.iter().enumerate() {
                let amount = if k == 0 { units.add_c(iso, "opening collateral")? } else { *units };
                if !amount.is_zero() {
                    let asset = self.asset_names.get(k).cloned().unwrap_or_else(|| quote_name.clone());
                    self.ledger.record(0, Party::Acct(i), self.vn(names::DEPOSITS).into(), asset, amount, "opening collateral".into());
                }
            }
            let contribution0 = self.side.contribution0.get(i);
            if contribution0 > Decimal::ZERO {
                self.ledger.push(JournalEntry {
                    step: 0,
                    debit: self.vn(names::DEFAULT_FUND),
                    credit: self.vn(names::DEPOSITS),
                    amount: contribution0,
                    asset: quote_name.clone(),
                    memo: format!("default-fund contribution of {}", self.infos[i].name).into(), // ok: same length
                });
            }
        }
        Ok(())
    }

    /// The opening ledger after the accounts' entries ([`Sim::open_ledger_accounts`]): the
    /// instruments' and the venue's insurance funds, the skin in the game committed.
    fn open_ledger_venue(&mut self) -> EngineResult<()> {
        for k in 0..self.inst_insurance.len() {
            if let Some(x) = self.inst_insurance.get(k).copied().flatten().filter(|x| *x > Decimal::ZERO) {
                let memo = format!("opening insurance fund of {}", self.inst_id(k));
                self.post(0, self.inst_insurance_name(k), self.vn(names::DEPOSITS), x, memo.into());
            }
        }
        if self.insurance > Decimal::ZERO {
            self.post(0, self.vn(names::INSURANCE), self.vn(names::DEPOSITS), self.insurance, "opening insurance fund".into());
        }
        for l in 0..self.layers.len() {
            if matches!(self.layers[l].kind, LayerKind::Sig) && self.layers[l].sig_left > Decimal::ZERO {
                let amt = self.layers[l].sig_left;
                let memo = format!("{} committed", self.layers[l].label);
                self.post(0, self.vn(names::CCP_CAPITAL), self.vn(names::DEPOSITS), amt, memo.into());
            }
        }
        Ok(())
    }

    /// Each account's equity at step 0: only the socialized-loss layer reads it (profit since).
    fn note_start_equity(&mut self) -> EngineResult<()> {
        let needs_start = self.layers.iter().any(|l| matches!(l.kind, LayerKind::Socialized));
        for i in (0..self.accts.len()).filter(|_| needs_start) {
            let a = &self.accts[i]; // ok: i < len
            let v = valuate(&self.m, self.m.pm(i), &a.snap.collateral, &a.snap.positions, 0)?;
            let n = self.accts.len();
            self.side.start_equity.set(i, v.equity, n);
        }
        Ok(())
    }

    /// Isolated accounts without explicit margins split their cash pro rata to notional.
    pub(in crate::engine) fn split_isolated(&mut self, a: usize) -> EngineResult<()> {
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
}

/// The layers a run under `waterfall` has, in the order they are listed: the defaulter's margin
/// first when the list leaves it out, each with the party that pays it and what the timeline
/// shows of it (label, description, capacity). The engine builds its layers from this list and
/// the stress lab lists them before any run: one builder, so the two never differ.
pub fn layer_list<'w>(s: &Scenario, waterfall: &'w [LayerSpec]) -> EngineResult<Vec<(&'w LayerSpec, &'static str, LayerInfo)>> {
    const DEFAULTER_MARGIN: &LayerSpec = &LayerSpec::DefaulterMargin;
    let implied = (!waterfall.iter().any(|l| matches!(l, LayerSpec::DefaulterMargin))).then_some(DEFAULTER_MARGIN);
    implied
        .into_iter()
        .chain(waterfall)
        .map(|spec| {
            let (label, description, party) = describe(spec);
            let capacity = match spec {
                LayerSpec::SkinInTheGame { amount, .. } => Some(*amount),
                LayerSpec::InsuranceFund => Some(s.venue.insurance_fund),
                // Every listed account's contribution (a cohort's accounts contribute nothing).
                LayerSpec::SurvivorsFund => Some(sum_c(s.accounts.iter().map(|a| a.fund_contribution), "survivors' fund (sum of contributions)")?),
                _ => None,
            };
            Ok((spec, party, LayerInfo { label, kind: spec.kind_name().to_string(), description, capacity, temporary: Decimal::ZERO }))
        })
        .collect::<EngineResult<Vec<_>>>()
        .and_then(|mut list| {
            // Temporary capital goes into the first skin-in-the-game layer of its tranche
            // (`capital_injection.rs`): shown beside that layer's committed capacity.
            for c in &s.capital_injections {
                let kind = c.tranche.layer_kind();
                if let Some(x) = list.iter_mut().find(|x| matches!(x.0, LayerSpec::SkinInTheGame { .. }) && x.2.kind == kind) {
                    x.2.temporary = x.2.temporary.add_c(c.amount, "temporary capital")?;
                }
            }
            Ok(list)
        })
}

/// What opening an account reads of the scenario, worked out once per book.
pub(in crate::engine) struct Opener {
    cohort_names: Vec<Name>,
    cohort_inst: Vec<Option<usize>>,
    /// A buffer for generated ids (100k per book).
    id_buf: String,
    /// The book's size.
    n_accts: usize,
    /// Margin models per account group (issue 18): `Market::account_pm` is only filled when a
    /// group has one.
    by_group: bool,
}

impl Opener {
    fn new(s: &Scenario, n_accts: usize) -> Opener {
        Opener {
            cohort_names: s.cohorts.iter().map(|c| Name::from(c.id.as_str())).collect(),
            cohort_inst: s.cohorts.iter().map(|c| s.instruments.iter().position(|x| x.id == c.instrument)).collect(),
            id_buf: String::new(),
            n_accts,
            by_group: by_group(s),
        }
    }
}

/// Whether an account group (a listed account, a cohort) names its own margin model.
fn by_group(s: &Scenario) -> bool {
    s.accounts.iter().any(|a| a.margin_model.is_some()) || s.cohorts.iter().any(|c| c.margin_model.is_some())
}

/// How many accounts an [`Opening`] opens between two questions to `pause`.
const OPEN_SLICE: usize = 256;

/// [`Sim::new`] in pieces (issue 14: the page opens a 100k-account book on its only thread):
/// the state before any account, the accounts a slice at a time, the book's settling, the money
/// bound an account slice at a time, the layers, the opening ledger a slice at a time, the rest.
/// The same calls in the same order as `Sim::new` ([`Sim::complete_opening`]), so the run is the
/// same however it is cut.
pub(in crate::engine) struct Opening<'a> {
    sim: Sim<'a>,
    opener: Opener,
    book: Vec<BookAccount>,
    waterfall: &'a [LayerSpec],
    stage: Stage,
    /// The next account of the stage's loop.
    next: usize,
}

enum Stage {
    Accounts,
    Headroom(super::headroom::Headroom),
    Ledger,
    Done,
}

impl<'a> Opening<'a> {
    /// A full run's opening (events, ledger, account states) of `book`, `s`'s prepared book.
    pub(in crate::engine) fn new(s: &'a Scenario, paths: Paths, book: Vec<BookAccount>, waterfall: &'a [LayerSpec], mode: ScanMode) -> EngineResult<Self> {
        let sim = Sim::empty(s, paths, book.len(), mode, true)?;
        Ok(Opening { sim, opener: Opener::new(s, book.len()), book, waterfall, stage: Stage::Accounts, next: 0 })
    }

    /// Accounts opened so far, of how many (the money bound's and the ledger's passes count as
    /// the last of them).
    pub(in crate::engine) fn opened(&self) -> (usize, usize) {
        let n = self.book.len().max(self.sim.accts.len());
        (if matches!(self.stage, Stage::Accounts) { self.next } else { n }, n)
    }

    /// Goes on with the opening until it is done (true) or `pause`, asked every [`OPEN_SLICE`]
    /// accounts and between the stages, asks to stop (false).
    pub(in crate::engine) fn advance(&mut self, pause: &mut impl FnMut() -> bool) -> EngineResult<bool> {
        loop {
            let n = self.sim.accts.len();
            match &mut self.stage {
                Stage::Accounts => {
                    let end = self.next.saturating_add(OPEN_SLICE).min(self.book.len());
                    for b in self.book.get(self.next..end).unwrap_or_default() {
                        self.sim.open_account(&mut self.opener, b)?;
                    }
                    self.next = end;
                    if end >= self.book.len() {
                        self.book = Vec::new();
                        self.sim.settle_book()?;
                        self.stage = Stage::Headroom(super::headroom::Headroom::new(self.sim.s, &self.sim.m));
                        self.next = 0;
                    }
                }
                Stage::Headroom(h) => {
                    let end = self.next.saturating_add(OPEN_SLICE).min(n);
                    self.sim.measure_headroom(h, self.next..end);
                    self.next = end;
                    if end >= n {
                        if let Stage::Headroom(h) = std::mem::replace(&mut self.stage, Stage::Ledger) {
                            self.sim.check_headroom(h)?;
                        }
                        self.sim.build_layers(self.waterfall)?;
                        self.next = 0;
                    }
                }
                Stage::Ledger => {
                    let end = self.next.saturating_add(OPEN_SLICE).min(n);
                    self.sim.open_ledger_accounts(self.next..end)?;
                    self.next = end;
                    if end >= n {
                        self.sim.open_ledger_venue()?;
                        self.sim.pay_premiums()?;
                        self.sim.note_start_equity()?;
                        self.stage = Stage::Done;
                    }
                }
                Stage::Done => return Ok(true),
            }
            if !matches!(self.stage, Stage::Done) && pause() {
                return Ok(false);
            }
        }
    }

    /// The run's state at step 0 (what is left of the opening done first).
    pub(in crate::engine) fn finish(mut self) -> EngineResult<Sim<'a>> {
        while !self.advance(&mut || false)? {}
        Ok(self.sim)
    }
}
