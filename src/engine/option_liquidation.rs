//! An exchange's liquidation of an account holding a live option, step by step (issue 18; the
//! venue opts in with `venue.option_liquidation`): the account's legs are closed one at a time at
//! the market, the largest contributor to its margin first, until it is back above maintenance —
//! the rest of the book is kept. Closed to the last leg and still below zero, its deficit goes
//! down the waterfall as any other liquidation's. Two orders of the delta hedge:
//!
//! - `deribit` (Deribit's release notes of 1 August 2023, "New liquidation algorithm for
//!   Portfolio Margin Clients"): close the instrument contributing most to the risk matrix; if it
//!   will not trade within the price bands, the next one; delta-hedge with the perpetual only as
//!   the last resort. In this model a leg *trades within the band* when its price impact at the
//!   last traded price (the instrument's impact × notional / 10⁶, uncapped) is at most the
//!   venue's `max_slippage` (the cap every Spillway fill already obeys), and only a leg that adds
//!   to the margin (contribution > 0) is closed in band. The *last resort* is the round in which
//!   no such leg is left: an account under a portfolio margin model with a live option is then
//!   delta-hedged once (under per-instrument margin a hedge only adds the future's own
//!   maintenance and never lowers the requirement, so it is skipped); if that does not restore
//!   maintenance, or there was nothing to hedge, the legs left are closed largest contributor
//!   first at the band's edge (the fill capped at `max_slippage`): a step of a run cannot wait
//!   for the band to reopen.
//! - `hedge_first` (the order before 2023, "striving for a delta neutral position", and the
//!   clearing house's close-out in option_default.rs): the book is delta-hedged first, then its
//!   legs are closed largest contributor first, each at the market capped at `max_slippage`.
//!
//! Reuses the clearing house's pieces (option_default.rs): `hedge_option_book` for the hedge,
//! `risk_contributions` / `largest_contributor` for the order; the closes are priced as
//! liquidation.rs prices them (the last traded price with the instrument's price impact, capped
//! at `max_slippage`) and pay its liquidation fee.
//!
//! Why a flag, not the default for every option account: the generic liquidation (quarters or
//! all) is what every scenario and share link written before this rule meant, and their golden
//! digests pin it; and Deribit announced this algorithm for its portfolio-margin clients, so a
//! venue that does not liquidate that way (Binance, Bybit, OKX as the presets tell them) keeps
//! its generic engine.

