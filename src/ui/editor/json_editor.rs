//! The whole scenario as JSON: edit and apply, import from a file (picker or drag-and-drop),
//! export. Errors name the field path; a failed import leaves the current scenario untouched.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::FieldErrors;
use crate::scenario::{self, ValidationError};
use crate::ui::download;
use crate::ui::state::use_state;

#[component]
pub fn JsonEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let text = RwSignal::new(String::new());
    // Keep the text in step with the scenario unless the user has unsaved edits.
    let dirty = RwSignal::new(false);
    Effect::new(move |_| {
        let json = s.scenario.with(scenario::to_json);
        if !dirty.get_untracked() {
            text.set(json);
        }
    });
    let apply_text = move |source: &str, body: String| match scenario::validated_from_json(&body) {
        Ok(v) => {
            s.preset_id.set(None);
            s.take_validated(v);
            s.step.set(0);
            dirty.set(false);
            errors.set(Vec::new());
            text.set(body);
        }
        Err(e) => {
            errors.set(e);
            s.notice.set(Some(format!("{source} was not applied: the scenario has errors (listed under the JSON editor). Your current scenario is unchanged.")));
        }
    };
    let read_file = move |file: web_sys::File| {
        let name = file.name();
        if file.size() > 8.0 * 1024.0 * 1024.0 {
            s.notice.set(Some(format!("{name} is larger than 8 MB; a scenario file is a few kilobytes.")));
            return;
        }
        let promise = file.text();
        wasm_bindgen_futures::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_string()) {
                Some(body) => apply_text(&format!("The file {name}"), body),
                None => s.notice.set(Some(format!("Could not read {name} as text."))),
            }
        });
    };
    let on_pick = move |e: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
        if let Some(file) = input.as_ref().and_then(|i| i.files()).and_then(|f| f.get(0)) {
            read_file(file);
        }
        if let Some(i) = input {
            i.set_value("");
        }
    };
    let on_drop = move |e: leptos::ev::DragEvent| {
        e.prevent_default();
        if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            read_file(file);
        }
    };
    let export = move |_| {
        let json = s.scenario.with_untracked(scenario::to_json);
        let name = s.scenario.with_untracked(|sc| if sc.name.is_empty() { "scenario".to_string() } else { sc.name.clone() });
        let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
        if let Err(e) = download::text(&format!("{file}.json"), "application/json", &json) {
            s.notice.set(Some(format!("Export failed: {e}")));
        }
    };
    view! {
        <div class="json-editor" on:dragover=|e: leptos::ev::DragEvent| e.prevent_default() on:drop=on_drop>
            <label for="scenario-json">"Scenario JSON (format: docs/scenario.md) — or drop a .json file here"</label>
            <textarea id="scenario-json" rows="16" spellcheck="false"
                prop:value=move || text.get()
                on:input=move |e| { dirty.set(true); text.set(event_target_value(&e)); }></textarea>
            <FieldErrors errors=errors/>
            <div class="row">
                <button type="button" class="primary" id="json-apply" on:click=move |_| apply_text("Your JSON", text.get_untracked())>"Apply JSON"</button>
                <button type="button" on:click=move |_| { dirty.set(false); text.set(s.scenario.with_untracked(scenario::to_json)); errors.set(Vec::new()); }>"Revert"</button>
                <button type="button" id="json-export" on:click=export>"Export JSON"</button>
                <input id="json-import" type="file" accept=".json,application/json" on:change=on_pick/>
                <label class="button-like" for="json-import">"Import…"</label>
            </div>
        </div>
    }
}
