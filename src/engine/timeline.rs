//! The result of a run: marks, accounts (as sparse change logs), waterfall layers, insurance
//! fund, events, ledger and the loss summary. Frames are computed on demand from the logs.
//!
//! Where its parts are: the events' declaration (`events.rs`), their sentences
//! (`sentences.rs`), their packed store (`event_log.rs`), the result types (`results.rs`), the
//! account logs (`account_logs.rs`); this file holds the [`Timeline`] and its queries.

use super::account::{valuate, AccountSnap, Status};
pub(crate) use super::account_logs::AccountLogs;
pub use super::event_log::{Event, Events};
pub(crate) use super::events::Msg;
pub use super::events::{AdlFigures, AssessStop, EventKind, LiqBasis, Prices, TierNote};
use super::ledger::{JournalEntry, Ledger};
use super::market::Market;
pub use super::results::*;
use crate::scenario::AdlRule;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// Frames are 0..=steps.
    pub steps: u32,
    pub instruments: Vec<String>,
    /// `[instrument][step]`.
    pub marks: Vec<Vec<Decimal>>,
    pub accounts: Vec<AccountInfo>,
    pub layers: Vec<LayerInfo>,
    /// Insurance-fund balance per step.
    pub insurance_fund: Vec<Decimal>,
    /// Sorted by step; events are built on demand (see [`Events`]).
    pub events: Events,
    /// In step order; entries are built on demand (see [`Ledger`]).
    pub ledger: Ledger,
    pub summary: LossSummary,
    #[serde(skip)]
    pub(crate) market: Market,
    #[serde(skip)]
    pub(crate) account_logs: AccountLogs,
    #[serde(skip)]
    pub(crate) layer_logs: Vec<Vec<(u32, LayerState)>>,
    /// Per layer: some loss went past it unpaid at least once in the run (the stress lab's
    /// "a loss passed it, or its capacity was used up"; an assessment stopped by its cap per
    /// default passes a loss on while it still has headroom for later defaults).
    #[serde(skip)]
    pub passed_on: Vec<bool>,
    #[serde(skip)]
    pub(crate) unallocated_log: Vec<(u32, Decimal)>,
    /// Every draw on the waterfall, in step order (see [`super::spill`]).
    #[serde(skip)]
    pub(crate) draws: super::spill::Draws,
    /// Every pro-rata split, with each payer's base and share (see [`super::explain`]).
    #[serde(skip)]
    pub(crate) splits: super::explain::Splits,
    /// How the run's ADL ranked its hits (`venue.adl`), for `explain`.
    #[serde(skip)]
    pub adl_rule: AdlRule,
}

fn at<T>(log: &[(u32, T)], step: u32) -> Option<&T> {
    let i = log.partition_point(|(s, _)| *s <= step);
    if i == 0 {
        None
    } else {
        log.get(i - 1).map(|(_, v)| v)
    }
}

impl Timeline {
    /// Number of frames (steps + 1).
    pub fn frames(&self) -> u32 {
        self.steps + 1
    }

    /// Events of one step.
    pub fn events_at(&self, step: u32) -> Vec<Event> {
        self.events.at_step(step)
    }

    /// Ledger entries of one step (the ledger is in step order).
    pub fn ledger_at(&self, step: u32) -> Vec<JournalEntry> {
        self.ledger.at_step(step)
    }

    /// The run's market (marks, vols, contract terms, the portfolio model's tables): read-only,
    /// for the pure functions that take one (portfolio_margin::requirement, explain).
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// Mark of an instrument at a step.
    pub fn mark(&self, instrument: usize, step: u32) -> Decimal {
        self.market.mark(instrument, step.min(self.steps))
    }

    /// The structural state of an account at a step (binary search in its change log).
    pub fn snapshot_at(&self, account: usize, step: u32) -> Option<AccountSnap> {
        self.account_logs.at(account, step)
    }

