#![cfg(not(target_arch = "wasm32"))]
//! Stress lab properties over random small scenarios and random waterfalls.
//!
//! What holds, per path, along the waterfall in the order the engine applies it (the
//! defaulter's margin first wherever it is listed, then the other layers in list order:
//! `stress::application_order`). The engine walks the layers in that order, each reached only
//! when the one before it left part of the loss; flags as in `stress::layer_outcomes`:
//!   (a) for consecutive layers p, l: exhausted(l) ⇒ exhausted(p);
//!   (b) for consecutive layers p, l: touched(l) ⇒ exhausted(p);
//!   (c) for k before l where k is a skin-in-the-game layer with a positive amount, or the only
//!       insurance-fund layer with a positive opening balance: exhausted(l) ⇒ touched(k)
//!       (such a layer pays something whenever the loss reaches it, unless it already paid out).
//! Hence, over the paths: P(exhausted) never increases along the waterfall; a layer is never
//! touched more often than the one before it is exhausted; and no later layer is exhausted more
//! often than an earlier funded capacity layer is touched. Counts are compared, so the
//! statement is exact for any number of paths.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::stress::{application_order, merge, MonteCarlo, MonteCarloConfig, MonteCarloPartial, Shard};

#[path = "common/random_scenario.rs"]
mod random_scenario;
use random_scenario::{dec, scenario_strategy_of, Shape};

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn exhaustion_is_monotone_along_the_waterfall(s in scenario_strategy_of(Shape::stress()), vol in 1i64..8, seed in 0u64..1000) {
        let cfg = MonteCarloConfig { paths: 12, seed, volatility: dec(vol, 2), ..Default::default() };
        let mut mc = MonteCarlo::new(&s, cfg).map_err(|e| TestCaseError::fail(e.to_string()))?;
        mc.run_batch(usize::MAX);
        let r = mc.result();
        prop_assert_eq!(r.paths_failed, 0, "{:?}", r.first_error);
        let layers = mc.layers().to_vec();
        let n_ins = layers.iter().filter(|l| l.kind == "InsuranceFund").count();
        let funded = |k: usize| {
            let l = &layers[k];
            (l.kind.starts_with("SkinInTheGame") && l.capacity.unwrap_or_default() > Decimal::ZERO)
                || (l.kind == "InsuranceFund" && n_ins == 1 && s.venue.insurance_fund > Decimal::ZERO)
        };
        let order = application_order(&layers);
        // Per path: (a), (b), (c).
        for rec in mc.records() {
            for j in 1..order.len() {
                let (p, l) = (order[j - 1], order[j]);
                prop_assert!(!rec.exhausted[l] || rec.exhausted[p], "(a) path {} layers {} {}: {:?}", rec.index, p, l, rec.exhausted);
                prop_assert!(!rec.touched[l] || rec.exhausted[p], "(b) path {} layers {} {}: {:?} {:?}", rec.index, p, l, rec.touched, rec.exhausted);
                for &k in order[..j].iter().filter(|&&k| funded(k)) {
                    prop_assert!(!rec.exhausted[l] || rec.touched[k], "(c) path {} layers {} {}", rec.index, k, l);
                }
            }
        }
        // Over the paths.
        let st = &r.layers;
        for j in 1..order.len() {
            let (p, l) = (order[j - 1], order[j]);
            prop_assert!(st[l].exhausted <= st[p].exhausted);
            prop_assert!(st[l].p_exhausted <= st[p].p_exhausted);
            prop_assert!(st[l].touched <= st[p].exhausted);
            for &k in order[..j].iter().filter(|&&k| funded(k)) {
                prop_assert!(st[l].exhausted <= st[k].touched);
            }
        }
        // The residual is positive only when the last layer is exhausted.
        if let Some(last) = order.last().map(|&l| &st[l]) {
            prop_assert!(r.residual.p_positive <= last.p_exhausted);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Issue 20: any number of shards, run in any batch sizes, written as JSON and merged in
    /// any order, give the single run's result, byte for byte (quantiles and ES included).
    #[test]
    fn merged_shards_equal_one_run(
        s in scenario_strategy_of(Shape::stress()),
        paths in 0usize..30,
        m in 1usize..9,
        seed in any::<u64>(),
        batch in 1usize..8,
        rotate in 0usize..8,
        reverse in any::<bool>(),
    ) {
        let cfg = MonteCarloConfig { paths, seed, volatility: dec(3, 2), ..Default::default() };
        let mut one = MonteCarlo::new(&s, cfg.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        one.run_batch(usize::MAX);
        let mut parts = Vec::new();
        for k in 0..m {
            let shard = Shard { index: k, count: m };
            let mut mc = MonteCarlo::shard(&s, cfg.clone(), shard).map_err(|e| TestCaseError::fail(e.to_string()))?;
            while !mc.run_batch(batch).finished {}
            let text = MonteCarloPartial::of(&mc, shard).and_then(|p| p.to_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            parts.push((format!("part{k}"), MonteCarloPartial::from_json(&text).map_err(|e| TestCaseError::fail(e.to_string()))?));
        }
        parts.rotate_left(rotate % m);
        if reverse {
            parts.reverse();
        }
        let merged = merge(&parts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let text = |v: &spillway::stress::MonteCarloResult| serde_json::to_string_pretty(&serde_json::json!(v)).unwrap_or_default();
        prop_assert_eq!(text(&merged.monte_carlo), text(&one.result()));
        prop_assert_eq!(merged.monte_carlo, one.result());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Issue 20: a reverse stress search split by layer into any number of shards, written as
    /// JSON and merged in any order, gives the single search's result byte for byte (thresholds,
    /// moves and the engine runs counted once per shock size).
    #[test]
    fn merged_reverse_shards_equal_one_search(
        s in scenario_strategy_of(Shape::stress()),
        m in 1usize..7,
        rotate in 0usize..7,
        max_pct in 5i64..60,
    ) {
        use spillway::stress::{merge_reverse, reverse_stress, Partial, ReverseConfig, ReversePartial};
        let cfg = ReverseConfig { max_change: dec(max_pct, 2), ..Default::default() };
        let Ok(one) = reverse_stress(&s, &cfg) else { return Ok(()) }; // e.g. no positive price: nothing to split
        let mut parts = Vec::new();
        for k in 0..m {
            let p = ReversePartial::run(&s, &cfg, Shard { index: k, count: m }).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = serde_json::to_string(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
            match Partial::from_json(&text).map_err(|e| TestCaseError::fail(e.to_string()))? {
                Partial::Reverse(p) => parts.push((format!("part{k}"), p)),
                other => return Err(TestCaseError::fail(format!("read back as {other:?}"))),
            }
        }
        parts.rotate_left(rotate % m);
        let (name, merged) = merge_reverse(&parts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(name, s.name.clone());
        prop_assert_eq!(serde_json::to_string_pretty(&merged).unwrap_or_default(), serde_json::to_string_pretty(&one).unwrap_or_default());
        // A shard missing is named.
        if m > 1 {
            let e = merge_reverse(&parts[1..]).unwrap_err().to_string();
            prop_assert!(e.contains("is missing (merge needs all"), "{}", e);
        }
    }
}
