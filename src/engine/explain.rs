//! "Why me?" (issue 15): an account's story from a finished run — its position, margin,
//! liquidation and bankruptcy prices against the mark step by step, and every loss it took with
//! the figures that produced it: an ADL fill's place in the ranking, its score and the PnL % and
//! leverage behind it; a pro-rata share's base, the total base, the rate and the result; an
//! assessment's contribution × multiple and the cap.
//!
//! Every figure is one the engine recorded while it ran (the events' figures, and the pro-rata
//! splits recorded by [`Splits`]) or a price solved from the account's recorded state: the page
//! formats them and computes no money. Each explanation's `amount` is exactly what the account
//! lost by it, so the explanations of an account add up to its loss to the waterfall.

use super::account::{valuate, Status};
use super::margin::{bankruptcy_price_linear, liquidation_price_linear_tiered};
use super::money::{to_money, Checked, EngineResult};
use super::packed::{StepRecords, Writer};
use super::timeline::{AdlFigures, Msg, Timeline};
use crate::scenario::ContractKind;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// The rule a pro-rata split followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SplitRule {
    /// Base: each surviving member's default-fund contribution.
    SurvivorsFund,
    /// Base: what each member can still be assessed (cap multiple × contribution − assessed).
    Assessment,
    /// Base: each surviving account's profit since step 0 (a clawback).
    SocializedLoss,
    /// Base: each account's variation-margin gain of the step; the rate is the haircut h.
    VmHaircut,
    /// Base: each terminated position's open gain.
    TearUp,
    /// Base: each open position's size (as its notional at the mark): Drift's per-unit Δ.
    PerUnit,
}

impl SplitRule {
    /// What the base of a share is, in words.
    pub fn base_name(self) -> &'static str {
        match self {
            SplitRule::SurvivorsFund => "its default-fund contribution",
            SplitRule::Assessment => "what it could still be assessed",
            SplitRule::SocializedLoss => "its profit since the start",
            SplitRule::VmHaircut => "its variation-margin gain this step",
            SplitRule::TearUp => "the open gain of its terminated position",
            SplitRule::PerUnit => "the size of its open position (at the mark)",
        }
    }

    /// The rule, as text a reader sees (not a tooltip).
    pub fn rule_text(self) -> &'static str {
        match self {
            SplitRule::SurvivorsFund => "The loss left is shared over the surviving members' default-fund contributions, in proportion to each contribution (share = loss × contribution ÷ all contributions, rounded down to 8 places; the rounding dust is the venue's).",
            SplitRule::Assessment => "Each surviving member is called in proportion to what it can still be assessed: its cap (cap multiple × its contribution) less what it has already paid. A member that cannot pay its call defaults in turn.",
            SplitRule::SocializedLoss => "A clawback: the step's loss is taken from every surviving account in profit, in proportion to its profit since the start (one rate for all: loss ÷ all profits).",
            SplitRule::VmHaircut => "Variation-margin gains haircut: the step's loss is cut from the accounts whose variation margin gained this step, at one rate h = loss ÷ all gains (at most 100%).",
            SplitRule::TearUp => "Tear-up: positions opposite the defaulter's are terminated at the mark, and their open gains are forfeited in proportion to each gain, up to the loss.",
            SplitRule::PerUnit => "Drift's socialization: no position is closed; the loss is charged to every open position of the contract, long or short, at one amount per contract (Δ = loss ÷ all contracts open), through its funding.",
        }
    }
}

/// One pro-rata split as the engine made it.
#[derive(Clone, Debug, PartialEq)]
struct SplitHead {
    layer: Option<usize>,
    rule: SplitRule,
    /// The defaulter whose loss was split; `None` for a step's one split of several losses.
    defaulter: Option<usize>,
    /// The amount split (the loss met, at most `total`).
    take: Decimal,
    /// The sum of the bases.
    total: Decimal,
    payers: usize,
    /// An assessment's cap multiple.
    multiple: Option<Decimal>,
}

/// The pro-rata splits of a run, recorded by the engine as it makes them: each split's totals,
/// and one packed record per payer (its base and its share), ~12 bytes a payer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Splits {
    heads: Vec<(u32, SplitHead)>,
    /// (split index, account, base, share) per payer, in step order.
    payers: StepRecords,
}

