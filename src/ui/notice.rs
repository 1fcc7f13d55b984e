//! A dismissible message for the user: a damaged link, a failed import, a refused export.

use leptos::prelude::*;

use super::state::use_state;

#[component]
pub fn Notice() -> impl IntoView {
    let s = use_state();
    view! {
        {move || s.notice.get().map(|text| view! {
            <div class="notice" id="notice" role="alert">
                <span>{text}</span>
                <span class="spacer"></span>
                <button type="button" aria-label="Dismiss this message" on:click=move |_| s.notice.set(None)>"Dismiss"</button>
            </div>
        })}
    }
}
