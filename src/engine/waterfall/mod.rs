//! Default waterfall: the ordered layers that absorb a defaulter's loss. This file holds what the
//! layers are (labels, descriptions, ready-made waterfalls) and the Gini of losses; the walk and
//! each layer's rule are the files beside it, one per layer kind (`docs/architecture.md`).
//!
//! Order and vocabulary: CPMI-IOSCO PFMI / CCP disclosures (domain.md §6) for clearing houses;
//! BitMEX, OKX, Drift, Hyperliquid (domain.md §4–§7) for venues.

mod adl;
mod adl_drift;
mod assessment;
mod balances;
mod default_funds;
mod defaulter_fund;
mod defaulter_margin;
pub mod distribute;
mod im_haircut;
mod insurance_fund;
mod juniorisation;
mod lp_vault;
mod replenish;
mod skin_in_the_game;
mod set_off;
mod socialized_loss;
mod step_split;
mod survivors_fund;
mod tear_up;
mod vm_haircut;
mod walk;

pub use distribute::{distribute, Split, SHARE_DP};
use crate::scenario::{LayerSpec, Tranche};
use rust_decimal::Decimal;

/// Gini coefficient of non-negative losses: G = Σᵢ(2i − n − 1)·xᵢ / (n·Σx), x sorted ascending.
pub fn gini(values: &[Decimal]) -> Decimal {
    let n = values.len();
    let total: Decimal = values.iter().copied().sum();
    if n == 0 || total <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut v = values.to_vec();
    v.sort();
    let nd = Decimal::from(n as u64);
    let mut acc = Decimal::ZERO;
    for (i, x) in v.iter().enumerate() {
        let coef = Decimal::from(2 * (i as i64 + 1) - n as i64 - 1);
        acc += coef * *x;
    }
    (acc / (nd * total)).round_dp(6)
}

/// Label, description and party of a layer spec.
pub fn describe(spec: &LayerSpec) -> (String, String, &'static str) {
    match spec {
        LayerSpec::DefaulterMargin => (
            "Defaulter's margin".into(),
            "The defaulter's own collateral, after haircuts, used first.".into(),
            "Defaulters",
        ),
        LayerSpec::DefaulterFundContribution => (
            "Defaulter's fund contribution".into(),
            "The defaulter's own default-fund contribution.".into(),
            "Defaulters",
        ),
        LayerSpec::SkinInTheGame { tranche: Tranche::Junior, .. } => (
            "Skin in the game (junior)".into(),
            "The clearing house's own capital, before the survivors' contributions.".into(),
            "Clearing house capital",
        ),
        LayerSpec::SkinInTheGame { tranche: Tranche::Senior, .. } => (
            "Skin in the game (senior)".into(),
            "A second tranche of the clearing house's capital, after the survivors' contributions.".into(),
            "Clearing house capital",
        ),
        LayerSpec::InsuranceFund => (
            "Insurance fund".into(),
            "The venue's reserve, filled by liquidation penalties, drained by deficits.".into(),
            "Insurance fund",
        ),
        LayerSpec::SurvivorsFund => (
            "Survivors' default fund".into(),
            "Non-defaulting members' contributions, used pro rata to contribution.".into(),
            "Surviving members",
        ),
        LayerSpec::Assessment { cap_multiple, max_calls, period_cap_multiple, cooling_off_steps, from_collateral } => (
            "Assessments".into(),
            // Paid first from excess collateral at the clearing house: said after the caps.
            with_collateral(*from_collateral, match (period_cap_multiple, cooling_off_steps) {
                (Some(pc), Some(n)) => format!("Cash calls on surviving members, up to {cap_multiple}× their contribution per default and {pc}× across the defaults of a {n}-step cooling-off period, at most {max_calls} call(s); a member who cannot pay defaults in turn (set-off first)."),
                (Some(pc), None) => format!("Cash calls on surviving members, up to {cap_multiple}× their contribution per default and {pc}× across all defaults, at most {max_calls} call(s); a member who cannot pay defaults in turn (set-off first)."),
                _ => format!("Cash calls on surviving members, up to {cap_multiple}× their contribution, at most {max_calls} call(s); a member who cannot pay defaults in turn."),
            }),
            "Surviving members",
        ),
        LayerSpec::VariationMarginHaircut { max_steps } => (
            "VM gains haircut".into(),
            format!("Variation-margin gains owed to in-the-money accounts are cut pro rata for up to {max_steps} step(s)."),
            "Surviving members",
        ),
        LayerSpec::SocializedLoss => (
            "Socialized loss".into(),
            "The remainder is clawed back pro rata from accounts in profit (rate = loss / total profit, at most 100 %).".into(),
            "Profitable traders",
        ),
        LayerSpec::AutoDeleverage => (
            "Auto-deleveraging".into(),
            "Opposite positions, ranked by PnL % × effective leverage, are closed at the bankruptcy price.".into(),
            "Profitable traders",
        ),
        LayerSpec::LpVaultHaircut { account } => (
            "LP vault haircut".into(),
            format!("The backstop vault `{account}` takes the loss; its depositors' shares lose value."),
            "LP vault",
        ),
        LayerSpec::ImHaircut { cap_fraction } => (
            "Initial-margin haircut".into(),
            format!("The survivors' posted initial margin is cut pro rata to it, each by at most {}% of what it posted.", (cap_fraction * Decimal::from(100)).normalize()),
            "Surviving members",
        ),
        LayerSpec::TearUp => (
            "Partial tear-up".into(),
            "Positions opposite the defaulter are terminated at the last price; their open gains are forfeited.".into(),
            "Surviving members",
        ),
    }
}

