//! Accounts: every account with equity, margin ratio, status, position, liquidation and bankruptcy
//! prices (the engine's, `explain::liquidation_prices`) and what it lost to the waterfall.
//! Sortable, filterable by cohort, and virtualized: only the rows in view are in the DOM, so
//! 10,000 accounts scroll smoothly.

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::format::status_class;
use super::state::use_state;
use crate::engine::explain::liquidation_prices;
use crate::engine::option_greeks::{greeks_of, has_options};
use crate::engine::{format_decimal, format_money, format_pct, format_price};

const ROW_PX: f64 = 28.0;
const VIEW_PX: f64 = 320.0;
/// The rows the DOM holds at a scroll offset (`row_window::rows_held` for this list's sizes).
fn rows_held(scroll_top: f64) -> (usize, usize) {
    super::row_window::rows_held(scroll_top, ROW_PX, VIEW_PX)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Index,
    Equity,
    MarginRatio,
    Loss,
}

impl SortBy {
    /// The order of the sorted column, for `aria-sort` (the sorts below).
    fn direction(self) -> &'static str {
        match self {
            SortBy::Index | SortBy::Equity => "ascending",
            SortBy::MarginRatio | SortBy::Loss => "descending",
        }
    }
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
                // A 100k book has a few cohorts: compare, allocate only a new name.
                for a in &t.accounts {
                    let c = a.cohort.as_deref().unwrap_or_default();
                    if !names.iter().any(|n| n == c) {
                        names.push(c.to_string());
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
        let _m = super::perf::Measure::new("spillway:load:accounts-order");
        let step = s.accounts_step.get();
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
                    // Most of a book lost nothing: only the accounts with a loss are sorted, the
                    // rest keep the book's order (the order of sorting all by (−loss, index)). A
                    // 100k book's first render sorted every account (issue 14).
                    let (mut gained, mut none, mut lost) = (Vec::new(), Vec::with_capacity(rows.len()), Vec::new());
                    for i in rows {
                        let l = t.loss_at(i, step);
                        match l.cmp(&Decimal::ZERO) {
                            std::cmp::Ordering::Greater => lost.push((l, i)),
                            std::cmp::Ordering::Equal => none.push(i),
                            std::cmp::Ordering::Less => gained.push((l, i)),
                        }
                    }
                    let by_loss = |a: &(Decimal, usize), b: &(Decimal, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
                    lost.sort_unstable_by(by_loss);
                    gained.sort_unstable_by(by_loss);
                    rows = lost.into_iter().map(|x| x.1).chain(none).chain(gained.into_iter().map(|x| x.1)).collect();
                }
                SortBy::Equity => rows.sort_by_cached_key(|&i| (t.account_at(i, step).equity, i)),
                SortBy::MarginRatio => {
                    rows.sort_by_cached_key(|&i| (std::cmp::Reverse(t.account_at(i, step).margin_ratio), i))
                }
            }
            rows
        })
    });

    // The rows in view, formatted: (position in the order, account, the cells' text). A memo, so
    // each row slot below hears only about its own row.
    let window = Memo::new(move |_| {
        let step = s.accounts_step.get();
        let (first, count) = rows_held(scroll_top.get());
        let rows = order.with(|r| r.iter().copied().enumerate().skip(first).take(count).collect::<Vec<_>>());
        // The name and role of each row in view travel with it: no copy of every account per step.
        s.timeline.with(|t| match t.as_ref() {
            Some(t) => rows
                .into_iter()
                .map(|(pos, i)| {
                    let v = t.account_at(i, step);
                    let (name, role) = t.accounts.get(i).map(|a| (a.name.to_string(), a.role)).unwrap_or_default();
                    Row {
                        pos,
                        account: i,
                        name,
                        role,
                        equity: format_money(v.equity),
                        equity_neg: v.equity.is_sign_negative(),
                        ratio: v.margin_ratio.map(format_pct).unwrap_or_else(|| "—".into()),
                        status: v.status.label(),
                        status_class: status_class(v.status),
                        position: v.positions.iter().map(|(inst, q)| format!("{q} {inst}")).collect::<Vec<_>>().join(", "),
                        // A futures account's liquidation / bankruptcy prices; an options account's
                        // delta and vega (the engine's greeks; issue 18).
                        prices: liquidation_prices(t, i, step)
                            .map(|(lp, bp)| format!("{} / {}", format_price(lp), format_price(bp)))
                            .or_else(|| greeks_of(t, i, step).map(|g| format!("Δ {} · vega {}", format_decimal(g.delta, 2), format_decimal(g.vega, 0))))
                            .unwrap_or_else(|| "—".into()),
                        loss: format_money(v.loss_to_waterfall),
                        loss_neg: !v.loss_to_waterfall.is_zero(),
                    }
                })
                .collect::<Vec<_>>(),
            None => Vec::new(),
        })
    });
    let slots = Memo::new(move |_| window.with(|w| w.len()));
    let total_px = move || order.with(|r| r.len() as f64 * ROW_PX);

    let head = move |label: &'static str, by: SortBy| {
        view! {
            <span role="columnheader" aria-sort=move || if sort.get() == by { by.direction() } else { "none" }>
                <button type="button" aria-pressed=move || (sort.get() == by).to_string()
                    on:click=move |_| set_sort.set(by)>{label}</button>
            </span>
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
        // One ARIA table: a header row group and the scrolling body (a row group whose rows are
        // the ones in view, each with its place in the whole list as `aria-rowindex`).
        <div class="accounts-table" role="table" aria-label="Accounts" aria-rowcount=move || (order.with(|r| r.len()) + 1).to_string()>
        <div role="rowgroup">
        <div class="accounts-head" role="row" aria-rowindex="1">
            {head("Account", SortBy::Index)}
            {head("Equity", SortBy::Equity)}
            {head("Margin ratio", SortBy::MarginRatio)}
            <span role="columnheader">"Status"</span>
            <span role="columnheader">"Position"</span>
            {move || if s.timeline.with(|t| t.as_ref().is_some_and(|t| has_options(t))) {
                view! { <span role="columnheader" title="Liquidation price / bankruptcy price of a futures account (one linear position on cross margin); an options account's delta (units of the underlying) and vega (per 1.00 of σ)">"Liq. price · greeks"</span> }
            } else {
                view! { <span role="columnheader" title="Liquidation price / bankruptcy price: where the mark would bring the account's equity to its maintenance margin / to zero (one linear position on cross margin)">"Liq. / bankr. price"</span> }
            }}
            {head("Lost to waterfall", SortBy::Loss)}
        </div>
        </div>
        // Focusable, so the keyboard can scroll it.
        <div class="accounts-scroll" id="accounts-scroll" role="rowgroup" tabindex="0"
            on:scroll=move |e| set_scroll_top.set(event_target::<web_sys::Element>(&e).scroll_top() as f64)>
            <div style=move || format!("height:{}px;position:relative", total_px())>
                // A fixed set of row slots: a step rewrites the text that changed in the rows in
                // view instead of replacing every row (a step that re-sorts the book, like a shock,
                // would otherwise rebuild them all).
                <For each=move || 0..slots.get() key=|k| *k children=move |k| view! { <AccountRow index=k rows=window/> }/>
            </div>
        </div>
        </div>
    }
}

