//! Withdrawals and loans against collateral (issue 19): an account takes cash out of the venue.
//!
//! A margin venue lets an account withdraw what its initial margin does not need: its equity
//! (collateral after haircuts, plus unrealized PnL where the venue counts it, as Mango's health
//! did and as every unrealized-settlement venue here does) less its initial requirement. What it
//! takes beyond its own cash is a loan: its cash balance goes negative, a debt the same equity
//! secures. Mango Markets, 11 October 2022: the attacker's MNGO-PERP long, marked at a pumped
//! price, carried hundreds of millions of unrealized profit; about $116m was borrowed and withdrawn
//! against it (SEC complaint, 20 January 2023). When the price fell back the debt stayed and the
//! collateral was gone: the bad debt the run then shows.

use super::account::{cross_requirements, valuate};
use super::ledger::names;
use super::money::{to_money, Checked, EngineResult};
use super::state::Sim;
use super::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Mango v3/v4 health (withdrawals and borrows allowed while initial health stays non-negative); SEC v. Eisenberg, complaint of 20 January 2023.
    /// The scenario's withdrawals of step `t`, each as far as the account's equity less its
    /// initial requirement allows (an account out of the run withdraws nothing).
    pub(in crate::engine) fn withdraw(&mut self, t: u32) -> EngineResult<()> {
        while let Some(&(step, a, asked)) = self.withdrawals.get(self.withdrawal_next) {
            if step > t {
                break;
            }
            self.withdrawal_next += 1;
            if step < t {
                continue;
            }
            let Some(acct) = self.accts.get(a) else { continue };
            if acct.snap.status.is_out() {
                continue;
            }
            // Only the cross group backs a withdrawal: an isolated position's margin is set aside
            // for it alone (its profit is not collateral for the rest, and a loan against it
            // would be a debt no close-out of that position pays).
            let v = valuate(&self.m, self.m.pm(a), &acct.snap.collateral, &acct.snap.positions, t)?;
            let (_, cross_initial) = cross_requirements(&self.m, self.m.pm(a), &acct.snap.positions, t)?;
            let headroom = to_money(v.cross_equity.sub_c(cross_initial, "withdrawal headroom")?);
            let amount = asked.min(headroom.max(Decimal::ZERO));
            let cash = acct.snap.collateral.first().copied().unwrap_or_default();
            let borrowed = amount.sub_c(cash.max(Decimal::ZERO), "borrowed")?.max(Decimal::ZERO);
            if amount > Decimal::ZERO {
                self.cash_add(a, -amount)?;
                let memo = if borrowed > Decimal::ZERO { "withdrawal (borrowed against collateral)" } else { "withdrawal" };
                self.post(t, self.vn(names::WITHDRAWALS), self.acct_name(a), amount, memo.into());
            }
            let msg = Msg::Withdrawn { name: self.who(a), amount, asked, borrowed, headroom };
            self.event(t, Some(a), EventKind::Withdrawal, msg, Some(amount), None);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{ledger, simulate, EventKind};
    use crate::scenario::from_json;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// A long of 100 at entry 1 with 10 of cash; the price goes 1 → 3 → 3 → 0.9. At step 2 it
    /// asks for 250.
    fn scenario(asked: &str) -> String {
        format!(
            r#"{{"version":1,"steps":4,"venue":{{"style":"exchange","insurance_fund":"5","liquidation_fee":"0"}},
            "instruments":[{{"id":"P","lot_size":"1","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},
              "price":{{"initial":"1","points":[{{"step":1,"price":"3"}},{{"step":2,"price":"3"}},{{"step":3,"price":"0.9"}},{{"step":4,"price":"0.9"}}]}}}}],
            "accounts":[{{"id":"x","cash":"10","positions":[{{"instrument":"P","size":"100"}}]}},
                        {{"id":"mm","role":"market_maker","cash":"1000000"}},
                        {{"id":"dep","fund_contribution":"0"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"insurance_fund"}}],
            "withdrawals":[{{"account":"x","step":2,"amount":"{asked}"}}]}}"#
        )
    }

    #[test]
    fn a_loan_against_unrealized_profit_becomes_bad_debt_when_the_price_falls_back() {
        let t = simulate(&from_json(&scenario("150")).unwrap()).unwrap();
        // Hand figures. Step 2: equity 10 + 100 × (3 − 1) = 210; initial 0.1 × 300 = 30;
        // headroom 180 ≥ 150: all 150 out, 140 of it beyond the cash of 10 (a loan).
        let e = t.events_at(2).into_iter().find(|e| e.kind == EventKind::Withdrawal).expect("the withdrawal");
        assert_eq!(e.amount, Some(d("150")));
        assert!(e.text().contains("$140") && e.text().contains("$180"), "{}", e.text());
        assert_eq!(t.snapshot_at(0, 2).unwrap().collateral[0], d("-140"));
        // Step 3 at 0.9: equity −140 + 100 × (0.9 − 1) = −150 < maintenance: closed at 0.9 (no
        // slippage, no fee): a deficit of 150; the insurance fund's 5 pays, 145 unallocated.
        assert_eq!(t.summary.deficit, d("150"));
        assert_eq!(t.summary.by_layer[1], d("5"));
        assert_eq!(t.summary.unallocated, d("145"));
        let b = ledger::balances(t.ledger.iter());
        assert_eq!(b.get(&("external:withdrawals".to_string(), "USD".to_string())).copied(), Some(d("150")));
    }

    #[test]
    fn a_withdrawal_stops_at_the_initial_margin() {
        let t = simulate(&from_json(&scenario("250")).unwrap()).unwrap();
        let e = t.events_at(2).into_iter().find(|e| e.kind == EventKind::Withdrawal).expect("the withdrawal");
        // Headroom 180 of the 250 asked.
        assert_eq!(e.amount, Some(d("180")));
        assert!(e.text().contains("of the $250.00 asked"), "{}", e.text());
        assert_eq!(t.snapshot_at(0, 2).unwrap().collateral[0], d("-170"));
    }

    /// Found by the conservation property (a bankrupt account left owing its loan): an isolated
    /// position's margin does not back a withdrawal. All 902 of the cash is set aside for the
    /// isolated short, so nothing is free: the 41 asked is refused, not lent.
    #[test]
    fn isolated_margin_does_not_back_a_withdrawal() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"exchange","insurance_fund":"0","liquidation_fee":"0"},
            "instruments":[{"id":"I0","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},
              "price":{"initial":"100","points":[{"step":1,"price":"90"},{"step":3,"price":"90"}]}}],
            "accounts":[{"id":"a0","margin_mode":"isolated","cash":"902","positions":[{"instrument":"I0","size":"-34"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}],
            "withdrawals":[{"account":"a0","step":2,"amount":"41"}]}"#;
        let t = simulate(&from_json(json).unwrap()).unwrap();
        let e = t.events_at(2).into_iter().find(|e| e.kind == EventKind::Withdrawal).expect("the withdrawal event");
        // Cross equity 0 (every unit of cash is the short's isolated margin), cross initial 0.
        assert_eq!(e.amount, Some(Decimal::ZERO));
        assert!(e.text().contains("was $0.00"), "{}", e.text());
    }

    #[test]
    fn withdrawals_are_validated_by_field() {
        let err = |x: &str| {
            let s = scenario("1").replace(r#""withdrawals":[{"account":"x","step":2,"amount":"1"}]"#, x);
            crate::scenario::validate(&serde_json::from_str::<crate::scenario::Scenario>(&s).unwrap()).unwrap_err().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
        };
        assert!(err(r#""withdrawals":[{"account":"nobody","step":2,"amount":"1"}]"#).contains("withdrawals[0].account"));
        assert!(err(r#""withdrawals":[{"account":"x","step":9,"amount":"1"}]"#).contains("withdrawals[0].step"));
        assert!(err(r#""withdrawals":[{"account":"x","step":2,"amount":"-1"}]"#).contains("withdrawals[0].amount"));
        assert!(err(r#""withdrawals":[{"account":"x","step":2,"amount":"0.000000001"}]"#).contains("decimal places"));
    }
}
