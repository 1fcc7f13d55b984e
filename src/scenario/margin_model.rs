//! The venue's margin model (issue 18, step 3): per instrument (today's rates and Deribit's
//! standard option margin), or a whole-portfolio requirement by a scenario grid (Deribit-PM-like),
//! SPAN's sixteen scenarios, or historical-simulation VaR / ES over the scenario's own past path.
//! Absent = per instrument, so every scenario and link written before it keeps its meaning.
//! Field reference: docs/scenario.md, `venue.margin_model`; formulas: margin-models.md §3–§5.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `venue.margin_model`: `{"kind": "per_instrument" | "scenario_grid" | "span" | "hist_var", …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MarginModelSpec {
    /// Today's behaviour: each position's own rate (flat or tiers), options by Deribit's standard.
    PerInstrument,
    ScenarioGrid(GridSpec),
    Span(SpanSpec),
    HistVar(HistVarSpec),
}

impl MarginModelSpec {
    /// The model's name as the story and the glossary say it.
    pub fn label(&self) -> &'static str {
        match self {
            MarginModelSpec::PerInstrument => "per-instrument margin",
            MarginModelSpec::ScenarioGrid(_) => "scenario-grid portfolio margin",
            MarginModelSpec::Span(_) => "SPAN portfolio margin",
            MarginModelSpec::HistVar(h) if h.measure == TailMeasure::Var => "historical VaR margin",
            MarginModelSpec::HistVar(_) => "historical expected-shortfall margin",
        }
    }
}

/// A spread credit between two underlyings margined together (SPAN's inter-commodity credit,
/// margin-models.md §4, simplified [U]): `credit` of each leg's scan risk on the delta-matched
/// part, when their deltas have opposite signs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SpreadCredit {
    /// Instrument ids (not options) of the two legs.
    pub a: String,
    pub b: String,
    /// Fraction of each leg's scan risk given back, 0 ≤ credit ≤ 1.
    pub credit: Decimal,
}

/// Deribit-PM-like grid (margin-models.md §3). Defaults: the June 2024 `private/pme/simulate`
/// example (±16 % in 4 buckets a side, vol up 50 % / down 25 %, extended table with a 100,000
/// dampener, roll shock 1 %, maintenance 0.8 × initial).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSpec {
    /// Largest price move of the regular table, a fraction of the underlying's mark.
    pub price_range: Decimal,
    /// Moves per side (the table has 2 × buckets + 1 price moves, 0 included).
    pub buckets: u32,
    pub vol_up: Decimal,
    pub vol_down: Decimal,
    /// Count Deribit's extended moves (−66 % … +500 %, vol up, weighted and dampened).
    pub extended: bool,
    /// The extended table's dampener, in the quote currency.
    pub dampener: Decimal,
    /// Roll shock: this fraction × Σ |futures units|.
    pub roll_min_move: Decimal,
    /// Maintenance = this × the risk (initial = the risk).
    pub mm_factor: Decimal,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spreads: Vec<SpreadCredit>,
}

impl Default for GridSpec {
    fn default() -> Self {
        GridSpec {
            price_range: Decimal::new(16, 2),
            buckets: 4,
            vol_up: Decimal::new(5, 1),
            vol_down: Decimal::new(25, 2),
            extended: true,
            dampener: Decimal::new(100_000, 0),
            roll_min_move: Decimal::new(1, 2),
            mm_factor: Decimal::new(8, 1),
            spreads: Vec::new(),
        }
    }
}

/// SPAN-like (margin-models.md §4): the sixteen scenarios at a price scan range that is a
/// fraction of each underlying's mark, an absolute vol scan range, one day of look-ahead, the
/// short option minimum, inter-commodity credits; maintenance = the risk, initial = × factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpanSpec {
    /// Price scan range as a fraction of the underlying's mark (0.10 = 10 %).
    pub price_scan: Decimal,
    /// Vol scan range in absolute vol (0.15 = 15 points).
    pub vol_scan: Decimal,
    /// Short option minimum per short option unit, a fraction of the price scan range (0.05).
    pub short_option_minimum: Decimal,
    pub initial_factor: Decimal,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spreads: Vec<SpreadCredit>,
}

impl Default for SpanSpec {
    fn default() -> Self {
        SpanSpec {
            price_scan: Decimal::new(10, 2),
            vol_scan: Decimal::new(15, 2),
            short_option_minimum: Decimal::new(5, 2),
            initial_factor: Decimal::new(135, 2),
            spreads: Vec::new(),
        }
    }
}

/// VaR or expected shortfall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TailMeasure {
    Var,
    #[default]
    Es,
}

/// Historical simulation over the scenario's own past path (margin-models.md §5): every
/// `horizon`-step change of the last `lookback` steps applied to today's book, all underlyings
/// on the same dates (so their correlation is the path's own), VaR or ES at `confidence`, times
/// (1 + `buffer`) — EMIR Art. 28(a)'s anti-procyclicality buffer — and never below `floor` × the
/// per-instrument requirement. Until the path has one change, the per-instrument requirement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistVarSpec {
    pub confidence: Decimal,
    pub horizon: u32,
    pub lookback: u32,
    pub measure: TailMeasure,
    pub buffer: Decimal,
    pub floor: Decimal,
}

impl Default for HistVarSpec {
    fn default() -> Self {
        HistVarSpec { confidence: Decimal::new(99, 2), horizon: 1, lookback: 250, measure: TailMeasure::Es, buffer: Decimal::ZERO, floor: Decimal::ZERO }
    }
}
