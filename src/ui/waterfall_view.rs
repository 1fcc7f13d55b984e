//! The waterfall: layers as a vertical cascade. Each bar shows what the layer has paid (orange, from
//! the left) and what it still holds (blue). The rows persist across steps and only their styles change, so
//! CSS transitions animate the flow between frames; an exhausted layer is outlined, the spill to
//! the next layer lights up, and the unallocated residual is shown in alarm colours.

use leptos::prelude::*;

use super::format::fraction;
use super::state::use_state;
use crate::engine::{format_money, LayerInfo, LayerState};

#[component]
pub fn WaterfallView() -> impl IntoView {
    let s = use_state();
    // Static per run: the layers' descriptions and the scale of rule-based bars.
    let layers = Memo::new(move |_| {
        s.timeline.with(|t| t.as_ref().map(|t| (t.layers.clone(), t.summary.deficit)).unwrap_or_default())
    });
    // Per step: one state per layer (a binary search per layer in the engine's change log).
    let states = Memo::new(move |_| {
        let step = s.step.get();
        s.timeline.with(|t| t.as_ref().map(|t| t.layer_state(step)).unwrap_or_default())
    });
    let residual = Memo::new(move |_| {
        let step = s.step.get();
        s.timeline.with(|t| t.as_ref().map(|t| t.unallocated_at(step)).unwrap_or_default())
    });

    view! {
        <div class="waterfall" id="waterfall">
            // The list holds the layers only (ARIA: a list owns list items); the residual's status
            // line sits beside it.
            <div class="layers" role="list" aria-label="Default waterfall layers">
            <For
                each={move || layers.get().0.into_iter().enumerate().collect::<Vec<_>>()}
                key={|(i, info): &(usize, LayerInfo)| (*i, info.label.clone(), info.capacity)}
                children={move |(i, info): (usize, LayerInfo)| view! { <LayerRow index=i info=info states=states scale={Signal::derive(move || layers.get().1)}/> }}
            />
            </div>
            <div id="residual" class=move || if residual.get().is_zero() { "residual" } else { "residual alarm" } role="status">
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

#[component]
fn LayerRow(
    index: usize,
    info: LayerInfo,
    states: Memo<Vec<LayerState>>,
    scale: Signal<rust_decimal::Decimal>,
) -> impl IntoView {
    let capacity = info.capacity;
    let state = move || states.with(|v| v.get(index).cloned().unwrap_or_default());
    // A layer that holds nothing (a SIG of 0), or a rule-based one the loss went past without
    // drawing (a defaulter with no fund contribution), is passed through, not "exhausted".
    let holds_nothing = capacity.is_some_and(|c| c.is_zero());
    let empty = move || holds_nothing || { let st = state(); st.exhausted && st.drawn.is_zero() };
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
        _ if holds_nothing => "holds nothing".to_string(),
        Some(r) => format!("left {}", format_money(r)),
        None => "as needed".to_string(),
    };
    let paid = move || format!("paid {}", format_money(state().drawn));
    view! {
        {(index > 0).then(|| view! { <div class=move || if wet() { "spill" } else { "spill dry" } aria-hidden="true"></div> })}
        <div role="listitem" data-layer=index.to_string() title=info.description.clone()
            class=move || format!("layer{}{}", if empty() { " empty" } else if state().exhausted { " exhausted" } else { "" }, if wet() { "" } else { " untouched" })>
            <span class="layer-name">{info.label.clone()}</span>
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
