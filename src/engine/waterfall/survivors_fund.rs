//! The survivors' default fund: the non-defaulting members' contributions, pro rata.

use super::distribute::{distribute, DustTo, Split};
use crate::engine::ledger::names;
use crate::engine::money::{sum_c, EngineResult};
use crate::engine::state::Sim;
use crate::engine::explain::SplitRule;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CPMI-IOSCO PFMI Principle 4 and CCP disclosures, survivors' contributions pro rata to contribution; Nasdaq Clearing 2018 used €107m of €166m (domain.md §6).
    /// Takes up to `left` from the surviving contributors, pro rata to what each still has in.
    pub(in crate::engine) fn survivors_fund(&mut self, def: usize, t: u32, l: usize, left: Decimal) -> EngineResult<Decimal> {
        let w: Vec<(usize, Decimal)> = self.contributing_survivors(def).map(|i| (i, self.accts[i].snap.contribution)).filter(|x| x.1 > Decimal::ZERO).collect(); // ok: i < len
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
        pay += self.pay_dust(t, DustTo::Defaulter(def), dust)?;
        Ok(pay)
    }
}
