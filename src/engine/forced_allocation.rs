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
    /// the plan's contributions in whole lots of the instrument (`in_whole_lots`), each part
    /// taken over at the last auction price. Returns what the defaulter realized.
    pub(in crate::engine) fn force_allocate(&mut self, a: usize, pidx: usize, plan: &AuctionPlan, left: Decimal, t: u32) -> EngineResult<Decimal> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: caller's index
        let mark = self.m.mark(p.inst, t);
        if plan.forced_to.is_empty() {
            // Nobody to allocate to: closed in the market, as without bids.
            return self.sell_in_market(a, pidx, left, mark, t);
        }
        let lot = self.m.meta.get(p.inst).map(|x| x.lot_size).unwrap_or_default();
        let parts = in_whole_lots(left, lot, &plan.forced_to)?;
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

/// Source: CPMI-IOSCO, Recovery of FMIs (2014, rev. 2017) §4.2 (allocation of unmatched positions pro rata); positions are held in whole lots of the contract (the instrument's `lot_size`), so the split is by the largest-remainder (Hamilton) method.
/// `left` of a position split pro rata to `weights` in whole lots of `lot`, exactly: the lots
/// `n = ⌊left / lot⌋` are split by the one `distribute` (shares at 8 places), each member takes
/// the whole lots of its share, and the lots still to place go one each to the largest
/// remainders (ties: the larger weight, then the earlier member). What is left below one lot
/// (a position not in whole lots) joins the largest part. Without a lot size (0), the split
/// stays at 8 places with its dust on the largest share. The parts sum to `left`; none is 0.
pub(in crate::engine) fn in_whole_lots(left: Decimal, lot: Decimal, weights: &[(usize, Decimal)]) -> EngineResult<Vec<(usize, Decimal)>> {
    let unit = if lot > Decimal::ZERO { lot } else { Decimal::ONE };
    let n = if lot > Decimal::ZERO { left.div_c(lot, "lots")?.floor() } else { left };
    // `distribute` keeps each share within its weight: scale the weights (same proportions) so
    // that they hold `n` whatever its units.
    let total = weights.iter().try_fold(Decimal::ZERO, |s, w| s.add_c(w.1, "contributions"))?;
    let k = if n > total && total > Decimal::ZERO { n.div_c(total, "allocation scale")?.ceil() } else { Decimal::ONE };
    let scaled: Vec<(usize, Decimal)> = weights.iter().map(|w| Ok((w.0, w.1.mul_c(k, "allocation scale")?))).collect::<EngineResult<_>>()?;
    let split = distribute(n, &scaled)?;
    let weight = |i: usize| weights.iter().find(|w| w.0 == i).map(|w| w.1).unwrap_or_default();
    let mut parts: Vec<(usize, Decimal)> = if lot > Decimal::ZERO {
        let mut base: Vec<(usize, Decimal)> = split.shares.iter().map(|s| (s.0, s.1.floor())).collect();
        let placed = base.iter().try_fold(Decimal::ZERO, |s, b| s.add_c(b.1, "lots placed"))?;
        let mut order: Vec<usize> = (0..base.len()).collect();
        let rem = |j: usize| split.shares[j].1 - base[j].1; // ok: j < len
        order.sort_by(|&x, &y| rem(y).cmp(&rem(x)).then(weight(base[y].0).cmp(&weight(base[x].0))).then(x.cmp(&y))); // ok: x, y < len
        let mut extra = n.sub_c(placed, "lots to place")?;
        for j in order {
            if extra <= Decimal::ZERO {
                break;
            }
            base[j].1 += Decimal::ONE; // ok: j < len
            extra -= Decimal::ONE;
        }
        base.into_iter().map(|b| Ok((b.0, b.1.mul_c(unit, "lots")?))).collect::<EngineResult<_>>()?
    } else {
        let mut p = split.shares;
        let dust = split.dust;
        if let Some(j) = largest(&p) {
            p[j].1 += dust; // ok: j from p
        }
        p
    };
    // Below one lot (or, without a lot size, what no share took): to the largest part, or to
    // the largest weight when no part got a lot.
    let placed = parts.iter().try_fold(Decimal::ZERO, |s, b| s.add_c(b.1, "placed"))?;
    let rest = left.sub_c(placed, "below one lot")?;
    if rest > Decimal::ZERO {
        match largest(&parts) {
            Some(j) if parts[j].1 > Decimal::ZERO => parts[j].1 += rest, // ok: j from parts
            _ => {
                let heaviest = weights.iter().enumerate().max_by(|x, y| x.1 .1.cmp(&y.1 .1).then(y.0.cmp(&x.0))).map(|x| x.1 .0);
                if let Some(i) = heaviest {
                    match parts.iter_mut().find(|p| p.0 == i) {
                        Some(p) => p.1 += rest,
                        None => parts.push((i, rest)),
                    }
                }
            }
        }
    }
    parts.retain(|p| p.1 > Decimal::ZERO);
    Ok(parts)
}

