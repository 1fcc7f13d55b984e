#![cfg(not(target_arch = "wasm32"))]
//! Options as instruments of a scenario (issue 18): worked runs with hand-computed figures
//! (premium paid, margin, expiry payoff, physical exercise), validation naming each field, and a
//! conservation property over random option books (premium style and futures style), with the
//! indexed margin scan checked against the per-account reference loop.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::{self, ScanMode};
use spillway::scenario::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// BTC-PERP 60,000 → 70,000 by step 30 (linear); a 65,000 call expiring at step 30, σ 60 %, one
/// day per step; a buyer with 10,000 and a seller with 20,000, one contract each.
fn call_book(premium: PremiumUnit, settlement: SettlementKind) -> Scenario {
    let json = r#"{
      "version": 1, "name": "one call", "steps": 30,
      "instruments": [
        {"id": "BTC-PERP", "tick_size": "0.5", "lot_size": "0.001",
         "price": {"initial": "60000", "points": [{"step": 30, "price": "70000"}]}},
        {"id": "C65", "tick_size": "0.5", "lot_size": "0.1",
         "expiry": {"step": 30, "settlement": "cash"},
         "option": {"on": "BTC-PERP", "kind": "call", "strike": "65000", "volatility": {"initial": "0.6"}}}
      ],
      "accounts": [
        {"id": "buyer", "cash": "10000", "positions": [{"instrument": "C65", "size": "1"}]},
        {"id": "seller", "cash": "20000", "positions": [{"instrument": "C65", "size": "-1"}]}
      ],
      "waterfall": [{"kind": "insurance_fund"}, {"kind": "socialized_loss"}]
    }"#;
    let mut s = from_json(json).expect("valid");
    let o = s.instruments[1].option.as_mut().unwrap();
    o.premium = premium;
    s.instruments[1].expiry.as_mut().unwrap().settlement = settlement;
    if premium == PremiumUnit::Coin {
        s.instruments[1].tick_size = d("0.0001");
    }
    s
}

fn cash(t: &engine::Timeline, a: usize, step: u32) -> Decimal {
    t.account_at(a, step).collateral
}

#[test]
fn premium_margin_and_cash_expiry_by_hand() {
    let t = engine::simulate(&call_book(PremiumUnit::Quote, SettlementKind::Cash)).unwrap();
    // Black-76 at F 60,000, K 65,000, 30 days, σ 0.6: 2,237.868155 (margin-models.md §1) → 2,238.0
    // on a 0.5 tick. The buyer pays it, the seller receives it.
    assert_eq!(t.mark(1, 0), d("2238"));
    assert_eq!(cash(&t, 0, 0), d("7762"));
    assert_eq!(cash(&t, 1, 0), d("22238"));
    // Equity is unchanged by the premium: 7,762 + 2,238 and 22,238 − 2,238.
    assert_eq!(t.account_at(0, 0).equity, d("10000"));
    assert_eq!(t.account_at(1, 0).equity, d("20000"));
    // Margin: the long none; the short 0.075 × 60,000 + 2,238 = 6,738 maintenance and
    // max(0.15 × 60,000 − 5,000, 0.10 × 60,000) + 2,238 = 8,238 initial.
    assert_eq!(t.account_at(0, 0).maintenance, Decimal::ZERO);
    assert_eq!(t.account_at(1, 0).maintenance, d("6738"));
    assert_eq!(t.account_at(1, 0).initial, d("8238"));
    // Expiry at 70,000: payoff 5,000, paid by the seller to the buyer.
    assert_eq!(t.mark(1, 30), d("5000"));
    assert_eq!(cash(&t, 0, 30), d("12762"));
    assert_eq!(cash(&t, 1, 30), d("17238"));
    assert!(t.account_at(0, 30).positions.is_empty());
    assert_eq!(t.summary.deficit, Decimal::ZERO);
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    let premium: Vec<_> = t.ledger.iter().filter(|e| e.memo.contains("option premium")).collect();
    assert_eq!(premium.len(), 2);
    assert!(premium.iter().all(|e| e.amount == d("2238") && e.step == 0));
}

