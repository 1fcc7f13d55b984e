//! Accounts: every account with equity, margin ratio, status and what it lost to the waterfall.
//! Sortable, filterable by cohort, and virtualized: only the rows in view are in the DOM, so
//! 10,000 accounts scroll smoothly.

use leptos::prelude::*;

use super::format::status_class;
use super::state::use_state;
use crate::engine::{format_money, format_pct};

const ROW_PX: f64 = 28.0;
const VIEW_PX: f64 = 320.0;
const OVERSCAN: usize = 6;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Index,
    Equity,
    MarginRatio,
    Loss,
}

#[component]
pub fn AccountsView() -> impl IntoView {
    let s = use_state();
    let (sort, set_sort) = signal(SortBy::Loss);
    let (cohort, set_cohort) = signal(String::from("*"));
    let (scroll_top, set_scroll_top) = signal(0.0f64);

    let cohorts = Memo::new(move |_| {
        s.timeline.with(|t| {
            let mut names: Vec<String> = Vec::new();
            if let Some(t) = t.as_ref() {
                for a in &t.accounts {
                    let c = a.cohort.as_deref().unwrap_or_default().to_string();
                    if !names.contains(&c) {
                        names.push(c);
                    }
                }
            }
            names
        })
    });

    // The visible order: filter by cohort, then sort by the chosen figure at this step. Sorting by
    // loss reads the change log only; a full valuation per account happens only for the equity and
    // margin-ratio sorts, and otherwise just for the rows in view.
    let order = Memo::new(move |_| {
        let step = s.step.get();
        let by = sort.get();
        let want = cohort.get();
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return Vec::new() };
            let mut rows: Vec<usize> = t
                .accounts
                .iter()
                .enumerate()
                .filter(|(_, a)| want == "*" || a.cohort.as_deref().unwrap_or_default() == want)
                .map(|(i, _)| i)
                .collect();
            match by {
                SortBy::Index => {}
                SortBy::Loss => {
                    let loss = |i: usize| t.snapshot_at(i, step).map(|x| x.loss).unwrap_or_default();
                    rows.sort_by_cached_key(|&i| (std::cmp::Reverse(loss(i)), i));
                }
                SortBy::Equity => rows.sort_by_cached_key(|&i| (t.account_at(i, step).equity, i)),
                SortBy::MarginRatio => {
                    rows.sort_by_cached_key(|&i| (std::cmp::Reverse(t.account_at(i, step).margin_ratio), i))
                }
            }
            rows
        })
    });

    let window = move || {
        let step = s.step.get();
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = (VIEW_PX / ROW_PX) as usize + 2 * OVERSCAN;
        let rows = order.with(|r| r.iter().copied().enumerate().skip(first).take(count).collect::<Vec<_>>());
        // The name and role of each row in view travel with it: no copy of every account per step.
        s.timeline.with(|t| match t.as_ref() {
            Some(t) => rows
                .into_iter()
                .map(|(pos, i)| {
                    let info = t.accounts.get(i).map(|a| (a.name.to_string(), a.role));
                    (pos, (i, t.account_at(i, step), info))
                })
                .collect::<Vec<_>>(),
            None => Vec::new(),
        })
    };
    let total_px = move || order.with(|r| r.len() as f64 * ROW_PX);

    let head = move |label: &'static str, by: SortBy| {
        view! {
            <button type="button" aria-pressed=move || (sort.get() == by).to_string()
                on:click=move |_| set_sort.set(by)>{label}</button>
        }
    };

    view! {
        <div class="row">
            <label for="cohort-filter">"Show "</label>
            <select id="cohort-filter" on:change=move |e| { set_cohort.set(event_target_value(&e)); set_scroll_top.set(0.0); }>
                <option value="*">"all accounts"</option>
                {move || cohorts.get().into_iter().map(|c| {
                    let label = if c.is_empty() { "named accounts".to_string() } else { format!("cohort {c}") };
                    view! { <option value=c.clone()>{label}</option> }
                }).collect_view()}
            </select>
            <span class="muted" id="account-count">{move || format!(" {} accounts", order.with(|r| r.len()))}</span>
        </div>
        <div class="accounts-head" role="row">
            {head("Account", SortBy::Index)}
            {head("Equity", SortBy::Equity)}
            {head("Margin ratio", SortBy::MarginRatio)}
            <span>"Status"</span>
            <span>"Position"</span>
            {head("Lost to waterfall", SortBy::Loss)}
        </div>
        <div class="accounts-scroll" id="accounts-scroll" role="table" aria-label="Accounts"
            on:scroll=move |e| set_scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)>
            <div style=move || format!("height:{}px;position:relative", total_px())>
                {move || {
                    window().into_iter().map(|(pos, (i, v, info))| {
                        let (name, role) = info.unwrap_or_default();
                        let selected = s.selected_account.get() == Some(i);
                        let position = v.positions.iter().map(|(inst, q)| format!("{q} {inst}")).collect::<Vec<_>>().join(", ");
                        view! {
                            <div class="account-row" role="row" data-account=i.to_string()
                                style=format!("position:absolute;left:0;right:0;top:{}px{}", pos as f64 * ROW_PX,
                                    if selected { ";outline:2px solid var(--accent)" } else { "" })
                                on:click=move |_| s.selected_account.set(if selected { None } else { Some(i) })>
                                <span class="name" title=role>{name}</span>
                                <span class=if v.equity.is_sign_negative() { "num neg" } else { "num" }>{format_money(v.equity)}</span>
                                <span class="num">{v.margin_ratio.map(format_pct).unwrap_or_else(|| "—".into())}</span>
                                <span><span class=format!("status {}", status_class(v.status))>{v.status.label()}</span></span>
                                <span class="name" title=position.clone()>{position.clone()}</span>
                                <span class=if v.loss_to_waterfall.is_zero() { "num" } else { "num neg" }>{format_money(v.loss_to_waterfall)}</span>
                            </div>
                        }
                    }).collect_view()
                }}
            </div>
        </div>
    }
}
