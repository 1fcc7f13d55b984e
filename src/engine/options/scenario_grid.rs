//! Scenario-grid portfolio margin: reprice a whole book under price moves × volatility shocks,
//! take the worst, add what scanning misses (roll shock, inter-month spreads), floor by the
//! short-option minimum (margin-models.md §3, §4). Two parameter sets: Deribit-PM-like
//! ([`GridParams::deribit_pm`]) and SPAN-like (`span::span_params`).
//!
//! Option values come from Black-76 in f64 (see `normal.rs` for why that is deterministic) and
//! enter `Decimal` at 18 places; futures P&L is exact decimal arithmetic; each position's P&L is
//! rounded to [`PNL_DP`] places, and everything after that — sums, weights, the worst case, the
//! requirement — is exact.

use super::black76::{Black76, OptionKind, PremiumIn};
use super::normal::{pow, to_decimal};
use crate::engine::money::{Checked, EngineError, EngineResult};
use rust_decimal::Decimal;

/// Places each position's scenario P&L is rounded to before the book's exact sum (1e-12 of a
/// coin or a dollar).
pub const PNL_DP: u32 = 12;

/// One position of a book, per 1 unit of underlying (1 coin). `qty` > 0 long, < 0 short. A
/// future in a coin book is inverse (its `qty` is its notional in coin), in a quote book linear.
#[derive(Clone, Debug, PartialEq)]
pub enum Leg {
    Future { qty: Decimal, forward: f64, month: u32 },
    Option { qty: Decimal, kind: OptionKind, strike: f64, forward: f64, days: f64, sigma: f64 },
}

impl Leg {
    pub fn qty(&self) -> Decimal {
        match self {
            Leg::Future { qty, .. } | Leg::Option { qty, .. } => *qty,
        }
    }
}

/// The positions on one underlying (SPAN's "combined commodity"), all valued in one unit:
/// coin (inverse futures, coin-settled options, Deribit) or quote (linear, CME). `index` turns
/// quote amounts (the extended table's dampener) into coin.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    pub unit: PremiumIn,
    pub index: f64,
    pub legs: Vec<Leg>,
}

/// A scenario's price move: a fraction `num/den` of the price range (exact thirds for SPAN), or
/// a relative move outright (Deribit's extended table).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PriceMove {
    OfRange { num: i32, den: i32 },
    Relative(f64),
}

/// Which way volatility is shocked in a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolMove {
    Down,
    Same,
    Up,
}

/// How much of a scenario's P&L counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weight {
    Full,
    /// A fixed fraction (SPAN's extreme moves at 35 %).
    Fraction(Decimal),
    /// Deribit's extended table: price_range/|m| × (1+m)/(1 + sign(m)·range) × factor, less the
    /// dampener.
    Extended,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shock {
    pub price: PriceMove,
    pub vol: VolMove,
    pub weight: Weight,
}

/// How far prices move at a full step: a fraction of the forward (Deribit ±16 %) or an amount
/// in price units (SPAN's price scan range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PriceRange {
    Relative(f64),
    Absolute(f64),
}

/// How a volatility shock moves σ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VolRule {
    /// Deribit-PM: k = (pivot/max(DTE, 1))^p with p = short power below `pivot_days`, long power
    /// from it; σ_up = σ(1 + up·k), σ_down = σ(1 − down·k) (never below 0). Paradex publishes the
    /// same rule; Deribit's exact one is [U].
    Relative { up: f64, down: f64, short_power: f64, long_power: f64, pivot_days: f64 },
    /// SPAN: σ ± the volatility scan range in absolute vol points (never below 0).
    Absolute { scan: f64 },
}

/// A margin model's parameter set.
#[derive(Clone, Debug, PartialEq)]
pub struct GridParams {
    pub price_range: PriceRange,
    pub vol: VolRule,
    pub scenarios: Vec<Shock>,
    /// Extended-table factor and dampener (quote units), Deribit.
    pub extended_factor: f64,
    pub extended_dampener: f64,
    /// Days of decay each scenario applies to options (SPAN's look-ahead: 1; Deribit: 0).
    pub lookahead_days: f64,
    /// Share of a scenario's gain that counts (Deribit pnl_offset 0: gains ignored; SPAN 1).
    pub gains_counted: Decimal,
    /// Per the larger of short calls and short puts (SPAN's short option minimum).
    pub short_option_minimum: Decimal,
    /// Roll shock: this move × Σ |futures qty| (Deribit min_annualised_move).
    pub roll_min_move: Decimal,
    /// Charge per spread formed between futures months (scanning moves all months together).
    pub intra_spread_charge: Decimal,
    /// Initial = risk × initial_factor; maintenance = risk × maintenance_factor.
    pub initial_factor: Decimal,
    pub maintenance_factor: Decimal,
}

