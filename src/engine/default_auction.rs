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
        loop {
            // Members already closed out by a set-off first: their loss goes down the waterfall
            // once the walk that closed them out has ended.
            if let Some((a, margin_used, d, info)) = self.closed_out.pop_front() {
                self.allocate(a, t, margin_used, d, &info)?;
                continue;
            }
            let Some((a, cascade)) = self.queue.pop_front() else { break };
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
        let msg = Msg::Default { name: self.who(a), cascade };
        let (margin_used, d, info) = self.close_out(a, t, msg)?;
        self.allocate(a, t, margin_used, d, &info)
    }

    /// Source: CCP default rules, the clearing house may declare a member in default on other grounds than a failed margin call (CPMI-IOSCO PFMI Principle 13, domain.md §6).
    /// The scenario's `declared_defaults` of step `t`: each account still in the run is declared
    /// in default, closed out and its loss goes down the waterfall, whatever its margin.
    pub(in crate::engine) fn declare_defaults(&mut self, t: u32) -> EngineResult<()> {
        // Every member declared for this step is in default before the first walk starts: none
        // of them is a survivor of another's (issue 19).
        for x in self.s.declared_defaults.iter().filter(|x| x.step == t) {
            if let Some(a) = self.infos.iter().position(|i| *i.id == *x.account) {
                if self.accts.get(a).is_some_and(|x| !x.defaulter && !x.snap.status.is_out()) {
                    self.mark_in_default(a);
                }
            }
        }
        for k in 0..self.s.declared_defaults.len() {
            let Some(x) = self.s.declared_defaults.get(k).filter(|x| x.step == t) else { continue };
            let Some(a) = self.infos.iter().position(|i| *i.id == *x.account) else { continue };
            if self.accts.get(a).is_none_or(|x| x.defaulter || x.snap.status.is_out()) {
                continue;
            }
            let msg = Msg::Declared { name: self.who(a) };
            let (margin_used, d, info) = self.close_out(a, t, msg)?;
            self.allocate(a, t, margin_used, d, &info)?;
        }
        Ok(())
    }

    /// The default's first half: declared (`msg` says why), its portfolio auctioned and its
    /// collateral sold. Returns the margin the close-out used, the deficit beyond it and the
    /// positions closed.
    pub(in crate::engine) fn close_out(&mut self, a: usize, t: u32, msg: Msg<super::ledger::Party>) -> EngineResult<(Decimal, Decimal, Closed)> {
        self.accts[a].defaulter = true; // ok: a < len
        self.defaults += 1;
        self.set_status(a, Status::Defaulted);
        self.event(t, Some(a), EventKind::Default, msg, None, None);
        let c0 = valuate(&self.m, self.m.pm(a), &self.accts[a].snap.collateral, &[], t)? // ok: a < len
            .collateral
            .add_c(sum_c(self.accts[a].snap.positions.iter().filter_map(|p| p.isolated), "isolated margins")?, "defaulter's margin")?; // ok: a < len
        let mut realized_total = Decimal::ZERO;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        // With `default_auction` (issue 19), each position goes to the members' bids and forced
        // allocation (auction_bids.rs, forced_allocation.rs); without it, at the one discount.
        let plan = self.auction_plan(a)?;
        if let Some(plan) = &plan {
            self.auction_winners.push((a, plan.fills.iter().map(|f| f.0).collect()));
        }
        // An option book (issue 18, option_default.rs): hedged first, then closed largest risk
        // contributor first; any other book from its last position, as before.
        let options = self.holds_live_option(a, t);
        if options {
            realized_total += self.hedge_option_book(a, t, super::option_default::HedgeTold::CloseOut)?;
        }
        let mut rank = 0;
        while !self.accts[a].snap.positions.is_empty() {
            // ok: a < len
            let pidx = match options {
                true => match self.largest_contributor(a, t, false)? {
                    Some((k, contribution)) => {
                        rank += 1;
                        let p = &self.accts[a].snap.positions[k]; // ok: k < len
                        let msg = Msg::RiskRanked { name: self.who(a), rank, size: p.size, inst: self.inst_id(p.inst).into(), contribution };
                        self.event(t, Some(a), EventKind::RiskRanked, msg, Some(contribution), None);
                        k
                    }
                    None => self.accts[a].snap.positions.len() - 1, // ok: non-empty
                },
                false => self.accts[a].snap.positions.len() - 1, // ok: non-empty
            };
            let p = self.accts[a].snap.positions[pidx].clone(); // ok: pidx < len
            let mark = self.m.mark(p.inst, t);
            realized_total += match &plan {
                Some(plan) => self.auction_position(a, pidx, plan, t)?,
                // The auction clears at a discount to the last traded price (the mark without one).
                None => self.sell_in_market(a, pidx, p.size.abs(), self.m.last_price(p.inst, t), t)?,
            };
            notionals.push(self.m.notional(p.inst, p.size, mark)?);
            info.push(Bankrupt { inst: p.inst, size: p.size, per_unit: Decimal::ZERO });
        }
        self.sell_collateral(a, t)?;
        let cash = self.accts[a].snap.collateral.first().copied().unwrap_or_default(); // ok: a < len
        let loss = (-realized_total).max(Decimal::ZERO);
        let (margin_used, d) = if cash < Decimal::ZERO { (c0.max(Decimal::ZERO), -cash) } else { (loss.min(c0.max(Decimal::ZERO)), Decimal::ZERO) };
        spread_bad_debt(&mut info, &notionals, d)?;
        Ok((margin_used, d, info))
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, Status};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn scenario(declared: &str) -> String {
        format!(
            r#"{{"version":1,"steps":3,"venue":{{"style":"ccp","auction_discount":"0.2"}},
            "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"d","role":"member","cash":"100","positions":[{{"instrument":"X","size":"10"}}]}},
                        {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-10"}}]}},
                        {{"id":"m1","role":"member","cash":"0","fund_contribution":"1000"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"survivors_fund"}}]{declared}}}"#
        )
    }

    /// A default declared at step 2 on a healthy member (cash 100 = its initial margin on 10 X at
    /// 100): its 10 X are auctioned 20 % below mark, at 80, losing 200: its margin pays 100, the
    /// survivors' fund the other 100. Nothing happens without the declaration.
    #[test]
    fn a_declared_default_closes_out_a_healthy_member() {
        let s = crate::scenario::from_json(&scenario(r#","declared_defaults":[{"account":"d","step":2}]"#)).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.status_at(0, 1), Status::Healthy);
        assert_eq!(t.status_at(0, 2), Status::Defaulted);
        assert_eq!(t.summary.deficit, d("200"));
        assert_eq!(t.summary.by_layer, vec![d("100"), d("100")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        assert!(t.events_at(2).iter().any(|e| e.text() == "The clearing house declares d in default at this step, whatever its margin; its portfolio is closed out."));
        t.conservation().expect("conserves");

        let s = crate::scenario::from_json(&scenario("")).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.summary.deficit, Decimal::ZERO);
        assert_eq!(t.status_at(0, 3), Status::Healthy);
    }

    /// Validation names the field; an absent list is left out when written back.
    #[test]
    fn declared_defaults_are_validated_by_name() {
        let err = |x: &str| crate::scenario::from_json(&scenario(x)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        let e = err(r#","declared_defaults":[{"account":"nobody","step":1}]"#);
        assert!(e.contains("declared_defaults[0].account") && e.contains("no account `nobody`"), "{e}");
        let e = err(r#","declared_defaults":[{"account":"d","step":4}]"#);
        assert!(e.contains("declared_defaults[0].step"), "{e}");
        let e = err(r#","declared_defaults":[{"account":"d","step":1},{"account":"d","step":2}]"#);
        assert!(e.contains("declared_defaults[1].account"), "{e}");
        let s = crate::scenario::from_json(&scenario("")).expect("scenario");
        assert!(!crate::scenario::to_json(&s).contains("declared_defaults"));
    }
}
