//! One exact number of the scenario. Parsed as a Decimal (never a float); a value that is not a
//! number, or that validation rejects, is reported next to the field and not applied.

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
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let on_change = move |text: String| {
        let cleaned = text.trim().replace([',', '_', ' '], "");
        match Decimal::from_str(&cleaned).or_else(|_| Decimal::from_scientific(&cleaned)) {
            Err(_) => errors.set(vec![ValidationError { path: path.into(), message: format!("“{text}” is not a number") }]),
            Ok(v) => {
                let mut next = s.scenario.get_untracked();
                let result = set(&mut next, v)
                    .map_err(|message| vec![ValidationError { path: path.into(), message }])
                    .and_then(|()| s.apply(next));
                errors.set(result.err().unwrap_or_default());
            }
        }
    };
    view! {
        <label for=id>{label}</label>
        <input id=id type="text" inputmode="decimal" autocomplete="off"
            aria-invalid=move || errors.with(|e| !e.is_empty()).to_string()
            prop:value=move || s.scenario.with(|sc| get(sc).normalize().to_string())
            on:change=move |e| on_change(event_target_value(&e))/>
        <FieldErrors errors=errors/>
    }
}
