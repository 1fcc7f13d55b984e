//! The default auction as clearing-house rulebooks run it (issue 19, `default_auction`): the
//! surviving members bid for shares of the defaulter's portfolio at a discount to mark; the best
//! bids (lowest discount) win, each up to its share, and the winners take the positions over at
//! their own bid's price (pay as bid). What no bid covers goes to forced allocation
//! (`forced_allocation.rs`); the fund contributions of the members who did not win are used
//! first (`waterfall/juniorisation.rs`).

use super::money::{Checked, EngineResult};
use super::state::Sim;
use super::timeline::*;
use super::forced_allocation::in_whole_lots;
use crate::scenario::ForcedAllocation;
use rust_decimal::Decimal;

/// One default's auction, decided once for the whole portfolio before its positions are closed.
pub(in crate::engine) struct AuctionPlan {
    /// The winning bids, best first: (member, share of each position it takes, discount).
    pub fills: Vec<(usize, Decimal, Decimal)>,
    /// The share of the portfolio no winning bid covers.
    pub uncovered: Decimal,
    /// The discount of forced allocation: the last auction price's (the worst winning bid's),
    /// `venue.auction_discount` when no bid won.
    pub forced_discount: Decimal,
    /// Forced allocation's weights: (surviving member, fund contribution); empty under
    /// `close_out` or when no surviving member contributes.
    pub forced_to: Vec<(usize, Decimal)>,
}

impl<'a> Sim<'a> {
    /// Source: CME Rule 802 and CME's default auction procedures (portfolio auctioned to clearing members, best bids first); Eurex Clearing Conditions Chapter I Part 1 Number 7.5 (default management auction); LCH Default Rules and Default Management Process; ICE Clear Credit Rule 20 (auction procedures).
    /// The auction of defaulter `a`'s portfolio: bids from members that survive this default,
    /// within the reserve (`max_discount`), ranked by discount (lowest first; equal discounts in the order written), each filled up
    /// to its share until the whole portfolio is covered; a bid past that point wins nothing
    /// (it was worse than the winning range).
    pub(in crate::engine) fn auction_plan(&self, a: usize) -> EngineResult<Option<AuctionPlan>> {
        let Some(x) = &self.s.default_auction else { return Ok(None) };
        let mut bids: Vec<(usize, Decimal, Decimal)> = x
            .bids
            .iter()
            .filter_map(|b| {
                // Beyond the clearing house's reserve: rejected.
                if x.max_discount.is_some_and(|m| b.discount > m) {
                    return None;
                }
                let i = self.infos.iter().position(|n| *n.id == *b.member)?;
                self.is_survivor(i, a).then_some((i, b.share, b.discount))
            })
            .collect();
        bids.sort_by_key(|b| b.2); // stable: equal discounts keep their order
        let mut covered = Decimal::ZERO;
        let mut fills = Vec::new();
        for (i, share, discount) in bids {
            let take = share.min(Decimal::ONE.sub_c(covered, "auction cover")?);
            if take <= Decimal::ZERO {
                break;
            }
            covered = covered.add_c(take, "auction cover")?;
            fills.push((i, take, discount));
        }
        let forced_discount = fills.last().map(|f| f.2).unwrap_or(self.s.venue.auction_discount);
        let forced_to = match x.forced_allocation {
            ForcedAllocation::CloseOut => Vec::new(),
            ForcedAllocation::ProRataToContribution => self.contributing_survivors(a).map(|i| (i, self.accts[i].snap.contribution)).filter(|w| w.1 > Decimal::ZERO).collect(), // ok: i < len
        };
        Ok(Some(AuctionPlan { fills, uncovered: Decimal::ONE.sub_c(covered, "auction cover")?, forced_discount, forced_to }))
    }

    /// The price a bid at `discount` pays for position `size` (signed, the defaulter's) at
    /// `mark`: a long is bought below mark, a short taken over above it; on the tick grid.
    pub(in crate::engine) fn bid_price(&self, inst: usize, size: Decimal, mark: Decimal, discount: Decimal) -> EngineResult<Decimal> {
        let signed = if size.is_sign_negative() { -discount } else { discount };
        let raw = mark.mul_c(Decimal::ONE.sub_c(signed, "bid price")?, "bid price")?;
        let tick = self.m.meta(inst).map(|m| m.tick_size).unwrap_or_default();
        let px = crate::scenario::price_path::round_to_tick(raw, tick).ok_or_else(|| super::money::EngineError::Overflow { what: "bid price rounded to the tick".into() })?;
        // A deep discount on a price of a few ticks may round to 0: the grid's lowest price
        // instead (an inverse contract's PnL divides by the price).
        Ok(if px <= Decimal::ZERO && tick > Decimal::ZERO { tick } else { px })
    }

