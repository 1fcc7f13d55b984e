#![cfg(not(target_arch = "wasm32"))]
//! Portfolio margin as the run's margin (issue 18): a hand-computed inter-commodity spread whose
//! portfolio requirement is far below the sum of its legs, the spread credit switched off, the
//! offset failing when the legs decorrelate, the account's story naming the driving scenario,
//! and properties over random option books: the requirement is never below the worst single
//! scenario's loss (by an independent Black-76 revaluation), value is conserved, and the
//! event-driven scan equals the per-account reference loop.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::options::black76::Black76;
use spillway::engine::{self, ScanMode};
use spillway::scenario::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Long 1,000 NORDIC at 40, short 800 GERMAN at 50 (40,000 a leg), 10 % maintenance a leg;
/// a grid of ±5 %, ±10 % with an 80 % spread credit; NORDIC falls and GERMAN rises at step 3.
fn spread(credit: &str, nordic_at_3: &str, german_at_3: &str) -> Scenario {
    let json = format!(
        r#"{{"version":1,"name":"spread","steps":6,
        "venue":{{"style":"ccp","settlement":"variation_margin","margin_call_grace":1,
          "margin_model":{{"kind":"scenario_grid","price_range":"0.10","buckets":2,"extended":false,"roll_min_move":"0","mm_factor":"0.8",
            "spreads":[{{"a":"NORDIC","b":"GERMAN","credit":"{credit}"}}]}}}},
        "instruments":[
          {{"id":"NORDIC","tick_size":"0.01","lot_size":"1","margin":{{"initial":"0.12","maintenance":"0.10"}},
           "price":{{"initial":"40","points":[{{"step":2,"price":"40"}},{{"step":3,"price":"{nordic_at_3}"}}]}}}},
          {{"id":"GERMAN","tick_size":"0.01","lot_size":"1","margin":{{"initial":"0.12","maintenance":"0.10"}},
           "price":{{"initial":"50","points":[{{"step":2,"price":"50"}},{{"step":3,"price":"{german_at_3}"}}]}}}}],
        "accounts":[
          {{"id":"spreader","role":"member","cash":"2000","fund_contribution":"500",
            "positions":[{{"instrument":"NORDIC","size":"1000"}},{{"instrument":"GERMAN","size":"-800"}}]}},
          {{"id":"m1","role":"member","cash":"20000","fund_contribution":"5000","reserves":"100000",
            "positions":[{{"instrument":"NORDIC","size":"-1000"}},{{"instrument":"GERMAN","size":"800"}}]}}],
        "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"defaulter_fund_contribution"}},{{"kind":"survivors_fund"}}]}}"#
    );
    let s = from_json(&json).expect("parses");
    validate(&s).expect("valid");
    s
}

/// By hand: each book is futures only, so its worst counted loss is the 10 % move against it:
/// NORDIC 1,000 × 40 × 0.10 = 4,000 (price −10 %), GERMAN 800 × 50 × 0.10 = 4,000 (+10 %);
/// gross 8,000. Deltas +40,000 and −40,000 match fully, so the credit is 0.8 × (4,000 + 4,000)
/// = 6,400; risk 1,600 = initial; maintenance 0.8 × 1,600 = 1,280 — against 10 % × 80,000 =
/// 8,000 margined leg by leg.
#[test]
fn a_spread_margined_as_a_portfolio_by_hand() {
    let t = engine::simulate(&spread("0.8", "40", "50")).unwrap();
    let a = t.account_at(0, 0);
    assert_eq!(a.maintenance, d("1280"));
    assert_eq!(a.initial, d("1600"));
    let story = engine::explain::account_story(&t, 0).unwrap();
    let p = story.rows[0].portfolio.clone().expect("a portfolio line");
    assert_eq!(p.model, "scenario-grid portfolio margin");
    assert_eq!((p.per_instrument, p.gross, p.credit, p.worst_loss), (d("8000"), d("8000"), d("6400"), d("4000")));
    // The first book with the largest risk (a tie: the lower instrument) and its first worst
    // scenario in table order.
    assert_eq!(p.worst, "worst case: price \u{2212}10 % on the NORDIC book");
    // Quiet marks: 2,000 of equity covers 1,280 at every step; nobody is called.
    assert!(t.events.iter().all(|e| e.kind != engine::timeline::EventKind::MarginCall));
}

