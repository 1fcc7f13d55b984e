//! Market data for a run: marks per step, the cumulative funding index, collateral asset prices,
//! and per-instrument contract terms. Valuation of a position at a price lives here.

use super::margin::MarginModel;
use crate::scenario::price_path::Paths;
use super::money::{to_money, to_money_places, Checked, EngineResult, LEGACY_MONEY_DP};
use super::options::black76::{OptionKind, PremiumIn};
use crate::scenario::{ContractKind, Scenario};
use rust_decimal::Decimal;
use serde::Serialize;

/// Contract terms the valuation needs.
#[derive(Clone, Debug)]
pub struct InstrumentMeta {
    pub id: String,
    pub kind: ContractKind,
    pub contract_size: Decimal,
    pub lot_size: Decimal,
    pub tick_size: Decimal,
    pub price_impact: Decimal,
    pub margin: MarginModel,
    /// An option's terms (issue 18): its margin is Deribit's standard option margin
    /// (engine/option_margin.rs), not the notional rate.
    pub option: Option<OptionMeta>,
}

/// What the engine needs of an option: its underlying instrument, right, strike and expiry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionMeta {
    pub underlying: usize,
    pub kind: OptionKind,
    pub premium_in: PremiumIn,
    pub strike: Decimal,
    pub expiry: u32,
    /// Calendar days one step spans (T = (expiry − t) × days_per_step / 365).
    pub days_per_step: Decimal,
}

/// Everything price-like, per step. Frames are read from here on demand.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Market {
    /// `[instrument][step]`.
    pub marks: Vec<Vec<Decimal>>,
    /// The last traded prices where an instrument has its own (`last_price`, issue 19),
    /// `[instrument][step]`; a missing or empty row fills at the mark.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last: Vec<Vec<Decimal>>,
    /// Cumulative funding paid per contract held long, `[instrument][step]` (Drift-style index:
    /// a position owes size × (index_now − index_at_entry), so funding needs no per-account writes).
    pub funding_index: Vec<Vec<Decimal>>,
    /// Collateral asset prices `[asset][step]`; asset 0 is the quote currency (always 1).
    pub asset_prices: Vec<Vec<Decimal>>,
    pub asset_ids: Vec<String>,
    pub haircuts: Vec<Decimal>,
    #[serde(skip)]
    pub meta: Vec<InstrumentMeta>,
    /// Each option's implied volatility per step (empty for other instruments): the greeks read it.
    #[serde(skip)]
    pub vols: Vec<Vec<Decimal>>,
    /// The scenario's distinct portfolio margin models and their per-step scenario tables
    /// (issue 18): the venue's and those of account groups (`accounts[].margin_model`,
    /// `cohorts[].margin_model`), each built once.
    #[serde(skip)]
    pub portfolios: Vec<std::sync::Arc<super::portfolio_margin::PortfolioTables>>,
    /// The venue's model: 0 per instrument, k the table `portfolios[k − 1]`.
    #[serde(skip)]
    pub venue_pm: u16,
    /// Each account's model (book order), as `venue_pm`; empty when no account group has a model
    /// of its own (every account then under the venue's).
    #[serde(skip)]
    pub account_pm: Vec<u16>,
}

/// `q × contract size`, skipping the multiplication for a contract size of exactly `1` (scale 0):
/// the product would be `q` itself, digit for digit (a zero product is plain `0`, as `mul` gives).
#[inline]
fn times_size(q: Decimal, cs: Decimal, what: &str) -> EngineResult<Decimal> {
    if cs.scale() == 0 && cs.mantissa() == 1 {
        Ok(if q.is_zero() { Decimal::ZERO } else { q })
    } else {
        q.mul_c(cs, what)
    }
}

