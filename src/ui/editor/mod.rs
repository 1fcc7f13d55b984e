//! The scenario editor: presets, the venue's knobs, price shocks, the waterfall's layers, and the
//! whole scenario as JSON (import, export, drag-and-drop). Every edit is validated first; an invalid
//! value is shown next to its field and the last valid run stays on screen.

mod auction_editor;
mod field_errors;
mod interventions;
mod json_editor;
mod last_price_editor;
mod layers_editor;
mod margin_model_editor;
mod number_field;
mod options_editor;
mod preset_picker;
mod shocks_editor;

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::scenario::{AdlRule, OptionLiquidation, ValidationError};
use crate::ui::state::use_state;

pub use field_errors::FieldErrors;
use auction_editor::AuctionEditor;
use interventions::Interventions;
use json_editor::JsonEditor;
use last_price_editor::LastPriceEditor;
use layers_editor::LayersEditor;
use margin_model_editor::{GroupModelsEditor, MarginModelEditor};
use number_field::{choice_input, NumberField};
use options_editor::OptionsEditor;
use preset_picker::PresetPicker;
use shocks_editor::ShocksEditor;

#[component]
pub fn Editor() -> impl IntoView {
    view! {
        <PresetPicker/>
        <details open>
            <summary>"Venue"</summary>
            <NumberField id="venue-insurance" label="Insurance fund at start" path="venue.insurance_fund"
                get=|s| s.venue.insurance_fund set=|s, v| { s.venue.insurance_fund = v; Ok(()) }/>
            <NumberField id="venue-fee" label="Liquidation fee (rate of notional)" path="venue.liquidation_fee"
                get=|s| s.venue.liquidation_fee set=|s, v| { s.venue.liquidation_fee = v; Ok(()) }/>
            <NumberField id="venue-auction" label="Auction discount to mark (CCP close-out)" path="venue.auction_discount"
                get=|s| s.venue.auction_discount set=|s, v| { s.venue.auction_discount = v; Ok(()) }/>
            <AdlRuleSelect/>
            {option_liquidation_select()}
            <NumberField id="steps" label="Steps" path="steps"
                get=|s| Decimal::from(s.steps)
                set=|s, v| {
                    s.steps = v.to_u32().filter(|_| v.fract().is_zero()).ok_or("must be a whole number of steps")?;
                    Ok(())
                }/>
        </details>
        <details open>
            <summary>"Price shocks"</summary>
            <ShocksEditor/>
        </details>
        <details open>
            <summary>"Waterfall layers"</summary>
            <LayersEditor/>
        </details>
        <details>
            <summary>"Margin model"</summary>
            <MarginModelEditor/>
        </details>
        <details>
            <summary>"Margin model per account"</summary>
            <GroupModelsEditor/>
        </details>
        <details>
            <summary>"Options"</summary>
            <OptionsEditor/>
        </details>
        <details>
            <summary>"Default auction (clearing house)"</summary>
            <AuctionEditor/>
        </details>
        <details>
            <summary>"Last traded price (apart from the mark)"</summary>
            <LastPriceEditor/>
        </details>
        <details>
            <summary>"Interventions and funds"</summary>
            <Interventions/>
        </details>
        <details>
            <summary>"Everything (JSON: accounts, cohorts, instruments…)"</summary>
            <JsonEditor/>
        </details>
    }
}

/// `venue.adl`: how an auto-deleveraging layer picks and charges its counterparties.
#[component]
fn AdlRuleSelect() -> impl IntoView {
    const RULES: [(AdlRule, &str); 4] = [
        (AdlRule::Bitmex, "bitmex"),
        (AdlRule::Hyperliquid, "hyperliquid"),
        (AdlRule::Dydx, "dydx"),
        (AdlRule::Drift, "drift"),
    ];
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let set = move |value: String| {
        if let Some(&(rule, _)) = RULES.iter().find(|r| r.1 == value) {
            errors.set(s.edit(|sc| sc.venue.adl = rule).err().unwrap_or_default());
        }
    };
    let current = move || s.scenario.with(|sc| RULES.iter().find(|r| r.0 == sc.venue.adl).map(|r| r.1).unwrap_or("bitmex"));
    view! {
        <label for="venue-adl">"Auto-deleveraging rule"</label>
        <select id="venue-adl" prop:value=current on:change=move |e| set(event_target_value(&e))>
            {RULES.into_iter().map(|(rule, value)| view! { <option value=value>{rule.label()}</option> }).collect_view()}
        </select>
        <FieldErrors errors=errors/>
    }
}

/// `venue.option_liquidation` (issue 18): how an exchange liquidates an account holding a live
/// option (option_liquidation.rs); validation refuses a step-by-step order on a clearing house.
fn option_liquidation_select() -> impl IntoView {
    const ORDERS: [(OptionLiquidation, &str, &str); 3] = [
        (OptionLiquidation::Generic, "generic", "Like any account (in quarters or in full)"),
        (OptionLiquidation::Deribit, "deribit", "Deribit 2023: largest contributor first, hedge last"),
        (OptionLiquidation::HedgeFirst, "hedge_first", "Hedge first, then largest contributor (before 2023)"),
    ];
    choice_input(
        "venue-option-liquidation".into(),
        "Option accounts' liquidation (exchange)".into(),
        ORDERS.iter().map(|o| (o.1, o.2)).collect(),
        |sc| ORDERS.iter().find(|o| o.0 == sc.venue.option_liquidation).map_or("generic", |o| o.1),
        |sc, v| {
            if let Some(o) = ORDERS.iter().find(|o| o.1 == v) {
                sc.venue.option_liquidation = o.0;
            }
        },
    )
}