impl Splits {
    /// Record a split: `bases` as given to `waterfall::pro_rata`, `shares` what it returned.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &mut self,
        step: u32,
        layer: Option<usize>,
        rule: SplitRule,
        defaulter: Option<usize>,
        take: Decimal,
        total: Decimal,
        multiple: Option<Decimal>,
        bases: &[(usize, Decimal)],
        shares: &[(usize, Decimal)],
    ) {
        let k = self.heads.len() as u64;
        let mut b = bases.iter();
        for &(i, share) in shares {
            // `shares` is `bases` in order, without the zero shares.
            let base = b.find(|x| x.0 == i).map(|x| x.1).unwrap_or_default();
            let mut w = Writer::new();
            w.u64(k);
            w.u64(i as u64);
            w.dec(base);
            w.dec(share);
            self.payers.push(step, w.bytes());
        }
        self.heads.push((step, SplitHead { layer, rule, defaulter, take, total, payers: shares.len(), multiple }));
    }

    pub(crate) fn seal(&mut self) {
        self.heads.shrink_to_fit();
        self.payers.shrink_to_fit();
    }

    /// Every share `account` paid: (step, split, base, share), in order.
    fn of(&self, account: usize) -> Vec<(u32, &SplitHead, Decimal, Decimal)> {
        let mut out = Vec::new();
        for (step, mut r) in self.payers.iter() {
            let (k, i) = (r.u64() as usize, r.u64() as usize);
            if i != account {
                continue;
            }
            let (base, share) = (r.dec(), r.dec());
            if let Some((_, h)) = self.heads.get(k) {
                out.push((step, h, base, share));
            }
        }
        out
    }
}

/// One ADL fill against the account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AdlFill {
    /// How the venue ranked the queue (`venue.adl`): the score is that rule's.
    pub rule: crate::scenario::AdlRule,
    pub step: u32,
    /// The bankrupt account the fill closed against.
    pub toward: String,
    pub instrument: String,
    /// The account's place in the step's ranking (1 = first) and how many were ranked.
    pub place: usize,
    pub ranked: usize,
    pub score: Decimal,
    /// As a fraction (0.25 = 25 %).
    pub pnl_pct: Decimal,
    pub leverage: Decimal,
    /// Contracts closed.
    pub quantity: Decimal,
    /// The mark the position closed at.
    pub mark: Decimal,
    /// The bankrupt position's bad debt per contract: what each contract taken pays.
    pub per_unit: Decimal,
    /// The bankruptcy price the fill amounts to (mark ± bad debt per contract ÷ contract size),
    /// for a linear contract; `None` for an inverse one.
    pub price: Option<Decimal>,
    /// quantity × bad debt per contract, rounded down to 8 places.
    pub quantity_times_per_unit: Decimal,
    /// What the fill cost the account.
    pub charge: Decimal,
    /// The fill completed the quantity needed and paid exactly what was left of the loss
    /// (`charge` may then differ from `quantity_times_per_unit` by the rounding).
    pub paid_the_rest: bool,
}

/// The figures of a pro-rata share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareFigures {
    pub rule: SplitRule,
    /// The account's base (contribution, profit, gain, assessable amount).
    pub base: Decimal,
    /// All payers' bases.
    pub total: Decimal,
    /// How many shared.
    pub payers: usize,
    /// The amount split.
    pub take: Decimal,
    /// take ÷ total (for a VM haircut: h).
    pub rate: Decimal,
    /// take × base ÷ total, rounded down to 8 places (never above the base): the share.
    pub share: Decimal,
    /// For an assessment: the contribution, the cap multiple, the cap and what was paid before.
    pub assessment: Option<AssessmentFigures>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssessmentFigures {
    pub contribution: Decimal,
    pub multiple: Decimal,
    /// multiple × contribution.
    pub cap: Decimal,
    /// Assessed in earlier calls (cap − base).
    pub assessed_before: Decimal,
    /// The share called, and what the member could pay of it (the loss).
    pub called: Decimal,
    pub paid: Decimal,
    /// called − paid: what it could not pay (it defaults in turn).
    pub short: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Why {
    /// A defaulter's own margin absorbed its loss first.
    OwnMargin,
    /// A defaulter's own default-fund contribution.
    OwnFundContribution,
    /// Auto-deleveraged: every fill, summed.
    Adl { fills: Vec<AdlFill>, quantity: Decimal },
    Share(ShareFigures),
    /// An LP vault took the loss that reached it, up to its equity.
    Vault,
    /// Another venue's loss passed on to this account (not a loss to this venue's waterfall).
    Contagion { from: String, source: &'static str },
    /// Set-off: the account failed `owed` of an assessment and defaulted; `margin` came from the
    /// surplus its close-out left, `fund` from its fund contribution (issue 19).
    SetOff { owed: Decimal, margin: Decimal, fund: Decimal },
}

/// One loss of an account and the arithmetic behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LossExplanation {
    /// The step of the loss (the first fill for ADL).
    pub step: u32,
    pub layer: Option<usize>,
    /// The layer's label, or what the loss was.
    pub title: String,
    /// Whose deficit it paid (empty for a step's one split of several).
    pub toward: Vec<String>,
    /// What the account lost by it: exact, the sum of its parts.
    pub amount: Decimal,
    pub why: Why,
}

impl LossExplanation {
    /// The rule that produced the loss, as text.
    pub fn rule_text(&self) -> &'static str {
        match &self.why {
            Why::OwnMargin => "A defaulter's own margin pays its loss first: the first layer of every waterfall (the defaulter pays).",
            Why::OwnFundContribution => "Next the defaulter's own default-fund contribution is used, before any other member's.",
            Why::Adl { .. } => ADL_RULE,
            Why::Share(s) => s.rule.rule_text(),
            Why::Vault => "The backstop vault takes the loss that reaches it, up to its equity; its depositors' shares lose that value.",
            Why::Contagion { .. } => "Bad-debt propagation: another venue's loss is passed on to this account by the link between the venues.",
            Why::SetOff { .. } => "Set-off: a member that cannot pay an assessment defaults, and what it owes is netted against what it posted (the surplus its close-out left, then its fund contribution) before any of it passes on.",
        }
    }

    /// Whether the loss counts in the account's loss to this venue's waterfall.
    pub fn counts_in_loss(&self) -> bool {
        !matches!(self.why, Why::Contagion { .. })
    }
}

