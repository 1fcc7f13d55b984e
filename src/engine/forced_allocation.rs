//! Forced allocation (issue 19): the part of a defaulter's portfolio no auction bid covers is
//! allocated to the surviving members, pro rata to their default-fund contributions, at the last
//! auction price; without a contributing survivor (or under `forced_allocation: "close_out"`) it
//! is closed out in the market at `venue.auction_discount`, as without an auction.

use super::auction_bids::AuctionPlan;
use super::money::{Checked, EngineResult};
use super::state::Sim;
use super::timeline::*;
use super::waterfall::distribute;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CPMI-IOSCO, Recovery of financial market infrastructures (2014, rev. 2017) §4.2: allocation of unmatched positions to participants when an auction fails; LCH Default Rules (allocation of a defaulter's remaining positions); Eurex Clearing Conditions Chapter I Part 1 Number 7.5.3 (forced allocation to members who did not bid successfully), domain.md §6.
    /// `left` (absolute) of defaulter `a`'s position `pidx` that no bid took: split pro rata to
    /// the plan's contributions by the one `distribute` (sizes at 8 places; the split's dust goes
    /// to the largest share, so the whole of `left` is placed), each part taken over at the
    /// last auction price. Returns what the defaulter realized.
    pub(in crate::engine) fn force_allocate(&mut self, a: usize, pidx: usize, plan: &AuctionPlan, left: Decimal, t: u32) -> EngineResult<Decimal> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: caller's index
        let mark = self.m.mark(p.inst, t);
        if plan.forced_to.is_empty() {
            // Nobody to allocate to: closed in the market, as without bids.
            let signed = if p.size.is_sign_negative() { -left } else { left };
            let px = self.m.exec_price(p.inst, signed, mark, self.s.venue.auction_discount, self.s.venue.max_slippage)?;
            let (r, iso) = self.close_part(a, pidx, left, px, t)?;
            self.cash_add(a, r.add_c(iso, "released margin")?)?;
            let msg = Msg::Auction { name: self.who(a), size: signed, inst: self.inst_id(p.inst).into(), price: px, mark };
            self.event(t, Some(a), EventKind::Liquidation, msg, Some(r), None);
            return Ok(r);
        }
        // `distribute` keeps each share within its weight: scale the contributions (same
        // proportions) so that they hold `left` whatever its units.
        let total = plan.forced_to.iter().try_fold(Decimal::ZERO, |s, w| s.add_c(w.1, "contributions"))?;
        let k = if left > total { left.div_c(total, "allocation scale")?.ceil() } else { Decimal::ONE };
        let weights: Vec<(usize, Decimal)> = plan.forced_to.iter().map(|w| Ok((w.0, w.1.mul_c(k, "allocation scale")?))).collect::<EngineResult<_>>()?;
        let split = distribute(left, &weights)?;
        let mut parts = split.shares;
        if split.dust > Decimal::ZERO {
            let biggest = parts.iter().enumerate().max_by(|x, y| x.1 .1.cmp(&y.1 .1).then(y.0.cmp(&x.0))).map(|x| x.0);
            match biggest {
                Some(j) => parts[j].1 += split.dust, // ok: j from parts
                None => parts.push((plan.forced_to[0].0, split.dust)), // ok: forced_to non-empty
            }
        }
        let px = self.bid_price(p.inst, p.size, mark, plan.forced_discount)?;
        let mut realized = Decimal::ZERO;
        for (w, q) in parts {
            let signed = if p.size.is_sign_negative() { -q } else { q };
            realized = realized.add_c(self.hand_over(a, pidx, w, signed, px, t, "forced allocation: position allocated at the last auction price")?, "forced allocation")?;
            let contribution = plan.forced_to.iter().find(|x| x.0 == w).map(|x| x.1).unwrap_or_default();
            let msg = Msg::ForcedAllocated { name: self.who(a), member: self.who(w), size: signed, inst: self.inst_id(p.inst).into(), price: px, mark, contribution };
            self.event(t, Some(w), EventKind::ForcedAllocation, msg, None, None);
        }
        Ok(realized)
    }
}
