//! Linked venues (issue 4 "Contagion"): a switch between the venues of the run, and the losses
//! passed between them, lit up once the player reaches the step they land.

use leptos::prelude::*;

use super::state::use_state;
use crate::engine::format_money;

#[component]
pub fn ContagionView() -> impl IntoView {
    let s = use_state();
    let tabs = move || {
        s.system.with(|sys| {
            let Some(sys) = sys.as_ref() else { return Vec::new() };
            sys.venues
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let m = &v.timeline.summary;
                    let note = if !m.unallocated.is_zero() {
                        format!("insolvent by {}", format_money(m.unallocated))
                    } else if m.defaults > 0 {
                        format!("{} default{}", m.defaults, if m.defaults == 1 { "" } else { "s" })
                    } else {
                        "no default".to_string()
                    };
                    (k, v.name.clone(), note, !m.unallocated.is_zero())
                })
                .collect::<Vec<_>>()
        })
    };
    let rows = move || {
        let step = s.step.get();
        s.system.with(|sys| {
            let Some(sys) = sys.as_ref() else { return Vec::new() };
            let venue_name = |id: &str| sys.venues.iter().find(|v| v.id == id).map(|v| v.name.clone()).unwrap_or_else(|| id.to_string());
            let account_name = |venue: &str, id: &str| {
                sys.venues
                    .iter()
                    .find(|v| v.id == venue)
                    .and_then(|v| v.timeline.accounts.iter().find(|a| &*a.id == id).map(|a| a.name.to_string()))
                    .unwrap_or_else(|| id.to_string())
            };
            sys.flows
                .iter()
                .map(|f| {
                    let status = if f.lands_at > sys.venues.first().map(|v| v.timeline.steps).unwrap_or(0) {
                        "after the run".to_string()
                    } else if f.lands_at > step {
                        format!("lands at step {}", f.lands_at)
                    } else if f.landed.is_zero() {
                        "did not land (already in default)".to_string()
                    } else {
                        format!("landed at step {}", f.lands_at)
                    };
                    (
                        f.step,
                        venue_name(&f.from),
                        f.source.label(),
                        format!("{} on {}", account_name(&f.to, &f.account), venue_name(&f.to)),
                        format_money(f.amount),
                        status,
                        f.lands_at <= step,
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || s.system.with(|x| x.is_some())>
            <div class="venue-switch" role="tablist" aria-label="Venues of this run">
                {move || tabs().into_iter().map(|(k, name, note, insolvent)| view! {
                    <button type="button" role="tab" id=format!("venue-tab-{k}")
                        aria-selected=move || (s.venue.get() == k).to_string()
                        class:insolvent=insolvent
                        on:click=move |_| s.select_venue(k)>
                        <span class="venue-name">{name}</span>
                        <span class="venue-note">{note}</span>
                    </button>
                }).collect_view()}
            </div>
            <p class="muted venue-edit-note">
                {move || s.system.with(|x| x.as_ref().and_then(|x| x.venues.first()).map(|v| v.name.clone()).unwrap_or_default())}
                " is the scenario's own venue: the editor's knobs change it; the linked venues and the links are in the JSON."
            </p>
            <details class="contagion-flows" open>
                <summary>"Losses passed between venues"</summary>
                <div class="ledger-scroll">
                    <table class="ledger-table" id="contagion-table">
                        <thead><tr>
                            <th class="num">"Step"</th><th>"From"</th><th>"What"</th><th>"To"</th>
                            <th class="num">"Amount"</th><th>"Status"</th>
                        </tr></thead>
                        <tbody>
                            {move || rows().into_iter().map(|(step, from, what, to, amount, status, arrived)| view! {
                                <tr class:arrived=arrived>
                                    <td class="num">{step}</td><td>{from}</td><td>{what}</td><td>{to}</td>
                                    <td class="num">{amount}</td><td>{status}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </Show>
    }
}