    /// An account at a step: equity, requirements, status, positions; `None` for an unknown index.
    pub fn account_view(&self, account: usize, step: u32) -> Option<AccountView> {
        let step = step.min(self.steps);
        let snap = self.snapshot_at(account, step)?;
        let v = valuate(&self.market, self.market.pm(account), &snap.collateral, &snap.positions, step).ok()?;
        let margin_ratio = if v.maintenance.is_zero() || v.equity <= Decimal::ZERO {
            None
        } else {
            v.maintenance.checked_div(v.equity)
        };
        Some(AccountView {
            equity: v.equity,
            collateral: v.collateral,
            maintenance: v.maintenance,
            initial: v.initial,
            margin_ratio,
            status: snap.status,
            positions: snap
                .positions
                .iter()
                .map(|p| (self.instruments.get(p.inst).cloned().unwrap_or_default(), p.size))
                .collect(),
            loss_to_waterfall: snap.loss,
            fund_contribution: snap.contribution,
        })
    }

    /// Like [`Timeline::account_view`], with an empty view for an unknown index.
    pub fn account_at(&self, account: usize, step: u32) -> AccountView {
        self.account_view(account, step).unwrap_or(AccountView {
            equity: Decimal::ZERO,
            collateral: Decimal::ZERO,
            maintenance: Decimal::ZERO,
            initial: Decimal::ZERO,
            margin_ratio: None,
            status: Status::Healthy,
            positions: Vec::new(),
            loss_to_waterfall: Decimal::ZERO,
            fund_contribution: Decimal::ZERO,
        })
    }

    /// Status of an account at a step without valuing it (cheap, for colouring 100k dots).
    pub fn status_at(&self, account: usize, step: u32) -> Status {
        self.account_logs.status_at(account, step)
    }

    /// What an account has lost to the waterfall up to a step, without rebuilding its state (the
    /// accounts table sorts the whole book by it).
    pub fn loss_at(&self, account: usize, step: u32) -> Decimal {
        self.account_logs.loss_at(account, step)
    }

    /// One state per layer at a step.
    pub fn layer_state(&self, step: u32) -> Vec<LayerState> {
        self.layer_logs.iter().map(|log| at(log, step).cloned().unwrap_or_default()).collect()
    }

    /// Loss no layer covered, cumulative to this step.
    pub fn unallocated_at(&self, step: u32) -> Decimal {
        at(&self.unallocated_log, step).copied().unwrap_or_default()
    }

    /// Insurance fund balance at a step.
    pub fn insurance_at(&self, step: u32) -> Decimal {
        self.insurance_fund.get(step.min(self.steps) as usize).copied().unwrap_or_default()
    }

    /// The steps at which an account's state changed.
    pub fn change_steps(&self, account: usize) -> Vec<u32> {
        self.account_logs.steps(account)
    }

    /// Net ledger sum per asset; every value is zero in a sound run.
    pub fn ledger_sums(&self) -> std::collections::BTreeMap<String, Decimal> {
        super::ledger::signed_sums(&self.ledger)
    }

    /// The run's conservation figures, with checked arithmetic (the CLI's check and the tests'):
    /// the ledger sums to zero per asset, and allocated + unallocated = deficit to the last unit.
    pub fn conservation(&self) -> super::money::EngineResult<Conservation> {
        use super::money::{sum_c, Checked};
        let ledger_sums = self.ledger.checked_signed_sums()?;
        let sm = &self.summary;
        let allocated_plus_unallocated = sm.allocated.add_c(sm.unallocated, "allocated + unallocated")?;
        let layers = sum_c(sm.by_layer.iter().copied(), "the layers' total")?;
        Ok(Conservation {
            ledger_balances: ledger_sums.values().all(|v| v.is_zero()),
            ledger_sums,
            allocated_plus_unallocated_equals_deficit: allocated_plus_unallocated == sm.deficit,
            layers_sum_to_allocated: layers == sm.allocated,
            deficit: sm.deficit,
            allocated: sm.allocated,
            unallocated: sm.unallocated,
        })
    }

    /// Collateral asset ids (index 0 = quote currency).
    pub fn assets(&self) -> &[String] {
        &self.market.asset_ids
    }
}
