//! "Why me?" (issue 15): the selected account's story — every loss it took with the arithmetic
//! that produced it, and its position, margin, liquidation and bankruptcy prices against the mark
//! step by step. The figures are the engine's (`engine::explain`); this only formats them.

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::format::status_class;
use super::state::use_state;
use crate::scenario::AdlRule;
use crate::engine::explain::{account_story, AccountStory, AdlFill, LossExplanation, ShareFigures, SplitRule, StoryRow, Why};
use crate::engine::{format_decimal, format_money_exact};

/// Money to the cent, and the exact figure when it has more places (a share rounded down to 8).
fn money(x: Decimal) -> String {
    let cents = format_money_exact(x);
    if x.round_dp(2) == x {
        cents
    } else {
        format!("{cents} (exactly {})", format_decimal(x, 8))
    }
}

/// A rate as a percentage to 4 places (a display of the engine's rate, not a new amount).
fn pct(rate: Decimal) -> String {
    format!("{}%", format_decimal(rate * Decimal::ONE_HUNDRED, 4))
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[component]
pub fn AccountStoryPanel() -> impl IntoView {
    let s = use_state();
    let story = Memo::new(move |_| {
        let a = s.selected_account.get()?;
        s.timeline.with(|t| t.as_ref().and_then(|t| account_story(t, a)))
    });
    // Opening a story brings it into view and gives it focus (keyboard and phone users would
    // otherwise not see it appear below the table).
    let panel = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |prev: Option<Option<usize>>| {
        let now = story.with(|x| x.as_ref().map(|x| x.account));
        if now.is_some() && prev.flatten() != now {
            if let Some(el) = panel.get() {
                let _ = el.focus();
                el.scroll_into_view();
            }
        }
        now
    });
    move || {
        story.get().map(|st| {
            let heading = format!("Why {} lost {}", st.name, format_money_exact(st.total_loss));
            let empty = st.losses.is_empty();
            view! {
                <section class="panel wide account-story" id="account-story" tabindex="-1" node_ref=panel aria-labelledby="account-story-title">
                    <div class="row story-head">
                        <h2 id="account-story-title">{heading}</h2>
                        <span class="spacer"></span>
                        <button type="button" id="account-story-close" on:click=move |_| s.selected_account.set(None)>"Close"</button>
                    </div>
                    <p class="muted">{format!("{} · {} · its losses to the waterfall, with the engine's figures", st.name, st.role)}</p>
                    {empty.then(|| view! { <p id="story-no-loss">"This account lost nothing to the waterfall in this run."</p> })}
                    <ol class="story-losses" id="story-losses">
                        {st.losses.iter().map(|l| view! { <li class="story-loss">{loss_view(l)}</li> }).collect_view()}
                    </ol>
                    <StoryTable story=st.clone()/>
                </section>
            }
        })
    }
}

fn loss_view(l: &LossExplanation) -> AnyView {
    let toward = if l.toward.is_empty() { String::new() } else { format!(" toward {}'s deficit", l.toward.join(", ")) };
    let title = format!("{} — step {} — lost {}{}", if l.title.is_empty() { "Loss" } else { &l.title }, l.step, format_money_exact(l.amount), toward);
    let rule = l.rule_text();
    let body = match &l.why {
        Why::Adl { fills, quantity } => adl_view(fills, *quantity, l.amount),
        Why::Share(s) => share_view(s, l.amount),
        Why::OwnMargin => view! { <p>{format!("Its own margin absorbed {} of its close-out loss.", money(l.amount))}</p> }.into_any(),
        Why::OwnFundContribution => view! { <p>{format!("Its own default-fund contribution paid {}.", money(l.amount))}</p> }.into_any(),
        Why::Vault => view! { <p>{format!("The vault paid {} of the loss that reached it.", money(l.amount))}</p> }.into_any(),
        Why::SetOff { owed, margin, fund } => view! {
            <p>{format!("It could not pay {} of its assessment and defaulted: {} came from the surplus its close-out left, {} from its fund contribution.", money(*owed), money(*margin), money(*fund))}</p>
        }
        .into_any(),
        Why::Contagion { from, source } => {
            view! { <p>{format!("{from}'s {source} passed on to it: {} (a loss to this account, not to this venue's waterfall).", money(l.amount))}</p> }.into_any()
        }
    };
    view! {
        <h3 class="story-loss-title">{title}</h3>
        <p class="story-rule">{rule}</p>
        {body}
    }
    .into_any()
}

