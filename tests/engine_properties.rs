#![cfg(not(target_arch = "wasm32"))]
//! Property tests over random small scenarios and random waterfalls: conservation to the last
//! unit, a balanced ledger, determinism, no layer beyond its capacity, no panic.

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::engine;
use spillway::scenario::*;

#[path = "common/random_scenario.rs"]
mod random_scenario;
use random_scenario::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn conservation_and_determinism(s in scenario_strategy()) {
        prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
        let t = engine::simulate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sm = &t.summary;
        prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
        prop_assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated);
        for (asset, v) in t.ledger_sums() {
            prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
        }
        // No layer beyond its capacity: a skin in the game's, with the temporary capital put
        // into it (`capital_injections`, into the first layer of their tranche).
        for (l, (info, drawn)) in t.layers.iter().zip(&sm.by_layer).enumerate() {
            if let Some(cap) = info.capacity {
                let first_of_kind = t.layers.iter().position(|x| x.kind == info.kind) == Some(l);
                let injected: Decimal = s.capital_injections.iter().filter(|c| first_of_kind && c.tranche.layer_kind() == info.kind).map(|c| c.amount).sum();
                if info.kind.starts_with("SkinInTheGame") || info.kind == "SurvivorsFund" {
                    prop_assert!(*drawn <= cap + injected, "{} drew {} > {} + {}", info.label, drawn, cap, injected);
                }
            }
        }
        // The clearing house's capital account in the ledger is what its skin-in-the-game
        // layers still hold (committed + injected − paid − withdrawn).
        let sig_left: Decimal = t.layer_state(t.steps).iter().zip(&t.layers).filter(|(_, i)| i.kind.starts_with("SkinInTheGame")).filter_map(|(st, _)| st.remaining).sum();
        prop_assert_eq!(engine::ledger::balance_of(t.ledger.iter(), "venue:own_capital", &s.venue.quote), sig_left);
        // Every bankrupt or defaulted account ends with no debt: layers plus write-down cover it.
        for i in 0..t.accounts.len() {
            let v = t.account_at(i, t.steps);
            if v.status == engine::Status::Bankrupt {
                prop_assert!(v.equity >= Decimal::ZERO, "{} left with {}", t.accounts[i].id, v.equity);
            }
        }
        // Layer states are cumulative and end at the summary.
        let last = t.layer_state(t.steps);
        for (st, drawn) in last.iter().zip(&sm.by_layer) {
            prop_assert_eq!(st.drawn, *drawn);
        }
        prop_assert_eq!(t.unallocated_at(t.steps), sm.unallocated);
        // Determinism.
        let t2 = engine::simulate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_string(&t).ok(), serde_json::to_string(&t2).ok());
    }

    #[test]
    fn invalid_json_never_panics(text in ".{0,200}") {
        let _ = from_json(&text);
    }

    #[test]
    fn mutated_scenario_never_panics(s in scenario_strategy(), steps in 0u32..3, size in -2i64..2) {
        let mut s = s;
        s.steps = steps;
        if let Some(a) = s.accounts.first_mut() {
            if let Some(p) = a.positions.first_mut() { p.size = Decimal::from(size); }
        }
        match validate(&s) {
            Ok(()) => { let _ = engine::simulate(&s); }
            Err(errs) => prop_assert!(!errs.is_empty()),
        }
    }
}

/// Regression: partial liquidation cut a quarter of the position without rounding to the lot
/// size, so 20 steps of quartering reached 28 digits and the ledger no longer summed to zero.
#[test]
fn partial_liquidation_closes_whole_lots_and_the_ledger_balances() {
    let mut s = Scenario { steps: 20, ..Default::default() };
    s.venue.insurance_fund = Decimal::from(500);
    s.venue.partial_liquidation = true;
    s.instruments.push(Instrument {
        id: "X".into(),
        lot_size: Decimal::ONE,
        counterparty: Some("vault".into()),
        price: PricePath { initial: Decimal::from(100), shocks: vec![Shock { step: 1, change: dec(-38, 2) }], ..Default::default() },
        ..Default::default()
    });
    s.accounts.push(AccountSpec {
        id: "a0".into(),
        cash: Decimal::from(1820),
        positions: vec![PositionSpec { instrument: "X".into(), size: Decimal::from(45), ..Default::default() }],
        ..Default::default()
    });
    s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
    let t = engine::simulate(&s).unwrap();
    assert!(t.ledger_sums().values().all(|v| v.is_zero()), "{:?}", t.ledger_sums());
    let sizes: Vec<Decimal> = (0..=t.steps).flat_map(|k| t.account_at(0, k).positions.into_iter().map(|p| p.1)).collect();
    assert!(sizes.iter().all(|x| x.fract().is_zero()), "{sizes:?}");
    assert!(t.events.iter().any(|e| e.kind == engine::EventKind::PartialLiquidation));
}

