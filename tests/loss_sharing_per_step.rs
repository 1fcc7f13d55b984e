//! Socialized loss and the VM-gains haircut split once per step (issue 14), worked by hand: two
//! defaults in one step whose bad debts are 30 and 70, and three accounts in profit by 100, 200
//! and 700, give ONE split of 100 at a rate of 10 %: shares 10, 20 and 70, which pass through
//! `venue:loss_sharing` to the two defaulters (5 entries, not 2 × 3).
#![cfg(not(target_arch = "wasm32"))]

use rust_decimal::Decimal;
use spillway::engine::EventKind;

fn d(x: &str) -> Decimal {
    x.parse().unwrap()
}

/// Longs l1 (1 @ 100, cash 20) and l2 (2 @ 100, cash 30) go bankrupt when the price halves at
/// step 1: bad debts 50 − 20 = 30 and 100 − 30 = 70. Shorts of 2, 4 and 14 gain 100, 200, 700;
/// the market maker holds the other 17 long (a loss: it pays nothing).
fn book(settlement: &str, layer: &str) -> spillway::scenario::Scenario {
    let json = format!(
        r#"{{
  "version": 1, "steps": 2,
  "venue": {{ "style": "exchange", "settlement": "{settlement}", "quote": "USD", "insurance_fund": "0", "liquidation_fee": "0", "max_slippage": "0" }},
  "instruments": [ {{ "id": "X", "tick_size": "0.01", "lot_size": "1", "margin": {{ "initial": "0.1", "maintenance": "0.05" }}, "counterparty": "mm",
                     "price": {{ "initial": "100", "points": [ {{ "step": 1, "price": "50" }}, {{ "step": 2, "price": "50" }} ] }} }} ],
  "accounts": [
    {{ "id": "l1", "cash": "20", "positions": [ {{ "instrument": "X", "size": "1", "entry_price": "100" }} ] }},
    {{ "id": "l2", "cash": "30", "positions": [ {{ "instrument": "X", "size": "2", "entry_price": "100" }} ] }},
    {{ "id": "s1", "cash": "1000", "positions": [ {{ "instrument": "X", "size": "-2", "entry_price": "100" }} ] }},
    {{ "id": "s2", "cash": "1000", "positions": [ {{ "instrument": "X", "size": "-4", "entry_price": "100" }} ] }},
    {{ "id": "s3", "cash": "1000", "positions": [ {{ "instrument": "X", "size": "-14", "entry_price": "100" }} ] }},
    {{ "id": "mm", "role": "market_maker", "cash": "100000" }}
  ],
  "waterfall": [ {layer} ]
}}"#
    );
    spillway::scenario::from_json(&json).expect("valid book")
}

fn check(settlement: &str, layer: &str, payer_memo: &str, split_text: &str) {
    let t = spillway::engine::simulate(&book(settlement, layer)).expect("runs");
    assert!(t.conservation().unwrap().to_string().is_empty(), "{}", t.conservation().unwrap());
    // The deficit counts the defaulters' own margins (20 + 30) before the 100 shared.
    assert_eq!((t.summary.deficit, t.summary.allocated, t.summary.unallocated), (d("150"), d("150"), d("0")));
    let texts: Vec<String> = t.events.iter().filter(|e| e.kind == EventKind::Haircut).map(|e| format!("{} {}", e.step, e.text())).collect();
    let label = if settlement == "unrealized" { "Socialized loss" } else { "VM gains haircut" };
    assert_eq!(
        texts,
        vec![
            format!("1 l1's remaining loss of $30.00 goes to this step's split: {label}."),
            format!("1 l2's remaining loss of $70.00 goes to this step's split: {label}."),
            format!("1 {split_text}"),
        ],
        "{label}"
    );
    let entries: Vec<String> = t
        .ledger
        .iter()
        .filter(|e| e.debit.as_ref() == "venue:loss_sharing" || e.credit.as_ref() == "venue:loss_sharing")
        .map(|e| format!("{} {} -> {} {} ({})", e.step, e.credit, e.debit, e.amount.normalize(), e.memo))
        .collect();
    assert_eq!(
        entries,
        vec![
            format!("1 acct:s1 -> venue:loss_sharing 10 ({payer_memo})"),
            format!("1 acct:s2 -> venue:loss_sharing 20 ({payer_memo})"),
            format!("1 acct:s3 -> venue:loss_sharing 70 ({payer_memo})"),
            format!("1 venue:loss_sharing -> acct:l1 30 ({})", if settlement == "unrealized" { "socialized loss" } else { "variation-margin gains haircut" }),
            format!("1 venue:loss_sharing -> acct:l2 70 ({})", if settlement == "unrealized" { "socialized loss" } else { "variation-margin gains haircut" }),
        ]
    );
    // Each payer gave up 10 % of its profit (its loss to the waterfall); the defaulters end at 0.
    let losses: Vec<Decimal> = (2..5).map(|a| t.account_at(a, t.steps).loss_to_waterfall.normalize()).collect();
    assert_eq!(losses, vec![d("10"), d("20"), d("70")]);
    for a in 0..2 {
        assert_eq!(t.account_at(a, t.steps).collateral.normalize(), d("0"), "defaulter {a}");
    }
}

