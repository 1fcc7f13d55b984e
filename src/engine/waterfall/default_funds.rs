//! Several default funds (issue 19): one per service or instrument group. A member's
//! contribution belongs to one fund; a default's loss is met by the funds of the instruments it
//! came from, each from its own members only (a fund's shortfall passes on down the waterfall,
//! never into another fund).

use super::distribute::distribute;
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{Bankrupt, Sim};
use crate::engine::timeline::{EventKind, Msg};
use rust_decimal::Decimal;
use std::collections::HashMap;

impl<'a> Sim<'a> {
    /// Each instrument's fund and each account's, from `default_funds` and `accounts[].fund`
    /// (0 = the general fund). Nothing to do without `default_funds`.
    pub(in crate::engine) fn assign_funds(&mut self) {
        if self.s.default_funds.is_empty() {
            return;
        }
        let by_inst: HashMap<&str, usize> = self.s.default_funds.iter().enumerate().flat_map(|(k, f)| f.instruments.iter().map(move |x| (x.as_str(), k + 1))).collect();
        self.inst_fund = self.s.instruments.iter().map(|i| by_inst.get(i.id.as_str()).copied().unwrap_or(0)).collect();
        let by_member: HashMap<&str, usize> = self.s.accounts.iter().filter_map(|a| Some((a.id.as_str(), self.s.default_funds.iter().position(|f| f.id == a.fund)? + 1))).collect();
        self.member_fund = self.infos.iter().map(|i| by_member.get(&*i.id).copied().unwrap_or(0)).collect();
    }

    /// Source: separate default funds per service, each covering only its own service's defaults (LCH's default funds per clearing service; Nasdaq Clearing's commodities default fund, domain.md §6).
    /// How `left` of a default's loss is split among the funds: pro rata to the bad debt of the
    /// positions closed in each fund's instruments (the close-out spreads it by notional,
    /// `spread_bad_debt`); by closed size when none carries bad debt; the general fund when
    /// nothing was closed. One part, `(0, left)`, without `default_funds`. The split's dust goes
    /// to the first part, so the parts sum to `left`.
    pub(in crate::engine) fn fund_parts(&self, left: Decimal, info: &[Bankrupt]) -> EngineResult<Vec<(usize, Decimal)>> {
        if self.inst_fund.is_empty() {
            return Ok(vec![(0, left)]);
        }
        let mut w: Vec<(usize, Decimal)> = Vec::new();
        let add = |w: &mut Vec<(usize, Decimal)>, f: usize, x: Decimal| -> EngineResult<()> {
            match w.iter_mut().find(|p| p.0 == f) {
                Some(p) => p.1 = p.1.add_c(x, "a fund's bad debt")?,
                None => w.push((f, x)),
            }
            Ok(())
        };
        for b in info {
            let f = self.inst_fund.get(b.inst).copied().unwrap_or(0);
            add(&mut w, f, b.per_unit.mul_c(b.size.abs(), "a fund's bad debt")?)?;
        }
        if w.iter().all(|p| p.1 <= Decimal::ZERO) {
            w.clear();
            for b in info {
                add(&mut w, self.inst_fund.get(b.inst).copied().unwrap_or(0), b.size.abs())?;
            }
        }
        w.retain(|p| p.1 > Decimal::ZERO);
        if w.is_empty() {
            return Ok(vec![(0, left)]);
        }
        w.sort_by_key(|p| p.0);
        let split = distribute(left, &w)?;
        let mut parts: Vec<(usize, Decimal)> = w.iter().map(|p| (p.0, split.shares.iter().find(|s| s.0 == p.0).map(|s| s.1).unwrap_or_default())).collect();
        if let Some(first) = parts.first_mut() {
            first.1 += split.dust;
        }
        Ok(parts)
    }

    /// Source: one default fund per service, its members assessed for its own defaults only, each capped at a multiple of its contribution to that fund (LCH Rulebook, default fund rules per service; Nasdaq Clearing's separate commodities and financial default funds, domain.md §6).
    /// How `left` of default `def`'s loss reaches an assessment layer, fund by fund: what each
    /// fund still lacked after the survivors' fund layer (`fund_left`), in proportion when a
    /// layer between them paid part of it; `fund_parts` when no survivors' fund layer ran before.
    pub(in crate::engine) fn assessment_parts(&self, def: usize, left: Decimal, info: &[Bankrupt]) -> EngineResult<Vec<(usize, Decimal)>> {
        let Some((d, lacking)) = self.fund_left.as_ref().filter(|_| !self.inst_fund.is_empty()) else { return self.fund_parts(left, info) };
        let w: Vec<(usize, Decimal)> = lacking.iter().copied().filter(|p| p.1 > Decimal::ZERO).collect();
        if *d != def || w.is_empty() {
            return self.fund_parts(left, info);
        }
        let total = w.iter().try_fold(Decimal::ZERO, |a, p| a.add_c(p.1, "funds' shortfall"))?;
        if total == left {
            return Ok(w);
        }
        let split = distribute(left, &w)?;
        let mut parts: Vec<(usize, Decimal)> = w.iter().map(|p| (p.0, split.shares.iter().find(|s| s.0 == p.0).map(|s| s.1).unwrap_or_default())).collect();
        if let Some(first) = parts.first_mut() {
            first.1 += split.dust;
        }
        Ok(parts)
    }

