//! Default management of an option book at a clearing house (issue 18): before the auction the
//! defaulter's book is delta-hedged with the underlying future at the market (price impact
//! paid), then closed out leg by leg, the largest contributor to its margin first. Called from
//! `default_auction.rs`'s close-out when the defaulter holds a live option; a book without one
//! is auctioned as before.
//!
//! Why hedge first: an option book's value moves with its underlying while the auction is
//! prepared; a CCP buys or sells futures for its delta at once ("hedge and transfer", LCH
//! SwapClear; CME and Eurex default management), so the auction prices the residual gamma/vega
//! risk only (margin-models.md §6 works a short-call book: a ±6,000 move costs 261,784 unhedged,
//! about 50,000 hedged). Why the largest contributor first: it removes the most risk per trade
//! (Deribit's rule since 1 August 2023: close the instrument contributing most to the risk matrix).

use super::account::{position_requirements, Pos};
use super::ledger::{names, EntryMemo, Name};
use super::money::{Checked, EngineResult};
use super::options::black76::Black76;
use super::options::normal::{to_decimal, to_f64};
use super::portfolio_margin::requirement;
use super::state::Sim;
use super::timeline::*;
use rust_decimal::{Decimal, RoundingStrategy};

impl<'a> Sim<'a> {
    /// Whether account `a` holds an option still alive at step `t` (its close-out is then this
    /// file's).
    pub(in crate::engine) fn holds_live_option(&self, a: usize, t: u32) -> bool {
        self.accts.get(a).is_some_and(|x| x.snap.positions.iter().any(|p| !p.size.is_zero() && self.m.option(p.inst).is_some_and(|o| t < o.expiry)))
    }

    /// Source: CME Group and Eurex Clearing default management procedures: the clearing house
    /// hedges the defaulter's portfolio before it auctions it (domain.md §6; margin-models.md §6
    /// "Hedge, then auction").
    /// Delta-hedge each underlying of the defaulter's live options: the book's delta on it (Black-76
    /// deltas of the options times their units, plus the futures held on it) is offset by trading
    /// the underlying, rounded to its lot, at the market with its price impact (no auction
    /// discount). The impact paid is the hedge's cost, booked against the settlement account; the
    /// hedge joins the cross future held on that underlying (re-marked: closed and reopened at the
    /// mark). Returns what the account realized (the cost plus the re-marked future's P&L).
    /// `told`: a default's close-out, or an exchange's liquidation (option_liquidation.rs) hedging
    /// first or as its last resort; the same trade, told as what it is.
    pub(in crate::engine) fn hedge_option_book(&mut self, a: usize, t: u32, told: HedgeTold) -> EngineResult<Decimal> {
        const W: &str = "delta hedge";
        let mut roots: Vec<usize> = Vec::new();
        for p in &self.accts[a].snap.positions {
            // ok: a < len (callers)
            if let Some(o) = self.m.option(p.inst).filter(|o| t < o.expiry && !p.size.is_zero()) {
                if !roots.contains(&o.underlying) {
                    roots.push(o.underlying);
                }
            }
        }
        let mut realized = Decimal::ZERO;
        for u in roots {
            let delta = self.book_delta(a, u, t)?;
            let Some(meta) = self.m.meta(u) else { continue };
            let (cs, lot) = (meta.contract_size, meta.lot_size);
            if cs.is_zero() || lot <= Decimal::ZERO {
                continue;
            }
            // Contracts of the underlying that offset the delta, to the nearest lot.
            let lots = (-delta).div_c(cs, W)?.div_c(lot, W)?.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            let size = lots.mul_c(lot, W)?;
            if size.is_zero() {
                continue;
            }
            let mark = self.m.mark(u, t);
            // Buying (size > 0) fills above the mark, selling below: `exec_price` takes the size
            // being closed, so the opposite of the trade.
            let price = self.m.exec_price(u, -size, mark, Decimal::ZERO, self.s.venue.max_slippage)?;
            let cost = self.m.pnl_at(u, size, price, mark)?;
            self.cash_add(a, cost)?;
            if self.full && !cost.is_zero() {
                let name = self.acct_name(a);
                let memo = EntryMemo::Text(Name::from(format!("delta hedge: {} {} at {}", super::money::format_decimal(size, 8), self.inst_id(u), super::money::format_decimal(price, 8)).as_str()));
                self.post(t, name, self.vn(names::SETTLEMENT), cost, memo);
            }
            realized = realized.add_c(cost, W)?;
            // The hedge joins the cross future on `u`: that one is closed at the mark (its P&L
            // realized as any close-out's) and the sum reopened at the mark.
            let mut holding = size;
            if let Some(j) = self.accts[a].snap.positions.iter().position(|p| p.inst == u && p.isolated.is_none()) {
                // ok: a < len
                let old = self.accts[a].snap.positions[j].size; // ok: found above
                let (r, iso) = self.close_part(a, j, old.abs(), mark, t)?;
                self.cash_add(a, r + iso)?;
                realized = realized.add_c(r, W)?;
                holding = holding.add_c(old, W)?;
            }
            if !holding.is_zero() {
                let pos = Pos { inst: u, size: holding, entry: mark, funding_entry: self.m.funding(u, t), isolated: None };
                self.accts[a].snap.positions.push(pos); // ok: a < len
                self.touch(a);
            }
            // A default's hedge before its auction, or an exchange's first liquidation step: the
            // same trade, told as what it is.
            let (name, inst) = (self.who(a), self.inst_id(u).into());
            let msg = match told {
                HedgeTold::CloseOut => Msg::DeltaHedged { name, size, inst, price, mark, delta, cost, holding },
                HedgeTold::LiquidationFirst => Msg::LiquidationHedged { name, size, inst, price, mark, delta, cost, holding },
                HedgeTold::LiquidationLastResort => Msg::LiquidationLastHedged { name, size, inst, price, mark, delta, cost, holding },
            };
            self.event(t, Some(a), EventKind::DeltaHedge, msg, Some(cost), None);
        }
        Ok(realized)
    }

