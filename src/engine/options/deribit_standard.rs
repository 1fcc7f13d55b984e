//! Deribit's standard (non-portfolio) margin for options (margin-models.md §2): a long option is
//! paid for in full and carries no margin; a short option's margin is a fraction of the
//! underlying less how far out of the money it is, floored, plus its mark.

use super::black76::{in_coin, Black76, OptionKind, PremiumIn};
use crate::engine::money::{Checked, EngineError, EngineResult};
use rust_decimal::Decimal;


/// The constants: initial = max(base − OTM/S, floor) + mark; maintenance = mm + mark (calls),
/// max(mm, mm·mark) + mark (puts). As restated by TSLab, bit.com and a public Lean model; today's
/// official Deribit constants were not retrieved [U].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StandardParams {
    pub base: Decimal,
    pub floor: Decimal,
    pub maintenance: Decimal,
}

impl Default for StandardParams {
    fn default() -> Self {
        StandardParams { base: Decimal::new(15, 2), floor: Decimal::new(10, 2), maintenance: Decimal::new(75, 3) }
    }
}

/// A requirement per position: initial and maintenance, never negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionMargin {
    pub initial: Decimal,
    pub maintenance: Decimal,
}

/// Source: Deribit standard option margin as restated by TSLab "Deribit Margin Requirements
/// Calculation" and bit.com "Margin Rules for Coin-Margined Options" / "… USD Margined Options"
/// (margin-models.md §2). Per contract of 1 coin; `mark` in the premium's unit (coin or quote);
/// `qty` signed (long > 0). Long: nothing (the premium was paid). Short, coin terms:
/// call IM = max(base − OTM/S, floor) + mark, MM = mm + mark; put MM = max(mm, mm·mark) + mark,
/// IM = max(max(base − OTM/S, floor) + mark, MM). Quote terms: the same with base·S, floor·S and
/// mm·S in place of base, floor and mm (OTM in USD); the put's mm·mark stays per mark.
pub fn standard_margin(
    kind: OptionKind,
    premium_in: PremiumIn,
    qty: Decimal,
    strike: Decimal,
    underlying: Decimal,
    mark: Decimal,
    p: StandardParams,
) -> EngineResult<OptionMargin> {
    const W: &str = "standard option margin";
    if qty >= Decimal::ZERO {
        return Ok(OptionMargin { initial: Decimal::ZERO, maintenance: Decimal::ZERO });
    }
    if underlying <= Decimal::ZERO {
        return Err(EngineError::Invalid { errors: vec!["option.underlying: must be > 0".into()] });
    }
    let otm = match kind {
        OptionKind::Call => (strike - underlying).max(Decimal::ZERO),
        OptionKind::Put => (underlying - strike).max(Decimal::ZERO),
    };
    // In coin terms the rates are fractions of 1 coin and OTM is a fraction of S; in quote
    // terms both scale by S.
    let (base, floor, mm, otm_part) = match premium_in {
        PremiumIn::Coin => (p.base, p.floor, p.maintenance, otm.div_c(underlying, W)?),
        PremiumIn::Quote => (p.base.mul_c(underlying, W)?, p.floor.mul_c(underlying, W)?, p.maintenance.mul_c(underlying, W)?, otm),
    };
    let im_formula = base.sub_c(otm_part, W)?.max(floor).add_c(mark, W)?;
    let (initial, maintenance) = match kind {
        OptionKind::Call => (im_formula, mm.add_c(mark, W)?),
        OptionKind::Put => {
            let maint = mm.max(p.maintenance.mul_c(mark, W)?).add_c(mark, W)?;
            (im_formula.max(maint), maint)
        }
    };
    let n = qty.abs();
    Ok(OptionMargin { initial: initial.mul_c(n, W)?, maintenance: maintenance.mul_c(n, W)? })
}

