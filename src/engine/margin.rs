//! Margin requirements (flat or risk-limit tiers), liquidation and bankruptcy prices.
//!
//! Sources: Binance USDⓈ-M liquidation-price FAQ (linear formula, tier maintenance amount "cum");
//! domain.md §3 for inverse contracts, derived from PnL = Q·(1/EP − 1/P).

use super::money::{Checked, EngineResult};
use crate::scenario::MarginSpec;
use rust_decimal::Decimal;

/// One risk-limit tier with its maintenance amount resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct TierRule {
    pub floor: Decimal,
    pub initial: Decimal,
    pub maintenance: Decimal,
    /// The "cum" of the Binance formula.
    pub amount: Decimal,
}

/// An instrument's margin rule: a flat rate pair, or tiers by notional.
#[derive(Clone, Debug, PartialEq)]
pub struct MarginModel {
    pub tiers: Vec<TierRule>,
}

/// Maintenance amount of each tier: cum_n = floor_n × (mmr_n − mmr_{n−1}) + cum_{n−1}
/// (Binance COIN-M/USDⓈ-M tier tables). An explicit amount overrides the computed one.
pub fn maintenance_amounts(floors_rates: &[(Decimal, Decimal, Option<Decimal>)]) -> EngineResult<Vec<Decimal>> {
    let mut out = Vec::with_capacity(floors_rates.len());
    let mut prev_rate = Decimal::ZERO;
    let mut prev_cum = Decimal::ZERO;
    for &(floor, rate, given) in floors_rates {
        let cum = match given {
            Some(c) => c,
            None => floor.mul_c(rate.sub_c(prev_rate, "tier rate step")?, "maintenance amount")?.add_c(prev_cum, "maintenance amount")?,
        };
        out.push(cum);
        prev_rate = rate;
        prev_cum = cum;
    }
    Ok(out)
}

impl MarginModel {
    pub fn from_spec(spec: &MarginSpec) -> EngineResult<Self> {
        if spec.tiers.is_empty() {
            return Ok(MarginModel {
                tiers: vec![TierRule { floor: Decimal::ZERO, initial: spec.initial, maintenance: spec.maintenance, amount: Decimal::ZERO }],
            });
        }
        let fr: Vec<_> = spec.tiers.iter().map(|t| (t.floor, t.maintenance, t.maintenance_amount)).collect();
        let cums = maintenance_amounts(&fr)?;
        Ok(MarginModel {
            tiers: spec
                .tiers
                .iter()
                .zip(cums)
                .map(|(t, amount)| TierRule { floor: t.floor, initial: t.initial, maintenance: t.maintenance, amount })
                .collect(),
        })
    }

    /// The tier whose bracket holds `notional` (floor ≤ notional).
    pub fn tier(&self, notional: Decimal) -> &TierRule {
        let idx = self.tiers.partition_point(|t| t.floor <= notional).saturating_sub(1);
        // ok: from_spec always builds at least one tier
        &self.tiers[idx.min(self.tiers.len().saturating_sub(1))]
    }

    /// Maintenance requirement = notional × MMR − cum (never below zero).
    pub fn maintenance(&self, notional: Decimal) -> EngineResult<Decimal> {
        let t = self.tier(notional);
        Ok(notional.mul_c(t.maintenance, "maintenance margin")?.sub_c(t.amount, "maintenance margin")?.max(Decimal::ZERO))
    }

    /// Initial requirement = notional × IMR.
    pub fn initial(&self, notional: Decimal) -> EngineResult<Decimal> {
        notional.mul_c(self.tier(notional).initial, "initial margin")
    }
}

/// Binance USDⓈ-M liquidation price (one-way mode):
/// LP = (WB − TMM₁ + UPNL₁ + cum − side·|Q|·EP) / (|Q|·MMR − side·|Q|).
/// Isolated: `tmm_other = upnl_other = 0` and `wb` is the position's isolated balance.
#[allow(clippy::too_many_arguments)]
pub fn liquidation_price_linear(
    wb: Decimal,
    tmm_other: Decimal,
    upnl_other: Decimal,
    cum: Decimal,
    side: Decimal,
    qty: Decimal,
    entry: Decimal,
    mmr: Decimal,
) -> EngineResult<Decimal> {
    let q = qty.abs();
    let what = "liquidation price";
    let num = wb
        .sub_c(tmm_other, what)?
        .add_c(upnl_other, what)?
        .add_c(cum, what)?
        .sub_c(side.mul_c(q, what)?.mul_c(entry, what)?, what)?;
    let den = q.mul_c(mmr, what)?.sub_c(side.mul_c(q, what)?, what)?;
    num.div_c(den, what)
}

