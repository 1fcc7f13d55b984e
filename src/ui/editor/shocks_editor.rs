//! Instant price shocks per instrument: at step N the price moves by X % (compounding).

use std::str::FromStr;

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::FieldErrors;
use crate::scenario::{Shock, ValidationError};
use crate::ui::state::use_state;

#[component]
pub fn ShocksEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());
    let rows = move || {
        s.scenario.with(|sc| {
            sc.instruments
                .iter()
                .enumerate()
                .flat_map(|(i, inst)| inst.price.shocks.iter().enumerate().map(move |(k, sh)| (i, k, inst.id.clone(), sh.clone())))
                .collect::<Vec<_>>()
        })
    };
    let set_step = move |i: usize, k: usize, text: String| {
        let path = format!("instruments[{i}].price.shocks[{k}].step");
        match text.trim().parse::<u32>() {
            Err(_) => errors.set(vec![ValidationError { path, message: format!("“{text}” is not a whole step number") }]),
            Ok(v) => report(s.edit(|sc| {
                if let Some(sh) = sc.instruments.get_mut(i).and_then(|x| x.price.shocks.get_mut(k)) {
                    sh.step = v;
                }
            })),
        }
    };
    let set_change = move |i: usize, k: usize, text: String| {
        let path = format!("instruments[{i}].price.shocks[{k}].change");
        match Decimal::from_str(text.trim().trim_end_matches('%').trim()) {
            Err(_) => errors.set(vec![ValidationError { path, message: format!("“{text}” is not a percentage") }]),
            Ok(pct) => report(s.edit(|sc| {
                if let Some(sh) = sc.instruments.get_mut(i).and_then(|x| x.price.shocks.get_mut(k)) {
                    sh.change = pct / Decimal::ONE_HUNDRED;
                }
            })),
        }
    };
    let add = move |_| {
        report(s.edit(|sc| {
            let at = sc.steps / 2;
            if let Some(inst) = sc.instruments.first_mut() {
                inst.price.shocks.push(Shock { step: at, change: Decimal::new(-20, 2) });
            }
        }))
    };
    view! {
        <div id="shocks">
            {move || rows().into_iter().map(|(i, k, inst, sh)| view! {
                <div class="row">
                    <span>{inst}</span>
                    <label for=format!("shock-{i}-{k}-step")>"at step"</label>
                    <input id=format!("shock-{i}-{k}-step") type="text" inputmode="numeric" size="4"
                        prop:value=sh.step.to_string() on:change=move |e| set_step(i, k, event_target_value(&e))/>
                    <label for=format!("shock-{i}-{k}-pct")>"move %"</label>
                    <input id=format!("shock-{i}-{k}-pct") type="text" inputmode="decimal" size="6"
                        prop:value=(sh.change * Decimal::ONE_HUNDRED).normalize().to_string()
                        on:change=move |e| set_change(i, k, event_target_value(&e))/>
                    <button type="button" aria-label="Remove this shock" on:click=move |_| report(s.edit(|sc| {
                        if let Some(x) = sc.instruments.get_mut(i) { if k < x.price.shocks.len() { x.price.shocks.remove(k); } }
                    }))>"✕"</button>
                </div>
            }).collect_view()}
            <button type="button" on:click=add>"Add a shock"</button>
            <FieldErrors errors=errors/>
        </div>
    }
}
