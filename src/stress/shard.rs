//! Shards that merge exactly (issue 20): a Monte Carlo split over processes, machines or
//! browser workers gives the result one run of all its paths gives, to the byte.
//!
//! Why it can: path `i` runs the scenario with the seed `path_seed(seed, i)` and nothing else
//! random, so a path's record depends only on (scenario, config, i), never on which shard or
//! thread ran it. A shard `K/M` runs the paths `⌊N·K/M⌋ .. ⌊N·(K+1)/M⌋` (shards are numbered
//! from 0, as Slurm array tasks and Kubernetes indexed Jobs number theirs) and keeps every
//! path's record, not only its statistics: quantiles and expected shortfall need the losses of
//! every path, so merging is concatenating the records in path order and summarizing them with
//! the same function one run uses (`monte_carlo::summarize`).
//!
//! A partial names what it was run from (format, version, the digest of the scenario as the
//! paths run it, the whole config, its shard); `merge` refuses partials that disagree, a shard
//! given twice or missing, and a partial whose records do not cover its range exactly.

use super::monte_carlo::{summarize, MonteCarlo, MonteCarloConfig, MonteCarloResult, PathFailure, PathRecord};
use super::{StressError, StressResult};
use crate::engine::LayerInfo;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// The `format` every partial carries.
pub const PARTIAL_FORMAT: &str = "spillway-stress-partial";
/// The partial layout this build writes and reads; a change of layout bumps it.
pub const PARTIAL_VERSION: u32 = 1;
/// Most shards one run is split into (more than paths only adds empty shards).
pub const MAX_SHARDS: usize = super::MAX_PATHS;

/// Shard `index` of `count` (0-based: `0/4` .. `3/4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The whole run as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Read `K/M` (`--shard 2/8`).
    pub fn parse(text: &str) -> StressResult<Shard> {
        let bad = || StressError::Input(format!("--shard: `{text}` is not K/M (shard K of M, numbered from 0, e.g. 0/4 .. 3/4)"));
        let (k, m) = text.split_once('/').ok_or_else(bad)?;
        let shard = Shard { index: k.trim().parse().map_err(|_| bad())?, count: m.trim().parse().map_err(|_| bad())? };
        shard.check()?;
        Ok(shard)
    }

    pub fn check(&self) -> StressResult<()> {
        if self.count == 0 || self.count > MAX_SHARDS {
            return Err(StressError::Input(format!("shard {self}: the count must be between 1 and {MAX_SHARDS}")));
        }
        if self.index >= self.count {
            return Err(StressError::Input(format!("shard {self}: shards of {} are numbered 0 to {}", self.count, self.count - 1)));
        }
        Ok(())
    }

    /// The path indices of this shard of `paths`: `⌊paths·K/M⌋ .. ⌊paths·(K+1)/M⌋` (the shards
    /// tile `0..paths` in order, sizes differing by at most one).
    pub fn range(&self, paths: usize) -> StressResult<Range<usize>> {
        self.check()?;
        // u128: paths · count fits (both ≤ 10^6 by their caps, but callers may not have checked).
        let at = |k: usize| ((paths as u128 * k as u128) / self.count as u128) as usize;
        Ok(at(self.index)..at(self.index + 1))
    }
}

/// A shard's result: everything `merge` needs, as versioned JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloPartial {
    /// Always [`PARTIAL_FORMAT`].
    pub format: String,
    /// [`PARTIAL_VERSION`] of the build that wrote it.
    pub version: u32,
    /// The scenario's name (the merged output names it, as a single run's does).
    pub scenario: String,
    /// [`digest`] of the scenario the paths start from (cohorts pinned, GBM added as configured).
    pub scenario_digest: String,
    pub config: MonteCarloConfig,
    pub shard: Shard,
    /// The path indices this shard ran: `from .. to`.
    pub from: usize,
    pub to: usize,
    pub layers: Vec<LayerInfo>,
    /// Every path that ran, in index order.
    pub records: Vec<PathRecord>,
    /// Every path that failed, in index order.
    pub failures: Vec<PathFailure>,
}

