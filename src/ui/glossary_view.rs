//! The glossary: the field's terms in plain words, searchable, each with a button that opens a
//! preset where the thing happens.

use leptos::prelude::*;

use super::state::use_state;
use crate::engine::EventKind;
use crate::scenario::presets;
use crate::teach::glossary;

/// The first step whose events mention the term (by its longer words), else the first default.
fn step_where_it_happens(s: &crate::ui::state::AppState, term: &str) -> u32 {
    let words: Vec<String> = term
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .map(|w| w.to_lowercase())
        .collect();
    s.timeline.with_untracked(|t| {
        let Some(t) = t.as_ref() else { return 0 };
        t.events
            .iter()
            .find(|e| {
                let text = e.text().to_lowercase();
                words.iter().any(|w| text.contains(w.as_str()))
            })
            .or_else(|| t.events.iter().find(|e| matches!(e.kind, EventKind::Default | EventKind::Bankruptcy)))
            .map(|e| e.step)
            .unwrap_or(0)
    })
}

#[component]
pub fn GlossaryView() -> impl IntoView {
    let s = use_state();
    let (query, set_query) = signal(String::new());
    let open_preset = move |id: &'static str, term: &'static str| {
        if let Some(p) = presets::by_id(id) {
            s.playing.set(false);
            s.preset_id.set(Some(p.id.to_string()));
            s.scenario.set(p.scenario);
            s.rerun(); // now, not debounced: we need the run to find the step
            s.step.set(step_where_it_happens(&s, term));
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("waterfall-title")) {
                el.scroll_into_view();
            }
        }
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
        <dl class="glossary" id="glossary">
            {move || shown().into_iter().map(|t| view! {
                <dt id=format!("term-{}", t.term.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"))>{t.term}</dt>
                <dd>
                    {t.definition}
                    {t.example_preset.map(|id| view! {
                        " " <button type="button" class="linklike" on:click=move |_| open_preset(id, t.term)>"Show me →"</button>
                    })}
                    {(!t.see_also.is_empty()).then(|| view! { <span class="muted">" See also: " {t.see_also.join(", ")} "."</span> })}
                </dd>
            }).collect_view()}
        </dl>
    }
}