impl GridParams {
    /// Source: Deribit `private/pme/simulate` example, June 2024 (margin-models.md §3): ±16 % in
    /// 4 buckets a side, vol up 50 % / down 25 %, vega powers 0.30 / 0.13 around 30 days,
    /// extended moves −66 … +500 % on vol-up with factor 1 and a 100,000 USD dampener, gains
    /// ignored (pnl_offset 0), roll shock 1 %, maintenance = 0.8 × initial.
    pub fn deribit_pm() -> GridParams {
        let mut scenarios = Vec::new();
        for i in -4..=4 {
            for vol in [VolMove::Down, VolMove::Same, VolMove::Up] {
                scenarios.push(Shock { price: PriceMove::OfRange { num: i, den: 4 }, vol, weight: Weight::Full });
            }
        }
        for m in [-0.66, -0.33, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0] {
            scenarios.push(Shock { price: PriceMove::Relative(m), vol: VolMove::Up, weight: Weight::Extended });
        }
        GridParams {
            price_range: PriceRange::Relative(0.16),
            vol: VolRule::Relative { up: 0.5, down: 0.25, short_power: 0.30, long_power: 0.13, pivot_days: 30.0 },
            scenarios,
            extended_factor: 1.0,
            extended_dampener: 100_000.0,
            lookahead_days: 0.0,
            gains_counted: Decimal::ZERO,
            short_option_minimum: Decimal::ZERO,
            roll_min_move: Decimal::new(1, 2),
            intra_spread_charge: Decimal::ZERO,
            initial_factor: Decimal::ONE,
            maintenance_factor: Decimal::new(8, 1),
        }
    }
}

/// One scenario's outcome: the forward move, the vol move, the raw P&L and the P&L that counts
/// (weighted, dampened, gains scaled). Positive = gain.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioPnl {
    pub index: usize,
    pub price_move: f64,
    pub relative: bool,
    pub vol: VolMove,
    pub raw: Decimal,
    pub counted: Decimal,
}

