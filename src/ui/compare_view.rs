//! Comparison mode: the same scenario under several waterfalls side by side (the engine's
//! `compare`), with the fairness figures: who paid, how many were touched, the largest hit, Gini.

use leptos::prelude::*;

use super::state::use_state;
use crate::engine::{compare, format_decimal, format_money, format_pct, waterfall_presets_for, Comparison, WaterfallSpec};

#[component]
pub fn CompareView() -> impl IntoView {
    let s = use_state();
    let results = RwSignal::new(None::<Result<Vec<Comparison>, String>>);
    let run = move |_| {
        let sc = s.scenario.get_untracked();
        let mut specs = vec![WaterfallSpec { label: "This scenario's waterfall".into(), layers: sc.waterfall.clone() }];
        specs.extend(waterfall_presets_for(&sc));
        results.set(Some(compare(&sc, &specs).map_err(|e| e.to_string())));
    };
    // A new scenario makes old results stale.
    Effect::new(move |_| {
        s.scenario.track();
        results.set(None);
    });
    view! {
        <p class="muted">"Run this scenario under every ready-made rule set and see who bears the loss under each. Clearing-house capital and the LP vault are taken from this scenario's own waterfall and accounts."</p>
        <button type="button" id="compare-run" on:click=run>"Compare waterfalls"</button>
        {move || results.get().map(|r| match r {
            Err(e) => view! { <p class="error-text">{e}</p> }.into_any(),
            Ok(rows) => view! {
                <div class="ledger-scroll">
                <table class="ledger-table" id="compare-table">
                    <thead><tr>
                        <th>"Waterfall"</th><th class="num">"Loss"</th><th class="num">"Non-defaulters' share"</th>
                        <th class="num">"Profitable traders' share"</th><th class="num">"Unallocated"</th>
                        <th class="num">"Accounts touched"</th><th class="num">"Largest hit"</th><th class="num">"Gini"</th><th class="num">"Cascades"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|c| match (c.summary, c.error) {
                            (Some(m), _) => view! { <tr>
                                <td>{c.label}</td><td class="num">{format_money(m.deficit)}</td>
                                <td class="num">{format_pct(c.share_non_defaulters)}</td>
                                <td class="num">{format_pct(c.share_profitable_traders)}</td>
                                <td class=if m.unallocated.is_zero() { "num" } else { "num neg" }>{format_money(m.unallocated)}</td>
                                <td class="num">{m.accounts_touched}</td><td class="num">{format_money(m.largest_hit)}</td>
                                <td class="num">{format_decimal(m.gini, 3)}</td><td class="num">{m.cascade_defaults}</td>
                            </tr> }.into_any(),
                            (None, e) => view! { <tr><td>{c.label}</td><td colspan="8" class="muted">{e.unwrap_or_default()}</td></tr> }.into_any(),
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any(),
        })}
    }
}
