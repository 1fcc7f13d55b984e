//! On a phone the page is two views, one tap apart: "Watch" (player, waterfall, narrative and the
//! rest) and "Edit scenario" (the editor). A shared link opens on Watch, so its first screen is
//! the story, not the form (issue 15, point 3). Wide screens show both and hide these buttons.

use leptos::prelude::*;

use super::state::use_state;

#[component]
pub fn PhoneTabs() -> impl IntoView {
    let s = use_state();
    let show = move |editing: bool| {
        s.editing.set(editing);
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    };
    view! {
        <nav class="phone-tabs" aria-label="View">
            <button type="button" id="tab-watch" aria-controls="stage" aria-pressed=move || (!s.editing.get()).to_string()
                on:click=move |_| show(false)>"▶ Watch"</button>
            <button type="button" id="tab-edit" aria-controls="editor-panel" aria-pressed=move || s.editing.get().to_string()
                on:click=move |_| show(true)>"✎ Edit scenario"</button>
        </nav>
    }
}