impl Market {
    /// The market of a run from its scenario and its paths, evaluated before the run
    /// (`Prepared::paths`): nothing here calls back into path code.
    pub fn build(s: &Scenario, paths: Paths) -> EngineResult<Market> {
        let Paths { marks, vols, last } = paths;
        let n = s.steps as usize + 1;
        let mut meta = Vec::with_capacity(s.instruments.len());
        let mut funding_index = Vec::with_capacity(s.instruments.len());
        for (i, ins) in s.instruments.iter().enumerate() {
            meta.push(InstrumentMeta {
                id: ins.id.clone(),
                kind: ins.kind,
                contract_size: ins.contract_size,
                lot_size: ins.lot_size,
                tick_size: ins.tick_size,
                price_impact: ins.price_impact,
                margin: MarginModel::from_spec(&ins.margin)?,
                option: ins.option.as_ref().and_then(|o| {
                    Some(OptionMeta {
                        underlying: s.instruments.iter().position(|x| x.id == o.on)?,
                        kind: o.kind.into(),
                        premium_in: o.premium.into(),
                        strike: o.strike,
                        expiry: ins.expiry.as_ref().map(|x| x.step).unwrap_or(s.steps),
                        days_per_step: o.days_per_step,
                    })
                }),
            });
            let mut idx = Vec::with_capacity(n);
            let mut cum = Decimal::ZERO;
            let empty = Vec::new();
            let m = marks.get(i).unwrap_or(&empty);
            for t in 0..n {
                if t > 0 && !ins.funding_rate.is_zero() {
                    // Funding per contract = rate × the contract's notional at this step's mark.
                    let per_contract = match ins.kind {
                        ContractKind::Linear => m.get(t).copied().unwrap_or_default().mul_c(ins.contract_size, "funding")?,
                        ContractKind::Inverse => ins.contract_size,
                    };
                    cum = cum.add_c(ins.funding_rate.mul_c(per_contract, "funding")?, "funding index")?;
                }
                idx.push(cum);
            }
            funding_index.push(idx);
        }
        let mut asset_ids = vec![s.venue.quote.clone()];
        let mut haircuts = vec![Decimal::ZERO];
        let mut asset_prices = vec![vec![Decimal::ONE; n]];
        for a in &s.assets {
            asset_ids.push(a.id.clone());
            haircuts.push(a.haircut);
            let series = match a.follows.as_ref().and_then(|f| s.instruments.iter().position(|x| &x.id == f)) {
                Some(i) => marks.get(i).cloned().unwrap_or_else(|| vec![a.price; n]),
                None => vec![a.price; n],
            };
            asset_prices.push(series);
        }
        let mut m = Market { marks, last, funding_index, asset_prices, asset_ids, haircuts, meta, vols, ..Default::default() };
        // One table per distinct portfolio model: the venue's first, then the groups' in order.
        let specs = std::iter::once(s.venue.margin_model.as_ref())
            .chain(s.accounts.iter().map(|a| a.margin_model.as_ref()))
            .chain(s.cohorts.iter().map(|c| c.margin_model.as_ref()))
            .flatten();
        for spec in specs {
            if m.model_index(Some(spec)).is_some() {
                continue;
            }
            if let Some(t) = super::portfolio_margin::PortfolioTables::build(spec, s, &m)? {
                m.portfolios.push(std::sync::Arc::new(t));
            }
        }
        m.venue_pm = m.model_index(s.venue.margin_model.as_ref()).unwrap_or(0);
        Ok(m)
    }

    /// The model number of `spec` (0 per instrument; k: `portfolios[k − 1]`); None for a
    /// portfolio model without tables (not built yet). An absent spec is per instrument here:
    /// callers resolve "absent = the venue's" themselves.
    pub fn model_index(&self, spec: Option<&crate::scenario::MarginModelSpec>) -> Option<u16> {
        match spec {
            None | Some(crate::scenario::MarginModelSpec::PerInstrument) => Some(0),
            Some(sp) => self.portfolios.iter().position(|t| &t.spec == sp).map(|k| k as u16 + 1),
        }
    }

    /// The portfolio model margining account `a` (issue 18: the venue's, or its group's); None:
    /// per instrument.
    #[inline]
    pub fn pm(&self, a: usize) -> Option<&super::portfolio_margin::PortfolioTables> {
        let k = self.account_pm.get(a).copied().unwrap_or(self.venue_pm);
        k.checked_sub(1).and_then(|k| self.portfolios.get(k as usize)).map(|t| &**t)
    }

