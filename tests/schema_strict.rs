//! The scenario schema is strict (issue 14, item 4): unknown fields are refused on every object,
//! layer kinds without fields included; a key given twice is refused; the top level and every
//! nested object must be JSON objects; every error names the full path of what is wrong.

use spillway::scenario::{from_json, ValidationError};

/// A small valid scenario; `{W}` is replaced by the waterfall, `{X}` by extra top-level members.
const BASE: &str = r#"{"version":1,"steps":5,{X}
  "venue":{"insurance_fund":"1000"},
  "instruments":[{"id":"X","price":{"initial":"100","points":[{"step":5,"price":"90"}]}}],
  "accounts":[{"id":"a","cash":"100","fund_contribution":"10","positions":[{"instrument":"X","size":"1"}]},
              {"id":"b","cash":"100","fund_contribution":"10","positions":[{"instrument":"X","size":"-1"}]}],
  "waterfall":{W}}"#;

fn scenario(waterfall: &str) -> String {
    BASE.replace("{W}", waterfall).replace("{X}", "")
}

/// The first error of a JSON text that must not load.
fn first_error(json: &str) -> ValidationError {
    match from_json(json) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => e.into_iter().next().expect("an error"),
    }
}

#[test]
fn the_base_scenario_loads() {
    let s = from_json(&scenario(r#"[{"kind":"insurance_fund"},{"kind":"survivors_fund"}]"#)).unwrap();
    assert_eq!(s.waterfall.len(), 2);
}

#[test]
fn a_layer_kind_without_fields_refuses_any_field() {
    // The issue's reproducer: the amount used to be ignored (the fund's balance is venue.insurance_fund).
    let e = first_error(&scenario(r#"[{"kind":"insurance_fund","amount":"999999"}]"#));
    assert_eq!(e.path, "waterfall[0]");
    assert!(e.message.contains("unknown field `amount`") && e.message.contains("insurance_fund"), "{e}");
    for kind in ["defaulter_margin", "defaulter_fund_contribution", "insurance_fund", "survivors_fund", "socialized_loss", "auto_deleverage", "tear_up"]
    {
        let json = scenario(&format!(r#"[{{"kind":"survivors_fund"}},{{"kind":"{kind}","x":1}}]"#));
        let e = first_error(&json);
        assert_eq!((e.path.as_str(), e.message.contains("unknown field `x`")), ("waterfall[1]", true), "{kind}: {e}");
    }
}

#[test]
fn survivors_fund_weights_are_refused_not_ignored() {
    // docs/scenario.md: the survivors' fund is pro rata to contribution; it has no weights.
    let e = first_error(&scenario(r#"[{"kind":"survivors_fund","weights":{"a":"1"}}]"#));
    assert_eq!(e.to_string(), "waterfall[0]: unknown field `weights`: a `survivors_fund` layer has no fields besides `kind`");
}

#[test]
fn layer_kinds_with_fields_take_theirs_only() {
    assert!(from_json(&scenario(
        r#"[{"kind":"skin_in_the_game","tranche":"senior","amount":"5"},{"kind":"assessment","cap_multiple":"2","max_calls":2},
            {"kind":"variation_margin_haircut","max_steps":3},{"kind":"lp_vault_haircut","account":"a"}]"#
    ))
    .is_ok());
    let e = first_error(&scenario(r#"[{"kind":"assessment","cap_multiple":"2","amount":"5"}]"#));
    assert_eq!(e.to_string(), "waterfall[0]: unknown field `amount`: a `assessment` layer takes `cap_multiple`, `max_calls`, `period_cap_multiple`, `cooling_off_steps`, `from_collateral`");
    let e = first_error(&scenario(r#"[{"kind":"skin_in_the_game"}]"#));
    assert_eq!(e.to_string(), "waterfall[0]: missing field `amount`");
    let e = first_error(&scenario(r#"[{"amount":"5"}]"#));
    assert_eq!(e.to_string(), "waterfall[0]: missing field `kind`");
    // A bad value is reported at its own field.
    let e = first_error(&scenario(r#"[{"kind":"assessment","cap_multiple":true}]"#));
    assert_eq!(e.path, "waterfall[0].cap_multiple", "{e}");
    let e = first_error(&scenario(r#"[{"kind":"assessment","max_calls":null}]"#));
    assert_eq!(e.path, "waterfall[0].max_calls", "{e}");
    let e = first_error(&scenario(r#"[{"kind":"insurance"}]"#));
    assert_eq!(e.path, "waterfall[0].kind", "{e}");
    assert!(e.message.contains("insurance_fund"), "{e}");
}

#[test]
fn unknown_fields_are_refused_on_every_object() {
    let cases = [
        (r#""steps":5,"#, r#""steps":5,"stpes":5,"#, ""),
        (r#""insurance_fund":"1000""#, r#""insurance_fnd":"1""#, "venue"),
        (r#""steps":5,"#, r#""steps":5,"linked_venues":[{"id":"v","scenario":{"stepz":1}}],"#, "linked_venues[0].scenario"),
        (r#""points":[{"step":5,"#, r#""points":[{"stp":5,"#, "instruments[0].price.points[0]"),
    ];
    for (from, to, path) in cases {
        let json = scenario("[]").replacen(from, to, 1);
        let e = first_error(&json);
        assert_eq!(e.path, path, "{json}: {e}");
        assert!(e.message.starts_with("unknown field"), "{e}");
    }
    let e = first_error(&scenario("[]").replace(r#""size":"1""#, r#""size":"1","sise":"1""#));
    assert_eq!(e.path, "accounts[0].positions[0]");
}

#[test]
fn a_key_given_twice_is_refused_at_its_path() {
    let e = first_error(&scenario("[]").replace(r#""cash":"100","fund"#, r#""cash":"100","cash":"1e9","fund"#));
    assert_eq!(e.path, "accounts[0].cash", "{e}");
    assert!(e.message.contains("twice"), "{e}");
    let e = first_error(&scenario("[]").replace(r#""steps":5,"#, r#""steps":5,"steps":6,"#));
    assert_eq!(e.path, "steps", "{e}");
    // Same key in different objects is fine.
    assert!(from_json(&scenario(r#"[{"kind":"insurance_fund"},{"kind":"survivors_fund"}]"#)).is_ok());
}

#[test]
fn the_top_level_and_nested_objects_must_be_objects() {
    for top in ["[]", r#"[1,"x",20]"#, "\"x\"", "1", "null"] {
        let e = first_error(top);
        assert_eq!((e.path.as_str(), e.message.as_str()), ("", "a scenario must be a JSON object {…}"), "{top}");
    }
    // Derived structs also read a list positionally: a venue written as a list used to load.
    let e = first_error(&scenario("[]").replace(r#""venue":{"insurance_fund":"1000"}"#, r#""venue":["v","ccp"]"#));
    assert_eq!(e.path, "venue", "{e}");
    assert!(e.message.contains("expected an object"), "{e}");
    let e = first_error(&scenario("[]").replace(r#"{"instrument":"X","size":"1"}"#, r#"["X","1"]"#));
    assert_eq!(e.path, "accounts[0].positions[0]", "{e}");
    let e = first_error(&scenario(r#"[["insurance_fund"]]"#));
    assert_eq!(e.path, "waterfall[0]", "{e}");
}

#[test]
fn type_errors_name_the_full_path() {
    let cases = [
        (r#""venue":{"insurance_fund":true}"#, "venue.insurance_fund"),
        (r#""venue":{"style":"bank"}"#, "venue.style"),
        (r#""venue":{"margin_call_grace":-1}"#, "venue.margin_call_grace"),
        (r#""venue":{"insurance_fund":"1000"},"seed":"x""#, "seed"),
        (r#""venue":{"insurance_fund":"1000"},"cohorts":[{"count":"many"}]"#, "cohorts[0].count"),
        (r#""venue":{"insurance_fund":"1000"},"correlation":[["1","x"]]"#, "correlation[0][1]"),
    ];
    for (venue, path) in cases {
        let e = first_error(&scenario("[]").replace(r#""venue":{"insurance_fund":"1000"}"#, venue));
        assert_eq!(e.path, path, "{venue}: {e}");
    }
    let s = scenario("[]");
    for (from, to, path) in [
        (r#""cash":"100","fund"#, r#""cash":[100],"fund"#, "accounts[0].cash"),
        (r#""size":"1""#, r#""size":"one""#, "accounts[0].positions[0].size"),
        (r#""price":"90""#, r#""price":{}"#, "instruments[0].price.points[0].price"),
        (r#""initial":"100","#, r#""initial":"100","gbm":{"drift":false},"#, "instruments[0].price.gbm.drift"),
        (r#"{"id":"X","#, r#"{"id":"X","expiry":{"step":"soon"},"#, "instruments[0].expiry.step"),
    ] {
        let e = first_error(&s.replacen(from, to, 1));
        assert_eq!(e.path, path, "{to}: {e}");
    }
    // Inside a linked venue, the path goes through it.
    let linked = BASE.replace("{W}", "[]").replace(
        "{X}",
        r#""linked_venues":[{"id":"v","scenario":{"instruments":[{"id":"Y","price":{"initial":"1"}}],"accounts":[{"id":"z","cash":false}]}}],"#,
    );
    assert_eq!(first_error(&linked).path, "linked_venues[0].scenario.accounts[0].cash");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(first_error(&deep).message.starts_with("not valid JSON"));
    let deep_obj = format!(r#"{{"name":{}1{}}}"#, r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    assert!(first_error(&deep_obj).message.starts_with("not valid JSON"));
}