/// Issue 19: the default auction's paths (bids won, forced allocation, juniorisation) conserve
/// on random clearing-house books: every generated book as a CCP with a declared default of
/// `a0` at step 1 and the generator's auction (or one from the seed), and each path is reached.
#[test]
fn default_auction_paths_conserve() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut won, mut forced, mut junior) = (0, 0, 0);
    for case in 0..96u64 {
        let mut s = scenario_strategy().new_tree(&mut runner).expect("tree").current();
        s.venue.style = VenueStyle::Ccp;
        s.venue.backstop_vault = None;
        s.declared_defaults = vec![DeclaredDefault { account: "a0".into(), step: 1.min(s.steps) }];
        if s.default_auction.is_none() {
            let members: Vec<String> = s.accounts.iter().filter(|a| a.role == Role::Member).map(|a| a.id.clone()).skip(1).collect();
            let bids = members.iter().enumerate().map(|(k, m)| AuctionBid { member: m.clone(), discount: dec(((case + k as u64) % 20) as i64, 2), share: dec(1 + ((case / 3 + k as u64) % 5) as i64, 1) }).collect();
            s.default_auction = Some(DefaultAuction { bids, max_discount: (case % 3 == 0).then(|| dec(10, 2)), ..Default::default() });
        }
        if case % 2 == 0 {
            // Half the cases: a defaulter with little margin and a waterfall through the
            // survivors' fund, so the loss reaches the juniorised contributions.
            s.accounts[0].cash = Decimal::ONE;
            s.waterfall = vec![LayerSpec::DefaulterMargin, LayerSpec::SurvivorsFund, LayerSpec::SocializedLoss];
            // No skin in the game left to hold the generator's temporary capital.
            s.capital_injections.clear();
        }
        assert!(validate(&s).is_ok(), "case {case}: {:?}", validate(&s));
        let t = engine::simulate(&s).expect("runs");
        let sm = &t.summary;
        assert_eq!(sm.allocated + sm.unallocated, sm.deficit, "case {case}");
        assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated, "case {case}");
        for (asset, v) in t.ledger_sums() {
            assert!(v.is_zero(), "case {case}: ledger for {asset} sums to {v}");
        }
        for step in 0..=t.steps {
            for e in t.events_at(step) {
                match e.kind {
                    engine::EventKind::AuctionWon => won += 1,
                    engine::EventKind::ForcedAllocation => forced += 1,
                    engine::EventKind::Juniorisation => junior += 1,
                    _ => {}
                }
            }
        }
        let t2 = engine::simulate(&s).expect("runs");
        assert_eq!(serde_json::to_string(&t).ok(), serde_json::to_string(&t2).ok(), "case {case}: deterministic");
    }
    assert!(won > 0 && forced > 0 && junior > 0, "every path reached: won {won}, forced {forced}, juniorised {junior}");
}

