//! Trade cancellation (issue 19): a venue busts the trades of a range of steps, as the LME
//! cancelled the nickel trades of 8 March 2022 (notice of that day: trades from 00:00 UK time to
//! the suspension at 08:15 cancelled; about $12bn, High Court [2023] EWHC 2969).
//!
//! The steps of a range `from..=to` run as traded: marks move, variation margin is paid,
//! accounts are liquidated, auctioned or deleveraged, layers are drawn; the timeline keeps them
//! (what happened before the bust). At step `to + 1`, before anything else, the venue suspends and
//! cancels: every account (positions, cash, status, reserves), the insurance fund, the layers and
//! the loss figures return to where they stood at the start of step `from`, the ledger posts the
//! reverse of every entry made in the range (so balances replayed from it agree with the state),
//! and one event says what was cancelled. The marks of the range are void: step `to + 1`'s
//! variation margin is measured from the mark of step `from − 1`, the last one that stands.

use super::ledger::{names, EntryMemo, Name, Party};
use super::money::{Checked, EngineResult};
use super::state::{Acct, LayerRt, Pending, Sim, SideTables};
use super::timeline::*;
use rust_decimal::Decimal;
use std::collections::VecDeque;

/// The venue as it stood at the start of a cancellation range: every figure the bust restores.
pub(super) struct Checkpoint {
    accts: Vec<Acct>,
    insurance: Decimal,
    layers: Vec<LayerRt>,
    unallocated: Decimal,
    queue: VecDeque<(usize, bool)>,
    closed_out: VecDeque<(usize, Decimal, Decimal, super::state::Closed)>,
    pending: Vec<Pending>,
    claims: Vec<Pending>,
    deficit: Decimal,
    bad_debt: Decimal,
    defaults: usize,
    cascades: usize,
    adl_totals: AdlTotals,
    side: SideTables,
    closes: (u64, Decimal),
    ledger_len: usize,
    fund_drawn_at: Option<u32>,
}

impl<'a> Sim<'a> {
    /// The step whose marks step `t`'s variation margin is measured from: `t − 1`, or, at the
    /// step that applies a cancellation, the step before the busted range (its marks are void).
    pub(in crate::engine) fn settled_before(&self, t: u32) -> u32 {
        match self.busted_at(t) {
            Some((from, _)) => from.saturating_sub(1),
            None => t.saturating_sub(1),
        }
    }

    /// The range `from..=to` a cancellation busts at step `t` (the step after its end), if any.
    pub(in crate::engine) fn busted_at(&self, t: u32) -> Option<(u32, u32)> {
        self.s.trade_cancellations.iter().find(|c| c.to.checked_add(1) == Some(t)).map(|c| (c.from, c.to))
    }

    /// Source: LME notice of 8 March 2022 (nickel: trading suspended, the day's trades cancelled); High Court, [2023] EWHC 2969 (Admin).
    /// At the start of step `t`: bust a range that ended at `t − 1`, then keep the venue's state
    /// if a range starts at `t`.
    pub(in crate::engine) fn cancel_trades(&mut self, t: u32) -> EngineResult<()> {
        if self.s.trade_cancellations.is_empty() {
            return Ok(());
        }
        if let Some((from, to)) = self.busted_at(t) {
            self.bust(from, to, t)?;
        }
        if self.s.trade_cancellations.iter().any(|c| c.from == t) {
            self.checkpoint = Some(Box::new(self.keep()));
        }
        Ok(())
    }

    fn keep(&self) -> Checkpoint {
        Checkpoint {
            accts: self.accts.clone(),
            insurance: self.insurance,
            layers: self.layers.clone(),
            unallocated: self.unallocated,
            queue: self.queue.clone(),
            closed_out: self.closed_out.clone(),
            pending: self.pending.clone(),
            claims: self.claims.clone(),
            deficit: self.deficit,
            bad_debt: self.bad_debt,
            defaults: self.defaults,
            cascades: self.cascades,
            adl_totals: self.adl_totals.clone(),
            side: self.side.clone(),
            closes: self.closes,
            ledger_len: self.ledger.len(),
            fund_drawn_at: self.fund_drawn_at,
        }
    }

