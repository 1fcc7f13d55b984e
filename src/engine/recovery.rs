//! Recoveries (issue 19): money that comes back after a default and restores what the waterfall
//! took. Mango Markets, October 2022: the attacker returned $67m of the ~$116m he drew, under a
//! DAO vote of 15 October; the DAO treasury covered the rest, and depositors were repaid in full
//! from a snapshot taken an hour before the attack (episodes.md). The waterfall's allocation
//! stays as it was (that is who bore the loss when it happened); a recovery is a later transfer
//! into the venue, in the ledger and the funds' balances, so conservation holds for each.

use super::ledger::{names, Name};
use super::money::{sum_c, Checked, EngineResult};
use super::state::{LayerKind, Sim};
use super::timeline::*;
use super::waterfall::distribute::distribute;
use crate::scenario::RecoveryTo;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Mango DAO proposal and vote of 15 October 2022 ($67m returned, $47m kept; treasury covering the remainder; depositors repaid from a pre-attack snapshot), as reported by Decrypt, Blockworks and The Block, October 2022.
    /// The scenario's recoveries of step `t`. To the depositors: each surviving contributor gets
    /// back what the default fund used of its contribution (opening − current), pro rata to that
    /// when the recovery is short of it; the rest goes to the insurance fund. To the insurance
    /// fund: all of it. The money enters from outside the venue, named after `from` (its
    /// reserves: what it took out is held there). Recoveries inside a range a trade
    /// cancellation busts at `t` are made again at `t`.
    pub(in crate::engine) fn recover(&mut self, t: u32) -> EngineResult<()> {
        if self.s.recoveries.is_empty() {
            return Ok(());
        }
        // A trade cancellation busting `from..=to` at this step undid the recoveries made inside
        // the range with the accounts and funds; a recovery is money returned, not a trade (the
        // LME cancelled trades only): made again now, in their order, before this step's own.
        let busted = self.busted_at(t);
        let redone = |step: u32| busted.is_some_and(|(from, to)| (from..=to).contains(&step));
        let mut due_now: Vec<(u32, String, Decimal, RecoveryTo)> =
            self.s.recoveries.iter().filter(|r| r.step == t || redone(r.step)).map(|r| (r.step, r.from.clone(), r.amount, r.to)).collect();
        due_now.sort_by_key(|r| r.0); // stable: a step's recoveries keep their order
        for (_, from_id, amount, to) in due_now {
            // Validation checked the id; a missing one recovers nothing.
            let Some(a) = self.infos.iter().position(|x| *x.id == *from_id) else { continue };
            let from = Name::from(names::reserves(&from_id));
            let dues: Vec<(usize, Decimal)> = if to == RecoveryTo::Depositors { self.contributions_used()? } else { Vec::new() };
            let lost_total = sum_c(dues.iter().map(|x| x.1), "contributions used")?;
            let to_depositors = amount.min(lost_total);
            // Whole again when the recovery covers every loss; else pro rata to the losses (the
            // split's dust stays with the insurance fund's part).
            let shares: Vec<(usize, Decimal)> = if to_depositors == lost_total { dues.clone() } else { distribute(to_depositors, &dues)?.shares };
            let mut restored = Decimal::ZERO;
            for (i, paid) in shares {
                let lost = dues.iter().find(|x| x.0 == i).map(|x| x.1).unwrap_or_default();
                if let Some(x) = self.accts.get_mut(i) {
                    x.snap.contribution += paid;
                }
                self.touch(i);
                if paid > Decimal::ZERO {
                    let memo = format!("recovery from {} restores {}'s contribution", self.name(a), self.name(i));
                    self.post(t, self.vn(names::DEFAULT_FUND), from.clone(), paid, memo.into());
                }
                let msg = Msg::RecoveryRepaid { name: self.who(i), lost, paid };
                self.event(t, Some(i), EventKind::Recovery, msg, Some(paid), None);
                restored = restored.add_c(paid, "recovered to depositors")?;
            }
            let insurance = amount.sub_c(restored, "recovery to the insurance fund")?;
            if insurance > Decimal::ZERO {
                self.insurance = self.insurance.add_c(insurance, "insurance fund")?;
                let memo = format!("recovery from {} to the insurance fund", self.name(a));
                self.post(t, self.vn(names::INSURANCE), from.clone(), insurance, memo.into());
            }
            let short = lost_total.sub_c(restored, "depositors still short")?;
            let msg = Msg::Recovered { name: self.who(a), amount, depositors: restored, insurance, short };
            let layer = self.layers.iter().position(|l| matches!(l.kind, LayerKind::Survivors));
            self.event(t, Some(a), EventKind::Recovery, msg, Some(amount), layer);
            // The funds hold money again (drawn totals stay).
            if restored > Decimal::ZERO {
                self.refill_layer(&LayerKind::Survivors);
            }
            if insurance > Decimal::ZERO {
                self.refill_layer(&LayerKind::Insurance);
            }
            self.layers_dirty = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{ledger, simulate, EventKind};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// x (cash 10, long 100 P at 1) borrows 150 against its profit at 3 and defaults when P falls
    /// back to 0.9 (withdrawal.rs's case): a deficit of 150; the insurance fund's 50 pays first,
    /// then depositors dep1 (60) and dep2 (40) 100 pro rata: 60 and 40, nothing unallocated.
    /// At step 4 `recoveries` bring money back.
    fn scenario(recoveries: &str) -> String {
        format!(
            r#"{{"version":1,"steps":5,"venue":{{"style":"exchange","insurance_fund":"50","liquidation_fee":"0"}},
            "instruments":[{{"id":"P","lot_size":"1","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},
              "price":{{"initial":"1","points":[{{"step":1,"price":"3"}},{{"step":2,"price":"3"}},{{"step":3,"price":"0.9"}},{{"step":5,"price":"0.9"}}]}}}}],
            "accounts":[{{"id":"x","cash":"10","positions":[{{"instrument":"P","size":"100"}}]}},
                        {{"id":"mm","role":"market_maker","cash":"1000000"}},
                        {{"id":"dep1","fund_contribution":"60"}},
                        {{"id":"dep2","fund_contribution":"40"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"insurance_fund"}},{{"kind":"survivors_fund"}}],
            "withdrawals":[{{"account":"x","step":2,"amount":"150"}}]{recoveries}}}"#
        )
    }

    fn contributions(t: &crate::engine::Timeline, k: u32) -> Vec<Decimal> {
        (2..4).map(|a| t.snapshot_at(a, k).expect("account").contribution).collect()
    }

    /// By hand: the deficit of 150 took 50 from the insurance fund and 100 from the depositors
    /// (60 : 40, their whole deposits). At step 4, 120 comes back from x: 100 makes both
    /// depositors whole (60 and 40), 20 goes to the insurance fund (0 → 20): the fund bore
    /// 50 − 20 = 30 net. The waterfall's allocation is unchanged (50 + 100).
    #[test]
    fn a_return_makes_depositors_whole_and_the_rest_refills_the_insurance_fund() {
        let t = simulate(&crate::scenario::from_json(&scenario(r#","recoveries":[{"step":4,"from":"x","amount":"120"}]"#)).expect("scenario")).expect("runs");
        assert_eq!(t.summary.deficit, d("150"));
        assert_eq!(t.summary.by_layer, vec![d("0"), d("50"), d("100")]);
        assert_eq!(contributions(&t, 3), vec![d("0"), d("0")]);
        assert_eq!(contributions(&t, 4), vec![d("60"), d("40")]);
        assert_eq!(t.insurance_at(3), d("0"));
        assert_eq!(t.insurance_at(5), d("20"));
        let texts: Vec<String> = t.events_at(4).iter().filter(|e| e.kind == EventKind::Recovery).map(|e| e.text()).collect();
        assert_eq!(
            texts,
            vec![
                "Recovery: dep1 gets $60.00 back of the $60.00 the default fund took from its contribution.".to_string(),
                "Recovery: dep2 gets $40.00 back of the $40.00 the default fund took from its contribution.".to_string(),
                "Recovery: $120.00 is returned on behalf of x: $100.00 restores the default-fund contributions the waterfall used (every depositor is whole again), $20.00 goes to the insurance fund.".to_string(),
            ]
        );
        let b = ledger::balances(t.ledger.iter());
        assert_eq!(b.get(&("external:reserves:x".to_string(), "USD".to_string())).copied(), Some(d("-120")));
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated);
    }

    /// By hand: 25 comes back, short of the 100 the depositors lost: pro rata 60 : 40, dep1
    /// 15, dep2 10; nothing to the insurance fund; 75 still missing. To the insurance fund: all
    /// 25 there, the depositors get nothing.
    #[test]
    fn a_short_return_is_shared_pro_rata_or_goes_to_the_insurance_fund() {
        let t = simulate(&crate::scenario::from_json(&scenario(r#","recoveries":[{"step":4,"from":"x","amount":"25"}]"#)).expect("scenario")).expect("runs");
        assert_eq!(contributions(&t, 5), vec![d("15"), d("10")]);
        assert_eq!(t.insurance_at(5), d("0"));
        let e = t.events_at(4).into_iter().find(|e| e.kind == EventKind::Recovery && e.account == Some(0)).expect("the recovery");
        assert!(e.text().contains("($75.00 of them is still missing)"), "{}", e.text());
        t.conservation().expect("conserves");

        let t = simulate(&crate::scenario::from_json(&scenario(r#","recoveries":[{"step":4,"from":"x","amount":"25","to":"insurance_fund"}]"#)).expect("scenario")).expect("runs");
        assert_eq!(contributions(&t, 5), vec![d("0"), d("0")]);
        assert_eq!(t.insurance_at(5), d("25"));
        t.conservation().expect("conserves");
    }

    /// Issue 19 (bug: a trade cancellation undid a recovery made inside its range and never
    /// redid it; the depositors stayed at 0). By hand: the default of step 3 stands (before the
    /// range); the recovery of 120 at step 4 is busted at step 5 with the step's trades, which
    /// returns dep1 and dep2 to 0 and the insurance fund to 0 (the ledger reverses the 60, 40
    /// and 20). Money returned is not a trade: made again at step 5, dep1 60, dep2 40, the
    /// insurance fund 20. x's reserves account: −120 + 120 − 120 = −120.
    #[test]
    fn a_trade_cancellation_keeps_a_recovery_made_inside_its_range() {
        let t = simulate(&crate::scenario::from_json(&scenario(r#","recoveries":[{"step":4,"from":"x","amount":"120"}],"trade_cancellations":[{"from":4,"to":4}]"#)).expect("scenario")).expect("runs");
        assert_eq!(t.summary.by_layer, vec![d("0"), d("50"), d("100")]);
        assert_eq!(contributions(&t, 5), vec![d("60"), d("40")]);
        assert_eq!(t.insurance_at(5), d("20"));
        assert_eq!(t.events_at(5).iter().filter(|e| e.kind == EventKind::Recovery).count(), 3);
        let b = ledger::balances(t.ledger.iter());
        assert_eq!(b.get(&("external:reserves:x".to_string(), "USD".to_string())).copied(), Some(d("-120")));
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated);
    }

    #[test]
    fn recoveries_are_validated_by_field_and_absent_ones_are_not_written() {
        let err = |x: &str| crate::scenario::from_json(&scenario(x)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(err(r#","recoveries":[{"step":4,"from":"nobody","amount":"1"}]"#).contains("recoveries[0].from"));
        assert!(err(r#","recoveries":[{"step":9,"from":"x","amount":"1"}]"#).contains("recoveries[0].step"));
        assert!(err(r#","recoveries":[{"step":4,"from":"x","amount":"0"}]"#).contains("recoveries[0].amount"));
        assert!(err(r#","recoveries":[{"step":4,"from":"x","amount":"1","to":"treasury"}]"#).contains("recoveries"));
        let s = crate::scenario::from_json(&scenario("")).expect("scenario");
        assert!(!crate::scenario::to_json(&s).contains("recoveries"));
    }
}
