//! The glossary: the field's terms in plain words, searchable, each with a button that opens a
//! preset where the thing happens.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::use_state;
use crate::scenario::presets;
use crate::teach::glossary;

/// The id of a term's entry in the list (its `<dt>`).
fn anchor(term: &str) -> String {
    format!("term-{}", term.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
}

#[component]
pub fn GlossaryView() -> impl IntoView {
    let s = use_state();
    let (query, set_query) = signal(String::new());
    // Opens the term's preset at the step whose story mentions it (tests/glossary_show_me.rs
    // checks every term).
    let show_me = move |show: glossary::ShowMe| {
        if let Some(p) = presets::by_id(show.preset) {
            s.playing.set(false);
            s.preset_id.set(Some(p.id.to_string()));
            s.scenario.set(p.scenario);
            s.rerun(); // now, not debounced: the step must exist in this run
            if show.venue > 0 {
                s.select_venue(show.venue);
            }
            s.step.set(show.step);
            s.narrative_open.set(Some(show.step));
            if let Some(kind) = show.stress {
                // A sizing figure: the stress lab computes it on this preset (and scrolls to it).
                s.stress_request.set(Some(kind));
            } else if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("waterfall-title")) {
                el.scroll_into_view();
            }
        }
    };
    // "See also": to the term's entry, shown even if the search hid it, and focused there.
    let go_to = move |term: &'static str| {
        set_query.set(String::new());
        if let Some(input) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("glossary-search")) {
            if let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() {
                input.set_value("");
            }
        }
        request_animation_frame(move || {
            let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&anchor(term))) else { return };
            el.scroll_into_view();
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    };
    let shown = move || {
        let q = query.get().to_lowercase();
        glossary::terms()
            .iter()
            .filter(|t| q.is_empty() || t.term.to_lowercase().contains(&q) || t.definition.to_lowercase().contains(&q))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="row">
            <label for="glossary-search">"Find a term "</label>
            <input id="glossary-search" type="search" placeholder="e.g. ADL, haircut, Cover-2"
                on:input=move |e| set_query.set(event_target_value(&e))/>
        </div>
        // A focusable scroll box, so the keyboard can scroll it.
        <div class="glossary" role="region" aria-label="Glossary terms" tabindex="0">
        <dl id="glossary">
            {move || shown().into_iter().map(|t| view! {
                <dt id=anchor(t.term) tabindex="-1">{t.term}</dt>
                <dd>
                    {t.definition}
                    " " <button type="button" class="linklike show-me" aria-label=format!("Show me {} happening", t.term)
                        on:click=move |_| show_me(t.show_me)>"Show me →"</button>
                    {(!t.see_also.is_empty()).then(|| view! {
                        <span class="see-also">" See also: "
                            {t.see_also.iter().copied().enumerate().map(|(k, other)| view! {
                                {(k > 0).then_some(", ")}
                                <button type="button" class="linklike" data-term=other on:click=move |_| go_to(other)>{other}</button>
                            }).collect_view()}
                        "."</span>
                    })}
                </dd>
            }).collect_view()}
        </dl>
        </div>
    }
}