#[test]
fn physical_exercise_opens_the_future_at_the_strike() {
    let t = engine::simulate(&call_book(PremiumUnit::Quote, SettlementKind::Physical)).unwrap();
    // At step 30 the buyer is long 1 BTC-PERP at 65,000 and the seller short 1 at 65,000;
    // marked at 70,000 each is worth ±5,000: equity as under cash settlement.
    let buyer = t.account_at(0, 30);
    assert_eq!(buyer.positions, vec![("BTC-PERP".to_string(), d("1"))]);
    assert_eq!(buyer.collateral, d("7762"));
    assert_eq!(buyer.equity, d("12762"));
    let seller = t.account_at(1, 30);
    assert_eq!(seller.positions, vec![("BTC-PERP".to_string(), d("-1"))]);
    assert_eq!(seller.equity, d("17238"));
    // The seller's short future now needs the perpetual's 5 % of 70,000 = 3,500.
    assert_eq!(seller.maintenance, d("3500"));
    let said: Vec<String> = t.events_at(30).iter().map(|e| serde_json::to_value(e).unwrap()["text"].as_str().unwrap_or_default().to_string()).collect();
    assert!(said.iter().any(|x| x == "buyer's 1 C65 exercised: 1 BTC-PERP opened at 65,000."), "{said:?}");
    assert!(said.iter().any(|x| x == "seller's −1 C65 exercised: −1 BTC-PERP opened at 65,000."), "{said:?}");
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
}

#[test]
fn coin_premium_marks_convert_at_the_underlying() {
    let t = engine::simulate(&call_book(PremiumUnit::Coin, SettlementKind::Cash)).unwrap();
    // 0.0372978026 BTC → 0.0373 on a 0.0001 tick; × 60,000 = 2,238 USD.
    assert_eq!(t.mark(1, 0), d("2238"));
    // At step 29 (F = 69,666.666…, rounded to the 0.5 tick: 69,666.5): the coin mark × F.
    let f29 = t.mark(0, 29);
    let m29 = t.mark(1, 29);
    assert_eq!(m29 / f29 * Decimal::from(10_000), (m29 / f29 * Decimal::from(10_000)).round());
    // Expiry: 5,000 / 70,000 = 0.0714285… → 0.0714 BTC × 70,000 = 4,998 USD.
    assert_eq!(t.mark(1, 30), d("4998"));
    assert_eq!(cash(&t, 0, 30), d("7762") + d("4998"));
}

