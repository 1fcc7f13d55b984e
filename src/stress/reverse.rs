//! Reverse stress test: the smallest shock at which each waterfall layer is exhausted.
//!
//! The shock is one instant move at `at_step`, in one instrument or along a direction across
//! several (weights: `[{instrument: "A", change: -1}, {instrument: "B", change: -0.5}]` moves B
//! half as much as A, relatively). Its size is counted in ticks of the lead instrument (the one
//! with the largest |weight|): a shock of n ticks moves the lead by n ticks from its price at
//! `at_step` and every other instrument by the same relative amount times its weight ratio.
//!
//! Search, per layer, over the engine: doubling from one tick to the first size that exhausts the
//! layer, then bisection. The threshold `n` found always exhausts the layer and `n − 1` does not
//! (exact to a tick). It is the smallest such size when exhaustion is monotone in the shock
//! (the usual case); the engine does not guarantee that in general (e.g. ADL, cascades).

use super::cover::{InstrumentMove, InstrumentShock};
use super::{check_waterfall, layer_infos, layer_outcomes, prepared, StressError, StressResult};
use crate::engine::{simulate_expanded, LayerInfo};
use crate::scenario::price_path::generate;
use crate::scenario::{BookAccount, LayerSpec, Scenario, Shock};
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReverseConfig {
    /// Direction weights; empty = the first instrument, downward.
    pub direction: Vec<InstrumentShock>,
    /// Step of the shock; default: the earliest scripted shock of a directed instrument, else 1.
    pub at_step: Option<u32>,
    /// Remove the directed instruments' own scripted shocks first (ask "what shock would it
    /// take", not "what more").
    pub replace_shocks: bool,
    /// Largest relative move of the lead instrument searched (0.99 = 99 %).
    pub max_change: Decimal,
    /// Run under this waterfall instead of the scenario's own.
    pub waterfall: Option<Vec<LayerSpec>>,
    /// With options in the book, volatility moves with the shock (issue 18: "volatility shocks
    /// join price shocks"): every option's σ rises by this × the lead's |relative move| at the
    /// same step (2: a 10 % fall comes with σ × 1.2, as implied volatility jumps in a crash).
    /// 0: σ as scripted.
    #[serde(skip_serializing_if = "Decimal::is_zero")]
    pub vol_per_move: Decimal,
}

