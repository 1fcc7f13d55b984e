//! The scenario's interventions and fund structure (issue 19): what the form can set directly
//! (the backstop vault, the replenishment period) and, for the lists, what the scenario holds and
//! the JSON path that edits each (the "Everything (JSON)" editor below). The page computes no
//! money here: it lists the scenario's own inputs.

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{FieldErrors, NumberField};
use crate::scenario::{Role, Scenario, ValidationError};
use crate::ui::state::use_state;

/// One list of the scenario: its JSON path, what it does, and its entries as the scenario has them.
struct Listed {
    path: &'static str,
    what: &'static str,
    entries: fn(&Scenario) -> Vec<String>,
}

const LISTS: &[Listed] = &[
    Listed {
        path: "declared_defaults[] { account, step }",
        what: "the clearing house declares an account in default at a step, whatever its margin",
        entries: |s| s.declared_defaults.iter().map(|d| format!("{} at step {}", d.account, d.step)).collect(),
    },
    Listed {
        path: "trade_cancellations[] { from, to }",
        what: "the trades of a range of steps are busted; the step after it reverts to before the range",
        entries: |s| s.trade_cancellations.iter().map(|c| format!("steps {} to {}", c.from, c.to)).collect(),
    },
    Listed {
        path: "withdrawals[] { account, step, amount }",
        what: "an account takes cash out, borrowing against its collateral beyond its cash",
        entries: |s| s.withdrawals.iter().map(|w| format!("{} takes {} at step {}", w.account, w.amount.normalize(), w.step)).collect(),
    },
    Listed {
        path: "recoveries[] { step, from, amount, to }",
        what: "money comes back after a default: to the depositors' contributions first, or to the insurance fund",
        entries: |s| {
            s.recoveries
                .iter()
                .map(|r| format!("{} from {} at step {}, to {}", r.amount.normalize(), r.from, r.step, match r.to {
                    crate::scenario::RecoveryTo::Depositors => "depositors",
                    crate::scenario::RecoveryTo::InsuranceFund => "insurance_fund",
                }))
                .collect()
        },
    },
    Listed {
        path: "capital_injections[] { step, amount, tranche, steps }",
        what: "the clearing house puts temporary capital into its skin in the game of a tranche, paid first; what no default used is withdrawn after steps",
        entries: |s| {
            s.capital_injections
                .iter()
                .map(|c| match c.steps {
                    Some(n) => format!("{} into the {} tranche at step {}, for {n} steps", c.amount.normalize(), c.tranche.as_str(), c.step),
                    None => format!("{} into the {} tranche at step {}, to the end", c.amount.normalize(), c.tranche.as_str(), c.step),
                })
                .collect()
        },
    },
    Listed {
        path: "default_funds[] { id, instruments } and accounts[].fund",
        what: "one default fund per instrument group; a member's contribution belongs to the fund its own fund field names",
        entries: |s| {
            s.default_funds
                .iter()
                .map(|f| format!("{}: {} ({} members)", f.id, f.instruments.join(", "), s.accounts.iter().filter(|a| a.fund == f.id).count()))
                .collect()
        },
    },
    Listed {
        path: "instruments[].insurance_fund",
        what: "a contract's own insurance fund: its penalties go in, its bad debt comes out",
        entries: |s| s.instruments.iter().filter_map(|i| i.insurance_fund.map(|f| format!("{}: {}", i.id, f.normalize()))).collect(),
    },
];

#[component]
pub fn Interventions() -> impl IntoView {
    view! {
        <NumberField id="venue-replenish" label="Members replenish the used default fund within (steps; 0 = never)" path="venue.replenish_within_steps"
            get=|s| Decimal::from(s.venue.replenish_within_steps.unwrap_or(0))
            set=|s, v| {
                let n = v.to_u32().filter(|_| v.fract().is_zero()).ok_or("must be a whole number of steps")?;
                s.venue.replenish_within_steps = (n > 0).then_some(n);
                Ok(())
            }/>
        <BackstopSelect/>
        <ul class="intervention-list" id="intervention-list">
            {move || {
                let s = use_state();
                LISTS.iter().map(|l| {
                    let entries = s.scenario.with(|sc| (l.entries)(sc));
                    let shown = if entries.is_empty() { "none".to_string() } else { entries.join("; ") };
                    view! {
                        <li>
                            <code>{l.path}</code>" — "{l.what}": "<span class="entries">{shown}</span>
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
        <p class="hint">"Edit these lists under “Everything (JSON)” below (format: docs/scenario.md)."</p>
    }
}

/// `venue.backstop_vault`: an `lp_vault` account that takes liquidated positions over.
#[component]
fn BackstopSelect() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let vaults = move || s.scenario.with(|sc| sc.accounts.iter().filter(|a| a.role == Role::LpVault).map(|a| a.id.clone()).collect::<Vec<_>>());
    let current = move || s.scenario.with(|sc| sc.venue.backstop_vault.clone().unwrap_or_default());
    let set = move |value: String| errors.set(s.edit(|sc| sc.venue.backstop_vault = (!value.is_empty()).then_some(value)).err().unwrap_or_default());
    view! {
        <label for="venue-backstop">"Backstop vault (takes liquidated positions over)"</label>
        <select id="venue-backstop" prop:value=current on:change=move |e| set(event_target_value(&e))>
            <option value="">"none: liquidations close in the market"</option>
            {move || vaults().into_iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
        </select>
        <FieldErrors errors=errors/>
    }
}
