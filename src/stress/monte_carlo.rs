//! Monte Carlo: the scenario under N seeded random price paths.
//!
//! Path `i` is the scenario with its seed set to `path_seed(config.seed, i)`; instruments that
//! have no GBM path get one (`config.drift`, `config.volatility` per step; scripted points are
//! dropped, shocks kept unless `keep_shocks` is false); cohorts keep the accounts they expand to
//! under the original seed. So a result depends only on the scenario and the config — not on how
//! the caller batches the paths or how many threads run them.
//!
//! The browser worker loops `run_batch(n)` (each call returns `Progress`; to cancel, stop calling)
//! and reads `result()` at any time (a partial result covers the paths done). Natively,
//! `run_batch_parallel` splits a batch across threads.
//!
//! A run can also be one shard of the paths (`MonteCarlo::shard`, issue 20): it runs only its
//! range of path indices and hands back a `shard::MonteCarloPartial` with every path's record;
//! `shard::merge` rebuilds from the partials exactly the result one run of all paths gives (the
//! statistics are computed by the one function [`summarize`] from the records in path order).

use super::{check_waterfall, layer_infos, layer_outcomes, path_seed, pin_cohort_seeds, prepared, StressError, StressResult};
use crate::engine::{simulate_summary, LayerInfo, LossSummary, Timeline};
use crate::scenario::{BookAccount, Gbm, LayerSpec, Scenario};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonteCarloConfig {
    /// Number of paths.
    pub paths: usize,
    /// Analysis seed (each path's scenario seed is derived from it).
    pub seed: u64,
    /// Per-step volatility given to instruments without a GBM path (0 leaves them as they are).
    pub volatility: Decimal,
    /// Per-step drift for those instruments.
    pub drift: Decimal,
    /// Keep the scenario's scripted shocks on top of the random paths.
    pub keep_shocks: bool,
    /// Run under this waterfall instead of the scenario's own.
    pub waterfall: Option<Vec<LayerSpec>>,
}

impl Default for MonteCarloConfig {
    fn default() -> Self {
        MonteCarloConfig { paths: 1000, seed: 1, volatility: Decimal::new(2, 2), drift: Decimal::ZERO, keep_shocks: true, waterfall: None }
    }
}

/// Where a batched run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub failed: usize,
    pub finished: bool,
}

/// Fairness figures of one run (the definitions of `engine::compare`, domain.md §8).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFairness {
    pub share_non_defaulters: Decimal,
    pub share_profitable_traders: Decimal,
    pub share_unallocated: Decimal,
    pub accounts_touched: usize,
    pub largest_hit: Decimal,
    pub gini: Decimal,
    pub defaults: usize,
    pub cascade_defaults: usize,
}

/// What one path leaves behind (kept for every path, in index order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRecord {
    pub index: usize,
    pub seed: u64,
    pub touched: Vec<bool>,
    pub exhausted: Vec<bool>,
    /// What each layer paid.
    pub drawn: Vec<Decimal>,
    pub deficit: Decimal,
    pub unallocated: Decimal,
    pub by_party: Vec<(String, Decimal)>,
    pub fairness: PathFairness,
}

/// `compare`'s share: part / whole rounded to 6 dp, 0 for no loss.
pub(crate) fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        part.checked_div(whole).map(|x| x.round_dp(6)).unwrap_or_default()
    }
}