/// FNV-1a (64 bit) of the scenario's JSON: tells partials of different scenarios apart (a
/// check against mixing up files, not against forgery).
pub fn digest(s: &crate::scenario::Scenario) -> String {
    let text = crate::scenario::json_text(s, false);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

impl MonteCarloPartial {
    /// The partial of a shard run (`MonteCarlo::shard`); refuses a run that is not that shard's.
    pub fn of(mc: &MonteCarlo, shard: Shard) -> StressResult<Self> {
        let range = shard.range(mc.config().paths)?;
        if mc.range() != range {
            return Err(StressError::Input(format!("shard {shard}: the run covers paths {:?}, the shard {range:?}", mc.range())));
        }
        if !mc.progress().finished {
            return Err(StressError::Input(format!("shard {shard}: {} of its {} paths ran", mc.progress().done, range.len())));
        }
        Ok(MonteCarloPartial {
            format: PARTIAL_FORMAT.into(),
            version: PARTIAL_VERSION,
            scenario: mc.base().name.clone(),
            scenario_digest: digest(mc.base()),
            config: mc.config().clone(),
            shard,
            from: range.start,
            to: range.end,
            layers: mc.layers().to_vec(),
            records: mc.records().to_vec(),
            failures: mc.failures().to_vec(),
        })
    }

    /// Read a partial, checking its format and version before its fields (a later version's
    /// layout would otherwise fail with a less useful message).
    pub fn from_json(text: &str) -> StressResult<Self> {
        match Partial::from_json(text)? {
            Partial::MonteCarlo(p) => Ok(p),
            Partial::Sweep(_) => Err(StressError::Input(format!("format: a sweep's partial, not a Monte Carlo's (\"{PARTIAL_FORMAT}\")"))),
            Partial::Reverse(_) => Err(StressError::Input(format!("format: a reverse stress search's partial, not a Monte Carlo's (\"{PARTIAL_FORMAT}\")"))),
        }
    }

    pub fn to_json(&self) -> StressResult<String> {
        serde_json::to_string(self).map_err(|e| StressError::Engine(format!("cannot encode the partial: {e}")))
    }
}

/// The merged result: the scenario's name and the Monte Carlo result one run gives.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Merged {
    pub scenario: String,
    pub monte_carlo: MonteCarloResult,
}

/// Combine the partials of every shard (`(label, partial)`, the label naming it in errors, e.g.
/// its file) into the result one run of all paths gives. Any order; every shard exactly once.
pub fn merge(parts: &[(String, MonteCarloPartial)]) -> StressResult<Merged> {
    let err = |m: String| Err(StressError::Input(m));
    let Some((first_label, first)) = parts.first() else { return err("merge: no partials given".into()) };
    let count = first.shard.count;
    let paths = first.config.paths;
    for (label, p) in parts {
        if p.format != PARTIAL_FORMAT || p.version != PARTIAL_VERSION {
            return err(format!("{label}: format {} version {}; this spillway merges {PARTIAL_FORMAT} version {PARTIAL_VERSION}", p.format, p.version));
        }
        let differs = |what: &str, a: &dyn fmt::Display, b: &dyn fmt::Display| {
            Err(StressError::Input(format!("{label} (shard {}): {what} {a}, but {first_label} (shard {}): {what} {b}", p.shard, first.shard)))
        };
        if p.scenario_digest != first.scenario_digest {
            return differs("scenario digest", &p.scenario_digest, &first.scenario_digest);
        }
        if p.config.seed != first.config.seed {
            return differs("seed", &p.config.seed, &first.config.seed);
        }
        if p.config.paths != paths {
            return differs("paths", &p.config.paths, &paths);
        }
        if p.shard.count != count {
            return differs("shard count", &p.shard.count, &count);
        }
        if p.config != first.config {
            return err(format!("{label} (shard {}): run with other Monte Carlo settings than {first_label} (volatility, drift, shocks or waterfall)", p.shard));
        }
        if p.layers != first.layers {
            return err(format!("{label} (shard {}): other waterfall layers than {first_label}", p.shard));
        }
        let range = p.shard.range(paths).map_err(|e| StressError::Input(format!("{label}: {e}")))?;
        if (p.from, p.to) != (range.start, range.end) {
            return err(format!("{label}: shard {} of {paths} paths is paths {}..{}, the partial says {}..{}", p.shard, range.start, range.end, p.from, p.to));
        }
        check_covers(label, p, range)?;
    }
    let order = shard_order(parts.iter().map(|(l, p)| (l.as_str(), p.shard)))?;
    let mut records = Vec::with_capacity(paths);
    let mut failures = Vec::new();
    for p in order.iter().filter_map(|&i| parts.get(i)).map(|x| &x.1) {
        records.extend(p.records.iter().cloned());
        failures.extend(p.failures.iter().cloned());
    }
    Ok(Merged { scenario: first.scenario.clone(), monte_carlo: summarize(&first.config, &first.layers, &records, &failures, paths) })
}

