//! The run's bottom line: deficit, who paid, unallocated, and the fairness figures.

use leptos::prelude::*;

use super::state::use_state;
use crate::engine::{format_decimal, format_money};

#[component]
pub fn Summary() -> impl IntoView {
    let s = use_state();
    let figures = move || {
        s.timeline.with(|t| {
            let Some(t) = t.as_ref() else { return Vec::new() };
            let m = &t.summary;
            let mut v = vec![
                ("Total default loss".to_string(), format_money(m.deficit)),
                ("Beyond defaulters' margin".to_string(), format_money(m.bad_debt)),
                ("Allocated".to_string(), format_money(m.allocated)),
                ("Unallocated".to_string(), format_money(m.unallocated)),
                ("Defaults".to_string(), m.defaults.to_string()),
                ("Cascade defaults".to_string(), m.cascade_defaults.to_string()),
                ("Accounts touched".to_string(), m.accounts_touched.to_string()),
                ("Largest single hit".to_string(), format_money(m.largest_hit)),
                ("Gini of losses".to_string(), format_decimal(m.gini, 3)),
            ];
            v.extend(m.by_party.iter().map(|(party, amount)| (format!("Borne by {}", party.to_lowercase()), format_money(*amount))));
            v
        })
    };
    view! {
        <div class="summary-grid" id="summary">
            {move || figures().into_iter().map(|(label, value)| view! {
                <div class="figure"><div class="label">{label}</div><div class="value">{value}</div></div>
            }).collect_view()}
        </div>
    }
}

