//! The book's money bound (issue 14, "exact at every accepted magnitude"): every amount the engine
//! posts is on the 12-place money grid (`money::MONEY_DP`), and a `Decimal` holds 28 digits
//! exactly, so sums of money are exact while they stay below 10^16 (16 + 12 = 28 digits, ×7.9
//! headroom to the mantissa's 7.9 × 10^28). The per-field bounds (`scenario::domain`) do not
//! give that on their own: a million accounts of 10^15 each, or a position of 10^15 units at a
//! mark of 10^9, would. So before a run the book's money is measured against
//! [`domain::BOOK_MONEY_MAX`](crate::scenario::domain::BOOK_MONEY_MAX) with the marks the run
//! will use (a random path is only known once generated; Monte Carlo runs one per seed).
//!
//! The book's money = every amount deposited (cash, collateral at its highest price,
//! contributions, reserves, isolated margins, the insurance fund, skin in the game) + every
//! position's exposure: what its PnL, funding and buy-in can come to over the run (below).

use super::account::Pos;
use super::market::Market;
use super::money::EngineError;
use crate::scenario::{domain, ContractKind, LayerSpec, Scenario, SettlementKind, ValidationError};
use rust_decimal::Decimal;

/// One account of the run as the check reads it.
pub(crate) struct BookEntry<'a> {
    /// The account's index in the run.
    pub index: usize,
    pub collateral: &'a [Decimal],
    pub positions: &'a [Pos],
    pub reserves: Decimal,
    pub contribution: Decimal,
}

fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(Decimal::MAX)
}

fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(b).unwrap_or(Decimal::MAX)
}

/// Per instrument: the factor a position's units are multiplied by to bound its money over the
/// run, less the entry price (which differs per position).
struct InstrumentReach {
    /// Highest mark (or last traded price) on the path.
    high: Decimal,
    /// 1 + |funding rate| × steps (funding owed per unit of notional, at most) + the buy-in
    /// penalty of a physical expiry (a short that lacks the underlying pays units × mark × penalty).
    carry: Decimal,
    inverse: bool,
}

/// A position's exposure: linear, units × the higher of its entry and the highest mark, × carry;
/// inverse (PnL q·(P − EP)/EP in quote), units × the larger of 1 and highest mark / entry, × carry.
fn exposure(reach: &[InstrumentReach], p: &Pos, cs: Decimal) -> Decimal {
    let Some(r) = reach.get(p.inst) else { return Decimal::ZERO };
    let units = mul(p.size.abs(), cs);
    let per_unit = if r.inverse {
        if p.entry > Decimal::ZERO {
            r.high.checked_div(p.entry).unwrap_or(Decimal::MAX).max(Decimal::ONE)
        } else {
            Decimal::MAX
        }
    } else {
        r.high.max(p.entry)
    };
    mul(mul(units, per_unit), r.carry)
}

/// Refuse a run whose book's money exceeds [`domain::BOOK_MONEY_MAX`], naming the largest
/// account (its path), the figures and the bound. An account at a time (issue 14: the page opens
/// a 100k book in slices): the instruments' reach, then each account's money added in the book's
/// order, then the verdict.
pub(crate) struct Headroom {
    reach: Vec<InstrumentReach>,
    asset_high: Vec<Decimal>,
    amounts: Decimal,
    exposures: Decimal,
    largest: Option<(usize, Decimal)>,
}

impl Headroom {
    pub(crate) fn new(s: &Scenario, m: &Market) -> Headroom {
        let steps = Decimal::from(s.steps);
        let reach: Vec<InstrumentReach> = s
            .instruments
            .iter()
            .enumerate()
            .map(|(i, ins)| {
                // A close fills at the last traded price where the instrument has one (issue 19):
                // the bound takes the higher of the two paths.
                let high = m.marks.get(i).and_then(|x| x.iter().copied().max()).unwrap_or_default();
                let high = high.max(m.last.get(i).and_then(|x| x.iter().copied().max()).unwrap_or_default());
                let mut carry = add(Decimal::ONE, mul(ins.funding_rate.abs(), steps));
                if let Some(x) = ins.expiry.as_ref().filter(|x| x.settlement == SettlementKind::Physical) {
                    carry = add(carry, x.buy_in_penalty);
                }
                InstrumentReach { high, carry, inverse: ins.kind == ContractKind::Inverse }
            })
            .collect();
        // A physically settled option becomes a position in its underlying at the strike (issue 18,
        // option_book.rs): its exposure is bounded as that position's, at the higher of the strike
        // and the underlying's highest mark, with the underlying's carry.
        let reach: Vec<InstrumentReach> = reach
            .iter()
            .zip(&s.instruments)
            .map(|(r, ins)| {
                let physical = ins.expiry.as_ref().is_some_and(|x| x.settlement == SettlementKind::Physical);
                let und = ins.option.as_ref().filter(|_| physical).and_then(|o| s.instruments.iter().position(|x| x.id == o.on).map(|u| (o, u)));
                match und.and_then(|(o, u)| reach.get(u).map(|ur| (o, ur))) {
                    Some((o, ur)) => InstrumentReach { high: r.high.max(ur.high).max(o.strike), carry: r.carry.max(ur.carry), inverse: false },
                    None => InstrumentReach { high: r.high, carry: r.carry, inverse: r.inverse },
                }
            })
            .collect();
        let asset_high: Vec<Decimal> = m.asset_prices.iter().map(|x| x.iter().copied().max().unwrap_or(Decimal::ONE)).collect();
        let mut amounts = s.venue.insurance_fund;
        for l in &s.waterfall {
            if let LayerSpec::SkinInTheGame { amount, .. } = l {
                amounts = add(amounts, *amount);
            }
        }
        Headroom { reach, asset_high, amounts, exposures: Decimal::ZERO, largest: None }
    }

    /// One account's money, in the book's order.
    pub(crate) fn add(&mut self, s: &Scenario, a: BookEntry) {
        let mut own = add(a.reserves, a.contribution);
        for (k, units) in a.collateral.iter().enumerate() {
            own = add(own, mul(units.abs(), self.asset_high.get(k).copied().unwrap_or(Decimal::ONE)));
        }
        let mut exp = Decimal::ZERO;
        for p in a.positions {
            own = add(own, p.isolated.unwrap_or_default());
            let cs = s.instruments.get(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
            exp = add(exp, exposure(&self.reach, p, cs));
        }
        self.amounts = add(self.amounts, own);
        self.exposures = add(self.exposures, exp);
        let here = add(own, exp);
        if self.largest.as_ref().map_or(true, |(_, x)| here > *x) {
            self.largest = Some((a.index, here));
        }
    }

    /// `Ok` when the book's money is within the bound.
    pub(crate) fn verdict(self, path_of: impl Fn(usize) -> String) -> Result<(), EngineError> {
        let Headroom { amounts, exposures, largest, .. } = self;
        let total = add(amounts, exposures);
        if total <= domain::BOOK_MONEY_MAX {
            return Ok(());
        }
        let (path, most) = largest.map(|(i, x)| (path_of(i), x)).unwrap_or_else(|| ("venue".into(), Decimal::ZERO));
        let err = ValidationError {
            path,
            message: format!(
                "the book's money is at most {} so every sum stays exact at 12 decimal places (got {}: amounts {} + positions' exposure at the highest marks {}; this account {})",
                domain::show(domain::BOOK_MONEY_MAX),
                total.round_dp(0),
                amounts.round_dp(0),
                exposures.round_dp(0),
                most.round_dp(0)
            ),
        };
        Err(EngineError::Invalid { errors: vec![err.to_string()] })
    }
}
