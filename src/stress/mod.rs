//! Stress lab (issue 7): Cover-1/Cover-2, Monte Carlo, reverse stress, strategy sweep.
//!
//! Pure Rust over the public engine API (`engine::simulate_with_waterfall`, `Timeline`), so the
//! same code runs in the CLI (with threads) and in the browser worker (in batches, with progress
//! and cancel). Every result type is `serde::Serialize`.
//!
//! Shared notions, used by every analysis:
//! - a layer is **touched** on a run when it paid something (`summary.by_layer[l] > 0`);
//! - a layer is **exhausted** on a run when a loss went past it or its capacity was used up
//!   (the engine's `LayerState::exhausted` at the last step). The engine never flags the
//!   defaulter's-margin layer; here it counts as exhausted when there was bad debt (a loss beyond
//!   the defaulters' margin). Wherever a `defaulter_margin` is listed, the engine applies it
//!   first, so "along the waterfall" means in application order: the defaulter's margin, then
//!   the other layers in list order ([`application_order`]).

pub mod cover;
pub mod job;
pub mod monte_carlo;
pub mod result_file;
pub mod reverse;
pub mod shard;
pub mod sweep;
pub mod vol_fan;

pub use cover::{cover, CoverFigure, CoverInput, CoverResult, GenerateShocks, GroupLoss, InstrumentMove, InstrumentShock, ScenarioLosses, StressScenario};
pub use monte_carlo::{
    distribution, fairness, Distribution, FairnessStats, HistogramBin, LayerStats, MonteCarlo, MonteCarloConfig, MonteCarloResult, PartyLoss, PathFairness,
    PathFailure, PathRecord, PathRef, Progress,
};
pub use result_file::ResultDocument;
pub use shard::{merge, merge_reverse, merge_sweep, Merged, MonteCarloPartial, Partial, ReversePartial, Shard, SweepPartial};
pub use reverse::{reverse_stress, LayerThreshold, ReverseConfig, ReverseResult, ReverseStress, ThresholdStatus};
pub use sweep::{StrategyResult, Sweep, SweepResult};


use crate::engine::{LayerInfo, Timeline};
use crate::scenario::{LayerSpec, Scenario};
use serde::Serialize;
use std::fmt;

/// What can go wrong before an analysis runs (bad input) or while the engine runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum StressError {
    /// The scenario or the analysis input is unusable (message says where).
    Input(String),
    /// The engine failed on a run the analysis needs.
    Engine(String),
}

impl fmt::Display for StressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StressError::Input(m) => write!(f, "invalid input: {m}"),
            StressError::Engine(m) => write!(f, "engine error: {m}"),
        }
    }
}

impl std::error::Error for StressError {}

pub type StressResult<T> = Result<T, StressError>;

/// Most paths one analysis runs: a Monte Carlo, or a sweep over all its strategies together. Each
/// path is a full engine run that keeps a record of a few hundred bytes, so a million paths of
/// the 100-account bench book is ~45 minutes on one core and a few hundred MB of records; more is
/// a batch job, not an analysis (issue 14: `--paths 18446744073709551615` aborted on allocation).
pub const MAX_PATHS: usize = 1_000_000;

/// Most threads a native run starts (`spillway stress --threads`): far above any machine's
/// useful parallelism; more only fails to spawn (issue 14: `--threads 1000000` aborted).
pub const MAX_THREADS: usize = 256;

/// Most waterfalls one sweep compares (the ready-made set is about ten).
pub const MAX_STRATEGIES: usize = 64;

/// Most user stress scenarios one Cover analysis evaluates (each is a pass over the book).
pub const MAX_STRESS_SCENARIOS: usize = 1_000;

/// `paths` (what `what` asks for) within 1..=[`MAX_PATHS`].
pub fn check_paths(what: &str, paths: usize) -> StressResult<()> {
    if paths > MAX_PATHS {
        return Err(StressError::Input(format!("{what}: {paths} paths is more than the {MAX_PATHS} one analysis may run")));
    }
    Ok(())
}