#[test]
fn validation_names_each_option_field() {
    let mut s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    {
        let o = s.instruments[1].option.as_mut().unwrap();
        o.strike = Decimal::ZERO;
        o.days_per_step = Decimal::ZERO;
        o.volatility.initial = d("-0.1");
        o.volatility.gbm = Some(Gbm { drift: d("2"), volatility: d("1.5") });
    }
    s.instruments[1].funding_rate = d("0.001");
    let errs = validate(&s).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    for p in [
        "instruments[1].option.strike",
        "instruments[1].option.days_per_step",
        "instruments[1].option.volatility.initial",
        "instruments[1].option.volatility.gbm.volatility",
        "instruments[1].option.volatility.gbm.drift",
        "instruments[1].funding_rate",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    // An option on an option, an unknown underlying, no expiry.
    let mut s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    let mut o2 = s.instruments[1].clone();
    o2.id = "C65-on-C65".into();
    o2.option.as_mut().unwrap().on = "C65".into();
    s.instruments.push(o2);
    let mut o3 = s.instruments[1].clone();
    o3.id = "orphan".into();
    o3.option.as_mut().unwrap().on = "NOPE".into();
    o3.expiry = None;
    s.instruments.push(o3);
    let errs = validate(&s).unwrap_err();
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(text.iter().any(|e| e.starts_with("instruments[2].option.on") && e.contains("an option on an option")), "{text:?}");
    assert!(text.iter().any(|e| e.starts_with("instruments[3].option.on") && e.contains("no instrument `NOPE`")), "{text:?}");
    assert!(text.iter().any(|e| e.starts_with("instruments[3].expiry")), "{text:?}");
}

/// A GBM volatility path (σ of σ 10 % a step, no drift): seeded, on the 0.0001 grid, its own
/// stream (the underlying's marks are the same with or without it), a new seed a new path, its
/// log-changes' spread near 10 % a step (over 2,000 steps: 10 % ± 1 %), and ignored when the
/// path has points (as a price's GBM is). The run's option marks follow it.
#[test]
fn a_gbm_volatility_path_draws_its_own_stream() {
    let mut s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    s.steps = 2000;
    s.instruments[0].price.points[0].step = 2000;
    s.instruments[1].expiry.as_mut().unwrap().step = 2000;
    s.instruments[1].option.as_mut().unwrap().volatility.gbm = Some(Gbm { drift: Decimal::ZERO, volatility: d("0.1") });
    validate(&s).expect("a GBM σ path is valid");
    let v = option_path::vol_path(&s, 1).unwrap();
    assert_eq!(v.len(), 2001);
    assert_eq!(v[0], d("0.6"));
    assert!(v.iter().all(|x| *x >= Decimal::ZERO && (*x * d("10000")).fract().is_zero()), "on the 0.0001 grid");
    assert_eq!(v, option_path::vol_path(&s, 1).unwrap(), "seeded");
    let logs: Vec<f64> = v.windows(2).filter(|w| w[0] > d("0.01") && w[1] > d("0.01")).map(|w| (w[1].to_string().parse::<f64>().unwrap() / w[0].to_string().parse::<f64>().unwrap()).ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (logs.len() - 1) as f64).sqrt();
    assert!((0.09..0.11).contains(&sd), "σ of σ {sd}");
    let mut other = s.clone();
    other.seed ^= 1;
    assert_ne!(option_path::vol_path(&other, 1).unwrap(), v, "a new seed, a new path");
    let mut scripted = s.clone();
    scripted.instruments[1].option.as_mut().unwrap().volatility.gbm = None;
    assert_eq!(price_path::generate(&s).unwrap()[0], price_path::generate(&scripted).unwrap()[0], "the prices' draws are untouched");
    let mut with_points = s.clone();
    with_points.instruments[1].option.as_mut().unwrap().volatility.points = vec![PricePoint { step: 10, price: d("0.8") }];
    let p = option_path::vol_path(&with_points, 1).unwrap();
    assert_eq!((p[5], p[10], p[2000]), (d("0.7"), d("0.8"), d("0.8")), "points win over gbm");
    let t = engine::simulate(&s).unwrap();
    let flat = engine::simulate(&scripted).unwrap();
    assert_eq!(t.mark(1, 0), flat.mark(1, 0));
    assert!((1..50).any(|k| t.mark(1, k) != flat.mark(1, k)), "the marks follow the random σ");
}

/// A smile by moneyness (K/F → σ added to the path's): the 65,000 call at F 60,000 has
/// moneyness 65,000 / 60,000 = 1.08333…, a third of the way from 1.00 (+0) to 1.25 (+0.15), so
/// σ = 0.60 + 0.15 × (0.08333… / 0.25) = 0.60 + 0.05 = 0.65. Black-76 at F 60,000, K 65,000, 30
/// days, σ 0.65: d1 = [ln(60/65) + 0.65² × 30/365 / 2] / (0.65 √(30/365)) = −0.355497…,
/// C = 2,559.741828 (by hand with erf) → 2,559.5 on the 0.5 tick (without the smile, 2,238).
#[test]
fn a_smile_moves_sigma_by_moneyness_before_black76() {
    let mut s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    s.instruments[1].option.as_mut().unwrap().smile =
        vec![SmilePoint { moneyness: d("0.8"), add: d("0.1") }, SmilePoint { moneyness: d("1"), add: d("0") }, SmilePoint { moneyness: d("1.25"), add: d("0.15") }];
    validate(&s).expect("a sorted smile is valid");
    let p = price_path::paths(&s).unwrap();
    assert_eq!(p.vols[1][0], d("0.65"));
    let one = spillway::engine::options::black76::Black76 {
        kind: spillway::engine::options::black76::OptionKind::Call,
        forward: 60000.0,
        strike: 65000.0,
        years: 30.0 / 365.0,
        sigma: 0.65,
        rate: 0.0,
    };
    assert!((one.price().unwrap() - 2559.741828).abs() < 1e-6);
    assert_eq!(p.marks[1][0], d("2559.5"));
    let t = engine::simulate(&s).unwrap();
    assert_eq!(t.mark(1, 0), d("2559.5"));
    assert_eq!(cash(&t, 0, 0), d("7440.5"), "the buyer pays the smiled premium");
    // At expiry the payoff does not read σ: 70,000 − 65,000 either way.
    assert_eq!(t.mark(1, 30), d("5000"));
    // The path's σ itself is untouched (the stress lab's fan reads it).
    assert_eq!(option_path::vol_path(&s, 1).unwrap()[0], d("0.6"));
}

/// The smile is validated at the boundary, each error naming its field; it survives JSON and a
/// share link, and an option without one writes no `smile`.
#[test]
fn a_smile_is_validated_by_field_and_round_trips() {
    let mut s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    assert!(!to_json(&s).contains("smile"), "absent, not written");
    s.instruments[1].option.as_mut().unwrap().smile = vec![
        SmilePoint { moneyness: d("1.1"), add: d("0.05") },
        SmilePoint { moneyness: d("1.1"), add: d("0.00001") },
        SmilePoint { moneyness: d("0"), add: d("11") },
        SmilePoint { moneyness: d("1.23456"), add: d("0") },
    ];
    let text: Vec<String> = validate(&s).unwrap_err().iter().map(|e| e.to_string()).collect();
    let has = |field: &str, word: &str| text.iter().any(|e| e.starts_with(field) && e.contains(word));
    assert!(has("instruments[1].option.smile[1].moneyness", "increasing"), "{text:?}");
    assert!(has("instruments[1].option.smile[1].add", "decimal places"), "{text:?}");
    assert!(has("instruments[1].option.smile[2].moneyness", "above 0"), "{text:?}");
    assert!(has("instruments[1].option.smile[2].add", "between"), "{text:?}");
    assert!(has("instruments[1].option.smile[3].moneyness", "decimal places"), "{text:?}");
    s.instruments[1].option.as_mut().unwrap().smile = vec![SmilePoint { moneyness: d("1"), add: d("0") }; 33];
    let text: Vec<String> = validate(&s).unwrap_err().iter().map(|e| e.to_string()).collect();
    assert!(text.iter().any(|e| e.starts_with("instruments[1].option.smile:") && e.contains("at most 32")), "{text:?}");
    let unknown = to_json(&call_book(PremiumUnit::Quote, SettlementKind::Cash)).replace(r#""kind": "call""#, r#""kind": "call", "smile": [{"moneyness": "1", "vol": "0.1"}]"#);
    let e = format!("{:?}", from_json(&unknown).unwrap_err());
    assert!(e.contains("smile") && e.contains("vol"), "{e}");

    s.instruments[1].option.as_mut().unwrap().smile = vec![SmilePoint { moneyness: d("0.9"), add: d("0.08") }, SmilePoint { moneyness: d("1.2"), add: d("-0.02") }];
    validate(&s).expect("valid");
    let j = to_json(&s);
    assert!(j.contains(r#""smile""#) && j.contains(r#""moneyness": "0.9""#), "{j}");
    assert_eq!(from_json(&j).unwrap(), s);
    let link = codec::encode(&s, Some(4));
    let back = codec::decode(&link).unwrap();
    assert_eq!((back.scenario, back.step), (s, Some(4)));
}

#[test]
fn an_instrument_without_option_serializes_as_before() {
    let s = call_book(PremiumUnit::Quote, SettlementKind::Cash);
    let j = serde_json::to_value(&s).unwrap();
    assert!(j["instruments"][0].get("option").is_none());
    assert_eq!(j["instruments"][1]["option"]["kind"], "call");
    let back: Scenario = serde_json::from_value(j).unwrap();
    assert_eq!(back, s);
}

#[path = "common/option_book.rs"]
mod option_book;

/// The shared random option book (`tests/common/option_book.rs`), per-instrument margin.
fn option_book() -> impl Strategy<Value = Scenario> {
    option_book::option_book_of(option_book::OptionShape::standard_margin())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Conservation to the last unit with options (premium, margin, liquidation of option
    /// positions, expiry, exercise), a balanced ledger, and the indexed scan equal to the
    /// per-account reference loop.
    #[test]
    fn option_books_conserve_and_the_scan_matches_the_reference(s in option_book()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let fast = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Indexed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sm = &fast.summary;
        prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
        prop_assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated);
        for (asset, v) in fast.ledger_sums() {
            prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
        }
        let c = fast.conservation().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(c.ledger_balances);
        let slow = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Reference).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&fast).ok(), serde_json::to_string(&slow).ok());
        for step in 0..=fast.steps {
            for a in 0..fast.accounts.len() {
                prop_assert_eq!(format!("{:?}", fast.account_at(a, step)), format!("{:?}", slow.account_at(a, step)));
            }
        }
    }
}

/// The options-seller preset with hand-computed figures (Black-76 by hand, margin-models.md §1):
/// put 7,000 at F 8,000, 10 days, σ 0.6: 30.728 → 30.5; call 9,000: 48.613 → 48.5; after the
/// gap (F 5,600, 7 days, σ 1.5) put 1,493.562 → 1,493.5, call 5.633 → 5.5.
#[test]
fn options_seller_preset_by_hand() {
    let p = presets::by_id("options-seller").expect("preset");
    let t = engine::simulate(&p.scenario).unwrap();
    assert_eq!((t.mark(1, 0), t.mark(2, 0)), (d("30.5"), d("48.5")));
    assert_eq!((t.mark(1, 3), t.mark(2, 3)), (d("1493.5"), d("5.5")));
    // Premium received 100 × (30.5 + 48.5) = 7,900; maintenance 100 × (max(600, 2.2875) + 30.5)
    // + 100 × (600 + 48.5) = 127,900 ≤ equity 130,000.
    let seller = t.account_at(0, 0);
    assert_eq!(seller.collateral, d("137900"));
    assert_eq!(seller.maintenance, d("127900"));
    assert_eq!(seller.status, engine::Status::Healthy);
    // Close-out: the put bought back at 1,493.5 × (1 + 0.05 × 149,350 / 10^6) = 1,504.65 → 1,504.5,
    // the call at 5.5: 150,450 + 550 = 151,000 against 137,900: a deficit of 13,100.
    let sm = &t.summary;
    assert_eq!(sm.deficit, d("151000"));
    assert_eq!(sm.bad_debt, d("13100"));
    assert_eq!(sm.by_layer, vec![d("137900"), d("8000"), d("5100")]);
    assert_eq!(sm.unallocated, Decimal::ZERO);
    // Socialized pro rata to profit: the miner 60 × 1,463 = 87,780, the speculator
    // 40 × 1,463 − 100 × 43 = 54,220: 5,100 × 87,780 / 142,000 = 3,152.66197183…
    assert_eq!(t.account_at(1, 10).loss_to_waterfall.round_dp(6), d("3152.661972"));
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
}

/// The account story carries each option holder's greeks (engine figures; the UI formats them).
/// Step 0 of the one-call book: F 60,000, K 65,000, 30 days, σ 0.6 (margin-models.md §7 row 1):
/// delta 0.3522260125, gamma 3.597077737e-5, vega 6,386.044859, theta −23,309.06374 a year
/// (−63.86 a day). The seller's are the negatives.
#[test]
fn the_story_shows_the_greeks() {
    let t = engine::simulate(&call_book(PremiumUnit::Quote, SettlementKind::Cash)).unwrap();
    let buyer = engine::explain::account_story(&t, 0).unwrap();
    let g = buyer.rows[0].greeks.expect("greeks at step 0");
    assert_eq!(g.delta, d("0.352226"));
    assert_eq!(g.gamma, d("0.0000359708"));
    assert_eq!(g.vega, d("6386.0449"));
    assert_eq!(g.theta_per_day, d("-63.8604"));
    let seller = engine::explain::account_story(&t, 1).unwrap();
    assert_eq!(seller.rows[0].greeks.unwrap().delta, d("-0.352226"));
    // At expiry the option is gone: no greeks.
    assert!(buyer.rows.last().unwrap().greeks.is_none());
    // The preset's miner, long 60 puts 7,000: before the gap (F 8,000, 10 days, σ 0.6,
    // d1 = 1.39421) delta = −60 × N(−d1) = −4.897614; after it (F 5,600, 7 days, σ 1.5,
    // d1 = −0.97035) −50.043831 (by hand with erf).
    let p = presets::by_id("options-seller").unwrap();
    let t = engine::simulate(&p.scenario).unwrap();
    let st = engine::explain::account_story(&t, 1).unwrap();
    assert_eq!(st.rows[0].greeks.unwrap().delta, d("-4.897614"));
    assert_eq!(st.rows[3].greeks.unwrap().delta, d("-50.043831"));
    // The seller was closed out at step 3: no option left, no greeks.
    assert!(engine::explain::account_story(&t, 0).unwrap().rows[3].greeks.is_none());
}

/// A premium-style option position is carried at entry 0: the story shows no entry for it.
#[test]
fn the_story_shows_no_entry_for_a_premium_style_option() {
    let t = engine::simulate(&call_book(PremiumUnit::Quote, SettlementKind::Cash)).unwrap();
    let st = engine::explain::account_story(&t, 0).unwrap();
    assert_eq!(st.rows[0].instrument.as_deref(), Some("C65"));
    assert_eq!(st.rows[0].entry, None);
}
