//! An exchange's liquidation of an account holding a live option, step by step (issue 18; the
//! venue opts in with `venue.option_liquidation: "deribit"`): the book is delta-hedged with its
//! underlying, then its legs are closed one at a time at the market, the largest contributor to
//! its margin first, until it is back above maintenance — the rest of the book is kept. Closed
//! to the last leg and still below zero, its deficit goes down the waterfall as any other
//! liquidation's.
//!
//! Reuses the clearing house's pieces (option_default.rs): `hedge_option_book` for the hedge,
//! `largest_contributor` for the order; the closes are priced as liquidation.rs prices them
//! (the last traded price with the instrument's price impact, capped at `max_slippage`) and pay
//! its liquidation fee.
//!
//! Why a flag, not the default for every option account: the generic liquidation (quarters or
//! all) is what every scenario and share link written before this rule meant, and their golden
//! digests pin it; and Deribit announced this algorithm for its portfolio-margin clients, so a
//! venue that does not liquidate that way (Binance, Bybit, OKX as the presets tell them) keeps
//! its generic engine.
//!
//! Order: Deribit's release notes put the perpetual hedge last, as the fallback when no leg
//! trades within its price bands, and only where it lowers the maintenance. Spillway's closes
//! always trade (slippage is capped, never refused), so that fallback would never fire; the hedge
//! comes first, as issue 18 words the rule and as the clearing house's close-out does, which also
//! stops the book's delta from bleeding while the legs are worked (docs/options.md says so).

use super::account::{collateral_value, valuate_maintenance, Status, Valuation};
use super::money::{Checked, EngineResult};
use super::state::{Bankrupt, Closed, Group, Notionals, Sim};
use super::timeline::*;
use crate::scenario::OptionLiquidation;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Whether account `a`'s breach of maintenance at step `t` is liquidated by this file's rule:
    /// the venue opted in and the account holds an option still alive.
    pub(in crate::engine) fn liquidates_option_book(&self, a: usize, t: u32) -> bool {
        self.s.venue.option_liquidation == OptionLiquidation::Deribit && !self.ccp && self.holds_live_option(a, t)
    }

    /// Source: Deribit, release notes "1 August 2023" (support.deribit.com, "New liquidation algorithm for Portfolio Margin Clients": liquidate the instrument contributing most to the risk matrix, delta-hedge via the perpetual) and "Liquidations" (incremental; it stops once maintenance is below the margin balance; portfolio-margin accounts may get futures traded to hedge their deltas); margin-models.md §2.
    /// Liquidate the cross group of account `a` (equity `equity` below its maintenance at step
    /// `t`): a backstop vault takes it over if the venue has one (backstop.rs); otherwise the
    /// book is delta-hedged, then each round closes the whole cross leg that contributes most to
    /// the margin, at the last traded price with its price impact, and pays the liquidation fee
    /// on that leg's notional while the account can; the rounds stop as soon as the equity is
    /// back at or above the maintenance of what is left. Every cross leg closed and the equity
    /// below zero: the deficit goes down the waterfall (liquidation.rs).
    pub(in crate::engine) fn liquidate_option_book(&mut self, a: usize, t: u32, equity: Decimal) -> EngineResult<()> {
        let idx: Group = self.cross_legs(a);
        if self.backstop_takeover(a, &idx, t, equity, true)? {
            return Ok(());
        }
        let c0 = collateral_value(&self.m, &self.accts[a].snap.collateral, t)?; // ok: a < len (caller)
        self.set_status(a, Status::Liquidating);
        self.hedge_option_book(a, t, true)?;
        let fee_rate = self.s.venue.liquidation_fee;
        let max_slip = self.s.venue.max_slippage;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        let mut steps = 0usize;
        loop {
            let v = self.cross_valuation(a, t)?;
            if self.cross_legs(a).is_empty() {
                break;
            }
            // "As soon as the required maintenance margin is lower than the margin balance of the
            // account, liquidation will stop" (Deribit, "Liquidations").
            if v.cross_equity >= v.cross_maintenance && v.cross_equity > Decimal::ZERO {
                let kept = self.accts[a].snap.positions.len(); // ok: a < len
                let msg = Msg::LiquidationStopped { name: self.who(a), steps, equity: v.cross_equity, maintenance: v.cross_maintenance, kept };
                self.event(t, Some(a), EventKind::RiskRanked, msg, None, None);
                // Back above maintenance; the next check that finds it so makes it healthy.
                return Ok(());
            }
            let Some((k, contribution)) = self.largest_contributor(a, t, true)? else { break };
            let p = self.accts[a].snap.positions[k].clone(); // ok: k < len (largest_contributor)
            steps += 1;
            let msg = Msg::LiquidationRanked { name: self.who(a), rank: steps, size: p.size, inst: self.inst_id(p.inst).into(), contribution };
            self.event(t, Some(a), EventKind::RiskRanked, msg, Some(contribution), None);
            // Triggered at mark, filled at the last traded price with the price impact.
            let mark = self.m.mark(p.inst, t);
            let px = self.m.exec_price(p.inst, p.size, self.m.last_price(p.inst, t), Decimal::ZERO, max_slip)?;
            let (r, iso) = self.close_part(a, k, p.size.abs(), px, t)?;
            self.cash_add(a, r.add_c(iso, "liquidation")?)?;
            let n = self.m.notional(p.inst, p.size, mark)?;
            let leg = Bankrupt { inst: p.inst, size: p.size, per_unit: Decimal::ZERO };
            let basis = if self.full { self.liq_basis(&p, true, c0, mark)? } else { LiqBasis::default() };
            let msg = Msg::Liquidated { name: self.who(a), size: p.size, inst: self.inst_id(p.inst).into(), partial: false, price: px, mark, prices: None, basis };
            self.event(t, Some(a), EventKind::Liquidation, msg, Some(r), None);
            let mut after = self.cross_valuation(a, t)?.cross_equity;
            // Only a defaulter's collateral is sold (liquidation.rs): the last leg gone, in debt.
            if self.cross_legs(a).is_empty() && after < Decimal::ZERO {
                self.sell_collateral(a, t)?;
                after = self.cross_valuation(a, t)?.cross_equity;
            }
            // The fee on this leg, paid while the account can (liquidation.rs).
            self.pay_liquidation_penalty(a, t, fee_rate.mul_c(n, "liquidation fee")?, after, std::slice::from_ref(&leg))?;
            info.push(leg);
            notionals.push(n);
        }
        // Every cross leg is closed: what the account is left with is its equity.
        let group = self.cross_valuation(a, t)?.cross_equity;
        if group < Decimal::ZERO {
            self.liquidation_deficit(a, t, c0, -group, info, &notionals)?;
        } else if self.accts[a].snap.positions.is_empty() {
            // ok: a < len
            self.set_status(a, Status::Liquidated);
        } else {
            self.set_status(a, Status::Healthy);
        }
        Ok(())
    }

    /// The indices of account `a`'s cross positions (the group this liquidation works on).
    fn cross_legs(&self, a: usize) -> Group {
        self.accts.get(a).map(|x| x.snap.positions.iter().enumerate().filter(|(_, p)| p.isolated.is_none()).map(|(i, _)| i).collect()).unwrap_or_default()
    }

    /// Account `a`'s valuation against maintenance at step `t` (its cross equity and cross
    /// maintenance are what the rounds compare).
    fn cross_valuation(&self, a: usize, t: u32) -> EngineResult<Valuation> {
        let acct = &self.accts[a]; // ok: a < len (callers)
        valuate_maintenance(&self.m, self.m.pm(a), &acct.snap.collateral, &acct.snap.positions, t)
    }
}