/// The partials' indices in shard order, when they are every shard of one count exactly once
/// (`(label, shard)` per partial; errors name the shard and the labels).
fn shard_order<'a>(parts: impl Iterator<Item = (&'a str, Shard)>) -> StressResult<Vec<usize>> {
    let err = |m: String| Err(StressError::Input(m));
    let mut slots: Vec<Option<(usize, &str)>> = Vec::new();
    let mut count = None;
    for (i, (label, shard)) in parts.enumerate() {
        shard.check().map_err(|e| StressError::Input(format!("{label}: {e}")))?;
        match count {
            None => {
                count = Some(shard.count);
                slots = vec![None; shard.count];
            }
            Some(c) if c != shard.count => return err(format!("{label}: shard {shard}, but other partials are shards of {c}")),
            _ => {}
        }
        match slots.get_mut(shard.index) {
            Some(Some((_, other))) => return err(format!("shard {shard} is given twice: {other} and {label}")),
            Some(slot) => *slot = Some((i, label)),
            None => return err(format!("{label}: shard {shard} out of range")),
        }
    }
    let count = count.unwrap_or(0);
    let missing: Vec<String> = slots.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{k}/{count}")).collect();
    if !missing.is_empty() {
        let shown = if missing.len() > 10 { format!("{} and {} more", missing[..10].join(", "), missing.len() - 10) } else { missing.join(", ") }; // ok: len > 10
        let (noun, verb) = if missing.len() == 1 { ("shard", "is") } else { ("shards", "are") };
        return err(format!("{noun} {shown} {verb} missing (merge needs all {count})"));
    }
    Ok(slots.into_iter().flatten().map(|(i, _)| i).collect())
}

/// The `format` of a sweep's partial.
pub const SWEEP_PARTIAL_FORMAT: &str = "spillway-stress-sweep-partial";

/// One strategy of a sweep shard: its Monte Carlo shard, or why it cannot run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyPartial {
    pub label: String,
    pub error: Option<String>,
    pub partial: Option<MonteCarloPartial>,
}

/// A strategy sweep's shard: the same paths (`shard`'s range) under every strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPartial {
    /// Always [`SWEEP_PARTIAL_FORMAT`].
    pub format: String,
    pub version: u32,
    pub scenario: String,
    pub paths: usize,
    pub seed: u64,
    pub shard: Shard,
    pub strategies: Vec<StrategyPartial>,
}

impl SweepPartial {
    /// The partial of a sweep shard (`Sweep::shard`).
    pub fn of(sw: &super::Sweep, scenario: &str, shard: Shard) -> StressResult<Self> {
        let strategies = sw
            .outcomes()
            .map(|(label, mc)| match mc {
                Ok(mc) => Ok(StrategyPartial { label: label.into(), error: None, partial: Some(MonteCarloPartial::of(mc, shard)?) }),
                Err(e) => Ok(StrategyPartial { label: label.into(), error: Some(e.into()), partial: None }),
            })
            .collect::<StressResult<_>>()?;
        let r = sw.result();
        Ok(SweepPartial { format: SWEEP_PARTIAL_FORMAT.into(), version: PARTIAL_VERSION, scenario: scenario.into(), paths: r.paths, seed: r.seed, shard, strategies })
    }
}

