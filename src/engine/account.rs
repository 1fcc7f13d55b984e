//! Accounts: collateral by asset, positions, status; and their valuation at a step.
//!
//! The run stores only *structural* state (cash, positions with entry and funding index, status)
//! and only when it changes; equity and requirements at any step are recomputed from the market,
//! so a frame never needs a copy of every account.

use super::market::Market;
use super::portfolio_margin::PortfolioTables;
use super::money::{Checked, EngineResult};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Status {
    #[default]
    Healthy,
    /// Below maintenance at a clearing house; has `margin_call_grace` steps to pay.
    MarginCall,
    /// The liquidation engine is reducing its positions.
    Liquidating,
    /// Fully liquidated with equity left.
    Liquidated,
    /// Declared in default by the clearing house.
    Defaulted,
    /// Closed out beyond its bankruptcy price: owes more than it has.
    Bankrupt,
    /// Some of its positions were auto-deleveraged.
    Deleveraged,
    /// Part of its gains or balance was cut to cover someone's deficit.
    HaircutApplied,
    /// Its positions were torn up by the clearing house.
    TornUp,
    /// Positions settled at expiry.
    Settled,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::MarginCall => "margin call",
            Status::Liquidating => "liquidating",
            Status::Liquidated => "liquidated",
            Status::Defaulted => "defaulted",
            Status::Bankrupt => "bankrupt",
            Status::Deleveraged => "deleveraged",
            Status::HaircutApplied => "haircut applied",
            Status::TornUp => "torn up",
            Status::Settled => "settled",
        }
    }
    /// No further margin checks: the account is out of the game.
    pub fn is_out(self) -> bool {
        matches!(self, Status::Defaulted | Status::Bankrupt | Status::Liquidated)
    }
}

/// A position: signed contracts, entry price, funding index at entry, optional isolated margin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pos {
    pub inst: usize,
    pub size: Decimal,
    pub entry: Decimal,
    pub funding_entry: Decimal,
    pub isolated: Option<Decimal>,
}

/// Collateral units per asset, inline for the usual single (quote) asset.
pub type Holdings = SmallVec<[Decimal; 1]>;
/// Positions, inline for the usual single one.
pub type Positions = SmallVec<[Pos; 1]>;

/// The structural state of an account at the steps where it changed. Stored inline (no heap for
/// one asset and one position): a 100k book keeps several hundred thousand of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct AccountSnap {
    /// Units per collateral asset; index 0 is the quote currency (may be negative: a debt).
    pub collateral: Holdings,
    pub positions: Positions,
    pub status: Status,
    /// What this account paid into the waterfall so far (its own resources if it defaulted).
    pub loss: Decimal,
    /// Its remaining default-fund contribution.
    pub contribution: Decimal,
}

/// An account valued at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Valuation {
    /// Collateral after haircuts plus PnL minus funding owed plus isolated margins.
    pub equity: Decimal,
    /// Collateral value after haircuts (including isolated margins).
    pub collateral: Decimal,
    pub maintenance: Decimal,
    pub initial: Decimal,
    /// Cross group: equity excluding isolated positions, and its maintenance.
    pub cross_equity: Decimal,
    pub cross_maintenance: Decimal,
    pub has_cross: bool,
    /// Unrealized PnL minus funding owed, all positions.
    pub upnl: Decimal,
}

/// Value of collateral units at step `t`; haircuts apply to positive holdings only.
pub fn collateral_value(m: &Market, coll: &[Decimal], t: u32) -> EngineResult<Decimal> {
    let mut v = Decimal::ZERO;
    for (a, units) in coll.iter().enumerate() {
        if units.is_zero() {
            continue;
        }
        if a == 0 {
            v = v.add_c(*units, "collateral value")?;
            continue;
        }
        v = v.add_c(m.collateral_worth(a, *units, t)?, "collateral value")?;
    }
    Ok(v)
}

/// PnL at mark minus funding owed for one position at step `t`.
pub fn position_value(m: &Market, p: &Pos, t: u32) -> EngineResult<Decimal> {
    let pnl = m.pnl_at(p.inst, p.size, p.entry, m.mark(p.inst, t))?;
    let funding = m.funding_owed(p.inst, p.size, p.funding_entry, t)?;
    pnl.sub_c(funding, "position value")
}

/// Maintenance and initial requirement of one position at step `t`.
pub fn position_requirements(m: &Market, p: &Pos, t: u32) -> EngineResult<(Decimal, Decimal)> {
    if let Some(o) = m.option(p.inst) {
        return super::option_margin::option_requirements(m, o, p.inst, p.size, t);
    }
    let notional = m.notional(p.inst, p.size, m.mark(p.inst, t))?;
    match m.meta(p.inst) {
        Some(meta) => Ok((meta.margin.maintenance(notional)?, meta.margin.initial(notional)?)),
        None => Ok((Decimal::ZERO, Decimal::ZERO)),
    }
}

