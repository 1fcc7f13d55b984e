//! Option marks in a run (issue 18): after every other instrument's marks are drawn, each option's
//! marks are computed from its underlying's marks and its own volatility path by
//! `engine::options::marks::option_marks` (Black-76, rounded to the option's tick before money).
//! A coin-premium option's coin marks are converted to the run's quote currency at the
//! underlying's mark (the delivery mark from expiry on), to 10 places (`domain::PRICE_DP`), so an
//! option mark is a price of the format's domain like any other. An option's `smile` moves its σ
//! by moneyness K/F_t before Black-76 (`engine::options::smile::smiled_sigma`).

use super::domain::{PRICE_DP, PRICE_MAX};
use super::schema::{Instrument, PremiumUnit, Scenario};
use super::validate_option::VOL_MAX;
use super::ValidationError;
use crate::engine::options::marks::{option_marks, OptionTerms as MarkTerms};
use crate::engine::options::smile::{smiled_sigma, SmilePoint};
use rust_decimal::{Decimal, RoundingStrategy};

/// Implied volatility is scripted on a grid of 0.0001 (a hundredth of a vol point).
pub const VOL_TICK: Decimal = Decimal::from_parts(1, 0, 0, false, 4);

fn err(path: String, message: impl Into<String>) -> ValidationError {
    ValidationError { path, message: message.into() }
}

/// The σ path of option `i`, per step (points interpolated, shocks compounded, on [`VOL_TICK`]).
pub fn vol_path(s: &Scenario, i: usize) -> Result<Vec<Decimal>, ValidationError> {
    let p = format!("instruments[{i}].option.volatility");
    let o = s.instruments.get(i).and_then(|x| x.option.as_ref()).ok_or_else(|| err(format!("instruments[{i}].option"), "not an option"))?;
    // The volatility path is a price path of σ on its own tick; a `gbm` one (without points)
    // draws from its own stream, so the prices' draws are the same with or without it.
    let as_path = Instrument { tick_size: VOL_TICK, price: o.volatility.clone(), ..Default::default() };
    let n = s.steps as usize + 1;
    let z = (o.volatility.points.is_empty() && o.volatility.gbm.is_some()).then(|| vol_draws(s.seed, i, n));
    let v = super::price_path::path_for(i, &as_path, n, z.as_ref()).map_err(|e| err(p.clone(), e.message))?;
    if let Some((t, x)) = v.iter().enumerate().find(|(_, x)| **x > VOL_MAX || x.is_sign_negative()) {
        return Err(err(p, format!("σ reaches {x} at step {t}; it must stay between 0 and {VOL_MAX}")));
    }
    Ok(v)
}

/// The seed of option `i`'s volatility draws: the scenario's seed mixed with the instrument's
/// index (SplitMix64's constants), so each option's σ path has its own stream, and a new seed (a
/// Monte Carlo path's) draws new ones.
pub fn vol_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` standard normal draws for option `i`'s volatility GBM (the first unused: step 0 is the
/// initial σ), by the same portable generator as the prices' (price_path.rs).
fn vol_draws(seed: u64, i: usize, n: usize) -> Vec<f64> {
    use rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(vol_seed(seed, i));
    (0..n).map(|_| super::price_path::standard_normal(&mut rng)).collect()
}

/// Every instrument's σ path (empty for an instrument that is not an option).
pub fn vol_paths(s: &Scenario) -> Result<Vec<Vec<Decimal>>, ValidationError> {
    (0..s.instruments.len()).map(|i| if s.instruments.get(i).is_some_and(|x| x.option.is_some()) { vol_path(s, i) } else { Ok(Vec::new()) }).collect()
}

/// Replace each option's marks in `marks` (`[instrument][step]`, the underlyings already drawn);
/// returns every instrument's σ path (empty for an instrument that is not an option).
pub fn apply(s: &Scenario, marks: &mut [Vec<Decimal>]) -> Result<Vec<Vec<Decimal>>, ValidationError> {
    let mut vols = vec![Vec::new(); s.instruments.len()];
    for (i, ins) in s.instruments.iter().enumerate() {
        let Some(o) = &ins.option else { continue };
        let p = format!("instruments[{i}].option");
        let u = s.instruments.iter().position(|x| x.id == o.on).ok_or_else(|| err(format!("{p}.on"), format!("no instrument `{}`", o.on)))?;
        if s.instruments.get(u).is_some_and(|x| x.option.is_some()) {
            return Err(err(format!("{p}.on"), "an option on an option is not supported"));
        }
        let expiry = ins.expiry.as_ref().map(|x| x.step).ok_or_else(|| err(format!("instruments[{i}].expiry"), "an option needs an expiry"))?;
        let under = marks.get(u).cloned().unwrap_or_default();
        // The smile (if any) moves σ by the strike's moneyness against each step's underlying
        // mark before Black-76 reads it; the σ returned is the smiled one, so greeks and the
        // margin grid price with the σ that made the mark.
        let mut vol = vol_path(s, i)?;
        if !o.smile.is_empty() {
            let pts: Vec<SmilePoint> = o.smile.iter().map(|x| SmilePoint { moneyness: x.moneyness, add: x.add }).collect();
            for (v, f) in vol.iter_mut().zip(&under) {
                *v = smiled_sigma(&pts, *v, o.strike, *f);
            }
        }
        let terms = MarkTerms {
            kind: o.kind.into(),
            premium_in: o.premium.into(),
            strike: o.strike,
            expiry_step: expiry,
            days_per_step: o.days_per_step,
            tick: ins.tick_size,
        };
        let own = option_marks(&terms, &under, &vol).map_err(|e| err(p.clone(), e.to_string().trim_start_matches("invalid scenario: ").to_string()))?;
        let quoted: Vec<Decimal> = match o.premium {
            PremiumUnit::Quote => own,
            PremiumUnit::Coin => {
                let settle = under.get(expiry as usize).or(under.last()).copied().unwrap_or_default();
                let mut out = Vec::with_capacity(own.len());
                for (t, c) in own.iter().enumerate() {
                    let f = if t >= expiry as usize { settle } else { under.get(t).copied().unwrap_or_default() };
                    let q = c.checked_mul(f).ok_or_else(|| err(p.clone(), format!("the mark overflows at step {t}")))?;
                    out.push(q.round_dp_with_strategy(PRICE_DP, RoundingStrategy::MidpointNearestEven).normalize());
                }
                out
            }
        };
        if let Some((t, x)) = quoted.iter().enumerate().find(|(_, x)| **x > PRICE_MAX) {
            return Err(err(p, format!("the option's mark reaches {x} at step {t}; prices are at most {}", super::domain::show(PRICE_MAX))));
        }
        if let Some(slot) = marks.get_mut(i) {
            *slot = quoted;
        }
        if let Some(slot) = vols.get_mut(i) {
            *slot = vol;
        }
    }
    Ok(vols)
}