/// The `format` of a reverse stress search's partial.
pub const REVERSE_PARTIAL_FORMAT: &str = "spillway-stress-reverse-partial";

/// A reverse stress search's shard: the thresholds of the layers `from .. to` (shard `K/M` of the
/// waterfall's layers, `⌊L·K/M⌋ .. ⌊L·(K+1)/M⌋`) and the shock sizes their searches ran.
///
/// Why by layer: each layer's search (doubling, then bisection) is sequential, each size chosen
/// from the last answer, so its grid points cannot be handed out before it runs; but the layers'
/// searches are independent (an evaluation depends only on its size), so a layer's threshold and
/// the sizes it visits are the same in any shard. The single run's `runs` is the number of
/// distinct sizes all layers visited: the union of the shards' `evaluated`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReversePartial {
    /// Always [`REVERSE_PARTIAL_FORMAT`].
    pub format: String,
    pub version: u32,
    pub scenario: String,
    /// [`digest`] of the scenario as given.
    pub scenario_digest: String,
    pub config: super::ReverseConfig,
    pub shard: Shard,
    /// The waterfall's layer count, and the layers this shard searched: `from .. to`.
    pub layer_count: usize,
    pub from: usize,
    pub to: usize,
    /// The search's result on this shard's layers (`runs`: this shard's engine runs).
    pub result: super::ReverseResult,
    /// The shock sizes (ticks) this shard's searches ran, ascending.
    pub evaluated: Vec<u64>,
}

impl ReversePartial {
    /// Run shard `shard` of the reverse stress search of `s` under `config`.
    pub fn run(s: &crate::scenario::Scenario, config: &super::ReverseConfig, shard: Shard) -> StressResult<Self> {
        let mut rs = super::ReverseStress::new(s, config)?;
        let range = shard.range(rs.layer_count())?;
        let layers = rs.search(range.clone())?;
        Ok(ReversePartial {
            format: REVERSE_PARTIAL_FORMAT.into(),
            version: PARTIAL_VERSION,
            scenario: s.name.clone(),
            scenario_digest: digest(s),
            config: config.clone(),
            shard,
            layer_count: rs.layer_count(),
            from: range.start,
            to: range.end,
            result: rs.result(layers),
            evaluated: rs.evaluated(),
        })
    }
}

/// Combine every shard's reverse partial into the result one search of all layers gives, byte
/// for byte: the layers in order, `runs` the number of distinct shock sizes run.
pub fn merge_reverse(parts: &[(String, ReversePartial)]) -> StressResult<(String, super::ReverseResult)> {
    let err = |m: String| Err(StressError::Input(m));
    let Some((first_label, first)) = parts.first() else { return err("merge: no partials given".into()) };
    let head = |r: &super::ReverseResult| super::ReverseResult { runs: 0, layers: Vec::new(), ..r.clone() };
    for (label, p) in parts {
        if p.format != REVERSE_PARTIAL_FORMAT || p.version != PARTIAL_VERSION {
            return err(format!("{label}: format {} version {}; this spillway merges {REVERSE_PARTIAL_FORMAT} version {PARTIAL_VERSION}", p.format, p.version));
        }
        if p.scenario_digest != first.scenario_digest {
            return err(format!("{label} (shard {}): scenario digest {}, but {first_label} (shard {}): {}", p.shard, p.scenario_digest, first.shard, first.scenario_digest));
        }
        if p.config != first.config || p.layer_count != first.layer_count || head(&p.result) != head(&first.result) {
            return err(format!("{label} (shard {}): another reverse stress search (settings or waterfall) than {first_label} (shard {})", p.shard, first.shard));
        }
        let range = p.shard.range(p.layer_count).map_err(|e| StressError::Input(format!("{label}: {e}")))?;
        let indices: Vec<usize> = p.result.layers.iter().map(|l| l.index).collect();
        if (p.from, p.to) != (range.start, range.end) || indices != range.clone().collect::<Vec<_>>() {
            return err(format!("{label}: shard {} of {} layers is layers {}..{}, the partial has {indices:?}", p.shard, p.layer_count, range.start, range.end));
        }
    }
    let order = shard_order(parts.iter().map(|(l, p)| (l.as_str(), p.shard)))?;
    let mut layers = Vec::with_capacity(first.layer_count);
    let mut sizes = std::collections::BTreeSet::new();
    for p in order.iter().filter_map(|&i| parts.get(i)).map(|x| &x.1) {
        layers.extend(p.result.layers.iter().cloned());
        sizes.extend(p.evaluated.iter().copied());
    }
    Ok((first.scenario.clone(), super::ReverseResult { runs: sizes.len(), layers, ..head(&first.result) }))
}

