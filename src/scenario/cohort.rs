//! Cohorts: one generator line ("2,000 retail longs, notional log-normal around X, leverage
//! 5–20×, seed 7") expands deterministically into many accounts, so a scenario stays short.

use super::price_path::{standard_normal, uniform_open};
use super::schema::{AccountSpec, Cohort, ContractKind, PositionSpec, Scenario, Side};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;

/// The seed a cohort draws from: its own, or the scenario seed mixed with its index.
pub fn cohort_seed(s: &Scenario, index: usize, c: &Cohort) -> u64 {
    c.seed.unwrap_or_else(|| s.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn round_down_to(x: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return x;
    }
    match x.checked_div(step) {
        Some(q) => q.floor() * step,
        None => x,
    }
}

/// `x` as a decimal with `dp` (≤ 2) places: the nearest integer number of 10^-dp units, rounded half
/// away from zero by libm (so native and wasm agree bit for bit) and built from that integer, so
/// the decimal is exact by construction. `None` when `x` is not finite or beyond ±9·10^15 units.
fn f64_to_dp(x: f64, dp: u32) -> Option<Decimal> {
    let unit = match dp {
        0 => 1.0,
        1 => 10.0,
        2 => 100.0,
        _ => return None,
    };
    let scaled = x * unit;
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        return None;
    }
    Some(Decimal::new(libm::round(scaled) as i64, dp))
}

/// `"{base}{sep}{n}"` in one exact-size allocation (as `format!` prints it; 100k ids per book).
fn numbered(base: &str, sep: &str, n: u32) -> String {
    let mut digits = [0u8; 10];
    let mut k = digits.len();
    let mut m = n;
    loop {
        k -= 1;
        if let Some(d) = digits.get_mut(k) {
            *d = b'0' + (m % 10) as u8;
        }
        m /= 10;
        if m == 0 || k == 0 {
            break;
        }
    }
    let tail = digits.get(k..).unwrap_or(&[]);
    let mut out = String::with_capacity(base.len() + sep.len() + tail.len());
    out.push_str(base);
    out.push_str(sep);
    out.push_str(std::str::from_utf8(tail).unwrap_or_default());
    out
}

/// Expand one cohort into accounts `"{id}-{n}"` (n from 1). Returns `None` when the cohort's
/// instrument is unknown (validation reports it).
pub fn expand(s: &Scenario, index: usize, c: &Cohort) -> Option<Vec<AccountSpec>> {
    let ins = s.instruments.iter().find(|i| i.id == c.instrument)?;
    let price = ins.price.initial;
    let mut rng = ChaCha8Rng::seed_from_u64(cohort_seed(s, index, c));
    let median = c.notional_median.to_f64().unwrap_or(0.0);
    let sigma = c.notional_sigma.to_f64().unwrap_or(0.0);
    let lmin = c.leverage_min.to_f64().unwrap_or(1.0);
    let lmax = c.leverage_max.to_f64().unwrap_or(lmin);
    let sign = if c.side == Side::Long { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
    // Contracts: linear = notional / (price × contract size); inverse contracts are quote units.
    let per_contract = match ins.kind {
        ContractKind::Linear => price.checked_mul(ins.contract_size).unwrap_or(Decimal::ONE),
        ContractKind::Inverse => ins.contract_size,
    };
    let mut out = Vec::with_capacity(c.count as usize);
    for n in 1..=c.count {
        let notional_f = median * libm::exp(sigma * standard_normal(&mut rng));
        let lev_f = lmin + (lmax - lmin) * uniform_open(&mut rng);
        let notional = f64_to_dp(notional_f, 2).unwrap_or_else(|| c.notional_median.round_dp(2));
        let lev = f64_to_dp(lev_f, 2).unwrap_or_else(|| c.leverage_min.round_dp(2)).max(Decimal::ONE);
        let raw = notional.checked_div(per_contract).unwrap_or(Decimal::ZERO);
        let size = round_down_to(raw, ins.lot_size).max(ins.lot_size);
        let actual_notional = size.checked_mul(per_contract).unwrap_or(notional);
        let cash = actual_notional.checked_div(lev).unwrap_or(Decimal::ZERO).round_dp(2);
        let id = numbered(&c.id, "-", n);
        // An unnamed cohort's accounts show their id (an empty display name means the id).
        let name = if c.name.is_empty() { String::new() } else { numbered(&c.name, " #", n) };
        out.push(AccountSpec {
            id,
            name,
            role: c.role,
            margin_mode: c.margin_mode,
            cash,
            collateral: Vec::new(),
            positions: vec![PositionSpec {
                instrument: c.instrument.clone(),
                size: size * sign,
                entry_price: None,
                isolated_margin: None,
            }],
            fund_contribution: Decimal::ZERO,
            reserves: Decimal::ZERO,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::*;

    #[test]
    fn numbered_prints_like_format() {
        for n in [0u32, 1, 9, 10, 99, 100, 12345, u32::MAX] {
            assert_eq!(numbered("longs", "-", n), format!("longs-{n}"));
            assert_eq!(numbered("Retail", " #", n), format!("Retail #{n}"));
        }
    }

    #[test]
    fn f64_to_dp_is_exact_cents() {
        assert_eq!(f64_to_dp(20_000.004_9, 2), Some(Decimal::new(2_000_000, 2)));
        let d = f64_to_dp(12.345, 2).unwrap_or_default();
        assert!(d == Decimal::new(1235, 2) || d == Decimal::new(1234, 2), "{d}");
        assert_eq!(f64_to_dp(5.5, 2).map(|d| d.to_string()), Some("5.50".to_string()));
        assert_eq!(f64_to_dp(-1.005, 2).map(|d| d.scale()), Some(2));
        assert_eq!(f64_to_dp(f64::NAN, 2), None);
        assert_eq!(f64_to_dp(1e300, 2), None);
    }

    #[test]
    fn cohort_is_deterministic_and_respects_leverage() {
        let mut s = Scenario { seed: 7, ..Default::default() };
        s.instruments.push(Instrument {
            id: "BTC-PERP".into(),
            price: PricePath { initial: Decimal::from(50_000), ..Default::default() },
            ..Default::default()
        });
        let c = Cohort { id: "retail".into(), count: 200, instrument: "BTC-PERP".into(), leverage_min: Decimal::from(5), leverage_max: Decimal::from(20), ..Default::default() };
        let a = expand(&s, 0, &c).unwrap();
        let b = expand(&s, 0, &c).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 200);
        for acc in &a {
            let notional = acc.positions[0].size * Decimal::from(50_000);
            let lev = notional / acc.cash;
            assert!(lev >= Decimal::new(49, 1) && lev <= Decimal::new(201, 1), "leverage {lev}");
            assert!(acc.positions[0].size > Decimal::ZERO);
        }
    }
}
