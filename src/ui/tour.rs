//! A guided tour for a first visit: six short steps through one default (`teach::tour`). Each
//! step scrolls to the thing it describes, rings it, and moves the player to the step where it
//! happens. It is a modal dialog (WAI-ARIA APG "Dialog (Modal)"): labelled, the rest of the page
//! inert while it is open, Tab kept inside, Escape closes it, and focus goes back where it was.
//! Skippable; once finished or dismissed it is never shown again (a flag in localStorage).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::use_state;
use crate::scenario::presets;
use crate::teach::tour::{self, Target, STEPS};

const SEEN_KEY: &str = "spillway.tour.seen";
/// Room left between the top of the window and the highlighted element.
const SCROLL_MARGIN_PX: f64 = 12.0;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn document() -> Option<web_sys::Document> {
    web_sys::window().and_then(|w| w.document())
}

/// The page's elements for a target (layers by their position in this run's waterfall).
fn selector(s: &super::state::AppState, target: Target) -> String {
    match target {
        Target::Waterfall => "#waterfall".into(),
        Target::PriceChart => "#chart-prices".into(),
        Target::Narrative => "#narrative".into(),
        Target::Player => ".player".into(),
        Target::Layers(kinds) => {
            let found = s.timeline.with_untracked(|t| t.as_ref().map(|t| tour::layers(t, kinds)).unwrap_or_default());
            let list: Vec<String> = found.iter().map(|i| format!("#waterfall [data-layer=\"{i}\"]")).collect();
            if list.is_empty() { "#waterfall".into() } else { list.join(", ") }
        }
    }
}

fn targets(sel: &str) -> Vec<web_sys::Element> {
    let Some(list) = document().and_then(|d| d.query_selector_all(sel).ok()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<web_sys::Element>().ok()).collect()
}

/// The box around every target, in viewport pixels: (top, left, bottom, right).
fn union_rect(els: &[web_sys::Element]) -> Option<(f64, f64, f64, f64)> {
    els.iter().map(|e| e.get_bounding_client_rect()).fold(None, |acc, r| {
        let b = (r.top(), r.left(), r.bottom(), r.right());
        Some(match acc {
            None => b,
            Some((t, l, bo, ri)) => (t.min(b.0), l.min(b.1), bo.max(b.2), ri.max(b.3)),
        })
    })
}

/// Everything on the page but the tour is inert while the dialog is open: no focus, no clicks,
/// hidden from assistive technology (what `aria-modal` promises).
fn set_page_inert(on: bool) {
    let Some(list) = document().and_then(|d| d.query_selector_all(".app > :not(#tour-layer)").ok()) else { return };
    for i in 0..list.length() {
        if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) {
            let _ = if on { el.set_attribute("inert", "") } else { el.remove_attribute("inert") };
        }
    }
}

fn focus(el: Option<web_sys::Element>) {
    if let Some(h) = el.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = h.focus();
    }
}

/// Where the ring is and on which edge the dialog sits.
#[derive(Clone, Copy, Default, PartialEq)]
struct Placement {
    ring: Option<(f64, f64, f64, f64)>,
    /// The dialog goes to the top edge when the target is in the lower half of the window.
    dialog_top: bool,
}

