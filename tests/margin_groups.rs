#![cfg(not(target_arch = "wasm32"))]
//! A margin model per account group (issue 18): `accounts[].margin_model` (and
//! `cohorts[].margin_model`) in place of the venue's, so a venue margins its portfolio-margin
//! users by a scenario grid and everyone else per instrument (Deribit's PM accounts). The same
//! book held twice: the portfolio-margined account survives a move that liquidates its twin.

use rust_decimal::Decimal;
use spillway::engine::{self, Status};
use spillway::scenario::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const GRID: &str = r#"{"kind":"scenario_grid","price_range":"0.10","buckets":2,"extended":false,"roll_min_move":"0","mm_factor":"0.8","spreads":[{"a":"NORDIC","b":"GERMAN","credit":"0.8"}]}"#;

/// An exchange (liquidation below maintenance), per-instrument by default. `pm` and `std` each
/// hold long 1,000 NORDIC at 40 and short 800 GERMAN at 50 with 9,000 of cash; `pm` is margined
/// by the grid, `std` per instrument (10 % maintenance a leg). The market maker `mm` holds the
/// other side of both. NORDIC −2 % and GERMAN +2 % at step 3.
fn twins(pm_model: &str) -> Scenario {
    let json = format!(
        r#"{{"version":1,"name":"twins","steps":5,
        "venue":{{"style":"exchange","insurance_fund":"100000"}},
        "instruments":[
          {{"id":"NORDIC","tick_size":"0.01","lot_size":"1","margin":{{"initial":"0.12","maintenance":"0.10"}},
           "price":{{"initial":"40","points":[{{"step":2,"price":"40"}},{{"step":3,"price":"39.2"}}]}}}},
          {{"id":"GERMAN","tick_size":"0.01","lot_size":"1","margin":{{"initial":"0.12","maintenance":"0.10"}},
           "price":{{"initial":"50","points":[{{"step":2,"price":"50"}},{{"step":3,"price":"51"}}]}}}}],
        "accounts":[
          {{"id":"pm","cash":"9000","margin_model":{pm_model},
            "positions":[{{"instrument":"NORDIC","size":"1000"}},{{"instrument":"GERMAN","size":"-800"}}]}},
          {{"id":"std","cash":"9000",
            "positions":[{{"instrument":"NORDIC","size":"1000"}},{{"instrument":"GERMAN","size":"-800"}}]}},
          {{"id":"mm","cash":"1000000",
            "positions":[{{"instrument":"NORDIC","size":"-2000"}},{{"instrument":"GERMAN","size":"1600"}}]}}],
        "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"insurance_fund"}}]}}"#
    );
    let s = from_json(&json).expect("parses");
    validate(&s).expect("valid");
    s
}

/// By hand. Step 0: per instrument 10 % × (1,000 × 40 + 800 × 50) = 8,000 for `std`; the grid
/// for `pm`: each book's worst loss is its 10 % move against it, 4,000 + 4,000 = 8,000 gross, the
/// deltas +40,000 / −40,000 match, credit 0.8 × 8,000 = 6,400, risk 1,600, maintenance 0.8 ×
/// 1,600 = 1,280. Both have 9,000: safe.
/// Step 3: both lose 1,000 × 0.8 + 800 × 1 = 1,600: equity 7,400. `std` needs 10 % × (39,200 +
/// 40,800) = 8,000 > 7,400: liquidated. `pm`: books 1,000 × 39.2 × 0.1 = 3,920 and 800 × 51 ×
/// 0.1 = 4,080 (gross 8,000); deltas 39,200 and −40,800, m = 39,200; credit 0.8 × (3,920 ×
/// 39,200/39,200 + 4,080 × 39,200/40,800) = 0.8 × 7,840 = 6,272; risk 1,728; maintenance 0.8 ×
/// 1,728 = 1,382.4 ≤ 7,400: it survives.
#[test]
fn the_portfolio_margined_twin_survives_the_move_that_liquidates_the_other() {
    let t = engine::simulate(&twins(GRID)).unwrap();
    let (pm, std) = (0, 1);
    assert_eq!(t.account_at(pm, 0).maintenance, d("1280"));
    assert_eq!(t.account_at(pm, 0).initial, d("1600"));
    assert_eq!(t.account_at(std, 0).maintenance, d("8000"));
    assert_eq!(t.account_at(std, 0).initial, d("9600"));
    assert_eq!(t.account_at(pm, 3).equity, d("7400"));
    assert_eq!(t.account_at(pm, 3).maintenance, d("1382.4"));
    assert_eq!(t.account_at(pm, 5).status, Status::Healthy);
    assert_ne!(t.account_at(std, 3).status, Status::Healthy, "std is liquidated at step 3");
    assert!(t.events.iter().any(|e| e.account == Some(std) && e.step == 3 && e.kind == engine::timeline::EventKind::Liquidation), "{:?}", t.events);
    assert!(t.events.iter().all(|e| e.account != Some(pm)), "pm has no event");
    // The story names the grid for `pm` only; `std`'s rows have no portfolio line.
    let story = engine::explain::account_story(&t, pm).unwrap();
    let p = story.rows.iter().find(|r| r.step == 3).unwrap().portfolio.clone().unwrap();
    assert_eq!((p.model.as_str(), p.per_instrument, p.gross, p.credit), ("scenario-grid portfolio margin", d("8000"), d("8000"), d("6272")));
    assert!(engine::explain::account_story(&t, std).unwrap().rows.iter().all(|r| r.portfolio.is_none()));
    // Conserved to the last unit.
    let sm = &t.summary;
    assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
}

