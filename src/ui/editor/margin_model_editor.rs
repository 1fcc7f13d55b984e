//! `venue.margin_model` (issue 18): which margin model the venue runs and its main parameters.
//! Switching the kind starts from that model's defaults (margin_model.rs); "per instrument"
//! removes the field, as scenarios written before it have it. Spread credits and an account's
//! or cohort's own model are edited in the JSON below. The page computes no margin here.

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::number_field::{check_input, choice_input, number_input};
use crate::scenario::{GridSpec, HistVarSpec, MarginModelSpec, Scenario, SpanSpec, TailMeasure};
use crate::ui::state::use_state;

const KINDS: [(&str, &str); 4] = [
    ("per_instrument", "Per instrument (each its own rate)"),
    ("scenario_grid", "Scenario grid (Deribit-style portfolio)"),
    ("span", "SPAN (CME-style, 16 scenarios)"),
    ("hist_var", "Historical VaR / ES (Eurex, LCH)"),
];

fn kind(s: &Scenario) -> &'static str {
    match &s.venue.margin_model {
        None | Some(MarginModelSpec::PerInstrument) => "per_instrument",
        Some(MarginModelSpec::ScenarioGrid(_)) => "scenario_grid",
        Some(MarginModelSpec::Span(_)) => "span",
        Some(MarginModelSpec::HistVar(_)) => "hist_var",
    }
}

fn set_kind(s: &mut Scenario, k: &str) {
    if kind(s) == k {
        return;
    }
    s.venue.margin_model = match k {
        "scenario_grid" => Some(MarginModelSpec::ScenarioGrid(GridSpec::default())),
        "span" => Some(MarginModelSpec::Span(SpanSpec::default())),
        "hist_var" => Some(MarginModelSpec::HistVar(HistVarSpec::default())),
        _ => None,
    };
}

fn whole(v: Decimal) -> Result<u32, String> {
    v.to_u32().filter(|_| v.fract().is_zero()).ok_or_else(|| "must be a whole number".to_string())
}

/// One model's parameter: read from the venue's model when it is of this kind (the default
/// otherwise), written only to a model of this kind.
macro_rules! param {
    ($variant:ident, $spec:ident, $field:ident) => {
        (
            |s: &Scenario| match &s.venue.margin_model {
                Some(MarginModelSpec::$variant(m)) => m.$field.clone(),
                _ => $spec::default().$field,
            },
            |s: &mut Scenario, v| {
                if let Some(MarginModelSpec::$variant(m)) = &mut s.venue.margin_model {
                    m.$field = v;
                }
            },
        )
    };
}

/// A decimal parameter as a labelled field: id `mm-<field>`, path `venue.margin_model.<field>`.
macro_rules! decimal_param {
    ($variant:ident, $spec:ident, $field:ident, $label:expr) => {{
        let (get, put) = param!($variant, $spec, $field);
        number_input(
            concat!("mm-", stringify!($field)).into(),
            $label.into(),
            concat!("venue.margin_model.", stringify!($field)).into(),
            get,
            move |s, v| {
                put(s, v);
                Ok(())
            },
        )
    }};
}

/// A whole-number parameter (buckets, steps).
macro_rules! whole_param {
    ($variant:ident, $spec:ident, $field:ident, $label:expr) => {{
        let (get, put) = param!($variant, $spec, $field);
        number_input(
            concat!("mm-", stringify!($field)).into(),
            $label.into(),
            concat!("venue.margin_model.", stringify!($field)).into(),
            move |s| Decimal::from(get(s)),
            move |s, v| {
                put(s, whole(v)?);
                Ok(())
            },
        )
    }};
}