/// The fairness figures of a loss summary, as `engine::compare` defines them.
pub fn fairness(sum: &LossSummary) -> PathFairness {
    let party = |name: &str| sum.by_party.iter().filter(|p| p.0 == name).map(|p| p.1).sum::<Decimal>();
    PathFairness {
        share_non_defaulters: share(sum.deficit - party("Defaulters") - sum.unallocated, sum.deficit),
        share_profitable_traders: share(party("Profitable traders"), sum.deficit),
        share_unallocated: share(sum.unallocated, sum.deficit),
        accounts_touched: sum.accounts_touched,
        largest_hit: sum.largest_hit,
        gini: sum.gini,
        defaults: sum.defaults,
        cascade_defaults: sum.cascade_defaults,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerStats {
    pub index: usize,
    pub label: String,
    pub kind: String,
    pub capacity: Option<Decimal>,
    /// Temporary capital put into the layer during the run (`LayerInfo::temporary`, issue 19).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub temporary: Decimal,
    /// Paths on which the layer paid something / was exhausted.
    pub touched: usize,
    pub exhausted: usize,
    /// The counts over the paths run, 6 dp.
    pub p_touched: Decimal,
    pub p_exhausted: Decimal,
    /// Mean amount the layer paid per path.
    pub expected_draw: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub lo: Decimal,
    pub hi: Decimal,
    pub count: usize,
}

/// Empirical distribution of an amount over the paths run.
/// `q99`/`q999`: the smallest value with at least 99 % / 99.9 % of paths at or below it
/// (sorted[⌈p·N⌉ − 1]); `es99`: the mean of the N − ⌊0.99·N⌋ largest values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Distribution {
    pub mean: Decimal,
    pub q99: Decimal,
    pub q999: Decimal,
    pub es99: Decimal,
    pub max: Decimal,
    /// Share of paths with a positive value.
    pub p_positive: Decimal,
    pub histogram: Vec<HistogramBin>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartyLoss {
    pub party: String,
    /// Mean over all paths run.
    pub expected: Decimal,
    /// Share of paths on which this party paid.
    pub p_hit: Decimal,
}

/// Fairness figures over the paths (loss-weighted shares: E[part] / E[deficit]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct FairnessStats {
    pub share_non_defaulters: Decimal,
    pub share_profitable_traders: Decimal,
    pub share_unallocated: Decimal,
    /// Means over the paths with a loss.
    pub mean_accounts_touched: Decimal,
    pub mean_largest_hit: Decimal,
    pub mean_gini: Decimal,
    pub max_largest_hit: Decimal,
    /// Share of paths with any default / with a cascade default.
    pub p_default: Decimal,
    pub p_cascade: Decimal,
}

/// A path worth opening in the player: `MonteCarlo::path_scenario(index)` rebuilds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathRef {
    pub index: usize,
    pub seed: u64,
    pub deficit: Decimal,
    pub unallocated: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonteCarloResult {
    pub seed: u64,
    pub paths_requested: usize,
    pub paths_run: usize,
    pub paths_failed: usize,
    pub first_error: Option<String>,
    pub layers: Vec<LayerStats>,
    /// The unallocated residual per path.
    pub residual: Distribution,
    /// The total default loss per path.
    pub deficit: Distribution,
    pub by_party: Vec<PartyLoss>,
    pub fairness: FairnessStats,
    /// The path with the largest residual (ties: largest deficit, then lowest index).
    pub worst_path: Option<PathRef>,
}

/// A path the engine could not run, and why (`"path {index}: …"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFailure {
    pub index: usize,
    pub error: String,
}

/// A Monte Carlo run in progress.
pub struct MonteCarlo {
    base: Scenario,
    /// `base`'s accounts, validated and expanded once: every path runs the same accounts
    /// (cohort seeds are pinned), only the price path's seed changes.
    accounts: Vec<BookAccount>,
    waterfall: Vec<LayerSpec>,
    config: MonteCarloConfig,
    layers: Vec<LayerInfo>,
    records: Vec<PathRecord>,
    /// Paths that failed, in index order.
    failures: Vec<PathFailure>,
    /// The path indices this run covers: all of them, or one shard's range.
    start: usize,
    end: usize,
    next: usize,
}

/// The scenario a path runs: `base` (already prepared) with the path's seed.
fn path_of(base: &Scenario, seed: u64, i: usize) -> Scenario {
    let mut s = base.clone();
    s.seed = path_seed(seed, i as u64);
    s
}

/// One path, on the engine's summary-only run (no events, ledger or account states: nothing here
/// reads them); `record` gives the same record from a full run's timeline.
fn run_path(base: &Scenario, accounts: &[BookAccount], waterfall: &[LayerSpec], seed: u64, i: usize) -> Result<PathRecord, String> {
    let s = path_of(base, seed, i);
    let paths = crate::scenario::price_path::paths(&s).map_err(|e| format!("path {i}: {e}"))?;
    let t = simulate_summary(&s, paths, waterfall, accounts).map_err(|e| format!("path {i}: {e}"))?;
    Ok(record(&t, i, s.seed))
}

