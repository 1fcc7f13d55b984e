//! Price paths: scripted points with linear interpolation, instant shocks, and seeded correlated
//! geometric Brownian motion.
//!
//! Portability rule (issue 3): random paths must be identical natively and in wasm, so draws use
//! ChaCha8 (a portable PRNG) and `libm` for exp/ln/sqrt/cos; f64 lives only inside the draw, and
//! each price is rounded to the instrument's tick as a Decimal.

use super::domain::PRICE_MAX;
use super::schema::{Instrument, PricePath, Scenario};
use super::ValidationError;
pub use crate::engine::tick::round_to_tick;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use rust_decimal::prelude::*;
use rust_decimal::Decimal;

/// A uniform draw in (0, 1), never 0 (so ln is finite).
pub(crate) fn uniform_open(rng: &mut ChaCha8Rng) -> f64 {
    // 53 random bits → [0,1); shift by half an ulp to exclude 0.
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Box–Muller, cosine branch) using libm only.
pub(crate) fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = uniform_open(rng);
    let u2 = uniform_open(rng);
    // IEEE 754 square roots are correctly rounded (x86's and wasm's instructions alike), so the
    // hardware one gives libm's bits; log and cos stay in libm, the same code on every target.
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(2.0 * core::f64::consts::PI * u2)
}

/// Cholesky factor L (lower triangular, row-major) of a correlation matrix; `None` when the
/// matrix is not positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0f64; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = *m.get(i)?.get(j)?;
            for k in 0..j {
                s -= l[i][k] * l[j][k]; // ok: i, j, k < n by the loop bounds
            }
            if i == j {
                if s <= 1e-12 {
                    return None;
                }
                l[i][j] = libm::sqrt(s); // ok: i < n
            } else {
                l[i][j] = s / l[j][j]; // ok: j < i < n and l[j][j] > 0 was checked
            }
        }
    }
    Some(l)
}

/// The scripted price at step `t` (`None` if the interpolation overflows, which prices within the
/// domain, ≤ 10^9 over ≤ 2^32 steps, cannot).
fn scripted(path: &PricePath, t: u32) -> Option<Decimal> {
    let mut prev_step = 0u32;
    let mut prev_price = path.initial;
    for pt in &path.points {
        if t <= pt.step {
            if pt.step <= prev_step {
                return Some(pt.price);
            }
            // Linear interpolation between (prev_step, prev_price) and the point.
            let span = Decimal::from(pt.step - prev_step); // ok: pt.step > prev_step
            let done = Decimal::from(t.saturating_sub(prev_step));
            return prev_price.checked_add(pt.price.checked_sub(prev_price)?.checked_mul(done)?.checked_div(span)?);
        }
        prev_step = pt.step;
        prev_price = pt.price;
    }
    Some(prev_price)
}

fn err(i: usize, msg: impl Into<String>) -> ValidationError {
    ValidationError { path: format!("instruments[{i}].price"), message: msg.into() }
}

/// A scenario's paths as a run reads them, evaluated once before the run (the engine takes them as
/// data and calls no path code while it runs): every instrument's marks, `[instrument][step]` for
/// steps 0..=steps, and each option's σ path (empty for other instruments).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Paths {
    pub marks: Vec<Vec<Decimal>>,
    pub vols: Vec<Vec<Decimal>>,
}

/// Marks for every instrument, `[instrument][step]` for steps 0..=steps.
pub fn generate(s: &Scenario) -> Result<Vec<Vec<Decimal>>, ValidationError> {
    paths(s).map(|p| p.marks)
}

