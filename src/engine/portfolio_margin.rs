//! Portfolio margin as the run's margin (issue 18): when `venue.margin_model` is a scenario grid,
//! SPAN or historical VaR / ES, an account's cross positions are margined together — one book per
//! underlying (a future or perpetual with the options on it), revalued under the model's
//! scenarios; the worst counted loss sets the book's risk; spread credits give part of it back
//! between related underlyings; historical simulation revalues the whole account on the path's
//! own past dates, so the legs' correlation is the path's.
//!
//! Event-driven and exact: each instrument's P&L per unit of underlying in every scenario is
//! computed once per step (`PortfolioTables::build`, Black-76 from `options/black76.rs`, kept to
//! 18 places as the grid does), so an account's requirement is exact decimal sums of its sizes
//! times those figures; the indexed scan (`scan.rs`) wakes a portfolio-margined account only at
//! the next step where one of its inputs — a mark, a volatility, an option's time to expiry, a
//! funding index — moves ([`PortfolioTables::next_change`]).

use super::account::{position_requirements, Pos};
use super::market::Market;
use super::money::{Checked, EngineError, EngineResult};
use super::options::black76::PremiumIn;
use super::options::hist_var::tail;
use super::options::normal::{to_decimal, to_f64};
use super::options::scenario_grid::{self as grid, Book, GridParams, Leg, PriceMove, PriceRange, Shock, VolMove, VolRule, Weight, PNL_DP};
use crate::scenario::{HistVarSpec, MarginModelSpec, Scenario, TailMeasure};
use rust_decimal::Decimal;

/// What a portfolio model needs through the run: its parameters, the spread credits by
/// instrument index, and every instrument's unit P&L per step and scenario.
#[derive(Debug)]
pub struct PortfolioTables {
    pub spec: MarginModelSpec,
    params: GridParams,
    /// SPAN: the short option minimum per short option unit, a fraction of the price scan range.
    som_of_range: Decimal,
    /// Roll shock as a fraction of the futures' value (the grid's own is in coin units).
    roll_min_move: Decimal,
    spreads: Vec<(usize, usize, Decimal)>,
    hist: Option<HistVarSpec>,
    /// `[instrument][step][scenario]`: P&L of one long unit of underlying, in the quote currency.
    units: Vec<Vec<Vec<Decimal>>>,
    /// `[instrument][step]`: the next step at which the instrument's mark, funding index or unit
    /// P&Ls differ from this step's (u32::MAX: never).
    next: Vec<Vec<u32>>,
    /// The cumulated series of the slack band (portfolio_band.rs).
    pub(super) band: super::portfolio_band::BandPaths,
}

/// Which scenario drives an account's requirement.
#[derive(Clone, Debug, PartialEq)]
pub enum Driver {
    /// A grid scenario of the book on `root`'s underlying.
    Grid { root: usize, scenario: grid::ScenarioPnl },
    /// Historical: the change of steps `from` → `from + horizon`, replayed on today's book.
    History { from: u32, horizon: u32 },
    /// Historical model before the path has one change: the per-instrument requirement.
    PerInstrument,
}

/// An account's portfolio requirement and how it was reached (quote currency).
#[derive(Clone, Debug, PartialEq)]
pub struct PortfolioReq {
    pub maintenance: Decimal,
    pub initial: Decimal,
    /// The risk before spread credits (the sum of the books' risks; historical: the tail measure).
    pub gross: Decimal,
    /// Spread credits given back.
    pub credit: Decimal,
    /// The loss of the driving scenario (counted: weighted, before credits).
    pub worst_loss: Decimal,
    pub driver: Driver,
}

fn invalid(why: String) -> EngineError {
    EngineError::Invalid { errors: vec![format!("margin_model: {why}")] }
}

/// The root of instrument `i`: an option's underlying, else itself.
fn root(m: &Market, i: usize) -> usize {
    m.option(i).map(|o| o.underlying).unwrap_or(i)
}

