//! Temporary capital (issue 19, `capital_injections`): the clearing house puts more of its own
//! capital into a skin-in-the-game layer for a while, and takes back what no default used.
//! Nasdaq Clearing, September 2018: after the Aas default had used its EUR 7m of junior capital
//! and EUR 107m of the members' fund, it added a temporary junior tranche of SEK 200m (about
//! EUR 19m) for 90 days in front of the default fund while the members replenished it (Nasdaq
//! Clearing notice of 14 September 2018; episodes.md, domain.md).
//!
//! The injection is part of the layer's balance (`sig_left`, which its bar and the draw records
//! show) and is paid first: it is the capital put there for a default within its window. What is
//! left of it at its end is withdrawn. Each move is a ledger entry between the clearing house's
//! capital account and outside the venue, as the committed skin in the game is at the opening, so
//! the ledger and the layer's balance agree at every step.

use super::ledger::names;
use super::money::{Checked, EngineResult};
use super::state::{LayerKind, Sim, Temporary};
use super::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Nasdaq Clearing notice of 14 September 2018 (a temporary junior capital tranche of SEK 200m for 90 days, after the default of 11 September); EMIR RTS 153/2013 Art. 35 (dedicated own resources before the survivors' contributions).
    /// At the start of step `t`: first withdraw the temporary capital whose time is up (what no
    /// default used of it), then put in the injections of step `t`, each into the first
    /// skin-in-the-game layer of its tranche. A waterfall without such a layer (a compare rule
    /// set; validation refuses it for the scenario's own) takes none.
    pub(in crate::engine) fn inject_capital(&mut self, t: u32) -> EngineResult<()> {
        if self.s.capital_injections.is_empty() {
            return Ok(());
        }
        for l in 0..self.layers.len() {
            // `until <= t`, not `==`: a trade cancellation may have restored a tranche whose end
            // fell inside the busted range.
            let Some(k) = self.layers.get(l).and_then(|x| x.temporary.iter().position(|c| c.until.is_some_and(|u| u <= t))) else { continue };
            let mut ended = vec![k];
            ended.extend(self.layers[l].temporary.iter().enumerate().skip(k + 1).filter(|(_, c)| c.until.is_some_and(|u| u <= t)).map(|(j, _)| j)); // ok: l < len
            for j in ended.into_iter().rev() {
                let c = self.layers[l].temporary.remove(j); // ok: l < len, j < len
                self.withdraw_temporary(t, l, &c)?;
            }
        }
        let due: Vec<(Decimal, &'static str, Option<u32>)> =
            self.s.capital_injections.iter().filter(|c| c.step == t).map(|c| (c.amount, c.tranche.layer_kind(), c.steps.map(|n| t.saturating_add(n)))).collect();
        for (amount, kind, until) in due {
            self.put_in(t, amount, kind, until)?;
        }
        Ok(())
    }

    /// Source: Nasdaq Clearing notice of 14 September 2018 (the temporary tranche is the clearing house's decision, not a trade); LME notice of 8 March 2022 (a cancellation voids trades only).
    /// A trade cancellation at step `t` restored the layers as they stood before the range
    /// `from..=to`, which undid the injections made inside it; they were the clearing house's
    /// decisions, not trades, so they are made again now, each with the window it was given
    /// (its end counted from its own step: one that ended inside the range is withdrawn at once
    /// by `inject_capital`, which runs after the bust at this step).
    pub(in crate::engine) fn redo_injections(&mut self, from: u32, to: u32, t: u32) -> EngineResult<()> {
        let redo: Vec<(Decimal, &'static str, Option<u32>)> =
            self.s.capital_injections.iter().filter(|c| (from..=to).contains(&c.step)).map(|c| (c.amount, c.tranche.layer_kind(), c.steps.map(|n| c.step.saturating_add(n)))).collect();
        for (amount, kind, until) in redo {
            self.put_in(t, amount, kind, until)?;
        }
        Ok(())
    }

    /// At step `t`, `amount` of temporary capital into the first skin-in-the-game layer of
    /// `kind`, withdrawn at the start of step `until` (`None`: kept to the end).
    fn put_in(&mut self, t: u32, amount: Decimal, kind: &'static str, until: Option<u32>) -> EngineResult<()> {
        let Some(l) = (0..self.layers.len()).find(|&l| matches!(self.layers[l].kind, LayerKind::Sig) && self.layer_infos.get(l).is_some_and(|i| i.kind == kind)) else { return Ok(()) }; // ok: l < len
        let layer = &mut self.layers[l]; // ok: l < len
        layer.sig_left = layer.sig_left.add_c(amount, "skin in the game with temporary capital")?;
        layer.temporary.push(Temporary { amount, left: amount, until });
        // It holds money again: no longer exhausted (what it paid before stays drawn).
        layer.exhausted = false;
        let (label, balance) = (layer.label.clone(), layer.sig_left);
        self.layers_dirty = true;
        let memo = format!("temporary capital put into {label}");
        self.post(t, self.vn(names::CCP_CAPITAL), self.vn(names::DEPOSITS), amount, memo.into());
        let steps = until.map(|u| u.saturating_sub(t)).unwrap_or(0);
        let msg = Msg::CapitalInjected { label: label.into(), amount, steps, balance };
        self.event(t, None, EventKind::CapitalInjection, msg, Some(amount), Some(l));
        Ok(())
    }

    /// Injection `c` of layer `l` ends at step `t`: what is left of it leaves the layer.
    fn withdraw_temporary(&mut self, t: u32, l: usize, c: &Temporary) -> EngineResult<()> {
        let layer = &mut self.layers[l]; // ok: l < len (the caller's)
        layer.sig_left = layer.sig_left.sub_c(c.left, "skin in the game after the temporary capital")?;
        let (label, balance) = (layer.label.clone(), layer.sig_left);
        self.layers_dirty = true;
        let memo = format!("temporary capital withdrawn from {label}");
        self.post(t, self.vn(names::DEPOSITS), self.vn(names::CCP_CAPITAL), c.left, memo.into());
        let used = c.amount.sub_c(c.left, "temporary capital used")?;
        let msg = Msg::CapitalWithdrawn { label: label.into(), amount: c.left, used, balance };
        self.event(t, None, EventKind::CapitalInjection, msg, Some(c.left), Some(l));
        Ok(())
    }

    /// Layer `l` pays `pay` (from `skin_in_the_game`): its temporary capital first, oldest
    /// injection first; the rest from what the clearing house committed at the opening.
    pub(in crate::engine) fn use_temporary(&mut self, l: usize, pay: Decimal) {
        let mut left = pay;
        for c in self.layers.get_mut(l).map(|x| x.temporary.iter_mut()).into_iter().flatten() {
            let take = left.min(c.left);
            c.left -= take;
            left -= take;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{ledger, simulate, EventKind};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// A clearing house with two members who default in turn: `a1` (cash 110, long 10 P) when P
    /// falls from 100 to 70 at step 2, `a2` (cash 110, long 10 Q) when Q falls from 100 to 70 at
    /// `q_falls`. Each close-out (no discount) loses 10 × 30 − 110 = 190 beyond its cash: no fund
    /// contribution of its own, so the 190 goes to the junior skin in the game (50 committed),
    /// then to `m`'s contribution of 1000. `injections` is the scenario's list.
    fn scenario(q_falls: u32, injections: &str) -> String {
        format!(
            r#"{{"version":1,"steps":8,"venue":{{"style":"ccp","auction_discount":"0","margin_call_grace":0}},
            "instruments":[
              {{"id":"P","lot_size":"1","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":1,"price":"100"}},{{"step":2,"price":"70"}},{{"step":8,"price":"70"}}]}}}},
              {{"id":"Q","lot_size":"1","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":{b},"price":"100"}},{{"step":{q_falls},"price":"70"}},{{"step":8,"price":"70"}}]}}}}],
            "accounts":[{{"id":"a1","cash":"110","positions":[{{"instrument":"P","size":"10"}}]}},
                        {{"id":"a2","cash":"110","positions":[{{"instrument":"Q","size":"10"}}]}},
                        {{"id":"mm","role":"market_maker","cash":"1000000"}},
                        {{"id":"m","fund_contribution":"1000"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"skin_in_the_game","tranche":"junior","amount":"50"}},{{"kind":"survivors_fund"}}]{injections}}}"#,
            b = q_falls - 1
        )
    }

    fn run(q_falls: u32, injections: &str) -> crate::engine::Timeline {
        simulate(&crate::scenario::from_json(&scenario(q_falls, injections)).expect("scenario")).expect("runs")
    }

    const INJECT: &str = r#","capital_injections":[{"step":3,"amount":"300","tranche":"junior","steps":3}]"#;

    /// The capital account's balance in the ledger (what the clearing house has at the venue).
    fn own_capital(t: &crate::engine::Timeline) -> Decimal {
        ledger::balance_of(t.ledger.iter(), "venue:own_capital", "USD")
    }

    /// By hand, without an injection: a1's 190 takes the 50 of skin in the game and 140 of m's
    /// 1000; a2's 190 at step 4 finds no skin in the game and takes 190 of the fund.
    #[test]
    fn without_the_injection_the_second_default_goes_to_the_fund() {
        let t = run(4, "");
        assert_eq!(t.summary.by_layer, vec![d("220"), d("50"), d("330")]);
        t.conservation().expect("conserves");
    }

    /// By hand: at step 3 the clearing house puts 300 into the junior layer (spent by a1 at step
    /// 2: 0 → 300) for 3 steps, to step 6. a2 defaults at step 4, inside the window: its 190 is
    /// paid by the injected tranche (300 → 110), nothing from the fund (m keeps 1000 − 140 =
    /// 860). At step 6 the 110 left is withdrawn. The layer paid 50 + 190 = 240 in all; the
    /// clearing house's capital at the venue: 50 committed + 300 in − 240 paid − 110 out = 0.
    #[test]
    fn a_default_inside_the_window_draws_on_the_injected_tranche() {
        let t = run(4, INJECT);
        assert_eq!(t.summary.deficit, d("600"));
        assert_eq!(t.summary.by_layer, vec![d("220"), d("240"), d("140")]);
        let sig = t.layers.iter().position(|l| l.kind == "SkinInTheGameJunior").expect("the layer");
        let remaining = |k: u32| t.layer_state(k)[sig].remaining;
        assert_eq!((remaining(2), remaining(3), remaining(4), remaining(5), remaining(6)), (Some(d("0")), Some(d("300")), Some(d("110")), Some(d("110")), Some(d("0"))));
        let m = t.accounts.iter().position(|a| &*a.id == "m").expect("m");
        assert_eq!(t.snapshot_at(m, t.steps).expect("m").contribution, d("860"));
        let texts: Vec<String> = t.events.iter().filter(|e| e.kind == EventKind::CapitalInjection).map(|e| format!("{}: {}", e.step, e.text())).collect();
        assert_eq!(
            texts,
            vec![
                "3: Temporary capital: the clearing house puts $300.00 more of its own capital into Skin in the game (junior), for 3 steps (what no default uses of it is withdrawn after them); the layer now holds $300.00.".to_string(),
                "6: Temporary capital ends: defaults used $190.00 of what was put into Skin in the game (junior); the clearing house withdraws the $110.00 left and the layer now holds $0.00.".to_string(),
            ]
        );
        assert_eq!(own_capital(&t), d("0"));
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated);
    }

    /// By hand: a2 defaults at step 7, after the window: the 300 was withdrawn whole at step 6
    /// ("no default used"), and a2's 190 goes to the fund as without the injection (m: 1000 −
    /// 140 − 190 = 670). The clearing house's capital: 50 + 300 − 50 − 300 = 0.
    #[test]
    fn a_default_after_the_window_does_not() {
        let t = run(7, INJECT);
        assert_eq!(t.summary.by_layer, vec![d("220"), d("50"), d("330")]);
        let m = t.accounts.iter().position(|a| &*a.id == "m").expect("m");
        assert_eq!(t.snapshot_at(m, t.steps).expect("m").contribution, d("670"));
        let ended = t.events_at(6).into_iter().find(|e| e.kind == EventKind::CapitalInjection).expect("the end");
        assert_eq!(ended.amount, Some(d("300")));
        assert!(ended.text().contains("no default used the $300.00"), "{}", ended.text());
        assert_eq!(own_capital(&t), d("0"));
        t.conservation().expect("conserves");
    }

    /// Without `steps` the capital stays to the end; the committed 50 is paid after it (the
    /// injection first): a2's 190 at step 7 leaves 110 in the layer, held at the end.
    #[test]
    fn without_steps_it_stays_to_the_end() {
        let t = run(7, r#","capital_injections":[{"step":3,"amount":"300"}]"#);
        assert_eq!(t.summary.by_layer, vec![d("220"), d("240"), d("140")]);
        assert_eq!(own_capital(&t), d("110"));
        t.conservation().expect("conserves");
    }

    /// Issue 19 (bug: a bust undid an injection without redoing it). By hand: the injection of
    /// 300 at step 3 for 5 steps (to step 8); steps 3–4 are busted at step 5, which restores the
    /// layers as before step 3 and reverses the injection's entry; the injection is the clearing
    /// house's decision, not a trade: made again at step 5, to step 8 (3 steps left). a2 defaults
    /// at step 6: its 190 from the injected tranche (300 → 110), none from the fund (m: 1000 −
    /// 140 = 860); the 110 is withdrawn at step 8. The layer paid 50 + 190 = 240; the clearing
    /// house's capital: 50 + 300 − 240 − 110 = 0. (Before the fix: 50 paid, the fund 330.)
    #[test]
    fn a_trade_cancellation_keeps_an_injection_made_inside_its_range() {
        let t = run(6, r#","capital_injections":[{"step":3,"amount":"300","tranche":"junior","steps":5}],"trade_cancellations":[{"from":3,"to":4}]"#);
        assert_eq!(t.summary.by_layer, vec![d("220"), d("240"), d("140")]);
        let m = t.accounts.iter().position(|a| &*a.id == "m").expect("m");
        assert_eq!(t.snapshot_at(m, t.steps).expect("m").contribution, d("860"));
        let sig = t.layers.iter().position(|l| l.kind == "SkinInTheGameJunior").expect("the layer");
        assert_eq!(t.layer_state(5)[sig].remaining, Some(d("300")));
        let at5: Vec<String> = t.events_at(5).iter().filter(|e| e.kind == EventKind::CapitalInjection).map(|e| e.text()).collect();
        assert_eq!(at5, vec!["Temporary capital: the clearing house puts $300.00 more of its own capital into Skin in the game (junior), for 3 steps (what no default uses of it is withdrawn after them); the layer now holds $300.00.".to_string()]);
        assert_eq!(own_capital(&t), d("0"));
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated);
    }

    #[test]
    fn injections_are_validated_by_field_and_absent_ones_are_not_written() {
        let err = |x: &str| crate::scenario::from_json(&scenario(4, x)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(err(r#","capital_injections":[{"step":9,"amount":"1"}]"#).contains("capital_injections[0].step"));
        assert!(err(r#","capital_injections":[{"step":3,"amount":"0"}]"#).contains("capital_injections[0].amount"));
        assert!(err(r#","capital_injections":[{"step":3,"amount":"1","steps":0}]"#).contains("capital_injections[0].steps"));
        let senior = err(r#","capital_injections":[{"step":3,"amount":"1","tranche":"senior"}]"#);
        assert!(senior.contains("capital_injections[0].tranche") && senior.contains("no skin_in_the_game layer with tranche `senior`"), "{senior}");
        assert!(err(r#","capital_injections":[{"step":3,"amount":"1","until":4}]"#).contains("capital_injections[0]"));
        let s = crate::scenario::from_json(&scenario(4, "")).expect("scenario");
        assert!(!crate::scenario::to_json(&s).contains("capital_injections"));
    }
}
