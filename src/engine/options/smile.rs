//! An implied-volatility smile by moneyness (issue 18): the volatility an option's strike carries
//! above (or below) the at-the-money σ of its path, as points of moneyness K/F, linear between
//! points and flat beyond the ends. Exact decimals: the smiled σ is on the σ grid (0.0001) before
//! Black-76 reads it, so a mark is the same in native and wasm builds.

use rust_decimal::{Decimal, RoundingStrategy};

/// One point of a smile: at moneyness K/F = `moneyness`, σ = at-the-money σ + `add`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SmilePoint {
    pub moneyness: Decimal,
    pub add: Decimal,
}

/// The σ grid the smiled volatility is rounded to (a hundredth of a vol point, the grid of the
/// σ path itself, `scenario::option_path::VOL_TICK`).
const SIGMA_DP: u32 = 4;

/// The volatility added at moneyness `m`: linear between the two points around it, the end
/// point's beyond either end, 0 for an empty smile. `points` sorted by strictly increasing
/// moneyness (validated by the scenario layer).
pub fn smile_add(points: &[SmilePoint], m: Decimal) -> Decimal {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return Decimal::ZERO };
    if m <= first.moneyness {
        return first.add;
    }
    if m >= last.moneyness {
        return last.add;
    }
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]); // ok: windows(2) yields two points
        if m <= b.moneyness {
            let span = b.moneyness - a.moneyness;
            // (m − a.m) / (b.m − a.m) × (b.add − a.add): exact to Decimal's 28 digits.
            let w = (m - a.moneyness).checked_div(span).unwrap_or(Decimal::ZERO);
            return a.add + w.checked_mul(b.add - a.add).unwrap_or(Decimal::ZERO);
        }
    }
    last.add
}

/// Source: a sticky-moneyness volatility smile, as venues quote implied volatility per strike
/// (Deribit's option chain; Hull, "Options, Futures, and Other Derivatives", ch. 20 "Volatility
/// smiles"): σ(K, F_t) = σ_atm,t + smile(K / F_t), linear between the points and flat beyond the
/// ends, rounded half-to-even to 0.0001 and never below 0 (at σ = 0 Black-76 gives the intrinsic
/// value). `forward` ≤ 0 (no market) leaves σ at the money.
pub fn smiled_sigma(points: &[SmilePoint], atm: Decimal, strike: Decimal, forward: Decimal) -> Decimal {
    if points.is_empty() || forward <= Decimal::ZERO {
        return atm;
    }
    let m = strike.checked_div(forward).unwrap_or(Decimal::ONE);
    let s = atm + smile_add(points, m);
    s.round_dp_with_strategy(SIGMA_DP, RoundingStrategy::MidpointNearestEven).max(Decimal::ZERO).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn skew() -> Vec<SmilePoint> {
        vec![
            SmilePoint { moneyness: d("0.8"), add: d("0.1") },
            SmilePoint { moneyness: d("1"), add: d("0") },
            SmilePoint { moneyness: d("1.2"), add: d("0.04") },
        ]
    }

    #[test]
    fn linear_between_points_flat_beyond_the_ends() {
        let p = skew();
        // 0.9 is halfway from 0.8 (+0.10) to 1.0 (+0): +0.05.
        assert_eq!(smile_add(&p, d("0.9")), d("0.05"));
        // 1.05 is a quarter of the way from 1.0 (+0) to 1.2 (+0.04): +0.01.
        assert_eq!(smile_add(&p, d("1.05")), d("0.01"));
        assert_eq!(smile_add(&p, d("0.5")), d("0.1"));
        assert_eq!(smile_add(&p, d("3")), d("0.04"));
        assert_eq!(smile_add(&p, d("1")), d("0"));
        assert_eq!(smile_add(&[], d("0.9")), d("0"));
    }

    #[test]
    fn sigma_is_on_the_grid_and_never_negative() {
        let p = skew();
        // K 7,000, F 8,000: m = 0.875, add = 0.10 × (1 − 0.875) / 0.2 = 0.0625; 0.6 + 0.0625.
        assert_eq!(smiled_sigma(&p, d("0.6"), d("7000"), d("8000")), d("0.6625"));
        // K 27,000, F 30,000: m = 0.9, add 0.05.
        assert_eq!(smiled_sigma(&p, d("0.5"), d("27000"), d("30000")), d("0.55"));
        // A negative smile deeper than σ itself: 0.1 − 0.2 floors at 0.
        let neg = [SmilePoint { moneyness: d("1"), add: d("-0.2") }];
        assert_eq!(smiled_sigma(&neg, d("0.1"), d("1000"), d("3000")), d("0"));
        // K/F = 1/3 on a wing from 0.3 (+0) to 0.4 (+0.03): 0.03 × 0.333… = 0.00999… → 0.0100.
        let w = [SmilePoint { moneyness: d("0.3"), add: d("0") }, SmilePoint { moneyness: d("0.4"), add: d("0.03") }];
        assert_eq!(smiled_sigma(&w, d("0.5"), d("1000"), d("3000")), d("0.51"));
        assert_eq!(smiled_sigma(&p, d("0.5"), d("1000"), d("0")), d("0.5"));
    }
}
