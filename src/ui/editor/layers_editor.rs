//! The waterfall's layers: reorder, switch off and on, set capacities, or load a venue's rule set.
//! A switched-off layer leaves the scenario (links carry only what runs) but stays listed here.

use std::str::FromStr;

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::FieldErrors;
use crate::engine::waterfall_presets;
use crate::scenario::{LayerSpec, Tranche, ValidationError};
use crate::ui::state::use_state;

fn layer_name(l: &LayerSpec) -> String {
    match l {
        LayerSpec::DefaulterMargin => "Defaulter's margin".into(),
        LayerSpec::DefaulterFundContribution => "Defaulter's fund contribution".into(),
        LayerSpec::SkinInTheGame { tranche: Tranche::Junior, .. } => "Skin in the game (junior)".into(),
        LayerSpec::SkinInTheGame { tranche: Tranche::Senior, .. } => "Skin in the game (senior)".into(),
        LayerSpec::InsuranceFund => "Insurance fund".into(),
        LayerSpec::SurvivorsFund => "Survivors' default fund".into(),
        LayerSpec::Assessment { .. } => "Assessments".into(),
        LayerSpec::VariationMarginHaircut { .. } => "VM gains haircut".into(),
        LayerSpec::SocializedLoss => "Socialized loss".into(),
        LayerSpec::AutoDeleverage => "Auto-deleveraging".into(),
        LayerSpec::LpVaultHaircut { account } => format!("LP vault ({account})"),
        LayerSpec::TearUp => "Partial tear-up".into(),
        LayerSpec::ImHaircut { .. } => "Initial-margin haircut".into(),
    }
}

/// Layers a user can add, with sensible defaults.
fn addable() -> Vec<LayerSpec> {
    vec![
        LayerSpec::DefaulterFundContribution,
        LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(1_000_000) },
        LayerSpec::InsuranceFund,
        LayerSpec::SurvivorsFund,
        LayerSpec::SkinInTheGame { tranche: Tranche::Senior, amount: Decimal::from(1_000_000) },
        LayerSpec::Assessment { cap_multiple: Decimal::ONE, max_calls: 1, period_cap_multiple: None, cooling_off_steps: None, from_collateral: false },
        LayerSpec::VariationMarginHaircut { max_steps: 3 },
        LayerSpec::SocializedLoss,
        LayerSpec::AutoDeleverage,
        LayerSpec::TearUp,
        LayerSpec::ImHaircut { cap_fraction: Decimal::new(1, 1) },
    ]
}

