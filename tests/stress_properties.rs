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
use spillway::scenario::*;
use spillway::stress::{application_order, merge, MonteCarlo, MonteCarloConfig, MonteCarloPartial, Shard};

fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

fn layer_strategy() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        Just(LayerSpec::DefaulterMargin),
        Just(LayerSpec::DefaulterFundContribution),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(a) }),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Senior, amount: Decimal::from(a) }),
        Just(LayerSpec::InsuranceFund),
        Just(LayerSpec::SurvivorsFund),
        (0i64..30, 1u32..3).prop_map(|(c, m)| LayerSpec::Assessment { cap_multiple: dec(c, 1), max_calls: m }),
        (1u32..4).prop_map(|m| LayerSpec::VariationMarginHaircut { max_steps: m }),
        Just(LayerSpec::SocializedLoss),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::LpVaultHaircut { account: "vault".into() }),
        Just(LayerSpec::TearUp),
    ]
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec((-50i64..50, 10i64..3_000, 0i64..1_000, 0i64..2_000), 2..6),
        prop::collection::vec(layer_strategy(), 0..6),
        any::<bool>(),
        -50i64..10,
        0i64..1_000,
        0u64..1000,
    )
        .prop_map(|(accs, layers, ccp, shock, insurance, seed)| {
            let mut s = Scenario { seed, steps: 12, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(insurance);
            s.venue.auction_discount = dec(3, 2);
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: dec(1, 2),
                counterparty: Some("vault".into()),
                price: PricePath { initial: Decimal::from(100), shocks: vec![Shock { step: 4, change: dec(shock, 2) }], ..Default::default() },
                ..Default::default()
            });
            for (i, (size, cash, contribution, reserves)) in accs.into_iter().enumerate() {
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    cash: Decimal::from(cash),
                    fund_contribution: Decimal::from(contribution),
                    reserves: Decimal::from(reserves),
                    positions: vec![PositionSpec { instrument: "X".into(), size: Decimal::from(if size == 0 { 1 } else { size }), ..Default::default() }],
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
            s.waterfall = layers;
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn exhaustion_is_monotone_along_the_waterfall(s in scenario_strategy(), vol in 1i64..8, seed in 0u64..1000) {
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
        s in scenario_strategy(),
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
