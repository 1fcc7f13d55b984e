//! What a run writes down: ledger entries, events (kept as their parts, rendered on reading),
//! the spill's draws, per-step account / layer / insurance states, and the closing loss summary.

use super::ledger::{EntryMemo, Party};
use super::money::{Checked, EngineResult};
use super::state::{DrawStart, Sim};
use super::timeline::*;
use super::spill::Draw;
use super::waterfall::gini;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    pub(in crate::engine) fn post(&mut self, step: u32, debit: impl Into<Party>, credit: impl Into<Party>, amount: Decimal, memo: EntryMemo) {
        if amount.is_zero() || !self.full {
            return;
        }
        let (debit, credit) = (debit.into(), credit.into());
        let (debit, credit, amount) = if amount < Decimal::ZERO { (credit, debit, -amount) } else { (debit, credit, amount) };
        self.ledger.record(step, debit, credit, self.quote.clone(), amount, memo);
    }

    pub(in crate::engine) fn event(&mut self, step: u32, account: Option<usize>, kind: EventKind, msg: Msg<Party>, amount: Option<Decimal>, layer: Option<usize>) {
        if !self.full {
            return;
        }
        self.events.record(step, account, kind, amount, layer, self.sign, msg);
        let t = step as usize;
        if self.events_per_step.len() <= t {
            self.events_per_step.resize(t + 1, 0);
        }
        if let Some(n) = self.events_per_step.get_mut(t) {
            *n += 1;
        }
    }

    /// Events recorded so far at `step`.
    pub(in crate::engine) fn events_so_far(&self, step: u32) -> usize {
        self.events_per_step.get(step as usize).copied().unwrap_or(0) as usize
    }

    /// What a draw on `layer` (`None`: the residual) starts from, taken just before it is made.
    pub(in crate::engine) fn draw_start(&self, layer: Option<usize>, def: usize, t: u32, loss_in: Decimal) -> EngineResult<DrawStart> {
        let (before, remaining_before) = match layer {
            Some(l) if self.full => (self.layer_balance(l, def, t)?, self.layer_remaining(l)),
            _ => (None, None),
        };
        Ok(DrawStart { loss_in, ev0: self.events_so_far(t), before, remaining_before })
    }

    /// Records a draw just made on `layer` (`None`: the residual no layer covered), told by the
    /// step's events since `start`.
    pub(in crate::engine) fn record_draw(&mut self, t: u32, layer: Option<usize>, def: usize, start: DrawStart, taken: Decimal, passed_on: Decimal) -> EngineResult<()> {
        if !self.full {
            return Ok(());
        }
        let (after, state) = match layer {
            Some(l) => (self.layer_balance(l, def, t)?, self.layer_bar(l)),
            None => (None, LayerState { drawn: self.unallocated, remaining: None, exhausted: false }),
        };
        let events = start.ev0..self.events_so_far(t);
        let DrawStart { loss_in, before, remaining_before, .. } = start;
        self.draws.record(t, &Draw { layer, account: def, loss_in, taken, passed_on, before, after, remaining_before, state, events });
        Ok(())
    }

    pub(in crate::engine) fn record(&mut self, t: u32) -> EngineResult<()> {
        // Only the accounts that changed (all of them at step 0, in index order).
        let mut changed = std::mem::take(&mut self.changed);
        for &a in &changed {
            let Some(acct) = self.accts.get_mut(a as usize) else { continue };
            acct.dirty = false;
            if !self.full {
                continue;
            }
            if t == 0 {
                self.logs.push_first(&acct.snap);
            } else {
                self.logs.push_change(a, t, &acct.snap);
            }
        }
        changed.clear();
        self.changed = changed;
        self.insurance_series.push(self.insurance_total());
        if self.unalloc_log.last().map(|x| x.1) != Some(self.unallocated) {
            self.unalloc_log.push((t, self.unallocated));
        }
        if self.layers_dirty {
            self.layers_dirty = false;
            for l in 0..self.layers.len() {
                let st = self.layer_bar(l);
                if let Some(log) = self.layer_logs.get_mut(l) {
                    if log.last().map(|x| &x.1) != Some(&st) {
                        log.push((t, st));
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> EngineResult<Timeline> {
        // Events are pushed in step order; the stable sort (and its buffer) only if they are not.
        {
            self.events.sort_by_step(); // stable: keeps causal order within a step
            self.draws.sort_by_step();
        }
        let by_layer: Vec<Decimal> = self.layers.iter().map(|l| l.drawn).collect();
        let allocated = by_layer.iter().try_fold(Decimal::ZERO, |a, x| a.add_c(*x, "allocated"))?;
        let mut by_party: Vec<(String, Decimal)> = Vec::new();
        for l in &self.layers {
            if l.drawn.is_zero() {
                continue;
            }
            match by_party.iter_mut().find(|p| p.0 == l.party) {
                Some(p) => p.1 += l.drawn,
                None => by_party.push((l.party.to_string(), l.drawn)),
            }
        }
        if self.unallocated > Decimal::ZERO {
            by_party.push(("Unallocated".into(), self.unallocated));
        }
        let losses: Vec<Decimal> = self.accts.iter().filter(|a| !a.defaulter).map(|a| a.snap.loss).collect();
        let mut largest = Decimal::ZERO;
        let mut largest_acct = None;
        for (i, a) in self.accts.iter().enumerate() {
            if !a.defaulter && a.snap.loss > largest {
                largest = a.snap.loss;
                largest_acct = Some(i);
            }
        }
        let summary = LossSummary {
            deficit: self.deficit,
            bad_debt: self.bad_debt,
            allocated,
            unallocated: self.unallocated,
            by_layer,
            by_party,
            accounts_touched: losses.iter().filter(|x| **x > Decimal::ZERO).count(),
            largest_hit: largest,
            largest_hit_account: largest_acct,
            gini: gini(&losses),
            defaults: self.defaults,
            cascade_defaults: self.cascades,
            adl: (self.adl_totals.fills > 0).then(|| self.adl_totals.clone()),
        };
        Ok(Timeline {
            steps: self.s.steps,
            instruments: self.s.instruments.iter().map(|i| i.id.clone()).collect(),
            marks: self.m.marks.clone(),
            accounts: self.infos,
            layers: self.layer_infos,
            insurance_fund: self.insurance_series,
            events: {
                let mut e = self.events;
                e.seal();
                e
            },
            ledger: {
                let mut l = self.ledger;
                l.seal();
                l
            },
            summary,
            market: self.m,
            account_logs: {
                let mut l = self.logs;
                l.seal();
                l
            },
            passed_on: self.layers.iter().map(|l| l.passed_on).collect(),
            layer_logs: self.layer_logs,
            unallocated_log: self.unalloc_log,
            draws: {
                let mut d = self.draws;
                d.seal();
                d
            },
            splits: {
                let mut x = self.splits;
                x.seal();
                x
            },
            adl_rule: self.s.venue.adl,
        })
    }
}