#[component]
pub fn Tour() -> impl IntoView {
    let s = use_state();
    let seen = storage().and_then(|st| st.get_item(SEEN_KEY).ok().flatten()).is_some();
    // A shared link or an embed is someone's chosen view: do not put a tour over it.
    let has_link = web_sys::window().and_then(|w| w.location().hash().ok()).map(|h| h.len() > 1).unwrap_or(false);
    let at = RwSignal::new(if seen || has_link || s.embed { None } else { Some(0usize) });
    let placement = RwSignal::new(Placement::default());
    // The element that had focus when the tour opened, to give it back.
    let opener = StoredValue::new_local(None::<web_sys::Element>);
    let highlighted = StoredValue::new_local(Vec::<web_sys::Element>::new());

    let unhighlight = move || {
        for el in highlighted.get_value() {
            let _ = el.class_list().remove_1("tour-target");
        }
        highlighted.set_value(Vec::new());
    };
    // Rings the step's target where it is now (after a scroll or a resize too).
    let place = move || {
        let Some(i) = at.get_untracked() else { return };
        let els = targets(&selector(&s, STEPS[i].target));
        let height = web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(800.0);
        let ring = union_rect(&els);
        let dialog_top = ring.is_some_and(|(top, _, bottom, _)| (top + bottom) / 2.0 > height / 2.0);
        placement.set(Placement { ring, dialog_top });
    };
    // Highlights the step's target and scrolls it to the top of the window; the dialog then sits
    // at the bottom edge, off the target.
    let show_target = move || {
        unhighlight();
        let Some(i) = at.get_untracked() else { return };
        let els = targets(&selector(&s, STEPS[i].target));
        for el in &els {
            let _ = el.class_list().add_1("tour-target");
        }
        if let (Some(w), Some((top, ..))) = (web_sys::window(), union_rect(&els)) {
            let y = w.scroll_y().unwrap_or(0.0) + top - SCROLL_MARGIN_PX;
            w.scroll_to_with_x_and_y(0.0, y.max(0.0));
        }
        highlighted.set_value(els);
        place();
    };

    let close = move || {
        unhighlight();
        at.set(None);
        set_page_inert(false);
        if let Some(st) = storage() {
            let _ = st.set_item(SEEN_KEY, "1");
        }
        // Back to where focus was; on a first visit (focus was nowhere) to Play.
        let back = opener.get_value().filter(|e| e.is_connected() && e.tag_name() != "BODY");
        focus(back.or_else(|| document().and_then(|d| d.get_element_by_id("btn-play"))));
    };
    let go = move |i: usize| {
        if i == 0 {
            if let Some(p) = presets::by_id(tour::PRESET) {
                s.preset_id.set(Some(p.id.to_string()));
                s.scenario.set(p.scenario);
                s.rerun(); // now, not debounced: the steps are looked up in this run
            }
        }
        let step = s.timeline.with_untracked(|t| t.as_ref().and_then(|t| tour::step_of(t, STEPS[i].moment)));
        if let Some(step) = step {
            s.step.set(step);
        }
        s.playing.set(false);
        at.set(Some(i));
        // After the views have followed the step (the layer bars, the narrative).
        request_animation_frame(move || {
            show_target();
            focus(document().and_then(|d| d.query_selector("#tour .primary").ok().flatten()));
        });
    };
    // Load the tour's scenario on a first visit.
    if at.get_untracked() == Some(0) {
        opener.set_value(document().and_then(|d| d.active_element()));
        request_animation_frame(move || {
            set_page_inert(true);
            go(0);
        });
    }

    // Escape closes; Tab and Shift+Tab stay among the dialog's buttons.
    let keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        if at.get_untracked().is_none() {
            return;
        }
        match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                close();
            }
            "Tab" => {
                let Some(list) = document().and_then(|d| d.query_selector_all("#tour button").ok()) else { return };
                let buttons: Vec<web_sys::Element> = (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect();
                let active = document().and_then(|d| d.active_element());
                let pos = buttons.iter().position(|b| Some(b) == active.as_ref());
                let n = buttons.len();
                if n == 0 {
                    return;
                }
                let next = match (pos, e.shift_key()) {
                    (Some(p), false) => (p + 1) % n,
                    (Some(p), true) => (p + n - 1) % n,
                    (None, false) => 0,
                    (None, true) => n - 1,
                };
                e.prevent_default();
                focus(buttons.get(next).cloned());
            }
            _ => {}
        }
    });
    let on_move = window_event_listener(ev::scroll, move |_| place());
    let on_resize = window_event_listener(ev::resize, move |_| place());
    on_cleanup(move || {
        keys.remove();
        on_move.remove();
        on_resize.remove();
    });

    view! {
        <div id="tour-layer">
        {move || at.get().map(|i| {
            let st = STEPS[i];
            view! {
                <div class="tour-ring" aria-hidden="true" style=move || match placement.get().ring {
                    Some((t, l, b, r)) => format!("top:{:.0}px;left:{:.0}px;width:{:.0}px;height:{:.0}px", t - 4.0, l - 4.0, r - l + 8.0, b - t + 8.0),
                    None => "display:none".to_string(),
                }></div>
                <div class=move || if placement.get().dialog_top { "tour at-top" } else { "tour" } id="tour"
                    role="dialog" aria-modal="true" aria-labelledby="tour-title" aria-describedby="tour-text">
                    <h3 id="tour-title">{st.title}</h3>
                    <p id="tour-text">{st.text}</p>
                    <div class="row">
                        <button type="button" id="tour-skip" on:click=move |_| close()>"Skip the tour"</button>
                        <span class="spacer"></span>
                        {(i > 0).then(|| view! { <button type="button" id="tour-back" on:click=move |_| go(i - 1)>"Back"</button> })}
                        {if i + 1 < STEPS.len() {
                            view! { <button type="button" class="primary" id="tour-next" on:click=move |_| go(i + 1)>"Next"</button> }.into_any()
                        } else {
                            view! { <button type="button" class="primary" id="tour-done" on:click=move |_| close()>"Done"</button> }.into_any()
                        }}
                    </div>
                </div>
            }
        })}
        </div>
    }
}
