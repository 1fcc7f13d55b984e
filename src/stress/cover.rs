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
use crate::scenario::price_path::{generate, round_to_tick};
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

/// A named stress scenario: instruments not listed stay at their step-0 price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StressScenario {
    pub name: String,
    pub shocks: Vec<InstrumentShock>,
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
}

impl Default for GenerateShocks {
    fn default() -> Self {
        GenerateShocks { k: Decimal::from(3), sigma: Decimal::new(5, 2), horizon_steps: 1, joint: true }
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
}

impl Default for CoverInput {
    fn default() -> Self {
        CoverInput { scenarios: Vec::new(), generate: None, include_path: true, groups: Vec::new() }
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
    let p0: Vec<Decimal> = s
        .instruments
        .iter()
        .map(|i| round_to_tick(i.price.initial, i.tick_size).ok_or_else(|| StressError::Input(format!("`{}`: initial price overflows the tick grid", i.id))))
        .collect::<Result<_, _>>()?;

    // Stress scenarios.
    let mut stresses: Vec<StressScenario> = input.scenarios.clone();
    if input.include_path {
        let marks = generate(s).map_err(|e| StressError::Input(e.to_string()))?;
        let shocks = s
            .instruments
            .iter()
            .enumerate()
            .filter_map(|(i, ins)| {
                let last = marks.get(i)?.last().copied()?;
                let first = *p0.get(i)?;
                let change = last.checked_div(first)? - Decimal::ONE;
                Some(InstrumentShock { instrument: ins.id.clone(), change })
            })
            .collect();
        stresses.push(StressScenario { name: format!("scenario path at step {}", s.steps), shocks });
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
    let index: HashMap<&str, usize> = book.iter().enumerate().map(|(i, (id, _))| (&**id, i)).collect();
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
        let ids: Vec<String> = g.iter().filter_map(|&i| book.get(i)).map(|(id, _)| id.to_string()).collect();
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
        .map(|(_, snap)| Member {
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
            if let Some(c) = change.get_mut(i) {
                *c = sh.change;
            }
        }
        let mut moves = Vec::with_capacity(n_inst);
        let mut marks = Vec::with_capacity(n_inst);
        for (i, ins) in s.instruments.iter().enumerate() {
            let base = p0.get(i).copied().unwrap_or_default();
            let c = change.get(i).copied().unwrap_or_default();
            let raw = Decimal::ONE.checked_add(c).and_then(|f| base.checked_mul(f)).ok_or_else(|| StressError::Input(format!("`{}`: stressed price overflows", st.name)))?;
            let price = round_to_tick(raw, ins.tick_size).ok_or_else(|| StressError::Input(format!("`{}`: stressed price overflows the tick grid", st.name)))?;
            moves.push(InstrumentMove { instrument: ins.id.clone(), change: c, price });
            marks.push(vec![base, price]);
        }
        let vols = crate::scenario::option_path::vol_paths(&flat).map_err(|e| StressError::Input(e.to_string()))?;
        let m = Market::build(&flat, crate::scenario::price_path::Paths { marks, vols, last: Vec::new() }).map_err(eng)?;
        let mut by_group = vec![Decimal::ZERO; groups.len()];
        for (i, mem) in members.iter().enumerate() {
            let loss = uncovered(&m, mem)?;
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

    let fund: Decimal = book.iter().map(|(_, a)| a.contribution).sum();
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
    for ins in &s.instruments {
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
            });
        }
    }
    if g.joint && sizes.len() > 1 {
        for (sign, word) in [(Decimal::ONE, "up"), (Decimal::NEGATIVE_ONE, "down")] {
            out.push(StressScenario {
                name: format!("all {word} {}σ", g.k.normalize()),
                shocks: sizes.iter().map(|(id, x)| InstrumentShock { instrument: id.clone(), change: sign * *x }).collect(),
            });
        }
    }
    Ok(out)
}

/// An account's loss beyond its margin at step 1 of `m` (the stressed prices): the engine's
/// split by margin group (`account::uncovered_by_margin`), an overflow an error.
fn uncovered(m: &Market, mem: &Member) -> StressResult<Decimal> {
    uncovered_by_margin(m, &mem.collateral, &mem.positions, 1).map_err(eng)
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
            scenarios: vec![StressScenario { name: "F −10 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("-0.1") }] }],
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
        input.scenarios.push(StressScenario { name: "F +20 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("0.2") }] });
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
            scenarios: vec![StressScenario { name: "F +10 %".into(), shocks: vec![InstrumentShock { instrument: "F".into(), change: d("0.1") }] }],
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
        let r = cover(&s, &CoverInput { scenarios: vec![], generate: None, include_path: true, groups: vec![] }).unwrap();
        let path = r.scenarios.iter().find(|x| x.name.starts_with("scenario path")).unwrap();
        assert_eq!(path.top[0].accounts, vec!["aas"]);
        assert_eq!(path.top[0].loss, d("114000000"));
        assert_eq!(r.default_fund, d("166000000"));
    }
}
