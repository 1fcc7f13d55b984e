//! Replenishment of the default fund: after a default used the survivors' contributions, the
//! surviving members pay them back, pro rata to their contributions, within the rulebook's
//! period (`venue.replenish_within_steps`).

use crate::engine::ledger::{names, Name};
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{LayerKind, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Nasdaq Clearing, Sep 2018: members replenished the used default fund within two business days, pro rata (Reuters and Nasdaq, 21 Sep 2018; episodes.md); CCP rulebooks' replenishment of contributions after a default (domain.md §6).
    /// At the step `replenish_within_steps` after the fund was first drawn, each surviving member
    /// pays back what the survivors' fund layer used of its contribution (opening − current: pro
    /// rata to contributions, as the layer drew), from its reserves as far as they go.
    /// A member that cannot pay its whole share is recorded short and the fund stays smaller by
    /// that much: the rulebooks make a failure to pay an event of default the clearing house *may*
    /// declare (Nasdaq Clearing Rules, events of default), which a scenario says with
    /// `declared_defaults`; it is not declared here.
    pub(in crate::engine) fn replenish(&mut self, t: u32) -> EngineResult<()> {
        let (Some(n), Some(t0)) = (self.s.venue.replenish_within_steps, self.fund_drawn_at) else { return Ok(()) };
        if t < t0.saturating_add(n) {
            return Ok(());
        }
        self.fund_drawn_at = None;
        // Each member restores its own contribution: what the fund used of it. The survivors'
        // fund draws pro rata to contribution, so this is the used total pro rata to
        // contributions, without a second rounding (the fund is whole again to the last unit).
        let dues = self.contributions_used()?;
        let used = dues.iter().try_fold(Decimal::ZERO, |s, d| s.add_c(d.1, "default fund used"))?;
        if used.is_zero() {
            return Ok(());
        }
        let mut paid_total = Decimal::ZERO;
        for (i, due) in dues {
            let Some(a) = self.accts.get_mut(i) else { continue };
            let paid = due.min(a.reserves.max(Decimal::ZERO));
            a.reserves -= paid;
            a.snap.contribution += paid;
            self.touch(i);
            if paid > Decimal::ZERO {
                let from = Name::from(names::reserves(&self.infos[i].id)); // ok: i < len (contributors)
                let memo = format!("replenishment of the default fund by {}", self.name(i));
                self.post(t, self.vn(names::DEFAULT_FUND), from, paid, memo.into());
            }
            let msg = Msg::Replenished { name: self.who(i), due, paid };
            self.event(t, Some(i), EventKind::Replenishment, msg, Some(paid), None);
            paid_total = paid_total.add_c(paid, "replenished")?;
        }
        let short = used.sub_c(paid_total, "replenishment short")?;
        // Steps since the draw: `n`, or more when a trade cancellation undid a replenishment
        // made inside its range and it is paid again at the bust (`trade_cancellation.rs`).
        let msg = Msg::FundReplenished { used, paid: paid_total, short, steps: t.saturating_sub(t0) };
        let survivors_layer = self.layers.iter().position(|l| matches!(l.kind, LayerKind::Survivors));
        self.event(t, None, EventKind::Replenishment, msg, Some(paid_total), survivors_layer);
        // The fund holds money again (its drawn total stays).
        if paid_total > Decimal::ZERO {
            self.refill_layer(&LayerKind::Survivors);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn scenario(extra_venue: &str, waterfall: &str) -> String {
        format!(
            r#"{{"version":1,"steps":4,"venue":{{"style":"ccp","auction_discount":"0.2"{extra_venue}}},
            "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"d","role":"member","cash":"100","positions":[{{"instrument":"X","size":"10"}}]}},
                        {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-10"}}]}},
                        {{"id":"m1","role":"member","cash":"0","fund_contribution":"300","reserves":"1000"}},
                        {{"id":"m2","role":"member","cash":"0","fund_contribution":"100","reserves":"10"}}],
            "waterfall":{waterfall},"declared_defaults":[{{"account":"d","step":1}}]}}"#
        )
    }

    /// By hand: d (cash 100, long 10 X at 100) is declared in default at step 1; its 10 X are
    /// auctioned 20 % below mark, at 80: a loss of 200, 100 from its margin, 100 from the
    /// survivors' fund pro rata 300 : 100 (m1 75, m2 25). Two steps later (step 3) each member
    /// pays back what the fund used of its contribution: m1 75 from reserves of 1,000 (925
    /// left); m2 owes 25 but holds 10: it pays 10 and is 15 short. The fund holds 300 + 85 = 385.
    #[test]
    fn members_pay_back_the_fund_within_the_period_and_a_short_member_is_recorded() {
        let s = crate::scenario::from_json(&scenario(r#","replenish_within_steps":2"#, r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"}]"#)).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.summary.by_layer, vec![d("100"), d("100")]);
        // The fund's balance on its bar: 400 → 300 at the default, 385 after the replenishment.
        assert_eq!(t.layer_state(2)[1].remaining, Some(d("300")));
        assert_eq!(t.layer_state(3)[1].remaining, Some(d("385")));
        assert!(!t.layer_state(3)[1].exhausted);
        let texts: Vec<String> = t.events_at(3).iter().filter(|e| e.kind == EventKind::Replenishment).map(|e| e.text()).collect();
        assert_eq!(texts, vec![
            "Replenishment: m1 pays $75.00 back into the default fund, its share of what the default used.".to_string(),
            "Replenishment: m2 owes $25.00 to the default fund but pays only $10.00 from its reserves; $15.00 short (a failure to pay the clearing house may declare a default).".to_string(),
            "The default fund is replenished 2 step(s) after it was drawn: $100.00 of the members' contributions had been used; $85.00 paid back pro rata to their contributions, $15.00 short.".to_string(),
        ]);
        let entries: Vec<(String, String, Decimal)> = t.ledger_at(3).into_iter().map(|e| (e.debit.to_string(), e.credit.to_string(), e.amount)).collect();
        assert_eq!(entries, vec![
            ("venue:default_fund".to_string(), "external:reserves:m1".to_string(), d("75")),
            ("venue:default_fund".to_string(), "external:reserves:m2".to_string(), d("10")),
        ]);
        assert!(t.events_at(2).iter().all(|e| e.kind != EventKind::Replenishment), "not before the period ends");
        t.conservation().expect("conserves");
        assert!(t.conservation().unwrap().ledger_balances);
        // Without the option nothing is paid back.
        let s = crate::scenario::from_json(&scenario("", r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"}]"#)).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.layer_state(4)[1].remaining, Some(d("300")));
        assert!(t.events.iter().all(|e| e.kind != EventKind::Replenishment));
    }

    /// Issue 19 (bug: a trade cancellation undid a replenishment made inside its range and never
    /// redid it; the fund stayed at 300). By hand: as above, the replenishment falls due at step
    /// 3; step 3 is busted at step 4, which returns m1 and m2 to their contributions of 225 and
    /// 75 and reserves of 1,000 and 10 (the ledger reverses the 75 and the 10). Paying the
    /// members' contributions back is the members' funding of the clearing house, not a trade:
    /// made again at step 4, 3 steps after the draw: m1 75 (925 left), m2 10 of 25 (15 short).
    /// The fund: 300 at step 3 as busted, 385 at step 4. Each reserve account's net outflow in
    /// the ledger: 75 and 10 (paid, reversed, paid again).
    #[test]
    fn a_trade_cancellation_keeps_a_replenishment_made_inside_its_range() {
        let s = crate::scenario::from_json(&scenario(r#","replenish_within_steps":2"#, r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"}],"trade_cancellations":[{"from":3,"to":3}]"#)).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.summary.by_layer, vec![d("100"), d("100")]);
        assert_eq!(t.layer_state(3)[1].remaining, Some(d("385")), "as traded");
        assert_eq!(t.layer_state(4)[1].remaining, Some(d("385")), "made again at the bust");
        let contribution = |a: usize| t.snapshot_at(a, 4).expect("member").contribution;
        assert_eq!((contribution(2), contribution(3)), (d("300"), d("85")));
        let texts: Vec<String> = t.events_at(4).iter().filter(|e| e.kind == EventKind::Replenishment).map(|e| e.text()).collect();
        assert_eq!(texts.last().map(String::as_str), Some("The default fund is replenished 3 step(s) after it was drawn: $100.00 of the members' contributions had been used; $85.00 paid back pro rata to their contributions, $15.00 short."));
        let b = crate::engine::ledger::balances(t.ledger.iter());
        let reserve = |id: &str| b.get(&(format!("external:reserves:{id}"), "USD".to_string())).copied().unwrap_or_default();
        assert_eq!((reserve("m1"), reserve("m2")), (d("-75"), d("-10")));
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit);
    }

    /// The option is checked at the boundary, by name.
    #[test]
    fn replenish_within_steps_is_validated_by_name() {
        let err = |v: &str, w: &str| crate::scenario::from_json(&scenario(v, w)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        let fund = r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"}]"#;
        let e = err(r#","replenish_within_steps":0"#, fund);
        assert!(e.contains("venue.replenish_within_steps") && e.contains("between 1 and"), "{e}");
        let e = err(r#","replenish_within_steps":5"#, fund);
        assert!(e.contains("venue.replenish_within_steps") && e.contains("(got 5)"), "{e}");
        let e = err(r#","replenish_within_steps":2"#, r#"[{"kind":"defaulter_margin"}]"#);
        assert!(e.contains("venue.replenish_within_steps") && e.contains("survivors_fund"), "{e}");
        let e = err(r#","replenish_within_steps":"2""#, fund);
        assert!(e.contains("replenish_within_steps"), "{e}");
        let s = crate::scenario::from_json(&scenario("", fund)).expect("scenario");
        assert!(!crate::scenario::to_json(&s).contains("replenish_within_steps"), "absent: not written");
    }
}