/// Source: Deribit support "Liquidations" (margin-models.md §2): liquidation starts when
/// maintenance margin ≥ margin balance. For one short coin-settled call with `deposit` coin and
/// the premium `mark0` received: balance(F) = deposit + mark0 − V(F), MM(F) = mm + V(F), so
/// liquidation when V(F) = (deposit + mark0 − mm)/2 (σ and T held). Returns that forward, found
/// by 200 fixed bisection steps between `forward` and 100 × `forward` (deterministic), or `None`
/// when the account is already liquidatable or never reaches the point.
pub fn short_call_liquidation_forward(deposit: f64, strike: f64, years: f64, sigma: f64, forward: f64, mm: f64) -> EngineResult<Option<f64>> {
    let value = |f: f64| -> EngineResult<f64> {
        let o = Black76 { kind: OptionKind::Call, forward: f, strike, years, sigma, rate: 0.0 };
        Ok(in_coin(o.price()?, f))
    };
    let mark0 = value(forward)?;
    let target = (deposit + mark0 - mm) / 2.0;
    let (mut lo, mut hi) = (forward, forward * 100.0);
    if value(lo)? >= target || value(hi)? < target {
        return Ok(None);
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if value(mid)? < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(0.5 * (lo + hi)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::options::normal::to_decimal;

    fn mark_coin(kind: OptionKind, strike: f64) -> Decimal {
        let o = Black76 { kind, forward: 60000.0, strike, years: 30.0 / 365.0, sigma: 0.6, rate: 0.0 };
        to_decimal(in_coin(o.price().unwrap(), 60000.0), 16).unwrap()
    }

    fn close(got: Decimal, want: &str) {
        let want: Decimal = want.parse().unwrap();
        let rel = ((got - want) / want).abs();
        assert!(rel < Decimal::new(1, 6), "got {got} want {want}");
    }

    #[test]
    fn section_7_vectors() {
        // (kind, strike, IM, MM) at S = 60,000, T = 30 d, σ 0.6, in BTC, short 1.
        let vectors = [
            (OptionKind::Call, 65000.0, "0.13729780259", "0.11229780259"),
            (OptionKind::Call, 62000.0, "0.170940668058", "0.129274001391"),
            (OptionKind::Put, 55000.0, "0.132218779214", "0.107218779214"),
            (OptionKind::Put, 65000.0, "0.270631135923", "0.195631135923"),
            (OptionKind::Put, 40000.0, "0.10043308642", "0.0754330864198"),
        ];
        for (kind, k, im, mm) in vectors {
            let mark = mark_coin(kind, k);
            let m = standard_margin(kind, PremiumIn::Coin, Decimal::NEGATIVE_ONE, Decimal::from(k as i64), Decimal::from(60000), mark, StandardParams::default()).unwrap();
            close(m.initial, im);
            close(m.maintenance, mm);
        }
        close(mark_coin(OptionKind::Call, 62000.0), "0.054274001391");
        close(mark_coin(OptionKind::Put, 40000.0), "0.000433086419754");
    }

    #[test]
    fn long_options_carry_no_margin_and_size_scales() {
        let p = StandardParams::default();
        let long = standard_margin(OptionKind::Put, PremiumIn::Coin, Decimal::TWO, Decimal::from(50), Decimal::from(60), Decimal::ONE, p).unwrap();
        assert_eq!((long.initial, long.maintenance), (Decimal::ZERO, Decimal::ZERO));
        // Three short 65k calls: 3 × (0.10 + 0.0372978026…).
        let mark = mark_coin(OptionKind::Call, 65000.0);
        let m = standard_margin(OptionKind::Call, PremiumIn::Coin, Decimal::from(-3), Decimal::from(65000), Decimal::from(60000), mark, p).unwrap();
        close(m.initial, "0.41189340777");
    }

    #[test]
    fn quote_terms_scale_by_the_underlying() {
        // Short 65k call, USD: max(0.15·60,000 − 5,000, 0.10·60,000) + 2,237.868155 = 8,237.868155;
        // MM 0.075·60,000 + mark = 6,737.868155 (hand-computed).
        let mark: Decimal = "2237.868155".parse().unwrap();
        let m = standard_margin(OptionKind::Call, PremiumIn::Quote, Decimal::NEGATIVE_ONE, Decimal::from(65000), Decimal::from(60000), mark, StandardParams::default()).unwrap();
        assert_eq!(m.initial, "8237.868155".parse::<Decimal>().unwrap());
        assert_eq!(m.maintenance, "6737.868155".parse::<Decimal>().unwrap());
    }

    #[test]
    fn liquidation_point_of_section_2() {
        let f = short_call_liquidation_forward(0.2, 65000.0, 30.0 / 365.0, 0.6, 60000.0, 0.075).unwrap().unwrap();
        assert!(((f - 66697.4609204) / 66697.4609204).abs() < 1e-9, "{f}");
        // Already under water: no point above today's forward.
        assert_eq!(short_call_liquidation_forward(0.0, 65000.0, 30.0 / 365.0, 0.6, 60000.0, 0.075).unwrap(), None);
    }

    #[test]
    fn zero_underlying_names_the_field() {
        let e = standard_margin(OptionKind::Call, PremiumIn::Coin, Decimal::NEGATIVE_ONE, Decimal::ONE, Decimal::ZERO, Decimal::ZERO, StandardParams::default());
        assert!(e.unwrap_err().to_string().contains("option.underlying"));
    }
}
