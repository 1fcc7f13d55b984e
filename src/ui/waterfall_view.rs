//! The waterfall: layers as a vertical cascade. Each bar shows what the layer has paid (orange, from
//! the left) and what it still holds (blue). The rows persist across steps and only their styles change, so
//! CSS transitions animate the flow between frames; an exhausted layer is outlined, the spill to
//! the next layer lights up, and the unallocated residual is shown in alarm colours.
//!
//! Within a step the spill plays draw by draw (`spill.rs`): the bars are the engine's states after
//! the draw on screen (`Timeline::layer_state_at_draw`), the layer drawn is marked
//! `aria-current="step"` with what it took and what went on, and a caption says it in words.

use leptos::prelude::*;

use super::format::fraction;
use super::state::use_state;
use crate::engine::{format_money, Draw, LayerInfo, LayerState};

#[component]
pub fn WaterfallView() -> impl IntoView {
    let s = use_state();
    // Static per run: the layers' descriptions and the scale of rule-based bars.
    let layers = Memo::new(move |_| {
        s.timeline.with(|t| t.as_ref().map(|t| (t.layers.clone(), t.summary.deficit)).unwrap_or_default())
    });
    // The draw on screen, if the step's spill is shown: (its index, the draw, the step's count).
    let draw = Memo::new(move |_| {
        let step = s.step.get();
        let k = super::spill::active(s)?;
        s.timeline.with(|t| {
            let draws = t.as_ref()?.draws_at(step);
            let n = draws.len();
            draws.into_iter().nth(k).map(|d| (k, d, n))
        })
    });
    // Per step (or per draw): one state per layer (a binary search per layer in the engine's
    // change log; at a draw, the engine's bars after it).
    let states = Memo::new(move |_| {
        let step = s.step.get();
        let k = draw.with(|d| d.as_ref().map(|x| x.0));
        s.timeline.with(|t| match (t.as_ref(), k) {
            (Some(t), Some(k)) => t.layer_state_at_draw(step, k),
            (Some(t), None) => t.layer_state(step),
            (None, _) => Vec::new(),
        })
    });
    let residual = Memo::new(move |_| {
        let step = s.step.get();
        let k = draw.with(|d| d.as_ref().map(|x| x.0));
        s.timeline.with(|t| match (t.as_ref(), k) {
            (Some(t), Some(k)) => t.unallocated_at_draw(step, k),
            (Some(t), None) => t.unallocated_at(step),
            (None, _) => Default::default(),
        })
    });
    let active_layer = Memo::new(move |_| draw.with(|d| d.as_ref().map(|x| x.1.layer)));
    let caption = move || {
        let (k, d, n) = draw.get()?;
        let name = s.timeline.with(|t| t.as_ref().and_then(|t| t.accounts.get(d.account)).map(|a| a.name.to_string()))?;
        let label = s.timeline.with(|t| match d.layer {
            Some(l) => t.as_ref().and_then(|t| t.layers.get(l)).map(|x| x.label.clone()).unwrap_or_default(),
            None => "No layer".into(),
        });
        Some(format!("Draw {} of {n} on {name}'s loss — {label}: {}", k + 1, draw_note(&d)))
    };

    view! {
        <p id="spill-caption" class=move || if draw.with(|d| d.is_some()) { "spill-caption" } else { "spill-caption idle" } aria-live="polite">
            {move || caption().unwrap_or_else(|| "The loss goes down the layers in order; “draw ▶” follows it one layer at a time.".into())}
        </p>
        <div class="waterfall" id="waterfall">
            // The list holds the layers only (ARIA: a list owns list items); the residual's status
            // line sits beside it.
            <div class="layers" role="list" aria-label="Default waterfall layers">
            <For
                each={move || layers.get().0.into_iter().enumerate().collect::<Vec<_>>()}
                key={|(i, info): &(usize, LayerInfo)| (*i, info.label.clone(), info.capacity)}
                children={move |(i, info): (usize, LayerInfo)| view! {
                    <LayerRow index=i info=info states=states scale={Signal::derive(move || layers.get().1)} active_layer=active_layer
                        note={Signal::derive(move || draw.with(|d| d.as_ref().filter(|x| x.1.layer == Some(i)).map(|x| row_note(&x.1))))}
                        inflow={Signal::derive(move || draw.with(|d| d.as_ref().filter(|x| x.1.layer == Some(i)).map(|x| format!("↓ {} reaches this layer", format_money(x.1.loss_in)))))}/>
                }}
            />
            </div>
            <div id="residual" class=move || format!("{}{}", if residual.get().is_zero() { "residual" } else { "residual alarm" }, if active_layer.get() == Some(None) { " active" } else { "" })
                aria-current=move || (active_layer.get() == Some(None)).then_some("step") role="status">
                {move || {
                    let r = residual.get();
                    if r.is_zero() {
                        "Unallocated: none — the waterfall has held so far.".to_string()
                    } else {
                        format!("UNALLOCATED: {} — no layer covers this loss; the venue is insolvent.", format_money(r))
                    }
                }}
            </div>
        </div>
    }
}

