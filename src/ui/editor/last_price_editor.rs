//! `instruments[].last_price` (issue 19): a last traded price apart from the mark. The mark stays
//! what margin checks and liquidation triggers read; liquidations fill at the last price. Switched
//! on, it starts as the mark's scripted path (so the run is unchanged until it is edited); the form
//! sets its initial price and its shocks, its points are edited in the JSON.

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::number_field::{check_input, number_input};
use super::FieldErrors;
use crate::scenario::{Instrument, PricePath, Scenario, Shock, ValidationError};
use crate::ui::state::use_state;

fn last(s: &Scenario, i: usize) -> Option<&PricePath> {
    s.instruments.get(i).and_then(|x| x.last_price.as_ref())
}

fn last_mut(s: &mut Scenario, i: usize) -> Option<&mut PricePath> {
    s.instruments.get_mut(i).and_then(|x| x.last_price.as_mut())
}

/// The mark's scripted path as the last price's starting point (a seeded random mark is not
/// copied: the last price is scripted only).
fn as_mark(x: &Instrument) -> PricePath {
    PricePath { gbm: None, ..x.price.clone() }
}

#[component]
pub fn LastPriceEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());
    // (index, id, last price on, its shocks): the rows rebuild only when one of these changes.
    let shape = Memo::new(move |_| {
        s.scenario.with(|sc| {
            sc.instruments
                .iter()
                .enumerate()
                .filter(|(_, x)| x.option.is_none())
                .map(|(i, x)| (i, x.id.clone(), x.last_price.as_ref().map(|p| p.shocks.len())))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <div id="last-prices">
            {move || shape.get().into_iter().map(|(i, id, shocks)| view! {
                <fieldset class="last-price">
                    <legend>{id.clone()}</legend>
                    {check_input(format!("last-{i}-on"), "Liquidations fill at a last traded price apart from the mark".into(),
                        move |sc| last(sc, i).is_some(),
                        move |sc, on| if let Some(x) = sc.instruments.get_mut(i) { x.last_price = on.then(|| as_mark(x)); })}
                    {shocks.map(|n| view! {
                        {number_input(format!("last-{i}-initial"), "Last price at step 0".into(), format!("instruments[{i}].last_price.initial"),
                            move |sc| last(sc, i).map(|p| p.initial).unwrap_or_default(),
                            move |sc, v| { if let Some(p) = last_mut(sc, i) { p.initial = v; } Ok(()) })}
                        {(0..n).map(|k| view! {
                            <div class="row">
                                {number_input(format!("last-{i}-shock-{k}-step"), "Last-price shock at step".into(), format!("instruments[{i}].last_price.shocks[{k}].step"),
                                    move |sc| Decimal::from(last(sc, i).and_then(|p| p.shocks.get(k)).map_or(0, |x| x.step)),
                                    move |sc, v| {
                                        let step = v.to_u32().filter(|_| v.fract().is_zero()).ok_or("must be a whole step number")?;
                                        if let Some(x) = last_mut(sc, i).and_then(|p| p.shocks.get_mut(k)) { x.step = step; }
                                        Ok(())
                                    })}
                                {number_input(format!("last-{i}-shock-{k}-pct"), "moves the last price by %".into(), format!("instruments[{i}].last_price.shocks[{k}].change"),
                                    move |sc| last(sc, i).and_then(|p| p.shocks.get(k)).map_or(Decimal::ZERO, |x| x.change * Decimal::ONE_HUNDRED),
                                    move |sc, v| {
                                        if let Some(x) = last_mut(sc, i).and_then(|p| p.shocks.get_mut(k)) { x.change = v / Decimal::ONE_HUNDRED; }
                                        Ok(())
                                    })}
                                <button type="button" aria-label=format!("Remove last-price shock {} of {}", k + 1, id) on:click=move |_| report(s.edit(|sc| {
                                    if let Some(p) = last_mut(sc, i) { if k < p.shocks.len() { p.shocks.remove(k); } }
                                }))>"✕"</button>
                            </div>
                        }).collect_view()}
                        <button type="button" id=format!("last-{i}-add-shock") on:click=move |_| report(s.edit(|sc| {
                            let at = sc.steps / 2;
                            if let Some(p) = last_mut(sc, i) { p.shocks.push(Shock { step: at, change: Decimal::new(-10, 2) }); }
                        }))>"Add a last-price shock"</button>
                    })}
                </fieldset>
            }).collect_view()}
            <FieldErrors errors=errors/>
        </div>
    }
}