/// Either kind of partial, as read from a file (by its `format`).
#[derive(Clone, Debug, PartialEq)]
pub enum Partial {
    MonteCarlo(MonteCarloPartial),
    Sweep(SweepPartial),
    Reverse(ReversePartial),
}

impl Partial {
    /// Read a partial, checking its format and version before its fields (a later version's
    /// layout would otherwise fail with a less useful message).
    pub fn from_json(text: &str) -> StressResult<Self> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| StressError::Input(format!("not JSON: {e}")))?;
        let format = v.get("format").and_then(|f| f.as_str()).map(str::to_string);
        if !matches!(format.as_deref(), Some(PARTIAL_FORMAT | SWEEP_PARTIAL_FORMAT | REVERSE_PARTIAL_FORMAT)) {
            return Err(StressError::Input(format!(
                "format: not a stress partial (`format` must be \"{PARTIAL_FORMAT}\", \"{SWEEP_PARTIAL_FORMAT}\" or \"{REVERSE_PARTIAL_FORMAT}\")"
            )));
        }
        match v.get("version").and_then(|x| x.as_u64()) {
            Some(x) if x == u64::from(PARTIAL_VERSION) => {}
            other => {
                let got = other.map(|x| x.to_string()).unwrap_or_else(|| "none".into());
                return Err(StressError::Input(format!("version: {got}; this spillway reads partials of version {PARTIAL_VERSION}")));
            }
        }
        let bad = |e: serde_json::Error| StressError::Input(format!("bad partial: {e}"));
        Ok(match format.as_deref() {
            Some(PARTIAL_FORMAT) => Partial::MonteCarlo(serde_json::from_value(v).map_err(bad)?),
            Some(SWEEP_PARTIAL_FORMAT) => Partial::Sweep(serde_json::from_value(v).map_err(bad)?),
            _ => Partial::Reverse(serde_json::from_value(v).map_err(bad)?),
        })
    }
}

/// Combine every shard's sweep partial into the sweep one run gives: each strategy's Monte Carlo
/// merged as [`merge`] does, the strategies that cannot run as they are.
pub fn merge_sweep(parts: &[(String, SweepPartial)]) -> StressResult<(String, super::SweepResult)> {
    let err = |m: String| Err(StressError::Input(m));
    let Some((first_label, first)) = parts.first() else { return err("merge: no partials given".into()) };
    for (label, p) in parts {
        if p.format != SWEEP_PARTIAL_FORMAT || p.version != PARTIAL_VERSION {
            return err(format!("{label}: format {} version {}; this spillway merges {SWEEP_PARTIAL_FORMAT} version {PARTIAL_VERSION}", p.format, p.version));
        }
        let labels = |x: &SweepPartial| x.strategies.iter().map(|s| (s.label.clone(), s.error.clone())).collect::<Vec<_>>();
        if (p.paths, p.seed) != (first.paths, first.seed) || labels(p) != labels(first) {
            return err(format!("{label} (shard {}): another sweep (paths, seed or strategies) than {first_label} (shard {})", p.shard, first.shard));
        }
    }
    let order = shard_order(parts.iter().map(|(l, p)| (l.as_str(), p.shard)))?;
    let mut strategies = Vec::with_capacity(first.strategies.len());
    for (j, st) in first.strategies.iter().enumerate() {
        let result = match &st.error {
            Some(_) => None,
            None => {
                let mut mc = Vec::with_capacity(order.len());
                for &i in &order {
                    let (label, p) = parts.get(i).ok_or_else(|| StressError::Input("merge: lost a partial".into()))?;
                    match p.strategies.get(j).and_then(|s| s.partial.clone()) {
                        Some(x) => mc.push((label.clone(), x)),
                        None => return err(format!("{label} (shard {}): strategy `{}` has no partial", p.shard, st.label)),
                    }
                }
                Some(merge(&mc)?.monte_carlo)
            }
        };
        strategies.push(super::StrategyResult { label: st.label.clone(), error: st.error.clone(), result });
    }
    Ok((first.scenario.clone(), super::SweepResult { paths: first.paths, seed: first.seed, strategies }))
}

