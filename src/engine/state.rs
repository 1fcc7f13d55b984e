//! The run's state: every account's snapshot and side tables, the layers as they run, the
//! timeline being written, and the small moves every rule makes on them (touch an account, add to
//! its cash, set its status, name it). The rules themselves live in their own files (see
//! `docs/architecture.md`).

use super::account::{AccountSnap, Status};
use super::ledger::{Ledger, Name, Party};
use super::market::Market;
use super::money::{Checked, EngineResult};
use super::scan::Scan;
use super::spill::Draws;
use super::timeline::*;
use crate::scenario::Scenario;
use rust_decimal::Decimal;
use smallvec::SmallVec;
use std::collections::VecDeque;

pub(crate) use super::contagion::Inflow;

#[derive(Clone, Debug)]
pub(super) enum LayerKind {
    DefMargin,
    DefFund,
    Sig,
    Insurance,
    Survivors,
    /// `cap` per default, `period_cap` across the defaults of a cooling-off period of
    /// `cooling_off` steps (`None`: the whole run).
    /// `from_collateral`: a member's excess collateral at the clearing house pays first (issue 19).
    Assessment { cap: Decimal, max_calls: u32, period_cap: Decimal, cooling_off: Option<u32>, from_collateral: bool },
    /// Initial-margin haircut, each survivor by at most `cap` of its posted initial margin (issue 19).
    ImHaircut { cap: Decimal },
    Vmgh { max_steps: u32 },
    Socialized,
    Adl,
    LpVault(usize),
    TearUp,
}

#[derive(Clone)]
pub(super) struct LayerRt {
    pub(super) kind: LayerKind,
    pub(super) party: &'static str,
    /// Shared by the events that name the layer.
    pub(super) label: Name,
    pub(super) drawn: Decimal,
    /// A skin-in-the-game layer: what it can still pay, its temporary capital included.
    pub(super) sig_left: Decimal,
    /// A skin-in-the-game layer's temporary capital (`capital_injections`, capital_injection.rs):
    /// what is left of each injection, paid first, and withdrawn at its end.
    pub(super) temporary: Vec<Temporary>,
    pub(super) calls_used: u32,
    /// With several default funds: the calls each fund's assessment used (by fund index;
    /// `calls_used` is the most of them). Each fund's members are assessed on their own.
    pub(super) fund_calls: Vec<u32>,
    pub(super) exhausted: bool,
    /// Some loss went past this layer unpaid at least once in the run (an assessment stopped by
    /// its per-default cap passes a loss on without being exhausted: issue 19).
    pub(super) passed_on: bool,
    /// An assessment layer's tallies for its caps (`waterfall/assessment.rs`).
    pub(super) assess: AssessTally,
}

/// One capital injection in a skin-in-the-game layer (issue 19, capital_injection.rs).
#[derive(Clone)]
pub(super) struct Temporary {
    /// What was injected.
    pub(super) amount: Decimal,
    /// What no default has used of it yet (part of the layer's `sig_left`).
    pub(super) left: Decimal,
    /// The step it is withdrawn at (`None`: it stays to the end of the run).
    pub(super) until: Option<u32>,
}

/// What an assessment layer has called, for its caps per default and per cooling-off period.
#[derive(Clone, Default)]
pub(super) struct AssessTally {
    /// The default the layer last called for, and what each member paid toward it.
    pub(super) def: Option<usize>,
    pub(super) this_default: Side,
    /// The step the current cooling-off period began, and each member's assessments paid
    /// (`SideTables::assessed`) when it began.
    pub(super) period_start: Option<u32>,
    pub(super) period_base: Side,
}

#[derive(Clone)]
pub(super) struct Acct {
    pub(super) snap: AccountSnap,
    pub(super) reserves: Decimal,
    pub(super) call_step: Option<u32>,
    pub(super) defaulter: bool,
    /// Changed this step (listed in `Sim::changed`): recorded at the end of the step.
    pub(super) dirty: bool,
}

/// Position indices of one margin group (a liquidation's work lists stay off the heap).
pub(super) type Group = SmallVec<[usize; 4]>;

