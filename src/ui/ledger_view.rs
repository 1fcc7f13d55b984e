//! Ledger: the double-entry journal up to the current step, filterable by account, with CSV export.
//! Virtualized like the accounts list: every entry to the step can be scrolled to, but only the rows
//! in view are in the DOM, so a step costs a few dozen rows whatever the size of the ledger.

use leptos::prelude::*;

use super::download;
use super::state::use_state;
use std::collections::HashSet;

use crate::engine::ledger::names;
use crate::engine::{format_count, JournalEntry, Timeline};

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

/// Matching entries kept at most (issue 14): a variation-margin book's ledger holds 5.2 × 10⁷
/// entries; a filter as loose as "acct" would otherwise list tens of millions. The search stops
/// there and the view says so.
const MAX_MATCHES: usize = 10_000;
/// Main-thread time of one slice of the filter's search, then the browser paints and handles
/// input (a step's variation-margin block is built whole, so a slice is at least one step).
const SLICE_MS: f64 = 12.0;
/// Rows of an unfiltered CSV export at most (issue 14: 5.2 × 10⁷ rows would freeze the tab and
/// not fit in a string); the notice says how many were left out.
const MAX_CSV_ROWS: usize = 100_000;

/// An entry matches the filter by its ledger account names (`acct:{id}`, `venue:…`), its memo,
/// or the display name of an account it moves money for (issue 15: people know names, not ids).
fn matches(e: &JournalEntry, f: &str, named: &HashSet<String>) -> bool {
    f.is_empty() || e.debit.contains(f) || e.credit.contains(f) || e.memo.contains(f) || named.contains(&*e.debit) || named.contains(&*e.credit)
}

/// The filter's search so far: the matching entries' indices in ledger (step) order.
#[derive(Clone, Default, PartialEq)]
struct Search {
    indices: Vec<u32>,
    /// Steps searched: every entry before this step.
    through: u32,
    /// Every entry searched, or the search stopped at `MAX_MATCHES`.
    done: bool,
    capped: bool,
}

#[component]
pub fn LedgerView() -> impl IntoView {
    let s = use_state();
    let (filter, set_filter) = signal(String::new());
    let (scroll_top, set_scroll_top) = signal(0.0f64);
    // Per run and filter (not per step): the search, `None` when every entry matches (no list).
    // It runs in slices with the browser's turn between them (issue 14), so a filter on a
    // 5.2 × 10⁷-entry ledger never freezes the tab; a newer filter or run cancels it.
    let matching = RwSignal::new(None::<Search>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let f = filter.get();
        let t = s.timeline.get();
        let g = generation.get_value() + 1;
        generation.set_value(g);
        if f.is_empty() {
            matching.set(None);
            return;
        }
        let Some(t) = t else {
            matching.set(Some(Search { done: true, ..Search::default() }));
            return;
        };
        matching.set(Some(Search::default()));
        wasm_bindgen_futures::spawn_local(async move {
            let _timing = super::perf::Measure::new("spillway:ledger-filter");
            let named = named_accounts(&t, &f);
            let (len, mut step, mut found) = (t.ledger.len(), 0u32, Vec::new());
            loop {
                let began = super::chunked_run::now_ms();
                let mut capped = false;
                while t.ledger.count_before(step) < len && !capped && super::chunked_run::now_ms() - began < SLICE_MS {
                    let r = t.ledger.range_at(step);
                    for (i, e) in r.clone().zip(t.ledger.iter_range(r)) {
                        if matches(&e, &f, &named) {
                            if found.len() == MAX_MATCHES {
                                capped = true;
                                break;
                            }
                            found.push(i as u32);
                        }
                    }
                    if !capped {
                        step = step.saturating_add(1);
                    }
                }
                let done = capped || t.ledger.count_before(step) >= len;
                if generation.get_value() != g {
                    return;
                }
                matching.set(Some(Search { indices: found.clone(), through: step, done, capped }));
                if done {
                    return;
                }
                super::chunked_run::yield_to_browser().await;
                if generation.get_value() != g {
                    return;
                }
            }
        });
    });
    // Per step: how many matching entries there are to this step (a binary search).
    let total = Memo::new(move |_| {
        let step = s.ledger_step.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return 0 };
            matching.with(|m| match m {
                None => t.ledger.count_through(step),
                Some(m) => m.indices.partition_point(|&i| t.ledger.step_of(i as usize).is_some_and(|s| s <= step)),
            })
        })
    });
    // What the count says: the search's progress, and where it stopped at the cap.
    let status = move || {
        let n = format_count(total.get() as u64);
        let steps = format_count(s.timeline.with(|t| t.as_ref().map_or(0, |t| t.steps)).into());
        matching.with(|m| match m {
            None => format!(" {n} entries to this step"),
            Some(m) if m.capped => format!(
                " the first {} matching entries (to step {}) — {n} to this step; later ones not searched: narrow the filter",
                format_count(m.indices.len() as u64), format_count(m.through.into())
            ),
            Some(m) if !m.done => format!(" filtering… {n} matching to this step so far (searched to step {} of {steps})", format_count(m.through.into())),
            Some(_) => format!(" {n} matching entries to this step"),
        })
    };
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
                        let i = match m { Some(m) => *m.indices.get(k)? as usize, None => k };
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
    // The CSV of what the view lists to the step, bounded (issue 14): the filter's matches found
    // so far, or without a filter the first `MAX_CSV_ROWS` entries; the notice says what is left out.
    let export = move |_| {
        let step = s.step.get_untracked();
        let Some(t) = s.timeline.get_untracked() else { return };
        let (rows, note): (Vec<JournalEntry>, Option<String>) = matching.with_untracked(|m| match m {
            None => {
                let n = t.ledger.count_through(step);
                let rows: Vec<JournalEntry> = t.ledger.iter_range(0..n.min(MAX_CSV_ROWS)).collect();
                let note = (n > MAX_CSV_ROWS).then(|| format!(
                    "The CSV holds the first {} of the {} ledger entries to step {step}: filter by an account to export the entries you need.",
                    format_count(MAX_CSV_ROWS as u64), format_count(n as u64)
                ));
                (rows, note)
            }
            Some(m) => {
                let rows: Vec<JournalEntry> = m.indices.iter().filter_map(|&i| t.ledger.get(i as usize)).filter(|e| e.step <= step).collect();
                let note = if m.capped {
                    Some(format!("The CSV holds the first {} matching entries (to step {}): narrow the filter to export later ones.", format_count(m.indices.len() as u64), format_count(m.through.into())))
                } else if !m.done {
                    Some(format!("The filter is still searching (step {} so far): the CSV holds the {} matching entries found until now.", format_count(m.through.into()), format_count(rows.len() as u64)))
                } else {
                    None
                };
                (rows, note)
            }
        });
        if let Err(e) = download::text(&format!("spillway-ledger-step-{step}.csv"), "text/csv", &to_csv(&rows)) {
            s.notice.set(Some(format!("Ledger export failed: {e}")));
        } else if let Some(note) = note {
            s.notice.set(Some(note));
        }
    };
    view! {
        <div class="row">
            <label for="ledger-filter">"Filter by account "</label>
            <input id="ledger-filter" type="search" placeholder="e.g. Short 1, acct:A or insurance"
                prop:value=filter on:input=move |e| set_filter.set(event_target_value(&e))/>
            <button type="button" id="ledger-csv" on:click=export>"Export CSV"</button>
            <span class="muted" id="ledger-count">{status}</span>
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