/// Instrument `i` as a grid leg of `qty` units of underlying at step `t`.
fn leg(m: &Market, i: usize, qty: Decimal, t: u32) -> Leg {
    match m.option(i) {
        Some(o) => {
            let left = Decimal::from(o.expiry.saturating_sub(t)).checked_mul(o.days_per_step).unwrap_or_default();
            let sigma = m.vols.get(i).and_then(|v| v.get(t as usize)).copied().unwrap_or_default();
            Leg::Option { qty, kind: o.kind, strike: to_f64(o.strike), forward: to_f64(m.mark(o.underlying, t)), days: to_f64(left), sigma: to_f64(sigma) }
        }
        None => Leg::Future { qty, forward: to_f64(m.mark(i, t)), month: 0 },
    }
}

impl PortfolioTables {
    /// Source: margin-models.md §3 (Deribit-PM grid), §4 (SPAN's sixteen scenarios), §5
    /// (historical simulation): the model's scenarios, and each instrument's P&L per long unit
    /// in each of them at every step. None for the per-instrument model.
    pub fn build(spec: &MarginModelSpec, s: &Scenario, m: &Market) -> EngineResult<Option<PortfolioTables>> {
        let spec = spec.clone();
        let f = |x: Decimal| to_f64(x);
        let (params, som_of_range, roll_min_move, spreads, hist) = match &spec {
            MarginModelSpec::PerInstrument => return Ok(None),
            MarginModelSpec::ScenarioGrid(g) => {
                let mut scenarios = Vec::new();
                let b = g.buckets as i32;
                for i in -b..=b {
                    // Vol unchanged first: a futures book's worst case (equal in all three) is
                    // named without a vol move it does not feel.
                    for vol in [VolMove::Same, VolMove::Down, VolMove::Up] {
                        scenarios.push(Shock { price: PriceMove::OfRange { num: i, den: b }, vol, weight: Weight::Full });
                    }
                }
                if g.extended {
                    for mv in [-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0] {
                        scenarios.push(Shock { price: PriceMove::Relative(mv), vol: VolMove::Up, weight: Weight::Extended });
                    }
                }
                let d = GridParams::deribit_pm();
                let vol = match d.vol {
                    VolRule::Relative { short_power, long_power, pivot_days, .. } => VolRule::Relative { up: f(g.vol_up), down: f(g.vol_down), short_power, long_power, pivot_days },
                    other => other,
                };
                let p = GridParams {
                    price_range: PriceRange::Relative(f(g.price_range)),
                    vol,
                    scenarios,
                    extended_dampener: f(g.dampener),
                    roll_min_move: Decimal::ZERO,
                    maintenance_factor: g.mm_factor,
                    ..d
                };
                (p, Decimal::ZERO, g.roll_min_move, g.spreads.clone(), None)
            }
            MarginModelSpec::Span(sp) => {
                let base = super::options::span::span_params(1.0, f(sp.vol_scan), Decimal::ZERO, Decimal::ZERO);
                let p = GridParams { price_range: PriceRange::Relative(f(sp.price_scan)), initial_factor: sp.initial_factor, ..base };
                let som = sp.short_option_minimum.mul_c(sp.price_scan, "short option minimum")?;
                (p, som, Decimal::ZERO, sp.spreads.clone(), None)
            }
            MarginModelSpec::HistVar(h) => {
                let p = GridParams { price_range: PriceRange::Relative(0.0), scenarios: Vec::new(), lookahead_days: 0.0, ..GridParams::deribit_pm() };
                (p, Decimal::ZERO, Decimal::ZERO, Vec::new(), Some(h.clone()))
            }
        };
        let idx = |id: &str| s.instruments.iter().position(|x| x.id == id).ok_or_else(|| invalid(format!("no instrument `{id}`")));
        let spreads = spreads.iter().map(|c| Ok((idx(&c.a)?, idx(&c.b)?, c.credit))).collect::<EngineResult<Vec<_>>>()?;
        let steps = s.steps;
        let mut units = Vec::with_capacity(m.meta.len());
        for i in 0..m.meta.len() {
            let mut per_step = Vec::with_capacity(steps as usize + 1);
            for t in 0..=steps {
                let l = leg(m, i, Decimal::ONE, t);
                let today = grid::today(PremiumIn::Quote, &l)?;
                let row = match &hist {
                    None => params.scenarios.iter().map(|shock| grid::leg_pnl_from(&params, PremiumIn::Quote, &l, shock, today)).collect::<EngineResult<Vec<_>>>()?,
                    Some(h) => {
                        let r = root(m, i);
                        let (lo, n) = window(h, t);
                        let mut row = Vec::with_capacity(n as usize);
                        for k in lo..lo + n {
                            let ret = m.mark(r, k + h.horizon).div_c(m.mark(r, k), "historical return")?.sub_c(Decimal::ONE, "historical return")?.round_dp(12);
                            let shock = Shock { price: PriceMove::Relative(to_f64(ret)), vol: VolMove::Same, weight: Weight::Full };
                            row.push(grid::leg_pnl_from(&params, PremiumIn::Quote, &l, &shock, today)?);
                        }
                        row
                    }
                };
                per_step.push(row);
            }
            units.push(per_step);
        }
        let mut next = Vec::with_capacity(units.len());
        for (i, rows) in units.iter().enumerate() {
            let mut nx = vec![u32::MAX; rows.len()];
            let mut later = u32::MAX;
            for t in (0..rows.len()).rev() {
                nx[t] = later; // ok: t < len
                if t > 0 {
                    let (a, b) = (t as u32 - 1, t as u32);
                    let same = m.mark(i, a) == m.mark(i, b) && m.funding(i, a) == m.funding(i, b) && rows.get(t - 1) == rows.get(t);
                    if !same {
                        later = b;
                    }
                }
            }
            next.push(nx);
        }
        let bandable = hist.is_none() && spreads.is_empty();
        let band = super::portfolio_band::BandPaths::build(m, &params, &units, bandable);
        Ok(Some(PortfolioTables { spec, params, som_of_range, roll_min_move, spreads, hist, units, next, band }))
    }

