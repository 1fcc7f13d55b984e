#![cfg(not(target_arch = "wasm32"))]
//! Issue 14, "exact at every accepted magnitude": the hostile inputs that panicked or broke
//! conservation end in a clear error naming the field (and the bound), or in a run that conserves;
//! and scenarios at the edges of the numeric domain (src/scenario/domain.rs) conserve exactly.

use proptest::prelude::*;
use spillway::engine::{self, EngineError};
use spillway::scenario::{self, domain, LayerSpec, ValidationError};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[path = "common/random_scenario.rs"]
mod random_scenario;
use random_scenario::*;

/// What a scenario text comes to: refused by validation, an engine error, or a run.
enum Outcome {
    Invalid(Vec<ValidationError>),
    Engine(EngineError),
    Conserved,
}

/// Decode, validate, simulate every venue and check conservation as the CLI does
/// (`Timeline::conservation`); a panic anywhere fails the test, and so does a run that does
/// not conserve.
fn outcome(text: &str) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| {
        let s = match scenario::from_json(text) {
            Ok(s) => s,
            Err(errs) => return Outcome::Invalid(errs),
        };
        let system = match engine::simulate_system(&s) {
            Ok(x) => x,
            Err(e) => return Outcome::Engine(e),
        };
        for v in &system.venues {
            match v.timeline.conservation() {
                Ok(c) => assert!(c.holds(), "conservation broken: {c:?}"),
                Err(e) => return Outcome::Engine(e),
            }
        }
        Outcome::Conserved
    }))
    .unwrap_or_else(|_| panic!("panicked on {text}"))
}

/// The input is refused with an error at `path` whose message contains `says`.
fn refused(text: &str, path: &str, says: &str) {
    match outcome(text) {
        Outcome::Invalid(errs) => assert!(
            errs.iter().any(|e| e.path == path && e.message.contains(says)),
            "expected `{path}: …{says}…`, got {:?}",
            errs.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ),
        Outcome::Engine(e) => panic!("expected `{path}` refused, got engine error {e}"),
        Outcome::Conserved => panic!("expected `{path}` refused, but it ran"),
    }
}

const DECIMAL_MAX: &str = "79228162514264337593543950335";

fn two_accounts(extra_venue: &str, a0: &str, a1: &str, waterfall: &str) -> String {
    format!(
        r#"{{"version":1,"steps":3,"venue":{{"style":"ccp","settlement":"variation_margin"{extra_venue}}},
        "instruments":[{{"id":"X","price":{{"initial":"100","shocks":[{{"step":1,"change":"-0.5"}}]}}}}],
        "accounts":[{{"id":"a","cash":"10","positions":[{{"instrument":"X","size":"10"}}]{a0}}},
                    {{"id":"b","cash":"1000","positions":[{{"instrument":"X","size":"-10"}}]{a1}}}],
        "waterfall":{waterfall}}}"#
    )
}