#[component]
pub fn LayersEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    // Layers switched off by the user, kept so they can be switched back on.
    let parked = RwSignal::new(Vec::<LayerSpec>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());

    let move_layer = move |i: usize, up: bool| {
        report(s.edit(|sc| {
            let j = if up { i.checked_sub(1) } else { Some(i + 1) };
            if let Some(j) = j.filter(|j| *j < sc.waterfall.len()) {
                sc.waterfall.swap(i, j);
            }
        }))
    };
    let switch_off = move |i: usize| {
        let mut removed = None;
        report(s.edit(|sc| {
            if i < sc.waterfall.len() {
                removed = Some(sc.waterfall.remove(i));
            }
        }));
        if let Some(l) = removed {
            parked.update(|p| p.push(l));
        }
    };
    let switch_on = move |k: usize| {
        let Some(l) = parked.with_untracked(|p| p.get(k).cloned()) else { return };
        let r = s.edit(|sc| sc.waterfall.push(l));
        if r.is_ok() {
            parked.update(|p| {
                if k < p.len() {
                    p.remove(k);
                }
            });
        }
        report(r);
    };
    let set_amount = move |i: usize, text: String| match Decimal::from_str(text.trim().replace([',', '_'], "").as_str()) {
        Err(_) => errors.set(vec![ValidationError { path: format!("waterfall[{i}].amount"), message: format!("“{text}” is not a number") }]),
        Ok(v) => report(s.edit(|sc| match sc.waterfall.get_mut(i) {
            Some(LayerSpec::SkinInTheGame { amount, .. }) => *amount = v,
            Some(LayerSpec::Assessment { cap_multiple, .. }) => *cap_multiple = v,
            Some(LayerSpec::ImHaircut { cap_fraction }) => *cap_fraction = v,
            _ => {}
        })),
    };
    // An assessment layer's calls and cooling-off caps (issue 19): `max_calls`,
    // `period_cap_multiple` and `cooling_off_steps`; an empty box clears an optional one.
    let set_cap = move |i: usize, field: &'static str, text: String| {
        let t = text.trim().replace([',', '_'], "");
        let path = format!("waterfall[{i}].{field}");
        let bad = move |m: String| errors.set(vec![ValidationError { path: path.clone(), message: m }]);
        let v = if t.is_empty() { None } else {
            match Decimal::from_str(&t) {
                Ok(v) => Some(v),
                Err(_) => return bad(format!("“{text}” is not a number")),
            }
        };
        let whole = |v: Decimal| v.to_u32().filter(|_| v.fract().is_zero());
        if field != "period_cap_multiple" && v.is_some_and(|v| whole(v).is_none()) {
            return bad("must be a whole number".into());
        }
        report(s.edit(|sc| {
            if let Some(LayerSpec::Assessment { max_calls, period_cap_multiple, cooling_off_steps, .. }) = sc.waterfall.get_mut(i) {
                match field {
                    "max_calls" => *max_calls = v.and_then(whole).unwrap_or(1),
                    "period_cap_multiple" => *period_cap_multiple = v,
                    _ => *cooling_off_steps = v.and_then(whole),
                }
            }
        }))
    };
    // `from_collateral` (issue 19): a member pays its assessment from the collateral it holds at
    // the clearing house before its reserves.
    let set_from_collateral = move |i: usize, on: bool| {
        report(s.edit(|sc| {
            if let Some(LayerSpec::Assessment { from_collateral, .. }) = sc.waterfall.get_mut(i) {
                *from_collateral = on;
            }
        }))
    };
    let load_rules = move |label: String| {
        if let Some(w) = waterfall_presets().into_iter().find(|w| w.label == label) {
            report(s.edit(|sc| sc.waterfall = w.layers));
        }
    };
    let add = move |k: String| {
        if let Some(l) = k.parse::<usize>().ok().and_then(|k| addable().get(k).cloned()) {
            report(s.edit(|sc| sc.waterfall.push(l)));
        }
    };

    view! {
        <ol class="layer-list" id="layer-list">
            {move || s.scenario.with(|sc| sc.waterfall.clone()).into_iter().enumerate().map(|(i, l)| {
                let amount = match &l {
                    LayerSpec::SkinInTheGame { amount, .. } => Some(("amount (quote currency)", *amount)),
                    LayerSpec::Assessment { cap_multiple, .. } => Some(("cap per default, × contribution", *cap_multiple)),
                    LayerSpec::ImHaircut { cap_fraction } => Some(("cap, × initial margin", *cap_fraction)),
                    _ => None,
                };
                let name = layer_name(&l);
                view! {
                    <li>
                        <span class="name">{name.clone()}</span>
                        <button type="button" aria-label=format!("Move {name} up") on:click=move |_| move_layer(i, true)>"↑"</button>
                        <button type="button" aria-label=format!("Move {name} down") on:click=move |_| move_layer(i, false)>"↓"</button>
                        <button type="button" aria-label=format!("Switch off {name}") on:click=move |_| switch_off(i)>"off"</button>
                        // The layer's numbers on a line of their own, each under its visible name
                        // (an empty optional cap reads "none").
                        {(amount.is_some() || matches!(l, LayerSpec::Assessment { .. })).then(|| view! {
                            <div class="layer-caps">
                                {amount.map(|(what, v)| view! {
                                    <label class="layer-field">{what}
                                        <input type="text" inputmode="decimal" size="9" aria-label=format!("{name}: {what}")
                                            prop:value=v.normalize().to_string() on:change=move |e| set_amount(i, event_target_value(&e))/>
                                    </label>
                                })}
                                {match &l {
                                    LayerSpec::Assessment { max_calls, period_cap_multiple, cooling_off_steps, from_collateral, .. } => {
                                        let boxes: [(&'static str, &'static str, String); 3] = [
                                            ("max_calls", "calls at most", max_calls.to_string()),
                                            ("period_cap_multiple", "cap in a period, × contribution", period_cap_multiple.map(|x| x.normalize().to_string()).unwrap_or_default()),
                                            ("cooling_off_steps", "period, steps", cooling_off_steps.map(|x| x.to_string()).unwrap_or_default()),
                                        ];
                                        let from_collateral = *from_collateral;
                                        Some(view! {
                                            {boxes.into_iter().map(|(field, what, value)| view! {
                                                <label class="layer-field">{what}
                                                    <input type="text" inputmode="decimal" size="4" class="assess-cap" placeholder="none" title=field
                                                        aria-label=format!("{name}: {what} ({field})")
                                                        prop:value=value on:change=move |e| set_cap(i, field, event_target_value(&e))/>
                                                </label>
                                            }).collect_view()}
                                            <label class="check layer-field">
                                                <input type="checkbox" aria-label=format!("{name}: paid from the member's collateral at the CCP first (from_collateral)")
                                                    prop:checked=from_collateral on:change=move |e| set_from_collateral(i, event_target_checked(&e))/>
                                                "paid from the member's collateral at the CCP first"
                                            </label>
                                        })
                                    }
                                    _ => None,
                                }}
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
            {move || parked.get().into_iter().enumerate().map(|(k, l)| {
                let name = layer_name(&l);
                view! {
                    <li class="disabled">
                        <span class="name">{name.clone()}</span>
                        <button type="button" aria-label=format!("Switch on {name}") on:click=move |_| switch_on(k)>"on"</button>
                    </li>
                }
            }).collect_view()}
        </ol>
        <div class="row">
            <label for="add-layer" class="visually-hidden">"Add a layer"</label>
            <select id="add-layer" on:change=move |e| add(event_target_value(&e)) prop:value="">
                <option value="" selected>"Add a layer…"</option>
                {addable().into_iter().enumerate().map(|(k, l)| view! { <option value=k.to_string()>{layer_name(&l)}</option> }).collect_view()}
            </select>
            <label for="rule-set" class="visually-hidden">"Load a venue's rule set"</label>
            <select id="rule-set" on:change=move |e| load_rules(event_target_value(&e)) prop:value="">
                <option value="" selected>"Load a venue's rules…"</option>
                {waterfall_presets().into_iter().map(|w| view! { <option value=w.label.clone()>{w.label.clone()}</option> }).collect_view()}
            </select>
        </div>
        <FieldErrors errors=errors/>
    }
}