impl Default for ReverseConfig {
    fn default() -> Self {
        ReverseConfig { direction: Vec::new(), at_step: None, replace_shocks: true, max_change: Decimal::new(99, 2), waterfall: None, vol_per_move: Decimal::ZERO }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdStatus {
    /// A threshold was found: `ticks` exhausts the layer, `ticks − 1` does not.
    Found,
    /// The layer is exhausted without any shock.
    AtZero,
    /// Not exhausted even at the largest shock searched.
    NotReached,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerThreshold {
    pub index: usize,
    pub label: String,
    pub kind: String,
    pub status: ThresholdStatus,
    /// Shock size in ticks of the lead instrument.
    pub ticks: Option<u64>,
    /// The move per directed instrument at the threshold, with its price at `at_step`.
    pub moves: Vec<InstrumentMove>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReverseResult {
    pub lead_instrument: String,
    pub tick: Decimal,
    /// The lead's price at `at_step` without the shock.
    pub reference_price: Decimal,
    pub at_step: u32,
    pub direction: Vec<InstrumentShock>,
    pub max_ticks: u64,
    /// Engine runs the search took.
    pub runs: usize,
    pub layers: Vec<LayerThreshold>,
}

/// A prepared reverse stress search.
pub struct ReverseStress {
    base: Scenario,
    /// `base`'s book, validated and expanded once: a grid point differs from `base` only in its
    /// shocks (checked per point by `scenario::check_shocks`).
    accounts: Vec<BookAccount>,
    waterfall: Vec<LayerSpec>,
    layers: Vec<LayerInfo>,
    /// (instrument index, weight / |lead weight|).
    dir: Vec<(usize, Decimal)>,
    direction: Vec<InstrumentShock>,
    lead: usize,
    tick: Decimal,
    p_ref: Decimal,
    at_step: u32,
    max_ticks: u64,
    vol_per_move: Decimal,
    cache: BTreeMap<u64, (Vec<bool>, Vec<Decimal>)>,
}

impl ReverseStress {
    pub fn new(s: &Scenario, c: &ReverseConfig) -> StressResult<Self> {
        prepared(s)?;
        let waterfall = c.waterfall.clone().unwrap_or_else(|| s.waterfall.clone());
        check_waterfall(s, &waterfall)?;
        let direction = if c.direction.is_empty() {
            let first = s.instruments.first().ok_or_else(|| StressError::Input("the scenario has no instrument".into()))?;
            vec![InstrumentShock { instrument: first.id.clone(), change: Decimal::NEGATIVE_ONE }]
        } else {
            c.direction.clone()
        };
        let mut raw = Vec::with_capacity(direction.len());
        for (k, d) in direction.iter().enumerate() {
            let i = s
                .instruments
                .iter()
                .position(|x| x.id == d.instrument)
                .ok_or_else(|| StressError::Input(format!("direction[{k}].instrument: no instrument `{}`", d.instrument)))?;
            if raw.iter().any(|(j, _)| *j == i) {
                return Err(StressError::Input(format!("direction[{k}]: `{}` is listed twice", d.instrument)));
            }
            raw.push((i, d.change));
        }
        let (lead, w_lead) = raw
            .iter()
            .copied()
            .fold(None, |best: Option<(usize, Decimal)>, x| match best {
                Some(b) if b.1.abs() >= x.1.abs() => Some(b),
                _ => Some(x),
            })
            .filter(|x| !x.1.is_zero())
            .ok_or_else(|| StressError::Input("direction: needs a non-zero weight".into()))?;
        let dir: Vec<(usize, Decimal)> = raw.iter().map(|(i, w)| (*i, (*w / w_lead.abs()).round_dp(12))).collect();
        let mut base = s.clone();
        super::pin_cohort_seeds(&mut base);
        let at_step = c
            .at_step
            .or_else(|| dir.iter().filter_map(|(i, _)| s.instruments.get(*i)).flat_map(|ins| ins.price.shocks.iter().map(|x| x.step)).min())
            .unwrap_or(1);
        if at_step > s.steps {
            return Err(StressError::Input(format!("at_step: {at_step} is beyond the last step {}", s.steps)));
        }
        if c.replace_shocks {
            for (i, _) in &dir {
                if let Some(ins) = base.instruments.get_mut(*i) {
                    ins.price.shocks.clear();
                }
            }
        }
        let marks = generate(&base).map_err(|e| StressError::Input(e.to_string()))?;
        let p_ref = marks.get(lead).and_then(|m| m.get(at_step as usize)).copied().unwrap_or_default();
        let tick = s.instruments.get(lead).map(|x| x.tick_size).unwrap_or_default();
        if tick <= Decimal::ZERO || p_ref <= Decimal::ZERO {
            return Err(StressError::Input("the lead instrument needs a positive tick and price".into()));
        }
        let mut max = (c.max_change.abs() * p_ref / tick).floor();
        if w_lead < Decimal::ZERO {
            // Never at or below zero: at most down to one tick.
            max = max.min((p_ref / tick).floor() - Decimal::ONE);
        }
        let max_ticks = max.max(Decimal::ZERO).to_u64().unwrap_or(0);
        let layers = layer_infos(&base, &waterfall)?;
        let accounts = {
            let mut searched = base.clone();
            searched.waterfall = waterfall.clone();
            prepared(&searched)?.into_accounts()
        };
        if c.vol_per_move < Decimal::ZERO || c.vol_per_move > Decimal::from(100) {
            return Err(StressError::Input(format!("vol_per_move: {} must be between 0 and 100", c.vol_per_move)));
        }
        Ok(ReverseStress { base, accounts, waterfall, layers, dir, direction, lead, tick, p_ref, at_step, max_ticks, vol_per_move: c.vol_per_move, cache: BTreeMap::new() })
    }

    /// The relative change of each directed instrument for a shock of `ticks`.
    fn changes(&self, ticks: u64) -> Vec<(usize, Decimal)> {
        let unit = (Decimal::from(ticks) * self.tick).checked_div(self.p_ref).unwrap_or_default();
        self.dir.iter().map(|(i, w)| (*i, (unit * *w).round_dp(20))).collect()
    }

    /// The scenario with a shock of `ticks` (its waterfall set to the one searched).
    pub fn scenario_at(&self, ticks: u64) -> Scenario {
        let mut s = self.base.clone();
        s.waterfall = self.waterfall.clone();
        if ticks > 0 {
            let changes = self.changes(ticks);
            for &(i, c) in &changes {
                if let Some(ins) = s.instruments.get_mut(i) {
                    ins.price.shocks.push(Shock { step: self.at_step, change: c });
                }
            }
            // σ moves with the lead's move (its weight is ±1 in `dir`).
            let lead = changes.iter().find(|(i, _)| *i == self.lead).map(|x| x.1.abs()).unwrap_or_default();
            let vol = (self.vol_per_move * lead).round_dp(8);
            if !vol.is_zero() {
                for o in s.instruments.iter_mut().filter_map(|ins| ins.option.as_mut()) {
                    o.volatility.shocks.push(Shock { step: self.at_step, change: vol });
                }
            }
        }
        s
    }

    /// Exhausted flags per layer under a shock of `ticks` (cached), and the marks at `at_step`.
    pub fn exhausted_at(&mut self, ticks: u64) -> StressResult<Vec<bool>> {
        Ok(self.eval(ticks)?.0)
    }

    fn eval(&mut self, ticks: u64) -> StressResult<(Vec<bool>, Vec<Decimal>)> {
        if let Some(v) = self.cache.get(&ticks) {
            return Ok(v.clone());
        }
        let s = self.scenario_at(ticks);
        let t = crate::scenario::check_shocks(&s)
            .map_err(|errs| crate::engine::EngineError::Invalid { errors: errs.iter().map(|e| e.to_string()).collect() })
            .and_then(|()| crate::scenario::price_path::paths(&s).map_err(|e| crate::engine::EngineError::Invalid { errors: vec![e.to_string()] }))
            .and_then(|paths| simulate_expanded(&s, paths, &self.waterfall, &self.accounts))
            .map_err(|e| StressError::Engine(format!("shock of {ticks} ticks: {e}")))?;
        let flags: Vec<bool> = layer_outcomes(&t).iter().map(|o| o.exhausted).collect();
        let marks: Vec<Decimal> = (0..s.instruments.len()).map(|i| t.mark(i, self.at_step)).collect();
        self.cache.insert(ticks, (flags.clone(), marks.clone()));
        Ok((flags, marks))
    }

    fn flag(&mut self, ticks: u64, l: usize) -> StressResult<bool> {
        Ok(self.eval(ticks)?.0.get(l).copied().unwrap_or(false))
    }

    fn moves(&mut self, ticks: u64) -> StressResult<Vec<InstrumentMove>> {
        let marks = self.eval(ticks)?.1;
        Ok(self
            .changes(ticks)
            .into_iter()
            .map(|(i, change)| InstrumentMove {
                instrument: self.base.instruments.get(i).map(|x| x.id.clone()).unwrap_or_default(),
                change,
                price: marks.get(i).copied().unwrap_or_default(),
            })
            .collect())
    }

    /// Search every layer.
    pub fn run(&mut self) -> StressResult<ReverseResult> {
        let layers = self.search(0..self.layers.len())?;
        Ok(self.result(layers))
    }

    /// The number of waterfall layers searched (what a shard splits: `shard::ReversePartial`).
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// The shock sizes (ticks) the engine ran so far, ascending. Each layer's search visits the
    /// same sizes whichever other layers are searched with it (an evaluation depends only on its
    /// size), so the sizes one run visits are the union of its layers' (issue 20: shards by layer
    /// merge into the single run's `runs`).
    pub fn evaluated(&self) -> Vec<u64> {
        self.cache.keys().copied().collect()
    }

    /// The result with `layers` (a run's, or a shard's) and the engine runs made so far.
    pub fn result(&self, layers: Vec<LayerThreshold>) -> ReverseResult {
        ReverseResult {
            lead_instrument: self.base.instruments.get(self.lead).map(|x| x.id.clone()).unwrap_or_default(),
            tick: self.tick,
            reference_price: self.p_ref,
            at_step: self.at_step,
            direction: self.direction.clone(),
            max_ticks: self.max_ticks,
            runs: self.cache.len(),
            layers,
        }
    }

    /// Search the layers `range` (in waterfall order; out-of-range indices are skipped).
    pub fn search(&mut self, range: std::ops::Range<usize>) -> StressResult<Vec<LayerThreshold>> {
        let mut out = Vec::with_capacity(range.len());
        let count = self.layers.len();
        for l in range.filter(|l| *l < count) {
            let (status, ticks) = if self.flag(0, l)? {
                (ThresholdStatus::AtZero, Some(0))
            } else if self.max_ticks == 0 || !self.flag(self.max_ticks, l)? {
                (ThresholdStatus::NotReached, None)
            } else {
                let (mut lo, mut hi) = (0u64, self.max_ticks);
                let mut n = 1u64;
                while n < self.max_ticks {
                    if self.flag(n, l)? {
                        hi = n;
                        break;
                    }
                    lo = n;
                    n = n.saturating_mul(2);
                }
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if self.flag(mid, l)? {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                (ThresholdStatus::Found, Some(hi))
            };
            let moves = match ticks {
                Some(n) => self.moves(n)?,
                None => Vec::new(),
            };
            let info = self.layers.get(l).cloned();
            out.push(LayerThreshold {
                index: l,
                label: info.as_ref().map(|x| x.label.clone()).unwrap_or_default(),
                kind: info.map(|x| x.kind).unwrap_or_default(),
                status,
                ticks,
                moves,
            });
        }
        Ok(out)
    }
}

/// Run the reverse stress search.
pub fn reverse_stress(s: &Scenario, c: &ReverseConfig) -> StressResult<ReverseResult> {
    ReverseStress::new(s, c)?.run()
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    /// For every layer with a threshold: `n` exhausts it, `n − 1` does not (fresh engine runs).
    fn check_thresholds(s: &Scenario, c: &ReverseConfig) -> ReverseResult {
        let r = reverse_stress(s, c).unwrap();
        let rs = ReverseStress::new(s, c).unwrap();
        for lt in &r.layers {
            if lt.status != ThresholdStatus::Found {
                continue;
            }
            let n = lt.ticks.unwrap();
            let at = |k: u64| {
                let t = crate::engine::simulate(&rs.scenario_at(k)).unwrap();
                super::super::layer_outcomes(&t)[lt.index].exhausted
            };
            assert!(at(n), "layer {} not exhausted at {n}", lt.label);
            assert!(!at(n - 1), "layer {} already exhausted at {}", lt.label, n - 1);
        }
        r
    }

    #[test]
    fn nasdaq_thresholds_exact_to_a_tick() {
        let s = preset("reaches-default-fund");
        let r = check_thresholds(&s, &ReverseConfig::default());
        assert_eq!(r.lead_instrument, "NORDIC-GERMAN-SPREAD");
        assert_eq!(r.at_step, 5);
        assert_eq!(r.reference_price, d("100"));
        let found: Vec<_> = r.layers.iter().filter(|l| l.status == ThresholdStatus::Found).collect();
        // Margin, fund contribution (zero: exhausted with the margin), SIG, survivors' fund at least.
        assert!(found.len() >= 3, "{r:#?}");
        // Thresholds never decrease along the waterfall.
        let ticks: Vec<u64> = found.iter().map(|l| l.ticks.unwrap()).collect();
        assert!(ticks.windows(2).all(|w| w[0] <= w[1]), "{ticks:?}");
        // Bad debt starts once 10m × drop > 56m of collateral (less the maintenance cushion the
        // auction does not need): a drop of a bit more than 5.6 — i.e. 560+ ticks of 0.01.
        let margin = &r.layers[0];
        assert_eq!(margin.status, ThresholdStatus::Found);
        let n = margin.ticks.unwrap();
        assert!((560..=600).contains(&n), "{n}");
        assert_eq!(margin.moves[0].price, d("100") - Decimal::from(n) * d("0.01"));
    }

    #[test]
    fn direction_across_two_instruments_and_venue_layers() {
        let s = preset("venue-insurance-adl");
        let r = check_thresholds(&s, &ReverseConfig { at_step: Some(15), ..Default::default() });
        assert_eq!(r.tick, d("0.5"));
        assert!(r.layers.iter().any(|l| l.status == ThresholdStatus::Found), "{r:#?}");
        // A direction with two instruments: the second moves half as much, relatively.
        let mut s2 = preset("exhausts-waterfall");
        let mut other = s2.instruments[0].clone();
        other.id = "FUT2".into();
        s2.instruments.push(other);
        s2.accounts[0].positions.push(crate::scenario::PositionSpec { instrument: "FUT2".into(), size: d("100000"), ..Default::default() });
        s2.accounts[1].positions.push(crate::scenario::PositionSpec { instrument: "FUT2".into(), size: d("-100000"), ..Default::default() });
        let c = ReverseConfig {
            direction: vec![
                InstrumentShock { instrument: "FUT".into(), change: d("-1") },
                InstrumentShock { instrument: "FUT2".into(), change: d("-0.5") },
            ],
            ..Default::default()
        };
        let r2 = check_thresholds(&s2, &c);
        let f = r2.layers.iter().find(|l| l.status == ThresholdStatus::Found).unwrap();
        assert_eq!(f.moves.len(), 2);
        assert_eq!(f.moves[1].change * d("2"), f.moves[0].change);
    }

    /// Issue 20: one rule for "exhausted" on every layer, "or its capacity was used up". F at
    /// 100 (tick 1, no fee); A long 100 on 1,000 of cash with a 500 fund contribution, under
    /// [fund contribution, skin in the game 300]. A drop of n ticks leaves 100·n − 1,000 beyond
    /// A's margin: n = 15 uses the contribution up exactly, n = 18 the skin in the game. The
    /// contribution was not flagged at exact equality (the skin in the game was), so its
    /// threshold came out one tick late, at 16.
    #[test]
    fn a_fund_contribution_used_up_exactly_is_exhausted_like_skin_in_the_game() {
        use crate::scenario::{AccountSpec, Instrument, LayerSpec, PositionSpec, PricePath};
        let acct = |id: &str, size: &str, cash: &str, fund: &str| AccountSpec {
            id: id.into(),
            cash: d(cash),
            fund_contribution: d(fund),
            positions: vec![PositionSpec { instrument: "F".into(), size: d(size), ..Default::default() }],
            ..Default::default()
        };
        let mut s = Scenario {
            steps: 2,
            instruments: vec![Instrument { id: "F".into(), tick_size: d("1"), price: PricePath { initial: d("100"), ..Default::default() }, ..Default::default() }],
            accounts: vec![acct("A", "100", "1000", "500"), acct("B", "-100", "1000000", "0")],
            waterfall: vec![LayerSpec::DefaulterFundContribution, LayerSpec::SkinInTheGame { tranche: Default::default(), amount: d("300") }],
            ..Default::default()
        };
        s.venue.liquidation_fee = Decimal::ZERO;
        let rs = ReverseStress::new(&s, &ReverseConfig { at_step: Some(1), ..Default::default() }).unwrap();
        let outcomes = |n: u64| super::super::layer_outcomes(&crate::engine::simulate(&rs.scenario_at(n)).unwrap());
        // Layers: margin, fund contribution, skin in the game.
        let at15 = outcomes(15);
        assert!(at15[1].touched && at15[1].exhausted, "{at15:?}");
        assert!(!outcomes(14)[1].exhausted);
        let at18 = outcomes(18);
        assert!(at18[2].exhausted && !outcomes(17)[2].exhausted, "{at18:?}");
        let r = check_thresholds(&s, &ReverseConfig { at_step: Some(1), ..Default::default() });
        let ticks: Vec<Option<u64>> = r.layers.iter().map(|l| l.ticks).collect();
        assert_eq!(ticks, vec![Some(11), Some(15), Some(18)], "{r:#?}");
    }

    #[test]
    fn bad_direction_is_an_input_error() {
        let s = preset("reaches-default-fund");
        let c = ReverseConfig { direction: vec![InstrumentShock { instrument: "NOPE".into(), change: d("-1") }], ..Default::default() };
        assert!(matches!(reverse_stress(&s, &c), Err(StressError::Input(_))));
        let c = ReverseConfig { at_step: Some(999), ..Default::default() };
        assert!(matches!(reverse_stress(&s, &c), Err(StressError::Input(_))));
    }

    /// Issue 18: with `vol_per_move`, a price shock also lifts every option's σ, so an options
    /// seller's layers give way to a smaller price move; each threshold is still exact (n
    /// exhausts the layer, n − 1 does not, re-run with the same coupling), and a book without
    /// options is unchanged.
    #[test]
    fn volatility_moves_with_the_shock() {
        let s = preset("options-seller");
        let plain = check_thresholds(&s, &ReverseConfig::default());
        let coupled = check_thresholds(&s, &ReverseConfig { vol_per_move: d("3"), ..Default::default() });
        let first = |r: &ReverseResult| r.layers.iter().find(|l| l.status == ThresholdStatus::Found).and_then(|l| l.ticks);
        let (p, c) = (first(&plain).expect("a threshold without coupling"), first(&coupled).expect("a threshold with it"));
        assert!(c < p, "σ up with the move: {c} ticks < {p} ticks");
        let rs = ReverseStress::new(&s, &ReverseConfig { vol_per_move: d("3"), ..Default::default() }).unwrap();
        let at = rs.scenario_at(c);
        let put = at.instruments.iter().find(|i| i.option.is_some()).unwrap();
        assert!(put.option.as_ref().unwrap().volatility.shocks.iter().any(|x| x.change > Decimal::ZERO), "σ shocked");
        // A futures book is unchanged by the coupling.
        let f = preset("exhausts-waterfall");
        assert_eq!(reverse_stress(&f, &ReverseConfig::default()).unwrap(), reverse_stress(&f, &ReverseConfig { vol_per_move: d("3"), ..Default::default() }).unwrap());
        assert!(ReverseStress::new(&s, &ReverseConfig { vol_per_move: d("-1"), ..Default::default() }).is_err());
    }
}
