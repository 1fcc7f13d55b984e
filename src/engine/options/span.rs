//! CME SPAN (margin-models.md §4): the sixteen standard scenarios, risk arrays per long unit
//! (losses positive), scan risk, and the risk requirement with the short option minimum, spread
//! charges and credits and the net option value. The revaluation itself is the scenario grid's.

use super::black76::PremiumIn;
use super::scenario_grid::{grid_margin, leg_pnl, GridParams, Leg, PriceMove, PriceRange, Shock, VolMove, VolRule, Weight, Book};
use crate::engine::money::{Checked, EngineResult};
use super::normal::to_decimal;
use rust_decimal::Decimal;

/// Source: CME "Risk Arrays – Standard" and the NSE/LPU scenario table (margin-models.md §4):
/// scenarios 1–14 pair a price move of 0, ±⅓, ±⅔ or ±1 price scan range with volatility up and
/// down by the vol scan range, at full weight; 15 and 16 move the price ±2 ranges with volatility
/// unchanged and count 35 % of the result.
pub fn sixteen_scenarios() -> Vec<Shock> {
    let mut s = Vec::with_capacity(16);
    for num in [0, 1, -1, 2, -2, 3, -3] {
        for vol in [VolMove::Up, VolMove::Down] {
            s.push(Shock { price: PriceMove::OfRange { num, den: 3 }, vol, weight: Weight::Full });
        }
    }
    let extreme = Weight::Fraction(Decimal::new(35, 2));
    s.push(Shock { price: PriceMove::OfRange { num: 6, den: 3 }, vol: VolMove::Same, weight: extreme });
    s.push(Shock { price: PriceMove::OfRange { num: -6, den: 3 }, vol: VolMove::Same, weight: extreme });
    s
}

/// Source: CME "SPAN Methodology Overview"; CME performance-bond advisories (margin-models.md §4):
/// a SPAN-like parameter set — price scan range `psr` in price units (the outright futures
/// maintenance margin), vol scan range `vsr` in absolute vol points, one day of look-ahead, gains
/// count in full, short option minimum `som_rate` per short option, `intra_rate` per inter-month
/// spread; maintenance = the risk requirement, initial = 1.35 × (a 2011 CME speculator class
/// factor [V there; today's factors U]).
pub fn span_params(psr: f64, vsr: f64, som_rate: Decimal, intra_rate: Decimal) -> GridParams {
    GridParams {
        price_range: PriceRange::Absolute(psr),
        vol: VolRule::Absolute { scan: vsr },
        scenarios: sixteen_scenarios(),
        extended_factor: 0.0,
        extended_dampener: 0.0,
        lookahead_days: 1.0,
        gains_counted: Decimal::ONE,
        short_option_minimum: som_rate,
        roll_min_move: Decimal::ZERO,
        intra_spread_charge: intra_rate,
        initial_factor: Decimal::new(135, 2),
        maintenance_factor: Decimal::ONE,
    }
}

/// Source: CME "Risk Arrays – Standard" (margin-models.md §4): one long unit's loss in each of
/// the sixteen scenarios, losses positive, the extremes already at 35 %.
pub fn risk_array(p: &GridParams, unit: PremiumIn, leg: &Leg) -> EngineResult<Vec<Decimal>> {
    p.scenarios
        .iter()
        .map(|shock| {
            let pnl = leg_pnl(p, unit, leg, shock)?;
            let weighted = match shock.weight {
                Weight::Fraction(w) => pnl.mul_c(w, "risk array")?,
                _ => pnl,
            };
            Ok(-weighted)
        })
        .collect()
}

/// A SPAN requirement and its parts (quote units).
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRequirement {
    pub scan_risk: Decimal,
    /// 0-based index of the scenario setting the scan risk (SPAN's number − 1).
    pub scan_scenario: usize,
    pub intra_spread: Decimal,
    pub inter_credit: Decimal,
    pub short_option_minimum: Decimal,
    /// max(scan + intra − inter, SOM).
    pub risk: Decimal,
    /// Long option value minus short option value, at today's marks.
    pub net_option_value: Decimal,
    /// risk − net option value: what the account must hold if premiums are not in its balance.
    pub total: Decimal,
}