    /// The venue's own portfolio model (what an account without a group of its own gets).
    #[inline]
    pub fn venue_portfolio(&self) -> Option<&super::portfolio_margin::PortfolioTables> {
        self.venue_pm.checked_sub(1).and_then(|k| self.portfolios.get(k as usize)).map(|t| &**t)
    }

    #[inline]
    pub fn mark(&self, inst: usize, t: u32) -> Decimal {
        self.marks.get(inst).and_then(|m| m.get(t as usize)).copied().unwrap_or_default()
    }

    #[inline]
    pub fn funding(&self, inst: usize, t: u32) -> Decimal {
        self.funding_index.get(inst).and_then(|m| m.get(t as usize)).copied().unwrap_or_default()
    }

    #[inline]
    pub fn asset_price(&self, asset: usize, t: u32) -> Decimal {
        self.asset_prices.get(asset).and_then(|m| m.get(t as usize)).copied().unwrap_or(Decimal::ONE)
    }

    pub fn meta(&self, inst: usize) -> Option<&InstrumentMeta> {
        self.meta.get(inst)
    }

    /// The option terms of instrument `inst`, if it is an option.
    #[inline]
    pub fn option(&self, inst: usize) -> Option<&OptionMeta> {
        self.meta.get(inst).and_then(|m| m.option.as_ref())
    }

    /// PnL of `size` contracts entered at `entry`, valued at `price`, in quote currency.
    /// Linear: size·cs·(P − EP). Inverse: size·cs·(1/EP − 1/P) coins, converted at P:
    /// size·cs·(P − EP)/EP.
    pub fn pnl_at(&self, inst: usize, size: Decimal, entry: Decimal, price: Decimal) -> EngineResult<Decimal> {
        let m = match self.meta(inst) {
            Some(m) => m,
            None => return Ok(Decimal::ZERO),
        };
        let q = times_size(size, m.contract_size, "position pnl")?;
        let dp = price.sub_c(entry, "position pnl")?;
        // PnL is money the engine posts (variation margin, realized PnL): on the money grid.
        match m.kind {
            ContractKind::Linear => Ok(to_money(q.mul_c(dp, "position pnl")?)),
            ContractKind::Inverse => Ok(to_money_places(q.mul_c(dp, "position pnl")?.div_c(entry, "inverse pnl")?, LEGACY_MONEY_DP)),
        }
    }

    /// Funding owed by `size` contracts held since the funding index stood at `entry_index`
    /// (Drift-style: size × (index now − index at entry)), as money on the money grid.
    pub fn funding_owed(&self, inst: usize, size: Decimal, entry_index: Decimal, t: u32) -> EngineResult<Decimal> {
        let per_contract = self.funding(inst, t).sub_c(entry_index, "funding owed")?;
        Ok(to_money(size.mul_c(per_contract, "funding owed")?))
    }

    /// Value of `units` of collateral asset `asset` at step `t` (a sale's proceeds): units × price,
    /// less the asset's haircut on a positive holding, as money on the money grid.
    pub fn collateral_worth(&self, asset: usize, units: Decimal, t: u32) -> EngineResult<Decimal> {
        let mut val = units.mul_c(self.asset_price(asset, t), "collateral value")?;
        if val > Decimal::ZERO {
            let h = self.haircuts.get(asset).copied().unwrap_or_default();
            val = val.mul_c(Decimal::ONE - h, "collateral haircut")?;
        }
        Ok(to_money(val))
    }

    /// Notional in quote currency at `price` (inverse: contracts × contract size).
    pub fn notional(&self, inst: usize, size: Decimal, price: Decimal) -> EngineResult<Decimal> {
        let m = match self.meta(inst) {
            Some(m) => m,
            None => return Ok(Decimal::ZERO),
        };
        let q = times_size(size.abs(), m.contract_size, "notional")?;
        match m.kind {
            ContractKind::Linear => q.mul_c(price, "notional"),
            ContractKind::Inverse => Ok(q),
        }
    }

