//! The numeric domain: the magnitude and the decimal places every number of a scenario may have
//! (issue 14, "exact at every accepted magnitude"). Validation refuses anything outside it, so
//! every product and sum the engine forms stays far inside a `Decimal`'s 28–29 significant digits
//! (largest value ≈ 7.9 × 10^28). Table and reasons: docs/scenario.md, "Numeric domain".
//!
//! Worst cases the bounds are chosen for (the engine's own arithmetic is checked as well; these
//! keep it from ever needing to fail):
//! - a position's notional: units (|size| × contract size ≤ 10^15) × a mark (≤ 10^9) ≤ 10^24, so
//!   an account's sum over its positions, fees (rate ≤ 1) and PnL stay ≤ 10^27;
//! - the book's money (all deposits plus every position's exposure over the run) ≤ 10^16
//!   ([`BOOK_MONEY_MAX`], checked against the run's marks in engine/headroom.rs), so sums of
//!   money posted at 12 places (engine/money.rs, `MONEY_DP`) stay exact;
//! - an assessment: cap multiple (≤ 100) × contribution (≤ 10^15) ≤ 10^17.
//!
//! Decimal places are counted as written (`"1.50"` has 2): a value that `rust_decimal` had to round
//! while parsing (more than 28 places, or more than 28 significant digits) always keeps at least
//! 28 − 16 = 12 places, more than any bound here allows, so it is refused, never silently changed.

use rust_decimal::Decimal;

/// Largest amount of money or of an asset (cash, collateral, contributions, reserves, funds, skin
/// in the game, isolated margin, notionals): the largest CCP default funds are tens of billions
/// (≈ 10^11), so 10^15 leaves ten thousand times that.
pub const AMOUNT_MAX: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0); // 10^15
/// Decimal places of an amount: a satoshi (10^-8 BTC); cents and stablecoin units need fewer.
pub const AMOUNT_DP: u32 = 8;

/// Largest price (instrument and asset prices, entry prices, scripted points, ticks, and every mark
/// a path reaches): the dearest traded share (BRK.A) is below 10^6; 10^9 leaves a thousand times.
pub const PRICE_MAX: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0); // 10^9
/// Decimal places of a price: tiny tokens trade near 10^-10 (the smallest price is one unit here).
pub const PRICE_DP: u32 = 10;

/// Largest position size or lot size, in contracts: 10^12 covers the largest token holdings
/// listed one token per contract (e.g. 4.3 × 10^8 MNGO in the Mango example).
pub const SIZE_MAX: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 10^12
/// Decimal places of a size: a satoshi-sized lot.
pub const SIZE_DP: u32 = 8;

/// Largest contract size: the largest multipliers listed are 10^6 (1000000MOG-style contracts).
pub const CONTRACT_SIZE_MAX: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0); // 10^6
/// Decimal places of a contract size (0.00000001 BTC contracts at most).
pub const CONTRACT_SIZE_DP: u32 = 8;

/// Largest underlying units of one position (|size| × contract size): with a mark ≤ 10^9, its
/// notional stays ≤ 10^24, so sums over an account's positions cannot come near 10^28.
pub const UNITS_MAX: Decimal = AMOUNT_MAX;

/// Decimal places of a rate, fraction or multiple (fees, margin rates, haircuts, funding, drift,
/// volatility, correlations, leverage, shares, shocks): 10^-8 is a millionth of a basis point.
pub const RATE_DP: u32 = 8;

/// Largest assessment `cap_multiple`: real rulebooks cap assessments at 1–3× the contribution
/// (LCH 1×, CME 2.75×); 100× keeps cap × contribution ≤ 10^17.
pub const CAP_MULTIPLE_MAX: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// Largest price impact (fraction of mark per 1,000,000 of notional): at 100, closing $10,000
/// moves the price by 100 %, which every max_slippage cap already stops; impact × notional ≤ 10^26.
pub const PRICE_IMPACT_MAX: Decimal = Decimal::ONE_HUNDRED;

