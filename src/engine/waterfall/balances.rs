//! What each layer holds: its bar (drawn, remaining, exhausted) and its balance before and after
//! a draw, for the spill's records.

use crate::engine::account::valuate;
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{LayerKind, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: a fund paid back (a recovery, CCP replenishment rules; domain.md §6) holds money again.
    /// Every layer of `kind` (compared by variant) holds money again after a recovery or a
    /// replenishment: its bar is no longer exhausted; what it paid before stays drawn.
    pub(in crate::engine) fn refill_layer(&mut self, kind: &LayerKind) {
        let k = std::mem::discriminant(kind);
        for l in self.layers.iter_mut().filter(|l| std::mem::discriminant(&l.kind) == k) {
            l.exhausted = false;
        }
        self.layers_dirty = true;
    }

    /// What the default fund used of each surviving contributor's contribution (its opening
    /// contribution less what it holds now), for those it used: what a replenishment calls and a
    /// recovery restores.
    pub(in crate::engine) fn contributions_used(&self) -> EngineResult<Vec<(usize, Decimal)>> {
        let mut dues = Vec::new();
        for &i in &self.contributors {
            if !self.is_survivor(i, usize::MAX) {
                continue;
            }
            let c = self.accts.get(i).map(|x| x.snap.contribution).unwrap_or_default();
            let used = self.side.contribution0.get(i).sub_c(c, "contribution used")?.max(Decimal::ZERO);
            if used > Decimal::ZERO {
                dues.push((i, used));
            }
        }
        Ok(dues)
    }

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
            LayerKind::Assessment { cap, max_calls, period_cap, cooling_off, from_collateral } => Some({
                let caps = super::assessment::AssessCaps { cap: *cap, max_calls: *max_calls, period_cap: *period_cap, cooling_off: *cooling_off, from_collateral: *from_collateral };
                let mut h = Decimal::ZERO;
                // Members whose fund still has calls (every member shares the layer's calls
                // without `default_funds`).
                for i in self.contributing_survivors(def).filter(|&i| self.side.contribution0.get(i) > Decimal::ZERO && self.has_calls(l, i, &caps)) {
                    h += self.assessment_headroom(l, def, i, &caps)?.0;
                }
                h
            }),
            LayerKind::ImHaircut { cap } => Some(self.im_haircut_weights(def, t, *cap)?.iter().map(|x| x.1).sum()),
            LayerKind::LpVault(v) => match self.accts.get(*v) {
                Some(a) if *v != def && !a.defaulter => Some(valuate(&self.m, self.m.pm(*v), &a.snap.collateral, &a.snap.positions, t)?.equity.max(Decimal::ZERO)),
                _ => Some(Decimal::ZERO),
            },
            _ => None,
        })
    }
}