fn grid_fields() -> impl IntoView {
    let (extended, put_extended) = param!(ScenarioGrid, GridSpec, extended);
    view! {
        {decimal_param!(ScenarioGrid, GridSpec, price_range, "Largest price move (fraction of the mark: 0.16 = ±16 %)")}
        {whole_param!(ScenarioGrid, GridSpec, buckets, "Price moves on each side of the grid (buckets)")}
        {decimal_param!(ScenarioGrid, GridSpec, vol_up, "Volatility shock up (fraction: 0.5 = vol × 1.5)")}
        {decimal_param!(ScenarioGrid, GridSpec, vol_down, "Volatility shock down (fraction: 0.25 = vol × 0.75)")}
        {check_input("mm-extended".into(), "Count the extreme moves (−66 % … +500 %, weighted and dampened)".into(), extended, put_extended)}
        {decimal_param!(ScenarioGrid, GridSpec, dampener, "Extreme moves' dampener (quote currency)")}
        {decimal_param!(ScenarioGrid, GridSpec, roll_min_move, "Roll shock (fraction of the futures held)")}
        {decimal_param!(ScenarioGrid, GridSpec, mm_factor, "Maintenance margin = this × initial (0.8)")}
    }
}

fn span_fields() -> impl IntoView {
    view! {
        {decimal_param!(Span, SpanSpec, price_scan, "Price scan range (fraction of the mark: 0.10 = ±10 %)")}
        {decimal_param!(Span, SpanSpec, vol_scan, "Volatility scan range (vol points: 0.15 = ±15 points)")}
        {decimal_param!(Span, SpanSpec, short_option_minimum, "Short option minimum (fraction of the price scan, per short option)")}
        {decimal_param!(Span, SpanSpec, initial_factor, "Initial margin = this × maintenance (1.35)")}
    }
}

fn hist_var_fields() -> impl IntoView {
    let (measure, put_measure) = param!(HistVar, HistVarSpec, measure);
    view! {
        {choice_input("mm-measure".into(), "Tail measure".into(),
            vec![("es", "Expected shortfall (ES)"), ("var", "Value at risk (VaR)")],
            move |s| if measure(s) == TailMeasure::Var { "var" } else { "es" },
            move |s, v| put_measure(s, if v == "var" { TailMeasure::Var } else { TailMeasure::Es }))}
        <p class="hint">"VaR: the loss not exceeded at the confidence level. ES: the average of the losses beyond it."</p>
        {decimal_param!(HistVar, HistVarSpec, confidence, "Confidence (0.99 = 99 %)")}
        {whole_param!(HistVar, HistVarSpec, horizon, "Horizon (steps a move lasts)")}
        {whole_param!(HistVar, HistVarSpec, lookback, "Look-back window (steps of the past path)")}
        {decimal_param!(HistVar, HistVarSpec, buffer, "Anti-procyclicality buffer (fraction added: 0.25 = +25 %)")}
        {decimal_param!(HistVar, HistVarSpec, floor, "Floor (fraction of the per-instrument margin)")}
    }
}

#[component]
pub fn MarginModelEditor() -> impl IntoView {
    let s = use_state();
    // Only a change of kind rebuilds the fields (an edit keeps the focus and the messages).
    let current = Memo::new(move |_| s.scenario.with(kind));
    let spreads = move || {
        s.scenario.with(|sc| match &sc.venue.margin_model {
            Some(MarginModelSpec::ScenarioGrid(GridSpec { spreads, .. }) | MarginModelSpec::Span(SpanSpec { spreads, .. })) => {
                spreads.iter().map(|c| format!("{}–{}: {}", c.a, c.b, c.credit.normalize())).collect::<Vec<_>>().join("; ")
            }
            _ => String::new(),
        })
    };
    view! {
        <div id="margin-model">
            {choice_input("mm-kind".into(), "Margin model".into(), KINDS.to_vec(), kind, set_kind)}
            {move || match current.get() {
                "scenario_grid" => grid_fields().into_any(),
                "span" => span_fields().into_any(),
                "hist_var" => hist_var_fields().into_any(),
                _ => view! { <p class="hint">"Each position is margined on its own: the instrument's initial and maintenance rates (or tiers); options by Deribit's standard formulas."</p> }.into_any(),
            }}
            <Show when=move || !spreads().is_empty()>
                <p class="hint">"Spread credits: "{spreads}</p>
            </Show>
            <p class="hint">"Spread credits (venue.margin_model.spreads, grid and SPAN) and an account's or cohort's own model (accounts[].margin_model) are edited under “Everything (JSON)”."</p>
        </div>
    }
}