/// The ranking rule, as text (BitMEX "Auto-Deleveraging"; `adl::adl_score`).
pub const ADL_RULE: &str = "Auto-deleveraging ranks every position on the other side of the bankrupt one by score = PnL % × leverage when in profit (PnL % ÷ leverage otherwise), highest first, and closes them in that order at the bankruptcy price until the bankrupt position is covered. Closing at the bankruptcy price instead of the mark costs each contract taken the bad debt per contract.";

/// The account at one step.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoryRow {
    pub step: u32,
    pub status: Status,
    /// Instrument, signed size, entry and mark of its position (the first, if several).
    pub instrument: Option<String>,
    /// Every position it holds as (instrument, signed size), the first included (a spread
    /// trader's two legs; the table names them all).
    pub positions: Vec<(String, Decimal)>,
    pub size: Decimal,
    pub entry: Option<Decimal>,
    pub mark: Option<Decimal>,
    pub equity: Decimal,
    pub maintenance: Decimal,
    /// Where the mark would make equity = maintenance / equity = 0, for one linear position on
    /// cross margin (the other figures held); `None` otherwise.
    pub liquidation_price: Option<Decimal>,
    pub bankruptcy_price: Option<Decimal>,
    /// Its loss to the waterfall so far.
    pub loss: Decimal,
    /// Its greeks when it holds a live option (issue 18; engine/option_greeks.rs).
    pub greeks: Option<super::option_greeks::AccountGreeks>,
    /// Under a portfolio margin model (issue 18): the requirement, how it was reached and the
    /// scenario that drives it.
    pub portfolio: Option<PortfolioStory>,
}

/// How an account's portfolio requirement was reached at one step (engine/portfolio_margin.rs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortfolioStory {
    /// "scenario-grid portfolio margin", "SPAN portfolio margin", …
    pub model: String,
    pub maintenance: Decimal,
    pub initial: Decimal,
    /// What the same positions would need margined one by one (per instrument).
    pub per_instrument: Decimal,
    /// The risk before spread credits, and the credits given back.
    pub gross: Decimal,
    pub credit: Decimal,
    /// The driving scenario's loss.
    pub worst_loss: Decimal,
    /// "worst case: price −16 %, vol up on the BTC-PERP book".
    pub worst: String,
}

/// The portfolio requirement of `positions` (their cross part) at `step`, with its words; None
/// when the venue margins per instrument or nothing is held.
pub fn portfolio_story(m: &super::market::Market, pm: Option<&super::portfolio_margin::PortfolioTables>, positions: &[super::account::Pos], step: u32) -> Option<PortfolioStory> {
    let pm = pm?;
    let cross: Vec<super::account::Pos> = positions.iter().filter(|p| p.isolated.is_none() && !p.size.is_zero()).cloned().collect();
    if cross.is_empty() {
        return None;
    }
    let r = super::portfolio_margin::requirement(m, Some(pm), cross.iter(), step).ok()??;
    let mut per_instrument = Decimal::ZERO;
    for p in &cross {
        per_instrument += super::account::position_requirements(m, p, step).ok()?.0;
    }
    Some(PortfolioStory {
        model: pm.spec.label().into(),
        maintenance: r.maintenance,
        initial: r.initial,
        per_instrument,
        gross: r.gross,
        credit: r.credit,
        worst_loss: r.worst_loss,
        worst: super::portfolio_margin::describe(m, &r, &cross),
    })
}

/// An account's story: its state step by step and its losses.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AccountStory {
    pub account: usize,
    pub name: String,
    pub role: &'static str,
    pub rows: Vec<StoryRow>,
    pub losses: Vec<LossExplanation>,
    /// Its loss to the waterfall at the last step (= the sum of the losses that count).
    pub total_loss: Decimal,
}

