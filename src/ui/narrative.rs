//! Narrative: the current step's events in plain language, in an ARIA live region so a screen
//! reader hears what happened as the player moves.

use leptos::prelude::*;

use super::state::use_state;

#[component]
pub fn Narrative() -> impl IntoView {
    let s = use_state();
    let lines = move || {
        let step = s.step.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return (Vec::new(), None) };
            let now: Vec<String> = t.events_at(step).iter().map(|e| e.text()).collect();
            // When nothing happens now, recall the latest event so the story keeps its thread.
            let before = if now.is_empty() {
                let i = t.events.partition_point(|e| e.step < step);
                i.checked_sub(1).and_then(|j| t.events.get(j)).map(|e| (e.step, e.text()))
            } else {
                None
            };
            (now, before)
        })
    };
    view! {
        <div class="narrative" id="narrative" aria-live="polite" aria-atomic="true">
            {move || {
                let step = s.step.get();
                let (now, before) = lines();
                if now.is_empty() {
                    let recall = before
                        .map(|(at, text)| format!(" Last event, at step {at}: {text}"))
                        .unwrap_or_else(|| " Nothing has happened yet: every account is above its margin.".into());
                    view! { <p class="muted">{format!("Step {step}: no new events.{recall}")}</p> }.into_any()
                } else {
                    view! {
                        <p><strong>{format!("Step {step}")}</strong></p>
                        <ol>{now.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ol>
                    }.into_any()
                }
            }}
        </div>
    }
}
