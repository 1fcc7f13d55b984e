//! One exact number of the scenario. Parsed as a Decimal (never a float); a value that is not a
//! number, or that validation rejects, is reported next to the field and not applied.
//! [`NumberField`] is for a field at a fixed path; [`number_input`] the same control for a field
//! in a list (`default_auction.bids[1].share`), whose getter and setter capture the index.

use std::str::FromStr;

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::FieldErrors;
use crate::scenario::{Scenario, ValidationError};
use crate::ui::state::use_state;

#[component]
pub fn NumberField(
    id: &'static str,
    label: &'static str,
    /// The scenario field path, used in messages (`venue.insurance_fund`).
    path: &'static str,
    get: fn(&Scenario) -> Decimal,
    /// Stores the value, or says why it cannot be stored (e.g. not a whole number).
    set: fn(&mut Scenario, Decimal) -> Result<(), String>,
) -> impl IntoView {
    number_input(id.into(), label.into(), path.into(), get, set)
}

/// Parses what was typed as an exact number (thousands separators allowed), or says it is not one.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned = text.trim().replace([',', '_', ' '], "");
    Decimal::from_str(&cleaned).or_else(|_| Decimal::from_scientific(&cleaned)).ok()
}

/// The labelled input behind [`NumberField`]: `path` names the field in messages.
pub fn number_input(
    id: String,
    label: String,
    path: String,
    get: impl Fn(&Scenario) -> Decimal + Send + Sync + 'static,
    set: impl Fn(&mut Scenario, Decimal) -> Result<(), String> + Send + Sync + 'static,
) -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let on_change = move |text: String| match parse_decimal(&text) {
        None => errors.set(vec![ValidationError { path: path.clone(), message: format!("“{text}” is not a number") }]),
        Some(v) => {
            let mut next = s.scenario.get_untracked();
            let result = set(&mut next, v)
                .map_err(|message| vec![ValidationError { path: path.clone(), message }])
                .and_then(|()| s.apply(next));
            errors.set(result.err().unwrap_or_default());
        }
    };
    view! {
        <label for=id.clone()>{label}</label>
        <input id=id type="text" inputmode="decimal" autocomplete="off"
            aria-invalid=move || errors.with(|e| !e.is_empty()).to_string()
            prop:value=move || s.scenario.with(|sc| get(sc).normalize().to_string())
            on:change=move |e| on_change(event_target_value(&e))/>
        <FieldErrors errors=errors/>
    }
}

/// A yes/no field of the scenario as a labelled checkbox; the edit is validated like any other.
pub fn check_input(
    id: String,
    label: String,
    get: impl Fn(&Scenario) -> bool + Send + Sync + 'static,
    set: impl Fn(&mut Scenario, bool) + Send + Sync + 'static,
) -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    view! {
        <label class="check">
            <input id=id type="checkbox" prop:checked=move || s.scenario.with(|sc| get(sc))
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    errors.set(s.edit(|sc| set(sc, on)).err().unwrap_or_default());
                }/>
            {label}
        </label>
        <FieldErrors errors=errors/>
    }
}

/// One of a few named values (`kind`, `measure`, `forced_allocation`) as a labelled select:
/// `options` are (value as the scenario writes it, what the reader sees).
pub fn choice_input(
    id: String,
    label: String,
    options: Vec<(&'static str, &'static str)>,
    get: impl Fn(&Scenario) -> &'static str + Send + Sync + 'static,
    set: impl Fn(&mut Scenario, &str) + Send + Sync + 'static,
) -> impl IntoView {
    select_input(id, label, options.into_iter().map(|(value, shown)| (value.to_string(), shown.to_string())).collect(), move |sc| get(sc).to_string(), set)
}

/// One of the scenario's own ids (an instrument, an account) as a labelled select: `ids` the
/// choices, shown as they are written.
pub fn id_choice(
    id: String,
    label: String,
    ids: Vec<String>,
    get: impl Fn(&Scenario) -> String + Send + Sync + 'static,
    set: impl Fn(&mut Scenario, &str) + Send + Sync + 'static,
) -> impl IntoView {
    select_input(id, label, ids.into_iter().map(|x| (x.clone(), x)).collect(), get, set)
}

/// A labelled select over (value as the scenario writes it, what the reader sees); an edit goes
/// through the scenario's validation, whose errors show under it.
fn select_input(
    id: String,
    label: String,
    options: Vec<(String, String)>,
    get: impl Fn(&Scenario) -> String + Send + Sync + 'static,
    set: impl Fn(&mut Scenario, &str) + Send + Sync + 'static,
) -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id prop:value=move || s.scenario.with(|sc| get(sc))
            on:change=move |e| {
                let v = event_target_value(&e);
                errors.set(s.edit(|sc| set(sc, &v)).err().unwrap_or_default());
            }>
            {options.into_iter().map(|(value, shown)| view! { <option value=value>{shown}</option> }).collect_view()}
        </select>
        <FieldErrors errors=errors/>
    }
}