/// Records and failures of `p` are the paths of `range`, each once, in index order.
fn check_covers(label: &str, p: &MonteCarloPartial, range: Range<usize>) -> StressResult<()> {
    let (mut r, mut f) = (p.records.iter().peekable(), p.failures.iter().peekable());
    for i in range {
        let hit = match (r.peek(), f.peek()) {
            (Some(x), _) if x.index == i => r.next().is_some(),
            (_, Some(x)) if x.index == i => f.next().is_some(),
            _ => false,
        };
        if !hit {
            return Err(StressError::Input(format!("{label} (shard {}): no record of path {i}", p.shard)));
        }
    }
    if let Some(x) = r.next() {
        return Err(StressError::Input(format!("{label} (shard {}): record of path {} is out of place", p.shard, x.index)));
    }
    if let Some(x) = f.next() {
        return Err(StressError::Input(format!("{label} (shard {}): failure of path {} is out of place", p.shard, x.index)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn partials(s: &crate::scenario::Scenario, cfg: &MonteCarloConfig, m: usize) -> Vec<(String, MonteCarloPartial)> {
        (0..m)
            .map(|k| {
                let shard = Shard { index: k, count: m };
                let mut mc = MonteCarlo::shard(s, cfg.clone(), shard).unwrap();
                mc.run_batch(usize::MAX);
                (format!("part{k}.json"), MonteCarloPartial::of(&mc, shard).unwrap())
            })
            .collect()
    }

    fn message(r: StressResult<Merged>) -> String {
        match r {
            Err(StressError::Input(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shard_ranges_tile_the_paths() {
        for (n, m) in [(10, 3), (1, 4), (0, 2), (7, 7), (1_000_000, 999_983)] {
            let mut next = 0;
            for k in 0..m {
                let r = Shard { index: k, count: m }.range(n).unwrap();
                assert_eq!(r.start, next);
                assert!(r.len() <= n / m + 1);
                next = r.end;
            }
            assert_eq!(next, n);
        }
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { index: 2, count: 8 });
        for bad in ["8/8", "1/0", "x/2", "3", "-1/2"] {
            assert!(matches!(Shard::parse(bad), Err(StressError::Input(_))), "{bad}");
        }
    }

    #[test]
    fn merged_shards_equal_one_run_through_json() {
        let s = preset("exhausts-waterfall");
        let cfg = MonteCarloConfig { paths: 23, seed: 9, volatility: d("0.03"), ..Default::default() };
        let mut one = MonteCarlo::new(&s, cfg.clone()).unwrap();
        one.run_batch(usize::MAX);
        let mut parts = partials(&s, &cfg, 4);
        parts.reverse(); // any order
        // Through the JSON text a shard writes.
        let parts: Vec<_> = parts.into_iter().map(|(l, p)| (l, MonteCarloPartial::from_json(&p.to_json().unwrap()).unwrap())).collect();
        let merged = merge(&parts).unwrap();
        assert_eq!(merged.monte_carlo, one.result());
        assert_eq!(serde_json::to_string_pretty(&merged.monte_carlo).unwrap(), serde_json::to_string_pretty(&one.result()).unwrap());
        assert_eq!(merged.scenario, s.name);
    }

    #[test]
    fn bad_partials_are_refused_naming_the_shard() {
        let s = preset("exhausts-waterfall");
        let cfg = MonteCarloConfig { paths: 9, seed: 3, ..Default::default() };
        let parts = partials(&s, &cfg, 3);
        let m = message(merge(&parts[..2]));
        assert_eq!(m, "shard 2/3 is missing (merge needs all 3)");
        let twice = vec![parts[0].clone(), parts[1].clone(), parts[1].clone(), parts[2].clone()];
        assert_eq!(message(merge(&twice)), "shard 1/3 is given twice: part1.json and part1.json");
        let other_seed = partials(&s, &MonteCarloConfig { seed: 4, ..cfg.clone() }, 3);
        let m = message(merge(&[parts[0].clone(), other_seed[1].clone(), parts[2].clone()]));
        assert!(m.starts_with("part1.json (shard 1/3): seed 4, but part0.json (shard 0/3): seed 3"), "{m}");
        let other_n = partials(&s, &MonteCarloConfig { paths: 12, ..cfg.clone() }, 3);
        assert!(message(merge(&[parts[0].clone(), other_n[1].clone()])).contains("paths 12"));
        let mut other_scenario = s.clone();
        other_scenario.venue.insurance_fund += Decimal::ONE;
        let m = message(merge(&[parts[0].clone(), partials(&other_scenario, &cfg, 3)[1].clone()]));
        assert!(m.contains("scenario digest"), "{m}");
        // A partial missing a path's record, or of another version.
        let mut cut = parts.clone();
        cut[1].1.records.pop();
        assert!(message(merge(&cut)).starts_with("part1.json (shard 1/3): no record of path 5"));
        let mut text: serde_json::Value = serde_json::from_str(&parts[0].1.to_json().unwrap()).unwrap();
        text["version"] = 2.into();
        let e = MonteCarloPartial::from_json(&text.to_string()).unwrap_err();
        assert_eq!(e, StressError::Input("version: 2; this spillway reads partials of version 1".into()));
        assert!(message(merge(&[])).contains("no partials"));
    }

    /// A sweep's shards (every strategy on the same paths) merge into the sweep one run gives,
    /// strategies that cannot run included (Hyperliquid's names a vault this book lacks).
    #[test]
    fn sweep_shards_merge_into_the_single_sweep() {
        let s = preset("venue-insurance-adl");
        let cfg = MonteCarloConfig { paths: 7, seed: 3, volatility: d("0.01"), ..Default::default() };
        let mut one = crate::stress::Sweep::new(&s, cfg.clone(), Vec::new()).unwrap();
        one.run_batch(usize::MAX);
        let parts: Vec<(String, SweepPartial)> = (0..3)
            .rev()
            .map(|k| {
                let shard = Shard { index: k, count: 3 };
                let mut sw = crate::stress::Sweep::shard(&s, cfg.clone(), Vec::new(), shard).unwrap();
                while !sw.run_batch(2).finished {}
                let text = serde_json::to_string(&SweepPartial::of(&sw, &s.name, shard).unwrap()).unwrap();
                match Partial::from_json(&text).unwrap() {
                    Partial::Sweep(p) => (format!("sweep{k}.json"), p),
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        let (name, merged) = merge_sweep(&parts).unwrap();
        assert_eq!(name, s.name);
        assert!(merged.strategies.iter().any(|x| x.error.is_some()));
        assert_eq!(serde_json::to_string_pretty(&merged).unwrap(), serde_json::to_string_pretty(&one.result()).unwrap());
        assert_eq!(message_of(merge_sweep(&parts[1..])), "shard 2/3 is missing (merge needs all 3)");
        // A Monte Carlo partial is not a sweep's, and the other way round.
        let text = serde_json::to_string(&parts[0].1).unwrap();
        assert!(MonteCarloPartial::from_json(&text).unwrap_err().to_string().contains("a sweep's partial"));
    }

    fn message_of<T: std::fmt::Debug>(r: StressResult<T>) -> String {
        match r {
            Err(StressError::Input(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    use rust_decimal::Decimal;
}