/// What Monte Carlo keeps of one run.
fn record(t: &Timeline, i: usize, seed: u64) -> PathRecord {
    let o = layer_outcomes(t);
    let sum = &t.summary;
    PathRecord {
        index: i,
        seed,
        touched: o.iter().map(|x| x.touched).collect(),
        exhausted: o.iter().map(|x| x.exhausted).collect(),
        drawn: sum.by_layer.clone(),
        deficit: sum.deficit,
        unallocated: sum.unallocated,
        by_party: sum.by_party.iter().filter(|p| p.0 != "Unallocated").cloned().collect(),
        fairness: fairness(sum),
    }
}

impl MonteCarlo {
    /// Prepare a run; validates the scenario and the waterfall.
    pub fn new(scenario: &Scenario, config: MonteCarloConfig) -> StressResult<Self> {
        prepared(scenario)?;
        MonteCarlo::on_base(scenario, config, None)
    }

    /// [`MonteCarlo::new`] for a scenario already checked; `shared`: the paths' base already
    /// prepared for `config` up to its waterfall ([`PathsBase::new`]; a sweep's strategies share
    /// one), or `None` to prepare it here.
    pub(crate) fn on_base(scenario: &Scenario, config: MonteCarloConfig, shared: Option<&StressResult<PathsBase>>) -> StressResult<Self> {
        super::check_paths("paths", config.paths)?;
        if config.volatility < Decimal::ZERO {
            return Err(StressError::Input("volatility: must not be negative".into()));
        }
        let waterfall = config.waterfall.clone().unwrap_or_else(|| scenario.waterfall.clone());
        check_waterfall(scenario, &waterfall)?;
        let PathsBase { base, accounts } = match shared {
            Some(b) => b.clone()?,
            None => PathsBase::new(scenario, &config)?,
        };
        let layers = layer_infos(&base, &waterfall)?;
        let end = config.paths;
        Ok(MonteCarlo { base, accounts, waterfall, config, layers, records: Vec::new(), failures: Vec::new(), start: 0, end, next: 0 })
    }

    /// Prepare one shard of a run: only the paths of `shard`'s range (`shard::Shard::range`).
    pub fn shard(scenario: &Scenario, config: MonteCarloConfig, shard: super::shard::Shard) -> StressResult<Self> {
        prepared(scenario)?;
        MonteCarlo::shard_on_base(scenario, config, shard, None)
    }

    /// [`MonteCarlo::shard`] on a shared base (see [`MonteCarlo::on_base`]).
    pub(crate) fn shard_on_base(scenario: &Scenario, config: MonteCarloConfig, shard: super::shard::Shard, shared: Option<&StressResult<PathsBase>>) -> StressResult<Self> {
        let mut mc = MonteCarlo::on_base(scenario, config, shared)?;
        let r = shard.range(mc.config.paths)?;
        (mc.start, mc.next, mc.end) = (r.start, r.start, r.end);
        Ok(mc)
    }

    /// The path indices this run covers.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// The scenario the paths start from (cohorts pinned, GBM added where the config asks).
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// The paths that failed so far, in index order.
    pub fn failures(&self) -> &[PathFailure] {
        &self.failures
    }

