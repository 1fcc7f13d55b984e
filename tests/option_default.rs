#![cfg(not(target_arch = "wasm32"))]
//! Default management of an option book at a clearing house (issue 18, engine/option_default.rs):
//! the defaulter's book is delta-hedged with its underlying future at the market (price impact
//! paid, an event and a ledger entry), then closed out leg by leg, the largest contributor to its
//! margin first, at the auction discount. Figures by hand.

use rust_decimal::Decimal;
use spillway::engine::{self, timeline::EventKind};
use spillway::scenario::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// F flat at 100 (price impact 100 per million of notional, 5 % maintenance); a 50-strike call on
/// F expiring at step 5, 7 days a step, σ 20 % — so deep in the money that Black-76 gives it
/// delta 1 and a mark of exactly 50. `d` is short 10 calls and long 4 F with 700 of cash and is
/// declared in default at step 1; `b` holds the other side.
fn book(venue_extra: &str, d_model: &str) -> Scenario {
    let json = format!(
        r#"{{"version":1,"name":"option default","steps":5,
        "venue":{{"style":"ccp","settlement":"variation_margin","auction_discount":"0.1","max_slippage":"0.5"{venue_extra}}},
        "instruments":[
          {{"id":"F","tick_size":"0.01","lot_size":"1","price_impact":"100","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}},
          {{"id":"C50","tick_size":"0.01","lot_size":"1","expiry":{{"step":5,"settlement":"cash"}},
           "option":{{"on":"F","kind":"call","strike":"50","days_per_step":"7","volatility":{{"initial":"0.2"}}}}}}],
        "accounts":[
          {{"id":"d","role":"member","cash":"700"{d_model},"positions":[{{"instrument":"C50","size":"-10"}},{{"instrument":"F","size":"4"}}]}},
          {{"id":"b","role":"member","cash":"100000","positions":[{{"instrument":"C50","size":"10"}},{{"instrument":"F","size":"-4"}}]}},
          {{"id":"m1","role":"member","cash":"0","fund_contribution":"1000"}}],
        "declared_defaults":[{{"account":"d","step":1}}],
        "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"survivors_fund"}}]}}"#
    );
    let s = from_json(&json).expect("parses");
    validate(&s).expect("valid");
    s
}

/// By hand, step 1. Delta: −10 × 1 (calls) + 4 (F) = −6, so the clearing house buys 6 F: 100 ×
/// 600 / 10⁶ = 6 % impact, at 106; cost 6 × (100 − 106) = −36. The hedge joins the 4 F: 10 F.
/// Contributions per instrument: the short calls' maintenance 10 × (0.075 × 100 + 50) = 575, the
/// future's 0.05 × 10 × 100 = 50: calls first, bought back 10 % above mark at 55 (−50), then the
/// 10 F sold at 100 × (1 − 0.1 impact − 0.1 discount) = 80 (−200). Loss 36 + 50 + 200 = 286,
/// within the 700 of margin: no deficit.
#[test]
fn an_option_book_is_hedged_then_closed_largest_risk_first() {
    let t = engine::simulate(&book("", "")).unwrap();
    let ev = t.events_at(1);
    let texts: Vec<String> = ev.iter().map(|e| e.text()).collect();
    let pos = |k: EventKind| ev.iter().position(|e| e.kind == k).unwrap_or_else(|| panic!("{k:?} in {texts:#?}"));
    let hedge = &ev[pos(EventKind::DeltaHedge)];
    assert_eq!(hedge.amount, Some(d("-36")));
    assert_eq!(
        hedge.text(),
        "Before the auction the clearing house delta-hedges d's option book: its delta of \u{2212}6 F is offset by buying 6 F at 106 (mark 100), a cost of $36.00 in price impact; it now holds 10 F.",
        "{texts:#?}"
    );
    let ranked: Vec<(Option<Decimal>, String)> = ev.iter().filter(|e| e.kind == EventKind::RiskRanked).map(|e| (e.amount, e.text())).collect();
    assert_eq!(ranked.len(), 2, "{texts:#?}");
    assert_eq!(ranked[0].0, Some(d("575")));
    assert_eq!(ranked[1].0, Some(d("50")));
    assert!(ranked[0].1.contains("leg 1") && ranked[0].1.contains("\u{2212}10 C50"), "{}", ranked[0].1);
    let auctions: Vec<String> = ev.iter().filter(|e| e.kind == EventKind::Liquidation).map(|e| e.text()).collect();
    assert_eq!(auctions, vec!["Auction: d's \u{2212}10 C50 sold at 55 (mark 50).".to_string(), "Auction: d's 10 F sold at 80 (mark 100).".to_string()], "{texts:#?}");
    // Hedge, rank, auction, rank, auction — in that order.
    assert!(pos(EventKind::DeltaHedge) < pos(EventKind::RiskRanked));
    // The loss stays within its margin; conserved to the last unit.
    let sm = &t.summary;
    assert_eq!(sm.deficit, d("286"));
    assert_eq!(sm.by_layer.first(), Some(&d("286")), "all of it from d's own margin");
    assert_eq!(sm.unallocated, Decimal::ZERO);
    assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
    assert!(t.ledger_sums().values().all(|v| v.is_zero()));
    assert!(t.conservation().unwrap().ledger_balances);
    assert_eq!(t.account_at(0, 1).collateral, d("414"), "700 − 36 − 50 − 200");
    // The hedge's cost is in the ledger against the venue's settlement account.
    assert!(t.ledger.iter().any(|e| e.step == 1 && e.amount == d("36") && e.memo.contains("delta hedge: 6 F at 106")), "a ledger entry for the hedge");
}

/// Under a portfolio model the ranking is by marginal contribution, requirement with the leg less
/// requirement without it. The hedged book (short 10 calls of delta 1, long 10 F) is flat (its
/// requirement ≈ 0), and each leg alone carries the whole grid risk, 10 % × 10 × 100 = 100: each
/// leg's contribution is ≈ −100 (each hedges the other). The calls' alone is a hair above 100
/// (a vol-up scenario adds a trace of time value), so theirs is a hair above −100 — but the
/// future's is exactly 0 − 100.0000…: calls first. Conserved.
#[test]
fn under_portfolio_margin_the_ranking_is_marginal() {
    let grid = r#","margin_model":{"kind":"scenario_grid","price_range":"0.10","buckets":2,"extended":false,"roll_min_move":"0","mm_factor":"1"}"#;
    let t = engine::simulate(&book("", grid)).unwrap();
    let ev = t.events_at(1);
    let ranked: Vec<(Option<Decimal>, String)> = ev.iter().filter(|e| e.kind == EventKind::RiskRanked).map(|e| (e.amount, e.text())).collect();
    let texts: Vec<String> = ev.iter().map(|e| e.text()).collect();
    assert_eq!(ranked.len(), 2, "{texts:#?}");
    let c0 = ranked[0].0.unwrap();
    assert!(c0 >= d("-100.001") && c0 <= d("-99.999"), "{c0}");
    assert!(ranked[0].1.contains("C50"), "{texts:#?}");
    let sm = &t.summary;
    assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
    assert!(t.conservation().unwrap().ledger_balances);
}