/// The positions a liquidation or auction closed, and their notionals.
pub(super) type Closed = SmallVec<[Bankrupt; 2]>;

pub(super) type Notionals = SmallVec<[Decimal; 2]>;

/// A position closed beyond bankruptcy: what ADL and tear-up need.
#[derive(Clone, Debug)]
pub(super) struct Bankrupt {
    pub(super) inst: usize,
    /// Signed size that was closed.
    pub(super) size: Decimal,
    /// Bad debt per contract.
    pub(super) per_unit: Decimal,
}

/// A draw's figures taken just before it is made (see `Sim::record_draw`).
pub(super) struct DrawStart {
    pub(super) loss_in: Decimal,
    /// The step's events recorded so far: the draw's own lines come after.
    pub(super) ev0: usize,
    pub(super) before: Option<Decimal>,
    pub(super) remaining_before: Option<Decimal>,
}

#[derive(Clone)]
pub(super) struct Pending {
    pub(super) layer: usize,
    pub(super) def: usize,
    pub(super) left: Decimal,
    pub(super) until: u32,
    pub(super) info: Vec<Bankrupt>,
}

pub(crate) struct Sim<'a> {
    pub(super) s: &'a Scenario,
    pub(super) m: Market,
    pub(super) vm: bool,
    pub(super) ccp: bool,
    pub(super) accts: Vec<Acct>,
    pub(super) infos: Vec<AccountInfo>,
    /// Accounts changed this step, in order of first change.
    pub(super) changed: Vec<u32>,
    /// State of every account at step 0, then (account, step, state) at later changes.
    pub(super) logs: AccountLogs,
    /// Accounts with a default-fund contribution (or a non-plain zero one), in index order: the
    /// only ones the fund layers and the layer records can weigh.
    pub(super) contributors: Vec<usize>,
    pub(super) scan: Scan,
    pub(super) insurance: Decimal,
    pub(super) insurance_series: Vec<Decimal>,
    pub(super) layers: Vec<LayerRt>,
    pub(super) layer_infos: Vec<LayerInfo>,
    pub(super) layer_logs: Vec<Vec<(u32, LayerState)>>,
    pub(super) layers_dirty: bool,
    pub(super) unallocated: Decimal,
    pub(super) unalloc_log: Vec<(u32, Decimal)>,
    pub(super) events: Events,
    /// Events recorded so far, per step: a draw names the lines that tell it by their offsets
    /// within its step.
    pub(super) events_per_step: Vec<u32>,
    /// Every draw on the waterfall, as made (the spill, layer by layer).
    pub(super) draws: Draws,
    /// Every pro-rata split with each payer's base and share (`explain`: "why me?").
    pub(super) splits: super::explain::Splits,
    pub(super) ledger: Ledger,
    pub(super) queue: VecDeque<(usize, bool)>,
    /// Members closed out when they failed an assessment (set-off needs their surplus at once):
    /// their own loss (margin used, deficit, closed positions) waits for the walk in progress to
    /// end, then goes down the waterfall (`drain_queue`).
    pub(super) closed_out: VecDeque<(usize, Decimal, Decimal, Closed)>,
    /// Members already in default this step but not yet closed out (queued after a failed margin
    /// call, or declared for this step): not survivors, although their own walk has not started
    /// (issue 19: Cover-2's first default drew on the second defaulter's contribution). Empty
    /// until a first default is queued.
    pub(super) in_default: Vec<bool>,
    /// The first step the survivors' fund was drawn since it was last replenished
    /// (`venue.replenish_within_steps`, `waterfall/replenish.rs`).
    pub(super) fund_drawn_at: Option<u32>,
    /// The default auction (`default_auction`): each defaulter and the members whose bids won
    /// its portfolio, for juniorisation (`waterfall/juniorisation.rs`). Empty without it.
    pub(super) auction_winners: Vec<(usize, Vec<usize>)>,
    /// Several default funds (`default_funds`): each instrument's fund (0 = the general fund,
    /// k + 1 = `default_funds[k]`) and each account's (its contribution's). Empty without them.
    pub(super) inst_fund: Vec<usize>,
    pub(super) member_fund: Vec<usize>,
    /// With several default funds: what each fund's part of default `.0`'s loss still lacked
    /// after the survivors' fund layer, for the assessments below it (`default_funds.rs`).
    pub(super) fund_left: Option<(usize, Vec<(usize, Decimal)>)>,
    /// With several default funds: what each fund paid of the last survivors' fund draw, beside
    /// `fund_left`, so the walk can say which fund ran out (or held nothing).
    pub(super) fund_paid: Vec<(usize, Decimal)>,
    /// Each instrument's own insurance fund balance (`instruments[].insurance_fund`; `None`: the
    /// venue's fund). Empty when no instrument has one.
    pub(super) inst_insurance: Vec<Option<Decimal>>,
    pub(super) pending: Vec<Pending>,
    /// This step's losses waiting for the one split of a socialized-loss or VMGH layer
    /// (`settle_claims`); `until` is unused here.
    pub(super) claims: Vec<Pending>,
    /// Shares the per-step splits may still write (`limits::MAX_BOOK_SPLIT_SHARES`).
    pub(super) share_budget: u64,
    pub(super) deficit: Decimal,
    pub(super) bad_debt: Decimal,
    pub(super) defaults: usize,
    pub(super) cascades: usize,
    pub(super) quote: Name,
    /// The money sign event sentences render with (the run's quote currency).
    pub(super) sign: u8,
    /// Interned ledger names: `acct:{id}` per account, assets, venue accounts, instruments and
    /// cohorts (entries and infos share these allocations).
    pub(super) asset_names: Vec<Name>,
    pub(super) venue_names: Vec<(&'static str, Name)>,
    pub(super) inst_names: Vec<Name>,
    /// ADL ranking per (instrument, opposite side is long), computed once per step (BitMEX
    /// publishes its ranking periodically, not per fill): (step, [(account, score)]) best first.
    pub(super) adl_cache: Vec<AdlQueue>,
    /// ADL's candidates and hits, a buffer reused across defaults (no allocation per default).
    pub(super) adl_cands: Vec<(usize, Decimal, Decimal)>,
    /// What ADL took against what it needed, so far (`LossSummary::adl`).
    pub(super) adl_totals: AdlTotals,
    /// Margin checks that valued an account (for the scan's tests).
    pub(super) valued: u64,
    /// Losses passed on by other venues, by step; `inflow_next` is the first not yet applied.
    pub(super) inflows: Vec<Inflow>,
    pub(super) inflow_next: usize,
    /// Record events, ledger and account states (false: summary and layer states only).
    pub(super) full: bool,
    /// Per-account decimals that most runs never set (kept off `Acct`: 64 bytes per account).
    pub(super) side: SideTables,
    /// Socialized loss: the profits it weighs, valued once per step (issue 14).
    pub(super) profits: ProfitCache,
    /// The venue as it stood before a trade-cancellation range began (trade_cancellation.rs).
    pub(super) checkpoint: Option<Box<super::trade_cancellation::Checkpoint>>,
    /// Positions closed so far (liquidations, auctions, ADL, expiries) and their notional: what
    /// a trade cancellation reports it reverted.
    pub(super) closes: (u64, Decimal),
    /// The venue's backstop vault (`venue.backstop_vault`), by account index (backstop.rs).
    pub(super) backstop: Option<usize>,
    /// The scenario's withdrawals as (step, account, amount), in step order (stable), and the
    /// first not yet made (withdrawal.rs).
    pub(super) withdrawals: Vec<(u32, usize, Decimal)>,
    pub(super) withdrawal_next: usize,
    /// How far the step in progress has got (a step taken in parts: `Sim::step_in_parts`).
    pub(super) part: super::simulate::StepPart,
    /// The reference scan's next account to check in the step in progress.
    pub(super) reference_next: usize,
}

