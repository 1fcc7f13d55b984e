//! The tick grid: marks, execution and settlement prices are whole numbers of ticks. The engine's
//! rule; the scenario's path generation rounds its marks with it too.

use rust_decimal::{Decimal, RoundingStrategy};

/// `p / tick` rounded half to even, from the exact quotient of the mantissas in `i128` (the
/// division by `Decimal` plus `round_dp` took ≈ 1,500 instructions, a third of a liquidation's
/// execution price). `None` (the caller divides as before) on overflow, beyond 10^10 ticks, or
/// within 10^-17 of a midpoint, where `Decimal`'s 28-digit quotient could round the other way:
/// elsewhere both give the same integer.
fn ticks_half_even(p: Decimal, tick: Decimal) -> Option<i128> {
    use super::money::{div_rem_i128, mul_i128};
    let pow = |s: u32| 10i128.checked_pow(s);
    let num = mul_i128(p.mantissa(), pow(tick.scale())?)?;
    let den = mul_i128(tick.mantissa(), pow(p.scale())?)?;
    if den <= 0 {
        return None;
    }
    let (q, rem) = div_rem_i128(num, den);
    let rem = rem.abs();
    if q.abs() >= 10_000_000_000 {
        return None;
    }
    let twice = rem.checked_mul(2)?;
    if (twice - den).abs() <= div_rem_i128(den, 100_000_000_000_000_000).0 {
        return None;
    }
    let away = if num < 0 { q - 1 } else { q + 1 };
    Some(if twice > den { away } else { q })
}

/// Source: exchange contract specifications (CME, Eurex, BitMEX, Binance): every price is a whole number of ticks.
/// Round a price to the tick, never below one tick. `None` when the rounded price does not fit in
/// a `Decimal` (only outside the numeric domain, e.g. a tick of 4 × 10^28: the caller reports it).
pub fn round_to_tick(p: Decimal, tick: Decimal) -> Option<Decimal> {
    if tick <= Decimal::ZERO {
        return Some(p);
    }
    let r = match ticks_half_even(p, tick) {
        Some(k) => Decimal::from_i128_with_scale(k, 0).checked_mul(tick)?,
        None => match p.checked_div(tick) {
            Some(q) => q.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven).checked_mul(tick)?,
            None => p,
        },
    };
    Some(if r < tick { tick } else { r.normalize() })
}


#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The integer path of `round_to_tick` gives what dividing by `Decimal` and rounding gave, on
    /// prices of every scale up to 28 (as slippage leaves them), midpoints and huge values.
    #[test]
    fn integer_tick_rounding_matches_decimal_division() {
        let by_division = |p: Decimal, tick: Decimal| {
            let r = p.checked_div(tick).map(|q| q.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven) * tick).unwrap_or(p);
            Some(if r < tick { tick } else { r.normalize() })
        };
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let ticks = ["0.5", "0.01", "1", "0.001", "5", "0.0001", "0.3", "7", "0.00000001"].map(d);
        let mut fast = 0;
        for i in 0..200_000u32 {
            let tick = ticks[(i as usize) % ticks.len()];
            let scale = rng.next_u32() % 29;
            let hi = rng.next_u32() % 3;
            let mant = (i128::from(rng.next_u64()) << 32 | i128::from(rng.next_u32())) >> (hi * 30);
            let p = match i % 4 {
                0 => Decimal::from_i128_with_scale(mant % 10i128.pow(20), scale.min(12)),
                1 => Decimal::from_i128_with_scale(mant, scale),
                // Exact midpoints and near-midpoints.
                2 => (Decimal::from(rng.next_u32() % 100_000) + d("0.5")) * tick,
                _ => (Decimal::from(rng.next_u32() % 100_000) + d("0.5")) * tick + Decimal::new(i64::from(rng.next_u32() % 3) - 1, 28),
            };
            if ticks_half_even(p, tick).is_some() {
                fast += 1;
            }
            assert_eq!(round_to_tick(p, tick), by_division(p, tick), "p {p} tick {tick}");
            assert_eq!(round_to_tick(p, tick).map(|x| x.scale()), by_division(p, tick).map(|x| x.scale()), "p {p} tick {tick}");
        }
        assert!(fast > 50_000, "the integer path ran {fast} times");
    }
}
