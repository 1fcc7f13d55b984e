//! The survivors' default fund: the non-defaulting members' contributions, pro rata.

use super::distribute::{distribute, DustTo, Split};
use crate::engine::ledger::names;
use crate::engine::money::{sum_c, EngineResult};
use crate::engine::state::{Bankrupt, Sim};
use crate::engine::explain::SplitRule;
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CPMI-IOSCO PFMI Principle 4 and CCP disclosures, survivors' contributions pro rata to contribution; Nasdaq Clearing 2018 used €107m of €166m (domain.md §6).
    /// Takes up to `left` from the surviving contributors, pro rata to what each still has in;
    /// with several default funds, each fund's part of the loss (`fund_parts`) from that fund's
    /// members only.
    pub(in crate::engine) fn survivors_fund(&mut self, def: usize, t: u32, l: usize, left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut pay = Decimal::ZERO;
        let mut lacking = Vec::new();
        let mut paid_by_fund = Vec::new();
        for (fund, part) in self.fund_parts(left, info)? {
            let paid = self.survivors_fund_part(def, t, l, fund, part)?;
            lacking.push((fund, (part - paid).max(Decimal::ZERO)));
            paid_by_fund.push((fund, paid));
            pay += paid;
        }
        if !self.inst_fund.is_empty() {
            self.fund_left = Some((def, lacking));
            self.fund_paid = paid_by_fund;
        }
        Ok(pay)
    }

    /// Up to `left` from the surviving contributors of fund `fund` (every contributor without
    /// `default_funds`).
    /// After a default auction with juniorisation, the members that did not win pay first
    /// (`juniorisation.rs`), each tier pro rata within itself.
    fn survivors_fund_part(&mut self, def: usize, t: u32, l: usize, fund: usize, left: Decimal) -> EngineResult<Decimal> {
        let w: Vec<(usize, Decimal)> = self.contributing_survivors(def).filter(|&i| self.member_fund_of(i) == fund).map(|i| (i, self.accts[i].snap.contribution)).filter(|x| x.1 > Decimal::ZERO).collect(); // ok: i < len
        let tiers = self.fund_tiers(def, w);
        if let [junior, senior] = tiers.as_slice() {
            let junior_total = sum_c(junior.iter().map(|x| x.1), "junior contributions")?;
            let msg = Msg::Juniorised { name: self.who(def), junior: junior.len(), junior_total, senior: senior.len() };
            self.event(t, Some(def), EventKind::Juniorisation, msg, Some(junior_total), Some(l));
        }
        let mut pay = Decimal::ZERO;
        for w in tiers {
            if pay >= left {
                break;
            }
            pay += self.survivors_fund_tier(def, t, l, left - pay, w)?;
        }
        Ok(pay)
    }

    /// Up to `left` from contributors `w`, pro rata to their contributions.
    fn survivors_fund_tier(&mut self, def: usize, t: u32, l: usize, left: Decimal, w: Vec<(usize, Decimal)>) -> EngineResult<Decimal> {
        let total = sum_c(w.iter().map(|x| x.1), "survivors' fund")?;
        let take = left.min(total);
        let Split { shares, dust } = distribute(take, &w)?;
        self.split(t, l, SplitRule::SurvivorsFund, Some(def), take, total, None, &w, &shares);
        let mut pay = Decimal::ZERO;
        for (i, sh) in shares {
            self.accts[i].snap.contribution -= sh; // ok: from survivors()
            self.accts[i].snap.loss += sh; // ok: from survivors()
            self.touch(i);
            let memo = format!("{}'s default-fund contribution", self.name(i));
            self.credit_def(def, t, self.vn(names::DEFAULT_FUND), sh, memo.into())?;
            pay += sh;
        }
        if pay > Decimal::ZERO && self.fund_drawn_at.is_none() {
            self.fund_drawn_at = Some(t);
        }
        pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
        Ok(pay)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::simulate;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// Cover-2 (examples/cover-2.json): Alpha (long 100, cash 1,200, fund 300) and Bravo (long 60,
    /// cash 700, fund 200) both fail their step-4 margin calls and default at step 5; Charlie (fund
    /// 400) and Delta (fund 300) survive. Bravo is in default when Alpha's walk runs, so it is not
    /// a survivor of Alpha's default (issue 19: it paid €86.67 of its fund toward Alpha's).
    ///
    /// By hand. The price gaps 100 → 80; the auction sells at 80 × 0.98 = 78.4.
    /// Alpha: VM −2,000 and close −160 on cash 1,200: margin 1,200, deficit 960; its fund 300 →
    /// 660; SIG 150 → 510 from Charlie and Delta pro rata 400 : 300 (rounded down at 8 dp):
    /// 510 × 4/7 = 291.42857142, 510 × 3/7 = 218.57142857, dust 0.00000001.
    /// Bravo: VM −1,200 and close −96 on cash 700: margin 700, deficit 596; its own fund 200
    /// (whole) → 396; the survivors' fund holds 400 − 291.42857142 = 108.57142858 and
    /// 300 − 218.57142857 = 81.42857143, 190.00000001 in all, taken whole → 205.99999999 left;
    /// assessments (1× contribution, headroom 400 : 300): 117.71428570 and 88.28571428, dust
    /// 0.00000001. Each survivor loses its whole contribution either way; what changes is which
    /// default it paid.
    #[test]
    fn a_second_defaulter_of_the_same_step_is_not_a_survivor_of_the_first() {
        let s = crate::scenario::from_json(include_str!("../../../examples/cover-2.json")).expect("scenario");
        let t = simulate(&s).expect("runs");
        let fund: Vec<(String, String, Decimal)> = t
            .ledger_at(5)
            .into_iter()
            .filter(|e| e.credit.to_string() == "venue:default_fund")
            .map(|e| (e.debit.to_string(), e.memo.to_string(), e.amount))
            .collect();
        let want = [
            ("acct:alpha", "defaulter's own fund contribution", "300"),
            ("acct:alpha", "Charlie Bank's default-fund contribution", "291.42857142"),
            ("acct:alpha", "Delta Trading's default-fund contribution", "218.57142857"),
            ("acct:bravo", "defaulter's own fund contribution", "200"),
            ("acct:bravo", "Charlie Bank's default-fund contribution", "108.57142858"),
            ("acct:bravo", "Delta Trading's default-fund contribution", "81.42857143"),
        ];
        let want: Vec<(String, String, Decimal)> = want.iter().map(|(a, m, x)| (a.to_string(), m.to_string(), d(x))).collect();
        assert_eq!(fund, want);
        // Layers: margin 1,200 + 700; own contributions 300 + 200; SIG 150; survivors 510 + 190.00000001; assessments 205.99999999.
        assert_eq!(t.summary.by_layer, vec![d("1900"), d("500"), d("150"), d("700.00000001"), d("205.99999999")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        t.conservation().expect("conserves");
    }
}
