//! Drift's socialization of a bankruptcy (`venue.adl = "drift"`): no position is closed; the loss
//! left is a per-unit Δ = loss / (Σ|longs| + Σ|shorts|) charged to every open position of the
//! instrument, both sides, through its cumulative funding.

use super::distribute::{distribute, DustTo, Split};
use crate::engine::explain::SplitRule;
use crate::engine::account::valuate;
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{Bankrupt, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Drift protocol-v2, `resolve_perp_bankruptcy`: the loss past the insurance fund moves the market's cumulative funding rate by Δ = loss / total base amount, longs and shorts alike (domain.md §7 and "Crypto and on-chain").
    /// Each bankrupt position's loss (its size × its bad debt per unit; the last one takes what is
    /// left) is split over the surviving open positions of its instrument pro rata to size (the
    /// notional at one mark is the size times a common factor, and keeps each share within its
    /// weight, as `distribute` requires). A position pays at most its
    /// account's equity: Drift's funding charge would make a thin account bankrupt in turn, and a
    /// loss the engine charged beyond equity would be counted twice (found by the conservation
    /// property); what such accounts cannot pay goes on down the waterfall.
    pub(in crate::engine) fn adl_drift(&mut self, def: usize, t: u32, l: usize, left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut paid = Decimal::ZERO;
        let last = info.iter().rposition(|b| b.per_unit > Decimal::ZERO);
        for (k, b) in info.iter().enumerate() {
            let rest = left - paid;
            if rest <= Decimal::ZERO || b.per_unit <= Decimal::ZERO {
                continue;
            }
            let own = if Some(k) == last { rest } else { b.size.abs().mul_c(b.per_unit, "Drift loss")?.min(rest) };
            let mark = self.m.mark(b.inst, t);
            let mut w: Vec<(usize, Decimal)> = Vec::new();
            let mut units = Decimal::ZERO;
            for i in self.survivors(def).collect::<Vec<_>>() {
                let Some(p) = self.accts[i].snap.positions.iter().find(|p| p.inst == b.inst && !p.size.is_zero()) else { continue }; // ok: i < len
                units += p.size.abs();
                let size = p.size;
                w.push((i, self.m.notional(b.inst, size, mark)?));
            }
            let total = w.iter().try_fold(Decimal::ZERO, |a, x| a.add_c(x.1, "Drift weights"))?;
            // Money is posted on the money grid (MONEY_DP places): a notional weight or size × bad
            // debt per unit carries more places; rounded down, so `take` stays within the weights and
            // the split's dust is money too (found by the numeric-domain property).
            let take = own.min(total).round_dp_with_strategy(crate::engine::money::MONEY_DP, rust_decimal::RoundingStrategy::ToZero);
            let mut pay = Decimal::ZERO;
            if take > Decimal::ZERO {
                let Split { shares, dust } = distribute(take, &w)?;
                self.split(t, l, SplitRule::PerUnit, Some(def), take, total, None, &w, &shares);
                let mut short = Decimal::ZERO;
                for &(i, sh) in &shares {
                    // At most the account's equity (see above); the rest goes on.
                    let equity = valuate(&self.m, self.m.pm(i), &self.accts[i].snap.collateral, &self.accts[i].snap.positions, t)?.equity; // ok: i < len
                    let can = sh.min(equity.max(Decimal::ZERO));
                    short += sh - can;
                    if can > Decimal::ZERO {
                        self.charge(i, def, t, can, "per-unit loss socialized through funding")?;
                        pay += can;
                    }
                }
                // A split someone could not pay in full leaves its dust in the loss that goes on.
                if short.is_zero() {
                    pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
                }
                let delta = if units > Decimal::ZERO { take.div_c(units, "Drift per-unit loss")? } else { Decimal::ZERO };
                let msg = Msg::PerUnitSocialized { inst: self.inst_id(b.inst).into(), delta, count: shares.len(), take: pay };
                self.event(t, None, EventKind::Haircut, msg, Some(pay), Some(l));
            }
            paid += pay;
            self.adl_report(t, l, b.inst, own, pay, Decimal::ZERO);
        }
        Ok(paid)
    }
}
