#![cfg(not(target_arch = "wasm32"))]
//! The indexed margin scan (issue 8) against the straightforward per-account loop: on random
//! scenarios (cross and isolated margin, several linear and inverse instruments, tiers, funding,
//! collateral that follows a mark, cohorts, shocks, GBM, exchange and CCP styles, every waterfall
//! layer including ADL) both give the same timeline: events, ledger, summary, layer states, and
//! every account view at every step, compared as text so even decimal scales must match.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::{self, ScanMode, Timeline};
use spillway::scenario::*;

fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

/// Everything observable about a timeline, as text (Debug keeps decimal scales).
/// Big books are sampled (every account at a spread of steps, including every change step).
fn fingerprint(t: &Timeline) -> Vec<String> {
    let mut out = vec![serde_json::to_string(t).unwrap_or_default()];
    let stride = ((t.accounts.len() * (t.steps as usize + 1)) / 200_000).max(1) as u32;
    for step in 0..=t.steps {
        out.push(format!("{step} {:?} {} {}", t.layer_state(step), t.unallocated_at(step), t.insurance_at(step)));
        if step % stride != 0 && step != t.steps && t.events_at(step).is_empty() {
            continue;
        }
        for a in 0..t.accounts.len() {
            out.push(format!("{step} {a} {:?} {:?}", t.account_at(a, step), t.snapshot_at(a, step)));
        }
    }
    for a in 0..t.accounts.len() {
        out.push(format!("{a} {:?}", t.change_steps(a)));
    }
    out
}

fn assert_same(s: &Scenario) -> Result<(), TestCaseError> {
    let fast = engine::simulate_with_mode(s, &s.waterfall, ScanMode::Indexed);
    let slow = engine::simulate_with_mode(s, &s.waterfall, ScanMode::Reference);
    match (fast, slow) {
        (Ok(f), Ok(r)) => {
            let (a, b) = (fingerprint(&f), fingerprint(&r));
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!(x, y);
            }
        }
        (Err(f), Err(r)) => prop_assert_eq!(f, r),
        (f, r) => prop_assert!(false, "indexed {:?} vs reference {:?}", f.err(), r.err()),
    }
    Ok(())
}

fn layer_strategy() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        Just(LayerSpec::DefaulterFundContribution),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(a) }),
        Just(LayerSpec::InsuranceFund),
        Just(LayerSpec::SurvivorsFund),
        (0i64..30, 1u32..3).prop_map(|(c, m)| LayerSpec::Assessment { cap_multiple: dec(c, 1), max_calls: m }),
        (1u32..4).prop_map(|m| LayerSpec::VariationMarginHaircut { max_steps: m }),
        Just(LayerSpec::SocializedLoss),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::LpVaultHaircut { account: "vault".into() }),
        Just(LayerSpec::TearUp),
    ]
}

#[derive(Debug, Clone)]
struct Ins {
    inverse: bool,
    tiers: u8,
    funding: i64,
    gbm: bool,
    shock: i64,
    shock_step: u32,
    impact: i64,
}

fn instrument_strategy() -> impl Strategy<Value = Ins> {
    (any::<bool>(), 0u8..3, -3i64..4, any::<bool>(), -45i64..30, 0u32..25, 0i64..20).prop_map(
        |(inverse, tiers, funding, gbm, shock, shock_step, impact)| Ins { inverse, tiers, funding, gbm, shock, shock_step, impact },
    )
}

#[derive(Debug, Clone)]
struct Acc {
    sizes: Vec<i64>,
    cash: i64,
    coin: i64,
    contribution: i64,
    reserves: i64,
    isolated: bool,
}

fn account_strategy() -> impl Strategy<Value = Acc> {
    (prop::collection::vec(-40i64..40, 1..4), 10i64..4_000, 0i64..3, 0i64..800, 0i64..2_000, any::<bool>()).prop_map(
        |(sizes, cash, coin, contribution, reserves, isolated)| Acc { sizes, cash, coin, contribution, reserves, isolated },
    )
}

#[derive(Debug, Clone)]
struct Coh {
    inst: usize,
    long: bool,
    count: u32,
    lev_max: i64,
    isolated: bool,
}

