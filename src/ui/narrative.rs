//! Narrative: the current step's events in plain language, in an ARIA live region so a screen
//! reader hears what happened as the player moves. A step with very many events (a cascade through
//! a large book) lists the first ones and offers the rest on request, so a step never builds
//! thousands of list items.
//!
//! While a step's spill is shown draw by draw (`spill.rs`), the lines that tell the draw on screen
//! are highlighted (`aria-current`). A dense step (more than 20 events, a cascade) opens on a
//! one-line summary from the engine ("84 liquidations, 3 drew on the insurance fund") with its
//! list folded.

use leptos::prelude::*;

use super::state::use_state;

/// Events listed at once; "Show all" lists every one.
const FIRST_EVENTS: usize = 20;

#[component]
pub fn Narrative() -> impl IntoView {
    let s = use_state();
    // The step whose events are all listed: moving the cursor folds the list again.
    // The step whose whole list is open (a dense step folds it); the glossary's "Show me" opens
    // its step's list, so the term it shows is on screen.
    let show_all = s.narrative_open;
    // The lines (offsets in the step's events) of the draw on screen.
    let current = Memo::new(move |_| {
        let step = s.step.get();
        let k = super::spill::active(s)?;
        s.timeline.with(|t| t.as_ref()?.draws_at(step).into_iter().nth(k).map(|d| d.events))
    });
    let is_current = move |i: usize| current.with(|r| r.as_ref().is_some_and(|r| r.contains(&i)));
    // Bring the highlighted line into the box (the box scrolls, not the page): a draw's line can
    // sit below the box's fold. One element read per draw, after it is rendered.
    Effect::new(move |_| {
        if current.with(|r| r.is_none()) {
            return;
        }
        scroll_current_into_box(3);
    });
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
    let summary = move |step: u32| s.timeline.with(|t| t.as_ref().map(|t| t.step_summary(step)).unwrap_or_default());
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
                    let list = view! {
                        <ol>{now.into_iter().enumerate().map(|(i, line)| view! {
                            <li class=move || if is_current(i) { "current" } else { "" } aria-current=move || is_current(i).then_some("true")>{line}</li>
                        }).collect_view()}</ol>
                        {(more > 0).then(|| view! {
                            <p class="muted">{format!("…and {more} more events at this step. ")}
                                <button type="button" id="narrative-all" on:click=move |_| show_all.set(Some(step))>{format!("Show all {count}")}</button></p>
                        })}
                    };
                    if count > FIRST_EVENTS {
                        // A dense step: what happened in one line, the list on request.
                        view! {
                            <p><strong>{format!("Step {step}: ")}</strong><span id="step-summary">{summary(step)}</span></p>
                            <details id="narrative-details" open=show_all.get_untracked() == Some(step)>
                                <summary>{format!("The {count} events, in order")}</summary>
                                {list}
                            </details>
                        }.into_any()
                    } else {
                        view! { <p><strong>{format!("Step {step}")}</strong></p> {list} }.into_any()
                    }
                }
            }}
        </div>
    }
}

/// Scrolls the narrative box (not the page) so the highlighted line is inside it. Runs after the
/// next frame's render; when the step's list is not rendered yet (the first draw of a step), it
/// tries again on the following frames, `tries` times.
fn scroll_current_into_box(tries: u32) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
        let boxed = doc.get_element_by_id("narrative").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        let line = doc.query_selector("#narrative li.current").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        let (Some(boxed), Some(line)) = (boxed, line) else {
            if tries > 0 {
                scroll_current_into_box(tries - 1);
            }
            return;
        };
        // Where the line is against the box's visible area (inside its border), on screen: a
        // long name wraps the line, and offsets ignore the border (a line 2 px past the fold).
        let (b, r) = (boxed.get_bounding_client_rect(), line.get_bounding_client_rect());
        let (h, top_in) = (boxed.client_height(), b.top() + f64::from(boxed.client_top()));
        if r.top() < top_in || r.bottom() > top_in + f64::from(h) {
            let offset = (r.top() - top_in) as i32;
            boxed.set_scroll_top((boxed.scroll_top() + offset - h / 3).max(0));
        }
    });
}