/// Every instrument's marks and σ path ([`Paths`]).
pub fn paths(s: &Scenario) -> Result<Paths, ValidationError> {
    let n = s.steps as usize + 1;
    let gbm_idx: Vec<usize> = s
        .instruments
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.price.points.is_empty() && ins.price.gbm.is_some())
        .map(|(i, _)| i)
        .collect();
    // Correlated normal draws for the GBM instruments: z[k][t].
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(n); gbm_idx.len()];
    if !gbm_idx.is_empty() {
        let k = gbm_idx.len();
        let corr: Vec<Vec<f64>> = if s.correlation.is_empty() {
            (0..k).map(|i| (0..k).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect()
        } else {
            s.correlation.iter().map(|row| row.iter().map(|c| c.to_f64().unwrap_or(0.0)).collect()).collect()
        };
        let l = cholesky(&corr).ok_or_else(|| ValidationError {
            path: "correlation".into(),
            message: "must be a symmetric positive-definite matrix".into(),
        })?;
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
        let mut indep = vec![0.0f64; k];
        for _t in 0..n {
            for z in indep.iter_mut() {
                *z = standard_normal(&mut rng);
            }
            for (a, row) in l.iter().enumerate() {
                let v: f64 = row.iter().zip(indep.iter()).map(|(x, y)| x * y).sum();
                if let Some(d) = draws.get_mut(a) {
                    d.push(v);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(s.instruments.len());
    for (i, ins) in s.instruments.iter().enumerate() {
        let gbm_pos = gbm_idx.iter().position(|&g| g == i);
        out.push(path_for(i, ins, n, gbm_pos.and_then(|g| draws.get(g)))?);
    }
    // Options last: their marks read their underlyings' (issue 18, option_path.rs).
    let vols = super::option_path::apply(s, &mut out)?;
    Ok(Paths { marks: out, vols })
}

pub(super) fn path_for(i: usize, ins: &Instrument, n: usize, z: Option<&Vec<f64>>) -> Result<Vec<Decimal>, ValidationError> {
    let path = &ins.price;
    let mut base: Vec<Decimal> = Vec::with_capacity(n);
    // The GBM price as drawn (f64), per step, when the fast rounding below may use it.
    let mut drawn: Vec<f64> = Vec::new();
    match (&path.gbm, z) {
        (Some(g), Some(z)) if path.points.is_empty() => {
            let mu = g.drift.to_f64().unwrap_or(0.0);
            let sigma = g.volatility.to_f64().unwrap_or(0.0);
            let mut p = path.initial.to_f64().ok_or_else(|| err(i, "initial price is not representable"))?;
            for t in 0..n {
                if t > 0 {
                    let zt = z.get(t).copied().unwrap_or(0.0);
                    p *= libm::exp(mu - 0.5 * sigma * sigma + sigma * zt);
                }
                if !p.is_finite() {
                    return Err(err(i, format!("random path left the representable range at step {t}")));
                }
                if t == 0 {
                    base.push(path.initial);
                    drawn.push(f64::NAN);
                } else if p.abs() < FAST_MAX {
                    // Converted only if the fast rounding cannot decide (from_f64 cannot fail here).
                    base.push(Decimal::ZERO);
                    drawn.push(p);
                } else {
                    let d = Decimal::from_f64(p).ok_or_else(|| err(i, format!("random path overflowed at step {t}")))?;
                    base.push(d);
                    drawn.push(f64::NAN);
                }
            }
        }
        _ => {
            for t in 0..n {
                base.push(scripted(path, t as u32).ok_or_else(|| err(i, format!("the interpolated price overflows at step {t}")))?);
            }
        }
    }
    // Shocks compound from their step on.
    let mut shocks: Vec<_> = path.shocks.iter().collect();
    shocks.sort_by_key(|s| s.step);
    let mut factor = Decimal::ONE;
    let mut factor_f = 1.0f64;
    let tick_f = ins.tick_size.to_f64().unwrap_or(f64::NAN);
    let mut si = 0usize;
    for (t, p) in base.iter_mut().enumerate() {
        while let Some(sh) = shocks.get(si) {
            if sh.step as usize <= t {
                factor = Decimal::ONE
                    .checked_add(sh.change)
                    .and_then(|x| factor.checked_mul(x))
                    .ok_or_else(|| err(i, "shocks overflow the price"))?;
                factor_f = factor.to_f64().unwrap_or(f64::NAN);
                si += 1;
            } else {
                break;
            }
        }
        let pf = drawn.get(t).copied().unwrap_or(f64::NAN);
        if let Some(r) = fast_round_to_tick(pf, factor_f, tick_f, ins.tick_size) {
            *p = r;
        } else {
            if pf.is_finite() {
                *p = Decimal::from_f64(pf).ok_or_else(|| err(i, format!("random path overflowed at step {t}")))?;
            }
            let shocked = p.checked_mul(factor).ok_or_else(|| err(i, format!("price overflows at step {t}")))?;
            *p = round_to_tick(shocked, ins.tick_size).ok_or_else(|| err(i, format!("price overflows the tick grid at step {t}")))?;
        }
        // Numeric domain: every mark within PRICE_MAX, so notionals stay ≤ 10^24 (domain.rs).
        if *p > PRICE_MAX {
            return Err(err(i, format!("the path reaches {p} at step {t}; prices are at most {}", super::domain::show(PRICE_MAX))));
        }
    }
    Ok(base)
}

/// Drawn prices below this take the fast rounding (far from Decimal's and f64's limits).
const FAST_MAX: f64 = 1e15;

/// `round_to_tick(Decimal::from_f64(p) × factor, tick)` decided in f64 when that is certain: the
/// quotient by the tick is computed within a relative ~1e-15 of the exact decimal one (from_f64
/// keeps ≥ 15 significant digits; one rounding per f64 operation), so when it is farther than a
/// wide margin from a half tick, rounding it gives the exact result's tick count. `None` (use the
/// exact path) near a half tick, for non-finite or large values, or a non-positive tick.
fn fast_round_to_tick(p: f64, factor: f64, tick_f: f64, tick: Decimal) -> Option<Decimal> {
    if !(p.is_finite() && factor.is_finite() && tick_f > 0.0 && p > 0.0 && factor > 0.0 && p < FAST_MAX && factor < 1e6) {
        return None;
    }
    let q = p * factor / tick_f;
    if !(q.is_finite() && q < 1e12) {
        return None;
    }
    let below = q.floor();
    let frac = q - below;
    if (frac - 0.5).abs() <= 1e-9 + q * 1e-12 {
        return None;
    }
    let k = if frac > 0.5 { below + 1.0 } else { below };
    // k < 1e12 + 1: exact as an i64. Same digits as the exact path: integer × tick, normalized.
    let r = Decimal::from(k as i64).checked_mul(tick)?;
    Some(if r < tick { tick } else { r.normalize() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn fast_rounding_equals_the_exact_path() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut decided = 0;
        for k in 0..200_000u32 {
            let tick = [d("0.5"), d("0.01"), d("1"), d("0.001"), d("25")][(k % 5) as usize];
            let factor = [d("1"), d("0.85"), d("1.1"), d("0.7225")][((k / 5) % 4) as usize];
            // Prices around ticks, half ticks and at many magnitudes.
            let p = if k % 7 == 0 {
                (f64::from(k % 1000) + 0.5) * tick.to_f64().unwrap()
            } else {
                libm::exp(uniform_open(&mut rng) * 25.0 - 5.0)
            };
            let exact = round_to_tick(Decimal::from_f64(p).unwrap() * factor, tick).unwrap();
            if let Some(fast) = fast_round_to_tick(p, factor.to_f64().unwrap(), tick.to_f64().unwrap(), tick) {
                assert_eq!(fast, exact, "p {p} factor {factor} tick {tick}");
                assert_eq!(fast.scale(), exact.scale());
                decided += 1;
            }
        }
        assert!(decided > 150_000, "{decided}");
    }

    #[test]
    fn scripted_points_interpolate_and_shocks_compound() {
        let mut s = Scenario { steps: 10, ..Default::default() };
        s.instruments.push(Instrument {
            id: "X".into(),
            price: PricePath {
                initial: d("100"),
                points: vec![PricePoint { step: 4, price: d("120") }],
                shocks: vec![Shock { step: 8, change: d("-0.5") }],
                gbm: None,
            },
            ..Default::default()
        });
        let m = generate(&s).unwrap();
        assert_eq!(m[0][0], d("100"));
        assert_eq!(m[0][2], d("110"));
        assert_eq!(m[0][4], d("120"));
        assert_eq!(m[0][7], d("120"));
        assert_eq!(m[0][8], d("60"));
        assert_eq!(m[0].len(), 11);
    }

    #[test]
    fn gbm_is_deterministic_and_on_tick() {
        let mut s = Scenario { steps: 50, seed: 7, ..Default::default() };
        for id in ["A", "B"] {
            s.instruments.push(Instrument {
                id: id.into(),
                tick_size: d("0.5"),
                price: PricePath { initial: d("100"), gbm: Some(Gbm { drift: d("0"), volatility: d("0.05") }), ..Default::default() },
                ..Default::default()
            });
        }
        s.correlation = vec![vec![d("1"), d("0.9")], vec![d("0.9"), d("1")]];
        let a = generate(&s).unwrap();
        let b = generate(&s).unwrap();
        assert_eq!(a, b);
        assert!(a[0].iter().all(|p| (p / d("0.5")).fract().is_zero()));
        assert_ne!(a[0], a[1]);
        s.seed = 8;
        assert_ne!(generate(&s).unwrap(), a);
    }

    #[test]
    fn cholesky_rejects_non_pd() {
        assert!(cholesky(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
        let l = cholesky(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
        assert!((l[1][1] - 0.75f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn tick_rounding() {
        assert_eq!(round_to_tick(d("100.26"), d("0.5")), Some(d("100.5")));
        assert_eq!(round_to_tick(d("0.1"), d("0.5")), Some(d("0.5")));
        // Issue 14: a tick and a price near Decimal::MAX overflowed in the multiplication.
        assert_eq!(round_to_tick(d("70000000000000000000000000000"), d("40000000000000000000000000000")), None);
    }

    /// The hardware square root gives libm's bits (both are correctly rounded), so the draws and
    /// every expanded cohort are what they were.
    #[test]
    fn hardware_sqrt_is_libms() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..200_000 {
            let x = -2.0 * libm::log(uniform_open(&mut rng));
            assert_eq!(x.sqrt().to_bits(), libm::sqrt(x).to_bits(), "{x}");
        }
        for x in [0.0f64, 1e-300, 5e-324, 1.0, 2.0, 1e300, f64::MAX, f64::MIN_POSITIVE] {
            assert_eq!(x.sqrt().to_bits(), libm::sqrt(x).to_bits(), "{x}");
        }
    }
}
