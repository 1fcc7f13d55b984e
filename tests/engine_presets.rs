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

