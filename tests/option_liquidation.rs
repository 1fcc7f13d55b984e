#![cfg(not(target_arch = "wasm32"))]
//! An exchange's step-by-step liquidation of an option book (issue 18,
//! engine/option_liquidation.rs; `venue.option_liquidation: "deribit"`): delta-hedged with the
//! underlying, then closed one leg at a time at the market, the largest contributor to the margin
//! first, stopping once the account is back above maintenance. Figures by hand.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::{self, timeline::EventKind, ScanMode, Status};
use spillway::scenario::*;

#[path = "common/option_book.rs"]
mod option_book;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const DERIBIT: &str = r#","option_liquidation":"deribit""#;

/// F at 100 jumping to `move_to` at step 1 (price impact 10 per million of notional, 5 %
/// maintenance); a 50-strike call and a 50-strike put on F expiring at step 4, 7 days a step,
/// σ 20 %: so far from the money that Black-76 gives the call delta 1 and a mark of F − 50, the
/// put delta 0 and a mark of 0 (price impact 100 each). `d` is short 10 calls and 2 puts with
/// `cash`; the exchange's liquidation fee is 1 % of the closed notional at mark.
fn book(cash: &str, move_to: &str, flag: &str) -> Scenario {
    book_with(cash, move_to, flag, "")
}

/// [`book`] with `d_model` in `d`'s account (its own margin model).
fn book_with(cash: &str, move_to: &str, flag: &str, d_model: &str) -> Scenario {
    let json = format!(
        r#"{{"version":1,"name":"option liquidation","steps":4,
        "venue":{{"style":"exchange","insurance_fund":"1000","liquidation_fee":"0.01","max_slippage":"0.5"{flag}}},
        "instruments":[
          {{"id":"F","tick_size":"0.01","lot_size":"1","price_impact":"10","counterparty":"mm","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100","points":[{{"step":1,"price":"{move_to}"}},{{"step":4,"price":"{move_to}"}}]}}}},
          {{"id":"C50","tick_size":"0.01","lot_size":"1","price_impact":"100","counterparty":"mm","expiry":{{"step":4,"settlement":"cash"}},
           "option":{{"on":"F","kind":"call","strike":"50","days_per_step":"7","volatility":{{"initial":"0.2"}}}}}},
          {{"id":"P50","tick_size":"0.01","lot_size":"1","price_impact":"100","counterparty":"mm","expiry":{{"step":4,"settlement":"cash"}},
           "option":{{"on":"F","kind":"put","strike":"50","days_per_step":"7","volatility":{{"initial":"0.2"}}}}}}],
        "accounts":[
          {{"id":"d","cash":"{cash}"{d_model},"positions":[{{"instrument":"C50","size":"-10"}},{{"instrument":"P50","size":"-2"}}]}},
          {{"id":"mm","role":"market_maker","cash":"1000000"}}],
        "waterfall":[{{"kind":"insurance_fund"}},{{"kind":"socialized_loss"}}]}}"#
    );
    let s = from_json(&json).expect("parses");
    validate(&s).expect("valid");
    s
}

fn texts(t: &engine::Timeline, step: u32) -> Vec<String> {
    t.events_at(step).iter().map(|e| e.text()).collect()
}

