#![cfg(not(target_arch = "wasm32"))]
//! Property tests over random small scenarios and random waterfalls: conservation to the last
//! unit, a balanced ledger, determinism, no layer beyond its capacity, no panic.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine;
use spillway::scenario::*;

fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

fn layer_strategy() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
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

#[derive(Debug, Clone)]
struct Acc {
    size: i64,
    cash: i64,
    contribution: i64,
    reserves: i64,
    isolated: bool,
}

fn account_strategy() -> impl Strategy<Value = Acc> {
    (-50i64..50, 10i64..3_000, 0i64..1_000, 0i64..2_000, any::<bool>()).prop_map(|(size, cash, contribution, reserves, isolated)| Acc {
        size: if size == 0 { 1 } else { size },
        cash,
        contribution,
        reserves,
        isolated,
    })
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(account_strategy(), 1..7),
        prop::collection::vec(layer_strategy(), 0..6),
        any::<bool>(),
        any::<bool>(),
        -60i64..40,
        1u32..20,
        0i64..20,
        any::<bool>(),
        0u64..1000,
    )
        .prop_map(|(accs, layers, ccp, partial, shock, shock_step, impact, gbm, seed)| {
            let mut s = Scenario { seed, steps: 20, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(500);
            s.venue.partial_liquidation = partial;
            s.venue.auction_discount = dec(3, 2);
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: dec(1, 2),
                price_impact: Decimal::from(impact),
                counterparty: Some("vault".into()),
                funding_rate: if gbm { dec(1, 4) } else { Decimal::ZERO },
                price: PricePath {
                    initial: Decimal::from(100),
                    shocks: vec![Shock { step: shock_step, change: dec(shock, 2) }],
                    gbm: if gbm { Some(Gbm { drift: Decimal::ZERO, volatility: dec(3, 2) }) } else { None },
                    ..Default::default()
                },
                ..Default::default()
            });
            for (i, a) in accs.iter().enumerate() {
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    margin_mode: if a.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    cash: Decimal::from(a.cash),
                    fund_contribution: Decimal::from(a.contribution),
                    reserves: Decimal::from(a.reserves),
                    positions: vec![PositionSpec { instrument: "X".into(), size: Decimal::from(a.size), ..Default::default() }],
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
            s.waterfall = layers;
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn conservation_and_determinism(s in scenario_strategy()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let t = engine::simulate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sm = &t.summary;
        prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
        prop_assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated);
        for (asset, v) in t.ledger_sums() {
            prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
        }
        // No layer beyond its capacity.
        for (info, drawn) in t.layers.iter().zip(&sm.by_layer) {
            if let Some(cap) = info.capacity {
                if info.kind.starts_with("SkinInTheGame") || info.kind == "SurvivorsFund" {
                    prop_assert!(*drawn <= cap, "{} drew {} > {}", info.label, drawn, cap);
                }
            }
        }
        // Every bankrupt or defaulted account ends with no debt: layers plus write-down cover it.
        for i in 0..t.accounts.len() {
            let v = t.account_at(i, t.steps);
            if v.status == engine::Status::Bankrupt {
                prop_assert!(v.equity >= Decimal::ZERO, "{} left with {}", t.accounts[i].id, v.equity);
            }
        }
        // Layer states are cumulative and end at the summary.
        let last = t.layer_state(t.steps);
        for (st, drawn) in last.iter().zip(&sm.by_layer) {
            prop_assert_eq!(st.drawn, *drawn);
        }
        prop_assert_eq!(t.unallocated_at(t.steps), sm.unallocated);
        // Determinism.
        let t2 = engine::simulate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&t).ok(), serde_json::to_string(&t2).ok());
    }

    #[test]
    fn invalid_json_never_panics(text in ".{0,200}") {
        let _ = from_json(&text);
    }

    #[test]
    fn mutated_scenario_never_panics(s in scenario_strategy(), steps in 0u32..3, size in -2i64..2) {
        let mut s = s;
        s.steps = steps;
        if let Some(a) = s.accounts.first_mut() {
            if let Some(p) = a.positions.first_mut() { p.size = Decimal::from(size); }
        }
        match validate(&s) {
            Ok(()) => { let _ = engine::simulate(&s); }
            Err(errs) => prop_assert!(!errs.is_empty()),
        }
    }
}
