//! An account's greeks at a step (issue 18): Black-76 greeks of each option position at the
//! underlying's mark and the option's volatility, plus each future's units in delta, summed
//! (`options::marks::position_greeks`, `account_greeks`). Figures for the account's story; the UI
//! only formats them.

use super::account::Pos;
use super::market::Market;
use super::options::black76::Black76;
use super::options::marks::{account_greeks, position_greeks};
use super::options::normal::{to_decimal, to_f64};
use rust_decimal::Decimal;
use serde::Serialize;

/// An account's greeks, in the quote currency: delta in units of the underlying, gamma per unit of
/// the underlying's price, vega per 1.00 of σ (÷ 100 per vol point), theta per day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AccountGreeks {
    pub delta: Decimal,
    pub gamma: Decimal,
    pub vega: Decimal,
    pub theta_per_day: Decimal,
}

/// Source: Black (1976) greeks per position (margin-models.md §1), summed over the account
/// (a future contributes its units to delta only). `None` when the account holds no live option
/// at step `t` (its greeks would be a future's delta alone, shown as its position already).
pub fn greeks_at(m: &Market, positions: &[Pos], t: u32) -> Option<AccountGreeks> {
    let mut parts = Vec::with_capacity(positions.len());
    let mut any_option = false;
    // A future counts toward delta when an option of the account is written on it.
    let hedges = |inst: usize| positions.iter().any(|q| m.option(q.inst).is_some_and(|o| o.underlying == inst));
    for p in positions {
        let cs = m.meta(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
        let units = p.size.checked_mul(cs)?;
        match m.option(p.inst) {
            Some(o) if t < o.expiry => {
                any_option = true;
                let years = to_f64(Decimal::from(o.expiry - t)) * to_f64(o.days_per_step) / 365.0;
                let sigma = m.vols.get(p.inst).and_then(|v| v.get(t as usize)).copied().unwrap_or_default();
                let b = Black76 { kind: o.kind, forward: to_f64(m.mark(o.underlying, t)), strike: to_f64(o.strike), years, sigma: to_f64(sigma), rate: 0.0 };
                parts.push(position_greeks(b.greeks().ok()?, units));
            }
            Some(_) => {}
            None if hedges(p.inst) => parts.push(super::options::black76::Greeks { price: 0.0, delta: to_f64(units), gamma: 0.0, vega: 0.0, theta: 0.0 }),
            None => {}
        }
    }
    if !any_option {
        return None;
    }
    let g = account_greeks(parts);
    Some(AccountGreeks {
        delta: to_decimal(g.delta, 6)?,
        gamma: to_decimal(g.gamma, 10)?,
        vega: to_decimal(g.vega, 4)?,
        theta_per_day: to_decimal(g.theta / 365.0, 4)?,
    })
}

/// An account's greeks at `step` from the run's record, for the accounts table: `None` when it
/// holds no live option then.
pub fn greeks_of(t: &super::timeline::Timeline, account: usize, step: u32) -> Option<AccountGreeks> {
    let snap = t.snapshot_at(account, step)?;
    greeks_at(&t.market, &snap.positions, step)
}

/// The account's delta at every step, in units of the underlying (the "Delta of account" chart):
/// its options' Black-76 deltas and its futures' units while it holds a live option, its futures'
/// units alone otherwise (an expired or exercised option leaves the future it delivered).
pub fn delta_path(t: &super::timeline::Timeline, account: usize) -> Vec<Decimal> {
    (0..=t.steps)
        .map(|step| match t.snapshot_at(account, step) {
            Some(snap) => greeks_at(&t.market, &snap.positions, step).map(|g| g.delta).unwrap_or_else(|| {
                snap.positions
                    .iter()
                    .filter(|p| t.market.option(p.inst).is_none())
                    .filter_map(|p| p.size.checked_mul(t.market.meta(p.inst).map(|m| m.contract_size).unwrap_or(Decimal::ONE)))
                    .fold(Decimal::ZERO, |a, u| a.checked_add(u).unwrap_or(a))
            }),
            None => Decimal::ZERO,
        })
        .collect()
}

/// Whether the run has an option instrument (the accounts table and charts then show greeks).
pub fn has_options(t: &super::timeline::Timeline) -> bool {
    t.market.meta.iter().any(|m| m.option.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// A call struck at 90 on a future that falls from 100 to 80 at step 2, σ at the format's
    /// smallest: deep in the money its delta is 1 per unit, out of the money 0. A holds 100 calls:
    /// delta 100 at steps 0–1, 0 from step 2; after the cash-settled expiry at step 4 it holds
    /// nothing (0). B, short the calls and long 100 of the future as a hedge: 0 at first (−100 +
    /// 100), then +100 (the future alone once the call is worthless), 100 after expiry.
    #[test]
    fn delta_through_the_run() {
        let s = crate::scenario::from_json(
            r#"{"version":1,"steps":5,"venue":{"style":"exchange"},
            "instruments":[{"id":"F","tick_size":"0.01","lot_size":"1","counterparty":"mm","price":{"initial":"100","points":[{"step":1,"price":"100"},{"step":2,"price":"80"},{"step":5,"price":"80"}]}},
              {"id":"C","tick_size":"0.01","lot_size":"1","expiry":{"step":4},
                "option":{"on":"F","kind":"call","strike":"90","days_per_step":"1","volatility":{"initial":"0.0001"}}}],
            "accounts":[{"id":"A","cash":"5000","positions":[{"instrument":"C","size":"100"}]},
                        {"id":"B","cash":"50000","positions":[{"instrument":"C","size":"-100"},{"instrument":"F","size":"100"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}]}"#,
        )
        .expect("scenario");
        let t = crate::engine::simulate(&s).expect("runs");
        let d = |x: &str| Decimal::from_str(x).unwrap();
        let a = t.accounts.iter().position(|x| x.id.as_ref() == "A").unwrap();
        let b = t.accounts.iter().position(|x| x.id.as_ref() == "B").unwrap();
        assert_eq!(delta_path(&t, a), vec![d("100"), d("100"), d("0"), d("0"), d("0"), d("0")]);
        assert_eq!(delta_path(&t, b), vec![d("0"), d("0"), d("100"), d("100"), d("100"), d("100")]);
        assert_eq!(greeks_of(&t, a, 0).map(|g| g.delta), Some(d("100")));
        assert_eq!(greeks_of(&t, a, 4), None, "expired: no live option");
        assert!(has_options(&t));
    }
}
