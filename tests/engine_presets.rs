#![cfg(not(target_arch = "wasm32"))]
//! Presets end to end: the figures each preset is built to show.

use rust_decimal::Decimal;
use spillway::engine::{self, EventKind, Status};
use spillway::scenario::presets;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn run(id: &str) -> engine::Timeline {
    let p = presets::by_id(id).unwrap();
    engine::simulate(&p.scenario).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn conserved(t: &engine::Timeline) {
    let s = &t.summary;
    assert_eq!(s.allocated + s.unallocated, s.deficit, "allocation invariant");
    assert_eq!(s.by_layer.iter().copied().sum::<Decimal>(), s.allocated);
    for (asset, sum) in t.ledger_sums() {
        assert!(sum.is_zero(), "ledger sum for {asset} is {sum}");
    }
}

#[test]
fn print_presets() {
    for id in presets::ids() {
        let t = run(id);
        println!("== {id}: {:?}", t.summary);
        for e in &t.events {
            println!("  [{}] {:?} {}", e.step, e.kind, e.text());
        }
        conserved(&t);
    }
}

#[test]
fn margin_covers() {
    let t = run("margin-covers");
    let s = &t.summary;
    assert!(s.deficit > Decimal::ZERO);
    assert_eq!(s.bad_debt, Decimal::ZERO);
    assert_eq!(s.by_layer[0], s.deficit);
    assert_eq!(s.accounts_touched, 0);
    assert!(t.events.iter().any(|e| e.kind == EventKind::MarginCall));
    assert_eq!(t.account_at(0, t.steps).status, Status::Defaulted);
}

#[test]
fn reaches_default_fund_reproduces_nasdaq_split() {
    let t = run("reaches-default-fund");
    let s = &t.summary;
    // Layers: margin, own contribution, SIG junior, survivors' fund, assessment.
    assert_eq!(s.by_layer[0], d("56000000"));
    assert_eq!(s.by_layer[2], d("7000000"));
    assert_eq!(s.by_layer[3], d("107000000"));
    assert_eq!(s.bad_debt, d("114000000"));
    assert_eq!(s.unallocated, Decimal::ZERO);
    let share = (s.by_layer[3] / d("166000000")).round_dp(2);
    assert_eq!(share, d("0.64"));
}

#[test]
fn exhausts_waterfall_leaves_residual_and_cascades() {
    let t = run("exhausts-waterfall");
    let s = &t.summary;
    assert!(s.unallocated > Decimal::ZERO);
    assert_eq!(s.cascade_defaults, 1);
    assert!(t.layer_state(t.steps).iter().skip(1).take(4).all(|l| l.exhausted));
}

#[test]
fn venue_insurance_then_adl() {
    let t = run("venue-insurance-adl");
    let s = &t.summary;
    assert!(s.bad_debt > Decimal::ZERO);
    assert!(s.by_layer[1] > Decimal::ZERO, "insurance fund paid");
    assert!(s.by_layer[2] > Decimal::ZERO, "ADL paid");
    assert!(t.events.iter().any(|e| e.kind == EventKind::Deleveraged));
    assert!(t.insurance_fund[10] > d("20000"), "penalties filled the fund before the gap");
}


/// Issue 19, `mark-vs-last-price`, by hand. Long 10 at 100 on $100 (maintenance 5 %). Step 2:
/// the last price wicks to 80, the mark is 96: equity 100 + 10 × (96 − 100) = 60 ≥ 5 % × 960 =
/// 48, no liquidation. Step 4: mark 94, equity 40 < 47: liquidated, filled at the last price 88
/// (no fee, no impact): realized 10 × (88 − 100) = −120; margin 100, insurance fund 20 (1,000 →
/// 980). At the mark the same close would have left 40.
#[test]
fn mark_vs_last_price_liquidates_on_the_mark_and_fills_at_the_last_price() {
    let t = run("mark-vs-last-price");
    assert!(t.events_at(2).iter().all(|e| e.kind != EventKind::Liquidation), "no liquidation on the wick");
    assert_eq!(t.status_at(0, 3), Status::Healthy);
    assert_eq!(t.account_at(0, 2).equity, d("60"));
    let liq: Vec<String> = t.events_at(4).iter().filter(|e| e.kind == EventKind::Liquidation).map(|e| e.text()).collect();
    assert_eq!(liq.len(), 1);
    assert!(liq[0].contains("liquidated at 88 (mark 94"), "{}", liq[0]);
    assert_eq!(t.summary.deficit, d("120"));
    assert_eq!(t.summary.by_layer, vec![d("100"), d("20")]);
    assert_eq!(t.summary.unallocated, Decimal::ZERO);
    conserved(&t);
}

/// Issue 19, `declared-default-im-haircut`, by hand. Prices flat; Delta (long 100 X, cash
/// 1,000, fund 200) is declared in default at step 2 and its book sold at 100 × 0.8 = 80: a
/// loss of 2,000. Margin 1,000 → 1,000 left; own fund 200 → 800; survivors' fund 300 + 200 =
/// 500 (whole) → 300; the initial-margin haircut (cap 0.5 of posted IM): Bank B posted 1,000
/// (10 % × 100 × 100), m1 and m2 100 each (10 % × 10 × 100): caps 500, 50, 50 (600); 300 pro
/// rata: 250, 25, 25. Nothing unallocated.
#[test]
fn declared_default_reaches_the_initial_margin_haircut() {
    let t = run("declared-default-im-haircut");
    assert!(t.events_at(1).iter().all(|e| e.kind != EventKind::Default));
    assert!(t.events_at(2).iter().any(|e| e.text().starts_with("The clearing house declares Delta Trading in default")));
    assert_eq!(t.summary.deficit, d("2000"));
    assert_eq!(t.summary.by_layer, vec![d("1000"), d("200"), d("500"), d("300")]);
    assert_eq!(t.summary.unallocated, Decimal::ZERO);
    assert_eq!((t.loss_at(1, 4), t.loss_at(2, 4), t.loss_at(3, 4)), (d("250"), d("300") + d("25"), d("200") + d("25")));
    let cut = t.events_at(2).iter().find(|e| e.kind == EventKind::Haircut).map(|e| e.text()).unwrap_or_default();
    assert_eq!(cut, "Initial-margin haircut: €300.00 cut from the initial margin 3 surviving accounts posted (€1.2k in all), 25% of it.");
    conserved(&t);
}
