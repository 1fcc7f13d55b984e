//! Backstop position transfer (issue 19): a liquidator vault takes a liquidated account's
//! positions over instead of closing them in the book, and carries them.
//!
//! Hyperliquid's rule (its documentation, "Liquidations": when the book cannot take a position,
//! the liquidator vault, part of HLP, takes it over with the account's margin; JELLY, 26 March
//! 2025: HLP took the short over at about 0.0095 + margin, carried it at an unrealized loss of
//! about $12m, and closed it at the delisting price of 0.0095). Here the vault receives the
//! group's positions as they are (size, entry, funding index) and the collateral behind them
//! (all the account's collateral for a cross group, the position's isolated margin otherwise):
//! the account's equity at mark, positive or negative, passes to the vault whole, which is taking
//! the position over at its bankruptcy price. The account keeps nothing and owes nothing; no loss
//! reaches the waterfall. From then on the vault is an account like any other: marked to market
//! every step, settled at expiry, and liquidated in the book (its loss down the waterfall, e.g. to
//! ADL) if its own equity falls below maintenance.

use super::account::{position_value, Pos, Status};
use super::ledger::{EntryMemo, Party};
use super::money::{Checked, EngineResult};
use super::state::Sim;
use super::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Hyperliquid documentation, "Liquidations" (backstop liquidation by the liquidator vault); Hyperliquid statement on JELLY, 26 March 2025.
    /// Account `a`'s margin group `idx` (cross, or one isolated position) passes to the backstop
    /// vault at step `t`; `group_equity` is its equity at mark. False when there is no vault to
    /// take it (none named, the vault itself, or a vault already out).
    pub(in crate::engine) fn backstop_takeover(&mut self, a: usize, idx: &[usize], t: u32, group_equity: Decimal, cross: bool) -> EngineResult<bool> {
        let Some(v) = self.backstop else { return Ok(false) };
        if v == a || self.accts.get(v).is_none_or(|x| x.snap.status.is_out()) || idx.is_empty() {
            return Ok(false);
        }
        let mut sorted: Vec<usize> = idx.to_vec();
        sorted.sort_unstable_by(|x, y| y.cmp(x));
        let mut moved: Vec<Pos> = Vec::with_capacity(sorted.len());
        let mut iso_cash = Decimal::ZERO;
        for i in sorted {
            let Some(acct) = self.accts.get_mut(a) else { break };
            if i < acct.snap.positions.len() {
                let p = acct.snap.positions.remove(i);
                iso_cash = iso_cash.add_c(p.isolated.unwrap_or_default(), "isolated margin")?;
                moved.push(p);
            }
        }
        moved.reverse();
        // The collateral behind the group: all of it for a cross group.
        let coll: Vec<Decimal> = if cross { self.accts[a].snap.collateral.to_vec() } else { Vec::new() }; // ok: a < len (checked above)
        if cross {
            if let Some(acct) = self.accts.get_mut(a) {
                for c in acct.snap.collateral.iter_mut() {
                    *c = Decimal::ZERO;
                }
            }
        }
        let cash = coll.first().copied().unwrap_or_default().add_c(iso_cash, "taken-over cash")?;
        self.cash_add(v, cash)?;
        let memo = EntryMemo::Static("backstop takeover: the account's collateral");
        self.post(t, self.acct_name(v), self.acct_name(a), cash, memo.clone());
        for (k, units) in coll.iter().enumerate().skip(1) {
            if units.is_zero() {
                continue;
            }
            if let Some(c) = self.accts.get_mut(v).and_then(|x| x.snap.collateral.get_mut(k)) {
                *c = c.add_c(*units, "taken-over collateral")?;
            } else if let Some(acct) = self.accts.get_mut(v) {
                acct.snap.collateral.resize(k + 1, Decimal::ZERO);
                if let Some(c) = acct.snap.collateral.get_mut(k) {
                    *c = *units;
                }
            }
            if self.full {
                let asset = self.asset_names.get(k).cloned().unwrap_or_else(|| self.quote.clone());
                let (debit, credit, n) = if *units > Decimal::ZERO { (Party::Acct(v), Party::Acct(a), *units) } else { (Party::Acct(a), Party::Acct(v), -*units) };
                self.ledger.record(t, debit, credit, asset, n, memo.clone());
            }
        }
        let first = moved.first().map(|p| (p.inst, p.size));
        let count = moved.len() as u64;
        for mut p in moved {
            p.isolated = None;
            self.carry(v, p, t)?;
        }
        self.set_status(a, Status::Liquidated);
        self.touch(a);
        self.touch(v);
        if let Some((inst, size)) = first {
            let msg = Msg::BackstopTakeover {
                vault: self.who(v),
                name: self.who(a),
                size,
                inst: self.inst_id(inst).into(),
                mark: self.m.mark(inst, t),
                count,
                equity: group_equity,
            };
            self.event(t, Some(a), EventKind::BackstopTakeover, msg, Some(group_equity), None);
        }
        Ok(true)
    }

    /// The vault adds position `p` to its book. A position on an instrument it already holds is
    /// merged at mark: both are valued (PnL less funding owed) into cash and the net size opens
    /// at the mark, so the vault's equity is the same either way.
    fn carry(&mut self, v: usize, p: Pos, t: u32) -> EngineResult<()> {
        let Some(k) = self.accts.get(v).and_then(|x| x.snap.positions.iter().position(|q| q.inst == p.inst && q.isolated.is_none())) else {
            if let Some(acct) = self.accts.get_mut(v) {
                acct.snap.positions.push(p);
            }
            return Ok(());
        };
        let held = self.accts[v].snap.positions[k].clone(); // ok: k found above
        let realized = position_value(&self.m, &held, t)?.add_c(position_value(&self.m, &p, t)?, "merged position")?;
        self.cash_add(v, realized)?;
        let name = self.acct_name(v);
        self.post(t, name, self.vn(super::ledger::names::SETTLEMENT), realized, EntryMemo::Static("backstop takeover: merged at mark"));
        let size = held.size.add_c(p.size, "merged position")?;
        let mark = self.m.mark(p.inst, t);
        let funding = self.m.funding(p.inst, t);
        if let Some(acct) = self.accts.get_mut(v) {
            if size.is_zero() {
                acct.snap.positions.remove(k);
            } else if let Some(q) = acct.snap.positions.get_mut(k) {
                *q = Pos { inst: p.inst, size, entry: mark, funding_entry: funding, isolated: None };
            }
        }
        Ok(())
    }
}