/// `threads` within 1..=[`MAX_THREADS`].
pub fn check_threads(threads: usize) -> StressResult<()> {
    if threads == 0 || threads > MAX_THREADS {
        return Err(StressError::Input(format!("threads: {threads} is not between 1 and {MAX_THREADS}")));
    }
    Ok(())
}

impl StressInput {
    /// The size limits of every part, checked before anything runs (the CLI's `--input`, the
    /// worker's request); each analysis checks its own part again when it starts.
    pub fn check(&self) -> StressResult<()> {
        check_paths("monte_carlo.paths", self.monte_carlo.paths)?;
        if self.strategies.len() > MAX_STRATEGIES {
            return Err(StressError::Input(format!("strategies: {} is more than the {MAX_STRATEGIES} a sweep compares", self.strategies.len())));
        }
        if self.cover.scenarios.len() > MAX_STRESS_SCENARIOS {
            return Err(StressError::Input(format!(
                "cover.scenarios: {} is more than the {MAX_STRESS_SCENARIOS} one analysis evaluates",
                self.cover.scenarios.len()
            )));
        }
        Ok(())
    }
}

/// Touched / exhausted flags of one layer on one run (see the module notes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default)]
pub struct LayerOutcome {
    pub touched: bool,
    pub exhausted: bool,
}

/// The touched / exhausted flags of every layer of a finished run, in waterfall order.
pub fn layer_outcomes(t: &Timeline) -> Vec<LayerOutcome> {
    let states = t.layer_state(t.steps);
    let mut out: Vec<LayerOutcome> = Vec::with_capacity(t.layers.len());
    for (l, info) in t.layers.iter().enumerate() {
        let drawn = t.summary.by_layer.get(l).copied().unwrap_or_default();
        let exhausted = if info.kind == "DefaulterMargin" {
            t.summary.bad_debt > rust_decimal::Decimal::ZERO
        } else {
            // "A loss passed it, or its capacity was used up" (docs/stress.md).
            states.get(l).map(|s| s.exhausted).unwrap_or(false) || t.passed_on.get(l).copied().unwrap_or(false)
        };
        out.push(LayerOutcome { touched: drawn > rust_decimal::Decimal::ZERO, exhausted });
    }
    out
}

/// Layer indices in the order the engine applies them: the defaulter's margin first (wherever
/// it is listed), then the rest in list order.
pub fn application_order(layers: &[LayerInfo]) -> Vec<usize> {
    let mut order: Vec<usize> = layers.iter().enumerate().filter(|(_, l)| l.kind == "DefaulterMargin").map(|(i, _)| i).collect();
    order.extend(layers.iter().enumerate().filter(|(_, l)| l.kind != "DefaulterMargin").map(|(i, _)| i));
    order
}

/// The layers a run under `waterfall` will have, without running it: the engine's own list
/// (`engine::layer_list`).
pub fn layer_infos(s: &Scenario, waterfall: &[LayerSpec]) -> StressResult<Vec<LayerInfo>> {
    crate::engine::layer_list(s, waterfall).map(|l| l.into_iter().map(|(_, _, info)| info).collect()).map_err(|e| StressError::Input(e.to_string()))
}

/// Check a waterfall before running many paths with it (`scenario::check_waterfall`).
pub fn check_waterfall(s: &Scenario, waterfall: &[LayerSpec]) -> StressResult<()> {
    crate::scenario::check_waterfall(s, waterfall).map_err(input_errors)
}

/// Validate a scenario and expand its accounts (`scenario::prepare`), as a `StressError`.
pub fn prepared(s: &Scenario) -> StressResult<crate::scenario::Prepared<'_>> {
    crate::scenario::prepare(s).map_err(input_errors)
}

