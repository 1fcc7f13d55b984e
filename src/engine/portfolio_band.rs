//! The slack band of a portfolio-margined account (issue 18): how long an account checked safe
//! at step `t` provably stays safe, so the indexed scan skips its scenario grid until then.
//!
//! Why: an option's time to expiry moves every step, so each option's unit P&L in every scenario
//! changes every step and the event-driven scan (`PortfolioTables::next_change`) re-margined
//! every option account every step (BENCHMARKS.md: 17.3 µs per account·step). But an account
//! with slack `s` = equity − maintenance can only lose it as fast as its inputs move. Every term
//! of the requirement and of the equity is a sum of held quantities times per-instrument series
//! known before the run (marks, funding index, the unit P&L table), through 1-Lipschitz steps
//! (sums, max, min, max(·, 0)) and the scenario weights. So, with `A_i(τ)` the cumulative
//! absolute change of a series up to step τ (its total variation: |x(τ) − x(t)| ≤ A(τ) − A(t)):
//!
//! |Δ maintenance| ≤ mf × [ L × Σ_legs |q| ΔA_units + rmm × Σ_futures |q| ΔA_mark
//!                          + som × Σ_short options |q| ΔA_mark(underlying) + rounding ]
//! |Δ equity|      ≤ Σ_positions (|q·cs| ΔA_mark + |q| ΔA_funding) + Σ_collateral |units| ΔA_price
//!                   + rounding
//!
//! (L: the largest weight a scenario's raw P&L is counted at — 1, SPAN's fraction, Deribit's
//! extended scale — times the counted share of gains if above 1; mf: the maintenance factor;
//! rmm: the roll shock rate; som: the short option minimum per unit of underlying price.) While
//! the sum stays below `s` the account is above maintenance, so the check it would have had does
//! nothing; the scan wakes it at the first step where the bound reaches its slack, and the check
//! there is the exact grid. The bound is monotone in τ, so that step is found by bisection.
//! Results are bit-identical with and without the band (tests/portfolio_band.rs).
//!
//! Not banded (falls back to `next_change`): historical VaR / ES (the window's size and dates
//! move), and models with spread credits (a credit can vanish faster than its legs move).

use super::account::AccountSnap;
use super::market::Market;
use super::options::normal::to_f64;
use super::options::scenario_grid::{GridParams, PriceMove, PriceRange, Weight};
use super::portfolio_margin::PortfolioTables;
use rust_decimal::Decimal;

/// Relative safety on f64 sums of exact decimals (each conversion and addition is off by at most
/// 2⁻⁵³ relative; 1e-9 covers a million of them).
const SAFETY: f64 = 1e-9;
/// A scenario P&L is rounded to 12 places per leg; a position's value and a collateral's to 12.
const ROUNDING: f64 = 1e-11;

/// The series a band reads, cumulated: `[instrument][step]`.
#[derive(Debug, Default)]
pub struct BandPaths {
    /// Σ over steps s < τ of max over scenarios |units[s+1][k] − units[s][k]|.
    units: Vec<Vec<f64>>,
    /// Σ |mark(s+1) − mark(s)|.
    marks: Vec<Vec<f64>>,
    /// Σ |funding(s+1) − funding(s)|.
    funding: Vec<Vec<f64>>,
    /// The largest factor a raw scenario P&L is counted at.
    lipschitz: f64,
    /// Whether the model can be banded (a scenario grid or SPAN without spread credits).
    bandable: bool,
}

fn cumulate(n: usize, mut step: impl FnMut(usize) -> f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    let mut acc = 0.0f64;
    for s in 0..n {
        if s > 0 {
            acc += step(s) * (1.0 + SAFETY);
        }
        out.push(acc);
    }
    out
}

