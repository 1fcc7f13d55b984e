//! The two moves every rule that ends a position makes: close (part of) a position at a price,
//! and sell non-quote collateral at its haircut value.

use super::account::{position_value, Pos};
use super::ledger::{names, EntryMemo};
use super::money::{mul_div, to_money_places, Checked, EngineResult};
use super::state::Sim;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Convert non-quote collateral to cash at its haircut value (the haircut is the sale cost).
    pub(in crate::engine) fn sell_collateral(&mut self, a: usize, t: u32) -> EngineResult<()> {
        let n = self.accts[a].snap.collateral.len(); // ok: a < len
        for k in 1..n {
            let units = self.accts[a].snap.collateral[k]; // ok: k < n
            if units <= Decimal::ZERO {
                continue;
            }
            let value = self.m.collateral_worth(k, units, t)?;
            self.accts[a].snap.collateral[k] = Decimal::ZERO; // ok: k < n
            self.cash_add(a, value)?;
            let asset = self.asset_names.get(k).cloned().unwrap_or_else(|| self.quote.clone());
            let name = self.acct_name(a);
            if self.full {
                self.ledger.record(t, self.vn(names::MARKET).into(), name.clone(), asset, units, EntryMemo::Static("collateral sold"));
            }
            self.post(t, name, self.vn(names::MARKET), value, "proceeds of collateral sold".into());
        }
        Ok(())
    }

    /// Close `qty` (absolute) of position `pidx` at `price`: returns the realized amount (PnL minus
    /// funding owed) and the released isolated margin; the caller credits them. Posts the ledger
    /// (under VM, only the part beyond this step's settled mark).
    pub(in crate::engine) fn close_part(&mut self, a: usize, pidx: usize, qty: Decimal, price: Decimal, t: u32) -> EngineResult<(Decimal, Decimal)> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: callers pass valid indices
        let q = qty.min(p.size.abs());
        if q.is_zero() {
            return Ok((Decimal::ZERO, Decimal::ZERO));
        }
        let part = if p.size.is_sign_negative() { -q } else { q };
        let full = q == p.size.abs();
        let pnl = self.m.pnl_at(p.inst, part, p.entry, price)?;
        let funding = self.m.funding_owed(p.inst, part, p.funding_entry, t)?;
        let realized = pnl.sub_c(funding, "realized pnl")?;
        let posted = if self.vm {
            let at_mark = self.m.pnl_at(p.inst, part, p.entry, self.m.mark(p.inst, t))?;
            pnl.sub_c(at_mark, "realized pnl")?
        } else {
            realized
        };
        if self.full && !posted.is_zero() {
            let name = self.acct_name(a);
            let memo = EntryMemo::Closed(part, self.inst_id(p.inst), price);
            self.post(t, name, self.vn(names::SETTLEMENT), posted, memo);
        }
        let iso_rel = match p.isolated {
            Some(iso) if full => iso,
            Some(iso) => to_money_places(mul_div(iso, q, p.size.abs(), "isolated margin")?, super::money::LEGACY_MONEY_DP),
            None => Decimal::ZERO,
        };
        self.touch(a);
        self.closes.0 += 1;
        self.closes.1 = self.closes.1.add_c(self.m.notional(p.inst, part, price)?.abs(), "closed notional")?;
        let acct = &mut self.accts[a]; // ok: a < len
        let remaining = p.size - part;
        if remaining.is_zero() {
            acct.snap.positions.remove(pidx);
        } else if let Some(pos) = acct.snap.positions.get_mut(pidx) {
            pos.size = remaining;
            if let Some(iso) = pos.isolated.as_mut() {
                *iso -= iso_rel;
            }
        }
        Ok((realized, iso_rel))
    }

    /// Account `w` takes a position of `size` (signed) in `inst` over at `price` at step `t` (an
    /// auction fill, a forced allocation): what the price leaves it against mark is its cash at
    /// once, and the position is carried from mark like any other (under variation margin its
    /// next settlement runs from this mark). A position it already holds in `inst` (cross) is
    /// merged at mark: its value is realized into cash (under variation margin already settled,
    /// so not posted again) and the net size carried from mark.
    pub(in crate::engine) fn open_at(&mut self, w: usize, inst: usize, size: Decimal, price: Decimal, t: u32, memo: &'static str) -> EngineResult<()> {
        if size.is_zero() {
            return Ok(());
        }
        let mark = self.m.mark(inst, t);
        let gain = self.m.pnl_at(inst, size, price, mark)?;
        self.cash_add(w, gain)?;
        let name = self.acct_name(w);
        self.post(t, name.clone(), self.vn(names::SETTLEMENT), gain, EntryMemo::Static(memo));
        let funding = self.m.funding(inst, t);
        let held = self.accts[w].snap.positions.iter().position(|q| q.inst == inst && q.isolated.is_none()); // ok: w < len (caller)
        match held {
            Some(k) => {
                let p = self.accts[w].snap.positions[k].clone(); // ok: k found above
                let realized = position_value(&self.m, &p, t)?;
                self.cash_add(w, realized)?;
                if !self.vm {
                    self.post(t, name, self.vn(names::SETTLEMENT), realized, EntryMemo::Static("position merged at mark"));
                }
                let net = p.size.add_c(size, "merged position")?;
                let acct = &mut self.accts[w]; // ok: w < len
                if net.is_zero() {
                    acct.snap.positions.remove(k);
                } else if let Some(q) = acct.snap.positions.get_mut(k) {
                    *q = Pos { inst, size: net, entry: mark, funding_entry: funding, isolated: None };
                }
            }
            None => self.accts[w].snap.positions.push(Pos { inst, size, entry: mark, funding_entry: funding, isolated: None }), // ok: w < len
        }
        self.touch(w);
        Ok(())
    }
}