fn input_errors(errs: Vec<crate::scenario::ValidationError>) -> StressError {
    StressError::Input(errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
}

/// SplitMix64 finalizer: the seed of path `index` under the analysis seed `seed`. Independent of
/// how paths are batched or split across threads, so a run is reproducible by seed.
pub fn path_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fix every cohort's seed to the one it draws from now, so changing the scenario seed (for a
/// new price path) keeps the same accounts.
pub fn pin_cohort_seeds(s: &mut Scenario) {
    let seeds: Vec<u64> = s.cohorts.iter().enumerate().map(|(i, c)| crate::scenario::cohort::cohort_seed(s, i, c)).collect();
    for (c, seed) in s.cohorts.iter_mut().zip(seeds) {
        c.seed = Some(seed);
    }
}

/// A named waterfall as input (`engine::WaterfallSpec` without `Deserialize`).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyInput {
    pub label: String,
    pub layers: Vec<LayerSpec>,
}

impl From<StrategyInput> for crate::engine::WaterfallSpec {
    fn from(s: StrategyInput) -> Self {
        crate::engine::WaterfallSpec { label: s.label, layers: s.layers }
    }
}

/// Everything the analyses take besides the scenario, as one JSON object (CLI `--input`, or the
/// worker's request). Every part is optional.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StressInput {
    pub cover: CoverInput,
    pub monte_carlo: MonteCarloConfig,
    pub reverse: ReverseConfig,
    /// Waterfalls for the sweep; empty = the scenario's own and every ready-made one.
    pub strategies: Vec<StrategyInput>,
}