impl BandPaths {
    /// The cumulated series of a model's tables (`units[i][t][k]`) and the market's marks and
    /// funding; `bandable` false for the models the band does not cover.
    pub fn build(m: &Market, p: &GridParams, units: &[Vec<Vec<Decimal>>], bandable: bool) -> BandPaths {
        if !bandable {
            return BandPaths::default();
        }
        let abs = |x: Decimal| to_f64(x.abs());
        let mut out = BandPaths { bandable: true, ..Default::default() };
        for (i, rows) in units.iter().enumerate() {
            let n = rows.len();
            out.units.push(cumulate(n, |s| {
                let (a, b) = (rows.get(s - 1), rows.get(s));
                match (a, b) {
                    (Some(a), Some(b)) if a.len() == b.len() => a.iter().zip(b).map(|(x, y)| y.checked_sub(*x).map(abs).unwrap_or(f64::INFINITY)).fold(0.0, f64::max),
                    _ => f64::INFINITY,
                }
            }));
            out.marks.push(cumulate(n, |s| m.mark(i, s as u32).checked_sub(m.mark(i, s as u32 - 1)).map(abs).unwrap_or(f64::INFINITY)));
            out.funding.push(cumulate(n, |s| m.funding(i, s as u32).checked_sub(m.funding(i, s as u32 - 1)).map(abs).unwrap_or(f64::INFINITY)));
        }
        let range = match p.price_range {
            PriceRange::Relative(r) => r,
            PriceRange::Absolute(_) => 0.0,
        };
        let mut l = 1.0f64;
        for sh in &p.scenarios {
            let w = match sh.weight {
                Weight::Full => 1.0,
                Weight::Fraction(w) => to_f64(w.abs()),
                Weight::Extended => {
                    let mv = match sh.price {
                        PriceMove::Relative(x) => x,
                        PriceMove::OfRange { num, den } => range * num as f64 / den as f64,
                    };
                    let sign = if mv < 0.0 { -1.0 } else { 1.0 };
                    // extended(): scale rounded to 12 places, then a 1-Lipschitz dampener.
                    (p.extended_factor * (range / mv.abs()) * (1.0 + mv) / (1.0 + sign * range)).abs() + 1e-12
                }
            };
            if w.is_finite() {
                l = l.max(w);
            } else {
                out.bandable = false;
            }
        }
        out.lipschitz = l * to_f64(p.gains_counted.abs()).max(1.0) * (1.0 + SAFETY);
        out
    }
}

impl PortfolioTables {
    /// Source: margin-models.md §3–§4 (the grid's requirement is a max of weighted sums of the
    /// unit P&L table) and the total-variation bound above (issue 18's slack band).
    /// The first step after `t` at which the group of `snap` (all positions and the collateral
    /// if `all`, else the cross positions and the collateral), safe at `t` with slack `s` above
    /// its maintenance, may no longer be: u32::MAX if never within the run; None when the model
    /// cannot be banded.
    pub fn quiet_until(&self, snap: &AccountSnap, all: bool, asset_inst: &[Option<usize>], m: &Market, s: Decimal, t: u32) -> Option<u32> {
        let b = &self.band;
        if !b.bandable || s <= Decimal::ZERO {
            return None;
        }
        let mf = to_f64(self.maintenance_factor()).max(0.0) * (1.0 + SAFETY);
        let (rmm, som) = (to_f64(self.roll_rate()), to_f64(self.som_of_range()));
        // (series, instrument, coefficient): the bound is Σ coef × (A(τ) − A(t)) + eps.
        let mut terms: Vec<(u8, usize, f64)> = Vec::with_capacity(snap.positions.len() * 3);
        let mut eps = 0.0f64;
        for p in snap.positions.iter().filter(|p| all || p.isolated.is_none()) {
            if p.size.is_zero() {
                continue;
            }
            let cs = m.meta(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
            let q = to_f64(p.size.checked_mul(cs)?.abs());
            let size = to_f64(p.size.abs());
            if !(q.is_finite() && size.is_finite()) {
                return None;
            }
            terms.push((0, p.inst, mf * b.lipschitz * q));
            terms.push((1, p.inst, q));
            terms.push((2, p.inst, size));
            match m.option(p.inst) {
                Some(o) if p.size < Decimal::ZERO => terms.push((1, o.underlying, mf * som * q)),
                Some(_) => {}
                None => terms.push((1, p.inst, mf * rmm * q)),
            }
            eps += (mf * b.lipschitz + 1.0) * ROUNDING;
        }
        for (k, units) in snap.collateral.iter().enumerate().skip(1) {
            if units.is_zero() {
                continue;
            }
            if let Some(i) = asset_inst.get(k).copied().flatten() {
                terms.push((1, i, to_f64(units.abs())));
                eps += ROUNDING;
            }
        }
        let series = |kind: u8, i: usize| match kind {
            0 => b.units.get(i),
            1 => b.marks.get(i),
            _ => b.funding.get(i),
        };
        let at = |tau: u32| -> f64 {
            let mut x = eps;
            for &(kind, i, c) in &terms {
                let v = series(kind, i).map(|v| v.get(tau as usize).copied().unwrap_or(f64::INFINITY) - v.get(t as usize).copied().unwrap_or(0.0)).unwrap_or(f64::INFINITY);
                x += c * v;
            }
            x * (1.0 + SAFETY)
        };
        let slack = to_f64(s) * (1.0 - SAFETY);
        let last = b.marks.first().map(|v| v.len() as u32).unwrap_or(0).saturating_sub(1);
        if t >= last {
            return Some(u32::MAX);
        }
        // The bound is non-decreasing in τ: the first τ in (t, last] where it reaches the slack.
        let reaches = |tau: u32| !(at(tau) < slack);
        if !reaches(last) {
            return Some(u32::MAX);
        }
        let (mut lo, mut hi) = (t + 1, last);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if reaches(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }
}
