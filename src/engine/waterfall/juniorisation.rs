//! Juniorisation of the survivors' fund (issue 19, `default_auction.juniorise`): toward a
//! default whose portfolio was auctioned, the contributions of the surviving members that did
//! not win (their bid was worse than the winning range, or they did not bid) are used first, pro
//! rata among them; the winners' contributions only after those are spent.

use crate::engine::state::Sim;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CME Rule 802.B (guaranty fund contributions of members that did not bid or bid outside the winning range applied first in the auction's juniorisation tiers); Eurex Clearing Conditions Chapter I Part 1 Number 6.2.3 (contributions of members who did not bid, or bid poorly, applied first); LCH Default Rules (auction incentives: juniorisation of default-fund contributions), domain.md §6.
    /// The contributors `w` (member, contribution) of the survivors' fund, in the tiers that pay
    /// one after the other: the junior tier (not winners of `def`'s auction), then the senior
    /// (winners). One tier, `w` itself, when juniorisation does not apply (no auction, switched
    /// off, or nobody on one side).
    pub(in crate::engine) fn fund_tiers(&self, def: usize, w: Vec<(usize, Decimal)>) -> Vec<Vec<(usize, Decimal)>> {
        let on = self.s.default_auction.as_ref().is_some_and(|x| x.juniorise);
        let Some((_, winners)) = self.auction_winners.iter().rev().find(|x| x.0 == def).filter(|_| on) else { return vec![w] };
        let (senior, junior): (Vec<_>, Vec<_>) = w.into_iter().partition(|x| winners.contains(&x.0));
        if senior.is_empty() || junior.is_empty() {
            return vec![if senior.is_empty() { junior } else { senior }];
        }
        vec![junior, senior]
    }
}
