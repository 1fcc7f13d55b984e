#![cfg(not(target_arch = "wasm32"))]
//! A run taken in parts (issue 14: the page runs a heavy link in slices, and the crash step of a
//! 100k book must itself be split) gives the very timeline of one uninterrupted `simulate`:
//! `engine::Run::advance_until` may stop between steps, between a step's parts and between two
//! margin checks, wherever its `pause` says, and the outcome (events, ledger, summary, every
//! account at every step, or the same error) does not change. The setup too (`Run::begin`: the
//! book's expansion and checks, then its opening, a slice of accounts at a time).

use proptest::prelude::*;
use spillway::engine::{self, EngineResult, Run, Timeline};
use spillway::scenario::*;

#[path = "common/random_scenario.rs"]
mod random_scenario;
use random_scenario::{scenario_strategy_of, Shape};
#[path = "common/fingerprint.rs"]
mod fingerprint;
use fingerprint::fingerprint;

/// Runs `s` in parts: `pause` answers each question of the engine (true: stop this call). After
/// `calls_before_finish` calls (if given) the rest is left to `finish`. Returns the timeline and
/// the number of calls that stopped mid-step (or in the setup: before step 0 is done).
fn in_parts(s: &Scenario, mut pause: impl FnMut() -> bool, calls_before_finish: Option<u32>) -> EngineResult<(Timeline, u32)> {
    let mut run = Run::begin(s)?;
    let (mut calls, mut mid_step) = (0u32, 0u32);
    while !run.progress().is_done() && calls_before_finish.is_none_or(|n| calls < n) {
        let before = run.progress().done;
        let after = run.advance_until(&mut pause)?.done;
        calls += 1;
        if after == before {
            mid_step += 1;
        }
        assert!(calls <= 10_000_000, "advance_until makes no progress");
    }
    Ok((run.finish()?, mid_step))
}

fn assert_same(s: &Scenario, pause: impl FnMut() -> bool, calls_before_finish: Option<u32>) -> Result<u32, TestCaseError> {
    let whole = engine::simulate(s);
    let parts = in_parts(s, pause, calls_before_finish);
    match (whole, parts) {
        (Ok(w), Ok((p, mid))) => {
            let (a, b) = (fingerprint(&w), fingerprint(&p));
            prop_assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!(x, y);
            }
            Ok(mid)
        }
        (Err(w), Err(p)) => {
            prop_assert_eq!(w, p);
            Ok(0)
        }
        (w, p) => {
            prop_assert!(false, "whole {:?} vs in parts {:?}", w.err(), p.err());
            Ok(0)
        }
    }
}

/// Stops at the questions a small generator picks: about one in `every`.
fn pauses(seed: u64, every: u64) -> impl FnMut() -> bool {
    let mut x = seed | 1;
    move || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % every == 0
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn a_run_stopped_anywhere_equals_simulate(
        s in scenario_strategy_of(Shape::varied()),
        seed in any::<u64>(),
        every in 1u64..30,
        finish_after in prop::option::of(0u32..60),
    ) {
        assert_same(&s, pauses(seed, every), finish_after)?;
    }
}

/// The bench's cohort book (the heavy link's, smaller): GBM, a 15 % crash at step 100 that
/// liquidates much of the book, insurance fund then ADL. Stopped at every question, the crash
/// step is taken one account at a time, and the timeline is still `simulate`'s.
#[test]
fn the_crash_step_taken_one_check_at_a_time_equals_simulate() {
    let json = r#"{"version":1,"name":"bench","seed":7,"steps":200,
        "venue":{"insurance_fund":"100000","liquidation_fee":"0.005"},
        "instruments":[{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001","price_impact":"0.01","counterparty":"mm",
          "margin":{"initial":"0.05","maintenance":"0.025"},
          "price":{"initial":"50000","gbm":{"drift":"0","volatility":"0.004"},"shocks":[{"step":100,"change":"-0.15"}]}}],
        "accounts":[{"id":"mm","role":"market_maker","cash":"100000000000"}],
        "cohorts":[{"id":"longs","count":500,"instrument":"BTC-PERP","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"},
                   {"id":"shorts","count":500,"instrument":"BTC-PERP","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}],
        "waterfall":[{"kind":"insurance_fund"},{"kind":"auto_deleverage"}]}"#;
    let s = from_json(json).expect("bench scenario");
    let crash = engine::simulate(&s).expect("runs");
    let liquidated_at_crash = crash.events_at(100).iter().filter(|e| e.account.is_some()).count();
    assert!(liquidated_at_crash > 200, "the crash step acts on much of the book: {liquidated_at_crash} events");
    let mid = assert_same(&s, || true, None).expect("same timeline");
    assert!(mid > 200, "the crash step was split: {mid} calls stopped mid-step");
    // The setup in slices: 1,001 accounts expanded, then opened, a few hundred at a time.
    let mut run = Run::begin(&s).expect("begins");
    let mut setup_calls = 0;
    while run.setup_progress() != engine::SetupProgress::Ready {
        assert_eq!(run.advance_until(&mut || true).expect("sets up").done, 0, "the setup is before step 0");
        setup_calls += 1;
        assert!(setup_calls < 100, "the setup makes no progress");
    }
    assert!(setup_calls >= 4, "the setup was split: {setup_calls} calls");
    // Stopped at every question, before `finish`, in the setup: still `simulate`'s timeline.
    assert_same(&s, || true, Some(3)).expect("same timeline");
    // A few stops, then `finish` from the middle of a step.
    assert_same(&s, pauses(11, 7), Some(300)).expect("same timeline");
}
