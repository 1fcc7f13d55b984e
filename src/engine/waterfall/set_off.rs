//! Set-off: a member that cannot pay its assessment defaults, and everything it owes is netted
//! against everything it has posted before any of it passes on.

use crate::engine::ledger::names;
use crate::engine::money::EngineResult;
use crate::engine::state::Sim;
use crate::engine::timeline::*;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: CCP default rules, set-off: everything a defaulter owes (an unpaid assessment included) is netted against everything it has posted, domain.md §6.
    /// Member `i` failed `owed` of its assessment (layer `l`) toward `def`'s loss: it defaults now (its
    /// portfolio is closed out, as any default), then what it owes is taken from the surplus the
    /// close-out left, then from its remaining fund contribution. Its own loss, if any, goes down
    /// the waterfall once `def`'s walk ends (`Sim::closed_out`). Returns what the set-off paid.
    pub(in crate::engine) fn set_off(&mut self, i: usize, def: usize, t: u32, l: usize, owed: Decimal) -> EngineResult<Decimal> {
        let msg = Msg::Default { name: self.who(i), cascade: true };
        let (margin_used, d, info) = self.close_out(i, t, msg)?;
        let cash = self.accts[i].snap.collateral.first().copied().unwrap_or_default(); // ok: i < len (caller)
        let margin = owed.min(cash.max(Decimal::ZERO));
        if margin > Decimal::ZERO {
            self.cash_add(i, -margin)?;
            self.accts[i].snap.loss += margin; // ok: i < len
            let from = self.acct_name(i);
            let memo = format!("set-off: {}'s unpaid assessment from its margin", self.name(i));
            self.credit_def(def, t, from, margin, memo.into())?;
        }
        let fund = (owed - margin).min(self.accts[i].snap.contribution.max(Decimal::ZERO)); // ok: i < len
        if fund > Decimal::ZERO {
            self.accts[i].snap.contribution -= fund; // ok: i < len
            self.accts[i].snap.loss += fund; // ok: i < len
            self.touch(i);
            let memo = format!("set-off: {}'s unpaid assessment from its fund contribution", self.name(i));
            self.credit_def(def, t, self.vn(names::DEFAULT_FUND), fund, memo.into())?;
        }
        let msg = Msg::SetOff { name: self.who(i), owed, margin, fund, toward: self.who(def) };
        self.event(t, Some(i), EventKind::Cascade, msg, Some(margin + fund), Some(l));
        self.closed_out.push_back((i, margin_used, d, info));
        Ok(margin + fund)
    }
}