/// At most this many rows: every step of a short run; a long one keeps the steps where the
/// account changed, lost or was explained, plus evenly spaced ones.
const MAX_ROWS: usize = 120;

/// The story of `account` (`None` for an unknown index).
pub fn account_story(t: &Timeline, account: usize) -> Option<AccountStory> {
    let info = t.accounts.get(account)?;
    let losses = explain_losses(t, account);
    let rows = story_steps(t, account, &losses).into_iter().filter_map(|s| story_row(t, account, s)).collect();
    Some(AccountStory {
        account,
        name: info.name.to_string(),
        role: info.role,
        rows,
        losses,
        total_loss: t.loss_at(account, t.steps),
    })
}

fn story_steps(t: &Timeline, account: usize, losses: &[LossExplanation]) -> Vec<u32> {
    if (t.steps as usize) < MAX_ROWS {
        return (0..=t.steps).collect();
    }
    let mut steps: Vec<u32> = t.change_steps(account);
    steps.extend(losses.iter().map(|l| l.step));
    steps.push(t.steps);
    let room = MAX_ROWS.saturating_sub(steps.len()).max(2) as u32;
    let every = (t.steps / room).max(1);
    steps.extend((0..=t.steps).step_by(every as usize));
    steps.sort_unstable();
    steps.dedup();
    steps
}

fn story_row(t: &Timeline, account: usize, step: u32) -> Option<StoryRow> {
    let snap = t.snapshot_at(account, step)?;
    let v = valuate(&t.market, t.market.pm(account), &snap.collateral, &snap.positions, step).ok()?;
    let p = snap.positions.first();
    let mark = p.map(|p| t.market.mark(p.inst, step));
    let prices = prices_of(t, account, &snap.positions, v.equity, step);
    Some(StoryRow {
        step,
        status: snap.status,
        instrument: p.and_then(|p| t.instruments.get(p.inst).cloned()),
        positions: snap.positions.iter().filter_map(|p| Some((t.instruments.get(p.inst)?.clone(), p.size))).collect(),
        size: p.map(|p| p.size).unwrap_or_default(),
        // An option bought or sold premium-style is carried at entry 0 (its premium was paid at
        // opening, option_book.rs): no entry price to show.
        entry: p.filter(|p| !(p.entry.is_zero() && t.market.option(p.inst).is_some())).map(|p| p.entry),
        mark,
        equity: v.equity,
        maintenance: v.maintenance,
        liquidation_price: prices.map(|x| x.0),
        bankruptcy_price: prices.map(|x| x.1),
        loss: snap.loss,
        greeks: super::option_greeks::greeks_at(&t.market, &snap.positions, step),
        portfolio: portfolio_story(&t.market, t.market.pm(account), &snap.positions, step),
    })
}

/// Where the mark would bring `account`'s equity at `step` down to its maintenance margin (its
/// liquidation price) and to zero (its bankruptcy price), the other figures held: for an account
/// with one linear position on cross margin; `None` otherwise (the accounts view's column and the
/// story's rows).
pub fn liquidation_prices(t: &Timeline, account: usize, step: u32) -> Option<(Decimal, Decimal)> {
    let snap = t.snapshot_at(account, step)?;
    let v = valuate(&t.market, t.market.pm(account), &snap.collateral, &snap.positions, step).ok()?;
    prices_of(t, account, &snap.positions, v.equity, step)
}

fn prices_of(t: &Timeline, account: usize, positions: &[super::account::Pos], equity: Decimal, step: u32) -> Option<(Decimal, Decimal)> {
    match positions {
        [p] if p.isolated.is_none() && t.market.pm(account).is_none() => position_prices(t, p, equity, step).ok().flatten(),
        _ => None,
    }
}

/// Liquidation and bankruptcy prices of one linear position on cross margin: the wallet balance
/// is the equity less the position's PnL at the mark, then the Binance formulas (`margin`).
fn position_prices(t: &Timeline, p: &super::account::Pos, equity: Decimal, step: u32) -> EngineResult<Option<(Decimal, Decimal)>> {
    let Some(meta) = t.market.meta(p.inst) else { return Ok(None) };
    // An option's margin is not the notional rate, nor is a portfolio model's (`prices_of` skips
    // such an account): the Binance prices do not apply.
    if meta.kind != ContractKind::Linear || meta.option.is_some() || p.size.is_zero() {
        return Ok(None);
    }
    let mark = t.market.mark(p.inst, step);
    let wb = equity.sub_c(t.market.pnl_at(p.inst, p.size, p.entry, mark)?, "wallet balance")?;
    let qty = p.size.abs().mul_c(meta.contract_size, "position size")?;
    let side = if p.size.is_sign_negative() { Decimal::NEGATIVE_ONE } else { Decimal::ONE };
    let lp = liquidation_price_linear_tiered(&meta.margin, wb, Decimal::ZERO, Decimal::ZERO, side, qty, p.entry)?;
    let bp = bankruptcy_price_linear(p.entry, wb, side, qty)?;
    // A price below zero is never reached: the position cannot be liquidated on that side.
    let keep = |x: Decimal| x.max(Decimal::ZERO).round_dp(8);
    Ok(Some((keep(lp), keep(bp))))
}