    /// Account `a`'s delta on underlying `u` at step `t`, in units of `u`: its live options on
    /// `u` (Black-76 delta × size × contract size, at `u`'s mark and the option's volatility)
    /// plus the futures it holds on `u`; to 6 places.
    fn book_delta(&self, a: usize, u: usize, t: u32) -> EngineResult<Decimal> {
        let mut delta = 0.0f64;
        let mut futures = Decimal::ZERO;
        for p in &self.accts[a].snap.positions {
            // ok: a < len
            let cs = self.m.meta(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
            let units = p.size.mul_c(cs, "book delta")?;
            match self.m.option(p.inst) {
                Some(o) if o.underlying == u && t < o.expiry => {
                    let years = to_f64(Decimal::from(o.expiry - t)) * to_f64(o.days_per_step) / 365.0;
                    let sigma = self.m.vols.get(p.inst).and_then(|v| v.get(t as usize)).copied().unwrap_or_default();
                    let b = Black76 { kind: o.kind, forward: to_f64(self.m.mark(u, t)), strike: to_f64(o.strike), years, sigma: to_f64(sigma), rate: 0.0 };
                    delta += b.greeks()?.delta * to_f64(units);
                }
                None if p.inst == u => futures = futures.add_c(units, "book delta")?,
                _ => {}
            }
        }
        let options = to_decimal(delta, 6).ok_or_else(|| super::money::EngineError::Overflow { what: "book delta".into() })?;
        options.add_c(futures, "book delta")
    }

    /// Source: Deribit "Liquidations" (release notes, 1 August 2023): close the instrument that
    /// contributes most to the risk matrix first (margin-models.md §2); CME / Eurex default
    /// management closes the riskiest part of the portfolio first (domain.md §6).
    /// The leg of account `a` to close next and what it adds to the margin of what is left: under
    /// a portfolio model, the cross requirement with the leg less the requirement without it (a
    /// hedging leg adds little or less than nothing); per instrument (or an isolated leg), the
    /// leg's own maintenance. The largest first; on a tie, the first held. `cross_only`: among
    /// the cross legs only (an exchange liquidating the cross group leaves isolated ones alone).
    pub(in crate::engine) fn largest_contributor(&self, a: usize, t: u32, cross_only: bool) -> EngineResult<Option<(usize, Decimal)>> {
        let mut best: Option<(usize, Decimal)> = None;
        for (k, c) in self.risk_contributions(a, t, cross_only)? {
            if best.is_none_or(|(_, b)| c > b) {
                best = Some((k, c));
            }
        }
        Ok(best)
    }

    /// Each leg of account `a` (index, contribution) as [`Self::largest_contributor`] measures
    /// it, in the order held.
    pub(in crate::engine) fn risk_contributions(&self, a: usize, t: u32, cross_only: bool) -> EngineResult<Vec<(usize, Decimal)>> {
        let positions = &self.accts[a].snap.positions; // ok: a < len
        let pm = self.m.pm(a);
        let cross = |skip: usize| positions.iter().enumerate().filter(move |(k, p)| *k != skip && p.isolated.is_none()).map(|(_, p)| p);
        let all = match pm {
            Some(_) => requirement(&self.m, pm, cross(usize::MAX), t)?.map(|r| r.maintenance).unwrap_or_default(),
            None => Decimal::ZERO,
        };
        let mut out = Vec::new();
        for (k, p) in positions.iter().enumerate().filter(|(_, p)| !cross_only || p.isolated.is_none()) {
            let c = match pm {
                Some(_) if p.isolated.is_none() => all.sub_c(requirement(&self.m, pm, cross(k), t)?.map(|r| r.maintenance).unwrap_or_default(), "risk contribution")?,
                _ => position_requirements(&self.m, p, t)?.0,
            };
            out.push((k, c));
        }
        Ok(out)
    }
}

/// How a delta hedge of an option book is told (the trade is the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::engine) enum HedgeTold {
    /// A clearing house's, before it auctions a defaulter's book (default_auction.rs).
    CloseOut,
    /// An exchange liquidation's first step (`hedge_first`).
    LiquidationFirst,
    /// An exchange liquidation's last resort (`deribit`: no leg trades within the price band).
    LiquidationLastResort,
}
