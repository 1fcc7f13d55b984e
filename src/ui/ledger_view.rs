//! Ledger: the double-entry journal up to the current step, filterable by account, with CSV export.

use leptos::prelude::*;

use super::download;
use super::state::use_state;
use crate::engine::JournalEntry;

/// Rows drawn at once; the CSV always has every entry.
const MAX_ROWS: usize = 400;

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
    let matches = move |e: &JournalEntry, f: &str| f.is_empty() || e.debit.contains(f) || e.credit.contains(f) || e.memo.contains(f);
    let visible = Memo::new(move |_| {
        let step = s.step.get();
        let f = filter.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return (Vec::new(), 0) };
            let upto = t.ledger.partition_point(|e| e.step <= step);
            let all: Vec<&JournalEntry> = t.ledger.iter().take(upto).filter(|e| matches(e, &f)).collect();
            let total = all.len();
            // The newest entries first: they are what the current step just did.
            (all.into_iter().rev().take(MAX_ROWS).cloned().collect::<Vec<_>>(), total)
        })
    });
    let export = move |_| {
        let step = s.step.get_untracked();
        let f = filter.get_untracked();
        let csv = s.timeline.with_untracked(|t| {
            t.as_ref().map(|t| {
                let rows: Vec<JournalEntry> = t.ledger.iter().filter(|e| e.step <= step && matches(e, &f)).cloned().collect();
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
            <span class="muted">{move || format!(" {} entries to this step", visible.with(|v| v.1))}</span>
        </div>
        <div class="ledger-scroll">
            <table class="ledger-table" id="ledger">
                <thead><tr><th>"Step"</th><th>"Debit (receives)"</th><th>"Credit (pays)"</th><th class="num">"Amount"</th><th>"Memo"</th></tr></thead>
                <tbody>
                    {move || visible.get().0.into_iter().map(|e| view! {
                        <tr><td>{e.step}</td><td>{e.debit.to_string()}</td><td>{e.credit.to_string()}</td>
                            <td class="num">{format!("{} {}", e.amount.round_dp(8).normalize(), e.asset)}</td><td>{e.memo.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