/// By hand. Cash 650 plus the calls' premium 10 × 50 = 1,150 (premium style: entries at 0).
/// Step 1, F = 110: the calls are worth 60 (equity 1,150 − 600 = 550), their maintenance 10 ×
/// (0.075 × 110 + 60) = 682.50, the puts' 2 × 0.075 × 110 = 16.50: 699 > 550, liquidated.
/// 1. Hedge: delta −10 → buy 10 F: impact 10 × 1,100 / 10⁶ = 1.1 %, at 111.21, cost 10 × (110 −
///    111.21) = −12.10; cash 1,137.90.
/// 2. Largest contributor: the calls (682.50) against the future's 0.05 × 1,100 = 55 and the
///    puts' 16.50. Bought back at 60 × (1 + 100 × 600 / 10⁶) = 63.60: realized −636, cash
///    501.90; fee 1 % × 600 = 6: cash 495.90.
/// 3. Equity 495.90 (puts at 0, F at mark) ≥ maintenance 16.50 + 55 = 71.50: it stops; the puts
///    and the hedge stay.
///
/// No deficit.
#[test]
fn hedged_then_one_leg_closed_and_the_rest_kept() {
    let t = engine::simulate(&book("650", "110", DERIBIT)).unwrap();
    let ev = t.events_at(1);
    let all = texts(&t, 1);
    let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::DeltaHedge, EventKind::RiskRanked, EventKind::Liquidation, EventKind::LiquidationFee, EventKind::RiskRanked], "{all:#?}");
    let (hedge, cost) = (d("111.21"), d("10") * (d("110") - d("111.21")));
    assert_eq!(ev[0].amount, Some(cost));
    assert_eq!(all[0], format!("The liquidation engine first delta-hedges d's option book: its delta of \u{2212}10 F is offset by buying 10 F at {hedge} (mark 110), a cost of $12.10 in price impact; it now holds 10 F."));
    let calls_mm = d("10") * (d("0.075") * d("110") + d("60"));
    assert_eq!(ev[1].amount, Some(calls_mm));
    assert_eq!(all[1], "Liquidation step 1 of d's book: \u{2212}10 C50, the largest contributor to its margin ($682.50), is closed at the market.");
    let fill = d("60") * (Decimal::ONE + d("100") * d("600") / d("1000000"));
    assert_eq!(fill, d("63.6"));
    assert_eq!(ev[2].amount, Some(d("-10") * fill));
    assert_eq!(all[2], "d's \u{2212}10 C50 liquidated at 63.6 (mark 60).");
    let fee = d("0.01") * d("600");
    assert_eq!(ev[3].amount, Some(fee));
    let equity = d("1150") + cost - d("10") * fill - fee;
    assert_eq!(equity, d("495.90"));
    let kept_mm = d("2") * d("0.075") * d("110") + d("0.05") * d("1100");
    assert_eq!(all[4], "d is back above maintenance ($495.90 equity vs $71.50 required) after 1 leg closed: the liquidation stops and its other 2 positions stay open.");
    assert!(equity >= kept_mm);
    let v = t.account_at(0, 1);
    assert_eq!(v.equity, equity);
    assert_eq!(v.positions, vec![("P50".to_string(), d("-2")), ("F".to_string(), d("10"))]);
    assert_eq!(t.status_at(0, 1), Status::Liquidating);
    assert_eq!(t.status_at(0, 2), Status::Healthy, "the next check finds it above maintenance");
    assert_eq!(t.insurance_at(1), d("1000") + fee);
    let sm = &t.summary;
    assert_eq!((sm.deficit, sm.allocated, sm.unallocated), (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO));
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
}