/// A 100-account, 250-step benchmark scenario (explicit market maker, 50 long and 49 short
/// leveraged accounts, GBM with a 15 % crash at step 125, insurance fund then ADL).
pub fn bench_scenario(accounts: u32, steps: u32) -> StressResult<Scenario> {
    let traders = accounts.saturating_sub(1).max(2);
    let json = format!(
        r#"{{"version":1,"name":"stress bench","seed":7,"steps":{steps},
        "venue":{{"insurance_fund":"20000","liquidation_fee":"0.005"}},
        "instruments":[{{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001","price_impact":"0.01","counterparty":"mm",
          "margin":{{"initial":"0.05","maintenance":"0.025"}},
          "price":{{"initial":"50000","gbm":{{"drift":"0","volatility":"0.004"}},"shocks":[{{"step":{},"change":"-0.15"}}]}}}}],
        "accounts":[{{"id":"mm","role":"market_maker","cash":"1000000000"}}],
        "cohorts":[{{"id":"longs","count":{},"instrument":"BTC-PERP","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"}},
                   {{"id":"shorts","count":{},"instrument":"BTC-PERP","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}}],
        "waterfall":[{{"kind":"insurance_fund"}},{{"kind":"auto_deleverage"}}]}}"#,
        steps / 2,
        traders - traders / 2,
        traders / 2
    );
    crate::scenario::from_json(&json).map_err(|e| StressError::Input(e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ")))
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::scenario::Scenario;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    pub fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    pub fn preset(id: &str) -> Scenario {
        crate::scenario::presets::by_id(id).unwrap().scenario
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;
    use rust_decimal::Decimal;

    /// Issue 14: a Monte Carlo of usize::MAX paths aborted on allocation; every analysis now
    /// refuses sizes over its cap before it runs anything.
    #[test]
    fn every_analysis_refuses_sizes_over_its_cap() {
        let s = preset("margin-covers");
        let input_err = |r: StressResult<()>| match r {
            Err(StressError::Input(m)) => m,
            other => panic!("{other:?}"),
        };
        for paths in [MAX_PATHS + 1, usize::MAX] {
            let cfg = MonteCarloConfig { paths, ..Default::default() };
            let m = input_err(MonteCarlo::new(&s, cfg.clone()).map(|_| ()));
            assert!(m.starts_with("paths: ") && m.contains("1000000"), "{m}");
            let m = input_err(Sweep::new(&s, cfg, Vec::new()).map(|_| ()));
            assert!(m.starts_with("sweep (paths × strategies)"), "{m}");
        }
        assert!(MonteCarlo::new(&s, MonteCarloConfig { paths: MAX_PATHS, ..Default::default() }).is_ok());
        // A sweep's cap is on all its strategies' paths together.
        let own = || crate::engine::WaterfallSpec { label: "own".into(), layers: s.waterfall.clone() };
        let half = MonteCarloConfig { paths: MAX_PATHS / 2 + 1, ..Default::default() };
        assert!(Sweep::new(&s, half.clone(), vec![own()]).is_ok());
        assert!(Sweep::new(&s, half, vec![own(), own()]).is_err());
        let m = input_err(Sweep::new(&s, MonteCarloConfig { paths: 1, ..Default::default() }, vec![own(); MAX_STRATEGIES + 1]).map(|_| ()));
        assert!(m.starts_with("strategies: 65"), "{m}");
        let many = CoverInput { scenarios: vec![StressScenario::default(); MAX_STRESS_SCENARIOS + 1], ..Default::default() };
        assert!(input_err(cover(&s, &many).map(|_| ())).starts_with("cover.scenarios: 1001"));
        assert!(check_threads(MAX_THREADS).is_ok() && check_threads(MAX_THREADS + 1).is_err() && check_threads(0).is_err());
        let mut input = StressInput::default();
        assert!(input.check().is_ok());
        input.strategies = vec![StrategyInput { label: "x".into(), layers: Vec::new() }; MAX_STRATEGIES + 1];
        assert!(input_err(input.check()).starts_with("strategies: "));
    }

    /// Issue 17: another waterfall than the scenario's own is checked by the one check
    /// (`scenario::check_waterfall`): a negative skin in the game ran before; a missing vault
    /// is named as before.
    #[test]
    fn a_sweeps_waterfall_is_checked_like_the_scenarios_own() {
        let s = preset("margin-covers");
        let with = |layers: Vec<LayerSpec>| MonteCarlo::new(&s, MonteCarloConfig { paths: 1, waterfall: Some(layers), ..Default::default() }).map(|_| ());
        let sig = LayerSpec::SkinInTheGame { tranche: crate::scenario::Tranche::Junior, amount: -Decimal::ONE };
        assert!(matches!(with(vec![sig]), Err(StressError::Input(m)) if m.starts_with("waterfall[0].amount")));
        let vault = LayerSpec::LpVaultHaircut { account: "nobody".into() };
        assert!(matches!(with(vec![vault]), Err(StressError::Input(m)) if m == "waterfall[0].account: no account `nobody`"));
    }

    #[test]
    fn path_seeds_differ_and_are_stable() {
        assert_eq!(path_seed(1, 0), path_seed(1, 0));
        assert_ne!(path_seed(1, 0), path_seed(1, 1));
        assert_ne!(path_seed(1, 0), path_seed(2, 0));
    }

    #[test]
    fn layer_infos_match_the_engine() {
        for id in ["reaches-default-fund", "exhausts-waterfall", "venue-insurance-adl"] {
            let s = preset(id);
            let t = crate::engine::simulate(&s).unwrap();
            assert_eq!(layer_infos(&s, &s.waterfall).unwrap(), t.layers, "{id}");
        }
    }

    #[test]
    fn outcomes_of_the_exhausting_preset() {
        let s = preset("exhausts-waterfall");
        let t = crate::engine::simulate(&s).unwrap();
        let o = layer_outcomes(&t);
        assert!(t.summary.unallocated > Decimal::ZERO);
        // Margin, fund contribution, SIG, survivors' fund: all used up.
        for l in 0..4 {
            assert!(o[l].touched && o[l].exhausted, "layer {l}: {o:?}");
        }
        let _ = d("1");
    }

    #[test]
    fn pinned_cohorts_keep_accounts_when_the_seed_changes() {
        let mut s = preset("venue-insurance-adl");
        s.cohorts[0].seed = None;
        pin_cohort_seeds(&mut s);
        let a = crate::scenario::expand_accounts(&s).unwrap();
        s.seed += 1;
        let b = crate::scenario::expand_accounts(&s).unwrap();
        assert_eq!(a, b);
    }
}