    /// Source: one default fund per service, each used up on its own (LCH's default funds per clearing service; Nasdaq Clearing's commodities default fund, domain.md §6).
    /// With several default funds, the survivors' fund layer `l` passed `left` of default
    /// `def`'s loss on: which fund ran out is what the reader needs, not the layer's kind. One
    /// event per fund that still lacked part of its share, named after the fund ("The energy
    /// default fund is exhausted; … goes on."), or said empty when it paid nothing of it.
    /// Returns false (nothing said) without `default_funds`: the walk says it for the layer.
    pub(in crate::engine) fn funds_exhausted(&mut self, def: usize, t: u32, l: usize) -> bool {
        let Some((d, lacking)) = self.fund_left.clone().filter(|_| !self.inst_fund.is_empty()) else { return false };
        if d != def {
            return false;
        }
        for (fund, short) in lacking.into_iter().filter(|p| p.1 > Decimal::ZERO) {
            let label: crate::engine::packed::Party = crate::engine::ledger::Name::from(self.fund_label(fund).as_str()).into();
            let paid = self.fund_paid.iter().find(|p| p.0 == fund).map(|p| p.1).unwrap_or_default();
            let msg = if paid.is_zero() { Msg::LayerEmpty { label, left: short } } else { Msg::LayerExhausted { label, left: short } };
            self.event(t, None, EventKind::LayerExhausted, msg, Some(short), Some(l));
        }
        true
    }

    /// "The `id` default fund" (`default_funds[k - 1]`), "The general default fund" for 0.
    pub(in crate::engine) fn fund_label(&self, fund: usize) -> String {
        match fund.checked_sub(1).and_then(|k| self.s.default_funds.get(k)) {
            Some(f) => format!("The {} default fund", f.id),
            None => "The general default fund".to_string(),
        }
    }