/// By hand. F jumps to 200: the calls are worth 150 (equity 1,150 − 1,500 = −350).
/// 1. Hedge: buy 10 F at 200 × (1 + 10 × 2,000 / 10⁶) = 204: cost −40, cash 1,110.
/// 2. Calls (maintenance 10 × (15 + 150) = 1,650) bought back at 150 × (1 + 100 × 1,500 / 10⁶) =
///    172.50: −1,725, cash −615; no fee (nothing left to pay it). Still below maintenance.
/// 3. The future (0.05 × 2,000 = 100 against the puts' 2 × 15 = 30) sold at 200 × (1 − 0.02) =
///    196: −40 (reopened at the mark by the hedge), cash −655.
/// 4. The puts, marked 0, bought back at one tick, 0.01 (a fill is never below one tick): −0.02.
///
/// Every leg gone, cash −655.02: the deficit beyond its margin of 1,150 is 655.02, paid by the
/// insurance fund (1,000). Conserved to the last unit.
#[test]
fn every_leg_goes_when_none_restores_maintenance() {
    let t = engine::simulate(&book("650", "200", DERIBIT)).unwrap();
    let ev = t.events_at(1);
    let all = texts(&t, 1);
    let ranked: Vec<(Option<Decimal>, String)> = ev.iter().filter(|e| e.kind == EventKind::RiskRanked).map(|e| (e.amount, e.text())).collect();
    assert_eq!(ranked.len(), 3, "{all:#?}");
    assert_eq!(ranked[0].0, Some(d("10") * (d("0.075") * d("200") + d("150"))));
    assert_eq!(ranked[1].0, Some(d("0.05") * d("10") * d("200")));
    assert_eq!(ranked[2].0, Some(d("2") * d("0.075") * d("200")));
    assert!(ranked[1].1.contains("step 2") && ranked[1].1.contains("10 F"), "{}", ranked[1].1);
    let closes: Vec<String> = ev.iter().filter(|e| e.kind == EventKind::Liquidation).map(|e| e.text()).collect();
    assert_eq!(closes, vec!["d's \u{2212}10 C50 liquidated at 172.5 (mark 150).", "d's 10 F liquidated at 196 (mark 200).", "d's \u{2212}2 P50 liquidated at 0.01 (mark 0)."], "{all:#?}");
    assert!(!ev.iter().any(|e| e.kind == EventKind::LiquidationFee), "no equity left to pay a fee: {all:#?}");
    let cash = d("1150") + d("10") * (d("200") - d("204")) - d("10") * d("172.5") + d("10") * (d("196") - d("200")) - d("2") * d("0.01");
    assert_eq!(cash, d("-655.02"));
    let sm = &t.summary;
    assert_eq!(sm.bad_debt, -cash);
    assert_eq!(sm.deficit, d("1150") - cash, "its margin of 1,150, then the bad debt");
    assert_eq!(sm.by_layer, vec![d("1150"), -cash, Decimal::ZERO]);
    assert_eq!(sm.unallocated, Decimal::ZERO);
    assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
    assert_eq!(t.insurance_at(1), d("1000") + cash);
    assert_eq!(t.status_at(0, 1), Status::Bankrupt);
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
    // Every account's story adds up to its loss (the insurance fund's 655.02 included).
    for a in 0..t.accounts.len() {
        let story = engine::explain::account_story(&t, a).expect("story");
        let sum: Decimal = story.losses.iter().filter(|l| l.counts_in_loss()).map(|l| l.amount).sum();
        assert_eq!(sum, story.total_loss, "{}", story.name);
    }
}

/// Without the flag the same account is liquidated as before (the generic rule, in full): no
/// hedge, no ranking, every leg closed at step 1 although closing the calls alone would do.
#[test]
fn without_the_flag_the_generic_liquidation_runs() {
    let t = engine::simulate(&book("650", "110", "")).unwrap();
    let ev = t.events_at(1);
    assert!(!ev.iter().any(|e| matches!(e.kind, EventKind::DeltaHedge | EventKind::RiskRanked)));
    assert_eq!(ev.iter().filter(|e| e.kind == EventKind::Liquidation).count(), 2);
    assert!(t.account_at(0, 1).positions.is_empty());
}