/// Liquidation price with tiers: start from the tier at the entry notional; if the price lands in
/// another tier, recompute with that tier's MMR and cum (Binance FAQ), at most once per tier.
pub fn liquidation_price_linear_tiered(
    model: &MarginModel,
    wb: Decimal,
    tmm_other: Decimal,
    upnl_other: Decimal,
    side: Decimal,
    qty: Decimal,
    entry: Decimal,
) -> EngineResult<Decimal> {
    let q = qty.abs();
    let mut tier = model.tier(q.mul_c(entry, "notional")?);
    let mut lp = Decimal::ZERO;
    for _ in 0..=model.tiers.len() {
        lp = liquidation_price_linear(wb, tmm_other, upnl_other, tier.amount, side, q, entry, tier.maintenance)?;
        let at_lp = model.tier(q.mul_c(lp.max(Decimal::ZERO), "notional")?);
        if at_lp == tier {
            break;
        }
        tier = at_lp;
    }
    Ok(lp)
}

/// Linear bankruptcy price: the price at which the position's margin is exactly used up,
/// BP = EP − side · WB / |Q|.
pub fn bankruptcy_price_linear(entry: Decimal, wb: Decimal, side: Decimal, qty: Decimal) -> EngineResult<Decimal> {
    entry.sub_c(side.mul_c(wb.div_c(qty.abs(), "bankruptcy price")?, "bankruptcy price")?, "bankruptcy price")
}

/// A position's liquidation and bankruptcy prices on a linear contract, read from its margin
/// group's equity at the mark (the group being this one position): the Binance formula with
/// EP = mark and WB = that equity, which already holds the PnL from entry to mark and the funding
/// owed, so the prices are where the engine's own valuation reaches maintenance and zero.
/// `units` is the signed size in units of the underlying (contracts × contract size).
/// Returns (liquidation price, bankruptcy price).
pub fn position_prices_linear(model: &MarginModel, equity_at_mark: Decimal, units: Decimal, mark: Decimal) -> EngineResult<(Decimal, Decimal)> {
    let side = if units.is_sign_negative() { Decimal::NEGATIVE_ONE } else { Decimal::ONE };
    let lp = liquidation_price_linear_tiered(model, equity_at_mark, Decimal::ZERO, Decimal::ZERO, side, units, mark)?;
    let bp = bankruptcy_price_linear(mark, equity_at_mark, side, units)?;
    Ok((lp, bp))
}

/// Inverse bankruptcy price (domain.md §3): long 1/(1/EP + M/Q), short 1/(1/EP − M/Q);
/// `qty` in quote units (contracts × contract size), `margin` in the base coin.
pub fn bankruptcy_price_inverse(entry: Decimal, margin: Decimal, side: Decimal, qty: Decimal) -> EngineResult<Decimal> {
    let what = "inverse bankruptcy price";
    let inv = Decimal::ONE.div_c(entry, what)?.add_c(side.mul_c(margin.div_c(qty.abs(), what)?, what)?, what)?;
    Decimal::ONE.div_c(inv, what)
}