use super::account::{collateral_value, valuate_maintenance, Status, Valuation};
use super::money::{Checked, EngineResult};
use super::state::{Bankrupt, Closed, Group, Notionals, Sim};
use super::timeline::*;
use super::option_default::HedgeTold;
use crate::scenario::OptionLiquidation;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Whether account `a`'s breach of maintenance at step `t` is liquidated by this file's rule:
    /// the venue opted in and the account holds an option still alive.
    pub(in crate::engine) fn liquidates_option_book(&self, a: usize, t: u32) -> bool {
        self.s.venue.option_liquidation != OptionLiquidation::Generic && !self.ccp && self.holds_live_option(a, t)
    }

    /// Source: Deribit, release notes "1 August 2023" (support.deribit.com, "New liquidation algorithm for Portfolio Margin Clients": liquidate the instrument contributing most to the risk matrix, the next if it will not trade within price bands, delta-hedge via the perpetual as a last resort) and "Liquidations" (incremental; it stops once maintenance is below the margin balance; older rule: "striving for a delta neutral position"); margin-models.md §2.
    /// Liquidate the cross group of account `a` (equity `equity` below its maintenance at step
    /// `t`): a backstop vault takes it over if the venue has one (backstop.rs); otherwise each
    /// round closes one whole cross leg at the last traded price with its price impact, and pays
    /// the liquidation fee on that leg's notional while the account can; the rounds stop as soon
    /// as the equity is back at or above the maintenance of what is left. The leg and the hedge
    /// follow the venue's order (`deribit` or `hedge_first`, this file's header). Every cross leg
    /// closed and the equity below zero: the deficit goes down the waterfall (liquidation.rs).
    pub(in crate::engine) fn liquidate_option_book(&mut self, a: usize, t: u32, equity: Decimal) -> EngineResult<()> {
        let idx: Group = self.cross_legs(a);
        if self.backstop_takeover(a, &idx, t, equity, true)? {
            return Ok(());
        }
        let c0 = collateral_value(&self.m, &self.accts[a].snap.collateral, t)?; // ok: a < len (caller)
        self.set_status(a, Status::Liquidating);
        let order = self.s.venue.option_liquidation;
        // `hedge_first`: the hedge opens the liquidation; `deribit`: it waits for the last resort.
        let mut hedged = order == OptionLiquidation::HedgeFirst;
        if hedged {
            self.hedge_option_book(a, t, HedgeTold::LiquidationFirst)?;
        }
        let fee_rate = self.s.venue.liquidation_fee;
        let max_slip = self.s.venue.max_slippage;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        let mut steps = 0usize;
        // Deribit's order: the instruments already told to be outside the band, and whether the
        // band's edge was announced (each told once).
        let mut outside: Vec<usize> = Vec::new();
        let mut at_band = false;
        let mut traded_hedge = false;
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
            let pick = match order {
                OptionLiquidation::Deribit => match self.in_band_contributor(a, t, &mut outside, !at_band)? {
                    Some(x) => Some(x),
                    None if !hedged && self.m.pm(a).is_some() => {
                        // The last resort, once: the book hedged with its underlyings, then the
                        // rounds go on (the hedge may restore maintenance on its own).
                        hedged = true;
                        let held = |x: &Self| x.accts[a].snap.positions.iter().map(|p| (p.inst, p.size)).collect::<Vec<_>>(); // ok: a < len
                        let before = held(self);
                        self.hedge_option_book(a, t, HedgeTold::LiquidationLastResort)?;
                        traded_hedge = held(self) != before;
                        continue;
                    }
                    None => {
                        if !at_band {
                            at_band = true;
                            let legs = self.cross_legs(a).len();
                            let msg = Msg::LiquidationAtBand { name: self.who(a), legs, hedged: traded_hedge };
                            self.event(t, Some(a), EventKind::RiskRanked, msg, None, None);
                        }
                        self.largest_contributor(a, t, true)?
                    }
                },
                _ => self.largest_contributor(a, t, true)?,
            };
            let Some((k, contribution)) = pick else { break };
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

    /// Deribit's order: account `a`'s cross leg that adds most to its margin (contribution > 0;
    /// on a tie the first held) among those that trade within the price band at step `t` (price
    /// impact at the last traded price at most `max_slippage`). A larger contributor outside the
    /// band is passed over, told once (`outside` remembers its instrument) while `tell` (once
    /// the band's edge is announced, every leg left is known to be outside it).
    fn in_band_contributor(&mut self, a: usize, t: u32, outside: &mut Vec<usize>, tell: bool) -> EngineResult<Option<(usize, Decimal)>> {
        let mut ranked: Vec<(usize, Decimal)> = self.risk_contributions(a, t, true)?.into_iter().filter(|(_, c)| *c > Decimal::ZERO).collect();
        ranked.sort_by(|x, y| y.1.cmp(&x.1)); // stable: ties keep the order held
        let band = self.s.venue.max_slippage;
        for (k, c) in ranked {
            let p = self.accts[a].snap.positions[k].clone(); // ok: k < len (risk_contributions)
            let impact = self.m.price_impact(p.inst, p.size, self.m.last_price(p.inst, t))?;
            if impact <= band {
                return Ok(Some((k, c)));
            }
            if tell && !outside.contains(&p.inst) {
                outside.push(p.inst);
                let msg = Msg::LiquidationOutsideBand { name: self.who(a), size: p.size, inst: self.inst_id(p.inst).into(), impact, band };
                self.event(t, Some(a), EventKind::RiskRanked, msg, Some(c), None);
            }
        }
        Ok(None)
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
