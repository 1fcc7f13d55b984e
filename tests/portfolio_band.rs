#![cfg(not(target_arch = "wasm32"))]
//! The slack band of portfolio-margined accounts (issue 18, engine/portfolio_band.rs): the
//! indexed scan skips an account's scenario grid while a bound on how fast its requirement and
//! equity can move proves it keeps its slack. Its results must be bit-identical: every margin
//! call, liquidation and default at the same step with the same figures as without the band and
//! as the per-account reference loop — over random option books, under the scenario grid and
//! SPAN, on exchanges and clearing houses, with price gaps, GBM and volatility shocks.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::{self, ScanMode};
use spillway::scenario::*;

#[derive(Clone, Debug)]
struct Opt {
    put: bool,
    strike: i64,
    expiry: u32,
    vol: i64,
}

fn book() -> impl Strategy<Value = Scenario> {
    let opt = (any::<bool>(), 70i64..130, 10u32..60, 20i64..120).prop_map(|(put, strike, expiry, vol)| Opt { put, strike, expiry, vol });
    let acc = (proptest::collection::vec(-5i64..=5, 1..4), 50i64..3000);
    (
        proptest::collection::vec(opt, 1..3),
        proptest::collection::vec(acc, 1..6),
        (-40i64..40, 1u32..50, any::<bool>(), any::<u64>(), any::<bool>()),
        (0u8..3, -30i64..150, 1u32..50, any::<bool>()),
    )
        .prop_map(|(opts, accs, (gap, gap_step, gbm, seed, ccp), (model, vol_shock, vol_step, funding))| {
            let mut s = Scenario { seed, steps: 60, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(300);
            s.venue.margin_model = Some(match model {
                0 => MarginModelSpec::ScenarioGrid(GridSpec { dampener: Decimal::from(50), ..Default::default() }),
                1 => MarginModelSpec::ScenarioGrid(GridSpec { extended: false, buckets: 2, price_range: Decimal::new(8, 2), ..Default::default() }),
                _ => MarginModelSpec::Span(SpanSpec::default()),
            });
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: Decimal::new(1, 2),
                counterparty: Some("vault".into()),
                funding_rate: if funding { Decimal::new(1, 4) } else { Decimal::ZERO },
                price: PricePath {
                    initial: Decimal::from(100),
                    shocks: vec![Shock { step: gap_step, change: Decimal::new(gap, 2) }],
                    gbm: gbm.then(|| Gbm { drift: Decimal::ZERO, volatility: Decimal::new(2, 2) }),
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
                        volatility: PricePath { initial: Decimal::new(o.vol, 2), shocks: vec![Shock { step: vol_step, change: Decimal::new(vol_shock, 2) }], ..Default::default() },
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
                s.accounts.push(AccountSpec { id: format!("a{i}"), role: Role::Member, cash: Decimal::from(*cash), fund_contribution: Decimal::from(50), reserves: Decimal::from(i as i64 * 100), positions, ..Default::default() });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(50_000), ..Default::default() });
            s.waterfall = vec![LayerSpec::InsuranceFund, LayerSpec::SocializedLoss];
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// With and without the band, and the reference loop: the same timeline, byte for byte
    /// (every event with its figures, every account state, the ledger, the summary).
    #[test]
    fn the_band_changes_nothing(s in book()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let run = |mode| engine::simulate_with_mode(&s, &s.waterfall, mode).map_err(|e| TestCaseError::fail(e.to_string()));
        let band = serde_json::to_string(&run(ScanMode::Indexed)?).unwrap();
        let without = serde_json::to_string(&run(ScanMode::IndexedWithoutBand)?).unwrap();
        prop_assert!(band == without, "band and no band differ");
        let reference = serde_json::to_string(&run(ScanMode::Reference)?).unwrap();
        prop_assert!(band == reference, "band and reference differ");
    }
}

/// A quiet option book (one account far above its requirement, a slow GBM): the band lets the
/// scan skip most of its grids, with the same timeline.
#[test]
fn the_band_skips_grids_of_a_quiet_account() {
    let json = r#"{"version":1,"steps":200,"seed":3,
      "venue":{"style":"exchange","margin_model":{"kind":"scenario_grid"}},
      "instruments":[
        {"id":"X","tick_size":"0.01","lot_size":"1","counterparty":"mm","price":{"initial":"100","gbm":{"drift":"0","volatility":"0.005"}}},
        {"id":"C","tick_size":"0.01","lot_size":"1","counterparty":"mm","expiry":{"step":200,"settlement":"cash"},
         "option":{"on":"X","kind":"call","strike":"100","volatility":{"initial":"0.5"}}}],
      "accounts":[{"id":"a","cash":"100000","positions":[{"instrument":"C","size":"-10"},{"instrument":"X","size":"5"}]},
                  {"id":"mm","cash":"1000000","margin_model":{"kind":"per_instrument"}}]}"#;
    let s = from_json(json).unwrap();
    validate(&s).unwrap();
    let with = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Indexed).unwrap();
    let without = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::IndexedWithoutBand).unwrap();
    assert_eq!(serde_json::to_string(&with).unwrap(), serde_json::to_string(&without).unwrap());
    let (a, b) = (engine::margin_checks(&s, ScanMode::Indexed).unwrap(), engine::margin_checks(&s, ScanMode::IndexedWithoutBand).unwrap());
    eprintln!("valued with the band {a}, without {b}");
    assert!(a * 4 < b, "valued with the band {a}, without {b}");
}

