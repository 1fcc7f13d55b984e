//! Cover-1 / Cover-2 (PFMI Principle 4; EMIR Art. 43(2) asks Cover-2 of EU CCPs): under each
//! stress scenario (an instant relative move per instrument), each member's stressed loss beyond
//! its margin; Cover-1 is the largest, Cover-2 the two largest together, both within one
//! scenario, with affiliated accounts counted as one group; compared with the default fund (the
//! sum of the fund contributions). Beside them, the EMIR default-fund minimum (Art. 42(3)): the
//! larger of the largest member's loss and the second plus third largest, within one scenario.
//!
//! The book is the one the engine holds at step 0 (`engine::opening_book`): listed and generated
//! accounts, the position the engine books for an instrument's `counterparty`, isolated margins
//! split as the engine splits them. The loss is computed exactly with the engine's own valuation
//! (`engine::account::valuate`: collateral after haircuts, assets that follow an instrument move
//! with it, linear and inverse PnL), at the stressed price rounded to the tick:
//! - cross positions: `max(0, −(collateral + Σ PnL))`;
//! - each isolated position: `max(0, −(isolated margin + PnL))`.
//!
//! Funding, slippage and auction discounts are not part of an instant stress.

use super::{prepared, StressError, StressResult};
use crate::engine::account::{uncovered_by_margin, Pos};
use crate::engine::money::{sum_c, Checked};
use crate::engine::market::Market;
use crate::engine::{format_money, format_pct, opening_book};
use crate::engine::tick::round_to_tick;
use crate::scenario::price_path::generate;
use crate::scenario::Scenario;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A relative move of one instrument (−0.2 = −20 %).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct InstrumentShock {
    pub instrument: String,
    pub change: Decimal,
}

/// A named stress scenario: instruments not listed stay at their step-0 price. Options are not
/// shocked themselves: each is revalued (Black-76, as the engine marks it) from its underlying's
/// stressed price and its σ moved by `vol_change` (0.5: σ × 1.5; −0.25: σ × 0.75).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StressScenario {
    pub name: String,
    pub shocks: Vec<InstrumentShock>,
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    pub vol_change: Decimal,
}

/// Generated ±k·σ scenarios: each instrument up and down alone, and (when `joint`) all up and
/// all down together. σ = the instrument's GBM volatility per step when it has one, else
/// `sigma`; over `horizon_steps` steps it scales by √horizon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateShocks {
    pub k: Decimal,
    pub sigma: Decimal,
    pub horizon_steps: u32,
    pub joint: bool,
    /// With options in the book, each price scenario also with σ up by `vol_up` and down by
    /// `vol_down` (relative), and each alone (defaults: Deribit PM's +50 % / −25 %).
    pub vol_up: Decimal,
    pub vol_down: Decimal,
}

impl Default for GenerateShocks {
    fn default() -> Self {
        GenerateShocks { k: Decimal::from(3), sigma: Decimal::new(5, 2), horizon_steps: 1, joint: true, vol_up: Decimal::new(5, 1), vol_down: Decimal::new(25, 2) }
    }
}

/// What the Cover analysis takes besides the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoverInput {
    /// User-given stress scenarios.
    pub scenarios: Vec<StressScenario>,
    /// Generated ±k·σ scenarios (used also when `scenarios` is empty and this is `None`).
    pub generate: Option<GenerateShocks>,
    /// Add the scenario's own path as a stress: each instrument's move from step 0 to the last step.
    pub include_path: bool,
    /// Affiliated accounts (by id), counted as one member. Accounts in no group stand alone.
    pub groups: Vec<Vec<String>>,
    /// Add the venue's margin grid as stresses (`venue.margin_model` `scenario_grid`: each price
    /// move of its regular table on every underlying at once, × vol unchanged, down and up), so
    /// Cover-1/Cover-2 read the same scenarios the margin does. Absent: on when the venue has one.
    pub margin_grid: Option<bool>,
}

impl Default for CoverInput {
    fn default() -> Self {
        CoverInput { scenarios: Vec::new(), generate: None, include_path: true, groups: Vec::new(), margin_grid: None }
    }
}

/// One instrument's stressed price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentMove {
    pub instrument: String,
    pub change: Decimal,
    pub price: Decimal,
}

/// A group (one account, or affiliated accounts) and its stressed loss beyond margin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupLoss {
    pub accounts: Vec<String>,
    pub label: String,
    pub loss: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioLosses {
    pub name: String,
    pub moves: Vec<InstrumentMove>,
    /// The largest group losses, largest first (at most five, zero losses omitted).
    pub top: Vec<GroupLoss>,
    /// Sum over every group.
    pub total_uncovered: Decimal,
}

/// Cover-1 or Cover-2: the amount, the scenario that sets it, the groups, and the fund's cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverFigure {
    pub amount: Decimal,
    pub scenario: Option<String>,
    pub groups: Vec<GroupLoss>,
    /// default fund / amount (1.4 = the fund covers it by 140 %); `None` when the amount is zero.
    pub coverage: Option<Decimal>,
    /// `amount ≤ default fund`.
    pub covered: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverResult {
    /// Sum of every account's fund contribution.
    pub default_fund: Decimal,
    pub cover1: CoverFigure,
    /// Largest + second largest (EMIR Art. 43(2)).
    pub cover2: CoverFigure,
    /// EMIR Art. 42(3): the default fund must cover max(largest, second + third largest) member
    /// loss, within one scenario; `groups` are the member(s) that set it.
    pub emir_fund_minimum: CoverFigure,
    pub scenarios: Vec<ScenarioLosses>,
    /// "The fund (…) covers Cover-1 (…) by 140 %, Cover-2 (…) by 85 %."
    pub summary: String,
}