    /// The fund member `i`'s contribution belongs to (0 without `default_funds`).
    pub(in crate::engine) fn member_fund_of(&self, i: usize) -> usize {
        self.member_fund.get(i).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::simulate;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// d holds `d_positions`, is declared in default at step 1 and auctioned 30 % below mark;
    /// p1 (60) and p2 (40) contribute to the `power` fund of P, e1 (1,000) to the `equity` fund
    /// of E (or all three to one fund, `funds` empty).
    fn scenario(d_positions: &str, cash: &str, funds: bool) -> String {
        let (pf, ef, df) = if funds {
            (r#","fund":"power""#, r#","fund":"equity""#, r#","default_funds":[{"id":"power","instruments":["P"]},{"id":"equity","instruments":["E"]}]"#)
        } else {
            ("", "", "")
        };
        format!(
            r#"{{"version":1,"steps":2,"venue":{{"style":"ccp","auction_discount":"0.3"}},
            "instruments":[{{"id":"P","lot_size":"1","counterparty":"b","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}},
                           {{"id":"E","lot_size":"1","counterparty":"b","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"d","role":"member","cash":"{cash}","positions":{d_positions}}},
                        {{"id":"b","role":"member","cash":"1000000"}},
                        {{"id":"p1","role":"member","fund_contribution":"60"{pf}}},
                        {{"id":"p2","role":"member","fund_contribution":"40"{pf}}},
                        {{"id":"e1","role":"member","fund_contribution":"1000"{ef}}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"survivors_fund"}}],
            "declared_defaults":[{{"account":"d","step":1}}]{df}}}"#
        )
    }

    fn contributions(t: &crate::engine::Timeline) -> Vec<Decimal> {
        (2..5).map(|a| t.snapshot_at(a, 2).expect("account").contribution).collect()
    }

    /// By hand, one instrument: d long 10 P at 100, cash 100, auctioned at 70: a loss of 300,
    /// 100 from its margin, 200 of bad debt, all of it in P.
    /// - One fund (no `default_funds`): 200 from p1, p2, e1 pro rata 60 : 40 : 1,000 (rounded
    ///   down at 8 dp): 10.90909090, 7.27272727, 181.81818181 (dust 0.00000002 from rounding).
    /// - Two funds: the `power` fund alone pays, 60 + 40 = 100 (whole), and the other 100 is
    ///   unallocated: e1's contribution to the `equity` fund is not touched.
    #[test]
    fn a_default_draws_only_on_the_fund_of_the_instruments_that_lost() {
        let long_p = r#"[{"instrument":"P","size":"10"}]"#;
        let t = simulate(&crate::scenario::from_json(&scenario(long_p, "100", false)).expect("scenario")).expect("runs");
        assert_eq!(contributions(&t), vec![d("60") - d("10.90909090"), d("40") - d("7.27272727"), d("1000") - d("181.81818181")]);
        assert_eq!(t.summary.by_layer, vec![d("100"), d("200")]);

        let t = simulate(&crate::scenario::from_json(&scenario(long_p, "100", true)).expect("scenario")).expect("runs");
        assert_eq!(contributions(&t), vec![d("0"), d("0"), d("1000")]);
        assert_eq!(t.summary.by_layer, vec![d("100"), d("100")]);
        assert_eq!(t.summary.unallocated, d("100"));
        t.conservation().expect("conserves");
    }

    /// By hand, two instruments: d long 10 P and 10 E at 100, cash 200, both auctioned at 70: a
    /// loss of 600, 200 from its margin, 400 of bad debt spread by notional (1,000 : 1,000):
    /// 200 in P, 200 in E. The `power` fund pays 100 of its part (all it has: 60 + 40) and 100
    /// is unallocated; the `equity` fund pays its 200 from e1 (1,000 → 800).
    #[test]
    fn a_loss_in_two_funds_instruments_is_split_between_them() {
        let both = r#"[{"instrument":"P","size":"10"},{"instrument":"E","size":"10"}]"#;
        let t = simulate(&crate::scenario::from_json(&scenario(both, "200", true)).expect("scenario")).expect("runs");
        assert_eq!(contributions(&t), vec![d("0"), d("0"), d("800")]);
        assert_eq!(t.summary.by_layer, vec![d("200"), d("300")]);
        assert_eq!(t.summary.unallocated, d("100"));
        t.conservation().expect("conserves");
    }

    /// Issue 19: with several funds, the event that says the loss went past the survivors' fund
    /// names the fund that ran out. By hand (`a_loss_in_two_funds_instruments_is_split_between_them`):
    /// the power fund pays its 100 of a 200 part and lacks 100; the equity fund pays its 200
    /// whole and is not named. One fund (no `default_funds`): the layer's own sentence.
    #[test]
    fn the_fund_that_ran_out_is_named() {
        let both = r#"[{"instrument":"P","size":"10"},{"instrument":"E","size":"10"}]"#;
        let t = simulate(&crate::scenario::from_json(&scenario(both, "200", true)).expect("scenario")).expect("runs");
        let lines: Vec<String> = t.events.iter().filter(|e| e.kind == crate::engine::EventKind::LayerExhausted).map(|e| e.text()).collect();
        assert_eq!(lines, vec!["The power default fund is exhausted; $100.00 of the loss goes on.".to_string()]);
        // A fund with no contributor holds nothing: "empty", named too. p1 and p2 contribute 0.
        let json = scenario(r#"[{"instrument":"P","size":"10"}]"#, "100", true).replace(r#""fund_contribution":"60""#, r#""fund_contribution":"0""#).replace(r#""fund_contribution":"40""#, r#""fund_contribution":"0""#);
        let t = simulate(&crate::scenario::from_json(&json).expect("scenario")).expect("runs");
        let lines: Vec<String> = t.events.iter().filter(|e| e.kind == crate::engine::EventKind::LayerExhausted).map(|e| e.text()).collect();
        assert_eq!(lines, vec!["The power default fund is empty — nothing to take; $200.00 of the loss goes on.".to_string()]);
        let t = simulate(&crate::scenario::from_json(&scenario(r#"[{"instrument":"P","size":"100"}]"#, "100", false)).expect("scenario")).expect("runs");
        let lines: Vec<String> = t.events.iter().filter(|e| e.kind == crate::engine::EventKind::LayerExhausted).map(|e| e.text()).collect();
        // 100 long at 100 sold at 70: 3,000 lost, 100 of margin, 1,100 of fund, 1,800 goes on.
        assert_eq!(lines, vec!["Survivors' default fund is exhausted; $1.8k of the loss goes on.".to_string()]);
    }

    /// `scenario` with an assessment layer after the survivors' fund (cap `cap`× a member's
    /// contribution, two calls) and every member holding 1,000 in reserves.
    fn with_assessment(d_positions: &str, cash: &str, cap: &str) -> crate::engine::Timeline {
        let json = scenario(d_positions, cash, true)
            .replace(r#""fund_contribution":"60""#, r#""fund_contribution":"60","reserves":"1000""#)
            .replace(r#""fund_contribution":"40""#, r#""fund_contribution":"40","reserves":"1000""#)
            .replace(r#""fund_contribution":"1000""#, r#""fund_contribution":"1000","reserves":"1000""#)
            .replace(r#"{"kind":"survivors_fund"}]"#, &format!(r#"{{"kind":"survivors_fund"}},{{"kind":"assessment","cap_multiple":"{cap}","max_calls":2}}]"#));
        simulate(&crate::scenario::from_json(&json).expect("scenario")).expect("runs")
    }

    /// Issue 19, assessments per fund. By hand, one instrument: the 200 of P's bad debt takes the
    /// `power` fund's 100 (p1 60, p2 40); the 100 still lacking is assessed from the power fund's
    /// members only, each capped at 0.5× its contribution to that fund: p1 30, p2 20, 50 paid,
    /// 50 unallocated. e1 (equity fund, 1,000, reserves 1,000) is neither drawn nor called,
    /// though one pooled assessment would have taken all 100 from its headroom of 500.
    #[test]
    fn an_assessment_calls_only_the_members_of_the_fund_that_lost_capped_on_their_contribution_to_it() {
        let t = with_assessment(r#"[{"instrument":"P","size":"10"}]"#, "100", "0.5");
        assert_eq!(t.summary.by_layer, vec![d("100"), d("100"), d("50")]);
        assert_eq!(t.summary.unallocated, d("50"));
        assert_eq!(contributions(&t), vec![d("0"), d("0"), d("1000")]);
        // Losses borne: p1 60 + 30, p2 40 + 20, e1 nothing.
        assert_eq!((2..5).map(|a| t.loss_at(a, 2)).collect::<Vec<_>>(), vec![d("90"), d("60"), d("0")]);
        let lines: Vec<String> = t.events.iter().filter(|e| e.kind == crate::engine::EventKind::Assessment).map(|e| e.text()).collect();
        assert!(lines.iter().all(|x| !x.contains("e1")), "{lines:#?}");
        assert!(lines.iter().any(|x| x == "Assessments stop: every member has paid its cap for this default (0.5× its contribution); $50.00 of the loss goes on."), "{lines:#?}");
        t.conservation().expect("conserves");
    }

    /// By hand, two instruments (`a_loss_in_two_funds_instruments_is_split_between_them`): after
    /// the funds, the power fund still lacks 100 and the equity fund nothing (its 200 came from
    /// e1). The assessment (cap 1×) calls the power members only, for the 100 their fund lacked:
    /// p1 60, p2 40, nothing unallocated; e1 pays no assessment (its contribution 800, its
    /// loss 200 from the fund alone).
    #[test]
    fn each_fund_is_assessed_for_what_it_still_lacked() {
        let t = with_assessment(r#"[{"instrument":"P","size":"10"},{"instrument":"E","size":"10"}]"#, "200", "1");
        assert_eq!(t.summary.by_layer, vec![d("200"), d("300"), d("100")]);
        assert_eq!(t.summary.unallocated, d("0"));
        assert_eq!((2..5).map(|a| t.loss_at(a, 2)).collect::<Vec<_>>(), vec![d("120"), d("80"), d("200")]);
        t.conservation().expect("conserves");
    }

    /// The fields are checked at the boundary, by name; without them nothing is written.
    #[test]
    fn default_funds_are_validated_by_name() {
        let long_p = r#"[{"instrument":"P","size":"10"}]"#;
        let err = |from: &str, to: &str| {
            let json = scenario(long_p, "100", true).replacen(from, to, 1);
            crate::scenario::from_json(&json).err().map(|e| format!("{e:?}")).unwrap_or_default()
        };
        let e = err(r#""instruments":["E"]"#, r#""instruments":["Q"]"#);
        assert!(e.contains("default_funds[1].instruments[0]") && e.contains("no instrument `Q`"), "{e}");
        let e = err(r#""instruments":["E"]"#, r#""instruments":["P"]"#);
        assert!(e.contains("default_funds[1].instruments[0]") && e.contains("already in default fund `power`"), "{e}");
        let e = err(r#"{"id":"equity""#, r#"{"id":"power""#);
        assert!(e.contains("default_funds[1].id") && e.contains("duplicate"), "{e}");
        let e = err(r#","fund":"equity""#, r#","fund":"bonds""#);
        assert!(e.contains("accounts[4].fund") && e.contains("no default fund `bonds`"), "{e}");
        let e = err(r#""instruments":["E"]"#, r#""instruments":[]"#);
        assert!(e.contains("default_funds[1].instruments") && e.contains("at least one"), "{e}");
        let s = crate::scenario::from_json(&scenario(long_p, "100", false)).expect("scenario");
        let json = crate::scenario::to_json(&s);
        assert!(!json.contains("default_funds") && !json.contains("\"fund\""), "absent: not written");
    }
}
