//! Player: play / pause, step back / forward, scrubber, speed, and the keyboard (space plays or
//! pauses, ←/→ step, Home/End jump) when focus is not on another control. It only moves the
//! cursor; views follow it.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::use_state;

/// Steps per second at 1×.
const BASE_RATE: f64 = 2.0;
const TICK_MS: u64 = 50;

/// Controls that answer the keyboard themselves: Space and Enter press a button, open a
/// `<summary>`, follow a link; arrows move a select or a slider or scroll a focused region; keys
/// type into a field.
const CONTROLS: &str = "input, textarea, select, button, summary, a[href], [contenteditable], [role=button], [role=tab], [role=dialog], [tabindex='0']";

/// Whether a key pressed with focus on the event's target may drive the player. The shortcuts
/// apply only when focus is not on another control (WCAG 2.1.1: a focused control keeps its own
/// keys). The player's own buttons keep Space and Enter (they press the button) but let the
/// arrows, Home and End step, as they do anywhere else on the page.
fn player_may_take(e: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return true };
    let Some(control) = el.closest(CONTROLS).ok().flatten() else { return true };
    let own_button = control.tag_name() == "BUTTON" && control.closest(".player").ok().flatten().is_some();
    own_button && !matches!(e.key().as_str(), " " | "Enter")
}

#[component]
pub fn Player() -> impl IntoView {
    let s = use_state();
    let last = move || s.last_step();

    let step_by = move |delta: i64| {
        s.playing.set(false);
        let next = (s.step.get_untracked() as i64 + delta).clamp(0, last() as i64) as u32;
        s.step.set(next);
    };
    let toggle = move || {
        if !s.playing.get_untracked() && s.step.get_untracked() >= last() {
            s.step.set(0); // play from the start when at the end
        }
        s.playing.update(|p| *p = !*p);
    };

    super::spill::follow_spill(s);
    // One steady tick; speed only changes how much time each tick adds.
    let elapsed = StoredValue::new(0.0f64);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            // A step's spill plays out before the player moves on (spill.rs).
            if !s.playing.get_untracked() || super::spill::holds_step(s) {
                elapsed.set_value(0.0);
                return;
            }
            let acc = elapsed.get_value() + TICK_MS as f64 * s.speed.get_untracked() * BASE_RATE * super::spill::pace(s);
            if acc >= 1000.0 {
                elapsed.set_value(acc - 1000.0);
                let now = s.step.get_untracked();
                if now >= last() {
                    s.playing.set(false);
                } else {
                    s.step.set(now + 1);
                }
            } else {
                elapsed.set_value(acc);
            }
        },
        std::time::Duration::from_millis(TICK_MS),
    ) {
        on_cleanup(move || handle.clear());
    }

    let keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() || !player_may_take(&e) {
            return;
        }
        match e.key().as_str() {
            " " => {
                e.prevent_default();
                toggle();
            }
            "ArrowLeft" => step_by(-1),
            "ArrowRight" => step_by(1),
            "Home" => {
                e.prevent_default();
                s.playing.set(false);
                s.step.set(0);
            }
            "End" => {
                e.prevent_default();
                s.playing.set(false);
                s.step.set(last());
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <div class="player" role="group" aria-label="Player">
            <button type="button" id="btn-start" title="First step (Home)" aria-label="First step"
                on:click=move |_| { s.playing.set(false); s.step.set(0); }>"|◀"</button>
            <button type="button" id="btn-back" title="Step back (←)" aria-label="Step back"
                on:click=move |_| step_by(-1)>"◀"</button>
            <button type="button" id="btn-play" class="primary"
                aria-label=move || if s.playing.get() { "Pause" } else { "Play" }
                aria-pressed=move || s.playing.get().to_string()
                title="Play / pause (space)"
                on:click=move |_| toggle()>
                {move || if s.playing.get() { "❚❚ Pause" } else { "▶ Play" }}
            </button>
            <button type="button" id="btn-forward" title="Step forward (→)" aria-label="Step forward"
                on:click=move |_| step_by(1)>"▶"</button>
            <button type="button" id="btn-end" title="Last step (End)" aria-label="Last step"
                on:click=move |_| { s.playing.set(false); s.step.set(last()); }>"▶|"</button>
            <label class="visually-hidden" for="scrubber">"Step"</label>
            <input id="scrubber" type="range" min="0"
                max=move || last().to_string()
                prop:value=move || s.step.get().to_string()
                on:input=move |e| {
                    s.playing.set(false);
                    if let Ok(v) = event_target_value(&e).parse::<u32>() { s.step.set(v.min(last())); }
                }/>
            <super::spill::SpillControls s=s/>
            <span class="step-label" id="step-label" aria-live="off">
                {move || format!("step {} / {}", s.step.get(), last())}
            </span>
            <label for="speed">"Speed"</label>
            <select id="speed" on:change=move |e| {
                if let Ok(v) = event_target_value(&e).parse::<f64>() { s.speed.set(v.clamp(0.5, 8.0)); }
            }>
                {[0.5, 1.0, 2.0, 4.0, 8.0].into_iter().map(|v| view! {
                    <option value=v.to_string() selected=move || (s.speed.get() - v).abs() < 1e-9>{format!("{v}×")}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
