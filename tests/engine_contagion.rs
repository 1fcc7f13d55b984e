#![cfg(not(target_arch = "wasm32"))]
//! Contagion between venues (issue 4): worked examples with hand-computed numbers, cycles refused,
//! and a property test: every venue conserves value and each link passes exactly share × source.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine::{self, EventKind, Status};
use spillway::scenario::*;

#[path = "common/random_scenario.rs"]
#[allow(dead_code)]
mod random_scenario;

fn d(x: &str) -> Decimal {
    x.parse().unwrap()
}

/// Venue A: a trader long 10 X at 100 with 100 cash; X falls to 50 at step 1, no fee, no
/// insurance: close-out loss 500, margin 100, unallocated residual 400.
fn venue_a() -> Scenario {
    from_json(
        r#"{"version":1,"name":"A","steps":3,
        "venue":{"name":"Venue A","insurance_fund":"0","liquidation_fee":"0"},
        "instruments":[{"id":"X","price":{"initial":"100","points":[{"step":1,"price":"50"}]}}],
        "accounts":[{"id":"t","cash":"100","positions":[{"instrument":"X","size":"10"}]},
                    {"id":"hlp","role":"lp_vault","cash":"10000","positions":[{"instrument":"X","size":"-10"}]}],
        "waterfall":[{"kind":"defaulter_margin"},{"kind":"insurance_fund"}]}"#,
    )
    .unwrap()
}

/// Venue `name`: one account `fund` with `cash` and no position, insurance fund 1,000.
fn venue(id: &str, name: &str, cash: &str) -> LinkedVenue {
    let json = format!(
        r#"{{"version":1,"name":"{name}","steps":3,"venue":{{"name":"{name}","insurance_fund":"1000"}},
        "instruments":[{{"id":"Y","price":{{"initial":"10"}}}}],
        "accounts":[{{"id":"fund","cash":"{cash}"}}],
        "waterfall":[{{"kind":"defaulter_margin"}}]}}"#
    );
    LinkedVenue { id: id.into(), scenario: from_json(&json).unwrap() }
}

fn link(from: &str, source: ContagionSource, to: &str, share: &str, delay: u32) -> ContagionLink {
    ContagionLink { from: from.into(), source, to: to.into(), account: "fund".into(), share: d(share), delay }
}

fn balanced(t: &engine::Timeline) -> bool {
    t.ledger_sums().values().all(|v| v.is_zero()) && t.summary.allocated + t.summary.unallocated == t.summary.deficit
}

#[test]
fn unallocated_residual_becomes_a_default_on_the_next_venue() {
    let mut s = venue_a();
    s.linked_venues = vec![venue("b", "Venue B", "150")];
    s.contagion = vec![link("main", ContagionSource::Unallocated, "b", "0.5", 0)];
    let run = engine::simulate_system(&s).unwrap();
    let (a, b) = (&run.venues[0].timeline, &run.venues[1].timeline);
    assert_eq!(a.summary.unallocated, d("400"));
    // 400 × 0.5 = 200 lands at step 1; the fund had 150: a deficit of 50 on venue B, with no
    // layer but its own (empty) margin: B is insolvent by 50.
    assert_eq!(run.flows.len(), 1);
    let f = &run.flows[0];
    assert_eq!((f.step, f.lands_at, f.amount, f.landed), (1, 1, d("200"), d("200")));
    assert_eq!(b.account_at(0, 1).status, Status::Bankrupt);
    assert_eq!(b.summary.deficit, d("50"));
    assert_eq!(b.summary.unallocated, d("50"));
    assert!(b.events_at(1).iter().any(|e| e.kind == EventKind::ContagionLoss && e.text().contains("Venue A's unallocated residual")));
    assert!(balanced(a) && balanced(b));
    // The ledger shows who paid whom: the fund's 200 to the source venue's contagion account.
    assert_eq!(spillway::engine::ledger::balance_of(&b.ledger, "external:contagion:main", "USD"), d("200"));
    // `simulate` on the scenario is the main venue of the system run.
    let main = engine::simulate(&s).unwrap();
    assert_eq!(serde_json::to_string(&main).ok(), serde_json::to_string(&**a).ok());
}