/// Issue 19's new paths, forced on the random books: I0's last traded price wicks away from its
/// mark (liquidations and close-outs fill there), the waterfall is the defaulter's margin, an
/// assessment paid first from excess collateral, then an initial-margin haircut. Every run
/// conserves to the last unit, and the new paths are reached (not just compiled).
#[test]
fn last_price_collateral_assessments_and_im_haircut_conserve() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use std::cell::Cell;
    let mut runner = TestRunner::new_with_rng(Config { cases: 96, failure_persistence: None, ..Config::default() }, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (im, coll, fills) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    runner
        .run(&(scenario_strategy(), 1i64..10, 60i64..140), |(mut s, cap, wick)| {
            // Half the books at a clearing house (close-outs by auction at the last price), half
            // on an exchange (liquidations at the last price).
            if s.seed % 2 == 0 {
                s.venue.style = VenueStyle::Ccp;
                s.venue.backstop_vault = None;
            }
            if let Some(i) = s.instruments.first_mut() {
                let step = 1 + (s.seed as u32) % s.steps.max(1);
                i.last_price = Some(PricePath { initial: i.price.initial, points: vec![PricePoint { step, price: Decimal::from(wick) }], ..Default::default() });
            }
            for a in s.accounts.iter_mut().filter(|a| a.role == Role::Member) {
                a.fund_contribution = a.fund_contribution.max(Decimal::from(100));
            }
            s.waterfall = vec![
                LayerSpec::DefaulterMargin,
                LayerSpec::Assessment { cap_multiple: Decimal::ONE, max_calls: 2, period_cap_multiple: None, cooling_off_steps: None, from_collateral: true },
                LayerSpec::ImHaircut { cap_fraction: Decimal::new(cap, 1) },
            ];
            s.capital_injections.clear(); // no skin-in-the-game layer to hold it
            prop_assert!(validate(&s).is_ok(), "{:?}", validate(&s));
            let t = engine::simulate(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let sm = &t.summary;
            prop_assert_eq!(sm.allocated + sm.unallocated, sm.deficit);
            prop_assert_eq!(sm.by_layer.iter().copied().sum::<Decimal>(), sm.allocated);
            for (asset, v) in t.ledger_sums() {
                prop_assert!(v.is_zero(), "ledger for {} sums to {}", asset, v);
            }
            t.conservation().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let texts: Vec<String> = t.events.iter().map(|e| e.text()).collect();
            im.set(im.get() + usize::from(texts.iter().any(|x| x.starts_with("Initial-margin haircut:"))));
            coll.set(coll.get() + usize::from(texts.iter().any(|x| x.contains("from its collateral at the clearing house"))));
            fills.set(fills.get() + usize::from(t.events.iter().any(|e| matches!(e.kind, engine::EventKind::Liquidation))));
            Ok(())
        })
        .expect("conserves");
    assert!(im.get() > 0 && coll.get() > 0 && fills.get() > 0, "reached: im haircut {}, collateral {}, fills {}", im.get(), coll.get(), fills.get());
}

/// Issue 19: temporary capital (`capital_injections`) on random books conserves, and the
/// generator reaches its paths: an injection, one withdrawn whole, and a default that drew on it.
#[test]
fn capital_injection_paths_conserve() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut injected, mut whole, mut used) = (0, 0, 0);
    for case in 0..400u64 {
        let mut s = scenario_strategy().new_tree(&mut runner).expect("tree").current();
        if s.capital_injections.is_empty() {
            continue;
        }
        if case % 2 == 0 {
            // Half the cases: the skin in the game holds nothing before and the capital comes
            // in at the opening, so a loss that reaches the layer is paid by the temporary
            // capital alone.
            for l in s.waterfall.iter_mut() {
                if let LayerSpec::SkinInTheGame { amount, .. } = l {
                    *amount = Decimal::ZERO;
                }
            }
            for c in s.capital_injections.iter_mut() {
                c.step = 0;
            }
            // The first skin in the game right after the defaulter's own resources.
            if let Some(k) = s.waterfall.iter().position(|l| matches!(l, LayerSpec::SkinInTheGame { .. })) {
                let sig = s.waterfall.remove(k);
                let at = s.waterfall.iter().position(|l| matches!(l, LayerSpec::DefaulterMargin)).map_or(0, |m| m + 1);
                s.waterfall.insert(at, sig);
            }
            // And a loss beyond margin: a0, with little of it, declared in default at step 1 and
            s.venue.style = VenueStyle::Ccp;
            s.venue.backstop_vault = None;
            s.accounts[0].cash = Decimal::ONE;
            s.declared_defaults = vec![DeclaredDefault { account: "a0".into(), step: 1.min(s.steps) }];
            // closed out at a 20% discount to mark: a loss whatever the price did.
            s.default_auction = None;
            s.venue.auction_discount = Decimal::new(20, 2);
        }
        assert!(validate(&s).is_ok(), "case {case}: {:?}", validate(&s));
        let t = engine::simulate(&s).expect("runs");
        let c = t.conservation().expect("conserves");
        assert!(c.ledger_balances && c.allocated_plus_unallocated_equals_deficit && c.layers_sum_to_allocated, "case {case}");
        // The capital account is what the skin-in-the-game layers still hold.
        let sig_left: Decimal = t.layer_state(t.steps).iter().zip(&t.layers).filter(|(_, i)| i.kind.starts_with("SkinInTheGame")).filter_map(|(st, _)| st.remaining).sum();
        assert_eq!(engine::ledger::balance_of(t.ledger.iter(), "venue:own_capital", &s.venue.quote), sig_left, "case {case}");
        let texts: Vec<String> = t.events.iter().filter(|e| e.kind == engine::EventKind::CapitalInjection).map(|e| e.text()).collect();
        injected += usize::from(texts.iter().any(|x| x.starts_with("Temporary capital: ")));
        whole += usize::from(texts.iter().any(|x| x.contains("no default used")));
        // A skin-in-the-game layer that paid more than was committed to it paid from the
        // temporary capital.
        used += usize::from(t.layers.iter().zip(&t.summary.by_layer).any(|(i, d)| i.kind.starts_with("SkinInTheGame") && i.capacity.is_some_and(|c| *d > c)));
    }
    assert!(injected > 0 && whole > 0 && used > 0, "reached: injected {injected}, withdrawn whole {whole}, used {used}");
}
