//! A list of validation errors, each naming its field, shown next to the control that caused it.

use leptos::prelude::*;

use crate::scenario::ValidationError;

#[component]
pub fn FieldErrors(#[prop(into)] errors: Signal<Vec<ValidationError>>) -> impl IntoView {
    view! {
        <Show when=move || errors.with(|e| !e.is_empty())>
            <div class="field-errors" role="alert">
                <ul>{move || errors.get().into_iter().map(|e| view! { <li><code>{e.path.clone()}</code>": "{e.message.clone()}</li> }).collect_view()}</ul>
            </div>
        </Show>
    }
}