#[test]
fn a_scripted_point_at_decimal_max_is_refused_not_a_panic() {
    let text = format!(r#"{{"version":1,"steps":2,"instruments":[{{"id":"X","price":{{"initial":"1","points":[{{"step":2,"price":"{DECIMAL_MAX}"}}]}}}}]}}"#);
    refused(&text, "instruments[0].price.points[0].price", "at most 1e9");
}

#[test]
fn a_huge_tick_and_price_are_refused_not_a_panic() {
    let text = r#"{"version":1,"steps":1,"instruments":[{"id":"X","tick_size":"40000000000000000000000000000","price":{"initial":"70000000000000000000000000000"}}]}"#;
    refused(text, "instruments[0].tick_size", "at most 1e9");
    refused(text, "instruments[0].price.initial", "at most 1e9");
}

#[test]
fn fund_contributions_summing_beyond_decimal_are_refused() {
    let text = two_accounts("", &format!(r#","fund_contribution":"{DECIMAL_MAX}""#), r#","fund_contribution":"1""#, r#"[{"kind":"survivors_fund"}]"#);
    refused(&text, "accounts[0].fund_contribution", "at most 1e15");
    // At the bound it runs and conserves.
    let text = two_accounts("", r#","fund_contribution":"1000000000000000""#, r#","fund_contribution":"1000000000000000""#, r#"[{"kind":"survivors_fund"}]"#);
    assert!(matches!(outcome(&text), Outcome::Conserved));
}

#[test]
fn an_assessment_cap_of_1e28_is_refused_and_the_largest_allowed_conserves() {
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/exhausts-waterfall.json")).unwrap();
    let text = base.replace(r#""cap_multiple": "1""#, r#""cap_multiple": "1e28""#);
    assert_ne!(text, base, "the example's assessment layer moved; update this test");
    refused(&text, "waterfall[4].cap_multiple", "at most 100");
    let text = base.replace(r#""cap_multiple": "1""#, r#""cap_multiple": "100""#);
    assert!(matches!(outcome(&text), Outcome::Conserved));
}

#[test]
fn an_insurance_fund_at_decimal_max_is_refused() {
    let text = two_accounts(&format!(r#","insurance_fund":"{DECIMAL_MAX}""#), "", "", r#"[{"kind":"insurance_fund"}]"#);
    refused(&text, "venue.insurance_fund", "at most 1e15");
    let text = two_accounts(r#","insurance_fund":"1000000000000000""#, "", "", r#"[{"kind":"insurance_fund"}]"#);
    assert!(matches!(outcome(&text), Outcome::Conserved));
}

#[test]
fn cash_beyond_the_domain_is_refused_with_the_bound() {
    let with_cash = |cash: &str| {
        format!(
            r#"{{"version":1,"steps":2,"instruments":[{{"id":"X","price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"a","cash":{cash}}}]}}"#
        )
    };
    refused(&with_cash(r#""0.000000000000000000001""#), "accounts[0].cash", "at most 8 decimal places");
    refused(&with_cash(r#""1e28""#), "accounts[0].cash", "at most 1e15 (got 10000000000000000000000000000)");
    refused(&with_cash("1e28"), "accounts[0].cash", "at most 1e15");
    // More than 28 places: rust_decimal rounds it while parsing; the places as parsed are refused.
    refused(&with_cash(r#""1.00000000000000000000000000001""#), "accounts[0].cash", "decimal places");
    refused(&with_cash(r#""0.99999999999999999999999999999""#), "accounts[0].cash", "decimal places");
    // JSON numbers with few places are exact and within the domain.
    assert!(matches!(outcome(&with_cash("0.01")), Outcome::Conserved));
    assert!(matches!(outcome(&with_cash(r#""999999999999999.99999999""#)), Outcome::Conserved));
    refused(&with_cash(r#""1000000000000000.00000001""#), "accounts[0].cash", "at most 1e15");
}

#[test]
fn every_bound_names_its_field() {
    let base = r#"{"version":1,"steps":5,"venue":{"liquidation_fee":"0.005"},
        "instruments":[{"id":"X","contract_size":"1","lot_size":"0.001","price":{"initial":"100"}}],
        "accounts":[{"id":"a","cash":"100","reserves":"5","positions":[{"instrument":"X","size":"1","entry_price":"100"}]},
                    {"id":"b","cash":"100","positions":[{"instrument":"X","size":"-1"}]}],
        "waterfall":[{"kind":"skin_in_the_game","amount":"5"}]}"#;
    assert!(matches!(outcome(base), Outcome::Conserved));
    for (from, to, path, says) in [
        (r#""liquidation_fee":"0.005""#, r#""liquidation_fee":"0.000000001""#, "venue.liquidation_fee", "at most 8 decimal places"),
        (r#""contract_size":"1""#, r#""contract_size":"10000000""#, "instruments[0].contract_size", "at most 1e6"),
        (r#""lot_size":"0.001""#, r#""lot_size":"0.000000001""#, "instruments[0].lot_size", "at most 8 decimal places"),
        (r#""reserves":"5""#, r#""reserves":"2000000000000000""#, "accounts[0].reserves", "at most 1e15"),
        (r#""entry_price":"100""#, r#""entry_price":"0.00000000001""#, "accounts[0].positions[0].entry_price", "at most 10 decimal places"),
        (r#""size":"1","#, r#""size":"2000000000000","#, "accounts[0].positions[0].size", "at most 1e12"),
        (r#""amount":"5""#, r#""amount":"5.000000001""#, "waterfall[0].amount", "at most 8 decimal places"),
        (r#""initial":"100""#, r#""initial":"100","shocks":[{"step":1,"change":"100"},{"step":2,"change":"100"},{"step":3,"change":"100"},{"step":4,"change":"100"}]"#, "instruments[0].price.shocks", "at most 1e9"),
    ] {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base, "{from}");
        refused(&text, path, says);
    }
    // Contract size × size beyond 10^15 units.
    let text = base.replace(r#""contract_size":"1""#, r#""contract_size":"1000000""#).replace(r#""size":"1","#, r#""size":"1000000000000","#);
    refused(&text, "accounts[0].positions[0].size", "units");
}

/// A random path that leaves the domain ends in an error naming the instrument, not a panic.
#[test]
fn a_random_path_beyond_the_largest_price_is_an_error() {
    let text = r#"{"version":1,"steps":2000,"seed":1,"instruments":[{"id":"X","price":{"initial":"900000000","gbm":{"drift":"0.001","volatility":"0.01"}}}]}"#;
    match outcome(text) {
        Outcome::Engine(e) => assert!(e.to_string().contains("instruments[0].price") && e.to_string().contains("at most 1e9"), "{e}"),
        Outcome::Invalid(errs) => assert!(errs.iter().any(|e| e.path.starts_with("instruments[0].price")), "{errs:?}"),
        Outcome::Conserved => panic!("a path with drift 1 per step cannot stay below 1e9"),
    }
}

/// The book's money (amounts plus positions' exposure at the run's highest marks) is bounded by
/// 1e16, so sums at 12 places stay within a Decimal's 28 digits: beyond it, an error naming the
/// largest account, the figures and the bound; at it, a run that conserves.
#[test]
fn a_book_beyond_its_money_bound_is_refused_with_the_figures() {
    let book = |cash: &str, n: usize| {
        let accounts: Vec<String> = (0..n).map(|i| format!(r#"{{"id":"a{i}","cash":"{cash}"}}"#)).collect();
        format!(r#"{{"version":1,"steps":2,"instruments":[{{"id":"X","price":{{"initial":"100"}}}}],"accounts":[{}]}}"#, accounts.join(","))
    };
    assert!(matches!(outcome(&book("1000000000000000", 10)), Outcome::Conserved));
    match outcome(&book("1000000000000000", 11)) {
        Outcome::Engine(e) => {
            let e = e.to_string();
            assert!(e.contains("accounts[0]: the book's money is at most 1e16") && e.contains("got 11000000000000000"), "{e}");
        }
        _ => panic!("11 × 1e15 of cash is beyond the book's bound"),
    }
    // A position of 10^15 units at a mark of 100, and the counterparty's: 2 × 10^17 of exposure.
    let text = r#"{"version":1,"steps":2,"instruments":[{"id":"X","contract_size":"1000","counterparty":"a","price":{"initial":"100"}}],
        "accounts":[{"id":"a","cash":"1"},{"id":"b","cash":"2","positions":[{"instrument":"X","size":"1000000000000"}]}]}"#;
    match outcome(text) {
        Outcome::Engine(e) => assert!(e.to_string().contains("accounts[1]: the book's money") && e.to_string().contains("exposure at the highest marks 200000000000000000"), "{e}"),
        _ => panic!("a position worth 1e17 is beyond the book's bound"),
    }
}

/// VMGH with the largest `max_steps`: `t + max_steps − 1` overflowed u32.
#[test]
fn vmgh_with_u32_max_steps_runs_and_conserves() {
    let text = two_accounts("", "", "", &format!(r#"[{{"kind":"variation_margin_haircut","max_steps":{}}}]"#, u32::MAX));
    assert!(matches!(outcome(&text), Outcome::Conserved));
}

#[test]
fn the_domain_is_what_the_docs_say() {
    assert_eq!(domain::show(domain::AMOUNT_MAX), "1e15");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario.md")).unwrap();
    let section = doc.split("## Numeric domain").nth(1).expect("docs/scenario.md has a Numeric domain section");
    for (bound, dp) in [
        (domain::show(domain::AMOUNT_MAX), domain::AMOUNT_DP),
        (domain::show(domain::PRICE_MAX), domain::PRICE_DP),
        (domain::show(domain::SIZE_MAX), domain::SIZE_DP),
        (domain::show(domain::CONTRACT_SIZE_MAX), domain::CONTRACT_SIZE_DP),
    ] {
        assert!(section.contains(&format!("| {bound} | {dp} |")), "docs lack `| {bound} | {dp} |`");
    }
    assert!(section.contains(&format!("| {} |", domain::show(domain::CAP_MULTIPLE_MAX))));
    assert!(section.contains(&format!("| {} | — |", domain::show(domain::BOOK_MONEY_MAX))), "docs lack the book's money bound");
    assert!(section.contains(&format!("`MONEY_DP = {}`", engine::money::MONEY_DP)), "docs lack the money scale");
}

/// Every example and preset is inside the domain (the property test below covers its edges).
#[test]
fn examples_and_presets_are_inside_the_domain() {
    for p in scenario::presets::all() {
        assert!(scenario::validate(&p.scenario).is_ok(), "{}: {:?}", p.id, scenario::validate(&p.scenario));
    }
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(scenario::from_json(&text).is_ok(), "{}", path.display());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Scenarios at the edges of the domain (largest and smallest amounts, most decimal places,
    /// largest and smallest prices) validate, run and conserve exactly.
    #[test]
    fn scenarios_at_the_edges_of_the_domain_conserve_exactly(s in edge_scenario_strategy()) {
        prop_assert!(scenario::validate(&s).is_ok(), "{:?}", scenario::validate(&s));
        let result = catch_unwind(AssertUnwindSafe(|| engine::simulate(&s)));
        let t = match result {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Err(TestCaseError::fail(format!("engine error inside the domain: {e}"))),
            Err(_) => return Err(TestCaseError::fail("panic")),
        };
        let c = t.conservation().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(c.holds(), "{:?}", c);
        // Every amount posted is on the money grid (engine/money.rs, MONEY_DP).
        for e in t.ledger.iter() {
            prop_assert!(e.amount.scale() <= engine::money::MONEY_DP, "{} posted with {} places: {:?}", e.amount, e.amount.scale(), e);
        }
        for l in &s.waterfall {
            if let LayerSpec::Assessment { cap_multiple, .. } = l {
                prop_assert!(*cap_multiple <= domain::CAP_MULTIPLE_MAX);
            }
        }
    }
}
