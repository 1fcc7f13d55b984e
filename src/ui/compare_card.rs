//! One waterfall of the comparison: its layers at the player's step (a small waterfall, each bar
//! the share of the whole loss that layer has taken so far) and, in one stacked bar, who paid in
//! the end. Every figure is the engine's (`Comparison`); the UI only scales bars.

use leptos::prelude::*;

use super::format::{fraction, pct_width};
use super::state::use_state;
use crate::engine::{format_decimal, format_money, format_pct, Comparison};

#[component]
pub fn CompareCard(comparison: Comparison) -> impl IntoView {
    let s = use_state();
    let Comparison { label, summary, error, payers, timeline, share_non_defaulters, .. } = comparison;
    let (Some(m), Some(t)) = (summary, timeline) else {
        return view! {
            <article class="compare-card failed" aria-label=label.clone()>
                <h3>{label.clone()}</h3>
                <p class="muted">"Cannot run on this scenario: " {error.unwrap_or_default()}</p>
            </article>
        }
        .into_any();
    };
    let deficit = m.deficit;
    let names: Vec<String> = t.layers.iter().map(|l| l.label.clone()).collect();
    let at_step = {
        let t = t.clone();
        Memo::new(move |_| {
            let step = s.step.get().min(t.steps);
            (t.layer_state(step).into_iter().map(|l| l.drawn).collect::<Vec<_>>(), t.unallocated_at(step))
        })
    };
    let headline = if m.unallocated.is_zero() {
        format!("Non-defaulters pay {} · largest hit {}", format_pct(share_non_defaulters), format_money(m.largest_hit))
    } else {
        format!("{} is left unallocated: the venue is insolvent", format_money(m.unallocated))
    };
    let payers_said = payers.iter().map(|p| format!("{} {}", p.party, format_pct(p.share))).collect::<Vec<_>>().join(", ");
    view! {
        <article class="compare-card" aria-label=label.clone()>
            <h3>{label.clone()}</h3>
            <p class=if m.unallocated.is_zero() { "compare-headline" } else { "compare-headline alarm" }>{headline}</p>
            <ol class="mini-waterfall" aria-label=format!("{label}: layers at the step on screen")>
                {names.into_iter().enumerate().map(|(i, name)| {
                    let drawn = move || at_step.with(|(d, _)| d.get(i).copied().unwrap_or_default());
                    view! {
                        <li class=move || if drawn().is_zero() { "mini-layer dry" } else { "mini-layer" }>
                            <span class="mini-name">{name}</span>
                            <span class="mini-bar" aria-hidden="true"><span class="mini-drawn" style=move || pct_width(fraction(drawn(), deficit))></span></span>
                            <span class="mini-figure">{move || format_money(drawn())}</span>
                        </li>
                    }
                }).collect_view()}
                <li class=move || if at_step.with(|(_, u)| u.is_zero()) { "mini-layer dry" } else { "mini-layer unallocated" }>
                    <span class="mini-name">"Unallocated"</span>
                    <span class="mini-bar" aria-hidden="true"><span class="mini-drawn" style=move || pct_width(at_step.with(|(_, u)| fraction(*u, deficit)))></span></span>
                    <span class="mini-figure">{move || at_step.with(|(_, u)| format_money(*u))}</span>
                </li>
            </ol>
            <p class="who-pays-title">"Who paid " {format_money(deficit)} ", in the end"</p>
            <div class="who-pays" role="img" aria-label=payers_said>
                {payers.iter().map(|p| view! { <span class=format!("payer {}", party_class(&p.party)) style=pct_width(fraction(p.share, rust_decimal::Decimal::ONE)) title=p.party.clone()></span> }).collect_view()}
            </div>
            <ul class="payer-legend">
                {payers.iter().map(|p| view! {
                    <li><span class=format!("swatch {}", party_class(&p.party)) aria-hidden="true"></span>
                        {p.party.clone()} " " <b>{format_money(p.amount)}</b> " (" {format_pct(p.share)} ")"</li>
                }).collect_view()}
            </ul>
            <p class="compare-figures muted">{format!("{} touched · Gini {} · {} cascade default{}", if m.accounts_touched == 1 { "1 account".to_string() } else { format!("{} accounts", m.accounts_touched) }, format_decimal(m.gini, 3), m.cascade_defaults, if m.cascade_defaults == 1 { "" } else { "s" })}</p>
        </article>
    }
    .into_any()
}

/// The colour of a party (style/main.css `.party-…`), from the engine's party names.
fn party_class(party: &str) -> &'static str {
    match party {
        "Defaulters" => "party-defaulters",
        "Clearing house capital" => "party-capital",
        "Insurance fund" => "party-insurance",
        "Surviving members" => "party-members",
        "Profitable traders" => "party-traders",
        "LP vault" => "party-vault",
        "Unallocated" => "party-unallocated",
        _ => "party-other",
    }
}
