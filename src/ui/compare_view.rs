//! Comparison mode: the same scenario under several waterfalls side by side (the engine's
//! `compare`): a card per waterfall showing its layers at the player's step and who paid in the
//! end, then every fairness figure in one table (who paid, how many were touched, the largest
//! hit, Gini). A preset whose story is a comparison opens here, already run.

use leptos::prelude::*;

use super::compare_card::CompareCard;
use super::state::use_state;
use crate::engine::{compare, format_decimal, format_money, format_pct, waterfall_presets_for, Comparison, WaterfallSpec};
use crate::scenario::presets;

#[component]
pub fn CompareView() -> impl IntoView {
    let s = use_state();
    let results = RwSignal::new(None::<Result<Vec<Comparison>, String>>);
    let run = move || {
        let sc = s.scenario.get_untracked();
        let mut specs = vec![WaterfallSpec { label: "This scenario's waterfall".into(), layers: sc.waterfall.clone() }];
        specs.extend(waterfall_presets_for(&sc));
        results.set(Some(compare(&sc, &specs).map_err(|e| e.to_string())));
    };
    // A new scenario makes old results stale; a comparison preset runs at once.
    Effect::new(move |_| {
        s.scenario.track();
        let opens_here = s.preset_id.with(|p| p.as_deref().is_some_and(presets::opens_on_compare));
        if opens_here {
            run();
        } else {
            results.set(None);
        }
    });
    let rows = move || results.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned().unwrap_or_default());
    view! {
        <p class="muted">"The same default under every ready-made rule set, side by side: the layers follow the player, and each card says who paid in the end. Clearing-house capital and the LP vault are taken from this scenario's own waterfall and accounts."</p>
        <button type="button" id="compare-run" on:click=move |_| run()>
            {move || if results.with(Option::is_some) { "Run the comparison again" } else { "Compare waterfalls" }}
        </button>
        {move || results.with(|r| match r {
            Some(Err(e)) => Some(view! { <p class="error-text">{e.clone()}</p> }),
            _ => None,
        })}
        <div class="compare-grid" id="compare-cards">
            {move || rows().into_iter().map(|c| view! { <CompareCard comparison=c/> }).collect_view()}
        </div>
        {move || (!rows().is_empty()).then(|| view! {
            <div class="ledger-scroll" tabindex="0" role="region" aria-label="All comparison figures">
            <table class="ledger-table" id="compare-table">
                <caption class="visually-hidden">"Fairness figures under each waterfall"</caption>
                <thead><tr>
                    <th scope="col">"Waterfall"</th><th scope="col" class="num">"Loss"</th><th scope="col" class="num">"Non-defaulters' share"</th>
                    <th scope="col" class="num">"Profitable traders' share"</th><th scope="col" class="num">"Unallocated"</th>
                    <th scope="col" class="num">"Accounts touched"</th><th scope="col" class="num">"Largest hit"</th><th scope="col" class="num">"Gini"</th><th scope="col" class="num">"Cascades"</th>
                </tr></thead>
                <tbody>
                    {rows().into_iter().enumerate().map(|(i, c)| match (c.summary, c.error) {
                        (Some(m), _) => view! { <tr>
                            // The note says what the comparison changed or which parameters are
                            // illustrative (issue 19: ICE Clear Credit's tranche split and caps):
                            // a footnote under the table, so the label stays on one line.
                            <td class="compare-label">{c.label}{c.note.is_some().then(|| view! { <sup><a href=format!("#compare-note-{i}") aria-label=format!("note {}", note_mark(&rows(), i))>{note_mark(&rows(), i)}</a></sup> })}</td><td class="num">{format_money(m.deficit)}</td>
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
            <ol class="compare-notes" id="compare-notes">
                {rows().into_iter().enumerate().filter_map(|(i, c)| c.note.map(|n| view! {
                    <li id=format!("compare-note-{i}") value=note_mark(&rows(), i)><strong>{c.label}</strong>": "{n}</li>
                })).collect_view()}
            </ol>
        })}
    }
}

/// The footnote number of row `i`'s note: 1 for the first row with a note, and so on.
fn note_mark(rows: &[Comparison], i: usize) -> String {
    rows.iter().take(i + 1).filter(|c| c.note.is_some()).count().to_string()
}
