//! `venue.margin_model` (issue 18): which margin model the venue runs, its main parameters and
//! its spread credits (grid and SPAN); and the model of each account or cohort that has its own
//! (`accounts[].margin_model`, `cohorts[].margin_model`). Switching the kind starts from that
//! model's defaults (margin_model.rs); "per instrument" removes the venue's field, as scenarios
//! written before it have it, and "the venue's" an account's. The page computes no margin here.

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::number_field::{check_input, choice_input, id_choice, number_input};
use super::FieldErrors;
use crate::scenario::{GridSpec, HistVarSpec, MarginModelSpec, Scenario, SpanSpec, SpreadCredit, TailMeasure, ValidationError};
use crate::ui::state::use_state;

const KINDS: [(&str, &str); 4] = [
    ("per_instrument", "Per instrument (each its own rate)"),
    ("scenario_grid", "Scenario grid (Deribit-style portfolio)"),
    ("span", "SPAN (CME-style, 16 scenarios)"),
    ("hist_var", "Historical VaR / ES (Eurex, LCH)"),
];

fn kind_of(m: &Option<MarginModelSpec>) -> &'static str {
    match m {
        None | Some(MarginModelSpec::PerInstrument) => "per_instrument",
        Some(MarginModelSpec::ScenarioGrid(_)) => "scenario_grid",
        Some(MarginModelSpec::Span(_)) => "span",
        Some(MarginModelSpec::HistVar(_)) => "hist_var",
    }
}

fn kind(s: &Scenario) -> &'static str {
    kind_of(&s.venue.margin_model)
}

/// A model of kind `k` with its defaults (`per_instrument`: the explicit per-instrument model).
fn model_of(k: &str) -> MarginModelSpec {
    match k {
        "scenario_grid" => MarginModelSpec::ScenarioGrid(GridSpec::default()),
        "span" => MarginModelSpec::Span(SpanSpec::default()),
        "hist_var" => MarginModelSpec::HistVar(HistVarSpec::default()),
        _ => MarginModelSpec::PerInstrument,
    }
}

fn set_kind(s: &mut Scenario, k: &str) {
    if kind(s) == k {
        return;
    }
    s.venue.margin_model = match k {
        "per_instrument" => None,
        _ => Some(model_of(k)),
    };
}

/// An account's or cohort's own model as the form shows it: `venue` when it has none.
fn group_kind(m: &Option<MarginModelSpec>) -> &'static str {
    match m {
        None => "venue",
        Some(_) => kind_of(m),
    }
}

/// Sets an account's or cohort's own model to kind `k` (its defaults), or removes it (`venue`);
/// an unchanged kind keeps its parameters.
fn set_group_kind(m: &mut Option<MarginModelSpec>, k: &str) {
    if group_kind(m) == k {
        return;
    }
    *m = match k {
        "venue" => None,
        _ => Some(model_of(k)),
    };
}

const GROUP_KINDS: [(&str, &str); 5] = [
    ("venue", "The venue's model"),
    ("per_instrument", "Per instrument"),
    ("scenario_grid", "Scenario grid"),
    ("span", "SPAN"),
    ("hist_var", "Historical VaR / ES"),
];

fn spreads(s: &Scenario) -> Option<&Vec<SpreadCredit>> {
    match &s.venue.margin_model {
        Some(MarginModelSpec::ScenarioGrid(GridSpec { spreads, .. }) | MarginModelSpec::Span(SpanSpec { spreads, .. })) => Some(spreads),
        _ => None,
    }
}

fn spreads_mut(s: &mut Scenario) -> Option<&mut Vec<SpreadCredit>> {
    match &mut s.venue.margin_model {
        Some(MarginModelSpec::ScenarioGrid(GridSpec { spreads, .. }) | MarginModelSpec::Span(SpanSpec { spreads, .. })) => Some(spreads),
        _ => None,
    }
}

