//! Strategy sweep: the same Monte Carlo (same seeds, so the same price paths) under several
//! waterfalls, to see which one spreads losses how. Per strategy: the full Monte Carlo result,
//! whose `fairness` block carries `engine::compare`'s figures (shares borne by non-defaulters,
//! profitable traders, left unallocated; accounts touched; largest hit; Gini; cascades),
//! aggregated over the paths.

use super::monte_carlo::{MonteCarlo, MonteCarloConfig, MonteCarloResult, PathsBase, Progress};
use super::shard::Shard;
use super::{StressError, StressResult};
use crate::engine::WaterfallSpec;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyResult {
    pub label: String,
    /// Why this waterfall cannot run on the scenario (e.g. it names a vault the scenario lacks).
    pub error: Option<String>,
    pub result: Option<MonteCarloResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    pub paths: usize,
    pub seed: u64,
    pub strategies: Vec<StrategyResult>,
}

/// A sweep in progress: one Monte Carlo per waterfall, run one after the other.
pub struct Sweep {
    runs: Vec<(String, Result<MonteCarlo, String>)>,
    paths: usize,
    seed: u64,
}

impl Sweep {
    /// `strategies` empty = the scenario's own waterfall followed by `engine::waterfall_presets_for(scenario)`.
    /// `config.waterfall` is ignored. Fails only when the scenario itself is unusable.
    pub fn new(scenario: &Scenario, config: MonteCarloConfig, strategies: Vec<WaterfallSpec>) -> StressResult<Self> {
        Sweep::build(scenario, config, strategies, None)
    }

    /// One shard of a sweep: every strategy on the paths of `shard` (issue 20; merged by
    /// `shard::merge_sweep`).
    pub fn shard(scenario: &Scenario, config: MonteCarloConfig, strategies: Vec<WaterfallSpec>, shard: Shard) -> StressResult<Self> {
        shard.check()?;
        Sweep::build(scenario, config, strategies, Some(shard))
    }

    fn build(scenario: &Scenario, config: MonteCarloConfig, strategies: Vec<WaterfallSpec>, shard: Option<Shard>) -> StressResult<Self> {
        super::prepared(scenario)?;
        let strategies = if strategies.is_empty() {
            let mut v = vec![WaterfallSpec { label: "scenario's own".into(), layers: scenario.waterfall.clone() }];
            v.extend(crate::engine::waterfall_presets_for(scenario));
            v
        } else {
            strategies
        };
        if strategies.len() > super::MAX_STRATEGIES {
            return Err(StressError::Input(format!("strategies: {} is more than the {} a sweep compares", strategies.len(), super::MAX_STRATEGIES)));
        }
        // The cap is on the engine runs of the whole sweep, as for one Monte Carlo.
        super::check_paths("sweep (paths × strategies)", config.paths.saturating_mul(strategies.len()))?;
        // The paths' base is prepared once for every strategy (only the waterfall differs).
        let base = PathsBase::new(scenario, &config);
        let runs = strategies
            .into_iter()
            .map(|w| {
                let cfg = MonteCarloConfig { waterfall: Some(w.layers), ..config.clone() };
                let mc = match shard {
                    Some(sh) => MonteCarlo::shard_on_base(scenario, cfg, sh, Some(&base)),
                    None => MonteCarlo::on_base(scenario, cfg, Some(&base)),
                };
                (w.label, mc.map_err(|e| e.to_string()))
            })
            .collect();
        Ok(Sweep { runs, paths: config.paths, seed: config.seed })
    }

    /// Paths over every runnable strategy.
    pub fn progress(&self) -> Progress {
        let mut p = Progress { done: 0, total: 0, failed: 0, finished: true };
        for (_, r) in &self.runs {
            if let Ok(mc) = r {
                let q = mc.progress();
                p.done += q.done;
                p.total += q.total;
                p.failed += q.failed;
                p.finished &= q.finished;
            }
        }
        p
    }

    fn step(&mut self, n: usize, threads: usize) -> Progress {
        let mut left = n;
        for (_, r) in self.runs.iter_mut() {
            if left == 0 {
                break;
            }
            let Ok(mc) = r else { continue };
            let before = mc.progress().done;
            #[cfg(not(target_arch = "wasm32"))]
            let after = if threads > 1 { mc.run_batch_parallel(left, threads) } else { mc.run_batch(left) };
            #[cfg(target_arch = "wasm32")]
            let after = {
                let _ = threads;
                mc.run_batch(left)
            };
            left = left.saturating_sub(after.done - before);
        }
        self.progress()
    }

    /// Run up to `n` more paths (across strategies, in order) on this thread.
    pub fn run_batch(&mut self, n: usize) -> Progress {
        self.step(n, 1)
    }

    /// Run up to `n` more paths, each strategy's share split across `threads` threads.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn run_batch_parallel(&mut self, n: usize, threads: usize) -> Progress {
        self.step(n, threads)
    }

    /// Each strategy's Monte Carlo, or why it cannot run.
    pub fn outcomes(&self) -> impl Iterator<Item = (&str, Result<&MonteCarlo, &str>)> {
        self.runs.iter().map(|(l, r)| (l.as_str(), r.as_ref().map_err(String::as_str)))
    }

    /// Each strategy's Monte Carlo (`None` for one that cannot run).
    pub fn runs(&self) -> impl Iterator<Item = (&str, Option<&MonteCarlo>)> {
        self.runs.iter().map(|(l, r)| (l.as_str(), r.as_ref().ok()))
    }

    pub fn result(&self) -> SweepResult {
        SweepResult {
            paths: self.paths,
            seed: self.seed,
            strategies: self
                .runs
                .iter()
                .map(|(label, r)| match r {
                    Ok(mc) => StrategyResult { label: label.clone(), error: None, result: Some(mc.result()) },
                    Err(e) => StrategyResult { label: label.clone(), error: Some(e.clone()), result: None },
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn sweep_runs_every_preset_with_common_paths() {
        let s = preset("venue-insurance-adl");
        let cfg = MonteCarloConfig { paths: 6, seed: 3, volatility: d("0.01"), ..Default::default() };
        let mut sw = Sweep::new(&s, cfg.clone(), Vec::new()).unwrap();
        let mut batches = 0;
        while !sw.run_batch(4).finished {
            batches += 1;
            assert!(batches < 100);
        }
        let r = sw.result();
        assert_eq!(r.strategies.len(), 1 + crate::engine::waterfall_presets().len());
        // Hyperliquid's waterfall names an `hlp` vault this scenario lacks.
        let hl = r.strategies.iter().find(|x| x.label.starts_with("Hyperliquid")).unwrap();
        assert!(hl.error.is_some() && hl.result.is_none());
        // Same paths under every waterfall: the total default loss per path (before the
        // mutualized layers act) is the same for the scenario's own and the BitMEX preset, which
        // share the layers.
        let own = r.strategies[0].result.as_ref().unwrap();
        let bitmex = r.strategies.iter().find(|x| x.label.starts_with("BitMEX")).unwrap().result.as_ref().unwrap();
        assert_eq!(own.deficit, bitmex.deficit);
        assert_eq!(own.paths_run, 6);
        // The sweep equals a Monte Carlo run alone with that waterfall.
        let mut alone = MonteCarlo::new(&s, MonteCarloConfig { waterfall: Some(s.waterfall.clone()), ..cfg }).unwrap();
        alone.run_batch(usize::MAX);
        assert_eq!(&alone.result(), own);
    }
}