    pub fn config(&self) -> &MonteCarloConfig {
        &self.config
    }

    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }

    /// The per-path records so far, in path order.
    pub fn records(&self) -> &[PathRecord] {
        &self.records
    }

    pub fn progress(&self) -> Progress {
        Progress { done: self.next - self.start, total: self.end - self.start, failed: self.failures.len(), finished: self.next >= self.end }
    }

    /// The scenario path `index` runs (to open it in the player); its waterfall is the one used.
    pub fn path_scenario(&self, index: usize) -> Scenario {
        let mut s = path_of(&self.base, self.config.seed, index);
        s.waterfall = self.waterfall.clone();
        s
    }

    fn absorb(&mut self, index: usize, r: Result<PathRecord, String>) {
        match r {
            Ok(rec) => self.records.push(rec),
            Err(error) => self.failures.push(PathFailure { index, error }),
        }
    }

    /// Run up to `n` more paths on this thread.
    pub fn run_batch(&mut self, n: usize) -> Progress {
        let end = self.next.saturating_add(n).min(self.end);
        for i in self.next..end {
            let r = run_path(&self.base, &self.accounts, &self.waterfall, self.config.seed, i);
            self.absorb(i, r);
        }
        self.next = end.max(self.next);
        self.progress()
    }

    /// Run up to `n` more paths split across `threads` threads (same result as `run_batch`).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn run_batch_parallel(&mut self, n: usize, threads: usize) -> Progress {
        let end = self.next.saturating_add(n).min(self.end);
        let count = end.saturating_sub(self.next);
        // At most MAX_THREADS: spawning more fails (callers check; a library caller is clamped).
        let threads = threads.clamp(1, count.clamp(1, super::MAX_THREADS));
        if threads <= 1 {
            return self.run_batch(n);
        }
        let (base, accts, wf, seed, start) = (&self.base, &self.accounts, &self.waterfall, self.config.seed, self.next);
        // A work-stealing pool (issue 20): a thread that drew cheap paths takes over the rest of
        // another's instead of waiting at the batch's end. Results come back in path order.
        let run = || -> Vec<(usize, Result<PathRecord, String>)> {
            use rayon::prelude::*;
            (start..end).into_par_iter().map(|i| (i, run_path(base, accts, wf, seed, i))).collect()
        };
        let results = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => vec![pool.install(run)],
            Err(e) => vec![vec![(start, Err(format!("could not start {threads} threads: {e}")))]],
        };
        for chunk in results {
            for (i, r) in chunk {
                self.absorb(i, r);
            }
        }
        self.next = end.max(self.next);
        self.progress()
    }

    /// Statistics over the paths run so far.
    pub fn result(&self) -> MonteCarloResult {
        summarize(&self.config, &self.layers, &self.records, &self.failures, self.next - self.start)
    }
}

