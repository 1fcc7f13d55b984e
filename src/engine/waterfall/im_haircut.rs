//! Initial-margin haircutting (issue 19): a recovery tool after the funded layers. The clearing
//! house applies the survivors' posted initial margin to the loss, pro rata to what each posted,
//! each by at most the layer's `cap_fraction` of it. Rare and contested (it takes the collateral
//! that protects the CCP against the survivors' own defaults), which is why it is opt-in and
//! capped here: docs/scenario.md, "im_haircut".

use super::distribute::{distribute, DustTo, Split};
use crate::engine::account::cross_requirements;
use crate::engine::explain::SplitRule;
use crate::engine::money::{sum_c, to_money, Checked, EngineResult};
use crate::engine::state::Sim;
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Each survivor of `def` that posted initial margin, with what the layer may cut of it:
    /// `cap` × its posted initial margin, which is its cash at the clearing house up to its initial
    /// requirement at step `t`'s mark (cross positions; an isolated margin is the position's own).
    pub(in crate::engine) fn im_haircut_weights(&self, def: usize, t: u32, cap: Decimal) -> EngineResult<Vec<(usize, Decimal, Decimal)>> {
        let mut w = Vec::new();
        for i in self.survivors(def) {
            let Some(a) = self.accts.get(i) else { continue };
            if a.snap.positions.is_empty() {
                continue;
            }
            let im = cross_requirements(&self.m, self.m.pm(i), &a.snap.positions, t)?.1;
            let cash = a.snap.collateral.first().copied().unwrap_or_default().max(Decimal::ZERO);
            let posted = cash.min(im);
            let cut = to_money(cap.mul_c(posted, "initial-margin haircut cap")?);
            if cut > Decimal::ZERO {
                w.push((i, cut, posted));
            }
        }
        Ok(w)
    }

    /// Source: CCP recovery tools beyond the waterfall, IM haircutting "rare, contested" (domain.md §6; CPMI-IOSCO "Recovery of financial market infrastructures", 2014, rev. 2017, on loss-allocation tools); ISDA's "CCP Loss Allocation at the End of the Waterfall" (2013) argues for VMGH instead. Pro rata to posted initial margin, capped per survivor.
    /// Layer `l` cuts up to `left` from the survivors' posted initial margin, pro rata to what each
    /// may lose (`cap` × posted), by the one split (`distribute`); the dust is the venue's.
    /// Returns what it paid.
    pub(in crate::engine) fn im_haircut(&mut self, def: usize, t: u32, l: usize, left: Decimal, cap: Decimal) -> EngineResult<Decimal> {
        let payers = self.im_haircut_weights(def, t, cap)?;
        let w: Vec<(usize, Decimal)> = payers.iter().map(|x| (x.0, x.1)).collect();
        let total = sum_c(w.iter().map(|x| x.1), "initial-margin haircut capacity")?;
        let posted = sum_c(payers.iter().map(|x| x.2), "posted initial margin")?;
        let take = left.min(total);
        if take <= Decimal::ZERO {
            return Ok(Decimal::ZERO);
        }
        let Split { shares, dust } = distribute(take, &w)?;
        self.split(t, l, SplitRule::ImHaircut, Some(def), take, total, None, &w, &shares);
        let count = shares.len();
        for (i, sh) in shares {
            self.charge(i, def, t, sh, "initial-margin haircut")?;
        }
        let pay = take.sub_c(dust, "initial-margin haircut")?.add_c(self.pay_dust(t, DustTo::Defaulter(def), dust)?, "initial-margin haircut")?;
        let rate = if posted.is_zero() { Decimal::ZERO } else { pay.div_c(posted, "initial-margin haircut rate")?.round_dp(8) };
        let msg = Msg::ImHaircut { pay, rate, count, posted };
        self.event(t, Some(def), EventKind::Haircut, msg, Some(pay), Some(l));
        Ok(pay)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind, Timeline};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// A clearing house: `a` (cash `a_cash`, long 100 X) defaults at step 2 after X falls from 100
    /// to 50 (the auction, without discount, loses 5,000). Survivors and the initial margin (10 %)
    /// each posted at step 2: `b` (cash 100,000, short 100 X at 50: 500), `m1` (cash 3,000, long
    /// 10 Y at 100: 100), `m2` (cash 100, short 10 Y: 100). The waterfall: a's margin, then the
    /// initial-margin haircut capped at half of each survivor's posted initial margin: b 250,
    /// m1 50, m2 50, 350 in all.
    fn run(a_cash: &str) -> Timeline {
        let json = format!(
            r#"{{"version":1,"steps":4,"venue":{{"style":"ccp"}},
            "instruments":[{{"id":"X","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":1,"price":"50"}}]}}}},
                           {{"id":"Y","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"a","role":"member","cash":"{a_cash}","positions":[{{"instrument":"X","size":"100"}}]}},
                        {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"X","size":"-100"}}]}},
                        {{"id":"m1","role":"member","cash":"3000","positions":[{{"instrument":"Y","size":"10"}}]}},
                        {{"id":"m2","role":"member","cash":"100","positions":[{{"instrument":"Y","size":"-10"}}]}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"im_haircut","cap_fraction":"0.5"}}]}}"#
        );
        let s = crate::scenario::from_json(&json).expect("scenario");
        simulate(&s).expect("runs")
    }

    /// By hand. a's cash 4,800 pays first; 200 goes on. The haircut splits 200 pro rata to the
    /// caps 250 : 50 : 50 (rounded down at 8 places): b 200 × 250/350 = 142.85714285, m1 and m2
    /// 200 × 50/350 = 28.57142857 each; the dust 0.00000001 is the venue's. The rate on the
    /// 700 posted is 200 / 700 = 28.571428…%.
    /// With a's cash 4,000, 1,000 goes on: every survivor loses its cap (250, 50, 50) and
    /// 1,000 − 350 = 650 is unallocated.
    #[test]
    fn survivors_initial_margin_is_cut_pro_rata_within_the_cap() {
        let t = run("4800");
        assert_eq!(t.summary.deficit, d("5000"));
        assert_eq!(t.summary.by_layer, vec![d("4800"), d("200")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        assert_eq!(t.loss_at(1, 4), d("142.85714285"));
        assert_eq!(t.loss_at(2, 4), d("28.57142857"));
        assert_eq!(t.loss_at(3, 4), d("28.57142857"));
        assert_eq!(t.snapshot_at(3, 4).expect("m2").collateral.first().copied(), Some(d("71.42857143")));
        let texts: Vec<String> = t.events.iter().filter(|e| e.kind == EventKind::Haircut).map(|e| e.text()).collect();
        assert_eq!(texts, vec!["Initial-margin haircut: $200.00 cut from the initial margin 3 surviving accounts posted ($700.00 in all), 28.6% of it.".to_string()]);
        t.conservation().expect("conserves");

        let t = run("4000");
        assert_eq!(t.summary.by_layer, vec![d("4000"), d("350")]);
        assert_eq!(t.summary.unallocated, d("650"));
        assert_eq!((t.loss_at(1, 4), t.loss_at(2, 4), t.loss_at(3, 4)), (d("250"), d("50"), d("50")));
        t.conservation().expect("conserves");
    }

    /// The layer takes `cap_fraction` only, required, a fraction between 0 and 1.
    #[test]
    fn im_haircut_is_validated_by_name() {
        let base = |layer: &str| format!(r#"{{"version":1,"steps":2,"venue":{{"style":"ccp"}},"instruments":[{{"id":"X","price":{{"initial":"100"}}}}],"accounts":[{{"id":"m","role":"member","cash":"1"}}],"waterfall":[{layer}]}}"#);
        let err = |layer: &str| crate::scenario::from_json(&base(layer)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(err(r#"{"kind":"im_haircut"}"#).contains("cap_fraction"));
        assert!(err(r#"{"kind":"im_haircut","cap_fraction":"1.5"}"#).contains("waterfall[0].cap_fraction"));
        assert!(err(r#"{"kind":"im_haircut","cap_fraction":"0.5","amount":"1"}"#).contains("unknown field `amount`"));
        let s = crate::scenario::from_json(&base(r#"{"kind":"im_haircut","cap_fraction":"0.25"}"#)).expect("valid");
        assert_eq!(serde_json::to_string(&s.waterfall).expect("json"), r#"[{"kind":"im_haircut","cap_fraction":"0.25"}]"#);
        let (label, description, _) = crate::engine::waterfall::describe(&s.waterfall[0]);
        assert_eq!(label, "Initial-margin haircut");
        assert!(description.ends_with("each by at most 25% of what it posted."), "{description}");
    }
}
