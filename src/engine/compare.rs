//! Comparison: the same scenario under several waterfalls, with fairness figures (domain.md §8):
//! who paid (defaulters, venue capital, members, profitable traders, LPs), how many accounts were
//! touched, the largest single hit, the Gini coefficient of losses, and cascades.

use super::money::{EngineResult};
use super::simulate::simulate_with_waterfall;
use super::timeline::LossSummary;
use super::waterfall::rule_presets;
use crate::scenario::{LayerSpec, Scenario};
use rust_decimal::Decimal;
use serde::Serialize;

/// A named waterfall to compare.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaterfallSpec {
    pub label: String,
    pub layers: Vec<LayerSpec>,
}

/// The ready-made rule sets (CME, LCH/Eurex, BitMEX, clawback, Drift, Hyperliquid, lending).
pub fn waterfall_presets() -> Vec<WaterfallSpec> {
    rule_presets().into_iter().map(|(_, label, layers)| WaterfallSpec { label: label.to_string(), layers }).collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub label: String,
    /// `None` with `error` set when this waterfall cannot run on the scenario (e.g. it names a
    /// vault account the scenario lacks).
    pub summary: Option<LossSummary>,
    pub error: Option<String>,
    /// What each account paid into the waterfall, by account index.
    pub per_account: Vec<Decimal>,
    /// What each cohort paid (explicit accounts under "accounts").
    pub per_cohort: Vec<(String, Decimal)>,
    /// Share of the loss borne by anyone but the defaulters (0..1).
    pub share_non_defaulters: Decimal,
    /// Share borne by profitable traders (socialized loss, ADL).
    pub share_profitable_traders: Decimal,
    /// Share left unallocated.
    pub share_unallocated: Decimal,
}

fn share(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part / whole).round_dp(6)
    }
}

/// Run `s` once per waterfall.
pub fn compare(s: &Scenario, waterfalls: &[WaterfallSpec]) -> EngineResult<Vec<Comparison>> {
    let mut out = Vec::with_capacity(waterfalls.len());
    for w in waterfalls {
        match simulate_with_waterfall(s, &w.layers) {
            Ok(t) => {
                let sum = t.summary.clone();
                let party = |name: &str| sum.by_party.iter().filter(|p| p.0 == name).map(|p| p.1).sum::<Decimal>();
                let defaulters = party("Defaulters");
                let per_account: Vec<Decimal> = (0..t.accounts.len()).map(|i| t.account_at(i, t.steps).loss_to_waterfall).collect();
                let mut per_cohort: Vec<(String, Decimal)> = Vec::new();
                for (i, info) in t.accounts.iter().enumerate() {
                    let key = info.cohort.as_deref().unwrap_or("accounts").to_string();
                    let v = per_account.get(i).copied().unwrap_or_default();
                    match per_cohort.iter_mut().find(|c| c.0 == key) {
                        Some(c) => c.1 += v,
                        None => per_cohort.push((key, v)),
                    }
                }
                out.push(Comparison {
                    label: w.label.clone(),
                    share_non_defaulters: share(sum.deficit - defaulters - sum.unallocated, sum.deficit),
                    share_profitable_traders: share(party("Profitable traders"), sum.deficit),
                    share_unallocated: share(sum.unallocated, sum.deficit),
                    summary: Some(sum),
                    error: None,
                    per_account,
                    per_cohort,
                });
            }
            Err(e) => out.push(Comparison {
                label: w.label.clone(),
                summary: None,
                error: Some(e.to_string()),
                per_account: Vec::new(),
                per_cohort: Vec::new(),
                share_non_defaulters: Decimal::ZERO,
                share_profitable_traders: Decimal::ZERO,
                share_unallocated: Decimal::ZERO,
            }),
        }
    }
    Ok(out)
}