    /// Restore the checkpoint of the range `from..=to` at step `t` and post its reversal.
    fn bust(&mut self, from: u32, to: u32, t: u32) -> EngineResult<()> {
        let Some(cp) = self.checkpoint.take() else { return Ok(()) };
        let cp = *cp;
        // What the range moved: close-outs counted as they were made, variation margin from the
        // ledger (the payers' side: entries from the settlement account to an account).
        let fills = self.closes.0.saturating_sub(cp.closes.0);
        let notional = self.closes.1.sub_c(cp.closes.1, "cancelled notional")?;
        let mut vm = Decimal::ZERO;
        let mut entries = 0u64;
        if self.full {
            let settlement = self.vn(names::SETTLEMENT);
            let end = self.ledger.len();
            // Newest first: the journal unwinds in the reverse order it was written.
            for i in (cp.ledger_len..end).rev() {
                let Some((debit, credit, asset, amount, memo)) = self.ledger.raw(i) else { continue };
                if memo == *"variation margin" {
                    if matches!(&credit, Party::Named(n) if *n == settlement) {
                        vm = vm.add_c(amount, "cancelled variation margin")?;
                    }
                }
                let memo = EntryMemo::Text(Name::from(format!("trade cancellation reverses: {memo}").as_str()));
                self.ledger.record(t, credit, debit, asset, amount, memo);
                entries += 1;
            }
        }
        // Every account back as it stood; those that differ are recorded at this step.
        let before = std::mem::replace(&mut self.accts, cp.accts);
        for (a, old) in before.iter().enumerate() {
            let now = self.accts.get(a).map(|x| &x.snap);
            if now != Some(&old.snap) {
                self.touch(a);
            }
        }
        self.insurance = cp.insurance;
        self.layers = cp.layers;
        self.layers_dirty = true;
        self.unallocated = cp.unallocated;
        self.queue = cp.queue;
        self.closed_out = cp.closed_out;
        self.pending = cp.pending;
        self.claims = cp.claims;
        self.deficit = cp.deficit;
        self.bad_debt = cp.bad_debt;
        self.defaults = cp.defaults;
        self.cascades = cp.cascades;
        self.adl_totals = cp.adl_totals;
        self.side = cp.side;
        self.closes = cp.closes;
        // The fund's draw clock as it stood: a draw inside the range is void, and a
        // replenishment made inside it (undone with the accounts) falls due again, paid by
        // `replenish` right after this at step `t`.
        self.fund_drawn_at = cp.fund_drawn_at;
        // Rankings and profit valuations were made on the busted state: made again when needed.
        self.adl_cache.clear();
        self.profits.step = None;
        let msg = Msg::TradesCancelled { from, to, fills, notional, vm, entries };
        self.event(t, None, EventKind::TradesCancelled, msg, Some(notional), None);
        // The clearing house's own decisions inside the range are not trades: made again
        // (injections here; replenishments and recoveries by `replenish` and `recover`, which run
        // after the bust at this step, see `busted_at`).
        self.redo_injections(from, to, t)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{ledger, simulate, Status as St};
    use crate::scenario::from_json;
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// A clearing house, one short member and one long member, 1 lot each; price 100 → 110 → 150
    /// → 90 → 95. Steps 2–3 are busted; step 4 settles against step 1's mark (110).
    const CCP: &str = r#"{"version":1,"steps":5,
        "venue":{"style":"ccp","settlement":"variation_margin","margin_call_grace":0,"auction_discount":"0.1"},
        "instruments":[{"id":"F","lot_size":"1","margin":{"initial":"0.1","maintenance":"0.05"},
          "price":{"initial":"100","points":[{"step":1,"price":"110"},{"step":2,"price":"150"},{"step":3,"price":"90"},{"step":4,"price":"95"},{"step":5,"price":"95"}]}}],
        "accounts":[{"id":"s","role":"member","cash":"30","fund_contribution":"5","positions":[{"instrument":"F","size":"-1"}]},
                    {"id":"l","role":"member","cash":"100","fund_contribution":"20","positions":[{"instrument":"F","size":"1"}]}],
        "waterfall":[{"kind":"defaulter_margin"},{"kind":"defaulter_fund_contribution"},{"kind":"survivors_fund"}]
        XX}"#;

