//! The implied volatility a Monte Carlo draws (issue 18): path `i` runs the scenario with seed
//! `path_seed(config.seed, i)`, and an option whose σ path is a GBM (`volatility.gbm`, no
//! points) draws its σ from that seed (scenario/option_path.rs). This gives, per such option and
//! step, the 5th, 50th and 95th percentile of σ over the first paths, for the stress lab's chart:
//! the figures come from the same `vol_path` the runs use, so the chart shows what the paths ran.

use super::monte_carlo::MonteCarloConfig;
use super::path_seed;
use crate::scenario::option_path::vol_path;
use crate::scenario::{Instrument, Scenario};
use rust_decimal::Decimal;
use serde::Serialize;

/// One option's σ across paths, per step (each list `steps + 1` long).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VolFan {
    pub instrument: String,
    /// How many paths the percentiles are over.
    pub paths: usize,
    pub p05: Vec<Decimal>,
    pub p50: Vec<Decimal>,
    pub p95: Vec<Decimal>,
}

/// Whether option `x` draws its σ at random (a GBM σ path without points).
pub fn has_random_vol(x: &Instrument) -> bool {
    x.option.as_ref().is_some_and(|o| o.volatility.gbm.is_some() && o.volatility.points.is_empty())
}

/// The nearest-rank percentile `q` (in hundredths) of sorted `v` (not empty): the value at rank
/// ⌈q·n/100⌉.
fn percentile(v: &[Decimal], q: usize) -> Decimal {
    let rank = (q * v.len()).div_ceil(100).max(1);
    v.get(rank - 1).copied().unwrap_or_default()
}

/// The σ fan of every option of `s` with a random σ path, over the first `min(config.paths,
/// max_paths)` Monte Carlo paths; empty when no option draws its σ (or a path's σ cannot be
/// drawn: the run reports that itself).
pub fn vol_fans(s: &Scenario, config: &MonteCarloConfig, max_paths: usize) -> Vec<VolFan> {
    let n = config.paths.min(max_paths);
    let options: Vec<usize> = s.instruments.iter().enumerate().filter(|(_, x)| has_random_vol(x)).map(|(i, _)| i).collect();
    if n == 0 || options.is_empty() {
        return Vec::new();
    }
    // Only the instruments, the steps and the seed matter to a σ path.
    let mut thin = Scenario { steps: s.steps, instruments: s.instruments.clone(), ..Default::default() };
    let mut out = Vec::new();
    for &i in &options {
        let mut by_step: Vec<Vec<Decimal>> = vec![Vec::with_capacity(n); s.steps as usize + 1];
        for p in 0..n {
            thin.seed = path_seed(config.seed, p as u64);
            let Ok(v) = vol_path(&thin, i) else { return Vec::new() };
            for (t, x) in v.into_iter().enumerate() {
                if let Some(col) = by_step.get_mut(t) {
                    col.push(x);
                }
            }
        }
        let mut fan = VolFan { instrument: s.instruments[i].id.clone(), paths: n, p05: Vec::new(), p50: Vec::new(), p95: Vec::new() }; // ok: i from enumerate
        for col in by_step.iter_mut() {
            col.sort();
            fan.p05.push(percentile(col, 5));
            fan.p50.push(percentile(col, 50));
            fan.p95.push(percentile(col, 95));
        }
        out.push(fan);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{from_json, Gbm};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn book(gbm: bool) -> Scenario {
        let mut s = from_json(
            r#"{"version":1,"name":"vol fan","steps":20,
            "instruments":[{"id":"F","tick_size":"0.5","lot_size":"1","price":{"initial":"100"}},
              {"id":"C","tick_size":"0.01","lot_size":"1","expiry":{"step":20,"settlement":"cash"},
               "option":{"on":"F","kind":"call","strike":"100","volatility":{"initial":"0.5"}}}],
            "accounts":[{"id":"a","cash":"1000","positions":[{"instrument":"C","size":"1"}]},{"id":"b","cash":"1000","positions":[{"instrument":"C","size":"-1"}]}],
            "waterfall":[{"kind":"insurance_fund"}]}"#,
        )
        .unwrap();
        if gbm {
            s.instruments[1].option.as_mut().unwrap().volatility.gbm = Some(Gbm { drift: Decimal::ZERO, volatility: d("0.1") });
        }
        s
    }

    /// The fan is the percentiles of the paths' own σ paths (rebuilt here seed by seed), ordered,
    /// equal at step 0 (every path starts at σ 0.5) and spread out later; none without a GBM σ.
    #[test]
    fn the_fan_is_the_paths_own_sigma() {
        let s = book(true);
        let config = MonteCarloConfig { paths: 40, seed: 3, ..Default::default() };
        let fans = vol_fans(&s, &config, 1000);
        assert_eq!(fans.len(), 1);
        let f = &fans[0];
        assert_eq!((f.instrument.as_str(), f.paths, f.p50.len()), ("C", 40, 21));
        assert_eq!((f.p05[0], f.p50[0], f.p95[0]), (d("0.5"), d("0.5"), d("0.5")));
        // Step 10 by hand: the 40 paths' σ, sorted; ranks ⌈0.05·40⌉ = 2, ⌈0.5·40⌉ = 20, ⌈0.95·40⌉ = 38.
        let mut at10: Vec<Decimal> = (0..40)
            .map(|p| {
                let mut x = s.clone();
                x.seed = path_seed(3, p);
                vol_path(&x, 1).unwrap()[10]
            })
            .collect();
        at10.sort();
        assert_eq!((f.p05[10], f.p50[10], f.p95[10]), (at10[1], at10[19], at10[37]));
        assert!(f.p05.iter().zip(&f.p50).zip(&f.p95).all(|((a, b), c)| a <= b && b <= c));
        assert!(f.p95[20] - f.p05[20] > d("0.2"), "spread out by step 20: {} … {}", f.p05[20], f.p95[20]);
        assert_eq!(vol_fans(&s, &MonteCarloConfig { paths: 500, seed: 3, ..Default::default() }, 40), fans, "capped at max_paths");
        assert!(vol_fans(&book(false), &config, 1000).is_empty());
    }
}
