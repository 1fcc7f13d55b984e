//! Auto-deleveraging: rank opposite positions and close them against the bankrupt one.
//!
//! Source: BitMEX "Auto-Deleveraging" — ranking = PnL% × effective leverage when PnL% > 0,
//! PnL% / effective leverage otherwise; highest first; closed at the bankruptcy price.

use super::money::{Checked, EngineResult};
use rust_decimal::Decimal;

/// The BitMEX ranking score of a position.
pub fn adl_score(pnl_pct: Decimal, effective_leverage: Decimal) -> EngineResult<Decimal> {
    if pnl_pct > Decimal::ZERO {
        pnl_pct.mul_c(effective_leverage, "ADL score")
    } else if effective_leverage > Decimal::ZERO {
        pnl_pct.div_c(effective_leverage, "ADL score")
    } else {
        Ok(pnl_pct)
    }
}

/// Who is deleveraged for how much: candidates `(account, quantity, score)`, highest score first
/// (ties: lower account index first); never more than `needed` in total.
pub fn adl_select(candidates: &[(usize, Decimal, Decimal)], needed: Decimal) -> Vec<(usize, Decimal)> {
    let mut order: Vec<&(usize, Decimal, Decimal)> = candidates.iter().filter(|c| c.1 > Decimal::ZERO).collect();
    order.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut left = needed.max(Decimal::ZERO);
    let mut out = Vec::new();
    for &&(acct, qty, _) in &order {
        if left.is_zero() {
            break;
        }
        let take = qty.min(left);
        out.push((acct, take));
        left -= take;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(x: i64) -> Decimal {
        Decimal::from(x)
    }

    // domain.md §4 (BitMEX example): six longs (account: qty, score); a short of 20 is liquidated:
    // account 2 closes fully (10) and account 5 closes 10 of its 20.
    #[test]
    fn bitmex_six_longs_example() {
        let longs = [(1, d(10), d(3)), (2, d(10), d(6)), (3, d(20), d(1)), (4, d(30), d(4)), (5, d(20), d(5)), (6, d(10), d(2))];
        let hit = adl_select(&longs, d(20));
        assert_eq!(hit, vec![(2, d(10)), (5, d(10))]);
    }

    #[test]
    fn never_more_than_needed_and_score_sign() {
        let c = [(0, d(5), d(1)), (1, d(5), d(2))];
        let total: Decimal = adl_select(&c, d(7)).iter().map(|x| x.1).sum();
        assert_eq!(total, d(7));
        let total: Decimal = adl_select(&c, d(70)).iter().map(|x| x.1).sum();
        assert_eq!(total, d(10));
        assert_eq!(adl_score(Decimal::new(5, 1), d(4)).unwrap(), d(2));
        assert_eq!(adl_score(Decimal::new(-4, 1), d(4)).unwrap(), Decimal::new(-1, 1));
    }
}