    fn ccp(extra: &str) -> String {
        CCP.replace("XX", extra)
    }

    #[test]
    fn a_busted_range_returns_positions_and_cash_and_settles_from_the_last_standing_mark() {
        let stood = simulate(&from_json(&ccp("")).unwrap()).unwrap();
        // Had the trades stood: at step 2 the short pays 40 of VM it has (30 − 10 = 20 left after
        // step 1): equity −20 < maintenance, no grace → default, auction at 150 × 1.1 = 165.
        assert!(stood.summary.defaults >= 1, "{:?}", stood.summary);
        let t = simulate(&from_json(&ccp(r#","trade_cancellations":[{"from":2,"to":3}]"#)).unwrap()).unwrap();
        // The default of step 2 happened (the timeline keeps it) …
        assert!(t.events_at(2).iter().any(|e| e.text().contains("declared in default")));
        // … and step 4 cancels it: no default, no loss, every layer untouched.
        assert_eq!(t.summary.defaults, 0);
        assert_eq!(t.summary.deficit, Decimal::ZERO);
        assert!(t.summary.by_layer.iter().all(|x| x.is_zero()));
        let ev = t.events_at(4);
        let bust = ev.iter().find(|e| e.kind == crate::engine::EventKind::TradesCancelled).expect("the bust");
        assert!(bust.text().contains("steps 2 to 3") && bust.text().contains("LME notice of 8 March 2022"), "{}", bust.text());
        // Hand figures. Step 1: VM 10 from s to l (equity 20 and 110). Step 4 settles 95 − 110:
        // s receives 15 → 35, l pays 15 → 95. Step 5: 95 → 95, nothing. (The account keeps its
        // cash and its entry; VM is the change of the position's value, in the ledger.)
        let s = t.snapshot_at(0, 5).unwrap();
        let l = t.snapshot_at(1, 5).unwrap();
        assert_eq!((s.collateral[0], l.collateral[0]), (d("30"), d("100")));
        assert_eq!((t.account_at(0, 5).equity, t.account_at(1, 5).equity), (d("35"), d("95")));
        assert_eq!(s.positions[0].size, d("-1"));
        assert_eq!(l.positions[0].size, d("1"));
        assert_ne!(s.status, St::Defaulted);
        // At step 3 (as traded) the short had been closed out.
        assert!(t.snapshot_at(0, 3).unwrap().positions.is_empty());
        // The ledger replays to the state: the reversal entries are there, at step 4.
        let b = ledger::balances(t.ledger.iter());
        assert_eq!(b.get(&("acct:s".to_string(), "USD".to_string())).copied().unwrap_or_default(), d("35"));
        assert_eq!(b.get(&("acct:l".to_string(), "USD".to_string())).copied().unwrap_or_default(), d("95"));
        assert!(t.ledger.at_step(4).iter().any(|e| e.memo.contains("trade cancellation reverses")));
        // The settlement account nets to zero over the run, as without a cancellation.
        let sum: Decimal = b.iter().filter(|(k, _)| k.1 == "USD").map(|(_, v)| *v).sum();
        assert_eq!(sum, Decimal::ZERO);
    }

    #[test]
    fn ranges_are_validated_by_field() {
        let err = |x: &str| crate::scenario::validate(&serde_json::from_str::<crate::scenario::Scenario>(&ccp(x)).unwrap()).unwrap_err().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ");
        assert!(err(r#","trade_cancellations":[{"from":0,"to":1}]"#).contains("trade_cancellations[0].from"));
        assert!(err(r#","trade_cancellations":[{"from":3,"to":2}]"#).contains("trade_cancellations[0].to"));
        assert!(err(r#","trade_cancellations":[{"from":2,"to":5}]"#).contains("before the last step"));
        assert!(err(r#","trade_cancellations":[{"from":1,"to":2},{"from":2,"to":3}]"#).contains("trade_cancellations[1].from"));
    }
}
