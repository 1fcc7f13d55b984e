//! "What is this?": a short, collapsible explanation of what the page shows.

use leptos::prelude::*;

#[component]
pub fn About() -> impl IntoView {
    let (open, set_open) = signal(false);
    view! {
        <button
            type="button"
            id="about-toggle"
            aria-expanded=move || open.get().to_string()
            aria-controls="about-text"
            on:click=move |_| set_open.update(|o| *o = !*o)
        >
            {move || if open.get() { "Hide explanation" } else { "What is this?" }}
        </button>
        <Show when=move || open.get()>
            <div id="about-text" class="notice info" role="note">
                "When a trader or clearing member cannot cover its losses, the shortfall flows down a "
                "default waterfall: its own margin and default-fund contribution, the venue's insurance "
                "fund or skin in the game, the surviving members' fund, assessments, and finally "
                "haircuts, socialized loss or auto-deleveraging. Pick a scenario, press play, and watch "
                "where the loss goes."
            </div>
        </Show>
    }
}