    /// Maintenance = this × the risk.
    pub(super) fn maintenance_factor(&self) -> Decimal {
        self.params.maintenance_factor
    }

    /// The roll shock per unit of futures value.
    pub(super) fn roll_rate(&self) -> Decimal {
        self.roll_min_move
    }

    /// SPAN's short option minimum per short unit and unit of the underlying's price.
    pub(super) fn som_of_range(&self) -> Decimal {
        self.som_of_range
    }

    /// The next step after `t` at which instrument `i`'s inputs move (u32::MAX: never).
    pub fn next_change(&self, i: usize, t: u32) -> u32 {
        self.next.get(i).and_then(|v| v.get(t as usize)).copied().unwrap_or(u32::MAX)
    }

    fn unit(&self, i: usize, t: u32, k: usize) -> EngineResult<Decimal> {
        self.units.get(i).and_then(|v| v.get(t as usize)).and_then(|r| r.get(k)).copied().ok_or_else(|| invalid(format!("no scenario {k} for instrument {i} at step {t}")))
    }
}

/// The window of historical changes at step `t`: first start step and how many (the changes
/// P[k+h]/P[k] − 1 for k + h ≤ t, the last `lookback` of them).
fn window(h: &HistVarSpec, t: u32) -> (u32, u32) {
    if t < h.horizon {
        return (0, 0);
    }
    let last = t - h.horizon;
    let n = (last + 1).min(h.lookback);
    (last + 1 - n, n)
}