/// The index of the largest part (the earliest of equals).
fn largest(parts: &[(usize, Decimal)]) -> Option<usize> {
    parts.iter().enumerate().max_by(|x, y| x.1 .1.cmp(&y.1 .1).then(y.0.cmp(&x.0))).map(|x| x.0)
}

#[cfg(test)]
mod tests {
    use super::in_whole_lots;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// By hand, largest remainder. 5 lots to weights 100 : 200 : 300 : 100 (700): quotas
    /// 0.714…, 1.428…, 2.142…, 0.714…; whole lots 0, 1, 2, 0 (3 placed); the 2 left go to the
    /// largest remainders, 0.714… (m1) and 0.714… (m4, tied with m1 at the same weight: m1 first,
    /// then m4): 1, 1, 2, 1. In lots of 10: 10, 10, 20, 10 = 50.
    /// 7 lots to 1 : 1 : 1: 2.33… each, whole 2, 2, 2; the one left to the first of equals: 3, 2, 2.
    /// 5.5 (lot 1) to 1 : 3: 5 lots → 1.25, 3.75 → 1, 3, one left to 0.75 (the second): 1, 4; the
    /// 0.5 below a lot joins the largest part: 1, 4.5.
    #[test]
    fn lots_go_by_largest_remainder_and_sum_exactly() {
        let w = vec![(2, d("100")), (3, d("200")), (4, d("300")), (5, d("100"))];
        assert_eq!(in_whole_lots(d("5"), d("1"), &w).unwrap(), vec![(2, d("1")), (3, d("1")), (4, d("2")), (5, d("1"))]);
        assert_eq!(in_whole_lots(d("50"), d("10"), &w).unwrap(), vec![(2, d("10")), (3, d("10")), (4, d("20")), (5, d("10"))]);
        let eq = vec![(0, d("1")), (1, d("1")), (2, d("1"))];
        assert_eq!(in_whole_lots(d("7"), d("1"), &eq).unwrap(), vec![(0, d("3")), (1, d("2")), (2, d("2"))]);
        assert_eq!(in_whole_lots(d("5.5"), d("1"), &[(0, d("1")), (1, d("3"))]).unwrap(), vec![(0, d("1")), (1, d("4.5"))]);
        // Fewer lots than members: 1 lot to 1 : 1 : 1 goes whole to the first of equals.
        assert_eq!(in_whole_lots(d("1"), d("1"), &eq).unwrap(), vec![(0, d("1"))]);
        // Less than a lot: to the heaviest weight.
        assert_eq!(in_whole_lots(d("0.3"), d("1"), &[(0, d("1")), (1, d("3"))]).unwrap(), vec![(1, d("0.3"))]);
        // Without a lot size: 8 places, dust to the largest share (the earlier of equals).
        assert_eq!(in_whole_lots(d("1"), d("0"), &eq).unwrap(), vec![(0, d("0.33333334")), (1, d("0.33333333")), (2, d("0.33333333"))]);
        // Many lots against small weights (scaled): 1,000 lots to 1 : 3 → 250, 750.
        assert_eq!(in_whole_lots(d("1000"), d("1"), &[(0, d("1")), (1, d("3"))]).unwrap(), vec![(0, d("250")), (1, d("750"))]);
    }
}