#[test]
fn two_defaults_one_step_one_socialized_split() {
    check(
        "unrealized",
        r#"{"kind": "socialized_loss"}"#,
        "clawback: the step's socialized loss",
        "Socialized loss: 3 accounts in profit give up 10% of their profit ($100.00 in all).",
    );
}

#[test]
fn two_defaults_one_step_one_vm_gains_haircut() {
    check(
        "variation_margin",
        r#"{"kind": "variation_margin_haircut"}"#,
        "the step's variation-margin gains haircut",
        "VM gains haircut: $100.00 cut from this step's gains of 3 accounts (10% of them).",
    );
}

/// Issue 17 (found by the stress properties on the shared generator): a VM-haircut window that
/// closes with its loss uncut, on a step where nothing else moves, flags the layer exhausted in
/// the recorded layer states. a1 (2 long at 100, cash 10) is bankrupt after the 56 % fall: its
/// auction at 44 leaves 2 × 56 − 10 = 102; no account gains VM in the window (steps 3–4), so the
/// 102 goes past the haircut, unallocated.
#[test]
fn a_vm_haircut_window_that_closes_uncut_is_exhausted() {
    let json = r#"{"version":1,"steps":12,"venue":{"style":"ccp","settlement":"variation_margin","insurance_fund":"0"},
      "instruments":[{"id":"I0","tick_size":"0.01","lot_size":"1","counterparty":"mm","price":{"initial":"100","shocks":[{"step":2,"change":"-0.56"}]}}],
      "accounts":[{"id":"a0","cash":"10","positions":[{"instrument":"I0","size":"31"}]},{"id":"a1","cash":"10","positions":[{"instrument":"I0","size":"2"}]},
        {"id":"mm","role":"market_maker","cash":"1000000"}],
      "waterfall":[{"kind":"variation_margin_haircut","max_steps":2}]}"#;
    let t = spillway::engine::simulate(&spillway::scenario::from_json(json).unwrap()).unwrap();
    assert_eq!(t.summary.unallocated, d("102"));
    let last = t.layer_state(t.steps);
    assert_eq!(t.layers[1].kind, "VariationMarginHaircut");
    assert!(last[1].exhausted, "{last:?}");
    assert_eq!(last[1].drawn, Decimal::ZERO);
}