/// Every loss `account` took, in step order, each with its figures.
pub fn explain_losses(t: &Timeline, account: usize) -> Vec<LossExplanation> {
    let label = |l: Option<usize>| l.and_then(|l| t.layers.get(l)).map(|x| x.label.clone()).unwrap_or_default();
    let kind = |l: Option<usize>| l.and_then(|l| t.layers.get(l)).map(|x| x.kind.as_str()).unwrap_or_default();
    let name = |i: Option<usize>| i.and_then(|i| t.accounts.get(i)).map(|a| a.name.to_string());
    let mut out: Vec<LossExplanation> = Vec::new();
    let mut adl: Vec<(Option<usize>, Vec<AdlFill>)> = Vec::new();
    // Assessment events in order: (step, layer, called, paid), matched to the assessment splits.
    let mut assessed: std::collections::VecDeque<(u32, Option<usize>, Decimal, Decimal)> = Default::default();
    for e in t.events.iter().filter(|e| e.account == Some(account)) {
        match &e.msg {
            Msg::OwnMargin { amount, .. } => out.push(LossExplanation {
                step: e.step,
                layer: e.layer,
                title: label(e.layer),
                toward: Vec::new(),
                amount: *amount,
                why: Why::OwnMargin,
            }),
            Msg::LayerPaid { pay, .. } if kind(e.layer) == "DefaulterFundContribution" => out.push(LossExplanation {
                step: e.step,
                layer: e.layer,
                title: label(e.layer),
                toward: Vec::new(),
                amount: *pay,
                why: Why::OwnFundContribution,
            }),
            Msg::Deleveraged { size, inst, charge, adl: f, toward, .. } => {
                let fill = adl_fill(t, account, e.step, inst, *size, *charge, f, toward);
                match adl.iter_mut().find(|x| x.0 == e.layer) {
                    Some(x) => x.1.push(fill),
                    None => adl.push((e.layer, vec![fill])),
                }
            }
            Msg::Assessment { called, paid, .. } => assessed.push_back((e.step, e.layer, *called, *paid)),
            Msg::SetOff { owed, margin, fund, toward, .. } if !(*margin + *fund).is_zero() => out.push(LossExplanation {
                step: e.step,
                layer: e.layer,
                title: label(e.layer),
                toward: vec![toward.to_string()],
                amount: *margin + *fund,
                why: Why::SetOff { owed: *owed, margin: *margin, fund: *fund },
            }),
            Msg::Vault { pay, .. } => out.push(LossExplanation {
                step: e.step,
                layer: e.layer,
                title: label(e.layer),
                toward: Vec::new(),
                amount: *pay,
                why: Why::Vault,
            }),
            Msg::ContagionLoss { amount, from, source, .. } => out.push(LossExplanation {
                step: e.step,
                layer: None,
                title: "Passed on from another venue".to_string(),
                toward: Vec::new(),
                amount: *amount,
                why: Why::Contagion { from: from.to_string(), source: source.label() },
            }),
            _ => {}
        }
    }
    for (layer, fills) in adl {
        let amount = fills.iter().map(|f| f.charge).sum();
        let quantity = fills.iter().map(|f| f.quantity).sum();
        let mut toward: Vec<String> = Vec::new();
        for f in &fills {
            if !toward.contains(&f.toward) {
                toward.push(f.toward.clone());
            }
        }
        let step = fills.first().map(|f| f.step).unwrap_or_default();
        out.push(LossExplanation { step, layer, title: label(layer), toward, amount, why: Why::Adl { fills, quantity } });
    }
    for (step, h, base, share) in t.splits.of(account) {
        let rate = h.take.checked_div(h.total).unwrap_or_default();
        let mut amount = share;
        let assessment = match (h.rule, h.multiple) {
            (SplitRule::Assessment, Some(multiple)) => {
                let (called, paid) = match assessed.pop_front() {
                    Some((s, l, called, paid)) if s == step && l == h.layer => (called, paid),
                    _ => (share, share),
                };
                amount = paid;
                let contribution = t.snapshot_at(account, 0).map(|s| s.contribution).unwrap_or_default();
                let cap = to_money(multiple.checked_mul(contribution).unwrap_or_default());
                Some(AssessmentFigures { contribution, multiple, cap, assessed_before: cap - base, called, paid, short: called - paid })
            }
            _ => None,
        };
        out.push(LossExplanation {
            step,
            layer: h.layer,
            title: label(h.layer),
            toward: name(h.defaulter).into_iter().collect(),
            amount,
            why: Why::Share(ShareFigures { rule: h.rule, base, total: h.total, payers: h.payers, take: h.take, rate, share, assessment }),
        });
    }
    out.sort_by_key(|x| x.step); // stable: the engine's order within a step
    out
}

