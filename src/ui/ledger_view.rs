//! Ledger: the double-entry journal up to the current step, filterable by account, with CSV export.
//! Virtualized like the accounts list: every entry to the step can be scrolled to, but only the rows
//! in view are in the DOM, so a step costs a few dozen rows whatever the size of the ledger.

use leptos::prelude::*;

use super::download;
use super::state::use_state;
use std::collections::HashSet;

use crate::engine::ledger::names;
use crate::engine::{JournalEntry, Timeline};

/// Row height in CSS pixels: `.ledger-table tbody tr` in the stylesheet has the same height.
const ROW_PX: f64 = 22.0;
/// The scroll box's height: `.ledger-scroll` has this max-height.
const VIEW_PX: f64 = 280.0;
/// The rows the DOM holds at a scroll offset (`row_window::rows_held` for this list's sizes).
fn rows_held(scroll_top: f64) -> (usize, usize) {
    super::row_window::rows_held(scroll_top, ROW_PX, VIEW_PX)
}

/// The ledger names (`acct:{id}`) of the accounts whose display name contains `f`, ignoring case.
fn named_accounts(t: &Timeline, f: &str) -> HashSet<String> {
    let f = f.to_lowercase();
    if f.is_empty() {
        return HashSet::new();
    }
    t.accounts.iter().filter(|a| a.name.to_lowercase().contains(&f)).map(|a| names::account(&a.id)).collect()
}

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
    // An entry matches the filter by its ledger account names (`acct:{id}`, `venue:…`), its memo,
    // or the display name of an account it moves money for (issue 15: people know names, not ids).
    let matches = move |e: &JournalEntry, f: &str, named: &HashSet<String>| {
        f.is_empty() || e.debit.contains(f) || e.credit.contains(f) || e.memo.contains(f) || named.contains(&*e.debit) || named.contains(&*e.credit)
    };
    // Per run and filter (not per step): the indices of the matching entries, in ledger (step) order.
    // `None` when every entry matches, which needs no list.
    let matching = Memo::new(move |_| {
        let f = filter.get();
        if f.is_empty() {
            return None;
        }
        s.timeline.with(|t| {
            Some(t.as_ref().map(|t| {
                let named = named_accounts(t, &f);
                t.ledger.iter().enumerate().filter(|(_, e)| matches(e, &f, &named)).map(|(i, _)| i as u32).collect::<Vec<u32>>()
            }).unwrap_or_default())
        })
    });
    // Per step: how many matching entries there are to this step (a binary search).
    let total = Memo::new(move |_| {
        let step = s.ledger_step.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return 0 };
            matching.with(|m| match m {
                None => t.ledger.count_through(step),
                Some(m) => m.partition_point(|&i| t.ledger.step_of(i as usize).is_some_and(|s| s <= step)),
            })
        })
    });
    // The rows in view, newest first (they are what the current step just did), formatted. A memo,
    // so each row slot below hears only about its own row.
    let window = Memo::new(move |_| {
        let n = total.get();
        let (first, count) = rows_held(scroll_top.get());
        let first = first.min(n);
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return Vec::new() };
            matching.with(|m| {
                (first..(first + count).min(n))
                    .filter_map(|pos| {
                        let k = n - 1 - pos;
                        let i = m.as_ref().map(|m| m[k] as usize).unwrap_or(k);
                        t.ledger.get(i).map(|e| Row {
                            step: e.step,
                            debit: e.debit.to_string(),
                            credit: e.credit.to_string(),
                            amount: format!("{} {}", e.amount.round_dp(8).normalize(), e.asset),
                            memo: e.memo.to_string(),
                        })
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let slots = Memo::new(move |_| window.with(|w| w.len()));
    let export = move |_| {
        let step = s.step.get_untracked();
        let f = filter.get_untracked();
        let csv = s.timeline.with_untracked(|t| {
            t.as_ref().map(|t| {
                let named = named_accounts(t, &f);
                let rows: Vec<JournalEntry> = t.ledger.iter().filter(|e| e.step <= step && matches(e, &f, &named)).collect();
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
            <input id="ledger-filter" type="search" placeholder="e.g. Short 1, acct:A or insurance"
                prop:value=filter on:input=move |e| set_filter.set(event_target_value(&e))/>
            <button type="button" id="ledger-csv" on:click=export>"Export CSV"</button>
            <span class="muted">{move || format!(" {} entries to this step", total.get())}</span>
        </div>
        <div class="ledger-scroll" tabindex="0" role="region" aria-label="Ledger entries (scrolls)" on:scroll=move |e| set_scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)>
            <table class="ledger-table" id="ledger">
                <colgroup><col class="c-step"/><col class="c-account"/><col class="c-account"/><col class="c-amount"/><col/></colgroup>
                <thead><tr><th>"Step"</th><th>"Debit (receives)"</th><th>"Credit (pays)"</th><th class="num">"Amount"</th><th>"Memo"</th></tr></thead>
                <tbody>
                    // Spacers above and below the rows in view keep the scroll height of every entry.
                    <tr class="spacer" aria-hidden="true"><td colspan="5" style=move || {
                        let first = rows_held(scroll_top.get()).0.min(total.get());
                        format!("height:{}px", first as f64 * ROW_PX)
                    }></td></tr>
                    // A fixed set of row slots: a step rewrites the cells whose text changed
                    // instead of inserting, moving and removing rows.
                    <For each=move || 0..slots.get() key=|k| *k children=move |k| view! { <LedgerRow index=k rows=window/> }/>
                    <tr class="spacer" aria-hidden="true"><td colspan="5" style=move || {
                        let n = total.get();
                        let (first, count) = rows_held(scroll_top.get());
                        let first = first.min(n);
                        let shown = count.min(n - first);
                        format!("height:{}px", (n - first - shown) as f64 * ROW_PX)
                    }></td></tr>
                </tbody>
            </table>
        </div>
    }
}

/// One journal entry in view, formatted for display (the amount is the engine's, rounded for the
/// cell only).
#[derive(Clone, Default, PartialEq)]
struct Row {
    step: u32,
    debit: String,
    credit: String,
    amount: String,
    memo: String,
}

/// Slot `index` of the rows in view: the row persists across steps and scrolling.
#[component]
fn LedgerRow(index: usize, rows: Memo<Vec<Row>>) -> impl IntoView {
    let row = Memo::new(move |_| rows.with(|r| r.get(index).cloned().unwrap_or_default()));
    // Cells are one line each (fixed row height); the title holds the whole text.
    let cell = move |f: fn(&Row) -> String| view! { <td title=move || row.with(f)>{move || row.with(f)}</td> };
    view! {
        <tr><td>{move || row.with(|r| r.step)}</td>{cell(|r| r.debit.clone())}{cell(|r| r.credit.clone())}
            {cell(|r| r.amount.clone())}{cell(|r| r.memo.clone())}</tr>
    }
}