    /// The price impact of trading `size` of `inst` at `price`, before any cap: the instrument's
    /// impact × notional / 1,000,000, as a fraction of the price.
    pub fn price_impact(&self, inst: usize, size: Decimal, price: Decimal) -> EngineResult<Decimal> {
        let impact = self.meta(inst).map(|m| m.price_impact).unwrap_or_default();
        let notional = self.notional(inst, size, price)?;
        per_million(impact.mul_c(notional, "slippage")?)
    }

    /// Execution price of closing `size` (signed position being closed) at `price`: a seller
    /// gets less, a buyer pays more, by impact × notional / 1,000,000, capped at `max_slippage`.
    pub fn exec_price(&self, inst: usize, size: Decimal, price: Decimal, extra_discount: Decimal, max_slippage: Decimal) -> EngineResult<Decimal> {
        let slip = self.price_impact(inst, size, price)?.add_c(extra_discount, "slippage")?.min(max_slippage);
        // Closing a long sells (price down); closing a short buys (price up).
        let signed = if size.is_sign_negative() { -slip } else { slip };
        let raw = price.mul_c(Decimal::ONE.sub_c(signed, "slippage")?, "execution price")?;
        // Fills happen on the tick grid.
        let tick = self.meta(inst).map(|m| m.tick_size).unwrap_or_default();
        super::tick::round_to_tick(raw, tick).ok_or_else(|| super::money::EngineError::Overflow { what: "execution price rounded to the tick".into() })
    }
}

/// `x / 1,000,000`: exact as a shift of the scale while the scale stays within a decimal's 28
/// places (a `Decimal` division by 10^6 gives the same value there, at ~10× the cost); otherwise
/// that division, with its rounding.
fn per_million(x: Decimal) -> EngineResult<Decimal> {
    if x.scale() <= 22 {
        Ok(Decimal::from_i128_with_scale(x.mantissa(), x.scale() + 6))
    } else {
        x.div_c(Decimal::from(1_000_000), "slippage")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn pnl_linear_and_inverse() {
        let mut s = Scenario { steps: 2, ..Default::default() };
        s.instruments.push(Instrument { id: "L".into(), ..Default::default() });
        s.instruments.push(Instrument { id: "I".into(), kind: ContractKind::Inverse, ..Default::default() });
        let m = Market::build(&s, Paths { marks: vec![vec![d("100"); 3], vec![d("10000"); 3]], vols: Vec::new(), last: Vec::new() }).unwrap();
        assert_eq!(m.pnl_at(0, d("2"), d("100"), d("90")).unwrap(), d("-20"));
        // 10,000 USD long from 10,000 to 9,090.909...: loses ≈ 0.1 BTC ≈ 909.09 USD at that price.
        let p = m.pnl_at(1, d("10000"), d("10000"), d("9000")).unwrap();
        assert_eq!(p, d("-1000"));
        assert_eq!(m.exec_price(0, d("1"), d("100"), d("0.05"), d("0.5")).unwrap(), d("95"));
        assert_eq!(m.exec_price(0, d("-1"), d("100"), d("0.05"), d("0.5")).unwrap(), d("105"));
    }

    #[test]
    fn funding_index_accumulates() {
        let mut s = Scenario { steps: 3, ..Default::default() };
        s.instruments.push(Instrument { id: "L".into(), funding_rate: d("0.001"), ..Default::default() });
        let m = Market::build(&s, Paths { marks: vec![vec![d("100"); 4]], vols: Vec::new(), last: Vec::new() }).unwrap();
        assert_eq!(m.funding(0, 3), d("0.3"));
    }

    /// The scale shift gives the value the division by 10^6 gave, and the same execution prices.
    #[test]
    fn per_million_is_the_division() {
        use rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for i in 0..200_000u32 {
            // Mantissas of every width up to 96 bits, both signs, at every scale.
            let wide = (i128::from(rng.next_u64()) << 32 | i128::from(rng.next_u32())) >> (rng.next_u32() % 96);
            let mantissa = if rng.next_u32() % 2 == 0 { wide } else { -wide };
            let x = Decimal::from_i128_with_scale(mantissa, rng.next_u32() % 29);
            let want = x.checked_div(Decimal::from(1_000_000)).unwrap();
            let got = per_million(x).unwrap();
            assert_eq!(got, want, "{x} (case {i})");
        }
    }
}