/// Source: Deribit support "Portfolio Margin"; CME "SPAN Methodology Overview"; EMIR RTS
/// 153/2013 Arts. 24–28 (margin-models.md §3–§5): the requirement of a set of positions margined
/// together at step `t` — None when the venue margins per instrument. Grid / SPAN: one book per
/// underlying, risk = max(worst counted loss + roll shock, short option minimum), less the spread
/// credits, never below 0; initial and maintenance are the model's multiples of it. Historical:
/// VaR or ES of the whole set's P&L over the window, × (1 + buffer), at least floor × the
/// per-instrument requirement.
pub fn requirement<'p>(m: &Market, pm: Option<&PortfolioTables>, positions: impl Iterator<Item = &'p Pos> + Clone, t: u32) -> EngineResult<Option<PortfolioReq>> {
    let Some(pm) = pm else { return Ok(None) };
    const W: &str = "portfolio margin";
    // Legs and their instruments, grouped by root (few positions: a linear scan).
    let mut books: Vec<(usize, Book, Vec<usize>)> = Vec::new();
    for p in positions.clone() {
        if p.size.is_zero() {
            continue;
        }
        let cs = m.meta(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
        let qty = p.size.mul_c(cs, W)?;
        let r = root(m, p.inst);
        let l = leg(m, p.inst, qty, t);
        match books.iter_mut().find(|b| b.0 == r) {
            Some(b) => {
                b.1.legs.push(l);
                b.2.push(p.inst);
            }
            None => books.push((r, Book { unit: PremiumIn::Quote, index: 1.0, legs: vec![l] }, vec![p.inst])),
        }
    }
    if books.is_empty() {
        return Ok(Some(PortfolioReq { maintenance: Decimal::ZERO, initial: Decimal::ZERO, gross: Decimal::ZERO, credit: Decimal::ZERO, worst_loss: Decimal::ZERO, driver: Driver::PerInstrument }));
    }
    if let Some(h) = &pm.hist {
        return historical(m, pm, h, &books, positions, t);
    }
    // Each book's grid, its risk (with SPAN's short option minimum) and, for spreads, its delta.
    let mut risks: Vec<(usize, Decimal, grid::GridMargin)> = Vec::with_capacity(books.len());
    for (r, book, insts) in &books {
        let g = grid::grid_margin_by(&pm.params, book, |li, k| pm.unit(*insts.get(li).unwrap_or(&usize::MAX), t, k))?;
        // Roll shock on the futures' value (Deribit counts it in coin: × the mark in quote).
        let mut futures = Decimal::ZERO;
        for (l, &i) in book.legs.iter().zip(insts) {
            if let Leg::Future { qty, .. } = l {
                futures = futures.add_c(qty.abs().mul_c(m.mark(i, t), W)?, W)?;
            }
        }
        let roll = futures.mul_c(pm.roll_min_move, W)?;
        let som_rate = pm.som_of_range.mul_c(m.mark(*r, t), W)?;
        let risk = g.worst_case.add_c(roll, W)?.max(grid::short_option_minimum(book, som_rate)?);
        risks.push((*r, risk, g));
    }
    let gross = risks.iter().try_fold(Decimal::ZERO, |a, x| a.add_c(x.1, W))?;
    let mut credit = Decimal::ZERO;
    for &(a, b, rate) in &pm.spreads {
        let find = |r: usize| risks.iter().position(|x| x.0 == r);
        let (Some(ia), Some(ib)) = (find(a), find(b)) else { continue };
        let delta = |k: usize| -> EngineResult<Decimal> {
            let (r, book) = (books[k].0, &books[k].1); // ok: k < books.len() (same order as risks)
            let d = grid::book_delta(book)? * to_f64(m.mark(r, t));
            to_decimal(d, 6).ok_or_else(|| invalid(format!("a book's delta is not finite ({d})")))
        };
        // The scan risk of each leg (the worst counted loss), SPAN's inter-commodity credit.
        let (sa, sb) = (risks[ia].2.worst_case, risks[ib].2.worst_case); // ok: found above
        credit = credit.add_c(grid::inter_commodity_credit(sa, delta(ia)?, sb, delta(ib)?, rate)?, W)?;
    }
    let risk = gross.sub_c(credit, W)?.max(Decimal::ZERO);
    let top = risks.iter().max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0))).ok_or_else(|| invalid("no book".into()))?; // ok: books non-empty
    let scenario = top.2.scenarios.get(top.2.worst).cloned().ok_or_else(|| invalid("no worst scenario".into()))?;
    Ok(Some(PortfolioReq {
        maintenance: risk.mul_c(pm.params.maintenance_factor, W)?,
        initial: risk.mul_c(pm.params.initial_factor, W)?,
        gross,
        credit: credit.min(gross),
        worst_loss: top.2.worst_case,
        driver: Driver::Grid { root: top.0, scenario },
    }))
}