/// The spread credits of a grid or SPAN venue model: each pair of legs (instruments that are not
/// options) and the fraction of their scan risk given back; validation (validate_margin.rs)
/// names a bad one by its path.
#[component]
fn SpreadsEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());
    let shape = Memo::new(move |_| s.scenario.with(|sc| (spreads(sc).map(Vec::len), sc.instruments.iter().filter(|x| x.option.is_none()).map(|x| x.id.clone()).collect::<Vec<_>>())));
    view! {
        {move || { let (n, ids) = shape.get(); n.map(|n| { let ids2 = ids.clone(); view! {
            <fieldset id="mm-spreads" class="spreads">
                <legend>"Spread credits (inter-commodity)"</legend>
                {(0..n).map(|k| { let (ia, ib) = (ids2.clone(), ids2.clone()); view! {
                    <div class="row">
                        {id_choice(format!("mm-spread-{k}-a"), "Leg".into(), ia,
                            move |sc| spreads(sc).and_then(|v| v.get(k)).map(|c| c.a.clone()).unwrap_or_default(),
                            move |sc, v| if let Some(c) = spreads_mut(sc).and_then(|x| x.get_mut(k)) { c.a = v.to_string(); })}
                        {id_choice(format!("mm-spread-{k}-b"), "against".into(), ib,
                            move |sc| spreads(sc).and_then(|v| v.get(k)).map(|c| c.b.clone()).unwrap_or_default(),
                            move |sc, v| if let Some(c) = spreads_mut(sc).and_then(|x| x.get_mut(k)) { c.b = v.to_string(); })}
                        {number_input(format!("mm-spread-{k}-credit"), "credit (0.8 = 80 % of the scan risk)".into(), format!("venue.margin_model.spreads[{k}].credit"),
                            move |sc| spreads(sc).and_then(|v| v.get(k)).map(|c| c.credit).unwrap_or_default(),
                            move |sc, v| { if let Some(c) = spreads_mut(sc).and_then(|x| x.get_mut(k)) { c.credit = v; } Ok(()) })}
                        <button type="button" aria-label=format!("Remove spread credit {}", k + 1) on:click=move |_| report(s.edit(|sc| {
                            if let Some(v) = spreads_mut(sc) { if k < v.len() { v.remove(k); } }
                        }))>"✕"</button>
                    </div>
                }}).collect_view()}
                <button type="button" id="mm-add-spread" on:click=move |_| report(s.edit(|sc| {
                    let ids: Vec<String> = sc.instruments.iter().filter(|x| x.option.is_none()).map(|x| x.id.clone()).collect();
                    if let (Some(a), Some(b), Some(v)) = (ids.first().cloned(), ids.get(1).cloned(), spreads_mut(sc)) {
                        v.push(SpreadCredit { a, b, credit: Decimal::new(5, 1) });
                    }
                }))>"Add a spread credit"</button>
                <FieldErrors errors=errors/>
            </fieldset>
        }})}}
    }
}

/// The model of each account and cohort that may have its own (`accounts[].margin_model`,
/// `cohorts[].margin_model`): the venue's, or one of the four with its defaults. A venue can so
/// margin its portfolio-margin users by the grid and the rest per instrument (Deribit does).
#[component]
pub fn GroupModelsEditor() -> impl IntoView {
    let s = use_state();
    let shape = Memo::new(move |_| {
        s.scenario.with(|sc| {
            (
                sc.accounts.iter().enumerate().map(|(k, a)| (k, if a.name.is_empty() { a.id.clone() } else { a.name.clone() })).collect::<Vec<_>>(),
                sc.cohorts.iter().enumerate().map(|(k, c)| (k, if c.name.is_empty() { c.id.clone() } else { c.name.clone() })).collect::<Vec<_>>(),
            )
        })
    });
    view! {
        <div id="group-models">
            {move || { let (accounts, cohorts) = shape.get(); view! {
                {accounts.into_iter().map(|(k, name)| choice_input(format!("mm-account-{k}"), name, GROUP_KINDS.to_vec(),
                    move |sc| sc.accounts.get(k).map_or("venue", |a| group_kind(&a.margin_model)),
                    move |sc, v| if let Some(a) = sc.accounts.get_mut(k) { set_group_kind(&mut a.margin_model, v); })).collect_view()}
                {cohorts.into_iter().map(|(k, name)| choice_input(format!("mm-cohort-{k}"), format!("Cohort: {name}"), GROUP_KINDS.to_vec(),
                    move |sc| sc.cohorts.get(k).map_or("venue", |c| group_kind(&c.margin_model)),
                    move |sc, v| if let Some(c) = sc.cohorts.get_mut(k) { set_group_kind(&mut c.margin_model, v); })).collect_view()}
            }}}
            <p class="hint">"A model chosen here starts from its defaults; its parameters are edited under “Everything (JSON)” (accounts[].margin_model)."</p>
        </div>
    }
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
    let spreads = move || s.scenario.with(|sc| spreads(sc).map(|v| v.iter().map(|c| format!("{}–{}: {}", c.a, c.b, c.credit.normalize())).collect::<Vec<_>>().join("; ")).unwrap_or_default());
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
            <SpreadsEditor/>
        </div>
    }
}