#[test]
fn vault_haircut_passes_to_a_depositor_after_a_delay() {
    let mut s = venue_a();
    s.waterfall = vec![LayerSpec::DefaulterMargin, LayerSpec::LpVaultHaircut { account: "hlp".into() }];
    s.linked_venues = vec![venue("b", "Venue B", "150")];
    s.contagion = vec![link("main", ContagionSource::VaultHaircut, "b", "0.25", 2)];
    let run = engine::simulate_system(&s).unwrap();
    let (a, b) = (&run.venues[0].timeline, &run.venues[1].timeline);
    // The vault takes the 400 beyond the trader's margin; a 25 % depositor loses 100, two steps on.
    assert_eq!(a.summary.by_layer[1], d("400"));
    assert_eq!(a.summary.unallocated, Decimal::ZERO);
    let f = &run.flows[0];
    assert_eq!((f.step, f.lands_at, f.amount, f.landed), (1, 3, d("100"), d("100")));
    assert_eq!(b.account_at(0, 2).equity, d("150"));
    assert_eq!(b.account_at(0, 3).equity, d("50"));
    assert_eq!(b.summary.defaults, 0);
    assert!(balanced(a) && balanced(b));
}

#[test]
fn a_chain_runs_sources_first_whatever_the_link_order() {
    // main → b → c: b's fund defaults with no layer behind it; its 50 residual goes on to c.
    let mut s = venue_a();
    s.linked_venues = vec![venue("c", "Venue C", "30"), venue("b", "Venue B", "150")];
    s.contagion = vec![link("b", ContagionSource::Unallocated, "c", "1", 1), link("main", ContagionSource::Unallocated, "b", "0.5", 0)];
    let run = engine::simulate_system(&s).unwrap();
    assert_eq!(run.order, vec![0, 2, 1]);
    let c = &run.venues[1].timeline;
    assert_eq!(run.link_totals(0), (d("50"), d("50")));
    // 50 lands at step 2 on a fund with 30: C is insolvent by 20.
    assert_eq!(c.account_at(0, 2).status, Status::Bankrupt);
    assert_eq!(c.summary.unallocated, d("20"));
    assert!(run.venues.iter().all(|v| balanced(&v.timeline)));
}

#[test]
fn a_loss_does_not_land_on_an_account_already_in_default() {
    // c's fund is hit twice: by b's residual (defaults it) and then by main's, which cannot land.
    let mut s = venue_a();
    s.linked_venues = vec![venue("b", "Venue B", "150"), venue("c", "Venue C", "30")];
    s.contagion = vec![
        link("main", ContagionSource::Unallocated, "b", "0.5", 0),
        link("b", ContagionSource::Unallocated, "c", "1", 0),
        link("main", ContagionSource::Unallocated, "c", "0.1", 2),
    ];
    let run = engine::simulate_system(&s).unwrap();
    assert_eq!(run.link_totals(1), (d("50"), d("50")));
    assert_eq!(run.link_totals(2), (d("40"), Decimal::ZERO));
    let c = &run.venues[2].timeline;
    assert!(c.events_at(3).iter().any(|e| e.kind == EventKind::ContagionLoss && e.text().contains("already in default")));
    assert_eq!(c.summary.unallocated, d("20"));
    assert!(balanced(c));
}

#[test]
fn links_into_the_main_venue_reach_simulate() {
    // A linked venue upstream of the scenario's own: `simulate` includes what it passes on.
    let mut up = venue_a();
    up.name = "Upstream".into();
    up.venue.name = "Upstream".into();
    let mut s = venue("x", "Main", "150").scenario;
    s.linked_venues = vec![LinkedVenue { id: "up".into(), scenario: up }];
    s.contagion = vec![link("up", ContagionSource::Unallocated, "main", "1", 0)];
    let t = engine::simulate(&s).unwrap();
    assert_eq!(t.account_at(0, 1).status, Status::Bankrupt);
    assert_eq!(t.summary.deficit, d("250"));
}

