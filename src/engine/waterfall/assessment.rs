//! Assessments: capped cash calls on the surviving members. A member who cannot pay its call
//! defaults in turn (a cascade): set-off nets what it owes against what it posted
//! (`set_off.rs`), and what still lacks is re-called from the others' headroom under their caps
//! while calls remain. Caps apply per default and across the defaults of a cooling-off period;
//! with several default funds, each fund's members are assessed for its part only.

use super::distribute::{distribute, DustTo, Split};
use crate::engine::explain::SplitRule;
use crate::engine::ledger::{names, Name};
use crate::engine::money::{sum_c, to_money, Checked, EngineResult};
use crate::engine::state::{AssessTally, Bankrupt, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

/// An assessment layer's parameters, as the scenario gives them.
#[derive(Clone, Copy, Debug)]
pub(in crate::engine) struct AssessCaps {
    /// Multiple of a member's contribution it can be called for per default.
    pub(in crate::engine) cap: Decimal,
    pub(in crate::engine) max_calls: u32,
    /// Multiple across the defaults of one cooling-off period (`cap` when not given).
    pub(in crate::engine) period_cap: Decimal,
    /// Steps of a cooling-off period (`None`: the whole run is one period).
    pub(in crate::engine) cooling_off: Option<u32>,
}

impl<'a> Sim<'a> {
    /// What member `i` can still be called for at layer `l` toward `def`'s loss: the lesser of
    /// its headroom for this default (cap × contribution − paid toward it) and for the cooling-off
    /// period (period cap × contribution − paid in the period). Also: whether the period binds.
    pub(in crate::engine) fn assessment_headroom(&self, l: usize, def: usize, i: usize, caps: &AssessCaps) -> EngineResult<(Decimal, bool)> {
        let Some(layer) = self.layers.get(l) else { return Ok((Decimal::ZERO, false)) };
        let tally = &layer.assess;
        let c = self.side.contribution0.get(i);
        let this_default = if tally.def == Some(def) { tally.this_default.get(i) } else { Decimal::ZERO };
        let per_default = to_money(caps.cap.mul_c(c, "assessment cap (cap_multiple × contribution)")?).sub_c(this_default, "assessment cap")?;
        let in_period = self.side.assessed.get(i).sub_c(tally.period_base.get(i), "assessments in the period")?;
        let per_period = to_money(caps.period_cap.mul_c(c, "period cap (period_cap_multiple × contribution)")?).sub_c(in_period, "period cap")?;
        Ok((per_default.min(per_period).max(Decimal::ZERO), per_period < per_default))
    }

    /// Whether assessment layer `l` can pay nothing more in this cooling-off period: every call
    /// used, or every member at its period cap (a member at its cap for one default can still be
    /// called for the next: the layer is not exhausted then).
    pub(in crate::engine) fn assessment_spent(&self, l: usize, def: usize, caps: &AssessCaps) -> EngineResult<bool> {
        let Some(layer) = self.layers.get(l) else { return Ok(true) };
        // A member whose fund's calls are all used cannot be called again (every member, without
        // `default_funds`, shares the layer's calls).
        for i in self.contributing_survivors(def).filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO && self.has_calls(l, i, caps)) {
            let c = self.side.contribution0.get(i);
            let in_period = self.side.assessed.get(i).sub_c(layer.assess.period_base.get(i), "assessments in the period")?;
            if to_money(caps.period_cap.mul_c(c, "period cap (period_cap_multiple × contribution)")?) > in_period {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Source: CME's assessment powers (2.75× a contribution per default, 5.5× across a cooling-off period) and Eurex Clearing's (2× per default, 3× within 20 business days), with re-assessment of an unpaid share within the caps, domain.md §6.
    /// Layer `l` calls the survivors pro rata to their headroom; a share a member fails to pay is
    /// set off against what it posted, then re-called from the others' headroom while calls
    /// remain. With several default funds each fund's part of the loss (`assessment_parts`) is
    /// called from that fund's members only, capped on their contribution to it, with calls of
    /// its own. Returns what the layer paid; an event says which rule stopped it, if one did.
    pub(in crate::engine) fn assessment(&mut self, def: usize, t: u32, l: usize, left: Decimal, caps: AssessCaps, info: &[Bankrupt]) -> EngineResult<Decimal> {
        self.assessment_period(l, t, &caps);
        if let Some(layer) = self.layers.get_mut(l) {
            if layer.assess.def != Some(def) {
                layer.assess.def = Some(def);
                layer.assess.this_default = Default::default();
            }
        }
        let mut pay = Decimal::ZERO;
        for (fund, part) in self.assessment_parts(def, left, info)? {
            pay = pay.add_c(self.assessment_of_fund(def, t, l, fund, part, &caps)?, "assessments")?;
        }
        Ok(pay)
    }

    /// The calls fund `fund`'s members were made at layer `l` (the layer's calls without
    /// `default_funds`).
    fn calls_of(&self, l: usize, fund: usize) -> u32 {
        let Some(layer) = self.layers.get(l) else { return u32::MAX };
        if self.inst_fund.is_empty() {
            layer.calls_used
        } else {
            layer.fund_calls.get(fund).copied().unwrap_or(0)
        }
    }

    /// One more call at layer `l` for fund `fund`; returns its number.
    fn use_call(&mut self, l: usize, fund: usize) -> u32 {
        let by_fund = !self.inst_fund.is_empty();
        let Some(layer) = self.layers.get_mut(l) else { return 0 };
        if !by_fund {
            layer.calls_used += 1;
            return layer.calls_used;
        }
        if layer.fund_calls.len() <= fund {
            layer.fund_calls.resize(fund + 1, 0);
        }
        layer.fund_calls[fund] += 1; // ok: resized above
        let n = layer.fund_calls[fund]; // ok
        layer.calls_used = layer.calls_used.max(n);
        n
    }

    /// Whether member `i` can still be called at layer `l`: its fund has calls left.
    pub(in crate::engine) fn has_calls(&self, l: usize, i: usize, caps: &AssessCaps) -> bool {
        self.calls_of(l, self.member_fund_of(i)) < caps.max_calls
    }

    /// `left` of `def`'s loss from the members of fund `fund` (every member without
    /// `default_funds`).
    fn assessment_of_fund(&mut self, def: usize, t: u32, l: usize, fund: usize, left: Decimal, caps: &AssessCaps) -> EngineResult<Decimal> {
        let mut pay = Decimal::ZERO;
        let mut rest = left;
        let mut first = true;
        let stop = loop {
            if rest <= Decimal::ZERO {
                break None;
            }
            let mut period_binds = false;
            let mut w = Vec::new();
            for i in self.contributing_survivors(def).filter(|&i| self.member_fund_of(i) == fund && self.side.contribution0.get(i) > Decimal::ZERO).collect::<Vec<_>>() {
                let (h, p) = self.assessment_headroom(l, def, i, caps)?;
                period_binds |= p && h.is_zero();
                w.push((i, h));
            }
            let total = sum_c(w.iter().map(|x| x.1), "assessment capacity")?;
            if total.is_zero() {
                // No headroom: the caps stopped it (with no member to call at all, the walk says
                // the layer is passed or exhausted).
                break if w.is_empty() { None } else { Some((if period_binds { AssessStop::PeriodCap } else { AssessStop::DefaultCap }, total)) };
            }
            if self.calls_of(l, fund) >= caps.max_calls {
                break Some((AssessStop::Calls, total));
            }
            let n = self.use_call(l, fund);
            let call = rest.min(total);
            if !first {
                let msg = Msg::Recall { call: n, max_calls: caps.max_calls, amount: call, headroom: total };
                self.event(t, Some(def), EventKind::Assessment, msg, Some(call), Some(l));
            }
            first = false;
            let paid = self.assessment_call(def, t, l, call, total, caps, &w)?;
            pay += paid;
            rest -= paid;
            if paid.is_zero() {
                break None;
            }
        };
        if let Some((why, headroom)) = stop.filter(|_| rest > Decimal::ZERO) {
            let msg = Msg::AssessmentStop { left: rest, why, max_calls: caps.max_calls, headroom, cap: caps.cap, period_cap: caps.period_cap };
            self.event(t, Some(def), EventKind::Assessment, msg, Some(rest), Some(l));
        }
        Ok(pay)
    }

    /// A cooling-off period ends `cooling_off` steps after the default that opened it; the next
    /// default opens a new one, with every member's period tally back to zero.
    fn assessment_period(&mut self, l: usize, t: u32, caps: &AssessCaps) {
        let Some(n) = caps.cooling_off else { return };
        let Some(layer) = self.layers.get(l) else { return };
        if layer.assess.period_start.is_some_and(|s| t < s.saturating_add(n)) {
            return;
        }
        let mut base = crate::engine::state::Side::default();
        let count = self.accts.len();
        for &i in &self.contributors {
            base.set(i, self.side.assessed.get(i), count);
        }
        if let Some(layer) = self.layers.get_mut(l) {
            layer.assess = AssessTally { def: None, this_default: Default::default(), period_start: Some(t), period_base: base };
            layer.exhausted = false;
        }
    }

    /// One call of `call` split pro rata to the headroom `w` (total `total`): each member pays
    /// from its reserves; one that cannot defaults, and set-off pays what it can of its share.
    #[allow(clippy::too_many_arguments)]
    fn assessment_call(&mut self, def: usize, t: u32, l: usize, call: Decimal, total: Decimal, caps: &AssessCaps, w: &[(usize, Decimal)]) -> EngineResult<Decimal> {
        let Split { shares, dust } = distribute(call, w)?;
        self.split(t, l, SplitRule::Assessment, Some(def), call, total, Some(caps.cap), w, &shares);
        let mut pay = Decimal::ZERO;
        let mut all_paid = true;
        let n = self.accts.len();
        for (i, sh) in shares {
            let can = sh.min(self.accts[i].reserves); // ok: from survivors()
            self.accts[i].reserves -= can; // ok
            self.accts[i].snap.loss += can; // ok
            self.touch(i);
            let memo = format!("assessment paid by {}", self.name(i));
            let from = names::reserves(&self.infos[i].id); // ok: i < len
            self.credit_def(def, t, Name::from(from), can, memo.into())?;
            let msg = Msg::Assessment { name: self.who(i), called: sh, paid: can };
            self.event(t, Some(i), EventKind::Assessment, msg, Some(can), Some(l));
            let mut paid = can;
            if can < sh {
                all_paid = false;
                self.cascades += 1;
                let msg = Msg::AssessmentShort { name: self.who(i), short: sh - can };
                self.event(t, Some(i), EventKind::Cascade, msg, Some(sh - can), Some(l));
                paid += self.set_off(i, def, t, l, sh - can)?;
            }
            let assessed = self.side.assessed.get(i).add_c(paid, "assessments paid")?;
            self.side.assessed.set(i, assessed, n);
            if let Some(layer) = self.layers.get_mut(l) {
                let x = layer.assess.this_default.get(i) + paid;
                layer.assess.this_default.set(i, x, n);
            }
            pay += paid;
        }
        // A call someone could not pay leaves its dust in the loss that goes on.
        if all_paid {
            pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
        }
        Ok(pay)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind, Status, Timeline};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// A clearing house where `a` (cash 1,000, long 100 X) defaults at step 2 after X falls from
    /// 100 to 50: the auction (no discount) loses 5,000, its margin pays 1,000, 4,000 goes on.
    /// `b` holds the short and contributes nothing; `members` and `waterfall` are the test's own.
    fn ccp(members: &str, waterfall: &str) -> Timeline {
        let json = format!(
            r#"{{"version":1,"steps":4,"venue":{{"style":"ccp"}},
            "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},
              "price":{{"initial":"100","points":[{{"step":1,"price":"50"}}]}}}}],
            "accounts":[{{"id":"a","role":"member","cash":"1000","positions":[{{"instrument":"X","size":"100"}}]}},
                        {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-100"}}]}},
                        {members}],
            "waterfall":{waterfall}}}"#
        );
        let s = crate::scenario::from_json(&json).expect("scenario");
        simulate(&s).expect("runs")
    }

    fn texts(t: &Timeline) -> Vec<String> {
        t.events.iter().map(|e| e.text()).collect()
    }

    /// Set-off: the survivors' fund (2 × 1,000) leaves 2,000; the assessment (cap 2×) calls 1,000
    /// from each. m1 pays from its reserves; m2 has 500 in reserves: 500 short, it defaults, and
    /// the short is netted against the 3,000 cash its (empty) close-out left: all 2,000 paid,
    /// nothing unallocated, m2 keeps 2,500.
    #[test]
    fn a_cascade_defaulters_surplus_pays_its_assessment() {
        let t = ccp(
            r#"{"id":"m1","role":"member","cash":"0","fund_contribution":"1000","reserves":"10000"},
               {"id":"m2","role":"member","cash":"3000","fund_contribution":"1000","reserves":"500"}"#,
            r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"},{"kind":"assessment","cap_multiple":"2","max_calls":1}]"#,
        );
        assert_eq!(t.summary.deficit, d("5000"));
        assert_eq!(t.summary.by_layer, vec![d("1000"), d("2000"), d("2000")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        assert_eq!(t.summary.cascade_defaults, 1);
        assert_eq!(t.status_at(3, 4), Status::Defaulted);
        assert_eq!(t.snapshot_at(3, 4).expect("m2").collateral.first().copied(), Some(d("2500")));
        // m2 bore its 1,000 of the fund, 500 from reserves and 500 by set-off.
        assert_eq!(t.loss_at(3, 4), d("2000"));
        let lines = texts(&t);
        assert!(lines.iter().any(|x| x == "Set-off: m2's unpaid assessment of $500.00 is netted against what it posted: $500.00 from the surplus its close-out left, $0.00 from its fund contribution."), "{lines:#?}");
        t.conservation().expect("conserves");
    }

    /// Re-assessment: as above but m2 has no cash, so set-off finds nothing. With two calls the
    /// 500 m2 did not pay is re-called from m1's headroom (2 × 1,000 − 1,000 = 1,000): m1 pays
    /// 1,500 in all and nothing is unallocated. With one call, the layer stops with 1,000 of
    /// headroom unused and 500 is written down.
    #[test]
    fn an_unpaid_share_is_recalled_within_the_caps() {
        let members = r#"{"id":"m1","role":"member","cash":"0","fund_contribution":"1000","reserves":"10000"},
               {"id":"m2","role":"member","cash":"0","fund_contribution":"1000","reserves":"500"}"#;
        let t = ccp(members, r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"},{"kind":"assessment","cap_multiple":"2","max_calls":2}]"#);
        assert_eq!(t.summary.by_layer, vec![d("1000"), d("2000"), d("2000")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        assert_eq!(t.loss_at(2, 4), d("2500")); // m1: 1,000 fund + 1,000 + 500 assessed
        let lines = texts(&t);
        assert!(lines.iter().any(|x| x == "Re-assessment (call 2 of 2): $500.00 a member did not pay is re-called from the other members' headroom of $1k under their caps."), "{lines:#?}");
        assert!(!lines.iter().any(|x| x.contains("Assessments is exhausted")), "{lines:#?}");

        let t = ccp(members, r#"[{"kind":"defaulter_margin"},{"kind":"survivors_fund"},{"kind":"assessment","cap_multiple":"2","max_calls":1}]"#);
        assert_eq!(t.summary.by_layer, vec![d("1000"), d("2000"), d("1500")]);
        assert_eq!(t.summary.unallocated, d("500"));
        let lines = texts(&t);
        assert!(lines.iter().any(|x| x == "Assessments stop: all 1 call(s) are used ($1k of headroom left under the caps); $500.00 of the loss goes on."), "{lines:#?}");
    }

    /// Two defaults in one cooling-off period: `a` at step 2 and `c` (cash 1,000, long 100 Y,
    /// 100 → 50 at step 3) at step 4, each 4,000 beyond its margin. m1 (contribution 1,000) can be
    /// called for 2× per default and 3× in the period: 2,000 for the first, then only
    /// 3,000 − 2,000 = 1,000 for the second. Written down: 2,000 + 3,000. With a period of 2
    /// steps the second default opens a new period and m1 pays 2,000 again.
    #[test]
    fn two_defaults_in_one_cooling_off_period_hit_the_aggregate_cap() {
        let run = |period: u32| {
            let json = format!(
                r#"{{"version":1,"steps":5,"venue":{{"style":"ccp"}},
                "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":1,"price":"50"}}]}}}},
                               {{"id":"Y","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":2,"price":"100"}},{{"step":3,"price":"50"}}]}}}}],
                "accounts":[{{"id":"a","role":"member","cash":"1000","positions":[{{"instrument":"X","size":"100"}}]}},
                            {{"id":"c","role":"member","cash":"1000","positions":[{{"instrument":"Y","size":"100"}}]}},
                            {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-100"}},{{"instrument":"Y","size":"-100"}}]}},
                            {{"id":"m1","role":"member","cash":"0","fund_contribution":"1000","reserves":"100000"}}],
                "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"assessment","cap_multiple":"2","max_calls":5,"period_cap_multiple":"3","cooling_off_steps":{period}}}]}}"#
            );
            let s = crate::scenario::from_json(&json).expect("scenario");
            simulate(&s).expect("runs")
        };
        let t = run(10);
        assert_eq!(t.summary.deficit, d("10000"));
        assert_eq!(t.summary.by_layer, vec![d("2000"), d("3000")]);
        assert_eq!(t.summary.unallocated, d("5000"));
        let lines = texts(&t);
        assert!(lines.iter().any(|x| x == "Assessments stop: every member has paid its cap for this default (2× its contribution); $2k of the loss goes on."), "{lines:#?}");
        assert!(lines.iter().any(|x| x == "Assessments stop: the cooling-off period's cap is reached (3× a contribution across its defaults, 2× per default); $3k of the loss goes on."), "{lines:#?}");
        t.conservation().expect("conserves");

        let t = run(2);
        assert_eq!(t.summary.by_layer, vec![d("2000"), d("4000")]);
        assert_eq!(t.summary.unallocated, d("4000"));
        assert!(t.events.iter().any(|e| e.kind == EventKind::Assessment));
    }

    /// The new fields are optional, validated by name, and left out of a scenario written back
    /// when absent (old links encode as before).
    #[test]
    fn cooling_off_fields_are_validated_by_name() {
        let base = |layer: &str| format!(r#"{{"version":1,"steps":2,"venue":{{"style":"ccp"}},"instruments":[{{"id":"X","price":{{"initial":"100"}}}}],"accounts":[{{"id":"m","role":"member","cash":"1"}}],"waterfall":[{layer}]}}"#);
        let err = |layer: &str| crate::scenario::from_json(&base(layer)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        let e = err(r#"{"kind":"assessment","period_cap_multiple":"3","cooling_off_steps":0}"#);
        assert!(e.contains("waterfall[0].cooling_off_steps") && e.contains("must be at least 1"), "{e}");
        assert!(err(r#"{"kind":"assessment","cooling_off_steps":5}"#).contains("waterfall[0].period_cap_multiple"));
        assert!(err(r#"{"kind":"assessment","period_cap_multiple":"-1"}"#).contains("waterfall[0].period_cap_multiple"));
        let s = crate::scenario::from_json(&base(r#"{"kind":"assessment","cap_multiple":"2"}"#)).expect("valid");
        let back = serde_json::to_string(&s.waterfall).expect("json");
        assert_eq!(back, r#"[{"kind":"assessment","cap_multiple":"2","max_calls":1}]"#);
    }
}
