#![cfg(not(target_arch = "wasm32"))]
//! The indexed margin scan (issue 8) against the straightforward per-account loop: on random
//! scenarios (cross and isolated margin, several linear and inverse instruments, tiers, funding,
//! collateral that follows a mark, cohorts, shocks, GBM, exchange and CCP styles, every waterfall
//! layer including ADL) both give the same timeline: events, ledger, summary, layer states, and
//! every account view at every step, compared as text so even decimal scales must match.

use proptest::prelude::*;
use spillway::engine::{self, ScanMode};
use spillway::scenario::*;

#[path = "common/random_scenario.rs"]
mod random_scenario;
use random_scenario::{scenario_strategy_of, Shape};
#[path = "common/fingerprint.rs"]
mod fingerprint;
use fingerprint::fingerprint;

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn indexed_scan_equals_reference(s in scenario_strategy_of(Shape::varied())) {
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