#[test]
fn a_cycle_is_refused_before_anything_runs() {
    let mut s = venue_a();
    s.linked_venues = vec![venue("b", "Venue B", "150")];
    s.accounts.push(AccountSpec { id: "fund".into(), cash: d("1"), ..Default::default() });
    s.contagion = vec![link("main", ContagionSource::Unallocated, "b", "1", 0), link("b", ContagionSource::Unallocated, "main", "1", 0)];
    let err = engine::simulate(&s).unwrap_err().to_string();
    assert!(err.contains("cycle") && err.contains("main → b → main"), "{err}");
    let errs = validate(&s).unwrap_err();
    assert_eq!(errs[0].path, "contagion[0]");
}

#[test]
fn linked_venues_round_trip_through_json_and_links() {
    let mut s = venue_a();
    s.linked_venues = vec![venue("b", "Venue B", "150")];
    s.contagion = vec![link("main", ContagionSource::VaultHaircut, "b", "0.25", 2)];
    s.waterfall.push(LayerSpec::LpVaultHaircut { account: "hlp".into() });
    let back = from_json(&to_json(&s)).unwrap();
    assert_eq!(back, s);
    let shared = codec::decode(&codec::encode(&s, Some(2))).unwrap();
    assert_eq!(shared.scenario, s);
    // A field of a linked venue's scenario is named with its whole path.
    let bad = to_json(&s).replace(r#""cash": "150""#, r#""cash": "lots""#);
    let errs = from_json(&bad).unwrap_err();
    assert_eq!(errs[0].path, "linked_venues[0].scenario.accounts[0].cash", "{errs:?}");
    assert!(errs[0].message.contains("lots"));
}

fn system_strategy() -> impl Strategy<Value = Scenario> {
    (random_scenario::scenario_strategy(), random_scenario::scenario_strategy(), 1i64..=100, 0u32..4, any::<bool>(), 0i64..3_000)
        .prop_map(|(a, b, share, delay, vault, fund_cash)| {
            let mut s = a;
            let mut b = b;
            b.accounts.push(AccountSpec { id: "fund".into(), cash: Decimal::from(fund_cash), reserves: Decimal::from(fund_cash), ..Default::default() });
            let source = if vault && s.waterfall.iter().any(|l| matches!(l, LayerSpec::LpVaultHaircut { .. })) {
                ContagionSource::VaultHaircut
            } else {
                ContagionSource::Unallocated
            };
            s.linked_venues = vec![LinkedVenue { id: "b".into(), scenario: b }];
            s.contagion = vec![
                ContagionLink { from: "main".into(), source, to: "b".into(), account: "fund".into(), share: Decimal::new(share, 2), delay },
                // Also into one of b's own members: losses reach accounts with positions too.
                ContagionLink { from: "main".into(), source: ContagionSource::Unallocated, to: "b".into(), account: "a0".into(), share: Decimal::new(share, 2), delay: 0 },
            ];
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_venue_conserves_and_links_pass_share_times_source(s in system_strategy()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let run = engine::simulate_system(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for v in &run.venues {
            let t = &v.timeline;
            prop_assert!(balanced(t), "venue {} does not conserve", v.id);
        }
        let a = &run.venues[0].timeline;
        for (i, l) in s.contagion.iter().enumerate() {
            let source_total = match l.source {
                ContagionSource::Unallocated => a.summary.unallocated,
                ContagionSource::VaultHaircut => a.layers.iter().zip(&a.summary.by_layer).filter(|(x, _)| x.kind == "LpVaultHaircut").map(|(_, v)| *v).sum(),
            };
            let (passed, landed) = run.link_totals(i);
            prop_assert_eq!(passed, source_total * l.share);
            prop_assert!(landed <= passed && landed >= Decimal::ZERO);
        }
        // Deterministic.
        let again = engine::simulate_system(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again.flows, &run.flows);
    }
}
