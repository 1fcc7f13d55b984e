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