    /// Defaulter `a`'s position `pidx` goes to the plan's winning bids (then forced allocation,
    /// `forced_allocation.rs`). Positions are held in whole lots of the contract: the position is
    /// split between the winning bids and the part no bid covers by `in_whole_lots` (largest
    /// remainder, ties to the better bid; what is below one lot joins the largest part, and a
    /// bid whose share comes to less than a lot wins none). The uncovered part goes to forced
    /// allocation. The parts sum to the position exactly. Returns what the defaulter realized.
    pub(in crate::engine) fn auction_position(&mut self, a: usize, pidx: usize, plan: &AuctionPlan, t: u32) -> EngineResult<Decimal> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: the caller's index (< len)
        let mark = self.m.mark(p.inst, t);
        let whole = p.size.abs();
        let lot = self.m.meta.get(p.inst).map(|x| x.lot_size).unwrap_or_default();
        // Weights keyed by the bid's rank (a member may bid twice); the uncovered part last.
        let mut weights: Vec<(usize, Decimal)> = plan.fills.iter().enumerate().map(|(k, f)| (k, f.1)).collect();
        weights.push((plan.fills.len(), plan.uncovered));
        let parts = in_whole_lots(whole, lot, &weights)?;
        let part = |k: usize| parts.iter().find(|x| x.0 == k).map(|x| x.1).unwrap_or_default();
        let mut left = whole;
        let mut realized = Decimal::ZERO;
        for (k, &(w, _, discount)) in plan.fills.iter().enumerate() {
            let q = part(k).min(left);
            if q.is_zero() {
                continue;
            }
            let px = self.bid_price(p.inst, p.size, mark, discount)?;
            let signed = if p.size.is_sign_negative() { -q } else { q };
            realized = realized.add_c(self.hand_over(a, pidx, w, signed, px, t, "auction: position won at the bid's price")?, "auction")?;
            left = left.sub_c(q, "auction")?;
            let msg = Msg::AuctionWon { name: self.who(a), winner: self.who(w), size: signed, inst: self.inst_id(p.inst).into(), price: px, mark, discount };
            self.event(t, Some(w), EventKind::AuctionWon, msg, None, None);
        }
        if left > Decimal::ZERO {
            realized = realized.add_c(self.force_allocate(a, pidx, plan, left, t)?, "auction")?;
        }
        Ok(realized)
    }

    /// Source: CPMI-IOSCO PFMI / CCP default management: a defaulter's position the clearing house cannot place is closed out in the market at a discount (domain.md §6).
    /// `q` (absolute) of defaulter `a`'s position `pidx` sold in the market at
    /// `venue.auction_discount` from `reference` (the last traded price, or the mark), its
    /// released margin back in its cash, and the event that says so: the close-out's one
    /// bookkeeping for the auction without bids (`default_auction.rs`) and the book that forced
    /// allocation cannot place (`forced_allocation.rs`). Returns what the defaulter realized.
    pub(in crate::engine) fn sell_in_market(&mut self, a: usize, pidx: usize, q: Decimal, reference: Decimal, t: u32) -> EngineResult<Decimal> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: caller's index
        let mark = self.m.mark(p.inst, t);
        let signed = if p.size.is_sign_negative() { -q } else { q };
        let px = self.m.exec_price(p.inst, signed, reference, self.s.venue.auction_discount, self.s.venue.max_slippage)?;
        let (r, iso) = self.close_part(a, pidx, q, px, t)?;
        self.cash_add(a, r.add_c(iso, "released margin")?)?;
        let msg = Msg::Auction { name: self.who(a), size: signed, inst: self.inst_id(p.inst).into(), price: px, mark };
        self.event(t, Some(a), EventKind::Liquidation, msg, Some(r), None);
        Ok(r)
    }

    /// `size` (signed) of defaulter `a`'s position `pidx` closes at `price` and member `w` takes
    /// it over at that price. Returns what the defaulter realized (already in its cash).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::engine) fn hand_over(&mut self, a: usize, pidx: usize, w: usize, size: Decimal, price: Decimal, t: u32, memo: &'static str) -> EngineResult<Decimal> {
        let inst = self.accts[a].snap.positions[pidx].inst; // ok: caller's index
        let (r, iso) = self.close_part(a, pidx, size.abs(), price, t)?;
        self.cash_add(a, r.add_c(iso, "released margin")?)?;
        self.open_at(w, inst, size, price, t, memo)?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind, Timeline};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// d (cash 20, fund 10) is long 10 X at 100 and is declared in default at step 1; X is at
    /// 100 until step 1, 110 at step 2. b holds the other side. m1..m4 contribute 100, 200, 300, 100 to the fund; `auction`
    /// is the `default_auction` section (empty: none).
    fn scenario(auction: &str) -> String {
        format!(
            r#"{{"version":1,"steps":2,"venue":{{"style":"ccp","auction_discount":"0.2"}},
            "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.02","maintenance":"0.01"}},"price":{{"initial":"100","points":[{{"step":1,"price":"100"}},{{"step":2,"price":"110"}}]}}}}],
            "accounts":[{{"id":"d","role":"member","cash":"20","fund_contribution":"10","positions":[{{"instrument":"X","size":"10"}}]}},
                        {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-10"}}]}},
                        {{"id":"m1","role":"member","cash":"10000","fund_contribution":"100"}},
                        {{"id":"m2","role":"member","cash":"10000","fund_contribution":"200"}},
                        {{"id":"m3","role":"member","cash":"10000","fund_contribution":"300"}},
                        {{"id":"m4","role":"member","cash":"10000","fund_contribution":"100"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"defaulter_fund_contribution"}},{{"kind":"survivors_fund"}}],
            "declared_defaults":[{{"account":"d","step":1}}]{auction}}}"#
        )
    }

    fn run(auction: &str) -> Timeline {
        simulate(&crate::scenario::from_json(&scenario(auction)).expect("scenario")).expect("runs")
    }

    /// (size of X held, cash) of account `a` at step 1.
    fn book(t: &Timeline, a: usize) -> (Decimal, Decimal) {
        let s = t.snapshot_at(a, 1).expect("account");
        (s.positions.iter().map(|p| p.size).sum(), s.collateral[0])
    }

    fn contributions(t: &Timeline) -> Vec<Decimal> {
        (2..6).map(|a| t.snapshot_at(a, 1).expect("account").contribution).collect()
    }

    /// By hand. Bids: m1 60 % of the book at 5 %, m2 40 % at 10 %, m3 50 % at 30 %
    /// (worse than the winning range: the first two cover the book), m4 none.
    /// - Allocation: m1 takes 6 X at 100 × 0.95 = 95, m2 4 X at 90. d realizes 6 × −5 + 4 × −10
    ///   = −70 on its cash of 20: margin 20, deficit 50; its own fund 10 → 40 left.
    /// - The winners carry their positions from mark: m1 10,000 + 6 × 5 = 10,030 of cash and
    ///   6 X; m2 10,000 + 4 × 10 = 10,040 and 4 X.
    /// - Juniorisation: the 40 comes from m3 and m4 (did not win), pro rata 300 : 100 = 30 and
    ///   10; m1 and m2 keep their 100 and 200.
    /// - Without juniorisation: pro rata over all four (700): 40 × 100/700 = 5.71428571,
    ///   40 × 200/700 = 11.42857142, 40 × 300/700 = 17.14285714, 5.71428571 (rounded down at 8
    ///   places; 0.00000002 of dust from the rounding account).
    /// Issue 19 (bug: bid fills were sized at 8 places, 3.5 X of a 1-lot contract). By hand,
    /// d's 10 X (lot 1). Bids m1 35 % at 5 %, m2 35 % at 10 %, m3 30 % at 30 %: quotas 3.5, 3.5,
    /// 3; whole lots 3, 3, 3; the lot left goes to the largest remainder, 0.5 for m1 and m2,
    /// equal shares: the better bid, m1. m1 4 X at 95 (cash 10,000 + 4 × 5 = 10,020), m2 3 X at
    /// 90 (10,030), m3 3 X at 70 (10,090): 10 X in all.
    /// Bids m1 5 % at 5 %, m2 95 % at 10 %: quotas 0.5 and 9.5, whole 0 and 9, the lot left to
    /// the remainder 0.5 of the larger share (m2): m1's half lot is below one lot and wins
    /// nothing; m2 10 X at 90 (10,000 + 10 × 10 = 10,100).
    /// Bids m1 25 % at 5 %, m2 25 % at 10 % (half the book uncovered): quotas 2.5, 2.5 and 5
    /// uncovered; whole 2, 2, 5; the lot left to the largest remainder, 0.5 for m1 and m2 (the
    /// uncovered part has none): the better bid, m1. m1 3 X, m2 2 X, 5 X to forced allocation at
    /// 90, pro rata 100 : 200 : 300 : 100 (quotas 0.714, 1.429, 2.143, 0.714; whole 0, 1, 2, 0;
    /// the 2 left to the remainders 0.714 of m1 and m4): m1 1, m2 1, m3 2, m4 1. m1 holds
    /// 3 + 1 = 4 X, m2 2 + 1 = 3 X.
    #[test]
    fn bid_fills_are_whole_lots_by_largest_remainder() {
        let t = run(r#","default_auction":{"bids":[{"member":"m1","discount":"0.05","share":"0.35"},{"member":"m2","discount":"0.1","share":"0.35"},{"member":"m3","discount":"0.3","share":"0.3"}]}"#);
        assert_eq!((book(&t, 2), book(&t, 3), book(&t, 4)), ((d("4"), d("10020")), (d("3"), d("10030")), (d("3"), d("10090"))));
        assert_eq!(book(&t, 0).0, d("0"));
        t.conservation().expect("conserves");

        let t = run(r#","default_auction":{"bids":[{"member":"m1","discount":"0.05","share":"0.05"},{"member":"m2","discount":"0.1","share":"0.95"}]}"#);
        assert_eq!((book(&t, 2), book(&t, 3)), ((d("0"), d("10000")), (d("10"), d("10100"))));
        assert!(t.events_at(1).iter().filter(|e| e.kind == EventKind::AuctionWon).all(|e| e.account == Some(3)));
        t.conservation().expect("conserves");

        let t = run(r#","default_auction":{"bids":[{"member":"m1","discount":"0.05","share":"0.25"},{"member":"m2","discount":"0.1","share":"0.25"}]}"#);
        let sizes: Vec<Decimal> = (2..6).map(|a| book(&t, a).0).collect();
        assert_eq!(sizes, vec![d("4"), d("3"), d("2"), d("1")]);
        assert_eq!(t.events_at(1).iter().filter(|e| e.kind == EventKind::ForcedAllocation).count(), 4);
        t.conservation().expect("conserves");
    }

    #[test]
    fn best_bids_win_their_shares_and_the_others_pay_first() {
        let bids = r#"{"member":"m1","discount":"0.05","share":"0.6"},{"member":"m2","discount":"0.1","share":"0.4"},{"member":"m3","discount":"0.3","share":"0.5"}"#;
        let t = run(&format!(r#","default_auction":{{"bids":[{bids}]}}"#));
        assert_eq!(book(&t, 2), (d("6"), d("10030")));
        assert_eq!(book(&t, 3), (d("4"), d("10040")));
        assert_eq!(book(&t, 4), (d("0"), d("10000")));
        // Marked from then on like any position: at 110, m1's 6 X add 60, m2's 4 X 40.
        assert_eq!(t.account_at(2, 2).equity, d("10090"));
        assert_eq!(t.account_at(3, 2).equity, d("10080"));
        assert_eq!(t.summary.deficit, d("70"));
        assert_eq!(t.summary.by_layer, vec![d("20"), d("10"), d("40")]);
        assert_eq!(contributions(&t), vec![d("100"), d("200"), d("270"), d("90")]);
        let texts: Vec<String> = t.events_at(1).iter().filter(|e| matches!(e.kind, EventKind::AuctionWon | EventKind::Juniorisation)).map(|e| e.text()).collect();
        assert_eq!(texts[0], "Auction: m1 wins 6 X of d's portfolio with its bid of 5% below mark, at 95 (mark 100); it carries the position from now on.");
        assert_eq!(texts[1], "Auction: m2 wins 4 X of d's portfolio with its bid of 10% below mark, at 90 (mark 100); it carries the position from now on.");
        assert!(texts[2].starts_with("Juniorisation: toward d's default, the fund contributions of the 2 member(s)"), "{}", texts[2]);
        t.conservation().expect("conserves");
        assert!(t.conservation().expect("figures").allocated_plus_unallocated_equals_deficit);

        let t = run(&format!(r#","default_auction":{{"bids":[{bids}],"juniorise":false}}"#));
        assert_eq!(t.summary.by_layer, vec![d("20"), d("10"), d("40")]);
        assert_eq!(contributions(&t), vec![d("100") - d("5.71428571"), d("200") - d("11.42857142"), d("300") - d("17.14285714"), d("100") - d("5.71428571")]);
        assert!(t.events_at(1).iter().all(|e| e.kind != EventKind::Juniorisation));
        assert!(t.conservation().expect("figures").ledger_balances);
    }

    /// By hand. Bids: m1 30 % at 5 %, m2 20 % at 10 %: half the book (5 X) is uncovered.
    /// - m1 takes 3 X at 95 (d: −15), m2 2 X at 90 (−20).
    /// - Forced allocation of 5 X at the last auction price, 100 × (1 − 0.10) = 90 (d: −50),
    ///   pro rata to the survivors' contributions 100 : 200 : 300 : 100 (700) in whole lots of 1
    ///   (largest remainder): quotas 0.714, 1.429, 2.143, 0.714 → whole lots 0, 1, 2, 0; the two
    ///   lots left go to the largest remainders, m1's and m4's 0.714: 1, 1, 2, 1.
    /// - d's loss 15 + 20 + 50 = 85: margin 20, own fund 10, then 55 from the members that did
    ///   not win, m3 and m4, pro rata 300 : 100: 41.25 and 13.75.
    /// - m1 holds 3 + 1 = 4 X and has 10,000 + 3 × 5 + 1 × 10 = 10,025 cash; m2 2 + 1 = 3 X,
    ///   10,000 + 2 × 10 + 10 = 10,030; m3 2 X, 10,020; m4 1 X, 10,010.
    #[test]
    fn what_no_bid_covers_is_allocated_pro_rata_to_contributions() {
        let bids = r#"{"member":"m1","discount":"0.05","share":"0.3"},{"member":"m2","discount":"0.1","share":"0.2"}"#;
        let t = run(&format!(r#","default_auction":{{"bids":[{bids}]}}"#));
        assert_eq!(book(&t, 2), (d("4"), d("10025")));
        assert_eq!(book(&t, 3), (d("3"), d("10030")));
        assert_eq!(book(&t, 4), (d("2"), d("10020")));
        assert_eq!(book(&t, 5), (d("1"), d("10010")));
        assert_eq!(book(&t, 0).0, Decimal::ZERO);
        assert_eq!(t.summary.deficit, d("85"));
        assert_eq!(t.summary.by_layer, vec![d("20"), d("10"), d("55")]);
        assert_eq!(contributions(&t), vec![d("100"), d("200"), d("258.75"), d("86.25")]);
        let forced: Vec<String> = t.events_at(1).iter().filter(|e| e.kind == EventKind::ForcedAllocation).map(|e| e.text()).collect();
        assert_eq!(forced.len(), 4);
        assert_eq!(forced[2], "Forced allocation: 2 X of d's portfolio that no bid covered goes to m3, pro rata to its fund contribution of $300.00, at the last auction price 90 (mark 100).");
        let c = t.conservation().expect("figures");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated);

        // A reserve of 10 %: m3's bid at 30 % is rejected; with m1 and m2 as above, the same
        // half is forced (m3 would otherwise have taken it at 70).
        let with_m3 = r#"{"member":"m1","discount":"0.05","share":"0.3"},{"member":"m2","discount":"0.1","share":"0.2"},{"member":"m3","discount":"0.3","share":"0.5"}"#;
        let reserve = run(&format!(r#","default_auction":{{"bids":[{with_m3}],"max_discount":"0.1"}}"#));
        assert_eq!(reserve.summary.deficit, d("85"));
        assert_eq!(book(&reserve, 4), (d("2"), d("10020")));
        let e = crate::scenario::from_json(&scenario(r#","default_auction":{"max_discount":"-0.1"}"#)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(e.contains("default_auction.max_discount"), "{e}");

        // `close_out`: the uncovered half is sold in the market at venue.auction_discount (20 %),
        // at 80: d loses 15 + 20 + 5 × 20 = 135 in all.
        let t = run(&format!(r#","default_auction":{{"bids":[{bids}],"forced_allocation":"close_out"}}"#));
        assert_eq!(t.summary.deficit, d("135"));
        assert_eq!(book(&t, 4), (d("0"), d("10000")));
    }

    /// A bidder in default does not win; without a section nothing changes (the golden digests
    /// pin it); the section is validated by name with its full path.
    #[test]
    fn the_auction_is_validated_by_name() {
        let err = |x: &str| crate::scenario::from_json(&scenario(x)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        let e = err(r#","default_auction":{"bids":[{"member":"nobody","discount":"0.1","share":"0.5"}]}"#);
        assert!(e.contains("default_auction.bids[0].member") && e.contains("no account `nobody`"), "{e}");
        let e = err(r#","default_auction":{"bids":[{"member":"m1","discount":"1","share":"0.5"}]}"#);
        assert!(e.contains("default_auction.bids[0].discount"), "{e}");
        let e = err(r#","default_auction":{"bids":[{"member":"m1","discount":"0.1","share":"0"}]}"#);
        assert!(e.contains("default_auction.bids[0].share"), "{e}");
        let e = err(r#","default_auction":{"bids":[{"member":"m1","discount":"0.1","share":"0.5"},{"member":"m1","discount":"0.2","share":"0.5"}]}"#);
        assert!(e.contains("default_auction.bids[1].member") && e.contains("already bid"), "{e}");
        let e = err(r#","default_auction":{"bids":[{"member":"m1","discount":"0.1","shares":"0.5"}]}"#);
        assert!(e.contains("default_auction.bids[0]") && e.contains("unknown field"), "{e}");
        let e = err(r#","default_auction":{"forced_allocation":"lottery"}"#);
        assert!(e.contains("default_auction.forced_allocation"), "{e}");
        assert!(err(r#","default_auction":{"bids":[{"member":"m1","discount":"0.1","share":"0.5"}]}"#).is_empty());
        let s = crate::scenario::from_json(&scenario("")).expect("scenario");
        assert!(!crate::scenario::to_json(&s).contains("default_auction"));
        // Written back and shared as given.
        let s = crate::scenario::from_json(&scenario(r#","default_auction":{"bids":[{"member":"m1","discount":"0.05","share":"0.6"}],"forced_allocation":"close_out","juniorise":false}"#)).expect("scenario");
        assert_eq!(crate::scenario::from_json(&crate::scenario::to_json(&s)).expect("round trip"), s);
        assert_eq!(crate::scenario::codec::decode(&crate::scenario::codec::encode(&s, None)).expect("link").scenario, s);
        let exch = scenario(r#","default_auction":{}"#).replace(r#""style":"ccp""#, r#""style":"exchange""#);
        let e = crate::scenario::from_json(&exch).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(e.contains("default_auction") && e.contains("ccp"), "{e}");
    }

    /// The `default-auction` preset's figures, by hand. Alpha long 100 at 100, cash 1,200; the
    /// price gaps to 80 at step 4 (variation margin −2,000) and Alpha defaults at step 5.
    /// - Charlie 40 lots at 80 × 0.96 = 76.80 (−128), Delta 30 at 80 × 0.92 = 73.60 (−192);
    ///   Echo's 25 % is beyond the 15 % reserve. The 30 lots left go pro rata 400 : 300 : 200 :
    ///   100 to Charlie, Delta, Echo, Foxtrot: 12, 9, 6, 3 lots at 73.60 (−192).
    /// - Loss 2,000 + 512 = 2,512: margin 1,200, own fund 300, SIG 50, 962 left.
    /// - Juniorised: Echo 200 and Foxtrot 100 first (300), then 662 from Charlie and Delta pro
    ///   rata 400 : 300: 378.28571428 and 283.71428571, 0.00000001 of dust.
    #[test]
    fn the_preset_tells_its_figures() {
        let s = crate::scenario::presets::by_id("default-auction").expect("preset").scenario;
        let t = simulate(&s).expect("runs");
        let held = |a: usize| t.snapshot_at(a, 5).expect("account").positions.iter().map(|p| p.size).sum::<Decimal>();
        assert_eq!((held(1), held(2), held(3), held(4)), (d("-50") + d("52"), d("-50") + d("39"), d("6"), d("3")));
        assert_eq!(t.summary.deficit, d("2512"));
        assert_eq!(t.summary.by_layer, vec![d("1200"), d("300"), d("50"), d("962"), d("0")]);
        let fund: Vec<Decimal> = (1..5).map(|a| t.snapshot_at(a, 5).expect("account").contribution).collect();
        assert_eq!(fund, vec![d("400") - d("378.28571428"), d("300") - d("283.71428571"), d("0"), d("0")]);
        let prices: Vec<String> = t.events_at(5).iter().filter(|e| matches!(e.kind, EventKind::AuctionWon | EventKind::ForcedAllocation)).map(|e| e.text()).collect();
        assert!(prices[0].contains("at 76.8 (mark 80)") && prices[1].contains("at 73.6 (mark 80)") && prices[2].contains("12 POWER-Q1"), "{prices:?}");
        assert!(t.conservation().expect("figures").allocated_plus_unallocated_equals_deficit);
    }
}