/// One row of the accounts in view, already formatted (the engine's figures, formatted only).
#[derive(Clone, Default, PartialEq)]
struct Row {
    pos: usize,
    account: usize,
    name: String,
    role: &'static str,
    equity: String,
    equity_neg: bool,
    ratio: String,
    status: &'static str,
    status_class: &'static str,
    position: String,
    /// Liquidation / bankruptcy price (`engine::liquidation_prices`), or "—".
    prices: String,
    loss: String,
    loss_neg: bool,
}

/// Slot `index` of the rows in view: its elements persist across steps and scrolling; only the
/// text and classes that change are written.
#[component]
fn AccountRow(index: usize, rows: Memo<Vec<Row>>) -> impl IntoView {
    let s = use_state();
    let row = Memo::new(move |_| rows.with(|r| r.get(index).cloned().unwrap_or_default()));
    let get = move |f: fn(&Row) -> String| move || row.with(f);
    let selected = move || s.selected_account.get() == Some(row.with(|r| r.account));
    let toggle = move |i: usize| s.selected_account.update(|x| *x = if *x == Some(i) { None } else { Some(i) });
    view! {
        <div class="account-row" role="row" class:selected=selected
            aria-rowindex=move || (row.with(|r| r.pos) + 2).to_string()
            data-account=move || row.with(|r| r.account.to_string())
            style:top=move || format!("{}px", row.with(|r| r.pos) as f64 * ROW_PX)
            // Click, tap or Enter opens the account's story ("why me?", `account_story`).
            tabindex="0" title="Why? Open its story (click, tap or Enter)"
            on:click=move |_| toggle(row.with_untracked(|r| r.account))
            on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); toggle(row.with_untracked(|r| r.account)); }>
            <span role="cell" class="name" title=move || row.with(|r| r.role)>{get(|r| r.name.clone())}</span>
            <span role="cell" class=move || if row.with(|r| r.equity_neg) { "num neg" } else { "num" }>{get(|r| r.equity.clone())}</span>
            <span role="cell" class="num">{get(|r| r.ratio.clone())}</span>
            <span role="cell"><span class=move || format!("status {}", row.with(|r| r.status_class))>{move || row.with(|r| r.status)}</span></span>
            <span role="cell" class="name" title=get(|r| r.position.clone())>{get(|r| r.position.clone())}</span>
            <span role="cell" class="num">{get(|r| r.prices.clone())}</span>
            <span role="cell" class=move || if row.with(|r| r.loss_neg) { "num neg" } else { "num" }>{get(|r| r.loss.clone())}</span>
        </div>
    }
}