/// Each account's profit since step 0 as of the step `step` (equity − starting equity), valued
/// for the whole book at a step's first socialized default and afterwards only for the accounts
/// changed since (`Sim::touch` lists them): marks are fixed within a step, so an account's equity
/// changes only with its own state. A default then costs the accounts in profit, not a
/// valuation of the whole book (was O(accounts) valuations per default: 2,986 defaults × 10,001
/// accounts in `examples/cohort-10k.json` under a socialized-loss waterfall).
#[derive(Default)]
pub(super) struct ProfitCache {
    pub(super) step: Option<u32>,
    pub(super) profit: Vec<Decimal>,
    /// Accounts whose last valued profit is positive, in index order (the order the split takes).
    pub(super) positive: std::collections::BTreeSet<usize>,
    /// Accounts changed since they were valued (each once: `is_stale`).
    pub(super) stale: Vec<u32>,
    pub(super) is_stale: Vec<bool>,
}

/// Per-account decimals most runs never set.
#[derive(Clone, Default)]
pub(super) struct SideTables {
    /// Opening default-fund contribution.
    pub(super) contribution0: Side,
    /// Assessments paid so far.
    pub(super) assessed: Side,
    /// Equity at step 0 (only a socialized-loss layer reads it).
    pub(super) start_equity: Side,
    /// This step's variation-margin gain (VM settlement only).
    pub(super) vm_gain: Side,
    /// The accounts with a gain this step, in index order: the only ones a VM-gains haircut can
    /// weigh (issue 14: a default costs the gainers, not a pass over the whole book).
    pub(super) vm_gainers: Vec<u32>,
}