/// An assessment layer's description, told where its calls are paid from first (issue 19).
fn with_collateral(from_collateral: bool, text: String) -> String {
    if from_collateral {
        text + " Each call is paid first from the member's collateral at the clearing house beyond its initial margin; only the rest is called as new cash."
    } else {
        text
    }
}

/// Ready-made waterfalls (issue 4, "presets of rules"), each with its source.
pub fn rule_presets() -> Vec<(&'static str, &'static str, Vec<LayerSpec>)> {
    use LayerSpec::*;
    let d = |x: i64| Decimal::from(x);
    vec![
        // CME: defaulter's margin and guaranty contribution, CME's contribution, survivors' guaranty
        // fund, then assessments of 2.75× a contribution per default and 5.5× across the defaults
        // of a cooling-off period, here the whole run (CME Clearing financial safeguards, domain.md
        // §6; the 5.5× is unverified there). A second call re-calls what a member did not pay.
        // CME's contribution: `compare::waterfall_presets_for` sizes it to the scenario's fund.
        ("cme", "CME-style clearing house", vec![
            DefaulterMargin, DefaulterFundContribution,
            SkinInTheGame { tranche: Tranche::Junior, amount: d(0) },
            SurvivorsFund,
            Assessment { cap_multiple: Decimal::new(275, 2), max_calls: 2, period_cap_multiple: Some(Decimal::new(55, 1)), cooling_off_steps: None, from_collateral: false },
        ]),
        // LCH / Eurex: junior SIG before survivors, the senior SIG beside them, assessments of 2× a
        // contribution per default and 3× within the capped period (Eurex Clearing, domain.md §6),
        // then VMGH as a recovery tool (EMIR Art. 45; CPMI-IOSCO recovery guidance).
        ("lch-eurex", "LCH/Eurex-style clearing house", vec![
            DefaulterMargin, DefaulterFundContribution,
            SkinInTheGame { tranche: Tranche::Junior, amount: d(0) },
            SurvivorsFund, SkinInTheGame { tranche: Tranche::Senior, amount: d(0) },
            Assessment { cap_multiple: d(2), max_calls: 2, period_cap_multiple: Some(d(3)), cooling_off_steps: None, from_collateral: false },
            VariationMarginHaircut { max_steps: 3 }, TearUp,
        ]),
        // BitMEX: insurance fund, then ADL ("Auto-Deleveraging" page).
        ("bitmex", "BitMEX-style venue", vec![DefaulterMargin, InsuranceFund, AutoDeleverage]),
        // OKX 2018 / early Deribit: insurance fund, then clawback on profits.
        ("clawback", "Clawback venue", vec![DefaulterMargin, InsuranceFund, SocializedLoss]),
        // Drift protocol-v2: insurance fund, then socialize through the market (resolve_perp_bankruptcy).
        ("drift", "Drift-style protocol", vec![DefaulterMargin, InsuranceFund, SocializedLoss]),
        // Hyperliquid: HLP liquidator vault takes the position, ADL beyond it.
        ("hyperliquid", "Hyperliquid-style venue", vec![DefaulterMargin, LpVaultHaircut { account: "hlp".into() }, AutoDeleverage]),
        // Aave: safety module slashed, then the bad debt stays as a reserve deficit (unallocated).
        ("lending", "Lending protocol with a safety module", vec![DefaulterMargin, InsuranceFund]),
        // ICE Clear Credit (ICC Rules 801-803 and 806; domain.md §6, 30 Sep 2023): the defaulter's
        // margin and guaranty fund contribution, ICE's first tranche of its $50m before the
        // participants' fund, the survivors' fund, ICE's second tranche after it, then capped
        // assessments: 1× a contribution per default and 3× across a cooling-off period.
        // Published: ICE's $50m, the $3,326m fund, assessment powers (Rule 803(b)) and a
        // cooling-off period capping all its defaults (Rule 806). Illustrative, unverified (no
        // rule text at hand): the $25m + $25m split and the 1× / 3× caps; the compare table says
        // so (`compare::ICE_UNVERIFIED`). The $75m default insurance is a policy, not ICE
        // capital: left out. Appended last so the other rule sets keep their places (tests/golden/).
        // `compare::waterfall_presets_for` sizes both tranches to the scenario's fund.
        ("ice-clear-credit", "ICE Clear Credit-style clearing house", vec![
            DefaulterMargin, DefaulterFundContribution,
            SkinInTheGame { tranche: Tranche::Junior, amount: d(0) },
            SurvivorsFund, SkinInTheGame { tranche: Tranche::Senior, amount: d(0) },
            Assessment { cap_multiple: d(1), max_calls: 2, period_cap_multiple: Some(d(3)), cooling_off_steps: None, from_collateral: false },
        ]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn gini_values() {
        assert_eq!(gini(&[d("1"), d("1"), d("1")]), d("0"));
        // One of four pays everything: (n−1)/n = 0.75.
        assert_eq!(gini(&[d("0"), d("0"), d("0"), d("10")]), d("0.75"));
        assert_eq!(gini(&[]), d("0"));
    }
}