/// The short form beside the bar: "took €7m · €107m goes on", "empty — nothing to take".
fn row_note(d: &Draw) -> String {
    let on = if d.passed_on.is_zero() { "nothing goes on".to_string() } else { format!("{} goes on", format_money(d.passed_on)) };
    match d.layer {
        Some(_) if d.empty() && !d.state.drawn.is_zero() => "used up — nothing left to take".into(),
        Some(_) if d.empty() => "empty — nothing to take".into(),
        _ => format!("took {} · {on}", format_money(d.taken)),
    }
}

/// What a draw did, in words: "took €7m of €114m · €107m goes on", or "empty — nothing to take".
fn draw_note(d: &Draw) -> String {
    let on = if d.passed_on.is_zero() { "nothing goes on".to_string() } else { format!("{} goes on", format_money(d.passed_on)) };
    match d.layer {
        None => format!("{} is covered by no layer — unallocated", format_money(d.taken)),
        Some(_) if d.empty() && !d.state.drawn.is_zero() => format!("used up — nothing left to take · {on}"),
        Some(_) if d.empty() => format!("empty — nothing to take · {on}"),
        Some(_) => {
            let held = d.before.map(|b| format!(" (it held {})", format_money(b))).unwrap_or_default();
            format!("took {} of {}{held} · {on}", format_money(d.taken), format_money(d.loss_in))
        }
    }
}

#[component]
fn LayerRow(
    index: usize,
    info: LayerInfo,
    states: Memo<Vec<LayerState>>,
    scale: Signal<rust_decimal::Decimal>,
    /// The layer of the draw on screen (`Some(None)`: the residual).
    active_layer: Memo<Option<Option<usize>>>,
    /// What the draw on screen did, when it is on this layer.
    note: Signal<Option<String>>,
    /// The loss reaching this layer, shown on the link above it while it is drawn.
    inflow: Signal<Option<String>>,
) -> impl IntoView {
    let is_active = move || active_layer.get() == Some(Some(index));
    let capacity = info.capacity;
    let state = move || states.with(|v| v.get(index).cloned().unwrap_or_default());
    // A layer that holds nothing (a SIG of 0), or a rule-based one the loss went past without
    // drawing (a defaulter with no fund contribution), is passed through, not "exhausted". A SIG
    // of 0 holds something once temporary capital comes in (`capital_injections`): the step's
    // state says so.
    let holds_nothing = move || capacity.is_some_and(|c| c.is_zero()) && { let st = state(); st.drawn.is_zero() && st.remaining.unwrap_or_default().is_zero() };
    let empty = move || holds_nothing() || { let st = state(); st.exhausted && st.drawn.is_zero() };
    // Capacity-bound layers scale to what they have had to give at this step (paid + left: a fund
    // loses a defaulter's own contribution, an insurance fund gains fees); rule-based ones to the
    // run's whole deficit.
    let fractions = move || {
        let st = state();
        match capacity {
            Some(c) => {
                let left = st.remaining.unwrap_or_default();
                let whole = st.drawn.checked_add(left).filter(|w| !w.is_zero()).unwrap_or(c);
                (fraction(left, whole), fraction(st.drawn, whole))
            }
            None => (0.0, fraction(st.drawn, scale.get())),
        }
    };
    let wet = move || !state().drawn.is_zero();
    let right = move || match state().remaining {
        _ if holds_nothing() => "holds nothing".to_string(),
        Some(r) => format!("left {}", format_money(r)),
        None => "as needed".to_string(),
    };
    let paid = move || format!("paid {}", format_money(state().drawn));
    view! {
        // The loss flowing into the layer being drawn lights the link above it.
        {(index > 0).then(|| view! { <div class=move || format!("spill{}{}", if wet() { "" } else { " dry" }, if is_active() { " flowing" } else { "" }) aria-hidden="true">{move || inflow.get()}</div> })}
        <div role="listitem" data-layer=index.to_string() title=info.description.clone()
            aria-current=move || is_active().then_some("step")
            class=move || format!("layer{}{}{}", if empty() { " empty" } else if state().exhausted { " exhausted" } else { "" }, if wet() { "" } else { " untouched" }, if is_active() { " active" } else { "" })>
            <span class="layer-name">{info.label.clone()}
                {move || note.get().map(|n| view! { <span class="draw-note">{n}</span> })}
            </span>
            <div class="bar" role="img" aria-label=move || format!("{}, {}", paid(), right())>
                // Full-width fills scaled by a transform: the transitions between steps then run on the
                // compositor, with no layout or paint of the page in each animation frame.
                // Paid (orange) from the left under "paid …", what is left (blue) after it under "left …".
                <div class="drawn" style=move || format!("transform:scaleX({:.5})", fractions().1)></div>
                {capacity.is_some().then(|| view! { <div class="left" style=move || { let (l, d) = fractions(); format!("transform:translateX({:.3}%) scaleX({:.5})", d * 100.0, l) }></div> })}
                <div class="figures"><span class="paid">{paid}</span><span>{right}</span></div>
            </div>
        </div>
    }
}