/// Without the credit the same spread needs 0.8 × 8,000 = 6,400 maintenance, above its 2,000
/// of equity: called at step 0 and, with no reserves, declared in default.
#[test]
fn without_the_spread_credit_the_legs_add_up() {
    let t = engine::simulate(&spread("0", "40", "50")).unwrap();
    assert_eq!(t.account_at(0, 0).maintenance, d("6400"));
    assert_eq!(t.account_at(0, 0).initial, d("8000"));
    let story = engine::explain::account_story(&t, 0).unwrap();
    assert_eq!(story.rows[0].portfolio.as_ref().unwrap().credit, Decimal::ZERO);
    assert!(t.events.iter().any(|e| e.kind == engine::timeline::EventKind::MarginCall && e.account == Some(0)));
}

/// The offset fails: NORDIC −15 % to 34, GERMAN +12 % to 56 at step 3. The spread loses
/// 1,000 × 6 + 800 × 6 = 10,800 against 2,000 of margin: a default, the loss beyond the
/// defaulter's 2,000 and 500 meeting the survivors' fund (5,000) and 3,300 left over — conserved to the last unit.
#[test]
fn when_the_legs_decorrelate_the_offset_fails() {
    let t = engine::simulate(&spread("0.8", "34", "56")).unwrap();
    let sm = &t.summary;
    assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
    assert_eq!(t.account_at(0, 6).status, engine::Status::Defaulted);
    // Variation margin of step 3: −6,000 − 4,800 = −10,800: its 2,000 of margin, its 500 of
    // contribution, the survivors' whole fund of 5,000, and 3,300 left unallocated.
    assert_eq!(sm.deficit, d("10800"));
    assert_eq!(sm.by_layer, vec![d("2000"), d("500"), d("5000")]);
    assert_eq!(sm.unallocated, d("3300"));
}

/// A random option book on one underlying X, margined by the scenario grid (the run's model).
#[derive(Clone, Debug)]
struct Opt {
    put: bool,
    strike: i64,
    expiry: u32,
    vol: i64,
}

