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
        // An account whose other (isolated) positions stay open is still in the run.
        let left = self.accts.get(a).is_some_and(|x| !x.snap.positions.is_empty());
        self.set_status(a, if left { Status::Healthy } else { Status::Liquidated });
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

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind, Status};
    use crate::scenario::from_json;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// A short of 100 at 1.00 on 10 of cash; the price goes 1 → 1.02 → 1.5 → 1.2 → settles at
    /// 1.0 at step 4. The vault `v` (cash `vault_cash`) is the backstop.
    fn scenario(vault_cash: &str) -> String {
        format!(
            r#"{{"version":1,"steps":4,"venue":{{"style":"exchange","insurance_fund":"0","liquidation_fee":"0","backstop_vault":"v"}},
            "instruments":[{{"id":"P","lot_size":"1","margin":{{"initial":"0.1","maintenance":"0.05"}},"expiry":{{"step":4,"settlement":"cash"}},
              "price":{{"initial":"1","points":[{{"step":1,"price":"1.02"}},{{"step":2,"price":"1.5"}},{{"step":3,"price":"1.2"}},{{"step":4,"price":"1"}}]}}}}],
            "accounts":[{{"id":"s","cash":"10","positions":[{{"instrument":"P","size":"-100"}}]}},
                        {{"id":"lng","cash":"1000","positions":[{{"instrument":"P","size":"100"}}]}},
                        {{"id":"v","role":"lp_vault","cash":"{vault_cash}"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"insurance_fund"}}]}}"#
        )
    }

    #[test]
    fn the_vault_carries_the_short_marked_to_market_and_settles_it() {
        let t = simulate(&from_json(&scenario("100")).unwrap()).unwrap();
        // Step 1 at 1.02: equity 10 − 2 = 8 ≥ maintenance 5.10. Step 2 at 1.5: the short's equity
        // 10 + 100 × (1 − 1.5) = −40 < maintenance: the vault takes the −100 over at entry 1.00
        // with the 10 of cash, i.e. at the bankruptcy price 1.10.
        let e = t.events_at(2).into_iter().find(|e| e.kind == EventKind::BackstopTakeover).expect("the takeover");
        assert_eq!(e.amount, Some(d("-40")));
        assert_eq!(t.status_at(0, 2), Status::Liquidated);
        assert_eq!(t.account_at(0, 2).equity, Decimal::ZERO);
        // The vault, marked to market: 110 − 50 = 60 at step 2, 110 − 20 = 90 at step 3 …
        assert_eq!(t.account_at(2, 2).equity, d("60"));
        assert_eq!(t.account_at(2, 3).equity, d("90"));
        // … and settled at 1.00 at step 4: cash 110, a result of +10 (the trader's margin).
        assert_eq!(t.snapshot_at(2, 4).unwrap().collateral[0], d("110"));
        assert!(t.snapshot_at(2, 4).unwrap().positions.is_empty());
        // No loss reached the waterfall.
        assert_eq!(t.summary.deficit, Decimal::ZERO);
        assert_eq!(t.summary.defaults, 0);
    }

    #[test]
    fn a_vault_whose_equity_is_exhausted_is_liquidated_and_the_next_layer_acts() {
        let t = simulate(&from_json(&scenario("20")).unwrap()).unwrap();
        // The vault takes the short over (collateral 20 + 10 = 30, open loss 50 at 1.5): equity
        // −20, below maintenance; it is closed in the book at 1.5: a loss of 50, its own margin of
        // 30 first, the insurance fund is empty: 20 unallocated.
        assert!(t.events_at(2).iter().any(|e| e.kind == EventKind::BackstopTakeover));
        assert_eq!(t.status_at(2, 2), Status::Bankrupt);
        assert_eq!(t.summary.deficit, d("50"));
        assert_eq!(t.summary.by_layer[0], d("30"));
        assert_eq!(t.summary.unallocated, d("20"));
    }

    #[test]
    fn the_vault_is_validated_by_field() {
        let err = |x: &str| {
            let s = scenario("1").replace(r#""backstop_vault":"v""#, x);
            crate::scenario::validate(&serde_json::from_str::<crate::scenario::Scenario>(&s).unwrap()).unwrap_err().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
        };
        assert!(err(r#""backstop_vault":"nobody""#).contains("venue.backstop_vault: no account `nobody`"));
        assert!(err(r#""backstop_vault":"lng""#).contains("must have the role lp_vault"));
    }
}