/// A per-account decimal, empty until something other than a plain zero is written (reads of an
/// unwritten account give a plain zero, as the field it replaces started with).
#[derive(Clone, Default)]
pub(super) struct Side(Vec<Decimal>);

impl Side {
    pub(super) fn get(&self, i: usize) -> Decimal {
        self.0.get(i).copied().unwrap_or(Decimal::ZERO)
    }

    /// Set account `i` of `n`.
    pub(super) fn set(&mut self, i: usize, x: Decimal, n: usize) {
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
pub(super) struct AdlQueue {
    pub(super) key: (usize, bool),
    pub(super) step: u32,
    /// (account, score, [PnL %, leverage]: what made the score, for `explain`).
    pub(super) ranked: Vec<(usize, Decimal, [Decimal; 2])>,
    /// Entries before this are defaulters or hold no position on the side any more; neither
    /// can change back (positions are never reopened), so later calls skip them.
    pub(super) head: usize,
}

impl<'a> Sim<'a> {
    /// An interned venue-side ledger account name.
    pub(in crate::engine) fn vn(&self, x: &'static str) -> Name {
        // The callers pass the very constants the table holds: a pointer match, else by content.
        if let Some((_, n)) = self.venue_names.iter().find(|(k, _)| std::ptr::eq(*k, x)) {
            return n.clone();
        }
        self.venue_names.iter().find(|(k, _)| *k == x).map(|(_, n)| n.clone()).unwrap_or_else(|| Name::from(x))
    }

    /// An account in an event's sentence (its display name is filled in when the event is read).
    pub(in crate::engine) fn who(&self, a: usize) -> Party {
        Party::Acct(a)
    }

    pub(in crate::engine) fn name(&self, a: usize) -> Name {
        self.infos.get(a).map(|i| i.name.clone()).unwrap_or_else(|| Name::from(""))
    }

    pub(in crate::engine) fn inst_id(&self, i: usize) -> Name {
        self.inst_names.get(i).cloned().unwrap_or_else(|| Name::from(""))
    }

    pub(in crate::engine) fn set_status(&mut self, a: usize, st: Status) {
        if let Some(acct) = self.accts.get_mut(a) {
            if acct.snap.status != st {
                acct.snap.status = st;
                self.touch(a);
            }
        }
    }

    pub(in crate::engine) fn cash_add(&mut self, a: usize, x: Decimal) -> EngineResult<()> {
        if let Some(acct) = self.accts.get_mut(a) {
            if let Some(c) = acct.snap.collateral.get_mut(0) {
                *c = c.add_c(x, "cash")?;
            }
            self.touch(a);
        }
        Ok(())
    }

    /// Account `a` changed: record it at the end of the step and void its band.
    pub(in crate::engine) fn touch(&mut self, a: usize) {
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
    pub(in crate::engine) fn acct_name(&self, a: usize) -> Party {
        Party::Acct(a)
    }
}
