//! A clearing house's default management: the defaulter's portfolio is auctioned at a discount to
//! mark; what its margin cannot pay goes down the waterfall.

use super::account::{valuate, Status};
use super::money::{sum_c, Checked, EngineResult};
use super::state::{Bankrupt, Closed, Notionals, Sim};
use super::timeline::*;
use super::liquidation::spread_bad_debt;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    pub(in crate::engine) fn drain_queue(&mut self, t: u32) -> EngineResult<()> {
        while let Some((a, cascade)) = self.queue.pop_front() {
            if self.accts.get(a).map(|x| x.defaulter).unwrap_or(true) {
                continue;
            }
            self.default_member(a, t, cascade)?;
        }
        Ok(())
    }

    /// Source: CPMI-IOSCO PFMI / CCP default management: hedge and auction the defaulter's portfolio, often at a discount (domain.md §6).
    /// Clearing-house default management: the portfolio is auctioned at a discount to mark; the
    /// close-out loss meets the defaulter's margin, then the rest of the waterfall.
    pub(in crate::engine) fn default_member(&mut self, a: usize, t: u32, cascade: bool) -> EngineResult<()> {
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
}
