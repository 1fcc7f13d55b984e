//! The two moves every rule that ends a position makes: close (part of) a position at a price,
//! and sell non-quote collateral at its haircut value.

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
}