/// The same account under `per_instrument` (the venue's model said explicitly) is its twin:
/// liquidated at step 3 too, with the same figures as `std`.
#[test]
fn per_instrument_said_explicitly_is_the_venue_default() {
    let t = engine::simulate(&twins(r#"{"kind":"per_instrument"}"#)).unwrap();
    assert_eq!(t.account_at(0, 0).maintenance, d("8000"));
    assert!(t.events.iter().any(|e| e.account == Some(0) && e.step == 3 && e.kind == engine::timeline::EventKind::Liquidation));
    // The reverse: a portfolio venue with one account per instrument.
    let mut s = twins(r#"{"kind":"per_instrument"}"#);
    s.venue.margin_model = Some(serde_json::from_str::<MarginModelSpec>(GRID).unwrap());
    validate(&s).unwrap();
    let t = engine::simulate(&s).unwrap();
    assert_eq!(t.account_at(0, 0).maintenance, d("8000"), "pm's own per_instrument wins over the venue's grid");
    assert_eq!(t.account_at(1, 0).maintenance, d("1280"), "std follows the venue's grid");
}

/// The indexed scan and the reference loop agree with a model per group.
#[test]
fn scan_modes_agree_with_models_per_group() {
    let s = twins(GRID);
    let fast = engine::simulate_with_mode(&s, &s.waterfall, engine::ScanMode::Indexed).unwrap();
    let slow = engine::simulate_with_mode(&s, &s.waterfall, engine::ScanMode::Reference).unwrap();
    assert_eq!(fast.summary, slow.summary);
    assert_eq!(format!("{:?}", fast.events), format!("{:?}", slow.events));
}

/// Bad input names the field with its full path; the field survives a share link.
#[test]
fn each_bad_group_model_is_named_and_links_carry_it() {
    let bad = |model: &str| format!("{:?}", from_json(&twins_json(model)).and_then(|s| validate(&s).map(|_| ())).unwrap_err());
    for (model, path) in [
        (r#"{"kind":"scenario_grid","price_range":"0"}"#, "\"accounts[0].margin_model.price_range\""),
        (r#"{"kind":"span","price_scan":"0.6"}"#, "\"accounts[0].margin_model.price_scan\""),
        (r#"{"kind":"scenario_grid","spreads":[{"a":"NORDIC","b":"X","credit":"0.5"}]}"#, "\"accounts[0].margin_model.spreads[0].b\""),
    ] {
        assert!(bad(model).contains(path), "{model}: {}", bad(model));
    }
    // Strict: an unknown field or kind is refused, naming where.
    let err = from_json(&twins_json(r#"{"kind":"scenario_grid","price_rang":"0.1"}"#)).unwrap_err();
    assert!(format!("{err:?}").contains("accounts[0].margin_model"), "{err:?}");
    assert!(from_json(&twins_json(r#"{"kind":"portfolio"}"#)).is_err());
    // A share link carries it and opens to the same scenario.
    let s = twins(GRID);
    let link = codec::encode(&s, None);
    let back = codec::decode(&link).unwrap().scenario;
    assert_eq!(back.accounts[0].margin_model, s.accounts[0].margin_model);
    assert_eq!(back, s);
}

fn twins_json(model: &str) -> String {
    let s = twins(r#"{"kind":"per_instrument"}"#);
    let mut v = serde_json::to_value(&s).unwrap();
    v["accounts"][0]["margin_model"] = serde_json::from_str(model).unwrap();
    v.to_string()
}

/// A cohort's accounts take the cohort's model.
#[test]
fn a_cohort_takes_its_model() {
    let mut s = twins(r#"{"kind":"per_instrument"}"#);
    s.cohorts.push(Cohort { id: "c".into(), count: 3, instrument: "NORDIC".into(), margin_model: twins(GRID).accounts[0].margin_model.clone(), ..Default::default() });
    s.instruments[0].counterparty = Some("mm".into());
    validate(&s).unwrap();
    let t = engine::simulate(&s).unwrap();
    let n = t.accounts.len();
    for a in n - 3..n {
        let story = engine::explain::account_story(&t, a).unwrap();
        assert!(story.rows[0].portfolio.is_some(), "cohort account {a} is grid-margined");
    }
    // A bad cohort model is named by its path.
    let mut bad = s.clone();
    bad.cohorts[0].margin_model = Some(serde_json::from_str(r#"{"kind":"scenario_grid","buckets":0}"#).unwrap());
    let err = validate(&bad).unwrap_err();
    assert!(err.iter().any(|e| e.path == "cohorts[0].margin_model.buckets"), "{err:?}");
    // The listed `std` stays per instrument.
    assert!(engine::explain::account_story(&t, 1).unwrap().rows[0].portfolio.is_none());
}