/// Source: Binance USDⓈ-M "Cross margin and isolated margin"; BitMEX isolated margin (domain.md §2, §4).
/// An isolated position's equity at step `t`: its isolated margin plus its value (PnL at mark
/// minus funding owed); `None` for a position on cross margin. Only this margin stands behind the
/// position: the account's cross collateral does not.
pub fn isolated_equity(m: &Market, p: &Pos, t: u32) -> EngineResult<Option<Decimal>> {
    match p.isolated {
        Some(iso) => Ok(Some(iso.add_c(position_value(m, p, t)?, "isolated equity")?)),
        None => Ok(None),
    }
}

/// Source: Binance USDⓈ-M "Cross margin and isolated margin" (domain.md §2); Cover-1/Cover-2 (PFMI Principle 4, §6).
/// What an account's margin does not cover at step `t`, margin group by margin group: the cross
/// group's negative equity (collateral plus the cross positions' value) plus each isolated
/// position's negative [`isolated_equity`] (cross cash does not cover an isolated position, nor
/// an isolated margin a cross loss). What the stress lab's Cover-1/Cover-2 count per member.
pub fn uncovered_by_margin(m: &Market, pm: Option<&PortfolioTables>, coll: &[Decimal], positions: &[Pos], t: u32) -> EngineResult<Decimal> {
    let v = valuate_maintenance(m, pm, coll, positions, t)?;
    let mut loss = (-v.cross_equity).max(Decimal::ZERO);
    for p in positions {
        if let Some(eq) = isolated_equity(m, p, t)? {
            loss = loss.add_c((-eq).max(Decimal::ZERO), "loss beyond margin")?;
        }
    }
    Ok(loss)
}

/// Value an account at step `t` under its margin model `pm` (`Market::pm`; None: per instrument).
pub fn valuate(m: &Market, pm: Option<&PortfolioTables>, coll: &[Decimal], positions: &[Pos], t: u32) -> EngineResult<Valuation> {
    valuate_with(m, pm, coll, positions, t, true)
}

/// [`valuate`] without the initial requirement (left zero): what an exchange's margin check reads.
pub fn valuate_maintenance(m: &Market, pm: Option<&PortfolioTables>, coll: &[Decimal], positions: &[Pos], t: u32) -> EngineResult<Valuation> {
    valuate_with(m, pm, coll, positions, t, false)
}

fn valuate_with(m: &Market, pm: Option<&PortfolioTables>, coll: &[Decimal], positions: &[Pos], t: u32, initial: bool) -> EngineResult<Valuation> {
    let cv = collateral_value(m, coll, t)?;
    let mut v = Valuation { cross_equity: cv, collateral: cv, ..Default::default() };
    // Portfolio margin (issue 18): the cross positions are margined together, below.
    let portfolio = pm.is_some();
    for p in positions {
        let val = position_value(m, p, t)?;
        let notional = m.notional(p.inst, p.size, m.mark(p.inst, t))?;
        let (mm, im) = match m.meta(p.inst) {
            _ if portfolio && p.isolated.is_none() => (Decimal::ZERO, Decimal::ZERO),
            Some(meta) if meta.option.is_some() => {
                let (mm, im) = position_requirements(m, p, t)?;
                (mm, if initial { im } else { Decimal::ZERO })
            }
            Some(meta) => (meta.margin.maintenance(notional)?, if initial { meta.margin.initial(notional)? } else { Decimal::ZERO }),
            None => (Decimal::ZERO, Decimal::ZERO),
        };
        v.upnl = v.upnl.add_c(val, "unrealized pnl")?;
        v.maintenance = v.maintenance.add_c(mm, "maintenance margin")?;
        if initial {
            v.initial = v.initial.add_c(im, "initial margin")?;
        }
        match p.isolated {
            Some(iso) => {
                v.collateral = v.collateral.add_c(iso, "collateral value")?;
            }
            None => {
                v.has_cross = true;
                v.cross_equity = v.cross_equity.add_c(val, "cross equity")?;
                v.cross_maintenance = v.cross_maintenance.add_c(mm, "maintenance margin")?;
            }
        }
    }
    if portfolio && v.has_cross {
        let (mm, im) = cross_requirements(m, pm, positions, t)?;
        v.maintenance = v.maintenance.add_c(mm, "maintenance margin")?;
        v.cross_maintenance = v.cross_maintenance.add_c(mm, "maintenance margin")?;
        if initial {
            v.initial = v.initial.add_c(im, "initial margin")?;
        }
    }
    v.equity = v.collateral.add_c(v.upnl, "equity")?;
    Ok(v)
}

/// Maintenance and initial requirement of an account's cross positions at step `t`: the
/// venue's portfolio model over all of them together (engine/portfolio_margin.rs), or the sum of
/// each position's own (per instrument).
pub fn cross_requirements(m: &Market, pm: Option<&PortfolioTables>, positions: &[Pos], t: u32) -> EngineResult<(Decimal, Decimal)> {
    let cross = positions.iter().filter(|p| p.isolated.is_none());
    if let Some(r) = super::portfolio_margin::requirement(m, pm, cross.clone(), t)? {
        return Ok((r.maintenance, r.initial));
    }
    let (mut mm, mut im) = (Decimal::ZERO, Decimal::ZERO);
    for p in cross {
        let (a, b) = position_requirements(m, p, t)?;
        mm = mm.add_c(a, "maintenance margin")?;
        im = im.add_c(b, "initial margin")?;
    }
    Ok((mm, im))
}