struct Member {
    collateral: Vec<Decimal>,
    positions: Vec<Pos>,
}

/// Run the Cover-1 / Cover-2 analysis. Its sentences name amounts in the scenario's own
/// currency (a EUR clearing house's fund is €166m, not $166m).
pub fn cover(s: &Scenario, input: &CoverInput) -> StressResult<CoverResult> {
    crate::engine::money::with_display_currency(&s.venue.quote, || cover_in_currency(s, input))
}

fn cover_in_currency(s: &Scenario, input: &CoverInput) -> StressResult<CoverResult> {
    let prepared = prepared(s)?;
    if input.scenarios.len() > super::MAX_STRESS_SCENARIOS {
        return Err(StressError::Input(format!(
            "cover.scenarios: {} is more than the {} one analysis evaluates",
            input.scenarios.len(),
            super::MAX_STRESS_SCENARIOS
        )));
    }
    // The book as the engine holds it at step 0: the listed and generated accounts, isolated
    // margins split, and the position the engine books for each instrument's `counterparty`
    // (issue 20: reading only the file's positions missed it and named the wrong member).
    let book = opening_book(&prepared).map_err(|e| match e {
        crate::engine::EngineError::Invalid { errors } => StressError::Input(errors.join("; ")),
        other => StressError::Engine(other.to_string()),
    })?;
    let n_inst = s.instruments.len();
    let has_options = s.instruments.iter().any(|i| i.option.is_some());
    let marks = if input.include_path || has_options { generate(s).map_err(|e| StressError::Input(e.to_string()))? } else { Vec::new() };
    // An option's step-0 price is its mark (its `price` path is not read); σ at step 0 is where
    // a stress's vol move starts.
    let p0: Vec<Decimal> = s
        .instruments
        .iter()
        .enumerate()
        .map(|(k, i)| match i.option {
            Some(_) => marks.get(k).and_then(|m| m.first()).copied().ok_or_else(|| StressError::Input(format!("`{}`: no step-0 mark", i.id))),
            None => round_to_tick(i.price.initial, i.tick_size).ok_or_else(|| StressError::Input(format!("`{}`: initial price overflows the tick grid", i.id))),
        })
        .collect::<Result<_, _>>()?;
    let sigma0: Vec<Decimal> = crate::scenario::option_path::vol_paths(s)
        .map_err(|e| StressError::Input(e.to_string()))?
        .iter()
        .map(|v| v.first().copied().unwrap_or_default())
        .collect();

    // Stress scenarios.
    let mut stresses: Vec<StressScenario> = input.scenarios.clone();
    if input.include_path {
        let shocks = s
            .instruments
            .iter()
            .enumerate()
            .filter(|(_, ins)| ins.option.is_none())
            .filter_map(|(i, ins)| {
                let last = marks.get(i)?.last().copied()?;
                let first = *p0.get(i)?;
                let change = last.checked_div(first)? - Decimal::ONE;
                Some(InstrumentShock { instrument: ins.id.clone(), change })
            })
            .collect();
        // The path's last σ against its first, for the options (their common move when one).
        let vol_change = sigma0
            .iter()
            .enumerate()
            .find(|(_, x)| !x.is_zero())
            .and_then(|(i, first)| crate::scenario::option_path::vol_path(s, i).ok()?.last()?.checked_div(*first).map(|r| r - Decimal::ONE))
            .unwrap_or_default();
        stresses.push(StressScenario { name: format!("scenario path at step {}", s.steps), shocks, vol_change });
    }
    if input.margin_grid.unwrap_or(true) {
        stresses.extend(margin_grid(s));
    }
    let gen = match (&input.generate, input.scenarios.is_empty()) {
        (Some(g), _) => Some(g.clone()),
        (None, true) => Some(GenerateShocks::default()),
        (None, false) => None,
    };
    if let Some(g) = gen {
        stresses.extend(generated(s, &g)?);
    }

    // Groups: index of each account's group.
    let index: HashMap<&str, usize> = book.iter().enumerate().map(|(i, (id, _, _))| (&**id, i)).collect();
    let mut group_of: Vec<Option<usize>> = vec![None; book.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (g, ids) in input.groups.iter().enumerate() {
        let mut members = Vec::new();
        for id in ids {
            let Some(&i) = index.get(id.as_str()) else {
                return Err(StressError::Input(format!("groups[{g}]: no account `{id}`")));
            };
            match group_of.get_mut(i) {
                Some(slot @ None) => *slot = Some(groups.len()),
                _ => return Err(StressError::Input(format!("groups[{g}]: account `{id}` is in more than one group"))),
            }
            members.push(i);
        }
        if !members.is_empty() {
            groups.push(members);
        }
    }
    for (i, slot) in group_of.iter_mut().enumerate() {
        if slot.is_none() {
            *slot = Some(groups.len());
            groups.push(vec![i]);
        }
    }
    let label = |g: &[usize]| -> (Vec<String>, String) {
        let ids: Vec<String> = g.iter().filter_map(|&i| book.get(i)).map(|(id, _, _)| id.to_string()).collect();
        let text = if ids.len() <= 3 { ids.join(" + ") } else { format!("{} + {} more", ids[..2].join(" + "), ids.len() - 2) }; // ok: len > 3
        (ids, text)
    };

    // The stressed prices are valued on a one-step market from the step-0 prices, without
    // funding (an instant stress has none).
    let mut flat = s.clone();
    flat.steps = 1;
    for ins in flat.instruments.iter_mut() {
        ins.funding_rate = Decimal::ZERO;
    }
    let members: Vec<Member> = book
        .iter()
        .map(|(_, snap, _)| Member {
            collateral: snap.collateral.to_vec(),
            // Funding accrued before step 0 is not part of an instant stress.
            positions: snap.positions.iter().map(|p| Pos { funding_entry: Decimal::ZERO, ..p.clone() }).collect(),
        })
        .collect();

    // Losses per scenario.
    let mut out_scenarios = Vec::with_capacity(stresses.len());
    let mut cover1 = CoverFigure { amount: Decimal::ZERO, scenario: None, groups: Vec::new(), coverage: None, covered: true };
    let mut cover2 = cover1.clone();
    let mut emir = cover1.clone();
    for st in &stresses {
        let mut change = vec![Decimal::ZERO; n_inst];
        for sh in &st.shocks {
            let i = s.instruments.iter().position(|x| x.id == sh.instrument).ok_or_else(|| {
                StressError::Input(format!("stress scenario `{}`: no instrument `{}`", st.name, sh.instrument))
            })?;
            if let Some(o) = s.instruments.get(i).and_then(|x| x.option.as_ref()) {
                return Err(StressError::Input(format!(
                    "stress scenario `{}`: `{}` is an option, which moves with its underlying `{}`: shock `{}`, and its σ with `vol_change`",
                    st.name, sh.instrument, o.on, o.on
                )));
            }
            if let Some(c) = change.get_mut(i) {
                *c = sh.change;
            }
        }
        let mut stressed = Vec::with_capacity(n_inst);
        for (i, ins) in s.instruments.iter().enumerate() {
            let base = p0.get(i).copied().unwrap_or_default();
            let c = change.get(i).copied().unwrap_or_default();
            let raw = Decimal::ONE.checked_add(c).and_then(|f| base.checked_mul(f)).ok_or_else(|| StressError::Input(format!("`{}`: stressed price overflows", st.name)))?;
            let price = round_to_tick(raw, ins.tick_size).ok_or_else(|| StressError::Input(format!("`{}`: stressed price overflows the tick grid", st.name)))?;
            stressed.push(price);
        }
        if has_options {
            stressed = instant_prices(s, &sigma0, stressed, st.vol_change).map_err(|e| StressError::Input(format!("stress scenario `{}`: {e}", st.name)))?;
        }
        let mut moves = Vec::with_capacity(n_inst);
        let mut marks = Vec::with_capacity(n_inst);
        for (i, ins) in s.instruments.iter().enumerate() {
            let base = p0.get(i).copied().unwrap_or_default();
            let price = stressed.get(i).copied().unwrap_or(base);
            // An option's move is its price's (it was not shocked itself).
            let c = match ins.option {
                Some(_) if !base.is_zero() => price.checked_div(base).map(|r| (r - Decimal::ONE).round_dp(8)).unwrap_or_default(),
                Some(_) => Decimal::ZERO,
                None => change.get(i).copied().unwrap_or_default(),
            };
            moves.push(InstrumentMove { instrument: ins.id.clone(), change: c, price });
            marks.push(vec![base, price]);
        }
        let vols = crate::scenario::option_path::vol_paths(&flat).map_err(|e| StressError::Input(e.to_string()))?;
        let mut m = Market::build(&flat, crate::scenario::price_path::Paths { marks, vols }).map_err(eng)?;
        // Each member under its own margin model (issue 18): the one-step market builds the same
        // models in the same order as the run's.
        m.account_pm = book.iter().map(|x| x.2).collect();
        let mut by_group = vec![Decimal::ZERO; groups.len()];
        for (i, mem) in members.iter().enumerate() {
            let loss = uncovered(&m, i, mem)?;
            if let Some(slot) = group_of.get(i).copied().flatten().and_then(|g| by_group.get_mut(g)) {
                *slot = slot.add_c(loss, "a group's loss beyond margin").map_err(eng)?;
            }
        }
        let mut order: Vec<usize> = (0..groups.len()).filter(|&g| by_group.get(g).is_some_and(|x| *x > Decimal::ZERO)).collect();
        order.sort_by(|a, b| by_group[*b].cmp(&by_group[*a]).then(a.cmp(b))); // ok: indices < len
        let gl = |g: usize| {
            let (accounts, label) = label(groups.get(g).map(|v| v.as_slice()).unwrap_or(&[]));
            GroupLoss { accounts, label, loss: by_group.get(g).copied().unwrap_or_default() }
        };
        let top: Vec<GroupLoss> = order.iter().take(5).map(|&g| gl(g)).collect();
        let c1 = top.first().map(|g| g.loss).unwrap_or_default();
        let c2 = sum_c(top.iter().take(2).map(|g| g.loss), "Cover-2").map_err(eng)?;
        if c1 > cover1.amount {
            cover1 = CoverFigure { amount: c1, scenario: Some(st.name.clone()), groups: top.iter().take(1).cloned().collect(), coverage: None, covered: true };
        }
        if c2 > cover2.amount {
            cover2 = CoverFigure { amount: c2, scenario: Some(st.name.clone()), groups: top.iter().take(2).cloned().collect(), coverage: None, covered: true };
        }
        // Art. 42(3): the larger of the largest and the second plus third (the largest on a tie).
        let second_third = sum_c(top.iter().skip(1).take(2).map(|g| g.loss), "the second and third largest losses").map_err(eng)?;
        let (e, setters): (Decimal, Vec<GroupLoss>) =
            if second_third > c1 { (second_third, top.iter().skip(1).take(2).cloned().collect()) } else { (c1, top.iter().take(1).cloned().collect()) };
        if e > emir.amount {
            emir = CoverFigure { amount: e, scenario: Some(st.name.clone()), groups: setters, coverage: None, covered: true };
        }
        let total_uncovered = sum_c(by_group.iter().copied(), "the total loss beyond margin").map_err(eng)?;
        out_scenarios.push(ScenarioLosses { name: st.name.clone(), moves, top, total_uncovered });
    }

    let fund: Decimal = book.iter().map(|(_, a, _)| a.contribution).sum();
    for c in [&mut cover1, &mut cover2, &mut emir] {
        c.coverage = if c.amount > Decimal::ZERO { fund.checked_div(c.amount).map(|r| r.round_dp(4)) } else { None };
        c.covered = c.amount <= fund;
    }
    let pct = |c: &CoverFigure| match c.coverage {
        Some(r) => format!("by {}", format_pct(r)),
        None => "fully (no loss beyond margin)".to_string(),
    };
    let summary = format!(
        "The default fund ({}) covers Cover-1 ({}) {}, Cover-2 ({}) {}, the EMIR Art. 42(3) minimum ({}) {}.",
        format_money(fund),
        format_money(cover1.amount),
        pct(&cover1),
        format_money(cover2.amount),
        pct(&cover2),
        format_money(emir.amount),
        pct(&emir)
    );
    Ok(CoverResult { default_fund: fund, cover1, cover2, emir_fund_minimum: emir, scenarios: out_scenarios, summary })
}

/// ±k·σ·√horizon per instrument (alone), plus all-up and all-down.
fn generated(s: &Scenario, g: &GenerateShocks) -> StressResult<Vec<StressScenario>> {
    let root = Decimal::from(g.horizon_steps.max(1)).sqrt().ok_or_else(|| StressError::Input("generate.horizon_steps: no square root".into()))?;
    let mut sizes = Vec::with_capacity(s.instruments.len());
    for ins in s.instruments.iter().filter(|i| i.option.is_none()) {
        let sigma = match &ins.price.gbm {
            Some(gbm) if ins.price.points.is_empty() && gbm.volatility > Decimal::ZERO => gbm.volatility,
            _ => g.sigma,
        };
        let x = g.k.checked_mul(sigma).and_then(|x| x.checked_mul(root)).ok_or_else(|| StressError::Input("generate: k·σ overflows".into()))?;
        sizes.push((ins.id.clone(), x.round_dp(8)));
    }
    let mut out = Vec::new();
    for (id, x) in &sizes {
        for (sign, word) in [(Decimal::ONE, "up"), (Decimal::NEGATIVE_ONE, "down")] {
            out.push(StressScenario {
                name: format!("{id} {word} {}", format_pct(*x)),
                shocks: vec![InstrumentShock { instrument: id.clone(), change: sign * *x }],
                ..Default::default()
            });
        }
    }
    if g.joint && sizes.len() > 1 {
        for (sign, word) in [(Decimal::ONE, "up"), (Decimal::NEGATIVE_ONE, "down")] {
            out.push(StressScenario {
                name: format!("all {word} {}σ", g.k.normalize()),
                shocks: sizes.iter().map(|(id, x)| InstrumentShock { instrument: id.clone(), change: sign * *x }).collect(),
                ..Default::default()
            });
        }
    }
    if s.instruments.iter().any(|i| i.option.is_some()) {
        // An options book also feels volatility: each price scenario with σ up and down, and
        // the vol moves alone.
        let vols = [(g.vol_up, "up"), (-g.vol_down, "down")];
        let priced = std::mem::take(&mut out);
        for (v, word) in vols {
            out.push(StressScenario { name: format!("vol {word} {}", format_pct(v.abs())), vol_change: v, ..Default::default() });
        }
        for st in priced {
            out.push(st.clone());
            for (v, word) in vols {
                out.push(StressScenario { name: format!("{}, vol {word} {}", st.name, format_pct(v.abs())), vol_change: v, ..st.clone() });
            }
        }
    }
    Ok(out)
}

/// The venue's margin grid as stresses (`venue.margin_model` `scenario_grid`, margin-models.md
/// §3): each price move of its regular table on every underlying at once, with σ unchanged, down
/// by `vol_down` and up by `vol_up` (relative; without the grid's term scaling of the vol move).
/// Other models add none.
fn margin_grid(s: &Scenario) -> Vec<StressScenario> {
    let Some(crate::scenario::MarginModelSpec::ScenarioGrid(g)) = &s.venue.margin_model else { return Vec::new() };
    let underlyings: Vec<&str> = s.instruments.iter().filter(|i| i.option.is_none()).map(|i| i.id.as_str()).collect();
    let b = i64::from(g.buckets.max(1));
    let mut out = Vec::new();
    for k in -b..=b {
        let mv = (g.price_range * Decimal::from(k) / Decimal::from(b)).round_dp(8);
        for (v, word) in [(Decimal::ZERO, "unchanged"), (-g.vol_down, "down"), (g.vol_up, "up")] {
            let sign = if mv > Decimal::ZERO { "+" } else if mv < Decimal::ZERO { "\u{2212}" } else { "±" };
            out.push(StressScenario {
                name: format!("margin grid: price {sign}{}, vol {word}", format_pct(mv.abs())),
                shocks: underlyings.iter().map(|id| InstrumentShock { instrument: id.to_string(), change: mv }).collect(),
                vol_change: v,
            });
        }
    }
    out
}

/// Source: PFMI Principle 4 (stress tests revalue positions under stressed prices and volatilities) with the engine's option marks (Black-76, margin-models.md §1).
/// Every instrument's price under a stress: a future at `stressed` (its stressed price); an option
/// re-marked from its underlying's stressed price and σ₀ × (1 + `vol_change`) with its time to
/// expiry at step 0 (an instant stress: no time passes), on its tick, in its premium unit — the
/// engine's own marking (`option_path::apply`) on a one-step path.
fn instant_prices(s: &Scenario, sigma0: &[Decimal], stressed: Vec<Decimal>, vol_change: Decimal) -> Result<Vec<Decimal>, String> {
    if vol_change <= Decimal::NEGATIVE_ONE {
        return Err(format!("vol_change {vol_change} would take σ to zero or below (it must be above −1)"));
    }
    let mut at = Scenario { steps: 0, seed: s.seed, instruments: s.instruments.clone(), ..Default::default() };
    for (i, ins) in at.instruments.iter_mut().enumerate() {
        if let Some(o) = ins.option.as_mut() {
            let s0 = sigma0.get(i).copied().unwrap_or_default();
            let s1 = s0.checked_mul(Decimal::ONE + vol_change).ok_or_else(|| format!("`{}`: σ × (1 + vol_change) overflows", ins.id))?;
            o.volatility = crate::scenario::PricePath { initial: s1, ..Default::default() };
        }
    }
    let mut marks: Vec<Vec<Decimal>> = stressed.into_iter().map(|p| vec![p]).collect();
    crate::scenario::option_path::apply(&at, &mut marks).map_err(|e| e.to_string())?;
    Ok(marks.iter().map(|m| m.first().copied().unwrap_or_default()).collect())
}

/// An account's loss beyond its margin at step 1 of `m` (the stressed prices): the engine's
/// split by margin group (`account::uncovered_by_margin`), an overflow an error.
fn uncovered(m: &Market, a: usize, mem: &Member) -> StressResult<Decimal> {
    uncovered_by_margin(m, m.pm(a), &mem.collateral, &mem.positions, 1).map_err(eng)
}

fn eng(e: crate::engine::EngineError) -> StressError {
    StressError::Engine(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::scenario::{AccountSpec, Instrument, PositionSpec, PricePath};

    /// Four members on one linear future at 100 (tick 0.01), 10 % down:
    /// - A long 1,000, cash 5,000: PnL −10,000 → 5,000 beyond margin;
    /// - B long 500, cash 2,000: −5,000 → 3,000;
    /// - C long 300, cash 1,000: −3,000 → 2,000;
    /// - D short 1,800, cash 10,000: +18,000 → 0.
    ///
    /// Fund = 1,000 + 2,000 + 2,000 + 2,000 = 7,000.
    /// Cover-1 = 5,000 (140 %), Cover-2 = 8,000 (87.5 %); with A and C affiliated, Cover-1 =
    /// 7,000 (100 %), Cover-2 = 10,000 (70 %).
    fn four() -> Scenario {
        let acct = |id: &str, size: &str, cash: &str, fund: &str| AccountSpec {
            id: id.into(),
            cash: d(cash),
            fund_contribution: d(fund),
            positions: vec![PositionSpec { instrument: "F".into(), size: d(size), ..Default::default() }],
            ..Default::default()
        };
        Scenario {
            steps: 2,
            instruments: vec![Instrument { id: "F".into(), price: PricePath { initial: d("100"), ..Default::default() }, ..Default::default() }],
            accounts: vec![
                acct("A", "1000", "5000", "1000"),
                acct("B", "500", "2000", "2000"),
                acct("C", "300", "1000", "2000"),
                acct("D", "-1800", "10000", "2000"),
            ],
            ..Default::default()
        }
    }

    fn down10() -> CoverInput {
        CoverInput {
            scenarios: vec![StressScenario { name: "F −10 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("-0.1") }], ..Default::default() }],
            include_path: false,
            ..Default::default()
        }
    }

    #[test]
    fn hand_checked_cover1_cover2() {
        let r = cover(&four(), &down10()).unwrap();
        assert_eq!(r.default_fund, d("7000"));
        assert_eq!(r.cover1.amount, d("5000"));
        assert_eq!(r.cover1.groups[0].accounts, vec!["A"]);
        assert_eq!(r.cover1.coverage, Some(d("1.4")));
        assert!(r.cover1.covered);
        assert_eq!(r.cover2.amount, d("8000"));
        assert_eq!(r.cover2.coverage, Some(d("0.875")));
        assert!(!r.cover2.covered);
        assert_eq!(r.scenarios[0].total_uncovered, d("10000"));
        assert_eq!(r.scenarios[0].moves[0].price, d("90"));
        assert!(r.summary.contains("by 140%"), "{}", r.summary);
        assert!(r.summary.contains("by 87.5%"), "{}", r.summary);
    }

    #[test]
    fn affiliated_accounts_count_as_one() {
        let mut input = down10();
        input.groups = vec![vec!["A".into(), "C".into()]];
        let r = cover(&four(), &input).unwrap();
        assert_eq!(r.cover1.amount, d("7000"));
        assert_eq!(r.cover1.groups[0].accounts, vec!["A", "C"]);
        assert_eq!(r.cover1.coverage, Some(d("1")));
        assert_eq!(r.cover2.amount, d("10000"));
        assert_eq!(r.cover2.coverage, Some(d("0.7")));
    }

    #[test]
    fn worst_scenario_sets_each_cover_and_up_moves_hit_shorts() {
        let mut input = down10();
        // Up 20 %: D loses 36,000 − 10,000 = 26,000 beyond margin; longs gain.
        input.scenarios.push(StressScenario { name: "F +20 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("0.2") }], ..Default::default() });
        let r = cover(&four(), &input).unwrap();
        assert_eq!(r.cover1.amount, d("26000"));
        assert_eq!(r.cover1.scenario.as_deref(), Some("F +20 %"));
        assert_eq!(r.cover2.amount, d("26000"));
        assert_eq!(r.cover1.coverage, Some((d("7000") / d("26000")).round_dp(4)));
    }

    #[test]
    fn isolated_margin_limits_what_cross_cash_covers() {
        let mut s = four();
        // A: isolated 1,000 on its position, 4,000 left as cash: a −10 % move loses 10,000 → 9,000
        // beyond the isolated margin (its cross cash does not cover an isolated position).
        s.accounts[0].cash = d("4000");
        s.accounts[0].positions[0].isolated_margin = Some(d("1000"));
        let r = cover(&s, &down10()).unwrap();
        assert_eq!(r.cover1.amount, d("9000"));
    }

    /// Cover and the engine split an isolated account the same way (one function,
    /// `account::uncovered_by_margin`): A (isolated 1,000, cash 4,000, long 1,000 at 100) after
    /// −10 % loses 10,000 on its isolated position → 9,000 beyond its isolated margin; the
    /// engine, the price moving −10 % at step 1 (no slippage), liquidates that position alone
    /// with a deficit of 9,000 and leaves A's 4,000 of cash untouched.
    #[test]
    fn cover_and_engine_agree_on_an_isolated_account() {
        let mut s = four();
        s.accounts[0].cash = d("4000");
        s.accounts[0].positions[0].isolated_margin = Some(d("1000"));
        // Requirements low enough that nobody is liquidated before the move (A's 1,000 isolated
        // on 100,000 of notional is 1 %, above 0.5 % maintenance).
        s.instruments[0].margin = crate::scenario::MarginSpec { initial: d("0.01"), maintenance: d("0.005"), tiers: Vec::new() };
        let cover_a = cover(&s, &down10()).unwrap();
        let a = cover_a.scenarios[0].top.iter().find(|g| g.accounts == ["A"]).map(|g| g.loss);
        assert_eq!(a, Some(d("9000")));
        s.instruments[0].price.shocks = vec![crate::scenario::Shock { step: 1, change: d("-0.1") }];
        let t = crate::engine::simulate(&s).unwrap();
        let deficits: Vec<(Option<usize>, Decimal)> = t
            .events
            .iter()
            .filter_map(|e| match e.msg {
                crate::engine::timeline::Msg::BeyondBankruptcy { deficit, .. } => Some((e.account, deficit)),
                _ => None,
            })
            .collect();
        assert!(deficits.contains(&(Some(0), d("9000"))), "{deficits:?} {:?}", t.events.iter().map(|e| e.text()).collect::<Vec<_>>());
        let isolated = t.events.iter().any(|e| matches!(e.msg, crate::engine::timeline::Msg::Liquidated { basis, .. } if e.account == Some(0) && basis.isolated == Some(d("1000"))));
        assert!(isolated);
        assert_eq!(t.snapshot_at(0, s.steps).map(|x| x.collateral[0]), Some(d("4000")));
    }

    #[test]
    fn generated_shocks_and_errors() {
        let s = four();
        let r = cover(&s, &CoverInput { include_path: false, ..Default::default() }).unwrap();
        // k = 3, σ = 5 % → ±15 %. Down 15 %: A 10,000, B 5,500, C 3,500 beyond margin.
        // Up 15 %: D loses 27,000 on 10,000 of cash → 17,000; nobody else loses.
        // Cover-1 = 17,000 (D, up). Cover-2 is taken within one scenario: up gives 17,000 (D
        // alone), down gives 10,000 + 5,500 = 15,500 → Cover-2 = 17,000, not 17,000 + 10,000.
        assert_eq!(r.scenarios.len(), 2);
        assert_eq!(r.scenarios[1].top.iter().map(|g| g.loss).collect::<Vec<_>>(), vec![d("10000"), d("5500"), d("3500")]);
        assert_eq!(r.cover1.amount, d("17000"));
        assert_eq!(r.cover1.groups[0].accounts, vec!["D"]);
        assert_eq!(r.cover2.amount, d("17000"));
        assert_eq!(r.cover2.scenario.as_deref(), Some("F up 15%"));
        let bad = CoverInput { groups: vec![vec!["A".into()], vec!["A".into()]], ..down10() };
        assert!(matches!(cover(&s, &bad), Err(StressError::Input(_))));
        let bad = CoverInput { groups: vec![vec!["Z".into()]], ..down10() };
        assert!(matches!(cover(&s, &bad), Err(StressError::Input(_))));
    }

    /// Issue 20: the engine books the other side of an open-interest imbalance for the
    /// instrument's `counterparty`; Cover must value it. F at 100 (margin 10 %/5 %, no fee):
    /// A long 1,000 (cash 50,000), B short 200 (cash 1,500), so `mm` (cash 5,000, no listed
    /// position) holds short 800 at 100. Up 10 %: mm loses 8,000 on 5,000 → 3,000 beyond margin;
    /// B loses 2,000 on 1,500 → 500. Cover-1 = mm's 3,000 (reading only the file's positions
    /// gave B's 500), Cover-2 = 3,500, and the engine, shocked the same way at step 1, finds the
    /// same 3,500 of bad debt (loss beyond the defaulters' margin).
    #[test]
    fn cover_values_the_counterpartys_booked_position() {
        let acct = |id: &str, size: Option<&str>, cash: &str| AccountSpec {
            id: id.into(),
            cash: d(cash),
            positions: size.map(|z| vec![PositionSpec { instrument: "F".into(), size: d(z), ..Default::default() }]).unwrap_or_default(),
            ..Default::default()
        };
        let mut s = Scenario {
            steps: 2,
            instruments: vec![Instrument {
                id: "F".into(),
                counterparty: Some("mm".into()),
                price: PricePath { initial: d("100"), ..Default::default() },
                ..Default::default()
            }],
            accounts: vec![acct("A", Some("1000"), "50000"), acct("B", Some("-200"), "1500"), acct("mm", None, "5000")],
            ..Default::default()
        };
        s.venue.liquidation_fee = Decimal::ZERO;
        let up = CoverInput {
            scenarios: vec![StressScenario { name: "F +10 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("0.1") }], ..Default::default() }],
            include_path: false,
            ..Default::default()
        };
        let r = cover(&s, &up).unwrap();
        assert_eq!(r.cover1.amount, d("3000"));
        assert_eq!(r.cover1.groups[0].accounts, vec!["mm"]);
        assert_eq!(r.cover2.amount, d("3500"));
        assert_eq!(r.scenarios[0].total_uncovered, d("3500"));
        // The engine under the same move at step 1.
        s.instruments[0].price.shocks = vec![crate::scenario::Shock { step: 1, change: d("0.1") }];
        let t = crate::engine::simulate(&s).unwrap();
        assert_eq!(t.summary.bad_debt, d("3500"));
    }

    /// EMIR Art. 42(3) beside Cover-2 (Art. 43(2)). Down 10 %: A (cash 6,000) 4,000 beyond
    /// margin, B 3,000, C 2,000 → max(4,000, 3,000 + 2,000) = 5,000, set by B and C; Cover-2 =
    /// 7,000. With A and C affiliated: 6,000 and 3,000 → 6,000, set by A + C alone.
    #[test]
    fn emir_fund_minimum_is_the_larger_of_the_largest_and_the_next_two() {
        let mut s = four();
        s.accounts[0].cash = d("6000");
        let r = cover(&s, &down10()).unwrap();
        assert_eq!(r.cover1.amount, d("4000"));
        assert_eq!(r.cover2.amount, d("7000"));
        assert_eq!(r.emir_fund_minimum.amount, d("5000"));
        assert_eq!(r.emir_fund_minimum.groups.iter().map(|g| g.label.as_str()).collect::<Vec<_>>(), vec!["B", "C"]);
        assert_eq!(r.emir_fund_minimum.coverage, Some(d("1.4")));
        assert!(r.summary.contains("EMIR Art. 42(3) minimum"), "{}", r.summary);
        let mut input = down10();
        input.groups = vec![vec!["A".into(), "C".into()]];
        let r = cover(&s, &input).unwrap();
        assert_eq!(r.emir_fund_minimum.amount, d("6000"));
        assert_eq!(r.emir_fund_minimum.groups[0].accounts, vec!["A", "C"]);
        // The hand-checked book: A 5,000 against B + C 5,000: the largest alone on a tie.
        let r = cover(&four(), &down10()).unwrap();
        assert_eq!(r.emir_fund_minimum.amount, d("5000"));
        assert_eq!(r.emir_fund_minimum.groups[0].accounts, vec!["A"]);
    }

    #[test]
    fn nasdaq_preset_path() {
        // The preset's own path (−17 %): the individual member loses 170m on 10m × 100 against
        // 56m of collateral: 114m beyond margin, against a 166m fund (145.6 %).
        let s = preset("reaches-default-fund");
        let r = cover(&s, &CoverInput { scenarios: vec![], generate: None, include_path: true, groups: vec![], margin_grid: None }).unwrap();
        let path = r.scenarios.iter().find(|x| x.name.starts_with("scenario path")).unwrap();
        assert_eq!(path.top[0].accounts, vec!["aas"]);
        assert_eq!(path.top[0].loss, d("114000000"));
        assert_eq!(r.default_fund, d("166000000"));
    }

    /// A call on a future, σ at the smallest the format keeps, so the call is worth its intrinsic
    /// value F − K (Black-76 with rate 0 and σ → 0), on a 0.01 tick:
    /// - F = 100, K = 90: the call is 10.00; A bought 100 at 10 (cash 500), B sold them (cash 10,000).
    /// - F −20 % → 80: the call is out of the money and worth 0 (an option's mark may be 0).
    ///   A's P&L = 100 × (0 − 10) = −1,000; beyond its 500: **500**.
    /// - B gains 1,000: nothing beyond margin. Cover-1 = 500 (A).
    /// Before issue 18 item 5 the option kept its step-0 price under every underlying move (A: 0).
    fn call_book(grid: bool) -> Scenario {
        let model = if grid { r#","margin_model":{"kind":"scenario_grid","buckets":2,"price_range":"0.2","vol_up":"0.5","vol_down":"0.25"}"# } else { "" };
        crate::scenario::from_json(&format!(
            r#"{{"version":1,"steps":10,"venue":{{"style":"exchange"{model}}},
            "instruments":[{{"id":"F","tick_size":"0.01","lot_size":"1","price":{{"initial":"100"}}}},
              {{"id":"C","tick_size":"0.01","lot_size":"1","expiry":{{"step":10}},
                "option":{{"on":"F","kind":"call","strike":"90","days_per_step":"1","volatility":{{"initial":"0.0001"}}}}}}],
            "accounts":[{{"id":"A","cash":"500","positions":[{{"instrument":"C","size":"100"}}]}},
                        {{"id":"B","cash":"10000","positions":[{{"instrument":"C","size":"-100"}}]}}]}}"#
        ))
        .expect("scenario")
    }

    #[test]
    fn options_are_revalued_from_their_underlying() {
        let input = CoverInput {
            scenarios: vec![StressScenario { name: "F −20 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("-0.2") }], ..Default::default() }],
            include_path: false,
            ..Default::default()
        };
        let r = cover(&call_book(false), &input).unwrap();
        let st = &r.scenarios[0];
        let call = st.moves.iter().find(|m| m.instrument == "C").unwrap();
        assert_eq!(call.price, d("0"));
        assert_eq!(call.change, d("-1"));
        assert_eq!(st.top.len(), 1);
        assert_eq!(st.top[0].accounts, vec!["A"]);
        assert_eq!(st.top[0].loss, d("500"));
        assert_eq!(r.cover1.amount, d("500"));
        // An option is not shocked itself: the error names it and its underlying.
        let bad = CoverInput {
            scenarios: vec![StressScenario { name: "x".into(), shocks: vec![InstrumentShock { instrument: "C".into(), change: d("0.1") }], ..Default::default() }],
            include_path: false,
            ..Default::default()
        };
        let e = cover(&call_book(false), &bad).unwrap_err().to_string();
        assert!(e.contains("`C` is an option") && e.contains("`F`"), "{e}");
    }

    /// A vol move re-marks an option as the engine marks one with that σ: the stressed price is the
    /// engine's step-0 mark of the same option with σ₀ × (1 + vol_change).
    #[test]
    fn a_vol_shock_marks_options_as_the_engine_does() {
        let mut s = call_book(false);
        if let Some(o) = s.instruments[1].option.as_mut() {
            o.volatility.initial = d("0.8");
            o.strike = d("100");
        }
        let input = CoverInput {
            scenarios: vec![StressScenario { name: "vol up 50 %".into(), vol_change: d("0.5"), ..Default::default() }],
            include_path: false,
            ..Default::default()
        };
        let r = cover(&s, &input).unwrap();
        let mut up = s.clone();
        if let Some(o) = up.instruments[1].option.as_mut() {
            o.volatility.initial = d("1.2");
        }
        let engine_mark = crate::scenario::price_path::generate(&up).unwrap()[1][0];
        let before = crate::scenario::price_path::generate(&s).unwrap()[1][0];
        let call = r.scenarios[0].moves.iter().find(|m| m.instrument == "C").unwrap();
        assert_eq!(call.price, engine_mark);
        assert!(engine_mark > before, "{engine_mark} > {before}");
        // ATM, T = 10/365, σ 1.2: F·(2N(σ√T/2) − 1) = 100 × (2N(0.0993) − 1) = 100 × 0.0791 ≈ 7.91.
        assert!((call.price - d("7.91")).abs() <= d("0.01"), "{}", call.price);
    }

    /// The venue's scenario grid (2 buckets a side of ±20 %, × vol unchanged / down / up) joins
    /// the stresses: 5 × 3 = 15, and the −20 % ones give A's 500 (σ too small to matter).
    #[test]
    fn the_margin_grid_is_a_stress_set() {
        let input = CoverInput { include_path: false, generate: None, scenarios: vec![StressScenario { name: "none".into(), ..Default::default() }], ..Default::default() };
        let r = cover(&call_book(true), &input).unwrap();
        let grid: Vec<&ScenarioLosses> = r.scenarios.iter().filter(|x| x.name.starts_with("margin grid")).collect();
        assert_eq!(grid.len(), 15);
        assert!(grid.iter().any(|x| x.name == "margin grid: price \u{2212}20%, vol up"), "{:?}", grid.iter().map(|x| &x.name).collect::<Vec<_>>());
        assert_eq!(r.cover1.amount, d("500"));
        assert!(r.cover1.scenario.as_deref().unwrap_or("").starts_with("margin grid: price \u{2212}20%"));
        // Off when asked, and absent without a grid model.
        let off = cover(&call_book(true), &CoverInput { margin_grid: Some(false), ..input.clone() }).unwrap();
        assert!(off.scenarios.iter().all(|x| !x.name.starts_with("margin grid")));
        let none = cover(&call_book(false), &input).unwrap();
        assert!(none.scenarios.iter().all(|x| !x.name.starts_with("margin grid")));
    }

    /// Generated stresses of an options book: the underlying's ±kσ, each also with vol up and
    /// down, and the two vol moves alone; options are not shocked themselves.
    #[test]
    fn generated_stresses_of_an_options_book_move_vol_too() {
        let r = cover(&call_book(false), &CoverInput { include_path: false, ..Default::default() }).unwrap();
        let names: Vec<&str> = r.scenarios.iter().map(|x| x.name.as_str()).collect();
        assert!(names.contains(&"vol up 50%") && names.contains(&"vol down 25%"), "{names:?}");
        assert!(names.iter().any(|n| n.starts_with("F down") && n.ends_with("vol up 50%")), "{names:?}");
        assert!(names.iter().all(|n| !n.starts_with("C ")), "{names:?}");
    }
}
