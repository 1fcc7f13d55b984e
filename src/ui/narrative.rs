//! Narrative: the current step's events in plain language, in an ARIA live region so a screen
//! reader hears what happened as the player moves. A step with very many events (a cascade through
//! a large book) lists the first ones and offers the rest on request, so a step never builds
//! thousands of list items.

use leptos::prelude::*;

use super::state::use_state;

/// Events listed at once; "Show all" lists every one.
const FIRST_EVENTS: usize = 20;

#[component]
pub fn Narrative() -> impl IntoView {
    let s = use_state();
    // The step whose events are all listed: moving the cursor folds the list again.
    let show_all = RwSignal::new(None::<u32>);
    // (step, the lines shown, how many events this step has, the latest earlier event)
    let lines = move || {
        let step = s.step.get();
        let all = show_all.get() == Some(step);
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return (step, Vec::new(), 0, None) };
            // Only the events shown are built (a crash step can hold 100k of them).
            let range = t.events.range_at(step);
            let count = range.len();
            let shown = if all { count } else { count.min(FIRST_EVENTS) };
            let now: Vec<String> = range.take(shown).filter_map(|i| t.events.get(i)).map(|e| e.text()).collect();
            // When nothing happens now, recall the latest event so the story keeps its thread.
            let before = if count == 0 {
                let i = t.events.count_before(step);
                i.checked_sub(1).and_then(|j| t.events.get(j)).map(|e| (e.step, e.text()))
            } else {
                None
            };
            (step, now, count, before)
        })
    };
    view! {
        <div class="narrative" id="narrative" aria-live="polite" aria-atomic="true" tabindex="0" role="region" aria-labelledby="narrative-title">
            {move || {
                let (step, now, count, before) = lines();
                if now.is_empty() {
                    let recall = before
                        .map(|(at, text)| format!(" Last event, at step {at}: {text}"))
                        .unwrap_or_else(|| " Nothing has happened yet: every account is above its margin.".into());
                    view! { <p class="muted">{format!("Step {step}: no new events.{recall}")}</p> }.into_any()
                } else {
                    let more = count - now.len();
                    view! {
                        <p><strong>{format!("Step {step}")}</strong>
                            {(count > FIRST_EVENTS).then(|| format!(" ({count} events)"))}</p>
                        <ol>{now.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ol>
                        {(more > 0).then(|| view! {
                            <p class="muted">{format!("…and {more} more events at this step. ")}
                                <button type="button" id="narrative-all" on:click=move |_| show_all.set(Some(step))>{format!("Show all {count}")}</button></p>
                        })}
                    }.into_any()
                }
            }}
        </div>
    }
}