fn book() -> impl Strategy<Value = Scenario> {
    let opt = (any::<bool>(), 60i64..140, 4u32..20, 20i64..120).prop_map(|(put, strike, expiry, vol)| Opt { put, strike, expiry, vol });
    let acc = (proptest::collection::vec(-5i64..=5, 1..4), 100i64..3000);
    (proptest::collection::vec(opt, 1..3), proptest::collection::vec(acc, 1..4), -40i64..40, 1u32..12, any::<bool>(), any::<u64>(), any::<bool>()).prop_map(
        |(opts, accs, gap, gap_step, gbm, seed, ccp)| {
            let mut s = Scenario { seed, steps: 20, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(300);
            s.venue.margin_model = Some(MarginModelSpec::ScenarioGrid(GridSpec { dampener: Decimal::from(50), ..Default::default() }));
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: Decimal::new(1, 2),
                counterparty: Some("vault".into()),
                price: PricePath {
                    initial: Decimal::from(100),
                    shocks: vec![Shock { step: gap_step, change: Decimal::new(gap, 2) }],
                    gbm: gbm.then(|| Gbm { drift: Decimal::ZERO, volatility: Decimal::new(3, 2) }),
                    ..Default::default()
                },
                ..Default::default()
            });
            for (k, o) in opts.iter().enumerate() {
                s.instruments.push(Instrument {
                    id: format!("O{k}"),
                    lot_size: Decimal::ONE,
                    tick_size: Decimal::new(1, 2),
                    counterparty: Some("vault".into()),
                    expiry: Some(Expiry { step: o.expiry, settlement: SettlementKind::Cash, ..Default::default() }),
                    option: Some(OptionTerms {
                        on: "X".into(),
                        kind: if o.put { OptionType::Put } else { OptionType::Call },
                        strike: Decimal::from(o.strike),
                        days_per_step: Decimal::ONE,
                        volatility: PricePath { initial: Decimal::new(o.vol, 2), ..Default::default() },
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
            for (i, (sizes, cash)) in accs.iter().enumerate() {
                let positions = sizes
                    .iter()
                    .enumerate()
                    .filter(|(k, q)| **q != 0 && *k <= opts.len())
                    .map(|(k, q)| PositionSpec { instrument: if k == 0 { "X".into() } else { format!("O{}", k - 1) }, size: Decimal::from(*q), ..Default::default() })
                    .collect();
                s.accounts.push(AccountSpec { id: format!("a{i}"), role: Role::Member, cash: Decimal::from(*cash), fund_contribution: Decimal::from(50), positions, ..Default::default() });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(50_000), ..Default::default() });
            s.waterfall = vec![LayerSpec::InsuranceFund, LayerSpec::SocializedLoss];
            s
        },
    )
}

/// The worst loss over the regular table (full weight), by an independent revaluation: F' =
/// F(1 + m), σ' by the Deribit-PM rule k = (30/max(DTE, 1))^p (p 0.30 under 30 days), Black-76
/// in f64, futures F' − F.
fn worst_scenario_loss(t: &engine::Timeline, a: usize, step: u32) -> f64 {
    let snap = t.snapshot_at(a, step).unwrap();
    let m = t.market();
    let mut worst = 0.0f64;
    for i in -4..=4 {
        let mv = 0.16 * i as f64 / 4.0;
        for vol in [-1, 0, 1] {
            let mut pnl = 0.0;
            for p in snap.positions.iter().filter(|p| p.isolated.is_none()) {
                let q: f64 = p.size.to_string().parse().unwrap();
                match m.option(p.inst) {
                    None => pnl += q * m.mark(p.inst, step).to_string().parse::<f64>().unwrap() * mv,
                    Some(o) => {
                        let f: f64 = m.mark(o.underlying, step).to_string().parse().unwrap();
                        let days = (o.expiry.saturating_sub(step)) as f64;
                        let sigma: f64 = m.vols[p.inst][step as usize].to_string().parse().unwrap();
                        let k = (30.0 / days.max(1.0)).powf(if days < 30.0 { 0.30 } else { 0.13 });
                        let s1 = match vol {
                            1 => sigma * (1.0 + 0.5 * k),
                            -1 => (sigma * (1.0 - 0.25 * k)).max(0.0),
                            _ => sigma,
                        };
                        let strike: f64 = o.strike.to_string().parse().unwrap();
                        let v = |f: f64, s: f64| Black76 { kind: o.kind, forward: f, strike, years: days / 365.0, sigma: s, rate: 0.0 }.price().unwrap();
                        pnl += q * (v(f * (1.0 + mv), s1) - v(f, sigma));
                    }
                }
            }
            worst = worst.max(-pnl);
        }
    }
    worst
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Under the scenario-grid margin: the requirement (initial = the risk) is never below the
    /// worst single scenario's loss; value is conserved to the last unit; the ledger balances;
    /// the event-driven scan gives the reference loop's timeline.
    #[test]
    fn portfolio_margin_covers_the_worst_scenario_and_conserves(s in book()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let fast = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Indexed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sm = &fast.summary;
        prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
        for (asset, v) in fast.ledger_sums() {
            prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
        }
        prop_assert!(fast.conservation().map_err(|e| TestCaseError::fail(e.to_string()))?.ledger_balances);
        for step in 0..=fast.steps {
            for a in 0..fast.accounts.len() {
                let Some(snap) = fast.snapshot_at(a, step) else { continue };
                if snap.positions.is_empty() {
                    continue;
                }
                let req = engine::portfolio_margin::requirement(fast.market(), fast.market().pm(a), snap.positions.iter(), step).unwrap().unwrap();
                let loss = worst_scenario_loss(&fast, a, step);
                let im: f64 = req.initial.to_string().parse().unwrap();
                prop_assert!(im >= loss - 1e-6 * (1.0 + loss.abs()), "step {step} account {a}: requirement {im} < worst loss {loss}");
                prop_assert!(req.maintenance <= req.initial && req.maintenance >= Decimal::ZERO);
            }
        }
        let slow = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Reference).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&fast).ok(), serde_json::to_string(&slow).ok());
    }
}