impl ScenarioPnl {
    /// "price −8 %, vol up" (relative) or "price −6,000, vol up" (SPAN's absolute moves): the
    /// words the account's story uses for the scenario that drives its margin.
    pub fn label(&self) -> String {
        let price = if self.relative {
            let pct = self.price_move * 100.0;
            format!("price {}{} %", if pct < 0.0 { "\u{2212}" } else if pct > 0.0 { "+" } else { "±" }, trim(pct.abs()))
        } else {
            format!("price {}{}", if self.price_move < 0.0 { "\u{2212}" } else { "+" }, trim(self.price_move.abs()))
        };
        let vol = match self.vol {
            VolMove::Up => "vol up",
            VolMove::Same => "vol unchanged",
            VolMove::Down => "vol down",
        };
        format!("{price}, {vol}")
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A book's requirement and how it was reached.
#[derive(Clone, Debug, PartialEq)]
pub struct GridMargin {
    pub scenarios: Vec<ScenarioPnl>,
    /// Index of the scenario with the lowest counted P&L (the first such, in scenario order).
    pub worst: usize,
    /// max(0, −worst counted P&L).
    pub worst_case: Decimal,
    pub roll_shock: Decimal,
    pub spread_charge: Decimal,
    pub short_option_minimum: Decimal,
    /// max(worst_case + roll_shock + spread_charge, short_option_minimum).
    pub risk: Decimal,
    pub initial: Decimal,
    pub maintenance: Decimal,
}

fn invalid(field: &str, why: String) -> EngineError {
    EngineError::Invalid { errors: vec![format!("{field}: {why}")] }
}

/// The shocked σ of an option with `days` to expiry.
fn shocked_sigma(rule: VolRule, vol: VolMove, sigma: f64, days: f64) -> f64 {
    let s = match (rule, vol) {
        (_, VolMove::Same) => sigma,
        (VolRule::Absolute { scan }, VolMove::Up) => sigma + scan,
        (VolRule::Absolute { scan }, VolMove::Down) => sigma - scan,
        (VolRule::Relative { up, down, short_power, long_power, pivot_days }, v) => {
            let p = if days < pivot_days { short_power } else { long_power };
            let k = pow(pivot_days / days.max(1.0), p);
            if v == VolMove::Up {
                sigma * (1.0 + up * k)
            } else {
                sigma * (1.0 - down * k)
            }
        }
    };
    s.max(0.0)
}

/// The forward after a move.
fn moved(range: PriceRange, price: PriceMove, forward: f64) -> f64 {
    match (price, range) {
        (PriceMove::Relative(m), _) => forward * (1.0 + m),
        (PriceMove::OfRange { num, den }, PriceRange::Relative(r)) => forward * (1.0 + r * num as f64 / den as f64),
        (PriceMove::OfRange { num, den }, PriceRange::Absolute(a)) => forward + a * num as f64 / den as f64,
    }
}

/// The move as a number for the label: a fraction of the forward, or price units.
fn move_size(range: PriceRange, price: PriceMove) -> (f64, bool) {
    match (price, range) {
        (PriceMove::Relative(m), _) => (m, true),
        (PriceMove::OfRange { num, den }, PriceRange::Relative(r)) => (r * num as f64 / den as f64, true),
        (PriceMove::OfRange { num, den }, PriceRange::Absolute(a)) => (a * num as f64 / den as f64, false),
    }
}

fn option_value(unit: PremiumIn, kind: OptionKind, forward: f64, strike: f64, days: f64, sigma: f64) -> EngineResult<f64> {
    let v = Black76 { kind, forward, strike, years: days.max(0.0) / 365.0, sigma, rate: 0.0 }.price()?;
    Ok(match unit {
        PremiumIn::Quote => v,
        PremiumIn::Coin => v / forward,
    })
}

/// Places a leg's per-unit option P&L keeps when it leaves f64 (beyond f64's own precision, so
/// nothing is lost; the book's sum rounds each position's P&L to [`PNL_DP`]).
const UNIT_DP: u32 = 18;

/// The forward after a move, in exact decimals (futures: so 0.315 × (1 − 1/0.84) is −0.06).
fn moved_exact(range: PriceRange, price: PriceMove, forward: f64) -> EngineResult<(Decimal, Decimal)> {
    let dec = |x: f64, what: &str| to_decimal(x, PNL_DP).ok_or_else(|| invalid(what, format!("{x} is not a finite number")));
    let f = dec(forward, "grid.forward")?;
    let f1 = match (price, range) {
        (PriceMove::Relative(m), _) => f.mul_c(Decimal::ONE + dec(m, "grid.scenarios")?, "moved forward")?,
        (PriceMove::OfRange { num, den }, PriceRange::Relative(r)) => {
            let step = dec(r, "grid.price_range")?.mul_c(Decimal::from(num), "moved forward")?.div_c(Decimal::from(den), "moved forward")?;
            f.mul_c(Decimal::ONE + step, "moved forward")?
        }
        (PriceMove::OfRange { num, den }, PriceRange::Absolute(a)) => {
            f + dec(a, "grid.price_range")?.mul_c(Decimal::from(num), "moved forward")?.div_c(Decimal::from(den), "moved forward")?
        }
    };
    if f1 <= Decimal::ZERO {
        return Err(invalid("grid.price_range", format!("a scenario moves the forward {f} to {f1} (must stay > 0)")));
    }
    Ok((f, f1))
}

/// Source: scenario revaluation as in CME "SPAN Methodology Overview" and Deribit support
/// "Portfolio Margin" (margin-models.md §3, §4): one leg's P&L per long unit under a shock, in the
/// book's unit. Inverse future (coin): 1 − F/F'; linear future: F' − F (both in exact decimals);
/// option: its Black-76 value at (F', σ', T − look-ahead) less today's (coin: each over its own
/// forward), in f64, kept to 18 places.
pub fn leg_pnl(p: &GridParams, unit: PremiumIn, leg: &Leg, shock: &Shock) -> EngineResult<Decimal> {
    leg_pnl_from(p, unit, leg, shock, today(unit, leg)?)
}

/// A leg's value today in the book's unit (options; 0 for futures): computed once per grid.
pub(crate) fn today(unit: PremiumIn, leg: &Leg) -> EngineResult<f64> {
    match *leg {
        Leg::Future { .. } => Ok(0.0),
        Leg::Option { kind, strike, forward, days, sigma, .. } => option_value(unit, kind, forward, strike, days, sigma),
    }
}

pub(crate) fn leg_pnl_from(p: &GridParams, unit: PremiumIn, leg: &Leg, shock: &Shock, today: f64) -> EngineResult<Decimal> {
    match *leg {
        Leg::Future { forward, .. } => {
            let (f, f1) = moved_exact(p.price_range, shock.price, forward)?;
            match unit {
                PremiumIn::Quote => f1.sub_c(f, "future scenario P&L"),
                PremiumIn::Coin => Ok(Decimal::ONE - f.div_c(f1, "future scenario P&L")?),
            }
        }
        Leg::Option { kind, strike, forward, days, sigma, .. } => {
            let f1 = moved(p.price_range, shock.price, forward);
            if f1 <= 0.0 {
                return Err(invalid("grid.price_range", format!("a scenario moves the forward {forward} to {f1} (must stay > 0)")));
            }
            let s1 = shocked_sigma(p.vol, shock.vol, sigma, days);
            let pnl = option_value(unit, kind, f1, strike, days - p.lookahead_days, s1)? - today;
            to_decimal(pnl, UNIT_DP).ok_or_else(|| invalid("grid", format!("a scenario P&L is not finite ({pnl})")))
        }
    }
}

/// Source: Deribit extended table as reproduced by a public re-implementation and Paradex's
/// "Portfolio Margin" weights (margin-models.md §3) [U for options]: adj = pnl × factor ×
/// (range/|m|) × (1+m)/(1 + sign(m)·range); a loss then shrinks by
/// min((|m|/range − 1) × dampener / ((1 + sign(m)·range) × index), |adj|) (index only in coin).
fn extended(p: &GridParams, book: &Book, m: f64, pnl: Decimal) -> EngineResult<Decimal> {
    let range = match p.price_range {
        PriceRange::Relative(r) => r,
        PriceRange::Absolute(_) => return Err(invalid("grid.scenarios", "the extended table needs a relative price range".into())),
    };
    let sign = if m < 0.0 { -1.0 } else { 1.0 };
    let scale = p.extended_factor * (range / m.abs()) * (1.0 + m) / (1.0 + sign * range);
    let scale = to_decimal(scale, PNL_DP).ok_or_else(|| invalid("grid.extended_factor", "not finite".into()))?;
    let adj = pnl.mul_c(scale, "extended-table P&L")?;
    if adj >= Decimal::ZERO {
        return Ok(adj);
    }
    let per_unit = match book.unit {
        PremiumIn::Quote => 1.0,
        PremiumIn::Coin => book.index,
    };
    let damp = (m.abs() / range - 1.0) * p.extended_dampener / ((1.0 + sign * range) * per_unit);
    let damp = to_decimal(damp, PNL_DP).ok_or_else(|| invalid("grid.extended_dampener", "not finite".into()))?;
    Ok(adj + damp.min(-adj))
}

/// Source: SPAN short option minimum since CME Clearing Advisory 99-65 (margin-models.md §4):
/// max(number of short calls, number of short puts) × rate (before 23 Jul 1999: their sum).
pub fn short_option_minimum(book: &Book, rate: Decimal) -> EngineResult<Decimal> {
    let (mut calls, mut puts) = (Decimal::ZERO, Decimal::ZERO);
    for leg in &book.legs {
        if let Leg::Option { qty, kind, .. } = leg {
            if *qty < Decimal::ZERO {
                match kind {
                    OptionKind::Call => calls = calls.add_c(qty.abs(), "short calls")?,
                    OptionKind::Put => puts = puts.add_c(qty.abs(), "short puts")?,
                }
            }
        }
    }
    calls.max(puts).mul_c(rate, "short option minimum")
}

/// Source: SPAN intra-commodity (inter-month) spread charge, CME "SPAN Methodology Overview"
/// (margin-models.md §4; rate mechanics simplified [U]): scanning moves every month together, so
/// each spread formed between a long month and a short month is charged back. Months are netted
/// first; spreads = min(Σ long nets, Σ short nets).
pub fn intra_spread_charge(book: &Book, rate: Decimal) -> EngineResult<Decimal> {
    let mut nets: Vec<(u32, Decimal)> = Vec::new();
    for leg in &book.legs {
        if let Leg::Future { qty, month, .. } = leg {
            match nets.iter_mut().find(|(m, _)| m == month) {
                Some((_, n)) => *n = n.add_c(*qty, "net futures per month")?,
                None => nets.push((*month, *qty)),
            }
        }
    }
    let long: Decimal = nets.iter().filter(|(_, n)| *n > Decimal::ZERO).map(|(_, n)| *n).sum();
    let short: Decimal = nets.iter().filter(|(_, n)| *n < Decimal::ZERO).map(|(_, n)| -*n).sum();
    long.min(short).mul_c(rate, "intra-commodity spread charge")
}

/// Source: SPAN inter-commodity spread credit, CME "SPAN Methodology Overview" (margin-models.md
/// §4; simplified [U]): two books whose deltas offset get back `rate` of each one's scan risk on
/// the delta-matched part: rate × (scan_a × m/|δa| + scan_b × m/|δb|), m = min(|δa|, |δb|), when
/// δa and δb have opposite signs (deltas in one unit, e.g. USD). BTC 6,000 vs ETH 5,000 at 40 %:
/// 4,400.
pub fn inter_commodity_credit(scan_a: Decimal, delta_a: Decimal, scan_b: Decimal, delta_b: Decimal, rate: Decimal) -> EngineResult<Decimal> {
    const W: &str = "inter-commodity spread credit";
    if delta_a.is_zero() || delta_b.is_zero() || delta_a.is_sign_negative() == delta_b.is_sign_negative() {
        return Ok(Decimal::ZERO);
    }
    let m = delta_a.abs().min(delta_b.abs());
    let a = scan_a.mul_c(m, W)?.div_c(delta_a.abs(), W)?;
    let b = scan_b.mul_c(m, W)?.div_c(delta_b.abs(), W)?;
    a.add_c(b, W)?.mul_c(rate, W)
}

/// Source: Deribit support "Portfolio Margin" and the June 2024 `private/pme/simulate` example;
/// CME "SPAN Methodology Overview" (margin-models.md §3, §4): the worst counted scenario P&L of
/// the whole book sets the requirement, plus the roll shock (Σ |futures| × min move) and the
/// inter-month spread charge, floored by the short option minimum: risk = max(worst_case + roll +
/// spread, SOM); initial and maintenance are fixed multiples of it.
pub fn grid_margin(p: &GridParams, book: &Book) -> EngineResult<GridMargin> {
    let values: Vec<f64> = book.legs.iter().map(|l| today(book.unit, l)).collect::<EngineResult<_>>()?;
    grid_margin_by(p, book, |leg, scenario| match (book.legs.get(leg), p.scenarios.get(scenario), values.get(leg)) {
        (Some(l), Some(shock), Some(v)) => leg_pnl_from(p, book.unit, l, shock, *v),
        _ => Err(invalid("grid", "leg or scenario out of range".into())),
    })
}

/// [`grid_margin`] from per-unit leg P&Ls supplied by `unit(leg, scenario)` (the run keeps them
/// per instrument and step, engine/portfolio_margin.rs, so a book's grid is exact sums only).
pub fn grid_margin_by(p: &GridParams, book: &Book, mut unit: impl FnMut(usize, usize) -> EngineResult<Decimal>) -> EngineResult<GridMargin> {
    if p.scenarios.is_empty() {
        return Err(invalid("grid.scenarios", "at least one scenario is needed".into()));
    }
    let mut out = Vec::with_capacity(p.scenarios.len());
    // Each leg's unit P&L per scenario, then the book's by exact decimal sums.
    for (index, shock) in p.scenarios.iter().enumerate() {
        let mut raw = Decimal::ZERO;
        for (li, leg) in book.legs.iter().enumerate() {
            let pnl = leg.qty().mul_c(unit(li, index)?, "scenario P&L")?.round_dp(PNL_DP);
            raw = raw.add_c(pnl, "scenario P&L")?;
        }
        let (size, relative) = move_size(p.price_range, shock.price);
        let weighted = match shock.weight {
            Weight::Full => raw,
            Weight::Fraction(w) => raw.mul_c(w, "weighted scenario P&L")?,
            Weight::Extended => extended(p, book, size, raw)?,
        };
        let counted = if weighted > Decimal::ZERO { weighted.mul_c(p.gains_counted, "counted gain")? } else { weighted };
        out.push(ScenarioPnl { index, price_move: size, relative, vol: shock.vol, raw, counted });
    }
    let worst = out.iter().min_by(|a, b| a.counted.cmp(&b.counted).then(a.index.cmp(&b.index))).map(|s| s.index).unwrap_or(0);
    let worst_case = (-out[worst].counted).max(Decimal::ZERO);
    let futures: Decimal = book.legs.iter().filter_map(|l| match l {
        Leg::Future { qty, .. } => Some(qty.abs()),
        _ => None,
    }).sum();
    let roll_shock = futures.mul_c(p.roll_min_move, "roll shock")?;
    let spread_charge = intra_spread_charge(book, p.intra_spread_charge)?;
    let som = short_option_minimum(book, p.short_option_minimum)?;
    let risk = worst_case.add_c(roll_shock, "risk")?.add_c(spread_charge, "risk")?.max(som);
    Ok(GridMargin {
        scenarios: out,
        worst,
        worst_case,
        roll_shock,
        spread_charge,
        short_option_minimum: som,
        initial: risk.mul_c(p.initial_factor, "initial margin")?,
        maintenance: risk.mul_c(p.maintenance_factor, "maintenance margin")?,
        risk,
    })
}

/// A book's delta in units of underlying: Σ qty × Black-76 delta (futures 1). In a coin book an
/// inverse future's delta is its notional, as Deribit reports it.
pub fn book_delta(book: &Book) -> EngineResult<f64> {
    let mut d = 0.0;
    for leg in &book.legs {
        let q = super::normal::to_f64(leg.qty());
        d += match *leg {
            Leg::Future { .. } => q,
            Leg::Option { kind, strike, forward, days, sigma, .. } => {
                q * Black76 { kind, forward, strike, years: days / 365.0, sigma, rate: 0.0 }.greeks()?.delta
            }
        };
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn close(got: Decimal, want: &str, tol: &str) {
        let want = d(want);
        assert!(((got - want) / want).abs() < d(tol), "got {got} want {want}");
    }

    fn short_call() -> Leg {
        Leg::Option { qty: Decimal::NEGATIVE_ONE, kind: OptionKind::Call, strike: 65000.0, forward: 60000.0, days: 30.0, sigma: 0.6 }
    }

    fn hedged_book() -> Book {
        Book { unit: PremiumIn::Coin, index: 60000.0, legs: vec![short_call(), Leg::Future { qty: d("0.315"), forward: 60000.0, month: 0 }] }
    }

    /// The row for a price step i/4 of 16 % and a vol move.
    fn cell(m: &GridMargin, i: i32, vol: VolMove) -> Decimal {
        let want = 0.16 * i as f64 / 4.0;
        m.scenarios.iter().find(|s| (s.price_move - want).abs() < 1e-12 && s.vol == vol && s.index < 27).unwrap().raw
    }

    #[test]
    fn deribit_pm_worked_example_section_3_and_7() {
        let m = grid_margin(&GridParams::deribit_pm(), &hedged_book()).unwrap();
        // (step, down, same, up) from margin-models.md §3 and §7 (BTC).
        let rows = [
            (-4, "-0.0240409", "-0.0286920", "-0.0476442"),
            (-3, "-0.008890993", "-0.016153087", "-0.0395614"),
            (-2, "0.0030785", "-0.0071420", "-0.0346060"),
            (-1, "0.01133074", "-0.0017646706", "-0.032524208"),
            (1, "0.0151401", "-0.0016766821", "-0.035844376"),
            (2, "0.0106480", "-0.0064818", "-0.0406424"),
            (3, "0.0024163131", "-0.013993777", "-0.047126273"),
            (4, "-0.0088460", "-0.0237274", "-0.0550030"),
        ];
        for (i, down, same, up) in rows {
            // The table prints 5–8 significant figures: compare to its last digit.
            close(cell(&m, i, VolMove::Down), down, "0.00005");
            close(cell(&m, i, VolMove::Same), same, "0.00005");
            close(cell(&m, i, VolMove::Up), up, "0.00005");
        }
        close(cell(&m, 0, VolMove::Down), "0.0154166", "0.00001");
        close(cell(&m, 0, VolMove::Up), "-0.0330363", "0.00001");
        assert_eq!(cell(&m, 0, VolMove::Same), Decimal::ZERO);
        // Worst: +16 %, vol up; IM / MM to 1e-6.
        assert_eq!(m.scenarios[m.worst].label(), "price +16 %, vol up");
        close(m.worst_case, "0.0550030050", "0.000001");
        assert_eq!(m.roll_shock, d("0.00315"));
        close(m.initial, "0.0581530049512", "0.000001");
        close(m.maintenance, "0.046522403961", "0.000001");
    }

    #[test]
    fn leg_checks_of_section_7() {
        let p = GridParams::deribit_pm();
        let up = |num| Shock { price: PriceMove::OfRange { num, den: 4 }, vol: VolMove::Up, weight: Weight::Full };
        let perp = Leg::Future { qty: d("0.315"), forward: 60000.0, month: 0 };
        // Short call: −(long call P&L).
        close(-leg_pnl(&p, PremiumIn::Coin, &short_call(), &up(-4)).unwrap(), "0.012355769", "0.000001");
        close(-leg_pnl(&p, PremiumIn::Coin, &short_call(), &up(4)).unwrap(), "-0.098451281", "0.000001");
        assert_eq!((d("0.315") * leg_pnl(&p, PremiumIn::Coin, &perp, &up(-4)).unwrap()).round_dp(PNL_DP), d("-0.06"));
        close(d("0.315") * leg_pnl(&p, PremiumIn::Coin, &perp, &up(4)).unwrap(), "0.043448276", "0.000001");
    }

    #[test]
    fn extended_table_is_dampened_to_zero_for_one_lot() {
        let m = grid_margin(&GridParams::deribit_pm(), &hedged_book()).unwrap();
        let ext: Vec<_> = m.scenarios.iter().filter(|s| s.index >= 27).collect();
        assert_eq!(ext.len(), 8);
        // +500 %: −0.0860105 before the dampener (§3), zero after it.
        let p = GridParams::deribit_pm();
        let last = ext.last().unwrap();
        let before = last.raw * to_decimal(0.16 / 5.0 * 6.0 / 1.16, PNL_DP).unwrap();
        close(before, "-0.0860105", "0.00001");
        assert_eq!(last.counted, Decimal::ZERO);
        // Without the dampener the extended rows bite: worst becomes +500 %.
        let undamped = GridParams { extended_dampener: 0.0, ..p };
        let m2 = grid_margin(&undamped, &hedged_book()).unwrap();
        assert_eq!(m2.scenarios[m2.worst].label(), "price +500 %, vol up");
        close(m2.worst_case, "0.0860105", "0.00001");
    }

    #[test]
    fn naked_short_call() {
        let book = Book { unit: PremiumIn::Coin, index: 60000.0, legs: vec![short_call()] };
        let m = grid_margin(&GridParams::deribit_pm(), &book).unwrap();
        close(m.worst_case, "0.0984512808", "0.000001");
        close(m.initial, "0.0984513", "0.000001");
        close(m.maintenance, "0.0787610", "0.000001");
    }

    #[test]
    fn official_example_arithmetic() {
        // §3: MM = 0.8 × risk-matrix margin; roll shock = 0.01 × Σ|futures|, exactly.
        let p = GridParams::deribit_pm();
        assert_eq!(p.maintenance_factor * d("0.06284313098"), d("0.050274504784"));
        let book = Book { unit: PremiumIn::Coin, index: 60000.0, legs: vec![Leg::Future { qty: d("0.315725898"), forward: 60000.0, month: 0 }] };
        assert_eq!(grid_margin(&p, &book).unwrap().roll_shock, d("0.00315725898"));
        // Inverse future at −16 %: 0.314538364 × (1 − 1/0.84) = −0.0599120693 (§3).
        let down = Shock { price: PriceMove::OfRange { num: -4, den: 4 }, vol: VolMove::Same, weight: Weight::Full };
        let unit = leg_pnl(&p, PremiumIn::Coin, &Leg::Future { qty: Decimal::ONE, forward: 1.0, month: 0 }, &down).unwrap();
        close(d("0.314538364") * unit, "-0.0599120693", "0.000000001");
    }

    #[test]
    fn spreads_minimum_and_credit() {
        // Long Mar / short Jun at 400 a spread: 400; 3 short calls + 2 short puts at 300: 900.
        let fut = |qty: i64, month| Leg::Future { qty: Decimal::from(qty), forward: 100.0, month };
        let book = Book { unit: PremiumIn::Quote, index: 100.0, legs: vec![fut(1, 3), fut(-1, 6)] };
        assert_eq!(intra_spread_charge(&book, d("400")).unwrap(), d("400"));
        let opt = |qty: i64, kind| Leg::Option { qty: Decimal::from(qty), kind, strike: 100.0, forward: 100.0, days: 30.0, sigma: 0.2 };
        let book = Book { unit: PremiumIn::Quote, index: 100.0, legs: vec![opt(-3, OptionKind::Call), opt(-2, OptionKind::Put), opt(5, OptionKind::Put)] };
        assert_eq!(short_option_minimum(&book, d("300")).unwrap(), d("900"));
        assert_eq!(inter_commodity_credit(d("6000"), d("60000"), d("5000"), d("-60000"), d("0.4")).unwrap(), d("4400"));
        assert_eq!(inter_commodity_credit(d("6000"), d("1"), d("5000"), d("1"), d("0.4")).unwrap(), Decimal::ZERO);
    }

    #[test]
    fn a_move_through_zero_names_the_field() {
        let p = GridParams { price_range: PriceRange::Absolute(200.0), ..GridParams::deribit_pm() };
        let p = GridParams { scenarios: p.scenarios[..27].to_vec(), ..p };
        let book = Book { unit: PremiumIn::Quote, index: 100.0, legs: vec![Leg::Future { qty: Decimal::ONE, forward: 100.0, month: 0 }] };
        assert!(grid_margin(&p, &book).unwrap_err().to_string().contains("grid.price_range"));
    }

    /// Cost of one grid margin per account (run: `cargo test --profile native --lib grid_margin_cost
    /// -- --ignored --nocapture`): a hedged 2-leg book and a 10-leg book under the Deribit-PM set
    /// (35 scenarios) and the SPAN set (16).
    #[test]
    #[ignore]
    fn grid_margin_cost() {
        use crate::engine::options::span::span_params;
        let ten = Book {
            unit: PremiumIn::Coin,
            index: 60000.0,
            legs: (0..10)
                .map(|i| if i == 9 {
                    Leg::Future { qty: d("0.4"), forward: 60000.0, month: 0 }
                } else {
                    Leg::Option { qty: Decimal::from(i % 3 - 1), kind: if i % 2 == 0 { OptionKind::Call } else { OptionKind::Put }, strike: 50000.0 + 2500.0 * i as f64, forward: 60000.0, days: 7.0 + 10.0 * i as f64, sigma: 0.55 + 0.02 * i as f64 }
                })
                .collect(),
        };
        let span = span_params(6000.0, 0.15, d("300"), d("400"));
        for (name, p, book) in [("deribit-pm, 2 legs", GridParams::deribit_pm(), hedged_book()), ("deribit-pm, 10 legs", GridParams::deribit_pm(), ten.clone()), ("span, 2 legs", span.clone(), hedged_book()), ("span, 10 legs", span, ten)] {
            let n = 2000;
            let t = std::time::Instant::now();
            let mut x = Decimal::ZERO;
            for _ in 0..n {
                x += grid_margin(&p, std::hint::black_box(&book)).unwrap().initial;
            }
            let per = t.elapsed().as_secs_f64() / n as f64;
            println!("{name}: {:.1} µs per grid margin ({} scenarios; {x})", per * 1e6, p.scenarios.len());
        }
        let t = std::time::Instant::now();
        let mut acc = 0.0;
        for i in 0..100_000 {
            acc += Black76 { kind: OptionKind::Call, forward: 60000.0, strike: 40000.0 + i as f64 * 0.5, years: 0.1, sigma: 0.6, rate: 0.0 }.price().unwrap();
        }
        println!("Black-76 price: {:.0} ns ({acc})", t.elapsed().as_secs_f64() / 100_000.0 * 1e9);
    }

    mod properties {
        use super::super::*;
        use crate::engine::options::span::span_params;
        use proptest::prelude::*;

        /// A random leg: a future or an option, long or short, on a forward of 60,000.
        fn leg() -> impl Strategy<Value = Leg> {
            prop_oneof![
                (-50i64..=50, 0u32..3).prop_map(|(q, month)| Leg::Future { qty: Decimal::new(q, 1), forward: 60000.0, month }),
                (-50i64..=50, any::<bool>(), 20_000u32..120_000, 1u32..200, 10u32..200).prop_map(|(q, call, k, days, vol)| Leg::Option {
                    qty: Decimal::new(q, 1),
                    kind: if call { OptionKind::Call } else { OptionKind::Put },
                    strike: k as f64,
                    forward: 60000.0,
                    days: days as f64,
                    sigma: vol as f64 / 100.0,
                }),
            ]
        }

        /// The book's loss in one scenario, by an independent revaluation in plain f64 (not the
        /// grid's code path): F' from the move, σ' from the rule, Black-76 from black76.rs.
        fn reference_loss(p: &GridParams, book: &Book, shock: &Shock) -> f64 {
            let m = match (shock.price, p.price_range) {
                (PriceMove::OfRange { num, den }, PriceRange::Relative(r)) => r * num as f64 / den as f64,
                (PriceMove::OfRange { num, den }, PriceRange::Absolute(a)) => a * num as f64 / den as f64 / 60000.0,
                (PriceMove::Relative(m), _) => m,
            };
            let f1 = 60000.0 * (1.0 + m);
            let w = match shock.weight {
                Weight::Fraction(w) => crate::engine::options::normal::to_f64(w),
                _ => 1.0,
            };
            let mut pnl = 0.0;
            for l in &book.legs {
                let q = crate::engine::options::normal::to_f64(l.qty());
                pnl += q * match *l {
                    Leg::Future { .. } => match book.unit {
                        PremiumIn::Quote => f1 - 60000.0,
                        PremiumIn::Coin => 1.0 - 60000.0 / f1,
                    },
                    Leg::Option { kind, strike, days, sigma, .. } => {
                        let s1 = shocked_sigma(p.vol, shock.vol, sigma, days);
                        let v = |f: f64, t: f64, s: f64| {
                            let v = Black76 { kind, forward: f, strike, years: t.max(0.0) / 365.0, sigma: s, rate: 0.0 }.price().unwrap();
                            if book.unit == PremiumIn::Coin { v / f } else { v }
                        };
                        v(f1, days - p.lookahead_days, s1) - v(60000.0, days, sigma)
                    }
                };
            }
            -(pnl * w)
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

            // Portfolio margin is never below the loss of any single scenario it counts in full
            // (or at its fixed weight): the Deribit-PM grid in coin, the SPAN set in quote.
            #[test]
            fn portfolio_margin_covers_every_scenario_loss(legs in proptest::collection::vec(leg(), 1..6)) {
                let pm = GridParams::deribit_pm();
                let coin = Book { unit: PremiumIn::Coin, index: 60000.0, legs: legs.clone() };
                let m = grid_margin(&pm, &coin).unwrap();
                for shock in pm.scenarios.iter().filter(|s| s.weight == Weight::Full) {
                    let loss = reference_loss(&pm, &coin, shock);
                    prop_assert!(to_f64_margin(m.initial) >= loss - 1e-9, "IM {} < loss {loss} at {shock:?}", m.initial);
                    prop_assert!(to_f64_margin(m.maintenance) >= 0.8 * loss - 1e-9);
                }
                let span = span_params(6000.0, 0.15, Decimal::from(300), Decimal::from(400));
                let quote = Book { unit: PremiumIn::Quote, index: 60000.0, legs };
                let m = grid_margin(&span, &quote).unwrap();
                for shock in &span.scenarios {
                    let loss = reference_loss(&span, &quote, shock);
                    prop_assert!(to_f64_margin(m.risk) >= loss - 1e-6, "risk {} < loss {loss} at {shock:?}", m.risk);
                }
                prop_assert!(m.risk >= Decimal::ZERO && m.initial >= m.risk);
            }
        }

        fn to_f64_margin(x: Decimal) -> f64 {
            crate::engine::options::normal::to_f64(x)
        }
    }
}
