//! Choose a ready-made scenario. Loading one replaces the scenario and rewinds the player.

use leptos::prelude::*;

use crate::scenario::presets;
use crate::ui::state::use_state;

#[component]
pub fn PresetPicker() -> impl IntoView {
    let s = use_state();
    let all = StoredValue::new(presets::all());
    let load = move |id: String| {
        let Some(p) = presets::by_id(&id) else { return };
        s.playing.set(false);
        s.step.set(0);
        s.preset_id.set(Some(p.id.to_string()));
        s.scenario.set(p.scenario);
    };
    let summary = move || {
        let id = s.preset_id.get();
        all.with_value(|ps| ps.iter().find(|p| Some(p.id) == id.as_deref()).map(|p| p.summary.to_string()))
            .unwrap_or_else(|| s.scenario.with(|sc| sc.description.clone()))
    };
    view! {
        <label for="preset">"Scenario"</label>
        <select id="preset" on:change=move |e| load(event_target_value(&e))>
            <option value="" disabled selected=move || s.preset_id.get().is_none()>
                {move || s.scenario.with(|sc| if sc.name.is_empty() { "(your own scenario)".to_string() } else { format!("Your scenario: {}", sc.name) })}
            </option>
            {all.with_value(|ps| ps.iter().map(|p| {
                let id = p.id;
                view! { <option value=id selected=move || s.preset_id.get().as_deref() == Some(id)>{p.title}</option> }
            }).collect_view())}
        </select>
        <p class="preset-summary" id="preset-summary">{summary}</p>
        {move || {
            let id = s.preset_id.get();
            all.with_value(|ps| ps.iter().find(|p| Some(p.id) == id.as_deref()).map(|p| (p.narrative, p.sources, p.published, p.illustrative)))
                .filter(|(n, ..)| !n.is_empty())
                .map(|(narrative, sources, published, illustrative)| view! {
                    <details class="preset-story" id="preset-story">
                        <summary>"The story behind this scenario"</summary>
                        <p>{narrative}</p>
                        {(!published.is_empty()).then(|| view! {
                            <p>"Published figures:"</p>
                            <ul class="published-figures" id="published-figures">
                                {published.iter().map(|f| view! { <li>{format!("{}: {} ({})", f.what, f.stated, f.source)}</li> }).collect_view()}
                            </ul>
                        })}
                        <p>{illustrative}</p>
                        {(!sources.is_empty()).then(|| view! {
                            <p class="muted">"Sources: " {sources.join("; ")}</p>
                        })}
                    </details>
                })
        }}
    }
}
