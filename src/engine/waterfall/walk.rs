//! The walk down the waterfall: a default's loss enters (`allocate`), meets the defaulter's
//! margin, then each layer in order (`run_layers`, which only dispatches to the layer's rule and
//! records the draw); what no layer covers is written down as unallocated.

use crate::engine::ledger::{names, EntryMemo, Party};
use crate::engine::money::{Checked, EngineResult};
use crate::engine::state::{Bankrupt, LayerKind, Sim};
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// A default's loss enters the waterfall: the defaulter's margin first, then the layers.
    pub(in crate::engine) fn allocate(&mut self, def: usize, t: u32, margin_used: Decimal, d: Decimal, info: &[Bankrupt]) -> EngineResult<()> {
        self.deficit = self.deficit.add_c(margin_used, "deficit")?.add_c(d, "deficit")?;
        self.bad_debt = self.bad_debt.add_c(d, "bad debt")?;
        let margin_layer = self.layers.iter().position(|l| matches!(l.kind, LayerKind::DefMargin));
        let start = self.draw_start(margin_layer, def, t, margin_used + d)?;
        if let Some(l) = margin_layer {
            self.defaulter_margin(def, t, l, margin_used);
        }
        if d.is_zero() && margin_used > Decimal::ZERO {
            let msg = Msg::CoveredByOwnMargin { name: self.who(def) };
            self.event(t, Some(def), EventKind::Default, msg, Some(margin_used), None);
        }
        if margin_layer.is_some() && (margin_used > Decimal::ZERO || d > Decimal::ZERO) {
            // The first draw of the spill: the defaulter's own margin (domain.md §6).
            self.record_draw(t, margin_layer, def, start, margin_used, d)?;
        }
        if d.is_zero() {
            return Ok(());
        }
        self.run_layers(def, t, 0, d, info)
    }

    pub(in crate::engine) fn credit_def(&mut self, def: usize, t: u32, from: impl Into<Party>, amount: Decimal, memo: EntryMemo) -> EngineResult<()> {
        if amount.is_zero() {
            return Ok(());
        }
        self.cash_add(def, amount)?;
        let n = self.acct_name(def);
        self.post(t, n, from, amount, memo);
        Ok(())
    }

    /// Account `i` pays `amount` toward `def`'s deficit from its own balance.
    pub(in crate::engine) fn charge(&mut self, i: usize, def: usize, t: u32, amount: Decimal, memo: &'static str) -> EngineResult<()> {
        if amount.is_zero() {
            return Ok(());
        }
        self.cash_add(i, -amount)?;
        self.accts[i].snap.loss += amount; // ok: i < len (caller)
        let from = self.acct_name(i);
        self.credit_def(def, t, from, amount, EntryMemo::Toward(memo, self.name(def)))
    }

    /// `survivors` among the contributors: the only ones the fund layers can weigh.
    pub(in crate::engine) fn contributing_survivors(&self, def: usize) -> impl Iterator<Item = usize> + '_ {
        self.contributors.iter().copied().filter(move |&i| self.is_survivor(i, def))
    }

    pub(in crate::engine) fn survivors(&self, def: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.accts.len()).filter(move |&i| self.is_survivor(i, def))
    }

    /// Source: CCP default rules: only non-defaulting members' contributions are mutualized; a member in default (declared this step or earlier) pays only through its own resources, PFMI Principle 4 and domain.md §6.
    /// Whether account `i` survives `def`'s default: not `def`, not closed out, not out of the run,
    /// and not waiting in this step's default queue (issue 19).
    pub(in crate::engine) fn is_survivor(&self, i: usize, def: usize) -> bool {
        i != def && self.accts.get(i).is_some_and(|a| !a.defaulter && !a.snap.status.is_out()) && !self.in_default.get(i).copied().unwrap_or(false)
    }

    /// Account `i` is in default from now on, before its close-out (`is_survivor`).
    pub(in crate::engine) fn mark_in_default(&mut self, i: usize) {
        if self.in_default.len() <= i {
            self.in_default.resize(self.accts.len().max(i + 1), false);
        }
        if let Some(x) = self.in_default.get_mut(i) {
            *x = true;
        }
    }

    /// Walk the layers from `from`, each paying what it can of `left`: dispatch to the layer's rule
    /// (its own file), then record the draw, the layer's bar and, past its capacity, that it is
    /// exhausted. What no layer covers is written down (unallocated).
    pub(in crate::engine) fn run_layers(&mut self, def: usize, t: u32, from: usize, mut left: Decimal, info: &[Bankrupt]) -> EngineResult<()> {
        let mut l = from;
        while l < self.layers.len() && left > Decimal::ZERO {
            let kind = self.layers[l].kind.clone(); // ok: l < len
            let start = self.draw_start(Some(l), def, t, left)?;
            let pay = match kind {
                // Drawn by `allocate`, before the walk.
                LayerKind::DefMargin => Decimal::ZERO,
                LayerKind::DefFund => self.defaulter_fund(def, t, left)?,
                LayerKind::Sig => self.skin_in_the_game(def, t, l, left)?,
                LayerKind::Insurance => self.insurance_fund(def, t, left, info)?,
                LayerKind::Survivors => self.survivors_fund(def, t, l, left, info)?,
                LayerKind::Assessment { cap, max_calls, period_cap, cooling_off, from_collateral } => {
                    self.assessment(def, t, l, left, super::assessment::AssessCaps { cap, max_calls, period_cap, cooling_off, from_collateral }, info)?
                }
                LayerKind::ImHaircut { cap } => self.im_haircut(def, t, l, left, cap)?,
                // Split once for the step with every other loss that reaches the layer
                // (`step_split.rs`); the walk goes on from there.
                LayerKind::Vmgh { .. } if self.vm => {
                    self.queue_claim(def, t, l, left, info);
                    return Ok(());
                }
                LayerKind::Socialized => {
                    self.queue_claim(def, t, l, left, info);
                    return Ok(());
                }
                // No variation margin settled: no gains to cut.
                LayerKind::Vmgh { .. } => Decimal::ZERO,
                LayerKind::Adl => self.adl(def, t, l, left, info)?,
                LayerKind::LpVault(v) => self.lp_vault(def, t, l, v, left)?,
                LayerKind::TearUp => self.tear_up(def, t, left, info)?,
            };
            if pay > Decimal::ZERO {
                self.layers[l].drawn += pay; // ok: l < len
                self.layers_dirty = true;
                let msg = Msg::LayerPaid { label: self.layers[l].label.clone().into(), pay, name: self.who(def) }; // ok: l < len
                self.event(t, Some(def), EventKind::LayerDrawn, msg, Some(pay), Some(l));
            }
            left -= pay;
            if left > Decimal::ZERO && !matches!(kind, LayerKind::DefMargin) {
                self.layers[l].passed_on = true; // ok: l < len
            }
            // An assessment layer is exhausted only once no call or no headroom remains (its own
            // event said which rule stopped it); before that it can pay again (issue 19).
            let spent = match kind {
                LayerKind::Assessment { cap, max_calls, period_cap, cooling_off, from_collateral } => {
                    self.assessment_spent(l, def, &super::assessment::AssessCaps { cap, max_calls, period_cap, cooling_off, from_collateral })?
                }
                _ => true,
            };
            if left > Decimal::ZERO && !matches!(kind, LayerKind::DefMargin) && !self.layers[l].exhausted && spent {
                // ok: l < len
                self.layers[l].exhausted = true; // ok: l < len
                self.layers_dirty = true;
                // With several default funds, the fund that ran out is named (issue 19).
                if !(matches!(kind, LayerKind::Survivors) && self.funds_exhausted(def, t, l)) {
                    let label = self.layers[l].label.clone().into(); // ok: l < len
                    // A layer that never held anything (no fund contribution, a skin in the game
                    // of 0, an empty fund) is passed, not "exhausted" (issue 15).
                    let msg = if self.layers[l].drawn.is_zero() { Msg::LayerEmpty { label, left } } else { Msg::LayerExhausted { label, left } }; // ok: l < len
                    self.event(t, None, EventKind::LayerExhausted, msg, Some(left), Some(l));
                }
            }
            // "Or its capacity was used up" (issue 20): a layer without a bar (the defaulter's
            // fund contribution, an assessment, a vault) that this draw emptied exactly is
            // exhausted too, as the bar layers are (`layer_bar`).
            if left.is_zero() && pay > Decimal::ZERO && !self.layers[l].exhausted && self.layer_remaining(l).is_none() && self.layer_balance(l, def, t)? == Some(Decimal::ZERO) {
                self.layers[l].exhausted = true; // ok: l < len
                self.layers_dirty = true;
            }
            if !matches!(kind, LayerKind::DefMargin) {
                self.record_draw(t, Some(l), def, start, pay, left)?;
            }
            l += 1;
        }
        if left > Decimal::ZERO {
            self.write_down(def, t, left)?;
        }
        Ok(())
    }

    /// Source: write-down accounting (domain.md §1): a loss no layer covered is recorded as an explicit entry, so the ledger still balances.
    /// `left` of `def`'s loss is unallocated: it comes from `venue:unallocated`.
    fn write_down(&mut self, def: usize, t: u32, left: Decimal) -> EngineResult<()> {
        let start = self.draw_start(None, def, t, left)?;
        self.unallocated += left;
        self.credit_def(def, t, self.vn(names::UNALLOCATED), left, "write-down: loss no layer covered".into())?;
        let msg = Msg::Unallocated { left, name: self.who(def) };
        self.event(t, Some(def), EventKind::Unallocated, msg, Some(left), None);
        self.record_draw(t, None, def, start, left, Decimal::ZERO)
    }
}