/// Inverse liquidation price (domain.md §3): long Q(1 + mmr)/(M + Q/EP), short Q(1 − mmr)/(Q/EP − M).
pub fn liquidation_price_inverse(entry: Decimal, margin: Decimal, side: Decimal, qty: Decimal, mmr: Decimal) -> EngineResult<Decimal> {
    let what = "inverse liquidation price";
    let q = qty.abs();
    let q_over_ep = q.div_c(entry, what)?;
    let num = q.mul_c(Decimal::ONE.add_c(side.mul_c(mmr, what)?, what)?, what)?;
    let den = side.mul_c(margin, what)?.add_c(q_over_ep, what)?;
    num.div_c(den, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Tier;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    // domain.md §2: isolated, Q = 1, EP = 10,000, WB = 1,000, MMR = 0.5 %, cum = 0.
    #[test]
    fn linear_liquidation_and_bankruptcy_prices() {
        let long = liquidation_price_linear(d("1000"), d("0"), d("0"), d("0"), d("1"), d("1"), d("10000"), d("0.005")).unwrap();
        assert_eq!(long.round_dp(24), d("9045.226130653266331658291457"));
        let short = liquidation_price_linear(d("1000"), d("0"), d("0"), d("0"), d("-1"), d("1"), d("10000"), d("0.005")).unwrap();
        assert_eq!(short.round_dp(24), d("10945.273631840796019900497512"));
        assert_eq!(bankruptcy_price_linear(d("10000"), d("1000"), d("1"), d("1")).unwrap(), d("9000"));
        assert_eq!(bankruptcy_price_linear(d("10000"), d("1000"), d("-1"), d("1")).unwrap(), d("11000"));
    }

    // Read from the equity at the mark, the prices are the entry-based ones: domain.md §2's long
    // (entry 10,000, WB 1,000) seen at a mark of 9,500 has equity 500 there.
    #[test]
    fn position_prices_from_the_equity_at_mark() {
        let m = MarginModel::from_spec(&MarginSpec { initial: d("0.01"), maintenance: d("0.005"), tiers: vec![] }).unwrap();
        let (lp, bp) = position_prices_linear(&m, d("500"), d("1"), d("9500")).unwrap();
        assert_eq!(lp.round_dp(24), d("9045.226130653266331658291457"));
        assert_eq!(bp, d("9000"));
        let (lp, bp) = position_prices_linear(&m, d("1500"), d("-1"), d("9500")).unwrap();
        assert_eq!(lp.round_dp(24), d("10945.273631840796019900497512"));
        assert_eq!(bp, d("11000"));
    }

    // domain.md §3: Q = 10,000 USD, EP = 10,000, M = 0.1 BTC, mmr = 0.5 %.
    #[test]
    fn inverse_prices() {
        let bp_long = bankruptcy_price_inverse(d("10000"), d("0.1"), d("1"), d("10000")).unwrap();
        assert_eq!(bp_long.round_dp(6), d("9090.909091"));
        let lp_long = liquidation_price_inverse(d("10000"), d("0.1"), d("1"), d("10000"), d("0.005")).unwrap();
        assert_eq!(lp_long.round_dp(6), d("9136.363636"));
        let bp_short = bankruptcy_price_inverse(d("10000"), d("0.1"), d("-1"), d("10000")).unwrap();
        assert_eq!(bp_short.round_dp(6), d("11111.111111"));
        let lp_short = liquidation_price_inverse(d("10000"), d("0.1"), d("-1"), d("10000"), d("0.005")).unwrap();
        assert_eq!(lp_short.round_dp(6), d("11055.555556"));
    }

    // Binance COIN-M example: floor 50 BTC, 5 % vs 2.5 %, previous cum 0.56 → 1.81.
    #[test]
    fn tier_maintenance_amount() {
        let cums = maintenance_amounts(&[(d("5"), d("0.025"), Some(d("0.56"))), (d("50"), d("0.05"), None)]).unwrap();
        assert_eq!(cums[1], d("1.81"));
    }

    #[test]
    fn tiered_requirement_and_flat_lp_agree() {
        let spec = MarginSpec {
            initial: d("0"),
            maintenance: d("0"),
            tiers: vec![
                Tier { floor: d("0"), initial: d("0.01"), maintenance: d("0.005"), maintenance_amount: None },
                Tier { floor: d("50000"), initial: d("0.02"), maintenance: d("0.01"), maintenance_amount: None },
            ],
        };
        let m = MarginModel::from_spec(&spec).unwrap();
        assert_eq!(m.tiers[1].amount, d("250"));
        assert_eq!(m.maintenance(d("100000")).unwrap(), d("750"));
        assert_eq!(m.maintenance(d("10000")).unwrap(), d("50"));
        // Small position stays in tier 1: same as the flat example.
        let lp = liquidation_price_linear_tiered(&m, d("1000"), d("0"), d("0"), d("1"), d("1"), d("10000")).unwrap();
        assert_eq!(lp.round_dp(24), d("9045.226130653266331658291457"));
        // Requirement is continuous at the tier boundary.
        assert_eq!(m.maintenance(d("50000")).unwrap(), d("250"));
    }
}
