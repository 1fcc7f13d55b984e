//! Several default funds (issue 19): one per service or instrument group. A member's
//! contribution belongs to one fund; a default's loss is met by the funds of the instruments it
//! came from, each from its own members only (a fund's shortfall passes on down the waterfall,
//! never into another fund).

use super::distribute::distribute;
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{Bankrupt, Sim};
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
