//! Validation of `venue.margin_model` (issue 18): every error names the field
//! (`venue.margin_model.price_range`, `venue.margin_model.spreads[0].a`, …). `validate::prepare`
//! calls [`check`].

use super::margin_model::*;
use super::schema::*;
use super::ValidationError;
use rust_decimal::Decimal;

/// Most moves per side of a grid (Deribit uses 4; 50 is a fine grid of 101 moves).
pub const MAX_BUCKETS: u32 = 50;
/// Longest lookback of a historical model, in steps.
pub const MAX_LOOKBACK: u32 = 5_000;
/// Most precomputed scenario values (instruments × steps × scenarios) a portfolio model may
/// need: 16 bytes each, 20 million = 320 MB at most (engine/portfolio_margin.rs keeps them).
pub const MAX_TABLE_CELLS: u64 = 20_000_000;

/// Scenarios per instrument and step the model revalues (for the table-size limit).
pub fn scenarios_per_step(m: &MarginModelSpec) -> u64 {
    match m {
        MarginModelSpec::PerInstrument => 0,
        MarginModelSpec::ScenarioGrid(g) => 3 * (2 * g.buckets as u64 + 1) + if g.extended { 8 } else { 0 },
        MarginModelSpec::Span(_) => 16,
        MarginModelSpec::HistVar(h) => h.lookback as u64,
    }
}

/// Every margin model of the scenario: the venue's, then each account's and each cohort's
/// (issue 18: a model per account group), each checked under its own path.
pub fn check(s: &Scenario) -> Vec<ValidationError> {
    let mut e: Vec<ValidationError> = Vec::new();
    // Distinct models: each needs its own tables, so the size limit counts each once.
    fn note<'s>(s: &Scenario, distinct: &mut Vec<&'s MarginModelSpec>, m: &'s MarginModelSpec, e: &mut Vec<ValidationError>, p: String) {
        if !distinct.contains(&m) {
            distinct.push(m);
            let cells = (s.instruments.len() as u64).saturating_mul(s.steps as u64 + 1).saturating_mul(distinct.iter().map(|m| scenarios_per_step(m)).sum());
            if cells > MAX_TABLE_CELLS {
                e.push(ValidationError { path: p, message: format!("{cells} scenario values (instruments × steps × scenarios, over the scenario's distinct margin models) exceed the limit of {MAX_TABLE_CELLS}: fewer steps, buckets or a shorter lookback") });
            }
        }
    }
    let mut distinct: Vec<&MarginModelSpec> = Vec::new();
    if let Some(m) = &s.venue.margin_model {
        e.extend(check_model(s, m, "venue.margin_model", None));
        note(s, &mut distinct, m, &mut e, "venue.margin_model".into());
    }
    for (i, a) in s.accounts.iter().enumerate() {
        if let Some(m) = &a.margin_model {
            let p = format!("accounts[{i}].margin_model");
            let held: Vec<&str> = a.positions.iter().map(|x| x.instrument.as_str()).collect();
            e.extend(check_model(s, m, &p, Some(&held)));
            note(s, &mut distinct, m, &mut e, p);
        }
    }
    for (i, c) in s.cohorts.iter().enumerate() {
        if let Some(m) = &c.margin_model {
            let p = format!("cohorts[{i}].margin_model");
            e.extend(check_model(s, m, &p, Some(&[c.instrument.as_str()])));
            note(s, &mut distinct, m, &mut e, p);
        }
    }
    e
}

