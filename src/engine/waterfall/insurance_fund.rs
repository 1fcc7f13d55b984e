//! The venue's insurance fund: filled by liquidation penalties (`liquidation.rs`), drained by
//! deficits here. A contract may have a fund of its own (`instruments[].insurance_fund`): the
//! penalties and deficits on that contract go to and come from it only.

use super::distribute::distribute;
use crate::engine::ledger::{names, Name};
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{Bankrupt, Sim};
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: BitMEX, "What is Auto-Deleveraging": a close beyond the bankruptcy price is paid by the insurance fund of that contract (domain.md §4); Drift's per-market insurance fund (§7).
    /// Pays what the funds hold of `left`: each contract's part of the bad debt (`info`) from its
    /// own fund when it has one, the rest from the venue's fund.
    pub(in crate::engine) fn insurance_fund(&mut self, def: usize, t: u32, left: Decimal, info: &[Bankrupt]) -> EngineResult<Decimal> {
        let mut venue_part = left;
        let mut pay = Decimal::ZERO;
        if !self.inst_insurance.is_empty() {
            let w: Vec<(usize, Decimal)> = info.iter().map(|b| (b.inst, b.per_unit.abs() * b.size.abs())).collect();
            let split = distribute(left, &w)?;
            venue_part = split.dust;
            for (k, part) in split.shares {
                match self.inst_insurance.get(k).copied().flatten() {
                    Some(bal) => {
                        let p = part.min(bal.max(Decimal::ZERO));
                        if let Some(x) = self.inst_insurance.get_mut(k) {
                            *x = Some(bal - p);
                        }
                        let memo = format!("insurance fund of {}", self.inst_id(k));
                        self.credit_def(def, t, self.inst_insurance_name(k), p, memo.into())?;
                        pay = pay.add_c(p, "insurance funds")?;
                    }
                    None => venue_part = venue_part.add_c(part, "insurance fund")?,
                }
            }
        }
        let p = venue_part.min(self.insurance.max(Decimal::ZERO));
        self.insurance -= p;
        self.credit_def(def, t, self.vn(names::INSURANCE), p, "insurance fund".into())?;
        pay.add_c(p, "insurance funds")
    }

    /// Source: BitMEX's liquidation penalty goes to the insurance fund of the contract liquidated (domain.md §4).
    /// Where a liquidation penalty goes: the fund of the one contract closed when it has its own
    /// (a group over several contracts pays the venue's fund), else the venue's.
    pub(in crate::engine) fn penalty_fund(&self, closed: &[Bankrupt]) -> Option<usize> {
        let first = closed.first()?.inst;
        (closed.iter().all(|b| b.inst == first) && self.inst_insurance.get(first).copied().flatten().is_some()).then_some(first)
    }

    /// The ledger name of contract `k`'s own insurance fund.
    pub(in crate::engine) fn inst_insurance_name(&self, k: usize) -> Name {
        Name::from(format!("{}:{}", names::INSURANCE, self.inst_id(k)))
    }

    /// Every insurance fund together: the venue's and the contracts' own (the chart's balance).
    pub(in crate::engine) fn insurance_total(&self) -> Decimal {
        // Adding a plain zero would drop the balance's scale ("0.00000000" → "0"): runs without
        // contract funds read exactly as before.
        if self.inst_insurance.is_empty() {
            return self.insurance;
        }
        self.insurance + self.inst_insurance.iter().flatten().copied().sum::<Decimal>()
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::simulate;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// By hand: x is long 10 A and y long 10 B, each with cash 50 (initial margin 5 % of 1,000);
    /// both prices gap 100 → 90 at step 1 and both are closed at 90: each loses 100, 50 beyond
    /// its margin. A has its own insurance fund of 30: it pays 30 of x's 50 and the other 20 is
    /// unallocated (a contract's fund does not reach into the venue's). B has none: the venue's
    /// fund pays y's 50 (1,000 → 950). The funds together: 1,030 → 950.
    #[test]
    fn a_contract_with_its_own_insurance_fund_pays_its_own_deficits_only() {
        let json = r#"{"version":1,"steps":2,"venue":{"insurance_fund":"1000","liquidation_fee":"0"},
            "instruments":[{"id":"A","lot_size":"1","counterparty":"mm","insurance_fund":"30","margin":{"initial":"0.05","maintenance":"0.025"},"price":{"initial":"100","points":[{"step":1,"price":"90"}]}},
                           {"id":"B","lot_size":"1","counterparty":"mm","margin":{"initial":"0.05","maintenance":"0.025"},"price":{"initial":"100","points":[{"step":1,"price":"90"}]}}],
            "accounts":[{"id":"x","cash":"50","positions":[{"instrument":"A","size":"10"}]},
                        {"id":"y","cash":"50","positions":[{"instrument":"B","size":"10"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}],
            "waterfall":[{"kind":"defaulter_margin"},{"kind":"insurance_fund"}]}"#;
        let t = simulate(&crate::scenario::from_json(json).expect("scenario")).expect("runs");
        assert_eq!(t.summary.by_layer, vec![d("100"), d("80")]);
        assert_eq!(t.summary.unallocated, d("20"));
        assert_eq!(t.insurance_at(0), d("1030"));
        assert_eq!(t.insurance_at(1), d("950"));
        let from_a: Decimal = t.ledger_at(1).iter().filter(|e| e.credit.to_string() == "venue:insurance_fund:A").map(|e| e.amount).sum();
        assert_eq!(from_a, d("30"));
        t.conservation().expect("conserves");
        assert!(t.conservation().unwrap().ledger_balances);
        let bad = json.replace(r#""insurance_fund":"30""#, r#""insurance_fund":"-1""#);
        let e = crate::scenario::from_json(&bad).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(e.contains("instruments[0].insurance_fund"), "{e}");
    }
}