/// Source: CME "SPAN Methodology Overview" and pubspan "PB Requirement Listing" (margin-models.md
/// §4): risk requirement = max(scan risk + intra-commodity charge + spot charge − inter-commodity
/// credit, short option minimum); total = risk − net option value. The spot (delivery-month)
/// charge is not modelled (0). `inter_credit` comes from `scenario_grid::inter_commodity_credit`.
pub fn span_requirement(p: &GridParams, book: &Book, inter_credit: Decimal) -> EngineResult<SpanRequirement> {
    const W: &str = "SPAN requirement";
    let g = grid_margin(p, book)?;
    let risk = g.worst_case.add_c(g.spread_charge, W)?.sub_c(inter_credit, W)?.max(g.short_option_minimum);
    let mut nov = Decimal::ZERO;
    for leg in &book.legs {
        if let Leg::Option { qty, kind, strike, forward, days, sigma } = *leg {
            let v = super::black76::Black76 { kind, forward, strike, years: days / 365.0, sigma, rate: 0.0 }.price()?;
            let v = match book.unit {
                PremiumIn::Quote => v,
                PremiumIn::Coin => v / forward,
            };
            let v = to_decimal(v, super::scenario_grid::PNL_DP).unwrap_or_default();
            nov = nov.add_c(qty.mul_c(v, W)?, W)?;
        }
    }
    Ok(SpanRequirement {
        scan_risk: g.worst_case,
        scan_scenario: g.worst,
        intra_spread: g.spread_charge,
        inter_credit,
        short_option_minimum: g.short_option_minimum,
        risk,
        net_option_value: nov,
        total: risk.sub_c(nov, W)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::options::black76::OptionKind;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn close(got: Decimal, want: &str) {
        let want = d(want);
        let err = if want.is_zero() { got.abs() } else { ((got - want) / want).abs() };
        assert!(err < d("0.000001"), "got {got} want {want}");
    }

    fn params() -> GridParams {
        span_params(6000.0, 0.15, d("300"), Decimal::ZERO)
    }

    fn call(qty: i64) -> Leg {
        Leg::Option { qty: Decimal::from(qty), kind: OptionKind::Call, strike: 65000.0, forward: 60000.0, days: 30.0, sigma: 0.6 }
    }

    fn future(qty: i64) -> Leg {
        Leg::Future { qty: Decimal::from(qty), forward: 60000.0, month: 0 }
    }

    #[test]
    fn risk_arrays_of_section_4() {
        let p = params();
        let fut = risk_array(&p, PremiumIn::Quote, &future(1)).unwrap();
        let opt = risk_array(&p, PremiumIn::Quote, &call(1)).unwrap();
        // (SPAN scenario number, future, long call) from margin-models.md §4.
        let rows = [
            (1, "0", "-894.512039"),
            (2, "0", "969.322564"),
            (5, "2000", "-169.878339"),
            (9, "4000", "436.532152"),
            (11, "-6000", "-3790.327960"),
            (13, "6000", "930.553775"),
            (14, "6000", "1998.012189"),
            (15, "-4200", "-2343.199940"),
            (16, "4200", "735.309461"),
        ];
        for (n, f, c) in rows {
            close(fut[n - 1], f);
            close(opt[n - 1], c);
        }
    }

    #[test]
    fn scan_and_requirement_of_section_4() {
        let p = params();
        let book = Book { unit: PremiumIn::Quote, index: 60000.0, legs: vec![future(1), call(-1)] };
        let r = span_requirement(&p, &book, Decimal::ZERO).unwrap();
        close(r.scan_risk, "5069.44622521");
        assert_eq!(r.scan_scenario + 1, 13);
        assert_eq!(r.short_option_minimum, d("300"));
        close(r.risk, "5069.44622521");
        close(r.net_option_value, "-2237.868155");
        close(r.total, "7307.314380");
        let naked = Book { unit: PremiumIn::Quote, index: 60000.0, legs: vec![call(-1)] };
        let r = span_requirement(&p, &naked, Decimal::ZERO).unwrap();
        close(r.scan_risk, "3790.32795956");
        assert_eq!(r.scan_scenario + 1, 11);
    }

    #[test]
    fn calendar_spread_scans_zero_and_pays_the_charge() {
        let p = span_params(6000.0, 0.15, d("300"), d("400"));
        let legs = vec![Leg::Future { qty: Decimal::ONE, forward: 60000.0, month: 3 }, Leg::Future { qty: Decimal::NEGATIVE_ONE, forward: 60500.0, month: 6 }];
        let r = span_requirement(&p, &Book { unit: PremiumIn::Quote, index: 60000.0, legs }, Decimal::ZERO).unwrap();
        assert_eq!((r.scan_risk, r.intra_spread, r.risk), (Decimal::ZERO, d("400"), d("400")));
    }

    #[test]
    fn the_minimum_binds_for_far_otm_shorts() {
        // A far out-of-the-money short call barely moves in any scenario: the minimum binds.
        let far = Leg::Option { qty: Decimal::NEGATIVE_ONE, kind: OptionKind::Call, strike: 200000.0, forward: 60000.0, days: 30.0, sigma: 0.6 };
        let r = span_requirement(&params(), &Book { unit: PremiumIn::Quote, index: 60000.0, legs: vec![far] }, Decimal::ZERO).unwrap();
        assert!(r.scan_risk < d("300"));
        assert_eq!(r.risk, d("300"));
    }
}