/// One model at path `p`; `held`: the instruments the model margins (None: all of them, the
/// venue's model).
fn check_model(s: &Scenario, m: &MarginModelSpec, p: &str, held: Option<&[&str]>) -> Vec<ValidationError> {
    let mut e: Vec<ValidationError> = Vec::new();
    let mut push = |path: String, msg: String| e.push(ValidationError { path, message: msg });
    let frac = |x: Decimal, lo_open: bool, hi: Decimal| if lo_open { x > Decimal::ZERO && x <= hi } else { x >= Decimal::ZERO && x <= hi };
    let spreads = |sp: &[SpreadCredit], push: &mut dyn FnMut(String, String)| {
        for (k, c) in sp.iter().enumerate() {
            for (field, id) in [("a", &c.a), ("b", &c.b)] {
                match s.instruments.iter().find(|x| &x.id == id) {
                    None => push(format!("{p}.spreads[{k}].{field}"), format!("no instrument `{id}`")),
                    Some(x) if x.option.is_some() => push(format!("{p}.spreads[{k}].{field}"), format!("`{id}` is an option: a spread credit is between underlyings")),
                    _ => {}
                }
            }
            if c.a == c.b {
                push(format!("{p}.spreads[{k}].b"), "a spread needs two different instruments".into());
            }
            if !(c.credit >= Decimal::ZERO && c.credit <= Decimal::ONE) {
                push(format!("{p}.spreads[{k}].credit"), format!("{} must be between 0 and 1", c.credit));
            }
        }
    };
    match m {
        MarginModelSpec::PerInstrument => return e,
        MarginModelSpec::ScenarioGrid(g) => {
            if !frac(g.price_range, true, Decimal::new(9, 1)) {
                push(format!("{p}.price_range"), format!("{} must be above 0 and at most 0.9 (a move of −90 %)", g.price_range));
            }
            if g.buckets == 0 || g.buckets > MAX_BUCKETS {
                push(format!("{p}.buckets"), format!("{} must be between 1 and {MAX_BUCKETS}", g.buckets));
            }
            if !frac(g.vol_up, false, Decimal::TEN) {
                push(format!("{p}.vol_up"), format!("{} must be between 0 and 10", g.vol_up));
            }
            if !frac(g.vol_down, false, Decimal::ONE) {
                push(format!("{p}.vol_down"), format!("{} must be between 0 and 1", g.vol_down));
            }
            if g.dampener < Decimal::ZERO || g.dampener > Decimal::new(1_000_000_000_000, 0) {
                push(format!("{p}.dampener"), format!("{} must be between 0 and 1e12", g.dampener));
            }
            if !frac(g.roll_min_move, false, Decimal::ONE) {
                push(format!("{p}.roll_min_move"), format!("{} must be between 0 and 1", g.roll_min_move));
            }
            if !frac(g.mm_factor, true, Decimal::ONE) {
                push(format!("{p}.mm_factor"), format!("{} must be above 0 and at most 1", g.mm_factor));
            }
            spreads(&g.spreads, &mut push);
        }
        MarginModelSpec::Span(sp) => {
            if !frac(sp.price_scan, true, Decimal::new(45, 2)) {
                push(format!("{p}.price_scan"), format!("{} must be above 0 and at most 0.45 (the extreme scenarios move twice the range)", sp.price_scan));
            }
            if !frac(sp.vol_scan, false, Decimal::TEN) {
                push(format!("{p}.vol_scan"), format!("{} must be between 0 and 10", sp.vol_scan));
            }
            if !frac(sp.short_option_minimum, false, Decimal::ONE) {
                push(format!("{p}.short_option_minimum"), format!("{} must be between 0 and 1", sp.short_option_minimum));
            }
            if sp.initial_factor < Decimal::ONE || sp.initial_factor > Decimal::TEN {
                push(format!("{p}.initial_factor"), format!("{} must be between 1 and 10", sp.initial_factor));
            }
            spreads(&sp.spreads, &mut push);
        }
        MarginModelSpec::HistVar(h) => {
            if !(h.confidence >= Decimal::new(5, 1) && h.confidence < Decimal::ONE) {
                push(format!("{p}.confidence"), format!("{} must be at least 0.5 and below 1", h.confidence));
            }
            if h.horizon == 0 || h.horizon > s.steps.max(1) {
                push(format!("{p}.horizon"), format!("{} must be between 1 and the run's steps ({})", h.horizon, s.steps));
            }
            if h.lookback == 0 || h.lookback > MAX_LOOKBACK {
                push(format!("{p}.lookback"), format!("{} must be between 1 and {MAX_LOOKBACK}", h.lookback));
            }
            if !frac(h.buffer, false, Decimal::ONE) {
                push(format!("{p}.buffer"), format!("{} must be between 0 and 1", h.buffer));
            }
            if !frac(h.floor, false, Decimal::ONE) {
                push(format!("{p}.floor"), format!("{} must be between 0 and 1", h.floor));
            }
        }
    }
    // Inverse contracts keep money in coin per contract: the grid revalues linear books in the
    // quote currency, the run's money.
    for (i, ins) in s.instruments.iter().enumerate() {
        if held.is_some_and(|h| !h.contains(&ins.id.as_str())) {
            continue;
        }
        if ins.kind == ContractKind::Inverse && ins.option.is_none() {
            let who = if held.is_some() { format!("{p}: ") } else { String::new() };
            push(format!("instruments[{i}].kind"), format!("{who}`{}` is inverse: a portfolio margin model margins linear instruments and options (use kind per_instrument for inverse books)", ins.id));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use crate::scenario::from_json;

    fn with(model: &str) -> Result<crate::scenario::Scenario, String> {
        let json = format!(
            r#"{{"version":1,"steps":10,"venue":{{"style":"ccp","settlement":"variation_margin","margin_model":{model}}},
            "instruments":[{{"id":"P","tick_size":"0.5","lot_size":"0.001","margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{{"initial":"100"}}}}],
            "accounts":[{{"id":"a","cash":"1000","positions":[{{"instrument":"P","size":"1"}}]}},{{"id":"b","cash":"1000","positions":[{{"instrument":"P","size":"-1"}}]}}]}}"#
        );
        let s = from_json(&json).map_err(|e| format!("{e:?}"))?;
        crate::scenario::validate(&s).map(|_| s.clone()).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn each_bad_field_is_named() {
        assert!(with(r#"{"kind":"scenario_grid"}"#).is_ok(), "{:?}", with(r#"{"kind":"scenario_grid"}"#));
        assert!(with(r#"{"kind":"span","price_scan":"0.1"}"#).is_ok());
        assert!(with(r#"{"kind":"hist_var","confidence":"0.99","horizon":2,"lookback":5}"#).is_ok());
        for (model, field) in [
            (r#"{"kind":"scenario_grid","price_range":"0"}"#, "venue.margin_model.price_range"),
            (r#"{"kind":"scenario_grid","buckets":0}"#, "venue.margin_model.buckets"),
            (r#"{"kind":"scenario_grid","mm_factor":"1.5"}"#, "venue.margin_model.mm_factor"),
            (r#"{"kind":"scenario_grid","spreads":[{"a":"P","b":"Q","credit":"0.5"}]}"#, "venue.margin_model.spreads[0].b"),
            (r#"{"kind":"span","price_scan":"0.6"}"#, "venue.margin_model.price_scan"),
            (r#"{"kind":"hist_var","confidence":"1"}"#, "venue.margin_model.confidence"),
            (r#"{"kind":"hist_var","horizon":11}"#, "venue.margin_model.horizon"),
        ] {
            let err = with(model).unwrap_err();
            assert!(err.contains(field), "{model}: {err}");
        }
        // A typo is an error, not a silent default.
        assert!(with(r#"{"kind":"scenario_grid","price_rang":"0.1"}"#).is_err());
        assert!(with(r#"{"kind":"portfolio"}"#).is_err());
    }
}