/// Issue 19 (found by `conservation_and_determinism`, seed 846): an isolated-margin account in
/// profit paid its socialized-loss share from its cross cash, which was 0 (all its cash was its
/// isolated margin); the cash went to −75.48495 and, once its isolated position went bankrupt,
/// the close-out (of that group alone) left the account with that debt. The share now comes
/// out of the isolated margin that holds the profit (`Sim::take_share`).
///
/// By hand, from the seeded path's marks 100, 93.98, 111.33, 109.65, 112.8 (steps 0–4) and
/// funding 0.0001 × mark a step. Step 1: a1 (25 long, cash 125) is liquidated at 91.99:
/// 25 × (91.99 − 100) − 25 × 0.0001 × 93.98 = −200.25 − 0.23495 = −200.48495, a deficit of
/// 75.48495 after its 125. a0 (40 short, isolated margin 798, cross cash 0) is the only account
/// in profit: 40 × 6.02 + 40 × 0.0001 × 93.98 = 240.8 + 0.37592 = 241.17592, so it pays the
/// whole 75.48495 (31.3 %) from its isolated margin: 798 − 75.48495 = 722.51505, equity
/// 722.51505 + 241.17592 = 963.69097, cross cash still 0. Steps 2–3: equity 722.51505 − 453.2 +
/// 0.82124 = 270.13629 and 722.51505 − 386 + 1.25984 = 337.77489, above maintenance (222.66,
/// 219.3). Step 4 (mark 112.8): 722.51505 − 512 + 1.71104 = 212.22609 < 225.6: liquidated at
/// 117.38, realized −40 × 17.38 + 1.71104 = −693.48896, the group keeps 722.51505 − 693.48896 =
/// 29.02609, less the penalty 0.005 × 4,512 = 22.56: a0 ends with 6.46609 and no debt. The
/// deficit is a1's 125 + 75.48495 = 200.48495, all allocated.
#[test]
fn an_isolated_account_pays_its_socialized_share_from_its_isolated_margin() {
    let json = r#"{"version":1,"seed":846,"steps":20,"venue":{"insurance_fund":"0","liquidation_fee":"0.005","auction_discount":"0.03","adl":"dydx"},
      "instruments":[{"id":"I0","tick_size":"0.01","lot_size":"1","funding_rate":"0.0001","price_impact":"9","counterparty":"mm",
        "price":{"initial":"100","shocks":[{"step":2,"change":"0.17"}],"gbm":{"drift":"0","volatility":"0.03"}}}],
      "accounts":[{"id":"a0","margin_mode":"isolated","cash":"798","positions":[{"instrument":"I0","size":"-40"}]},
        {"id":"a1","cash":"125","positions":[{"instrument":"I0","size":"25"}]},
        {"id":"mm","role":"market_maker","cash":"1000000"},{"id":"vault","role":"lp_vault","cash":"20000"}],
      "waterfall":[{"kind":"socialized_loss"}],
      "trade_cancellations":[{"from":18,"to":18}],
      "withdrawals":[{"account":"a0","step":2,"amount":"292"}]}"#;
    let t = spillway::engine::simulate(&spillway::scenario::from_json(json).unwrap()).unwrap();
    assert!(t.conservation().unwrap().holds(), "{}", t.conservation().unwrap());
    let marks: Vec<Decimal> = (0..5).map(|k| t.mark(0, k)).collect();
    assert_eq!(marks, ["100", "93.98", "111.33", "109.65", "112.8"].map(d), "the seeded path the figures use");
    assert_eq!((t.summary.deficit, t.summary.allocated, t.summary.unallocated), (d("200.48495"), d("200.48495"), d("0")));
    let paid: Vec<String> = t
        .ledger
        .iter()
        .filter(|e| e.debit.as_ref() == "venue:loss_sharing")
        .map(|e| format!("{} {} {}", e.step, e.credit, e.amount.normalize()))
        .collect();
    assert_eq!(paid, ["1 acct:a0 75.48495"]);
    let a0 = |k: u32| t.account_at(0, k);
    // Step 1: the share came out of the isolated margin (collateral = cross cash 0 + margin).
    assert_eq!((a0(1).collateral, a0(1).equity), (d("722.51505"), d("963.69097")));
    assert_eq!((a0(2).equity, a0(3).equity), (d("270.13629"), d("337.77489")));
    let liquidated: Vec<String> = t.events.iter().filter(|e| e.account == Some(0) && e.kind == EventKind::Liquidation).map(|e| format!("{} {}", e.step, e.text())).collect();
    assert_eq!(liquidated.len(), 1);
    assert!(liquidated[0].starts_with("4 a0's −40 I0 liquidated at 117.38 (mark 112.8;"), "{liquidated:?}");
    assert!(liquidated[0].contains("only the $722.52 set aside for this position"), "{liquidated:?}");
    assert_eq!((a0(t.steps).equity, a0(t.steps).collateral), (d("6.46609"), d("6.46609")));
    assert_eq!(a0(t.steps).status, spillway::engine::Status::Liquidated);
    // No bankrupt account ends in debt (the property that failed).
    for i in 0..t.accounts.len() {
        let v = t.account_at(i, t.steps);
        assert!(v.status != spillway::engine::Status::Bankrupt || v.equity >= Decimal::ZERO, "{} left with {}", t.accounts[i].id, v.equity);
    }
}

