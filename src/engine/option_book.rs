//! Options in the book (issue 18): the premium paid at opening and physical exercise at expiry.
//!
//! Premium style (an exchange, `settlement: unrealized`; Deribit): each option position's buyer
//! pays `size × contract size × entry` at opening and the seller receives it, one double entry
//! each against `venue:settlement` (the two sides net to zero when open interest balances); the
//! position is then carried at entry 0, so its value is `size × contract size × mark` and closing
//! it (liquidation, expiry at the payoff) realizes exactly what it is worth.
//! Futures style (a clearing house paying variation margin; Eurex's options on futures): no
//! premium changes hands; the entry stays the premium and variation margin pays every change of
//! the option's mark, as for a future.

use super::account::Pos;
use super::ledger::{names, EntryMemo, Name};
use super::money::{format_decimal, to_money, Checked, EngineResult};
use super::options::black76::OptionKind;
use super::state::Sim;
use super::timeline::{EventKind, Msg};
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// Source: Deribit "Options" (premium paid in full by the buyer to the seller at the trade;
    /// margin-models.md §2: a long option carries no margin because its premium is paid).
    /// Premium style only (see the module note): every option position pays or receives its
    /// premium at step 0 and is carried at entry 0.
    pub(in crate::engine) fn pay_premiums(&mut self) -> EngineResult<()> {
        if self.vm || !self.m.meta.iter().any(|x| x.option.is_some()) {
            return Ok(());
        }
        for a in 0..self.accts.len() {
            for k in 0..self.accts[a].snap.positions.len() {
                let p = self.accts[a].snap.positions[k].clone(); // ok: a, k < len
                let Some(meta) = self.m.meta(p.inst).filter(|x| x.option.is_some()) else { continue };
                let premium = to_money(p.size.mul_c(meta.contract_size, "option premium")?.mul_c(p.entry, "option premium")?);
                self.cash_add(a, -premium)?;
                if let Some(pos) = self.accts[a].snap.positions.get_mut(k) {
                    pos.entry = Decimal::ZERO;
                }
                let memo = format!("option premium: {} {} at {}", format_decimal(p.size, 8), self.inst_id(p.inst), format_decimal(p.entry, 10));
                // A buyer (premium > 0) pays the settlement account; a seller is paid by it.
                self.post(0, self.vn(names::SETTLEMENT), self.acct_name(a), premium, EntryMemo::Text(Name::from(memo.as_str())));
            }
        }
        Ok(())
    }

    /// Source: Deribit "Options" / CME options on futures: a physically settled option exercised
    /// in the money becomes a futures position at the strike (long call / short put → long;
    /// short call / long put → short), one option unit per underlying unit.
    /// Option `i`'s position `pidx` of account `a` at expiry step `t`. Premium style: the option
    /// closes at 0 (it is carried at entry 0, so nothing is realized) and the futures position
    /// opens at the strike, worth the payoff at the underlying's mark. Futures style: the option
    /// closes at its mark (the payoff, already paid as variation margin) and the futures position
    /// opens at the underlying's mark. An existing position in the underlying is closed at that
    /// same price first and reopened combined, so no average entry (an inexact division) is formed.
    /// Out of the money, the option closes at its mark (0) like a cash-settled one.
    pub(in crate::engine) fn exercise(&mut self, a: usize, pidx: usize, t: u32) -> EngineResult<()> {
        let p = self.accts[a].snap.positions[pidx].clone(); // ok: caller passes valid indices
        let Some(o) = self.m.option(p.inst).copied() else { return Ok(()) };
        let mark = self.m.mark(p.inst, t);
        let und = self.m.mark(o.underlying, t);
        let itm = match o.kind {
            OptionKind::Call => und > o.strike,
            OptionKind::Put => und < o.strike,
        };
        let close_at = if self.vm || !itm { mark } else { Decimal::ZERO };
        let (realized, iso) = self.close_part(a, pidx, p.size.abs(), close_at, t)?;
        self.cash_add(a, realized + iso)?;
        if !itm {
            return Ok(());
        }
        let cs_opt = self.m.meta(p.inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
        let cs_und = self.m.meta(o.underlying).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
        let mut contracts = p.size.mul_c(cs_opt, "exercise")?.div_c(cs_und, "exercise")?;
        if o.kind == OptionKind::Put {
            contracts = -contracts;
        }
        let price = if self.vm { und } else { o.strike };
        if let Some(k) = self.accts[a].snap.positions.iter().position(|q| q.inst == o.underlying) {
            let old = self.accts[a].snap.positions[k].size; // ok: k found above
            let (r, iso) = self.close_part(a, k, old.abs(), price, t)?;
            self.cash_add(a, r + iso)?;
            contracts = contracts.add_c(old, "exercise")?;
        }
        if !contracts.is_zero() {
            let funding_entry = self.m.funding(o.underlying, t);
            self.accts[a].snap.positions.push(Pos { inst: o.underlying, size: contracts, entry: price, funding_entry, isolated: None }); // ok: a < len
            self.touch(a);
        }
        let into = if o.kind == OptionKind::Put { -p.size } else { p.size }.mul_c(cs_opt, "exercise")?.div_c(cs_und, "exercise")?;
        let msg = Msg::Exercised { name: self.who(a), size: p.size, inst: self.inst_id(p.inst).into(), into, under: self.inst_id(o.underlying).into(), price };
        self.event(t, Some(a), EventKind::Settlement, msg, None, None);
        Ok(())
    }
}
