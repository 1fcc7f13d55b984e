//! Comparison: the same scenario under several waterfalls, with fairness figures (domain.md §8):
//! who paid (defaulters, venue capital, members, profitable traders, LPs), how many accounts were
//! touched, the largest single hit, the Gini coefficient of losses, and cascades.

use super::money::EngineResult;
use super::simulate::simulate_with_waterfall;
use super::timeline::{LossSummary, Timeline};
use super::waterfall::rule_presets;
use crate::scenario::{LayerSpec, Role, Scenario, Tranche};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;

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

/// The ready-made rule sets fitted to a scenario: their clearing-house capital (SIG) tranches take
/// the scenario's own SIG amounts, and a vault layer names the scenario's LP vault, so a CCP rule
/// set does not run with zero capital and a vault rule set finds its vault.
pub fn waterfall_presets_for(s: &Scenario) -> Vec<WaterfallSpec> {
    let sig = |t: Tranche| {
        s.waterfall.iter().find_map(|l| match l {
            LayerSpec::SkinInTheGame { tranche, amount } if *tranche == t => Some(*amount),
            _ => None,
        })
    };
    let vault = s.waterfall.iter().find_map(|l| match l {
        LayerSpec::LpVaultHaircut { account } => Some(account.clone()),
        _ => None,
    });
    let vault = vault.or_else(|| s.accounts.iter().find(|a| a.role == Role::LpVault).map(|a| a.id.clone()));
    let mut out = waterfall_presets();
    for w in &mut out {
        for l in &mut w.layers {
            match l {
                LayerSpec::SkinInTheGame { tranche, amount } if amount.is_zero() => {
                    if let Some(x) = sig(*tranche) {
                        *amount = x;
                    }
                }
                LayerSpec::LpVaultHaircut { account } => {
                    if let Some(v) = &vault {
                        *account = v.clone();
                    }
                }
                _ => {}
            }
        }
    }
    out
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
    /// Who paid, in the order of `LossSummary::by_party` (unallocated last), each with its share
    /// of the deficit: the figures the side-by-side view draws.
    pub payers: Vec<Payer>,
    /// The run itself, so the side-by-side view can show each waterfall at the player's step.
    #[serde(skip)]
    pub timeline: Option<Arc<Timeline>>,
}

/// A party's part of the loss under one waterfall.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payer {
    pub party: String,
    pub amount: Decimal,
    /// `amount / deficit`, 6 places (0 when there is no deficit).
    pub share: Decimal,
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
                let payers = sum.by_party.iter().map(|(party, amount)| Payer { party: party.clone(), amount: *amount, share: share(*amount, sum.deficit) }).collect();
                out.push(Comparison {
                    label: w.label.clone(),
                    payers,
                    timeline: Some(Arc::new(t)),
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
                payers: Vec::new(),
                timeline: None,
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_sets_take_the_scenarios_capital_and_vault() {
        let mut s = crate::scenario::presets::by_id("nasdaq-2018").map(|p| p.scenario).unwrap_or_default();
        let fitted = waterfall_presets_for(&s);
        let cme = fitted.iter().find(|w| w.label.starts_with("CME")).unwrap();
        assert!(cme.layers.contains(&LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(7_000_000) }));
        // No senior tranche in the scenario: the LCH rule set's senior tranche stays at zero.
        let lch = fitted.iter().find(|w| w.label.starts_with("LCH")).unwrap();
        assert!(lch.layers.contains(&LayerSpec::SkinInTheGame { tranche: Tranche::Senior, amount: Decimal::ZERO }));
        s.accounts[0].role = Role::LpVault;
        let hl = waterfall_presets_for(&s).into_iter().find(|w| w.label.starts_with("Hyperliquid")).unwrap();
        assert!(hl.layers.contains(&LayerSpec::LpVaultHaircut { account: s.accounts[0].id.clone() }));
    }

    #[test]
    fn payers_add_up_to_the_deficit_under_every_waterfall() {
        let s = crate::scenario::presets::by_id("five-strategies").unwrap().scenario;
        let rows = compare(&s, &waterfall_presets_for(&s)).unwrap();
        let mut ran = 0;
        for c in &rows {
            let Some(m) = &c.summary else { continue };
            ran += 1;
            let total: Decimal = c.payers.iter().map(|p| p.amount).sum();
            assert_eq!(total, m.deficit, "{}", c.label);
            assert!(c.payers.iter().all(|p| p.share > Decimal::ZERO && p.share <= Decimal::ONE), "{}", c.label);
            let t = c.timeline.as_ref().unwrap();
            let drawn: Decimal = t.layer_state(t.steps).iter().map(|l| l.drawn).sum();
            assert_eq!(drawn, m.allocated, "{}: the run kept for the side-by-side view is this waterfall's", c.label);
        }
        assert!(ran >= 5, "the five strategies run: {ran}");
    }
}
