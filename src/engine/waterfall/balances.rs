//! What each layer holds: its bar (drawn, remaining, exhausted) and its balance before and after
//! a draw, for the spill's records.

use crate::engine::account::valuate;
use crate::engine::money::EngineResult;
use crate::engine::state::{LayerKind, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// What layer `l` could still pay, as its bar shows it (`None` = rule-based): the skin in the
    /// game left, the insurance fund, the non-defaulting members' contributions.
    pub(in crate::engine) fn layer_remaining(&self, l: usize) -> Option<Decimal> {
        match self.layers.get(l)?.kind {
            LayerKind::Sig => self.layers.get(l).map(|x| x.sig_left),
            LayerKind::Insurance => Some(self.insurance_total()),
            // Everyone else's contribution is a plain zero: same sum.
            LayerKind::Survivors => Some(self.contributors.iter().filter_map(|&i| self.accts.get(i)).filter(|a| !a.defaulter).map(|a| a.snap.contribution).sum()),
            _ => None,
        }
    }

    /// Layer `l`'s bar now: cumulative drawn, remaining, exhausted (a loss went past it, or its
    /// capacity is used up).
    pub(in crate::engine) fn layer_bar(&self, l: usize) -> LayerState {
        let remaining = self.layer_remaining(l);
        let (drawn, exhausted) = self.layers.get(l).map(|x| (x.drawn, x.exhausted)).unwrap_or_default();
        LayerState { drawn, remaining, exhausted: exhausted || remaining == Some(Decimal::ZERO) && drawn > Decimal::ZERO }
    }

    /// What layer `l` holds for `def`'s loss, for the draw records (`None` for rule-based layers):
    /// the defaulter's own contribution, the skin in the game left, the insurance fund, the
    /// survivors' contributions it can weigh, the assessments still callable, the vault's equity.
    pub(in crate::engine) fn layer_balance(&self, l: usize, def: usize, t: u32) -> EngineResult<Option<Decimal>> {
        let Some(layer) = self.layers.get(l) else { return Ok(None) };
        Ok(match &layer.kind {
            LayerKind::DefFund => self.accts.get(def).map(|a| a.snap.contribution),
            LayerKind::Sig => Some(layer.sig_left),
            LayerKind::Insurance => Some(self.insurance_total().max(Decimal::ZERO)),
            LayerKind::Survivors => Some(self.contributing_survivors(def).map(|i| self.accts[i].snap.contribution).filter(|c| *c > Decimal::ZERO).sum()), // ok: i < len
            LayerKind::Assessment { cap, max_calls, period_cap, cooling_off } => Some({
                let caps = super::assessment::AssessCaps { cap: *cap, max_calls: *max_calls, period_cap: *period_cap, cooling_off: *cooling_off };
                let mut h = Decimal::ZERO;
                // Members whose fund still has calls (every member shares the layer's calls
                // without `default_funds`).
                for i in self.contributing_survivors(def).filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO && self.has_calls(l, i, &caps)) {
                    h += self.assessment_headroom(l, def, i, &caps)?.0;
                }
                h
            }),
            LayerKind::LpVault(v) => match self.accts.get(*v) {
                Some(a) if *v != def && !a.defaulter => Some(valuate(&self.m, self.m.pm(*v), &a.snap.collateral, &a.snap.positions, t)?.equity.max(Decimal::ZERO)),
                _ => Some(Decimal::ZERO),
            },
            _ => None,
        })
    }
}