#[allow(clippy::too_many_arguments)]
fn adl_fill(t: &Timeline, account: usize, step: u32, inst: &str, quantity: Decimal, charge: Decimal, f: &AdlFigures, toward: &str) -> AdlFill {
    let product = quantity.checked_mul(f.per_unit).unwrap_or_default().round_dp_with_strategy(super::waterfall::SHARE_DP, RoundingStrategy::ToZero);
    let i = t.instruments.iter().position(|x| x == inst);
    let meta = i.and_then(|i| t.market.meta(i));
    // The position closes at the mark and pays the bad debt per contract on top: the price it
    // amounts to is the bankrupt position's bankruptcy price. The ADL'd side is opposite the
    // bankrupt one; a short bought back above the mark (the bankrupt long's loss per contract).
    let price = meta.filter(|m| m.kind == ContractKind::Linear && !m.contract_size.is_zero()).and_then(|m| {
        let per_price = f.per_unit.checked_div(m.contract_size)?;
        // The account's side: its position in the instrument at the step before the fill.
        let before = t.snapshot_at(account, step.saturating_sub(1))?;
        let was_short = before.positions.iter().find(|p| Some(p.inst) == i)?.size.is_sign_negative();
        Some(if was_short { f.mark + per_price } else { f.mark - per_price })
    });
    AdlFill {
        rule: t.adl_rule,
        step,
        toward: toward.to_string(),
        instrument: inst.to_string(),
        place: f.place,
        ranked: f.ranked,
        score: f.score,
        pnl_pct: f.pnl_pct,
        leverage: f.leverage,
        quantity,
        mark: f.mark,
        per_unit: f.per_unit,
        price,
        quantity_times_per_unit: product,
        charge,
        paid_the_rest: charge != product,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;
    use std::str::FromStr;

    fn d(x: &str) -> Decimal {
        Decimal::from_str(x).expect("decimal")
    }

    fn run(id: &str) -> Timeline {
        let p = presets::by_id(id).expect("preset");
        super::super::simulate(&p.scenario).expect("runs")
    }

    /// The accounts view's column (issue 17), by hand: one long contract at 10,000 on cross
    /// margin with a wallet of 1,000 and a maintenance rate of 5 %: bankruptcy where the 1,000 is
    /// gone, 10,000 − 1,000 = 9,000; liquidation where equity = 5 % of the notional:
    /// 1,000 + (P − 10,000) = 0.05 P, P = 9,000 / 0.95 = 9,473.68421053. An isolated position:
    /// none (the formula is cross margin's).
    #[test]
    fn liquidation_prices_of_an_account_row() {
        let json = r#"{"version":1,"steps":1,"instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","counterparty":"mm",
            "margin":{"initial":"0.1","maintenance":"0.05"},"price":{"initial":"10000"}}],
          "accounts":[{"id":"a","cash":"1000","positions":[{"instrument":"X","size":"1"}]},
            {"id":"b","cash":"1000","margin_mode":"isolated","positions":[{"instrument":"X","size":"1"}]},
            {"id":"mm","role":"market_maker","cash":"1000000"}]}"#;
        let t = super::super::simulate(&crate::scenario::from_json(json).expect("valid")).expect("runs");
        assert_eq!(liquidation_prices(&t, 0, 0), Some((d("9473.68421053"), d("9000"))));
        assert_eq!(liquidation_prices(&t, 1, 0), None);
        // The market maker is short 2 with 1,000,000: bankrupt at 10,000 + 1,000,000 / 2.
        assert_eq!(liquidation_prices(&t, 2, 0).map(|x| x.1), Some(d("510000")));
    }

    fn account(t: &Timeline, name: &str) -> usize {
        t.accounts.iter().position(|a| &*a.name == name).unwrap_or_else(|| panic!("no account {name}"))
    }

    /// The ledger entries account `a` paid (credited) whose memo contains `memo`, summed.
    fn paid_in_ledger(t: &Timeline, a: usize, memo: &str) -> (usize, Decimal) {
        let me = format!("acct:{}", t.accounts[a].id);
        let hits: Vec<Decimal> = t.ledger.iter().filter(|e| *e.credit == *me && e.memo.contains(memo)).map(|e| e.amount).collect();
        (hits.len(), hits.iter().copied().sum())
    }

    fn share_of(l: &LossExplanation) -> &ShareFigures {
        match &l.why {
            Why::Share(s) => s,
            other => panic!("not a share: {other:?}"),
        }
    }

    /// Every account of every preset: its explanations add up exactly to its loss to the
    /// waterfall, and each pro-rata share is take × base ÷ total rounded down (the engine's rule).
    #[test]
    fn explanations_add_up_to_each_accounts_loss_in_every_preset() {
        for id in presets::ids() {
            let t = run(id);
            for a in 0..t.accounts.len() {
                let story = account_story(&t, a).expect("story");
                let sum: Decimal = story.losses.iter().filter(|l| l.counts_in_loss()).map(|l| l.amount).sum();
                assert_eq!(sum, story.total_loss, "{id}: {} ({a})", story.name);
                for l in &story.losses {
                    if let Why::Share(s) = &l.why {
                        let want = (s.take * s.base / s.total).round_dp_with_strategy(8, RoundingStrategy::ToZero).min(s.base);
                        assert_eq!(s.share, want, "{id}: {} at step {}", story.name, l.step);
                    }
                    if let Why::Adl { fills, quantity } = &l.why {
                        assert_eq!(*quantity, fills.iter().map(|f| f.quantity).sum::<Decimal>());
                        for f in fills {
                            assert!(f.place >= 1 && f.place <= f.ranked, "{id}: place {} of {}", f.place, f.ranked);
                            // The score is the venue's rule's (`venue.adl`): BitMEX's formula by default.
                            if f.rule == crate::scenario::AdlRule::Bitmex {
                                assert_eq!(super::super::adl::adl_score(f.pnl_pct, f.leverage).ok(), Some(f.score), "{id}");
                            }
                        }
                    }
                }
                assert_eq!(story.rows.len(), t.steps as usize + 1, "{id}: a short run shows every step");
            }
        }
    }

    /// The ADL preset: "Short 1 — deleveraged — lost $26.1k" is its 6 contracts × the $4,348 bad
    /// debt per contract, ranked 2nd of 6 by score = PnL % × leverage; Short 3's nine fills are
    /// one line whose total is its nine ledger entries.
    #[test]
    fn adl_preset_rank_score_and_nine_fills() {
        let t = run("venue-insurance-adl");
        let a = account(&t, "Short 1");
        let losses = explain_losses(&t, a);
        assert_eq!(losses.len(), 1);
        let Why::Adl { fills, quantity } = &losses[0].why else { panic!("not ADL: {:?}", losses[0]) };
        let f = &fills[0];
        assert_eq!((f.place, f.ranked, *quantity, f.per_unit, f.mark), (2, 6, d("6"), d("4348"), d("42629")));
        assert_eq!(f.quantity_times_per_unit, d("26088"));
        assert_eq!(losses[0].amount, d("26088"));
        assert_eq!(f.score, f.pnl_pct * f.leverage);
        assert!(f.pnl_pct > Decimal::ZERO);
        // A short bought back at the bankrupt long's bankruptcy price: mark + bad debt per contract.
        assert_eq!(f.price, Some(d("46977")));
        assert_eq!(losses[0].toward, vec!["Whale (13x long)".to_string()]);
        assert_eq!(paid_in_ledger(&t, a, "auto-deleveraged"), (1, d("26088")));
        // Ranked first: the higher score.
        let first = explain_losses(&t, account(&t, "Short 2"));
        let Why::Adl { fills: top, .. } = &first[0].why else { panic!("not ADL") };
        assert_eq!(top[0].place, 1);
        assert!(top[0].score > f.score);

        let s3 = account(&t, "Short 3");
        let losses = explain_losses(&t, s3);
        assert_eq!(losses.len(), 1, "one line for every fill");
        let Why::Adl { fills, .. } = &losses[0].why else { panic!("not ADL") };
        assert_eq!(fills.len(), 9);
        assert_eq!(paid_in_ledger(&t, s3, "auto-deleveraged"), (9, losses[0].amount));
        assert_eq!(losses[0].amount, d("10781.30066558"));
        // The fill that completed a quantity paid what was left, not quantity × per unit.
        assert!(fills.iter().any(|f| f.paid_the_rest));
        for f in fills.iter().filter(|f| !f.paid_the_rest) {
            assert_eq!(f.charge, f.quantity_times_per_unit);
        }
    }

    /// Nasdaq 2018: Member 1's share of the survivors' fund is its €30m contribution × €107m ÷
    /// the €166m of contributions, rounded down: €19,337,349.39759036, its ledger entry exactly.
    #[test]
    fn nasdaq_survivors_share() {
        let t = run("nasdaq-2018");
        let a = account(&t, "Member 1 (utility)");
        let losses = explain_losses(&t, a);
        assert_eq!(losses.len(), 1);
        let s = share_of(&losses[0]);
        assert_eq!((s.rule, s.base, s.total, s.take, s.payers), (SplitRule::SurvivorsFund, d("30000000"), d("166000000"), d("107000000"), 8));
        assert_eq!(s.share, d("19337349.39759036"));
        assert_eq!(losses[0].amount, s.share);
        assert_eq!(s.rate.round_dp(4), d("0.6446"));
        assert_eq!(losses[0].toward, vec!["Individual member (spread trader)".to_string()]);
        let entry = t.ledger.iter().find(|e| e.memo.contains("Member 1 (utility)'s default-fund contribution")).expect("ledger entry");
        assert_eq!(entry.amount, s.share);
    }

    /// OKEx 2018 clawback: Weekly short 1 gives up 17.5 % of its profit: profit × $8,975,999.57
    /// ÷ all profits, its ledger entry exactly.
    #[test]
    fn okx_clawback_share() {
        let t = run("okx-2018");
        let a = account(&t, "Weekly short 1");
        let losses = explain_losses(&t, a);
        assert_eq!(losses.len(), 1);
        let s = share_of(&losses[0]);
        assert_eq!(s.rule, SplitRule::SocializedLoss);
        assert_eq!((s.base, s.total, s.take, s.payers), (d("12796208.5308056872"), d("51291545.3645703040"), d("8975999.5714285714"), 10));
        assert_eq!(s.share, d("2239331.28690174"));
        assert_eq!(s.rate.round_dp(3), d("0.175"));
        assert_eq!(paid_in_ledger(&t, a, "clawback"), (1, s.share));
    }

    /// An assessment: contribution × multiple is the cap; the call is the member's capacity ×
    /// the amount called ÷ all capacity; the thin member pays what its reserves hold.
    #[test]
    fn assessment_cap_and_short_payment() {
        let t = run("exhausts-waterfall");
        let a = account(&t, "Member 4 (thin)");
        let losses = explain_losses(&t, a);
        let l = losses.iter().find(|l| matches!(&l.why, Why::Share(s) if s.rule == SplitRule::Assessment)).expect("assessment");
        let s = share_of(l);
        let x = s.assessment.as_ref().expect("assessment figures");
        assert_eq!((x.contribution, x.multiple, x.cap, x.assessed_before), (d("2000000"), d("1"), d("2000000"), d("0")));
        assert_eq!((s.base, s.total, s.take), (d("2000000"), d("8000000"), d("7500000")));
        assert_eq!((x.called, x.paid, x.short, l.amount), (d("1875000"), d("500000"), d("1375000"), d("500000")));
        let entry = t.ledger.iter().find(|e| e.memo.contains("assessment paid by Member 4 (thin)")).expect("ledger entry");
        assert_eq!(entry.amount, d("500000"));
        // Its own margin, as a defaulter in turn, is a line of its own.
        assert!(losses.iter().any(|l| l.why == Why::OwnMargin && l.amount == d("1075000")));
    }

    /// LME nickel 2022: a VM haircut is the gain × h, h = the loss ÷ all gains.
    #[test]
    fn vm_haircut_is_gain_times_h() {
        let t = run("lme-nickel-2022-stood");
        let a = account(&t, "Member bank 1");
        let losses = explain_losses(&t, a);
        let l = losses.iter().find(|l| matches!(&l.why, Why::Share(s) if s.rule == SplitRule::VmHaircut)).expect("haircut");
        let s = share_of(l);
        // The take is 90m less than before set-off (issue 19): Member trader 5's unpaid
        // assessment is netted against the surplus its close-out left. 477m is a third of 1,431m.
        assert_eq!((s.base, s.total, s.take), (d("477000000"), d("1431000000"), d("1147400000")));
        assert_eq!(s.share, d("382466666.66666666"));
        assert_eq!(paid_in_ledger(&t, a, "variation-margin gains haircut"), (1, s.share));
    }

    /// The story rows: a linear long's liquidation price is where equity meets maintenance and
    /// its bankruptcy price where equity is zero (checked by valuing at those prices).
    #[test]
    fn story_prices_solve_the_margin_equations() {
        let t = run("venue-insurance-adl");
        let a = account(&t, "Whale (13x long)");
        let story = account_story(&t, a).expect("story");
        let r = &story.rows[0];
        let (lp, bp) = (r.liquidation_price.expect("lp"), r.bankruptcy_price.expect("bp"));
        assert!(bp < lp && lp < r.mark.expect("mark"), "a long: bankruptcy {bp} < liquidation {lp} < mark");
        let size = r.size;
        let wb = r.equity - size * (r.mark.unwrap() - r.entry.unwrap());
        // Equity at the bankruptcy price is zero (to the 8 places it is rounded to).
        assert!((wb + size * (bp - r.entry.unwrap())).abs() < d("0.0001"));
        assert!(story.rows.iter().any(|r| r.status == Status::Bankrupt || r.status == Status::Defaulted || r.status == Status::Liquidated));
        assert_eq!(account_story(&t, t.accounts.len()), None);
    }
}