fn cohort_strategy() -> impl Strategy<Value = Coh> {
    (0usize..3, any::<bool>(), 1u32..40, 2i64..40, any::<bool>()).prop_map(|(inst, long, count, lev_max, isolated)| Coh { inst, long, count, lev_max, isolated })
}

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(instrument_strategy(), 1..4),
        prop::collection::vec(account_strategy(), 0..7),
        prop::collection::vec(cohort_strategy(), 0..3),
        prop::collection::vec(layer_strategy(), 0..6),
        (0u8..3, any::<bool>(), 0u32..3, any::<bool>()),
        (0u64..1000, 5u32..40),
    )
        .prop_map(|(insts, accs, cohorts, layers, (style, partial, grace, coin_follows), (seed, steps))| {
            let mut s = Scenario { seed, steps, ..Default::default() };
            // 0: exchange; 1: CCP with variation margin; 2: CCP on unrealized PnL.
            s.venue.style = if style == 0 { VenueStyle::Exchange } else { VenueStyle::Ccp };
            s.venue.settlement = if style == 1 { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(500);
            s.venue.partial_liquidation = partial;
            s.venue.margin_call_grace = grace;
            s.venue.auction_discount = dec(3, 2);
            // Every ADL rule (issue 19), from the seed (the strategy's shape stays as it was).
            s.venue.adl = [AdlRule::Bitmex, AdlRule::Hyperliquid, AdlRule::Dydx, AdlRule::Drift][(seed % 4) as usize];
            s.assets.push(Asset {
                id: "COIN".into(),
                price: Decimal::from(100),
                follows: if coin_follows { Some("I0".into()) } else { None },
                haircut: dec(2, 1),
            });
            for (k, ins) in insts.iter().enumerate() {
                let margin = match ins.tiers {
                    0 => MarginSpec { initial: dec(1, 1), maintenance: dec(5, 2), tiers: Vec::new() },
                    // Computed tier amounts: continuous requirement.
                    1 => MarginSpec {
                        tiers: vec![
                            Tier { floor: Decimal::ZERO, initial: dec(5, 2), maintenance: dec(25, 3), maintenance_amount: None },
                            Tier { floor: Decimal::from(2_000), initial: dec(1, 1), maintenance: dec(5, 2), maintenance_amount: None },
                        ],
                        ..Default::default()
                    },
                    // An explicit amount that makes the requirement jump: never banded.
                    _ => MarginSpec {
                        tiers: vec![
                            Tier { floor: Decimal::ZERO, initial: dec(5, 2), maintenance: dec(25, 3), maintenance_amount: None },
                            Tier { floor: Decimal::from(1_500), initial: dec(1, 1), maintenance: dec(6, 2), maintenance_amount: Some(Decimal::from(5)) },
                        ],
                        ..Default::default()
                    },
                };
                s.instruments.push(Instrument {
                    id: format!("I{k}"),
                    kind: if ins.inverse { ContractKind::Inverse } else { ContractKind::Linear },
                    contract_size: if ins.inverse { Decimal::from(10) } else { Decimal::ONE },
                    lot_size: Decimal::ONE,
                    tick_size: dec(1, 2),
                    price_impact: Decimal::from(ins.impact),
                    counterparty: Some("mm".into()),
                    funding_rate: dec(ins.funding, 4),
                    margin,
                    price: PricePath {
                        initial: Decimal::from(100 + 50 * k as i64),
                        shocks: vec![Shock { step: ins.shock_step % (steps + 1), change: dec(ins.shock, 2) }],
                        gbm: if ins.gbm { Some(Gbm { drift: Decimal::ZERO, volatility: dec(3, 2) }) } else { None },
                        points: if ins.gbm { Vec::new() } else { vec![PricePoint { step: steps / 2, price: Decimal::from(90 + 50 * k as i64) }] },
                    },
                    ..Default::default()
                });
            }
            let n_inst = insts.len();
            for (i, a) in accs.iter().enumerate() {
                let mut positions = Vec::new();
                for (k, size) in a.sizes.iter().enumerate() {
                    if *size != 0 && k < n_inst {
                        positions.push(PositionSpec { instrument: format!("I{k}"), size: Decimal::from(*size), ..Default::default() });
                    }
                }
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    margin_mode: if a.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    cash: Decimal::from(a.cash),
                    collateral: if a.coin > 0 { vec![CollateralSpec { asset: "COIN".into(), amount: Decimal::from(a.coin) }] } else { Vec::new() },
                    fund_contribution: Decimal::from(a.contribution),
                    reserves: Decimal::from(a.reserves),
                    positions,
                    ..Default::default()
                });
            }
            for (c, h) in cohorts.iter().enumerate() {
                s.cohorts.push(Cohort {
                    id: format!("c{c}"),
                    count: h.count,
                    instrument: format!("I{}", h.inst % n_inst),
                    side: if h.long { Side::Long } else { Side::Short },
                    notional_median: Decimal::from(400),
                    notional_sigma: dec(5, 1),
                    leverage_min: Decimal::from(2),
                    leverage_max: Decimal::from(h.lev_max),
                    margin_mode: if h.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "mm".into(), role: Role::MarketMaker, cash: Decimal::from(1_000_000), ..Default::default() });
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
            s.waterfall = layers;
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn indexed_scan_equals_reference(s in scenario_strategy()) {
        assert_same(&s)?;
    }
}

/// The bench's cohort book (GBM with a crash, insurance fund then ADL), small enough for a test.
#[test]
fn bench_book_equals_reference() {
    let json = r#"{"version":1,"name":"bench","seed":7,"steps":300,
        "venue":{"insurance_fund":"100000","liquidation_fee":"0.005"},
        "instruments":[{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001","price_impact":"0.01","counterparty":"mm",
          "funding_rate":"0.0001","margin":{"initial":"0.05","maintenance":"0.025"},
          "price":{"initial":"50000","gbm":{"drift":"0","volatility":"0.004"},"shocks":[{"step":150,"change":"-0.15"}]}}],
        "accounts":[{"id":"mm","role":"market_maker","cash":"100000000000"}],
        "cohorts":[{"id":"longs","count":600,"instrument":"BTC-PERP","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"},
                   {"id":"shorts","count":600,"instrument":"BTC-PERP","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}],
        "waterfall":[{"kind":"insurance_fund"},{"kind":"auto_deleverage"}]}"#;
    let s = from_json(json).expect("bench scenario");
    assert_same(&s).expect("same timeline");
}

/// Every preset and example scenario.
#[test]
fn presets_and_examples_equal_reference() {
    for p in presets::all() {
        assert_same(&p.scenario).unwrap_or_else(|e| panic!("{}: {e}", p.id));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).expect("examples") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "json") {
            let s = from_json(&std::fs::read_to_string(&path).expect("read")).expect("scenario");
            assert_same(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