fn adl_view(fills: &[AdlFill], quantity: Decimal, amount: Decimal) -> AnyView {
    let several = fills.len() > 1;
    let total = several.then(|| {
        let inst = fills.first().map(|f| f.instrument.clone()).unwrap_or_default();
        view! { <p class="story-sum">{format!("{} fills, {} {} taken in all: {} = the sum of the fills' charges.", fills.len(), format_decimal(quantity, 8), inst, money(amount))}</p> }
    });
    // One fill a line, in words with its figures: readable on a phone, and by a screen reader.
    let items = fills
        .iter()
        .map(|f| {
            let (op, how) = if f.pnl_pct > Decimal::ZERO { ("×", "in profit") } else { ("÷", "at a loss") };
            let rank = format!("{} of {}", ordinal(f.place), f.ranked);
            let score = format!("{} {op} {} = {}", pct(f.pnl_pct), format_decimal(f.leverage, 4), format_decimal(f.score, 4));
            // The score line in the venue's own rule (`venue.adl`).
            let (rule_text, score) = match f.rule {
                AdlRule::Hyperliquid => (
                    " (Hyperliquid's key): (mark ÷ entry, entry ÷ mark for a short) × notional ÷ account value, with notional ÷ account value = ".to_string(),
                    format!("{} → key {}", format_decimal(f.leverage, 4), format_decimal(f.score, 4)),
                ),
                AdlRule::Dydx => (" (dYdX: offsetting positions in a seeded random order, not ranked by profit or leverage)".to_string(), String::new()),
                _ => (format!(" ({how}): score = PnL % {op} leverage = "), score),
            };
            let price = match f.price {
                Some(p) => format!("at the bankruptcy price {} (the mark was {})", format_decimal(p, 8), format_decimal(f.mark, 8)),
                None => format!("at the bankruptcy price (the mark was {})", format_decimal(f.mark, 8)),
            };
            let charge = if f.paid_the_rest {
                format!(
                    "{} × {} = {}; this fill completed the quantity needed and paid the rest of the loss: {}.",
                    format_decimal(f.quantity, 8),
                    format_decimal(f.per_unit, 8),
                    format_decimal(f.quantity_times_per_unit, 8),
                    money(f.charge)
                )
            } else {
                format!("{} × {} = {}.", format_decimal(f.quantity, 8), format_decimal(f.per_unit, 8), money(f.charge))
            };
            view! {
                <li class="adl-fill">
                    <span class="fill-head">{format!("Step {} · against {}", f.step, f.toward)}</span>
                    <span class="fill-line">"Ranked " <strong class="adl-rank">{rank}</strong> {rule_text} <strong class="adl-score">{score}</strong></span>
                    <span class="fill-line">{format!("Taken: {} {} {price}.", format_decimal(f.quantity, 8), f.instrument)}</span>
                    <span class="fill-line">"Charge = quantity × bad debt per contract = " <strong>{charge}</strong></span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="adl-fills">{items}</ul>
        {total}
        <p class="muted">{ADL_RULE_SHORT}</p>
    }
    .into_any()
}

/// Next to the table: how to read a score (the rule itself is above, in full).
const ADL_RULE_SHORT: &str = "Rank: its place in the step's ranking of the other side's positions (1st = deleveraged first). PnL %: its unrealized profit over its entry value; leverage: its position's value over its equity.";

fn share_view(s: &ShareFigures, amount: Decimal) -> AnyView {
    let rate_name = if s.rule == SplitRule::VmHaircut { "h" } else { "rate" };
    let base_line = format!("Base: {} = {}, of {} in all ({} paying).", s.rule.base_name(), money(s.base), money(s.total), s.payers);
    let rate_line = format!("{rate_name} = {} ÷ {} = {}.", money(s.take), money(s.total), pct(s.rate));
    let result = format!("Share: {} × {rate_name} = {} × {} ÷ {}, rounded down to 8 places = {}.", money(s.base), money(s.take), money(s.base), money(s.total), money(s.share));
    let assessment = s.assessment.as_ref().map(|x| {
        let cap = format!(
            "Cap: contribution {} × multiple {} = {}; assessed before {}; so it could still be assessed {}.",
            money(x.contribution),
            format_decimal(x.multiple, 8),
            money(x.cap),
            money(x.assessed_before),
            money(s.base)
        );
        let paid = if x.paid < x.called {
            format!("Called {}; it could pay only {} — {} short, so it defaulted in turn.", money(x.called), money(x.paid), money(x.short))
        } else {
            format!("Called {} and paid in full.", money(x.called))
        };
        view! { <p class="story-cap">{cap}</p><p>{paid}</p> }
    });
    view! {
        {assessment}
        <p class="story-base">{base_line}</p>
        <p class="story-rate">{rate_line}</p>
        <p class="story-result">{result}</p>
        <p class="story-sum">{format!("Lost: {}.", money(amount))}</p>
    }
    .into_any()
}

/// Its state step by step; the step on screen is marked.
#[component]
fn StoryTable(story: AccountStory) -> impl IntoView {
    let s = use_state();
    // Greeks columns only for an account that held a live option (the engine's figures).
    let has_greeks = story.rows.iter().any(|r| r.greeks.is_some());
    // Portfolio-margin columns only under a portfolio model (issue 18): the engine's figures and
    // the words naming the scenario that drives the requirement.
    let has_portfolio = story.rows.iter().any(|r| r.portfolio.is_some());
    let model = story.rows.iter().find_map(|r| r.portfolio.as_ref().map(|p| p.model.clone())).unwrap_or_default();
    let rows = story
        .rows
        .iter()
        .cloned()
        .map(|r| {
            let step = r.step;
            let opt = |x: Option<Decimal>| x.map(|x| format_decimal(x, 8)).unwrap_or_else(|| "—".into());
            // A solved price, to the cent: the engine's figure, rounded for the cell only.
            let price2 = |x: Option<Decimal>| x.map(|x| format_decimal(x, 2)).unwrap_or_else(|| "—".into());
            // Every leg it holds (a spread's two), as the engine lists them.
            let position = if r.positions.is_empty() {
                "none".to_string()
            } else {
                r.positions.iter().map(|(i, size)| format!("{} {}", format_decimal(*size, 8), i)).collect::<Vec<_>>().join("; ")
            };
            view! {
                <tr class:current=move || s.step.get() == step data-step=step>
                    <td>{step}</td>
                    <td class="num">{opt(r.mark)}</td>
                    <td class="nowrap">{position}</td>
                    <td class="num">{opt(r.entry)}</td>
                    <td class="num">{format_money_exact(r.equity)}</td>
                    <td class="num">{format_money_exact(r.maintenance)}</td>
                    <td class="num">{price2(r.liquidation_price)}</td>
                    <td class="num">{price2(r.bankruptcy_price)}</td>
                    <td><span class=format!("status {}", status_class(r.status))>{r.status.label()}</span></td>
                    <td class="num">{format_money_exact(r.loss)}</td>
                    {has_greeks.then(|| {
                        let g = |f: fn(&crate::engine::option_greeks::AccountGreeks) -> Decimal, dp: u32| {
                            r.greeks.as_ref().map(|x| format_decimal(f(x), dp)).unwrap_or_else(|| "—".into())
                        };
                        view! {
                            <td class="num story-delta">{g(|x| x.delta, 4)}</td>
                            <td class="num">{g(|x| x.gamma, 8)}</td>
                            <td class="num">{g(|x| x.vega, 2)}</td>
                            <td class="num">{g(|x| x.theta_per_day, 2)}</td>
                        }
                    })}
                    {has_portfolio.then(|| {
                        let p = r.portfolio.clone();
                        let per = p.as_ref().map(|x| format_money_exact(x.per_instrument)).unwrap_or_else(|| "—".into());
                        let credit = p.as_ref().map(|x| format_money_exact(x.credit)).unwrap_or_else(|| "—".into());
                        let worst = p.map(|x| x.worst).unwrap_or_else(|| "—".into());
                        view! {
                            <td class="num">{per}</td>
                            <td class="num">{credit}</td>
                            <td class="story-worst">{worst}</td>
                        }
                    })}
                </tr>
            }
        })
        .collect_view();
    let chart = price_chart(&story.rows, story.losses.iter().map(|l| l.step).collect(), s.step.into());
    view! {
        <h3>"Step by step: its position against the mark"</h3>
        {chart}
        <p class="muted">"Liquidation price: where the mark would bring its equity down to the maintenance margin; bankruptcy price: where its equity would be zero (one linear position on cross margin; — otherwise)."</p>
        <div class="story-scroll story-steps" tabindex="0" role="region" aria-label="The account step by step (scrolls)">
            <table class="story-table" id="story-steps">
                <thead><tr>
                    <th>"Step"</th><th class="num">"Mark"</th><th>"Position"</th><th class="num">"Entry"</th>
                    <th class="num">"Equity"</th><th class="num">"Maintenance"</th><th class="num">"Liquidation price"</th>
                    <th class="num">"Bankruptcy price"</th><th>"Status"</th><th class="num">"Lost so far"</th>
                    {has_greeks.then(|| view! {
                        <th class="num" title="Change in the account's value per unit move of the underlying (options by Black-76, futures one per unit)">"Delta"</th>
                        <th class="num" title="Change in delta per unit move of the underlying">"Gamma"</th>
                        <th class="num" title="Change in value per 1.00 (100 vol points) of implied volatility">"Vega"</th>
                        <th class="num" title="Change in value per day that passes, all else equal">"Theta / day"</th>
                    })}
                    {has_portfolio.then(|| view! {
                        <th class="num" title="What the same positions would need margined one by one">"Per instrument"</th>
                        <th class="num" title="Spread credit given back between related underlyings">"Spread credit"</th>
                        <th title=format!("The scenario that sets the {model}")>"Driving scenario"</th>
                    })}
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The mark, the liquidation price and the bankruptcy price over the steps, as an SVG line chart
/// (drawing coordinates from the engine's prices; nothing is computed as money). `None` when the
/// account never had a price to show.
fn price_chart(rows: &[StoryRow], loss_steps: Vec<u32>, current: Signal<u32>) -> Option<AnyView> {
    use super::charts::f;
    const W: f64 = 600.0;
    const H: f64 = 150.0;
    const PAD: f64 = 6.0;
    let series: [(&str, &str, fn(&StoryRow) -> Option<Decimal>); 3] = [
        ("Mark", "story-mark", |r| r.mark),
        ("Liquidation price", "story-liq", |r| r.liquidation_price),
        ("Bankruptcy price", "story-bkr", |r| r.bankruptcy_price),
    ];
    // The extremes are the engine's own prices (chosen, not computed), labelled on the axis.
    let prices: Vec<Decimal> = rows.iter().flat_map(|r| series.iter().filter_map(move |s| (s.2)(r))).collect();
    let (Some(&lo_price), Some(&hi_price)) = (prices.iter().min(), prices.iter().max()) else {
        return None;
    };
    if rows.len() < 2 {
        return None;
    }
    let (lo, hi) = (f(lo_price), f(hi_price));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let last = rows.last().map(|r| r.step).unwrap_or(1).max(1) as f64;
    let x = move |step: u32| PAD + (W - 2.0 * PAD) * step as f64 / last;
    let y = |v: f64| PAD + (H - 2.0 * PAD) * (1.0 - (v - lo) / span);
    let lines = series
        .iter()
        .map(|(label, class, get)| {
            // Broken where the price does not apply (no position, several positions).
            let mut d = String::new();
            let mut pen_down = false;
            for r in rows {
                match get(r) {
                    Some(v) => {
                        d.push_str(&format!("{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(r.step), y(f(v))));
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            view! { <path class=*class d=d><title>{*label}</title></path> }
        })
        .collect_view();
    // Where it lost (each loss's step) and where the player stands, as vertical rules.
    let losses = loss_steps
        .into_iter()
        .map(|st| view! { <line class="story-loss-at" x1=x(st) x2=x(st) y1=0 y2=H><title>{format!("a loss at step {st}")}</title></line> })
        .collect_view();
    let cursor = move || {
        let st = current.get();
        (st as f64 <= last).then(|| view! { <line class="story-now" x1=x(st) x2=x(st) y1=0 y2=H /> })
    };
    let legend = series.iter().map(|(label, class, _)| view! { <span class=format!("legend {class}")>{*label}</span> }).collect_view();
    let first = rows.first().map(|r| r.step).unwrap_or(0);
    let (lo_label, hi_label) = (format_decimal(lo_price, 8), format_decimal(hi_price, 8));
    let aria = format!("Mark, liquidation and bankruptcy prices from step {first} to step {last}, between {lo_label} and {hi_label}");
    Some(
        view! {
            <div class="story-chart">
                <div class="story-plot">
                    <div class="story-y" aria-hidden="true"><span>{hi_label}</span><span>{lo_label}</span></div>
                    <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=aria>{losses}{lines}{cursor}</svg>
                    <span></span>
                    <div class="story-x" aria-hidden="true"><span>{format!("step {first}")}</span><span>{format!("step {last}")}</span></div>
                </div>
                <p class="story-legend">{legend}<span class="legend story-loss-at">"A loss"</span><span class="legend story-now">"The player's step"</span></p>
            </div>
        }
        .into_any(),
    )
}