/// Source: margin-models.md §5 steps 1, 3–5 (historical simulation, exact quantile convention,
/// APC buffer EMIR RTS 153/2013 Art. 28(a)): the set's P&L on every date of the window, all
/// underlyings moved together, then VaR / ES at the confidence.
fn historical<'p>(m: &Market, pm: &PortfolioTables, h: &HistVarSpec, books: &[(usize, Book, Vec<usize>)], positions: impl Iterator<Item = &'p Pos>, t: u32) -> EngineResult<Option<PortfolioReq>> {
    const W: &str = "historical margin";
    let (lo, n) = window(h, t);
    let mut per_instrument = (Decimal::ZERO, Decimal::ZERO);
    for p in positions {
        let (mm, im) = position_requirements(m, p, t)?;
        per_instrument = (per_instrument.0.add_c(mm, W)?, per_instrument.1.add_c(im, W)?);
    }
    if n == 0 {
        let (mm, im) = per_instrument;
        return Ok(Some(PortfolioReq { maintenance: mm, initial: im, gross: mm, credit: Decimal::ZERO, worst_loss: Decimal::ZERO, driver: Driver::PerInstrument }));
    }
    let mut pnl = vec![Decimal::ZERO; n as usize];
    for (_, book, insts) in books {
        for (l, &i) in book.legs.iter().zip(insts) {
            for (k, acc) in pnl.iter_mut().enumerate() {
                *acc = acc.add_c(l.qty().mul_c(pm.unit(i, t, k)?, W)?.round_dp(PNL_DP), W)?;
            }
        }
    }
    let tl = tail(&pnl, h.confidence)?;
    let measure = match h.measure {
        TailMeasure::Var => tl.var,
        TailMeasure::Es => tl.es,
    }
    .max(Decimal::ZERO);
    let buffered = measure.mul_c(Decimal::ONE.add_c(h.buffer, W)?, W)?;
    let floor = per_instrument.0.mul_c(h.floor, W)?;
    let req = buffered.max(floor);
    // The worst date (the first of equal losses).
    let (worst_k, worst_pnl) = pnl.iter().enumerate().min_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0))).map(|(k, v)| (k, *v)).unwrap_or((0, Decimal::ZERO));
    Ok(Some(PortfolioReq {
        maintenance: req,
        initial: req,
        gross: measure,
        credit: Decimal::ZERO,
        worst_loss: (-worst_pnl).max(Decimal::ZERO),
        driver: Driver::History { from: lo + worst_k as u32, horizon: h.horizon },
    }))
}

/// The words the account's story uses for the scenario driving its margin: "worst case: price
/// −16 %, vol up (BTC-PERP book), a loss of 5,500.30" or "worst case: steps 12→13 replayed
/// (NORDIC −3.1 %, GERMAN +2 %)".
pub fn describe(m: &Market, req: &PortfolioReq, positions: &[Pos]) -> String {
    let id = |i: usize| m.meta(i).map(|x| x.id.clone()).unwrap_or_default();
    match &req.driver {
        Driver::Grid { root, scenario } => {
            // A book without options does not feel a vol move: name the price move alone.
            let has_options = positions.iter().any(|p| m.option(p.inst).map(|o| o.underlying) == Some(*root));
            let label = scenario.label();
            let label = if has_options { label } else { label.split(", vol").next().unwrap_or_default().to_string() };
            format!("worst case: {label} on the {} book", id(*root))
        }
        Driver::History { from, horizon } => {
            let mut roots: Vec<usize> = positions.iter().filter(|p| !p.size.is_zero()).map(|p| root(m, p.inst)).collect();
            roots.sort_unstable();
            roots.dedup();
            let moves: Vec<String> = roots
                .iter()
                .filter_map(|&r| {
                    let ret = m.mark(r, from + horizon).checked_div(m.mark(r, *from))?.checked_sub(Decimal::ONE)?;
                    let pct = (ret * Decimal::ONE_HUNDRED).round_dp(1).normalize();
                    let sign = if pct > Decimal::ZERO { "+" } else if pct < Decimal::ZERO { "\u{2212}" } else { "±" };
                    Some(format!("{} {sign}{} %", id(r), pct.abs()))
                })
                .collect();
            format!("worst case: steps {}\u{2192}{} replayed ({})", from, from + horizon, moves.join(", "))
        }
        Driver::PerInstrument => "per instrument until the path has a first change".into(),
    }
}