/// Long 10 X (and a member short 10 opposite) under historical ES at 50 %, one-step horizon,
/// lookback 3, buffer 25 %. X: 100, 110, 99, 99. By hand at step 3: the changes +10 %, −10 %, 0
/// on today's 10 × 99 give P&L +99, −99, 0; losses 99, 0, −99; N(1 − α) = 1.5, k = 2, ES =
/// (99 + 0.5 × 0) / 1.5 = 66; × 1.25 = 82.5. At step 1 the one change (+10 %) is a gain: 0. At
/// step 0 no change yet: per instrument, 5 % × 1,000 = 50.
#[test]
fn historical_expected_shortfall_by_hand() {
    let json = r#"{"version":1,"steps":3,
        "venue":{"style":"ccp","settlement":"variation_margin",
          "margin_model":{"kind":"hist_var","confidence":"0.5","horizon":1,"lookback":3,"measure":"es","buffer":"0.25"}},
        "instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","margin":{"initial":"0.1","maintenance":"0.05"},
          "price":{"initial":"100","points":[{"step":1,"price":"110"},{"step":2,"price":"99"},{"step":3,"price":"99"}]}}],
        "accounts":[{"id":"long","role":"member","cash":"10000","positions":[{"instrument":"X","size":"10"}]},
                    {"id":"short","role":"member","cash":"10000","positions":[{"instrument":"X","size":"-10"}]}]}"#;
    let s = from_json(json).unwrap();
    validate(&s).unwrap();
    let t = engine::simulate(&s).unwrap();
    assert_eq!(t.account_at(0, 0).maintenance, d("50"));
    assert_eq!(t.account_at(0, 1).maintenance, Decimal::ZERO);
    assert_eq!(t.account_at(0, 3).maintenance, d("82.5"));
    let story = engine::explain::account_story(&t, 0).unwrap();
    let p = story.rows.iter().find(|r| r.step == 3).unwrap().portfolio.clone().unwrap();
    assert_eq!(p.model, "historical expected-shortfall margin");
    assert_eq!(p.worst_loss, d("99"));
    assert_eq!(p.worst, "worst case: steps 1\u{2192}2 replayed (X \u{2212}10 %)");
}

/// SPAN's short option minimum sets the requirement of a far out-of-the-money short put book:
/// short 10 puts at 50 on X = 100 (σ 20 %, 10 days), price scan 10 %: even −20 % with vol up
/// leaves them worthless to many places, so the risk is the minimum, 10 × 0.05 × (0.10 × 100) =
/// 5: maintenance 5, initial 1.35 × 5 = 6.75.
#[test]
fn span_short_option_minimum_by_hand() {
    let json = r#"{"version":1,"steps":2,
        "venue":{"style":"ccp","settlement":"variation_margin","margin_model":{"kind":"span","price_scan":"0.10","vol_scan":"0.15","short_option_minimum":"0.05"}},
        "instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","price":{"initial":"100"}},
          {"id":"P50","tick_size":"0.01","lot_size":"1","expiry":{"step":2,"settlement":"cash"},
           "option":{"on":"X","kind":"put","strike":"50","days_per_step":"5","volatility":{"initial":"0.2"}}}],
        "accounts":[{"id":"seller","role":"member","cash":"1000","positions":[{"instrument":"P50","size":"-10"}]},
                    {"id":"buyer","role":"member","cash":"1000","positions":[{"instrument":"P50","size":"10"}]}]}"#;
    let s = from_json(json).unwrap();
    validate(&s).unwrap();
    let t = engine::simulate(&s).unwrap();
    let a = t.account_at(0, 0);
    assert_eq!((a.maintenance, a.initial), (d("5"), d("6.75")));
    let p = engine::explain::account_story(&t, 0).unwrap().rows[0].portfolio.clone().unwrap();
    assert_eq!(p.model, "SPAN portfolio margin");
    assert!(p.worst_loss < d("0.000001"), "{}", p.worst_loss);
}

/// The Nasdaq 2018 spread margined as a spread, by hand: SPAN scan 2.5 %, no vol; NORDIC
/// 10m × 45 × 0.025 = 11.25m, GERMAN 10m × 55 × 0.025 = 13.75m: 25m, the leg-by-leg 2.5 % ×
/// 1,000m too. Deltas +450m / −550m: credit 0.8 × (11.25m + 13.75m × 450/550) = 18m; 7m.
#[test]
fn nasdaq_spread_preset_with_and_without_the_credit() {
    let p = presets::by_id("nasdaq-2018-spread").unwrap();
    let t = engine::simulate(&p.scenario).unwrap();
    let row = engine::explain::account_story(&t, 0).unwrap().rows[0].clone();
    let pm = row.portfolio.unwrap();
    assert_eq!((pm.maintenance, pm.per_instrument, pm.gross, pm.credit), (d("7000000"), d("25000000"), d("25000000"), d("18000000")));
    assert_eq!(pm.worst, "worst case: price +2.5 % on the GERMAN-POWER book");
    // The didactic preset: 0.8 × (1.6m − 1.28m) = 256,000 against 1.6m leg by leg.
    let t = engine::simulate(&presets::by_id("portfolio-offset-fails").unwrap().scenario).unwrap();
    let pm = engine::explain::account_story(&t, 0).unwrap().rows[0].portfolio.clone().unwrap();
    assert_eq!((pm.maintenance, pm.initial, pm.per_instrument, pm.credit), (d("256000"), d("320000"), d("1600000"), d("1280000")));
    assert_eq!(t.summary.deficit, d("1200000"));
}