/// The benchmark book of BENCHMARKS.md (issue 18): `n` option accounts × `steps` steps under the
/// Deribit-PM grid defaults (27 scenarios + 8 extended); each account short or long 1–3 calls
/// (strike 110) and 1–3 puts (strike 90) and ±0.5–1 of the perpetual, cash 2,000–12,000; GBM 1 %/step, vol flat
/// 60 %, expiry at the last step; the market maker `mm` takes the other sides, per instrument.
fn bench_book(n: u32, steps: u32) -> Scenario {
    let mut accounts = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |k: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % k
    };
    for i in 0..n {
        let sign = |b: u64| if b == 0 { "-" } else { "" };
        let (cs, ps, fs) = (sign(next(2)), sign(next(2)), sign(next(2)));
        let (cq, pq) = (1 + next(3), 1 + next(3));
        let fq = match 5 + next(6) {
            10 => "1".to_string(),
            k => format!("0.{k}"),
        };
        let cash = 2000 + next(10_001);
        accounts.push(format!(
            r#"{{"id":"a{i}","cash":"{cash}","positions":[{{"instrument":"C","size":"{cs}{cq}"}},{{"instrument":"P","size":"{ps}{pq}"}},{{"instrument":"X","size":"{fs}{fq}"}}]}}"#
        ));
    }
    let json = format!(
        r#"{{"version":1,"steps":{steps},"seed":11,
        "venue":{{"style":"exchange","margin_model":{{"kind":"scenario_grid"}}}},
        "instruments":[
          {{"id":"X","tick_size":"0.01","lot_size":"0.1","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","gbm":{{"drift":"0","volatility":"0.01"}}}}}},
          {{"id":"C","tick_size":"0.01","lot_size":"1","counterparty":"mm","expiry":{{"step":{steps},"settlement":"cash"}},"option":{{"on":"X","kind":"call","strike":"110","volatility":{{"initial":"0.6"}}}}}},
          {{"id":"P","tick_size":"0.01","lot_size":"1","counterparty":"mm","expiry":{{"step":{steps},"settlement":"cash"}},"option":{{"on":"X","kind":"put","strike":"90","volatility":{{"initial":"0.6"}}}}}}],
        "accounts":[{},{{"id":"mm","cash":"1000000000","margin_model":{{"kind":"per_instrument"}}}}],
        "waterfall":[{{"kind":"insurance_fund"}},{{"kind":"socialized_loss"}}]}}"#,
        accounts.join(",")
    );
    let s = from_json(&json).unwrap();
    validate(&s).unwrap();
    s
}

/// `cargo test --profile native --test portfolio_band bench_band -- --ignored --nocapture`:
/// times the benchmark book with and without the band (summary runs), and checks the full
/// timelines equal on a smaller book.
#[test]
#[ignore]
fn bench_band() {
    for (n, steps, without) in [(1_000u32, 1_000u32, true), (10_000, 1_000, true)] {
        let s = bench_book(n, steps);
        let checks = |mode| engine::margin_checks(&s, mode).unwrap();
        let t0 = std::time::Instant::now();
        let with = checks(ScanMode::Indexed);
        let a = t0.elapsed().as_secs_f64();
        eprintln!("{n} accounts × {steps} steps, band: {a:.2} s, {with} grids ({:.2} µs per account·step)", a * 1e6 / (n as f64 * steps as f64));
        if without {
            let t1 = std::time::Instant::now();
            let no = checks(ScanMode::IndexedWithoutBand);
            let b = t1.elapsed().as_secs_f64();
            eprintln!("{n} accounts × {steps} steps, no band: {b:.2} s, {no} grids ({:.2} µs per account·step); {:.1}× faster", b * 1e6 / (n as f64 * steps as f64), b / a);
        }
    }
}

/// The benchmark book, small: the full timelines with and without the band are equal.
#[test]
fn the_bench_book_is_identical_with_and_without_the_band() {
    let s = bench_book(60, 150);
    let with = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::Indexed).unwrap();
    let without = engine::simulate_with_mode(&s, &s.waterfall, ScanMode::IndexedWithoutBand).unwrap();
    assert_eq!(serde_json::to_string(&with).unwrap(), serde_json::to_string(&without).unwrap());
    assert!(with.events.len() > 0 || with.summary.deficit.is_zero());
}