/// The statistics of a run from its per-path records (in path order) and failures (in path
/// order): what `MonteCarlo::result` reports and what `shard::merge` rebuilds from partials.
pub fn summarize(config: &MonteCarloConfig, layers: &[LayerInfo], records: &[PathRecord], failures: &[PathFailure], paths_run: usize) -> MonteCarloResult {
    let recs = records;
    let n = recs.len();
    let nd = Decimal::from(n as u64);
    let p = |c: usize| share(Decimal::from(c as u64), nd);
    let mean = |x: Decimal| if n == 0 { Decimal::ZERO } else { x.checked_div(nd).map(|v| v.round_dp(8)).unwrap_or_default() };
    let layers = layers
        .iter()
        .enumerate()
        .map(|(l, info)| {
            let touched = recs.iter().filter(|r| r.touched.get(l).copied().unwrap_or(false)).count();
            let exhausted = recs.iter().filter(|r| r.exhausted.get(l).copied().unwrap_or(false)).count();
            LayerStats {
                index: l,
                label: info.label.clone(),
                kind: info.kind.clone(),
                capacity: info.capacity,
                temporary: info.temporary,
                touched,
                exhausted,
                p_touched: p(touched),
                p_exhausted: p(exhausted),
                expected_draw: mean(recs.iter().filter_map(|r| r.drawn.get(l)).copied().sum()),
            }
        })
        .collect::<Vec<_>>();
    let mut party_names: Vec<String> = Vec::new();
    for r in recs {
        for (name, _) in &r.by_party {
            if !party_names.contains(name) {
                party_names.push(name.clone());
            }
        }
    }
    let by_party = party_names
        .iter()
        .map(|name| {
            let total: Decimal = recs.iter().flat_map(|r| r.by_party.iter()).filter(|x| &x.0 == name).map(|x| x.1).sum();
            let hit = recs.iter().filter(|r| r.by_party.iter().any(|x| &x.0 == name && x.1 > Decimal::ZERO)).count();
            PartyLoss { party: name.clone(), expected: mean(total), p_hit: p(hit) }
        })
        .collect();
    let residual = distribution(recs.iter().map(|r| r.unallocated).collect());
    let deficit = distribution(recs.iter().map(|r| r.deficit).collect());
    let with_loss: Vec<&PathRecord> = recs.iter().filter(|r| r.deficit > Decimal::ZERO).collect();
    let nl = Decimal::from(with_loss.len() as u64);
    let mean_l = |x: Decimal| if with_loss.is_empty() { Decimal::ZERO } else { x.checked_div(nl).map(|v| v.round_dp(8)).unwrap_or_default() };
    let total_deficit: Decimal = recs.iter().map(|r| r.deficit).sum();
    let weighted = |f: &dyn Fn(&PathRecord) -> Decimal| share(recs.iter().map(|r| f(r) * r.deficit).sum::<Decimal>(), total_deficit);
    let fairness = FairnessStats {
        share_non_defaulters: weighted(&|r| r.fairness.share_non_defaulters),
        share_profitable_traders: weighted(&|r| r.fairness.share_profitable_traders),
        share_unallocated: share(recs.iter().map(|r| r.unallocated).sum(), total_deficit),
        mean_accounts_touched: mean_l(Decimal::from(with_loss.iter().map(|r| r.fairness.accounts_touched as u64).sum::<u64>())),
        mean_largest_hit: mean_l(with_loss.iter().map(|r| r.fairness.largest_hit).sum()),
        mean_gini: mean_l(with_loss.iter().map(|r| r.fairness.gini).sum()),
        max_largest_hit: recs.iter().map(|r| r.fairness.largest_hit).max().unwrap_or_default(),
        p_default: p(recs.iter().filter(|r| r.fairness.defaults > 0).count()),
        p_cascade: p(recs.iter().filter(|r| r.fairness.cascade_defaults > 0).count()),
    };
    let worst_path = recs
        .iter()
        .max_by(|a, b| a.unallocated.cmp(&b.unallocated).then(a.deficit.cmp(&b.deficit)).then(b.index.cmp(&a.index)))
        .map(|r| PathRef { index: r.index, seed: r.seed, deficit: r.deficit, unallocated: r.unallocated });
    MonteCarloResult {
        seed: config.seed,
        paths_requested: config.paths,
        paths_run,
        paths_failed: failures.len(),
        first_error: failures.first().map(|f| f.error.clone()),
        layers,
        residual,
        deficit,
        by_party,
        fairness,
        worst_path,
    }
}

/// The scenario every path starts from and its book, validated and expanded once for every path
/// (and, in a sweep, for every strategy: the base does not read the waterfall).
#[derive(Clone, Debug)]
pub(crate) struct PathsBase {
    base: Scenario,
    accounts: Vec<BookAccount>,
}

impl PathsBase {
    /// The paths' scenario (cohorts pinned, GBM where the config asks) is another scenario than
    /// the one given (a correlation matrix may no longer fit): checked too.
    pub(crate) fn new(scenario: &Scenario, config: &MonteCarloConfig) -> StressResult<PathsBase> {
        let base = prepare(scenario, config);
        let accounts = prepared(&base)?.into_accounts();
        Ok(PathsBase { base, accounts })
    }
}

/// The scenario every path starts from: cohorts pinned, GBM for instruments without one (not
/// options: their marks come from their underlying and σ path, and a price path on an option is
/// refused, so a run of an options book failed on every path before options were skipped here).
fn prepare(s: &Scenario, c: &MonteCarloConfig) -> Scenario {
    let mut base = s.clone();
    pin_cohort_seeds(&mut base);
    let had_gbm: Vec<bool> = base.instruments.iter().map(|i| i.price.points.is_empty() && i.price.gbm.is_some()).collect();
    if c.volatility > Decimal::ZERO {
        for (ins, had) in base.instruments.iter_mut().zip(&had_gbm) {
            if !had && ins.option.is_none() {
                ins.price.points.clear();
                ins.price.gbm = Some(Gbm { drift: c.drift, volatility: c.volatility });
            }
        }
    }
    if !c.keep_shocks {
        for ins in base.instruments.iter_mut() {
            ins.price.shocks.clear();
        }
    }
    // The correlation matrix covers the instruments that had a GBM path; new ones are independent.
    let now: Vec<bool> = base.instruments.iter().map(|i| i.price.points.is_empty() && i.price.gbm.is_some()).collect();
    if !s.correlation.is_empty() && now != had_gbm {
        let old_pos: Vec<Option<usize>> = {
            let mut k = 0usize;
            had_gbm
                .iter()
                .map(|h| {
                    if *h {
                        k += 1;
                        Some(k - 1)
                    } else {
                        None
                    }
                })
                .collect()
        };
        let idx: Vec<Option<usize>> = now.iter().zip(&old_pos).filter(|(n, _)| **n).map(|(_, o)| *o).collect();
        base.correlation = idx
            .iter()
            .enumerate()
            .map(|(a, oa)| {
                idx.iter()
                    .enumerate()
                    .map(|(b, ob)| match (oa, ob) {
                        (Some(x), Some(y)) => s.correlation.get(*x).and_then(|r| r.get(*y)).copied().unwrap_or_default(),
                        _ if a == b => Decimal::ONE,
                        _ => Decimal::ZERO,
                    })
                    .collect()
            })
            .collect();
    }
    base
}

