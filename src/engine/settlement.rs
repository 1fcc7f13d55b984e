//! What moves money outside a default: losses passed on by linked venues (bad-debt propagation),
//! variation margin at a clearing house, and expiry (cash settlement, or physical delivery with a
//! buy-in of what a short cannot deliver). An account left with no position and negative cash is
//! bankrupt here.

use super::account::{collateral_value, valuate, Status};
use super::ledger::{names, EntryMemo, Name};
use super::ledger_vm::{vm_delta, VmJournal, VM_MEMO};
use std::sync::Arc;
use super::money::{format_decimal, to_money, Checked, EngineResult};
use super::state::Sim;
use super::timeline::*;
use crate::scenario::SettlementKind;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: bad-debt propagation, an unrecovered loss elsewhere becomes a participant's loss here (domain.md §1).
    /// Bad-debt propagation: another venue's loss is debited from the named account's cash before
    /// this step's margin check, which then treats it like any other loss (call, liquidation,
    /// default). An account already in default has nothing left here: the loss does not land.
    pub(in crate::engine) fn apply_inflows(&mut self, t: u32) -> EngineResult<()> {
        while let Some(f) = self.inflows.get(self.inflow_next).filter(|f| f.step <= t).cloned() {
            self.inflow_next += 1;
            let a = f.account;
            let Some(acct) = self.accts.get(a) else { continue };
            if acct.defaulter || acct.snap.status.is_out() {
                let msg = Msg::ContagionMissed { name: self.who(a), amount: f.amount, from: Name::from(f.from.as_str()).into(), source: f.source };
                self.event(t, Some(a), EventKind::ContagionLoss, msg, Some(Decimal::ZERO), None);
                continue;
            }
            self.cash_add(a, -f.amount)?;
            let from = Name::from(format!("external:contagion:{}", f.from_id).as_str());
            self.post(t, from, self.acct_name(a), f.amount, EntryMemo::Text(Name::from(format!("{} passed on by {}", f.source.label(), f.from).as_str())));
            let msg = Msg::ContagionLoss { name: self.who(a), amount: f.amount, from: Name::from(f.from.as_str()).into(), source: f.source };
            self.event(t, Some(a), EventKind::ContagionLoss, msg, Some(f.amount), None);
            // With no position left to liquidate, a negative balance is a deficit at once.
            self.bankrupt_if_negative(a, t, Decimal::ZERO)?;
        }
        Ok(())
    }

    /// Source: CCP variation margin, every position's change in value paid and collected each cycle (domain.md §6, VMGH).
    /// CCP style: pay and collect the change in value of every position (VM), every step.
    /// Without a trade cancellation (which reverses entries one by one), the journal keeps the
    /// step's entries as one block built on demand from the positions (ledger_vm.rs, issue 14).
    pub(in crate::engine) fn post_variation_margin(&mut self, t: u32) -> EngineResult<()> {
        self.side.vm_gainers.clear();
        if self.full && self.s.trade_cancellations.is_empty() && !self.ledger.is_vm_compact() {
            let vm = VmJournal::new(Arc::new(self.m.clone()), self.vn(names::SETTLEMENT), self.quote.clone());
            self.ledger.vm_compact(vm);
        }
        let compact = self.ledger.is_vm_compact();
        self.ledger.vm_begin(t);
        let before_t = self.settled_before(t);
        for a in 0..self.accts.len() {
            let n = self.accts.len();
            self.side.vm_gain.set(a, Decimal::ZERO, n);
            let acct_ref = &self.accts[a]; // ok: a < len
            if acct_ref.snap.positions.is_empty() || acct_ref.snap.status.is_out() {
                self.ledger.vm_hold(a, &[]);
                continue;
            }
            self.ledger.vm_hold(a, &acct_ref.snap.positions);
            let delta = match self.ledger.vm_settle(a, &acct_ref.snap.positions, t) {
                Some(d) => d?,
                // After a trade cancellation, from the last mark that stands (trade_cancellation.rs).
                None => vm_delta(&self.m, &acct_ref.snap.positions, t, before_t)?,
            };
            if delta.is_zero() {
                continue;
            }
            self.side.vm_gain.set(a, delta.max(Decimal::ZERO), n);
            if delta > Decimal::ZERO {
                self.side.vm_gainers.push(a as u32);
            }
            if !compact {
                let name = self.acct_name(a);
                self.post(t, name, self.vn(names::SETTLEMENT), delta, VM_MEMO.into());
            }
        }
        self.ledger.vm_end(self.accts.len());
        Ok(())
    }

    /// Source: physical delivery mechanics, a short who cannot deliver is bought in at a penalty (domain.md §1).
    /// Expiry: cash settlement at mark, or physical delivery with buy-in of what a short lacks.
    pub(in crate::engine) fn expire(&mut self, t: u32) -> EngineResult<()> {
        let mut margins: Vec<(usize, Decimal)> = Vec::new();
        for (i, ins) in self.s.instruments.iter().enumerate() {
            let Some(x) = &ins.expiry else { continue };
            if x.step != t {
                continue;
            }
            let mark = self.m.mark(i, t);
            let underlying = ins.underlying.as_ref().and_then(|u| self.s.assets.iter().position(|a| &a.id == u)).map(|k| k + 1);
            let mut settled = 0usize;
            for a in 0..self.accts.len() {
                let Some(pidx) = self.accts[a].snap.positions.iter().position(|p| p.inst == i) else { continue }; // ok: a < len
                if self.accts[a].snap.status.is_out() {
                    continue; // ok: a < len
                }
                // The account's margin before this step's settlements: the first layer of a
                // bankruptcy here, as in a liquidation or an auction (issue 19).
                let margin = match margins.iter().find(|x| x.0 == a) {
                    Some(x) => x.1,
                    None => {
                        let acct = &self.accts[a]; // ok: a < len
                        let m = valuate(&self.m, self.m.pm(a), &acct.snap.collateral, &acct.snap.positions, t)?.collateral;
                        margins.push((a, m));
                        m
                    }
                };
                let size = self.accts[a].snap.positions[pidx].size; // ok: pidx found above
                if x.settlement == SettlementKind::Physical && self.m.option(i).is_some() {
                    // A physically settled option becomes a futures position (option_book.rs).
                    self.exercise(a, pidx, t)?;
                    settled += 1;
                    self.bankrupt_if_negative(a, t, margin)?;
                    continue;
                }
                let (realized, iso) = self.close_part(a, pidx, size.abs(), mark, t)?;
                self.cash_add(a, realized + iso)?;
                settled += 1;
                if x.settlement == SettlementKind::Physical && size < Decimal::ZERO {
                    let need = size.abs().mul_c(ins.contract_size, "delivery")?;
                    let have = underlying.and_then(|k| self.accts[a].snap.collateral.get(k).copied()).unwrap_or_default(); // ok: a < len
                    let missing = (need - have.max(Decimal::ZERO)).max(Decimal::ZERO);
                    if missing > Decimal::ZERO {
                        let cost = to_money(missing.mul_c(mark, "buy-in")?.mul_c(x.buy_in_penalty, "buy-in")?);
                        self.cash_add(a, -cost)?;
                        let name = self.acct_name(a);
                        self.post(t, self.vn(names::MARKET), name, cost, format!("buy-in penalty on {} undelivered", format_decimal(missing, 8)).into());
                        let msg = Msg::BuyIn { name: self.who(a), missing, inst: self.inst_id(i).into(), penalty: x.buy_in_penalty, cost };
                        self.event(t, Some(a), EventKind::BuyIn, msg, Some(cost), None);
                    }
                }
                if self.accts[a].snap.positions.is_empty() {
                    self.set_status(a, Status::Settled);
                }
                self.bankrupt_if_negative(a, t, margin)?;
            }
            if settled > 0 {
                let msg = Msg::Settled { inst: self.inst_id(i).into(), mark, count: settled };
                self.event(t, None, EventKind::Settlement, msg, None, None);
            }
        }
        Ok(())
    }

    /// After a settlement, an account with no position and negative equity is bankrupt: its
    /// collateral is sold, `margin` (what it had posted before the settlement) is the first layer
    /// and what its balance lacks goes to the waterfall. A solvent account keeps its collateral.
    pub(in crate::engine) fn bankrupt_if_negative(&mut self, a: usize, t: u32, margin: Decimal) -> EngineResult<()> {
        let acct = &self.accts[a]; // ok: callers pass a < len
        if !acct.snap.positions.is_empty() {
            return Ok(());
        }
        // Only a defaulter's collateral is sold (issue 19): at its haircut value, which the
        // equity already counts.
        if collateral_value(&self.m, &acct.snap.collateral, t)? >= Decimal::ZERO {
            return Ok(());
        }
        self.sell_collateral(a, t)?;
        let cash = self.accts[a].snap.collateral.first().copied().unwrap_or_default(); // ok: a < len
        if cash < Decimal::ZERO {
            let d = -cash;
            self.accts[a].defaulter = true; // ok: a < len
            self.defaults += 1;
            self.set_status(a, Status::Bankrupt);
            let msg = Msg::SettlementDeficit { name: self.who(a), deficit: d };
            self.event(t, Some(a), EventKind::Bankruptcy, msg, Some(d), None);
            self.allocate(a, t, margin.max(Decimal::ZERO), d, &[])?;
        }
        Ok(())
    }
}
