//! Ledger: the double-entry journal up to the current step, filterable by account, with CSV export.
//! Virtualized like the accounts list: every entry to the step can be scrolled to, but only the rows
//! in view are in the DOM, so a step costs a few dozen rows whatever the size of the ledger.

use leptos::prelude::*;

use super::download;
use super::state::use_state;
use crate::engine::JournalEntry;

/// Row height in CSS pixels: `.ledger-table tbody tr` in the stylesheet has the same height.
const ROW_PX: f64 = 22.0;
/// The scroll box's height: `.ledger-scroll` has this max-height.
const VIEW_PX: f64 = 280.0;
const OVERSCAN: usize = 6;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn to_csv(entries: &[JournalEntry]) -> String {
    let mut out = String::from("step,debit,credit,amount,asset,memo\n");
    for e in entries {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            e.step, csv_field(&e.debit), csv_field(&e.credit), e.amount, csv_field(&e.asset), csv_field(&e.memo.to_string())
        ));
    }
    out
}

#[component]
pub fn LedgerView() -> impl IntoView {
    let s = use_state();
    let (filter, set_filter) = signal(String::new());
    let (scroll_top, set_scroll_top) = signal(0.0f64);
    let matches = move |e: &JournalEntry, f: &str| f.is_empty() || e.debit.contains(f) || e.credit.contains(f) || e.memo.contains(f);
    // Per run and filter (not per step): the indices of the matching entries, in ledger (step) order.
    // `None` when every entry matches, which needs no list.
    let matching = Memo::new(move |_| {
        let f = filter.get();
        if f.is_empty() {
            return None;
        }
        s.timeline.with(|t| {
            Some(t.as_ref().map(|t| {
                t.ledger.iter().enumerate().filter(|(_, e)| matches(e, &f)).map(|(i, _)| i as u32).collect::<Vec<u32>>()
            }).unwrap_or_default())
        })
    });
    // Per step: how many matching entries there are to this step (a binary search).
    let total = Memo::new(move |_| {
        let step = s.step.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return 0 };
            matching.with(|m| match m {
                None => t.ledger.count_through(step),
                Some(m) => m.partition_point(|&i| t.ledger.step_of(i as usize).is_some_and(|s| s <= step)),
            })
        })
    });
    // The rows in view, newest first (they are what the current step just did): (position, run, entry).
    let window = move || {
        let n = total.get();
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN).min(n);
        let count = (VIEW_PX / ROW_PX) as usize + 2 * OVERSCAN;
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return Vec::new() };
            let run = std::sync::Arc::as_ptr(t) as usize;
            matching.with(|m| {
                (first..(first + count).min(n))
                    .filter_map(|pos| {
                        let k = n - 1 - pos;
                        let i = m.as_ref().map(|m| m[k] as usize).unwrap_or(k);
                        t.ledger.get(i).map(|e| (pos, run, i, e))
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let export = move |_| {
        let step = s.step.get_untracked();
        let f = filter.get_untracked();
        let csv = s.timeline.with_untracked(|t| {
            t.as_ref().map(|t| {
                let rows: Vec<JournalEntry> = t.ledger.iter().filter(|e| e.step <= step && matches(e, &f)).collect();
                to_csv(&rows)
            })
        });
        if let Some(csv) = csv {
            if let Err(e) = download::text(&format!("spillway-ledger-step-{step}.csv"), "text/csv", &csv) {
                s.notice.set(Some(format!("Ledger export failed: {e}")));
            }
        }
    };
    view! {
        <div class="row">
            <label for="ledger-filter">"Filter by account "</label>
            <input id="ledger-filter" type="search" placeholder="e.g. acct:A or insurance"
                prop:value=filter on:input=move |e| set_filter.set(event_target_value(&e))/>
            <button type="button" id="ledger-csv" on:click=export>"Export CSV"</button>
            <span class="muted">{move || format!(" {} entries to this step", total.get())}</span>
        </div>
        <div class="ledger-scroll" on:scroll=move |e| set_scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)>
            <table class="ledger-table" id="ledger">
                <colgroup><col class="c-step"/><col class="c-account"/><col class="c-account"/><col class="c-amount"/><col/></colgroup>
                <thead><tr><th>"Step"</th><th>"Debit (receives)"</th><th>"Credit (pays)"</th><th class="num">"Amount"</th><th>"Memo"</th></tr></thead>
                <tbody>
                    // Spacers above and below the rows in view keep the scroll height of every entry.
                    <tr class="spacer" aria-hidden="true"><td colspan="5" style=move || {
                        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN).min(total.get());
                        format!("height:{}px", first as f64 * ROW_PX)
                    }></td></tr>
                    <For
                        each=window
                        key=|(_, run, i, _): &(usize, usize, usize, JournalEntry)| (*run, *i)
                        children=move |(_, _, _, e): (usize, usize, usize, JournalEntry)| {
                            // Cells are one line each (fixed row height); the title holds the whole text.
                            let cell = |text: String| { let title = text.clone(); view! { <td title=title>{text}</td> } };
                            view! {
                                <tr><td>{e.step}</td>{cell(e.debit.to_string())}{cell(e.credit.to_string())}
                                    {cell(format!("{} {}", e.amount.round_dp(8).normalize(), e.asset))}{cell(e.memo.to_string())}</tr>
                            }
                        }
                    />
                    <tr class="spacer" aria-hidden="true"><td colspan="5" style=move || {
                        let n = total.get();
                        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN).min(n);
                        let shown = ((VIEW_PX / ROW_PX) as usize + 2 * OVERSCAN).min(n - first);
                        format!("height:{}px", (n - first - shown) as f64 * ROW_PX)
                    }></td></tr>
                </tbody>
            </table>
        </div>
    }
}