/// Mean, quantiles, expected shortfall and a 20-bin histogram of `v`.
pub fn distribution(mut v: Vec<Decimal>) -> Distribution {
    let n = v.len();
    if n == 0 {
        return Distribution::default();
    }
    v.sort();
    let nd = Decimal::from(n as u64);
    let total: Decimal = v.iter().copied().sum();
    let mean = total.checked_div(nd).map(|x| x.round_dp(8)).unwrap_or_default();
    let q = |p: Decimal| -> Decimal {
        let k = (p * nd).ceil().to_string().parse::<usize>().unwrap_or(n).clamp(1, n);
        v.get(k - 1).copied().unwrap_or_default()
    };
    let q99 = q(Decimal::new(99, 2));
    let q999 = q(Decimal::new(999, 3));
    let tail = n - (Decimal::new(99, 2) * nd).floor().to_string().parse::<usize>().unwrap_or(0).min(n);
    let tail = tail.max(1);
    let tail_sum: Decimal = v.iter().rev().take(tail).copied().sum();
    let es99 = tail_sum.checked_div(Decimal::from(tail as u64)).map(|x| x.round_dp(8)).unwrap_or_default();
    let min = v.first().copied().unwrap_or_default();
    let max = v.last().copied().unwrap_or_default();
    let positive = v.iter().filter(|x| **x > Decimal::ZERO).count();
    let bins = 20usize;
    let histogram = if max == min {
        vec![HistogramBin { lo: min, hi: max, count: n }]
    } else {
        let width = (max - min) / Decimal::from(bins as u64);
        let mut counts = vec![0usize; bins];
        for x in &v {
            let k = ((*x - min) / width).floor().to_string().parse::<usize>().unwrap_or(bins - 1).min(bins - 1);
            if let Some(c) = counts.get_mut(k) {
                *c += 1;
            }
        }
        counts
            .into_iter()
            .enumerate()
            .map(|(k, count)| HistogramBin {
                lo: (min + width * Decimal::from(k as u64)).round_dp(8),
                hi: if k + 1 == bins { max } else { (min + width * Decimal::from(k as u64 + 1)).round_dp(8) },
                count,
            })
            .collect()
    };
    Distribution { mean, q99, q999, es99, max, p_positive: share(Decimal::from(positive as u64), nd), histogram }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    /// Issue 19 (bug: the layer table lacked temporary capital). The `nasdaq-2018` preset
    /// commits €7m of junior capital and puts a temporary €19m into it at step 7: the stress
    /// lab's layer row carries both, 7,000,000 and 19,000,000; every other layer none.
    #[test]
    fn the_layer_table_shows_temporary_capital() {
        let s = crate::scenario::presets::by_id("nasdaq-2018").unwrap().scenario;
        let mut mc = MonteCarlo::new(&s, MonteCarloConfig { paths: 1, seed: 1, volatility: d("0.01"), ..Default::default() }).unwrap();
        mc.run_batch(1);
        let r = mc.result();
        let sig: Vec<&LayerStats> = r.layers.iter().filter(|l| !l.temporary.is_zero()).collect();
        assert_eq!(sig.len(), 1);
        assert_eq!((sig[0].kind.as_str(), sig[0].capacity, sig[0].temporary), ("SkinInTheGameJunior", Some(d("7000000")), d("19000000")));
    }

    #[test]
    fn distribution_figures() {
        // 1..=1000: q99 = 990, q99.9 = 999, ES99 = mean of the 10 largest = 995.5.
        let v: Vec<Decimal> = (1..=1000).map(Decimal::from).collect();
        let dist = distribution(v);
        assert_eq!(dist.mean, d("500.5"));
        assert_eq!(dist.q99, d("990"));
        assert_eq!(dist.q999, d("999"));
        assert_eq!(dist.es99, d("995.5"));
        assert_eq!(dist.max, d("1000"));
        assert_eq!(dist.histogram.len(), 20);
        assert_eq!(dist.histogram.iter().map(|b| b.count).sum::<usize>(), 1000);
        let z = distribution(vec![Decimal::ZERO; 10]);
        assert_eq!(z.p_positive, Decimal::ZERO);
        assert_eq!(z.histogram.len(), 1);
    }

    /// An options book runs under Monte Carlo: the random price paths go to the underlying only
    /// (an option's marks follow it), so no path fails, and the paths differ.
    #[test]
    fn an_options_book_runs_every_path() {
        let s = preset("deribit-options-day");
        let cfg = MonteCarloConfig { paths: 12, seed: 5, volatility: d("0.03"), ..Default::default() };
        let mut mc = MonteCarlo::new(&s, cfg).unwrap();
        mc.run_batch(usize::MAX);
        let r = mc.result();
        assert_eq!((r.paths_run, r.paths_failed, r.first_error.clone()), (12, 0, None));
        assert!(mc.records().iter().any(|x| x.deficit != mc.records()[0].deficit), "the paths differ");
    }

    #[test]
    fn reproducible_by_seed_and_independent_of_batching() {
        let s = preset("exhausts-waterfall");
        let cfg = MonteCarloConfig { paths: 24, seed: 5, volatility: d("0.03"), ..Default::default() };
        let mut a = MonteCarlo::new(&s, cfg.clone()).unwrap();
        a.run_batch(usize::MAX);
        let mut b = MonteCarlo::new(&s, cfg.clone()).unwrap();
        while !b.run_batch(5).finished {}
        let mut c = MonteCarlo::new(&s, cfg.clone()).unwrap();
        let pr = c.run_batch_parallel(100, 2);
        assert!(pr.finished && pr.done == 24);
        assert_eq!(a.records(), b.records());
        assert_eq!(a.records(), c.records());
        assert_eq!(a.result(), c.result());
        let mut other = MonteCarlo::new(&s, MonteCarloConfig { seed: 6, ..cfg }).unwrap();
        other.run_batch(usize::MAX);
        assert_ne!(a.records(), other.records());
    }

    #[test]
    fn partial_results_and_worst_path_replays() {
        let s = preset("exhausts-waterfall");
        let mut mc = MonteCarlo::new(&s, MonteCarloConfig { paths: 20, seed: 2, volatility: d("0.03"), ..Default::default() }).unwrap();
        let p = mc.run_batch(7);
        assert_eq!((p.done, p.total, p.finished), (7, 20, false));
        assert_eq!(mc.result().paths_run, 7);
        mc.run_batch(100);
        let r = mc.result();
        assert_eq!(r.paths_run, 20);
        assert_eq!(r.paths_failed, 0);
        // The preset's −40 % gap stays: every path defaults and leaves a residual.
        assert_eq!(r.fairness.p_default, Decimal::ONE);
        let w = r.worst_path.clone().unwrap();
        let t = crate::engine::simulate(&mc.path_scenario(w.index)).unwrap();
        assert_eq!(t.summary.unallocated, w.unallocated);
        assert_eq!(r.residual.max, w.unallocated);
        // Per-party expectations add up to the mean allocated loss.
        let allocated: Decimal = r.by_party.iter().map(|p| p.expected).sum();
        assert!((allocated + r.residual.mean - r.deficit.mean).abs() < d("0.0001"), "{allocated} {r:?}");
        // Layer 0 (margin) is touched on every path.
        assert_eq!(r.layers[0].p_touched, Decimal::ONE);
    }

    #[test]
    fn fairness_matches_engine_compare() {
        let s = preset("venue-insurance-adl");
        let specs = crate::engine::waterfall_presets();
        let rows = crate::engine::compare(&s, &specs).unwrap();
        for (spec, row) in specs.iter().zip(rows) {
            let Some(sum) = row.summary else { continue };
            let f = fairness(&sum);
            assert_eq!(f.share_non_defaulters, row.share_non_defaulters, "{}", spec.label);
            assert_eq!(f.share_profitable_traders, row.share_profitable_traders, "{}", spec.label);
            assert_eq!(f.share_unallocated, row.share_unallocated, "{}", spec.label);
        }
    }

    #[test]
    fn gbm_added_only_where_missing_and_correlation_extended() {
        use crate::scenario::{Instrument, PricePath};
        let mut s = preset("venue-insurance-adl");
        s.instruments.push(Instrument {
            id: "ETH".into(),
            price: PricePath { initial: d("3000"), gbm: Some(Gbm { drift: d("0"), volatility: d("0.01") }), ..Default::default() },
            ..Default::default()
        });
        s.instruments.push(Instrument {
            id: "SOL".into(),
            price: PricePath { initial: d("100"), gbm: Some(Gbm { drift: d("0"), volatility: d("0.02") }), ..Default::default() },
            ..Default::default()
        });
        s.correlation = vec![vec![d("1"), d("0.5")], vec![d("0.5"), d("1")]];
        let base = prepare(&s, &MonteCarloConfig::default());
        assert_eq!(base.correlation.len(), 3);
        assert_eq!(base.correlation[1][2], d("0.5"));
        assert_eq!(base.correlation[0][1], d("0"));
        assert_eq!(base.instruments[1].price.gbm.as_ref().unwrap().volatility, d("0.01"));
        assert!(base.instruments[0].price.points.is_empty());
        assert_eq!(base.instruments[0].price.shocks.len(), 1);
        assert!(MonteCarlo::new(&s, MonteCarloConfig { paths: 2, ..Default::default() }).is_ok());
    }

    /// The summary-only path gives what a full run gives, for every MC-relevant output.
    #[test]
    fn summary_paths_equal_full_runs() {
        let mut cases: Vec<Scenario> = ["venue-insurance-adl", "exhausts-waterfall", "reaches-default-fund"].iter().map(|id| preset(id)).collect();
        cases.push(crate::stress::bench_scenario(40, 120).unwrap());
        for s in &cases {
            for seed in [1u64, 7, 42] {
                let mc = MonteCarlo::new(s, MonteCarloConfig { paths: 3, seed, ..Default::default() }).unwrap();
                for i in 0..3 {
                    let ps = path_of(&mc.base, seed, i);
                    let lean = run_path(&mc.base, &mc.accounts, &mc.waterfall, seed, i);
                    let full_t = crate::engine::simulate_with_waterfall(&ps, &mc.waterfall);
                    let full = full_t.as_ref().map(|t| record(t, i, ps.seed)).map_err(|e| format!("path {i}: {e}"));
                    assert_eq!(lean, full, "{} seed {seed} path {i}", s.name);
                    if let Ok(ft) = full_t {
                        let lt = simulate_summary(&ps, crate::scenario::price_path::paths(&ps).unwrap(), &mc.waterfall, &mc.accounts).unwrap();
                        assert_eq!(lt.summary, ft.summary);
                        assert_eq!(lt.layers, ft.layers);
                        assert_eq!(lt.insurance_fund, ft.insurance_fund);
                        for step in [0, ft.steps / 2, ft.steps] {
                            assert_eq!(lt.layer_state(step), ft.layer_state(step));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bad_waterfall_is_an_input_error() {
        let s = preset("exhausts-waterfall");
        let cfg = MonteCarloConfig { waterfall: Some(vec![LayerSpec::LpVaultHaircut { account: "nobody".into() }]), ..Default::default() };
        assert!(matches!(MonteCarlo::new(&s, cfg), Err(StressError::Input(_))));
    }
}