/// Largest physical-delivery buy-in penalty (a rate of the mark): 10 = 1,000 %.
pub const BUY_IN_PENALTY_MAX: Decimal = Decimal::TEN;

/// Largest money of a whole book (every amount deposited plus every position's exposure at the
/// highest marks of the run, engine/headroom.rs): the engine posts money at 12 places
/// (`engine::money::MONEY_DP`), and 10^16 at 12 places is 28 digits, which a `Decimal` holds
/// exactly (×7.9 headroom for sums and slippage). The largest cleared book, LCH SwapClear's
/// ≈ 4 × 10^14 of notional, fits 25 times.
pub const BOOK_MONEY_MAX: Decimal = Decimal::from_parts(1_874_919_424, 2_328_306, 0, false, 0); // 10^16

/// A `Decimal` holds 28 significant digits in every case (29 for some).
#[cfg(test)]
const DECIMAL_MAX_DIGITS: u32 = 28;

/// `x` as written has more than `dp` decimal places.
pub fn too_many_places(x: Decimal, dp: u32) -> bool {
    x.scale() > dp
}

/// The bound's text for messages: `1e15`, `1e9`, `100`.
pub fn show(bound: Decimal) -> String {
    let digits = bound.trunc().to_string();
    match digits.strip_prefix('1') {
        Some(zeros) if zeros.len() >= 4 && zeros.bytes().all(|b| b == b'0') => format!("1e{}", zeros.len()),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn constants_are_the_powers_they_name() {
        assert_eq!(AMOUNT_MAX, Decimal::from(1_000_000_000_000_000u64));
        assert_eq!(SIZE_MAX, Decimal::from(1_000_000_000_000u64));
        assert_eq!(BOOK_MONEY_MAX, Decimal::from(10_000_000_000_000_000u64));
        assert_eq!(show(BOOK_MONEY_MAX), "1e16");
        assert_eq!(show(AMOUNT_MAX), "1e15");
        assert_eq!(show(PRICE_MAX), "1e9");
        assert_eq!(show(CAP_MULTIPLE_MAX), "100");
        assert_eq!(show(Decimal::ONE), "1");
    }

    /// The worst products stay below 10^28 with room (a thousand times and more).
    #[test]
    fn worst_products_fit() {
        let notional = UNITS_MAX * PRICE_MAX;
        assert!(notional * Decimal::from(1000) < Decimal::from_str("1e28").unwrap_or(Decimal::MAX));
        assert!(CAP_MULTIPLE_MAX * AMOUNT_MAX * Decimal::from(1_000_000) < notional);
        // In-domain values have at most 16 integer digits and 10 places: below 28 digits, so
        // they parse exactly.
        let widest = AMOUNT_MAX.to_string().len() as u32 + PRICE_DP.max(AMOUNT_DP).max(SIZE_DP);
        assert!(widest < DECIMAL_MAX_DIGITS, "{widest}");
    }

    /// What rust_decimal does with inputs it cannot hold: each result is outside the domain.
    #[test]
    fn values_rounded_while_parsing_fall_outside_the_domain() {
        let parse = |s: &str| Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s));
        for s in [
            "0.00000000000000000000000000001",
            "0.99999999999999999999999999999",
            "1.00000000000000000000000000001",
            "1000000000000000.0000000000001",
            "0.000000000000000000001",
        ] {
            if let Ok(x) = parse(s) {
                assert!(too_many_places(x, PRICE_DP.max(AMOUNT_DP)) || x > AMOUNT_MAX, "{s} → {x} (scale {})", x.scale());
            }
        }
        for s in ["1e28", "7e28", "1e16"] {
            if let Ok(x) = parse(s) {
                assert!(x > AMOUNT_MAX, "{s} → {x}");
            }
        }
    }
}