/// The flag is validated by name: an unknown rule, and Deribit's on a clearing house; absent, it
/// is not written back (old links unchanged); given, it survives the round trip.
#[test]
fn the_flag_is_validated_by_name_and_round_trips() {
    let json = spillway::scenario::to_json(&book("650", "110", DERIBIT));
    let err = |from: &str, to: &str| {
        let bad = json.replacen(from, to, 1);
        assert_ne!(bad, json, "{from}");
        match from_json(&bad) {
            Err(e) => format!("{e:?}"),
            Ok(s) => validate(&s).err().map(|e| format!("{e:?}")).unwrap_or_default(),
        }
    };
    let e = err(r#""option_liquidation": "deribit""#, r#""option_liquidation": "binance""#);
    assert!(e.contains("venue.option_liquidation") && e.contains("binance"), "{e}");
    let e = err(r#""style": "exchange""#, r#""style": "ccp""#);
    assert!(e.contains("venue.option_liquidation") && e.contains("clearing house"), "{e}");
    let s = from_json(&json).expect("round trip");
    assert_eq!(s.venue.option_liquidation, OptionLiquidation::Deribit);
    assert!(!spillway::scenario::to_json(&book("650", "110", "")).contains("option_liquidation"));
}

/// Under a portfolio model the hedge can be enough. `d` (short 10 calls, short 2 puts, cash 150 +
/// premium 500) on a ±10 % grid: at step 0 the grid loses about 10 % × 10 × 100 = 100 (the calls'
/// delta is 1; the puts' stays 0 within ±10 %), under its equity of 150. F → 110: equity 650 −
/// 600 = 50 under about 110. Hedged (10 F at 111.21, cost 12.10): the book is flat, its
/// requirement a trace of the calls' time value under the vol-up scenario, and the equity of
/// 37.90 covers it: the liquidation stops after the hedge alone and every option is kept.
#[test]
fn under_portfolio_margin_the_hedge_alone_can_restore_maintenance() {
    let grid = r#","margin_model":{"kind":"scenario_grid","price_range":"0.10","buckets":2,"extended":false,"roll_min_move":"0","mm_factor":"1"}"#;
    let t = engine::simulate(&book_with("150", "110", DERIBIT, grid)).unwrap();
    let all = texts(&t, 1);
    let ev = t.events_at(1);
    let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::DeltaHedge, EventKind::RiskRanked], "{all:#?}");
    assert_eq!(ev[0].amount, Some(d("-12.10")));
    assert!(all[1].starts_with("d is back above maintenance ($37.90 equity vs $"), "{}", all[1]);
    assert!(all[1].ends_with(" after the hedge alone: the liquidation stops and its other 3 positions stay open."), "{}", all[1]);
    let v = t.account_at(0, 1);
    assert_eq!(v.equity, d("650") - d("600") - d("12.10"));
    assert!(v.maintenance <= d("1"), "a flat book: {}", v.maintenance);
    assert_eq!(v.positions, vec![("C50".to_string(), d("-10")), ("P50".to_string(), d("-2")), ("F".to_string(), d("10"))]);
    assert_eq!(t.status_at(0, 1), Status::Liquidating);
    assert!(t.events_at(2).iter().all(|e| e.account != Some(0)), "nothing more to do at step 2");
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
}

/// The shared random option book in the band's shape (the grid, a narrow grid, SPAN; 60 steps, σ
/// shocks, funding) with little cash, on an exchange liquidating by Deribit's rule: about one
/// book in six is hedged (under a portfolio model the hedge alone often restores maintenance).
/// The standard-margin suite (`tests/options_engine.rs`) reaches the leg-by-leg rounds.
fn thin_book() -> impl Strategy<Value = Scenario> {
    option_book::option_book_of(option_book::OptionShape { cash: 20..400, ..option_book::OptionShape::band() }).prop_map(|mut s| {
        s.venue.style = VenueStyle::Exchange;
        s.venue.settlement = Settlement::Unrealized;
        s.venue.option_liquidation = OptionLiquidation::Deribit;
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Conservation to the last unit, a balanced ledger, and the same timeline byte for byte
    /// with the slack band, without it and by the reference loop.
    #[test]
    fn portfolio_margined_option_liquidations_conserve(s in thin_book()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let run = |mode| engine::simulate_with_mode(&s, &s.waterfall, mode).map_err(|e| TestCaseError::fail(e.to_string()));
        let fast = run(ScanMode::Indexed)?;
        let sm = &fast.summary;
        prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
        prop_assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated);
        for (asset, v) in fast.ledger_sums() {
            prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
        }
        prop_assert!(fast.conservation().map_err(|e| TestCaseError::fail(e.to_string()))?.ledger_balances);
        let band = serde_json::to_string(&fast).unwrap();
        prop_assert!(band == serde_json::to_string(&run(ScanMode::IndexedWithoutBand)?).unwrap(), "band and no band differ");
        prop_assert!(band == serde_json::to_string(&run(ScanMode::Reference)?).unwrap(), "band and reference differ");
    }
}
